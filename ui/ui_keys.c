/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ui_keys.c: key presses turned into UA commands, mode changes and the dial/command line; no terminal code here. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "ua.h"
#include "ui_keys.h"
#include "ui_model.h"

static void copy(char *dst, size_t sz, const char *src)
{
	snprintf(dst, sz, "%s", src ? src : "");
}

static void command(struct ui_keys *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void command(struct ui_keys *k, const char *fmt, ...)
{
	char line[UI_LINE_MAX + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	k->ah(UI_ACT_COMMAND, line, k->arg);
}

/* "hangup 3", or "hangup" for a call without an id */
static void call_command(struct ui_keys *k, const char *verb, const struct ui_call *c)
{
	if (c->id[0])
		command(k, "%s %s", verb, c->id);
	else
		command(k, "%s", verb);
}

static void set_note(struct ui_keys *k, const char *s)
{
	copy(k->m->note, sizeof(k->m->note), s);
}

static void edit_set(struct ui_keys *k, const char *s)
{
	copy(k->edit, sizeof(k->edit), s);
	k->elen = k->cur = strlen(k->edit);
}

void ui_keys_init(struct ui_keys *k, struct ui_model *m, ui_keys_action_h *ah, void *arg)
{
	memset(k, 0, sizeof(*k));
	k->m = m;
	k->ah = ah;
	k->arg = arg;
	/* the message and log panes show the newest lines as they come */
	k->view[UI_PANE_MSGS].follow = true;
	k->view[UI_PANE_LOG].follow = true;
}

void ui_keys_verify_selected(struct ui_keys *k)
{
	struct ui_call *c = ui_model_sel(k->m);

	if (!c || !c->established || c->ended)
		return;
	call_command(k, "verify", c);
}

void ui_keys_dial(struct ui_keys *k, const char *typed)
{
	char line[UI_LINE_MAX];
	size_t n;

	copy(line, sizeof(line), typed);
	n = strlen(line);
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		line[--n] = '\0';
	ui_hist_add(&k->dial_hist, line);
	k->ah(UI_ACT_DIAL, line, k->arg);
}

static void run_cmd_line(struct ui_keys *k, char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	s += strspn(s, " \t");
	if (!*s)
		return;
	ui_hist_add(&k->cmd_hist, s);
	if (!strcmp(s, "quit") || !strcmp(s, "exit")) {
		k->ah(UI_ACT_QUIT, "quit command", k->arg);
		return;
	}
	if (!strcmp(s, "help")) {
		k->mode = UI_MODE_HELP;
		return;
	}
	if (!strcmp(s, "verify"))
		k->pane = UI_PANE_VERIFY;
	k->m->status_asked = !strncmp(s, "status", 6);
	if (!strncmp(s, "call ", 5)) {
		/* the dial line's way, so ":call bob" says what it calls as Enter on the dial line does */
		ui_keys_dial(k, s + 5);
		return;
	}
	command(k, "%s", s);
}

/* Tab on the dial line: contacts, then history; on the command line: the UA's commands. */
static void complete(struct ui_keys *k, const struct ui_hist *hist)
{
	const char *c;

	if (!k->completing) {
		copy(k->comp_prefix, sizeof(k->comp_prefix), k->edit);
		k->comp_skip = 0;
		k->completing = true;
	}
	if (k->mode == UI_MODE_DIAL) {
		c = ui_dial_complete(k->comp_prefix, k->contacts, k->ncontacts, hist, k->comp_skip);
	} else {
		const char *const *cmds = ua_commands();
		size_t skip = k->comp_skip, pl = strlen(k->comp_prefix);

		c = NULL;
		for (; *cmds; cmds++)
			if (!strncmp(*cmds, k->comp_prefix, pl) && !skip--) {
				c = *cmds;
				break;
			}
	}
	if (!c && k->comp_skip) {
		k->comp_skip = 0; /* wrap around */
		c = k->mode == UI_MODE_DIAL ? ui_dial_complete(k->comp_prefix, k->contacts, k->ncontacts, hist, 0)
					    : NULL;
	}
	if (c) {
		edit_set(k, c);
		k->comp_skip++;
	} else {
		k->ah(UI_ACT_BELL, NULL, k->arg);
	}
}

/* ---- the line being typed (dial, command, search): readline's keys ---- */

static void edit_reset(struct ui_keys *k, enum ui_mode mode, const char *init)
{
	k->mode = mode;
	edit_set(k, init);
	k->hist_pos = 0;
	k->completing = false;
	k->comp_skip = 0;
	k->m->note[0] = '\0';
}

static bool cont_byte(char c)
{
	return ((unsigned char)c & 0xC0) == 0x80;
}

/* The character before / after byte i (UTF-8: a lead byte and its continuation bytes). */
static size_t char_before(const struct ui_keys *k, size_t i)
{
	while (i && cont_byte(k->edit[--i]))
		;
	return i;
}

static size_t char_after(const struct ui_keys *k, size_t i)
{
	if (i < k->elen)
		i++;
	while (i < k->elen && cont_byte(k->edit[i]))
		i++;
	return i;
}

/* Removes bytes from..to-1; kept for Ctrl-Y when kill. */
static void edit_cut(struct ui_keys *k, size_t from, size_t to, bool kill)
{
	if (to <= from)
		return;
	if (kill)
		snprintf(k->kill, sizeof(k->kill), "%.*s", (int)(to - from), k->edit + from);
	memmove(k->edit + from, k->edit + to, k->elen - to + 1);
	k->elen -= to - from;
	k->cur = from;
}

static void edit_put(struct ui_keys *k, const char *s, size_t n)
{
	if (k->elen + n >= sizeof(k->edit))
		return;
	memmove(k->edit + k->cur + n, k->edit + k->cur, k->elen - k->cur + 1);
	memcpy(k->edit + k->cur, s, n);
	k->elen += n;
	k->cur += n;
}

/* A printable character at the cursor, as the terminal's encoding has it. */
static void edit_insert(struct ui_keys *k, unsigned ch)
{
	char mb[MB_LEN_MAX];
	mbstate_t st;
	size_t n;

	memset(&st, 0, sizeof(st));
	if (k->utf8) {
		n = wcrtomb(mb, (wchar_t)ch, &st);
		if (n == (size_t)-1)
			return;
	} else {
		if (ch > 0x7e)
			return;
		mb[0] = (char)ch;
		n = 1;
	}
	edit_put(k, mb, n);
}

/* Ctrl-W: the word before the cursor and the blanks after it (readline's unix-word-rubout). */
static void edit_rubout_word(struct ui_keys *k)
{
	size_t i = k->cur;

	while (i && k->edit[i - 1] == ' ')
		i--;
	while (i && k->edit[i - 1] != ' ')
		i--;
	edit_cut(k, i, k->cur, true);
}

/* Keys that move the cursor or change the text; false: not one of them. */
static bool edit_readline(struct ui_keys *k, unsigned ch)
{
	switch (ch) {
	case UI_KEY_LEFT:
	case 2: /* Ctrl-B */
		k->cur = char_before(k, k->cur);
		return true;
	case UI_KEY_RIGHT:
	case 6: /* Ctrl-F */
		k->cur = char_after(k, k->cur);
		return true;
	case UI_KEY_HOME:
	case 1: /* Ctrl-A */
		k->cur = 0;
		return true;
	case UI_KEY_END:
	case 5: /* Ctrl-E */
		k->cur = k->elen;
		return true;
	case UI_KEY_DELETE:
	case 4: /* Ctrl-D */
		edit_cut(k, k->cur, char_after(k, k->cur), false);
		return true;
	case 23: /* Ctrl-W */
		edit_rubout_word(k);
		return true;
	case 11: /* Ctrl-K */
		edit_cut(k, k->cur, k->elen, true);
		return true;
	case 21: /* Ctrl-U */
		edit_cut(k, 0, k->cur, true);
		return true;
	case 25: /* Ctrl-Y */
		edit_put(k, k->kill, strlen(k->kill));
		return true;
	default:
		return false;
	}
}

static void search_run(struct ui_keys *k, uint64_t from, int dir);

static void edit_enter(struct ui_keys *k)
{
	char line[UI_LINE_MAX];
	enum ui_mode mode = k->mode;

	copy(line, sizeof(line), k->edit);
	k->mode = UI_MODE_NORMAL;
	k->m->note[0] = '\0';
	if (mode == UI_MODE_DIAL) {
		size_t i = strspn(line, " \t");

		if (line[i])
			ui_keys_dial(k, line + i);
	} else if (mode == UI_MODE_SEARCH) {
		if (line[0])
			copy(k->search, sizeof(k->search), line);
		/* from the first line shown, as less does */
		search_run(k, k->view[UI_PANE_LOG].first, 1);
	} else {
		run_cmd_line(k, line);
	}
}

static void edit_key(struct ui_keys *k, unsigned ch)
{
	struct ui_hist *hist = k->mode == UI_MODE_DIAL ? &k->dial_hist : &k->cmd_hist;

	if (ch != '\t' && ch != UI_KEY_BTAB)
		k->completing = false;
	if (ch == 27 || ch == 7) { /* Esc, Ctrl-G */
		k->mode = UI_MODE_NORMAL;
		k->m->note[0] = '\0';
		return;
	}
	if (ch == UI_KEY_ENTER || ch == '\n' || ch == '\r') {
		edit_enter(k);
		return;
	}
	if (ch == UI_KEY_BACKSPACE || ch == 127 || ch == 8) {
		edit_cut(k, char_before(k, k->cur), k->cur, false);
		/* a command or search line left empty closes, as less does */
		if (!k->elen && k->mode != UI_MODE_DIAL)
			k->mode = UI_MODE_NORMAL;
		return;
	}
	if (edit_readline(k, ch))
		return;
	if ((ch == UI_KEY_UP || ch == UI_KEY_DOWN) && k->mode != UI_MODE_SEARCH) {
		const char *h;

		if (ch == UI_KEY_UP && k->hist_pos < hist->n)
			k->hist_pos++;
		else if (ch == UI_KEY_DOWN && k->hist_pos)
			k->hist_pos--;
		h = k->hist_pos ? ui_hist_back(hist, k->hist_pos - 1) : "";
		edit_set(k, h ? h : "");
		return;
	}
	if (ch == '\t' && k->mode != UI_MODE_SEARCH) {
		complete(k, hist);
		return;
	}
	if (ch >= 0x20 && ch != 127 && ch < UI_KEY_UP)
		edit_insert(k, ch);
}

/* ---- the log pane's search ---- */

/* The next line with the search text from line `from` in dir; shown and noted, or "not found". */
static void search_run(struct ui_keys *k, uint64_t from, int dir)
{
	char note[sizeof(k->m->note)];
	bool wrapped;
	uint64_t at;

	k->pane = UI_PANE_LOG;
	if (!k->search[0] || !k->log)
		return;
	if (!ui_lines_find(k->log, k->search, from, dir, &at, &wrapped)) {
		k->have_match = false;
		snprintf(note, sizeof(note), "not found: %.100s", k->search);
		set_note(k, note);
		return;
	}
	k->match = at;
	k->have_match = true;
	ui_view_show(&k->view[UI_PANE_LOG], at);
	if (wrapped)
		set_note(k, dir > 0 ? "search went on from the top" : "search went on from the bottom");
}

static void search_step(struct ui_keys *k, int dir)
{
	uint64_t from = k->have_match ? k->match : k->view[UI_PANE_LOG].first;

	if (!k->search[0]) {
		set_note(k, "no search yet: / to search the log");
		return;
	}
	if (k->have_match)
		from += (uint64_t)(int64_t)dir; /* from 0 back: past the end, which ui_lines_find takes round */
	search_run(k, from, dir);
}

/* ---- scrolling the pane shown ---- */

/* j/k, PgUp/PgDn, Home/End on view v; false: not a scrolling key. */
static bool scroll_key(struct ui_view *v, unsigned ch)
{
	switch (ch) {
	case 'j':
		ui_view_scroll(v, 1);
		return true;
	case 'k':
		ui_view_scroll(v, -1);
		return true;
	case UI_KEY_PGDN:
	case ' ':
		ui_view_page(v, 1);
		return true;
	case UI_KEY_PGUP:
		ui_view_page(v, -1);
		return true;
	case UI_KEY_HOME:
		ui_view_home(v);
		return true;
	case UI_KEY_END:
		ui_view_end(v);
		return true;
	default:
		return false;
	}
}

static void fkey_normal(struct ui_keys *k, unsigned ch)
{
	switch (ch) {
	case UI_KEY_UP:
	case UI_KEY_BTAB:
		ui_model_select_step(k->m, -1, false);
		break;
	case UI_KEY_DOWN:
		ui_model_select_step(k->m, 1, false);
		break;
	default:
		scroll_key(&k->view[k->pane], ch);
		break;
	}
}

/* 'a': the selected call if it is ringing here, else the first that is */
static void answer(struct ui_keys *k, struct ui_call *c)
{
	struct ui_call *in = NULL;
	int i;

	if (c && c->incoming && !c->established && !c->ended)
		in = c;
	for (i = 0; !in && i < UI_MAX_CALLS; i++) {
		struct ui_call *x = &k->m->calls[i];

		if (x->used && x->incoming && !x->established && !x->ended)
			in = x;
	}
	if (!in) {
		set_note(k, "no incoming call to answer");
		return;
	}
	call_command(k, "answer", in);
}

/* The call whose far end asks to transfer it (accept_transfer = ask): the selected one, else the first. */
static const struct ui_call *xfer_asking(const struct ui_model *m)
{
	const struct ui_call *c = m->sel >= 0 && m->sel < UI_MAX_CALLS ? &m->calls[m->sel] : NULL;

	if (c && c->used && c->xfer_ask && !c->ended)
		return c;
	for (int i = 0; i < UI_MAX_CALLS; i++)
		if (m->calls[i].used && m->calls[i].xfer_ask && !m->calls[i].ended)
			return &m->calls[i];
	return NULL;
}

/* 'T' / 'R': take or refuse the transfer the far end asks for */
static void xfer_answer(struct ui_keys *k, bool take)
{
	const struct ui_call *c = xfer_asking(k->m);

	if (!c)
		set_note(k, "no transfer waits for your answer");
	else
		call_command(k, take ? "transfer-accept" : "transfer-refuse", c);
}

/* Tab, 's': the next live call becomes the active one (the UA holds the others) */
static void switch_call(struct ui_keys *k)
{
	struct ui_call *c;

	if (ui_model_live(k->m) < 2) {
		set_note(k, "only one call: nothing to switch to");
		return;
	}
	ui_model_select_step(k->m, 1, true);
	c = ui_model_sel(k->m);
	if (c && c->id[0])
		command(k, "switch %s", c->id);
	else
		command(k, "switch");
}

static void help(struct ui_keys *k)
{
	k->mode = UI_MODE_HELP;
	ui_view_home(&k->help_view);
}

/* q, F10: quit, asking first while a call is up */
static void quit_key(struct ui_keys *k)
{
	if (ui_model_live(k->m))
		k->mode = UI_MODE_CONFIRM_QUIT;
	else
		k->ah(UI_ACT_QUIT, "q key", k->arg);
}

/* H: the call history pane; opening it asks the core for the list and marks the missed calls seen */
static void history_pane(struct ui_keys *k)
{
	if (k->pane == UI_PANE_HISTORY) {
		k->pane = UI_PANE_MSGS;
		return;
	}
	k->pane = UI_PANE_HISTORY;
	ui_history_reload(&k->m->hist);
	command(k, "history %d", UI_CALLS_MAX);
	command(k, "history seen");
}

/* A list pane's selection keys: how many rows ch moves it (all: to either end), 0 for another key. */
static int select_step(unsigned ch, int all)
{
	switch (ch) {
	case 'j':
	case UI_KEY_DOWN:
		return 1;
	case 'k':
	case UI_KEY_UP:
		return -1;
	case ' ':
	case UI_KEY_PGDN:
		return 10;
	case UI_KEY_PGUP:
		return -10;
	case UI_KEY_HOME:
		return -all;
	case UI_KEY_END:
		return all;
	default:
		return 0;
	}
}

/* The history pane's own keys: the selection moves, Enter calls the selected call's far end back. */
static bool history_key(struct ui_keys *k, unsigned ch)
{
	struct ui_history *h = &k->m->hist;
	int step = select_step(ch, UI_CALLS_MAX);
	const char *peer;

	if (step) {
		ui_history_select_step(h, step);
		return true;
	}
	switch (ch) {
	case '\n':
	case '\r':
	case UI_KEY_ENTER:
		peer = ui_history_peer(h, h->sel);
		if (!peer) {
			set_note(k, "no call in the history to call back");
		} else {
			/* the messages say how the call goes ("calling ...", or why it cannot) */
			k->pane = UI_PANE_MSGS;
			ui_keys_dial(k, peer);
		}
		return true;
	default:
		return false;
	}
}

/* A: the sound device pane; opening it asks the core for the list */
static void devices_pane(struct ui_keys *k)
{
	if (k->pane == UI_PANE_DEVICES) {
		k->pane = UI_PANE_MSGS;
		return;
	}
	k->pane = UI_PANE_DEVICES;
	ui_devices_reload(&k->m->devs);
	command(k, "devices");
}

/* The device pane's own keys: the selection moves; c capture, p playback, Enter both; r looks again. */
static bool devices_key(struct ui_keys *k, unsigned ch)
{
	struct ui_devices *d = &k->m->devs;
	const struct ui_dev *x = ui_devices_row(d, d->sel);
	const char *dir = NULL;
	char cmd[64], why[150], note[150];
	int step = select_step(ch, UI_DEVS_MAX);

	if (step) {
		ui_devices_select_step(d, step);
		return true;
	}
	switch (ch) {
	case 'r':
		ui_devices_reload(d);
		command(k, "devices");
		set_note(k, "looking for sound devices");
		return true;
	case 'c':
		dir = "in";
		break;
	case 'p':
		dir = "out";
		break;
	case '\n':
	case '\r':
	case UI_KEY_ENTER:
		dir = "both";
		break;
	default:
		return false;
	}
	if (ui_devices_command(d, d->sel, dir, cmd, sizeof(cmd), why, sizeof(why))) {
		set_note(k, why);
		return true;
	}
	/* the "audio" event says where it went (the pane and the messages), an "error" why it did not */
	d->result[0] = '\0';
	command(k, "%s", cmd);
	snprintf(note, sizeof(note), "%s %.100s", !strcmp(dir, "in") ? "capture:" : !strcmp(dir, "out") ? "playback:" :
		 "capture and playback:", x ? x->name : "");
	set_note(k, note);
	return true;
}

static void normal_key(struct ui_keys *k, unsigned ch)
{
	struct ui_call *c = ui_model_sel(k->m);
	bool live = c && !c->ended;

	k->m->note[0] = '\0';
	if (k->pane == UI_PANE_HISTORY && history_key(k, ch))
		return;
	if (k->pane == UI_PANE_DEVICES && devices_key(k, ch))
		return;
	if (ch >= UI_KEY_UP) {
		fkey_normal(k, ch);
		return;
	}
	if ((ch >= '0' && ch <= '9') || ch == '*' || ch == '#') {
		if (live && c->established) {
			char sent[32];

			command(k, "dtmf %c", (char)ch);
			ui_model_msg(k->m, "DTMF sent: %c", (char)ch);
			snprintf(sent, sizeof(sent), "DTMF sent: %c", (char)ch);
			set_note(k, sent);
		} else {
			char init[2] = { (char)ch, '\0' };

			edit_reset(k, UI_MODE_DIAL, init);
		}
		return;
	}
	switch (ch) {
	case 'd':
	case '\n':
	case '\r':
		edit_reset(k, UI_MODE_DIAL, "");
		break;
	case ':':
		edit_reset(k, UI_MODE_CMD, "");
		break;
	case 'a':
		answer(k, c);
		break;
	case 'h':
		if (!live)
			set_note(k, "no call to hang up");
		else
			call_command(k, "hangup", c);
		break;
	case 'o':
		if (!live || !c->established)
			set_note(k, "no established call to hold");
		else
			command(k, "%s", c->hold ? "resume" : "hold");
		break;
	case 'M':
		if (!live)
			set_note(k, "no call to mute");
		else
			call_command(k, c->muted ? "unmute" : "mute", c);
		break;
	case 'V':
	case 'X':
		/* capitals: storing "verified" for the far device is a decision, not a stray key */
		if (!live || !c->established)
			set_note(k, "no established call whose ZRTP SAS to confirm");
		else
			call_command(k, ch == 'V' ? "sas-verify" : "sas-reject", c);
		break;
	case 'T':
	case 'R':
		/* capitals, as V/X: where the call goes is a decision, not a stray key */
		xfer_answer(k, ch == 'T');
		break;
	case '\t':
	case 's':
		switch_call(k);
		break;
	case 't':
		/* blind transfer: the command line, ready for the address */
		if (!live || !c->established) {
			set_note(k, "no established call to transfer");
		} else {
			char init[48];

			snprintf(init, sizeof(init), "transfer %s%s", c->id, c->id[0] ? " " : "");
			edit_reset(k, UI_MODE_CMD, init);
		}
		break;
	case 'v':
		if (k->pane == UI_PANE_VERIFY) {
			k->pane = UI_PANE_MSGS;
		} else {
			k->pane = UI_PANE_VERIFY;
			ui_view_home(&k->view[UI_PANE_VERIFY]);
			ui_keys_verify_selected(k);
		}
		break;
	case 'l':
		k->pane = k->pane == UI_PANE_LOG ? UI_PANE_MSGS : UI_PANE_LOG;
		break;
	case 'H':
		history_pane(k);
		break;
	case 'A':
		devices_pane(k);
		break;
	case 'w':
		command(k, "voicemail");
		set_note(k, "calling your voicemail");
		break;
	case 'm':
		k->pane = UI_PANE_MSGS;
		break;
	case '/':
		k->pane = UI_PANE_LOG;
		edit_reset(k, UI_MODE_SEARCH, "");
		break;
	case 'n':
	case 'N':
		if (k->pane == UI_PANE_LOG)
			search_step(k, ch == 'n' ? 1 : -1);
		break;
	case 'j':
	case 'k':
	case ' ':
		scroll_key(&k->view[k->pane], ch);
		break;
	case '?':
		help(k);
		break;
	case 'q':
		quit_key(k);
		break;
	case 12: /* Ctrl-L */
		k->ah(UI_ACT_REDRAW, NULL, k->arg);
		break;
	case 27:
		k->m->banner[0] = '\0';
		break;
	default:
		break;
	}
}

void ui_keys_key(struct ui_keys *k, unsigned key)
{
	/* as in htop: F1 help, F10 quit, whatever is open (but the question F10 itself asks) */
	if (key == UI_KEY_F1 && k->mode != UI_MODE_CONFIRM_QUIT) {
		if (k->mode == UI_MODE_HELP)
			k->mode = UI_MODE_NORMAL;
		else
			help(k);
		k->m->dirty = true;
		return;
	}
	if (key == UI_KEY_F10 && k->mode != UI_MODE_CONFIRM_QUIT) {
		k->mode = UI_MODE_NORMAL;
		quit_key(k);
		k->m->dirty = true;
		return;
	}
	switch (k->mode) {
	case UI_MODE_HELP:
		/* the scrolling keys scroll it, Up/Down too; any other closes it */
		if (key == UI_KEY_DOWN)
			key = 'j';
		else if (key == UI_KEY_UP)
			key = 'k';
		if (!scroll_key(&k->help_view, key))
			k->mode = UI_MODE_NORMAL;
		break;
	case UI_MODE_CONFIRM_QUIT:
		k->mode = UI_MODE_NORMAL;
		if (key == 'y' || key == 'Y')
			k->ah(UI_ACT_QUIT, "q key", k->arg);
		break;
	case UI_MODE_DIAL:
	case UI_MODE_CMD:
	case UI_MODE_SEARCH:
		edit_key(k, key);
		break;
	default:
		normal_key(k, key);
		break;
	}
	k->m->dirty = true;
}

/* ---- the key bar and the help ---- */

struct hint {
	const char *text;
	int prio; /* 0: always there; then the lower the sooner it goes in */
};

static void hint(struct hint *h, size_t *n, int prio, const char *text)
{
	h[*n].text = text;
	h[*n].prio = prio;
	(*n)++;
}

/* The ringing call: the selected one if it rings, else the first that does; NULL when none rings. */
static const struct ui_call *ringing(const struct ui_model *m)
{
	const struct ui_call *c = m->sel >= 0 && m->sel < UI_MAX_CALLS ? &m->calls[m->sel] : NULL;
	int i;

	if (c && c->used && c->incoming && !c->established && !c->ended)
		return c;
	for (i = 0; i < UI_MAX_CALLS; i++)
		if (m->calls[i].used && m->calls[i].incoming && !m->calls[i].established && !m->calls[i].ended)
			return &m->calls[i];
	return NULL;
}

/* hbuf: room for a hint made here ("H history (2 missed)"), alive as long as h */
static size_t hints_normal(const struct ui_keys *k, struct hint *h, char *hbuf, size_t hsz)
{
	const struct ui_call *c = ui_model_sel(k->m), *r = ringing(k->m);
	const struct ui_view *v = &k->view[k->pane];
	bool live = c && !c->ended;
	size_t n = 0;

	/*
	 * Priorities (0 always; then the lower, the sooner in): what acts on the calls first, then how to
	 * leave the pane shown, then moving about, then the rest. At 80 columns in a call with more to
	 * scroll: hang up, hold, mute, transfer, scroll, then v verify (messages) or v back (verify view),
	 * help, quit; a ZRTP string to compare (V/X) goes in before mute.
	 */
	if (r)
		hint(h, &n, 1, "a answer");
	if (xfer_asking(k->m))
		hint(h, &n, 1, "T/R transfer ok/no");
	if (live && c == r)
		hint(h, &n, 1, "h reject");
	else if (live && c->established)
		hint(h, &n, 1, "h hang up");
	else if (live)
		hint(h, &n, 1, "h cancel");
	if (live && c->established) {
		hint(h, &n, 2, c->hold ? "o resume" : "o hold");
		hint(h, &n, 3, c->muted ? "M unmute" : "M mute");
	}
	if (ui_model_live(k->m) > 1)
		hint(h, &n, 2, "Tab switch");
	if (live && c->established) {
		/* ZRTP's string to read aloud: V it was the same on both phones, X it was not */
		if (c->sas_pending)
			hint(h, &n, 2, "V/X SAS ok/bad");
		hint(h, &n, 6, "0-9 DTMF");
		hint(h, &n, 3, "t transfer");
	}
	hint(h, &n, live || r ? 7 : 1, "d dial");
	if (v->above || v->below)
		hint(h, &n, 4, "j/k scroll");
	if (k->pane == UI_PANE_LOG) {
		hint(h, &n, 3, "/ search");
		if (k->search[0])
			hint(h, &n, 4, "n/N next");
		hint(h, &n, 3, "l back");
	} else {
		hint(h, &n, 8, "l log");
	}
	hint(h, &n, k->pane == UI_PANE_VERIFY ? 3 : 5, k->pane == UI_PANE_VERIFY ? "v back" : "v verify");
	if (k->pane == UI_PANE_HISTORY) {
		if (k->m->hist.n) {
			hint(h, &n, 1, "Enter call back");
			hint(h, &n, 4, "j/k select");
		}
		hint(h, &n, 3, "H back");
	} else if (k->m->hist.missed > 0) {
		/* also where the status bar has no room for the count */
		snprintf(hbuf, hsz, "H history (%ld missed)", k->m->hist.missed);
		hint(h, &n, 2, hbuf);
	} else {
		hint(h, &n, 8, "H history");
	}
	if (k->pane == UI_PANE_DEVICES) {
		if (k->m->devs.n) {
			hint(h, &n, 1, "Enter use");
			hint(h, &n, 2, "c/p capture/playback");
			hint(h, &n, 4, "j/k select");
		}
		hint(h, &n, 6, "r refresh");
		hint(h, &n, 3, "A back");
	} else {
		hint(h, &n, 9, "A audio");
	}
	for (size_t i = 0; i < k->m->hist.nmwi; i++)
		if (k->m->hist.mwi[i].waiting) {
			hint(h, &n, 6, "w voicemail");
			break;
		}
	hint(h, &n, 10, ": command");
	hint(h, &n, 0, "? help");
	hint(h, &n, 0, "q quit");
	return n;
}

void ui_keys_bar(const struct ui_keys *k, int width, char *out, size_t sz)
{
	char hbuf[48];
	struct hint h[24];
	bool on[24] = { false };
	size_t n = 0, i, pos = 0;
	int used = 0, prio;
	bool full = false;

	switch (k->mode) {
	case UI_MODE_DIAL:
	case UI_MODE_CMD:
		hint(h, &n, 0, k->mode == UI_MODE_DIAL ? "Enter call" : "Enter run");
		hint(h, &n, 1, "Tab complete");
		if ((k->mode == UI_MODE_DIAL ? &k->dial_hist : &k->cmd_hist)->n)
			hint(h, &n, 2, "Up/Down history");
		hint(h, &n, 3, "Left/Right ^A ^E ^W ^K edit");
		hint(h, &n, 0, "Esc cancel");
		break;
	case UI_MODE_SEARCH:
		hint(h, &n, 0, "Enter search the log");
		hint(h, &n, 3, "Left/Right ^A ^E ^W ^K edit");
		hint(h, &n, 0, "Esc cancel");
		break;
	case UI_MODE_CONFIRM_QUIT:
		hint(h, &n, 0, "y hang up and quit");
		hint(h, &n, 0, "n stay");
		break;
	case UI_MODE_HELP:
		if (k->help_view.above || k->help_view.below)
			hint(h, &n, 0, "j/k PgUp/PgDn scroll");
		hint(h, &n, 0, "Esc close");
		break;
	default:
		n = hints_normal(k, h, hbuf, sizeof(hbuf));
		break;
	}
	/*
	 * The most useful first, as long as they fit (each takes a blank before and after). Once one of a
	 * level has no room, no less useful one goes in: a short key of little use must not take the place
	 * of a longer one that matters more, and the bar stays the same for the same state and width.
	 */
	for (prio = 0; prio <= 10 && !full; prio++)
		for (i = 0; i < n; i++) {
			if (h[i].prio != prio)
				continue;
			if (used + (int)strlen(h[i].text) + 2 <= width) {
				on[i] = true;
				used += (int)strlen(h[i].text) + 2;
			} else if (prio > 0) {
				full = true;
			}
		}
	out[0] = '\0';
	for (i = 0; i < n && pos < sz; i++)
		if (on[i])
			pos += (size_t)snprintf(out + pos, sz - pos, " %s ", h[i].text);
}

static const struct ui_help help_lines[] = {
	{ "", "Calls" },
	{ "d", "dial: a sips:/sip: URI, a number, a contact's name or a bare name (it gets the account's domain)" },
	{ "0-9 * #", "in an established call: send the digit as DTMF; otherwise start dialling with it" },
	{ "a", "answer the ringing call" },
	{ "h", "hang up the selected call, or reject a ringing one" },
	{ "o", "put the selected call on hold / resume it" },
	{ "M", "mute / unmute the microphone in the selected call" },
	{ "Tab  s", "switch to the other call (the current one goes on hold)" },
	{ "t", "transfer the selected call: the command line opens for the address it goes to, or the id of "
	       "another of your calls (attended transfer)" },
	{ "V  X", "ZRTP: the short authentication string read aloud is the same on both phones (V) / is not (X)" },
	{ "T  R", "the far end asks to transfer the call (accept_transfer = ask): take it, the new call is placed "
		  "(T) / refuse it (R); unanswered for 30 s it is refused" },
	{ "w", "call your voicemail (the account's voicemail = number); the status bar shows VM and the new messages" },
	{ "Up Down", "select a call" },
	{ "", "Panes" },
	{ "v", "the verify report of the selected call: TLS, certificate, SRTP, counters, the short "
	       "authentication string (v again: back)" },
	{ "l", "the log: SIP trace from the start, time-stamped, passwords, digest responses and SRTP keys masked" },
	{ "m", "the messages" },
	{ "H", "the call history, newest first, missed calls in red (the status bar's count goes): j/k or Up/Down "
	       "select, Enter calls back (H again: back)" },
	{ "A", "the sound devices (capture and playback, host API, default *, in use C/P): j/k select, c for "
	       "capture, p for playback, Enter both (also during a call, which goes on), r looks again; the "
	       "choice is written into the configuration (A again: back)" },
	{ "j k", "scroll the pane a line down / up" },
	{ "PgDn PgUp", "scroll a page (Space: a page down)" },
	{ "Home End", "to the top / to the end (the end follows new lines)" },
	{ "/", "search the log (any case); n: next match (newer), N: previous (older)" },
	{ "", "Dial, command and search lines" },
	{ "Enter  Esc", "dial (run, search) / cancel" },
	{ "Left Right", "move the cursor (Ctrl-B, Ctrl-F)" },
	{ "Home End", "to the start / end of the line (Ctrl-A, Ctrl-E)" },
	{ "Bksp  Del", "delete the character before / under the cursor (Del: also Ctrl-D)" },
	{ "Ctrl-W", "delete the word before the cursor" },
	{ "Ctrl-K Ctrl-U", "delete to the end / to the start of the line; Ctrl-Y puts it back" },
	{ "Tab", "complete: contacts and history (dial), commands (command line)" },
	{ "Up Down", "the line's history" },
	{ "", "Other" },
	{ ":", "command line: the headless commands (call URI, dtmf DIGITS, hold, transfer [ID] ADDRESS, "
	       "sas-verify, sas-reject, status, register, ...)" },
	{ "?  F1", "this help (j/k, PgUp/PgDn scroll; any other key closes)" },
	{ "Ctrl-L", "redraw the screen" },
	{ "q  F10", "quit: hang up, un-register, exit (asks first while a call is up)" },
	{ "", "Status bar: green lock: TLS with a verified certificate; yellow UNVERIFIED: TLS with a certificate "
	      "not verified; red PLAINTEXT: no TLS. The call list's SRTP column: lock and suite, or PLAIN." },
};

const struct ui_help *ui_keys_help(size_t *n)
{
	*n = sizeof(help_lines) / sizeof(help_lines[0]);
	return help_lines;
}
