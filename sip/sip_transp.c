/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sip_transp.c: SIP flows over UDP/TCP/TLS on the poll loop: connect, TLS verify, framing, CRLF keep-alive. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "loop.h"
#include "sa.h"
#include "sip_msg.h"
#include "sip_stream.h"
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

static void flow_io(int fd, int events, void *arg);
static void flow_fail(struct sip_flow *f, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

const char *sip_tp_name(enum sip_tp tp)
{
	switch (tp) {
	case SIP_TP_UDP: return "UDP";
	case SIP_TP_TCP: return "TCP";
	case SIP_TP_TLS: return "TLS";
	}
	return "?";
}

/* ---- flow objects ---- */

void sip_flow_ref(struct sip_flow *f)
{
	if (f)
		f->refs++;
}

void sip_flow_unref(struct sip_flow *f)
{
	if (!f || --f->refs > 0)
		return;
	if (f->q)
		explicit_bzero(f->q, f->qcap); /* SIP text: SDP with a=crypto keys, digest responses */
	free(f->q);
	free(f);
}

static struct sip_flow *flow_new(struct sip_transp *t, enum sip_tp tp, const struct sockaddr_storage *raddr,
				 socklen_t rlen)
{
	struct sip_flow *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->t = t;
	f->refs = 1; /* the table's */
	f->tp = tp;
	f->fd = -1;
	memcpy(&f->raddr, raddr, rlen);
	f->rlen = rlen;
	sa_str((const struct sockaddr *)raddr, f->raddr_s, sizeof(f->raddr_s), NULL, 0, NULL);
	tmr_init(&f->conn_tmr);
	tmr_init(&f->ka_tmr);
	tmr_init(&f->pong_tmr);
	f->next = t->flows;
	t->flows = f;
	return f;
}

static void set_local(struct sip_flow *f, int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		sa_str((struct sockaddr *)&ss, f->laddr_s, sizeof(f->laddr_s), f->lhost, sizeof(f->lhost), &f->lport);
}

/* The local address the kernel would use towards raddr from a wildcard-bound UDP socket. */
static void set_local_udp(struct sip_flow *f)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	uint16_t port = 0;
	int probe;

	if (getsockname(f->fd, (struct sockaddr *)&ss, &sl) != 0)
		return;
	sa_str((struct sockaddr *)&ss, f->laddr_s, sizeof(f->laddr_s), f->lhost, sizeof(f->lhost), &port);
	f->lport = port;
	if (strcmp(f->lhost, "0.0.0.0") != 0 && strcmp(f->lhost, "::") != 0)
		return;
	probe = socket(f->raddr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return;
	sl = sizeof(ss);
	if (connect(probe, (struct sockaddr *)&f->raddr, f->rlen) == 0 &&
	    getsockname(probe, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET)
			((struct sockaddr_in *)&ss)->sin_port = htons(port);
		else
			((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		sa_str((struct sockaddr *)&ss, f->laddr_s, sizeof(f->laddr_s), f->lhost, sizeof(f->lhost), NULL);
	}
	close(probe);
}

static void flow_unlink(struct sip_flow *f)
{
	struct sip_flow **pp;

	if (!f->t)
		return;
	for (pp = &f->t->flows; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	f->next = NULL;
}

/* Free the connection's resources; the object itself lives while referenced. */
static void flow_teardown(struct sip_flow *f)
{
	tmr_cancel(&f->conn_tmr);
	tmr_cancel(&f->ka_tmr);
	tmr_cancel(&f->pong_tmr);
	if (f->tp != SIP_TP_UDP && f->fd >= 0) {
		if (f->t)
			loop_fd_remove(f->t->l, f->fd);
		if (f->tls)
			tls_conn_shutdown(f->tls);
		close(f->fd);
	}
	f->fd = -1;
	tls_conn_free(f->tls);
	f->tls = NULL;
	sip_stream_free(f->stream);
	f->stream = NULL;
	if (f->q)
		explicit_bzero(f->q, f->qlen);
	f->qlen = 0;
	f->st = F_DEAD;
}

static void wait_fire(void *arg);

/* Tell everyone waiting for f whether it became ready. */
static void waits_notify(struct sip_flow *f, int err, const char *why)
{
	struct sip_flow_wait *w;

	if (!f->t)
		return;
	for (w = f->t->waits; w; w = w->next) {
		if (w->f != f || w->scheduled)
			continue;
		w->err = err;
		snprintf(w->why, sizeof(w->why), "%s", why ? why : "");
		w->scheduled = true;
		if (tmr_start(f->t->l, &w->tmr, 0, wait_fire, w) != 0)
			w->scheduled = false; /* ENOMEM: it will time out with its caller */
	}
}

static void flow_fail(struct sip_flow *f, int err, const char *fmt, ...)
{
	struct sip_transp *t = f->t;
	char why[300];
	bool was_up = f->was_up;
	va_list ap;

	if (f->st == F_DEAD)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	f->close_err = err;
	snprintf(f->close_why, sizeof(f->close_why), "%s", why);
	flow_teardown(f);
	flow_unlink(f);
	if (t) {
		if (was_up) {
			log_info("SIP %s flow %s lost: %s", sip_tp_name(f->tp), f->raddr_s, why);
			if (t->losth)
				t->losth(f, err, why, t->arg);
		} else {
			log_debug("SIP %s flow %s failed: %s", sip_tp_name(f->tp), f->raddr_s, why);
			waits_notify(f, err ? err : EPIPE, why);
		}
	}
	sip_flow_unref(f); /* the table's reference, held until the handlers are done */
}

static void flow_update_events(struct sip_flow *f)
{
	int ev = 0;

	if (f->st == F_DEAD || f->tp == SIP_TP_UDP || f->fd < 0 || !f->t)
		return;
	switch (f->st) {
	case F_CONNECTING:
		ev = LOOP_WRITE;
		break;
	case F_HANDSHAKE:
		ev = (tls_conn_wants(f->tls) & TLS_WANT_WRITE) ? LOOP_WRITE : LOOP_READ;
		break;
	case F_UP:
		ev = LOOP_READ;
		/* fall through */
	case F_CLOSING:
		if (f->qlen || (f->tls && (tls_conn_wants(f->tls) & TLS_WANT_WRITE)))
			ev |= LOOP_WRITE;
		break;
	case F_DEAD:
		return;
	}
	loop_fd_listen(f->t->l, f->fd, ev, flow_io, f);
}

static int queue_add(struct sip_flow *f, const void *p, size_t n)
{
	if (f->qlen + n > MAX_QUEUE)
		return ENOBUFS;
	if (f->qlen + n > f->qcap) {
		size_t cap = f->qcap ? f->qcap : 4096;
		unsigned char *q;

		while (cap < f->qlen + n)
			cap *= 2;
		q = buf_grow_wiped(f->q, f->qcap, f->qlen, cap); /* SIP text (keys) in it */
		if (!q)
			return ENOMEM;
		f->q = q;
		f->qcap = cap;
	}
	memcpy(f->q + f->qlen, p, n);
	f->qlen += n;
	return 0;
}

/* ---- keep-alive (RFC 5626 4.4.1) ---- */

static unsigned ka_delay(const struct sip_flow *f)
{
	unsigned iv = f->ka_ms ? f->ka_ms : f->t->conf.ka_interval_ms;

	/* 80..100 % of the interval, so that many phones do not ping in step */
	return iv - (iv / 5 ? arc4random_uniform(iv / 5 + 1) : 0);
}

static void pong_timeout(void *arg)
{
	struct sip_flow *f = arg;

	flow_fail(f, ETIMEDOUT, "no keep-alive answer from %s within %u ms: connection lost", f->raddr_s,
		  f->t->conf.ka_timeout_ms);
}

/*
 * A pong is awaited from a registrar that granted RFC 5626 outbound on this flow (sip_flow_set_outbound),
 * from the first ping on: the first ping is exactly the one a NAT binding that died after the REGISTER
 * swallows. Otherwise only from a peer that has answered a ping on this flow before: a registrar that
 * does not implement outbound may ignore pings (Asterisk's pjproject reads the CRLFs and answers
 * nothing), and declaring its flow dead every interval would drop the registration and, worse, the
 * route a PBX uses to reach us mid-call. There the pings still keep NAT bindings open, and a dead flow
 * shows as a TCP error or an unanswered REGISTER (the owner then calls sip_flow_abort).
 */
static bool expects_pong(const struct sip_flow *f)
{
	return f->pong_seen || f->outbound;
}

static void ka_due(void *arg)
{
	struct sip_flow *f = arg;

	if (f->st != F_UP)
		return;
	if (f->awaiting_pong && !expects_pong(f) && !f->pong_noted) {
		f->pong_noted = true;
		log_debug("SIP %s flow %s: the peer does not answer keep-alive pings; sending them without expecting "
			  "a pong", sip_tp_name(f->tp), f->raddr_s);
	}
	if (f->rx_since_ka) { /* SIP messages came in: the flow is not idle and evidently alive */
		f->rx_since_ka = false;
	} else if (!f->awaiting_pong || !expects_pong(f)) {
		if (queue_add(f, "\r\n\r\n", 4) == 0) {
			f->awaiting_pong = true;
			if (expects_pong(f))
				tmr_start(f->t->l, &f->pong_tmr, f->t->conf.ka_timeout_ms, pong_timeout, f);
			flow_update_events(f);
		}
	}
	tmr_start(f->t->l, &f->ka_tmr, ka_delay(f), ka_due, f);
}

static void on_ka(enum sip_ka kind, void *arg)
{
	struct sip_flow *f = arg;

	if (kind == SIP_KA_PING) {
		if (f->st == F_UP && queue_add(f, "\r\n", 2) == 0)
			flow_update_events(f);
	} else {
		f->pong_seen = true;
		f->awaiting_pong = false;
		tmr_cancel(&f->pong_tmr);
	}
}

/* ---- stream I/O ---- */

static void flow_up(struct sip_flow *f)
{
	struct sip_transp *t = f->t;

	tmr_cancel(&f->conn_tmr);
	f->st = F_UP;
	f->was_up = true;
	if (f->tls && tls_conn_info(f->tls, &f->info) == 0) {
		f->have_info = true;
		if (!f->info.verified && !f->inbound)
			log_warn("TLS to %s (%s) is NOT verified: %s", f->tls_name, f->raddr_s, f->info.verify_note);
	}
	log_debug("SIP %s flow %s <-> %s up%s%s", sip_tp_name(f->tp), f->laddr_s, f->raddr_s,
		  f->have_info ? " " : "", f->have_info ? f->info.version : "");
	if (!f->inbound && !t->conf.ka_off)
		tmr_start(t->l, &f->ka_tmr, ka_delay(f), ka_due, f);
	flow_update_events(f);
	if (!f->inbound)
		waits_notify(f, 0, NULL);
}

static void deliver(struct sip_flow *f, struct sip_msg *msg)
{
	struct sip_transp *t = f->t;
	struct pl raw = sip_msg_raw(msg);

	log_sip_trace(false, sip_tp_name(f->tp), f->raddr_s, raw.p, raw.l);
	if (t && t->recvh)
		t->recvh(msg, f, (const struct sockaddr *)&f->raddr, f->rlen, t->arg);
	else
		sip_msg_free(msg);
}

static void on_stream_msg(struct sip_msg *msg, void *arg)
{
	struct sip_flow *f = arg;

	if (f->st != F_UP) { /* closing or gone: no more deliveries */
		sip_msg_free(msg);
		return;
	}
	f->rx_since_ka = true; /* a SIP message, not a pong: the flow is not idle */
	deliver(f, msg);
}

/* A reply to a request we cannot take, sent before closing or dropping. */
static void reply_error(struct sip_flow *f, struct sip_msg *bad, uint16_t code)
{
	struct wbuf w;

	if (!bad || !sip_msg_is_request(bad) || sip_msg_method_id(bad) == SIP_METHOD_ACK)
		return;
	wbuf_init(&w, 8192);
	if (sip_reply_print(&w, bad, code, sip_reason_phrase(code), NULL, NULL, NULL, NULL, 0) == 0)
		(void)sip_flow_send(f, w.p, w.len);
	wbuf_free(&w);
}

static void flow_finish_close(struct sip_flow *f)
{
	flow_fail(f, f->close_err, "%s", f->close_why);
}

static void bad_input(struct sip_flow *f, int err)
{
	struct sip_msg *bad = sip_stream_take_bad(f->stream);

	if (err == EMSGSIZE) {
		reply_error(f, bad, 513);
		snprintf(f->close_why, sizeof(f->close_why),
			 "message from %s exceeds %zu bytes: closing the connection", f->raddr_s,
			 f->t->conf.max_msg_size);
	} else {
		reply_error(f, bad, 400);
		snprintf(f->close_why, sizeof(f->close_why), "malformed SIP message from %s: closing the connection",
			 f->raddr_s);
	}
	sip_msg_free(bad);
	log_warn("%s", f->close_why);
	f->close_err = err == ENOMEM ? ENOMEM : EBADMSG;
	f->close_after_flush = true;
	f->st = F_CLOSING;
	if (!f->qlen)
		flow_finish_close(f);
	else
		flow_update_events(f);
}

static void flow_read(struct sip_flow *f)
{
	unsigned char buf[16384];
	size_t n;
	ssize_t r;
	int err;

	while (f->st == F_UP) {
		if (f->tls) {
			err = tls_conn_read(f->tls, buf, sizeof(buf), &n);
			if (err == EAGAIN)
				return;
			if (err) {
				if (err == EPIPE)
					flow_fail(f, EPIPE, "%s closed the connection", f->raddr_s);
				else
					flow_fail(f, err, "%s", tls_conn_error(f->tls));
				return;
			}
		} else {
			r = recv(f->fd, buf, sizeof(buf), 0);
			if (r < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
					return;
				flow_fail(f, errno, "connection to %s: %s", f->raddr_s, strerror(errno));
				return;
			}
			if (r == 0) {
				flow_fail(f, EPIPE, "%s closed the connection", f->raddr_s);
				return;
			}
			n = (size_t)r;
		}
		if (f->awaiting_pong) { /* any traffic proves the flow alive */
			f->awaiting_pong = false;
			tmr_cancel(&f->pong_tmr);
		}
		sip_flow_ref(f);
		err = sip_stream_feed(f->stream, buf, n, on_stream_msg, f);
		if (err && f->st == F_UP)
			bad_input(f, err);
		sip_flow_unref(f);
	}
}

static void flow_flush(struct sip_flow *f)
{
	size_t put;
	ssize_t r;
	int err;

	while (f->qlen) {
		if (f->tls) {
			err = tls_conn_write(f->tls, f->q, f->qlen, &put);
			if (err == EAGAIN)
				break;
			if (err) {
				flow_fail(f, err, "%s", *tls_conn_error(f->tls) ? tls_conn_error(f->tls) : strerror(err));
				return;
			}
		} else {
			r = send(f->fd, f->q, f->qlen, MSG_NOSIGNAL);
			if (r < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
					break;
				flow_fail(f, errno, "sending to %s: %s", f->raddr_s, strerror(errno));
				return;
			}
			put = (size_t)r;
		}
		memmove(f->q, f->q + put, f->qlen - put);
		explicit_bzero(f->q + f->qlen - put, put); /* the stale tail */
		f->qlen -= put;
	}
	if (!f->qlen && f->close_after_flush) {
		flow_finish_close(f);
		return;
	}
	flow_update_events(f);
}

static void handshake_step(struct sip_flow *f)
{
	int err = tls_conn_handshake(f->tls);

	if (err == EAGAIN) {
		flow_update_events(f);
		return;
	}
	if (err) {
		flow_fail(f, err == ECONNREFUSED || err == ECONNRESET || err == EPIPE ? err : EPROTO, "%s",
			  tls_conn_error(f->tls));
		return;
	}
	flow_up(f);
	if (f->st == F_UP && f->qlen)
		flow_flush(f);
}

static void start_stream(struct sip_flow *f)
{
	set_local(f, f->fd);
	if (f->tp == SIP_TP_TLS) {
		f->st = F_HANDSHAKE;
		handshake_step(f);
	} else {
		flow_up(f);
		if (f->st == F_UP && f->qlen)
			flow_flush(f);
	}
}

static void flow_io(int fd, int events, void *arg)
{
	struct sip_flow *f = arg;
	socklen_t sl;
	int soerr = 0;

	sip_flow_ref(f);
	switch (f->st) {
	case F_CONNECTING:
		sl = sizeof(soerr);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
			soerr = errno;
		if (soerr == ECONNREFUSED)
			flow_fail(f, soerr, "connection refused by %s (nothing listens on that port?)", f->raddr_s);
		else if (soerr)
			flow_fail(f, soerr, "cannot connect to %s: %s", f->raddr_s, strerror(soerr));
		else if (events & (LOOP_WRITE | LOOP_ERROR))
			start_stream(f);
		break;
	case F_HANDSHAKE:
		handshake_step(f);
		break;
	case F_UP:
	case F_CLOSING:
		if (f->st == F_UP && (events & (LOOP_READ | LOOP_ERROR)))
			flow_read(f);
		if (f->st == F_CLOSING && (events & LOOP_ERROR) && !(events & LOOP_WRITE))
			flow_finish_close(f);
		if ((f->st == F_UP || f->st == F_CLOSING) && (f->qlen || (events & LOOP_WRITE)))
			flow_flush(f);
		break;
	case F_DEAD:
		break;
	}
	sip_flow_unref(f);
}

static void conn_timeout(void *arg)
{
	struct sip_flow *f = arg;
	unsigned ms = f->t->conf.connect_timeout_ms;

	if (f->st == F_CONNECTING) {
		flow_fail(f, ETIMEDOUT, "TCP connect to %s timed out after %u ms", f->raddr_s, ms);
	} else if (f->st == F_HANDSHAKE) {
		tls_conn_set_timeout(f->tls, ms);
		flow_fail(f, ETIMEDOUT, "%s", tls_conn_error(f->tls));
	}
}

static int stream_prepare(struct sip_flow *f, int fd)
{
	int one = 1, err;

	f->fd = fd;
	/* Nagle + delayed ACK would cost ~40 ms per small back-to-back write */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	err = sip_stream_alloc(&f->stream, f->t->conf.max_msg_size);
	if (err)
		return err;
	sip_stream_set_ka_handler(f->stream, on_ka, f);
	return 0;
}

/* ---- UDP ---- */

static void udp_read(int fd, int events, void *arg);

static struct sip_flow *udp_flow_find(struct sip_transp *t, const struct sockaddr_storage *ra)
{
	struct sip_flow *f;

	for (f = t->flows; f; f = f->next)
		if (f->tp == SIP_TP_UDP && f->st == F_UP && sa_equal((const struct sockaddr *)&f->raddr, (const struct sockaddr *)ra))
			return f;
	return NULL;
}

static struct sip_flow *udp_flow_new(struct sip_transp *t, struct udp_sock *us, const struct sockaddr_storage *ra,
				     socklen_t rlen, bool inbound)
{
	struct sip_flow *f = flow_new(t, SIP_TP_UDP, ra, rlen);

	if (!f)
		return NULL;
	f->us = us;
	f->fd = us->fd;
	f->inbound = inbound;
	f->st = F_UP;
	f->was_up = true;
	set_local_udp(f);
	return f;
}

static int udp_sock_add(struct sip_transp *t, int fd, int family, struct udp_sock **usp)
{
	struct udp_sock *us = calloc(1, sizeof(*us));
	int err;

	if (!us)
		return ENOMEM;
	us->fd = fd;
	us->family = family;
	us->t = t;
	err = loop_fd_listen(t->l, fd, LOOP_READ, udp_read, us);
	if (err) {
		free(us);
		return err;
	}
	us->next = t->udps;
	t->udps = us;
	*usp = us;
	return 0;
}

static int udp_sock_for(struct sip_transp *t, int family, struct udp_sock **usp)
{
	struct sockaddr_storage ss;
	struct udp_sock *us;
	int fd, err;

	for (us = t->udps; us; us = us->next)
		if (us->family == family) {
			*usp = us;
			return 0;
		}
	/* no UDP listener of that family: an ephemeral socket */
	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)family;
	if (bind(fd, (struct sockaddr *)&ss, sa_len((struct sockaddr *)&ss)) != 0) {
		err = errno;
		close(fd);
		return err;
	}
	err = udp_sock_add(t, fd, family, usp);
	if (err)
		close(fd);
	return err;
}

/*
 * UDP sources come and go without telling: keep at most MAX_UDP_INBOUND inbound UDP flows, dropping the
 * oldest that nobody references (new flows go to the list head, so the last match is the oldest).
 */
#define MAX_UDP_INBOUND 256
static void udp_flow_trim(struct sip_transp *t)
{
	struct sip_flow *f, *oldest = NULL;
	size_t n = 0;

	for (f = t->flows; f; f = f->next)
		if (f->tp == SIP_TP_UDP && f->inbound) {
			n++;
			if (f->refs == 1)
				oldest = f;
		}
	if (n < MAX_UDP_INBOUND || !oldest)
		return;
	flow_teardown(oldest);
	flow_unlink(oldest);
	sip_flow_unref(oldest);
}

static void udp_read(int fd, int events, void *arg)
{
	struct udp_sock *us = arg;
	struct sip_transp *t = us->t;
	struct sockaddr_storage src;
	struct sip_msg *msg;
	struct sip_flow *f;
	socklen_t sl;
	ssize_t n;
	size_t last = 0;
	int i, strict;

	for (i = 0; i < 64; i++) { /* bounded so one busy socket cannot starve the loop */
		/* the previous datagram's SIP text (SDP keys) does not stay in the buffer */
		if (last)
			explicit_bzero(t->rbuf, last);
		sl = sizeof(src);
		n = recvfrom(fd, t->rbuf, sizeof(t->rbuf), 0, (struct sockaddr *)&src, &sl);
		if (n < 0)
			return;
		last = (size_t)n;
		if (n == 0 || (n == 2 && !memcmp(t->rbuf, "\r\n", 2)) || (n == 4 && !memcmp(t->rbuf, "\r\n\r\n", 4)))
			continue; /* keep-alive datagrams */
		f = udp_flow_find(t, &src);
		if (!f) {
			udp_flow_trim(t);
			f = udp_flow_new(t, us, &src, sl, true);
			if (!f)
				continue;
		}
		if ((size_t)n > t->conf.max_msg_size) {
			log_warn("dropping a %zd byte datagram from %s (limit %zu)", n, f->raddr_s,
				 t->conf.max_msg_size);
			continue;
		}
		if (sip_msg_decode_lenient(&msg, t->rbuf, (size_t)n, &strict) != 0) {
			log_warn("dropping a malformed datagram from %s", f->raddr_s);
			continue;
		}
		if (strict) {
			log_sip_trace(false, "UDP", f->raddr_s, (const char *)t->rbuf, (size_t)n);
			log_warn("malformed SIP message from %s", f->raddr_s);
			reply_error(f, msg, 400);
			sip_msg_free(msg);
			continue;
		}
		sip_flow_ref(f);
		deliver(f, msg);
		sip_flow_unref(f);
	}
	if (last)
		explicit_bzero(t->rbuf, last);
}

/* ---- listeners ---- */

static void on_accept(int fd, int events, void *arg)
{
	struct listener *ls = arg;
	struct sip_transp *t = ls->t;
	struct sockaddr_storage ra;
	struct sip_flow *f;
	socklen_t sl = sizeof(ra);
	int cfd;

	cfd = accept4(fd, (struct sockaddr *)&ra, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	f = flow_new(t, ls->tp, &ra, sl);
	if (!f) {
		close(cfd);
		return;
	}
	f->inbound = true;
	if (stream_prepare(f, cfd) != 0) {
		flow_fail(f, ENOMEM, "out of memory");
		return;
	}
	set_local(f, cfd);
	if (ls->tp == SIP_TP_TLS) {
		if (tls_conn_alloc(&f->tls, ls->tls, cfd, NULL) != 0) {
			flow_fail(f, ENOMEM, "cannot start TLS");
			return;
		}
		f->st = F_HANDSHAKE;
		tmr_start(t->l, &f->conn_tmr, t->conf.connect_timeout_ms, conn_timeout, f);
		handshake_step(f);
	} else {
		flow_up(f);
	}
}

int sip_transp_listen(struct sip_transp *t, enum sip_tp tp, const struct sockaddr *addr, socklen_t addrlen,
		      struct tls_ctx *tls, uint16_t *portp)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct listener *ls = NULL;
	struct udp_sock *us;
	int fd, err = 0, one = 1;

	if (!t || !addr || (tp == SIP_TP_TLS && !tls) || (addr->sa_family != AF_INET && addr->sa_family != AF_INET6))
		return EINVAL;
	fd = socket(addr->sa_family, (tp == SIP_TP_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (tp != SIP_TP_UDP)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (addr->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, addr, addrlen) != 0 || (tp != SIP_TP_UDP && listen(fd, 32) != 0)) {
		err = errno;
		goto out;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		err = errno;
		goto out;
	}
	if (tp == SIP_TP_UDP) {
		err = udp_sock_add(t, fd, addr->sa_family, &us);
		if (err)
			goto out;
	} else {
		ls = calloc(1, sizeof(*ls));
		if (!ls) {
			err = ENOMEM;
			goto out;
		}
		ls->fd = fd;
		ls->tp = tp;
		ls->tls = tls;
		ls->t = t;
		err = loop_fd_listen(t->l, fd, LOOP_READ, on_accept, ls);
		if (err) {
			free(ls);
			goto out;
		}
		ls->next = t->listeners;
		t->listeners = ls;
	}
	if (portp)
		*portp = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
						       : ((struct sockaddr_in6 *)&ss)->sin6_port);
 out:
	if (err)
		close(fd);
	return err;
}

/* ---- getting flows ---- */

static void wait_unlink(struct sip_flow_wait *w)
{
	struct sip_flow_wait **pp;

	if (!w->t)
		return;
	for (pp = &w->t->waits; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	w->next = NULL;
	w->t = NULL;
}

static void wait_fire(void *arg)
{
	struct sip_flow_wait *w = arg;
	sip_flow_ready_h *h = w->h;
	void *harg = w->arg;
	struct sip_flow *f = w->f;
	int err = w->err;
	char why[sizeof(w->why)];

	memcpy(why, w->why, sizeof(why));
	wait_unlink(w);
	w->fired = true;
	w->f = NULL;
	if (!w->owned)
		free(w);
	/* w may be freed by the handler (sip_flow_wait_cancel): nothing touches it below */
	if (err == 0 && f && f->st != F_UP) {
		err = EPIPE;
		snprintf(why, sizeof(why), "connection to %s was lost", f->raddr_s);
	}
	if (h)
		h(err, err ? why : NULL, err ? NULL : f, harg);
	sip_flow_unref(f);
}

void sip_flow_wait_cancel(struct sip_flow_wait *w)
{
	if (!w)
		return;
	tmr_cancel(&w->tmr);
	wait_unlink(w);
	sip_flow_unref(w->f);
	free(w);
}

static struct sip_flow *flow_find(struct sip_transp *t, const struct sip_dest *d)
{
	struct sip_flow *f;

	for (f = t->flows; f; f = f->next) {
		if (f->tp != d->tp || !sa_equal((const struct sockaddr *)&f->raddr, (const struct sockaddr *)&d->addr) || f->st == F_DEAD || f->st == F_CLOSING)
			continue;
		if (d->tp == SIP_TP_TLS && (f->inbound || f->tls_ctx != d->tls || strcasecmp(f->tls_name, d->tls_name)))
			continue; /* only a connection we verified against this name serves it */
		return f;
	}
	return NULL;
}

static int flow_open(struct sip_transp *t, const struct sip_dest *d, struct sip_flow **fp)
{
	struct sip_flow *f;
	struct udp_sock *us = NULL;
	int fd, err;

	if (d->tp == SIP_TP_UDP) {
		err = udp_sock_for(t, d->addr.ss_family, &us);
		if (err)
			return err;
		f = udp_flow_new(t, us, &d->addr, d->addrlen, false);
		if (!f)
			return ENOMEM;
		sip_flow_ref(f); /* the caller's */
		*fp = f;
		return 0;
	}
	f = flow_new(t, d->tp, &d->addr, d->addrlen);
	if (!f)
		return ENOMEM;
	if (d->tp == SIP_TP_TLS) {
		f->tls_ctx = d->tls;
		snprintf(f->tls_name, sizeof(f->tls_name), "%s", d->tls_name);
	}
	fd = socket(d->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = errno;
		goto fail;
	}
	err = stream_prepare(f, fd);
	if (err)
		goto fail;
	if (d->tp == SIP_TP_TLS) {
		err = tls_conn_alloc(&f->tls, d->tls, fd, d->tls_name);
		if (err)
			goto fail;
	}
	tmr_start(t->l, &f->conn_tmr, t->conf.connect_timeout_ms, conn_timeout, f);
	f->st = F_CONNECTING;
	sip_flow_ref(f); /* the caller's: keeps a flow that fails right here readable */
	if (connect(fd, (struct sockaddr *)&d->addr, d->addrlen) != 0 && errno != EINPROGRESS) {
		int e = errno;
		*fp = f;
		if (e == ECONNREFUSED)
			flow_fail(f, e, "connection refused by %s (nothing listens on that port?)", f->raddr_s);
		else
			flow_fail(f, e, "cannot connect to %s: %s", f->raddr_s, strerror(e));
		return 0;
	}
	flow_update_events(f);
	*fp = f;
	return 0;
 fail:
	flow_teardown(f);
	flow_unlink(f);
	sip_flow_unref(f);
	return err;
}

int sip_transp_flow_get(struct sip_transp *t, const struct sip_dest *d, sip_flow_ready_h *h, void *arg,
			struct sip_flow_wait **wp)
{
	struct sip_flow_wait *w;
	struct sip_flow *f;
	int err;

	if (!t || !d || !h || d->addrlen == 0 || d->addrlen > sizeof(d->addr) ||
	    (d->tp == SIP_TP_TLS && (!d->tls || !d->tls_name || !*d->tls_name)))
		return EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return ENOMEM;
	tmr_init(&w->tmr);
	w->h = h;
	w->arg = arg;
	w->owned = wp != NULL;
	w->t = t;
	w->next = t->waits;
	t->waits = w;

	f = flow_find(t, d);
	if (f) {
		sip_flow_ref(f);
	} else {
		err = flow_open(t, d, &f); /* f comes with a reference for us */
		if (err) {
			wait_unlink(w);
			free(w);
			return err;
		}
	}
	w->f = f;
	if (f->st == F_UP || f->st == F_DEAD) {
		if (f->st == F_DEAD) { /* failed at once (e.g. refused on loopback) */
			w->err = f->close_err ? f->close_err : EPIPE;
			snprintf(w->why, sizeof(w->why), "%s", f->close_why);
		}
		w->scheduled = true;
		tmr_start(t->l, &w->tmr, 0, wait_fire, w);
	}
	if (wp)
		*wp = w;
	return 0;
}

/* ---- sending ---- */

int sip_flow_send(struct sip_flow *f, const void *data, size_t len)
{
	ssize_t r;
	int err;

	if (!f || (!data && len))
		return EINVAL;
	if (!f->t || f->st == F_DEAD || f->st == F_CLOSING)
		return EPIPE;
	if (f->tp == SIP_TP_UDP) {
		if (len > UDP_MAX - 8 - 40)
			return EMSGSIZE;
		r = sendto(f->fd, data, len, 0, (struct sockaddr *)&f->raddr, f->rlen);
		if (r < 0)
			return errno;
		log_sip_trace(true, "UDP", f->raddr_s, data, len);
		return 0;
	}
	err = queue_add(f, data, len);
	if (err)
		return err;
	log_sip_trace(true, sip_tp_name(f->tp), f->raddr_s, data, len);
	flow_update_events(f); /* the loop writes it: never re-enter handlers from here */
	return 0;
}

void sip_flow_set_outbound(struct sip_flow *f, unsigned interval_ms)
{
	if (!f || !f->t || f->tp == SIP_TP_UDP || f->inbound)
		return;
	f->outbound = true;
	if (interval_ms == f->ka_ms)
		return;
	f->ka_ms = interval_ms;
	/* the new period from now: a ping whose pong is awaited keeps its timeout */
	if (f->st == F_UP && tmr_running(&f->ka_tmr))
		tmr_start(f->t->l, &f->ka_tmr, ka_delay(f), ka_due, f);
}

void sip_flow_abort(struct sip_flow *f, int err, const char *why)
{
	if (!f || !f->t || f->st == F_DEAD)
		return;
	sip_flow_ref(f); /* flow_fail drops the table's reference: f stays readable until the end */
	flow_fail(f, err ? err : EPIPE, "%s", why && *why ? why : "connection given up");
	sip_flow_unref(f);
}

void sip_flow_close(struct sip_flow *f)
{
	if (!f || !f->t || f->st == F_DEAD || f->st == F_CLOSING)
		return;
	if (f->tp == SIP_TP_UDP) {
		flow_teardown(f);
		flow_unlink(f);
		sip_flow_unref(f);
		return;
	}
	snprintf(f->close_why, sizeof(f->close_why), "connection to %s closed", f->raddr_s);
	f->close_err = 0;
	f->close_after_flush = true;
	if (f->st != F_UP) {
		flow_finish_close(f); /* not connected yet: waiters hear of it */
		return;
	}
	f->st = F_CLOSING;
	flow_update_events(f);
	if (!f->qlen) {
		/* nothing to flush: close from the loop, not from inside the caller */
		loop_fd_listen(f->t->l, f->fd, LOOP_WRITE, flow_io, f);
	}
}

/* ---- accessors ---- */

enum sip_tp sip_flow_tp(const struct sip_flow *f)
{
	return f ? f->tp : SIP_TP_UDP;
}

const char *sip_flow_tp_name(const struct sip_flow *f)
{
	return f ? sip_tp_name(f->tp) : "?";
}

bool sip_flow_is_tls(const struct sip_flow *f)
{
	return f && f->tp == SIP_TP_TLS;
}

const struct tls_info *sip_flow_tls_info(const struct sip_flow *f)
{
	return f && f->have_info ? &f->info : NULL;
}

bool sip_flow_alive(const struct sip_flow *f)
{
	return f && f->t && (f->st == F_UP || f->st == F_CONNECTING || f->st == F_HANDSHAKE);
}

bool sip_flow_inbound(const struct sip_flow *f)
{
	return f && f->inbound;
}

const char *sip_flow_laddr(const struct sip_flow *f)
{
	return f ? f->laddr_s : "";
}

const char *sip_flow_raddr(const struct sip_flow *f)
{
	return f ? f->raddr_s : "";
}

uint16_t sip_flow_lport(const struct sip_flow *f)
{
	return f ? f->lport : 0;
}

const char *sip_flow_lhost(const struct sip_flow *f)
{
	return f ? f->lhost : "";
}

/* ---- the transport ---- */

int sip_transp_alloc(struct sip_transp **tp, struct loop *l, const struct sip_transp_conf *conf,
		     sip_transp_recv_h *recvh, sip_transp_lost_h *losth, void *arg)
{
	struct sip_transp *t;

	if (!tp || !l)
		return EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return ENOMEM;
	t->l = l;
	if (conf)
		t->conf = *conf;
	if (!t->conf.max_msg_size)
		t->conf.max_msg_size = DEF_MAX_MSG;
	if (t->conf.max_msg_size > UDP_MAX)
		t->conf.max_msg_size = UDP_MAX;
	if (!t->conf.ka_interval_ms)
		t->conf.ka_interval_ms = DEF_KA_INTERVAL;
	if (!t->conf.ka_timeout_ms)
		t->conf.ka_timeout_ms = DEF_KA_TIMEOUT;
	if (!t->conf.connect_timeout_ms)
		t->conf.connect_timeout_ms = DEF_CONNECT_TIMEOUT;
	t->recvh = recvh;
	t->losth = losth;
	t->arg = arg;
	{
		/* OpenSSL writes with write(): a peer's reset must give EPIPE, not kill the process */
		struct sigaction old;

		if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL)
			signal(SIGPIPE, SIG_IGN);
	}
	*tp = t;
	return 0;
}

void sip_transp_free(struct sip_transp *t)
{
	struct sip_flow_wait *w;
	struct udp_sock *us;
	struct listener *ls;
	struct sip_flow *f;

	if (!t)
		return;
	while ((w = t->waits)) {
		t->waits = w->next;
		tmr_cancel(&w->tmr);
		w->t = NULL;
		w->next = NULL;
		sip_flow_unref(w->f);
		w->f = NULL;
		if (!w->owned)
			free(w);
	}
	while ((f = t->flows)) {
		t->flows = f->next;
		f->next = NULL;
		flow_teardown(f);
		f->t = NULL;
		sip_flow_unref(f);
	}
	while ((us = t->udps)) {
		t->udps = us->next;
		loop_fd_remove(t->l, us->fd);
		close(us->fd);
		free(us);
	}
	while ((ls = t->listeners)) {
		t->listeners = ls->next;
		loop_fd_remove(t->l, ls->fd);
		close(ls->fd);
		free(ls);
	}
	free(t);
}
