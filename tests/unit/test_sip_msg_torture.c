/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_sip_msg_torture.c: RFC 4475 torture messages (tests/data/rfc4475/) and what sphone does with each. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sip_msg.h"
#include "../tap.h"

static char data[8192];
static size_t dlen;

static const char *S(struct pl pl)
{
	static char b[8][1024];
	static int k;
	char *o = b[k++ & 7];
	if (!pl.p)
		return "(absent)";
	if (pl_strdup(o, 1024, pl))
		return "(too long)";
	return o;
}

static int load(const char *name)
{
	const char *top = getenv("top_srcdir");
	char path[1024];
	snprintf(path, sizeof(path), "%s/tests/data/rfc4475/%s.dat", top ? top : ".", name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		diag("cannot open %s", path);
		return -1;
	}
	dlen = fread(data, 1, sizeof(data), f);
	fclose(f);
	return 0;
}

static int count(const struct sip_msg *m, enum sip_hdr_id id)
{
	int n = 0;
	for (const struct sip_hdr *h = sip_msg_hdr(m, id); h; h = sip_msg_hdr_next(m, h))
		n++;
	return n;
}

static size_t unesc_len(struct pl p)
{
	char b[256];
	size_t n = 0;
	if (sip_uri_unescape(b, sizeof(b), p, &n))
		return (size_t)-1;
	return n;
}

static const char *unesc(struct pl p)
{
	static char b[256];
	size_t n;
	if (sip_uri_unescape(b, sizeof(b) - 1, p, &n))
		return "(bad)";
	b[n] = 0;
	return b;
}

static uint32_t u32(int (*fn)(const struct sip_msg *, uint32_t *), const struct sip_msg *m)
{
	uint32_t v = 0xdeadbeef;
	fn(m, &v);
	return v;
}

/* Common facts every accepted message is checked for: Call-ID, CSeq, top branch, body length. */
static void common(const struct sip_msg *m, const char *callid, uint32_t cseq, const char *branch, size_t blen)
{
	is_str(S(sip_msg_callid(m)), callid, "  Call-ID");
	is_int(sip_msg_cseq(m)->num, cseq, "  CSeq number");
	if (branch)
		is_str(S(sip_msg_via(m)->branch), branch, "  top Via branch");
	is_int(sip_msg_body(m).l, blen, "  body length");
}

static void v_wsinv(struct sip_msg *m)
{
	const struct sip_uri *r = sip_msg_ruri(m);
	struct pl v;
	is_int(sip_msg_method_id(m), SIP_METHOD_INVITE, "  method INVITE");
	is_str(S(r->user), "vivekg", "  R-URI user");
	is_str(S(r->host), "chair-dnrc.example.com", "  R-URI host");
	ok(sip_uri_param(r, "unknownparam", &v) == 0 && v.l == 0, "  R-URI flag param");
	is_str(S(sip_msg_to(m)->tag), "1918181833n", "  To tag with LWS around '='");
	is_str(S(sip_msg_from(m)->dname), "J Rosenberg \\\\\\\"", "  From display name with escaped \\ and \"");
	is_str(S(sip_msg_from(m)->tag), "98asjd8", "  From tag on folded lines");
	is_int(u32(sip_msg_max_forwards, m), 68, "  Max-Forwards 0068");
	is_int(sip_msg_cseq(m)->mid, SIP_METHOD_INVITE, "  CSeq method after folding");
	is_int(sip_msg_via_count(m), 3, "  3 Vias");
	is_str(S(sip_msg_via_at(m, 0)->transport), "UDP", "  Via 1 transport (folded, spaced)");
	is_str(S(sip_msg_via_at(m, 0)->host), "192.0.2.2", "  Via 1 host");
	is_str(S(sip_msg_via_at(m, 1)->host), "spindle.example.com", "  Via 2 host");
	is_str(S(sip_msg_via_at(m, 1)->branch), "z9hG4bK9ikj8", "  Via 2 branch");
	is_str(S(sip_msg_via_at(m, 2)->host), "192.168.255.111", "  Via 3 host");
	is_str(S(sip_msg_via_at(m, 2)->branch), "z9hG4bK30239", "  Via 3 branch across a fold");
	ok(sip_msg_hdr(m, SIP_HDR_SUBJECT) && sip_msg_hdr(m, SIP_HDR_SUBJECT)->val.l == 0, "  empty Subject (s)");
	const struct sip_hdr *h = sip_msg_hdr_by_name(m, "newfangledheader");
	ok(h && strstr(S(h->val), "newfangled value") && strstr(S(h->val), "continued newfangled value"),
	   "  folded unknown header joined");
	is_str(S(sip_msg_hdr_by_name(m, "UnknownHeaderWithUnusualValue")->val), ";;,,;;,;",
	       "  unknown header not split");
	is_int(sip_msg_route_count(m), 1, "  one Route");
	ok(sip_uri_param(&sip_msg_route_at(m, 0)->uri, "unknown-no-value", NULL) == 0, "  Route URI params");
	const struct sip_addr *c = sip_msg_contact_at(m, 0);
	is_str(S(c->dname), "Quoted string \\\"\\\"", "  Contact display name");
	ok(sip_param_get(c->params, "newparam", &v) == 0 && pl_eq_str(v, "newvalue"), "  newparam over a fold");
	ok(sip_param_get(c->params, "secondparam", &v) == 0 && v.l == 0, "  secondparam flag");
	ok(sip_param_get(c->params, "q", &v) == 0 && pl_eq_str(v, "0.33"), "  q = 0.33");
	common(m, "wsinv.ndaksdj@192.0.2.1", 9, "390skdjuw", 150);
}

static void v_intmeth(struct sip_msg *m)
{
	static const char meth[] = "!interesting-Method0123456789_*+`.%indeed'~";
	static const char to_dn[] = "BEL:\\\x07 NUL:\\\x00 DEL:\\\x7F";
	const struct sip_uri *r = sip_msg_ruri(m);
	is_str(S(sip_msg_method(m)), meth, "  extension method with token chars");
	is_int(sip_msg_method_id(m), SIP_METHOD_UNKNOWN, "  method id unknown");
	is_str(S(r->user), "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*", "  R-URI user");
	is_str(S(r->password), "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)", "  R-URI password");
	is_str(S(r->host), "example.com", "  R-URI host");
	const struct pl dn = sip_msg_to(m)->dname;
	ok(dn.l == sizeof(to_dn) - 1 && memcmp(dn.p, to_dn, dn.l) == 0, "  To display name with quoted BEL/NUL/DEL");
	is_str(S(sip_msg_from(m)->dname), "token1~` token2'+_ token3*%!.-", "  From display name tokens");
	is_str(S(sip_msg_from(m)->tag), "_token~1'+`*%!-.", "  From tag");
	ok(sip_param_get(sip_msg_from(m)->params, "fromParam''~+*_!.-%", NULL) == 0, "  From param token name");
	is_str(S(sip_msg_cseq(m)->method), meth, "  CSeq method");
	is_int(u32(sip_msg_max_forwards, m), 255, "  Max-Forwards 255");
	const struct sip_hdr *h = sip_msg_hdr_by_name(m, "extensionHeader-!.%*+_`'~");
	ok(h && h->val.l == 12 && memcmp(h->val.p, "\xEF\xBB\xBF\xE5\xA4\xA7", 6) == 0, "  UTF-8 header value");
	common(m, "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{", 139122385, "z9hG4bK-.!%66*_+`'~", 0);
}

static void v_esc01(struct sip_msg *m)
{
	const struct sip_uri *r = sip_msg_ruri(m);
	struct sip_uri u;
	is_str(S(r->user), "sips%3Auser%40example.com", "  R-URI user escaped");
	is_str(unesc(r->user), "sips:user@example.com", "  R-URI user unescaped");
	is_str(S(r->host), "example.net", "  R-URI host");
	is_str(unesc(sip_msg_to(m)->uri.user), "user", "  To user %%75se%%72");
	is_str(unesc(sip_msg_from(m)->uri.user), "I have spaces", "  From user with %%20");
	is_str(S(sip_msg_ctype(m)), "application/sdp", "  compact C: Content-Type");
	const struct sip_addr *c = sip_msg_contact_at(m, 0);
	ok(c && sip_uri_decode_str(&u, "sip:caller@host5.example.net;lr;name=value%2541") == 0 &&
		   sip_uri_equal(&c->uri, &u),
	   "  Contact equals its unescaped form");
	common(m, "esc01.239409asdfakjkn23onasd0-3234", 234234, "z9hG4bKkdjuw", 150);
}

static void v_escnull(struct sip_msg *m)
{
	is_int(unesc_len(sip_msg_to(m)->uri.user), 11, "  To user unescapes to 11 bytes incl. NUL");
	is_int(sip_msg_contact_count(m), 2, "  2 Contacts");
	is_int(unesc_len(sip_msg_contact_at(m, 0)->uri.user), 1, "  %%00 user");
	is_int(unesc_len(sip_msg_contact_at(m, 1)->uri.user), 2, "  %%00%%00 user");
	common(m, "escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd", 14398234, "z9hG4bKkdjuw", 0);
}

static void v_esc02(struct sip_msg *m)
{
	is_str(S(sip_msg_method(m)), "RE%47IST%45R", "  method is not unescaped");
	is_int(sip_msg_method_id(m), SIP_METHOD_UNKNOWN, "  not REGISTER");
	is_str(S(sip_msg_to(m)->dname), "%Z%45", "  display name kept");
	is_int(sip_msg_contact_count(m), 2, "  2 Contact headers (C%%6Fntact is another header)");
	const struct sip_hdr *h = sip_msg_hdr_by_name(m, "C%6Fntact");
	ok(h && strstr(S(h->val), "alias2"), "  C%%6Fntact is an unknown header");
	common(m, "esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf", 29344, "z9hG4bK209%fzsnel234", 0);
}

static void v_lwsdisp(struct sip_msg *m)
{
	is_str(S(sip_msg_from(m)->dname), "caller", "  display name without LWS before <");
	is_str(S(sip_msg_from(m)->tag), "323", "  tag");
	common(m, "lwsdisp.1234abcd@funky.example.com", 60, "z9hG4bKkdjuw", 0);
}

static void v_longreq(struct sip_msg *m)
{
	ok(strncmp(S(sip_msg_to(m)->dname), "I have a user name of extremeextreme", 36) == 0, "  long display name");
	is_int(sip_msg_to(m)->uri.port, 6000, "  To port");
	ok(sip_uri_param(&sip_msg_to(m)->uri, "unknownparam1", NULL) == 0, "  long URI param");
	is_int(sip_msg_from(m)->tag.l, 155, "  long From tag");
	is_int(sip_msg_via_count(m), 34, "  34 Vias in every case and spacing");
	is_str(S(sip_msg_via_at(m, 33)->received), "192.0.2.5", "  last Via received");
	is_int(sip_msg_via_at(m, 33)->branch.l, 4 + 200 + 11, "  long branch");
	ok(sip_msg_hdr_by_name(m, "Unknown-LongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLong"
				  "LongLongLong-Name") != NULL, "  long unknown header name");
	common(m, "longreq.onereallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreally"
		  "reallyreallyreallyreallyreallyreallylongcallid", 3882340, NULL, 150);
}

static void v_dblreq(struct sip_msg *m)
{
	is_int(sip_msg_method_id(m), SIP_METHOD_REGISTER, "  the REGISTER, not the trailing INVITE");
	is_int(sip_msg_hdr_count(m), 8, "  8 headers");
	common(m, "dblreq.0ha0isndaksdj99sdfafnl3lk233412", 8, "z9hG4bKkdjuw23492", 0);
}

static void v_semiuri(struct sip_msg *m)
{
	is_str(S(sip_msg_ruri(m)->user), "user;par=u%40example.net", "  ';' belongs to the user");
	ok(!sip_msg_ruri(m)->params.p, "  no URI parameters");
	is_int(count(m, SIP_HDR_ACCEPT), 6, "  6 Accept values over folded lines");
	common(m, "semiuri.0ha0isndaksdj", 8, "z9hG4bKkdjuw", 0);
}

static void v_transports(struct sip_msg *m)
{
	static const char *const t[] = { "UDP", "SCTP", "TLS", "UNKNOWN", "TCP" };
	is_int(sip_msg_via_count(m), 5, "  5 Vias");
	for (int i = 0; i < 5; i++)
		is_str(S(sip_msg_via_at(m, (size_t)i)->transport), t[i], "  Via %d transport", i + 1);
	common(m, "transports.kijh4akdnaqjkwendsasfdj", 60, "z9hG4bKkdjuw", 0);
}

static void v_mpart01(struct sip_msg *m)
{
	is_str(S(sip_msg_ctype(m)), "multipart/mixed;boundary=7a9cbec02ceef655", "  multipart type");
	ok(sip_msg_hdr(m, SIP_HDR_IDENTITY) != NULL, "  Identity header");
	ok(memmem(sip_msg_body(m).p, sip_msg_body(m).l, "\x30\x82\x01\x52", 4) != NULL, "  binary part intact");
	ok(sip_msg_via(m)->rport && sip_msg_via(m)->port == 5070, "  rport flag, port 5070");
	common(m, "3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..", 1, "z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-",
	       553);
}

static void v_unreason(struct sip_msg *m)
{
	is_int(sip_msg_status(m), 200, "  status 200");
	ok(sip_msg_reason(m).l == 14 + 60 && memcmp(sip_msg_reason(m).p, "= 2**3 * 5**2 \xD0\xBD\xD0\xBE", 18) == 0,
	   "  UTF-8 reason phrase");
	common(m, "unreason.1234ksdfak3j2erwedfsASdf", 35, "z9hG4bK1324923", 154);
}

static void v_noreason(struct sip_msg *m)
{
	is_int(sip_msg_status(m), 100, "  status 100");
	ok(sip_msg_reason(m).p && sip_msg_reason(m).l == 0, "  empty reason phrase");
	common(m, "noreason.asndj203insdf99223ndf", 35, "z9hG4bK2398ndaoe", 0);
}

static void v_baddate(struct sip_msg *m)
{
	is_str(S(sip_msg_hdr_raw(m, SIP_HDR_DATE)), "Fri, 01 Jan 2010 16:00:00 EST", "  Date kept, not interpreted");
	common(m, "baddate.239423mnsadf3j23lj42--sedfnm234", 1392934, "z9hG4bKkdjuw", 150);
}

static void v_badbranch(struct sip_msg *m)
{
	is_str(S(sip_msg_via(m)->branch), "z9hG4bK", "  bare magic cookie (the transaction layer decides)");
	common(m, "badbranch.sadonfo23i420jv0as0derf3j3n", 8, NULL, 0);
}

static void v_unkscm(struct sip_msg *m)
{
	ok(sip_msg_ruri(m) == NULL, "  no sip/sips/tel R-URI (UA answers 416)");
	is_str(S(sip_msg_ruri_raw(m)), "nobodyKnowsThisScheme:totallyopaquecontent", "  raw R-URI");
	common(m, "unkscm.nasdfasser0q239nwsdfasdkl34", 3923423, "z9hG4bKkdjuw39234", 0);
}

static void v_novelsc(struct sip_msg *m)
{
	ok(sip_msg_ruri(m) == NULL, "  soap.beep: not decoded (416)");
	is_str(S(sip_msg_ruri_raw(m)), "soap.beep://192.0.2.103:3002", "  raw R-URI");
	common(m, "novelsc.asdfasser0q239nwsdfasdkl34", 3923423, "z9hG4bKkdjuw39234", 0);
}

static void v_unksm2(struct sip_msg *m)
{
	ok(!sip_msg_to(m)->uri_known, "  To isbn: URI not decoded");
	is_str(S(sip_msg_to(m)->uri_raw), "isbn:2983792873", "  To raw URI");
	is_str(S(sip_msg_from(m)->uri_raw), "http://www.example.com", "  From raw URI");
	is_str(S(sip_msg_contact_at(m, 0)->uri_raw), "name:John_Smith", "  Contact raw URI");
	common(m, "unksm2.daksdj@hyphenated-host.example.com", 234902, "z9hG4bKkdjuw", 0);
}

static void v_bext01(struct sip_msg *m)
{
	is_int(count(m, SIP_HDR_REQUIRE), 2, "  2 Require values");
	is_int(count(m, SIP_HDR_PROXY_REQUIRE), 2, "  2 Proxy-Require values");
	is_str(S(sip_msg_hdr(m, SIP_HDR_REQUIRE)->val), "nothingSupportsThis", "  first Require");
	common(m, "bext01.0ha0isndaksdj", 8, "z9hG4bKkdjuw", 0);
}

static void v_invut(struct sip_msg *m)
{
	is_str(S(sip_msg_ctype(m)), "application/unknownformat", "  unknown content type (UA answers 415)");
	common(m, "invut.0ha0isndaksdjadsfij34n23d", 235448, "z9hG4bKkdjuw", 40);
}

static void v_regaut01(struct sip_msg *m)
{
	is_str(S(sip_msg_hdr_raw(m, SIP_HDR_AUTHORIZATION)), "NoOneKnowsThisScheme opaque-data=here",
	       "  unknown auth scheme kept raw");
	common(m, "regaut01.0ha0isndaksdj", 9338, "z9hG4bKkdjuw", 0);
}

static void v_bcast(struct sip_msg *m)
{
	is_str(S(sip_msg_via_at(m, 1)->host), "255.255.255.255", "  broadcast Via (the transaction layer drops it)");
	common(m, "bcast.0384840201234ksdfak3j2erwedfsASdf", 35, "z9hG4bK1324923", 154);
}

static void v_zeromf(struct sip_msg *m)
{
	is_int(u32(sip_msg_max_forwards, m), 0, "  Max-Forwards 0 (a UA still answers OPTIONS)");
	common(m, "zeromf.jfasdlfnm2o2l43r5u0asdfas", 39234321, "z9hG4bKkdjuw2349i", 0);
}

static void v_cparam01(struct sip_msg *m)
{
	const struct sip_addr *c = sip_msg_contact_at(m, 0);
	ok(!c->uri.params.p, "  addr-spec: URI has no params");
	ok(sip_param_get(c->params, "unknownparam", NULL) == 0, "  unknownparam is a header param");
	common(m, "cparam01.70710@saturn.example.com", 2, "z9hG4bKkdjuw", 0);
}

static void v_cparam02(struct sip_msg *m)
{
	const struct sip_addr *c = sip_msg_contact_at(m, 0);
	ok(sip_uri_param(&c->uri, "unknownparam", NULL) == 0, "  <>: unknownparam is a URI param");
	ok(!c->params.p, "  no header params");
	common(m, "cparam02.70710@saturn.example.com", 3, "z9hG4bKkdjuw", 0);
}

static void v_regescrt(struct sip_msg *m)
{
	struct pl v;
	ok(sip_uri_header(&sip_msg_contact_at(m, 0)->uri, "Route", &v) == 0 &&
		   pl_eq_str(v, "%3Csip:sip.example.com%3E"),
	   "  escaped Route header in the Contact URI (a registrar rejects it)");
	common(m, "regescrt.k345asrl3fdbv@192.0.2.1", 14398234, "z9hG4bKkdjuw", 0);
}

static void v_sdp01(struct sip_msg *m)
{
	is_str(S(sip_msg_hdr(m, SIP_HDR_ACCEPT)->val), "text/nobodyKnowsThis", "  Accept (UA answers 406/488)");
	common(m, "sdp01.ndaksdj9342dasdd", 8, "z9hG4bKkdjuw", 150);
}

static void v_inv2543(struct sip_msg *m)
{
	uint32_t v;
	ok(!sip_msg_via(m)->branch.p, "  RFC 2543 Via without branch");
	ok(sip_msg_max_forwards(m, &v) == ENOENT, "  no Max-Forwards");
	ok(sip_msg_clen(m, &v) == ENOENT, "  no Content-Length: body is the rest of the datagram");
	ok(sip_param_get(sip_msg_to(m)->params, "user", NULL) == 0, "  To addr-spec: ;user=phone is a header param");
	ok(sip_uri_param(&sip_msg_rroute_at(m, 0)->uri, "maddr", NULL) == 0, "  Record-Route maddr");
	common(m, "inv2543.1717@ift.client.example.com", 56, NULL, 105);
}

enum verdict {
	ACCEPT,      /* valid: parses, values checked */
	REJECT,      /* invalid, and not even a 400 can be built (dropped) */
	REJECT_400,  /* invalid; the lenient parse yields enough for a 400 */
};

static const struct {
	const char *name;
	const char *section;
	enum verdict v;
	void (*check)(struct sip_msg *);
	const char *why;
} cases[] = {
	{ "wsinv", "3.1.1.1", ACCEPT, v_wsinv, "short tortuous INVITE" },
	{ "intmeth", "3.1.1.2", ACCEPT, v_intmeth, "wide range of valid characters" },
	{ "esc01", "3.1.1.3", ACCEPT, v_esc01, "valid % escapes" },
	{ "escnull", "3.1.1.4", ACCEPT, v_escnull, "escaped NULs in URIs" },
	{ "esc02", "3.1.1.5", ACCEPT, v_esc02, "% that is not an escape" },
	{ "lwsdisp", "3.1.1.6", ACCEPT, v_lwsdisp, "no LWS between display name and <" },
	{ "longreq", "3.1.1.7", ACCEPT, v_longreq, "long values" },
	{ "dblreq", "3.1.1.8", ACCEPT, v_dblreq, "extra trailing octets in a datagram are ignored" },
	{ "semiuri", "3.1.1.9", ACCEPT, v_semiuri, "semicolon in the user part" },
	{ "transports", "3.1.1.10", ACCEPT, v_transports, "varied and unknown transports" },
	{ "mpart01", "3.1.1.11", ACCEPT, v_mpart01, "multipart MIME body with binary" },
	{ "unreason", "3.1.1.12", ACCEPT, v_unreason, "unusual reason phrase" },
	{ "noreason", "3.1.1.13", ACCEPT, v_noreason, "empty reason phrase" },
	{ "badinv01", "3.1.2.1", REJECT, NULL, "extraneous separators: the Via is unusable" },
	{ "clerr", "3.1.2.2", REJECT_400, NULL, "Content-Length larger than the datagram" },
	{ "ncl", "3.1.2.3", REJECT_400, NULL, "negative Content-Length" },
	{ "scalar02", "3.1.2.4", REJECT, NULL, "CSeq > 2^32-1 (cannot be echoed in a 400)" },
	{ "scalarlg", "3.1.2.5", REJECT, NULL, "response with overlarge CSeq: discarded" },
	{ "quotbal", "3.1.2.6", REJECT, NULL, "unterminated quote in To" },
	{ "ltgtruri", "3.1.2.7", REJECT_400, NULL, "<> around the Request-URI" },
	{ "lwsruri", "3.1.2.8", REJECT_400, NULL, "LWS inside the Request-URI" },
	{ "lwsstart", "3.1.2.9", REJECT_400, NULL, "several SP in the request line" },
	{ "trws", "3.1.2.10", REJECT_400, NULL, "SP at the end of the request line" },
	{ "escruri", "3.1.2.11", REJECT_400, NULL, "escaped headers in the Request-URI" },
	{ "baddate", "3.1.2.12", ACCEPT, v_baddate, "bad Date time zone: tolerated, Date is not used" },
	{ "regbadct", "3.1.2.13", REJECT_400, NULL, "addr-spec with '?' not in <>" },
	{ "badaspec", "3.1.2.14", REJECT, NULL, "spaces inside <> of To" },
	{ "baddn", "3.1.2.15", REJECT, NULL, "unquoted ',' in display names of From/To" },
	{ "badvers", "3.1.2.16", REJECT, NULL, "SIP/7.0 (Via unusable too)" },
	{ "mismatch01", "3.1.2.17", REJECT_400, NULL, "CSeq method differs from the request method" },
	{ "mismatch02", "3.1.2.18", REJECT_400, NULL, "unknown method with CSeq mismatch" },
	{ "bigcode", "3.1.2.19", REJECT, NULL, "status code 4294967301: discarded" },
	{ "badbranch", "3.2.1", ACCEPT, v_badbranch, "branch is only the magic cookie" },
	{ "insuf", "3.3.1", REJECT, NULL, "missing From, To, Call-ID" },
	{ "unkscm", "3.3.2", ACCEPT, v_unkscm, "unknown R-URI scheme" },
	{ "novelsc", "3.3.3", ACCEPT, v_novelsc, "known but atypical scheme" },
	{ "unksm2", "3.3.4", ACCEPT, v_unksm2, "unknown schemes in header fields" },
	{ "bext01", "3.3.5", ACCEPT, v_bext01, "Require/Proxy-Require with unknown options" },
	{ "invut", "3.3.6", ACCEPT, v_invut, "unknown content type" },
	{ "regaut01", "3.3.7", ACCEPT, v_regaut01, "unknown authorization scheme" },
	{ "multi01", "3.3.8", REJECT_400, NULL, "several values in single-value headers" },
	{ "mcl01", "3.3.9", REJECT_400, NULL, "two Content-Length values" },
	{ "bcast", "3.3.10", ACCEPT, v_bcast, "200 with a broadcast Via" },
	{ "zeromf", "3.3.11", ACCEPT, v_zeromf, "Max-Forwards 0" },
	{ "cparam01", "3.3.12", ACCEPT, v_cparam01, "Contact header parameter" },
	{ "cparam02", "3.3.13", ACCEPT, v_cparam02, "Contact URI parameter" },
	{ "regescrt", "3.3.14", ACCEPT, v_regescrt, "escaped header in a Contact URI" },
	{ "sdp01", "3.3.15", ACCEPT, v_sdp01, "unacceptable Accept" },
	{ "inv2543", "3.4.1", ACCEPT, v_inv2543, "RFC 2543 syntax" },
};

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sip_msg *m = NULL;
		int err, lerr = -1;

		if (load(cases[i].name)) {
			ok(0, "%s: data file", cases[i].name);
			continue;
		}
		err = sip_msg_decode(&m, data, dlen);
		switch (cases[i].v) {
		case ACCEPT:
			ok(err == 0, "%s %s accepted: %s", cases[i].section, cases[i].name, cases[i].why);
			if (m)
				cases[i].check(m);
			break;
		case REJECT:
		case REJECT_400:
			ok(err == EBADMSG && !m, "%s %s rejected: %s", cases[i].section, cases[i].name, cases[i].why);
			err = sip_msg_decode_lenient(&m, data, dlen, &lerr);
			if (cases[i].v == REJECT) {
				ok(err == EBADMSG && !m, "  nothing to answer with");
			} else {
				struct wbuf w;
				struct sip_msg *r = NULL;
				ok(err == 0 && lerr == EBADMSG, "  lenient parse keeps the 400 essentials");
				wbuf_init(&w, 0);
				ok(m && sip_reply_print(&w, m, 400, NULL, "x", NULL, NULL, NULL, 0) == 0 &&
					   sip_msg_decode(&r, w.p, w.len) == 0 && sip_msg_status(r) == 400 &&
					   pl_eq(sip_msg_callid(r), sip_msg_callid(m)),
				   "  400 built, parses, same Call-ID");
				sip_msg_free(r);
				wbuf_free(&w);
			}
			break;
		}
		sip_msg_free(m);
	}
	return tap_done();
}
