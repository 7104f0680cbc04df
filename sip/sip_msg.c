/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sip_msg.c: SIP message parsing (RFC 3261 7, 20, 25), header access, printing, replies; parameters and
 * structured header values are sip_hdr.c's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "crypto.h"
#include "sip_lex.h"
#include "sip_msg.h"

/* ---- methods and header names ---- */

static const char *const method_names[] = {
	NULL, "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "PRACK",
	"SUBSCRIBE", "NOTIFY", "PUBLISH", "INFO", "REFER", "MESSAGE", "UPDATE",
};

enum sip_method sip_method_id(struct pl name)
{
	for (size_t i = 1; i < sizeof(method_names) / sizeof(method_names[0]); i++)
		if (pl_eq_str(name, method_names[i]))
			return (enum sip_method)i;
	return SIP_METHOD_UNKNOWN;
}

const char *sip_method_name(enum sip_method m)
{
	if ((size_t)m >= sizeof(method_names) / sizeof(method_names[0]))
		return NULL;
	return method_names[m];
}

struct hdr_def {
	const char *name;
	char compact;
	bool list;
};

static const struct hdr_def hdr_defs[SIP_HDR_COUNT_] = {
	[SIP_HDR_ACCEPT] = { "Accept", 0, true },
	[SIP_HDR_ACCEPT_CONTACT] = { "Accept-Contact", 'a', true },
	[SIP_HDR_ACCEPT_ENCODING] = { "Accept-Encoding", 0, true },
	[SIP_HDR_ACCEPT_LANGUAGE] = { "Accept-Language", 0, true },
	[SIP_HDR_ALERT_INFO] = { "Alert-Info", 0, true },
	[SIP_HDR_ALLOW] = { "Allow", 0, true },
	[SIP_HDR_ALLOW_EVENTS] = { "Allow-Events", 'u', true },
	[SIP_HDR_AUTHENTICATION_INFO] = { "Authentication-Info", 0, false },
	[SIP_HDR_AUTHORIZATION] = { "Authorization", 0, false },
	[SIP_HDR_CALL_ID] = { "Call-ID", 'i', false },
	[SIP_HDR_CALL_INFO] = { "Call-Info", 0, true },
	[SIP_HDR_CONTACT] = { "Contact", 'm', true },
	[SIP_HDR_CONTENT_DISPOSITION] = { "Content-Disposition", 0, false },
	[SIP_HDR_CONTENT_ENCODING] = { "Content-Encoding", 'e', true },
	[SIP_HDR_CONTENT_LANGUAGE] = { "Content-Language", 0, true },
	[SIP_HDR_CONTENT_LENGTH] = { "Content-Length", 'l', false },
	[SIP_HDR_CONTENT_TYPE] = { "Content-Type", 'c', false },
	[SIP_HDR_CSEQ] = { "CSeq", 0, false },
	[SIP_HDR_DATE] = { "Date", 0, false },
	[SIP_HDR_ERROR_INFO] = { "Error-Info", 0, true },
	[SIP_HDR_EVENT] = { "Event", 'o', false },
	[SIP_HDR_EXPIRES] = { "Expires", 0, false },
	[SIP_HDR_FROM] = { "From", 'f', false },
	[SIP_HDR_IDENTITY] = { "Identity", 'y', false },
	[SIP_HDR_IN_REPLY_TO] = { "In-Reply-To", 0, true },
	[SIP_HDR_MAX_FORWARDS] = { "Max-Forwards", 0, false },
	[SIP_HDR_MIME_VERSION] = { "MIME-Version", 0, false },
	[SIP_HDR_MIN_EXPIRES] = { "Min-Expires", 0, false },
	[SIP_HDR_MIN_SE] = { "Min-SE", 0, false },
	[SIP_HDR_ORGANIZATION] = { "Organization", 0, false },
	[SIP_HDR_PATH] = { "Path", 0, true },
	[SIP_HDR_PRIORITY] = { "Priority", 0, false },
	[SIP_HDR_PROXY_AUTHENTICATE] = { "Proxy-Authenticate", 0, false },
	[SIP_HDR_PROXY_AUTHORIZATION] = { "Proxy-Authorization", 0, false },
	[SIP_HDR_PROXY_REQUIRE] = { "Proxy-Require", 0, true },
	[SIP_HDR_RACK] = { "RAck", 0, false },
	[SIP_HDR_RECORD_ROUTE] = { "Record-Route", 0, true },
	[SIP_HDR_REFER_TO] = { "Refer-To", 'r', false },
	[SIP_HDR_REFERRED_BY] = { "Referred-By", 'b', false },
	[SIP_HDR_REJECT_CONTACT] = { "Reject-Contact", 'j', true },
	[SIP_HDR_REPLY_TO] = { "Reply-To", 0, false },
	[SIP_HDR_REQUEST_DISPOSITION] = { "Request-Disposition", 'd', true },
	[SIP_HDR_REQUIRE] = { "Require", 0, true },
	[SIP_HDR_RETRY_AFTER] = { "Retry-After", 0, false },
	[SIP_HDR_ROUTE] = { "Route", 0, true },
	[SIP_HDR_RSEQ] = { "RSeq", 0, false },
	[SIP_HDR_SERVER] = { "Server", 0, false },
	[SIP_HDR_SERVICE_ROUTE] = { "Service-Route", 0, true },
	[SIP_HDR_SESSION_EXPIRES] = { "Session-Expires", 'x', false },
	[SIP_HDR_SUBJECT] = { "Subject", 's', false },
	[SIP_HDR_SUBSCRIPTION_STATE] = { "Subscription-State", 0, false },
	[SIP_HDR_SUPPORTED] = { "Supported", 'k', true },
	[SIP_HDR_TIMESTAMP] = { "Timestamp", 0, false },
	[SIP_HDR_TO] = { "To", 't', false },
	[SIP_HDR_UNSUPPORTED] = { "Unsupported", 0, true },
	[SIP_HDR_USER_AGENT] = { "User-Agent", 0, false },
	[SIP_HDR_VIA] = { "Via", 'v', true },
	[SIP_HDR_WARNING] = { "Warning", 0, true },
	[SIP_HDR_WWW_AUTHENTICATE] = { "WWW-Authenticate", 0, false },
};

enum sip_hdr_id sip_hdr_id(struct pl name)
{
	if (!name.p || name.l == 0)
		return SIP_HDR_OTHER;
	for (int i = 1; i < SIP_HDR_COUNT_; i++) {
		const struct hdr_def *d = &hdr_defs[i];
		if (name.l == 1 && d->compact) {
			char c = name.p[0];
			if (c >= 'A' && c <= 'Z')
				c = (char)(c + ('a' - 'A'));
			if (c == d->compact)
				return (enum sip_hdr_id)i;
		} else if (pl_eq_case(name, d->name)) {
			return (enum sip_hdr_id)i;
		}
	}
	return SIP_HDR_OTHER;
}

const char *sip_hdr_name(enum sip_hdr_id id)
{
	if (id <= SIP_HDR_OTHER || id >= SIP_HDR_COUNT_)
		return NULL;
	return hdr_defs[id].name;
}

/* List headers whose empty elements are errors (everything else skips them). */
static bool list_strict(enum sip_hdr_id id)
{
	return id == SIP_HDR_VIA || id == SIP_HDR_CONTACT || id == SIP_HDR_ROUTE ||
	       id == SIP_HDR_RECORD_ROUTE || id == SIP_HDR_PATH || id == SIP_HDR_SERVICE_ROUTE;
}

/* ---- the message ---- */

struct plist {
	void *v;
	size_t n, cap;
};

struct sip_msg {
	char *buf;
	size_t len;
	bool req;
	struct pl method;
	enum sip_method mid;
	struct pl ruri_raw;
	struct sip_uri ruri;
	bool ruri_known;
	uint16_t status;
	struct pl reason;
	struct sip_hdr *hdrs;
	size_t nhdr, hcap;
	struct plist vias, contacts, routes, rroutes;
	struct sip_addr from, to;
	bool has_from, has_to;
	struct pl callid;
	struct sip_cseq cseq;
	bool has_cseq;
	bool has_clen;
	uint32_t clen;
	struct pl body;
};

static int plist_add(struct plist *l, const void *item, size_t sz)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 4;
		void *nv = realloc(l->v, nc * sz);
		if (!nv)
			return ENOMEM;
		l->v = nv;
		l->cap = nc;
	}
	memcpy((char *)l->v + l->n * sz, item, sz);
	l->n++;
	return 0;
}

static int hdr_add(struct sip_msg *m, const struct sip_hdr *h)
{
	if (m->nhdr == m->hcap) {
		size_t nc = m->hcap ? m->hcap * 2 : 16;
		struct sip_hdr *nh = realloc(m->hdrs, nc * sizeof(*nh));
		if (!nh)
			return ENOMEM;
		m->hdrs = nh;
		m->hcap = nc;
	}
	m->hdrs[m->nhdr++] = *h;
	return 0;
}

void sip_msg_free(struct sip_msg *m)
{
	if (!m)
		return;
	if (m->buf)
		explicit_bzero(m->buf, m->len); /* SDP a=crypto keys, digest responses */
	free(m->buf);
	free(m->hdrs);
	free(m->vias.v);
	free(m->contacts.v);
	free(m->routes.v);
	free(m->rroutes.v);
	free(m);
}

/* Parse context: strict mode stops at the first error; lenient mode records
 * it and goes on unless the part is essential for answering with a 400. */
struct pctx {
	struct sip_msg *m;
	bool lenient;
	int err; /* first error seen */
};

/* Returns true when parsing must stop. */
static bool fail(struct pctx *c, int err, bool essential)
{
	if (!c->err)
		c->err = err;
	return !c->lenient || essential;
}

static int parse_start_line(struct pctx *c, struct pl line)
{
	struct sip_msg *m = c->m;

	if (line.l >= 4 && memcmp(line.p, "SIP/", 4) == 0) {
		/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase */
		m->req = false;
		if (line.l < 12 || memcmp(line.p, "SIP/2.0 ", 8) != 0 || !is_digit(line.p[8]) ||
		    !is_digit(line.p[9]) || !is_digit(line.p[10]) || (line.l > 11 && line.p[11] != ' '))
			return EBADMSG;
		m->status = (uint16_t)((line.p[8] - '0') * 100 + (line.p[9] - '0') * 10 + (line.p[10] - '0'));
		if (m->status < 100 || m->status > 699)
			return EBADMSG;
		m->reason = line.l > 12 ? pl_sub(line, 12, line.l) : pl_sub(line, line.l, 0);
		for (size_t i = 0; i < m->reason.l; i++) {
			unsigned char ch = (unsigned char)m->reason.p[i];
			if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
				return EBADMSG;
		}
		return 0;
	}
	/* Request-Line = Method SP Request-URI SP SIP-Version: exactly one SP each */
	m->req = true;
	long sp1 = pl_chr(line, ' ');
	if (sp1 <= 0)
		return EBADMSG;
	m->method = pl_sub(line, 0, (size_t)sp1);
	if (!all_token(m->method))
		return EBADMSG;
	m->mid = sip_method_id(m->method);
	struct pl rest = pl_sub(line, (size_t)sp1 + 1, line.l);
	long sp2 = pl_chr(rest, ' ');
	if (sp2 <= 0)
		return EBADMSG;
	m->ruri_raw = pl_sub(rest, 0, (size_t)sp2);
	struct pl ver = pl_sub(rest, (size_t)sp2 + 1, rest.l);
	if (!pl_eq_str(ver, "SIP/2.0"))
		return EBADMSG;
	if (sip_any_uri_decode(&m->ruri, &m->ruri_known, m->ruri_raw))
		return EBADMSG;
	/* RFC 3261 19.1.1: headers are not allowed in a Request-URI */
	if (m->ruri_known && m->ruri.headers.p)
		return EBADMSG;
	return 0;
}

/* Splits a list header value at commas outside quotes and <>. */
static int split_list(struct pctx *c, struct sip_hdr *h)
{
	struct pl v = h->line;
	size_t st = 0, i = 0;
	bool in_angle = false;

	for (;; i++) {
		if (i < v.l && v.p[i] == '"') {
			size_t q = quoted_len(pl_sub(v, i, v.l));
			if (!q)
				return EBADMSG;
			i += q - 1;
			continue;
		}
		if (i < v.l && v.p[i] == '<')
			in_angle = true;
		else if (i < v.l && v.p[i] == '>')
			in_angle = false;
		if (i < v.l && (v.p[i] != ',' || in_angle))
			continue;
		struct sip_hdr one = *h;
		one.val = trim_ws(pl_sub(v, st, i - st));
		if (one.val.l == 0) {
			if (list_strict(h->id))
				return EBADMSG;
		} else {
			int err = hdr_add(c->m, &one);
			if (err)
				return err;
		}
		if (i >= v.l)
			break;
		st = i + 1;
	}
	return 0;
}

static int parse_headers(struct pctx *c, struct pl block)
{
	size_t pos = 0;

	while (pos < block.l) {
		const char *eol = memmem(block.p + pos, block.l - pos, "\r\n", 2);
		size_t end = eol ? (size_t)(eol - block.p) : block.l;
		struct pl line = pl_sub(block, pos, end - pos);
		pos = end + 2;

		size_t i;
		for (i = 0; i < line.l && is_token(line.p[i]); i++)
			;
		struct sip_hdr h;
		memset(&h, 0, sizeof(h));
		h.name = pl_sub(line, 0, i);
		struct pl rest = skip_ws(pl_sub(line, i, line.l));
		if (h.name.l == 0 || !rest.l || rest.p[0] != ':') {
			/* cannot even tell which header this is: nothing after it is trustworthy */
			if (fail(c, EBADMSG, false))
				return EBADMSG;
			continue;
		}
		h.id = sip_hdr_id(h.name);
		h.line = trim_ws(pl_sub(rest, 1, rest.l));
		h.val = h.line;
		int err;
		if (h.id != SIP_HDR_OTHER && hdr_defs[h.id].list)
			err = split_list(c, &h);
		else
			err = hdr_add(c->m, &h);
		if (err == ENOMEM)
			return ENOMEM;
		if (err && fail(c, err, h.id == SIP_HDR_VIA))
			return err;
	}
	return 0;
}

static bool essential_hdr(enum sip_hdr_id id)
{
	return id == SIP_HDR_VIA || id == SIP_HDR_FROM || id == SIP_HDR_TO || id == SIP_HDR_CALL_ID ||
	       id == SIP_HDR_CSEQ;
}

static bool callid_ok(struct pl v)
{
	long at = pl_chr(v, '@');
	struct pl a = at < 0 ? v : pl_sub(v, 0, (size_t)at);
	struct pl b = at < 0 ? PL_NULL : pl_sub(v, (size_t)at + 1, v.l);

	if (a.l == 0 || (at >= 0 && b.l == 0))
		return false;
	for (size_t i = 0; i < v.l; i++)
		if ((long)i != at && !is_word(v.p[i]))
			return false;
	return true;
}

/* Interprets the headers that have structure. */
static int parse_known(struct pctx *c)
{
	struct sip_msg *m = c->m;
	int err;

	for (size_t i = 0; i < m->nhdr; i++) {
		const struct sip_hdr *h = &m->hdrs[i];
		bool ess = essential_hdr(h->id);
		bool bad = false;

		switch (h->id) {
		case SIP_HDR_VIA: {
			struct sip_via v;
			if (sip_via_decode(&v, h->val))
				bad = true;
			else if ((err = plist_add(&m->vias, &v, sizeof(v))))
				return err;
			break;
		}
		case SIP_HDR_FROM:
		case SIP_HDR_TO: {
			struct sip_addr *a = h->id == SIP_HDR_FROM ? &m->from : &m->to;
			bool *has = h->id == SIP_HDR_FROM ? &m->has_from : &m->has_to;
			if (*has || sip_addr_decode(a, h->val) || a->star)
				bad = true;
			else
				*has = true;
			break;
		}
		case SIP_HDR_CALL_ID:
			if (m->callid.p || !callid_ok(h->val))
				bad = true;
			else
				m->callid = h->val;
			break;
		case SIP_HDR_CSEQ:
			if (m->has_cseq || sip_cseq_decode(&m->cseq, h->val))
				bad = true;
			else
				m->has_cseq = true;
			break;
		case SIP_HDR_CONTACT:
		case SIP_HDR_ROUTE:
		case SIP_HDR_RECORD_ROUTE: {
			struct sip_addr a;
			struct plist *l = h->id == SIP_HDR_CONTACT ? &m->contacts :
					  h->id == SIP_HDR_ROUTE ? &m->routes : &m->rroutes;
			if (sip_addr_decode(&a, h->val) || (a.star && h->id != SIP_HDR_CONTACT))
				bad = true;
			else if ((err = plist_add(l, &a, sizeof(a))))
				return err;
			break;
		}
		case SIP_HDR_MAX_FORWARDS: {
			uint32_t mf;
			if (pl_to_u32(h->val, &mf) || mf > 255)
				bad = true;
			break;
		}
		case SIP_HDR_CONTENT_LENGTH:
			if (m->has_clen || pl_to_u32(h->val, &m->clen))
				bad = true;
			else
				m->has_clen = true;
			break;
		default:
			break;
		}
		/* a second From/To/Call-ID/CSeq makes the message ambiguous, but the first still answers */
		if (bad && fail(c, EBADMSG, ess && !(h->id == SIP_HDR_FROM ? m->has_from :
						    h->id == SIP_HDR_TO ? m->has_to :
						    h->id == SIP_HDR_CALL_ID ? m->callid.p != NULL :
						    h->id == SIP_HDR_CSEQ ? m->has_cseq :
						    h->id == SIP_HDR_VIA ? m->vias.n > 0 : false)))
			return EBADMSG;
	}
	if (!m->vias.n || !m->has_from || !m->has_to || !m->callid.p || !m->has_cseq) {
		fail(c, EBADMSG, true);
		return EBADMSG;
	}
	/* RFC 3261 8.1.1.7/20.16: the CSeq method matches the request method */
	if (m->req && !pl_eq(m->cseq.method, m->method) && fail(c, EBADMSG, false))
		return EBADMSG;
	if (!m->req && (m->cseq.mid == SIP_METHOD_ACK) && fail(c, EBADMSG, false))
		return EBADMSG;
	return 0;
}

/* Replaces line folding (CRLF followed by SP/HT) with spaces, in place. */
static void unfold(char *p, size_t len)
{
	for (size_t i = 0; i + 2 < len; i++)
		if (p[i] == '\r' && p[i + 1] == '\n' && is_ws(p[i + 2])) {
			p[i] = ' ';
			p[i + 1] = ' ';
		}
}

static int decode(struct sip_msg **mp, const void *buf, size_t len, bool lenient, int *errp)
{
	struct sip_msg *m;
	struct pctx c = { NULL, lenient, 0 };
	int err = 0;

	if (!mp || (!buf && len) || len == SIZE_MAX)
		return EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return ENOMEM;
	c.m = m;
	m->buf = malloc(len + 1);
	if (!m->buf) {
		err = ENOMEM;
		goto out;
	}
	if (len)
		memcpy(m->buf, buf, len);
	m->buf[len] = '\0';
	m->len = len;

	/* RFC 3261 7.5: CRLFs before the start line are ignored */
	size_t off = 0;
	while (off + 1 < len && m->buf[off] == '\r' && m->buf[off + 1] == '\n')
		off += 2;
	const char *hend = memmem(m->buf + off, len - off, "\r\n\r\n", 4);
	if (!hend) {
		err = EBADMSG;
		goto out;
	}
	size_t hlen = (size_t)(hend - m->buf) + 2; /* through the last header's CRLF */
	unfold(m->buf + off, hlen - off);

	const char *sl_end = memmem(m->buf + off, hlen - off, "\r\n", 2);
	struct pl line = { m->buf + off, (size_t)(sl_end - (m->buf + off)) };
	err = parse_start_line(&c, line);
	if (err) {
		/* lenient: a request whose line begins with a method can still be answered */
		if (fail(&c, err, !(m->req && m->method.p)))
			goto out;
		err = 0;
	}
	struct pl block = { sl_end + 2, (size_t)(m->buf + hlen - (sl_end + 2)) };
	if ((err = parse_headers(&c, block)) != 0)
		goto out;
	if ((err = parse_known(&c)) != 0)
		goto out;

	size_t bstart = hlen + 2, avail = len - bstart;
	if (m->has_clen) {
		if (m->clen > avail) {
			if (fail(&c, EBADMSG, false)) {
				err = EBADMSG;
				goto out;
			}
			m->body = pl_sub((struct pl){ m->buf + bstart, avail }, 0, avail);
		} else {
			m->body = (struct pl){ m->buf + bstart, m->clen };
		}
	} else {
		m->body = (struct pl){ m->buf + bstart, avail };
	}
	err = 0;
out:
	if (c.err && !lenient)
		err = c.err;
	if (err) {
		sip_msg_free(m);
		return err;
	}
	if (errp)
		*errp = c.err;
	*mp = m;
	return 0;
}

int sip_msg_decode(struct sip_msg **mp, const void *buf, size_t len)
{
	return decode(mp, buf, len, false, NULL);
}

int sip_msg_decode_lenient(struct sip_msg **mp, const void *buf, size_t len, int *errp)
{
	int e = 0;
	int err = decode(mp, buf, len, true, &e);

	if (err)
		return err == ENOMEM ? ENOMEM : EBADMSG;
	if (errp)
		*errp = e;
	return 0;
}

/* ---- accessors ---- */

bool sip_msg_is_request(const struct sip_msg *m)
{
	return m && m->req;
}

struct pl sip_msg_method(const struct sip_msg *m)
{
	return m && m->req ? m->method : PL_NULL;
}

enum sip_method sip_msg_method_id(const struct sip_msg *m)
{
	return m && m->req ? m->mid : SIP_METHOD_UNKNOWN;
}

const struct sip_uri *sip_msg_ruri(const struct sip_msg *m)
{
	return m && m->req && m->ruri_known ? &m->ruri : NULL;
}

struct pl sip_msg_ruri_raw(const struct sip_msg *m)
{
	return m && m->req ? m->ruri_raw : PL_NULL;
}

uint16_t sip_msg_status(const struct sip_msg *m)
{
	return m && !m->req ? m->status : 0;
}

struct pl sip_msg_reason(const struct sip_msg *m)
{
	return m && !m->req ? m->reason : PL_NULL;
}

size_t sip_msg_hdr_count(const struct sip_msg *m)
{
	return m ? m->nhdr : 0;
}

const struct sip_hdr *sip_msg_hdr_at(const struct sip_msg *m, size_t i)
{
	return m && i < m->nhdr ? &m->hdrs[i] : NULL;
}

const struct sip_hdr *sip_msg_hdr(const struct sip_msg *m, enum sip_hdr_id id)
{
	if (!m || id == SIP_HDR_OTHER)
		return NULL;
	for (size_t i = 0; i < m->nhdr; i++)
		if (m->hdrs[i].id == id)
			return &m->hdrs[i];
	return NULL;
}

const struct sip_hdr *sip_msg_hdr_by_name(const struct sip_msg *m, const char *name)
{
	if (!m || !name)
		return NULL;
	enum sip_hdr_id id = sip_hdr_id(pl_str(name));
	if (id != SIP_HDR_OTHER)
		return sip_msg_hdr(m, id);
	for (size_t i = 0; i < m->nhdr; i++)
		if (m->hdrs[i].id == SIP_HDR_OTHER && pl_eq_case(m->hdrs[i].name, name))
			return &m->hdrs[i];
	return NULL;
}

const struct sip_hdr *sip_msg_hdr_next(const struct sip_msg *m, const struct sip_hdr *prev)
{
	if (!m || !prev || prev < m->hdrs || prev >= m->hdrs + m->nhdr)
		return NULL;
	for (const struct sip_hdr *h = prev + 1; h < m->hdrs + m->nhdr; h++) {
		if (h->id != prev->id)
			continue;
		if (h->id != SIP_HDR_OTHER || pl_eq_ci(h->name, prev->name))
			return h;
	}
	return NULL;
}

struct pl sip_msg_hdr_raw(const struct sip_msg *m, enum sip_hdr_id id)
{
	const struct sip_hdr *h = sip_msg_hdr(m, id);
	return h ? h->line : PL_NULL;
}

const struct sip_via *sip_msg_via(const struct sip_msg *m)
{
	return sip_msg_via_at(m, 0);
}

size_t sip_msg_via_count(const struct sip_msg *m)
{
	return m ? m->vias.n : 0;
}

const struct sip_via *sip_msg_via_at(const struct sip_msg *m, size_t i)
{
	return m && i < m->vias.n ? (const struct sip_via *)m->vias.v + i : NULL;
}

const struct sip_addr *sip_msg_from(const struct sip_msg *m)
{
	return m && m->has_from ? &m->from : NULL;
}

const struct sip_addr *sip_msg_to(const struct sip_msg *m)
{
	return m && m->has_to ? &m->to : NULL;
}

struct pl sip_msg_callid(const struct sip_msg *m)
{
	return m ? m->callid : PL_NULL;
}

const struct sip_cseq *sip_msg_cseq(const struct sip_msg *m)
{
	return m && m->has_cseq ? &m->cseq : NULL;
}

size_t sip_msg_contact_count(const struct sip_msg *m)
{
	return m ? m->contacts.n : 0;
}

const struct sip_addr *sip_msg_contact_at(const struct sip_msg *m, size_t i)
{
	return m && i < m->contacts.n ? (const struct sip_addr *)m->contacts.v + i : NULL;
}

size_t sip_msg_route_count(const struct sip_msg *m)
{
	return m ? m->routes.n : 0;
}

const struct sip_addr *sip_msg_route_at(const struct sip_msg *m, size_t i)
{
	return m && i < m->routes.n ? (const struct sip_addr *)m->routes.v + i : NULL;
}

size_t sip_msg_rroute_count(const struct sip_msg *m)
{
	return m ? m->rroutes.n : 0;
}

const struct sip_addr *sip_msg_rroute_at(const struct sip_msg *m, size_t i)
{
	return m && i < m->rroutes.n ? (const struct sip_addr *)m->rroutes.v + i : NULL;
}

static int num_hdr(const struct sip_msg *m, enum sip_hdr_id id, uint32_t *v)
{
	const struct sip_hdr *h = sip_msg_hdr(m, id);
	uint32_t n;
	int err;

	if (!h)
		return ENOENT;
	err = pl_to_u32(h->val, &n);
	if (err)
		return err == ERANGE ? ERANGE : EBADMSG;
	if (v)
		*v = n;
	return 0;
}

int sip_msg_expires(const struct sip_msg *m, uint32_t *v)
{
	return num_hdr(m, SIP_HDR_EXPIRES, v);
}

int sip_msg_min_expires(const struct sip_msg *m, uint32_t *v)
{
	return num_hdr(m, SIP_HDR_MIN_EXPIRES, v);
}

int sip_msg_max_forwards(const struct sip_msg *m, uint32_t *v)
{
	return num_hdr(m, SIP_HDR_MAX_FORWARDS, v);
}

struct pl sip_msg_ctype(const struct sip_msg *m)
{
	return sip_msg_hdr_raw(m, SIP_HDR_CONTENT_TYPE);
}

int sip_msg_clen(const struct sip_msg *m, uint32_t *v)
{
	if (!m || !m->has_clen)
		return ENOENT;
	if (v)
		*v = m->clen;
	return 0;
}

struct pl sip_msg_body(const struct sip_msg *m)
{
	return m ? m->body : PL_NULL;
}

struct pl sip_msg_raw(const struct sip_msg *m)
{
	return m ? (struct pl){ m->buf, m->len } : PL_NULL;
}

/* ---- printing ---- */

int sip_msg_print(struct wbuf *w, const struct sip_msg *m)
{
	if (!w || !m)
		return EINVAL;
	if (m->req) {
		wbuf_put(w, m->method.p, m->method.l);
		wbuf_put(w, " ", 1);
		wbuf_put(w, m->ruri_raw.p, m->ruri_raw.l);
		wbuf_str(w, " SIP/2.0\r\n");
	} else {
		wbuf_printf(w, "SIP/2.0 %03u ", (unsigned)m->status);
		wbuf_put(w, m->reason.p, m->reason.l);
		wbuf_str(w, "\r\n");
	}
	for (size_t i = 0; i < m->nhdr; i++) {
		const struct sip_hdr *h = &m->hdrs[i];
		if (h->id == SIP_HDR_CONTENT_LENGTH)
			continue;
		if (h->id == SIP_HDR_OTHER)
			wbuf_put(w, h->name.p, h->name.l);
		else
			wbuf_str(w, hdr_defs[h->id].name);
		wbuf_str(w, ": ");
		wbuf_put(w, h->val.p, h->val.l);
		wbuf_str(w, "\r\n");
	}
	wbuf_printf(w, "Content-Length: %zu\r\n\r\n", m->body.l);
	wbuf_put(w, m->body.p, m->body.l);
	return w->err;
}

static const struct {
	uint16_t code;
	const char *text;
} reasons[] = {
	{ 100, "Trying" }, { 180, "Ringing" }, { 181, "Call Is Being Forwarded" },
	{ 182, "Queued" }, { 183, "Session Progress" }, { 200, "OK" }, { 202, "Accepted" },
	{ 300, "Multiple Choices" }, { 301, "Moved Permanently" }, { 302, "Moved Temporarily" },
	{ 305, "Use Proxy" }, { 380, "Alternative Service" }, { 400, "Bad Request" },
	{ 401, "Unauthorized" }, { 402, "Payment Required" }, { 403, "Forbidden" },
	{ 404, "Not Found" }, { 405, "Method Not Allowed" }, { 406, "Not Acceptable" },
	{ 407, "Proxy Authentication Required" }, { 408, "Request Timeout" }, { 410, "Gone" },
	{ 413, "Request Entity Too Large" }, { 414, "Request-URI Too Long" },
	{ 415, "Unsupported Media Type" }, { 416, "Unsupported URI Scheme" },
	{ 420, "Bad Extension" }, { 421, "Extension Required" }, { 423, "Interval Too Brief" },
	{ 480, "Temporarily Unavailable" }, { 481, "Call/Transaction Does Not Exist" },
	{ 482, "Loop Detected" }, { 483, "Too Many Hops" }, { 484, "Address Incomplete" },
	{ 485, "Ambiguous" }, { 486, "Busy Here" }, { 487, "Request Terminated" },
	{ 488, "Not Acceptable Here" }, { 491, "Request Pending" }, { 493, "Undecipherable" },
	{ 500, "Server Internal Error" }, { 501, "Not Implemented" }, { 502, "Bad Gateway" },
	{ 503, "Service Unavailable" }, { 504, "Server Time-out" }, { 505, "Version Not Supported" },
	{ 513, "Message Too Large" }, { 600, "Busy Everywhere" }, { 603, "Decline" },
	{ 604, "Does Not Exist Anywhere" }, { 606, "Not Acceptable" },
};

const char *sip_reason_phrase(uint16_t code)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].code == code)
			return reasons[i].text;
	return "Unknown";
}

int sip_reply_print(struct wbuf *w, const struct sip_msg *req, uint16_t code, const char *reason,
		    const char *to_tag, const char *extra_hdrs, const char *ctype, const void *body,
		    size_t blen)
{
	if (!w || !req || !req->req || code < 100 || code > 699 || (blen && !body) ||
	    !req->has_from || !req->has_to || !req->callid.p || !req->has_cseq)
		return EINVAL;
	if (!reason)
		reason = sip_reason_phrase(code);
	for (const char *r = reason; *r; r++)
		if (*r == '\r' || *r == '\n')
			return EINVAL;
	wbuf_printf(w, "SIP/2.0 %u %s\r\n", (unsigned)code, reason);
	for (size_t i = 0; i < req->vias.n; i++) {
		const struct sip_via *v = (const struct sip_via *)req->vias.v + i;
		wbuf_str(w, "Via: ");
		wbuf_put(w, v->val.p, v->val.l);
		wbuf_str(w, "\r\n");
	}
	wbuf_str(w, "From: ");
	wbuf_put(w, req->from.val.p, req->from.val.l);
	wbuf_str(w, "\r\nTo: ");
	wbuf_put(w, req->to.val.p, req->to.val.l);
	if (!req->to.tag.p && code > 100) {
		char fresh[17];
		if (!to_tag) {
			int e = crypto_rand_token(fresh, sizeof(fresh) - 1);
			if (e)
				return e;
			to_tag = fresh;
		}
		wbuf_printf(w, ";tag=%s", to_tag);
	}
	wbuf_str(w, "\r\nCall-ID: ");
	wbuf_put(w, req->callid.p, req->callid.l);
	wbuf_printf(w, "\r\nCSeq: %u ", (unsigned)req->cseq.num);
	wbuf_put(w, req->cseq.method.p, req->cseq.method.l);
	wbuf_str(w, "\r\n");
	if (extra_hdrs)
		wbuf_str(w, extra_hdrs);
	if (ctype)
		wbuf_printf(w, "Content-Type: %s\r\n", ctype);
	wbuf_printf(w, "Content-Length: %zu\r\n\r\n", blen);
	if (blen)
		wbuf_put(w, body, blen);
	return w->err;
}

/* ---- Content-Length before the body has arrived (for sip_stream.c) ---- */

int sip_msg_scan_clen(const char *p, size_t len, uint32_t *clen)
{
	size_t pos = 0;
	bool found = false;
	uint32_t v = 0;

	/* skip the start line */
	const char *e = memmem(p, len, "\r\n", 2);
	if (!e)
		return ENOENT;
	pos = (size_t)(e - p) + 2;
	while (pos < len) {
		e = memmem(p + pos, len - pos, "\r\n", 2);
		size_t end = e ? (size_t)(e - p) : len;
		struct pl line = { p + pos, end - pos };
		pos = end + 2;
		if (line.l && is_ws(line.p[0]))
			continue; /* folded continuation of another header */
		size_t i;
		for (i = 0; i < line.l && is_token(line.p[i]); i++)
			;
		if (sip_hdr_id(pl_sub(line, 0, i)) != SIP_HDR_CONTENT_LENGTH)
			continue;
		struct pl rest = skip_ws(pl_sub(line, i, line.l));
		if (!rest.l || rest.p[0] != ':')
			return EBADMSG;
		/* the value may continue on folded lines */
		struct pl val = rest;
		while (pos < len && is_ws(p[pos])) {
			e = memmem(p + pos, len - pos, "\r\n", 2);
			end = e ? (size_t)(e - p) : len;
			val.l = (size_t)(p + end - val.p);
			pos = end + 2;
		}
		char tmp[16];
		size_t k = 0;
		for (size_t j = 1; j < val.l; j++) {
			char c = val.p[j];
			if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
				continue;
			if (!is_digit(c) || k + 1 >= sizeof(tmp))
				return EBADMSG;
			tmp[k++] = c;
		}
		if (found || k == 0 || pl_to_u32((struct pl){ tmp, k }, &v))
			return EBADMSG;
		found = true;
	}
	if (!found)
		return ENOENT;
	*clen = v;
	return 0;
}
