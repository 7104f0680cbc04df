/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_ui_keys.c: key presses in the full-screen UI turned into UA commands, modes and the dial/command line. */
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "event.h"
#include "tap.h"
#include "ui_keys.h"
#include "ui_model.h"
#include "ui_text.h"

static struct {
	enum ui_action a;
	char s[300];
	unsigned n;
	char all[600];   /* every command since it was last cleared, each followed by ';' */
} last;

static void action_h(enum ui_action a, const char *s, void *arg)
{
	(void)arg;
	last.a = a;
	snprintf(last.s, sizeof(last.s), "%s", s ? s : "");
	last.n++;
	if (a == UI_ACT_COMMAND && strlen(last.all) + strlen(last.s) + 2 < sizeof(last.all))
		strcat(strcat(last.all, last.s), ";");
}

static void keys(struct ui_keys *k, const char *s)
{
	for (; *s; s++)
		ui_keys_key(k, (unsigned char)*s);
}

/* The command sent by the last action, "(none)" when the last action was no command or none came since. */
static const char *sent(unsigned since)
{
	return last.n > since && last.a == UI_ACT_COMMAND ? last.s : "(none)";
}

/* What the last action asked to dial (the core resolves it), "(none)" as sent(). */
static const char *dialled(unsigned since)
{
	return last.n > since && last.a == UI_ACT_DIAL ? last.s : "(none)";
}

static void call_event(struct ui_model *m, enum event_kind kind, long long id, bool srtp)
{
	struct event ev;

	event_init(&ev, kind);
	event_int(&ev, "call", id);
	event_str(&ev, "peer", "sips:bob@example.org");
	event_bool(&ev, "srtp", srtp);
	ui_model_event(m, &ev);
}

/* A fresh model and keys, the action counter kept. */
static void fresh(struct ui_model *m, struct ui_keys *k)
{
	ui_model_init(m, NULL, NULL);
	ui_keys_init(k, m, action_h, NULL);
	ui_model_acc_add(m, "alice", "sips:alice@example.com", true);
}

/* The dial line edits as readline does. */
static void test_readline(void)
{
	static struct ui_model m;
	static struct ui_keys k;
	unsigned n;

	fresh(&m, &k);
	keys(&k, "dsips:bob@example.org");
	is_int(k.cur, strlen("sips:bob@example.org"), "the cursor follows what is typed");
	ui_keys_key(&k, UI_KEY_HOME);
	is_int(k.cur, 0, "Home: to the start");
	ui_keys_key(&k, UI_KEY_END);
	is_int(k.cur, k.elen, "End: to the end");
	keys(&k, "\001");
	is_int(k.cur, 0, "Ctrl-A: to the start");
	keys(&k, "\005");
	is_int(k.cur, k.elen, "Ctrl-E: to the end");
	ui_keys_key(&k, UI_KEY_LEFT);
	ui_keys_key(&k, UI_KEY_LEFT);
	ui_keys_key(&k, UI_KEY_LEFT);
	keys(&k, "X");
	is_str(k.edit, "sips:bob@example.Xorg", "Left x3, a character goes in at the cursor");
	ui_keys_key(&k, UI_KEY_BACKSPACE);
	is_str(k.edit, "sips:bob@example.org", "Backspace: the character before the cursor");
	ui_keys_key(&k, UI_KEY_DELETE);
	is_str(k.edit, "sips:bob@example.rg", "Delete: the one under it");
	keys(&k, "\004");
	is_str(k.edit, "sips:bob@example.g", "Ctrl-D too");
	ui_keys_key(&k, UI_KEY_RIGHT);
	keys(&k, "\002\002");
	is_int(k.cur, k.elen - 2, "Right and Ctrl-B move a character");
	keys(&k, "\013");
	is_str(k.edit, "sips:bob@example", "Ctrl-K: to the end of the line");
	keys(&k, "\031");
	is_str(k.edit, "sips:bob@example.g", "Ctrl-Y puts it back");
	keys(&k, "\001\006\006\006\006\006 x");
	is_str(k.edit, "sips: xbob@example.g", "Ctrl-F moves right");
	keys(&k, "\027");
	is_str(k.edit, "sips: bob@example.g", "Ctrl-W: the word before the cursor");
	keys(&k, "\027");
	is_str(k.edit, "bob@example.g", "... and again: the blanks and the word before them");
	keys(&k, "\005\025");
	is_str(k.edit, "", "Ctrl-U: all before the cursor");
	keys(&k, "sips:carol@example.net");
	keys(&k, "\001\006\006\006\006\006");
	keys(&k, "\025");
	is_str(k.edit, "carol@example.net", "Ctrl-U at the cursor: only what is before it");
	n = last.n;
	keys(&k, "\r");
	is_str(dialled(n), "carol@example.net", "Enter dials the whole line, wherever the cursor is");

	/* UTF-8: the cursor moves by characters, Backspace and Delete take whole characters */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		diag("no C.UTF-8 locale: the UTF-8 cases below fail");
	k.utf8 = true;
	keys(&k, "d");
	ui_keys_key(&k, 0xe9);    /* é: 2 bytes */
	ui_keys_key(&k, 0x65e5);  /* 日: 3 bytes */
	ui_keys_key(&k, 'x');
	is_str(k.edit, "\xc3\xa9\xe6\x97\xa5x", "UTF-8 typed");
	ui_keys_key(&k, UI_KEY_LEFT);
	ui_keys_key(&k, UI_KEY_LEFT);
	is_int(k.cur, 2, "Left twice: over x and the 3 bytes of 日");
	ui_keys_key(&k, UI_KEY_DELETE);
	is_str(k.edit, "\xc3\xa9x", "Delete: the whole 日");
	ui_keys_key(&k, UI_KEY_BACKSPACE);
	is_str(k.edit, "x", "Backspace: the whole é");
	is_int(k.cur, 0, "... the cursor at the start");
	ui_keys_key(&k, UI_KEY_RIGHT);
	ui_keys_key(&k, UI_KEY_RIGHT);
	is_int(k.cur, 1, "Right stops at the end");
	keys(&k, "\033");
	k.utf8 = false;
}

static void test_fkeys(void)
{
	static struct ui_model m;
	static struct ui_keys k;
	unsigned n;

	fresh(&m, &k);
	ui_keys_key(&k, UI_KEY_F1);
	is_int(k.mode, UI_MODE_HELP, "F1: help (as htop)");
	ui_keys_key(&k, UI_KEY_F1);
	is_int(k.mode, UI_MODE_NORMAL, "F1 again closes it");
	keys(&k, "dbo");
	ui_keys_key(&k, UI_KEY_F1);
	is_int(k.mode, UI_MODE_HELP, "F1 from the dial line too");
	keys(&k, "x");
	n = last.n;
	ui_keys_key(&k, UI_KEY_F10);
	ok(last.n == n + 1 && last.a == UI_ACT_QUIT, "F10: quit (as htop), no call up: at once");
	fresh(&m, &k);
	call_event(&m, EVENT_ESTABLISHED, 1, true);
	n = last.n;
	ui_keys_key(&k, UI_KEY_F10);
	ok(k.mode == UI_MODE_CONFIRM_QUIT && last.n == n, "F10 with a call up asks first");
	ui_keys_key(&k, UI_KEY_F10);
	ok(k.mode == UI_MODE_NORMAL && last.n == n, "... F10 again is no yes");
}

/* The key bar for the state the model and keys are in. */
static const char *bar(const struct ui_keys *k, int width)
{
	static char b[512];

	ui_keys_bar(k, width, b, sizeof(b));
	return b;
}

static bool bar_has(const struct ui_keys *k, const char *s)
{
	return strstr(bar(k, 200), s) != NULL;
}

static void test_bar(void)
{
	static struct ui_model m;
	static struct ui_keys k;
	int w, bad = 0;

	fresh(&m, &k);
	ok(bar_has(&k, " d dial ") && !bar_has(&k, "answer") && !bar_has(&k, " h ") && !bar_has(&k, "DTMF") &&
		   !bar_has(&k, "hold") && !bar_has(&k, "switch"),
	   "no call: d dial, no answer, hang up, hold, DTMF or switch ('%s')", bar(&k, 200));
	ok(bar_has(&k, " ? help ") && bar_has(&k, " q quit "), "... help and quit");
	call_event(&m, EVENT_INCOMING, 1, false);
	ok(bar_has(&k, " a answer ") && bar_has(&k, " h reject ") && !bar_has(&k, "DTMF") && !bar_has(&k, "transfer"),
	   "ringing: a answer, h reject ('%s')", bar(&k, 200));
	call_event(&m, EVENT_ESTABLISHED, 1, true);
	ok(!bar_has(&k, "answer") && bar_has(&k, " h hang up ") && bar_has(&k, " o hold ") &&
		   bar_has(&k, " M mute ") && bar_has(&k, " 0-9 DTMF ") && !bar_has(&k, "switch"),
	   "in a call: hang up, hold, mute, DTMF; no answer, no switch ('%s')", bar(&k, 200));
	ok(bar_has(&k, " t transfer "), "... and t transfer ('%s')", bar(&k, 200));
	m.calls[m.sel].hold = true;
	m.calls[m.sel].muted = true;
	ok(bar_has(&k, " o resume ") && bar_has(&k, " M unmute "), "held and muted: o resume, M unmute");
	call_event(&m, EVENT_ESTABLISHED, 2, true);
	ok(bar_has(&k, " Tab switch "), "two calls: Tab switch");
	ok(!bar_has(&k, "j/k"), "nothing to scroll: no j/k");
	k.view[UI_PANE_MSGS].above = true;
	ok(bar_has(&k, " j/k scroll "), "more to see: j/k scroll");
	keys(&k, "l");
	ok(bar_has(&k, " / search ") && !bar_has(&k, "n/N"), "log pane: / search");
	snprintf(k.search, sizeof(k.search), "INVITE");
	ok(bar_has(&k, " n/N next "), "... n/N once there is a search");
	keys(&k, "d");
	ok(bar_has(&k, " Enter call ") && bar_has(&k, " Esc cancel ") && bar_has(&k, " Tab complete ") &&
		   bar_has(&k, "^W") && !bar_has(&k, "quit") && !bar_has(&k, "hang up"),
	   "dial line open: its keys only ('%s')", bar(&k, 200));
	keys(&k, "\033:");
	ok(bar_has(&k, " Enter run ") && bar_has(&k, " Esc cancel "), "command line: Enter run, Esc cancel");
	keys(&k, "\033/");
	ok(bar_has(&k, " Enter search the log ") && !bar_has(&k, "Tab"), "search line: Enter, Esc, no Tab");
	keys(&k, "\033q");
	ok(bar_has(&k, " y hang up and quit ") && bar_has(&k, " n stay "), "the quit question: y, n");
	keys(&k, "n");
	for (w = UI_MIN_COLS; w <= 120; w++) {
		const char *b = bar(&k, w);

		if ((int)strlen(b) > w || !strstr(b, "? help") || !strstr(b, "q quit") || !strstr(b, "h hang up")) {
			bad = w;
			break;
		}
	}
	ok(!bad, "at every width from %d to 120 the bar fits, with help, quit and hang up", UI_MIN_COLS);
	ok(strstr(bar(&k, 40), "DTMF") == NULL && strstr(bar(&k, 120), "DTMF") != NULL,
	   "the least used go first when narrow ('%s')", bar(&k, 40));
}

/* An established call's event as call.c makes it, with call_media_zrtp_fields' key exchange and SAS state. */
static void zrtp_event(struct ui_model *m, enum event_kind kind, long long id, const char *kx, const char *cache,
		       const char *confirmed)
{
	struct event ev;

	event_init(&ev, kind);
	event_int(&ev, "call", id);
	event_str(&ev, "peer", "sips:bob@example.org");
	event_bool(&ev, "srtp", true);
	event_str(&ev, "key_exchange", kx);
	if (cache) {
		event_str(&ev, "sas", "b7xq");
		event_str(&ev, "zrtp_cache", cache);
	}
	if (confirmed)
		event_str(&ev, "sas_confirmed", confirmed);
	ui_model_event(m, &ev);
}

static void xfer_ask_event(struct ui_model *m, long long id, const char *state)
{
	struct event ev;

	event_init(&ev, EVENT_TRANSFER);
	event_int(&ev, "call", id);
	event_str(&ev, "role", "transferee");
	event_str(&ev, "state", state);
	event_str(&ev, "target", "sips:carol@example.org");
	event_str(&ev, "by", "sips:bob@example.org");
	if (!strcmp(state, "declined"))
		event_str(&ev, "reason", "refused by the user");
	ui_model_event(m, &ev);
}

static bool has80(const struct ui_keys *k, const char *s)
{
	return strstr(bar(k, 80), s) != NULL;
}

/* At 80 columns the call's own keys stay when the pane has more to scroll; V/X while a ZRTP SAS waits. */
static void test_bar_priority(void)
{
	static struct ui_model m;
	static struct ui_keys k;
	unsigned n;

	fresh(&m, &k);
	zrtp_event(&m, EVENT_ESTABLISHED, 1, "SDES", NULL, NULL);
	ok(!bar_has(&k, "V/X"), "SDES call: no V/X ('%s')", bar(&k, 200));
	k.view[UI_PANE_MSGS].below = true;
	ok(has80(&k, " t transfer ") && has80(&k, " h hang up ") && has80(&k, " o hold ") && has80(&k, " M mute ") &&
		   has80(&k, " j/k scroll ") && has80(&k, " v verify ") && has80(&k, " ? help ") && has80(&k, " q quit "),
	   "80 columns, messages with more below: hang up, hold, mute, transfer, scroll, verify, help, quit ('%s')",
	   bar(&k, 80));
	keys(&k, "v");
	k.view[UI_PANE_VERIFY].below = true;
	ok(has80(&k, " t transfer ") && has80(&k, " j/k scroll ") && has80(&k, " v back ") && has80(&k, " M mute "),
	   "80 columns, verify view with more below: transfer, scroll and v back ('%s')", bar(&k, 80));
	keys(&k, "l");
	k.view[UI_PANE_LOG].below = true;
	ok(has80(&k, " t transfer ") && has80(&k, " l back ") && has80(&k, " / search "),
	   "80 columns, log pane: transfer, l back, / search ('%s')", bar(&k, 80));
	keys(&k, "l");

	zrtp_event(&m, EVENT_SECURITY, 1, "ZRTP", "new", NULL);
	ok(bar_has(&k, " V/X SAS ok/bad "), "ZRTP keys, SAS not compared: V/X ('%s')", bar(&k, 200));
	ok(has80(&k, " V/X SAS ok/bad ") && has80(&k, " t transfer ") && has80(&k, " h hang up "),
	   "... kept at 80 columns with transfer and hang up ('%s')", bar(&k, 80));
	n = last.n;
	keys(&k, "V");
	is_str(sent(n), "sas-verify 1", "V: sas-verify");
	zrtp_event(&m, EVENT_SECURITY, 1, "ZRTP", "new", "verified");
	ok(!bar_has(&k, "V/X"), "confirmed in this call: V/X gone ('%s')", bar(&k, 200));
	zrtp_event(&m, EVENT_ESTABLISHED, 2, "ZRTP", "verified", NULL);
	ok(!bar_has(&k, "V/X"), "a device verified on an earlier call: no V/X");
	zrtp_event(&m, EVENT_SECURITY, 2, "ZRTP", "MISMATCH", NULL);
	ok(bar_has(&k, " V/X SAS ok/bad "), "a cache mismatch: V/X again");
	n = last.n;
	keys(&k, "X");
	is_str(sent(n), "sas-reject 2", "X: sas-reject");
	zrtp_event(&m, EVENT_SECURITY, 2, "SDES", NULL, NULL);
	ok(!bar_has(&k, "V/X"), "ZRTP gone (keys back to SDES): no V/X");

	/* accept_transfer = ask: T takes the transfer the far end asks for, R refuses it */
	n = last.n;
	keys(&k, "T");
	is_str(sent(n), "(none)", "T with no transfer asked sends nothing");
	is_str(m.note, "no transfer waits for your answer", "... and says so");
	ok(!bar_has(&k, "T/R"), "no transfer asked: no T/R");
	xfer_ask_event(&m, 2, "ask");
	ok(has80(&k, " T/R transfer ok/no ") && has80(&k, " h hang up ") && has80(&k, " o hold "),
	   "a transfer asked: T/R first at 80 columns, with hang up and hold ('%s')", bar(&k, 80));
	{
		bool asked = false;
		for (int i = 0; i < UI_MAX_CALLS; i++)
			asked |= m.calls[i].used && !strcmp(m.calls[i].id, "2") && m.calls[i].xfer_ask;
		ok(asked, "... call 2 is marked (the call list shows 'transfer?')");
	}
	ok(strstr(m.banner, "asks to transfer you to sips:carol@example.org: T take, R refuse") != NULL,
	   "... and the banner (%s)", m.banner);
	keys(&k, "T");
	is_str(sent(n), "transfer-accept 2", "T: transfer-accept");
	n = last.n;
	keys(&k, "R");
	is_str(sent(n), "transfer-refuse 2", "R: transfer-refuse");
	xfer_ask_event(&m, 2, "declined");
	ok(!bar_has(&k, "T/R"), "declined: T/R gone");
	ok(strstr(m.banner, "declined a transfer by sips:bob@example.org to sips:carol@example.org: refused by the user") != NULL,
	   "... and the banner says so (%s)", m.banner);
}

static void test_search(void)
{
	static struct ui_lines log;
	static struct ui_model m;
	static struct ui_keys k;
	int i;

	fresh(&m, &k);
	ui_lines_init(&log);
	k.log = &log;
	for (i = 0; i < 50; i++)
		ui_lines_add(&log, LOGL_DEBUG, i == 10 || i == 30 ? "INVITE sips:bob@example.org SIP/2.0" : "Via: x");
	keys(&k, "/");
	ok(k.mode == UI_MODE_SEARCH && k.pane == UI_PANE_LOG, "/ opens the search line, on the log pane");
	keys(&k, "invite\r");
	ok(k.have_match && k.match == 10, "Enter: the first match (any case) from the top shown");
	ok(!k.view[UI_PANE_LOG].follow && k.view[UI_PANE_LOG].top == 10, "... scrolled to it");
	keys(&k, "n");
	is_int(k.match, 30, "n: the next");
	keys(&k, "n");
	is_int(k.match, 10, "n at the last: round to the first");
	ok(strstr(m.note, "from the top") != NULL, "... and it says so");
	keys(&k, "N");
	is_int(k.match, 30, "N: the previous, round the other way");
	keys(&k, "N");
	is_int(k.match, 10, "N again");
	keys(&k, "/BYE\r");
	ok(!k.have_match && !strcmp(m.note, "not found: BYE"), "not found: said");
	keys(&k, "m");
	keys(&k, "n");
	is_int(k.pane, UI_PANE_MSGS, "n outside the log pane does nothing");
	ui_lines_free(&log);
}

/* The help speaks of the keys this file handles. */
static void test_help(void)
{
	static const char *const must[] = { "F1", "F10", "/", "j k", "PgDn", "Home End", "Ctrl-W", "Ctrl-K",
					    "Left Right", "Del", "Tab", "M", "v", "l", NULL };
	const char *const *s;
	const struct ui_help *h;
	size_t n, i;
	int missing = 0;

	h = ui_keys_help(&n);
	for (s = must; *s; s++) {
		for (i = 0; i < n; i++)
			if (strstr(h[i].keys, *s))
				break;
		if (i == n) {
			diag("help lacks %s", *s);
			missing++;
		}
	}
	is_int(missing, 0, "the help names F1, F10, /, j k, PgDn, Home End, Ctrl-W, Ctrl-K, the cursor keys");
}

static void hist_event(struct ui_model *m, const char *kind, const char *peer)
{
	struct event ev;

	event_init(&ev, EVENT_HISTORY);
	event_str(&ev, "kind", kind);
	event_int(&ev, "start", 1796538000);
	event_int(&ev, "duration", 0);
	event_bool(&ev, "answered", false);
	event_str(&ev, "peer", peer);
	event_str(&ev, "name", "");
	event_str(&ev, "srtp", "");
	ui_model_event(m, &ev);
}

/* H: the call history pane; Enter calls the selected row back; w calls the voicemail. */
static void test_history_pane(void)
{
	static struct ui_model m;
	static struct ui_keys k;
	struct event ev;
	char bar[300];
	unsigned n;

	fresh(&m, &k);
	hist_event(&m, "placed", "sips:old@example.org");
	event_init(&ev, EVENT_MISSED);
	event_int(&ev, "count", 1);
	ui_model_event(&m, &ev);
	ui_keys_bar(&k, 200, bar, sizeof(bar));
	ok(strstr(bar, "H history") != NULL, "a missed call: the key bar offers H history (%s)", bar);
	last.all[0] = '\0';
	keys(&k, "H");
	is_int(k.pane, UI_PANE_HISTORY, "H: the history pane");
	is_str(last.all, "history 100;history seen;", "... asks for the last 100 calls and marks them seen");
	/* the core's answer, as ua_history gives it: oldest first, then the count */
	hist_event(&m, "placed", "sips:bob@example.org");
	hist_event(&m, "missed", "sips:mallory@example.org");
	event_init(&ev, EVENT_MISSED);
	event_int(&ev, "count", 0);
	ui_model_event(&m, &ev);
	is_int(m.hist.n, 2, "the listing replaced what the pane had");
	ui_keys_bar(&k, 200, bar, sizeof(bar));
	ok(strstr(bar, "Enter call back") && strstr(bar, "H back"), "the key bar: Enter call back, H back (%s)", bar);
	n = last.n;
	keys(&k, "\r");
	is_str(dialled(n), "sips:mallory@example.org", "Enter on the newest row (the missed call) calls it back");
	is_int(k.mode, UI_MODE_NORMAL, "... without opening the dial line");
	is_int(k.pane, UI_PANE_MSGS, "... and shows the messages (how the call goes)");
	keys(&k, "H");
	n = last.n;
	keys(&k, "j\r");
	is_str(dialled(n), "sips:bob@example.org", "H, j, Enter: the row below");
	keys(&k, "H");
	n = last.n;
	ui_keys_key(&k, UI_KEY_UP);
	keys(&k, "\r");
	is_str(dialled(n), "sips:mallory@example.org", "H, Up, Enter: the row above");
	keys(&k, "HH");
	is_int(k.pane, UI_PANE_MSGS, "H again: back to the messages");
	n = last.n;
	keys(&k, "\r");
	is_int(k.mode, UI_MODE_DIAL, "Enter outside the pane opens the dial line as before");
	keys(&k, "\033");
	n = last.n;
	keys(&k, "w");
	is_str(sent(n), "voicemail", "w calls the voicemail");
	event_init(&ev, EVENT_MWI);
	event_str(&ev, "account", "alice");
	event_bool(&ev, "waiting", true);
	event_int(&ev, "new", 2);
	event_int(&ev, "old", 0);
	ui_model_event(&m, &ev);
	ui_keys_bar(&k, 200, bar, sizeof(bar));
	ok(strstr(bar, "w voicemail") != NULL, "messages waiting: the key bar offers w voicemail");
	ok(strstr(ui_ring_at(&m.msgs, m.msgs.n - 1), "voicemail of alice: messages waiting, 2 new, 0 old") != NULL,
	   "and the messages say so once: %s", ui_ring_at(&m.msgs, m.msgs.n - 1));
	n = (unsigned)m.msgs.n;
	ui_model_event(&m, &ev);
	is_int(m.msgs.n, n, "the same counts again: no second line");
	/* a listing of 100 calls does not flood the messages */
	n = (unsigned)m.msgs.n;
	hist_event(&m, "placed", "sips:x@example.org");
	is_int(m.msgs.n, n, "a history event is no message line");
}

static void dev_event(struct ui_model *m, int index, const char *name, int in, int out, bool used)
{
	struct event ev;

	event_init(&ev, EVENT_DEVICE);
	event_int(&ev, "index", index);
	event_str(&ev, "name", name);
	event_str(&ev, "api", "ALSA");
	event_int(&ev, "in", in);
	event_int(&ev, "out", out);
	event_int(&ev, "rate", 48000);
	event_bool(&ev, "default_in", index == 0);
	event_bool(&ev, "default_out", index == 0);
	event_bool(&ev, "used_in", used);
	event_bool(&ev, "used_out", used);
	ui_model_event(m, &ev);
}

static void audio_event(struct ui_model *m, const char *cap, const char *play, int switch_ms)
{
	struct event ev;

	event_init(&ev, EVENT_AUDIO);
	event_str(&ev, "capture", cap);
	event_str(&ev, "capture_api", "ALSA");
	event_str(&ev, "playback", play);
	event_str(&ev, "playback_api", "ALSA");
	if (switch_ms < 0) {
		event_bool(&ev, "fresh", true);
	} else {
		event_int(&ev, "switch_ms", switch_ms);
		event_str(&ev, "saved", "/home/me/.config/sphone/sphone.conf");
	}
	ui_model_event(m, &ev);
}

/* A: the sound device pane; c, p, Enter send the device command for the selected row. */
static void test_devices(void)
{
	static struct ui_model m;
	static struct ui_keys k;
	char bar[300];
	unsigned n;

	fresh(&m, &k);
	ui_keys_bar(&k, 200, bar, sizeof(bar));
	ok(strstr(bar, "A audio") != NULL, "the key bar offers A audio (%s)", bar);
	last.all[0] = '\0';
	keys(&k, "A");
	is_int(k.pane, UI_PANE_DEVICES, "A: the device pane");
	is_str(last.all, "devices;", "... asks the core for the list");
	/* the core's answer: the devices, then the ones in use */
	dev_event(&m, 0, "default", 2, 2, true);
	dev_event(&m, 3, "USB Headset", 1, 0, false);
	dev_event(&m, 5, "HDMI 0", 0, 8, false);
	audio_event(&m, "default", "default", -1);
	is_int(m.devs.n, 3, "three devices in the pane");
	ui_keys_bar(&k, 200, bar, sizeof(bar));
	ok(strstr(bar, "Enter use") && strstr(bar, "c/p capture/playback") && strstr(bar, "A back") &&
	   strstr(bar, "r refresh") && !strstr(bar, "A audio"),
	   "the key bar: Enter use, c/p, r refresh, A back (%s)", bar);
	n = last.n;
	keys(&k, "\r");
	is_str(sent(n), "device both 0", "Enter on the first row: both ways to index 0");
	keys(&k, "j");
	n = last.n;
	keys(&k, "c");
	is_str(sent(n), "device in 3", "j, c: capture to the USB headset (its index, not its row)");
	n = last.n;
	keys(&k, "p");
	is_str(sent(n), "(none)", "p on a device with no playback side: nothing sent");
	ok(strstr(m.note, "no playback") != NULL, "... the prompt line says why (%s)", m.note);
	n = last.n;
	keys(&k, "\r");
	is_str(sent(n), "(none)", "Enter (both) on it: nothing sent either");
	ui_keys_key(&k, UI_KEY_END);
	n = last.n;
	keys(&k, "p");
	is_str(sent(n), "device out 5", "End, p: playback to the last row");
	keys(&k, "j");
	is_int(m.devs.sel, 2, "j at the last row stays there");
	ui_keys_key(&k, UI_KEY_HOME);
	is_int(m.devs.sel, 0, "Home: the first row");
	/* the switch's answer moves the marks and says where the choice went */
	audio_event(&m, "USB Headset", "default", 42);
	ok(m.devs.d[1].used_in && !m.devs.d[0].used_in && m.devs.d[0].used_out, "the marks follow the audio event");
	ok(strstr(m.devs.result, "switched in 42 ms") && strstr(m.devs.result, "remembered in /home/me/"),
	   "the pane's result line: %s", m.devs.result);
	ok(strstr(ui_ring_at(&m.msgs, m.msgs.n - 1), "audio: capture USB Headset, playback default") != NULL,
	   "the messages say it too: %s", ui_ring_at(&m.msgs, m.msgs.n - 1));
	n = last.n;
	keys(&k, "r");
	is_str(sent(n), "devices", "r asks again");
	ok(m.devs.reloading, "... and the answer will replace the list");
	keys(&k, "A");
	is_int(k.pane, UI_PANE_MSGS, "A again: back to the messages");
	n = last.n;
	keys(&k, "c");
	is_str(sent(n), "(none)", "c outside the pane: no device command");
	{
		size_t nh;
		const struct ui_help *h = ui_keys_help(&nh);
		bool found = false;
		for (size_t i = 0; i < nh; i++)
			found |= !strcmp(h[i].keys, "A") && strstr(h[i].text, "capture");
		ok(found, "the help names A and its keys");
	}
}

int main(void)
{
	static struct ui_model m;
	static struct ui_keys k;
	unsigned n;

	ui_model_init(&m, NULL, NULL);
	ui_keys_init(&k, &m, action_h, NULL);
	ui_model_acc_add(&m, "alice", "sips:alice@example.com", true);
	ui_model_acc_add(&m, "work", "sips:me@example.org", true);
	test_history_pane();
	test_bar_priority();
	k.contacts[0] = (struct ui_contact){ "Carol", "sips:carol@example.net" };
	k.ncontacts = 1;

	/* dialling */
	keys(&k, "d");
	is_int(k.mode, UI_MODE_DIAL, "d opens the dial line");
	n = last.n;
	keys(&k, "bob\r");
	is_int(k.mode, UI_MODE_NORMAL, "Enter closes it");
	is_str(dialled(n), "bob", "what was typed goes to the core to be resolved (ua_resolve: test_dial, call_sphones.sh)");

	n = last.n;
	keys(&k, "d");
	keys(&k, "dave  \r");
	is_str(dialled(n), "dave", "... trailing blanks dropped");

	n = last.n;
	keys(&k, "dCa\t");
	is_str(k.edit, "Carol", "Tab completes a contact");
	keys(&k, "\r");
	is_str(dialled(n), "Carol", "a completed contact is dialled by its name");

	keys(&k, "d");
	ui_keys_key(&k, UI_KEY_UP);
	is_str(k.edit, "Carol", "Up: the last dialled line");
	ui_keys_key(&k, UI_KEY_UP);
	is_str(k.edit, "dave", "Up again: the one before");
	ui_keys_key(&k, UI_KEY_DOWN);
	is_str(k.edit, "Carol", "Down: back");
	ui_keys_key(&k, 21);
	is_str(k.edit, "", "Ctrl-U clears the line");
	n = last.n;
	keys(&k, "x\033");
	is_int(k.mode, UI_MODE_NORMAL, "Esc leaves the dial line");
	is_int(last.n, n, "... sending nothing");

	keys(&k, "5");
	is_int(k.mode, UI_MODE_DIAL, "a digit without a call starts dialling");
	is_str(k.edit, "5", "... with that digit");
	keys(&k, "\033");

	/* what is typed, as the terminal's encoding allows (ui_curses.c sets the locale) */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		diag("no C.UTF-8 locale: the UTF-8 case below fails");
	k.utf8 = true;
	keys(&k, "d");
	ui_keys_key(&k, 0xe9);
	is_str(k.edit, "\xc3\xa9", "UTF-8 terminal: a typed character is stored as UTF-8");
	ui_keys_key(&k, UI_KEY_BACKSPACE);
	is_str(k.edit, "", "Backspace removes the whole character");
	keys(&k, "\033");
	k.utf8 = false;
	keys(&k, "d");
	ui_keys_key(&k, 0xe9);
	is_str(k.edit, "", "ASCII terminal: a character beyond ASCII is not taken");
	keys(&k, "\033");

	/* the command line */
	n = last.n;
	keys(&k, ":status  \r");
	is_str(sent(n), "status", "':status' is sent, trailing blanks dropped");
	ok(m.status_asked, "... and its answers will be shown");
	keys(&k, ":reg\t");
	is_str(k.edit, "register", "Tab completes a command");
	keys(&k, "\033");
	keys(&k, ":x");
	ui_keys_key(&k, 127);
	is_int(k.mode, UI_MODE_NORMAL, "Backspace on an empty command line leaves it");
	keys(&k, ":help\r");
	is_int(k.mode, UI_MODE_HELP, ":help shows the help");
	keys(&k, "j ");
	is_int(k.mode, UI_MODE_HELP, "j and Space scroll it");
	keys(&k, "x");
	is_int(k.mode, UI_MODE_NORMAL, "any other key closes it");
	n = last.n;
	keys(&k, ":call bob\r");
	is_str(dialled(n), "bob", ":call dials as the dial line does");

	/* keys about a call */
	n = last.n;
	keys(&k, "h");
	is_str(sent(n), "(none)", "h without a call sends nothing");
	is_str(m.note, "no call to hang up", "... and says so");
	keys(&k, "V");
	is_str(sent(n), "(none)", "V without a call sends nothing");
	is_str(m.note, "no established call whose ZRTP SAS to confirm", "... and says so");

	call_event(&m, EVENT_ESTABLISHED, 1, true);
	n = last.n;
	keys(&k, "7");
	is_str(sent(n), "dtmf 7", "a digit in a call is DTMF");
	is_str(m.note, "DTMF sent: 7", "... noted on the prompt line");
	is_int(k.mode, UI_MODE_NORMAL, "... not the dial line");
	keys(&k, "h");
	is_str(sent(n), "hangup 1", "h hangs up the selected call");
	keys(&k, "M");
	is_str(sent(n), "mute 1", "M mutes it");
	keys(&k, "o");
	is_str(sent(n), "hold", "o holds");
	keys(&k, "V");
	is_str(sent(n), "sas-verify 1", "V confirms the selected call's ZRTP SAS");
	keys(&k, "X");
	is_str(sent(n), "sas-reject 1", "X rejects it");
	keys(&k, "v");
	is_int(k.pane, UI_PANE_VERIFY, "v: the verify view");
	is_str(sent(n), "verify 1", "... asks for the selected call's report");
	keys(&k, "v");
	is_int(k.pane, UI_PANE_MSGS, "v again: back to the messages");
	n = last.n;
	keys(&k, "s");
	is_str(sent(n), "(none)", "one call: nothing to switch to");

	call_event(&m, EVENT_INCOMING, 2, false);
	n = last.n;
	ui_keys_key(&k, UI_KEY_UP);
	keys(&k, "a");
	is_str(sent(n), "answer 2", "a answers the ringing call, whichever is selected");
	call_event(&m, EVENT_ESTABLISHED, 2, false);
	is_str(m.calls[m.sel].id, "1", "the selection stays where Up put it");
	keys(&k, "\t");
	is_str(sent(n), "switch 2", "Tab switches to the other live call");
	is_str(m.calls[m.sel].id, "2", "... and selects it");
	keys(&k, "s");
	is_str(sent(n), "switch 1", "s too, round the live calls");

	keys(&k, "l");
	is_int(k.pane, UI_PANE_LOG, "l: the log pane");
	ok(k.view[UI_PANE_LOG].follow, "... showing the newest lines");
	k.view[UI_PANE_LOG].first = 40;
	k.view[UI_PANE_LOG].next = 60;
	ui_keys_key(&k, UI_KEY_PGUP);
	ok(!k.view[UI_PANE_LOG].follow && k.view[UI_PANE_LOG].top == 21, "PgUp: a page back, one line kept");
	ui_keys_key(&k, UI_KEY_END);
	ok(k.view[UI_PANE_LOG].follow, "End: the newest again");
	keys(&k, "k");
	ok(!k.view[UI_PANE_LOG].follow && k.view[UI_PANE_LOG].top == 39, "k: a line up");
	keys(&k, "j");
	is_int(k.view[UI_PANE_LOG].top, 40, "j: a line down");
	ui_keys_key(&k, UI_KEY_HOME);
	is_int(k.view[UI_PANE_LOG].top, 0, "Home: the top");
	keys(&k, "m");
	is_int(k.pane, UI_PANE_MSGS, "m: messages");

	/* quitting with calls up asks first */
	n = last.n;
	keys(&k, "q");
	is_int(k.mode, UI_MODE_CONFIRM_QUIT, "q with a call up asks");
	keys(&k, "n");
	ok(k.mode == UI_MODE_NORMAL && last.n == n, "n: no quit");
	keys(&k, "qy");
	ok(last.a == UI_ACT_QUIT && last.n == n + 1, "y: quit");
	n = last.n;
	keys(&k, ":quit\r");
	ok(last.a == UI_ACT_QUIT && last.n == n + 1, ":quit quits");

	test_readline();
	test_fkeys();
	test_bar();
	test_search();
	test_help();
	test_devices();
	return tap_done();
}
