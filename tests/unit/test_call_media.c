/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_call_media.c: two calls' media negotiated and run without SIP: SRTP both ways, SAS, DTMF, re-key, move, hold, timeout. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "call_media.h"
#include "event.h"
#include "loop.h"
#include "sdp.h"
#include "tap.h"

struct side {
	const char *name;
	struct call_media *m;
	char digits[32];
	unsigned timeouts;
};

static struct loop *L;

static void dtmf_h(char digit, unsigned duration_ms, void *arg)
{
	struct side *s = arg;
	size_t n = strlen(s->digits);

	(void)duration_ms;
	if (n + 1 < sizeof(s->digits))
		s->digits[n] = digit;
}

static void timeout_h(unsigned silent_ms, void *arg)
{
	struct side *s = arg;

	(void)silent_ms;
	s->timeouts++;
}

static int side_alloc(struct side *s, const char *name, unsigned timeout_ms)
{
	struct call_media_prm p;
	struct call_media_h h = { dtmf_h, timeout_h, s };

	memset(s, 0, sizeof(*s));
	s->name = name;
	memset(&p, 0, sizeof(p));
	p.addr = "127.0.0.1";
	p.srtp = true;
	p.srtp_required = true;
	p.timeout_ms = timeout_ms;
	return call_media_alloc(&s->m, L, NULL, &p, &h);
}

/* Runs the loop until cond holds or 5 s pass (a slow machine waits longer, never fails sooner). */
#define RUN_UNTIL(cond)                                                            \
	do {                                                                       \
		uint64_t end_ = loop_now_ms() + 5000;                              \
		while (!(cond) && loop_now_ms() < end_)                            \
			loop_run_once(L, 20);                                      \
	} while (0)

/* One offer/answer round from o to a, both sides applying what they agreed. 0 or the failing step's errno. */
static int exchange(struct side *o, struct side *a, char *offer_out, size_t osz)
{
	struct sdp_result ro, ra;
	struct wbuf off, ans;
	int e;

	memset(&ro, 0, sizeof(ro));
	memset(&ra, 0, sizeof(ra));
	wbuf_init(&off, 0);
	wbuf_init(&ans, 0);
	if ((e = call_media_offer(o->m, &off)) != 0 || (e = off.err) != 0)
		goto out;
	if (offer_out)
		snprintf(offer_out, osz, "%.*s", (int)off.len, (const char *)off.p);
	if ((e = call_media_answer(a->m, off.p, off.len, &ans, &ra)) != 0 || (e = ans.err) != 0)
		goto out;
	if ((e = call_media_take_answer(o->m, ans.p, ans.len, &ro)) != 0)
		goto out;
	if (call_media_moving(o->m))
		call_media_move_commit(o->m);
	if ((e = call_media_apply(a->m, &ra)) != 0 || (e = call_media_apply(o->m, &ro)) != 0)
		goto out;
out:
	sdp_result_wipe(&ro);
	sdp_result_wipe(&ra);
	wbuf_free(&off);
	wbuf_free(&ans);
	return e;
}

/* The RTP port of s's next offer (0 if none). */
static unsigned offer_port(struct side *s)
{
	struct wbuf w;
	const char *mp;
	unsigned port = 0;

	wbuf_init(&w, 0);
	if (!call_media_offer(s->m, &w) && !w.err && w.p) {
		mp = memmem(w.p, w.len, "m=audio ", 8);
		if (mp)
			port = (unsigned)atoi(mp + 8);
	}
	wbuf_free(&w);
	return port;
}

static long long verify_int(struct side *s, const char *key)
{
	struct event ev;

	event_init(&ev, EVENT_SECURITY);
	call_media_verify_fields(s->m, &ev);
	return event_get_int(&ev, key, -1);
}

static const char *verify_str(struct side *s, const char *key, char *buf, size_t sz)
{
	struct event ev;

	event_init(&ev, EVENT_SECURITY);
	call_media_verify_fields(s->m, &ev);
	snprintf(buf, sz, "%s", event_get_str(&ev, key) ? event_get_str(&ev, key) : "(none)");
	return buf;
}

int main(void)
{
	struct side A, B;
	char sas1[16], sas2[16], offer[2048], ra1[80], ra2[80];
	struct event ev;

	if (loop_alloc(&L))
		tap_skip_all("no loop");
	if (!ok(side_alloc(&A, "A", 0) == 0 && side_alloc(&B, "B", 600) == 0, "two media on 127.0.0.1"))
		return tap_done();
	ok(!call_media_running(A.m) && !call_media_result(A.m), "nothing runs before an answer was applied");
	is_str(call_media_sas(A.m), "", "... and there is no SAS");
	event_init(&ev, EVENT_SECURITY);
	call_media_verify_fields(A.m, &ev);
	is_str(event_get_str(&ev, "media"), "not started", "... the report says so");
	is_int(call_media_dtmf(A.m, "1"), EPROTO, "... and DTMF has nowhere to go");

	is_int(exchange(&A, &B, offer, sizeof(offer)), 0, "offer, answer, both applied");
	ok(strstr(offer, "RTP/SAVP") != NULL && strstr(offer, "a=crypto:") != NULL, "the offer is SDES-SRTP");
	ok(call_media_running(A.m) && call_media_running(B.m), "both streams run");
	ok(call_media_result(A.m) && call_media_result(A.m)->secure, "A's result is SRTP");
	snprintf(sas1, sizeof(sas1), "%s", call_media_sas(A.m));
	ok(strlen(sas1) == 7, "A shows a SAS (%s)", sas1);
	is_str(call_media_sas(B.m), sas1, "B shows the same");

	is_int(call_media_dtmf(A.m, "4#"), 0, "A sends 4#");
	RUN_UNTIL(strlen(B.digits) >= 2);
	is_str(B.digits, "4#", "B's handler hears 4# (RFC 4733 over SRTP)");
	ok(verify_int(&A, "packets_protected") > 0 && verify_int(&B, "packets_protected") > 0,
	   "both sides sent SRTP (%lld, %lld)", verify_int(&A, "packets_protected"), verify_int(&B, "packets_protected"));
	is_int(verify_int(&A, "plaintext_sent") + verify_int(&B, "plaintext_sent"), 0, "... and nothing in clear");
	is_int(verify_int(&A, "auth_failures") + verify_int(&B, "auth_failures"), 0, "... and every packet authenticated");

	/* re-key: the next exchange carries new keys, applied between two packets */
	is_int(call_media_rekey(A.m), 0, "A draws new keys");
	is_int(exchange(&A, &B, NULL, 0), 0, "the re-key's offer/answer applied");
	snprintf(sas2, sizeof(sas2), "%s", call_media_sas(A.m));
	ok(strcmp(sas1, sas2) != 0, "new keys, a new SAS (%s -> %s)", sas1, sas2);
	is_str(call_media_sas(B.m), sas2, "... the same at B");
	memset(B.digits, 0, sizeof(B.digits));
	call_media_dtmf(A.m, "7");
	RUN_UNTIL(B.digits[0]);
	is_str(B.digits, "7", "DTMF still arrives under the new keys");

	/* a move: new sockets offered, taken only when committed */
	verify_str(&B, "remote_media", ra1, sizeof(ra1));
	is_int(call_media_move(A.m), 0, "A opens new sockets");
	ok(call_media_moving(A.m), "... a move is pending");
	is_int(call_media_move(A.m), EBUSY, "... one at a time");
	{
		unsigned p1 = offer_port(&A), p2;

		call_media_move_abort(A.m);
		ok(!call_media_moving(A.m), "aborted: nothing pending");
		p2 = offer_port(&A);
		ok(p1 && p2 && p1 != p2 && (unsigned)atoi(strchr(ra1, ':') + 1) == p2,
		   "the offer named the new port (%u), after the abort the old one again (%u)", p1, p2);
		/* that offer is answered, so the next exchange starts from a settled state */
		is_int(exchange(&A, &B, NULL, 0), 0, "an offer/answer on the old sockets");
	}
	is_int(call_media_move(A.m), 0, "A moves again");
	is_int(exchange(&A, &B, offer, sizeof(offer)), 0, "the move's offer/answer applied, the move committed");
	ok(!call_media_moving(A.m), "... nothing pending");
	verify_str(&B, "remote_media", ra2, sizeof(ra2));
	ok(strcmp(ra1, ra2) != 0, "B now sends to A's new port (%s -> %s)", ra1, ra2);
	memset(A.digits, 0, sizeof(A.digits));
	call_media_dtmf(B.m, "9");
	RUN_UNTIL(A.digits[0]);
	is_str(A.digits, "9", "A hears B on its new socket");

	/* hold: our next offer says sendonly, and the far end's answer says it is held */
	call_media_set_hold(A.m, true);
	is_int(exchange(&A, &B, offer, sizeof(offer)), 0, "hold offer/answer");
	ok(strstr(offer, "a=sendonly") != NULL, "the offer says a=sendonly");
	ok(call_media_result(B.m) && call_media_result(B.m)->remote_hold, "B's result says it is held");
	call_media_set_hold(A.m, false);
	is_int(exchange(&A, &B, offer, sizeof(offer)), 0, "resume offer/answer");
	ok(strstr(offer, "a=sendrecv") != NULL, "the offer says a=sendrecv");

	/* A stops: B's timeout (600 ms) goes up through its handler, once */
	call_media_stop(A.m);
	ok(!call_media_running(A.m), "A stopped");
	RUN_UNTIL(B.timeouts > 0);
	is_int(B.timeouts, 1, "B's timeout handler ran once when A went silent");
	ok(call_media_result(A.m) != NULL && call_media_sas(A.m)[0], "A's last result and SAS stay for the reports");

	call_media_free(A.m);
	call_media_free(B.m);
	call_media_free(NULL);
	loop_free(L);
	return tap_done();
}
