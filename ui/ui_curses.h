/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ui_curses.h: the full-screen terminal front end (ui_curses.c is the only ncurses user). */
#ifndef SPHONE_UI_CURSES_H
#define SPHONE_UI_CURSES_H

#include <stdbool.h>

struct account_conf;
struct loop;
struct ua_call_opts;

typedef void(ui_curses_ready_h)(void *arg);

struct ui_curses_opts {
	const char *account;   /* only this [account NAME]; NULL: all */
	const char *dial;      /* call this (as typed on the dial line) once registered; NULL: none */
	bool ascii;            /* force ASCII glyphs even under a UTF-8 locale */
	bool mono;             /* force monochrome */
	bool open_verify;      /* show the verify view as soon as a call is established (--demo) */
	const char *note;      /* one line shown in the message pane at start, or NULL */
	struct loop *loop;     /* run on this loop (e.g. one a demo peer also uses); NULL: make one */
	const struct ua_call_opts *call_opts;          /* audio files/device for calls; NULL: none */
	const struct ua_call_opts *call_opts_fallback; /* tried when call_opts fails (e.g. no sound card) */
};

/*
 * Runs the UI on the terminal until the user quits (q, :quit, SIGINT,
 * SIGTERM); accounts with register = yes are registered at start and
 * un-REGISTERed at the end. Logging goes to the log pane (and to the log
 * file if one is open), not to stderr. Returns the process exit status: 0,
 * or 1 when the terminal or the user agent could not be set up.
 */
int ui_curses_run(struct account_conf *conf, const struct ui_curses_opts *o);
/* The version of the ncurses library this process runs with ("ncurses 6.4.20221231"). */
const char *ui_curses_lib_version(void);

#endif
