/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ui_model.c: the UA's events turned into the full-screen UI's view state; no terminal code here. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "event.h"
#include "log.h"
#include "loop.h"
#include "ui_model.h"

static void copy(char *dst, size_t sz, const char *src)
{
	snprintf(dst, sz, "%s", src ? src : "");
}

void ui_ring_add(struct ui_ring *r, const char *s)
{
	size_t i = (r->head + r->n) % r->cap;

	snprintf(r->line[i], UI_LINE_LEN, "%s", s);
	if (r->n < r->cap)
		r->n++;
	else
		r->head = (r->head + 1) % r->cap;
}

const char *ui_ring_at(const struct ui_ring *r, size_t i)
{
	return r->line[(r->head + i) % r->cap];
}

void ui_model_msg(struct ui_model *m, const char *fmt, ...)
{
	char line[UI_LINE_LEN], out[UI_LINE_LEN];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;
	size_t n;

	localtime_r(&now, &tm);
	n = strftime(line, sizeof(line), "%H:%M:%S ", &tm);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	/* events can carry peer-chosen text: the same redaction as the log, control bytes made safe */
	log_redact(out, sizeof(out), line, strlen(line));
	for (n = 0; out[n]; n++)
		if (out[n] == '\t' || out[n] == '\r' || out[n] == '\n')
			out[n] = ' ';
	ui_ring_add(&m->msgs, out);
	m->dirty = true;
}

static void banner(struct ui_model *m, enum ui_banner kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void banner(struct ui_model *m, enum ui_banner kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->banner, sizeof(m->banner), fmt, ap);
	va_end(ap);
	m->banner_kind = kind;
}

static void note(struct ui_model *m, enum ui_model_note n)
{
	if (m->nh)
		m->nh(n, m->arg);
}

void ui_model_init(struct ui_model *m, ui_model_note_h *nh, void *arg)
{
	memset(m, 0, sizeof(*m));
	m->msgs.cap = UI_MSG_LINES;
	m->sel = -1;
	m->nh = nh;
	m->arg = arg;
}

void ui_model_acc_add(struct ui_model *m, const char *name, const char *uri, bool registering)
{
	struct ui_acc *a;

	if (m->nacc == UI_MAX_ACCS)
		return;
	a = &m->acc[m->nacc++];
	memset(a, 0, sizeof(*a));
	copy(a->name, sizeof(a->name), name);
	copy(a->uri, sizeof(a->uri), uri);
	copy(a->state, sizeof(a->state), registering ? "starting" : "not registering");
}

/* ---- the call list ---- */

static struct ui_call *ucall_find(struct ui_model *m, const char *id)
{
	int i;

	for (i = 0; i < UI_MAX_CALLS; i++)
		if (m->calls[i].used && !strcmp(m->calls[i].id, id))
			return &m->calls[i];
	return NULL;
}

static struct ui_call *ucall_new(struct ui_model *m, const char *id)
{
	int i;

	for (i = 0; i < UI_MAX_CALLS; i++) {
		struct ui_call *c = &m->calls[i];

		if (!c->used) {
			memset(c, 0, sizeof(*c));
			c->used = true;
			copy(c->id, sizeof(c->id), id);
			c->mic = c->spk = -1;
			c->jb_ms = c->loss_pm = -1;
			copy(c->state, sizeof(c->state), "calling");
			m->sel = i;
			return c;
		}
	}
	return NULL;
}

int ui_model_live(const struct ui_model *m)
{
	int i, n = 0;

	for (i = 0; i < UI_MAX_CALLS; i++)
		if (m->calls[i].used && !m->calls[i].ended)
			n++;
	return n;
}

struct ui_call *ui_model_sel(struct ui_model *m)
{
	if (m->sel >= 0 && m->sel < UI_MAX_CALLS && m->calls[m->sel].used)
		return &m->calls[m->sel];
	return NULL;
}

void ui_model_select_step(struct ui_model *m, int dir, bool live_only)
{
	int i, k;

	for (k = 1; k <= UI_MAX_CALLS; k++) {
		i = ((m->sel + dir * k) % UI_MAX_CALLS + UI_MAX_CALLS) % UI_MAX_CALLS;
		if (m->calls[i].used && (!live_only || !m->calls[i].ended)) {
			m->sel = i;
			return;
		}
	}
}

bool ui_model_expire(struct ui_model *m, uint64_t now)
{
	bool gone = false;
	int i;

	for (i = 0; i < UI_MAX_CALLS; i++) {
		struct ui_call *c = &m->calls[i];

		if (c->used && c->ended && now - c->t_ended > UI_ENDED_LINGER_MS) {
			c->used = false;
			m->dirty = true;
			gone = true;
			if (m->sel == i)
				ui_model_select_step(m, 1, false);
		}
	}
	return gone;
}

/* "AES_CM_128_HMAC_SHA1_80" -> "AES128/80", "AEAD_AES_256_GCM" -> "AES256GCM": fits the call list */
static const char *suite_short(const char *suite)
{
	static const struct {
		const char *name, *shortname;
	} map[] = {
		{ "AES_CM_128_HMAC_SHA1_80", "AES128/80" }, { "AES_CM_128_HMAC_SHA1_32", "AES128/32" },
		{ "AES_256_CM_HMAC_SHA1_80", "AES256/80" }, { "AES_256_CM_HMAC_SHA1_32", "AES256/32" },
		{ "AEAD_AES_128_GCM", "AES128GCM" },        { "AEAD_AES_256_GCM", "AES256GCM" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(suite, map[i].name))
			return map[i].shortname;
	return suite;
}

const char *ui_model_srtp_column(const struct ui_call *c)
{
	if (!c->established && !c->suite_tx[0])
		return NULL;
	if (!c->encrypted)
		return "PLAIN";
	if (strcmp(c->suite_tx, c->suite_rx) && c->suite_rx[0])
		return "mixed";
	return suite_short(c->suite_tx);
}

/* Copies whatever of the call's details this event carries (the fields call.c puts in its events). */
static void ucall_update(struct ui_call *c, const struct event *ev)
{
	const struct event_field *f;
	const char *s;

	if (!c->remote[0] && (s = event_get_str(ev, "peer")) && *s)
		copy(c->remote, sizeof(c->remote), s);
	if ((s = event_get_str(ev, "codec")) && *s)
		copy(c->codec, sizeof(c->codec), s);
	if ((s = event_get_str(ev, "srtp_tx")) && *s)
		copy(c->suite_tx, sizeof(c->suite_tx), s);
	if ((s = event_get_str(ev, "srtp_rx")) && *s)
		copy(c->suite_rx, sizeof(c->suite_rx), s);
	/* levels are a percentage of full scale */
	if ((f = event_get(ev, "mic_level")) && f->type == EVENT_INT)
		c->mic = f->i < 0 ? 0 : f->i > 100 ? 100 : (int)f->i;
	if ((f = event_get(ev, "spk_level")) && f->type == EVENT_INT)
		c->spk = f->i < 0 ? 0 : f->i > 100 ? 100 : (int)f->i;
	if ((f = event_get(ev, "jb_delay_ms")) && f->type == EVENT_INT)
		c->jb_ms = (long)f->i;
	if ((f = event_get(ev, "loss_pct")) && f->type == EVENT_INT)
		c->loss_pm = (long)f->i * 10;
	if ((f = event_get(ev, "hold")) && f->type == EVENT_BOOL)
		c->hold = f->i;
	if ((f = event_get(ev, "remote_hold")) && f->type == EVENT_BOOL)
		c->remote_hold = f->i;
	if ((f = event_get(ev, "muted")) && f->type == EVENT_BOOL)
		c->muted = f->i;
	if ((f = event_get(ev, "srtp")) && f->type == EVENT_BOOL)
		c->encrypted = f->i;
	else if ((c->suite_tx[0] && strcasecmp(c->suite_tx, "plain") && strcasecmp(c->suite_tx, "none")) &&
		 (c->suite_rx[0] && strcasecmp(c->suite_rx, "plain") && strcasecmp(c->suite_rx, "none")))
		c->encrypted = true;
	if ((s = event_get_str(ev, "state")) && *s && !c->ended)
		copy(c->state, sizeof(c->state), s);
}

/* Any event shown as one line: its name and its fields. */
static void msg_fields(struct ui_model *m, const struct event *ev)
{
	char line[UI_LINE_LEN];
	size_t pos = 0;
	unsigned i;

	pos += (size_t)snprintf(line, sizeof(line), "%s", ev->name);
	for (i = 0; i < ev->n && pos < sizeof(line); i++) {
		const struct event_field *f = &ev->f[i];

		if (f->type == EVENT_STR)
			pos += (size_t)snprintf(line + pos, sizeof(line) - pos, " %s=%s", f->key, f->s);
		else if (f->type == EVENT_BOOL)
			pos += (size_t)snprintf(line + pos, sizeof(line) - pos, " %s=%s", f->key, f->i ? "yes" : "no");
		else
			pos += (size_t)snprintf(line + pos, sizeof(line) - pos, " %s=%lld", f->key, f->i);
	}
	ui_model_msg(m, "%s", line);
}

/* The event's "call" field (call.c puts the call's id in every call event); "" without one. */
static const char *event_call_id(const struct event *ev, char *id, size_t sz)
{
	const struct event_field *f = event_get(ev, "call");

	id[0] = '\0';
	if (f && f->type == EVENT_STR)
		copy(id, sz, f->s);
	else if (f)
		snprintf(id, sz, "%lld", f->i);
	return id;
}

/*
 * The call an event is about (its "call" field), with the event's details
 * copied in; made when create and the UI has not seen the call yet. NULL when
 * the UI has no such call: the event is then shown as a line.
 */
static struct ui_call *event_call(struct ui_model *m, const struct event *ev, bool create)
{
	struct ui_call *c;
	char id[32];

	c = ucall_find(m, event_call_id(ev, id, sizeof(id)));
	if (!c && create)
		c = ucall_new(m, id);
	if (!c) {
		msg_fields(m, ev);
		return NULL;
	}
	ucall_update(c, ev);
	return c;
}

/* ---- accounts ---- */

static struct ui_acc *acc_get(struct ui_model *m, const struct event *ev)
{
	const char *name = event_get_str(ev, "account");
	size_t i;

	if (!name)
		return m->nacc ? &m->acc[0] : NULL;
	for (i = 0; i < m->nacc; i++)
		if (!strcmp(m->acc[i].name, name))
			return &m->acc[i];
	if (m->nacc == UI_MAX_ACCS)
		return NULL;
	memset(&m->acc[m->nacc], 0, sizeof(m->acc[0]));
	copy(m->acc[m->nacc].name, sizeof(m->acc[0].name), name);
	return &m->acc[m->nacc++];
}

static void acc_flow(struct ui_acc *a, const struct event *ev)
{
	const struct event_field *f;
	const char *s;

	if ((s = event_get_str(ev, "transport")))
		copy(a->transport, sizeof(a->transport), s);
	a->have_tls = false;
	if ((s = event_get_str(ev, "tls_version")) && *s) {
		copy(a->tls_version, sizeof(a->tls_version), s);
		copy(a->cipher, sizeof(a->cipher), event_get_str(ev, "cipher"));
		a->have_tls = true;
	}
	f = event_get(ev, "verified");
	a->verified = f && f->type == EVENT_BOOL && f->i;
	a->known = true;
}

/* ---- the verify view ---- */

static void verify_clear(struct ui_model *m)
{
	m->nverify = 0;
}

static void verify_add(struct ui_model *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void verify_add(struct ui_model *m, const char *fmt, ...)
{
	char tmp[UI_LINE_LEN];
	va_list ap;

	if (m->nverify >= UI_VERIFY_LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	log_redact(m->verify[m->nverify], UI_LINE_LEN, tmp, strlen(tmp));
	m->nverify++;
}

/* "peer_fingerprint" -> "Peer fingerprint" */
static void label_of(const char *key, char *out, size_t sz)
{
	static const struct {
		const char *key, *label;
	} known[] = {
		{ "sas", "Short authentication string" },
		{ "tls_version", "Signalling TLS version" },
		{ "cipher", "Signalling cipher" },
		{ "peer_subject", "Server certificate" },
		{ "peer_fingerprint", "Certificate SHA-256" },
		{ "verified", "Certificate verified" },
		{ "srtp_tx", "SRTP suite sent" },
		{ "srtp_rx", "SRTP suite received" },
		{ "rtp_plain_sent", "Plaintext RTP sent" },
		{ "rtp_plain_received", "Plaintext RTP received" },
		{ "remote_media", "Remote media address" },
		{ "tls_hop", "Next hop" }, /* the signalling connection's far end */
		{ "key_exchange", "Keys from" },
		{ "zrtp", "ZRTP" },
		{ "zrtp_error", "ZRTP failed" },
		{ "zrtp_cache", "ZRTP cache" },
		{ "zrtp_verified_here", "SAS confirmed here before" },
		{ "zrtp_cipher", "ZRTP cipher" },
		{ "zrtp_hash", "ZRTP hash" },
		{ "zrtp_auth", "ZRTP SRTP tag" },
		{ "zrtp_key_agreement", "ZRTP key agreement" },
		{ "zrtp_peer", "ZRTP peer client" },
		{ "zrtp_peer_pbx", "ZRTP peer is a PBX" },
		{ "sas_confirmed", "SAS confirmed now" },
	};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (!strcmp(key, known[i].key)) {
			copy(out, sz, known[i].label);
			return;
		}
	}
	copy(out, sz, key);
	for (i = 0; out[i]; i++)
		if (out[i] == '_')
			out[i] = ' ';
	if (out[0])
		out[0] = (char)toupper((unsigned char)out[0]);
}

/* Adds text wrapped at 76 columns, the first line after head, the others indented to match. */
static void verify_wrap(struct ui_model *m, const char *head, const char *text)
{
	size_t hl = strlen(head), width = 76 > hl + 20 ? 76 - hl : 20;
	bool first = true;

	while (*text) {
		size_t n = strlen(text), cut = n;

		if (n > width) {
			cut = width;
			while (cut > width / 2 && text[cut] != ' ')
				cut--;
			if (text[cut] != ' ')
				cut = width;
		}
		verify_add(m, "%-*s%.*s", (int)hl, first ? head : "", (int)cut, text);
		first = false;
		text += cut;
		while (*text == ' ')
			text++;
	}
}

static bool used_key(const char *k)
{
	static const char *const keys[] = { "call", "account", "peer", "sas", "sas_note", "signalling",
					    "sas_method", "sas_digits",
					    "tls_version", "tls_cipher", "peer_subject", "peer_fingerprint",
					    "tls_verified", "tls_note", "srtp", "srtp_tx", "srtp_rx",
					    "packets_protected", "packets_unprotected", "auth_failures",
					    "replay_failures", "plaintext_sent", "plaintext_received", "codec",
					    "ptime", "remote_media", "local_media", "rtp_sent", "rtp_received", "warning",
					    NULL };
	const char *const *x;

	for (x = keys; *x; x++)
		if (!strcmp(*x, k))
			return true;
	return false;
}

/* The "security" event laid out to read (the same content as the headless `verify`). */
static void verify_from_event(struct ui_model *m, const struct event *ev)
{
	const struct event_field *f;
	const char *s, *sas = event_get_str(ev, "sas");
	bool tls_ok, srtp;
	long long ps, pr;
	unsigned i;

	verify_clear(m);
	m->verify_from_call = true;
	if ((s = event_get_str(ev, "warning")) && *s)
		verify_wrap(m, " WARNING     ", s);
	if (sas && *sas) {
		verify_add(m, " SAS         %s   (%s)", sas,
			   event_get_str(ev, "sas_method") ? event_get_str(ev, "sas_method") : "?");
		if ((s = event_get_str(ev, "sas_note")))
			verify_wrap(m, "             ", s);
	} else {
		verify_add(m, " SAS         none: the call has NOT got SRTP keys");
	}
	f = event_get(ev, "tls_verified");
	tls_ok = f && f->i;
	s = event_get_str(ev, "tls_version");
	if (s && *s) {
		verify_add(m, " Signalling  %s %s %s", event_get_str(ev, "signalling") ? event_get_str(ev, "signalling") : "",
			   s, event_get_str(ev, "tls_cipher") ? event_get_str(ev, "tls_cipher") : "");
		verify_add(m, "             certificate %s: %s", tls_ok ? "verified" : "NOT verified",
			   event_get_str(ev, "peer_subject") ? event_get_str(ev, "peer_subject") : "?");
		if ((s = event_get_str(ev, "tls_note")))
			verify_wrap(m, "             ", s);
		if ((s = event_get_str(ev, "peer_fingerprint")))
			verify_wrap(m, "             SHA-256 ", s);
	} else {
		verify_add(m, " Signalling  %s: NOT protected by TLS",
			   event_get_str(ev, "signalling") ? event_get_str(ev, "signalling") : "none");
	}
	f = event_get(ev, "srtp");
	srtp = f && f->i;
	if (srtp && event_get_str(ev, "srtp_tx") && event_get_str(ev, "srtp_rx") &&
	    !strcmp(event_get_str(ev, "srtp_tx"), event_get_str(ev, "srtp_rx")))
		verify_add(m, " Media       SRTP %s both ways", event_get_str(ev, "srtp_tx"));
	else if (srtp)
		verify_add(m, " Media       SRTP sent %s, received %s", event_get_str(ev, "srtp_tx"),
			   event_get_str(ev, "srtp_rx"));
	else
		verify_add(m, " Media       NOT encrypted (plain RTP)");
	if ((s = event_get_str(ev, "codec")))
		verify_add(m, "             %s, %lld ms packets, remote %s", s, event_get_int(ev, "ptime", 0),
			   event_get_str(ev, "remote_media") ? event_get_str(ev, "remote_media") : "?");
	if ((s = event_get_str(ev, "local_media")))
		verify_add(m, " Media path  %s (here) -> %s", s,
			   event_get_str(ev, "remote_media") ? event_get_str(ev, "remote_media") : "?");
	if (event_get(ev, "packets_protected"))
		verify_add(m, " Packets     protected %lld, unprotected %lld, auth failures %lld, replayed %lld",
			   event_get_int(ev, "packets_protected", 0), event_get_int(ev, "packets_unprotected", 0),
			   event_get_int(ev, "auth_failures", 0), event_get_int(ev, "replay_failures", 0));
	ps = event_get_int(ev, "plaintext_sent", -1);
	pr = event_get_int(ev, "plaintext_received", -1);
	if (ps >= 0 || pr >= 0)
		verify_add(m, " Plaintext   RTP sent %lld, received %lld%s", ps, pr,
			   ps > 0 || pr > 0 ? "   NOT all media was encrypted" : "");
	for (i = 0; i < ev->n; i++) {
		char label[64];

		f = &ev->f[i];
		if (used_key(f->key))
			continue;
		label_of(f->key, label, sizeof(label));
		if (f->type == EVENT_STR)
			verify_add(m, " %-11s %s", label, f->s);
		else if (f->type == EVENT_BOOL)
			verify_add(m, " %-11s %s", label, f->i ? "yes" : "no");
		else
			verify_add(m, " %-11s %lld", label, f->i);
	}
}

void ui_model_verify_accounts(struct ui_model *m)
{
	size_t i;

	if (m->verify_from_call)
		return;
	verify_clear(m);
	verify_add(m, "No call yet: the media part of the report (SRTP suites, packet counts, the short");
	verify_add(m, "authentication string) appears once a call is established. Signalling:");
	verify_add(m, " ");
	for (i = 0; i < m->nacc; i++) {
		const struct ui_acc *a = &m->acc[i];

		verify_add(m, "Account %-20s %s", a->name, a->state);
		if (a->have_tls) {
			verify_add(m, "  %-26s %s", "TLS version", a->tls_version);
			verify_add(m, "  %-26s %s", "Cipher", a->cipher);
			verify_add(m, "  %-26s %s", "Certificate verified", a->verified ? "yes" : "NO");
		} else if (a->known) {
			verify_add(m, "  %-26s %s", "Transport", a->transport[0] ? a->transport : "(none yet)");
		}
	}
}

/* ---- one handler per event name (the names ua.h lists) ---- */

static void on_registering(struct ui_model *m, const struct event *ev)
{
	struct ui_acc *a = acc_get(m, ev);

	if (!a)
		return;
	copy(a->state, sizeof(a->state), "registering");
	copy(a->uri, sizeof(a->uri), event_get_str(ev, "uri"));
}

/* "registered", and "status" (the answer to the status command) */
static void on_registered(struct ui_model *m, const struct event *ev)
{
	bool status = ev->kind == EVENT_STATUS;
	struct ui_acc *a = acc_get(m, ev);
	const char *s;

	if (!a)
		return;
	s = event_get_str(ev, "state");
	if (!status || (s && !strcmp(s, "registered"))) {
		bool first = strcmp(a->state, "registered") != 0;

		copy(a->state, sizeof(a->state), "registered");
		a->expires = (long)event_get_int(ev, "expires", 0);
		acc_flow(a, ev);
		a->reason[0] = '\0';
		if (first)
			ui_model_msg(m, "%s registered over %s%s%s (%s)", a->name,
				     a->have_tls ? a->tls_version : a->transport, a->have_tls ? " " : "",
				     a->have_tls ? a->cipher : "", a->verified ? "certificate verified" : "NOT verified");
		if ((s = event_get_str(ev, "warning")) && first)
			ui_model_msg(m, "warning: %s", s);
		note(m, UI_NOTE_REGISTERED);
	} else if (s) {
		copy(a->state, sizeof(a->state), s);
	}
	if (status) {
		if ((s = event_get_str(ev, "uri")))
			copy(a->uri, sizeof(a->uri), s);
		if (m->status_asked)
			ui_model_msg(m, "%s: %s%s%s", a->name, a->state, a->reason[0] ? ": " : "", a->reason);
	}
}

static void on_registration_failed(struct ui_model *m, const struct event *ev)
{
	struct ui_acc *a = acc_get(m, ev);

	if (!a)
		return;
	copy(a->state, sizeof(a->state), "failed");
	copy(a->reason, sizeof(a->reason), event_get_str(ev, "reason"));
	ui_model_msg(m, "%s: registration failed: %s (retry in %llds)", a->name, a->reason,
		     (long long)event_get_int(ev, "retry_in", 0));
}

static void on_unregistered(struct ui_model *m, const struct event *ev)
{
	struct ui_acc *a = acc_get(m, ev);

	if (!a)
		return;
	copy(a->state, sizeof(a->state), "unregistered");
	ui_model_msg(m, "%s unregistered", a->name);
}

static void on_error(struct ui_model *m, const struct event *ev)
{
	const char *s = event_get_str(ev, "message"), *cmd = event_get_str(ev, "command");

	ui_model_msg(m, "error: %s%s%s", cmd ? cmd : "", cmd ? ": " : "", s ? s : "?");
	copy(m->note, sizeof(m->note), s ? s : "error");
}

/* a warning, whether about a call or not, goes to the banner */
static void on_warning(struct ui_model *m, const struct event *ev)
{
	const char *s = event_get_str(ev, "message");

	ui_model_msg(m, "warning: %s", s ? s : "?");
	banner(m, UI_BANNER_WARN, "%s", s ? s : "warning");
}

static void on_security(struct ui_model *m, const struct event *ev)
{
	struct ui_call *c;
	char id[32];

	verify_from_event(m, ev);
	/* a report about a call the list no longer shows is not a line of its own */
	if ((c = ucall_find(m, event_call_id(ev, id, sizeof(id)))))
		ucall_update(c, ev);
}

static void on_incoming(struct ui_model *m, const struct event *ev)
{
	struct ui_call *c = event_call(m, ev, true);

	if (!c)
		return;
	c->incoming = true;
	copy(c->state, sizeof(c->state), "incoming");
	note(m, UI_NOTE_RING);
	banner(m, UI_BANNER_CALL, "Incoming call from %s   a: answer   h: reject",
	       c->remote[0] ? c->remote : "unknown caller");
	ui_model_msg(m, "incoming call from %s", c->remote[0] ? c->remote : "unknown caller");
}

/* "ringing" (180) and "progress" (other 1xx): the name is the state shown */
static void on_ringing(struct ui_model *m, const struct event *ev)
{
	struct ui_call *c = event_call(m, ev, true);

	if (c)
		copy(c->state, sizeof(c->state), ev->name);
}

static void on_established(struct ui_model *m, const struct event *ev)
{
	struct ui_call *c = event_call(m, ev, true);

	if (!c)
		return;
	if (!c->established)
		c->t_est = loop_now_ms();
	c->established = true;
	copy(c->state, sizeof(c->state), c->hold ? "on hold" : "established");
	if (c->incoming)
		m->banner[0] = '\0';
	ui_model_msg(m, "call %s established: %s, SRTP %s / %s", c->remote, c->codec[0] ? c->codec : "?",
		     c->suite_tx[0] ? c->suite_tx : "none", c->suite_rx[0] ? c->suite_rx : "none");
	if (!c->encrypted)
		banner(m, UI_BANNER_BAD, "media of the call with %s is NOT encrypted", c->remote);
	note(m, UI_NOTE_ESTABLISHED);
}

static void on_hold(struct ui_model *m, const struct event *ev)
{
	struct ui_call *c = event_call(m, ev, false);
	const struct event_field *on = event_get(ev, "on");
	const char *by = event_get_str(ev, "by");
	bool remote = by && !strcmp(by, "remote");
	bool v = !on || on->i;

	if (!c)
		return;
	if (remote)
		c->remote_hold = v;
	else
		c->hold = v;
	copy(c->state, sizeof(c->state), c->hold ? "on hold" : "established");
	ui_model_msg(m, "call %s %s %s", c->remote, v ? "put on hold" : "resumed", remote ? "by the other side" : "");
}

static void on_mute(struct ui_model *m, const struct event *ev)
{
	struct ui_call *c = event_call(m, ev, false);

	if (c)
		ui_model_msg(m, "call %s: microphone %s", c->remote,
			     c->muted ? "muted (the other side hears silence)" : "on again");
}

static void on_dtmf(struct ui_model *m, const struct event *ev)
{
	struct ui_call *c = event_call(m, ev, false);
	const char *s = event_get_str(ev, "digit");

	if (c)
		ui_model_msg(m, "DTMF received from %s: %s", c->remote, s ? s : "?");
}

static void on_ended(struct ui_model *m, const struct event *ev)
{
	struct ui_call *c = event_call(m, ev, false);
	long long st = event_get_int(ev, "status", 0);
	const char *s = event_get_str(ev, "reason");

	if (!c)
		return;
	c->ended = true;
	c->t_ended = loop_now_ms();
	/* the selection follows to a call that is still up */
	if (ui_model_sel(m) == c && ui_model_live(m))
		ui_model_select_step(m, 1, true);
	copy(c->reason, sizeof(c->reason), s ? s : "");
	copy(c->state, sizeof(c->state), "ended");
	if (c->incoming && !c->established)
		m->banner[0] = '\0';
	if (st)
		ui_model_msg(m, "call %s ended: %s (%lld)", c->remote, s ? s : "", st);
	else
		ui_model_msg(m, "call %s ended%s%s", c->remote, s ? ": " : "", s ? s : "");
	/* the far end's own words (Reason, Warning), already made printable and capped by the core */
	if ((s = event_get_str(ev, "remote_reason")) && *s)
		ui_model_msg(m, "  far end's Reason: %s", s);
	if ((s = event_get_str(ev, "remote_warning")) && *s)
		ui_model_msg(m, "  far end's Warning: %s", s);
}

/* a transfer's steps: "transferred by X to Y" when the far end moves us, "transfer to Y: ..." when we move it */
static void on_transfer(struct ui_model *m, const struct event *ev)
{
	struct ui_call *c = event_call(m, ev, false);
	const char *role = event_get_str(ev, "role"), *state = event_get_str(ev, "state");
	const char *target = event_get_str(ev, "target"), *by = event_get_str(ev, "by");
	const char *why = event_get_str(ev, "reason");
	long long st = event_get_int(ev, "status", 0);
	const char *who = c ? c->remote : "?";

	if (!role || !state)
		return;
	target = target ? target : "?";
	if (!strcmp(role, "transferee")) {
		if (!strcmp(state, "requested") || !strcmp(state, "trying"))
			banner(m, UI_BANNER_CALL, "transferred by %s to %s", by ? by : who, target);
		ui_model_msg(m, "call %s: transferred by %s to %s: %s%s%s", who, by ? by : who, target, state,
			     why ? ": " : "", why ? why : "");
		return;
	}
	if (!strcmp(state, "failed"))
		banner(m, UI_BANNER_WARN, "transfer of %s to %s failed%s%s", who, target, why ? ": " : "", why ? why : "");
	if (st)
		ui_model_msg(m, "call %s: transfer to %s %s (%lld)", who, target, state, st);
	else
		ui_model_msg(m, "call %s: transfer to %s %s", who, target, state);
}

/* "call" (a call's status: levels, jitter buffer, loss, hold), and any event this table does not name */
static void on_call(struct ui_model *m, const struct event *ev)
{
	event_call(m, ev, false);
}

typedef void(ui_model_event_h)(struct ui_model *m, const struct event *ev);

/*
 * One handler per event kind, indexed by it. Sized by the enum: a kind added to event.h fails this
 * file's build until it has a line here (on_call shows a kind the view has no use for as a line).
 */
static ui_model_event_h *const handlers[] = {
	[EVENT_REGISTERING] = on_registering,
	[EVENT_REGISTERED] = on_registered,
	[EVENT_REGISTRATION_FAILED] = on_registration_failed,
	[EVENT_UNREGISTERED] = on_unregistered,
	[EVENT_STATUS] = on_registered,
	[EVENT_ERROR] = on_error,
	[EVENT_INCOMING] = on_incoming,
	[EVENT_RINGING] = on_ringing,
	[EVENT_PROGRESS] = on_ringing,
	[EVENT_ESTABLISHED] = on_established,
	[EVENT_SECURITY] = on_security,
	[EVENT_DTMF] = on_dtmf,
	[EVENT_HOLD] = on_hold,
	[EVENT_MUTE] = on_mute,
	[EVENT_WARNING] = on_warning,
	[EVENT_CALL] = on_call,
	[EVENT_ENDED] = on_ended,
	[EVENT_HELP] = on_call,
	[EVENT_DEMO] = on_call,
	[EVENT_HISTORY] = on_call,
	[EVENT_MISSED] = on_call,
	[EVENT_MWI] = on_call,
	[EVENT_TRANSFER] = on_transfer,
};
_Static_assert(sizeof(handlers) / sizeof(handlers[0]) == EVENT_KIND_COUNT,
	       "ui_model.c: every event kind (event.h) needs its handler in handlers[]");

void ui_model_event(struct ui_model *m, const struct event *ev)
{
	m->dirty = true;
	if ((unsigned)ev->kind < EVENT_KIND_COUNT && handlers[ev->kind])
		handlers[ev->kind](m, ev);
	else
		on_call(m, ev);
}
