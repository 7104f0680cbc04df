/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sip_dialog.c: SIP dialog state (RFC 3261 12) and the printing of in-dialog requests and CANCEL. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "crypto.h"
#include "pl.h"
#include "sip_dialog.h"
#include "sip_msg.h"
#include "sip_uri.h"

#define TAG_CHARS 16
#define CALLID_CHARS 24

struct sip_dialog {
	enum sip_dialog_state state;
	char *callid;
	char ltag[TAG_CHARS + 1];
	char *rtag;     /* NULL until known */
	char *luri;     /* our URI (From for UAC, To for UAS) */
	char *ldname;   /* quoted display name + " ", or "" */
	char *ruri;     /* the peer's URI */
	char *rdname;
	char *rtarget;  /* remote target URI */
	char *contact;  /* our Contact URI */
	char *routes[SIP_DIALOG_MAX_ROUTES];
	size_t nroutes;
	uint32_t lseq;  /* last local CSeq used */
	uint32_t rseq;
	bool rseq_set;
	bool secure;
	bool sips_contact; /* our Contact must be a sips: URI (RFC 3261 8.1.1.8, 12.1.1) */
};

static char *pl_dup(struct pl p)
{
	char *s = malloc(p.l + 1);

	if (!s)
		return NULL;
	if (p.l)
		memcpy(s, p.p, p.l);
	s[p.l] = '\0';
	return s;
}

/* A display name as written in a header (escapes kept): quote it again. */
static char *dname_from_pl(struct pl dn)
{
	char *s;

	if (!pl_isset(dn) || !dn.l)
		return strdup("");
	s = malloc(dn.l + 4);
	if (!s)
		return NULL;
	s[0] = '"';
	memcpy(s + 1, dn.p, dn.l);
	memcpy(s + 1 + dn.l, "\" ", 3);
	return s;
}

/* A display name from configuration: escape '"' and '\', drop control characters. */
static char *dname_from_str(const char *dn)
{
	size_t n, i, o = 0;
	char *s;

	if (!dn || !*dn)
		return strdup("");
	n = strlen(dn);
	s = malloc(2 * n + 4);
	if (!s)
		return NULL;
	s[o++] = '"';
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)dn[i];
		if (c < 0x20 || c == 0x7f)
			continue;
		if (c == '"' || c == '\\')
			s[o++] = '\\';
		s[o++] = (char)c;
	}
	s[o++] = '"';
	s[o++] = ' ';
	s[o] = '\0';
	return s;
}

static bool uri_ok(const char *s)
{
	struct sip_uri u;

	return s && !sip_uri_decode_str(&u, s) && u.scheme != SIP_URI_TEL;
}

static void routes_clear(struct sip_dialog *d)
{
	size_t i;

	for (i = 0; i < d->nroutes; i++)
		free(d->routes[i]);
	d->nroutes = 0;
}

/* Route set from Record-Route: in order (UAS) or reversed (UAC). */
static int routes_from(struct sip_dialog *d, const struct sip_msg *m, bool reverse)
{
	char *r[SIP_DIALOG_MAX_ROUTES];
	size_t n = sip_msg_rroute_count(m), i;

	if (n > SIP_DIALOG_MAX_ROUTES)
		return EBADMSG;
	for (i = 0; i < n; i++) {
		const struct sip_addr *a = sip_msg_rroute_at(m, i);
		if (!a || !a->uri_known || a->uri.scheme == SIP_URI_TEL || a->star) {
			while (i--)
				free(r[i]);
			return EBADMSG;
		}
		r[i] = pl_dup(a->val);
		if (!r[i]) {
			while (i--)
				free(r[i]);
			return ENOMEM;
		}
	}
	routes_clear(d);
	for (i = 0; i < n; i++)
		d->routes[i] = reverse ? r[n - 1 - i] : r[i];
	d->nroutes = n;
	return 0;
}

static int set_target(struct sip_dialog *d, const struct sip_msg *m, bool required)
{
	const struct sip_addr *c = sip_msg_contact_count(m) ? sip_msg_contact_at(m, 0) : NULL;
	char *t;

	if (!c || c->star || !c->uri_known || c->uri.scheme == SIP_URI_TEL)
		return required ? EBADMSG : 0;
	t = pl_dup(c->uri_raw);
	if (!t)
		return ENOMEM;
	free(d->rtarget);
	d->rtarget = t;
	return 0;
}

static bool is_sips(const char *uri)
{
	return uri && !strncasecmp(uri, "sips:", 5);
}

static bool pl_is_sips(struct pl uri)
{
	return uri.l >= 5 && !strncasecmp(uri.p, "sips:", 5);
}

/* contact as our Contact in this dialog: a sip: URI turned sips: where the dialog needs one. */
static char *contact_dup(const struct sip_dialog *d, const char *contact)
{
	char *c;
	size_t n;

	if (!d->sips_contact || is_sips(contact) || strncasecmp(contact, "sip:", 4))
		return strdup(contact);
	n = strlen(contact) + 2;
	if (!(c = malloc(n)))
		return NULL;
	snprintf(c, n, "sips:%s", contact + 4);
	return c;
}

static int new_dialog(struct sip_dialog **dp)
{
	struct sip_dialog *d = calloc(1, sizeof(*d));
	uint32_t r;
	int e;

	if (!d)
		return ENOMEM;
	if ((e = crypto_rand_token(d->ltag, TAG_CHARS)) != 0 || (e = crypto_rand(&r, sizeof(r))) != 0) {
		free(d);
		return e;
	}
	/* RFC 3261 8.1.1.5: below 2^31; small so that it never wraps during a call */
	d->lseq = r % 0x10000u;
	*dp = d;
	return 0;
}

int sip_dialog_alloc(struct sip_dialog **dp, const char *local_uri, const char *dname,
		     const char *remote_uri, const char *contact)
{
	struct sip_dialog *d = NULL;
	char cid[CALLID_CHARS + 1];
	int e;

	if (!dp || !uri_ok(local_uri) || !uri_ok(remote_uri) || !uri_ok(contact))
		return EINVAL;
	if ((e = crypto_rand_token(cid, CALLID_CHARS)) != 0 || (e = new_dialog(&d)) != 0)
		return e;
	d->callid = strdup(cid);
	d->luri = strdup(local_uri);
	d->ldname = dname_from_str(dname);
	d->ruri = strdup(remote_uri);
	d->rdname = strdup("");
	d->rtarget = strdup(remote_uri);
	/* RFC 3261 8.1.1.8: a sips Request-URI asks for a sips Contact */
	d->sips_contact = is_sips(remote_uri);
	d->contact = contact_dup(d, contact);
	if (!d->callid || !d->luri || !d->ldname || !d->ruri || !d->rdname || !d->rtarget || !d->contact) {
		sip_dialog_free(d);
		return ENOMEM;
	}
	*dp = d;
	return 0;
}

int sip_dialog_accept(struct sip_dialog **dp, const struct sip_msg *req, const char *contact, bool secure)
{
	const struct sip_addr *from, *to;
	const struct sip_cseq *cs;
	struct sip_dialog *d = NULL;
	int e;

	if (!dp || !req || !sip_msg_is_request(req) || !uri_ok(contact))
		return EINVAL;
	from = sip_msg_from(req);
	to = sip_msg_to(req);
	cs = sip_msg_cseq(req);
	if (!from || !to || !cs || !pl_isset(from->tag) || !from->tag.l || !from->uri_known || !to->uri_known ||
	    !pl_isset(sip_msg_callid(req)))
		return EBADMSG;
	if ((e = new_dialog(&d)) != 0)
		return e;
	d->callid = pl_dup(sip_msg_callid(req));
	d->rtag = pl_dup(from->tag);
	d->ruri = pl_dup(from->uri_raw);
	d->rdname = dname_from_pl(from->dname);
	d->luri = pl_dup(to->uri_raw);
	d->ldname = dname_from_pl(to->dname);
	/*
	 * RFC 3261 12.1.1: a sips Request-URI, a sips top Record-Route, or (without Record-Route) a sips
	 * Contact in the request asks for a sips Contact in the response, and so for the whole dialog.
	 */
	if (secure || pl_is_sips(sip_msg_ruri_raw(req)))
		d->sips_contact = true;
	else if (sip_msg_rroute_count(req))
		d->sips_contact = sip_msg_rroute_at(req, 0)->uri_known && pl_is_sips(sip_msg_rroute_at(req, 0)->uri_raw);
	else if (sip_msg_contact_count(req))
		d->sips_contact = sip_msg_contact_at(req, 0)->uri_known && pl_is_sips(sip_msg_contact_at(req, 0)->uri_raw);
	d->contact = contact_dup(d, contact);
	if (!d->callid || !d->rtag || !d->ruri || !d->rdname || !d->luri || !d->ldname || !d->contact) {
		e = ENOMEM;
		goto out;
	}
	if ((e = set_target(d, req, true)) != 0 || (e = routes_from(d, req, false)) != 0)
		goto out;
	d->rseq = cs->num;
	d->rseq_set = true;
	d->secure = secure;
	d->state = SIP_DIALOG_CONFIRMED; /* for matching purposes; the call tracks early/confirmed */
	*dp = d;
	d = NULL;
out:
	sip_dialog_free(d);
	return e;
}

void sip_dialog_free(struct sip_dialog *d)
{
	if (!d)
		return;
	routes_clear(d);
	free(d->callid);
	free(d->rtag);
	free(d->luri);
	free(d->ldname);
	free(d->ruri);
	free(d->rdname);
	free(d->rtarget);
	free(d->contact);
	free(d);
}

int sip_dialog_uac_update(struct sip_dialog *d, const struct sip_msg *resp)
{
	const struct sip_addr *to;
	uint16_t code;
	char *tag = NULL;
	int e;

	if (!d || !resp || sip_msg_is_request(resp))
		return EINVAL;
	code = sip_msg_status(resp);
	to = sip_msg_to(resp);
	if (code >= 300 || code < 101)
		return 0;
	if (!to || !pl_isset(to->tag) || !to->tag.l)
		return code >= 200 ? EBADMSG : 0;
	if (d->rtag) {
		if (!pl_eq_str(to->tag, d->rtag))
			return EALREADY;
		/* an early dialog's route set is fixed until the 2xx (RFC 3261 12.1.2, 13.2.2.4) */
		if (code < 200 || d->state == SIP_DIALOG_CONFIRMED)
			return 0;
	} else {
		tag = pl_dup(to->tag);
		if (!tag)
			return ENOMEM;
	}
	if ((e = routes_from(d, resp, true)) != 0 || (e = set_target(d, resp, code >= 200)) != 0) {
		free(tag);
		return e;
	}
	if (tag)
		d->rtag = tag;
	d->state = code >= 200 ? SIP_DIALOG_CONFIRMED : SIP_DIALOG_EARLY;
	return 0;
}

static bool tag_is(struct pl tag, const char *s)
{
	return s && pl_isset(tag) && pl_eq_str(tag, s);
}

bool sip_dialog_match_req(const struct sip_dialog *d, const struct sip_msg *req)
{
	const struct sip_addr *from = sip_msg_from(req), *to = sip_msg_to(req);

	return d && req && from && to && d->rtag && pl_eq_str(sip_msg_callid(req), d->callid) &&
	       tag_is(to->tag, d->ltag) && tag_is(from->tag, d->rtag);
}

bool sip_dialog_match_resp(const struct sip_dialog *d, const struct sip_msg *resp)
{
	const struct sip_addr *from = sip_msg_from(resp);

	return d && resp && from && pl_eq_str(sip_msg_callid(resp), d->callid) && tag_is(from->tag, d->ltag);
}

int sip_dialog_recv_req(struct sip_dialog *d, const struct sip_msg *req)
{
	const struct sip_cseq *cs;
	enum sip_method m;

	if (!d || !req || !sip_msg_is_request(req))
		return EINVAL;
	cs = sip_msg_cseq(req);
	if (!cs)
		return EBADMSG;
	m = sip_msg_method_id(req);
	if (m == SIP_METHOD_ACK || m == SIP_METHOD_CANCEL)
		return 0;
	if (d->rseq_set && cs->num < d->rseq)
		return EPROTO;
	d->rseq = cs->num;
	d->rseq_set = true;
	if (m == SIP_METHOD_INVITE || m == SIP_METHOD_UPDATE)
		return set_target(d, req, false);
	return 0;
}

int sip_dialog_target_refresh(struct sip_dialog *d, const struct sip_msg *msg)
{
	if (!d || !msg)
		return EINVAL;
	return set_target(d, msg, false);
}

int sip_dialog_set_route(struct sip_dialog *d, const char *route_uri)
{
	struct sip_uri u;
	char *r;
	size_t n;

	if (!d || !route_uri || d->state != SIP_DIALOG_NONE || sip_uri_decode_str(&u, route_uri) ||
	    u.scheme == SIP_URI_TEL || pl_isset(u.headers))
		return EINVAL;
	n = strlen(route_uri) + 8;
	r = malloc(n);
	if (!r)
		return ENOMEM;
	snprintf(r, n, "<%s%s>", route_uri, sip_uri_param(&u, "lr", NULL) ? ";lr" : "");
	/* RFC 3261 8.1.1.8: so does a sips top Route */
	if (is_sips(route_uri) && !d->sips_contact) {
		char *c;
		d->sips_contact = true;
		if (!(c = contact_dup(d, d->contact))) {
			free(r);
			return ENOMEM;
		}
		free(d->contact);
		d->contact = c;
	}
	routes_clear(d);
	d->routes[0] = r;
	d->nroutes = 1;
	return 0;
}

/* The URI inside a route entry, and whether it routes loosely. */
static int route_uri(const char *route, struct pl *uri, bool *lr)
{
	struct sip_addr a;

	if (sip_addr_decode(&a, pl_str(route)) || !a.uri_known)
		return EBADMSG;
	*uri = a.uri_raw;
	*lr = !sip_uri_param(&a.uri, "lr", NULL);
	return 0;
}

int sip_dialog_request(struct sip_dialog *d, struct wbuf *w, const char *method, const char *via,
		       uint32_t cseq, const char *extra_hdrs, const char *ctype, const void *body,
		       size_t blen, uint32_t *cseqp)
{
	struct pl ruri;
	size_t i, first = 0;
	bool lr = true, contact;
	int e;

	if (!d || !w || !method || !*method || !via || (blen && !body))
		return EINVAL;
	ruri = pl_str(d->rtarget);
	if (d->nroutes) {
		struct pl u;
		if ((e = route_uri(d->routes[0], &u, &lr)) != 0)
			return e;
		if (!lr) {
			/* strict router (RFC 3261 12.2.1.1): it gets the Request-URI, the target goes last */
			ruri = u;
			first = 1;
		}
	}
	if (!cseq)
		cseq = d->lseq + 1;
	contact = strcmp(method, "ACK") && strcmp(method, "BYE") && strcmp(method, "CANCEL");
	wbuf_printf(w, "%s %.*s SIP/2.0\r\n%sMax-Forwards: 70\r\n", method, (int)ruri.l, ruri.p, via);
	for (i = first; i < d->nroutes; i++)
		wbuf_printf(w, "Route: %s\r\n", d->routes[i]);
	if (!lr)
		wbuf_printf(w, "Route: <%s>\r\n", d->rtarget);
	wbuf_printf(w, "From: %s<%s>;tag=%s\r\nTo: %s<%s>%s%s\r\nCall-ID: %s\r\nCSeq: %u %s\r\n", d->ldname,
		    d->luri, d->ltag, d->rdname, d->ruri, d->rtag ? ";tag=" : "", d->rtag ? d->rtag : "",
		    d->callid, (unsigned)cseq, method);
	if (contact)
		wbuf_printf(w, "Contact: <%s>\r\n", d->contact);
	if (extra_hdrs)
		wbuf_str(w, extra_hdrs);
	if (ctype)
		wbuf_printf(w, "Content-Type: %s\r\n", ctype);
	wbuf_printf(w, "Content-Length: %zu\r\n\r\n", blen);
	if (blen)
		wbuf_put(w, body, blen);
	if (w->err)
		return w->err;
	if (cseq > d->lseq && strcmp(method, "ACK") && strcmp(method, "CANCEL"))
		d->lseq = cseq;
	if (cseqp)
		*cseqp = cseq;
	return 0;
}

int sip_dialog_cancel_print(struct wbuf *w, const struct sip_msg *invite)
{
	const struct sip_via *via;
	const struct sip_addr *from, *to;
	const struct sip_cseq *cs;
	struct pl ruri, cid;
	size_t i;

	if (!w || !invite || sip_msg_method_id(invite) != SIP_METHOD_INVITE)
		return EINVAL;
	via = sip_msg_via(invite);
	from = sip_msg_from(invite);
	to = sip_msg_to(invite);
	cs = sip_msg_cseq(invite);
	ruri = sip_msg_ruri_raw(invite);
	cid = sip_msg_callid(invite);
	if (!via || !from || !to || !cs || !pl_isset(ruri) || !pl_isset(cid))
		return EINVAL;
	wbuf_printf(w, "CANCEL %.*s SIP/2.0\r\nVia: %.*s\r\nMax-Forwards: 70\r\n", (int)ruri.l, ruri.p,
		    (int)via->val.l, via->val.p);
	for (i = 0; i < sip_msg_route_count(invite); i++) {
		const struct sip_addr *r = sip_msg_route_at(invite, i);
		wbuf_printf(w, "Route: %.*s\r\n", (int)r->val.l, r->val.p);
	}
	wbuf_printf(w, "From: %.*s\r\nTo: %.*s\r\nCall-ID: %.*s\r\nCSeq: %u CANCEL\r\nContent-Length: 0\r\n\r\n",
		    (int)from->val.l, from->val.p, (int)to->val.l, to->val.p, (int)cid.l, cid.p,
		    (unsigned)cs->num);
	return w->err;
}

enum sip_dialog_state sip_dialog_state(const struct sip_dialog *d)
{
	return d ? d->state : SIP_DIALOG_NONE;
}

const char *sip_dialog_callid(const struct sip_dialog *d)
{
	return d ? d->callid : NULL;
}

const char *sip_dialog_local_tag(const struct sip_dialog *d)
{
	return d ? d->ltag : NULL;
}

const char *sip_dialog_remote_tag(const struct sip_dialog *d)
{
	return d && d->rtag ? d->rtag : "";
}

int sip_dialog_set_contact(struct sip_dialog *d, const char *contact)
{
	char *c;

	if (!d || !contact || !uri_ok(contact))
		return EINVAL;
	if (!(c = contact_dup(d, contact)))
		return ENOMEM;
	free(d->contact);
	d->contact = c;
	return 0;
}

const char *sip_dialog_contact(const struct sip_dialog *d)
{
	return d ? d->contact : NULL;
}

const char *sip_dialog_remote_target(const struct sip_dialog *d)
{
	return d ? d->rtarget : NULL;
}

const char *sip_dialog_remote_uri(const struct sip_dialog *d)
{
	return d ? d->ruri : NULL;
}

const char *sip_dialog_local_uri(const struct sip_dialog *d)
{
	return d ? d->luri : NULL;
}

size_t sip_dialog_route_count(const struct sip_dialog *d)
{
	return d ? d->nroutes : 0;
}

const char *sip_dialog_route_at(const struct sip_dialog *d, size_t i)
{
	return d && i < d->nroutes ? d->routes[i] : NULL;
}

bool sip_dialog_secure(const struct sip_dialog *d)
{
	return d && d->secure;
}

uint32_t sip_dialog_local_cseq(const struct sip_dialog *d)
{
	return d ? d->lseq : 0;
}
