/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_b64.c: base64 against the RFC 4648 section 10 vectors, and rejection of non-canonical input. */
#include <errno.h>
#include <string.h>

#include "../tap.h"
#include "b64.h"

static const char *const vec[][2] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

static void test_vectors(void)
{
	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		char enc[16];
		uint8_t dec[16];
		size_t n = 99;
		const char *plain = vec[i][0], *b64 = vec[i][1];

		is_int(b64_encode((const uint8_t *)plain, strlen(plain), enc, sizeof(enc)), 0, "encode \"%s\"", plain);
		is_str(enc, b64, "RFC 4648 encode \"%s\"", plain);
		is_int(b64_decode(b64, strlen(b64), dec, sizeof(dec), &n), 0, "decode \"%s\"", b64);
		ok(n == strlen(plain) && memcmp(dec, plain, n) == 0, "RFC 4648 decode \"%s\"", b64);
	}
}

static void test_binary(void)
{
	uint8_t all[256], back[256];
	char enc[B64_ENC_LEN(256) + 1];
	size_t n = 0;
	/* a 30-byte SRTP master key||salt as it appears in a=crypto (RFC 4568 example) */
	static const char sdes[] = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
	uint8_t key[30];

	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	is_int(b64_encode(all, 256, enc, sizeof(enc)), 0, "encode 256 bytes");
	is_int(strlen(enc), B64_ENC_LEN(256), "B64_ENC_LEN");
	is_int(b64_decode(enc, strlen(enc), back, sizeof(back), &n), 0, "decode 256 bytes");
	ok(n == 256 && memcmp(all, back, 256) == 0, "round trip of all byte values");
	ok(strncmp(enc, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEy", 68) == 0,
	   "known prefix of the 0..255 encoding");
	ok(strcmp(enc + strlen(enc) - 8, "/P3+/w==") == 0, "known suffix uses + and / and padding");
	is_int(b64_decode(sdes, strlen(sdes), key, sizeof(key), &n), 0, "decode an SDES inline key");
	is_int(n, 30, "SDES key||salt is 30 bytes");
	is_int(key[0], 'Y', "first byte");
}

static void test_bad(void)
{
	static const char *const bad[] = {
		"Zg=",     /* length not a multiple of 4 */
		"Zg",      /* padding missing */
		"Zh==",    /* non-zero unused bits */
		"Zm9=",    /* non-zero unused bits with one pad */
		"Z===",    /* three pads */
		"====",    /* only pads */
		"Zg==Zm8=", /* pad in the middle */
		"Zm 9v",   /* space (also wrong length) */
		"Zm 9",    /* space */
		"Zm9v\n",  /* newline */
		"Zm-v",    /* url-safe alphabet is not base64 */
		"Zm_v",
		"Zm=v",    /* '=' before data */
		"=m9v",
	};
	uint8_t out[16];
	size_t n = 77;
	char enc[5];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(b64_decode(bad[i], strlen(bad[i]), out, sizeof(out), &n), EBADMSG, "reject bad input %zu (%.*s)", i,
		       (int)strcspn(bad[i], "\n"), bad[i]);
	is_int(n, 77, "outlen untouched on errors");
	is_int(b64_decode("Zm9v\0AAA", 8, out, sizeof(out), &n), EBADMSG, "embedded NUL rejected");
	memset(out, 0x55, sizeof(out));
	is_int(b64_decode("Zm9vZm9v!!!!", 12, out, sizeof(out), &n), EBADMSG, "bad last group");
	ok(out[0] == 0 && out[5] == 0, "partial output wiped on error");
	is_int(b64_decode("Zm9vYmFy", 8, out, 5, &n), ENOSPC, "output too small -> ENOSPC");
	is_int(b64_decode("Zm9vYg==", 8, out, 4, &n), 0, "exact output size with padding is enough");
	is_int(n, 4, "4 bytes");
	is_int(b64_encode((const uint8_t *)"foob", 4, enc, sizeof(enc)), ENOSPC, "encode: no room for NUL -> ENOSPC");
	is_int(b64_encode(NULL, 1, enc, sizeof(enc)), EINVAL, "encode NULL -> EINVAL");
	is_int(b64_decode(NULL, 4, out, sizeof(out), &n), EINVAL, "decode NULL -> EINVAL");
}

int main(void)
{
	test_vectors();
	test_binary();
	test_bad();
	return tap_done();
}
