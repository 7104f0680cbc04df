/* SPDX-License-Identifier: GPL-3.0-or-later */
/* callrec.h: a call's history record, gathered from the user agent's events until the call ends. */
#ifndef SPHONE_CALLREC_H
#define SPHONE_CALLREC_H

#include <stdbool.h>
#include <stdint.h>

#include "history.h"

struct event;

/* Calls followed at once (the UA's limit is lower). */
#define CALLREC_MAX 16

struct callrec_call {
	bool used;
	unsigned id;
	bool incoming;
	bool established;
	uint64_t established_ms;
	struct history_rec r;
};

struct callrec {
	struct callrec_call c[CALLREC_MAX];
};

/*
 * Feeds one event of the UA's. incoming starts a received call; the first event of an id not seen
 * before starts a placed one (callrec_placed does it sooner, for an exact start time); established
 * and security fill in how the call was protected; ended finishes it: true, with the record in *done
 * (kind placed, received, missed or rejected; see history.h) and the call forgotten. now: Unix
 * seconds, now_ms: a monotonic clock (for the duration).
 */
bool callrec_event(struct callrec *t, const struct event *ev, int64_t now, uint64_t now_ms, struct history_rec *done);
/* The TLS connection the call's INVITE came or went over (before any "security" event: a missed call has none). */
void callrec_tls(struct callrec *t, unsigned id, const char *version, bool verified);
/* A call we place, before any event of it. */
void callrec_placed(struct callrec *t, unsigned id, const char *account, const char *peer, int64_t now);

#endif
