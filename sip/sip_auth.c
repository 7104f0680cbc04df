/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sip_auth.c: Digest challenge parsing, response computation and per-account auth state. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "crypto.h"
#include "sip_auth.h"
#include "sip_msg.h"

/* ---- challenge parser ------------------------------------------------------------- */

struct cur {
	const char *p;
	size_t n;
	size_t i;
};

static bool cur_end(const struct cur *c)
{
	return c->i >= c->n;
}

static int cur_peek(const struct cur *c)
{
	return c->i < c->n ? (unsigned char)c->p[c->i] : -1;
}

static bool is_tchar(int c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c > 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A line fold (CRLF followed by SP or HTAB) counts as whitespace. */
static bool fold_at(const struct cur *c)
{
	return c->i + 2 < c->n && c->p[c->i] == '\r' && c->p[c->i + 1] == '\n' &&
	       (c->p[c->i + 2] == ' ' || c->p[c->i + 2] == '\t');
}

static void skip_ows(struct cur *c)
{
	for (;;) {
		int ch = cur_peek(c);

		if (ch == ' ' || ch == '\t')
			c->i++;
		else if (fold_at(c))
			c->i += 3;
		else
			return;
	}
}

static size_t read_token(struct cur *c)
{
	size_t start = c->i;

	while (is_tchar(cur_peek(c)))
		c->i++;
	return c->i - start;
}

/*
 * Reads a quoted-string at the cursor (which is on the opening quote) into dst
 * (unescaped, NUL-terminated; size > SIP_AUTH_VALUE_MAX). EBADMSG if unterminated,
 * with a control character, or too long.
 */
static int read_quoted(struct cur *c, char *dst, size_t *lenp)
{
	size_t len = 0;

	c->i++; /* opening quote */
	for (;;) {
		int ch;

		if (cur_end(c))
			return EBADMSG;
		if (fold_at(c)) {
			c->i += 2;
			continue;
		}
		ch = (unsigned char)c->p[c->i++];
		if (ch == '"')
			break;
		if (ch == '\\') {
			if (cur_end(c))
				return EBADMSG;
			ch = (unsigned char)c->p[c->i++];
		}
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return EBADMSG;
		if (len >= SIP_AUTH_VALUE_MAX)
			return EBADMSG;
		dst[len++] = (char)ch;
	}
	dst[len] = '\0';
	*lenp = len;
	return 0;
}

/* Skips a parameter value of a scheme we do not answer: token68, token or quoted-string. */
static int skip_other_value(struct cur *c)
{
	char scratch[SIP_AUTH_VALUE_MAX + 1];
	size_t len;

	if (cur_peek(c) == '"')
		return read_quoted(c, scratch, &len);
	while (!cur_end(c)) {
		int ch = cur_peek(c);

		if (ch == ',' || ch == ' ' || ch == '\t' || ch == '"')
			break;
		if (ch < 0x21 || ch > 0x7e)
			return EBADMSG;
		c->i++;
	}
	return 0;
}

/*
 * Length of a token68 (RFC 7235 2.1) at the cursor when it stands alone as the
 * credentials of a scheme, i.e. is followed by a comma or the end; else 0.
 */
static size_t token68_len(const struct cur *c)
{
	struct cur t = *c;
	size_t start = t.i;

	while (!cur_end(&t)) {
		int ch = cur_peek(&t);

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '.' || ch == '_' || ch == '~' || ch == '+' || ch == '/')
			t.i++;
		else
			break;
	}
	if (t.i == start)
		return 0;
	while (cur_peek(&t) == '=')
		t.i++;
	skip_ows(&t);
	if (!cur_end(&t) && cur_peek(&t) != ',')
		return 0;
	return t.i - start;
}

enum {
	SEEN_REALM = 1 << 0,
	SEEN_NONCE = 1 << 1,
	SEEN_OPAQUE = 1 << 2,
	SEEN_ALG = 1 << 3,
	SEEN_QOP = 1 << 4,
	SEEN_STALE = 1 << 5,
	SEEN_USERHASH = 1 << 6,
	SEEN_CHARSET = 1 << 7,
};

struct chal_acc {
	struct sip_auth_chal ch;
	unsigned seen;
	bool digest;      /* the open challenge is Digest */
	bool unsupported; /* ... but one we cannot answer */
	bool alg_unknown; /* ... not even its algorithm */
};

static bool eq_ci(const char *a, size_t alen, const char *b)
{
	return alen == strlen(b) && strncasecmp(a, b, alen) == 0;
}

static int set_once(struct chal_acc *acc, unsigned bit)
{
	if (acc->seen & bit)
		return EBADMSG; /* a repeated parameter makes the challenge ambiguous */
	acc->seen |= bit;
	return 0;
}

static void parse_alg(struct chal_acc *acc, const char *v, size_t len)
{
	static const struct {
		const char *name;
		enum crypto_hash alg;
		bool sess;
	} algs[] = {
		{"MD5", CRYPTO_MD5, false},
		{"MD5-sess", CRYPTO_MD5, true},
		{"SHA-256", CRYPTO_SHA256, false},
		{"SHA-256-sess", CRYPTO_SHA256, true},
		{"SHA-512-256", CRYPTO_SHA512_256, false},
		{"SHA-512-256-sess", CRYPTO_SHA512_256, true},
	};
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		if (eq_ci(v, len, algs[i].name)) {
			acc->ch.alg = algs[i].alg;
			acc->ch.sess = algs[i].sess;
			return;
		}
	}
	acc->unsupported = true;
	acc->alg_unknown = true;
}

static void parse_qop(struct chal_acc *acc, const char *v, size_t len)
{
	size_t i = 0;

	acc->ch.qop = 0;
	while (i < len) {
		size_t s, e;

		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < len && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
			i++;
		e = i;
		if (eq_ci(v + s, e - s, "auth"))
			acc->ch.qop |= SIP_AUTH_QOP_AUTH;
		else if (eq_ci(v + s, e - s, "auth-int"))
			acc->ch.qop |= SIP_AUTH_QOP_AUTH_INT;
	}
	if (!acc->ch.qop)
		acc->unsupported = true;
}

static int apply_param(struct chal_acc *acc, const char *name, size_t nlen, const char *v,
		       size_t vlen)
{
	struct sip_auth_chal *ch = &acc->ch;
	int err;

	if (eq_ci(name, nlen, "realm")) {
		if ((err = set_once(acc, SEEN_REALM)) != 0)
			return err;
		memcpy(ch->realm, v, vlen + 1);
	} else if (eq_ci(name, nlen, "nonce")) {
		if ((err = set_once(acc, SEEN_NONCE)) != 0)
			return err;
		if (vlen == 0)
			return EBADMSG;
		memcpy(ch->nonce, v, vlen + 1);
	} else if (eq_ci(name, nlen, "opaque")) {
		if ((err = set_once(acc, SEEN_OPAQUE)) != 0)
			return err;
		memcpy(ch->opaque, v, vlen + 1);
		ch->has_opaque = true;
	} else if (eq_ci(name, nlen, "algorithm")) {
		if ((err = set_once(acc, SEEN_ALG)) != 0)
			return err;
		parse_alg(acc, v, vlen);
	} else if (eq_ci(name, nlen, "qop")) {
		if ((err = set_once(acc, SEEN_QOP)) != 0)
			return err;
		parse_qop(acc, v, vlen);
	} else if (eq_ci(name, nlen, "stale")) {
		if ((err = set_once(acc, SEEN_STALE)) != 0)
			return err;
		ch->stale = eq_ci(v, vlen, "true");
	} else if (eq_ci(name, nlen, "userhash")) {
		if ((err = set_once(acc, SEEN_USERHASH)) != 0)
			return err;
		ch->userhash = eq_ci(v, vlen, "true");
	} else if (eq_ci(name, nlen, "charset")) {
		if ((err = set_once(acc, SEEN_CHARSET)) != 0)
			return err;
		ch->charset_utf8 = eq_ci(v, vlen, "UTF-8");
	}
	/* domain and extension parameters are not needed to answer */
	return 0;
}

static void acc_open(struct chal_acc *acc, bool digest)
{
	memset(acc, 0, sizeof(*acc));
	acc->digest = digest;
	acc->ch.alg = CRYPTO_MD5; /* RFC 7616 3.3: absent algorithm means MD5 */
}

/*
 * Closes the open challenge: hands a Digest one we can answer to h. all: also one we cannot
 * answer but whose algorithm we know, marked unusable (an offer of SHA-256 that rules out MD5).
 */
static int acc_close(struct chal_acc *acc, sip_auth_chal_h *h, void *arg, bool all)
{
	if (!acc->digest)
		return 0;
	if (!(acc->seen & SEEN_REALM) || !(acc->seen & SEEN_NONCE))
		return EBADMSG;
	/* -sess needs a cnonce, which only exists with qop */
	if (acc->unsupported || (acc->ch.sess && !acc->ch.qop)) {
		if (!all || acc->alg_unknown)
			return 0;
		acc->ch.unusable = true;
	}
	return h ? h(&acc->ch, arg) : 0;
}

static int chal_parse(struct pl value, sip_auth_chal_h *h, void *arg, bool all)
{
	struct chal_acc *acc;
	struct cur c;
	char *val = NULL;
	bool open = false;
	int err;

	if (!value.p)
		return EINVAL;
	c.p = value.p;
	c.n = value.l;
	c.i = 0;

	acc = malloc(sizeof(*acc));
	val = malloc(SIP_AUTH_VALUE_MAX + 1);
	if (!acc || !val) {
		err = ENOMEM;
		goto out;
	}

	for (;;) {
		const char *name;
		size_t nlen, vlen;

		/* empty list elements are allowed: ", ," */
		for (;;) {
			skip_ows(&c);
			if (cur_peek(&c) != ',')
				break;
			c.i++;
		}
		if (cur_end(&c))
			break;

		name = c.p + c.i;
		nlen = read_token(&c);
		if (nlen == 0) {
			err = EBADMSG;
			goto out;
		}
		skip_ows(&c);

		if (cur_peek(&c) != '=') {
			/* a token not followed by '=' starts a new challenge */
			if (open && (err = acc_close(acc, h, arg, all)) != 0)
				goto out;
			acc_open(acc, eq_ci(name, nlen, "Digest"));
			open = true;
			if (!acc->digest)
				c.i += token68_len(&c);
			continue;
		}

		/* auth-param */
		if (!open) {
			err = EBADMSG;
			goto out;
		}
		c.i++; /* '=' */
		if (!acc->digest) {
			/* token68 padding of another scheme, then its value */
			while (cur_peek(&c) == '=')
				c.i++;
			skip_ows(&c);
			if ((err = skip_other_value(&c)) != 0)
				goto out;
		} else {
			skip_ows(&c);
			if (cur_peek(&c) == '"') {
				if ((err = read_quoted(&c, val, &vlen)) != 0)
					goto out;
			} else {
				const char *v = c.p + c.i;

				vlen = read_token(&c);
				if (vlen == 0 || vlen > SIP_AUTH_VALUE_MAX) {
					err = EBADMSG;
					goto out;
				}
				memcpy(val, v, vlen);
				val[vlen] = '\0';
			}
			if ((err = apply_param(acc, name, nlen, val, vlen)) != 0)
				goto out;
		}
		skip_ows(&c);
		if (!cur_end(&c) && cur_peek(&c) != ',') {
			err = EBADMSG;
			goto out;
		}
	}
	err = open ? acc_close(acc, h, arg, all) : 0;
out:
	if (acc)
		crypto_wipe(acc, sizeof(*acc));
	free(acc);
	free(val);
	return err;
}

int sip_auth_chal_parse(struct pl value, sip_auth_chal_h *h, void *arg)
{
	return chal_parse(value, h, arg, false);
}

/* ---- response computation --------------------------------------------------------- */

/* hex = H(parts joined with ':') */
static int hash_join(char *hex, enum crypto_hash alg, const struct pl *parts, size_t n)
{
	struct crypto_hash_ctx *ctx = NULL;
	uint8_t md[CRYPTO_HASH_MAX];
	size_t i;
	int err;

	err = crypto_hash_alloc(&ctx, alg);
	if (err)
		return err;
	for (i = 0; i < n && !err; i++) {
		if (i > 0)
			err = crypto_hash_update(ctx, ":", 1);
		if (!err)
			err = crypto_hash_update(ctx, parts[i].p, parts[i].l);
	}
	if (!err)
		err = crypto_hash_final(ctx, md);
	if (!err)
		crypto_hex(hex, md, crypto_hash_len(alg));
	crypto_wipe(md, sizeof(md));
	crypto_hash_free(ctx);
	return err;
}

static struct pl pls(const char *s)
{
	struct pl pl = {s, s ? strlen(s) : 0};
	return pl;
}

static unsigned qop_chosen(const struct sip_auth_chal *ch)
{
	if (ch->qop & SIP_AUTH_QOP_AUTH)
		return SIP_AUTH_QOP_AUTH;
	if (ch->qop & SIP_AUTH_QOP_AUTH_INT)
		return SIP_AUTH_QOP_AUTH_INT;
	return 0;
}

static bool has_ctl(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			return true;
	}
	return false;
}

int sip_auth_response(char *hex, const struct sip_auth_chal *ch, const char *user,
		      const char *password, const struct sip_auth_req *req)
{
	char ha1[SIP_AUTH_HEX_SIZE], ha2[SIP_AUTH_HEX_SIZE], hbody[SIP_AUTH_HEX_SIZE];
	char nc[9];
	unsigned qop;
	int err;

	if (!hex || !ch || !user || !password || !req || !req->method || !req->uri)
		return EINVAL;
	qop = qop_chosen(ch);
	if ((qop || ch->sess) && !req->cnonce)
		return EINVAL;
	if (ch->sess && !qop)
		return EINVAL;

	/* HA1 = H(user:realm:password), -sess: H(HA1:nonce:cnonce) */
	{
		struct pl a1[3] = {pls(user), pls(ch->realm), pls(password)};

		err = hash_join(ha1, ch->alg, a1, 3);
		if (err)
			goto out;
	}
	if (ch->sess) {
		struct pl s[3] = {pls(ha1), pls(ch->nonce), pls(req->cnonce)};

		err = hash_join(ha1, ch->alg, s, 3);
		if (err)
			goto out;
	}

	/* HA2 = H(method:uri), auth-int: H(method:uri:H(body)) */
	if (qop == SIP_AUTH_QOP_AUTH_INT) {
		struct pl b = {req->body_len ? req->body : "", req->body_len};
		struct pl a2[3] = {pls(req->method), pls(req->uri),
				   {hbody, 2 * crypto_hash_len(ch->alg)}};

		if (!req->body && req->body_len) {
			err = EINVAL;
			goto out;
		}
		err = hash_join(hbody, ch->alg, &b, 1);
		if (!err)
			err = hash_join(ha2, ch->alg, a2, 3);
	} else {
		struct pl a2[2] = {pls(req->method), pls(req->uri)};

		err = hash_join(ha2, ch->alg, a2, 2);
	}
	if (err)
		goto out;

	if (qop) {
		struct pl r[6] = {pls(ha1), pls(ch->nonce), {nc, 8}, pls(req->cnonce),
				  pls(qop == SIP_AUTH_QOP_AUTH ? "auth" : "auth-int"), pls(ha2)};

		snprintf(nc, sizeof(nc), "%08x", (unsigned)req->nc);
		err = hash_join(hex, ch->alg, r, 6);
	} else {
		struct pl r[3] = {pls(ha1), pls(ch->nonce), pls(ha2)};

		err = hash_join(hex, ch->alg, r, 3);
	}
out:
	crypto_wipe(ha1, sizeof(ha1));
	crypto_wipe(ha2, sizeof(ha2));
	return err;
}

static const char *alg_name(const struct sip_auth_chal *ch)
{
	switch (ch->alg) {
	case CRYPTO_MD5:        return ch->sess ? "MD5-sess" : "MD5";
	case CRYPTO_SHA256:     return ch->sess ? "SHA-256-sess" : "SHA-256";
	case CRYPTO_SHA512_256: return ch->sess ? "SHA-512-256-sess" : "SHA-512-256";
	}
	return "MD5";
}

/* name="value" with '"' and '\' escaped */
static int put_quoted(struct wbuf *w, const char *name, const char *v)
{
	wbuf_printf(w, ", %s=\"", name);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			wbuf_u8(w, '\\');
		wbuf_u8(w, (uint8_t)*v);
	}
	return wbuf_u8(w, '"');
}

static bool is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* RFC 8187 ext-value: UTF-8''percent-encoded */
static int put_ext_value(struct wbuf *w, const char *v)
{
	wbuf_str(w, "username*=UTF-8''");
	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    (c && strchr("!#$&+-.^_`|~", c)))
			wbuf_u8(w, c);
		else
			wbuf_printf(w, "%%%02X", c);
	}
	return w->err;
}

int sip_auth_print_value(struct wbuf *w, const struct sip_auth_chal *ch, const char *user,
			 const char *password, const struct sip_auth_req *req)
{
	char resp[SIP_AUTH_HEX_SIZE], uhash[SIP_AUTH_HEX_SIZE];
	unsigned qop;
	int err;

	if (!w || !ch || !user || !password || !req || !req->method || !req->uri)
		return EINVAL;
	if (has_ctl(user) || has_ctl(req->method) || has_ctl(req->uri) ||
	    (req->cnonce && has_ctl(req->cnonce)))
		return EINVAL;

	err = sip_auth_response(resp, ch, user, password, req);
	if (err)
		goto out;
	qop = qop_chosen(ch);

	/* "Digest" then ", name=value" pairs; the first separator is replaced below */
	wbuf_str(w, "Digest ");
	if (ch->userhash) {
		struct pl u[2] = {pls(user), pls(ch->realm)};

		err = hash_join(uhash, ch->alg, u, 2);
		if (err)
			goto out;
		wbuf_printf(w, "username=\"%s\"", uhash);
	} else if (!is_ascii(user) && ch->charset_utf8) {
		put_ext_value(w, user);
	} else {
		/* put_quoted writes a leading ", " */
		wbuf_str(w, "username=\"");
		for (const char *v = user; *v; v++) {
			if (*v == '"' || *v == '\\')
				wbuf_u8(w, '\\');
			wbuf_u8(w, (uint8_t)*v);
		}
		wbuf_u8(w, '"');
	}
	put_quoted(w, "realm", ch->realm);
	put_quoted(w, "nonce", ch->nonce);
	put_quoted(w, "uri", req->uri);
	wbuf_printf(w, ", response=\"%s\", algorithm=%s", resp, alg_name(ch));
	if (qop) {
		put_quoted(w, "cnonce", req->cnonce);
		wbuf_printf(w, ", qop=%s, nc=%08x", qop == SIP_AUTH_QOP_AUTH ? "auth" : "auth-int",
			    (unsigned)req->nc);
	}
	if (ch->has_opaque)
		put_quoted(w, "opaque", ch->opaque);
	if (ch->userhash)
		wbuf_str(w, ", userhash=true");
	err = w->err;
out:
	crypto_wipe(resp, sizeof(resp));
	return err;
}

/* ---- per-account state ------------------------------------------------------------ */

struct auth_ent {
	struct sip_auth_chal ch;
	bool proxy;
	bool fresh;     /* committed from a challenge just received, not printed yet */
	bool answered;  /* the last credentials printed were the first answer to that challenge */
	unsigned stale; /* consecutive stale challenges */
	uint32_t nc;
};

struct sip_auth {
	char *user;
	char *password;
	size_t password_size;
	struct auth_ent ent[SIP_AUTH_MAX_REALMS];
	size_t nent;
	struct auth_ent pend[SIP_AUTH_MAX_REALMS];
	size_t npend;
	/* (kind, realm)s that offered SHA-256 or SHA-512-256 since sip_auth_begin: no MD5 for them */
	struct strong_mark {
		bool proxy;
		char realm[SIP_AUTH_VALUE_MAX + 1];
	} strong[SIP_AUTH_MAX_REALMS];
	size_t nstrong;
	bool bad; /* a malformed header was seen since sip_auth_begin */
};

static int rank(const struct sip_auth_chal *ch)
{
	int r = 0;

	switch (ch->alg) {
	case CRYPTO_MD5:        r = 1; break;
	case CRYPTO_SHA256:     r = 2; break;
	case CRYPTO_SHA512_256: r = 3; break;
	}
	return r * 2 + (ch->qop ? 1 : 0);
}

static struct auth_ent *ent_find(struct auth_ent *v, size_t n, bool proxy, const char *realm)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].proxy == proxy && strcmp(v[i].ch.realm, realm) == 0)
			return &v[i];
	return NULL;
}

/* Keeps the strongest challenge per (proxy, realm) in v. */
static void ent_merge(struct auth_ent *v, size_t *np, bool proxy, const struct sip_auth_chal *ch)
{
	struct auth_ent *e = ent_find(v, *np, proxy, ch->realm);

	if (e) {
		if (rank(ch) > rank(&e->ch))
			e->ch = *ch;
		return;
	}
	if (*np >= SIP_AUTH_MAX_REALMS)
		return;
	e = &v[(*np)++];
	memset(e, 0, sizeof(*e));
	e->ch = *ch;
	e->proxy = proxy;
}

static void ent_clear(struct auth_ent *v, size_t *np)
{
	crypto_wipe(v, sizeof(*v) * SIP_AUTH_MAX_REALMS);
	*np = 0;
}

static char *dup_secret(const char *s, size_t *sizep)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d) {
		memcpy(d, s, n);
		if (sizep)
			*sizep = n;
	}
	return d;
}

int sip_auth_alloc(struct sip_auth **authp, const char *user, const char *password)
{
	struct sip_auth *auth;
	int err;

	if (!authp || !user || !password || has_ctl(user))
		return EINVAL;
	auth = calloc(1, sizeof(*auth));
	if (!auth)
		return ENOMEM;
	auth->user = dup_secret(user, NULL);
	auth->password = dup_secret(password, &auth->password_size);
	if (!auth->user || !auth->password) {
		err = ENOMEM;
		goto out;
	}
	*authp = auth;
	return 0;
out:
	sip_auth_free(auth);
	return err;
}

void sip_auth_free(struct sip_auth *auth)
{
	if (!auth)
		return;
	if (auth->password)
		crypto_wipe(auth->password, auth->password_size);
	free(auth->password);
	free(auth->user);
	crypto_wipe(auth, sizeof(*auth));
	free(auth);
}

static void pend_clear(struct sip_auth *auth)
{
	ent_clear(auth->pend, &auth->npend);
	memset(auth->strong, 0, sizeof(auth->strong));
	auth->nstrong = 0;
	auth->bad = false;
}

void sip_auth_begin(struct sip_auth *auth)
{
	if (auth)
		pend_clear(auth);
}

static bool strong_has(const struct strong_mark *v, size_t n, bool proxy, const char *realm)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].proxy == proxy && strcmp(v[i].realm, realm) == 0)
			return true;
	return false;
}

static void strong_add(struct strong_mark *v, size_t *np, bool proxy, const char *realm)
{
	if (strong_has(v, *np, proxy, realm) || *np >= SIP_AUTH_MAX_REALMS)
		return;
	v[*np].proxy = proxy;
	memcpy(v[*np].realm, realm, strlen(realm) + 1);
	(*np)++;
}

struct add_ctx {
	struct auth_ent v[SIP_AUTH_MAX_REALMS];
	size_t n;
	struct strong_mark strong[SIP_AUTH_MAX_REALMS];
	size_t nstrong;
	bool proxy;
};

static int add_h(const struct sip_auth_chal *ch, void *arg)
{
	struct add_ctx *ctx = arg;

	if (ch->alg != CRYPTO_MD5)
		strong_add(ctx->strong, &ctx->nstrong, ctx->proxy, ch->realm);
	if (!ch->unusable)
		ent_merge(ctx->v, &ctx->n, ctx->proxy, ch);
	return 0;
}

int sip_auth_add(struct sip_auth *auth, bool proxy, struct pl value)
{
	struct add_ctx *ctx;
	size_t i;
	int err;

	if (!auth || !value.p)
		return EINVAL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return ENOMEM;
	ctx->proxy = proxy;

	/* a malformed header contributes nothing, not even its well-formed first part */
	err = chal_parse(value, add_h, ctx, true);
	if (err) {
		if (err == EBADMSG)
			auth->bad = true;
		goto out;
	}
	for (i = 0; i < ctx->n; i++)
		ent_merge(auth->pend, &auth->npend, proxy, &ctx->v[i].ch);
	for (i = 0; i < ctx->nstrong; i++)
		strong_add(auth->strong, &auth->nstrong, proxy, ctx->strong[i].realm);
out:
	crypto_wipe(ctx, sizeof(*ctx));
	free(ctx);
	return err;
}

/* Removes pend[i], keeping the order of the others. */
static void pend_drop(struct sip_auth *auth, size_t i)
{
	memmove(&auth->pend[i], &auth->pend[i + 1], (auth->npend - i - 1) * sizeof(auth->pend[0]));
	auth->npend--;
	crypto_wipe(&auth->pend[auth->npend], sizeof(auth->pend[0]));
}

/* "a", "b" (or "none") into w: the realms an account has, for a message. */
static void realms_list(struct wbuf *w, const struct sip_auth_realms *r)
{
	if (!r || !r->n) {
		wbuf_str(w, "none yet");
		return;
	}
	for (size_t i = 0; i < r->n; i++)
		wbuf_printf(w, "%s\"%.64s\"", i ? ", " : "", r->v[i]);
}

/*
 * sip_auth_commit, with pol (may be NULL: any realm) deciding which realms are answered;
 * why (may be NULL) gets a sentence for EREMOTE and for an MD5 answer refused.
 */
static int commit_ex(struct sip_auth *auth, bool transport_secure, bool allow_plaintext_auth,
		     const struct sip_auth_policy *pol, char *why, size_t whysz)
{
	char foreign[SIP_AUTH_VALUE_MAX + 1] = "", weak[SIP_AUTH_VALUE_MAX + 1] = "";
	size_t i;
	int err = 0;

	if (!auth)
		return EINVAL;
	if (!transport_secure && !allow_plaintext_auth) {
		err = EPERM;
		goto out;
	}
	if (auth->npend == 0) {
		err = auth->bad ? EBADMSG : EPROTO;
		goto out;
	}

	for (i = 0; i < auth->npend;) {
		const struct auth_ent *p = &auth->pend[i];

		/* RFC 8760 leaves the choice to the client: never MD5 where something stronger was offered */
		if (p->ch.alg == CRYPTO_MD5 && strong_has(auth->strong, auth->nstrong, p->proxy, p->ch.realm)) {
			if (!weak[0])
				memcpy(weak, p->ch.realm, strlen(p->ch.realm) + 1);
			pend_drop(auth, i);
			continue;
		}
		/* the password belongs to the account's realms: anyone else gets nothing to attack offline */
		if (pol && !pol->any_realm && !sip_auth_realms_has(pol->realms, p->ch.realm)) {
			if (!foreign[0])
				memcpy(foreign, p->ch.realm, strlen(p->ch.realm) + 1);
			pend_drop(auth, i);
			continue;
		}
		i++;
	}
	if (auth->npend == 0) {
		struct wbuf w;

		if (why && whysz)
			wbuf_init_static(&w, why, whysz);
		if (foreign[0]) {
			err = EREMOTE;
			if (why && whysz) {
				wbuf_printf(&w, "challenged for realm \"%.64s\", which is not this account's (its realms: ",
					    foreign);
				realms_list(&w, pol->realms);
				wbuf_str(&w, "): the password is not sent there");
			}
		} else {
			err = EPROTO;
			if (why && whysz)
				wbuf_printf(&w, "realm \"%.64s\" offered SHA-256 or SHA-512-256 as well as MD5, and "
					    "only its MD5 challenge could be answered: MD5 refused", weak);
		}
		goto out;
	}

	for (i = 0; i < auth->npend; i++) {
		const struct auth_ent *p = &auth->pend[i];
		const struct auth_ent *e = ent_find(auth->ent, auth->nent, p->proxy, p->ch.realm);

		if (!e || !e->answered)
			continue;
		if (!p->ch.stale) {
			/* challenged again for what we just answered: the credentials are wrong */
			ent_clear(auth->ent, &auth->nent);
			err = EACCES;
			goto out;
		}
		if (e->stale + 1 > SIP_AUTH_MAX_STALE) {
			ent_clear(auth->ent, &auth->nent);
			err = EPROTO;
			goto out;
		}
	}

	for (i = 0; i < auth->npend; i++) {
		const struct auth_ent *p = &auth->pend[i];
		struct auth_ent *e = ent_find(auth->ent, auth->nent, p->proxy, p->ch.realm);
		unsigned stale = 0;

		if (e) {
			stale = (e->answered && p->ch.stale) ? e->stale + 1 : 0;
		} else {
			if (auth->nent >= SIP_AUTH_MAX_REALMS)
				continue;
			e = &auth->ent[auth->nent++];
		}
		memset(e, 0, sizeof(*e));
		e->ch = p->ch;
		e->proxy = p->proxy;
		e->stale = stale;
		e->fresh = true;
		if (pol && pol->learn)
			sip_auth_realms_add(pol->learn, p->ch.realm);
	}
out:
	pend_clear(auth);
	return err;
}

int sip_auth_commit(struct sip_auth *auth, bool transport_secure, bool allow_plaintext_auth)
{
	return commit_ex(auth, transport_secure, allow_plaintext_auth, NULL, NULL, 0);
}

void sip_auth_accepted(struct sip_auth *auth)
{
	size_t i;

	if (!auth)
		return;
	for (i = 0; i < auth->nent; i++) {
		auth->ent[i].answered = false;
		auth->ent[i].stale = 0;
	}
}

void sip_auth_reset(struct sip_auth *auth)
{
	if (!auth)
		return;
	ent_clear(auth->ent, &auth->nent);
	pend_clear(auth);
}

size_t sip_auth_count(const struct sip_auth *auth)
{
	return auth ? auth->nent : 0;
}

int sip_auth_print(struct sip_auth *auth, struct wbuf *w, const char *method, const char *uri,
		   const void *body, size_t body_len)
{
	char cnonce[25];
	size_t i;
	int err = 0;

	if (!auth || !w || !method || !uri)
		return EINVAL;

	for (i = 0; i < auth->nent; i++) {
		struct auth_ent *e = &auth->ent[i];
		struct sip_auth_req req = {
			.method = method,
			.uri = uri,
			.body = body,
			.body_len = body_len,
			.cnonce = cnonce,
			.nc = e->nc + 1,
		};

		if (e->ch.qop && e->nc == UINT32_MAX) {
			err = EOVERFLOW; /* nonce worn out; the server will have to send a new one */
			goto out;
		}
		err = crypto_rand_token(cnonce, sizeof(cnonce) - 1);
		if (err)
			goto out;
		wbuf_str(w, e->proxy ? "Proxy-Authorization: " : "Authorization: ");
		err = sip_auth_print_value(w, &e->ch, auth->user, auth->password, &req);
		if (!err)
			err = wbuf_str(w, "\r\n");
		if (err)
			goto out;
		if (e->ch.qop)
			e->nc++;
		/*
		 * Only the first request after a challenge answers it. Credentials re-sent
		 * later (a refresh, a retry after a timeout, an in-dialog request) carry an
		 * old nonce: a challenge to them says nothing about the password.
		 */
		e->answered = e->fresh;
		e->fresh = false;
	}
out:
	return err;
}

/* ---- the account's realms, and one request's challenge ----------------------------- */

int sip_auth_realms_add(struct sip_auth_realms *r, const char *realm)
{
	size_t n;

	if (!r || !realm || !*realm || (n = strlen(realm)) > SIP_AUTH_VALUE_MAX)
		return EINVAL;
	if (sip_auth_realms_has(r, realm))
		return 0;
	if (r->n >= SIP_AUTH_REALMS_MAX)
		return ENOSPC;
	memcpy(r->v[r->n++], realm, n + 1);
	return 0;
}

bool sip_auth_realms_has(const struct sip_auth_realms *r, const char *realm)
{
	if (!r || !realm)
		return false;
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i], realm) == 0)
			return true;
	return false;
}

#define STR_(x) #x
#define STR(x) STR_(x)
#define ROUNDS_STR STR(SIP_AUTH_MAX_ROUNDS)

static const char *challenge_why(int err)
{
	switch (err) {
	case ENOKEY: return "the account has no password";
	case ELOOP: return "too many authentication challenges to one request (at most " ROUNDS_STR " are answered)";
	case EACCES: return "challenged again: wrong user name or password";
	case EPERM: return "challenge over a plaintext transport refused (allow_plaintext_auth = yes permits it)";
	case EBADMSG: return "malformed challenge";
	case EPROTO: return "no challenge sphone can answer (unsupported algorithm, or stale nonces in a loop)";
	}
	return "cannot answer the challenge";
}

int sip_auth_challenge(struct sip_auth *auth, const struct sip_msg *resp, unsigned *rounds,
		       const struct sip_auth_policy *pol, char *why, size_t whysz)
{
	const struct sip_hdr *h;
	const char *prev = NULL;
	uint16_t code;
	bool proxy;
	int err;

	if (why && whysz)
		why[0] = '\0';
	if (!resp || !rounds || !pol)
		return EINVAL;
	code = sip_msg_status(resp);
	if (code != 401 && code != 407)
		return EINVAL;
	if (!auth) {
		err = ENOKEY;
		goto out;
	}
	/* two realms taking turns, or a server that never says yes, must not keep us sending */
	if (++*rounds > SIP_AUTH_MAX_ROUNDS) {
		err = ELOOP;
		goto out;
	}
	proxy = code == 407;
	sip_auth_begin(auth);
	for (h = sip_msg_hdr(resp, proxy ? SIP_HDR_PROXY_AUTHENTICATE : SIP_HDR_WWW_AUTHENTICATE); h;
	     h = sip_msg_hdr_next(resp, h)) {
		if (h->line.p == prev) /* one header line split into values: add it once */
			continue;
		prev = h->line.p;
		sip_auth_add(auth, proxy, h->line);
	}
	err = commit_ex(auth, pol->secure, pol->allow_plaintext, pol, why, whysz);
out:
	if (err && why && whysz && !why[0])
		snprintf(why, whysz, "%s", challenge_why(err));
	return err;
}
