/* SPDX-License-Identifier: GPL-3.0-or-later */
/* aec.c: echo cancellation via libspeexdsp (the only file that includes speex_echo.h/speex_preprocess.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>

#include "aec.h"

#define AEC_RATE 8000
#define AEC_MAXFRAME 480

struct aec {
	SpeexEchoState *echo;
	SpeexPreprocessState *pp; /* residual echo suppression; NULL when off */
	unsigned frame;
	int16_t tmp[AEC_MAXFRAME];
};

int aec_alloc(struct aec **ap, unsigned frame, unsigned tail_ms, int suppress)
{
	struct aec *a;
	int rate = AEC_RATE, r = 0;

	if (!ap || frame == 0 || frame > AEC_MAXFRAME || tail_ms == 0 || tail_ms > 1000)
		return EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return ENOMEM;
	a->frame = frame;
	a->echo = speex_echo_state_init((int)frame, (int)(tail_ms * AEC_RATE / 1000));
	if (!a->echo) {
		r = ENOMEM;
		goto out;
	}
	speex_echo_ctl(a->echo, SPEEX_ECHO_SET_SAMPLING_RATE, &rate);
	if (suppress) {
		a->pp = speex_preprocess_state_init((int)frame, AEC_RATE);
		if (!a->pp) {
			r = ENOMEM;
			goto out;
		}
		speex_preprocess_ctl(a->pp, SPEEX_PREPROCESS_SET_ECHO_STATE, a->echo);
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

void aec_reset(struct aec *a)
{
	if (a)
		speex_echo_state_reset(a->echo);
}
