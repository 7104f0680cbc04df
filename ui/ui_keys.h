/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ui_keys.h: what a key press does in the full-screen UI: the modes, the dial/command line, the actions. */
#ifndef SPHONE_UI_KEYS_H
#define SPHONE_UI_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "ui_dial.h"
#include "ui_text.h"

struct ui_model;

/* Function keys, numbered after every Unicode code point (a character is passed as itself). */
enum {
	UI_KEY_UP = 0x110000,
	UI_KEY_DOWN,
	UI_KEY_PGUP,
	UI_KEY_PGDN,
	UI_KEY_BTAB,      /* Shift-Tab */
	UI_KEY_ENTER,     /* the keypad's Enter */
	UI_KEY_BACKSPACE,
	UI_KEY_LEFT,
	UI_KEY_RIGHT,
	UI_KEY_HOME,
	UI_KEY_END,
	UI_KEY_DELETE,
	UI_KEY_F1,
	UI_KEY_F10,
	UI_KEY_OTHER,     /* any other function key */
};

enum ui_mode { UI_MODE_NORMAL, UI_MODE_DIAL, UI_MODE_CMD, UI_MODE_SEARCH, UI_MODE_CONFIRM_QUIT, UI_MODE_HELP };
enum ui_pane { UI_PANE_MSGS, UI_PANE_LOG, UI_PANE_VERIFY, UI_PANE_HISTORY, UI_PANE_DEVICES, UI_PANE_N };

/* What the keys ask of the front end. */
enum ui_action {
	UI_ACT_COMMAND,   /* s: a command line for ua_command() */
	UI_ACT_DIAL,      /* s: what was dialled, for ua_resolve() and ua_call() */
	UI_ACT_QUIT,      /* s: why (for the log) */
	UI_ACT_BELL,      /* nothing to complete */
	UI_ACT_REDRAW,    /* repaint the whole terminal (Ctrl-L) */
};
typedef void(ui_keys_action_h)(enum ui_action a, const char *s, void *arg);

#define UI_MAX_CONTACTS 128

struct ui_keys {
	struct ui_model *m;
	enum ui_mode mode;
	enum ui_pane pane;
	char edit[UI_LINE_MAX];   /* the dial, command or search line being typed */
	size_t elen;
	size_t cur;               /* the cursor: a byte offset in edit, at a character's start */
	char kill[UI_LINE_MAX];   /* what Ctrl-W/K/U took, for Ctrl-Y */
	size_t hist_pos;          /* 0: editing a fresh line; i: showing history entry i-1 */
	size_t comp_skip;
	char comp_prefix[UI_LINE_MAX];
	bool completing;
	struct ui_hist dial_hist, cmd_hist;
	struct ui_contact contacts[UI_MAX_CONTACTS]; /* the strings belong to the caller */
	size_t ncontacts;
	bool utf8;                /* the terminal takes UTF-8: characters beyond ASCII may be typed */
	struct ui_view view[UI_PANE_N]; /* each pane's scrolling (ui_curses.c places them when drawing) */
	struct ui_view help_view;
	struct ui_lines *log;     /* the log pane's lines (the front end's; NULL: none) */
	char search[UI_LINE_MAX]; /* the log pane's search ("" none) */
	uint64_t match;           /* the line of the current match */
	bool have_match;

	ui_keys_action_h *ah;
	void *arg;
};

/* Normal mode, message pane, nothing typed; ah hears the actions. */
void ui_keys_init(struct ui_keys *k, struct ui_model *m, ui_keys_action_h *ah, void *arg);
/* One key: a character (Unicode code point) or a UI_KEY_*. */
void ui_keys_key(struct ui_keys *k, unsigned key);
/* Dials what was typed (a URI, a number, a contact or a name: the core resolves it), as Enter on the dial line does. */
void ui_keys_dial(struct ui_keys *k, const char *typed);
/* Asks for the selected call's verify report (when it is established). */
void ui_keys_verify_selected(struct ui_keys *k);

/*
 * The key bar: the keys that do something now (the mode, the pane, whether a
 * call rings, is up, is held, whether there is a second call, a search, more
 * to scroll), as many as fit in width columns, the most useful first; "? help"
 * and "q quit" (or the mode's Enter and Esc) always.
 */
void ui_keys_bar(const struct ui_keys *k, int width, char *out, size_t sz);

/* The help screen: one entry a key (keys "" and text: a heading). README and sphone(1) say the same. */
struct ui_help {
	const char *keys, *text;
};
const struct ui_help *ui_keys_help(size_t *n);
#define UI_HELP_KEYS 16 /* the help screen's key column */

#endif
