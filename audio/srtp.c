/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * srtp.c: SRTP sessions over libsrtp2 and its status codes; with srtp_kernel.c (the OpenSSL ciphers its
 * crypto kernel runs, started from here) the only files that include libsrtp.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <srtp2/auth.h>
#include <srtp2/cipher.h>
#include <srtp2/srtp.h>

#include "be.h"
#include "rtp.h"
#include "srtp.h"
#include "srtp_kernel.h"

struct suite_info {
	const char *name;
	size_t key_len;
	size_t salt_len;
	size_t rtp_tag;
	size_t rtcp_tag;
	void (*rtp_policy)(srtp_crypto_policy_t *p);
	void (*rtcp_policy)(srtp_crypto_policy_t *p);
	bool rtcp_short; /* a peer may tag SRTCP with the RTP policy's short tag instead (see rtcp_tag) */
};

/* The _32 suites keep an 80-bit tag on SRTCP (RFC 4568 6.2.1, RFC 6188); see enum rtcp_tag for peers that don't. */
static const struct suite_info suites[SRTP_SUITE_COUNT] = {
	[SRTP_SUITE_AES_CM_128_HMAC_SHA1_80] = { "AES_CM_128_HMAC_SHA1_80", 16, 14, 10, 10,
		srtp_crypto_policy_set_rtp_default, srtp_crypto_policy_set_rtp_default },
	[SRTP_SUITE_AES_CM_128_HMAC_SHA1_32] = { "AES_CM_128_HMAC_SHA1_32", 16, 14, 4, 10,
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32, srtp_crypto_policy_set_rtp_default, true },
	[SRTP_SUITE_AES_256_CM_HMAC_SHA1_80] = { "AES_256_CM_HMAC_SHA1_80", 32, 14, 10, 10,
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80, srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 },
	[SRTP_SUITE_AES_256_CM_HMAC_SHA1_32] = { "AES_256_CM_HMAC_SHA1_32", 32, 14, 4, 10,
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32, srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80, true },
	[SRTP_SUITE_AEAD_AES_128_GCM] = { "AEAD_AES_128_GCM", 16, 12, 16, 16,
		srtp_crypto_policy_set_aes_gcm_128_16_auth, srtp_crypto_policy_set_aes_gcm_128_16_auth },
	[SRTP_SUITE_AEAD_AES_256_GCM] = { "AEAD_AES_256_GCM", 32, 12, 16, 16,
		srtp_crypto_policy_set_aes_gcm_256_16_auth, srtp_crypto_policy_set_aes_gcm_256_16_auth },
};

#define SRTCP_INDEX_LEN 4

/*
 * The SRTCP tag of a _32 suite. RFC 4568 6.2.1 keeps 80 bits on SRTCP, but
 * Asterisk's res_srtp (one libsrtp policy for RTP and RTCP) tags it with 32,
 * and each side then refuses the other's reports. The peer's choice is
 * learned from the first SRTCP packet that authenticates under either tag
 * (authentication decides, so nobody can talk us into one); ours follows it.
 * We start with the RFC's. Switching means a second context on the same
 * key, whose SRTCP index would start again at 1 and repeat keystream already
 * sent; so before its first packet goes out it protects, and throws away, as
 * many reports as went out under the first (RTCP_SWITCH_MAX at most, else we
 * stay with the RFC's tag): its index then goes on where the other stopped,
 * and keystream generated but never sent is no reuse.
 */
enum rtcp_tag { RTCP_TAG_UNKNOWN, RTCP_TAG_RFC, RTCP_TAG_SHORT };
#define RTCP_SWITCH_MAX 64

/*
 * libsrtp's inbound context (ssrc_any_inbound) keeps a stream with its own
 * replay database for every SSRC that ever authenticated, until the context
 * is freed: a key holder sending each packet with a new SSRC grows memory
 * without bound (~160 bytes per SSRC). Legitimate SSRC changes are a handful
 * per call, so a receive context lets RX_SSRC_MAX of them through and refuses
 * packets of any further SSRC before libsrtp sees them (ENOSPC, counted
 * other_fail). A new receive key starts a fresh list.
 */
#define RX_SSRC_MAX 16

/* A key's fingerprint: the first 128 bits of SHA-256 over it. Tells keys apart, gives nothing of them away. */
#define FP_LEN 16

struct srtp_sess {
	bool secure;
	enum srtp_suite_id suite;
	srtp_t tx;                     /* NULL in a session that only unprotects (srtp_sess_rekey's old_rx) */
	uint8_t tx_fp[FP_LEN];
	bool tx_used;
	uint32_t tx_ssrc;              /* SSRC of the last packet protected */
	srtp_t rx;
	/* after a re-key, the same new key with each sender's old ROC carried over, until RTP decides */
	srtp_t rx_alt;
	uint8_t rx_fp[FP_LEN];
	struct srtp_sess_stats st;
	uint32_t rx_ssrc[RX_SSRC_MAX]; /* SSRCs that authenticated on rx */
	unsigned n_rx_ssrc;
	/* send keys this session has stopped using: never taken again (RFC 3711 9.2) */
	uint8_t retired[SRTP_SESS_MAX_RETIRED][FP_LEN];
	unsigned n_retired;
	/* _32 suites (see enum rtcp_tag): the peer's SRTCP tag, ours under the send key, and the short-tag contexts */
	enum rtcp_tag peer_rtcp; /* learned once, kept across re-keys: it is the peer implementation's habit */
	bool tx_rtcp_short;      /* our SRTCP goes out through tx_rtcp32 */
	unsigned tx_rtcp_sent;   /* SRTCP protected by tx under the send key, all of SSRC tx_rtcp_ssrc */
	uint32_t tx_rtcp_ssrc;
	srtp_t tx_rtcp32;        /* the send key with a 32-bit SRTCP tag; only ever protects SRTCP */
	srtp_t rx_rtcp32;        /* the receive key with a 32-bit SRTCP tag; only ever unprotects SRTCP */
};

static bool rx_ssrc_known(const struct srtp_sess *s, uint32_t ssrc)
{
	for (unsigned i = 0; i < s->n_rx_ssrc; i++)
		if (s->rx_ssrc[i] == ssrc)
			return true;
	return false;
}

/* May a packet of this SSRC go to libsrtp (known, or room for one more)? */
static bool rx_ssrc_allowed(const struct srtp_sess *s, uint32_t ssrc)
{
	return s->n_rx_ssrc < RX_SSRC_MAX || rx_ssrc_known(s, ssrc);
}

static void rx_ssrc_note(struct srtp_sess *s, uint32_t ssrc)
{
	if (!rx_ssrc_known(s, ssrc) && s->n_rx_ssrc < RX_SSRC_MAX)
		s->rx_ssrc[s->n_rx_ssrc++] = ssrc;
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static srtp_err_status_t init_status = srtp_err_status_init_fail;
static bool suite_ok[SRTP_SUITE_COUNT];
static int fast_types; /* how many of our six types libsrtp uses */

static int ctx_create(srtp_t *ctxp, enum srtp_suite_id id, const uint8_t *key, size_t len, bool outbound);

static void do_init(void)
{
	static const srtp_cipher_type_t *const ciphers[] = {
		&srtp_aes_icm_128, &srtp_aes_icm_192, &srtp_aes_icm_256, &srtp_aes_gcm_128, &srtp_aes_gcm_256,
	};

	unsigned kernel_took;

	srtp_kernel_begin();
	init_status = srtp_init();
	kernel_took = srtp_kernel_end();
	if (init_status != srtp_err_status_ok)
		return;
	/*
	 * A type the kernel already took under its name (see "symbol interposition") is not replaced by
	 * itself again (its self-tests would run twice); otherwise a replacement failing its self-test
	 * leaves libsrtp's own implementation in place.
	 */
	for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++)
		fast_types += (kernel_took & 1u << ciphers[i]->id) ||
			      srtp_replace_cipher_type(ciphers[i], ciphers[i]->id) == srtp_err_status_ok;
	fast_types += (kernel_took & KERNEL_AUTH_BIT) ||
		      srtp_replace_auth_type(&srtp_hmac, SRTP_HMAC_SHA1) == srtp_err_status_ok;
	/* which suites this libsrtp can do, once: a context each */
	for (unsigned i = 0; i < SRTP_SUITE_COUNT; i++) {
		uint8_t key[SRTP_MAX_MASTER_LEN] = { 0x5a };
		srtp_t ctx;

		if (ctx_create(&ctx, (enum srtp_suite_id)i, key, suites[i].key_len + suites[i].salt_len, true) == 0) {
			suite_ok[i] = true;
			srtp_dealloc(ctx);
		}
	}
}

static int lib_init(void)
{
	pthread_once(&init_once, do_init);
	return init_status == srtp_err_status_ok ? 0 : EIO;
}

static int map_status(srtp_err_status_t st)
{
	switch (st) {
	case srtp_err_status_ok:
		return 0;
	case srtp_err_status_auth_fail:
	case srtp_err_status_cant_check: /* e.g. SRTCP without the E bit: cannot be authenticated */
		return EBADMSG;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old:
		return EALREADY;
	case srtp_err_status_alloc_fail:
		return ENOMEM;
	case srtp_err_status_bad_param:
	case srtp_err_status_parse_err:
	case srtp_err_status_bad_mki:
		return EPROTO;
	case srtp_err_status_cipher_fail:
	case srtp_err_status_no_such_op:
		return ENOTSUP;
	case srtp_err_status_key_expired:
		return EKEYEXPIRED;
	default:
		return EIO;
	}
}

const char *srtp_suite_name(enum srtp_suite_id id)
{
	if ((unsigned)id >= SRTP_SUITE_COUNT)
		return NULL;
	return suites[id].name;
}

int srtp_suite_from_name(const char *name, enum srtp_suite_id *idp)
{
	if (!name || !idp)
		return EINVAL;
	for (unsigned i = 0; i < SRTP_SUITE_COUNT; i++) {
		if (strcmp(name, suites[i].name) == 0) {
			*idp = (enum srtp_suite_id)i;
			return 0;
		}
	}
	return ENOENT;
}

size_t srtp_suite_key_len(enum srtp_suite_id id)
{
	return (unsigned)id < SRTP_SUITE_COUNT ? suites[id].key_len : 0;
}

size_t srtp_suite_salt_len(enum srtp_suite_id id)
{
	return (unsigned)id < SRTP_SUITE_COUNT ? suites[id].salt_len : 0;
}

/*
 * A context for one direction (ssrc_any_*), or with ssrc set (ctxp NULL) one
 * more stream for that inbound SSRC in the context add_to.
 */
static int ctx_build(srtp_t *ctxp, srtp_t add_to, enum srtp_suite_id id, const uint8_t *key, size_t len,
		     bool outbound, uint32_t ssrc, bool rtcp32)
{
	const struct suite_info *si = &suites[id];
	uint8_t kbuf[SRTP_MAX_KEY_LEN];
	srtp_policy_t pol;
	srtp_err_status_t st;

	if (len != si->key_len + si->salt_len || len > sizeof(kbuf))
		return EINVAL;
	memset(&pol, 0, sizeof(pol));
	si->rtp_policy(&pol.rtp);
	if (rtcp32)
		si->rtp_policy(&pol.rtcp); /* the short tag on SRTCP too */
	else
		si->rtcp_policy(&pol.rtcp);
	if (ctxp) {
		pol.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
	} else {
		pol.ssrc.type = ssrc_specific;
		pol.ssrc.value = ssrc;
	}
	/* libsrtp takes a non-const key; give it a private copy and wipe it */
	memcpy(kbuf, key, len);
	pol.key = kbuf;
	pol.window_size = 128;
	pol.allow_repeat_tx = 0;
	st = ctxp ? srtp_create(ctxp, &pol) : srtp_add_stream(add_to, &pol);
	explicit_bzero(kbuf, sizeof(kbuf));
	return map_status(st);
}

static int ctx_create(srtp_t *ctxp, enum srtp_suite_id id, const uint8_t *key, size_t len, bool outbound)
{
	return ctx_build(ctxp, NULL, id, key, len, outbound, 0, false);
}

/* The same key with a 32-bit SRTCP tag, where the suite has one and it may still be needed (else *ctxp NULL). */
static int ctx_create_rtcp32(srtp_t *ctxp, enum srtp_suite_id id, const uint8_t *key, size_t len, bool outbound,
			     enum rtcp_tag tag)
{
	*ctxp = NULL;
	if (!suites[id].rtcp_short || tag == RTCP_TAG_RFC)
		return 0;
	return ctx_build(ctxp, NULL, id, key, len, outbound, 0, true);
}

static void ctx_free(srtp_t *ctx)
{
	/* srtp_dealloc zeroes the derived session keys */
	if (*ctx)
		srtp_dealloc(*ctx);
	*ctx = NULL;
}

static void key_fp(uint8_t fp[FP_LEN], const uint8_t *key, size_t len)
{
	uint8_t md[SHA256_DIGEST_LENGTH];

	SHA256(key, len, md);
	memcpy(fp, md, FP_LEN);
	explicit_bzero(md, sizeof(md));
}

/* The rollover counter a context has reached for one SSRC (0 when it has no stream for it). */
static uint32_t ctx_roc(srtp_t ctx, uint32_t ssrc)
{
	uint32_t roc = 0;

	if (!ctx || srtp_get_stream_roc(ctx, ssrc, &roc) != srtp_err_status_ok)
		return 0;
	return roc;
}

bool srtp_suite_supported(enum srtp_suite_id id)
{
	if ((unsigned)id >= SRTP_SUITE_COUNT || lib_init())
		return false;
	return suite_ok[id];
}

const char *srtp_lib_version(void)
{
	return srtp_get_version_string();
}

int srtp_lib_fast_types(void)
{
	return lib_init() ? 0 : fast_types;
}

int srtp_sess_alloc(struct srtp_sess **sp, enum srtp_suite_id suite, const uint8_t *tx_key,
		    size_t tx_len, const uint8_t *rx_key, size_t rx_len)
{
	struct srtp_sess *s = NULL;
	int err;

	if (!sp)
		return EINVAL;
	err = srtp_sess_alloc_plain(&s);
	if (!err)
		err = srtp_sess_rekey(s, suite, tx_key, tx_len, rx_key, rx_len, NULL, NULL);
	if (err) {
		srtp_sess_free(s);
		return err;
	}
	*sp = s;
	return 0;
}

int srtp_sess_alloc_plain(struct srtp_sess **sp)
{
	struct srtp_sess *s;

	if (!sp)
		return EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ENOMEM;
	s->suite = SRTP_SUITE_COUNT;
	*sp = s;
	return 0;
}

int srtp_sess_alloc_rx(struct srtp_sess **sp, enum srtp_suite_id suite, const uint8_t *rx_key, size_t rx_len)
{
	struct srtp_sess *s = NULL;
	int err;

	if (!sp || (unsigned)suite >= SRTP_SUITE_COUNT || !rx_key ||
	    rx_len != suites[suite].key_len + suites[suite].salt_len)
		return EINVAL;
	if ((err = lib_init()) != 0 || (err = srtp_sess_alloc_plain(&s)) != 0)
		return err;
	err = ctx_create(&s->rx, suite, rx_key, rx_len, false);
	if (!err)
		err = ctx_create_rtcp32(&s->rx_rtcp32, suite, rx_key, rx_len, false, s->peer_rtcp);
	if (err) {
		srtp_sess_free(s);
		return err;
	}
	key_fp(s->rx_fp, rx_key, rx_len);
	s->secure = true;
	s->suite = suite;
	*sp = s;
	return 0;
}

void srtp_sess_free(struct srtp_sess *s)
{
	if (!s)
		return;
	ctx_free(&s->tx);
	ctx_free(&s->tx_rtcp32);
	ctx_free(&s->rx);
	ctx_free(&s->rx_alt);
	ctx_free(&s->rx_rtcp32);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

static bool tx_retired(const struct srtp_sess *s, const uint8_t fp[FP_LEN])
{
	for (unsigned i = 0; i < s->n_retired; i++)
		if (CRYPTO_memcmp(s->retired[i], fp, FP_LEN) == 0)
			return true;
	return false;
}

/*
 * For a new receive key: a context that starts every sender at ROC 0, and,
 * when the old context had counted a rollover for a sender, one that goes on
 * from that sender's ROC (*altp, else NULL).
 */
static int rx_contexts(const struct srtp_sess *s, enum srtp_suite_id suite, const uint8_t *key, size_t len,
		       srtp_t *rxp, srtp_t *altp)
{
	srtp_t rx = NULL, alt = NULL;
	int err;

	err = ctx_create(&rx, suite, key, len, false);
	for (unsigned i = 0; !err && s->rx && i < s->n_rx_ssrc; i++) {
		uint32_t roc = ctx_roc(s->rx, s->rx_ssrc[i]);

		if (!roc)
			continue;
		if (!alt)
			err = ctx_create(&alt, suite, key, len, false);
		if (!err)
			err = ctx_build(NULL, alt, suite, key, len, false, s->rx_ssrc[i], false);
		if (!err)
			err = map_status(srtp_set_stream_roc(alt, s->rx_ssrc[i], roc));
	}
	if (err) {
		ctx_free(&rx);
		ctx_free(&alt);
		return err;
	}
	*rxp = rx;
	*altp = alt;
	return 0;
}

/* The receive side leaves s: to a session of its own that only unprotects (*old_rxp), or freed. */
static void rx_move_out(struct srtp_sess *s, struct srtp_sess *old)
{
	if (old) {
		old->secure = true;
		old->suite = s->suite;
		old->rx = s->rx;
		old->rx_rtcp32 = s->rx_rtcp32;
		old->peer_rtcp = s->peer_rtcp;
		memcpy(old->rx_ssrc, s->rx_ssrc, sizeof(old->rx_ssrc));
		old->n_rx_ssrc = s->n_rx_ssrc;
		s->rx = NULL;
		s->rx_rtcp32 = NULL;
	}
	ctx_free(&s->rx);
	ctx_free(&s->rx_alt);
	ctx_free(&s->rx_rtcp32);
	memset(s->rx_ssrc, 0, sizeof(s->rx_ssrc));
	s->n_rx_ssrc = 0;
	memset(s->rx_fp, 0, sizeof(s->rx_fp));
}

/* The send key stops being used: retired, and whether its context had counted a rollover. */
static void tx_retire(struct srtp_sess *s, struct srtp_rekey_info *info)
{
	if (!s->tx)
		return;
	info->tx_wrapped = srtp_sess_tx_wrapped(s);
	if (s->n_retired < SRTP_SESS_MAX_RETIRED)
		memcpy(s->retired[s->n_retired++], s->tx_fp, FP_LEN);
	ctx_free(&s->tx);
	ctx_free(&s->tx_rtcp32);
	s->tx_rtcp_short = false;
	s->tx_rtcp_sent = 0;
	s->tx_used = false;
}

int srtp_sess_rekey(struct srtp_sess *s, enum srtp_suite_id suite, const uint8_t *tx_key, size_t tx_len,
		    const uint8_t *rx_key, size_t rx_len, struct srtp_sess **old_rxp, struct srtp_rekey_info *info)
{
	struct srtp_rekey_info inf = { 0 };
	struct srtp_sess *old = NULL;
	srtp_t tx = NULL, rx = NULL, alt = NULL, tx32 = NULL, rx32 = NULL;
	uint8_t tfp[FP_LEN], rfp[FP_LEN];
	bool tx_same, rx_same;
	size_t need;
	int err;

	if (old_rxp)
		*old_rxp = NULL;
	if (!s || (unsigned)suite >= SRTP_SUITE_COUNT || !tx_key || !rx_key)
		return EINVAL;
	need = suites[suite].key_len + suites[suite].salt_len;
	if (tx_len != need || rx_len != need)
		return EINVAL;
	err = lib_init();
	if (err)
		return err;
	key_fp(tfp, tx_key, tx_len);
	key_fp(rfp, rx_key, rx_len);
	tx_same = s->secure && s->tx && suite == s->suite && CRYPTO_memcmp(tfp, s->tx_fp, FP_LEN) == 0;
	rx_same = s->secure && s->rx && suite == s->suite && CRYPTO_memcmp(rfp, s->rx_fp, FP_LEN) == 0;
	if (!tx_same) {
		/* the same bytes under another suite would give the same keystream from index 0 again */
		if (tx_retired(s, tfp) || (s->tx && CRYPTO_memcmp(tfp, s->tx_fp, FP_LEN) == 0)) {
			err = EKEYREJECTED;
			goto out;
		}
		if (s->tx && s->n_retired >= SRTP_SESS_MAX_RETIRED) {
			err = ENOSPC;
			goto out;
		}
		if ((err = ctx_create(&tx, suite, tx_key, tx_len, true)) != 0 ||
		    (err = ctx_create_rtcp32(&tx32, suite, tx_key, tx_len, true, RTCP_TAG_UNKNOWN)) != 0)
			goto out;
	}
	if (!rx_same) {
		if ((err = rx_contexts(s, suite, rx_key, rx_len, &rx, &alt)) != 0 ||
		    (err = ctx_create_rtcp32(&rx32, suite, rx_key, rx_len, false, s->peer_rtcp)) != 0)
			goto out;
		if (s->secure && old_rxp && !(old = calloc(1, sizeof(*old)))) {
			err = ENOMEM;
			goto out;
		}
	}
	/* nothing can fail from here on */
	if (!tx_same) {
		tx_retire(s, &inf);
		s->tx = tx;
		s->tx_rtcp32 = tx32;
		tx = tx32 = NULL;
		memcpy(s->tx_fp, tfp, FP_LEN);
		inf.tx_new = true;
	}
	if (!rx_same) {
		rx_move_out(s, old);
		s->rx = rx;
		s->rx_alt = alt;
		s->rx_rtcp32 = rx32;
		rx = alt = rx32 = NULL;
		memcpy(s->rx_fp, rfp, FP_LEN);
		inf.rx_new = true;
		if (old_rxp)
			*old_rxp = old;
		old = NULL;
	}
	s->secure = true;
	s->suite = suite;
	if (info)
		*info = inf;
out:
	ctx_free(&tx);
	ctx_free(&tx32);
	ctx_free(&rx);
	ctx_free(&alt);
	ctx_free(&rx32);
	free(old);
	explicit_bzero(tfp, sizeof(tfp));
	explicit_bzero(rfp, sizeof(rfp));
	return err;
}

int srtp_sess_rekey_plain(struct srtp_sess *s, struct srtp_sess **old_rxp, struct srtp_rekey_info *info)
{
	struct srtp_rekey_info inf = { 0 };
	struct srtp_sess *old = NULL;

	if (old_rxp)
		*old_rxp = NULL;
	if (!s)
		return EINVAL;
	if (!s->secure) {
		if (info)
			*info = inf;
		return 0;
	}
	if (s->tx && s->n_retired >= SRTP_SESS_MAX_RETIRED)
		return ENOSPC;
	if (old_rxp && !(old = calloc(1, sizeof(*old))))
		return ENOMEM;
	tx_retire(s, &inf);
	memset(s->tx_fp, 0, sizeof(s->tx_fp));
	inf.tx_new = inf.rx_new = true;
	rx_move_out(s, old);
	s->secure = false;
	s->suite = SRTP_SUITE_COUNT;
	if (old_rxp)
		*old_rxp = old;
	if (info)
		*info = inf;
	return 0;
}

bool srtp_sess_secure(const struct srtp_sess *s)
{
	return s && s->secure;
}

bool srtp_sess_tx_wrapped(const struct srtp_sess *s)
{
	return s && s->tx && s->tx_used && ctx_roc(s->tx, s->tx_ssrc) > 0;
}

enum srtp_suite_id srtp_sess_suite(const struct srtp_sess *s)
{
	return s->suite;
}

size_t srtp_sess_rtp_overhead(const struct srtp_sess *s)
{
	return s->secure ? suites[s->suite].rtp_tag : 0;
}

size_t srtp_sess_rtcp_overhead(const struct srtp_sess *s)
{
	return s->secure ? SRTCP_INDEX_LEN + suites[s->suite].rtcp_tag : 0;
}

void srtp_sess_stats(const struct srtp_sess *s, struct srtp_sess_stats *st)
{
	*st = s->st;
}

static void count_fail(struct srtp_sess *s, int err)
{
	if (err == EBADMSG)
		s->st.auth_fail++;
	else if (err == EALREADY)
		s->st.replay_fail++;
	else
		s->st.other_fail++;
}

/*
 * RTCP header sanity for both directions: V=2 and a whole common header plus
 * SSRC. The length fields are left to the RTCP parser after decryption (the
 * published SRTCP vectors themselves carry inconsistent length fields).
 */
static bool rtcp_head_ok(const uint8_t *p, size_t len)
{
	return len >= 8 && (p[0] >> 6) == 2;
}

/* A whole, well-formed plaintext RTCP compound: its lengths add up to len exactly. */
static bool rtcp_is_plain_compound(const uint8_t *p, size_t len)
{
	size_t off = 0;

	if (len < 8 || p[1] < 200 || p[1] > 206)
		return false;
	while (off < len) {
		size_t plen;
		if (len - off < 4 || (p[off] >> 6) != 2)
			return false;
		plen = 4 * ((size_t)be16_get(p + off + 2) + 1);
		if (plen > len - off)
			return false;
		off += plen;
	}
	return true;
}

/* The RTP header with its CSRC list and extension fits in len - tag. */
static inline bool rtp_layout_ok(const uint8_t *p, size_t len, size_t tag)
{
	size_t off = RTP_HDR_LEN;

	if (len < RTP_HDR_LEN + tag || (p[0] >> 6) != RTP_VERSION)
		return false;
	if (!(p[0] & 0x1F)) /* the fixed header alone (most packets): it fits */
		return true;
	len -= tag;
	off += 4u * (p[0] & 0x0F);
	if (off > len)
		return false;
	if (p[0] & 0x10) {
		if (len - off < 4)
			return false;
		off += 4 + 4 * (size_t)be16_get(p + off + 2);
		if (off > len)
			return false;
	}
	return true;
}

/*
 * The first RTP packet after a receive re-key that authenticates under one
 * of the two candidates (ROC from 0, or carried over) settles which one the
 * sender uses; the other goes. AES-GCM decrypts in place before it checks
 * the tag, so the second try works on a copy.
 */
static int rx_decide(struct srtp_sess *s, uint8_t *pkt, int *n)
{
	uint8_t copy[2048];
	int cn = *n, err;

	if ((size_t)*n > sizeof(copy))
		return map_status(srtp_unprotect(s->rx, pkt, n));
	memcpy(copy, pkt, (size_t)cn);
	err = map_status(srtp_unprotect(s->rx, pkt, n));
	if (!err) {
		ctx_free(&s->rx_alt);
	} else if (err == EBADMSG && map_status(srtp_unprotect(s->rx_alt, copy, &cn)) == 0) {
		ctx_free(&s->rx);
		s->rx = s->rx_alt;
		s->rx_alt = NULL;
		memcpy(pkt, copy, (size_t)cn);
		*n = cn;
		err = 0;
	}
	explicit_bzero(copy, sizeof(copy));
	return err;
}

/* Until RTP decides, SRTCP goes to both candidates (one key, one SRTCP index), so either keeps its replay window. */
static void rx_alt_mirror_rtcp(struct srtp_sess *s, const uint8_t *pkt, size_t len)
{
	uint8_t copy[2048];
	int n = (int)len;

	if (len > sizeof(copy))
		return;
	memcpy(copy, pkt, len);
	(void)srtp_unprotect_rtcp(s->rx_alt, copy, &n);
	explicit_bzero(copy, len);
}

int srtp_sess_protect(struct srtp_sess *s, uint8_t *pkt, size_t *len, size_t cap)
{
	size_t need;
	int n, err;

	if (!s || !pkt || !len)
		return EINVAL;
	/* version, header, CSRCs and extension in the packet: all protect needs (not a full parse per packet) */
	if (!rtp_layout_ok(pkt, *len, 0)) {
		err = EPROTO;
		goto out;
	}
	if (!s->secure) {
		s->st.plaintext_sent++;
		return 0;
	}
	if (!s->tx) {
		err = EINVAL;
		goto out;
	}
	need = *len + suites[s->suite].rtp_tag;
	if (need > cap || need > INT_MAX) {
		err = ENOBUFS;
		goto out;
	}
	n = (int)*len;
	err = map_status(srtp_protect(s->tx, pkt, &n));
	if (err)
		goto out;
	s->tx_used = true;
	s->tx_ssrc = be32_get(pkt + 8);
	s->st.protected_pkts++;
	s->st.protected_bytes += *len;
	*len = (size_t)n;
	return 0;
out:
	count_fail(s, err);
	return err;
}

int srtp_sess_unprotect(struct srtp_sess *s, uint8_t *pkt, size_t *len)
{
	struct rtp_hdr h;
	uint32_t ssrc;
	int n, err;


	if (!s || !pkt || !len)
		return EINVAL;
	if (!s->secure) {
		if (rtp_hdr_decode(&h, pkt, *len)) {
			err = EPROTO;
			goto out;
		}
		s->st.plaintext_received++;
		return 0;
	}
	/* header, CSRCs, extension and tag must be there (padding is encrypted) */
	if (*len > INT_MAX || !rtp_layout_ok(pkt, *len, suites[s->suite].rtp_tag)) {
		err = EPROTO;
		goto out;
	}
	ssrc = be32_get(pkt + 8);
	if (!rx_ssrc_allowed(s, ssrc)) {
		err = ENOSPC;
		goto out;
	}
	n = (int)*len;
	err = s->rx_alt ? rx_decide(s, pkt, &n) : map_status(srtp_unprotect(s->rx, pkt, &n));
	if (err)
		goto out;
	rx_ssrc_note(s, ssrc);
	s->st.unprotected_pkts++;
	s->st.unprotected_bytes += (size_t)n;
	*len = (size_t)n;
	return 0;
out:
	count_fail(s, err);
	return err;
}

/*
 * Which context protects our SRTCP of SSRC ssrc, and its tag: with a _32
 * suite whose peer tags SRTCP with 32 bits, the short-tag context, first
 * brought to the index the other one reached (see enum rtcp_tag).
 */
static srtp_t tx_rtcp_ctx(struct srtp_sess *s, uint32_t ssrc, size_t *tag)
{
	const struct suite_info *si = &suites[s->suite];

	if (si->rtcp_short && s->tx_rtcp32 && s->peer_rtcp == RTCP_TAG_RFC)
		ctx_free(&s->tx_rtcp32);
	if (si->rtcp_short && s->tx_rtcp32 && s->peer_rtcp == RTCP_TAG_SHORT && !s->tx_rtcp_short &&
	    (s->tx_rtcp_sent == 0 || (s->tx_rtcp_ssrc == ssrc && s->tx_rtcp_sent <= RTCP_SWITCH_MAX))) {
		uint8_t dummy[8 + SRTCP_INDEX_LEN + SRTP_SESS_MAX_TRAILER];
		bool ok = true;

		/* an empty receiver report of ssrc, protected and thrown away: only its index counts */
		for (unsigned i = 0; ok && i < s->tx_rtcp_sent; i++) {
			int n = 8;

			memset(dummy, 0, sizeof(dummy));
			dummy[0] = 0x80;
			dummy[1] = 201;
			dummy[3] = 1;
			dummy[4] = (uint8_t)(ssrc >> 24);
			dummy[5] = (uint8_t)(ssrc >> 16);
			dummy[6] = (uint8_t)(ssrc >> 8);
			dummy[7] = (uint8_t)ssrc;
			ok = srtp_protect_rtcp(s->tx_rtcp32, dummy, &n) == srtp_err_status_ok;
		}
		explicit_bzero(dummy, sizeof(dummy));
		if (ok)
			s->tx_rtcp_short = true;
		else
			ctx_free(&s->tx_rtcp32); /* stay with the RFC's tag */
	}
	if (s->tx_rtcp_short) {
		*tag = si->rtp_tag;
		return s->tx_rtcp32;
	}
	*tag = si->rtcp_tag;
	return s->tx;
}

int srtp_sess_protect_rtcp(struct srtp_sess *s, uint8_t *pkt, size_t *len, size_t cap)
{
	srtp_t ctx;
	size_t need, tag;
	int n, err;

	if (!s || !pkt || !len)
		return EINVAL;
	if (!rtcp_head_ok(pkt, *len)) {
		err = EPROTO;
		goto out;
	}
	if (!s->secure) {
		s->st.plaintext_sent++;
		return 0;
	}
	if (!s->tx) {
		err = EINVAL;
		goto out;
	}
	ctx = tx_rtcp_ctx(s, be32_get(pkt + 4), &tag);
	need = *len + SRTCP_INDEX_LEN + tag;
	if (need > cap || need > INT_MAX) {
		err = ENOBUFS;
		goto out;
	}
	n = (int)*len;
	err = map_status(srtp_protect_rtcp(ctx, pkt, &n));
	if (err)
		goto out;
	if (ctx == s->tx) {
		/* how far the RFC-tag context's SRTCP index went (a switch goes on from there); one SSRC only */
		uint32_t ssrc = be32_get(pkt + 4);

		if (s->tx_rtcp_sent && s->tx_rtcp_ssrc != ssrc)
			s->tx_rtcp_sent = RTCP_SWITCH_MAX + 1;
		else if (s->tx_rtcp_sent <= RTCP_SWITCH_MAX)
			s->tx_rtcp_sent++;
		s->tx_rtcp_ssrc = ssrc;
	}
	s->st.protected_pkts++;
	s->st.rtcp_protected++;
	s->st.protected_bytes += *len;
	*len = (size_t)n;
	return 0;
out:
	count_fail(s, err);
	return err;
}

int srtp_sess_unprotect_rtcp(struct srtp_sess *s, uint8_t *pkt, size_t *len)
{
	uint8_t copy[2048];
	size_t trailer, short_trailer;
	bool plain, try_rfc = true, try_short = false;
	uint32_t ssrc;
	int n, err = EBADMSG;

	if (!s || !pkt || !len)
		return EINVAL;
	if (!s->secure) {
		if (!rtcp_head_ok(pkt, *len)) {
			err = EPROTO;
			goto out;
		}
		s->st.plaintext_received++;
		return 0;
	}
	trailer = SRTCP_INDEX_LEN + suites[s->suite].rtcp_tag;
	short_trailer = SRTCP_INDEX_LEN + suites[s->suite].rtp_tag;
	/* a _32 suite whose peer's SRTCP tag is not known to be the RFC's (see enum rtcp_tag) */
	if (suites[s->suite].rtcp_short && s->rx_rtcp32 && *len <= sizeof(copy)) {
		try_short = true;
		try_rfc = s->peer_rtcp != RTCP_TAG_SHORT && *len >= 8 + trailer;
	}
	if (*len > INT_MAX || *len < 8 + (try_short ? short_trailer : trailer) ||
	    !rtcp_head_ok(pkt, *len - (try_short ? short_trailer : trailer))) {
		err = EPROTO;
		goto out;
	}
	/* judged before libsrtp runs: a failed AEAD open may leave the buffer altered */
	plain = rtcp_is_plain_compound(pkt, *len);
	ssrc = be32_get(pkt + 4);
	if (!rx_ssrc_allowed(s, ssrc)) {
		err = ENOSPC;
		goto out;
	}
	if (try_rfc) {
		if (try_short)
			memcpy(copy, pkt, *len);
		if (s->rx_alt)
			rx_alt_mirror_rtcp(s, pkt, *len);
		n = (int)*len;
		err = map_status(srtp_unprotect_rtcp(s->rx, pkt, &n));
		if (!err && try_short) {
			s->peer_rtcp = RTCP_TAG_RFC;
			ctx_free(&s->rx_rtcp32);
		}
	}
	if (err == EBADMSG && try_short) {
		if (try_rfc)
			memcpy(pkt, copy, *len);
		n = (int)*len;
		err = map_status(srtp_unprotect_rtcp(s->rx_rtcp32, pkt, &n));
		if (!err)
			s->peer_rtcp = RTCP_TAG_SHORT;
	}
	if (try_short && try_rfc)
		explicit_bzero(copy, *len);
	if (err) {
		/* a peer sending plain RTCP on an SRTP session: count it apart */
		if (err == EBADMSG && plain) {
			s->st.plaintext_received++;
			return err;
		}
		goto out;
	}
	rx_ssrc_note(s, ssrc);
	s->st.unprotected_pkts++;
	s->st.rtcp_unprotected++;
	s->st.unprotected_bytes += (size_t)n;
	*len = (size_t)n;
	return 0;
out:
	count_fail(s, err);
	return err;
}
