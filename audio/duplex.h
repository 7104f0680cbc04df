/* SPDX-License-Identifier: GPL-3.0-or-later */
/* duplex.h: a sound device's side of the rings: hardware periods <-> 8 kHz mono, tones mixed in, echo cancelled. */
#ifndef SPHONE_DUPLEX_H
#define SPHONE_DUPLEX_H

#include <stddef.h>
#include <stdint.h>

#include "audev.h"
#include "tones.h"

/*
 * What a device does with each period it exchanges with the hardware (dev_pa's PortAudio callback,
 * dev_file's tick), apart from the hardware itself:
 *   playback: playback ring (8 kHz) -> device rate -> + tones -> interleaved output
 *   capture:  interleaved input -> mono -> 8 kHz -> echo canceller -> capture ring -> wake
 * The echo canceller's far-end reference is the output of the same period, mono, taken back to 8 kHz
 * by a resampler like the capture's: both get the same number of device frames per period, so
 * both come out with the same number of 8 kHz samples, in step, and the echo of a played sample
 * reaches the microphone a fixed time later (output latency + air + input latency), which the
 * canceller's tail covers. Taking the reference from the playback ring instead would pair each
 * microphone sample with whatever the owner happened to have queued, a delay that varies.
 *
 * duplex_run never allocates, locks, logs or blocks: every buffer and every speexdsp state is made
 * by duplex_alloc (tests/unit/test_duplex.c counts allocations around it).
 */
struct duplex_prm {
	unsigned dev_rate;          /* 8000, 16000, 44100 or 48000 */
	unsigned in_ch, out_ch;     /* 0 (direction not used), 1 or 2 */
	struct ring *cap, *play;    /* the device's rings (not owned) */
	unsigned frame;             /* the owner's frame: wake once that much capture waits; 0 = AUDEV_FRAME */
	audev_wake_h *wake;         /* may be NULL */
	void *arg;
	struct tones *tones;        /* not owned; NULL: none. duplex_alloc prepares it for dev_rate */
	unsigned echo_tail_ms;      /* 0: no echo canceller; needs both directions */
};

struct duplex;

int duplex_alloc(struct duplex **dp, const struct duplex_prm *prm);
void duplex_free(struct duplex *d);

/*
 * One hardware period of n frames: in holds n * in_ch samples (NULL: silence), out gets n * out_ch
 * (ignored without playback). Any n; it is worked through in 20 ms pieces.
 */
void duplex_run(struct duplex *d, const int16_t *in, int16_t *out, size_t n);

/* Counters as audev_stats reports them (any thread). */
void duplex_stats(const struct duplex *d, struct audev_stats *st);

#endif
