/* SPDX-License-Identifier: GPL-3.0-or-later */
/* stun.c: STUN Binding (RFC 5389): bounds-checked decoding, encoding with FINGERPRINT, 7.2.1 retransmissions. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "crypto.h"
#include "loop.h"
#include "sa.h"
#include "stun.h"

#define FINGERPRINT_XOR 0x5354554eu
#define MI_LEN 20
/* RFC 5389 15.3/15.6/15.10: longest USERNAME, reason phrase and SOFTWARE, in bytes */
#define TEXT_MAX 763
/* the SOFTWARE we send: fits the request buffer with header and FINGERPRINT */
#define SOFTWARE_MAX 96

/* ---- the wire format ---- */

uint32_t stun_crc32(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t c = 0xFFFFFFFFu;
	size_t i;
	int k;

	/* bitwise (reflected polynomial 0xEDB88320): STUN messages are a few hundred bytes at most */
	for (i = 0; i < len; i++) {
		c ^= b[i];
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
	}
	return c ^ 0xFFFFFFFFu;
}

uint16_t stun_msg_type(uint16_t method, enum stun_class cls)
{
	unsigned c = (unsigned)cls & 3u;

	return (uint16_t)((method & 0x000Fu) | ((method & 0x0070u) << 1) | ((method & 0x0F80u) << 2) |
			  ((c & 1u) << 4) | ((c & 2u) << 7));
}

static void split_type(uint16_t type, uint16_t *method, enum stun_class *cls)
{
	*method = (uint16_t)((type & 0x000Fu) | ((type & 0x00E0u) >> 1) | ((type & 0x3E00u) >> 2));
	*cls = (enum stun_class)(((type >> 4) & 1u) | ((type >> 7) & 2u));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

bool stun_is_msg(const void *p, size_t len)
{
	const uint8_t *b = p;

	if (!b || len < STUN_HDR_LEN || (b[0] & 0xC0) != 0)
		return false;
	if (get32(b + 4) != STUN_MAGIC_COOKIE)
		return false;
	return ((size_t)b[2] << 8 | b[3]) == len - STUN_HDR_LEN && (len & 3) == 0;
}

/*
 * (XOR-)MAPPED-ADDRESS and ALTERNATE-SERVER (RFC 5389 15.1, 15.2): reserved
 * byte, family, port, 4 or 16 address bytes. XOR: the port with the cookie's
 * top half, the address with the cookie and (IPv6) the transaction ID.
 */
static int get_addr(const uint8_t *v, size_t len, bool xor, const uint8_t *hdr, struct sockaddr_storage *out)
{
	uint16_t port;
	size_t i;

	if (len < 4)
		return EBADMSG;
	port = (uint16_t)(v[2] << 8 | v[3]);
	if (xor)
		port ^= (uint16_t)(STUN_MAGIC_COOKIE >> 16);
	memset(out, 0, sizeof(*out));
	if (v[1] == 0x01 && len == 8) {
		struct sockaddr_in *sin = (struct sockaddr_in *)out;
		uint8_t *a = (uint8_t *)&sin->sin_addr;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		for (i = 0; i < 4; i++)
			a[i] = (uint8_t)(v[4 + i] ^ (xor ? hdr[4 + i] : 0));
		return 0;
	}
	if (v[1] == 0x02 && len == 20) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
		uint8_t *a = (uint8_t *)&sin6->sin6_addr;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		/* header bytes 4..19 are the cookie followed by the transaction ID */
		for (i = 0; i < 16; i++)
			a[i] = (uint8_t)(v[4 + i] ^ (xor ? hdr[4 + i] : 0));
		return 0;
	}
	return EBADMSG;
}

static int get_error(const uint8_t *v, size_t len, struct stun_msg *m)
{
	unsigned cls, num;

	if (len < 4 || len - 4 > TEXT_MAX)
		return EBADMSG;
	cls = v[2] & 0x07u;
	num = v[3];
	if (cls < 3 || cls > 6 || num > 99)
		return EBADMSG;
	m->error_code = (uint16_t)(cls * 100 + num);
	m->error_reason.p = (const char *)v + 4;
	m->error_reason.l = len - 4;
	return 0;
}

static int get_text(const uint8_t *v, size_t len, size_t max, struct pl *out)
{
	if (len > max)
		return EBADMSG;
	out->p = (const char *)v;
	out->l = len;
	return 0;
}

/* One attribute of a message being decoded; seen: the known types met so far (first one wins). */
static int take_attr(struct stun_msg *m, uint16_t type, const uint8_t *v, size_t len, const uint8_t *hdr,
		     uint32_t *seen)
{
	static const uint16_t known[] = {
		STUN_ATTR_MAPPED_ADDRESS, STUN_ATTR_USERNAME, STUN_ATTR_ERROR_CODE, STUN_ATTR_UNKNOWN_ATTRIBUTES,
		STUN_ATTR_REALM, STUN_ATTR_NONCE, STUN_ATTR_XOR_MAPPED_ADDRESS, STUN_ATTR_SOFTWARE,
		STUN_ATTR_ALTERNATE_SERVER,
	};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i] == type)
			break;
	if (i == sizeof(known) / sizeof(known[0])) {
		/* unknown: remember the comprehension-required ones (the client must not use such a response) */
		if (type < 0x8000 && m->n_unknown < STUN_MAX_UNKNOWN)
			m->unknown[m->n_unknown++] = type;
		return 0;
	}
	if (*seen & (1u << i))
		return 0;
	*seen |= 1u << i;
	switch (type) {
	case STUN_ATTR_MAPPED_ADDRESS:
		m->has_mapped = true;
		return get_addr(v, len, false, hdr, &m->mapped);
	case STUN_ATTR_XOR_MAPPED_ADDRESS:
		m->has_xor_mapped = true;
		return get_addr(v, len, true, hdr, &m->xor_mapped);
	case STUN_ATTR_ALTERNATE_SERVER:
		m->has_alternate = true;
		return get_addr(v, len, false, hdr, &m->alternate);
	case STUN_ATTR_ERROR_CODE:
		return get_error(v, len, m);
	case STUN_ATTR_USERNAME:
		return get_text(v, len, 513, &m->username);
	case STUN_ATTR_REALM:
		return get_text(v, len, TEXT_MAX, &m->realm);
	case STUN_ATTR_NONCE:
		return get_text(v, len, TEXT_MAX, &m->nonce);
	case STUN_ATTR_SOFTWARE:
		return get_text(v, len, TEXT_MAX, &m->software);
	default: /* UNKNOWN-ATTRIBUTES: a list of 16-bit types, only checked */
		return len % 2 ? EBADMSG : 0;
	}
}

int stun_decode(struct stun_msg *m, const void *p, size_t len)
{
	const uint8_t *b = p;
	struct stun_msg d;
	struct rbuf r;
	uint16_t type, mlen;
	uint32_t seen = 0;
	int err;

	if (!m || !stun_is_msg(p, len))
		return EBADMSG;
	memset(&d, 0, sizeof(d));
	rbuf_init(&r, b, len);
	if ((err = rbuf_u16(&r, &type)) != 0 || (err = rbuf_u16(&r, &mlen)) != 0 || (err = rbuf_skip(&r, 4)) != 0 ||
	    (err = rbuf_bytes(&r, d.tid, STUN_TID_LEN)) != 0)
		return EBADMSG;
	split_type(type, &d.method, &d.cls);
	d.len = len;
	while (rbuf_left(&r) > 0) {
		uint16_t at, alen;
		size_t off = r.pos;
		const uint8_t *v;

		if (rbuf_u16(&r, &at) || rbuf_u16(&r, &alen) || rbuf_peek_ptr(&r, &v, alen) ||
		    rbuf_skip(&r, (4u - (alen & 3u)) & 3u))
			return EBADMSG;
		if (at == STUN_ATTR_FINGERPRINT) {
			/* RFC 5389 15.5: the last attribute, over everything before it (header length included) */
			if (alen != 4 || rbuf_left(&r) != 0 || get32(v) != (stun_crc32(b, off) ^ FINGERPRINT_XOR))
				return EBADMSG;
			d.has_fingerprint = true;
			break;
		}
		if (d.has_integrity)
			continue; /* 15.4: ignored after MESSAGE-INTEGRITY */
		if (at == STUN_ATTR_MESSAGE_INTEGRITY) {
			if (alen != MI_LEN)
				return EBADMSG;
			d.has_integrity = true;
			d.integrity_off = off;
			continue;
		}
		if (take_attr(&d, at, v, alen, b, &seen) != 0)
			return EBADMSG;
	}
	*m = d;
	return 0;
}

int stun_enc_begin(struct stun_enc *e, struct wbuf *w, uint16_t method, enum stun_class cls,
		   const uint8_t tid[STUN_TID_LEN])
{
	if (!e || !w || !tid || method > 0x0FFF)
		return EINVAL;
	e->w = w;
	e->start = w->len;
	wbuf_u16(w, stun_msg_type(method, cls));
	wbuf_u16(w, 0); /* set by stun_enc_end */
	wbuf_u32(w, STUN_MAGIC_COOKIE);
	return wbuf_put(w, tid, STUN_TID_LEN);
}

int stun_enc_attr(struct stun_enc *e, uint16_t type, const void *value, size_t len)
{
	static const uint8_t zero[3];

	if (!e || !e->w || (len && !value) || len > 0xFFFF)
		return EINVAL;
	wbuf_u16(e->w, type);
	wbuf_u16(e->w, (uint16_t)len);
	wbuf_put(e->w, value, len);
	return wbuf_put(e->w, zero, (4 - (len & 3)) & 3);
}

int stun_enc_addr(struct stun_enc *e, uint16_t type, const struct sockaddr *sa)
{
	uint8_t v[20];
	const uint8_t *a, *hdr;
	size_t n, i;
	uint16_t port;
	bool xor = type == STUN_ATTR_XOR_MAPPED_ADDRESS;

	if (!e || !e->w || !sa || e->w->len < e->start + STUN_HDR_LEN)
		return EINVAL;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		a = (const uint8_t *)&sin->sin_addr;
		port = ntohs(sin->sin_port);
		n = 4;
		v[1] = 0x01;
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		a = (const uint8_t *)&sin6->sin6_addr;
		port = ntohs(sin6->sin6_port);
		n = 16;
		v[1] = 0x02;
	} else {
		return EINVAL;
	}
	hdr = e->w->p + e->start;
	if (xor)
		port ^= (uint16_t)(STUN_MAGIC_COOKIE >> 16);
	v[0] = 0;
	v[2] = (uint8_t)(port >> 8);
	v[3] = (uint8_t)port;
	for (i = 0; i < n; i++)
		v[4 + i] = (uint8_t)(a[i] ^ (xor ? hdr[4 + i] : 0));
	return stun_enc_attr(e, type, v, 4 + n);
}

int stun_enc_error(struct stun_enc *e, uint16_t code, const char *reason)
{
	uint8_t v[4 + 128];
	size_t rl = reason ? strlen(reason) : 0;

	if (code < 300 || code > 699 || rl > sizeof(v) - 4)
		return EINVAL;
	v[0] = 0;
	v[1] = 0;
	v[2] = (uint8_t)(code / 100);
	v[3] = (uint8_t)(code % 100);
	if (rl)
		memcpy(v + 4, reason, rl);
	return stun_enc_attr(e, STUN_ATTR_ERROR_CODE, v, 4 + rl);
}

static void set_len(struct stun_enc *e, size_t body)
{
	e->w->p[e->start + 2] = (uint8_t)(body >> 8);
	e->w->p[e->start + 3] = (uint8_t)body;
}

int stun_enc_end(struct stun_enc *e, bool fingerprint)
{
	size_t body;
	uint32_t crc;

	if (!e || !e->w)
		return EINVAL;
	if (e->w->err)
		return e->w->err;
	if (e->w->len < e->start + STUN_HDR_LEN)
		return EINVAL;
	body = e->w->len - e->start - STUN_HDR_LEN;
	if (body + (fingerprint ? 8 : 0) > 0xFFFF)
		return EMSGSIZE;
	if (!fingerprint) {
		set_len(e, body);
		return 0;
	}
	/* the CRC covers the header with the length that already counts FINGERPRINT itself */
	set_len(e, body + 8);
	crc = stun_crc32(e->w->p + e->start, e->w->len - e->start) ^ FINGERPRINT_XOR;
	wbuf_u16(e->w, STUN_ATTR_FINGERPRINT);
	wbuf_u16(e->w, 4);
	return wbuf_u32(e->w, crc);
}

/* ---- addresses ---- */

static bool is_wildcard(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	if (ss->ss_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr);
	return false;
}

int stun_local_addr(int fd, const struct sockaddr *dst, socklen_t dstlen, struct sockaddr_storage *out)
{
	struct sockaddr_storage ss, route;
	socklen_t sl = sizeof(ss), rl = sizeof(route);
	int probe, err = 0;

	if (fd < 0 || !dst || !out)
		return EINVAL;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		return errno;
	if (!is_wildcard(&ss)) {
		*out = ss;
		return 0;
	}
	/* a connected UDP socket learns the source address the kernel would pick; nothing is sent */
	probe = socket(dst->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return errno;
	if (connect(probe, dst, dstlen) != 0 || getsockname(probe, (struct sockaddr *)&route, &rl) != 0)
		err = errno;
	close(probe);
	if (err)
		return err;
	if (route.ss_family != ss.ss_family)
		return EAFNOSUPPORT;
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&route)->sin_port = ((struct sockaddr_in *)&ss)->sin_port;
	else
		((struct sockaddr_in6 *)&route)->sin6_port = ((struct sockaddr_in6 *)&ss)->sin6_port;
	*out = route;
	return 0;
}

/* ---- the client transaction ---- */

struct stun_binding {
	struct loop *loop;
	struct sockaddr_storage server;
	socklen_t slen;
	struct stun_timers t;
	uint8_t tid[STUN_TID_LEN];
	uint8_t req[128];
	size_t req_len;
	struct tmr tmr;
	uint64_t rto_ms; /* the wait after the next request */
	uint64_t t0;     /* first request */
	unsigned sent;
	bool done;
	stun_send_h *send;
	stun_binding_h *h;
	void *arg;
};

static struct stun_timers timers_fill(const struct stun_timers *t)
{
	struct stun_timers r = {STUN_RTO_DEFAULT, STUN_RC_DEFAULT, STUN_RM_DEFAULT};

	if (t) {
		if (t->rto_ms)
			r.rto_ms = t->rto_ms;
		if (t->rc)
			r.rc = t->rc;
		if (t->rm)
			r.rm = t->rm;
	}
	return r;
}

/* Ends the transaction and tells the owner, who may free b inside h: nothing touches b afterwards. */
static void finish(struct stun_binding *b, int err, const struct stun_result *r)
{
	stun_binding_h *h = b->h;

	b->done = true;
	b->h = NULL;
	tmr_cancel(&b->tmr);
	if (h)
		h(err, r, b->arg);
}

static int send_req(struct stun_binding *b)
{
	int err = b->send(b->req, b->req_len, (const struct sockaddr *)&b->server, b->slen, b->arg);

	b->sent++;
	/* a full socket buffer loses this copy like the network would; retransmission covers it */
	if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS)
		err = 0;
	return err;
}

static void retx_h(void *arg)
{
	struct stun_binding *b = arg;
	int err;

	if (b->sent >= b->t.rc) {
		struct stun_result r;

		memset(&r, 0, sizeof(r));
		r.requests = b->sent;
		finish(b, ETIMEDOUT, &r);
		return;
	}
	err = send_req(b);
	if (err) {
		finish(b, err, NULL);
		return;
	}
	b->rto_ms *= 2;
	/* after the last request: Rm initial RTOs (RFC 5389 7.2.1), not the doubled one */
	if (tmr_start(b->loop, &b->tmr, b->sent >= b->t.rc ? (uint64_t)b->t.rm * b->t.rto_ms : b->rto_ms, retx_h,
		      b) != 0)
		finish(b, ENOMEM, NULL);
}

int stun_binding_alloc(struct stun_binding **bp, struct loop *l, const struct sockaddr *server, socklen_t slen,
		       const struct stun_timers *t, const char *software, stun_send_h *send, stun_binding_h *h,
		       void *arg)
{
	struct stun_binding *b;
	struct stun_enc e;
	struct wbuf w;
	int err;

	if (!bp || !l || !server || !send || !h || slen == 0 || slen > sizeof(struct sockaddr_storage) ||
	    (server->sa_family != AF_INET && server->sa_family != AF_INET6) ||
	    (software && strlen(software) > SOFTWARE_MAX))
		return EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return ENOMEM;
	b->loop = l;
	memcpy(&b->server, server, slen);
	b->slen = slen;
	b->t = timers_fill(t);
	b->send = send;
	b->h = h;
	b->arg = arg;
	tmr_init(&b->tmr);
	if ((err = crypto_rand(b->tid, sizeof(b->tid))) != 0)
		goto out;
	wbuf_init_static(&w, b->req, sizeof(b->req));
	stun_enc_begin(&e, &w, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, b->tid);
	if (software && *software)
		stun_enc_attr(&e, STUN_ATTR_SOFTWARE, software, strlen(software));
	if ((err = stun_enc_end(&e, true)) != 0)
		goto out;
	b->req_len = w.len;
	b->rto_ms = b->t.rto_ms;
	b->t0 = loop_now_ms();
	if ((err = send_req(b)) != 0)
		goto out;
	if (tmr_start(l, &b->tmr, b->t.rc > 1 ? b->rto_ms : (uint64_t)b->t.rm * b->t.rto_ms, retx_h, b) != 0) {
		err = ENOMEM;
		goto out;
	}
	*bp = b;
	return 0;
out:
	free(b);
	return err;
}

int stun_binding_recv(struct stun_binding *b, const void *p, size_t len, const struct sockaddr *src)
{
	struct stun_result r;
	struct stun_msg m;

	if (!b || !p || !stun_is_msg(p, len))
		return ENOENT;
	/* the transaction ID is the match (RFC 5389 7.3); the source check keeps strangers' copies out */
	if (memcmp((const uint8_t *)p + 8, b->tid, STUN_TID_LEN) != 0 || !src ||
	    !sa_equal(src, (const struct sockaddr *)&b->server))
		return ENOENT;
	if (stun_decode(&m, p, len) != 0)
		return EBADMSG;
	if (m.method != STUN_METHOD_BINDING || (m.cls != STUN_CLASS_SUCCESS && m.cls != STUN_CLASS_ERROR))
		return EBADMSG;
	if (b->done)
		return 0; /* a retransmitted response: absorbed */
	memset(&r, 0, sizeof(r));
	r.requests = b->sent;
	r.rtt_ms = loop_now_ms() - b->t0;
	r.software = m.software;
	if (m.cls == STUN_CLASS_ERROR) {
		r.error_code = m.error_code;
		finish(b, EPROTO, &r);
		return 0;
	}
	if (m.n_unknown > 0 || (!m.has_xor_mapped && !m.has_mapped)) {
		finish(b, EPROTO, &r);
		return 0;
	}
	r.from_xor = m.has_xor_mapped;
	r.mapped = m.has_xor_mapped ? m.xor_mapped : m.mapped;
	finish(b, 0, &r);
	return 0;
}

bool stun_binding_active(const struct stun_binding *b)
{
	return b && !b->done;
}

void stun_binding_free(struct stun_binding *b)
{
	if (!b)
		return;
	tmr_cancel(&b->tmr);
	free(b);
}
