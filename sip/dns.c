/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dns.c: RFC 3263 targets: NAPTR, SRV (RFC 2782 weights) via libresolv, then getaddrinfo for the addresses. */
#include <config.h>

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "dns.h"
#include "errbuf.h"
#include "loop.h"

#define NAME_MAX_LEN 256
#define MAX_RR 32
#define ANSWER_MAX 8192

struct srv_rr {
	uint16_t prio, weight, port;
	char target[NAME_MAX_LEN];
};

struct naptr_rr {
	uint16_t order, pref;
	enum dns_transp transp;
	char repl[NAME_MAX_LEN];
};

/* One resolution in progress. */
struct res {
	struct __res_state rs;
	const char *tls_name;
	struct dns_target *out;
	size_t max, n;
	int gai_host;             /* getaddrinfo's answer for the host itself, for the final message */
	bool timeout;             /* some query got no answer */
	bool malformed;           /* some answer was malformed */
	bool override;            /* ask ns, not resolv.conf's servers */
	struct sockaddr_in ns;
};

static pthread_mutex_t server_mu = PTHREAD_MUTEX_INITIALIZER;
static bool server_set;             /* dns_set_server was called */
static bool server_have;            /* an override is active */
static struct sockaddr_in server_addr;

const char *dns_transp_name(enum dns_transp t)
{
	switch (t) {
	case DNS_UDP: return "udp";
	case DNS_TCP: return "tcp";
	case DNS_TLS: return "tls";
	default: return "any";
	}
}

static int parse_server(const char *s, struct sockaddr_in *sin)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	size_t hl = colon ? (size_t)(colon - s) : strlen(s);
	unsigned long port = 53;
	char *end;

	if (hl == 0 || hl >= sizeof(host))
		return EINVAL;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (colon) {
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
		if (errno || *end || end == colon + 1 || port == 0 || port > 65535)
			return EINVAL;
	}
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return EINVAL;
	return 0;
}

int dns_set_server(const char *addr_port)
{
	struct sockaddr_in sin;
	int err = 0;

	if (addr_port && (err = parse_server(addr_port, &sin)) != 0)
		return err;
	pthread_mutex_lock(&server_mu);
	server_set = true;
	server_have = addr_port != NULL;
	if (addr_port)
		server_addr = sin;
	pthread_mutex_unlock(&server_mu);
	return 0;
}

static int res_open(struct res *r)
{
	struct sockaddr_in sin;
	bool have;

	memset(&r->rs, 0, sizeof(r->rs));
	if (res_ninit(&r->rs) != 0)
		return EIO;
	pthread_mutex_lock(&server_mu);
	if (!server_set) {
		const char *env = getenv("SPHONE_DNS_SERVER");
		server_set = true;
		server_have = env && *env && parse_server(env, &server_addr) == 0;
	}
	have = server_have;
	sin = server_addr;
	pthread_mutex_unlock(&server_mu);
	r->override = have;
	r->ns = sin;
	if (have) {
		/* glibc notices the changed list and refreshes its private copy */
		r->rs.nsaddr_list[0] = sin;
		r->rs.nscount = 1;
	}
	r->rs.retrans = 2;
	r->rs.retry = 2;
	return 0;
}

/* Query name/type. 0: answer in ans/len. Otherwise ENOENT (*herr says NXDOMAIN/NODATA), ETIMEDOUT, EIO. */
static int query(struct res *r, const char *name, int type, unsigned char *ans, int *len, int *herr)
{
	int l = res_nquery(&r->rs, name, ns_c_in, type, ans, ANSWER_MAX);

	*herr = 0;
	if (l >= 0) {
		*len = l > ANSWER_MAX ? ANSWER_MAX : l; /* truncated answers are cut at the buffer */
		return 0;
	}
	*herr = r->rs.res_h_errno;
	switch (*herr) {
	case HOST_NOT_FOUND:
	case NO_DATA:
		return ENOENT;
	case TRY_AGAIN:
		r->timeout = true;
		return ETIMEDOUT;
	default:
		return EIO;
	}
}

/* A DNS answer message: names inside it may point anywhere in [base, eom). */
struct dmsg {
	const unsigned char *base, *eom;
};

/* Expand a domain name at p (inside rdata [p, rend)); returns bytes consumed or -1. */
static int get_name(const struct dmsg *m, const unsigned char *p, const unsigned char *rend, char *dst,
		    size_t dstsz)
{
	int used;

	if (p >= rend)
		return -1;
	used = ns_name_uncompress(m->base, m->eom, p, dst, dstsz);
	if (used < 0 || p + used > rend)
		return -1;
	return used;
}

/* Skip the (possibly compressed) name at the reader's position. */
static int skip_name(struct rbuf *rb)
{
	int l = dn_skipname(rb->p + rb->pos, rb->p + rb->len);

	return l < 0 ? EBADMSG : rbuf_skip(rb, (size_t)l);
}

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/* <character-string> at *pp within rend: copy (truncated to dstsz-1) and advance. */
static int get_cstr(const unsigned char **pp, const unsigned char *rend, char *dst, size_t dstsz)
{
	const unsigned char *p = *pp;
	size_t l, c;

	if (p >= rend)
		return -1;
	l = *p++;
	if ((size_t)(rend - p) < l)
		return -1;
	c = l < dstsz - 1 ? l : dstsz - 1;
	memcpy(dst, p, c);
	dst[c] = '\0';
	*pp = p + l;
	return 0;
}

typedef int(rr_h)(const struct dmsg *m, const unsigned char *rd, size_t rdlen, void *arg);

/* Call h for each answer record of type (class IN); EBADMSG when the message is malformed. */
static int each_answer(const unsigned char *ans, int len, int type, rr_h *h, void *arg)
{
	struct dmsg m = { ans, ans + len };
	struct rbuf rb;
	uint16_t id, flags, qd, an, ns, ar, t, cls, rdlen, i;
	uint32_t ttl;
	const uint8_t *rd;
	int err;

	rbuf_init(&rb, ans, (size_t)len);
	if (rbuf_u16(&rb, &id) || rbuf_u16(&rb, &flags) || rbuf_u16(&rb, &qd) || rbuf_u16(&rb, &an) ||
	    rbuf_u16(&rb, &ns) || rbuf_u16(&rb, &ar))
		return EBADMSG;
	for (i = 0; i < qd; i++)
		if (skip_name(&rb) || rbuf_skip(&rb, 4))
			return EBADMSG;
	for (i = 0; i < an; i++) {
		if (skip_name(&rb) || rbuf_u16(&rb, &t) || rbuf_u16(&rb, &cls) || rbuf_u32(&rb, &ttl) ||
		    rbuf_u16(&rb, &rdlen) || rbuf_peek_ptr(&rb, &rd, rdlen))
			return EBADMSG;
		if (t != type || cls != ns_c_in)
			continue; /* CNAMEs in the chain and the like */
		err = h(&m, rd, rdlen, arg);
		if (err)
			return err;
	}
	return 0;
}

static void add_target(struct res *r, const struct sockaddr *sa, uint16_t port, enum dns_transp tp,
		       const char *srv_host)
{
	struct dns_target *t;
	size_t i;

	if (r->n >= r->max || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
		return;
	t = &r->out[r->n];
	memset(t, 0, sizeof(*t));
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&t->addr;
		memcpy(s, sa, sizeof(*s));
		s->sin_port = htons(port);
		t->addrlen = sizeof(*s);
		inet_ntop(AF_INET, &s->sin_addr, t->addr_str, sizeof(t->addr_str));
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&t->addr;
		memcpy(s, sa, sizeof(*s));
		s->sin6_port = htons(port);
		t->addrlen = sizeof(*s);
		inet_ntop(AF_INET6, &s->sin6_addr, t->addr_str, sizeof(t->addr_str));
	}
	t->port = port;
	t->transp = tp;
	snprintf(t->tls_name, sizeof(t->tls_name), "%s", r->tls_name);
	snprintf(t->srv_host, sizeof(t->srv_host), "%s", srv_host ? srv_host : "");
	/* the same address, port and transport twice helps nobody */
	for (i = 0; i < r->n; i++)
		if (r->out[i].transp == tp && r->out[i].port == port &&
		    strcmp(r->out[i].addr_str, t->addr_str) == 0)
			return;
	r->n++;
}

/*
 * getaddrinfo on this (worker) thread. With a nameserver override, glibc's DNS module must ask it too: it
 * reads the calling thread's _res and honours a server list changed after res_init, so the list is set
 * for the call and resolv.conf reloaded after it.
 */
static int sys_getaddrinfo(const struct res *r, const char *name, struct addrinfo **ai)
{
	const struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	int retrans, retry, e;

	if (!r->override)
		return getaddrinfo(name, NULL, &hints, ai);
	if (res_init() != 0)
		return EAI_SYSTEM;
	retrans = _res.retrans;
	retry = _res.retry;
	_res.nsaddr_list[0] = r->ns;
	_res.nscount = 1;
	_res.retrans = r->rs.retrans;
	_res.retry = r->rs.retry;
	e = getaddrinfo(name, NULL, &hints, ai);
	_res.retrans = retrans;
	_res.retry = retry;
	(void)res_init();
	return e;
}

/*
 * The addresses of name, in the system's order (RFC 6724, gai.conf), from the system's resolver: NSS
 * reads /etc/hosts, mDNS and DNS as it does for every other program. Returns getaddrinfo's result.
 */
static int lookup_addrs(struct res *r, const char *name, uint16_t port, enum dns_transp tp, const char *srv_host)
{
	struct addrinfo *ai = NULL, *p;
	int e = sys_getaddrinfo(r, name, &ai);

	if (e == EAI_AGAIN)
		r->timeout = true;
	if (e)
		return e;
	for (p = ai; p; p = p->ai_next)
		add_target(r, p->ai_addr, port, tp, srv_host);
	freeaddrinfo(ai);
	return 0;
}

/*
 * Names the DNS must not be asked about (RFC 6761 6.3: localhost; RFC 6762 3: .local belongs to mDNS):
 * no NAPTR or SRV for them, only the system resolver, which knows them locally.
 */
static bool local_name(const char *host)
{
	size_t l = strlen(host);

	if (l && host[l - 1] == '.')
		l--;
	return (l == 9 && strncasecmp(host, "localhost", 9) == 0) ||
	       (l > 10 && strncasecmp(host + l - 10, ".localhost", 10) == 0) ||
	       (l > 6 && strncasecmp(host + l - 6, ".local", 6) == 0);
}

struct srv_list {
	struct srv_rr v[MAX_RR];
	size_t n;
};

static int on_srv(const struct dmsg *m, const unsigned char *rd, size_t rdlen, void *arg)
{
	struct srv_list *l = arg;
	struct srv_rr *s;

	if (rdlen < 7)
		return EBADMSG;
	if (l->n >= MAX_RR)
		return 0;
	s = &l->v[l->n];
	s->prio = get16(rd);
	s->weight = get16(rd + 2);
	s->port = get16(rd + 4);
	if (get_name(m, rd + 6, rd + rdlen, s->target, sizeof(s->target)) < 0)
		return EBADMSG;
	l->n++;
	return 0;
}

/* RFC 2782: by priority; within one priority, a weighted random order (weight 0 rarely first). */
static void srv_order(struct srv_list *l)
{
	struct srv_rr tmp;
	size_t i, j, start, end;

	for (i = 1; i < l->n; i++) /* stable insertion sort by priority */
		for (j = i; j > 0 && l->v[j - 1].prio > l->v[j].prio; j--) {
			tmp = l->v[j];
			l->v[j] = l->v[j - 1];
			l->v[j - 1] = tmp;
		}
	for (start = 0; start < l->n; start = end) {
		for (end = start; end < l->n && l->v[end].prio == l->v[start].prio; end++)
			;
		/* weight-0 entries first, as RFC 2782 asks, then pick one by one */
		for (i = start, j = start; i < end; i++)
			if (l->v[i].weight == 0) {
				tmp = l->v[j];
				l->v[j] = l->v[i];
				l->v[i] = tmp;
				j++;
			}
		for (i = start; i + 1 < end; i++) {
			uint32_t sum = 0, pick, run = 0;
			size_t k;

			for (k = i; k < end; k++)
				sum += l->v[k].weight;
			pick = arc4random_uniform(sum + 1); /* 0..sum inclusive */
			for (k = i; k < end; k++) {
				run += l->v[k].weight;
				if (run >= pick)
					break;
			}
			if (k == end)
				k = end - 1;
			tmp = l->v[i];
			l->v[i] = l->v[k];
			l->v[k] = tmp;
		}
	}
}

/* SRV lookup of name, then the addresses of each target, appended in order. */
static void lookup_srv(struct res *r, const char *name, enum dns_transp tp)
{
	unsigned char ans[ANSWER_MAX];
	struct srv_list *l = calloc(1, sizeof(*l));
	size_t i;
	int len, herr;

	if (!l)
		return;
	if (query(r, name, ns_t_srv, ans, &len, &herr) != 0)
		goto out;
	if (each_answer(ans, len, ns_t_srv, on_srv, l) == EBADMSG) {
		r->malformed = true;
		goto out;
	}
	/* a lone "." target: the service is decidedly not available here */
	if (l->n == 1 && (l->v[0].target[0] == '\0' || strcmp(l->v[0].target, ".") == 0))
		goto out;
	srv_order(l);
	for (i = 0; i < l->n && r->n < r->max; i++)
		if (l->v[i].target[0] && strcmp(l->v[i].target, ".") != 0)
			lookup_addrs(r, l->v[i].target, l->v[i].port, tp, l->v[i].target);
 out:
	free(l);
}

struct naptr_list {
	struct naptr_rr v[MAX_RR];
	size_t n;
	bool sips;
};

static int on_naptr(const struct dmsg *m, const unsigned char *rd, size_t rdlen, void *arg)
{
	struct naptr_list *l = arg;
	const unsigned char *p = rd + 4, *rend = rd + rdlen;
	char flags[64], services[64], regexp[256];
	struct naptr_rr *n;

	if (rdlen < 4 + 3 + 1)
		return EBADMSG;
	if (l->n >= MAX_RR)
		return 0;
	n = &l->v[l->n];
	n->order = get16(rd);
	n->pref = get16(rd + 2);
	if (get_cstr(&p, rend, flags, sizeof(flags)) || get_cstr(&p, rend, services, sizeof(services)) ||
	    get_cstr(&p, rend, regexp, sizeof(regexp)) || get_name(m, p, rend, n->repl, sizeof(n->repl)) < 0)
		return EBADMSG;
	/* RFC 3263 4.1: terminal "s" records only; services SIPS+D2T, SIP+D2T, SIP+D2U */
	if (strcasecmp(flags, "s") != 0 || n->repl[0] == '\0' || strcmp(n->repl, ".") == 0)
		return 0;
	if (strcasecmp(services, "SIPS+D2T") == 0)
		n->transp = DNS_TLS;
	else if (!l->sips && strcasecmp(services, "SIP+D2T") == 0)
		n->transp = DNS_TCP;
	else if (!l->sips && strcasecmp(services, "SIP+D2U") == 0)
		n->transp = DNS_UDP;
	else
		return 0;
	l->n++;
	return 0;
}

static void naptr_order(struct naptr_list *l)
{
	struct naptr_rr tmp;
	size_t i, j;

	for (i = 1; i < l->n; i++)
		for (j = i; j > 0 && (l->v[j - 1].order > l->v[j].order ||
				      (l->v[j - 1].order == l->v[j].order && l->v[j - 1].pref > l->v[j].pref));
		     j--) {
			tmp = l->v[j];
			l->v[j] = l->v[j - 1];
			l->v[j - 1] = tmp;
		}
}

static uint16_t default_port(enum dns_transp tp)
{
	return tp == DNS_TLS ? 5061 : 5060;
}

static const char *srv_prefix(enum dns_transp tp)
{
	return tp == DNS_TLS ? "_sips._tcp" : tp == DNS_TCP ? "_sip._tcp" : "_sip._udp";
}

int dns_resolve(const struct dns_req *req, struct dns_target *out, size_t max, size_t *n, char *err,
		size_t errsz)
{
	struct res *r = NULL;
	char host[NAME_MAX_LEN], name[NAME_MAX_LEN + 16];
	enum dns_transp tp;
	size_t hl;
	int e = 0, herr;

	if (!req || !req->host || !out || !max || !n) {
		errbuf_set(err, errsz, "no host to resolve");
		return EINVAL;
	}
	hl = strlen(req->host);
	if (hl >= 2 && req->host[0] == '[' && req->host[hl - 1] == ']')
		snprintf(host, sizeof(host), "%.*s", (int)(hl - 2), req->host + 1);
	else if (hl > 0 && hl < sizeof(host))
		snprintf(host, sizeof(host), "%s", req->host);
	else {
		errbuf_set(err, errsz, "host name is empty or too long");
		return EINVAL;
	}
	if (req->sips && req->transp != DNS_ANY && req->transp != DNS_TLS) {
		errbuf_set(err, errsz, "a sips: URI needs TLS, not transport=%s", dns_transp_name(req->transp));
		return EINVAL;
	}
	/* the transport when DNS does not choose one (RFC 3263 4.1) */
	tp = req->sips ? DNS_TLS : req->transp != DNS_ANY ? req->transp : DNS_UDP;

	r = calloc(1, sizeof(*r));
	if (!r) {
		errbuf_set(err, errsz, "out of memory");
		return ENOMEM;
	}
	r->tls_name = host;
	r->out = out;
	r->max = max > DNS_MAX_TARGETS ? DNS_MAX_TARGETS : max;

	{
		/* numeric hosts: no DNS at all */
		const struct addrinfo nh = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
					     .ai_flags = AI_NUMERICHOST };
		struct addrinfo *ai = NULL;

		if (getaddrinfo(host, NULL, &nh, &ai) == 0) {
			add_target(r, ai->ai_addr, req->port ? req->port : default_port(tp), tp, NULL);
			freeaddrinfo(ai);
			goto done;
		}
	}
	if (res_open(r) != 0) {
		errbuf_set(err, errsz, "cannot initialise the DNS resolver (resolv.conf?)");
		e = EIO;
		goto out;
	}
	if (req->port || local_name(host)) {
		r->gai_host = lookup_addrs(r, host, req->port ? req->port : default_port(tp), tp, NULL);
		goto done;
	}

	if (req->transp == DNS_ANY) {
		unsigned char ans[ANSWER_MAX];
		struct naptr_list *nl = calloc(1, sizeof(*nl));
		size_t i;
		int len;

		if (!nl) {
			e = ENOMEM;
			errbuf_set(err, errsz, "out of memory");
			goto out;
		}
		nl->sips = req->sips;
		if (query(r, host, ns_t_naptr, ans, &len, &herr) == 0) {
			if (each_answer(ans, len, ns_t_naptr, on_naptr, nl) == EBADMSG)
				r->malformed = true;
			naptr_order(nl);
			for (i = 0; i < nl->n && r->n < r->max; i++)
				lookup_srv(r, nl->v[i].repl, nl->v[i].transp);
		}
		free(nl);
		if (r->n)
			goto done;
	}

	/* no (usable) NAPTR: SRV for the transports allowed, TLS first */
	if (req->transp != DNS_ANY || req->sips) {
		snprintf(name, sizeof(name), "%s.%s", srv_prefix(tp), host);
		lookup_srv(r, name, tp);
	} else {
		static const enum dns_transp order[] = { DNS_TLS, DNS_TCP, DNS_UDP };
		size_t i;

		for (i = 0; i < sizeof(order) / sizeof(order[0]) && r->n < r->max; i++) {
			snprintf(name, sizeof(name), "%s.%s", srv_prefix(order[i]), host);
			lookup_srv(r, name, order[i]);
		}
	}
	if (r->n)
		goto done;

	r->gai_host = lookup_addrs(r, host, default_port(tp), tp, NULL);
 done:
	if (r->n == 0) {
		if (r->gai_host == EAI_NONAME && !r->malformed) {
			errbuf_set(err, errsz, "cannot resolve '%s': no such host (NXDOMAIN, not in /etc/hosts)", host);
			e = ENOENT;
		} else if (r->timeout) {
			errbuf_set(err, errsz, "cannot resolve '%s': the DNS server did not answer (timeout or SERVFAIL)",
				host);
			e = ETIMEDOUT;
		} else if (r->malformed) {
			errbuf_set(err, errsz, "cannot resolve '%s': malformed DNS answer", host);
			e = EBADMSG;
		} else {
			errbuf_set(err, errsz, "cannot resolve '%s': no %s%sA or AAAA records", host,
				req->port ? "" : "NAPTR, ", req->port ? "" : "SRV, ");
			e = ENOENT;
		}
		goto out;
	}
	*n = r->n;
 out:
	if (r) {
		if (r->rs.options & RES_INIT)
			res_nclose(&r->rs);
		free(r);
	}
	return e;
}

/* ---- async wrapper: one thread per query, results handed to the loop through a wake-up ---- */

struct dns_query {
	pthread_mutex_t mu;
	int refs;                 /* loop side + worker */
	bool cancelled, done;
	struct loop_wake *wake;
	dns_h *h;
	void *arg;
	char host[NAME_MAX_LEN];
	struct dns_req req;
	int err;
	size_t n;
	struct dns_target t[DNS_MAX_TARGETS];
	char msg[256];
};

static void query_unref(struct dns_query *q)
{
	bool last;

	pthread_mutex_lock(&q->mu);
	last = --q->refs == 0;
	pthread_mutex_unlock(&q->mu);
	if (!last)
		return;
	pthread_mutex_destroy(&q->mu);
	free(q);
}

static void *query_thread(void *arg)
{
	struct dns_query *q = arg;
	struct dns_target t[DNS_MAX_TARGETS];
	char msg[256] = "";
	size_t n = 0;
	int err;

	err = dns_resolve(&q->req, t, DNS_MAX_TARGETS, &n, msg, sizeof(msg));
	pthread_mutex_lock(&q->mu);
	q->err = err;
	q->n = err ? 0 : n;
	memcpy(q->t, t, sizeof(t));
	memcpy(q->msg, msg, sizeof(msg));
	q->done = true;
	if (!q->cancelled) /* under the lock: dns_query_free cannot free the wake meanwhile */
		loop_wake_signal(q->wake);
	pthread_mutex_unlock(&q->mu);
	query_unref(q);
	return NULL;
}

static void query_wake(void *arg)
{
	struct dns_query *q = arg;
	bool done;

	pthread_mutex_lock(&q->mu);
	done = q->done;
	pthread_mutex_unlock(&q->mu);
	if (!done || !q->h)
		return;
	q->h(q->err, q->t, q->n, q->msg, q->arg); /* may free q: touch nothing after */
}

/* An IPv4 or IPv6 literal ("[::1]" too): dns_resolve answers it without the network. */
static bool host_numeric(const char *host)
{
	char b[INET6_ADDRSTRLEN + 2];
	unsigned char a[sizeof(struct in6_addr)];
	size_t hl = strlen(host);

	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']' && hl - 2 < sizeof(b)) {
		memcpy(b, host + 1, hl - 2);
		b[hl - 2] = '\0';
		return inet_pton(AF_INET6, b, a) == 1;
	}
	return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

int dns_query_alloc(struct dns_query **qp, struct loop *l, const struct dns_req *req, dns_h *h, void *arg)
{
	struct dns_query *q;
	pthread_attr_t at;
	pthread_t th;
	int err;

	if (!qp || !l || !req || !req->host || !h || strlen(req->host) >= NAME_MAX_LEN)
		return EINVAL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return ENOMEM;
	pthread_mutex_init(&q->mu, NULL);
	q->h = h;
	q->arg = arg;
	snprintf(q->host, sizeof(q->host), "%s", req->host);
	q->req = *req;
	q->req.host = q->host;
	err = loop_wake_alloc(&q->wake, l, query_wake, q);
	if (err)
		goto out;
	q->refs = 2;
	if (host_numeric(q->host)) {
		/* no lookup to wait for: answered here, still delivered through the wake-up (never from inside this call) */
		query_thread(q);
		*qp = q;
		return 0;
	}
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&th, &at, query_thread, q);
	pthread_attr_destroy(&at);
	if (err) {
		loop_wake_free(q->wake);
		goto out;
	}
	*qp = q;
	return 0;
 out:
	pthread_mutex_destroy(&q->mu);
	free(q);
	return err;
}

void dns_query_free(struct dns_query *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->mu);
	q->cancelled = true;
	pthread_mutex_unlock(&q->mu);
	loop_wake_free(q->wake); /* the worker no longer signals it */
	q->wake = NULL;
	q->h = NULL;
	query_unref(q);
}
