/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sip_stream.h: SIP message framing on stream transports (TCP/TLS): Content-Length, CRLF keep-alives. */
#ifndef SPHONE_SIP_STREAM_H
#define SPHONE_SIP_STREAM_H

#include <stddef.h>

struct sip_msg;

/*
 * Incremental framing for stream transports (TCP/TLS). Feed any byte splits;
 * each complete message is decoded and handed to h (which takes ownership).
 * A message needs Content-Length. Errors from feed (the stream is then dead,
 * every later feed returns the same error; close the connection):
 *   EBADMSG  malformed message, or no Content-Length
 *   EMSGSIZE header block or Content-Length above max_msg_size
 * After an error, sip_stream_take_bad gives the leniently decoded offending
 * message (when its essential headers were readable) so a 400 can be sent.
 */
struct sip_stream;
typedef void (sip_stream_h)(struct sip_msg *msg, void *arg);

/*
 * RFC 5626 4.4.1 keep-alive seen between messages: a ping (CRLFCRLF) must be
 * answered with a single CRLF; a pong (a single CRLF) proves the peer alive.
 * Every CRLF is reported: the first of a pair as PONG, and when a second CRLF
 * follows at once, that pair completes as PING. Any byte split gives the same events.
 * A bare LF between messages is an empty line: skipped, never an event, and it
 * breaks a pair. A CR not followed by LF there is malformed (EBADMSG).
 * The owner decides whether a PONG answers a ping of its own (sip_conn.c).
 */
enum sip_ka { SIP_KA_PONG = 0, SIP_KA_PING };
typedef void (sip_stream_ka_h)(enum sip_ka kind, void *arg);

int sip_stream_alloc(struct sip_stream **sp, size_t max_msg_size);
void sip_stream_free(struct sip_stream *s);
/* Optional keep-alive handler (default: none; keep-alives are consumed silently). */
void sip_stream_set_ka_handler(struct sip_stream *s, sip_stream_ka_h *kah, void *arg);
/* 0 (all bytes consumed; maybe waiting for more), EBADMSG, EMSGSIZE, ENOMEM. */
int sip_stream_feed(struct sip_stream *s, const void *p, size_t n, sip_stream_h *h, void *arg);
/* Bytes buffered for a message not yet complete. */
size_t sip_stream_pending(const struct sip_stream *s);
/* After a feed error: the offending message decoded leniently (caller owns it), or NULL. */
struct sip_msg *sip_stream_take_bad(struct sip_stream *s);

#endif
