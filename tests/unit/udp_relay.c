/* SPDX-License-Identifier: GPL-3.0-or-later */
/* udp_relay.c: test helper: loopback UDP relay with drop, delay/jitter, reordering and a packet tap. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "udp_relay.h"

#define RELAY_QMAX 2048
#define RELAY_PKT 1600

struct relay_pkt {
	uint64_t due;
	uint64_t order;
	int dir;
	size_t len;
	uint8_t data[RELAY_PKT];
};

struct relay {
	int fd[2];
	struct sockaddr_storage addr[2];
	struct sockaddr_storage peer[2]; /* peer[0] = A, peer[1] = B */
	struct relay_imp imp;
	relay_tap_h *tap;
	relay_drop_h *droph;
	void *arg;
	uint32_t rng;
	uint64_t order;
	struct relay_pkt *q;
	size_t qlen;
	uint64_t dropped[2];
	uint64_t forwarded[2];
};

int udp_open_loopback(int *fdp, struct sockaddr_storage *addr)
{
	struct sockaddr_in *in = (struct sockaddr_in *)addr;
	socklen_t len = sizeof(*in);
	int fd, err;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	memset(addr, 0, sizeof(*addr));
	in->sin_family = AF_INET;
	in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)in, sizeof(*in)) < 0 ||
	    getsockname(fd, (struct sockaddr *)in, &len) < 0) {
		err = errno;
		close(fd);
		return err;
	}
	*fdp = fd;
	return 0;
}

static uint32_t rnd(struct relay *r)
{
	uint32_t x = r->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	r->rng = x;
	return x;
}

int relay_alloc(struct relay **rp, const struct sockaddr_storage *a_peer, const struct sockaddr_storage *b_peer,
		const struct relay_imp *imp, relay_tap_h *tap, void *arg)
{
	struct relay *r;
	int err;

	r = calloc(1, sizeof(*r));
	if (!r)
		return ENOMEM;
	r->fd[0] = r->fd[1] = -1;
	r->q = calloc(RELAY_QMAX, sizeof(*r->q));
	if (!r->q) {
		err = ENOMEM;
		goto out;
	}
	if ((err = udp_open_loopback(&r->fd[0], &r->addr[0])) != 0 ||
	    (err = udp_open_loopback(&r->fd[1], &r->addr[1])) != 0)
		goto out;
	r->peer[0] = *a_peer;
	r->peer[1] = *b_peer;
	if (imp)
		r->imp = *imp;
	r->rng = r->imp.seed ? r->imp.seed : 0x12345678u;
	r->tap = tap;
	r->arg = arg;
	*rp = r;
	r = NULL;
out:
	relay_free(r);
	return err;
}

void relay_set_drop(struct relay *r, relay_drop_h *h)
{
	r->droph = h;
}

void relay_free(struct relay *r)
{
	if (!r)
		return;
	if (r->fd[0] >= 0)
		close(r->fd[0]);
	if (r->fd[1] >= 0)
		close(r->fd[1]);
	free(r->q);
	free(r);
}

const struct sockaddr_storage *relay_addr(const struct relay *r, int side)
{
	return &r->addr[side ? 1 : 0];
}

static int send_dir(struct relay *r, int dir, const uint8_t *pkt, size_t len)
{
	/* a->b leaves from the B-facing socket, so B sees one stable source */
	int fd = r->fd[dir ? 0 : 1];
	const struct sockaddr_storage *to = &r->peer[dir ? 0 : 1];

	if (sendto(fd, pkt, len, 0, (const struct sockaddr *)to, sizeof(struct sockaddr_in)) < 0)
		return errno;
	return 0;
}

int relay_inject(struct relay *r, int dir, const uint8_t *pkt, size_t len)
{
	return send_dir(r, dir, pkt, len);
}

uint64_t relay_dropped(const struct relay *r, int dir)
{
	return r->dropped[dir ? 1 : 0];
}

uint64_t relay_forwarded(const struct relay *r, int dir)
{
	return r->forwarded[dir ? 1 : 0];
}

static void take(struct relay *r, int side, uint64_t now_ms)
{
	for (;;) {
		struct relay_pkt *p;
		ssize_t n;
		uint64_t delay;

		if (r->qlen == RELAY_QMAX) {
			uint8_t junk[RELAY_PKT];
			if (recv(r->fd[side], junk, sizeof(junk), MSG_DONTWAIT) < 0)
				return;
			r->dropped[side]++;
			continue;
		}
		p = &r->q[r->qlen];
		n = recv(r->fd[side], p->data, sizeof(p->data), MSG_DONTWAIT);
		if (n < 0)
			return;
		if (r->tap)
			r->tap(side, p->data, (size_t)n, now_ms, r->arg);
		if ((r->droph && r->droph(side, p->data, (size_t)n, r->arg)) ||
		    (r->imp.drop_pm && rnd(r) % 1000 < r->imp.drop_pm)) {
			r->dropped[side]++;
			continue;
		}
		delay = r->imp.delay_ms;
		if (r->imp.jitter_ms)
			delay += rnd(r) % (r->imp.jitter_ms + 1);
		if (r->imp.reorder_pm && rnd(r) % 1000 < r->imp.reorder_pm)
			delay += r->imp.reorder_ms;
		p->due = now_ms + delay;
		p->order = r->order++;
		p->dir = side;
		p->len = (size_t)n;
		r->qlen++;
	}
}

void relay_poll(struct relay *r, uint64_t now_ms)
{
	size_t i;

	take(r, 0, now_ms);
	take(r, 1, now_ms);
	for (;;) {
		size_t best = r->qlen;
		for (i = 0; i < r->qlen; i++) {
			if (r->q[i].due > now_ms)
				continue;
			if (best == r->qlen || r->q[i].due < r->q[best].due ||
			    (r->q[i].due == r->q[best].due && r->q[i].order < r->q[best].order))
				best = i;
		}
		if (best == r->qlen)
			break;
		if (send_dir(r, r->q[best].dir, r->q[best].data, r->q[best].len) == 0)
			r->forwarded[r->q[best].dir]++;
		r->q[best] = r->q[r->qlen - 1];
		r->qlen--;
	}
}
