/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ui_text.h: the full-screen UI's text without a terminal: display widths, wrapping, the log pane's bounded store, scrolled panes. */
#ifndef SPHONE_UI_TEXT_H
#define SPHONE_UI_TEXT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

/* Display columns of the first len bytes of s: UTF-8 (wcwidth) when utf8, else a byte each. A bad byte counts one. */
int ui_text_width(const char *s, size_t len, bool utf8);
/* Bytes of s's whole characters that fit in width columns; *cols (may be NULL) gets their width. */
size_t ui_text_fit(const char *s, int width, bool utf8, int *cols);
/*
 * Bytes of s for one row of width columns: all of it if it fits; else up to
 * the last space in the second half of the row; else just after the last
 * colon that ends a byte of a fingerprint ("AB:"), so "7:F7" is never split;
 * else up to any space; else as many characters as fit. At least one
 * character (a row too narrow for it still moves on).
 */
size_t ui_text_wrap(const char *s, int width, bool utf8);
/* Where the row after one of n bytes of s starts: the spaces at the break are dropped. */
const char *ui_text_after(const char *s, size_t n);
/* Rows s takes wrapped with ui_text_wrap: the first row w1 columns wide, the others w2 (at least 1). */
int ui_text_rows(const char *s, int w1, int w2, bool utf8);
/* The first case-insensitive (ASCII) occurrence of pat in s, NULL when none or pat is empty. */
const char *ui_text_find(const char *s, const char *pat);

/*
 * The log pane's store: the last lines of the log, each stamped with the
 * time it came ("HH:MM:SS.mmm text"). Bounded: at most UI_LOG_MAX_LINES lines
 * and UI_LOG_MAX_BYTES bytes of text, the oldest going first. Lines are
 * numbered from the first ever added, so a number stays the same line while
 * older ones go. Lines come from any thread (log.c's handler): every function
 * takes the store's lock, except those marked "locked" (the caller holds it
 * through ui_lines_lock, e.g. while drawing).
 */
#define UI_LOG_MAX_LINES 10000
#define UI_LOG_MAX_BYTES (2u << 20)
#define UI_LOG_STAMP 13 /* "HH:MM:SS.mmm " */

struct ui_lines {
	pthread_mutex_t mtx;
	char *line[UI_LOG_MAX_LINES];
	uint8_t lvl[UI_LOG_MAX_LINES];
	size_t head, n, bytes;
	uint64_t gone;          /* lines let go so far: line i is line[(head + i - gone) % max] */
	bool changed;           /* a line came since ui_lines_take_changed() */
};

void ui_lines_init(struct ui_lines *l);
/* Frees the lines (the struct is the caller's). NULL-safe. */
void ui_lines_free(struct ui_lines *l);
/* One line of text (its time added here); a line that cannot be kept is dropped. */
void ui_lines_add(struct ui_lines *l, enum log_level lvl, const char *s);
/* log.h's log_h for log_set_handler: arg is the store. The text came through log.c's redaction. */
void ui_lines_log_h(enum log_level lvl, const char *line, void *arg);
/* True once after lines came. */
bool ui_lines_take_changed(struct ui_lines *l);

void ui_lines_lock(struct ui_lines *l);
void ui_lines_unlock(struct ui_lines *l);
/* locked: the first line kept and one past the last. */
uint64_t ui_lines_base(const struct ui_lines *l);
uint64_t ui_lines_end(const struct ui_lines *l);
/* locked: line i, NULL when it is not kept; *lvl (may be NULL) its level. */
const char *ui_lines_at(const struct ui_lines *l, uint64_t i, enum log_level *lvl);
/*
 * The next line holding pat (case-insensitive) from line `from` on in dir
 * (+1 newer, -1 older), `from` included, going round to the other end once;
 * *wrapped says whether it did. false when no line holds it.
 */
bool ui_lines_find(struct ui_lines *l, const char *pat, uint64_t from, int dir, uint64_t *at, bool *wrapped);

/*
 * A pane of lines that may take several rows each, scrolled by lines (and by
 * rows inside a line taller than the pane). follow: the end is shown and new
 * lines scroll in (the message and log panes start so); else line `top` is
 * the first shown, without its first top_skip rows. ui_view_place fits it to
 * the screen and records what is shown, which the scroll keys start from.
 */
struct ui_view {
	uint64_t top;
	int top_skip;
	bool follow;
	/* set by ui_view_place */
	uint64_t first, next;   /* line first is shown without its first `skip` rows; next: the first not shown whole */
	int skip, first_rows, rows;
	bool above, below;      /* there is more above / below what is shown */
};
/* Rows line i takes at the screen's width. */
typedef int(ui_rows_h)(uint64_t i, void *arg);

/* Places v over lines base..end-1 in `rows` rows. */
void ui_view_place(struct ui_view *v, uint64_t base, uint64_t end, int rows, ui_rows_h *rh, void *arg);
/* j/k: n lines down (newer, n > 0) or up. */
void ui_view_scroll(struct ui_view *v, int n);
/* PgDn (dir > 0) / PgUp: a screenful, one line kept for context. */
void ui_view_page(struct ui_view *v, int dir);
void ui_view_home(struct ui_view *v);
void ui_view_end(struct ui_view *v);
/* Scrolls so line i is shown (a search match), unless it is already. */
void ui_view_show(struct ui_view *v, uint64_t i);

#endif
