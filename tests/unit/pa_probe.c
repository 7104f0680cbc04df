/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pa_probe.c: drives audio/dev_pa for tests/pa_jack.sh: lists devices, or opens one, plays a tone,
 * captures for a while and prints measured figures as "key value" lines. */
/*
 * The run lasts SECONDS of *device* time (SECONDS * 50 callbacks of 20 ms), not of wall-clock time: a
 * JACK dummy server on a loaded machine runs its clock late, and what dev_pa answers for is what
 * happens per callback (frames per period, resampling ratio, rings, wakes), not how punctual the
 * server is. Wall-clock rates are printed too. With --loopback the run also waits for SIGUSR1 (the
 * test wired our output to our input) and then for one more device second before it measures the
 * tone. Wall-clock limit: 60 s (then "timeout 1").
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
#include "audio_meas.h"

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

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct audev *ad = NULL;
	struct audev_prm prm = { 0 };
	struct audev_stats st, s0 = { 0 };
	double ts0 = 0;
	struct tone t;
	static int16_t cap[8000 * 10];
	size_t ncap = 0, nread = 0;
	double secs = 2.0, t0, t1;
	uint64_t want, wired_at = 0;
	int r, loopback = 0, timeout = 0;

	if (argc > 1 && strcmp(argv[1], "--list") == 0) {
		r = audev_pa_list(print_dev, NULL);
		if (r)
			fprintf(stderr, "pa_probe: list: %s\n", audev_pa_errmsg());
		return r ? 1 : 0;
	}
	if (argc > 1 && strcmp(argv[1], "--loopback") == 0) {
		loopback = 1;
		argc--;
		argv++;
		signal(SIGUSR1, on_usr1);
	}
	if (argc < 3) {
		fprintf(stderr, "usage: pa_probe --list | pa_probe [--loopback] CAPTURE PLAYBACK [SECONDS]\n");
		return 2;
	}
	prm.capture = argv[1];
	prm.playback = argv[2];
	if (argc > 3)
		secs = atof(argv[3]);
	if (secs <= 0 || secs > 10)
		secs = 2.0;
	want = (uint64_t)(secs * 50 + 0.5);
	prm.frame = 160;
	/* 1 s each way: the owner (this loop) may be descheduled for a while on a loaded machine */
	prm.ring_frames = 50;
	prm.wake = on_wake;
	r = audev_open(&ad, &audev_pa_ops, &prm);
	if (r) {
		printf("open_error %d %s\n", r, audev_pa_errmsg());
		return 1;
	}
	printf("opened 1\n");
	tone_sine(&t, 8000, 440, 8000);
	if ((r = audev_start(ad)) != 0) {
		printf("start_error %d %s\n", r, audev_pa_errmsg());
		audev_close(ad);
		return 1;
	}
	t0 = now_s();
	for (;;) {
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		int16_t frame[160];
		/* keep the playback ring topped up with the tone, drain capture */
		while (ring_space(audev_playback_ring(ad)) >= 160) {
			tone_fill(&t, frame, 160);
			ring_write(audev_playback_ring(ad), frame, 160);
		}
		while (ring_avail(audev_capture_ring(ad)) >= 160) {
			ring_read(audev_capture_ring(ad), frame, 160);
			nread += 160;
			if (ncap + 160 <= sizeof(cap) / sizeof(cap[0])) {
				memcpy(cap + ncap, frame, sizeof(frame));
				ncap += 160;
			} else {
				/* keep the latest: the loopback tone is measured at the end */
				memmove(cap, cap + 160, (ncap - 160) * sizeof(cap[0]));
				memcpy(cap + ncap - 160, frame, sizeof(frame));
			}
		}
		nanosleep(&ts, NULL);
		t1 = now_s();
		audev_stats(ad, &st);
		/* rates are measured from callback 25 (0.5 s of device time) on, after the stream settled */
		if (!ts0 && st.callbacks >= 25) {
			s0 = st;
			ts0 = t1;
		}
		if (loopback && wired && !wired_at)
			wired_at = st.callbacks;
		if (st.callbacks >= want && (!loopback || (wired_at && st.callbacks >= wired_at + 50)))
			break;
		if (t1 - t0 > 60) {
			timeout = 1;
			break;
		}
	}
	audev_stats(ad, &st);
	audev_stop(ad);
	audev_close(ad);
	if (!ts0)
		ts0 = t0;

	printf("seconds %.3f\n", t1 - t0);
	printf("timeout %d\n", timeout);
	printf("dev_rate %u\n", st.dev_rate);
	printf("callbacks %llu\n", (unsigned long long)st.callbacks);
	printf("dev_frames %llu\n", (unsigned long long)st.dev_frames);
	printf("cap_samples %llu\n", (unsigned long long)st.cap_samples);
	printf("play_samples %llu\n", (unsigned long long)st.play_samples);
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
	return 0;
}
