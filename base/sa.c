/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sa.c: IPv4/IPv6 socket address helpers. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "sa.h"

bool sa_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	if (!a || !b || a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	return false;
}

socklen_t sa_len(const struct sockaddr *a)
{
	return a->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

char *sa_str(const struct sockaddr *sa, char *out, size_t outsz, char *host, size_t hostsz, uint16_t *port)
{
	char h[INET6_ADDRSTRLEN] = "?";
	uint16_t p = 0;

	if (!sa) {
		snprintf(out, outsz, "?");
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s->sin_addr, h, sizeof(h));
		p = ntohs(s->sin_port);
		snprintf(out, outsz, "%s:%u", h, p);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &s->sin6_addr, h, sizeof(h));
		p = ntohs(s->sin6_port);
		snprintf(out, outsz, "[%s]:%u", h, p);
	} else {
		snprintf(out, outsz, "?");
	}
	if (host)
		snprintf(host, hostsz, "%s", h);
	if (port)
		*port = p;
	return out;
}
