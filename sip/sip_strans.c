/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sip_strans.c: server transaction state machines (INVITE and non-INVITE), request matching, 100 Trying. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "loop.h"
#include "sip_strans.h"

/* RFC 3261 17.2.1: a 100 Trying if the TU has not answered an INVITE by then */
#define TRYING_DELAY_MS 200

enum sstate {
	SS_TRYING,     /* non-INVITE, nothing sent yet */
	SS_PROCEEDING, /* INVITE from the start; non-INVITE after a provisional */
	SS_COMPLETED,  /* final response sent (non-2xx for INVITE) */
	SS_CONFIRMED,  /* INVITE: ACK received */
	SS_ACCEPTED,   /* INVITE: 2xx sent (RFC 6026) */
	SS_TERMINATED,
};

struct sip_strans_mgr {
	struct loop *loop;
	struct sip_timers t;
	struct sip_strans *head;
};

struct sip_strans {
	struct sip_strans *next;
	struct sip_strans **pprev;
	struct sip_strans_mgr *mgr;
	struct sip_tsend tp;
	enum sip_method method;
	char *method_name;
	char *branch;
	char *sent_host;
	uint16_t sent_port;
	struct sip_msg *req;
	void *last; /* last response sent */
	size_t last_len;
	struct tmr tmr_retx;   /* G */
	struct tmr tmr_end;    /* H, I, J, L */
	struct tmr tmr_trying; /* 200 ms for the automatic 100 */
	uint64_t retx_ms;
	enum sstate state;
	bool final_sent;
	sip_strans_h *h;
	void *arg;
	bool tu_gone;
	int in_cb;
};

int sip_strans_mgr_alloc(struct sip_strans_mgr **mp, struct loop *l, const struct sip_timers *t)
{
	struct sip_strans_mgr *m;

	if (!mp || !l)
		return EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return ENOMEM;
	m->loop = l;
	m->t = sip_timers_fill(t);
	*mp = m;
	return 0;
}

static void st_unlink(struct sip_strans *st)
{
	if (!st->pprev)
		return;
	*st->pprev = st->next;
	if (st->next)
		st->next->pprev = st->pprev;
	st->next = NULL;
	st->pprev = NULL;
}

static void st_destroy(struct sip_strans *st)
{
	tmr_cancel(&st->tmr_retx);
	tmr_cancel(&st->tmr_end);
	tmr_cancel(&st->tmr_trying);
	st_unlink(st);
	sip_msg_free(st->req);
	if (st->last)
		explicit_bzero(st->last, st->last_len); /* our 200 OK carries our SRTP key */
	free(st->last);
	free(st->method_name);
	free(st->branch);
	free(st->sent_host);
	free(st);
}

static void st_terminate(struct sip_strans *st)
{
	st->state = SS_TERMINATED;
	tmr_cancel(&st->tmr_retx);
	tmr_cancel(&st->tmr_end);
	tmr_cancel(&st->tmr_trying);
	st_unlink(st);
}

static void st_settle(struct sip_strans *st)
{
	if (st->state == SS_TERMINATED && st->tu_gone && !st->in_cb)
		st_destroy(st);
}

static void st_report(struct sip_strans *st, int err)
{
	sip_strans_h *h = st->h;

	if (!h || st->tu_gone)
		return;
	st->h = NULL; /* at most once */
	st->in_cb++;
	h(err, st->arg);
	st->in_cb--;
}

void sip_strans_mgr_free(struct sip_strans_mgr *m)
{
	if (!m)
		return;
	while (m->head) {
		struct sip_strans *st = m->head;

		st_terminate(st);
		st->mgr = NULL;
		st->h = NULL;
		st_settle(st);
	}
	free(m);
}

static int st_send_last(struct sip_strans *st)
{
	if (!st->last)
		return 0;
	return st->tp.send(st->last, st->last_len, st->tp.arg);
}

/* A transport failure while the TU is not in a call to us: end and tell it. */
static void st_fail(struct sip_strans *st, int err)
{
	st_terminate(st);
	st_report(st, err);
}

static void retx_h(void *arg)
{
	struct sip_strans *st = arg;
	int err;

	if (st->state != SS_COMPLETED || st->method != SIP_METHOD_INVITE)
		return;
	/* Timer G */
	err = st_send_last(st);
	if (err) {
		st_fail(st, err);
	} else {
		st->retx_ms = st->retx_ms * 2 < st->mgr->t.t2 ? st->retx_ms * 2 : st->mgr->t.t2;
		tmr_start(st->mgr->loop, &st->tmr_retx, st->retx_ms, retx_h, st);
	}
	st_settle(st);
}

static void end_h(void *arg)
{
	struct sip_strans *st = arg;

	if (st->state == SS_COMPLETED && st->method == SIP_METHOD_INVITE) {
		/* Timer H: the ACK never came */
		st_terminate(st);
		st_report(st, ETIMEDOUT);
	} else {
		/* Timer I, J or L */
		st_terminate(st);
	}
	st_settle(st);
}

static int keep_last(struct sip_strans *st, const void *resp, size_t len)
{
	void *copy = malloc(len);

	if (!copy)
		return ENOMEM;
	memcpy(copy, resp, len);
	if (st->last)
		explicit_bzero(st->last, st->last_len);
	free(st->last);
	st->last = copy;
	st->last_len = len;
	return 0;
}

static void trying_h(void *arg)
{
	struct sip_strans *st = arg;
	struct wbuf w;
	int err;

	if (st->state != SS_PROCEEDING || st->last)
		return;
	wbuf_init(&w, 0);
	err = sip_reply_print(&w, st->req, 100, "Trying", NULL, NULL, NULL, NULL, 0);
	if (!err)
		err = keep_last(st, w.p, w.len);
	wbuf_free(&w);
	if (!err) {
		err = st_send_last(st);
		if (err)
			st_fail(st, err);
	}
	st_settle(st);
}

static void start_end(struct sip_strans *st, uint64_t ms)
{
	if (tmr_start(st->mgr->loop, &st->tmr_end, ms, end_h, st) != 0)
		st_terminate(st);
}

static bool via_matches(const struct sip_strans *st, const struct sip_via *via)
{
	return via->branch.l == strlen(st->branch) &&
	       memcmp(via->branch.p, st->branch, via->branch.l) == 0 &&
	       via->host.l == strlen(st->sent_host) &&
	       strncasecmp(via->host.p, st->sent_host, via->host.l) == 0 && via->port == st->sent_port;
}

static bool method_is(const struct sip_strans *st, const struct sip_msg *req)
{
	struct pl m = sip_msg_method(req);

	return m.l == strlen(st->method_name) && memcmp(m.p, st->method_name, m.l) == 0;
}

static bool has_cookie(const struct sip_via *via)
{
	const size_t n = sizeof(SIP_BRANCH_COOKIE) - 1;

	return via && via->branch.p && via->branch.l > n &&
	       memcmp(via->branch.p, SIP_BRANCH_COOKIE, n) == 0;
}

int sip_strans_mgr_recv(struct sip_strans_mgr *m, const struct sip_msg *req)
{
	const struct sip_via *via;
	struct sip_strans *st;
	enum sip_method mid;
	int err, ret = 0;

	if (!m || !req || !sip_msg_is_request(req))
		return EINVAL;
	via = sip_msg_via(req);
	if (!has_cookie(via))
		return ENOENT; /* RFC 2543 peers: no transaction matching, the TU sees everything */
	mid = sip_msg_method_id(req);

	for (st = m->head; st; st = st->next) {
		if (!via_matches(st, via))
			continue;
		if (mid == SIP_METHOD_ACK ? st->method == SIP_METHOD_INVITE : method_is(st, req))
			break;
	}
	if (!st)
		return ENOENT;

	st->in_cb++;
	if (mid == SIP_METHOD_ACK) {
		switch (st->state) {
		case SS_COMPLETED:
			st->state = SS_CONFIRMED;
			tmr_cancel(&st->tmr_retx);
			tmr_cancel(&st->tmr_end);
			start_end(st, st->tp.reliable ? 0 : st->mgr->t.t4); /* Timer I */
			break;
		case SS_CONFIRMED:
			break;
		default:
			ret = ENOENT; /* e.g. an ACK for a 2xx reusing the branch: the TU's */
			break;
		}
	} else {
		switch (st->state) {
		case SS_PROCEEDING:
		case SS_COMPLETED:
			err = st_send_last(st);
			if (err)
				st_fail(st, err);
			break;
		default:
			break; /* Trying, Accepted, Confirmed: absorbed */
		}
	}
	st->in_cb--;
	st_settle(st);
	return ret;
}

static char *dup_pl(struct pl pl)
{
	char *s = malloc(pl.l + 1);

	if (s) {
		memcpy(s, pl.p, pl.l);
		s[pl.l] = '\0';
	}
	return s;
}

int sip_strans_alloc(struct sip_strans **stp, struct sip_strans_mgr *m, const struct sip_tsend *tp,
		     const struct sip_msg *req, sip_strans_h *h, void *arg)
{
	const struct sip_via *via;
	struct sip_strans *st;
	struct pl raw;
	int err;

	if (!stp || !m || !tp || !tp->send || !req || !sip_msg_is_request(req))
		return EINVAL;
	via = sip_msg_via(req);
	if (sip_msg_method_id(req) == SIP_METHOD_ACK || !has_cookie(via))
		return EINVAL;

	st = calloc(1, sizeof(*st));
	if (!st)
		return ENOMEM;
	tmr_init(&st->tmr_retx);
	tmr_init(&st->tmr_end);
	tmr_init(&st->tmr_trying);
	st->tp = *tp;
	st->h = h;
	st->arg = arg;

	/* our own copy: the TU may free its message */
	raw = sip_msg_raw(req);
	err = sip_msg_decode(&st->req, raw.p, raw.l);
	if (err)
		goto out;
	via = sip_msg_via(st->req);
	st->method = sip_msg_method_id(st->req);
	st->method_name = dup_pl(sip_msg_method(st->req));
	st->branch = dup_pl(via->branch);
	st->sent_host = dup_pl(via->host);
	st->sent_port = via->port;
	if (!st->method_name || !st->branch || !st->sent_host) {
		err = ENOMEM;
		goto out;
	}

	st->mgr = m;
	st->retx_ms = m->t.t1;
	if (st->method == SIP_METHOD_INVITE) {
		st->state = SS_PROCEEDING;
		if (tmr_start(m->loop, &st->tmr_trying, TRYING_DELAY_MS, trying_h, st) != 0) {
			err = ENOMEM;
			goto out;
		}
	} else {
		st->state = SS_TRYING;
	}
	st->next = m->head;
	if (m->head)
		m->head->pprev = &st->next;
	m->head = st;
	st->pprev = &m->head;
	*stp = st;
	return 0;
out:
	st_destroy(st);
	return err;
}

int sip_strans_reply(struct sip_strans *st, uint16_t code, const void *resp, size_t len)
{
	struct sip_timers *t;
	int err;

	if (!st || !resp || !len || code < 100 || code > 699)
		return EINVAL;
	if (st->state == SS_TERMINATED || !st->mgr)
		return EPROTO;
	t = &st->mgr->t;

	if (st->state == SS_ACCEPTED) {
		/* the TU's own 2xx retransmissions pass through */
		if (code < 200 || code >= 300)
			return EPROTO;
		err = st->tp.send(resp, len, st->tp.arg);
		goto sent;
	}
	if (st->state != SS_TRYING && st->state != SS_PROCEEDING)
		return EPROTO;

	err = keep_last(st, resp, len);
	if (err)
		return err;
	tmr_cancel(&st->tmr_trying);
	err = st_send_last(st);
	if (err)
		goto sent;

	if (code < 200) {
		st->state = SS_PROCEEDING;
	} else if (st->method == SIP_METHOD_INVITE && code < 300) {
		st->state = SS_ACCEPTED;
		st->final_sent = true;
		start_end(st, 64 * (uint64_t)t->t1); /* Timer L */
	} else if (st->method == SIP_METHOD_INVITE) {
		st->state = SS_COMPLETED;
		st->final_sent = true;
		if (!st->tp.reliable)
			tmr_start(st->mgr->loop, &st->tmr_retx, st->retx_ms, retx_h, st); /* G */
		start_end(st, 64 * (uint64_t)t->t1);                                  /* H */
	} else {
		st->state = SS_COMPLETED;
		st->final_sent = true;
		start_end(st, st->tp.reliable ? 0 : 64 * (uint64_t)t->t1); /* J */
	}
sent:
	if (err)
		st_terminate(st); /* RFC 3261 17.2.4; the TU learns it from the return value */
	return err;
}

void sip_strans_free(struct sip_strans *st)
{
	if (!st)
		return;
	st->tu_gone = true;
	st->h = NULL;
	if (!st->final_sent)
		st_terminate(st);
	st_settle(st);
}

const struct sip_msg *sip_strans_request(const struct sip_strans *st)
{
	return st ? st->req : NULL;
}

struct sip_strans *sip_strans_mgr_find_invite(struct sip_strans_mgr *m, const struct sip_msg *cancel)
{
	const struct sip_via *via;
	struct sip_strans *st;

	if (!m || !cancel || !sip_msg_is_request(cancel))
		return NULL;
	via = sip_msg_via(cancel);
	if (!has_cookie(via))
		return NULL;
	for (st = m->head; st; st = st->next)
		if (st->method == SIP_METHOD_INVITE && !st->tu_gone && via_matches(st, via))
			return st;
	return NULL;
}

bool sip_strans_answered(const struct sip_strans *st)
{
	return st && st->final_sent;
}
