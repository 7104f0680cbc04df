/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_netmon.c: netmon_parse on netlink byte fixtures (an address move, routes, IPv6, cut and malformed messages), the socket on a loop, and ua_net's question to the kernel (which source towards a peer). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "loop.h"
#include "netmon.h"
#include "tap.h"
#include "ua_priv.h"

/*
 * What `ip addr del 10.200.1.2/24 dev eth0; ip addr add 10.200.2.2/24 dev eth0` makes the kernel send
 * (x86-64, host byte order): nlmsghdr (len, type, flags, seq, pid), ifaddrmsg (family 2, prefix 24,
 * flags IFA_F_PERMANENT, scope 0, ifindex 2), IFA_ADDRESS, IFA_LOCAL, IFA_LABEL "eth0".
 */
#define ADDR_MSG(type, b3)                                                                                 \
	0x34, 0x00, 0x00, 0x00, type, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, \
	0x02, 0x18, 0x80, 0x00, 0x02, 0x00, 0x00, 0x00,                                                 \
	0x08, 0x00, 0x01, 0x00, 0x0a, 0xc8, b3, 0x02,                                                   \
	0x08, 0x00, 0x02, 0x00, 0x0a, 0xc8, b3, 0x02,                                                   \
	0x09, 0x00, 0x03, 0x00, 'e', 't', 'h', '0', 0x00, 0x00, 0x00, 0x00

/* RTM_NEWROUTE 10.200.2.0/24 dev eth0 proto kernel scope link src 10.200.2.2, main table (254) */
#define ROUTE_MSG(table)                                                                                   \
	0x3c, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, \
	0x02, 0x18, 0x00, 0x00, table, 0x02, 0xfd, 0x01, 0x00, 0x00, 0x00, 0x00,                       \
	0x08, 0x00, 0x0f, 0x00, table, 0x00, 0x00, 0x00,                                                \
	0x08, 0x00, 0x01, 0x00, 0x0a, 0xc8, 0x02, 0x00,                                                 \
	0x08, 0x00, 0x07, 0x00, 0x0a, 0xc8, 0x02, 0x02,                                                 \
	0x08, 0x00, 0x04, 0x00, 0x02, 0x00, 0x00, 0x00

static _Alignas(4) const uint8_t move[] = { ADDR_MSG(0x15, 0x01), ADDR_MSG(0x14, 0x02), ROUTE_MSG(0xfe) };
/* the local table's route for the new address (255): follows the address, not a route change of its own */
static _Alignas(4) const uint8_t local_route[] = { ROUTE_MSG(0xff) };
/* RTM_NEWADDR 2001:db8::2/64, IFA_ADDRESS only (IPv6 has no IFA_LOCAL) */
static _Alignas(4) const uint8_t v6[] = {
	0x2c, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x0a, 0x40, 0x80, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x14, 0x00, 0x01, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
};
/* an address attribute of 5 bytes for IPv4: the message counts, the address is not believed */
static _Alignas(4) const uint8_t odd_len[] = {
	0x24, 0x00, 0x00, 0x00, 0x15, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x18, 0x80, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x09, 0x00, 0x02, 0x00, 0x0a, 0xc8, 0x01, 0x02, 0x99, 0x00, 0x00, 0x00,
};
/* an RTM_NEWADDR whose nlmsg_len leaves no room for its ifaddrmsg */
static _Alignas(4) const uint8_t short_body[] = {
	0x14, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x18, 0x80, 0x00,
};
/* a link message (RTM_NEWLINK, 16) and NLMSG_DONE: nothing to report */
static _Alignas(4) const uint8_t other[] = {
	0x20, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x14, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
};

static void nop_h(const struct netmon_change *ch, void *arg)
{
	(void)ch;
	(void)arg;
}

int main(void)
{
	struct netmon_change ch;
	_Alignas(4) uint8_t buf[sizeof(move) + 4];
	size_t cut_ok = 0, cut_bad = 0;

	memset(&ch, 0, sizeof(ch));
	is_int(netmon_parse(move, sizeof(move), &ch), 0, "address move: parsed");
	is_int((int)ch.kinds, NETMON_ADDR_DEL | NETMON_ADDR_NEW | NETMON_ROUTE, "... an address went, one came, a route");
	is_str(ch.lost, "10.200.1.2", "... the address that went");
	is_str(ch.added, "10.200.2.2", "... the one that came");

	memset(&ch, 0, sizeof(ch));
	is_int(netmon_parse(local_route, sizeof(local_route), &ch), 0, "local table route: parsed");
	is_int((int)ch.kinds, 0, "... and not reported");

	memset(&ch, 0, sizeof(ch));
	is_int(netmon_parse(v6, sizeof(v6), &ch), 0, "IPv6 address: parsed");
	is_int((int)ch.kinds, NETMON_ADDR_NEW, "... a new address");
	is_str(ch.added, "2001:db8::2", "... IFA_ADDRESS read");

	memset(&ch, 0, sizeof(ch));
	is_int(netmon_parse(odd_len, sizeof(odd_len), &ch), 0, "a 5-byte IPv4 address attribute: parsed");
	ok(ch.kinds == NETMON_ADDR_DEL && !ch.lost[0], "... a change, but no address taken from it");

	memset(&ch, 0, sizeof(ch));
	is_int(netmon_parse(short_body, sizeof(short_body), &ch), EBADMSG, "no room for the ifaddrmsg: EBADMSG");
	is_int((int)ch.kinds, 0, "... nothing reported");

	memset(&ch, 0, sizeof(ch));
	is_int(netmon_parse(other, sizeof(other), &ch), 0, "a link message and DONE: parsed");
	is_int((int)ch.kinds, 0, "... nothing reported");

	memset(&ch, 0, sizeof(ch));
	memcpy(buf, move, sizeof(move));
	is_int(netmon_parse(buf + 2, 40, &ch), EINVAL, "an unaligned buffer: EINVAL");
	is_int(netmon_parse(NULL, 0, &ch), EINVAL, "NULL: EINVAL");

	/* every prefix of the batch: whole messages count, a cut one is EBADMSG or ignored, never read past */
	for (size_t n = 0; n < sizeof(move); n++) {
		int e;

		memset(&ch, 0, sizeof(ch));
		memcpy(buf, move, n);
		e = netmon_parse(buf, n, &ch);
		if ((n == 0 || n == 52 || n == 104) ? e == 0 : e == EBADMSG)
			cut_ok++;
		else
			cut_bad++;
		if (n < 52 && ch.kinds)
			cut_bad++;
	}
	ok(cut_ok == sizeof(move) && !cut_bad, "every prefix of the batch: whole messages parse, a cut one is EBADMSG (%zu bad)",
	   cut_bad);

	/* a length field that points past the buffer */
	memcpy(buf, move, sizeof(move));
	buf[0] = 0xff;
	memset(&ch, 0, sizeof(ch));
	is_int(netmon_parse(buf, sizeof(move), &ch), EBADMSG, "nlmsg_len past the end: EBADMSG");

	/* ua_net_route_src: the source the kernel picks towards a flow's peer, from sip_flow_raddr's text */
	{
		char src[64];
		int e;

		is_int(ua_net_route_src("127.0.0.1:5061", src, sizeof(src)), 0, "route source towards 127.0.0.1:5061");
		is_str(src, "127.0.0.1", "... is 127.0.0.1");
		is_int(ua_net_route_src("127.0.0.3:5061", src, sizeof(src)), 0, "route source towards 127.0.0.3");
		is_str(src, "127.0.0.1", "... is 127.0.0.1 (the loopback route's source), not the peer's address");
		e = ua_net_route_src("[::1]:5061", src, sizeof(src));
		ok(e == 0 ? !strcmp(src, "::1") : (e == EADDRNOTAVAIL || e == ENETUNREACH || e == EAFNOSUPPORT),
		   "towards [::1]: ::1, or no IPv6 here (%s)", e ? strerror(e) : src);
		is_int(ua_net_route_src("127.0.0.1", src, sizeof(src)), EINVAL, "no port: EINVAL");
		is_int(ua_net_route_src("127.0.0.1:0", src, sizeof(src)), EINVAL, "port 0: EINVAL");
		is_int(ua_net_route_src("127.0.0.1:70000", src, sizeof(src)), EINVAL, "port 70000: EINVAL");
		is_int(ua_net_route_src("[::1:5061", src, sizeof(src)), EINVAL, "an open bracket: EINVAL");
		is_int(ua_net_route_src("sip.test:5061", src, sizeof(src)), EINVAL, "a host name: EINVAL");
	}

	{
		struct loop *l = NULL;
		struct netmon *n = NULL;
		int e;

		if (loop_alloc(&l) != 0)
			return 1;
		e = netmon_alloc(&n, l, 300, nop_h, NULL);
		ok(e == 0 || e == EPERM || e == EACCES || e == EAFNOSUPPORT, "netmon_alloc on a loop: %s",
		   e ? strerror(e) : "listening");
		is_int(netmon_alloc(NULL, l, 300, nop_h, NULL), EINVAL, "netmon_alloc(NULL): EINVAL");
		netmon_free(n);
		netmon_free(NULL);
		loop_free(l);
	}
	return tap_done();
}
