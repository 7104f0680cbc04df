/* SPDX-License-Identifier: GPL-3.0-or-later */
/* aec.h: acoustic echo canceller for 8 kHz mono audio (wraps the speexdsp echo canceller and preprocessor). */
#ifndef SPHONE_AEC_H
#define SPHONE_AEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The canceller learns how what the speaker plays comes back into the microphone and subtracts it.
 * It needs the two signals in step: each microphone sample paired with the sample sent to the
 * speaker at the same moment (the echo then arrives later, within the tail). A sound device makes
 * that pair in its callback (audio/duplex.c), where both directions meet at one instant; the owner's
 * rings cannot, since the playback ring's fill varies.
 *
 * All memory is allocated by aec_alloc: aec_process and aec_push never allocate, lock or log, and
 * their work per frame is bounded (one speexdsp frame), so they may run in an audio callback.
 */
struct aec;

/* Run speex's preprocessor after the canceller: residual echo suppression and noise suppression
   (speexdsp suppresses residual echo only with its denoiser on). */
#define AEC_SUPPRESS 1u

/*
 * frame: samples per canceller frame (1..480, e.g. 160 = 20 ms); tail_ms: the longest delay from
 * speaker to microphone to model, device latency included (1..1000; longer converges more slowly);
 * flags: 0 or AEC_SUPPRESS.
 */
int aec_alloc(struct aec **ap, unsigned frame, unsigned tail_ms, unsigned flags);
void aec_free(struct aec *a);

/* out = mic with the echo of far removed; all three are one frame. out may equal mic. */
int aec_process(struct aec *a, const int16_t *mic, const int16_t *far, int16_t *out);

/*
 * For a device whose periods need not be whole frames: n samples of mic and n of far, in step.
 * Writes the cleaned capture of every frame completed so far to out (which holds n + frame - 1)
 * and returns how many samples that is (a multiple of the frame). The first call's odd part is
 * padded in front with silence, so when every later call brings whole frames (a device's fixed
 * period) no sample waits for the next call.
 */
size_t aec_push(struct aec *a, const int16_t *mic, const int16_t *far, size_t n, int16_t *out);

/* Forget the learned echo path (e.g. the device changed). */
void aec_reset(struct aec *a);

unsigned aec_frame(const struct aec *a);
unsigned aec_tail_ms(const struct aec *a);

/*
 * Policy for echo_cancel = auto: true when a device name suggests a headset or headphones (where
 * the microphone does not hear the speaker), e.g. "USB Headset", "Jabra ...", "Plantronics ...".
 */
bool aec_name_is_headset(const char *name);

#endif
