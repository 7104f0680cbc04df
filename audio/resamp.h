/* SPDX-License-Identifier: GPL-3.0-or-later */
/* resamp.h: stateful mono int16 sample-rate converter (8000 <-> 16000/44100/48000), wraps speexdsp. */
#ifndef SPHONE_RESAMP_H
#define SPHONE_RESAMP_H

#include <stddef.h>
#include <stdint.h>

struct resamp;

/*
 * One converter per stream direction (it keeps filter history between calls).
 * Rates must be one of 8000, 16000, 44100, 48000; quality 0..10 (speex scale, 3 is
 * a good VoIP default; -1 picks that default). All memory is allocated here:
 * resamp_process never allocates or locks, so it may run in an audio callback.
 */
int resamp_alloc(struct resamp **rp, unsigned in_rate, unsigned out_rate, int quality);
void resamp_free(struct resamp *r);

/*
 * Convert: consumes up to *in_len samples from in, writes up to *out_len samples to out;
 * on return *in_len and *out_len say how many were consumed/produced. Returns 0 or EINVAL.
 */
int resamp_process(struct resamp *r, const int16_t *in, size_t *in_len, int16_t *out, size_t *out_len);

/* Forget the filter history (e.g. when a looping file restarts). */
void resamp_reset(struct resamp *r);

/*
 * A converter starts primed: its first output is the first input sample, so the filter's delay
 * (half its length: 3 ms at the default quality) is held back as input not yet converted. A
 * block of input then gives its output short by that much, and a caller that cuts the output
 * into frames as long as the blocks (a 20 ms device period in, a 20 ms frame out) gets each frame
 * only with the next block, a whole block late. This lets the delay out as leading zeros instead:
 * each block gives all of its output at once, the filter's delay as the only delay. Call before
 * the first resamp_process; resamp_reset primes again.
 */
void resamp_lead_zeros(struct resamp *r);

/* Samples of output produced for n input samples, rounded up (for sizing buffers). */
size_t resamp_out_max(const struct resamp *r, size_t n);

unsigned resamp_in_rate(const struct resamp *r);
unsigned resamp_out_rate(const struct resamp *r);

/* 1 if rate is one resamp_alloc accepts. */
int resamp_rate_ok(unsigned rate);

#endif
