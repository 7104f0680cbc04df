/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_sip_uri.c: libFuzzer target for the SIP URI parser, printer and comparison. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sip_uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sip_uri u, u2;
	struct wbuf w;
	char out[512];
	size_t n;
	struct pl v;

	/* an exact-size heap copy so ASan sees any over-read */
	char *p = malloc(size ? size : 1);
	if (!p)
		return 0;
	memcpy(p, data, size);
	struct pl in = { p, size };

	if (sip_uri_decode(&u, in) == 0) {
		sip_uri_param(&u, "transport", &v);
		sip_uri_param(&u, "lr", &v);
		sip_uri_header(&u, "subject", &v);
		sip_uri_unescape(out, sizeof(out), u.user, &n);
		sip_uri_unescape(out, sizeof(out), u.password, &n);
		sip_uri_default_port(&u);
		if (!sip_uri_equal(&u, &u))
			abort(); /* equality must be reflexive */
		wbuf_init(&w, 0);
		if (sip_uri_print(&w, &u) == 0) {
			/* what we print must parse again and compare equal */
			struct pl pr = { (const char *)w.p, w.len };
			if (sip_uri_decode(&u2, pr) != 0 || !sip_uri_equal(&u, &u2) || !sip_uri_equal(&u2, &u))
				abort();
		}
		wbuf_free(&w);
	}
	/* split the input in two URIs and compare them (symmetry) */
	if (size > 2) {
		size_t cut = data[0] % size;
		struct pl a = { p + 1, cut > 0 ? cut - 1 : 0 }, b = { p + (cut > 0 ? cut : 1), size - (cut > 0 ? cut : 1) };
		if (sip_uri_decode(&u, a) == 0 && sip_uri_decode(&u2, b) == 0 &&
		    sip_uri_equal(&u, &u2) != sip_uri_equal(&u2, &u))
			abort();
	}
	free(p);
	return 0;
}
