/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ui_history.h: the full-screen UI's call history pane and its status-bar counts (missed calls, voicemail), kept from the UA's events. */
#ifndef SPHONE_UI_HISTORY_H
#define SPHONE_UI_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct event;

#define UI_CALLS_MAX 100   /* calls the pane keeps (the UI asks for this many) */
#define UI_HIST_ACCS 8    /* accounts whose voicemail counts are kept */

/* One call of the history, as its "history" event told it (text already cleaned by the core). */
struct ui_hrec {
	char kind[12];        /* placed, received, missed, rejected */
	long long start;      /* Unix time */
	long duration;        /* seconds */
	bool answered;
	char account[64];
	char peer[256];
	char name[128];
	char srtp[48];        /* "" (no media), a suite, or "plain" */
	char tls[16];
	bool tls_verified;
};

struct ui_hist_mwi {
	char account[64];
	bool waiting;
	long new_msgs, old_msgs;
};

struct ui_history {
	struct ui_hrec rec[UI_CALLS_MAX]; /* oldest first */
	size_t n;
	size_t sel;           /* the selected row, counted from the newest (0: the newest) */
	bool reloading;       /* the next "history" event starts a fresh list (ui_history_reload) */
	long missed;          /* missed calls not yet seen; -1: not told yet */
	struct ui_hist_mwi mwi[UI_HIST_ACCS];
	size_t nmwi;
};

void ui_history_init(struct ui_history *h);
/* Takes "history", "missed" and "mwi" events; true when what the UI shows changed. */
bool ui_history_event(struct ui_history *h, const struct event *ev);
/* The front end asks the core for the list ("history N"): the answer replaces what is kept. */
void ui_history_reload(struct ui_history *h);
/* Moves the selection by dir rows (+1 older, -1 newer), within the list. */
void ui_history_select_step(struct ui_history *h, int dir);
/* The record of row i, counted from the newest; NULL past the end. */
const struct ui_hrec *ui_history_row(const struct ui_history *h, size_t i);
/* True for a call the user missed (the pane highlights it). */
bool ui_history_is_missed(const struct ui_hrec *r);
/*
 * Row i as one line for a pane: when (today: "HH:MM", else "MM-DD HH:MM", by now), kind, duration,
 * protection ("SRTP", "PLAIN", "-"), the far end (display name and URI); control characters as
 * '?'. narrow (a terminal under 60 columns): when ("HH:MM" today, else "MM-DD"), kind and the far
 * end only. "" past the end.
 */
void ui_history_line(const struct ui_history *h, size_t i, time_t now, bool narrow, char *out, size_t sz);
/* What to dial for row i (the far end's URI), NULL past the end or without one. */
const char *ui_history_peer(const struct ui_history *h, size_t i);
/*
 * The status bar's piece: "3 missed", "VM 2" (new voicemail messages of all accounts; "VM" when
 * one says messages wait without a count), both, or "" when there is nothing to say.
 */
void ui_history_status(const struct ui_history *h, char *out, size_t sz);

#endif
