/* SPDX-License-Identifier: GPL-3.0-or-later */
/* aec.c: echo cancellation via libspeexdsp (the only file that includes speex_echo.h/speex_preprocess.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>

#include "aec.h"
#include "speex_load.h"

#define AEC_RATE 8000
#define AEC_MAXFRAME 480

struct aec {
	SpeexEchoState *echo;
	SpeexPreprocessState *pp; /* residual echo and noise suppression; NULL when off */
	unsigned frame, tail_ms;
	bool started;            /* aec_push has seen its first samples */
	size_t fill;             /* samples of mic_buf/far_buf waiting for a whole frame */
	int16_t mic_buf[AEC_MAXFRAME], far_buf[AEC_MAXFRAME];
	int16_t tmp[AEC_MAXFRAME];
};

int aec_alloc(struct aec **ap, unsigned frame, unsigned tail_ms, unsigned flags)
{
	struct aec *a;
	int rate = AEC_RATE, on = 1, r = 0;

	if (!ap || frame == 0 || frame > AEC_MAXFRAME || tail_ms == 0 || tail_ms > 1000 || (flags & ~AEC_SUPPRESS))
		return EINVAL;
	if (speex_load())
		return ELIBACC;
	a = calloc(1, sizeof(*a));
	if (!a)
		return ENOMEM;
	a->frame = frame;
	a->tail_ms = tail_ms;
	a->echo = speex_echo_state_init((int)frame, (int)(tail_ms * AEC_RATE / 1000));
	if (!a->echo) {
		r = ENOMEM;
		goto out;
	}
	speex_echo_ctl(a->echo, SPEEX_ECHO_SET_SAMPLING_RATE, &rate);
	if (flags & AEC_SUPPRESS) {
		a->pp = speex_preprocess_state_init((int)frame, AEC_RATE);
		if (!a->pp) {
			r = ENOMEM;
			goto out;
		}
		speex_preprocess_ctl(a->pp, SPEEX_PREPROCESS_SET_ECHO_STATE, a->echo);
		/* the residual echo estimate only lowers the gain through the denoiser's spectral gain */
		speex_preprocess_ctl(a->pp, SPEEX_PREPROCESS_SET_DENOISE, &on);
	}
out:
	if (r) {
		aec_free(a);
		return r;
	}
	*ap = a;
	return 0;
}

void aec_free(struct aec *a)
{
	if (!a)
		return;
	if (a->pp)
		speex_preprocess_state_destroy(a->pp);
	if (a->echo)
		speex_echo_state_destroy(a->echo);
	free(a);
}

int aec_process(struct aec *a, const int16_t *mic, const int16_t *far, int16_t *out)
{
	if (!a || !mic || !far || !out)
		return EINVAL;
	speex_echo_cancellation(a->echo, mic, far, a->tmp);
	if (a->pp)
		speex_preprocess_run(a->pp, a->tmp);
	memcpy(out, a->tmp, a->frame * sizeof(*out));
	return 0;
}

size_t aec_push(struct aec *a, const int16_t *mic, const int16_t *far, size_t n, int16_t *out)
{
	size_t done = 0, k;

	if (!a || !mic || !far || !out)
		return 0;
	if (!a->started && n) {
		/* line the frames up with the device's periods: the odd part goes first, after silence */
		a->started = true;
		a->fill = (a->frame - n % a->frame) % a->frame;
		memset(a->mic_buf, 0, a->fill * sizeof(*a->mic_buf));
		memset(a->far_buf, 0, a->fill * sizeof(*a->far_buf));
	}
	while (n) {
		k = a->frame - a->fill;
		if (k > n)
			k = n;
		memcpy(a->mic_buf + a->fill, mic, k * sizeof(*mic));
		memcpy(a->far_buf + a->fill, far, k * sizeof(*far));
		a->fill += k;
		mic += k;
		far += k;
		n -= k;
		if (a->fill == a->frame) {
			aec_process(a, a->mic_buf, a->far_buf, out + done);
			done += a->frame;
			a->fill = 0;
		}
	}
	return done;
}

void aec_reset(struct aec *a)
{
	if (!a)
		return;
	speex_echo_state_reset(a->echo);
	a->started = false;
	a->fill = 0;
}

unsigned aec_frame(const struct aec *a)
{
	return a ? a->frame : 0;
}

unsigned aec_tail_ms(const struct aec *a)
{
	return a ? a->tail_ms : 0;
}

bool aec_name_is_headset(const char *name)
{
	/* words in the names ALSA, PulseAudio/PipeWire and JACK give headsets and their makers' products */
	static const char *const words[] = {
		"headset", "headphone", "earphone", "earbud", "earpiece", "handset",  "jabra",
		"plantronics", "poly blackwire", "poly voyager", "sennheiser", "epos", "airpods", "bose qc",
	};
	size_t i, j, wl;

	if (!name)
		return false;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		wl = strlen(words[i]);
		for (j = 0; name[j]; j++)
			if (strncasecmp(name + j, words[i], wl) == 0)
				return true;
	}
	return false;
}
