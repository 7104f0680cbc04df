/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sip_transp_priv.h: what sip_transp.c (flows, UDP, listeners, getting flows) and sip_conn.c (a TCP/TLS connection) share. */
#ifndef SIP_TRANSP_PRIV_H
#define SIP_TRANSP_PRIV_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "loop.h"
#include "sip_msg.h"
#include "sip_transp.h"
#include "tls.h"

#define DEF_MAX_MSG 65535
#define DEF_KA_INTERVAL 30000
#define DEF_KA_TIMEOUT 10000
#define DEF_CONNECT_TIMEOUT 10000
#define MAX_QUEUE (1024 * 1024)
#define UDP_MAX 65535
#define ADDR_STR 64

enum flow_state { F_CONNECTING, F_HANDSHAKE, F_UP, F_CLOSING, F_DEAD };

struct udp_sock {
	struct udp_sock *next;
	int fd;
	int family;
	struct sip_transp *t;
};

struct listener {
	struct listener *next;
	int fd;
	enum sip_tp tp;
	struct tls_ctx *tls;
	struct sip_transp *t;
};

struct sip_flow {
	struct sip_flow *next;        /* in t->flows while in the table */
	struct sip_transp *t;         /* NULL once detached */
	int refs;
	enum sip_tp tp;
	enum flow_state st;
	bool inbound;
	bool was_up;
	int fd;                       /* stream: owned; UDP: the shared socket's */
	struct udp_sock *us;
	struct sockaddr_storage raddr;
	socklen_t rlen;
	char laddr_s[ADDR_STR], raddr_s[ADDR_STR], lhost[INET6_ADDRSTRLEN];
	uint16_t lport;
	struct tls_ctx *tls_ctx;
	char tls_name[256];
	struct tls_conn *tls;
	struct tls_info info;
	bool have_info;
	struct sip_stream *stream;
	unsigned char *q;
	size_t qlen, qcap;
	struct tmr conn_tmr, ka_tmr, pong_tmr;
	bool rx_since_ka, awaiting_pong;
	bool pong_seen; /* the peer answered a ping once: from then on a missing pong means a dead flow */
	bool ping_out;  /* a ping of ours (sent at ping_at) has had no pong yet */
	bool half_pong; /* the last lone CRLF the stream reported was taken as that pong */
	uint64_t ping_at;
	size_t rd_len;  /* bytes of the read being fed to the stream (a pong is a read of its own) */
	bool outbound;  /* its registrar granted RFC 5626 outbound: every ping awaits its pong, the first too */
	unsigned ka_ms; /* ping period for this flow (Flow-Timer); 0: the transport's */
	bool pong_noted; /* logged that it does not answer */
	bool close_after_flush;
	int close_err;
	char close_why[300];
};

struct sip_flow_wait {
	struct sip_flow_wait *next;   /* in t->waits */
	struct sip_transp *t;
	struct sip_flow *f;           /* referenced */
	sip_flow_ready_h *h;
	void *arg;
	struct tmr tmr;
	bool scheduled, fired, owned; /* owned: the caller holds the handle and frees it */
	int err;
	char why[300];
};

struct sip_transp {
	struct loop *l;
	struct sip_transp_conf conf;
	sip_transp_recv_h *recvh;
	sip_transp_lost_h *losth;
	void *arg;
	struct sip_flow *flows;
	struct udp_sock *udps;
	struct listener *listeners;
	struct sip_flow_wait *waits;
	unsigned char rbuf[UDP_MAX + 1];
};

/* sip_transp.c */
void sip_flow_set_local(struct sip_flow *f, int fd);
void sip_flow_waits_notify(struct sip_flow *f, int err, const char *why);
/* ends the flow: waiters and the lost handler hear err and the reason */
void sip_flow_fail(struct sip_flow *f, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* a received message to the transport's handler (traced first) */
void sip_flow_deliver(struct sip_flow *f, struct sip_msg *msg);
void sip_flow_reply_error(struct sip_flow *f, struct sip_msg *bad, uint16_t code);

/* sip_conn.c */
/* the socket's events the flow's state needs (nothing for UDP) */
void sip_conn_events(struct sip_flow *f);
/* appends to the send queue: 0, ENOBUFS past MAX_QUEUE or ENOMEM */
int sip_conn_queue(struct sip_flow *f, const void *p, size_t n);
/* connected (and TLS verified): up, keep-alive started, waiters told */
void sip_conn_up(struct sip_flow *f);
void sip_conn_finish_close(struct sip_flow *f);
void sip_conn_handshake(struct sip_flow *f);
/* the loop's handler for a connection's socket */
void sip_conn_io(int fd, int events, void *arg);
/* the connect/handshake timer */
void sip_conn_timeout(void *arg);
/* takes fd (TCP_NODELAY) and gives the flow its framer */
int sip_conn_prepare(struct sip_flow *f, int fd);

#endif
