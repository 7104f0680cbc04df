/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_sdp_crypto.c: a=crypto (RFC 4568) parsing, refusal reasons, generation and printing. */
#include <errno.h>
#include <string.h>

#include "../tap.h"
#include "sdp_crypto.h"

static int dec(const char *s, struct sdp_crypto *c, const char **why)
{
	return sdp_crypto_decode(c, pl_str(s), why);
}

static bool is_seq(const uint8_t *k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (k[i] != i + 1)
			return false;
	return true;
}

static void test_rfc4568(void)
{
	static const uint8_t want[30] = { 0x3d, 0x2d, 0x6e, 0x40, 0x25, 0x5e, 0x78, 0x21, 0x42, 0x6a,
					  0x75, 0x66, 0x72, 0x39, 0x29, 0x3f, 0x2c, 0x23, 0x35, 0x68,
					  0x5c, 0x60, 0x3d, 0x26, 0x5d, 0x7b, 0x71, 0x69, 0x50, 0x51 };
	struct sdp_crypto c;
	const char *why = NULL;

	/* RFC 4568 section 4 example, as sent: carries an MKI, which we do not support */
	is_int(dec("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32", &c, &why),
	       ENOTSUP, "RFC 4568 example with MKI 1:32 refused");
	is_str(why, "MKI not supported", "reason says MKI");
	/* the same key without MKI */
	memset(&c, 0xee, sizeof(c));
	is_int(dec("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20", &c, &why), 0,
	       "RFC 4568 key with lifetime 2^20");
	is_str(why, "", "no reason on success");
	is_int(c.tag, 1, "tag 1");
	is_int(c.suite, SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, "suite AES_CM_128_HMAC_SHA1_80");
	is_int(c.key_len, 30, "30 bytes key||salt");
	ok(memcmp(c.key, want, 30) == 0, "decoded key bytes exact");
	ok(c.lifetime == (UINT64_C(1) << 20), "lifetime 2^20 packets");
	is_int(c.wsh, 0, "no WSH");
	/* RFC 4568 section 4: a second line with tag 2 and the _32 suite */
	is_int(dec("2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20", &c, &why), 0,
	       "RFC 4568 _32 line");
	is_int(c.tag, 2, "tag 2");
	is_int(c.suite, SRTP_SUITE_AES_CM_128_HMAC_SHA1_32, "suite _32");
	sdp_crypto_wipe(&c);
}

static void test_suites(void)
{
	static const struct {
		const char *line;
		enum srtp_suite_id suite;
		size_t len;
	} v[] = {
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e",
		  SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, 30 },
		{ "1 AES_CM_128_HMAC_SHA1_32 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e",
		  SRTP_SUITE_AES_CM_128_HMAC_SHA1_32, 30 },
		{ "1 AES_256_CM_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLg==",
		  SRTP_SUITE_AES_256_CM_HMAC_SHA1_80, 46 },
		/* unpadded form some peers send */
		{ "1 AES_256_CM_HMAC_SHA1_32 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLg",
		  SRTP_SUITE_AES_256_CM_HMAC_SHA1_32, 46 },
		{ "1 AEAD_AES_128_GCM inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHA==", SRTP_SUITE_AEAD_AES_128_GCM,
		  28 },
		{ "1 AEAD_AES_256_GCM inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKyw=",
		  SRTP_SUITE_AEAD_AES_256_GCM, 44 },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct sdp_crypto c;
		const char *why;
		int err = dec(v[i].line, &c, &why);

		if (!srtp_suite_supported(v[i].suite)) {
			is_int(err, ENOENT, "%s: not supported by this libsrtp -> skipped", srtp_suite_name(v[i].suite));
			continue;
		}
		is_int(err, 0, "%s parses", srtp_suite_name(v[i].suite));
		is_int(c.suite, v[i].suite, "suite id");
		is_int(c.key_len, v[i].len, "key||salt length %zu", v[i].len);
		ok(is_seq(c.key, v[i].len), "key bytes 01 02 03 ...");
		/* a key one byte short for the suite */
		{
			struct sdp_crypto c2;
			char line[200];
			snprintf(line, sizeof(line), "1 %s inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMk",
				 srtp_suite_name(v[i].suite));
			is_int(dec(line, &c2, &why), EBADMSG, "%s: 36-byte key rejected", srtp_suite_name(v[i].suite));
			is_str(why, "key has the wrong length for the suite", "reason: wrong length");
		}
		sdp_crypto_wipe(&c);
	}
}

static void test_errors(void)
{
	static const struct {
		const char *line;
		int err;
		const char *why;
	} v[] = {
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLg==",
		  EBADMSG, "key has the wrong length for the suite" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0*", EBADMSG,
		  "key is not valid base64" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRob HB0e", EBADMSG,
		  "key has the wrong length for the suite" },
		{ "1 F8_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e", ENOENT,
		  "unknown crypto suite" },
		{ "1 aes_cm_128_hmac_sha1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e", ENOENT,
		  "unknown crypto suite" },
		{ "0 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e", EBADMSG, "bad tag" },
		{ "1000000000 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e", EBADMSG,
		  "bad tag" },
		{ "x AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e", EBADMSG, "bad tag" },
		{ "1 AES_CM_128_HMAC_SHA1_80", EBADMSG, "missing suite or key parameters" },
		{ "", EBADMSG, "bad tag" },
		{ "1 AES_CM_128_HMAC_SHA1_80 uri:http://example.com/key", ENOTSUP, "key method is not inline" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e|2^20|1:4;"
		  "inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e|2^20|2:4",
		  ENOTSUP, "several keys in one line (not supported)" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e|1:4", ENOTSUP,
		  "MKI not supported" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e|1:0", EBADMSG,
		  "malformed MKI" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e|1:129", EBADMSG,
		  "malformed MKI" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e|2^49", EBADMSG,
		  "bad key lifetime" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e|0", EBADMSG,
		  "bad key lifetime" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e|2^x", EBADMSG,
		  "bad key lifetime" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e|2^20|2^20", EBADMSG,
		  "malformed key parameters" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e|", EBADMSG,
		  "malformed key parameters" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e KDR=1", ENOTSUP,
		  "KDR session parameter not supported" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e UNENCRYPTED_SRTP",
		  ENOTSUP, "session parameter would weaken protection (UNENCRYPTED_*/UNAUTHENTICATED_SRTP)" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e UNENCRYPTED_SRTCP",
		  ENOTSUP, "session parameter would weaken protection (UNENCRYPTED_*/UNAUTHENTICATED_SRTP)" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e UNAUTHENTICATED_SRTP",
		  ENOTSUP, "session parameter would weaken protection (UNENCRYPTED_*/UNAUTHENTICATED_SRTP)" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e FEC_KEY=inline:abc",
		  ENOTSUP, "FEC_KEY session parameter not supported" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e FEC_ORDER=X", EBADMSG,
		  "bad FEC_ORDER value" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e WSH=32", EBADMSG,
		  "bad WSH value (must be at least 64)" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e FOO=1", ENOTSUP,
		  "unknown mandatory session parameter" },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct sdp_crypto c;
		const char *why = NULL;

		memset(&c, 0x5a, sizeof(c));
		is_int(dec(v[i].line, &c, &why), v[i].err, "refused (%d): %.60s", v[i].err, v[i].line);
		is_str(why, v[i].why, "reason");
		ok(c.tag == 0x5a5a5a5a, "out-parameter untouched on error");
	}
}

static void test_accepted_params(void)
{
	struct sdp_crypto c;
	const char *why;

	is_int(dec("999999999 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e", &c, &why),
	       0, "largest tag");
	is_int(c.tag, 999999999, "tag 999999999");
	is_int(dec("7 AES_CM_128_HMAC_SHA1_80 INLINE:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e|1048576  "
		   "FEC_ORDER=SRTP_FEC WSH=128 -X-VENDOR=1",
		   &c, &why),
	       0, "decimal lifetime, FEC_ORDER, WSH, optional '-' parameter");
	ok(c.lifetime == 1048576, "lifetime 1048576");
	is_int(c.wsh, 128, "WSH 128 recorded");
	is_int(dec("1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e|2^48", &c, &why), 0,
	       "lifetime 2^48 (the SRTP maximum)");
	ok(c.lifetime == (UINT64_C(1) << 48), "lifetime value 2^48");
	sdp_crypto_wipe(&c);
	ok(c.tag == 0 && c.key[0] == 0 && c.key_len == 0, "wipe zeroes the struct");
}

static void test_generate_print(void)
{
	struct sdp_crypto a, b, back;
	struct wbuf w;
	const char *why;
	char line[200];

	is_int(sdp_crypto_generate(&a, 3, SRTP_SUITE_AES_CM_128_HMAC_SHA1_80), 0, "generate");
	is_int(sdp_crypto_generate(&b, 3, SRTP_SUITE_AES_CM_128_HMAC_SHA1_80), 0, "generate again");
	is_int(a.key_len, 30, "generated length");
	ok(memcmp(a.key, b.key, 30) != 0, "two generated keys differ");
	is_int(sdp_crypto_generate(&b, 0, SRTP_SUITE_AES_CM_128_HMAC_SHA1_80), EINVAL, "tag 0 refused");
	is_int(sdp_crypto_generate(&b, 1, SRTP_SUITE_COUNT), EINVAL, "bad suite refused");

	wbuf_init(&w, 0);
	is_int(sdp_crypto_print(&w, &a), 0, "print");
	ok(w.len > 9 && memcmp(w.p, "a=crypto:", 9) == 0 && w.p[w.len - 2] == '\r' && w.p[w.len - 1] == '\n',
	   "a=crypto: ... CRLF");
	is_int(sdp_crypto_decode(&back, (struct pl){ (const char *)w.p + 9, w.len - 11 }, &why), 0, "parses back");
	ok(back.tag == 3 && back.suite == a.suite && back.key_len == 30 && memcmp(back.key, a.key, 30) == 0,
	   "round trip exact");
	wbuf_free(&w);

	memset(&a, 0, sizeof(a));
	a.tag = 12;
	a.suite = SRTP_SUITE_AEAD_AES_256_GCM;
	a.key_len = 44;
	for (int i = 0; i < 44; i++)
		a.key[i] = (uint8_t)(i + 1);
	wbuf_init_static(&w, line, sizeof(line));
	is_int(sdp_crypto_print(&w, &a), 0, "print fixed key");
	is_str(line, "a=crypto:12 AEAD_AES_256_GCM inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKyw=\r\n",
	       "exact printed line");
	sdp_crypto_wipe(&a);
	sdp_crypto_wipe(&b);
	sdp_crypto_wipe(&back);
}

int main(void)
{
	test_rfc4568();
	test_suites();
	test_errors();
	test_accepted_params();
	test_generate_print();
	return tap_done();
}
