/* SPDX-License-Identifier: GPL-3.0-or-later */
/* plc.h: packet loss concealment for 8 kHz speech (pitch repetition in the manner of G.711 Appendix I). */
#ifndef SPHONE_PLC_H
#define SPHONE_PLC_H

#include <stddef.h>
#include <stdint.h>

struct plc;

/* frame: samples per frame at 8 kHz (1..480). All memory is allocated here. */
int plc_alloc(struct plc **pp, unsigned frame);
void plc_free(struct plc *p);

/*
 * Feed every correctly received, decoded frame (in place). After a loss the start of the
 * frame is cross-faded from the concealment signal into the real one, so the frame may be
 * modified.
 */
void plc_good(struct plc *p, int16_t *frame);

/*
 * Produce one frame in place of a lost one: the last pitch period(s) repeated, faded out
 * after 10 ms of loss and silent from 60 ms on.
 */
void plc_conceal(struct plc *p, int16_t *out);

/* Samples concealed since the last good frame (0 when not in a loss). */
unsigned plc_lost_samples(const struct plc *p);
/* Pitch period (samples) used by the current/last concealment. */
unsigned plc_pitch(const struct plc *p);

#endif
