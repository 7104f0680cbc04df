/* SPDX-License-Identifier: GPL-3.0-or-later */
/* jbuf.h: adaptive jitter buffer for one RTP receive stream (fixed store, no allocation per packet). */
#ifndef SPHONE_JBUF_H
#define SPHONE_JBUF_H

#include <stddef.h>
#include <stdint.h>

struct jbuf;

/* Zero fields take the default in brackets. */
struct jbuf_prm {
	unsigned clock_rate;   /* RTP clock rate [8000] */
	unsigned frame_ms;     /* packet duration, fixed [20] */
	unsigned min_delay_ms; /* lowest target playout delay [0] */
	unsigned max_delay_ms; /* highest target playout delay [400] */
	unsigned start_delay_ms; /* target before enough packets were seen [40] */
	unsigned max_payload;  /* largest payload stored, bytes [320] */
	unsigned quantile;     /* per-mille of packets that should arrive in time [975] */
};

/* Counters since alloc (a reset keeps them). */
struct jbuf_stats {
	unsigned delay_ms;     /* playout delay of the last frame played, beyond the fastest transit seen */
	unsigned target_ms;    /* what the buffer is steering towards */
	unsigned jitter_ms;    /* RFC 3550 interarrival jitter estimate */
	uint64_t put;          /* packets offered */
	uint64_t played;       /* frames handed out as JBUF_FRAME */
	uint64_t late;         /* packets that arrived after their frame was played or concealed: dropped */
	uint64_t lost;         /* frames never received by their play time and not late either */
	uint64_t concealed;    /* JBUF_CONCEAL results (losses + inserted frames) */
	uint64_t duplicates;   /* packets seen twice: dropped */
	uint64_t inserted;     /* concealment frames inserted to grow the delay */
	uint64_t dropped;      /* received frames skipped to shrink the delay */
	uint64_t resyncs;      /* timestamp jumps followed */
	uint64_t ssrc_changes; /* new sender: buffer reset */
	uint64_t rebuffers;    /* stream dried up; started again from WAIT */
	uint64_t stalls;       /* jbuf_get not called for >= 3 frame periods: the caller was not scheduled */
	uint64_t stall_dropped; /* received frames dropped at once after a stall (also counted in dropped) */
	uint64_t unmeasured;   /* packets put while the caller stalled: stored and played, timing not measured */
};

enum jbuf_kind {
	JBUF_FRAME = 0, /* a received frame: data/len valid */
	JBUF_CONCEAL,   /* play a concealment frame now (loss or delay growth) */
	JBUF_WAIT,      /* nothing to play yet (not started, or stream stopped): play silence */
};

struct jbuf_frame {
	enum jbuf_kind kind;
	const uint8_t *data; /* points into the buffer's store: valid until the next jbuf_put/jbuf_get */
	size_t len;
	uint32_t ts;
	uint16_t seq;
};

/* prm may be NULL for all defaults. */
int jbuf_alloc(struct jbuf **jp, const struct jbuf_prm *prm);
void jbuf_free(struct jbuf *jb);

/*
 * Store one received packet. Late packets and duplicates are counted and dropped (still 0);
 * a new SSRC resets the buffer; a timestamp jump confirmed by a second packet resyncs it.
 * Returns 0, EINVAL, or EMSGSIZE (payload larger than max_payload).
 */
int jbuf_put(struct jbuf *jb, uint16_t seq, uint32_t ts, uint32_t ssrc, const uint8_t *payload, size_t len,
	     uint64_t arrival_ms);

/*
 * Call once per frame period when the playback side needs a frame; now_ms on the same clock
 * as arrival_ms. Fills f. Returns 0 or EINVAL.
 * A caller that skips 3 or more frame periods (its process stalled; the device could not play
 * that time anyway) gets the frame due now: the backlog is dropped oldest first, back to the
 * delay before the stall, and packets put during the stall do not count as network jitter.
 */
int jbuf_get(struct jbuf *jb, uint64_t now_ms, struct jbuf_frame *f);

void jbuf_stats(const struct jbuf *jb, struct jbuf_stats *st);
/* Forget all packets and timing (e.g. on re-INVITE); counters are kept. */
void jbuf_reset(struct jbuf *jb);

#endif
