/* SPDX-License-Identifier: GPL-3.0-or-later */
/* audio_meas.h: measurement helpers for audio unit tests (Goertzel power, RMS, zero crossings). */
#ifndef SPHONE_AUDIO_MEAS_H
#define SPHONE_AUDIO_MEAS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* Amplitude (peak units) of the hz component of x, via the Goertzel recurrence. */
static inline double meas_goertzel_amp(const int16_t *x, size_t n, unsigned rate, double hz)
{
	double w = 2.0 * M_PI * hz / rate, c = 2.0 * cos(w), s1 = 0, s2 = 0, p;
	size_t i;

	for (i = 0; i < n; i++) {
		double s0 = x[i] + c * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	p = s1 * s1 + s2 * s2 - c * s1 * s2;
	return 2.0 * sqrt(p > 0 ? p : 0) / (double)n;
}

static inline double meas_rms(const int16_t *x, size_t n)
{
	double e = 0;
	size_t i;

	for (i = 0; i < n; i++)
		e += (double)x[i] * x[i];
	return n ? sqrt(e / n) : 0;
}

/* Frequency estimate from the count of sign changes (good for one clean sine). */
static inline double meas_zc_hz(const int16_t *x, size_t n, unsigned rate)
{
	size_t i, zc = 0, first = 0, last = 0;

	for (i = 1; i < n; i++) {
		if ((x[i - 1] < 0) != (x[i] < 0)) {
			if (!zc)
				first = i;
			last = i;
			zc++;
		}
	}
	if (zc < 2)
		return 0;
	return (double)(zc - 1) / 2.0 * rate / (double)(last - first);
}

static inline double meas_db(double a, double b)
{
	return 20.0 * log10((a + 1e-9) / (b + 1e-9));
}

/* Normalised correlation of x and y (n samples each): 1 = the same up to a gain. */
static inline double meas_corr(const int16_t *x, const int16_t *y, size_t n)
{
	double xy = 0, xx = 0, yy = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		xy += (double)x[i] * y[i];
		xx += (double)x[i] * x[i];
		yy += (double)y[i] * y[i];
	}
	return xx > 0 && yy > 0 ? xy / sqrt(xx * yy) : 0;
}

/*
 * How much of x is in y: the largest normalised cross-correlation of x[i] with y[i + lag] over
 * lag 0..maxlag (y later than x: a pipeline's delay), with that lag in *lagp. y holds n + maxlag.
 */
static inline double meas_xcorr(const int16_t *x, const int16_t *y, size_t n, size_t maxlag, size_t *lagp)
{
	double best = -2;
	size_t lag, bl = 0;

	for (lag = 0; lag <= maxlag; lag++) {
		double c = meas_corr(x, y + lag, n);
		if (c > best) {
			best = c;
			bl = lag;
		}
	}
	if (lagp)
		*lagp = bl;
	return best;
}

/* x through a second-order Butterworth high-pass at hz (in place of a telephone's or a canceller's). */
static inline void meas_highpass(int16_t *x, size_t n, unsigned rate, double hz)
{
	double w = 2.0 * M_PI * hz / rate, al = sin(w) / (2.0 * M_SQRT1_2), c = cos(w), a0 = 1.0 + al;
	double b0 = (1.0 + c) / 2.0 / a0, b1 = -(1.0 + c) / a0, a1 = -2.0 * c / a0, a2 = (1.0 - al) / a0;
	double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		double y = b0 * x[i] + b1 * x1 + b0 * x2 - a1 * y1 - a2 * y2;
		x2 = x1;
		x1 = x[i];
		y2 = y1;
		y1 = y;
		x[i] = (int16_t)(y > 32767 ? 32767 : y < -32768 ? -32768 : lrint(y));
	}
}

#endif
