/* SPDX-License-Identifier: GPL-3.0-or-later */
/* jbuf.c: adaptive jitter buffer: frame slots indexed by timestamp, delay target from a transit-time percentile. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jbuf.h"

/*
 * How it works
 *  - Frames are numbered fn (int64) from RTP timestamps: fn = ts / samples-per-frame,
 *    counted relative to the previous packet so the 32-bit timestamp wrap never matters.
 *    Slot fn & mask holds the frame; slots remember whether their frame was played or
 *    missed, so a second copy is a duplicate and a late copy is late.
 *  - For every packet the "transit" D = arrival_ms - fn * frame_ms is kept in a window of
 *    the last JB_WIN packets. baseline = min(D) is the fastest path through the network
 *    (any clock offset cancels), D - baseline is that packet's jitter. The target delay is
 *    the configured quantile of those jitters, so that fraction arrives in time. Both are
 *    kept exactly at a small cost per packet: a queue of candidate minima for the baseline
 *    (baseline_push), a histogram of the jitter window for the quantile (hist_select).
 *  - The delay a frame actually gets is cur = now - (fn * frame_ms + baseline). jbuf_get
 *    steers cur towards the target: below it, it inserts a concealment frame (grows by one
 *    frame at once: losing packets is worse than 20 ms); a frame above it, it skips a frame,
 *    at most one per JB_SHRINK_EVERY frames (shrinks slowly) unless the frame to skip is
 *    missing anyway (free). A spike leaves the window after JB_WIN packets (10 s), which is
 *    how the target comes back down.
 *  - Sender clock drift moves D steadily; the windowed minimum follows it, so the buffer
 *    neither starves nor grows without bound: the steering drops or inserts a frame now and
 *    then.
 *  - A stall of the caller (its process not scheduled for 100 ms or more on a loaded machine)
 *    is not network jitter: the packets were on time, they only sat in the socket. jbuf_get
 *    sees it as a gap of JB_STALL_FRAMES or more frame periods since its last call; the frames
 *    due in the gap can no longer be played in time, so the backlog is dropped at once, oldest
 *    first, back to the delay played before the stall (the slow one-per-10 shrink would take
 *    10 s per 1 s of stall, slipping a frame every 200 ms). Packets put while gets are overdue
 *    that much are stored but not measured: without kernel receive times they all carry the
 *    time they were read, and would raise the target for the next 10 s.
 */

#define JB_WIN 500            /* jitter samples kept for the quantile (10 s at 20 ms) */
#define JB_BASE_WIN 100       /* transits kept for the baseline minimum (2 s) */
#define JB_WARMUP 25          /* packets before the window's quantile is trusted */
#define JB_SHRINK_EVERY 10    /* frames between two delay-reducing drops */
#define JB_SHRINK_HYST 5      /* ms above one frame of excess before shrinking */
#define JB_DRY 5              /* consecutive misses with nothing buffered before WAIT */
#define JB_STALL_FRAMES 3     /* frame periods without a jbuf_get that make a caller stall */

/* histogram counts are uint16_t: they never exceed the number of samples in the window */
_Static_assert(JB_WIN <= UINT16_MAX, "histogram counts must hold a full window");

enum slot_state { SLOT_EMPTY = 0, SLOT_FULL, SLOT_PLAYED, SLOT_MISSED };

struct slot {
	int64_t fn;
	uint32_t ts;
	uint16_t seq;
	uint16_t len;
	uint8_t state;
};

struct jbuf {
	struct jbuf_prm prm;
	unsigned spf;        /* RTP timestamp units per frame */
	unsigned nslots;     /* power of two */
	struct slot *slots;
	uint8_t *store;      /* nslots * max_payload */

	int synced;
	uint32_t ssrc;
	uint32_t last_ts;    /* anchor for numbering: the previous packet */
	int64_t last_fn;
	int64_t newest_fn;   /* highest fn stored since sync */
	uint64_t last_arrival;

	int playing;
	int64_t play_fn;
	unsigned since_shrink;
	unsigned dry;
	int have_get;        /* last_get_ms is valid (a get since the last sync) */
	uint64_t last_get_ms;
	int64_t last_delay;  /* delay (cur) the last get left the play position at */

	/* timestamp-jump candidate waiting for confirmation */
	int jump_pending;
	uint32_t jump_ts;

	/*
	 * Baseline: minimum of the last JB_BASE_WIN transits, kept as a queue of candidates
	 * (ring, oldest first) with rising transits: a transit that a later, no larger one
	 * follows can never be the minimum again and is dropped. The head is the minimum.
	 */
	int64_t mq_val[JB_BASE_WIN];
	uint32_t mq_seq[JB_BASE_WIN]; /* packet number of each candidate */
	unsigned mq_head, mq_len;
	uint32_t mseq;                /* packets measured; wraps harmlessly */

	/* jitter window */
	uint16_t win[JB_WIN];  /* ring of jitter samples, as histogram bins */
	unsigned win_n, win_pos;
	/*
	 * Histogram of the jitter window, 1 ms per bin: bin b counts samples of b ms, the last
	 * bin (hist_cap = max_delay_ms) those of hist_cap ms or more. hblk[i] sums the bins
	 * i << blk_shift .. ((i + 1) << blk_shift) - 1 so a quantile walk skips whole blocks.
	 */
	uint16_t *hist;        /* nblk << blk_shift bins; those past hist_cap stay 0 */
	uint16_t *hblk;        /* nblk block sums */
	unsigned hist_cap, blk_shift, nblk;
	int64_t baseline;
	unsigned target_ms;

	/* RFC 3550 A.8 jitter, in timestamp units * 16 */
	int have_transit;
	int64_t prev_transit;
	uint64_t jitter16;

	struct jbuf_stats st;
};

int jbuf_alloc(struct jbuf **jp, const struct jbuf_prm *prm)
{
	struct jbuf *jb;
	struct jbuf_prm p = { 0 };
	unsigned need, n = 1, bins, shift = 0;

	if (!jp)
		return EINVAL;
	if (prm)
		p = *prm;
	if (!p.clock_rate)
		p.clock_rate = 8000;
	if (!p.frame_ms)
		p.frame_ms = 20;
	if (!p.max_delay_ms)
		p.max_delay_ms = 400;
	if (!p.start_delay_ms)
		p.start_delay_ms = 40;
	if (!p.max_payload)
		p.max_payload = 320;
	if (!p.quantile)
		p.quantile = 975;
	if (p.clock_rate > 192000 || p.frame_ms > 200 || (p.clock_rate * p.frame_ms) % 1000 ||
	    p.max_delay_ms > 5000 || p.min_delay_ms > p.max_delay_ms || p.max_payload > 65535 ||
	    p.quantile > 1000)
		return EINVAL;

	/* room for the largest delay plus as much again for early packets and bookkeeping */
	need = 2 * (p.max_delay_ms / p.frame_ms + 4);
	while (n < need)
		n <<= 1;

	/*
	 * Quantile histogram: one bin per ms up to max_delay_ms, which is as far as the target can
	 * go. Blocks of about sqrt(bins) bins keep a walk to any quantile near 2 * sqrt(bins) steps.
	 */
	bins = p.max_delay_ms + 1;
	while ((1u << (2 * shift)) < bins)
		shift++;

	jb = calloc(1, sizeof(*jb));
	if (!jb)
		return ENOMEM;
	jb->hist_cap = p.max_delay_ms;
	jb->blk_shift = shift;
	jb->nblk = (bins + (1u << shift) - 1) >> shift;
	jb->slots = calloc(n, sizeof(*jb->slots));
	jb->store = calloc(n, p.max_payload);
	jb->hist = calloc((size_t)jb->nblk << shift, sizeof(*jb->hist));
	jb->hblk = calloc(jb->nblk, sizeof(*jb->hblk));
	if (!jb->slots || !jb->store || !jb->hist || !jb->hblk) {
		jbuf_free(jb);
		return ENOMEM;
	}
	jb->prm = p;
	jb->nslots = n;
	jb->spf = p.clock_rate * p.frame_ms / 1000;
	jbuf_reset(jb);
	*jp = jb;
	return 0;
}

void jbuf_free(struct jbuf *jb)
{
	if (!jb)
		return;
	free(jb->slots);
	free(jb->store);
	free(jb->hist);
	free(jb->hblk);
	free(jb);
}

static void flush(struct jbuf *jb)
{
	memset(jb->slots, 0, jb->nslots * sizeof(*jb->slots));
	jb->synced = 0;
	jb->playing = 0;
	jb->jump_pending = 0;
	jb->win_n = jb->win_pos = 0;
	memset(jb->hist, 0, ((size_t)jb->nblk << jb->blk_shift) * sizeof(*jb->hist));
	memset(jb->hblk, 0, jb->nblk * sizeof(*jb->hblk));
	jb->mq_len = 0;
	jb->have_transit = 0;
	jb->dry = 0;
	jb->since_shrink = 0;
	jb->have_get = 0;
	jb->last_delay = 0;
	jb->target_ms = jb->prm.start_delay_ms;
}

void jbuf_reset(struct jbuf *jb)
{
	if (!jb)
		return;
	flush(jb);
	jb->jitter16 = 0;
}

void jbuf_stats(const struct jbuf *jb, struct jbuf_stats *st)
{
	*st = jb->st;
	st->target_ms = jb->target_ms;
	st->jitter_ms = (unsigned)(jb->jitter16 / 16 * 1000 / jb->prm.clock_rate);
}

/*
 * Bin of the k-th smallest (from 0) jitter sample in the window; k < win_n. The block walk
 * ends at a block no higher than hist_cap's because the counts sum to win_n > k. The bin
 * walk stays inside that block: it always ends there when the block sums are right, and
 * when they are not the answer comes out wrong (the tests see it) instead of being found
 * by walking on into the next block.
 */
static unsigned hist_select(const struct jbuf *jb, unsigned k)
{
	unsigned acc = 0, blk = 0, b, last;

	while (acc + jb->hblk[blk] <= k)
		acc += jb->hblk[blk++];
	b = blk << jb->blk_shift;
	last = b + (1u << jb->blk_shift) - 1;
	while (b < last && acc + jb->hist[b] <= k)
		acc += jb->hist[b++];
	return b;
}

/*
 * Add a transit to the baseline window and return the window's minimum. Each transit enters
 * and leaves the queue once, so this is constant time per packet on average.
 */
static int64_t baseline_push(struct jbuf *jb, int64_t transit)
{
	uint32_t seq = jb->mseq++;
	unsigned tail;

	/* at most one candidate leaves the window per packet: the oldest, if old enough */
	if (jb->mq_len && seq - jb->mq_seq[jb->mq_head] >= JB_BASE_WIN) {
		jb->mq_head = (jb->mq_head + 1) % JB_BASE_WIN;
		jb->mq_len--;
	}
	while (jb->mq_len && jb->mq_val[(jb->mq_head + jb->mq_len - 1) % JB_BASE_WIN] >= transit)
		jb->mq_len--;
	/* the rest are younger than JB_BASE_WIN packets, so the ring has room */
	tail = (jb->mq_head + jb->mq_len) % JB_BASE_WIN;
	jb->mq_val[tail] = transit;
	jb->mq_seq[tail] = seq;
	jb->mq_len++;
	return jb->mq_val[jb->mq_head];
}

static void update_target(struct jbuf *jb, int64_t transit)
{
	unsigned k, n, bin, old;
	uint64_t jit;
	int64_t min;
	unsigned t;

	/*
	 * The baseline is the fastest transit of the last 2 s only: a sender clock that runs
	 * fast or slow moves every transit steadily, and a long window would mistake that ramp
	 * for jitter (and a stale minimum for the network's speed).
	 */
	min = baseline_push(jb, transit);
	jb->baseline = min;

	/*
	 * This packet's jitter, kept for 10 s so a spike keeps the delay up that long. It is a
	 * whole number of ms (arrival and frame times are), so 1 ms bins lose nothing. Jitter of
	 * max_delay_ms or more shares the last bin: the quantile then reads max_delay_ms where
	 * the exact one is larger, and the target clamps both to max_delay_ms. Unsigned: min is
	 * in the same window as transit, so the difference is >= 0 and must not overflow.
	 */
	jit = (uint64_t)transit - (uint64_t)min;
	bin = jit > jb->hist_cap ? jb->hist_cap : (unsigned)jit;
	if (jb->win_n == JB_WIN) {
		/* the ring slot about to be overwritten holds the sample leaving the window */
		old = jb->win[jb->win_pos];
		jb->hist[old]--;
		jb->hblk[old >> jb->blk_shift]--;
	} else {
		jb->win_n++;
	}
	jb->win[jb->win_pos] = (uint16_t)bin;
	jb->hist[bin]++;
	jb->hblk[bin >> jb->blk_shift]++;
	jb->win_pos = (jb->win_pos + 1) % JB_WIN;
	n = jb->win_n;

	k = (unsigned)(((uint64_t)(n - 1) * jb->prm.quantile + 999) / 1000);
	t = hist_select(jb, k); /* <= max_delay_ms <= 5000 */
	if (n < JB_WARMUP && t < jb->prm.start_delay_ms)
		t = jb->prm.start_delay_ms;
	if (t < jb->prm.min_delay_ms)
		t = jb->prm.min_delay_ms;
	if (t > jb->prm.max_delay_ms)
		t = jb->prm.max_delay_ms;
	jb->target_ms = t;
}

static void update_jitter(struct jbuf *jb, uint32_t ts, uint64_t arrival_ms)
{
	/* transit in timestamp units; only differences matter, so wrap of the product is harmless */
	int64_t transit = (int64_t)(arrival_ms * jb->prm.clock_rate / 1000) - (int64_t)ts;
	int64_t d;

	if (jb->have_transit) {
		d = transit - jb->prev_transit;
		if (d < 0)
			d = -d;
		if (d > (int64_t)jb->prm.clock_rate * 10)
			d = (int64_t)jb->prm.clock_rate * 10; /* a resync, not jitter */
		jb->jitter16 += (uint64_t)d - ((jb->jitter16 + 8) >> 4);
	}
	jb->prev_transit = transit;
	jb->have_transit = 1;
}

static struct slot *slot_of(struct jbuf *jb, int64_t fn)
{
	return &jb->slots[(uint64_t)fn & (jb->nslots - 1)];
}

static void start_sync(struct jbuf *jb, uint32_t ts, uint32_t ssrc)
{
	flush(jb);
	jb->synced = 1;
	jb->ssrc = ssrc;
	jb->last_ts = ts;
	/* frame numbers start at a big value so that "before the first frame" is still positive */
	jb->last_fn = (int64_t)1 << 32;
	jb->newest_fn = jb->last_fn;
}

/* Does a packet arriving at arrival_ms find the caller stalled (gets overdue by JB_STALL_FRAMES)? */
static int stalled_at(const struct jbuf *jb, uint64_t t_ms)
{
	return jb->have_get && t_ms >= jb->last_get_ms + (uint64_t)JB_STALL_FRAMES * jb->prm.frame_ms;
}

static int has_frame(struct jbuf *jb, int64_t fn)
{
	struct slot *s = slot_of(jb, fn);
	return s->fn == fn && s->state == SLOT_FULL;
}

/* Mark play_fn missed (never received in time) and move on. */
static void skip_missing(struct jbuf *jb)
{
	struct slot *s = slot_of(jb, jb->play_fn);

	s->fn = jb->play_fn;
	s->state = SLOT_MISSED;
	jb->st.lost++;
	jb->play_fn++;
}

/* After a stall: drop the frame at play_fn (or pass it, if missing) and move on. */
static void drop_oldest(struct jbuf *jb)
{
	if (has_frame(jb, jb->play_fn)) {
		slot_of(jb, jb->play_fn)->state = SLOT_PLAYED;
		jb->st.dropped++;
		jb->st.stall_dropped++;
		jb->play_fn++;
	} else {
		skip_missing(jb);
	}
}

/*
 * Drop every frame before fn (a stall's backlog that no longer fits). A gap wider than the store
 * (a process stopped for seconds) is counted from the slots in one pass, not frame by frame.
 */
static void drop_before(struct jbuf *jb, int64_t fn)
{
	if (fn - jb->play_fn > (int64_t)jb->nslots) {
		uint64_t held = 0;
		unsigned i;

		for (i = 0; i < jb->nslots; i++) {
			struct slot *s = &jb->slots[i];
			if (s->state == SLOT_FULL && s->fn >= jb->play_fn && s->fn < fn) {
				s->state = SLOT_PLAYED;
				held++;
			}
		}
		jb->st.dropped += held;
		jb->st.stall_dropped += held;
		jb->st.lost += (uint64_t)(fn - jb->play_fn) - held;
		jb->play_fn = fn;
	}
	while (jb->play_fn < fn)
		drop_oldest(jb);
}

/* Rounded number of frames from the anchor packet to ts. */
static int64_t frame_delta(const struct jbuf *jb, uint32_t ts)
{
	int64_t d = (int32_t)(ts - jb->last_ts);
	int64_t h = jb->spf / 2;

	return d >= 0 ? (d + h) / jb->spf : -((-d + h) / jb->spf);
}

int jbuf_put(struct jbuf *jb, uint16_t seq, uint32_t ts, uint32_t ssrc, const uint8_t *payload, size_t len,
	     uint64_t arrival_ms)
{
	struct slot *s;
	int64_t fn, ref, stall, ahead = 0, behind = 0;

	if (!jb || (!payload && len))
		return EINVAL;
	if (len > jb->prm.max_payload)
		return EMSGSIZE;
	jb->st.put++;

	if (jb->synced && ssrc != jb->ssrc) {
		jb->st.ssrc_changes++;
		jb->synced = 0;
	}
	if (!jb->synced)
		start_sync(jb, ts, ssrc);

	fn = jb->last_fn + frame_delta(jb, ts);
	/*
	 * Is this far outside what the buffer can hold? then the sender's timestamps jumped. While
	 * the caller stalls, play would have moved on by the time since its last get: a packet that
	 * far ahead is the stream going on, not a jump.
	 */
	ref = jb->playing ? jb->play_fn : jb->newest_fn;
	stall = stalled_at(jb, arrival_ms) ? (int64_t)((arrival_ms - jb->last_get_ms) / jb->prm.frame_ms) : 0;
	ahead = (int64_t)jb->nslots - 2;
	behind = (int64_t)jb->nslots / 2;
	if (fn - (ref + stall) > ahead || ref - fn > behind) {
		/* one stray packet must not throw the stream away: follow only when the next agrees */
		int64_t since = jb->jump_pending ? (int32_t)(ts - jb->jump_ts) : -1;
		if (since < 0 || since > (int64_t)jb->spf * 4) {
			jb->jump_pending = 1;
			jb->jump_ts = ts;
			return 0;
		}
		jb->st.resyncs++;
		start_sync(jb, jb->jump_ts, ssrc);
		fn = jb->last_fn + frame_delta(jb, ts);
	}
	jb->jump_pending = 0;
	jb->last_ts = ts;
	jb->last_fn = fn;

	s = slot_of(jb, fn);
	if (s->fn == fn && (s->state == SLOT_FULL || s->state == SLOT_PLAYED)) {
		jb->st.duplicates++; /* says nothing about the network's timing: not measured */
		return 0;
	}
	if (stall) {
		/* the caller stalls: this arrival time may be when it read the socket, not the network's */
		jb->st.unmeasured++;
	} else {
		update_jitter(jb, ts, arrival_ms);
		update_target(jb, (int64_t)arrival_ms - fn * jb->prm.frame_ms);
	}
	jb->last_arrival = arrival_ms;
	if (jb->playing && fn < jb->play_fn) {
		jb->st.late++;
		if (s->fn == fn && s->state == SLOT_MISSED && jb->st.lost > 0) {
			jb->st.lost--;
			s->state = SLOT_PLAYED; /* a third copy counts as a duplicate */
		}
		return 0;
	}
	/* a stall's backlog longer than the store: its oldest frames go first (they would be dropped anyway) */
	if (jb->playing && fn - jb->play_fn >= (int64_t)jb->nslots)
		drop_before(jb, fn - (int64_t)jb->nslots + 1);
	s->fn = fn;
	s->ts = ts;
	s->seq = seq;
	s->len = (uint16_t)len;
	s->state = SLOT_FULL;
	if (len)
		memcpy(jb->store + (size_t)((uint64_t)fn & (jb->nslots - 1)) * jb->prm.max_payload, payload, len);
	if (fn > jb->newest_fn)
		jb->newest_fn = fn;
	return 0;
}

/* Lowest stored, unplayed frame number, or 0 if none. */
static int64_t first_buffered(struct jbuf *jb)
{
	int64_t best = 0;
	unsigned i;

	for (i = 0; i < jb->nslots; i++) {
		struct slot *s = &jb->slots[i];
		if (s->state == SLOT_FULL && (!jb->playing || s->fn >= jb->play_fn) && (!best || s->fn < best))
			best = s->fn;
	}
	return best;
}

static int64_t delay_of(const struct jbuf *jb, int64_t fn, uint64_t now_ms)
{
	return (int64_t)now_ms - (fn * jb->prm.frame_ms + jb->baseline);
}

static void emit(struct jbuf *jb, struct jbuf_frame *f, int64_t fn)
{
	struct slot *s = slot_of(jb, fn);

	f->kind = JBUF_FRAME;
	f->data = jb->store + (size_t)((uint64_t)fn & (jb->nslots - 1)) * jb->prm.max_payload;
	f->len = s->len;
	f->ts = s->ts;
	f->seq = s->seq;
	s->state = SLOT_PLAYED;
	jb->st.played++;
}

int jbuf_get(struct jbuf *jb, uint64_t now_ms, struct jbuf_frame *f)
{
	int64_t cur, target, frame;
	int stalled;

	if (!jb || !f)
		return EINVAL;
	memset(f, 0, sizeof(*f));
	f->kind = JBUF_WAIT;
	if (!jb->synced)
		return 0;
	target = jb->target_ms;
	frame = jb->prm.frame_ms;
	stalled = stalled_at(jb, now_ms);
	jb->have_get = 1;
	jb->last_get_ms = now_ms;

	if (!jb->playing) {
		int64_t first = first_buffered(jb);
		if (!first || delay_of(jb, first, now_ms) < target)
			return 0;
		jb->playing = 1;
		jb->play_fn = first;
		jb->dry = 0;
		jb->since_shrink = 0;
	}

	cur = delay_of(jb, jb->play_fn, now_ms);
	jb->since_shrink++;

	if (stalled) {
		/*
		 * The frames due while the caller was away were not played and cannot be now: drop
		 * them, oldest first, to the delay of before the stall (or the target, if higher).
		 * Dropped at once: one skip is heard once, a frame slipped every 200 ms is heard
		 * for seconds.
		 */
		int64_t keep = jb->last_delay > target ? jb->last_delay : target;
		uint64_t n = 0;

		jb->st.stalls++;
		while (cur - frame >= keep && jb->play_fn < jb->newest_fn) {
			drop_oldest(jb);
			cur -= frame;
			n++;
		}
		if (n)
			jb->since_shrink = 0;
	}

	/* too much delay: skip missing frames for free, a real one only now and then */
	while (cur - frame >= target + JB_SHRINK_HYST) {
		if (has_frame(jb, jb->play_fn)) {
			if (jb->since_shrink < JB_SHRINK_EVERY)
				break;
			slot_of(jb, jb->play_fn)->state = SLOT_PLAYED;
			jb->st.dropped++;
			jb->since_shrink = 0;
			jb->play_fn++;
		} else if (jb->play_fn >= jb->newest_fn) {
			break; /* nothing ahead: skipping would only run ahead of the sender */
		} else {
			skip_missing(jb);
		}
		cur -= frame;
	}

	if (has_frame(jb, jb->play_fn) && cur >= target) {
		emit(jb, f, jb->play_fn);
		jb->play_fn++;
		jb->dry = 0;
	} else if (cur < target) {
		/* grow the delay by one frame: play a concealment frame and keep play_fn */
		f->kind = JBUF_CONCEAL;
		jb->st.concealed++;
		jb->st.inserted++;
	} else {
		skip_missing(jb);
		jb->st.concealed++;
		f->kind = JBUF_CONCEAL;
		if (!first_buffered(jb) && ++jb->dry >= JB_DRY) {
			/* the sender stopped (hold, silence suppression): wait and refill when it resumes */
			jb->playing = 0;
			jb->st.rebuffers++;
		}
	}
	jb->last_delay = cur;
	if (cur > 0)
		jb->st.delay_ms = (unsigned)(cur > 60000 ? 60000 : cur);
	return 0;
}
