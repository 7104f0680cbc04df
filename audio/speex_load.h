/* SPDX-License-Identifier: GPL-3.0-or-later */
/* speex_load.h: whether libspeexdsp, loaded on first use by speex_load.c, is there. */
#ifndef SPHONE_SPEEX_LOAD_H
#define SPHONE_SPEEX_LOAD_H

#define SPEEXDSP_SONAME "libspeexdsp.so.1"

/* Loads libspeexdsp the first time; 0 when it is usable, else ELIBACC (and the speex_* calls fail). */
int speex_load(void);

#endif
