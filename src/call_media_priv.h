/* SPDX-License-Identifier: GPL-3.0-or-later */
/* call_media_priv.h: what call_media.c and call_media_net.c share: one call's media state and the steps each takes of the other's. */
#ifndef SPHONE_CALL_MEDIA_PRIV_H
#define SPHONE_CALL_MEDIA_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include "call_media.h"
#include "loop.h"
#include "sdp.h"
#include "zrtp.h"

struct call_audio;
struct event;
struct media_stun;
struct stream;

/*
 * One call's media. call_media.c owns the stream, its clock and keys (SDES, ZRTP, the SAS) and the
 * offer/answer; call_media_net.c the sockets and the address our SDP gives: the public one STUN
 * found, a move to new sockets, a new local address (readdress).
 */
struct call_media {
	struct loop *l;
	struct call_audio *audio;
	struct call_media_h h;
	unsigned timeout_ms;
	struct sdp_sess *sdp;
	int rtp_fd, rtcp_fd;
	uint16_t port;
	char *addr;
	/* call_media_move: the new sockets, in our next offer, taken when the call commits the move */
	bool moving;
	int mv_rtp_fd, mv_rtcp_fd;
	uint16_t mv_port;
	struct stream *s;
	struct tmr tmr;         /* the stream's clock while the device's tick does not run it */
	bool stopped;           /* call_media_stop: the call is over, nothing restarts the clock */
	bool active;            /* the call wants the shared device (its stream gets it once it runs) */
	struct sdp_result res;  /* the result in force (keys: wiped on free) */
	bool have_res;
	bool muted; /* microphone off: silence sent (kept across stream restarts) */
	char sas[12]; /* the SDES keys' */
	bool srtp_required;
	/*
	 * ZRTP: one engine per stream (z, made before our first offer or answer carries its
	 * a=zrtp-hash). A new session (a move to new sockets, or the far end's new a=zrtp-hash) is
	 * prepared in z_next and replaces z with the stream. zsecure/zfailed are the outcome of z.
	 */
	bool zrtp_on;
	struct zrtp_cache *zcache;
	char *zcache_err;
	char *peer_uri;
	struct zrtp *z, *z_next;
	uint32_t z_ssrc, z_next_ssrc;
	bool z_restart;      /* z_next replaces z on the same sockets when the next result is applied */
	char peer_hash[SDP_ZRTP_HASH_MAX]; /* the far end's a=zrtp-hash z was given */
	bool zsecure, zfailed;
	int zerr;
	bool zkeys_once;     /* ZRTP's keys were in use: never SDES keys again, a new session starts held */
	bool had_sdes;       /* the stream ran on SDES keys before ZRTP's */
	struct zrtp_result zres; /* keys wiped */
	bool zhello;         /* zres.peer holds the far end's Hello (also after a failure) */
	int sas_confirmed;   /* by the user in this session: -1 not yet, 0 rejected, 1 verified */
	struct tmr ztmr;     /* reports ZRTP's outcome from the loop */
	char zreason[320];
	char zalarm[400];
	bool srtp;           /* SDES keys configured (sdes, sdes-zrtp) */
	char reason[360];    /* why our last offer/answer failed, when not sdp.c's */
	struct media_stun *stun; /* the public address of our sockets (NULL: no stun_server) */
	struct sockaddr_storage stun_server;
	socklen_t stun_slen;     /* 0: no stun_server */
	unsigned stun_ka_ms;
};
/* call_media.c */

/* The call gives back the shared device (if it had it) and runs on its own timer again. */
void call_media_detach(struct call_media *m);
/* A new ZRTP engine in z_next, announced in our next offer or answer. */
int call_media_zrtp_next(struct call_media *m);
/* z_next dropped: the offer goes back to z's a=zrtp-hash. */
void call_media_zrtp_next_drop(struct call_media *m);
/* z_next replaces z: the outcome and what the user confirmed start afresh. */
void call_media_zrtp_next_takes_over(struct call_media *m);

/* call_media_net.c */

/* The RTP and RTCP sockets (an even port and the next) for addr's family, into m->rtp_fd, rtcp_fd, port. */
int call_media_net_sockets(struct call_media *m, const char *addr);
/* The sockets' read handler: the stream's, or STUN only before it runs. */
void call_media_net_fd_h(int fd, int events, void *arg);
/* STUN that came on the stream's sockets (stream_prm.stunh). */
void call_media_net_stun_rx(bool rtcp, const uint8_t *pkt, size_t len, const struct sockaddr_storage *from, void *arg);
/* The first Bindings from both sockets (m->stun_server set); the sockets are read from now on. */
int call_media_net_stun_start(struct call_media *m);
/* The verify report's public address between local_media and remote_media. */
void call_media_net_path_fields(const struct call_media *m, struct event *ev);

#endif
