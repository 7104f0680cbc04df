/* SPDX-License-Identifier: GPL-3.0-or-later */
/* srtp.h: SRTP/SRTCP sessions (SDES suites of RFC 4568, 6188, 7714); the only interface to libsrtp. */
#ifndef SPHONE_SRTP_H
#define SPHONE_SRTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum srtp_suite_id {
	SRTP_SUITE_AES_CM_128_HMAC_SHA1_80,
	SRTP_SUITE_AES_CM_128_HMAC_SHA1_32,
	SRTP_SUITE_AES_256_CM_HMAC_SHA1_80,
	SRTP_SUITE_AES_256_CM_HMAC_SHA1_32,
	SRTP_SUITE_AEAD_AES_128_GCM,
	SRTP_SUITE_AEAD_AES_256_GCM,
	SRTP_SUITE_COUNT
};

/* Largest trailer any suite appends (SRTCP with GCM: 4-byte index + 16-byte tag). */
#define SRTP_SESS_MAX_TRAILER 20
#define SRTP_MAX_MASTER_LEN 46 /* AES-256 key + 112-bit salt */

/* The SDES name ("AES_CM_128_HMAC_SHA1_80"), NULL for an unknown id. */
const char *srtp_suite_name(enum srtp_suite_id id);
/* Exact, case-sensitive match of the SDES name; ENOENT if unknown. */
int srtp_suite_from_name(const char *name, enum srtp_suite_id *idp);
/* Master key and master salt lengths in bytes (0 for an unknown id). */
size_t srtp_suite_key_len(enum srtp_suite_id id);
size_t srtp_suite_salt_len(enum srtp_suite_id id);
/* Whether the installed libsrtp can create a session with this suite (checked at run time). */
bool srtp_suite_supported(enum srtp_suite_id id);
/*
 * How many of libsrtp's AES-128/192/256-CM, HMAC-SHA1, AES-128-GCM and
 * AES-256-GCM implementations run on sphone's allocation-free OpenSSL
 * versions (0..6; 6 on a libsrtp whose kernel took them by name, srtp.c).
 * Initialises libsrtp.
 */
int srtp_lib_fast_types(void);
/* The version of the libsrtp2 this process runs with ("libsrtp2 2.5.0"), from the library itself. */
const char *srtp_lib_version(void);

/*
 * One SRTP session: an outbound and an inbound context, each from its own
 * master key||salt (srtp_suite_key_len + srtp_suite_salt_len bytes). The
 * caller's key bytes are not kept (wipe them after the call); the session
 * keeps a fingerprint of each key (128 bits of SHA-256) so that a re-key can
 * tell an unchanged key from a new one and refuse a send key it has retired.
 */
struct srtp_sess;

struct srtp_sess_stats {
	uint64_t protected_pkts;    /* RTP and RTCP protected */
	uint64_t protected_bytes;   /* plaintext bytes in */
	uint64_t unprotected_pkts;  /* RTP and RTCP accepted */
	uint64_t unprotected_bytes; /* plaintext bytes out */
	uint64_t rtcp_protected;
	uint64_t rtcp_unprotected;
	uint64_t auth_fail;
	uint64_t replay_fail;
	uint64_t other_fail;          /* malformed, bad length, no room, libsrtp errors */
	uint64_t plaintext_sent;      /* always 0 for an SRTP session (see srtp_sess_alloc_plain) */
	uint64_t plaintext_received;  /* plaintext session: packets passed; SRTP: rejected plain RTCP */
};

int srtp_sess_alloc(struct srtp_sess **sp, enum srtp_suite_id suite, const uint8_t *tx_key,
		    size_t tx_len, const uint8_t *rx_key, size_t rx_len);
/*
 * A session without encryption (media_encryption=none): protect/unprotect
 * pass packets through and count them as plaintext. Lets the stream keep a
 * single send path; srtp_sess_secure() tells the two kinds apart.
 */
int srtp_sess_alloc_plain(struct srtp_sess **sp);
/*
 * A session that only unprotects (protect is EINVAL), for a receive key known
 * before the send key: ZRTP hands the peer's key one round trip before ours.
 */
int srtp_sess_alloc_rx(struct srtp_sess **sp, enum srtp_suite_id suite, const uint8_t *rx_key, size_t rx_len);
void srtp_sess_free(struct srtp_sess *s);

/* What srtp_sess_rekey / srtp_sess_rekey_plain changed. */
struct srtp_rekey_info {
	bool tx_new;     /* a new send context (new key or suite, or none any more) */
	bool tx_wrapped; /* the send context it replaced had passed a sequence wrap (ROC > 0) */
	bool rx_new;     /* a new receive context */
};

/*
 * New keys for a running session, one direction at a time, so that no
 * keystream is ever used twice (RFC 3711 9.2). A direction whose suite and
 * key are unchanged keeps its context: the send side its rollover counter
 * and SRTCP index, the receive side its replay windows. A changed send key
 * gets a new context (ROC 0, SRTCP index 0); the key it replaces is retired
 * for the session's life, and EKEYREJECTED refuses a send key that was
 * retired, or the current one under another suite (nothing changes then).
 * A changed receive key gets a new context; when the old one had counted a
 * rollover for a sender, a second candidate carries that ROC over (RFC 3711
 * 3.3.1 keeps it across a re-key, most SDES peers start afresh at 0) and the
 * first RTP packet that authenticates decides between them. The previous
 * receive context is handed to *old_rxp (a session that can only unprotect)
 * for packets still in flight, or freed when old_rxp is NULL; *old_rxp is
 * NULL when the receive key did not change or the session was plaintext.
 * A plaintext session becomes an SRTP one. EINVAL bad key lengths or suite,
 * ENOSPC too many retired send keys (SRTP_SESS_MAX_RETIRED), ENOMEM, EIO.
 */
int srtp_sess_rekey(struct srtp_sess *s, enum srtp_suite_id suite, const uint8_t *tx_key, size_t tx_len,
		    const uint8_t *rx_key, size_t rx_len, struct srtp_sess **old_rxp, struct srtp_rekey_info *info);
/* SRTP to plaintext: the send key is retired, the receive context goes to *old_rxp as above. */
int srtp_sess_rekey_plain(struct srtp_sess *s, struct srtp_sess **old_rxp, struct srtp_rekey_info *info);
#define SRTP_SESS_MAX_RETIRED 64
bool srtp_sess_secure(const struct srtp_sess *s);
/* Whether the send context has counted a rollover (ROC > 0) for the SSRC it protected last. */
bool srtp_sess_tx_wrapped(const struct srtp_sess *s);
/* The suite; SRTP_SUITE_COUNT for a plaintext session. */
enum srtp_suite_id srtp_sess_suite(const struct srtp_sess *s);
/* Bytes protect adds to an RTP / RTCP packet. */
size_t srtp_sess_rtp_overhead(const struct srtp_sess *s);
size_t srtp_sess_rtcp_overhead(const struct srtp_sess *s);
void srtp_sess_stats(const struct srtp_sess *s, struct srtp_sess_stats *st);

/*
 * Protect in place: *len bytes of RTP (RTCP) become SRTP (SRTCP); cap is
 * the buffer size and must leave room for the trailer (ENOBUFS if not).
 * On error the buffer must not be sent.
 * Unprotect: 0, or EBADMSG authentication failed, EALREADY replayed or too
 * old, EPROTO malformed / bad length, EIO other libsrtp failure, ENOSPC a
 * 17th distinct SSRC on this receive key (16 are accepted; libsrtp would
 * keep a stream for each for the context's life), refused before any crypto.
 * A session from srtp_sess_rekey's *old_rxp protects nothing (EINVAL).
 * SRTCP with a _32 suite: the peer's SRTCP may carry the RFC's 80-bit tag
 * or (Asterisk) a 32-bit one; unprotect takes either and learns which from
 * the first that authenticates, and protect follows it from then on (the
 * RFC's until then), its SRTCP index going on without a repeat.
 */
int srtp_sess_protect(struct srtp_sess *s, uint8_t *pkt, size_t *len, size_t cap);
int srtp_sess_unprotect(struct srtp_sess *s, uint8_t *pkt, size_t *len);
int srtp_sess_protect_rtcp(struct srtp_sess *s, uint8_t *pkt, size_t *len, size_t cap);
int srtp_sess_unprotect_rtcp(struct srtp_sess *s, uint8_t *pkt, size_t *len);

#endif
