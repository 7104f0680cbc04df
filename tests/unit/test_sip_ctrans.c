/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_sip_ctrans.c: client transactions on the loop's virtual clock with a fake transport and short timers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fake_wire.h"
#include "loop.h"
#include "sip_ctrans.h"
#include "sip_msg.h"
#include "tap.h"

#define T1 20
#define T2 80
#define T4 60

/* ---- TU side: records events ---- */
struct tu {
	int nresp;
	uint16_t codes[16];
	int err;
	int nerr;
	uint64_t err_at;
	uint64_t t0;
	bool free_in_cb;
	struct sip_ctrans *ct;
};

static void tu_h(int err, const struct sip_msg *resp, void *arg)
{
	struct tu *tu = arg;

	if (err) {
		tu->err = err;
		tu->nerr++;
		tu->err_at = loop_now_ms() - tu->t0;
	} else if (tu->nresp < 16) {
		tu->codes[tu->nresp++] = sip_msg_status(resp);
	}
	if (tu->free_in_cb) {
		sip_ctrans_free(tu->ct);
		tu->ct = NULL;
	}
}

static void run_until_err(struct loop *l, struct tu *tu, uint64_t max_ms)
{
	for (uint64_t t = 0; !tu->nerr && t < max_ms; t++)
		loop_advance(l, 1);
}

static char *request(const char *method, const char *branch)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf),
		 "%s sip:bob@127.0.0.1 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=%s;rport\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bKsecond\r\n"
		 "Route: <sip:127.0.0.1:5060;lr>\r\n"
		 "Max-Forwards: 70\r\n"
		 "From: <sip:alice@127.0.0.1>;tag=ftag\r\n"
		 "To: <sip:bob@127.0.0.1>\r\n"
		 "Call-ID: cid1@127.0.0.1\r\n"
		 "CSeq: 7 %s\r\n"
		 "Content-Length: 0\r\n\r\n",
		 method, branch, method);
	return buf;
}

static struct sip_msg *response(int code, const char *method, const char *branch)
{
	char buf[1024];
	struct sip_msg *m = NULL;

	snprintf(buf, sizeof(buf),
		 "SIP/2.0 %d Whatever\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=%s;rport=5070;received=127.0.0.1\r\n"
		 "From: <sip:alice@127.0.0.1>;tag=ftag\r\n"
		 "To: <sip:bob@127.0.0.1>;tag=totag%d\r\n"
		 "Call-ID: cid1@127.0.0.1\r\n"
		 "CSeq: 7 %s\r\n"
		 "Content-Length: 0\r\n\r\n",
		 code, branch, code, method);
	if (sip_msg_decode(&m, buf, strlen(buf)) != 0)
		return NULL;
	return m;
}

/* feeds a response built on the fly; returns sip_ctrans_mgr_recv's result */
static int feed(struct sip_ctrans_mgr *m, int code, const char *method, const char *branch)
{
	struct sip_msg *r = response(code, method, branch);
	int err = r ? sip_ctrans_mgr_recv(m, r) : -1;

	sip_msg_free(r);
	return err;
}

static int start(struct sip_ctrans **ct, struct sip_ctrans_mgr *m, struct fake *f, struct tu *tu,
		 bool reliable, const char *method, const char *branch)
{
	struct sip_tsend tp = {fake_send, f, reliable};
	const char *req = request(method, branch);

	fake_reset(f);
	memset(tu, 0, sizeof(*tu));
	tu->t0 = f->t0;
	return sip_ctrans_send(ct, m, &tp, req, strlen(req), tu_h, tu);
}

/* interval i (between send i-1 and i) is exactly want ms */
static bool interval_ok(const struct fake *f, int i, uint64_t want)
{
	return f->at[i] - f->at[i - 1] == want;
}

static void test_helpers(void)
{
	char br[SIP_BRANCH_SIZE], br2[SIP_BRANCH_SIZE];
	struct wbuf w;

	is_int(sip_ctrans_branch_new(br, sizeof(br)), 0, "branch");
	is_int(strlen(br), 31, "branch is 31 characters");
	ok(strncmp(br, "z9hG4bK", 7) == 0, "branch starts with the magic cookie");
	sip_ctrans_branch_new(br2, sizeof(br2));
	ok(strcmp(br, br2) != 0, "branches differ");
	is_int(sip_ctrans_branch_new(br, 20), EINVAL, "small buffer -> EINVAL");

	wbuf_init(&w, 0);
	sip_ctrans_via_print(&w, "TLS", "127.0.0.1", 5061, "z9hG4bKabc");
	sip_ctrans_via_print(&w, "UDP", "::1", 0, "z9hG4bKdef");
	is_str((const char *)w.p,
	       "Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bKabc;rport\r\n"
	       "Via: SIP/2.0/UDP [::1];branch=z9hG4bKdef;rport\r\n",
	       "Via lines with rport, IPv6 in brackets");
	wbuf_free(&w);
}

static void test_invite_udp_timeout(struct loop *l, struct sip_ctrans_mgr *m)
{
	struct sip_ctrans *ct = NULL;
	struct fake f = {0};
	struct tu tu;
	int i, good = 1;

	is_int(start(&ct, m, &f, &tu, false, "INVITE", "z9hG4bKinv1"), 0, "INVITE over UDP");
	is_int(f.n, 1, "sent at once");
	run_until_err(l, &tu, 64 * T1 + 500);
	is_int(tu.err, ETIMEDOUT, "Timer B -> ETIMEDOUT");
	is_int(tu.nerr, 1, "reported once");
	ok(tu.err_at == 64 * T1, "at 64*T1 (%llu ms)", (unsigned long long)tu.err_at);
	/* Timer A: T1, 2T1, 4T1, ... ; sends at 0,20,60,140,300,620,1260 before B at 1280 */
	is_int(f.n, 7, "7 transmissions before Timer B");
	for (i = 1; i < 7 && i < f.n; i++)
		if (!interval_ok(&f, i, (uint64_t)T1 << (i - 1))) {
			good = 0;
			diag("interval %d: %llu ms, want %d", i,
			     (unsigned long long)(f.at[i] - f.at[i - 1]), T1 << (i - 1));
		}
	ok(good, "Timer A doubles from T1: 20, 40, 80, 160, 320, 640 ms");
	ok(f.n > 1 && strcmp(f.msg[0], f.msg[1]) == 0, "retransmission is the same bytes");
	ok(!sip_ctrans_active(ct), "terminated");
	sip_ctrans_free(ct);
	fake_reset(&f);
}

static void test_noninvite_udp(struct loop *l, struct sip_ctrans_mgr *m)
{
	struct sip_ctrans *ct = NULL;
	struct fake f = {0};
	struct tu tu;
	int i, good = 1;
	const uint64_t want[] = {0, T1, 2 * T1, T2, T2, T2};

	is_int(start(&ct, m, &f, &tu, false, "REGISTER", "z9hG4bKreg1"), 0, "REGISTER over UDP");
	run_until_sent(l, &f, 6, 2000);
	is_int(f.n, 6, "6 transmissions so far");
	for (i = 1; i < 6 && i < f.n; i++)
		if (!interval_ok(&f, i, want[i])) {
			good = 0;
			diag("interval %d: %llu ms, want %llu", i,
			     (unsigned long long)(f.at[i] - f.at[i - 1]), (unsigned long long)want[i]);
		}
	ok(good, "Timer E: T1, 2T1, then capped at T2");

	is_int(feed(m, 200, "REGISTER", "z9hG4bKreg1"), 0, "200 matched");
	is_int(tu.nresp, 1, "TU got it");
	is_int(tu.codes[0], 200, "the 200");
	{
		int sent = f.n;

		is_int(feed(m, 200, "REGISTER", "z9hG4bKreg1"), 0, "retransmitted 200 matched");
		is_int(tu.nresp, 1, "... and absorbed");
		run_for(l, T4 / 2);
		is_int(f.n, sent, "no more retransmissions once Completed");
		ok(sip_ctrans_active(ct), "still Completed before Timer K");
	}
	sip_ctrans_free(ct); /* TU done; the transaction lives on until K */
	run_for(l, T4 / 2 + 30);
	is_int(feed(m, 200, "REGISTER", "z9hG4bKreg1"), ENOENT, "after Timer K no transaction matches");
	is_int(tu.nerr, 0, "no error reported");
	fake_reset(&f);
}

static void test_noninvite_proceeding(struct loop *l, struct sip_ctrans_mgr *m)
{
	struct sip_ctrans *ct = NULL;
	struct fake f = {0};
	struct tu tu;
	int i, good = 1;

	start(&ct, m, &f, &tu, false, "OPTIONS", "z9hG4bKopt1");
	is_int(feed(m, 100, "OPTIONS", "z9hG4bKopt1"), 0, "100 Trying");
	is_int(tu.nresp, 1, "provisional passed to TU");
	run_until_sent(l, &f, 4, 2000);
	for (i = 2; i < 4 && i < f.n; i++)
		if (!interval_ok(&f, i, T2))
			good = 0;
	ok(f.n == 4 && good, "in Proceeding, Timer E is T2 (%d sends)", f.n);
	run_until_err(l, &tu, 64 * T1);
	is_int(tu.err, ETIMEDOUT, "Timer F -> ETIMEDOUT even after a provisional");
	sip_ctrans_free(ct);
	fake_reset(&f);
}

static void test_reliable(struct loop *l, struct sip_ctrans_mgr *m)
{
	struct sip_ctrans *ct = NULL;
	struct fake f = {0};
	struct tu tu;

	is_int(start(&ct, m, &f, &tu, true, "INVITE", "z9hG4bKtls1"), 0, "INVITE over TLS");
	run_until_err(l, &tu, 64 * T1 + 500);
	is_int(f.n, 1, "no retransmission on a reliable transport");
	is_int(tu.err, ETIMEDOUT, "Timer B still applies");
	sip_ctrans_free(ct);

	is_int(start(&ct, m, &f, &tu, true, "BYE", "z9hG4bKtls2"), 0, "BYE over TLS");
	run_for(l, 3 * T1);
	is_int(f.n, 1, "no retransmission");
	is_int(feed(m, 200, "BYE", "z9hG4bKtls2"), 0, "200");
	loop_run_once(l, 5);
	ok(!sip_ctrans_active(ct), "Timer K is 0 on reliable: terminated at once");
	is_int(feed(m, 200, "BYE", "z9hG4bKtls2"), ENOENT, "nothing matches afterwards");
	sip_ctrans_free(ct);
	fake_reset(&f);
}

static void test_invite_non2xx_ack(struct loop *l, struct sip_ctrans_mgr *m)
{
	struct sip_ctrans *ct = NULL;
	struct fake f = {0};
	struct tu tu;
	const char *ack;

	start(&ct, m, &f, &tu, false, "INVITE", "z9hG4bKinv2");
	is_int(feed(m, 180, "INVITE", "z9hG4bKinv2"), 0, "180");
	run_for(l, 4 * T1);
	is_int(f.n, 1, "Timer A stops after a provisional");
	is_int(feed(m, 486, "INVITE", "z9hG4bKinv2"), 0, "486");
	is_int(tu.nresp, 2, "TU got 180 and 486");
	is_int(tu.codes[1], 486, "486 passed up");
	is_int(f.n, 2, "ACK sent");
	ack = f.n >= 2 ? f.msg[1] : "";
	is_str(ack,
	       "ACK sip:bob@127.0.0.1 SIP/2.0\r\n"
	       "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKinv2;rport\r\n"
	       "Route: <sip:127.0.0.1:5060;lr>\r\n"
	       "From: <sip:alice@127.0.0.1>;tag=ftag\r\n"
	       "To: <sip:bob@127.0.0.1>;tag=totag486\r\n"
	       "Call-ID: cid1@127.0.0.1\r\n"
	       "CSeq: 7 ACK\r\n"
	       "Max-Forwards: 70\r\n"
	       "Content-Length: 0\r\n\r\n",
	       "ACK: same branch, top Via only, Route kept, To from the response, CSeq n ACK");
	{
		struct sip_msg *am = NULL;

		is_int(sip_msg_decode(&am, ack, strlen(ack)), 0, "the ACK parses");
		sip_msg_free(am);
	}
	is_int(feed(m, 486, "INVITE", "z9hG4bKinv2"), 0, "486 retransmitted");
	is_int(f.n, 3, "ACK re-sent");
	ok(f.n >= 3 && strcmp(f.msg[1], f.msg[2]) == 0, "same ACK");
	is_int(tu.nresp, 2, "TU not told again");
	sip_ctrans_free(ct);
	run_for(l, 64 * T1 + 40);
	is_int(feed(m, 486, "INVITE", "z9hG4bKinv2"), ENOENT, "gone after Timer D (64*T1 on UDP)");
	is_int(f.n, 3, "no ACK after Timer D");
	fake_reset(&f);
}

static void test_invite_2xx_accepted(struct loop *l, struct sip_ctrans_mgr *m)
{
	struct sip_ctrans *ct = NULL;
	struct fake f = {0};
	struct tu tu;

	start(&ct, m, &f, &tu, false, "INVITE", "z9hG4bKinv3");
	is_int(feed(m, 200, "INVITE", "z9hG4bKinv3"), 0, "200");
	is_int(f.n, 1, "no ACK from the transaction for a 2xx");
	is_int(feed(m, 200, "INVITE", "z9hG4bKinv3"), 0, "200 retransmitted");
	is_int(tu.nresp, 2, "Accepted state passes every 2xx to the TU (RFC 6026)");
	is_int(feed(m, 486, "INVITE", "z9hG4bKinv3"), 0, "a non-2xx in Accepted");
	is_int(tu.nresp, 2, "... is absorbed");
	run_for(l, 3 * T1);
	is_int(f.n, 1, "no retransmission after 2xx");
	run_for(l, 64 * T1 + 20);
	ok(!sip_ctrans_active(ct), "terminated after Timer M");
	is_int(feed(m, 200, "INVITE", "z9hG4bKinv3"), ENOENT, "later 2xx: no transaction (core's job)");
	is_int(tu.nerr, 0, "no error");
	sip_ctrans_free(ct);
	fake_reset(&f);
}

static void test_matching(struct loop *l, struct sip_ctrans_mgr *m)
{
	struct sip_ctrans *inv = NULL, *can = NULL;
	struct fake f = {0}, f2 = {0};
	struct tu tu, tu2;

	start(&inv, m, &f, &tu, true, "INVITE", "z9hG4bKinv4");
	is_int(feed(m, 180, "INVITE", "z9hG4bKother"), ENOENT, "other branch: no match");
	is_int(feed(m, 200, "CANCEL", "z9hG4bKinv4"), ENOENT, "same branch, CSeq CANCEL: no match");
	is_str(sip_ctrans_branch(inv), "z9hG4bKinv4", "branch getter");
	is_int(sip_ctrans_method(inv), SIP_METHOD_INVITE, "method getter");
	start(&can, m, &f2, &tu2, true, "CANCEL", sip_ctrans_branch(inv));
	is_int(feed(m, 200, "CANCEL", "z9hG4bKinv4"), 0, "CANCEL's 200 matches the CANCEL");
	is_int(tu2.nresp, 1, "CANCEL TU got it");
	is_int(tu.nresp, 0, "INVITE TU did not");
	is_int(feed(m, 487, "INVITE", "z9hG4bKinv4"), 0, "487 matches the INVITE");
	is_int(tu.codes[0], 487, "INVITE TU got 487");
	sip_ctrans_free(can);
	sip_ctrans_free(inv);
	loop_run_once(l, 5);
	fake_reset(&f);
	fake_reset(&f2);
}

static void test_errors(struct loop *l, struct sip_ctrans_mgr *m)
{
	struct sip_ctrans *ct = NULL;
	struct fake f = {0};
	struct tu tu;
	struct sip_tsend tp = {fake_send, &f, false};
	const char *req;

	fake_reset(&f);
	f.fail_at = 1;
	req = request("INVITE", "z9hG4bKerr1");
	is_int(sip_ctrans_send(&ct, m, &tp, req, strlen(req), tu_h, &tu), EPIPE, "first send fails");
	ok(ct == NULL, "nothing started");

	req = request("INVITE", "nocookie");
	is_int(sip_ctrans_send(&ct, m, &tp, req, strlen(req), tu_h, &tu), EINVAL, "branch without cookie");
	req = request("ACK", "z9hG4bKack");
	is_int(sip_ctrans_send(&ct, m, &tp, req, strlen(req), tu_h, &tu), EINVAL, "ACK has no transaction");
	is_int(sip_ctrans_send(&ct, m, &tp, "garbage", 7, tu_h, &tu), EBADMSG, "unparsable request");

	/* failure on the first retransmission */
	start(&ct, m, &f, &tu, false, "INVITE", "z9hG4bKerr2");
	f.fail_at = 2;
	run_until_err(l, &tu, 4 * T1);
	is_int(tu.err, EPIPE, "transport error on retransmission reported");
	is_int(tu.nerr, 1, "once");
	ok(!sip_ctrans_active(ct), "terminated");
	sip_ctrans_free(ct);

	/* the TU frees the transaction from inside its handler */
	start(&ct, m, &f, &tu, false, "INVITE", "z9hG4bKerr3");
	tu.ct = ct;
	tu.free_in_cb = true;
	is_int(feed(m, 603, "INVITE", "z9hG4bKerr3"), 0, "603, TU frees in its handler");
	is_int(f.n, 2, "ACK still sent");
	is_int(feed(m, 603, "INVITE", "z9hG4bKerr3"), 0, "retransmitted 603 still absorbed");
	is_int(f.n, 3, "and ACKed");
	fake_reset(&f);
}

int main(void)
{
	struct sip_timers t = {T1, T2, T4};
	struct sip_ctrans_mgr *m = NULL;
	struct loop *l = NULL;

	loop_clock_virtual(1000);
	if (loop_alloc(&l) != 0 || sip_ctrans_mgr_alloc(&m, l, &t) != 0) {
		ok(0, "setup");
		return tap_done();
	}
	{
		struct sip_timers d = sip_ctrans_mgr_timers(NULL);

		ok(d.t1 == 500 && d.t2 == 4000 && d.t4 == 5000, "default timers T1/T2/T4");
	}
	test_helpers();
	test_invite_udp_timeout(l, m);
	test_noninvite_udp(l, m);
	test_noninvite_proceeding(l, m);
	test_reliable(l, m);
	test_invite_non2xx_ack(l, m);
	test_invite_2xx_accepted(l, m);
	test_matching(l, m);
	test_errors(l, m);

	/* a transaction still running when the manager goes */
	{
		struct sip_ctrans *ct = NULL;
		struct fake f = {0};
		struct tu tu;

		start(&ct, m, &f, &tu, false, "INVITE", "z9hG4bKlast");
		sip_ctrans_mgr_free(m);
		ok(!sip_ctrans_active(ct), "manager free ends running transactions");
		sip_ctrans_free(ct);
		fake_reset(&f);
	}
	loop_free(l);
	return tap_done();
}
