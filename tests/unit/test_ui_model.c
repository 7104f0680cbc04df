/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_ui_model.c: the UA's events (built as reg.c, ua.c and call.c build them) turned into the UI's view state. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "event.h"
#include "log.h"
#include "loop.h"
#include "tap.h"
#include "ui_model.h"

#define SUITE80 "AES_CM_128_HMAC_SHA1_80"
#define GCM256 "AEAD_AES_256_GCM"

static struct event ev;
static unsigned notes[3];

static void note_h(enum ui_model_note n, void *arg)
{
	(void)arg;
	notes[n]++;
}

/* The newest message but k (0: the newest) without its "HH:MM:SS " stamp. */
static const char *nth_last_msg(const struct ui_model *m, size_t k)
{
	return m->msgs.n > k ? ui_ring_at(&m->msgs, m->msgs.n - 1 - k) + 9 : "(none)";
}

static const char *last_msg(const struct ui_model *m)
{
	return nth_last_msg(m, 0);
}

static bool verify_has(const struct ui_model *m, const char *s)
{
	size_t i;

	for (i = 0; i < m->nverify; i++)
		if (strstr(m->verify[i], s))
			return true;
	return false;
}

/* reg.c: registered (with add_flow's fields over verified TLS) */
static const struct event *registered(const char *acc)
{
	event_init(&ev, EVENT_REGISTERED);
	event_str(&ev, "account", acc);
	event_str(&ev, "uri", "sips:alice@example.com");
	event_int(&ev, "expires", 600);
	event_str(&ev, "transport", "TLS");
	event_str(&ev, "tls_version", "TLSv1.3");
	event_str(&ev, "cipher", "TLS_AES_256_GCM_SHA384");
	event_str(&ev, "peer_subject", "CN=example.com");
	event_str(&ev, "peer_fingerprint", "AB:CD");
	event_bool(&ev, "verified", true);
	return &ev;
}

/* call.c ev_init: every call event carries call, account, peer */
static void call_ev(enum event_kind kind, long long id, const char *peer)
{
	event_init(&ev, kind);
	event_int(&ev, "call", id);
	event_str(&ev, "account", "alice");
	event_str(&ev, "peer", peer);
}

/* call.c established() */
static const struct event *established(long long id, const char *peer, bool srtp, const char *tx, const char *rx)
{
	call_ev(EVENT_ESTABLISHED, id, peer);
	event_bool(&ev, "srtp", srtp);
	event_str(&ev, "srtp_tx", tx);
	event_str(&ev, "srtp_rx", rx);
	event_str(&ev, "codec", "PCMU");
	event_int(&ev, "ptime", 20);
	if (!srtp)
		event_str(&ev, "warning", "media is NOT encrypted: plain RTP (srtp_required = no); anyone on the path can listen");
	return &ev;
}

static void test_accounts(void)
{
	struct ui_model m;

	ui_model_init(&m, note_h, NULL);
	memset(notes, 0, sizeof(notes));
	ui_model_acc_add(&m, "alice", "sips:alice@example.com", true);
	ui_model_acc_add(&m, "quiet", "sips:q@example.com", false);
	is_str(m.acc[0].state, "starting", "an account that registers starts as 'starting'");
	is_str(m.acc[1].state, "not registering", "register = no: 'not registering'");

	event_init(&ev, EVENT_REGISTERING);
	event_str(&ev, "account", "alice");
	event_str(&ev, "uri", "sips:alice@example.com");
	ui_model_event(&m, &ev);
	is_str(m.acc[0].state, "registering", "registering");

	m.dirty = false;
	ui_model_event(&m, registered("alice"));
	ok(m.dirty, "an event marks the view for drawing");
	is_str(m.acc[0].state, "registered", "registered");
	ok(m.acc[0].have_tls && m.acc[0].verified && m.acc[0].known, "TLS, certificate verified");
	is_str(m.acc[0].tls_version, "TLSv1.3", "TLS version kept for the status bar");
	is_int(m.acc[0].expires, 600, "expiry kept");
	is_str(last_msg(&m), "alice registered over TLSv1.3 TLS_AES_256_GCM_SHA384 (certificate verified)",
	       "the first registration is a message");
	is_int(notes[UI_NOTE_REGISTERED], 1, "the front end hears of it (a dial given at start may go)");

	{
		size_t n = m.msgs.n;

		ui_model_event(&m, registered("alice"));
		is_int(m.msgs.n, n, "a refresh is no new message");
		is_int(notes[UI_NOTE_REGISTERED], 2, "... but is told to the front end again");
	}

	/* an account the configuration did not list (another UA's event): added */
	event_init(&ev, EVENT_REGISTRATION_FAILED);
	event_str(&ev, "account", "bob");
	event_int(&ev, "status", 403);
	event_str(&ev, "reason", "403 Forbidden");
	event_int(&ev, "retry_in", 30);
	ui_model_event(&m, &ev);
	is_int(m.nacc, 3, "an account first seen in an event is added");
	is_str(m.acc[2].state, "failed", "registration_failed: 'failed'");
	is_str(m.acc[2].reason, "403 Forbidden", "... with the reason for the status bar");
	is_str(last_msg(&m), "bob: registration failed: 403 Forbidden (retry in 30s)", "... and a message");

	/* ua.c status (reg_status): answers shown only when the user asked */
	event_init(&ev, EVENT_STATUS);
	event_str(&ev, "account", "bob");
	event_str(&ev, "uri", "sips:bob@example.com");
	event_str(&ev, "state", "waiting");
	event_int(&ev, "retry_in", 12);
	{
		size_t n = m.msgs.n;

		ui_model_event(&m, &ev);
		is_str(m.acc[2].state, "waiting", "status: the account's state");
		is_str(m.acc[2].uri, "sips:bob@example.com", "status: the account's URI");
		is_int(m.msgs.n, n, "the tick's own status request shows no message");
	}
	m.status_asked = true;
	ui_model_event(&m, &ev);
	is_str(last_msg(&m), "bob: waiting: 403 Forbidden", "the status the user asked for is a message");

	event_init(&ev, EVENT_UNREGISTERED);
	event_str(&ev, "account", "alice");
	ui_model_event(&m, &ev);
	is_str(m.acc[0].state, "unregistered", "unregistered");
	is_str(last_msg(&m), "alice unregistered", "... and a message");

	/* plaintext signalling: the status bar's red facts */
	event_init(&ev, EVENT_REGISTERED);
	event_str(&ev, "account", "quiet");
	event_str(&ev, "transport", "TCP");
	event_bool(&ev, "verified", false);
	event_str(&ev, "warning", "signalling is NOT encrypted (transport is not TLS)");
	ui_model_event(&m, &ev);
	ok(!m.acc[1].have_tls && !m.acc[1].verified, "TCP: no TLS, not verified");
	is_str(m.acc[1].transport, "TCP", "transport kept");
	is_str(last_msg(&m), "warning: signalling is NOT encrypted (transport is not TLS)",
	       "the registration's warning is a message");

	/* the verify view without a call: what the registrations told */
	ui_model_verify_accounts(&m);
	ok(verify_has(&m, "No call yet"), "verify view without a call says so");
	ok(verify_has(&m, "Account bob") && verify_has(&m, "waiting"), "... lists each account and its state");
	ok(verify_has(&m, "Transport                  TCP"), "... and a plaintext account's transport");
}

/* How many calls the list holds. */
static int calls_listed(const struct ui_model *m)
{
	int i, n = 0;

	for (i = 0; i < UI_MAX_CALLS; i++)
		n += m->calls[i].used;
	return n;
}

static void test_calls(void)
{
	struct ui_model m;
	struct ui_call *c;
	uint64_t t;

	ui_model_init(&m, note_h, NULL);
	memset(notes, 0, sizeof(notes));
	ui_model_acc_add(&m, "alice", "sips:alice@example.com", true);
	ok(ui_model_sel(&m) == NULL && ui_model_live(&m) == 0, "no calls");

	/* outgoing: 180, then 200 with SRTP both ways */
	call_ev(EVENT_RINGING, 1, "sips:bob@example.org");
	event_int(&ev, "status", 180);
	event_bool(&ev, "early_media", false);
	ui_model_event(&m, &ev);
	c = ui_model_sel(&m);
	ok(c != NULL, "ringing: the call is in the list, selected");
	if (!c)
		return;
	is_str(c->id, "1", "... with the UA's id");
	is_str(c->state, "ringing", "... state 'ringing'");
	is_str(c->remote, "sips:bob@example.org", "... the peer");
	ok(ui_model_srtp_column(c) == NULL, "SRTP column empty before anything is known");

	ui_model_event(&m, established(1, "sips:bob@example.org", true, SUITE80, SUITE80));
	ok(c->established && c->encrypted && !c->ended, "established, encrypted");
	is_str(c->state, "established", "state 'established'");
	is_str(c->codec, "PCMU", "codec");
	is_str(ui_model_srtp_column(c), "AES128/80", "SRTP column: the suite, shortened");
	is_int(notes[UI_NOTE_ESTABLISHED], 1, "the front end hears of it (the demo opens the verify view)");
	is_str(last_msg(&m), "call sips:bob@example.org established: PCMU, SRTP " SUITE80 " / " SUITE80,
	       "established: a message with codec and suites");
	is_str(m.banner, "", "encrypted: no banner");

	/* call.c call_status() */
	call_ev(EVENT_CALL, 1, "sips:bob@example.org");
	event_str(&ev, "state", "established");
	event_str(&ev, "direction", "out");
	event_bool(&ev, "hold", false);
	event_bool(&ev, "remote_hold", false);
	event_bool(&ev, "muted", false);
	event_bool(&ev, "srtp", true);
	event_str(&ev, "codec", "PCMU");
	event_int(&ev, "mic_level", 150);
	event_int(&ev, "spk_level", 42);
	event_int(&ev, "jb_delay_ms", 60);
	event_int(&ev, "loss_pct", 3);
	{
		size_t n = m.msgs.n;

		ui_model_event(&m, &ev);
		is_int(m.msgs.n, n, "a call's status is no message");
	}
	is_int(c->mic, 100, "mic level clamped to 100");
	is_int(c->spk, 42, "speaker level");
	is_int(c->jb_ms, 60, "jitter buffer delay");
	is_int(c->loss_pm, 30, "loss 3%% = 30 per mille");

	/* call.c hold events: ours, then the other side's */
	call_ev(EVENT_HOLD, 1, "sips:bob@example.org");
	event_bool(&ev, "on", true);
	event_str(&ev, "by", "local");
	ui_model_event(&m, &ev);
	ok(c->hold && !c->remote_hold, "hold (ours)");
	is_str(c->state, "on hold", "state 'on hold'");
	call_ev(EVENT_HOLD, 1, "sips:bob@example.org");
	event_bool(&ev, "on", false);
	event_str(&ev, "by", "local");
	ui_model_event(&m, &ev);
	ok(!c->hold, "resumed");
	call_ev(EVENT_HOLD, 1, "sips:bob@example.org");
	event_bool(&ev, "on", true);
	event_str(&ev, "by", "remote");
	ui_model_event(&m, &ev);
	ok(c->remote_hold && !c->hold, "held by the other side");
	is_str(last_msg(&m), "call sips:bob@example.org put on hold by the other side", "... said so");

	call_ev(EVENT_MUTE, 1, "sips:bob@example.org");
	event_bool(&ev, "muted", true);
	ui_model_event(&m, &ev);
	ok(c->muted, "muted");
	is_str(last_msg(&m), "call sips:bob@example.org: microphone muted (the other side hears silence)",
	       "mute: a message");

	call_ev(EVENT_DTMF, 1, "sips:bob@example.org");
	event_str(&ev, "digit", "7");
	ui_model_event(&m, &ev);
	is_str(last_msg(&m), "DTMF received from sips:bob@example.org: 7", "dtmf: a message");

	/* incoming, plain RTP: the call list and the banner say so */
	call_ev(EVENT_INCOMING, 2, "sips:carol@example.net");
	event_bool(&ev, "srtp", false);
	event_str(&ev, "warning", "the caller offers plain RTP only: this call would NOT be encrypted");
	ui_model_event(&m, &ev);
	c = ui_model_sel(&m);
	ok(c && !strcmp(c->id, "2"), "an incoming call is selected");
	if (!c)
		return;
	ok(c->incoming && !c->established, "incoming, not established");
	is_str(c->state, "incoming", "state 'incoming'");
	is_int(notes[UI_NOTE_RING], 1, "the front end may ring the bell");
	is_int(m.banner_kind, UI_BANNER_CALL, "banner: an incoming call");
	is_str(m.banner, "Incoming call from sips:carol@example.net   a: answer   h: reject", "banner text");
	is_int(ui_model_live(&m), 2, "two live calls");

	ui_model_event(&m, established(2, "sips:carol@example.net", false, "none", "none"));
	ok(c->established && !c->encrypted, "established without SRTP");
	is_str(ui_model_srtp_column(c), "PLAIN", "SRTP column: PLAIN");
	is_int(m.banner_kind, UI_BANNER_BAD, "banner: NOT encrypted");
	is_str(m.banner, "media of the call with sips:carol@example.net is NOT encrypted", "banner text");

	/* a different suite each way */
	ui_model_event(&m, established(3, "sips:dave@example.net", true, SUITE80, GCM256));
	c = ui_model_sel(&m);
	ok(c && !strcmp(c->id, "3"), "an established call the UI had not seen is added");
	if (!c)
		return;
	is_str(ui_model_srtp_column(c), "mixed", "SRTP column: mixed suites");

	/* the third call ends while selected: the selection moves to a live call */
	call_ev(EVENT_ENDED, 3, "sips:dave@example.net");
	event_str(&ev, "reason", "Busy Here");
	event_int(&ev, "status", 486);
	event_str(&ev, "by", "remote");
	ui_model_event(&m, &ev);
	ok(c->ended && c->used, "ended; still in the list for a while");
	is_str(c->state, "ended", "state 'ended'");
	is_str(c->reason, "Busy Here", "the reason kept");
	is_str(last_msg(&m), "call sips:dave@example.net ended: Busy Here (486)", "ended: a message");
	ok(ui_model_sel(&m) && !ui_model_sel(&m)->ended, "the selection moved to a live call");
	is_int(ui_model_live(&m), 2, "two live calls left");

	/* a status after the end does not bring the state back */
	call_ev(EVENT_CALL, 3, "sips:dave@example.net");
	event_str(&ev, "state", "established");
	ui_model_event(&m, &ev);
	is_str(c->state, "ended", "an ended call stays 'ended'");

	t = loop_now_ms();
	ok(!ui_model_expire(&m, t), "an ended call lingers");
	ok(ui_model_expire(&m, t + UI_ENDED_LINGER_MS + 1), "... and goes after the linger time");
	ok(!c->used, "its slot is free");
	is_int(ui_model_live(&m), 2, "the live calls stay");

	/* the call list shows the UA's calls: an event about an unknown call is a line, not a call */
	call_ev(EVENT_DTMF, 42, "sips:x@example.net");
	event_str(&ev, "digit", "1");
	ui_model_event(&m, &ev);
	is_int(calls_listed(&m), 2, "an event about a call the UI does not have adds none");
	ok(strstr(last_msg(&m), "dtmf call=42") != NULL, "... it is shown as a line");
	/* a kind the view has no use for (the headless front end's "help") makes no call: it is a line */
	call_ev(EVENT_HELP, 43, "sips:y@example.net");
	ui_model_event(&m, &ev);
	is_int(calls_listed(&m), 2, "'help' makes no call");
	is_str(last_msg(&m), "help call=43 account=alice peer=sips:y@example.net", "... it is shown as a line");

	/* the far end's Reason and Warning reach the user (Asterisk's BYE: cause 480, "SIPS Required") */
	ui_model_event(&m, established(5, "sips:erin@example.net", true, SUITE80, SUITE80));
	call_ev(EVENT_ENDED, 5, "sips:erin@example.net");
	event_str(&ev, "reason", "remote hung up");
	event_str(&ev, "by", "remote");
	event_str(&ev, "remote_reason", "SIP ;cause=480 ;text=\"SIPS Required\"");
	event_str(&ev, "remote_warning", "399 pbx \"refresh without Contact\"");
	ui_model_event(&m, &ev);
	is_str(nth_last_msg(&m, 2), "call sips:erin@example.net ended: remote hung up", "ended: the message");
	is_str(nth_last_msg(&m, 1), "  far end's Reason: SIP ;cause=480 ;text=\"SIPS Required\"", "... the far end's Reason");
	is_str(last_msg(&m), "  far end's Warning: 399 pbx \"refresh without Contact\"", "... and its Warning");
}

static void test_verify(void)
{
	struct ui_model m;

	ui_model_init(&m, NULL, NULL);
	ui_model_acc_add(&m, "alice", "sips:alice@example.com", true);
	ui_model_event(&m, established(1, "sips:bob@example.org", true, SUITE80, SUITE80));

	/* call.c call_verify() */
	call_ev(EVENT_SECURITY, 1, "sips:bob@example.org");
	event_str(&ev, "signalling", "TLS");
	event_str(&ev, "tls_version", "TLSv1.3");
	event_str(&ev, "tls_cipher", "TLS_AES_256_GCM_SHA384");
	event_str(&ev, "peer_subject", "CN=proxy.example.org");
	event_str(&ev, "peer_fingerprint", "12:34:56");
	event_bool(&ev, "tls_verified", true);
	event_str(&ev, "tls_note", "verified against the system CAs");
	event_str(&ev, "tls_hop", "192.0.2.1:5061");
	event_bool(&ev, "srtp", true);
	event_str(&ev, "srtp_tx", SUITE80);
	event_str(&ev, "srtp_rx", SUITE80);
	event_int(&ev, "packets_protected", 250);
	event_int(&ev, "packets_unprotected", 249);
	event_int(&ev, "auth_failures", 0);
	event_int(&ev, "replay_failures", 0);
	event_int(&ev, "plaintext_sent", 0);
	event_int(&ev, "plaintext_received", 0);
	event_str(&ev, "codec", "PCMU");
	event_int(&ev, "ptime", 20);
	event_str(&ev, "remote_media", "192.0.2.9:40000");
	event_str(&ev, "local_media", "10.200.1.2:41000");
	event_int(&ev, "jitter_ms", 3);
	event_str(&ev, "sas", "1234");
	event_str(&ev, "sas_note", "read it aloud");
	ui_model_event(&m, &ev);
	ok(m.verify_from_call, "the verify lines are the call's report");
	ok(verify_has(&m, " Signalling  TLS TLSv1.3 TLS_AES_256_GCM_SHA384"), "signalling line");
	ok(verify_has(&m, "certificate verified: CN=proxy.example.org"), "certificate line");
	ok(verify_has(&m, " Media       SRTP " SUITE80 " both ways"), "media line: one suite both ways");
	ok(verify_has(&m, "PCMU, 20 ms packets, remote 192.0.2.9:40000"), "codec line");
	ok(verify_has(&m, " Media path  10.200.1.2:41000 (here) -> 192.0.2.9:40000"), "media path line");
	ok(verify_has(&m, " Packets     protected 250, unprotected 249, auth failures 0, replayed 0"), "packet counts");
	ok(verify_has(&m, " Plaintext   RTP sent 0, received 0") && !verify_has(&m, "NOT all media"),
	   "no plaintext, no alarm");
	ok(verify_has(&m, "SAS") && verify_has(&m, "1234"), "the short authentication string is shown");
	ok(verify_has(&m, " Next hop    192.0.2.1:5061"), "a field without its own line gets a label");
	ok(verify_has(&m, " Jitter ms   3"), "... made from its key");
	ok(!verify_has(&m, "WARNING"), "no warning");
	ui_model_verify_accounts(&m);
	ok(verify_has(&m, " Media       SRTP"), "the call's report is not replaced by the accounts'");

	/* plain media, plaintext counted: the alarms */
	call_ev(EVENT_SECURITY, 1, "sips:bob@example.org");
	event_str(&ev, "signalling", "TCP");
	event_bool(&ev, "tls_verified", false);
	event_str(&ev, "tls_note", "signalling is NOT protected by TLS");
	event_bool(&ev, "srtp", false);
	event_str(&ev, "srtp_tx", "none");
	event_str(&ev, "srtp_rx", "none");
	event_int(&ev, "plaintext_sent", 10);
	event_int(&ev, "plaintext_received", 12);
	event_str(&ev, "warning", "media is NOT encrypted (plain RTP)");
	ui_model_event(&m, &ev);
	ok(verify_has(&m, " WARNING     media is NOT encrypted (plain RTP)"), "the warning comes first");
	ok(!strncmp(m.verify[0], " WARNING", 8), "... on the first line");
	ok(verify_has(&m, " Signalling  TCP: NOT protected by TLS"), "plaintext signalling");
	ok(verify_has(&m, " Media       NOT encrypted (plain RTP)"), "plain media");
	ok(verify_has(&m, "RTP sent 10, received 12   NOT all media was encrypted"), "plaintext counted");
}

static void test_messages(void)
{
	struct ui_model m;
	int i;

	ui_model_init(&m, NULL, NULL);
	/* peer-chosen text: no control characters, no secrets in what is shown */
	log_add_secret("hunter2-secret");
	call_ev(EVENT_INCOMING, 5, "sips:eve@example.net\r\n\tX-Evil: hunter2-secret");
	ui_model_event(&m, &ev);
	ok(!strpbrk(last_msg(&m), "\r\n\t"), "control characters in a message become blanks");
	ok(strstr(last_msg(&m), "hunter2-secret") == NULL, "a secret in an event is masked in the message");
	ok(strstr(m.calls[0].remote, "hunter2") != NULL, "(the event did carry it)");

	call_ev(EVENT_SECURITY, 5, "sips:eve@example.net");
	event_str(&ev, "tls_note", "password hunter2-secret");
	ui_model_event(&m, &ev);
	ok(!verify_has(&m, "hunter2-secret"), "... and in the verify lines");
	log_clear_secrets();

	event_init(&ev, EVENT_ERROR);
	event_str(&ev, "command", "call");
	event_str(&ev, "message", "no registered account");
	ui_model_event(&m, &ev);
	is_str(last_msg(&m), "error: call: no registered account", "error: a message");
	is_str(m.note, "no registered account", "... and the prompt line's note");

	event_init(&ev, EVENT_WARNING);
	event_int(&ev, "call", 5);
	event_str(&ev, "message", "SRTP authentication failures");
	ui_model_event(&m, &ev);
	is_str(last_msg(&m), "warning: SRTP authentication failures", "warning: a message");
	is_int(m.banner_kind, UI_BANNER_WARN, "... and the banner");
	is_str(m.banner, "SRTP authentication failures", "banner text");

	for (i = 0; i < UI_MSG_LINES + 50; i++)
		ui_model_msg(&m, "line %d", i);
	is_int(m.msgs.n, UI_MSG_LINES, "the message pane keeps the last %d lines", UI_MSG_LINES);
	is_str(ui_ring_at(&m.msgs, 0) + 9, "line 50", "the oldest kept");
	is_str(last_msg(&m), "line 249", "the newest last");
}

int main(void)
{
	test_accounts();
	test_calls();
	test_verify();
	test_messages();
	return tap_done();
}
