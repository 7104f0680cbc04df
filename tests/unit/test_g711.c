/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_g711.c: G.711 against tables built from the segment/step structure of ITU-T G.711 Tables 1 and 2. */
#include <stdint.h>

#include "g711.h"
#include "../tap.h"

/*
 * The expected values are built here by walking the quantisation intervals
 * the standard lists (decision values and step size per segment), not by
 * the bit arithmetic the coder uses.  Each interval gets an ordinal 0..127
 * counted from zero magnitude; its reconstruction value is the interval
 * midpoint.
 */
struct ivl {
	int lo, hi; /* magnitude interval [lo, hi) at coder resolution */
	int rec;    /* reconstruction level at coder resolution */
};

static struct ivl ulaw_ivl[128], alaw_ivl[128];

static void build_ulaw(void)
{
	/* mu-law, 14-bit magnitudes: [0,1) -> 0, then 15 steps of 2 up to 31,
	 * then segments of 16 steps: 4 to 95, 8 to 223, ..., 256 to 8159 */
	int k = 0, d = 1, step = 2;

	ulaw_ivl[k++] = (struct ivl){ 0, 1, 0 };
	for (int seg = 0; seg < 8; seg++) {
		int n = seg == 0 ? 15 : 16;
		for (int i = 0; i < n; i++, k++, d += step)
			ulaw_ivl[k] = (struct ivl){ d, d + step, d + step / 2 };
		step *= 2;
	}
}

static void build_alaw(void)
{
	/* A-law, 13-bit magnitudes: segments 0 and 1 have step 2 (0..64),
	 * then the step doubles per segment up to 128 (2048..4096) */
	int k = 0, d = 0;

	for (int seg = 0; seg < 8; seg++) {
		int step = seg < 2 ? 2 : 2 << (seg - 1);
		for (int i = 0; i < 16; i++, k++, d += step)
			alaw_ivl[k] = (struct ivl){ d, d + step, d + step / 2 };
	}
}

static int find(const struct ivl *t, int m)
{
	for (int k = 0; k < 128; k++)
		if (m >= t[k].lo && m < t[k].hi)
			return k;
	return 127; /* beyond the last decision value: overload */
}

int main(void)
{
	int bad;

	build_ulaw();
	build_alaw();
	is_int(ulaw_ivl[127].hi, 8159, "mu-law table ends at decision value 8159");
	is_int(alaw_ivl[127].hi, 4096, "A-law table ends at 4096");

	/* decoders: all 256 codes */
	bad = 0;
	for (int c = 0; c < 256; c++) {
		int k = (c & 0x80) ? 0xFF - c : 0x7F - c;
		int want = 4 * ulaw_ivl[k].rec * ((c & 0x80) ? 1 : -1);
		if (g711_ulaw_dec((uint8_t)c) != want) {
			if (bad++ < 5)
				diag("ulaw dec 0x%02x: got %d want %d", c, g711_ulaw_dec((uint8_t)c), want);
		}
	}
	is_int(bad, 0, "mu-law: all 256 codes decode to the table's reconstruction levels");

	bad = 0;
	for (int c = 0; c < 256; c++) {
		int u = c ^ 0x55, k = u & 0x7F;
		int want = 8 * alaw_ivl[k].rec * ((u & 0x80) ? 1 : -1);
		if (g711_alaw_dec((uint8_t)c) != want) {
			if (bad++ < 5)
				diag("alaw dec 0x%02x: got %d want %d", c, g711_alaw_dec((uint8_t)c), want);
		}
	}
	is_int(bad, 0, "A-law: all 256 codes decode to the table's reconstruction levels");

	/* published anchor values */
	is_int(g711_ulaw_dec(0xFF), 0, "mu-law 0xFF = +0");
	is_int(g711_ulaw_dec(0x7F), 0, "mu-law 0x7F = -0");
	is_int(g711_ulaw_dec(0x80), 32124, "mu-law 0x80 = +32124");
	is_int(g711_ulaw_dec(0x00), -32124, "mu-law 0x00 = -32124");
	is_int(g711_alaw_dec(0xD5), 8, "A-law 0xD5 = +8");
	is_int(g711_alaw_dec(0x55), -8, "A-law 0x55 = -8");
	is_int(g711_alaw_dec(0xAA), 32256, "A-law 0xAA = +32256");
	is_int(g711_alaw_dec(0x2A), -32256, "A-law 0x2A = -32256");
	is_int(g711_ulaw_enc(0), 0xFF, "mu-law enc 0 -> 0xFF");
	is_int(g711_ulaw_enc(-4), 0x7F, "mu-law enc -4 (14-bit -1) -> 0x7F");
	is_int(g711_alaw_enc(0), 0xD5, "A-law enc 0 -> 0xD5");
	is_int(g711_alaw_enc(-8), 0x55, "A-law enc -8 (13-bit -1) -> 0x55");
	is_int(g711_ulaw_enc(32767), 0x80, "mu-law enc +max -> 0x80");
	is_int(g711_ulaw_enc(-32768), 0x00, "mu-law enc -max -> 0x00");
	is_int(g711_alaw_enc(32767), 0xAA, "A-law enc +max -> 0xAA");
	is_int(g711_alaw_enc(-32768), 0x2A, "A-law enc -max -> 0x2A");

	/*
	 * Encoders: every 14-bit (mu) / 13-bit (A) input value, which covers
	 * every decision boundary and its neighbours.  Negative values follow
	 * the ITU reference software's one's complement rule: magnitude -v-1.
	 * The low bits dropped from the 16-bit word must not matter.
	 */
	bad = 0;
	for (int v = -8192; v <= 8191; v++) {
		int m = v >= 0 ? v : -v - 1;
		int k = find(ulaw_ivl, m);
		int want = v >= 0 ? 0xFF - k : 0x7F - k;
		for (int low = 0; low < 4; low++) {
			int x = v * 4 + low;
			if (g711_ulaw_enc((int16_t)x) != want && bad++ < 5)
				diag("ulaw enc %d: got 0x%02x want 0x%02x", x, g711_ulaw_enc((int16_t)x), want);
		}
	}
	is_int(bad, 0, "mu-law: every 14-bit input encodes to its interval's code");

	bad = 0;
	for (int v = -4096; v <= 4095; v++) {
		int m = v >= 0 ? v : -v - 1;
		int k = find(alaw_ivl, m);
		int want = (v >= 0 ? 0x80 | k : k) ^ 0x55;
		for (int low = 0; low < 8; low++) {
			int x = v * 8 + low;
			if (g711_alaw_enc((int16_t)x) != want && bad++ < 5)
				diag("alaw enc %d: got 0x%02x want 0x%02x", x, g711_alaw_enc((int16_t)x), want);
		}
	}
	is_int(bad, 0, "A-law: every 13-bit input encodes to its interval's code");

	/* explicit boundaries (14-bit mu-law decision values d: d-1 below, d above) */
	{
		static const int dv[] = { 1, 31, 95, 223, 479, 991, 2015, 4063 };
		for (size_t i = 0; i < sizeof(dv) / sizeof(dv[0]); i++) {
			int d = dv[i];
			ok(g711_ulaw_enc((int16_t)(4 * d)) == (uint8_t)(g711_ulaw_enc((int16_t)(4 * (d - 1))) - 1),
			   "mu-law decision value %d starts the next interval", d);
			ok(g711_ulaw_enc((int16_t)(4 * (d + 1))) == g711_ulaw_enc((int16_t)(4 * d)),
			   "mu-law %d and %d share an interval", d, d + 1);
		}
		static const int da[] = { 32, 64, 128, 256, 512, 1024, 2048 };
		for (size_t i = 0; i < sizeof(da) / sizeof(da[0]); i++) {
			int d = da[i];
			ok((g711_alaw_enc((int16_t)(8 * d)) ^ 0x55) == ((g711_alaw_enc((int16_t)(8 * (d - 1))) ^ 0x55) + 1),
			   "A-law segment boundary %d", d);
		}
	}

	/* encode(decode(c)) == c, except mu-law negative zero */
	bad = 0;
	for (int c = 0; c < 256; c++) {
		uint8_t back = g711_ulaw_enc(g711_ulaw_dec((uint8_t)c));
		if (c == 0x7F) {
			is_int(back, 0xFF, "mu-law 0x7F (-0) decodes to 0 and re-encodes as 0xFF (+0)");
			continue;
		}
		if (back != c)
			bad++;
	}
	is_int(bad, 0, "mu-law: encode(decode(c)) == c for the other 255 codes");
	bad = 0;
	for (int c = 0; c < 256; c++)
		if (g711_alaw_enc(g711_alaw_dec((uint8_t)c)) != c)
			bad++;
	is_int(bad, 0, "A-law: encode(decode(c)) == c for all 256 codes");

	/* buffer versions (table driven) agree with the scalar ones for every input */
	{
		static int16_t pcm[65536], out[65536];
		static uint8_t cu[65536], ca[65536], codes[256];
		for (int i = 0; i < 65536; i++)
			pcm[i] = (int16_t)(i - 32768);
		g711_ulaw_enc_buf(cu, pcm, 65536);
		g711_alaw_enc_buf(ca, pcm, 65536);
		bad = 0;
		for (int i = 0; i < 65536; i++)
			bad += cu[i] != g711_ulaw_enc(pcm[i]) || ca[i] != g711_alaw_enc(pcm[i]);
		is_int(bad, 0, "buffer encoders match the scalar encoders for all 65536 inputs");
		for (int c = 0; c < 256; c++)
			codes[c] = (uint8_t)c;
		bad = 0;
		g711_ulaw_dec_buf(out, codes, 256);
		for (int c = 0; c < 256; c++)
			bad += out[c] != g711_ulaw_dec((uint8_t)c);
		g711_alaw_dec_buf(out, codes, 256);
		for (int c = 0; c < 256; c++)
			bad += out[c] != g711_alaw_dec((uint8_t)c);
		is_int(bad, 0, "buffer decoders match the scalar decoders for all 256 codes");
		/* lengths that leave a tail after the vector steps, from unaligned addresses */
		bad = 0;
		for (size_t n = 1; n <= 40; n++) {
			g711_ulaw_enc_buf(cu + 1, pcm + 30001, n);
			g711_ulaw_dec_buf(out + 1, codes + 3, n);
			for (size_t i = 0; i < n; i++)
				bad += cu[1 + i] != g711_ulaw_enc(pcm[30001 + i]) || out[1 + i] != g711_ulaw_dec(codes[3 + i]);
		}
		is_int(bad, 0, "mu-law buffer coders of 1..40 samples from unaligned addresses match the scalar ones");
	}
	return tap_done();
}
