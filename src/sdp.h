/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sdp.h: SDP (RFC 4566) parsing and printing, and RFC 3264 offer/answer for one audio stream with SDES. */
#ifndef SPHONE_SDP_H
#define SPHONE_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "sdp_crypto.h"
#include "srtp.h"

/* Limits on what a peer may send; beyond them decoding fails with E2BIG. */
#define SDP_MAX_SIZE 65536   /* bytes of SDP */
#define SDP_MAX_LINES 1024   /* lines of SDP */
#define SDP_MAX_MEDIA 16     /* m-lines */
#define SDP_MAX_FMT 32       /* formats on one m-line */
#define SDP_MAX_CRYPTO 12    /* a=crypto lines on one m-line */
#define SDP_ADDR_MAX 256     /* connection address text, with its NUL */
#define SDP_ZRTP_HASH_MAX 80 /* an a=zrtp-hash value with its NUL (RFC 6189 8.1: "1.10 " + 64 hex digits) */

/* Direction bits: what the side describing itself does. */
enum sdp_dir {
	SDP_INACTIVE = 0,
	SDP_SENDONLY = 1,
	SDP_RECVONLY = 2,
	SDP_SENDRECV = 3,
};

enum sdp_proto {
	SDP_PROTO_OTHER, /* anything else (UDP/TLS/RTP/SAVPF, RTP/AVPF, udp, ...) */
	SDP_PROTO_AVP,   /* RTP/AVP */
	SDP_PROTO_SAVP,  /* RTP/SAVP */
};

/* One format of an m-line, with its a=rtpmap and a=fmtp if present. */
struct sdp_fmt {
	uint8_t pt;
	bool rtpmap;       /* an a=rtpmap line was seen for it */
	char name[32];     /* encoding name from rtpmap, "" without one */
	uint32_t rate;
	uint32_t channels; /* 0 when not given (means 1 for audio) */
	char fmtp[128];    /* a=fmtp parameters (truncated if longer), "" if none */
};

struct sdp_media {
	char type[32];            /* "audio", "video", ... */
	uint16_t port;
	enum sdp_proto proto;
	char proto_text[32];
	char fmt_text[256];       /* the raw format list, echoed when the stream is rejected */
	bool rtp;                 /* RTP profile with numeric payload types in fmts[] */
	struct sdp_fmt fmts[SDP_MAX_FMT];
	size_t n_fmt;
	char addr[SDP_ADDR_MAX];  /* c= in effect (media-level, else session-level), "" if none */
	int af;                   /* AF_INET / AF_INET6 for an IP literal, 0 for a host name */
	enum sdp_dir dir;         /* a=sendrecv... at media level, else session level, else sendrecv */
	uint32_t ptime, maxptime; /* 0 when absent */
	uint16_t rtcp_port;       /* a=rtcp, else 0 */
	char rtcp_addr[SDP_ADDR_MAX]; /* a=rtcp address if given, else "" */
	bool rtcp_mux;
	struct sdp_crypto crypto[SDP_MAX_CRYPTO]; /* acceptable lines, in SDP order */
	size_t n_crypto;
	size_t n_crypto_bad;        /* a=crypto lines refused or skipped */
	const char *crypto_reason;  /* why the first such line was refused (static string) */
	/*
	 * a=zrtp-hash (RFC 6189 8.1) as it came, media level, else session level; "" if none. Only
	 * its length is checked here: call_media.c parses it (zrtp_wire_hash_parse). Of several,
	 * the first of version 1.10, else the first. zrtp_hash_long: one was too long to keep.
	 */
	char zrtp_hash[SDP_ZRTP_HASH_MAX];
	bool zrtp_hash_long;
};

/* A parsed session description. Owns copies of everything; wiped on free (keys). */
struct sdp_desc {
	char o_user[64];
	uint64_t sess_id, sess_ver;
	char addr[SDP_ADDR_MAX]; /* session-level c=, "" if none */
	enum sdp_dir dir;        /* session-level direction, SDP_SENDRECV by default */
	char zrtp_hash[SDP_ZRTP_HASH_MAX]; /* session-level a=zrtp-hash ("" if none); media take it over */
	struct sdp_media media[SDP_MAX_MEDIA];
	size_t n_media;
};

/*
 * Parses an SDP body (CRLF or LF line ends). 0 and *dp set, or EBADMSG
 * (malformed: must start with v=0, needs o= and at least a well-formed
 * line structure; bad m=/c=/known attributes), E2BIG (a limit above),
 * ENOMEM, EINVAL. Unknown lines and attributes are skipped; a=crypto lines
 * that can't be used are counted with a reason, not fatal.
 */
int sdp_decode(struct sdp_desc **dp, const char *buf, size_t len);
void sdp_desc_free(struct sdp_desc *d);

/* True when body contains an a=crypto line with an inline key: such SDP must travel over TLS only. */
bool sdp_has_keys(const char *body, size_t len);

/* What our side of a call is configured to do. */
struct sdp_conf {
	const char *addr;        /* local media address (IPv4 or IPv6 literal) */
	uint16_t port;           /* local RTP port (RTCP on port + 1) */
	bool srtp;               /* media_encryption=sdes (or sdes-zrtp): offer/accept a=crypto */
	/*
	 * media_encryption=zrtp or sdes-zrtp: ZRTP runs on the media path (the caller's business; our
	 * a=zrtp-hash comes from sdp_sess_set_zrtp_hash). It makes RTP/AVP without a=crypto acceptable
	 * with srtp_required too: the keys come from ZRTP and nothing is sent before (stream.h hold).
	 */
	bool zrtp;
	bool srtp_required;      /* yes: no plain fallback (RTP/SAVP only, but RTP/AVP with zrtp) */
	enum srtp_suite_id suites[SRTP_SUITE_COUNT]; /* preference order; n_suites 0 = default */
	size_t n_suites;
	uint8_t codecs[2];       /* 0 (PCMU) and/or 8 (PCMA) in preference order; n_codecs 0 = {0, 8} */
	size_t n_codecs;
	uint8_t dtmf_pt;         /* telephone-event payload type we offer; 0 = 101 */
	uint32_t ptime;          /* 0 = 20 */
	bool answer_our_order;   /* answer picks codecs in our order instead of the offerer's */
};

/* Negotiated media for call.c. Holds keys: sdp_result_wipe() when done. */
struct sdp_result {
	uint8_t pt;                  /* codec payload type to send and expect */
	char codec[8];               /* "PCMU" or "PCMA" */
	int dtmf_pt;                 /* telephone-event payload type, -1 when not negotiated */
	uint32_t ptime;              /* packet time to send with (ms) */
	char raddr[SDP_ADDR_MAX];    /* remote RTP address (literal, or a host name when raf == 0) */
	int raf;
	uint16_t rport;
	char rtcp_addr[SDP_ADDR_MAX];
	uint16_t rtcp_port;
	enum sdp_dir dir;            /* what WE do: send and/or receive */
	bool remote_hold;            /* peer put us on hold (sendonly/inactive or c=0.0.0.0) */
	enum sdp_proto proto;        /* profile of the m-line used */
	bool secure;                 /* SRTP keys negotiated */
	bool plain_warning;          /* optimistic mode fell back to plain RTP (until ZRTP, with zrtp): warn loudly */
	enum srtp_suite_id suite;
	uint32_t tag;
	uint8_t tx_key[SRTP_MAX_MASTER_LEN]; /* our master key||salt (we send with it) */
	uint8_t rx_key[SRTP_MAX_MASTER_LEN]; /* the peer's (we receive with it) */
	size_t key_len;
	uint64_t rx_lifetime;        /* the peer key's lifetime in packets, 0 = default maximum */
	bool remote_unchanged;       /* same o= session id and version as the last SDP seen */
	bool zrtp;                   /* sdp_conf.zrtp: ZRTP is to run on this stream */
	char zrtp_hash[SDP_ZRTP_HASH_MAX]; /* the peer's a=zrtp-hash for it, "" if none (sdp_media) */
};

void sdp_result_wipe(struct sdp_result *r);

/* Our side of one call's offer/answer exchanges: config, keys, o= versioning. */
struct sdp_sess;

/* Copies conf (addr too); generates fresh keys for every suite. EINVAL bad conf, ENOMEM, EIO. */
int sdp_sess_alloc(struct sdp_sess **sp, const struct sdp_conf *conf);
void sdp_sess_free(struct sdp_sess *s);
/* Changes the local media address/port used in the next SDP. */
int sdp_sess_set_media(struct sdp_sess *s, const char *addr, uint16_t port);
/*
 * a=rtcp (RFC 3605) in the next SDP: our RTCP's address and port when they are not the c= address
 * and the m= port + 1 (a NAT mapped the RTCP socket elsewhere); port 0: none. EINVAL.
 */
int sdp_sess_set_rtcp(struct sdp_sess *s, const char *addr, uint16_t port);
/* What we want to do (SDP_SENDONLY to hold, SDP_SENDRECV to resume). */
void sdp_sess_set_dir(struct sdp_sess *s, enum sdp_dir dir);
/* New keys for every suite (re-key); the next SDP carries them. */
int sdp_sess_rekey(struct sdp_sess *s);
/*
 * Our a=zrtp-hash value ("1.10 <hex>") for the next offers and answers (with sdp_conf.zrtp);
 * NULL or "" for none. EINVAL when it is longer than SDP_ZRTP_HASH_MAX or holds a line break.
 */
int sdp_sess_set_zrtp_hash(struct sdp_sess *s, const char *val);
/* The reason of the last failed offer/answer step ("" if none). */
const char *sdp_sess_reason(const struct sdp_sess *s);

/*
 * Appends an offer to w: one audio m-line, RTP/SAVP (srtp with srtp_required)
 * or RTP/AVP, codecs, telephone-event 0-16, ptime, direction, one a=crypto per
 * suite in preference order, a=zrtp-hash when set. The o= version goes up
 * whenever the body changes.
 */
int sdp_sess_offer(struct sdp_sess *s, struct wbuf *w);

/*
 * Answers a peer's offer: appends the answer to w and fills *res. Every
 * m-line is answered in order; only the first usable audio stream is
 * accepted, the others get port 0. EPROTO when nothing is acceptable
 * (send 488; sdp_sess_reason() says why), EBADMSG/E2BIG for a bad offer.
 * Once an exchange of this session has negotiated SRTP, SRTP is required
 * from then on also with srtp_required off: an offer without SRTP we accept
 * is then EPERM (a downgrade; send 488), and so is such an answer below.
 */
int sdp_sess_answer(struct sdp_sess *s, const char *offer, size_t len, struct wbuf *w,
		    struct sdp_result *res);

/*
 * Applies the peer's answer to our last offer and fills *res. EPROTO when the
 * answer is unacceptable (rejected stream, no codec, crypto tag/suite not ours,
 * plain RTP while SRTP is required); EPERM for plain RTP after an earlier
 * exchange negotiated SRTP (a downgrade); EBADMSG/E2BIG for a bad answer;
 * EINVAL when no offer is pending (the offer stays pending after an error).
 */
int sdp_sess_apply_answer(struct sdp_sess *s, const char *answer, size_t len, struct sdp_result *res);

#endif
