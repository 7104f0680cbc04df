/* SPDX-License-Identifier: GPL-3.0-or-later */
/* plc.c: G.711 Appendix I-style concealment: pitch-period repetition, period expansion, fade, OLA recovery. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plc.h"

/* All lengths in samples at 8 kHz. */
#define PLC_PMIN 40      /* 200 Hz: shortest pitch period searched */
#define PLC_PMAX 120     /* 66.7 Hz: longest */
#define PLC_CORR 80      /* 10 ms correlation window */
#define PLC_HIST 400     /* history: >= 3.25 * PMAX and >= PMAX + CORR */
#define PLC_MAXFRAME 480
#define PLC_HOLD 80      /* full level for the first 10 ms of a loss */
#define PLC_FADE 400     /* then linear fade to zero over 50 ms (20% per 10 ms) */
#define PLC_MAXOLA 80    /* longest recovery cross-fade (10 ms) */

struct plc {
	unsigned frame;
	int16_t hist[PLC_HIST]; /* most recent output, newest last */
	/* last three pitch periods at the start of the loss, plus a quarter period before them */
	float pbuf[3 * PLC_PMAX + PLC_PMAX / 4];
	unsigned plen;          /* samples in pbuf: 3 * pitch + pitch / 4 */
	unsigned pitch;
	unsigned nper;          /* periods being repeated: 1, 2, then 3 */
	unsigned pos;           /* read position in pbuf */
	unsigned lost;          /* samples concealed in this loss */
	float delta;            /* boundary correction still being faded out */
	unsigned delta_left, delta_len;
	unsigned xf_pos, xf_left, xf_len; /* cross-fade from an old read position after expansion */
	unsigned xf_nper;
};

int plc_alloc(struct plc **pp, unsigned frame)
{
	struct plc *p;

	if (!pp || frame == 0 || frame > PLC_MAXFRAME)
		return EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return ENOMEM;
	p->frame = frame;
	p->pitch = PLC_PMAX;
	*pp = p;
	return 0;
}

void plc_free(struct plc *p)
{
	free(p);
}

unsigned plc_lost_samples(const struct plc *p)
{
	return p->lost;
}

unsigned plc_pitch(const struct plc *p)
{
	return p->pitch;
}

static void hist_push(struct plc *p, const int16_t *s, unsigned n)
{
	if (n >= PLC_HIST) {
		memcpy(p->hist, s + n - PLC_HIST, sizeof(p->hist));
		return;
	}
	memmove(p->hist, p->hist + n, (PLC_HIST - n) * sizeof(*p->hist));
	memcpy(p->hist + PLC_HIST - n, s, n * sizeof(*s));
}

/* Period maximising the normalised correlation of the last CORR samples with those P earlier. */
static unsigned find_pitch(const int16_t *h)
{
	const int16_t *x = h + PLC_HIST - PLC_CORR;
	double best = 0;
	unsigned p, bestp = PLC_PMAX;

	for (p = PLC_PMIN; p <= PLC_PMAX; p++) {
		double c = 0, e = 0, score;
		unsigned i;
		for (i = 0; i < PLC_CORR; i++) {
			c += (double)x[i] * x[(int)i - (int)p];
			e += (double)x[(int)i - (int)p] * x[(int)i - (int)p];
		}
		if (e <= 0 || c <= 0)
			continue;
		score = c * c / e;
		/* strictly greater: on near-ties (multiples of the period) keep the shortest */
		if (score > best * 1.02) {
			best = score;
			bestp = p;
		}
	}
	return bestp;
}

static int16_t sat16(float v)
{
	if (v > 32767.f)
		return 32767;
	if (v < -32768.f)
		return -32768;
	return (int16_t)lrintf(v);
}

/*
 * Next sample of the repetition of the last nper periods, advancing *pos. Jumping back from
 * the end of the loop to its start would leave a seam wherever the signal is not exactly
 * periodic, so the last quarter period of the loop is cross-faded into the quarter period
 * that precedes the loop start in the history: at the wrap both sides are continuous.
 */
static float rep_next(const struct plc *p, unsigned *pos, unsigned nper)
{
	unsigned end = p->plen, start = end - nper * p->pitch, q = p->pitch / 4;
	float v = p->pbuf[*pos];

	if (*pos >= end - q) {
		unsigned k = *pos - (end - q);
		float w = (float)(k + 1) / (float)(q + 1);
		v = (1.f - w) * v + w * p->pbuf[start - q + k];
	}
	if (++*pos >= end)
		*pos = start;
	return v;
}

static float gain_at(unsigned lost)
{
	if (lost < PLC_HOLD)
		return 1.f;
	if (lost >= PLC_HOLD + PLC_FADE)
		return 0.f;
	return 1.f - (float)(lost - PLC_HOLD) / PLC_FADE;
}

/* One concealment sample (unattenuated), with expansion cross-fade and boundary correction. */
static float synth_next(struct plc *p)
{
	float v = rep_next(p, &p->pos, p->nper);

	if (p->xf_left) {
		float w = (float)p->xf_left / (float)(p->xf_len + 1);
		float old = rep_next(p, &p->xf_pos, p->xf_nper);
		v = w * old + (1.f - w) * v;
		p->xf_left--;
	}
	if (p->delta_left) {
		v += p->delta * (float)p->delta_left / (float)(p->delta_len + 1);
		p->delta_left--;
	}
	return v;
}

static void start_loss(struct plc *p)
{
	const int16_t *h = p->hist;
	unsigned i, P = find_pitch(h), n = 3 * P + P / 4;
	float pred;

	p->pitch = P;
	p->plen = n;
	for (i = 0; i < n; i++)
		p->pbuf[i] = h[PLC_HIST - n + i];
	p->nper = 1;
	p->pos = n - P; /* one period back from "now": the periodic continuation */
	p->xf_left = 0;
	/*
	 * The repeated period rarely lines up exactly with the last real sample. Instead of
	 * delaying output to overlap-add (Appendix I delays by 3.75 ms), shift the start of the
	 * concealment so it continues from a linear prediction of the next sample, and fade that
	 * shift out over a quarter period. This keeps the joint free of steps at no latency.
	 */
	pred = 2.f * h[PLC_HIST - 1] - h[PLC_HIST - 2];
	p->delta = pred - p->pbuf[p->pos];
	p->delta_len = P / 4;
	p->delta_left = p->delta_len;
}

/* After 10 and 20 ms of loss, repeat one more (older) period so the tone does not buzz. */
static void expand(struct plc *p)
{
	if (p->nper >= 3)
		return;
	p->xf_pos = p->pos;
	p->xf_nper = p->nper;
	p->nper++;
	/* same phase one period further back: pos was in the last nper-1 periods, so this stays in range */
	p->pos -= p->pitch;
	p->xf_len = p->pitch / 4;
	p->xf_left = p->xf_len;
}

void plc_conceal(struct plc *p, int16_t *out)
{
	unsigned i;

	if (p->lost == 0)
		start_loss(p);
	for (i = 0; i < p->frame; i++) {
		if (p->lost == PLC_HOLD || p->lost == 2 * PLC_HOLD)
			expand(p);
		out[i] = sat16(synth_next(p) * gain_at(p->lost));
		if (p->lost < 0xffffff)
			p->lost++;
	}
	hist_push(p, out, p->frame);
}

void plc_good(struct plc *p, int16_t *frame)
{
	if (p->lost) {
		/* cross-fade from where the concealment would have gone into the real signal */
		unsigned len = p->pitch / 4, i;
		if (p->lost > PLC_HOLD)
			len += 32 * ((p->lost - PLC_HOLD) / PLC_HOLD + 1);
		if (len > PLC_MAXOLA)
			len = PLC_MAXOLA;
		if (len > p->frame)
			len = p->frame;
		for (i = 0; i < len; i++) {
			float w = (float)(i + 1) / (float)(len + 1);
			float s = synth_next(p) * gain_at(p->lost);
			if (p->lost < 0xffffff)
				p->lost++;
			frame[i] = sat16(w * frame[i] + (1.f - w) * s);
		}
		p->lost = 0;
	}
	hist_push(p, frame, p->frame);
}
