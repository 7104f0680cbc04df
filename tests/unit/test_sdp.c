/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_sdp.c: SDP parsing (RFC 4566, RFC 4317 examples) and RFC 3264 offer/answer with SDES keys. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "../tap.h"
#include "sdp.h"

/* RFC 4317 section 2.1 offer and answer (the s= line holds one space) */
static const char rfc4317_21_offer[] = "v=0\r\n"
				       "o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com\r\n"
				       "s= \r\n"
				       "c=IN IP4 host.atlanta.example.com\r\n"
				       "t=0 0\r\n"
				       "m=audio 49170 RTP/AVP 0 8 97\r\n"
				       "a=rtpmap:0 PCMU/8000\r\n"
				       "a=rtpmap:8 PCMA/8000\r\n"
				       "a=rtpmap:97 iLBC/8000\r\n"
				       "m=video 51372 RTP/AVP 31 32\r\n"
				       "a=rtpmap:31 H261/90000\r\n"
				       "a=rtpmap:32 MPV/90000\r\n";

static const char rfc4317_21_answer[] = "v=0\n"
					"o=bob 2808844564 2808844564 IN IP4 host.biloxi.example.com\n"
					"s= \n"
					"c=IN IP4 host.biloxi.example.com\n"
					"t=0 0\n"
					"m=audio 49174 RTP/AVP 0\n"
					"a=rtpmap:0 PCMU/8000\n"
					"m=video 49170 RTP/AVP 32\n"
					"a=rtpmap:32 MPV/90000\n";

/* RFC 4317 section 2.4: two audio streams, the second send-only telephone-events */
static const char rfc4317_24_offer[] = "v=0\r\n"
				       "o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com\r\n"
				       "s= \r\n"
				       "c=IN IP4 host.atlanta.example.com\r\n"
				       "t=0 0\r\n"
				       "m=audio 49170 RTP/AVP 0 97\r\n"
				       "a=rtpmap:0 PCMU/8000\r\n"
				       "a=rtpmap:97 iLBC/8000\r\n"
				       "m=audio 49172 RTP/AVP 98\r\n"
				       "a=rtpmap:98 telephone-event/8000\r\n"
				       "a=sendonly\r\n";

/* RFC 4317 section 2.6: PCMU stream, or iLBC + telephone-event stream */
static const char rfc4317_26_offer[] = "v=0\r\n"
				       "o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com\r\n"
				       "s= \r\n"
				       "c=IN IP4 host.atlanta.example.com\r\n"
				       "t=0 0\r\n"
				       "m=audio 49170 RTP/AVP 0\r\n"
				       "a=rtpmap:0 PCMU/8000\r\n"
				       "m=audio 51372 RTP/AVP 97 101\r\n"
				       "a=rtpmap:97 iLBC/8000\r\n"
				       "a=rtpmap:101 telephone-event/8000\r\n";

/* RFC 4317 section 2.8 answer: video at another address (media-level c=) */
static const char rfc4317_28_answer[] = "v=0\r\n"
					"o=bob 2808844564 2808844564 IN IP4 host.biloxi.example.com\r\n"
					"s= \r\n"
					"c=IN IP4 host.biloxi.example.com\r\n"
					"t=0 0\r\n"
					"m=audio 49174 RTP/AVP 0\r\n"
					"a=rtpmap:0 PCMU/8000\r\n"
					"m=video 49172 RTP/AVP 32\r\n"
					"c=IN IP4 otherhost.biloxi.example.com\r\n"
					"a=rtpmap:32 MPV/90000\r\n";

/* RFC 4566 section 5 example, with session-level recvonly and a multicast address */
static const char rfc4566_example[] = "v=0\r\n"
				      "o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5\r\n"
				      "s=SDP Seminar\r\n"
				      "i=A Seminar on the session description protocol\r\n"
				      "u=http://www.example.com/seminars/sdp.pdf\r\n"
				      "e=j.doe@example.com (Jane Doe)\r\n"
				      "c=IN IP4 224.2.17.12/127\r\n"
				      "t=2873397496 2873404696\r\n"
				      "a=recvonly\r\n"
				      "m=audio 49170 RTP/AVP 0\r\n"
				      "m=video 51372 RTP/AVP 99\r\n"
				      "a=rtpmap:99 h263-1998/90000\r\n";

static struct sdp_conf conf_plain(void)
{
	struct sdp_conf c;
	memset(&c, 0, sizeof(c));
	c.addr = "127.0.0.1";
	c.port = 40000;
	return c;
}

static struct sdp_conf conf_srtp(bool required)
{
	struct sdp_conf c = conf_plain();
	c.srtp = true;
	c.srtp_required = required;
	return c;
}

static int decode_str(struct sdp_desc **d, const char *s)
{
	return sdp_decode(d, s, strlen(s));
}

/* The answer/offer text from the s= line on (o= carries a random session id). */
static const char *after_o(const struct wbuf *w)
{
	const char *p = strstr((const char *)w->p, "\r\ns=");
	return p ? p + 2 : "";
}

static void test_parse_rfc(void)
{
	struct sdp_desc *d = NULL;

	is_int(decode_str(&d, rfc4317_21_offer), 0, "RFC 4317 2.1 offer parses");
	if (!d)
		return;
	is_str(d->o_user, "alice", "o= user");
	ok(d->sess_id == 2890844526u && d->sess_ver == 2890844526u, "o= id and version");
	is_int(d->n_media, 2, "two m-lines");
	is_str(d->media[0].type, "audio", "m[0] audio");
	is_int(d->media[0].port, 49170, "m[0] port");
	is_int(d->media[0].proto, SDP_PROTO_AVP, "m[0] RTP/AVP");
	is_int(d->media[0].n_fmt, 3, "three formats");
	is_int(d->media[0].fmts[2].pt, 97, "third pt 97");
	is_str(d->media[0].fmts[2].name, "iLBC", "rtpmap 97 iLBC");
	is_int(d->media[0].fmts[2].rate, 8000, "rate 8000");
	is_str(d->media[0].addr, "host.atlanta.example.com", "session c= inherited");
	is_int(d->media[0].af, 0, "host name, not a literal");
	is_int(d->media[0].dir, SDP_SENDRECV, "default sendrecv");
	is_str(d->media[1].type, "video", "m[1] video");
	is_str(d->media[1].fmt_text, "31 32", "raw format list kept");
	is_str(d->media[1].fmts[1].name, "MPV", "rtpmap 32 MPV");
	is_int(d->media[1].fmts[1].rate, 90000, "rate 90000");
	sdp_desc_free(d);
	d = NULL;

	is_int(decode_str(&d, rfc4317_21_answer), 0, "RFC 4317 2.1 answer parses (LF line ends)");
	if (d) {
		is_int(d->media[0].port, 49174, "answer audio port");
		is_int(d->media[0].n_fmt, 1, "one audio format");
		is_str(d->media[1].addr, "host.biloxi.example.com", "video address");
		sdp_desc_free(d);
		d = NULL;
	}
	is_int(decode_str(&d, rfc4317_28_answer), 0, "RFC 4317 2.8 answer parses");
	if (d) {
		is_str(d->media[0].addr, "host.biloxi.example.com", "audio keeps the session c=");
		is_str(d->media[1].addr, "otherhost.biloxi.example.com", "video has its own c=");
		sdp_desc_free(d);
		d = NULL;
	}
	is_int(decode_str(&d, rfc4566_example), 0, "RFC 4566 example parses");
	if (d) {
		is_str(d->media[0].addr, "224.2.17.12", "TTL stripped from c=");
		is_int(d->media[0].af, AF_INET, "IPv4 literal");
		is_int(d->media[0].dir, SDP_RECVONLY, "session-level recvonly applies to media");
		is_int(d->media[0].fmts[0].rtpmap, 0, "static pt 0 without rtpmap");
		is_str(d->media[1].fmts[0].name, "h263-1998", "rtpmap name");
		ok(d->sess_ver == 2890842807u, "version");
		sdp_desc_free(d);
		d = NULL;
	}
}

static void test_parse_attrs(void)
{
	static const char s[] = "v=0\r\n"
				"o=- 1 2 IN IP6 ::1\r\n"
				"s=-\r\n"
				"t=0 0\r\n"
				"a=sendonly\r\n"
				"x=unknown line type\r\n"
				"m=audio 5004/2 RTP/SAVP 8 0 101\r\n"
				"c=IN IP6 ::1\r\n"
				"b=AS:64\r\n"
				"a=rtpmap:101 telephone-event/8000\r\n"
				"a=fmtp:101 0-16\r\n"
				"a=ptime:30\r\n"
				"a=maxptime:40\r\n"
				"a=rtcp:53020 IN IP4 126.16.64.4\r\n"
				"a=rtcp-mux\r\n"
				"a=inactive\r\n"
				"a=x-unknown:whatever\r\n"
				"a=crypto:1 F8_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e\r\n"
				"a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e\r\n"
				"m=audio 0 RTP/AVP 0\r\n";
	struct sdp_desc *d = NULL;

	is_int(decode_str(&d, s), 0, "attributes SDP parses");
	if (!d)
		return;
	is_int(d->dir, SDP_SENDONLY, "session sendonly");
	is_int(d->media[0].dir, SDP_INACTIVE, "media inactive overrides");
	is_int(d->media[1].dir, SDP_SENDONLY, "second media inherits sendonly");
	is_int(d->media[0].port, 5004, "port of port/count");
	is_int(d->media[0].proto, SDP_PROTO_SAVP, "RTP/SAVP");
	is_int(d->media[0].af, AF_INET6, "IPv6 c=");
	is_str(d->media[0].fmts[2].fmtp, "0-16", "fmtp kept");
	is_int(d->media[0].ptime, 30, "ptime");
	is_int(d->media[0].maxptime, 40, "maxptime");
	is_int(d->media[0].rtcp_port, 53020, "RFC 3605 a=rtcp port");
	is_str(d->media[0].rtcp_addr, "126.16.64.4", "a=rtcp address");
	ok(d->media[0].rtcp_mux, "rtcp-mux seen");
	is_int(d->media[0].n_crypto, 1, "one usable crypto line");
	is_int(d->media[0].n_crypto_bad, 1, "one skipped");
	is_str(d->media[0].crypto_reason, "unknown crypto suite", "reason of the skipped line");
	is_int(d->media[0].crypto[0].tag, 2, "usable line is tag 2");
	is_int(d->media[1].port, 0, "rejected stream port 0");
	sdp_desc_free(d);
}

static void test_parse_errors(void)
{
	static const char *const bad[] = {
		"",
		"hello",
		"v=1\r\no=- 1 1 IN IP4 1.2.3.4\r\n",
		"o=- 1 1 IN IP4 1.2.3.4\r\nv=0\r\n",
		"v=0\r\ns=no origin\r\n",
		"v=0\r\no=- x 1 IN IP4 1.2.3.4\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 70000 RTP/AVP 0\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 128\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP zero\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4 extra\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IPX 1.2.3.4\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 bad_host!\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 0\r\na=ptime:x\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 0\r\na=rtcp:0\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\no=- 1 1 IN IP4 1.2.3.4\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nnot a line\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\n\x01",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 4000 \x01RTP/AVP 0\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=bare\rCR\r\n",
		/* found by fuzzing: a payload type listed twice, with two different rtpmaps */
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 8 8\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sdp_desc *d = (struct sdp_desc *)0x1;
		is_int(decode_str(&d, bad[i]), EBADMSG, "malformed SDP #%zu refused", i);
		ok(d == (struct sdp_desc *)0x1, "out-parameter untouched");
	}
	{
		/* found by fuzzing: NULs inside the proto token made an answer that did not parse again */
		static const char nul[] = "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=video 5000 \0\0RTP/AVP 99\r\n";
		struct sdp_desc *d = NULL;
		is_int(sdp_decode(&d, nul, sizeof(nul) - 1), EBADMSG, "NUL bytes in a line refused");
	}
}

static void test_limits(void)
{
	struct wbuf w;
	struct sdp_desc *d = NULL;
	struct sdp_sess *s = NULL;
	struct sdp_conf c = conf_plain();
	struct sdp_result r;
	char *big;

	/* exactly SDP_MAX_MEDIA m-lines: accepted; the audio one answered, the rest refused in order */
	ok(sdp_sess_alloc(&s, &c) == 0, "session");
	wbuf_init(&w, 0);
	wbuf_str(&w, "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n");
	for (int i = 0; i < SDP_MAX_MEDIA; i++)
		wbuf_printf(&w, i == 7 ? "m=audio %d RTP/AVP 0\r\n" : "m=video %d RTP/AVP 31\r\n", 10000 + 2 * i);
	{
		struct wbuf out;
		int n = 0;
		wbuf_init(&out, 0);
		is_int(sdp_sess_answer(s, (const char *)w.p, w.len, &out, &r), 0, "%d m-lines answered", SDP_MAX_MEDIA);
		is_int(r.rport, 10014, "the audio m-line (8th) was taken");
		for (const char *p = (const char *)out.p; (p = strstr(p, "\r\nm=")) != NULL; p += 4)
			n++;
		is_int(n, SDP_MAX_MEDIA, "answer has as many m-lines as the offer");
		ok(strstr((const char *)out.p, "m=video 0 RTP/AVP 31\r\n") != NULL, "others refused with port 0");
		wbuf_free(&out);
		sdp_result_wipe(&r);
	}
	wbuf_str(&w, "m=audio 9 RTP/AVP 0\r\n");
	is_int(sdp_decode(&d, (const char *)w.p, w.len), E2BIG, "%d m-lines: E2BIG", SDP_MAX_MEDIA + 1);
	wbuf_free(&w);

	wbuf_init(&w, 0);
	wbuf_str(&w, "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 0\r\n");
	for (int i = 0; i < SDP_MAX_LINES; i++)
		wbuf_str(&w, "a=x\r\n");
	is_int(sdp_decode(&d, (const char *)w.p, w.len), E2BIG, "more than %d lines: E2BIG", SDP_MAX_LINES);
	wbuf_free(&w);

	wbuf_init(&w, 0);
	wbuf_str(&w, "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP");
	for (int i = 0; i <= SDP_MAX_FMT; i++)
		wbuf_printf(&w, " %d", 96 + i % 32);
	wbuf_str(&w, "\r\n");
	is_int(sdp_decode(&d, (const char *)w.p, w.len), E2BIG, "%d formats: E2BIG", SDP_MAX_FMT + 1);
	wbuf_free(&w);

	wbuf_init(&w, 0);
	wbuf_str(&w, "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nm=audio 4000 RTP/SAVP 0\r\n");
	for (int i = 0; i <= SDP_MAX_CRYPTO; i++)
		wbuf_printf(&w, "a=crypto:%d AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e\r\n",
			    i + 1);
	is_int(sdp_decode(&d, (const char *)w.p, w.len), E2BIG, "%d crypto lines: E2BIG", SDP_MAX_CRYPTO + 1);
	wbuf_free(&w);

	big = calloc(1, SDP_MAX_SIZE + 2);
	memcpy(big, "v=0\r\n", 5);
	memset(big + 5, '\n', SDP_MAX_SIZE - 4);
	is_int(sdp_decode(&d, big, SDP_MAX_SIZE + 1), E2BIG, "over %d bytes: E2BIG", SDP_MAX_SIZE);
	free(big);
	ok(d == NULL, "nothing returned");
	sdp_sess_free(s);
}

static void test_answer_rfc4317(void)
{
	struct sdp_conf c = conf_plain();
	struct sdp_sess *s = NULL;
	struct sdp_result r;
	struct wbuf w;

	c.port = 49174;
	ok(sdp_sess_alloc(&s, &c) == 0, "plain session");
	wbuf_init(&w, 0);
	is_int(sdp_sess_answer(s, rfc4317_21_offer, strlen(rfc4317_21_offer), &w, &r), 0, "answer RFC 4317 2.1");
	is_str(after_o(&w),
	       "s=sphone\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	       "m=audio 49174 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
	       "a=ptime:20\r\na=sendrecv\r\n"
	       "m=video 0 RTP/AVP 31 32\r\n",
	       "exact answer: PCMU+PCMA in the offerer's order, video refused with port 0");
	ok(strncmp((const char *)w.p, "v=0\r\no=sphone ", 14) == 0, "starts v=0, o=sphone");
	is_int(r.pt, 0, "codec pt 0");
	is_str(r.codec, "PCMU", "PCMU");
	is_int(r.dtmf_pt, -1, "no telephone-event offered");
	is_str(r.raddr, "host.atlanta.example.com", "remote address");
	is_int(r.raf, 0, "host name");
	is_int(r.rport, 49170, "remote port");
	is_int(r.rtcp_port, 49171, "RTCP on port + 1");
	is_int(r.dir, SDP_SENDRECV, "sendrecv");
	ok(!r.secure && !r.plain_warning, "plain RTP, expected (no SRTP configured)");
	is_int(r.proto, SDP_PROTO_AVP, "RTP/AVP");
	ok(!r.remote_unchanged, "first SDP from this peer");
	sdp_result_wipe(&r);

	/* the same offer again (RFC 3264 8: unchanged version) */
	wbuf_reset(&w);
	is_int(sdp_sess_answer(s, rfc4317_21_offer, strlen(rfc4317_21_offer), &w, &r), 0, "same offer again");
	ok(r.remote_unchanged, "peer's o= version unchanged noticed");
	sdp_result_wipe(&r);

	wbuf_reset(&w);
	is_int(sdp_sess_answer(s, rfc4317_24_offer, strlen(rfc4317_24_offer), &w, &r), 0, "answer RFC 4317 2.4");
	is_str(after_o(&w),
	       "s=sphone\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	       "m=audio 49174 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n"
	       "m=audio 0 RTP/AVP 98\r\n",
	       "exact answer: first stream PCMU, telephone-event-only stream refused");
	sdp_result_wipe(&r);

	wbuf_reset(&w);
	is_int(sdp_sess_answer(s, rfc4317_26_offer, strlen(rfc4317_26_offer), &w, &r), 0, "answer RFC 4317 2.6");
	is_str(after_o(&w),
	       "s=sphone\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	       "m=audio 49174 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n"
	       "m=audio 0 RTP/AVP 97 101\r\n",
	       "exact answer: PCMU stream taken, iLBC stream refused");
	sdp_result_wipe(&r);
	wbuf_free(&w);
	sdp_sess_free(s);
}

static int answer_str(struct sdp_sess *s, const char *offer, struct wbuf *w, struct sdp_result *r)
{
	wbuf_reset(w);
	return sdp_sess_answer(s, offer, strlen(offer), w, r);
}

static void test_answer_choices(void)
{
	struct sdp_conf c = conf_plain();
	struct sdp_sess *s = NULL;
	struct sdp_result r;
	struct wbuf w;
	static const char head[] = "v=0\r\no=- 7 7 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n";
	char offer[1024];

	wbuf_init(&w, 0);
	ok(sdp_sess_alloc(&s, &c) == 0, "session");

	snprintf(offer, sizeof(offer), "%sm=audio 6000 RTP/AVP 8 0 96\r\na=rtpmap:96 telephone-event/8000\r\n"
		 "a=fmtp:96 0-15\r\na=ptime:30\r\n", head);
	is_int(answer_str(s, offer, &w, &r), 0, "offer PCMA, PCMU, telephone-event 96");
	is_int(r.pt, 8, "offerer's order: PCMA");
	is_int(r.dtmf_pt, 96, "dtmf pt 96");
	is_int(r.ptime, 30, "peer's ptime 30 used for sending");
	ok(strstr(after_o(&w), "m=audio 40000 RTP/AVP 8 0 96\r\n") != NULL, "m-line echoes pts");
	ok(strstr(after_o(&w), "a=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-16\r\n") != NULL,
	   "telephone-event answered with fmtp 0-16");
	sdp_result_wipe(&r);
	sdp_sess_free(s);

	c.answer_our_order = true;
	ok(sdp_sess_alloc(&s, &c) == 0, "session preferring our order");
	is_int(answer_str(s, offer, &w, &r), 0, "same offer");
	is_int(r.pt, 0, "our order: PCMU");
	ok(strstr(after_o(&w), "m=audio 40000 RTP/AVP 0 8 96\r\n") != NULL, "answer lists our order");
	sdp_result_wipe(&r);
	sdp_sess_free(s);

	c = conf_plain();
	c.codecs[0] = 8;
	c.n_codecs = 1;
	ok(sdp_sess_alloc(&s, &c) == 0, "PCMA-only session");
	snprintf(offer, sizeof(offer), "%sm=audio 6000 RTP/AVP 0 18\r\n", head);
	is_int(answer_str(s, offer, &w, &r), EPROTO, "no common codec: EPROTO");
	is_str(sdp_sess_reason(s), "no common codec (we support PCMU and PCMA)", "reason");
	snprintf(offer, sizeof(offer), "%sm=audio 6000 RTP/AVP 96\r\na=rtpmap:96 pcma/8000\r\na=maxptime:10\r\n", head);
	is_int(answer_str(s, offer, &w, &r), 0, "PCMA under a dynamic pt, by name");
	is_int(r.pt, 96, "pt 96");
	is_str(r.codec, "PCMA", "PCMA");
	is_int(r.ptime, 10, "maxptime 10 caps ptime");
	sdp_result_wipe(&r);
	snprintf(offer, sizeof(offer), "%sm=audio 6000 RTP/AVP 8\r\na=rtpmap:8 PCMA/16000\r\n", head);
	is_int(answer_str(s, offer, &w, &r), EPROTO, "pt 8 remapped to 16 kHz is not G.711");
	sdp_sess_free(s);

	c = conf_plain();
	ok(sdp_sess_alloc(&s, &c) == 0, "session");
	snprintf(offer, sizeof(offer), "%sm=image 7000 udptl t38\r\nm=audio 6000 RTP/SAVPF 0\r\n"
		 "m=audio 6002 RTP/AVP 0\r\na=rtcp:6010\r\n", head);
	is_int(answer_str(s, offer, &w, &r), 0, "first usable audio stream is the third m-line");
	is_str(after_o(&w),
	       "s=sphone\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	       "m=image 0 udptl t38\r\nm=audio 0 RTP/SAVPF 0\r\n"
	       "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n",
	       "exact answer with refused streams in order");
	is_int(r.rport, 6002, "port of the third m-line");
	is_int(r.rtcp_port, 6010, "a=rtcp port");
	is_str(r.rtcp_addr, "192.0.2.9", "RTCP address defaults to the RTP one");
	sdp_result_wipe(&r);

	snprintf(offer, sizeof(offer), "%sm=video 7000 RTP/AVP 31\r\n", head);
	is_int(answer_str(s, offer, &w, &r), EPROTO, "no audio: EPROTO");
	is_str(sdp_sess_reason(s), "no audio stream offered", "reason");
	is_int(answer_str(s, "v=0\r\nbogus", &w, &r), EBADMSG, "malformed offer: EBADMSG");
	is_str(sdp_sess_reason(s), "malformed SDP offer", "malformed offer: reason");
	{
		/* 17 m-lines: over SDP_MAX_MEDIA; the reason says it is a limit, not a syntax error */
		size_t n = (size_t)snprintf(offer, sizeof(offer), "%s", head);
		for (int i = 0; i < 17 && n < sizeof(offer); i++)
			n += (size_t)snprintf(offer + n, sizeof(offer) - n, "m=audio %d RTP/AVP 0\r\n", 7000 + 2 * i);
		is_int(answer_str(s, offer, &w, &r), E2BIG, "17 m-lines: E2BIG");
		ok(strstr(sdp_sess_reason(s), "malformed SDP offer: more than sphone takes (16 m-lines") != NULL,
		   "17 m-lines: the reason names the limit (%s)", sdp_sess_reason(s));
	}
	sdp_sess_free(s);
	wbuf_free(&w);
}

static void test_direction(void)
{
	struct sdp_conf c = conf_plain();
	struct sdp_sess *s = NULL;
	struct sdp_result r;
	struct wbuf w;
	static const struct {
		const char *attr;
		const char *conn;
		enum sdp_dir local;
		enum sdp_dir want;
		bool hold;
	} v[] = {
		{ "a=sendrecv\r\n", "192.0.2.9", SDP_SENDRECV, SDP_SENDRECV, false },
		{ "", "192.0.2.9", SDP_SENDRECV, SDP_SENDRECV, false },
		{ "a=sendonly\r\n", "192.0.2.9", SDP_SENDRECV, SDP_RECVONLY, true },
		{ "a=recvonly\r\n", "192.0.2.9", SDP_SENDRECV, SDP_SENDONLY, false },
		{ "a=inactive\r\n", "192.0.2.9", SDP_SENDRECV, SDP_INACTIVE, true },
		{ "a=sendrecv\r\n", "0.0.0.0", SDP_SENDRECV, SDP_RECVONLY, true }, /* RFC 2543 hold */
		{ "a=sendrecv\r\n", "192.0.2.9", SDP_SENDONLY, SDP_SENDONLY, false }, /* we hold */
		{ "a=sendonly\r\n", "192.0.2.9", SDP_SENDONLY, SDP_INACTIVE, true },
		{ "a=recvonly\r\n", "192.0.2.9", SDP_INACTIVE, SDP_INACTIVE, false },
	};
	static const char *const names[] = { "inactive", "sendonly", "recvonly", "sendrecv" };

	wbuf_init(&w, 0);
	ok(sdp_sess_alloc(&s, &c) == 0, "session");
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char offer[512], want[32];
		snprintf(offer, sizeof(offer),
			 "v=0\r\no=- 7 %zu IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n%s",
			 i, v[i].conn, v[i].attr);
		sdp_sess_set_dir(s, v[i].local);
		is_int(answer_str(s, offer, &w, &r), 0, "offer %zu", i);
		is_int(r.dir, v[i].want, "offer #%zu c=%s, we %s -> %s", i, v[i].conn, names[v[i].local],
		       names[v[i].want]);
		is_int(r.remote_hold, v[i].hold, "remote hold %d", v[i].hold);
		snprintf(want, sizeof(want), "a=%s\r\n", names[v[i].want]);
		ok(strstr(after_o(&w), want) != NULL, "answer says %s", names[v[i].want]);
		sdp_result_wipe(&r);
	}
	sdp_sess_free(s);
	wbuf_free(&w);
}

static void test_offer_text(void)
{
	struct sdp_conf c = conf_srtp(true);
	struct sdp_sess *s = NULL;
	struct wbuf w, w2;
	struct sdp_desc *d = NULL;
	const char *o1, *o2;
	unsigned long long id1, v1, id2, v2;

	c.suites[0] = SRTP_SUITE_AES_256_CM_HMAC_SHA1_80;
	c.suites[1] = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80;
	c.n_suites = 2;
	ok(sdp_sess_alloc(&s, &c) == 0, "SRTP-required session");
	wbuf_init(&w, 0);
	wbuf_init(&w2, 0);
	is_int(sdp_sess_offer(s, &w), 0, "offer");
	ok(strstr(after_o(&w), "s=sphone\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
			       "m=audio 40000 RTP/SAVP 0 8 101\r\n"
			       "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
			       "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"
			       "a=ptime:20\r\na=sendrecv\r\n"
			       "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:") == after_o(&w),
	   "offer text up to the first key");
	ok(strstr((const char *)w.p, "\r\na=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:") != NULL, "second suite, tag 2");
	ok(sdp_has_keys((const char *)w.p, w.len), "sdp_has_keys: yes");
	is_int(sdp_decode(&d, (const char *)w.p, w.len), 0, "our offer parses");
	if (d) {
		is_int(d->media[0].n_crypto, 2, "two usable crypto lines");
		is_int(d->media[0].crypto[0].key_len, 46, "AES-256 key||salt 46 bytes");
		sdp_desc_free(d);
	}

	/* o= versioning: same content -> same version; change -> +1 */
	o1 = strstr((const char *)w.p, "o=sphone ");
	ok(o1 && sscanf(o1, "o=sphone %llu %llu", &id1, &v1) == 2, "o= line read");
	is_int(sdp_sess_offer(s, &w2), 0, "offer again");
	o2 = strstr((const char *)w2.p, "o=sphone ");
	ok(o2 && sscanf(o2, "o=sphone %llu %llu", &id2, &v2) == 2 && id1 == id2 && v1 == v2,
	   "unchanged offer keeps the version");
	ok(w.len == w2.len && memcmp(w.p, w2.p, w.len) == 0, "and is byte-identical (same keys)");
	sdp_sess_set_dir(s, SDP_SENDONLY);
	wbuf_reset(&w2);
	is_int(sdp_sess_offer(s, &w2), 0, "hold offer");
	o2 = strstr((const char *)w2.p, "o=sphone ");
	ok(o2 && sscanf(o2, "o=sphone %llu %llu", &id2, &v2) == 2 && id2 == id1 && v2 == v1 + 1, "version + 1");
	ok(strstr((const char *)w2.p, "a=sendonly\r\n") != NULL, "a=sendonly");
	is_int(sdp_sess_rekey(s), 0, "re-key");
	wbuf_reset(&w2);
	is_int(sdp_sess_offer(s, &w2), 0, "offer with new keys");
	o2 = strstr((const char *)w2.p, "o=sphone ");
	ok(o2 && sscanf(o2, "o=sphone %llu %llu", &id2, &v2) == 2 && v2 == v1 + 2, "version + 2");
	ok(strcmp(strstr((const char *)w.p, "a=crypto:1"), strstr((const char *)w2.p, "a=crypto:1")) != 0,
	   "keys changed");
	sdp_sess_free(s);

	/* optimistic: RTP/AVP with a=crypto; none: RTP/AVP without */
	c.srtp_required = false;
	ok(sdp_sess_alloc(&s, &c) == 0, "optimistic session");
	wbuf_reset(&w);
	is_int(sdp_sess_offer(s, &w), 0, "optimistic offer");
	ok(strstr((const char *)w.p, "m=audio 40000 RTP/AVP 0 8 101\r\n") && strstr((const char *)w.p, "a=crypto:1 "),
	   "RTP/AVP with a=crypto");
	sdp_sess_free(s);
	c = conf_plain();
	c.ptime = 40;
	ok(sdp_sess_alloc(&s, &c) == 0, "plain session");
	ok(sdp_sess_set_media(s, "::1", 41000) == 0, "IPv6 media address");
	wbuf_reset(&w);
	is_int(sdp_sess_offer(s, &w), 0, "plain offer");
	ok(strstr((const char *)w.p, "c=IN IP6 ::1\r\n") && strstr((const char *)w.p, "m=audio 41000 RTP/AVP ") &&
		   strstr((const char *)w.p, "a=ptime:40\r\n"),
	   "IPv6, port, ptime 40");
	ok(!sdp_has_keys((const char *)w.p, w.len), "sdp_has_keys: no");
	is_int(sdp_sess_set_media(s, "not-an-ip", 1), EINVAL, "media address must be a literal");
	sdp_sess_free(s);

	c = conf_plain();
	c.srtp_required = true;
	is_int(sdp_sess_alloc(&s, &c), EINVAL, "srtp_required without srtp: EINVAL");
	c = conf_plain();
	c.codecs[0] = 9;
	c.n_codecs = 1;
	is_int(sdp_sess_alloc(&s, &c), EINVAL, "unsupported codec: EINVAL");
	wbuf_free(&w);
	wbuf_free(&w2);
}

/* A offers, B answers, A applies: keys must cross, tag and suite must agree. */
static void test_round_trip(void)
{
	struct sdp_conf ca = conf_srtp(true), cb = conf_srtp(true);
	struct sdp_sess *a = NULL, *b = NULL;
	struct sdp_result ra, rb;
	struct wbuf off, ans;

	ca.suites[0] = SRTP_SUITE_AES_CM_128_HMAC_SHA1_32;
	ca.suites[1] = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80;
	ca.suites[2] = SRTP_SUITE_AES_256_CM_HMAC_SHA1_80;
	ca.n_suites = 3;
	cb.suites[0] = SRTP_SUITE_AES_256_CM_HMAC_SHA1_80;
	cb.suites[1] = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80;
	cb.n_suites = 2;
	cb.addr = "127.0.0.2";
	cb.port = 50000;
	ok(sdp_sess_alloc(&a, &ca) == 0 && sdp_sess_alloc(&b, &cb) == 0, "two sessions");
	wbuf_init(&off, 0);
	wbuf_init(&ans, 0);
	is_int(sdp_sess_offer(a, &off), 0, "A offers");
	is_int(sdp_sess_answer(b, (const char *)off.p, off.len, &ans, &rb), 0, "B answers");
	is_int(rb.suite, SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, "B picks the first offered line it accepts (_80, tag 2)");
	is_int(rb.tag, 2, "tag 2");
	ok(strstr((const char *)ans.p, "\r\na=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:") != NULL, "answer echoes tag 2");
	is_int(sdp_sess_apply_answer(a, (const char *)ans.p, ans.len, &ra), 0, "A applies the answer");
	ok(ra.secure && rb.secure, "both secure");
	is_int(ra.suite, rb.suite, "same suite");
	is_int(ra.key_len, 30, "key length 30");
	ok(memcmp(ra.tx_key, rb.rx_key, 30) == 0 && memcmp(ra.rx_key, rb.tx_key, 30) == 0, "keys cross over");
	ok(memcmp(ra.tx_key, ra.rx_key, 30) != 0, "the two directions have different keys");
	is_str(ra.raddr, "127.0.0.2", "A sends to B's address");
	is_int(ra.rport, 50000, "B's port");
	is_int(rb.rport, 40000, "B sends to A's port");
	is_int(ra.dtmf_pt, 101, "A: telephone-event 101");
	is_int(rb.dtmf_pt, 101, "B: telephone-event 101");
	is_int(ra.pt, 0, "PCMU");
	is_int(ra.proto, SDP_PROTO_SAVP, "RTP/SAVP");
	ok(!ra.plain_warning && !rb.plain_warning, "no warnings");
	is_int(sdp_sess_apply_answer(a, (const char *)ans.p, ans.len, &ra), EINVAL, "no offer pending any more");

	/* B holds with a re-offer; A answers; B applies */
	sdp_result_wipe(&ra);
	sdp_result_wipe(&rb);
	sdp_sess_set_dir(b, SDP_SENDONLY);
	wbuf_reset(&off);
	wbuf_reset(&ans);
	is_int(sdp_sess_offer(b, &off), 0, "B offers hold");
	is_int(sdp_sess_answer(a, (const char *)off.p, off.len, &ans, &ra), 0, "A answers");
	is_int(ra.dir, SDP_RECVONLY, "A only receives");
	ok(ra.remote_hold, "A sees the hold");
	is_int(ra.suite, SRTP_SUITE_AES_256_CM_HMAC_SHA1_80, "A takes B's first line (AES-256)");
	is_int(sdp_sess_apply_answer(b, (const char *)ans.p, ans.len, &rb), 0, "B applies");
	is_int(rb.dir, SDP_SENDONLY, "B only sends");
	ok(!rb.remote_hold, "B is not held");
	ok(memcmp(ra.tx_key, rb.rx_key, 46) == 0 && memcmp(ra.rx_key, rb.tx_key, 46) == 0, "AES-256 keys cross");
	sdp_result_wipe(&ra);
	sdp_result_wipe(&rb);
	sdp_sess_free(a);
	sdp_sess_free(b);
	wbuf_free(&off);
	wbuf_free(&ans);
}

static void test_policy(void)
{
	static const char plain_offer[] = "v=0\r\no=- 7 7 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n"
					  "m=audio 6000 RTP/AVP 0\r\n";
	static const char savp_mki[] =
		"v=0\r\no=sam 2890844526 2890842807 IN IP4 10.47.16.5\r\ns=SRTP Discussion\r\n"
		"c=IN IP4 168.2.17.12\r\nt=2873397496 2873404696\r\nm=audio 49170 RTP/SAVP 0\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4 "
		"FEC_ORDER=FEC_SRTP\r\n"
		"a=crypto:2 F8_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20|1:4;"
		"inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:4 FEC_ORDER=FEC_SRTP\r\n";
	static const char savp_mixed[] =
		"v=0\r\no=- 7 7 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\nm=audio 6000 RTP/SAVP 0\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e UNENCRYPTED_SRTP\r\n"
		"a=crypto:5 AES_CM_128_HMAC_SHA1_32 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e|2^31\r\n";
	struct sdp_conf c = conf_srtp(true);
	struct sdp_sess *s = NULL;
	struct sdp_result r;
	struct wbuf w;

	wbuf_init(&w, 0);
	ok(sdp_sess_alloc(&s, &c) == 0, "required session");
	is_int(answer_str(s, plain_offer, &w, &r), EPROTO, "required: plain offer refused (488)");
	is_str(sdp_sess_reason(s), "peer offered no SRTP crypto we accept: no a=crypto line", "clear reason");
	is_int(answer_str(s, savp_mki, &w, &r), EPROTO, "required: RFC 4568-style offer with MKI only refused");
	is_str(sdp_sess_reason(s), "peer offered no SRTP crypto we accept: MKI not supported", "reason names MKI");
	is_int(answer_str(s, savp_mixed, &w, &r), 0, "UNENCRYPTED_SRTP line skipped, next line taken");
	is_int(r.tag, 5, "tag 5 echoed");
	is_int(r.suite, SRTP_SUITE_AES_CM_128_HMAC_SHA1_32, "suite _32");
	ok(r.rx_lifetime == (UINT64_C(1) << 31), "peer lifetime 2^31 reported");
	ok(strstr((const char *)w.p, "\r\na=crypto:5 AES_CM_128_HMAC_SHA1_32 inline:") != NULL &&
		   strstr((const char *)w.p, "m=audio 40000 RTP/SAVP 0\r\n") != NULL,
	   "answer: RTP/SAVP, one a=crypto with tag 5");
	ok(strstr((const char *)w.p, "a=crypto:1") == NULL, "only the chosen line in the answer");
	sdp_result_wipe(&r);
	sdp_sess_free(s);

	c.suites[0] = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80;
	c.n_suites = 1;
	ok(sdp_sess_alloc(&s, &c) == 0, "required session, _80 only");
	is_int(answer_str(s, savp_mixed, &w, &r), EPROTO, "only _32 usable: refused");
	is_str(sdp_sess_reason(s), "peer offered no SRTP crypto we accept: offered suites are not in our srtp_suites",
	       "reason: suites");
	sdp_sess_free(s);

	c = conf_srtp(false);
	ok(sdp_sess_alloc(&s, &c) == 0, "optimistic session");
	is_int(answer_str(s, plain_offer, &w, &r), 0, "optimistic: plain offer accepted");
	ok(!r.secure && r.plain_warning, "plain, with the warning flag");
	ok(!sdp_has_keys((const char *)w.p, w.len) && strstr((const char *)w.p, "RTP/AVP 0\r\n"),
	   "answer has no keys");
	sdp_result_wipe(&r);
	is_int(answer_str(s, savp_mixed, &w, &r), 0, "optimistic: SRTP offer accepted with SRTP");
	ok(r.secure && !r.plain_warning, "secure");
	sdp_result_wipe(&r);
	sdp_sess_free(s);

	c = conf_plain();
	ok(sdp_sess_alloc(&s, &c) == 0, "no-encryption session");
	is_int(answer_str(s, savp_mixed, &w, &r), EPROTO, "RTP/SAVP offer refused without SRTP");
	is_str(sdp_sess_reason(s), "peer requires SRTP but media encryption is off", "reason");
	is_int(answer_str(s, plain_offer, &w, &r), 0, "plain offer fine");
	ok(!r.secure && !r.plain_warning, "plain as configured, no warning");
	sdp_result_wipe(&r);
	sdp_sess_free(s);
	wbuf_free(&w);
}

/* Answers crafted by hand to an offer of ours. */
static void test_apply_answer(void)
{
	struct sdp_conf c = conf_srtp(true);
	struct sdp_sess *s = NULL;
	struct sdp_result r;
	struct wbuf w;
	char ans[1024];
	static const char head[] = "v=0\r\no=- 9 9 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n";
	static const char key30[] = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e";
	static const struct {
		const char *mline;  /* m-line (and any line before the crypto) */
		const char *suite;  /* a=crypto:2 <suite> inline:key30<suffix>, NULL for none */
		const char *suffix;
		int err;
		const char *why;
	} v[] = {
		{ "m=audio 7000 RTP/SAVP 0\r\n", "AES_CM_128_HMAC_SHA1_80", "", 0, "" },
		{ "m=audio 0 RTP/SAVP 0\r\n", NULL, "", EPROTO, "peer rejected the audio stream" },
		{ "m=audio 7000 RTP/AVP 0\r\n", NULL, "", EPROTO,
		  "answer uses another media profile than our offer: RTP/AVP" },
		{ "m=audio 7000 RTP/SAVP 0\r\n", NULL, "", EPROTO,
		  "peer answered without SRTP crypto we accept: no a=crypto line" },
		{ "m=audio 7000 RTP/SAVP 18\r\n", "AES_CM_128_HMAC_SHA1_80", "", EPROTO, "answer has no codec we offered" },
		{ "m=audio 7000 RTP/SAVP 0\r\n", "AES_CM_128_HMAC_SHA1_32", "", EPROTO,
		  "answer's a=crypto tag or suite does not match our offer" },
		{ "m=audio 7000 RTP/SAVP 0\r\n", "AES_CM_128_HMAC_SHA1_80", "|1:4", EPROTO,
		  "peer answered without SRTP crypto we accept: MKI not supported" },
		{ "m=audio 7000 RTP/SAVP 0\r\nm=audio 7002 RTP/SAVP 0\r\n", NULL, "", EPROTO,
		  "answer does not have exactly the one m-line we offered" },
	};

	c.suites[0] = SRTP_SUITE_AES_256_CM_HMAC_SHA1_80;
	c.suites[1] = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80;
	c.suites[2] = SRTP_SUITE_AES_CM_128_HMAC_SHA1_32;
	c.n_suites = 3;
	ok(sdp_sess_alloc(&s, &c) == 0, "session");
	wbuf_init(&w, 0);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		wbuf_reset(&w);
		is_int(sdp_sess_offer(s, &w), 0, "offer");
		if (v[i].suite)
			snprintf(ans, sizeof(ans), "%s%sa=crypto:2 %s inline:%s%s\r\n", head, v[i].mline, v[i].suite,
				 key30, v[i].suffix);
		else
			snprintf(ans, sizeof(ans), "%s%s", head, v[i].mline);
		is_int(sdp_sess_apply_answer(s, ans, strlen(ans), &r), v[i].err, "answer %zu: %d", i, v[i].err);
		is_str(sdp_sess_reason(s), v[i].why, "reason");
		if (v[i].err == 0) {
			ok(r.secure && r.suite == SRTP_SUITE_AES_CM_128_HMAC_SHA1_80 && r.tag == 2, "secure _80 tag 2");
			ok(r.rx_key[0] == 1 && r.rx_key[29] == 30, "peer key bytes");
			is_str(r.raddr, "192.0.2.7", "remote address");
			is_int(r.raf, AF_INET, "IPv4");
			is_int(r.rport, 7000, "port");
			is_int(r.dtmf_pt, -1, "no telephone-event in the answer");
			sdp_result_wipe(&r);
		}
	}
	/* a wrong tag: tag 3 is our _32 line, tag 4 does not exist */
	wbuf_reset(&w);
	sdp_sess_offer(s, &w);
	snprintf(ans, sizeof(ans), "%sm=audio 7000 RTP/SAVP 0\r\na=crypto:4 AES_CM_128_HMAC_SHA1_80 inline:%s\r\n",
		 head, key30);
	is_int(sdp_sess_apply_answer(s, ans, strlen(ans), &r), EPROTO, "unknown tag refused");
	sdp_sess_free(s);

	c.srtp_required = false;
	ok(sdp_sess_alloc(&s, &c) == 0, "optimistic session");
	wbuf_reset(&w);
	sdp_sess_offer(s, &w);
	snprintf(ans, sizeof(ans), "%sm=audio 7000 RTP/AVP 8 0\r\na=recvonly\r\n", head);
	is_int(sdp_sess_apply_answer(s, ans, strlen(ans), &r), 0, "optimistic: plain answer accepted");
	ok(!r.secure && r.plain_warning, "with the warning flag");
	is_int(r.pt, 8, "answerer's first codec PCMA");
	is_int(r.dir, SDP_SENDONLY, "peer recvonly -> we send only");
	ok(!r.remote_hold, "peer still receives: not a hold of us");
	sdp_result_wipe(&r);
	sdp_sess_free(s);
	wbuf_free(&w);
}

/*
 * With srtp_required = no, once an exchange has negotiated SRTP every later one must: a plain
 * offer (re-INVITE) or a plain answer (to our re-offer, or in a late-offer ACK) is EPERM, and the
 * media stays on its keys. Plain before any SRTP (optimistic mode) is still accepted.
 */
static void test_no_downgrade(void)
{
	static const char plain_offer[] = "v=0\r\no=- 7 7 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n"
					  "m=audio 6000 RTP/AVP 0\r\n";
	static const char srtp_offer[] =
		"v=0\r\no=- 7 8 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\nm=audio 6000 RTP/SAVP 0\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e\r\n";
	static const char plain_answer[] = "v=0\r\no=- 7 9 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\n"
					   "t=0 0\r\nm=audio 6000 RTP/AVP 0\r\n";
	struct sdp_conf c = conf_srtp(false);
	struct sdp_sess *s = NULL;
	struct sdp_result r;
	struct wbuf w;

	wbuf_init(&w, 0);
	c.suites[0] = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80;
	c.n_suites = 1;
	ok(sdp_sess_alloc(&s, &c) == 0, "downgrade: optimistic session");
	is_int(answer_str(s, plain_offer, &w, &r), 0, "downgrade: plain first is still fine (optimistic)");
	sdp_result_wipe(&r);
	is_int(answer_str(s, srtp_offer, &w, &r), 0, "downgrade: then an SRTP offer: secure");
	ok(r.secure, "downgrade: secure");
	sdp_result_wipe(&r);
	is_int(answer_str(s, plain_offer, &w, &r), EPERM, "downgrade: a plain re-offer now -> EPERM (488)");
	ok(strstr(sdp_sess_reason(s), "plain RTP refused") != NULL, "downgrade: reason '%s'", sdp_sess_reason(s));
	wbuf_reset(&w);
	is_int(sdp_sess_offer(s, &w), 0, "downgrade: our re-offer");
	is_int(sdp_sess_apply_answer(s, plain_answer, strlen(plain_answer), &r), EPERM,
	       "downgrade: a plain answer to it -> EPERM");
	is_int(answer_str(s, srtp_offer, &w, &r), 0, "downgrade: SRTP offers still answered");
	ok(r.secure, "downgrade: secure again");
	sdp_result_wipe(&r);
	sdp_sess_free(s);
	wbuf_free(&w);
}

/* The peer's offer: RTP/SAVP with one a=crypto line (suite, a key of 40 base64 digits seed), or RTP/AVP without. */
static void peer_offer(struct wbuf *w, const char *suite, char seed)
{
	char key[41];

	memset(key, seed, 40);
	key[40] = '\0';
	wbuf_reset(w);
	wbuf_printf(w, "v=0\r\no=peer 7 %d IN IP4 127.0.0.9\r\ns=-\r\nc=IN IP4 127.0.0.9\r\nt=0 0\r\n"
		       "m=audio 30000 %s 0\r\n", seed, suite ? "RTP/SAVP" : "RTP/AVP");
	if (suite)
		wbuf_printf(w, "a=crypto:1 %s inline:%s\r\n", suite, key);
}

/* Our answer to the peer's offer: our send key (30 bytes) into key. */
static int answer_key(struct sdp_sess *s, const struct wbuf *off, uint8_t *key, bool *secure)
{
	struct sdp_result r;
	struct wbuf ans;
	int err;

	wbuf_init(&ans, 0);
	err = sdp_sess_answer(s, (const char *)off->p, off->len, &ans, &r);
	if (!err) {
		memcpy(key, r.tx_key, 30);
		*secure = r.secure;
	}
	sdp_result_wipe(&r);
	wbuf_free(&ans);
	return err;
}

/* Our send key of suite index i in an offer of ours. */
static bool offered_key(struct sdp_sess *s, size_t i, uint8_t *key)
{
	struct wbuf w;
	struct sdp_desc *d = NULL;
	bool got = false;

	wbuf_init(&w, 0);
	if (sdp_sess_offer(s, &w) == 0 && sdp_decode(&d, (const char *)w.p, w.len) == 0 && d->media[0].n_crypto > i) {
		memcpy(key, d->media[0].crypto[i].key, 30);
		got = true;
	}
	sdp_desc_free(d);
	wbuf_free(&w);
	return got;
}

/*
 * Our send key per suite lives as long as it is sent with: a re-offer in the
 * same suite keeps it (its SRTP context goes on), a switch to another suite
 * or to plain RTP retires it for good, so switching back never brings the
 * old key back with an index from 0 (RFC 3711 9.2).
 */
static void test_key_lifetime(void)
{
	struct sdp_conf c = conf_srtp(false);
	struct sdp_sess *s = NULL;
	uint8_t k80[30], k80b[30], k32[30], k80c[30], k[30];
	struct wbuf off;
	bool sec = false;

	c.suites[0] = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80;
	c.suites[1] = SRTP_SUITE_AES_CM_128_HMAC_SHA1_32;
	c.n_suites = 2;
	ok(sdp_sess_alloc(&s, &c) == 0, "keys: session");
	wbuf_init(&off, 0);
	peer_offer(&off, "AES_CM_128_HMAC_SHA1_80", 'a');
	is_int(answer_key(s, &off, k80, &sec), 0, "keys: answer in _80");
	peer_offer(&off, "AES_CM_128_HMAC_SHA1_80", 'b');
	is_int(answer_key(s, &off, k80b, &sec), 0, "keys: the peer re-keys in _80");
	ok(memcmp(k80, k80b, 30) == 0, "keys: our _80 key stays (the peer's re-key does not touch our send side)");
	peer_offer(&off, "AES_CM_128_HMAC_SHA1_32", 'c');
	is_int(answer_key(s, &off, k32, &sec), 0, "keys: the peer switches to _32");
	peer_offer(&off, "AES_CM_128_HMAC_SHA1_80", 'd');
	is_int(answer_key(s, &off, k80c, &sec), 0, "keys: and back to _80");
	ok(memcmp(k80c, k80, 30) != 0 && memcmp(k80c, k32, 30) != 0,
	   "keys: back in _80 we send with a new key, not the retired one");
	ok(offered_key(s, 0, k) && memcmp(k, k80c, 30) == 0, "keys: our next offer keeps the _80 key in use");
	ok(offered_key(s, 1, k) && memcmp(k, k32, 30) != 0, "keys: ... and a new _32 key, the old one being retired");
	peer_offer(&off, NULL, 'e');
	is_int(answer_key(s, &off, k, &sec), EPERM, "keys: plain RTP after SRTP is refused (no downgrade)");
	peer_offer(&off, "AES_CM_128_HMAC_SHA1_80", 'f');
	ok(answer_key(s, &off, k, &sec) == 0 && sec && memcmp(k, k80c, 30) == 0,
	   "keys: ... and the refused offer changed nothing: the _80 key in use stays");
	is_int(sdp_sess_rekey(s), 0, "keys: re-key");
	ok(answer_key(s, &off, k, &sec) == 0 && memcmp(k, k80c, 30) != 0, "keys: after sdp_sess_rekey a new key");
	sdp_sess_free(s);
	wbuf_free(&off);
}

/*
 * a=zrtp-hash (RFC 6189 8.1) in offers and answers: media_encryption=zrtp offers RTP/AVP with the
 * hash and no a=crypto, also with srtp_required (the keys come from ZRTP); sdes-zrtp offers both;
 * the peer's hash reaches the result as it came (media level, else session level; 1.10 first).
 */
#define H1 "1.10 fe30efd02423cb054e50efd0248742ac7a52c8f91bc2df881ae642c371ba46df"
#define H2 "1.10 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
static void test_zrtp_hash(void)
{
	static const char avp_hash[] = "v=0\r\no=- 7 7 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n"
				       "m=audio 6000 RTP/AVP 0\r\na=zrtp-hash:" H2 "\r\n";
	static const char sess_hash[] = "v=0\r\no=- 7 7 IN IP4 192.0.2.9\r\ns=-\r\na=zrtp-hash:" H2
					"\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n";
	static const char two_versions[] = "v=0\r\no=- 7 7 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\n"
					   "t=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=zrtp-hash:1.00 abcd\r\n"
					   "a=zrtp-hash:" H2 "\r\na=zrtp-hash:1.10 ffff\r\n";
	static const char too_long[] = "v=0\r\no=- 7 7 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n"
				       "m=audio 6000 RTP/AVP 0\r\na=zrtp-hash:" H2 "00000000000000\r\n";
	static const char savp_hash[] =
		"v=0\r\no=- 7 7 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\nm=audio 6000 RTP/SAVP 0\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e\r\n"
		"a=zrtp-hash:" H2 "\r\n";
	struct sdp_conf cz = conf_plain(), csz = conf_srtp(true), cs = conf_srtp(true);
	struct sdp_sess *a = NULL, *b = NULL;
	struct sdp_desc *d = NULL;
	struct sdp_result ra, rb;
	struct wbuf off, ans;

	wbuf_init(&off, 0);
	wbuf_init(&ans, 0);
	cz.zrtp = true;
	cz.srtp_required = true;
	csz.zrtp = true;

	is_int(decode_str(&d, two_versions), 0, "three a=zrtp-hash lines parse");
	is_str(d->media[0].zrtp_hash, H2, "the 1.10 one is kept (the first of them)");
	sdp_desc_free(d);
	is_int(decode_str(&d, sess_hash), 0, "session-level a=zrtp-hash");
	is_str(d->media[0].zrtp_hash, H2, "the m-line takes it over");
	sdp_desc_free(d);
	is_int(decode_str(&d, too_long), 0, "an over-long a=zrtp-hash does not fail the SDP");
	ok(d->media[0].zrtp_hash[0] == '\0' && d->media[0].zrtp_hash_long, "it is dropped and flagged");
	sdp_desc_free(d);

	/* zrtp: RTP/AVP, the hash, no keys; srtp_required no longer needs srtp */
	ok(sdp_sess_alloc(&a, &cz) == 0, "zrtp session with srtp_required");
	is_int(sdp_sess_set_zrtp_hash(a, H1 "\r\na=x"), EINVAL, "a hash with a line break refused");
	is_int(sdp_sess_set_zrtp_hash(a, H1), 0, "our hash set");
	is_int(sdp_sess_offer(a, &off), 0, "zrtp offer");
	ok(strstr((const char *)off.p, "m=audio 40000 RTP/AVP 0 8 101\r\n") != NULL, "RTP/AVP");
	ok(strstr((const char *)off.p, "\r\na=zrtp-hash:" H1 "\r\n") != NULL, "a=zrtp-hash:" H1);
	ok(!sdp_has_keys((const char *)off.p, off.len), "no a=crypto");

	/* answered by sdes-zrtp with srtp_required: RTP/AVP without keys is fine, ZRTP will give them */
	ok(sdp_sess_alloc(&b, &csz) == 0 && sdp_sess_set_zrtp_hash(b, H2) == 0, "sdes-zrtp session");
	is_int(sdp_sess_answer(b, (const char *)off.p, off.len, &ans, &rb), 0, "sdes-zrtp answers a zrtp offer");
	ok(!rb.secure && rb.zrtp && !rb.plain_warning, "no SDES keys, zrtp, no plain warning (nothing sent before ZRTP)");
	is_str(rb.zrtp_hash, H1, "B's result has A's hash");
	ok(strstr((const char *)ans.p, "RTP/AVP 0 8 101\r\n") != NULL && !sdp_has_keys((const char *)ans.p, ans.len) &&
		   strstr((const char *)ans.p, "\r\na=zrtp-hash:" H2 "\r\n") != NULL,
	   "answer: RTP/AVP, no keys, B's hash");
	is_int(sdp_sess_apply_answer(a, (const char *)ans.p, ans.len, &ra), 0, "A applies it");
	ok(!ra.secure && ra.zrtp && !ra.plain_warning, "A: zrtp, no warning");
	is_str(ra.zrtp_hash, H2, "A's result has B's hash");
	sdp_result_wipe(&ra);
	sdp_result_wipe(&rb);

	/* zrtp cannot take SDES-only SRTP: RTP/SAVP needs a=crypto */
	is_int(answer_str(a, savp_hash, &ans, &ra), EPROTO, "zrtp: RTP/SAVP offer refused");
	is_str(sdp_sess_reason(a),
	       "peer requires SRTP with SDES keys (RTP/SAVP) but media_encryption is zrtp (keys from ZRTP only)",
	       "reason names the mode");
	is_int(answer_str(a, sess_hash, &ans, &ra), 0, "zrtp: a plain offer with a session-level hash");
	ok(!ra.secure && ra.zrtp && !ra.plain_warning, "zrtp result");
	is_str(ra.zrtp_hash, H2, "the session-level hash");
	sdp_result_wipe(&ra);
	sdp_sess_free(a);
	a = NULL;

	/* sdes-zrtp offers RTP/SAVP with keys and the hash; the answer carries both */
	wbuf_reset(&off);
	wbuf_reset(&ans);
	is_int(sdp_sess_offer(b, &off), 0, "sdes-zrtp offer");
	ok(strstr((const char *)off.p, "RTP/SAVP") != NULL && sdp_has_keys((const char *)off.p, off.len) &&
		   strstr((const char *)off.p, "\r\na=zrtp-hash:" H2 "\r\n") != NULL,
	   "RTP/SAVP, a=crypto and a=zrtp-hash");
	ok(sdp_sess_alloc(&a, &csz) == 0 && sdp_sess_set_zrtp_hash(a, H1) == 0, "another sdes-zrtp session");
	is_int(sdp_sess_answer(a, (const char *)off.p, off.len, &ans, &ra), 0, "it answers");
	ok(ra.secure && ra.zrtp, "SDES keys and ZRTP");
	ok(strstr((const char *)ans.p, "RTP/SAVP") != NULL && sdp_has_keys((const char *)ans.p, ans.len) &&
		   strstr((const char *)ans.p, "\r\na=zrtp-hash:" H1 "\r\n") != NULL,
	   "answer: a=crypto and a=zrtp-hash");
	sdp_result_wipe(&ra);
	sdp_sess_free(a);
	a = NULL;

	/* a plain sdes peer: no hash in its answer; an sdes-only session never prints one */
	ok(sdp_sess_alloc(&a, &cs) == 0 && sdp_sess_set_zrtp_hash(a, H1) == 0, "sdes session (hash set anyway)");
	wbuf_reset(&ans);
	is_int(sdp_sess_answer(a, (const char *)off.p, off.len, &ans, &ra), 0, "sdes answers sdes-zrtp");
	ok(ra.secure && !ra.zrtp && strstr((const char *)ans.p, "zrtp-hash") == NULL, "no ZRTP, no a=zrtp-hash");
	is_str(ra.zrtp_hash, H2, "the peer's hash is still reported");
	is_int(sdp_sess_apply_answer(b, (const char *)ans.p, ans.len, &rb), 0, "sdes-zrtp takes an answer without it");
	ok(rb.secure && rb.zrtp && rb.zrtp_hash[0] == '\0', "secure, zrtp, no peer hash");
	sdp_result_wipe(&ra);
	sdp_result_wipe(&rb);
	sdp_sess_free(a);
	sdp_sess_free(b);

	/* zrtp without srtp_required: a plain answer is plain until ZRTP, with the warning */
	cz.srtp_required = false;
	ok(sdp_sess_alloc(&a, &cz) == 0, "zrtp session, srtp_required = no");
	wbuf_reset(&ans);
	is_int(answer_str(a, avp_hash, &ans, &ra), 0, "answers a plain offer");
	ok(!ra.secure && ra.zrtp && ra.plain_warning, "plain until ZRTP: warned");
	sdp_result_wipe(&ra);
	sdp_sess_free(a);
	wbuf_free(&off);
	wbuf_free(&ans);
}

int main(void)
{
	test_parse_rfc();
	test_parse_attrs();
	test_parse_errors();
	test_limits();
	test_answer_rfc4317();
	test_answer_choices();
	test_direction();
	test_offer_text();
	test_round_trip();
	test_policy();
	test_apply_answer();
	test_no_downgrade();
	test_key_lifetime();
	test_zrtp_hash();
	return tap_done();
}
