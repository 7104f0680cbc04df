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
};

static void audio_tick_h(void *arg)
{
	struct call_audio *a = arg;
	uint64_t now = loop_now_ms();

	if (!a->active) {
		a->next = 0;
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
	a->tickh(now, a->active);
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
	if (a->file && s && !tmr_running(&a->tick)) {
		a->next = 0;
		tmr_start(a->l, &a->tick, 0, audio_tick_h, a);
	}
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
	tmr_cancel(&a->tick);
	/* --audio-out is a complete WAV of everything played so far whenever no call plays into it */
	if (a->file && audev_flush(a->dev))
		log_warn("audio: the recording could not be written out");
	return true;
}

bool call_audio_ticks(const struct call_audio *a, const void *arg)
{
	return a && a->file && arg && a->active == arg && tmr_running(&a->tick);
}

