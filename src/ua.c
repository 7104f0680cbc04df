/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ua.c: the user agent: its accounts (ua_account.c), the SIP transport's messages routed to calls, and the typed call API of ua.h; commands in ua_cmd.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "account.h"
#include "buf.h"
#include "call.h"
#include "call_audio.h"
#include "dial.h"
#include "event.h"
#include "log.h"
#include "loop.h"
#include "reg.h"
#include "sip_caps.h"
#include "sip_msg.h"
#include "sip_refer.h"
#include "sip_strans.h"
#include "sip_transp.h"
#include "sip_uri.h"
#include "srtp.h"
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

static struct uacall *call_by_id(struct ua *ua, unsigned id)
{
	for (size_t i = 0; i < UA_MAX_CALLS; i++)
		if (ua->calls[i] && !ua->calls[i]->dead && call_id(ua->calls[i]->c) == id)
			return ua->calls[i];
	return NULL;
}

static struct uacall *call_in_state(struct ua *ua, enum call_state st)
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
static struct uacall *call_current(struct ua *ua)
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
static void hold_others(struct ua *ua, struct uacall *keep)
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

static void ans_h(void *arg)
{
	struct uacall *k = arg;

	hold_others(k->ua, k);
	call_answer(k->c);
	call_set_active(k->c, true);
}

/* A call placed for a transfer: its progress goes to the call whose far end asked for it (NOTIFY). */
static void referred_progress(struct uacall *k, const struct event *ev)
{
	struct uacall *old = call_by_id(k->ua, k->referred_from);
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
static void tones_update(struct ua *ua)
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

static void call_ev_h(struct call *c, const struct event *ev, void *arg)
{
	struct uacall *k = arg;
	struct ua *ua = k->ua;

	(void)c;
	ua_emit(ua, ev);
	if (k->referred_from)
		referred_progress(k, ev);
	if (k->replaces && ev->kind == EVENT_ESTABLISHED) {
		struct uacall *old = call_by_id(ua, k->replaces);
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
		tmr_start(ua->l, &k->ans, 0, ans_h, k);
	}
	tones_update(ua);
}

static struct uacall *uacall_new(struct ua *ua, struct uacc *x)
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

static void uacall_drop(struct ua *ua, struct uacall *k)
{
	for (size_t i = 0; i < UA_MAX_CALLS; i++)
		if (ua->calls[i] == k)
			ua->calls[i] = NULL;
	uacall_free(k);
}

/* The account's settings as call parameters; *pw is the account's password (not a copy). */
/* $XDG_DATA_HOME/sphone/zrtp.db, else ~/.local/share/sphone/zrtp.db (a relative XDG_DATA_HOME is ignored). */
static int zrtp_cache_path(char *buf, size_t sz)
{
	const char *x = getenv("XDG_DATA_HOME"), *h = getenv("HOME");
	int n;

	if (x && *x == '/')
		n = snprintf(buf, sz, "%s/sphone/zrtp.db", x);
	else if (h && *h == '/')
		n = snprintf(buf, sz, "%s/.local/share/sphone/zrtp.db", h);
	else
		return ENOENT;
	return n < 0 || (size_t)n >= sz ? ENAMETOOLONG : 0;
}

/*
 * The ZRTP cache, opened when a call first wants ZRTP and kept for every later one. When it cannot
 * be opened the call goes on: ZRTP still agrees fresh keys with a committed SAS, which the two
 * people must then read aloud (there are no retained secrets to carry an earlier check, and a
 * confirmation cannot be stored). Refusing the call would only push the user to SDES, which
 * protects less. So it is said loudly, on every call (the next one tries the file again), and
 * each call's report carries the reason.
 */
static struct zrtp_cache *zrtp_cache_get(struct ua *ua)
{
	char path[1024];
	struct event ev;
	int e;

	if (ua->zcache)
		return ua->zcache;
	if ((e = zrtp_cache_path(path, sizeof(path))) != 0) {
		snprintf(ua->zcache_err, sizeof(ua->zcache_err),
			 "no ZRTP cache: neither XDG_DATA_HOME nor HOME is set; retained secrets are off, so read "
			 "the SAS aloud on every call, and sas-verify cannot be stored");
	} else if ((e = zrtp_cache_open(&ua->zcache, path)) == 0) {
		ua->zcache_err[0] = '\0';
		log_info("zrtp: cache %s", path);
		return ua->zcache;
	} else if (e == ELIBACC) {
		/* no ZRTP at all: each call says so (zrtp_strerror) */
		snprintf(ua->zcache_err, sizeof(ua->zcache_err), "%s", zrtp_lib_error());
		return NULL;
	} else {
		snprintf(ua->zcache_err, sizeof(ua->zcache_err),
			 "ZRTP cache %s cannot be opened (%s); retained secrets are off, so read the SAS aloud on "
			 "every call, and sas-verify cannot be stored",
			 path,
			 e == ELOOP   ? "it is a symbolic link" :
			 e == EPERM   ? "it belongs to another user" :
			 e == EINVAL  ? "it is not a regular file" :
			 e == EBADMSG ? "it is not a ZRTP cache; it was left as it is" :
					strerror(e));
	}
	log_warn("%s", ua->zcache_err);
	event_init(&ev, EVENT_WARNING);
	event_str(&ev, "message", ua->zcache_err);
	ua_emit(ua, &ev);
	return NULL;
}

static void call_prm_of(struct uacc *x, struct call_prm *p, const char *media_addr, char *user, size_t usz)
{
	const struct account *a = x->acc;
	const char *pw = NULL;
	struct sip_uri u;
	char perr[200];
	unsigned i;

	memset(p, 0, sizeof(*p));
	p->account = a->name;
	p->local_uri = a->uri;
	p->dname = a->display_name;
	user[0] = '\0';
	if (a->username)
		snprintf(user, usz, "%s", a->username);
	else if (!sip_uri_decode_str(&u, a->uri) && u.user.p)
		pl_strdup(user, usz, u.user);
	if (account_password(x->acc, &pw, perr, sizeof(perr)) == 0 && user[0]) {
		p->username = user;
		p->password = pw;
	}
	p->realms = reg_realms(x->reg);
	p->allow_plaintext_auth = a->allow_plaintext_auth;
	p->refuse_transfers = !a->accept_transfer;
	p->media.addr = media_addr;
	p->media.stun_server = ua_stun_media(x, &p->media.stun_slen);
	p->media.timeout_ms = a->media_timeout * 1000u;
	p->media.srtp = a->media_encryption == ACCOUNT_MEDIA_SDES || a->media_encryption == ACCOUNT_MEDIA_SDES_ZRTP;
	p->media.zrtp = a->media_encryption == ACCOUNT_MEDIA_ZRTP || a->media_encryption == ACCOUNT_MEDIA_SDES_ZRTP;
	p->media.srtp_required = a->srtp_required;
	if (p->media.zrtp) {
		p->media.zrtp_cache = zrtp_cache_get(x->ua);
		p->media.zrtp_cache_error = x->ua->zcache_err;
	}
	p->session_expires = a->session_expires;
	p->refresher = a->session_refresher == ACCOUNT_REFRESHER_LOCAL ? CALL_REFRESHER_LOCAL :
		       a->session_refresher == ACCOUNT_REFRESHER_REMOTE ? CALL_REFRESHER_REMOTE :
									   CALL_REFRESHER_AUTO;
	for (i = 0; i < a->n_suites && p->media.n_suites < SRTP_SUITE_COUNT; i++) {
		enum srtp_suite_id id;
		if (!srtp_suite_from_name(a->srtp_suites[i], &id) && srtp_suite_supported(id))
			p->media.suites[p->media.n_suites++] = id;
	}
	for (i = 0; i < a->n_codecs && p->media.n_codecs < 2; i++) {
		if (!strcasecmp(a->codecs[i], "pcmu"))
			p->media.codecs[p->media.n_codecs++] = 0;
		else if (!strcasecmp(a->codecs[i], "pcma"))
			p->media.codecs[p->media.n_codecs++] = 8;
	}
}

/* Our Contact on a flow: the account's user at the flow's local address. */
static void contact_of(struct uacc *x, struct sip_flow *f, char *buf, size_t sz)
{
	const char *tp = sip_flow_tp_name(f);
	char user[128] = "sphone";
	struct sip_uri u;
	bool sips = sip_flow_is_tls(f) && !strncasecmp(x->acc->uri, "sips:", 5);

	if (!sip_uri_decode_str(&u, x->acc->uri) && u.user.p)
		pl_strdup(user, sizeof(user), u.user);
	snprintf(buf, sz, "%s:%s@%s;transport=%s", sips ? "sips" : "sip", user, sip_flow_laddr(f),
		 !strcmp(tp, "TLS") ? "tls" : !strcmp(tp, "TCP") ? "tcp" : "udp");
}

int ua_ensure_audio(struct ua *ua)
{
	struct call_audio_prm ap;
	char err[256];
	int e;

	if (ua->audio)
		return 0;
	memset(&ap, 0, sizeof(ap));
	e = call_audio_alloc(&ua->audio, ua->l, &ap, err, sizeof(err));
	if (e)
		log_warn("audio: %s", err);
	return e;
}

/* A call's way to its account's current connection (after its own was lost). */
static struct sip_flow *account_flow_h(char *contact, size_t csz, void *arg)
{
	struct uacall *k = arg;
	struct uacc *x = k->x;

	if (!x || !x->flow || !sip_flow_alive(x->flow))
		return NULL;
	contact_of(x, x->flow, contact, csz);
	return x->flow;
}

static call_refer_h refer_h;

static struct call_env env_of(struct ua *ua, struct uacall *k)
{
	struct call_env env = { ua->l, ua->ctm, ua->stm, ua->audio, account_flow_h, k, refer_h, k };
	return env;
}

static struct uacc *account_for_request(struct ua *ua, const struct sip_msg *m, struct sip_flow *flow)
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

/* A response to m sent over flow statelessly, with a Warning saying why (may be NULL). */
static void reply_plain(const struct sip_msg *m, struct sip_flow *flow, uint16_t code, const char *why)
{
	char warn[300];
	struct wbuf w;

	if (why)
		snprintf(warn, sizeof(warn), "Warning: 399 sphone \"%s\"\r\n", why);
	wbuf_init(&w, 0);
	if (!sip_reply_print(&w, m, code, NULL, NULL, why ? warn : NULL, NULL, NULL, 0))
		sip_flow_send(flow, w.p, w.len);
	wbuf_free(&w);
}

/*
 * An INVITE with Replaces (RFC 3891: we are an attended transfer's target): 0 and *oldp, the call it
 * replaces (NULL: none asked); else it was refused here (400, 481, 403, 486, 603).
 */
static int replaces_of(struct ua *ua, const struct sip_msg *m, struct sip_flow *flow, struct uacall **oldp)
{
	const struct sip_hdr *h = sip_msg_hdr_by_name(m, "Replaces");
	struct sip_replaces r;
	uint16_t code = 0;
	const char *why = NULL;

	*oldp = NULL;
	if (!h)
		return 0;
	if (sip_msg_hdr_next(m, h) || sip_replaces_decode(&r, h->val)) {
		reply_plain(m, flow, 400, "malformed Replaces");
		return EBADMSG;
	}
	for (size_t i = 0; i < UA_MAX_CALLS; i++) {
		struct uacall *k = ua->calls[i];
		if (k && k->c && call_replaces_check(k->c, &r, flow, &code, &why) == 0) {
			if (code) {
				reply_plain(m, flow, code, why);
				return EPERM;
			}
			*oldp = k;
			return 0;
		}
	}
	reply_plain(m, flow, 481, "no such call to replace");
	return ENOENT;
}

static void incoming_invite(struct ua *ua, const struct sip_msg *m, struct sip_flow *flow)
{
	struct uacc *x = account_for_request(ua, m, flow);
	struct uacall *k, *old = NULL;
	struct call_prm p;
	struct call_env env;
	char contact[300], maddr[80], user[128];
	struct wbuf w;

	if (replaces_of(ua, m, flow, &old))
		return;
	k = (x && !ua->shutting_down && !ua_ensure_audio(ua)) ? uacall_new(ua, x) : NULL;
	if (!k) {
		wbuf_init(&w, 0);
		if (!sip_reply_print(&w, m, ua->shutting_down ? 480 : 486, NULL, NULL, NULL, NULL, NULL, 0))
			sip_flow_send(flow, w.p, w.len);
		wbuf_free(&w);
		return;
	}
	contact_of(x, flow, contact, sizeof(contact));
	ua_flow_host(flow, maddr, sizeof(maddr));
	call_prm_of(x, &p, maddr, user, sizeof(user));
	/* a replacement is held to the replaced call's protection, and answered at once (RFC 3891 3) */
	if (old && call_secure(old->c))
		p.media.srtp = p.media.srtp_required = true;
	env = env_of(ua, k);
	if (old)
		k->replaces = call_id(old->c);
	if (call_incoming(&k->c, &env, &p, flow, contact, m, call_ev_h, k))
		uacall_drop(ua, k);
	else {
		if (old && call_state(k->c) == CALL_INCOMING)
			tmr_start(ua->l, &k->ans, 0, ans_h, k);
		ua_history_call_start(ua->hist, call_id(k->c), x->acc->name, NULL, flow);
		tones_update(ua); /* its "incoming" came before call_incoming gave us the call */
	}
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
		incoming_invite(ua, m, flow);
		goto out;
	}
	/* message-summary for an account's voicemail indicator, in its subscription or sent unasked */
	if (mid == SIP_METHOD_NOTIFY && ua_mwi_notify(account_for_request(ua, m, flow), m, flow))
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

/* ---------------- calls, typed ---------------- */

/* The live call id names (0: the current call) into *kp: 0, EINVAL, ESHUTDOWN or ENOENT. */
static int call_of(struct ua *ua, unsigned id, struct uacall **kp)
{
	if (!ua)
		return EINVAL;
	if (ua->shutting_down)
		return ESHUTDOWN;
	*kp = id ? call_by_id(ua, id) : call_current(ua);
	return *kp ? 0 : ENOENT;
}

bool ua_call_exists(struct ua *ua, unsigned id)
{
	struct uacall *k = ua && id ? call_by_id(ua, id) : NULL;

	return k && call_state(k->c) != CALL_ENDED;
}

unsigned ua_call_current(struct ua *ua, bool ringing)
{
	struct uacall *k = NULL;

	if (!ua)
		return 0;
	if (ringing)
		k = call_in_state(ua, CALL_INCOMING);
	if (!k)
		k = call_current(ua);
	return k ? call_id(k->c) : 0;
}

/* Ready to carry a call: registered (refreshes included) over a connection that is up. */
static bool account_ready(const struct uacc *x)
{
	enum reg_state st = reg_state(x->reg);

	return (st == REG_REGISTERED || st == REG_REFRESHING) && x->flow && sip_flow_alive(x->flow);
}

/* The one rule (ua.h, README "Calling"): the account named, else the first ready one in file order. */
static int account_for_call(struct ua *ua, const char *name, struct uacc **xp, char *why, size_t whysz)
{
	size_t i;

	if (name) {
		if (!(*xp = ua_account_find(ua, name))) {
			snprintf(why, whysz, "no account '%s'", name);
			return ENOENT;
		}
		if (!account_ready(*xp)) {
			snprintf(why, whysz, "account '%s' is not registered now (wait for 'registered')", name);
			return ENOTCONN;
		}
		return 0;
	}
	for (i = 0; i < ua->n; i++) {
		if (account_ready(ua->a[i])) {
			*xp = ua->a[i];
			return 0;
		}
	}
	snprintf(why, whysz, "no account is connected yet (wait for 'registered')");
	return ENOTCONN;
}

int ua_resolve(struct ua *ua, const char *account, const char *dialled, struct ua_target *t, char *why,
	       size_t whysz)
{
	struct dial_contact *contacts = NULL;
	struct uacc *x = NULL;
	char ignore[8], uri[sizeof(t->uri)];
	size_t i, n = 0;
	int e;

	if (!why || !whysz) {
		why = ignore;
		whysz = sizeof(ignore);
	}
	why[0] = '\0';
	if (!ua || !dialled || !t)
		return EINVAL;
	if ((e = account_for_call(ua, account, &x, why, whysz)) != 0)
		return e;
	n = account_conf_contact_count(ua->conf);
	if (n && !(contacts = calloc(n, sizeof(*contacts))))
		return ENOMEM;
	for (i = 0; i < n; i++)
		account_conf_contact(ua->conf, i, &contacts[i].name, &contacts[i].uri);
	e = dial_resolve(dialled, x->acc->uri, contacts, n, uri, sizeof(uri));
	free(contacts);
	if (e) {
		snprintf(why, whysz, "cannot call '%s': %s", dialled,
			 e == ENOSPC ? "too long" :
				       "not a sip:/sips: URI, a number, a contact or a name the account's domain can take");
		return e;
	}
	snprintf(t->uri, sizeof(t->uri), "%s", uri);
	snprintf(t->account, sizeof(t->account), "%s", x->acc->name);
	return 0;
}

int ua_call(struct ua *ua, const char *account, const char *uri, unsigned *idp, char *why, size_t whysz)
{
	struct uacc *x = NULL;
	struct uacall *k, *cur;
	struct call_prm p;
	struct call_env env;
	char contact[300], maddr[80], user[128], ignore[8];
	int e;

	if (!why || !whysz) {
		why = ignore;
		whysz = sizeof(ignore);
	}
	why[0] = '\0';
	if (!ua || !uri)
		return EINVAL;
	if (ua->shutting_down)
		return ESHUTDOWN;
	if ((e = account_for_call(ua, account, &x, why, whysz)) != 0)
		return e;
	if ((e = ua_ensure_audio(ua)) != 0) {
		snprintf(why, whysz, "audio device unusable: %s", strerror(e));
		return e;
	}
	k = uacall_new(ua, x);
	if (!k) {
		snprintf(why, whysz, "too many calls");
		return EBUSY;
	}
	cur = call_current(ua);
	contact_of(x, x->flow, contact, sizeof(contact));
	ua_flow_host(x->flow, maddr, sizeof(maddr));
	call_prm_of(x, &p, maddr, user, sizeof(user));
	env = env_of(ua, k);
	e = call_connect(&k->c, &env, &p, x->flow, contact, uri, call_ev_h, k);
	if (e) {
		uacall_drop(ua, k);
		if (e == EPERM)
			snprintf(why, whysz, "refusing to send SRTP keys over %s: the account's connection is not TLS",
				 sip_flow_tp_name(x->flow));
		else
			snprintf(why, whysz, "cannot call '%s': %s", uri, e == EINVAL ? "not a sip:/sips: URI" : strerror(e));
		return e;
	}
	ua_history_call_start(ua->hist, call_id(k->c), x->acc->name, uri, x->flow);
	if (cur && cur != k)
		hold_others(ua, k);
	call_set_active(k->c, true);
	if (idp)
		*idp = call_id(k->c);
	return 0;
}

/*
 * The far end of call c asks us to call r->target (call_xfer.c checked it): with the same account,
 * held to the old call's protection (TLS, SRTP required) whatever the account allows.
 */
static int refer_h(struct call *c, const struct call_refer *r, unsigned *idp, char *why, size_t whysz, void *arg)
{
	struct uacall *old = arg, *k;
	struct ua *ua = old->ua;
	struct uacc *x = old->x;
	struct call_prm p;
	struct call_env env;
	char contact[300], maddr[80], user[128];
	int e;

	if (ua->shutting_down) {
		snprintf(why, whysz, "shutting down");
		return ESHUTDOWN;
	}
	if (!x || !x->flow || !sip_flow_alive(x->flow)) {
		snprintf(why, whysz, "the account has no connection now");
		return ENOTCONN;
	}
	if (r->tls_required && !sip_flow_is_tls(x->flow)) {
		snprintf(why, whysz, "the call was signalled over TLS; the account's connection is %s",
			 sip_flow_tp_name(x->flow));
		return EPERM;
	}
	if ((e = ua_ensure_audio(ua)) != 0) {
		snprintf(why, whysz, "audio device unusable");
		return e;
	}
	if (!(k = uacall_new(ua, x))) {
		snprintf(why, whysz, "too many calls");
		return EBUSY;
	}
	contact_of(x, x->flow, contact, sizeof(contact));
	ua_flow_host(x->flow, maddr, sizeof(maddr));
	call_prm_of(x, &p, maddr, user, sizeof(user));
	if (r->srtp_required)
		p.media.srtp = p.media.srtp_required = true;
	env = env_of(ua, k);
	e = call_connect_referred(&k->c, &env, &p, x->flow, contact, r, call_ev_h, k);
	if (e) {
		uacall_drop(ua, k);
		snprintf(why, whysz, "cannot call %s: %s", r->target, e == EPERM ? "SRTP keys would go over a connection that is not TLS" : strerror(e));
		return e;
	}
	k->referred_from = call_id(c);
	ua_history_call_start(ua->hist, call_id(k->c), x->acc->name, r->target, x->flow);
	/* the audio goes to the new call; the old one waits as the transferor left it */
	call_set_active(c, false);
	call_set_active(k->c, true);
	*idp = call_id(k->c);
	return 0;
}

int ua_transfer(struct ua *ua, unsigned id, const char *dialled, char *why, size_t whysz)
{
	struct ua_target t;
	struct uacall *k;
	char ignore[8];
	int e;

	if (!why || !whysz) {
		why = ignore;
		whysz = sizeof(ignore);
	}
	why[0] = '\0';
	if (!dialled)
		return EINVAL;
	if ((e = call_of(ua, id, &k)) != 0) {
		snprintf(why, whysz, "no call to transfer");
		return e;
	}
	if ((e = ua_resolve(ua, k->x ? k->x->acc->name : NULL, dialled, &t, why, whysz)) != 0)
		return e;
	e = call_transfer(k->c, t.uri);
	if (e)
		snprintf(why, whysz, "%s", e == EPROTO ? "the call is not established" :
					   e == EBUSY ? "a transfer of this call is under way" :
					   e == ENOTCONN ? "no signalling connection right now; try again" :
					   e == EINVAL ? "not a sip:/sips: address" : strerror(e));
	return e;
}

int ua_voicemail(struct ua *ua, const char *account, unsigned *idp, char *why, size_t whysz)
{
	struct uacc *x = NULL, *any = NULL;
	struct ua_target t;
	int e;

	if (!ua || !why || !whysz)
		return EINVAL;
	if (account) {
		if (!(x = ua_account_find(ua, account))) {
			snprintf(why, whysz, "no account '%s'", account);
			return ENOENT;
		}
		if (!x->acc->voicemail) {
			snprintf(why, whysz, "account %s has no voicemail number (voicemail = in its section)", account);
			return ENOENT;
		}
	} else {
		/* the first account with a voicemail number that can call now, else the first with one */
		for (size_t i = 0; i < ua->n && !x; i++) {
			if (!ua->a[i]->acc->voicemail)
				continue;
			if (!any)
				any = ua->a[i];
			if (account_ready(ua->a[i]))
				x = ua->a[i];
		}
		if (!x)
			x = any;
		if (!x) {
			snprintf(why, whysz, "no account has a voicemail number (voicemail = in its section)");
			return ENOENT;
		}
	}
	if ((e = ua_resolve(ua, x->acc->name, x->acc->voicemail, &t, why, whysz)) != 0)
		return e;
	return ua_call(ua, t.account, t.uri, idp, why, whysz);
}

int ua_transfer_attended(struct ua *ua, unsigned id, unsigned id2, char *why, size_t whysz)
{
	struct uacall *k, *k2;
	char ignore[8];
	int e;

	if (!why || !whysz) {
		why = ignore;
		whysz = sizeof(ignore);
	}
	why[0] = '\0';
	if ((e = call_of(ua, id, &k)) != 0 || (e = call_of(ua, id2, &k2)) != 0) {
		snprintf(why, whysz, "no such call");
		return e;
	}
	e = call_transfer_attended(k->c, k2->c);
	if (e)
		snprintf(why, whysz, "%s", e == EPROTO ? "both calls must be established" :
					   e == EBUSY ? "a transfer of this call is under way" :
					   e == ENOTCONN ? "no signalling connection right now; try again" :
					   e == EINVAL ? "a call cannot be transferred to itself" : strerror(e));
	return e;
}

int ua_answer(struct ua *ua, unsigned id)
{
	struct uacall *k;
	int e;

	if ((e = call_of(ua, id ? id : ua_call_current(ua, true), &k)) != 0)
		return e;
	hold_others(ua, k);
	e = call_answer(k->c);
	if (!e)
		call_set_active(k->c, true);
	return e;
}

int ua_hangup(struct ua *ua, unsigned id)
{
	struct uacall *k;
	int e;

	if ((e = call_of(ua, id, &k)) != 0)
		return e;
	return call_hangup(k->c);
}

int ua_hold(struct ua *ua, unsigned id, bool hold)
{
	struct uacall *k;
	int e;

	if ((e = call_of(ua, id, &k)) != 0)
		return e;
	if (!hold)
		hold_others(ua, k);
	e = call_hold(k->c, hold);
	if (!e && !hold)
		call_set_active(k->c, true);
	return e;
}

int ua_mute(struct ua *ua, unsigned id, bool mute)
{
	struct uacall *k;
	int e;

	if ((e = call_of(ua, id, &k)) != 0)
		return e;
	return call_mute(k->c, mute);
}

int ua_dtmf(struct ua *ua, unsigned id, const char *digits)
{
	struct uacall *k;
	int e;

	if ((e = call_of(ua, id, &k)) != 0)
		return e;
	return call_dtmf(k->c, digits);
}

/* Hold the current call and resume to (default: the next other established call). */
int ua_switch(struct ua *ua, unsigned id)
{
	struct uacall *cur, *to = NULL;
	size_t i;

	if (!ua)
		return EINVAL;
	if (ua->shutting_down)
		return ESHUTDOWN;
	cur = call_current(ua);
	if (id) {
		to = call_by_id(ua, id);
	} else {
		for (i = 0; i < UA_MAX_CALLS && !to; i++) {
			struct uacall *k = ua->calls[i];
			if (k && !k->dead && k != cur && call_state(k->c) == CALL_ESTABLISHED)
				to = k;
		}
	}
	if (!to)
		return ENOENT;
	if (to == cur)
		return EALREADY;
	hold_others(ua, to);
	if (call_on_hold(to->c))
		call_hold(to->c, false);
	call_set_active(to->c, true);
	return 0;
}

int ua_verify(struct ua *ua, unsigned id)
{
	struct uacall *k;
	int e;

	if ((e = call_of(ua, id, &k)) != 0)
		return e;
	call_verify(k->c);
	return 0;
}

int ua_sas_confirm(struct ua *ua, unsigned id, bool verified)
{
	struct uacall *k;
	int e;

	if ((e = call_of(ua, id, &k)) != 0)
		return e;
	return call_sas_confirm(k->c, verified);
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
