/* SPDX-License-Identifier: GPL-3.0-or-later */
/* call.h: INVITE sessions: where SIP dialogs, SDP offer/answer with SDES and the audio streams meet. */
#ifndef SPHONE_CALL_H
#define SPHONE_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "call_media.h"

struct call_audio;
struct event;
struct loop;
struct sip_auth_realms;
struct sip_ctrans_mgr;
struct sip_flow;
struct sip_msg;
struct sip_strans_mgr;

/*
 * The account's signalling connection now (not referenced: the call takes its
 * own reference), or NULL when there is none at the moment; contact gets our
 * Contact URI on that connection ("" to keep the old one). A call whose own
 * connection was lost sends its next in-dialog request on this one.
 */
typedef struct sip_flow *(call_flow_h)(char *contact, size_t csz, void *arg);

struct call;

/*
 * A transfer the far end asks for (RFC 3515 REFER), already checked against the call's protection
 * (a sips: call only to a sips: target, no transport/maddr steering away from TLS).
 */
struct call_refer {
	const char *target;      /* the sip:/sips: URI to call, without headers */
	const char *replaces;    /* NULL, or the Replaces value the INVITE must carry (attended transfer) */
	const char *shown;       /* target as the user sees it (no password in its userinfo); NULL: target */
	const char *referred_by; /* the Referred-By value the INVITE carries (RFC 3892) */
	bool srtp_required;      /* the call being transferred had SRTP (or required it): the new one must */
	bool tls_required;       /* its signalling was TLS: the new call's must be */
};
/*
 * The far end of call c asks its owner to place a call (c has answered 202 and reported 100 Trying).
 * 0 and *idp, the new call's id, whose progress the owner hands back with call_refer_progress; else
 * an errno and why in words (the transfer fails: the transferor is told 503).
 */
typedef int(call_refer_h)(struct call *c, const struct call_refer *r, unsigned *idp, char *why, size_t whysz,
			  void *arg);

/* What the owner (the UA) lends a call. */
struct call_env {
	struct loop *l;
	struct sip_ctrans_mgr *ctm;
	struct sip_strans_mgr *stm;
	struct call_audio *audio; /* may be NULL: no device (call_audio.h) */
	call_flow_h *flowh;       /* may be NULL: no other connection than the call's own */
	void *flow_arg;
	call_refer_h *referh;     /* may be NULL: transfers the far end asks for are declined (603) */
	void *refer_arg;
};

/*
 * Who refreshes the session (RFC 4028). AUTO: our INVITE leaves it to the answerer (which picks the
 * caller when it supports timers), and for an INVITE that leaves it open the caller refreshes when it
 * can; LOCAL: sphone asks to refresh (refresher=uac in our INVITE, uas in our answer); REMOTE: the far
 * end is asked to (uas / uac; a caller without "timer" support still leaves it to us, RFC 4028 9).
 */
enum call_refresher { CALL_REFRESHER_AUTO = 0, CALL_REFRESHER_LOCAL, CALL_REFRESHER_REMOTE };

/* One account's settings for calls. Strings are copied. */
struct call_prm {
	const char *account;      /* name, for events */
	const char *local_uri;    /* AOR */
	const char *dname;        /* may be NULL */
	const char *username;     /* digest user, NULL: no authentication */
	const char *password;
	/*
	 * The realms the password answers (reg_realms: the account's `realm` list and its
	 * registrar's). Not copied: it must outlive the call, and realms learnt while the call
	 * runs count. NULL: none, so no challenge is answered.
	 */
	const struct sip_auth_realms *realms;
	bool allow_plaintext_auth;
	struct call_media_prm media; /* address, SRTP, suites, codecs, media timeout */
	bool keys_on_insecure;    /* allow SDP with keys on a transport that isn't TLS (tests only) */
	unsigned session_expires; /* RFC 4028 interval we ask for; 0: 1800 (a peer may want more: 422) */
	enum call_refresher refresher; /* who refreshes when we may choose (RFC 4028 7.1, 9) */
	unsigned min_se;          /* smallest session interval accepted (Min-SE); 0: 90 (RFC 4028); less: tests */
	bool refuse_transfers;    /* the user's setting (accept_transfer = no): every REFER of the far end gets 603 */
	bool ask_transfers;       /* accept_transfer = ask: a REFER waits for the user (call_transfer_answer) */
};

enum call_state {
	CALL_OUTGOING = 0, /* INVITE sent */
	CALL_RINGING,      /* outgoing: 180/183 seen */
	CALL_INCOMING,     /* incoming: ringing here, not answered */
	CALL_ESTABLISHED,
	CALL_ENDED,
};

/*
 * Every event of a call (incoming, ringing, progress, established, dtmf,
 * security, warning, hold, ended...), each carrying "call" (the id). After
 * "ended", the call does nothing more; the owner frees it (not from inside
 * this handler: call_free is safe from a timer or the next loop round).
 */
typedef void(call_event_h)(struct call *c, const struct event *ev, void *arg);

/*
 * Place a call to uri (a sip: or sips: URI: ua_resolve made it) over flow (the account's
 * connection to its proxy; in-dialog requests use the same flow). contact
 * is our Contact URI. 0, EINVAL (bad URI), EPERM (SDP with keys would go
 * over a non-TLS flow and keys_on_insecure is off), ENOMEM, EIO.
 */
int call_connect(struct call **cp, const struct call_env *env, const struct call_prm *prm,
		 struct sip_flow *flow, const char *contact, const char *uri, call_event_h *eh, void *arg);
/*
 * A new INVITE (not matching any call) arrived on flow. Answers it: 180 and an
 * "incoming" event, or a final error response (488 no acceptable media, 420,
 * 422, 400) and then "ended". Takes no ownership of req. 0 or an errno (a
 * call that ended at once is still returned and still needs call_free).
 * An INVITE without SDP (delayed offer) rings too ("offer": "ours"): the 200
 * of call_answer carries our offer, and "established" follows the ACK that
 * brings the answer (an ACK without a usable one: BYE and "ended").
 */
int call_incoming(struct call **cp, const struct call_env *env, const struct call_prm *prm,
		  struct sip_flow *flow, const char *contact, const struct sip_msg *req, call_event_h *eh,
		  void *arg);
/* NULL-safe. Stops media and timers without sending anything. */
void call_free(struct call *c);

/*
 * Early media from our side: 183 Session Progress carrying the SDP answer, and
 * the media starts (before call_answer, whose 200 repeats the same answer and
 * goes on with the same stream). EPROTO when not ringing, or when the INVITE
 * had no SDP (there is no answer to send early).
 */
int call_progress(struct call *c);
/* Answer an incoming call (200 OK). EPROTO when not ringing. */
int call_answer(struct call *c);
/*
 * Hang up: CANCEL, BYE, or 603 for a call not answered. "ended" follows at
 * once; if no signalling connection can be had, the call still ends (status
 * 503, the reason says the BYE could not be sent).
 */
int call_hangup(struct call *c);
/*
 * Hold (sendonly) / resume (sendrecv) by re-INVITE. EBUSY while another offer
 * is out (or waits to be retried after a 491). A 401/407 is answered once with
 * the account's credentials; a 491 is retried after RFC 3261 14.1's random
 * delay (2.1-4 s when we made the Call-ID, else 0-2 s).
 */
int call_hold(struct call *c, bool hold);
/*
 * Microphone off (true) or on again, in any state but ended (a call muted
 * while it rings starts muted). Silence is sent in place of the captured
 * audio, so RTP keeps flowing; DTMF still goes out. Emits "mute" with
 * "muted". 0, EINVAL, or EPROTO (the call has ended).
 */
int call_mute(struct call *c, bool mute);
/*
 * Move our media to new sockets (a new local port), offered by re-INVITE; the
 * old ones are closed when the 2xx comes (our own stream restarts; the far
 * end's is updated in place). For a changed network address, and for tests.
 * 0, EPROTO (not established), EBUSY (another offer is out), or a socket error.
 */
int call_move_media(struct call *c);
/*
 * The network under the call changed (ua_net.c): re-INVITE on the account's current flow (with our
 * Contact there) offering our media at addr, same port and keys (call_media_readdress: the stream goes on,
 * its SRTP index too). since_ms: when the trouble began (loop ms), for the gap. Once the
 * far end accepted and its audio came again, a "network" event, change "call_moved", says local_media
 * and gap_ms (the pause in its authenticated RTP; -1 if none came within 10 s); a refusal is
 * "call_move_failed" (the call goes on). A 491 is retried as any re-INVITE (RFC 3261 14.1).
 * 0, EPROTO (not established), EBUSY (another offer is out: try again later), EAFNOSUPPORT, ENOTCONN.
 */
int call_move_addr(struct call *c, const char *addr, uint64_t since_ms);
/* Fresh SRTP keys for every suite, offered by re-INVITE (the stream switches between two packets). */
int call_rekey(struct call *c);
/* RFC 4733 digits (0-9 * # A-D). EINVAL for other characters, EPROTO without media. */
int call_dtmf(struct call *c, const char *digits);
/* Emits the "security" event (the verify report). */
void call_verify(struct call *c);
/* Emits a "call" status event. */
void call_status(struct call *c);
/* Give the audio device to this call (true) or take it away (false). */
void call_set_active(struct call *c, bool active);

/*
 * A request arrived: in-dialog (BYE, re-INVITE, UPDATE, INFO, OPTIONS, ACK) or
 * a CANCEL of our pending incoming INVITE. 0 if it belonged to this call (and
 * was answered), ENOENT if not. One that came over another flow than the
 * call's is taken (and the call moves there) only from the account's current
 * flow (call_env.flowh) and only when that is protected at least as the call's
 * was: TLS, verified, the same peer certificate subject. Any other gets 403 on
 * the flow it came over and a "warning" (an ACK is dropped); the call is unchanged.
 */
int call_recv_request(struct call *c, const struct sip_msg *req, struct sip_flow *flow);
/* A response no transaction took (a retransmitted 2xx): re-sends the ACK. 0 or ENOENT. */
int call_recv_stray(struct call *c, const struct sip_msg *resp);
/*
 * The signalling flow was lost. An established call goes on (media keeps
 * flowing, a "warning" says so); its next in-dialog request goes on the
 * connection call_env.flowh gives, and a request arriving on that connection is
 * answered there (see call_recv_request). A call not yet established ends (503).
 */
void call_flow_lost(struct call *c, struct sip_flow *flow);
/*
 * After "ended": true while our BYE is still out (it may have to answer an
 * authentication challenge), or while a transfer's subscription outlives the call's
 * INVITE session (RFC 5057: the far end's report of our transfer, or our reports
 * of theirs). The owner should free the call only once false (call_free stops
 * those where they are).
 */
bool call_closing(const struct call *c);

/*
 * ---- transfer (call_xfer.c): RFC 3515 REFER, RFC 3892 Referred-By ----
 * Each step is a "transfer" event with "role" (transferor, transferee), "state" (requested,
 * requested_attended, accepted, trying, succeeded, failed), "target" and, where there is one, "status" (the SIP code
 * the far end reported), "reason" (its words, cleaned), "by" (transferee: who asked) and
 * "new_call" (transferee: the id of the call placed for the far end).
 */
/*
 * Blind transfer: the call is put on hold and a REFER asks the far end to call uri (sip:/sips:).
 * The far end's NOTIFYs report its new call; when it succeeds this call ends ("transferred to
 * ..."), when it fails this call is resumed. 0, EINVAL, EPROTO (not established), EBUSY (a
 * transfer of this call is under way), ENOTCONN (no signalling connection now).
 */
int call_transfer(struct call *c, const char *uri);
/*
 * Attended transfer: as call_transfer, but the REFER asks c's far end to call the far end of our
 * call other, replacing other there (Refer-To with Replaces, RFC 3891): the two far ends talk, and
 * both our calls end (other by its far end's BYE once replaced). EINVAL, EPROTO (either call not
 * established), EBUSY, ENOTCONN.
 */
int call_transfer_attended(struct call *c, const struct call *other);
/*
 * As call_connect, for a transfer the far end of another call asked for (call_refer_h): the INVITE
 * carries r's Referred-By and, for an attended transfer, its Replaces.
 */
int call_connect_referred(struct call **cp, const struct call_env *env, const struct call_prm *prm,
			  struct sip_flow *flow, const char *contact, const struct call_refer *r, call_event_h *eh,
			  void *arg);
/*
 * The call placed for c's far end's REFER reached status: 1xx, 2xx (answered) or its failure, with
 * reason (may be NULL). Reported to the transferor by NOTIFY (message/sipfrag, the standard reason
 * phrase only); a 2xx or failure is final. After a success c ends once the transferor hangs up
 * (at the latest a few seconds later); after a failure c goes on.
 */
void call_refer_progress(struct call *c, uint16_t status, const char *reason);
/*
 * accept_transfer = ask (call_prm.ask_transfers): the far end's REFER was answered 202 and NOTIFY 100,
 * and a "transfer" event (state "ask", target, by, timeout in seconds) asks the user. accept: the new
 * call is placed as with ask_transfers off; else (and after 30 s without an answer, or when the call
 * ends first) the transferor is told 603 by a final NOTIFY and a "declined" event follows. 0, ENOENT
 * (no transfer waits for an answer in c), EPROTO (c is no longer established: declined instead).
 */
int call_transfer_answer(struct call *c, bool accept);
/* Whether a transfer of c waits for the user's answer. */
bool call_transfer_asked(const struct call *c);
struct sip_replaces;
/*
 * A new INVITE's Replaces (RFC 3891, decoded by sip_replaces_decode) against call c: ENOENT when it
 * names another dialog; else 0 with *code 0 (c may be replaced by the new call, which must then be at
 * least as protected) or the response refusing it and *why: 603 c has ended, 481 c is not
 * established, 486 early-only, 403 flow is not one c's own requests may come over.
 */
int call_replaces_check(struct call *c, const struct sip_replaces *r, const struct sip_flow *flow, uint16_t *code,
			const char **why);
/* c, replaced by another call, ends: BYE, "ended" with why. */
void call_end_replaced(struct call *c, const char *why);
/* Whether the call's media is SRTP (a transfer's new call must be too). */
bool call_secure(const struct call *c);

enum call_state call_state(const struct call *c);
unsigned call_id(const struct call *c);
bool call_on_hold(const struct call *c);
bool call_muted(const struct call *c);
const char *call_peer(const struct call *c);
/*
 * The short authentication string of the keys in force (call_media_sas_compute), "" when the call
 * has no SRTP keys.
 */
const char *call_sas(const struct call *c);
/*
 * The user compared the ZRTP SAS (call_media_sas_confirm): verified or rejected, stored in the
 * ZRTP cache; a "security" event shows it. EPROTO for a call without ZRTP or one that ended,
 * EAGAIN before ZRTP is secure, ENOTSUP without a cache.
 */
int call_sas_confirm(struct call *c, bool verified);

#endif
