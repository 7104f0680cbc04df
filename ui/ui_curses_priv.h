/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ui_curses_priv.h: what ui_curses.c (the terminal) and ui_curses_run.c (running the front end) share: the front end's state and each one's steps. */
#ifndef SPHONE_UI_CURSES_PRIV_H
#define SPHONE_UI_CURSES_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "loop.h"
#include "ui_curses.h"
#include "ui_keys.h"
#include "ui_model.h"
#include "ui_text.h"

struct account_conf;
struct ua;

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
	struct ui_lines log;      /* the log pane: the log and the SIP trace from the start (any thread adds) */
};

/* ---- ui_curses.c: the terminal ---- */
/* Starts curses on the terminal: locale, UTF-8 or ASCII glyphs, colours, keys (u->curses_on). */
void ui_curses_start(struct ui *u);
/* Gives the terminal back (endwin). */
void ui_curses_end(struct ui *u);
/* Draws the whole view (nothing before ui_curses_start); clears u->m.dirty. */
void ui_curses_draw(struct ui *u);
/* The terminal's new size taken and the view drawn again (SIGWINCH). */
void ui_curses_resize(struct ui *u);
/* stdin's handler (arg: the ui): the keys read and handed to ui_keys; a closed terminal quits. */
void ui_curses_stdin_h(int fd, int events, void *arg);
void ui_curses_beep(void);
/* The next draw repaints the whole screen. */
void ui_curses_redraw(void);

/* ---- ui_curses_run.c ---- */
/* Hangs up the calls, un-registers and stops the loop (once; why goes to the log). */
void ui_curses_run_quit(struct ui *u, const char *why);

#endif
