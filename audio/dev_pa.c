/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dev_pa.c: PortAudio sound device (the only file that includes portaudio.h): 8 kHz mono rings <-> hardware. */
/*
 * The PortAudio callback hands each period to duplex_run (audio/duplex.c: resampling, tones, echo
 * cancellation, rings; its real-time review is there) and does nothing else: no printf, no
 * PortAudio calls, no malloc/free, no pthread_mutex.
 *
 * One stream carries both directions (full duplex), which PortAudio supports when both
 * devices belong to the same host API; a capture or playback name of "none" opens a
 * half-duplex stream. Full duplex is also what the echo canceller needs: the input and output
 * of one callback are a pair at a fixed offset in time.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <portaudio.h>

#include "aec.h"
#include "audev.h"
#include "duplex.h"
#include "pa_quiet.h"
#include "resamp.h"

struct pa_dev {
	struct audev head; /* must be first */
	PaStream *stream;
	int pa_ready;       /* Pa_Initialize succeeded: Pa_Terminate on close */
	unsigned dev_rate;
	int in_ch, out_ch;  /* channels opened; 0 = direction not used */
	unsigned in_lat_ms, out_lat_ms;
	struct duplex *dx;  /* the callback's work */
	/* the devices opened, as PortAudio names them (for the owner's "in use" marks) */
	char in_name[AUDEV_NAME_MAX], in_api[AUDEV_NAME_MAX];
	char out_name[AUDEV_NAME_MAX], out_api[AUDEV_NAME_MAX];
};

static _Thread_local const char *pa_errtext = "no error";

const char *audev_pa_errmsg(void)
{
	return pa_errtext;
}

const char *audev_pa_version(void)
{
	const PaVersionInfo *v = Pa_GetVersionInfo();

	if (v && v->versionText)
		return v->versionText;
	pa_errtext = Pa_GetErrorText(paNotInitialized); /* not loaded: says which library */
	return NULL;
}

static int pa_fail(PaError e)
{
	pa_errtext = Pa_GetErrorText(e);
	switch (e) {
	case paInvalidDevice:
	case paDeviceUnavailable:
		return ENODEV;
	case paInsufficientMemory:
		return ENOMEM;
	case paInvalidSampleRate:
	case paInvalidChannelCount:
	case paSampleFormatNotSupported:
		return ENOTSUP;
	default:
		return EIO;
	}
}

static int pa_callback(const void *input, void *output, unsigned long frames,
		       const PaStreamCallbackTimeInfo *time_info, PaStreamCallbackFlags flags, void *arg)
{
	struct pa_dev *d = arg;

	(void)time_info;
	(void)flags;
	duplex_run(d->dx, input, output, frames);
	return paContinue;
}

/* "" / NULL: default device; "none": not used; digits: index; otherwise a name substring. */
static int pick_device(const char *want, int input, PaDeviceIndex *idx)
{
	PaDeviceIndex i, n = Pa_GetDeviceCount();
	const char *p;

	if (!want || !*want) {
		i = input ? Pa_GetDefaultInputDevice() : Pa_GetDefaultOutputDevice();
		if (i == paNoDevice) {
			pa_errtext = input ? "no default capture device" : "no default playback device";
			return ENODEV;
		}
		*idx = i;
		return 0;
	}
	if (strcmp(want, "none") == 0) {
		*idx = paNoDevice;
		return 0;
	}
	for (p = want; *p && isdigit((unsigned char)*p); p++)
		;
	if (!*p) {
		long v = strtol(want, NULL, 10);
		const PaDeviceInfo *di = v < n ? Pa_GetDeviceInfo((PaDeviceIndex)v) : NULL;
		if (!di || (input ? di->maxInputChannels : di->maxOutputChannels) < 1) {
			pa_errtext = "no such device index (see --list-devices)";
			return ENODEV;
		}
		*idx = (PaDeviceIndex)v;
		return 0;
	}
	/*
	 * The whole name first, then a part of one: a name saved from the list ("default") must not
	 * open another device that merely contains it ("sysdefault", listed before it).
	 */
	for (int whole = 1; whole >= 0; whole--) {
		for (i = 0; i < n; i++) {
			const PaDeviceInfo *di = Pa_GetDeviceInfo(i);
			size_t wl = strlen(want), k;
			if (!di || !di->name || (input ? di->maxInputChannels : di->maxOutputChannels) < 1)
				continue;
			if (whole) {
				if (strcasecmp(di->name, want) == 0) {
					*idx = i;
					return 0;
				}
				continue;
			}
			for (k = 0; di->name[k]; k++)
				if (strncasecmp(di->name + k, want, wl) == 0) {
					*idx = i;
					return 0;
				}
		}
	}
	pa_errtext = "no device name contains that text (see --list-devices)";
	return ENODEV;
}

/* Closes d; the caller has fd 2 in a pipe already. */
static void pa_close_quiet(struct pa_dev *d)
{
	if (!d)
		return;
	if (d->stream) {
		if (Pa_IsStreamActive(d->stream) == 1)
			Pa_StopStream(d->stream);
		Pa_CloseStream(d->stream);
	}
	if (d->pa_ready)
		Pa_Terminate();
	duplex_free(d->dx);
	ring_free(d->head.cap);
	ring_free(d->head.play);
	free(d);
}

static void pa_close(struct audev *ad)
{
	struct pa_quiet q;

	if (!ad || ad->abandoned)
		return;
	pa_quiet_begin(&q);
	pa_close_quiet((struct pa_dev *)ad);
	pa_quiet_end(&q);
}

static void set_params(PaStreamParameters *sp, PaDeviceIndex dev, int ch, int input)
{
	const PaDeviceInfo *di = Pa_GetDeviceInfo(dev);

	memset(sp, 0, sizeof(*sp));
	sp->device = dev;
	sp->channelCount = ch;
	sp->sampleFormat = paInt16;
	sp->suggestedLatency = input ? di->defaultLowInputLatency : di->defaultLowOutputLatency;
}

/* Find a rate (8 kHz first: no resampling) and channel counts (mono first) the devices take. */
static int choose_format(struct pa_dev *d, PaDeviceIndex in, PaDeviceIndex out)
{
	const PaDeviceInfo *di = Pa_GetDeviceInfo(in != paNoDevice ? in : out);
	double rates[5] = { 8000, di->defaultSampleRate, 48000, 44100, 16000 };
	PaStreamParameters ip, op;
	int r, ci, co;

	for (r = 0; r < 5; r++) {
		if (!resamp_rate_ok((unsigned)rates[r]) || rates[r] != (double)(unsigned)rates[r])
			continue;
		for (ci = in != paNoDevice ? 1 : 0; ci <= (in != paNoDevice ? 2 : 0); ci++) {
			for (co = out != paNoDevice ? 1 : 0; co <= (out != paNoDevice ? 2 : 0); co++) {
				if (ci)
					set_params(&ip, in, ci, 1);
				if (co)
					set_params(&op, out, co, 0);
				if (Pa_IsFormatSupported(ci ? &ip : NULL, co ? &op : NULL, rates[r]) ==
				    paFormatIsSupported) {
					d->dev_rate = (unsigned)rates[r];
					d->in_ch = ci;
					d->out_ch = co;
					return 0;
				}
			}
		}
	}
	pa_errtext = "device supports none of 8000/48000/44100/16000 Hz with 16-bit mono or stereo";
	return ENOTSUP;
}

/* Echo cancellation on or off (auto: a headset's microphone does not hear its speaker), and its tail. */
static unsigned echo_tail(struct pa_dev *d, const struct audev_prm *prm, PaDeviceIndex in, PaDeviceIndex out)
{
	const PaDeviceInfo *ii = in != paNoDevice ? Pa_GetDeviceInfo(in) : NULL;
	const PaDeviceInfo *oi = out != paNoDevice ? Pa_GetDeviceInfo(out) : NULL;
	unsigned tail;

	if (!d->in_ch || !d->out_ch || prm->echo == AUDEV_ECHO_OFF)
		return 0;
	if (prm->echo == AUDEV_ECHO_AUTO &&
	    ((ii && aec_name_is_headset(ii->name)) || (oi && aec_name_is_headset(oi->name))))
		return 0;
	if (prm->echo_tail_ms)
		return prm->echo_tail_ms > 1000 ? 1000 : prm->echo_tail_ms;
	/* the echo of what a callback plays reaches the input of a callback that much later */
	tail = d->in_lat_ms + d->out_lat_ms + 150;
	return tail < 200 ? 200 : tail > 1000 ? 1000 : tail;
}

static void name_of(PaDeviceIndex dev, char *name, char *api)
{
	const PaDeviceInfo *di = dev != paNoDevice ? Pa_GetDeviceInfo(dev) : NULL;
	const PaHostApiInfo *hi = di ? Pa_GetHostApiInfo(di->hostApi) : NULL;

	snprintf(name, AUDEV_NAME_MAX, "%s", di && di->name ? di->name : "");
	snprintf(api, AUDEV_NAME_MAX, "%s", hi && hi->name ? hi->name : "");
}

static int pa_duplex(struct pa_dev *d, const struct audev_prm *prm, PaDeviceIndex in, PaDeviceIndex out)
{
	const PaStreamInfo *si = Pa_GetStreamInfo(d->stream);
	struct duplex_prm xp;

	if (si) {
		d->in_lat_ms = d->in_ch ? (unsigned)(si->inputLatency * 1000 + 0.5) : 0;
		d->out_lat_ms = d->out_ch ? (unsigned)(si->outputLatency * 1000 + 0.5) : 0;
	}
	memset(&xp, 0, sizeof(xp));
	xp.dev_rate = d->dev_rate;
	xp.in_ch = (unsigned)d->in_ch;
	xp.out_ch = (unsigned)d->out_ch;
	xp.cap = d->head.cap;
	xp.play = d->head.play;
	xp.frame = d->head.frame;
	xp.wake = prm->wake;
	xp.arg = prm->arg;
	xp.tones = prm->tones;
	xp.echo_tail_ms = echo_tail(d, prm, in, out);
	return duplex_alloc(&d->dx, &xp);
}

static int pa_open(struct audev **adp, const struct audev_prm *prm)
{
	struct pa_dev *d;
	PaDeviceIndex in = paNoDevice, out = paNoDevice;
	PaStreamParameters ip, op;
	struct pa_quiet q;
	unsigned frame, depth;
	PaError pe;
	int r;

	if (!adp || !prm)
		return EINVAL;
	frame = prm->frame ? prm->frame : AUDEV_FRAME;
	depth = prm->ring_frames ? prm->ring_frames : 8;
	if (frame > 1920 || depth > 1024)
		return EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return ENOMEM;
	d->head.ops = &audev_pa_ops;
	d->head.frame = frame;

	pa_quiet_begin(&q);
	if ((pe = Pa_Initialize()) != paNoError) {
		r = pa_fail(pe);
		goto out;
	}
	d->pa_ready = 1;
	if ((r = pick_device(prm->capture, 1, &in)) != 0 || (r = pick_device(prm->playback, 0, &out)) != 0)
		goto out;
	if (in == paNoDevice && out == paNoDevice) {
		pa_errtext = "both directions are \"none\"";
		r = EINVAL;
		goto out;
	}
	if (in != paNoDevice && out != paNoDevice &&
	    Pa_GetDeviceInfo(in)->hostApi != Pa_GetDeviceInfo(out)->hostApi) {
		/* one full-duplex stream (the echo canceller needs its pairs of periods) takes one host API */
		pa_errtext = "capture and playback are devices of two host APIs (see the list); PortAudio runs both "
			     "in one stream: choose both of one host API";
		r = EXDEV;
		goto out;
	}
	if ((r = choose_format(d, in, out)) != 0)
		goto out;
	name_of(in, d->in_name, d->in_api);
	name_of(out, d->out_name, d->out_api);
	if ((r = ring_alloc(&d->head.cap, (size_t)frame * depth)) != 0 ||
	    (r = ring_alloc(&d->head.play, (size_t)frame * depth)) != 0)
		goto out;
	if (d->in_ch)
		set_params(&ip, in, d->in_ch, 1);
	if (d->out_ch)
		set_params(&op, out, d->out_ch, 0);
	pe = Pa_OpenStream(&d->stream, d->in_ch ? &ip : NULL, d->out_ch ? &op : NULL, d->dev_rate, paFramesPerBufferUnspecified,
			   paClipOff | paDitherOff, pa_callback, d);
	if (pe != paNoError) {
		d->stream = NULL;
		r = pa_fail(pe);
		goto out;
	}
	d->head.paired = d->in_ch && d->out_ch;
	if ((r = pa_duplex(d, prm, in, out)) != 0) {
		pa_errtext = r == ENOMEM ? "out of memory" : "cannot set up resampling, tones or echo cancellation";
		goto out;
	}
out:
	if (r) {
		if (prm->err && prm->errlen)
			snprintf(prm->err, prm->errlen, "audio device: %s", r == ENOMEM ? strerror(r) : pa_errtext);
		pa_close_quiet(d);
		pa_quiet_end(&q);
		return r;
	}
	pa_quiet_end(&q);
	*adp = &d->head;
	return 0;
}

static int pa_start(struct audev *ad)
{
	struct pa_dev *d = (struct pa_dev *)ad;
	struct pa_quiet q;
	PaError pe;

	pa_quiet_begin(&q);
	pe = Pa_StartStream(d->stream);
	pa_quiet_end(&q);
	return pe == paNoError ? 0 : pa_fail(pe);
}

static int pa_stop(struct audev *ad)
{
	struct pa_dev *d = (struct pa_dev *)ad;
	struct pa_quiet q;
	PaError pe;

	if (ad->abandoned || Pa_IsStreamActive(d->stream) != 1)
		return 0;
	pa_quiet_begin(&q);
	pe = Pa_StopStream(d->stream);
	pa_quiet_end(&q);
	return pe == paNoError ? 0 : pa_fail(pe);
}

static void pa_stats(const struct audev *ad, struct audev_stats *st)
{
	struct pa_dev *d = (struct pa_dev *)ad;

	duplex_stats(d->dx, st);
	st->in_latency_ms = d->in_lat_ms;
	st->out_latency_ms = d->out_lat_ms;
}

const struct audev_ops audev_pa_ops = {
	.name = "portaudio",
	.open = pa_open,
	.start = pa_start,
	.stop = pa_stop,
	.close = pa_close,
	.tick = NULL,
	.stats = pa_stats,
};

int audev_pa_used(const struct audev *ad, int input, const char **name, const char **api)
{
	const struct pa_dev *d = (const struct pa_dev *)ad;

	if (!ad || ad->ops != &audev_pa_ops)
		return EINVAL;
	*name = input ? d->in_name : d->out_name;
	*api = input ? d->in_api : d->out_api;
	return (*name)[0] ? 0 : ENOENT;
}

int audev_pa_list(audev_list_h *h, void *arg)
{
	PaDeviceIndex i, n = 0, din = paNoDevice, dout = paNoDevice;
	struct pa_quiet q;
	PaError pe;

	if (!h)
		return EINVAL;
	pa_quiet_begin(&q);
	pe = Pa_Initialize();
	if (pe == paNoError) {
		n = Pa_GetDeviceCount();
		din = Pa_GetDefaultInputDevice();
		dout = Pa_GetDefaultOutputDevice();
	}
	pa_quiet_end(&q);
	if (pe != paNoError)
		return pa_fail(pe);
	if (n <= 0) {
		pa_errtext = "no sound card: PortAudio finds no capture or playback device (ALSA, JACK, OSS)";
		pa_quiet_begin(&q);
		Pa_Terminate();
		pa_quiet_end(&q);
		return ENODEV;
	}
	for (i = 0; i < n; i++) {
		const PaDeviceInfo *di = Pa_GetDeviceInfo(i);
		const PaHostApiInfo *hi = di ? Pa_GetHostApiInfo(di->hostApi) : NULL;
		struct audev_info info;
		if (!di)
			continue;
		info.index = i;
		info.name = di->name ? di->name : "?";
		info.host_api = hi && hi->name ? hi->name : "?";
		info.max_in = di->maxInputChannels;
		info.max_out = di->maxOutputChannels;
		info.default_rate = di->defaultSampleRate;
		info.is_default_in = i == din;
		info.is_default_out = i == dout;
		h(&info, arg);
	}
	pa_quiet_begin(&q);
	Pa_Terminate();
	pa_quiet_end(&q);
	return 0;
}
