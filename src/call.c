/* SPDX-License-Identifier: GPL-3.0-or-later */
/* call.c: one INVITE session (RFC 3261/3264/4028): making and ending it, events, the flow it uses, the session timer, reports; UAC and UAS steps in call_uac.c / call_uas.c, media in call_media.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "call.h"
#include "call_media.h"
#include "call_priv.h"
#include "crypto.h"
#include "event.h"
#include "log.h"
#include "loop.h"
#include "sdp.h"
#include "sip_auth.h"
#include "sip_ctrans.h"
#include "sip_dialog.h"
#include "sip_msg.h"
#include "sip_strans.h"
#include "sip_transp.h"
#include "sip_uri.h"
#include "tls.h"

#define MIN_SE 90
#define SE_DEFAULT 1800

static unsigned next_id = 1;

/* ---------------- events ---------------- */

void call_ev_init(struct call *c, struct event *ev, enum event_kind kind)
{
	event_init(ev, kind);
	call_ev_fields(c, ev);
}

void call_ev_fields(struct call *c, struct event *ev)
{
	event_int(ev, "call", c->id);
	if (c->account)
		event_str(ev, "account", c->account);
	if (c->peer)
		event_str(ev, "peer", c->peer);
}

void call_emit(struct call *c, const struct event *ev)
{
	if (c->eh)
		c->eh(c, ev, c->arg);
}

void call_warn(struct call *c, const char *msg)
{
	struct event ev;

	call_ev_init(c, &ev, EVENT_WARNING);
	event_str(&ev, "message", msg);
	call_emit(c, &ev);
}

/* ---------------- what the media reports ---------------- */

static void media_dtmf_h(char digit, unsigned duration_ms, void *arg)
{
	struct call *c = arg;
	struct event ev;
	char d[2] = { digit, '\0' };

	call_ev_init(c, &ev, EVENT_DTMF);
	event_str(&ev, "digit", d);
	event_int(&ev, "duration_ms", duration_ms);
	event_str(&ev, "via", "rfc4733");
	call_emit(c, &ev);
}

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
		call_warn(c, w);
		return;
	}
	call_uac_bye_end(c, 408, msg);
}

/*
 * ZRTP finished. Secure: a cache mismatch, another device at a verified address or a PBX as the
 * ZRTP peer is said loudly (a "warning"), and the verify report goes out with the SAS. Failed:
 * a call whose media waits for ZRTP's keys (media_encryption = zrtp with srtp_required) would
 * never send a packet, so it ends with the reason; on SDES keys (sdes-zrtp), or plain RTP
 * allowed, it goes on and says what it is left with.
 */
static void zrtp_fail_end(struct call *c)
{
	char why[480];

	snprintf(why, sizeof(why), "ZRTP failed, so the media has no keys and nothing was sent: %s",
		 call_media_zrtp_reason(c->m));
	call_uac_bye(c);
	call_end(c, 488, why, "local");
}

/*
 * STUN on the media (call_media.h): the "network" event (event_network's kinds public_address,
 * no_nat, public_address_failed, public_address_changed, stun_keepalive_failed), a warning where the
 * SDP may not reach us, and the offer or answer that waited for the address goes out.
 */
static void media_stun_report_h(enum media_stun_what what, void *arg)
{
	struct call *c = arg;
	const struct media_stun_info *in = call_media_stun(c->m);
	const char *change = "public_address";
	struct event ev;

	if (c->state == CALL_ENDED || !in)
		return;
	if (what == MEDIA_STUN_CHANGED)
		change = in->state == MEDIA_STUN_NO_NAT ? "no_nat" : "public_address_changed";
	else if (what == MEDIA_STUN_KA_FAILED)
		change = "stun_keepalive_failed";
	else if (in->state == MEDIA_STUN_NO_NAT)
		change = "no_nat";
	else if (in->state == MEDIA_STUN_FAILED)
		change = "public_address_failed";
	event_network(&ev, change);
	event_int(&ev, "call", c->id);
	if (c->account)
		event_str(&ev, "account", c->account);
	call_media_stun_fields(c->m, what, &ev);
	log_info("call %u: network: %s: %s", c->id, change,
		 event_get_str(&ev, "message") ? event_get_str(&ev, "message") : "");
	call_emit(c, &ev);
	if (what == MEDIA_STUN_READY && (in->state == MEDIA_STUN_FAILED || in->ports_changed) &&
	    event_get_str(&ev, "message"))
		call_warn(c, event_get_str(&ev, "message"));
	if (what != MEDIA_STUN_READY || !c->wait_media)
		return;
	c->wait_media = false;
	if (c->outgoing)
		call_uac_media_ready(c);
	else
		call_uas_media_ready(c);
}

static void media_zrtp_h(int err, void *arg)
{
	struct call *c = arg;
	const struct sdp_result *res = call_media_result(c->m);
	char w[520];

	if (c->state == CALL_ENDED)
		return;
	if (!err) {
		const char *alarm = call_media_zrtp_alarm(c->m);

		if (*alarm)
			call_warn(c, alarm);
		call_verify(c);
		return;
	}
	if (call_media_held(c->m)) {
		/* before the answer (early media) the call ends once established: call_established */
		if (c->state == CALL_ESTABLISHED)
			zrtp_fail_end(c);
		return;
	}
	snprintf(w, sizeof(w), "ZRTP failed: %s; %s", call_media_zrtp_reason(c->m),
		 res && res->secure ? "the media stays on the SDES keys, which every SIP proxy on the path can read, "
				      "and the SAS shown is the SDES one (no commitment)"
				    : "the media is NOT encrypted");
	call_warn(c, w);
	call_verify(c);
}

/* The far end's address of record as ZRTP files it: "sip:user@host" (sips: alike, no port or parameters). */
void call_media_peer(struct call *c, const char *uri)
{
	struct sip_uri u;
	char aor[320];
	size_t at;

	if (!uri || sip_uri_decode_str(&u, uri) != 0 || u.host.l > 255 || u.user.l > 60) {
		call_media_set_peer(c->m, uri ? uri : "unknown");
		return;
	}
	snprintf(aor, sizeof(aor), "sip:%.*s%s", (int)u.user.l, u.user.p, u.user.l ? "@" : "");
	at = strlen(aor);
	for (size_t i = 0; i < u.host.l && at + 1 < sizeof(aor); i++)
		aor[at++] = (char)(u.host.p[i] >= 'A' && u.host.p[i] <= 'Z' ? u.host.p[i] + 32 : u.host.p[i]);
	aor[at] = '\0';
	call_media_set_peer(c->m, aor);
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
bool call_flow_acceptable(struct call *c, const struct sip_flow *f)
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
void call_switch_flow(struct call *c, struct sip_flow *f, const char *contact)
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
	call_switch_flow(c, f, contact);
	return f;
}

int call_tsend_h(const void *data, size_t len, void *arg)
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
bool call_keys_ok(const struct call *c, const void *body, size_t len)
{
	if (!len || c->keys_insecure_ok || (c->flow && sip_flow_is_tls(c->flow)))
		return true;
	return !sdp_has_keys(body, len);
}

int call_send_request(struct call *c, const char *method, uint32_t cseq, const char *extra, const void *body,
			size_t blen, struct sip_ctrans **ctp, sip_ctrans_h *h, uint32_t *cseqp)
{
	return call_send_request_ct(c, method, cseq, extra, blen ? "application/sdp" : NULL, body, blen, ctp, h,
				    cseqp);
}

int call_send_request_ct(struct call *c, const char *method, uint32_t cseq, const char *extra, const char *ctype,
			 const void *body, size_t blen, struct sip_ctrans **ctp, sip_ctrans_h *h, uint32_t *cseqp)
{
	char via[300];
	struct wbuf w, x;
	int e;

	/* first the flow (it may change), then whether keys may go on it */
	if (!cur_flow(c))
		return ENOTCONN;
	if (!call_keys_ok(c, body, blen))
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
			       blen ? ctype : NULL, body, blen, cseqp);
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
		e = call_tsend_h(w.p, w.len, c);
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
void call_end_msg(struct call *c, uint16_t status, const char *reason, const char *by,
			 const struct sip_msg *m)
{
	struct event ev;

	if (c->state == CALL_ENDED)
		return;
	call_xfer_closing(c);
	c->state = CALL_ENDED;
	call_media_stop(c->m);
	tmr_cancel(&c->resp_tmr);
	tmr_cancel(&c->se_tmr);
	tmr_cancel(&c->cancel_tmr);
	tmr_cancel(&c->glare_tmr);
	tmr_cancel(&c->net_tmr);
	call_ev_init(c, &ev, EVENT_ENDED);
	event_str(&ev, "reason", reason);
	event_int(&ev, "status", status);
	event_str(&ev, "by", by);
	far_end_why(&ev, m);
	call_emit(c, &ev);
}

void call_end(struct call *c, uint16_t status, const char *reason, const char *by)
{
	call_end_msg(c, status, reason, by, NULL);
}

/* ---------------- RFC 4028 ---------------- */

static void se_tmr_h(void *arg)
{
	struct call *c = arg;

	if (c->state != CALL_ESTABLISHED)
		return;
	if (c->refresher_us) {
		int e = call_uac_refresh(c);
		if (!e)
			return;
		/* another offer is out, or no connection right now: try again until the session runs out */
		if (loop_now_ms() + 2000 < c->se_expiry) {
			tmr_start(c->l, &c->se_tmr, 2000, se_tmr_h, c);
			return;
		}
		call_uac_bye(c);
		call_end(c, 408, "session timer expired: the refresh could not be sent", "local");
		return;
	}
	/* the peer was to refresh and did not: the session is over (RFC 4028 10) */
	call_uac_bye(c);
	call_end(c, 408, "session timer expired: no refresh from the peer", "local");
}

void call_se_arm(struct call *c)
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
int call_se_parse(const struct sip_msg *m, unsigned *secs, int *refresher)
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

bool call_has_option(const struct sip_msg *m, enum sip_hdr_id id, const char *opt)
{
	const struct sip_hdr *h;

	for (h = sip_msg_hdr(m, id); h; h = sip_msg_hdr_next(m, h))
		if (pl_eq_case(pl_trim(h->val), opt))
			return true;
	return false;
}

/* ---------------- established ---------------- */

void call_established(struct call *c)
{
	const struct sdp_result *res = call_media_result(c->m);
	struct event ev;

	c->state = CALL_ESTABLISHED;
	call_ev_init(c, &ev, EVENT_ESTABLISHED);
	if (res) {
		bool held = call_media_held(c->m);

		event_bool(&ev, "srtp", res->secure);
		event_str(&ev, "srtp_tx", res->secure ? srtp_suite_name(res->suite) : "none");
		event_str(&ev, "srtp_rx", res->secure ? srtp_suite_name(res->suite) : "none");
		event_str(&ev, "codec", res->codec);
		event_int(&ev, "ptime", res->ptime);
		call_media_sas_fields(c->m, &ev, false);
		call_media_zrtp_fields(c->m, &ev);
		if (held)
			event_str(&ev, "media", "held: nothing is sent until ZRTP has agreed keys");
		else if (!res->secure)
			event_str(&ev, "warning",
				  call_media_zrtp_on(c->m)
					  ? "media is NOT encrypted until ZRTP completes: plain RTP (srtp_required = no); "
					    "anyone on the path can listen"
					  : "media is NOT encrypted: plain RTP (srtp_required = no); anyone on the path "
					    "can listen");
	}
	call_emit(c, &ev);
	call_verify(c);
	/* ZRTP failed during early media: the call has no keys and never will */
	if (c->state == CALL_ESTABLISHED && call_media_held(c->m) && *call_media_zrtp_reason(c->m))
		zrtp_fail_end(c);
}

/* ---------------- allocation ---------------- */

int call_alloc(struct call **cp, const struct call_env *env, const struct call_prm *prm,
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
	mh.zrtph = media_zrtp_h;
	mh.stunh = media_stun_report_h;
	mh.arg = c;
	c->l = env->l;
	c->ctm = env->ctm;
	c->stm = env->stm;
	c->eh = eh;
	c->arg = arg;
	c->keys_insecure_ok = prm->keys_on_insecure;
	c->srtp_required = (prm->media.srtp || prm->media.zrtp) && prm->media.srtp_required;
	c->se_want = prm->session_expires ? prm->session_expires : SE_DEFAULT;
	c->min_se = prm->min_se ? prm->min_se : MIN_SE;
	c->refresher_pref = prm->refresher;
	c->allow_plain_auth = prm->allow_plaintext_auth;
	c->refuse_xfer = prm->refuse_transfers;
	c->ask_xfer = prm->ask_transfers;
	c->realms = prm->realms;
	c->flow = flow;
	sip_flow_ref(flow);
	sig_note(c, flow);
	c->flowh = env->flowh;
	c->flow_arg = env->flow_arg;
	c->referh = env->referh;
	c->refer_arg = env->refer_arg;
	c->ts.send = call_tsend_h;
	c->ts.arg = c;
	c->ts.reliable = sip_flow_tp(flow) != SIP_TP_UDP;
	tmr_init(&c->cancel_tmr);
	tmr_init(&c->resp_tmr);
	tmr_init(&c->se_tmr);
	tmr_init(&c->glare_tmr);
	tmr_init(&c->net_tmr);
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

/* ---------------- what the owner asks (hold, re-key and moves are call_uac.c's) ---------------- */

int call_hangup(struct call *c)
{
	if (!c)
		return EINVAL;
	switch (c->state) {
	case CALL_OUTGOING:
	case CALL_RINGING:
		call_uac_cancel(c);
		return 0;
	case CALL_INCOMING:
		if (c->inv_st)
			call_uas_reply(c, c->inv_st, 603, NULL, NULL, NULL, 0);
		call_end(c, 603, "declined", "local");
		return 0;
	case CALL_ESTABLISHED:
		if (call_uac_bye(c) == 0)
			call_end(c, 200, "hung up", "local");
		else
			call_end(c, 503,
				 "hung up locally; the BYE could not be sent (no signalling connection): the far end "
				 "may not know the call is over",
				 "local");
		return 0;
	case CALL_ENDED:
		break;
	}
	return EALREADY;
}

int call_mute(struct call *c, bool mute)
{
	struct event ev;

	if (!c)
		return EINVAL;
	if (c->state == CALL_ENDED)
		return EPROTO;
	call_media_mute(c->m, mute);
	call_ev_init(c, &ev, EVENT_MUTE);
	event_bool(&ev, "muted", mute);
	call_emit(c, &ev);
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

void call_flow_lost(struct call *c, struct sip_flow *flow)
{
	if (!c || !flow || c->flow != flow || c->state == CALL_ENDED)
		return;
	if (c->state != CALL_ESTABLISHED) {
		call_end(c, 503, "the signalling connection was lost", "local");
		return;
	}
	/* media needs no signalling: the call goes on; the next request finds a connection (cur_flow) */
	sip_flow_unref(c->flow);
	c->flow = NULL;
	call_warn(c, "the signalling connection was lost; the call goes on (media continues) and its next request "
		"will use the account's new connection");
}

/* ---------------- reports ---------------- */

void call_verify(struct call *c)
{
	const struct tls_info *ti;
	struct event ev;

	if (!c)
		return;
	call_ev_init(c, &ev, EVENT_SECURITY);
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
	call_emit(c, &ev);
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
	call_ev_init(c, &ev, EVENT_CALL);
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
	call_emit(c, &ev);
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

bool call_secure(const struct call *c)
{
	const struct sdp_result *res = c ? call_media_result(c->m) : NULL;

	return res && res->secure;
}

const char *call_sas(const struct call *c)
{
	return c ? call_media_sas(c->m) : "";
}

int call_sas_confirm(struct call *c, bool verified)
{
	int e;

	if (!c)
		return EINVAL;
	if (c->state == CALL_ENDED)
		return EPROTO;
	if ((e = call_media_sas_confirm(c->m, verified)) != 0)
		return e;
	call_verify(c); /* the view shows what was stored */
	return 0;
}

void call_free(struct call *c)
{
	if (!c)
		return;
	call_xfer_free(c);
	call_media_stop(c->m);
	tmr_cancel(&c->resp_tmr);
	tmr_cancel(&c->se_tmr);
	tmr_cancel(&c->cancel_tmr);
	tmr_cancel(&c->glare_tmr);
	tmr_cancel(&c->net_tmr);
	sip_ctrans_free(c->inv_ct);
	sip_ctrans_free(c->bye_ct);
	sip_ctrans_free(c->cancel_ct);
	sip_ctrans_free(c->re_ct);
	sip_strans_free(c->inv_st);
	sip_msg_free(c->inv_sent);
	sip_msg_free(c->inv_req);
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
	free(c->inv_hdrs);
	free(c);
}
