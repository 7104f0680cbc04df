/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_stun.c: STUN against the RFC 5769 vectors, hostile bytes, and the Binding transaction on the loop. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "loop.h"
#include "sa.h"
#include "stream.h"
#include "stun.h"
#include "../tap.h"

/*
 * RFC 5769 (Test Vectors for STUN, IETF, 2010) sections 2.1-2.4, as printed there. In 2.1-2.3 the
 * padding after SOFTWARE and USERNAME is 0x20 on purpose: a decoder must ignore padding values.
 */
static const char *const v_request =
	"00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
	"80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74"
	"00 24 00 04 6e 00 01 ff"
	"80 29 00 08 93 2f f9 b1 51 26 3b 36"
	"00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20"
	"00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2"
	"80 28 00 04 e5 7a 3b cf";
static const char *const v_resp4 =
	"01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
	"80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20"
	"00 20 00 08 00 01 a1 47 e1 12 a6 43"
	"00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7"
	"80 28 00 04 c0 7d 4c 96";
static const char *const v_resp6 =
	"01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
	"80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20"
	"00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9"
	"00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41"
	"80 28 00 04 c8 fb 0b 4c";
static const char *const v_longterm =
	"00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e"
	"00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00"
	"00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41"
	"00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00"
	"00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66";

static const uint8_t v_tid[STUN_TID_LEN] = { 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae };

static size_t unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	unsigned v;

	while (*s && n < max) {
		if (*s == ' ') {
			s++;
			continue;
		}
		if (sscanf(s, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static bool pl_is(struct pl p, const char *s)
{
	return p.p && p.l == strlen(s) && !memcmp(p.p, s, p.l);
}

/*
 * RFC 5389 15.4: HMAC-SHA1 over the message up to MESSAGE-INTEGRITY, the header's length counting up
 * to the end of that attribute. Checks that integrity_off is right (and that the vector was typed in right).
 */
static bool mi_matches(const uint8_t *msg, const struct stun_msg *m, const void *key, size_t keylen)
{
	uint8_t copy[256], mac[EVP_MAX_MD_SIZE];
	unsigned maclen = 0;
	size_t l = m->integrity_off + 24 - STUN_HDR_LEN;

	if (!m->has_integrity || m->integrity_off > sizeof(copy))
		return false;
	memcpy(copy, msg, m->integrity_off);
	copy[2] = (uint8_t)(l >> 8);
	copy[3] = (uint8_t)l;
	if (!HMAC(EVP_sha1(), key, (int)keylen, copy, m->integrity_off, mac, &maclen) || maclen != 20)
		return false;
	return !memcmp(mac, msg + m->integrity_off + 4, 20);
}

static bool sin_is(const struct sockaddr_storage *ss, const char *ip, uint16_t port)
{
	char buf[64], want[64];

	if (strchr(ip, ':'))
		snprintf(want, sizeof(want), "[%s]:%u", ip, port);
	else
		snprintf(want, sizeof(want), "%s:%u", ip, port);
	return !strcmp(sa_str((const struct sockaddr *)ss, buf, sizeof(buf), NULL, 0, NULL), want);
}

static void test_vectors(void)
{
	uint8_t b[256], key[16];
	struct stun_msg m;
	size_t n;
	static const char user_lt[] = "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9";
	char cred[128];

	/* 2.1 sample request */
	n = unhex(v_request, b, sizeof(b));
	is_int(n, 108, "2.1: 108 bytes");
	ok(stun_is_msg(b, n), "2.1: recognised as STUN");
	is_int(stun_decode(&m, b, n), 0, "2.1: decodes");
	ok(m.method == STUN_METHOD_BINDING && m.cls == STUN_CLASS_REQUEST, "2.1: Binding request");
	ok(!memcmp(m.tid, v_tid, STUN_TID_LEN), "2.1: transaction ID");
	ok(pl_is(m.software, "STUN test client"), "2.1: SOFTWARE (0x20 padding ignored)");
	ok(pl_is(m.username, "evtj:h6vY"), "2.1: USERNAME");
	ok(m.has_fingerprint, "2.1: FINGERPRINT present and correct");
	ok(m.has_integrity && m.integrity_off == 76, "2.1: MESSAGE-INTEGRITY at offset 76 (%zu)", m.integrity_off);
	ok(mi_matches(b, &m, "VOkJxbRl1RmTxUk/WvJxBt", 22), "2.1: HMAC-SHA1 over the bytes before it matches");
	ok(m.n_unknown == 1 && m.unknown[0] == 0x0024,
	   "2.1: PRIORITY (0x0024) listed as unknown comprehension-required; ICE-CONTROLLED (0x8029) optional");
	ok(!m.has_xor_mapped && !m.has_mapped && m.error_code == 0, "2.1: no address, no error");

	/* 2.2 IPv4 response */
	n = unhex(v_resp4, b, sizeof(b));
	is_int(stun_decode(&m, b, n), 0, "2.2: decodes");
	ok(m.cls == STUN_CLASS_SUCCESS && m.method == STUN_METHOD_BINDING, "2.2: Binding success response");
	ok(m.has_xor_mapped && sin_is(&m.xor_mapped, "192.0.2.1", 32853), "2.2: XOR-MAPPED-ADDRESS 192.0.2.1:32853");
	ok(pl_is(m.software, "test vector") && m.has_fingerprint, "2.2: SOFTWARE and FINGERPRINT");
	ok(mi_matches(b, &m, "VOkJxbRl1RmTxUk/WvJxBt", 22), "2.2: MESSAGE-INTEGRITY offset right (HMAC matches)");
	is_int(stun_crc32(b, n - 8) ^ 0x5354554eu, 0xc07d4c96u, "2.2: stun_crc32 gives the vector's FINGERPRINT");

	/* 2.3 IPv6 response */
	n = unhex(v_resp6, b, sizeof(b));
	is_int(stun_decode(&m, b, n), 0, "2.3: decodes");
	ok(m.has_xor_mapped && sin_is(&m.xor_mapped, "2001:db8:1234:5678:11:2233:4455:6677", 32853),
	   "2.3: XOR-MAPPED-ADDRESS [2001:db8:1234:5678:11:2233:4455:6677]:32853");
	ok(mi_matches(b, &m, "VOkJxbRl1RmTxUk/WvJxBt", 22) && m.has_fingerprint, "2.3: MI offset and FINGERPRINT");

	/* 2.4 long-term credentials, no FINGERPRINT; key = MD5(username ":" realm ":" SASLprep(password)) */
	n = unhex(v_longterm, b, sizeof(b));
	is_int(stun_decode(&m, b, n), 0, "2.4: decodes");
	ok(pl_is(m.username, user_lt), "2.4: USERNAME (UTF-8)");
	ok(pl_is(m.nonce, "f//499k954d6OL34oL9FSTvy64sA") && pl_is(m.realm, "example.org"), "2.4: NONCE and REALM");
	ok(!m.has_fingerprint, "2.4: no FINGERPRINT");
	snprintf(cred, sizeof(cred), "%s:example.org:TheMatrIX", user_lt);
	EVP_Digest(cred, strlen(cred), key, NULL, EVP_md5(), NULL);
	ok(mi_matches(b, &m, key, 16), "2.4: MESSAGE-INTEGRITY with the long-term key matches");
}

/* Every prefix of a valid message, and bytes changed one at a time, never decode wrongly. */
static void test_hostile(void)
{
	uint8_t b[256], c[256];
	struct stun_msg m;
	size_t n, i;
	int bad = 0, changed_ok = 0;

	n = unhex(v_resp4, b, sizeof(b));
	for (i = 0; i < n; i++)
		if (stun_decode(&m, b, i) != EBADMSG || stun_is_msg(b, i))
			bad++;
	is_int(bad, 0, "every proper prefix of 2.2 is rejected (and not taken for STUN)");

	/*
	 * FINGERPRINT covers every byte before it: a single-bit flip fails the decode (or is no STUN at
	 * all), except in FINGERPRINT's own type field, which turns it into some other attribute
	 */
	for (i = 0; i < n * 8; i++) {
		bool fp_type = i / 8 == n - 8 || i / 8 == n - 7;

		memcpy(c, b, n);
		c[i / 8] ^= (uint8_t)(1u << (i % 8));
		if (stun_decode(&m, c, n) == 0 && (!fp_type || m.has_fingerprint))
			changed_ok++;
	}
	is_int(changed_ok, 0, "no single-bit flip of 2.2 (%zu bits) decodes as a fingerprinted message", n * 8);

	/* audio/stream.c mirrors stun_is_msg (audio/ may not include src/): both say the same of every
	 * prefix, every single-bit flip and every length of 2.2 */
	{
		int differ = 0;

		for (i = 0; i <= n + 8; i++) {
			memcpy(c, b, n);
			memset(c + n, 0, 8);
			differ += stun_is_msg(c, i) != stream_is_stun(c, i);
		}
		for (i = 0; i < n * 8; i++) {
			memcpy(c, b, n);
			c[i / 8] ^= (uint8_t)(1u << (i % 8));
			differ += stun_is_msg(c, n) != stream_is_stun(c, n);
		}
		is_int(differ, 0, "stream_is_stun agrees with stun_is_msg on every length and bit flip of 2.2");
	}

	memcpy(c, b, n);
	c[0] |= 0x80;
	ok(!stun_is_msg(c, n) && stun_decode(&m, c, n) == EBADMSG, "top bits set: not STUN");
	memcpy(c, b, n);
	c[5] ^= 1;
	ok(!stun_is_msg(c, n), "wrong magic cookie: not STUN");
	memcpy(c, b, n);
	c[3] += 4;
	ok(!stun_is_msg(c, n) && stun_decode(&m, c, n) == EBADMSG, "length beyond the datagram: rejected");
	memcpy(c, b, n);
	memset(c + n, 0, 4);
	ok(!stun_is_msg(c, n + 4), "datagram longer than the message: not STUN");
	ok(!stun_is_msg(NULL, 0) && stun_decode(&m, NULL, 0) == EBADMSG, "NULL: rejected");
	/* RTP (version 2) and RTCP never look like STUN */
	memset(c, 0, sizeof(c));
	c[0] = 0x80;
	c[1] = 0x00;
	ok(!stun_is_msg(c, 172), "an RTP packet is not STUN");
	c[1] = 200;
	ok(!stun_is_msg(c, 28), "an RTCP SR is not STUN");
}

/* Messages built by the encoder (one attribute at a time, to probe the decoder's rules). */
static size_t build(uint8_t *out, size_t cap, uint16_t method, enum stun_class cls, const uint16_t *types,
		    const char *const *vals, size_t nattr, bool fp)
{
	struct stun_enc e;
	struct wbuf w;
	size_t i;

	wbuf_init_static(&w, out, cap);
	stun_enc_begin(&e, &w, method, cls, v_tid);
	for (i = 0; i < nattr; i++)
		stun_enc_attr(&e, types[i], vals[i], strlen(vals[i]));
	return stun_enc_end(&e, fp) == 0 ? w.len : 0;
}

static void test_encode(void)
{
	uint8_t b[256], c[256];
	struct stun_msg m;
	struct stun_enc e;
	struct wbuf w;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(32853) };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(32853) };
	uint8_t x[256];
	size_t n, xn;

	/* the XOR-MAPPED-ADDRESS attribute of 2.2 and 2.3, byte for byte */
	inet_pton(AF_INET, "192.0.2.1", &sin.sin_addr);
	wbuf_init_static(&w, b, sizeof(b));
	stun_enc_begin(&e, &w, STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, v_tid);
	stun_enc_addr(&e, STUN_ATTR_XOR_MAPPED_ADDRESS, (struct sockaddr *)&sin);
	is_int(stun_enc_end(&e, false), 0, "encode a response with XOR-MAPPED-ADDRESS");
	xn = unhex("00 20 00 08 00 01 a1 47 e1 12 a6 43", x, sizeof(x));
	ok(w.len == STUN_HDR_LEN + xn && !memcmp(b + STUN_HDR_LEN, x, xn), "IPv4 attribute as in RFC 5769 2.2");
	ok(b[0] == 0x01 && b[1] == 0x01 && b[2] == 0 && b[3] == 12, "type 0x0101 and length 12");
	inet_pton(AF_INET6, "2001:db8:1234:5678:11:2233:4455:6677", &sin6.sin6_addr);
	wbuf_init_static(&w, b, sizeof(b));
	stun_enc_begin(&e, &w, STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, v_tid);
	stun_enc_addr(&e, STUN_ATTR_XOR_MAPPED_ADDRESS, (struct sockaddr *)&sin6);
	stun_enc_end(&e, false);
	xn = unhex("00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9", x, sizeof(x));
	ok(w.len == STUN_HDR_LEN + xn && !memcmp(b + STUN_HDR_LEN, x, xn), "IPv6 attribute as in RFC 5769 2.3");

	/* round trip with every attribute kind and FINGERPRINT */
	wbuf_init_static(&w, b, sizeof(b));
	stun_enc_begin(&e, &w, STUN_METHOD_BINDING, STUN_CLASS_ERROR, v_tid);
	stun_enc_error(&e, 420, "Unknown Attribute");
	stun_enc_attr(&e, STUN_ATTR_SOFTWARE, "abc", 3);
	stun_enc_addr(&e, STUN_ATTR_MAPPED_ADDRESS, (struct sockaddr *)&sin);
	stun_enc_addr(&e, STUN_ATTR_ALTERNATE_SERVER, (struct sockaddr *)&sin6);
	is_int(stun_enc_end(&e, true), 0, "error response with FINGERPRINT encoded");
	n = w.len;
	ok(stun_is_msg(b, n) && stun_decode(&m, b, n) == 0, "... and decodes");
	ok(m.cls == STUN_CLASS_ERROR && m.error_code == 420 && pl_is(m.error_reason, "Unknown Attribute"),
	   "ERROR-CODE 420 and its reason");
	ok(pl_is(m.software, "abc") && m.has_fingerprint, "SOFTWARE (zero-padded) and FINGERPRINT");
	ok(m.has_mapped && sin_is(&m.mapped, "192.0.2.1", 32853), "MAPPED-ADDRESS (not XORed)");
	ok(m.has_alternate && sin_is(&m.alternate, "2001:db8:1234:5678:11:2233:4455:6677", 32853), "ALTERNATE-SERVER");
	is_int(stun_msg_type(STUN_METHOD_BINDING, STUN_CLASS_ERROR), 0x0111, "Binding error type 0x0111");
	is_int(stun_msg_type(0x0FFF, STUN_CLASS_INDICATION), 0x3EFF, "method bits around the class bits");
	ok(stun_enc_error(&e, 200, "x") == EINVAL && stun_enc_error(&e, 700, "x") == EINVAL, "error code out of range");

	/* decoder rules, on encoder-built messages */
	{
		const uint16_t t[] = { STUN_ATTR_SOFTWARE, STUN_ATTR_SOFTWARE };
		const char *const v[] = { "first", "second" };
		n = build(b, sizeof(b), 1, STUN_CLASS_SUCCESS, t, v, 2, true);
		ok(stun_decode(&m, b, n) == 0 && pl_is(m.software, "first"), "a repeated attribute: the first counts");
	}
	{
		const uint16_t t[] = { STUN_ATTR_MESSAGE_INTEGRITY, STUN_ATTR_SOFTWARE };
		const char *const v[] = { "01234567890123456789", "after" };
		n = build(b, sizeof(b), 1, STUN_CLASS_SUCCESS, t, v, 2, true);
		ok(stun_decode(&m, b, n) == 0 && m.has_integrity && !m.software.p && m.has_fingerprint,
		   "attributes after MESSAGE-INTEGRITY are ignored, FINGERPRINT is not");
	}
	{
		const uint16_t t[] = { STUN_ATTR_MESSAGE_INTEGRITY };
		const char *const v[] = { "short" };
		n = build(b, sizeof(b), 1, STUN_CLASS_SUCCESS, t, v, 1, false);
		is_int(stun_decode(&m, b, n), EBADMSG, "MESSAGE-INTEGRITY of the wrong length");
	}
	{
		const uint16_t t[] = { 0x7001, 0xC001 };
		const char *const v[] = { "x", "y" };
		n = build(b, sizeof(b), 1, STUN_CLASS_SUCCESS, t, v, 2, false);
		ok(stun_decode(&m, b, n) == 0 && m.n_unknown == 1 && m.unknown[0] == 0x7001,
		   "unknown comprehension-required type listed, optional one not");
	}
	{
		/* malformed known attributes (values with NUL bytes: built by hand) */
		wbuf_init_static(&w, b, sizeof(b));
		stun_enc_begin(&e, &w, 1, STUN_CLASS_SUCCESS, v_tid);
		stun_enc_attr(&e, STUN_ATTR_XOR_MAPPED_ADDRESS, "\x00\x03\x01\x02\x01\x02\x03\x04", 8);
		stun_enc_end(&e, false);
		is_int(stun_decode(&m, b, w.len), EBADMSG, "XOR-MAPPED-ADDRESS with family 3");
		wbuf_init_static(&w, b, sizeof(b));
		stun_enc_begin(&e, &w, 1, STUN_CLASS_SUCCESS, v_tid);
		stun_enc_attr(&e, STUN_ATTR_XOR_MAPPED_ADDRESS, "\x00\x01\x01\x02\x01\x02\x03\x04\x05\x06\x07\x08", 12);
		stun_enc_end(&e, false);
		is_int(stun_decode(&m, b, w.len), EBADMSG, "IPv4 XOR-MAPPED-ADDRESS of 12 bytes");
		wbuf_init_static(&w, b, sizeof(b));
		stun_enc_begin(&e, &w, 1, STUN_CLASS_ERROR, v_tid);
		stun_enc_attr(&e, STUN_ATTR_ERROR_CODE, "\x00\x00\x07\x01", 4);
		stun_enc_end(&e, false);
		is_int(stun_decode(&m, b, w.len), EBADMSG, "ERROR-CODE class 7");
	}
	{
		/* FINGERPRINT that is not last */
		const uint16_t t[] = { STUN_ATTR_SOFTWARE };
		const char *const v[] = { "abcd" };
		n = build(b, sizeof(b), 1, STUN_CLASS_SUCCESS, t, v, 1, true);
		memcpy(c, b, n);
		memcpy(c + n, "\x80\x22\x00\x00", 4);
		c[3] += 4;
		is_int(stun_decode(&m, c, n + 4), EBADMSG, "an attribute after FINGERPRINT");
		/* an attribute whose length runs past the message */
		memcpy(c, b, n);
		c[STUN_HDR_LEN + 3] = 40;
		is_int(stun_decode(&m, c, n), EBADMSG, "attribute length past the end");
	}
}

/* ---- the transaction, with a fake transport and short timers ---- */
#define MAXSENT 16
struct fake {
	int n;
	uint64_t t0, at[MAXSENT];
	uint8_t last[256];
	size_t last_len;
	int fail_at; /* 1-based send that fails with fail_err */
	int fail_err;
};

struct tu {
	int calls, err;
	struct stun_result r;
	char software[64];
	bool free_in_cb;
	struct stun_binding *b;
};

static int fake_send(const void *p, size_t len, const struct sockaddr *dst, socklen_t dl, void *arg)
{
	struct fake *f = arg;

	(void)dst;
	(void)dl;
	if (f->n < MAXSENT)
		f->at[f->n] = loop_now_ms() - f->t0;
	f->n++;
	if (len <= sizeof(f->last)) {
		memcpy(f->last, p, len);
		f->last_len = len;
	}
	if (f->fail_at && f->n == f->fail_at)
		return f->fail_err;
	return 0;
}

static struct fake *cur_fake;

static int send_h(const void *p, size_t len, const struct sockaddr *dst, socklen_t dl, void *arg)
{
	(void)arg;
	return fake_send(p, len, dst, dl, cur_fake);
}

static void tu_h(int err, const struct stun_result *r, void *arg)
{
	struct tu *tu = arg;

	tu->calls++;
	tu->err = err;
	if (r) {
		tu->r = *r;
		snprintf(tu->software, sizeof(tu->software), "%.*s", (int)r->software.l,
			 r->software.p ? r->software.p : "");
	}
	if (tu->free_in_cb) {
		stun_binding_free(tu->b);
		tu->b = NULL;
	}
}

static int start(struct stun_binding **bp, struct loop *l, const struct sockaddr_in *srv, const struct stun_timers *t,
		 struct tu *tu)
{
	return stun_binding_alloc(bp, l, (const struct sockaddr *)srv, sizeof(*srv), t, "sphone/test", send_h, tu_h, tu);
}

/*
 * The loops run on the virtual clock (main): time moves only here, by 1 ms steps, every timer firing
 * at its own time, so the retransmission gaps below are exact whatever the machine's load.
 */
static void run_until(struct loop *l, const struct tu *tu, uint64_t max_ms)
{
	for (uint64_t t = 0; !tu->calls && t < max_ms; t++)
		loop_advance(l, 1);
}

static void run_for(struct loop *l, uint64_t ms)
{
	loop_advance(l, ms);
}

/* A response to the request the fake last sent; attrs: 'x' XOR-MAPPED, 'm' MAPPED, 'u' unknown, 'e' error. */
static size_t respond(const struct fake *f, uint8_t *out, size_t cap, const char *attrs, uint16_t code)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(40000) };
	struct stun_enc e;
	struct wbuf w;

	inet_pton(AF_INET, "198.51.100.1", &sin.sin_addr);
	wbuf_init_static(&w, out, cap);
	stun_enc_begin(&e, &w, STUN_METHOD_BINDING, strchr(attrs, 'e') ? STUN_CLASS_ERROR : STUN_CLASS_SUCCESS,
		       f->last + 8);
	if (strchr(attrs, 'e') && code)
		stun_enc_error(&e, code, "Bad Request");
	if (strchr(attrs, 'x'))
		stun_enc_addr(&e, STUN_ATTR_XOR_MAPPED_ADDRESS, (struct sockaddr *)&sin);
	if (strchr(attrs, 'm')) {
		sin.sin_port = htons(40001);
		stun_enc_addr(&e, STUN_ATTR_MAPPED_ADDRESS, (struct sockaddr *)&sin);
	}
	if (strchr(attrs, 'u'))
		stun_enc_attr(&e, 0x7777, "zz", 2);
	stun_enc_attr(&e, STUN_ATTR_SOFTWARE, "lab server", 10);
	return stun_enc_end(&e, true) == 0 ? w.len : 0;
}

static void test_transaction(void)
{
	struct loop *l;
	struct fake f;
	struct tu tu;
	struct stun_timers t = { .rto_ms = 10, .rc = 7, .rm = 16 };
	struct sockaddr_in srv = { .sin_family = AF_INET, .sin_port = htons(3478) };
	struct sockaddr_in other = srv;
	struct stun_binding *b = NULL;
	struct stun_msg m;
	uint8_t resp[256], first_tid[STUN_TID_LEN];
	size_t n;
	int i, mono = 1;

	inet_pton(AF_INET, "198.51.100.2", &srv.sin_addr);
	other.sin_port = htons(3479);
	if (loop_alloc(&l)) {
		ok(0, "loop_alloc");
		return;
	}
	cur_fake = &f;

	/* no response: Rc requests with doubling gaps, then Rm RTOs, then ETIMEDOUT */
	memset(&f, 0, sizeof(f));
	memset(&tu, 0, sizeof(tu));
	f.t0 = loop_now_ms();
	is_int(start(&b, l, &srv, &t, &tu), 0,
	       "binding started");
	is_int(f.n, 1, "first request sent at once");
	ok(stun_decode(&m, f.last, f.last_len) == 0 && m.cls == STUN_CLASS_REQUEST && m.method == STUN_METHOD_BINDING,
	   "it is a Binding request");
	ok(m.has_fingerprint && pl_is(m.software, "sphone/test"), "with FINGERPRINT and the SOFTWARE given");
	ok(m.n_unknown == 0 && !m.has_integrity && !m.username.p, "and nothing else");
	memcpy(first_tid, m.tid, STUN_TID_LEN);
	run_until(l, &tu, 5000);
	is_int(tu.calls, 1, "handler called once");
	is_int(tu.err, ETIMEDOUT, "ETIMEDOUT without response");
	/* the last request, then Rm = 16 RTOs: 630 + 160 ms */
	is_int((int)(loop_now_ms() - f.t0), 630 + 16 * 10, "ETIMEDOUT Rm RTOs after the last request");
	is_int(f.n, 7, "Rc = 7 requests sent");
	/* RFC 5389 7.2.1: each gap doubles from the RTO */
	for (i = 1; i < 7 && i < MAXSENT; i++)
		if (f.at[i] - f.at[i - 1] != (uint64_t)10 << (i - 1))
			mono = 0;
	ok(mono, "gaps 10, 20, 40, 80, 160, 320 ms (%llu %llu %llu %llu %llu %llu)",
	   (unsigned long long)(f.at[1] - f.at[0]), (unsigned long long)(f.at[2] - f.at[1]),
	   (unsigned long long)(f.at[3] - f.at[2]), (unsigned long long)(f.at[4] - f.at[3]),
	   (unsigned long long)(f.at[5] - f.at[4]), (unsigned long long)(f.at[6] - f.at[5]));
	ok(!stun_binding_active(b), "no longer active");
	stun_binding_free(b);

	/* response after the second request */
	memset(&f, 0, sizeof(f));
	memset(&tu, 0, sizeof(tu));
	f.t0 = loop_now_ms();
	start(&b, l, &srv, &t, &tu);
	ok(memcmp(f.last + 8, first_tid, STUN_TID_LEN) != 0, "a new transaction ID per transaction");
	while (f.n < 2)
		loop_advance(l, 1);
	n = respond(&f, resp, sizeof(resp), "x", 0);
	is_int(stun_binding_recv(b, resp, n, (struct sockaddr *)&other), ENOENT, "the response from another port: not ours");
	is_int(tu.calls, 0, "... and ignored");
	resp[12] ^= 1;
	is_int(stun_binding_recv(b, resp, n, (struct sockaddr *)&srv), ENOENT, "another transaction ID: not ours");
	resp[12] ^= 1;
	resp[n - 1] ^= 1;
	is_int(stun_binding_recv(b, resp, n, (struct sockaddr *)&srv), EBADMSG, "bad FINGERPRINT: malformed");
	resp[n - 1] ^= 1;
	is_int(stun_binding_recv(b, "\x80\x00\x00\x01", 4, (struct sockaddr *)&srv), ENOENT, "RTP: not ours");
	is_int(stun_binding_recv(b, resp, n, (struct sockaddr *)&srv), 0, "the response is taken");
	ok(tu.calls == 1 && tu.err == 0, "success reported once");
	ok(sin_is(&tu.r.mapped, "198.51.100.1", 40000) && tu.r.from_xor, "mapped address from XOR-MAPPED-ADDRESS");
	ok(tu.r.requests == 2 && !strcmp(tu.software, "lab server"), "2 requests; server SOFTWARE '%s'", tu.software);
	is_int(stun_binding_recv(b, resp, n, (struct sockaddr *)&srv), 0, "a duplicate response is absorbed");
	run_for(l, 100);
	ok(f.n == 2 && tu.calls == 1, "no request and no report after the response (%d sent)", f.n);
	stun_binding_free(b);

	/* what makes a response unusable, and the RFC 3489 fallback */
	{
		static const struct {
			const char *attrs;
			uint16_t code;
			int err;
			const char *what;
		} cases[] = {
			{ "e", 400, EPROTO, "error response: EPROTO with its code" },
			{ "", 0, EPROTO, "success without a mapped address: EPROTO" },
			{ "xu", 0, EPROTO, "unknown comprehension-required attribute: EPROTO (RFC 5389 7.3.3)" },
			{ "m", 0, 0, "MAPPED-ADDRESS only (RFC 3489 server): used" },
			{ "mx", 0, 0, "both: XOR-MAPPED-ADDRESS wins" },
		};
		size_t k;

		for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
			memset(&f, 0, sizeof(f));
			memset(&tu, 0, sizeof(tu));
			start(&b, l, &srv, &t, &tu);
			n = respond(&f, resp, sizeof(resp), cases[k].attrs, cases[k].code);
			stun_binding_recv(b, resp, n, (struct sockaddr *)&srv);
			ok(tu.calls == 1 && tu.err == cases[k].err && tu.r.error_code == cases[k].code, "%s", cases[k].what);
			if (k == 3)
				ok(sin_is(&tu.r.mapped, "198.51.100.1", 40001) && !tu.r.from_xor, "... 198.51.100.1:40001");
			if (k == 4)
				ok(sin_is(&tu.r.mapped, "198.51.100.1", 40000) && tu.r.from_xor, "... 198.51.100.1:40000");
			stun_binding_free(b);
		}
	}

	/* send errors: the first one fails the start, a later one ends it; a full buffer is a lost packet */
	memset(&f, 0, sizeof(f));
	memset(&tu, 0, sizeof(tu));
	f.fail_at = 1;
	f.fail_err = ENETUNREACH;
	b = NULL;
	is_int(start(&b, l, &srv, &t, &tu), ENETUNREACH,
	       "first send fails: the start fails");
	ok(b == NULL && tu.calls == 0, "nothing started, nothing reported");
	memset(&f, 0, sizeof(f));
	f.fail_at = 2;
	f.fail_err = EAGAIN;
	start(&b, l, &srv, &t, &tu);
	while (f.n < 3)
		loop_advance(l, 1);
	ok(tu.calls == 0 && stun_binding_active(b), "EAGAIN on a retransmission: carries on");
	f.fail_at = 4;
	f.fail_err = EHOSTUNREACH;
	run_until(l, &tu, 2000);
	ok(tu.calls == 1 && tu.err == EHOSTUNREACH && f.n == 4, "EHOSTUNREACH on a retransmission: ends with it");
	stun_binding_free(b);

	/* freeing from inside the handler */
	memset(&f, 0, sizeof(f));
	memset(&tu, 0, sizeof(tu));
	tu.free_in_cb = true;
	start(&tu.b, l, &srv, &t, &tu);
	n = respond(&f, resp, sizeof(resp), "x", 0);
	is_int(stun_binding_recv(tu.b, resp, n, (struct sockaddr *)&srv), 0, "response taken; handler frees the binding");
	ok(tu.calls == 1 && tu.b == NULL, "freed in the handler (valgrind/ASan check the rest)");
	memset(&tu, 0, sizeof(tu));
	tu.free_in_cb = true;
	start(&tu.b, l, &srv, &t, &tu);
	run_until(l, &tu, 5000);
	ok(tu.calls == 1 && tu.err == ETIMEDOUT && tu.b == NULL, "freed in the timeout's handler");

	/* no SOFTWARE; bad arguments */
	memset(&f, 0, sizeof(f));
	memset(&tu, 0, sizeof(tu));
	stun_binding_alloc(&b, l, (struct sockaddr *)&srv, sizeof(srv), &t, NULL, send_h, tu_h, &tu);
	ok(stun_decode(&m, f.last, f.last_len) == 0 && !m.software.p && m.has_fingerprint, "software NULL: none sent");
	stun_binding_free(b);
	{
		char longsw[98];

		memset(longsw, 'x', sizeof(longsw) - 1);
		longsw[sizeof(longsw) - 1] = '\0';
		ok(stun_binding_alloc(&b, l, (struct sockaddr *)&srv, sizeof(srv), &t, longsw, send_h, tu_h, &tu) == EINVAL,
		   "SOFTWARE longer than 96 bytes: EINVAL");
	}
	ok(stun_binding_alloc(&b, l, NULL, 0, &t, NULL, send_h, tu_h, &tu) == EINVAL, "no server: EINVAL");
	stun_binding_free(NULL);
	ok(stun_binding_recv(NULL, resp, n, (struct sockaddr *)&srv) == ENOENT, "NULL binding: ENOENT");
	loop_free(l);
}

/* ---- on a real UDP socket shared with RTP, against a scripted server on loopback ---- */
struct media {
	int fd;
	int rtp, stun_other;
	struct stun_binding *b;
	struct tu tu;
};

static void media_done_h(int err, const struct stun_result *r, void *arg)
{
	struct media *md = arg;

	tu_h(err, r, &md->tu);
}

static int sock_send(const void *p, size_t len, const struct sockaddr *dst, socklen_t dl, void *arg)
{
	struct media *md = arg;

	return sendto(md->fd, p, len, 0, dst, dl) < 0 ? errno : 0;
}

static void media_rx(int fd, int events, void *arg)
{
	struct media *md = arg;
	uint8_t buf[1500];
	struct sockaddr_storage src;
	socklen_t sl = sizeof(src);
	ssize_t n;

	(void)events;
	while ((n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&src, &sl)) > 0) {
		/* the demultiplexing a media stream does: STUN to the binding, the rest is RTP */
		if (stun_is_msg(buf, (size_t)n)) {
			if (stun_binding_recv(md->b, buf, (size_t)n, (struct sockaddr *)&src) != 0)
				md->stun_other++;
		} else {
			md->rtp++;
		}
		sl = sizeof(src);
	}
}

static void test_socket(void)
{
	struct loop *l;
	struct media md = { .fd = -1 };
	struct sockaddr_in any = { .sin_family = AF_INET }, lo = { .sin_family = AF_INET }, srv;
	struct sockaddr_storage local;
	socklen_t sl = sizeof(srv);
	struct stun_timers t = { .rto_ms = 20 };
	uint8_t buf[512];
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	struct stun_msg m;
	int sfd, i;
	ssize_t n;

	lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sfd = socket(AF_INET, SOCK_DGRAM, 0);
	md.fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (sfd < 0 || md.fd < 0 || bind(sfd, (struct sockaddr *)&lo, sizeof(lo)) ||
	    getsockname(sfd, (struct sockaddr *)&srv, &sl) || bind(md.fd, (struct sockaddr *)&any, sizeof(any)) ||
	    loop_alloc(&l)) {
		ok(0, "loopback sockets");
		return;
	}
	is_int(stun_local_addr(md.fd, (struct sockaddr *)&srv, sizeof(srv), &local), 0,
	       "stun_local_addr of a wildcard-bound socket");
	ok(((struct sockaddr_in *)&local)->sin_addr.s_addr == htonl(INADDR_LOOPBACK) &&
		   ((struct sockaddr_in *)&local)->sin_port != 0,
	   "... is 127.0.0.1 with its port, towards a loopback server");
	loop_fd_listen(l, md.fd, LOOP_READ, media_rx, &md);
	is_int(stun_binding_alloc(&md.b, l, (struct sockaddr *)&srv, sizeof(srv), &t, "sphone/test", sock_send,
				  media_done_h, &md),
	       0,
	       "binding on the media socket");
	/* the server: RTP first, a stray STUN message, then the real response from the same socket */
	{
		struct pollfd pfd = { .fd = sfd, .events = POLLIN };
		n = poll(&pfd, 1, 2000) == 1 ? recvfrom(sfd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl) : -1;
	}
	ok(n > 0 && stun_decode(&m, buf, (size_t)n) == 0, "server got the request");
	for (i = 0; i < 3; i++) {
		uint8_t rtp[172] = { 0x80, 0x00 };
		sendto(sfd, rtp, sizeof(rtp), 0, (struct sockaddr *)&from, fl);
	}
	{
		struct stun_enc e;
		struct wbuf w;
		uint8_t stray[64], tid[STUN_TID_LEN] = { 1 };

		wbuf_init_static(&w, stray, sizeof(stray));
		stun_enc_begin(&e, &w, STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, tid);
		stun_enc_end(&e, true);
		sendto(sfd, stray, w.len, 0, (struct sockaddr *)&from, fl);
		wbuf_init_static(&w, buf, sizeof(buf));
		stun_enc_begin(&e, &w, STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, m.tid);
		stun_enc_addr(&e, STUN_ATTR_XOR_MAPPED_ADDRESS, (struct sockaddr *)&from);
		stun_enc_end(&e, true);
		sendto(sfd, buf, w.len, 0, (struct sockaddr *)&from, fl);
	}
	run_until(l, &md.tu, 3000);
	ok(md.tu.calls == 1 && md.tu.err == 0, "Binding succeeded through the socket");
	ok(sa_equal((struct sockaddr *)&md.tu.r.mapped, (struct sockaddr *)&local),
	   "mapped address == local address: no NAT on loopback");
	is_int(md.rtp, 3, "the 3 RTP packets went to the media side");
	is_int(md.stun_other, 1, "the stray STUN message was not taken by the binding");
	loop_fd_remove(l, md.fd);
	stun_binding_free(md.b);
	close(md.fd);
	close(sfd);
	loop_free(l);
}

int main(void)
{
	loop_clock_virtual(1000);
	test_vectors();
	test_hostile();
	test_encode();
	test_transaction();
	test_socket();
	return tap_done();
}
