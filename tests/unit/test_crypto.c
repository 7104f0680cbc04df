/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_crypto.c: known-answer tests for crypto.c hashes, hex and random tokens. */
#include <errno.h>
#include <string.h>

#include "crypto.h"
#include "tap.h"

static const char *hex_of(enum crypto_hash alg, const void *data, size_t n)
{
	static char hex[2 * CRYPTO_HASH_MAX + 1];
	uint8_t md[CRYPTO_HASH_MAX];

	if (crypto_hash(alg, data, n, md))
		return "(error)";
	crypto_hex(hex, md, crypto_hash_len(alg));
	return hex;
}

static void test_vectors(void)
{
	static const char two_block[] =
		"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
		"ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	static const char sha2_448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	is_int(crypto_hash_len(CRYPTO_MD5), 16, "MD5 length");
	is_int(crypto_hash_len(CRYPTO_SHA256), 32, "SHA-256 length");
	is_int(crypto_hash_len(CRYPTO_SHA512_256), 32, "SHA-512/256 length");
	is_int(crypto_hash_len((enum crypto_hash)99), 0, "unknown algorithm length 0");

	/* RFC 1321 A.5 */
	is_str(hex_of(CRYPTO_MD5, "", 0), "d41d8cd98f00b204e9800998ecf8427e", "MD5(\"\")");
	is_str(hex_of(CRYPTO_MD5, "abc", 3), "900150983cd24fb0d6963f7d28e17f72", "MD5(abc)");
	is_str(hex_of(CRYPTO_MD5, "message digest", 14), "f96b697d7cb7938d525a2f31aaf161d0",
	       "MD5(message digest)");
	/* FIPS 180-4 examples */
	is_str(hex_of(CRYPTO_SHA256, "abc", 3),
	       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "SHA-256(abc)");
	is_str(hex_of(CRYPTO_SHA256, sha2_448, strlen(sha2_448)),
	       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	       "SHA-256 two blocks");
	is_str(hex_of(CRYPTO_SHA512_256, "abc", 3),
	       "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23",
	       "SHA-512/256(abc)");
	is_str(hex_of(CRYPTO_SHA512_256, two_block, strlen(two_block)),
	       "3928e184fb8690f840da3988121d31be65cb9d3ef83ee6146feac861e19b563a",
	       "SHA-512/256 two blocks");
	is_int(crypto_hash((enum crypto_hash)99, "a", 1, (uint8_t[32]){0}), EINVAL,
	       "one-shot with unknown algorithm -> EINVAL");
}

static void test_incremental(void)
{
	struct crypto_hash_ctx *ctx = NULL;
	uint8_t md[CRYPTO_HASH_MAX];
	char hex[2 * CRYPTO_HASH_MAX + 1];
	char chunk[1000];
	int i, err = 0;

	is_int(crypto_hash_alloc(&ctx, (enum crypto_hash)42), EINVAL, "alloc unknown alg -> EINVAL");
	ok(ctx == NULL, "out-parameter untouched on error");
	is_int(crypto_hash_alloc(&ctx, CRYPTO_SHA512_256), 0, "alloc SHA-512/256");

	/* one million 'a', fed in pieces */
	memset(chunk, 'a', sizeof(chunk));
	for (i = 0; i < 1000 && !err; i++)
		err = crypto_hash_update(ctx, chunk, sizeof(chunk));
	is_int(err, 0, "1000 updates");
	is_int(crypto_hash_final(ctx, md), 0, "final");
	crypto_hex(hex, md, 32);
	is_str(hex, "9a59a052930187a97038cae692f30708aa6491923ef5194394dc68d56c74fb21",
	       "SHA-512/256 of a million 'a'");

	/* context is reusable after final, one byte at a time */
	for (i = 0; i < 3; i++)
		crypto_hash_update(ctx, &"abc"[i], 1);
	crypto_hash_update(ctx, NULL, 0);
	is_int(crypto_hash_final(ctx, md), 0, "final after reuse");
	crypto_hex(hex, md, 32);
	is_str(hex, "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23",
	       "reused context, byte-wise abc");
	is_int(crypto_hash_update(ctx, NULL, 1), EINVAL, "NULL data with length -> EINVAL");
	crypto_hash_free(ctx);
	crypto_hash_free(NULL);
}

static void test_hex_wipe(void)
{
	uint8_t in[] = {0x00, 0x0f, 0xa5, 0xff};
	char out[9];
	char secret[16] = "hunter2hunter2!";
	size_t i;
	int zero = 1;

	crypto_hex(out, in, sizeof(in));
	is_str(out, "000fa5ff", "hex lower case");
	crypto_wipe(secret, sizeof(secret));
	for (i = 0; i < sizeof(secret); i++)
		zero &= secret[i] == 0;
	ok(zero, "wipe zeroes the buffer");
	crypto_wipe(NULL, 0);
}

static void test_random(void)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char a[33], b[33], big[20001];
	uint8_t r1[32] = {0}, r2[32] = {0};
	int seen[256] = {0};
	size_t i;
	int all_alpha = 1, distinct = 0;

	is_int(crypto_rand(r1, sizeof(r1)), 0, "rand 32 bytes");
	is_int(crypto_rand(r2, sizeof(r2)), 0, "rand 32 more bytes");
	ok(memcmp(r1, r2, sizeof(r1)) != 0, "two random draws differ");

	is_int(crypto_rand_token(a, 10), EINVAL, "token of 10 chars (< 64 bits) -> EINVAL");
	is_int(crypto_rand_token(a, 32), 0, "token of 32 chars");
	is_int(crypto_rand_token(b, 32), 0, "second token");
	is_int(strlen(a), 32, "token is NUL-terminated at its length");
	ok(strcmp(a, b) != 0, "two tokens differ");

	is_int(crypto_rand_token(big, sizeof(big) - 1), 0, "20000-char token");
	for (i = 0; i < sizeof(big) - 1; i++) {
		unsigned char c = (unsigned char)big[i];

		if (!c || !strchr(alphabet, c))
			all_alpha = 0;
		else if (!seen[c]++)
			distinct++;
	}
	ok(all_alpha, "only unreserved characters");
	is_int(distinct, 64, "all 64 symbols used");
	/* each symbol expected ~312 times; a biased generator misses this wide band */
	for (i = 0; i < 64; i++) {
		int n = seen[(unsigned char)alphabet[i]];

		if (n < 200 || n > 450) {
			ok(0, "symbol '%c' count %d out of range", alphabet[i], n);
			return;
		}
	}
	ok(1, "symbol counts within 200..450");
}

int main(void)
{
	test_vectors();
	test_incremental();
	test_hex_wipe();
	test_random();
	return tap_done();
}
