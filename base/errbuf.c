/* SPDX-License-Identifier: GPL-3.0-or-later */
/* errbuf.c: filling a caller's error-message buffer. */
#include <stdarg.h>
#include <stdio.h>

#include "errbuf.h"

void errbuf_set(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errsz)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}
