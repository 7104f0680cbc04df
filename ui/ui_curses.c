/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ui_curses.c: full-screen front end: status bar, call list, dial line, verify view, log pane (the only ncurses user). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>

#include "account.h"
#include "event.h"
#include "log.h"
#include "loop.h"
#include "ua.h"
#include "ui_curses.h"
#include "ui_dial.h"

#define MAX_CALLS 8
#define MAX_ACCS 8
#define MSG_LINES 200
#define LOG_LINES 400
#define LINE_LEN 512
#define VERIFY_LINES 64
#define MAX_CONTACTS 128
#define TICK_MS 200
#define ENDED_LINGER_MS 4000
#define QUIT_TIMEOUT_MS 2000

enum mode { MODE_NORMAL, MODE_DIAL, MODE_CMD, MODE_CONFIRM_QUIT, MODE_HELP };
enum pane { PANE_MSGS, PANE_LOG, PANE_VERIFY };
enum { CP_OK = 1, CP_WARN, CP_BAD, CP_BAR, CP_SEL, CP_DIM, CP_BANNER };

struct ucall {
	bool used;
	char id[32];
	char remote[256];
	char state[32];
	char codec[16];
	char suite_tx[48], suite_rx[48];
	char reason[128];
	bool incoming, established, encrypted, hold, remote_hold, ended, muted;
	uint64_t t_created, t_est, t_ended, t_dur_end;
	int mic, spk;      /* 0..100, -1 unknown */
	long jb_ms;        /* -1 unknown */
	long loss_pm;      /* packet loss, per mille; -1 unknown */
};

struct uacc {
	char name[64];
	char uri[256];
	char state[32];
	char transport[8];
	char tls_version[16];
	char cipher[64];
	char reason[192];
	bool have_tls, verified, known;
	long expires;
};

struct textring {
	char line[LOG_LINES][LINE_LEN];
	size_t head, n, cap;
};

struct ui {
	struct loop *l;
	bool own_loop;
	struct ua *ua;
	struct account_conf *conf;
	const struct ui_curses_opts *o;
	struct tmr tick;
	struct loop_wake *winch;
	bool utf8, color, curses_on, quitting, dirty, stdin_on;
	uint64_t last_sec;

	struct uacc acc[MAX_ACCS];
	size_t nacc;
	char aor[256];

	struct ucall calls[MAX_CALLS];
	int sel;

	enum mode mode;
	enum pane pane;
	char edit[UI_LINE_MAX];
	size_t elen;
	size_t hist_pos; /* 0: editing a fresh line; i: showing history entry i-1 */
	size_t comp_skip;
	char comp_prefix[UI_LINE_MAX];
	bool completing;
	struct ui_hist dial_hist, cmd_hist;
	char prompt_note[160];

	struct ui_contact contacts[MAX_CONTACTS];
	size_t ncontacts;

	struct textring msgs;
	struct textring log;
	pthread_mutex_t log_mtx;
	volatile int log_dirty;
	bool trace_was_on;
	int log_scroll;

	char verify[VERIFY_LINES][LINE_LEN];
	size_t nverify;
	bool verify_from_call;

	char banner[256];
	int banner_cp;
	bool dial_pending;
	bool status_asked; /* the user typed "status": show the answers as messages */
};

static volatile sig_atomic_t winch_pending;
static struct loop_wake *winch_wake;

/* ---- small helpers ---- */

static void ring_add(struct textring *r, const char *s)
{
	size_t i = (r->head + r->n) % r->cap;

	snprintf(r->line[i], LINE_LEN, "%s", s);
	if (r->n < r->cap)
		r->n++;
	else
		r->head = (r->head + 1) % r->cap;
}

static const char *ring_at(const struct textring *r, size_t i)
{
	return r->line[(r->head + i) % r->cap];
}

static void msg(struct ui *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void msg(struct ui *u, const char *fmt, ...)
{
	char line[LINE_LEN], out[LINE_LEN];
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
	ring_add(&u->msgs, out);
	u->dirty = true;
}

static const char *g(const struct ui *u, const char *utf, const char *ascii)
{
	return u->utf8 ? utf : ascii;
}

/* Display columns of the first `bytes` of s (UTF-8 aware when the locale is). */
static int cols_of(const struct ui *u, const char *s, size_t bytes)
{
	mbstate_t st;
	size_t i = 0;
	int w = 0;

	if (!u->utf8)
		return (int)bytes;
	memset(&st, 0, sizeof(st));
	while (i < bytes) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s + i, bytes - i, &st);
		int cw;

		if (k == (size_t)-1 || k == (size_t)-2) {
			memset(&st, 0, sizeof(st));
			k = 1;
			cw = 1;
		} else {
			if (k == 0)
				break;
			cw = wcwidth(wc);
			if (cw < 0)
				cw = 1;
		}
		w += cw;
		i += k;
	}
	return w;
}

/* Puts s at (y, x), cut to at most maxw display columns; returns the columns used. */
static int uput(const struct ui *u, int y, int x, int maxw, const char *s)
{
	mbstate_t st;
	size_t i = 0, len = strlen(s);
	int w = 0;

	if (maxw <= 0)
		return 0;
	if (!u->utf8) {
		size_t n = len < (size_t)maxw ? len : (size_t)maxw;
		char tmp[LINE_LEN * 2];
		size_t k;

		if (n >= sizeof(tmp))
			n = sizeof(tmp) - 1;
		for (k = 0; k < n; k++)
			tmp[k] = (s[k] & 0x80) || (unsigned char)s[k] < 0x20 ? '?' : s[k];
		tmp[n] = '\0';
		mvaddstr(y, x, tmp);
		return (int)n;
	}
	memset(&st, 0, sizeof(st));
	while (i < len) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s + i, len - i, &st);
		int cw;

		if (k == (size_t)-1 || k == (size_t)-2 || k == 0)
			break;
		cw = wcwidth(wc);
		if (cw < 0)
			break;
		if (w + cw > maxw)
			break;
		w += cw;
		i += k;
	}
	mvaddnstr(y, x, s, (int)i);
	return w;
}

#define MSG_INDENT 9 /* under the text after "HH:MM:SS " */

/* Bytes of s that fit in maxw columns, cut at a space when the line has to wrap. */
static size_t fit_bytes(const struct ui *u, const char *s, int maxw)
{
	size_t len = strlen(s), i = 0, last_space = 0;
	mbstate_t st;
	int w = 0;

	memset(&st, 0, sizeof(st));
	while (i < len) {
		wchar_t wc;
		size_t k = u->utf8 ? mbrtowc(&wc, s + i, len - i, &st) : 1;
		int cw = 1;

		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&st, 0, sizeof(st));
			k = 1;
		} else if (u->utf8) {
			cw = wcwidth(wc) < 0 ? 1 : wcwidth(wc);
		}
		if (w + cw > maxw)
			return last_space > 0 && i - last_space < 30 ? last_space : (i ? i : k);
		if (s[i] == ' ')
			last_space = i;
		w += cw;
		i += k;
	}
	return len;
}

static int msg_rows(const struct ui *u, const char *m, int W)
{
	int r = 0, x = 0;

	while (*m) {
		m += fit_bytes(u, m, W - x);
		while (*m == ' ')
			m++;
		x = MSG_INDENT;
		r++;
	}
	return r ? r : 1;
}

static void fill(int y, int x, int n)
{
	int i;

	for (i = 0; i < n; i++)
		mvaddch(y, x + i, ' ');
}

static void ui_attr_on(const struct ui *u, int cp, attr_t mono)
{
	if (u->color)
		attron(COLOR_PAIR(cp));
	else
		attron(mono);
}

static void ui_attr_off(const struct ui *u, int cp, attr_t mono)
{
	if (u->color)
		attroff(COLOR_PAIR(cp));
	else
		attroff(mono);
}

static void copy(char *dst, size_t sz, const char *src)
{
	snprintf(dst, sz, "%s", src ? src : "");
}

/* ---- calls and accounts from events ---- */

static void ev_call_id(const struct event *ev, char *id, size_t sz)
{
	static const char *const keys[] = { "call", "call_id", "id", NULL };
	const char *const *k;

	id[0] = '\0';
	for (k = keys; *k; k++) {
		const struct event_field *f = event_get(ev, *k);

		if (!f)
			continue;
		if (f->type == EVENT_STR)
			copy(id, sz, f->s);
		else
			snprintf(id, sz, "%lld", f->i);
		return;
	}
}

static struct ucall *call_find(struct ui *u, const char *id)
{
	int i;

	for (i = 0; i < MAX_CALLS; i++)
		if (u->calls[i].used && !strcmp(u->calls[i].id, id))
			return &u->calls[i];
	/* a front end of a UA without call ids: the one live call */
	if (!*id)
		for (i = 0; i < MAX_CALLS; i++)
			if (u->calls[i].used && !u->calls[i].ended)
				return &u->calls[i];
	return NULL;
}

static struct ucall *call_new(struct ui *u, const char *id)
{
	int i;

	for (i = 0; i < MAX_CALLS; i++) {
		struct ucall *c = &u->calls[i];

		if (!c->used) {
			memset(c, 0, sizeof(*c));
			c->used = true;
			copy(c->id, sizeof(c->id), id);
			c->t_created = loop_now_ms();
			c->mic = c->spk = -1;
			c->jb_ms = c->loss_pm = -1;
			copy(c->state, sizeof(c->state), "calling");
			u->sel = i;
			return c;
		}
	}
	return NULL;
}

static int ncalls_live(const struct ui *u)
{
	int i, n = 0;

	for (i = 0; i < MAX_CALLS; i++)
		if (u->calls[i].used && !u->calls[i].ended)
			n++;
	return n;
}

static struct ucall *call_sel(struct ui *u)
{
	if (u->sel >= 0 && u->sel < MAX_CALLS && u->calls[u->sel].used)
		return &u->calls[u->sel];
	return NULL;
}

static const char *first_str(const struct event *ev, const char *const *keys)
{
	for (; *keys; keys++) {
		const char *s = event_get_str(ev, *keys);

		if (s && *s)
			return s;
	}
	return NULL;
}

static bool first_int(const struct event *ev, const char *const *keys, long long *v)
{
	for (; *keys; keys++) {
		const struct event_field *f = event_get(ev, *keys);

		if (f && f->type == EVENT_INT) {
			*v = f->i;
			return true;
		}
	}
	return false;
}

/* Level figures may come as a percentage (0..100), as 0..1000 per mille, or as dBFS (<= 0). */
static int level_pct(long long v, const char *key)
{
	if (strstr(key, "db")) {
		if (v <= -60)
			return 0;
		if (v >= 0)
			return 100;
		return (int)((v + 60) * 100 / 60);
	}
	if (v < 0)
		return 0;
	return v > 100 ? 100 : (int)v;
}

/* Copies whatever of the call's details this event carries. */
static void call_update(struct ucall *c, const struct event *ev)
{
	static const char *const k_remote[] = { "remote", "peer", "from", "to", "uri", NULL };
	static const char *const k_codec[] = { "codec", NULL };
	static const char *const k_tx[] = { "srtp_tx", "suite_tx", "srtp_suite_tx", "tx_suite", "srtp_suite",
					    "suite", NULL };
	static const char *const k_rx[] = { "srtp_rx", "suite_rx", "srtp_suite_rx", "rx_suite", "srtp_suite",
					    "suite", NULL };
	static const char *const k_mic[] = { "mic_level", "mic_pct", "mic", "mic_peak", "mic_dbfs", NULL };
	static const char *const k_spk[] = { "spk_level", "spk_pct", "speaker", "spk", "spk_peak", "spk_dbfs",
					     NULL };
	static const char *const k_jb[] = { "jb_delay_ms", "jbuf_delay_ms", "jitter_buffer_ms", "jbuf_ms",
					    "jb_ms", NULL };
	static const char *const k_loss[] = { "loss_permille", "loss_pm", NULL };
	static const char *const k_losspct[] = { "loss_pct", "loss_percent", "loss", NULL };
	const struct event_field *f;
	const char *s;
	long long v;
	unsigned i;

	if (!c->remote[0] && (s = first_str(ev, k_remote)))
		copy(c->remote, sizeof(c->remote), s);
	if ((s = first_str(ev, k_codec)))
		copy(c->codec, sizeof(c->codec), s);
	if ((s = first_str(ev, k_tx)))
		copy(c->suite_tx, sizeof(c->suite_tx), s);
	if ((s = first_str(ev, k_rx)))
		copy(c->suite_rx, sizeof(c->suite_rx), s);
	for (i = 0; k_mic[i]; i++)
		if ((f = event_get(ev, k_mic[i])) && f->type == EVENT_INT)
			c->mic = level_pct(f->i, k_mic[i]);
	for (i = 0; k_spk[i]; i++)
		if ((f = event_get(ev, k_spk[i])) && f->type == EVENT_INT)
			c->spk = level_pct(f->i, k_spk[i]);
	if (first_int(ev, k_jb, &v))
		c->jb_ms = (long)v;
	if (first_int(ev, k_loss, &v))
		c->loss_pm = (long)v;
	else if (first_int(ev, k_losspct, &v))
		c->loss_pm = (long)v * 10;
	if ((f = event_get(ev, "hold")) && f->type == EVENT_BOOL)
		c->hold = f->i;
	if ((f = event_get(ev, "on_hold")) && f->type == EVENT_BOOL)
		c->hold = f->i;
	if ((f = event_get(ev, "remote_hold")) && f->type == EVENT_BOOL)
		c->remote_hold = f->i;
	if ((f = event_get(ev, "muted")) && f->type == EVENT_BOOL)
		c->muted = f->i;
	if ((f = event_get(ev, "srtp")) && f->type == EVENT_BOOL)
		c->encrypted = f->i;
	else if ((f = event_get(ev, "encrypted")) && f->type == EVENT_BOOL)
		c->encrypted = f->i;
	else if ((c->suite_tx[0] && strcasecmp(c->suite_tx, "plain") && strcasecmp(c->suite_tx, "none")) &&
		 (c->suite_rx[0] && strcasecmp(c->suite_rx, "plain") && strcasecmp(c->suite_rx, "none")))
		c->encrypted = true;
	if ((s = event_get_str(ev, "state")) && *s && !c->ended)
		copy(c->state, sizeof(c->state), s);
}

static struct uacc *acc_get(struct ui *u, const struct event *ev)
{
	const char *name = event_get_str(ev, "account");
	size_t i;

	if (!name)
		return u->nacc ? &u->acc[0] : NULL;
	for (i = 0; i < u->nacc; i++)
		if (!strcmp(u->acc[i].name, name))
			return &u->acc[i];
	if (u->nacc == MAX_ACCS)
		return NULL;
	memset(&u->acc[u->nacc], 0, sizeof(u->acc[0]));
	copy(u->acc[u->nacc].name, sizeof(u->acc[0].name), name);
	return &u->acc[u->nacc++];
}

static void acc_flow(struct uacc *a, const struct event *ev)
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

static void verify_clear(struct ui *u)
{
	u->nverify = 0;
}

static void verify_add(struct ui *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void verify_add(struct ui *u, const char *fmt, ...)
{
	char tmp[LINE_LEN];
	va_list ap;

	if (u->nverify >= VERIFY_LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	log_redact(u->verify[u->nverify], LINE_LEN, tmp, strlen(tmp));
	u->nverify++;
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
static void verify_wrap(struct ui *u, const char *head, const char *text)
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
		verify_add(u, "%-*s%.*s", (int)hl, first ? head : "", (int)cut, text);
		first = false;
		text += cut;
		while (*text == ' ')
			text++;
	}
}

static bool used_key(const char *k)
{
	static const char *const keys[] = { "call", "account", "peer", "sas", "sas_note", "signalling",
					    "tls_version", "tls_cipher", "peer_subject", "peer_fingerprint",
					    "tls_verified", "tls_note", "srtp", "srtp_tx", "srtp_rx",
					    "packets_protected", "packets_unprotected", "auth_failures",
					    "replay_failures", "plaintext_sent", "plaintext_received", "codec",
					    "ptime", "remote_media", "rtp_sent", "rtp_received", "warning", NULL };
	const char *const *x;

	for (x = keys; *x; x++)
		if (!strcmp(*x, k))
			return true;
	return false;
}

/* The "security" event laid out to read (the same content as the headless `verify`). */
static void verify_from_event(struct ui *u, const struct event *ev)
{
	const struct event_field *f;
	const char *s, *sas = event_get_str(ev, "sas");
	bool tls_ok, srtp;
	long long ps, pr;
	unsigned i;

	verify_clear(u);
	u->verify_from_call = true;
	if ((s = event_get_str(ev, "warning")) && *s)
		verify_wrap(u, " WARNING     ", s);
	if (sas && *sas) {
		verify_add(u, " SAS         %s", sas);
		if ((s = event_get_str(ev, "sas_note")))
			verify_wrap(u, "             ", s);
	} else {
		verify_add(u, " SAS         none: the call has NOT got SRTP keys");
	}
	f = event_get(ev, "tls_verified");
	tls_ok = f && f->i;
	s = event_get_str(ev, "tls_version");
	if (s && *s) {
		verify_add(u, " Signalling  %s %s %s", event_get_str(ev, "signalling") ? event_get_str(ev, "signalling") : "",
			   s, event_get_str(ev, "tls_cipher") ? event_get_str(ev, "tls_cipher") : "");
		verify_add(u, "             certificate %s: %s", tls_ok ? "verified" : "NOT verified",
			   event_get_str(ev, "peer_subject") ? event_get_str(ev, "peer_subject") : "?");
		if ((s = event_get_str(ev, "tls_note")))
			verify_wrap(u, "             ", s);
		if ((s = event_get_str(ev, "peer_fingerprint")))
			verify_wrap(u, "             SHA-256 ", s);
	} else {
		verify_add(u, " Signalling  %s: NOT protected by TLS",
			   event_get_str(ev, "signalling") ? event_get_str(ev, "signalling") : "none");
	}
	f = event_get(ev, "srtp");
	srtp = f && f->i;
	if (srtp && event_get_str(ev, "srtp_tx") && event_get_str(ev, "srtp_rx") &&
	    !strcmp(event_get_str(ev, "srtp_tx"), event_get_str(ev, "srtp_rx")))
		verify_add(u, " Media       SRTP %s both ways", event_get_str(ev, "srtp_tx"));
	else if (srtp)
		verify_add(u, " Media       SRTP sent %s, received %s", event_get_str(ev, "srtp_tx"),
			   event_get_str(ev, "srtp_rx"));
	else
		verify_add(u, " Media       NOT encrypted (plain RTP)");
	if ((s = event_get_str(ev, "codec")))
		verify_add(u, "             %s, %lld ms packets, remote %s", s, event_get_int(ev, "ptime", 0),
			   event_get_str(ev, "remote_media") ? event_get_str(ev, "remote_media") : "?");
	if (event_get(ev, "packets_protected"))
		verify_add(u, " Packets     protected %lld, unprotected %lld, auth failures %lld, replayed %lld",
			   event_get_int(ev, "packets_protected", 0), event_get_int(ev, "packets_unprotected", 0),
			   event_get_int(ev, "auth_failures", 0), event_get_int(ev, "replay_failures", 0));
	ps = event_get_int(ev, "plaintext_sent", -1);
	pr = event_get_int(ev, "plaintext_received", -1);
	if (ps >= 0 || pr >= 0)
		verify_add(u, " Plaintext   RTP sent %lld, received %lld%s", ps, pr,
			   ps > 0 || pr > 0 ? "   NOT all media was encrypted" : "");
	for (i = 0; i < ev->n; i++) {
		char label[64];

		f = &ev->f[i];
		if (used_key(f->key))
			continue;
		label_of(f->key, label, sizeof(label));
		if (f->type == EVENT_STR)
			verify_add(u, " %-11s %s", label, f->s);
		else if (f->type == EVENT_BOOL)
			verify_add(u, " %-11s %s", label, f->i ? "yes" : "no");
		else
			verify_add(u, " %-11s %lld", label, f->i);
	}
}

/* Without a call the verify view shows what the registration tells about signalling. */
static void verify_from_accounts(struct ui *u)
{
	size_t i;

	if (u->verify_from_call)
		return;
	verify_clear(u);
	verify_add(u, "No call yet: the media part of the report (SRTP suites, packet counts, the short");
	verify_add(u, "authentication string) appears once a call is established. Signalling:");
	verify_add(u, " ");
	for (i = 0; i < u->nacc; i++) {
		const struct uacc *a = &u->acc[i];

		verify_add(u, "Account %-20s %s", a->name, a->state);
		if (a->have_tls) {
			verify_add(u, "  %-26s %s", "TLS version", a->tls_version);
			verify_add(u, "  %-26s %s", "Cipher", a->cipher);
			verify_add(u, "  %-26s %s", "Certificate verified", a->verified ? "yes" : "NO");
		} else if (a->known) {
			verify_add(u, "  %-26s %s", "Transport", a->transport[0] ? a->transport : "(none yet)");
		}
	}
}

static void start_dial(struct ui *u, const char *typed);
static void verify_selected(struct ui *u);
static void select_step(struct ui *u, int dir, bool live_only);

static void banner(struct ui *u, int cp, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void banner(struct ui *u, int cp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(u->banner, sizeof(u->banner), fmt, ap);
	va_end(ap);
	u->banner_cp = cp;
}

static void on_event(const struct event *ev, void *arg)
{
	struct ui *u = arg;
	const char *name = ev->name;
	struct ucall *c;
	struct uacc *a;
	char id[32];
	const char *s;

	u->dirty = true;
	if (!strcmp(name, "registering")) {
		if ((a = acc_get(u, ev))) {
			copy(a->state, sizeof(a->state), "registering");
			copy(a->uri, sizeof(a->uri), event_get_str(ev, "uri"));
		}
		return;
	}
	if (!strcmp(name, "registered") || !strcmp(name, "status")) {
		if (!(a = acc_get(u, ev)))
			return;
		s = event_get_str(ev, "state");
		if (!strcmp(name, "registered") || (s && !strcmp(s, "registered"))) {
			bool first = strcmp(a->state, "registered") != 0;

			copy(a->state, sizeof(a->state), "registered");
			a->expires = (long)event_get_int(ev, "expires", 0);
			acc_flow(a, ev);
			a->reason[0] = '\0';
			if (first)
				msg(u, "%s registered over %s%s%s (%s)", a->name, a->have_tls ? a->tls_version : a->transport,
				    a->have_tls ? " " : "", a->have_tls ? a->cipher : "",
				    a->verified ? "certificate verified" : "NOT verified");
			if ((s = event_get_str(ev, "warning")) && first)
				msg(u, "warning: %s", s);
			if (u->dial_pending) {
				u->dial_pending = false;
				start_dial(u, u->o->dial);
			}
		} else if (s) {
			copy(a->state, sizeof(a->state), s);
		}
		if (!strcmp(name, "status")) {
			if ((s = event_get_str(ev, "uri")))
				copy(a->uri, sizeof(a->uri), s);
			if (u->status_asked)
				msg(u, "%s: %s%s%s", a->name, a->state, a->reason[0] ? ": " : "", a->reason);
		}
		return;
	}
	if (!strcmp(name, "registration_failed")) {
		if ((a = acc_get(u, ev))) {
			copy(a->state, sizeof(a->state), "failed");
			copy(a->reason, sizeof(a->reason), event_get_str(ev, "reason"));
			msg(u, "%s: registration failed: %s (retry in %llds)", a->name, a->reason,
			    (long long)event_get_int(ev, "retry_in", 0));
		}
		return;
	}
	if (!strcmp(name, "unregistered")) {
		if ((a = acc_get(u, ev))) {
			copy(a->state, sizeof(a->state), "unregistered");
			msg(u, "%s unregistered", a->name);
		}
		return;
	}
	if (!strcmp(name, "error")) {
		s = event_get_str(ev, "message");
		msg(u, "error: %s%s%s", event_get_str(ev, "command") ? event_get_str(ev, "command") : "",
		    event_get_str(ev, "command") ? ": " : "", s ? s : "?");
		copy(u->prompt_note, sizeof(u->prompt_note), s ? s : "error");
		return;
	}
	if (!strcmp(name, "warning")) {
		s = event_get_str(ev, "message");
		msg(u, "warning: %s", s ? s : "?");
		banner(u, CP_WARN, "%s %s", g(u, "⚠", "!"), s ? s : "warning");
		return;
	}
	if (!strcmp(name, "security")) {
		verify_from_event(u, ev);
		if ((c = call_find(u, (ev_call_id(ev, id, sizeof(id)), id))))
			call_update(c, ev);
		return;
	}

	/* call events */
	ev_call_id(ev, id, sizeof(id));
	c = call_find(u, id);
	if (!strcmp(name, "incoming")) {
		if (!c)
			c = call_new(u, id);
		if (!c)
			return;
		c->incoming = true;
		copy(c->state, sizeof(c->state), "incoming");
		call_update(c, ev);
		if (account_conf_ui_bell(u->conf))
			beep();
		banner(u, CP_BANNER, "%s Incoming call from %s   a: answer   h: reject", g(u, "☎", "(("),
		       c->remote[0] ? c->remote : "unknown caller");
		msg(u, "incoming call from %s", c->remote[0] ? c->remote : "unknown caller");
		return;
	}
	if (!c && (!strcmp(name, "calling") || !strcmp(name, "ringing") || !strcmp(name, "progress") ||
		   !strcmp(name, "trying") || !strcmp(name, "established")))
		c = call_new(u, id);
	if (!c) {
		/* some other event: show it as a line */
		char line[LINE_LEN];
		size_t pos = 0;
		unsigned i;

		pos += (size_t)snprintf(line, sizeof(line), "%s", name);
		for (i = 0; i < ev->n && pos < sizeof(line); i++) {
			const struct event_field *f = &ev->f[i];

			if (f->type == EVENT_STR)
				pos += (size_t)snprintf(line + pos, sizeof(line) - pos, " %s=%s", f->key, f->s);
			else if (f->type == EVENT_BOOL)
				pos += (size_t)snprintf(line + pos, sizeof(line) - pos, " %s=%s", f->key,
							f->i ? "yes" : "no");
			else
				pos += (size_t)snprintf(line + pos, sizeof(line) - pos, " %s=%lld", f->key, f->i);
		}
		msg(u, "%s", line);
		return;
	}
	call_update(c, ev);
	if (!strcmp(name, "established")) {
		if (!c->established)
			c->t_est = loop_now_ms();
		c->established = true;
		copy(c->state, sizeof(c->state), c->hold ? "on hold" : "established");
		if (c->incoming)
			u->banner[0] = '\0';
		msg(u, "call %s established: %s, SRTP %s / %s", c->remote, c->codec[0] ? c->codec : "?",
		    c->suite_tx[0] ? c->suite_tx : "none", c->suite_rx[0] ? c->suite_rx : "none");
		if (!c->encrypted)
			banner(u, CP_BAD, "%s media of the call with %s is NOT encrypted", g(u, "⚠", "!"), c->remote);
		if (u->o->open_verify) {
			u->pane = PANE_VERIFY;
			verify_selected(u);
		}
	} else if (!strcmp(name, "ringing") || !strcmp(name, "progress") || !strcmp(name, "calling") ||
		   !strcmp(name, "trying")) {
		copy(c->state, sizeof(c->state), name);
	} else if (!strcmp(name, "hold")) {
		const struct event_field *on = event_get(ev, "on");
		const char *by = event_get_str(ev, "by");
		bool remote = by && !strcmp(by, "remote");
		bool v = !on || on->i;

		if (remote)
			c->remote_hold = v;
		else
			c->hold = v;
		copy(c->state, sizeof(c->state), c->hold ? "on hold" : "established");
		msg(u, "call %s %s %s", c->remote, v ? "put on hold" : "resumed", remote ? "by the other side" : "");
	} else if (!strcmp(name, "mute")) {
		msg(u, "call %s: microphone %s", c->remote, c->muted ? "muted (the other side hears silence)" : "on again");
	} else if (!strcmp(name, "dtmf")) {
		s = event_get_str(ev, "digit");
		if (!s)
			s = event_get_str(ev, "digits");
		msg(u, "DTMF received from %s: %s", c->remote, s ? s : "?");
	} else if (!strcmp(name, "ended")) {
		long long st = event_get_int(ev, "status", 0);

		s = event_get_str(ev, "reason");
		c->ended = true;
		c->t_ended = loop_now_ms();
		/* the selection follows to a call that is still up */
		if (call_sel(u) == c && ncalls_live(u))
			select_step(u, 1, true);
		copy(c->reason, sizeof(c->reason), s ? s : "");
		copy(c->state, sizeof(c->state), "ended");
		if (c->incoming && !c->established)
			u->banner[0] = '\0';
		if (st)
			msg(u, "call %s ended: %s (%lld)", c->remote, s ? s : "", st);
		else
			msg(u, "call %s ended%s%s", c->remote, s ? ": " : "", s ? s : "");
	}
}

/* ---- log pane ---- */

static void log_line_h(enum log_level lvl, const char *line, void *arg)
{
	struct ui *u = arg;
	char tmp[LINE_LEN];
	const char *p = line;

	/* one call per line already; a traced SIP message arrives line by line */
	pthread_mutex_lock(&u->log_mtx);
	while (*p) {
		size_t n = strcspn(p, "\n");

		if (n >= sizeof(tmp) - 3)
			n = sizeof(tmp) - 3;
		snprintf(tmp, sizeof(tmp), "%c %.*s", "EWID"[lvl < 4 ? lvl : 3], (int)n, p);
		ring_add(&u->log, tmp);
		p += n;
		if (*p == '\n')
			p++;
	}
	u->log_dirty = 1;
	pthread_mutex_unlock(&u->log_mtx);
}

/* ---- drawing ---- */

static void fmt_dur(char *out, size_t sz, uint64_t ms)
{
	unsigned long s = (unsigned long)(ms / 1000) % (100UL * 3600);

	if (s >= 3600)
		snprintf(out, sz, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(out, sz, "%02lu:%02lu", s / 60, s % 60);
}

static void draw_meter(struct ui *u, int y, int x, int cells, int pct)
{
	int i, on = pct < 0 ? 0 : (pct * cells + 50) / 100;

	for (i = 0; i < cells; i++) {
		if (i < on) {
			int cp = i >= cells * 9 / 10 ? CP_BAD : i >= cells * 7 / 10 ? CP_WARN : CP_OK;

			ui_attr_on(u, cp, A_BOLD);
			uput(u, y, x + i, 1, g(u, "█", "#"));
			ui_attr_off(u, cp, A_BOLD);
		} else {
			uput(u, y, x + i, 1, g(u, "·", "."));
		}
	}
}

static void draw_status(struct ui *u, int W)
{
	const struct uacc *a = u->nacc ? &u->acc[0] : NULL;
	char left[384], sec[256];
	int x, cp;
	attr_t mono;
	size_t i;

	/* prefer the account with a call, else the first registered one */
	for (i = 0; i < u->nacc; i++)
		if (!strcmp(u->acc[i].state, "registered")) {
			a = &u->acc[i];
			break;
		}
	ui_attr_on(u, CP_BAR, A_REVERSE);
	fill(0, 0, W);
	if (!a) {
		snprintf(left, sizeof(left), " sphone %s no account registered yet", g(u, "│", "|"));
		uput(u, 0, 0, W, left);
		ui_attr_off(u, CP_BAR, A_REVERSE);
		return;
	}
	snprintf(left, sizeof(left), " %s %s %s %s", a->name, g(u, "│", "|"),
		 strcmp(a->state, "failed") ? (a->state[0] ? a->state : "starting") : "NOT registered",
		 u->nacc > 1 ? "" : "");
	x = uput(u, 0, 0, W, left);
	if (!strcmp(a->state, "registered") && a->expires && x + 8 < W)
		x += uput(u, 0, x, W - x, "");
	ui_attr_off(u, CP_BAR, A_REVERSE);
	x++;
	if (!strcmp(a->state, "failed") && a->reason[0]) {
		/* why, in the bar itself: a failed TLS check or a wrong password is the first thing to see */
		snprintf(sec, sizeof(sec), " %s %s ", g(u, "✘", "X"), a->reason);
		ui_attr_on(u, CP_BAD, A_REVERSE);
		uput(u, 0, x, W - x, sec);
		ui_attr_off(u, CP_BAD, A_REVERSE);
		return;
	}
	if (!a->known) {
		ui_attr_on(u, CP_BAR, A_REVERSE);
		uput(u, 0, x, W - x, "signalling: not connected");
		ui_attr_off(u, CP_BAR, A_REVERSE);
		return;
	}
	if (a->have_tls && a->verified) {
		cp = CP_OK;
		mono = A_BOLD;
		snprintf(sec, sizeof(sec), " %s %s %s verified ", g(u, "🔒", "[TLS]"), a->tls_version, a->cipher);
	} else if (a->have_tls) {
		cp = CP_WARN;
		mono = A_REVERSE | A_BLINK;
		snprintf(sec, sizeof(sec), " %s %s %s UNVERIFIED certificate ", g(u, "⚠", "!!"), a->tls_version,
			 a->cipher);
	} else {
		cp = CP_BAD;
		mono = A_REVERSE | A_BLINK;
		snprintf(sec, sizeof(sec), " %s PLAINTEXT signalling (%s) ", g(u, "⚠", "!!"),
			 a->transport[0] ? a->transport : "no TLS");
	}
	ui_attr_on(u, cp, mono);
	x += uput(u, 0, x, W - x, sec);
	ui_attr_off(u, cp, mono);
	if (u->nacc > 1 && x + 12 < W) {
		char more[32];

		snprintf(more, sizeof(more), " +%zu account%s", u->nacc - 1, u->nacc > 2 ? "s" : "");
		uput(u, 0, x, W - x, more);
	}
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

static void draw_calls(struct ui *u, int y0, int rows, int W)
{
	uint64_t now = loop_now_ms();
	int i, y = y0;

	ui_attr_on(u, CP_DIM, A_UNDERLINE);
	fill(y, 0, W);
	uput(u, y, 0, W, "   Remote                        State         Time  Codec SRTP");
	ui_attr_off(u, CP_DIM, A_UNDERLINE);
	y++;
	if (!ncalls_live(u) && !call_sel(u)) {
		uput(u, y, 3, W - 3, "No calls.  d: dial   :call URI   ?: help");
		return;
	}
	for (i = 0; i < MAX_CALLS && y < y0 + 1 + rows; i++) {
		const struct ucall *c = &u->calls[i];
		char dur[32] = "", state[40], line[160];
		bool sel = i == u->sel;
		int x;

		if (!c->used)
			continue;
		if (c->established)
			fmt_dur(dur, sizeof(dur), (c->ended ? c->t_ended : now) - c->t_est);
		snprintf(state, sizeof(state), "%s%s", c->hold && !c->ended ? "on hold" : c->state,
			 c->remote_hold && !c->hold && !c->ended ? " (held)" : "");
		if (sel)
			ui_attr_on(u, CP_SEL, A_REVERSE);
		fill(y, 0, W);
		uput(u, y, 0, 3, sel ? g(u, " ▶ ", " > ") : "   ");
		uput(u, y, 3, 29, c->remote[0] ? c->remote : "?");
		uput(u, y, 33, 13, state);
		uput(u, y, 47, 8, dur);
		uput(u, y, 55, 5, c->codec);
		x = 61;
		if (sel)
			ui_attr_off(u, CP_SEL, A_REVERSE);
		if (c->established || c->suite_tx[0]) {
			int cp = c->encrypted ? CP_OK : CP_BAD;

			ui_attr_on(u, cp, A_BOLD);
			if (c->encrypted)
				snprintf(line, sizeof(line), "%s%s", g(u, "🔒 ", "[S] "),
					 strcmp(c->suite_tx, c->suite_rx) && c->suite_rx[0] ? "mixed"
											     : suite_short(c->suite_tx));
			else
				snprintf(line, sizeof(line), "%sPLAIN", g(u, "⚠", "!"));
			x += uput(u, y, x, W - x, line);
			ui_attr_off(u, cp, A_BOLD);
		}
		if (c->hold && x + 5 <= W) {
			ui_attr_on(u, CP_WARN, A_BOLD);
			x += 1 + uput(u, y, x + 1, W - x - 1, "HOLD");
			ui_attr_off(u, CP_WARN, A_BOLD);
		}
		if (c->muted && !c->ended && x + 6 <= W) {
			ui_attr_on(u, CP_WARN, A_BOLD);
			uput(u, y, x + 1, W - x - 1, "MUTED");
			ui_attr_off(u, CP_WARN, A_BOLD);
		}
		y++;
	}
}

static void draw_meters(struct ui *u, int y, int W)
{
	const struct ucall *c = call_sel(u);
	char tmp[96];
	int x = 1;

	if (!c || !c->established || c->ended)
		return;
	x += uput(u, y, x, W - x, "mic ");
	draw_meter(u, y, x, 10, c->mic);
	x += 11;
	x += uput(u, y, x, W - x, "spk ");
	draw_meter(u, y, x, 10, c->spk);
	x += 11;
	if (c->jb_ms >= 0)
		snprintf(tmp, sizeof(tmp), "jbuf %ld ms", c->jb_ms);
	else
		snprintf(tmp, sizeof(tmp), "jbuf -");
	x += uput(u, y, x, W - x, tmp) + 2;
	if (c->loss_pm >= 0)
		snprintf(tmp, sizeof(tmp), "loss %ld.%ld%%", c->loss_pm / 10, c->loss_pm % 10);
	else
		snprintf(tmp, sizeof(tmp), "loss -");
	uput(u, y, x, W - x, tmp);
}

static void draw_pane(struct ui *u, int y0, int rows, int W)
{
	static const char *const title[] = { " Messages ", " Log (SIP trace, secrets masked) ",
					     " Verify report " };
	int i, x;

	ui_attr_on(u, CP_DIM, A_BOLD);
	for (x = 0; x < W; x++)
		uput(u, y0, x, 1, g(u, "─", "-"));
	uput(u, y0, 2, W - 2, title[u->pane]);
	ui_attr_off(u, CP_DIM, A_BOLD);
	y0++;
	rows--;
	if (rows <= 0)
		return;
	if (u->pane == PANE_VERIFY) {
		verify_from_accounts(u);
		for (i = 0; i < rows && (size_t)i < u->nverify; i++) {
			bool bad = strstr(u->verify[i], "NOT ") != NULL || strstr(u->verify[i], "WARNING") != NULL;

			if (bad)
				ui_attr_on(u, CP_BAD, A_BOLD);
			uput(u, y0 + i, 1, W - 1, u->verify[i]);
			if (bad)
				ui_attr_off(u, CP_BAD, A_BOLD);
		}
		return;
	}
	if (u->pane == PANE_LOG) {
		size_t n, start;

		pthread_mutex_lock(&u->log_mtx);
		n = u->log.n;
		if (u->log_scroll > (int)n)
			u->log_scroll = (int)n;
		start = n > (size_t)rows + (size_t)u->log_scroll ? n - (size_t)rows - (size_t)u->log_scroll : 0;
		for (i = 0; i < rows && start + (size_t)i < n; i++)
			uput(u, y0 + i, 0, W, ring_at(&u->log, start + (size_t)i));
		u->log_dirty = 0;
		pthread_mutex_unlock(&u->log_mtx);
		return;
	}
	{
		/* newest at the bottom; long lines wrap, continuation indented under the text */
		size_t n = u->msgs.n, k = n;
		int used = 0, y;

		while (k > 0) {
			int need = msg_rows(u, ring_at(&u->msgs, k - 1), W);

			if (used + need > rows)
				break;
			used += need;
			k--;
		}
		for (y = y0; k < n; k++) {
			const char *m = ring_at(&u->msgs, k);
			int mx = 0;

			while (*m && y < y0 + rows) {
				size_t b = fit_bytes(u, m, W - mx);

				mvaddnstr(y, mx, m, (int)b);
				m += b;
				while (*m == ' ')
					m++;
				mx = MSG_INDENT;
				y++;
			}
		}
	}
}

static const char *const help_text[] = {
	"sphone keys",
	"",
	"  d            dial: a sips:/sip: URI, a number or a name (Tab completes",
	"               from [contacts] and history, Up/Down walk the history)",
	"  0-9 * #      during a call: send DTMF; otherwise start dialling",
	"  a            answer the incoming call",
	"  h            hang up (or reject) the selected call",
	"  o            put the selected call on hold / resume it",
	"  M            mute / unmute the microphone in the selected call",
	"  Tab  s       switch to the other call (the current one goes on hold)",
	"  Up Down      select a call",
	"  v            verify report (TLS, SRTP suites, counters, short auth string)",
	"  l            log pane: the SIP trace, secrets masked (PgUp/PgDn scroll)",
	"  m            back to the message pane",
	"  :            command prompt: call URI, answer, hangup, dtmf DIGITS, hold,",
	"               resume, mute, unmute, switch, status, verify, register,",
	"               unregister, quit",
	"  ?  Ctrl-L    this help; redraw the screen",
	"  q            quit (asks first while a call is up)",
	"",
	"Status bar: green lock = TLS with a verified certificate; yellow =",
	"UNVERIFIED certificate; red = PLAINTEXT signalling.   (any key closes)",
};

static void draw_help(struct ui *u, int H, int W)
{
	int n = (int)(sizeof(help_text) / sizeof(help_text[0]));
	int w = W < 80 ? W : 80, h = n + 2 < H ? n + 2 : H, y0 = (H - h) / 2, x0 = (W - w) / 2, i;

	ui_attr_on(u, CP_BAR, A_REVERSE);
	for (i = 0; i < h; i++)
		fill(y0 + i, x0, w);
	for (i = 0; i < n && i + 1 < h; i++)
		uput(u, y0 + 1 + i, x0 + 2, w - 3, help_text[i]);
	ui_attr_off(u, CP_BAR, A_REVERSE);
}

static void draw(struct ui *u)
{
	int H, W, y, call_rows, i, nused = 0;
	const char *footer;

	if (!u->curses_on)
		return;
	getmaxyx(stdscr, H, W);
	erase();
	if (H < 8 || W < 30) {
		uput(u, 0, 0, W, "terminal too small");
		refresh();
		return;
	}
	draw_status(u, W);
	if (u->banner[0]) {
		ui_attr_on(u, u->banner_cp, A_REVERSE | A_BOLD);
		fill(1, 0, W);
		uput(u, 1, 1, W - 1, u->banner);
		ui_attr_off(u, u->banner_cp, A_REVERSE | A_BOLD);
	}
	for (i = 0; i < MAX_CALLS; i++)
		if (u->calls[i].used)
			nused++;
	call_rows = nused < 2 ? 2 : nused;
	if (call_rows > 4)
		call_rows = 4;
	y = 2;
	draw_calls(u, y, call_rows, W);
	y += 1 + call_rows;
	draw_meters(u, y, W);
	y++;
	draw_pane(u, y, H - 2 - y, W);

	/* prompt line */
	switch (u->mode) {
	case MODE_DIAL:
	case MODE_CMD: {
		const char *p = u->mode == MODE_DIAL ? "Dial: " : ":";
		int px = uput(u, H - 2, 0, W, p);
		int ew = cols_of(u, u->edit, u->elen);
		int avail = W - px - 1;
		const char *show = u->edit;

		/* keep the cursor end visible */
		while (ew > avail && *show) {
			show++;
			ew = cols_of(u, show, strlen(show));
		}
		uput(u, H - 2, px, avail, show);
		if (u->prompt_note[0] && px + ew + 4 < W) {
			ui_attr_on(u, CP_DIM, A_DIM);
			uput(u, H - 2, px + ew + 2, W - px - ew - 2, u->prompt_note);
			ui_attr_off(u, CP_DIM, A_DIM);
		}
		move(H - 2, px + ew);
		break;
	}
	case MODE_CONFIRM_QUIT:
		ui_attr_on(u, CP_WARN, A_REVERSE);
		fill(H - 2, 0, W);
		uput(u, H - 2, 0, W, " A call is up. Hang up and quit? (y/n) ");
		ui_attr_off(u, CP_WARN, A_REVERSE);
		break;
	default:
		if (u->prompt_note[0]) {
			ui_attr_on(u, CP_DIM, A_DIM);
			uput(u, H - 2, 0, W, u->prompt_note);
			ui_attr_off(u, CP_DIM, A_DIM);
		}
		break;
	}
	if (call_sel(u) && call_sel(u)->incoming && !call_sel(u)->established && !call_sel(u)->ended)
		footer = " a answer  h reject  Tab next call  v verify  l log  : command  ? help  q quit";
	else if (ncalls_live(u))
		footer = " h hangup  o hold  M mute  Tab switch  0-9 DTMF  v verify  : cmd  ? help  q quit";
	else
		footer = " d dial  a answer  v verify  l log  : command  ? help  q quit";
	ui_attr_on(u, CP_BAR, A_REVERSE);
	fill(H - 1, 0, W);
	uput(u, H - 1, 0, W, footer);
	ui_attr_off(u, CP_BAR, A_REVERSE);
	if (u->mode == MODE_HELP)
		draw_help(u, H, W);
	curs_set(u->mode == MODE_DIAL || u->mode == MODE_CMD ? 1 : 0);
	refresh();
	u->dirty = false;
}

/* ---- actions ---- */

static void quit_done(void *arg)
{
	struct ui *u = arg;

	loop_stop(u->l);
}

static void quit(struct ui *u, const char *why)
{
	int i;

	if (u->quitting)
		return;
	u->quitting = true;
	log_info("quitting (%s)", why);
	msg(u, "quitting: un-registering...");
	for (i = 0; i < MAX_CALLS; i++) {
		struct ucall *c = &u->calls[i];
		char cmd[64];

		if (!c->used || c->ended)
			continue;
		if (c->id[0])
			snprintf(cmd, sizeof(cmd), "hangup %s", c->id);
		else
			snprintf(cmd, sizeof(cmd), "hangup");
		ua_command(u->ua, cmd);
	}
	draw(u);
	if (ua_shutdown(u->ua, QUIT_TIMEOUT_MS, quit_done, u))
		loop_stop(u->l);
}

static void command(struct ui *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void command(struct ui *u, const char *fmt, ...)
{
	char line[UI_LINE_MAX + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (u->quitting)
		return;
	ua_command(u->ua, line);
}

/* Asks for the selected (else the newest live) established call's verify report. */
static void verify_selected(struct ui *u)
{
	struct ucall *c = call_sel(u);
	char cmd[64];

	if (!c || !c->established || c->ended)
		return;
	snprintf(cmd, sizeof(cmd), "verify%s%s", c->id[0] ? " " : "", c->id);
	if (!u->quitting)
		ua_command(u->ua, cmd);
}

static void start_dial(struct ui *u, const char *typed)
{
	char uri[UI_LINE_MAX * 2];
	const char *aor = u->aor;
	size_t i;
	int e;

	for (i = 0; i < u->nacc; i++)
		if (!strcmp(u->acc[i].state, "registered") && u->acc[i].uri[0]) {
			aor = u->acc[i].uri;
			break;
		}
	e = ui_dial_resolve(typed, aor, u->contacts, u->ncontacts, uri, sizeof(uri));
	if (e) {
		msg(u, "cannot dial '%s': %s", typed,
		    e == ENOSPC ? "too long"
				: "not a sip:/sips: URI, a number, a contact or a name the account's domain can take");
		return;
	}
	ui_hist_add(&u->dial_hist, typed);
	msg(u, "calling %s", uri);
	command(u, "call %s", uri);
}

static void edit_reset(struct ui *u, enum mode m, const char *init)
{
	u->mode = m;
	copy(u->edit, sizeof(u->edit), init);
	u->elen = strlen(u->edit);
	u->hist_pos = 0;
	u->completing = false;
	u->comp_skip = 0;
	u->prompt_note[0] = '\0';
}

static void run_cmd_line(struct ui *u, char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	s += strspn(s, " \t");
	if (!*s)
		return;
	ui_hist_add(&u->cmd_hist, s);
	if (!strcmp(s, "quit") || !strcmp(s, "exit")) {
		quit(u, "quit command");
		return;
	}
	if (!strcmp(s, "help")) {
		u->mode = MODE_HELP;
		return;
	}
	if (!strcmp(s, "verify"))
		u->pane = PANE_VERIFY;
	u->status_asked = !strncmp(s, "status", 6);
	if (!strncmp(s, "call ", 5)) {
		/* the same resolution as the dial line, so ":call bob" works */
		start_dial(u, s + 5);
		return;
	}
	command(u, "%s", s);
}

static void edit_key(struct ui *u, wint_t ch, bool fkey)
{
	struct ui_hist *hist = u->mode == MODE_DIAL ? &u->dial_hist : &u->cmd_hist;

	if (fkey && ch != KEY_BTAB && ch != '\t')
		u->completing = false;
	if (!fkey && ch != '\t')
		u->completing = false;
	if ((!fkey && ch == 27) || (!fkey && ch == 7)) { /* Esc, Ctrl-G */
		u->mode = MODE_NORMAL;
		u->prompt_note[0] = '\0';
		return;
	}
	if ((fkey && ch == KEY_ENTER) || (!fkey && (ch == '\n' || ch == '\r'))) {
		char line[UI_LINE_MAX];
		enum mode m = u->mode;

		copy(line, sizeof(line), u->edit);
		u->mode = MODE_NORMAL;
		u->prompt_note[0] = '\0';
		if (m == MODE_DIAL) {
			size_t k = strspn(line, " \t");

			if (line[k])
				start_dial(u, line + k);
		} else {
			run_cmd_line(u, line);
		}
		return;
	}
	if ((fkey && ch == KEY_BACKSPACE) || (!fkey && (ch == 127 || ch == 8))) {
		while (u->elen && ((unsigned char)u->edit[u->elen - 1] & 0xC0) == 0x80)
			u->elen--;
		if (u->elen)
			u->elen--;
		u->edit[u->elen] = '\0';
		if (!u->elen && u->mode == MODE_CMD)
			u->mode = MODE_NORMAL;
		return;
	}
	if (!fkey && ch == 21) { /* Ctrl-U */
		u->elen = 0;
		u->edit[0] = '\0';
		return;
	}
	if (fkey && (ch == KEY_UP || ch == KEY_DOWN)) {
		const char *h;

		if (ch == KEY_UP && u->hist_pos < hist->n)
			u->hist_pos++;
		else if (ch == KEY_DOWN && u->hist_pos)
			u->hist_pos--;
		h = u->hist_pos ? ui_hist_back(hist, u->hist_pos - 1) : "";
		copy(u->edit, sizeof(u->edit), h ? h : "");
		u->elen = strlen(u->edit);
		return;
	}
	if (!fkey && ch == '\t') {
		const char *c;

		if (!u->completing) {
			copy(u->comp_prefix, sizeof(u->comp_prefix), u->edit);
			u->comp_skip = 0;
			u->completing = true;
		}
		if (u->mode == MODE_DIAL) {
			c = ui_dial_complete(u->comp_prefix, u->contacts, u->ncontacts, hist, u->comp_skip);
		} else {
			const char *const *cmds = ua_commands();
			size_t skip = u->comp_skip, pl = strlen(u->comp_prefix);

			c = NULL;
			for (; *cmds; cmds++)
				if (!strncmp(*cmds, u->comp_prefix, pl) && !skip--) {
					c = *cmds;
					break;
				}
		}
		if (!c && u->comp_skip) {
			u->comp_skip = 0; /* wrap around */
			c = u->mode == MODE_DIAL
				    ? ui_dial_complete(u->comp_prefix, u->contacts, u->ncontacts, hist, 0)
				    : NULL;
		}
		if (c) {
			copy(u->edit, sizeof(u->edit), c);
			u->elen = strlen(u->edit);
			u->comp_skip++;
		} else {
			beep();
		}
		return;
	}
	if (fkey)
		return;
	if (ch >= 0x20 && ch != 127) {
		char mb[MB_LEN_MAX];
		mbstate_t st;
		size_t k;

		memset(&st, 0, sizeof(st));
		if (u->utf8) {
			k = wcrtomb(mb, (wchar_t)ch, &st);
			if (k == (size_t)-1)
				return;
		} else {
			if (ch > 0x7e)
				return;
			mb[0] = (char)ch;
			k = 1;
		}
		if (u->elen + k >= sizeof(u->edit))
			return;
		memcpy(u->edit + u->elen, mb, k);
		u->elen += k;
		u->edit[u->elen] = '\0';
	}
}

/* Moves the selection to the next call in dir (live calls only when live_only). */
static void select_step(struct ui *u, int dir, bool live_only)
{
	int i, k;

	for (k = 1; k <= MAX_CALLS; k++) {
		i = ((u->sel + dir * k) % MAX_CALLS + MAX_CALLS) % MAX_CALLS;
		if (u->calls[i].used && (!live_only || !u->calls[i].ended)) {
			u->sel = i;
			return;
		}
	}
}

static void select_next(struct ui *u, int dir)
{
	select_step(u, dir, false);
}

static void normal_key(struct ui *u, wint_t ch, bool fkey)
{
	struct ucall *c = call_sel(u);
	bool live = c && !c->ended;

	u->prompt_note[0] = '\0';
	if (fkey) {
		switch (ch) {
		case KEY_UP:
			select_next(u, -1);
			break;
		case KEY_DOWN:
			select_next(u, 1);
			break;
		case KEY_PPAGE:
			u->log_scroll += 10;
			break;
		case KEY_NPAGE:
			u->log_scroll = u->log_scroll > 10 ? u->log_scroll - 10 : 0;
			break;
		case KEY_BTAB:
			select_next(u, -1);
			break;
		default:
			break;
		}
		return;
	}
	if ((ch >= '0' && ch <= '9') || ch == '*' || ch == '#') {
		if (live && c->established) {
			command(u, "dtmf %c", (char)ch);
			msg(u, "DTMF sent: %c", (char)ch);
			copy(u->prompt_note, sizeof(u->prompt_note), "DTMF sent: ");
			u->prompt_note[strlen(u->prompt_note)] = (char)ch;
		} else {
			char init[2] = { (char)ch, '\0' };

			edit_reset(u, MODE_DIAL, init);
		}
		return;
	}
	switch (ch) {
	case 'd':
	case '\n':
	case '\r':
		edit_reset(u, MODE_DIAL, "");
		break;
	case ':':
		edit_reset(u, MODE_CMD, "");
		break;
	case 'a': {
		int i;
		struct ucall *in = NULL;

		if (c && c->incoming && !c->established && !c->ended)
			in = c;
		for (i = 0; !in && i < MAX_CALLS; i++)
			if (u->calls[i].used && u->calls[i].incoming && !u->calls[i].established &&
			    !u->calls[i].ended)
				in = &u->calls[i];
		if (!in) {
			copy(u->prompt_note, sizeof(u->prompt_note), "no incoming call to answer");
			break;
		}
		if (in->id[0])
			command(u, "answer %s", in->id);
		else
			command(u, "answer");
		break;
	}
	case 'h':
		if (!live) {
			copy(u->prompt_note, sizeof(u->prompt_note), "no call to hang up");
			break;
		}
		if (c->id[0])
			command(u, "hangup %s", c->id);
		else
			command(u, "hangup");
		break;
	case 'o':
		if (!live || !c->established) {
			copy(u->prompt_note, sizeof(u->prompt_note), "no established call to hold");
			break;
		}
		command(u, "%s", c->hold ? "resume" : "hold");
		break;
	case 'M':
		if (!live) {
			copy(u->prompt_note, sizeof(u->prompt_note), "no call to mute");
			break;
		}
		if (c->id[0])
			command(u, "%s %s", c->muted ? "unmute" : "mute", c->id);
		else
			command(u, "%s", c->muted ? "unmute" : "mute");
		break;
	case '\t':
	case 's':
		if (ncalls_live(u) < 2) {
			copy(u->prompt_note, sizeof(u->prompt_note), "only one call: nothing to switch to");
			break;
		}
		select_step(u, 1, true);
		c = call_sel(u);
		if (c && c->id[0])
			command(u, "switch %s", c->id);
		else
			command(u, "switch");
		break;
	case 'v':
		if (u->pane == PANE_VERIFY) {
			u->pane = PANE_MSGS;
		} else {
			u->pane = PANE_VERIFY;
			verify_selected(u);
		}
		break;
	case 'l':
		if (u->pane == PANE_LOG) {
			u->pane = PANE_MSGS;
		} else {
			u->pane = PANE_LOG;
			u->log_scroll = 0;
			if (!log_sip_trace_enabled()) {
				u->trace_was_on = false;
				log_set_sip_trace(true);
			}
		}
		break;
	case 'm':
		u->pane = PANE_MSGS;
		break;
	case '?':
		u->mode = MODE_HELP;
		break;
	case 'q':
		if (ncalls_live(u))
			u->mode = MODE_CONFIRM_QUIT;
		else
			quit(u, "q key");
		break;
	case 12: /* Ctrl-L */
		clearok(curscr, TRUE);
		break;
	case 27:
		u->banner[0] = '\0';
		break;
	default:
		break;
	}
}

static void key(struct ui *u, wint_t ch, bool fkey)
{
	if (fkey && ch == KEY_RESIZE)
		return;
	switch (u->mode) {
	case MODE_HELP:
		u->mode = MODE_NORMAL;
		break;
	case MODE_CONFIRM_QUIT:
		u->mode = MODE_NORMAL;
		if (!fkey && (ch == 'y' || ch == 'Y'))
			quit(u, "q key");
		break;
	case MODE_DIAL:
	case MODE_CMD:
		edit_key(u, ch, fkey);
		break;
	default:
		normal_key(u, ch, fkey);
		break;
	}
	u->dirty = true;
}

static void stdin_h(int fd, int events, void *arg)
{
	struct ui *u = arg;
	wint_t ch;
	int r, guard = 0;

	(void)fd;
	if (events & LOOP_ERROR) {
		loop_fd_remove(u->l, STDIN_FILENO);
		u->stdin_on = false;
		quit(u, "terminal closed");
		return;
	}
	while (guard++ < 256 && (r = get_wch(&ch)) != ERR) {
		key(u, ch, r == KEY_CODE_YES);
		if (u->quitting)
			break;
	}
	if (u->dirty)
		draw(u);
}

static void resize(struct ui *u)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
	draw(u);
}

static void winch_wake_h(void *arg)
{
	winch_pending = 0;
	resize(arg);
}

static void winch_sig(int signo)
{
	(void)signo;
	winch_pending = 1;
	if (winch_wake)
		loop_wake_signal(winch_wake);
}

static void tick_h(void *arg)
{
	struct ui *u = arg;
	uint64_t now = loop_now_ms(), sec = now / 1000;
	int i;

	for (i = 0; i < MAX_CALLS; i++) {
		struct ucall *c = &u->calls[i];

		if (c->used && c->ended && now - c->t_ended > ENDED_LINGER_MS) {
			c->used = false;
			u->dirty = true;
			if (u->sel == i)
				select_next(u, 1);
		}
	}
	if (sec != u->last_sec && ncalls_live(u)) {
		u->last_sec = sec;
		u->dirty = true;
		/* the meters and jitter/loss figures come with each call's status */
		for (i = 0; i < MAX_CALLS; i++)
			if (u->calls[i].used && u->calls[i].established && !u->calls[i].ended)
				break;
		if (i < MAX_CALLS && !u->quitting) {
			u->status_asked = false;
			ua_command(u->ua, "status");
			if (u->pane == PANE_VERIFY)
				verify_selected(u);
		}
	}
	if (u->log_dirty && u->pane == PANE_LOG)
		u->dirty = true;
	if (u->dirty)
		draw(u);
	tmr_start(u->l, &u->tick, TICK_MS, tick_h, u);
}

static void signal_h(int signo, void *arg)
{
	quit(arg, signo == SIGINT ? "SIGINT" : "SIGTERM");
}

/* [contacts] from the config (validated by account.c); the strings belong to the account_conf. */
static void load_contacts(struct ui *u)
{
	size_t i, n = account_conf_contact_count(u->conf);

	for (i = 0; i < n && u->ncontacts < MAX_CONTACTS; i++) {
		struct ui_contact *c = &u->contacts[u->ncontacts];

		if (!account_conf_contact(u->conf, i, &c->name, &c->uri))
			u->ncontacts++;
	}
}

static void curses_start(struct ui *u)
{
	const char *cs;

	setlocale(LC_ALL, "");
	cs = nl_langinfo(CODESET);
	u->utf8 = !u->o->ascii && !account_conf_ui_ascii(u->conf) && cs && !strcasecmp(cs, "UTF-8");
	initscr();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	u->color = !u->o->mono && account_conf_ui_color(u->conf) && has_colors() && !getenv("NO_COLOR");
	if (u->color) {
		start_color();
		use_default_colors();
		init_pair(CP_OK, COLOR_GREEN, -1);
		init_pair(CP_WARN, COLOR_BLACK, COLOR_YELLOW);
		init_pair(CP_BAD, COLOR_WHITE, COLOR_RED);
		init_pair(CP_BAR, COLOR_BLACK, COLOR_CYAN);
		init_pair(CP_SEL, COLOR_BLACK, COLOR_WHITE);
		init_pair(CP_DIM, COLOR_BLUE, -1);
		init_pair(CP_BANNER, COLOR_BLACK, COLOR_YELLOW);
	}
	u->curses_on = true;
}

int ui_curses_run(struct account_conf *conf, const struct ui_curses_opts *o)
{
	static const struct ui_curses_opts dflt;
	struct ui *u;
	char err[512] = "", fallback_note[512] = "";
	struct sigaction sa, old_sa;
	const struct account *a;
	int e, rc = 1;
	size_t i;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "sphone: the full-screen interface needs a terminal: use --headless for scripts\n");
		return 1;
	}
	u = calloc(1, sizeof(*u));
	if (!u)
		return 1;
	u->o = o ? o : &dflt;
	u->conf = conf;
	u->msgs.cap = MSG_LINES;
	u->log.cap = LOG_LINES;
	u->sel = -1;
	pthread_mutex_init(&u->log_mtx, NULL);
	tmr_init(&u->tick);
	a = account_conf_find(conf, u->o->account);
	if (a && a->uri)
		copy(u->aor, sizeof(u->aor), a->uri);
	for (i = 0; i < account_conf_count(conf) && u->nacc < MAX_ACCS; i++) {
		const struct account *x = account_conf_at(conf, i);

		if (u->o->account && strcmp(u->o->account, x->name))
			continue;
		copy(u->acc[u->nacc].name, sizeof(u->acc[0].name), x->name);
		copy(u->acc[u->nacc].uri, sizeof(u->acc[0].uri), x->uri);
		copy(u->acc[u->nacc].state, sizeof(u->acc[0].state), x->reg ? "starting" : "not registering");
		u->nacc++;
	}
	load_contacts(u);
	if (u->o->loop) {
		u->l = u->o->loop;
	} else {
		e = loop_alloc(&u->l);
		if (e) {
			fprintf(stderr, "sphone: cannot start the event loop: %s\n", strerror(e));
			goto out;
		}
		u->own_loop = true;
	}
	e = ua_alloc(&u->ua, u->l, conf, u->o->account, on_event, u, err, sizeof(err));
	if (e) {
		fprintf(stderr, "sphone: %s\n", err[0] ? err : strerror(e));
		goto out;
	}
	if (u->o->call_opts && ua_set_call_opts(u->ua, u->o->call_opts, err, sizeof(err))) {
		char err2[512] = "";

		if (!u->o->call_opts_fallback ||
		    ua_set_call_opts(u->ua, u->o->call_opts_fallback, err2, sizeof(err2))) {
			fprintf(stderr, "sphone: %s\n", err2[0] ? err2 : err);
			goto out;
		}
		copy(fallback_note, sizeof(fallback_note), err);
	}
	u->dial_pending = u->o->dial && *u->o->dial;

	curses_start(u);
	log_set_stderr(false);
	log_set_handler(log_line_h, u);
	u->trace_was_on = log_sip_trace_enabled();
	msg(u, "sphone: press ? for help, d to dial, q to quit");
	if (u->o->note)
		msg(u, "%s", u->o->note);
	if (fallback_note[0])
		msg(u, "no sound card (%s): using audio files instead", fallback_note);
	if (!loop_wake_alloc(&u->winch, u->l, winch_wake_h, u)) {
		winch_wake = u->winch;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = winch_sig;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_RESTART;
		sigaction(SIGWINCH, &sa, &old_sa);
	}
	loop_on_signal(u->l, signal_h, u);
	if (loop_fd_listen(u->l, STDIN_FILENO, LOOP_READ, stdin_h, u) == 0)
		u->stdin_on = true;
	tmr_start(u->l, &u->tick, TICK_MS, tick_h, u);
	ua_register(u->ua, NULL);
	draw(u);
	e = loop_run(u->l);
	rc = e ? 1 : 0;
	tmr_cancel(&u->tick);
	if (u->stdin_on)
		loop_fd_remove(u->l, STDIN_FILENO);
	loop_on_signal(u->l, NULL, NULL);
	if (u->winch) {
		sigaction(SIGWINCH, &old_sa, NULL);
		winch_wake = NULL;
		loop_wake_free(u->winch);
	}
	log_set_handler(NULL, NULL);
	log_set_stderr(true);
	endwin();
	u->curses_on = false;
out:
	ua_free(u->ua);
	if (u->own_loop)
		loop_free(u->l);
	pthread_mutex_destroy(&u->log_mtx);
	free(u);
	return rc;
}
