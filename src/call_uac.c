/* SPDX-License-Identifier: GPL-3.0-or-later */
/* call_uac.c: the requests a call sends: INVITE (and its 401/407, 422, CANCEL, ACK), BYE, re-INVITE (hold, move, re-key, refresh, 491). */
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
#include "sip_auth.h"
#include "sip_ctrans.h"
#include "sip_dialog.h"
#include "sip_msg.h"
#include "sip_transp.h"
#include "sip_uri.h"

#define CANCEL_GIVE_UP_MS 32000

/* ---------------- challenges, BYE ---------------- */

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

int call_uac_bye(struct call *c);
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
		if (!e && (e = call_uac_bye(c)) == 0)
			return;
		{
			char msg[420];
			snprintf(msg, sizeof(msg), "the BYE was refused (%u, %s): the far end may not know the call is over",
				 code, e == ENOTCONN ? "no signalling connection" : cwhy);
			log_info("call %u: %s", c->id, msg);
			call_warn(c, msg);
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
		call_warn(c, msg);
	}
}

/* 0 or why the BYE could not go out (ENOTCONN: no signalling connection now). */
int call_uac_bye(struct call *c)
{
	/* a transfer the user was still asked about: its 603 before the BYE, in a dialog the far end still has */
	call_xfer_closing(c);
	sip_ctrans_free(c->bye_ct);
	c->bye_ct = NULL;
	return call_send_request(c, "BYE", 0, NULL, NULL, 0, &c->bye_ct, bye_ct_h, NULL);
}

bool call_closing(const struct call *c)
{
	return c && (c->bye_ct || call_xfer_busy(c));
}

void call_uac_bye_end(struct call *c, uint16_t status, const char *reason)
{
	call_uac_bye(c);
	call_end(c, status, reason, "timeout");
}

/* ---------------- client side: our INVITE ---------------- */

static void cancel_tmr_h(void *arg)
{
	struct call *c = arg;

	call_end(c, 487, "cancelled (no final response to the CANCEL)", "local");
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
		call_end(c, 487, "cancelled (the CANCEL could not be sent)", "local");
		return;
	}
	tmr_start(c->l, &c->cancel_tmr, CANCEL_GIVE_UP_MS, cancel_tmr_h, c);
}

/* Hang up before an answer: CANCEL once a provisional response came (RFC 3261 9.1); the call ends at the latest after CANCEL_GIVE_UP_MS. */
void call_uac_cancel(struct call *c)
{
	c->cancel_pending = true;
	if (c->wait_media && !c->inv_ct) {
		/* our INVITE waits for the media address (STUN): it never goes out */
		c->wait_media = false;
		call_end(c, 487, "cancelled", "local");
		return;
	}
	if (c->got_prov)
		send_cancel(c);
	else
		tmr_start(c->l, &c->cancel_tmr, CANCEL_GIVE_UP_MS, cancel_tmr_h, c);
}

static void inv_ct_h(int err, const struct sip_msg *resp, void *arg);

static int send_invite(struct call *c)
{
	char extra[256 + CALL_INV_HDRS_MAX];

	snprintf(extra, sizeof(extra), SIP_ALLOW_HDR SIP_SUPPORTED_HDR "Session-Expires: %u%s\r\nMin-SE: %u\r\n%s",
		 c->se_want,
		 c->refresher_pref == CALL_REFRESHER_LOCAL ? ";refresher=uac" :
		 c->refresher_pref == CALL_REFRESHER_REMOTE ? ";refresher=uas" : "",
		 c->min_se, c->inv_hdrs ? c->inv_hdrs : "");
	sip_ctrans_free(c->inv_ct);
	c->inv_ct = NULL;
	return call_send_request(c, "INVITE", 0, extra, c->offer.p, c->offer.len, &c->inv_ct, inv_ct_h, &c->inv_cseq);
}

static void session_timer_from(struct call *c, const struct sip_msg *m, bool we_are_uac)
{
	unsigned secs;
	int r;

	if (call_se_parse(m, &secs, &r))
		return;
	c->se = secs;
	c->refresher_us = (r == 1 && we_are_uac) || (r == 2 && !we_are_uac);
	call_se_arm(c);
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
		call_end(c, 408, why, "local");
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
		call_ev_init(c, &ev, code == 180 ? EVENT_RINGING : EVENT_PROGRESS);
		event_int(&ev, "status", code);
		event_bool(&ev, "early_media", c->early_media);
		call_emit(c, &ev);
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
				call_tsend_h(c->ack, c->ack_len, c);
			return;
		}
		if (e) {
			call_send_request(c, "ACK", c->inv_cseq, NULL, NULL, 0, NULL, NULL, NULL);
			call_uac_bye(c);
			call_end(c, 500, "malformed 2xx (no usable Contact)", "local");
			return;
		}
		if (c->auth)
			sip_auth_accepted(c->auth);
		call_send_request(c, "ACK", c->inv_cseq, NULL, NULL, 0, NULL, NULL, NULL);
		if (c->cancel_pending) {
			/* CANCEL/200 race: the callee answered anyway (RFC 3261 9.1) */
			call_uac_bye(c);
			call_end(c, 487, "cancelled (the far end had answered; hung up at once)", "local");
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
				call_uac_bye(c);
				call_end(c, 488, why, "local");
				return;
			}
		}
		session_timer_from(c, resp, true);
		call_established(c);
		return;
	}
	if (code == 401 || code == 407) {
		char cwhy[300];

		if (c->cancel_pending) {
			call_end(c, 487, "cancelled", "local");
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
			call_warn(c, msg);
		}
		call_end_msg(c, code, why, "remote", resp);
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
		call_end(c, 487, "cancelled", "local");
		return;
	}
	fail_reason(why, sizeof(why), resp);
	call_end_msg(c, code, why, "remote", resp);
}

/* A sip: or sips: URI we can send to (what the dialled string became: ua_resolve, src/dial.c). */
static int target_check(char *out, size_t sz, const char *uri)
{
	struct sip_uri u;
	int n;

	if (strncasecmp(uri, "sip:", 4) && strncasecmp(uri, "sips:", 5))
		return EINVAL;
	n = snprintf(out, sz, "%s", uri);
	if (n < 0 || (size_t)n >= sz)
		return EINVAL;
	if (sip_uri_decode_str(&u, out) || u.scheme == SIP_URI_TEL)
		return EINVAL;
	return 0;
}

int call_connect(struct call **cp, const struct call_env *env, const struct call_prm *prm,
		 struct sip_flow *flow, const char *contact, const char *uri, call_event_h *eh, void *arg)
{
	return call_uac_connect(cp, env, prm, flow, contact, uri, NULL, eh, arg);
}

int call_uac_connect(struct call **cp, const struct call_env *env, const struct call_prm *prm, struct sip_flow *flow,
		     const char *contact, const char *uri, const char *extra, call_event_h *eh, void *arg)
{
	struct call *c = NULL;
	char target[512];
	int e;

	if (!uri || !contact || !prm || !prm->local_uri || (extra && strlen(extra) >= CALL_INV_HDRS_MAX))
		return EINVAL;
	if ((e = target_check(target, sizeof(target), uri)) != 0)
		return e;
	if (prm->media.srtp && !prm->keys_on_insecure && !sip_flow_is_tls(flow))
		return EPERM;
	if ((e = call_alloc(&c, env, prm, flow, eh, arg)) != 0)
		return e;
	c->outgoing = true;
	call_media_set_active(c->m, true);
	if (!(c->peer = strdup(target)) || !(c->contact = strdup(contact)) || (extra && !(c->inv_hdrs = strdup(extra)))) {
		e = ENOMEM;
		goto out;
	}
	call_media_peer(c, target);
	if ((e = sip_dialog_alloc(&c->dlg, prm->local_uri, prm->dname, target, contact)) != 0)
		goto out;
	if (!call_media_ready(c->m)) {
		/* the offer waits for our public media address (STUN, at most 1.5 s): call_uac_media_ready */
		c->wait_media = true;
		c->state = CALL_OUTGOING;
		*cp = c;
		return 0;
	}
	if ((e = call_media_offer(c->m, &c->offer)) != 0 || (e = c->offer.err) != 0)
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

void call_uac_media_ready(struct call *c)
{
	char why[300];
	int e;

	if (c->state != CALL_OUTGOING || c->inv_ct)
		return;
	if (c->cancel_pending) {
		/* hung up before anything went out: nothing to cancel */
		tmr_cancel(&c->cancel_tmr);
		call_end(c, 487, "cancelled", "local");
		return;
	}
	if ((e = call_media_offer(c->m, &c->offer)) == 0 && (e = c->offer.err) == 0 && (e = send_invite(c)) == 0)
		return;
	snprintf(why, sizeof(why), "the INVITE could not be sent: %s",
		 call_media_reason(c->m)[0] ? call_media_reason(c->m) : strerror(e));
	call_end(c, 500, why, "local");
}

/* ---------------- re-INVITE (ours) ---------------- */

static void glare_tmr_h(void *arg);
static void net_moved(struct call *c);
static void net_move_failed(struct call *c, const char *why);

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
			call_tsend_h(c->ack, c->ack_len, c);
			return;
		}
		sip_dialog_target_refresh(c->dlg, resp);
		if (c->auth && c->re_auth_rounds)
			sip_auth_accepted(c->auth);
		call_send_request(c, "ACK", c->re_cseq, NULL, NULL, 0, NULL, NULL, NULL);
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
			call_uac_bye(c);
			call_end(c, 488, why, "local");
			return;
		}
		session_timer_from(c, resp, true);
		if (c->net_move)
			net_moved(c);
		if (c->re_dir_change) {
			c->hold = c->re_hold;
			call_ev_init(c, &ev, EVENT_HOLD);
			event_bool(&ev, "on", c->hold);
			event_str(&ev, "by", "local");
			call_emit(c, &ev);
		}
		return;
	}
	sip_ctrans_free(c->re_ct);
	c->re_ct = NULL;
	if ((code == 401 || code == 407)) {
		char why[300], cwhy[300], msg[640];

		e = answer_challenge(c, resp, &c->re_auth_rounds, cwhy, sizeof(cwhy));
		if (!e && (e = call_send_request(c, "INVITE", 0, c->re_extra, c->re_body.p, c->re_body.len, &c->re_ct,
					    re_ct_h, &c->re_cseq)) == 0)
			return;
		if (c->re_dir_change)
			call_media_set_hold(c->m, c->hold);
		call_media_move_abort(c->m);
		fail_reason(why, sizeof(why), resp);
		snprintf(msg, sizeof(msg), "re-INVITE refused: %s: %s", why,
			 e == ENOTCONN ? "no signalling connection" : cwhy);
		call_warn(c, msg);
		net_move_failed(c, msg);
		return;
	}
	/* a move is offered once: after any failure the call stays on its sockets */
	call_media_move_abort(c->m);
	if (code != 491) {
		char why[300], msg[360];

		if (resp)
			fail_reason(why, sizeof(why), resp);
		snprintf(msg, sizeof(msg), "re-INVITE failed: %s", resp ? why : strerror(err ? err : EIO));
		net_move_failed(c, msg);
	}
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
		call_warn(c, msg);
		return;
	}
	if (err || code == 408 || code == 481) {
		call_uac_bye(c);
		call_end_msg(c, code ? code : 408, "the far end lost the call (re-INVITE failed)", "remote", resp);
		return;
	}
	{
		char why[300];
		fail_reason(why, sizeof(why), resp);
		char msg[360];
		snprintf(msg, sizeof(msg), "re-INVITE refused: %s", why);
		call_warn(c, msg);
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
		e = call_send_request(c, "INVITE", 0, c->re_extra, c->re_body.p, c->re_body.len, &c->re_ct, re_ct_h,
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

/* ---------------- moving to a new local address (network change) ---------------- */

#define NET_POLL_MS 20
#define NET_AUDIO_WAIT_MS 10000

static void net_report(struct call *c, bool audio)
{
	uint64_t rx = 0, gap = 0, gap_end = 0;
	const struct sdp_result *r = call_media_result(c->m);
	struct event ev;
	char msg[200], lm[80];
	const char *a = call_media_addr(c->m);

	event_network(&ev, "call_moved");
	call_ev_fields(c, &ev);
	snprintf(lm, sizeof(lm), strchr(a, ':') ? "[%s]" : "%s", a);
	event_str(&ev, "local_media", lm);
	if (r)
		event_str(&ev, "remote_media", r->raddr);
	(void)call_media_rx_gap(c->m, &rx, &gap, &gap_end);
	/* the pause the far end's audio took around the move: the last one that ended after the trouble began */
	if (!audio) {
		event_int(&ev, "gap_ms", -1);
		snprintf(msg, sizeof(msg), "media offered from %s; no audio from the far end %u s after it accepted", lm,
			 NET_AUDIO_WAIT_MS / 1000);
	} else {
		long long g = gap_end >= c->net_since ? (long long)gap : 0;
		event_int(&ev, "gap_ms", g);
		snprintf(msg, sizeof(msg), "media now from %s; audio from the far end again after a gap of %lld ms", lm, g);
	}
	event_str(&ev, "message", msg);
	log_info("call %u: %s", c->id, msg);
	call_emit(c, &ev);
}

static void net_tmr_h(void *arg)
{
	struct call *c = arg;
	uint64_t rx = 0, gap, gap_end, now = loop_now_ms();

	if (c->state != CALL_ESTABLISHED)
		return;
	/* a few packets, so that a straggler of the old path does not count as the audio back */
	if (call_media_rx_gap(c->m, &rx, &gap, &gap_end) && rx >= c->net_rx0 + 3 && gap_end >= c->net_since) {
		net_report(c, true);
		return;
	}
	if (rx >= c->net_rx0 + 3 && now >= c->net_done_at + 1000) {
		net_report(c, true); /* no pause of STREAM_GAP_MIN_MS: the audio never stopped */
		return;
	}
	if (now >= c->net_done_at + NET_AUDIO_WAIT_MS) {
		net_report(c, false);
		return;
	}
	tmr_start(c->l, &c->net_tmr, NET_POLL_MS, net_tmr_h, c);
}

/* The far end accepted the new address: the move is done once its audio comes again. */
static void net_moved(struct call *c)
{
	uint64_t gap, gap_end;

	c->net_move = false;
	c->net_rx0 = 0;
	(void)call_media_rx_gap(c->m, &c->net_rx0, &gap, &gap_end);
	c->net_done_at = loop_now_ms();
	tmr_start(c->l, &c->net_tmr, NET_POLL_MS, net_tmr_h, c);
}

static void net_move_failed(struct call *c, const char *why)
{
	struct event ev;

	if (!c->net_move)
		return;
	c->net_move = false;
	event_network(&ev, "call_move_failed");
	call_ev_fields(c, &ev);
	event_str(&ev, "reason", why);
	event_str(&ev, "message", why);
	call_emit(c, &ev);
}

int call_move_addr(struct call *c, const char *addr, uint64_t since_ms)
{
	int e;

	if (!c || !addr)
		return EINVAL;
	if (c->state != CALL_ESTABLISHED || !call_media_running(c->m))
		return EPROTO;
	if (c->re_ct || c->inv_st || tmr_running(&c->glare_tmr) || call_media_moving(c->m))
		return EBUSY;
	if ((e = call_media_readdress(c->m, addr)) != 0)
		return e;
	tmr_cancel(&c->net_tmr);
	/*
	 * The re-INVITE goes on the account's current flow (the old one was given up, cur_flow takes the
	 * new one and our Contact on it); the same keys, the stream goes on. Sent even when
	 * the address is the same (a flow recovered through a NAT that lost its table): the far end and
	 * any proxy learn the new flow and Contact, and the far end re-latches on our media.
	 */
	if ((e = send_reinvite(c, false, c->hold)) != 0)
		return e;
	c->net_move = true;
	c->net_since = since_ms;
	return 0;
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
		call_warn(c, msg);
	}
}

int call_uac_refresh(struct call *c)
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

int call_recv_stray(struct call *c, const struct sip_msg *resp)
{
	const struct sip_cseq *cs;

	if (!c || !resp || !c->dlg || !sip_dialog_match_resp(c->dlg, resp))
		return ENOENT;
	cs = sip_msg_cseq(resp);
	if (!cs || cs->mid != SIP_METHOD_INVITE || sip_msg_status(resp) / 100 != 2)
		return ENOENT;
	if (c->ack && (cs->num == c->inv_cseq || cs->num == c->re_cseq))
		call_tsend_h(c->ack, c->ack_len, c);
	return 0;
}

/* ---------------- for call_xfer.c's REFER ---------------- */

int call_uac_challenge(struct call *c, const struct sip_msg *resp, unsigned *rounds, char *why, size_t whysz)
{
	return answer_challenge(c, resp, rounds, why, whysz);
}

void call_uac_fail_reason(char *buf, size_t sz, const struct sip_msg *resp)
{
	fail_reason(buf, sz, resp);
}
