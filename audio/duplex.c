/* SPDX-License-Identifier: GPL-3.0-or-later */
/* duplex.c: per-period work of a sound device: resampling, downmix/upmix, tone mixing, echo cancellation, rings. */
/*
 * Real-time review of duplex_run and what it calls. It runs on the device's thread (PortAudio's, or
 * for JACK the JACK client's) and must not allocate, lock, log or block. Every function it calls is
 * bounded, lock-free and allocation-free:
 *   - cap_push(), play_pull(), ref_take(): this file; loops, arithmetic and the calls below
 *   - resamp_process() -> speex_resampler_process_int(): filter state and buffers are allocated by
 *     resamp_alloc() here; processing only reads and writes that memory (its int16 path uses a
 *     bounded stack array). It allocates only when the rate or quality changes, which never happens
 *     after duplex_alloc.
 *   - aec_push() -> speex_echo_cancellation(), speex_preprocess_run(): states made by aec_alloc();
 *     one frame's work each (FFTs over the tail's blocks), scratch on the stack or in the state
 *   - tones_mix(): copies from clips rendered by tones_prepare(); atomics to hear the owner
 *   - ring_write() (capture ring, producer side), ring_read() (playback ring, consumer side),
 *     ring_avail(): C11 atomics + memcpy, never block
 *   - memset(), memmove(), memcpy(); relaxed atomic adds on the statistics
 *   - the owner's wake(arg): audev.h's contract says async-signal-safe (e.g. write(2) to an eventfd)
 * Nothing else: no printf, no malloc/free, no pthread_mutex. tests/unit/test_duplex.c runs it with
 * every option on, counting calls to the allocator.
 *
 * Why resampling happens here: the owner sees 8 kHz mono frames whatever the device does (files,
 * 8 kHz ALSA, 48 kHz JACK), with no extra thread or 48 kHz ring; the work per call is bounded (one
 * 20 ms piece at a time).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "aec.h"
#include "duplex.h"
#include "resamp.h"

#define AEC_FRAME 80 /* 10 ms: the preprocessor delays the microphone by one frame; ERLE as with 20 ms (doc/media.md) */

struct duplex {
	unsigned dev_rate;
	size_t piece;          /* device frames worked on at once: 20 ms */
	unsigned in_ch, out_ch;
	struct ring *cap, *play;
	unsigned frame;
	audev_wake_h *wake;
	void *arg;
	struct tones *tones;
	struct aec *aec;
	struct resamp *rs_in;  /* dev_rate -> 8000, NULL at 8000 */
	struct resamp *rs_out; /* 8000 -> dev_rate, NULL at 8000 */
	struct resamp *rs_ref; /* dev_rate -> 8000 for the echo reference, NULL at 8000 or without the canceller */
	int16_t *mono;         /* piece: capture downmix, or playback before upmix */
	int16_t *cap8;         /* resampled capture, one piece + slack */
	int16_t *ref8;         /* the played piece at 8 kHz, in step with cap8 */
	int16_t *clean;        /* cap8 after the canceller, + one canceller frame */
	size_t cap8_size, ref8_len;
	int16_t *play8;        /* 8 kHz samples taken from the ring, not yet resampled */
	size_t play8_len, play8_size;
	/* statistics: written by duplex_run, read by duplex_stats */
	atomic_uint_fast64_t callbacks, dev_samples, cap_samples, play_samples, cap_over, play_under, echo_slips;
};

static void stat_add(atomic_uint_fast64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

void duplex_free(struct duplex *d)
{
	if (!d)
		return;
	aec_free(d->aec);
	resamp_free(d->rs_in);
	resamp_free(d->rs_out);
	resamp_free(d->rs_ref);
	free(d->mono);
	free(d->cap8);
	free(d->ref8);
	free(d->clean);
	free(d->play8);
	free(d);
}

int duplex_alloc(struct duplex **dp, const struct duplex_prm *prm)
{
	struct duplex *d;
	int r = 0;

	if (!dp || !prm || !resamp_rate_ok(prm->dev_rate) || prm->in_ch > 2 || prm->out_ch > 2 ||
	    (!prm->in_ch && !prm->out_ch) || (prm->in_ch && !prm->cap) || (prm->out_ch && !prm->play) ||
	    prm->echo_tail_ms > 1000)
		return EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return ENOMEM;
	d->dev_rate = prm->dev_rate;
	d->piece = prm->dev_rate * AUDEV_FRAME_MS / 1000;
	d->in_ch = prm->in_ch;
	d->out_ch = prm->out_ch;
	d->cap = prm->cap;
	d->play = prm->play;
	d->frame = prm->frame ? prm->frame : AUDEV_FRAME;
	d->wake = prm->wake;
	d->arg = prm->arg;
	d->tones = prm->out_ch ? prm->tones : NULL;
	if (d->dev_rate != 8000 &&
	    ((r = resamp_alloc(&d->rs_in, d->dev_rate, 8000, -1)) != 0 ||
	     (r = resamp_alloc(&d->rs_out, 8000, d->dev_rate, -1)) != 0))
		goto out;
	/*
	 * A period's capture is a whole frame in the ring at the end of that period: primed, the
	 * resampler held back its last 3 ms (24 samples at 8 kHz) for the next period, so without the
	 * canceller (whose framing pads its first frame) each frame went out a period late: 20 ms of
	 * mouth-to-ear delay for 3 ms of filter. Playback keeps its priming: its ring is topped up a
	 * frame ahead, which covers the filter's look-ahead.
	 */
	resamp_lead_zeros(d->rs_in);
	d->cap8_size = d->rs_in ? resamp_out_max(d->rs_in, d->piece) + 16 : d->piece;
	d->play8_size = 2 * (d->piece * 8000 / d->dev_rate) + 16;
	d->mono = calloc(d->piece, sizeof(*d->mono));
	d->cap8 = calloc(d->cap8_size, sizeof(*d->cap8));
	d->play8 = calloc(d->play8_size, sizeof(*d->play8));
	if (!d->mono || !d->cap8 || !d->play8) {
		r = ENOMEM;
		goto out;
	}
	if (prm->echo_tail_ms && d->in_ch && d->out_ch) {
		if ((r = aec_alloc(&d->aec, AEC_FRAME, prm->echo_tail_ms, AEC_SUPPRESS)) != 0 ||
		    (d->dev_rate != 8000 && (r = resamp_alloc(&d->rs_ref, d->dev_rate, 8000, -1)) != 0))
			goto out;
		resamp_lead_zeros(d->rs_ref); /* the reference in step with the capture, as above */
		d->ref8 = calloc(d->cap8_size, sizeof(*d->ref8));
		d->clean = calloc(d->cap8_size + AEC_FRAME, sizeof(*d->clean));
		if (!d->ref8 || !d->clean) {
			r = ENOMEM;
			goto out;
		}
	}
	if (d->tones && (r = tones_prepare(d->tones, d->dev_rate)) != 0)
		goto out;
out:
	if (r) {
		duplex_free(d);
		return r;
	}
	*dp = d;
	return 0;
}

/* Playback: playback ring -> 8 kHz staging -> dev_rate mono (d->mono) -> + tones -> n interleaved frames. */
static void play_pull(struct duplex *d, int16_t *out, size_t n)
{
	size_t done = 0, i;
	unsigned c;

	if (!d->rs_out) {
		done = ring_read(d->play, d->mono, n);
		stat_add(&d->play_samples, done);
	} else {
		bool again = false;
		while (done < n) {
			size_t il, ol, got, need;
			/*
			 * Top up the staging buffer with what this piece needs (and a sample more), not all it
			 * holds: what waits here is delay the owner cannot see in the ring's level (a greedy top-up
			 * kept up to two frames of it). What the resampler does not consume stays for next time.
			 */
			need = ((n - done) * 8000 + d->dev_rate - 1) / d->dev_rate + 1;
			need = need > d->play8_len ? need - d->play8_len : again;
			again = true; /* a pass that came short asks for one more sample at least */
			if (need > d->play8_size - d->play8_len)
				need = d->play8_size - d->play8_len;
			got = ring_read(d->play, d->play8 + d->play8_len, need);
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
	tones_mix(d->tones, d->mono, n);
	if (d->out_ch == 1) {
		memcpy(out, d->mono, n * sizeof(*out));
	} else {
		for (i = 0; i < n; i++)
			for (c = 0; c < d->out_ch; c++)
				out[i * d->out_ch + c] = d->mono[i];
	}
}

/* The echo canceller's reference: what play_pull left in d->mono, at 8 kHz. */
static void ref_take(struct duplex *d, size_t n)
{
	size_t il = n, ol = d->cap8_size;

	if (!d->rs_ref) {
		memcpy(d->ref8, d->mono, n * sizeof(*d->ref8));
		d->ref8_len = n;
		return;
	}
	if (resamp_process(d->rs_ref, d->mono, &il, d->ref8, &ol) != 0)
		ol = 0;
	d->ref8_len = ol;
}

/* Capture: n device frames of interleaved input -> mono -> 8 kHz -> canceller -> capture ring. */
static void cap_push(struct duplex *d, const int16_t *in, size_t n)
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
	if (d->aec) {
		/* twin resamplers fed alike give equal counts; should they not, the pair stays whole */
		if (d->ref8_len != ol) {
			stat_add(&d->echo_slips, 1);
			if (d->ref8_len < ol)
				memset(d->ref8 + d->ref8_len, 0, (ol - d->ref8_len) * sizeof(*d->ref8));
		}
		ol = aec_push(d->aec, src, d->ref8, ol, d->clean);
		src = d->clean;
	}
	w = ring_write(d->cap, src, ol);
	stat_add(&d->cap_samples, w);
	if (w < ol)
		stat_add(&d->cap_over, ol - w);
	if (d->wake && ring_avail(d->cap) >= d->frame)
		d->wake(d->arg);
}

void duplex_run(struct duplex *d, const int16_t *in, int16_t *out, size_t n)
{
	size_t off = 0;

	stat_add(&d->callbacks, 1);
	stat_add(&d->dev_samples, n);
	while (off < n) {
		size_t k = n - off < d->piece ? n - off : d->piece;
		/* playback first: this piece's output is the canceller's reference for this piece's input */
		if (d->out_ch)
			play_pull(d, out + off * d->out_ch, k);
		if (d->aec)
			ref_take(d, k);
		if (d->in_ch)
			cap_push(d, in ? in + off * d->in_ch : NULL, k);
		off += k;
	}
}

void duplex_stats(const struct duplex *d, struct audev_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->callbacks = atomic_load_explicit(&d->callbacks, memory_order_relaxed);
	st->dev_frames = atomic_load_explicit(&d->dev_samples, memory_order_relaxed);
	st->cap_samples = atomic_load_explicit(&d->cap_samples, memory_order_relaxed);
	st->play_samples = atomic_load_explicit(&d->play_samples, memory_order_relaxed);
	st->cap_overruns = atomic_load_explicit(&d->cap_over, memory_order_relaxed);
	st->play_underruns = atomic_load_explicit(&d->play_under, memory_order_relaxed);
	st->echo_slips = atomic_load_explicit(&d->echo_slips, memory_order_relaxed);
	st->dev_rate = d->dev_rate;
	st->echo_tail_ms = aec_tail_ms(d->aec);
}
