/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * srtp_kernel.c: the ciphers and the authenticator libsrtp2's crypto kernel runs, on OpenSSL: AES counter
 * mode (128/192/256), AES-GCM (128/256) and HMAC-SHA1, as libsrtp cipher and auth types. srtp.c owns the
 * sessions and the kernel's start (srtp_kernel.h); this file only implements the types.
 */
#include <stdbool.h>
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

#include "srtp_kernel.h"

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

static bool in_srtp_init;
static unsigned kernel_took;

void srtp_kernel_begin(void)
{
	for (unsigned i = 0; i < EVP_COUNT; i++)
		evp_ciphers[i] = EVP_CIPHER_fetch(NULL, evp_names[i], NULL);
	kernel_took = 0;
	in_srtp_init = true;
}

unsigned srtp_kernel_end(void)
{
	in_srtp_init = false;
	return kernel_took;
}

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
