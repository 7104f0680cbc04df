/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tone.c: sine/DTMF tone generation (test signals, ring-back, local DTMF feedback). */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "tone.h"

static int16_t sat16(double v)
{
	if (v > 32767.0)
		return 32767;
	if (v < -32768.0)
		return -32768;
	return (int16_t)lrint(v);
}

int tone_dual(struct tone *t, unsigned rate, double hz1, double amp1, double hz2, double amp2)
{
	if (!t || rate == 0 || hz1 < 0 || hz2 < 0 || hz1 >= rate / 2.0 || hz2 >= rate / 2.0 ||
	    amp1 < 0 || amp2 < 0 || amp1 + amp2 > 32767.0)
		return EINVAL;
	memset(t, 0, sizeof(*t));
	t->inc[0] = 2.0 * M_PI * hz1 / rate;
	t->inc[1] = 2.0 * M_PI * hz2 / rate;
	t->amp[0] = amp1;
	t->amp[1] = amp2;
	t->n = 2;
	return 0;
}

int tone_sine(struct tone *t, unsigned rate, double hz, double amp)
{
	int err = tone_dual(t, rate, hz, amp, 0, 0);
	if (!err)
		t->n = 1;
	return err;
}

int tone_dtmf(struct tone *t, unsigned rate, char digit, double amp)
{
	static const char keys[] = "123A456B789C*0#D";
	static const double low[4] = { 697, 770, 852, 941 };
	static const double high[4] = { 1209, 1336, 1477, 1633 };
	const char *p;
	int i;

	if (digit >= 'a' && digit <= 'd')
		digit = (char)(digit - 'a' + 'A');
	p = digit ? strchr(keys, digit) : NULL;
	if (!p)
		return EINVAL;
	i = (int)(p - keys);
	return tone_dual(t, rate, low[i / 4], amp / 2, high[i % 4], amp / 2);
}

/*
 * sin and 10^(dB/20) without libm: sphone links none (a loaded libm alone is
 * ~330 KB resident here; speex_load.c). x is brought to [-pi/2, pi/2] by
 * symmetry and the Taylor series summed to x^23 (its remainder there is
 * below 1e-17), so samples match libm's to within a rounding of the last bit.
 */
double tone_sin(double x)
{
	static const double c[] = { -1.0 / 6.0, 1.0 / 120.0, -1.0 / 5040.0, 1.0 / 362880.0, -1.0 / 39916800.0,
				    1.0 / 6227020800.0, -1.0 / 1307674368000.0, 1.0 / 355687428096000.0,
				    -1.0 / 121645100408832000.0, 1.0 / 51090942171709440000.0,
				    -1.0 / 25852016738884976640000.0 };
	double x2, s = 0;

	x -= (double)(long long)(x / (2.0 * M_PI)) * (2.0 * M_PI); /* (-2pi, 2pi) */
	if (x > M_PI)
		x -= 2.0 * M_PI;
	else if (x < -M_PI)
		x += 2.0 * M_PI;
	if (x > M_PI / 2)
		x = M_PI - x;
	else if (x < -M_PI / 2)
		x = -M_PI - x;
	x2 = x * x;
	for (int n = (int)(sizeof(c) / sizeof(c[0])) - 1; n >= 0; n--)
		s = (s + c[n]) * x2;
	return x + x * s;
}

/* e^y = 2^k e^r with |r| <= ln2 / 2, the series to r^20 (remainder below 1e-20) */
double tone_db_gain(double db)
{
	double y = db * (M_LN10 / 20.0), r, term = 1, e = 1;
	long k;

	if (db < -400)
		return 0;
	if (db > 400)
		db = 400, y = db * (M_LN10 / 20.0);
	k = (long)(y / M_LN2 + (y < 0 ? -0.5 : 0.5));
	r = y - (double)k * M_LN2;
	for (int n = 1; n <= 20; n++) {
		term *= r / n;
		e += term;
	}
	for (; k > 0; k--)
		e *= 2;
	for (; k < 0; k++)
		e *= 0.5;
	return e;
}

static double tone_next(struct tone *t)
{
	double v = 0;
	int k;

	for (k = 0; k < t->n; k++) {
		v += t->amp[k] * tone_sin(t->ph[k]);
		t->ph[k] += t->inc[k];
		if (t->ph[k] >= 2.0 * M_PI)
			t->ph[k] -= 2.0 * M_PI;
	}
	return v;
}

void tone_fill(struct tone *t, int16_t *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = sat16(tone_next(t));
}

void tone_mix(struct tone *t, int16_t *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = sat16(out[i] + tone_next(t));
}
