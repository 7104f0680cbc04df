/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ring.h: lock-free single-producer/single-consumer ring of int16 samples (audio thread <-> main loop). */
#ifndef SPHONE_RING_H
#define SPHONE_RING_H

#include <stddef.h>
#include <stdint.h>

struct ring;

/*
 * Capacity is rounded up to a power of two and allocated here, once.
 * Exactly one thread may call ring_write and exactly one (other) thread ring_read;
 * neither ever allocates, locks or blocks, so both are safe in a real-time callback.
 */
int ring_alloc(struct ring **rp, size_t min_samples);
void ring_free(struct ring *r);

/* Copy up to n samples in/out; returns how many were copied (short on full/empty). */
size_t ring_write(struct ring *r, const int16_t *s, size_t n);
size_t ring_read(struct ring *r, int16_t *s, size_t n);
/* Consumer side: drop up to n samples without copying them. */
size_t ring_skip(struct ring *r, size_t n);

size_t ring_avail(const struct ring *r); /* samples readable now (consumer's view) */
size_t ring_space(const struct ring *r); /* samples writable now (producer's view) */
size_t ring_capacity(const struct ring *r);

#endif
