/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dns.h: where to send SIP requests (RFC 3263: NAPTR -> SRV -> A/AAAA), blocking core and threaded async wrapper. */
#ifndef SPHONE_DNS_H
#define SPHONE_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum dns_transp { DNS_ANY = 0, DNS_UDP, DNS_TCP, DNS_TLS };

/* What to locate: the host part of a SIP URI and what the URI says about port and transport. */
struct dns_req {
	const char *host;       /* domain name or IP literal ("192.0.2.1", "::1", "[::1]") */
	uint16_t port;          /* 0: no port in the URI */
	enum dns_transp transp; /* DNS_ANY: no ;transport= parameter */
	bool sips;              /* sips: URI: only TLS targets, never anything else */
};

/* One place to try. Targets come best first; on failure the caller tries the next. */
struct dns_target {
	struct sockaddr_storage addr; /* address and port */
	socklen_t addrlen;
	enum dns_transp transp;       /* never DNS_ANY */
	uint16_t port;
	char addr_str[48];            /* "192.0.2.1" / "2001:db8::1" */
	char tls_name[256];           /* verify the server certificate against this: the URI's host (RFC 5922) */
	char srv_host[256];           /* the SRV target the address came from, "" without SRV (for logs) */
};

#define DNS_MAX_TARGETS 16

/*
 * Nameserver override for tests and odd setups: "127.0.0.1:5353" (IPv4 address, optional port; 53 by
 * default), or NULL to use the system's resolv.conf again. Without a call, the environment variable
 * SPHONE_DNS_SERVER (same form) is honoured. Thread-safe. Returns 0 or EINVAL.
 */
int dns_set_server(const char *addr_port);

/*
 * Blocking core (use from a worker thread; dns_query_alloc does that). Writes up to max targets, best
 * first, and their number to *n. Errors: EINVAL (bad request), ENOENT (no such domain / no records),
 * ETIMEDOUT (no answer from the DNS server), EBADMSG (malformed answer), with a sentence in err.
 * Numeric hosts and explicit ports skip NAPTR and SRV (RFC 3263 4.1/4.2), and so do localhost and .local
 * names (RFC 6761, 6762). Addresses come from getaddrinfo (/etc/hosts, NSS); a nameserver override reaches
 * it through the calling thread's _res (glibc).
 */
int dns_resolve(const struct dns_req *req, struct dns_target *out, size_t max, size_t *n, char *err,
		size_t errsz);

/* Async: resolves in a thread and calls h from the loop. err 0: n >= 1 targets. */
struct loop;
struct dns_query;
typedef void(dns_h)(int err, const struct dns_target *targets, size_t n, const char *errmsg, void *arg);
int dns_query_alloc(struct dns_query **qp, struct loop *l, const struct dns_req *req, dns_h *h, void *arg);
/* Cancels: h is not called after this returns. Safe from inside h. NULL-safe. */
void dns_query_free(struct dns_query *q);

const char *dns_transp_name(enum dns_transp t);

#endif
