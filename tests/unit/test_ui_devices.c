/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_ui_devices.c: the sound device pane's model: the list from "device" events, marks, row text, the commands it sends. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "event.h"
#include "tap.h"
#include "ui_devices.h"

static void dev(struct ui_devices *d, int index, const char *name, const char *api, int in, int out, bool def,
		bool used_in, bool used_out)
{
	struct event ev;

	event_init(&ev, EVENT_DEVICE);
	event_int(&ev, "index", index);
	event_str(&ev, "name", name);
	event_str(&ev, "api", api);
	event_int(&ev, "in", in);
	event_int(&ev, "out", out);
	event_int(&ev, "rate", 44100);
	event_bool(&ev, "default_in", def);
	event_bool(&ev, "default_out", def && out > 0);
	event_bool(&ev, "used_in", used_in);
	event_bool(&ev, "used_out", used_out);
	ok(ui_devices_event(d, &ev), "device event %d taken", index);
}

static void audio(struct ui_devices *d, const char *cap, const char *play, bool listing, bool fresh)
{
	struct event ev;

	event_init(&ev, EVENT_AUDIO);
	event_str(&ev, "capture", cap);
	event_str(&ev, "playback", play);
	if (listing)
		event_bool(&ev, "fresh", fresh);
	ui_devices_event(d, &ev);
}

int main(void)
{
	static struct ui_devices d;
	struct event other;
	char line[300], cmd[64], why[160], use[300];

	ui_devices_init(&d);
	ui_devices_line(&d, 0, false, line, sizeof(line));
	is_str(line, "", "no devices: an empty row");
	ui_devices_in_use(&d, use, sizeof(use));
	is_str(use, "", "nothing in use known yet");
	is_int(ui_devices_command(&d, 0, "in", cmd, sizeof(cmd), why, sizeof(why)), ENOENT, "no row: no command");

	ui_devices_reload(&d);
	dev(&d, 0, "sysdefault", "ALSA", 128, 128, true, false, false);
	dev(&d, 4, "USB Headset: Audio (hw:1,0)", "ALSA", 1, 2, false, true, true);
	dev(&d, 7, "system", "JACK Audio Connection Kit", 2, 0, false, false, false);
	audio(&d, "USB Headset: Audio (hw:1,0)", "USB Headset: Audio (hw:1,0)", true, false);
	is_int(d.n, 3, "three devices");
	ok(d.listed && !d.fresh, "the list ended, not fresh (a call holds the device)");
	ui_devices_line(&d, 0, false, line, sizeof(line));
	is_str(line, "  *  0 sysdefault  (ALSA)  in 128 out 128, 44100 Hz, default in+out", "a default device's row");
	ui_devices_line(&d, 1, false, line, sizeof(line));
	is_str(line, "CP   4 USB Headset: Audio (hw:1,0)  (ALSA)  in 1 out 2, 44100 Hz", "the one in use: C and P");
	ui_devices_line(&d, 2, true, line, sizeof(line));
	is_str(line, "     7 system", "narrow: marks, index, name");
	ui_devices_in_use(&d, use, sizeof(use));
	is_str(use, "capture USB Headset: Audio (hw:1,0), playback USB Headset: Audio (hw:1,0)", "in use");

	is_int(ui_devices_command(&d, 1, "both", cmd, sizeof(cmd), why, sizeof(why)), 0, "both on row 1");
	is_str(cmd, "device both 4", "... by the device's index");
	is_int(ui_devices_command(&d, 2, "out", cmd, sizeof(cmd), why, sizeof(why)), EINVAL,
	       "playback on a capture-only device refused");
	is_str(why, "system has no playback channel", "... saying why");
	is_int(ui_devices_command(&d, 2, "in", cmd, sizeof(cmd), why, sizeof(why)), 0, "capture on it is fine");
	is_str(cmd, "device in 7", "... device in 7");

	/* a switch: the marks move by name (the list stays), capture only on a device that has it */
	audio(&d, "system", "USB Headset: Audio (hw:1,0)", false, false);
	ok(d.d[2].used_in && !d.d[1].used_in && d.d[1].used_out && !d.d[2].used_out, "the marks follow the switch");
	is_int(d.n, 3, "... the list kept");

	/* a new list replaces the old one, also when it is empty */
	ui_devices_select_step(&d, 2);
	is_int(d.sel, 2, "selection on the last row");
	ui_devices_reload(&d);
	dev(&d, 0, "default", "ALSA", 2, 2, true, false, false);
	audio(&d, "default", "default", true, true);
	ok(d.n == 1 && d.fresh, "a fresh list of one replaces the three");
	is_int(d.sel, 0, "... the selection kept inside it");
	ui_devices_reload(&d);
	audio(&d, "", "", true, true);
	is_int(d.n, 0, "an empty listing empties the pane");
	ui_devices_in_use(&d, use, sizeof(use));
	is_str(use, "", "... nothing in use");

	/* what a sound library calls a device is shown as text: control characters become '?' */
	ui_devices_reload(&d);
	dev(&d, 1, "bad\033[2Jname", "ALSA", 1, 1, false, false, false);
	ok(!strchr(d.d[0].name, '\033'), "an escape in a name is not kept (%s)", d.d[0].name);
	/* a name longer than the row keeps whole characters */
	{
		char longname[300];
		size_t n = 0;
		while (n + 2 < sizeof(longname) - 1) {
			memcpy(longname + n, "\xc3\xa9", 2); /* é */
			n += 2;
		}
		longname[n] = '\0';
		ui_devices_reload(&d);
		dev(&d, 2, longname, "ALSA", 1, 1, false, false, false);
		n = strlen(d.d[0].name);
		ok(n > 0 && n % 2 == 0 && (unsigned char)d.d[0].name[n - 2] == 0xc3, "a cut name ends on a whole character (%zu bytes)", n);
	}
	event_init(&other, EVENT_HISTORY);
	ok(!ui_devices_event(&d, &other), "other events are not the pane's");
	return tap_done();
}
