/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ui_devices.h: the full-screen UI's sound device pane: the list and the devices in use, kept from the UA's "device" and "audio" events. */
#ifndef SPHONE_UI_DEVICES_H
#define SPHONE_UI_DEVICES_H

#include <stdbool.h>
#include <stddef.h>

struct event;

#define UI_DEVS_MAX 64 /* devices the pane keeps */

/* One device as its "device" event told it (text already cleaned by the core). */
struct ui_dev {
	int index;
	char name[128];
	char api[48];        /* the host API: ALSA, JACK Audio Connection Kit, OSS */
	int in, out;         /* channels */
	unsigned rate;       /* its default rate, Hz */
	bool default_in, default_out;
	bool used_in, used_out;
};

struct ui_devices {
	struct ui_dev d[UI_DEVS_MAX]; /* in the list's order */
	size_t n;
	size_t sel;
	bool reloading;      /* the next "device" event starts a fresh list (ui_devices_reload) */
	bool listed;         /* an "audio" event ended a list */
	bool fresh;          /* that list looked for devices anew (no call held the device open) */
	char capture[128], playback[128]; /* in use ("" not known yet) */
	char result[300];    /* what the last choice came to: the switch and where it was remembered */
};

void ui_devices_init(struct ui_devices *d);
/* Takes "device" and "audio" events; true when what the pane shows changed. */
bool ui_devices_event(struct ui_devices *d, const struct event *ev);
/* The front end asks for the list ("devices"): the answer replaces what is kept. */
void ui_devices_reload(struct ui_devices *d);
/* Moves the selection by dir rows, within the list. */
void ui_devices_select_step(struct ui_devices *d, int dir);
const struct ui_dev *ui_devices_row(const struct ui_devices *d, size_t i);
/*
 * Row i as one line: marks ("C" the capture in use, "P" the playback in use, "*" a default), the
 * index, the name, the host API, "in N out N" and which default it is; narrow (a terminal under 60
 * columns): marks, index and name only. "" past the end.
 */
void ui_devices_line(const struct ui_devices *d, size_t i, bool narrow, char *out, size_t sz);
/*
 * The command that puts row i on capture ("in"), playback ("out") or both ("both"): "device in 3".
 * 0; ENOENT past the end; EINVAL when the device has no channel that way (why says so).
 */
int ui_devices_command(const struct ui_devices *d, size_t i, const char *dir, char *out, size_t sz, char *why,
		       size_t whysz);
/* "capture NAME, playback NAME" for the pane's header ("" until an "audio" event came). */
void ui_devices_in_use(const struct ui_devices *d, char *out, size_t sz);

#endif
