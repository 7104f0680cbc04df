/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ui_curses.c: the full-screen front end on ncurses: draws the view, reads the keys, runs the loop (the only ncurses user). */
#include "config.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>

#include "account.h"
#include "log.h"
#include "loop.h"
#include "ua.h"
#include "ui_curses.h"
#include "ui_keys.h"
#include "ui_model.h"

#define TICK_MS 200
#define BELL_REPEAT_MS 6000 /* the terminal bell rings again while a call rings here: the ringtone's cycle */
#define QUIT_TIMEOUT_MS 2000

enum { CP_OK = 1, CP_WARN, CP_BAD, CP_BAR, CP_SEL, CP_DIM, CP_BANNER };

struct ui {
	struct loop *l;
	bool own_loop;
	struct ua *ua;
	struct account_conf *conf;
	const struct ui_curses_opts *o;
	struct tmr tick;
	struct loop_wake *winch;
	bool utf8, color, curses_on, quitting, stdin_on;
	bool dial_pending;        /* o->dial waits for the first registration */
	uint64_t last_sec;
	uint64_t next_bell;       /* when the bell rings again for a call ringing here; 0: not ringing */

	struct ui_model m;        /* what the events told */
	struct ui_keys k;         /* mode, pane, the line being typed */

	/* the log pane: lines may come from any thread (log.c), hence the lock */
	struct ui_ring log;
	pthread_mutex_t log_mtx;
	volatile int log_dirty;
};

static volatile sig_atomic_t winch_pending;
static struct loop_wake *winch_wake;

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
		char tmp[UI_LINE_LEN * 2];
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

/* ---- log pane ---- */

static void log_line_h(enum log_level lvl, const char *line, void *arg)
{
	struct ui *u = arg;
	char tmp[UI_LINE_LEN];
	const char *p = line;

	/* one call per line already; a traced SIP message arrives line by line */
	pthread_mutex_lock(&u->log_mtx);
	while (*p) {
		size_t n = strcspn(p, "\n");

		if (n >= sizeof(tmp) - 3)
			n = sizeof(tmp) - 3;
		snprintf(tmp, sizeof(tmp), "%c %.*s", "EWID"[lvl < 4 ? lvl : 3], (int)n, p);
		ui_ring_add(&u->log, tmp);
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
	const struct ui_acc *a = u->m.nacc ? &u->m.acc[0] : NULL;
	char left[384], sec[256];
	int x, cp;
	attr_t mono;
	size_t i;

	/* prefer the account with a call, else the first registered one */
	for (i = 0; i < u->m.nacc; i++)
		if (!strcmp(u->m.acc[i].state, "registered")) {
			a = &u->m.acc[i];
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
		 u->m.nacc > 1 ? "" : "");
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
	if (u->m.nacc > 1 && x + 12 < W) {
		char more[32];

		snprintf(more, sizeof(more), " +%zu account%s", u->m.nacc - 1, u->m.nacc > 2 ? "s" : "");
		uput(u, 0, x, W - x, more);
	}
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
	if (!ui_model_live(&u->m) && !ui_model_sel(&u->m)) {
		uput(u, y, 3, W - 3, "No calls.  d: dial   :call URI   ?: help");
		return;
	}
	for (i = 0; i < UI_MAX_CALLS && y < y0 + 1 + rows; i++) {
		const struct ui_call *c = &u->m.calls[i];
		char dur[32] = "", state[40], line[160];
		const char *srtp;
		bool sel = i == u->m.sel;
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
		if ((srtp = ui_model_srtp_column(c))) {
			int cp = c->encrypted ? CP_OK : CP_BAD;

			ui_attr_on(u, cp, A_BOLD);
			snprintf(line, sizeof(line), "%s%s", c->encrypted ? g(u, "🔒 ", "[S] ") : g(u, "⚠", "!"), srtp);
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
	const struct ui_call *c = ui_model_sel(&u->m);
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
	uput(u, y0, 2, W - 2, title[u->k.pane]);
	ui_attr_off(u, CP_DIM, A_BOLD);
	y0++;
	rows--;
	if (rows <= 0)
		return;
	if (u->k.pane == UI_PANE_VERIFY) {
		ui_model_verify_accounts(&u->m);
		for (i = 0; i < rows && (size_t)i < u->m.nverify; i++) {
			bool bad = strstr(u->m.verify[i], "NOT ") != NULL || strstr(u->m.verify[i], "WARNING") != NULL ||
				   strstr(u->m.verify[i], "ATTACK") != NULL || strstr(u->m.verify[i], "MISMATCH") != NULL;

			if (bad)
				ui_attr_on(u, CP_BAD, A_BOLD);
			uput(u, y0 + i, 1, W - 1, u->m.verify[i]);
			if (bad)
				ui_attr_off(u, CP_BAD, A_BOLD);
		}
		return;
	}
	if (u->k.pane == UI_PANE_LOG) {
		size_t n, start;

		pthread_mutex_lock(&u->log_mtx);
		n = u->log.n;
		if (u->k.log_scroll > (int)n)
			u->k.log_scroll = (int)n;
		start = n > (size_t)rows + (size_t)u->k.log_scroll ? n - (size_t)rows - (size_t)u->k.log_scroll : 0;
		for (i = 0; i < rows && start + (size_t)i < n; i++)
			uput(u, y0 + i, 0, W, ui_ring_at(&u->log, start + (size_t)i));
		u->log_dirty = 0;
		pthread_mutex_unlock(&u->log_mtx);
		return;
	}
	{
		/* newest at the bottom; long lines wrap, continuation indented under the text */
		size_t n = u->m.msgs.n, k = n;
		int used = 0, y;

		while (k > 0) {
			int need = msg_rows(u, ui_ring_at(&u->m.msgs, k - 1), W);

			if (used + need > rows)
				break;
			used += need;
			k--;
		}
		for (y = y0; k < n; k++) {
			const char *m = ui_ring_at(&u->m.msgs, k);
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
	"  t            transfer the selected call: type the address (or the id of",
	"               another call of yours: attended transfer)",
	"  Up Down      select a call",
	"  v            verify report (TLS, SRTP suites, counters, short auth string)",
	"  V  X         ZRTP SAS read aloud: the same on both phones (V) / not (X)",
	"  l            log pane: the SIP trace, secrets masked (PgUp/PgDn scroll)",
	"  m            back to the message pane",
	"  :            command prompt: call URI, answer, hangup, dtmf DIGITS, hold,",
	"               resume, mute, unmute, switch, transfer [ID] ADDRESS, status,",
	"               verify, sas-verify, sas-reject, register, unregister, quit",
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

static void draw_banner(struct ui *u, int W)
{
	static const struct {
		int cp;
		const char *utf, *ascii;
	} look[] = {
		[UI_BANNER_CALL] = { CP_BANNER, "☎", "((" },
		[UI_BANNER_WARN] = { CP_WARN, "⚠", "!" },
		[UI_BANNER_BAD] = { CP_BAD, "⚠", "!" },
	};
	int cp = look[u->m.banner_kind].cp;
	char line[sizeof(u->m.banner) + 8];

	snprintf(line, sizeof(line), "%s %s", g(u, look[u->m.banner_kind].utf, look[u->m.banner_kind].ascii),
		 u->m.banner);
	ui_attr_on(u, cp, A_REVERSE | A_BOLD);
	fill(1, 0, W);
	uput(u, 1, 1, W - 1, line);
	ui_attr_off(u, cp, A_REVERSE | A_BOLD);
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
	if (u->m.banner[0])
		draw_banner(u, W);
	for (i = 0; i < UI_MAX_CALLS; i++)
		if (u->m.calls[i].used)
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
	switch (u->k.mode) {
	case UI_MODE_DIAL:
	case UI_MODE_CMD: {
		const char *p = u->k.mode == UI_MODE_DIAL ? "Dial: " : ":";
		int px = uput(u, H - 2, 0, W, p);
		int ew = cols_of(u, u->k.edit, u->k.elen);
		int avail = W - px - 1;
		const char *show = u->k.edit;

		/* keep the cursor end visible */
		while (ew > avail && *show) {
			show++;
			ew = cols_of(u, show, strlen(show));
		}
		uput(u, H - 2, px, avail, show);
		if (u->m.note[0] && px + ew + 4 < W) {
			ui_attr_on(u, CP_DIM, A_DIM);
			uput(u, H - 2, px + ew + 2, W - px - ew - 2, u->m.note);
			ui_attr_off(u, CP_DIM, A_DIM);
		}
		move(H - 2, px + ew);
		break;
	}
	case UI_MODE_CONFIRM_QUIT:
		ui_attr_on(u, CP_WARN, A_REVERSE);
		fill(H - 2, 0, W);
		uput(u, H - 2, 0, W, " A call is up. Hang up and quit? (y/n) ");
		ui_attr_off(u, CP_WARN, A_REVERSE);
		break;
	default:
		if (u->m.note[0]) {
			ui_attr_on(u, CP_DIM, A_DIM);
			uput(u, H - 2, 0, W, u->m.note);
			ui_attr_off(u, CP_DIM, A_DIM);
		}
		break;
	}
	if (ui_model_sel(&u->m) && ui_model_sel(&u->m)->incoming && !ui_model_sel(&u->m)->established && !ui_model_sel(&u->m)->ended)
		footer = " a answer  h reject  Tab next call  v verify  l log  : command  ? help  q quit";
	else if (ui_model_live(&u->m))
		footer = " h hangup  o hold  M mute  Tab switch  0-9 DTMF  v verify  : cmd  ? help  q quit";
	else
		footer = " d dial  a answer  v verify  l log  : command  ? help  q quit";
	ui_attr_on(u, CP_BAR, A_REVERSE);
	fill(H - 1, 0, W);
	uput(u, H - 1, 0, W, footer);
	ui_attr_off(u, CP_BAR, A_REVERSE);
	if (u->k.mode == UI_MODE_HELP)
		draw_help(u, H, W);
	curs_set(u->k.mode == UI_MODE_DIAL || u->k.mode == UI_MODE_CMD ? 1 : 0);
	refresh();
	u->m.dirty = false;
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
	ui_model_msg(&u->m, "quitting: un-registering...");
	for (i = 0; i < UI_MAX_CALLS; i++) {
		struct ui_call *c = &u->m.calls[i];
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

/* What was dialled: resolved by the core (the account and URI every front end gets), then called. */
static void dial(struct ui *u, const char *typed)
{
	struct ua_target t;
	char why[400];

	if (ua_resolve(u->ua, NULL, typed, &t, why, sizeof(why))) {
		ui_model_msg(&u->m, "cannot dial '%s': %s", typed, why);
		return;
	}
	ui_model_msg(&u->m, "calling %s", t.uri);
	if (ua_call(u->ua, t.account, t.uri, NULL, why, sizeof(why)))
		ui_model_msg(&u->m, "%s", why);
}

/* What the keys ask for (ui_keys.c). */
static void action_h(enum ui_action a, const char *s, void *arg)
{
	struct ui *u = arg;

	switch (a) {
	case UI_ACT_COMMAND:
		if (!u->quitting)
			ua_command(u->ua, s);
		break;
	case UI_ACT_DIAL:
		if (!u->quitting)
			dial(u, s);
		break;
	case UI_ACT_QUIT:
		quit(u, s);
		break;
	case UI_ACT_BELL:
		beep();
		break;
	case UI_ACT_REDRAW:
		clearok(curscr, TRUE);
		break;
	case UI_ACT_LOG_SHOWN:
		if (!log_sip_trace_enabled())
			log_set_sip_trace(true);
		break;
	}
}

/* What the events mean beyond the view (ui_model.c). */
static void note_h(enum ui_model_note n, void *arg)
{
	struct ui *u = arg;

	switch (n) {
	case UI_NOTE_RING:
		if (account_conf_ui_bell(u->conf)) {
			beep();
			u->next_bell = loop_now_ms() + BELL_REPEAT_MS;
		}
		break;
	case UI_NOTE_REGISTERED:
		if (u->dial_pending) {
			u->dial_pending = false;
			ui_keys_dial(&u->k, u->o->dial);
		}
		break;
	case UI_NOTE_ESTABLISHED:
		if (u->o->open_verify) {
			u->k.pane = UI_PANE_VERIFY;
			ui_keys_verify_selected(&u->k);
		}
		break;
	}
}

static void event_h(const struct event *ev, void *arg)
{
	struct ui *u = arg;

	ui_model_event(&u->m, ev);
}

/* curses' function keys as ui_keys.h numbers them; 0: none of its business */
static unsigned fkey_of(wint_t ch)
{
	switch (ch) {
	case KEY_UP:
		return UI_KEY_UP;
	case KEY_DOWN:
		return UI_KEY_DOWN;
	case KEY_PPAGE:
		return UI_KEY_PGUP;
	case KEY_NPAGE:
		return UI_KEY_PGDN;
	case KEY_BTAB:
		return UI_KEY_BTAB;
	case KEY_ENTER:
		return UI_KEY_ENTER;
	case KEY_BACKSPACE:
		return UI_KEY_BACKSPACE;
	case KEY_RESIZE: /* SIGWINCH is handled on the loop */
		return 0;
	default:
		return UI_KEY_OTHER;
	}
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
		unsigned key = r == KEY_CODE_YES ? fkey_of(ch) : (unsigned)ch;

		if (key)
			ui_keys_key(&u->k, key);
		if (u->quitting)
			break;
	}
	if (u->m.dirty)
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

	ui_model_expire(&u->m, now);
	if (u->next_bell && now >= u->next_bell) {
		u->next_bell = 0;
		for (i = 0; i < UI_MAX_CALLS; i++) {
			const struct ui_call *c = &u->m.calls[i];
			if (c->used && c->incoming && !c->established && !c->ended) {
				beep();
				u->next_bell = now + BELL_REPEAT_MS;
				break;
			}
		}
	}
	if (sec != u->last_sec && ui_model_live(&u->m)) {
		u->last_sec = sec;
		u->m.dirty = true;
		/* the meters and jitter/loss figures come with each call's status */
		for (i = 0; i < UI_MAX_CALLS; i++)
			if (u->m.calls[i].used && u->m.calls[i].established && !u->m.calls[i].ended)
				break;
		if (i < UI_MAX_CALLS && !u->quitting) {
			u->m.status_asked = false;
			ua_command(u->ua, "status");
			if (u->k.pane == UI_PANE_VERIFY)
				ui_keys_verify_selected(&u->k);
		}
	}
	if (u->log_dirty && u->k.pane == UI_PANE_LOG)
		u->m.dirty = true;
	if (u->m.dirty)
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

	for (i = 0; i < n && u->k.ncontacts < UI_MAX_CONTACTS; i++) {
		struct ui_contact *c = &u->k.contacts[u->k.ncontacts];

		if (!account_conf_contact(u->conf, i, &c->name, &c->uri))
			u->k.ncontacts++;
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

const char *ui_curses_lib_version(void)
{
	return curses_version();
}

int ui_curses_run(struct account_conf *conf, const struct ui_curses_opts *o)
{
	static const struct ui_curses_opts dflt;
	struct ui *u;
	char err[512] = "", fallback_note[512] = "";
	struct sigaction sa, old_sa;
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
	ui_model_init(&u->m, note_h, u);
	ui_keys_init(&u->k, &u->m, action_h, u);
	u->log.cap = UI_LOG_LINES;
	pthread_mutex_init(&u->log_mtx, NULL);
	tmr_init(&u->tick);
	for (i = 0; i < account_conf_count(conf); i++) {
		const struct account *x = account_conf_at(conf, i);

		if (!u->o->account || !strcmp(u->o->account, x->name))
			ui_model_acc_add(&u->m, x->name, x->uri, x->reg);
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
	e = ua_alloc(&u->ua, u->l, conf, u->o->account, event_h, u, err, sizeof(err));
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
		snprintf(fallback_note, sizeof(fallback_note), "%s", err);
	}
	u->dial_pending = u->o->dial && *u->o->dial;

	curses_start(u);
	u->k.utf8 = u->utf8;
	log_set_stderr(false);
	log_set_handler(log_line_h, u);
	ui_model_msg(&u->m, "sphone: press ? for help, d to dial, q to quit");
	if (u->o->note)
		ui_model_msg(&u->m, "%s", u->o->note);
	if (fallback_note[0])
		ui_model_msg(&u->m, "no sound card (%s): using audio files instead", fallback_note);
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
