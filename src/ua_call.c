/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ua_call.c: the UA's calls placed and taken: an account's settings as call parameters (with the ZRTP
 * cache opened on first use), our Contact, incoming INVITEs (Replaces), the far end's REFER placing a
 * new call, and the typed call API of ua.h (ua_resolve, ua_call, ua_answer, ua_hold, ua_transfer...).
 */
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
#include "sip_msg.h"
#include "sip_refer.h"
#include "sip_transp.h"
#include "sip_uri.h"
#include "srtp.h"
#include "ua.h"
#include "ua_priv.h"
#include "zrtp.h"

/* ---------------- a call's parameters ---------------- */

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

/* The account's settings as call parameters; user (usz bytes) holds the user name they point to. */
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
	p->refuse_transfers = a->accept_transfer == ACCOUNT_TRANSFER_NO;
	p->ask_transfers = a->accept_transfer == ACCOUNT_TRANSFER_ASK;
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

/* ---------------- incoming INVITEs ---------------- */

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

void ua_call_incoming(struct ua *ua, const struct sip_msg *m, struct sip_flow *flow)
{
	struct uacc *x = ua_request_account(ua, m, flow);
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
	if (call_incoming(&k->c, &env, &p, flow, contact, m, uacall_event_h, k))
		uacall_drop(ua, k);
	else {
		if (old && call_state(k->c) == CALL_INCOMING)
			tmr_start(ua->l, &k->ans, 0, uacall_answer_h, k);
		ua_history_call_start(ua->hist, call_id(k->c), x->acc->name, NULL, flow);
		ua_tones_update(ua); /* its "incoming" came before call_incoming gave us the call */
	}
}

/* ---------------- calls, typed ---------------- */

/* The live call id names (0: the current call) into *kp: 0, EINVAL, ESHUTDOWN or ENOENT. */
static int call_of(struct ua *ua, unsigned id, struct uacall **kp)
{
	if (!ua)
		return EINVAL;
	if (ua->shutting_down)
		return ESHUTDOWN;
	*kp = id ? uacall_find(ua, id) : uacall_current(ua);
	return *kp ? 0 : ENOENT;
}

bool ua_call_exists(struct ua *ua, unsigned id)
{
	struct uacall *k = ua && id ? uacall_find(ua, id) : NULL;

	return k && call_state(k->c) != CALL_ENDED;
}

unsigned ua_call_current(struct ua *ua, bool ringing)
{
	struct uacall *k = NULL;

	if (!ua)
		return 0;
	if (ringing)
		k = uacall_in_state(ua, CALL_INCOMING);
	if (!k)
		k = uacall_current(ua);
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
	cur = uacall_current(ua);
	contact_of(x, x->flow, contact, sizeof(contact));
	ua_flow_host(x->flow, maddr, sizeof(maddr));
	call_prm_of(x, &p, maddr, user, sizeof(user));
	env = env_of(ua, k);
	e = call_connect(&k->c, &env, &p, x->flow, contact, uri, uacall_event_h, k);
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
		uacall_hold_others(ua, k);
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
	e = call_connect_referred(&k->c, &env, &p, x->flow, contact, r, uacall_event_h, k);
	if (e) {
		uacall_drop(ua, k);
		snprintf(why, whysz, "cannot call %s: %s", r->shown ? r->shown : r->target, e == EPERM ? "SRTP keys would go over a connection that is not TLS" : strerror(e));
		return e;
	}
	k->referred_from = call_id(c);
	ua_history_call_start(ua->hist, call_id(k->c), x->acc->name, r->shown ? r->shown : r->target, x->flow);
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

int ua_transfer_answer(struct ua *ua, unsigned id, bool accept)
{
	struct uacall *k = NULL;
	int e;

	/* without an id: the call whose transfer waits for an answer */
	for (size_t i = 0; ua && !id && !k && i < UA_MAX_CALLS; i++)
		if (ua->calls[i] && !ua->calls[i]->dead && call_transfer_asked(ua->calls[i]->c))
			k = ua->calls[i];
	if (!k && (e = id ? call_of(ua, id, &k) : ua ? ENOENT : EINVAL) != 0)
		return e;
	e = call_transfer_answer(k->c, accept);
	return e == ENOENT ? ENOMSG : e;
}

int ua_answer(struct ua *ua, unsigned id)
{
	struct uacall *k;
	int e;

	if ((e = call_of(ua, id ? id : ua_call_current(ua, true), &k)) != 0)
		return e;
	uacall_hold_others(ua, k);
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
		uacall_hold_others(ua, k);
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
	cur = uacall_current(ua);
	if (id) {
		to = uacall_find(ua, id);
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
	uacall_hold_others(ua, to);
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
