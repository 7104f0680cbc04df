/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ui_model.c: the UA's events turned into the full-screen UI's view state; no terminal code here. */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "event.h"
#include "log.h"
#include "loop.h"
#include "ui_model.h"
#include "ui_text.h"

static void copy(char *dst, size_t sz, const char *src)
{
	snprintf(dst, sz, "%s", src ? src : "");
}

void ui_ring_add(struct ui_ring *r, const char *s)
{
	size_t i = (r->head + r->n) % r->cap;

	snprintf(r->line[i], UI_LINE_LEN, "%s", s);
	if (r->n < r->cap) {
		r->n++;
	} else {
		r->head = (r->head + 1) % r->cap;
		r->gone++;
	}
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
	ui_history_init(&m->hist);
	ui_devices_init(&m->devs);
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
	/* an event with the call's key exchange says where its ZRTP SAS stands (call_media_zrtp_fields) */
	if (event_get_str(ev, "key_exchange"))
		c->sas_pending = (s = event_get_str(ev, "zrtp_cache")) && strcmp(s, "verified") &&
				 !event_get_str(ev, "sas_confirmed");
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

/* Adds a line; its text through the log's redaction (events carry peer-chosen text), blanks for tabs and line ends. */
static struct ui_vline *vline(struct ui_model *m, const char *label, bool bad, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static struct ui_vline *vline(struct ui_model *m, const char *label, bool bad, const char *fmt, ...)
{
	struct ui_vline *v;
	char tmp[UI_LINE_LEN];
	va_list ap;
	size_t i;

	if (m->nverify >= UI_VERIFY_LINES)
		return NULL;
	v = &m->verify[m->nverify++];
	memset(v, 0, sizeof(*v));
	copy(v->label, sizeof(v->label), label);
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	log_redact(v->text, sizeof(v->text), tmp, strlen(tmp));
	for (i = 0; v->text[i]; i++)
		if (v->text[i] == '\t' || v->text[i] == '\r' || v->text[i] == '\n')
			v->text[i] = ' ';
	v->bad = bad;
	return v;
}

/* Words for the parts of a field's name: abbreviations spelt out, acronyms in capitals. */
static const struct {
	const char *part, *word;
} label_words[] = {
	{ "rtp", "RTP" },   { "srtp", "SRTP" }, { "rtcp", "RTCP" }, { "tls", "TLS" },
	{ "sas", "SAS" },   { "sip", "SIP" },   { "sdp", "SDP" },   { "zrtp", "ZRTP" },
	{ "dtmf", "DTMF" }, { "ice", "ICE" },   { "uri", "URI" },   { "id", "ID" },
	{ "ip", "IP" },     { "jb", "jitter buffer" }, { "ms", "(ms)" }, { "pct", "(%)" },
	{ "tx", "sent" },   { "rx", "received" }, { "aec", "echo canceller" }, { "pkts", "packets" },
};

/*
 * The label of a field the report has no line of its own for (a newer core's):
 * "jb_delay_ms" -> "Jitter buffer delay (ms)", "rtp_lost" -> "RTP lost".
 */
static void label_of(const char *key, char *out, size_t sz)
{
	/* phrases where the words one by one would say less (the ZRTP fields) */
	static const struct {
		const char *key, *label;
	} known[] = {
		{ "key_exchange", "Keys from" },
		{ "zrtp_error", "ZRTP failed" },
		{ "zrtp_verified_here", "SAS confirmed here before" },
		{ "zrtp_auth", "ZRTP SRTP tag" },
		{ "zrtp_peer", "ZRTP peer client" },
		{ "zrtp_peer_pbx", "ZRTP peer is a PBX" },
		{ "sas_confirmed", "SAS confirmed now" },
	};
	size_t pos = 0;

	for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
		if (!strcmp(key, known[k].key)) {
			snprintf(out, sz, "%s", known[k].label);
			return;
		}
	}
	out[0] = '\0';
	while (*key && pos + 1 < sz) {
		size_t n = strcspn(key, "_"), i;
		const char *w = NULL;

		for (i = 0; i < sizeof(label_words) / sizeof(label_words[0]); i++)
			if (strlen(label_words[i].part) == n && !strncasecmp(key, label_words[i].part, n))
				w = label_words[i].word;
		pos += (size_t)snprintf(out + pos, sz - pos, "%s%.*s", pos ? " " : "", (int)(w ? strlen(w) : n),
					w ? w : key);
		if (pos >= sz)
			pos = sz - 1;
		key += n;
		while (*key == '_')
			key++;
	}
	if (islower((unsigned char)out[0]))
		out[0] = (char)toupper((unsigned char)out[0]);
}

/* A field's text the report shows in the alarm colour (a failed ZRTP exchange, a SAS mismatch, ...). */
static bool alarming(const char *key, const char *s)
{
	return !strcmp(key, "zrtp_error") || strstr(s, "NOT ") || strstr(s, "WARNING") || strstr(s, "ATTACK") ||
	       strstr(s, "MISMATCH");
}

/* The fields the report lays out itself; any other gets a line of its own (label_of). */
static bool used_key(const char *k)
{
	static const char *const keys[] = {
		"call", "account", "peer", "sas", "sas_note", "sas_method", "sas_digits", "signalling",
		"tls_version", "tls_cipher", "peer_subject", "peer_fingerprint", "tls_verified", "tls_note",
		"tls_hop", "srtp", "srtp_tx", "srtp_rx", "packets_protected", "packets_unprotected",
		"auth_failures", "replay_failures", "malformed_dropped", "plaintext_sent", "plaintext_received",
		"codec", "ptime", "remote_media", "local_media", "rtp_sent", "rtp_received", "rtp_lost", "jitter_ms",
		"jb_delay_ms", "jb_lost", "jb_late", "concealed", "media", "warning", "key_exchange", "jb_target_ms",
		"play_depth", "play_dry", "play_overflow", "public_media", NULL
	};
	const char *const *x;

	for (x = keys; *x; x++)
		if (!strcmp(*x, k))
			return true;
	return false;
}

static const char *str_or(const struct event *ev, const char *key, const char *dflt)
{
	const char *s = event_get_str(ev, key);

	return s && *s ? s : dflt;
}

static bool bool_of(const struct event *ev, const char *key)
{
	const struct event_field *f = event_get(ev, key);

	return f && f->type == EVENT_BOOL && f->i;
}

/* The signalling part of the report: the hop, its TLS, the certificate. */
static void verify_signalling(struct ui_model *m, const struct event *ev)
{
	const char *sig = str_or(ev, "signalling", "none"), *s;
	bool tls_ok = bool_of(ev, "tls_verified");

	if (!event_get_str(ev, "tls_version") || !*event_get_str(ev, "tls_version")) {
		vline(m, "Signalling", true, "%s: NOT protected by TLS", sig);
		if ((s = str_or(ev, "tls_note", NULL)) && strstr(s, "NOT protected by TLS") == NULL)
			vline(m, "", false, "%s", s);
		return;
	}
	vline(m, "Signalling", false, "%s %s %s", sig, event_get_str(ev, "tls_version"),
	      str_or(ev, "tls_cipher", ""));
	vline(m, "Certificate", !tls_ok, "%s: %s", tls_ok ? "verified" : "NOT verified",
	      str_or(ev, "peer_subject", "?"));
	if ((s = str_or(ev, "tls_note", NULL)))
		vline(m, "", false, "%s", s);
	if ((s = str_or(ev, "peer_fingerprint", NULL)))
		vline(m, "SHA-256", false, "%s", s);
	if ((s = str_or(ev, "tls_hop", NULL)))
		vline(m, "Next hop", false, "%s", s);
}

/* The media part: SRTP, codec, counters, how the path treats the audio. */
static void verify_media(struct ui_model *m, const struct event *ev)
{
	const char *tx = str_or(ev, "srtp_tx", "none"), *rx = str_or(ev, "srtp_rx", "none"), *s;
	long long ps, pr, bad;

	if ((s = str_or(ev, "media", NULL)))
		vline(m, "Media", false, "%s", s);
	else if (bool_of(ev, "srtp") && !strcmp(tx, rx))
		vline(m, "Media", false, "SRTP %s both ways", tx);
	else if (bool_of(ev, "srtp"))
		vline(m, "Media", false, "SRTP sent %s, received %s", tx, rx);
	else
		vline(m, "Media", true, "NOT encrypted (plain RTP)");
	if ((s = str_or(ev, "key_exchange", NULL)))
		vline(m, "Keys from", alarming("key_exchange", s), "%s", s);
	if ((s = str_or(ev, "codec", NULL)))
		vline(m, "Codec", false, "%s, %lld ms packets", s, event_get_int(ev, "ptime", 0));
	/* both ends of the path: behind a NAT, a private address here is what the far end cannot reach */
	if ((s = str_or(ev, "local_media", NULL)) && str_or(ev, "public_media", NULL))
		vline(m, "Media path", false, "%s (here) -> %s (public, STUN) -> %s", s, str_or(ev, "public_media", "?"),
		      str_or(ev, "remote_media", "?"));
	else if ((s = str_or(ev, "local_media", NULL)))
		vline(m, "Media path", false, "%s (here) -> %s", s, str_or(ev, "remote_media", "?"));
	else if ((s = str_or(ev, "remote_media", NULL)))
		vline(m, "Remote media", false, "%s", s);
	if (event_get(ev, "packets_protected"))
		vline(m, "Packets", false, "protected %lld, unprotected %lld", event_get_int(ev, "packets_protected", 0),
		      event_get_int(ev, "packets_unprotected", 0));
	bad = event_get_int(ev, "auth_failures", 0) + event_get_int(ev, "replay_failures", 0);
	if (event_get(ev, "auth_failures"))
		vline(m, "Dropped", bad > 0, "auth failures %lld, replayed %lld, malformed %lld",
		      event_get_int(ev, "auth_failures", 0), event_get_int(ev, "replay_failures", 0),
		      event_get_int(ev, "malformed_dropped", 0));
	ps = event_get_int(ev, "plaintext_sent", -1);
	pr = event_get_int(ev, "plaintext_received", -1);
	if (ps >= 0 || pr >= 0)
		vline(m, "Plaintext", ps > 0 || pr > 0, "RTP sent %lld, received %lld%s", ps, pr,
		      ps > 0 || pr > 0 ? "   NOT all media was encrypted" : "");
	if (event_get(ev, "rtp_lost"))
		vline(m, "RTP lost", false, "%lld packets", event_get_int(ev, "rtp_lost", 0));
	if (event_get(ev, "jitter_ms"))
		vline(m, "Jitter", false, "%lld ms", event_get_int(ev, "jitter_ms", 0));
	if (event_get(ev, "jb_delay_ms")) {
		char target[48] = ""; /* a core that reports the buffer's target (jb_target_ms) */

		if (event_get(ev, "jb_target_ms"))
			snprintf(target, sizeof(target), " (target %lld ms)", event_get_int(ev, "jb_target_ms", 0));
		vline(m, "Jitter buffer", false, "delay %lld ms%s, lost %lld, late %lld",
		      event_get_int(ev, "jb_delay_ms", 0), target, event_get_int(ev, "jb_lost", 0),
		      event_get_int(ev, "jb_late", 0));
	}
	/* the sound card's playout ring (paced by a full-duplex card; 0 queued: paced by the media clock) */
	if (event_get(ev, "play_depth"))
		vline(m, "Playout", false,
		      "%lld frames queued, ran dry %lld, overflowed %lld", event_get_int(ev, "play_depth", 0),
		      event_get_int(ev, "play_dry", 0), event_get_int(ev, "play_overflow", 0));
	if (event_get(ev, "concealed"))
		vline(m, "Concealed", false, "%lld frames of lost audio", event_get_int(ev, "concealed", 0));
}

/* The "security" event laid out to read (the same content as the headless `verify`). */
static void verify_from_event(struct ui_model *m, const struct event *ev)
{
	const struct event_field *f;
	const char *s;
	unsigned i;

	verify_clear(m);
	m->verify_from_call = true;
	if ((s = str_or(ev, "warning", NULL)))
		vline(m, "WARNING", true, "%s", s);
	if ((s = str_or(ev, "sas", NULL))) {
		vline(m, "SAS", false, "%s   (%s)", s, str_or(ev, "sas_method", "?"));
		if ((s = str_or(ev, "sas_note", NULL)))
			vline(m, "", false, "%s", s);
	} else {
		vline(m, "SAS", true, "none: the call has NOT got SRTP keys");
	}
	verify_signalling(m, ev);
	verify_media(m, ev);
	for (i = 0; i < ev->n; i++) {
		char label[48];

		f = &ev->f[i];
		if (used_key(f->key))
			continue;
		label_of(f->key, label, sizeof(label));
		if (f->type == EVENT_STR)
			vline(m, label, alarming(f->key, f->s), "%s", f->s);
		else if (f->type == EVENT_BOOL)
			vline(m, label, false, "%s", f->i ? "yes" : "no");
		else
			vline(m, label, false, "%lld", f->i);
	}
}

void ui_model_verify_accounts(struct ui_model *m)
{
	struct ui_vline *v;
	size_t i;

	if (m->verify_from_call)
		return;
	verify_clear(m);
	v = vline(m, "", false, "No call yet: the media part of the report (SRTP suites, packet counts, the short "
				"authentication string) appears once a call is established. Signalling:");
	if (v)
		v->para = true;
	for (i = 0; i < m->nacc; i++) {
		const struct ui_acc *a = &m->acc[i];

		vline(m, "Account", false, "%s: %s", a->name, a->state);
		if (a->have_tls) {
			vline(m, "TLS", false, "%s %s", a->tls_version, a->cipher);
			vline(m, "Certificate", !a->verified, "%s", a->verified ? "verified" : "NOT verified");
		} else if (a->known) {
			vline(m, "Transport", true, "%s: NOT protected by TLS", a->transport[0] ? a->transport : "none");
		}
	}
}

/* ---- the status bar and the call list's columns ---- */

static int width_of(const char *s, bool utf8)
{
	return ui_text_width(s, strlen(s), utf8);
}

/* How much of the status bar form f (0: all of it) says about account a. */
static void status_form(const struct ui_acc *a, size_t nacc, int f, bool utf8, struct ui_status *s)
{
	const char *state = strcmp(a->state, "failed") ? (a->state[0] ? a->state : "starting") : "NOT registered";
	const char *warn = utf8 ? "⚠" : "!!";

	if (f < 4)
		snprintf(s->left, sizeof(s->left), " %s %s %s", a->name, utf8 ? "│" : "|", state);
	else if (f < 6)
		snprintf(s->left, sizeof(s->left), " %s", state);
	else
		s->left[0] = '\0';
	s->more[0] = '\0';
	if (f == 0 && nacc > 1)
		snprintf(s->more, sizeof(s->more), " +%zu account%s", nacc - 1, nacc > 2 ? "s" : "");
	if (!strcmp(a->state, "failed") && a->reason[0]) {
		/* why, in the bar itself: a failed TLS check or a wrong password is the first thing to see */
		s->kind = UI_SEC_BAD;
		snprintf(s->sec, sizeof(s->sec), " %s %s ", utf8 ? "✘" : "X", a->reason);
	} else if (!a->known) {
		s->kind = UI_SEC_NONE;
		snprintf(s->sec, sizeof(s->sec), "%s", f < 3 ? "signalling: not connected" : "not connected");
	} else if (a->have_tls && a->verified) {
		s->kind = UI_SEC_OK;
		snprintf(s->sec, sizeof(s->sec), " %s %s%s%s%sverified ", utf8 ? "🔒" : "[TLS]", f < 3 ? a->tls_version : "",
			 f < 3 ? " " : "", f < 2 ? a->cipher : "", f < 2 ? " " : "");
	} else if (a->have_tls) {
		s->kind = UI_SEC_WARN;
		snprintf(s->sec, sizeof(s->sec), " %s %s%s%s%sUNVERIFIED%s ", warn, f < 3 ? a->tls_version : "",
			 f < 3 ? " " : "", f < 2 ? a->cipher : "", f < 2 ? " " : "", f < 5 ? " certificate" : "");
	} else {
		s->kind = UI_SEC_BAD;
		snprintf(s->sec, sizeof(s->sec), " %s PLAINTEXT%s%s%s ", warn, f < 5 ? " signalling (" : "",
			 f < 5 ? (a->transport[0] ? a->transport : "no TLS") : "", f < 5 ? ")" : "");
	}
}

void ui_model_status(const struct ui_model *m, int width, bool utf8, struct ui_status *s)
{
	const struct ui_acc *a = m->nacc ? &m->acc[0] : NULL;
	size_t i;
	int f;

	memset(s, 0, sizeof(*s));
	/* the first registered account, else the first */
	for (i = 0; i < m->nacc; i++)
		if (!strcmp(m->acc[i].state, "registered")) {
			a = &m->acc[i];
			break;
		}
	if (!a) {
		snprintf(s->left, sizeof(s->left), " sphone %s no account registered yet", utf8 ? "│" : "|");
		return;
	}
	if (!strcmp(a->state, "failed") && a->reason[0]) {
		/* "NOT registered" stays; the reason gets what is left (cut when drawn) */
		status_form(a, m->nacc, 1, utf8, s);
		if (width_of(s->left, utf8) + 13 > width)
			status_form(a, m->nacc, 4, utf8, s);
		return;
	}
	for (f = 0; f < 7; f++) {
		status_form(a, m->nacc, f, utf8, s);
		if (width_of(s->left, utf8) + 1 + width_of(s->sec, utf8) + width_of(s->more, utf8) <= width)
			return;
	}
}

void ui_model_columns(int width, struct ui_cols *c)
{
	/* what the width beyond the minimum goes to, in turn; each only once the one before it is whole */
	static const struct {
		size_t off; /* the column (offsetof struct ui_cols) */
		int w;      /* columns it takes, its gap included */
		bool grow;  /* the remote party: takes what there is, up to w */
	} stages[] = {
		{ offsetof(struct ui_cols, state), 12, false },  /* "established" */
		{ offsetof(struct ui_cols, remote), 6, true },
		{ offsetof(struct ui_cols, time), 9, false },    /* "99:59:59" */
		{ offsetof(struct ui_cols, codec), 6, false },
		{ offsetof(struct ui_cols, remote), 8, true },
		{ offsetof(struct ui_cols, flags), 11, false },  /* "HOLD MUTED" */
		{ offsetof(struct ui_cols, remote), 20, true },
	};
	int avail;
	size_t i;

	memset(c, 0, sizeof(*c));
	c->mark = 3;
	c->srtp = 13; /* "[S] AES128/80", "🔒 AES256GCM": never dropped */
	c->remote = 10;
	avail = width - c->mark - c->remote - 1 - c->srtp;
	if (avail < 0)
		c->remote = c->remote + avail > 1 ? c->remote + avail : 1;
	for (i = 0; i < sizeof(stages) / sizeof(stages[0]) && avail > 0; i++) {
		int *col = (int *)((char *)c + stages[i].off);

		if (stages[i].grow) {
			int more = avail < stages[i].w ? avail : stages[i].w;

			*col += more;
			avail -= more;
			if (more < stages[i].w)
				break;
		} else if (avail >= stages[i].w) {
			*col = stages[i].w - 1;
			avail -= stages[i].w;
		} else {
			break;
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

/* What the network did under the phone: a line in the log pane, with the figures it reports. */
static void on_network(struct ui_model *m, const struct event *ev)
{
	const char *ch = event_get_str(ev, "change"), *msg = event_get_str(ev, "message");
	long long gap = event_get_int(ev, "gap_ms", -1);

	if (gap >= 0)
		ui_model_msg(m, "network: %s: %s (audio gap %lld ms)", ch ? ch : "?", msg ? msg : "", gap);
	else
		ui_model_msg(m, "network: %s: %s", ch ? ch : "?", msg ? msg : "");
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
		if (c)
			c->xfer_ask = !strcmp(state, "ask");
		if (c && c->xfer_ask) {
			banner(m, UI_BANNER_CALL, "%s asks to transfer you to %s: T take, R refuse", by ? by : who, target);
		} else if (!strcmp(state, "declined")) {
			banner(m, UI_BANNER_WARN, "declined a transfer by %s to %s: %s", by ? by : who, target,
			       why ? why : "");
		}
		if (!strcmp(state, "requested") || !strcmp(state, "trying"))
			banner(m, UI_BANNER_CALL, "transferred by %s to %s", by ? by : who, target);
		else if (!strcmp(state, "refused"))
			banner(m, UI_BANNER_WARN, "refused a transfer by %s to %s (accept_transfer = no)", by ? by : who,
			       target);
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

/* history and missed: the history pane and the status bar's count (a listing would flood the messages) */
static void on_history(struct ui_model *m, const struct event *ev)
{
	ui_history_event(&m->hist, ev);
}

/* the voicemail indicator: the status bar's count, and a line when it changes */
static void on_mwi(struct ui_model *m, const struct event *ev)
{
	const char *acc = event_get_str(ev, "account");
	long long nnew = event_get_int(ev, "new", 0), old = event_get_int(ev, "old", 0);
	const struct event_field *w = event_get(ev, "waiting");

	for (size_t i = 0; i < m->hist.nmwi; i++)
		if (acc && !strcmp(m->hist.mwi[i].account, acc) && m->hist.mwi[i].new_msgs == nnew &&
		    m->hist.mwi[i].old_msgs == old && m->hist.mwi[i].waiting == (w && w->i)) {
			ui_history_event(&m->hist, ev);
			return;
		}
	ui_history_event(&m->hist, ev);
	ui_model_msg(m, "voicemail%s%s: %s, %lld new, %lld old", acc ? " of " : "", acc ? acc : "",
		     w && w->i ? "messages waiting" : "none waiting", nnew, old);
}

/* the sound devices: the pane's list; a switch also as a line (the pane may be closed) */
static void on_devices(struct ui_model *m, const struct event *ev)
{
	ui_devices_event(&m->devs, ev);
	if (ev->kind == EVENT_AUDIO && event_get(ev, "switch_ms")) {
		char use[300];

		ui_devices_in_use(&m->devs, use, sizeof(use));
		ui_model_msg(m, "audio: %s (%s)", use, m->devs.result);
	} else if (ev->kind == EVENT_AUDIO && event_get_str(ev, "list_error")) {
		ui_model_msg(m, "audio: %s", event_get_str(ev, "list_error"));
	}
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
	[EVENT_HISTORY] = on_history,
	[EVENT_MISSED] = on_history,
	[EVENT_MWI] = on_mwi,
	[EVENT_TRANSFER] = on_transfer,
	[EVENT_NETWORK] = on_network,
	[EVENT_DEVICE] = on_devices,
	[EVENT_AUDIO] = on_devices,
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
