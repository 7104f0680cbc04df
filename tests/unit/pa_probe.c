/* pa_probe.c: drives audio/dev_pa for tests/pa_jack.sh: lists devices, or opens one, plays a tone,
 * captures for a while and prints measured figures as "key value" lines. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audev.h"
#include "tone.h"
#include "audio_meas.h"

static atomic_uint wakes;

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
	size_t ncap = 0;
	double secs = 2.0, t0, t1;
	int r;

	if (argc > 1 && strcmp(argv[1], "--list") == 0) {
		r = audev_pa_list(print_dev, NULL);
		if (r)
			fprintf(stderr, "pa_probe: list: %s\n", audev_pa_errmsg());
		return r ? 1 : 0;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: pa_probe --list | pa_probe CAPTURE PLAYBACK [SECONDS]\n");
		return 2;
	}
	prm.capture = argv[1];
	prm.playback = argv[2];
	if (argc > 3)
		secs = atof(argv[3]);
	if (secs <= 0 || secs > 10)
		secs = 2.0;
	prm.frame = 160;
	prm.ring_frames = 16;
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
	do {
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		int16_t frame[160];
		/* keep the playback ring topped up with the tone, drain capture */
		while (ring_space(audev_playback_ring(ad)) >= 160) {
			tone_fill(&t, frame, 160);
			ring_write(audev_playback_ring(ad), frame, 160);
		}
		while (ring_avail(audev_capture_ring(ad)) >= 160) {
			ring_read(audev_capture_ring(ad), frame, 160);
			if (ncap + 160 <= sizeof(cap) / sizeof(cap[0])) {
				memcpy(cap + ncap, frame, sizeof(frame));
				ncap += 160;
			}
		}
		nanosleep(&ts, NULL);
		t1 = now_s();
		/* rates are measured from 0.5 s on, after the stream has settled */
		if (!ts0 && t1 - t0 >= 0.5) {
			audev_stats(ad, &s0);
			ts0 = t1;
		}
	} while (t1 - t0 < secs);
	audev_stats(ad, &st);
	audev_stop(ad);
	audev_close(ad);

	printf("seconds %.3f\n", t1 - t0);
	printf("dev_rate %u\n", st.dev_rate);
	printf("callbacks %llu\n", (unsigned long long)st.callbacks);
	printf("callbacks_per_sec %.1f\n", (st.callbacks - s0.callbacks) / (t1 - ts0));
	printf("dev_frames_per_sec %.1f\n", (st.dev_frames - s0.dev_frames) / (t1 - ts0));
	printf("cap_samples_per_sec %.1f\n", (st.cap_samples - s0.cap_samples) / (t1 - ts0));
	printf("play_samples_per_sec %.1f\n", (st.play_samples - s0.play_samples) / (t1 - ts0));
	printf("cap_read %zu\n", ncap);
	printf("wakes %u\n", atomic_load(&wakes));
	printf("cap_overruns %llu\n", (unsigned long long)st.cap_overruns);
	printf("play_underruns %llu\n", (unsigned long long)st.play_underruns);
	/* loopback check (when the test wired our output to our input): the tone comes back */
	if (ncap > 8000)
		printf("cap_440hz_amp %.0f\n", meas_goertzel_amp(cap + ncap - 4000, 4000, 8000, 440));
	return 0;
}
