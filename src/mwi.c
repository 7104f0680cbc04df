/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mwi.c: message-summary subscription (RFC 3842, RFC 6665): SUBSCRIBE, refresh, 481/489, NOTIFY, unsolicited NOTIFY. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "crypto.h"
#include "event.h"
#include "log.h"
#include "loop.h"
#include "mwi.h"
#include "pl.h"
#include "sip_auth.h"
#include "sip_caps.h"
#include "sip_dialog.h"
#include "sip_msg.h"
#include "version.h"

#define MSGSUM_CTYPE "application/simple-message-summary"

struct mwi {
	struct loop *l;
	struct reg_sender snd;
	mwi_event_h *eh;
	void *arg;

	char account[64];
	char aor[300];
	char dname[128];
	char contact_user[128];
	bool subscribe;
	bool allow_plaintext;
	const struct sip_auth_realms *realms;
	struct sip_auth *auth;
	unsigned auth_rounds;
	bool sent_creds;
	unsigned req_expires;

	enum mwi_state state;
	struct sip_dialog *dlg; /* the subscription's dialog, from the first SUBSCRIBE built */
	bool confirmed;         /* a 2xx made it a dialog: refreshes go in it */
	bool pending;           /* the sender owes us a response */
	bool unsub;             /* the request out is the un-SUBSCRIBE */
	bool secure;            /* the flow of the last request was TLS */
	uint32_t notify_cseq;
	bool have_notify_cseq;
	struct tmr tmr;         /* refresh or retry */
	unsigned failures;
	unsigned backoff_min_ms, backoff_max_ms;

	bool have_sum;
	struct msgsum sum;
};

static void send_request(struct mwi *m);

const char *mwi_state_name(enum mwi_state s)
{
	switch (s) {
	case MWI_IDLE: return "idle";
	case MWI_SUBSCRIBING: return "subscribing";
	case MWI_ACTIVE: return "active";
	case MWI_WAITING: return "waiting";
	case MWI_REFUSED: return "refused";
	}
	return "?";
}

static uint32_t rand_below(uint32_t n)
{
	uint32_t v = 0;

	if (n <= 1 || crypto_rand(&v, sizeof(v)))
		return 0;
	return v % n;
}

static void forget_dialog(struct mwi *m)
{
	sip_dialog_free(m->dlg);
	m->dlg = NULL;
	m->confirmed = false;
	m->have_notify_cseq = false;
}

/* ---------------- events ---------------- */

static void emit_summary(struct mwi *m, const char *via)
{
	struct event ev;

	event_init(&ev, EVENT_MWI);
	event_str(&ev, "account", m->account);
	event_bool(&ev, "waiting", m->sum.waiting);
	event_int(&ev, "new", m->sum.voice.new_msgs);
	event_int(&ev, "old", m->sum.voice.old_msgs);
	event_int(&ev, "urgent_new", m->sum.voice.new_urgent);
	event_int(&ev, "urgent_old", m->sum.voice.old_urgent);
	if (m->sum.account[0])
		event_str(&ev, "mailbox", m->sum.account);
	event_str(&ev, "via", via);
	if (m->eh)
		m->eh(&ev, m->arg);
}

/* ---------------- timers ---------------- */

static void retry_h(void *arg)
{
	struct mwi *m = arg;

	if (m->state != MWI_WAITING)
		return;
	forget_dialog(m);
	m->auth_rounds = 0;
	m->state = MWI_SUBSCRIBING;
	send_request(m);
}

static void refresh_h(void *arg)
{
	struct mwi *m = arg;

	if (m->state != MWI_ACTIVE || m->pending)
		return;
	m->auth_rounds = 0;
	/* without a dialog (a 2xx that made none) a refresh is a new subscription */
	if (!m->confirmed)
		forget_dialog(m);
	send_request(m);
}

/* Failed for now: retry after min * 2^(n-1) (capped, minus up to 25%), or the server's Retry-After. */
static void fail(struct mwi *m, const char *why, uint32_t retry_after_s)
{
	uint64_t d = m->backoff_min_ms;

	forget_dialog(m);
	m->failures++;
	for (unsigned i = 1; i < m->failures && d < m->backoff_max_ms; i++)
		d *= 2;
	if (d > m->backoff_max_ms)
		d = m->backoff_max_ms;
	d -= rand_below((uint32_t)(d / 4 + 1));
	if (retry_after_s && (uint64_t)retry_after_s * 1000 > d)
		d = (uint64_t)retry_after_s * 1000;
	m->state = MWI_WAITING;
	tmr_start(m->l, &m->tmr, d, retry_h, m);
	log_info("account %s: voicemail subscription failed (%s); again in %llu s", m->account, why,
		 (unsigned long long)(d / 1000));
}

static void refused(struct mwi *m, const char *why)
{
	forget_dialog(m);
	tmr_cancel(&m->tmr);
	m->state = MWI_REFUSED;
	log_info("account %s: the server offers no voicemail subscription (%s); notifications it sends unasked "
		 "are still shown", m->account, why);
}

/* How long before a subscription of `granted` seconds runs out it is refreshed: 60 s, half of a short one. */
static uint64_t refresh_margin_ms(uint32_t granted)
{
	return granted > 120 ? 60000 : (uint64_t)granted * 500;
}

static void schedule_refresh(struct mwi *m, uint32_t granted)
{
	tmr_start(m->l, &m->tmr, (uint64_t)granted * 1000 - refresh_margin_ms(granted), refresh_h, m);
}

/* ---------------- requests ---------------- */

static int build_h(struct wbuf *w, const struct reg_flow_info *fi, void *arg)
{
	struct mwi *m = arg;
	struct wbuf x;
	char contact[300];
	const char *tp;
	int e;

	if (!fi || !fi->transport || !fi->laddr || !fi->via)
		return EINVAL;
	m->secure = fi->secure;
	if (!m->dlg) {
		tp = !strcasecmp(fi->transport, "TLS") ? "tls" : !strcasecmp(fi->transport, "TCP") ? "tcp" : "udp";
		snprintf(contact, sizeof(contact), "%s:%s@%s;transport=%s",
			 fi->secure && !strncasecmp(m->aor, "sips:", 5) ? "sips" : "sip", m->contact_user, fi->laddr, tp);
		if ((e = sip_dialog_alloc(&m->dlg, m->aor, m->dname[0] ? m->dname : NULL, m->aor, contact)) != 0)
			return e;
		m->confirmed = false;
	}
	wbuf_init(&x, 0);
	wbuf_printf(&x, "Event: message-summary\r\nAccept: " MSGSUM_CTYPE "\r\nExpires: %u\r\n",
		    m->unsub ? 0 : m->req_expires);
	wbuf_printf(&x, SIP_ALLOW_HDR "User-Agent: sphone/%s\r\n", sphone_version());
	m->sent_creds = false;
	if (m->auth && sip_auth_count(m->auth)) {
		if ((e = sip_auth_print(m->auth, &x, "SUBSCRIBE", sip_dialog_remote_target(m->dlg), NULL, 0)) != 0)
			goto out;
		m->sent_creds = true;
	}
	wbuf_u8(&x, 0);
	if ((e = x.err) != 0)
		goto out;
	e = sip_dialog_request(m->dlg, w, "SUBSCRIBE", fi->via, 0, (const char *)x.p, NULL, NULL, 0, NULL);
out:
	wbuf_free(&x);
	return e;
}

static void resp_h(int err, const struct sip_msg *r, const char *errmsg, void *arg);

static void send_request(struct mwi *m)
{
	int e;

	m->pending = true;
	e = m->snd.send(m->snd.arg, build_h, m, resp_h, m);
	if (!e)
		return;
	m->pending = false;
	if (m->unsub) {
		m->unsub = false;
		m->state = MWI_IDLE;
		forget_dialog(m);
		return;
	}
	if (e == EPIPE || e == ENOTCONN) {
		/* no connection now: the next registration brings mwi_start */
		forget_dialog(m);
		m->state = MWI_IDLE;
		return;
	}
	fail(m, strerror(e), 0);
}

static void on_2xx(struct mwi *m, const struct sip_msg *r)
{
	uint32_t granted;

	if (m->auth && m->sent_creds)
		sip_auth_accepted(m->auth);
	if (!m->confirmed) {
		if (sip_dialog_uac_update(m->dlg, r) == 0)
			m->confirmed = true;
		else
			log_debug("account %s: the 2xx to SUBSCRIBE made no dialog (no Contact?): refreshes start anew",
				  m->account);
	}
	if (sip_msg_expires(r, &granted))
		granted = m->req_expires;
	if (granted == 0) {
		/* the server will not keep it (a poll, RFC 6665 4.1.2.4): try again later */
		fail(m, "the server granted 0 s", 0);
		return;
	}
	if (m->state != MWI_ACTIVE)
		log_info("account %s: voicemail subscription active for %u s", m->account, granted);
	m->state = MWI_ACTIVE;
	m->failures = 0;
	schedule_refresh(m, granted);
}

static uint32_t retry_after(const struct sip_msg *r)
{
	const struct sip_hdr *ra = sip_msg_hdr(r, SIP_HDR_RETRY_AFTER);
	struct pl num;
	long sp, sc;
	uint32_t v;

	if (!ra)
		return 0;
	num = ra->val;
	sp = pl_chr(num, ' ');
	sc = pl_chr(num, ';');
	if (sc >= 0)
		num.l = (size_t)sc;
	if (sp >= 0 && (size_t)sp < num.l)
		num.l = (size_t)sp;
	if (pl_to_u32(pl_trim(num), &v) || v > 86400)
		return 0;
	return v;
}

static void resp_h(int err, const struct sip_msg *r, const char *errmsg, void *arg)
{
	struct mwi *m = arg;
	char why[300], detail[200];
	unsigned status;
	uint32_t v;

	m->pending = false;
	if (m->unsub) {
		m->unsub = false;
		m->state = MWI_IDLE;
		forget_dialog(m);
		return;
	}
	if (err || !r) {
		snprintf(why, sizeof(why), "%s", errmsg && *errmsg ? errmsg : strerror(err ? err : EIO));
		fail(m, why, 0);
		return;
	}
	status = sip_msg_status(r);
	if (status >= 200 && status < 300) {
		on_2xx(m, r);
		return;
	}
	if (status == 401 || status == 407) {
		struct sip_auth_policy pol = {
			.secure = m->secure,
			.allow_plaintext = m->allow_plaintext,
			.realms = m->realms,
		};
		int e = m->auth ? sip_auth_challenge(m->auth, r, &m->auth_rounds, &pol, detail, sizeof(detail)) : ENOKEY;

		if (!e) {
			send_request(m);
			return;
		}
		snprintf(why, sizeof(why), "%u: %s", status, e == ENOKEY ? "the account has no password" : detail);
		fail(m, why, 0);
		return;
	}
	if (m->auth && m->sent_creds)
		sip_auth_accepted(m->auth);
	if (status == 423 && !sip_msg_min_expires(r, &v) && v > m->req_expires && v <= 86400 &&
	    ++m->auth_rounds <= SIP_AUTH_MAX_ROUNDS) {
		m->req_expires = v;
		send_request(m);
		return;
	}
	if (status == 481) {
		/* the server forgot the subscription: a new one at once (the first time), else with backoff */
		log_info("account %s: the voicemail subscription is gone (481): subscribing again", m->account);
		forget_dialog(m);
		if (m->failures++ == 0) {
			m->state = MWI_SUBSCRIBING;
			send_request(m);
		} else {
			fail(m, "481 again", 0);
		}
		return;
	}
	snprintf(why, sizeof(why), "%u %.*s", status, (int)(sip_msg_reason(r).l > 80 ? 80 : sip_msg_reason(r).l),
		 sip_msg_reason(r).p ? sip_msg_reason(r).p : "");
	if (status == 489 || status == 405 || status == 501 || status == 404 || status == 403 || status == 488 ||
	    status == 415 || status == 603) {
		refused(m, why);
		return;
	}
	fail(m, why, retry_after(r));
}

/* ---------------- NOTIFY ---------------- */

/* Subscription-State: state;expires=N;reason=R;retry-after=S (RFC 6665 8.2.3). */
struct substate {
	struct pl state, reason;
	uint32_t expires, retry;
	bool have_expires;
};

static void substate_parse(const struct sip_msg *req, struct substate *s)
{
	const struct sip_hdr *h = sip_msg_hdr(req, SIP_HDR_SUBSCRIPTION_STATE);
	struct pl v, p;
	long sc;

	memset(s, 0, sizeof(*s));
	if (!h)
		return;
	v = h->val;
	sc = pl_chr(v, ';');
	s->state = pl_trim(sc >= 0 ? pl_sub(v, 0, (size_t)sc) : v);
	if (sc < 0)
		return;
	v = pl_sub(v, (size_t)sc, v.l);
	if (!sip_param_get(v, "expires", &p) && !pl_to_u32(pl_trim(p), &s->expires))
		s->have_expires = true;
	if (!sip_param_get(v, "retry-after", &p) && pl_to_u32(pl_trim(p), &s->retry))
		s->retry = 0;
	if (!sip_param_get(v, "reason", &p))
		s->reason = pl_trim(p);
}

static void terminated(struct mwi *m, const struct substate *s)
{
	char why[100];

	snprintf(why, sizeof(why), "terminated by the server%s%.*s", s->reason.l ? ": " : "",
		 (int)(s->reason.l > 40 ? 40 : s->reason.l), s->reason.p ? s->reason.p : "");
	tmr_cancel(&m->tmr);
	if (m->pending && m->snd.cancel)
		m->snd.cancel(m->snd.arg);
	m->pending = false;
	forget_dialog(m);
	if (pl_eq_case(s->reason, "rejected") || pl_eq_case(s->reason, "noresource") ||
	    pl_eq_case(s->reason, "invariant")) {
		refused(m, why);
		return;
	}
	if ((pl_eq_case(s->reason, "deactivated") || pl_eq_case(s->reason, "timeout")) && !s->retry) {
		/* RFC 6665 4.1.3: subscribe again at once */
		log_info("account %s: voicemail subscription %s: subscribing again", m->account, why);
		m->state = MWI_WAITING;
		tmr_start(m->l, &m->tmr, 0, retry_h, m);
		return;
	}
	fail(m, why, s->retry);
}

static bool event_is(const struct sip_msg *req, const char *pkg)
{
	const struct sip_hdr *h = sip_msg_hdr(req, SIP_HDR_EVENT);
	struct pl v;
	long sc;

	if (!h)
		return false;
	v = h->val;
	sc = pl_chr(v, ';');
	if (sc >= 0)
		v.l = (size_t)sc;
	return pl_eq_case(pl_trim(v), pkg);
}

/* The body as a summary, remembered and reported. false: not one (400). */
static bool take_body(struct mwi *m, const struct sip_msg *req, const char *via)
{
	struct pl body = sip_msg_body(req), ct = sip_msg_ctype(req);
	struct msgsum s;
	long sc;

	if (pl_isset(ct) && ct.l) {
		sc = pl_chr(ct, ';');
		if (sc >= 0)
			ct.l = (size_t)sc;
		if (!pl_eq_case(pl_trim(ct), MSGSUM_CTYPE))
			return false;
	}
	if (msgsum_parse(body.p ? body.p : "", body.l, &s) != 0)
		return false;
	m->sum = s;
	m->have_sum = true;
	log_info("account %s: voicemail: %s, %u new, %u old (%s)", m->account, s.waiting ? "waiting" : "none waiting",
		 s.voice.new_msgs, s.voice.old_msgs, via);
	emit_summary(m, via);
	return true;
}

bool mwi_recv_notify(struct mwi *m, const struct sip_msg *req, bool on_account_flow, uint16_t *code, char *extra,
		     size_t extrasz)
{
	const struct sip_addr *to = sip_msg_to(req), *from = sip_msg_from(req);
	const struct sip_cseq *cs = sip_msg_cseq(req);
	bool ours, has_totag;
	struct substate s;
	struct pl body;

	if (!m || !req || !code || sip_msg_method_id(req) != SIP_METHOD_NOTIFY || !to || !from || !cs)
		return false;
	if (extra && extrasz)
		extra[0] = '\0';
	has_totag = pl_isset(to->tag) && to->tag.l;
	ours = m->dlg && has_totag && pl_eq_str(sip_msg_callid(req), sip_dialog_callid(m->dlg)) &&
	       pl_eq_str(to->tag, sip_dialog_local_tag(m->dlg));
	if (ours && m->confirmed && *sip_dialog_remote_tag(m->dlg) && !pl_eq_str(from->tag, sip_dialog_remote_tag(m->dlg)))
		ours = false;
	if (!event_is(req, "message-summary")) {
		if (!ours)
			return false;
		*code = 489;
		if (extra && extrasz)
			snprintf(extra, extrasz, "Allow-Events: message-summary\r\n");
		return true;
	}
	if (!on_account_flow) {
		/* from anywhere but the server we registered with, a count is anyone's to forge */
		*code = 403;
		return true;
	}
	if (!ours) {
		if (has_totag) {
			/* a dialog of ours that is gone (a subscription before the connection was lost) */
			*code = 481;
			return true;
		}
		*code = take_body(m, req, "unsolicited") ? 200 : 400;
		return true;
	}
	if (m->have_notify_cseq && cs->num <= m->notify_cseq) {
		/* a retransmission (or one overtaken): already taken */
		*code = 200;
		return true;
	}
	m->have_notify_cseq = true;
	m->notify_cseq = cs->num;
	substate_parse(req, &s);
	body = sip_msg_body(req);
	*code = 200;
	if (body.l && !take_body(m, req, "subscription"))
		*code = 400;
	if (pl_eq_case(s.state, "terminated")) {
		terminated(m, &s);
	} else if (s.have_expires && m->state == MWI_ACTIVE && s.expires &&
		   tmr_left_ms(&m->tmr) + refresh_margin_ms(s.expires) > (uint64_t)s.expires * 1000) {
		/*
		 * the server shortened it: refresh in time. Only then: each NOTIFY says what is left, and
		 * scheduling anew from every one would keep moving a short subscription's refresh later.
		 */
		schedule_refresh(m, s.expires);
	}
	return true;
}

/* ---------------- life ---------------- */

int mwi_alloc(struct mwi **mp, struct loop *l, const struct mwi_conf *c, const struct reg_sender *snd,
	      mwi_event_h *eh, void *arg)
{
	struct mwi *m;
	int e;

	if (!mp || !l || !c || !c->account || !c->aor || !snd || !snd->send)
		return EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return ENOMEM;
	m->l = l;
	m->snd = *snd;
	m->eh = eh;
	m->arg = arg;
	snprintf(m->account, sizeof(m->account), "%s", c->account);
	snprintf(m->aor, sizeof(m->aor), "%s", c->aor);
	snprintf(m->dname, sizeof(m->dname), "%s", c->dname ? c->dname : "");
	snprintf(m->contact_user, sizeof(m->contact_user), "%s", c->contact_user ? c->contact_user : "sphone");
	m->subscribe = c->subscribe;
	m->allow_plaintext = c->allow_plaintext_auth;
	m->realms = c->realms;
	m->req_expires = c->expires ? c->expires : MWI_EXPIRES;
	m->backoff_min_ms = 30000;
	m->backoff_max_ms = 1800000;
	tmr_init(&m->tmr);
	if (c->password && (e = sip_auth_alloc(&m->auth, c->user ? c->user : m->contact_user, c->password)) != 0) {
		free(m);
		return e;
	}
	*mp = m;
	return 0;
}

void mwi_free(struct mwi *m)
{
	if (!m)
		return;
	tmr_cancel(&m->tmr);
	if (m->pending && m->snd.cancel)
		m->snd.cancel(m->snd.arg);
	forget_dialog(m);
	sip_auth_free(m->auth);
	free(m);
}

int mwi_start(struct mwi *m)
{
	if (!m)
		return EINVAL;
	if (!m->subscribe || m->state != MWI_IDLE || m->pending)
		return 0;
	forget_dialog(m);
	m->auth_rounds = 0;
	m->state = MWI_SUBSCRIBING;
	send_request(m);
	return 0;
}

void mwi_conn_lost(struct mwi *m)
{
	if (!m)
		return;
	if (m->pending && m->snd.cancel)
		m->snd.cancel(m->snd.arg);
	m->pending = false;
	m->unsub = false;
	forget_dialog(m);
	if (m->state == MWI_REFUSED)
		return;
	tmr_cancel(&m->tmr);
	m->state = MWI_IDLE;
	m->failures = 0;
}

void mwi_stop(struct mwi *m)
{
	if (!m)
		return;
	tmr_cancel(&m->tmr);
	if (m->pending) {
		if (m->snd.cancel)
			m->snd.cancel(m->snd.arg);
		m->pending = false;
	} else if (m->state == MWI_ACTIVE && m->confirmed) {
		m->unsub = true;
		m->auth_rounds = 0;
		send_request(m);
		if (m->pending)
			return;
	}
	if (m->state != MWI_REFUSED)
		m->state = MWI_IDLE;
	forget_dialog(m);
}

enum mwi_state mwi_state(const struct mwi *m)
{
	return m ? m->state : MWI_IDLE;
}

bool mwi_summary(const struct mwi *m, struct msgsum *s)
{
	if (!m || !m->have_sum)
		return false;
	if (s)
		*s = m->sum;
	return true;
}

void mwi_status(const struct mwi *m, struct event *ev)
{
	/* nothing for an account that neither subscribes nor was ever told anything */
	if (!m || !ev || (!m->subscribe && !m->have_sum))
		return;
	event_str(ev, "mwi", m->subscribe ? mwi_state_name(m->state) : "unsolicited");
	if (m->have_sum) {
		event_int(ev, "voicemail_new", m->sum.voice.new_msgs);
		event_int(ev, "voicemail_old", m->sum.voice.old_msgs);
	}
}

void mwi_set_timing(struct mwi *m, unsigned backoff_min_ms, unsigned backoff_max_ms)
{
	if (!m)
		return;
	m->backoff_min_ms = backoff_min_ms ? backoff_min_ms : 1;
	m->backoff_max_ms = backoff_max_ms < m->backoff_min_ms ? m->backoff_min_ms : backoff_max_ms;
}
