/* SPDX-License-Identifier: GPL-3.0-or-later */
/* zrtp_wire.h: what sphone itself parses around ZRTP: RTP/ZRTP demultiplexing and the a=zrtp-hash value. */
#ifndef SPHONE_ZRTP_WIRE_H
#define SPHONE_ZRTP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * RFC 6189 5: a ZRTP packet is a 12-byte header (first byte 0x10: its two
 * top bits are 00 where RTP's version field has 10, then a sequence number,
 * the magic cookie 'ZRTP' and the sender's SSRC), one message (preamble
 * 0x505a, length in 32-bit words, 8-character type, body) and a CRC-32c.
 * The smallest message (HelloACK, Conf2ACK) is 3 words; the largest bzrtp
 * builds (DHPart with DH-3k) is under 500 bytes; ZRTP_WIRE_MAX leaves room.
 */
#define ZRTP_WIRE_COOKIE 0x5a525450u
#define ZRTP_WIRE_HDR_LEN 12
#define ZRTP_WIRE_MIN (ZRTP_WIRE_HDR_LEN + 12 + 4)
#define ZRTP_WIRE_MAX 2048

enum zrtp_wire_kind {
	ZRTP_WIRE_OTHER, /* neither: drop it */
	ZRTP_WIRE_RTP,   /* RTP version 2 and at least a fixed header (RTCP too: the stream tells them apart) */
	ZRTP_WIRE_ZRTP,  /* a well-framed ZRTP packet (the CRC and message are the ZRTP engine's to check) */
};

/*
 * What a received datagram on the media socket is. ZRTP needs the 00 bits,
 * the cookie at offset 4, the preamble at 12, a length a multiple of 4 within
 * [ZRTP_WIRE_MIN, ZRTP_WIRE_MAX] and a message length word that accounts for
 * every byte between header and CRC; anything with the 00 bits that is not
 * that is OTHER, never RTP.
 */
enum zrtp_wire_kind zrtp_wire_classify(const uint8_t *pkt, size_t len);

/* The 8-character message type of a packet classified ZRTP ("Hello   ", "Commit  ", ...) into type[9]. */
void zrtp_wire_type(const uint8_t *pkt, size_t len, char type[9]);

/*
 * What a Hello (RFC 6189 5.2) says about its sender, read from a packet
 * classified ZRTP whose type is "Hello   ": the protocol version, the client
 * identifier (16 bytes, shown as printable ASCII with trailing blanks and NULs
 * cut and other bytes as '?'), the ZID, and the flags word's S (signature capable),
 * M (sent by a trusted MiTM, usually a PBX able to relay the SAS, RFC 6189
 * 7.3) and P (passive: never sends a Commit). A Hello's fields are only worth
 * something once the hash chain has authenticated it: read those of a Hello
 * the engine accepted. ENOENT not a Hello, EBADMSG too short.
 */
struct zrtp_wire_hello {
	char version[5];
	char client[17];
	uint8_t zid[12];
	bool sig, mitm, passive;
};
int zrtp_wire_hello(const uint8_t *pkt, size_t len, struct zrtp_wire_hello *h);

/*
 * An a=zrtp-hash attribute value (RFC 6189 8.1): "<version> <hash>", the
 * version a short token of digits and dots ("1.10"), one space, the SHA-256
 * of the sender's Hello message as exactly 64 hex digits. Nothing before,
 * between or after; EBADMSG otherwise.
 */
#define ZRTP_WIRE_VERSION_MAX 8
#define ZRTP_WIRE_HASH_LEN 32
struct zrtp_hello_hash {
	char version[ZRTP_WIRE_VERSION_MAX + 1];
	uint8_t hash[ZRTP_WIRE_HASH_LEN];
};
int zrtp_wire_hash_parse(const char *val, size_t len, struct zrtp_hello_hash *h);
/* "<version> <64 lowercase hex digits>"; ENOBUFS if size cannot hold it and the NUL (74 always does). */
#define ZRTP_WIRE_HASH_STR_MAX (ZRTP_WIRE_VERSION_MAX + 1 + 2 * ZRTP_WIRE_HASH_LEN + 1)
int zrtp_wire_hash_print(char *buf, size_t size, const struct zrtp_hello_hash *h);

#endif
