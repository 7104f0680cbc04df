/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ua_history.c: what the UA does around calls: the on_incoming/on_missed hooks, the call history, the missed count. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "callrec.h"
#include "event.h"
#include "history.h"
#include "hook.h"
#include "log.h"
#include "sip_transp.h"
#include "tls.h"
#include "ua.h"
#include "ua_priv.h"

struct acc_hooks {
	const struct account *acc;
	struct hook_cmd *incoming, *missed;
};

struct ua_hist {
	struct ua *ua;
	struct history *h;   /* NULL: history = no, or no place for it */
	struct callrec rec;
	struct hook_mgr *hooks;
	struct acc_hooks ah[UA_MAX_ACCOUNTS];
	size_t nah;
	unsigned missed;     /* missed calls since the history was last looked at */
};

static struct acc_hooks *hooks_of(struct ua_hist *hh, const char *account)
{
	for (size_t i = 0; account && i < hh->nah; i++)
		if (!strcmp(hh->ah[i].acc->name, account))
			return &hh->ah[i];
	return NULL;
}

/* A command that passed the configuration's check parses here too; a failure is only logged. */
static struct hook_cmd *parse_hook(const char *account, const char *key, const char *line)
{
	struct hook_cmd *c = NULL;
	char why[400];

	if (line && hook_cmd_parse(&c, line, why, sizeof(why)) != 0)
		log_warn("account %s: %s: %s", account, key, why);
	return c;
}

int ua_history_alloc(struct ua_hist **hp, struct ua *ua)
{
	struct ua_hist *hh;
	int e;

	hh = calloc(1, sizeof(*hh));
	if (!hh)
		return ENOMEM;
	hh->ua = ua;
	if ((e = hook_mgr_alloc(&hh->hooks, ua->l)) != 0) {
		free(hh);
		return e;
	}
	for (size_t i = 0; i < ua->n && hh->nah < UA_MAX_ACCOUNTS; i++) {
		const struct account *a = ua->a[i]->acc;
		struct acc_hooks *ah = &hh->ah[hh->nah++];

		ah->acc = a;
		ah->incoming = parse_hook(a->name, "on_incoming", account_on_incoming(ua->conf, a));
		ah->missed = parse_hook(a->name, "on_missed", account_on_missed(ua->conf, a));
	}
	if (account_conf_history(ua->conf)) {
		/* no place for a history (no HOME) is no reason not to phone */
		e = history_alloc(&hh->h, NULL, 0);
		if (e)
			log_warn("call history off: %s", e == ENOENT ? "neither XDG_STATE_HOME nor HOME is set" : strerror(e));
		else
			history_read(hh->h, 0, NULL, NULL, &hh->missed);
	}
	*hp = hh;
	return 0;
}

void ua_history_free(struct ua_hist *hh)
{
	if (!hh)
		return;
	hook_mgr_free(hh->hooks);
	for (size_t i = 0; i < hh->nah; i++) {
		hook_cmd_free(hh->ah[i].incoming);
		hook_cmd_free(hh->ah[i].missed);
	}
	history_free(hh->h);
	free(hh);
}

/* ---------------- events ---------------- */

static void emit_missed(struct ua_hist *hh)
{
	struct event ev;

	event_init(&ev, EVENT_MISSED);
	event_int(&ev, "count", hh->missed);
	event_str(&ev, "file", hh->h ? history_path(hh->h) : "");
	ua_emit(hh->ua, &ev);
}

static void emit_record(struct ua_hist *hh, const struct history_rec *r)
{
	struct event ev;
	char when[40] = "";
	time_t t = (time_t)r->start;
	struct tm tm;

	if (localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", &tm);
	event_init(&ev, EVENT_HISTORY);
	event_str(&ev, "kind", history_kind_name(r->kind));
	event_int(&ev, "start", (long long)r->start);
	event_str(&ev, "time", when);
	event_int(&ev, "duration", r->duration);
	event_bool(&ev, "answered", r->answered);
	event_str(&ev, "account", r->account);
	event_str(&ev, "peer", r->peer);
	event_str(&ev, "name", r->name);
	event_str(&ev, "tls", r->tls);
	event_bool(&ev, "tls_verified", r->tls_verified);
	event_str(&ev, "srtp", r->srtp);
	event_str(&ev, "sas_method", r->sas_method);
	event_int(&ev, "status", r->status);
	event_str(&ev, "reason", r->reason);
	ua_emit(hh->ua, &ev);
}

static void run_hook(struct ua_hist *hh, const char *what, const struct hook_cmd *c, const struct hook_var *v,
		     size_t n)
{
	if (c)
		hook_run(hh->hooks, what, c, v, n, NULL);
}

void ua_history_call_event(struct ua_hist *hh, const struct event *ev)
{
	struct history_rec r;
	struct acc_hooks *ah;
	char id[24];

	if (!hh)
		return;
	snprintf(id, sizeof(id), "%lld", event_get_int(ev, "call", 0));
	if (ev->kind == EVENT_INCOMING && (ah = hooks_of(hh, event_get_str(ev, "account")))) {
		const struct event_field *srtp = event_get(ev, "srtp");
		struct hook_var v[] = {
			{ "SPHONE_EVENT", "incoming" },
			{ "SPHONE_ACCOUNT", ah->acc->name },
			{ "SPHONE_CALL_ID", id },
			{ "SPHONE_CALLER_URI", event_get_str(ev, "peer") },
			{ "SPHONE_CALLER_NAME", event_get_str(ev, "display_name") },
			{ "SPHONE_SRTP", srtp && srtp->i ? "yes" : "no" },
		};
		run_hook(hh, "on_incoming", ah->incoming, v, sizeof(v) / sizeof(v[0]));
	}
	if (!callrec_event(&hh->rec, ev, (int64_t)time(NULL), loop_now_ms(), &r))
		return;
	if (hh->h) {
		history_append(hh->h, &r);
		emit_record(hh, &r);
	}
	if (r.kind != HISTORY_MISSED)
		return;
	hh->missed++;
	emit_missed(hh);
	if ((ah = hooks_of(hh, r.account))) {
		struct hook_var v[] = {
			{ "SPHONE_EVENT", "missed" },
			{ "SPHONE_ACCOUNT", ah->acc->name },
			{ "SPHONE_CALL_ID", id },
			{ "SPHONE_CALLER_URI", r.peer },
			{ "SPHONE_CALLER_NAME", r.name },
			{ "SPHONE_REASON", r.reason },
		};
		run_hook(hh, "on_missed", ah->missed, v, sizeof(v) / sizeof(v[0]));
	}
}

void ua_history_call_start(struct ua_hist *hh, unsigned id, const char *account, const char *peer,
			   const struct sip_flow *flow)
{
	const struct tls_info *ti = flow ? sip_flow_tls_info(flow) : NULL;

	if (!hh)
		return;
	if (peer)
		callrec_placed(&hh->rec, id, account, peer, (int64_t)time(NULL));
	if (ti)
		callrec_tls(&hh->rec, id, ti->version, ti->verified);
}

/* ---------------- ua.h ---------------- */

struct read_ctx {
	struct ua_hist *hh;
};

static void read_h(const struct history_rec *r, void *arg)
{
	struct read_ctx *c = arg;

	emit_record(c->hh, r);
}

int ua_history(struct ua *ua, unsigned n)
{
	struct ua_hist *hh = ua ? ua->hist : NULL;
	struct read_ctx c = { hh };
	int e = 0;

	if (!hh)
		return EINVAL;
	if (hh->h) {
		/* the file, not memory: other sphone processes append to it too */
		e = history_read(hh->h, n, read_h, &c, &hh->missed);
		if (e)
			log_warn("history: cannot read %s: %s", history_path(hh->h), strerror(e));
	}
	emit_missed(hh);
	return e;
}

int ua_history_seen(struct ua *ua)
{
	struct ua_hist *hh = ua ? ua->hist : NULL;
	struct history_rec r;
	int e = 0;

	if (!hh)
		return EINVAL;
	if (hh->h && hh->missed) {
		memset(&r, 0, sizeof(r));
		r.kind = HISTORY_SEEN;
		r.start = (int64_t)time(NULL);
		e = history_append(hh->h, &r);
	}
	hh->missed = 0;
	emit_missed(hh);
	return e;
}
