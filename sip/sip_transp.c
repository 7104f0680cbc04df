/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sip_transp.c: SIP flows over UDP/TCP/TLS on the poll loop: the flow table, UDP, listeners, connecting, sending (a connection's I/O: sip_conn.c). */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
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
#include "sip_transp_priv.h"
#include "tls.h"

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

void sip_flow_set_local(struct sip_flow *f, int fd)
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
void sip_flow_waits_notify(struct sip_flow *f, int err, const char *why)
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

void sip_flow_fail(struct sip_flow *f, int err, const char *fmt, ...)
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
			sip_flow_waits_notify(f, err ? err : EPIPE, why);
		}
	}
	sip_flow_unref(f); /* the table's reference, held until the handlers are done */
}

/* ---- delivering ---- */

void sip_flow_deliver(struct sip_flow *f, struct sip_msg *msg)
{
	struct sip_transp *t = f->t;
	struct pl raw = sip_msg_raw(msg);

	log_sip_trace(false, sip_tp_name(f->tp), f->raddr_s, raw.p, raw.l);
	if (t && t->recvh)
		t->recvh(msg, f, (const struct sockaddr *)&f->raddr, f->rlen, t->arg);
	else
		sip_msg_free(msg);
}

/* A reply to a request we cannot take, sent before closing or dropping. */
void sip_flow_reply_error(struct sip_flow *f, struct sip_msg *bad, uint16_t code)
{
	struct wbuf w;

	if (!bad || !sip_msg_is_request(bad) || sip_msg_method_id(bad) == SIP_METHOD_ACK)
		return;
	wbuf_init(&w, 8192);
	if (sip_reply_print(&w, bad, code, sip_reason_phrase(code), NULL, NULL, NULL, NULL, 0) == 0)
		(void)sip_flow_send(f, w.p, w.len);
	wbuf_free(&w);
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
			sip_flow_reply_error(f, msg, 400);
			sip_msg_free(msg);
			continue;
		}
		sip_flow_ref(f);
		sip_flow_deliver(f, msg);
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
	if (sip_conn_prepare(f, cfd) != 0) {
		sip_flow_fail(f, ENOMEM, "out of memory");
		return;
	}
	sip_flow_set_local(f, cfd);
	if (ls->tp == SIP_TP_TLS) {
		if (tls_conn_alloc(&f->tls, ls->tls, cfd, NULL) != 0) {
			sip_flow_fail(f, ENOMEM, "cannot start TLS");
			return;
		}
		f->st = F_HANDSHAKE;
		tmr_start(t->l, &f->conn_tmr, t->conf.connect_timeout_ms, sip_conn_timeout, f);
		sip_conn_handshake(f);
	} else {
		sip_conn_up(f);
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
	err = sip_conn_prepare(f, fd);
	if (err)
		goto fail;
	if (d->tp == SIP_TP_TLS) {
		err = tls_conn_alloc(&f->tls, d->tls, fd, d->tls_name);
		if (err)
			goto fail;
	}
	tmr_start(t->l, &f->conn_tmr, t->conf.connect_timeout_ms, sip_conn_timeout, f);
	f->st = F_CONNECTING;
	sip_flow_ref(f); /* the caller's: keeps a flow that fails right here readable */
	if (connect(fd, (struct sockaddr *)&d->addr, d->addrlen) != 0 && errno != EINPROGRESS) {
		int e = errno;
		*fp = f;
		if (e == ECONNREFUSED)
			sip_flow_fail(f, e, "connection refused by %s (nothing listens on that port?)", f->raddr_s);
		else
			sip_flow_fail(f, e, "cannot connect to %s: %s", f->raddr_s, strerror(e));
		return 0;
	}
	sip_conn_events(f);
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
	err = sip_conn_queue(f, data, len);
	if (err)
		return err;
	log_sip_trace(true, sip_tp_name(f->tp), f->raddr_s, data, len);
	sip_conn_events(f); /* the loop writes it: never re-enter handlers from here */
	return 0;
}

void sip_flow_abort(struct sip_flow *f, int err, const char *why)
{
	if (!f || !f->t || f->st == F_DEAD)
		return;
	sip_flow_ref(f); /* sip_flow_fail drops the table's reference: f stays readable until the end */
	sip_flow_fail(f, err ? err : EPIPE, "%s", why && *why ? why : "connection given up");
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
		sip_conn_finish_close(f); /* not connected yet: waiters hear of it */
		return;
	}
	f->st = F_CLOSING;
	sip_conn_events(f);
	if (!f->qlen) {
		/* nothing to flush: close from the loop, not from inside the caller */
		loop_fd_listen(f->t->l, f->fd, LOOP_WRITE, sip_conn_io, f);
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
