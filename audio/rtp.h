/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rtp.h: RTP (RFC 3550) header coding, sender state, and receiver statistics (A.1, A.3, A.8). */
#ifndef SPHONE_RTP_H
#define SPHONE_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTP_VERSION 2
#define RTP_HDR_LEN 12 /* fixed header, no CSRC, no extension */
#define RTP_MAX_CSRC 15

/* A decoded header. Offsets index the packet it was decoded from. */
struct rtp_hdr {
	bool padding;
	bool ext;
	bool marker;
	uint8_t cc;
	uint8_t pt;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	uint32_t csrc[RTP_MAX_CSRC]; /* the first cc (rtp_hdr_decode writes no others) */
	uint16_t ext_profile; /* when ext */
	size_t ext_off;       /* header extension data, after its 4-byte head */
	size_t ext_len;       /* in bytes */
	size_t payload_off;
	size_t payload_len; /* padding removed */
	size_t pad_len;
};

/*
 * Decode and check a packet: version 2, CSRC list, extension length and
 * padding count all inside len. EBADMSG if malformed.
 */
int rtp_hdr_decode(struct rtp_hdr *h, const uint8_t *pkt, size_t len);

/*
 * Write h's fixed header and CSRC list (no extension, no padding) into
 * buf; *hdr_len gets the bytes written. ENOBUFS if cap is too small.
 */
int rtp_hdr_encode(uint8_t *buf, size_t cap, const struct rtp_hdr *h, size_t *hdr_len);

/*
 * Sender: random SSRC, initial sequence number and timestamp (the sequence
 * number from SPHONE_TEST_RTP_SEQ instead when that is set: a test hook).
 */
struct rtp_send;

struct rtp_send_stats {
	uint32_t packets;
	uint32_t octets; /* payload octets, for the SR */
};

int rtp_send_alloc(struct rtp_send **sp, uint8_t pt);
void rtp_send_free(struct rtp_send *s);
uint32_t rtp_send_ssrc(const struct rtp_send *s);
/* Timestamp the next audio packet will carry. */
uint32_t rtp_send_ts(const struct rtp_send *s);
uint16_t rtp_send_seq(const struct rtp_send *s);
void rtp_send_stats(const struct rtp_send *s, struct rtp_send_stats *st);

/*
 * Write the header of the next audio packet carrying `samples` samples and
 * payload_len payload bytes, then advance seq and timestamp. The marker is
 * set on the first packet and on the first after rtp_send_skip().
 */
int rtp_send_audio(struct rtp_send *s, uint8_t *buf, size_t cap, uint32_t samples,
		   size_t payload_len, size_t *hdr_len);

/*
 * Write a header with its own payload type, timestamp and marker (e.g. an
 * RFC 4733 event); uses the next sequence number, timestamp unchanged.
 */
int rtp_send_other(struct rtp_send *s, uint8_t *buf, size_t cap, uint8_t pt, uint32_t ts,
		   bool marker, size_t payload_len, size_t *hdr_len);

/*
 * Time passes without audio being sent (hold, silence, DTMF replacing
 * audio): the timestamp advances by `samples` and the next audio packet
 * starts a talkspurt (marker).
 */
void rtp_send_skip(struct rtp_send *s, uint32_t samples);

/*
 * Start again as a new source (RFC 3550 8): a random SSRC other than the
 * current one and avoid; the packet and octet counts restart (the SR counts
 * are per SSRC), sequence number and timestamp go on, the next audio packet
 * carries the marker. 0, or EIO when the random generator fails.
 */
int rtp_send_new_ssrc(struct rtp_send *s, uint32_t avoid);

/* Force the state: a caller-chosen SSRC (stream_prm.ssrc), and the seq wrap tests. */
void rtp_send_set(struct rtp_send *s, uint32_t ssrc, uint16_t seq, uint32_t ts);

/* Receiver statistics for one source (RFC 3550 A.1, A.3, A.8). */
struct rtp_recv;

enum {
	RTP_MAX_DROPOUT = 3000,
	RTP_MAX_MISORDER = 100,
	RTP_MIN_SEQUENTIAL = 2,
};

struct rtp_recv_report {
	uint32_t ssrc;
	uint8_t fraction_lost; /* since the previous report, 8-bit fixed point */
	int32_t cum_lost;      /* clamped to 24-bit signed */
	uint32_t ext_max_seq;  /* cycles << 16 | max seq */
	uint32_t jitter;       /* timestamp units */
	uint32_t expected;
	uint32_t received;
};

int rtp_recv_alloc(struct rtp_recv **rp);
void rtp_recv_free(struct rtp_recv *r);

/*
 * Account for a received packet. arrival is the arrival time in the
 * payload's timestamp units (any origin). Returns 0 when the packet is
 * valid for playout, EINPROGRESS while the source is on probation, ERANGE
 * for a large sequence jump or a very late duplicate (not counted), ESRCH
 * when the SSRC is not the one being tracked. ext_seq (may be NULL) gets
 * the 32-bit extended sequence number on 0.
 */
int rtp_recv_packet(struct rtp_recv *r, const struct rtp_hdr *h, uint32_t arrival,
		    uint32_t *ext_seq);

/* Fill a report block's numbers; the fraction is over the interval since the previous call. */
void rtp_recv_report(struct rtp_recv *r, struct rtp_recv_report *rep);
bool rtp_recv_active(const struct rtp_recv *r);
/* The SSRC being tracked (0 when none). */
uint32_t rtp_recv_ssrc(const struct rtp_recv *r);

#endif
