/* SPDX-License-Identifier: GPL-3.0-or-later */
/* call_audio.c: the audio device shared by a user agent's calls: open, list, lend to one stream, tick. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audev.h"
#include "call_audio.h"
#include "log.h"
#include "loop.h"
#include "stream.h"
#include "tones.h"

#define RING_GAP_MS 4000 /* silence after a ringtone WAV, before it plays again */
#define RING_VOLUME 80

struct call_audio {
	struct loop *l;
	struct audev *dev;
	bool file;
	bool started;
	struct tmr tick;
	uint64_t next;
	/* the user the device is lent to (NULL: none), its stream (NULL: none yet) and its clock */
	void *active;
	struct stream *s;
	call_audio_tick_h *tickh;
	struct loop_wake *wake;
	struct tones *tones; /* the phone's sounds, mixed in by the device; NULL: none on this device */
};

static bool tone_on(const struct call_audio *a)
{
	return a->tones && tones_current(a->tones) >= 0;
}

static void audio_tick_h(void *arg)
{
	struct call_audio *a = arg;
	uint64_t now = loop_now_ms();

	if (!a->active && !tone_on(a)) {
		/* the last sound ended with no call on the device: the recording is complete so far */
		a->next = 0;
		if (audev_flush(a->dev))
			log_warn("audio: the recording could not be written out");
		return;
	}
	if (!a->next)
		a->next = now;
	/*
	 * AUDEV_LATE_MS or more behind (the process was not scheduled): stream_process resumes with
	 * the frame due now and drops what was due meanwhile, so the device resumes now too. Ticking
	 * through the gap would only play the empty playback ring and record silence.
	 */
	if (a->next + AUDEV_LATE_MS <= now)
		a->next = now;
	/* catch up after a shorter delay (fewer than AUDEV_LATE_MS / AUDEV_FRAME_MS frames) */
	while (a->next <= now) {
		audev_tick(a->dev);
		a->next += AUDEV_FRAME_MS;
	}
	tmr_start(a->l, &a->tick, a->next - now, audio_tick_h, a);
	if (a->active)
		a->tickh(now, a->active);
}

/* The file device ticks while a stream or a sound uses it. */
static void tick_start(struct call_audio *a)
{
	if (a->file && !tmr_running(&a->tick)) {
		a->next = 0;
		tmr_start(a->l, &a->tick, 0, audio_tick_h, a);
	}
}

static void audio_wake_h(void *arg)
{
	struct call_audio *a = arg;

	if (a->active)
		a->tickh(loop_now_ms(), a->active);
}

static void audio_wake_sig(void *arg)
{
	loop_wake_signal(arg);
}

/* What PortAudio, ALSA and JACK would have printed over the terminal: the log's, at debug level. */
static void pa_chatter_h(const char *line, void *arg)
{
	(void)arg;
	log_debug("audio: %s", line);
}

/* The phone's sounds for this device, as configured; NULL when they are off for it. */
static struct tones *sounds_of(const struct call_audio_prm *prm)
{
	const struct call_audio_sound *snd = prm->sound;
	enum call_audio_mode mode = snd ? snd->tones : CALL_AUDIO_AUTO;
	struct tones *t = NULL;
	char why[300];
	int e;

	if (mode == CALL_AUDIO_OFF || (mode == CALL_AUDIO_AUTO && !prm->portaudio))
		return NULL;
	if (tones_alloc(&t))
		return NULL;
	tones_set_volume(t, TONES_RING, snd ? snd->ring_volume : RING_VOLUME);
	if (snd && snd->ringtone && (e = tones_set_wav(t, TONES_RING, snd->ringtone, RING_GAP_MS, 0, why, sizeof(why))))
		log_warn("audio: ringtone %s: %s; the built-in ringtone plays instead", snd->ringtone,
			 why[0] ? why : strerror(e));
	return t;
}

int call_audio_alloc(struct call_audio **ap, struct loop *l, const struct call_audio_prm *prm, char *err,
		     size_t errsz)
{
	struct call_audio *a;
	struct audev_prm dp;
	int e;

	if (!ap || !l || !prm)
		return EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return ENOMEM;
	a->l = l;
	tmr_init(&a->tick);
	memset(&dp, 0, sizeof(dp));
	dp.frame = AUDEV_FRAME;
	dp.ring_frames = 16;
	dp.err = err;
	dp.errlen = errsz;
	if (prm->sound) {
		static const enum audev_echo echo[] = { AUDEV_ECHO_AUTO, AUDEV_ECHO_OFF, AUDEV_ECHO_ON };
		dp.echo = echo[prm->sound->echo <= CALL_AUDIO_ON ? prm->sound->echo : CALL_AUDIO_AUTO];
		dp.echo_tail_ms = prm->sound->echo_tail_ms;
	}
	a->tones = sounds_of(prm);
	dp.tones = a->tones;
	if (prm->portaudio) {
		e = loop_wake_alloc(&a->wake, l, audio_wake_h, a);
		if (e)
			goto out;
		dp.capture = prm->device;
		dp.playback = prm->device;
		dp.wake = audio_wake_sig;
		dp.arg = a->wake;
		audev_pa_set_chatter(pa_chatter_h, NULL);
		e = audev_open(&a->dev, &audev_pa_ops, &dp);
	} else {
		a->file = true;
		dp.capture = prm->audio_in;
		dp.playback = prm->audio_out;
		e = audev_open(&a->dev, &audev_file_ops, &dp);
	}
out:
	if (e) {
		call_audio_free(a);
		return e;
	}
	*ap = a;
	return 0;
}

void call_audio_free(struct call_audio *a)
{
	if (!a)
		return;
	tmr_cancel(&a->tick);
	audev_close(a->dev);
	tones_free(a->tones); /* after the device: its callback mixes them */
	loop_wake_free(a->wake);
	free(a);
}

struct list_ctx {
	call_line_h *h;
	void *arg;
};

static void list_h(const struct audev_info *i, void *arg)
{
	struct list_ctx *lc = arg;
	char line[400];

	snprintf(line, sizeof(line), "%d: %s (%s) in %d out %d, %.0f Hz%s%s", i->index, i->name ? i->name : "?",
		 i->host_api ? i->host_api : "?", i->max_in, i->max_out, i->default_rate,
		 i->is_default_in ? " [default in]" : "", i->is_default_out ? " [default out]" : "");
	lc->h(line, lc->arg);
}

int call_audio_list_devices(call_line_h *h, void *arg, char *err, size_t errsz)
{
	struct list_ctx lc = { h, arg };
	int e;

	if (!h)
		return EINVAL;
	audev_pa_set_chatter(pa_chatter_h, NULL);
	e = audev_pa_list(list_h, &lc);
	if (e && err && errsz)
		snprintf(err, errsz, "%s", audev_pa_errmsg());
	return e;
}

void call_audio_attach(struct call_audio *a, struct stream *s, call_audio_tick_h *h, void *arg)
{
	if (!a || !a->dev)
		return;
	if (a->active && a->active != arg && a->s)
		stream_set_device(a->s, NULL);
	a->active = arg;
	a->s = s;
	a->tickh = h;
	if (s) {
		/*
		 * The stream plays out on its own 20 ms timer and the device takes frames on another: a
		 * cushion of two frames keeps the device from ever finding the ring empty between the two
		 * (an underrun is a slip in what is heard).
		 */
		static const int16_t zero[AUDEV_FRAME];
		struct ring *play = audev_playback_ring(a->dev);
		size_t want = 2 * (size_t)a->dev->frame;
		/* in pieces: a device may take larger frames than zero[] holds */
		while (ring_avail(play) < want) {
			size_t n = want - ring_avail(play);
			if (!ring_write(play, zero, n < AUDEV_FRAME ? n : AUDEV_FRAME))
				break;
		}
		stream_set_device(s, a->dev);
	}
	if (!a->started && s) {
		if (audev_start(a->dev) == 0)
			a->started = true;
	}
	if (s)
		tick_start(a);
}

bool call_audio_detach(struct call_audio *a, void *arg)
{
	if (!a || !arg || a->active != arg)
		return false;
	if (a->s)
		stream_set_device(a->s, NULL);
	a->active = NULL;
	a->s = NULL;
	a->tickh = NULL;
	/* a sound still playing (a call waiting, now ringing) keeps the file device's clock going */
	if (!tone_on(a))
		tmr_cancel(&a->tick);
	/*
	 * What the call queued and the file device has not played yet would come out at the start of
	 * whatever plays next (another call, a ring-back). Its consumer is this thread's tick, so the
	 * backlog can go here; a sound card's callback plays its own out.
	 */
	if (a->file)
		ring_skip(audev_playback_ring(a->dev), ring_avail(audev_playback_ring(a->dev)));
	/* --audio-out is a complete WAV of everything played so far whenever no call plays into it */
	if (a->file && audev_flush(a->dev))
		log_warn("audio: the recording could not be written out");
	return true;
}

bool call_audio_ticks(const struct call_audio *a, const void *arg)
{
	return a && a->file && arg && a->active == arg && tmr_running(&a->tick);
}


/* call_audio_tone_id -> the player's sound, and back */
static const enum tones_id tone_ids[] = {
	[CALL_AUDIO_TONE_RING] = TONES_RING,
	[CALL_AUDIO_TONE_RINGBACK] = TONES_RINGBACK,
	[CALL_AUDIO_TONE_WAITING] = TONES_WAITING,
};

void call_audio_tone(struct call_audio *a, enum call_audio_tone_id id)
{
	if (!a || !a->dev || !a->tones)
		return;
	if (id < 0 || (size_t)id >= sizeof(tone_ids) / sizeof(tone_ids[0])) {
		tones_stop(a->tones);
		return;
	}
	if (tones_play(a->tones, tone_ids[id]))
		return;
	if (!a->started && audev_start(a->dev) == 0)
		a->started = true;
	tick_start(a);
}

enum call_audio_tone_id call_audio_tone_playing(const struct call_audio *a)
{
	int t = a && a->tones ? tones_current(a->tones) : -1;

	for (size_t i = 0; t >= 0 && i < sizeof(tone_ids) / sizeof(tone_ids[0]); i++)
		if ((int)tone_ids[i] == t)
			return (enum call_audio_tone_id)i;
	return CALL_AUDIO_TONE_NONE;
}

int call_audio_ringtone_check(const char *path, char *why, size_t whysz)
{
	struct tones *t = NULL;
	int r;

	if (why && whysz)
		why[0] = '\0';
	/* a throwaway player reads it as the real one will, so what loads here plays later */
	if ((r = tones_alloc(&t)) != 0)
		return r;
	r = tones_set_wav(t, TONES_RING, path, 0, 1, why, whysz);
	tones_free(t);
	return r;
}
