/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dtmf.h: RFC 4733 telephone-event sender (tick driven) and receiver (one report per event). */
#ifndef SPHONE_DTMF_H
#define SPHONE_DTMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DTMF_PT_DEFAULT 101
#define DTMF_PAYLOAD_LEN 4
#define DTMF_VOLUME 10       /* -10 dBm0, RFC 4733 2.3.4 */
/*
 * Defaults: a 100 ms tone is twice the 40 ms that DTMF receivers (ITU-T
 * Q.24) must accept and short enough to dial quickly; 60 ms of silence
 * after the tone's end keeps the digits apart (Q.24 interdigit pause 40 ms)
 * and covers the two end-packet retransmissions at 20 ms ptime.
 */
#define DTMF_TONE_MS 100
#define DTMF_GAP_MS 60
#define DTMF_QUEUE_MAX 64

/* Event code for a digit 0-9 * # A-D, or -1. */
int dtmf_event_from_digit(char digit);
/* Digit for an event code 0..15, or '\0'. */
char dtmf_digit_from_event(int event);

struct dtmf_send;

/* One packet to send in place of this packet time's audio. */
struct dtmf_pkt {
	uint8_t pt;
	uint32_t ts;  /* the event's start timestamp */
	bool marker;  /* first packet of the event */
	uint8_t payload[DTMF_PAYLOAD_LEN];
};

int dtmf_send_alloc(struct dtmf_send **sp, uint8_t pt, uint32_t clock_rate, uint32_t ptime_ms);
void dtmf_send_free(struct dtmf_send *s);
/* Tone and gap lengths in ms (tone 40..5000, gap 40..5000). */
int dtmf_send_set_timing(struct dtmf_send *s, uint32_t tone_ms, uint32_t gap_ms);
/* Queue digits; EINVAL (nothing queued) if any is not 0-9 * # A-D, ENOSPC if the queue would overflow. */
int dtmf_send_queue(struct dtmf_send *s, const char *digits);
/* An event is playing, in its gap, or queued. */
bool dtmf_send_busy(const struct dtmf_send *s);

/*
 * Call once per packet time with the timestamp this packet time's audio
 * would carry. 0: send *pkt instead of audio. ENODATA: send audio.
 */
int dtmf_send_tick(struct dtmf_send *s, uint32_t now_ts, struct dtmf_pkt *pkt);

/* Receiver: the handler runs once per event, with its duration in timestamp units. */
typedef void(dtmf_recv_h)(char digit, uint32_t duration, void *arg);

struct dtmf_recv;

int dtmf_recv_alloc(struct dtmf_recv **rp, dtmf_recv_h *h, void *arg);
void dtmf_recv_free(struct dtmf_recv *r);

/*
 * Feed a telephone-event packet's RTP timestamp and payload. 0 when taken
 * (reported, tracked, or recognised as a repeat), EBADMSG if shorter than 4
 * bytes, ENOTSUP for a non-DTMF event code.
 */
int dtmf_recv_packet(struct dtmf_recv *r, uint32_t ts, const uint8_t *payload, size_t len);

/* Report an event whose end never came (call on a timeout or when audio resumes). */
void dtmf_recv_flush(struct dtmf_recv *r);

#endif
