/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ua_account.c: one account at run time: its registrar found by DNS (RFC 3263), the flow to it, and the requests its registration sends. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "account.h"
#include "buf.h"
#include "dns.h"
#include "event.h"
#include "log.h"
#include "loop.h"
#include "reg.h"
#include "sip_ctrans.h"
#include "sip_msg.h"
#include "sip_transp.h"
#include "sip_uri.h"
#include "tls.h"
#include "ua.h"
#include "ua_priv.h"

static enum sip_tp tp_of(enum dns_transp t)
{
	return t == DNS_TLS ? SIP_TP_TLS : t == DNS_TCP ? SIP_TP_TCP : SIP_TP_UDP;
}

/* ---------------- the sender reg uses ---------------- */

static void finish(struct uacc *x, int err, const struct sip_msg *m, const char *why)
{
	reg_resp_h *h = x->resp;
	void *harg = x->rarg;

	x->busy = false;
	x->resp = NULL;
	x->build = NULL;
	if (h)
		h(err, m, why, harg);
}

/* The registrar granted RFC 5626 outbound on the flow: pongs awaited from the first ping, at its Flow-Timer. */
static void flow_outbound(struct uacc *x, const struct sip_msg *resp)
{
	unsigned ft = 0, ms, mine = x->acc->keepalive_interval * 1000u;

	if (!x->flow || !reg_resp_outbound(resp, &ft))
		return;
	ms = ft * 1000u;
	/* RFC 5626 4.4.1: at most the registrar's Flow-Timer; more often if the account asks */
	if (mine && (!ms || mine < ms))
		ms = mine;
	sip_flow_set_outbound(x->flow, ms);
}

/*
 * A REGISTER on a TCP/TLS connection got no answer at all: the connection is dead even if the socket
 * does not say so (a NAT that forgot it swallows everything silently; a registrar without outbound
 * never answered a ping that would have shown it). Give it up: the registration goes on at once on a
 * new connection (lost_h -> reg_conn_lost_why). true when that took the request over.
 */
static bool flow_dead(struct uacc *x)
{
	struct sip_flow *f = x->flow;

	if (!f || sip_flow_tp(f) == SIP_TP_UDP || !sip_flow_alive(f))
		return false;
	sip_flow_ref(f);
	sip_flow_abort(f, ETIMEDOUT, "no answer to the REGISTER on this connection: giving it up");
	sip_flow_unref(f);
	return !x->resp; /* reg_conn_lost_why cancelled the request (registered or refreshing) */
}

static void ctrans_h(int err, const struct sip_msg *resp, void *arg)
{
	struct uacc *x = arg;
	char why[200];

	if (!err && resp && sip_msg_status(resp) < 200)
		return;
	sip_ctrans_free(x->ct);
	x->ct = NULL;
	if (err == ETIMEDOUT && flow_dead(x))
		return;
	if (err == ETIMEDOUT)
		snprintf(why, sizeof(why), "no answer from the registrar (timeout)");
	else if (err)
		snprintf(why, sizeof(why), "sending the REGISTER failed: %s", strerror(err));
	else
		flow_outbound(x, resp);
	finish(x, err, err ? NULL : resp, err ? why : NULL);
}

int ua_account_tsend(const void *data, size_t len, void *arg)
{
	struct uacc *x = arg;

	if (!x->flow || !sip_flow_alive(x->flow))
		return EPIPE;
	return sip_flow_send(x->flow, data, len);
}

int ua_account_build(struct uacc *x, reg_build_h *build, void *barg, struct wbuf *w)
{
	struct reg_flow_info fi;
	char branch[SIP_BRANCH_SIZE], via[300];
	struct wbuf vw;
	int e;

	if (!x->flow)
		return ENOTCONN;
	wbuf_init_static(&vw, via, sizeof(via));
	if ((e = sip_ctrans_branch_new(branch, sizeof(branch))) != 0 ||
	    (e = sip_ctrans_via_print(&vw, sip_flow_tp_name(x->flow), sip_flow_lhost(x->flow),
				      sip_flow_lport(x->flow), branch)) != 0)
		return e;
	memset(&fi, 0, sizeof(fi));
	fi.transport = sip_flow_tp_name(x->flow);
	fi.laddr = sip_flow_laddr(x->flow);
	fi.secure = sip_flow_is_tls(x->flow);
	fi.tls = sip_flow_tls_info(x->flow);
	fi.via = via;
	return build(w, &fi, barg);
}

/* The flow is up: build the request for it and start the transaction. */
static void send_on_flow(struct uacc *x)
{
	struct sip_tsend ts = { ua_account_tsend, x, sip_flow_tp(x->flow) != SIP_TP_UDP };
	struct wbuf w;
	int e;

	wbuf_init(&w, 0);
	e = ua_account_build(x, x->build, x->barg, &w);
	if (e)
		goto out;
	e = sip_ctrans_send(&x->ct, x->ua->ctm, &ts, w.p, w.len, ctrans_h, x);
out:
	wbuf_free(&w);
	if (e) {
		char why[160];
		snprintf(why, sizeof(why), "cannot send the REGISTER: %s", strerror(e));
		finish(x, e, NULL, why);
	}
}

static void connect_next(struct uacc *x);

static void flow_ready_h(int err, const char *why, struct sip_flow *flow, void *arg)
{
	struct uacc *x = arg;
	const struct dns_target *t = &x->targets[x->tidx];

	sip_flow_wait_cancel(x->fw);
	x->fw = NULL;
	if (err) {
		if (t->transp == DNS_TLS && err == EPROTO)
			snprintf(x->fail_why, sizeof(x->fail_why), "TLS: %s", why ? why : "handshake failed");
		else
			snprintf(x->fail_why, sizeof(x->fail_why), "%s", why ? why : strerror(err));
		x->fail_err = err;
		log_info("account %s: %s:%u (%s) failed: %s", x->acc->name, t->addr_str, t->port,
			 dns_transp_name(t->transp), x->fail_why);
		/* a certificate problem will be the same on the next address: report it */
		if (err == EPROTO) {
			finish(x, err, NULL, x->fail_why);
			return;
		}
		x->tidx++;
		connect_next(x);
		return;
	}
	if (x->flow != flow) {
		if (x->flow)
			sip_flow_unref(x->flow);
		sip_flow_ref(flow);
		x->flow = flow;
	}
	send_on_flow(x);
}

static void connect_next(struct uacc *x)
{
	struct sip_dest d;
	const struct dns_target *t;
	int e;

	if (x->tidx >= x->ntargets) {
		finish(x, x->fail_err ? x->fail_err : ECONNREFUSED, NULL,
		       x->fail_why[0] ? x->fail_why : "no registrar address to try");
		return;
	}
	t = &x->targets[x->tidx];
	memset(&d, 0, sizeof(d));
	d.tp = tp_of(t->transp);
	memcpy(&d.addr, &t->addr, sizeof(d.addr));
	d.addrlen = t->addrlen;
	d.tls_name = t->tls_name;
	d.tls = x->tls;
	if (d.tp == SIP_TP_TLS && !x->tls) {
		finish(x, EPROTO, NULL, "TLS is needed but the account's TLS settings are unusable");
		return;
	}
	if (d.tp == SIP_TP_UDP && !x->ua->udp_listening) {
		struct sockaddr_storage any;
		memset(&any, 0, sizeof(any));
		any.ss_family = t->addr.ss_family;
		e = sip_transp_listen(x->ua->tp, SIP_TP_UDP, (struct sockaddr *)&any,
				      any.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
								   sizeof(struct sockaddr_in),
				      NULL, NULL);
		if (!e)
			x->ua->udp_listening = true;
	}
	e = sip_transp_flow_get(x->ua->tp, &d, flow_ready_h, x, &x->fw);
	if (e) {
		snprintf(x->fail_why, sizeof(x->fail_why), "cannot reach %s:%u: %s", t->addr_str, t->port,
			 strerror(e));
		x->fail_err = e;
		x->tidx++;
		connect_next(x);
	}
}

static void dns_done_h(int err, const struct dns_target *targets, size_t n, const char *errmsg, void *arg)
{
	struct uacc *x = arg;
	char why[320];

	/* targets and errmsg belong to the query: copy before freeing it */
	if (err || !n) {
		snprintf(why, sizeof(why), "cannot find the registrar for %s: %s", x->dhost,
			 errmsg && *errmsg ? errmsg : strerror(err ? err : ENOENT));
		dns_query_free(x->dq);
		x->dq = NULL;
		finish(x, err ? err : ENOENT, NULL, why);
		return;
	}
	if (n > DNS_MAX_TARGETS)
		n = DNS_MAX_TARGETS;
	memcpy(x->targets, targets, n * sizeof(*targets));
	dns_query_free(x->dq);
	x->dq = NULL;
	x->ntargets = n;
	x->tidx = 0;
	x->fail_err = 0;
	x->fail_why[0] = '\0';
	connect_next(x);
}

static void step_h(void *arg)
{
	struct uacc *x = arg;
	int e;

	if (!x->busy)
		return;
	if (x->flow && sip_flow_alive(x->flow)) {
		send_on_flow(x);
		return;
	}
	if (x->flow) {
		sip_flow_unref(x->flow);
		x->flow = NULL;
	}
	/* look the registrar up again each time we connect: addresses may have changed */
	e = dns_query_alloc(&x->dq, x->ua->l, &x->dreq, dns_done_h, x);
	if (e) {
		finish(x, e, NULL, "cannot start the DNS lookup");
		return;
	}
}

static int snd_send(void *arg, reg_build_h *build, void *barg, reg_resp_h *resp, void *rarg)
{
	struct uacc *x = arg;

	if (x->busy)
		return EBUSY;
	x->busy = true;
	x->build = build;
	x->barg = barg;
	x->resp = resp;
	x->rarg = rarg;
	return tmr_start(x->ua->l, &x->step, 0, step_h, x);
}

static void snd_cancel(void *arg)
{
	struct uacc *x = arg;

	tmr_cancel(&x->step);
	dns_query_free(x->dq);
	x->dq = NULL;
	sip_flow_wait_cancel(x->fw);
	x->fw = NULL;
	sip_ctrans_free(x->ct);
	x->ct = NULL;
	x->busy = false;
	x->resp = NULL;
	x->build = NULL;
}

/* ---------------- accounts ---------------- */

static void reg_ev_h(const struct event *ev, void *arg)
{
	struct uacc *x = arg;

	ua_emit(x->ua, ev);
	if (ev->kind == EVENT_REGISTERED) {
		ua_mwi_registered(x->mwi);
		ua_net_registered(x);
	}
}

/* Where to send: the proxy if given, else the AOR's domain (RFC 3263). */
static int dest_of(struct uacc *x, char *err, size_t errsz)
{
	const struct account *a = x->acc;
	struct sip_uri u;
	char tmp[320];
	struct pl tpv;
	int e;

	if (a->proxy && (!strncasecmp(a->proxy, "sip:", 4) || !strncasecmp(a->proxy, "sips:", 5)))
		snprintf(tmp, sizeof(tmp), "%s", a->proxy);
	else if (a->proxy)
		snprintf(tmp, sizeof(tmp), "sip:%s", a->proxy);
	else
		snprintf(tmp, sizeof(tmp), "%s", a->uri);
	e = sip_uri_decode_str(&u, tmp);
	if (e || pl_strdup(x->dhost, sizeof(x->dhost), u.host)) {
		snprintf(err, errsz, "account %s: cannot use '%s' as the registrar", a->name, tmp);
		return EINVAL;
	}
	memset(&x->dreq, 0, sizeof(x->dreq));
	x->dreq.host = x->dhost;
	x->dreq.port = u.port;
	x->dreq.sips = u.scheme == SIP_URI_SIPS || a->transport == ACCOUNT_TLS;
	switch (a->transport) {
	case ACCOUNT_TLS: x->dreq.transp = DNS_TLS; break;
	case ACCOUNT_TCP: x->dreq.transp = DNS_TCP; break;
	case ACCOUNT_UDP: x->dreq.transp = DNS_UDP; break;
	}
	if (!sip_uri_param(&u, "transport", &tpv)) {
		enum dns_transp want = pl_eq_case(tpv, "tls") ? DNS_TLS :
				       pl_eq_case(tpv, "tcp") ? DNS_TCP :
				       pl_eq_case(tpv, "udp") ? DNS_UDP : DNS_ANY;
		if (want != x->dreq.transp) {
			snprintf(err, errsz,
				 "account %s: proxy says transport=%.*s but the account's transport is %s",
				 a->name, (int)tpv.l, tpv.p, account_transp_name(a->transport));
			return EINVAL;
		}
	} else if (u.scheme == SIP_URI_SIPS) {
		/* RFC 3263 4.1: no transport in the URI: let NAPTR choose (sips keeps it to TLS) */
		x->dreq.transp = DNS_ANY;
	}
	return 0;
}

void ua_account_free(struct uacc *x)
{
	if (!x)
		return;
	ua_mwi_free(x->mwi);
	ua_stun_free(x->stun);
	reg_free(x->reg);
	snd_cancel(x);
	if (x->flow)
		sip_flow_unref(x->flow);
	tls_ctx_free(x->tls);
	free(x);
}

int ua_account_alloc(struct uacc **xp, struct ua *ua, struct account *a, char *err, size_t errsz)
{
	struct reg_sender snd = { snd_send, snd_cancel, NULL };
	struct tls_conf tc;
	struct uacc *x;
	const char *pw = NULL;
	char perr[256];
	int e;

	x = calloc(1, sizeof(*x));
	if (!x)
		return ENOMEM;
	x->ua = ua;
	x->acc = a;
	tmr_init(&x->step);
	e = dest_of(x, err, errsz);
	if (e)
		goto out;
	if (x->dreq.transp == DNS_TLS || x->dreq.transp == DNS_ANY || x->dreq.sips) {
		memset(&tc, 0, sizeof(tc));
		tc.ca_file = a->ca_file;
		tc.ca_path = a->ca_path;
		tc.min_version = a->tls_min_version;
		tc.cert_file = a->tls_cert;
		tc.key_file = a->tls_key;
		tc.pin = a->tls_pin;
		tc.insecure_skip_verify = a->tls_insecure_skip_verify;
		e = tls_ctx_alloc(&x->tls, &tc, perr, sizeof(perr));
		if (e) {
			snprintf(err, errsz, "account %s: TLS settings: %s", a->name, perr);
			goto out;
		}
	}
	perr[0] = '\0';
	e = account_password(a, &pw, perr, sizeof(perr));
	if (e == ENOENT) {
		pw = NULL;
	} else if (e) {
		snprintf(err, errsz, "%s", perr);
		goto out;
	}
	if ((e = ua_stun_alloc(&x->stun, x)) != 0)
		goto out;
	snd.arg = x;
	e = reg_alloc(&x->reg, ua->l, a, pw, &snd, reg_ev_h, x);
	if (e) {
		snprintf(err, errsz, "account %s: cannot set up registration: %s", a->name, strerror(e));
		goto out;
	}
	{
		/* RFC 5626: one instance ID for the installation, kept across restarts and address changes */
		char urn[64], ierr[PATH_MAX + 64];

		if (reg_instance_load(NULL, urn, sizeof(urn), ierr, sizeof(ierr)) || reg_set_instance(x->reg, urn))
			log_warn("account %s: no stored instance ID (%s): using %s, derived from the account and host "
				 "name", a->name, ierr, reg_instance(x->reg));
	}
	e = ua_mwi_alloc(&x->mwi, x, pw);
	if (e) {
		snprintf(err, errsz, "account %s: cannot set up the voicemail indicator: %s", a->name, strerror(e));
		goto out;
	}
	*xp = x;
	x = NULL;
out:
	ua_account_free(x);
	return e;
}

struct uacc *ua_account_find(struct ua *ua, const char *name)
{
	size_t i;

	for (i = 0; i < ua->n; i++)
		if (!strcmp(ua->a[i]->acc->name, name))
			return ua->a[i];
	return NULL;
}
