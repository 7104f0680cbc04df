/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_ring.c: SPSC ring: wrap-around, short reads/writes, and a two-thread ordering/no-loss run. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "ring.h"
#include "../tap.h"

/*
 * The two-thread run checks content and order, not speed: every sample arrives once, in order,
 * uncorrupted, whatever the scheduling. It moves up to TARGET_SAMPLES (a fraction of a second on an
 * idle machine) but stops after RUN_SECS once at least MIN_SAMPLES went through (the ring wrapped 64
 * times): two threads sharing a core with other busy processes may hand the ring over only once per
 * time slice, so a rate bar measured the scheduler, not the ring (11087 samples in 2 s on the loaded
 * 2-core CI machine). A stalled ring (a side that sees it full or empty for ever) gets nowhere near
 * MIN_SAMPLES before DEADLINE_SECS.
 */
#define TARGET_SAMPLES ((uint64_t)1 << 23)
#define RING_SAMPLES 256
#define MIN_SAMPLES ((uint64_t)64 * RING_SAMPLES)
#define RUN_SECS 2.0
#define DEADLINE_SECS 60.0
#define DRAIN_SECS 30.0 /* the consumer's last reads (one ring's worth) */

struct shared {
	struct ring *r;
	atomic_int stop; /* 1: the producer gives up (deadline); 2: the consumer too */
	atomic_int producer_done;
	atomic_int consumer_done;
	atomic_uint_least64_t progress; /* samples written so far (for the main thread's stop rule) */
	uint64_t produced;
	uint64_t consumed;
	uint64_t errors;
	uint64_t overflows; /* a call returned more than asked or more than the capacity */
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * After a call that moved nothing (ring full or empty): spin a while, so two threads on two cores keep
 * racing each other's updates closely, then yield, so two threads sharing one busy core hand the ring
 * over at once instead of once per time slice.
 */
static void idle_wait(size_t moved, unsigned *idle)
{
	if (moved) {
		*idle = 0;
		return;
	}
	if (++*idle >= 1000) {
		*idle = 0;
		sched_yield();
	}
}

static void *producer(void *arg)
{
	struct shared *sh = arg;
	int16_t blk[97];
	uint64_t next = 0;
	unsigned len = 1, idle = 0;

	while (next < TARGET_SAMPLES && !atomic_load(&sh->stop)) {
		size_t i, n;
		/* vary the block size so writes straddle the wrap point in every way */
		len = len % 97 + 1;
		if (len > TARGET_SAMPLES - next)
			len = (unsigned)(TARGET_SAMPLES - next);
		for (i = 0; i < len; i++)
			blk[i] = (int16_t)(uint16_t)(next + i);
		n = ring_write(sh->r, blk, len);
		if (n > len || n > ring_capacity(sh->r))
			sh->overflows++;
		next += n;
		atomic_store_explicit(&sh->progress, next, memory_order_relaxed);
		idle_wait(n, &idle);
	}
	sh->produced = next;
	atomic_store(&sh->producer_done, 1);
	return NULL;
}

static void *consumer(void *arg)
{
	struct shared *sh = arg;
	int16_t blk[61];
	uint64_t next = 0;
	unsigned len = 1, idle = 0;

	for (;;) {
		size_t i, n;
		int done = atomic_load(&sh->producer_done);

		len = len % 61 + 1;
		n = ring_read(sh->r, blk, len);
		if (n > len)
			sh->overflows++;
		for (i = 0; i < n && i < len; i++) {
			if (blk[i] != (int16_t)(uint16_t)(next + i))
				sh->errors++;
		}
		next += n;
		/* the producer finished before this read began and the ring was empty: all is in */
		if (n == 0 && done)
			break;
		/* a broken ring may never look empty: the main thread calls the run off */
		if (atomic_load(&sh->stop) == 2)
			break;
		idle_wait(n, &idle);
	}
	sh->consumed = next;
	atomic_store(&sh->consumer_done, 1);
	return NULL;
}

int main(void)
{
	struct ring *r = NULL;
	int16_t in[10], out[10];
	size_t i;
	int err;

	is_int(ring_alloc(&r, 0), EINVAL, "zero capacity rejected");
	err = ring_alloc(&r, 5);
	is_int(err, 0, "ring_alloc(5)");
	if (err)
		return tap_done();
	is_int(ring_capacity(r), 8, "capacity rounded up to a power of two");
	for (i = 0; i < 10; i++)
		in[i] = (int16_t)(i * 1000 - 3000);
	is_int(ring_write(r, in, 10), 8, "write into 8-sample ring stops at 8");
	is_int(ring_space(r), 0, "full ring has no space");
	is_int(ring_avail(r), 8, "8 readable");
	is_int(ring_read(r, out, 5), 5, "read 5");
	ok(memcmp(out, in, 5 * sizeof(int16_t)) == 0, "first 5 samples in order");
	is_int(ring_write(r, in + 8, 2), 2, "write 2 more (wraps)");
	is_int(ring_skip(r, 1), 1, "skip 1");
	is_int(ring_read(r, out, 10), 4, "read the rest: 4");
	ok(out[0] == in[6] && out[1] == in[7] && out[2] == in[8] && out[3] == in[9],
	   "wrapped samples in order");
	is_int(ring_read(r, out, 10), 0, "empty ring reads 0");
	ring_free(r);
	ring_free(NULL);

	/* two threads: a counting sequence through a ring of 256, so it wraps constantly */
	{
		struct shared sh = { 0 };
		pthread_t tp, tc;
		double t0, t1, took;

		err = ring_alloc(&sh.r, RING_SAMPLES);
		is_int(err, 0, "ring_alloc(%d)", RING_SAMPLES);
		if (err)
			return tap_done();
		atomic_init(&sh.stop, 0);
		atomic_init(&sh.producer_done, 0);
		atomic_init(&sh.consumer_done, 0);
		atomic_init(&sh.progress, 0);
		t0 = now_s();
		pthread_create(&tc, NULL, consumer, &sh);
		pthread_create(&tp, NULL, producer, &sh);
		while (!atomic_load(&sh.producer_done) && now_s() - t0 < DEADLINE_SECS &&
		       (now_s() - t0 < RUN_SECS || atomic_load(&sh.progress) < MIN_SAMPLES)) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		atomic_store(&sh.stop, 1);
		pthread_join(tp, NULL);
		t1 = now_s();
		while (!atomic_load(&sh.consumer_done) && now_s() - t1 < DRAIN_SECS) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		ok(atomic_load(&sh.consumer_done), "consumer saw the ring empty after the producer's last write");
		atomic_store(&sh.stop, 2);
		pthread_join(tc, NULL);
		took = now_s() - t0;
		diag("threads moved %llu samples in %.2f s (stop at %llu, or after %.0f s)",
		     (unsigned long long)sh.consumed, took, (unsigned long long)TARGET_SAMPLES, RUN_SECS);
		ok(sh.produced >= MIN_SAMPLES, "producer wrote at least %llu samples (the ring never stalled)",
		   (unsigned long long)MIN_SAMPLES);
		is_int(sh.consumed, sh.produced, "consumer got every sample the producer wrote");
		is_int(sh.errors, 0, "no sample out of order or corrupted");
		is_int(sh.overflows, 0, "no call moved more than asked or more than the capacity");
		is_int(ring_avail(sh.r), 0, "ring empty at the end");
		ring_free(sh.r);
	}
	return tap_done();
}
