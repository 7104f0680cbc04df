/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sip_transp.h: SIP over UDP, TCP and TLS on the event loop: flows, stream framing, keep-alive, loss detection. */
#ifndef SPHONE_SIP_TRANSP_H
#define SPHONE_SIP_TRANSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct loop;
struct sip_msg;
struct tls_ctx;
struct tls_info;

enum sip_tp { SIP_TP_UDP = 0, SIP_TP_TCP, SIP_TP_TLS };

struct sip_transp_conf {
	size_t max_msg_size;          /* largest message accepted; 0: 65535 */
	unsigned ka_interval_ms;      /* CRLF keep-alive period on idle outgoing TCP/TLS flows; 0: 30000 */
	unsigned ka_timeout_ms;       /* no pong within this: flow lost; 0: 10000 */
	unsigned connect_timeout_ms;  /* TCP connect + TLS handshake; 0: 10000 */
	bool ka_off;                  /* no keep-alive pings at all (pings from peers are still answered) */
};

/* A connection (TCP/TLS) or a remote address on a local UDP socket. Owned by the transport. */
struct sip_flow;

/*
 * A message arrived on flow from src. The handler takes ownership of msg (sip_msg_free it).
 * flow stays valid during the call; sip_flow_ref it to keep it longer.
 */
typedef void(sip_transp_recv_h)(struct sip_msg *msg, struct sip_flow *flow, const struct sockaddr *src,
				socklen_t srclen, void *arg);
/*
 * An established TCP/TLS flow is gone: peer closed, reset, TLS error, keep-alive timeout (err ETIMEDOUT),
 * malformed input, or sip_flow_close. why is a sentence. Sending on it fails from now on with EPIPE;
 * the registration layer re-registers on a new flow.
 */
typedef void(sip_transp_lost_h)(struct sip_flow *flow, int err, const char *why, void *arg);

struct sip_transp;

/* Also sets SIGPIPE to ignored if it is at its default (TLS writes use write(), not send(MSG_NOSIGNAL)). */
int sip_transp_alloc(struct sip_transp **tp, struct loop *l, const struct sip_transp_conf *conf,
		     sip_transp_recv_h *recvh, sip_transp_lost_h *losth, void *arg);
/*
 * Closes every flow and listener (no handlers are called). Flows still referenced become dead shells.
 * Not from inside one of this transport's handlers.
 */
void sip_transp_free(struct sip_transp *t);

/*
 * Listen on addr (port 0: any; the chosen port goes to *portp if not NULL). TLS needs a server
 * tls_ctx (tls_conf.server). A UDP listener is also the socket UDP requests are sent from.
 * 0 or an errno (EADDRINUSE, ...).
 */
int sip_transp_listen(struct sip_transp *t, enum sip_tp tp, const struct sockaddr *addr, socklen_t addrlen,
		      struct tls_ctx *tls, uint16_t *portp);

/* Where to send: an address from dns_resolve and, for TLS, the name to verify and the context. */
struct sip_dest {
	enum sip_tp tp;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	const char *tls_name;   /* TLS: the host of the URI (RFC 5922); required */
	struct tls_ctx *tls;    /* TLS: client context; required */
};

/*
 * Get a flow to dest: an existing one of the same transport, address (and for TLS the same name and
 * context) is reused, else one is opened. h(0, NULL, flow, arg) runs once the flow is ready (connected,
 * TLS verified) or h(err, why, NULL, arg) when it cannot be: ECONNREFUSED, ETIMEDOUT, EPROTO (TLS:
 * why is tls_conn_error's sentence), ... h is never called from inside this function. A TLS dest is
 * only ever served by TLS: there is no fallback to TCP or UDP. *wp (may be NULL) lets the caller cancel
 * the wait with sip_flow_wait_cancel (needed if the caller goes away first).
 */
struct sip_flow_wait;
typedef void(sip_flow_ready_h)(int err, const char *why, struct sip_flow *flow, void *arg);
int sip_transp_flow_get(struct sip_transp *t, const struct sip_dest *dest, sip_flow_ready_h *h, void *arg,
			struct sip_flow_wait **wp);
/* NULL-safe; safe after h ran (then it only frees the handle). */
void sip_flow_wait_cancel(struct sip_flow_wait *w);

/*
 * Queue a whole SIP message (or any bytes) on the flow. 0, EPIPE (flow lost/closed), ENOBUFS (too much
 * queued), EMSGSIZE (UDP datagram too big), or an errno from sendto. Logged through log_sip_trace.
 */
int sip_flow_send(struct sip_flow *f, const void *data, size_t len);
/*
 * RFC 5626 4.4.1 on an outgoing TCP/TLS flow whose registrar granted outbound (Require: outbound in
 * its 2xx to REGISTER): from now on every CRLFCRLF ping awaits its pong, the first one included, and
 * a pong missing for ka_timeout_ms loses the flow (ETIMEDOUT). Without this a pong is awaited only
 * from a peer that has answered a ping on the flow before (a registrar without outbound, such as
 * Asterisk, ignores pings). interval_ms: the ping period for this flow (the registrar's Flow-Timer,
 * each ping after 80-100 % of it); 0: the transport's ka_interval_ms. Pings still only go out when
 * the transport sends them (ka_off: none).
 */
void sip_flow_set_outbound(struct sip_flow *f, unsigned interval_ms);
/*
 * The owner found the flow dead although the socket says nothing (a request on it went unanswered,
 * the local address it used is gone): it is closed at once, what is queued is dropped, and for an
 * established flow the lost handler runs (err, why) before this returns (waiters of a flow not yet up
 * hear of it from the loop). The caller keeps its own reference. No-op on a flow lost already.
 */
void sip_flow_abort(struct sip_flow *f, int err, const char *why);
/* Close the flow after what is queued has gone out; the lost handler runs with err 0. */
void sip_flow_close(struct sip_flow *f);

void sip_flow_ref(struct sip_flow *f);
void sip_flow_unref(struct sip_flow *f);

enum sip_tp sip_flow_tp(const struct sip_flow *f);
/* "UDP", "TCP", "TLS" (for Via) */
const char *sip_flow_tp_name(const struct sip_flow *f);
/* TLS flows: true. Callers refuse to put SRTP keys on a flow where this is false. */
bool sip_flow_is_tls(const struct sip_flow *f);
/* TLS details of an established TLS flow, NULL otherwise. */
const struct tls_info *sip_flow_tls_info(const struct sip_flow *f);
/* false once lost or closed */
bool sip_flow_alive(const struct sip_flow *f);
/* true for flows opened by a peer (accepted connection, UDP source we never sent to first) */
bool sip_flow_inbound(const struct sip_flow *f);
/* Local and remote "host:port" ("[v6]:port"). */
const char *sip_flow_laddr(const struct sip_flow *f);
const char *sip_flow_raddr(const struct sip_flow *f);
/* Local port number (for Via/Contact). */
uint16_t sip_flow_lport(const struct sip_flow *f);
const char *sip_flow_lhost(const struct sip_flow *f);

const char *sip_tp_name(enum sip_tp tp);

#endif
