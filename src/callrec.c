/* SPDX-License-Identifier: GPL-3.0-or-later */
/* callrec.c: follows each call's events (incoming, established, security, ended) into one history record. */
#include <stdio.h>
#include <string.h>

#include "callrec.h"
#include "event.h"
#include "text.h"

static struct callrec_call *find(struct callrec *t, unsigned id)
{
	for (size_t i = 0; i < CALLREC_MAX; i++)
		if (t->c[i].used && t->c[i].id == id)
			return &t->c[i];
	return NULL;
}

static struct callrec_call *add(struct callrec *t, unsigned id, bool incoming, int64_t now)
{
	struct callrec_call *c = NULL;

	for (size_t i = 0; i < CALLREC_MAX && !c; i++)
		if (!t->c[i].used)
			c = &t->c[i];
	if (!c)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->used = true;
	c->id = id;
	c->incoming = incoming;
	c->r.kind = incoming ? HISTORY_RECEIVED : HISTORY_PLACED;
	c->r.start = now;
	return c;
}

static void copy(char *dst, size_t dsz, const char *s)
{
	if (s)
		text_clean(dst, dsz, s, strlen(s));
}

void callrec_placed(struct callrec *t, unsigned id, const char *account, const char *peer, int64_t now)
{
	struct callrec_call *c;

	if (!t || find(t, id))
		return;
	c = add(t, id, false, now);
	if (!c)
		return;
	copy(c->r.account, sizeof(c->r.account), account);
	copy(c->r.peer, sizeof(c->r.peer), peer);
}

void callrec_tls(struct callrec *t, unsigned id, const char *version, bool verified)
{
	struct callrec_call *c = t ? find(t, id) : NULL;

	if (!c || !version)
		return;
	copy(c->r.tls, sizeof(c->r.tls), version);
	c->r.tls_verified = verified;
}

/* The suite of our sending direction, "plain" for RTP: what protected what we said. */
static void media_of(struct callrec_call *c, const struct event *ev)
{
	const struct event_field *srtp = event_get(ev, "srtp");
	const char *tx = event_get_str(ev, "srtp_tx");

	if (srtp && srtp->type == EVENT_BOOL)
		copy(c->r.srtp, sizeof(c->r.srtp), srtp->i ? (tx ? tx : "srtp") : "plain");
	if (event_get_str(ev, "sas_method"))
		copy(c->r.sas_method, sizeof(c->r.sas_method), event_get_str(ev, "sas_method"));
}

/* An incoming call that ended before it was answered here. */
static enum history_kind unanswered(const struct event *ev)
{
	const char *by = event_get_str(ev, "by"), *why = event_get_str(ev, "remote_reason");

	/* RFC 3326: a CANCEL saying another phone of the user took it (cause=200) */
	if (why && strstr(why, "cause=200"))
		return HISTORY_REJECTED;
	/* we declined it or could not take it */
	if (by && !strcmp(by, "local"))
		return HISTORY_REJECTED;
	return HISTORY_MISSED;
}

bool callrec_event(struct callrec *t, const struct event *ev, int64_t now, uint64_t now_ms, struct history_rec *done)
{
	const struct event_field *idf;
	struct callrec_call *c;
	unsigned id;

	if (!t || !ev || !(idf = event_get(ev, "call")) || idf->type != EVENT_INT || idf->i <= 0)
		return false;
	id = (unsigned)idf->i;
	c = find(t, id);
	if (!c) {
		c = add(t, id, ev->kind == EVENT_INCOMING, now);
		if (!c)
			return false;
	}
	if (!c->r.account[0])
		copy(c->r.account, sizeof(c->r.account), event_get_str(ev, "account"));
	if (!c->r.peer[0])
		copy(c->r.peer, sizeof(c->r.peer), event_get_str(ev, "peer"));
	if (ev->kind == EVENT_INCOMING) {
		copy(c->r.name, sizeof(c->r.name), event_get_str(ev, "display_name"));
	} else if (ev->kind == EVENT_ESTABLISHED) {
		if (!c->established) {
			c->established = true;
			c->established_ms = now_ms;
		}
		media_of(c, ev);
	} else if (ev->kind == EVENT_SECURITY) {
		const char *tls = event_get_str(ev, "tls_version");
		const struct event_field *v = event_get(ev, "tls_verified");

		/* the first report names the connection the call was made on (a later one may say it was lost) */
		if (tls && !c->r.tls[0]) {
			copy(c->r.tls, sizeof(c->r.tls), tls);
			c->r.tls_verified = v && v->type == EVENT_BOOL && v->i;
		}
		if (c->established)
			media_of(c, ev);
	} else if (ev->kind == EVENT_ENDED) {
		c->r.status = (unsigned)event_get_int(ev, "status", 0);
		copy(c->r.reason, sizeof(c->r.reason), event_get_str(ev, "reason"));
		c->r.answered = c->established;
		if (c->established)
			c->r.duration = (unsigned)((now_ms - c->established_ms) / 1000);
		else
			c->r.srtp[0] = '\0';
		if (c->incoming)
			c->r.kind = c->established ? HISTORY_RECEIVED : unanswered(ev);
		if (done)
			*done = c->r;
		c->used = false;
		return true;
	}
	return false;
}
