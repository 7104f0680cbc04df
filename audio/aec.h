/* SPDX-License-Identifier: GPL-3.0-or-later */
/* aec.h: optional acoustic echo canceller for 8 kHz mono frames (wraps the speexdsp echo canceller). */
#ifndef SPHONE_AEC_H
#define SPHONE_AEC_H

#include <stdint.h>

/*
 * Off by default: a call only creates one when echo cancellation is configured. Not for use
 * in the audio callback (speexdsp's canceller is heavier than the resampler); run it where
 * capture frames are taken out of the ring, with the far-end frame that was played at about
 * the same time.
 */
struct aec;

/*
 * frame: samples per frame (e.g. 160); tail_ms: longest echo path to model (e.g. 128-256 ms;
 * 1..1000); suppress: also run speex's residual echo suppressor (non-linear, 1) or not (0).
 */
int aec_alloc(struct aec **ap, unsigned frame, unsigned tail_ms, int suppress);
void aec_free(struct aec *a);

/* out = mic with the echo of far removed; all three are one frame. out may equal mic. */
int aec_process(struct aec *a, const int16_t *mic, const int16_t *far, int16_t *out);

/* Forget the learned echo path (e.g. the device changed). */
void aec_reset(struct aec *a);

#endif
