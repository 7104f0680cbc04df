/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ua_stun.c: an account's stun_server, looked up (getaddrinfo on dns.c's thread) for the calls' media. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "dns.h"
#include "event.h"
#include "log.h"
#include "loop.h"
#include "ua_priv.h"

/* the address is looked up again this often while calls are made (addresses change) */
#define STUN_RESOLVE_MS (10 * 60 * 1000)

struct ua_stun {
	struct uacc *x;
	struct dns_query *q;
	struct sockaddr_storage addr;
	socklen_t alen;     /* 0: no address (yet) */
	uint64_t when;      /* of the last answer */
	char err[200];      /* the last lookup's failure, "" if none */
};

static void done_h(int err, const struct dns_target *t, size_t n, const char *errmsg, void *arg)
{
	struct ua_stun *s = arg;
	const struct account *a = s->x->acc;

	s->when = loop_now_ms();
	if (err || !n) {
		snprintf(s->err, sizeof(s->err), "stun_server %s: %s", a->stun_host,
			 errmsg && *errmsg ? errmsg : strerror(err ? err : ENOENT));
		log_warn("account %s: %s", a->name, s->err);
	} else {
		s->err[0] = '\0';
		memcpy(&s->addr, &t[0].addr, t[0].addrlen);
		s->alen = t[0].addrlen;
	}
	/* last: the targets and the message are the query's */
	dns_query_free(s->q);
	s->q = NULL;
}

static void lookup(struct ua_stun *s)
{
	const struct account *a = s->x->acc;
	struct dns_req r;
	int e;

	if (s->q)
		return;
	memset(&r, 0, sizeof(r));
	r.host = a->stun_host;
	r.port = a->stun_port; /* an explicit port: no NAPTR or SRV, getaddrinfo alone */
	r.transp = DNS_UDP;
	if ((e = dns_query_alloc(&s->q, s->x->ua->l, &r, done_h, s)) != 0) {
		s->q = NULL;
		snprintf(s->err, sizeof(s->err), "stun_server %s: cannot start the lookup: %s", a->stun_host,
			 strerror(e));
	}
}

int ua_stun_alloc(struct ua_stun **sp, struct uacc *x)
{
	struct ua_stun *s;

	*sp = NULL;
	if (!x->acc->stun_host)
		return 0;
	if (!(s = calloc(1, sizeof(*s))))
		return ENOMEM;
	s->x = x;
	lookup(s);
	*sp = s;
	return 0;
}

void ua_stun_free(struct ua_stun *s)
{
	if (!s)
		return;
	dns_query_free(s->q);
	free(s);
}

const struct sockaddr *ua_stun_media(struct uacc *x, socklen_t *len)
{
	struct ua_stun *s = x->stun;
	struct event ev;

	if (!s)
		return NULL;
	if (!s->alen || loop_now_ms() - s->when > STUN_RESOLVE_MS)
		lookup(s); /* for the next call; this one takes what is known */
	if (s->alen) {
		*len = s->alen;
		return (const struct sockaddr *)&s->addr;
	}
	/* the call goes on with its local address, and the user is told why */
	event_network(&ev, "public_address_failed");
	event_str(&ev, "account", x->acc->name);
	event_str(&ev, "error", s->err[0] ? s->err : "the stun_server's address is still being looked up");
	event_str(&ev, "message", "no public address for this call's media: the SDP gives the local one; behind "
				  "a NAT the far end's audio reaches you only if it latches");
	ua_emit(x->ua, &ev);
	return NULL;
}
