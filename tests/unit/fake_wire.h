/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fake_wire.h: the transaction tests' fake transport: keeps each message sent and when, fails a chosen send. */
#ifndef SPHONE_TEST_FAKE_WIRE_H
#define SPHONE_TEST_FAKE_WIRE_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"

#define MAXSENT 64

struct fake {
	uint64_t t0;
	int n;
	uint64_t at[MAXSENT]; /* ms after t0 (the loop's virtual clock) */
	char *msg[MAXSENT];
	int fail_at;  /* send number (1-based) that fails with fail_err; 0: never */
	int fail_err; /* 0: EPIPE */
};

static inline int fake_send(const void *data, size_t len, void *arg)
{
	struct fake *f = arg;

	if (f->fail_at && f->n + 1 == f->fail_at) {
		f->fail_at = 0;
		return f->fail_err ? f->fail_err : EPIPE;
	}
	if (f->n < MAXSENT) {
		f->at[f->n] = loop_now_ms() - f->t0;
		f->msg[f->n] = strndup(data, len);
	}
	f->n++;
	return 0;
}

/* Frees what was kept and starts the clock anew. */
static inline void fake_reset(struct fake *f)
{
	int i;

	for (i = 0; i < f->n && i < MAXSENT; i++)
		free(f->msg[i]);
	memset(f, 0, sizeof(*f));
	f->t0 = loop_now_ms();
}

/*
 * Time is the loop's virtual clock (main): it moves only here, every timer fires at its exact time,
 * so the checks hold to the millisecond whatever the machine's load.
 */
static inline void run_for(struct loop *l, uint64_t ms)
{
	loop_advance(l, ms);
}

/* Runs the loop until f has recorded n sends, at most max_ms of (virtual) time. */
static inline void run_until_sent(struct loop *l, const struct fake *f, int n, uint64_t max_ms)
{
	for (uint64_t t = 0; f->n < n && t < max_ms; t++)
		loop_advance(l, 1);
}

#endif
