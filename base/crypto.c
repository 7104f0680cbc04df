/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crypto.c: the one place that calls OpenSSL libcrypto's EVP digests and RAND (and makes demo certificates). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "crypto.h"

struct crypto_hash_ctx {
	EVP_MD_CTX *md_ctx;
	const EVP_MD *md;
};

static const EVP_MD *hash_md(enum crypto_hash alg)
{
	switch (alg) {
	case CRYPTO_MD5:        return EVP_md5();
	case CRYPTO_SHA256:     return EVP_sha256();
	case CRYPTO_SHA512_256: return EVP_sha512_256();
	}
	return NULL;
}

const char *crypto_lib_version(void)
{
	return OpenSSL_version(OPENSSL_VERSION);
}

int crypto_rand(void *buf, size_t n)
{
	unsigned char *p = buf;

	/* RAND_bytes takes an int length */
	while (n > 0) {
		int chunk = n > INT_MAX ? INT_MAX : (int)n;

		if (RAND_bytes(p, chunk) != 1)
			return EIO;
		p += chunk;
		n -= (size_t)chunk;
	}
	return 0;
}

void crypto_wipe(void *p, size_t n)
{
	if (p && n)
		OPENSSL_cleanse(p, n);
}

size_t crypto_hash_len(enum crypto_hash alg)
{
	switch (alg) {
	case CRYPTO_MD5:        return 16;
	case CRYPTO_SHA256:     return 32;
	case CRYPTO_SHA512_256: return 32;
	}
	return 0;
}

int crypto_hash_alloc(struct crypto_hash_ctx **ctxp, enum crypto_hash alg)
{
	struct crypto_hash_ctx *ctx;
	const EVP_MD *md;
	int err;

	if (!ctxp)
		return EINVAL;
	md = hash_md(alg);
	if (!md)
		return EINVAL;

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return ENOMEM;
	ctx->md = md;
	ctx->md_ctx = EVP_MD_CTX_new();
	if (!ctx->md_ctx) {
		err = ENOMEM;
		goto out;
	}
	if (EVP_DigestInit_ex(ctx->md_ctx, md, NULL) != 1) {
		err = EIO;
		goto out;
	}
	*ctxp = ctx;
	return 0;
out:
	crypto_hash_free(ctx);
	return err;
}

int crypto_hash_update(struct crypto_hash_ctx *ctx, const void *data, size_t n)
{
	if (!ctx || (!data && n))
		return EINVAL;
	if (n && EVP_DigestUpdate(ctx->md_ctx, data, n) != 1)
		return EIO;
	return 0;
}

int crypto_hash_final(struct crypto_hash_ctx *ctx, uint8_t *md)
{
	if (!ctx || !md)
		return EINVAL;
	if (EVP_DigestFinal_ex(ctx->md_ctx, md, NULL) != 1)
		return EIO;
	if (EVP_DigestInit_ex(ctx->md_ctx, ctx->md, NULL) != 1)
		return EIO;
	return 0;
}

void crypto_hash_free(struct crypto_hash_ctx *ctx)
{
	if (!ctx)
		return;
	EVP_MD_CTX_free(ctx->md_ctx);
	free(ctx);
}

int crypto_hash(enum crypto_hash alg, const void *data, size_t n, uint8_t *md)
{
	const EVP_MD *evp = hash_md(alg);

	if (!evp || !md || (!data && n))
		return EINVAL;
	if (EVP_Digest(n ? data : "", n, md, NULL, evp, NULL) != 1)
		return EIO;
	return 0;
}

void crypto_hex(char *out, const uint8_t *in, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

int crypto_rand_token(char *out, size_t chars)
{
	/* 64 symbols, so masking a byte with 63 has no modulo bias */
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char small[64], *rnd = small;
	size_t i;
	int err;

	if (!out || chars < CRYPTO_TOKEN_MIN)
		return EINVAL;
	if (chars > sizeof(small)) {
		rnd = malloc(chars);
		if (!rnd)
			return ENOMEM;
	}
	/* draw everything first: out is written only on success */
	err = crypto_rand(rnd, chars);
	if (err)
		goto out;
	for (i = 0; i < chars; i++)
		out[i] = alphabet[rnd[i] & 63];
	out[chars] = '\0';
out:
	crypto_wipe(rnd, chars);
	if (rnd != small)
		free(rnd);
	return err;
}

/* ---- throwaway certificates (sphone --demo) ---- */

static EVP_PKEY *demo_key(void)
{
	return EVP_EC_gen("P-256");
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return EIO;
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : EIO;
}

/* A certificate for key, signed by issuer_key (self-signed when issuer is NULL). */
static X509 *demo_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, bool ca,
		       const char *san)
{
	X509 *x = X509_new();
	uint8_t serial[16];
	BIGNUM *bn = NULL;
	int e = EIO;

	if (!x || crypto_rand(serial, sizeof(serial)))
		goto out;
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) || !X509_set_version(x, 2))
		goto out;
	/* an hour back so small clock differences don't matter; a day is plenty for a demo */
	if (!X509_gmtime_adj(X509_getm_notBefore(x), -3600) || !X509_gmtime_adj(X509_getm_notAfter(x), 86400))
		goto out;
	if (!X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
					(const unsigned char *)cn, -1, -1, 0))
		goto out;
	if (!X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : X509_get_subject_name(x)) ||
	    !X509_set_pubkey(x, key))
		goto out;
	if (add_ext(x, issuer ? issuer : x, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE") ||
	    add_ext(x, issuer ? issuer : x, NID_key_usage,
		    ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,keyAgreement") ||
	    add_ext(x, issuer ? issuer : x, NID_subject_key_identifier, "hash"))
		goto out;
	if (!ca && (add_ext(x, issuer, NID_ext_key_usage, "serverAuth") ||
		    add_ext(x, issuer, NID_subject_alt_name, san)))
		goto out;
	if (!X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()))
		goto out;
	e = 0;
out:
	BN_free(bn);
	if (e) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int write_pem(const char *dir, const char *name, X509 *x, EVP_PKEY *k)
{
	char path[4096];
	FILE *f;
	int fd, ok;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return ENOMEM;
	}
	ok = x ? PEM_write_X509(f, x) : PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	if (fclose(f) || !ok)
		return EIO;
	return 0;
}

int crypto_make_demo_certs(const char *dir, const char *san)
{
	EVP_PKEY *ca_key = NULL, *srv_key = NULL;
	X509 *ca = NULL, *srv = NULL;
	int e = EIO;

	if (!dir || !san)
		return EINVAL;
	ca_key = demo_key();
	srv_key = demo_key();
	if (!ca_key || !srv_key)
		goto out;
	ca = demo_cert(ca_key, "sphone demo CA (throwaway)", NULL, NULL, true, NULL);
	if (!ca)
		goto out;
	srv = demo_cert(srv_key, "sphone demo peer", ca, ca_key, false, san);
	if (!srv)
		goto out;
	if ((e = write_pem(dir, "ca.pem", ca, NULL)) || (e = write_pem(dir, "server.pem", srv, NULL)) ||
	    (e = write_pem(dir, "server.key", NULL, srv_key)))
		goto out;
	e = 0;
out:
	X509_free(ca);
	X509_free(srv);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(srv_key);
	return e;
}
