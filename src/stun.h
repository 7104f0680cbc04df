/* SPDX-License-Identifier: GPL-3.0-or-later */
/* stun.h: STUN (RFC 5389) Binding: messages with FINGERPRINT and (XOR-)MAPPED-ADDRESS, a client transaction. */
#ifndef SPHONE_STUN_H
#define SPHONE_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "pl.h"

struct loop;
struct wbuf;

#define STUN_HDR_LEN 20
#define STUN_TID_LEN 12
#define STUN_MAGIC_COOKIE 0x2112A442u
#define STUN_DEFAULT_PORT 3478

enum stun_class {
	STUN_CLASS_REQUEST = 0,
	STUN_CLASS_INDICATION = 1,
	STUN_CLASS_SUCCESS = 2,
	STUN_CLASS_ERROR = 3,
};

#define STUN_METHOD_BINDING 0x001

enum stun_attr {
	STUN_ATTR_MAPPED_ADDRESS = 0x0001,
	STUN_ATTR_USERNAME = 0x0006,
	STUN_ATTR_MESSAGE_INTEGRITY = 0x0008,
	STUN_ATTR_ERROR_CODE = 0x0009,
	STUN_ATTR_UNKNOWN_ATTRIBUTES = 0x000A,
	STUN_ATTR_REALM = 0x0014,
	STUN_ATTR_NONCE = 0x0015,
	STUN_ATTR_XOR_MAPPED_ADDRESS = 0x0020,
	STUN_ATTR_SOFTWARE = 0x8022,
	STUN_ATTR_ALTERNATE_SERVER = 0x8023,
	STUN_ATTR_FINGERPRINT = 0x8028,
};

/* How many unknown comprehension-required attribute types a decoded message lists. */
#define STUN_MAX_UNKNOWN 8

/*
 * A decoded message. The slices point into the bytes given to stun_decode.
 * Of a repeated attribute only the first counts (RFC 5389 15); attributes
 * after MESSAGE-INTEGRITY, but FINGERPRINT, are ignored (15.4).
 */
struct stun_msg {
	uint16_t method;
	enum stun_class cls;
	uint8_t tid[STUN_TID_LEN];
	size_t len;                         /* the whole message, header included */
	bool has_xor_mapped, has_mapped, has_alternate;
	struct sockaddr_storage xor_mapped; /* XOR-MAPPED-ADDRESS, un-XORed */
	struct sockaddr_storage mapped;     /* MAPPED-ADDRESS (RFC 3489 servers) */
	struct sockaddr_storage alternate;  /* ALTERNATE-SERVER */
	uint16_t error_code;                /* 300..699 from ERROR-CODE; 0 without one */
	struct pl error_reason, software, username, realm, nonce;
	/*
	 * MESSAGE-INTEGRITY is found, not checked (a Binding client to a public
	 * server has no credentials). integrity_off is where the attribute starts:
	 * the HMAC covers the bytes before it, with the header's length field
	 * counting up to the attribute's end (RFC 5389 15.4).
	 */
	bool has_integrity;
	size_t integrity_off;
	bool has_fingerprint;               /* present and correct (a wrong one fails the decode) */
	uint16_t unknown[STUN_MAX_UNKNOWN]; /* comprehension-required types (< 0x8000) not known here */
	size_t n_unknown;
};

/*
 * Whether a datagram is a STUN message, to tell it from RTP/RTCP on a media
 * socket (RFC 7983: STUN's first byte is 0..3, RTP's 128..191): the top two
 * bits 0, the magic cookie at offset 4, and a length (a multiple of 4) that
 * accounts for exactly the rest of the datagram. Does not decode attributes.
 */
bool stun_is_msg(const void *p, size_t len);

/*
 * Decodes one message filling the whole of p[0..len). 0, or EBADMSG:
 * malformed header or attribute, attribute overrunning the message, a
 * FINGERPRINT that is wrong or not last, a malformed known attribute.
 * m is written only on success.
 */
int stun_decode(struct stun_msg *m, const void *p, size_t len);

/* Message type field from method and class (RFC 5389 6: class bits between the method bits). */
uint16_t stun_msg_type(uint16_t method, enum stun_class cls);

/*
 * Encoder: stun_enc_begin writes the header, each stun_enc_* one attribute
 * (value padded with zero bytes to 4), stun_enc_end sets the length and,
 * when asked, appends FINGERPRINT. Errors stick in the wbuf (see buf.h);
 * stun_enc_end returns the first one (EINVAL for a bad argument).
 */
struct stun_enc {
	struct wbuf *w;
	size_t start;
};
int stun_enc_begin(struct stun_enc *e, struct wbuf *w, uint16_t method, enum stun_class cls,
		   const uint8_t tid[STUN_TID_LEN]);
int stun_enc_attr(struct stun_enc *e, uint16_t type, const void *value, size_t len);
/* MAPPED-ADDRESS / ALTERNATE-SERVER as given, XOR-MAPPED-ADDRESS XORed with cookie and tid. IPv4/IPv6. */
int stun_enc_addr(struct stun_enc *e, uint16_t type, const struct sockaddr *sa);
/* ERROR-CODE: code 300..699 and a reason phrase. */
int stun_enc_error(struct stun_enc *e, uint16_t code, const char *reason);
int stun_enc_end(struct stun_enc *e, bool fingerprint);

/* The CRC-32 of ISO 3309 / ITU-T V.42 that FINGERPRINT uses (before its XOR with 0x5354554e). */
uint32_t stun_crc32(const void *p, size_t len);

/*
 * RFC 5389 7.2.1 retransmission over UDP: requests at 0, RTO, 3 RTO, 7 RTO
 * ... (the interval doubles), Rc requests in all, then Rm RTOs of waiting
 * before the transaction times out. 0 in a field means the default.
 */
struct stun_timers {
	uint32_t rto_ms; /* initial RTO, default 500 */
	uint32_t rc;     /* requests sent at most, default 7 */
	uint32_t rm;     /* the last wait, in initial RTOs, default 16 (39.5 s in all by default) */
};

#define STUN_RTO_DEFAULT 500
#define STUN_RC_DEFAULT 7
#define STUN_RM_DEFAULT 16

/* What a successful Binding learned; valid during the handler call. */
struct stun_result {
	struct sockaddr_storage mapped; /* our transport address as the server saw it */
	bool from_xor;                  /* from XOR-MAPPED-ADDRESS (else an RFC 3489 MAPPED-ADDRESS) */
	unsigned requests;              /* how many requests were sent */
	uint64_t rtt_ms;                /* from the first request to the response */
	struct pl software;             /* the server's SOFTWARE, if any */
	uint16_t error_code;            /* with EPROTO from an error response: its code (0 if it had none) */
};

/*
 * Sends one datagram to dst: 0, or an errno. EAGAIN, EWOULDBLOCK and ENOBUFS
 * count as a lost packet (retransmission covers it); other errors end the
 * transaction with that error.
 */
typedef int(stun_send_h)(const void *p, size_t len, const struct sockaddr *dst, socklen_t dstlen, void *arg);

/*
 * Called once: err 0 with the result; ETIMEDOUT (no response after Rc
 * requests and the last wait); EPROTO (an error response, r->error_code set;
 * or a success response without a mapped address or with unknown
 * comprehension-required attributes, RFC 5389 7.3.3); or a send error.
 * r is NULL only for a send error or ENOMEM (with ETIMEDOUT it gives just the
 * number of requests). stun_binding_free is allowed in h.
 */
typedef void(stun_binding_h)(int err, const struct stun_result *r, void *arg);

struct stun_binding;

/*
 * Starts a Binding transaction towards server: a fresh 96-bit transaction ID
 * from crypto_rand, the request (SOFTWARE when software is not NULL or empty,
 * at most 96 bytes, e.g. "sphone/0.1.0"; FINGERPRINT) sent at once through
 * send, retransmissions on l's timers. The caller owns the socket and hands
 * every received datagram that stun_is_msg accepts to stun_binding_recv.
 * 0, EINVAL, ENOMEM, EIO (no random bytes), or the first send's error
 * (nothing started then, *bp untouched).
 */
int stun_binding_alloc(struct stun_binding **bp, struct loop *l, const struct sockaddr *server, socklen_t slen,
		       const struct stun_timers *t, const char *software, stun_send_h *send, stun_binding_h *h,
		       void *arg);
/*
 * A received datagram from src. 0: it was a response to this transaction
 * from its server (consumed; also a late duplicate after the transaction
 * ended). ENOENT: not ours (not STUN, another transaction ID, another
 * source): hand it elsewhere. EBADMSG: STUN but malformed (drop it).
 */
int stun_binding_recv(struct stun_binding *b, const void *p, size_t len, const struct sockaddr *src);
/* Whether the transaction still waits for its response. */
bool stun_binding_active(const struct stun_binding *b);
/* Cancels; h is not called afterwards. NULL-safe. */
void stun_binding_free(struct stun_binding *b);

/*
 * The local transport address of UDP socket fd as seen on the way to dst:
 * getsockname, and when fd is bound to the wildcard address, the source
 * address the routing table picks for dst (with fd's port). 0 or an errno.
 */
int stun_local_addr(int fd, const struct sockaddr *dst, socklen_t dstlen, struct sockaddr_storage *out);
/* Comparing and printing addresses: sa_equal and sa_str (base/sa.h). */

#endif
