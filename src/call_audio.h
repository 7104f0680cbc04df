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
/* What the device did that the user must hear of (it stopped mid-call, it came back): one sentence. */
typedef void(call_audio_warn_h)(const char *msg, void *arg);
struct call_audio_prm {
	const char *audio_in;   /* WAV to send (loops); NULL: silence */
	const char *audio_out;  /* WAV to record what is heard; NULL: discard */
	bool portaudio;         /* use PortAudio instead of files */
	const char *device;     /* PortAudio device name or index; NULL: default */
	const char *capture_device;  /* the same for capture alone; NULL: device */
	const char *playback_device; /* the same for playback alone; NULL: device */
	const struct call_audio_sound *sound; /* NULL: the defaults (all auto, ring volume 80) */
	call_audio_warn_h *warnh;             /* may be NULL: the log only */
	void *warn_arg;
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

/* One PortAudio device as the list shows it; the strings last for the call only. */
struct call_audio_dev {
	int index;
	const char *name, *api;  /* the device's and its host API's (ALSA, JACK Audio Connection Kit, ...) */
	int max_in, max_out;
	unsigned rate;           /* its default rate, Hz */
	bool default_in, default_out;
	bool used_in, used_out;  /* the device in use for capture, for playback */
};
typedef void(call_audio_dev_h)(const struct call_audio_dev *d, void *arg);
/*
 * Calls h for each PortAudio device. PortAudio looks for devices only when it starts: *fresh is true
 * when this list looked anew (no call or sound on the device: it is closed for the list and opened
 * again), false when a call holds the device open and the list is the one from when it opened (the
 * same indices). 0, or an errno with the reason in err (ENODEV: no device at all).
 */
int call_audio_devices(struct call_audio *a, call_audio_dev_h *h, void *arg, bool *fresh, char *err,
		       size_t errsz);
/* The device in use for capture (input) or playback: its name ("WAV file" for the file device, "" for
 * none) and host API ("" when none). */
void call_audio_used(const struct call_audio *a, bool input, const char **name, const char **api);
bool call_audio_is_file(const struct call_audio *a);

struct call_audio_switched {
	char capture[128], playback[128]; /* the devices now (whole names), also the one not changed */
	unsigned long switch_us;          /* the old device stopped .. the new one started */
	bool kept;                        /* failed: the old device is still in use */
	bool silent;                      /* failed: no device at all now, calls go on silent */
};
/*
 * Moves to the PortAudio devices capture and playback (an index of the list, a whole name or a part of
 * one, "none"; NULL: that direction stays as it is), during a call too: the new device is opened while
 * the old one plays on, then the old one stops, the call's stream goes on the new one (a new echo
 * canceller, tuned to its latency; its own rate through the resampler) and the old one is closed. The
 * call, its stream, SRTP and jitter buffer are not touched. When the new device does not open while
 * the old one is open (the same card in the other direction), the old one is closed and the new one
 * tried again, and, failing that, the old one opened again. 0, or an errno with err naming the device
 * and why (res->kept / res->silent say what is in use now). A file device moves to PortAudio too.
 */
int call_audio_switch(struct call_audio *a, const char *capture, const char *playback,
		      struct call_audio_switched *res, char *err, size_t errsz);

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
