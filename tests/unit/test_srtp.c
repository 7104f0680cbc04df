/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_srtp.c: SRTP sessions: known-answer vectors (libsrtp reference packets, RFC 7714 via an
 * independent OpenSSL model checked against RFC 3711 B.3 and RFC 7714 16/17), round trips, failures. */
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
/* only to play a peer that tags SRTCP as Asterisk's res_srtp does (test_rtcp_short_tag) */
#include <srtp2/srtp.h>
/* and to run libsrtp's own vectors on sphone's types (test_kernel_types) */
#include <srtp2/auth.h>
#include <srtp2/cipher.h>

#include "rtp.h"
#include "srtp.h"
#include "../tap.h"

static size_t unhex(uint8_t *out, const char *hex)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex; hex++) {
		int v;
		if (*hex >= '0' && *hex <= '9')
			v = *hex - '0';
		else if (*hex >= 'a' && *hex <= 'f')
			v = *hex - 'a' + 10;
		else if (*hex >= 'A' && *hex <= 'F')
			v = *hex - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

/* ---- an independent model of the RFC 3711 KDF and RFC 7714 AEAD framing, on OpenSSL ---- */

static const EVP_CIPHER *ctr_for(size_t klen)
{
	return klen == 32 ? EVP_aes_256_ctr() : EVP_aes_128_ctr();
}

static const EVP_CIPHER *gcm_for(size_t klen)
{
	return klen == 32 ? EVP_aes_256_gcm() : EVP_aes_128_gcm();
}

/* RFC 3711 4.3.3 AES-CM PRF with key_derivation_rate 0: x = label<<48 XOR salt,
 * keystream from IV = x * 2^16. A 96-bit (GCM) salt is taken as its 112-bit form
 * padded with zero bits on the right (RFC 7714 11). */
static void ref_kdf(const uint8_t *mkey, size_t klen, const uint8_t *msalt, size_t slen,
		    uint8_t label, uint8_t *out, size_t outlen)
{
	uint8_t iv[16] = { 0 }, zero[128] = { 0 };
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n;

	memcpy(iv, msalt, slen);
	iv[7] ^= label;
	EVP_EncryptInit_ex(c, ctr_for(klen), NULL, mkey, iv);
	EVP_EncryptUpdate(c, out, &n, zero, (int)outlen);
	EVP_CIPHER_CTX_free(c);
}

static void gcm_seal(const uint8_t *key, size_t klen, const uint8_t iv[12], const uint8_t *aad,
		     size_t aadlen, const uint8_t *pt, size_t ptlen, uint8_t *ct, uint8_t tag[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n;

	EVP_EncryptInit_ex(c, gcm_for(klen), NULL, NULL, NULL);
	EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, NULL);
	EVP_EncryptInit_ex(c, NULL, NULL, key, iv);
	EVP_EncryptUpdate(c, NULL, &n, aad, (int)aadlen);
	EVP_EncryptUpdate(c, ct, &n, pt, (int)ptlen);
	EVP_EncryptFinal_ex(c, ct + n, &n);
	EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag);
	EVP_CIPHER_CTX_free(c);
}

/* RFC 7714 8.1/9.1: SRTP with a 12-byte header (no CSRC/extension) */
static size_t ref_gcm_rtp(const uint8_t *key, size_t klen, const uint8_t salt[12], uint32_t roc,
			  const uint8_t *pkt, size_t len, uint8_t *out)
{
	uint8_t iv[12] = { 0 };

	memcpy(iv + 2, pkt + 8, 4); /* SSRC */
	iv[6] = (uint8_t)(roc >> 24);
	iv[7] = (uint8_t)(roc >> 16);
	iv[8] = (uint8_t)(roc >> 8);
	iv[9] = (uint8_t)roc;
	memcpy(iv + 10, pkt + 2, 2); /* SEQ */
	for (int i = 0; i < 12; i++)
		iv[i] ^= salt[i];
	memcpy(out, pkt, 12);
	gcm_seal(key, klen, iv, pkt, 12, pkt + 12, len - 12, out + 12, out + len);
	return len + 16;
}

/* RFC 7714 8.2/9.2/17: SRTCP with the E bit set */
static size_t ref_gcm_rtcp(const uint8_t *key, size_t klen, const uint8_t salt[12], uint32_t index,
			   const uint8_t *pkt, size_t len, uint8_t *out)
{
	uint8_t iv[12] = { 0 }, aad[12], eidx[4];

	memcpy(iv + 2, pkt + 4, 4); /* SSRC */
	iv[8] = (uint8_t)(index >> 24 & 0x7F);
	iv[9] = (uint8_t)(index >> 16);
	iv[10] = (uint8_t)(index >> 8);
	iv[11] = (uint8_t)index;
	for (int i = 0; i < 12; i++)
		iv[i] ^= salt[i];
	eidx[0] = (uint8_t)(0x80 | (index >> 24 & 0x7F));
	eidx[1] = (uint8_t)(index >> 16);
	eidx[2] = (uint8_t)(index >> 8);
	eidx[3] = (uint8_t)index;
	memcpy(aad, pkt, 8);
	memcpy(aad + 8, eidx, 4);
	memcpy(out, pkt, 8);
	gcm_seal(key, klen, iv, aad, 12, pkt + 8, len - 8, out + 8, out + len);
	memcpy(out + len + 16, eidx, 4);
	return len + 20;
}

/* RFC 7714 16 and 17 inputs */
static const char rfc_key128[] = "000102030405060708090a0b0c0d0e0f";
static const char rfc_key256[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
static const char rfc_salt[] = "517569642070726f2071756f";
static const char rfc_rtp[] = "8040f17b8041f8d35501a0b2"
			      "47616c6c696120657374206f6d6e697320646976697361"
			      "20696e207061727465732074726573";
static const char rfc_rtcp[] = "81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61"
			       "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef";

static void test_reference_model(void)
{
	uint8_t k[64], s[16], p[128], out[160], want[160], got[128];
	size_t kl, pl, wl, n;

	/* RFC 3711 Appendix B.3 key derivation */
	kl = unhex(k, "E1F97A0D3E018BE0D64FA32C06DE4139");
	unhex(s, "0EC675AD498AFEEBB6960B3AABE6");
	ref_kdf(k, kl, s, 14, 0x00, got, 16);
	unhex(want, "C61E7A93744F39EE10734AFE3FF7A087");
	ok(memcmp(got, want, 16) == 0, "model KDF: RFC 3711 B.3 cipher key");
	ref_kdf(k, kl, s, 14, 0x02, got, 14);
	unhex(want, "30CBBC08863D8C85D49DB34A9AE1");
	ok(memcmp(got, want, 14) == 0, "model KDF: RFC 3711 B.3 cipher salt");
	ref_kdf(k, kl, s, 14, 0x01, got, 20);
	unhex(want, "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4");
	ok(memcmp(got, want, 20) == 0, "model KDF: RFC 3711 B.3 auth key (first 20 bytes)");

	/* RFC 7714 16.1.1 and 16.2.1 */
	unhex(s, rfc_salt);
	pl = unhex(p, rfc_rtp);
	kl = unhex(k, rfc_key128);
	n = ref_gcm_rtp(k, kl, s, 0, p, pl, out);
	wl = unhex(want, "8040f17b8041f8d35501a0b2f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a"
			 "51c7d19b36de3adf8833899d7f27beb16a9152cf765ee4390cce");
	ok(n == wl && memcmp(out, want, wl) == 0, "model AEAD: RFC 7714 16.1.1 AEAD_AES_128_GCM SRTP packet");
	kl = unhex(k, rfc_key256);
	n = ref_gcm_rtp(k, kl, s, 0, p, pl, out);
	wl = unhex(want, "8040f17b8041f8d35501a0b232b1de78a822fe12ef9f78fa332e33aab18012389a58e2f3b50b2a02"
			 "76ffae0f1ba63799b87b7aa3db36dfffd6b0f9bb7878d7a76c13");
	ok(n == wl && memcmp(out, want, wl) == 0, "model AEAD: RFC 7714 16.2.1 AEAD_AES_256_GCM SRTP packet");

	/* RFC 7714 17.1 and 17.2 (SRTCP index 0x5d4, encrypted) */
	pl = unhex(p, rfc_rtcp);
	kl = unhex(k, rfc_key128);
	n = ref_gcm_rtcp(k, kl, s, 0x5d4, p, pl, out);
	wl = unhex(want, "81c8000d4d61727363e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda"
			 "4ce09b4686303ded0bb9275bc84aa45896cf4d2fc5abf87245d9eade800005d4");
	ok(n == wl && memcmp(out, want, wl) == 0, "model AEAD: RFC 7714 17.1 AEAD_AES_128_GCM SRTCP packet");
	kl = unhex(k, rfc_key256);
	n = ref_gcm_rtcp(k, kl, s, 0x5d4, p, pl, out);
	wl = unhex(want, "81c8000d4d617273d50ae4d1f5ce5d304ba297e47d470c282c3ece5dbffe0a50a2eaa5c1110555be"
			 "8415f658c61de0476f1b6fad1d1eb30c4446839f57ff6f6cb26ac3be800005d4");
	ok(n == wl && memcmp(out, want, wl) == 0, "model AEAD: RFC 7714 17.2 AEAD_AES_256_GCM SRTCP packet");
}

/* libsrtp through srtp_sess must produce what the RFC-checked model produces for the same master key. */
static void test_gcm_kat(enum srtp_suite_id id, const char *hexkey)
{
	uint8_t mk[64], p[256], buf[256], want[256], sk[32], ss[12];
	size_t kl = unhex(mk, hexkey), pl, n, wl;
	struct srtp_sess *tx = NULL, *rx = NULL;
	const char *name = srtp_suite_name(id);

	kl += unhex(mk + kl, rfc_salt); /* master key || master salt */
	if (!srtp_suite_supported(id)) {
		ok(0, "%s supported by the installed libsrtp", name);
		return;
	}
	is_int(srtp_sess_alloc(&tx, id, mk, kl, mk, kl), 0, "%s: session", name);
	is_int(srtp_sess_alloc(&rx, id, mk, kl, mk, kl), 0, "%s: peer session", name);
	if (!tx || !rx)
		return;

	/* SRTP: session key/salt are labels 0 and 2 */
	ref_kdf(mk, kl - 12, mk + kl - 12, 12, 0x00, sk, kl - 12);
	ref_kdf(mk, kl - 12, mk + kl - 12, 12, 0x02, ss, 12);
	pl = unhex(p, rfc_rtp);
	wl = ref_gcm_rtp(sk, kl - 12, ss, 0, p, pl, want);
	memcpy(buf, p, pl);
	n = pl;
	is_int(srtp_sess_protect(tx, buf, &n, sizeof(buf)), 0, "%s: protect RFC 7714 packet", name);
	ok(n == wl && memcmp(buf, want, wl) == 0, "%s: SRTP output equals the RFC 7714 model", name);
	is_int(srtp_sess_unprotect(rx, buf, &n), 0, "%s: unprotect", name);
	ok(n == pl && memcmp(buf, p, pl) == 0, "%s: plaintext back", name);

	/* across the sequence wrap: ROC 1 must enter the IV */
	{
		uint8_t q[64];
		struct rtp_hdr h;
		size_t hl, ql;
		int bad = 0;
		memset(&h, 0, sizeof(h));
		h.pt = 0;
		h.ssrc = 0x01020304;
		for (uint32_t i = 0; i < 12; i++) {
			h.seq = (uint16_t)(65530 + i);
			h.ts = 1000 + 160 * i;
			rtp_hdr_encode(q, sizeof(q), &h, &hl);
			memset(q + hl, (int)i, 20);
			ql = hl + 20;
			wl = ref_gcm_rtp(sk, kl - 12, ss, i >= 6 ? 1 : 0, q, ql, want);
			if (srtp_sess_protect(tx, q, &ql, sizeof(q)) || ql != wl || memcmp(q, want, wl))
				bad++;
		}
		is_int(bad, 0, "%s: 12 packets across the wrap match the model with ROC 0 then 1", name);
	}

	/* SRTCP: labels 3 and 5, index as libsrtp chose it */
	ref_kdf(mk, kl - 12, mk + kl - 12, 12, 0x03, sk, kl - 12);
	ref_kdf(mk, kl - 12, mk + kl - 12, 12, 0x05, ss, 12);
	pl = unhex(p, rfc_rtcp);
	memcpy(buf, p, pl);
	n = pl;
	is_int(srtp_sess_protect_rtcp(tx, buf, &n, sizeof(buf)), 0, "%s: protect RTCP", name);
	if (n == pl + 20) {
		uint32_t idx = (uint32_t)buf[n - 4] << 24 | (uint32_t)buf[n - 3] << 16 |
			       (uint32_t)buf[n - 2] << 8 | buf[n - 1];
		ok(idx & 0x80000000u, "%s: SRTCP E bit set", name);
		wl = ref_gcm_rtcp(sk, kl - 12, ss, idx & 0x7FFFFFFF, p, pl, want);
		ok(wl == n && memcmp(buf, want, wl) == 0, "%s: SRTCP output equals the RFC 7714 model (index %u)",
		   name, idx & 0x7FFFFFFF);
	} else {
		ok(0, "%s: SRTCP length %zu, want %zu", name, n, pl + 20);
	}
	is_int(srtp_sess_unprotect_rtcp(rx, buf, &n), 0, "%s: unprotect RTCP", name);
	ok(n == pl && memcmp(buf, p, pl) == 0, "%s: RTCP plaintext back", name);
	srtp_sess_free(tx);
	srtp_sess_free(rx);
}

/*
 * AES_CM_128_HMAC_SHA1_80 reference packets: test data from libsrtp's own
 * test driver (test/srtp_driver.c, srtp_validate(); github.com/cisco/libsrtp).
 * The master key/salt are those of RFC 3711 Appendix B.3.
 */
static void test_cm_kat(void)
{
	uint8_t mk[32], buf[64], want[64], p[64];
	size_t kl, n, pl, wl;
	struct srtp_sess *tx = NULL, *rx = NULL;

	kl = unhex(mk, "e1f97a0d3e018be0d64fa32c06de41390ec675ad498afeebb6960b3aabe6");
	is_int(srtp_sess_alloc(&tx, SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, mk, kl, mk, kl), 0, "CM-80 session");
	srtp_sess_alloc(&rx, SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, mk, kl, mk, kl);

	pl = unhex(p, "800f1234decafbadcafebabeabababababababababababababababab");
	wl = unhex(want, "800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb");
	memcpy(buf, p, pl);
	n = pl;
	is_int(srtp_sess_protect(tx, buf, &n, sizeof(buf)), 0, "CM-80 protect reference packet");
	ok(n == wl && memcmp(buf, want, wl) == 0, "CM-80 SRTP packet equals libsrtp's reference");
	is_int(srtp_sess_unprotect(rx, buf, &n), 0, "CM-80 unprotect reference packet");
	ok(n == pl && memcmp(buf, p, pl) == 0, "CM-80 plaintext back");

	pl = unhex(p, "81c8000bcafebabeabababababababababababababababab");
	wl = unhex(want, "81c8000bcafebabe7128035be487b9bdbef89041f977a5a880000001993e08cd54d6c1230798");
	memcpy(buf, p, pl);
	n = pl;
	is_int(srtp_sess_protect_rtcp(tx, buf, &n, sizeof(buf)), 0, "CM-80 protect reference RTCP");
	ok(n == wl && memcmp(buf, want, wl) == 0, "CM-80 SRTCP packet equals libsrtp's reference");
	is_int(srtp_sess_unprotect_rtcp(rx, buf, &n), 0, "CM-80 unprotect reference SRTCP");
	ok(n == pl && memcmp(buf, p, pl) == 0, "CM-80 RTCP plaintext back");
	srtp_sess_free(tx);
	srtp_sess_free(rx);
}

static size_t mkpkt(uint8_t *b, uint16_t seq, uint32_t ssrc, uint8_t fill, size_t plen)
{
	struct rtp_hdr h;
	size_t hl;

	memset(&h, 0, sizeof(h));
	h.seq = seq;
	h.ts = 160u * seq;
	h.ssrc = ssrc;
	rtp_hdr_encode(b, 12, &h, &hl);
	memset(b + hl, fill, plen);
	return hl + plen;
}

static void keys_for(enum srtp_suite_id id, uint8_t *a, uint8_t *b, size_t *len)
{
	*len = srtp_suite_key_len(id) + srtp_suite_salt_len(id);
	for (size_t i = 0; i < *len; i++) {
		a[i] = (uint8_t)(i * 7 + 1);
		b[i] = (uint8_t)(i * 13 + 100);
	}
}

static void test_suite_roundtrip(enum srtp_suite_id id)
{
	const char *name = srtp_suite_name(id);
	uint8_t ka[64], kb[64], buf[256], ref[256];
	size_t kl, n, tag, rn;
	struct srtp_sess *alice = NULL, *bob = NULL, *eve = NULL;
	struct srtp_sess_stats st;
	int bad;

	keys_for(id, ka, kb, &kl);
	if (!srtp_suite_supported(id)) {
		ok(0, "%s: supported", name);
		return;
	}
	is_int(srtp_sess_alloc(&alice, id, ka, kl, kb, kl), 0, "%s: alice", name);
	is_int(srtp_sess_alloc(&bob, id, kb, kl, ka, kl), 0, "%s: bob", name);
	/* eve receives with a key one bit off */
	ka[3] ^= 0x10;
	is_int(srtp_sess_alloc(&eve, id, kb, kl, ka, kl), 0, "%s: eve", name);
	ka[3] ^= 0x10;
	is_int(srtp_sess_alloc(&bob, id, kb, kl - 1, ka, kl), EINVAL, "%s: short key rejected", name);
	tag = (id == SRTP_SUITE_AES_CM_128_HMAC_SHA1_32 || id == SRTP_SUITE_AES_256_CM_HMAC_SHA1_32) ? 4
	      : (id >= SRTP_SUITE_AEAD_AES_128_GCM) ? 16 : 10;
	is_int(srtp_sess_rtp_overhead(alice), tag, "%s: RTP tag %zu", name, tag);

	/* 20 packets from 65530: across the wrap, all arrive */
	bad = 0;
	for (int i = 0; i < 20; i++) {
		uint16_t seq = (uint16_t)(65530 + i);
		rn = mkpkt(ref, seq, 0xabcdef01, (uint8_t)i, 160);
		memcpy(buf, ref, rn);
		n = rn;
		if (srtp_sess_protect(alice, buf, &n, sizeof(buf)) || n != rn + tag) {
			bad++;
			continue;
		}
		if (memcmp(buf + 12, ref + 12, 160) == 0)
			bad++; /* payload must be encrypted */
		{
			uint8_t e[256];
			size_t en = n;
			memcpy(e, buf, n);
			if (srtp_sess_unprotect(eve, e, &en) != EBADMSG)
				bad++;
		}
		if (srtp_sess_unprotect(bob, buf, &n) || n != rn || memcmp(buf, ref, rn))
			bad++;
	}
	is_int(bad, 0, "%s: 20 packets across the 16-bit wrap: encrypted, tag %zu, all unprotect; wrong key "
		       "rejects each", name, tag);
	srtp_sess_stats(eve, &st);
	is_int(st.auth_fail, 20, "%s: wrong key: 20 auth failures counted", name);
	is_int(st.unprotected_pkts, 0, "%s: wrong key: nothing accepted", name);

	/* replay of a packet captured before the wrap (seq 65533), by a fresh pair */
	{
		uint8_t keep[256], dup[256];
		size_t kn, dn;
		struct srtp_sess *a2 = NULL, *b2 = NULL;
		srtp_sess_alloc(&a2, id, ka, kl, kb, kl);
		srtp_sess_alloc(&b2, id, kb, kl, ka, kl);
		bad = 0;
		kn = 0;
		for (int i = 0; i < 20; i++) {
			n = mkpkt(buf, (uint16_t)(65530 + i), 0x55667788, 1, 20);
			srtp_sess_protect(a2, buf, &n, sizeof(buf));
			if (i == 3) {
				memcpy(keep, buf, n);
				kn = n;
			}
			if (srtp_sess_unprotect(b2, buf, &n))
				bad++;
		}
		is_int(bad, 0, "%s: second pair, 20 packets across the wrap", name);
		memcpy(dup, keep, kn);
		dn = kn;
		is_int(srtp_sess_unprotect(b2, dup, &dn), EALREADY, "%s: replayed pre-wrap packet rejected",
		       name);
		/* an immediate duplicate of the latest packet too */
		n = mkpkt(buf, 14, 0x55667788, 2, 20);
		srtp_sess_protect(a2, buf, &n, sizeof(buf));
		memcpy(dup, buf, n);
		dn = n;
		is_int(srtp_sess_unprotect(b2, buf, &n), 0, "%s: fresh packet", name);
		is_int(srtp_sess_unprotect(b2, dup, &dn), EALREADY, "%s: its duplicate rejected", name);
		srtp_sess_stats(b2, &st);
		is_int(st.replay_fail, 2, "%s: 2 replay failures counted", name);
		is_int(st.unprotected_pkts, 21, "%s: 21 accepted", name);
		is_int(st.plaintext_sent + st.plaintext_received, 0, "%s: no plaintext", name);
		srtp_sess_free(a2);
		srtp_sess_free(b2);
	}

	/* SRTCP round trip */
	{
		uint8_t rc[64];
		size_t rl = unhex(rc, "81c90007abcdef0112345678ff000001000012340000000a0000000000000000");
		bad = 0;
		for (int i = 0; i < 5; i++) {
			memcpy(buf, rc, rl);
			n = rl;
			if (srtp_sess_protect_rtcp(alice, buf, &n, sizeof(buf)) ||
			    n != rl + srtp_sess_rtcp_overhead(alice))
				bad++;
			if (memcmp(buf + 8, rc + 8, rl - 8) == 0)
				bad++;
			if (srtp_sess_unprotect_rtcp(bob, buf, &n) || n != rl || memcmp(buf, rc, rl))
				bad++;
		}
		is_int(bad, 0, "%s: SRTCP round trip x5 (overhead %zu)", name, srtp_sess_rtcp_overhead(alice));
		memcpy(buf, rc, rl);
		n = rl;
		is_int(srtp_sess_protect_rtcp(alice, buf, &n, rl + srtp_sess_rtcp_overhead(alice) - 1), ENOBUFS,
		       "%s: SRTCP without room for the trailer -> ENOBUFS", name);
	}
	srtp_sess_stats(bob, &st);
	is_int(st.rtcp_unprotected, 5, "%s: 5 SRTCP counted", name);
	is_int(st.unprotected_pkts, 25, "%s: 25 packets accepted in total", name);
	srtp_sess_stats(alice, &st);
	is_int(st.protected_pkts, 25, "%s: 25 packets protected", name);
	is_int(st.protected_bytes, 20 * 172 + 5 * 32, "%s: plaintext bytes protected", name);
	is_int(st.other_fail, 1, "%s: the ENOBUFS counted", name);
	srtp_sess_free(alice);
	srtp_sess_free(bob);
	srtp_sess_free(eve);
}

static void test_bogus(void)
{
	enum srtp_suite_id id = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80;
	uint8_t ka[64], kb[64], buf[256];
	size_t kl, n;
	struct srtp_sess *a = NULL, *b = NULL;
	struct srtp_sess_stats st;

	keys_for(id, ka, kb, &kl);
	srtp_sess_alloc(&a, id, ka, kl, kb, kl);
	srtp_sess_alloc(&b, id, kb, kl, ka, kl);

	n = mkpkt(buf, 1, 1, 0, 20);
	is_int(srtp_sess_protect(a, buf, &n, n + 9), ENOBUFS, "protect: no room for the tag -> ENOBUFS");
	n = 11;
	is_int(srtp_sess_protect(a, buf, &n, sizeof(buf)), EPROTO, "protect: 11-byte packet -> EPROTO");
	n = mkpkt(buf, 1, 1, 0, 20);
	buf[0] = 0x8F; /* 15 CSRC need 60 bytes */
	is_int(srtp_sess_protect(a, buf, &n, sizeof(buf)), EPROTO, "protect: CSRC beyond the packet -> EPROTO");

	n = mkpkt(buf, 1, 1, 0, 20);
	srtp_sess_protect(a, buf, &n, sizeof(buf));
	for (size_t cut = 0; cut < 22; cut++) {
		size_t m = cut;
		if (srtp_sess_unprotect(b, buf, &m) == 0)
			ok(0, "unprotect accepted %zu bytes", cut);
	}
	n = 21;
	is_int(srtp_sess_unprotect(b, buf, &n), EPROTO, "unprotect: shorter than header + tag -> EPROTO");
	n = 40;
	buf[0] = 0x8F;
	is_int(srtp_sess_unprotect(b, buf, &n), EPROTO, "unprotect: CSRC count beyond length -> EPROTO");
	buf[0] = 0x90; /* extension header with a huge length */
	buf[12] = 0xbe;
	buf[13] = 0xde;
	buf[14] = 0xff;
	buf[15] = 0xff;
	n = 42;
	is_int(srtp_sess_unprotect(b, buf, &n), EPROTO, "unprotect: extension beyond length -> EPROTO");
	buf[0] = 0x40;
	n = 42;
	is_int(srtp_sess_unprotect(b, buf, &n), EPROTO, "unprotect: version 1 -> EPROTO");

	unhex(buf, "41c8000100000001");
	n = 8 + 14 + 4;
	is_int(srtp_sess_unprotect_rtcp(b, buf, &n), EPROTO, "unprotect RTCP: version 1 -> EPROTO");
	buf[0] = 0x81;
	n = 21;
	is_int(srtp_sess_unprotect_rtcp(b, buf, &n), EPROTO, "unprotect RTCP: shorter than header + trailer -> EPROTO");
	n = 7;
	is_int(srtp_sess_protect_rtcp(a, buf, &n, sizeof(buf)), EPROTO, "protect RTCP: 7 bytes -> EPROTO");
	srtp_sess_stats(b, &st);
	is_int(st.other_fail, 22 + 6, "malformed packets counted as other failures");
	is_int(st.auth_fail, 0, "... not as auth failures");

	/* plain RTCP sent to an SRTP session (what baresip does at hang-up) */
	n = unhex(buf, "81c90007abcdef0112345678ff000001000012340000000a0000000000000000");
	is_int(srtp_sess_unprotect_rtcp(b, buf, &n), EBADMSG, "plain RTCP on an SRTP session rejected");
	srtp_sess_stats(b, &st);
	is_int(st.plaintext_received, 1, "... and counted as plaintext received");
	srtp_sess_free(a);
	srtp_sess_free(b);

	/* a plaintext session passes packets and counts them */
	is_int(srtp_sess_alloc_plain(&a), 0, "plain session");
	ok(!srtp_sess_secure(a), "plain session is not secure");
	n = mkpkt(buf, 1, 1, 0x33, 20);
	is_int(srtp_sess_protect(a, buf, &n, sizeof(buf)), 0, "plain protect passes");
	is_int(n, 32, "length unchanged");
	is_int(srtp_sess_unprotect(a, buf, &n), 0, "plain unprotect passes");
	srtp_sess_stats(a, &st);
	is_int(st.plaintext_sent, 1, "plaintext_sent counted");
	is_int(st.plaintext_received, 1, "plaintext_received counted");
	srtp_sess_free(a);
	srtp_sess_free(NULL);
}

/* At most 16 SSRCs per receive session reach libsrtp (each one costs a stream it never frees). */
static void test_ssrc_cap(void)
{
	enum srtp_suite_id id = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80;
	uint8_t ka[64], kb[64], buf[256];
	size_t kl, n;
	struct srtp_sess *tx = NULL, *rx = NULL;
	struct srtp_sess_stats st;
	int accepted = 0;

	keys_for(id, ka, kb, &kl);
	is_int(srtp_sess_alloc(&tx, id, ka, kl, kb, kl), 0, "ssrc cap: tx session");
	is_int(srtp_sess_alloc(&rx, id, kb, kl, ka, kl), 0, "ssrc cap: rx session");
	for (uint32_t ssrc = 1; ssrc <= 16; ssrc++) {
		n = mkpkt(buf, 100, 0x1000 + ssrc, 0x33, 160);
		srtp_sess_protect(tx, buf, &n, sizeof(buf));
		accepted += srtp_sess_unprotect(rx, buf, &n) == 0;
	}
	is_int(accepted, 16, "ssrc cap: 16 SSRCs accepted");
	n = mkpkt(buf, 100, 0x1000 + 17, 0x33, 160);
	srtp_sess_protect(tx, buf, &n, sizeof(buf));
	is_int(srtp_sess_unprotect(rx, buf, &n), ENOSPC, "ssrc cap: a 17th SSRC is refused (ENOSPC)");
	n = mkpkt(buf, 101, 0x1000 + 5, 0x33, 160);
	srtp_sess_protect(tx, buf, &n, sizeof(buf));
	is_int(srtp_sess_unprotect(rx, buf, &n), 0, "ssrc cap: a known SSRC still passes");
	srtp_sess_stats(rx, &st);
	ok(st.other_fail == 1 && st.auth_fail == 0 && st.unprotected_pkts == 17,
	   "ssrc cap: the refusal counted as other_fail (other %llu auth %llu ok %llu)",
	   (unsigned long long)st.other_fail, (unsigned long long)st.auth_fail,
	   (unsigned long long)st.unprotected_pkts);
	srtp_sess_free(tx);
	srtp_sess_free(rx);
}

/* Protect one RTP packet with tx and unprotect it with rx (NULL: protect only); rx's verdict, plaintext checked. */
static int rt(struct srtp_sess *tx, struct srtp_sess *rx, uint16_t seq, uint32_t ssrc, uint8_t *keep, size_t *keep_len)
{
	uint8_t buf[256], ref[256];
	size_t n, rn = mkpkt(ref, seq, ssrc, (uint8_t)seq, 40);
	int err;

	memcpy(buf, ref, rn);
	n = rn;
	if ((err = srtp_sess_protect(tx, buf, &n, sizeof(buf))) != 0)
		return err;
	if (keep) {
		memcpy(keep, buf, n);
		*keep_len = n;
	}
	if (!rx)
		return 0;
	if ((err = srtp_sess_unprotect(rx, buf, &n)) != 0)
		return err;
	return n == rn && memcmp(buf, ref, rn) == 0 ? 0 : EBADMSG;
}

/* The SRTCP index of the packet tx protects now (E bit off): before the tag, or last with AEAD (RFC 7714 9.1). */
static uint32_t rtcp_index(struct srtp_sess *tx)
{
	uint8_t buf[128];
	size_t rl = unhex(buf, "81c90007abcdef0112345678ff000001000012340000000a0000000000000000"), n = rl, at;

	if (srtp_sess_protect_rtcp(tx, buf, &n, sizeof(buf)))
		return 0;
	at = srtp_sess_suite(tx) >= SRTP_SUITE_AEAD_AES_128_GCM ? n - 4 : rl;
	return (uint32_t)(buf[at] & 0x7f) << 24 | (uint32_t)buf[at + 1] << 16 | (uint32_t)buf[at + 2] << 8 | buf[at + 3];
}

static void fill(uint8_t *k, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		k[i] = (uint8_t)(seed + 31 * i);
}

/*
 * The peer re-keys after its sequence number wrapped. Its new context either
 * starts at ROC 0 (carry false: what most SDES peers do) or goes on with the
 * ROC (carry true: RFC 3711 3.3.1); sphone's receive side follows either.
 */
static void rekey_peer_roc(enum srtp_suite_id id, bool carry)
{
	const char *name = srtp_suite_name(id), *how = carry ? "ROC carried" : "ROC from 0";
	uint8_t ka[64], kb[64], kb2[64], dummy[64], pkt[256];
	size_t kl, pl;
	struct srtp_sess *alice = NULL, *bob = NULL, *bob2 = NULL, *old = NULL;
	struct srtp_rekey_info info;
	struct srtp_sess_stats st;
	int bad = 0;

	keys_for(id, ka, kb, &kl);
	fill(kb2, kl, 77);
	fill(dummy, kl, 5);
	srtp_sess_alloc(&alice, id, ka, kl, kb, kl);
	srtp_sess_alloc(&bob, id, kb, kl, dummy, kl);
	for (int i = 0; i < 20; i++)
		bad += rt(bob, alice, (uint16_t)(65530 + i), 0xb0b, NULL, NULL) != 0;
	is_int(srtp_sess_rekey(alice, id, ka, kl, kb2, kl, &old, &info), 0, "%s, %s: alice takes bob's new key", name, how);
	ok(!info.tx_new && info.rx_new && old, "%s, %s: only the receive side is new, the old one handed back", name, how);
	srtp_sess_alloc(&bob2, id, kb2, kl, dummy, kl);
	if (carry) /* bob2's context counts the wrap too: these packets never reach alice */
		for (int i = 0; i < 6; i++)
			rt(bob2, NULL, (uint16_t)(65530 + i), 0xb0b, NULL, NULL);
	for (int i = 0; i < 20; i++)
		bad += rt(bob2, alice, (uint16_t)(14 + i), 0xb0b, i == 5 ? pkt : NULL, &pl) != 0;
	is_int(bad, 0, "%s, %s: all of bob's packets before and after his re-key decrypt", name, how);
	is_int(srtp_sess_unprotect(alice, pkt, &pl), EALREADY, "%s, %s: a replay under the new key is refused", name, how);
	srtp_sess_stats(alice, &st);
	is_int(st.auth_fail, 0, "%s, %s: trying the other ROC counted no authentication failure", name, how);
	srtp_sess_free(alice);
	srtp_sess_free(bob);
	srtp_sess_free(bob2);
	srtp_sess_free(old);
}

/* srtp_sess_rekey: one direction at a time, no send key twice (RFC 3711 3.3.1, 3.4, 9.2). */
static void test_rekey(enum srtp_suite_id id)
{
	const char *name = srtp_suite_name(id);
	uint8_t ka[64], kb[64], ka2[64], kb2[64], keep[256], buf[256];
	size_t kl, keep_len, n;
	struct srtp_sess *alice = NULL, *bob = NULL, *old = NULL;
	struct srtp_rekey_info info;
	uint32_t idx;
	int bad = 0;

	if (!srtp_suite_supported(id))
		return;
	keys_for(id, ka, kb, &kl);
	fill(ka2, kl, 11);
	fill(kb2, kl, 22);
	srtp_sess_alloc(&alice, id, ka, kl, kb, kl);
	srtp_sess_alloc(&bob, id, kb, kl, ka, kl);
	/* alice's ROC moves to 1; two SRTCP packets (index 1, 2) */
	for (int i = 0; i < 20; i++)
		bad += rt(alice, bob, (uint16_t)(65530 + i), 0xa11ce, i == 2 ? keep : NULL, &keep_len) != 0;
	rtcp_index(alice);
	idx = rtcp_index(alice);

	/* bob re-keys his side only */
	is_int(srtp_sess_rekey(bob, id, kb2, kl, ka, kl, &old, &info), 0, "%s: bob re-keys his send side", name);
	ok(info.tx_new && !info.rx_new && !old, "%s: bob: new send context, receive context kept", name);
	is_int(srtp_sess_rekey(alice, id, ka, kl, kb2, kl, &old, &info), 0, "%s: alice takes bob's new key", name);
	ok(!info.tx_new && info.rx_new && old, "%s: alice: send context kept, new receive context", name);
	for (int i = 0; i < 10; i++)
		bad += rt(alice, bob, (uint16_t)(14 + i), 0xa11ce, NULL, NULL) != 0;
	is_int(bad, 0, "%s: alice's packets after the wrap still decrypt: her ROC went on", name);
	is_int(rtcp_index(alice), idx + 1, "%s: her SRTCP index went on (%u -> %u)", name, idx, idx + 1);
	memcpy(buf, keep, keep_len);
	n = keep_len;
	is_int(srtp_sess_unprotect(bob, buf, &n), EALREADY, "%s: bob's unchanged receive key kept its replay window", name);
	n = keep_len;
	memcpy(buf, keep, keep_len);
	is_int(srtp_sess_protect(old, buf, &n, sizeof(buf)), EINVAL, "%s: the handed-back receive side protects nothing", name);
	srtp_sess_free(old);
	old = NULL;

	/* alice's new send key: a new context; the old key is retired for good */
	is_int(srtp_sess_rekey(alice, id, ka2, kl, kb2, kl, &old, &info), 0, "%s: alice's new send key", name);
	ok(info.tx_new && info.tx_wrapped && !info.rx_new && !old, "%s: new send context, the old one had wrapped", name);
	is_int(srtp_sess_rekey(bob, id, kb2, kl, ka2, kl, NULL, NULL), 0, "%s: bob takes it", name);
	is_int(rt(alice, bob, 30, 0xa11ce, NULL, NULL), 0, "%s: alice's packet under her new key decrypts", name);
	is_int(srtp_sess_rekey(alice, id, ka, kl, kb2, kl, &old, &info), EKEYREJECTED,
	       "%s: her first send key again: refused", name);
	is_int(rt(alice, bob, 31, 0xa11ce, NULL, NULL), 0, "%s: ... and she still sends with the new one", name);
	{
		/* the same bytes under a suite with the same key length */
		enum srtp_suite_id sib = id == SRTP_SUITE_AES_CM_128_HMAC_SHA1_80   ? SRTP_SUITE_AES_CM_128_HMAC_SHA1_32
					 : id == SRTP_SUITE_AES_CM_128_HMAC_SHA1_32 ? SRTP_SUITE_AES_CM_128_HMAC_SHA1_80
					 : id == SRTP_SUITE_AES_256_CM_HMAC_SHA1_80 ? SRTP_SUITE_AES_256_CM_HMAC_SHA1_32
					 : id == SRTP_SUITE_AES_256_CM_HMAC_SHA1_32 ? SRTP_SUITE_AES_256_CM_HMAC_SHA1_80
										    : SRTP_SUITE_COUNT;
		if (sib != SRTP_SUITE_COUNT)
			is_int(srtp_sess_rekey(alice, sib, ka2, kl, kb, kl, &old, &info), EKEYREJECTED,
			       "%s: her current send key under %s: refused (same keystream from index 0)", name,
			       srtp_suite_name(sib));
	}
	/* to plaintext and back: a retired key stays retired */
	is_int(srtp_sess_rekey_plain(alice, &old, &info), 0, "%s: to plaintext", name);
	ok(old && info.tx_new && !srtp_sess_secure(alice), "%s: the SRTP receive side handed back", name);
	srtp_sess_free(old);
	old = NULL;
	is_int(srtp_sess_rekey(alice, id, ka2, kl, kb2, kl, &old, &info), EKEYREJECTED,
	       "%s: back to SRTP with a retired send key: refused", name);
	is_int(srtp_sess_rekey(alice, id, kb, kl, kb2, kl, &old, &info), 0, "%s: with a fresh one: taken", name);
	ok(srtp_sess_secure(alice) && !old, "%s: SRTP again, nothing of the plaintext session kept", name);
	srtp_sess_free(alice);
	srtp_sess_free(bob);

	rekey_peer_roc(id, false);
	rekey_peer_roc(id, true);
}

/* The list of retired send keys is bounded: past it, a new send key is refused (the call keeps its keys). */
/*
 * A peer with one libsrtp policy for RTP and RTCP, as Asterisk's res_srtp
 * has: a _32 suite then tags SRTCP with 32 bits where RFC 4568 keeps 80.
 */
struct short_peer {
	srtp_t tx, rx;
};

static void short_peer_init(struct short_peer *p, enum srtp_suite_id id, uint8_t *txk, uint8_t *rxk)
{
	srtp_policy_t pol;

	for (int dir = 0; dir < 2; dir++) {
		memset(&pol, 0, sizeof(pol));
		if (id == SRTP_SUITE_AES_CM_128_HMAC_SHA1_32) {
			srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol.rtp);
			srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol.rtcp);
		} else {
			srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&pol.rtp);
			srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&pol.rtcp);
		}
		pol.ssrc.type = dir ? ssrc_any_inbound : ssrc_any_outbound;
		pol.key = dir ? rxk : txk;
		pol.window_size = 128;
		srtp_create(dir ? &p->rx : &p->tx, &pol);
	}
}

static void short_peer_free(struct short_peer *p)
{
	srtp_dealloc(p->tx);
	srtp_dealloc(p->rx);
}

/* A 32-byte RTCP receiver report from the short-tag peer, protected: its length (0 on failure). */
static size_t short_peer_rtcp(struct short_peer *p, uint8_t *buf)
{
	int n = (int)unhex(buf, "81c90007deadbeef12345678ff000001000012340000000a0000000000000000");

	return srtp_protect_rtcp(p->tx, buf, &n) == srtp_err_status_ok ? (size_t)n : 0;
}

/* Whether the short-tag peer takes one of our reports. */
static bool short_peer_takes(struct short_peer *p, const uint8_t *pkt, size_t n)
{
	uint8_t b[256];
	int in = (int)n;

	memcpy(b, pkt, n);
	return srtp_unprotect_rtcp(p->rx, b, &in) == srtp_err_status_ok && in == 32;
}

/* One of our 32-byte reports: 0 and its length, and its SRTCP index (in clear after the report). */
static int our_rtcp(struct srtp_sess *s, uint8_t *buf, size_t *n, uint32_t *index)
{
	int e;

	*n = unhex(buf, "81c90007abcdef0112345678ff000001000012340000000a0000000000000000");
	e = srtp_sess_protect_rtcp(s, buf, n, 256);
	*index = (uint32_t)buf[32] << 24 | (uint32_t)buf[33] << 16 | (uint32_t)buf[34] << 8 | buf[35];
	*index &= 0x7fffffffu;
	return e;
}

static void test_rtcp_short_tag(enum srtp_suite_id id)
{
	const char *name = srtp_suite_name(id);
	uint8_t ka[64], kb[64], kc[64], buf[256], fake[256];
	size_t kl, n;
	uint32_t idx, last;
	struct srtp_sess *ph = NULL, *ph2 = NULL;
	struct srtp_sess_stats st;
	struct short_peer ast;
	int bad = 0;

	keys_for(id, ka, kb, &kl);
	for (size_t i = 0; i < kl; i++)
		kc[i] = (uint8_t)(ka[i] ^ 0x3c);

	/* the peer reports first: its 32-bit tag is learned, and ours follows it from our first report */
	short_peer_init(&ast, id, kb, ka);
	srtp_sess_alloc(&ph, id, ka, kl, kb, kl);
	n = short_peer_rtcp(&ast, buf);
	is_int(n, 32 + 4 + 4, "%s: the peer's SRTCP carries a 32-bit tag", name);
	is_int(srtp_sess_unprotect_rtcp(ph, buf, &n), 0, "%s: ... and is taken", name);
	for (int i = 0; i < 5; i++) {
		if (our_rtcp(ph, buf, &n, &idx) || n != 32 + 4 + 4 || !short_peer_takes(&ast, buf, n))
			bad++;
		n = short_peer_rtcp(&ast, buf);
		if (srtp_sess_unprotect_rtcp(ph, buf, &n) || n != 32)
			bad++;
	}
	is_int(bad, 0, "%s: 5 reports each way, ours with the peer's 32-bit tag, all taken", name);
	/* a forged report is refused */
	memset(fake, 0x5a, sizeof(fake));
	unhex(fake, "81c90007deadbeef");
	n = 32 + 4 + 4;
	is_int(srtp_sess_unprotect_rtcp(ph, fake, &n), EBADMSG, "%s: a forged report is refused", name);
	srtp_sess_stats(ph, &st);
	is_int(st.auth_fail, 1, "%s: the forgery counted", name);
	srtp_sess_free(ph);
	short_peer_free(&ast);

	/* we report first, as the RFC says; once the peer's 32-bit report came ours follow it, and the
	 * SRTCP index goes on: no index (so no keystream) is used twice under the one send key */
	short_peer_init(&ast, id, kb, ka);
	srtp_sess_alloc(&ph, id, ka, kl, kb, kl);
	/* a forgery of either tag length teaches nothing */
	n = 32 + 4 + 4;
	memset(fake + 8, 0xa5, 40);
	srtp_sess_unprotect_rtcp(ph, fake, &n);
	last = 0;
	bad = 0;
	for (int i = 0; i < 3; i++) {
		if (our_rtcp(ph, buf, &n, &idx) || n != 32 + 4 + 10 || idx <= last || short_peer_takes(&ast, buf, n))
			bad++;
		last = idx;
	}
	is_int(bad, 0, "%s: before the peer's: 3 reports with the RFC's 80-bit tag (which that peer refuses)", name);
	n = short_peer_rtcp(&ast, buf);
	is_int(srtp_sess_unprotect_rtcp(ph, buf, &n), 0, "%s: the peer's 32-bit report arrives", name);
	bad = 0;
	for (int i = 0; i < 4; i++) {
		if (our_rtcp(ph, buf, &n, &idx) || n != 32 + 4 + 4 || !short_peer_takes(&ast, buf, n))
			bad++;
		if (idx != last + 1)
			bad++;
		last = idx;
	}
	is_int(bad, 0, "%s: then ours carry 32-bit tags, taken, their SRTCP index going on from %u (no repeat)",
	       name, 4u);
	/* a new send key: the 32-bit tag from its first report */
	is_int(srtp_sess_rekey(ph, id, kc, kl, kb, kl, NULL, NULL), 0, "%s: new send key", name);
	is_int(our_rtcp(ph, buf, &n, &idx), 0, "%s: a report under it", name);
	is_int(n, 32 + 4 + 4, "%s: ... with the peer's 32-bit tag from the first", name);
	srtp_sess_free(ph);
	short_peer_free(&ast);

	/* two of ours: 80-bit tags both ways from the first report, no failure */
	srtp_sess_alloc(&ph, id, ka, kl, kb, kl);
	srtp_sess_alloc(&ph2, id, kb, kl, ka, kl);
	bad = 0;
	for (int i = 0; i < 3; i++) {
		bad += our_rtcp(ph, buf, &n, &idx) != 0 || n != 46 || srtp_sess_unprotect_rtcp(ph2, buf, &n) != 0;
		bad += our_rtcp(ph2, buf, &n, &idx) != 0 || n != 46 || srtp_sess_unprotect_rtcp(ph, buf, &n) != 0;
	}
	is_int(bad, 0, "%s: sphone to sphone: the RFC's 80-bit tags both ways", name);
	srtp_sess_stats(ph, &st);
	is_int(st.auth_fail + st.other_fail, 0, "%s: no failure", name);
	srtp_sess_free(ph);
	srtp_sess_free(ph2);
}

static void test_rekey_limit(void)
{
	enum srtp_suite_id id = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80;
	uint8_t ka[64], kb[64], k[64];
	size_t kl;
	struct srtp_sess *s = NULL;
	int err = 0, i;

	keys_for(id, ka, kb, &kl);
	srtp_sess_alloc(&s, id, ka, kl, kb, kl);
	for (i = 0; i < SRTP_SESS_MAX_RETIRED && !err; i++) {
		fill(k, kl, (uint8_t)(100 + i));
		err = srtp_sess_rekey(s, id, k, kl, kb, kl, NULL, NULL);
	}
	is_int(err, 0, "rekey limit: %d send keys retired", SRTP_SESS_MAX_RETIRED);
	fill(k, kl, 3);
	is_int(srtp_sess_rekey(s, id, k, kl, kb, kl, NULL, NULL), ENOSPC, "rekey limit: one more is refused (ENOSPC)");
	fill(k, kl, (uint8_t)(100 + SRTP_SESS_MAX_RETIRED - 1));
	is_int(srtp_sess_rekey(s, id, k, kl, ka, kl, NULL, NULL), 0, "rekey limit: the receive key still changes");
	srtp_sess_free(s);
}

/*
 * Debian's libsrtp2 does its crypto on NSS, and every self-test of one of its
 * own types starts NSS and shuts it down again. sphone's types take the names
 * of libsrtp's (srtp.c), so libsrtp's kernel loads and tests those and NSS
 * never starts: counted by standing in for NSS_InitContext (libsrtp calls it
 * through its PLT, so this executable's definition comes first).
 */
static int nss_inits;
typedef void *nss_init_fn(const char *, const char *, const char *, const char *, void *, unsigned);
void *NSS_InitContext(const char *dir, const char *cert, const char *key, const char *mod, void *prm, unsigned flags);
void *NSS_InitContext(const char *dir, const char *cert, const char *key, const char *mod, void *prm, unsigned flags)
{
	nss_init_fn *real;

	nss_inits++;
	*(void **)&real = dlsym(RTLD_NEXT, "NSS_InitContext");
	return real ? real(dir, cert, key, mod, prm, flags) : NULL;
}

/* srtp.c's types (libsrtp's names) and libsrtp's own vectors for them, which it no longer runs on them */
extern const srtp_cipher_type_t srtp_aes_icm_128, srtp_aes_icm_192, srtp_aes_icm_256, srtp_aes_gcm_128,
	srtp_aes_gcm_256;
extern const srtp_auth_type_t srtp_hmac;
extern const srtp_cipher_test_case_t srtp_aes_icm_128_test_case_0, srtp_aes_icm_192_test_case_0,
	srtp_aes_icm_256_test_case_0, srtp_aes_gcm_128_test_case_0, srtp_aes_gcm_256_test_case_0;
extern const srtp_auth_test_case_t srtp_hmac_test_case_0;

static void test_kernel_types(void)
{
	const struct {
		const srtp_cipher_type_t *t;
		const srtp_cipher_test_case_t *v;
	} c[] = {
		{ &srtp_aes_icm_128, &srtp_aes_icm_128_test_case_0 }, { &srtp_aes_icm_192, &srtp_aes_icm_192_test_case_0 },
		{ &srtp_aes_icm_256, &srtp_aes_icm_256_test_case_0 }, { &srtp_aes_gcm_128, &srtp_aes_gcm_128_test_case_0 },
		{ &srtp_aes_gcm_256, &srtp_aes_gcm_256_test_case_0 },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		ok(strstr(c[i].t->description, "sphone, OpenSSL") != NULL, "%s", c[i].t->description);
		is_int(srtp_cipher_type_self_test(c[i].t), srtp_err_status_ok, "  its own known answers");
		is_int(srtp_cipher_type_test(c[i].t, c[i].v), srtp_err_status_ok, "  libsrtp's vectors for type %d",
		       c[i].t->id);
	}
	ok(strstr(srtp_hmac.description, "sphone") != NULL, "%s", srtp_hmac.description);
	is_int(srtp_auth_type_test(&srtp_hmac, &srtp_hmac_test_case_0), srtp_err_status_ok, "  libsrtp's HMAC-SHA1 vector");
}

int main(void)
{
	enum srtp_suite_id id;

	for (unsigned i = 0; i < SRTP_SUITE_COUNT; i++) {
		const char *name = srtp_suite_name((enum srtp_suite_id)i);
		ok(name && srtp_suite_from_name(name, &id) == 0 && id == i, "suite %u <-> %s", i, name);
		ok(srtp_suite_supported((enum srtp_suite_id)i), "%s supported by the installed libsrtp", name);
	}
	/*
	 * the vectors below then run through sphone's OpenSSL AES-CM, HMAC-SHA1 and AES-GCM inside libsrtp;
	 * libsrtp took each only after it passed its own known answers (for GCM: RFC 7714 16.1, 16.2, 17.1-17.4);
	 * libsrtp's vectors for the same type ids run on them in test_kernel_types
	 */
	is_int(srtp_lib_fast_types(), 6,
	       "AES-128/192/256-CM, HMAC-SHA1, AES-128-GCM, AES-256-GCM are sphone's (passed libsrtp's self-tests)");
	is_int(srtp_suite_from_name("aes_cm_128_hmac_sha1_80", &id), ENOENT, "names are case-sensitive");
	is_int(srtp_suite_from_name("F8_128_HMAC_SHA1_80", &id), ENOENT, "unknown suite");
	ok(srtp_suite_name(SRTP_SUITE_COUNT) == NULL, "no name past the end");
	is_int(srtp_suite_key_len(SRTP_SUITE_AES_CM_128_HMAC_SHA1_80) + srtp_suite_salt_len(SRTP_SUITE_AES_CM_128_HMAC_SHA1_80), 30, "AES_CM_128: 30 bytes");
	is_int(srtp_suite_key_len(SRTP_SUITE_AES_256_CM_HMAC_SHA1_32) + srtp_suite_salt_len(SRTP_SUITE_AES_256_CM_HMAC_SHA1_32), 46, "AES_256_CM: 46 bytes");
	is_int(srtp_suite_key_len(SRTP_SUITE_AEAD_AES_128_GCM) + srtp_suite_salt_len(SRTP_SUITE_AEAD_AES_128_GCM), 28, "AEAD_AES_128_GCM: 28 bytes");
	is_int(srtp_suite_key_len(SRTP_SUITE_AEAD_AES_256_GCM) + srtp_suite_salt_len(SRTP_SUITE_AEAD_AES_256_GCM), 44, "AEAD_AES_256_GCM: 44 bytes");

	test_reference_model();
	test_cm_kat();
	test_gcm_kat(SRTP_SUITE_AEAD_AES_128_GCM, rfc_key128);
	test_gcm_kat(SRTP_SUITE_AEAD_AES_256_GCM, rfc_key256);
	for (unsigned i = 0; i < SRTP_SUITE_COUNT; i++)
		test_suite_roundtrip((enum srtp_suite_id)i);
	test_bogus();
	test_ssrc_cap();
	for (unsigned i = 0; i < SRTP_SUITE_COUNT; i++)
		test_rekey((enum srtp_suite_id)i);
	test_rekey_limit();
	test_rtcp_short_tag(SRTP_SUITE_AES_CM_128_HMAC_SHA1_32);
	test_rtcp_short_tag(SRTP_SUITE_AES_256_CM_HMAC_SHA1_32);
	test_kernel_types();
	/* srtp_init, every suite's sessions, re-keys and libsrtp's vectors above: all without NSS */
	is_int(nss_inits, 0, "NSS never started (libsrtp's kernel self-tested sphone's types, not its NSS ones)");
	return tap_done();
}
