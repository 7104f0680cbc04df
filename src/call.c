/* SPDX-License-Identifier: GPL-3.0-or-later */
/* call.c: one INVITE session (RFC 3261/3264/4028), UAC and UAS: dialog, offers/answers in INVITE and ACK, re-INVITE, session timer, BYE/CANCEL; media in call_media.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "call.h"
#include "call_media.h"
#include "crypto.h"
#include "event.h"
#include "log.h"
#include "loop.h"
#include "sdp.h"
#include "sip_caps.h"
#include "sip_auth.h"
#include "sip_ctrans.h"
#include "sip_dialog.h"
#include "sip_msg.h"
#include "sip_strans.h"
#include "sip_transp.h"
#include "tls.h"

#define MIN_SE 90
#define SE_DEFAULT 1800
#define CANCEL_GIVE_UP_MS 32000

struct call {
	unsigned id;
	enum call_state state;
	bool outgoing;
	struct loop *l;
	struct sip_ctrans_mgr *ctm;
	struct sip_strans_mgr *stm;
	call_event_h *eh;
	void *arg;
	char *account, *peer, *contact;
	bool keys_insecure_ok;
	bool srtp_required;
	unsigned se_want, min_se;
	enum call_refresher refresher_pref;
	struct sip_flow *flow; /* NULL after it was lost, until another one is had */
	call_flow_h *flowh;
	void *flow_arg;
	/* how the call's signalling was protected (kept when its flow is lost): the floor for another flow */
	bool sig_tls, sig_verified;
	char sig_peer[256]; /* the TLS peer certificate's subject */
	struct sip_dialog *dlg;
	struct call_media *m; /* sockets, offer/answer state, the stream */
	struct sip_auth *auth;
	const struct sip_auth_realms *realms; /* the account's (call_prm.realms) */
	bool allow_plain_auth;
	struct sip_tsend ts;

	/* outgoing INVITE */
	struct sip_ctrans *inv_ct;
	struct sip_msg *inv_sent; /* parsed copy, for CANCEL */
	uint32_t inv_cseq;
	unsigned inv_auth_rounds;
	struct wbuf offer;
	bool got_prov, cancel_pending, cancel_sent, early_media;
	struct sip_ctrans *cancel_ct;
	struct tmr cancel_tmr;
	uint8_t *ack;
	size_t ack_len;

	/* our re-INVITE (hold, resume, session refresh) */
	struct sip_ctrans *re_ct;
	uint32_t re_cseq;
	bool re_hold, re_dir_change;
	struct wbuf re_body;    /* its offer, re-sent with credentials */
	char re_extra[200];
	unsigned re_auth_rounds; /* challenges it answered (sip_auth_challenge caps them) */
	struct tmr glare_tmr;   /* 491: the retry waits (RFC 3261 14.1) */

	/* our BYE, kept after "ended" to answer a challenge */
	struct sip_ctrans *bye_ct;
	unsigned bye_auth_rounds;

	/* server side: the INVITE we answer (initial or re-INVITE), its 2xx retransmitted until ACK */
	struct sip_strans *inv_st;
	struct wbuf answer; /* the initial 2xx's body: our answer, or our offer to an INVITE without SDP */
	struct sdp_result pend_res;
	bool have_pend;
	uint8_t *resp2xx;
	size_t resp2xx_len;
	bool late_offer; /* that 2xx carries our offer (INVITE or re-INVITE without SDP): the answer comes in the ACK */
	bool delayed_offer; /* the initial INVITE had no SDP: "established" waits for the answer in the ACK */
	struct tmr resp_tmr;
	unsigned resp_ivl;
	uint64_t resp_since; /* when the first 2xx went out (loop ms) */

	/* media (c->m) as the far end and we agreed it */
	bool hold, remote_hold;

	/* RFC 4028 */
	struct tmr se_tmr;
	uint64_t se_expiry; /* when the session runs out without a refresh */
	unsigned se;
	bool refresher_us;
	char se_hdr[96];
};

static unsigned next_id = 1;

/* ---------------- events ---------------- */

static void ev_init(struct call *c, struct event *ev, const char *name)
{
	event_init(ev, name);
	event_int(ev, "call", c->id);
	if (c->account)
		event_str(ev, "account", c->account);
	if (c->peer)
		event_str(ev, "peer", c->peer);
}

static void emit(struct call *c, const struct event *ev)
{
	if (c->eh)
		c->eh(c, ev, c->arg);
}

static void warn(struct call *c, const char *msg)
{
	struct event ev;

	ev_init(c, &ev, "warning");
	event_str(&ev, "message", msg);
	emit(c, &ev);
}

/* ---------------- what the media reports ---------------- */

static void media_dtmf_h(char digit, unsigned duration_ms, void *arg)
{
	struct call *c = arg;
	struct event ev;
	char d[2] = { digit, '\0' };

	ev_init(c, &ev, "dtmf");
	event_str(&ev, "digit", d);
	event_int(&ev, "duration_ms", duration_ms);
	event_str(&ev, "via", "rfc4733");
	emit(c, &ev);
}

static void send_bye_end(struct call *c, uint16_t status, const char *reason);

/*
 * Nothing authenticated (RTP or RTCP) came for the media timeout. While we
 * expect to receive, the far end is gone: BYE (best effort) and end. On hold
 * either way (a holding peer may send nothing) it is only a warning.
 */
static void media_timeout_h(unsigned silent_ms, void *arg)
{
	struct call *c = arg;
	const struct sdp_result *res = call_media_result(c->m);
	char msg[120];
	unsigned secs = (silent_ms + 500) / 1000;

	snprintf(msg, sizeof(msg), "no media from the far end for %u s", secs);
	if (c->state != CALL_ESTABLISHED || !res || !(res->dir & SDP_RECVONLY) || c->remote_hold) {
		char w[160];
		snprintf(w, sizeof(w), "no authenticated media from the far end for %u s", secs);
		warn(c, w);
		return;
	}
	send_bye_end(c, 408, msg);
}

/* ---------------- sending ---------------- */

static void sig_note(struct call *c, const struct sip_flow *f)
{
	const struct tls_info *ti = sip_flow_is_tls(f) ? sip_flow_tls_info(f) : NULL;

	c->sig_tls = ti != NULL;
	c->sig_verified = ti && ti->verified;
	snprintf(c->sig_peer, sizeof(c->sig_peer), "%s", ti ? ti->peer_subject : "");
}

/*
 * Whether a request of this dialog that came over f (not the call's flow) may move the call
 * there: only the account's current flow (call_env.flowh: after the call's own was lost, the
 * one the UA re-opened), and only when it is protected at least as the call's was: TLS if that
 * was TLS, verified if that was verified, the same peer certificate subject. Anything else (a
 * plain connection, another account's, a stranger's) would get the call's BYE and credentials.
 */
static bool flow_acceptable(struct call *c, const struct sip_flow *f)
{
	const struct tls_info *ti;
	char contact[300];

	if (f == c->flow)
		return true;
	if (!c->flowh || c->flowh(contact, sizeof(contact), c->flow_arg) != f)
		return false;
	if (!c->sig_tls)
		return true;
	ti = sip_flow_is_tls(f) ? sip_flow_tls_info(f) : NULL;
	return ti && (ti->verified || !c->sig_verified) && strcmp(ti->peer_subject, c->sig_peer) == 0;
}

/* The call goes on over f from now on; contact: our Contact there ("" or NULL: unchanged). */
static void switch_flow(struct call *c, struct sip_flow *f, const char *contact)
{
	if (f == c->flow)
		return;
	sig_note(c, f);
	sip_flow_ref(f);
	if (c->flow)
		sip_flow_unref(c->flow);
	c->flow = f;
	c->ts.reliable = sip_flow_tp(f) != SIP_TP_UDP;
	if (contact && *contact && c->contact && strcmp(contact, c->contact)) {
		char *nc = strdup(contact);
		if (nc && (!c->dlg || !sip_dialog_set_contact(c->dlg, nc))) {
			free(c->contact);
			c->contact = nc;
		} else {
			free(nc);
		}
	}
	log_info("call %u: signalling now over %s to %s", c->id, sip_flow_tp_name(f), sip_flow_raddr(f));
}

/*
 * The flow to send on: the call's own while it lives, else the account's
 * current one (the UA re-connects for its registration). NULL: none now.
 */
static struct sip_flow *cur_flow(struct call *c)
{
	struct sip_flow *f;
	char contact[300];

	if (c->flow && sip_flow_alive(c->flow))
		return c->flow;
	if (!c->flowh)
		return NULL;
	contact[0] = '\0';
	f = c->flowh(contact, sizeof(contact), c->flow_arg);
	if (!f || !sip_flow_alive(f))
		return NULL;
	switch_flow(c, f, contact);
	return f;
}

static int tsend_h(const void *data, size_t len, void *arg)
{
	struct call *c = arg;
	struct sip_flow *f = cur_flow(c);

	if (!f)
		return ENOTCONN;
	return sip_flow_send(f, data, len);
}

static int via_line(struct call *c, char *via, size_t sz)
{
	char branch[SIP_BRANCH_SIZE];
	struct wbuf w;
	int e;

	if (!cur_flow(c))
		return ENOTCONN;
	wbuf_init_static(&w, via, sz);
	if ((e = sip_ctrans_branch_new(branch, sizeof(branch))) != 0 ||
	    (e = sip_ctrans_via_print(&w, sip_flow_tp_name(c->flow), sip_flow_lhost(c->flow),
				      sip_flow_lport(c->flow), branch)) != 0)
		return e;
	return 0;
}

/* SDP with keys goes only over TLS unless the account allows otherwise. */
static bool keys_ok(const struct call *c, const void *body, size_t len)
{
	if (!len || c->keys_insecure_ok || (c->flow && sip_flow_is_tls(c->flow)))
		return true;
	return !sdp_has_keys(body, len);
}

static int send_request(struct call *c, const char *method, uint32_t cseq, const char *extra, const void *body,
			size_t blen, struct sip_ctrans **ctp, sip_ctrans_h *h, uint32_t *cseqp)
{
	char via[300];
	struct wbuf w, x;
	int e;

	/* first the flow (it may change), then whether keys may go on it */
	if (!cur_flow(c))
		return ENOTCONN;
	if (!keys_ok(c, body, blen))
		return EPERM;
	if ((e = via_line(c, via, sizeof(via))) != 0)
		return e;
	wbuf_init(&w, 0);
	wbuf_init(&x, 0);
	if (extra)
		wbuf_str(&x, extra);
	if (c->auth && sip_auth_count(c->auth) && strcmp(method, "ACK") && strcmp(method, "CANCEL")) {
		const char *uri = sip_dialog_remote_target(c->dlg);
		if ((e = sip_auth_print(c->auth, &x, method, uri, body, blen)) != 0)
			goto out;
	}
	if (x.err) {
		e = x.err;
		goto out;
	}
	e = sip_dialog_request(c->dlg, &w, method, via, cseq, x.len ? (const char *)x.p : NULL,
			       blen ? "application/sdp" : NULL, body, blen, cseqp);
	if (e)
		goto out;
	if (!ctp) {
		/* ACK of a 2xx: no transaction; kept to answer retransmitted 2xx */
		uint8_t *copy = malloc(w.len);
		if (!copy) {
			e = ENOMEM;
			goto out;
		}
		memcpy(copy, w.p, w.len);
		crypto_wipe(c->ack, c->ack_len);
		free(c->ack);
		c->ack = copy;
		c->ack_len = w.len;
		e = tsend_h(w.p, w.len, c);
		goto out;
	}
	if (!strcmp(method, "INVITE") && sip_dialog_state(c->dlg) == SIP_DIALOG_NONE) {
		sip_msg_free(c->inv_sent);
		c->inv_sent = NULL;
		sip_msg_decode(&c->inv_sent, w.p, w.len);
	}
	e = sip_ctrans_send(ctp, c->ctm, &c->ts, w.p, w.len, h, c);
out:
	wbuf_free(&x);
	wbuf_free(&w);
	return e;
}

/* ---------------- ending ---------------- */

/*
 * The far end's own words on why (RFC 3326 Reason, RFC 3261 Warning), all header lines of one kind
 * joined, as untrusted text: they are the only explanation a user gets, and hostile input.
 */
static void far_end_why(struct event *ev, const struct sip_msg *m)
{
	static const struct {
		const char *key, *name;
		enum sip_hdr_id id;
	} hs[] = { { "remote_reason", "Reason", SIP_HDR_OTHER }, { "remote_warning", NULL, SIP_HDR_WARNING } };
	/* each value capped one past what is shown (so the cut is marked); two always fit */
	char buf[2 * (EVENT_UNTRUSTED_MAX + 8)];
	const int cap = EVENT_UNTRUSTED_MAX + 1;

	for (size_t i = 0; m && i < sizeof(hs) / sizeof(hs[0]); i++) {
		const struct sip_hdr *h = hs[i].name ? sip_msg_hdr_by_name(m, hs[i].name) : sip_msg_hdr(m, hs[i].id);
		struct wbuf w;

		if (!h)
			continue;
		wbuf_init_static(&w, buf, sizeof(buf));
		for (; h && w.len <= EVENT_UNTRUSTED_MAX; h = sip_msg_hdr_next(m, h))
			wbuf_printf(&w, "%s%.*s", w.len ? ", " : "", h->val.l > (size_t)cap ? cap : (int)h->val.l,
				    h->val.p);
		event_str_untrusted(ev, hs[i].key, (const char *)w.p, w.len);
	}
}

/* The call is over; m: the far end's message that ended it (a BYE, CANCEL or failure), or NULL. */
static void end_call_msg(struct call *c, uint16_t status, const char *reason, const char *by,
			 const struct sip_msg *m)
{
	struct event ev;

	if (c->state == CALL_ENDED)
		return;
	c->state = CALL_ENDED;
	call_media_stop(c->m);
	tmr_cancel(&c->resp_tmr);
	tmr_cancel(&c->se_tmr);
	tmr_cancel(&c->cancel_tmr);
	tmr_cancel(&c->glare_tmr);
	ev_init(c, &ev, "ended");
	event_str(&ev, "reason", reason);
	event_int(&ev, "status", status);
	event_str(&ev, "by", by);
	far_end_why(&ev, m);
	emit(c, &ev);
}

static void end_call(struct call *c, uint16_t status, const char *reason, const char *by)
{
	end_call_msg(c, status, reason, by, NULL);
}

/*
 * A 401/407 to one of our requests (INVITE, re-INVITE, BYE): 0 when it is answered with the
 * account's credentials (only in the account's realms; *rounds counts this request's rounds),
 * else an errno and why not in why (sip_auth_challenge).
 */
static int answer_challenge(struct call *c, const struct sip_msg *resp, unsigned *rounds, char *why,
			    size_t whysz)
{
	struct sip_auth_policy pol = {
		.secure = c->flow && sip_flow_is_tls(c->flow),
		.allow_plaintext = c->allow_plain_auth,
		.realms = c->realms,
	};

	return sip_auth_challenge(c->auth, resp, rounds, &pol, why, whysz);
}

static int send_bye(struct call *c);
static void fail_reason(char *buf, size_t sz, const struct sip_msg *resp);

/* Our BYE's outcome; it may come after "ended" (the owner waits while call_closing). */
static void bye_ct_h(int err, const struct sip_msg *resp, void *arg)
{
	struct call *c = arg;
	uint16_t code = !err && resp ? sip_msg_status(resp) : 0;
	int e;

	if (!err && code < 200)
		return;
	sip_ctrans_free(c->bye_ct);
	c->bye_ct = NULL;
	if (code == 401 || code == 407) {
		char cwhy[300];

		e = answer_challenge(c, resp, &c->bye_auth_rounds, cwhy, sizeof(cwhy));
		if (!e && (e = send_bye(c)) == 0)
			return;
		{
			char msg[420];
			snprintf(msg, sizeof(msg), "the BYE was refused (%u, %s): the far end may not know the call is over",
				 code, e == ENOTCONN ? "no signalling connection" : cwhy);
			log_info("call %u: %s", c->id, msg);
			warn(c, msg);
		}
		return;
	}
	if (code / 100 == 2 && c->auth && c->bye_auth_rounds)
		sip_auth_accepted(c->auth);
	if (err || (code >= 300 && code != 481)) {
		/* "ended" is out already; this says the far end may still think the call is up */
		char why[300], msg[400];
		if (err)
			snprintf(why, sizeof(why), "got no answer (%s)", strerror(err));
		else {
			char r[280];
			fail_reason(r, sizeof(r), resp);
			snprintf(why, sizeof(why), "was answered %s", r);
		}
		snprintf(msg, sizeof(msg), "the BYE %s: the far end may not know the call is over", why);
		log_info("call %u: %s", c->id, msg);
		warn(c, msg);
	}
}

/* 0 or why the BYE could not go out (ENOTCONN: no signalling connection now). */
static int send_bye(struct call *c)
{
	sip_ctrans_free(c->bye_ct);
	c->bye_ct = NULL;
	return send_request(c, "BYE", 0, NULL, NULL, 0, &c->bye_ct, bye_ct_h, NULL);
}

bool call_closing(const struct call *c)
{
	return c && c->bye_ct;
}

static void send_bye_end(struct call *c, uint16_t status, const char *reason)
{
	send_bye(c);
	end_call(c, status, reason, "timeout");
}

/* ---------------- RFC 4028 ---------------- */

static int refresh_reinvite(struct call *c);

static void se_tmr_h(void *arg)
{
	struct call *c = arg;

	if (c->state != CALL_ESTABLISHED)
		return;
	if (c->refresher_us) {
		int e = refresh_reinvite(c);
		if (!e)
			return;
		/* another offer is out, or no connection right now: try again until the session runs out */
		if (loop_now_ms() + 2000 < c->se_expiry) {
			tmr_start(c->l, &c->se_tmr, 2000, se_tmr_h, c);
			return;
		}
		send_bye(c);
		end_call(c, 408, "session timer expired: the refresh could not be sent", "local");
		return;
	}
	/* the peer was to refresh and did not: the session is over (RFC 4028 10) */
	send_bye(c);
	end_call(c, 408, "session timer expired: no refresh from the peer", "local");
}

static void se_arm(struct call *c)
{
	uint64_t ms;

	tmr_cancel(&c->se_tmr);
	if (!c->se)
		return;
	/* refresher at half the interval; the other side gives up a bit before expiry */
	ms = c->refresher_us ? (uint64_t)c->se * 500 : (uint64_t)c->se * 1000 - (c->se > 96 ? 32000 : c->se * 333);
	c->se_expiry = loop_now_ms() + (uint64_t)c->se * 1000;
	tmr_start(c->l, &c->se_tmr, ms, se_tmr_h, c);
}

/* Session-Expires: "N;refresher=uac|uas". 0, ENOENT, EBADMSG. */
static int se_parse(const struct sip_msg *m, unsigned *secs, int *refresher)
{
	const struct sip_hdr *h = sip_msg_hdr(m, SIP_HDR_SESSION_EXPIRES);
	struct pl v, num, r;
	long semi;
	uint32_t n;

	if (!h)
		return ENOENT;
	v = h->line;
	semi = pl_chr(v, ';');
	num = pl_trim(semi >= 0 ? pl_sub(v, 0, (size_t)semi) : v);
	if (pl_to_u32(num, &n) || n == 0)
		return EBADMSG;
	*secs = n;
	*refresher = 0;
	if (semi >= 0 && !sip_param_get(pl_sub(v, (size_t)semi, v.l), "refresher", &r))
		*refresher = pl_eq_case(r, "uac") ? 1 : pl_eq_case(r, "uas") ? 2 : 0;
	return 0;
}

static bool has_option(const struct sip_msg *m, enum sip_hdr_id id, const char *opt)
{
	const struct sip_hdr *h;

	for (h = sip_msg_hdr(m, id); h; h = sip_msg_hdr_next(m, h))
		if (pl_eq_case(pl_trim(h->val), opt))
			return true;
	return false;
}

/* ---------------- client side: our INVITE ---------------- */

static void established(struct call *c)
{
	const struct sdp_result *res = call_media_result(c->m);
	struct event ev;

	c->state = CALL_ESTABLISHED;
	ev_init(c, &ev, "established");
	if (res) {
		event_bool(&ev, "srtp", res->secure);
		event_str(&ev, "srtp_tx", res->secure ? srtp_suite_name(res->suite) : "none");
		event_str(&ev, "srtp_rx", res->secure ? srtp_suite_name(res->suite) : "none");
		event_str(&ev, "codec", res->codec);
		event_int(&ev, "ptime", res->ptime);
		call_media_sas_fields(c->m, &ev, false);
		if (!res->secure)
			event_str(&ev, "warning",
				  "media is NOT encrypted: plain RTP (srtp_required = no); anyone on the path can listen");
	}
	emit(c, &ev);
	call_verify(c);
}

static void cancel_tmr_h(void *arg)
{
	struct call *c = arg;

	end_call(c, 487, "cancelled (no final response to the CANCEL)", "local");
}

static void cancel_ct_h(int err, const struct sip_msg *resp, void *arg)
{
	struct call *c = arg;

	(void)err;
	(void)resp;
	sip_ctrans_free(c->cancel_ct);
	c->cancel_ct = NULL;
}

static void send_cancel(struct call *c)
{
	struct wbuf w;
	int e;

	if (c->cancel_sent || !c->inv_sent)
		return;
	c->cancel_sent = true;
	wbuf_init(&w, 0);
	e = sip_dialog_cancel_print(&w, c->inv_sent);
	if (!e)
		e = sip_ctrans_send(&c->cancel_ct, c->ctm, &c->ts, w.p, w.len, cancel_ct_h, c);
	wbuf_free(&w);
	if (e) {
		end_call(c, 487, "cancelled (the CANCEL could not be sent)", "local");
		return;
	}
	tmr_start(c->l, &c->cancel_tmr, CANCEL_GIVE_UP_MS, cancel_tmr_h, c);
}

static void inv_ct_h(int err, const struct sip_msg *resp, void *arg);

static int send_invite(struct call *c)
{
	char extra[256];

	snprintf(extra, sizeof(extra), SIP_ALLOW_HDR SIP_SUPPORTED_HDR "Session-Expires: %u%s\r\nMin-SE: %u\r\n",
		 c->se_want,
		 c->refresher_pref == CALL_REFRESHER_LOCAL ? ";refresher=uac" :
		 c->refresher_pref == CALL_REFRESHER_REMOTE ? ";refresher=uas" : "",
		 c->min_se);
	sip_ctrans_free(c->inv_ct);
	c->inv_ct = NULL;
	return send_request(c, "INVITE", 0, extra, c->offer.p, c->offer.len, &c->inv_ct, inv_ct_h, &c->inv_cseq);
}

static void session_timer_from(struct call *c, const struct sip_msg *m, bool we_are_uac)
{
	unsigned secs;
	int r;

	if (se_parse(m, &secs, &r))
		return;
	c->se = secs;
	c->refresher_us = (r == 1 && we_are_uac) || (r == 2 && !we_are_uac);
	se_arm(c);
}

static void fail_reason(char *buf, size_t sz, const struct sip_msg *resp)
{
	uint16_t code = sip_msg_status(resp);
	struct pl rp = sip_msg_reason(resp);
	const struct sip_hdr *w = sip_msg_hdr(resp, SIP_HDR_WARNING);
	char phrase[64], warning[EVENT_UNTRUSTED_MAX + 1];
	const char *why;

	switch (code) {
	case 404: why = "no such user"; break;
	case 408: why = "no answer"; break;
	case 480: why = "the callee is not available"; break;
	case 486: why = "busy"; break;
	case 487: why = "cancelled"; break;
	case 488: why = "the callee accepts none of our media (for example no SRTP it supports)"; break;
	case 603: why = "declined"; break;
	default: why = NULL; break;
	}
	/* the reason phrase and Warning are the far end's words: shown cleaned (event_clean_text) */
	event_clean_text(phrase, sizeof(phrase), rp.p, rp.l);
	if (w)
		event_clean_text(warning, sizeof(warning), w->line.p, w->line.l);
	snprintf(buf, sz, "%u %s%s%s%s%s", code, phrase, why ? ": " : "", why ? why : "",
		 w ? " (Warning: " : "", w ? warning : "");
	if (w && strlen(buf) + 2 < sz)
		strcat(buf, ")");
}

static void inv_ct_h(int err, const struct sip_msg *resp, void *arg)
{
	struct call *c = arg;
	uint16_t code;
	struct pl body;
	char why[400];
	int e;

	if (c->state == CALL_ENDED)
		return;
	if (err) {
		snprintf(why, sizeof(why), "%s", err == ETIMEDOUT ? "no response to the INVITE (timeout)" :
								    "the INVITE could not be sent");
		end_call(c, 408, why, "local");
		return;
	}
	code = sip_msg_status(resp);
	body = sip_msg_body(resp);
	if (code < 200) {
		struct event ev;

		if (code == 100)
			return;
		sip_dialog_uac_update(c->dlg, resp);
		c->got_prov = true;
		if (c->cancel_pending) {
			send_cancel(c);
			return;
		}
		if (body.l && !call_media_result(c->m)) {
			struct sdp_result r;
			memset(&r, 0, sizeof(r));
			if (!call_media_take_answer(c->m, body.p, body.l, &r)) {
				if (!call_media_apply(c->m, &r))
					c->early_media = true;
				sdp_result_wipe(&r);
			}
		}
		c->state = CALL_RINGING;
		ev_init(c, &ev, code == 180 ? "ringing" : "progress");
		event_int(&ev, "status", code);
		event_bool(&ev, "early_media", c->early_media);
		emit(c, &ev);
		return;
	}
	if (code < 300) {
		struct sdp_result r;

		e = sip_dialog_uac_update(c->dlg, resp);
		if (e == EALREADY) {
			log_info("call %u: 2xx from another fork ignored", c->id);
			return;
		}
		if (c->state == CALL_ESTABLISHED || c->ack) {
			/* retransmitted 2xx: the ACK got lost */
			if (c->ack)
				tsend_h(c->ack, c->ack_len, c);
			return;
		}
		if (e) {
			send_request(c, "ACK", c->inv_cseq, NULL, NULL, 0, NULL, NULL, NULL);
			send_bye(c);
			end_call(c, 500, "malformed 2xx (no usable Contact)", "local");
			return;
		}
		if (c->auth)
			sip_auth_accepted(c->auth);
		send_request(c, "ACK", c->inv_cseq, NULL, NULL, 0, NULL, NULL, NULL);
		if (c->cancel_pending) {
			/* CANCEL/200 race: the callee answered anyway (RFC 3261 9.1) */
			send_bye(c);
			end_call(c, 487, "cancelled (the far end had answered; hung up at once)", "local");
			return;
		}
		memset(&r, 0, sizeof(r));
		if (!call_media_result(c->m)) {
			e = body.l ? call_media_take_answer(c->m, body.p, body.l, &r) : EPROTO;
			if (!e)
				e = call_media_apply(c->m, &r);
			sdp_result_wipe(&r);
			if (e) {
				snprintf(why, sizeof(why), "media refused: %s",
					 call_media_reason(c->m)[0] ? call_media_reason(c->m) :
								     "no acceptable SDP answer");
				send_bye(c);
				end_call(c, 488, why, "local");
				return;
			}
		}
		session_timer_from(c, resp, true);
		established(c);
		return;
	}
	if (code == 401 || code == 407) {
		char cwhy[300];

		if (c->cancel_pending) {
			end_call(c, 487, "cancelled", "local");
			return;
		}
		e = answer_challenge(c, resp, &c->inv_auth_rounds, cwhy, sizeof(cwhy));
		if (!e && (e = send_invite(c)) == 0)
			return;
		fail_reason(why, sizeof(why), resp);
		strncat(why, ": ", sizeof(why) - strlen(why) - 1);
		strncat(why, e && cwhy[0] ? cwhy : strerror(e), sizeof(why) - strlen(why) - 1);
		/* a password kept from someone who asked for it, or a loop cut short: say so loudly */
		if (e == EREMOTE || e == ELOOP) {
			char msg[420];
			snprintf(msg, sizeof(msg), "the INVITE was challenged and not answered: %s", cwhy);
			log_warn("call %u: %s", c->id, msg);
			warn(c, msg);
		}
		end_call_msg(c, code, why, "remote", resp);
		return;
	}
	if (code == 422 && !c->cancel_pending) {
		const struct sip_hdr *h = sip_msg_hdr(resp, SIP_HDR_MIN_SE);
		uint32_t v;
		if (h && !pl_to_u32(pl_trim(pl_sub(h->line, 0, pl_chr(h->line, ';') >= 0 ?
								 (size_t)pl_chr(h->line, ';') : h->line.l)), &v) &&
		    v > c->se_want) {
			c->se_want = v;
			if (!send_invite(c))
				return;
		}
	}
	if (code == 487 && c->cancel_pending) {
		end_call(c, 487, "cancelled", "local");
		return;
	}
	fail_reason(why, sizeof(why), resp);
	end_call_msg(c, code, why, "remote", resp);
}

/* ---------------- allocation ---------------- */

static int call_new(struct call **cp, const struct call_env *env, const struct call_prm *prm,
		    struct sip_flow *flow, call_event_h *eh, void *arg)
{
	struct call_media_h mh;
	struct call *c;
	int e;

	if (!cp || !env || !env->l || !env->ctm || !env->stm || !prm || !prm->local_uri || !prm->media.addr ||
	    !flow)
		return EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return ENOMEM;
	c->id = next_id++;
	mh.dtmfh = media_dtmf_h;
	mh.timeouth = media_timeout_h;
	mh.arg = c;
	c->l = env->l;
	c->ctm = env->ctm;
	c->stm = env->stm;
	c->eh = eh;
	c->arg = arg;
	c->keys_insecure_ok = prm->keys_on_insecure;
	c->srtp_required = prm->media.srtp && prm->media.srtp_required;
	c->se_want = prm->session_expires ? prm->session_expires : SE_DEFAULT;
	c->min_se = prm->min_se ? prm->min_se : MIN_SE;
	c->refresher_pref = prm->refresher;
	c->allow_plain_auth = prm->allow_plaintext_auth;
	c->realms = prm->realms;
	c->flow = flow;
	sip_flow_ref(flow);
	sig_note(c, flow);
	c->flowh = env->flowh;
	c->flow_arg = env->flow_arg;
	c->ts.send = tsend_h;
	c->ts.arg = c;
	c->ts.reliable = sip_flow_tp(flow) != SIP_TP_UDP;
	tmr_init(&c->cancel_tmr);
	tmr_init(&c->resp_tmr);
	tmr_init(&c->se_tmr);
	tmr_init(&c->glare_tmr);
	wbuf_init(&c->re_body, 0);
	wbuf_init(&c->offer, 0);
	wbuf_init(&c->answer, 0);
	if (prm->account && !(c->account = strdup(prm->account))) {
		e = ENOMEM;
		goto out;
	}
	if ((e = call_media_alloc(&c->m, env->l, env->audio, &prm->media, &mh)) != 0)
		goto out;
	if (prm->username && prm->password && (e = sip_auth_alloc(&c->auth, prm->username, prm->password)) != 0)
		goto out;
	*cp = c;
	return 0;
out:
	call_free(c);
	return e;
}

static int normalize_uri(char *out, size_t sz, const char *uri, const char *local_uri)
{
	struct sip_uri u;
	const char *at;

	if (!strncasecmp(uri, "sip:", 4) || !strncasecmp(uri, "sips:", 5)) {
		snprintf(out, sz, "%s", uri);
	} else if ((at = strchr(uri, '@')) != NULL) {
		snprintf(out, sz, "%s:%s", strncasecmp(local_uri, "sips:", 5) ? "sip" : "sips", uri);
	} else {
		/* a bare user: the account's domain */
		const char *dom = strchr(local_uri, '@');
		if (!dom)
			return EINVAL;
		snprintf(out, sz, "%s:%s%s", strncasecmp(local_uri, "sips:", 5) ? "sip" : "sips", uri, dom);
	}
	if (sip_uri_decode_str(&u, out) || u.scheme == SIP_URI_TEL)
		return EINVAL;
	return 0;
}

int call_connect(struct call **cp, const struct call_env *env, const struct call_prm *prm,
		 struct sip_flow *flow, const char *contact, const char *uri, call_event_h *eh, void *arg)
{
	struct call *c = NULL;
	char target[512];
	int e;

	if (!uri || !contact || !prm || !prm->local_uri)
		return EINVAL;
	if ((e = normalize_uri(target, sizeof(target), uri, prm->local_uri)) != 0)
		return e;
	if (prm->media.srtp && !prm->keys_on_insecure && !sip_flow_is_tls(flow))
		return EPERM;
	if ((e = call_new(&c, env, prm, flow, eh, arg)) != 0)
		return e;
	c->outgoing = true;
	call_media_set_active(c->m, true);
	if (!(c->peer = strdup(target)) || !(c->contact = strdup(contact))) {
		e = ENOMEM;
		goto out;
	}
	if ((e = sip_dialog_alloc(&c->dlg, prm->local_uri, prm->dname, target, contact)) != 0 ||
	    (e = call_media_offer(c->m, &c->offer)) != 0 || (e = c->offer.err) != 0)
		goto out;
	if ((e = send_invite(c)) != 0)
		goto out;
	c->state = CALL_OUTGOING;
	*cp = c;
	return 0;
out:
	call_free(c);
	return e;
}

/* ---------------- server side ---------------- */

static void st_err_h(int err, void *arg)
{
	struct call *c = arg;

	log_info("call %u: server transaction failed: %s", c->id, strerror(err));
}

/*
 * A response through st, with our To tag. Our Contact goes into every response that establishes or
 * refreshes the dialog's target: 1xx/2xx to INVITE (RFC 3261 12.1.1, 13.3.1) and 2xx to UPDATE (RFC
 * 3311 5.2); it is the dialog's, so a sips dialog gets a sips Contact (pjproject ends a sips dialog
 * whose refresh answer lacks one: "SIPS Required").
 */
static int reply(struct call *c, struct sip_strans *st, uint16_t code, const char *reason, const char *extra,
		 const void *body, size_t blen)
{
	const struct sip_msg *req = sip_strans_request(st);
	enum sip_method m = sip_msg_method_id(req);
	const char *contact = c->dlg ? sip_dialog_contact(c->dlg) : c->contact;
	struct wbuf h, w;
	int e;

	if (!keys_ok(c, body, blen))
		return EPERM;
	wbuf_init(&h, 0);
	wbuf_init(&w, 0);
	if (code >= 200 && code < 300)
		wbuf_str(&h, SIP_ALLOW_HDR SIP_SUPPORTED_HDR);
	if (contact && ((code > 100 && code < 300 && m == SIP_METHOD_INVITE) ||
			(code >= 200 && code < 300 && m == SIP_METHOD_UPDATE)))
		wbuf_printf(&h, "Contact: <%s>\r\n", contact);
	/* RFC 3261 12.1.1: a response that makes a dialog carries the request's Record-Route */
	if (code > 100 && code < 300 && m == SIP_METHOD_INVITE) {
		for (size_t i = 0; i < sip_msg_rroute_count(req); i++) {
			const struct sip_addr *rr = sip_msg_rroute_at(req, i);
			wbuf_printf(&h, "Record-Route: %.*s\r\n", (int)rr->val.l, rr->val.p);
		}
	}
	if (extra)
		wbuf_str(&h, extra);
	if ((e = h.err) != 0)
		goto out;
	/* before the dialog exists (420, 422, 400 to an INVITE) sip_reply_print draws a fresh tag */
	e = sip_reply_print(&w, req, code, reason, c->dlg ? sip_dialog_local_tag(c->dlg) : NULL,
			    h.len ? (const char *)h.p : NULL, blen ? "application/sdp" : NULL, body, blen);
	if (e)
		goto out;
	e = sip_strans_reply(st, code, w.p, w.len);
	if (!e && code >= 200 && code < 300 && m == SIP_METHOD_INVITE) {
		uint8_t *copy = malloc(w.len);
		if (copy) {
			memcpy(copy, w.p, w.len);
			crypto_wipe(c->resp2xx, c->resp2xx_len);
			free(c->resp2xx);
			c->resp2xx = copy;
			c->resp2xx_len = w.len;
		}
	}
out:
	wbuf_free(&h);
	wbuf_free(&w);
	return e;
}

/* A one-off response to a request no call keeps (through its own short-lived transaction). */
static void reply_once(struct call *c, const struct sip_msg *req, uint16_t code, const char *reason,
		       const char *extra)
{
	struct sip_strans *st = NULL;

	if (sip_strans_alloc(&st, c->stm, &c->ts, req, NULL, NULL))
		return;
	reply(c, st, code, reason, extra, NULL, 0);
	sip_strans_free(st);
}

static void resp_tmr_h(void *arg)
{
	struct call *c = arg;

	uint64_t spent;

	if (!c->resp2xx || !c->inv_st)
		return;
	spent = loop_now_ms() - c->resp_since;
	if (spent >= 64 * SIP_T1_DEFAULT) {
		/* RFC 3261 13.3.1.4: no ACK: end the session */
		send_bye(c);
		end_call(c, 408, c->delayed_offer ? "no ACK for our 200 OK (so no answer to our offer: no media)" :
						     "no ACK for our 200 OK",
			 "local");
		return;
	}
	sip_strans_reply(c->inv_st, 200, c->resp2xx, c->resp2xx_len);
	c->resp_ivl = c->resp_ivl * 2 > SIP_T2_DEFAULT ? SIP_T2_DEFAULT : c->resp_ivl * 2;
	/* the last wait ends at 64*T1, not at the next retransmission after it */
	tmr_start(c->l, &c->resp_tmr, c->resp_ivl < 64 * SIP_T1_DEFAULT - spent ? c->resp_ivl : 64 * SIP_T1_DEFAULT - spent,
		  resp_tmr_h, c);
}

static void await_ack(struct call *c)
{
	c->resp_ivl = SIP_T1_DEFAULT;
	c->resp_since = loop_now_ms();
	tmr_start(c->l, &c->resp_tmr, c->resp_ivl, resp_tmr_h, c);
}

static void ack_arrived(struct call *c)
{
	tmr_cancel(&c->resp_tmr);
	crypto_wipe(c->resp2xx, c->resp2xx_len);
	free(c->resp2xx);
	c->resp2xx = NULL;
	sip_strans_free(c->inv_st);
	c->inv_st = NULL;
}

static const char *warning_hdr(char *buf, size_t sz, const char *why)
{
	char clean[200];
	size_t i, o = 0;

	for (i = 0; why[i] && o + 1 < sizeof(clean); i++)
		if (why[i] != '"' && why[i] != '\\' && (unsigned char)why[i] >= 0x20)
			clean[o++] = why[i];
	clean[o] = '\0';
	snprintf(buf, sz, "Warning: 399 sphone \"%s\"\r\n", clean);
	return buf;
}

/* RFC 4028 on a request we answer with 2xx: what goes into the response. */
static void se_answer(struct call *c, const struct sip_msg *req)
{
	unsigned secs;
	int r;

	c->se_hdr[0] = '\0';
	if (se_parse(req, &secs, &r)) {
		c->se = 0;
		tmr_cancel(&c->se_tmr);
		return;
	}
	/*
	 * The UAC picks the refresher; if it left it open we let it refresh when it can (unless the
	 * account wants sphone to), else we do: a UAC without "timer" support cannot (RFC 4028 9).
	 */
	if (r == 0)
		r = has_option(req, SIP_HDR_SUPPORTED, "timer") && c->refresher_pref != CALL_REFRESHER_LOCAL ? 1 : 2;
	c->se = secs;
	c->refresher_us = r == 2;
	snprintf(c->se_hdr, sizeof(c->se_hdr), "Session-Expires: %u;refresher=%s\r\n%s", secs,
		 r == 1 ? "uac" : "uas", r == 1 ? "Require: timer\r\n" : "");
}

/* Checks shared by INVITE and re-INVITE: extensions and session interval. 0 or the response sent. */
static int invite_checks(struct call *c, struct sip_strans *st, const struct sip_msg *req)
{
	const struct sip_hdr *h;
	unsigned secs;
	int r;

	for (h = sip_msg_hdr(req, SIP_HDR_REQUIRE); h; h = sip_msg_hdr_next(req, h)) {
		if (!pl_eq_case(pl_trim(h->val), "timer")) {
			char extra[160];
			snprintf(extra, sizeof(extra), "Unsupported: %.*s\r\n", (int)h->val.l, h->val.p);
			reply(c, st, 420, NULL, extra, NULL, 0);
			return 420;
		}
	}
	if (!se_parse(req, &secs, &r) && secs < c->min_se) {
		char extra[40];
		snprintf(extra, sizeof(extra), "Min-SE: %u\r\n", c->min_se);
		reply(c, st, 422, NULL, extra, NULL, 0);
		return 422;
	}
	return 0;
}

/* The INVITE is acceptable: 180 and the "incoming" event. */
static void ring(struct call *c, const struct sip_msg *req, const struct sip_addr *from)
{
	struct event ev;

	se_answer(c, req);
	reply(c, c->inv_st, 180, NULL, NULL, NULL, 0);
	ev_init(c, &ev, "incoming");
	if (from && pl_isset(from->dname) && from->dname.l) {
		char dn[128];
		if (!pl_strdup(dn, sizeof(dn), from->dname))
			event_str(&ev, "display_name", dn);
	}
	if (c->delayed_offer) {
		/* only a required-SRTP offer (RTP/SAVP) is sure to end up encrypted; else the answer decides */
		event_bool(&ev, "srtp", c->srtp_required);
		event_str(&ev, "offer", "ours");
	} else {
		event_bool(&ev, "srtp", c->pend_res.secure);
		if (c->pend_res.plain_warning)
			event_str(&ev, "warning", "the caller offers plain RTP only: this call would NOT be encrypted");
	}
	emit(c, &ev);
}

int call_incoming(struct call **cp, const struct call_env *env, const struct call_prm *prm,
		  struct sip_flow *flow, const char *contact, const struct sip_msg *req, call_event_h *eh,
		  void *arg)
{
	struct call *c = NULL;
	struct sip_strans *st = NULL;
	struct pl body;
	char why[300], whdr[260];
	const struct sip_addr *from;
	const struct sip_uri *ruri;
	int e, code;

	if (!req || !contact || sip_msg_method_id(req) != SIP_METHOD_INVITE)
		return EINVAL;
	if ((e = call_new(&c, env, prm, flow, eh, arg)) != 0)
		return e;
	c->state = CALL_INCOMING;
	from = sip_msg_from(req);
	if (!(c->contact = strdup(contact)) ||
	    (from && from->uri_known && !(c->peer = strndup(from->uri_raw.p, from->uri_raw.l)))) {
		e = ENOMEM;
		goto fail;
	}
	if ((e = sip_strans_alloc(&st, c->stm, &c->ts, req, st_err_h, c)) != 0)
		goto fail;
	c->inv_st = st;
	if ((code = invite_checks(c, st, req)) != 0) {
		end_call(c, (uint16_t)code, code == 420 ? "refused: the caller requires an extension we lack" :
							   "refused: session interval too small (422)",
			 "local");
		goto done;
	}
	ruri = sip_msg_ruri(req);
	e = sip_dialog_accept(&c->dlg, req, contact,
			      sip_flow_is_tls(flow) && ruri && ruri->scheme == SIP_URI_SIPS);
	if (e) {
		reply(c, st, 400, "Bad Request (no From tag or Contact)", NULL, NULL, 0);
		end_call(c, 400, "malformed INVITE", "local");
		goto done;
	}
	body = sip_msg_body(req);
	if (!body.l) {
		/*
		 * A delayed offer (RFC 3261 13.2.1, RFC 3264 4): our offer goes in the 200 and the answer
		 * comes in the ACK. It is built now so that a flow that may not carry keys is refused
		 * before the phone rings, not after it was answered.
		 */
		e = call_media_offer(c->m, &c->answer);
		if (!e && (e = c->answer.err) == 0 && !keys_ok(c, c->answer.p, c->answer.len))
			e = EPERM;
		if (e) {
			if (e == EPERM)
				snprintf(why, sizeof(why),
					 "refused: INVITE without SDP: our offer would carry SRTP keys over %s, "
					 "which is not TLS", sip_flow_tp_name(flow));
			else
				snprintf(why, sizeof(why), "refused: INVITE without SDP: cannot build our offer (%s)",
					 strerror(e));
			reply(c, st, 488, NULL, warning_hdr(whdr, sizeof(whdr), why), NULL, 0);
			end_call(c, 488, why, "local");
			goto done;
		}
		c->delayed_offer = true;
		ring(c, req, from);
		goto done;
	}
	if (!c->keys_insecure_ok && !sip_flow_is_tls(flow) && sdp_has_keys(body.p, body.l)) {
		snprintf(why, sizeof(why), "refused: SRTP keys offered over %s, which is not TLS",
			 sip_flow_tp_name(flow));
		reply(c, st, 488, NULL, warning_hdr(whdr, sizeof(whdr), why), NULL, 0);
		end_call(c, 488, why, "local");
		goto done;
	}
	memset(&c->pend_res, 0, sizeof(c->pend_res));
	e = call_media_answer(c->m, body.p, body.l, &c->answer, &c->pend_res);
	if (!e && !keys_ok(c, c->answer.p, c->answer.len))
		e = EPERM;
	if (e) {
		snprintf(why, sizeof(why), "refused: %s",
			 e == EPERM ? "our SDP would carry SRTP keys over a transport that is not TLS" :
			 call_media_reason(c->m)[0] ? call_media_reason(c->m) : "unusable SDP offer");
		reply(c, st, 488, NULL, warning_hdr(whdr, sizeof(whdr), why), NULL, 0);
		end_call(c, 488, why, "local");
		goto done;
	}
	c->have_pend = true;
	ring(c, req, from);
done:
	*cp = c;
	return 0;
fail:
	call_free(c);
	return e;
}

int call_answer(struct call *c)
{
	char extra[200];
	int e;

	if (!c || c->state != CALL_INCOMING || !c->inv_st || (!c->have_pend && !c->delayed_offer))
		return EPROTO;
	snprintf(extra, sizeof(extra), "%s", c->se_hdr);
	if (c->delayed_offer) {
		/*
		 * Our offer goes in the 200; the media and "established" wait for the answer in the ACK
		 * (late_answer). The call counts as answered now, as an ordinary one does: hanging up
		 * sends a BYE, and no new offer may go out until the ACK (c->inv_st).
		 */
		e = reply(c, c->inv_st, 200, NULL, extra, c->answer.p, c->answer.len);
		if (e) {
			reply(c, c->inv_st, 500, NULL, NULL, NULL, 0);
			end_call(c, 500, "could not send the 200 OK with our offer", "local");
			return e;
		}
		c->late_offer = true;
		c->state = CALL_ESTABLISHED;
		call_media_set_active(c->m, true);
		await_ack(c);
		se_arm(c);
		return 0;
	}
	e = call_media_apply(c->m, &c->pend_res);
	if (!e)
		e = reply(c, c->inv_st, 200, NULL, extra, c->answer.p, c->answer.len);
	sdp_result_wipe(&c->pend_res);
	c->have_pend = false;
	if (e) {
		reply(c, c->inv_st, 500, NULL, NULL, NULL, 0);
		end_call(c, 500, "could not start the media", "local");
		return e;
	}
	call_media_set_active(c->m, true);
	await_ack(c);
	se_arm(c);
	established(c);
	return 0;
}

int call_progress(struct call *c)
{
	int e;

	if (!c || c->state != CALL_INCOMING || !c->inv_st || !c->have_pend || sip_strans_answered(c->inv_st))
		return EPROTO;
	if (call_media_running(c->m))
		return 0;
	/* the media starts now with the answer we will also put in the 200 (RFC 3261 13.2.1: the same one) */
	if ((e = call_media_apply(c->m, &c->pend_res)) != 0)
		return e;
	return reply(c, c->inv_st, 183, NULL, NULL, c->answer.p, c->answer.len);
}

int call_hangup(struct call *c)
{
	if (!c)
		return EINVAL;
	switch (c->state) {
	case CALL_OUTGOING:
	case CALL_RINGING:
		c->cancel_pending = true;
		if (c->got_prov)
			send_cancel(c);
		else
			tmr_start(c->l, &c->cancel_tmr, CANCEL_GIVE_UP_MS, cancel_tmr_h, c);
		return 0;
	case CALL_INCOMING:
		if (c->inv_st)
			reply(c, c->inv_st, 603, NULL, NULL, NULL, 0);
		end_call(c, 603, "declined", "local");
		return 0;
	case CALL_ESTABLISHED:
		if (send_bye(c) == 0)
			end_call(c, 200, "hung up", "local");
		else
			end_call(c, 503,
				 "hung up locally; the BYE could not be sent (no signalling connection): the far end "
				 "may not know the call is over",
				 "local");
		return 0;
	case CALL_ENDED:
		break;
	}
	return EALREADY;
}

/* ---------------- re-INVITE (ours) ---------------- */

static void glare_tmr_h(void *arg);

static void re_ct_h(int err, const struct sip_msg *resp, void *arg)
{
	struct call *c = arg;
	uint16_t code = resp ? sip_msg_status(resp) : 0;
	struct sdp_result r;
	struct pl body;
	struct event ev;
	int e;

	if (c->state == CALL_ENDED)
		return;
	if (!err && code < 200)
		return;
	if (!err && code < 300) {
		if (c->ack && c->re_cseq && sip_msg_cseq(resp)->num == c->re_cseq && !c->re_ct) {
			tsend_h(c->ack, c->ack_len, c);
			return;
		}
		sip_dialog_target_refresh(c->dlg, resp);
		if (c->auth && c->re_auth_rounds)
			sip_auth_accepted(c->auth);
		send_request(c, "ACK", c->re_cseq, NULL, NULL, 0, NULL, NULL, NULL);
		sip_ctrans_free(c->re_ct);
		c->re_ct = NULL;
		body = sip_msg_body(resp);
		memset(&r, 0, sizeof(r));
		e = body.l ? call_media_take_answer(c->m, body.p, body.l, &r) : EPROTO;
		if (!e && call_media_moving(c->m))
			call_media_move_commit(c->m);
		if (!e)
			e = call_media_apply(c->m, &r);
		sdp_result_wipe(&r);
		if (e) {
			char why[300];
			snprintf(why, sizeof(why), "re-INVITE answer unusable: %s", call_media_reason(c->m));
			send_bye(c);
			end_call(c, 488, why, "local");
			return;
		}
		session_timer_from(c, resp, true);
		if (c->re_dir_change) {
			c->hold = c->re_hold;
			ev_init(c, &ev, "hold");
			event_bool(&ev, "on", c->hold);
			event_str(&ev, "by", "local");
			emit(c, &ev);
		}
		return;
	}
	sip_ctrans_free(c->re_ct);
	c->re_ct = NULL;
	if ((code == 401 || code == 407)) {
		char why[300], cwhy[300], msg[640];

		e = answer_challenge(c, resp, &c->re_auth_rounds, cwhy, sizeof(cwhy));
		if (!e && (e = send_request(c, "INVITE", 0, c->re_extra, c->re_body.p, c->re_body.len, &c->re_ct,
					    re_ct_h, &c->re_cseq)) == 0)
			return;
		if (c->re_dir_change)
			call_media_set_hold(c->m, c->hold);
		call_media_move_abort(c->m);
		fail_reason(why, sizeof(why), resp);
		snprintf(msg, sizeof(msg), "re-INVITE refused: %s: %s", why,
			 e == ENOTCONN ? "no signalling connection" : cwhy);
		warn(c, msg);
		return;
	}
	/* a move is offered once: after any failure the call stays on its sockets */
	call_media_move_abort(c->m);
	if (code == 491) {
		/* glare (RFC 3261 14.1): the owner of the Call-ID waits 2.1-4 s, the other 0-2 s */
		uint32_t rnd = 0;
		unsigned ms;

		crypto_rand(&rnd, sizeof(rnd));
		ms = c->outgoing ? 2100 + (rnd % 191) * 10 : (rnd % 201) * 10;
		log_info("call %u: re-INVITE met another (491): retrying in %u ms", c->id, ms);
		/* until then the far end's offer is answered with the direction we have now */
		if (c->re_dir_change)
			call_media_set_hold(c->m, c->hold);
		tmr_start(c->l, &c->glare_tmr, ms, glare_tmr_h, c);
		return;
	}
	if (c->re_dir_change)
		call_media_set_hold(c->m, c->hold);
	if (err && err != ETIMEDOUT) {
		char msg[200];
		/* the connection went away under it: the call goes on, the user may try again */
		snprintf(msg, sizeof(msg), "re-INVITE not delivered: %s", strerror(err));
		warn(c, msg);
		return;
	}
	if (err || code == 408 || code == 481) {
		send_bye(c);
		end_call_msg(c, code ? code : 408, "the far end lost the call (re-INVITE failed)", "remote", resp);
		return;
	}
	{
		char why[300];
		fail_reason(why, sizeof(why), resp);
		char msg[360];
		snprintf(msg, sizeof(msg), "re-INVITE refused: %s", why);
		warn(c, msg);
	}
}

static int send_reinvite(struct call *c, bool dir_change, bool hold)
{
	int e;

	if (c->state != CALL_ESTABLISHED)
		return EPROTO;
	if (c->re_ct || c->inv_st || tmr_running(&c->glare_tmr))
		return EBUSY;
	if (dir_change)
		call_media_set_hold(c->m, hold);
	wbuf_free(&c->re_body);
	wbuf_init(&c->re_body, 0);
	e = call_media_offer(c->m, &c->re_body);
	if (!e)
		e = c->re_body.err;
	snprintf(c->re_extra, sizeof(c->re_extra), SIP_ALLOW_HDR SIP_SUPPORTED_HDR);
	if (!e && c->se)
		snprintf(c->re_extra, sizeof(c->re_extra), SIP_ALLOW_HDR SIP_SUPPORTED_HDR "Session-Expires: %u;refresher=%s\r\n",
			 c->se, c->refresher_us ? "uac" : "uas");
	c->re_auth_rounds = 0;
	if (!e)
		e = send_request(c, "INVITE", 0, c->re_extra, c->re_body.p, c->re_body.len, &c->re_ct, re_ct_h,
				 &c->re_cseq);
	if (e) {
		if (dir_change)
			call_media_set_hold(c->m, c->hold);
		return e;
	}
	c->re_dir_change = dir_change;
	c->re_hold = hold;
	return 0;
}

int call_move_media(struct call *c)
{
	int e;

	if (!c)
		return EINVAL;
	if (c->state != CALL_ESTABLISHED || !call_media_running(c->m))
		return EPROTO;
	if (c->re_ct || c->inv_st || tmr_running(&c->glare_tmr) || call_media_moving(c->m))
		return EBUSY;
	if ((e = call_media_move(c->m)) != 0)
		return e;
	if ((e = send_reinvite(c, false, c->hold)) != 0)
		call_media_move_abort(c->m);
	return e;
}

static void glare_tmr_h(void *arg)
{
	struct call *c = arg;
	int e;

	if (c->state != CALL_ESTABLISHED)
		return;
	/* the same purpose again: direction (hold/resume), keys and refresh all come from the state */
	e = send_reinvite(c, c->re_dir_change, c->re_hold);
	if (e == EBUSY) {
		/* the far end's re-INVITE is still being completed */
		tmr_start(c->l, &c->glare_tmr, 200, glare_tmr_h, c);
		return;
	}
	if (e) {
		char msg[200];
		if (c->re_dir_change)
			call_media_set_hold(c->m, c->hold);
		snprintf(msg, sizeof(msg), "re-INVITE retry after 491 failed: %s",
			 e == ENOTCONN ? "no signalling connection" : strerror(e));
		warn(c, msg);
	}
}

static int refresh_reinvite(struct call *c)
{
	return send_reinvite(c, false, c->hold);
}

int call_rekey(struct call *c)
{
	int e;

	if (!c)
		return EINVAL;
	if (c->state != CALL_ESTABLISHED)
		return EPROTO;
	if (c->re_ct || c->inv_st)
		return EBUSY;
	if ((e = call_media_rekey(c->m)) != 0)
		return e;
	return send_reinvite(c, false, c->hold);
}

int call_hold(struct call *c, bool hold)
{
	if (!c)
		return EINVAL;
	if (c->state != CALL_ESTABLISHED)
		return EPROTO;
	if (c->hold == hold)
		return 0;
	return send_reinvite(c, true, hold);
}

int call_mute(struct call *c, bool mute)
{
	struct event ev;

	if (!c)
		return EINVAL;
	if (c->state == CALL_ENDED)
		return EPROTO;
	call_media_mute(c->m, mute);
	ev_init(c, &ev, "mute");
	event_bool(&ev, "muted", mute);
	emit(c, &ev);
	return 0;
}

int call_dtmf(struct call *c, const char *digits)
{
	size_t i;

	if (!c || !digits || !*digits)
		return EINVAL;
	for (i = 0; digits[i]; i++)
		if (!strchr("0123456789*#ABCDabcd", digits[i]))
			return EINVAL;
	if (c->state != CALL_ESTABLISHED)
		return EPROTO;
	return call_media_dtmf(c->m, digits);
}

void call_set_active(struct call *c, bool active)
{
	if (c)
		call_media_set_active(c->m, active);
}

/* ---------------- requests from the peer ---------------- */

/* After the far end's description was applied: report a change of its hold state. */
static void remote_hold_update(struct call *c, bool was_held)
{
	struct event ev;

	c->remote_hold = call_media_result(c->m) && call_media_result(c->m)->remote_hold;
	if (was_held == c->remote_hold)
		return;
	ev_init(c, &ev, "hold");
	event_bool(&ev, "on", c->remote_hold);
	event_str(&ev, "by", "remote");
	emit(c, &ev);
}

/*
 * The far end offered or answered plain RTP after the call's media was encrypted (sdp.c's
 * EPERM). It is refused and the media goes on as it was; this says so (issue 12: never silent).
 */
static void downgrade_refused(struct call *c, const char *what, const char *how)
{
	char msg[300];

	snprintf(msg, sizeof(msg),
		 "the far end's %s switches the media to plain RTP: %s; the call's media stays encrypted", what,
		 how);
	log_warn("call %u: %s", c->id, msg);
	warn(c, msg);
}

/*
 * The ACK of a 2xx that carried our offer (RFC 3261 13.2.1 and 14.2: an INVITE or re-INVITE
 * without SDP) brings the answer. An ACK without one, or one we cannot use, ends the call with a
 * BYE (RFC 3261 13.2.2.4 leaves no other way out of a failed offer/answer in an ACK). For an
 * initial INVITE the call is only now established: before the answer there were no remote keys.
 */
static void late_answer(struct call *c, const struct sip_msg *ack, const struct sip_flow *flow)
{
	struct pl body = sip_msg_body(ack);
	struct sdp_result r;
	bool was_held = c->remote_hold, initial = c->delayed_offer;
	char why[300];
	int e;

	c->late_offer = false;
	c->delayed_offer = false;
	memset(&r, 0, sizeof(r));
	if (!body.l) {
		snprintf(why, sizeof(why), "the ACK to our %s carried no answer",
			 initial ? "offer (the INVITE had no SDP)" : "re-INVITE offer");
		e = EPROTO;
	} else if (!c->keys_insecure_ok && flow && !sip_flow_is_tls(flow) && sdp_has_keys(body.p, body.l)) {
		snprintf(why, sizeof(why), "the answer in the ACK carried SRTP keys over %s, which is not TLS",
			 sip_flow_tp_name(flow));
		e = EPERM;
	} else if ((e = call_media_take_answer(c->m, body.p, body.l, &r)) == EPERM) {
		/* an ACK cannot be refused: its answer is not used, and the keys in force stay */
		sdp_result_wipe(&r);
		downgrade_refused(c, "answer in the ACK", "not applied");
		return;
	} else if (e || (e = call_media_apply(c->m, &r)) != 0) {
		snprintf(why, sizeof(why), "the answer in the ACK is unusable: %s",
			 call_media_reason(c->m)[0] ? call_media_reason(c->m) : "bad media");
	}
	sdp_result_wipe(&r);
	if (e) {
		send_bye(c);
		end_call(c, 488, why, "local");
		return;
	}
	if (initial) {
		established(c);
		return;
	}
	remote_hold_update(c, was_held);
}

static void on_reinvite(struct call *c, struct sip_strans *st, const struct sip_msg *req)
{
	struct sdp_result r;
	struct wbuf ans;
	struct pl body = sip_msg_body(req);
	char whdr[260], extra[200];
	bool was_held = c->remote_hold;
	const char *why;
	uint16_t code;
	int e;

	if (c->re_ct) {
		reply(c, st, 491, NULL, NULL, NULL, 0);
		sip_strans_free(st);
		return;
	}
	if (c->inv_st) {
		reply(c, st, 500, NULL, "Retry-After: 1\r\n", NULL, 0);
		sip_strans_free(st);
		return;
	}
	if (invite_checks(c, st, req)) {
		sip_strans_free(st);
		return;
	}
	wbuf_init(&ans, 0);
	if (!body.l) {
		/* no offer: ours goes in the 2xx, the answer comes in the ACK (RFC 3261 14.2, RFC 3264 4) */
		e = call_media_offer(c->m, &ans);
		if (!e && (e = ans.err) == 0 && !keys_ok(c, ans.p, ans.len))
			e = EPERM;
		why = e == EPERM ? "our offer would carry SRTP keys over a transport that is not TLS" :
				   "cannot build an offer";
		code = e == EPERM ? 488 : 500;
		c->late_offer = !e;
	} else {
		memset(&r, 0, sizeof(r));
		e = call_media_answer(c->m, body.p, body.l, &ans, &r);
		if (e == EPERM)
			downgrade_refused(c, "re-INVITE", "refused with 488");
		if (!e && !keys_ok(c, ans.p, ans.len))
			e = EPERM;
		if (!e)
			e = call_media_apply(c->m, &r);
		sdp_result_wipe(&r);
		why = call_media_reason(c->m)[0] ? call_media_reason(c->m) : "unusable offer";
		code = 488;
	}
	if (e) {
		reply(c, st, code, NULL, warning_hdr(whdr, sizeof(whdr), why), NULL, 0);
		sip_strans_free(st);
		wbuf_free(&ans);
		return;
	}
	se_answer(c, req);
	snprintf(extra, sizeof(extra), "%s", c->se_hdr);
	c->inv_st = st;
	reply(c, st, 200, NULL, extra, ans.p, ans.len);
	wbuf_free(&ans);
	await_ack(c);
	se_arm(c);
	remote_hold_update(c, was_held);
}

static void on_info(struct call *c, struct sip_strans *st, const struct sip_msg *req)
{
	struct pl ct = sip_msg_ctype(req), body = sip_msg_body(req);
	long i;

	reply(c, st, 200, NULL, NULL, NULL, 0);
	sip_strans_free(st);
	if (!pl_isset(ct) || !pl_eq_case(pl_sub(ct, 0, 24), "application/dtmf-relay"))
		return;
	i = pl_chr(body, '=');
	if (i >= 0 && !strncasecmp(body.p, "Signal", 6)) {
		struct pl v = pl_trim(pl_sub(body, (size_t)i + 1, 4));
		if (v.l && strchr("0123456789*#ABCDabcd", v.p[0])) {
			struct event ev;
			char d[2] = { v.p[0], '\0' };
			ev_init(c, &ev, "dtmf");
			event_str(&ev, "digit", d);
			event_str(&ev, "via", "sip-info");
			emit(c, &ev);
		}
	}
}

/*
 * A request of this call came over a flow that may not carry it (flow_acceptable): 403 there,
 * statelessly (nothing of the call moves to it), and a warning. An ACK (also the one for that
 * 403) is dropped: it has no response, and what it might carry (an answer) is not used.
 */
static void refuse_flow(struct call *c, const struct sip_msg *req, struct sip_flow *flow)
{
	struct pl mname = sip_msg_method(req);
	char msg[400];
	struct wbuf w;

	if (sip_msg_method_id(req) == SIP_METHOD_ACK) {
		log_debug("call %u: ACK over %s from %s dropped: not the call's connection", c->id,
			  sip_flow_tp_name(flow), sip_flow_raddr(flow));
		return;
	}
	snprintf(msg, sizeof(msg),
		 "refused a request of this call (%.*s) that came over %s from %s: not the call's connection%s",
		 (int)(mname.l > 16 ? 16 : mname.l), mname.p, sip_flow_tp_name(flow), sip_flow_raddr(flow),
		 c->sig_tls ? ", nor the account's with the same verified TLS peer" : ", nor the account's");
	log_warn("call %u: %s", c->id, msg);
	warn(c, msg);
	wbuf_init(&w, 0);
	if (!sip_reply_print(&w, req, 403, NULL, "sphone-na",
			     "Warning: 399 sphone \"not the connection this dialog uses\"\r\n", NULL, NULL, 0))
		sip_flow_send(flow, w.p, w.len);
	wbuf_free(&w);
}

int call_recv_request(struct call *c, const struct sip_msg *req, struct sip_flow *flow)
{
	enum sip_method m;
	struct sip_strans *st = NULL;
	int e;

	if (!c || !req || !sip_msg_is_request(req) || !c->dlg)
		return ENOENT;
	m = sip_msg_method_id(req);
	if (m == SIP_METHOD_CANCEL) {
		if (!c->inv_st || c->outgoing || sip_strans_mgr_find_invite(c->stm, req) != c->inv_st)
			return ENOENT;
		if (flow && !flow_acceptable(c, flow)) {
			refuse_flow(c, req, flow);
			return 0;
		}
		reply_once(c, req, 200, NULL, NULL);
		if (c->state == CALL_INCOMING && !sip_strans_answered(c->inv_st)) {
			reply(c, c->inv_st, 487, NULL, NULL, NULL, 0);
			end_call_msg(c, 487, "cancelled by the caller", "remote", req);
		}
		return 0;
	}
	if (!sip_dialog_match_req(c->dlg, req))
		return ENOENT;
	if (flow && !flow_acceptable(c, flow)) {
		refuse_flow(c, req, flow);
		return 0;
	}
	if (flow && flow != c->flow && sip_flow_alive(flow))
		switch_flow(c, flow, NULL); /* the account's new flow: answer there and keep using it */
	if (m == SIP_METHOD_ACK) {
		if (c->resp2xx && c->inv_st) {
			const struct sip_cseq *cs = sip_msg_cseq(req);
			const struct sip_msg *inv = sip_strans_request(c->inv_st);
			if (cs && inv && sip_msg_cseq(inv) && cs->num == sip_msg_cseq(inv)->num) {
				bool late = c->late_offer;
				ack_arrived(c);
				/* after a hang-up the answer has nothing left to start */
				if (late && c->state != CALL_ENDED)
					late_answer(c, req, flow);
			}
		}
		return 0;
	}
	if (c->state == CALL_ENDED) {
		reply_once(c, req, 481, NULL, NULL);
		return 0;
	}
	if ((e = sip_strans_alloc(&st, c->stm, &c->ts, req, st_err_h, c)) != 0)
		return 0;
	if (sip_dialog_recv_req(c->dlg, req) == EPROTO) {
		reply(c, st, 500, "Server Internal Error (CSeq out of order)", NULL, NULL, 0);
		sip_strans_free(st);
		return 0;
	}
	switch (m) {
	case SIP_METHOD_BYE:
		reply(c, st, 200, NULL, NULL, NULL, 0);
		sip_strans_free(st);
		end_call_msg(c, 200, c->state == CALL_ESTABLISHED ? "the other party hung up" : "ended by the caller",
			     "remote", req);
		break;
	case SIP_METHOD_INVITE:
		on_reinvite(c, st, req);
		break;
	case SIP_METHOD_UPDATE:
		if (sip_msg_body(req).l && call_media_result(c->m) && call_media_result(c->m)->secure &&
		    !sdp_has_keys(sip_msg_body(req).p, sip_msg_body(req).l))
			downgrade_refused(c, "UPDATE", "refused with 488");
		if (sip_msg_body(req).l) {
			reply(c, st, 488, NULL, "Warning: 399 sphone \"offers in UPDATE are not supported\"\r\n",
			      NULL, 0);
		} else {
			char extra[200];
			se_answer(c, req);
			snprintf(extra, sizeof(extra), "%s", c->se_hdr);
			se_arm(c);
			reply(c, st, 200, NULL, extra, NULL, 0);
		}
		sip_strans_free(st);
		break;
	case SIP_METHOD_INFO:
		on_info(c, st, req);
		break;
	case SIP_METHOD_OPTIONS:
		reply(c, st, 200, NULL, SIP_ACCEPT_HDR, NULL, 0);
		sip_strans_free(st);
		break;
	default:
		reply(c, st, 501, NULL, NULL, NULL, 0);
		sip_strans_free(st);
		break;
	}
	return 0;
}

int call_recv_stray(struct call *c, const struct sip_msg *resp)
{
	const struct sip_cseq *cs;

	if (!c || !resp || !c->dlg || !sip_dialog_match_resp(c->dlg, resp))
		return ENOENT;
	cs = sip_msg_cseq(resp);
	if (!cs || cs->mid != SIP_METHOD_INVITE || sip_msg_status(resp) / 100 != 2)
		return ENOENT;
	if (c->ack && (cs->num == c->inv_cseq || cs->num == c->re_cseq))
		tsend_h(c->ack, c->ack_len, c);
	return 0;
}

void call_flow_lost(struct call *c, struct sip_flow *flow)
{
	if (!c || !flow || c->flow != flow || c->state == CALL_ENDED)
		return;
	if (c->state != CALL_ESTABLISHED) {
		end_call(c, 503, "the signalling connection was lost", "local");
		return;
	}
	/* media needs no signalling: the call goes on; the next request finds a connection (cur_flow) */
	sip_flow_unref(c->flow);
	c->flow = NULL;
	warn(c, "the signalling connection was lost; the call goes on (media continues) and its next request "
		"will use the account's new connection");
}

/* ---------------- reports ---------------- */

void call_verify(struct call *c)
{
	const struct tls_info *ti;
	struct event ev;

	if (!c)
		return;
	ev_init(c, &ev, "security");
	ti = c->flow ? sip_flow_tls_info(c->flow) : NULL;
	event_str(&ev, "signalling", c->flow ? sip_flow_tp_name(c->flow) : "none (connection lost)");
	if (ti) {
		event_str(&ev, "tls_version", ti->version);
		event_str(&ev, "tls_cipher", ti->cipher);
		event_str(&ev, "peer_subject", ti->peer_subject);
		event_str(&ev, "peer_fingerprint", ti->fingerprint_sha256);
		event_bool(&ev, "tls_verified", ti->verified);
		event_str(&ev, "tls_note", ti->verify_note);
		event_str(&ev, "tls_hop", c->flow ? sip_flow_raddr(c->flow) : "");
	} else {
		event_bool(&ev, "tls_verified", false);
		event_str(&ev, "tls_note", c->flow ? "signalling is NOT protected by TLS" :
						     "no signalling connection now (it was lost; media goes on)");
	}
	call_media_verify_fields(c->m, &ev);
	emit(c, &ev);
}

static const char *state_name(enum call_state s)
{
	static const char *const n[] = { "outgoing", "ringing", "incoming", "established", "ended" };
	return (unsigned)s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

void call_status(struct call *c)
{
	const struct sdp_result *res = c ? call_media_result(c->m) : NULL;
	struct event ev;

	if (!c)
		return;
	ev_init(c, &ev, "call");
	event_str(&ev, "state", state_name(c->state));
	event_str(&ev, "direction", c->outgoing ? "out" : "in");
	event_bool(&ev, "hold", c->hold);
	event_bool(&ev, "remote_hold", c->remote_hold);
	event_bool(&ev, "muted", call_media_muted(c->m));
	event_bool(&ev, "active", call_media_active(c->m));
	if (res) {
		event_bool(&ev, "srtp", res->secure);
		event_str(&ev, "codec", res->codec);
	}
	call_media_status_fields(c->m, &ev);
	emit(c, &ev);
}

enum call_state call_state(const struct call *c)
{
	return c ? c->state : CALL_ENDED;
}

unsigned call_id(const struct call *c)
{
	return c ? c->id : 0;
}

bool call_on_hold(const struct call *c)
{
	return c && c->hold;
}

bool call_muted(const struct call *c)
{
	return c && call_media_muted(c->m);
}

const char *call_peer(const struct call *c)
{
	return c && c->peer ? c->peer : "";
}

const char *call_sas(const struct call *c)
{
	return c ? call_media_sas(c->m) : "";
}

void call_free(struct call *c)
{
	if (!c)
		return;
	call_media_stop(c->m);
	tmr_cancel(&c->resp_tmr);
	tmr_cancel(&c->se_tmr);
	tmr_cancel(&c->cancel_tmr);
	tmr_cancel(&c->glare_tmr);
	sip_ctrans_free(c->inv_ct);
	sip_ctrans_free(c->bye_ct);
	sip_ctrans_free(c->cancel_ct);
	sip_ctrans_free(c->re_ct);
	sip_strans_free(c->inv_st);
	sip_msg_free(c->inv_sent);
	sip_dialog_free(c->dlg);
	call_media_free(c->m);
	sip_auth_free(c->auth);
	if (c->have_pend)
		sdp_result_wipe(&c->pend_res);
	wbuf_free(&c->offer);
	wbuf_free(&c->answer);
	crypto_wipe(c->ack, c->ack_len);
	free(c->ack);
	crypto_wipe(c->resp2xx, c->resp2xx_len);
	free(c->resp2xx);
	crypto_wipe(c->re_body.p, c->re_body.len);
	wbuf_free(&c->re_body);
	if (c->flow)
		sip_flow_unref(c->flow);
	free(c->account);
	free(c->peer);
	free(c->contact);
	free(c);
}
