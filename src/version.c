/* SPDX-License-Identifier: GPL-3.0-or-later */
/* version.c: the program's version, and the run-time versions of the libraries under it. */
#include "config.h"

#include "audev.h"
#include "crypto.h"
#include "srtp.h"
#include "version.h"

const char *sphone_version(void)
{
	return PACKAGE_VERSION;
}

void sphone_lib_versions(version_line_h *h, void *arg)
{
	const char *pa = audev_pa_version();

	h(crypto_lib_version(), arg);
	h(srtp_lib_version(), arg);
	/* dlopen'ed on first use: a phone without it still calls with WAV files */
	h(pa ? pa : audev_pa_errmsg(), arg);
}
