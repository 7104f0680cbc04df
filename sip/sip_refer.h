/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sip_refer.h: what call transfer reads and writes: Refer-To (RFC 3515), Replaces (RFC 3891), Event and Subscription-State (RFC 6665), message/sipfrag status lines (RFC 3420). */
#ifndef SPHONE_SIP_REFER_H
#define SPHONE_SIP_REFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pl.h"
#include "sip_uri.h"

struct wbuf;

/* A Replaces value longer than this (after unescaping) is refused: Call-IDs and tags are short. */
#define SIP_REPLACES_MAX 512

/*
 * A Replaces value: "call-id;to-tag=T;from-tag=F[;early-only]" (RFC 3891 6.1). Both tags are
 * required; other parameters are ignored. Slices point into the text decoded.
 */
struct sip_replaces {
	struct pl callid;
	struct pl to_tag;   /* the tag of the dialog's end that receives the INVITE with Replaces */
	struct pl from_tag; /* the tag of the other end */
	bool early_only;
};
/* 0, or EBADMSG (no Call-ID, a tag missing, empty or given twice, a malformed parameter list). */
int sip_replaces_decode(struct sip_replaces *r, struct pl value);

/*
 * A Refer-To value (RFC 3515 2.1): name-addr or addr-spec. Of the URI's embedded headers only
 * Replaces is kept (unescaped into the struct); any other is counted and never used: a far end
 * must not choose headers of the requests sphone sends (a Route, a Require, a second From).
 * target and uri point into the text decoded; replaces.* into the struct itself (do not copy it).
 */
struct sip_refer_to {
	struct pl target;     /* the URI without its "?headers" */
	struct sip_uri uri;   /* target decoded (sip:, sips: or tel:) */
	bool has_replaces;
	char replaces_buf[SIP_REPLACES_MAX];
	struct sip_replaces replaces;
	unsigned other_headers; /* embedded headers other than Replaces, ignored */
};
/*
 * 0, EBADMSG (not an address, a malformed URI or Replaces, a Replaces given twice, a control
 * character in it), EPROTONOSUPPORT (a well-formed URI of another scheme than sip/sips/tel).
 */
int sip_refer_to_decode(struct sip_refer_to *rt, struct pl value);

/*
 * Prints "<target?Replaces=callid%3Bto-tag%3D..%3Bfrom-tag%3D..>" (to_tag NULL: "<target>"), escaping
 * the Replaces value as a URI header value must be (RFC 3261 25.1 hvalue). target must be a URI
 * without headers. 0, EINVAL (target has '?', '<' or '>'), or the buffer's error.
 */
int sip_refer_to_print(struct wbuf *w, const char *target, const char *callid, const char *to_tag,
		       const char *from_tag);

/* Event: "refer;id=7" gives package "refer" and id "7" (absent without one). 0 or EBADMSG. */
int sip_event_decode(struct pl value, struct pl *package, struct pl *id);

enum sip_substate { SIP_SUBSTATE_ACTIVE = 0, SIP_SUBSTATE_PENDING, SIP_SUBSTATE_TERMINATED };
/* Subscription-State (RFC 6665 8.2.3): state, reason (absent if none), expires (0 if none). 0, EBADMSG. */
int sip_substate_decode(struct pl value, enum sip_substate *state, struct pl *reason, uint32_t *expires);

/*
 * The status line a message/sipfrag body starts with (RFC 3420; RFC 3515 2.4.5: what a REFER's
 * NOTIFY reports): "SIP/2.0 200 OK". reason points into body (absent when there is none). Header
 * lines after it are not read. 0, EBADMSG (no status line, a code outside 100-699).
 */
int sip_frag_decode(struct pl body, uint16_t *code, struct pl *reason);
/* Whether a Content-Type value names message/sipfrag (parameters such as version=2.0 allowed). */
bool sip_frag_ctype(struct pl ctype);

#endif
