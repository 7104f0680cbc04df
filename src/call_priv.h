/* SPDX-License-Identifier: GPL-3.0-or-later */
/* call_priv.h: what call.c, call_uac.c and call_uas.c share: the session's state and the steps each takes of the others'. */
#ifndef SPHONE_CALL_PRIV_H
#define SPHONE_CALL_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "call.h"
#include "event.h"
#include "loop.h"
#include "sdp.h"
#include "sip_ctrans.h"
#include "sip_msg.h"
#include "sip_strans.h"

struct call_xfer;
struct sip_auth;
struct sip_dialog;

/* The longest header lines an INVITE carries for a transfer (Referred-By, Replaces). */
#define CALL_INV_HDRS_MAX 1200

/*
 * One INVITE session. call.c makes and ends it and owns what both roles use (events, the flow
 * requests go over, the session timer, the reports); call_uac.c holds the requests we send
 * (INVITE, CANCEL, ACK, BYE, re-INVITE) and call_uas.c the ones we answer (INVITE, re-INVITE, ACK,
 * CANCEL, BYE, UPDATE, INFO, OPTIONS). Its media is call_media.c's (c->m).
 */
struct call {
	unsigned id;
	enum call_state state;
	bool outgoing;
	struct loop *l;
	struct sip_ctrans_mgr *ctm;
	struct sip_strans_mgr *stm;
	call_event_h *eh;
	void *arg;
	char *account, *peer, *contact;
	bool keys_insecure_ok;
	bool srtp_required;
	unsigned se_want, min_se;
	enum call_refresher refresher_pref;
	struct sip_flow *flow; /* NULL after it was lost, until another one is had */
	call_flow_h *flowh;
	void *flow_arg;
	/* how the call's signalling was protected (kept when its flow is lost): the floor for another flow */
	bool sig_tls, sig_verified;
	char sig_peer[256]; /* the TLS peer certificate's subject */
	struct sip_dialog *dlg;
	struct call_media *m; /* sockets, offer/answer state, the stream */
	struct sip_auth *auth;
	const struct sip_auth_realms *realms; /* the account's (call_prm.realms) */
	bool allow_plain_auth;
	struct sip_tsend ts;

	/* outgoing INVITE */
	struct sip_ctrans *inv_ct;
	char *inv_hdrs; /* header lines it carries besides ours (a transfer's Referred-By, Replaces), or NULL */
	struct sip_msg *inv_sent; /* parsed copy, for CANCEL */
	uint32_t inv_cseq;
	unsigned inv_auth_rounds;
	struct wbuf offer;
	bool got_prov, cancel_pending, cancel_sent, early_media;
	struct sip_ctrans *cancel_ct;
	struct tmr cancel_tmr;
	uint8_t *ack;
	size_t ack_len;

	/* our re-INVITE (hold, resume, session refresh) */
	struct sip_ctrans *re_ct;
	uint32_t re_cseq;
	bool re_hold, re_dir_change;
	struct wbuf re_body;    /* its offer, re-sent with credentials */
	char re_extra[200];
	unsigned re_auth_rounds; /* challenges it answered (sip_auth_challenge caps them) */
	struct tmr glare_tmr;   /* 491: the retry waits (RFC 3261 14.1) */
	/*
	 * A move to a new local address (call_move_addr): net_move while its re-INVITE is out (also
	 * across a 491's wait); then net_tmr watches for the far end's audio to measure the gap.
	 */
	bool net_move;
	uint64_t net_since;     /* when the network trouble began (loop ms): gaps that ended before are older */
	uint64_t net_rx0;       /* authenticated RTP received when the 2xx came */
	uint64_t net_done_at;   /* when the 2xx came */
	struct tmr net_tmr;

	/* our BYE, kept after "ended" to answer a challenge */
	struct sip_ctrans *bye_ct;
	unsigned bye_auth_rounds;

	/* server side: the INVITE we answer (initial or re-INVITE), its 2xx retransmitted until ACK */
	struct sip_strans *inv_st;
	struct wbuf answer; /* the initial 2xx's body: our answer, or our offer to an INVITE without SDP */
	struct sdp_result pend_res;
	bool have_pend;
	uint8_t *resp2xx;
	size_t resp2xx_len;
	bool late_offer; /* that 2xx carries our offer (INVITE or re-INVITE without SDP): the answer comes in the ACK */
	bool delayed_offer; /* the initial INVITE had no SDP: "established" waits for the answer in the ACK */
	struct tmr resp_tmr;
	unsigned resp_ivl;
	uint64_t resp_since; /* when the first 2xx went out (loop ms) */

	/*
	 * The first offer or answer waits for our public media address (STUN: call_media_ready); what
	 * waits: our INVITE (outgoing), or the incoming INVITE's processing (inv_req, a copy), and an
	 * answer the user or auto-answer gave meanwhile (answer_wanted).
	 */
	bool wait_media, answer_wanted;
	struct sip_msg *inv_req;

	/* media (c->m) as the far end and we agreed it */
	bool hold, remote_hold;

	/* RFC 4028 */
	struct tmr se_tmr;
	uint64_t se_expiry; /* when the session runs out without a refresh */
	unsigned se;
	bool refresher_us;
	char se_hdr[96];

	/* transfer (call_xfer.c): our REFER, or the far end's; NULL until one starts */
	struct call_xfer *xfer;
	call_refer_h *referh;
	void *refer_arg;
	bool refuse_xfer; /* call_prm.refuse_transfers */
	bool ask_xfer;    /* call_prm.ask_transfers */
};

/* ---- call.c ---- */
/* A call, not yet connected to anything: its media, credentials and flow. */
int call_alloc(struct call **cp, const struct call_env *env, const struct call_prm *prm,
	       struct sip_flow *flow, call_event_h *eh, void *arg);
/* An event of this call ("call", "account", "peer" filled in), and handing it to the owner. */
void call_ev_init(struct call *c, struct event *ev, enum event_kind kind);
/* The fields every event of a call carries (call, account, peer), for one built elsewhere (event_network). */
void call_ev_fields(struct call *c, struct event *ev);
void call_emit(struct call *c, const struct event *ev);
/* A "warning" event. */
void call_warn(struct call *c, const char *msg);
/* The call is over ("ended" with status, reason, by; m: the far end's message that ended it, if any). */
void call_end_msg(struct call *c, uint16_t status, const char *reason, const char *by,
		  const struct sip_msg *m);
void call_end(struct call *c, uint16_t status, const char *reason, const char *by);
/* The far end's address of record (a URI as it came) for ZRTP's cache: call_media_set_peer. */
void call_media_peer(struct call *c, const char *uri);
/* The media was agreed: "established", then the verify report. */
void call_established(struct call *c);

/* Whether a request that came over f may move the call there (call.h: call_recv_request). */
bool call_flow_acceptable(struct call *c, const struct sip_flow *f);
/* The call goes on over f from now on; contact: our Contact there ("" or NULL: unchanged). */
void call_switch_flow(struct call *c, struct sip_flow *f, const char *contact);
/* Bytes out on the call's flow (its own, else the account's current one): c->ts's sender. */
int call_tsend_h(const void *data, size_t len, void *arg);
/* SDP with keys goes only over TLS unless the account allows otherwise. */
bool call_keys_ok(const struct call *c, const void *body, size_t len);
/*
 * An in-dialog request (with credentials when we have answered a challenge); ctp NULL: an ACK of a
 * 2xx, kept to be re-sent. ENOTCONN without a flow, EPERM for keys on a flow that may not carry them.
 */
int call_send_request(struct call *c, const char *method, uint32_t cseq, const char *extra, const void *body,
		      size_t blen, struct sip_ctrans **ctp, sip_ctrans_h *h, uint32_t *cseqp);
/* The same with a body of another type than SDP (a NOTIFY's message/sipfrag). */
int call_send_request_ct(struct call *c, const char *method, uint32_t cseq, const char *extra, const char *ctype,
			 const void *body, size_t blen, struct sip_ctrans **ctp, sip_ctrans_h *h, uint32_t *cseqp);

/* RFC 4028: (re)arm the session timer for c->se; parse Session-Expires (0, ENOENT, EBADMSG). */
void call_se_arm(struct call *c);
int call_se_parse(const struct sip_msg *m, unsigned *secs, int *refresher);
/* Whether a header of kind id (Supported, Require) lists opt. */
bool call_has_option(const struct sip_msg *m, enum sip_hdr_id id, const char *opt);

/* ---- call_uac.c ---- */
/* Our BYE: 0 or why it could not go out (ENOTCONN: no signalling connection now). */
int call_uac_bye(struct call *c);
/* A BYE (best effort), then the call ends with status and reason ("by": timeout). */
void call_uac_bye_end(struct call *c, uint16_t status, const char *reason);
/* Hang up our unanswered INVITE: CANCEL once a provisional response came, else as soon as one does. */
void call_uac_cancel(struct call *c);
/* A session refresh by re-INVITE: 0 or EBUSY / ENOTCONN / EPROTO. */
int call_uac_refresh(struct call *c);
/* A 401/407 to one of our requests answered with the account's credentials (0), or why not. */
int call_uac_challenge(struct call *c, const struct sip_msg *resp, unsigned *rounds, char *why, size_t whysz);
/* A failure response in words: "486 Busy Here: busy (Warning: ...)", the far end's text cleaned. */
void call_uac_fail_reason(char *buf, size_t sz, const struct sip_msg *resp);
/* Our public media address is known (STUN): the INVITE that waited for it goes out. */
void call_uac_media_ready(struct call *c);
/* Place the call: call_connect with extra header lines in the INVITE (a transfer's Referred-By, Replaces). */
int call_uac_connect(struct call **cp, const struct call_env *env, const struct call_prm *prm, struct sip_flow *flow,
		     const char *contact, const char *uri, const char *extra, call_event_h *eh, void *arg);

/* ---- call_uas.c ---- */
/* "Warning: 399 sphone \"why\"\r\n" into buf, why made safe for a quoted string. */
const char *call_uas_warning(char *buf, size_t sz, const char *why);
/* Our public media address is known (STUN): the INVITE that waited for it is answered or rings. */
void call_uas_media_ready(struct call *c);
/* A response through st (with our Contact and the Record-Route where they belong); a 2xx to INVITE is kept. */
int call_uas_reply(struct call *c, struct sip_strans *st, uint16_t code, const char *reason, const char *extra,
		   const void *body, size_t blen);

/* ---- call_xfer.c ---- */
/* The far end's REFER (we would be the transferee): answered through st, which it frees. */
void call_xfer_recv_refer(struct call *c, struct sip_strans *st, const struct sip_msg *req);
/* A NOTIFY (our REFER's implicit subscription, RFC 3515 2.4.4): answered through st, which it frees. */
void call_xfer_recv_notify(struct call *c, struct sip_strans *st, const struct sip_msg *req);
/* After a successful transfer: "transferred to ..." into buf; else NULL. */
const char *call_xfer_end_reason(const struct call *c, char *buf, size_t sz);
/* Whether a transfer's subscription still needs the call's dialog after its session (RFC 5057). */
bool call_xfer_busy(const struct call *c);
/* Stops the transfer's timers and transactions silently. */
void call_xfer_free(struct call *c);
/* The call is ending (our BYE, or ended): a transfer still waiting for the user's answer is declined. */
void call_xfer_closing(struct call *c);

#endif
