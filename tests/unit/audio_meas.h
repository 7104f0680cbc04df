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

#endif
