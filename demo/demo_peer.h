/* SPDX-License-Identifier: GPL-3.0-or-later */
/* demo_peer.h: the small answering peer behind `sphone --demo`: TLS registrar with digest auth, SDES-SRTP echo. */
#ifndef SPHONE_DEMO_PEER_H
#define SPHONE_DEMO_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct demo_peer;

/* What the peer saw; for the demo's verdict and its report. */
struct demo_peer_stats {
	unsigned registers_ok;      /* REGISTERs accepted after a good digest */
	unsigned auth_failures;     /* digest answers that did not match */
	unsigned invites;
	bool call_up;
	bool srtp;                  /* the call's media is SRTP (keys over TLS) */
	char suite[48];
	uint64_t rx_ok;             /* SRTP packets that authenticated */
	uint64_t rx_bad;            /* packets that failed unprotect (auth, replay, plain) */
	uint64_t echoed;            /* packets sent back (re-protected with our key) */
};

/*
 * Makes a throwaway CA and certificate in dir (which must exist and stay
 * until demo_peer_free), then listens for SIP over TLS on 127.0.0.1 (a port
 * the kernel picks). It accepts REGISTER for user/password (digest,
 * SHA-256, qop=auth) and answers any INVITE with SDES-SRTP (RTP/SAVP only),
 * echoing each authenticated RTP packet back under its own key and SSRC.
 * Test controls (environment): SPHONE_DEMO_FAULT=scramble reverses each
 * echoed payload; SPHONE_DEMO_FAULT=plain echoes without SRTP.
 * 0 or an errno with a reason in err.
 */
int demo_peer_alloc(struct demo_peer **pp, struct loop *l, const char *dir, const char *user,
		    const char *password, char *err, size_t errsz);
void demo_peer_free(struct demo_peer *p);

uint16_t demo_peer_port(const struct demo_peer *p);
void demo_peer_stats(const struct demo_peer *p, struct demo_peer_stats *st);

#endif
