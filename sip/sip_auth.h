/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sip_auth.h: HTTP Digest authentication of SIP requests (RFC 3261 22, RFC 7616, RFC 8760). */
#ifndef SPHONE_SIP_AUTH_H
#define SPHONE_SIP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "pl.h"

struct sip_msg;
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
/* 401/407 rounds one request may answer before it fails (ELOOP): a proxy and the far end, stale nonces. */
#define SIP_AUTH_MAX_ROUNDS 4
/* Realms one account's credentials may belong to (configured plus learnt from its registrar). */
#define SIP_AUTH_REALMS_MAX 8

/* One Digest challenge we can answer, values unescaped and NUL-terminated. */
struct sip_auth_chal {
	enum crypto_hash alg;
	bool sess;          /* the -sess variant */
	unsigned qop;       /* SIP_AUTH_QOP_* offered; 0: no qop (RFC 2069 compatibility) */
	bool stale;
	bool userhash;
	bool charset_utf8;
	bool has_opaque;
	bool unusable;      /* sip_auth's own bookkeeping only: sip_auth_chal_parse never hands one out */
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
 * SHA-512-256 > SHA-256 > MD5). A realm that also offered SHA-256 or SHA-512-256 in this set
 * (even in a challenge sphone cannot answer) never gets an MD5 answer. Returns
 *   0        answer them (stale=true is a retry with the new nonce, not a failure);
 *   EPERM    the challenge came over a plaintext transport and that is not allowed;
 *   EACCES   the realm challenged us again (without stale=true) right after the first
 *            request that answered its previous challenge: wrong user or password (the
 *            state is cleared, so a later attempt starts fresh). A challenge to
 *            credentials re-sent from the cache (second and later sip_auth_print of the
 *            same challenge: refresh, retry, server restart) is a new challenge, not this;
 *   EPROTO   no challenge we can answer (MD5 refused as above included), or more than
 *            SIP_AUTH_MAX_STALE stale retries;
 *   EBADMSG  only malformed challenges.
 */
int sip_auth_commit(struct sip_auth *auth, bool transport_secure, bool allow_plaintext_auth);
/* The last credentials were accepted: a later challenge is a new one, not a failure. */
void sip_auth_accepted(struct sip_auth *auth);
/* Forgets every challenge (e.g. when the account's server changes). */
void sip_auth_reset(struct sip_auth *auth);
/*
 * The realms an account's password belongs to: the account's `realm` list and the realms its
 * registrar (or the outbound proxy in front of it) challenged REGISTER with. Compared exactly
 * (a realm is a case-sensitive string).
 */
struct sip_auth_realms {
	size_t n;
	char v[SIP_AUTH_REALMS_MAX][SIP_AUTH_VALUE_MAX + 1];
};

/* Adds realm unless it is there. 0, EINVAL (NULL, empty, too long), ENOSPC (full: not added). */
int sip_auth_realms_add(struct sip_auth_realms *r, const char *realm);
bool sip_auth_realms_has(const struct sip_auth_realms *r, const char *realm);

/* What the challenge to one request is checked against. */
struct sip_auth_policy {
	bool secure;                          /* the request went over TLS */
	bool allow_plaintext;                 /* the account's allow_plaintext_auth */
	bool any_realm;                       /* REGISTER to the account's own registrar: every realm */
	const struct sip_auth_realms *realms; /* else only these (NULL: none at all) */
	struct sip_auth_realms *learn;        /* not NULL: the realms answered are added here */
};

/*
 * One round of a request's digest authentication, the one place every request (REGISTER,
 * INVITE, re-INVITE, BYE, ...) answers a 401/407: resp's WWW-/Proxy-Authenticate values go
 * through sip_auth_begin/add/commit; challenges of a realm the policy does not allow are not
 * answered; *rounds (0 before the request's first challenge) counts this request's rounds.
 * 0: re-send the request (sip_auth_print adds the credentials). Otherwise why gets a sentence
 * for the user (a foreign realm is named) and the result is
 *   ENOKEY   auth is NULL: the account has no password;
 *   ELOOP    more than SIP_AUTH_MAX_ROUNDS rounds for this request;
 *   EREMOTE  every challenge is for a realm that is not the account's;
 *   or sip_auth_commit's EACCES, EPERM, EPROTO, EBADMSG.
 */
int sip_auth_challenge(struct sip_auth *auth, const struct sip_msg *resp, unsigned *rounds,
		       const struct sip_auth_policy *pol, char *why, size_t whysz);

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
