/* SPDX-License-Identifier: GPL-3.0-or-later */
/* errbuf.h: the one routine that fills a caller's error-message buffer (char *err, size_t errsz). */
#ifndef SPHONE_ERRBUF_H
#define SPHONE_ERRBUF_H

#include <stddef.h>

/*
 * Prints the message into err, cut to errsz - 1 bytes and always NUL-terminated. Callers may pass
 * err NULL or errsz 0 when they want no message: then nothing is written.
 */
void errbuf_set(char *err, size_t errsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
