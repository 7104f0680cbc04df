/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ui_devices.c: the sound device pane's list, selection, row text and the commands it sends, from the UA's "device" and "audio" events. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "event.h"
#include "ui_devices.h"

void ui_devices_init(struct ui_devices *d)
{
	memset(d, 0, sizeof(*d));
}

/* A field of the event, control characters as '?' (the core cleaned it already), cut whole. */
static void copy(char *dst, size_t sz, const char *s)
{
	size_t i, n;

	if (!s)
		s = "";
	n = strlen(s);
	for (i = 0; i < n && i + 1 < sz; i++)
		dst[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	/* no half character at a cut */
	while (i < n && i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;
	dst[i] = '\0';
}

static bool get_bool(const struct event *ev, const char *key)
{
	const struct event_field *f = event_get(ev, key);

	return f && f->type != EVENT_STR && f->i;
}

static void take_device(struct ui_devices *d, const struct event *ev)
{
	struct ui_dev *x;

	if (d->reloading) {
		d->n = 0;
		d->reloading = false;
	}
	if (d->n == UI_DEVS_MAX)
		return;
	x = &d->d[d->n++];
	memset(x, 0, sizeof(*x));
	x->index = (int)event_get_int(ev, "index", -1);
	copy(x->name, sizeof(x->name), event_get_str(ev, "name"));
	copy(x->api, sizeof(x->api), event_get_str(ev, "api"));
	x->in = (int)event_get_int(ev, "in", 0);
	x->out = (int)event_get_int(ev, "out", 0);
	x->rate = (unsigned)event_get_int(ev, "rate", 0);
	x->default_in = get_bool(ev, "default_in");
	x->default_out = get_bool(ev, "default_out");
	x->used_in = get_bool(ev, "used_in");
	x->used_out = get_bool(ev, "used_out");
}

/* The devices in use changed: the list's marks follow by name (the list itself stays as it was). */
static void take_audio(struct ui_devices *d, const struct event *ev)
{
	const struct event_field *f = event_get(ev, "fresh");
	const char *saved = event_get_str(ev, "saved"), *serr = event_get_str(ev, "save_error");
	long long ms = event_get_int(ev, "switch_ms", -1);

	copy(d->capture, sizeof(d->capture), event_get_str(ev, "capture"));
	copy(d->playback, sizeof(d->playback), event_get_str(ev, "playback"));
	if (f) {
		/* the end of a list: an empty one leaves an empty pane */
		if (d->reloading)
			d->n = 0;
		d->reloading = false;
		d->listed = true;
		d->fresh = f->i;
	}
	for (size_t i = 0; i < d->n; i++) {
		d->d[i].used_in = d->d[i].in > 0 && !strcmp(d->d[i].name, d->capture);
		d->d[i].used_out = d->d[i].out > 0 && !strcmp(d->d[i].name, d->playback);
	}
	if (d->sel >= d->n)
		d->sel = d->n ? d->n - 1 : 0;
	if (ms >= 0) {
		char where[200];

		copy(where, sizeof(where), saved ? saved : serr ? serr : "");
		snprintf(d->result, sizeof(d->result), "switched in %lld ms; %s%s", ms,
			 saved ? "remembered in " : "not remembered: ", where);
	}
}

bool ui_devices_event(struct ui_devices *d, const struct event *ev)
{
	if (!d || !ev)
		return false;
	if (ev->kind == EVENT_DEVICE)
		take_device(d, ev);
	else if (ev->kind == EVENT_AUDIO)
		take_audio(d, ev);
	else
		return false;
	return true;
}

void ui_devices_reload(struct ui_devices *d)
{
	d->reloading = true;
}

void ui_devices_select_step(struct ui_devices *d, int dir)
{
	if (!d->n)
		d->sel = 0;
	else if (dir < 0)
		d->sel = (size_t)-dir > d->sel ? 0 : d->sel - (size_t)-dir;
	else
		d->sel = d->sel + (size_t)dir >= d->n ? d->n - 1 : d->sel + (size_t)dir;
}

const struct ui_dev *ui_devices_row(const struct ui_devices *d, size_t i)
{
	return i < d->n ? &d->d[i] : NULL;
}

void ui_devices_line(const struct ui_devices *d, size_t i, bool narrow, char *out, size_t sz)
{
	const struct ui_dev *x = ui_devices_row(d, i);
	const char *def;

	if (!x) {
		if (sz)
			out[0] = '\0';
		return;
	}
	def = x->default_in && x->default_out ? ", default in+out" : x->default_in ? ", default in" :
	      x->default_out ? ", default out" : "";
	if (narrow)
		snprintf(out, sz, "%c%c%c %2d %s", x->used_in ? 'C' : ' ', x->used_out ? 'P' : ' ',
			 x->default_in || x->default_out ? '*' : ' ', x->index, x->name);
	else
		snprintf(out, sz, "%c%c%c %2d %s  (%s)  in %d out %d, %u Hz%s", x->used_in ? 'C' : ' ',
			 x->used_out ? 'P' : ' ', x->default_in || x->default_out ? '*' : ' ', x->index, x->name,
			 x->api, x->in, x->out, x->rate, def);
}

int ui_devices_command(const struct ui_devices *d, size_t i, const char *dir, char *out, size_t sz, char *why,
		       size_t whysz)
{
	const struct ui_dev *x = ui_devices_row(d, i);
	bool in = !strcmp(dir, "in") || !strcmp(dir, "both"), outp = !strcmp(dir, "out") || !strcmp(dir, "both");

	if (!x) {
		snprintf(why, whysz, "no device selected");
		return ENOENT;
	}
	if ((in && x->in < 1) || (outp && x->out < 1)) {
		snprintf(why, whysz, "%s has no %s channel", x->name,
			 in && x->in < 1 && outp && x->out < 1 ? "" : in && x->in < 1 ? "capture" : "playback");
		return EINVAL;
	}
	snprintf(out, sz, "device %s %d", dir, x->index);
	return 0;
}

void ui_devices_in_use(const struct ui_devices *d, char *out, size_t sz)
{
	if (!d->capture[0] && !d->playback[0])
		snprintf(out, sz, "%s", "");
	else
		snprintf(out, sz, "capture %s, playback %s", d->capture[0] ? d->capture : "none",
			 d->playback[0] ? d->playback : "none");
}
