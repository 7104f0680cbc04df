/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pa_probe.c: drives audio/dev_pa for tests/pa_jack.sh: lists devices, or opens one, plays a tone, speech
 * or a tone player's sound, captures for a while and prints measured figures as "key value" lines. */
/*
 * The run lasts SECONDS of *device* time (SECONDS * 50 callbacks of 20 ms), not of wall-clock time: a
 * JACK dummy server on a loaded machine runs its clock late, and what dev_pa answers for is what
 * happens per callback (frames per period, resampling ratio, rings, wakes), not how punctual the
 * server is. Wall-clock rates are printed too. With --loopback the run also waits for SIGUSR1 (the
 * test wired our output to our input) and then for one more device second before it measures the
 * tone. Wall-clock limit: 60 s (then "timeout 1").
 *
 * --echo on|off|auto sets the echo canceller (default off: the loopback is to come back whole);
 * --signal tone|speech|ringback: a 440 Hz tone or speech-like audio through the playback ring, or
 * nothing in the ring and the tone player's ring-back (425 Hz, 400 ms on / 600 ms off here),
 * started when the loopback is wired; --after S: device seconds to run once wired (default 1).
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audev.h"
#include "tone.h"
#include "tones.h"
#include "audio_meas.h"
#include "speechlike.h"

static atomic_uint wakes;
static volatile sig_atomic_t wired;

static void on_usr1(int sig)
{
	(void)sig;
	wired = 1;
}

static void on_wake(void *arg)
{
	(void)arg;
	atomic_fetch_add_explicit(&wakes, 1, memory_order_relaxed);
}

static void print_dev(const struct audev_info *i, void *arg)
{
	(void)arg;
	printf("device %d \"%s\" api \"%s\" in %d out %d rate %.0f%s%s\n", i->index, i->name, i->host_api, i->max_in,
	       i->max_out, i->default_rate, i->is_default_in ? " default-in" : "",
	       i->is_default_out ? " default-out" : "");
}

/* Append one frame to a buffer that keeps the latest 10 s. */
static void keep_latest(int16_t *buf, size_t *n, const int16_t *frame)
{
	const size_t cap = 8000 * 10;

	if (*n + 160 > cap) {
		memmove(buf, buf + 160, (*n - 160) * sizeof(*buf));
		*n -= 160;
	}
	memcpy(buf + *n, frame, 160 * sizeof(*buf));
	*n += 160;
}

static void signal_h(int sig, void (*h)(int))
{
	signal(sig, h);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Edges of the 425 Hz tone in x, per 50 ms block, as "on@MS off@MS ..." from the first block. */
static void print_pattern(const int16_t *x, size_t n)
{
	size_t blk = 400, i;
	int was = 0;

	printf("tone_edges");
	for (i = 0; i + blk <= n; i += blk) {
		int is = meas_goertzel_amp(x + i, blk, 8000, 425) > 1000;
		if (is != was)
			printf(" %s@%zu", is ? "on" : "off", i / 8);
		was = is;
	}
	printf("\n");
}

int main(int argc, char **argv)
{
	struct audev *ad = NULL;
	struct audev_prm prm = { 0 };
	struct audev_stats st, s0 = { 0 };
	double ts0 = 0;
	struct tone t;
	struct speechlike sp;
	struct tones *player = NULL;
	static int16_t cap[8000 * 10], far[8000 * 10];
	size_t ncap = 0, nread = 0, nfar = 0, cap_at_wire = 0;
	double secs = 2.0, after = 1.0, t0, t1;
	uint64_t want, wired_at = 0;
	int r, loopback = 0, timeout = 0, tone_started = 0, speech;
	const char *signal = "tone";

	if (argc > 1 && strcmp(argv[1], "--list") == 0) {
		r = audev_pa_list(print_dev, NULL);
		if (r)
			fprintf(stderr, "pa_probe: list: %s\n", audev_pa_errmsg());
		return r ? 1 : 0;
	}
	prm.echo = AUDEV_ECHO_OFF;
	while (argc > 2 && strncmp(argv[1], "--", 2) == 0) {
		if (strcmp(argv[1], "--loopback") == 0) {
			loopback = 1;
			signal_h(SIGUSR1, on_usr1);
			argc--;
			argv++;
			continue;
		}
		if (strcmp(argv[1], "--echo") == 0)
			prm.echo = strcmp(argv[2], "on") == 0 ? AUDEV_ECHO_ON :
				   strcmp(argv[2], "auto") == 0 ? AUDEV_ECHO_AUTO : AUDEV_ECHO_OFF;
		else if (strcmp(argv[1], "--signal") == 0)
			signal = argv[2];
		else if (strcmp(argv[1], "--after") == 0)
			after = atof(argv[2]);
		else
			break;
		argc -= 2;
		argv += 2;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: pa_probe --list | pa_probe [--loopback] [--echo on|off|auto] "
				"[--signal tone|speech|ringback] [--after S] CAPTURE PLAYBACK [SECONDS]\n");
		return 2;
	}
	prm.capture = argv[1];
	prm.playback = argv[2];
	if (argc > 3)
		secs = atof(argv[3]);
	if (secs <= 0 || secs > 10)
		secs = 2.0;
	if (after <= 0 || after > 9)
		after = 1.0;
	want = (uint64_t)(secs * 50 + 0.5);
	speech = strcmp(signal, "speech") == 0;
	prm.frame = 160;
	/* 1 s each way: the owner (this loop) may be descheduled for a while on a loaded machine */
	prm.ring_frames = 50;
	prm.wake = on_wake;
	if (strcmp(signal, "ringback") == 0) {
		struct tones_gen g = { 425, 0, 0, -16.0 };
		struct tones_cadence c = { { 400 }, { 600 }, 1, 0 };
		if (tones_alloc(&player) || tones_set_gen(player, TONES_RINGBACK, &g, &c))
			return 1;
		prm.tones = player;
	}
	r = audev_open(&ad, &audev_pa_ops, &prm);
	if (r) {
		printf("open_error %d %s\n", r, audev_pa_errmsg());
		tones_free(player);
		return 1;
	}
	printf("opened 1\n");
	tone_sine(&t, 8000, 440, 8000);
	speechlike_init(&sp, 8000, 11, 120, 3000);
	if ((r = audev_start(ad)) != 0) {
		printf("start_error %d %s\n", r, audev_pa_errmsg());
		audev_close(ad);
		tones_free(player);
		return 1;
	}
	t0 = now_s();
	for (;;) {
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		int16_t frame[160];
		/* keep the playback ring topped up with the signal, drain capture */
		/* speech: a few frames queued, as a call keeps it, so what is written is soon played */
		while (!player && ring_space(audev_playback_ring(ad)) >= 160 &&
		       (!speech || ring_avail(audev_playback_ring(ad)) < 4 * 160)) {
			if (speech)
				speechlike_fill(&sp, frame, 160);
			else
				tone_fill(&t, frame, 160);
			ring_write(audev_playback_ring(ad), frame, 160);
			keep_latest(far, &nfar, frame);
		}
		while (ring_avail(audev_capture_ring(ad)) >= 160) {
			ring_read(audev_capture_ring(ad), frame, 160);
			nread += 160;
			if (cap_at_wire)
				cap_at_wire -= ncap == sizeof(cap) / sizeof(cap[0]) ? 160 : 0;
			keep_latest(cap, &ncap, frame);
		}
		nanosleep(&ts, NULL);
		t1 = now_s();
		audev_stats(ad, &st);
		/* rates are measured from callback 25 (0.5 s of device time) on, after the stream settled */
		if (!ts0 && st.callbacks >= 25) {
			s0 = st;
			ts0 = t1;
		}
		if (loopback && wired && !wired_at) {
			wired_at = st.callbacks;
			cap_at_wire = ncap ? ncap : 1;
			if (player && !tone_started) {
				tones_play(player, TONES_RINGBACK);
				tone_started = 1;
			}
		}
		if (st.callbacks >= want &&
		    (!loopback || (wired_at && st.callbacks >= wired_at + (uint64_t)(after * 50 + 0.5))))
			break;
		if (t1 - t0 > 60) {
			timeout = 1;
			break;
		}
	}
	audev_stats(ad, &st);
	audev_stop(ad);
	audev_close(ad);
	tones_free(player);
	if (!ts0)
		ts0 = t0;

	printf("seconds %.3f\n", t1 - t0);
	printf("timeout %d\n", timeout);
	printf("dev_rate %u\n", st.dev_rate);
	printf("callbacks %llu\n", (unsigned long long)st.callbacks);
	printf("dev_frames %llu\n", (unsigned long long)st.dev_frames);
	printf("cap_samples %llu\n", (unsigned long long)st.cap_samples);
	printf("play_samples %llu\n", (unsigned long long)st.play_samples);
	printf("echo_tail_ms %u\n", st.echo_tail_ms);
	printf("echo_slips %llu\n", (unsigned long long)st.echo_slips);
	printf("latency_ms %u %u\n", st.in_latency_ms, st.out_latency_ms);
	/* per device time: exact properties of the callback path, whatever the server's punctuality */
	if (st.callbacks > s0.callbacks && st.dev_frames > s0.dev_frames) {
		printf("frames_per_callback %.2f\n",
		       (double)(st.dev_frames - s0.dev_frames) / (double)(st.callbacks - s0.callbacks));
		printf("cap_per_dev_second %.1f\n", (double)(st.cap_samples - s0.cap_samples) * st.dev_rate /
							  (double)(st.dev_frames - s0.dev_frames));
		printf("play_per_dev_second %.1f\n", (double)(st.play_samples - s0.play_samples) * st.dev_rate /
							   (double)(st.dev_frames - s0.dev_frames));
	}
	/* per wall-clock second: how punctual the server was (informational on a loaded machine) */
	if (t1 > ts0) {
		printf("callbacks_per_sec %.1f\n", (st.callbacks - s0.callbacks) / (t1 - ts0));
		printf("dev_frames_per_sec %.1f\n", (st.dev_frames - s0.dev_frames) / (t1 - ts0));
	}
	printf("cap_read %zu\n", nread);
	printf("wakes %u\n", atomic_load(&wakes));
	printf("cap_overruns %llu\n", (unsigned long long)st.cap_overruns);
	printf("play_underruns %llu\n", (unsigned long long)st.play_underruns);
	/* loopback check (when the test wired our output to our input): the tone comes back */
	if (ncap > 8000)
		printf("cap_440hz_amp %.0f\n", meas_goertzel_amp(cap + ncap - 4000, 4000, 8000, 440));
	/* speech: what was sent and what came back over the last 2 s (the loopback's gain is 1) */
	if (speech && ncap >= 20000 && nfar >= ncap && nfar < 8000 * 10) {
		size_t lag = 0, base = ncap - 16000;
		/* both buffers hold everything since the start here (< 10 s): index k of far comes back at
		   k + lag in cap, lag being the queue, the device and the loopback */
		double c = meas_xcorr(far + base - 4000, cap + base - 4000, 16000, 4000, &lag);
		printf("far_rms %.1f\n", meas_rms(far + base, 16000));
		printf("cap_rms %.1f\n", meas_rms(cap + base, 16000));
		printf("echo_corr %.3f\n", c);
		printf("echo_lag_ms %.1f\n", lag / 8.0);
	}
	if (player && cap_at_wire && ncap > cap_at_wire)
		print_pattern(cap + cap_at_wire - 1, ncap - (cap_at_wire - 1));
	return 0;
}
