/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_sdp.c: libFuzzer target for the SDP parser and the offer/answer engine fed a hostile peer's SDP. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sdp_sess *sess[3];

static void setup(void)
{
	struct sdp_conf c;

	memset(&c, 0, sizeof(c));
	c.addr = "127.0.0.1";
	c.port = 40000;
	if (sdp_sess_alloc(&sess[0], &c) != 0)
		abort();
	c.srtp = true;
	if (sdp_sess_alloc(&sess[1], &c) != 0)
		abort();
	c.srtp_required = true;
	c.answer_our_order = true;
	if (sdp_sess_alloc(&sess[2], &c) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sdp_desc *d = NULL, *d2 = NULL;
	struct sdp_result r;
	struct wbuf w;
	/* an exact-size heap copy so ASan sees any over-read */
	char *p = malloc(size ? size : 1);
	size_t n_media = 0;
	int derr;

	if (!p)
		return 0;
	if (!sess[0])
		setup();
	memcpy(p, data, size);
	derr = sdp_decode(&d, p, size);
	if (derr == 0) {
		n_media = d->n_media;
		if (n_media > SDP_MAX_MEDIA)
			abort();
		sdp_desc_free(d);
	}
	(void)sdp_has_keys(p, size);
	for (int i = 0; i < 3; i++) {
		struct sdp_sess *s = sess[i];
		int err;

		wbuf_init(&w, 0);
		err = sdp_sess_answer(s, p, size, &w, &r);
		if (err == 0) {
			/* what we answer must parse, keep every m-line, and hold keys only if secure */
			if (derr != 0 || sdp_decode(&d2, (const char *)w.p, w.len) != 0 || d2->n_media != n_media)
				abort();
			if (sdp_has_keys((const char *)w.p, w.len) != r.secure)
				abort();
			if (i == 2 && !r.secure)
				abort(); /* SRTP required: never plain */
			sdp_desc_free(d2);
			d2 = NULL;
			sdp_result_wipe(&r);
		} else if (sdp_sess_reason(s)[0] == '\0') {
			abort(); /* every refusal says why */
		}
		wbuf_reset(&w);
		if (sdp_sess_offer(s, &w) != 0)
			abort();
		err = sdp_sess_apply_answer(s, p, size, &r);
		if (err == 0) {
			if (i == 2 && !r.secure)
				abort();
			sdp_result_wipe(&r);
		}
		wbuf_free(&w);
	}
	free(p);
	return 0;
}
