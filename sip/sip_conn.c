/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sip_conn.c: one TCP or TLS connection of the transport: TLS handshake, reading and framing, the send queue, CRLF keep-alive. */
#include <config.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "loop.h"
#include "sip_msg.h"
#include "sip_stream.h"
#include "sip_transp_priv.h"
#include "tls.h"

void sip_conn_events(struct sip_flow *f)
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
	loop_fd_listen(f->t->l, f->fd, ev, sip_conn_io, f);
}

int sip_conn_queue(struct sip_flow *f, const void *p, size_t n)
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

	sip_flow_fail(f, ETIMEDOUT, "no keep-alive answer from %s within %u ms: connection lost", f->raddr_s,
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
		if (sip_conn_queue(f, "\r\n\r\n", 4) == 0) {
			f->awaiting_pong = true;
			f->ping_out = true;
			f->ping_at = loop_now_ms();
			if (expects_pong(f))
				tmr_start(f->t->l, &f->pong_tmr, f->t->conf.ka_timeout_ms, pong_timeout, f);
			sip_conn_events(f);
		}
	}
	tmr_start(f->t->l, &f->ka_tmr, ka_delay(f), ka_due, f);
}

/*
 * A lone CRLF: the pong of our ping when it is all the read held (a pong is written on its own) and
 * came within the pong timeout of our ping. Whether or not, the bytes came, and flow_read took any
 * bytes as a sign of life. true when taken as the pong.
 */
static bool ka_pong(struct sip_flow *f)
{
	if (!f->ping_out || f->rd_len != 2 || loop_now_ms() - f->ping_at > f->t->conf.ka_timeout_ms)
		return false;
	f->ping_out = false;
	f->pong_seen = true;
	f->awaiting_pong = false;
	tmr_cancel(&f->pong_tmr);
	return true;
}

/*
 * The far end's CRLFs (RFC 5626 4.4.1, RFC 3261 7.5). pong_seen (the peer answers pings, so a missing
 * pong means a dead flow) is learnt only from a real pong: not from the first CRLF of a peer's own ping
 * (pjsip pings over TCP and TLS and answers none of ours), nor from a stray CRLF before or after a
 * message; either used to be taken for one, and a later ping of ours left unanswered lost a flow that
 * was fine (the account registered anew). The stream pairs any two CRLFs with nothing between them
 * (PING): a pair whose first CRLF was taken as our pong is two pongs a while apart; any other is the
 * peer's ping, answered with one CRLF.
 */
static void on_ka(enum sip_ka kind, void *arg)
{
	struct sip_flow *f = arg;

	if (kind == SIP_KA_PONG) {
		f->half_pong = ka_pong(f);
		return;
	}
	if (f->half_pong) {
		f->half_pong = ka_pong(f);
		return;
	}
	if (f->st == F_UP && sip_conn_queue(f, "\r\n", 2) == 0)
		sip_conn_events(f);
}

/* ---- stream I/O ---- */

void sip_conn_up(struct sip_flow *f)
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
	sip_conn_events(f);
	if (!f->inbound)
		sip_flow_waits_notify(f, 0, NULL);
}

static void on_stream_msg(struct sip_msg *msg, void *arg)
{
	struct sip_flow *f = arg;

	if (f->st != F_UP) { /* closing or gone: no more deliveries */
		sip_msg_free(msg);
		return;
	}
	f->rx_since_ka = true; /* a SIP message, not a pong: the flow is not idle */
	sip_flow_deliver(f, msg);
}

void sip_conn_finish_close(struct sip_flow *f)
{
	sip_flow_fail(f, f->close_err, "%s", f->close_why);
}

static void bad_input(struct sip_flow *f, int err)
{
	struct sip_msg *bad = sip_stream_take_bad(f->stream);

	if (err == EMSGSIZE) {
		sip_flow_reply_error(f, bad, 513);
		snprintf(f->close_why, sizeof(f->close_why),
			 "message from %s exceeds %zu bytes: closing the connection", f->raddr_s,
			 f->t->conf.max_msg_size);
	} else {
		sip_flow_reply_error(f, bad, 400);
		snprintf(f->close_why, sizeof(f->close_why), "malformed SIP message from %s: closing the connection",
			 f->raddr_s);
	}
	sip_msg_free(bad);
	log_warn("%s", f->close_why);
	f->close_err = err == ENOMEM ? ENOMEM : EBADMSG;
	f->close_after_flush = true;
	f->st = F_CLOSING;
	if (!f->qlen)
		sip_conn_finish_close(f);
	else
		sip_conn_events(f);
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
					sip_flow_fail(f, EPIPE, "%s closed the connection", f->raddr_s);
				else
					sip_flow_fail(f, err, "%s", tls_conn_error(f->tls));
				return;
			}
		} else {
			r = recv(f->fd, buf, sizeof(buf), 0);
			if (r < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
					return;
				sip_flow_fail(f, errno, "connection to %s: %s", f->raddr_s, strerror(errno));
				return;
			}
			if (r == 0) {
				sip_flow_fail(f, EPIPE, "%s closed the connection", f->raddr_s);
				return;
			}
			n = (size_t)r;
		}
		if (f->awaiting_pong) { /* any traffic proves the flow alive */
			f->awaiting_pong = false;
			tmr_cancel(&f->pong_tmr);
		}
		sip_flow_ref(f);
		f->rd_len = n;
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
				sip_flow_fail(f, err, "%s", *tls_conn_error(f->tls) ? tls_conn_error(f->tls) : strerror(err));
				return;
			}
		} else {
			r = send(f->fd, f->q, f->qlen, MSG_NOSIGNAL);
			if (r < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
					break;
				sip_flow_fail(f, errno, "sending to %s: %s", f->raddr_s, strerror(errno));
				return;
			}
			put = (size_t)r;
		}
		memmove(f->q, f->q + put, f->qlen - put);
		explicit_bzero(f->q + f->qlen - put, put); /* the stale tail */
		f->qlen -= put;
	}
	if (!f->qlen && f->close_after_flush) {
		sip_conn_finish_close(f);
		return;
	}
	sip_conn_events(f);
}

void sip_conn_handshake(struct sip_flow *f)
{
	int err = tls_conn_handshake(f->tls);

	if (err == EAGAIN) {
		sip_conn_events(f);
		return;
	}
	if (err) {
		sip_flow_fail(f, err == ECONNREFUSED || err == ECONNRESET || err == EPIPE ? err : EPROTO, "%s",
			  tls_conn_error(f->tls));
		return;
	}
	sip_conn_up(f);
	if (f->st == F_UP && f->qlen)
		flow_flush(f);
}

static void start_stream(struct sip_flow *f)
{
	sip_flow_set_local(f, f->fd);
	if (f->tp == SIP_TP_TLS) {
		f->st = F_HANDSHAKE;
		sip_conn_handshake(f);
	} else {
		sip_conn_up(f);
		if (f->st == F_UP && f->qlen)
			flow_flush(f);
	}
}

void sip_conn_io(int fd, int events, void *arg)
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
			sip_flow_fail(f, soerr, "connection refused by %s (nothing listens on that port?)", f->raddr_s);
		else if (soerr)
			sip_flow_fail(f, soerr, "cannot connect to %s: %s", f->raddr_s, strerror(soerr));
		else if (events & (LOOP_WRITE | LOOP_ERROR))
			start_stream(f);
		break;
	case F_HANDSHAKE:
		sip_conn_handshake(f);
		break;
	case F_UP:
	case F_CLOSING:
		if (f->st == F_UP && (events & (LOOP_READ | LOOP_ERROR)))
			flow_read(f);
		if (f->st == F_CLOSING && (events & LOOP_ERROR) && !(events & LOOP_WRITE))
			sip_conn_finish_close(f);
		if ((f->st == F_UP || f->st == F_CLOSING) && (f->qlen || (events & LOOP_WRITE)))
			flow_flush(f);
		break;
	case F_DEAD:
		break;
	}
	sip_flow_unref(f);
}

void sip_conn_timeout(void *arg)
{
	struct sip_flow *f = arg;
	unsigned ms = f->t->conf.connect_timeout_ms;

	if (f->st == F_CONNECTING) {
		sip_flow_fail(f, ETIMEDOUT, "TCP connect to %s timed out after %u ms", f->raddr_s, ms);
	} else if (f->st == F_HANDSHAKE) {
		tls_conn_set_timeout(f->tls, ms);
		sip_flow_fail(f, ETIMEDOUT, "%s", tls_conn_error(f->tls));
	}
}

int sip_conn_prepare(struct sip_flow *f, int fd)
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
