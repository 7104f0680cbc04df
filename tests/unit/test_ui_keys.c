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

static struct {
	enum ui_action a;
	char s[300];
	unsigned n;
} last;

static void action_h(enum ui_action a, const char *s, void *arg)
{
	(void)arg;
	last.a = a;
	snprintf(last.s, sizeof(last.s), "%s", s ? s : "");
	last.n++;
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

static const char *last_msg(const struct ui_model *m)
{
	return m->msgs.n ? ui_ring_at(&m->msgs, m->msgs.n - 1) + 9 : "(none)";
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

int main(void)
{
	static struct ui_model m;
	static struct ui_keys k;
	struct event ev;
	unsigned n;

	ui_model_init(&m, NULL, NULL);
	ui_keys_init(&k, &m, action_h, NULL);
	ui_model_acc_add(&m, "alice", "sips:alice@example.com", true);
	ui_model_acc_add(&m, "work", "sips:me@example.org", true);
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
	keys(&k, " ");
	is_int(k.mode, UI_MODE_NORMAL, "any key closes it");
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

	n = last.n;
	keys(&k, "l");
	ok(last.n == n + 1 && last.a == UI_ACT_LOG_SHOWN, "l opens the log pane (the trace goes on)");
	is_int(k.pane, UI_PANE_LOG, "log pane");
	ui_keys_key(&k, UI_KEY_PGUP);
	is_int(k.log_scroll, 10, "PgUp scrolls back");
	ui_keys_key(&k, UI_KEY_PGDN);
	is_int(k.log_scroll, 0, "PgDn forward");
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
	return tap_done();
}
