/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_rtcp.c: libFuzzer target for the RTCP compound-packet parser; what parses is rebuilt and must parse the same. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_info(const struct rtcp_info *in)
{
	if (in->has_sr == in->has_rr)
		abort(); /* a valid compound packet starts with exactly one of them */
	if (in->rb_count > RTCP_MAX_RB || in->bye_count > RTCP_MAX_RB)
		abort();
	if (strlen(in->cname) > RTCP_TEXT_MAX || strlen(in->bye_reason) > RTCP_TEXT_MAX)
		abort();
	if (!in->has_cname && in->cname[0])
		abort();
}

/* Build a report from what was parsed, parse it, and compare field by field. */
static void check_rebuild(const struct rtcp_info *in)
{
	struct rtcp_report r;
	struct rtcp_info out;
	uint8_t buf[1500];
	size_t n;

	if (!in->has_cname || !in->cname[0] || in->rb_count > RTCP_BUILD_MAX_RB)
		return;
	memset(&r, 0, sizeof(r));
	r.sender = in->has_sr;
	r.ssrc = in->has_sr ? in->sr_ssrc : in->rr_ssrc;
	r.sr = in->sr;
	r.rb_count = in->rb_count;
	memcpy(r.rb, in->rb, sizeof(r.rb[0]) * in->rb_count);
	r.cname = in->cname;
	r.bye = in->bye;
	r.bye_reason = in->bye_reason[0] ? in->bye_reason : NULL;
	if (rtcp_build(buf, sizeof(buf), &r, &n) != 0)
		abort();
	if (n % 4 != 0 || rtcp_parse(&out, buf, n) != 0)
		abort();
	if (out.has_sr != in->has_sr || out.has_rr != in->has_rr || out.rb_count != in->rb_count ||
	    out.has_cname != true || out.bye != in->bye)
		abort();
	if (in->has_sr && (out.sr_ssrc != in->sr_ssrc || memcmp(&out.sr, &in->sr, sizeof(out.sr)) != 0))
		abort();
	if (in->has_rr && out.rr_ssrc != in->rr_ssrc)
		abort();
	for (unsigned i = 0; i < in->rb_count; i++) {
		const struct rtcp_rb *a = &in->rb[i], *b = &out.rb[i];
		if (a->ssrc != b->ssrc || a->fraction_lost != b->fraction_lost || a->cum_lost != b->cum_lost ||
		    a->ext_max_seq != b->ext_max_seq || a->jitter != b->jitter || a->lsr != b->lsr ||
		    a->dlsr != b->dlsr)
			abort();
	}
	if (strcmp(out.cname, in->cname) != 0 || out.cname_ssrc != r.ssrc)
		abort();
	if (in->bye && strcmp(out.bye_reason, in->bye_reason) != 0)
		abort();
	/* one byte short of room is refused, never written past */
	if (rtcp_build(buf, n - 1, &r, &n) != ENOBUFS)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtcp_info in;
	/* an exact-size heap copy so ASan sees any over-read */
	uint8_t *p = malloc(size ? size : 1);

	if (!p)
		abort();
	memcpy(p, data, size);
	if (rtcp_parse(&in, p, size) == 0) {
		check_info(&in);
		check_rebuild(&in);
	}
	free(p);
	return 0;
}
