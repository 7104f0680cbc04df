/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_buf.c: unit tests for the bounds-checked reader and the sticky-error writer. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "../tap.h"

static void test_rbuf(void)
{
	static const uint8_t data[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0xff };
	struct rbuf r;
	uint8_t u8 = 0xaa, b[8];
	uint16_t u16 = 0xaaaa;
	uint32_t u32 = 0xaaaaaaaa;
	const uint8_t *p = NULL;

	rbuf_init(&r, data, sizeof(data));
	is_int(rbuf_left(&r), 8, "rbuf: 8 left at start");
	is_int(rbuf_u8(&r, &u8), 0, "rbuf_u8 ok");
	is_int(u8, 0x01, "rbuf_u8 value");
	is_int(rbuf_u16(&r, &u16), 0, "rbuf_u16 ok");
	is_int(u16, 0x0203, "rbuf_u16 network order");
	is_int(rbuf_u32(&r, &u32), 0, "rbuf_u32 ok");
	is_int(u32, 0x04050607, "rbuf_u32 network order");
	is_int(rbuf_left(&r), 1, "1 left");
	u16 = 0x1234;
	is_int(rbuf_u16(&r, &u16), EBADMSG, "rbuf_u16 short -> EBADMSG");
	is_int(u16, 0x1234, "out-param untouched on failure");
	is_int(rbuf_left(&r), 1, "reader unchanged on failure");
	is_int(rbuf_u32(&r, &u32), EBADMSG, "rbuf_u32 short -> EBADMSG");
	is_int(rbuf_bytes(&r, b, 2), EBADMSG, "rbuf_bytes short -> EBADMSG");
	is_int(rbuf_skip(&r, 2), EBADMSG, "rbuf_skip short -> EBADMSG");
	is_int(rbuf_peek_ptr(&r, &p, 2), EBADMSG, "rbuf_peek_ptr short -> EBADMSG");
	ok(p == NULL, "peek pointer untouched on failure");
	is_int(rbuf_u8(&r, &u8), 0, "last byte readable");
	is_int(u8, 0xff, "last byte value");
	is_int(rbuf_u8(&r, &u8), EBADMSG, "empty -> EBADMSG");

	rbuf_init(&r, data, sizeof(data));
	is_int(rbuf_skip(&r, 3), 0, "skip 3");
	is_int(rbuf_peek_ptr(&r, &p, 2), 0, "peek_ptr 2");
	ok(p == data + 3, "peek_ptr points into the buffer");
	is_int(rbuf_bytes(&r, b, 3), 0, "bytes 3");
	ok(memcmp(b, data + 5, 3) == 0, "bytes content");
	is_int(rbuf_bytes(&r, b, 0), 0, "zero-length read at end is fine");
	is_int(rbuf_skip(&r, SIZE_MAX), EBADMSG, "huge skip does not wrap");

	rbuf_init(&r, NULL, 10);
	is_int(rbuf_left(&r), 0, "NULL buffer has nothing left");
}

static void test_wbuf_heap(void)
{
	struct wbuf w;
	static const uint8_t want[] = { 0x7f, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 'h', 'i' };
	char big[3000];

	wbuf_init(&w, 0);
	wbuf_u8(&w, 0x7f);
	wbuf_u16(&w, 0x1234);
	wbuf_u32(&w, 0xdeadbeef);
	wbuf_str(&w, "hi");
	is_int(w.err, 0, "heap wbuf: no error");
	is_int(w.len, sizeof(want), "heap wbuf: length");
	ok(memcmp(w.p, want, sizeof(want)) == 0, "heap wbuf: bytes in network order");
	is_int(w.p[w.len], 0, "heap wbuf: NUL after content");

	memset(big, 'x', sizeof(big));
	is_int(wbuf_put(&w, big, sizeof(big)), 0, "grows for 3000 bytes");
	is_int(w.len, sizeof(want) + sizeof(big), "length after growth");
	ok(memcmp(w.p, want, sizeof(want)) == 0, "old content kept across growth");
	is_int(wbuf_printf(&w, "<%d:%s>", 42, "abc"), 0, "printf");
	is_str((char *)w.p + w.len - 8, "<42:abc>", "printf text and NUL");

	wbuf_reset(&w);
	is_int(w.len, 0, "reset empties");
	is_int(wbuf_printf(&w, "%0500d", 7), 0, "printf larger than the free room grows");
	is_int(w.len, 500, "printf length 500");
	ok(w.p[0] == '0' && w.p[499] == '7' && w.p[500] == 0, "printf content");
	wbuf_free(&w);
	ok(w.p == NULL && w.len == 0, "free clears");
	wbuf_free(NULL);
	ok(1, "wbuf_free(NULL) is safe");

	wbuf_init(&w, 10);
	is_int(wbuf_str(&w, "0123456789"), 0, "max 10: 10 bytes fit");
	is_int(wbuf_u8(&w, 'x'), ENOSPC, "max 10: 11th byte -> ENOSPC");
	is_int(w.len, 10, "failed put wrote nothing");
	is_int(wbuf_str(&w, ""), ENOSPC, "error is sticky");
	is_int(w.err, ENOSPC, "w->err holds it");
	wbuf_reset(&w);
	is_int(w.err, 0, "reset clears the error");
	is_int(wbuf_printf(&w, "%s", "0123456789A"), ENOSPC, "printf over max -> ENOSPC");
	is_int(w.len, 0, "nothing written");
	is_int(wbuf_str(&w, NULL), ENOSPC, "still sticky");
	wbuf_free(&w);

	wbuf_init(&w, 0);
	is_int(wbuf_str(&w, NULL), EINVAL, "wbuf_str(NULL) -> EINVAL");
	wbuf_free(&w);
}

static void test_wbuf_static(void)
{
	uint8_t store[8];
	struct wbuf w;

	memset(store, 0xee, sizeof(store));
	wbuf_init_static(&w, store, sizeof(store));
	is_int(wbuf_u32(&w, 0x01020304), 0, "static: u32");
	is_int(wbuf_u16(&w, 0x0506), 0, "static: u16");
	is_int(wbuf_u16(&w, 0x0708), 0, "static: exactly full");
	ok(w.p == store, "static: storage never replaced");
	is_int(w.len, 8, "static: len 8");
	is_int(store[7], 0x08, "static: last byte");
	is_int(wbuf_u8(&w, 9), ENOSPC, "static: full -> ENOSPC");
	ok(w.p == store && w.cap == 8, "static: no allocation");
	wbuf_reset(&w);
	is_int(wbuf_printf(&w, "%d", 1234567), 0, "static printf 7 chars + NUL fits");
	is_str((char *)store, "1234567", "static printf content");
	is_int(wbuf_printf(&w, "x"), ENOSPC, "static printf without room for NUL -> ENOSPC");
	is_int(w.len, 7, "len unchanged");
	is_int(store[7], 0, "still NUL-terminated");
	wbuf_reset(&w);
	is_int(wbuf_printf(&w, "%s", "123456789"), ENOSPC, "static printf too long");
	is_int(w.len, 0, "too long: nothing kept");
	is_int(store[0], 0, "too long: stays an empty string");
	wbuf_free(&w);
	is_int(store[1], 0, "free wipes static storage");
}

static void test_grow_wiped(void)
{
	char *p = buf_grow_wiped(NULL, 0, 0, 4), *q;

	ok(p != NULL, "grow from nothing");
	memcpy(p, "abcd", 4);
	q = buf_grow_wiped(p, 4, 3, 16);
	ok(q && memcmp(q, "abc", 3) == 0, "the used bytes move to the larger block");
	ok(buf_grow_wiped(q, 16, 17, 16) == NULL, "more used than the new size: refused, the block stays");
	ok(memcmp(q, "abc", 3) == 0, "... untouched");
	free(q);
}

int main(void)
{
	test_rbuf();
	test_wbuf_heap();
	test_wbuf_static();
	test_grow_wiped();
	return tap_done();
}
