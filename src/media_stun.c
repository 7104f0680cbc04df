/* SPDX-License-Identifier: GPL-3.0-or-later */
/* media_stun.c: a call's public media address by STUN: Bindings from its RTP and RTCP sockets, kept alive during the call. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "media_stun.h"
#include "sa.h"
#include "stun.h"

#define FIRST_MS_DEFAULT 1500
#define KEEPALIVE_MS_DEFAULT 15000
/* a keepalive's Binding: 3 requests (0, 0.5, 1.5 s), given up at 3.5 s, well inside the interval */
#define KA_RTO_MS 500
#define KA_RM 4

enum { REP_READY = 1, REP_CHANGED = 2, REP_KA_FAILED = 4 };

struct leg {
	struct media_stun *ms;
	bool rtcp;
	struct stun_binding *b;
	bool done, ok; /* the current Binding ended; with a mapping */
	int err;
	struct sockaddr_storage mapped;
};

struct media_stun {
	struct loop *l;
	struct sockaddr_storage server;
	socklen_t slen;
	int rtp_fd;
	unsigned first_ms, keepalive_ms;
	char *software;
	media_stun_send_h *send;
	media_stun_h *h;
	void *arg;
	struct leg legs[2]; /* RTP, RTCP */
	size_t n_legs;
	bool first;         /* the first Bindings run */
	bool ka_failed;     /* a keepalive went unanswered (reported once) */
	struct media_stun_info info;
	struct tmr ka_tmr;
	struct tmr rep_tmr; /* reports go up from the loop, never from inside a Binding's handler */
	unsigned rep;       /* REP_* waiting for rep_tmr */
};

static void rep_tmr_h(void *arg)
{
	struct media_stun *ms = arg;

	/* one report per call of h: it may free ms */
	for (unsigned bit = REP_READY; bit <= REP_KA_FAILED; bit <<= 1) {
		if (!(ms->rep & bit))
			continue;
		ms->rep &= ~bit;
		if (ms->rep)
			tmr_start(ms->l, &ms->rep_tmr, 0, rep_tmr_h, ms);
		ms->h(bit == REP_READY ? MEDIA_STUN_READY : bit == REP_CHANGED ? MEDIA_STUN_CHANGED : MEDIA_STUN_KA_FAILED,
		      ms->arg);
		return;
	}
}

static void report(struct media_stun *ms, unsigned bit)
{
	ms->rep |= bit;
	tmr_start(ms->l, &ms->rep_tmr, 0, rep_tmr_h, ms);
}

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	uint16_t p = 0;
	char buf[64];

	sa_str((const struct sockaddr *)ss, buf, sizeof(buf), NULL, 0, &p);
	return p;
}

static void why(struct media_stun *ms, int err, const struct stun_result *r)
{
	char sv[64];

	sa_str((const struct sockaddr *)&ms->server, sv, sizeof(sv), NULL, 0, NULL);
	if (err == ETIMEDOUT)
		snprintf(ms->info.error, sizeof(ms->info.error), "no answer from the STUN server %s within %u ms", sv,
			 ms->first ? ms->first_ms : KA_RTO_MS * (3 + KA_RM));
	else if (err == EPROTO && r && r->error_code)
		snprintf(ms->info.error, sizeof(ms->info.error), "the STUN server %s answered with error %u", sv,
			 r->error_code);
	else if (err == EPROTO)
		snprintf(ms->info.error, sizeof(ms->info.error), "the STUN server %s gave no usable mapped address", sv);
	else
		snprintf(ms->info.error, sizeof(ms->info.error), "STUN to %s: %s", sv, strerror(err));
}

/* What the Bindings' answers mean: the state, the mappings and whether the NAT kept the ports. */
static void classify(struct media_stun *ms)
{
	struct leg *rtp = &ms->legs[0], *rtcp = ms->n_legs > 1 ? &ms->legs[1] : NULL;
	struct media_stun_info *in = &ms->info;

	if (!rtp->ok) {
		in->state = MEDIA_STUN_FAILED;
	} else {
		in->rtp = rtp->mapped;
		in->have_rtcp = rtcp && rtcp->ok;
		if (in->have_rtcp)
			in->rtcp = rtcp->mapped;
		if (sa_equal((const struct sockaddr *)&rtp->mapped, (const struct sockaddr *)&in->local)) {
			in->state = MEDIA_STUN_NO_NAT;
		} else {
			in->state = MEDIA_STUN_NAT;
			in->ports_changed = port_of(&in->rtp) != port_of(&in->local) ||
					    (in->have_rtcp && port_of(&in->rtcp) != (uint16_t)(port_of(&in->rtp) + 1));
		}
	}
}

/* The first Bindings ended on every socket: what the SDP gives. */
static void first_done(struct media_stun *ms)
{
	ms->first = false;
	classify(ms);
	report(ms, REP_READY);
}

/*
 * A keepalive's answer on the RTP socket, compared with the local address as it is now (the host may
 * have moved to another network since: call_media_readdress): a new mapping, a NAT that appeared or
 * went, is reported; the same mapping is not.
 */
static void ka_rtp(struct media_stun *ms, const struct sockaddr_storage *mapped)
{
	struct media_stun_info *in = &ms->info;
	struct sockaddr_storage loc;
	enum media_stun_state st;

	if (stun_local_addr(ms->rtp_fd, (const struct sockaddr *)&ms->server, ms->slen, &loc) == 0)
		in->local = loc;
	st = sa_equal((const struct sockaddr *)mapped, (const struct sockaddr *)&in->local) ? MEDIA_STUN_NO_NAT
											    : MEDIA_STUN_NAT;
	if (st == in->state && sa_equal((const struct sockaddr *)mapped, (const struct sockaddr *)&in->rtp))
		return;
	in->rtp = *mapped;
	if (st != in->state)
		in->have_rtcp = false; /* RTCP's mapping comes with its next answer */
	in->state = st;
	in->ports_changed = st == MEDIA_STUN_NAT && port_of(&in->rtp) != port_of(&in->local);
	report(ms, REP_CHANGED);
}

static void ka_tmr_h(void *arg);

static void binding_h(int err, const struct stun_result *r, void *arg)
{
	struct leg *lg = arg;
	struct media_stun *ms = lg->ms;

	lg->done = true;
	lg->ok = !err && r;
	lg->err = err;
	if (lg->ok)
		lg->mapped = r->mapped;
	if (!ms->first) {
		/* a keepalive: the RTP socket's mapping is what the SDP gives */
		if (ms->info.state == MEDIA_STUN_FAILED) {
			/* the server answers now, after the first Bindings failed: what they would have found */
			if (lg->ok && !lg->rtcp) {
				/* RTCP's answer counts if it came first in this round, else when it comes */
				ms->info.error[0] = '\0';
				classify(ms);
				if (ms->info.state == MEDIA_STUN_NAT)
					report(ms, REP_CHANGED);
			}
			return;
		}
		if (!lg->ok && !lg->rtcp && !ms->ka_failed) {
			ms->ka_failed = true;
			why(ms, err, r);
			report(ms, REP_KA_FAILED);
		} else if (lg->ok && !lg->rtcp) {
			ms->ka_failed = false;
		}
		if (lg->ok && !lg->rtcp)
			ka_rtp(ms, &lg->mapped);
		else if (lg->ok && ms->info.state == MEDIA_STUN_NAT &&
			 (!ms->info.have_rtcp ||
			  !sa_equal((const struct sockaddr *)&ms->info.rtcp, (const struct sockaddr *)&lg->mapped))) {
			ms->info.rtcp = lg->mapped;
			ms->info.have_rtcp = true;
			report(ms, REP_CHANGED);
		}
		return;
	}
	if (!lg->ok && !lg->rtcp)
		why(ms, err, r);
	for (size_t i = 0; i < ms->n_legs; i++)
		if (!ms->legs[i].done)
			return;
	first_done(ms);
}

static int leg_send_h(const void *p, size_t len, const struct sockaddr *dst, socklen_t dstlen, void *arg)
{
	struct leg *lg = arg;

	return lg->ms->send(lg->rtcp, p, len, dst, dstlen, lg->ms->arg);
}

static int leg_start(struct media_stun *ms, struct leg *lg, const struct stun_timers *t)
{
	int e;

	stun_binding_free(lg->b);
	lg->b = NULL;
	lg->done = lg->ok = false;
	e = stun_binding_alloc(&lg->b, ms->l, (const struct sockaddr *)&ms->server, ms->slen, t, ms->software,
			       leg_send_h, binding_h, lg);
	if (e) {
		lg->b = NULL;
		lg->done = true;
		lg->err = e;
	}
	return e;
}

static void ka_tmr_h(void *arg)
{
	struct media_stun *ms = arg;
	struct stun_timers t = { .rto_ms = KA_RTO_MS, .rc = 3, .rm = KA_RM };

	tmr_start(ms->l, &ms->ka_tmr, ms->keepalive_ms, ka_tmr_h, ms);
	if (ms->first)
		return; /* the first Bindings still run (a keepalive shorter than their bound) */
	for (size_t i = 0; i < ms->n_legs; i++) {
		struct leg *lg = &ms->legs[i];

		if (leg_start(ms, lg, &t) != 0 && !lg->rtcp && !ms->ka_failed) {
			ms->ka_failed = true;
			why(ms, lg->err, NULL);
			report(ms, REP_KA_FAILED);
		}
	}
}

int media_stun_alloc(struct media_stun **msp, struct loop *l, const struct media_stun_prm *prm,
		     media_stun_send_h *send, media_stun_h *h, void *arg)
{
	struct media_stun *ms;
	struct stun_timers t;
	int e;

	if (!msp || !l || !prm || !prm->server || prm->rtp_fd < 0 || !send || !h ||
	    prm->slen > sizeof(struct sockaddr_storage) || prm->slen < sa_len(prm->server))
		return EINVAL;
	if (!(ms = calloc(1, sizeof(*ms))))
		return ENOMEM;
	ms->l = l;
	memcpy(&ms->server, prm->server, prm->slen);
	ms->slen = prm->slen;
	ms->rtp_fd = prm->rtp_fd;
	ms->first_ms = prm->first_ms ? prm->first_ms : FIRST_MS_DEFAULT;
	ms->keepalive_ms = prm->keepalive_ms ? prm->keepalive_ms : KEEPALIVE_MS_DEFAULT;
	ms->send = send;
	ms->h = h;
	ms->arg = arg;
	tmr_init(&ms->ka_tmr);
	tmr_init(&ms->rep_tmr);
	if (prm->software && !(ms->software = strdup(prm->software))) {
		free(ms);
		return ENOMEM;
	}
	ms->n_legs = prm->rtcp_fd >= 0 ? 2 : 1;
	for (size_t i = 0; i < ms->n_legs; i++) {
		ms->legs[i].ms = ms;
		ms->legs[i].rtcp = i == 1;
	}
	ms->first = true;
	ms->info.state = MEDIA_STUN_PENDING;
	if ((e = stun_local_addr(prm->rtp_fd, prm->server, prm->slen, &ms->info.local)) != 0) {
		why(ms, e, NULL);
		for (size_t i = 0; i < ms->n_legs; i++)
			ms->legs[i].done = true;
		first_done(ms);
		goto keepalive;
	}
	/* three requests, at 0, 1/6 and 1/2 of first_ms, given up at first_ms: the call waits for this */
	memset(&t, 0, sizeof(t));
	t.rto_ms = ms->first_ms / 6 ? ms->first_ms / 6 : 1;
	t.rc = 3;
	t.rm = 3;
	for (size_t i = 0; i < ms->n_legs; i++)
		if (leg_start(ms, &ms->legs[i], &t) != 0 && i == 0)
			why(ms, ms->legs[0].err, NULL);
	/* a send that failed at once ended its leg already */
	{
		bool all = true;
		for (size_t i = 0; i < ms->n_legs; i++)
			all = all && ms->legs[i].done;
		if (all)
			first_done(ms);
	}
keepalive:
	tmr_start(l, &ms->ka_tmr, ms->keepalive_ms, ka_tmr_h, ms);
	*msp = ms;
	return 0;
}

void media_stun_free(struct media_stun *ms)
{
	if (!ms)
		return;
	tmr_cancel(&ms->ka_tmr);
	tmr_cancel(&ms->rep_tmr);
	for (size_t i = 0; i < ms->n_legs; i++)
		stun_binding_free(ms->legs[i].b);
	free(ms->software);
	free(ms);
}

int media_stun_recv(struct media_stun *ms, bool rtcp, const void *p, size_t len, const struct sockaddr *src)
{
	struct leg *lg;

	if (!ms || (rtcp && ms->n_legs < 2))
		return ENOENT;
	lg = &ms->legs[rtcp ? 1 : 0];
	if (!lg->b)
		return ENOENT;
	return stun_binding_recv(lg->b, p, len, src) == 0 ? 0 : ENOENT;
}

const struct media_stun_info *media_stun_info(const struct media_stun *ms)
{
	return ms ? &ms->info : NULL;
}
