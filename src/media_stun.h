/* SPDX-License-Identifier: GPL-3.0-or-later */
/* media_stun.h: a call's public media address by STUN: Bindings from its RTP and RTCP sockets, kept alive during the call. */
#ifndef SPHONE_MEDIA_STUN_H
#define SPHONE_MEDIA_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct loop;

/*
 * Behind a NAT the far end can only reach the media at the address the NAT maps our sockets to, and
 * a far end that does not latch (baresip 1.0, many gateways) sends where our SDP says. So before the
 * first offer or answer a Binding (RFC 5389, src/stun.c) goes from the RTP socket and one from the
 * RTCP socket to the account's stun_server; the answers (or a short timeout) decide what c=/m= and
 * a=rtcp say. During the call a Binding every keepalive_ms from both sockets holds the NAT's mapping
 * (RFC 6263) and notices when it changes. The owner (call_media.c) owns the sockets: it sends
 * through send_h and hands every STUN datagram that arrives on them to media_stun_recv.
 */
enum media_stun_state {
	MEDIA_STUN_PENDING, /* the first Bindings are under way */
	MEDIA_STUN_NAT,     /* the mapped address differs from the local one: the SDP gives the mapped one */
	MEDIA_STUN_NO_NAT,  /* the server saw our local address: no NAT, the SDP gives the local address */
	MEDIA_STUN_FAILED,  /* no usable answer: the SDP gives the local address (error says why) */
};

/* What the handler is told. */
enum media_stun_what {
	MEDIA_STUN_READY,     /* the first Bindings ended (state is no longer PENDING) */
	/* a keepalive's answer gave another mapping (rtp/rtcp are the new one), or the first one after the
	 * first Bindings failed (state FAILED becomes NAT; a NO_NAT answer then changes nothing in the SDP) */
	MEDIA_STUN_CHANGED,
	MEDIA_STUN_KA_FAILED, /* a keepalive got no answer (reported once until one is answered again; not while FAILED) */
};

struct media_stun_info {
	enum media_stun_state state;
	struct sockaddr_storage local;    /* the RTP socket's address towards the server */
	struct sockaddr_storage rtp;      /* the RTP socket's mapping (NAT, NO_NAT) */
	struct sockaddr_storage rtcp;     /* the RTCP socket's mapping, when have_rtcp */
	bool have_rtcp;
	/*
	 * The NAT did not keep our ports (the RTP mapping's port is not ours, or RTCP's is not next to
	 * it): a NAT that chooses ports may well choose a new one per destination (a symmetric NAT), and
	 * then the far end cannot reach this mapping at all. Said in a warning; the SDP still gives it.
	 */
	bool ports_changed;
	char error[160]; /* FAILED, KA_FAILED: why, for the user */
};

/* Sends one STUN datagram from the RTP socket (rtcp false) or the RTCP socket: 0 or an errno. */
typedef int(media_stun_send_h)(bool rtcp, const void *p, size_t len, const struct sockaddr *dst, socklen_t dlen,
			       void *arg);
/* From the loop; media_stun_free is allowed in it. */
typedef void(media_stun_h)(enum media_stun_what what, void *arg);

struct media_stun_prm {
	const struct sockaddr *server;
	socklen_t slen;
	int rtp_fd, rtcp_fd;   /* for their local addresses (stun_local_addr); rtcp_fd -1: none */
	unsigned first_ms;     /* the first Bindings give up after this long (3 requests); 0: 1500 */
	unsigned keepalive_ms; /* a Binding this often during the call; 0: 15000 */
	const char *software;  /* SOFTWARE attribute, may be NULL */
};

struct media_stun;

/*
 * Starts the first Bindings. 0 (the handler says READY later; a send that fails at once makes the state
 * FAILED at once, and READY comes from the loop), EINVAL, ENOMEM.
 */
int media_stun_alloc(struct media_stun **msp, struct loop *l, const struct media_stun_prm *prm,
		     media_stun_send_h *send, media_stun_h *h, void *arg);
/* NULL-safe. */
void media_stun_free(struct media_stun *ms);
/* A STUN datagram from src on the RTP (rtcp false) or RTCP socket: 0 taken, ENOENT not ours. */
int media_stun_recv(struct media_stun *ms, bool rtcp, const void *p, size_t len, const struct sockaddr *src);
/* What is known now. */
const struct media_stun_info *media_stun_info(const struct media_stun *ms);

#endif
