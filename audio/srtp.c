/* srtp.c: SRTP sessions over libsrtp2; the only file that includes libsrtp and maps its status codes. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "rtp.h"
#include "srtp.h"

struct suite_info {
	const char *name;
	size_t key_len;
	size_t salt_len;
	size_t rtp_tag;
	size_t rtcp_tag;
	void (*rtp_policy)(srtp_crypto_policy_t *p);
	void (*rtcp_policy)(srtp_crypto_policy_t *p);
};

/* The _32 suites keep an 80-bit tag on SRTCP (RFC 4568 6.2.1, RFC 6188). */
static const struct suite_info suites[SRTP_SUITE_COUNT] = {
	[SRTP_SUITE_AES_CM_128_HMAC_SHA1_80] = { "AES_CM_128_HMAC_SHA1_80", 16, 14, 10, 10,
		srtp_crypto_policy_set_rtp_default, srtp_crypto_policy_set_rtp_default },
	[SRTP_SUITE_AES_CM_128_HMAC_SHA1_32] = { "AES_CM_128_HMAC_SHA1_32", 16, 14, 4, 10,
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32, srtp_crypto_policy_set_rtp_default },
	[SRTP_SUITE_AES_256_CM_HMAC_SHA1_80] = { "AES_256_CM_HMAC_SHA1_80", 32, 14, 10, 10,
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80, srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 },
	[SRTP_SUITE_AES_256_CM_HMAC_SHA1_32] = { "AES_256_CM_HMAC_SHA1_32", 32, 14, 4, 10,
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32, srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 },
	[SRTP_SUITE_AEAD_AES_128_GCM] = { "AEAD_AES_128_GCM", 16, 12, 16, 16,
		srtp_crypto_policy_set_aes_gcm_128_16_auth, srtp_crypto_policy_set_aes_gcm_128_16_auth },
	[SRTP_SUITE_AEAD_AES_256_GCM] = { "AEAD_AES_256_GCM", 32, 12, 16, 16,
		srtp_crypto_policy_set_aes_gcm_256_16_auth, srtp_crypto_policy_set_aes_gcm_256_16_auth },
};

#define SRTCP_INDEX_LEN 4

struct srtp_sess {
	bool secure;
	enum srtp_suite_id suite;
	srtp_t tx;
	srtp_t rx;
	struct srtp_sess_stats st;
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static srtp_err_status_t init_status = srtp_err_status_init_fail;

static void do_init(void)
{
	init_status = srtp_init();
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

static int ctx_create(srtp_t *ctxp, enum srtp_suite_id id, const uint8_t *key, size_t len,
		      bool outbound)
{
	const struct suite_info *si = &suites[id];
	uint8_t kbuf[SRTP_MAX_KEY_LEN];
	srtp_policy_t pol;
	srtp_err_status_t st;

	if (len != si->key_len + si->salt_len || len > sizeof(kbuf))
		return EINVAL;
	memset(&pol, 0, sizeof(pol));
	si->rtp_policy(&pol.rtp);
	si->rtcp_policy(&pol.rtcp);
	pol.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
	/* libsrtp takes a non-const key; give it a private copy and wipe it */
	memcpy(kbuf, key, len);
	pol.key = kbuf;
	pol.window_size = 128;
	pol.allow_repeat_tx = 0;
	st = srtp_create(ctxp, &pol);
	explicit_bzero(kbuf, sizeof(kbuf));
	return map_status(st);
}

bool srtp_suite_supported(enum srtp_suite_id id)
{
	uint8_t key[SRTP_MAX_MASTER_LEN] = { 0x5a };
	srtp_t ctx;

	if ((unsigned)id >= SRTP_SUITE_COUNT || lib_init())
		return false;
	if (ctx_create(&ctx, id, key, suites[id].key_len + suites[id].salt_len, true))
		return false;
	srtp_dealloc(ctx);
	return true;
}

int srtp_sess_alloc(struct srtp_sess **sp, enum srtp_suite_id suite, const uint8_t *tx_key,
		    size_t tx_len, const uint8_t *rx_key, size_t rx_len)
{
	struct srtp_sess *s = NULL;
	int err;

	if (!sp || (unsigned)suite >= SRTP_SUITE_COUNT || !tx_key || !rx_key)
		return EINVAL;
	err = lib_init();
	if (err)
		return err;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ENOMEM;
	s->secure = true;
	s->suite = suite;
	err = ctx_create(&s->tx, suite, tx_key, tx_len, true);
	if (err)
		goto out;
	err = ctx_create(&s->rx, suite, rx_key, rx_len, false);
	if (err)
		goto out;
	*sp = s;
	s = NULL;
out:
	srtp_sess_free(s);
	return err;
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

void srtp_sess_free(struct srtp_sess *s)
{
	if (!s)
		return;
	/* srtp_dealloc zeroes the derived session keys */
	if (s->tx)
		srtp_dealloc(s->tx);
	if (s->rx)
		srtp_dealloc(s->rx);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

bool srtp_sess_secure(const struct srtp_sess *s)
{
	return s && s->secure;
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
		plen = 4 * ((size_t)(p[off + 2] << 8 | p[off + 3]) + 1);
		if (plen > len - off)
			return false;
		off += plen;
	}
	return true;
}

/* The RTP header with its CSRC list and extension fits in len - tag. */
static bool rtp_layout_ok(const uint8_t *p, size_t len, size_t tag)
{
	size_t off = RTP_HDR_LEN;

	if (len < RTP_HDR_LEN + tag || (p[0] >> 6) != RTP_VERSION)
		return false;
	len -= tag;
	off += 4u * (p[0] & 0x0F);
	if (off > len)
		return false;
	if (p[0] & 0x10) {
		if (len - off < 4)
			return false;
		off += 4 + 4 * (size_t)(p[off + 2] << 8 | p[off + 3]);
		if (off > len)
			return false;
	}
	return true;
}

int srtp_sess_protect(struct srtp_sess *s, uint8_t *pkt, size_t *len, size_t cap)
{
	struct rtp_hdr h;
	size_t need;
	int n, err;

	if (!s || !pkt || !len)
		return EINVAL;
	if (rtp_hdr_decode(&h, pkt, *len)) {
		err = EPROTO;
		goto out;
	}
	if (!s->secure) {
		s->st.plaintext_sent++;
		return 0;
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
	n = (int)*len;
	err = map_status(srtp_unprotect(s->rx, pkt, &n));
	if (err)
		goto out;
	s->st.unprotected_pkts++;
	s->st.unprotected_bytes += (size_t)n;
	*len = (size_t)n;
	return 0;
out:
	count_fail(s, err);
	return err;
}

int srtp_sess_protect_rtcp(struct srtp_sess *s, uint8_t *pkt, size_t *len, size_t cap)
{
	size_t need;
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
	need = *len + SRTCP_INDEX_LEN + suites[s->suite].rtcp_tag;
	if (need > cap || need > INT_MAX) {
		err = ENOBUFS;
		goto out;
	}
	n = (int)*len;
	err = map_status(srtp_protect_rtcp(s->tx, pkt, &n));
	if (err)
		goto out;
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
	size_t trailer;
	bool plain;
	int n, err;

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
	if (*len > INT_MAX || *len < 8 + trailer || !rtcp_head_ok(pkt, *len - trailer)) {
		err = EPROTO;
		goto out;
	}
	/* judged before libsrtp runs: a failed AEAD open may leave the buffer altered */
	plain = rtcp_is_plain_compound(pkt, *len);
	n = (int)*len;
	err = map_status(srtp_unprotect_rtcp(s->rx, pkt, &n));
	if (err) {
		/* a peer sending plain RTCP on an SRTP session: count it apart */
		if (err == EBADMSG && plain) {
			s->st.plaintext_received++;
			return err;
		}
		goto out;
	}
	s->st.unprotected_pkts++;
	s->st.rtcp_unprotected++;
	s->st.unprotected_bytes += (size_t)n;
	*len = (size_t)n;
	return 0;
out:
	count_fail(s, err);
	return err;
}
