/* SPDX-License-Identifier: GPL-3.0-or-later */
/* zrtp.h: ZRTP key agreement (RFC 6189) for one media stream and its cache; the only interface to libbzrtp. */
#ifndef SPHONE_ZRTP_H
#define SPHONE_ZRTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "srtp.h"
#include "zrtp_wire.h"

/*
 * A handshake that is not secure this long after zrtp_start fails. RFC 6189 6
 * bounds the Hello phase (T1: 50 ms doubling to 200 ms, 20 retransmissions,
 * about 3.8 s) and each later message (T2: 150 ms doubling to 1.2 s, 10
 * retransmissions); a handshake whose every message needs two or three tries
 * (20 % loss) finishes within 2 s. In media_encryption=zrtp nothing is sent
 * until then, so the wait a person can hear is capped here, not at T2's 30 s.
 */
#define ZRTP_HANDSHAKE_MAX_S 10
#define ZRTP_HANDSHAKE_MAX_MS (ZRTP_HANDSHAKE_MAX_S * 1000)
/* The owner calls zrtp_tick at least this often while the handshake runs (bzrtp's shortest step is 50 ms). */
#define ZRTP_TICK_MS 20

/* libbzrtp is loaded with dlopen on first use (SDES-only runs never map it): 0 or ELIBACC. */
int zrtp_lib_load(void);
/* Why the library could not be loaded (a fixed text when it could). */
const char *zrtp_lib_error(void);

/*
 * The ZID of this installation and the retained secrets (rs1/rs2, RFC 6189
 * 4.9) and SAS-verified flags per peer, in an SQLite file that libbzrtp keeps
 * (every update is one SQLite transaction: atomic and crash-safe). The caller
 * chooses the path (sphone: $XDG_DATA_HOME/sphone/zrtp.db); missing parent
 * directories are made with mode 0700, the file is created with mode 0600
 * and an existing one is narrowed to 0600. A path that is a symbolic link,
 * not a regular file or not ours is refused (ELOOP, EINVAL, EPERM); a file
 * that is not a ZRTP cache is EBADMSG and is left as it is.
 */
struct zrtp_cache;
int zrtp_cache_open(struct zrtp_cache **cp, const char *path);
void zrtp_cache_close(struct zrtp_cache *c);
/* This installation's ZID: ENOENT until the first engine on this cache made it. */
#define ZRTP_ZID_LEN 12
int zrtp_cache_zid(struct zrtp_cache *c, uint8_t zid[ZRTP_ZID_LEN]);

/* What is offered, as bit sets; bzrtp adds the RFC's mandatory ones (DH-3k, AES-128, HS32/HS80, B32). */
enum zrtp_ka {
	ZRTP_KA_X25519 = 1 << 0,
	ZRTP_KA_DH3K = 1 << 1,
	ZRTP_KA_X448 = 1 << 2,
	ZRTP_KA_DH2K = 1 << 3,
};
enum zrtp_cipher { ZRTP_CIPHER_AES256 = 1 << 0, ZRTP_CIPHER_AES128 = 1 << 1 };
enum zrtp_auth { ZRTP_AUTH_HS80 = 1 << 0, ZRTP_AUTH_HS32 = 1 << 1 };
enum zrtp_sas { ZRTP_SAS_BASE32 = 1 << 0, ZRTP_SAS_BASE256 = 1 << 1 };
/*
 * The initiator's first choice in the other's list wins (RFC 6189 4.1.2),
 * and sphone lists strongest first: AES-256 before AES-128, an 80-bit tag
 * before 32, X25519 before DH-3k (as strong as DH-3k for a fraction of the
 * work; DH-2k is weaker and X448 slower and not in every peer).
 * bzrtp 5.1 has no EC-25 (NIST P-256).
 */
#define ZRTP_DEFAULT_KA (ZRTP_KA_X25519 | ZRTP_KA_DH3K)
#define ZRTP_DEFAULT_CIPHER (ZRTP_CIPHER_AES256 | ZRTP_CIPHER_AES128)
#define ZRTP_DEFAULT_AUTH (ZRTP_AUTH_HS80 | ZRTP_AUTH_HS32)
#define ZRTP_DEFAULT_SAS (ZRTP_SAS_BASE32 | ZRTP_SAS_BASE256)

struct zrtp_conf {
	uint32_t ssrc;        /* our RTP SSRC: the source identifier of our ZRTP packets */
	const char *peer_uri; /* the peer's address of record; secrets are kept per (peer URI, peer ZID) */
	unsigned ka, cipher, auth, sas; /* bit sets of the enums above; 0 = the default */
};

/* What the cache says about the peer at the end of a handshake. */
enum zrtp_trust {
	ZRTP_TRUST_NEW,          /* not verified with this device: read the SAS aloud and compare */
	ZRTP_TRUST_VERIFIED,     /* retained secret matched and both sides confirmed this device's SAS before */
	ZRTP_TRUST_MISMATCH,     /* retained secret did not match (RFC 6189 4.3.2): possible man in the middle */
	ZRTP_TRUST_OTHER_DEVICE, /* this peer URI was verified with another ZID: a new phone or a man in the middle */
};
const char *zrtp_trust_name(enum zrtp_trust t); /* "new", "verified", "MISMATCH", "other-device" */

/* SRTP master keys in the form srtp_sess_alloc takes: key || salt. */
struct zrtp_keys {
	enum srtp_suite_id suite;
	uint8_t tx[SRTP_MAX_MASTER_LEN]; /* ours, to send with */
	size_t tx_len;                   /* 0 in an rx_key report */
	uint8_t rx[SRTP_MAX_MASTER_LEN]; /* the peer's, to receive with */
	size_t rx_len;
};

#define ZRTP_SAS_MAX 48
struct zrtp_result {
	struct zrtp_keys keys;
	char sas[ZRTP_SAS_MAX]; /* B32: 4 characters; B256: two PGP words and a space between */
	enum zrtp_sas sas_type;
	char hash[5], cipher[5], auth[5], ka[5]; /* RFC 6189 5.1.2-5.1.5 names: "S256", "AES3", "HS80", "X255" */
	enum zrtp_trust trust;
	bool verified_here; /* we confirmed this device's SAS before (with trust NEW: the peer has not) */
	/*
	 * The peer's Hello, authenticated by the handshake's hash chain (zrtp_wire.h): its client
	 * identifier and the M flag a PBX sets (then the SAS is the PBX's, not the far phone's).
	 */
	struct zrtp_wire_hello peer;
};

/*
 * Handlers. send_h is called from inside the library (zrtp_start, zrtp_recv,
 * zrtp_tick) and must not free the engine; it returns 0 or an errno (the
 * packet is counted lost; the retransmission timers recover). rx_key_h
 * (optional) comes as soon as the peer's key is known, which can be one
 * round trip before secure_h, so its first SRTP packets can be read; it must
 * not free the engine. secure_h and fail_h come last in the call that caused
 * them and may free it. Key bytes are wiped when the handler returns.
 * fail_h's err: ETIMEDOUT (ZRTP started but did not finish within
 * ZRTP_HANDSHAKE_MAX_MS), EPROTONOSUPPORT (no ZRTP packet from the peer in
 * that time), EKEYREJECTED (the peer's Hello does not hash to its
 * a=zrtp-hash), EPROTO (the negotiated suite is not one srtp.c runs).
 */
typedef int(zrtp_send_h)(const uint8_t *pkt, size_t len, void *arg);
typedef void(zrtp_rx_key_h)(const struct zrtp_keys *k, void *arg);
typedef void(zrtp_secure_h)(const struct zrtp_result *r, void *arg);
typedef void(zrtp_fail_h)(int err, void *arg);
struct zrtp_handlers {
	zrtp_send_h *send;
	zrtp_rx_key_h *rx_key;
	zrtp_secure_h *secure;
	zrtp_fail_h *fail;
	void *arg;
};
/* The reason for a fail_h err, for the user. */
const char *zrtp_strerror(int err);

enum zrtp_state { ZRTP_IDLE, ZRTP_RUNNING, ZRTP_SECURE, ZRTP_FAILED };

struct zrtp_stats {
	uint64_t sent;     /* ZRTP packets handed to send_h */
	uint64_t received; /* accepted by the engine */
	uint64_t dropped;  /* refused: malformed, out of order, unexpected, before start or after the end */
};

/*
 * One ZRTP session. The Hello (and so zrtp_hello_hash) exists from alloc,
 * so the SDP can carry a=zrtp-hash before any packet is sent; nothing is sent
 * before zrtp_start. cache may be NULL: a random ZID, no retained secrets,
 * trust always NEW and zrtp_sas_confirm ENOTSUP. ELIBACC when libbzrtp
 * cannot be loaded.
 */
struct zrtp;
int zrtp_alloc(struct zrtp **zp, struct zrtp_cache *cache, const struct zrtp_conf *conf,
	       const struct zrtp_handlers *h);
void zrtp_free(struct zrtp *z);
/* Hand the engine to another owner (a stream): its handlers from now on; NULL detaches them all. */
int zrtp_set_handlers(struct zrtp *z, const struct zrtp_handlers *h);
/* Our a=zrtp-hash (version "1.10"). */
int zrtp_hello_hash(const struct zrtp *z, struct zrtp_hello_hash *h);
/*
 * The peer's a=zrtp-hash: a Hello that does not match it is refused and ends
 * the handshake (EKEYREJECTED through fail_h; if the Hello came before this
 * call, this call returns EKEYREJECTED and no handler runs).
 */
int zrtp_set_peer_hello_hash(struct zrtp *z, const struct zrtp_hello_hash *h);
/* Start sending Hello (the first now); now_ms is the owner's monotonic clock. EALREADY if started. */
int zrtp_start(struct zrtp *z, uint64_t now_ms);
/*
 * A datagram classified ZRTP_WIRE_ZRTP: 0 accepted, EBADMSG refused by the
 * engine (counted dropped; the handshake goes on), EKEYREJECTED Hello hash
 * mismatch (fail_h was called), ECANCELED not running.
 */
int zrtp_recv(struct zrtp *z, const uint8_t *pkt, size_t len, uint64_t now_ms);
/* Retransmissions and the ZRTP_HANDSHAKE_MAX_MS deadline. */
void zrtp_tick(struct zrtp *z, uint64_t now_ms);
enum zrtp_state zrtp_state(const struct zrtp *z);
void zrtp_stats(const struct zrtp *z, struct zrtp_stats *st);
/* The last Hello the engine accepted (not yet authenticated before ZRTP_SECURE): 0, or ENOENT before one. */
int zrtp_peer_hello(const struct zrtp *z, struct zrtp_wire_hello *h);

/*
 * The user compared the SAS of this (secure) session: true stores "verified"
 * for this peer device, false stores "rejected" (RFC 6189 7.1). The next
 * call shows ZRTP_TRUST_VERIFIED once both sides confirmed. EAGAIN before
 * ZRTP_SECURE, ENOTSUP without a cache.
 */
int zrtp_sas_confirm(struct zrtp *z, bool verified);

#endif
