/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_tones.c: the tone player: built-in cadences and frequencies, volume, stop, mixing, WAV clips at
 * every device rate, errors, and a mixer that never allocates. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tone.h"
#include "tones.h"
#include "../tap.h"
#include "alloc_count.h"
#include "audio_meas.h"

#define MAXS (48000 * 14)

static int16_t buf[MAXS];

/* Mix secs of t into silence in device periods of `period` samples (odd sizes on purpose). */
static size_t render(struct tones *t, unsigned rate, double secs, size_t period, unsigned long *allocs)
{
	size_t n = (size_t)(secs * rate), i;

	memset(buf, 0, n * sizeof(*buf));
	for (i = 0; i < n; i += period) {
		size_t k = n - i < period ? n - i : period;
		alloc_count_begin();
		tones_mix(t, buf + i, k);
		if (allocs)
			*allocs += alloc_count_end();
		else
			alloc_count_end();
	}
	return n;
}

/* Edges of sound and silence, per 5 ms block: "on at" / "off at" times in ms, into on[]/off[]. */
static int edges(const int16_t *x, size_t n, unsigned rate, unsigned *on, unsigned *off, int max)
{
	size_t blk = rate / 200, i;
	int was = 0, k = 0, ko = 0;

	for (i = 0; i + blk <= n; i += blk) {
		int is = meas_rms(x + i, blk) > 100;
		if (is && !was && k < max)
			on[k++] = (unsigned)(i * 1000 / rate);
		if (!is && was && ko < max)
			off[ko++] = (unsigned)(i * 1000 / rate);
		was = is;
	}
	return k;
}

static int near_ms(unsigned got, unsigned want)
{
	return got + 10 >= want && got <= want + 10;
}

static void check_ringback(unsigned rate)
{
	struct tones *t = NULL;
	unsigned on[4] = { 0 }, off[4] = { 0 }, allocs = 0;
	unsigned long al = 0;
	size_t n;
	double amp, want = 32767.0 * pow(10.0, -16.0 / 20.0);
	int k;

	tones_alloc(&t);
	is_int(tones_prepare(t, rate), 0, "%u Hz: prepare", rate);
	is_int(tones_current(t), -1, "%u Hz: nothing plays at first", rate);
	tones_play(t, TONES_RINGBACK);
	is_int(tones_current(t), TONES_RINGBACK, "%u Hz: ring-back asked for", rate);
	n = render(t, rate, 11, rate / 50 + 7, &al);
	allocs = (unsigned)al;
	alloc_count_ok(allocs, "%u Hz: tones_mix in 11 s", rate);
	k = edges(buf, n, rate, on, off, 4);
	diag("%u Hz ring-back: on at %u, %u, %u ms; off at %u, %u ms", rate, on[0], on[1], on[2], off[0], off[1]);
	ok(k == 3 && near_ms(on[0], 0) && near_ms(off[0], 1000) && near_ms(on[1], 5000) && near_ms(off[1], 6000) &&
	       near_ms(on[2], 10000),
	   "%u Hz: ring-back cadence 1 s on, 4 s off, repeating", rate);
	amp = meas_goertzel_amp(buf + rate / 10, rate / 2, rate, 425);
	diag("%u Hz: 425 Hz at amplitude %.0f (want %.0f, -16 dBFS)", rate, amp, want);
	ok(fabs(amp - want) < want * 0.05, "%u Hz: ring-back is 425 Hz at -16 dBFS", rate);
	ok(meas_goertzel_amp(buf + rate / 10, rate / 2, rate, 450) < want * 0.05, "%u Hz: ... and no other tone", rate);
	is_int(tones_current(t), TONES_RINGBACK, "%u Hz: still playing (no end by itself)", rate);
	tones_free(t);
}

static void check_ring_and_waiting(void)
{
	struct tones *t = NULL;
	unsigned on[6] = { 0 }, off[6] = { 0 };
	size_t n, q;
	double a800, a1000, amp;
	int k;

	tones_alloc(&t);
	tones_prepare(t, 16000);
	tones_play(t, TONES_RING);
	n = render(t, 16000, 7, 333, NULL);
	k = edges(buf, n, 16000, on, off, 6);
	diag("ring: on at %u, %u ms; off at %u ms", on[0], on[1], off[0]);
	ok(k == 2 && near_ms(off[0], 2000) && near_ms(on[1], 6000), "ringtone cadence 2 s on, 4 s off");
	/* a trill: 800 Hz and 1000 Hz take turns every 50 ms */
	q = 16000 / 20; /* 50 ms */
	a800 = meas_goertzel_amp(buf + 2 * q, q, 16000, 800);
	a1000 = meas_goertzel_amp(buf + 3 * q, q, 16000, 1000);
	diag("ring: 800 Hz %.0f in one 50 ms slot, 1000 Hz %.0f in the next", a800, a1000);
	amp = 32767.0 * pow(10.0, -6.0 / 20.0);
	ok(a800 > amp * 0.9 && a1000 > amp * 0.9 && meas_goertzel_amp(buf + 2 * q, q, 16000, 1000) < amp * 0.1,
	   "ringtone: a trill of 800 and 1000 Hz at -6 dBFS");

	tones_play(t, TONES_WAITING);
	n = render(t, 16000, 6, 320, NULL);
	k = edges(buf, n, 16000, on, off, 6);
	diag("waiting: on at %u, %u, %u ms; off at %u, %u ms", on[0], on[1], on[2], off[0], off[1]);
	ok(k == 4 && near_ms(off[0], 200) && near_ms(on[1], 400) && near_ms(off[1], 600) && near_ms(on[2], 5000) &&
	       near_ms(on[3], 5400),
	   "call-waiting: two 200 ms beeps 200 ms apart, every 5 s");
	ok(meas_goertzel_amp(buf + 800, 1600, 16000, 425) > 4000, "call-waiting beep is 425 Hz");
	tones_free(t);
}

static void check_control(void)
{
	struct tones *t = NULL;
	struct tones_gen g = { 1000, 0, 0, -6.0 };
	struct tones_cadence c = { { 100 }, { 100 }, 1, 3 };
	double full, half;
	size_t i;
	int clipped = 0;

	tones_alloc(&t);
	is_int(tones_set_gen(t, TONES_WAITING, &g, &c), 0, "a generated sound: 1 kHz, 100 ms on/off, 3 cycles");
	tones_prepare(t, 8000);
	is_int(tones_set_gen(t, TONES_WAITING, &g, &c), EBUSY, "sounds cannot change once a device rendered them");

	tones_play(t, TONES_WAITING);
	render(t, 8000, 1, 160, NULL);
	is_int(tones_current(t), -1, "after its 3 cycles the sound has ended by itself");
	ok(meas_rms(buf, 4800) > 1000 && meas_rms(buf + 4800, 8000 - 4800) == 0,
	   "... 3 beeps, then silence");

	/* volume */
	tones_play(t, TONES_RINGBACK);
	render(t, 8000, 0.4, 160, NULL);
	full = meas_goertzel_amp(buf + 800, 2400, 8000, 425);
	is_int(tones_set_volume(t, TONES_RINGBACK, 50), 0, "volume 50");
	is_int(tones_set_volume(t, TONES_RINGBACK, 101), EINVAL, "volume 101 refused");
	render(t, 8000, 0.3, 160, NULL);
	half = meas_goertzel_amp(buf, 2400, 8000, 425);
	diag("425 Hz at volume 100: %.0f, at 50: %.0f", full, half);
	ok(fabs(half / full - 0.5) < 0.02, "volume 50 is half the amplitude (-6 dB): %.3f", half / full);

	/* stop: a fade, then silence */
	tones_stop(t);
	is_int(tones_current(t), -1, "stopped: nothing asked for");
	render(t, 8000, 0.1, 160, NULL);
	ok(meas_rms(buf, 40) > 0 && meas_rms(buf + 40, 800 - 40) == 0, "stop fades out within 5 ms, then silence");
	ok(abs(buf[39]) < 200, "... ending near zero (no click): %d", buf[39]);

	/* mixing onto what plays: added, saturating */
	tones_set_volume(t, TONES_RING, 100);
	tones_play(t, TONES_RING);
	for (i = 0; i < 800; i++)
		buf[i] = 30000;
	tones_mix(t, buf, 800);
	for (i = 0; i < 800; i++)
		if (buf[i] < 0)
			clipped = 1;
	ok(!clipped && buf[400] <= 32767, "mixing onto loud audio saturates instead of wrapping");
	memset(buf, 0, 800 * sizeof(*buf));
	tones_mix(NULL, buf, 800);
	ok(meas_rms(buf, 800) == 0, "tones_mix(NULL) adds nothing");

	/* a device at another rate: the sound asked for starts again there */
	is_int(tones_prepare(t, 48000), 0, "prepare again for 48 kHz (device switched)");
	is_int(tones_current(t), TONES_RING, "the ringtone is still asked for");
	render(t, 48000, 0.2, 960, NULL);
	ok(meas_goertzel_amp(buf + 480, 2400, 48000, 800) > 10000, "and rings from its start at 48 kHz");
	tones_free(t);
}

static void check_bad(void)
{
	struct tones *t = NULL;
	struct tones_gen g = { 425, 0, 0, -10 };
	struct tones_cadence c = { { 100 }, { 100 }, 1, 0 };
	char err[200];

	is_int(tones_alloc(NULL), EINVAL, "alloc(NULL)");
	tones_alloc(&t);
	g.hz1 = 5000;
	is_int(tones_set_gen(t, TONES_RING, &g, &c), EINVAL, "5 kHz refused (not in a telephone band at 8 kHz)");
	g.hz1 = 425;
	g.level_dbfs = 3;
	is_int(tones_set_gen(t, TONES_RING, &g, &c), EINVAL, "+3 dBFS refused");
	g.level_dbfs = -10;
	c.steps = 0;
	is_int(tones_set_gen(t, TONES_RING, &g, &c), EINVAL, "no steps refused");
	c.steps = 1;
	c.on_ms[0] = 0;
	is_int(tones_set_gen(t, TONES_RING, &g, &c), EINVAL, "a step of no sound refused");
	is_int(tones_set_gen(t, TONES_COUNT, &g, &c), EINVAL, "unknown sound refused");
	is_int(tones_play(t, TONES_COUNT), EINVAL, "play unknown sound refused");
	is_int(tones_set_wav(t, TONES_RING, "/nonexistent/ring.wav", 0, 0, err, sizeof(err)), ENOENT,
	       "missing WAV: ENOENT");
	ok(strstr(err, "/nonexistent/ring.wav") != NULL, "... the message names it: %s", err);
	is_int(tones_prepare(t, 22050), EINVAL, "22050 Hz device refused");
	is_str(tones_name(TONES_RINGBACK), "ringback", "tones_name");
	tones_free(t);
	tones_free(NULL);
}

/* A PCM16 WAV at any rate and channel count (wav.c's writer makes only 8 kHz mono). */
static void write_wav(const char *path, unsigned rate, unsigned ch, double hz, double secs, double amp)
{
	FILE *f = fopen(path, "wb");
	uint32_t frames = (uint32_t)(secs * rate), data = frames * ch * 2, v32;
	uint16_t v16;
	uint32_t i, c;

#define W32(x) (v32 = (x), fwrite(&v32, 4, 1, f))
#define W16(x) (v16 = (uint16_t)(x), fwrite(&v16, 2, 1, f))
	fwrite("RIFF", 1, 4, f);
	W32(36 + data);
	fwrite("WAVEfmt ", 1, 8, f);
	W32(16);
	W16(1);
	W16(ch);
	W32(rate);
	W32(rate * ch * 2);
	W16(ch * 2);
	W16(16);
	fwrite("data", 1, 4, f);
	W32(data);
	for (i = 0; i < frames; i++)
		for (c = 0; c < ch; c++)
			W16((int16_t)lrint(amp * sin(2.0 * M_PI * hz * i / rate)));
	fclose(f);
#undef W32
#undef W16
}

static void check_wav(const char *dir)
{
	static const unsigned rates[] = { 8000, 16000, 44100, 48000 };
	char path[600], err[300];
	struct tones *t = NULL;
	unsigned on[4], off[4];
	size_t r, n;
	int k;

	snprintf(path, sizeof(path), "%s/ring48.wav", dir);
	/* 0.5 s of 1 kHz at 48 kHz, stereo */
	write_wav(path, 48000, 2, 1000, 0.5, 12000);
	for (r = 0; r < sizeof(rates) / sizeof(rates[0]); r++) {
		unsigned rate = rates[r];
		unsigned long al = 0;
		double amp;
		tones_alloc(&t);
		is_int(tones_set_wav(t, TONES_RING, path, 1500, 0, err, sizeof(err)), 0,
		       "a 48 kHz stereo WAV as the ringtone, then 1.5 s of silence (%s)", err);
		is_int(tones_prepare(t, rate), 0, "rendered for a %u Hz device", rate);
		tones_set_volume(t, TONES_RING, 50);
		tones_play(t, TONES_RING);
		n = render(t, rate, 4.5, rate / 50, &al);
		k = edges(buf, n, rate, on, off, 4);
		diag("%u Hz: clip on at %u, %u ms, off at %u, %u ms", rate, on[0], on[1], off[0], off[1]);
		ok(k == 3 && near_ms(off[0], 500) && near_ms(on[1], 2000) && near_ms(off[1], 2500) && near_ms(on[2], 4000),
		   "%u Hz: the whole clip (0.5 s), 1.5 s of silence, again", rate);
		amp = meas_goertzel_amp(buf + rate / 10, rate / 4, rate, 1000);
		ok(fabs(amp - 6000) < 300, "%u Hz: its 1 kHz at volume 50: %.0f (12000 in the file)", rate, amp);
		alloc_count_ok(al, "%u Hz: mixing the clip", rate);
		tones_free(t);
		t = NULL;
	}

	/* a WAV with cycles: plays that often, then ends */
	tones_alloc(&t);
	tones_set_wav(t, TONES_WAITING, path, 100, 2, err, sizeof(err));
	tones_prepare(t, 8000);
	tones_play(t, TONES_WAITING);
	render(t, 8000, 2, 160, NULL);
	is_int(tones_current(t), -1, "a clip with 2 cycles ends by itself");
	ok(meas_rms(buf + 8000 * 12 / 10 + 80, 8000 * 8 / 10 - 80) == 0, "... silent after 2 x (0.5 + 0.1) s");
	tones_free(t);

	/* too long: 31 s */
	tones_alloc(&t);
	snprintf(path, sizeof(path), "%s/long.wav", dir);
	write_wav(path, 8000, 1, 440, 31, 1000);
	is_int(tones_set_wav(t, TONES_RING, path, 0, 0, err, sizeof(err)), EFBIG, "a 31 s WAV is refused: EFBIG");
	diag("%s", err);
	ok(strstr(err, "30 s") != NULL, "... the message gives the limit");
	snprintf(path, sizeof(path), "%s/empty.wav", dir);
	write_wav(path, 8000, 1, 440, 0, 1000);
	is_int(tones_set_wav(t, TONES_RING, path, 0, 0, err, sizeof(err)), ENODATA, "an empty WAV is refused: ENODATA");
	snprintf(path, sizeof(path), "%s/bad.wav", dir);
	write_wav(path, 22050, 1, 440, 0.1, 1000);
	is_int(tones_set_wav(t, TONES_RING, path, 0, 0, err, sizeof(err)), ENOTSUP, "a 22.05 kHz WAV: ENOTSUP");
	diag("%s", err);
	tones_free(t);
}

/* tone.c's libm-free sin and 10^(dB/20) against libm's (this test links libm; sphone does not) */
static void check_math(void)
{
	double worst = 0, wgain = 0;

	for (int i = -200000; i <= 200000; i++) {
		double x = i * 1e-4, d = fabs(tone_sin(x) - sin(x));
		if (d > worst)
			worst = d;
	}
	ok(worst < 1e-14, "tone_sin within 1e-14 of sin on [-20, 20] (worst %.3g)", worst);
	for (int i = -1200; i <= 200; i++) {
		double db = i * 0.1, d = fabs(tone_db_gain(db) / pow(10.0, db / 20.0) - 1);
		if (d > wgain)
			wgain = d;
	}
	ok(wgain < 1e-13, "tone_db_gain within 1e-13 (relative) of 10^(dB/20) on [-120, 20] dB (worst %.3g)", wgain);
	ok(tone_db_gain(-500) == 0, "below -400 dB: 0");
}

int main(void)
{
	char dir[] = "/tmp/test_tones.XXXXXX";
	char cmd[300];

	check_math();
	check_ringback(8000);
	check_ringback(44100);
	check_ringback(48000);
	check_ring_and_waiting();
	check_control();
	check_bad();
	if (mkdtemp(dir)) {
		check_wav(dir);
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			diag("could not remove %s", dir);
	} else {
		ok(0, "mkdtemp");
	}
	return tap_done();
}
