/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ui_curses.c: the full-screen front end's terminal, on ncurses (the only ncurses user): set-up, drawing
 * the view, reading the keys, resizing, the bell. What runs it (the loop, the UA, the wiring of events
 * and keys, the timers and signals) is ui_curses_run.c's.
 */
#include "config.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
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
#include "log.h"
#include "loop.h"
#include "ui_curses.h"
#include "ui_curses_priv.h"
#include "ui_keys.h"
#include "ui_model.h"
#include "ui_text.h"

#define MSG_INDENT 9 /* a message's later rows: under the text after "HH:MM:SS " */

enum { CP_OK = 1, CP_WARN, CP_BAD, CP_BAR, CP_SEL, CP_DIM, CP_BANNER };

static const char *g(const struct ui *u, const char *utf, const char *ascii)
{
	return u->utf8 ? utf : ascii;
}

static int cols_of(const struct ui *u, const char *s, size_t bytes)
{
	return ui_text_width(s, bytes, u->utf8);
}

/* Puts n bytes of s at (y, x); without UTF-8, bytes beyond ASCII and control bytes show as '?'. */
static void put_bytes(const struct ui *u, int y, int x, const char *s, size_t n)
{
	char tmp[UI_LINE_LEN];
	size_t k;

	if (u->utf8) {
		mvaddnstr(y, x, s, (int)n);
		return;
	}
	while (n) {
		size_t c = n < sizeof(tmp) - 1 ? n : sizeof(tmp) - 1;

		for (k = 0; k < c; k++)
			tmp[k] = (s[k] & 0x80) || (unsigned char)s[k] < 0x20 ? '?' : s[k];
		tmp[c] = '\0';
		mvaddstr(y, x, tmp);
		x += (int)c;
		s += c;
		n -= c;
	}
}

/* Puts s at (y, x), cut to at most maxw display columns; returns the columns used. */
static int uput(const struct ui *u, int y, int x, int maxw, const char *s)
{
	int w;
	size_t n;

	if (maxw <= 0)
		return 0;
	n = ui_text_fit(s, maxw, u->utf8, &w);
	put_bytes(u, y, x, s, n);
	return w;
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

/*
 * The status bar's form for the width left of the missed/voicemail counts (c, "" for none): true
 * when it fits there whole; else s is the form for the whole width and the counts are left to the
 * key bar ("H history (2 missed)"): the security word comes first.
 */
static bool status_with_counts(struct ui *u, int W, struct ui_status *s, char *c, size_t csz)
{
	int avail;

	ui_history_status(&u->m.hist, c, csz);
	avail = W - (int)strlen(c) - 2;
	if (c[0] && avail > 0) {
		ui_model_status(&u->m, avail, u->utf8, s);
		if (cols_of(u, s->left, strlen(s->left)) + 1 + cols_of(u, s->sec, strlen(s->sec)) +
			    cols_of(u, s->more, strlen(s->more)) <= avail)
			return true;
	}
	c[0] = '\0';
	ui_model_status(&u->m, W, u->utf8, s);
	return false;
}

/* The status bar (ui_model_status picks what fits): the security word is there at every width. */
static void draw_status(struct ui *u, int W)
{
	static const struct {
		int cp;
		attr_t mono;
	} look[] = {
		[UI_SEC_NONE] = { CP_BAR, A_REVERSE },
		[UI_SEC_OK] = { CP_OK, A_BOLD },
		[UI_SEC_WARN] = { CP_WARN, A_REVERSE | A_BLINK },
		[UI_SEC_BAD] = { CP_BAD, A_REVERSE | A_BLINK },
	};
	struct ui_status s;
	char c[64];
	bool counts;
	int x;

	counts = status_with_counts(u, W, &s, c, sizeof(c));
	ui_attr_on(u, CP_BAR, A_REVERSE);
	fill(0, 0, W);
	x = uput(u, 0, 0, W, s.left);
	ui_attr_off(u, CP_BAR, A_REVERSE);
	if (s.left[0])
		x++;
	ui_attr_on(u, look[s.kind].cp, look[s.kind].mono);
	x += uput(u, 0, x, W - x, s.sec);
	ui_attr_off(u, look[s.kind].cp, look[s.kind].mono);
	uput(u, 0, x, W - x, s.more);
	if (counts) {
		ui_attr_on(u, CP_WARN, A_REVERSE | A_BOLD);
		uput(u, 0, W - (int)strlen(c) - 1, (int)strlen(c), c);
		ui_attr_off(u, CP_WARN, A_REVERSE | A_BOLD);
	}
}

/* The call list: its columns by priority (ui_model_columns); the SRTP column at every width. */
static void draw_calls(struct ui *u, int y0, int rows, int W)
{
	uint64_t now = loop_now_ms();
	struct ui_cols cw;
	int i, y = y0, xr, xs, xt, xc, xp, xf;

	ui_model_columns(W, &cw);
	xr = cw.mark;
	xs = xr + cw.remote + 1;
	xt = xs + (cw.state ? cw.state + 1 : 0);
	xc = xt + (cw.time ? cw.time + 1 : 0);
	xp = xc + (cw.codec ? cw.codec + 1 : 0);
	xf = xp + cw.srtp + 1;
	ui_attr_on(u, CP_DIM, A_UNDERLINE);
	fill(y, 0, W);
	uput(u, y, xr, cw.remote, "Remote");
	if (cw.state)
		uput(u, y, xs, cw.state, "State");
	if (cw.time)
		uput(u, y, xt, cw.time, "Time");
	if (cw.codec)
		uput(u, y, xc, cw.codec, "Codec");
	uput(u, y, xp, cw.srtp, "SRTP");
	ui_attr_off(u, CP_DIM, A_UNDERLINE);
	y++;
	if (!ui_model_live(&u->m) && !ui_model_sel(&u->m)) {
		uput(u, y, 3, W - 3, "No calls.  d: dial   ?: help");
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
		snprintf(state, sizeof(state), "%s%s",
			 c->xfer_ask && !c->ended ? "transfer?" : c->hold && !c->ended ? "on hold" : c->state,
			 c->remote_hold && !c->hold && !c->ended ? " (held)" : "");
		/* no room for the flags: a muted call says so where its state is */
		if (!cw.flags && c->muted && !c->ended)
			snprintf(state, sizeof(state), "%s", c->hold ? "held, MUTED" : "MUTED");
		if (sel)
			ui_attr_on(u, CP_SEL, A_REVERSE);
		fill(y, 0, W);
		uput(u, y, 0, 3, sel ? g(u, " ▶ ", " > ") : "   ");
		uput(u, y, xr, cw.remote, c->remote[0] ? c->remote : "?");
		uput(u, y, xs, cw.state, state);
		uput(u, y, xt, cw.time, dur);
		uput(u, y, xc, cw.codec, c->codec);
		if (sel)
			ui_attr_off(u, CP_SEL, A_REVERSE);
		x = xp;
		if ((srtp = ui_model_srtp_column(c))) {
			int cp = c->encrypted ? CP_OK : CP_BAD;

			ui_attr_on(u, cp, A_BOLD);
			snprintf(line, sizeof(line), "%s%s", c->encrypted ? g(u, "🔒 ", "[S] ") : g(u, "⚠", "!"), srtp);
			uput(u, y, x, cw.srtp, line);
			ui_attr_off(u, cp, A_BOLD);
		}
		x = xf;
		if (cw.flags && c->hold && !c->ended) {
			ui_attr_on(u, CP_WARN, A_BOLD);
			x += 1 + uput(u, y, x, W - x, "HOLD");
			ui_attr_off(u, CP_WARN, A_BOLD);
		}
		if (cw.flags && c->muted && !c->ended) {
			ui_attr_on(u, CP_WARN, A_BOLD);
			uput(u, y, x, W - x, "MUTED");
			ui_attr_off(u, CP_WARN, A_BOLD);
		}
		y++;
	}
}

static void draw_meters(struct ui *u, int y, int W)
{
	const struct ui_call *c = ui_model_sel(&u->m);
	int x = 1, cells = W >= 60 ? 10 : 4;
	char tmp[96];

	if (!c || !c->established || c->ended)
		return;
	x += uput(u, y, x, W - x, "mic ");
	draw_meter(u, y, x, cells, c->mic);
	x += cells + 1;
	x += uput(u, y, x, W - x, "spk ");
	draw_meter(u, y, x, cells, c->spk);
	x += cells + 1;
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

/* ---- panes: lines wrapped to the width, scrolled by ui_view ---- */

/* One line of a pane as drawn: head at column hx on its first row, text wrapped from x1 on the first row and x2 on the others. */
struct pline {
	const char *head;
	int hx;
	const char *text;
	int x1, x2;
	int cp;
	attr_t mono;
};

struct pane {
	struct ui *u;
	int W;
	const char *hl;           /* search text to highlight, or NULL */
	void (*get)(struct pane *p, uint64_t i, struct pline *pl);
};

/* The head does not fit before the text: it takes a row of its own. */
static bool head_alone(const struct pane *p, const struct pline *pl)
{
	return pl->head && pl->head[0] && cols_of(p->u, pl->head, strlen(pl->head)) >= pl->x1 - pl->hx;
}

static int pane_rows(uint64_t i, void *arg)
{
	struct pane *p = arg;
	struct pline pl;

	p->get(p, i, &pl);
	return head_alone(p, &pl) + ui_text_rows(pl.text, p->W - pl.x1, p->W - pl.x2, p->u->utf8);
}

/* Bytes from..to of a row (the line's text starts at base), the search's matches in reverse video. */
static void put_row(struct pane *p, int y, int x, const char *base, const char *row, size_t n)
{
	const char *m, *end = row + n;
	size_t hl = p->hl ? strlen(p->hl) : 0;

	put_bytes(p->u, y, x, row, n);
	if (!hl)
		return;
	for (m = ui_text_find(base, p->hl); m && m < end; m = ui_text_find(m + 1, p->hl)) {
		const char *a = m < row ? row : m, *b = m + hl > end ? end : m + hl;

		if (b <= a)
			continue;
		ui_attr_on(p->u, CP_BANNER, A_REVERSE);
		put_bytes(p->u, y, x + cols_of(p->u, row, (size_t)(a - row)), a, (size_t)(b - a));
		ui_attr_off(p->u, CP_BANNER, A_REVERSE);
	}
}

/* Draws the pane's lines base..end-1 in rows y0..y0+rows-1 as v places them. */
static void draw_lines(struct pane *p, struct ui_view *v, int y0, int rows, uint64_t base, uint64_t end)
{
	int y = y0, skip;
	uint64_t i;

	ui_view_place(v, base, end, rows, pane_rows, p);
	skip = v->skip;
	for (i = v->first; i < end && y < y0 + rows; i++) {
		struct pline pl;
		const char *s;
		int x, r = 0;

		p->get(p, i, &pl);
		s = pl.text;
		x = pl.x1;
		if (pl.cp)
			ui_attr_on(p->u, pl.cp, pl.mono);
		if (head_alone(p, &pl)) {
			if (r++ >= skip)
				uput(p->u, y++, pl.hx, p->W - pl.hx, pl.head);
			pl.head = NULL;
		}
		do {
			size_t n = ui_text_wrap(s, p->W - x < 1 ? 1 : p->W - x, p->u->utf8);

			if (r++ >= skip && y < y0 + rows) {
				if (pl.head && pl.head[0])
					uput(p->u, y, pl.hx, pl.x1 - pl.hx, pl.head);
				put_row(p, y, x, pl.text, s, n);
				y++;
			}
			pl.head = NULL;
			s = ui_text_after(s, n);
			x = pl.x2;
		} while (*s);
		if (pl.cp)
			ui_attr_off(p->u, pl.cp, pl.mono);
		skip = 0;
	}
}

static void get_msg(struct pane *p, uint64_t i, struct pline *pl)
{
	const struct ui_ring *r = &p->u->m.msgs;

	memset(pl, 0, sizeof(*pl));
	pl->text = ui_ring_at(r, (size_t)(i - r->gone));
	pl->x2 = MSG_INDENT;
}

static void get_log(struct pane *p, uint64_t i, struct pline *pl)
{
	enum log_level lvl = LOGL_INFO;

	memset(pl, 0, sizeof(*pl));
	pl->text = ui_lines_at(&p->u->log, i, &lvl);
	if (!pl->text)
		pl->text = "";
	pl->x2 = UI_LOG_STAMP;
	if (lvl == LOGL_ERROR) {
		pl->cp = CP_BAD;
		pl->mono = A_BOLD;
	} else if (lvl == LOGL_WARN) {
		pl->cp = CP_WARN;
		pl->mono = A_BOLD;
	}
}

static void get_verify(struct pane *p, uint64_t i, struct pline *pl)
{
	const struct ui_vline *v = &p->u->m.verify[i];

	memset(pl, 0, sizeof(*pl));
	pl->text = v->text;
	pl->head = v->para ? NULL : v->label;
	pl->hx = 1;
	pl->x1 = pl->x2 = v->para ? 1 : 1 + UI_VERIFY_LABEL;
	if (v->bad) {
		pl->cp = CP_BAD;
		pl->mono = A_BOLD;
	}
}

static void get_help(struct pane *p, uint64_t i, struct pline *pl)
{
	size_t n;
	const struct ui_help *h = ui_keys_help(&n);

	memset(pl, 0, sizeof(*pl));
	pl->text = h[i].text;
	pl->head = h[i].keys;
	pl->hx = 2;
	pl->x1 = pl->x2 = 2 + UI_HELP_KEYS;
	if (!h[i].keys[0]) { /* a heading */
		pl->x1 = pl->x2 = 1;
		pl->cp = CP_DIM;
		pl->mono = A_BOLD;
	}
}

/* The rule over a pane: its title on the left, whether there is more above or below on the right. */
static void draw_rule(struct ui *u, int y, int W, const char *title, const struct ui_view *v)
{
	char more[64] = "";
	int x, mw;

	if (v->above || v->below)
		snprintf(more, sizeof(more), " %s%s ",
			 v->above && v->below ? g(u, "↑↓ ", "") : v->above ? g(u, "↑ ", "") : g(u, "↓ ", ""),
			 v->above && v->below ? "more above and below" : v->above ? "more above" : "more below");
	mw = cols_of(u, more, strlen(more));
	ui_attr_on(u, CP_DIM, A_BOLD);
	for (x = 0; x < W; x++)
		uput(u, y, x, 1, g(u, "─", "-"));
	uput(u, y, 2, W - 4 - (mw ? mw + 1 : 0), title);
	if (mw)
		uput(u, y, W - mw - 2 > 0 ? W - mw - 2 : 0, W, more);
	ui_attr_off(u, CP_DIM, A_BOLD);
}

/* The call history, newest first: the selected row marked, missed calls in red. */
static void draw_history(struct ui *u, int y0, int rows, int W)
{
	const struct ui_history *h = &u->m.hist;
	struct ui_view *v = &u->k.view[UI_PANE_HISTORY];
	time_t now = time(NULL);
	char line[700];
	size_t first, i;
	int y;

	first = h->sel >= (size_t)rows ? h->sel - (size_t)rows + 1 : 0;
	v->above = first > 0;
	v->below = first + (size_t)rows < h->n;
	for (y = 0; y < rows; y++) {
		bool sel, missed;

		i = first + (size_t)y;
		fill(y0 + y, 0, W);
		if (i >= h->n) {
			if (!h->n && !y)
				uput(u, y0, 3, W - 3, "no calls in the history");
			continue;
		}
		sel = i == h->sel;
		missed = ui_history_is_missed(ui_history_row(h, i));
		ui_history_line(h, i, now, W < 60, line, sizeof(line));
		/* one colour pair at a time: a selected missed call is the missed colours reversed */
		if (missed)
			ui_attr_on(u, CP_BAD, A_BOLD);
		else if (sel)
			ui_attr_on(u, CP_SEL, A_REVERSE);
		if (sel && missed)
			attron(A_REVERSE);
		if (sel)
			fill(y0 + y, 0, W);
		uput(u, y0 + y, 0, 3, sel ? g(u, " ▶ ", " > ") : "   ");
		uput(u, y0 + y, 3, W - 3, line);
		if (sel && missed)
			attroff(A_REVERSE);
		if (missed)
			ui_attr_off(u, CP_BAD, A_BOLD);
		else if (sel)
			ui_attr_off(u, CP_SEL, A_REVERSE);
	}
}

/* The sound devices: what is in use and what the last choice came to, then the list, the selected row marked. */
static void draw_devices(struct ui *u, int y0, int rows, int W)
{
	const struct ui_devices *d = &u->m.devs;
	struct ui_view *v = &u->k.view[UI_PANE_DEVICES];
	char line[400], use[300];
	size_t first, i;
	int y, head = rows > 4 ? 2 : 0;

	fill(y0, 0, W);
	if (head) {
		fill(y0 + 1, 0, W);
		ui_devices_in_use(d, use, sizeof(use));
		snprintf(line, sizeof(line), "In use: %s", use[0] ? use : "(asking)");
		uput(u, y0, 1, W - 1, line);
		ui_attr_on(u, CP_DIM, A_BOLD);
		snprintf(line, sizeof(line), "%s", d->result[0] ? d->result :
			 !d->listed ? "" : d->fresh ? "the list is fresh" :
			 "the list is from when the device opened (a call holds it): r after the call looks anew");
		uput(u, y0 + 1, 1, W - 1, line);
		ui_attr_off(u, CP_DIM, A_BOLD);
	}
	y0 += head;
	rows -= head;
	first = d->sel >= (size_t)rows ? d->sel - (size_t)rows + 1 : 0;
	v->above = first > 0;
	v->below = first + (size_t)rows < d->n;
	for (y = 0; y < rows; y++) {
		bool sel;

		i = first + (size_t)y;
		fill(y0 + y, 0, W);
		if (i >= d->n) {
			if (!d->n && !y)
				uput(u, y0, 3, W - 3, d->listed ? "no sound device (see the messages)" : "asking for the devices");
			continue;
		}
		sel = i == d->sel;
		ui_devices_line(d, i, W < 60, line, sizeof(line));
		if (sel) {
			ui_attr_on(u, CP_SEL, A_REVERSE);
			fill(y0 + y, 0, W);
		}
		uput(u, y0 + y, 0, 3, sel ? g(u, " ▶ ", " > ") : "   ");
		uput(u, y0 + y, 3, W - 3, line);
		if (sel)
			ui_attr_off(u, CP_SEL, A_REVERSE);
	}
}

static void draw_pane(struct ui *u, int y0, int rows, int W)
{
	static const char *const title[] = { " Messages ", " Log (SIP trace, secrets masked) ", " Verify report ",
					     " Call history (Enter calls back) ",
					     " Sound devices (c capture, p playback, Enter both) " };
	static const char *const title_short[] = { " Messages ", " Log ", " Verify ", " History ", " Devices " };
	struct ui_view *v = &u->k.view[u->k.pane];
	struct pane p = { .u = u, .W = W };

	if (rows < 2)
		return;
	/* the lines first (they say whether there is more), then the rule with the marker */
	if (u->k.pane == UI_PANE_VERIFY) {
		ui_model_verify_accounts(&u->m);
		p.get = get_verify;
		draw_lines(&p, v, y0 + 1, rows - 1, 0, u->m.nverify);
	} else if (u->k.pane == UI_PANE_HISTORY) {
		draw_history(u, y0 + 1, rows - 1, W);
	} else if (u->k.pane == UI_PANE_DEVICES) {
		draw_devices(u, y0 + 1, rows - 1, W);
	} else if (u->k.pane == UI_PANE_LOG) {
		p.get = get_log;
		p.hl = u->k.search[0] ? u->k.search : NULL;
		ui_lines_lock(&u->log);
		draw_lines(&p, v, y0 + 1, rows - 1, ui_lines_base(&u->log), ui_lines_end(&u->log));
		ui_lines_unlock(&u->log);
	} else {
		p.get = get_msg;
		draw_lines(&p, v, y0 + 1, rows - 1, u->m.msgs.gone, u->m.msgs.gone + u->m.msgs.n);
	}
	draw_rule(u, y0, W, (W >= 60 ? title : title_short)[u->k.pane], v);
}

/* The help over the panes (rows 1..H-2), scrolled like a pane. */
static void draw_help(struct ui *u, int H, int W)
{
	struct pane p = { .u = u, .W = W, .get = get_help };
	size_t n;

	ui_keys_help(&n);
	for (int y = 1; y < H - 1; y++)
		fill(y, 0, W);
	draw_lines(&p, &u->k.help_view, 2, H - 3, 0, n);
	draw_rule(u, 1, W, W >= 60 ? " Help: sphone's keys " : " Help ", &u->k.help_view);
}

static void draw_banner(struct ui *u, int y, int W)
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
	fill(y, 0, W);
	uput(u, y, 1, W - 1, line);
	ui_attr_off(u, cp, A_REVERSE | A_BOLD);
}

/* The prompt line: the line being typed with the cursor kept in sight, else the note. */
static void draw_prompt(struct ui *u, int y, int W)
{
	static const char *const prompt[] = { [UI_MODE_DIAL] = "Dial: ", [UI_MODE_CMD] = ":", [UI_MODE_SEARCH] = "/" };
	const struct ui_keys *k = &u->k;
	size_t off = 0;
	int px, cc, avail;

	switch (k->mode) {
	case UI_MODE_DIAL:
	case UI_MODE_CMD:
	case UI_MODE_SEARCH:
		px = uput(u, y, 0, W, prompt[k->mode]);
		avail = W - px - 1;
		/* scrolled left by whole characters until the cursor is in sight */
		while (off < k->cur && cols_of(u, k->edit + off, k->cur - off) > avail) {
			off++;
			while (off < k->cur && (k->edit[off] & 0xC0) == 0x80)
				off++;
		}
		cc = cols_of(u, k->edit + off, k->cur - off);
		uput(u, y, px, avail, k->edit + off);
		if (u->m.note[0] && !off) {
			int ew = cols_of(u, k->edit, k->elen);

			if (px + ew + 4 < W) {
				ui_attr_on(u, CP_DIM, A_DIM);
				uput(u, y, px + ew + 2, W - px - ew - 2, u->m.note);
				ui_attr_off(u, CP_DIM, A_DIM);
			}
		}
		move(y, px + cc);
		break;
	case UI_MODE_CONFIRM_QUIT:
		ui_attr_on(u, CP_WARN, A_REVERSE);
		fill(y, 0, W);
		uput(u, y, 0, W, " A call is up. Hang up and quit? (y/n) ");
		ui_attr_off(u, CP_WARN, A_REVERSE);
		break;
	default:
		if (u->m.note[0]) {
			ui_attr_on(u, CP_DIM, A_DIM);
			uput(u, y, 0, W, u->m.note);
			ui_attr_off(u, CP_DIM, A_DIM);
		}
		break;
	}
}

/* Below UI_MIN_COLS x UI_MIN_ROWS: only that, each line wrapped to what there is; it goes when the terminal grows. */
static void draw_too_small(struct ui *u, int H, int W)
{
	char l1[64], l2[64];
	/* q still works here, and its question must be seen */
	const char *lines[] = { l1, l2,
				u->k.mode == UI_MODE_CONFIRM_QUIT ? "A call is up. Hang up and quit? (y/n)" : "(q quits)" },
		   *s;
	size_t i;
	int y = 0;

	snprintf(l1, sizeof(l1), "terminal too small (need %dx%d)", UI_MIN_COLS, UI_MIN_ROWS);
	snprintf(l2, sizeof(l2), "it is %dx%d", W, H);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		for (s = lines[i]; *s && y < H;) {
			size_t n = ui_text_wrap(s, W, false);

			put_bytes(u, y++, 0, s, n);
			s = ui_text_after(s, n);
		}
}

void ui_curses_draw(struct ui *u)
{
	int H, W, y, call_rows, i, nused = 0;
	const struct ui_call *sel;
	char bar[512];

	if (!u->curses_on)
		return;
	getmaxyx(stdscr, H, W);
	erase();
	if (H < UI_MIN_ROWS || W < UI_MIN_COLS) {
		draw_too_small(u, H, W);
		curs_set(0);
		refresh();
		return;
	}
	draw_status(u, W);
	y = 1;
	if (u->m.banner[0])
		draw_banner(u, y++, W);
	for (i = 0; i < UI_MAX_CALLS; i++)
		if (u->m.calls[i].used)
			nused++;
	/* a short terminal keeps rows for the pane */
	call_rows = nused < 1 ? 1 : nused > (H >= 20 ? 4 : 2) ? (H >= 20 ? 4 : 2) : nused;
	if (H >= 20 && call_rows < 2)
		call_rows = 2;
	draw_calls(u, y, call_rows, W);
	y += 1 + call_rows;
	sel = ui_model_sel(&u->m);
	if (sel && sel->established && !sel->ended)
		draw_meters(u, y++, W);
	else if (H >= 20)
		y++;
	draw_pane(u, y, H - 2 - y, W);
	if (u->k.mode == UI_MODE_HELP)
		draw_help(u, H, W);
	ui_keys_bar(&u->k, W, bar, sizeof(bar));
	ui_attr_on(u, CP_BAR, A_REVERSE);
	fill(H - 1, 0, W);
	uput(u, H - 1, 0, W, bar);
	ui_attr_off(u, CP_BAR, A_REVERSE);
	draw_prompt(u, H - 2, W);
	curs_set(u->k.mode == UI_MODE_DIAL || u->k.mode == UI_MODE_CMD || u->k.mode == UI_MODE_SEARCH ? 1 : 0);
	refresh();
	u->m.dirty = false;
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
	case KEY_LEFT:
		return UI_KEY_LEFT;
	case KEY_RIGHT:
		return UI_KEY_RIGHT;
	case KEY_HOME:
		return UI_KEY_HOME;
	case KEY_END:
		return UI_KEY_END;
	case KEY_DC:
		return UI_KEY_DELETE;
	case KEY_F(1):
		return UI_KEY_F1;
	case KEY_F(10):
		return UI_KEY_F10;
	case KEY_RESIZE: /* SIGWINCH is handled on the loop */
		return 0;
	default:
		return UI_KEY_OTHER;
	}
}

void ui_curses_stdin_h(int fd, int events, void *arg)
{
	struct ui *u = arg;
	wint_t ch;
	int r, guard = 0;

	(void)fd;
	if (events & LOOP_ERROR) {
		loop_fd_remove(u->l, STDIN_FILENO);
		u->stdin_on = false;
		ui_curses_run_quit(u, "terminal closed");
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
		ui_curses_draw(u);
}

void ui_curses_resize(struct ui *u)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
	ui_curses_draw(u);
}


/*
 * What other terminals send for Home, End, Delete, PgUp, PgDn, F1 and F10, for when TERM names another
 * terminal than the one in use (xterm's TERM inside tmux or screen sends ESC [1~ for Home).
 * Only sequences the terminfo entry leaves free.
 */
static void extra_keys(void)
{
	static const struct {
		const char *seq;
		int key;
	} extra[] = {
		{ "\033[1~", KEY_HOME }, { "\033[7~", KEY_HOME }, { "\033[H", KEY_HOME }, { "\033OH", KEY_HOME },
		{ "\033[4~", KEY_END },  { "\033[8~", KEY_END },  { "\033[F", KEY_END },  { "\033OF", KEY_END },
		{ "\033[3~", KEY_DC },   { "\033OP", KEY_F(1) }, { "\033[11~", KEY_F(1) }, { "\033[21~", KEY_F(10) },
		{ "\033[5~", KEY_PPAGE }, { "\033[6~", KEY_NPAGE },
	};
	size_t i;

	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		if (key_defined(extra[i].seq) == 0)
			define_key(extra[i].seq, extra[i].key);
}

void ui_curses_start(struct ui *u)
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
	extra_keys();
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

void ui_curses_end(struct ui *u)
{
	endwin();
	u->curses_on = false;
}

void ui_curses_beep(void)
{
	beep();
}

void ui_curses_redraw(void)
{
	clearok(curscr, TRUE);
}
