/* test_ring.c: SPSC ring: wrap-around, short reads/writes, and a two-thread ordering/no-loss run. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "ring.h"
#include "../tap.h"

#define RUN_SECS 2.0

struct shared {
	struct ring *r;
	atomic_int stop;
	uint64_t produced;
	uint64_t consumed;
	uint64_t errors;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *producer(void *arg)
{
	struct shared *sh = arg;
	int16_t blk[97];
	uint64_t next = 0;
	unsigned len = 1;

	while (!atomic_load(&sh->stop)) {
		size_t i, n;
		/* vary the block size so writes straddle the wrap point in every way */
		len = len % 97 + 1;
		for (i = 0; i < len; i++)
			blk[i] = (int16_t)(uint16_t)(next + i);
		n = ring_write(sh->r, blk, len);
		next += n;
	}
	sh->produced = next;
	return NULL;
}

static void *consumer(void *arg)
{
	struct shared *sh = arg;
	int16_t blk[61];
	uint64_t next = 0;
	unsigned len = 1;
	int draining = 0;

	for (;;) {
		size_t i, n;
		len = len % 61 + 1;
		n = ring_read(sh->r, blk, len);
		for (i = 0; i < n; i++) {
			if (blk[i] != (int16_t)(uint16_t)(next + i))
				sh->errors++;
		}
		next += n;
		if (atomic_load(&sh->stop) == 2) {
			if (n == 0 && draining)
				break;
			draining = n == 0;
		}
	}
	sh->consumed = next;
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

	/* two threads: a counting sequence for RUN_SECS, ring of 256 so it wraps constantly */
	{
		struct shared sh = { 0 };
		pthread_t tp, tc;
		double t0;

		err = ring_alloc(&sh.r, 256);
		is_int(err, 0, "ring_alloc(256)");
		if (err)
			return tap_done();
		atomic_init(&sh.stop, 0);
		pthread_create(&tc, NULL, consumer, &sh);
		pthread_create(&tp, NULL, producer, &sh);
		t0 = now_s();
		while (now_s() - t0 < RUN_SECS) {
			struct timespec ts = { 0, 50 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		atomic_store(&sh.stop, 1);
		pthread_join(tp, NULL);
		atomic_store(&sh.stop, 2);
		pthread_join(tc, NULL);
		diag("threads moved %llu samples in %.1f s", (unsigned long long)sh.consumed, RUN_SECS);
		/* low bar on purpose: sanitizer builds on a loaded machine are much slower */
		ok(sh.produced > 100000, "producer wrote more than 100k samples");
		is_int(sh.consumed, sh.produced, "consumer got every sample the producer wrote");
		is_int(sh.errors, 0, "no sample out of order or corrupted");
		ring_free(sh.r);
	}
	return tap_done();
}
