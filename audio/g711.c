/* SPDX-License-Identifier: GPL-3.0-or-later */
/* g711.c: ITU-T G.711 A-law (13-bit) and mu-law (14-bit) encoder and decoder. */
#include <pthread.h>

#include "g711.h"

/*
 * The buffer versions run per packet on the media path: they use tables
 * filled once from the scalar coders (which stay the reference).
 */
static int16_t ulaw_dec_tab[256], alaw_dec_tab[256];
static uint8_t ulaw_enc_tab[1 << 14], alaw_enc_tab[1 << 13];
static pthread_once_t tab_once = PTHREAD_ONCE_INIT;

/* Index of the highest set bit of v (v > 0). */
static inline int hibit(unsigned v)
{
	return 31 - __builtin_clz(v);
}

uint8_t g711_ulaw_enc(int16_t x)
{
	int v = x >> 2; /* 14-bit signed */
	unsigned m, code;
	int seg;

	m = (unsigned)(v < 0 ? ~v : v) + 33; /* biased magnitude, 33..8225 */
	if (m > 0x1FFF)
		m = 0x1FFF;
	seg = hibit(m) - 5; /* m in [32 << seg, 64 << seg) */
	code = ((unsigned)seg << 4) | ((m >> (seg + 1)) & 0x0F);
	if (v < 0)
		code |= 0x80;
	return (uint8_t)(~code & 0xFF);
}

int16_t g711_ulaw_dec(uint8_t c)
{
	unsigned u = ~c & 0xFFu;
	int seg = (u >> 4) & 7, q = u & 0x0F;
	int mag = ((2 * q + 33) << seg) - 33; /* 14-bit reconstruction level */

	return (int16_t)((u & 0x80) ? -4 * mag : 4 * mag);
}

uint8_t g711_alaw_enc(int16_t x)
{
	int v = x >> 3; /* 13-bit signed */
	unsigned m = (unsigned)(v < 0 ? ~v : v); /* 0..4095 */
	unsigned code;
	int seg;

	/* m in [16 << seg, 32 << seg) for seg 1..7; segment 0 has the step of segment 1 */
	seg = hibit(m | 16) - 4;
	code = ((unsigned)seg << 4) | ((m >> (seg ? seg : 1)) & 0x0F);
	if (v >= 0)
		code |= 0x80;
	return (uint8_t)(code ^ 0x55);
}

int16_t g711_alaw_dec(uint8_t c)
{
	unsigned u = c ^ 0x55u;
	int seg = (u >> 4) & 7, q = u & 0x0F;
	int mag; /* in 16-bit units */

	if (seg == 0)
		mag = (q << 4) + 8;
	else
		mag = (((q + 16) << 4) + 8) << (seg - 1);
	return (int16_t)((u & 0x80) ? mag : -mag);
}

static void tab_init(void)
{
	for (int c = 0; c < 256; c++) {
		ulaw_dec_tab[c] = g711_ulaw_dec((uint8_t)c);
		alaw_dec_tab[c] = g711_alaw_dec((uint8_t)c);
	}
	/* indexed by the coder's input bits: x >> 2 (mu) and x >> 3 (A), as unsigned */
	for (int v = -8192; v < 8192; v++)
		ulaw_enc_tab[v & 0x3FFF] = g711_ulaw_enc((int16_t)(v * 4));
	for (int v = -4096; v < 4096; v++)
		alaw_enc_tab[v & 0x1FFF] = g711_alaw_enc((int16_t)(v * 8));
}

void g711_ulaw_enc_buf(uint8_t *restrict dst, const int16_t *restrict src, size_t n)
{
	pthread_once(&tab_once, tab_init);
	_Pragma("GCC unroll 8")
	for (size_t i = 0; i < n; i++)
		dst[i] = ulaw_enc_tab[((uint16_t)src[i] >> 2) & 0x3FFF];
}

void g711_ulaw_dec_buf(int16_t *restrict dst, const uint8_t *restrict src, size_t n)
{
	pthread_once(&tab_once, tab_init);
	_Pragma("GCC unroll 8")
	for (size_t i = 0; i < n; i++)
		dst[i] = ulaw_dec_tab[src[i]];
}

void g711_alaw_enc_buf(uint8_t *restrict dst, const int16_t *restrict src, size_t n)
{
	pthread_once(&tab_once, tab_init);
	_Pragma("GCC unroll 8")
	for (size_t i = 0; i < n; i++)
		dst[i] = alaw_enc_tab[((uint16_t)src[i] >> 3) & 0x1FFF];
}

void g711_alaw_dec_buf(int16_t *restrict dst, const uint8_t *restrict src, size_t n)
{
	pthread_once(&tab_once, tab_init);
	_Pragma("GCC unroll 8")
	for (size_t i = 0; i < n; i++)
		dst[i] = alaw_dec_tab[src[i]];
}
