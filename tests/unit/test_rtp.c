/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_rtp.c: RTP header coding, sender state, and RFC 3550 A.1/A.3/A.8 receiver statistics. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "rtp.h"
#include "../tap.h"

static void mkhdr(struct rtp_hdr *h, uint16_t seq, uint32_t ts, uint32_t ssrc)
{
	memset(h, 0, sizeof(*h));
	h->seq = seq;
	h->ts = ts;
	h->ssrc = ssrc;
}

static void test_decode(void)
{
	/* V=2 P=1 X=1 CC=2, M=1 PT=8, seq 0x1234, ts 0xdeadbeef, ssrc 0x01020304,
	 * 2 CSRC, ext profile 0xbede len 1 word, 3 payload bytes, 2 padding */
	static const uint8_t pkt[] = {
		0xB2, 0x88, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04,
		0xaa, 0xaa, 0xaa, 0xa1, 0xbb, 0xbb, 0xbb, 0xb2,
		0xbe, 0xde, 0x00, 0x01, 0x10, 0x20, 0x30, 0x40,
		0x7a, 0x7b, 0x7c, 0x00, 0x02,
	};
	struct rtp_hdr h;
	uint8_t b[64];

	is_int(rtp_hdr_decode(&h, pkt, sizeof(pkt)), 0, "decode full-featured packet");
	ok(h.padding && h.ext && h.marker, "P, X, M flags");
	is_int(h.cc, 2, "CC");
	is_int(h.pt, 8, "PT");
	is_int(h.seq, 0x1234, "seq");
	is_int(h.ts, 0xdeadbeef, "ts");
	is_int(h.ssrc, 0x01020304, "ssrc");
	is_int(h.csrc[0], 0xaaaaaaa1, "csrc[0]");
	is_int(h.csrc[1], 0xbbbbbbb2, "csrc[1]");
	is_int(h.ext_profile, 0xbede, "extension profile");
	is_int(h.ext_off, 24, "extension data offset");
	is_int(h.ext_len, 4, "extension length");
	is_int(h.payload_off, 28, "payload offset");
	is_int(h.payload_len, 3, "payload length without padding");
	is_int(h.pad_len, 2, "padding length");

	/* every truncation must fail, never over-read (ASan build checks that) */
	{
		int bad = 0;
		for (size_t n = 0; n < sizeof(pkt); n++) {
			uint8_t *cp = malloc(n ? n : 1);
			memcpy(cp, pkt, n);
			if (rtp_hdr_decode(&h, cp, n) == 0 && n < 28)
				bad++;
			free(cp);
		}
		is_int(bad, 0, "no truncation below the payload start decodes");
	}
	memcpy(b, pkt, sizeof(pkt));
	b[0] = 0x40 | (pkt[0] & 0x3F);
	is_int(rtp_hdr_decode(&h, b, sizeof(pkt)), EBADMSG, "version 1 rejected");
	memcpy(b, pkt, sizeof(pkt));
	b[0] = 0x8F; /* CC=15 needs 60 bytes of CSRC */
	is_int(rtp_hdr_decode(&h, b, sizeof(pkt)), EBADMSG, "CSRC count beyond length rejected");
	memcpy(b, pkt, sizeof(pkt));
	b[23] = 0x09; /* extension claims 9 words */
	is_int(rtp_hdr_decode(&h, b, sizeof(pkt)), EBADMSG, "extension length beyond packet rejected");
	memcpy(b, pkt, sizeof(pkt));
	b[sizeof(pkt) - 1] = 0;
	is_int(rtp_hdr_decode(&h, b, sizeof(pkt)), EBADMSG, "padding count 0 rejected");
	b[sizeof(pkt) - 1] = 6; /* more than the 5 bytes after the header */
	is_int(rtp_hdr_decode(&h, b, sizeof(pkt)), EBADMSG, "padding beyond payload rejected");
	b[sizeof(pkt) - 1] = 5;
	is_int(rtp_hdr_decode(&h, b, sizeof(pkt)), 0, "padding equal to whole payload accepted");
	is_int(h.payload_len, 0, "... leaving an empty payload");
	is_int(rtp_hdr_decode(&h, pkt, 11), EBADMSG, "11 bytes rejected");

	/* encode round trip */
	{
		struct rtp_hdr e, d;
		size_t n;
		mkhdr(&e, 65535, 4000000000u, 0xcafebabe);
		e.pt = 0;
		e.marker = true;
		e.cc = 1;
		e.csrc[0] = 77;
		is_int(rtp_hdr_encode(b, 15, &e, &n), ENOBUFS, "encode: short buffer -> ENOBUFS");
		is_int(rtp_hdr_encode(b, sizeof(b), &e, &n), 0, "encode");
		is_int(n, 16, "encoded length 12 + 4");
		is_int(rtp_hdr_decode(&d, b, n), 0, "decode what was encoded");
		ok(d.seq == 65535 && d.ts == 4000000000u && d.ssrc == 0xcafebabe && d.marker && d.cc == 1 &&
			   d.csrc[0] == 77 && d.pt == 0,
		   "round trip keeps every field");
		is_int(b[0], 0x81, "first octet V=2 CC=1");
		is_int(b[1], 0x80, "second octet M=1 PT=0");
	}
}

static void test_send(void)
{
	struct rtp_send *a = NULL, *b = NULL;
	struct rtp_hdr h;
	struct rtp_send_stats st;
	uint8_t buf[64];
	size_t n;

	is_int(rtp_send_alloc(&a, 0), 0, "sender alloc");
	is_int(rtp_send_alloc(&b, 0), 0, "second sender alloc");
	ok(rtp_send_ssrc(a) != rtp_send_ssrc(b) || rtp_send_seq(a) != rtp_send_seq(b),
	   "two senders get different random SSRC/seq");
	is_int(rtp_send_alloc(&b, 128), EINVAL, "PT 128 rejected");

	rtp_send_set(a, 0x11223344, 65534, 0xFFFFFF00u);
	is_int(rtp_send_audio(a, buf, sizeof(buf), 160, 160, &n), 0, "first audio header");
	rtp_hdr_decode(&h, buf, n);
	ok(h.marker, "first packet has the marker");
	is_int(h.seq, 65534, "seq 65534");
	is_int(h.ts, 0xFFFFFF00u, "ts");
	rtp_send_audio(a, buf, sizeof(buf), 160, 160, &n);
	rtp_hdr_decode(&h, buf, n);
	ok(!h.marker, "second packet: no marker");
	is_int(h.seq, 65535, "seq 65535");
	is_int(h.ts, 0xFFFFFFA0u, "ts +160");
	rtp_send_audio(a, buf, sizeof(buf), 160, 160, &n);
	rtp_hdr_decode(&h, buf, n);
	is_int(h.seq, 0, "seq wraps to 0");
	is_int(h.ts, 0x40u, "ts wraps modulo 2^32");

	/* hold for 3 s: no packets, time runs on */
	for (int i = 0; i < 150; i++)
		rtp_send_skip(a, 160);
	rtp_send_audio(a, buf, sizeof(buf), 160, 160, &n);
	rtp_hdr_decode(&h, buf, n);
	is_int(h.seq, 1, "seq continues by one after hold");
	is_int(h.ts, 0xE0u + 24000u, "ts advanced by the 3 s of hold");
	ok(h.marker, "marker on talkspurt start after hold");

	rtp_send_other(a, buf, sizeof(buf), 101, 12345, true, 4, &n);
	rtp_hdr_decode(&h, buf, n);
	ok(h.pt == 101 && h.ts == 12345 && h.marker && h.seq == 2, "other-PT packet shares the sequence space");
	is_int(rtp_send_ts(a), 0xE0u + 24000u + 160u, "audio ts untouched by the other packet");

	rtp_send_stats(a, &st);
	is_int(st.packets, 5, "packets counted");
	is_int(st.octets, 4 * 160 + 4, "payload octets counted");
	is_int(rtp_send_audio(a, buf, 11, 160, 0, &n), ENOBUFS, "short buffer -> ENOBUFS");
	rtp_send_free(a);
	rtp_send_free(b);
	rtp_send_free(NULL);
}

static void test_recv(void)
{
	struct rtp_recv *r;
	struct rtp_hdr h;
	struct rtp_recv_report rep;
	uint32_t ext;

	rtp_recv_alloc(&r);
	mkhdr(&h, 1000, 0, 42);
	is_int(rtp_recv_packet(r, &h, 0, &ext), EINPROGRESS, "first packet: probation");
	mkhdr(&h, 1001, 160, 42);
	is_int(rtp_recv_packet(r, &h, 160, &ext), 0, "second sequential packet: valid");
	is_int(ext, 1001, "extended seq");
	mkhdr(&h, 1001, 160, 43);
	is_int(rtp_recv_packet(r, &h, 160, &ext), ESRCH, "other SSRC -> ESRCH");

	/* 1002..1011 with 1005 and 1006 lost */
	for (uint16_t s = 1002; s <= 1011; s++) {
		if (s == 1005 || s == 1006)
			continue;
		mkhdr(&h, s, (uint32_t)(s - 1000) * 160, 42);
		rtp_recv_packet(r, &h, (uint32_t)(s - 1000) * 160, NULL);
	}
	rtp_recv_report(r, &rep);
	is_int(rep.expected, 11, "expected 1001..1011 = 11");
	is_int(rep.received, 9, "received 9");
	is_int(rep.cum_lost, 2, "cumulative lost 2");
	is_int(rep.fraction_lost, 2 * 256 / 11, "fraction lost 2/11 in 1/256");
	is_int(rep.ext_max_seq, 1011, "ext highest seq");
	is_int(rep.jitter, 0, "constant transit: zero jitter");
	rtp_recv_report(r, &rep);
	is_int(rep.fraction_lost, 0, "no new packets: fraction 0 for the new interval");

	/* a duplicate is counted, making loss negative-capable */
	mkhdr(&h, 1011, 11 * 160, 42);
	is_int(rtp_recv_packet(r, &h, 11 * 160, NULL), 0, "duplicate accepted by A.1");
	rtp_recv_report(r, &rep);
	is_int(rep.cum_lost, 1, "duplicate lowers cumulative loss");
	rtp_recv_free(r);

	/* wrap: 65530 .. 65535, 0 .. 9 */
	rtp_recv_alloc(&r);
	for (uint32_t i = 0; i < 16; i++) {
		uint16_t s = (uint16_t)(65530 + i);
		mkhdr(&h, s, i * 160, 7);
		rtp_recv_packet(r, &h, i * 160, &ext);
	}
	is_int(ext, 65536 + 9, "extended seq after the wrap");
	rtp_recv_report(r, &rep);
	is_int(rep.ext_max_seq, 65536 + 9, "ext highest seq carries one cycle");
	is_int(rep.cum_lost, 0, "nothing lost across the wrap");
	mkhdr(&h, 65534, 4 * 160, 7);
	rtp_recv_packet(r, &h, 20 * 160, &ext);
	is_int(ext, 65534, "late packet from before the wrap: previous cycle");

	/* jump of 10000: first is refused, the next sequential one restarts */
	mkhdr(&h, 10009, 0, 7);
	is_int(rtp_recv_packet(r, &h, 0, NULL), ERANGE, "big jump refused");
	mkhdr(&h, 10010, 160, 7);
	is_int(rtp_recv_packet(r, &h, 160, NULL), 0, "second packet after a jump: source restart");
	rtp_recv_report(r, &rep);
	is_int(rep.ext_max_seq, 10010, "restart re-bases the sequence");
	is_int(rep.cum_lost, 0, "restart resets loss");
	rtp_recv_free(r);

	/* jitter: arrival alternates 0 and +80 units off the ideal */
	rtp_recv_alloc(&r);
	{
		double j = 0;
		uint32_t prev_transit = 0;
		for (uint32_t i = 0; i < 200; i++) {
			uint32_t ts = i * 160, arr = 5000 + ts + ((i & 1) ? 80 : 0);
			mkhdr(&h, (uint16_t)(i + 1), ts, 9);
			int e = rtp_recv_packet(r, &h, arr, NULL);
			if (i >= 2) { /* the RFC algorithm starts with the first valid (second) packet */
				double d = fabs((double)(int32_t)((arr - ts) - prev_transit));
				j += (d - j) / 16;
			}
			if (e == 0)
				prev_transit = arr - ts;
		}
		rtp_recv_report(r, &rep);
		ok(fabs(rep.jitter - j) <= 1.0, "jitter %u matches the A.8 estimator %.2f", rep.jitter, j);
		ok(rep.jitter >= 78 && rep.jitter <= 80, "jitter converges to the 80-unit swing");
	}
	rtp_recv_free(r);

	/* all lost in an interval: fraction saturates at 255 */
	rtp_recv_alloc(&r);
	mkhdr(&h, 1, 0, 5);
	rtp_recv_packet(r, &h, 0, NULL);
	mkhdr(&h, 2, 0, 5);
	rtp_recv_packet(r, &h, 0, NULL);
	rtp_recv_report(r, &rep);
	mkhdr(&h, 500, 0, 5);
	rtp_recv_packet(r, &h, 0, NULL);
	rtp_recv_report(r, &rep);
	is_int(rep.fraction_lost, 255, "fraction for 497 lost of 498 = 255/256");
	is_int(rep.cum_lost, 497, "cumulative 497");
	rtp_recv_free(r);
}

int main(void)
{
	test_decode();
	test_send();
	test_recv();
	return tap_done();
}
