/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sip_hdr.c: header parameters and the structured header values (name-addr, Via, CSeq) of RFC 3261 20, 25. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip_lex.h"
#include "sip_msg.h"

/* ---- parameters ---- */

int sip_param_next(struct pl *it, struct pl *name, struct pl *val)
{
	struct pl s, n, v = PL_NULL;
	size_t i;

	if (!it || !it->p)
		return ENOENT;
	s = skip_ws(*it);
	if (s.l == 0)
		return ENOENT;
	if (s.p[0] == ';')
		s = skip_ws(pl_sub(s, 1, s.l));
	for (i = 0; i < s.l && is_token(s.p[i]); i++)
		;
	n = pl_sub(s, 0, i);
	if (n.l == 0)
		return EBADMSG;
	s = skip_ws(pl_sub(s, i, s.l));
	if (s.l && s.p[0] == '=') {
		s = skip_ws(pl_sub(s, 1, s.l));
		if (s.l && s.p[0] == '"') {
			size_t q = quoted_len(s);
			if (!q)
				return EBADMSG;
			v = pl_sub(s, 0, q);
		} else if (s.l && s.p[0] == '[') {
			long rb = pl_chr(s, ']');
			if (rb < 0)
				return EBADMSG;
			v = pl_sub(s, 0, (size_t)rb + 1);
		} else {
			for (i = 0; i < s.l && (is_token(s.p[i]) || s.p[i] == ':'); i++)
				;
			v = pl_sub(s, 0, i);
			if (v.l == 0)
				return EBADMSG;
		}
		s = skip_ws(pl_sub(s, v.l, s.l));
	}
	if (s.l && s.p[0] != ';')
		return EBADMSG;
	if (name)
		*name = n;
	if (val)
		*val = v;
	*it = s;
	return 0;
}

/* Validates a whole parameter list. */
static int params_check(struct pl params)
{
	struct pl it = params, n, v;
	int err;

	if (!params.p)
		return 0;
	while ((err = sip_param_next(&it, &n, &v)) == 0)
		;
	return err == ENOENT ? 0 : err;
}

int sip_param_get(struct pl params, const char *name, struct pl *val)
{
	struct pl it = params, n, v;
	int err;

	if (!name)
		return EINVAL;
	while ((err = sip_param_next(&it, &n, &v)) == 0) {
		if (pl_eq_case(n, name)) {
			if (val)
				*val = v.p ? v : pl_sub(n, n.l, 0);
			return 0;
		}
	}
	return ENOENT;
}

/* ---- structured header values ---- */

/* absoluteURI: scheme ":" then visible non-space bytes (any scheme we do not decode). */
static bool abs_uri_ok(struct pl s)
{
	long colon = pl_chr(s, ':');

	if (colon <= 0)
		return false;
	if (!((s.p[0] >= 'a' && s.p[0] <= 'z') || (s.p[0] >= 'A' && s.p[0] <= 'Z')))
		return false;
	for (long i = 1; i < colon; i++)
		if (!is_alnum(s.p[i]) && !strchr("+-.", s.p[i]))
			return false;
	if ((size_t)colon + 1 == s.l)
		return false;
	for (size_t i = (size_t)colon + 1; i < s.l; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '"')
			return false;
	}
	return true;
}

static bool known_scheme(struct pl s)
{
	return (s.l >= 4 && (pl_eq_case(pl_sub(s, 0, 4), "sip:") || pl_eq_case(pl_sub(s, 0, 4), "tel:"))) ||
	       (s.l >= 5 && pl_eq_case(pl_sub(s, 0, 5), "sips:"));
}

int sip_any_uri_decode(struct sip_uri *u, bool *known, struct pl s)
{
	if (known_scheme(s)) {
		*known = true;
		return sip_uri_decode(u, s);
	}
	*known = false;
	memset(u, 0, sizeof(*u));
	u->raw = s;
	return abs_uri_ok(s) ? 0 : EBADMSG;
}

size_t sip_addr_dname(const struct sip_addr *a, char *buf, size_t sz)
{
	size_t i, n = 0;

	if (!buf || !sz)
		return 0;
	/* a token display name holds no '\' (not a token character): the same walk leaves it as it is */
	for (i = 0; a && pl_isset(a->dname) && i < a->dname.l && n + 1 < sz; i++) {
		if (a->dname.p[i] == '\\' && i + 1 < a->dname.l)
			i++;
		buf[n++] = a->dname.p[i];
	}
	buf[n] = '\0';
	return n;
}

int sip_addr_decode(struct sip_addr *a, struct pl value)
{
	struct sip_addr t;
	struct pl s, uri, rest;
	int err = EBADMSG;

	if (!a || !value.p)
		return EINVAL;
	memset(&t, 0, sizeof(t));
	s = trim_ws(value);
	t.val = s;
	if (s.l == 0)
		goto out;
	if (s.l == 1 && s.p[0] == '*') {
		t.star = true;
		*a = t;
		return 0;
	}

	/* name-addr if a '<' appears outside a quoted display name */
	size_t i = 0;
	if (s.p[0] == '"') {
		size_t q = quoted_len(s);
		if (!q)
			goto out;
		t.dname = pl_sub(s, 1, q - 2);
		i = q;
		rest = skip_ws(pl_sub(s, i, s.l));
		if (!rest.l || rest.p[0] != '<')
			goto out;
		i = (size_t)(rest.p - s.p);
	} else {
		long lt = pl_chr(s, '<');
		if (lt >= 0) {
			/* display-name = *(token LWS) */
			struct pl dn = trim_ws(pl_sub(s, 0, (size_t)lt));
			for (size_t k = 0; k < dn.l; k++)
				if (!is_token(dn.p[k]) && !is_ws(dn.p[k]))
					goto out;
			if (dn.l)
				t.dname = dn;
			i = (size_t)lt;
		} else {
			i = s.l; /* addr-spec */
		}
	}

	if (i < s.l) {
		struct pl br = pl_sub(s, i + 1, s.l);
		long gt = pl_chr(br, '>');
		if (gt < 0)
			goto out;
		uri = pl_sub(br, 0, (size_t)gt);
		for (size_t k = 0; k < uri.l; k++)
			if (is_ws(uri.p[k]))
				goto out;
		t.angle = true;
		rest = pl_sub(br, (size_t)gt + 1, br.l);
	} else {
		/* addr-spec: the URI ends at LWS or ';' and may not hold ',', '?' (RFC 3261 20) */
		size_t k;
		for (k = 0; k < s.l && !is_ws(s.p[k]) && s.p[k] != ';'; k++)
			if (s.p[k] == ',' || s.p[k] == '?' || s.p[k] == '<' || s.p[k] == '>' || s.p[k] == '"')
				goto out;
		uri = pl_sub(s, 0, k);
		rest = pl_sub(s, k, s.l);
	}
	t.uri_raw = uri;
	if (uri.l == 0 || sip_any_uri_decode(&t.uri, &t.uri_known, uri))
		goto out;

	rest = skip_ws(rest);
	if (rest.l) {
		if (rest.p[0] != ';' || params_check(rest))
			goto out;
		t.params = rest;
		struct pl tag;
		if (sip_param_get(rest, "tag", &tag) == 0) {
			if (tag.l == 0 || !all_token(tag))
				goto out;
			t.tag = tag;
		}
	}
	*a = t;
	err = 0;
out:
	return err;
}

int sip_via_decode(struct sip_via *v, struct pl value)
{
	struct sip_via t;
	struct pl s, name, ver, tp, sb;
	bool v6 = false;
	size_t i;
	int err = EBADMSG;

	if (!v || !value.p)
		return EINVAL;
	memset(&t, 0, sizeof(t));
	s = trim_ws(value);
	t.val = s;
	const char *start = s.p;

	for (i = 0; i < s.l && is_token(s.p[i]); i++)
		;
	name = pl_sub(s, 0, i);
	s = skip_ws(pl_sub(s, i, s.l));
	if (!s.l || s.p[0] != '/')
		goto out;
	s = skip_ws(pl_sub(s, 1, s.l));
	for (i = 0; i < s.l && is_token(s.p[i]); i++)
		;
	ver = pl_sub(s, 0, i);
	s = skip_ws(pl_sub(s, i, s.l));
	if (!s.l || s.p[0] != '/')
		goto out;
	s = skip_ws(pl_sub(s, 1, s.l));
	for (i = 0; i < s.l && is_token(s.p[i]); i++)
		;
	tp = pl_sub(s, 0, i);
	if (!pl_eq_case(name, "SIP") || !pl_eq_str(ver, "2.0") || tp.l == 0)
		goto out;
	t.transport = tp;
	t.sentproto.p = start;
	t.sentproto.l = (size_t)(tp.p + tp.l - start);
	s = pl_sub(s, i, s.l);
	if (!s.l || !is_ws(s.p[0]))
		goto out;
	s = skip_ws(s);

	/* sent-by = host [ COLON port ] */
	if (s.l && s.p[0] == '[') {
		long rb = pl_chr(s, ']');
		if (rb < 0)
			goto out;
		sb = pl_sub(s, 0, (size_t)rb + 1);
		t.host = pl_sub(sb, 1, sb.l - 2);
		s = pl_sub(s, sb.l, s.l);
		v6 = true;
	} else {
		for (i = 0; i < s.l && (is_alnum(s.p[i]) || s.p[i] == '-' || s.p[i] == '.'); i++)
			;
		t.host = pl_sub(s, 0, i);
		s = pl_sub(s, i, s.l);
	}
	if (t.host.l == 0)
		goto out;
	{
		/* validate the host with the URI parser's rules */
		struct sip_uri hu;
		char tmp[300];
		if (t.host.l + 7 > sizeof(tmp))
			goto out;
		int n = snprintf(tmp, sizeof(tmp), "sip:%s%.*s%s", v6 ? "[" : "", (int)t.host.l,
				 t.host.p, v6 ? "]" : "");
		if (n < 0 || (size_t)n >= sizeof(tmp) || sip_uri_decode_str(&hu, tmp))
			goto out;
	}
	s = skip_ws(s);
	if (s.l && s.p[0] == ':') {
		s = skip_ws(pl_sub(s, 1, s.l));
		for (i = 0; i < s.l && is_digit(s.p[i]); i++)
			;
		uint32_t port;
		if (pl_to_u32(pl_sub(s, 0, i), &port) || port == 0 || port > 65535)
			goto out;
		t.port = (uint16_t)port;
		s = skip_ws(pl_sub(s, i, s.l));
	}
	if (s.l) {
		struct pl pv;
		if (s.p[0] != ';' || params_check(s))
			goto out;
		t.params = s;
		if (sip_param_get(s, "branch", &pv) == 0) {
			if (pv.l == 0 || !all_token(pv))
				goto out;
			t.branch = pv;
		}
		if (sip_param_get(s, "received", &pv) == 0) {
			if (pv.l == 0)
				goto out;
			t.received = pv;
		}
		if (sip_param_get(s, "rport", &pv) == 0) {
			t.rport = true;
			if (pv.l) {
				uint32_t rp;
				if (pl_to_u32(pv, &rp) || rp == 0 || rp > 65535)
					goto out;
				t.rport_val = (uint16_t)rp;
			}
		}
	}
	*v = t;
	err = 0;
out:
	return err;
}

int sip_cseq_decode(struct sip_cseq *c, struct pl value)
{
	struct pl s = trim_ws(value);
	size_t i;
	uint32_t n;

	if (!c || !value.p)
		return EINVAL;
	for (i = 0; i < s.l && is_digit(s.p[i]); i++)
		;
	if (i == 0 || i >= s.l || !is_ws(s.p[i]) || pl_to_u32(pl_sub(s, 0, i), &n))
		return EBADMSG;
	struct pl m = skip_ws(pl_sub(s, i, s.l));
	if (!all_token(m))
		return EBADMSG;
	c->num = n;
	c->method = m;
	c->mid = sip_method_id(m);
	return 0;
}
