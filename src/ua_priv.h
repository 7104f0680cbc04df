/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ua_priv.h: what ua.c, ua_call.c, ua_cmd.c and the other ua_*.c files share: the user agent's state (accounts, calls) and its event sink. */
#ifndef SPHONE_UA_PRIV_H
#define SPHONE_UA_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "call.h"
#include "call_audio.h"
#include "dns.h"
#include "loop.h"
#include "reg.h"
#include "ua.h"

struct account;
struct account_conf;
struct call;
struct call_audio;
struct sip_ctrans;
struct sip_ctrans_mgr;
struct sip_flow;
struct sip_msg;
struct sip_flow_wait;
struct sip_strans_mgr;
struct sip_transp;
struct tls_ctx;
struct zrtp_cache;
struct ua_hist;
struct ua_mwi;
struct wbuf;

#define UA_MAX_ACCOUNTS 32
#define UNREG_TIMEOUT_MS 2000
#define UA_MAX_CALLS 8

/* One account at run time: where its registrar is, the flow to it, its registration. */
struct uacc {
	struct ua *ua;
	struct account *acc;
	struct tls_ctx *tls;
	struct reg *reg;
	struct dns_req dreq;
	char dhost[256];

	struct dns_target targets[DNS_MAX_TARGETS];
	size_t ntargets, tidx;
	struct dns_query *dq;
	struct sip_flow_wait *fw;
	struct sip_flow *flow;

	/* the one request reg has out (reg sends one at a time) */
	bool busy;
	reg_build_h *build;
	void *barg;
	reg_resp_h *resp;
	void *rarg;
	struct sip_ctrans *ct;
	struct tmr step;      /* defers work out of send() */
	int fail_err;
	char fail_why[320];

	bool stopping;
	struct ua_mwi *mwi;   /* the voicemail indicator (ua_mwi.c) */
	struct ua_stun *stun; /* the stun_server's address for the calls' media (ua_stun.c), NULL: none */

	/* ua_net.c: calls to move once registered again (and since when there is trouble), a flow to report recovered */
	bool net_pending;
	uint64_t net_since;
	bool net_recover;
};

/* One call and what the UA keeps beside it. */
struct uacall {
	struct ua *ua;
	struct call *c;
	struct uacc *x;
	struct tmr hup;   /* --hangup-after */
	struct tmr ans;   /* --auto-answer */
	bool dead;
	unsigned referred_from; /* the call whose far end asked for this one (a transfer), 0 if none */
	unsigned replaces;      /* the call this one replaces once established (INVITE with Replaces), 0 if none */
	bool early_media; /* outgoing: the far end's 18x came with audio of its own */
	bool net_todo;    /* ua_net.c: to be moved to the account's new flow and address */
};

struct ua {
	struct loop *l;
	struct account_conf *conf;
	ua_event_h *eh;
	void *arg;
	struct sip_transp *tp;
	struct sip_ctrans_mgr *ctm;
	struct sip_strans_mgr *stm;
	struct uacall *calls[UA_MAX_CALLS];
	struct call_audio *audio;
	enum call_audio_tone_id tone; /* the sound call_audio_tone was last asked for */
	bool auto_answer;
	unsigned hangup_after;
	struct tmr reap_tmr;
	bool udp_listening;
	size_t n;
	struct uacc *a[UA_MAX_ACCOUNTS];
	/* ZRTP's retained secrets, opened when the first call wants ZRTP; zcache_err: why it is not */
	struct zrtp_cache *zcache;
	char zcache_err[1400];
	struct ua_hist *hist; /* hooks, call history, missed count (ua_history.c) */
	struct ua_net *net;   /* network changes (ua_net.c) */

	bool shutting_down;
	unsigned stops_pending;
	ua_done_h *done;
	void *done_arg;
	struct tmr done_tmr;
};

/* The shared audio device, opened (silent, the file device) when nothing opened it yet. 0 or its error. */
int ua_ensure_audio(struct ua *ua);
/* call_audio_warn_h (arg: the ua): what the sound device did, as a "warning" event (ua_audio.c). */
void ua_audio_warn(const char *msg, void *arg);

/* Hands ev to the front end (ua_alloc's handler). */
void ua_emit(struct ua *ua, const struct event *ev);

/* ---- ua.c: the call list and each call's events ---- */
/* A free slot for a call of account x (its call made by the caller), or NULL: too many calls, ENOMEM. */
struct uacall *uacall_new(struct ua *ua, struct uacc *x);
/* The slot emptied and the call freed (one whose call never started). */
void uacall_drop(struct ua *ua, struct uacall *k);
/* The live call with this id, or NULL. */
struct uacall *uacall_find(struct ua *ua, unsigned id);
/* The first live call in state st, or NULL. */
struct uacall *uacall_in_state(struct ua *ua, enum call_state st);
/* The established call that is not on hold (the one the user talks in), else any established one. */
struct uacall *uacall_current(struct ua *ua);
/* Puts every other established call on hold and takes the audio from it. */
void uacall_hold_others(struct ua *ua, struct uacall *keep);
/* The call's event handler (call_event_h; arg: the uacall): to the front end, history, tones, timers. */
void uacall_event_h(struct call *c, const struct event *ev, void *arg);
/* Timer handler (arg: the uacall): answers it, holding the others (--auto-answer, Replaces). */
void uacall_answer_h(void *arg);
/* Ringtone, call-waiting beep, ring-back or none, as the calls now stand (tone_policy.c decides). */
void ua_tones_update(struct ua *ua);
/* The account a request is for: the one whose flow it came on, else by the Request-URI's user, else the first. */
struct uacc *ua_request_account(struct ua *ua, const struct sip_msg *m, struct sip_flow *flow);

/* ---- ua_call.c: calls placed and taken ---- */
/* A new INVITE (no To tag) that came on flow: a new call, or refused (480, 486; Replaces: 400, 403, 481...). */
void ua_call_incoming(struct ua *ua, const struct sip_msg *m, struct sip_flow *flow);

/* ---- ua_account.c ---- */
/* Account a at run time: its TLS context, registrar lookup and registration (nothing sent yet). err: why not. */
int ua_account_alloc(struct uacc **xp, struct ua *ua, struct account *a, char *err, size_t errsz);
/* Stops everything silently (no un-REGISTER). NULL-safe. */
void ua_account_free(struct uacc *x);
/* The account named name, or NULL. */
struct uacc *ua_account_find(struct ua *ua, const char *name);
/* Builds a request for the account's current flow (Via, Contact address): build's bytes into w. ENOTCONN: no flow. */
int ua_account_build(struct uacc *x, reg_build_h *build, void *barg, struct wbuf *w);
/* sip_send_h sending on the account's current flow (EPIPE when it is gone). */
int ua_account_tsend(const void *data, size_t len, void *arg);

/* ---- ua_mwi.c: the voicemail indicator of one account ---- */
int ua_mwi_alloc(struct ua_mwi **mp, struct uacc *x, const char *password);
void ua_mwi_free(struct ua_mwi *mw);
/* The account registered: subscribe (mwi = yes). */
void ua_mwi_registered(struct ua_mwi *mw);
/* Its flow was lost: the subscription went with it. */
void ua_mwi_conn_lost(struct ua_mwi *mw);
/* Un-SUBSCRIBE, best effort (shutting down or unregistering). */
void ua_mwi_stop(struct ua_mwi *mw);
void ua_mwi_status(const struct ua_mwi *mw, struct event *ev);
/* A NOTIFY for account x that arrived on flow: answered (statelessly) and true when it was the indicator's. */
bool ua_mwi_notify(struct uacc *x, const struct sip_msg *req, struct sip_flow *flow);

/* ---- ua_history.c: hooks and the call history ---- */
int ua_history_alloc(struct ua_hist **hp, struct ua *ua);
void ua_history_free(struct ua_hist *hh);
/* Every call event, after the front end has it: on_incoming, the record when it ends, on_missed. */
void ua_history_call_event(struct ua_hist *hh, const struct event *ev);
/* A call's start: peer (placed calls; NULL for incoming ones) and the flow it uses (its TLS facts). */
void ua_history_call_start(struct ua_hist *hh, unsigned id, const char *account, const char *peer,
			   const struct sip_flow *flow);

/* ---- ua_stun.c ---- */
struct ua_stun;
/* Starts looking the account's stun_server up (*sp NULL without one). 0 or ENOMEM. */
int ua_stun_alloc(struct ua_stun **sp, struct uacc *x);
void ua_stun_free(struct ua_stun *s);
/*
 * The account's STUN server's address for a call's media; NULL without a stun_server, or when its
 * lookup has not succeeded (then a "network" event says so, and a failed or old lookup is started
 * again for the next call).
 */
const struct sockaddr *ua_stun_media(struct uacc *x, socklen_t *len);
/* ---- ua_net.c: network changes (netlink, dead flows): stale flows given up, re-registration, calls moved ---- */
struct ua_net;
int ua_net_alloc(struct ua_net **np, struct ua *ua);
void ua_net_free(struct ua_net *n);
/* Account x's flow was lost (lost_h): its calls move once it is registered again. */
void ua_net_flow_lost(struct uacc *x, const char *why);
/* Account x registered (reg's event): a recovered flow is reported, pending calls are moved. */
void ua_net_registered(struct uacc *x);
/* The flow's local host without brackets (for RTP and comparisons). */
void ua_flow_host(const struct sip_flow *f, char *buf, size_t sz);
/*
 * The source address the kernel would pick now to reach raddr ("host:port", "[v6]:port"), as text:
 * a connected UDP socket, nothing sent. 0, EINVAL, or the connect errno (ENETUNREACH: no route).
 */
int ua_net_route_src(const char *raddr, char *out, size_t sz);

#endif
