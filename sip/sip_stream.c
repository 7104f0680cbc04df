/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sip_stream.c: SIP message framing on TCP/TLS (RFC 3261 18.3): Content-Length, CRLF keep-alives (RFC 5626). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sip_msg.h"
#include "sip_stream.h"

struct sip_stream {
	char *buf;
	size_t len, cap, max;
	size_t scanned;  /* bytes already searched for the header end */
	size_t hlen;     /* header block length incl. the empty line, 0 while unknown */
	size_t total;    /* whole message length once known */
	bool ka_half;    /* the last thing seen was a lone CRLF between messages */
	int dead;        /* sticky error */
	struct sip_msg *bad;
	sip_stream_ka_h *kah;
	void *kaarg;
};

int sip_stream_alloc(struct sip_stream **sp, size_t max_msg_size)
{
	struct sip_stream *s;

	if (!sp || max_msg_size < 16)
		return EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ENOMEM;
	s->max = max_msg_size;
	*sp = s;
	return 0;
}

void sip_stream_free(struct sip_stream *s)
{
	if (!s)
		return;
	if (s->buf)
		explicit_bzero(s->buf, s->cap);
	free(s->buf);
	sip_msg_free(s->bad);
	free(s);
}

void sip_stream_set_ka_handler(struct sip_stream *s, sip_stream_ka_h *kah, void *arg)
{
	if (!s)
		return;
	s->kah = kah;
	s->kaarg = arg;
}

size_t sip_stream_pending(const struct sip_stream *s)
{
	return s ? s->len : 0;
}

struct sip_msg *sip_stream_take_bad(struct sip_stream *s)
{
	struct sip_msg *m;

	if (!s)
		return NULL;
	m = s->bad;
	s->bad = NULL;
	return m;
}

static void consume(struct sip_stream *s, size_t n)
{
	memmove(s->buf, s->buf + n, s->len - n);
	explicit_bzero(s->buf + s->len - n, n); /* the moved-from tail held message text */
	s->len -= n;
	s->scanned = 0;
	s->hlen = 0;
	s->total = 0;
}

static int stream_die(struct sip_stream *s, int err, size_t hlen)
{
	s->dead = err;
	if (hlen) {
		int e2;
		struct sip_msg *m = NULL;
		if (sip_msg_decode_lenient(&m, s->buf, hlen, &e2) == 0)
			s->bad = m;
	}
	return err;
}

/* Processes buffered bytes: keep-alives, then as many whole messages as there are. */
static int process_buffered(struct sip_stream *s, sip_stream_h *h, void *arg)
{
	for (;;) {
		if (s->hlen == 0 && s->scanned == 0) {
			/*
			 * between messages: CRLF keep-alives (RFC 5626 4.4.1), and a bare LF: an empty line
			 * from a peer that ends lines with LF alone, ignored before a start line as RFC 3261
			 * 7.5 ignores CRLFs there; it is no keep-alive and breaks a CRLF pair
			 */
			while (s->len >= 1 && (s->buf[0] == '\r' || s->buf[0] == '\n')) {
				if (s->buf[0] == '\n') {
					consume(s, 1);
					s->ka_half = false;
					continue;
				}
				if (s->len < 2)
					return 0;
				if (s->buf[1] != '\n')
					return stream_die(s, EBADMSG, 0);
				consume(s, 2);
				if (s->ka_half) {
					s->ka_half = false;
					if (s->kah)
						s->kah(SIP_KA_PING, s->kaarg);
				} else {
					s->ka_half = true;
					if (s->kah)
						s->kah(SIP_KA_PONG, s->kaarg);
				}
			}
			if (s->len == 0)
				return 0;
			s->ka_half = false;
		}
		if (s->hlen == 0) {
			size_t from = s->scanned > 3 ? s->scanned - 3 : 0;
			const char *e = memmem(s->buf + from, s->len - from, "\r\n\r\n", 4);
			if (!e) {
				s->scanned = s->len;
				if (s->len >= s->max)
					return stream_die(s, EMSGSIZE, 0);
				return 0;
			}
			s->hlen = (size_t)(e - s->buf) + 4;
			if (s->hlen > s->max)
				return stream_die(s, EMSGSIZE, 0);
			uint32_t clen;
			int err = sip_msg_scan_clen(s->buf, s->hlen, &clen);
			if (err)
				return stream_die(s, EBADMSG, s->hlen);
			if ((uint64_t)s->hlen + clen > s->max)
				return stream_die(s, EMSGSIZE, s->hlen);
			s->total = s->hlen + clen;
		}
		if (s->len < s->total)
			return 0;
		struct sip_msg *m = NULL;
		int err = sip_msg_decode(&m, s->buf, s->total);
		if (err == ENOMEM)
			return err;
		if (err)
			return stream_die(s, EBADMSG, s->hlen);
		consume(s, s->total);
		if (h)
			h(m, arg);
		else
			sip_msg_free(m);
	}
}

int sip_stream_feed(struct sip_stream *s, const void *p, size_t n, sip_stream_h *h, void *arg)
{
	const char *in = p;

	if (!s || (!p && n))
		return EINVAL;
	if (s->dead)
		return s->dead;
	if (!s->buf) {
		s->cap = s->max < 4096 ? s->max : 4096;
		s->buf = malloc(s->cap);
		if (!s->buf)
			return ENOMEM;
	}
	while (n) {
		/* never hold more than one message's worth: framing errors come first */
		size_t room = s->max - s->len;
		if (room == 0)
			return stream_die(s, EMSGSIZE, 0);
		size_t take = n < room ? n : room;
		if (s->len + take > s->cap) {
			size_t nc = s->cap;
			while (nc < s->len + take)
				nc *= 2;
			if (nc > s->max)
				nc = s->max;
			char *nb = buf_grow_wiped(s->buf, s->cap, s->len, nc); /* message text in it */
			if (!nb)
				return ENOMEM;
			s->buf = nb;
			s->cap = nc;
		}
		memcpy(s->buf + s->len, in, take);
		s->len += take;
		in += take;
		n -= take;
		int err = process_buffered(s, h, arg);
		if (err)
			return err;
	}
	return 0;
}
