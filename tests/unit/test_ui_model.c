/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_ui_model.c: the UA's events (built as reg.c, ua.c and call.c build them) turned into the UI's view state. */
#include <locale.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "event.h"
#include "log.h"
#include "loop.h"
#include "tap.h"
#include "ui_model.h"
#include "ui_text.h"

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

/* A verify line as a wide screen shows it: " Label" in its column, then the text. */
static const char *verify_row(const struct ui_model *m, size_t i)
{
	static char row[UI_LINE_LEN + 64];

	snprintf(row, sizeof(row), " %-*s%s", UI_VERIFY_LABEL, m->verify[i].label, m->verify[i].text);
	return row;
}

static bool verify_has(const struct ui_model *m, const char *s)
{
	size_t i;

	for (i = 0; i < m->nverify; i++)
		if (strstr(verify_row(m, i), s))
			return true;
	return false;
}

/* The verify line labelled label, NULL when none is. */
static const struct ui_vline *verify_line(const struct ui_model *m, const char *label)
{
	size_t i;

	for (i = 0; i < m->nverify; i++)
		if (!strcmp(m->verify[i].label, label))
			return &m->verify[i];
	return NULL;
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
	ok(verify_has(&m, " Account       bob: waiting"), "... lists each account and its state");
	ok(verify_has(&m, " TLS           TLSv1.3 TLS_AES_256_GCM_SHA384"), "... a TLS account's version and cipher");
	ok(verify_has(&m, " Transport     TCP: NOT protected by TLS") && verify_line(&m, "Transport")->bad,
	   "... and a plaintext account's transport, as an alarm");
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

/* call.c call_verify()'s "security" event over verified TLS with SRTP, up to the codec; the caller adds the rest. */
static void security_ev(const char *fingerprint, const char *tls_note, long long auth, long long replay)
{
	call_ev(EVENT_SECURITY, 1, "sips:bob@example.org");
	event_str(&ev, "signalling", "TLS");
	event_str(&ev, "tls_version", "TLSv1.3");
	event_str(&ev, "tls_cipher", "TLS_AES_256_GCM_SHA384");
	event_str(&ev, "peer_subject", "CN=proxy.example.org");
	event_str(&ev, "peer_fingerprint", fingerprint);
	event_bool(&ev, "tls_verified", true);
	event_str(&ev, "tls_note", tls_note);
	event_str(&ev, "tls_hop", "192.0.2.1:5061");
	event_bool(&ev, "srtp", true);
	event_str(&ev, "srtp_tx", SUITE80);
	event_str(&ev, "srtp_rx", SUITE80);
	event_int(&ev, "packets_protected", 250);
	event_int(&ev, "packets_unprotected", 249);
	event_int(&ev, "auth_failures", auth);
	event_int(&ev, "replay_failures", replay);
	event_int(&ev, "plaintext_sent", 0);
	event_int(&ev, "plaintext_received", 0);
	event_str(&ev, "codec", "PCMU");
	event_int(&ev, "ptime", 20);
}

static void test_verify(void)
{
	struct ui_model m;

	ui_model_init(&m, NULL, NULL);
	ui_model_acc_add(&m, "alice", "sips:alice@example.com", true);
	ui_model_event(&m, established(1, "sips:bob@example.org", true, SUITE80, SUITE80));

	/* call.c call_verify() */
	security_ev("12:34:56", "verified against the system CAs", 0, 0);
	event_str(&ev, "remote_media", "192.0.2.9:40000");
	event_str(&ev, "local_media", "10.200.1.2:41000");
	event_int(&ev, "jitter_ms", 3);
	event_str(&ev, "sas", "1234");
	event_str(&ev, "sas_note", "read it aloud");
	ui_model_event(&m, &ev);
	ok(m.verify_from_call, "the verify lines are the call's report");
	ok(verify_has(&m, " Signalling    TLS TLSv1.3 TLS_AES_256_GCM_SHA384"), "signalling line");
	ok(verify_has(&m, " Certificate   verified: CN=proxy.example.org"), "certificate line");
	ok(verify_has(&m, " SHA-256       12:34:56"), "its fingerprint, a line of its own (it wraps by bytes)");
	ok(verify_has(&m, " Media         SRTP " SUITE80 " both ways"), "media line: one suite both ways");
	ok(verify_has(&m, " Codec         PCMU, 20 ms packets"), "codec line");
	ok(verify_has(&m, " Media path    10.200.1.2:41000 (here) -> 192.0.2.9:40000"), "media path line");
	{
		struct event e2 = ev;

		event_str(&e2, "public_media", "198.51.100.1:41000");
		ui_model_event(&m, &e2);
		ok(verify_has(&m, " Media path    10.200.1.2:41000 (here) -> 198.51.100.1:41000 (public, STUN) -> "
				  "192.0.2.9:40000"),
		   "media path line with the public address STUN found between the two ends");
		ui_model_event(&m, &ev);
	}
	ok(verify_has(&m, " Packets       protected 250, unprotected 249"), "packet counts");
	ok(verify_has(&m, " Dropped       auth failures 0, replayed 0, malformed 0") && !verify_line(&m, "Dropped")->bad,
	   "dropped packets, none: no alarm");
	ok(verify_has(&m, " Plaintext     RTP sent 0, received 0") && !verify_has(&m, "NOT all media"),
	   "no plaintext, no alarm");
	ok(verify_has(&m, " SAS           1234   (?)"), "the short authentication string is shown");
	ok(verify_has(&m, " Next hop      192.0.2.1:5061"), "the TLS hop");
	ok(verify_has(&m, " Jitter        3 ms"), "jitter, in words");
	ok(!verify_has(&m, "WARNING"), "no warning");
	ui_model_verify_accounts(&m);
	ok(verify_has(&m, " Media         SRTP"), "the call's report is not replaced by the accounts'");

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
	ok(verify_has(&m, " WARNING       media is NOT encrypted (plain RTP)"), "the warning comes first");
	ok(!strcmp(m.verify[0].label, "WARNING") && m.verify[0].bad, "... on the first line, as an alarm");
	ok(verify_has(&m, " Signalling    TCP: NOT protected by TLS") && verify_line(&m, "Signalling")->bad,
	   "plaintext signalling, an alarm");
	ok(verify_has(&m, " Media         NOT encrypted (plain RTP)") && verify_line(&m, "Media")->bad, "plain media");
	ok(verify_has(&m, "RTP sent 10, received 12   NOT all media was encrypted") && verify_line(&m, "Plaintext")->bad,
	   "plaintext counted");

	/* ZRTP not done yet (media_encryption = zrtp): nothing is sent, which the media line says */
	call_ev(EVENT_SECURITY, 1, "sips:bob@example.org");
	event_bool(&ev, "srtp", false);
	event_int(&ev, "plaintext_sent", 0);
	event_str(&ev, "key_exchange", "none yet");
	event_str(&ev, "media", "held: nothing is sent until ZRTP has agreed keys");
	ui_model_event(&m, &ev);
	ok(verify_line(&m, "Media") && !strcmp(verify_line(&m, "Media")->text, "held: nothing is sent until ZRTP has agreed keys") &&
		   !verify_has(&m, "plain RTP"),
	   "ZRTP pending: the media line says held, not plain RTP");
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

	/* call_xfer.c: a REFER refused by accept_transfer = no */
	call_ev(EVENT_TRANSFER, 5, "sips:eve@example.net");
	event_str(&ev, "role", "transferee");
	event_str(&ev, "state", "refused");
	event_str(&ev, "target", "sips:mallory@example.net");
	event_str(&ev, "by", "sips:eve@example.net");
	event_int(&ev, "status", 603);
	event_str(&ev, "reason", "accept_transfer = no in this account");
	ui_model_event(&m, &ev);
	is_int(m.banner_kind, UI_BANNER_WARN, "transfer refused by the setting: a warning banner");
	is_str(m.banner, "refused a transfer by sips:eve@example.net to sips:mallory@example.net (accept_transfer = no)",
	       "... naming who asked, where to, and the setting");
	ok(strstr(last_msg(&m), "refused: accept_transfer = no") != NULL, "... and a message (%s)", last_msg(&m));

	for (i = 0; i < UI_MSG_LINES + 50; i++)
		ui_model_msg(&m, "line %d", i);
	is_int(m.msgs.n, UI_MSG_LINES, "the message pane keeps the last %d lines", UI_MSG_LINES);
	is_str(ui_ring_at(&m.msgs, 0) + 9, "line 50", "the oldest kept");
	is_str(last_msg(&m), "line 249", "the newest last");
}

/* call.c call_verify()'s event with every field it sets, the labels all words */
static void test_verify_labels(void)
{
	static const char *const bad_labels[] = { "Rtp", "Srtp", "Jb", "Tls", "Sas", "Ms", "ms", NULL };
	struct ui_model m;
	const char *const *b;
	bool words = true;
	size_t i;

	ui_model_init(&m, NULL, NULL);
	ui_model_event(&m, established(1, "sips:bob@example.org", true, SUITE80, SUITE80));
	security_ev("FE:C3:9F:BA:2F:79:DC:C6:F9:83:5C:D1:CA:82:6E:98:5A:3F:B6:B4:14:D0:88:07:4F:C5:0C:2D:1E:AF:41:E3",
		    "chain and host name verified", 2, 1);
	event_int(&ev, "malformed_dropped", 3);
	event_str(&ev, "remote_media", "192.0.2.9:40000");
	event_int(&ev, "rtp_sent", 250);
	event_int(&ev, "rtp_received", 249);
	event_int(&ev, "rtp_lost", 4);
	event_int(&ev, "jb_lost", 5);
	event_int(&ev, "jb_late", 6);
	event_int(&ev, "concealed", 7);
	event_int(&ev, "jitter_ms", 8);
	event_int(&ev, "jb_delay_ms", 60);
	event_str(&ev, "sas", "123 456");
	event_str(&ev, "sas_method", "SDES key hash, 6 digits, no commitment");
	event_int(&ev, "sas_digits", 6);
	event_str(&ev, "sas_note", "read it aloud");
	/* a field a newer core might add: its label is made of words too */
	event_int(&ev, "rtcp_rtt_ms", 12);
	event_int(&ev, "srtp_tx_pkts", 250);
	/* ZRTP's fields (call_media.c): phrases for some, an alarm when the exchange failed */
	event_str(&ev, "key_exchange", "ZRTP");
	event_str(&ev, "zrtp_error", "hash commitment MISMATCH: possible ATTACK");
	event_str(&ev, "zrtp_cache", "new peer");
	ui_model_event(&m, &ev);
	ok(verify_line(&m, "Keys from") && verify_line(&m, "ZRTP failed") && verify_line(&m, "ZRTP failed")->bad &&
		   verify_line(&m, "ZRTP cache") && !verify_line(&m, "ZRTP cache")->bad,
	   "ZRTP's fields: 'Keys from', 'ZRTP failed' as an alarm, 'ZRTP cache'");
	ok(verify_has(&m, " SAS           123 456   (SDES key hash, 6 digits, no commitment)"), "SAS and its method");
	ok(verify_has(&m, " Dropped       auth failures 2, replayed 1, malformed 3") && verify_line(&m, "Dropped")->bad,
	   "dropped packets counted, an alarm when SRTP refused some");
	ok(verify_has(&m, " RTP lost      4 packets"), "'RTP lost', not 'Rtp lost'");
	ok(verify_has(&m, " Jitter buffer delay 60 ms, lost 5, late 6"), "'Jitter buffer', not 'Jb late'");
	ok(verify_has(&m, " Jitter        8 ms"), "jitter");
	ok(verify_has(&m, " Concealed     7 frames of lost audio"), "concealment");
	ok(verify_has(&m, " RTCP rtt (ms) 12"), "an unknown field: acronyms in capitals, units in words");
	ok(verify_line(&m, "SRTP sent packets") && !strcmp(verify_line(&m, "SRTP sent packets")->text, "250"),
	   "... abbreviations spelt out");
	for (i = 0; i < m.nverify; i++) {
		const char *l = m.verify[i].label;

		if (strchr(l, '_'))
			words = false;
		for (b = bad_labels; *b; b++)
			if (!strncmp(l, *b, strlen(*b)) && (l[strlen(*b)] == ' ' || !l[strlen(*b)]))
				words = false;
		if (!words) {
			diag("label not in words: '%s'", l);
			break;
		}
	}
	ok(words, "every label of the report is words (%zu lines)", m.nverify);
	for (i = 0; i < m.nverify; i++)
		if (m.verify[i].label[0] && ui_text_width(m.verify[i].label, strlen(m.verify[i].label), false) >=
						    UI_VERIFY_LABEL && strcmp(m.verify[i].label, "SRTP sent packets"))
			break;
	ok(i == m.nverify, "the labels call.c's fields get fit the label column");
}

/* Rows of s at width as the verify view wraps it; each row into rows[], at most max. */
static int wrap_rows(const char *s, int width, char rows[][128], int max)
{
	int n = 0;

	while (*s && n < max) {
		size_t k = ui_text_wrap(s, width, true);

		snprintf(rows[n++], 128, "%.*s", (int)k, s);
		s = ui_text_after(s, k);
	}
	return n;
}

/* The fingerprint wraps at byte boundaries at every width: no row starts or ends inside "7:F7". */
static void test_fingerprint_wrap(void)
{
	const char *fp = "FE:C3:9F:BA:2F:79:DC:C6:F9:83:5C:D1:CA:82:6E:98:5A:3F:B6:B4:14:D0:88:07:4F:C5:0C:2D:1E:AF:41:E3";
	char rows[64][128], joined[256];
	int w, n, r, bad = 0, badw = 0;

	for (w = 3; w <= 200 && !bad; w++) {
		n = wrap_rows(fp, w, rows, 64);
		joined[0] = '\0';
		for (r = 0; r < n; r++) {
			size_t len = strlen(rows[r]);

			strcat(joined, rows[r]);
			/* every row is whole "XX:" bytes, the last ends with a byte */
			if ((int)len > w || (r < n - 1 ? len % 3 != 0 || rows[r][len - 1] != ':'
							: (len + 1) % 3 != 0 || rows[r][len - 1] == ':'))
				bad = 1;
		}
		if (strcmp(joined, fp))
			bad = 1;
		if (bad)
			badw = w;
	}
	ok(!bad, "SHA-256 fingerprint: whole bytes on every row at widths 3..200%s", bad ? " (not at one)" : "");
	if (bad)
		diag("width %d", badw);
	/* the verify view's text column at the smallest terminal: 40 - 1 - label column */
	n = wrap_rows(fp, UI_MIN_COLS - 1 - UI_VERIFY_LABEL, rows, 64);
	is_str(rows[0], "FE:C3:9F:BA:2F:79:DC:C6:", "at 40 columns: 8 bytes a row (row 1)");
	is_str(rows[1], "F9:83:5C:D1:CA:82:6E:98:", "... row 2 starts with a whole byte");
	is_int(n, 4, "... 4 rows");
	/* prose still breaks at spaces, and an address is not a fingerprint */
	n = wrap_rows("remote 127.0.0.1:48556 and more", 20, rows, 64);
	is_str(rows[0], "remote", "an address is not taken for bytes: the row ends at a space");
	is_str(rows[1], "127.0.0.1:48556 and", "... and the address stays whole");
	n = wrap_rows("read it aloud: different digits mean", 20, rows, 64);
	is_str(rows[0], "read it aloud:", "prose breaks at a space");
	is_str(rows[1], "different digits", "... and the next row starts after it");
}

static void test_text(void)
{
	int w;

	is_int(ui_text_width("abc", 3, true), 3, "width: ASCII");
	is_int(ui_text_width("\xc3\xa9t\xc3\xa9", 5, true), 3, "width: 'été' is 3 columns in UTF-8");
	is_int(ui_text_width("\xc3\xa9t\xc3\xa9", 5, false), 5, "... 5 bytes without");
	is_int(ui_text_width("\xe6\x97\xa5\xe6\x9c\xac", 6, true), 4, "width: two CJK characters are 4 columns");
	is_int(ui_text_fit("\xe6\x97\xa5\xe6\x9c\xac", 3, true, &w), 3, "fit: one wide character in 3 columns");
	is_int(w, 2, "... 2 of them used");
	is_int(ui_text_rows("aaaa bbbb cccc", 9, 9, false), 2, "rows: two");
	is_int(ui_text_rows("", 10, 10, false), 1, "rows: an empty line is one row");
	is_int(ui_text_wrap("abcdef", 0, false), 1, "a row too narrow still takes a character");
	ok(ui_text_find("Via: SIP/2.0/TLS", "via") != NULL && ui_text_find("abc", "") == NULL,
	   "find: any case; nothing for an empty pattern");
}

/* Columns shrink by priority; the SRTP column never goes. */
static void test_columns(void)
{
	struct ui_cols c, prev;
	int w, bad = 0;

	for (w = UI_MIN_COLS; w <= 200; w++) {
		int used;

		ui_model_columns(w, &c);
		used = c.mark + c.remote + 1 + (c.state ? c.state + 1 : 0) + (c.time ? c.time + 1 : 0) +
		       (c.codec ? c.codec + 1 : 0) + c.srtp + (c.flags ? c.flags + 1 : 0);
		if (c.srtp != 13 || !c.state || used > w || c.remote < 10 ||
		    (w > UI_MIN_COLS && ((prev.time && !c.time) || (prev.codec && !c.codec) ||
					 (prev.flags && !c.flags) || prev.remote > c.remote))) {
			bad = w;
			break;
		}
		prev = c;
	}
	ok(!bad, "at every width from %d to 200: the SRTP and state columns, all within the width, none "
		 "going as it widens",
	   UI_MIN_COLS);
	if (bad)
		diag("width %d", bad);
	ui_model_columns(40, &c);
	ok(c.srtp && c.state && !c.time && !c.codec && !c.flags, "40 columns: remote, state, SRTP");
	ui_model_columns(60, &c);
	ok(c.time && c.codec && !c.flags, "60: the duration and codec come back");
	ui_model_columns(80, &c);
	ok(c.time && c.codec && c.flags && c.remote >= 20, "80: everything, the remote party %d wide", c.remote);
	ui_model_columns(20, &c);
	ok(c.srtp == 13 && c.remote >= 1, "below the minimum: still the SRTP column");
}

/* The status bar keeps its security word at every width. */
static void test_status(void)
{
	static const struct {
		const char *transport, *tls;
		bool verified;
		const char *word, *full;
	} kinds[] = {
		{ "TLS", "TLSv1.3", true, "verified", "TLS_AES_256_GCM_SHA384 verified" },
		{ "TLS", "TLSv1.2", false, "UNVERIFIED", "ECDHE-RSA-AES256-GCM-SHA384 UNVERIFIED certificate" },
		{ "TCP", NULL, false, "PLAINTEXT", "PLAINTEXT signalling (TCP)" },
	};
	struct ui_status s;
	struct ui_model m;
	size_t k;
	int u, w;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		int bad = 0;

		ui_model_init(&m, NULL, NULL);
		ui_model_acc_add(&m, "office", "sips:alice@example.com", true);
		ui_model_acc_add(&m, "home", "sips:a@example.net", true);
		event_init(&ev, EVENT_REGISTERED);
		event_str(&ev, "account", "office");
		event_str(&ev, "transport", kinds[k].transport);
		if (kinds[k].tls) {
			event_str(&ev, "tls_version", kinds[k].tls);
			event_str(&ev, "cipher", k == 0 ? "TLS_AES_256_GCM_SHA384" : "ECDHE-RSA-AES256-GCM-SHA384");
		}
		event_bool(&ev, "verified", kinds[k].verified);
		ui_model_event(&m, &ev);
		for (u = 0; u < 2; u++)
			for (w = UI_MIN_COLS; w <= 160 && !bad; w++) {
				ui_model_status(&m, w, u, &s);
				if (!strstr(s.sec, kinds[k].word) ||
				    ui_text_width(s.left, strlen(s.left), u) + 1 + ui_text_width(s.sec, strlen(s.sec), u) +
						    ui_text_width(s.more, strlen(s.more), u) > w)
					bad = w;
			}
		ok(!bad, "%s: the word is in the status bar and it fits, %d to 160 columns, UTF-8 and ASCII",
		   kinds[k].word, UI_MIN_COLS);
		if (bad)
			diag("width %d: '%s' '%s'", bad, s.left, s.sec);
		ui_model_status(&m, 160, true, &s);
		ok(strstr(s.sec, kinds[k].full) && strstr(s.left, "office") && strstr(s.more, "+1 account"),
		   "%s: 160 columns: all of it ('%s%s%s')", kinds[k].word, s.left, s.sec, s.more);
	}
	ui_model_status(&m, 40, false, &s);
	is_str(s.sec, " !! PLAINTEXT ", "40 columns, ASCII: the word and its sign");
}

static void test_lines(void)
{
	static struct ui_lines l;
	uint64_t at;
	bool wrapped;
	char big[4000];
	int i, stamp_ok = 1;

	ui_lines_init(&l);
	for (i = 0; i < UI_LOG_MAX_LINES + 10; i++)
		ui_lines_add(&l, LOGL_INFO, i == 3 ? "INVITE sips:bob@example.org SIP/2.0" : "line");
	is_int(l.n, UI_LOG_MAX_LINES, "the store keeps at most %d lines", UI_LOG_MAX_LINES);
	is_int(ui_lines_base(&l), 10, "... the oldest went, numbers kept");
	ok(ui_lines_at(&l, 9, NULL) == NULL && ui_lines_at(&l, 10, NULL) != NULL, "a line gone is NULL");
	for (i = 0; i < 4; i++) {
		const char *s = ui_lines_at(&l, 10 + (uint64_t)i, NULL);

		if (strlen(s) < UI_LOG_STAMP || s[2] != ':' || s[5] != ':' || s[8] != '.' || s[12] != ' ')
			stamp_ok = 0;
	}
	ok(stamp_ok, "each line starts with its time, HH:MM:SS.mmm (%s)", ui_lines_at(&l, 10, NULL));
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (i = 0; i < 2000; i++)
		ui_lines_add(&l, LOGL_DEBUG, big);
	ok(l.bytes <= UI_LOG_MAX_BYTES && l.n < UI_LOG_MAX_LINES, "... and at most %u bytes of text (%zu lines now)",
	   UI_LOG_MAX_BYTES, l.n);
	ui_lines_free(&l);

	ui_lines_init(&l);
	ui_lines_add(&l, LOGL_DEBUG, "SIP --> TLS 127.0.0.1:5061 (500 bytes)");
	ui_lines_add(&l, LOGL_DEBUG, "INVITE sips:bob@example.org SIP/2.0");
	ui_lines_add(&l, LOGL_DEBUG, "Via: SIP/2.0/TLS 127.0.0.1");
	ui_lines_add(&l, LOGL_DEBUG, "SIP <-- TLS 127.0.0.1:5061 (300 bytes)");
	ui_lines_add(&l, LOGL_DEBUG, "SIP/2.0 200 OK");
	ok(ui_lines_find(&l, "invite", 0, 1, &at, &wrapped) && at == 1 && !wrapped, "find: any case, forward");
	ok(ui_lines_find(&l, "SIP <--", 2, 1, &at, &wrapped) && at == 3, "find from a line on");
	ok(ui_lines_find(&l, "INVITE", 2, 1, &at, &wrapped) && at == 1 && wrapped, "... round from the top");
	ok(ui_lines_find(&l, "tls", 4, -1, &at, &wrapped) && at == 3, "backward");
	ok(ui_lines_find(&l, "200 OK", 0, -1, &at, &wrapped) && at == 4 && wrapped, "... round from the bottom");
	ok(ui_lines_find(&l, "SIP -->", UINT64_MAX, -1, &at, &wrapped) && at == 0, "from past the end, backward");
	ok(!ui_lines_find(&l, "BYE", 0, 1, &at, &wrapped), "not there");
	ok(!ui_lines_find(&l, "5:0", 0, 1, &at, &wrapped), "the time stamps are not searched");
	ui_lines_free(&l);
}

/* The SIP trace reaches the log pane's store from log.c's handler, through the same redaction as every log line. */
static void test_trace_redacted(void)
{
	static struct ui_lines l;
	const char *msg = "REGISTER sips:example.com SIP/2.0\r\n"
			  "Authorization: Digest username=\"alice\", realm=\"example.com\", nonce=\"n1\", "
			  "response=\"6629fae49393a05397450978507c4ef1\", cnonce=\"c0ffee42\"\r\n"
			  "X-Note: password=hunter2-secret\r\n"
			  "Content-Length: 80\r\n\r\n"
			  "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZWNyZXRfX2tleV9fX2FuZF9zYWx0|2^20|1:32\r\n";
	uint64_t i;
	int secrets = 0, masked = 0, lines = 0;

	ui_lines_init(&l);
	log_set_stderr(false);
	log_set_sip_trace(false); /* no --sip-trace: the pane gets it all the same */
	log_set_handler(ui_lines_log_h, &l);
	log_set_handler_sip_trace(true);
	log_add_secret("hunter2-secret");
	log_sip_trace(true, "TLS", "192.0.2.1:5061", msg, strlen(msg));
	log_info("account alice: password is hunter2-secret");
	log_set_handler(NULL, NULL);
	log_set_handler_sip_trace(false);
	log_clear_secrets();
	log_set_stderr(true);
	for (i = ui_lines_base(&l); i < ui_lines_end(&l); i++) {
		const char *s = ui_lines_at(&l, i, NULL);

		lines++;
		if (strstr(s, "6629fae4") || strstr(s, "c0ffee42") || strstr(s, "hunter2") || strstr(s, "WVNfX19z"))
			secrets++;
		if (strstr(s, "response=\"***\"") || strstr(s, "inline:***|2^20|1:32") || strstr(s, "password=***"))
			masked++;
	}
	ok(lines == 8, "the trace came in line by line, with its head line, and the log line (%d lines)", lines);
	ok(ui_lines_at(&l, 0, NULL) && strstr(ui_lines_at(&l, 0, NULL), "SIP --> TLS 192.0.2.1:5061"),
	   "the trace's head line");
	is_int(secrets, 0, "no digest response, cnonce, password or SRTP key in the log pane");
	ok(masked >= 3, "digest response, password and SRTP key masked as log.c masks them (%d lines)", masked);
	ui_lines_free(&l);
}

/* A pane of lines taking rows[i] rows each. */
static int rows_of[32];
static int rows_h(uint64_t i, void *arg)
{
	(void)arg;
	return rows_of[i];
}

static void test_view(void)
{
	struct ui_view v = { .follow = false };
	int i;

	for (i = 0; i < 32; i++)
		rows_of[i] = 1;
	rows_of[3] = 3;
	/* 20 lines (22 rows) in 10 rows, from the top */
	ui_view_place(&v, 0, 20, 10, rows_h, NULL);
	ok(v.first == 0 && v.next == 8 && !v.above && v.below, "top: lines 0-7 shown, more below");
	ui_view_scroll(&v, 1);
	ui_view_place(&v, 0, 20, 10, rows_h, NULL);
	ok(v.first == 1 && v.above && v.below, "j: a line down, more above and below");
	ui_view_page(&v, 1);
	ui_view_place(&v, 0, 20, 10, rows_h, NULL);
	is_int(v.first, 9, "PgDn: the next screenful");
	ui_view_page(&v, 1);
	ui_view_place(&v, 0, 20, 10, rows_h, NULL);
	ok(v.follow && v.first == 10 && v.next == 20 && v.above && !v.below, "PgDn at the end: the end at the bottom");
	ui_view_page(&v, -1);
	ui_view_place(&v, 0, 20, 10, rows_h, NULL);
	ok(!v.follow && v.first == 1 && v.below, "PgUp: a screenful back, one line kept (first %llu)",
	   (unsigned long long)v.first);
	ui_view_home(&v);
	ui_view_place(&v, 0, 20, 10, rows_h, NULL);
	ok(v.first == 0 && !v.above, "Home: the top");
	ui_view_end(&v);
	ui_view_place(&v, 0, 20, 10, rows_h, NULL);
	ok(v.follow && v.next == 20 && !v.below, "End: the end, following");
	ui_view_place(&v, 0, 21, 10, rows_h, NULL);
	ok(v.next == 21 && v.first == 11, "a new line scrolls in while following");
	ui_view_scroll(&v, -1);
	ui_view_place(&v, 0, 22, 10, rows_h, NULL);
	ok(!v.follow && v.first == 10 && v.below, "k stops following: a new line does not move the view");
	ui_view_show(&v, 3);
	ui_view_place(&v, 0, 22, 10, rows_h, NULL);
	ok(v.first == 3, "a search match out of sight comes to the top");
	ui_view_show(&v, 5);
	ui_view_place(&v, 0, 22, 10, rows_h, NULL);
	ok(v.first == 3, "... one in sight does not move the view");
	/* a wrapped line at the top shown in part when following */
	v.follow = true;
	ui_view_place(&v, 0, 6, 4, rows_h, NULL);
	ok(v.first == 3 && v.skip == 1 && v.above, "following: the top line's last rows (skip %d)", v.skip);
	/* all of it fits: from the top, no marker */
	v.follow = false;
	v.top = 0;
	ui_view_place(&v, 0, 3, 10, rows_h, NULL);
	ok(v.first == 0 && !v.above && !v.below, "all fits: no more above or below");
	/* lines that went (a ring) move the base: the view keeps its line */
	v.follow = false;
	v.top = 5;
	ui_view_place(&v, 2, 30, 10, rows_h, NULL);
	is_int(v.first, 5, "lines gone from the ring: the view stays on its line");
	/* a line taller than the pane (a long SIP header at 40 columns): j and PgDn go through its rows */
	rows_of[20] = 15;
	v.follow = false;
	v.top = 20;
	v.top_skip = 0;
	ui_view_place(&v, 0, 22, 10, rows_h, NULL);
	ok(v.first == 20 && v.skip == 0 && v.below, "a line of 15 rows in 10: its first rows, more below");
	ui_view_scroll(&v, 1);
	ui_view_place(&v, 0, 22, 10, rows_h, NULL);
	ok(v.first == 20 && v.skip == 1 && v.above, "j: a row further into it");
	ui_view_page(&v, 1);
	ui_view_place(&v, 0, 22, 10, rows_h, NULL);
	ok(v.follow && v.first == 20 && v.skip == 6 && !v.below, "PgDn: its last rows and the line after, at the end");
	ui_view_scroll(&v, -1);
	ui_view_place(&v, 0, 22, 10, rows_h, NULL);
	ok(!v.follow && v.first == 20 && v.skip == 5, "k: a row back");
	ui_view_page(&v, -1);
	ui_view_place(&v, 0, 22, 10, rows_h, NULL);
	ok(v.first == 20 && v.skip == 0, "PgUp: back to its first row");
}

int main(void)
{
	/* widths of UTF-8 text, as the UI has them under a UTF-8 locale */
	setlocale(LC_CTYPE, "C.UTF-8");
	test_accounts();
	test_calls();
	test_verify();
	test_messages();
	test_verify_labels();
	test_fingerprint_wrap();
	test_text();
	test_columns();
	test_status();
	test_lines();
	test_trace_redacted();
	test_view();
	return tap_done();
}
