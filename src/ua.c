/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ua.c: the user agent: its life (ua_alloc, registering, status, shutdown), the SIP transport's
 * messages routed to calls, the call list and each call's events (tones, auto-answer, the reaper).
 * Placing and taking calls and the typed call API are ua_call.c's; accounts ua_account.c's;
 * commands ua_cmd.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "account.h"
#include "buf.h"
#include "call.h"
#include "call_audio.h"
#include "event.h"
#include "log.h"
#include "loop.h"
#include "reg.h"
#include "sip_caps.h"
#include "sip_msg.h"
#include "sip_strans.h"
#include "sip_transp.h"
#include "sip_uri.h"
#include "tone_policy.h"
#include "ua.h"
#include "ua_priv.h"
#include "zrtp.h"

void ua_emit(struct ua *ua, const struct event *ev)
{
	if (ua->eh)
		ua->eh(ev, ua->arg);
}

/* ---------------- calls ---------------- */

struct uacall *uacall_find(struct ua *ua, unsigned id)
{
	for (size_t i = 0; i < UA_MAX_CALLS; i++)
		if (ua->calls[i] && !ua->calls[i]->dead && call_id(ua->calls[i]->c) == id)
			return ua->calls[i];
	return NULL;
}

struct uacall *uacall_in_state(struct ua *ua, enum call_state st)
{
	for (size_t i = 0; i < UA_MAX_CALLS; i++)
		if (ua->calls[i] && !ua->calls[i]->dead && call_state(ua->calls[i]->c) == st)
			return ua->calls[i];
	return NULL;
}

static size_t live_calls(struct ua *ua)
{
	size_t n = 0;

	for (size_t i = 0; i < UA_MAX_CALLS; i++)
		if (ua->calls[i] && !ua->calls[i]->dead)
			n++;
	return n;
}

/* The established call that is not on hold (the one the user talks in), else any established one. */
struct uacall *uacall_current(struct ua *ua)
{
	struct uacall *any = NULL;

	for (size_t i = 0; i < UA_MAX_CALLS; i++) {
		struct uacall *k = ua->calls[i];
		if (!k || k->dead || call_state(k->c) == CALL_ENDED)
			continue;
		if (call_state(k->c) == CALL_ESTABLISHED && !call_on_hold(k->c))
			return k;
		if (!any || call_state(k->c) == CALL_ESTABLISHED)
			any = k;
	}
	return any;
}

static void uacall_free(struct uacall *k)
{
	if (!k)
		return;
	tmr_cancel(&k->hup);
	tmr_cancel(&k->ans);
	call_free(k->c);
	free(k);
}

static void reap_h(void *arg)
{
	struct ua *ua = arg;
	bool later = false;

	for (size_t i = 0; i < UA_MAX_CALLS; i++) {
		if (ua->calls[i] && ua->calls[i]->dead) {
			/* its BYE may still have to answer a challenge */
			if (call_closing(ua->calls[i]->c)) {
				later = true;
				continue;
			}
			uacall_free(ua->calls[i]);
			ua->calls[i] = NULL;
		}
	}
	if (later)
		tmr_start(ua->l, &ua->reap_tmr, 500, reap_h, ua);
}

/* Puts every other established call on hold and takes the audio from it. */
void uacall_hold_others(struct ua *ua, struct uacall *keep)
{
	for (size_t i = 0; i < UA_MAX_CALLS; i++) {
		struct uacall *k = ua->calls[i];
		if (!k || k == keep || k->dead)
			continue;
		call_set_active(k->c, false);
		if (call_state(k->c) == CALL_ESTABLISHED && !call_on_hold(k->c))
			call_hold(k->c, true);
	}
}

static void hup_h(void *arg)
{
	struct uacall *k = arg;

	call_hangup(k->c);
}

void uacall_answer_h(void *arg)
{
	struct uacall *k = arg;

	uacall_hold_others(k->ua, k);
	call_answer(k->c);
	call_set_active(k->c, true);
}

/* A call placed for a transfer: its progress goes to the call whose far end asked for it (NOTIFY). */
static void referred_progress(struct uacall *k, const struct event *ev)
{
	struct uacall *old = uacall_find(k->ua, k->referred_from);
	long long st;

	if (!old)
		return;
	switch (ev->kind) {
	case EVENT_RINGING:
		call_refer_progress(old->c, 180, NULL);
		break;
	case EVENT_ESTABLISHED:
		call_refer_progress(old->c, 200, NULL);
		break;
	case EVENT_ENDED:
		/* after a success this changes nothing; before one it is the failure reported */
		st = event_get_int(ev, "status", 0);
		call_refer_progress(old->c, st >= 300 && st <= 699 ? (uint16_t)st : 487, event_get_str(ev, "reason"));
		break;
	default:
		break;
	}
}

/* Ringtone, call-waiting beep, ring-back or none, as the calls now stand (tone_policy.c decides). */
void ua_tones_update(struct ua *ua)
{
	struct tone_policy_call pc[UA_MAX_CALLS];
	size_t n = 0;
	enum call_audio_tone_id t;

	for (size_t i = 0; i < UA_MAX_CALLS; i++) {
		struct uacall *k = ua->calls[i];
		enum call_state st;
		if (!k || k->dead || !k->c)
			continue;
		st = call_state(k->c);
		if (st == CALL_ENDED || (st == CALL_INCOMING && (ua->auto_answer || k->replaces)))
			continue; /* answered at once (auto-answer, or replacing a call: RFC 3891): no ring */
		pc[n].incoming = st == CALL_INCOMING;
		pc[n].alerting = st == CALL_INCOMING || st == CALL_RINGING;
		pc[n].early_media = k->early_media;
		pc[n].up = st == CALL_ESTABLISHED;
		n++;
	}
	t = tone_policy_pick(pc, n);
	/* asked again only when it changes: playing restarts a sound's cadence */
	if (t != ua->tone) {
		ua->tone = t;
		call_audio_tone(ua->audio, t);
	}
}

void uacall_event_h(struct call *c, const struct event *ev, void *arg)
{
	struct uacall *k = arg;
	struct ua *ua = k->ua;

	(void)c;
	ua_emit(ua, ev);
	if (k->referred_from)
		referred_progress(k, ev);
	if (k->replaces && ev->kind == EVENT_ESTABLISHED) {
		struct uacall *old = uacall_find(ua, k->replaces);
		char why[120];

		snprintf(why, sizeof(why), "replaced by call %u (attended transfer)", call_id(k->c));
		if (old)
			call_end_replaced(old->c, why);
	}
	ua_history_call_event(ua->hist, ev);
	if (ev->kind == EVENT_RINGING || ev->kind == EVENT_PROGRESS)
		k->early_media = event_get_int(ev, "early_media", 0) != 0;
	if (ev->kind == EVENT_ENDED) {
		k->dead = true;
		tmr_cancel(&k->hup);
		tmr_cancel(&k->ans);
		tmr_start(ua->l, &ua->reap_tmr, 0, reap_h, ua);
	} else if (ev->kind == EVENT_ESTABLISHED && ua->hangup_after) {
		tmr_start(ua->l, &k->hup, (uint64_t)ua->hangup_after * 1000, hup_h, k);
	} else if (ev->kind == EVENT_INCOMING && ua->auto_answer) {
		tmr_start(ua->l, &k->ans, 0, uacall_answer_h, k);
	}
	ua_tones_update(ua);
}

struct uacall *uacall_new(struct ua *ua, struct uacc *x)
{
	struct uacall *k;
	size_t i;

	for (i = 0; i < UA_MAX_CALLS; i++)
		if (!ua->calls[i])
			break;
	if (i == UA_MAX_CALLS)
		return NULL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->ua = ua;
	k->x = x;
	tmr_init(&k->hup);
	tmr_init(&k->ans);
	ua->calls[i] = k;
	return k;
}

void uacall_drop(struct ua *ua, struct uacall *k)
{
	for (size_t i = 0; i < UA_MAX_CALLS; i++)
		if (ua->calls[i] == k)
			ua->calls[i] = NULL;
	uacall_free(k);
}

int ua_ensure_audio(struct ua *ua)
{
	struct call_audio_prm ap;
	char err[256];
	int e;

	if (ua->audio)
		return 0;
	memset(&ap, 0, sizeof(ap));
	ap.warnh = ua_audio_warn;
	ap.warn_arg = ua;
	e = call_audio_alloc(&ua->audio, ua->l, &ap, err, sizeof(err));
	if (e)
		log_warn("audio: %s", err);
	return e;
}

struct uacc *ua_request_account(struct ua *ua, const struct sip_msg *m, struct sip_flow *flow)
{
	const struct sip_uri *ru = sip_msg_ruri(m);
	size_t i;

	for (i = 0; i < ua->n; i++)
		if (ua->a[i]->flow == flow)
			return ua->a[i];
	for (i = 0; ru && i < ua->n; i++) {
		struct sip_uri u;
		if (!sip_uri_decode_str(&u, ua->a[i]->acc->uri) && pl_eq(u.user, ru->user))
			return ua->a[i];
	}
	return ua->n ? ua->a[0] : NULL;
}

/* ---------------- transport handlers ---------------- */

static void recv_h(struct sip_msg *m, struct sip_flow *flow, const struct sockaddr *src, socklen_t srclen,
		   void *arg)
{
	struct ua *ua = arg;
	enum sip_method mid;
	size_t i;

	(void)src;
	(void)srclen;
	if (!sip_msg_is_request(m)) {
		if (sip_ctrans_mgr_recv(ua->ctm, m) == ENOENT) {
			for (i = 0; i < UA_MAX_CALLS; i++)
				if (ua->calls[i] && !call_recv_stray(ua->calls[i]->c, m))
					break;
			if (i == UA_MAX_CALLS)
				log_debug("stray response %u dropped", sip_msg_status(m));
		}
		goto out;
	}
	/* retransmissions and ACKs of non-2xx are the transactions' */
	if (sip_strans_mgr_recv(ua->stm, m) == 0)
		goto out;
	for (i = 0; i < UA_MAX_CALLS; i++)
		if (ua->calls[i] && ua->calls[i]->c && !call_recv_request(ua->calls[i]->c, m, flow))
			goto out;
	mid = sip_msg_method_id(m);
	if (mid == SIP_METHOD_ACK)
		goto out;
	if (mid == SIP_METHOD_INVITE && !pl_isset(sip_msg_to(m) ? sip_msg_to(m)->tag : PL_NULL)) {
		ua_call_incoming(ua, m, flow);
		goto out;
	}
	/* message-summary for an account's voicemail indicator, in its subscription or sent unasked */
	if (mid == SIP_METHOD_NOTIFY && ua_mwi_notify(ua_request_account(ua, m, flow), m, flow))
		goto out;
	{
		struct wbuf w;
		bool options = mid == SIP_METHOD_OPTIONS;
		bool indialog = sip_msg_to(m) && pl_isset(sip_msg_to(m)->tag);
		uint16_t code = options ? 200 : mid == SIP_METHOD_CANCEL || indialog ? 481 : 501;

		wbuf_init(&w, 0);
		/* a fresh To tag each (RFC 3261 8.2.6.2); an OPTIONS answer says what we take (11.2) */
		if (!sip_reply_print(&w, m, code, NULL, NULL,
				     options ? SIP_ALLOW_HDR SIP_SUPPORTED_HDR SIP_ACCEPT_HDR : NULL, NULL, NULL, 0))
			sip_flow_send(flow, w.p, w.len);
		wbuf_free(&w);
	}
out:
	sip_msg_free(m);
}

static void lost_h(struct sip_flow *flow, int err, const char *why, void *arg)
{
	struct ua *ua = arg;
	size_t i;

	for (i = 0; i < UA_MAX_CALLS; i++)
		if (ua->calls[i] && !ua->calls[i]->dead)
			call_flow_lost(ua->calls[i]->c, flow);
	for (i = 0; i < ua->n; i++) {
		struct uacc *x = ua->a[i];

		if (x->flow != flow)
			continue;
		sip_flow_unref(x->flow);
		x->flow = NULL;
		ua_mwi_conn_lost(x->mwi);
		log_info("account %s: %s", x->acc->name, why ? why : "connection lost");
		if (!ua->shutting_down) {
			ua_net_flow_lost(x, why);
			reg_conn_lost_why(x->reg, why);
		}
	}
}

/* ---------------- API ---------------- */

int ua_alloc(struct ua **up, struct loop *l, struct account_conf *conf, const char *only_account,
	     ua_event_h *eh, void *arg, char *err, size_t errsz)
{
	struct sip_transp_conf tpc;
	struct ua *ua;
	unsigned ka = 0;
	size_t i;
	int e;

	if (!up || !l || !conf)
		return EINVAL;
	if (only_account && !account_conf_find(conf, only_account)) {
		snprintf(err, errsz, "no [account %s] in %s", only_account, account_conf_path(conf));
		return ENOENT;
	}
	if (!account_conf_count(conf)) {
		snprintf(err, errsz, "no [account NAME] section in %s", account_conf_path(conf));
		return ENOENT;
	}
	ua = calloc(1, sizeof(*ua));
	if (!ua)
		return ENOMEM;
	ua->l = l;
	ua->tone = CALL_AUDIO_TONE_NONE;
	ua->conf = conf;
	ua->eh = eh;
	ua->arg = arg;
	tmr_init(&ua->done_tmr);
	tmr_init(&ua->reap_tmr);
	for (i = 0; i < account_conf_count(conf); i++) {
		struct account *a = account_conf_at(conf, i);
		if (only_account && strcmp(a->name, only_account))
			continue;
		if (a->keepalive_interval && (!ka || a->keepalive_interval < ka))
			ka = a->keepalive_interval;
	}
	memset(&tpc, 0, sizeof(tpc));
	tpc.ka_interval_ms = ka * 1000;
	tpc.ka_off = ka == 0;
	if ((e = sip_transp_alloc(&ua->tp, l, &tpc, recv_h, lost_h, ua)) != 0 ||
	    (e = sip_ctrans_mgr_alloc(&ua->ctm, l, NULL)) != 0 ||
	    (e = sip_strans_mgr_alloc(&ua->stm, l, NULL)) != 0) {
		snprintf(err, errsz, "cannot start the SIP transport: %s", strerror(e));
		goto out;
	}
	for (i = 0; i < account_conf_count(conf); i++) {
		struct account *a = account_conf_at(conf, i);

		if (only_account && strcmp(a->name, only_account))
			continue;
		if (ua->n >= UA_MAX_ACCOUNTS)
			break;
		e = ua_account_alloc(&ua->a[ua->n], ua, a, err, errsz);
		if (e)
			goto out;
		ua->n++;
	}
	if ((e = ua_net_alloc(&ua->net, ua)) != 0) {
		snprintf(err, errsz, "cannot watch the network: %s", strerror(e));
		goto out;
	}
	if ((e = ua_history_alloc(&ua->hist, ua)) != 0) {
		snprintf(err, errsz, "cannot set up the call history: %s", strerror(e));
		goto out;
	}
	*up = ua;
	ua = NULL;
out:
	ua_free(ua);
	return e;
}

void ua_free(struct ua *ua)
{
	size_t i;

	if (!ua)
		return;
	tmr_cancel(&ua->done_tmr);
	tmr_cancel(&ua->reap_tmr);
	ua_net_free(ua->net);
	for (i = 0; i < UA_MAX_CALLS; i++)
		uacall_free(ua->calls[i]);
	ua_history_free(ua->hist);
	for (i = 0; i < ua->n; i++)
		ua_account_free(ua->a[i]);
	call_audio_free(ua->audio);
	zrtp_cache_close(ua->zcache); /* after the calls, whose engines used it */
	sip_strans_mgr_free(ua->stm);
	sip_ctrans_mgr_free(ua->ctm);
	sip_transp_free(ua->tp);
	free(ua);
}

int ua_register(struct ua *ua, const char *account)
{
	size_t i;

	if (!ua)
		return EINVAL;
	if (ua->shutting_down)
		return ESHUTDOWN;
	if (account) {
		struct uacc *x = ua_account_find(ua, account);
		if (!x)
			return ENOENT;
		return reg_start(x->reg);
	}
	for (i = 0; i < ua->n; i++)
		if (ua->a[i]->acc->reg)
			reg_start(ua->a[i]->reg);
	return 0;
}

static void acct_stopped(void *arg)
{
	struct uacc *x = arg;
	struct ua *ua = x->ua;

	x->stopping = false;
	if (ua->shutting_down && ua->stops_pending && --ua->stops_pending == 0 && ua->done) {
		ua_done_h *done = ua->done;
		ua->done = NULL;
		done(ua->done_arg);
	}
}

static int stop_one(struct uacc *x, unsigned timeout_ms)
{
	int e;

	if (x->stopping)
		return EALREADY;
	ua_mwi_stop(x->mwi);
	e = reg_stop(x->reg, timeout_ms, acct_stopped, x);
	if (!e)
		x->stopping = true;
	return e;
}

int ua_unregister(struct ua *ua, const char *account)
{
	size_t i;

	if (!ua)
		return EINVAL;
	if (ua->shutting_down)
		return ESHUTDOWN;
	if (account) {
		struct uacc *x = ua_account_find(ua, account);
		if (!x)
			return ENOENT;
		stop_one(x, UNREG_TIMEOUT_MS);
		return 0;
	}
	for (i = 0; i < ua->n; i++)
		stop_one(ua->a[i], UNREG_TIMEOUT_MS);
	return 0;
}

void ua_status(struct ua *ua)
{
	size_t i;

	for (i = 0; ua && i < ua->n; i++) {
		struct event ev;

		event_init(&ev, EVENT_STATUS);
		reg_status(ua->a[i]->reg, &ev);
		ua_mwi_status(ua->a[i]->mwi, &ev);
		ua_emit(ua, &ev);
	}
	for (i = 0; ua && i < UA_MAX_CALLS; i++)
		if (ua->calls[i] && !ua->calls[i]->dead)
			call_status(ua->calls[i]->c);
}

static void done_tmr_h(void *arg)
{
	struct ua *ua = arg;
	ua_done_h *done = ua->done;

	ua->done = NULL;
	if (done)
		done(ua->done_arg);
}

int ua_shutdown(struct ua *ua, unsigned timeout_ms, ua_done_h *done, void *arg)
{
	size_t i;

	if (!ua)
		return EINVAL;
	if (ua->shutting_down)
		return EALREADY;
	for (i = 0; i < UA_MAX_CALLS; i++)
		if (ua->calls[i] && !ua->calls[i]->dead)
			call_hangup(ua->calls[i]->c);
	ua->shutting_down = true;
	ua->done = done;
	ua->done_arg = arg;
	ua->stops_pending = 0;
	for (i = 0; i < ua->n; i++) {
		struct uacc *x = ua->a[i];
		/* one already leaving (the unregister command) still reports to acct_stopped */
		if (x->stopping || !stop_one(x, timeout_ms))
			ua->stops_pending++;
	}
	if (!ua->stops_pending)
		return tmr_start(ua->l, &ua->done_tmr, 0, done_tmr_h, ua);
	return 0;
}

int ua_list_devices(ua_line_h *h, void *arg, char *err, size_t errsz)
{
	return call_audio_list_devices(h, arg, err, errsz);
}

int ua_set_call_opts(struct ua *ua, const struct ua_call_opts *o, char *err, size_t errsz)
{
	struct call_audio_sound snd;
	struct call_audio_prm ap;
	struct call_audio *a = NULL;
	int e;

	if (!ua || !o)
		return EINVAL;
	if (live_calls(ua))
		return EBUSY;
	memset(&ap, 0, sizeof(ap));
	ap.warnh = ua_audio_warn;
	ap.warn_arg = ua;
	ap.audio_in = o->audio_in;
	ap.audio_out = o->audio_out;
	ap.portaudio = o->portaudio;
	ap.device = o->audio_device;
	ap.capture_device = o->audio_capture;
	ap.playback_device = o->audio_playback;
	if (o->sound) {
		/* account_auto and call_audio_mode list auto, off, on alike */
		memset(&snd, 0, sizeof(snd));
		snd.echo = (enum call_audio_mode)o->sound->echo_cancel;
		snd.echo_tail_ms = o->sound->echo_tail_ms;
		snd.tones = (enum call_audio_mode)o->sound->tones;
		snd.ringtone = o->sound->ringtone;
		snd.ring_volume = o->sound->ring_volume;
		ap.sound = &snd;
	}
	e = call_audio_alloc(&a, ua->l, &ap, err, errsz);
	if (e)
		return e;
	call_audio_free(ua->audio);
	ua->audio = a;
	ua->tone = CALL_AUDIO_TONE_NONE;
	ua->auto_answer = o->auto_answer;
	ua->hangup_after = o->hangup_after;
	return 0;
}
