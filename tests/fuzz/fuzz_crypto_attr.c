/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_crypto_attr.c: libFuzzer target for the a=crypto (RFC 4568) parser and its printer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sdp_crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sdp_crypto c, c2;
	const char *why = NULL;
	struct wbuf w;
	/* an exact-size heap copy so ASan sees any over-read */
	char *p = malloc(size ? size : 1);

	if (!p)
		return 0;
	memcpy(p, data, size);
	if (sdp_crypto_decode(&c, (struct pl){ p, size }, &why) == 0) {
		if (!why || why[0] || c.tag == 0 || c.tag > SDP_CRYPTO_TAG_MAX ||
		    c.key_len != srtp_suite_key_len(c.suite) + srtp_suite_salt_len(c.suite) ||
		    c.lifetime > SDP_CRYPTO_LIFETIME_MAX)
			abort();
		/* printing and parsing again gives the same tag, suite and key */
		wbuf_init(&w, 0);
		if (sdp_crypto_print(&w, &c) != 0 || w.len < 11)
			abort();
		if (sdp_crypto_decode(&c2, (struct pl){ (const char *)w.p + 9, w.len - 11 }, &why) != 0 ||
		    c2.tag != c.tag || c2.suite != c.suite || c2.key_len != c.key_len ||
		    memcmp(c2.key, c.key, c.key_len) != 0)
			abort();
		wbuf_free(&w);
		sdp_crypto_wipe(&c);
		sdp_crypto_wipe(&c2);
	} else if (!why || !why[0]) {
		abort(); /* every refusal has a reason */
	}
	free(p);
	return 0;
}
