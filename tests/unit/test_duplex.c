/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_duplex.c: a sound device's period work (audio/duplex.c) in a simulated room: echo return loss
 * enhancement of far-end speech, near-end speech through double talk, tones, and no allocation. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duplex.h"
#include "resamp.h"
#include "ring.h"
#include "tones.h"
#include "../tap.h"
#include "alloc_count.h"
#include "audio_meas.h"
#include "room_sim.h"
#include "speechlike.h"

/*
 * The call: 0-8 s the far end talks alone (the canceller converges), 8-11 s both talk (double
 * talk: the near end must come through, the canceller must not diverge), 11-14 s the far end alone
 * again, 14-16 s the near end alone. The room: 48 ms from speaker to microphone (two 20 ms
 * periods of device latency and 8 ms of air), a 80 ms response, the direct path at -6 dB, a noise
 * floor at rms 30 (-61 dBFS).
 */
#define SECS 16
#define DT_FROM 8
#define DT_TO 11
#define NEAR_FROM 14
#define R8 8000
#define WIN 4000 /* ERLE windows: 0.5 s */
#define AEC_FRAME_TEST 80 /* duplex.c's AEC_FRAME */
#define ERLE_MIN 15.0

struct run {
	unsigned rate;
	int16_t *far8, *near8;     /* what the far end sent, what the near talker said (8 kHz) */
	int16_t *cap, *raw;        /* capture ring with the canceller, and without (same microphone) */
	size_t ncap, nraw;
	unsigned long allocs;      /* allocator calls inside duplex_run */
	struct audev_stats st;
	int out_same;              /* the canceller left playback alone */
};

static void run_free(struct run *r)
{
	free(r->far8);
	free(r->near8);
	free(r->cap);
	free(r->raw);
}

/* The near talker at the device rate (resampled as a microphone would not, but it is only a source). */
static int16_t *upsample(const int16_t *x, size_t n, unsigned rate, size_t *outn)
{
	struct resamp *rs = NULL;
	size_t cap = n * (rate / R8 + 1) + 64, il = n, ol = cap;
	int16_t *o = calloc(cap, sizeof(*o));

	if (rate == R8) {
		memcpy(o, x, n * sizeof(*o));
		*outn = n;
		return o;
	}
	resamp_alloc(&rs, R8, rate, -1);
	resamp_process(rs, x, &il, o, &ol);
	resamp_free(rs);
	*outn = (size_t)n * rate / R8; /* the filter's delay at the end: zeros from calloc */
	return o;
}

static void drain(struct ring *cap, int16_t *dst, size_t *n, size_t max)
{
	size_t k = ring_avail(cap);

	if (*n + k > max)
		k = max - *n;
	*n += ring_read(cap, dst + *n, k);
}

/* The first secs of the call through two devices fed the same microphone: one cancels echo (tail_ms), one
   does not. */
static void simulate(struct run *res, unsigned rate, unsigned secs, unsigned tail_ms, struct tones *tones)
{
	struct ring *cap[2] = { NULL, NULL }, *play[2] = { NULL, NULL };
	struct duplex *dx[2] = { NULL, NULL };
	struct duplex_prm prm;
	struct speechlike far, near;
	struct room room;
	size_t n8 = (size_t)SECS * R8, period = rate / 50, nearn = 0, k, f8 = 0;
	int16_t *nearR, *mic = calloc(period, sizeof(*mic)), *out[2];
	static const int16_t zero[320];
	int i;

	memset(res, 0, sizeof(*res));
	res->rate = rate;
	res->far8 = calloc(n8, sizeof(int16_t));
	res->near8 = calloc(n8, sizeof(int16_t));
	res->cap = calloc(n8, sizeof(int16_t));
	res->raw = calloc(n8, sizeof(int16_t));
	out[0] = calloc(period, sizeof(int16_t));
	out[1] = calloc(period, sizeof(int16_t));
	speechlike_init(&far, R8, 11, 120, 3000);
	speechlike_fill(&far, res->far8, (size_t)DT_TO * R8 + (size_t)(NEAR_FROM - DT_TO) * R8);
	speechlike_init(&near, R8, 23, 210, 1500);
	speechlike_fill(&near, res->near8 + (size_t)DT_FROM * R8, (size_t)(DT_TO - DT_FROM) * R8);
	speechlike_fill(&near, res->near8 + (size_t)NEAR_FROM * R8, (size_t)(SECS - NEAR_FROM) * R8);
	nearR = upsample(res->near8, n8, rate, &nearn);
	room_init(&room, rate, 48, 0.5, 30, 5, SECS);

	for (i = 0; i < 2; i++) {
		ring_alloc(&cap[i], 160 * 16);
		ring_alloc(&play[i], 160 * 16);
		memset(&prm, 0, sizeof(prm));
		prm.dev_rate = rate;
		prm.in_ch = prm.out_ch = 1;
		prm.cap = cap[i];
		prm.play = play[i];
		prm.frame = 160;
		prm.echo_tail_ms = i == 0 ? tail_ms : 0;
		prm.tones = i == 0 ? tones : NULL;
		if (duplex_alloc(&dx[i], &prm) != 0)
			goto out;
		/* the owner keeps two frames queued, as call.c does */
		ring_write(play[i], zero, 320);
	}
	res->out_same = 1;
	for (k = 0; (k + 1) * period <= (size_t)secs * rate; k++) {
		for (i = 0; i < 2; i++)
			if (!tones)
				ring_write(play[i], res->far8 + f8, 160);
		f8 += 160;
		room_mic(&room, mic, k * period + period <= nearn ? nearR + k * period : NULL, period);
		for (i = 0; i < 2; i++) {
			alloc_count_begin();
			duplex_run(dx[i], mic, out[i], period);
			res->allocs += alloc_count_end();
		}
		if (memcmp(out[0], out[1], period * sizeof(int16_t)) && !tones)
			res->out_same = 0;
		room_play(&room, out[0], period);
		drain(cap[0], res->cap, &res->ncap, n8);
		drain(cap[1], res->raw, &res->nraw, n8);
	}
	duplex_stats(dx[0], &res->st);
out:
	for (i = 0; i < 2; i++) {
		duplex_free(dx[i]);
		ring_free(cap[i]);
		ring_free(play[i]);
		free(out[i]);
	}
	room_free(&room);
	free(nearR);
	free(mic);
}

/* Echo return loss enhancement over [from, to) s: echo power in, residual out, where the far end speaks. */
static double erle(const struct run *r, double from, double to, size_t lag)
{
	double in = 0, out = 0;
	size_t w, i;

	for (w = (size_t)(from * R8); w + WIN <= (size_t)(to * R8) && w + WIN + lag <= r->ncap; w += WIN) {
		double a = meas_rms(r->raw + w, WIN);
		if (a < 300) /* a pause of the far talker: nothing to cancel */
			continue;
		for (i = 0; i < WIN; i++) {
			in += (double)r->raw[w + i] * r->raw[w + i];
			out += (double)r->cap[w + lag + i] * r->cap[w + lag + i];
		}
	}
	return 10.0 * log10((in + 1) / (out + 1));
}

/* The call at a device rate; only its first 8 s (far end alone) unless full. */
static void check_call(unsigned rate, double secs_to_converge, bool full)
{
	struct run r;
	size_t lag_raw = 0, lag_cap = 0, lag = 160, w, dt = (size_t)DT_FROM * R8, dtn = (size_t)(DT_TO - DT_FROM) * R8;
	size_t ns = (size_t)NEAR_FROM * R8, nsn = (size_t)(SECS - NEAR_FROM) * R8;
	unsigned secs = full ? SECS : DT_FROM;
	double steady, after, conv = -1, c_cap, c_raw, c_near = 0, c_alone = 0, keep;
	int16_t *hp = NULL;
	char line[400];
	int len = 0;

	simulate(&r, rate, secs, 200, NULL);
	ok(r.ncap >= (size_t)(secs - 1) * R8 && r.nraw >= (size_t)(secs - 1) * R8,
	   "%u Hz: %zu samples captured with the canceller, %zu without", rate, r.ncap, r.nraw);
	is_int(r.st.echo_tail_ms, 200, "%u Hz: the device reports its canceller's tail", rate);
	is_int(r.st.echo_slips, 0, "%u Hz: capture and reference stayed in step (no slips)", rate);
	alloc_count_ok(r.allocs, "duplex_run at %u Hz in %u s of periods", rate, secs);
	ok(r.out_same, "%u Hz: playback is the same with and without the canceller", rate);

	/*
	 * The canceller's own delay: where the near talker (alone, 14-16 s) shows up in each capture.
	 * speexdsp's canceller takes DC out with a notch that also takes most of what is below ~200 Hz
	 * (a telephone passes 300-3400 Hz anyway), so the talker is compared with itself through a
	 * 200 Hz high-pass: what is measured is what the canceller does to the voice, not that notch.
	 */
	if (full) {
		hp = malloc((size_t)SECS * R8 * sizeof(*hp));
		memcpy(hp, r.near8, (size_t)SECS * R8 * sizeof(*hp));
		meas_highpass(hp, (size_t)SECS * R8, R8, 200);
		c_alone = meas_xcorr(hp + ns, r.raw + ns, nsn - 400, 400, &lag_raw);
		c_near = meas_xcorr(hp + ns, r.cap + ns, nsn - 400, 400, &lag_cap);
		lag = lag_cap > lag_raw ? lag_cap - lag_raw : 0;
		diag("%u Hz: the canceller delays capture by %zu samples (%.1f ms)", rate, lag, lag / 8.0);
		ok(lag <= 2 * 160, "%u Hz: ... at most two canceller frames (%zu samples)", rate, lag);
	}

	for (w = 0; w + 1 <= (size_t)DT_FROM * 2; w++) {
		if (meas_rms(r.raw + w * WIN, WIN) < 300)
			len += snprintf(line + len, sizeof(line) - (size_t)len, " -");
		else
			len += snprintf(line + len, sizeof(line) - (size_t)len, " %.0f",
					erle(&r, w / 2.0, w / 2.0 + 0.5, lag));
	}
	diag("%u Hz: ERLE per 0.5 s, 0-8 s (dB; - the far end pauses):%s", rate, line);
	/* converged: from this window on, every window where the far end speaks is above ERLE_MIN */
	for (w = (size_t)DT_FROM * 2; w-- > 0;) {
		double a = meas_rms(r.raw + w * WIN, WIN);
		if (a >= 300 && erle(&r, w / 2.0, w / 2.0 + 0.5, lag) < ERLE_MIN) {
			conv = (w + 1) / 2.0;
			break;
		}
	}
	if (conv < 0)
		conv = 0;
	steady = erle(&r, 3, DT_FROM, lag);
	diag("%u Hz: ERLE %.1f dB at steady state (3-8 s); above %.0f dB from %.1f s on", rate, steady, ERLE_MIN, conv);
	ok(conv <= secs_to_converge, "%u Hz: ERLE above %.0f dB from %.1f s on (bound %.1f s)", rate, ERLE_MIN, conv,
	   secs_to_converge);
	ok(steady >= ERLE_MIN, "%u Hz: steady-state ERLE %.1f dB >= %.0f dB", rate, steady, ERLE_MIN);
	if (!full) {
		run_free(&r);
		return;
	}
	after = erle(&r, DT_TO + 0.5, NEAR_FROM, lag);
	diag("%u Hz: ERLE %.1f dB after double talk (11.5-14 s)", rate, after);
	ok(after >= ERLE_MIN, "%u Hz: ERLE %.1f dB after double talk: the canceller did not diverge", rate, after);

	/* double talk: the near talker comes through the canceller */
	c_cap = meas_corr(hp + dt, r.cap + dt + lag_cap, dtn - 400);
	c_raw = meas_corr(hp + dt, r.raw + dt + lag_raw, dtn - 400);
	diag("%u Hz: double talk: near-end correlation %.3f after the canceller (%.3f unfiltered), %.3f in the "
	     "microphone",
	     rate, c_cap, meas_corr(r.near8 + dt, r.cap + dt + lag_cap, dtn - 400), c_raw);
	ok(c_cap >= 0.9 && c_cap > c_raw, "%u Hz: near-end speech survives double talk (correlation %.3f >= 0.9, "
	   "and above the microphone's %.3f)", rate, c_cap, c_raw);
	keep = meas_db(meas_rms(r.cap + ns + lag_cap, nsn - 400), meas_rms(hp + ns, nsn - 400));
	diag("%u Hz: near end alone: correlation %.3f (microphone %.3f), level %+.1f dB", rate, c_near, c_alone, keep);
	ok(c_near >= 0.95 && fabs(keep) <= 3, "%u Hz: near end alone passes (correlation %.3f, %+.1f dB)", rate,
	   c_near, keep);
	free(hp);
	run_free(&r);
}

/*
 * The control: a canceller whose tail (20 ms) is shorter than the room's delay (48 ms) models no
 * echo at all; what it takes off is the suppressor's doing. The same measure must say so.
 */
static void check_short_tail(void)
{
	struct run r;
	double e;

	simulate(&r, 8000, DT_FROM, 20, NULL);
	e = erle(&r, 3, DT_FROM, 160);
	diag("8000 Hz, 20 ms tail for a 48 ms echo: ERLE %.1f dB (3-8 s)", e);
	ok(e < ERLE_MIN - 5, "a tail shorter than the echo's delay cancels little: %.1f dB < %.0f dB", e,
	   ERLE_MIN - 5);
	run_free(&r);
}

/*
 * The tone player's sound is part of what the speaker plays, so it is part of the canceller's
 * reference: a ringtone played during a call does not go back to the far end through the
 * microphone. The ringtone's second burst (6-8 s) with the canceller and without.
 */
static void check_tones(void)
{
	struct tones *t = NULL;
	struct run r;
	size_t from = (size_t)(6.2 * R8), n = (size_t)(1.6 * R8);
	double raw, cap, e;

	tones_alloc(&t);
	tones_play(t, TONES_RING);
	simulate(&r, 48000, DT_FROM, 200, t);
	alloc_count_ok(r.allocs, "duplex_run with a ringtone playing");
	raw = meas_rms(r.raw + from, n);
	cap = meas_rms(r.cap + from + 160, n);
	e = meas_db(raw, cap);
	diag("ringtone heard by the microphone: rms %.0f, after the canceller %.0f: %.1f dB", raw, cap, e);
	ok(raw > 1000 && e >= ERLE_MIN, "the ringtone's echo is cancelled too (%.1f dB >= %.0f dB)", e, ERLE_MIN);
	run_free(&r);
	tones_free(t);
}

/*
 * A device period's capture is a whole 20 ms frame in the ring at the end of that period, so the
 * owner sends it at once, and a click in the period comes out in that period's frame, later by the
 * resampler's filter only (3 ms). With the filter primed the ring held 136 samples after the first
 * period and each frame waited for the next period's last 24 samples: 20 ms more mouth-to-ear delay.
 * With the canceller the click is later by its preprocessor's frame too (an overlap-add over two
 * frames delays by one): AEC_FRAME, 10 ms; it was 20 ms with 160-sample frames.
 */
static void check_period_frame(unsigned rate, unsigned tail_ms)
{
	struct ring *cap = NULL, *play = NULL;
	struct duplex *d = NULL;
	struct duplex_prm prm = { 0 };
	size_t period = rate / 50, k, n, whole = 0, peak_at = 0, click = 5 * 160 + 80;
	int16_t *mic = calloc(period, sizeof(*mic)), *out = calloc(period, sizeof(*out)), frame[160];
	int peak = 0;
	double late;

	ring_alloc(&cap, 160 * 16);
	ring_alloc(&play, 160 * 16);
	prm.dev_rate = rate;
	prm.in_ch = prm.out_ch = 1;
	prm.cap = cap;
	prm.play = play;
	prm.frame = 160;
	prm.echo_tail_ms = tail_ms;
	if (!mic || !out || !cap || !play || duplex_alloc(&d, &prm) != 0) {
		ok(0, "%u Hz: set-up", rate);
		goto out;
	}
	for (k = 0; k < 10; k++) {
		memset(mic, 0, period * sizeof(*mic));
		if (k == 5)
			mic[period / 2] = 30000; /* 10 ms into period 5 */
		duplex_run(d, mic, out, period);
		/* as the owner does: every whole frame there is, now */
		memset(frame, 0, sizeof(frame));
		for (n = 0; ring_avail(cap) >= 160; n++)
			ring_read(cap, frame, 160);
		if (n == 1 && ring_avail(cap) == 0)
			whole++;
		for (size_t i = 0; k >= 5 && n && i < 160; i++) {
			if (abs(frame[i]) > peak) {
				peak = abs(frame[i]);
				peak_at = k * 160 + i; /* the frame the owner took after period k */
			}
		}
	}
	late = ((double)peak_at - (double)click) / 8;
	ok(whole == 10, "%u Hz%s: each period gives one whole frame, nothing left over (%zu of 10 periods)", rate,
	   tail_ms ? " with the canceller" : "", whole);
	if (!tail_ms)
		ok(peak > 1000 && late >= 0 && late <= 4,
		   "%u Hz: a click 10 ms into a period is in that period's frame %.1f ms later (peak %d)", rate, late,
		   peak);
	else
		ok(peak > 1000 && late >= 0 && late <= 3 + 1000.0 * AEC_FRAME_TEST / 8000 + 1,
		   "%u Hz with the canceller: a click comes out %.1f ms later: the filter's 3 ms and one canceller "
		   "frame (%u samples) (peak %d)", rate, late, AEC_FRAME_TEST, peak);
out:
	duplex_free(d);
	ring_free(cap);
	ring_free(play);
	free(mic);
	free(out);
}

int main(void)
{
	struct duplex *d = NULL;
	struct duplex_prm prm = { 0 };
	struct ring *cap = NULL, *play = NULL;
	struct resamp *rs = NULL;

	/* the counter counts */
	if (alloc_count_live()) {
		ok(1, "allocation counter sees a malloc and a free");
		/* and what a shared library allocates (libspeexdsp, as the canceller would) */
		alloc_count_begin();
		resamp_alloc(&rs, 48000, 8000, -1);
		resamp_free(rs);
		ok(alloc_count_end() >= 2, "allocation counter sees libspeexdsp's allocations");
	} else {
		diag("allocations are not counted here (valgrind replaces the allocator): those checks are skipped");
	}

	ring_alloc(&cap, 1024);
	ring_alloc(&play, 1024);
	prm.dev_rate = 22050;
	prm.in_ch = prm.out_ch = 1;
	prm.cap = cap;
	prm.play = play;
	is_int(duplex_alloc(&d, &prm), EINVAL, "22050 Hz refused");
	prm.dev_rate = 8000;
	prm.in_ch = prm.out_ch = 0;
	is_int(duplex_alloc(&d, &prm), EINVAL, "no direction refused");
	prm.in_ch = 3;
	is_int(duplex_alloc(&d, &prm), EINVAL, "3 channels refused");
	ok(d == NULL, "out-parameter untouched on error");
	ring_free(cap);
	ring_free(play);
	duplex_free(NULL);

	check_call(8000, 3.0, true);
	check_call(48000, 3.0, true);
	check_call(44100, 3.0, false);
	check_short_tail();
	check_tones();
	check_period_frame(48000, 0);
	check_period_frame(44100, 0);
	check_period_frame(48000, 200);
	return tap_done();
}
