/* SPDX-License-Identifier: GPL-3.0-or-later */
/* room_sim.h: a simulated loudspeaker-room-microphone echo path for echo canceller tests. */
#ifndef SPHONE_ROOM_SIM_H
#define SPHONE_ROOM_SIM_H

/*
 * What a sound card's microphone hears of what its speaker played: the played samples, delayed by
 * the device's output + input latency, through a short room impulse response (the direct path
 * and 30 reflections over 80 ms, decaying with a 30 ms time constant, random signs), attenuated,
 * plus the near-end talker and a noise floor. Deterministic from its seed; any sample rate (the
 * response is laid out in time, not samples). Feed it each period: room_mic first (what was
 * captured during the period), then room_play with what the device wrote out in that period.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define ROOM_TAPS 31

struct room {
	unsigned rate;
	size_t delay;                  /* samples from speaker to microphone, device latency included */
	size_t tap_at[ROOM_TAPS];      /* after delay */
	double tap_gain[ROOM_TAPS];    /* overall path gain included */
	double noise_rms;
	uint32_t seed;
	int16_t *played;               /* everything played, from time 0 */
	size_t n_played, n_mic, cap;
};

static inline double room_rand(struct room *r)
{
	r->seed = r->seed * 1664525u + 1013904223u;
	return (r->seed >> 8) / 16777216.0;
}

/* delay_ms: latency + air; gain: of the direct path (0.5 = -6 dB); secs: the longest run. 0 or ENOMEM. */
static inline int room_init(struct room *r, unsigned rate, double delay_ms, double gain, double noise_rms,
			    uint32_t seed, double secs)
{
	int k;

	*r = (struct room){ 0 };
	r->rate = rate;
	r->delay = (size_t)(delay_ms * rate / 1000.0);
	r->noise_rms = noise_rms;
	r->seed = seed;
	r->tap_at[0] = 0;
	r->tap_gain[0] = gain;
	for (k = 1; k < ROOM_TAPS; k++) {
		double t = 0.001 + room_rand(r) * 0.079;
		r->tap_at[k] = (size_t)(t * rate);
		r->tap_gain[k] = gain * 0.6 * exp(-t / 0.03) * room_rand(r) * (room_rand(r) < 0.5 ? -1 : 1);
	}
	r->cap = (size_t)(secs * rate) + rate;
	r->played = calloc(r->cap, sizeof(*r->played));
	return r->played ? 0 : 12 /* ENOMEM */;
}

static inline void room_free(struct room *r)
{
	free(r->played);
	r->played = NULL;
}

/* The next n microphone samples: echo + near (n samples, or NULL) + noise. */
static inline void room_mic(struct room *r, int16_t *mic, const int16_t *near, size_t n)
{
	size_t i;
	int k;

	for (i = 0; i < n; i++, r->n_mic++) {
		double v = near ? near[i] : 0, u = 0;
		for (k = 0; k < ROOM_TAPS; k++) {
			size_t back = r->delay + r->tap_at[k];
			/* before time 0, or not played yet (a delay shorter than the period): no echo */
			if (r->n_mic < back)
				continue;
			back = r->n_mic - back;
			if (back < r->n_played)
				v += r->tap_gain[k] * r->played[back];
		}
		for (k = 0; k < 4; k++)
			u += room_rand(r) - 0.5;
		v += u * r->noise_rms * sqrt(3.0);
		mic[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : lrint(v));
	}
}

/* What the speaker played next (mono). */
static inline void room_play(struct room *r, const int16_t *out, size_t n)
{
	size_t i;

	for (i = 0; i < n && r->n_played < r->cap; i++)
		r->played[r->n_played++] = out[i];
}

#endif
