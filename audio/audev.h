/* SPDX-License-Identifier: GPL-3.0-or-later */
/* audev.h: audio device abstraction: devices move 8 kHz mono frames through two SPSC rings. */
#ifndef SPHONE_AUDEV_H
#define SPHONE_AUDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ring.h"

/* The media clock: every device and stream moves 20 ms frames of 8 kHz mono. */
#define AUDEV_RATE 8000
#define AUDEV_FRAME_MS 20
#define AUDEV_FRAME (AUDEV_RATE / 1000 * AUDEV_FRAME_MS) /* samples */
/*
 * A media clock this late (the process was not scheduled) resumes with what is due now and drops
 * what fell due meanwhile, instead of catching up: the stream's playout (audio/stream.c) and the
 * file device's tick (src/call_audio.c) both follow this one figure, so neither plays or records
 * the gap the other skipped.
 */
#define AUDEV_LATE_MS 100

/*
 * Called by the device (possibly on its own real-time thread, so it must be async-safe:
 * e.g. write(2) to an eventfd/pipe) each time at least one capture frame is in the
 * capture ring.
 */
typedef void (audev_wake_h)(void *arg);

struct tones;

/* Echo cancellation (audio/aec.c on the capture, with what the device plays as the reference). */
enum audev_echo {
	AUDEV_ECHO_AUTO = 0, /* PortAudio: on unless a device's name suggests a headset; file device: off */
	AUDEV_ECHO_OFF,
	AUDEV_ECHO_ON,
};

/* What the owner asks for. Strings are only read during open. */
struct audev_prm {
	/* PortAudio: device index ("3") or case-insensitive name substring; NULL/"" = default;
	   "none" = direction not used.
	   File device: WAV path to read (loops at end); NULL = capture silence. */
	const char *capture;
	/* PortAudio: as above. File device: WAV path to write; NULL = discard playback. */
	const char *playback;
	unsigned frame;      /* samples per frame at 8 kHz; 0 = AUDEV_FRAME (20 ms) */
	unsigned ring_frames; /* depth of each ring in frames; 0 = 8 */
	audev_wake_h *wake;  /* may be NULL */
	void *arg;
	char *err;           /* optional: on failure, a one-line reason (e.g. what is wrong with the WAV) */
	size_t errlen;
	enum audev_echo echo;
	/* the canceller's tail: the longest speaker-to-microphone delay it models, device latency
	   included; 0 = PortAudio: the stream's reported input + output latency + 150 ms (at least
	   200 ms), file device: 200 ms */
	unsigned echo_tail_ms;
	/* sounds mixed into playback (audio/tones.h); not owned, must outlive the device; NULL: none */
	struct tones *tones;
};

/* Counters; each updated only by the device side, read with audev_stats. */
struct audev_stats {
	uint64_t callbacks;      /* device callbacks / ticks */
	uint64_t dev_frames;     /* samples per channel exchanged with the hardware, device rate */
	uint64_t cap_samples;    /* 8 kHz samples put into the capture ring */
	uint64_t play_samples;   /* 8 kHz samples taken from the playback ring */
	uint64_t cap_overruns;   /* samples dropped: capture ring full (owner too slow) */
	uint64_t play_underruns; /* samples of silence played: playback ring empty */
	unsigned dev_rate;       /* hardware sample rate in use */
	unsigned echo_tail_ms;   /* the echo canceller's tail; 0: no canceller */
	uint64_t echo_slips;     /* periods whose capture and reference differed in length (should stay 0) */
	unsigned in_latency_ms, out_latency_ms; /* as the device reports them (PortAudio); 0 for files */
};

struct audev;

struct audev_ops {
	const char *name;
	int (*open)(struct audev **adp, const struct audev_prm *prm);
	int (*start)(struct audev *ad);
	int (*stop)(struct audev *ad);
	void (*close)(struct audev *ad);
	/* For unclocked devices (files): move one frame each way. NULL when the device has a clock. */
	int (*tick)(struct audev *ad);
	void (*stats)(const struct audev *ad, struct audev_stats *st);
	/* Make what was played so far complete where it goes (a recording: a valid WAV now). NULL: nothing to do. */
	int (*flush)(struct audev *ad);
};

/*
 * Every device struct starts with this head, so the owner can reach the rings and ops.
 * cap: device -> owner (8 kHz mono), play: owner -> device (8 kHz mono).
 */
struct audev {
	const struct audev_ops *ops;
	struct ring *cap;
	struct ring *play;
	unsigned frame;
	/*
	 * One clock for both directions: every capture frame the device gives comes with a playback
	 * frame it took (a full-duplex sound card stream), so the owner can play out on the capture's
	 * beat instead of its own timer (audio/stream.c, paced_playout). False for files (ticked by
	 * the owner) and half-duplex streams.
	 */
	bool paired;
	/*
	 * Set by the owner for a sound card that has stopped calling back (its JACK server killed, a USB
	 * headset pulled): stop and close leave it, its stream and the library's state as they are, since
	 * PortAudio's close of such a stream waits on a server that is gone (sphone hung at exit). What it
	 * holds is leaked; its callback, should it ever run again, still finds everything in place.
	 */
	bool abandoned;
};

extern const struct audev_ops audev_file_ops;
extern const struct audev_ops audev_pa_ops;

static inline int audev_open(struct audev **adp, const struct audev_ops *ops, const struct audev_prm *prm)
{
	return ops->open(adp, prm);
}
static inline int audev_start(struct audev *ad)
{
	return ad->ops->start(ad);
}
static inline int audev_stop(struct audev *ad)
{
	return ad->ops->stop(ad);
}
/* NULL-safe; stops the device first if running. */
static inline void audev_close(struct audev *ad)
{
	if (ad)
		ad->ops->close(ad);
}
/* Drive an unclocked device by one frame (call every frame period); no-op for clocked ones. */
static inline int audev_tick(struct audev *ad)
{
	return ad->ops->tick ? ad->ops->tick(ad) : 0;
}
/* After a call: the recording is a complete file at once, not only when the device closes. */
static inline int audev_flush(struct audev *ad)
{
	return ad && ad->ops->flush ? ad->ops->flush(ad) : 0;
}
static inline void audev_stats(const struct audev *ad, struct audev_stats *st)
{
	ad->ops->stats(ad, st);
}
static inline struct ring *audev_capture_ring(struct audev *ad)
{
	return ad->cap;
}
static inline struct ring *audev_playback_ring(struct audev *ad)
{
	return ad->play;
}

/* PortAudio's open fails with EXDEV when capture and playback belong to two host APIs (one stream takes both). */

/* PortAudio device listing for --list-devices: one call per device. */
struct audev_info {
	int index;
	const char *name;
	const char *host_api;
	int max_in;
	int max_out;
	double default_rate;
	int is_default_in;
	int is_default_out;
};
typedef void (audev_list_h)(const struct audev_info *info, void *arg);
/*
 * Calls h for each device; returns 0 or an errno: ENODEV when there is no device at all, another when
 * PortAudio failed to initialise (see audev_pa_errmsg for either).
 */
int audev_pa_list(audev_list_h *h, void *arg);
/*
 * PortAudio looks for devices only when it starts: while any device is open (and PortAudio with it),
 * audev_pa_list gives the devices as they were then, with the same indices; once none is open, the
 * next list or open sees what was plugged in or removed meanwhile.
 */
#define AUDEV_NAME_MAX 128
/*
 * The device ad (a PortAudio one) uses for capture (input) or playback, as the list names it and its
 * host API. 0; ENOENT when that direction is not used ("none"); EINVAL when ad is no PortAudio device.
 * The strings live as long as ad.
 */
int audev_pa_used(const struct audev *ad, int input, const char **name, const char **api);
/* Text of the last PortAudio error seen by this process (static string). */
const char *audev_pa_errmsg(void);
/* The PortAudio library's own words on its version ("PortAudio V19.7.0-devel, revision ..."), or NULL
 * when it cannot be loaded (audev_pa_errmsg says why). Loads it; touches no device. */
const char *audev_pa_version(void);

/*
 * PortAudio and the libraries under it (ALSA, JACK, OSS) print their complaints on stderr: some
 * 100 lines when there is no sound card. dev_pa points fd 2 at a pipe while it calls into them and
 * hands each line that came out to h, on the calling thread once the call is over (never from the
 * audio callback); ALSA's and JACK's own error hooks catch what their threads say later. Without a
 * handler the lines are dropped. Set it before the first open or list; h must not call back here.
 */
typedef void (audev_chatter_h)(const char *line, void *arg);
void audev_pa_set_chatter(audev_chatter_h *h, void *arg);

#endif
