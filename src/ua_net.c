/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ua_net.c: the one place the user agent learns the network changed (netlink, a dead flow) and then gives up stale flows, re-registers and moves every call. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "account.h"
#include "call.h"
#include "event.h"
#include "log.h"
#include "loop.h"
#include "netmon.h"
#include "sip_transp.h"
#include "ua_priv.h"

/*
 * The order (doc/nat.md, "Network changes"): 1. a change from the kernel (debounced) or a flow
 * that died; 2. every account's flow whose local address is not the one the kernel would now use
 * to reach its registrar is given up (sip_flow_abort: lost_h, then reg re-registers at once on a
 * new connection, whose source the new route picks); 3. when the account is registered again on
 * the new flow, every established call of it is moved: a re-INVITE on the new flow offering the
 * media from the new address (call_move_addr).
 */
#define NET_DEBOUNCE_MS 300
#define NET_RETRY_MS 300
/* a dead flow is noticed a pong timeout (10 s) after a keepalive at most this long after the trouble */
#define NET_FLOW_LOST_LOOKBACK_MS 30000

struct ua_net {
	struct ua *ua;
	struct netmon *nm;
	struct tmr retry; /* moves that met another offer (EBUSY) */
};

void ua_flow_host(const struct sip_flow *f, char *buf, size_t sz)
{
	const char *h = sip_flow_lhost(f);
	size_t n = strlen(h);

	if (n >= 2 && h[0] == '[' && h[n - 1] == ']')
		snprintf(buf, sz, "%.*s", (int)(n - 2), h + 1);
	else
		snprintf(buf, sz, "%s", h);
}

int ua_net_route_src(const char *raddr, char *out, size_t sz)
{
	struct sockaddr_storage ss, src;
	socklen_t sl = sizeof(src);
	char host[64];
	const char *p, *colon;
	unsigned long port;
	int fd, e = 0;

	if (!raddr || !out || !sz)
		return EINVAL;
	memset(&ss, 0, sizeof(ss));
	if (raddr[0] == '[') {
		if (!(p = strchr(raddr, ']')) || p[1] != ':' || (size_t)(p - raddr - 1) >= sizeof(host))
			return EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(p - raddr - 1), raddr + 1);
		colon = p + 1;
	} else {
		if (!(colon = strrchr(raddr, ':')) || (size_t)(colon - raddr) >= sizeof(host))
			return EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - raddr), raddr);
	}
	port = strtoul(colon + 1, NULL, 10);
	if (!port || port > 65535)
		return EINVAL;
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
	} else {
		return EINVAL;
	}
	/* a connected UDP socket learns the source the kernel would pick now; nothing is sent */
	if ((fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return errno;
	if (connect(fd, (struct sockaddr *)&ss,
		    ss.ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&src, &sl) != 0)
		e = errno;
	close(fd);
	if (e)
		return e;
	if (!inet_ntop(src.ss_family,
		       src.ss_family == AF_INET ? (void *)&((struct sockaddr_in *)&src)->sin_addr
						: (void *)&((struct sockaddr_in6 *)&src)->sin6_addr,
		       out, (socklen_t)sz))
		return errno;
	return 0;
}

static void net_emit(struct ua *ua, struct uacc *x, const char *change, const char *k1, const char *v1,
		     const char *k2, const char *v2, const char *msg)
{
	struct event ev;

	event_network(&ev, change);
	event_str(&ev, "account", x->acc->name);
	if (k1)
		event_str(&ev, k1, v1);
	if (k2)
		event_str(&ev, k2, v2);
	event_str(&ev, "message", msg);
	log_info("account %s: %s", x->acc->name, msg);
	ua_emit(ua, &ev);
}

/* Marks x's established calls for a move once it is registered again. */
static void calls_pending(struct ua *ua, struct uacc *x, uint64_t since)
{
	bool any = false;

	for (size_t i = 0; i < UA_MAX_CALLS; i++) {
		struct uacall *k = ua->calls[i];

		if (k && !k->dead && k->x == x && call_state(k->c) == CALL_ESTABLISHED) {
			k->net_todo = true;
			any = true;
		}
	}
	/* the first trouble counts: a flow given up for a vanished address is lost next, later */
	if (any && !x->net_pending)
		x->net_since = since;
	x->net_pending = x->net_pending || any;
}

/*
 * Step 2 for one account: a stream flow (TLS, TCP) whose local address is not the one the kernel
 * would use now to reach the same peer is given up. A UDP flow is left alone: its socket is not
 * bound to the old address's path in the same way and reg's refresh finds out.
 */
static void check_account(struct ua *ua, struct uacc *x, const struct netmon_change *ch, uint64_t since)
{
	struct sip_flow *f = x->flow;
	char lh[64], src[64], msg[300];
	int e;

	if (!f || !sip_flow_alive(f) || sip_flow_tp(f) == SIP_TP_UDP)
		return;
	ua_flow_host(f, lh, sizeof(lh));
	e = ua_net_route_src(sip_flow_raddr(f), src, sizeof(src));
	if (!e && !strcmp(src, lh))
		return;
	calls_pending(ua, x, since);
	if (e) {
		snprintf(msg, sizeof(msg), "no route to %s from here any more (%s): local address %s lost%s%s",
			 sip_flow_raddr(f), strerror(e), lh, ch->lost[0] ? "; the kernel removed " : "", ch->lost);
		net_emit(ua, x, "address_lost", "address", lh, NULL, NULL, msg);
	} else {
		snprintf(msg, sizeof(msg), "the way to %s is now from %s, not %s: giving up the connection and "
			 "registering again from the new address", sip_flow_raddr(f), src, lh);
		net_emit(ua, x, "address_changed", "old", lh, "new", src, msg);
	}
	sip_flow_ref(f);
	sip_flow_abort(f, e ? e : EADDRNOTAVAIL, msg);
	sip_flow_unref(f);
}

static void net_change_h(const struct netmon_change *ch, void *arg)
{
	struct ua_net *n = arg;
	struct ua *ua = n->ua;
	/* the first message of the batch came up to one debounce window ago */
	uint64_t now = loop_now_ms(), since = now > NET_DEBOUNCE_MS ? now - NET_DEBOUNCE_MS : 0;

	if (ua->shutting_down)
		return;
	log_debug("netmon: change%s%s%s%s%s", ch->kinds & NETMON_ADDR_DEL ? " address-lost " : "", ch->lost,
		  ch->kinds & NETMON_ADDR_NEW ? " address-new " : "", ch->added, ch->kinds & NETMON_ROUTE ? " route" : "");
	for (size_t i = 0; i < ua->n; i++)
		check_account(ua, ua->a[i], ch, since);
}

void ua_net_flow_lost(struct uacc *x, const char *why)
{
	uint64_t now = loop_now_ms();

	(void)why;
	if (x->ua->shutting_down)
		return;
	calls_pending(x->ua, x, now > NET_FLOW_LOST_LOOKBACK_MS ? now - NET_FLOW_LOST_LOOKBACK_MS : 0);
	x->net_recover = true;
}

static void retry_h(void *arg);

/* Step 3: every call of x marked for a move gets its re-INVITE on the flow x now has. */
static void move_calls(struct ua *ua, struct uacc *x)
{
	char addr[64];
	bool busy = false;

	if (!x->flow || !sip_flow_alive(x->flow))
		return;
	ua_flow_host(x->flow, addr, sizeof(addr));
	for (size_t i = 0; i < UA_MAX_CALLS; i++) {
		struct uacall *k = ua->calls[i];
		int e;

		if (!k || k->dead || k->x != x || !k->net_todo)
			continue;
		e = call_move_addr(k->c, addr, x->net_since);
		if (e == EBUSY) {
			busy = true;
			continue;
		}
		k->net_todo = false;
		if (e && e != EPROTO) {
			char msg[200];
			struct event ev;

			snprintf(msg, sizeof(msg), "call %u could not be moved to %s: %s", call_id(k->c), addr, strerror(e));
			event_network(&ev, "call_move_failed");
			event_int(&ev, "call", call_id(k->c));
			event_str(&ev, "account", x->acc->name);
			event_str(&ev, "reason", strerror(e));
			event_str(&ev, "message", msg);
			log_warn("%s", msg);
			ua_emit(ua, &ev);
		}
	}
	x->net_pending = busy;
	if (busy && ua->net && !tmr_running(&ua->net->retry))
		tmr_start(ua->l, &ua->net->retry, NET_RETRY_MS, retry_h, ua->net);
}

static void retry_h(void *arg)
{
	struct ua_net *n = arg;

	for (size_t i = 0; i < n->ua->n; i++)
		if (n->ua->a[i]->net_pending)
			move_calls(n->ua, n->ua->a[i]);
}

void ua_net_registered(struct uacc *x)
{
	if (x->net_recover && x->flow) {
		char msg[300];

		x->net_recover = false;
		snprintf(msg, sizeof(msg), "registered again over a new connection from %s to %s", sip_flow_laddr(x->flow),
			 sip_flow_raddr(x->flow));
		net_emit(x->ua, x, "flow_recovered", "local", sip_flow_laddr(x->flow), "remote", sip_flow_raddr(x->flow),
			 msg);
	}
	if (x->net_pending)
		move_calls(x->ua, x);
}

int ua_net_alloc(struct ua_net **np, struct ua *ua)
{
	struct ua_net *n;
	int e;

	n = calloc(1, sizeof(*n));
	if (!n)
		return ENOMEM;
	n->ua = ua;
	tmr_init(&n->retry);
	/* without netlink (a sandbox) the phone still recovers from dead flows, only later */
	if ((e = netmon_alloc(&n->nm, ua->l, NET_DEBOUNCE_MS, net_change_h, n)) != 0)
		log_warn("network changes will be noticed only by the connection's keepalive: no netlink (%s)",
			 strerror(e));
	*np = n;
	return 0;
}

void ua_net_free(struct ua_net *n)
{
	if (!n)
		return;
	tmr_cancel(&n->retry);
	netmon_free(n->nm);
	free(n);
}
