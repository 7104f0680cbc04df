/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_plc.c: concealment continues the waveform without clicks, decays over long losses, recovers smoothly. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "plc.h"
#include "../tap.h"
#include "audio_meas.h"

#define F 160

/* A voiced-speech-like signal: 125 Hz fundamental (period 64) plus two harmonics. */
static int16_t voiced(long n)
{
	double t = 2.0 * M_PI * 125.0 * n / 8000.0;
	return (int16_t)lrint(6000 * sin(t) + 3000 * sin(2 * t + 0.5) + 1500 * sin(3 * t + 1.1));
}

static int max_step(const int16_t *x, size_t n)
{
	size_t i;
	int m = 0;

	for (i = 1; i < n; i++)
		if (abs(x[i] - x[i - 1]) > m)
			m = abs(x[i] - x[i - 1]);
	return m;
}

/* Run: good frames, then `lost` concealed frames, then good frames; the output stream in out. */
static void run(struct plc *p, int16_t (*sig)(long), int good1, int lost, int good2, int16_t *out)
{
	long n = 0;
	int f, i;

	for (f = 0; f < good1 + lost + good2; f++) {
		int16_t *o = out + (size_t)f * F;
		if (f >= good1 && f < good1 + lost) {
			plc_conceal(p, o);
		} else {
			for (i = 0; i < F; i++)
				o[i] = sig(n + i);
			plc_good(p, o);
		}
		n += F;
	}
}

static double snr_db(const int16_t *got, long start, size_t n, int16_t (*sig)(long))
{
	double es = 0, en = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		double s = sig(start + (long)i), d = got[i] - s;
		es += s * s;
		en += d * d;
	}
	return 10 * log10((es + 1) / (en + 1));
}

static int16_t a440(long n)
{
	return (int16_t)lrint(8000 * sin(2.0 * M_PI * 440.0 * n / 8000.0));
}

/* 131 Hz voiced: the period (61.07 samples) is not a whole number, so repetition has a seam. */
static int16_t voiced131(long n)
{
	double t = 2.0 * M_PI * 131.0 * n / 8000.0;
	return (int16_t)lrint(6000 * sin(t) + 3000 * sin(2 * t + 0.5) + 1500 * sin(3 * t + 1.1));
}

/* A vowel onset: 131 Hz voiced, level doubling every 10 ms up to the loss at 200 ms, so the
   period repeated is much quieter than the last samples: a seam a plain repetition would click on. */
static int16_t onset(long n)
{
	double t = 2.0 * M_PI * 131.0 * n / 8000.0, g = n < 1600 ? pow(2.0, (n - 1600) / 80.0) : 1.0;
	return (int16_t)lrint(g * (6000 * sin(t) + 3000 * sin(2 * t + 0.5) + 1500 * sin(3 * t + 1.1)));
}

static void check_signal(const char *name, int16_t (*sig)(long))
{
	struct plc *p = NULL;
	int16_t out[40 * F], ref[40 * F];
	int ref_step, step, i;
	double snr, e1, e3, e4;

	plc_alloc(&p, F);
	for (i = 0; i < 40 * F; i++)
		ref[i] = sig(i);
	ref_step = max_step(ref, 40 * F);

	/* single 20 ms loss */
	run(p, sig, 10, 1, 5, out);
	step = max_step(out + 10 * F - 8, F + 16);
	snr = snr_db(out + 10 * F, 10 * F, F, sig);
	diag("%s: pitch %u, 1 lost frame: SNR vs. true signal %.1f dB, max step %d (signal's own %d)", name,
	     plc_pitch(p), snr, step, ref_step);
	ok(step <= ref_step * 1.25, "%s: no click entering or leaving a 20 ms loss", name);
	{
		/* the joint: the first concealed sample is close to a linear prediction from the last two */
		int pred = 2 * out[10 * F - 1] - out[10 * F - 2];
		diag("%s: first concealed sample %d, linear prediction %d", name, out[10 * F], pred);
		ok(abs(out[10 * F] - pred) <= ref_step / 4, "%s: first concealed sample continues the last real ones",
		   name);
	}
	ok(snr > 6, "%s: a periodic signal is continued (SNR %.1f dB > 6)", name, snr);
	step = max_step(out + 11 * F, 5 * F);
	ok(step <= ref_step * 1.25, "%s: recovery frames have no click", name);
	plc_free(p);

	/* long loss: 100 ms */
	p = NULL;
	plc_alloc(&p, F);
	run(p, sig, 10, 5, 5, out);
	step = max_step(out + 10 * F - 8, 5 * F + 16);
	e1 = meas_rms(out + 10 * F, 80);          /* 0-10 ms: full level */
	e3 = meas_rms(out + 10 * F + 320, 80);    /* 40-50 ms: 40%-20% */
	e4 = meas_rms(out + 10 * F + 480, 2 * F); /* 60-100 ms: silent */
	diag("%s: 100 ms loss: rms 0-10 ms %.0f, 40-50 ms %.0f, 60-100 ms %.0f, max step %d", name, e1, e3, e4,
	     step);
	ok(e1 > meas_rms(ref, 80) * 0.8, "%s: first 10 ms concealed at full level", name);
	ok(e3 < e1 * 0.45 && e3 > e1 * 0.1, "%s: level decays during the loss (40-50 ms at %.0f%%)", name,
	   100 * e3 / e1);
	is_int(e4, 0, "%s: silent after 60 ms of loss", name);
	ok(step <= ref_step * 1.25, "%s: no click anywhere in the long loss", name);
	is_int(plc_lost_samples(p), 0, "%s: loss counter cleared after recovery", name);
	/* recovery from silence is a linear fade-in over 10 ms (the concealment is silent by then) */
	{
		int bad = 0;
		for (i = 0; i < 80; i++) {
			long want = lrint((i + 1) / 81.0 * ref[15 * F + i]);
			if (labs(out[15 * F + i] - want) > 1)
				bad++;
		}
		is_int(bad, 0, "%s: recovery after 100 ms fades in over 10 ms", name);
		ok(out[15 * F + 80] == ref[15 * F + 80], "%s: then the real signal unchanged", name);
	}
	step = max_step(out + 15 * F - 4, F);
	ok(step <= ref_step * 1.25, "%s: fade-in has no click (max step %d)", name, step);
	plc_free(p);
}

static int16_t zero(long n)
{
	(void)n;
	return 0;
}

int main(void)
{
	struct plc *p = NULL;
	int16_t out[20 * F];

	is_int(plc_alloc(&p, 0), EINVAL, "frame 0 rejected");
	is_int(plc_alloc(&p, 481), EINVAL, "frame > 480 rejected");
	check_signal("voiced 125 Hz", voiced);
	check_signal("sine 440 Hz", a440);
	check_signal("voiced 131 Hz", voiced131);
	check_signal("rising onset", onset);

	/* silence stays silence */
	plc_alloc(&p, F);
	run(p, zero, 5, 3, 2, out);
	is_int(max_step(out, 10 * F) + abs(out[0]), 0, "concealing silence gives silence");
	plc_free(p);
	plc_free(NULL);

	/* loss at the very start (empty history) is silent, not garbage */
	p = NULL;
	plc_alloc(&p, F);
	plc_conceal(p, out);
	is_int(meas_rms(out, F), 0, "loss before any audio conceals as silence");
	plc_free(p);
	return tap_done();
}
