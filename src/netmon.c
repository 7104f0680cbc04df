/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netmon.c: address and route changes from the kernel (NETLINK_ROUTE), parsed with bounds checks and debounced on the loop. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "log.h"
#include "loop.h"
#include "netmon.h"

struct netmon {
	struct loop *l;
	int fd;
	unsigned debounce_ms;
	netmon_h *h;
	void *arg;
	struct tmr tmr;
	struct netmon_change pending;
};

static void addr_text(int af, const struct rtattr *a, char *out, size_t sz)
{
	size_t n = RTA_PAYLOAD(a);

	if ((af == AF_INET && n == 4) || (af == AF_INET6 && n == 16))
		inet_ntop(af, RTA_DATA(a), out, (socklen_t)sz);
}

/* RTM_NEWADDR / RTM_DELADDR: the address (IFA_LOCAL for IPv4, which is ours on point-to-point links too). */
static int parse_addr(const struct nlmsghdr *nh, struct netmon_change *ch)
{
	const struct ifaddrmsg *ifa;
	const struct rtattr *a;
	char local[NETMON_ADDR_MAX] = "", addr[NETMON_ADDR_MAX] = "";
	int rem;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
		return EBADMSG;
	ifa = NLMSG_DATA(nh);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return 0;
	rem = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifa)));
	for (a = IFA_RTA(ifa); RTA_OK(a, rem); a = RTA_NEXT(a, rem)) {
		if (a->rta_type == IFA_LOCAL)
			addr_text(ifa->ifa_family, a, local, sizeof(local));
		else if (a->rta_type == IFA_ADDRESS)
			addr_text(ifa->ifa_family, a, addr, sizeof(addr));
	}
	if (nh->nlmsg_type == RTM_NEWADDR) {
		ch->kinds |= NETMON_ADDR_NEW;
		memcpy(ch->added, local[0] ? local : addr, NETMON_ADDR_MAX);
	} else {
		ch->kinds |= NETMON_ADDR_DEL;
		memcpy(ch->lost, local[0] ? local : addr, NETMON_ADDR_MAX);
	}
	return 0;
}

/* Routes of the main table only: the local table's follow every address change, which is reported already. */
static int parse_route(const struct nlmsghdr *nh, struct netmon_change *ch)
{
	const struct rtmsg *rt;
	const struct rtattr *a;
	unsigned table;
	int rem;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*rt)))
		return EBADMSG;
	rt = NLMSG_DATA(nh);
	if (rt->rtm_family != AF_INET && rt->rtm_family != AF_INET6)
		return 0;
	table = rt->rtm_table;
	rem = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*rt)));
	for (a = RTM_RTA(rt); RTA_OK(a, rem); a = RTA_NEXT(a, rem))
		if (a->rta_type == RTA_TABLE && RTA_PAYLOAD(a) == 4)
			memcpy(&table, RTA_DATA(a), 4);
	if (table == RT_TABLE_MAIN)
		ch->kinds |= NETMON_ROUTE;
	return 0;
}

int netmon_parse(const void *buf, size_t len, struct netmon_change *ch)
{
	const struct nlmsghdr *nh;
	int rem, e = 0;

	if (!buf || !ch || len > (size_t)1 << 30)
		return EINVAL;
	rem = (int)len;
	/* nlmsghdr is 4-byte aligned: recv() buffers are; a fixture must be too */
	if ((uintptr_t)buf % NLMSG_ALIGNTO)
		return EINVAL;
	for (nh = buf; NLMSG_OK(nh, rem); nh = NLMSG_NEXT(nh, rem)) {
		switch (nh->nlmsg_type) {
		case RTM_NEWADDR:
		case RTM_DELADDR:
			e = parse_addr(nh, ch);
			break;
		case RTM_NEWROUTE:
		case RTM_DELROUTE:
			e = parse_route(nh, ch);
			break;
		case NLMSG_DONE:
			return 0;
		default:
			break;
		}
		if (e)
			return e;
	}
	/* bytes left that do not make a whole message: cut short */
	return rem > 0 ? EBADMSG : 0;
}

static void fire_h(void *arg)
{
	struct netmon *n = arg;
	struct netmon_change ch = n->pending;

	memset(&n->pending, 0, sizeof(n->pending));
	if (ch.kinds && n->h)
		n->h(&ch, n->arg);
}

static void read_h(int fd, int events, void *arg)
{
	struct netmon *n = arg;
	union {
		struct nlmsghdr nh; /* aligns the buffer for the walk */
		char b[8192];
	} u;
	struct sockaddr_nl from;
	bool any = false;

	(void)events;
	for (;;) {
		socklen_t fl = sizeof(from);
		ssize_t r = recvfrom(fd, u.b, sizeof(u.b), 0, (struct sockaddr *)&from, &fl);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* the kernel dropped messages: anything may have changed */
				n->pending.kinds |= NETMON_ADDR_NEW | NETMON_ADDR_DEL | NETMON_ROUTE;
				any = true;
				continue;
			}
			break;
		}
		/* only the kernel speaks here: another process may unicast to our port id */
		if (fl < sizeof(from) || from.nl_family != AF_NETLINK || from.nl_pid != 0)
			continue;
		if (netmon_parse(u.b, (size_t)r, &n->pending) == EBADMSG)
			log_warn("netmon: a malformed netlink message (%zd bytes) was cut short", r);
		any = true;
	}
	if (any && n->pending.kinds && !tmr_running(&n->tmr))
		tmr_start(n->l, &n->tmr, n->debounce_ms, fire_h, n);
}

int netmon_alloc(struct netmon **np, struct loop *l, unsigned debounce_ms, netmon_h *h, void *arg)
{
	struct sockaddr_nl sa;
	struct netmon *n;
	int e;

	if (!np || !l || !h)
		return EINVAL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return ENOMEM;
	n->l = l;
	n->debounce_ms = debounce_ms;
	n->h = h;
	n->arg = arg;
	tmr_init(&n->tmr);
	n->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (n->fd < 0) {
		e = errno;
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE;
	if (bind(n->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		e = errno;
		goto out;
	}
	if ((e = loop_fd_listen(l, n->fd, LOOP_READ, read_h, n)) != 0)
		goto out;
	*np = n;
	return 0;
out:
	netmon_free(n);
	return e;
}

void netmon_free(struct netmon *n)
{
	if (!n)
		return;
	tmr_cancel(&n->tmr);
	if (n->fd >= 0) {
		loop_fd_remove(n->l, n->fd);
		close(n->fd);
	}
	free(n);
}
