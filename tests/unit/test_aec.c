/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_aec.c: the echo canceller removes a delayed, attenuated copy of far-end audio (> 10 dB after
 * convergence), leaves near-end speech through, pairs odd-sized periods into frames, and knows a headset. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aec.h"
#include "tone.h"
#include "../tap.h"
#include "audio_meas.h"
#include "room_sim.h"
#include "speechlike.h"

#define F 160
#define SECS 10
#define DELAY 320 /* 40 ms echo path */

static uint32_t seed = 1;
static int16_t noise(double rms)
{
	/* sum of 4 uniforms: roughly Gaussian, deterministic */
	double s = 0;
	int i;
	for (i = 0; i < 4; i++) {
		seed = seed * 1664525u + 1013904223u;
		s += (seed >> 8) / 16777216.0 - 0.5;
	}
	return (int16_t)lrint(s * rms * sqrt(3.0));
}

/*
 * aec_push gives what aec_process gives for the same samples, cut into a device's periods: the
 * first period's odd part behind silence (so later whole periods are whole frames), nothing lost.
 */
static void check_push(const int16_t *far, const int16_t *mic, int16_t *ref, size_t n)
{
	static int16_t got[8000 * SECS + F], tmp[1200 + F], pad[8000 * SECS + F], padf[8000 * SECS + F];
	struct aec *a = NULL, *b = NULL;
	size_t i, done = 0, k, lead = F - 136;
	int same = 1, whole = 1;

	if (aec_alloc(&a, F, 200, AEC_SUPPRESS) || aec_alloc(&b, F, 200, AEC_SUPPRESS)) {
		ok(0, "alloc for aec_push");
		return;
	}
	/* a 44.1 kHz device: 136 samples out of the resampler first, then 160 per period; here also
	   some longer pieces (several frames in one call) */
	for (i = 0; i < n;) {
		size_t len = i == 0 ? 136 : (i / 160) % 7 == 3 ? 1000 : 160;
		if (len > n - i)
			len = n - i;
		k = aec_push(a, mic + i, far + i, len, tmp);
		if (k % F)
			whole = 0;
		memcpy(got + done, tmp, k * sizeof(*tmp));
		done += k;
		i += len;
	}
	ok(whole, "aec_push returns whole frames");
	ok(done == n - n % F || done == n + lead - (n + lead) % F, "aec_push: %zu samples out of %zu in", done, n);
	/* the reference: silence, then the same signal, by whole frames */
	memset(pad, 0, sizeof(pad));
	memset(padf, 0, sizeof(padf));
	memcpy(pad + lead, mic, n * sizeof(*mic));
	memcpy(padf + lead, far, n * sizeof(*far));
	for (i = 0; i + F <= done; i += F) {
		aec_process(b, pad + i, padf + i, ref + i);
		if (memcmp(ref + i, got + i, F * sizeof(*ref)))
			same = 0;
	}
	ok(same, "aec_push output equals aec_process on the padded signal (%zu samples of lead silence)", lead);
	is_int(aec_push(a, mic, far, 0, tmp), 0, "an empty period gives nothing");
	is_int(aec_frame(a), F, "aec_frame");
	is_int(aec_tail_ms(a), 200, "aec_tail_ms");
	aec_reset(a);
	is_int(aec_push(a, mic, far, 100, tmp), F, "after aec_reset the first period is lined up again (100 -> 1 frame)");
	aec_free(a);
	aec_free(b);
}

/*
 * The canceller alone at 8 kHz in test_duplex's room (48 ms, 80 ms response, -6 dB, noise at rms 30)
 * with speech-like far-end audio, 8 s: the linear filter with and without speexdsp's preprocessor,
 * and how the tail length changes it. Steady state is 3-8 s, over windows where the far end speaks.
 */
static double room_erle(unsigned tail_ms, unsigned flags)
{
	static int16_t far[8000 * 8], mic[8000 * 8], out[8000 * 8];
	struct speechlike sp;
	struct room room;
	struct aec *a = NULL;
	double in = 0, res = 0;
	size_t i, w;

	speechlike_init(&sp, 8000, 11, 120, 3000);
	speechlike_fill(&sp, far, 8000 * 8);
	if (room_init(&room, 8000, 48, 0.5, 30, 5, 8) || aec_alloc(&a, F, tail_ms, flags)) {
		room_free(&room);
		return -100;
	}
	for (i = 0; i + F <= 8000 * 8; i += F) {
		room_mic(&room, mic + i, NULL, F);
		aec_process(a, mic + i, far + i, out + i);
		room_play(&room, far + i, F);
	}
	/* the preprocessor delays its output by a frame */
	for (w = 3 * 8000; w + 4000 + F <= 8000 * 8; w += 4000) {
		size_t lag = flags & AEC_SUPPRESS ? F : 0;
		if (meas_rms(mic + w, 4000) < 300)
			continue;
		for (i = 0; i < 4000; i++) {
			in += (double)mic[w + i] * mic[w + i];
			res += (double)out[w + lag + i] * out[w + lag + i];
		}
	}
	aec_free(a);
	room_free(&room);
	return 10.0 * log10((in + 1) / (res + 1));
}

static void check_room(void)
{
	double lin = room_erle(200, 0), sup = room_erle(200, AEC_SUPPRESS);
	double t300 = room_erle(300, 0), t500 = room_erle(500, 0);

	diag("room at 8 kHz, 3-8 s: linear filter %.1f dB, with the preprocessor %.1f dB (tail 200 ms)", lin, sup);
	diag("linear filter with a 300 ms tail %.1f dB, 500 ms %.1f dB", t300, t500);
	ok(lin >= 15 && sup > lin, "the linear filter cancels (%.1f dB) and the preprocessor adds to it (%.1f dB)", lin,
	   sup);
}

static void check_names(void)
{
	static const char *const headsets[] = { "Jabra EVOLVE 20 MS: USB Audio (hw:2,0)", "USB Headset: Audio (hw:1,0)",
						"Plantronics Blackwire 3220 Series", "bluez_sink.headphones",
						"Sennheiser SC 160 USB" };
	static const char *const speakers[] = { "default", "pulse", "HDA Intel PCH: ALC257 Analog (hw:0,0)",
						"system", "Logitech Z120 Speaker" };
	size_t i;

	for (i = 0; i < sizeof(headsets) / sizeof(headsets[0]); i++)
		ok(aec_name_is_headset(headsets[i]), "'%s' is a headset: no echo canceller under auto", headsets[i]);
	for (i = 0; i < sizeof(speakers) / sizeof(speakers[0]); i++)
		ok(!aec_name_is_headset(speakers[i]), "'%s' is no headset: canceller on under auto", speakers[i]);
	ok(!aec_name_is_headset(NULL), "no name: no headset");
}

int main(void)
{
	static int16_t far[8000 * SECS + DELAY], mic[8000 * SECS], out[8000 * SECS];
	struct aec *a = NULL;
	struct tone near;
	size_t n = 8000 * SECS, i;
	double erle, mic_rms, out_rms, amp;
	int16_t nm[F], nf[F], no[F];
	int k;

	is_int(aec_alloc(&a, 0, 100, 0), EINVAL, "frame 0 rejected");
	is_int(aec_alloc(&a, F, 2000, 0), EINVAL, "2 s tail rejected");
	is_int(aec_alloc(&a, F, 200, 4), EINVAL, "unknown flag rejected");
	is_int(aec_alloc(&a, F, 200, 0), 0, "alloc 20 ms frames, 200 ms tail");
	if (!a)
		return tap_done();

	/* far end: noise at rms 3000; mic: far delayed 40 ms at half level (-6 dB) plus a faint room noise */
	for (i = 0; i < n + DELAY; i++)
		far[i] = noise(3000);
	/* the speaker plays far[i]; the mic hears it DELAY samples later */
	for (i = 0; i < n; i++)
		mic[i] = (int16_t)((i >= DELAY ? far[i - DELAY] / 2 : 0) + noise(10));
	for (i = 0; i + F <= n; i += F)
		aec_process(a, mic + i, far + i, out + i);
	mic_rms = meas_rms(mic + n - 16000, 16000);
	out_rms = meas_rms(out + n - 16000, 16000);
	erle = meas_db(mic_rms, out_rms);
	diag("echo rms in the mic %.0f, after the canceller %.1f: %.1f dB attenuation (last 2 s of %d s)", mic_rms,
	     out_rms, erle, SECS);
	ok(erle > 10, "echo attenuated by more than 10 dB after convergence (%.1f dB)", erle);
	ok(meas_db(meas_rms(mic, 4000), meas_rms(out, 4000)) < erle, "and by less before it converged");

	/* far end silent, near end talks (a 300 Hz tone): it must come through */
	tone_sine(&near, 8000, 300, 4000);
	for (k = 0; k < 100; k++) {
		tone_fill(&near, nm, F);
		memset(nf, 0, sizeof(nf));
		aec_process(a, nm, nf, no);
	}
	amp = meas_goertzel_amp(no, F, 8000, 300);
	diag("near-end 300 Hz tone: in 4000, out %.0f", amp);
	ok(amp > 2800 && amp < 5600, "near-end speech passes within 3 dB when the far end is silent");
	aec_reset(a);
	aec_free(a);
	aec_free(NULL);

	/* with the residual suppressor on it still cancels */
	a = NULL;
	is_int(aec_alloc(&a, F, 200, AEC_SUPPRESS), 0, "alloc with residual echo suppression");
	if (a) {
		for (i = 0; i + F <= n; i += F)
			aec_process(a, mic + i, far + i, out + i);
		erle = meas_db(meas_rms(mic + n - 16000, 16000), meas_rms(out + n - 16000, 16000));
		diag("with suppressor: %.1f dB", erle);
		ok(erle > 10, "suppressor on: echo attenuated > 10 dB (%.1f dB)", erle);
		aec_free(a);
	}
	check_push(far, mic, out, n);
	check_names();
	check_room();
	return tap_done();
}
