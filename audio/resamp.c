/* SPDX-License-Identifier: GPL-3.0-or-later */
/* resamp.c: sample-rate conversion through libspeexdsp; the only file that includes speex_resampler.h. */
#include <errno.h>
#include <stdlib.h>

#include <speex/speex_resampler.h>

#include "resamp.h"
#include "speex_load.h"

struct resamp {
	SpeexResamplerState *st;
	unsigned in_rate;
	unsigned out_rate;
};

int resamp_rate_ok(unsigned rate)
{
	return rate == 8000 || rate == 16000 || rate == 44100 || rate == 48000;
}

int resamp_alloc(struct resamp **rp, unsigned in_rate, unsigned out_rate, int quality)
{
	struct resamp *r;
	int serr = 0;

	if (!rp || !resamp_rate_ok(in_rate) || !resamp_rate_ok(out_rate) || quality > 10)
		return EINVAL;
	if (quality < 0)
		quality = SPEEX_RESAMPLER_QUALITY_VOIP;

	if (speex_load())
		return ELIBACC;
	r = calloc(1, sizeof(*r));
	if (!r)
		return ENOMEM;
	r->st = speex_resampler_init(1, in_rate, out_rate, quality, &serr);
	if (!r->st || serr != RESAMPLER_ERR_SUCCESS) {
		free(r);
		return serr == RESAMPLER_ERR_ALLOC_FAILED || !serr ? ENOMEM : EINVAL;
	}
	/* start with the filter primed so the first output is not delayed by the filter length */
	speex_resampler_skip_zeros(r->st);
	r->in_rate = in_rate;
	r->out_rate = out_rate;
	*rp = r;
	return 0;
}

void resamp_free(struct resamp *r)
{
	if (!r)
		return;
	speex_resampler_destroy(r->st);
	free(r);
}

int resamp_process(struct resamp *r, const int16_t *in, size_t *in_len, int16_t *out, size_t *out_len)
{
	spx_uint32_t il, ol;

	if (!r || !in || !in_len || !out || !out_len || *in_len > UINT32_MAX || *out_len > UINT32_MAX)
		return EINVAL;
	il = (spx_uint32_t)*in_len;
	ol = (spx_uint32_t)*out_len;
	if (speex_resampler_process_int(r->st, 0, in, &il, out, &ol) != RESAMPLER_ERR_SUCCESS)
		return EINVAL;
	*in_len = il;
	*out_len = ol;
	return 0;
}

void resamp_reset(struct resamp *r)
{
	if (!r)
		return;
	speex_resampler_reset_mem(r->st);
	speex_resampler_skip_zeros(r->st);
}

void resamp_lead_zeros(struct resamp *r)
{
	if (r)
		speex_resampler_reset_mem(r->st); /* also takes back skip_zeros: the history is zeros again */
}

size_t resamp_out_max(const struct resamp *r, size_t n)
{
	return (n * r->out_rate + r->in_rate - 1) / r->in_rate + 1;
}

unsigned resamp_in_rate(const struct resamp *r)
{
	return r->in_rate;
}

unsigned resamp_out_rate(const struct resamp *r)
{
	return r->out_rate;
}
