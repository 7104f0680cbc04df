/* SPDX-License-Identifier: GPL-3.0-or-later */
/* speex_load.c: the speexdsp calls resamp.c and aec.c make, forwarded to libspeexdsp loaded with dlopen on first use. */
/*
 * Only a sound card needs speexdsp (its rate converter, echo canceller and
 * preprocessor) or a WAV file at another rate than the call's. Linking it
 * mapped it and, through it, libm into every process, and on this kernel
 * loading libm alone leaves ~330 KB resident (its IFUNC resolvers are
 * spread over its text): a call with WAV files at 8 kHz peaked 380 KB
 * higher for nothing. These definitions take the place of the library's at
 * link time (as pa_load.c does for PortAudio): the first call loads
 * SPEEXDSP_SONAME and every call goes to the real function. Without it,
 * the constructors return NULL, and resamp.c and aec.c say ELIBACC
 * (speex_load) rather than "out of memory".
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>

#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>
#include <speex/speex_resampler.h>

#include "speex_load.h"

/* FN(name, return type, parameters, arguments, value when the library is not there) */
#define SPEEX_FNS(FN)                                                                                  \
	FN(speex_echo_state_init, SpeexEchoState *, (int f, int l), (f, l), NULL)                      \
	FN(speex_echo_ctl, int, (SpeexEchoState * s, int r, void *p), (s, r, p), -1)                   \
	FN(speex_echo_state_reset, void, (SpeexEchoState * s), (s), (void)0)                           \
	FN(speex_echo_state_destroy, void, (SpeexEchoState * s), (s), (void)0)                         \
	FN(speex_echo_cancellation, void,                                                              \
	   (SpeexEchoState * s, const spx_int16_t *rec, const spx_int16_t *play, spx_int16_t *out),    \
	   (s, rec, play, out), (void)0)                                                               \
	FN(speex_preprocess_state_init, SpeexPreprocessState *, (int f, int r), (f, r), NULL)          \
	FN(speex_preprocess_ctl, int, (SpeexPreprocessState * s, int r, void *p), (s, r, p), -1)       \
	FN(speex_preprocess_run, int, (SpeexPreprocessState * s, spx_int16_t *x), (s, x), 0)           \
	FN(speex_preprocess_state_destroy, void, (SpeexPreprocessState * s), (s), (void)0)             \
	FN(speex_resampler_destroy, void, (SpeexResamplerState * s), (s), (void)0)                     \
	FN(speex_resampler_process_int, int,                                                           \
	   (SpeexResamplerState * s, spx_uint32_t ch, const spx_int16_t *in, spx_uint32_t *il,          \
	    spx_int16_t *out, spx_uint32_t *ol),                                                       \
	   (s, ch, in, il, out, ol), RESAMPLER_ERR_ALLOC_FAILED)                                       \
	FN(speex_resampler_reset_mem, int, (SpeexResamplerState * s), (s), RESAMPLER_ERR_ALLOC_FAILED)  \
	FN(speex_resampler_skip_zeros, int, (SpeexResamplerState * s), (s), RESAMPLER_ERR_ALLOC_FAILED)

#define SPEEX_PTR(name, ret, params, args, none) static ret(*p_##name) params;
SPEEX_FNS(SPEEX_PTR)
static SpeexResamplerState *(*p_speex_resampler_init)(spx_uint32_t, spx_uint32_t, spx_uint32_t, int, int *);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;

static void load(void)
{
	void *h = dlopen(SPEEXDSP_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (!h)
		return;
#define SPEEX_SYM(name, ret, params, args, none)                                                       \
	if (!(p_##name = (ret(*) params)dlsym(h, #name)))                                              \
		goto fail;
	SPEEX_FNS(SPEEX_SYM)
	SPEEX_SYM(speex_resampler_init, SpeexResamplerState *,
		  (spx_uint32_t, spx_uint32_t, spx_uint32_t, int, int *), (), NULL)
	loaded = 1;
	return;
fail:
	dlclose(h);
}

int speex_load(void)
{
	pthread_once(&once, load);
	return loaded ? 0 : ELIBACC;
}

SpeexResamplerState *speex_resampler_init(spx_uint32_t ch, spx_uint32_t in, spx_uint32_t out, int q, int *err)
{
	if (speex_load()) {
		if (err)
			*err = RESAMPLER_ERR_ALLOC_FAILED;
		return NULL;
	}
	return p_speex_resampler_init(ch, in, out, q, err);
}

#define SPEEX_DEF(name, ret, params, args, none)                                                       \
	ret name params                                                                                \
	{                                                                                              \
		if (speex_load())                                                                      \
			return none;                                                                   \
		return p_##name args;                                                                  \
	}
SPEEX_FNS(SPEEX_DEF)
