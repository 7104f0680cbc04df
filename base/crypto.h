/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crypto.h: hashes, random bytes and secret wiping, over OpenSSL libcrypto (EVP, RAND). */
#ifndef SPHONE_CRYPTO_H
#define SPHONE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

enum crypto_hash {
	CRYPTO_MD5,
	CRYPTO_SHA256,
	CRYPTO_SHA512_256,
};

/* Largest digest crypto_hash_len() returns, in bytes. */
#define CRYPTO_HASH_MAX 32

/* Smallest token length accepted by crypto_rand_token (6 bits a character: 66 bits). */
#define CRYPTO_TOKEN_MIN 11

struct crypto_hash_ctx;

/* Fills buf with n bytes from the CSPRNG. 0, or EIO when the generator fails. */
int crypto_rand(void *buf, size_t n);
/* The version of the libcrypto this process runs with ("OpenSSL 3.0.17 1 Jul 2025"), not the headers'. */
const char *crypto_lib_version(void);

/* Wipes n bytes at p in a way the compiler will not remove. p may be NULL when n is 0. */
void crypto_wipe(void *p, size_t n);

/* Digest length in bytes, 0 for an unknown value. */
size_t crypto_hash_len(enum crypto_hash alg);

/* Incremental hashing. final() writes crypto_hash_len(alg) bytes and leaves the context
 * ready for a new message. */
int crypto_hash_alloc(struct crypto_hash_ctx **ctxp, enum crypto_hash alg);
int crypto_hash_update(struct crypto_hash_ctx *ctx, const void *data, size_t n);
int crypto_hash_final(struct crypto_hash_ctx *ctx, uint8_t *md);
void crypto_hash_free(struct crypto_hash_ctx *ctx);

/* One-shot: md receives crypto_hash_len(alg) bytes. */
int crypto_hash(enum crypto_hash alg, const void *data, size_t n, uint8_t *md);

/* Lower-case hex of n bytes; out must hold 2 * n + 1 characters (NUL-terminated). */
void crypto_hex(char *out, const uint8_t *in, size_t n);

/* A random token of `chars` characters from an alphabet of 64 RFC 3261 unreserved
 * characters (A-Z a-z 0-9 - _), for branches, tags, Call-IDs and cnonces.
 * out must hold chars + 1 bytes; it is written only on success. 0, EINVAL if
 * chars < CRYPTO_TOKEN_MIN, ENOMEM, EIO. */
int crypto_rand_token(char *out, size_t chars);

/*
 * For `sphone --demo`: a throwaway CA and a server certificate it signs (P-256,
 * valid from an hour ago for a day), written to dir as ca.pem, server.pem and
 * server.key (mode 0600). san is the server's subjectAltName in OpenSSL's
 * form, e.g. "IP:127.0.0.1,DNS:localhost". 0, EINVAL, EIO, or an errno from
 * creating the files.
 */
int crypto_make_demo_certs(const char *dir, const char *san);

#endif
