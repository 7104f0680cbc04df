/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_sip_strans.c: server transactions on the loop's virtual clock with a fake transport and short timers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fake_wire.h"
#include "loop.h"
#include "sip_msg.h"
#include "sip_strans.h"
#include "tap.h"

#define T1 20
#define T2 80
#define T4 60

struct tu {
	int err;
	int nerr;
	uint64_t err_at;
	uint64_t t0;
};

static void tu_h(int err, void *arg)
{
	struct tu *tu = arg;

	tu->err = err;
	tu->nerr++;
	tu->err_at = loop_now_ms() - tu->t0;
}

static struct sip_msg *req_msg(const char *method, const char *branch, const char *host, int cseq_num,
			       const char *cseq_method)
{
	char buf[1024];
	struct sip_msg *m = NULL;

	snprintf(buf, sizeof(buf),
		 "%s sip:alice@127.0.0.1:5070 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP %s;branch=%s;rport\r\n"
		 "Max-Forwards: 70\r\n"
		 "From: <sip:bob@127.0.0.1>;tag=btag\r\n"
		 "To: <sip:alice@127.0.0.1>\r\n"
		 "Call-ID: scid@127.0.0.1\r\n"
		 "CSeq: %d %s\r\n"
		 "Content-Length: 0\r\n\r\n",
		 method, host, branch, cseq_num, cseq_method);
	if (sip_msg_decode(&m, buf, strlen(buf)) != 0)
		return NULL;
	return m;
}

static int feed(struct sip_strans_mgr *m, const char *method, const char *branch, const char *host)
{
	struct sip_msg *r = req_msg(method, branch, host, 1,
				    strcmp(method, "ACK") == 0 ? "ACK" : method);
	int err = r ? sip_strans_mgr_recv(m, r) : -1;

	sip_msg_free(r);
	return err;
}

/* a response to st's request, as the TU would print it */
static int reply(struct sip_strans *st, uint16_t code)
{
	struct wbuf w;
	int err;

	wbuf_init(&w, 0);
	err = sip_reply_print(&w, sip_strans_request(st), code, sip_reason_phrase(code),
			      code > 100 ? "ltag" : NULL, NULL, NULL, NULL, 0);
	if (!err)
		err = sip_strans_reply(st, code, w.p, w.len);
	wbuf_free(&w);
	return err;
}

static int create(struct sip_strans **st, struct sip_strans_mgr *m, struct fake *f, struct tu *tu,
		  bool reliable, const char *method, const char *branch)
{
	struct sip_tsend tp = {fake_send, f, reliable};
	struct sip_msg *req = req_msg(method, branch, "127.0.0.1:5080", 1, method);
	int err;

	fake_reset(f);
	memset(tu, 0, sizeof(*tu));
	tu->t0 = f->t0;
	if (!req)
		return -1;
	err = sip_strans_mgr_recv(m, req);
	if (err == ENOENT)
		err = sip_strans_alloc(st, m, &tp, req, tu_h, tu);
	else
		err = -2; /* should have been new */
	sip_msg_free(req); /* the transaction keeps its own copy */
	return err;
}

/* interval i (between send i-1 and i) is exactly want ms */
static bool interval_ok(const struct fake *f, int i, uint64_t want)
{
	return f->at[i] - f->at[i - 1] == want;
}

static void test_invite_trying_and_non2xx(struct loop *l, struct sip_strans_mgr *m)
{
	struct sip_strans *st = NULL;
	struct fake f = {0};
	struct tu tu;
	int i, good = 1;

	is_int(create(&st, m, &f, &tu, false, "INVITE", "z9hG4bKsi1"), 0, "INVITE: new transaction");
	run_for(l, 250);
	is_int(f.n, 1, "100 Trying after 200 ms of TU silence");
	ok(f.n >= 1 && strncmp(f.msg[0], "SIP/2.0 100 Trying\r\n", 20) == 0, "it is a 100 Trying");
	ok(f.n >= 1 && strstr(f.msg[0], "branch=z9hG4bKsi1") && !strstr(f.msg[0], "tag=ltag"),
	   "with the request's Via, no To tag");
	ok(f.n >= 1 && f.at[0] == 200, "at 200 ms (%llu)", (unsigned long long)(f.n ? f.at[0] : 0));

	is_int(feed(m, "INVITE", "z9hG4bKsi1", "127.0.0.1:5080"), 0, "retransmitted INVITE absorbed");
	is_int(f.n, 2, "100 re-sent");

	is_int(reply(st, 486), 0, "TU answers 486");
	is_int(f.n, 3, "486 sent");
	ok(sip_strans_answered(st), "answered");
	is_int(reply(st, 200), EPROTO, "a second final response -> EPROTO");
	run_until_sent(l, &f, 6, 2000);
	for (i = 4; i < 6 && i < f.n; i++)
		if (!interval_ok(&f, i, (uint64_t)T1 << (i - 3))) {
			good = 0;
			diag("interval %d: %llu ms, want %d", i,
			     (unsigned long long)(f.at[i] - f.at[i - 1]), T1 << (i - 3));
		}
	ok(f.n == 6 && good, "Timer G: 486 re-sent after T1, 2T1, 4T1 (%d sends)", f.n);
	ok(f.n >= 4 && strcmp(f.msg[2], f.msg[3]) == 0, "the same 486");
	{
		int before = f.n;

		is_int(feed(m, "INVITE", "z9hG4bKsi1", "127.0.0.1:5080"), 0, "retransmitted INVITE");
		is_int(f.n, before + 1, "486 re-sent for it");
		is_int(feed(m, "ACK", "z9hG4bKsi1", "127.0.0.1:5080"), 0, "ACK matches the INVITE");
		before = f.n;
		is_int(feed(m, "ACK", "z9hG4bKsi1", "127.0.0.1:5080"), 0, "ACK retransmission absorbed");
		run_for(l, T4 - 15);
		is_int(f.n, before, "Confirmed: no more retransmissions");
	}
	sip_strans_free(st);
	run_for(l, 40);
	is_int(feed(m, "ACK", "z9hG4bKsi1", "127.0.0.1:5080"), ENOENT, "gone after Timer I");
	is_int(tu.nerr, 0, "no error reported");
	fake_reset(&f);
}

static void test_invite_timer_h(struct loop *l, struct sip_strans_mgr *m)
{
	struct sip_strans *st = NULL;
	struct fake f = {0};
	struct tu tu;
	int i, good = 1;

	create(&st, m, &f, &tu, false, "INVITE", "z9hG4bKsi2");
	is_int(reply(st, 180), 0, "180 at once");
	is_int(reply(st, 404), 0, "404");
	for (uint64_t t = 0; !tu.nerr && t < 64 * T1 + 500; t++)
		loop_advance(l, 1);
	is_int(tu.err, ETIMEDOUT, "Timer H: no ACK -> ETIMEDOUT");
	ok(tu.err_at == 64 * T1, "at 64*T1 (%llu ms)", (unsigned long long)tu.err_at);
	ok(f.n >= 2 && strncmp(f.msg[0], "SIP/2.0 180", 11) == 0, "no automatic 100 after the TU's 180");
	/*
	 * G doubles to T2 then stays: the 404 at 0, then 20, 60, 140, 220, ..., 1260 (every 80 ms), all
	 * before Timer H at 1280: 18 sends of the 404 after the 180
	 */
	is_int(f.n, 19, "404 retransmitted up to Timer H");
	for (i = 2; i < 5 && i < f.n; i++)
		if (!interval_ok(&f, i, (uint64_t)T1 << (i - 2)))
			good = 0;
	for (i = 5; i < f.n; i++)
		if (!interval_ok(&f, i, T2))
			good = 0;
	ok(good, "Timer G: T1, 2T1, 4T1 = T2, then T2");
	sip_strans_free(st);
	fake_reset(&f);
}

static void test_invite_reliable_2xx(struct loop *l, struct sip_strans_mgr *m)
{
	struct sip_strans *st = NULL;
	struct fake f = {0};
	struct tu tu;

	create(&st, m, &f, &tu, true, "INVITE", "z9hG4bKsi3");
	is_int(reply(st, 486), 0, "486 over TLS");
	run_for(l, 8 * T1);
	is_int(f.n, 1, "no Timer G on a reliable transport");
	is_int(feed(m, "ACK", "z9hG4bKsi3", "127.0.0.1:5080"), 0, "ACK");
	loop_run_once(l, 5);
	is_int(feed(m, "ACK", "z9hG4bKsi3", "127.0.0.1:5080"), ENOENT, "Timer I is 0: gone");
	sip_strans_free(st);

	create(&st, m, &f, &tu, false, "INVITE", "z9hG4bKsi4");
	is_int(reply(st, 200), 0, "200");
	is_int(feed(m, "INVITE", "z9hG4bKsi4", "127.0.0.1:5080"), 0, "retransmitted INVITE in Accepted");
	is_int(f.n, 1, "absorbed without re-sending (2xx retransmission is the TU's job)");
	is_int(reply(st, 200), 0, "TU re-sends its 200 through the transaction");
	is_int(f.n, 2, "passed");
	is_int(reply(st, 486), EPROTO, "non-2xx after 2xx -> EPROTO");
	is_int(feed(m, "ACK", "z9hG4bKsi4", "127.0.0.1:5080"), ENOENT,
	       "an ACK in Accepted goes to the TU");
	sip_strans_free(st);
	run_for(l, 64 * T1 + 30);
	is_int(feed(m, "INVITE", "z9hG4bKsi4", "127.0.0.1:5080"), ENOENT, "after Timer L: new request");
	fake_reset(&f);
}

static void test_noninvite(struct loop *l, struct sip_strans_mgr *m)
{
	struct sip_strans *st = NULL;
	struct fake f = {0};
	struct tu tu;

	create(&st, m, &f, &tu, false, "OPTIONS", "z9hG4bKsn1");
	is_int(feed(m, "OPTIONS", "z9hG4bKsn1", "127.0.0.1:5080"), 0, "retransmission in Trying absorbed");
	run_for(l, 250);
	is_int(f.n, 0, "nothing sent (no automatic 100 for non-INVITE)");
	is_int(reply(st, 200), 0, "200");
	is_int(feed(m, "OPTIONS", "z9hG4bKsn1", "127.0.0.1:5080"), 0, "retransmission in Completed");
	is_int(f.n, 2, "last response re-sent");
	ok(f.n >= 2 && strcmp(f.msg[0], f.msg[1]) == 0, "identical");
	run_for(l, 4 * T1);
	is_int(f.n, 2, "no timer-driven retransmission of non-INVITE responses");
	sip_strans_free(st);
	run_for(l, 64 * T1 + 30);
	is_int(feed(m, "OPTIONS", "z9hG4bKsn1", "127.0.0.1:5080"), ENOENT, "after Timer J: new request");

	create(&st, m, &f, &tu, true, "BYE", "z9hG4bKsn2");
	is_int(reply(st, 200), 0, "200 over TLS");
	loop_run_once(l, 5);
	is_int(feed(m, "BYE", "z9hG4bKsn2", "127.0.0.1:5080"), ENOENT, "Timer J is 0 on reliable");
	sip_strans_free(st);
	fake_reset(&f);
}

static void test_matching(struct loop *l, struct sip_strans_mgr *m)
{
	struct sip_strans *inv = NULL, *can = NULL;
	struct fake f = {0}, f2 = {0};
	struct tu tu;
	struct sip_tsend tp = {fake_send, &f2, false};
	struct sip_msg *c;

	create(&inv, m, &f, &tu, false, "INVITE", "z9hG4bKsm1");
	is_int(feed(m, "INVITE", "z9hG4bKsm1", "127.0.0.2:5080"), ENOENT, "other sent-by: no match");
	is_int(feed(m, "INVITE", "z9hG4bKsm1", "127.0.0.1:5081"), ENOENT, "other port: no match");
	is_int(feed(m, "INVITE", "z9hG4bKsmX", "127.0.0.1:5080"), ENOENT, "other branch: no match");
	is_int(feed(m, "INVITE", "z9hG4bKsm1", "127.0.0.1:5080"), 0, "same branch and sent-by: match");
	is_int(feed(m, "INVITE", "oldstyle", "127.0.0.1:5080"), ENOENT, "no magic cookie: never matched");

	c = req_msg("CANCEL", "z9hG4bKsm1", "127.0.0.1:5080", 1, "CANCEL");
	is_int(sip_strans_mgr_recv(m, c), ENOENT, "CANCEL is its own transaction");
	ok(sip_strans_mgr_find_invite(m, c) == inv, "CANCEL finds the INVITE it targets");
	fake_reset(&f2);
	is_int(sip_strans_alloc(&can, m, &tp, c, NULL, NULL), 0, "CANCEL transaction");
	is_int(reply(can, 200), 0, "200 to CANCEL");
	is_int(reply(inv, 487), 0, "487 to INVITE");
	is_int(sip_strans_mgr_recv(m, c), 0, "retransmitted CANCEL matches its own transaction");
	is_int(f2.n, 2, "and gets the 200 again");
	ok(f2.n >= 2 && strncmp(f2.msg[1], "SIP/2.0 200", 11) == 0, "the 200, not the 487");
	sip_msg_free(c);
	is_int(feed(m, "ACK", "z9hG4bKsm1", "127.0.0.1:5080"), 0, "ACK for the 487");
	run_for(l, T4 + 20); /* Timer I ends the INVITE transaction before f goes out of scope */
	{
		struct sip_msg *ack = req_msg("ACK", "z9hG4bKsm1", "127.0.0.1:5080", 1, "ACK");
		struct sip_strans *x = NULL;

		is_int(sip_strans_alloc(&x, m, &tp, ack, NULL, NULL), EINVAL, "no transaction for an ACK");
		sip_msg_free(ack);
	}
	sip_strans_free(can);
	sip_strans_free(inv);
	loop_run_once(l, 5);
	fake_reset(&f);
	fake_reset(&f2);
}

static void test_errors(struct loop *l, struct sip_strans_mgr *m)
{
	struct sip_strans *st = NULL;
	struct fake f = {0};
	struct tu tu;

	create(&st, m, &f, &tu, false, "INVITE", "z9hG4bKse1");
	f.fail_at = 1;
	f.fail_err = ECONNRESET;
	is_int(reply(st, 500), ECONNRESET, "transport error on reply returned");
	is_int(reply(st, 500), EPROTO, "transaction is over");
	sip_strans_free(st);

	create(&st, m, &f, &tu, false, "INVITE", "z9hG4bKse2");
	reply(st, 500);
	f.fail_at = 2;
	f.fail_err = ECONNRESET; /* create() reset f */
	run_for(l, T1 + 10);
	is_int(tu.err, ECONNRESET, "error on a Timer G retransmission reported");
	is_int(tu.nerr, 1, "once");
	sip_strans_free(st);

	/* freed without a final response: ends at once, no 100 later */
	create(&st, m, &f, &tu, false, "INVITE", "z9hG4bKse3");
	sip_strans_free(st);
	run_for(l, 250);
	is_int(f.n, 0, "no 100 Trying for an abandoned transaction");
	is_int(feed(m, "INVITE", "z9hG4bKse3", "127.0.0.1:5080"), ENOENT, "and it no longer matches");
	fake_reset(&f);
}

int main(void)
{
	struct sip_timers t = {T1, T2, T4};
	struct sip_strans_mgr *m = NULL;
	struct loop *l = NULL;

	loop_clock_virtual(1000);
	if (loop_alloc(&l) != 0 || sip_strans_mgr_alloc(&m, l, &t) != 0) {
		ok(0, "setup");
		return tap_done();
	}
	test_invite_trying_and_non2xx(l, m);
	test_invite_timer_h(l, m);
	test_invite_reliable_2xx(l, m);
	test_noninvite(l, m);
	test_matching(l, m);
	test_errors(l, m);
	{
		struct sip_strans *st = NULL;
		struct fake f = {0};
		struct tu tu;

		create(&st, m, &f, &tu, false, "INVITE", "z9hG4bKlast");
		reply(st, 486);
		sip_strans_free(st); /* lives on internally */
		sip_strans_mgr_free(m); /* and is freed here (ASan/valgrind check the leak) */
		fake_reset(&f);
	}
	loop_free(l);
	return tap_done();
}
