/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_sip_msg.c: libFuzzer target for SIP message parsing, printing, replies and stream framing. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sip_msg.h"
#include "sip_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct coll {
	size_t n;
	size_t bytes;
	uint32_t sum; /* cheap digest of the delivered messages */
	unsigned ka;
};

static void on_msg(struct sip_msg *m, void *arg)
{
	struct coll *c = arg;
	struct pl r = sip_msg_raw(m);
	c->n++;
	c->bytes += r.l;
	for (size_t i = 0; i < r.l; i++)
		c->sum = c->sum * 31 + (uint8_t)r.p[i];
	sip_msg_free(m);
}

static void on_ka(enum sip_ka kind, void *arg)
{
	struct coll *c = arg;
	c->ka = c->ka * 3 + (kind == SIP_KA_PING ? 2 : 1);
}

static size_t hdrs_but_clen(const struct sip_msg *m)
{
	size_t n = 0;
	for (size_t i = 0; i < sip_msg_hdr_count(m); i++)
		n += sip_msg_hdr_at(m, i)->id != SIP_HDR_CONTENT_LENGTH;
	return n;
}

static void exercise(struct sip_msg *m)
{
	struct wbuf w;
	uint32_t v;

	for (size_t i = 0; i < sip_msg_hdr_count(m); i++)
		(void)sip_msg_hdr_next(m, sip_msg_hdr_at(m, i));
	sip_msg_hdr_by_name(m, "x-unknown");
	sip_msg_expires(m, &v);
	sip_msg_min_expires(m, &v);
	sip_msg_max_forwards(m, &v);
	for (size_t i = 0; i < sip_msg_contact_count(m); i++) {
		struct pl pv;
		sip_param_get(sip_msg_contact_at(m, i)->params, "expires", &pv);
	}
	wbuf_init(&w, 0);
	if (sip_msg_is_request(m))
		sip_reply_print(&w, m, 400, NULL, "tag", "X: y\r\n", "text/plain", "b", 1);
	wbuf_free(&w);
}

/* feeds buf to a stream in chunks whose sizes come from seed; returns the feed result */
static int stream_run(const char *buf, size_t len, const uint8_t *seed, size_t nseed, struct coll *c)
{
	struct sip_stream *s;
	int err = 0;
	size_t pos = 0, k = 0;

	if (sip_stream_alloc(&s, 2048))
		return ENOMEM;
	sip_stream_set_ka_handler(s, on_ka, c);
	while (pos < len && !err) {
		size_t step = nseed ? (size_t)seed[k++ % nseed] % 64 + 1 : len;
		if (step > len - pos)
			step = len - pos;
		err = sip_stream_feed(s, buf + pos, step, on_msg, c);
		pos += step;
	}
	sip_msg_free(sip_stream_take_bad(s));
	sip_stream_free(s);
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sip_msg *m = NULL, *m2 = NULL;
	int e = 0;

	if (size > 65536)
		return 0;
	char *p = malloc(size ? size : 1);
	if (!p)
		return 0;
	memcpy(p, data, size);

	if (sip_msg_decode(&m, p, size) == 0) {
		struct wbuf w;
		exercise(m);
		wbuf_init(&w, 0);
		if (sip_msg_print(&w, m) == 0) {
			/* a valid message re-printed must stay valid with the same key values */
			if (sip_msg_decode(&m2, w.p, w.len) != 0)
				abort();
			if (!pl_eq(sip_msg_callid(m), sip_msg_callid(m2)) ||
			    sip_msg_cseq(m)->num != sip_msg_cseq(m2)->num ||
			    !pl_eq(sip_msg_body(m), sip_msg_body(m2)) ||
			    sip_msg_via_count(m) != sip_msg_via_count(m2) ||
			    hdrs_but_clen(m) != hdrs_but_clen(m2))
				abort();
			sip_msg_free(m2);
		}
		wbuf_free(&w);
		sip_msg_free(m);
	}
	m = NULL;
	if (sip_msg_decode_lenient(&m, p, size, &e) == 0) {
		exercise(m);
		sip_msg_free(m);
	}

	/* stream: the same bytes in one piece and in fuzzer-chosen pieces give the same result */
	struct coll a = { 0, 0, 0, 0 }, b = { 0, 0, 0, 0 };
	size_t nseed = size < 8 ? size : 8;
	int ea = stream_run(p, size, NULL, 0, &a);
	int eb = stream_run(p, size, data, nseed, &b);
	if (ea != eb || a.n != b.n || a.bytes != b.bytes || a.sum != b.sum || a.ka != b.ka)
		abort();
	free(p);
	return 0;
}
