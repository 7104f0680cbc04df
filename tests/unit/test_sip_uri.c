/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_sip_uri.c: SIP URI parsing, printing and RFC 3261 19.1.4 comparison. */
#include <errno.h>
#include <string.h>

#include "buf.h"
#include "sip_uri.h"
#include "../tap.h"

static char pbuf[512];

static const char *S(struct pl pl)
{
	static char b[4][256];
	static int k;
	char *o = b[k++ & 3];
	if (!pl.p)
		return "(absent)";
	if (pl_strdup(o, 256, pl))
		return "(too long)";
	return o;
}

static int eq(const char *a, const char *b)
{
	struct sip_uri ua, ub;
	if (sip_uri_decode_str(&ua, a) || sip_uri_decode_str(&ub, b))
		return -1;
	return sip_uri_equal(&ua, &ub) && sip_uri_equal(&ub, &ua);
}

static const char *print(const char *s)
{
	struct sip_uri u;
	struct wbuf w;
	if (sip_uri_decode_str(&u, s))
		return "(decode failed)";
	wbuf_init_static(&w, pbuf, sizeof(pbuf));
	if (sip_uri_print(&w, &u))
		return "(print failed)";
	return pbuf;
}

static void test_parse(void)
{
	struct sip_uri u;
	struct pl v;

	/* RFC 3261 19.1.3 examples */
	ok(sip_uri_decode_str(&u, "sip:alice:secretword@atlanta.com;transport=tcp") == 0, "19.1.3 password");
	is_str(S(u.user), "alice", "user");
	is_str(S(u.password), "secretword", "password");
	is_str(S(u.host), "atlanta.com", "host");
	is_int(u.host_type, SIP_HOST_NAME, "host type name");
	is_int(u.port, 0, "no port");
	ok(sip_uri_param(&u, "TRANSPORT", &v) == 0 && pl_eq_str(v, "tcp"), "transport param (case-insensitive name)");

	ok(sip_uri_decode_str(&u, "sips:alice@atlanta.com?subject=project%20x&priority=urgent") == 0, "sips with headers");
	is_int(u.scheme, SIP_URI_SIPS, "sips scheme");
	ok(sip_uri_header(&u, "priority", &v) == 0 && pl_eq_str(v, "urgent"), "header priority");
	ok(sip_uri_header(&u, "subject", &v) == 0 && pl_eq_str(v, "project%20x"), "header subject kept escaped");
	is_int(sip_uri_default_port(&u), 5061, "sips default port 5061");

	ok(sip_uri_decode_str(&u, "sip:+1-212-555-1212:1234@gateway.com;user=phone") == 0, "telephone user");
	is_str(S(u.user), "+1-212-555-1212", "phone user");
	is_str(S(u.password), "1234", "phone password");
	ok(sip_uri_param(&u, "user", &v) == 0 && pl_eq_str(v, "phone"), "user=phone");

	ok(sip_uri_decode_str(&u, "sip:alice@192.0.2.4") == 0, "IPv4 host");
	is_int(u.host_type, SIP_HOST_IPV4, "host type IPv4");

	ok(sip_uri_decode_str(&u, "sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com") == 0, "no user, method");
	ok(!u.user.p, "no userinfo");
	ok(sip_uri_param(&u, "method", &v) == 0 && pl_eq_str(v, "REGISTER"), "method param");
	ok(sip_uri_header(&u, "to", &v) == 0 && pl_eq_str(v, "alice%40atlanta.com"), "to header");

	ok(sip_uri_decode_str(&u, "sip:alice;day=tuesday@atlanta.com") == 0, "';' inside user");
	is_str(S(u.user), "alice;day=tuesday", "user keeps ';'");
	ok(!u.params.p, "no URI params");

	/* IPv6 */
	ok(sip_uri_decode_str(&u, "sip:bob@[2001:db8::10]:5070;transport=tls;lr") == 0, "IPv6 reference");
	is_int(u.host_type, SIP_HOST_IPV6, "host type IPv6");
	is_str(S(u.host), "2001:db8::10", "IPv6 without brackets");
	is_int(u.port, 5070, "IPv6 port");
	ok(sip_uri_param(&u, "lr", &v) == 0 && v.p && v.l == 0, "flag param lr: present, empty");
	ok(sip_uri_param(&u, "maddr", &v) == ENOENT, "absent param ENOENT");
	is_int(sip_uri_default_port(&u), 5061, "transport=tls default port 5061");
	ok(sip_uri_decode_str(&u, "sip:[::1]") == 0 && u.port == 0, "[::1] no port");
	ok(sip_uri_decode_str(&u, "sip:example.com:5060") == 0 && u.port == 5060, "explicit port");
	is_int(sip_uri_default_port(&u), 5060, "sip default port 5060");

	/* tel */
	ok(sip_uri_decode_str(&u, "tel:+1-201-555-0123;phone-context=example.com") == 0, "tel URI");
	is_int(u.scheme, SIP_URI_TEL, "tel scheme");
	is_str(S(u.user), "+1-201-555-0123", "tel number");
	ok(sip_uri_param(&u, "phone-context", &v) == 0 && pl_eq_str(v, "example.com"), "phone-context");

	/* invalid */
	const char *bad[] = {
		"", "sip:", "sip:@example.com", "sip:alice@", "sip:example.com:0", "sip:example.com:65536",
		"sip:example.com:", "sip:example.com:5x", "sip:[::1", "sip:[zz::1]", "http://example.com",
		"sip:al ice@example.com", "sip:alice@exa mple.com", "sip:a%4@example.com", "sip:a%ZZ@example.com",
		"sip:example.com;=x", "sip:example.com;a=", "sip:example.com?", "sip:example.com?a", "sip:-bad.com",
		"sip:bad-.com", "sip:a..b", "sip:example.com;;lr", "tel:", "sip:a@b@c",
		"sip:a@b.com;lr;LR", "sip:a@1.2.3.999", "sip:a@1.2.3.4.5", "sip:a@b.com;%6Cr;lr", "sip:a@b.com?x=1&X=2", "tel:1;a=1;a=2",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(sip_uri_decode_str(&u, bad[i]) == EBADMSG, "rejects \"%s\"", bad[i]);
	ok(sip_uri_decode(&u, PL_NULL) == EINVAL, "absent input EINVAL");
}

static void test_escapes(void)
{
	struct sip_uri u;
	char out[32];
	size_t n = 0;

	ok(sip_uri_decode_str(&u, "sip:%61lice%00x@example.com") == 0, "escaped user incl. %%00");
	ok(sip_uri_unescape(out, sizeof(out), u.user, &n) == 0, "unescape");
	is_int(n, 7, "7 bytes after unescape");
	ok(memcmp(out, "alice\0x", 7) == 0, "bytes are alice NUL x");
	ok(sip_uri_unescape(out, 3, u.user, &n) == ENOSPC, "unescape ENOSPC");
	ok(sip_uri_unescape(out, sizeof(out), PL("a%4"), &n) == EBADMSG, "truncated escape");
	ok(sip_uri_unescape(out, sizeof(out), PL("a%g0"), &n) == EBADMSG, "non-hex escape");
	/* escapes of unreserved characters equal the characters; of reserved ones they do not */
	is_int(eq("sip:%61lice@example.com", "sip:alice@example.com"), 1, "%%61 == a");
	is_int(eq("sip:a%3bb@example.com", "sip:a%3Bb@example.com"), 1, "hex case of escapes irrelevant");
	is_int(eq("sip:a%3Bb@example.com", "sip:a;b@example.com"), 0, "%%3B != semicolon (reserved)");
}

static void test_equal(void)
{
	/* RFC 3261 19.1.4: equivalent */
	is_int(eq("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"), 1,
	       "19.1.4 escaped user, host case, param case");
	is_int(eq("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"), 1, "19.1.4 newparam");
	is_int(eq("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"), 1, "19.1.4 security=on");
	is_int(eq("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on"), 1,
	       "19.1.4 newparam vs security");
	is_int(eq("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
		  "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"), 1,
	       "19.1.4 parameter order");
	is_int(eq("sip:alice@atlanta.com?subject=project%20x&priority=urgent",
		  "sip:alice@atlanta.com?priority=urgent&subject=project%20x"), 1, "19.1.4 header order");
	/* RFC 3261 19.1.4: not equivalent */
	is_int(eq("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"), 0,
	       "19.1.4 user is case-sensitive");
	is_int(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"), 0, "19.1.4 explicit port");
	is_int(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"), 0, "19.1.4 transport in one");
	is_int(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"), 0, "19.1.4 port+transport");
	is_int(eq("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"), 0,
	       "19.1.4 header in one");
	is_int(eq("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"), 0, "19.1.4 name vs address");
	is_int(eq("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off"), 0,
	       "19.1.4 intransitive: on vs off");
	/* more rules */
	is_int(eq("sip:alice@atlanta.com", "sips:alice@atlanta.com"), 0, "sip vs sips");
	is_int(eq("sip:alice:pw@atlanta.com", "sip:alice:PW@atlanta.com"), 0, "password case-sensitive");
	is_int(eq("sip:alice@atlanta.com", "sip:alice:pw@atlanta.com"), 0, "password in one");
	for (size_t i = 0; i < 5; i++) {
		static const char *const p[] = { "user=phone", "ttl=1", "method=INVITE", "maddr=1.2.3.4",
						 "transport=tcp" };
		char b[80];
		snprintf(b, sizeof(b), "sip:a@b.com;%s", p[i]);
		is_int(eq("sip:a@b.com", b), 0, "%s in one only: not equal", p[i]);
	}
	is_int(eq("sip:a@b.com;maddr=1.2.3.4", "sip:a@b.com;MADDR=1.2.3.4"), 1, "maddr in both");
	is_int(eq("sip:a@b.com?x=1", "sip:a@b.com?x=1&y=2"), 0, "extra header");
	is_int(eq("sip:a@b.com?x=1", "sip:a@b.com?x=2"), 0, "header value differs");
	is_int(eq("sip:a@[2001:db8::1]", "sip:a@[2001:DB8:0:0::1]"), 1, "IPv6 compared as addresses");
	is_int(eq("sip:a@[2001:db8::1]", "sip:a@[2001:db8::2]"), 0, "IPv6 different");
	is_int(eq("tel:+1-201-555-0123", "tel:+12015550123"), 1, "tel visual separators ignored");
	is_int(eq("tel:+12015550123;phone-context=a", "tel:+12015550123"), 0, "tel params all must match");
	is_int(eq("sip:a@b.com;lr", "sip:a@b.com;lr"), 1, "flag param both");
}

static void test_print(void)
{
	is_str(print("SIP:alice@atlanta.com;transport=tcp"), "sip:alice@atlanta.com;transport=tcp",
	       "scheme lower-cased, rest as written");
	is_str(print("sip:alice:pw@[::1]:5061;lr?a=b"), "sip:alice:pw@[::1]:5061;lr?a=b", "IPv6 round trip");
	is_str(print("sips:%61lice@example.com"), "sips:%61lice@example.com", "escapes kept");
	is_str(print("tel:+1-201-555-0123;phone-context=x"), "tel:+1-201-555-0123;phone-context=x", "tel");

	struct sip_uri u;
	struct wbuf w;
	char small[8];
	sip_uri_decode_str(&u, "sip:alice@atlanta.com");
	wbuf_init_static(&w, small, sizeof(small));
	ok(sip_uri_print(&w, &u) == ENOSPC, "print into small buffer: ENOSPC");
	wbuf_init_static(&w, pbuf, sizeof(pbuf));
	sip_uri_decode_str(&u, "sip:a@[2001:db8::1]:7");
	sip_uri_print_hostport(&w, &u);
	wbuf_put(&w, "", 1);
	is_str(pbuf, "[2001:db8::1]:7", "hostport");
}

int main(void)
{
	test_parse();
	test_escapes();
	test_equal();
	test_print();
	return tap_done();
}
