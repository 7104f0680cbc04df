/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sip_uri.c: SIP/SIPS/tel URI parsing, printing and comparison (RFC 3261 19.1, 25.1; RFC 3966). */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "buf.h"
#include "sip_uri.h"

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hexval(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return c - 'A' + 10;
}

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* mark = "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")" */
static bool is_unreserved(char c)
{
	return is_alnum(c) || (c && strchr("-_.!~*'()", c));
}

/* Checks that every byte of s is allowed by ok() or is a valid %HH escape. */
static bool check_chars(struct pl s, bool (*ok)(char))
{
	for (size_t i = 0; i < s.l; i++) {
		char c = s.p[i];
		if (c == '%') {
			if (i + 2 >= s.l || !is_hex(s.p[i + 1]) || !is_hex(s.p[i + 2]))
				return false;
			i += 2;
			continue;
		}
		if (!ok(c))
			return false;
	}
	return true;
}

static bool user_ok(char c)
{
	return is_unreserved(c) || (c && strchr("&=+$,;?/", c));
}

static bool password_ok(char c)
{
	return is_unreserved(c) || (c && strchr("&=+$,", c));
}

static bool param_ok(char c)
{
	return is_unreserved(c) || (c && strchr("[]/:&+$", c));
}

static bool hnv_ok(char c)
{
	return is_unreserved(c) || (c && strchr("[]/?:+$", c));
}

static bool tel_ok(char c)
{
	/* telephone-subscriber, loosely: digits, hex, visual separators, '+', '*', '#' */
	return is_alnum(c) || (c && strchr("-.()+*#", c));
}

static bool hostname_ok(struct pl h)
{
	size_t lab = 0;

	if (h.l == 0 || h.l > 255)
		return false;
	for (size_t i = 0; i < h.l; i++) {
		char c = h.p[i];
		if (c == '.') {
			if (lab == 0 || h.p[i - 1] == '-')
				return false;
			lab = 0;
			continue;
		}
		if (!is_alnum(c) && c != '-')
			return false;
		if (c == '-' && lab == 0)
			return false;
		lab++;
	}
	if (lab > 0 && h.p[h.l - 1] == '-')
		return false;
	/* toplabel = ALPHA *( alphanum / "-" ): "1.2.3.999" is neither IPv4 nor a name */
	size_t end = h.l, st;
	if (h.p[end - 1] == '.')
		end--;
	for (st = end; st > 0 && h.p[st - 1] != '.'; st--)
		;
	return st < end && !is_digit(h.p[st]);
}

static bool ipv4_ok(struct pl h)
{
	char tmp[16];
	struct in_addr a;

	if (h.l == 0 || h.l >= sizeof(tmp))
		return false;
	for (size_t i = 0; i < h.l; i++)
		if (!is_digit(h.p[i]) && h.p[i] != '.')
			return false;
	memcpy(tmp, h.p, h.l);
	tmp[h.l] = '\0';
	return inet_pton(AF_INET, tmp, &a) == 1;
}

static bool ipv6_ok(struct pl h, struct in6_addr *out)
{
	char tmp[INET6_ADDRSTRLEN + 1];
	struct in6_addr a;

	if (h.l == 0 || h.l >= sizeof(tmp))
		return false;
	memcpy(tmp, h.p, h.l);
	tmp[h.l] = '\0';
	if (inet_pton(AF_INET6, tmp, &a) != 1)
		return false;
	if (out)
		*out = a;
	return true;
}

/* ;name[=value] list (after the host or the tel number); every name non-empty. */
static bool params_ok(struct pl s)
{
	size_t i = 0;

	while (i < s.l) {
		if (s.p[i] != ';')
			return false;
		i++;
		size_t st = i;
		while (i < s.l && s.p[i] != ';')
			i++;
		struct pl one = { s.p + st, i - st };
		long eq = pl_chr(one, '=');
		struct pl name = eq < 0 ? one : pl_sub(one, 0, (size_t)eq);
		if (name.l == 0 || !check_chars(name, param_ok))
			return false;
		if (eq >= 0) {
			struct pl val = pl_sub(one, (size_t)eq + 1, one.l);
			if (val.l == 0 || !check_chars(val, param_ok))
				return false;
		}
	}
	return true;
}

static bool headers_ok(struct pl s)
{
	size_t i = 0;

	if (s.l == 0)
		return false;
	while (i <= s.l) {
		size_t st = i;
		while (i < s.l && s.p[i] != '&')
			i++;
		struct pl one = { s.p + st, i - st };
		long eq = pl_chr(one, '=');
		if (eq <= 0)
			return false;
		if (!check_chars(pl_sub(one, 0, (size_t)eq), hnv_ok) ||
		    !check_chars(pl_sub(one, (size_t)eq + 1, one.l), hnv_ok))
			return false;
		if (i == s.l)
			break;
		i++;
		if (i == s.l)
			return false;
	}
	return true;
}

static bool comp_eq(struct pl a, struct pl b, bool icase);

/*
 * A parameter (or header) name may appear once: comparison (19.1.4) is
 * defined per name. Names are compared in normal form ("%6Cr" is "lr").
 * The count is bounded to keep this quadratic check cheap.
 */
#define URI_MAX_ITEMS 64

static bool dups_or_too_many(struct pl list, char sep)
{
	struct pl names[URI_MAX_ITEMS];
	size_t n = 0, i = 0;

	while (i < list.l) {
		if (list.p[i] == sep) {
			i++;
			continue;
		}
		size_t st = i;
		while (i < list.l && list.p[i] != sep)
			i++;
		struct pl one = { list.p + st, i - st };
		long eq = pl_chr(one, '=');
		struct pl nm = eq < 0 ? one : pl_sub(one, 0, (size_t)eq);
		if (n == URI_MAX_ITEMS)
			return true;
		for (size_t k = 0; k < n; k++)
			if (comp_eq(names[k], nm, true))
				return true;
		names[n++] = nm;
	}
	return false;
}

static int decode_tel(struct sip_uri *u, struct pl rest)
{
	long semi = pl_chr(rest, ';');
	struct pl num = semi < 0 ? rest : pl_sub(rest, 0, (size_t)semi);

	if (num.l == 0 || !check_chars(num, tel_ok))
		return EBADMSG;
	u->user = num;
	if (semi >= 0) {
		u->params = pl_sub(rest, (size_t)semi, rest.l);
		if (!params_ok(u->params) || dups_or_too_many(u->params, ';'))
			return EBADMSG;
	}
	return 0;
}

int sip_uri_decode(struct sip_uri *u, struct pl in)
{
	struct sip_uri t;
	struct pl rest, hp;
	size_t i;
	int err = 0;

	if (!u || !in.p)
		return EINVAL;
	memset(&t, 0, sizeof(t));
	t.raw = in;

	if (in.l >= 4 && pl_eq_case(pl_sub(in, 0, 4), "sip:")) {
		t.scheme = SIP_URI_SIP;
		rest = pl_sub(in, 4, in.l);
	} else if (in.l >= 5 && pl_eq_case(pl_sub(in, 0, 5), "sips:")) {
		t.scheme = SIP_URI_SIPS;
		rest = pl_sub(in, 5, in.l);
	} else if (in.l >= 4 && pl_eq_case(pl_sub(in, 0, 4), "tel:")) {
		t.scheme = SIP_URI_TEL;
		err = decode_tel(&t, pl_sub(in, 4, in.l));
		if (err)
			goto out;
		*u = t;
		return 0;
	} else {
		err = EBADMSG;
		goto out;
	}

	/* userinfo: everything before the first '@' (user may hold ';', '?', '/') */
	long at = pl_chr(rest, '@');
	if (at >= 0) {
		struct pl ui = pl_sub(rest, 0, (size_t)at);
		long colon = pl_chr(ui, ':');
		t.user = colon < 0 ? ui : pl_sub(ui, 0, (size_t)colon);
		if (colon >= 0)
			t.password = pl_sub(ui, (size_t)colon + 1, ui.l);
		if (t.user.l == 0 || !check_chars(t.user, user_ok) ||
		    (t.password.p && !check_chars(t.password, password_ok))) {
			err = EBADMSG;
			goto out;
		}
		rest = pl_sub(rest, (size_t)at + 1, rest.l);
	}

	/* hostport ends at ';' or '?' */
	for (i = 0; i < rest.l && rest.p[i] != ';' && rest.p[i] != '?'; i++)
		if (rest.p[i] == '[') {
			while (i < rest.l && rest.p[i] != ']')
				i++;
			if (i == rest.l) {
				err = EBADMSG;
				goto out;
			}
		}
	hp = pl_sub(rest, 0, i);
	rest = pl_sub(rest, i, rest.l);

	if (hp.l && hp.p[0] == '[') {
		long rb = pl_chr(hp, ']');
		t.host = pl_sub(hp, 1, (size_t)rb - 1);
		t.host_type = SIP_HOST_IPV6;
		if (!ipv6_ok(t.host, NULL)) {
			err = EBADMSG;
			goto out;
		}
		hp = pl_sub(hp, (size_t)rb + 1, hp.l);
	} else {
		long colon = pl_chr(hp, ':');
		t.host = colon < 0 ? hp : pl_sub(hp, 0, (size_t)colon);
		hp = colon < 0 ? pl_sub(hp, hp.l, 0) : pl_sub(hp, (size_t)colon, hp.l);
		if (ipv4_ok(t.host))
			t.host_type = SIP_HOST_IPV4;
		else if (hostname_ok(t.host))
			t.host_type = SIP_HOST_NAME;
		else {
			err = EBADMSG;
			goto out;
		}
	}
	if (hp.l) {
		uint32_t port;
		if (hp.p[0] != ':' || pl_to_u32(pl_sub(hp, 1, hp.l), &port) || port == 0 ||
		    port > 65535) {
			err = EBADMSG;
			goto out;
		}
		t.port = (uint16_t)port;
	}

	if (rest.l && rest.p[0] == ';') {
		long q = pl_chr(rest, '?');
		t.params = q < 0 ? rest : pl_sub(rest, 0, (size_t)q);
		rest = q < 0 ? pl_sub(rest, rest.l, 0) : pl_sub(rest, (size_t)q, rest.l);
		if (!params_ok(t.params) || dups_or_too_many(t.params, ';')) {
			err = EBADMSG;
			goto out;
		}
	}
	if (rest.l) {
		if (rest.p[0] != '?') {
			err = EBADMSG;
			goto out;
		}
		t.headers = pl_sub(rest, 1, rest.l);
		if (!headers_ok(t.headers) || dups_or_too_many(t.headers, '&')) {
			err = EBADMSG;
			goto out;
		}
	}
	*u = t;
out:
	return err;
}

int sip_uri_decode_str(struct sip_uri *u, const char *s)
{
	if (!s)
		return EINVAL;
	return sip_uri_decode(u, pl_str(s));
}

/*
 * The next item of a sep-separated list of name[=value] items (URI parameters, URI headers), empty
 * items skipped: its name and value (an empty slice for a bare name); *rest moves past it. False at
 * the end.
 */
static bool list_next(struct pl *rest, char sep, struct pl *name, struct pl *val)
{
	size_t i = 0, st;
	struct pl one;
	long eq;

	while (i < rest->l && rest->p[i] == sep)
		i++;
	if (i >= rest->l)
		return false;
	st = i;
	while (i < rest->l && rest->p[i] != sep)
		i++;
	one = (struct pl){ rest->p + st, i - st };
	rest->p += i;
	rest->l -= i;
	eq = pl_chr(one, '=');
	*name = eq < 0 ? one : pl_sub(one, 0, (size_t)eq);
	*val = eq < 0 ? pl_sub(one, one.l, 0) : pl_sub(one, (size_t)eq + 1, one.l);
	return true;
}

/* Finds name (case-insensitive, as written) in a sep-separated list of name[=value] items. */
static int list_get(struct pl list, char sep, const char *name, struct pl *val)
{
	struct pl n, v;

	while (list_next(&list, sep, &n, &v))
		if (pl_eq_case(n, name)) {
			if (val)
				*val = v;
			return 0;
		}
	return ENOENT;
}

int sip_uri_param(const struct sip_uri *u, const char *name, struct pl *val)
{
	if (!u || !name || !u->params.p)
		return u && name ? ENOENT : EINVAL;
	return list_get(u->params, ';', name, val);
}

int sip_uri_header(const struct sip_uri *u, const char *name, struct pl *val)
{
	if (!u || !name || !u->headers.p)
		return u && name ? ENOENT : EINVAL;
	return list_get(u->headers, '&', name, val);
}

int sip_uri_print_hostport(struct wbuf *w, const struct sip_uri *u)
{
	if (!w || !u)
		return EINVAL;
	if (u->host_type == SIP_HOST_IPV6)
		wbuf_put(w, "[", 1);
	wbuf_put(w, u->host.p, u->host.l);
	if (u->host_type == SIP_HOST_IPV6)
		wbuf_put(w, "]", 1);
	if (u->port)
		wbuf_printf(w, ":%u", (unsigned)u->port);
	return w->err;
}

int sip_uri_print(struct wbuf *w, const struct sip_uri *u)
{
	static const char *const scheme[] = { "sip:", "sips:", "tel:" };

	if (!w || !u || (unsigned)u->scheme > SIP_URI_TEL)
		return EINVAL;
	wbuf_str(w, scheme[u->scheme]);
	if (u->scheme == SIP_URI_TEL) {
		wbuf_put(w, u->user.p, u->user.l);
	} else {
		if (u->user.p) {
			wbuf_put(w, u->user.p, u->user.l);
			if (u->password.p) {
				wbuf_put(w, ":", 1);
				wbuf_put(w, u->password.p, u->password.l);
			}
			wbuf_put(w, "@", 1);
		}
		sip_uri_print_hostport(w, u);
	}
	if (u->params.p)
		wbuf_put(w, u->params.p, u->params.l);
	if (u->headers.p) {
		wbuf_put(w, "?", 1);
		wbuf_put(w, u->headers.p, u->headers.l);
	}
	return w->err;
}

int sip_uri_unescape(char *out, size_t outsz, struct pl in, size_t *outlen)
{
	size_t n = 0;

	if (!out)
		return EINVAL;
	for (size_t i = 0; i < in.l; i++) {
		char c = in.p[i];
		if (c == '%') {
			if (i + 2 >= in.l || !is_hex(in.p[i + 1]) || !is_hex(in.p[i + 2]))
				return EBADMSG;
			c = (char)(hexval(in.p[i + 1]) * 16 + hexval(in.p[i + 2]));
			i += 2;
		}
		if (n >= outsz)
			return ENOSPC;
		out[n++] = c;
	}
	if (n < outsz)
		out[n] = '\0';
	if (outlen)
		*outlen = n;
	return 0;
}

uint16_t sip_uri_default_port(const struct sip_uri *u)
{
	struct pl tp;

	if (!u)
		return 5060;
	if (u->scheme == SIP_URI_SIPS)
		return 5061;
	if (sip_uri_param(u, "transport", &tp) == 0 && pl_eq_case(tp, "tls"))
		return 5061;
	return 5060;
}

/*
 * Comparison. Components are compared in a normal form: an escape of an
 * unreserved character equals the character itself, while an escape of a
 * reserved character stays an escape (RFC 3261 19.1.4: "characters other
 * than those in the reserved set are equivalent to their %HH encoding").
 */
static bool is_reserved(int c)
{
	return c && strchr(";/?:@&=+$,", c);
}

struct cmp_it {
	struct pl s;
	size_t i;
	char esc[3];
	int pend; /* bytes of an escape still to yield */
};

/* Next normalised byte, or -1 at end. Escapes of reserved chars yield "%HH" uppercase. */
static int cmp_next(struct cmp_it *it)
{
	if (it->pend) {
		int c = it->esc[3 - it->pend];
		it->pend--;
		return c;
	}
	if (it->i >= it->s.l)
		return -1;
	char c = it->s.p[it->i++];
	if (c == '%' && it->i + 1 < it->s.l && is_hex(it->s.p[it->i]) && is_hex(it->s.p[it->i + 1])) {
		int v = hexval(it->s.p[it->i]) * 16 + hexval(it->s.p[it->i + 1]);
		it->i += 2;
		if (!is_reserved(v))
			return v & 0xff;
		static const char hx[] = "0123456789ABCDEF";
		it->esc[0] = '%';
		it->esc[1] = hx[v >> 4];
		it->esc[2] = hx[v & 15];
		it->pend = 2;
		return '%';
	}
	return (unsigned char)c;
}

static bool comp_eq(struct pl a, struct pl b, bool icase)
{
	struct cmp_it x = { a, 0, { 0 }, 0 }, y = { b, 0, { 0 }, 0 };

	if (!a.p || !b.p)
		return !a.p && !b.p;
	for (;;) {
		int c1 = cmp_next(&x), c2 = cmp_next(&y);
		if (icase) {
			c1 = c1 < 0 ? c1 : lower(c1);
			c2 = c2 < 0 ? c2 : lower(c2);
		}
		if (c1 != c2)
			return false;
		if (c1 < 0)
			return true;
	}
}

static bool host_eq(const struct sip_uri *a, const struct sip_uri *b)
{
	if (a->host_type == SIP_HOST_IPV6 && b->host_type == SIP_HOST_IPV6) {
		struct in6_addr x, y;
		return ipv6_ok(a->host, &x) && ipv6_ok(b->host, &y) && memcmp(&x, &y, sizeof(x)) == 0;
	}
	return pl_eq_ci(a->host, b->host);
}

/* Every item of list a must appear in list b with an equal value (and vice versa if both). */
static bool list_item_eq(struct pl name, struct pl va, struct pl vb)
{
	(void)name;
	if (!va.p || !vb.p)
		return false;
	return comp_eq(va, vb, true);
}

static bool each_param(struct pl params, char sep, bool (*fn)(struct pl, struct pl, void *),
		       void *arg)
{
	struct pl n, v;

	while (list_next(&params, sep, &n, &v))
		if (!fn(n, v, arg))
			return false;
	return true;
}

/* Looks a parameter up by name comparing names in normal form (escapes allowed). */
static int find_norm(struct pl list, char sep, struct pl name, struct pl *val)
{
	struct pl n, v;

	while (list_next(&list, sep, &n, &v))
		if (comp_eq(n, name, true)) {
			*val = v;
			return 0;
		}
	return ENOENT;
}

struct pcmp {
	struct pl other;
	char sep;
	bool all_must; /* headers, tel params: every item must be present in the other */
};

static bool special_param(struct pl n)
{
	static const char *const sp[] = { "user", "ttl", "method", "maddr", "transport" };
	for (size_t i = 0; i < sizeof(sp) / sizeof(sp[0]); i++)
		if (comp_eq(n, pl_str(sp[i]), true))
			return true;
	return false;
}

static bool pcmp_one(struct pl n, struct pl v, void *arg)
{
	struct pcmp *c = arg;
	struct pl ov;

	if (find_norm(c->other, c->sep, n, &ov) != 0)
		return !(c->all_must || special_param(n));
	return list_item_eq(n, v, ov) || (v.l == 0 && ov.l == 0);
}

static bool params_eq(struct pl a, struct pl b, char sep, bool all_must)
{
	struct pcmp ca = { b, sep, all_must }, cb = { a, sep, all_must };
	struct pl empty = { "", 0 };

	if (!a.p)
		a = empty;
	if (!b.p)
		b = empty;
	ca.other = b;
	cb.other = a;
	return each_param(a, sep, pcmp_one, &ca) && each_param(b, sep, pcmp_one, &cb);
}

static bool tel_num_eq(struct pl a, struct pl b)
{
	size_t i = 0, j = 0;

	for (;;) {
		while (i < a.l && strchr("-.()", a.p[i]))
			i++;
		while (j < b.l && strchr("-.()", b.p[j]))
			j++;
		if (i == a.l || j == b.l)
			return i == a.l && j == b.l;
		if (lower((unsigned char)a.p[i]) != lower((unsigned char)b.p[j]))
			return false;
		i++;
		j++;
	}
}

bool sip_uri_equal(const struct sip_uri *a, const struct sip_uri *b)
{
	if (!a || !b || a->scheme != b->scheme)
		return false;
	if (a->scheme == SIP_URI_TEL)
		return tel_num_eq(a->user, b->user) && params_eq(a->params, b->params, ';', true);
	if (!comp_eq(a->user, b->user, false) || !comp_eq(a->password, b->password, false))
		return false;
	if (!host_eq(a, b) || a->port != b->port)
		return false;
	if (!params_eq(a->params, b->params, ';', false))
		return false;
	return params_eq(a->headers, b->headers, '&', true);
}
