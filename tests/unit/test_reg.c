/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_reg.c: registration client against a fake transport: requests, digest, refresh, backoff, faults. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "account.h"
#include "buf.h"
#include "crypto.h"
#include "event.h"
#include "ev_copy.h"
#include "fake_sender.h"
#include "loop.h"
#include "reg.h"
#include "sip_auth.h"
#include "sip_msg.h"
#include "tls.h"

/* ---- events ---- */
struct evlog {
	int n;
	char names[64][32];
	struct event last;
	struct event last_failed;
	struct event last_registered;
	int done;
	int warned; /* events that carried a "warning" field */
};

static void ev_h(const struct event *ev, void *arg)
{
	struct evlog *e = arg;

	if (e->n < 64)
		snprintf(e->names[e->n], sizeof(e->names[0]), "%s", ev->name);
	e->n++;
	if (event_get_str(ev, "warning"))
		e->warned++;
	ev_copy(&e->last, ev);
	if (ev->kind == EVENT_REGISTRATION_FAILED)
		ev_copy(&e->last_failed, ev);
	if (ev->kind == EVENT_REGISTERED)
		ev_copy(&e->last_registered, ev);
}

static int count(const struct evlog *e, const char *name)
{
	int i, c = 0;

	for (i = 0; i < e->n && i < 64; i++)
		c += !strcmp(e->names[i], name);
	return c;
}

static void done_h(void *arg)
{
	((struct evlog *)arg)->done++;
}

/*
 * Time is the loop's virtual clock (main): it moves only here and every timer fires at its exact
 * time, so the intervals checked below do not depend on the machine's load.
 */

/* Runs the loop until *flag changes from start or ms of (virtual) time pass. */
static void run_until(struct loop *l, const int *flag, int start, unsigned ms)
{
	for (unsigned t = 0; *flag == start && t < ms; t++)
		loop_advance(l, 1);
}

static void run_for(struct loop *l, unsigned ms)
{
	loop_advance(l, ms);
}

/* Header value of the last request ("" when absent), first occurrence. */
static const char *hdr(const struct fake *f, const char *name, char *buf, size_t sz)
{
	char key[64];
	const char *p, *e;

	snprintf(key, sizeof(key), "\r\n%s: ", name);
	p = strstr(f->last, key);
	if (!p) {
		buf[0] = '\0';
		return buf;
	}
	p += strlen(key);
	e = strstr(p, "\r\n");
	snprintf(buf, sz, "%.*s", (int)(e - p), p);
	return buf;
}

/* Value of a digest parameter in an Authorization value (quotes removed). */
static void dparam(const char *auth, const char *name, char *out, size_t sz)
{
	char key[32];
	const char *p, *e;

	out[0] = '\0';
	snprintf(key, sizeof(key), "%s=", name);
	for (p = auth; (p = strstr(p, key)) != NULL; p++) {
		if (p == auth || p[-1] == ' ' || p[-1] == ',')
			break;
	}
	if (!p)
		return;
	p += strlen(key);
	if (*p == '"') {
		p++;
		e = strchr(p, '"');
	} else {
		e = p + strcspn(p, ", ");
	}
	if (e)
		snprintf(out, sz, "%.*s", (int)(e - p), p);
}

static void md5hex(char *out, const char *s)
{
	uint8_t md[CRYPTO_HASH_MAX];

	crypto_hash(CRYPTO_MD5, s, strlen(s), md);
	crypto_hex(out, md, 16);
}

static struct account acc_alice(void)
{
	struct account a;

	memset(&a, 0, sizeof(a));
	a.name = "lab";
	a.uri = "sips:alice@sip.test";
	a.username = "alice";
	a.display_name = "Alice \"A\"";
	a.transport = ACCOUNT_TLS;
	a.expires = 600;
	a.reg = true;
	return a;
}

#define CHAL "WWW-Authenticate: Digest realm=\"sip.test\", nonce=\"n0nce1\", qop=\"auth\", algorithm=MD5\r\n"

static void test_register_auth_refresh(struct loop *l)
{
	struct account a = acc_alice();
	struct reg_sender snd = { fake_send, fake_cancel, NULL };
	struct fake f;
	struct evlog ev;
	struct reg *r = NULL;
	char v[1024], callid[128], from[256], cnonce[64], nc[16], resp[64], want[64], ha1[40], ha2[40],
		buf[512];
	int e;

	memset(&f, 0, sizeof(f));
	memset(&ev, 0, sizeof(ev));
	f.secure = true;
	snprintf(f.tls.version, sizeof(f.tls.version), "TLSv1.3");
	snprintf(f.tls.cipher, sizeof(f.tls.cipher), "TLS_AES_256_GCM_SHA384");
	snprintf(f.tls.peer_subject, sizeof(f.tls.peer_subject), "CN=sip.test");
	snprintf(f.tls.fingerprint_sha256, sizeof(f.tls.fingerprint_sha256), "AB:CD");
	f.tls.verified = true;
	snd.arg = &f;

	e = reg_alloc(&r, l, &a, "alice-pw", &snd, ev_h, &ev);
	is_int(e, 0, "reg_alloc");
	if (e)
		return;
	ok(!strncmp(reg_instance(r), "urn:uuid:", 9) && strlen(reg_instance(r)) == 45,
	   "instance is a urn:uuid");
	is_int(reg_start(r), 0, "reg_start");
	is_int(f.nsent, 1, "one REGISTER sent");
	is_str(ev.names[0], "registering", "registering event first");
	is_str(event_get_str(&ev.last, "account"), "lab", "registering names the account");
	is_str(event_get_str(&ev.last, "uri"), "sips:alice@sip.test", "and the uri");
	ok(!strncmp(f.last, "REGISTER sips:sip.test SIP/2.0\r\nVia: SIP/2.0/TLS", 47),
	   "request line to the domain, the sender's Via first");
	is_str(hdr(&f, "To", v, sizeof(v)), "<sips:alice@sip.test>", "To is the AOR");
	hdr(&f, "From", from, sizeof(from));
	ok(!strncmp(from, "\"Alice \\\"A\\\"\" <sips:alice@sip.test>;tag=", 39),
	   "From: quoted display name, AOR, tag");
	hdr(&f, "Contact", v, sizeof(v));
	ok(!strncmp(v, "<sips:alice@127.0.0.1:40000;transport=tls>;+sip.instance=\"<urn:uuid:",
		    strlen("<sips:alice@127.0.0.1:40000;transport=tls>;+sip.instance=\"<urn:uuid:")),
	   "Contact: local address, transport=tls, +sip.instance");
	ok(strstr(v, reg_instance(r)) != NULL, "Contact carries this reg's instance");
	is_str(hdr(&f, "Expires", v, sizeof(v)), "600", "Expires: 600");
	is_str(hdr(&f, "Authorization", v, sizeof(v)), "", "no credentials before a challenge");
	hdr(&f, "Call-ID", callid, sizeof(callid));
	hdr(&f, "CSeq", buf, sizeof(buf));
	{
		unsigned c1 = (unsigned)strtoul(buf, NULL, 10);

		ok(strstr(buf, " REGISTER") != NULL, "CSeq method REGISTER");
		reply(&f, 401, CHAL);
		is_int(f.nsent, 2, "401 answered with a new REGISTER");
		hdr(&f, "CSeq", buf, sizeof(buf));
		is_int(strtoul(buf, NULL, 10), c1 + 1, "CSeq increased by one");
	}
	is_str(hdr(&f, "Call-ID", v, sizeof(v)), callid, "same Call-ID");
	is_str(hdr(&f, "From", v, sizeof(v)), from, "same From tag");
	hdr(&f, "Authorization", v, sizeof(v));
	dparam(v, "cnonce", cnonce, sizeof(cnonce));
	dparam(v, "nc", nc, sizeof(nc));
	dparam(v, "response", resp, sizeof(resp));
	dparam(v, "uri", buf, sizeof(buf));
	is_str(buf, "sips:sip.test", "digest uri is the Request-URI");
	dparam(v, "username", buf, sizeof(buf));
	is_str(buf, "alice", "digest username");
	is_str(nc, "00000001", "nc=00000001");
	/* RFC 2617 3.2.2.1 response, computed here independently */
	md5hex(ha1, "alice:sip.test:alice-pw");
	md5hex(ha2, "REGISTER:sips:sip.test");
	snprintf(buf, sizeof(buf), "%s:n0nce1:%s:%s:auth:%s", ha1, nc, cnonce, ha2);
	md5hex(want, buf);
	is_str(resp, want, "digest response is right for the password");
	is_int(count(&ev, "registering"), 1, "no second 'registering' for the authenticated resend");

	reply(&f, 200, "Contact: <sips:alice@127.0.0.1:40000;transport=tls>;expires=2;+sip.instance=\"<x>\"\r\n"
		       "Expires: 600\r\n");
	is_int(count(&ev, "registered"), 1, "registered");
	is_int(event_get_int(&ev.last_registered, "expires", -1), 2,
	       "expires taken from our Contact's expires parameter");
	is_str(event_get_str(&ev.last_registered, "transport"), "TLS", "transport TLS");
	is_str(event_get_str(&ev.last_registered, "tls_version"), "TLSv1.3", "tls_version");
	is_str(event_get_str(&ev.last_registered, "cipher"), "TLS_AES_256_GCM_SHA384", "cipher");
	is_str(event_get_str(&ev.last_registered, "peer_subject"), "CN=sip.test", "peer_subject");
	is_str(event_get_str(&ev.last_registered, "peer_fingerprint"), "AB:CD", "peer_fingerprint");
	ok(event_get(&ev.last_registered, "verified") && event_get(&ev.last_registered, "verified")->i == 1,
	   "verified true");
	ok(event_get(&ev.last_registered, "warning") == NULL, "no warning for a verified TLS flow");
	is_int(reg_state(r), REG_REGISTERED, "state registered");

	/* refresh at half of 2 s */
	run_until(l, &f.nsent, 2, 3000);
	is_int(f.nsent, 3, "refresh REGISTER sent");
	ok(f.sent_at[2] - f.sent_at[1] >= 900 && f.sent_at[2] - f.sent_at[1] < 1500,
	   "refresh came after about half the expiry (%llu ms)",
	   (unsigned long long)(f.sent_at[2] - f.sent_at[1]));
	is_str(hdr(&f, "Call-ID", v, sizeof(v)), callid, "refresh keeps the Call-ID");
	hdr(&f, "Authorization", v, sizeof(v));
	dparam(v, "nc", nc, sizeof(nc));
	is_str(nc, "00000002", "refresh answers the known nonce with nc=2");
	/* the server forgot our nonce (restart): a challenge to re-sent credentials is not a failure */
	reply(&f, 401, "WWW-Authenticate: Digest realm=\"sip.test\", nonce=\"n0nce9\", qop=\"auth\"\r\n");
	is_int(f.nsent, 4, "challenge to cached credentials answered");
	is_int(count(&ev, "registration_failed"), 0, "and not taken for a wrong password");
	hdr(&f, "Authorization", v, sizeof(v));
	dparam(v, "nonce", buf, sizeof(buf));
	is_str(buf, "n0nce9", "answer uses the new nonce");
	reply(&f, 200, "Contact: <sips:alice@127.0.0.1:40000;transport=tls>;expires=600\r\n");
	is_int(reg_expires(r), 600, "refreshed for 600 s");
	is_int(count(&ev, "registration_failed"), 0, "no failure so far");

	/* un-REGISTER on stop */
	is_int(reg_stop(r, 1000, done_h, &ev), 0, "reg_stop");
	is_int(f.nsent, 5, "un-REGISTER sent");
	is_str(hdr(&f, "Expires", v, sizeof(v)), "0", "un-REGISTER has Expires: 0");
	ok(strstr(hdr(&f, "Contact", v, sizeof(v)), "+sip.instance") != NULL,
	   "un-REGISTER names our contact");
	reply(&f, 200, NULL);
	is_int(count(&ev, "unregistered"), 1, "unregistered event");
	is_int(ev.done, 1, "done called");
	is_int(reg_state(r), REG_IDLE, "state idle");
	reg_free(r);
}

static void test_wrong_password(struct loop *l)
{
	struct account a = acc_alice();
	struct reg_sender snd = { fake_send, fake_cancel, NULL };
	struct fake f;
	struct evlog ev;
	struct reg *r = NULL;

	memset(&f, 0, sizeof(f));
	memset(&ev, 0, sizeof(ev));
	f.secure = true;
	snd.arg = &f;
	if (reg_alloc(&r, l, &a, "wrong", &snd, ev_h, &ev))
		return;
	reg_set_timing(r, 20, 100, 0);
	reg_start(r);
	reply(&f, 401, CHAL);
	is_int(f.nsent, 2, "challenge answered once");
	reply(&f, 401, "WWW-Authenticate: Digest realm=\"sip.test\", nonce=\"n0nce2\", qop=\"auth\"\r\n");
	is_int(count(&ev, "registration_failed"), 1, "a second challenge: one registration_failed");
	is_int(event_get_int(&ev.last_failed, "status", 0), 401, "status 401");
	ok(strstr(event_get_str(&ev.last_failed, "reason"), "wrong password or user name") != NULL,
	   "reason says wrong password or user name");
	is_int(event_get_int(&ev.last_failed, "retry_in", -1), 0, "retry_in 0: no automatic retry");
	run_for(l, 300);
	is_int(f.nsent, 2, "no retry storm: nothing more sent in 300 ms (backoff 20 ms)");
	is_int(reg_state(r), REG_FAILED, "state failed");

	/* stale=true is a retry with the new nonce, not a failure */
	reg_start(r);
	reply(&f, 401, CHAL);
	reply(&f, 401, "WWW-Authenticate: Digest realm=\"sip.test\", nonce=\"n0nce3\", qop=\"auth\", stale=true\r\n");
	is_int(count(&ev, "registration_failed"), 1, "stale=true: no second registration_failed");
	{
		char v[512], nonce[64];
		hdr(&f, "Authorization", v, sizeof(v));
		dparam(v, "nonce", nonce, sizeof(nonce));
		is_str(nonce, "n0nce3", "stale: answered with the new nonce");
	}
	reply(&f, 200, NULL);
	is_int(reg_state(r), REG_REGISTERED, "stale: then registered");
	reg_stop(r, 100, NULL, NULL);
	reply(&f, 200, NULL);
	run_for(l, 20);

	/* the register command tries again, from scratch */
	reg_start(r);
	is_int(f.nsent, 7, "reg_start after failure sends again");
	reply(&f, 403, NULL);
	is_int(count(&ev, "registration_failed"), 2, "403: registration_failed");
	is_int(event_get_int(&ev.last_failed, "status", 0), 403, "status 403");
	run_for(l, 200);
	is_int(f.nsent, 7, "403 is not retried automatically");
	reg_free(r);
}

static void test_backoff_and_errors(struct loop *l)
{
	struct account a = acc_alice();
	struct reg_sender snd = { fake_send, fake_cancel, NULL };
	struct fake f;
	struct evlog ev;
	struct reg *r = NULL;
	uint64_t d1, d2, d3;
	char v[256];

	memset(&f, 0, sizeof(f));
	memset(&ev, 0, sizeof(ev));
	f.secure = true;
	snd.arg = &f;
	if (reg_alloc(&r, l, &a, "pw", &snd, ev_h, &ev))
		return;
	reg_set_timing(r, 80, 300, 0);
	reg_start(r);
	fail_transport(&f, EPROTO, "TLS: certificate is for 'wrong.example', not for 'sip.test'");
	is_int(count(&ev, "registration_failed"), 1, "transport failure: registration_failed");
	is_str(event_get_str(&ev.last_failed, "reason"),
	       "TLS: certificate is for 'wrong.example', not for 'sip.test'",
	       "reason is the transport's sentence");
	is_int(event_get_int(&ev.last_failed, "status", -1), 0, "status 0 for a transport failure");
	ok(event_get_int(&ev.last_failed, "retry_in", 0) >= 1, "retry_in given");
	run_until(l, &f.nsent, 1, 2000);
	fail_transport(&f, ECONNREFUSED, "connection refused");
	run_until(l, &f.nsent, 2, 2000);
	reply(&f, 503, "Retry-After: 0\r\n");
	is_int(event_get_int(&ev.last_failed, "status", 0), 503, "503 reported");
	run_until(l, &f.nsent, 3, 2000);
	reply(&f, 500, NULL);
	run_until(l, &f.nsent, 4, 2000);
	is_int(f.nsent, 5, "four failures, five attempts");
	d1 = f.sent_at[1] - f.sent_at[0];
	d2 = f.sent_at[2] - f.sent_at[1];
	d3 = f.sent_at[3] - f.sent_at[2];
	/* the backoff less up to a quarter of it (jitter); exact on the virtual clock */
	ok(d1 >= 60 && d1 <= 80, "1st retry after 80 ms minus jitter (%llu)", (unsigned long long)d1);
	ok(d2 >= 120 && d2 <= 160, "2nd after 160 ms minus jitter (%llu)", (unsigned long long)d2);
	ok(d3 >= 225 && d3 <= 300, "3rd capped at 300 ms (%llu)", (unsigned long long)d3);
	is_int(count(&ev, "registering"), 5, "each attempt announced");
	is_str(event_get_str(&ev.last, "cause"), "retry", "retries say so");

	/* 423: take Min-Expires and resend at once */
	reply(&f, 423, "Min-Expires: 1800\r\n");
	is_int(f.nsent, 6, "423 answered at once");
	is_str(hdr(&f, "Expires", v, sizeof(v)), "1800", "with Expires = Min-Expires");
	reply(&f, 200, NULL);
	is_int(reg_expires(r), 1800, "no Contact expires: the Expires header counts");

	/* connection lost while registered: register again promptly */
	reg_conn_lost(r);
	run_until(l, &f.nsent, 6, 1000);
	is_int(f.nsent, 7, "re-REGISTER after the connection was lost");
	is_str(event_get_str(&ev.last, "cause"), "connection lost", "cause: connection lost");
	/* lost again while the REGISTER is out: the pending one is cancelled, the attempt counts as
	 * failed (reason, backoff) and is redone; a server dropping every new connection must not be
	 * reconnected to in a tight loop (TLS 1.3 client-certificate refusal, found by tls_matrix.sh) */
	{
		int nf = count(&ev, "registration_failed");
		uint64_t t0 = loop_now_ms();

		reg_conn_lost_why(r, "127.0.0.1 requires a client certificate: set tls_cert and tls_key in the account");
		is_int(f.ncancel, 1, "pending REGISTER cancelled");
		is_int(count(&ev, "registration_failed"), nf + 1, "lost before any answer: registration_failed");
		is_str(event_get_str(&ev.last_failed, "reason"),
		       "connection lost before the registrar answered: 127.0.0.1 requires a client certificate: "
		       "set tls_cert and tls_key in the account",
		       "with the transport's reason");
		is_int(event_get_int(&ev.last_failed, "status", -1), 0, "status 0");
		ok(event_get_int(&ev.last_failed, "retry_in", 0) >= 1, "retry_in given");
		is_int(reg_state(r), REG_WAITING, "waiting for the retry");
		run_until(l, &f.nsent, 7, 1000);
		is_int(f.nsent, 8, "and sent again");
		ok(loop_now_ms() - t0 >= 60 && loop_now_ms() - t0 <= 80, "after the backoff, 80 ms less jitter (%llu ms)",
		   (unsigned long long)(loop_now_ms() - t0));
		is_str(event_get_str(&ev.last, "cause"), "retry", "announced as a retry");
		/* and again, without a reason: the generic sentence; the backoff grows */
		t0 = loop_now_ms();
		reg_conn_lost(r);
		is_str(event_get_str(&ev.last_failed, "reason"), "connection lost before the registrar answered",
		       "generic reason");
		run_until(l, &f.nsent, 8, 1000);
		is_int(f.nsent, 9, "sent again");
		ok(loop_now_ms() - t0 >= 120 && loop_now_ms() - t0 <= 160, "second backoff longer: 160 ms less jitter (%llu ms)",
		   (unsigned long long)(loop_now_ms() - t0));
	}

	/* stop while nobody answers: gives up after the timeout */
	{
		uint64_t t0 = loop_now_ms();
		reg_stop(r, 150, done_h, &ev);
		run_until(l, &ev.done, 0, 2000);
		is_int(ev.done, 1, "stop completes without an answer");
		is_int((int)(loop_now_ms() - t0), 150, "after the un-REGISTER timeout, 150 ms");
		is_int(count(&ev, "unregistered"), 1, "unregistered event");
	}
	reg_free(r);
}

static void test_plaintext_and_misc(struct loop *l)
{
	struct account a = acc_alice();
	struct account b = acc_alice();
	struct reg_sender snd = { fake_send, fake_cancel, NULL };
	struct fake f;
	struct evlog ev;
	struct reg *r = NULL, *r2 = NULL, *r3 = NULL;
	char inst[64];

	memset(&f, 0, sizeof(f));
	memset(&ev, 0, sizeof(ev));
	f.secure = false;
	snd.arg = &f;
	a.uri = "sip:alice@sip.test";
	a.transport = ACCOUNT_TCP;
	if (reg_alloc(&r, l, &a, "pw", &snd, ev_h, &ev))
		return;
	reg_start(r);
	ok(strstr(f.last, "Contact: <sip:alice@127.0.0.1:40000;transport=tcp>") != NULL,
	   "sip: account over TCP: sip: Contact with transport=tcp");
	reply(&f, 401, CHAL);
	is_int(f.nsent, 1, "challenge over plaintext not answered");
	is_int(event_get_int(&ev.last_failed, "status", 0), 401, "registration_failed 401");
	ok(strstr(event_get_str(&ev.last_failed, "reason"), "allow_plaintext_auth") != NULL,
	   "reason names allow_plaintext_auth");
	reg_free(r);
	r = NULL;

	a.allow_plaintext_auth = true;
	memset(&ev, 0, sizeof(ev));
	if (reg_alloc(&r, l, &a, "pw", &snd, ev_h, &ev))
		return;
	reg_start(r);
	reply(&f, 401, CHAL);
	ok(strstr(f.last, "Authorization: Digest") != NULL, "allowed: answered over plaintext");
	reply(&f, 200, NULL);
	ok(event_get_str(&ev.last_registered, "warning") &&
		   strstr(event_get_str(&ev.last_registered, "warning"), "NOT encrypted"),
	   "registered over TCP carries a warning");
	snprintf(inst, sizeof(inst), "%s", reg_instance(r));
	reg_free(r);

	/* instance: same account -> same id; another account -> another id */
	if (!reg_alloc(&r2, l, &a, NULL, &snd, ev_h, &ev)) {
		is_str(reg_instance(r2), inst, "instance id stable for the same account");
		reg_free(r2);
	}
	b.name = "other";
	if (!reg_alloc(&r3, l, &b, NULL, &snd, ev_h, &ev)) {
		ok(strcmp(reg_instance(r3), inst) != 0, "another account gets another instance id");
		/* no password: a challenge fails once, clearly */
		memset(&ev, 0, sizeof(ev));
		f.secure = true;
		reg_start(r3);
		reply(&f, 407, "Proxy-Authenticate: Digest realm=\"x\", nonce=\"y\"\r\n");
		ok(strstr(event_get_str(&ev.last_failed, "reason"), "has none") != NULL,
		   "no password configured: said so");
		reg_free(r3);
	}

	/* stop when never registered: unregistered + done, asynchronously, nothing sent */
	memset(&ev, 0, sizeof(ev));
	if (!reg_alloc(&r, l, &a, NULL, &snd, ev_h, &ev)) {
		int n0 = f.nsent;
		reg_stop(r, 1000, done_h, &ev);
		is_int(ev.done, 0, "done not called from inside reg_stop");
		run_until(l, &ev.done, 0, 500);
		is_int(ev.done, 1, "done called from the loop");
		is_int(f.nsent, n0, "nothing sent");
		reg_free(r);
	}
}

static void test_insecure_warning(struct loop *l)
{
	struct account a = acc_alice();
	struct reg_sender snd = { fake_send, fake_cancel, NULL };
	struct fake f;
	struct evlog ev;
	struct reg *r = NULL;
	const char *w;

	memset(&f, 0, sizeof(f));
	memset(&ev, 0, sizeof(ev));
	f.secure = true;
	f.tls.verified = false;
	snprintf(f.tls.version, sizeof(f.tls.version), "TLSv1.2");
	snd.arg = &f;
	a.tls_insecure_skip_verify = true;
	if (reg_alloc(&r, l, &a, NULL, &snd, ev_h, &ev))
		return;
	reg_start(r);
	reply(&f, 503, NULL);
	w = event_get_str(&ev.last_failed, "warning");
	ok(w && strstr(w, "tls_insecure_skip_verify"), "insecure: warning in registration_failed");
	reg_start(r); /* try again at once */
	reply(&f, 200, NULL);
	w = event_get_str(&ev.last_registered, "warning");
	ok(w && strstr(w, "tls_insecure_skip_verify"), "insecure: warning in the registered event");
	ok(event_get(&ev.last_registered, "verified") && !event_get(&ev.last_registered, "verified")->i,
	   "verified false");
	/* the dangerous setting shows in every registration event, not only in "registered" */
	reg_stop(r, 1000, done_h, &ev);
	reply(&f, 200, NULL);
	run_until(l, &ev.done, 0, 500);
	is_int(count(&ev, "unregistered"), 1, "insecure: unregistered");
	ok(ev.n >= 5 && ev.warned == ev.n, "insecure: every one of the %d events warned (%d did)", ev.n, ev.warned);
	reg_free(r);

	/* and a verified account without the setting gets no warning at all */
	memset(&f, 0, sizeof(f));
	memset(&ev, 0, sizeof(ev));
	a = acc_alice();
	f.secure = true;
	f.tls.verified = true;
	snprintf(f.tls.version, sizeof(f.tls.version), "TLSv1.3");
	r = NULL;
	if (reg_alloc(&r, l, &a, NULL, &snd, ev_h, &ev))
		return;
	reg_start(r);
	reply(&f, 200, NULL);
	reg_stop(r, 1000, done_h, &ev);
	reply(&f, 200, NULL);
	run_until(l, &ev.done, 0, 500);
	ok(ev.n >= 3 && ev.warned == 0, "verified: none of the %d events warned", ev.n);
	reg_free(r);
}

/*
 * The account's realms: its `realm` list, then what the registrar challenged with (the
 * realms calls may answer). A registrar offering MD5 and SHA-256 gets the SHA-256 answer;
 * one whose SHA-256 challenge cannot be answered gets no MD5 answer at all.
 */
static void test_realms_and_algorithms(struct loop *l)
{
	struct account a = acc_alice();
	struct reg_sender snd = { fake_send, fake_cancel, NULL };
	struct fake f;
	struct evlog ev;
	struct reg *r = NULL;
	const struct sip_auth_realms *rs;
	char v[1024];

	memset(&f, 0, sizeof(f));
	memset(&ev, 0, sizeof(ev));
	f.secure = true;
	snd.arg = &f;
	a.n_realms = 1;
	snprintf(a.realms[0], sizeof(a.realms[0]), "pbx.test");
	if (reg_alloc(&r, l, &a, "alice-pw", &snd, ev_h, &ev))
		return;
	rs = reg_realms(r);
	ok(rs && rs->n == 1 && sip_auth_realms_has(rs, "pbx.test"), "realms: the configured one first");
	reg_set_timing(r, 20, 100, 0);
	reg_start(r);
	reply(&f, 401, "WWW-Authenticate: Digest realm=\"sip.test\", nonce=\"m1\", qop=\"auth\", algorithm=MD5\r\n"
		       "WWW-Authenticate: Digest realm=\"sip.test\", nonce=\"s1\", qop=\"auth\", algorithm=SHA-256\r\n");
	is_int(f.nsent, 2, "MD5 + SHA-256: answered");
	hdr(&f, "Authorization", v, sizeof(v));
	ok(strstr(v, "algorithm=SHA-256") && strstr(v, "nonce=\"s1\""), "with SHA-256 (%.80s)", v);
	ok(sip_auth_realms_has(rs, "sip.test") && rs->n == 2, "the registrar's realm is now the account's");
	reply(&f, 200, NULL);
	is_int(reg_state(r), REG_REGISTERED, "registered");
	reg_stop(r, 100, NULL, NULL);
	reply(&f, 200, NULL);
	run_for(l, 20);

	reg_start(r);
	reply(&f, 401, "WWW-Authenticate: Digest realm=\"sip.test\", nonce=\"m2\", qop=\"auth\", algorithm=MD5\r\n"
		       "WWW-Authenticate: Digest realm=\"sip.test\", nonce=\"s2\", qop=\"auth-conf\", "
		       "algorithm=SHA-256\r\n");
	is_int(f.nsent, 4, "MD5 + a SHA-256 challenge sphone cannot answer: no MD5 answer sent");
	is_int(count(&ev, "registration_failed"), 1, "registration_failed");
	ok(strstr(event_get_str(&ev.last_failed, "reason"), "MD5 refused") != NULL, "reason: %s",
	   event_get_str(&ev.last_failed, "reason"));
	reg_free(r);
}

/*
 * RFC 5626 outbound: the REGISTER asks for it (reg-id, ;ob, Supported: outbound), the 2xx's Require:
 * outbound and Flow-Timer are read, and the "registered" event says what was granted and where the
 * registrar saw us (Via received/rport).
 */
static void test_outbound(struct loop *l)
{
	struct account a = acc_alice();
	struct reg_sender snd = { fake_send, fake_cancel, NULL };
	struct sip_msg *m = NULL;
	struct fake f;
	struct evlog ev;
	struct reg *r = NULL;
	unsigned ft = 99;
	char v[1024];
	static const char ok200[] = "SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS 10.0.0.2:5061;branch=z9hG4bKx\r\n"
				    "From: <sips:a@b>;tag=1\r\nTo: <sips:a@b>;tag=2\r\nCall-ID: c\r\n"
				    "CSeq: 1 REGISTER\r\n%sContent-Length: 0\r\n\r\n";
	static const struct {
		const char *hdrs;
		bool ob;
		unsigned ft;
	} cases[] = {
		{ "Require: outbound\r\nFlow-Timer: 25\r\n", true, 25 },
		{ "Require: timer, outbound\r\n", true, 0 },
		{ "Supported: outbound\r\nFlow-Timer: 25\r\n", false, 0 }, /* supported is not granted */
		{ "Require: outbound\r\nFlow-Timer: x\r\n", true, 0 },
		{ "", false, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[512];
		bool ob;

		snprintf(buf, sizeof(buf), ok200, cases[i].hdrs);
		if (sip_msg_decode(&m, buf, strlen(buf))) {
			ok(0, "case %zu parses", i);
			continue;
		}
		ob = reg_resp_outbound(m, &ft);
		ok(ob == cases[i].ob && ft == cases[i].ft, "reg_resp_outbound(%zu): %d, Flow-Timer %u", i, ob, ft);
		sip_msg_free(m);
		m = NULL;
	}

	memset(&f, 0, sizeof(f));
	memset(&ev, 0, sizeof(ev));
	f.secure = true;
	snd.arg = &f;
	a.outbound = true;
	if (reg_alloc(&r, l, &a, NULL, &snd, ev_h, &ev))
		return;
	reg_start(r);
	hdr(&f, "Contact", v, sizeof(v));
	ok(!strncmp(v, "<sips:alice@127.0.0.1:40000;transport=tls;ob>;+sip.instance=\"<urn:uuid:", 70),
	   "outbound: ;ob in the Contact URI (%s)", v);
	ok(strstr(v, ">\";reg-id=1") != NULL, "... reg-id=1 after the instance");
	is_str(hdr(&f, "Supported", v, sizeof(v)), "outbound, path", "Supported: outbound, path");
	reply(&f, 200, "Contact: <sips:alice@127.0.0.1:40000;transport=tls;ob>;expires=600\r\n"
		       "Require: outbound\r\nFlow-Timer: 25\r\n");
	ok(event_get(&ev.last_registered, "outbound") && event_get(&ev.last_registered, "outbound")->i == 1,
	   "registered: outbound true");
	is_int(event_get_int(&ev.last_registered, "flow_timer", -1), 25, "registered: flow_timer 25");
	/* fake_send's Via has rport without received: the registrar saw nothing to report */
	ok(event_get(&ev.last_registered, "public_addr") == NULL, "no received: no public_addr");
	reg_free(r);
	r = NULL;

	/* a registrar behind which we sit in a NAT fills in received and rport */
	f.via_rport = "=4321;received=198.51.100.1";
	memset(&ev, 0, sizeof(ev));
	if (reg_alloc(&r, l, &a, NULL, &snd, ev_h, &ev))
		return;
	reg_start(r);
	reply(&f, 200, "Contact: <sips:alice@127.0.0.1:40000;transport=tls;ob>;expires=600\r\n");
	is_str(event_get_str(&ev.last_registered, "public_addr"), "198.51.100.1:4321",
	       "registered: public_addr from Via received/rport");
	ok(event_get(&ev.last_registered, "outbound")->i == 0 && event_get(&ev.last_registered, "flow_timer") == NULL,
	   "no Require: outbound: not granted, no flow_timer");
	reg_free(r);
	r = NULL;
	f.via_rport = NULL;

	a.outbound = false;
	memset(&ev, 0, sizeof(ev));
	if (reg_alloc(&r, l, &a, NULL, &snd, ev_h, &ev))
		return;
	reg_start(r);
	hdr(&f, "Contact", v, sizeof(v));
	ok(strstr(v, ";ob") == NULL && strstr(v, "reg-id") == NULL, "outbound = no: no ;ob, no reg-id");
	is_str(hdr(&f, "Supported", v, sizeof(v)), "", "... and no Supported");
	reply(&f, 200, "Contact: <sips:alice@127.0.0.1:40000;transport=tls>;expires=600\r\n");
	ok(event_get(&ev.last_registered, "outbound") && event_get(&ev.last_registered, "outbound")->i == 0,
	   "registered: outbound false");
	reg_free(r);
}

/* The installation's instance ID: made once, read back the same, shared by concurrent first starts. */
static void test_instance_file(struct loop *l)
{
	struct account a = acc_alice();
	struct reg_sender snd = { fake_send, fake_cancel, NULL };
	char dir[] = "/tmp/sphone-test-reg-XXXXXX", sub[200], path[240], u1[64] = "", u2[64] = "", err[300];
	char saved[200] = "", v[1024];
	const char *xdg = getenv("XDG_DATA_HOME");
	struct stat st;
	struct fake f;
	struct reg *r = NULL;
	FILE *fp;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	if (xdg)
		snprintf(saved, sizeof(saved), "%s", xdg);
	setenv("XDG_DATA_HOME", dir, 1);
	is_int(reg_instance_load(NULL, u1, sizeof(u1), err, sizeof(err)), 0, "instance made under $XDG_DATA_HOME");
	snprintf(path, sizeof(path), "%s/sphone/instance", dir);
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "... in $XDG_DATA_HOME/sphone/instance, mode 0600");
	ok(strlen(u1) == 45 && !strncmp(u1, "urn:uuid:", 9) && u1[23] == '4' && strchr("89ab", u1[28]),
	   "... a version 4 UUID URN (%s)", u1);
	is_int(reg_instance_load(NULL, u2, sizeof(u2), err, sizeof(err)), 0, "loaded again");
	is_str(u2, u1, "... the same ID");
	snprintf(sub, sizeof(sub), "%s/sphone", dir);
	is_int(reg_instance_load(sub, u2, sizeof(u2), err, sizeof(err)), 0, "the same directory given explicitly");
	is_str(u2, u1, "... the same ID");
	snprintf(sub, sizeof(sub), "%s/other/deep", dir);
	is_int(reg_instance_load(sub, u2, sizeof(u2), err, sizeof(err)), 0, "another directory (made on the way)");
	ok(strcmp(u2, u1) != 0, "... another ID");

	/* a file that is not ours is reported and left alone */
	snprintf(sub, sizeof(sub), "%s/bad", dir);
	mkdir(sub, 0700);
	snprintf(path, sizeof(path), "%s/instance", sub);
	fp = fopen(path, "w");
	if (fp) {
		fputs("urn:uuid:not-a-uuid\n", fp);
		fclose(fp);
	}
	is_int(reg_instance_load(sub, u2, sizeof(u2), err, sizeof(err)), EINVAL, "a damaged file: EINVAL");
	ok(strstr(err, "not a urn:uuid line") != NULL, "... said so (%s)", err);
	fp = fopen(path, "r");
	ok(fp && fgets(v, sizeof(v), fp) && !strcmp(v, "urn:uuid:not-a-uuid\n"), "... and left as it was");
	if (fp)
		fclose(fp);

	memset(&f, 0, sizeof(f));
	f.secure = true;
	snd.arg = &f;
	if (reg_alloc(&r, l, &a, NULL, &snd, NULL, NULL) == 0) {
		is_int(reg_set_instance(r, "urn:uuid:x"), EINVAL, "reg_set_instance refuses what is not a UUID URN");
		is_int(reg_set_instance(r, u1), 0, "reg_set_instance");
		reg_start(r);
		hdr(&f, "Contact", v, sizeof(v));
		snprintf(path, sizeof(path), "+sip.instance=\"<%s>\"", u1);
		ok(strstr(v, path) != NULL, "the REGISTER's Contact carries the stored ID");
		reg_free(r);
	}
	if (saved[0])
		setenv("XDG_DATA_HOME", saved, 1);
	else
		unsetenv("XDG_DATA_HOME");
	snprintf(v, sizeof(v), "rm -rf '%s'", dir);
	ok(system(v) == 0, "temporary directory removed");
}

int main(void)
{
	struct loop *l = NULL;

	loop_clock_virtual(1000);
	if (loop_alloc(&l))
		return 99;
	test_register_auth_refresh(l);
	test_wrong_password(l);
	test_backoff_and_errors(l);
	test_plaintext_and_misc(l);
	test_insecure_warning(l);
	test_realms_and_algorithms(l);
	test_outbound(l);
	test_instance_file(l);
	loop_free(l);
	return tap_done();
}
