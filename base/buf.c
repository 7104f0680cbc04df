/* SPDX-License-Identifier: GPL-3.0-or-later */
/* buf.c: bounds-checked byte reader and sticky-error byte writer. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void rbuf_init(struct rbuf *r, const void *p, size_t len)
{
	r->p = p;
	r->len = p ? len : 0;
	r->pos = 0;
}

size_t rbuf_left(const struct rbuf *r)
{
	return r->pos <= r->len ? r->len - r->pos : 0;
}

int rbuf_peek_ptr(struct rbuf *r, const uint8_t **p, size_t n)
{
	if (rbuf_left(r) < n)
		return EBADMSG;
	*p = r->p + r->pos;
	r->pos += n;
	return 0;
}

int rbuf_u8(struct rbuf *r, uint8_t *v)
{
	const uint8_t *q;
	int err = rbuf_peek_ptr(r, &q, 1);

	if (err)
		return err;
	*v = q[0];
	return 0;
}

int rbuf_u16(struct rbuf *r, uint16_t *v)
{
	const uint8_t *q;
	int err = rbuf_peek_ptr(r, &q, 2);

	if (err)
		return err;
	*v = (uint16_t)((unsigned)q[0] << 8 | q[1]);
	return 0;
}

int rbuf_u32(struct rbuf *r, uint32_t *v)
{
	const uint8_t *q;
	int err = rbuf_peek_ptr(r, &q, 4);

	if (err)
		return err;
	*v = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
	return 0;
}

int rbuf_bytes(struct rbuf *r, void *dst, size_t n)
{
	const uint8_t *q;
	int err = rbuf_peek_ptr(r, &q, n);

	if (err)
		return err;
	if (n)
		memcpy(dst, q, n);
	return 0;
}

int rbuf_skip(struct rbuf *r, size_t n)
{
	const uint8_t *q;

	return rbuf_peek_ptr(r, &q, n);
}

void wbuf_init(struct wbuf *w, size_t max)
{
	w->p = NULL;
	w->len = 0;
	w->cap = 0;
	w->max = max;
	w->err = 0;
	w->fixed = 0;
}

void wbuf_init_static(struct wbuf *w, void *storage, size_t cap)
{
	w->p = storage;
	w->len = 0;
	w->cap = storage ? cap : 0;
	w->max = w->cap;
	w->err = 0;
	w->fixed = 1;
	if (w->cap)
		w->p[0] = '\0';
}

static void terminate(struct wbuf *w)
{
	if (w->len < w->cap)
		w->p[w->len] = '\0';
}

void wbuf_reset(struct wbuf *w)
{
	w->len = 0;
	w->err = 0;
	terminate(w);
}

void wbuf_free(struct wbuf *w)
{
	if (!w)
		return;
	if (w->p && w->cap)
		explicit_bzero(w->p, w->cap);
	if (!w->fixed)
		free(w->p);
	w->p = NULL;
	w->len = w->cap = 0;
	w->err = 0;
}

int wbuf_reserve(struct wbuf *w, size_t n)
{
	size_t need, ncap;
	uint8_t *np;

	if (w->err)
		return w->err;
	if (n > SIZE_MAX - w->len - 1) {
		w->err = w->fixed ? ENOSPC : ENOMEM;
		return w->err;
	}
	need = w->len + n;
	if (w->fixed) {
		if (need > w->cap)
			w->err = ENOSPC;
		return w->err;
	}
	if (w->max && need > w->max) {
		w->err = ENOSPC;
		return w->err;
	}
	if (need + 1 <= w->cap) /* heap mode keeps room for the NUL */
		return 0;
	ncap = w->cap ? w->cap : 64;
	while (ncap < need + 1)
		ncap = ncap > SIZE_MAX / 2 ? need + 1 : ncap * 2;
	if (w->max && ncap > w->max + 1)
		ncap = w->max + 1;
	np = buf_grow_wiped(w->p, w->cap, w->len, ncap);
	if (!np) {
		w->err = ENOMEM;
		return w->err;
	}
	w->p = np;
	w->cap = ncap;
	return 0;
}

void *buf_grow_wiped(void *old, size_t oldcap, size_t used, size_t newcap)
{
	void *p;

	if (used > newcap)
		return NULL;
	p = malloc(newcap ? newcap : 1);
	if (!p)
		return NULL;
	if (old) {
		if (used)
			memcpy(p, old, used);
		explicit_bzero(old, oldcap);
		free(old);
	}
	return p;
}

int wbuf_put(struct wbuf *w, const void *p, size_t n)
{
	int err = wbuf_reserve(w, n);

	if (err)
		return err;
	if (n)
		memcpy(w->p + w->len, p, n);
	w->len += n;
	terminate(w);
	return 0;
}

int wbuf_u8(struct wbuf *w, uint8_t v)
{
	return wbuf_put(w, &v, 1);
}

int wbuf_u16(struct wbuf *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return wbuf_put(w, b, sizeof(b));
}

int wbuf_u32(struct wbuf *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	return wbuf_put(w, b, sizeof(b));
}

int wbuf_str(struct wbuf *w, const char *s)
{
	if (!s) {
		if (!w->err)
			w->err = EINVAL;
		return w->err;
	}
	return wbuf_put(w, s, strlen(s));
}

int wbuf_printf(struct wbuf *w, const char *fmt, ...)
{
	va_list ap;
	size_t room;
	int n, err;

	if (w->err)
		return w->err;
	room = w->cap > w->len ? w->cap - w->len : 0;
	va_start(ap, fmt);
	n = vsnprintf(room ? (char *)w->p + w->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		w->err = EINVAL;
		terminate(w);
		return w->err;
	}
	if ((size_t)n < room || n == 0) {
		w->len += (size_t)n;
		return 0;
	}
	if (w->fixed) {
		/* vsnprintf needs room for its NUL too, so static mode wants one spare byte here. */
		w->err = ENOSPC;
		terminate(w);
		return w->err;
	}
	err = wbuf_reserve(w, (size_t)n);
	if (err) {
		terminate(w);
		return err;
	}
	va_start(ap, fmt);
	vsnprintf((char *)w->p + w->len, w->cap - w->len, fmt, ap);
	va_end(ap);
	w->len += (size_t)n;
	return 0;
}
