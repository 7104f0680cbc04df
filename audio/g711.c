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
static bool tab_done; /* stored (release) at the end of tab_init */
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
	__atomic_store_n(&tab_done, true, __ATOMIC_RELEASE);
}

/* The tables are filled: once they are, one acquire load per call instead of pthread_once's call */
static inline void tab_ensure(void)
{
	if (!__atomic_load_n(&tab_done, __ATOMIC_ACQUIRE))
		pthread_once(&tab_once, tab_init);
}

#ifdef G711_AVX2
/*
 * mu-law on 16 samples at a time, where the CPU has AVX2 (chosen once at run
 * time; the binary stays baseline x86-64): the scalar coders' arithmetic in
 * 16-bit lanes, one packet's 160 samples in 5 steps of 32. What 16-bit lanes
 * lack (a count of leading zeros, a shift by a different amount in each lane)
 * comes from 16-entry byte tables (pshufb) and a multiply. test_g711 checks
 * every input against the scalar coders.
 */
#define BYTES16(...) _mm256_setr_epi8(__VA_ARGS__, __VA_ARGS__)
#define AVX2 __attribute__((target("avx2")))

/* 16 samples to 16 codes, each in the low byte of a 16-bit lane */
static inline AVX2 __m256i ulaw_enc16(const int16_t *src)
{
	/*
	 * The biased magnitude m (33..0x1FFF) lies in [32 << seg, 64 << seg): seg << 4 is the larger of a
	 * look-up by m >> 9 (seg 4..7) and one by (m >> 5) & 15 (seg 0..3); index 0 gives 0, so the
	 * lanes' high bytes (index 0) stay 0.
	 */
	const __m256i seg_hi = BYTES16(0, 64, 80, 80, 96, 96, 96, 96, 112, 112, 112, 112, 112, 112, 112, 112);
	const __m256i seg_lo = BYTES16(0, 0, 16, 16, 32, 32, 32, 32, 48, 48, 48, 48, 48, 48, 48, 48);
	/* 2^(15 - seg) in the high byte (the low byte's index has bit 7 set: 0): m >> (seg + 1) is a mulhi */
	const __m256i shift = BYTES16(-128, 64, 32, 16, 8, 4, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0);
	const __m256i c15 = _mm256_set1_epi16(15), c80 = _mm256_set1_epi16(0x80);
	__m256i x = _mm256_loadu_si256((const __m256i *)src);
	__m256i neg = _mm256_srai_epi16(x, 15);
	__m256i m = _mm256_min_epi16(_mm256_add_epi16(_mm256_xor_si256(_mm256_srai_epi16(x, 2), neg), _mm256_set1_epi16(33)),
				     _mm256_set1_epi16(0x1FFF));
	__m256i seg4 = _mm256_max_epu8(_mm256_shuffle_epi8(seg_hi, _mm256_srli_epi16(m, 9)),
				       _mm256_shuffle_epi8(seg_lo, _mm256_and_si256(_mm256_srli_epi16(m, 5), c15)));
	__m256i r = _mm256_mulhi_epu16(m, _mm256_shuffle_epi8(shift, _mm256_or_si256(_mm256_slli_epi16(seg4, 4), c80)));

	/* r = m >> (seg + 1) is 16 + the 4-bit step: the code is ~(seg << 4 | step | sign << 7) */
	return _mm256_sub_epi16(_mm256_sub_epi16(_mm256_set1_epi16(0x10F), _mm256_add_epi16(seg4, r)),
				_mm256_and_si256(neg, c80));
}

static AVX2 void ulaw_enc_avx2(uint8_t *restrict dst, const int16_t *restrict src, size_t n)
{
	size_t i = 0;

	for (; i + 32 <= n; i += 32) {
		/* packus works within 128-bit halves: the quadwords come out 0 2 1 3 */
		__m256i c = _mm256_packus_epi16(ulaw_enc16(src + i), ulaw_enc16(src + i + 16));
		_mm256_storeu_si256((__m256i *)(dst + i), _mm256_permute4x64_epi64(c, 0xD8));
	}
	if (i + 16 <= n) {
		__m256i c = ulaw_enc16(src + i);
		_mm_storeu_si128((__m128i *)(dst + i),
				 _mm_packus_epi16(_mm256_castsi256_si128(c), _mm256_extracti128_si256(c, 1)));
		i += 16;
	}
	for (; i < n; i++)
		dst[i] = ulaw_enc_tab[((uint16_t)src[i] >> 2) & 0x3FFF];
}

/* 16 codes to 16 samples */
static inline AVX2 __m256i ulaw_dec16(const uint8_t *src)
{
	/* by the code's high nibble (inverted sign and segment): 2^seg, seg = 7 - (nibble & 7) */
	const __m256i pow = BYTES16(-128, 64, 32, 16, 8, 4, 2, 1, -128, 64, 32, 16, 8, 4, 2, 1);
	__m256i c = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)src));
	__m256i p = _mm256_shuffle_epi8(pow, _mm256_or_si256(_mm256_srli_epi16(c, 4), _mm256_set1_epi16((short)0x8000)));
	/* 4 * (((2q + 33) << seg) - 33) = (8q + 132) << seg - 132, q = 15 - (c & 15); negative when c < 128 */
	__m256i q8 = _mm256_sub_epi16(_mm256_set1_epi16(252), _mm256_slli_epi16(_mm256_and_si256(c, _mm256_set1_epi16(15)), 3));
	__m256i mag = _mm256_sub_epi16(_mm256_mullo_epi16(q8, p), _mm256_set1_epi16(132));
	__m256i neg = _mm256_cmpgt_epi16(_mm256_set1_epi16(128), c);

	return _mm256_sub_epi16(_mm256_xor_si256(mag, neg), neg);
}

static AVX2 void ulaw_dec_avx2(int16_t *restrict dst, const uint8_t *restrict src, size_t n)
{
	size_t i = 0;

	for (; i + 32 <= n; i += 32) {
		_mm256_storeu_si256((__m256i *)(dst + i), ulaw_dec16(src + i));
		_mm256_storeu_si256((__m256i *)(dst + i + 16), ulaw_dec16(src + i + 16));
	}
	if (i + 16 <= n) {
		_mm256_storeu_si256((__m256i *)(dst + i), ulaw_dec16(src + i));
		i += 16;
	}
	for (; i < n; i++)
		dst[i] = ulaw_dec_tab[src[i]];
}
#undef AVX2
#undef BYTES16
#endif

void g711_ulaw_enc_buf(uint8_t *restrict dst, const int16_t *restrict src, size_t n)
{
	tab_ensure();
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
	tab_ensure();
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
	tab_ensure();
	_Pragma("GCC unroll 8")
	for (size_t i = 0; i < n; i++)
		dst[i] = alaw_enc_tab[((uint16_t)src[i] >> 3) & 0x1FFF];
}

void g711_alaw_dec_buf(int16_t *restrict dst, const uint8_t *restrict src, size_t n)
{
	tab_ensure();
	_Pragma("GCC unroll 8")
	for (size_t i = 0; i < n; i++)
		dst[i] = alaw_dec_tab[src[i]];
}
