/* SPDX-License-Identifier: GPL-3.0-or-later */
/* call_xfer.c: call transfer in a call's dialog (RFC 3515 REFER, RFC 3892 Referred-By): our REFER and the far end's NOTIFYs (transferor), the far end's REFER and our NOTIFYs (transferee). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "call.h"
#include "call_priv.h"
#include "event.h"
#include "log.h"
#include "loop.h"
#include "sip_ctrans.h"
#include "sip_dialog.h"
#include "sip_msg.h"
#include "sip_refer.h"
#include "sip_strans.h"
#include "sip_uri.h"

/* A transfer with no final report by then has failed (the new call may ring for a while). */
#define XFER_GUARD_MS 180000
/* After our final 2xx NOTIFY the transferor's BYE is awaited this long, then we send ours. */
#define XFER_HANGUP_MS 3000
/* How long the implicit subscription is said to last (RFC 3515 2.4.4: the notifier chooses). */
#define XFER_EXPIRES 120
/* accept_transfer = ask: a transfer the user has not taken or refused by then is declined (603). */
#define XFER_ASK_MS 30000

enum xfer_role { XFER_TRANSFEROR, XFER_TRANSFEREE };

struct call_xfer {
	enum xfer_role role;
	char target[512]; /* the Refer-To URI, without headers */
	char by[300];     /* transferee: who asked (Referred-By, else the far end's URI), shown cleaned */
	bool done;        /* the outcome is known and was reported */
	bool success;
	struct tmr tmr;   /* transferor: the guard; transferee: our BYE after success */

	/* transferor: our REFER */
	struct sip_ctrans *ct;
	char extra[800];  /* its header lines, re-sent with credentials */
	uint32_t cseq;
	unsigned auth_rounds;
	bool held_by_us; /* put on hold for the transfer: resumed when it fails */
	unsigned resume_tries;

	/* transferee: our NOTIFYs of the call placed for the far end */
	unsigned nrefers; /* REFERs accepted in this dialog: the second and later NOTIFYs carry id= */
	uint32_t refer_cseq;
	struct sip_ctrans *nct; /* the NOTIFY out (one at a time, RFC 6665 4.2.2) */
	uint16_t sent;          /* the last status reported */
	uint16_t pending;       /* one waiting for nct to finish (0 none) */
	bool norefersub;        /* the transferor asked for no NOTIFYs (RFC 4488 Refer-Sub: false) */
	char dial[512];         /* the Refer-To URI the new call goes to (target: as the user is shown it) */
	char replaces[SIP_REPLACES_MAX]; /* "" or the Replaces value the new INVITE carries */

	/* transferee with accept_transfer = ask: the user's answer awaited (x->tmr: the deadline) */
	bool asking;
	bool declined; /* the user said no, or did not answer: our 603 goes out even once the call has ended */
};

static int xfer_get(struct call *c, enum xfer_role role)
{
	struct call_xfer *x = c->xfer;

	if (x && !x->done)
		return EBUSY;
	if (!x) {
		if (!(x = calloc(1, sizeof(*x))))
			return ENOMEM;
		tmr_init(&x->tmr);
		c->xfer = x;
	}
	/* a finished one is reused: only the count of REFERs carries over */
	{
		unsigned n = x->nrefers;
		sip_ctrans_free(x->ct);
		sip_ctrans_free(x->nct);
		tmr_cancel(&x->tmr);
		memset(x, 0, sizeof(*x));
		tmr_init(&x->tmr);
		x->nrefers = n;
	}
	x->role = role;
	return 0;
}

/*
 * A "transfer" event: state, and where known the status the far end reported and why (its words cleaned);
 * nkey (may be NULL) names one more number, n.
 */
static void xfer_event_n(struct call *c, const char *state, uint16_t status, const char *reason, size_t rlen,
			 const char *nkey, long long n)
{
	struct call_xfer *x = c->xfer;
	struct event ev;

	call_ev_init(c, &ev, EVENT_TRANSFER);
	event_str(&ev, "role", x->role == XFER_TRANSFEROR ? "transferor" : "transferee");
	event_str(&ev, "state", state);
	event_str(&ev, "target", x->target);
	if (x->role == XFER_TRANSFEREE)
		event_str(&ev, "by", x->by);
	if (status)
		event_int(&ev, "status", status);
	if (reason && rlen)
		event_str_untrusted(&ev, "reason", reason, rlen);
	if (nkey)
		event_int(&ev, nkey, n);
	call_emit(c, &ev);
}

static void xfer_event(struct call *c, const char *state, uint16_t status, const char *reason, size_t rlen)
{
	xfer_event_n(c, state, status, reason, rlen, NULL, 0);
}

/* ---------------- transferor: our REFER ---------------- */

/* The call goes on as it was before the transfer: resumed once our hold (maybe still out) is through. */
static void resume_h(void *arg)
{
	struct call *c = arg;
	struct call_xfer *x = c->xfer;
	int e;

	if (c->state != CALL_ESTABLISHED)
		return;
	if (c->re_ct || tmr_running(&c->glare_tmr)) {
		if (++x->resume_tries < 50) {
			tmr_start(c->l, &x->tmr, 200, resume_h, c);
			return;
		}
		e = EBUSY;
	} else {
		e = c->hold ? call_hold(c, false) : 0;
	}
	if (e)
		call_warn(c, "the transfer failed and the call could not be resumed: resume it");
}

static void xfer_failed(struct call *c, uint16_t status, const char *reason)
{
	struct call_xfer *x = c->xfer;

	x->done = true;
	tmr_cancel(&x->tmr);
	xfer_event(c, "failed", status, reason, reason ? strlen(reason) : 0);
	log_info("call %u: transfer to %s failed: %u %s", c->id, x->target, status, reason ? reason : "");
	if (x->held_by_us)
		tmr_start(c->l, &x->tmr, 0, resume_h, c);
}

static void xfer_succeeded(struct call *c, uint16_t status)
{
	struct call_xfer *x = c->xfer;
	char why[600];

	x->done = x->success = true;
	tmr_cancel(&x->tmr);
	xfer_event(c, "succeeded", status, NULL, 0);
	if (c->state != CALL_ESTABLISHED)
		return;
	snprintf(why, sizeof(why), "transferred to %s", x->target);
	call_uac_bye(c);
	call_end(c, 200, why, "local");
}

static void guard_h(void *arg)
{
	struct call *c = arg;

	if (c->xfer->role == XFER_TRANSFEROR)
		xfer_failed(c, 408, "no final report of the transfer (NOTIFY) came in time");
}

static void refer_ct_h(int err, const struct sip_msg *resp, void *arg);

static int send_refer(struct call *c)
{
	struct call_xfer *x = c->xfer;

	sip_ctrans_free(x->ct);
	x->ct = NULL;
	return call_send_request(c, "REFER", 0, x->extra, NULL, 0, &x->ct, refer_ct_h, &x->cseq);
}

static void refer_ct_h(int err, const struct sip_msg *resp, void *arg)
{
	struct call *c = arg;
	struct call_xfer *x = c->xfer;
	uint16_t code = !err && resp ? sip_msg_status(resp) : 0;
	char why[400];

	if (!err && code < 200)
		return;
	sip_ctrans_free(x->ct);
	x->ct = NULL;
	if (x->done)
		return;
	if (err) {
		xfer_failed(c, 408, err == ETIMEDOUT ? "no answer to the REFER" : "the REFER could not be sent");
		return;
	}
	if (code == 401 || code == 407) {
		if (!call_uac_challenge(c, resp, &x->auth_rounds, why, sizeof(why)) && !send_refer(c))
			return;
		xfer_failed(c, code, why);
		return;
	}
	if (code >= 300) {
		call_uac_fail_reason(why, sizeof(why), resp);
		xfer_failed(c, code, why);
		return;
	}
	xfer_event(c, "accepted", code, NULL, 0);
}

/* Our REFER asking c's far end to call uri; with other, replacing our call other there (attended). */
static int start_refer(struct call *c, const char *uri, const struct call *other)
{
	struct call_xfer *x;
	struct wbuf w;
	const char *luri;
	int e;

	if (c->state != CALL_ESTABLISHED || !c->dlg)
		return EPROTO;
	if ((e = xfer_get(c, XFER_TRANSFEROR)) != 0)
		return e;
	x = c->xfer;
	snprintf(x->target, sizeof(x->target), "%s", uri);
	luri = sip_dialog_local_uri(c->dlg);
	wbuf_init(&w, 0);
	wbuf_str(&w, "Refer-To: ");
	/* RFC 3891 Replaces: to-tag is the tag of the end that gets the INVITE (other's far end), from-tag ours */
	if (other)
		e = sip_refer_to_print(&w, uri, sip_dialog_callid(other->dlg), sip_dialog_remote_tag(other->dlg),
				       sip_dialog_local_tag(other->dlg));
	else
		e = sip_refer_to_print(&w, uri, NULL, NULL, NULL);
	if (e)
		goto out;
	/* RFC 3892: who asks, so the transfer target can tell who sent the transferee */
	wbuf_printf(&w, "\r\nReferred-By: <%s>\r\n", luri ? luri : "");
	if ((e = w.err) != 0 || w.len >= sizeof(x->extra)) {
		e = e ? e : ENOSPC;
		goto out;
	}
	memcpy(x->extra, w.p, w.len);
	x->extra[w.len] = '\0';
	if ((e = send_refer(c)) != 0)
		goto out;
	/* the far end waits on hold while its new call is set up; resumed if that fails */
	x->held_by_us = !c->hold && call_hold(c, true) == 0;
	tmr_start(c->l, &x->tmr, XFER_GUARD_MS, guard_h, c);
	xfer_event(c, other ? "requested_attended" : "requested", 0, NULL, 0);
out:
	wbuf_free(&w);
	if (e)
		x->done = true; /* nothing went out: a later transfer may start */
	return e;
}

int call_transfer(struct call *c, const char *uri)
{
	struct sip_uri u;

	if (!c || !uri)
		return EINVAL;
	if (sip_uri_decode_str(&u, uri) || (u.scheme != SIP_URI_SIP && u.scheme != SIP_URI_SIPS) || u.headers.p ||
	    strlen(uri) >= sizeof(c->xfer->target))
		return EINVAL;
	return start_refer(c, uri, NULL);
}

int call_transfer_attended(struct call *c, const struct call *other)
{
	const char *target;

	if (!c || !other || c == other)
		return EINVAL;
	if (other->state != CALL_ESTABLISHED || !other->dlg || !*sip_dialog_remote_tag(other->dlg))
		return EPROTO;
	/* the far end of other, by its address of record (the proxy finds it, as it found it for us) */
	target = sip_dialog_remote_uri(other->dlg);
	if (!target || strlen(target) >= sizeof(c->xfer->target))
		return EINVAL;
	return start_refer(c, target, other);
}

/* The far end's report of the call it placed for our REFER (RFC 3515 2.4.4-2.4.5). */
void call_xfer_recv_notify(struct call *c, struct sip_strans *st, const struct sip_msg *req)
{
	struct call_xfer *x = c->xfer;
	const struct sip_hdr *h;
	struct pl pkg, id, sreason, reason;
	enum sip_substate ss;
	uint16_t code = 0, status = 400;
	const char *warn = NULL;

	h = sip_msg_hdr(req, SIP_HDR_EVENT);
	if (!h || sip_event_decode(h->val, &pkg, &id) || !pl_eq_case(pkg, "refer")) {
		status = 489;
		warn = "only the refer event package is taken in a call";
		goto reply;
	}
	if (!x || x->role != XFER_TRANSFEROR || x->done) {
		status = 481;
		warn = "no transfer of ours under way in this call";
		goto reply;
	}
	if (pl_isset(id)) {
		uint32_t n;
		if (pl_to_u32(id, &n) || n != x->cseq) {
			status = 481;
			warn = "no transfer of ours with that id";
			goto reply;
		}
	}
	h = sip_msg_hdr(req, SIP_HDR_SUBSCRIPTION_STATE);
	if (!h || sip_substate_decode(h->val, &ss, &sreason, NULL)) {
		warn = "a NOTIFY needs a valid Subscription-State";
		goto reply;
	}
	if (!sip_frag_ctype(sip_msg_ctype(req)) || sip_frag_decode(sip_msg_body(req), &code, &reason)) {
		warn = "a refer NOTIFY carries a message/sipfrag status line";
		goto reply;
	}
	status = 200;
reply:
	{
		char wh[300];
		call_uas_reply(c, st, status, NULL, warn ? call_uas_warning(wh, sizeof(wh), warn) : NULL, NULL, 0);
		sip_strans_free(st);
	}
	if (status != 200 || x->done)
		return;
	if (code >= 200 && code < 300) {
		xfer_succeeded(c, code);
	} else if (code >= 300) {
		char why[300];
		char clean[EVENT_UNTRUSTED_MAX + 1];

		event_clean_text(clean, sizeof(clean), reason.p, reason.l);
		snprintf(why, sizeof(why), "the new call failed: %u %s", code, clean);
		xfer_failed(c, code, why);
	} else if (ss == SIP_SUBSTATE_TERMINATED) {
		xfer_failed(c, code, "the far end ended its report before the new call had an outcome");
	} else {
		xfer_event(c, "trying", code, reason.p, reason.l);
	}
}

/* ---------------- transferee: the far end's REFER ---------------- */

static void notify_ct_h(int err, const struct sip_msg *resp, void *arg);

static void hangup_h(void *arg)
{
	struct call *c = arg;
	char why[600];

	if (c->state != CALL_ESTABLISHED)
		return;
	snprintf(why, sizeof(why), "transferred to %s", c->xfer->target);
	call_uac_bye(c);
	call_end(c, 200, why, "local");
}

/* Our report of the new call: "SIP/2.0 <code> <standard phrase>" (never the new call's far end's words). */
static void notify_send(struct call *c, uint16_t code)
{
	struct call_xfer *x = c->xfer;
	char extra[200], id[24] = "", frag[80];
	bool final = code >= 200;
	int e;

	if (x->norefersub) {
		/* no subscription: nothing to report; after a success the transferor hangs up, or we do */
		x->sent = code;
		if (final && x->success)
			tmr_start(c->l, &x->tmr, XFER_HANGUP_MS, hangup_h, c);
		return;
	}
	if (x->nct) {
		if (!x->pending || x->pending < 200)
			x->pending = code;
		return;
	}
	if (x->nrefers > 1)
		snprintf(id, sizeof(id), ";id=%u", x->refer_cseq);
	if (final)
		snprintf(extra, sizeof(extra), "Event: refer%s\r\nSubscription-State: terminated;reason=noresource\r\n", id);
	else
		snprintf(extra, sizeof(extra), "Event: refer%s\r\nSubscription-State: active;expires=%u\r\n", id,
			 XFER_EXPIRES);
	snprintf(frag, sizeof(frag), "SIP/2.0 %u %s\r\n", code, sip_reason_phrase(code));
	x->sent = code;
	e = call_send_request_ct(c, "NOTIFY", 0, extra, "message/sipfrag;version=2.0", frag, strlen(frag), &x->nct,
				 notify_ct_h, NULL);
	if (e)
		log_info("call %u: the transfer's NOTIFY (%u) could not be sent: %s", c->id, code, strerror(e));
	if (e && final && x->success)
		tmr_start(c->l, &x->tmr, 0, hangup_h, c);
}

static void notify_ct_h(int err, const struct sip_msg *resp, void *arg)
{
	struct call *c = arg;
	struct call_xfer *x = c->xfer;
	uint16_t code = !err && resp ? sip_msg_status(resp) : 0;

	if (!err && code < 200)
		return;
	sip_ctrans_free(x->nct);
	x->nct = NULL;
	if (x->pending && (c->state != CALL_ENDED || x->declined)) {
		uint16_t p = x->pending;
		x->pending = 0;
		notify_send(c, p);
		return;
	}
	/* the final report is out: the transferor hangs up, or we do a little later */
	if (x->sent >= 200 && x->success && c->state == CALL_ESTABLISHED)
		tmr_start(c->l, &x->tmr, XFER_HANGUP_MS, hangup_h, c);
}

static void refuse(struct call *c, struct sip_strans *st, uint16_t code, const char *why)
{
	char wh[300];

	log_info("call %u: transfer refused (%u): %s", c->id, code, why);
	call_uas_reply(c, st, code, NULL, call_uas_warning(wh, sizeof(wh), why), NULL, 0);
	sip_strans_free(st);
}

/* Whether a URI text may go into a header line of ours between <>: printable, no <>, no blank. */
static bool uri_text_ok(struct pl p)
{
	for (size_t i = 0; i < p.l; i++) {
		unsigned char ch = (unsigned char)p.p[i];
		if (ch <= 0x20 || ch >= 0x7f || ch == '<' || ch == '>' || ch == '"')
			return false;
	}
	return p.l > 0;
}

static bool is_sips(const char *uri)
{
	return uri && !strncasecmp(uri, "sips:", 5);
}

/* A sips call: either end's URI or the Request-URI was sips: (RFC 3261 26.2.2: TLS on every hop). */
static bool sips_call(const struct call *c)
{
	return sip_dialog_secure(c->dlg) || is_sips(sip_dialog_remote_uri(c->dlg)) ||
	       is_sips(sip_dialog_local_uri(c->dlg)) || is_sips(sip_dialog_remote_target(c->dlg));
}

/*
 * Whether the target keeps the call's protection: a sips dialog only to a sips: target, and no
 * transport or maddr parameter steering the new call's signalling elsewhere than TLS.
 * NULL when it does, else why not.
 */
static const char *downgrade(const struct call *c, const struct sip_uri *u)
{
	struct pl v;

	if (sips_call(c) && u->scheme != SIP_URI_SIPS)
		return "this call is sips: (TLS on every hop); the transfer target is not";
	if (!sip_uri_param(u, "maddr", NULL))
		return "a transfer target with maddr is not called";
	if (c->sig_tls && !sip_uri_param(u, "transport", &v) && !pl_eq_case(v, "tls"))
		return "this call's signalling is TLS; the transfer target asks for another transport";
	return NULL;
}

/* A URI as the user is shown it: a password in its userinfo (RFC 3261 19.1.1, deprecated) left out. */
static void uri_shown(char *out, size_t sz, struct pl raw, const struct sip_uri *u)
{
	const char *pw = u->password.p;
	size_t pre, post;

	if (!pl_isset(u->password) || !pw || pw <= raw.p || pw + u->password.l > raw.p + raw.l) {
		snprintf(out, sz, "%.*s", (int)raw.l, raw.p);
		return;
	}
	pre = (size_t)(pw - 1 - raw.p); /* up to the ':' before it */
	post = (size_t)(raw.p + raw.l - (pw + u->password.l));
	snprintf(out, sz, "%.*s%.*s", (int)pre, raw.p, (int)post, pw + u->password.l);
}

/*
 * The user refuses transfers (accept_transfer = no): 603 Decline (RFC 3515 2.4.2 leaves the choice to the
 * recipient; 603 is the user's own no, as for a declined call), and the user is told who wanted them where.
 */
static void refuse_by_setting(struct call *c, struct sip_strans *st, const struct sip_hdr *refer_to)
{
	struct sip_refer_to *rt = malloc(sizeof(*rt));
	struct event ev;
	const char *ruri = sip_dialog_remote_uri(c->dlg);

	refuse(c, st, 603, "this phone does not take transfers");
	call_ev_init(c, &ev, EVENT_TRANSFER);
	event_str(&ev, "role", "transferee");
	event_str(&ev, "state", "refused");
	if (rt && refer_to && !sip_refer_to_decode(rt, refer_to->val)) {
		char shown[512];
		uri_shown(shown, sizeof(shown), rt->target, &rt->uri);
		event_str_untrusted(&ev, "target", shown, strlen(shown));
	} else {
		event_str(&ev, "target", "?");
	}
	event_str_untrusted(&ev, "by", ruri ? ruri : "?", ruri ? strlen(ruri) : 1);
	event_int(&ev, "status", 603);
	event_str(&ev, "reason", "accept_transfer = no in this account");
	call_emit(c, &ev);
	free(rt);
}

/* The new call the far end asked for, placed by the owner; the transferor hears how it goes. */
static void xfer_place(struct call *c)
{
	struct call_xfer *x = c->xfer;
	struct call_refer r;
	char rbuf[sizeof(x->by) + 2], why[300];
	unsigned id = 0;
	int e;

	snprintf(rbuf, sizeof(rbuf), "<%s>", x->by);
	memset(&r, 0, sizeof(r));
	r.target = x->dial;
	r.shown = x->target;
	r.referred_by = rbuf;
	r.replaces = x->replaces[0] ? x->replaces : NULL;
	/* the new call is held to this call's protection whatever the account would allow */
	r.srtp_required = c->srtp_required || call_secure(c);
	r.tls_required = c->sig_tls;
	why[0] = '\0';
	e = c->referh(c, &r, &id, why, sizeof(why), c->refer_arg);
	if (e) {
		x->done = true;
		notify_send(c, 503);
		xfer_event(c, "failed", 503, why, strlen(why));
		return;
	}
	/* asked first (accept_transfer = ask): 100 went out while the user was asked */
	if (x->sent != 100)
		notify_send(c, 100);
	xfer_event_n(c, "trying", 0, NULL, 0, "new_call", id);
}

/* No to the far end's transfer (the user's, no answer, the call ended): our 603 ends its subscription. */
static void xfer_decline(struct call *c, const char *why)
{
	struct call_xfer *x = c->xfer;

	x->asking = false;
	x->done = true;
	x->declined = true;
	tmr_cancel(&x->tmr);
	log_info("call %u: transfer to %s declined: %s", c->id, x->target, why);
	notify_send(c, 603);
	xfer_event(c, "declined", 603, why, strlen(why));
}

static void ask_expired_h(void *arg)
{
	struct call *c = arg;
	char why[80];

	snprintf(why, sizeof(why), "not answered within %u s", (unsigned)(XFER_ASK_MS / 1000));
	xfer_decline(c, why);
}

/* accept_transfer = ask: the transferor is told 100 and the user asked (call_transfer_answer). */
static void ask_user(struct call *c)
{
	struct call_xfer *x = c->xfer;

	x->asking = true;
	notify_send(c, 100);
	tmr_start(c->l, &x->tmr, XFER_ASK_MS, ask_expired_h, c);
	log_info("call %u: the far end asks to transfer this call to %s: the user is asked", c->id, x->target);
	xfer_event_n(c, "ask", 0, NULL, 0, "timeout", XFER_ASK_MS / 1000);
}

void call_xfer_recv_refer(struct call *c, struct sip_strans *st, const struct sip_msg *req)
{
	const struct sip_hdr *h = sip_msg_hdr(req, SIP_HDR_REFER_TO), *rb;
	struct sip_refer_to *rt = NULL;
	struct call_xfer *x;
	struct sip_addr by;
	const char *dg;
	int e;

	if (c->state != CALL_ESTABLISHED) {
		refuse(c, st, 403, "no established call to transfer");
		return;
	}
	if (c->refuse_xfer) {
		refuse_by_setting(c, st, h);
		return;
	}
	if (!c->referh) {
		refuse(c, st, 603, "transfers are not taken here");
		return;
	}
	if (!h || sip_msg_hdr_next(req, h)) {
		refuse(c, st, 400, "a REFER needs exactly one Refer-To");
		return;
	}
	if (!(rt = malloc(sizeof(*rt)))) {
		refuse(c, st, 500, "out of memory");
		return;
	}
	e = sip_refer_to_decode(rt, h->val);
	if (e == EPROTONOSUPPORT || (!e && rt->uri.scheme == SIP_URI_TEL)) {
		refuse(c, st, 403, "only sip: and sips: transfer targets are called");
		goto out;
	}
	if (e || !uri_text_ok(rt->target) || rt->target.l >= sizeof(c->xfer->dial)) {
		refuse(c, st, 400, "malformed Refer-To");
		goto out;
	}
	if ((dg = downgrade(c, &rt->uri)) != NULL) {
		char msg[400];
		refuse(c, st, 403, dg);
		snprintf(msg, sizeof(msg), "refused a transfer to a target that would weaken this call's protection: %s",
			 dg);
		call_warn(c, msg);
		goto out;
	}
	if ((e = xfer_get(c, XFER_TRANSFEREE)) != 0) {
		refuse(c, st, 491, "a transfer of this call is under way");
		goto out;
	}
	x = c->xfer;
	x->nrefers++;
	x->refer_cseq = sip_msg_cseq(req) ? sip_msg_cseq(req)->num : 0;
	pl_strdup(x->dial, sizeof(x->dial), rt->target);
	uri_shown(x->target, sizeof(x->target), rt->target, &rt->uri);
	/* who asked: the Referred-By the far end gives if it is a plain sip/sips URI, else the far end itself */
	rb = sip_msg_hdr(req, SIP_HDR_REFERRED_BY);
	if (rb && !sip_addr_decode(&by, rb->val) && by.uri_known && by.uri.scheme != SIP_URI_TEL &&
	    uri_text_ok(by.uri_raw) && by.uri_raw.l < sizeof(x->by))
		uri_shown(x->by, sizeof(x->by), by.uri_raw, &by.uri);
	else
		event_clean_text(x->by, sizeof(x->by), sip_dialog_remote_uri(c->dlg),
				 strlen(sip_dialog_remote_uri(c->dlg)));
	if (rt->has_replaces)
		snprintf(x->replaces, sizeof(x->replaces), "%s", rt->replaces_buf);
	/* RFC 4488: a transferor that wants no NOTIFYs says Refer-Sub: false; we agree in the 202 */
	{
		const struct sip_hdr *rs = sip_msg_hdr_by_name(req, "Refer-Sub");
		x->norefersub = rs && pl_eq_case(pl_trim(rs->val), "false");
	}
	call_uas_reply(c, st, 202, NULL, x->norefersub ? "Refer-Sub: false\r\n" : NULL, NULL, 0);
	sip_strans_free(st);
	if (c->ask_xfer) {
		ask_user(c);
		goto out;
	}
	xfer_event(c, "requested", 0, NULL, 0);
	xfer_place(c);
out:
	free(rt);
}

int call_transfer_answer(struct call *c, bool accept)
{
	struct call_xfer *x = c ? c->xfer : NULL;

	if (!x || x->role != XFER_TRANSFEREE || !x->asking)
		return ENOENT;
	if (!accept || c->state != CALL_ESTABLISHED) {
		xfer_decline(c, accept ? "the call ended before the user answered" : "refused by the user");
		return accept ? EPROTO : 0;
	}
	x->asking = false;
	tmr_cancel(&x->tmr);
	log_info("call %u: the user takes the transfer to %s", c->id, x->target);
	xfer_place(c);
	return 0;
}

bool call_transfer_asked(const struct call *c)
{
	return c && c->xfer && c->xfer->asking;
}

void call_xfer_closing(struct call *c)
{
	if (c->xfer && c->xfer->asking)
		xfer_decline(c, "the call ended before the user answered");
}

void call_refer_progress(struct call *c, uint16_t status, const char *reason)
{
	struct call_xfer *x = c ? c->xfer : NULL;

	if (!x || x->role != XFER_TRANSFEREE || x->done || x->asking || status < 100 || status > 699)
		return;
	if (status < 200) {
		/* 100 went out with the 202; a ringing new call is worth one more report */
		if (status != x->sent && c->state == CALL_ESTABLISHED)
			notify_send(c, status);
		return;
	}
	x->done = true;
	x->success = status < 300;
	if (c->state == CALL_ESTABLISHED)
		notify_send(c, status);
	xfer_event(c, x->success ? "succeeded" : "failed", status, reason, reason ? strlen(reason) : 0);
}

int call_connect_referred(struct call **cp, const struct call_env *env, const struct call_prm *prm,
			  struct sip_flow *flow, const char *contact, const struct call_refer *r, call_event_h *eh,
			  void *arg)
{
	char extra[CALL_INV_HDRS_MAX];
	int n;

	if (!r || !r->target)
		return EINVAL;
	n = snprintf(extra, sizeof(extra), "%s%s%s%s%s", r->referred_by ? "Referred-By: " : "",
		     r->referred_by ? r->referred_by : "", r->referred_by ? "\r\n" : "",
		     r->replaces ? "Replaces: " : "", r->replaces ? r->replaces : "");
	if (n < 0 || (size_t)n + 2 >= sizeof(extra))
		return EINVAL;
	if (r->replaces)
		strcat(extra, "\r\n");
	return call_uac_connect(cp, env, prm, flow, contact, r->target, extra[0] ? extra : NULL, eh, arg);
}

/* ---------------- transfer target: an INVITE with Replaces (RFC 3891) ---------------- */

int call_replaces_check(struct call *c, const struct sip_replaces *r, const struct sip_flow *flow, uint16_t *code,
			const char **why)
{
	*code = 0;
	*why = NULL;
	if (!c || !r || !c->dlg || !pl_eq(r->callid, pl_str(sip_dialog_callid(c->dlg))) ||
	    !pl_eq(r->to_tag, pl_str(sip_dialog_local_tag(c->dlg))) || !pl_eq(r->from_tag, pl_str(sip_dialog_remote_tag(c->dlg))))
		return ENOENT;
	if (c->state == CALL_ENDED) {
		*code = 603;
		*why = "the call to replace has ended";
	} else if (c->state != CALL_ESTABLISHED) {
		*code = 481;
		*why = "only an established call is replaced";
	} else if (r->early_only) {
		*code = 486;
		*why = "early-only, and the call is established";
	} else if (flow && !call_flow_acceptable(c, flow)) {
		/* the same rule as the call's own requests: a stranger's connection replaces nothing */
		*code = 403;
		*why = "not over the connection this call's requests may come over";
	}
	return 0;
}

void call_end_replaced(struct call *c, const char *why)
{
	if (!c || c->state != CALL_ESTABLISHED)
		return;
	call_uac_bye(c);
	call_end(c, 200, why, "local");
}

/* ---------------- both ---------------- */

const char *call_xfer_end_reason(const struct call *c, char *buf, size_t sz)
{
	const struct call_xfer *x = c->xfer;

	if (!x || !x->done || !x->success)
		return NULL;
	snprintf(buf, sz, "transferred to %s", x->target);
	return buf;
}

bool call_xfer_busy(const struct call *c)
{
	return c->xfer && (c->xfer->ct || c->xfer->nct);
}

void call_xfer_free(struct call *c)
{
	struct call_xfer *x = c->xfer;

	if (!x)
		return;
	tmr_cancel(&x->tmr);
	sip_ctrans_free(x->ct);
	sip_ctrans_free(x->nct);
	free(x);
	c->xfer = NULL;
}
