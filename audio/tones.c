/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tones.c: ringtone, ring-back and call-waiting sounds: cadences rendered at open, mixed lock-free by the device. */
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resamp.h"
#include "tone.h"
#include "tones.h"
#include "wav.h"

#define RAMP_MS 5 /* fade in/out of a generated burst, and of any sound when it is stopped */
#define STOP_CODE 0u

/* One sound as the owner set it up. */
struct snd {
	bool is_wav;
	struct tones_gen gen;
	struct tones_cadence cad;
	int16_t *src;      /* WAV: mono samples at src_rate */
	size_t src_len;
	unsigned src_rate;
	/* rendered by tones_prepare at the device rate: each step's burst and its silence after */
	int16_t *clip[TONES_MAX_STEPS]; /* a WAV's steps share clip[0] */
	size_t clip_len[TONES_MAX_STEPS];
	size_t gap_len[TONES_MAX_STEPS];
};

struct tones {
	struct snd snd[TONES_COUNT];
	unsigned rate;
	/* owner -> device: (request number << 8) | code (STOP_CODE, or 1 + id); volume per sound */
	atomic_uint req;
	atomic_uint vol[TONES_COUNT];
	unsigned req_seq; /* owner's own counter */
	/* device -> owner: the request it has acted on, and what it plays (-1: nothing) */
	atomic_uint ack;
	atomic_int playing;
	/* device side only */
	int cur;           /* sound playing, -1 none */
	unsigned step, cycle;
	bool in_gap;
	size_t pos;        /* position in the burst or the gap */
	size_t fade, fade_len; /* stopping: samples of fade left, of fade_len */
};

static const char *const names[TONES_COUNT] = { "ring", "ringback", "waiting" };

const char *tones_name(enum tones_id id)
{
	return (unsigned)id < TONES_COUNT ? names[id] : "?";
}

/*
 * The built-in sounds, chosen to be told apart and to fit no one country in particular: the
 * ringtone a brisk trill of 800/1000 Hz, 2 s on and 4 s off, loud (it must carry across a room);
 * ring-back the CEPT 425 Hz, 1 s on and 4 s off, at a listening level; the waiting beep two short
 * 425 Hz pips every 5 s, quiet enough not to cover the call.
 */
static void tones_default(struct tones *t)
{
	static const struct {
		struct tones_gen g;
		struct tones_cadence c;
	} def[TONES_COUNT] = {
		[TONES_RING] = { { 800, 1000, 50, -6.0 }, { { 2000 }, { 4000 }, 1, 0 } },
		[TONES_RINGBACK] = { { 425, 0, 0, -16.0 }, { { 1000 }, { 4000 }, 1, 0 } },
		[TONES_WAITING] = { { 425, 0, 0, -16.0 }, { { 200, 200 }, { 200, 4400 }, 2, 0 } },
	};
	int i;

	for (i = 0; i < TONES_COUNT; i++) {
		t->snd[i].gen = def[i].g;
		t->snd[i].cad = def[i].c;
	}
}

int tones_alloc(struct tones **tp)
{
	struct tones *t;
	int i;

	if (!tp)
		return EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return ENOMEM;
	tones_default(t);
	for (i = 0; i < TONES_COUNT; i++)
		atomic_init(&t->vol[i], 100);
	atomic_init(&t->req, STOP_CODE);
	atomic_init(&t->ack, STOP_CODE);
	atomic_init(&t->playing, -1);
	t->cur = -1;
	*tp = t;
	return 0;
}

static void snd_unrender(struct snd *s)
{
	int k;

	for (k = 0; k < TONES_MAX_STEPS; k++) {
		if (k == 0 || s->clip[k] != s->clip[0])
			free(s->clip[k]);
		s->clip[k] = NULL;
		s->clip_len[k] = s->gap_len[k] = 0;
	}
}

static void snd_clear(struct snd *s)
{
	snd_unrender(s);
	free(s->src);
	s->src = NULL;
	s->src_len = 0;
	s->is_wav = false;
}

void tones_free(struct tones *t)
{
	int i;

	if (!t)
		return;
	for (i = 0; i < TONES_COUNT; i++)
		snd_clear(&t->snd[i]);
	free(t);
}

static int cadence_ok(const struct tones_cadence *c)
{
	unsigned k;

	if (!c || c->steps < 1 || c->steps > TONES_MAX_STEPS)
		return 0;
	for (k = 0; k < c->steps; k++)
		if (c->on_ms[k] == 0 || c->on_ms[k] > TONES_MAX_CLIP_MS || c->off_ms[k] > 600000)
			return 0;
	return 1;
}

int tones_set_gen(struct tones *t, enum tones_id id, const struct tones_gen *g, const struct tones_cadence *c)
{
	struct snd *s;

	if (!t || (unsigned)id >= TONES_COUNT || !g || !cadence_ok(c) || !(g->hz1 >= 20 && g->hz1 <= 3800) ||
	    !(g->hz2 == 0 || (g->hz2 >= 20 && g->hz2 <= 3800)) || g->alt_ms > 10000 || !(g->level_dbfs <= 0) ||
	    !(g->level_dbfs >= -80))
		return EINVAL;
	if (t->rate)
		return EBUSY;
	s = &t->snd[id];
	snd_clear(s);
	s->gen = *g;
	s->cad = *c;
	return 0;
}

int tones_set_wav(struct tones *t, enum tones_id id, const char *path, unsigned gap_ms, unsigned cycles, char *err,
		  size_t errlen)
{
	struct wav *w = NULL;
	const struct wav_info *wi;
	int16_t *buf = NULL;
	size_t got = 0;
	struct snd *s;
	int r;

	if (err && errlen)
		err[0] = 0;
	if (!t || (unsigned)id >= TONES_COUNT || !path || gap_ms > 600000)
		return EINVAL;
	if (t->rate)
		return EBUSY;
	if ((r = wav_open_read_rate(&w, path, 0, err, errlen)) != 0)
		goto out;
	wi = wav_info(w);
	if (wi->frames > (uint64_t)wi->rate * TONES_MAX_CLIP_MS / 1000) {
		r = EFBIG;
		if (err && errlen)
			snprintf(err, errlen, "%s: %.1f s long; a sound may last at most %d s", path,
				 (double)wi->frames / wi->rate, TONES_MAX_CLIP_MS / 1000);
		goto out;
	}
	if (wi->frames == 0) {
		r = ENODATA;
		if (err && errlen)
			snprintf(err, errlen, "%s: no samples", path);
		goto out;
	}
	buf = malloc((size_t)wi->frames * sizeof(*buf));
	if (!buf) {
		r = ENOMEM;
		goto out;
	}
	if ((r = wav_read(w, buf, (size_t)wi->frames, &got)) != 0) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(r));
		goto out;
	}
	s = &t->snd[id];
	snd_clear(s);
	s->is_wav = true;
	s->src = buf;
	s->src_len = got;
	s->src_rate = wi->rate;
	memset(&s->cad, 0, sizeof(s->cad));
	s->cad.steps = 1;
	s->cad.off_ms[0] = gap_ms;
	s->cad.cycles = cycles;
	buf = NULL;
out:
	free(buf);
	wav_close(w);
	return r;
}

static size_t ms_len(unsigned ms, unsigned rate)
{
	return (size_t)((uint64_t)ms * rate / 1000);
}

/* a phase plus its step, back into [0, 2pi) */
static double wrap(double ph)
{
	while (ph >= 2.0 * M_PI)
		ph -= 2.0 * M_PI;
	return ph;
}

/* One burst of a generated sound, with its fade in and out (no click at either end). */
static int render_gen(const struct tones_gen *g, unsigned rate, size_t n, int16_t **outp)
{
	double amp = 32767.0 * tone_db_gain(g->level_dbfs), ph1 = 0, ph2 = 0;
	size_t ramp = ms_len(RAMP_MS, rate), alt = ms_len(g->alt_ms, rate), i;
	int16_t *o;

	o = malloc(n * sizeof(*o));
	if (!o)
		return ENOMEM;
	if (ramp > n / 2)
		ramp = n / 2;
	for (i = 0; i < n; i++) {
		double v, env = 1.0;
		if (g->hz2 > 0 && alt) {
			/* a trill: one phase that changes speed, so the switch is continuous */
			double hz = (i / alt) % 2 ? g->hz2 : g->hz1;
			v = tone_sin(ph1);
			ph1 = wrap(ph1 + 2.0 * M_PI * hz / rate);
		} else if (g->hz2 > 0) {
			v = 0.5 * (tone_sin(ph1) + tone_sin(ph2));
			ph1 = wrap(ph1 + 2.0 * M_PI * g->hz1 / rate);
			ph2 = wrap(ph2 + 2.0 * M_PI * g->hz2 / rate);
		} else {
			v = tone_sin(ph1);
			ph1 = wrap(ph1 + 2.0 * M_PI * g->hz1 / rate);
		}
		if (ramp && i < ramp)
			env = (double)i / ramp;
		else if (ramp && n - i <= ramp)
			env = (double)(n - 1 - i) / ramp;
		o[i] = (int16_t)lrint(v * env * amp);
	}
	*outp = o;
	return 0;
}

/* A WAV clip at the device rate (the whole clip, its tail flushed out of the resampler). */
static int render_wav(const struct snd *s, unsigned rate, int16_t **outp, size_t *lenp)
{
	static const int16_t zeros[256];
	struct resamp *rs = NULL;
	size_t cap, done = 0, il, ol, in_pos = 0, want;
	int16_t *o;
	int r = 0;

	if (s->src_rate == rate) {
		o = malloc(s->src_len * sizeof(*o));
		if (!o)
			return ENOMEM;
		memcpy(o, s->src, s->src_len * sizeof(*o));
		*outp = o;
		*lenp = s->src_len;
		return 0;
	}
	if ((r = resamp_alloc(&rs, s->src_rate, rate, -1)) != 0)
		return r;
	want = (size_t)((uint64_t)s->src_len * rate / s->src_rate);
	if (want == 0)
		want = 1; /* a burst of no length would have the mixer spin on it */
	cap = resamp_out_max(rs, s->src_len + 256) + 16;
	o = malloc(cap * sizeof(*o));
	if (!o) {
		resamp_free(rs);
		return ENOMEM;
	}
	while (in_pos < s->src_len) {
		il = s->src_len - in_pos;
		ol = cap - done;
		if ((r = resamp_process(rs, s->src + in_pos, &il, o + done, &ol)) != 0)
			goto out;
		in_pos += il;
		done += ol;
		if (il == 0 && ol == 0)
			break;
	}
	/* the filter holds back its delay's worth: push silence through until the clip is whole */
	while (done < want) {
		il = sizeof(zeros) / sizeof(zeros[0]);
		ol = want - done;
		if ((r = resamp_process(rs, zeros, &il, o + done, &ol)) != 0)
			goto out;
		done += ol;
		if (ol == 0)
			break;
	}
	if (done == 0)
		o[done++] = 0;
out:
	resamp_free(rs);
	if (r) {
		free(o);
		return r;
	}
	*outp = o;
	*lenp = done;
	return 0;
}

int tones_prepare(struct tones *t, unsigned rate)
{
	int i, r = 0;
	unsigned k;

	if (!t || !resamp_rate_ok(rate))
		return EINVAL;
	if (t->rate == rate)
		return 0;
	for (i = 0; i < TONES_COUNT; i++)
		snd_unrender(&t->snd[i]);
	t->rate = 0;
	for (i = 0; i < TONES_COUNT && !r; i++) {
		struct snd *s = &t->snd[i];
		if (s->is_wav) {
			r = render_wav(s, rate, &s->clip[0], &s->clip_len[0]);
			s->gap_len[0] = ms_len(s->cad.off_ms[0], rate);
			continue;
		}
		for (k = 0; k < s->cad.steps && !r; k++) {
			s->clip_len[k] = ms_len(s->cad.on_ms[k], rate);
			s->gap_len[k] = ms_len(s->cad.off_ms[k], rate);
			r = render_gen(&s->gen, rate, s->clip_len[k], &s->clip[k]);
		}
	}
	if (r) {
		for (i = 0; i < TONES_COUNT; i++)
			snd_unrender(&t->snd[i]);
		return r;
	}
	t->rate = rate;
	/*
	 * Positions at the old rate mean nothing now: the device starts again from the owner's last
	 * request (a sound asked for before the device opened, or playing on the one before, restarts)
	 */
	t->cur = -1;
	atomic_store_explicit(&t->playing, -1, memory_order_relaxed);
	atomic_store_explicit(&t->ack, atomic_load_explicit(&t->req, memory_order_relaxed) ^ 0x100u,
			      memory_order_relaxed);
	return 0;
}

unsigned tones_rate(const struct tones *t)
{
	return t ? t->rate : 0;
}

static void request(struct tones *t, unsigned code)
{
	t->req_seq = (t->req_seq + 1) & 0xffffffu;
	atomic_store_explicit(&t->req, t->req_seq << 8 | code, memory_order_release);
}

int tones_play(struct tones *t, enum tones_id id)
{
	if (!t || (unsigned)id >= TONES_COUNT)
		return EINVAL;
	request(t, 1u + (unsigned)id);
	return 0;
}

void tones_stop(struct tones *t)
{
	if (t)
		request(t, STOP_CODE);
}

int tones_set_volume(struct tones *t, enum tones_id id, unsigned percent)
{
	if (!t || (unsigned)id >= TONES_COUNT || percent > 100)
		return EINVAL;
	atomic_store_explicit(&t->vol[id], percent, memory_order_relaxed);
	return 0;
}

int tones_current(const struct tones *t)
{
	unsigned r;

	if (!t)
		return -1;
	r = atomic_load_explicit(&t->req, memory_order_acquire);
	if (r != atomic_load_explicit(&t->ack, memory_order_acquire))
		return (r & 0xffu) == STOP_CODE ? -1 : (int)(r & 0xffu) - 1;
	return atomic_load_explicit(&t->playing, memory_order_acquire);
}

/* ---- the device side: everything below runs in the audio callback ---- */

static void begin(struct tones *t, int id)
{
	t->cur = id;
	t->step = 0;
	t->cycle = 0;
	t->pos = 0;
	t->in_gap = false;
	t->fade = t->fade_len = 0;
}

/* The burst or gap just ended: on to the next part; false when the sound has played its cycles. */
static bool advance(struct tones *t, const struct snd *s)
{
	t->pos = 0;
	if (!t->in_gap && s->gap_len[t->step]) {
		t->in_gap = true;
		return true;
	}
	t->in_gap = false;
	if (++t->step < s->cad.steps)
		return true;
	t->step = 0;
	return !(s->cad.cycles && ++t->cycle >= s->cad.cycles);
}

void tones_mix(struct tones *t, int16_t *out, size_t n)
{
	unsigned r, gain;
	const struct snd *s;

	if (!t || !t->rate)
		return;
	r = atomic_load_explicit(&t->req, memory_order_acquire);
	if (r != atomic_load_explicit(&t->ack, memory_order_relaxed)) {
		unsigned code = r & 0xffu;
		if (code != STOP_CODE)
			begin(t, (int)code - 1);
		else if (t->cur >= 0 && !t->fade)
			t->fade = t->fade_len = ms_len(RAMP_MS, t->rate);
		atomic_store_explicit(&t->ack, r, memory_order_release);
	}
	while (n && t->cur >= 0) {
		size_t k, i, len, clip_len;
		const int16_t *clip;

		s = &t->snd[t->cur];
		/* Q15 gain: the sound's volume */
		gain = atomic_load_explicit(&t->vol[t->cur], memory_order_relaxed) * 32768u / 100u;
		clip = s->clip[s->is_wav ? 0 : t->step];
		clip_len = s->clip_len[s->is_wav ? 0 : t->step];
		len = t->in_gap ? s->gap_len[t->step] : clip_len;
		k = len - t->pos < n ? len - t->pos : n;
		if (t->fade && k > t->fade)
			k = t->fade;
		if (!t->in_gap && clip) {
			for (i = 0; i < k; i++) {
				int32_t v = (int32_t)clip[t->pos + i] * (int32_t)gain >> 15;
				if (t->fade)
					v = (int32_t)((int64_t)v * (int64_t)(t->fade - i) / (int64_t)t->fade_len);
				v += out[i];
				out[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
			}
		}
		out += k;
		n -= k;
		t->pos += k;
		if (t->fade) {
			t->fade -= k;
			if (!t->fade) {
				t->cur = -1;
				break;
			}
		}
		if (t->pos >= len && !advance(t, s))
			t->cur = -1;
	}
	atomic_store_explicit(&t->playing, t->cur, memory_order_release);
}
