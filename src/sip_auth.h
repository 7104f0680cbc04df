/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sip_auth.h: HTTP Digest authentication of SIP requests (RFC 3261 22, RFC 7616, RFC 8760). */
#ifndef SPHONE_SIP_AUTH_H
#define SPHONE_SIP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "pl.h"

struct wbuf;

/* qop values offered by a challenge (bit set) */
enum { SIP_AUTH_QOP_AUTH = 1, SIP_AUTH_QOP_AUTH_INT = 2 };

/* Longest realm, nonce or opaque accepted (longer: EBADMSG). */
#define SIP_AUTH_VALUE_MAX 512
/* Room for a response in hex, with its NUL. */
#define SIP_AUTH_HEX_SIZE (2 * CRYPTO_HASH_MAX + 1)
/* Distinct (realm, WWW/Proxy) credentials an auth state keeps. */
#define SIP_AUTH_MAX_REALMS 4
/* Consecutive stale=true challenges answered before giving up (EPROTO). */
#define SIP_AUTH_MAX_STALE 3

/* One Digest challenge we can answer, values unescaped and NUL-terminated. */
struct sip_auth_chal {
	enum crypto_hash alg;
	bool sess;          /* the -sess variant */
	unsigned qop;       /* SIP_AUTH_QOP_* offered; 0: no qop (RFC 2069 compatibility) */
	bool stale;
	bool userhash;
	bool charset_utf8;
	bool has_opaque;
	char realm[SIP_AUTH_VALUE_MAX + 1];
	char nonce[SIP_AUTH_VALUE_MAX + 1];
	char opaque[SIP_AUTH_VALUE_MAX + 1];
};

/* Called for each Digest challenge that can be answered; non-zero stops the parse and is returned. */
typedef int(sip_auth_chal_h)(const struct sip_auth_chal *ch, void *arg);

/*
 * Parses one WWW-Authenticate or Proxy-Authenticate value (RFC 7235 list of
 * challenges: "Digest a=b, c="d", Basic realm=x, Digest ..."). Challenges of other
 * schemes, with an unknown algorithm, a qop list without auth/auth-int, or -sess
 * without qop are skipped. Returns 0 (h called zero or more times), EBADMSG for
 * malformed syntax (unterminated quote, stray bytes, a duplicate parameter, a
 * value longer than SIP_AUTH_VALUE_MAX, a Digest challenge without realm or nonce),
 * EINVAL for an absent value; h may have been called before an error was found.
 */
int sip_auth_chal_parse(struct pl value, sip_auth_chal_h *h, void *arg);

/* What is being authorized. cnonce and nc are used only when the challenge offered qop. */
struct sip_auth_req {
	const char *method;
	const char *uri;      /* the Request-URI exactly as sent */
	const void *body;     /* hashed for qop=auth-int */
	size_t body_len;
	const char *cnonce;
	uint32_t nc;
};

/*
 * The request-digest (hex, lower case) for ch. qop=auth is used when offered,
 * else auth-int, else none. hex must hold SIP_AUTH_HEX_SIZE bytes. 0, EINVAL, ENOMEM, EIO.
 */
int sip_auth_response(char *hex, const struct sip_auth_chal *ch, const char *user,
		      const char *password, const struct sip_auth_req *req);

/*
 * Appends an Authorization / Proxy-Authorization value ("Digest username=..., ...")
 * answering ch: algorithm and opaque echoed, qop and nc unquoted, userhash when the
 * server asked for it, username* (RFC 8187) for a non-ASCII name under charset=UTF-8.
 * EINVAL for control characters in user, method or uri; wbuf errors (ENOSPC, ENOMEM).
 */
int sip_auth_print_value(struct wbuf *w, const struct sip_auth_chal *ch, const char *user,
			 const char *password, const struct sip_auth_req *req);

/*
 * Per-account digest state: the challenges to answer (one per realm and header kind),
 * nonce counts, and failure detection. Use:
 *   on a 401/407:  sip_auth_begin; sip_auth_add for every WWW-/Proxy-Authenticate
 *                  value; sip_auth_commit -> 0 means "resend with sip_auth_print".
 *   on any other final response to a request that carried credentials: sip_auth_accepted.
 * The password is copied, kept only in this object, wiped on free, never logged.
 */
struct sip_auth;

int sip_auth_alloc(struct sip_auth **authp, const char *user, const char *password);
void sip_auth_free(struct sip_auth *auth);

void sip_auth_begin(struct sip_auth *auth);
/* proxy: the value came from Proxy-Authenticate. 0, EBADMSG (header ignored), EINVAL. */
int sip_auth_add(struct sip_auth *auth, bool proxy, struct pl value);
/*
 * Decides on the challenges added since sip_auth_begin (the strongest per realm:
 * SHA-512-256 > SHA-256 > MD5). Returns
 *   0        answer them (stale=true is a retry with the new nonce, not a failure);
 *   EPERM    the challenge came over a plaintext transport and that is not allowed;
 *   EACCES   the realm challenged us again (without stale=true) right after the first
 *            request that answered its previous challenge: wrong user or password (the
 *            state is cleared, so a later attempt starts fresh). A challenge to
 *            credentials re-sent from the cache (second and later sip_auth_print of the
 *            same challenge: refresh, retry, server restart) is a new challenge, not this;
 *   EPROTO   no challenge we can answer, or more than SIP_AUTH_MAX_STALE stale retries;
 *   EBADMSG  only malformed challenges.
 */
int sip_auth_commit(struct sip_auth *auth, bool transport_secure, bool allow_plaintext_auth);
/* The last credentials were accepted: a later challenge is a new one, not a failure. */
void sip_auth_accepted(struct sip_auth *auth);
/* Forgets every challenge (e.g. when the account's server changes). */
void sip_auth_reset(struct sip_auth *auth);
/* Number of credentials sip_auth_print would write. */
size_t sip_auth_count(const struct sip_auth *auth);
/*
 * Appends one "Authorization: ..." / "Proxy-Authorization: ..." line (CRLF-terminated)
 * per remembered challenge, with a fresh cnonce and the next nc. 0 or an error
 * (EINVAL, ENOSPC, ENOMEM, EIO); on error the wbuf content is unspecified.
 */
int sip_auth_print(struct sip_auth *auth, struct wbuf *w, const char *method, const char *uri,
		   const void *body, size_t body_len);

#endif
