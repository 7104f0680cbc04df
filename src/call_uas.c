/* SPDX-License-Identifier: GPL-3.0-or-later */
/* call_uas.c: the requests a call answers: a new INVITE (ringing, answer, early media), re-INVITE, ACK, CANCEL, BYE, UPDATE, INFO, OPTIONS. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "call.h"
#include "call_media.h"
#include "call_priv.h"
#include "crypto.h"
#include "event.h"
#include "log.h"
#include "loop.h"
#include "sdp.h"
#include "sip_caps.h"
#include "sip_ctrans.h"
#include "sip_dialog.h"
#include "sip_msg.h"
#include "sip_strans.h"
#include "sip_transp.h"
#include "sip_uri.h"
#include "text.h"

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
int call_uas_reply(struct call *c, struct sip_strans *st, uint16_t code, const char *reason, const char *extra,
		 const void *body, size_t blen)
{
	const struct sip_msg *req = sip_strans_request(st);
	enum sip_method m = sip_msg_method_id(req);
	const char *contact = c->dlg ? sip_dialog_contact(c->dlg) : c->contact;
	struct wbuf h, w;
	int e;

	if (!call_keys_ok(c, body, blen))
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
	call_uas_reply(c, st, code, reason, extra, NULL, 0);
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
		call_uac_bye(c);
		call_end(c, 408, c->delayed_offer ? "no ACK for our 200 OK (so no answer to our offer: no media)" :
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
	if (call_se_parse(req, &secs, &r)) {
		c->se = 0;
		tmr_cancel(&c->se_tmr);
		return;
	}
	/*
	 * The UAC picks the refresher; if it left it open we let it refresh when it can (unless the
	 * account wants sphone to), else we do: a UAC without "timer" support cannot (RFC 4028 9).
	 */
	if (r == 0)
		r = call_has_option(req, SIP_HDR_SUPPORTED, "timer") && c->refresher_pref != CALL_REFRESHER_LOCAL ? 1 : 2;
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
		/* replaces: only on an INVITE that has one (the owner matched it: call_replaces_check) */
		if (!pl_eq_case(pl_trim(h->val), "timer") &&
		    !(pl_eq_case(pl_trim(h->val), "replaces") && sip_msg_hdr_by_name(req, "Replaces"))) {
			char extra[160];
			snprintf(extra, sizeof(extra), "Unsupported: %.*s\r\n", (int)h->val.l, h->val.p);
			call_uas_reply(c, st, 420, NULL, extra, NULL, 0);
			return 420;
		}
	}
	if (!call_se_parse(req, &secs, &r) && secs < c->min_se) {
		char extra[40];
		snprintf(extra, sizeof(extra), "Min-SE: %u\r\n", c->min_se);
		call_uas_reply(c, st, 422, NULL, extra, NULL, 0);
		return 422;
	}
	return 0;
}

/* The INVITE is acceptable: 180 and the "incoming" event. */
static void ring(struct call *c, const struct sip_msg *req, const struct sip_addr *from)
{
	struct event ev;

	se_answer(c, req);
	call_uas_reply(c, c->inv_st, 180, NULL, NULL, NULL, 0);
	call_ev_init(c, &ev, EVENT_INCOMING);
	if (from && pl_isset(from->dname) && from->dname.l) {
		/* the caller's words, unescaped once (RFC 3261 25.1), then made safe to show or hand on */
		char raw[256], dn[128];
		size_t n = sip_addr_dname(from, raw, sizeof(raw));

		if (n) {
			text_clean(dn, sizeof(dn), raw, n);
			event_str(&ev, "display_name", dn);
		}
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
	call_emit(c, &ev);
}

/* The INVITE's offer (or its absence): our answer (or offer) is built, then it rings; else refused. */
static void incoming_sdp(struct call *c, const struct sip_msg *req)
{
	const struct sip_addr *from = sip_msg_from(req);
	struct sip_strans *st = c->inv_st;
	struct sip_flow *flow = c->flow;
	char why[300], whdr[260];
	struct pl body;
	int e;

	if (!flow) {
		call_uas_reply(c, st, 503, NULL, NULL, NULL, 0);
		call_end(c, 503, "the signalling connection was lost before the call rang", "local");
		return;
	}
	body = sip_msg_body(req);
	if (!body.l) {
		/*
		 * A delayed offer (RFC 3261 13.2.1, RFC 3264 4): our offer goes in the 200 and the answer
		 * comes in the ACK. It is built now so that a flow that may not carry keys is refused
		 * before the phone rings, not after it was answered.
		 */
		e = call_media_offer(c->m, &c->answer);
		if (!e && (e = c->answer.err) == 0 && !call_keys_ok(c, c->answer.p, c->answer.len))
			e = EPERM;
		if (e) {
			if (e == EPERM)
				snprintf(why, sizeof(why),
					 "refused: INVITE without SDP: our offer would carry SRTP keys over %s, "
					 "which is not TLS", sip_flow_tp_name(flow));
			else
				snprintf(why, sizeof(why), "refused: INVITE without SDP: cannot build our offer (%s)",
					 strerror(e));
			call_uas_reply(c, st, 488, NULL, warning_hdr(whdr, sizeof(whdr), why), NULL, 0);
			call_end(c, 488, why, "local");
			return;
		}
		c->delayed_offer = true;
		ring(c, req, from);
		return;
	}
	if (!c->keys_insecure_ok && !sip_flow_is_tls(flow) && sdp_has_keys(body.p, body.l)) {
		snprintf(why, sizeof(why), "refused: SRTP keys offered over %s, which is not TLS",
			 sip_flow_tp_name(flow));
		call_uas_reply(c, st, 488, NULL, warning_hdr(whdr, sizeof(whdr), why), NULL, 0);
		call_end(c, 488, why, "local");
		return;
	}
	memset(&c->pend_res, 0, sizeof(c->pend_res));
	e = call_media_answer(c->m, body.p, body.l, &c->answer, &c->pend_res);
	if (!e && !call_keys_ok(c, c->answer.p, c->answer.len))
		e = EPERM;
	if (e) {
		snprintf(why, sizeof(why), "refused: %s",
			 e == EPERM ? "our SDP would carry SRTP keys over a transport that is not TLS" :
			 call_media_reason(c->m)[0] ? call_media_reason(c->m) : "unusable SDP offer");
		call_uas_reply(c, st, 488, NULL, warning_hdr(whdr, sizeof(whdr), why), NULL, 0);
		call_end(c, 488, why, "local");
		return;
	}
	c->have_pend = true;
	ring(c, req, from);
}

void call_uas_media_ready(struct call *c)
{
	struct sip_msg *req = c->inv_req;

	c->inv_req = NULL;
	if (c->state == CALL_INCOMING && req) {
		incoming_sdp(c, req);
		if (c->state == CALL_INCOMING && c->answer_wanted)
			call_answer(c);
	}
	sip_msg_free(req);
}

int call_incoming(struct call **cp, const struct call_env *env, const struct call_prm *prm,
		  struct sip_flow *flow, const char *contact, const struct sip_msg *req, call_event_h *eh,
		  void *arg)
{
	struct call *c = NULL;
	struct sip_strans *st = NULL;
	const struct sip_addr *from;
	const struct sip_uri *ruri;
	struct pl raw;
	int e, code;

	if (!req || !contact || sip_msg_method_id(req) != SIP_METHOD_INVITE)
		return EINVAL;
	if ((e = call_alloc(&c, env, prm, flow, eh, arg)) != 0)
		return e;
	c->state = CALL_INCOMING;
	from = sip_msg_from(req);
	if (!(c->contact = strdup(contact)) ||
	    (from && from->uri_known && !(c->peer = strndup(from->uri_raw.p, from->uri_raw.l)))) {
		e = ENOMEM;
		goto fail;
	}
	call_media_peer(c, c->peer);
	if ((e = sip_strans_alloc(&st, c->stm, &c->ts, req, st_err_h, c)) != 0)
		goto fail;
	c->inv_st = st;
	if ((code = invite_checks(c, st, req)) != 0) {
		call_end(c, (uint16_t)code, code == 420 ? "refused: the caller requires an extension we lack" :
							   "refused: session interval too small (422)",
			 "local");
		goto done;
	}
	ruri = sip_msg_ruri(req);
	e = sip_dialog_accept(&c->dlg, req, contact,
			      sip_flow_is_tls(flow) && ruri && ruri->scheme == SIP_URI_SIPS);
	if (e) {
		call_uas_reply(c, st, 400, "Bad Request (no From tag or Contact)", NULL, NULL, 0);
		call_end(c, 400, "malformed INVITE", "local");
		goto done;
	}
	if (!call_media_ready(c->m)) {
		/* our answer waits for the public media address (STUN, at most 1.5 s): call_uas_media_ready */
		raw = sip_msg_raw(req);
		if ((e = sip_msg_decode(&c->inv_req, raw.p, raw.l)) != 0) {
			call_uas_reply(c, st, 500, NULL, NULL, NULL, 0);
			call_end(c, 500, "cannot keep the INVITE while the media address is found", "local");
			goto done;
		}
		c->wait_media = true;
		goto done;
	}
	incoming_sdp(c, req);
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

	if (c && c->state == CALL_INCOMING && c->wait_media) {
		/* answered before our answer could be built (STUN under way): it goes out once it is */
		c->answer_wanted = true;
		return 0;
	}
	if (!c || c->state != CALL_INCOMING || !c->inv_st || (!c->have_pend && !c->delayed_offer))
		return EPROTO;
	snprintf(extra, sizeof(extra), "%s", c->se_hdr);
	if (c->delayed_offer) {
		/*
		 * Our offer goes in the 200; the media and "established" wait for the answer in the ACK
		 * (late_answer). The call counts as answered now, as an ordinary one does: hanging up
		 * sends a BYE, and no new offer may go out until the ACK (c->inv_st).
		 */
		e = call_uas_reply(c, c->inv_st, 200, NULL, extra, c->answer.p, c->answer.len);
		if (e) {
			call_uas_reply(c, c->inv_st, 500, NULL, NULL, NULL, 0);
			call_end(c, 500, "could not send the 200 OK with our offer", "local");
			return e;
		}
		c->late_offer = true;
		c->state = CALL_ESTABLISHED;
		call_media_set_active(c->m, true);
		await_ack(c);
		call_se_arm(c);
		return 0;
	}
	e = call_media_apply(c->m, &c->pend_res);
	if (!e)
		e = call_uas_reply(c, c->inv_st, 200, NULL, extra, c->answer.p, c->answer.len);
	sdp_result_wipe(&c->pend_res);
	c->have_pend = false;
	if (e) {
		call_uas_reply(c, c->inv_st, 500, NULL, NULL, NULL, 0);
		call_end(c, 500, "could not start the media", "local");
		return e;
	}
	call_media_set_active(c->m, true);
	await_ack(c);
	call_se_arm(c);
	call_established(c);
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
	return call_uas_reply(c, c->inv_st, 183, NULL, NULL, c->answer.p, c->answer.len);
}

/* ---------------- requests from the peer ---------------- */

/* After the far end's description was applied: report a change of its hold state. */
static void remote_hold_update(struct call *c, bool was_held)
{
	struct event ev;

	c->remote_hold = call_media_result(c->m) && call_media_result(c->m)->remote_hold;
	if (was_held == c->remote_hold)
		return;
	call_ev_init(c, &ev, EVENT_HOLD);
	event_bool(&ev, "on", c->remote_hold);
	event_str(&ev, "by", "remote");
	call_emit(c, &ev);
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
	call_warn(c, msg);
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
		call_uac_bye(c);
		call_end(c, 488, why, "local");
		return;
	}
	if (initial) {
		call_established(c);
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
		call_uas_reply(c, st, 491, NULL, NULL, NULL, 0);
		sip_strans_free(st);
		return;
	}
	if (c->inv_st) {
		call_uas_reply(c, st, 500, NULL, "Retry-After: 1\r\n", NULL, 0);
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
		if (!e && (e = ans.err) == 0 && !call_keys_ok(c, ans.p, ans.len))
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
		if (!e && !call_keys_ok(c, ans.p, ans.len))
			e = EPERM;
		if (!e)
			e = call_media_apply(c->m, &r);
		sdp_result_wipe(&r);
		why = call_media_reason(c->m)[0] ? call_media_reason(c->m) : "unusable offer";
		code = 488;
	}
	if (e) {
		call_uas_reply(c, st, code, NULL, warning_hdr(whdr, sizeof(whdr), why), NULL, 0);
		sip_strans_free(st);
		wbuf_free(&ans);
		return;
	}
	se_answer(c, req);
	snprintf(extra, sizeof(extra), "%s", c->se_hdr);
	c->inv_st = st;
	call_uas_reply(c, st, 200, NULL, extra, ans.p, ans.len);
	wbuf_free(&ans);
	await_ack(c);
	call_se_arm(c);
	remote_hold_update(c, was_held);
}

static void on_info(struct call *c, struct sip_strans *st, const struct sip_msg *req)
{
	struct pl ct = sip_msg_ctype(req), body = sip_msg_body(req);
	long i;

	call_uas_reply(c, st, 200, NULL, NULL, NULL, 0);
	sip_strans_free(st);
	if (!pl_isset(ct) || !pl_eq_case(pl_sub(ct, 0, 24), "application/dtmf-relay"))
		return;
	i = pl_chr(body, '=');
	if (i >= 0 && !strncasecmp(body.p, "Signal", 6)) {
		struct pl v = pl_trim(pl_sub(body, (size_t)i + 1, 4));
		if (v.l && strchr("0123456789*#ABCDabcd", v.p[0])) {
			struct event ev;
			char d[2] = { v.p[0], '\0' };
			call_ev_init(c, &ev, EVENT_DTMF);
			event_str(&ev, "digit", d);
			event_str(&ev, "via", "sip-info");
			call_emit(c, &ev);
		}
	}
}

/*
 * A request of this call came over a flow that may not carry it (call_flow_acceptable): 403 there,
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
	call_warn(c, msg);
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
		if (flow && !call_flow_acceptable(c, flow)) {
			refuse_flow(c, req, flow);
			return 0;
		}
		reply_once(c, req, 200, NULL, NULL);
		if (c->state == CALL_INCOMING && !sip_strans_answered(c->inv_st)) {
			call_uas_reply(c, c->inv_st, 487, NULL, NULL, NULL, 0);
			call_end_msg(c, 487, "cancelled by the caller", "remote", req);
		}
		return 0;
	}
	if (!sip_dialog_match_req(c->dlg, req))
		return ENOENT;
	if (flow && !call_flow_acceptable(c, flow)) {
		refuse_flow(c, req, flow);
		return 0;
	}
	if (flow && flow != c->flow && sip_flow_alive(flow))
		call_switch_flow(c, flow, NULL); /* the account's new flow: answer there and keep using it */
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
	/* a transfer's subscription may outlive the session (RFC 5057): its NOTIFYs still come in the dialog */
	if (c->state == CALL_ENDED && !(m == SIP_METHOD_NOTIFY && call_xfer_busy(c))) {
		reply_once(c, req, 481, NULL, NULL);
		return 0;
	}
	if ((e = sip_strans_alloc(&st, c->stm, &c->ts, req, st_err_h, c)) != 0)
		return 0;
	if (sip_dialog_recv_req(c->dlg, req) == EPROTO) {
		call_uas_reply(c, st, 500, "Server Internal Error (CSeq out of order)", NULL, NULL, 0);
		sip_strans_free(st);
		return 0;
	}
	switch (m) {
	case SIP_METHOD_BYE: {
		char xr[600];
		const char *why = call_xfer_end_reason(c, xr, sizeof(xr));

		call_uas_reply(c, st, 200, NULL, NULL, NULL, 0);
		sip_strans_free(st);
		call_end_msg(c, 200, why ? why : c->state == CALL_ESTABLISHED ? "the other party hung up" : "ended by the caller",
			     "remote", req);
		break;
	}
	case SIP_METHOD_INVITE:
		on_reinvite(c, st, req);
		break;
	case SIP_METHOD_UPDATE:
		if (sip_msg_body(req).l && call_media_result(c->m) && call_media_result(c->m)->secure &&
		    !sdp_has_keys(sip_msg_body(req).p, sip_msg_body(req).l))
			downgrade_refused(c, "UPDATE", "refused with 488");
		if (sip_msg_body(req).l) {
			call_uas_reply(c, st, 488, NULL, "Warning: 399 sphone \"offers in UPDATE are not supported\"\r\n",
			      NULL, 0);
		} else {
			char extra[200];
			se_answer(c, req);
			snprintf(extra, sizeof(extra), "%s", c->se_hdr);
			call_se_arm(c);
			call_uas_reply(c, st, 200, NULL, extra, NULL, 0);
		}
		sip_strans_free(st);
		break;
	case SIP_METHOD_INFO:
		on_info(c, st, req);
		break;
	case SIP_METHOD_OPTIONS:
		call_uas_reply(c, st, 200, NULL, SIP_ACCEPT_HDR, NULL, 0);
		sip_strans_free(st);
		break;
	case SIP_METHOD_REFER:
		call_xfer_recv_refer(c, st, req);
		break;
	case SIP_METHOD_NOTIFY:
		call_xfer_recv_notify(c, st, req);
		break;
	default:
		call_uas_reply(c, st, 501, NULL, NULL, NULL, 0);
		sip_strans_free(st);
		break;
	}
	return 0;
}

const char *call_uas_warning(char *buf, size_t sz, const char *why)
{
	return warning_hdr(buf, sz, why);
}
