/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tone.h: sine and dual-tone (DTMF) generators producing int16 samples, phase-continuous across calls. */
#ifndef SPHONE_TONE_H
#define SPHONE_TONE_H

#include <stddef.h>
#include <stdint.h>

/* Small value type: lives inside its owner, no allocation. */
struct tone {
	double ph[2];   /* phase of each component, radians */
	double inc[2];  /* phase increment per sample */
	double amp[2];  /* peak amplitude of each component, in sample units */
	int n;          /* 0 (silence), 1 or 2 components */
};

/* A single sine of hz at peak amplitude amp (0..32767) for sample rate rate. */
int tone_sine(struct tone *t, unsigned rate, double hz, double amp);
/* Two summed sines (each at its own peak amplitude), e.g. DTMF. */
int tone_dual(struct tone *t, unsigned rate, double hz1, double amp1, double hz2, double amp2);
/*
 * The DTMF pair for digit (0-9 * # A-D), total peak amp split 1:1 between the low and
 * high tones. EINVAL for any other character.
 */
int tone_dtmf(struct tone *t, unsigned rate, char digit, double amp);

/* Write n samples (saturated to int16). */
void tone_fill(struct tone *t, int16_t *out, size_t n);
/* Add n samples of the tone onto out (saturating), for mixing. */
void tone_mix(struct tone *t, int16_t *out, size_t n);

/* sin(x), and 10^(db / 20) (0 below -400 dB), without libm (tone.c) */
double tone_sin(double x);
double tone_db_gain(double db);

#endif
