/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dtmf.c: RFC 4733 DTMF events: a tick-driven sender and a de-duplicating receiver. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "be.h"
#include "dtmf.h"

static const char digits[] = "0123456789*#ABCD";

int dtmf_event_from_digit(char digit)
{
	const char *p;

	if (digit == '\0')
		return -1;
	p = strchr(digits, digit);
	return p ? (int)(p - digits) : -1;
}

char dtmf_digit_from_event(int event)
{
	return (event >= 0 && event < 16) ? digits[event] : '\0';
}

enum send_state {
	S_IDLE,
	S_TONE, /* start and continuation packets */
	S_END,  /* the end packet and its retransmissions */
	S_GAP,
};

struct dtmf_send {
	uint8_t pt;
	uint32_t ptime; /* samples per packet */
	uint32_t rate;
	uint32_t ptime_ms;
	uint32_t tone;     /* samples */
	uint32_t gap_ticks;
	uint8_t queue[DTMF_QUEUE_MAX];
	size_t qhead, qlen;
	enum send_state state;
	uint8_t event;
	uint32_t ts0;
	uint32_t dur;
	unsigned count; /* end packets sent, or gap ticks passed */
};

int dtmf_send_set_timing(struct dtmf_send *s, uint32_t tone_ms, uint32_t gap_ms)
{
	uint32_t g;
	uint64_t tone;

	if (!s || tone_ms < 40 || tone_ms > 5000 || gap_ms < 40 || gap_ms > 5000)
		return EINVAL;
	/* checked before storing: a refused setting must leave the sender as it was */
	tone = (uint64_t)tone_ms * s->rate / 1000;
	if (tone > 0xFFFF) /* duration field is 16 bits */
		return EINVAL;
	s->tone = (uint32_t)tone;
	/* gap ticks counted after the end packet; the 2 retransmissions are part of it */
	g = (gap_ms + s->ptime_ms - 1) / s->ptime_ms;
	s->gap_ticks = g < 2 ? 2 : g;
	return 0;
}

int dtmf_send_alloc(struct dtmf_send **sp, uint8_t pt, uint32_t clock_rate, uint32_t ptime_ms)
{
	struct dtmf_send *s;
	int err;

	if (!sp || pt > 127 || clock_rate < 1000 || clock_rate > 96000 || ptime_ms < 10 || ptime_ms > 100)
		return EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ENOMEM;
	s->pt = pt;
	s->rate = clock_rate;
	s->ptime_ms = ptime_ms;
	s->ptime = clock_rate * ptime_ms / 1000;
	err = dtmf_send_set_timing(s, DTMF_TONE_MS, DTMF_GAP_MS);
	if (err) {
		free(s);
		return err;
	}
	*sp = s;
	return 0;
}

void dtmf_send_free(struct dtmf_send *s)
{
	free(s);
}

int dtmf_send_queue(struct dtmf_send *s, const char *d)
{
	size_t n;

	if (!s || !d)
		return EINVAL;
	n = strlen(d);
	for (size_t i = 0; i < n; i++)
		if (dtmf_event_from_digit(d[i]) < 0)
			return EINVAL;
	if (n > DTMF_QUEUE_MAX - s->qlen)
		return ENOSPC;
	for (size_t i = 0; i < n; i++) {
		s->queue[(s->qhead + s->qlen) % DTMF_QUEUE_MAX] = (uint8_t)dtmf_event_from_digit(d[i]);
		s->qlen++;
	}
	return 0;
}

bool dtmf_send_busy(const struct dtmf_send *s)
{
	return s->state != S_IDLE || s->qlen > 0;
}

static void fill(const struct dtmf_send *s, struct dtmf_pkt *pkt, bool end, bool marker)
{
	pkt->pt = s->pt;
	pkt->ts = s->ts0;
	pkt->marker = marker;
	pkt->payload[0] = s->event;
	pkt->payload[1] = (uint8_t)((end ? 0x80 : 0) | DTMF_VOLUME);
	be16_put(pkt->payload + 2, (uint16_t)s->dur);
}

int dtmf_send_tick(struct dtmf_send *s, uint32_t now_ts, struct dtmf_pkt *pkt)
{
	bool marker = false;

	if (!s || !pkt)
		return EINVAL;
	switch (s->state) {
	case S_GAP:
		if (s->count < s->gap_ticks - 2) {
			s->count++;
			return ENODATA;
		}
		s->state = S_IDLE;
		/* the next event may start at once */
		/* fall through */
	case S_IDLE:
		if (!s->qlen)
			return ENODATA;
		s->event = s->queue[s->qhead];
		s->qhead = (s->qhead + 1) % DTMF_QUEUE_MAX;
		s->qlen--;
		s->ts0 = now_ts;
		s->dur = 0;
		s->state = S_TONE;
		marker = true;
		/* fall through */
	case S_TONE:
		s->dur += s->ptime;
		if (s->dur >= s->tone) {
			s->dur = s->tone;
			s->state = S_END;
			s->count = 1;
			fill(s, pkt, true, marker);
			return 0;
		}
		fill(s, pkt, false, marker);
		return 0;
	case S_END:
		fill(s, pkt, true, false);
		if (++s->count == 3) {
			s->state = S_GAP;
			s->count = 0;
			if (s->gap_ticks <= 2)
				s->state = S_IDLE;
		}
		return 0;
	}
	return ENODATA;
}

struct dtmf_recv {
	dtmf_recv_h *h;
	void *arg;
	bool cur;
	uint32_t cur_ts;
	uint8_t cur_event;
	uint32_t cur_dur;
	bool done;
	uint32_t done_ts;
};

int dtmf_recv_alloc(struct dtmf_recv **rp, dtmf_recv_h *h, void *arg)
{
	struct dtmf_recv *r;

	if (!rp || !h)
		return EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return ENOMEM;
	r->h = h;
	r->arg = arg;
	*rp = r;
	return 0;
}

void dtmf_recv_free(struct dtmf_recv *r)
{
	free(r);
}

static void finish(struct dtmf_recv *r)
{
	r->cur = false;
	r->done = true;
	r->done_ts = r->cur_ts;
	r->h(dtmf_digit_from_event(r->cur_event), r->cur_dur, r->arg);
}

void dtmf_recv_flush(struct dtmf_recv *r)
{
	if (r && r->cur)
		finish(r);
}

int dtmf_recv_packet(struct dtmf_recv *r, uint32_t ts, const uint8_t *payload, size_t len)
{
	uint8_t event;
	bool end;
	uint32_t dur;

	if (!r || !payload)
		return EINVAL;
	if (len < DTMF_PAYLOAD_LEN)
		return EBADMSG;
	event = payload[0];
	end = payload[1] & 0x80;
	dur = be16_get(payload + 2);
	if (event > 15)
		return ENOTSUP;

	/* every packet of an event carries its start timestamp: older or equal to a reported one is a repeat */
	if (r->done && (int32_t)(ts - r->done_ts) <= 0)
		return 0;
	if (r->cur) {
		int32_t d = (int32_t)(ts - r->cur_ts);
		if (d < 0)
			return 0; /* late packet of an event already superseded */
		if (d > 0)
			finish(r); /* a new event began before the old one's end arrived */
	}
	if (!r->cur) {
		/* first packet seen for this event; its start packet may have been lost */
		r->cur = true;
		r->cur_ts = ts;
		r->cur_event = event;
		r->cur_dur = dur;
	} else if (dur > r->cur_dur) {
		r->cur_dur = dur;
	}
	if (end)
		finish(r);
	return 0;
}
