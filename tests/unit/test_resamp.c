/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_resamp.c: resampler keeps frequency and amplitude, rejects out-of-band tones; tone generator. */
#include <errno.h>
#include <stdlib.h>

#include "resamp.h"
#include "tone.h"
#include "../tap.h"
#include "audio_meas.h"

/* Run n input samples through r in 20 ms chunks the way a device would; returns output count. */
static size_t run(struct resamp *r, const int16_t *in, size_t n, int16_t *out, size_t outcap)
{
	size_t ip = 0, op = 0, chunk = resamp_in_rate(r) / 50;

	while (ip < n && op < outcap) {
		size_t il = n - ip < chunk ? n - ip : chunk, ol = outcap - op;
		if (resamp_process(r, in + ip, &il, out + op, &ol) != 0)
			break;
		ip += il;
		op += ol;
		if (il == 0 && ol == 0)
			break;
	}
	return op;
}

static void check_down(unsigned rate)
{
	struct resamp *r = NULL;
	size_t n = rate * 2, m, outcap = 8000 * 2 + 100;
	/* calloc: the filter delay leaves the last few samples unproduced, and they are measured */
	int16_t *in = malloc(n * sizeof(*in)), *out = calloc(outcap, sizeof(*out));
	struct tone t;
	double amp, hz, alias;

	is_int(resamp_alloc(&r, rate, 8000, -1), 0, "%u -> 8000: alloc", rate);
	tone_sine(&t, rate, 1000, 10000);
	tone_fill(&t, in, n);
	m = run(r, in, n, out, outcap);
	/* skip_zeros drops the filter's group delay, so the output is short by at most that */
	ok(m >= 16000 - 48 && m <= 16000, "%u -> 8000: 2 s in gives 2 s out less filter delay (%zu)", rate, m);
	/* measure on the second second, away from the start-up transient */
	amp = meas_goertzel_amp(out + 8000, 8000, 8000, 1000);
	hz = meas_zc_hz(out + 8000, 8000, 8000);
	diag("%u -> 8000: 1 kHz tone out amplitude %.0f (in 10000), zero-crossing freq %.2f Hz", rate, amp,
	     hz);
	ok(amp > 9500 && amp < 10500, "%u -> 8000: 1 kHz amplitude kept within 0.5 dB", rate);
	ok(hz > 999 && hz < 1001, "%u -> 8000: frequency stays 1000 Hz", rate);

	/* 5 kHz is above the 4 kHz Nyquist of 8 kHz: it must be filtered, not folded to 3 kHz */
	resamp_reset(r);
	tone_sine(&t, rate, 5000, 10000);
	tone_fill(&t, in, n);
	m = run(r, in, n, out, outcap);
	ok(m >= 16000 - 48, "%u -> 8000: 5 kHz run produced output (%zu)", rate, m);
	alias = meas_goertzel_amp(out + 8000, 8000, 8000, 3000);
	diag("%u -> 8000: 5 kHz tone leaves %.1f at 3 kHz (%.1f dB), total rms %.1f", rate, alias,
	     meas_db(alias, 10000), meas_rms(out + 8000, 8000));
	ok(meas_db(alias, 10000) < -40, "%u -> 8000: 5 kHz alias below -40 dB", rate);
	ok(meas_rms(out + 8000, 8000) < 100, "%u -> 8000: 5 kHz tone removed (rms < 100)", rate);
	resamp_free(r);
	free(in);
	free(out);
}

static void check_up(unsigned rate)
{
	struct resamp *r = NULL;
	size_t n = 16000, m, outcap = rate * 2 + 100;
	/* calloc: the filter delay leaves the last few samples unproduced, and they are measured */
	int16_t *in = malloc(n * sizeof(*in)), *out = calloc(outcap, sizeof(*out));
	struct tone t;
	double amp, img;

	is_int(resamp_alloc(&r, 8000, rate, -1), 0, "8000 -> %u: alloc", rate);
	tone_sine(&t, 8000, 1000, 10000);
	tone_fill(&t, in, n);
	m = run(r, in, n, out, outcap);
	ok(m + 48 * rate / 8000 >= (size_t)rate * 2 && m <= (size_t)rate * 2,
	   "8000 -> %u: 2 s in gives 2 s out less filter delay (%zu)", rate, m);
	amp = meas_goertzel_amp(out + rate, rate, rate, 1000);
	img = meas_goertzel_amp(out + rate, rate, rate, 7000); /* mirror image of 1 kHz around 4 kHz */
	diag("8000 -> %u: 1 kHz amplitude %.0f, 7 kHz image %.1f dB", rate, amp, meas_db(img, 10000));
	ok(amp > 9500 && amp < 10500, "8000 -> %u: amplitude kept", rate);
	ok(meas_db(img, 10000) < -40, "8000 -> %u: no 7 kHz image", rate);
	resamp_free(r);
	free(in);
	free(out);
}

int main(void)
{
	struct resamp *r = NULL;
	struct tone t;
	int16_t buf[8000];

	is_int(resamp_alloc(&r, 22050, 8000, -1), EINVAL, "22050 Hz rejected");
	is_int(resamp_alloc(&r, 8000, 8000, 11), EINVAL, "quality 11 rejected");
	ok(r == NULL, "out-parameter untouched on error");
	check_down(48000);
	check_down(44100);
	check_down(16000);
	check_up(48000);
	check_up(44100);
	check_up(16000);

	/* tone generator */
	is_int(tone_sine(&t, 8000, 4000, 1000), EINVAL, "tone at Nyquist rejected");
	is_int(tone_dtmf(&t, 8000, 'x', 1000), EINVAL, "DTMF 'x' rejected");
	is_int(tone_dtmf(&t, 8000, '#', 16000), 0, "DTMF '#'");
	tone_fill(&t, buf, 8000);
	ok(meas_goertzel_amp(buf, 8000, 8000, 941) > 7900 && meas_goertzel_amp(buf, 8000, 8000, 1477) > 7900,
	   "DTMF '#' = 941 Hz + 1477 Hz, 8000 each");
	ok(meas_goertzel_amp(buf, 8000, 8000, 697) < 100 && meas_goertzel_amp(buf, 8000, 8000, 1209) < 100,
	   "DTMF '#' has no 697/1209 Hz");
	tone_sine(&t, 8000, 440, 20000);
	tone_fill(&t, buf, 4000);
	tone_fill(&t, buf + 4000, 4000);
	{
		int i, maxstep = 0;
		for (i = 1; i < 8000; i++) {
			int d = abs(buf[i] - buf[i - 1]);
			if (d > maxstep)
				maxstep = d;
		}
		/* a 440 Hz sine of peak 20000 moves at most 20000 * 2*pi*440/8000 = 6912 per sample */
		ok(maxstep <= 6913, "sine is phase-continuous across fill calls (max step %d)", maxstep);
	}
	return tap_done();
}
