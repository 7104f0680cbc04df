/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * call_media_net.c: one call's media on the network: its RTP and RTCP sockets, the address our SDP
 * gives for them (the NAT's mapping STUN found: media_stun.c), a move to new sockets (re-INVITE with
 * new keys and a new ZRTP session) and a new local address on the same sockets (readdress).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "call_media.h"
#include "call_media_priv.h"
#include "crypto.h"
#include "event.h"
#include "loop.h"
#include "media_stun.h"
#include "sa.h"
#include "sdp.h"
#include "stream.h"
#include "stun.h"
#include "version.h"

/* ---------------- the sockets and their address ---------------- */

#define RTP_PORT_MIN 16384
#define RTP_PORT_SPAN 16000

/*
 * What our SDP's c=, m= and a=rtcp say: the NAT's mapping STUN found (when it is not our own address),
 * else the local socket. During a move the new sockets are not mapped yet: their local address.
 */
static void sdp_addr_update(struct call_media *m)
{
	const struct media_stun_info *in = media_stun_info(m->stun);
	char host[INET6_ADDRSTRLEN + 2], chost[INET6_ADDRSTRLEN + 2];
	uint16_t port = 0, cport = 0;

	if (!m->sdp || !m->addr)
		return;
	if (m->moving || !in || in->state != MEDIA_STUN_NAT) {
		sdp_sess_set_media(m->sdp, m->addr, m->moving ? m->mv_port : m->port);
		sdp_sess_set_rtcp(m->sdp, NULL, 0);
		return;
	}
	sa_str((const struct sockaddr *)&in->rtp, chost, sizeof(chost), host, sizeof(host), &port);
	if (sdp_sess_set_media(m->sdp, host, port) != 0)
		return;
	/* RFC 3605: RTCP's mapping is said where it is not the next port at the same address */
	if (in->have_rtcp) {
		sa_str((const struct sockaddr *)&in->rtcp, chost, sizeof(chost), chost, sizeof(chost), &cport);
		if (strcmp(chost, host) || cport != (uint16_t)(port + 1)) {
			sdp_sess_set_rtcp(m->sdp, chost, cport);
			return;
		}
	}
	sdp_sess_set_rtcp(m->sdp, NULL, 0);
}

static void move_abort(struct call_media *m)
{
	if (!m->moving)
		return;
	m->moving = false;
	call_media_zrtp_next_drop(m); /* the offer goes back to the old engine's a=zrtp-hash */
	if (m->mv_rtp_fd >= 0)
		close(m->mv_rtp_fd);
	if (m->mv_rtcp_fd >= 0)
		close(m->mv_rtcp_fd);
	m->mv_rtp_fd = m->mv_rtcp_fd = -1;
	sdp_addr_update(m);
}

static int udp_bind(const char *addr, uint16_t port, int *fdp)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, af;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		af = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		af = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		sl = sizeof(struct sockaddr_in6);
	} else {
		return EINVAL;
	}
	ss.ss_family = (sa_family_t)af;
	fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		int e = errno;
		close(fd);
		return e;
	}
	*fdp = fd;
	return 0;
}

/*
 * An even RTP port and RTCP on the next one, bound to the wildcard address of addr's family: addr is
 * what our SDP says, not where the sockets listen, so that when the local address changes (a new
 * network, doc/nat.md) the sockets go on and only their source changes (call_media_readdress).
 * Packets that reach them on another address of this host are no risk: the stream plays and
 * latches to authenticated SRTP only.
 */
int call_media_net_sockets(struct call_media *m, const char *addr)
{
	struct in6_addr a6;
	uint32_t r;
	int i, e = EADDRINUSE;

	if (inet_pton(AF_INET6, addr, &a6) == 1)
		addr = "::";
	else if (inet_pton(AF_INET, addr, &a6) == 1)
		addr = "0.0.0.0";
	else
		return EINVAL;

	for (i = 0; i < 64; i++) {
		uint16_t p;
		int a = -1, b = -1;

		if ((e = crypto_rand(&r, sizeof(r))) != 0)
			return e;
		p = (uint16_t)(RTP_PORT_MIN + (r % RTP_PORT_SPAN) * 2 % RTP_PORT_SPAN);
		p &= (uint16_t)~1u;
		e = udp_bind(addr, p, &a);
		if (e == EINVAL)
			return e;
		if (e)
			continue;
		e = udp_bind(addr, (uint16_t)(p + 1), &b);
		if (e) {
			close(a);
			continue;
		}
		m->rtp_fd = a;
		m->rtcp_fd = b;
		m->port = p;
		return 0;
	}
	return e;
}

/* ---------------- their public address by STUN ---------------- */

/*
 * Before the stream runs the sockets are read for STUN only (the first Bindings go out before the
 * offer or answer); anything else that comes so early is dropped, as no keys are in force yet.
 */
static void early_rx(struct call_media *m, int fd)
{
	uint8_t buf[1500];
	struct sockaddr_storage from;
	socklen_t fl;
	ssize_t n;

	for (int i = 0; i < 16; i++) {
		fl = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		if (stun_is_msg(buf, (size_t)n))
			media_stun_recv(m->stun, fd == m->rtcp_fd, buf, (size_t)n, (const struct sockaddr *)&from);
	}
}

void call_media_net_fd_h(int fd, int events, void *arg)
{
	struct call_media *m = arg;

	(void)events;
	if (m->s)
		stream_rx(m->s, fd, loop_now_ms());
	else if (m->stun)
		early_rx(m, fd);
}

/* STUN that came on the stream's sockets: a Binding response to one of ours, or nothing of ours. */
void call_media_net_stun_rx(bool rtcp, const uint8_t *pkt, size_t len, const struct sockaddr_storage *from, void *arg)
{
	struct call_media *m = arg;

	media_stun_recv(m->stun, rtcp, pkt, len, (const struct sockaddr *)from);
}

/* A Binding goes out from the RTP or RTCP socket: through the stream once it runs (it counts them). */
static int media_send_h(bool rtcp, const void *p, size_t len, const struct sockaddr *dst, socklen_t dlen, void *arg)
{
	struct call_media *m = arg;
	struct sockaddr_storage ss;

	if (dlen > sizeof(ss))
		return EINVAL;
	if (m->s) {
		memset(&ss, 0, sizeof(ss));
		memcpy(&ss, dst, dlen);
		return stream_send_stun(m->s, rtcp, p, len, &ss);
	}
	if (sendto(rtcp ? m->rtcp_fd : m->rtp_fd, p, len, 0, dst, dlen) < 0)
		return errno;
	return 0;
}

static void stun_h(enum media_stun_what what, void *arg)
{
	struct call_media *m = arg;

	if (what != MEDIA_STUN_KA_FAILED)
		sdp_addr_update(m);
	if (m->h.stunh)
		m->h.stunh(what, m->h.arg);
}

/* The first Bindings from both sockets; they are read from now on, before the stream exists. */
int call_media_net_stun_start(struct call_media *m)
{
	struct media_stun_prm sp;
	char sw[48];
	int e;

	memset(&sp, 0, sizeof(sp));
	sp.server = (const struct sockaddr *)&m->stun_server;
	sp.slen = m->stun_slen;
	sp.rtp_fd = m->rtp_fd;
	sp.rtcp_fd = m->rtcp_fd;
	sp.keepalive_ms = m->stun_ka_ms;
	snprintf(sw, sizeof(sw), "sphone/%s", sphone_version());
	sp.software = sw;
	if ((e = loop_fd_listen(m->l, m->rtp_fd, LOOP_READ, call_media_net_fd_h, m)) != 0 ||
	    (e = loop_fd_listen(m->l, m->rtcp_fd, LOOP_READ, call_media_net_fd_h, m)) != 0)
		return e;
	return media_stun_alloc(&m->stun, m->l, &sp, media_send_h, stun_h, m);
}

/* ---------------- moves ---------------- */

void call_media_move_commit(struct call_media *m)
{
	if (!m || !m->moving)
		return;
	call_media_detach(m);
	tmr_cancel(&m->tmr);
	stream_free(m->s);
	m->s = NULL;
	loop_fd_remove(m->l, m->rtp_fd);
	close(m->rtp_fd);
	loop_fd_remove(m->l, m->rtcp_fd);
	close(m->rtcp_fd);
	m->rtp_fd = m->mv_rtp_fd;
	m->rtcp_fd = m->mv_rtcp_fd;
	m->port = m->mv_port;
	m->mv_rtp_fd = m->mv_rtcp_fd = -1;
	m->moving = false;
	if (m->z_next)
		call_media_zrtp_next_takes_over(m);
	if (m->stun) {
		/* the new sockets have mappings of their own: the SDP gives their local address until it is known */
		media_stun_free(m->stun);
		m->stun = NULL;
		if (call_media_net_stun_start(m) != 0) {
			media_stun_free(m->stun);
			m->stun = NULL;
		}
	}
	sdp_addr_update(m);
}

int call_media_move(struct call_media *m)
{
	int ofd, ofd2, e;
	uint16_t oport;

	if (!m)
		return EINVAL;
	if (m->moving)
		return EBUSY;
	ofd = m->rtp_fd;
	ofd2 = m->rtcp_fd;
	oport = m->port;
	e = call_media_net_sockets(m, m->addr);
	m->mv_rtp_fd = e ? -1 : m->rtp_fd;
	m->mv_rtcp_fd = e ? -1 : m->rtcp_fd;
	m->mv_port = m->port;
	m->rtp_fd = ofd;
	m->rtcp_fd = ofd2;
	m->port = oport;
	if (e)
		return e;
	m->moving = true;
	/* the new sockets get a new stream: it sends under new keys, never the old key from index 0 again */
	sdp_addr_update(m);
	e = sdp_sess_rekey(m->sdp);
	/* and a new ZRTP session (one per stream), announced in the offer */
	if (!e && m->z && !m->zfailed && !m->z_next)
		e = call_media_zrtp_next(m);
	if (e)
		move_abort(m);
	return e;
}

int call_media_readdress(struct call_media *m, const char *addr)
{
	struct in6_addr a6;
	char *na;
	int e;

	if (!m || !addr || !m->addr)
		return EINVAL;
	if ((inet_pton(AF_INET6, addr, &a6) == 1) != (strchr(m->addr, ':') != NULL))
		return EAFNOSUPPORT; /* the sockets are of the other family: that is a move to new sockets */
	if (m->moving)
		return EBUSY;
	if (!(na = strdup(addr)))
		return ENOMEM;
	/*
	 * The same keys (doc/security.md, "A network change moves the media"): the stream is not
	 * restarted, so its send context goes on with its ROC and index and no keystream repeats. RFC 4568
	 * 7.1.4 asks for a new key with a new address because a new address usually means a new context
	 * from index 0; here there is none. And SDES peers do not all follow a re-key: baresip 1.0 keeps
	 * decrypting with the old key and refuses every packet after one (nat_move.sh, measured).
	 */
	if ((e = sdp_sess_set_media(m->sdp, addr, m->port)) != 0) {
		free(na);
		return e;
	}
	free(m->addr);
	m->addr = na;
	/* behind a NAT with STUN the SDP keeps the mapping until the media keepalive finds a new one */
	sdp_addr_update(m);
	return 0;
}

const char *call_media_addr(const struct call_media *m)
{
	return m && m->addr ? m->addr : "";
}

void call_media_move_abort(struct call_media *m)
{
	if (m)
		move_abort(m);
}

bool call_media_moving(const struct call_media *m)
{
	return m && m->moving;
}

/* ---------------- reports ---------------- */

/* The public address between local_media and remote_media: what STUN found and what our SDP gives. */
void call_media_net_path_fields(const struct call_media *m, struct event *ev)
{
	const struct media_stun_info *in = media_stun_info(m->stun);
	char a[80];

	if (!in)
		return;
	switch (in->state) {
	case MEDIA_STUN_NAT:
		event_str(ev, "public_media", sa_str((const struct sockaddr *)&in->rtp, a, sizeof(a), NULL, 0, NULL));
		event_str(ev, "stun", in->ports_changed ? "NAT (ports changed: perhaps symmetric)" : "NAT");
		break;
	case MEDIA_STUN_NO_NAT:
		event_str(ev, "stun", "no NAT (the STUN server saw the local address)");
		break;
	case MEDIA_STUN_FAILED:
		event_str(ev, "stun", "failed: the SDP gives the local address");
		break;
	case MEDIA_STUN_PENDING:
		event_str(ev, "stun", "pending");
		break;
	}
}

bool call_media_ready(const struct call_media *m)
{
	const struct media_stun_info *in = m ? media_stun_info(m->stun) : NULL;

	return !in || in->state != MEDIA_STUN_PENDING;
}

const struct media_stun_info *call_media_stun(const struct call_media *m)
{
	return m ? media_stun_info(m->stun) : NULL;
}

void call_media_stun_fields(const struct call_media *m, enum media_stun_what what, struct event *ev)
{
	const struct media_stun_info *in = m ? media_stun_info(m->stun) : NULL;
	char a[80];

	if (!in)
		return;
	event_str(ev, "stun_server", sa_str((const struct sockaddr *)&m->stun_server, a, sizeof(a), NULL, 0, NULL));
	event_str(ev, "local_media", sa_str((const struct sockaddr *)&in->local, a, sizeof(a), NULL, 0, NULL));
	if (in->state == MEDIA_STUN_NAT || in->state == MEDIA_STUN_NO_NAT) {
		event_str(ev, "public_media", sa_str((const struct sockaddr *)&in->rtp, a, sizeof(a), NULL, 0, NULL));
		if (in->have_rtcp)
			event_str(ev, "public_rtcp", sa_str((const struct sockaddr *)&in->rtcp, a, sizeof(a), NULL, 0, NULL));
	}
	if (what == MEDIA_STUN_KA_FAILED) {
		event_str(ev, "error", in->error);
		event_str(ev, "message", "a STUN keepalive of the media went unanswered: the NAT's mapping may be "
					 "gone; the SDP keeps the last public address");
		return;
	}
	switch (in->state) {
	case MEDIA_STUN_NAT:
		if (what == MEDIA_STUN_CHANGED)
			event_str(ev, "message", "the NAT mapped the media to a new public address: the far end "
						 "sends to the old one until a re-INVITE tells it (or it latches)");
		else if (in->ports_changed)
			event_str(ev, "message",
				  "the NAT changed the media ports: if it picks a new port per destination (a symmetric "
				  "NAT), the far end cannot reach this address and only a far end that latches (or a "
				  "media relay) gets audio to you; the SDP gives it all the same");
		else
			event_str(ev, "message", "behind a NAT: the SDP gives the public address STUN found");
		break;
	case MEDIA_STUN_NO_NAT:
		event_str(ev, "message", "no NAT: the STUN server saw the local address, which the SDP gives");
		break;
	case MEDIA_STUN_FAILED:
		event_str(ev, "error", in->error);
		event_str(ev, "message", "no public address: the SDP gives the local one; behind a NAT the far "
					 "end's audio reaches you only if it latches");
		break;
	case MEDIA_STUN_PENDING:
		break;
	}
}
