/* SPDX-License-Identifier: GPL-3.0-or-later */
/* version.h: the program's version string. */
#ifndef SPHONE_VERSION_H
#define SPHONE_VERSION_H

const char *sphone_version(void);

#endif
