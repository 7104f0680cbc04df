/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sdp_crypto.h: SDP security descriptions (a=crypto, RFC 4568): parse, generate, print. */
#ifndef SPHONE_SDP_CRYPTO_H
#define SPHONE_SDP_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "pl.h"
#include "srtp.h"

/* Largest tag RFC 4568 allows (1*9DIGIT). */
#define SDP_CRYPTO_TAG_MAX 999999999u
/* Longest lifetime accepted: SRTP's 2^48 packets (RFC 3711 9.2). */
#define SDP_CRYPTO_LIFETIME_MAX (UINT64_C(1) << 48)

/*
 * One a=crypto line with a single inline key. Plain value type: the caller
 * owns it and must call sdp_crypto_wipe() when done (it holds key material).
 */
struct sdp_crypto {
	uint32_t tag;                         /* 1..999999999 */
	enum srtp_suite_id suite;
	uint8_t key[SRTP_MAX_MASTER_LEN];     /* master key || master salt */
	size_t key_len;                       /* srtp_suite_key_len + srtp_suite_salt_len */
	uint64_t lifetime;                    /* packets; 0 when the line gave none (default: maximum) */
	uint32_t wsh;                         /* WSH= window size hint, 0 when absent */
};

/*
 * Parses the value of an a=crypto attribute, i.e. the text after "a=crypto:":
 *   <tag> <suite> inline:<base64 key||salt>[|lifetime][|MKI:len] [session params]
 * Returns 0 and fills *c, or:
 *   ENOENT   suite unknown or not supported by the installed libsrtp (skip the line);
 *   ENOTSUP  a feature we refuse (MKI, several keys, KDR, UNENCRYPTED_SRTP,
 *            UNENCRYPTED_SRTCP, UNAUTHENTICATED_SRTP, FEC_KEY, unknown mandatory
 *            session parameter, key method other than inline);
 *   EBADMSG  malformed (tag, base64, key length not the suite's, lifetime, WSH...).
 * *reason (if reason is not NULL) is set on every return to a static string
 * saying why ("" on success); it never contains key bytes.
 * Session parameters: a parameter starting with '-' is optional by RFC 4568
 * 6.3.7 and ignored; FEC_ORDER is accepted (we send no FEC, so order is moot);
 * WSH=n (n >= 64) is recorded; anything else is refused so that nothing that
 * changes the protection is ever silently dropped.
 */
int sdp_crypto_decode(struct sdp_crypto *c, struct pl val, const char **reason);

/* Fills *c with tag, suite and a fresh random key from crypto_rand(). EINVAL
 * (bad tag or suite), EIO (generator failed). */
int sdp_crypto_generate(struct sdp_crypto *c, uint32_t tag, enum srtp_suite_id suite);

/* Appends "a=crypto:<tag> <suite> inline:<key>\r\n" (no lifetime, no MKI). */
int sdp_crypto_print(struct wbuf *w, const struct sdp_crypto *c);

/* Wipes the whole struct (key included). NULL-safe. */
void sdp_crypto_wipe(struct sdp_crypto *c);

#endif
