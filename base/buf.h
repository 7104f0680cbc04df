/* SPDX-License-Identifier: GPL-3.0-or-later */
/* buf.h: bounds-checked reader (rbuf) and growable or fixed-storage writer (wbuf) for untrusted bytes. */
#ifndef SPHONE_BUF_H
#define SPHONE_BUF_H

#include <stddef.h>
#include <stdint.h>

/*
 * Reader over bytes it does not own. Every getter returns 0, or EBADMSG when
 * fewer bytes are left than asked for; on failure the reader is unchanged and
 * the out-parameter is not written. Multi-byte integers are network order.
 */
struct rbuf {
	const uint8_t *p;
	size_t len;
	size_t pos;
};

void rbuf_init(struct rbuf *r, const void *p, size_t len);
size_t rbuf_left(const struct rbuf *r);
int rbuf_u8(struct rbuf *r, uint8_t *v);
int rbuf_u16(struct rbuf *r, uint16_t *v);
int rbuf_u32(struct rbuf *r, uint32_t *v);
int rbuf_bytes(struct rbuf *r, void *dst, size_t n);
int rbuf_skip(struct rbuf *r, size_t n);
/* Points *p at the next n bytes (valid while the underlying buffer is) and advances. */
int rbuf_peek_ptr(struct rbuf *r, const uint8_t **p, size_t n);

/*
 * Writer. Heap mode (wbuf_init): grows up to max content bytes (0 = unbounded);
 * ENOSPC when max would be exceeded, ENOMEM when allocation fails. Static mode
 * (wbuf_init_static): writes into caller storage, never allocates, ENOSPC when
 * full. The first error sticks in w->err and every later put returns it, so a
 * chain of puts can be checked once at the end. A failed put writes nothing.
 * The content is always followed by a NUL byte when there is room for it
 * (heap mode always keeps room), so text can be used as a C string. In static
 * mode wbuf_printf needs one byte beyond the text for that NUL.
 */
struct wbuf {
	uint8_t *p;
	size_t len;
	size_t cap;
	size_t max;
	int err;
	int fixed; /* 1: storage belongs to the caller, never grown or freed */
};

void wbuf_init(struct wbuf *w, size_t max);
void wbuf_init_static(struct wbuf *w, void *storage, size_t cap);
/* Empties the buffer (keeps storage) and clears the sticky error. */
void wbuf_reset(struct wbuf *w);
/* Wipes the content; frees heap storage. The wbuf may be re-initialised afterwards. */
void wbuf_free(struct wbuf *w);
int wbuf_put(struct wbuf *w, const void *p, size_t n);
int wbuf_u8(struct wbuf *w, uint8_t v);
int wbuf_u16(struct wbuf *w, uint16_t v);
int wbuf_u32(struct wbuf *w, uint32_t v);
int wbuf_str(struct wbuf *w, const char *s);
int wbuf_printf(struct wbuf *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Ensures room for n more bytes without writing them. */
int wbuf_reserve(struct wbuf *w, size_t n);

/*
 * realloc for a buffer that may hold secrets (SIP text with keys, passwords): a new block of newcap
 * bytes (newcap >= used) gets the first used bytes of old, and old (oldcap bytes; NULL with 0) is
 * wiped before it is freed, where realloc would hand it back to the heap as it was. Returns the new
 * block, or NULL (out of memory) with old untouched.
 */
void *buf_grow_wiped(void *old, size_t oldcap, size_t used, size_t newcap);

#endif
