/* g711.c: ITU-T G.711 A-law (13-bit) and mu-law (14-bit) encoder and decoder. */
#include "g711.h"

/* Index of the highest set bit of v (v > 0). */
static int hibit(unsigned v)
{
	int n = 0;

	while (v >>= 1)
		n++;
	return n;
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

	if (m < 32) {
		code = m >> 1;
	} else {
		seg = hibit(m) - 4; /* m in [16 << seg, 32 << seg), seg 1..7 */
		code = ((unsigned)seg << 4) | ((m >> seg) & 0x0F);
	}
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

void g711_ulaw_enc_buf(uint8_t *dst, const int16_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = g711_ulaw_enc(src[i]);
}

void g711_ulaw_dec_buf(int16_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = g711_ulaw_dec(src[i]);
}

void g711_alaw_enc_buf(uint8_t *dst, const int16_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = g711_alaw_enc(src[i]);
}

void g711_alaw_dec_buf(int16_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = g711_alaw_dec(src[i]);
}
