/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_sip_msg.c: SIP message parsing, header access, printing and replies (framing: test_sip_stream.c). */
#include <errno.h>
#include <string.h>

#include "buf.h"
#include "sip_msg.h"
#include "sip_examples.h"
#include "../tap.h"

static const char *S(struct pl pl)
{
	static char b[8][512];
	static int k;
	char *o = b[k++ & 7];
	if (!pl.p)
		return "(absent)";
	if (pl_strdup(o, 512, pl))
		return "(too long)";
	return o;
}

static struct sip_msg *dec(const char *s)
{
	struct sip_msg *m = NULL;
	int err = sip_msg_decode(&m, s, strlen(s));
	if (err)
		diag("decode failed: %d", err);
	return m;
}

static void test_rfc3261_examples(void)
{
	struct sip_msg *m = dec(reg);
	uint32_t v;

	ok(m != NULL, "24.1 REGISTER decodes");
	if (!m)
		return;
	ok(sip_msg_is_request(m), "is request");
	is_int(sip_msg_method_id(m), SIP_METHOD_REGISTER, "method REGISTER");
	ok(sip_msg_ruri(m) && sip_msg_ruri(m)->scheme == SIP_URI_SIPS, "R-URI sips");
	is_str(S(sip_msg_ruri(m)->host), "ss2.biloxi.example.com", "R-URI host");
	const struct sip_via *via = sip_msg_via(m);
	ok(via != NULL, "top Via");
	is_str(S(via->transport), "TLS", "Via transport");
	is_str(S(via->host), "client.biloxi.example.com", "Via host");
	is_int(via->port, 5061, "Via port");
	is_str(S(via->branch), "z9hG4bKnashds7", "Via branch");
	ok(!via->rport && !via->received.p, "no rport/received");
	is_str(S(sip_msg_from(m)->dname), "Bob", "From display name");
	is_str(S(sip_msg_from(m)->tag), "a73kszlfl", "From tag");
	is_str(S(sip_msg_from(m)->uri.user), "bob", "From URI user");
	ok(!sip_msg_to(m)->tag.p, "To without tag");
	is_str(S(sip_msg_callid(m)), "1j9FpLxk3uxtm8tn@biloxi.example.com", "Call-ID");
	is_int(sip_msg_cseq(m)->num, 1, "CSeq number");
	is_int(sip_msg_cseq(m)->mid, SIP_METHOD_REGISTER, "CSeq method");
	is_int(sip_msg_contact_count(m), 1, "one Contact");
	is_str(S(sip_msg_contact_at(m, 0)->uri.host), "client.biloxi.example.com", "Contact host");
	ok(sip_msg_max_forwards(m, &v) == 0 && v == 70, "Max-Forwards 70");
	ok(sip_msg_clen(m, &v) == 0 && v == 0, "Content-Length 0");
	ok(sip_msg_body(m).p && sip_msg_body(m).l == 0, "empty body present");
	ok(sip_msg_expires(m, &v) == ENOENT, "no Expires: ENOENT");
	is_int(sip_msg_hdr_count(m), 8, "8 header values");
	sip_msg_free(m);

	m = dec(inv);
	ok(m != NULL, "24.2 INVITE F1 decodes");
	if (!m)
		return;
	is_int(sip_msg_method_id(m), SIP_METHOD_INVITE, "INVITE");
	is_str(S(sip_msg_ctype(m)), "application/sdp", "Content-Type");
	is_int(sip_msg_body(m).l, 151, "body 151 bytes");
	ok(memcmp(sip_msg_body(m).p, "v=0\r\n", 5) == 0, "body starts with v=0");
	sip_msg_free(m);
}

static void test_headers(void)
{
	static const char msg[] =
		"SIP/2.0 180 Ringing\r\n"
		"v: SIP/2.0/UDP a.example.com;branch=z9hG4bK1;rport=5066;received=192.0.2.1, SIP/2.0/TCP\r\n"
		"  [2001:db8::1]:5070 ;branch=z9hG4bK2 ;rport\r\n"
		"Via: SIP/2.0/TLS c.example.com;branch=z9hG4bK3\r\n"
		"f: \"Doe, \\\"John\\\"\" <sip:john@example.com;transport=tcp>;tag=f1\r\n"
		"t: sip:bob@example.com;tag=t1\r\n"
		"i: abc@host\r\n"
		"CSeq: 4711 INVITE\r\n"
		"m: <sip:a@1.2.3.4;lr>;expires=60;q=0.5, \"x,y\" <sip:b@h2>;expires=0\r\n"
		"Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"
		"Record-Route: <sip:p3.example.com;lr>\r\n"
		"Allow: INVITE, ACK,BYE ,\r\n"
		"k: timer\r\n"
		"WWW-Authenticate: Digest realm=\"a,b\", nonce=\"x\"\r\n"
		"X-Custom: one\r\n"
		"x-custom: two\r\n"
		"Expires: 300\r\n"
		"Min-Expires: 99999999999\r\n"
		"l: 3\r\n"
		"\r\n"
		"abcEXTRA";
	struct sip_msg *m = dec(msg);
	struct pl v;

	ok(m != NULL, "compact forms, folding, lists decode");
	if (!m)
		return;
	ok(!sip_msg_is_request(m), "response");
	is_int(sip_msg_status(m), 180, "status 180");
	is_str(S(sip_msg_reason(m)), "Ringing", "reason");
	is_int(sip_msg_via_count(m), 3, "3 Vias (2 in one folded header line)");
	const struct sip_via *v0 = sip_msg_via_at(m, 0), *v1 = sip_msg_via_at(m, 1);
	ok(v0->rport && v0->rport_val == 5066, "rport=5066");
	is_str(S(v0->received), "192.0.2.1", "received");
	is_str(S(v1->host), "2001:db8::1", "IPv6 sent-by");
	is_int(v1->port, 5070, "IPv6 sent-by port");
	ok(v1->rport && v1->rport_val == 0, "rport flag without value");
	is_str(S(v1->branch), "z9hG4bK2", "branch across folding");
	is_str(S(sip_msg_via_at(m, 2)->transport), "TLS", "third Via TLS");
	ok(sip_msg_via_at(m, 3) == NULL, "no 4th Via");
	is_str(S(sip_msg_from(m)->dname), "Doe, \\\"John\\\"", "quoted display name with comma and escapes");
	{
		char dn[64];

		is_int((int)sip_addr_dname(sip_msg_from(m), dn, sizeof(dn)), 11, "its text: the quoted-pairs resolved");
		is_str(dn, "Doe, \"John\"", "... Doe, \"John\" (RFC 3261 25.1)");
	}
	ok(sip_msg_from(m)->angle, "name-addr");
	ok(sip_uri_param(&sip_msg_from(m)->uri, "transport", &v) == 0 && pl_eq_str(v, "tcp"),
	   "transport is a URI param inside <>");
	is_str(S(sip_msg_from(m)->tag), "f1", "From tag");
	ok(!sip_msg_to(m)->angle, "To addr-spec");
	is_str(S(sip_msg_to(m)->tag), "t1", "addr-spec: ;tag belongs to the header");
	ok(!sip_msg_to(m)->uri.params.p, "addr-spec: URI has no params");
	is_int(sip_msg_contact_count(m), 2, "2 contacts");
	ok(sip_param_get(sip_msg_contact_at(m, 0)->params, "expires", &v) == 0 && pl_eq_str(v, "60"),
	   "contact expires=60");
	ok(sip_param_get(sip_msg_contact_at(m, 0)->params, "q", &v) == 0 && pl_eq_str(v, "0.5"), "q=0.5");
	is_str(S(sip_msg_contact_at(m, 1)->dname), "x,y", "comma inside quotes not split");
	is_int(sip_msg_rroute_count(m), 3, "3 Record-Route entries over 2 lines");
	is_str(S(sip_msg_rroute_at(m, 2)->uri.host), "p3.example.com", "third RR");
	int n = 0;
	for (const struct sip_hdr *h = sip_msg_hdr(m, SIP_HDR_ALLOW); h; h = sip_msg_hdr_next(m, h))
		n++;
	is_int(n, 3, "Allow split into 3 (empty element skipped)");
	is_str(S(sip_msg_hdr(m, SIP_HDR_ALLOW)->val), "INVITE", "Allow[0]");
	is_str(S(sip_msg_hdr(m, SIP_HDR_SUPPORTED)->val), "timer", "k = Supported");
	is_str(S(sip_msg_hdr_raw(m, SIP_HDR_WWW_AUTHENTICATE)), "Digest realm=\"a,b\", nonce=\"x\"",
	       "WWW-Authenticate not split");
	const struct sip_hdr *h = sip_msg_hdr_by_name(m, "X-CUSTOM");
	ok(h && pl_eq_str(h->val, "one"), "unknown header by name, case-insensitive");
	h = sip_msg_hdr_next(m, h);
	ok(h && pl_eq_str(h->val, "two"), "next unknown header with same name");
	ok(sip_msg_hdr_next(m, h) == NULL, "no third");
	ok(sip_msg_hdr_by_name(m, "i") && pl_eq_str(sip_msg_hdr_by_name(m, "Call-ID")->name, "i"),
	   "by name: compact and full map to the same header");
	uint32_t u;
	ok(sip_msg_expires(m, &u) == 0 && u == 300, "Expires 300");
	ok(sip_msg_min_expires(m, &u) == ERANGE, "Min-Expires overflow ERANGE");
	is_int(sip_msg_body(m).l, 3, "body is Content-Length bytes");
	ok(memcmp(sip_msg_body(m).p, "abc", 3) == 0, "body abc; trailing datagram bytes ignored");
	sip_msg_free(m);

	is_int(sip_hdr_id(PL("CALL-id")), SIP_HDR_CALL_ID, "hdr id case-insensitive");
	is_int(sip_hdr_id(PL("o")), SIP_HDR_EVENT, "o = Event");
	is_int(sip_hdr_id(PL("R")), SIP_HDR_REFER_TO, "r = Refer-To");
	is_int(sip_hdr_id(PL("u")), SIP_HDR_ALLOW_EVENTS, "u = Allow-Events");
	is_int(sip_hdr_id(PL("b")), SIP_HDR_REFERRED_BY, "b = Referred-By");
	is_int(sip_hdr_id(PL("x")), SIP_HDR_SESSION_EXPIRES, "x = Session-Expires");
	is_int(sip_hdr_id(PL("j")), SIP_HDR_REJECT_CONTACT, "j = Reject-Contact");
	is_int(sip_hdr_id(PL("y")), SIP_HDR_IDENTITY, "y = Identity");
	is_int(sip_hdr_id(PL("e")), SIP_HDR_CONTENT_ENCODING, "e = Content-Encoding");
	is_int(sip_hdr_id(PL("z")), SIP_HDR_OTHER, "z unknown");
	is_str(sip_hdr_name(SIP_HDR_CSEQ), "CSeq", "canonical name");
	is_int(sip_method_id(PL("invite")), SIP_METHOD_UNKNOWN, "methods are case-sensitive");
}

static void test_addr_params(void)
{
	struct sip_addr a;
	struct pl it, n, v;

	ok(sip_addr_decode(&a, PL(" * ")) == 0 && a.star, "Contact *");
	ok(sip_addr_decode(&a, PL("Alice Smith <sip:a@b.com>;tag=x")) == 0, "token display name");
	is_str(S(a.dname), "Alice Smith", "display name tokens");
	{
		static const struct {
			const char *hdr, *want;
			size_t len;
		} t[] = {
			{ "Alice Smith <sip:a@b.com>", "Alice Smith", 11 },
			{ "\"A \\\"B\\\"\" <sip:a@b.com>", "A \"B\"", 5 },
			{ "\"C:\\\\tmp\\\\\" <sip:a@b.com>", "C:\\tmp\\", 7 },      /* \\ is one \, at the end too */
			{ "\"\\\\\\\"x\" <sip:a@b.com>", "\\\"x", 3 },               /* \\ then \": once, not twice */
			{ "\"\\a\\b\\ \" <sip:a@b.com>", "ab ", 3 },                 /* any character may be escaped */
			{ "\"bell\\\x07\" <sip:a@b.com>", "bell\x07", 5 },            /* a control: the caller cleans it */
			{ "\"\" <sip:a@b.com>", "", 0 },
			{ "<sip:a@b.com>", "", 0 },
		};
		char dn[64];

		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			ok(sip_addr_decode(&a, pl_str(t[i].hdr)) == 0, "display name %zu decodes: %s", i, t[i].hdr);
			is_int((int)sip_addr_dname(&a, dn, sizeof(dn)), (int)t[i].len, "... its text's length");
			is_str(dn, t[i].want, "... unescaped once: %s", t[i].want);
		}
		/* NUL from a quoted-pair is counted, not an end: text_clean makes it a '?' */
		static const char nul[] = "\"a\\\0b\" <sip:x@y>";

		ok(sip_addr_decode(&a, (struct pl){ nul, sizeof(nul) - 1 }) == 0, "a quoted-pair NUL decodes");
		is_int((int)sip_addr_dname(&a, dn, sizeof(dn)), 3, "... and counts as one byte of 3");
		ok(!memcmp(dn, "a\0b", 4), "... a, NUL, b");
		ok(sip_addr_decode(&a, pl_str("\"abcdefgh\" <sip:x@y>")) == 0 && sip_addr_dname(&a, dn, 5) == 4 &&
			   !strcmp(dn, "abcd"),
		   "cut at the buffer, NUL-terminated");
		ok(sip_addr_dname(NULL, dn, sizeof(dn)) == 0 && !dn[0], "no addr: empty");
	}
	ok(sip_addr_decode(&a, PL("<urn:service:sos>")) == 0 && !a.uri_known, "other scheme in <>");
	is_str(S(a.uri_raw), "urn:service:sos", "raw other URI");
	ok(sip_addr_decode(&a, PL("\"unterminated <sip:a@b>")) == EBADMSG, "unterminated quote");
	ok(sip_addr_decode(&a, PL("<sip:a@b.com")) == EBADMSG, "missing >");
	ok(sip_addr_decode(&a, PL("< sip:a@b.com >")) == EBADMSG, "spaces inside <>");
	ok(sip_addr_decode(&a, PL("Bell, Alexander <sip:a@b.com>")) == EBADMSG, "unquoted comma in name");
	ok(sip_addr_decode(&a, PL("sip:a@b.com?x=y")) == EBADMSG, "addr-spec with ?");
	ok(sip_addr_decode(&a, PL("<sip:a@b.com>;;")) == EBADMSG, "empty parameter");
	ok(sip_addr_decode(&a, PL("<sip:a@b.com>;tag=")) == EBADMSG, "empty tag value");
	ok(sip_addr_decode(&a, PL("")) == EBADMSG, "empty value");

	it = PL(" ; a = 1 ;b; c=\"q;v\" ");
	ok(sip_param_next(&it, &n, &v) == 0 && pl_eq_str(n, "a") && pl_eq_str(v, "1"), "param a=1 with LWS");
	ok(sip_param_next(&it, &n, &v) == 0 && pl_eq_str(n, "b") && !v.p, "flag b");
	ok(sip_param_next(&it, &n, &v) == 0 && pl_eq_str(n, "c") && pl_eq_str(v, "\"q;v\""),
	   "quoted value keeps quotes and ';'");
	is_int(sip_param_next(&it, &n, &v), ENOENT, "end of list");
	ok(sip_param_get(PL(";lr;x=1"), "LR", &v) == 0 && v.p && v.l == 0, "flag via get: empty present");
	ok(sip_param_get(PL(";lr;x=1"), "y", &v) == ENOENT, "missing ENOENT");

	struct sip_cseq c;
	ok(sip_cseq_decode(&c, PL("4294967295 BYE")) == 0 && c.num == 4294967295u && c.mid == SIP_METHOD_BYE,
	   "CSeq max");
	ok(sip_cseq_decode(&c, PL("4294967296 BYE")) == EBADMSG, "CSeq overflow");
	ok(sip_cseq_decode(&c, PL("1BYE")) == EBADMSG, "CSeq needs LWS");
	ok(sip_cseq_decode(&c, PL("-1 BYE")) == EBADMSG, "CSeq negative");

	struct sip_via via;
	ok(sip_via_decode(&via, PL("SIP/2.0/UDP h;branch=z9hG4bKx;rport=70000")) == EBADMSG, "rport > 65535");
	ok(sip_via_decode(&via, PL("SIP/2.0/UDP")) == EBADMSG, "no sent-by");
	ok(sip_via_decode(&via, PL("SIP/3.0/UDP h")) == EBADMSG, "bad version");
	ok(sip_via_decode(&via, PL("SIP/2.0/UDP h:0")) == EBADMSG, "port 0");
}

static void test_invalid(void)
{
	static const char *const bad[] = {
		"INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n", /* no end of headers */
		"INVITE sip:a@b SIP/2.0\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n",
		"INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\n"
		"Call-ID: x\r\nCSeq: 1 INVITE\r\nNoColonHere\r\n\r\n",
		"SIP/2.0 99 Low\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\n"
		"CSeq: 1 INVITE\r\n\r\n",
		"SIP/2.0 2000 OK\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\n"
		"CSeq: 1 INVITE\r\n\r\n",
		"INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\n"
		"Call-ID: x y\r\nCSeq: 1 INVITE\r\n\r\n",
		"",
		"\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sip_msg *m = NULL;
		ok(sip_msg_decode(&m, bad[i], strlen(bad[i])) == EBADMSG && m == NULL, "invalid message %zu rejected",
		   i);
	}
	struct sip_msg *m = NULL;
	ok(sip_msg_decode(&m, NULL, 0) == EBADMSG, "empty input");
	ok(sip_msg_decode(NULL, "x", 1) == EINVAL, "NULL out-param");
}

static void test_print_reply(void)
{
	struct sip_msg *m = dec(inv), *m2 = NULL;
	struct wbuf w;

	if (!m)
		return;
	wbuf_init(&w, 0);
	ok(sip_msg_print(&w, m) == 0, "print");
	ok(sip_msg_decode(&m2, w.p, w.len) == 0, "printed message decodes");
	if (m2) {
		ok(pl_eq(sip_msg_callid(m), sip_msg_callid(m2)), "same Call-ID after print");
		ok(pl_eq(sip_msg_via(m)->branch, sip_msg_via(m2)->branch), "same branch");
		ok(pl_eq(sip_msg_body(m), sip_msg_body(m2)), "same body");
		is_int(sip_msg_hdr_count(m), sip_msg_hdr_count(m2), "same header count");
	}
	sip_msg_free(m2);

	wbuf_reset(&w);
	ok(sip_reply_print(&w, m, 180, NULL, "b0b", "Contact: <sips:bob@client.biloxi.example.com>\r\n", NULL,
			   NULL, 0) == 0, "reply 180");
	wbuf_put(&w, "", 1);
	is_str((const char *)w.p,
	       "SIP/2.0 180 Ringing\r\n"
	       "Via: SIP/2.0/TLS client.atlanta.example.com:5061;branch=z9hG4bK74bf9\r\n"
	       "From: Alice <sips:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
	       "To: Bob <sips:bob@biloxi.example.com>;tag=b0b\r\n"
	       "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
	       "CSeq: 1 INVITE\r\n"
	       "Contact: <sips:bob@client.biloxi.example.com>\r\n"
	       "Content-Length: 0\r\n\r\n",
	       "180 exact bytes (RFC 3261 8.2.6)");
	wbuf_reset(&w);
	ok(sip_reply_print(&w, m, 200, "OK", NULL, NULL, "text/plain", "hi", 2) == 0, "reply with body");
	m2 = NULL;
	ok(sip_msg_decode(&m2, w.p, w.len) == 0 && sip_msg_status(m2) == 200 && sip_msg_body(m2).l == 2,
	   "reply decodes, body 2");
	ok(m2 && pl_eq_str(sip_msg_ctype(m2), "text/plain"), "reply content type");
	/* RFC 3261 8.2.6.2: every response but 100 to a request without a To tag gets one, fresh each time */
	{
		struct sip_msg *m3 = NULL, *m4 = NULL;
		struct wbuf w2;

		wbuf_init(&w2, 0);
		ok(m2 && sip_msg_to(m2) && sip_msg_to(m2)->tag.l >= 16, "no tag given: a fresh To tag (%.*s)",
		   m2 && sip_msg_to(m2) ? (int)sip_msg_to(m2)->tag.l : 0, m2 && sip_msg_to(m2) ? sip_msg_to(m2)->tag.p : "");
		ok(!sip_reply_print(&w2, m, 200, NULL, NULL, NULL, NULL, NULL, 0) && !sip_msg_decode(&m3, w2.p, w2.len) &&
		   m2 && !pl_eq(sip_msg_to(m2)->tag, sip_msg_to(m3)->tag), "... another one for the next response");
		wbuf_reset(&w2);
		ok(!sip_reply_print(&w2, m, 100, NULL, NULL, NULL, NULL, NULL, 0) && !sip_msg_decode(&m4, w2.p, w2.len) &&
		   !pl_isset(sip_msg_to(m4)->tag), "... none on 100 Trying");
		sip_msg_free(m3);
		sip_msg_free(m4);
		wbuf_free(&w2);
	}
	sip_msg_free(m2);
	wbuf_reset(&w);
	ok(sip_reply_print(&w, m, 99, NULL, NULL, NULL, NULL, NULL, 0) == EINVAL, "code 99 EINVAL");
	ok(sip_reply_print(&w, m, 200, "bad\r\nX: y", NULL, NULL, NULL, NULL, 0) == EINVAL, "CRLF in reason");
	is_str(sip_reason_phrase(486), "Busy Here", "reason phrase table");
	wbuf_free(&w);
	sip_msg_free(m);

	/* a response cannot be answered */
	m = dec("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\n"
		"CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
	wbuf_init(&w, 0);
	ok(m && sip_reply_print(&w, m, 200, NULL, NULL, NULL, NULL, NULL, 0) == EINVAL, "reply to response EINVAL");
	wbuf_free(&w);
	sip_msg_free(m);
}

static void test_lenient(void)
{
	static const char bad[] =
		"OPTIONS sip:a@b.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP h.example.com;branch=z9hG4bKlen\r\n"
		"Max-Forwards: 999\r\n"
		"From: <sip:a@b.com>;tag=1\r\n"
		"To: <sip:c@d.com>\r\n"
		"Call-ID: len1\r\n"
		"CSeq: 7 OPTIONS\r\n"
		"Content-Length: 0\r\n\r\n";
	struct sip_msg *m = NULL;
	int e = -1;

	ok(sip_msg_decode(&m, bad, strlen(bad)) == EBADMSG, "Max-Forwards 999: strict rejects");
	ok(sip_msg_decode_lenient(&m, bad, strlen(bad), &e) == 0 && e == EBADMSG, "lenient gives message + error");
	if (m) {
		struct wbuf w;
		wbuf_init(&w, 0);
		ok(sip_reply_print(&w, m, 400, NULL, "x", NULL, NULL, NULL, 0) == 0, "400 can be built");
		wbuf_free(&w);
	}
	sip_msg_free(m);
	m = NULL;
	ok(sip_msg_decode_lenient(&m, reg, strlen(reg), &e) == 0 && e == 0, "lenient on valid: error 0");
	sip_msg_free(m);
	m = NULL;
	ok(sip_msg_decode_lenient(&m, "garbage\r\n\r\n", 11, &e) == EBADMSG && !m, "lenient on garbage fails");
}

int main(void)
{
	test_rfc3261_examples();
	test_headers();
	test_addr_params();
	test_invalid();
	test_print_reply();
	test_lenient();
	return tap_done();
}
