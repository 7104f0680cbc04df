/* SPDX-License-Identifier: GPL-3.0-or-later */
/* zrtp_wire.c: RTP/ZRTP demultiplexing of a received datagram and the a=zrtp-hash value (no library). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "be.h"
#include "zrtp_wire.h"

#define ZRTP_PREAMBLE 0x505au

enum zrtp_wire_kind zrtp_wire_classify(const uint8_t *pkt, size_t len)
{
	size_t words;

	if (!pkt || len == 0)
		return ZRTP_WIRE_OTHER;
	if ((pkt[0] >> 6) == 2)
		return len >= 12 ? ZRTP_WIRE_RTP : ZRTP_WIRE_OTHER;
	if ((pkt[0] >> 6) != 0 || len < ZRTP_WIRE_MIN || len > ZRTP_WIRE_MAX || len % 4 != 0)
		return ZRTP_WIRE_OTHER;
	if (be32_get(pkt + 4) != ZRTP_WIRE_COOKIE)
		return ZRTP_WIRE_OTHER;
	if (be16_get(pkt + 12) != ZRTP_PREAMBLE)
		return ZRTP_WIRE_OTHER;
	words = be16_get(pkt + 14);
	if (words * 4 != len - ZRTP_WIRE_HDR_LEN - 4)
		return ZRTP_WIRE_OTHER;
	return ZRTP_WIRE_ZRTP;
}

void zrtp_wire_type(const uint8_t *pkt, size_t len, char type[9])
{
	memset(type, 0, 9);
	if (zrtp_wire_classify(pkt, len) == ZRTP_WIRE_ZRTP)
		for (int i = 0; i < 8; i++)
			type[i] = pkt[16 + i] >= 0x20 && pkt[16 + i] < 0x7f ? (char)pkt[16 + i] : '?';
}

/* offsets in the packet: header 12, message head 12, version 4, client id 16, H3 32, ZID 12, flags */
#define HELLO_VERSION 24
#define HELLO_CLIENT 28
#define HELLO_ZID 76
#define HELLO_FLAGS 88
#define HELLO_MIN (HELLO_FLAGS + 4 + 8 + 4) /* the flags word, the MAC, the CRC */

static void printable(char *out, const uint8_t *in, size_t n)
{
	size_t i;

	/* padding is blanks (RFC 6189 5.2) or, from some clients (bzrtp), NULs: cut either at the end */
	while (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\0'))
		n--;
	for (i = 0; i < n; i++)
		out[i] = in[i] >= 0x20 && in[i] < 0x7f ? (char)in[i] : '?';
	out[i] = '\0';
}

int zrtp_wire_hello(const uint8_t *pkt, size_t len, struct zrtp_wire_hello *h)
{
	if (!pkt || !h)
		return EINVAL;
	if (zrtp_wire_classify(pkt, len) != ZRTP_WIRE_ZRTP || memcmp(pkt + 16, "Hello   ", 8) != 0)
		return ENOENT;
	if (len < HELLO_MIN)
		return EBADMSG;
	memset(h, 0, sizeof(*h));
	printable(h->version, pkt + HELLO_VERSION, 4);
	printable(h->client, pkt + HELLO_CLIENT, 16);
	memcpy(h->zid, pkt + HELLO_ZID, sizeof(h->zid));
	/* |0|S|M|P| mbz ...: the word's top bits */
	h->sig = pkt[HELLO_FLAGS] & 0x40;
	h->mitm = pkt[HELLO_FLAGS] & 0x20;
	h->passive = pkt[HELLO_FLAGS] & 0x10;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int zrtp_wire_hash_parse(const char *val, size_t len, struct zrtp_hello_hash *h)
{
	struct zrtp_hello_hash out;
	size_t vlen = 0, i;
	int dots = 0;

	if (!val || !h)
		return EINVAL;
	memset(&out, 0, sizeof(out));
	while (vlen < len && val[vlen] != ' ') {
		char c = val[vlen];
		if (c == '.')
			dots++;
		else if (c < '0' || c > '9')
			return EBADMSG;
		vlen++;
	}
	/* "1.10": digits around one dot; the hash follows one space and ends the value */
	if (vlen == 0 || vlen > ZRTP_WIRE_VERSION_MAX || dots != 1 || val[0] == '.' || val[vlen - 1] == '.')
		return EBADMSG;
	if (len != vlen + 1 + 2 * ZRTP_WIRE_HASH_LEN)
		return EBADMSG;
	memcpy(out.version, val, vlen);
	for (i = 0; i < ZRTP_WIRE_HASH_LEN; i++) {
		int hi = hexval(val[vlen + 1 + 2 * i]), lo = hexval(val[vlen + 2 + 2 * i]);
		if (hi < 0 || lo < 0)
			return EBADMSG;
		out.hash[i] = (uint8_t)(hi << 4 | lo);
	}
	*h = out;
	return 0;
}

int zrtp_wire_hash_print(char *buf, size_t size, const struct zrtp_hello_hash *h)
{
	size_t vlen, off;

	if (!buf || !h)
		return EINVAL;
	vlen = strnlen(h->version, sizeof(h->version));
	if (vlen == 0 || vlen > ZRTP_WIRE_VERSION_MAX)
		return EINVAL;
	if (size < vlen + 1 + 2 * ZRTP_WIRE_HASH_LEN + 1)
		return ENOBUFS;
	memcpy(buf, h->version, vlen);
	buf[vlen] = ' ';
	off = vlen + 1;
	for (size_t i = 0; i < ZRTP_WIRE_HASH_LEN; i++, off += 2)
		snprintf(buf + off, 3, "%02x", h->hash[i]);
	return 0;
}
