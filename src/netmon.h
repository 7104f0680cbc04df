/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netmon.h: the kernel's word that a local address or route changed (NETLINK_ROUTE), debounced on the loop. */
#ifndef SPHONE_NETMON_H
#define SPHONE_NETMON_H

#include <stddef.h>

struct loop;
struct netmon;

/* What one batch of netlink messages said changed (bits of netmon_change.kinds). */
enum {
	NETMON_ADDR_NEW = 1u << 0,  /* RTM_NEWADDR: an address appeared (or its lifetime changed) */
	NETMON_ADDR_DEL = 1u << 1,  /* RTM_DELADDR: an address went */
	NETMON_ROUTE = 1u << 2,     /* RTM_NEWROUTE / RTM_DELROUTE in the main table */
};

#define NETMON_ADDR_MAX 46 /* INET6_ADDRSTRLEN */

struct netmon_change {
	unsigned kinds;
	/* the last address that went / came in the batch, as text ("" if none): for the event and the log */
	char lost[NETMON_ADDR_MAX];
	char added[NETMON_ADDR_MAX];
};

/*
 * Reads one datagram of netlink messages (what recv() on the socket gave) into *ch, adding to what
 * it holds: the kinds seen and the addresses. Bounds-checked: a truncated or malformed message ends
 * the walk (EBADMSG; what came before it counts). Messages of other types are ignored. This is the
 * seam the unit test feeds byte fixtures through.
 */
int netmon_parse(const void *buf, size_t len, struct netmon_change *ch);

/*
 * The changes, at most once per debounce_ms: a change opens a window, everything that arrives in it
 * is merged, and the handler gets the sum when it closes (an address move is a DELADDR, a NEWADDR and
 * a few routes within a few ms; the phone should react once, to the end state).
 */
typedef void(netmon_h)(const struct netmon_change *ch, void *arg);

/*
 * A NETLINK_ROUTE socket subscribed to IPv4/IPv6 address and IPv4/IPv6 route changes, read on l.
 * 0, or the socket's errno (EPERM/EACCES in a sandbox without netlink: the caller goes on without).
 */
int netmon_alloc(struct netmon **np, struct loop *l, unsigned debounce_ms, netmon_h *h, void *arg);
/* NULL-safe. */
void netmon_free(struct netmon *n);

#endif
