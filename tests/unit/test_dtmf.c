/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_dtmf.c: RFC 4733 sender packet sequence and receiver de-duplication. */
#include <errno.h>
#include <stdint.h>

#include "dtmf.h"
#include "../tap.h"

struct got {
	char digits[32];
	uint32_t dur[32];
	int n;
};

static void on_digit(char d, uint32_t dur, void *arg)
{
	struct got *g = arg;

	if (g->n < 31) {
		g->digits[g->n] = d;
		g->dur[g->n] = dur;
		g->n++;
		g->digits[g->n] = '\0';
	}
}

static uint32_t pdur(const struct dtmf_pkt *p)
{
	return (uint32_t)(p->payload[2] << 8 | p->payload[3]);
}

static void test_sender(void)
{
	struct dtmf_send *s;
	struct dtmf_pkt p[16];
	uint32_t ts = 1000;
	int bad = 0;

	is_int(dtmf_send_alloc(&s, DTMF_PT_DEFAULT, 8000, 20), 0, "sender alloc");
	ok(!dtmf_send_busy(s), "idle sender not busy");
	is_int(dtmf_send_tick(s, ts, &p[0]), ENODATA, "idle tick: send audio");
	is_int(dtmf_send_queue(s, "12x"), EINVAL, "'x' rejected");
	is_int(dtmf_send_queue(s, "a"), EINVAL, "lower-case 'a' rejected");
	ok(!dtmf_send_busy(s), "a rejected string queues nothing");
	is_int(dtmf_send_queue(s, "1#"), 0, "queue \"1#\"");
	ok(dtmf_send_busy(s), "busy with queued digits");

	for (int i = 0; i < 7; i++, ts += 160)
		if (dtmf_send_tick(s, ts, &p[i]))
			bad++;
	is_int(bad, 0, "7 packets for the first digit (5 tone + 2 end repeats)");
	ok(p[0].marker && p[0].pt == 101 && p[0].ts == 1000, "start packet: marker, PT 101, start timestamp");
	is_int(p[0].payload[0], 1, "event 1");
	is_int(p[0].payload[1], 10, "E=0, volume 10");
	is_int(pdur(&p[0]), 160, "first duration one packet time");
	bad = 0;
	for (int i = 1; i < 4; i++)
		bad += p[i].marker || p[i].ts != 1000 || (p[i].payload[1] & 0x80) || pdur(&p[i]) != 160u * (i + 1);
	is_int(bad, 0, "continuations: no marker, same timestamp, duration grows by 160");
	bad = 0;
	for (int i = 4; i < 7; i++)
		bad += p[i].marker || p[i].ts != 1000 || p[i].payload[1] != (0x80 | 10) || pdur(&p[i]) != 800;
	is_int(bad, 0, "three end packets: E bit, final duration 800 (100 ms), start timestamp");
	is_int(dtmf_send_tick(s, ts, &p[7]), ENODATA, "gap: audio for one more packet time (60 ms after the end)");
	ts += 160;
	is_int(dtmf_send_tick(s, ts, &p[8]), 0, "second digit starts");
	ok(p[8].marker && p[8].payload[0] == 11 && p[8].ts == 1000 + 8 * 160, "'#' = event 11, new start timestamp");
	ts += 160;
	for (int i = 9; i < 15; i++, ts += 160)
		dtmf_send_tick(s, ts, &p[i]);
	is_int(dtmf_send_tick(s, ts, &p[15]), ENODATA, "after the last digit's end: audio");
	ts += 160;
	is_int(dtmf_send_tick(s, ts, &p[15]), ENODATA, "still audio");
	ok(!dtmf_send_busy(s), "not busy when done");

	/* queue overflow */
	{
		char many[DTMF_QUEUE_MAX + 2];
		memset(many, '5', sizeof(many) - 1);
		many[sizeof(many) - 1] = '\0';
		is_int(dtmf_send_queue(s, many), ENOSPC, "65 digits: ENOSPC");
		ok(!dtmf_send_busy(s), "... and nothing queued");
	}
	is_int(dtmf_send_set_timing(s, 20, 60), EINVAL, "tone shorter than 40 ms rejected");
	dtmf_send_free(s);

	/* 16 kHz, 30 ms packets, PT 96, 200 ms tone */
	dtmf_send_alloc(&s, 96, 16000, 30);
	dtmf_send_set_timing(s, 200, 100);
	dtmf_send_queue(s, "D");
	bad = 0;
	for (int i = 0; i < 9; i++) {
		struct dtmf_pkt q;
		dtmf_send_tick(s, 0, &q);
		if (q.pt != 96 || q.payload[0] != 15)
			bad++;
		if (i < 6 && pdur(&q) != 480u * (i + 1))
			bad++;
		if (i == 6 && (pdur(&q) != 3200 || !(q.payload[1] & 0x80)))
			bad++;
	}
	is_int(bad, 0, "16 kHz/30 ms: durations 480.. then 3200 (200 ms) with E, PT 96, event D=15");
	dtmf_send_free(s);

	/* regression (found by fuzz_dtmf): a refused tone length used to be kept, and its
	 * duration wrapped in the 16-bit field; the sender must keep its 100 ms default */
	dtmf_send_alloc(&s, 101, 48000, 20);
	is_int(dtmf_send_set_timing(s, 3840, 100), EINVAL, "3840 ms at 48 kHz does not fit 16 bits: EINVAL");
	dtmf_send_queue(s, "1");
	{
		struct dtmf_pkt q;
		uint32_t last = 0;
		while (dtmf_send_tick(s, 0, &q) == 0 && !(q.payload[1] & 0x80))
			;
		last = pdur(&q);
		is_int((int)last, 4800, "... and the tone stays 100 ms (4800 samples)");
	}
	dtmf_send_free(s);
}

/* runs a sender, feeding every packet through keep() into a receiver */
static void loop(const char *digits, struct got *g, int (*keep)(int i, const struct dtmf_pkt *p),
		 int dup)
{
	struct dtmf_send *s;
	struct dtmf_recv *r;
	uint32_t ts = 0xFFFFF000u; /* crosses the timestamp wrap */

	memset(g, 0, sizeof(*g));
	dtmf_send_alloc(&s, 101, 8000, 20);
	dtmf_recv_alloc(&r, on_digit, g);
	dtmf_send_queue(s, digits);
	for (int i = 0; i < 200; i++, ts += 160) {
		struct dtmf_pkt p;
		if (dtmf_send_tick(s, ts, &p))
			continue;
		if (keep && !keep(i, &p))
			continue;
		for (int k = 0; k <= dup; k++)
			dtmf_recv_packet(r, p.ts, p.payload, sizeof(p.payload));
	}
	dtmf_recv_flush(r);
	dtmf_send_free(s);
	dtmf_recv_free(r);
}

static int no_start(int i, const struct dtmf_pkt *p)
{
	return !p->marker;
}

static int only_end(int i, const struct dtmf_pkt *p)
{
	return (p->payload[1] & 0x80) != 0;
}

static int first_end_only(int i, const struct dtmf_pkt *p)
{
	static uint32_t last_ts = 1;
	if (!(p->payload[1] & 0x80))
		return 1;
	if (p->ts == last_ts)
		return 0;
	last_ts = p->ts;
	return 1;
}

static void test_receiver(void)
{
	struct got g;
	struct dtmf_recv *r;
	uint8_t pl[4];
	int okd;

	loop("0123456789*#ABCD", &g, NULL, 0);
	is_str(g.digits, "0123456789*#ABCD", "all 16 events, each reported once, across the ts wrap");
	okd = 1;
	for (int i = 0; i < g.n; i++)
		okd &= g.dur[i] == 800;
	ok(okd, "each with duration 800");

	loop("159", &g, NULL, 2);
	is_str(g.digits, "159", "every packet three times: still once each");
	loop("159", &g, no_start, 0);
	is_str(g.digits, "159", "start packets lost: once each");
	loop("159", &g, only_end, 0);
	is_str(g.digits, "159", "only the end packets arrive: once each");
	ok(g.dur[0] == 800 && g.dur[2] == 800, "durations from the end packets");
	loop("77", &g, first_end_only, 0);
	is_str(g.digits, "77", "same digit twice: two events (told apart by timestamp)");

	/* a new event without an end; late packets; flush */
	memset(&g, 0, sizeof(g));
	dtmf_recv_alloc(&r, on_digit, &g);
	pl[0] = 5, pl[1] = 10, pl[2] = 0, pl[3] = 160;
	dtmf_recv_packet(r, 8000, pl, 4);
	pl[3] = 0x40, pl[2] = 1; /* 320 */
	dtmf_recv_packet(r, 8000, pl, 4);
	is_int(g.n, 0, "no report while the event runs");
	pl[0] = 6, pl[2] = 0, pl[3] = 160;
	dtmf_recv_packet(r, 9600, pl, 4);
	is_str(g.digits, "5", "new event reports the unended one");
	is_int(g.dur[0], 320, "... with its last duration");
	pl[0] = 5, pl[1] = 0x80 | 10, pl[2] = 3, pl[3] = 0x20;
	is_int(dtmf_recv_packet(r, 8000, pl, 4), 0, "late end of the old event taken");
	is_int(g.n, 1, "... and ignored");
	dtmf_recv_flush(r);
	is_str(g.digits, "56", "flush reports the open event");
	dtmf_recv_flush(r);
	is_int(g.n, 2, "second flush reports nothing");
	pl[0] = 6, pl[1] = 0x80 | 10;
	dtmf_recv_packet(r, 9600, pl, 4);
	is_int(g.n, 2, "end packet of a flushed event ignored");
	is_int(dtmf_recv_packet(r, 20000, pl, 3), EBADMSG, "3-byte payload rejected");
	pl[0] = 16;
	is_int(dtmf_recv_packet(r, 20000, pl, 4), ENOTSUP, "event 16 (not DTMF) refused");
	is_int(g.n, 2, "nothing reported for refused packets");
	dtmf_recv_free(r);

	is_int(dtmf_event_from_digit('*'), 10, "'*' = 10");
	is_int(dtmf_event_from_digit('#'), 11, "'#' = 11");
	is_int(dtmf_event_from_digit('\0'), -1, "NUL is not a digit");
	is_int(dtmf_digit_from_event(12), 'A', "12 = 'A'");
}

int main(void)
{
	test_sender();
	test_receiver();
	return tap_done();
}
