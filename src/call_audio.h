/* SPDX-License-Identifier: GPL-3.0-or-later */
/* call_audio.h: the audio device shared by a user agent's calls, lent to one stream at a time. */
#ifndef SPHONE_CALL_AUDIO_H
#define SPHONE_CALL_AUDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct stream;

enum call_audio_mode { CALL_AUDIO_AUTO = 0, CALL_AUDIO_OFF, CALL_AUDIO_ON };

/* The phone's own sounds (audio/tones.c makes them; named here so that src/ needs no audio/ header). */
enum call_audio_tone_id {
	CALL_AUDIO_TONE_NONE = -1,
	CALL_AUDIO_TONE_RING,     /* a call comes in, no other call */
	CALL_AUDIO_TONE_RINGBACK, /* our call rings at the far end, which sends no early media */
	CALL_AUDIO_TONE_WAITING,  /* a call comes in during another */
};

/* The sound settings ([audio] in the configuration). */
struct call_audio_sound {
	/* the echo canceller; auto: on a sound card unless its name suggests a headset, not on WAV files */
	enum call_audio_mode echo;
	unsigned echo_tail_ms;       /* 0: from the device's latency */
	/* ringtone, ring-back, call-waiting beep; auto: on a sound card, not into WAV files (tests compare those) */
	enum call_audio_mode tones;
	const char *ringtone;        /* WAV file; NULL: the built-in trill */
	unsigned ring_volume;        /* 0..100 */
};

/*
 * The audio side shared by every call of a user agent: one device (WAV files
 * or PortAudio), lent to the call that is active; held calls send silence and
 * discard what they receive. The device also plays the phone's own sounds
 * (call_audio_tone), with or without a call using it.
 */
struct call_audio_prm {
	const char *audio_in;   /* WAV to send (loops); NULL: silence */
	const char *audio_out;  /* WAV to record what is heard; NULL: discard */
	bool portaudio;         /* use PortAudio instead of files */
	const char *device;     /* PortAudio device name or index; NULL: default */
	const struct call_audio_sound *sound; /* NULL: the defaults (all auto, ring volume 80) */
};
struct call_audio;
/* 0, or an errno with a one-line reason in err (bad WAV, no such device). */
int call_audio_alloc(struct call_audio **ap, struct loop *l, const struct call_audio_prm *prm, char *err,
		     size_t errsz);
/* After every user has detached. NULL-safe. */
void call_audio_free(struct call_audio *a);
/*
 * One line per PortAudio device ("INDEX: NAME (HOST API) in N out N [default in/out]"). 0, or an errno
 * with the reason in err (ENODEV: no sound card at all).
 */
typedef void(call_line_h)(const char *line, void *arg);
int call_audio_list_devices(call_line_h *h, void *arg, char *err, size_t errsz);

/*
 * The device has moved a frame (its tick, or PortAudio's wake-up): the user runs its stream's
 * clock now (stream_process). now: the loop's clock in ms.
 */
typedef void(call_audio_tick_h)(uint64_t now, void *arg);

/*
 * Lend the device to the user arg (taking it from the one before, whose stream goes on without
 * one): s, when not NULL, plays and records through it from now on, and h runs on each device
 * frame. Attach again whenever the user's stream changes; detach before freeing the stream.
 * NULL a: nothing.
 */
void call_audio_attach(struct call_audio *a, struct stream *s, call_audio_tick_h *h, void *arg);
/*
 * Take the device back from arg: its stream goes on without a device (on its own clock, which the
 * user runs again); a recording is written out complete. False when arg did not hold it.
 */
bool call_audio_detach(struct call_audio *a, void *arg);
/* True while the device's own tick (the file device's) runs arg's stream: arg needs no timer of its own. */
bool call_audio_ticks(const struct call_audio *a, const void *arg);

/*
 * Play one of the phone's sounds from its start, in place of the one before, or none
 * (CALL_AUDIO_TONE_NONE). The device plays it mixed with a call's audio, or alone (it is started,
 * and the file device's tick runs, for as long as the sound does). Nothing when sounds are off for
 * this device. NULL a: nothing.
 */
void call_audio_tone(struct call_audio *a, enum call_audio_tone_id id);
/* The sound playing (or asked for), CALL_AUDIO_TONE_NONE for none. */
enum call_audio_tone_id call_audio_tone_playing(const struct call_audio *a);
/*
 * Whether path would do as the ringtone: 0, or an errno with the reason in why (unreadable, a WAV
 * audio/wav.c does not read, no samples, longer than the player takes), as the player itself decides.
 */
int call_audio_ringtone_check(const char *path, char *why, size_t whysz);

#endif
