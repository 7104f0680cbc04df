/* SPDX-License-Identifier: GPL-3.0-or-later */
/* call_media.h: one call's media (call_media.c, call_media_net.c): its sockets, SDP offer/answer state, the SRTP stream, moves, re-keys, the SAS. */
#ifndef SPHONE_CALL_MEDIA_H
#define SPHONE_CALL_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include "media_stun.h"
#include "srtp.h"

struct call_audio;
struct event;
struct loop;
struct sdp_result;
struct wbuf;
struct zrtp_cache;

/*
 * The media of one call, owned by it (call.c). It knows nothing of SIP: the call hands it the
 * bodies that came and sends the ones it builds. What happens on the media path goes up through
 * call_media_h. ZRTP (audio/zrtp.c) runs here: one engine per stream, its a=zrtp-hash in the
 * offers and answers built here, its keys given to the stream, its outcome reported by zrtph.
 * Behind a NAT (call_media_prm.stun_server, media_stun.c): the public address of the RTP and RTCP
 * sockets is asked for before the first offer or answer (call_media_ready, stunh), and the SDP gives
 * it from then on; a Binding every 15 s holds the mapping during the call.
 */
struct call_media_prm {
	const char *addr;         /* local IP literal for RTP, e.g. "127.0.0.1" (copied) */
	bool srtp;                /* media_encryption = sdes or sdes-zrtp: SDES keys in the SDP */
	/*
	 * media_encryption = zrtp or sdes-zrtp: ZRTP (RFC 6189) on the media path, our a=zrtp-hash
	 * in every offer and answer. With srtp_required and no SDES keys, nothing is sent until ZRTP
	 * has agreed keys (zrtp), and ZRTP's keys replace SDES's when they come (sdes-zrtp).
	 */
	bool zrtp;
	/* the ZRTP cache (not owned); NULL: no retained secrets, zrtp_cache_error says why (copied) */
	struct zrtp_cache *zrtp_cache;
	const char *zrtp_cache_error;
	bool srtp_required;
	enum srtp_suite_id suites[SRTP_SUITE_COUNT];
	size_t n_suites;          /* 0: default order */
	uint8_t codecs[2];
	size_t n_codecs;          /* 0: PCMU, PCMA */
	unsigned timeout_ms;      /* no authenticated media for this long: timeouth; 0: 30 s */
	/*
	 * The account's STUN server (resolved), NULL: none. With one, the first offer or answer waits
	 * for call_media_ready: the Bindings' answers, or their short timeout (1.5 s).
	 */
	const struct sockaddr *stun_server;
	socklen_t stun_slen;
	unsigned stun_keepalive_ms; /* a Binding this often during the call; 0: 15 s */
};

/* An RFC 4733 digit arrived (once per event). */
typedef void(call_media_dtmf_h)(char digit, unsigned duration_ms, void *arg);
/* Nothing authenticated (RTP or RTCP) came for the timeout (again only after media came back). */
typedef void(call_media_timeout_h)(unsigned silent_ms, void *arg);

/*
 * ZRTP finished on this call's media: err 0 secure (call_media_zrtp_fields tells what it found),
 * else why it failed (zrtp.h's fail_h errors; call_media_zrtp_reason words it). Runs from the
 * loop, never from inside the stream, so the call may end from it.
 */
typedef void(call_media_zrtp_h)(int err, void *arg);

/*
 * STUN on the media sockets (media_stun.h): READY (the address for the SDP is known: the call may
 * send its offer or answer now), CHANGED (the NAT's mapping moved: the next SDP gives the new one),
 * KA_FAILED (a keepalive was not answered). From the loop; call_media_stun_fields tells the rest.
 */
typedef void(call_media_stun_h)(enum media_stun_what what, void *arg);

/* What the media reports to its call; each may be NULL. */
struct call_media_h {
	call_media_dtmf_h *dtmfh;
	call_media_stun_h *stunh;
	call_media_timeout_h *timeouth;
	call_media_zrtp_h *zrtph;
	void *arg;
};

struct call_media;

/*
 * Binds an even RTP port and RTCP on the next one at prm->addr and prepares our side of the
 * offer/answer (fresh SDES keys). audio: the device the call may be lent (NULL: none). 0, EINVAL
 * (addr is not an IP literal), EADDRINUSE, ENOMEM, EIO.
 */
int call_media_alloc(struct call_media **mp, struct loop *l, struct call_audio *audio,
		     const struct call_media_prm *prm, const struct call_media_h *h);
/* NULL-safe: stops the stream, closes the sockets, wipes the keys. */
void call_media_free(struct call_media *m);
/*
 * The far end's address of record ("sip:user@host"): ZRTP keeps retained secrets and the
 * SAS-verified flag per (this URI, the far end's ZID). Before the first offer or answer.
 */
int call_media_set_peer(struct call_media *m, const char *aor);

/* ---- offer/answer: what sdp.c's session does, on this call's media ---- */
/* Our offer appended to w (the o= version goes up when it changed). */
int call_media_offer(struct call_media *m, struct wbuf *w);
/* The peer's offer answered into w and *r (see sdp_sess_answer: EPROTO, EPERM downgrade, EBADMSG). */
int call_media_answer(struct call_media *m, const void *offer, size_t len, struct wbuf *w, struct sdp_result *r);
/* The peer's answer to our last offer into *r (see sdp_sess_apply_answer). */
int call_media_take_answer(struct call_media *m, const void *answer, size_t len, struct sdp_result *r);
/* Why the last offer/answer step failed ("" if it did not). */
const char *call_media_reason(const struct call_media *m);
/* The direction our next offer or answer asks for: sendonly (hold) or sendrecv. */
void call_media_set_hold(struct call_media *m, bool hold);
/* Fresh SRTP keys for every suite: the next offer carries them. 0 or an errno. */
int call_media_rekey(struct call_media *m);

/*
 * Applies a negotiated result: starts the stream (attached to the device when the call is
 * active), or changes it in place between two packets (remote address, keys, direction).
 * EPROTO for a host name in c=, or the stream's error.
 */
int call_media_apply(struct call_media *m, const struct sdp_result *r);
/* The call is over: the stream, its timer and the sockets go (the last result stays for reports). */
void call_media_stop(struct call_media *m);

/*
 * Moving to new sockets (a new local port): the next offer carries them and fresh keys; commit
 * when the far end accepted it (the old stream and sockets go; apply the answer next), abort
 * otherwise (the offer goes back to the old ones). EBUSY while a move is pending.
 */
int call_media_move(struct call_media *m);
void call_media_move_commit(struct call_media *m);
void call_media_move_abort(struct call_media *m);
bool call_media_moving(const struct call_media *m);
/*
 * The local address changed (doc/nat.md): our next offer says addr (an IP literal of the sockets'
 * family) with the same port. The sockets are bound to the wildcard address, so they carry on from
 * the new address, and the stream is not restarted: the same keys, and the send context keeps its
 * ROC and index, so no keystream is used twice (doc/security.md, "A network change moves the media").
 * EAFNOSUPPORT for the other family, EBUSY while a move to new sockets is pending, EINVAL.
 */
int call_media_readdress(struct call_media *m, const char *addr);
/* The address our SDP gives ("" before alloc). */
const char *call_media_addr(const struct call_media *m);
/*
 * For measuring a network change: authenticated RTP packets received so far, and the last pause of
 * STREAM_GAP_MIN_MS or more between two of them (its length, and when it ended: the loop's ms; 0 if
 * none). false without a stream.
 */
bool call_media_rx_gap(const struct call_media *m, uint64_t *rtp_received, uint64_t *gap_ms, uint64_t *gap_end_ms);

/* Lend the shared device to this call (true) or take it away (false). */
void call_media_set_active(struct call_media *m, bool active);
bool call_media_active(const struct call_media *m);
/* Microphone off or on (kept across stream restarts): silence is sent instead. */
void call_media_mute(struct call_media *m, bool mute);
bool call_media_muted(const struct call_media *m);
/* RFC 4733 digits: EPROTO without a stream, ENOTSUP when the far end took no telephone-event. */
int call_media_dtmf(struct call_media *m, const char *digits);

/* ---- ZRTP ---- */
/* Whether ZRTP runs on this call (media_encryption zrtp / sdes-zrtp, and libbzrtp could be loaded). */
bool call_media_zrtp_on(const struct call_media *m);
/* ZRTP's keys are in use (it completed), since when its SAS is the call's. */
bool call_media_zrtp_secure(const struct call_media *m);
/* The stream has no keys and sends nothing (waiting for ZRTP; if ZRTP failed, it never will). */
bool call_media_held(const struct call_media *m);
/* ZRTP failed ("" if not): its reason for the user, with what that means for this call. */
const char *call_media_zrtp_reason(const struct call_media *m);
/*
 * What the user should be told loudly once ZRTP is secure: a cache MISMATCH (a possible man in
 * the middle, RFC 6189 4.3.2), another device at a verified address, a PBX as the ZRTP peer; ""
 * if nothing.
 */
const char *call_media_zrtp_alarm(const struct call_media *m);
/*
 * The user compared the ZRTP SAS: verified (true) is stored in the cache, so that later calls
 * with this device show "verified" once both sides confirmed; false stores "rejected". EAGAIN
 * before ZRTP is secure, EPROTO without ZRTP on this call, ENOTSUP without a cache.
 */
int call_media_sas_confirm(struct call_media *m, bool verified);

/* ---- STUN (NAT) ---- */
/* Whether our SDP's address is settled: no STUN server, or its first Bindings ended. */
bool call_media_ready(const struct call_media *m);
/* The STUN outcome (NULL without a STUN server). */
const struct media_stun_info *call_media_stun(const struct call_media *m);
/*
 * The "network" event's fields for STUN: local_media, public_media (and public_rtcp), stun_server,
 * message (what it means for the call), error. Nothing without a STUN server.
 */
void call_media_stun_fields(const struct call_media *m, enum media_stun_what what, struct event *ev);

/* Whether the stream runs (media was applied and not stopped). */
bool call_media_running(const struct call_media *m);
/* The result in force (NULL before the first one was applied). */
const struct sdp_result *call_media_result(const struct call_media *m);
/* The SAS of the keys in force ("" without SRTP): ZRTP's once it is secure, else call_media_sas_compute's. */
const char *call_media_sas(const struct call_media *m);

/*
 * Report fields. sas: the SAS with its method (and, with note, what it is worth), nothing
 * without SRTP keys. zrtp: how the keys were agreed (key_exchange) and ZRTP's state, algorithms,
 * cache trust and peer. verify: the stream's counters for the "security" event, with the sas and
 * zrtp fields (or "media": "not started"); status: levels and counts for the "call" event,
 * nothing without a stream.
 */
void call_media_sas_fields(const struct call_media *m, struct event *ev, bool note);
void call_media_zrtp_fields(const struct call_media *m, struct event *ev);
void call_media_verify_fields(const struct call_media *m, struct event *ev);
void call_media_status_fields(const struct call_media *m, struct event *ev);

/*
 * The short authentication string: SHA-256 over a label, the suite and both
 * directions' SRTP master key||salt in ascending byte order, shown as six
 * digits "123 456". SDES has no commitment, so equal strings at both ends do
 * not rule out a relay in the signalling that chose its keys to match
 * (doc/security.md); the events say so in sas_method and sas_note.
 * out needs 8 bytes.
 */
int call_media_sas_compute(char *out, size_t outsz, enum srtp_suite_id suite, const uint8_t *k1,
			   const uint8_t *k2, size_t klen);

#endif
