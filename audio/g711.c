/* SPDX-License-Identifier: GPL-3.0-or-later */
/* g711.c: ITU-T G.711 A-law (13-bit) and mu-law (14-bit) encoder and decoder. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define G711_AVX2 1
#endif

#include "g711.h"

/*
 * The buffer versions run per packet on the media path: they use tables
 * filled once from the scalar coders (which stay the reference).
 */
static int16_t ulaw_dec_tab[256], alaw_dec_tab[256];
static uint8_t ulaw_enc_tab[1 << 14], alaw_enc_tab[1 << 13];
static pthread_once_t tab_once = PTHREAD_ONCE_INIT;
#ifdef G711_AVX2
static bool have_avx2; /* set once by tab_init */
#endif

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
#ifdef G711_AVX2
	/* SPHONE_G711_SCALAR=1: the table coders (tests compare both) */
	have_avx2 = __builtin_cpu_supports("avx2") && !getenv("SPHONE_G711_SCALAR");
#endif
}

#ifdef G711_AVX2
/*
 * mu-law on 8 samples at a time, where the CPU has AVX2 (chosen once at run
 * time; the binary stays baseline x86-64): the scalar coders' arithmetic in
 * 32-bit lanes, the segment of the encoder from the exponent of the biased
 * magnitude as a float. One packet's 160 samples in 20 steps instead of 160
 * table look-ups; test_g711 checks every input against the scalar coders.
 */
__attribute__((target("avx2"))) static void ulaw_enc_avx2(uint8_t *restrict dst, const int16_t *restrict src,
							  size_t n)
{
	const __m256i c33 = _mm256_set1_epi32(33), cmax = _mm256_set1_epi32(0x1FFF), c15 = _mm256_set1_epi32(15);
	const __m256i c132 = _mm256_set1_epi32(127 + 5), one = _mm256_set1_epi32(1), c80 = _mm256_set1_epi32(0x80);
	const __m256i cff = _mm256_set1_epi32(0xFF);
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		__m256i v = _mm256_srai_epi32(_mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(src + i))), 2);
		__m256i neg = _mm256_cmpgt_epi32(_mm256_setzero_si256(), v);
		__m256i m = _mm256_min_epi32(_mm256_add_epi32(_mm256_xor_si256(v, neg), c33), cmax);
		/* m in [32 << seg, 64 << seg): seg = exponent of m - 5 */
		__m256i seg = _mm256_sub_epi32(_mm256_srli_epi32(_mm256_castps_si256(_mm256_cvtepi32_ps(m)), 23), c132);
		__m256i q = _mm256_and_si256(_mm256_srlv_epi32(m, _mm256_add_epi32(seg, one)), c15);
		__m256i code = _mm256_or_si256(_mm256_or_si256(_mm256_slli_epi32(seg, 4), q), _mm256_and_si256(neg, c80));
		__m128i w;

		code = _mm256_xor_si256(code, cff);
		w = _mm_packus_epi32(_mm256_castsi256_si128(code), _mm256_extracti128_si256(code, 1));
		_mm_storel_epi64((__m128i *)(dst + i), _mm_packus_epi16(w, w));
	}
	for (; i < n; i++)
		dst[i] = ulaw_enc_tab[((uint16_t)src[i] >> 2) & 0x3FFF];
}

__attribute__((target("avx2"))) static void ulaw_dec_avx2(int16_t *restrict dst, const uint8_t *restrict src,
							  size_t n)
{
	const __m256i cff = _mm256_set1_epi32(0xFF), c7 = _mm256_set1_epi32(7), c15 = _mm256_set1_epi32(15);
	const __m256i c33 = _mm256_set1_epi32(33), c80 = _mm256_set1_epi32(0x80);
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		__m256i u = _mm256_xor_si256(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(src + i))), cff);
		__m256i seg = _mm256_and_si256(_mm256_srli_epi32(u, 4), c7);
		__m256i q = _mm256_and_si256(u, c15);
		/* 4 * (((2q + 33) << seg) - 33), negated when the sign bit is set */
		__m256i mag = _mm256_sub_epi32(_mm256_sllv_epi32(_mm256_add_epi32(_mm256_add_epi32(q, q), c33), seg), c33);
		__m256i neg = _mm256_cmpeq_epi32(_mm256_and_si256(u, c80), c80);
		__m256i v = _mm256_sub_epi32(_mm256_xor_si256(_mm256_slli_epi32(mag, 2), neg), neg);

		_mm_storeu_si128((__m128i *)(dst + i),
				 _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1)));
	}
	for (; i < n; i++)
		dst[i] = ulaw_dec_tab[src[i]];
}
#endif

void g711_ulaw_enc_buf(uint8_t *restrict dst, const int16_t *restrict src, size_t n)
{
	pthread_once(&tab_once, tab_init);
#ifdef G711_AVX2
	if (have_avx2) {
		ulaw_enc_avx2(dst, src, n);
		return;
	}
#endif
	_Pragma("GCC unroll 8")
	for (size_t i = 0; i < n; i++)
		dst[i] = ulaw_enc_tab[((uint16_t)src[i] >> 2) & 0x3FFF];
}

void g711_ulaw_dec_buf(int16_t *restrict dst, const uint8_t *restrict src, size_t n)
{
	pthread_once(&tab_once, tab_init);
#ifdef G711_AVX2
	if (have_avx2) {
		ulaw_dec_avx2(dst, src, n);
		return;
	}
#endif
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
