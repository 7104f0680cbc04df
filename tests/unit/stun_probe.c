/* SPDX-License-Identifier: GPL-3.0-or-later */
/* stun_probe.c: NAT lab helper: STUN Binding requests (src/stun.c) from one UDP socket, one line per server. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"
#include "sa.h"
#include "stun.h"
#include "version.h"

/*
 * stun_probe [--bind ADDR:PORT] [--rto MS] [--rc N] SERVER:PORT...
 * Asks each server in turn from the same socket and prints, per server,
 *   server=S mapped=A:P local=A:P nat=yes|no requests=N rtt_ms=T software="..."
 * or
 *   server=S error=ETIMEDOUT|EPROTO|... code=C requests=N
 * (nat=no: the mapped address is the socket's own, RFC 5389's "no NAT"). Exit status 0 when every
 * server answered, 1 when one did not, 2 on bad usage.
 */

struct probe {
	struct loop *l;
	int fd;
	struct stun_binding *b;
	int err;
	bool done;
	struct stun_result r;
	char software[128];
};

static int parse_ap(const char *s, struct sockaddr_in *sin)
{
	char host[64];
	const char *c = strrchr(s, ':');

	if (!c || (size_t)(c - s) >= sizeof(host))
		return EINVAL;
	memcpy(host, s, (size_t)(c - s));
	host[c - s] = '\0';
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)atoi(c + 1));
	return inet_pton(AF_INET, host, &sin->sin_addr) == 1 ? 0 : EINVAL;
}

static int send_h(const void *p, size_t len, const struct sockaddr *dst, socklen_t dl, void *arg)
{
	struct probe *pr = arg;

	return sendto(pr->fd, p, len, 0, dst, dl) < 0 ? errno : 0;
}

static void done_h(int err, const struct stun_result *r, void *arg)
{
	struct probe *pr = arg;

	pr->err = err;
	pr->done = true;
	if (r) {
		pr->r = *r;
		snprintf(pr->software, sizeof(pr->software), "%.*s", (int)r->software.l,
			 r->software.p ? r->software.p : "");
	}
	loop_stop(pr->l);
}

static void rx_h(int fd, int events, void *arg)
{
	struct probe *pr = arg;
	uint8_t buf[1500];
	struct sockaddr_storage src;
	socklen_t sl = sizeof(src);
	ssize_t n;

	(void)events;
	n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&src, &sl);
	if (n > 0 && stun_is_msg(buf, (size_t)n) && pr->b)
		stun_binding_recv(pr->b, buf, (size_t)n, (struct sockaddr *)&src);
}

static const char *err_name(int err)
{
	switch (err) {
	case ETIMEDOUT: return "ETIMEDOUT";
	case EPROTO: return "EPROTO";
	case ENETUNREACH: return "ENETUNREACH";
	case EHOSTUNREACH: return "EHOSTUNREACH";
	case ECONNREFUSED: return "ECONNREFUSED";
	default: return strerror(err);
	}
}

int main(int argc, char **argv)
{
	struct probe pr = { .fd = -1 };
	struct sockaddr_in bind_to = { .sin_family = AF_INET }, srv;
	struct stun_timers t = { 0 };
	char software[64];
	int i, failed = 0;

	snprintf(software, sizeof(software), "sphone/%s", sphone_version());

	for (i = 1; i < argc && !strncmp(argv[i], "--", 2); i += 2) {
		if (i + 1 >= argc)
			return 2;
		if (!strcmp(argv[i], "--bind") && parse_ap(argv[i + 1], &bind_to) == 0)
			continue;
		else if (!strcmp(argv[i], "--rto"))
			t.rto_ms = (uint32_t)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--rc"))
			t.rc = (uint32_t)atoi(argv[i + 1]);
		else
			return 2;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: stun_probe [--bind ADDR:PORT] [--rto MS] [--rc N] SERVER:PORT...\n");
		return 2;
	}
	pr.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (pr.fd < 0 || bind(pr.fd, (struct sockaddr *)&bind_to, sizeof(bind_to)) != 0 || loop_alloc(&pr.l) != 0) {
		perror("stun_probe: socket");
		return 1;
	}
	loop_fd_listen(pr.l, pr.fd, LOOP_READ, rx_h, &pr);
	for (; i < argc; i++) {
		struct sockaddr_storage local;
		char a[64], b[64];
		int err;

		if (parse_ap(argv[i], &srv) != 0)
			return 2;
		pr.done = false;
		pr.software[0] = '\0';
		memset(&pr.r, 0, sizeof(pr.r));
		err = stun_binding_alloc(&pr.b, pr.l, (struct sockaddr *)&srv, sizeof(srv), &t, software, send_h, done_h,
					 &pr);
		if (!err) {
			while (!pr.done)
				loop_run(pr.l);
			err = pr.err;
		}
		if (err) {
			printf("server=%s error=%s code=%u requests=%u\n", argv[i], err_name(err), (unsigned)pr.r.error_code,
			       pr.r.requests);
			failed = 1;
		} else if (stun_local_addr(pr.fd, (struct sockaddr *)&srv, sizeof(srv), &local) != 0) {
			printf("server=%s error=no-local-address\n", argv[i]);
			failed = 1;
		} else {
			printf("server=%s mapped=%s local=%s nat=%s requests=%u rtt_ms=%llu software=\"%s\"\n", argv[i],
			       sa_str((struct sockaddr *)&pr.r.mapped, a, sizeof(a), NULL, 0, NULL),
			       sa_str((struct sockaddr *)&local, b, sizeof(b), NULL, 0, NULL),
			       sa_equal((struct sockaddr *)&pr.r.mapped, (struct sockaddr *)&local) ? "no" : "yes",
			       pr.r.requests, (unsigned long long)pr.r.rtt_ms, pr.software);
		}
		fflush(stdout);
		stun_binding_free(pr.b);
		pr.b = NULL;
	}
	loop_fd_remove(pr.l, pr.fd);
	loop_free(pr.l);
	close(pr.fd);
	return failed;
}
