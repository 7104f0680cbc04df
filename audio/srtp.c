/* SPDX-License-Identifier: GPL-3.0-or-later */
/* srtp.c: SRTP sessions over libsrtp2; the only file that includes libsrtp and maps its status codes. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* the low-level SHA-1 calls below are deprecated in OpenSSL 3 but are the only allocation-free HMAC there */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <srtp2/auth.h>
#include <srtp2/cipher.h>
#include <srtp2/srtp.h>

#include "be.h"
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

/*
 * OpenSSL-backed AES counter mode (ICM) and HMAC-SHA1 for libsrtp.
 *
 * Debian's libsrtp2 does its crypto through NSS, which per packet builds a
 * new PK11 context for the counter (malloc, locks) and a new digest context
 * for the HMAC: about 26,000 instructions to protect one 172-byte G.711
 * packet (callgrind, a 20 s call). libsrtp lets an application replace the
 * implementation behind a cipher or auth type id (srtp_replace_cipher_type,
 * srtp_replace_auth_type); everything else - key derivation, rollover and
 * replay handling, packet formats - stays libsrtp's. The types below keep
 * one EVP_CIPHER_CTX per cipher whose IV alone is reset per packet, and
 * HMAC-SHA1 as precomputed inner/outer SHA-1 states copied per packet: no
 * allocation, no lock. libsrtp self-tests a replacement (the known-answer
 * vectors below) before taking it, and keeps its own when that fails.
 * AES-GCM is replaced the same way (below).
 *
 * The types carry the names of libsrtp's built-in ones, and srtp.c is linked
 * into the executable, so they take those names' place (ELF symbol
 * interposition: libsrtp2 reaches them through its GOT, and the executable's
 * definitions come first). srtp_init's crypto kernel then loads and
 * self-tests these, never NSS's: on Debian every NSS self-test started and
 * shut down NSS (softokn, freebl's own power-up tests, sqlite), 1.2 MB of
 * NSS pages stayed resident and 0.8 MB more were at the peak, all for types
 * replaced a moment later. All six of libsrtp's NSS types must be here
 * (AES-192 counter mode too, which no SDES suite uses), or the one left out
 * starts NSS anyway. Should a libsrtp ever bind these names to itself, its
 * own types load and the srtp_replace_* calls in do_init still swap ours in
 * (kernel_took tells the two cases apart).
 * A type of ours that fails its self-test now fails srtp_init: no SRTP
 * rather than SRTP on a cipher that gave a wrong answer.
 */
#define SRTP_KERNEL_TYPE __attribute__((visibility("default")))
extern SRTP_KERNEL_TYPE const srtp_cipher_type_t srtp_aes_icm_128, srtp_aes_icm_192, srtp_aes_icm_256;
extern SRTP_KERNEL_TYPE const srtp_cipher_type_t srtp_aes_gcm_128, srtp_aes_gcm_256;
extern SRTP_KERNEL_TYPE const srtp_auth_type_t srtp_hmac;

/*
 * Ciphers fetched once from OpenSSL's provider (do_init): a legacy EVP_aes_*()
 * handed to EVP_EncryptInit_ex is looked up in the provider store, under its
 * lock, at every key set-up (15M instructions of srtp_init's self-tests).
 * NULL (fetch failed) makes the init fail: no SRTP on that cipher.
 */
enum evp_id { EVP_CTR128, EVP_CTR192, EVP_CTR256, EVP_GCM128, EVP_GCM256, EVP_COUNT };
static EVP_CIPHER *evp_ciphers[EVP_COUNT];
static const char *const evp_names[EVP_COUNT] = { "AES-128-CTR", "AES-192-CTR", "AES-256-CTR", "AES-128-GCM",
						  "AES-256-GCM" };

/* bit per cipher type id, and the auth bit: srtp_init's kernel self-tested ours (their alloc ran in it) */
#define KERNEL_AUTH_BIT (1u << 31)
static bool in_srtp_init;
static unsigned kernel_took;

static void kernel_note(unsigned bit)
{
	if (in_srtp_init) /* only do_init, under its pthread_once, writes either */
		kernel_took |= bit;
}

#define ICM_SALT_LEN 14

struct icm_state { /* ctx first: evp_cipher_alloc */
	EVP_CIPHER_CTX *ctx;
	uint8_t salt[16]; /* the 112-bit salt, last two octets zero: the block counter */
};


/*
 * A cipher and its state in one allocation, the state right after the
 * srtp_cipher_t; every state here starts with its EVP_CIPHER_CTX.
 */
static srtp_err_status_t evp_cipher_alloc(srtp_cipher_pointer_t *cp, size_t state_size, const srtp_cipher_type_t *type,
					  int algorithm, int key_len)
{
	srtp_cipher_t *c = calloc(1, sizeof(*c) + state_size);
	EVP_CIPHER_CTX **ctx;

	if (!c)
		return srtp_err_status_alloc_fail;
	ctx = (EVP_CIPHER_CTX **)(c + 1);
	*ctx = EVP_CIPHER_CTX_new();
	if (!*ctx) {
		free(c);
		return srtp_err_status_alloc_fail;
	}
	kernel_note(1u << algorithm);
	c->state = ctx;
	c->type = type;
	c->algorithm = algorithm; /* libsrtp takes its AEAD paths by this id */
	c->key_len = key_len;
	*cp = c;
	return srtp_err_status_ok;
}

static srtp_err_status_t evp_cipher_dealloc(srtp_cipher_pointer_t c, size_t state_size)
{
	if (!c)
		return srtp_err_status_bad_param;
	EVP_CIPHER_CTX_free(*(EVP_CIPHER_CTX **)c->state); /* the provider wipes the key schedule */
	explicit_bzero(c, sizeof(*c) + state_size);
	free(c);
	return srtp_err_status_ok;
}

static srtp_err_status_t icm_alloc(srtp_cipher_pointer_t *cp, int key_len, int tag_len)
{
	(void)tag_len;
	if (key_len == SRTP_AES_ICM_128_KEY_LEN_WSALT)
		return evp_cipher_alloc(cp, sizeof(struct icm_state), &srtp_aes_icm_128, SRTP_AES_ICM_128, key_len);
	if (key_len == SRTP_AES_ICM_256_KEY_LEN_WSALT)
		return evp_cipher_alloc(cp, sizeof(struct icm_state), &srtp_aes_icm_256, SRTP_AES_ICM_256, key_len);
	if (key_len == SRTP_AES_ICM_192_KEY_LEN_WSALT)
		return evp_cipher_alloc(cp, sizeof(struct icm_state), &srtp_aes_icm_192, SRTP_AES_ICM_192, key_len);
	return srtp_err_status_bad_param;
}

static srtp_err_status_t icm_dealloc(srtp_cipher_pointer_t c)
{
	return evp_cipher_dealloc(c, sizeof(struct icm_state));
}

/* The state sits right after its srtp_cipher_t (icm_alloc); the key length is read from there. */
static srtp_err_status_t icm_init(void *state, const uint8_t *key)
{
	struct icm_state *st = state;
	const srtp_cipher_t *c = (const srtp_cipher_t *)state - 1;
	size_t klen = (size_t)c->key_len - ICM_SALT_LEN;
	const EVP_CIPHER *evp = evp_ciphers[klen == 16 ? EVP_CTR128 : klen == 24 ? EVP_CTR192 : EVP_CTR256];

	memset(st->salt, 0, sizeof(st->salt));
	memcpy(st->salt, key + klen, ICM_SALT_LEN);
	if (!evp || EVP_EncryptInit_ex(st->ctx, evp, NULL, key, NULL) != 1)
		return srtp_err_status_cipher_fail;
	return srtp_err_status_ok;
}

/* counter block = salt XOR iv (libsrtp builds iv from SSRC and packet index, RFC 3711 4.1.1) */
static srtp_err_status_t icm_set_iv(void *state, uint8_t *iv, srtp_cipher_direction_t dir)
{
	struct icm_state *st = state;
	uint8_t ctr[16];
	int r;

	(void)dir;
	for (int i = 0; i < 16; i++)
		ctr[i] = st->salt[i] ^ iv[i];
	r = EVP_EncryptInit_ex(st->ctx, NULL, NULL, NULL, ctr);
	explicit_bzero(ctr, sizeof(ctr));
	return r == 1 ? srtp_err_status_ok : srtp_err_status_cipher_fail;
}

static srtp_err_status_t icm_encrypt(void *state, uint8_t *buf, unsigned int *len)
{
	struct icm_state *st = state;
	int out = 0;

	if (*len > INT_MAX || EVP_EncryptUpdate(st->ctx, buf, &out, buf, (int)*len) != 1 ||
	    (unsigned)out != *len)
		return srtp_err_status_cipher_fail;
	return srtp_err_status_ok;
}

/* RFC 3711 B.2 (AES-CM keystream, zero IV) and RFC 6188 7.1 (the AES-256 one): key || salt, keystream. */
static const uint8_t icm128_kat_key[30] = {
	0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
};
static const uint8_t icm128_kat_ks[32] = {
	0xe0, 0x3e, 0xad, 0x09, 0x35, 0xc9, 0x5e, 0x80, 0xe1, 0x66, 0xb1, 0x6d, 0xd9, 0x2b, 0x4e, 0xb4,
	0xd2, 0x35, 0x13, 0x16, 0x2b, 0x02, 0xd0, 0xf7, 0x2a, 0x43, 0xa2, 0xfe, 0x4a, 0x5f, 0x97, 0xab,
};
static const uint8_t icm256_kat_key[46] = {
	0x57, 0xf8, 0x2f, 0xe3, 0x61, 0x3f, 0xd1, 0x70, 0xa8, 0x5e, 0xc9, 0x3c, 0x40, 0xb1, 0xf0, 0x92,
	0x2e, 0xc4, 0xcb, 0x0d, 0xc0, 0x25, 0xb5, 0x82, 0x72, 0x14, 0x7c, 0xc4, 0x38, 0x94, 0x4a, 0x98,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
};
static const uint8_t icm256_kat_ks[32] = {
	0x92, 0xbd, 0xd2, 0x8a, 0x93, 0xc3, 0xf5, 0x25, 0x11, 0xc6, 0x77, 0xd0, 0x8b, 0x55, 0x15, 0xa4,
	0x9d, 0xa7, 0x1b, 0x23, 0x78, 0xa8, 0x54, 0xf6, 0x70, 0x50, 0x75, 0x6d, 0xed, 0x16, 0x5b, 0xac,
};
/* NIST SP 800-38A F.5.3 (CTR-AES192.Encrypt, first two blocks): its initial counter block is salt || 0xfeff */
static const uint8_t icm192_kat_key[38] = {
	0x8e, 0x73, 0xb0, 0xf7, 0xda, 0x0e, 0x64, 0x52, 0xc8, 0x10, 0xf3, 0x2b, 0x80, 0x90, 0x79, 0xe5,
	0x62, 0xf8, 0xea, 0xd2, 0x52, 0x2c, 0x6b, 0x7b, 0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
	0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
};
static uint8_t icm192_kat_iv[16] = { [14] = 0xfe, [15] = 0xff };
static const uint8_t icm192_kat_pt[32] = {
	0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96, 0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a,
	0xae, 0x2d, 0x8a, 0x57, 0x1e, 0x03, 0xac, 0x9c, 0x9e, 0xb7, 0x6f, 0xac, 0x45, 0xaf, 0x8e, 0x51,
};
static const uint8_t icm192_kat_ct[32] = {
	0x1a, 0xbc, 0x93, 0x24, 0x17, 0x52, 0x1c, 0xa2, 0x4f, 0x2b, 0x04, 0x59, 0xfe, 0x7e, 0x6e, 0x0b,
	0x09, 0x03, 0x39, 0xec, 0x0a, 0xa6, 0xfa, 0xef, 0xd5, 0xcc, 0xc2, 0xc6, 0xf4, 0xce, 0x8e, 0x94,
};
static const uint8_t kat_zero[32];
static uint8_t kat_iv[16]; /* libsrtp's test case type wants it writable; nothing writes it */

static const srtp_cipher_test_case_t icm128_kat = {
	.key_length_octets = 30, .key = icm128_kat_key, .idx = kat_iv,
	.plaintext_length_octets = 32, .plaintext = kat_zero,
	.ciphertext_length_octets = 32, .ciphertext = icm128_kat_ks,
};
static const srtp_cipher_test_case_t icm192_kat = {
	.key_length_octets = 38, .key = icm192_kat_key, .idx = icm192_kat_iv,
	.plaintext_length_octets = 32, .plaintext = icm192_kat_pt,
	.ciphertext_length_octets = 32, .ciphertext = icm192_kat_ct,
};
static const srtp_cipher_test_case_t icm256_kat = {
	.key_length_octets = 46, .key = icm256_kat_key, .idx = kat_iv,
	.plaintext_length_octets = 32, .plaintext = kat_zero,
	.ciphertext_length_octets = 32, .ciphertext = icm256_kat_ks,
};

const srtp_cipher_type_t srtp_aes_icm_128 = {
	.alloc = icm_alloc, .dealloc = icm_dealloc, .init = icm_init, .encrypt = icm_encrypt,
	.decrypt = icm_encrypt, .set_iv = icm_set_iv, .description = "AES-128 counter mode (sphone, OpenSSL)",
	.test_data = &icm128_kat, .id = SRTP_AES_ICM_128,
};
const srtp_cipher_type_t srtp_aes_icm_192 = {
	.alloc = icm_alloc, .dealloc = icm_dealloc, .init = icm_init, .encrypt = icm_encrypt,
	.decrypt = icm_encrypt, .set_iv = icm_set_iv, .description = "AES-192 counter mode (sphone, OpenSSL)",
	.test_data = &icm192_kat, .id = SRTP_AES_ICM_192,
};
const srtp_cipher_type_t srtp_aes_icm_256 = {
	.alloc = icm_alloc, .dealloc = icm_dealloc, .init = icm_init, .encrypt = icm_encrypt,
	.decrypt = icm_encrypt, .set_iv = icm_set_iv, .description = "AES-256 counter mode (sphone, OpenSSL)",
	.test_data = &icm256_kat, .id = SRTP_AES_ICM_256,
};

/* HMAC-SHA1 (RFC 2104): inner and outer states keyed once; cur is the running inner hash. */
struct hmac_state {
	SHA_CTX inner, outer, cur;
};


static srtp_err_status_t hmac_alloc(srtp_auth_pointer_t *ap, int key_len, int out_len)
{
	srtp_auth_t *a;

	if (key_len < 0 || key_len > SHA_DIGEST_LENGTH || out_len < 0 || out_len > SHA_DIGEST_LENGTH)
		return srtp_err_status_bad_param;
	a = calloc(1, sizeof(*a) + sizeof(struct hmac_state));
	if (!a)
		return srtp_err_status_alloc_fail;
	kernel_note(KERNEL_AUTH_BIT);
	a->type = &srtp_hmac;
	a->state = a + 1;
	a->key_len = key_len;
	a->out_len = out_len;
	a->prefix_len = 0;
	*ap = a;
	return srtp_err_status_ok;
}

static srtp_err_status_t hmac_dealloc(srtp_auth_pointer_t a)
{
	if (!a)
		return srtp_err_status_bad_param;
	explicit_bzero(a, sizeof(*a) + sizeof(struct hmac_state));
	free(a);
	return srtp_err_status_ok;
}

static srtp_err_status_t hmac_init(void *state, const uint8_t *key, int key_len)
{
	struct hmac_state *h = state;
	uint8_t ipad[SHA_CBLOCK], opad[SHA_CBLOCK];

	if (key_len < 0 || key_len > SHA_DIGEST_LENGTH)
		return srtp_err_status_bad_param;
	memset(ipad, 0x36, sizeof(ipad));
	memset(opad, 0x5c, sizeof(opad));
	for (int i = 0; i < key_len; i++) {
		ipad[i] ^= key[i];
		opad[i] ^= key[i];
	}
	SHA1_Init(&h->inner);
	SHA1_Update(&h->inner, ipad, sizeof(ipad));
	SHA1_Init(&h->outer);
	SHA1_Update(&h->outer, opad, sizeof(opad));
	h->cur = h->inner;
	explicit_bzero(ipad, sizeof(ipad));
	explicit_bzero(opad, sizeof(opad));
	return srtp_err_status_ok;
}

static srtp_err_status_t hmac_start(void *state)
{
	struct hmac_state *h = state;

	h->cur = h->inner;
	return srtp_err_status_ok;
}

static srtp_err_status_t hmac_update(void *state, const uint8_t *buf, int len)
{
	struct hmac_state *h = state;

	if (len < 0)
		return srtp_err_status_bad_param;
	SHA1_Update(&h->cur, buf, (size_t)len);
	return srtp_err_status_ok;
}

static srtp_err_status_t hmac_compute(void *state, const uint8_t *buf, int len, int tag_len, uint8_t *tag)
{
	struct hmac_state *h = state;
	uint8_t md[SHA_DIGEST_LENGTH];
	SHA_CTX o;

	if (len < 0 || tag_len < 0 || tag_len > SHA_DIGEST_LENGTH)
		return srtp_err_status_bad_param;
	SHA1_Update(&h->cur, buf, (size_t)len);
	SHA1_Final(md, &h->cur);
	o = h->outer;
	SHA1_Update(&o, md, sizeof(md));
	SHA1_Final(md, &o);
	memcpy(tag, md, (size_t)tag_len);
	explicit_bzero(md, sizeof(md));
	explicit_bzero(&o, sizeof(o));
	return srtp_err_status_ok;
}

/* RFC 2202 test case 1: key 20 x 0x0b, data "Hi There". */
static const uint8_t hmac_kat_key[20] = {
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
};
static const uint8_t hmac_kat_tag[20] = {
	0xb6, 0x17, 0x31, 0x86, 0x55, 0x05, 0x72, 0x64, 0xe2, 0x8b,
	0xc0, 0xb6, 0xfb, 0x37, 0x8c, 0x8e, 0xf1, 0x46, 0xbe, 0x00,
};
static const srtp_auth_test_case_t hmac_kat = {
	.key_length_octets = 20, .key = hmac_kat_key, .data_length_octets = 8,
	.data = (const uint8_t *)"Hi There", .tag_length_octets = 20, .tag = hmac_kat_tag,
};

const srtp_auth_type_t srtp_hmac = {
	.alloc = hmac_alloc, .dealloc = hmac_dealloc, .init = hmac_init, .compute = hmac_compute,
	.update = hmac_update, .start = hmac_start, .description = "HMAC-SHA1 (sphone, OpenSSL SHA-1)",
	.test_data = &hmac_kat, .id = SRTP_HMAC_SHA1,
};

/*
 * AES-GCM (RFC 7714) for libsrtp on OpenSSL's EVP AEAD interface. libsrtp
 * builds the 96-bit IV (session salt XOR SSRC/ROC/SEQ or SRTCP index) and
 * hands it to set_iv, feeds the AAD (RTP header; SRTCP header and E||index
 * as two calls) to set_aad, then encrypt + get_tag, or decrypt over
 * ciphertext || tag. The salt half of the key is libsrtp's business. One
 * EVP_CIPHER_CTX per cipher keeps its key schedule; set_iv restarts it for
 * the next packet without allocating.
 */

struct gcm_state { /* ctx first: evp_cipher_alloc */
	EVP_CIPHER_CTX *ctx;
	int tag_len; /* 16 (the _16_auth policies sphone uses) or 8 (libsrtp's _8 policies and self-test) */
	bool enc;
};


static srtp_err_status_t gcm_alloc(srtp_cipher_pointer_t *cp, int key_len, int tag_len)
{
	srtp_err_status_t st;

	if (tag_len != 16 && tag_len != 8)
		return srtp_err_status_bad_param;
	if (key_len == SRTP_AES_GCM_128_KEY_LEN_WSALT)
		st = evp_cipher_alloc(cp, sizeof(struct gcm_state), &srtp_aes_gcm_128, SRTP_AES_GCM_128, key_len);
	else if (key_len == SRTP_AES_GCM_256_KEY_LEN_WSALT)
		st = evp_cipher_alloc(cp, sizeof(struct gcm_state), &srtp_aes_gcm_256, SRTP_AES_GCM_256, key_len);
	else
		return srtp_err_status_bad_param;
	if (st == srtp_err_status_ok)
		((struct gcm_state *)(*cp)->state)->tag_len = tag_len;
	return st;
}

static srtp_err_status_t gcm_dealloc(srtp_cipher_pointer_t c)
{
	return evp_cipher_dealloc(c, sizeof(struct gcm_state));
}

static srtp_err_status_t gcm_init(void *state, const uint8_t *key)
{
	struct gcm_state *st = state;
	const srtp_cipher_t *c = (const srtp_cipher_t *)state - 1;
	const EVP_CIPHER *evp = evp_ciphers[c->key_len == SRTP_AES_GCM_128_KEY_LEN_WSALT ? EVP_GCM128 : EVP_GCM256];

	/* the default IV length of EVP's GCM is the 96 bits SRTP uses */
	if (!evp || EVP_CipherInit_ex(st->ctx, evp, NULL, key, NULL, 1) != 1)
		return srtp_err_status_init_fail;
	st->enc = true;
	return srtp_err_status_ok;
}

static srtp_err_status_t gcm_set_iv(void *state, uint8_t *iv, srtp_cipher_direction_t dir)
{
	struct gcm_state *st = state;

	if (dir != srtp_direction_encrypt && dir != srtp_direction_decrypt)
		return srtp_err_status_bad_param;
	st->enc = dir == srtp_direction_encrypt;
	if (EVP_CipherInit_ex(st->ctx, NULL, NULL, NULL, iv, st->enc ? 1 : 0) != 1)
		return srtp_err_status_init_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t gcm_set_aad(void *state, const uint8_t *aad, uint32_t len)
{
	struct gcm_state *st = state;
	int out = 0;

	if (len > INT_MAX || EVP_CipherUpdate(st->ctx, NULL, &out, aad, (int)len) != 1)
		return srtp_err_status_algo_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t gcm_encrypt(void *state, uint8_t *buf, unsigned int *len)
{
	struct gcm_state *st = state;
	int out = 0;

	if (!st->enc || *len > INT_MAX)
		return srtp_err_status_bad_param;
	/* SRTCP without the E bit: no payload, the tag covers the AAD alone */
	if (*len == 0)
		return srtp_err_status_ok;
	if (EVP_CipherUpdate(st->ctx, buf, &out, buf, (int)*len) != 1 || (unsigned)out != *len)
		return srtp_err_status_cipher_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t gcm_get_tag(void *state, uint8_t *tag, uint32_t *len)
{
	struct gcm_state *st = state;
	uint8_t none[16];
	int out = 0;

	if (!st->enc || EVP_CipherFinal_ex(st->ctx, none, &out) != 1 || out != 0 ||
	    EVP_CIPHER_CTX_ctrl(st->ctx, EVP_CTRL_AEAD_GET_TAG, st->tag_len, tag) != 1)
		return srtp_err_status_algo_fail;
	*len = (uint32_t)st->tag_len;
	return srtp_err_status_ok;
}

/* buf holds ciphertext || tag; on success *len drops the tag. A wrong tag leaves zeros, never unauthenticated plaintext. */
static srtp_err_status_t gcm_decrypt(void *state, uint8_t *buf, unsigned int *len)
{
	struct gcm_state *st = state;
	uint8_t none[16];
	int n, out = 0;

	if (st->enc || *len > INT_MAX || *len < (unsigned)st->tag_len)
		return srtp_err_status_bad_param;
	n = (int)*len - st->tag_len;
	if (EVP_CIPHER_CTX_ctrl(st->ctx, EVP_CTRL_AEAD_SET_TAG, st->tag_len, buf + n) != 1 ||
	    (n > 0 && (EVP_CipherUpdate(st->ctx, buf, &out, buf, n) != 1 || out != n)))
		return srtp_err_status_cipher_fail;
	if (EVP_CipherFinal_ex(st->ctx, none, &out) != 1) {
		explicit_bzero(buf, (size_t)n);
		return srtp_err_status_auth_fail;
	}
	*len = (unsigned)n;
	return srtp_err_status_ok;
}

/*
 * Known answers: RFC 7714 sections 16 and 17 (session key || salt "Quid pro
 * quo", the IVs the RFC derives, RTP header or SRTCP header + E||index as
 * AAD; 17.3/17.4: SRTCP without the E bit, tag over the AAD alone). libsrtp
 * runs these before it takes a type, and its own vectors for the id too.
 */
static const uint8_t gcm128_kat_key[28] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x51, 0x75, 0x69, 0x64, 0x20, 0x70, 0x72, 0x6f, 0x20, 0x71, 0x75, 0x6f,
};
static const uint8_t gcm256_kat_key[44] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x51, 0x75, 0x69, 0x64, 0x20, 0x70, 0x72, 0x6f, 0x20, 0x71, 0x75, 0x6f,
};
static uint8_t gcm_rtp_kat_iv[12] = { /* writable only because libsrtp's test case type says so */
	0x51, 0x75, 0x3c, 0x65, 0x80, 0xc2, 0x72, 0x6f, 0x20, 0x71, 0x84, 0x14,
};
static uint8_t gcm_rtcp_kat_iv[12] = {
	0x51, 0x75, 0x24, 0x05, 0x52, 0x03, 0x72, 0x6f, 0x20, 0x71, 0x70, 0xbb,
};
static const uint8_t gcm_rtp_kat_aad[12] = {
	0x80, 0x40, 0xf1, 0x7b, 0x80, 0x41, 0xf8, 0xd3, 0x55, 0x01, 0xa0, 0xb2,
};
static const uint8_t gcm_rtp_kat_pt[38] = "Gallia est omnis divisa in partes tres";
static const uint8_t gcm128_rtp_kat_ct[54] = {
	0xf2, 0x4d, 0xe3, 0xa3, 0xfb, 0x34, 0xde, 0x6c, 0xac, 0xba, 0x86, 0x1c, 0x9d, 0x7e, 0x4b, 0xca,
	0xbe, 0x63, 0x3b, 0xd5, 0x0d, 0x29, 0x4e, 0x6f, 0x42, 0xa5, 0xf4, 0x7a, 0x51, 0xc7, 0xd1, 0x9b,
	0x36, 0xde, 0x3a, 0xdf, 0x88, 0x33, 0x89, 0x9d, 0x7f, 0x27, 0xbe, 0xb1, 0x6a, 0x91, 0x52, 0xcf,
	0x76, 0x5e, 0xe4, 0x39, 0x0c, 0xce,
};
static const uint8_t gcm256_rtp_kat_ct[54] = {
	0x32, 0xb1, 0xde, 0x78, 0xa8, 0x22, 0xfe, 0x12, 0xef, 0x9f, 0x78, 0xfa, 0x33, 0x2e, 0x33, 0xaa,
	0xb1, 0x80, 0x12, 0x38, 0x9a, 0x58, 0xe2, 0xf3, 0xb5, 0x0b, 0x2a, 0x02, 0x76, 0xff, 0xae, 0x0f,
	0x1b, 0xa6, 0x37, 0x99, 0xb8, 0x7b, 0x7a, 0xa3, 0xdb, 0x36, 0xdf, 0xff, 0xd6, 0xb0, 0xf9, 0xbb,
	0x78, 0x78, 0xd7, 0xa7, 0x6c, 0x13,
};
/* SRTCP, E bit set: AAD = the 8-byte header || 0x800005d4; the rest of the packet is the plaintext */
static const uint8_t gcm_rtcp_kat_aad[12] = {
	0x81, 0xc8, 0x00, 0x0d, 0x4d, 0x61, 0x72, 0x73, 0x80, 0x00, 0x05, 0xd4,
};
static const uint8_t gcm_rtcp_kat_pt[44] = {
	0x4e, 0x54, 0x50, 0x31, 0x4e, 0x54, 0x50, 0x32, 0x52, 0x54, 0x50, 0x20, 0x00, 0x00, 0x04, 0x2a,
	0x00, 0x00, 0xe9, 0x30, 0x4c, 0x75, 0x6e, 0x61, 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef,
	0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef,
};
static const uint8_t gcm128_rtcp_kat_ct[60] = {
	0x63, 0xe9, 0x48, 0x85, 0xdc, 0xda, 0xb6, 0x7c, 0xa7, 0x27, 0xd7, 0x66, 0x2f, 0x6b, 0x7e, 0x99,
	0x7f, 0xf5, 0xc0, 0xf7, 0x6c, 0x06, 0xf3, 0x2d, 0xc6, 0x76, 0xa5, 0xf1, 0x73, 0x0d, 0x6f, 0xda,
	0x4c, 0xe0, 0x9b, 0x46, 0x86, 0x30, 0x3d, 0xed, 0x0b, 0xb9, 0x27, 0x5b, 0xc8, 0x4a, 0xa4, 0x58,
	0x96, 0xcf, 0x4d, 0x2f, 0xc5, 0xab, 0xf8, 0x72, 0x45, 0xd9, 0xea, 0xde,
};
static const uint8_t gcm256_rtcp_kat_ct[60] = {
	0xd5, 0x0a, 0xe4, 0xd1, 0xf5, 0xce, 0x5d, 0x30, 0x4b, 0xa2, 0x97, 0xe4, 0x7d, 0x47, 0x0c, 0x28,
	0x2c, 0x3e, 0xce, 0x5d, 0xbf, 0xfe, 0x0a, 0x50, 0xa2, 0xea, 0xa5, 0xc1, 0x11, 0x05, 0x55, 0xbe,
	0x84, 0x15, 0xf6, 0x58, 0xc6, 0x1d, 0xe0, 0x47, 0x6f, 0x1b, 0x6f, 0xad, 0x1d, 0x1e, 0xb3, 0x0c,
	0x44, 0x46, 0x83, 0x9f, 0x57, 0xff, 0x6f, 0x6c, 0xb2, 0x6a, 0xc3, 0xbe,
};
/* SRTCP, E bit clear: AAD = the whole RTCP packet || 0x000005d4, no plaintext, the tag alone */
static const uint8_t gcm_rtcp_auth_kat_aad[56] = {
	0x81, 0xc8, 0x00, 0x0d, 0x4d, 0x61, 0x72, 0x73, 0x4e, 0x54, 0x50, 0x31, 0x4e, 0x54, 0x50, 0x32,
	0x52, 0x54, 0x50, 0x20, 0x00, 0x00, 0x04, 0x2a, 0x00, 0x00, 0xe9, 0x30, 0x4c, 0x75, 0x6e, 0x61,
	0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef,
	0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x05, 0xd4,
};
static const uint8_t gcm128_rtcp_auth_kat_tag[16] = {
	0x84, 0x1d, 0xd9, 0x68, 0x3d, 0xd7, 0x8e, 0xc9, 0x2a, 0xe5, 0x87, 0x90, 0x12, 0x5f, 0x62, 0xb3,
};
static const uint8_t gcm256_rtcp_auth_kat_tag[16] = {
	0x91, 0xdb, 0x4a, 0xfb, 0xfe, 0xee, 0x5a, 0x97, 0x8f, 0xab, 0x43, 0x93, 0xed, 0x26, 0x15, 0xfe,
};

#define GCM_KAT(keyv, ivv, ptv, ptlen, ctv, aadv, nextv)                                                         \
	{                                                                                                         \
		.key_length_octets = (int)sizeof(keyv), .key = keyv, .idx = ivv, .plaintext_length_octets = ptlen, \
		.plaintext = ptv, .ciphertext_length_octets = (unsigned)sizeof(ctv), .ciphertext = ctv,            \
		.aad_length_octets = (int)sizeof(aadv), .aad = aadv, .tag_length_octets = 16,                     \
		.next_test_case = nextv,                                                                          \
	}

static const srtp_cipher_test_case_t gcm128_kat_auth =
	GCM_KAT(gcm128_kat_key, gcm_rtcp_kat_iv, NULL, 0, gcm128_rtcp_auth_kat_tag, gcm_rtcp_auth_kat_aad, NULL);
static const srtp_cipher_test_case_t gcm128_kat_rtcp = GCM_KAT(gcm128_kat_key, gcm_rtcp_kat_iv, gcm_rtcp_kat_pt,
	44, gcm128_rtcp_kat_ct, gcm_rtcp_kat_aad, &gcm128_kat_auth);
static const srtp_cipher_test_case_t gcm128_kat = GCM_KAT(gcm128_kat_key, gcm_rtp_kat_iv, gcm_rtp_kat_pt, 38,
	gcm128_rtp_kat_ct, gcm_rtp_kat_aad, &gcm128_kat_rtcp);
static const srtp_cipher_test_case_t gcm256_kat_auth =
	GCM_KAT(gcm256_kat_key, gcm_rtcp_kat_iv, NULL, 0, gcm256_rtcp_auth_kat_tag, gcm_rtcp_auth_kat_aad, NULL);
static const srtp_cipher_test_case_t gcm256_kat_rtcp = GCM_KAT(gcm256_kat_key, gcm_rtcp_kat_iv, gcm_rtcp_kat_pt,
	44, gcm256_rtcp_kat_ct, gcm_rtcp_kat_aad, &gcm256_kat_auth);
static const srtp_cipher_test_case_t gcm256_kat = GCM_KAT(gcm256_kat_key, gcm_rtp_kat_iv, gcm_rtp_kat_pt, 38,
	gcm256_rtp_kat_ct, gcm_rtp_kat_aad, &gcm256_kat_rtcp);

const srtp_cipher_type_t srtp_aes_gcm_128 = {
	.alloc = gcm_alloc, .dealloc = gcm_dealloc, .init = gcm_init, .set_aad = gcm_set_aad,
	.encrypt = gcm_encrypt, .decrypt = gcm_decrypt, .set_iv = gcm_set_iv, .get_tag = gcm_get_tag,
	.description = "AES-128 GCM (sphone, OpenSSL)", .test_data = &gcm128_kat, .id = SRTP_AES_GCM_128,
};
const srtp_cipher_type_t srtp_aes_gcm_256 = {
	.alloc = gcm_alloc, .dealloc = gcm_dealloc, .init = gcm_init, .set_aad = gcm_set_aad,
	.encrypt = gcm_encrypt, .decrypt = gcm_decrypt, .set_iv = gcm_set_iv, .get_tag = gcm_get_tag,
	.description = "AES-256 GCM (sphone, OpenSSL)", .test_data = &gcm256_kat, .id = SRTP_AES_GCM_256,
};

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

	for (unsigned i = 0; i < EVP_COUNT; i++)
		evp_ciphers[i] = EVP_CIPHER_fetch(NULL, evp_names[i], NULL);
	in_srtp_init = true;
	init_status = srtp_init();
	in_srtp_init = false;
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
	info->tx_wrapped = s->tx_used && ctx_roc(s->tx, s->tx_ssrc) > 0;
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
