/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sip_refer.c: Refer-To, Replaces, Event, Subscription-State and sipfrag status lines, strictly parsed (hostile input), and the Refer-To sphone sends. */
#include <errno.h>
#include <string.h>

#include "buf.h"
#include "sip_msg.h"
#include "sip_refer.h"

static bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/* A Call-ID (RFC 3261 25.1 word ["@" word]): printable, no blank, no ';' (the parameters' start). */
static bool callid_ok(struct pl s)
{
	if (!s.l)
		return false;
	for (size_t i = 0; i < s.l; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c <= 0x20 || c >= 0x7f || c == ';' || c == ',')
			return false;
	}
	return true;
}

int sip_replaces_decode(struct sip_replaces *r, struct pl value)
{
	struct sip_replaces t;
	struct pl v = pl_trim(value), it, n, pv;
	long semi;
	int e;

	if (!r || !v.p)
		return EINVAL;
	memset(&t, 0, sizeof(t));
	semi = pl_chr(v, ';');
	if (semi < 0)
		return EBADMSG;
	t.callid = pl_trim(pl_sub(v, 0, (size_t)semi));
	if (!callid_ok(t.callid))
		return EBADMSG;
	it = pl_sub(v, (size_t)semi, v.l);
	while ((e = sip_param_next(&it, &n, &pv)) == 0) {
		struct pl *dst = pl_eq_case(n, "to-tag") ? &t.to_tag : pl_eq_case(n, "from-tag") ? &t.from_tag : NULL;

		if (pl_eq_case(n, "early-only")) {
			t.early_only = true;
			continue;
		}
		if (!dst)
			continue;
		/* a tag is a token: a quoted or bracketed value is no tag */
		if (dst->p || !pv.p || !pv.l || pv.p[0] == '"' || pv.p[0] == '[')
			return EBADMSG;
		*dst = pv;
	}
	if (e != ENOENT || !t.to_tag.p || !t.from_tag.p)
		return EBADMSG;
	*r = t;
	return 0;
}

/* The embedded headers of a URI: Replaces unescaped into rt, the others counted. */
static int refer_headers(struct sip_refer_to *rt, struct pl hs)
{
	size_t i = 0;

	while (i < hs.l) {
		size_t st = i, len;
		struct pl one, name, val;
		long eq;
		int e;

		while (i < hs.l && hs.p[i] != '&')
			i++;
		one = pl_sub(hs, st, i - st);
		i++;
		eq = pl_chr(one, '=');
		if (eq <= 0)
			return EBADMSG;
		name = pl_sub(one, 0, (size_t)eq);
		val = pl_sub(one, (size_t)eq + 1, one.l);
		if (!pl_eq_case(name, "Replaces")) {
			rt->other_headers++;
			continue;
		}
		if (rt->has_replaces)
			return EBADMSG;
		e = sip_uri_unescape(rt->replaces_buf, sizeof(rt->replaces_buf), val, &len);
		if (e || len >= sizeof(rt->replaces_buf))
			return EBADMSG;
		/* unescaping may give anything: a CR, LF or NUL must never reach a header we print */
		for (size_t k = 0; k < len; k++)
			if ((unsigned char)rt->replaces_buf[k] < 0x20 || rt->replaces_buf[k] == 0x7f)
				return EBADMSG;
		if (sip_replaces_decode(&rt->replaces, pl_sub(pl_str(rt->replaces_buf), 0, len)))
			return EBADMSG;
		rt->has_replaces = true;
	}
	return 0;
}

int sip_refer_to_decode(struct sip_refer_to *rt, struct pl value)
{
	struct sip_addr a;
	struct sip_uri u;
	long q;

	if (!rt || !value.p)
		return EINVAL;
	memset(rt, 0, sizeof(*rt));
	if (sip_addr_decode(&a, value) || a.star || !a.uri_raw.l)
		return EBADMSG;
	if (!a.uri_known) {
		/* an absolute URI of another scheme (http:, mailto:...) is well formed but not ours to call */
		long colon = pl_chr(a.uri_raw, ':');
		return colon > 0 ? EPROTONOSUPPORT : EBADMSG;
	}
	/* the URI as a whole must be valid (its headers too), then the target is what precedes '?' */
	if (sip_uri_decode(&u, a.uri_raw))
		return EBADMSG;
	q = pl_chr(a.uri_raw, '?');
	rt->target = q < 0 ? a.uri_raw : pl_sub(a.uri_raw, 0, (size_t)q);
	if (sip_uri_decode(&rt->uri, rt->target))
		return EBADMSG;
	if (u.headers.p && refer_headers(rt, u.headers)) {
		rt->has_replaces = false;
		return EBADMSG;
	}
	return 0;
}

/* RFC 3261 25.1: hvalue = *( hnv-unreserved / unreserved / escaped ) */
static bool hvalue_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("-_.!~*'()[]/?:+$", c) != NULL;
}

static void put_escaped(struct wbuf *w, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (hvalue_plain(c))
			wbuf_put(w, s, 1);
		else
			wbuf_printf(w, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
}

int sip_refer_to_print(struct wbuf *w, const char *target, const char *callid, const char *to_tag,
		       const char *from_tag)
{
	if (!w || !target || !*target || strpbrk(target, "?<>\r\n"))
		return EINVAL;
	if (to_tag && (!callid || !*callid || !*to_tag || !from_tag || !*from_tag))
		return EINVAL;
	wbuf_printf(w, "<%s", target);
	if (to_tag) {
		wbuf_str(w, "?Replaces=");
		put_escaped(w, callid);
		put_escaped(w, ";to-tag=");
		put_escaped(w, to_tag);
		put_escaped(w, ";from-tag=");
		put_escaped(w, from_tag);
	}
	wbuf_str(w, ">");
	return w->err;
}

int sip_event_decode(struct pl value, struct pl *package, struct pl *id)
{
	struct pl v = pl_trim(value), pkg, it, n, pv, got = PL_NULL;
	long semi;
	int e;

	if (!v.p)
		return EINVAL;
	semi = pl_chr(v, ';');
	pkg = pl_trim(semi < 0 ? v : pl_sub(v, 0, (size_t)semi));
	if (!pkg.l)
		return EBADMSG;
	for (size_t i = 0; i < pkg.l; i++)
		if ((unsigned char)pkg.p[i] <= 0x20 || (unsigned char)pkg.p[i] >= 0x7f || pkg.p[i] == ',')
			return EBADMSG;
	if (semi >= 0) {
		it = pl_sub(v, (size_t)semi, v.l);
		while ((e = sip_param_next(&it, &n, &pv)) == 0)
			if (pl_eq_case(n, "id")) {
				if (got.p || !pv.p || !pv.l)
					return EBADMSG;
				got = pv;
			}
		if (e != ENOENT)
			return EBADMSG;
	}
	if (package)
		*package = pkg;
	if (id)
		*id = got;
	return 0;
}

int sip_substate_decode(struct pl value, enum sip_substate *state, struct pl *reason, uint32_t *expires)
{
	struct pl v = pl_trim(value), st, it, n, pv, rsn = PL_NULL;
	uint32_t exp = 0;
	enum sip_substate s;
	long semi;
	int e;

	if (!v.p)
		return EINVAL;
	semi = pl_chr(v, ';');
	st = pl_trim(semi < 0 ? v : pl_sub(v, 0, (size_t)semi));
	if (pl_eq_case(st, "active"))
		s = SIP_SUBSTATE_ACTIVE;
	else if (pl_eq_case(st, "pending"))
		s = SIP_SUBSTATE_PENDING;
	else if (pl_eq_case(st, "terminated"))
		s = SIP_SUBSTATE_TERMINATED;
	else
		return EBADMSG;
	if (semi >= 0) {
		it = pl_sub(v, (size_t)semi, v.l);
		while ((e = sip_param_next(&it, &n, &pv)) == 0) {
			if (pl_eq_case(n, "reason") && pv.p)
				rsn = pv;
			else if (pl_eq_case(n, "expires") && (!pv.p || pl_to_u32(pv, &exp)))
				return EBADMSG;
		}
		if (e != ENOENT)
			return EBADMSG;
	}
	if (state)
		*state = s;
	if (reason)
		*reason = rsn;
	if (expires)
		*expires = exp;
	return 0;
}

int sip_frag_decode(struct pl body, uint16_t *code, struct pl *reason)
{
	static const char ver[] = "SIP/2.0 ";
	struct pl rest, rsn = PL_NULL;
	size_t i, end;
	uint16_t c = 0;

	if (!body.p)
		return EINVAL;
	/* the fragment may start with blank lines of a sloppy sender; nothing else */
	while (body.l && (body.p[0] == '\r' || body.p[0] == '\n'))
		body = pl_sub(body, 1, body.l);
	if (body.l < sizeof(ver) - 1 + 3 || memcmp(body.p, ver, sizeof(ver) - 1))
		return EBADMSG;
	rest = pl_sub(body, sizeof(ver) - 1, body.l);
	for (i = 0; i < 3; i++) {
		if (rest.p[i] < '0' || rest.p[i] > '9')
			return EBADMSG;
		c = (uint16_t)(c * 10 + (rest.p[i] - '0'));
	}
	if (c < 100 || c > 699)
		return EBADMSG;
	rest = pl_sub(rest, 3, rest.l);
	for (end = 0; end < rest.l && rest.p[end] != '\r' && rest.p[end] != '\n'; end++)
		;
	rest = pl_sub(rest, 0, end);
	if (rest.l) {
		if (!is_ws(rest.p[0]))
			return EBADMSG;
		rsn = pl_trim(rest);
	}
	if (code)
		*code = c;
	if (reason)
		*reason = rsn;
	return 0;
}

bool sip_frag_ctype(struct pl ctype)
{
	struct pl v = pl_trim(ctype);
	long semi = pl_chr(v, ';');

	if (!v.p)
		return false;
	return pl_eq_case(pl_trim(semi < 0 ? v : pl_sub(v, 0, (size_t)semi)), "message/sipfrag");
}
