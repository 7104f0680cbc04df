/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dev_pa.c: PortAudio sound device (the only file that includes portaudio.h): 8 kHz mono rings <-> hardware. */
/*
 * Real-time review of the callback (pa_callback and what it calls). It runs on PortAudio's
 * (for JACK: the JACK client's) thread and must not allocate, lock, log or block.
 * Functions called from the callback, every one of them bounded, lock-free, allocation-free:
 *   - cap_push(), play_pull(): this file; only loops, arithmetic and the calls below
 *   - resamp_process() -> speex_resampler_process_int(): filter state and buffers are all
 *     allocated by resamp_alloc() at open; processing only reads/writes that memory (its
 *     int16 path uses a bounded stack scratch array, no heap). Allocation happens only when
 *     the rate or quality changes, which this file never does after open.
 *   - ring_write() (capture ring, producer side), ring_read() (playback ring, consumer side):
 *     C11 atomics + memcpy, never block
 *   - ring_avail() on the capture ring: one atomic load
 *   - memset(), memmove(), memcpy()
 *   - atomic_fetch_add_explicit()/atomic_store_explicit() (relaxed) on the statistics
 *   - the owner's wake(arg): contract in audev.h says it is async-signal-safe (e.g. write(2)
 *     of 8 bytes to an eventfd)
 * Nothing else: no printf, no PortAudio calls, no malloc/free, no pthread_mutex.
 *
 * Why resampling happens in the callback: the owner always sees 8 kHz mono frames whatever
 * the device does (files, 8 kHz ALSA, 48 kHz JACK), and no extra thread or 48 kHz ring is
 * needed. That is safe because of the pre-allocated speex state above, and the work per
 * call is bounded (one 20 ms block each way).
 *
 * One stream carries both directions (full duplex), which PortAudio supports when both
 * devices belong to the same host API; a capture or playback name of "none" opens a
 * half-duplex stream.
 */
#include <ctype.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <portaudio.h>

#include "audev.h"
#include "pa_quiet.h"
#include "resamp.h"

struct pa_dev {
	struct audev head; /* must be first */
	PaStream *stream;
	int pa_ready;       /* Pa_Initialize succeeded: Pa_Terminate on close */
	unsigned dev_rate;
	unsigned dev_frames; /* 20 ms at dev_rate: the scratch buffers' size */
	int in_ch, out_ch;  /* channels opened; 0 = direction not used */
	struct resamp *rs_in;  /* dev_rate -> 8000, NULL at 8000 */
	struct resamp *rs_out; /* 8000 -> dev_rate, NULL at 8000 */
	int16_t *mono;      /* dev_frames: capture downmix / playback before upmix */
	int16_t *cap8;      /* resampled capture, up to one 20 ms frame + slack */
	size_t cap8_size;
	int16_t *play8;     /* 8 kHz samples taken from the ring, not yet resampled */
	size_t play8_len, play8_size;
	audev_wake_h *wake;
	void *arg;
	/* statistics: written by the callback, read by audev_stats */
	atomic_uint_fast64_t callbacks, dev_samples, cap_samples, play_samples, cap_over, play_under;
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

static void stat_add(atomic_uint_fast64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* Capture: n device frames of interleaved input -> mono -> 8 kHz -> capture ring. */
static void cap_push(struct pa_dev *d, const int16_t *in, size_t n)
{
	size_t i, il, ol, w;
	const int16_t *src;

	if (!in) { /* PortAudio passes NULL input on some underflows: treat as silence */
		memset(d->mono, 0, n * sizeof(*d->mono));
	} else if (d->in_ch == 1) {
		memcpy(d->mono, in, n * sizeof(*d->mono));
	} else {
		for (i = 0; i < n; i++)
			d->mono[i] = (int16_t)(((int)in[i * 2] + (int)in[i * 2 + 1]) / 2);
	}
	src = d->mono;
	ol = n;
	if (d->rs_in) {
		il = n;
		ol = d->cap8_size;
		if (resamp_process(d->rs_in, d->mono, &il, d->cap8, &ol) != 0)
			ol = 0;
		src = d->cap8;
	}
	w = ring_write(d->head.cap, src, ol);
	stat_add(&d->cap_samples, w);
	if (w < ol)
		stat_add(&d->cap_over, ol - w);
	if (d->wake && ring_avail(d->head.cap) >= d->head.frame)
		d->wake(d->arg);
}

/* Playback: playback ring -> 8 kHz staging -> dev_rate mono -> n interleaved device frames. */
static void play_pull(struct pa_dev *d, int16_t *out, size_t n)
{
	size_t done = 0, i;
	int c;

	if (!d->rs_out) {
		done = ring_read(d->head.play, d->mono, n);
		stat_add(&d->play_samples, done);
	} else {
		while (done < n) {
			size_t il, ol, got;
			/* top up the staging buffer; what the resampler does not consume stays for next time */
			got = ring_read(d->head.play, d->play8 + d->play8_len, d->play8_size - d->play8_len);
			d->play8_len += got;
			stat_add(&d->play_samples, got);
			if (d->play8_len == 0)
				break;
			il = d->play8_len;
			ol = n - done;
			if (resamp_process(d->rs_out, d->play8, &il, d->mono + done, &ol) != 0)
				break;
			memmove(d->play8, d->play8 + il, (d->play8_len - il) * sizeof(*d->play8));
			d->play8_len -= il;
			done += ol;
			if (il == 0 && ol == 0)
				break;
		}
	}
	if (done < n) {
		memset(d->mono + done, 0, (n - done) * sizeof(*d->mono));
		stat_add(&d->play_under, n - done);
	}
	if (d->out_ch == 1) {
		memcpy(out, d->mono, n * sizeof(*out));
	} else {
		for (i = 0; i < n; i++)
			for (c = 0; c < d->out_ch; c++)
				out[i * (size_t)d->out_ch + (size_t)c] = d->mono[i];
	}
}

static int pa_callback(const void *input, void *output, unsigned long frames,
		       const PaStreamCallbackTimeInfo *time_info, PaStreamCallbackFlags flags, void *arg)
{
	struct pa_dev *d = arg;
	const int16_t *in = input;
	int16_t *out = output;
	unsigned long off = 0;

	(void)time_info;
	(void)flags;
	stat_add(&d->callbacks, 1);
	stat_add(&d->dev_samples, frames);
	/* PortAudio is asked for dev_frames per call; chunk anyway in case a host API differs */
	while (off < frames) {
		size_t n = frames - off < d->dev_frames ? frames - off : d->dev_frames;
		if (d->in_ch)
			cap_push(d, in ? in + off * (size_t)d->in_ch : NULL, n);
		if (d->out_ch)
			play_pull(d, out + off * (size_t)d->out_ch, n);
		off += n;
	}
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
	for (i = 0; i < n; i++) {
		const PaDeviceInfo *di = Pa_GetDeviceInfo(i);
		size_t wl = strlen(want), k;
		if (!di || !di->name || (input ? di->maxInputChannels : di->maxOutputChannels) < 1)
			continue;
		for (k = 0; di->name[k]; k++)
			if (strncasecmp(di->name + k, want, wl) == 0) {
				*idx = i;
				return 0;
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
	resamp_free(d->rs_in);
	resamp_free(d->rs_out);
	free(d->mono);
	free(d->cap8);
	free(d->play8);
	ring_free(d->head.cap);
	ring_free(d->head.play);
	free(d);
}

static void pa_close(struct audev *ad)
{
	struct pa_quiet q;

	if (!ad)
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
	frame = prm->frame ? prm->frame : 160;
	depth = prm->ring_frames ? prm->ring_frames : 8;
	if (frame > 1920 || depth > 1024)
		return EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return ENOMEM;
	d->head.ops = &audev_pa_ops;
	d->head.frame = frame;
	d->wake = prm->wake;
	d->arg = prm->arg;

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
	if ((r = choose_format(d, in, out)) != 0)
		goto out;
	d->dev_frames = d->dev_rate / 50;
	if (d->dev_rate != 8000 &&
	    ((r = resamp_alloc(&d->rs_in, d->dev_rate, 8000, -1)) != 0 ||
	     (r = resamp_alloc(&d->rs_out, 8000, d->dev_rate, -1)) != 0))
		goto out;
	d->cap8_size = d->rs_in ? resamp_out_max(d->rs_in, d->dev_frames) + 16 : d->dev_frames;
	d->play8_size = 2 * 160 + 16;
	d->mono = calloc(d->dev_frames, sizeof(*d->mono));
	d->cap8 = calloc(d->cap8_size, sizeof(*d->cap8));
	d->play8 = calloc(d->play8_size, sizeof(*d->play8));
	if (!d->mono || !d->cap8 || !d->play8) {
		r = ENOMEM;
		goto out;
	}
	if ((r = ring_alloc(&d->head.cap, (size_t)frame * depth)) != 0 ||
	    (r = ring_alloc(&d->head.play, (size_t)frame * depth)) != 0)
		goto out;
	if (d->in_ch)
		set_params(&ip, in, d->in_ch, 1);
	if (d->out_ch)
		set_params(&op, out, d->out_ch, 0);
	pe = Pa_OpenStream(&d->stream, d->in_ch ? &ip : NULL, d->out_ch ? &op : NULL, d->dev_rate, d->dev_frames,
			   paClipOff | paDitherOff, pa_callback, d);
	if (pe != paNoError) {
		d->stream = NULL;
		r = pa_fail(pe);
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

	if (Pa_IsStreamActive(d->stream) != 1)
		return 0;
	pa_quiet_begin(&q);
	pe = Pa_StopStream(d->stream);
	pa_quiet_end(&q);
	return pe == paNoError ? 0 : pa_fail(pe);
}

static void pa_stats(const struct audev *ad, struct audev_stats *st)
{
	struct pa_dev *d = (struct pa_dev *)ad;

	memset(st, 0, sizeof(*st));
	st->callbacks = atomic_load_explicit(&d->callbacks, memory_order_relaxed);
	st->dev_frames = atomic_load_explicit(&d->dev_samples, memory_order_relaxed);
	st->cap_samples = atomic_load_explicit(&d->cap_samples, memory_order_relaxed);
	st->play_samples = atomic_load_explicit(&d->play_samples, memory_order_relaxed);
	st->cap_overruns = atomic_load_explicit(&d->cap_over, memory_order_relaxed);
	st->play_underruns = atomic_load_explicit(&d->play_under, memory_order_relaxed);
	st->dev_rate = d->dev_rate;
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
