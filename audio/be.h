/* SPDX-License-Identifier: GPL-3.0-or-later */
/* be.h: network-order (big-endian) 16- and 32-bit fields of media packets (RTP, RTCP, SRTP, ZRTP). */
#ifndef SPHONE_BE_H
#define SPHONE_BE_H

#include <stdint.h>

/* The caller has checked that the bytes are there: these read and write exactly 2 or 4 of them. */
static inline uint16_t be16_get(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t be32_get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void be16_put(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void be32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
