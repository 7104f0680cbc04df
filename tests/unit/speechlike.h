/* SPDX-License-Identifier: GPL-3.0-or-later */
/* speechlike.h: a deterministic speech-like test signal (voiced syllables through formants, fricatives, pauses). */
#ifndef SPHONE_SPEECHLIKE_H
#define SPHONE_SPEECHLIKE_H

/*
 * What an echo canceller or a codec meets in a call is speech, not a sine or white noise: a pitch
 * that wanders, a spectrum that changes every 50-100 ms, bursts of noise, and pauses. This makes
 * such a signal from a seed, so a test needs no recording (and no text-to-speech program): a
 * glottal pulse train at a drifting pitch through three formant resonators that glide between
 * vowels, an optional fricative onset (noise through a high resonator), a raised-cosine syllable
 * envelope, and pauses between words and phrases. Two generators with different seeds and pitches
 * are two different talkers (for double talk).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

struct speechlike_res {
	double g, b1, b2, y1, y2; /* g: input gain that makes the peak gain about 1 */
};

struct speechlike {
	unsigned rate;
	uint32_t seed;
	double f0;            /* the talker's mean pitch, Hz */
	double level;         /* output scale */
	double t;             /* seconds since the start */
	double phase;         /* glottal phase, 0..1 */
	size_t left;          /* samples left in this segment */
	size_t len;           /* segment length */
	int kind;             /* 0 pause, 1 syllable */
	size_t fric;          /* samples of fricative onset in this syllable */
	double fcur[3], ftgt[3];
	struct speechlike_res form[3], hiss;
	double lp, lp1;       /* the glottal pulse (one-pole low-pass of an impulse) and its last value */
};

static inline double speechlike_rand(struct speechlike *s)
{
	s->seed = s->seed * 1664525u + 1013904223u;
	return (s->seed >> 8) / 16777216.0;
}

static inline void speechlike_tune(struct speechlike_res *r, unsigned rate, double hz, double bw)
{
	double rr = exp(-M_PI * bw / rate), w = 2.0 * M_PI * hz / rate;

	r->g = (1.0 - rr) * sqrt(1.0 - 2.0 * rr * cos(2.0 * w) + rr * rr);
	r->b1 = 2.0 * rr * cos(w);
	r->b2 = -rr * rr;
}

static inline double speechlike_step(struct speechlike_res *r, double x)
{
	double y = r->g * x + r->b1 * r->y1 + r->b2 * r->y2;

	r->y2 = r->y1;
	r->y1 = y;
	return y;
}

/* rate: 8000 or more; seed: any; f0: mean pitch (e.g. 110 for one talker, 200 for another); rms: the
   level while speaking, in sample units (about; pauses are silent). */
static inline void speechlike_init(struct speechlike *s, unsigned rate, uint32_t seed, double f0, double rms)
{
	int k;

	*s = (struct speechlike){ 0 };
	s->rate = rate;
	s->seed = seed ? seed : 1;
	s->f0 = f0;
	s->level = rms * 1.6;
	for (k = 0; k < 3; k++)
		s->fcur[k] = s->ftgt[k] = 500.0 + 1000.0 * k;
	speechlike_tune(&s->hiss, rate, rate > 8000 ? 4000 : 3000, 1200);
}

static inline void speechlike_next_segment(struct speechlike *s)
{
	/* F1, F2, F3 of a few vowels (a e i o u, roughly) */
	static const double vowels[5][3] = {
		{ 730, 1090, 2440 }, { 530, 1840, 2480 }, { 300, 2200, 2950 }, { 570, 840, 2410 }, { 320, 900, 2250 },
	};
	double r = speechlike_rand(s);
	int v, k;

	if (s->kind == 1 && r < 0.35) {
		/* a pause: between words (80-250 ms) or, now and then, between phrases (400-900 ms) */
		s->kind = 0;
		s->len = (size_t)(s->rate * (r < 0.07 ? 0.4 + speechlike_rand(s) * 0.5 : 0.08 + speechlike_rand(s) * 0.17));
	} else {
		s->kind = 1;
		s->len = (size_t)(s->rate * (0.12 + speechlike_rand(s) * 0.2));
		s->fric = speechlike_rand(s) < 0.4 ? (size_t)(s->rate * (0.03 + speechlike_rand(s) * 0.05)) : 0;
		v = (int)(speechlike_rand(s) * 5) % 5;
		for (k = 0; k < 3; k++)
			s->ftgt[k] = vowels[v][k] * (0.9 + 0.2 * speechlike_rand(s));
	}
	s->left = s->len;
}

static inline double speechlike_sample(struct speechlike *s)
{
	double x = 0, env, f0, pos;
	int k;

	if (s->left == 0)
		speechlike_next_segment(s);
	s->left--;
	s->t += 1.0 / s->rate;
	if (s->kind == 0)
		return 0;
	pos = (double)(s->len - s->left) / (double)s->len;
	/* raised-cosine attack and release over the first and last 15 % of the syllable */
	if (pos < 0.15)
		env = 0.5 - 0.5 * cos(M_PI * pos / 0.15);
	else if (pos > 0.85)
		env = 0.5 - 0.5 * cos(M_PI * (1.0 - pos) / 0.15);
	else
		env = 1.0;
	/* formants glide towards the vowel's over ~30 ms (retuned every 16 samples) */
	if (s->left % 16 == 0)
		for (k = 0; k < 3; k++) {
			s->fcur[k] += (s->ftgt[k] - s->fcur[k]) * (1.0 - exp(-16.0 / (0.03 * s->rate)));
			if (s->fcur[k] < s->rate / 2.0 - 200)
				speechlike_tune(&s->form[k], s->rate, s->fcur[k], 60.0 + 40.0 * k);
		}
	if (s->len - s->left < s->fric) {
		/* fricative onset: noise through a high resonator */
		x = speechlike_step(&s->hiss, (speechlike_rand(s) - 0.5) * 2.0) * 1.0;
		return x * s->level * env;
	}
	/* pitch: the talker's mean, a slow intonation contour and a little jitter */
	f0 = s->f0 * (1.0 + 0.15 * sin(2.0 * M_PI * 0.7 * s->t) + 0.05 * sin(2.0 * M_PI * 3.1 * s->t)) *
	     (1.0 + 0.01 * (speechlike_rand(s) - 0.5));
	s->phase += f0 / s->rate;
	if (s->phase >= 1.0) {
		s->phase -= 1.0;
		x = 1.0;
	}
	/*
	 * a glottal pulse: the impulse smoothed by a one-pole low-pass, differentiated as the lips
	 * radiate it (no DC, as in real speech), and some aspiration noise
	 */
	s->lp = 0.9 * s->lp + x;
	x = s->lp - s->lp1 + 0.02 * (speechlike_rand(s) - 0.5);
	s->lp1 = s->lp;
	x = speechlike_step(&s->form[0], x) * 1.0 + speechlike_step(&s->form[1], x) * 0.5 +
	    speechlike_step(&s->form[2], x) * 0.25;
	return x * s->level * env * 30.0;
}

static inline void speechlike_fill(struct speechlike *s, int16_t *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		double v = speechlike_sample(s);
		out[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : lrint(v));
	}
}

#endif
