/* SPDX-License-Identifier: GPL-3.0-or-later */
/* stream.h: one RTP/SRTP audio session: device -> G.711 -> RTP -> SRTP -> socket, and back through a jitter buffer. */
#ifndef SPHONE_STREAM_H
#define SPHONE_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "audev.h"
#include "jbuf.h"
#include "srtp.h"
#include "zrtp.h"

/*
 * Threading: every function here runs on the owner's thread (the main loop).
 * The stream never blocks, never sleeps and keeps no global state: any number
 * of streams may run at once. Time is always the owner's monotonic clock in
 * milliseconds (now_ms), passed in, so the stream can run on a virtual clock.
 */

/* Direction bits, as in SDP: send = 1, recv = 2. */
enum stream_dir {
	STREAM_INACTIVE = 0,
	STREAM_SENDONLY = 1,
	STREAM_RECVONLY = 2,
	STREAM_SENDRECV = 3,
};

#define STREAM_PT_PCMU 0
#define STREAM_PT_PCMA 8
#define STREAM_PTIME_MIN 10
#define STREAM_PTIME_MAX 60
#define STREAM_TIMEOUT_DEFAULT_MS 30000

/*
 * Media keys. Either plain (media_encryption=none: no SRTP at all, chosen on
 * purpose) or an SRTP suite with the key||salt sent (tx) and the one received
 * (rx), each srtp_suite_key_len + srtp_suite_salt_len bytes. The bytes are
 * only read during the call that takes this struct; wipe them afterwards.
 */
struct stream_crypto {
	bool plain;
	/*
	 * No keys yet (media_encryption=zrtp until ZRTP has finished): nothing
	 * leaves the stream, neither audio nor silence, DTMF or RTCP, and nothing
	 * received is played; the RTP clock runs on, as on hold. The stream's
	 * ZRTP (stream_prm.zrtp) or a stream_rekey with keys ends it; a stream
	 * with keys never goes back to it.
	 */
	bool hold;
	enum srtp_suite_id suite;
	const uint8_t *tx_key;
	size_t tx_len;
	const uint8_t *rx_key;
	size_t rx_len;
};

/* A telephone-event was received: runs once per event, duration in ms. */
typedef void(stream_dtmf_h)(char digit, unsigned duration_ms, void *arg);
/*
 * Nothing authenticated (RTP or RTCP) arrived for the configured timeout;
 * runs once, and again only after media has come back and stopped again.
 */
typedef void(stream_timeout_h)(unsigned silent_ms, void *arg);

/*
 * The stream's ZRTP finished: r (SAS, algorithms, cache trust; its keys are
 * in use already, and wiped when this returns) with err 0; or r NULL and err
 * as zrtp.h's fail_h, or the error switching to the keys (the stream keeps
 * the keys or the hold it had). Must not free the stream.
 */
typedef void(stream_zrtp_h)(const struct zrtp_result *r, int err, void *arg);
/*
 * A STUN message (RFC 5389, told from RTP/RTCP/ZRTP as RFC 7983 says: first two bits 0, the magic
 * cookie, a length that is exactly the datagram's) arrived on the stream's RTP socket (rtcp false) or
 * its RTCP socket, from the address given: the owner's STUN client takes it (a Binding response, or a
 * request it may ignore). Such packets never reach SRTP, the jitter buffer or latching, and do not count
 * as media for the timeout. Must not free the stream.
 */
typedef void(stream_stun_h)(bool rtcp, const uint8_t *pkt, size_t len, const struct sockaddr_storage *from,
			    void *arg);

struct stream_prm {
	/* Bound, non-blocking UDP sockets owned by the caller (the stream never closes them). */
	int rtp_fd;
	int rtcp_fd; /* -1: rtcp-mux (RFC 5761) on rtp_fd */
	struct sockaddr_storage remote_rtp;
	struct sockaddr_storage remote_rtcp; /* ignored with rtcp-mux */
	uint8_t pt;                          /* STREAM_PT_PCMU or STREAM_PT_PCMA */
	int dtmf_pt;                         /* 96..127; 0 = DTMF_PT_DEFAULT (101); -1 = no telephone-event */
	unsigned ptime;                      /* 10..60 ms; 0 = 20 */
	enum stream_dir dir;
	struct stream_crypto crypto;
	unsigned timeout_ms;                 /* 0 = STREAM_TIMEOUT_DEFAULT_MS */
	struct audev *dev;                   /* not owned; NULL = none (silence sent, playback discarded) */
	stream_dtmf_h *dtmfh;                /* may be NULL */
	stream_timeout_h *timeouth;          /* may be NULL */
	/*
	 * ZRTP on this stream's RTP socket (not owned: the owner frees it after
	 * the stream, which takes over its handlers). The stream starts it with
	 * its clocks, ticks it, sends its packets to remote_rtp and hands it the
	 * ZRTP packets it receives (RFC 6189 5 demultiplexing). When it is secure
	 * the stream switches to its keys between two packets, from hold or from
	 * SDES keys, taking the peer's receive key as soon as ZRTP knows it.
	 */
	struct zrtp *zrtp;
	stream_zrtp_h *zrtph;
	/*
	 * Our RTP SSRC, 0 = random. With zrtp, the one its engine was made with (zrtp_conf.ssrc):
	 * RFC 6189 5 has a stream's ZRTP packets carry its RTP SSRC.
	 */
	uint32_t ssrc;
	stream_stun_h *stunh; /* may be NULL: STUN messages are then counted (stun_received) and dropped */
	void *arg;
};

struct stream_stats {
	bool secure;              /* SRTP on (both ways use one suite) */
	bool held;                /* no keys yet: nothing sent (stream_crypto.hold) */
	bool zrtp_keys;           /* the keys in use came from ZRTP */
	const char *tx_suite;     /* SDES name, or "plain" */
	const char *rx_suite;
	struct srtp_sess_stats srtp; /* summed over the keys used so far (rekeys included) */
	uint64_t rtp_sent;        /* audio + telephone-event packets handed to the socket */
	uint64_t rtp_received;    /* authenticated, well-formed RTP packets */
	uint64_t rtcp_sent;
	uint64_t rtcp_received;
	uint64_t rx_rejected;     /* dropped before parsing: auth, replay, malformed SRTP */
	uint64_t rx_malformed;    /* authenticated but not valid RTP/RTCP */
	uint64_t rx_other_pt;     /* payload type neither the codec nor telephone-event */
	uint64_t send_errors;     /* protect or sendto failed (packet not sent) */
	uint64_t held_frames;     /* packet times not sent for want of keys */
	uint64_t zrtp_sent;       /* ZRTP packets sent, received (accepted by the engine), refused */
	uint64_t zrtp_received;
	uint64_t zrtp_rejected;
	uint64_t stun_received;   /* STUN messages taken off the sockets (stream_stun_h) */
	uint64_t stun_sent;       /* stream_send_stun */
	uint64_t dtmf_sent;       /* telephone-event packets */
	uint64_t dtmf_received;   /* events reported */
	uint32_t lost;            /* RFC 3550 cumulative packets lost, as of our last RTCP report */
	uint8_t fraction_lost;    /* over the last RTCP interval, 8-bit fixed point */
	unsigned jitter_ms;       /* interarrival jitter (the jitter buffer's RFC 3550 estimate) */
	bool rtt_valid;
	unsigned rtt_ms;          /* from the last RTCP report block about us */
	uint8_t remote_fraction_lost; /* what the far end last reported about our packets */
	struct jbuf_stats jb;     /* jb.delay_ms is the jitter buffer delay */
	uint64_t concealed;       /* frames played from PLC */
	uint64_t play_overflow;   /* frames not written: playback ring full */
	uint64_t play_trimmed;    /* frames not written: the playback ring held a spare frame for a second */
	uint64_t play_dry;        /* paired device: periods it found the playback ring short (played silence) */
	unsigned play_depth;      /* paired device: frames kept queued for it after a playout (0: not paced) */
	double mic_peak;          /* 0..1, peak of the last captured frame */
	double spk_peak;          /* 0..1, peak of the last played frame */
	uint8_t pt;
	const char *codec;        /* "PCMU" or "PCMA" */
	unsigned ptime;
	enum stream_dir dir;
	bool muted;               /* stream_set_mute */
	struct sockaddr_storage remote_rtp;  /* where RTP goes now (after latching) */
	struct sockaddr_storage remote_rtcp;
	uint64_t latches;         /* times the remote address followed authenticated packets */
	uint64_t bye_received;    /* RTCP BYE packets (authenticated) */
	/*
	 * The last pause of STREAM_GAP_MIN_MS or more between two authenticated RTP packets: how long,
	 * and when (the loop's ms) the packet that ended it came; 0 if none yet. A network change's
	 * audio gap, as the receiving side heard it.
	 */
	uint64_t rtp_gap_ms;
	uint64_t rtp_gap_end_ms;
};
#define STREAM_GAP_MIN_MS 100

struct stream;

/*
 * Check prm and build the pipeline. EINVAL for bad parameters (unknown pt,
 * ptime out of range, missing keys without plain, wrong key length, unsupported suite).
 */
int stream_alloc(struct stream **sp, const struct stream_prm *prm);
/* NULL-safe. Wipes the keys; does not close the sockets or the device. */
void stream_free(struct stream *s);
/*
 * For tests on a virtual clock (default on): whether streams allocated from now on date a packet by
 * the kernel's receive time (SO_TIMESTAMP), that is its real age before the owner's now. On a
 * virtual clock that age is only how late a loaded machine ran the test; off, a packet arrives when
 * it is read, and the results do not depend on the load.
 */
void stream_kernel_time(bool on);

/*
 * fd (rtp_fd or rtcp_fd) is readable: drain it. Every packet goes through
 * SRTP/SRTCP unprotect first; one failing authentication or replay is
 * dropped and counted, never parsed nor played. RTP goes to DTMF or the
 * jitter buffer, RTCP updates loss and RTT. 0, or EINVAL for a foreign fd.
 * Arrival times are the kernel's receive times (SO_TIMESTAMP, enabled on the
 * fds by stream_alloc) on now_ms's clock, so the owner may read up to a
 * packet time late (e.g. a lazy fd drained on the device tick) without the
 * jitter figures or the jitter buffer seeing that delay.
 */
int stream_rx(struct stream *s, int fd, uint64_t now_ms);
/* stream_rx that also says how many datagrams it read (*count, may be NULL): 0 when fd was empty. */
int stream_rx_count(struct stream *s, int fd, uint64_t now_ms, unsigned *count);

/*
 * Run the clock: send every complete capture frame (or, without a device,
 * one silence frame per ptime), play out one frame per ptime into the
 * playback ring (jitter buffer -> decode, or concealment), send RTCP every
 * ~5 s and check the media timeout. Call on device wake-ups and when
 * stream_next_deadline() is reached.
 */
int stream_process(struct stream *s, uint64_t now_ms);

/* When stream_process should run next at the latest (same clock as now_ms). */
uint64_t stream_next_deadline(const struct stream *s);

/*
 * Hold / resume. Not sending keeps the RTP timestamp running, so the
 * first packet after resuming is continuous in time (and carries the marker).
 */
int stream_set_direction(struct stream *s, enum stream_dir dir);

/*
 * Microphone off (true) or on. While muted the captured frames are still
 * read (and measured: mic_peak) but silence is sent in their place, so RTP
 * keeps flowing at the same pace (the far end's media timeout and NAT
 * bindings see a live stream); DTMF and playback are unaffected.
 */
int stream_set_mute(struct stream *s, bool mute);

/*
 * The far end moved (re-INVITE). rtcp may be NULL: RTP address, port + 1 (or the RTP address with rtcp-mux).
 * When our send context has passed a sequence wrap, we take a new SSRC: a new stream at the far end starts
 * our SSRC at ROC 0.
 */
int stream_set_remote(struct stream *s, const struct sockaddr_storage *rtp,
		      const struct sockaddr_storage *rtcp);

/*
 * New keys and/or suite, applied between two packets, one direction at a
 * time (srtp_sess_rekey): an unchanged send key keeps its context (rollover
 * counter, SRTCP index), an unchanged receive key its replay windows. A new
 * send key starts a new context; if the one it replaces had passed a
 * sequence wrap, the stream also takes a new SSRC, so that every receiver
 * starts it at ROC 0. A send key the stream has used before is refused
 * (EKEYREJECTED, nothing changes). The previous receive keys stay usable for
 * a few seconds for packets still in flight (never when going from plain to
 * SRTP). Plain to SRTP and back are allowed. From hold, the first keys end
 * it; going back to hold is EINVAL.
 */
int stream_rekey(struct stream *s, const struct stream_crypto *c);

/* Send a final RTCP report with BYE (RFC 3550 6.6), e.g. when the call ends, before stream_free. */
int stream_bye(struct stream *s, uint64_t now_ms);

/* Queue RFC 4733 digits (0-9 * # A-D); they replace audio frames while they play. */
int stream_dtmf(struct stream *s, const char *digits);

/* Switch the audio device, or detach it with NULL (silence is sent, playback discarded). */
int stream_set_device(struct stream *s, struct audev *dev);

void stream_stats(const struct stream *s, struct stream_stats *st);

/*
 * Send a STUN message from the stream's RTP socket (rtcp false) or RTCP socket (the RTP one with
 * rtcp-mux) to dst: Binding requests that learn or keep alive the NAT mapping of the very port the
 * media uses (RFC 5389, RFC 6263). Nothing but a well-formed STUN message goes out this way (EINVAL),
 * so the media socket never carries plaintext of another kind; also while the stream holds for keys.
 * 0 or sendto's errno.
 */
int stream_send_stun(struct stream *s, bool rtcp, const void *pkt, size_t len, const struct sockaddr_storage *dst);

/* RFC 7983 / RFC 5389 6: whether a datagram is a STUN message (the owner's stun_is_msg, mirrored here). */
bool stream_is_stun(const uint8_t *pkt, size_t len);

#endif
