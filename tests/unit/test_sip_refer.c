/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_sip_refer.c: Refer-To, Replaces, Event, Subscription-State and sipfrag parsing (RFC 3515/3891/6665/3420 examples, then hostile input) and the Refer-To sphone prints. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sip_refer.h"
#include "../tap.h"

static const char *S(struct pl pl)
{
	static char b[4][600];
	static int k;
	char *o = b[k++ & 3];

	if (!pl.p)
		return "(absent)";
	if (pl_strdup(o, 600, pl))
		return "(too long)";
	return o;
}

static struct sip_refer_to rt;

static int rto(const char *s)
{
	return sip_refer_to_decode(&rt, pl_str(s));
}

static void test_refer_to(void)
{
	/* RFC 3515 2.1 */
	is_int(rto("<sip:bob@biloxi.example.net>"), 0, "Refer-To: a name-addr");
	is_str(S(rt.target), "sip:bob@biloxi.example.net", "... its target");
	ok(!rt.has_replaces && rt.other_headers == 0, "... no embedded headers");
	is_int(rto("sips:carol@chicago.example.com;transport=tls"), 0, "Refer-To: an addr-spec");
	is_str(S(rt.target), "sips:carol@chicago.example.com", "... the params after an addr-spec are the header's");
	is_int(rto("\"Carol\" <sips:carol@chicago.example.com;transport=tls>;x=y"), 0,
	       "Refer-To: display name, URI params, header params");
	is_str(S(rt.target), "sips:carol@chicago.example.com;transport=tls", "... URI params kept in the target");
	ok(rt.uri.scheme == SIP_URI_SIPS && !sip_uri_param(&rt.uri, "transport", NULL), "... decoded: sips, transport");
	/* RFC 5589 7.1's attended transfer */
	is_int(rto("<sips:transfertarget@chicago.example.com?Replaces=090459243588173445%3Bto-tag%3D7553452%3Bfrom-tag%3D31431>"),
	       0, "Refer-To with an escaped Replaces (RFC 5589 7.1)");
	is_str(S(rt.target), "sips:transfertarget@chicago.example.com", "... target without the headers");
	ok(rt.has_replaces, "... Replaces found");
	is_str(S(rt.replaces.callid), "090459243588173445", "... Call-ID");
	is_str(S(rt.replaces.to_tag), "7553452", "... to-tag");
	is_str(S(rt.replaces.from_tag), "31431", "... from-tag");
	ok(!rt.replaces.early_only, "... not early-only");
	is_int(rto("<sip:b@x.test?replaces=abc%40host%3Bfrom-tag%3Df%3Bto-tag%3Dt%3Bearly-only&Accept-Contact=x&Route=%3Csip%3Aevil%3E>"),
	       0, "Replaces name in any case, an '@' escaped, early-only, other headers beside it");
	is_str(S(rt.replaces.callid), "abc@host", "... Call-ID unescaped");
	ok(rt.replaces.early_only, "... early-only");
	is_int((int)rt.other_headers, 2, "... the two other headers are counted (never used)");
	is_str(S(rt.target), "sip:b@x.test", "... and not part of the target");
	is_int(rto("<tel:+15550100>"), 0, "tel: parses (the caller refuses it)");
	ok(rt.uri.scheme == SIP_URI_TEL, "... as tel:");

	/* hostile or malformed */
	is_int(rto("<http://evil.example/x>"), EPROTONOSUPPORT, "http: URI: another scheme, named as such");
	is_int(rto("<mailto:a@b>"), EPROTONOSUPPORT, "mailto: URI: another scheme");
	is_int(rto(""), EBADMSG, "empty value");
	is_int(rto("<>"), EBADMSG, "empty URI");
	is_int(rto("*"), EBADMSG, "'*'");
	is_int(rto("<sip:b@x.test"), EBADMSG, "unclosed <");
	is_int(rto("sip:"), EBADMSG, "no host");
	is_int(rto("<sip:b@x.test?Replaces=a%3Bto-tag%3Dt>"), EBADMSG, "Replaces without from-tag");
	is_int(rto("<sip:b@x.test?Replaces=%3Bto-tag%3Dt%3Bfrom-tag%3Df>"), EBADMSG, "Replaces without Call-ID");
	is_int(rto("<sip:b@x.test?Replaces=a%0D%0AX%3A1%3Bto-tag%3Dt%3Bfrom-tag%3Df>"), EBADMSG,
	       "Replaces smuggling CR LF (a header injection) refused");
	is_int(rto("<sip:b@x.test?Replaces=a%00b%3Bto-tag%3Dt%3Bfrom-tag%3Df>"), EBADMSG, "Replaces with NUL refused");
	is_int(rto("<sip:b@x.test?Replaces=a%3Bto-tag%3Dt%3Bfrom-tag%3Df&Replaces=b%3Bto-tag%3Dt%3Bfrom-tag%3Df>"),
	       EBADMSG, "two Replaces refused");
	is_int(rto("<sip:b@x.test?Replaces=a%3Bto-tag%3Dt%3Bto-tag%3Du%3Bfrom-tag%3Df>"), EBADMSG,
	       "Replaces with a tag given twice refused");
	is_int(rto("<sip:b@x.test?Replaces=a%3Bto-tag%3D%22t%22%3Bfrom-tag%3Df>"), EBADMSG,
	       "Replaces with a quoted tag refused");
	is_int(rto("<sip:b@x.test?Replaces=a%ZZ>"), EBADMSG, "a bad escape refused");
	is_int(rto("<sip:b@x.test?Replaces>"), EBADMSG, "Replaces without a value refused");
	{
		char big[1400];
		size_t n = 0;

		n += (size_t)snprintf(big, sizeof(big), "<sip:b@x.test?Replaces=");
		while (n < 1300)
			big[n++] = 'a';
		snprintf(big + n, sizeof(big) - n, "%%3Bto-tag%%3Dt%%3Bfrom-tag%%3Df>");
		is_int(rto(big), EBADMSG, "an over-long Replaces refused (no overflow)");
	}
}

static void test_replaces(void)
{
	struct sip_replaces r;

	/* RFC 3891 6.1 */
	is_int(sip_replaces_decode(&r, pl_str("98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff")), 0,
	       "Replaces (RFC 3891 6.1)");
	is_str(S(r.callid), "98732@sip.example.com", "... Call-ID");
	is_str(S(r.from_tag), "r33th4x0r", "... from-tag");
	is_str(S(r.to_tag), "ff87ff", "... to-tag");
	is_int(sip_replaces_decode(&r, pl_str(" 12345600@atlanta.example.com ; from-tag = 1234567 ; to-tag=12345678 ;early-only ")),
	       0, "blanks around the parts");
	ok(r.early_only, "... early-only");
	is_int(sip_replaces_decode(&r, pl_str("a;to-tag=1;from-tag=2;x=\"y;z\"")), 0, "an unknown quoted parameter is ignored");
	is_int(sip_replaces_decode(&r, pl_str("a")), EBADMSG, "Call-ID only");
	is_int(sip_replaces_decode(&r, pl_str("a;to-tag=1")), EBADMSG, "from-tag missing");
	is_int(sip_replaces_decode(&r, pl_str("a;from-tag=1")), EBADMSG, "to-tag missing");
	is_int(sip_replaces_decode(&r, pl_str("a;to-tag;from-tag=1")), EBADMSG, "to-tag as a flag");
	is_int(sip_replaces_decode(&r, pl_str("a b;to-tag=1;from-tag=2")), EBADMSG, "a blank in the Call-ID");
	is_int(sip_replaces_decode(&r, pl_str("a;to-tag=1;;from-tag=2")), EBADMSG, "an empty parameter");
	is_int(sip_replaces_decode(&r, pl_str("a;to-tag=1;from-tag=2;")), EBADMSG, "a trailing ';'");
}

static const char *print_rt(const char *target, const char *callid, const char *tt, const char *ft)
{
	static char out[1024];
	struct wbuf w;

	wbuf_init_static(&w, out, sizeof(out) - 1);
	if (sip_refer_to_print(&w, target, callid, tt, ft))
		return "(error)";
	out[w.len] = '\0';
	return out;
}

static void test_print(void)
{
	const char *p;

	is_str(print_rt("sips:carol@sip.test", NULL, NULL, NULL), "<sips:carol@sip.test>", "print: blind");
	p = print_rt("sips:carol@sip.test", "c-1@h", "to;x", "fr=m");
	is_str(p, "<sips:carol@sip.test?Replaces=c-1%40h%3Bto-tag%3Dto%3Bx%3Bfrom-tag%3Dfr%3Dm>",
	       "print: attended, the value escaped");
	/* what we print we read back to the same dialog */
	is_int(rto("<sips:carol@sip.test?Replaces=c-1%40h%3Bto-tag%3D9z%3Bfrom-tag%3D_a.b>"), 0, "print: parses back");
	p = print_rt("sips:carol@sip.test", "c-1@h", "9z", "_a.b");
	is_int(rto(p), 0, "print -> decode: %s", p);
	is_str(S(rt.replaces.callid), "c-1@h", "... Call-ID round-trips");
	is_str(S(rt.replaces.to_tag), "9z", "... to-tag round-trips");
	is_str(S(rt.replaces.from_tag), "_a.b", "... from-tag round-trips");
	is_str(print_rt("sips:c@x?Route=a", NULL, NULL, NULL), "(error)", "print: a target with headers refused");
	is_str(print_rt("sips:c@x>", NULL, NULL, NULL), "(error)", "print: a '>' refused");
	is_str(print_rt("sips:c@x", "id", "", "f"), "(error)", "print: an empty tag refused");
}

static void test_event_substate(void)
{
	struct pl pkg, id, reason;
	enum sip_substate st;
	uint32_t exp;

	is_int(sip_event_decode(pl_str("refer"), &pkg, &id), 0, "Event: refer");
	ok(pl_eq_str(pkg, "refer") && !id.p, "... package refer, no id");
	is_int(sip_event_decode(pl_str(" refer ; id=93809824 "), &pkg, &id), 0, "Event: refer;id=N");
	is_str(S(id), "93809824", "... id");
	is_int(sip_event_decode(pl_str("refer;id"), &pkg, &id), EBADMSG, "Event: id without a value");
	is_int(sip_event_decode(pl_str("refer;id=1;id=2"), &pkg, &id), EBADMSG, "Event: id twice");
	is_int(sip_event_decode(pl_str(";id=1"), &pkg, &id), EBADMSG, "Event: no package");
	is_int(sip_substate_decode(pl_str("active;expires=60"), &st, &reason, &exp), 0, "Subscription-State: active");
	ok(st == SIP_SUBSTATE_ACTIVE && exp == 60 && !reason.p, "... expires 60");
	is_int(sip_substate_decode(pl_str("terminated;reason=noresource"), &st, &reason, &exp), 0, "terminated");
	ok(st == SIP_SUBSTATE_TERMINATED && pl_eq_str(reason, "noresource"), "... reason noresource");
	is_int(sip_substate_decode(pl_str("Pending"), &st, NULL, NULL), 0, "pending, any case");
	ok(st == SIP_SUBSTATE_PENDING, "... pending");
	is_int(sip_substate_decode(pl_str("bogus"), &st, NULL, NULL), EBADMSG, "an unknown state refused");
	is_int(sip_substate_decode(pl_str("active;expires=x"), &st, NULL, NULL), EBADMSG, "expires not a number");
	is_int(sip_substate_decode(pl_str("active;expires=99999999999"), &st, NULL, NULL), EBADMSG, "expires too big");
}

static void test_frag(void)
{
	struct pl reason;
	uint16_t code;

	is_int(sip_frag_decode(pl_str("SIP/2.0 100 Trying\r\n"), &code, &reason), 0, "sipfrag 100 Trying");
	ok(code == 100 && pl_eq_str(reason, "Trying"), "... 100, Trying");
	is_int(sip_frag_decode(pl_str("SIP/2.0 200 OK\r\nContent-Type: application/sdp\r\n\r\n"), &code, &reason), 0,
	       "sipfrag with headers after the status line (RFC 3420)");
	ok(code == 200 && pl_eq_str(reason, "OK"), "... 200 OK");
	is_int(sip_frag_decode(pl_str("SIP/2.0 503 Service Unavailable"), &code, &reason), 0, "no CRLF at the end");
	ok(code == 503 && pl_eq_str(reason, "Service Unavailable"), "... 503");
	is_int(sip_frag_decode(pl_str("SIP/2.0 486"), &code, &reason), 0, "no reason phrase");
	ok(code == 486 && !reason.p, "... absent reason");
	is_int(sip_frag_decode(pl_str("\r\nSIP/2.0 180 Ringing\r\n"), &code, &reason), 0, "a leading blank line");
	is_int(sip_frag_decode(pl_str("INVITE sip:a@b SIP/2.0\r\n"), &code, &reason), EBADMSG, "a request line refused");
	is_int(sip_frag_decode(pl_str("SIP/2.0 099 Low\r\n"), &code, &reason), EBADMSG, "code below 100");
	is_int(sip_frag_decode(pl_str("SIP/2.0 700 High\r\n"), &code, &reason), EBADMSG, "code above 699");
	is_int(sip_frag_decode(pl_str("SIP/2.0 20x OK"), &code, &reason), EBADMSG, "a code not numeric");
	is_int(sip_frag_decode(pl_str("SIP/2.0 2000 OK"), &code, &reason), EBADMSG, "four digits");
	is_int(sip_frag_decode(pl_str("SIP/2.0 20"), &code, &reason), EBADMSG, "cut short");
	is_int(sip_frag_decode(pl_str("SIP/3.0 200 OK"), &code, &reason), EBADMSG, "another version");
	is_int(sip_frag_decode(pl_str(""), &code, &reason), EBADMSG, "empty");
	ok(sip_frag_ctype(pl_str("message/sipfrag;version=2.0")), "Content-Type message/sipfrag;version=2.0");
	ok(sip_frag_ctype(pl_str("Message/SipFrag")), "... any case");
	ok(!sip_frag_ctype(pl_str("message/sipfragment")), "... not a longer name");
	ok(!sip_frag_ctype(pl_str("application/sdp")), "... not SDP");
}

/* Every prefix of valid input (what a peer cut short sends) parses or fails cleanly: ASan/valgrind watch. */
static void test_prefixes(void)
{
	static const char *const in[] = {
		"\"A\" <sips:t@x.test;transport=tls?Replaces=c%40h%3Bto-tag%3Da%3Bfrom-tag%3Db%3Bearly-only>;p=1",
		"SIP/2.0 180 Ringing\r\nVia: x\r\n",
		"terminated;reason=noresource;expires=0",
	};
	unsigned bad = 0;

	for (size_t k = 0; k < sizeof(in) / sizeof(in[0]); k++) {
		size_t n = strlen(in[k]);
		for (size_t l = 0; l <= n; l++) {
			char *p = malloc(l ? l : 1);
			struct pl s = { p, l };
			struct pl a, b;
			uint16_t c;

			memcpy(p, in[k], l);
			if (sip_refer_to_decode(&rt, s) == 0 && rt.has_replaces && !rt.replaces.callid.l)
				bad++;
			sip_frag_decode(s, &c, &a);
			sip_substate_decode(s, NULL, &a, NULL);
			sip_event_decode(s, &a, &b);
			free(p);
		}
	}
	is_int((int)bad, 0, "every prefix of three valid values parses or fails cleanly");
}

int main(void)
{
	test_refer_to();
	test_replaces();
	test_print();
	test_event_substate();
	test_frag();
	test_prefixes();
	return tap_done();
}
