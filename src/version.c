/* SPDX-License-Identifier: GPL-3.0-or-later */
/* version.c: the program's version and build description. */
#include "config.h"
#include "version.h"

const char *sphone_version(void)
{
	return PACKAGE_VERSION;
}
