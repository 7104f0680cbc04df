/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_ui_history.c: "history", "missed" and "mwi" events (as ua_history.c and mwi.c build them) turned into the UI's history pane and status counts. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "tap.h"
#include "ui_history.h"

static struct event ev;

static void hist_ev(const char *kind, long long start, long dur, bool answered, const char *peer, const char *name,
		    const char *srtp)
{
	event_init(&ev, EVENT_HISTORY);
	event_str(&ev, "kind", kind);
	event_int(&ev, "start", start);
	event_str(&ev, "time", "whenever");
	event_int(&ev, "duration", dur);
	event_bool(&ev, "answered", answered);
	event_str(&ev, "account", "lab");
	event_str(&ev, "peer", peer);
	event_str(&ev, "name", name);
	event_str(&ev, "tls", "TLSv1.3");
	event_bool(&ev, "tls_verified", true);
	event_str(&ev, "srtp", srtp);
	event_str(&ev, "sas_method", "");
	event_int(&ev, "status", answered ? 200 : 487);
	event_str(&ev, "reason", "");
}

static void missed_ev(long n)
{
	event_init(&ev, EVENT_MISSED);
	event_int(&ev, "count", n);
	event_str(&ev, "file", "/x/history");
}

static void mwi_ev(const char *acc, bool waiting, long nnew, long old)
{
	event_init(&ev, EVENT_MWI);
	event_str(&ev, "account", acc);
	event_bool(&ev, "waiting", waiting);
	event_int(&ev, "new", nnew);
	event_int(&ev, "old", old);
	event_int(&ev, "urgent_new", 0);
	event_int(&ev, "urgent_old", 0);
	event_str(&ev, "via", "unsolicited");
}

int main(void)
{
	static struct ui_history h;
	char line[300], st[64];
	time_t now;
	struct tm tm;
	int i;

	/* the tests read times in UTC */
	setenv("TZ", "UTC", 1);
	tzset();
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 126;
	tm.tm_mon = 11;
	tm.tm_mday = 6;
	tm.tm_hour = 12;
	now = timegm(&tm);

	ui_history_init(&h);
	ui_history_status(&h, st, sizeof(st));
	is_str(st, "", "nothing known: the status bar says nothing");
	ok(ui_history_row(&h, 0) == NULL && ui_history_peer(&h, 0) == NULL, "no row yet");
	ui_history_line(&h, 0, now, false, line, sizeof(line));
	is_str(line, "", "no line past the end");

	event_init(&ev, EVENT_ENDED);
	ok(!ui_history_event(&h, &ev), "other events are not the pane's");

	/* calls as they end: yesterday's placed call, then today's missed one */
	hist_ev("placed", now - 86400 - 600, 75, true, "sips:bob@sip.test", "", "AES_CM_128_HMAC_SHA1_80");
	ok(ui_history_event(&h, &ev), "history event taken");
	hist_ev("missed", now - 3600, 0, false, "sips:mallory@sip.test", "Mal \"x\" \x1b[2J", "");
	ui_history_event(&h, &ev);
	is_int(h.n, 2, "two calls");
	ok(ui_history_is_missed(ui_history_row(&h, 0)) && !ui_history_is_missed(ui_history_row(&h, 1)),
	   "row 0 is the newest (the missed call), row 1 the placed one");
	ui_history_line(&h, 0, now, false, line, sizeof(line));
	is_str(line, "11:00       missed         -     Mal \"x\" ?[2J <sips:mallory@sip.test>",
	       "today's missed call: time, kind, no duration, no media, the name with its escape as '?'");
	ui_history_line(&h, 1, now, false, line, sizeof(line));
	is_str(line, "12-05 11:50 placed   1:15  SRTP  sips:bob@sip.test", "yesterday's: date, duration, SRTP");
	is_str(ui_history_peer(&h, 1), "sips:bob@sip.test", "row 1 dials bob");
	ui_history_line(&h, 1, now, true, line, sizeof(line));
	is_str(line, "12-05 placed   sips:bob@sip.test", "narrow: the date, the kind, the far end");
	ui_history_line(&h, 0, now, true, line, sizeof(line));
	is_str(line, "11:00 missed   Mal \"x\" ?[2J <sips:mallory@sip.test>", "narrow, today: the time");

	missed_ev(1);
	ui_history_event(&h, &ev);
	ui_history_status(&h, st, sizeof(st));
	is_str(st, "1 missed", "the status bar counts the missed call");

	/* selection */
	ui_history_select_step(&h, 1);
	is_int(h.sel, 1, "down: the older row");
	ui_history_select_step(&h, 5);
	is_int(h.sel, 1, "not past the oldest");
	hist_ev("received", now - 60, 5, true, "sips:carol@sip.test", "Carol", "plain");
	ui_history_event(&h, &ev);
	is_int(h.sel, 2, "a call ending meanwhile keeps the same row selected");
	is_str(ui_history_peer(&h, h.sel), "sips:bob@sip.test", "... still bob");
	ui_history_line(&h, 0, now, false, line, sizeof(line));
	ok(strstr(line, "PLAIN") && strstr(line, "Carol <sips:carol@sip.test>"), "plain RTP says PLAIN: %s", line);
	ui_history_select_step(&h, -10);
	is_int(h.sel, 0, "up: not before the newest");

	/* a reload: the listing replaces what was kept */
	ui_history_reload(&h);
	hist_ev("rejected", now - 10, 0, false, "sips:dave@sip.test", "", "");
	ui_history_event(&h, &ev);
	is_int(h.n, 1, "the listing's first record starts a fresh list");
	missed_ev(0);
	ui_history_event(&h, &ev);
	ui_history_status(&h, st, sizeof(st));
	is_str(st, "", "seen: count 0, nothing in the status bar");
	ui_history_reload(&h);
	missed_ev(0);
	ui_history_event(&h, &ev);
	is_int(h.n, 0, "an empty listing empties the pane");

	/* voicemail */
	mwi_ev("lab", true, 2, 1);
	ok(ui_history_event(&h, &ev), "mwi taken");
	mwi_ev("work", true, 3, 0);
	ui_history_event(&h, &ev);
	ui_history_status(&h, st, sizeof(st));
	is_str(st, "VM 5", "new messages of both accounts");
	missed_ev(2);
	ui_history_event(&h, &ev);
	ui_history_status(&h, st, sizeof(st));
	is_str(st, "2 missed VM 5", "missed calls and voicemail");
	mwi_ev("lab", false, 0, 3);
	ui_history_event(&h, &ev);
	mwi_ev("work", true, 0, 0);
	ui_history_event(&h, &ev);
	missed_ev(0);
	ui_history_event(&h, &ev);
	ui_history_status(&h, st, sizeof(st));
	is_str(st, "VM", "messages waiting without a count: VM");
	mwi_ev("work", false, 0, 0);
	ui_history_event(&h, &ev);
	ui_history_status(&h, st, sizeof(st));
	is_str(st, "", "none waiting: nothing");

	/* bounded: the oldest go */
	for (i = 0; i < UI_CALLS_MAX + 5; i++) {
		char peer[40];

		snprintf(peer, sizeof(peer), "sips:u%d@sip.test", i);
		hist_ev("placed", now, 1, true, peer, "", "AES_CM_128_HMAC_SHA1_80");
		ui_history_event(&h, &ev);
	}
	is_int(h.n, UI_CALLS_MAX, "at most UI_CALLS_MAX kept");
	snprintf(line, sizeof(line), "sips:u%d@sip.test", UI_CALLS_MAX + 4);
	is_str(ui_history_peer(&h, 0), line, "the newest first");
	is_str(ui_history_peer(&h, UI_CALLS_MAX - 1), "sips:u5@sip.test", "the oldest kept");

	/* a long UTF-8 name cut on a character boundary */
	{
		char name[200];

		for (i = 0; i < 66; i++)
			memcpy(name + 2 * i, "\xc3\xa9", 2);
		name[132] = '\0';
		hist_ev("missed", now, 0, false, "sips:e@sip.test", name, "");
		ui_history_event(&h, &ev);
		is_int(strlen(ui_history_row(&h, 0)->name), 126, "cut to 63 whole characters (126 bytes)");
	}
	return tap_done();
}
