/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_zrtp.c: libFuzzer target for what sphone parses itself around ZRTP: the RTP/ZRTP demultiplexing of a
 * datagram, the fields sphone reads from a Hello, and the a=zrtp-hash value (the ZRTP messages themselves
 * are libbzrtp's to parse). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zrtp_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* a Hello's fields: printable, bounded, and only from a Hello */
static void check_hello(const uint8_t *p, size_t len, bool hello)
{
	struct zrtp_wire_hello h;
	int err = zrtp_wire_hello(p, len, &h);

	if (!hello) {
		if (err != ENOENT)
			abort();
		return;
	}
	if (err == EBADMSG)
		return;
	if (err || strlen(h.version) > 4 || strlen(h.client) > 16)
		abort();
	for (const char *c = h.client; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			abort();
}

static void check_datagram(const uint8_t *p, size_t len)
{
	char type[9];

	switch (zrtp_wire_classify(p, len)) {
	case ZRTP_WIRE_RTP:
		if (len < 12 || p[0] >> 6 != 2)
			abort();
		break;
	case ZRTP_WIRE_ZRTP:
		if (len < ZRTP_WIRE_MIN || len > ZRTP_WIRE_MAX || len % 4 || p[0] >> 6 != 0 ||
		    be32(p + 4) != ZRTP_WIRE_COOKIE || ((size_t)p[14] << 8 | p[15]) * 4 + 16 != len)
			abort();
		zrtp_wire_type(p, len, type);
		if (strlen(type) != 8)
			abort();
		check_hello(p, len, !strcmp(type, "Hello   "));
		break;
	case ZRTP_WIRE_OTHER:
		zrtp_wire_type(p, len, type);
		if (type[0] != '\0')
			abort(); /* only a ZRTP packet has a type */
		if (len >= 12 && p[0] >> 6 == 2)
			abort(); /* every RTP-shaped packet is RTP */
		break;
	default:
		abort();
	}
}

static void check_hash(const char *s, size_t len)
{
	struct zrtp_hello_hash h, h2;
	char out[ZRTP_WIRE_HASH_STR_MAX];

	if (zrtp_wire_hash_parse(s, len, &h) != 0)
		return;
	/* what parsed prints back (lowercase) to the same length and parses to the same value */
	if (zrtp_wire_hash_print(out, sizeof(out), &h) != 0 || strlen(out) != len ||
	    zrtp_wire_hash_parse(out, strlen(out), &h2) != 0 || memcmp(&h, &h2, sizeof(h)) != 0 ||
	    strncmp(out, s, strlen(h.version) + 1) != 0)
		abort();
	for (size_t i = 0; i < len; i++)
		if ((s[i] | 0x20) != out[i] && s[i] != out[i])
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* exact-size heap copies so ASan sees any over-read */
	uint8_t *p = malloc(size ? size : 1);

	if (!p)
		return 0;
	memcpy(p, data, size);
	check_datagram(p, size);
	check_hash((const char *)p, size);
	free(p);
	return 0;
}
