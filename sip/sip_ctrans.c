/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sip_ctrans.c: client transaction state machines (INVITE and non-INVITE), response matching, ACK of non-2xx. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "crypto.h"
#include "loop.h"
#include "sip_ctrans.h"

enum cstate {
	CS_CALLING,    /* INVITE sent, no response yet */
	CS_TRYING,     /* non-INVITE sent, no response yet */
	CS_PROCEEDING, /* provisional response seen */
	CS_COMPLETED,  /* final (non-2xx for INVITE) seen; absorbing retransmissions */
	CS_ACCEPTED,   /* INVITE 2xx seen (RFC 6026): pass further 2xx to the TU */
	CS_TERMINATED,
};

struct sip_ctrans_mgr {
	struct loop *loop;
	struct sip_timers t;
	struct sip_ctrans *head;
};

struct sip_ctrans {
	struct sip_ctrans *next;
	struct sip_ctrans **pprev; /* NULL when not in the manager's list */
	struct sip_ctrans_mgr *mgr;
	struct sip_tsend tp;
	enum sip_method method;
	char *method_name;
	char *branch;
	struct sip_msg *req; /* our copy of the request, for retransmission and the ACK */
	struct wbuf ack;     /* ACK of a non-2xx final response, once built */
	struct tmr tmr_retx; /* A or E */
	struct tmr tmr_end;  /* B, F, then D, K or M */
	uint64_t retx_ms;
	enum cstate state;
	sip_ctrans_h *h;
	void *arg;
	bool tu_gone;
	int in_cb;
};

struct sip_timers sip_timers_fill(const struct sip_timers *t)
{
	struct sip_timers r = {SIP_T1_DEFAULT, SIP_T2_DEFAULT, SIP_T4_DEFAULT};

	if (t) {
		if (t->t1)
			r.t1 = t->t1;
		if (t->t2)
			r.t2 = t->t2;
		if (t->t4)
			r.t4 = t->t4;
	}
	return r;
}

int sip_ctrans_branch_new(char *out, size_t size)
{
	const size_t cookie = sizeof(SIP_BRANCH_COOKIE) - 1;
	const size_t rnd = 24;

	if (!out || size < cookie + rnd + 1)
		return EINVAL;
	memcpy(out, SIP_BRANCH_COOKIE, cookie);
	return crypto_rand_token(out + cookie, rnd);
}

int sip_ctrans_via_print(struct wbuf *w, const char *transport, const char *host, uint16_t port,
			 const char *branch)
{
	bool v6;

	if (!w || !transport || !host || !branch || !*host)
		return EINVAL;
	v6 = strchr(host, ':') != NULL && host[0] != '[';
	wbuf_printf(w, "Via: SIP/2.0/%s %s%s%s", transport, v6 ? "[" : "", host, v6 ? "]" : "");
	if (port)
		wbuf_printf(w, ":%u", (unsigned)port);
	return wbuf_printf(w, ";branch=%s;rport\r\n", branch);
}

int sip_ctrans_mgr_alloc(struct sip_ctrans_mgr **mp, struct loop *l, const struct sip_timers *t)
{
	struct sip_ctrans_mgr *m;

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

struct sip_timers sip_ctrans_mgr_timers(const struct sip_ctrans_mgr *m)
{
	return m ? m->t : sip_timers_fill(NULL);
}

static void ct_unlink(struct sip_ctrans *ct)
{
	if (!ct->pprev)
		return;
	*ct->pprev = ct->next;
	if (ct->next)
		ct->next->pprev = ct->pprev;
	ct->next = NULL;
	ct->pprev = NULL;
}

static void ct_destroy(struct sip_ctrans *ct)
{
	tmr_cancel(&ct->tmr_retx);
	tmr_cancel(&ct->tmr_end);
	ct_unlink(ct);
	sip_msg_free(ct->req);
	wbuf_free(&ct->ack);
	free(ct->method_name);
	free(ct->branch);
	free(ct);
}

/* Stops the state machine; the object stays while the TU holds it. */
static void ct_terminate(struct sip_ctrans *ct)
{
	ct->state = CS_TERMINATED;
	tmr_cancel(&ct->tmr_retx);
	tmr_cancel(&ct->tmr_end);
	ct_unlink(ct);
}

/* Last step of every event: frees the transaction when both it and its TU are done. */
static void ct_settle(struct sip_ctrans *ct)
{
	if (ct->state == CS_TERMINATED && ct->tu_gone && !ct->in_cb)
		ct_destroy(ct);
}

static void ct_report(struct sip_ctrans *ct, int err, const struct sip_msg *resp)
{
	if (!ct->h || ct->tu_gone)
		return;
	ct->in_cb++;
	ct->h(err, resp, ct->arg);
	ct->in_cb--;
	if (err)
		ct->h = NULL; /* nothing follows an error */
}

void sip_ctrans_mgr_free(struct sip_ctrans_mgr *m)
{
	if (!m)
		return;
	while (m->head) {
		struct sip_ctrans *ct = m->head;

		ct_terminate(ct);
		ct->mgr = NULL;
		ct->h = NULL;
		ct_settle(ct);
	}
	free(m);
}

static int ct_send(struct sip_ctrans *ct, const void *p, size_t n)
{
	return ct->tp.send(p, n, ct->tp.arg);
}

/* A send failed (RFC 3261 17.1.4): the transaction ends and the TU hears of it. */
static void ct_fail(struct sip_ctrans *ct, int err)
{
	ct_terminate(ct);
	ct_report(ct, err, NULL);
}

static void retx_h(void *arg);
static void end_h(void *arg);

static void start_end(struct sip_ctrans *ct, uint64_t ms)
{
	if (tmr_start(ct->mgr->loop, &ct->tmr_end, ms, end_h, ct) != 0)
		ct_terminate(ct); /* out of memory: end now rather than never */
}

static void retx_h(void *arg)
{
	struct sip_ctrans *ct = arg;
	struct pl raw = sip_msg_raw(ct->req);
	int err;

	switch (ct->state) {
	case CS_CALLING:
		ct->retx_ms *= 2; /* Timer A doubles without bound */
		break;
	case CS_TRYING:
		ct->retx_ms = ct->retx_ms * 2 < ct->mgr->t.t2 ? ct->retx_ms * 2 : ct->mgr->t.t2;
		break;
	case CS_PROCEEDING:
		ct->retx_ms = ct->mgr->t.t2; /* 17.1.2.2: Timer E at T2 once a provisional came */
		break;
	default:
		return;
	}
	err = ct_send(ct, raw.p, raw.l);
	if (err) {
		ct_fail(ct, err);
	} else if (tmr_start(ct->mgr->loop, &ct->tmr_retx, ct->retx_ms, retx_h, ct) != 0) {
		/* keep going without retransmissions; Timer B/F still ends it */
	}
	ct_settle(ct);
}

static void end_h(void *arg)
{
	struct sip_ctrans *ct = arg;

	switch (ct->state) {
	case CS_CALLING:
	case CS_TRYING:
	case CS_PROCEEDING:
		/* Timer B or F */
		ct_terminate(ct);
		ct_report(ct, ETIMEDOUT, NULL);
		break;
	default:
		/* Timer D, K or M */
		ct_terminate(ct);
		break;
	}
	ct_settle(ct);
}

/* RFC 3261 17.1.1.3 */
static int build_ack(struct sip_ctrans *ct, const struct sip_msg *resp)
{
	const struct sip_uri *ruri = sip_msg_ruri(ct->req);
	const struct sip_via *via = sip_msg_via(ct->req);
	const struct sip_addr *from = sip_msg_from(ct->req);
	const struct sip_addr *to = sip_msg_to(resp);
	const struct sip_cseq *cseq = sip_msg_cseq(ct->req);
	struct pl callid = sip_msg_callid(ct->req);
	struct wbuf *w = &ct->ack;
	size_t i, nroute;

	if (!ruri || !via || !from || !to || !cseq || !callid.p)
		return EBADMSG;
	wbuf_reset(w);
	wbuf_printf(w, "ACK %.*s SIP/2.0\r\n", (int)ruri->raw.l, ruri->raw.p);
	wbuf_printf(w, "Via: %.*s\r\n", (int)via->val.l, via->val.p);
	nroute = sip_msg_route_count(ct->req);
	for (i = 0; i < nroute; i++) {
		const struct sip_addr *r = sip_msg_route_at(ct->req, i);

		if (r)
			wbuf_printf(w, "Route: %.*s\r\n", (int)r->val.l, r->val.p);
	}
	wbuf_printf(w, "From: %.*s\r\n", (int)from->val.l, from->val.p);
	wbuf_printf(w, "To: %.*s\r\n", (int)to->val.l, to->val.p);
	wbuf_printf(w, "Call-ID: %.*s\r\n", (int)callid.l, callid.p);
	wbuf_printf(w, "CSeq: %u ACK\r\n", (unsigned)cseq->num);
	wbuf_str(w, "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
	return w->err;
}

static void recv_invite(struct sip_ctrans *ct, const struct sip_msg *resp, uint16_t code)
{
	struct sip_timers *t = &ct->mgr->t;
	int err;

	switch (ct->state) {
	case CS_CALLING:
	case CS_PROCEEDING:
		tmr_cancel(&ct->tmr_retx);
		if (code < 200) {
			ct->state = CS_PROCEEDING;
			tmr_cancel(&ct->tmr_end); /* Timer B only guards the Calling state */
			ct_report(ct, 0, resp);
		} else if (code < 300) {
			ct->state = CS_ACCEPTED;
			start_end(ct, 64 * (uint64_t)t->t1); /* Timer M */
			ct_report(ct, 0, resp);
		} else {
			ct->state = CS_COMPLETED;
			err = build_ack(ct, resp);
			if (!err)
				err = ct_send(ct, ct->ack.p, ct->ack.len);
			if (err) {
				/* the TU still learns the final response, then the failure */
				ct_terminate(ct);
				ct_report(ct, 0, resp);
				ct_report(ct, err, NULL);
				break;
			}
			/* Timer D: >= 32 s on UDP (64*T1 at the default T1), 0 on reliable */
			start_end(ct, ct->tp.reliable ? 0 : 64 * (uint64_t)t->t1);
			ct_report(ct, 0, resp);
		}
		break;
	case CS_ACCEPTED:
		if (code >= 200 && code < 300)
			ct_report(ct, 0, resp);
		break;
	case CS_COMPLETED:
		if (code >= 300) {
			err = ct_send(ct, ct->ack.p, ct->ack.len);
			if (err)
				ct_fail(ct, err);
		}
		break;
	default:
		break;
	}
}

static void recv_noninvite(struct sip_ctrans *ct, const struct sip_msg *resp, uint16_t code)
{
	switch (ct->state) {
	case CS_TRYING:
	case CS_PROCEEDING:
		if (code < 200) {
			ct->state = CS_PROCEEDING;
			ct_report(ct, 0, resp);
			break;
		}
		ct->state = CS_COMPLETED;
		tmr_cancel(&ct->tmr_retx);
		start_end(ct, ct->tp.reliable ? 0 : ct->mgr->t.t4); /* Timer K */
		ct_report(ct, 0, resp);
		break;
	default:
		break; /* retransmissions absorbed */
	}
}

static bool method_matches(const struct sip_ctrans *ct, const struct sip_cseq *cseq)
{
	if (ct->method != SIP_METHOD_UNKNOWN)
		return cseq->mid == ct->method;
	return cseq->method.l == strlen(ct->method_name) &&
	       memcmp(cseq->method.p, ct->method_name, cseq->method.l) == 0;
}

int sip_ctrans_mgr_recv(struct sip_ctrans_mgr *m, const struct sip_msg *resp)
{
	const struct sip_via *via;
	const struct sip_cseq *cseq;
	struct sip_ctrans *ct;
	uint16_t code;

	if (!m || !resp || sip_msg_is_request(resp))
		return EINVAL;
	via = sip_msg_via(resp);
	cseq = sip_msg_cseq(resp);
	code = sip_msg_status(resp);
	if (!via || !cseq || !via->branch.p || code < 100 || code > 699)
		return ENOENT;

	for (ct = m->head; ct; ct = ct->next) {
		if (via->branch.l == strlen(ct->branch) &&
		    memcmp(via->branch.p, ct->branch, via->branch.l) == 0 && method_matches(ct, cseq))
			break;
	}
	if (!ct)
		return ENOENT;

	ct->in_cb++; /* keep ct alive across the TU's calls */
	if (ct->method == SIP_METHOD_INVITE)
		recv_invite(ct, resp, code);
	else
		recv_noninvite(ct, resp, code);
	ct->in_cb--;
	ct_settle(ct);
	return 0;
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

int sip_ctrans_send(struct sip_ctrans **ctp, struct sip_ctrans_mgr *m, const struct sip_tsend *tp,
		    const void *req, size_t len, sip_ctrans_h *h, void *arg)
{
	struct sip_ctrans *ct;
	const struct sip_via *via;
	struct pl raw;
	int err;

	if (!ctp || !m || !tp || !tp->send || !req || !len)
		return EINVAL;
	ct = calloc(1, sizeof(*ct));
	if (!ct)
		return ENOMEM;
	tmr_init(&ct->tmr_retx);
	tmr_init(&ct->tmr_end);
	wbuf_init(&ct->ack, 0);
	ct->tp = *tp;
	ct->h = h;
	ct->arg = arg;

	err = sip_msg_decode(&ct->req, req, len);
	if (err)
		goto out;
	if (!sip_msg_is_request(ct->req)) {
		err = EINVAL;
		goto out;
	}
	ct->method = sip_msg_method_id(ct->req);
	via = sip_msg_via(ct->req);
	if (ct->method == SIP_METHOD_ACK || !via || !via->branch.p ||
	    via->branch.l <= sizeof(SIP_BRANCH_COOKIE) - 1 ||
	    memcmp(via->branch.p, SIP_BRANCH_COOKIE, sizeof(SIP_BRANCH_COOKIE) - 1) != 0) {
		err = EINVAL;
		goto out;
	}
	ct->branch = dup_pl(via->branch);
	ct->method_name = dup_pl(sip_msg_method(ct->req));
	if (!ct->branch || !ct->method_name) {
		err = ENOMEM;
		goto out;
	}

	raw = sip_msg_raw(ct->req);
	err = ct_send(ct, raw.p, raw.l);
	if (err)
		goto out;

	ct->mgr = m;
	ct->state = ct->method == SIP_METHOD_INVITE ? CS_CALLING : CS_TRYING;
	ct->retx_ms = m->t.t1;
	ct->next = m->head;
	if (m->head)
		m->head->pprev = &ct->next;
	m->head = ct;
	ct->pprev = &m->head;

	/* Timer A/E: UDP only; Timer B/F: always 64*T1 */
	if (!tp->reliable)
		tmr_start(m->loop, &ct->tmr_retx, ct->retx_ms, retx_h, ct);
	if (tmr_start(m->loop, &ct->tmr_end, 64 * (uint64_t)m->t.t1, end_h, ct) != 0) {
		err = ENOMEM;
		goto out;
	}
	*ctp = ct;
	return 0;
out:
	ct_destroy(ct);
	return err;
}

void sip_ctrans_free(struct sip_ctrans *ct)
{
	if (!ct)
		return;
	ct->tu_gone = true;
	ct->h = NULL;
	ct_settle(ct);
}

const char *sip_ctrans_branch(const struct sip_ctrans *ct)
{
	return ct ? ct->branch : NULL;
}

enum sip_method sip_ctrans_method(const struct sip_ctrans *ct)
{
	return ct ? ct->method : SIP_METHOD_UNKNOWN;
}

bool sip_ctrans_active(const struct sip_ctrans *ct)
{
	return ct && ct->state != CS_TERMINATED;
}
