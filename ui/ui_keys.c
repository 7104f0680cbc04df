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

void ui_keys_init(struct ui_keys *k, struct ui_model *m, ui_keys_action_h *ah, void *arg)
{
	memset(k, 0, sizeof(*k));
	k->m = m;
	k->ah = ah;
	k->arg = arg;
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

static void edit_reset(struct ui_keys *k, enum ui_mode mode, const char *init)
{
	k->mode = mode;
	copy(k->edit, sizeof(k->edit), init);
	k->elen = strlen(k->edit);
	k->hist_pos = 0;
	k->completing = false;
	k->comp_skip = 0;
	k->m->note[0] = '\0';
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
		copy(k->edit, sizeof(k->edit), c);
		k->elen = strlen(k->edit);
		k->comp_skip++;
	} else {
		k->ah(UI_ACT_BELL, NULL, k->arg);
	}
}

/* A printable character appended to the line, as the terminal's encoding has it. */
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
	if (k->elen + n >= sizeof(k->edit))
		return;
	memcpy(k->edit + k->elen, mb, n);
	k->elen += n;
	k->edit[k->elen] = '\0';
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
		char line[UI_LINE_MAX];
		enum ui_mode mode = k->mode;

		copy(line, sizeof(line), k->edit);
		k->mode = UI_MODE_NORMAL;
		k->m->note[0] = '\0';
		if (mode == UI_MODE_DIAL) {
			size_t i = strspn(line, " \t");

			if (line[i])
				ui_keys_dial(k, line + i);
		} else {
			run_cmd_line(k, line);
		}
		return;
	}
	if (ch == UI_KEY_BACKSPACE || ch == 127 || ch == 8) {
		while (k->elen && ((unsigned char)k->edit[k->elen - 1] & 0xC0) == 0x80)
			k->elen--;
		if (k->elen)
			k->elen--;
		k->edit[k->elen] = '\0';
		if (!k->elen && k->mode == UI_MODE_CMD)
			k->mode = UI_MODE_NORMAL;
		return;
	}
	if (ch == 21) { /* Ctrl-U */
		k->elen = 0;
		k->edit[0] = '\0';
		return;
	}
	if (ch == UI_KEY_UP || ch == UI_KEY_DOWN) {
		const char *h;

		if (ch == UI_KEY_UP && k->hist_pos < hist->n)
			k->hist_pos++;
		else if (ch == UI_KEY_DOWN && k->hist_pos)
			k->hist_pos--;
		h = k->hist_pos ? ui_hist_back(hist, k->hist_pos - 1) : "";
		copy(k->edit, sizeof(k->edit), h ? h : "");
		k->elen = strlen(k->edit);
		return;
	}
	if (ch == '\t') {
		complete(k, hist);
		return;
	}
	if (ch >= 0x20 && ch != 127 && ch < UI_KEY_UP)
		edit_insert(k, ch);
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
	case UI_KEY_PGUP:
		k->log_scroll += 10;
		break;
	case UI_KEY_PGDN:
		k->log_scroll = k->log_scroll > 10 ? k->log_scroll - 10 : 0;
		break;
	default:
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

static void normal_key(struct ui_keys *k, unsigned ch)
{
	struct ui_call *c = ui_model_sel(k->m);
	bool live = c && !c->ended;

	k->m->note[0] = '\0';
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
			ui_keys_verify_selected(k);
		}
		break;
	case 'l':
		if (k->pane == UI_PANE_LOG) {
			k->pane = UI_PANE_MSGS;
		} else {
			k->pane = UI_PANE_LOG;
			k->log_scroll = 0;
			k->ah(UI_ACT_LOG_SHOWN, NULL, k->arg);
		}
		break;
	case 'm':
		k->pane = UI_PANE_MSGS;
		break;
	case '?':
		k->mode = UI_MODE_HELP;
		break;
	case 'q':
		if (ui_model_live(k->m))
			k->mode = UI_MODE_CONFIRM_QUIT;
		else
			k->ah(UI_ACT_QUIT, "q key", k->arg);
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
	switch (k->mode) {
	case UI_MODE_HELP:
		k->mode = UI_MODE_NORMAL;
		break;
	case UI_MODE_CONFIRM_QUIT:
		k->mode = UI_MODE_NORMAL;
		if (key == 'y' || key == 'Y')
			k->ah(UI_ACT_QUIT, "q key", k->arg);
		break;
	case UI_MODE_DIAL:
	case UI_MODE_CMD:
		edit_key(k, key);
		break;
	default:
		normal_key(k, key);
		break;
	}
	k->m->dirty = true;
}
