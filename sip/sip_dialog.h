/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sip_dialog.h: SIP dialogs (RFC 3261 12): identifiers, CSeq, route set, remote target, in-dialog requests. */
#ifndef SPHONE_SIP_DIALOG_H
#define SPHONE_SIP_DIALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip_msg.h"

struct wbuf;

/* Most Record-Route entries kept; a longer route set is refused (EBADMSG). */
#define SIP_DIALOG_MAX_ROUTES 16

enum sip_dialog_state {
	SIP_DIALOG_NONE = 0, /* UAC: request sent, no To tag seen yet */
	SIP_DIALOG_EARLY,    /* a 1xx with a To tag */
	SIP_DIALOG_CONFIRMED,
};

struct sip_dialog;

/*
 * UAC side, before the INVITE goes out: a fresh Call-ID, local tag and initial
 * CSeq. local_uri / remote_uri are SIP or SIPS URIs (without <>); dname may be
 * NULL; contact is our Contact URI (made sips: when remote_uri is, RFC 3261
 * 8.1.1.8; also when a sips route is set). The remote target starts as remote_uri.
 * 0, EINVAL (a URI that doesn't parse), ENOMEM, EIO (random source).
 */
int sip_dialog_alloc(struct sip_dialog **dp, const char *local_uri, const char *dname,
		     const char *remote_uri, const char *contact);
/*
 * UAS side: the dialog a received INVITE creates (RFC 3261 12.1.1): Call-ID and
 * remote tag from the request, route set = Record-Route in order, remote target
 * = Contact, a fresh local tag. secure: it came over TLS with a sips: R-URI.
 * contact is our Contact, made sips: when the request's R-URI, top
 * Record-Route or (without Record-Route) Contact is (RFC 3261 12.1.1).
 * 0, EBADMSG (no From tag, no usable Contact), ENOMEM, EIO.
 */
int sip_dialog_accept(struct sip_dialog **dp, const struct sip_msg *req, const char *contact, bool secure);
void sip_dialog_free(struct sip_dialog *d);

/*
 * UAC: a response to our INVITE. A 1xx with a To tag makes the dialog early, a
 * 2xx confirms it (RFC 3261 12.1.2): remote tag, route set (Record-Route,
 * reversed), remote target (Contact). A 2xx recomputes an early dialog's route
 * set and target. A response carrying a different To tag than the dialog has
 * (another fork) is refused with EALREADY; the caller ACKs and BYEs that one.
 * 0, EALREADY, EBADMSG (2xx without Contact, bad Record-Route), ENOMEM.
 */
int sip_dialog_uac_update(struct sip_dialog *d, const struct sip_msg *resp);

/* Whether a request belongs to this dialog (Call-ID, To tag = ours, From tag = theirs). */
bool sip_dialog_match_req(const struct sip_dialog *d, const struct sip_msg *req);
/* Whether a response belongs to it (Call-ID, From tag = ours; To tag = theirs once known). */
bool sip_dialog_match_resp(const struct sip_dialog *d, const struct sip_msg *resp);

/*
 * An in-dialog request arrived (not ACK, not CANCEL): checks and records the
 * remote CSeq (RFC 3261 12.2.2). EPROTO: lower than or equal to the last one
 * (answer 500). For a target refresh (re-INVITE, UPDATE) with a Contact, the
 * remote target becomes that Contact. 0, EPROTO, EBADMSG.
 */
int sip_dialog_recv_req(struct sip_dialog *d, const struct sip_msg *req);
/* A 2xx to our re-INVITE/UPDATE: the remote target follows its Contact. */
int sip_dialog_target_refresh(struct sip_dialog *d, const struct sip_msg *msg);

/*
 * Prints an in-dialog request (RFC 3261 12.2.1.1): Request-URI and Route from
 * the route set and remote target (loose or strict routing), the via line(s)
 * (whole "Via: ...\r\n" lines, from sip_ctrans_via_print), Max-Forwards, From,
 * To, Call-ID, CSeq, Contact, extra_hdrs (CRLF-terminated, may be NULL),
 * Content-Type/body when ctype is given, Content-Length. cseq 0 takes the next
 * local CSeq (written to *cseqp if not NULL); an ACK must pass its INVITE's.
 */
int sip_dialog_request(struct sip_dialog *d, struct wbuf *w, const char *method, const char *via,
		       uint32_t cseq, const char *extra_hdrs, const char *ctype, const void *body,
		       size_t blen, uint32_t *cseqp);
/*
 * The initial INVITE's Request-URI and headers are those of a dialog-less
 * request: use sip_dialog_request before any update (remote target = remote
 * URI, no remote tag, no Route unless sip_dialog_set_route was called).
 * This sets a pre-loaded route (an outbound proxy URI, made loose-routing) for
 * the initial request. 0, EINVAL, ENOMEM.
 */
int sip_dialog_set_route(struct sip_dialog *d, const char *route_uri);

/*
 * CANCEL for a pending INVITE (RFC 3261 9.1): same Request-URI, top Via, From,
 * To (as sent), Call-ID, Route, CSeq number with method CANCEL. Works from the
 * INVITE we sent (parsed back). 0, EINVAL (not an INVITE), ENOMEM.
 */
int sip_dialog_cancel_print(struct wbuf *w, const struct sip_msg *invite);

/*
 * Our Contact changes (the signalling connection was replaced: a new local
 * address); the next target-refresh request carries it (sips: in a dialog that
 * needs a sips Contact). 0, EINVAL, ENOMEM.
 */
int sip_dialog_set_contact(struct sip_dialog *d, const char *contact);
const char *sip_dialog_contact(const struct sip_dialog *d);
enum sip_dialog_state sip_dialog_state(const struct sip_dialog *d);
const char *sip_dialog_callid(const struct sip_dialog *d);
const char *sip_dialog_local_tag(const struct sip_dialog *d);
const char *sip_dialog_remote_tag(const struct sip_dialog *d); /* "" until known */
const char *sip_dialog_remote_target(const struct sip_dialog *d);
const char *sip_dialog_remote_uri(const struct sip_dialog *d);
const char *sip_dialog_local_uri(const struct sip_dialog *d); /* ours: From of our requests */
size_t sip_dialog_route_count(const struct sip_dialog *d);
const char *sip_dialog_route_at(const struct sip_dialog *d, size_t i); /* as in Record-Route, with <> */
bool sip_dialog_secure(const struct sip_dialog *d);
uint32_t sip_dialog_local_cseq(const struct sip_dialog *d);

#endif
