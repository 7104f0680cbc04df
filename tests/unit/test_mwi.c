/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_mwi.c: the message-summary parser and the voicemail subscription against a fake transport. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "event.h"
#include "fake_sender.h"
#include "log.h"
#include "loop.h"
#include "msgsum.h"
#include "mwi.h"
#include "pl.h"
#include "sip_auth.h"
#include "sip_msg.h"

/* ---------------- the body ---------------- */

static void test_msgsum(void)
{
	struct msgsum s;
	static const char rfc[] = "Messages-Waiting: yes\r\nMessage-Account: sip:alice@vmail.example.com\r\n"
				  "Voice-Message: 4/8 (1/2)\r\nFax-Message: 1/1\r\n\r\nX-Ignored: 9/9\r\n";
	static const char asterisk[] = "Messages-Waiting: no\r\nMessage-Account: sip:1001@127.0.0.1\r\n"
				       "Voice-Message: 0/3 (0/0)\r\n";

	ok(msgsum_parse(rfc, strlen(rfc), &s) == 0, "RFC 3842 style body");
	ok(s.waiting, "waiting");
	is_str(s.account, "sip:alice@vmail.example.com", "Message-Account");
	ok(s.voice.present && s.voice.new_msgs == 4 && s.voice.old_msgs == 8 && s.voice.new_urgent == 1 &&
		   s.voice.old_urgent == 2,
	   "voice 4/8 (1/2)");
	ok(s.other.present && s.other.new_msgs == 1 && s.other.old_msgs == 1, "fax counted apart");
	ok(msgsum_parse(asterisk, strlen(asterisk), &s) == 0 && !s.waiting && s.voice.new_msgs == 0 &&
		   s.voice.old_msgs == 3,
	   "Asterisk's body");
	{
		const char *b = "messages-waiting :  YES\nvoice-message:2/0\n";
		ok(msgsum_parse(b, strlen(b), &s) == 0 && s.waiting && s.voice.new_msgs == 2 && !s.account[0],
		   "case, spaces around the colon, LF line ends, no account");
	}
	{
		const char *b = "Messages-Waiting: yes";
		ok(msgsum_parse(b, strlen(b), &s) == 0 && s.waiting && !s.voice.present, "status line alone, no CRLF");
	}
	{
		const char *b = "Messages-Waiting: yes\r\nVoice-Message: 1/0\r\nVoice-Message: 7/7\r\nX-Foo: bar\r\n"
				"no colon here\r\nText-Message: 1/2 (0/1)\r\nPager-Message: 3/0\r\nSomething-Message: 99/99\r\n";
		ok(msgsum_parse(b, strlen(b), &s) == 0 && s.voice.new_msgs == 1 && s.other.new_msgs == 4 &&
			   s.other.old_msgs == 2 && s.other.old_urgent == 1,
		   "the first Voice-Message counts; unknown lines and classes skipped; others summed");
	}
	{
		static const char *const bad[] = {
			"", "\r\n", "Voice-Message: 1/0\r\nMessages-Waiting: yes\r\n", "Messages-Waiting: maybe\r\n",
			"Messages-Waiting:\r\n", "Messages-Waiting: yes\r\nVoice-Message: 1\r\n",
			"Messages-Waiting: yes\r\nVoice-Message: a/b\r\n", "Messages-Waiting: yes\r\nVoice-Message: 1/2 (3)\r\n",
			"Messages-Waiting: yes\r\nVoice-Message: 1/2 (3/4\r\n", "Messages-Waiting: yes\r\nVoice-Message: 1/2 x\r\n",
			"Messages-Waiting: yes\r\nVoice-Message: 1000000/0\r\n",
			"Messages-Waiting: yes\r\nVoice-Message: 99999999999999999999/0\r\n",
			"Messages-Waiting: yes\r\nVoice-Message: -1/0\r\n",
			"Messages-Waiting: yes\r\nFax-Message: 1/\r\n",
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			ok(msgsum_parse(bad[i], strlen(bad[i]), &s) == EBADMSG, "bad body %zu refused", i);
	}
	{
		static char big[MSGSUM_MAX_BODY + 64];
		size_t n = (size_t)snprintf(big, sizeof(big), "Messages-Waiting: yes\r\nVoice-Message: 1/0\r\n");
		ok(msgsum_parse(big, n, &s) == 0, "short body");
		memset(big + n, 'x', sizeof(big) - n);
		ok(msgsum_parse(big, MSGSUM_MAX_BODY + 1, &s) == EBADMSG, "a body over %d bytes refused", MSGSUM_MAX_BODY);
	}
	{
		const char *b = "Messages-Waiting: yes\r\nMessage-Account: sip:a b@x\r\nVoice-Message: 999999/999999 "
				"(999999/999999)\r\n";
		ok(msgsum_parse(b, strlen(b), &s) == 0 && !s.account[0] && s.voice.new_msgs == 999999,
		   "an account with a space is not kept; the largest counts pass");
	}
}

/* ---------------- the subscription ---------------- */

/* A header's value in the last request ("" if absent). */
static const char *hdr(struct fake *f, const char *name)
{
	static char v[512];
	char key[64];
	const char *p, *e;

	snprintf(key, sizeof(key), "\r\n%s: ", name);
	p = strstr(f->last, key);
	if (!p)
		return "";
	p += strlen(key);
	e = strstr(p, "\r\n");
	snprintf(v, sizeof(v), "%.*s", (int)(e - p), p);
	return v;
}

static const char *reqline(struct fake *f)
{
	static char v[256];
	const char *e = strstr(f->last, "\r\n");

	snprintf(v, sizeof(v), "%.*s", e ? (int)(e - f->last) : 0, f->last);
	return v;
}

/* our From tag in the last request */
static const char *ftag(struct fake *f)
{
	static char t[64];
	const char *p = strstr(hdr(f, "From"), ";tag=");

	snprintf(t, sizeof(t), "%s", p ? p + 5 : "");
	return t;
}

struct evs {
	int n;
	struct event last;
	char via[32];
	long long nnew, nold;
	bool waiting;
};

static void ev_h(const struct event *ev, void *arg)
{
	struct evs *e = arg;

	e->n++;
	snprintf(e->via, sizeof(e->via), "%s", event_get_str(ev, "via") ? event_get_str(ev, "via") : "");
	e->nnew = event_get_int(ev, "new", -1);
	e->nold = event_get_int(ev, "old", -1);
	e->waiting = event_get(ev, "waiting") && event_get(ev, "waiting")->i;
}

/* A NOTIFY as the server would send it; totag/fromtag/callid NULL for an unsolicited one. */
static uint16_t notify(struct mwi *m, bool on_flow, const char *callid, const char *totag, const char *fromtag,
		       unsigned cseq, const char *event, const char *substate, const char *ctype, const char *body,
		       bool *taken)
{
	char buf[2048], extra[128];
	struct sip_msg *req = NULL;
	uint16_t code = 0;
	int n;

	n = snprintf(buf, sizeof(buf),
		     "NOTIFY sips:1001@127.0.0.1:40000;transport=tls SIP/2.0\r\n"
		     "Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bKsrv%u\r\n"
		     "From: <sips:1001@sip.test>;tag=%s\r\nTo: <sips:1001@sip.test>%s%s\r\n"
		     "Call-ID: %s\r\nCSeq: %u NOTIFY\r\nMax-Forwards: 70\r\nContact: <sips:srv@127.0.0.1:5061>\r\n"
		     "%s%s%s%s%s%s%s"
		     "Content-Length: %zu\r\n\r\n%s",
		     cseq, fromtag ? fromtag : "unsol", totag ? ";tag=" : "", totag ? totag : "",
		     callid ? callid : "unsolicited-call-id", cseq, event ? "Event: " : "", event ? event : "",
		     event ? "\r\n" : "", substate ? "Subscription-State: " : "", substate ? substate : "",
		     substate ? "\r\n" : "", ctype ? ctype : "", strlen(body), body);
	if (n < 0 || (size_t)n >= sizeof(buf) || sip_msg_decode(&req, buf, (size_t)n)) {
		ok(0, "the NOTIFY parses");
		return 0;
	}
	*taken = mwi_recv_notify(m, req, on_flow, &code, extra, sizeof(extra));
	sip_msg_free(req);
	return code;
}

#define CT "Content-Type: application/simple-message-summary\r\n"
#define BODY(w, n, o) "Messages-Waiting: " #w "\r\nVoice-Message: " #n "/" #o " (0/0)\r\n"

/*
 * The loop runs on the virtual clock (main): time moves only here, every timer firing at its own
 * time, so "not before 1 s" and "refreshed by then" do not depend on the machine's load.
 */
static void run(struct loop *l, unsigned ms)
{
	loop_advance(l, ms);
}

static void test_subscription(struct loop *l)
{
	struct fake f;
	struct reg_sender snd = { fake_send, fake_cancel, &f };
	struct sip_auth_realms realms = { 0 };
	struct mwi_conf c = {
		.account = "pbx", .aor = "sips:1001@sip.test", .contact_user = "1001", .user = "1001",
		.password = "secret", .realms = &realms, .subscribe = true, .expires = 3,
	};
	struct mwi *m = NULL;
	struct evs e;
	char callid[128], tag[64], cseq1[32];
	bool taken;
	uint16_t code;

	memset(&f, 0, sizeof(f));
	f.secure = true;
	memset(&e, 0, sizeof(e));
	sip_auth_realms_add(&realms, "sip.test");
	ok(mwi_alloc(&m, l, &c, &snd, ev_h, &e) == 0, "alloc");
	mwi_set_timing(m, 50, 200);
	ok(mwi_start(m) == 0 && f.nsent == 1, "start: one SUBSCRIBE");
	is_str(reqline(&f), "SUBSCRIBE sips:1001@sip.test SIP/2.0", "to the account's own address");
	is_str(hdr(&f, "Event"), "message-summary", "Event: message-summary");
	is_str(hdr(&f, "Accept"), "application/simple-message-summary", "Accept");
	is_str(hdr(&f, "Expires"), "3", "Expires as configured");
	is_str(hdr(&f, "Contact"), "<sips:1001@127.0.0.1:40000;transport=tls>", "Contact on the flow");
	is_str(hdr(&f, "To"), "<sips:1001@sip.test>", "To without a tag");
	snprintf(callid, sizeof(callid), "%s", hdr(&f, "Call-ID"));
	snprintf(tag, sizeof(tag), "%s", ftag(&f));
	snprintf(cseq1, sizeof(cseq1), "%s", hdr(&f, "CSeq"));
	is_int(mwi_state(m), MWI_SUBSCRIBING, "subscribing");

	reply(&f, 401, "WWW-Authenticate: Digest realm=\"sip.test\", nonce=\"abc\", qop=\"auth\"\r\n");
	is_int(f.nsent, 2, "the challenge is answered");
	ok(strstr(f.last, "Authorization: Digest username=\"1001\", realm=\"sip.test\"") != NULL, "with credentials");
	is_str(hdr(&f, "Call-ID"), callid, "same Call-ID");
	ok(strcmp(hdr(&f, "CSeq"), cseq1) != 0, "next CSeq (%s)", hdr(&f, "CSeq"));

	/* the NOTIFY may come before the 2xx (RFC 6665 4.1.2.4) */
	code = notify(m, true, callid, tag, "srv-tag", 1, "message-summary", "active;expires=3", CT, BODY(yes, 1, 1), &taken);
	ok(taken && code == 200, "a NOTIFY before the 2xx is taken (%u)", code);
	ok(e.n == 1 && e.nnew == 1 && e.nold == 1 && e.waiting && !strcmp(e.via, "subscription"),
	   "mwi event: waiting, 1 new, 1 old, via subscription");
	reply(&f, 200, "Expires: 3\r\nContact: <sips:srv@127.0.0.1:5061;transport=tls>\r\n");
	is_int(mwi_state(m), MWI_ACTIVE, "active after the 2xx");

	code = notify(m, true, callid, tag, "srv-tag", 1, "message-summary", "active;expires=3", CT, BODY(yes, 1, 1), &taken);
	ok(code == 200 && e.n == 1, "the same NOTIFY again: 200, no second event");
	code = notify(m, true, callid, tag, "srv-tag", 2, "message-summary", "active;expires=2", CT, BODY(yes, 1, 2), &taken);
	ok(code == 200 && e.n == 2 && e.nnew == 1 && e.nold == 2, "the next NOTIFY: counts change");
	code = notify(m, true, callid, tag, "srv-tag", 3, "presence", "active", NULL, "", &taken);
	ok(taken && code == 489, "another event package in our dialog: 489 (%u)", code);
	code = notify(m, true, callid, tag, "srv-tag", 4, "message-summary", "active", "Content-Type: text/plain\r\n",
		      "hello", &taken);
	ok(code == 400 && e.n == 2, "a body that is not a summary: 400 and no event");

	/* the refresh, in the dialog, before it expires */
	run(l, 1500);
	is_int(f.nsent, 3, "refreshed before the (shortened) expiry");
	is_str(hdr(&f, "Call-ID"), callid, "in the same dialog");
	is_str(hdr(&f, "To"), "<sips:1001@sip.test>;tag=srv-tag", "To with the server's tag");
	ok(strstr(reqline(&f), "SUBSCRIBE sips:srv@127.0.0.1:5061;transport=tls") != NULL,
	   "to the remote target (%s)", reqline(&f));
	ok(strstr(f.last, "Authorization: Digest") != NULL, "with credentials");

	reply(&f, 481, NULL);
	is_int(f.nsent, 4, "481: subscribing again at once");
	ok(strcmp(hdr(&f, "Call-ID"), callid) != 0, "in a new dialog");
	is_str(hdr(&f, "To"), "<sips:1001@sip.test>", "To without a tag");
	code = notify(m, true, callid, tag, "srv-tag", 5, "message-summary", "active", CT, BODY(yes, 9, 9), &taken);
	ok(taken && code == 481 && e.n == 2, "a NOTIFY in the old dialog: 481 (%u), nothing shown", code);
	snprintf(callid, sizeof(callid), "%s", hdr(&f, "Call-ID"));
	snprintf(tag, sizeof(tag), "%s", ftag(&f));
	reply(&f, 200, "Expires: 60\r\nContact: <sips:srv@127.0.0.1:5061;transport=tls>\r\n");
	is_int(mwi_state(m), MWI_ACTIVE, "active again");
	/* a NOTIFY saying what is left (not less than was granted) does not move the refresh (30 s) later */
	run(l, 10000);
	code = notify(m, true, callid, tag, "srv-tag", 1, "message-summary", "active;expires=50", CT,
		      BODY(yes, 2, 0), &taken);
	ok(code == 200 && e.n == 3, "a NOTIFY 10 s in, expires=50: taken");
	run(l, 19900);
	is_int(f.nsent, 4, "no refresh before 30 s");
	run(l, 200);
	is_int(f.nsent, 5, "the refresh at 30 s, as granted, not 25 s after that NOTIFY");
	reply(&f, 200, "Expires: 60\r\n");
	is_int(mwi_state(m), MWI_ACTIVE, "still active");
	/* the counts below are the scenario's without this check */
	f.nsent = 4;
	e.n = 2;

	code = notify(m, true, callid, tag, "srv-tag", 2, "message-summary", "terminated;reason=deactivated", CT,
		      BODY(no, 0, 0), &taken);
	ok(code == 200 && e.n == 3 && !e.waiting, "terminated;reason=deactivated with a last summary: taken");
	run(l, 50);
	is_int(f.nsent, 5, "deactivated: subscribing again at once (RFC 6665 4.1.3)");
	ok(strcmp(hdr(&f, "Call-ID"), callid) != 0, "new dialog");
	reply(&f, 489, NULL);
	is_int(mwi_state(m), MWI_REFUSED, "489 Bad Event: refused");
	mwi_start(m);
	run(l, 300);
	is_int(f.nsent, 5, "and never asked again, not even on the next registration");

	/* unsolicited NOTIFYs (Asterisk's mailboxes= on the endpoint) are still shown */
	code = notify(m, true, NULL, NULL, NULL, 10, "message-summary", NULL, CT, BODY(yes, 1, 4), &taken);
	ok(taken && code == 200 && e.n == 4 && e.nnew == 1 && e.nold == 4 && !strcmp(e.via, "unsolicited"),
	   "unsolicited NOTIFY: 200, via unsolicited");
	code = notify(m, false, NULL, NULL, NULL, 11, "message-summary", NULL, CT, BODY(yes, 7, 7), &taken);
	ok(taken && code == 403 && e.n == 4, "the same from another connection: 403 (%u), not shown", code);
	code = notify(m, true, NULL, NULL, NULL, 12, "message-summary", NULL, CT, "Voice-Message: 1/1\r\n", &taken);
	ok(code == 400 && e.n == 4, "a body without Messages-Waiting: 400");
	code = notify(m, true, NULL, NULL, NULL, 13, "presence", NULL, NULL, "", &taken);
	ok(!taken, "another package outside our dialog is not ours");
	code = notify(m, true, NULL, NULL, NULL, 14, NULL, NULL, CT, BODY(yes, 1, 4), &taken);
	ok(!taken, "no Event header: not ours");
	mwi_free(m);
}

static void test_faults(struct loop *l)
{
	struct fake f;
	struct reg_sender snd = { fake_send, fake_cancel, &f };
	struct mwi_conf c = { .account = "pbx", .aor = "sips:1001@sip.test", .contact_user = "1001", .subscribe = true };
	struct mwi *m = NULL;
	struct evs e;
	char callid[128];
	struct event st;

	memset(&f, 0, sizeof(f));
	f.secure = true;
	memset(&e, 0, sizeof(e));
	mwi_alloc(&m, l, &c, &snd, ev_h, &e);
	mwi_set_timing(m, 50, 200);
	mwi_start(m);
	is_str(hdr(&f, "Expires"), "3600", "default Expires 3600");
	reply(&f, 423, "Min-Expires: 7200\r\n");
	is_str(hdr(&f, "Expires"), "7200", "423: again with Min-Expires");
	reply(&f, 503, "Retry-After: 1\r\n");
	is_int(mwi_state(m), MWI_WAITING, "503: waiting");
	run(l, 500);
	is_int(f.nsent, 2, "Retry-After honoured (not before 1 s)");
	run(l, 800);
	is_int(f.nsent, 3, "then again");
	f.pending = false;
	f.resp(ETIMEDOUT, NULL, "no answer (timeout)", f.rarg);
	is_int(mwi_state(m), MWI_WAITING, "transport failure: waiting");
	run(l, 300);
	is_int(f.nsent, 4, "retried with backoff");
	reply(&f, 200, "Expires: 3600\r\nContact: <sips:srv@127.0.0.1:5061;transport=tls>\r\n");
	is_int(mwi_state(m), MWI_ACTIVE, "active");
	snprintf(callid, sizeof(callid), "%s", hdr(&f, "Call-ID"));

	/* the connection goes: the subscription with it */
	mwi_conn_lost(m);
	is_int(mwi_state(m), MWI_IDLE, "flow lost: idle");
	f.down = true;
	mwi_start(m);
	is_int(mwi_state(m), MWI_IDLE, "no flow yet: still idle, nothing retried on a timer");
	f.down = false;
	mwi_start(m);
	is_int(f.nsent, 5, "registered again: a new SUBSCRIBE");
	ok(strcmp(hdr(&f, "Call-ID"), callid) != 0, "a new dialog, not a refresh of the lost one");
	reply(&f, 200, "Expires: 3600\r\nContact: <sips:srv@127.0.0.1:5061;transport=tls>\r\n");

	event_init(&st, EVENT_STATUS);
	mwi_status(m, &st);
	is_str(event_get_str(&st, "mwi"), "active", "status: active");

	mwi_stop(m);
	is_int(f.nsent, 6, "stop: un-SUBSCRIBE");
	is_str(hdr(&f, "Expires"), "0", "Expires: 0");
	ok(strstr(hdr(&f, "To"), ";tag=srv-tag") != NULL, "in the dialog");
	reply(&f, 200, "Expires: 0\r\n");
	is_int(mwi_state(m), MWI_IDLE, "idle");
	mwi_free(m);

	/* mwi = no: nothing sent, unsolicited still taken */
	c.subscribe = false;
	memset(&f, 0, sizeof(f));
	f.secure = true;
	mwi_alloc(&m, l, &c, &snd, ev_h, &e);
	mwi_start(m);
	is_int(f.nsent, 0, "mwi = no: no SUBSCRIBE");
	event_init(&st, EVENT_STATUS);
	mwi_status(m, &st);
	is_int(st.n, 0, "nothing in the status before anything was heard");
	{
		bool taken;
		uint16_t code = notify(m, true, NULL, NULL, NULL, 1, "message-summary", "active", CT, BODY(yes, 1, 0), &taken);
		ok(code == 200, "but an unsolicited NOTIFY is shown");
	}
	event_init(&st, EVENT_STATUS);
	mwi_status(m, &st);
	is_str(event_get_str(&st, "mwi"), "unsolicited", "status says so");
	is_int(event_get_int(&st, "voicemail_new", -1), 1, "with the count");
	mwi_free(m);
}

int main(void)
{
	struct loop *l = NULL;

	log_set_stderr(false);
	loop_clock_virtual(1000);
	loop_alloc(&l);
	test_msgsum();
	test_subscription(l);
	test_faults(l);
	loop_free(l);
	return tap_done();
}
