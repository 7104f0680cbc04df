/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pa_load.c: the PortAudio calls sphone makes, forwarded to libportaudio loaded with dlopen on first use. */
/*
 * Linking libportaudio directly makes every sphone process load and relocate
 * it with libasound, libjack, libstdc++, libgcc_s and libdb at start-up (about
 * 2.3 MB of resident memory and a slower start), even in calls that use WAV
 * files. These definitions take the place of the library's at link time:
 * the first call loads PORTAUDIO_SONAME and every call goes to the real
 * function. When the library cannot be loaded, each call fails the way
 * PortAudio itself reports an unusable host (paNotInitialized, paNoDevice,
 * NULL), and Pa_GetErrorText says why.
 *
 * Only the calls sphone and its tests use are here; a new one is added with
 * one PA_FN line (the link fails until it is).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

#include <portaudio.h>

/* portaudio.h declares it without a prototype ("()") */
const PaVersionInfo *Pa_GetVersionInfo(void);

#ifndef PORTAUDIO_SONAME
#define PORTAUDIO_SONAME "libportaudio.so.2"
#endif

#define PA_FNS(PA_FN)                                                                                  \
	PA_FN(Initialize, PaError, (void), ())                                                         \
	PA_FN(Terminate, PaError, (void), ())                                                          \
	PA_FN(GetHostApiInfo, const PaHostApiInfo *, (PaHostApiIndex a), (a))                          \
	PA_FN(GetDeviceCount, PaDeviceIndex, (void), ())                                               \
	PA_FN(GetDefaultInputDevice, PaDeviceIndex, (void), ())                                        \
	PA_FN(GetDefaultOutputDevice, PaDeviceIndex, (void), ())                                       \
	PA_FN(GetDeviceInfo, const PaDeviceInfo *, (PaDeviceIndex d), (d))                             \
	PA_FN(IsFormatSupported, PaError,                                                              \
	      (const PaStreamParameters *i, const PaStreamParameters *o, double r), (i, o, r))         \
	PA_FN(OpenStream, PaError,                                                                     \
	      (PaStream **s, const PaStreamParameters *i, const PaStreamParameters *o, double r,        \
	       unsigned long f, PaStreamFlags fl, PaStreamCallback *cb, void *u),                      \
	      (s, i, o, r, f, fl, cb, u))                                                              \
	PA_FN(CloseStream, PaError, (PaStream *s), (s))                                                \
	PA_FN(StartStream, PaError, (PaStream *s), (s))                                                \
	PA_FN(StopStream, PaError, (PaStream *s), (s))                                                 \
	PA_FN(IsStreamActive, PaError, (PaStream *s), (s))                                             \
	PA_FN(GetStreamInfo, const PaStreamInfo *, (PaStream *s), (s))                                 \
	PA_FN(GetErrorText, const char *, (PaError e), (e))                                            \
	PA_FN(GetVersionInfo, const PaVersionInfo *, (void), ())

#define PA_PTR(name, ret, params, args) static ret(*p_##name) params;
PA_FNS(PA_PTR)

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;

static void load(void)
{
	void *h = dlopen(PORTAUDIO_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (!h)
		return;
#define PA_SYM(name, ret, params, args)                                                                \
	p_##name = (ret(*) params)dlsym(h, "Pa_" #name);                                               \
	if (!p_##name)                                                                                 \
		goto fail;
	PA_FNS(PA_SYM)
	loaded = 1;
	return;
fail:
	dlclose(h);
}

static int ready(void)
{
	pthread_once(&once, load);
	return loaded;
}

/* What each call returns when the library is not there. */
#define FAIL_Initialize paNotInitialized
#define FAIL_Terminate paNotInitialized
#define FAIL_GetHostApiInfo NULL
#define FAIL_GetDeviceCount paNotInitialized
#define FAIL_GetDefaultInputDevice paNoDevice
#define FAIL_GetDefaultOutputDevice paNoDevice
#define FAIL_GetDeviceInfo NULL
#define FAIL_IsFormatSupported paNotInitialized
#define FAIL_OpenStream paNotInitialized
#define FAIL_CloseStream paNotInitialized
#define FAIL_StartStream paNotInitialized
#define FAIL_StopStream paNotInitialized
#define FAIL_IsStreamActive paNotInitialized
#define FAIL_GetStreamInfo NULL
#define FAIL_GetErrorText "PortAudio library " PORTAUDIO_SONAME " could not be loaded"
#define FAIL_GetVersionInfo NULL

#define PA_DEF(name, ret, params, args)                                                                \
	ret Pa_##name params                                                                           \
	{                                                                                              \
		return ready() ? p_##name args : FAIL_##name;                                          \
	}
PA_FNS(PA_DEF)
