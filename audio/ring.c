/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ring.c: SPSC sample ring with C11 acquire/release atomics; no allocation after ring_alloc. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ring.h"

struct ring {
	/*
	 * head and tail are free-running counters (they wrap at SIZE_MAX, which is a multiple of
	 * the power-of-two capacity, so index = counter & mask stays right across the wrap).
	 * The producer owns tail, the consumer owns head; each reads the other's with acquire
	 * and publishes its own with release, so sample data is visible before the counter.
	 * They sit on separate cache lines to avoid false sharing between the two threads.
	 */
	_Alignas(64) atomic_size_t head;
	_Alignas(64) atomic_size_t tail;
	_Alignas(64) size_t mask;
	int16_t *buf;
};

int ring_alloc(struct ring **rp, size_t min_samples)
{
	struct ring *r;
	size_t cap = 1;

	if (!rp || min_samples == 0 || min_samples > ((size_t)1 << 28))
		return EINVAL;
	while (cap < min_samples)
		cap <<= 1;

	r = aligned_alloc(64, sizeof(*r));
	if (!r)
		return ENOMEM;
	memset(r, 0, sizeof(*r));
	r->buf = calloc(cap, sizeof(*r->buf));
	if (!r->buf) {
		free(r);
		return ENOMEM;
	}
	r->mask = cap - 1;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	*rp = r;
	return 0;
}

void ring_free(struct ring *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r);
}

size_t ring_capacity(const struct ring *r)
{
	return r->mask + 1;
}

size_t ring_avail(const struct ring *r)
{
	size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	return tail - head;
}

size_t ring_space(const struct ring *r)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	return r->mask + 1 - (tail - head);
}

size_t ring_write(struct ring *r, const int16_t *s, size_t n)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	size_t space = r->mask + 1 - (tail - head);
	size_t off, first;

	if (n > space)
		n = space;
	if (n == 0)
		return 0;
	off = tail & r->mask;
	first = r->mask + 1 - off;
	if (first > n)
		first = n;
	memcpy(r->buf + off, s, first * sizeof(*s));
	if (n > first)
		memcpy(r->buf, s + first, (n - first) * sizeof(*s));
	atomic_store_explicit(&r->tail, tail + n, memory_order_release);
	return n;
}

static size_t ring_take(struct ring *r, int16_t *s, size_t n)
{
	size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	size_t avail = tail - head;
	size_t off, first;

	if (n > avail)
		n = avail;
	if (n == 0)
		return 0;
	if (s) {
		off = head & r->mask;
		first = r->mask + 1 - off;
		if (first > n)
			first = n;
		memcpy(s, r->buf + off, first * sizeof(*s));
		if (n > first)
			memcpy(s + first, r->buf, (n - first) * sizeof(*s));
	}
	atomic_store_explicit(&r->head, head + n, memory_order_release);
	return n;
}

size_t ring_read(struct ring *r, int16_t *s, size_t n)
{
	return s ? ring_take(r, s, n) : 0;
}

size_t ring_skip(struct ring *r, size_t n)
{
	return ring_take(r, NULL, n);
}
