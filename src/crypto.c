/* crypto.c: the one place that calls OpenSSL libcrypto's EVP digests and RAND. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

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
