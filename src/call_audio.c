/* SPDX-License-Identifier: GPL-3.0-or-later */
/* call_audio.c: the audio device shared by a user agent's calls: open, list, lend to one stream, tick. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "audev.h"
#include "call_audio.h"
#include "log.h"
#include "loop.h"
#include "stream.h"
#include "tones.h"

#define RING_GAP_MS 4000 /* silence after a ringtone WAV, before it plays again */
#define RING_VOLUME 80
/*
 * A sound card lent to a call that has called back no period for this long has gone (JACK's server
 * stopped, a USB headset pulled): the call goes on without it, silence sent on the stream's own clock,
 * until it plays again or another device is chosen. Checked every DEV_WATCH_MS.
 */
#define DEV_GONE_MS 2000
#define DEV_WATCH_MS 250

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
	/* what a device opened later (a switch, a refresh) is opened with */
	enum audev_echo echo;
	unsigned echo_tail_ms;
	struct call_audio_sound snd; /* snd.ringtone: ours (strdup) */
	bool has_snd;
	char *cfg_cap, *cfg_play;    /* the configured PortAudio devices (NULL: default) */
	uint64_t switch_t0;          /* µs: the old device stopped, the new one has not played yet */
	/* the sound card's watch while a call uses it: its period count, when it last moved, gone */
	struct tmr watch;
	uint64_t watch_cb, watch_t;
	bool gone;
	call_audio_warn_h *warnh;
	void *warn_arg;
};

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

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

	if (a->switch_t0) {
		/* the first period of a device switched to during a call: how long nothing was played */
		log_info("audio: the new device's first period %.1f ms after the old one stopped",
			 (double)(mono_us() - a->switch_t0) / 1000.0);
		a->switch_t0 = 0;
	}
	if (a->active)
		a->tickh(loop_now_ms(), a->active);
}

static void audio_wake_sig(void *arg)
{
	loop_wake_signal(arg);
}

static void lend(struct call_audio *a, struct stream *s);

static void warn(struct call_audio *a, const char *msg)
{
	log_warn("audio: %s", msg);
	if (a->warnh)
		a->warnh(msg, a->warn_arg);
}

/* A sound card's periods while a call uses it: none for DEV_GONE_MS, the call goes on without it. */
static void watch_h(void *arg)
{
	struct call_audio *a = arg;
	struct audev_stats st;
	uint64_t now = loop_now_ms();
	char msg[2 * AUDEV_NAME_MAX + 200];
	const char *n, *api;

	if (a->file || !a->dev || !a->s || !a->started)
		return; /* the next call or device starts it again */
	audev_stats(a->dev, &st);
	if (st.callbacks != a->watch_cb) {
		a->watch_cb = st.callbacks;
		a->watch_t = now;
		if (a->gone) {
			a->gone = false;
			a->dev->abandoned = false;
			lend(a, a->s);
			warn(a, "the sound device plays again: the call has its sound back");
		}
	} else if (!a->gone && now - a->watch_t >= DEV_GONE_MS) {
		a->gone = true;
		/* closing it would wait on what has gone: it is left as it is (audev.h) */
		a->dev->abandoned = true;
		stream_set_device(a->s, NULL);
		call_audio_used(a, true, &n, &api);
		snprintf(msg, sizeof(msg), "the sound device (%s) has stopped: no sound for %u ms; the call goes on "
			 "silent (choose another device: devices, device)", n[0] ? n : "?", (unsigned)(now - a->watch_t));
		warn(a, msg);
		/* the stream's own clock sends from now on */
		if (a->tickh)
			a->tickh(now, a->active);
	}
	tmr_start(a->l, &a->watch, DEV_WATCH_MS, watch_h, a);
}

/* The watch of a sound card in use by a call, from now (its state kept: a gone device stays gone). */
static void watch_start(struct call_audio *a)
{
	struct audev_stats st;

	if (a->file || !a->dev || !a->s || !a->started || tmr_running(&a->watch))
		return;
	audev_stats(a->dev, &st);
	a->watch_cb = st.callbacks;
	a->watch_t = loop_now_ms();
	tmr_start(a->l, &a->watch, DEV_WATCH_MS, watch_h, a);
}

/* What PortAudio, ALSA and JACK would have printed over the terminal: the log's, at debug level. */
static void pa_chatter_h(const char *line, void *arg)
{
	(void)arg;
	log_debug("audio: %s", line);
}

/* The phone's sounds for this device, as configured; NULL when they are off for it. */
static struct tones *sounds_of(const struct call_audio_sound *snd, bool portaudio)
{
	enum call_audio_mode mode = snd ? snd->tones : CALL_AUDIO_AUTO;
	struct tones *t = NULL;
	char why[300];
	int e;

	if (mode == CALL_AUDIO_OFF || (mode == CALL_AUDIO_AUTO && !portaudio))
		return NULL;
	if (tones_alloc(&t))
		return NULL;
	tones_set_volume(t, TONES_RING, snd ? snd->ring_volume : RING_VOLUME);
	if (snd && snd->ringtone && (e = tones_set_wav(t, TONES_RING, snd->ringtone, RING_GAP_MS, 0, why, sizeof(why))))
		log_warn("audio: ringtone %s: %s; the built-in ringtone plays instead", snd->ringtone,
			 why[0] ? why : strerror(e));
	return t;
}

/* The parameters every device of a takes; capture and playback are the caller's. */
static void dev_prm(struct call_audio *a, struct audev_prm *dp, char *err, size_t errsz)
{
	memset(dp, 0, sizeof(*dp));
	dp->frame = AUDEV_FRAME;
	dp->ring_frames = 16;
	dp->err = err;
	dp->errlen = errsz;
	dp->echo = a->echo;
	dp->echo_tail_ms = a->echo_tail_ms;
	dp->tones = a->tones;
}

/* A PortAudio device of a's on capture and playback (index, name or "none"; NULL: the default). */
static int open_pa(struct call_audio *a, const char *cap, const char *play, struct audev **dp, char *err,
		   size_t errsz)
{
	struct audev_prm p;
	int e;

	if (!a->wake && (e = loop_wake_alloc(&a->wake, a->l, audio_wake_h, a)) != 0)
		return e;
	dev_prm(a, &p, err, errsz);
	p.capture = cap;
	p.playback = play;
	p.wake = audio_wake_sig;
	p.arg = a->wake;
	audev_pa_set_chatter(pa_chatter_h, NULL);
	return audev_open(dp, &audev_pa_ops, &p);
}

int call_audio_alloc(struct call_audio **ap, struct loop *l, const struct call_audio_prm *prm, char *err,
		     size_t errsz)
{
	struct call_audio *a;
	struct audev_prm dp;
	int e = 0;

	if (!ap || !l || !prm)
		return EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return ENOMEM;
	a->l = l;
	tmr_init(&a->tick);
	tmr_init(&a->watch);
	a->warnh = prm->warnh;
	a->warn_arg = prm->warn_arg;
	if (prm->sound) {
		static const enum audev_echo echo[] = { AUDEV_ECHO_AUTO, AUDEV_ECHO_OFF, AUDEV_ECHO_ON };
		a->echo = echo[prm->sound->echo <= CALL_AUDIO_ON ? prm->sound->echo : CALL_AUDIO_AUTO];
		a->echo_tail_ms = prm->sound->echo_tail_ms;
		a->snd = *prm->sound;
		a->snd.ringtone = NULL;
		a->has_snd = true;
		if (prm->sound->ringtone && !(a->snd.ringtone = strdup(prm->sound->ringtone)))
			e = ENOMEM;
	}
	{
		const char *c = prm->capture_device ? prm->capture_device : prm->device;
		const char *p = prm->playback_device ? prm->playback_device : prm->device;
		if ((c && !(a->cfg_cap = strdup(c))) || (p && !(a->cfg_play = strdup(p))))
			e = ENOMEM;
	}
	if (e)
		goto out;
	a->tones = sounds_of(a->has_snd ? &a->snd : NULL, prm->portaudio);
	if (prm->portaudio) {
		e = open_pa(a, a->cfg_cap, a->cfg_play, &a->dev, err, errsz);
	} else {
		a->file = true;
		dev_prm(a, &dp, err, errsz);
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
	bool left;

	if (!a)
		return;
	left = a->dev && a->dev->abandoned;
	tmr_cancel(&a->tick);
	tmr_cancel(&a->watch);
	audev_close(a->dev);
	/* after the device: its callback mixes the sounds and signals the wake-up (a device left as it was keeps both) */
	if (!left) {
		tones_free(a->tones);
		loop_wake_free(a->wake);
	}
	free((char *)a->snd.ringtone);
	free(a->cfg_cap);
	free(a->cfg_play);
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

/* s plays and records through a's device from now on. */
static void lend(struct call_audio *a, struct stream *s)
{
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

void call_audio_attach(struct call_audio *a, struct stream *s, call_audio_tick_h *h, void *arg)
{
	if (!a || !a->dev)
		return;
	if (a->active && a->active != arg && a->s)
		stream_set_device(a->s, NULL);
	a->active = arg;
	a->s = s;
	a->tickh = h;
	/* a device that has stopped is lent to no stream: it sends silence on its own clock */
	if (s && !a->gone)
		lend(a, s);
	if (!a->started && s) {
		if (audev_start(a->dev) == 0)
			a->started = true;
	}
	if (s)
		tick_start(a);
	watch_start(a);
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


/* What the direction not changed is called: the device in use, or (no sound card yet) the configured one. */
static const char *keep_name(const struct call_audio *a, bool input)
{
	const char *n, *api;

	if (!a->dev || a->file)
		return (input ? a->cfg_cap : a->cfg_play) ? (input ? a->cfg_cap : a->cfg_play) : "the default";
	call_audio_used(a, input, &n, &api);
	return n[0] ? n : "none";
}

/* ---- choosing the device: the list, a switch (also during a call), what is in use ---- */

bool call_audio_is_file(const struct call_audio *a)
{
	return a && a->file;
}

void call_audio_used(const struct call_audio *a, bool input, const char **name, const char **api)
{
	*name = "";
	*api = "";
	if (!a || !a->dev)
		return;
	if (a->file) {
		*name = "WAV file";
		return;
	}
	if (audev_pa_used(a->dev, input, name, api)) {
		*name = "";
		*api = "";
	}
}

/* a does nothing with its device now: no call on it, no sound playing */
static bool idle(const struct call_audio *a)
{
	return !a->active && !tone_on(a);
}

struct devs_ctx {
	const struct call_audio *a;
	call_audio_dev_h *h;
	void *arg;
	/* for find: what is wanted, in which direction, and the best match so far */
	const char *want;
	bool input;
	int found, rank; /* rank 2: the index, 1: the whole name, 0: a part of it */
	char name[AUDEV_NAME_MAX];
};

static bool same_dev(const struct call_audio *a, bool input, const struct audev_info *i)
{
	const char *n, *api;

	call_audio_used(a, input, &n, &api);
	return !a->file && n[0] && !strcmp(n, i->name) && !strcmp(api, i->host_api);
}

static void devs_h(const struct audev_info *i, void *arg)
{
	struct devs_ctx *x = arg;
	struct call_audio_dev d = {
		.index = i->index, .name = i->name, .api = i->host_api, .max_in = i->max_in,
		.max_out = i->max_out, .rate = (unsigned)i->default_rate, .default_in = i->is_default_in,
		.default_out = i->is_default_out, .used_in = same_dev(x->a, true, i),
		.used_out = same_dev(x->a, false, i),
	};

	x->h(&d, x->arg);
}

/*
 * A new list only when no device is open (PortAudio looks again only when it starts): an idle
 * device is closed for it and opened again by its names.
 */
int call_audio_devices(struct call_audio *a, call_audio_dev_h *h, void *arg, bool *fresh, char *err,
		       size_t errsz)
{
	struct devs_ctx x = { .a = a, .h = h, .arg = arg };
	char cap[AUDEV_NAME_MAX], play[AUDEV_NAME_MAX], why[300];
	bool reopen = false;
	int e;

	if (!a || !h)
		return EINVAL;
	*fresh = !a->dev || a->file || idle(a);
	if (a->dev && !a->file && idle(a)) {
		const char *n, *api;
		call_audio_used(a, true, &n, &api);
		snprintf(cap, sizeof(cap), "%s", n[0] ? n : "none");
		call_audio_used(a, false, &n, &api);
		snprintf(play, sizeof(play), "%s", n[0] ? n : "none");
		audev_close(a->dev);
		a->dev = NULL;
		a->started = false;
		a->gone = false;
		reopen = true;
	}
	audev_pa_set_chatter(pa_chatter_h, NULL);
	e = audev_pa_list(devs_h, &x);
	if (e && err && errsz)
		snprintf(err, errsz, "%s", audev_pa_errmsg());
	if (reopen && open_pa(a, cap, play, &a->dev, why, sizeof(why)) != 0) {
		a->dev = NULL;
		log_warn("audio: the sound device (%s / %s) cannot be opened again (%s): calls are silent until "
			 "another is chosen", cap, play, why);
	}
	return e;
}

static void find_h(const struct audev_info *i, void *arg)
{
	struct devs_ctx *x = arg;
	const char *p;
	int rank = -1;

	if ((x->input ? i->max_in : i->max_out) < 1)
		return;
	for (p = x->want; *p >= '0' && *p <= '9'; p++)
		;
	if (!*p && atoi(x->want) == i->index)
		rank = 2;
	else if (!strcasecmp(i->name, x->want))
		rank = 1;
	else if (strcasestr(i->name, x->want))
		rank = 0;
	if (rank > x->rank) {
		x->rank = rank;
		x->found = i->index;
		snprintf(x->name, sizeof(x->name), "%s", i->name);
	}
}

/* want (an index or a name, whole or a part) among the devices for input or output; its index as text */
static int find_dev(const char *want, bool input, char *idx, size_t idxsz, char *name, size_t namesz,
		    char *err, size_t errsz)
{
	struct devs_ctx x = { .want = want, .input = input, .rank = -1 };
	int e;

	if (!strcmp(want, "none")) {
		snprintf(idx, idxsz, "none");
		snprintf(name, namesz, "none");
		return 0;
	}
	audev_pa_set_chatter(pa_chatter_h, NULL);
	if ((e = audev_pa_list(find_h, &x)) != 0) {
		snprintf(err, errsz, "%s", audev_pa_errmsg());
		return e;
	}
	if (x.rank < 0) {
		snprintf(err, errsz, "no %s device '%s' (see the list: devices)", input ? "capture" : "playback", want);
		return ENODEV;
	}
	snprintf(idx, idxsz, "%d", x.found);
	snprintf(name, namesz, "%s", x.name);
	return 0;
}

struct keep_ctx {
	const char *name, *api;
	int found;
};

static void keep_h(const struct audev_info *i, void *arg)
{
	struct keep_ctx *x = arg;

	if (x->found < 0 && !strcmp(i->name, x->name) && !strcmp(i->host_api, x->api))
		x->found = i->index;
}

/*
 * The device for the direction not being changed: the one in use (by its index while it is open: the
 * same name may stand for devices of two host APIs), or the configured one.
 */
static const char *keep_dev(const struct call_audio *a, bool input, char *buf, size_t bufsz)
{
	struct keep_ctx x = { .found = -1 };

	if (!a->dev || a->file)
		return input ? a->cfg_cap : a->cfg_play;
	call_audio_used(a, input, &x.name, &x.api);
	if (!x.name[0])
		return "none";
	if (audev_pa_list(keep_h, &x) == 0 && x.found >= 0)
		snprintf(buf, bufsz, "%d", x.found);
	else
		snprintf(buf, bufsz, "%s", x.name);
	return buf;
}

int call_audio_switch(struct call_audio *a, const char *capture, const char *playback,
		      struct call_audio_switched *res, char *err, size_t errsz)
{
	char ci[16], pi[16], keepbuf[AUDEV_NAME_MAX], why[300], why2[300], names[2 * AUDEV_NAME_MAX + 40];
	const char *cap, *play;
	struct audev *old, *nd = NULL;
	bool was_file;
	uint64_t t0;
	int e;

	if (!a || !res || (!capture && !playback))
		return EINVAL;
	memset(res, 0, sizeof(*res));
	why[0] = why2[0] = '\0';
	old = a->dev;
	was_file = a->file;
	/* the list the user chose from is the one open now: its indices hold until the old device closes */
	if (capture) {
		if ((e = find_dev(capture, true, ci, sizeof(ci), res->capture, sizeof(res->capture), err, errsz)))
			return e;
		cap = ci;
	} else {
		cap = keep_dev(a, true, keepbuf, sizeof(keepbuf));
	}
	if (playback) {
		if ((e = find_dev(playback, false, pi, sizeof(pi), res->playback, sizeof(res->playback), err,
				  errsz)))
			return e;
		play = pi;
	} else {
		play = keep_dev(a, false, keepbuf, sizeof(keepbuf));
	}
	/* the pair as the error will name it */
	snprintf(names, sizeof(names), "capture '%s', playback '%s'", capture ? res->capture : keep_name(a, true),
		 playback ? res->playback : keep_name(a, false));
	if (!a->tones && !a->file)
		; /* sounds are off for this phone: a new card does not turn them on */
	else if (!a->tones && a->file)
		a->tones = sounds_of(a->has_snd ? &a->snd : NULL, true);
	/* the new device first, while the old one plays on: the gap is only stop and start */
	e = open_pa(a, cap, play, &nd, why, sizeof(why));
	/* a pair no device frees (two host APIs) is not worth a gap in the call */
	if (e && e != EXDEV && old && !a->file) {
		/* it may need what the old one holds (the same card in the other direction): free it */
		char oc[AUDEV_NAME_MAX], op[AUDEV_NAME_MAX];
		const char *n, *api;

		call_audio_used(a, true, &n, &api);
		snprintf(oc, sizeof(oc), "%s", n[0] ? n : "none");
		call_audio_used(a, false, &n, &api);
		snprintf(op, sizeof(op), "%s", n[0] ? n : "none");
		if (a->s)
			stream_set_device(a->s, NULL);
		audev_close(old);
		a->dev = old = NULL;
		a->started = false;
		a->gone = false;
		tmr_cancel(&a->watch);
		/* indices are PortAudio's new count now: ours name the devices instead */
		if (open_pa(a, capture ? res->capture : oc, playback ? res->playback : op, &nd, why2,
			    sizeof(why2)) == 0) {
			e = 0;
		} else if (open_pa(a, oc, op, &a->dev, why2, sizeof(why2)) == 0) {
			res->kept = true;
		} else {
			res->silent = true;
			log_warn("audio: the old device (%s / %s) cannot be opened again either: %s", oc, op, why2);
		}
	} else if (e) {
		res->kept = old != NULL;
		res->silent = !old;
	}
	if (e) {
		snprintf(err, errsz, "%s: %s%s%s", names, why,
			 res->kept ? "; the device in use stays" : "",
			 res->silent ? "; no sound device now: calls go on silent" : "");
		if (a->dev && !a->started && (a->s || tone_on(a))) {
			if (a->s)
				lend(a, a->s);
			if (audev_start(a->dev) == 0)
				a->started = true;
			watch_start(a);
		}
		return e;
	}
	t0 = mono_us();
	if (old && a->started)
		audev_stop(old);
	if (a->s)
		stream_set_device(a->s, NULL);
	a->dev = nd;
	a->file = false;
	a->started = false;
	a->gone = false;
	tmr_cancel(&a->watch);
	tmr_cancel(&a->tick); /* a clock of its own now */
	if (a->s)
		lend(a, a->s);
	if (a->s || tone_on(a)) {
		if (audev_start(nd) == 0)
			a->started = true;
		a->switch_t0 = t0;
	}
	watch_start(a);
	res->switch_us = mono_us() - t0;
	if (old && was_file)
		audev_flush(old); /* the recording so far is a complete file */
	audev_close(old);
	/* the stream ran on the file device's tick: the user's own clock takes over at once */
	if (was_file && a->active)
		a->tickh(loop_now_ms(), a->active);
	if (!capture)
		snprintf(res->capture, sizeof(res->capture), "%s", keep_name(a, true));
	if (!playback)
		snprintf(res->playback, sizeof(res->playback), "%s", keep_name(a, false));
	return 0;
}
