/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tones.h: the phone's own sounds (ringtone, ring-back, call-waiting beep) mixed into a device's playback. */
#ifndef SPHONE_TONES_H
#define SPHONE_TONES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A tone player belongs to its owner (the one who opens the sound device) and is handed to the
 * device at open (audev_prm.tones). The device mixes it into what it plays, after the call's
 * audio and before the echo canceller takes its reference, so a ringtone plays whether or not a
 * call is using the device, and the canceller keeps a beep out of the microphone too.
 *
 * Threads: the owner sets the sounds up (tones_set_*), then the device renders them for its rate
 * at open (tones_prepare); from then on the owner only calls tones_play / tones_stop /
 * tones_set_volume / tones_current, which talk to the device through atomics, and the device
 * (its real-time callback, or the owner's own tick for the file device) calls tones_mix, which
 * never allocates, locks, logs or blocks. One device at a time mixes a player.
 */
enum tones_id {
	TONES_RING,     /* incoming call, no call in progress */
	TONES_RINGBACK, /* our call rings at the far end and it sends no early media */
	TONES_WAITING,  /* another call comes in during a call */
	TONES_COUNT
};

#define TONES_MAX_STEPS 4
#define TONES_MAX_CLIP_MS 30000 /* a WAV longer than this is refused */

/* When a sound plays: step after step, on_ms of sound then off_ms of silence; all steps are one cycle. */
struct tones_cadence {
	unsigned on_ms[TONES_MAX_STEPS];
	unsigned off_ms[TONES_MAX_STEPS];
	unsigned steps;  /* 1..TONES_MAX_STEPS */
	unsigned cycles; /* how many times the cycle plays; 0: until tones_stop */
};

/*
 * A generated sound: a sine of hz1, or with hz2 two sines, summed (alt_ms 0) or taking turns every
 * alt_ms (a trill), at a peak level in dBFS (at volume 100).
 */
struct tones_gen {
	double hz1, hz2;
	unsigned alt_ms;
	double level_dbfs;
};

struct tones;

/* A player with the built-in sounds (see tones.c: tones_default) at volume 100. */
int tones_alloc(struct tones **tp);
void tones_free(struct tones *t);

/* Replace a sound by a generated one. EINVAL (bad frequency, level above 0 dBFS, cadence), EBUSY after tones_prepare. */
int tones_set_gen(struct tones *t, enum tones_id id, const struct tones_gen *g, const struct tones_cadence *c);
/*
 * Replace a sound by a WAV file (what audio/wav.c reads: PCM16, mono or stereo, 8/16/44.1/48 kHz;
 * at most TONES_MAX_CLIP_MS), read now: the whole clip, then gap_ms of silence, cycles times (0:
 * until stopped). Errors as wav_open_read (with the reason in err), EFBIG (too long), ENODATA (no
 * samples), EBUSY after tones_prepare.
 */
int tones_set_wav(struct tones *t, enum tones_id id, const char *path, unsigned gap_ms, unsigned cycles, char *err,
		  size_t errlen);

/* The device (at open): render every sound at its rate (8000/16000/44100/48000). Only while no device mixes. */
int tones_prepare(struct tones *t, unsigned rate);
/* The rate tones_prepare rendered for (0 before). */
unsigned tones_rate(const struct tones *t);

/* Owner: start sound id from its beginning (replacing whatever plays), or stop (a 5 ms fade). */
int tones_play(struct tones *t, enum tones_id id);
void tones_stop(struct tones *t);
/* 0..100, linear in amplitude (50: half, -6 dB); takes effect at the device's next period. */
int tones_set_volume(struct tones *t, enum tones_id id, unsigned percent);
/*
 * The sound playing or asked for and not yet ended, or -1: after tones_stop, or once a sound with
 * a number of cycles played them (so the owner may let the device rest).
 */
int tones_current(const struct tones *t);

/* The device: add n samples of what plays now onto out (saturating), at the prepared rate. */
void tones_mix(struct tones *t, int16_t *out, size_t n);

/* A sound's name in config and messages ("ring", "ringback", "waiting"). */
const char *tones_name(enum tones_id id);

#endif
