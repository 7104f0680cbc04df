/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sip_ctrans.h: SIP client transactions (RFC 3261 17.1, RFC 6026): retransmission, timeouts, ACK of non-2xx. */
#ifndef SPHONE_SIP_CTRANS_H
#define SPHONE_SIP_CTRANS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip_msg.h"

struct loop;
struct wbuf;

/* RFC 3261 timer base values in milliseconds; 0 in a field means the default. */
struct sip_timers {
	uint32_t t1; /* RTT estimate, default 500 */
	uint32_t t2; /* longest non-INVITE retransmit interval, default 4000 */
	uint32_t t4; /* longest time a message stays in the network, default 5000 */
};

#define SIP_T1_DEFAULT 500
#define SIP_T2_DEFAULT 4000
#define SIP_T4_DEFAULT 5000

/* t with each 0 field (or a NULL t: every field) replaced by its default; for both transaction managers. */
struct sip_timers sip_timers_fill(const struct sip_timers *t);

/*
 * How a transaction hands bytes to the transport: send() returns 0 or an errno
 * (the transaction then ends with that error). reliable: TCP/TLS (no
 * retransmissions, zero-length wait timers), else UDP.
 */
typedef int(sip_send_h)(const void *data, size_t len, void *arg);
struct sip_tsend {
	sip_send_h *send;
	void *arg;
	bool reliable;
};

/* The magic cookie of RFC 3261 branches. */
#define SIP_BRANCH_COOKIE "z9hG4bK"
/* Room for a branch from sip_ctrans_branch_new, with its NUL. */
#define SIP_BRANCH_SIZE 32

/* A fresh branch: "z9hG4bK" and 24 random unreserved characters (144 bits). */
int sip_ctrans_branch_new(char *out, size_t size);
/*
 * Appends "Via: SIP/2.0/<transport> <host>[:<port>];branch=<branch>;rport\r\n"
 * (RFC 3581 rport; an IPv6 host goes in brackets; port 0 is left out).
 */
int sip_ctrans_via_print(struct wbuf *w, const char *transport, const char *host, uint16_t port,
			 const char *branch);

/* The set of live client transactions of one user agent. */
struct sip_ctrans_mgr;

int sip_ctrans_mgr_alloc(struct sip_ctrans_mgr **mp, struct loop *l, const struct sip_timers *t);
/* Ends every transaction silently; handles the TU still holds stay valid for sip_ctrans_free. */
void sip_ctrans_mgr_free(struct sip_ctrans_mgr *m);
/* Effective timer values (defaults filled in). */
struct sip_timers sip_ctrans_mgr_timers(const struct sip_ctrans_mgr *m);
/*
 * Hands a received response to the transaction it belongs to (top Via branch and
 * CSeq method, RFC 3261 17.1.3). 0 when a transaction took it (delivered to its TU
 * or absorbed as a retransmission), ENOENT when none matches (a stray response,
 * e.g. a 2xx retransmission after Timer M: the dialog layer may still want it),
 * EINVAL for a request.
 */
int sip_ctrans_mgr_recv(struct sip_ctrans_mgr *m, const struct sip_msg *resp);

struct sip_ctrans;

/*
 * Transaction events for the TU: each provisional and final response (err 0,
 * resp valid only during the call); for INVITE every 2xx that arrives within
 * 64*T1 of the first (retransmissions and forks, RFC 6026 Accepted state), which
 * the TU must ACK itself. Or once err with resp NULL: ETIMEDOUT (Timer B or F), or
 * the transport's error. No call after an err, nor after sip_ctrans_free.
 * An INVITE that got a provisional response waits for its final response as long
 * as it takes (Timer B only guards the Calling state): giving up (CANCEL) is the TU's call.
 */
typedef void(sip_ctrans_h)(int err, const struct sip_msg *resp, void *arg);

/*
 * Starts a client transaction for the request in req[0..len), which must carry a
 * top Via with a branch starting "z9hG4bK" (sip_ctrans_branch_new). The bytes are
 * copied and sent at once. 0, EINVAL (not a request, no branch, ACK), EBADMSG,
 * ENOMEM, or the first send's error (nothing then started, *ctp untouched).
 */
int sip_ctrans_send(struct sip_ctrans **ctp, struct sip_ctrans_mgr *m, const struct sip_tsend *tp,
		    const void *req, size_t len, sip_ctrans_h *h, void *arg);
/*
 * The TU is done with the transaction: no more calls. It lives on internally while
 * RFC 3261 wants it to (absorbing retransmitted final responses, re-sending the ACK
 * of a non-2xx). NULL-safe.
 */
void sip_ctrans_free(struct sip_ctrans *ct);
/* The branch (for a CANCEL, which reuses the INVITE's). */
const char *sip_ctrans_branch(const struct sip_ctrans *ct);
enum sip_method sip_ctrans_method(const struct sip_ctrans *ct);
/* Whether the transaction still runs its state machine (false once terminated). */
bool sip_ctrans_active(const struct sip_ctrans *ct);

#endif
