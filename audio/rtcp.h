/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rtcp.h: RTCP (RFC 3550) compound packets: SR/RR with report blocks, SDES CNAME, BYE; RTT from LSR/DLSR. */
#ifndef SPHONE_RTCP_H
#define SPHONE_RTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rtcp_type {
	RTCP_SR = 200,
	RTCP_RR = 201,
	RTCP_SDES = 202,
	RTCP_BYE = 203,
	RTCP_APP = 204,
};

#define RTCP_MAX_RB 31       /* the 5-bit count field */
#define RTCP_BUILD_MAX_RB 4  /* blocks one built report may carry */
#define RTCP_TEXT_MAX 255    /* SDES item / BYE reason length */
#define RTCP_CNAME_LEN 24    /* length of rtcp_cname_random() output */

struct rtcp_rb {
	uint32_t ssrc;          /* source reported on */
	uint8_t fraction_lost;
	int32_t cum_lost;       /* 24-bit signed on the wire */
	uint32_t ext_max_seq;
	uint32_t jitter;
	uint32_t lsr;           /* middle 32 bits of the last SR's NTP time */
	uint32_t dlsr;          /* 1/65536 s since that SR arrived */
};

struct rtcp_sr_info {
	uint32_t ntp_sec;
	uint32_t ntp_frac;
	uint32_t rtp_ts;
	uint32_t packets;
	uint32_t octets;
};

/* What to build: SR (sender) or RR, then SDES CNAME, then BYE if asked. */
struct rtcp_report {
	uint32_t ssrc;
	bool sender;
	struct rtcp_sr_info sr;
	unsigned rb_count; /* <= RTCP_BUILD_MAX_RB */
	struct rtcp_rb rb[RTCP_BUILD_MAX_RB];
	const char *cname; /* required, 1..255 bytes */
	bool bye;
	const char *bye_reason; /* optional */
};

/* Build a compound packet into buf; ENOBUFS if cap is too small, EINVAL for bad fields. */
int rtcp_build(uint8_t *buf, size_t cap, const struct rtcp_report *r, size_t *lenp);

/* What a received compound packet said. Text fields are NUL-terminated copies. */
struct rtcp_info {
	bool has_sr;
	uint32_t sr_ssrc;
	struct rtcp_sr_info sr;
	bool has_rr;
	uint32_t rr_ssrc;
	unsigned rb_count;
	struct rtcp_rb rb[RTCP_MAX_RB];
	bool has_cname;
	uint32_t cname_ssrc;
	char cname[RTCP_TEXT_MAX + 1];
	bool bye;
	unsigned bye_count;
	uint32_t bye_ssrc[RTCP_MAX_RB];
	char bye_reason[RTCP_TEXT_MAX + 1];
	unsigned other; /* APP and unknown packet types, skipped */
};

/*
 * Parse a compound packet (RFC 3550 6.1 / A.2 validity): every packet V=2,
 * the first SR or RR, padding only on the last, lengths adding up to len
 * exactly, every inner structure inside its packet. EBADMSG otherwise.
 */
int rtcp_parse(struct rtcp_info *info, const uint8_t *buf, size_t len);

/* NTP time now (wall clock), and its middle 32 bits as used in LSR. */
void rtcp_ntp_now(uint32_t *sec, uint32_t *frac);
uint32_t rtcp_ntp_mid(uint32_t sec, uint32_t frac);
/* Microseconds to 1/65536 s units (DLSR). */
uint32_t rtcp_dlsr_from_us(uint64_t us);

/*
 * RTT (RFC 3550 6.4.1) in 1/65536 s: arrival (middle 32 bits of NTP time
 * when the RR arrived) - LSR - DLSR. ENODATA if lsr is 0 (no SR seen by the
 * peer), ERANGE if the result would be negative.
 */
int rtcp_rtt(uint32_t arrival_mid, uint32_t lsr, uint32_t dlsr, uint32_t *rtt);

/* A random CNAME (RFC 7022: not derived from any identity): RTCP_CNAME_LEN hex chars + NUL. */
int rtcp_cname_random(char *buf, size_t size);

#endif
