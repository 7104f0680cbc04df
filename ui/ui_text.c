/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ui_text.c: display widths, wrapping, the log pane's bounded store and scrolled panes; no terminal code here. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "ui_text.h"

/* One character at s (len bytes left): its bytes, *cw its columns. A bad byte is one byte, one column. */
static size_t char_at(const char *s, size_t len, bool utf8, int *cw)
{
	mbstate_t st;
	wchar_t wc;
	size_t k;

	*cw = 1;
	if (!utf8 || !(*s & 0x80))
		return 1;
	memset(&st, 0, sizeof(st));
	k = mbrtowc(&wc, s, len, &st);
	if (k == (size_t)-1 || k == (size_t)-2 || k == 0)
		return 1;
	*cw = wcwidth(wc);
	if (*cw < 0)
		*cw = 1;
	return k;
}

int ui_text_width(const char *s, size_t len, bool utf8)
{
	size_t i = 0;
	int w = 0;

	while (i < len && s[i]) {
		int cw;

		i += char_at(s + i, len - i, utf8, &cw);
		w += cw;
	}
	return w;
}

size_t ui_text_fit(const char *s, int width, bool utf8, int *cols)
{
	size_t i = 0, len = strlen(s);
	int w = 0;

	while (i < len) {
		int cw;
		size_t k = char_at(s + i, len - i, utf8, &cw);

		if (w + cw > width)
			break;
		w += cw;
		i += k;
	}
	if (cols)
		*cols = w;
	return i;
}

static bool hex(char c)
{
	return isxdigit((unsigned char)c) != 0;
}

/* s[i] is a colon closing a fingerprint byte: two hex digits after a colon, a space or the start. */
static bool byte_colon(const char *s, size_t i)
{
	return s[i] == ':' && i >= 2 && hex(s[i - 1]) && hex(s[i - 2]) &&
	       (i == 2 || s[i - 3] == ':' || s[i - 3] == ' ');
}

size_t ui_text_wrap(const char *s, int width, bool utf8)
{
	size_t fit = ui_text_fit(s, width, utf8, NULL), sp = 0, colon = 0, i;
	int cw;

	if (!s[fit])
		return fit;
	if (fit == 0) /* not even one character fits: take it anyway */
		return char_at(s, strlen(s), utf8, &cw);
	/* a space just past the row counts: the row ends before it */
	for (i = 1; i <= fit; i++) {
		if (s[i] == ' ' && s[i - 1] != ' ')
			sp = i;
		if (i < fit && byte_colon(s, i))
			colon = i + 1;
	}
	if (sp * 2 >= fit)
		return sp;
	if (colon)
		return colon > sp ? colon : sp;
	return sp ? sp : fit;
}

const char *ui_text_after(const char *s, size_t n)
{
	s += n;
	while (*s == ' ')
		s++;
	return s;
}

int ui_text_rows(const char *s, int w1, int w2, bool utf8)
{
	int rows = 0, w = w1;

	do {
		s = ui_text_after(s, ui_text_wrap(s, w < 1 ? 1 : w, utf8));
		w = w2;
		rows++;
	} while (*s);
	return rows;
}

const char *ui_text_find(const char *s, const char *pat)
{
	return *pat ? strcasestr(s, pat) : NULL;
}

/* ---- the log pane's store ---- */

void ui_lines_init(struct ui_lines *l)
{
	memset(l, 0, sizeof(*l));
	pthread_mutex_init(&l->mtx, NULL);
}

void ui_lines_free(struct ui_lines *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		free(l->line[(l->head + i) % UI_LOG_MAX_LINES]);
	l->n = l->bytes = 0;
	pthread_mutex_destroy(&l->mtx);
}

static void drop_oldest(struct ui_lines *l)
{
	char *s = l->line[l->head];

	l->bytes -= strlen(s);
	free(s);
	l->line[l->head] = NULL;
	l->head = (l->head + 1) % UI_LOG_MAX_LINES;
	l->n--;
	l->gone++;
}

void ui_lines_add(struct ui_lines *l, enum log_level lvl, const char *s)
{
	char stamp[UI_LOG_STAMP + 8];
	struct timespec ts;
	struct tm tm;
	size_t len, sl;
	char *p;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	sl = strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	snprintf(stamp + sl, sizeof(stamp) - sl, ".%03ld ", ts.tv_nsec / 1000000L);
	sl = strlen(stamp);
	len = strlen(s);
	if (len > UI_LOG_MAX_BYTES / 4)
		len = UI_LOG_MAX_BYTES / 4;
	p = malloc(sl + len + 1);
	if (!p)
		return;
	memcpy(p, stamp, sl);
	memcpy(p + sl, s, len);
	p[sl + len] = '\0';
	/* tabs would break the column arithmetic */
	for (len = sl; p[len]; len++)
		if (p[len] == '\t')
			p[len] = ' ';
	pthread_mutex_lock(&l->mtx);
	while (l->n && (l->n == UI_LOG_MAX_LINES || l->bytes + len > UI_LOG_MAX_BYTES))
		drop_oldest(l);
	l->line[(l->head + l->n) % UI_LOG_MAX_LINES] = p;
	l->lvl[(l->head + l->n) % UI_LOG_MAX_LINES] = (uint8_t)lvl;
	l->n++;
	l->bytes += len;
	l->changed = true;
	pthread_mutex_unlock(&l->mtx);
}

void ui_lines_log_h(enum log_level lvl, const char *line, void *arg)
{
	ui_lines_add(arg, lvl, line);
}

bool ui_lines_take_changed(struct ui_lines *l)
{
	bool c;

	pthread_mutex_lock(&l->mtx);
	c = l->changed;
	l->changed = false;
	pthread_mutex_unlock(&l->mtx);
	return c;
}

void ui_lines_lock(struct ui_lines *l)
{
	pthread_mutex_lock(&l->mtx);
}

void ui_lines_unlock(struct ui_lines *l)
{
	pthread_mutex_unlock(&l->mtx);
}

uint64_t ui_lines_base(const struct ui_lines *l)
{
	return l->gone;
}

uint64_t ui_lines_end(const struct ui_lines *l)
{
	return l->gone + l->n;
}

const char *ui_lines_at(const struct ui_lines *l, uint64_t i, enum log_level *lvl)
{
	size_t k;

	if (i < l->gone || i >= l->gone + l->n)
		return NULL;
	k = (l->head + (size_t)(i - l->gone)) % UI_LOG_MAX_LINES;
	if (lvl)
		*lvl = (enum log_level)l->lvl[k];
	return l->line[k];
}

bool ui_lines_find(struct ui_lines *l, const char *pat, uint64_t from, int dir, uint64_t *at, bool *wrapped)
{
	uint64_t base, end, i;
	size_t k;
	bool found = false;

	*wrapped = false;
	pthread_mutex_lock(&l->mtx);
	base = l->gone;
	end = l->gone + l->n;
	if (l->n == 0 || !*pat)
		goto out;
	/* from beyond either end: round to the other in that direction */
	if (from < base || from >= end) {
		*wrapped = (from < base) == (dir < 0);
		from = dir > 0 ? base : end - 1;
	}
	for (i = from, k = 0; k < l->n; k++) {
		if (ui_text_find(ui_lines_at(l, i, NULL) + UI_LOG_STAMP, pat)) {
			*at = i;
			found = true;
			break;
		}
		if (dir > 0 && ++i == end) {
			i = base;
			*wrapped = true;
		} else if (dir < 0 && i-- == base) {
			i = end - 1;
			*wrapped = true;
		}
	}
out:
	pthread_mutex_unlock(&l->mtx);
	return found;
}

/* ---- scrolled panes ---- */

void ui_view_place(struct ui_view *v, uint64_t base, uint64_t end, int rows, ui_rows_h *rh, void *arg)
{
	uint64_t i;
	int used = 0, r;

	v->skip = 0;
	v->rows = rows;
	if (end <= base || rows <= 0) {
		v->first = v->next = v->top = base;
		v->top_skip = v->first_rows = 0;
		v->above = v->below = false;
		return;
	}
	if (!v->follow) {
		if (v->top < base)
			v->top = base;
		if (v->top >= end)
			v->top = end - 1;
		r = rh(v->top, arg);
		if (v->top_skip >= r)
			v->top_skip = r - 1;
		if (v->top_skip < 0)
			v->top_skip = 0;
		used = r - v->top_skip;
		for (i = v->top + 1; i < end && used < rows; i++)
			used += rh(i, arg);
		if (used >= rows || (v->top == base && v->top_skip == 0)) {
			/* the screen is full from top on (a last line may show in part), or all of it fits */
			v->first = v->top;
			v->skip = v->top_skip;
			v->first_rows = r;
			v->next = used > rows ? i - 1 : i;
			v->above = v->top > base || v->top_skip > 0;
			v->below = used > rows || i < end;
			return;
		}
		/* scrolled past the end: the end at the bottom, and new lines come in again */
		v->follow = true;
	}
	used = 0;
	for (i = end; i > base; i--) {
		r = rh(i - 1, arg);
		if (used + r > rows) {
			/* the line above only in part: its last rows */
			if (used < rows) {
				i--;
				v->skip = r - (rows - used);
			}
			break;
		}
		used += r;
	}
	v->first = v->top = i;
	v->top_skip = v->skip;
	v->first_rows = rh(i, arg);
	v->next = end;
	v->above = i > base || v->skip > 0;
	v->below = false;
}

/* Leaves follow mode where the screen is. */
static void unfollow(struct ui_view *v)
{
	if (v->follow) {
		v->follow = false;
		v->top = v->first;
		v->top_skip = v->skip;
	}
}

void ui_view_scroll(struct ui_view *v, int n)
{
	if (n > 0 && v->follow)
		return;
	unfollow(v);
	for (; n > 0; n--) {
		/* a line taller than the pane scrolls by rows until its end is in sight */
		if (v->top == v->first && v->first_rows - v->top_skip > v->rows) {
			v->top_skip++;
		} else {
			v->top++;
			v->top_skip = 0;
		}
	}
	for (; n < 0; n++) {
		if (v->top_skip > 0) {
			v->top_skip--;
		} else if (v->top > 0) {
			v->top--;
			v->top_skip = 0;
		}
	}
}

void ui_view_page(struct ui_view *v, int dir)
{
	uint64_t shown = v->next > v->first ? v->next - v->first : 1;
	int page = v->rows > 1 ? v->rows - 1 : 1;

	if (dir > 0) {
		if (v->follow)
			return;
		if (v->next > v->top) {
			v->top = v->next;
			v->top_skip = 0;
		} else {
			v->top_skip += page; /* inside a line taller than the pane */
		}
		return;
	}
	unfollow(v);
	if (v->top_skip > 0) {
		v->top_skip = v->top_skip > page ? v->top_skip - page : 0;
		return;
	}
	if (shown > 1)
		shown--; /* the top line stays, at the bottom */
	v->top = v->top > shown ? v->top - shown : 0;
}

void ui_view_home(struct ui_view *v)
{
	v->follow = false;
	v->top = 0;
	v->top_skip = 0;
}

void ui_view_end(struct ui_view *v)
{
	v->follow = true;
}

void ui_view_show(struct ui_view *v, uint64_t i)
{
	if (i >= v->first && i < v->next && !(i == v->first && v->skip))
		return;
	v->follow = false;
	v->top = i; /* at the top, as less puts it */
	v->top_skip = 0;
}
