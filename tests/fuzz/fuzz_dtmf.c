/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_dtmf.c: libFuzzer target for the RFC 4733 receiver (hostile packet sequences) and a sender->receiver round trip. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dtmf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_DIGITS 16

struct got {
	char digits[4096];
	uint32_t dur[4096];
	size_t n;
};

static void on_digit(char digit, uint32_t duration, void *arg)
{
	struct got *g = arg;

	if (!digit || !strchr("0123456789*#ABCD", digit))
		abort();
	if (g->n >= sizeof(g->digits))
		abort(); /* never more reports than packets fed (bounded below) */
	g->digits[g->n] = digit;
	g->dur[g->n] = duration;
	g->n++;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Records: [len & 7][ts:4][len payload bytes], fed to one receiver as if off the wire. */
static void hostile(const uint8_t *data, size_t size)
{
	struct dtmf_recv *r = NULL;
	struct got g = { .n = 0 };
	size_t off = 0, fed = 0;

	if (dtmf_recv_alloc(&r, on_digit, &g) != 0)
		abort();
	while (size - off >= 5 && fed < 4000) {
		size_t len = data[off] & 7;
		uint32_t ts = rd32(data + off + 1);
		uint8_t *p;
		int err;

		off += 5;
		if (len > size - off)
			len = size - off;
		/* an exact-size heap copy so ASan sees any over-read */
		p = malloc(len ? len : 1);
		if (!p)
			abort();
		memcpy(p, data + off, len);
		off += len;
		err = dtmf_recv_packet(r, ts, p, len);
		if (err == 0 ? len < DTMF_PAYLOAD_LEN || p[0] > 15
			     : (err == EBADMSG) != (len < DTMF_PAYLOAD_LEN) ||
				       (err == ENOTSUP && p[0] <= 15) || (err != EBADMSG && err != ENOTSUP))
			abort();
		free(p);
		fed++;
		if (g.n > fed)
			abort();
	}
	dtmf_recv_flush(r);
	if (g.n > fed)
		abort();
	dtmf_recv_free(r);
}

/* Header [rate][ptime][tone][gap][ts:4] then digits: everything sent must arrive once, in order, full length. */
static void roundtrip(const uint8_t *data, size_t size)
{
	static const uint32_t rates[] = { 8000, 16000, 48000, 1000 };
	static const char alphabet[] = "0123456789*#ABCD";
	struct dtmf_send *s = NULL;
	struct dtmf_recv *r = NULL;
	struct got g = { .n = 0 };
	char digits[MAX_DIGITS + 1];
	uint32_t rate, ptime, tone_ms, gap_ms, ts, tone;
	size_t nd = 0;
	unsigned ticks = 0;

	if (size < 8)
		return;
	rate = rates[data[0] & 3];
	ptime = 10 + (data[1] % 91);
	tone_ms = 40 + (uint32_t)data[2] * 19;
	gap_ms = 40 + (uint32_t)data[3] * 19;
	ts = rd32(data + 4);
	for (size_t i = 8; i < size && nd < MAX_DIGITS; i++)
		digits[nd++] = alphabet[data[i] & 15];
	digits[nd] = '\0';

	if (dtmf_send_alloc(&s, DTMF_PT_DEFAULT, rate, ptime) != 0)
		abort();
	if (dtmf_send_set_timing(s, tone_ms, gap_ms) != 0) {
		/* only refused when the tone does not fit the 16-bit duration field */
		if ((uint64_t)tone_ms * rate / 1000 <= 0xFFFF)
			abort();
		tone_ms = DTMF_TONE_MS;
	}
	tone = (uint32_t)((uint64_t)tone_ms * rate / 1000);
	if (dtmf_recv_alloc(&r, on_digit, &g) != 0)
		abort();
	if (dtmf_send_queue(s, digits) != 0)
		abort();
	if (dtmf_send_queue(s, "x") != EINVAL)
		abort();
	while (dtmf_send_busy(s)) {
		struct dtmf_pkt pkt;
		int err = dtmf_send_tick(s, ts, &pkt);

		if (err == 0) {
			if (pkt.pt != DTMF_PT_DEFAULT || dtmf_recv_packet(r, pkt.ts, pkt.payload, DTMF_PAYLOAD_LEN) != 0)
				abort();
		} else if (err != ENODATA) {
			abort();
		}
		ts += rate * ptime / 1000;
		if (++ticks > 100000)
			abort(); /* the sender must finish */
	}
	dtmf_recv_flush(r);
	if (g.n != nd || memcmp(g.digits, digits, nd) != 0)
		abort();
	for (size_t i = 0; i < nd; i++)
		if (g.dur[i] != tone)
			abort();
	dtmf_recv_free(r);
	dtmf_send_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size && data[0] & 0x80)
		roundtrip(data + 1, size - 1);
	else
		hostile(data + (size ? 1 : 0), size ? size - 1 : 0);
	return 0;
}
