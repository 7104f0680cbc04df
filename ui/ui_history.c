/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ui_history.c: the call history pane's records and the status bar's missed/voicemail counts, from the UA's events. */
#include <stdio.h>
#include <string.h>

#include "event.h"
#include "ui_history.h"

void ui_history_init(struct ui_history *h)
{
	memset(h, 0, sizeof(*h));
	h->missed = -1;
}

/* Copies a field of the event, control characters as '?' (the core cleaned it already); a cut leaves no half character. */
static void copy(char *dst, size_t sz, const char *s)
{
	size_t i, n, j, len;
	unsigned char lead;

	if (!s)
		s = "";
	n = strlen(s);
	for (i = 0; i < n && i + 1 < sz; i++)
		dst[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	if (i < n) {
		for (j = i; j > 0 && ((unsigned char)dst[j - 1] & 0xc0) == 0x80; j--)
			;
		lead = j > 0 ? (unsigned char)dst[j - 1] : 0;
		len = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
		if (lead >= 0xc0 && j - 1 + len > i)
			i = j - 1;
	}
	dst[i] = '\0';
}

static bool get_bool(const struct event *ev, const char *key)
{
	const struct event_field *f = event_get(ev, key);

	return f && f->type != EVENT_STR && f->i;
}

static void take_record(struct ui_history *h, const struct event *ev)
{
	struct ui_hrec *r;

	if (h->reloading) {
		h->n = 0;
		h->sel = 0;
		h->reloading = false;
	}
	if (h->n == UI_CALLS_MAX) {
		memmove(&h->rec[0], &h->rec[1], (UI_CALLS_MAX - 1) * sizeof(h->rec[0]));
		h->n--;
	}
	r = &h->rec[h->n++];
	memset(r, 0, sizeof(*r));
	copy(r->kind, sizeof(r->kind), event_get_str(ev, "kind"));
	r->start = event_get_int(ev, "start", 0);
	r->duration = (long)event_get_int(ev, "duration", 0);
	r->answered = get_bool(ev, "answered");
	copy(r->account, sizeof(r->account), event_get_str(ev, "account"));
	copy(r->peer, sizeof(r->peer), event_get_str(ev, "peer"));
	copy(r->name, sizeof(r->name), event_get_str(ev, "name"));
	copy(r->srtp, sizeof(r->srtp), event_get_str(ev, "srtp"));
	copy(r->tls, sizeof(r->tls), event_get_str(ev, "tls"));
	r->tls_verified = get_bool(ev, "tls_verified");
	/* a new call arriving keeps the selected row where it was */
	if (h->sel && h->sel + 1 < h->n)
		h->sel++;
}

static void take_mwi(struct ui_history *h, const struct event *ev)
{
	const char *acc = event_get_str(ev, "account");
	struct ui_hist_mwi *w = NULL;
	size_t i;

	if (!acc)
		acc = "";
	for (i = 0; i < h->nmwi && !w; i++)
		if (!strcmp(h->mwi[i].account, acc))
			w = &h->mwi[i];
	if (!w) {
		if (h->nmwi == UI_HIST_ACCS)
			return;
		w = &h->mwi[h->nmwi++];
		copy(w->account, sizeof(w->account), acc);
	}
	w->waiting = get_bool(ev, "waiting");
	w->new_msgs = (long)event_get_int(ev, "new", 0);
	w->old_msgs = (long)event_get_int(ev, "old", 0);
}

bool ui_history_event(struct ui_history *h, const struct event *ev)
{
	if (!h || !ev)
		return false;
	switch (ev->kind) {
	case EVENT_HISTORY:
		take_record(h, ev);
		return true;
	case EVENT_MISSED:
		h->missed = (long)event_get_int(ev, "count", 0);
		/* the end of a listing: an empty history leaves an empty list */
		if (h->reloading) {
			h->n = 0;
			h->sel = 0;
			h->reloading = false;
		}
		return true;
	case EVENT_MWI:
		take_mwi(h, ev);
		return true;
	default:
		return false;
	}
}

void ui_history_reload(struct ui_history *h)
{
	h->reloading = true;
}

void ui_history_select_step(struct ui_history *h, int dir)
{
	if (!h->n)
		h->sel = 0;
	else if (dir < 0)
		h->sel = (size_t)-dir > h->sel ? 0 : h->sel - (size_t)-dir;
	else
		h->sel = h->sel + (size_t)dir >= h->n ? h->n - 1 : h->sel + (size_t)dir;
}

const struct ui_hrec *ui_history_row(const struct ui_history *h, size_t i)
{
	return i < h->n ? &h->rec[h->n - 1 - i] : NULL;
}

bool ui_history_is_missed(const struct ui_hrec *r)
{
	return r && !strcmp(r->kind, "missed");
}

const char *ui_history_peer(const struct ui_history *h, size_t i)
{
	const struct ui_hrec *r = ui_history_row(h, i);

	return r && r->peer[0] ? r->peer : NULL;
}

void ui_history_line(const struct ui_history *h, size_t i, time_t now, bool narrow, char *out, size_t sz)
{
	const struct ui_hrec *r = ui_history_row(h, i);
	char when[16] = "", who[400], dur[32] = "", *p;
	struct tm tm, tn;
	time_t t;

	if (!sz)
		return;
	out[0] = '\0';
	if (!r)
		return;
	t = (time_t)r->start;
	if (localtime_r(&t, &tm) && localtime_r(&now, &tn))
		strftime(when, sizeof(when),
			 tm.tm_year == tn.tm_year && tm.tm_yday == tn.tm_yday ? "%H:%M" : narrow ? "%m-%d" : "%m-%d %H:%M",
			 &tm);
	if (r->name[0])
		snprintf(who, sizeof(who), "%s <%s>", r->name, r->peer);
	else
		snprintf(who, sizeof(who), "%s", r->peer);
	if (r->answered)
		snprintf(dur, sizeof(dur), "%ld:%02ld", r->duration / 60, r->duration % 60);
	if (narrow)
		snprintf(out, sz, "%-5s %-8s %s", when, r->kind, who);
	else
		snprintf(out, sz, "%-11s %-8s %-5s %-5s %s", when, r->kind, dur,
			 !r->srtp[0] ? "-" : !strcmp(r->srtp, "plain") ? "PLAIN" : "SRTP", who);
	for (p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

void ui_history_status(const struct ui_history *h, char *out, size_t sz)
{
	long vm = 0;
	bool waiting = false;
	size_t i;
	int n = 0;

	if (!sz)
		return;
	out[0] = '\0';
	for (i = 0; i < h->nmwi; i++) {
		vm += h->mwi[i].new_msgs;
		waiting |= h->mwi[i].waiting;
	}
	if (h->missed > 0)
		n = snprintf(out, sz, "%ld missed", h->missed);
	if (n < 0 || (size_t)n >= sz)
		return;
	if (vm > 0)
		snprintf(out + n, sz - (size_t)n, "%sVM %ld", n ? " " : "", vm);
	else if (waiting)
		snprintf(out + n, sz - (size_t)n, "%sVM", n ? " " : "");
}
