/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sip_strans.h: SIP server transactions (RFC 3261 17.2, RFC 6026): request matching, response retransmission. */
#ifndef SPHONE_SIP_STRANS_H
#define SPHONE_SIP_STRANS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip_ctrans.h" /* struct sip_timers, struct sip_tsend */
#include "sip_msg.h"

struct loop;

/* The set of live server transactions of one user agent. */
struct sip_strans_mgr;

int sip_strans_mgr_alloc(struct sip_strans_mgr **mp, struct loop *l, const struct sip_timers *t);
/* Ends every transaction silently; handles the TU still holds stay valid for sip_strans_free. */
void sip_strans_mgr_free(struct sip_strans_mgr *m);

/*
 * Offers a received request to the existing transactions (RFC 3261 17.2.3: top Via
 * branch with the magic cookie, sent-by, and method, an ACK matching its INVITE).
 * 0: it was a retransmission (the last response was re-sent) or the ACK of a
 * non-2xx final response, and is consumed. ENOENT: a new request for the TU (it
 * creates a transaction with sip_strans_alloc unless it is an ACK, which never gets
 * one; an ACK of a 2xx always lands here). EINVAL for a response.
 */
int sip_strans_mgr_recv(struct sip_strans_mgr *m, const struct sip_msg *req);

struct sip_strans;

/*
 * Called at most once, when the transaction fails: ETIMEDOUT (Timer H: no ACK for
 * a non-2xx final response to an INVITE), or the transport's error.
 */
typedef void(sip_strans_h)(int err, void *arg);

/*
 * Creates the server transaction for a new request (not ACK); tp sends responses
 * back where the request came from. For INVITE, a "100 Trying" is sent if the TU
 * has not responded within 200 ms. 0, EINVAL (ACK, no RFC 3261 branch), ENOMEM.
 */
int sip_strans_alloc(struct sip_strans **stp, struct sip_strans_mgr *m, const struct sip_tsend *tp,
		     const struct sip_msg *req, sip_strans_h *h, void *arg);
/*
 * Sends a response (whole message bytes, copied) with status code through the
 * transaction, which re-sends the last one for retransmitted requests and, for a
 * non-2xx final response to INVITE over UDP, retransmits it until the ACK comes
 * (Timers G, H). After a 2xx to INVITE the transaction is in the RFC 6026
 * Accepted state for 64*T1 and passes further 2xx (the TU's retransmissions).
 * 0, EPROTO (a final response was already sent, except 2xx after 2xx for INVITE),
 * EINVAL, ENOMEM, or the transport's error.
 */
int sip_strans_reply(struct sip_strans *st, uint16_t code, const void *resp, size_t len);
/*
 * The TU is done with the transaction. If it sent a final response, the
 * transaction lives on internally until its timers end; if not, it ends now.
 */
void sip_strans_free(struct sip_strans *st);
/* The request that created the transaction (valid while the handle is). */
const struct sip_msg *sip_strans_request(const struct sip_strans *st);
/*
 * For a CANCEL: the INVITE server transaction it targets (same branch and sent-by,
 * RFC 3261 9.2), or NULL. The TU answers the CANCEL (200) and the INVITE (487).
 */
struct sip_strans *sip_strans_mgr_find_invite(struct sip_strans_mgr *m, const struct sip_msg *cancel);
/* A final response has been sent. */
bool sip_strans_answered(const struct sip_strans *st);

#endif
