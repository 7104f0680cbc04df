/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ui_curses_run.c: runs the full-screen front end (ui_curses_run): the loop, the UA, the wiring (UA
 * events -> ui_model, keys -> ui_keys -> ua_command; the dial line: ua_resolve, then ua_call), the tick
 * (expiry, the bell again, status asked each second), signals and SIGWINCH, quitting. It makes no
 * terminal call: the terminal is ui_curses.c's.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account.h"
#include "log.h"
#include "loop.h"
#include "ua.h"
#include "ui_curses.h"
#include "ui_curses_priv.h"
#include "ui_keys.h"
#include "ui_model.h"
#include "ui_text.h"

#define TICK_MS 200
#define BELL_REPEAT_MS 6000 /* the terminal bell rings again while a call rings here: the ringtone's cycle */
#define QUIT_TIMEOUT_MS 2000

static volatile sig_atomic_t winch_pending;
static struct loop_wake *winch_wake;

/* ---- actions ---- */

static void quit_done(void *arg)
{
	struct ui *u = arg;

	loop_stop(u->l);
}

void ui_curses_run_quit(struct ui *u, const char *why)
{
	int i;

	if (u->quitting)
		return;
	u->quitting = true;
	log_info("quitting (%s)", why);
	ui_model_msg(&u->m, "quitting: un-registering...");
	for (i = 0; i < UI_MAX_CALLS; i++) {
		struct ui_call *c = &u->m.calls[i];
		char cmd[64];

		if (!c->used || c->ended)
			continue;
		if (c->id[0])
			snprintf(cmd, sizeof(cmd), "hangup %s", c->id);
		else
			snprintf(cmd, sizeof(cmd), "hangup");
		ua_command(u->ua, cmd);
	}
	ui_curses_draw(u);
	if (ua_shutdown(u->ua, QUIT_TIMEOUT_MS, quit_done, u))
		loop_stop(u->l);
}

/* What was dialled: resolved by the core (the account and URI every front end gets), then called. */
static void dial(struct ui *u, const char *typed)
{
	struct ua_target t;
	char why[400];

	if (ua_resolve(u->ua, NULL, typed, &t, why, sizeof(why))) {
		ui_model_msg(&u->m, "cannot dial '%s': %s", typed, why);
		return;
	}
	ui_model_msg(&u->m, "calling %s", t.uri);
	if (ua_call(u->ua, t.account, t.uri, NULL, why, sizeof(why)))
		ui_model_msg(&u->m, "%s", why);
}

/* What the keys ask for (ui_keys.c). */
static void action_h(enum ui_action a, const char *s, void *arg)
{
	struct ui *u = arg;

	switch (a) {
	case UI_ACT_COMMAND:
		if (!u->quitting)
			ua_command(u->ua, s);
		break;
	case UI_ACT_DIAL:
		if (!u->quitting)
			dial(u, s);
		break;
	case UI_ACT_QUIT:
		ui_curses_run_quit(u, s);
		break;
	case UI_ACT_BELL:
		ui_curses_beep();
		break;
	case UI_ACT_REDRAW:
		ui_curses_redraw();
		break;
	}
}

/* What the events mean beyond the view (ui_model.c). */
static void note_h(enum ui_model_note n, void *arg)
{
	struct ui *u = arg;

	switch (n) {
	case UI_NOTE_RING:
		if (account_conf_ui_bell(u->conf)) {
			ui_curses_beep();
			u->next_bell = loop_now_ms() + BELL_REPEAT_MS;
		}
		break;
	case UI_NOTE_REGISTERED:
		if (u->dial_pending) {
			u->dial_pending = false;
			ui_keys_dial(&u->k, u->o->dial);
		}
		break;
	case UI_NOTE_ESTABLISHED:
		if (u->o->open_verify) {
			u->k.pane = UI_PANE_VERIFY;
			ui_keys_verify_selected(&u->k);
		}
		break;
	}
}

static void event_h(const struct event *ev, void *arg)
{
	struct ui *u = arg;

	ui_model_event(&u->m, ev);
}

static void winch_wake_h(void *arg)
{
	winch_pending = 0;
	ui_curses_resize(arg);
}

static void winch_sig(int signo)
{
	(void)signo;
	winch_pending = 1;
	if (winch_wake)
		loop_wake_signal(winch_wake);
}

static void tick_h(void *arg)
{
	struct ui *u = arg;
	uint64_t now = loop_now_ms(), sec = now / 1000;
	int i;

	ui_model_expire(&u->m, now);
	if (u->next_bell && now >= u->next_bell) {
		u->next_bell = 0;
		for (i = 0; i < UI_MAX_CALLS; i++) {
			const struct ui_call *c = &u->m.calls[i];
			if (c->used && c->incoming && !c->established && !c->ended) {
				ui_curses_beep();
				u->next_bell = now + BELL_REPEAT_MS;
				break;
			}
		}
	}
	if (sec != u->last_sec && ui_model_live(&u->m)) {
		u->last_sec = sec;
		u->m.dirty = true;
		/* the meters and jitter/loss figures come with each call's status */
		for (i = 0; i < UI_MAX_CALLS; i++)
			if (u->m.calls[i].used && u->m.calls[i].established && !u->m.calls[i].ended)
				break;
		if (i < UI_MAX_CALLS && !u->quitting) {
			u->m.status_asked = false;
			ua_command(u->ua, "status");
			if (u->k.pane == UI_PANE_VERIFY)
				ui_keys_verify_selected(&u->k);
		}
	}
	if (ui_lines_take_changed(&u->log) && u->k.pane == UI_PANE_LOG)
		u->m.dirty = true;
	if (u->m.dirty)
		ui_curses_draw(u);
	tmr_start(u->l, &u->tick, TICK_MS, tick_h, u);
}

static void signal_h(int signo, void *arg)
{
	ui_curses_run_quit(arg, signo == SIGINT ? "SIGINT" : "SIGTERM");
}

/* [contacts] from the config (validated by account.c); the strings belong to the account_conf. */
static void load_contacts(struct ui *u)
{
	size_t i, n = account_conf_contact_count(u->conf);

	for (i = 0; i < n && u->k.ncontacts < UI_MAX_CONTACTS; i++) {
		struct ui_contact *c = &u->k.contacts[u->k.ncontacts];

		if (!account_conf_contact(u->conf, i, &c->name, &c->uri))
			u->k.ncontacts++;
	}
}
int ui_curses_run(struct account_conf *conf, const struct ui_curses_opts *o)
{
	static const struct ui_curses_opts dflt;
	struct ui *u;
	char err[512] = "", fallback_note[512] = "";
	struct sigaction sa, old_sa;
	int e, rc = 1;
	size_t i;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "sphone: the full-screen interface needs a terminal: use --headless for scripts\n");
		return 1;
	}
	u = calloc(1, sizeof(*u));
	if (!u)
		return 1;
	u->o = o ? o : &dflt;
	u->conf = conf;
	ui_model_init(&u->m, note_h, u);
	ui_keys_init(&u->k, &u->m, action_h, u);
	ui_lines_init(&u->log);
	u->k.log = &u->log;
	/* the log pane holds the log and the SIP trace from here on (the trace reaches --log only with --sip-trace) */
	log_set_handler(ui_lines_log_h, &u->log);
	log_set_handler_sip_trace(true);
	tmr_init(&u->tick);
	for (i = 0; i < account_conf_count(conf); i++) {
		const struct account *x = account_conf_at(conf, i);

		if (!u->o->account || !strcmp(u->o->account, x->name))
			ui_model_acc_add(&u->m, x->name, x->uri, x->reg);
	}
	load_contacts(u);
	if (u->o->loop) {
		u->l = u->o->loop;
	} else {
		e = loop_alloc(&u->l);
		if (e) {
			fprintf(stderr, "sphone: cannot start the event loop: %s\n", strerror(e));
			goto out;
		}
		u->own_loop = true;
	}
	e = ua_alloc(&u->ua, u->l, conf, u->o->account, event_h, u, err, sizeof(err));
	if (e) {
		fprintf(stderr, "sphone: %s\n", err[0] ? err : strerror(e));
		goto out;
	}
	if (u->o->call_opts && ua_set_call_opts(u->ua, u->o->call_opts, err, sizeof(err))) {
		char err2[512] = "";

		if (!u->o->call_opts_fallback ||
		    ua_set_call_opts(u->ua, u->o->call_opts_fallback, err2, sizeof(err2))) {
			fprintf(stderr, "sphone: %s\n", err2[0] ? err2 : err);
			goto out;
		}
		snprintf(fallback_note, sizeof(fallback_note), "%s", err);
	}
	u->dial_pending = u->o->dial && *u->o->dial;

	ui_curses_start(u);
	u->k.utf8 = u->utf8;
	log_set_stderr(false);
	ui_model_msg(&u->m, "sphone: press ? for help, d to dial, q to quit");
	if (u->o->note)
		ui_model_msg(&u->m, "%s", u->o->note);
	if (fallback_note[0])
		ui_model_msg(&u->m, "no sound card (%s): using audio files instead", fallback_note);
	/* the history pane's calls and the missed count from the file, before anything rings */
	{
		char hcmd[32];

		ui_history_reload(&u->m.hist);
		snprintf(hcmd, sizeof(hcmd), "history %d", UI_CALLS_MAX);
		ua_command(u->ua, hcmd);
	}
	if (!loop_wake_alloc(&u->winch, u->l, winch_wake_h, u)) {
		winch_wake = u->winch;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = winch_sig;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_RESTART;
		sigaction(SIGWINCH, &sa, &old_sa);
	}
	loop_on_signal(u->l, signal_h, u);
	if (loop_fd_listen(u->l, STDIN_FILENO, LOOP_READ, ui_curses_stdin_h, u) == 0)
		u->stdin_on = true;
	tmr_start(u->l, &u->tick, TICK_MS, tick_h, u);
	ua_register(u->ua, NULL);
	ui_curses_draw(u);
	e = loop_run(u->l);
	rc = e ? 1 : 0;
	tmr_cancel(&u->tick);
	if (u->stdin_on)
		loop_fd_remove(u->l, STDIN_FILENO);
	loop_on_signal(u->l, NULL, NULL);
	if (u->winch) {
		sigaction(SIGWINCH, &old_sa, NULL);
		winch_wake = NULL;
		loop_wake_free(u->winch);
	}
	log_set_stderr(true);
	ui_curses_end(u);
out:
	log_set_handler(NULL, NULL);
	log_set_handler_sip_trace(false);
	ua_free(u->ua);
	if (u->own_loop)
		loop_free(u->l);
	ui_lines_free(&u->log);
	free(u);
	return rc;
}
