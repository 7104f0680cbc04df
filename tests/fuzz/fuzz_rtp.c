/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_rtp.c: libFuzzer target for RTP header decoding, receiver statistics and SRTP unprotect of hostile packets. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtp.h"
#include "srtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fixed keys: the target checks parsing, not cryptography. */
static const uint8_t key_a[30] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
				   16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30 };
static const uint8_t key_b[30] = { 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45,
				   46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60 };

/* Every field of a decoded header lies inside the packet it came from. */
static void check_hdr(const struct rtp_hdr *h, size_t len)
{
	if (h->cc > RTP_MAX_CSRC || h->pt > 127)
		abort();
	if (h->payload_off < RTP_HDR_LEN + 4u * h->cc || h->payload_off > len)
		abort();
	if (h->payload_off + h->payload_len + h->pad_len != len)
		abort();
	if (h->ext && (h->ext_off < RTP_HDR_LEN + 4u * h->cc + 4 || h->ext_off + h->ext_len != h->payload_off))
		abort();
	if (!h->ext && h->ext_len != 0)
		abort();
}

/* Re-encoding gives back the fixed header and CSRC list byte for byte (except P and X, not encoded). */
static void check_roundtrip(const struct rtp_hdr *h, const uint8_t *pkt)
{
	uint8_t buf[RTP_HDR_LEN + 4 * RTP_MAX_CSRC];
	size_t n;

	if (rtp_hdr_encode(buf, sizeof(buf), h, &n) != 0 || n != RTP_HDR_LEN + 4u * h->cc)
		abort();
	if ((buf[0] & 0xcf) != (pkt[0] & 0xcf) || memcmp(buf + 1, pkt + 1, n - 1) != 0)
		abort();
	if (rtp_hdr_encode(buf, n - 1, h, &n) != ENOBUFS)
		abort();
}

/* Protect what parsed with one side, unprotect with the other: the packet comes back unchanged. */
static void check_srtp(const uint8_t *pkt, size_t len)
{
	struct srtp_sess *a = NULL, *b = NULL;
	uint8_t *buf = NULL;
	size_t n = len, cap = len + SRTP_SESS_MAX_TRAILER;

	if (srtp_sess_alloc(&a, SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, key_a, sizeof(key_a), key_b,
			    sizeof(key_b)) != 0 ||
	    srtp_sess_alloc(&b, SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, key_b, sizeof(key_b), key_a,
			    sizeof(key_a)) != 0)
		abort();
	buf = malloc(cap);
	if (!buf)
		abort();
	memcpy(buf, pkt, len);
	if (srtp_sess_protect(a, buf, &n, cap) == 0) {
		if (n < len)
			abort();
		if (srtp_sess_unprotect(b, buf, &n) != 0 || n != len || memcmp(buf, pkt, len) != 0)
			abort();
		/* the same packet again is a replay */
		memcpy(buf, pkt, len);
		n = len;
		if (srtp_sess_protect(a, buf, &n, cap) == 0 && srtp_sess_unprotect(b, buf, &n) == 0)
			abort();
	}
	/* the raw input as if it came off the wire: must be refused (it carries no valid tag) or parse */
	memcpy(buf, pkt, len);
	n = len;
	(void)srtp_sess_unprotect(b, buf, &n);
	if (n > len)
		abort();
	free(buf);
	srtp_sess_free(a);
	srtp_sess_free(b);
}

/*
 * The input is a sequence of packets, each prefixed by a 2-byte length
 * (capped at what is left) and a 1-byte arrival step, all fed to one receiver.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtp_recv *rx = NULL;
	struct rtp_recv_report rep;
	uint32_t arrival = 0;
	size_t off = 0;
	int first = 1;

	if (rtp_recv_alloc(&rx) != 0)
		abort();
	/* the whole input as one packet too */
	{
		struct rtp_hdr h;
		uint8_t *p = malloc(size ? size : 1);
		if (!p)
			abort();
		memcpy(p, data, size);
		if (rtp_hdr_decode(&h, p, size) == 0) {
			check_hdr(&h, size);
			check_roundtrip(&h, p);
			check_srtp(p, size);
		}
		free(p);
	}
	while (size - off >= 3) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		uint8_t step = data[off + 2];
		struct rtp_hdr h;
		uint32_t ext = 0;
		uint8_t *p;
		int r;

		off += 3;
		if (len > size - off)
			len = size - off;
		/* an exact-size heap copy so ASan sees any over-read */
		p = malloc(len ? len : 1);
		if (!p)
			abort();
		memcpy(p, data + off, len);
		off += len;
		arrival += step * 20u;
		if (rtp_hdr_decode(&h, p, len) == 0) {
			check_hdr(&h, len);
			r = rtp_recv_packet(rx, &h, arrival, &ext);
			if (r != 0 && r != EINPROGRESS && r != ERANGE && r != ESRCH)
				abort();
			if (r == 0 && (uint16_t)ext != h.seq)
				abort();
			if (first && r == ESRCH)
				abort(); /* the first packet sets the source */
			first = 0;
		}
		free(p);
	}
	rtp_recv_report(rx, &rep);
	(void)rtp_recv_active(rx);
	rtp_recv_free(rx);
	return 0;
}
