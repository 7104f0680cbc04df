/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sip_msg.h: SIP message parsing, header access and printing (stream framing: sip_stream.h). */
#ifndef SPHONE_SIP_MSG_H
#define SPHONE_SIP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pl.h"
#include "sip_uri.h"

struct wbuf;

enum sip_method {
	SIP_METHOD_UNKNOWN = 0, /* extension method: use the method slice */
	SIP_METHOD_INVITE,
	SIP_METHOD_ACK,
	SIP_METHOD_BYE,
	SIP_METHOD_CANCEL,
	SIP_METHOD_OPTIONS,
	SIP_METHOD_REGISTER,
	SIP_METHOD_PRACK,
	SIP_METHOD_SUBSCRIBE,
	SIP_METHOD_NOTIFY,
	SIP_METHOD_PUBLISH,
	SIP_METHOD_INFO,
	SIP_METHOD_REFER,
	SIP_METHOD_MESSAGE,
	SIP_METHOD_UPDATE,
};

/* Method names are case-sensitive (RFC 3261 7.1). */
enum sip_method sip_method_id(struct pl name);
/* "INVITE" etc.; NULL for SIP_METHOD_UNKNOWN. */
const char *sip_method_name(enum sip_method m);

/* Well-known headers. Compact forms map to the same id. */
enum sip_hdr_id {
	SIP_HDR_OTHER = 0, /* unknown header: match it by name */
	SIP_HDR_ACCEPT,
	SIP_HDR_ACCEPT_CONTACT,       /* a */
	SIP_HDR_ACCEPT_ENCODING,
	SIP_HDR_ACCEPT_LANGUAGE,
	SIP_HDR_ALERT_INFO,
	SIP_HDR_ALLOW,
	SIP_HDR_ALLOW_EVENTS,         /* u */
	SIP_HDR_AUTHENTICATION_INFO,
	SIP_HDR_AUTHORIZATION,
	SIP_HDR_CALL_ID,              /* i */
	SIP_HDR_CALL_INFO,
	SIP_HDR_CONTACT,              /* m */
	SIP_HDR_CONTENT_DISPOSITION,
	SIP_HDR_CONTENT_ENCODING,     /* e */
	SIP_HDR_CONTENT_LANGUAGE,
	SIP_HDR_CONTENT_LENGTH,       /* l */
	SIP_HDR_CONTENT_TYPE,         /* c */
	SIP_HDR_CSEQ,
	SIP_HDR_DATE,
	SIP_HDR_ERROR_INFO,
	SIP_HDR_EVENT,                /* o */
	SIP_HDR_EXPIRES,
	SIP_HDR_FROM,                 /* f */
	SIP_HDR_IDENTITY,             /* y */
	SIP_HDR_IN_REPLY_TO,
	SIP_HDR_MAX_FORWARDS,
	SIP_HDR_MIME_VERSION,
	SIP_HDR_MIN_EXPIRES,
	SIP_HDR_MIN_SE,
	SIP_HDR_ORGANIZATION,
	SIP_HDR_PATH,
	SIP_HDR_PRIORITY,
	SIP_HDR_PROXY_AUTHENTICATE,
	SIP_HDR_PROXY_AUTHORIZATION,
	SIP_HDR_PROXY_REQUIRE,
	SIP_HDR_RACK,
	SIP_HDR_RECORD_ROUTE,
	SIP_HDR_REFER_TO,             /* r */
	SIP_HDR_REFERRED_BY,          /* b */
	SIP_HDR_REJECT_CONTACT,       /* j */
	SIP_HDR_REPLY_TO,
	SIP_HDR_REQUEST_DISPOSITION,  /* d */
	SIP_HDR_REQUIRE,
	SIP_HDR_RETRY_AFTER,
	SIP_HDR_ROUTE,
	SIP_HDR_RSEQ,
	SIP_HDR_SERVER,
	SIP_HDR_SERVICE_ROUTE,
	SIP_HDR_SESSION_EXPIRES,      /* x */
	SIP_HDR_SUBJECT,              /* s */
	SIP_HDR_SUBSCRIPTION_STATE,
	SIP_HDR_SUPPORTED,            /* k */
	SIP_HDR_TIMESTAMP,
	SIP_HDR_TO,                   /* t */
	SIP_HDR_UNSUPPORTED,
	SIP_HDR_USER_AGENT,
	SIP_HDR_VIA,                  /* v */
	SIP_HDR_WARNING,
	SIP_HDR_WWW_AUTHENTICATE,
	SIP_HDR_COUNT_
};

/* Header id for a (full or compact, any case) name; SIP_HDR_OTHER if unknown. */
enum sip_hdr_id sip_hdr_id(struct pl name);
/* Canonical full name ("Call-ID"); NULL for SIP_HDR_OTHER. */
const char *sip_hdr_name(enum sip_hdr_id id);

/*
 * One header value. For list headers (Via, Contact, Route, Record-Route,
 * Allow, Supported, Require, ...) a header line carrying "a, b" gives two
 * sip_hdr entries with the same name slice. Values are trimmed; line folding
 * has been replaced by spaces.
 */
struct sip_hdr {
	enum sip_hdr_id id;
	struct pl name; /* as received (maybe compact) */
	struct pl val;  /* this value */
	struct pl line; /* whole header line value (before splitting), trimmed */
};

/* "SIP/2.0/UDP host:port;params" */
struct sip_via {
	struct pl sentproto; /* "SIP/2.0/UDP" as written */
	struct pl transport; /* "UDP", "TCP", "TLS", ... */
	struct pl host;      /* sent-by host, IPv6 without [] */
	uint16_t port;       /* 0 = not given */
	struct pl params;    /* ";branch=..;rport" with the leading ';', may be absent */
	struct pl branch;    /* absent if no branch param */
	struct pl received;  /* absent if none */
	bool rport;          /* rport param present (with or without value) */
	uint16_t rport_val;  /* 0 if rport has no value */
	struct pl val;       /* the whole value */
};

/* name-addr or addr-spec plus header parameters (From, To, Contact, Route, ...) */
struct sip_addr {
	struct pl dname;  /* display name without quotes (escapes kept), absent if none */
	struct sip_uri uri; /* valid only when uri_known */
	struct pl uri_raw;  /* the URI text (any scheme) */
	bool uri_known;     /* sip:, sips: or tel: (decoded into uri) */
	struct pl params; /* header params after the URI (";tag=..;expires=.."), may be absent */
	struct pl tag;    /* tag param, absent if none */
	bool star;        /* Contact: * */
	bool angle;       /* the URI was in <> (name-addr) */
	struct pl val;    /* the whole value */
};

struct sip_cseq {
	uint32_t num;
	struct pl method;
	enum sip_method mid;
};

/*
 * Decodes one addr: name-addr ("Name" <uri>;params) or addr-spec (uri;params,
 * where the params belong to the header, RFC 3261 20.10), or "*". 0 or EBADMSG.
 */
int sip_addr_decode(struct sip_addr *a, struct pl value);
/*
 * a's display name as text, for people and programs (not for the wire, where it stays as sent): each
 * quoted-pair "\x" becomes x (RFC 3261 25.1), once, so "A \"B\"" is A "B". Into buf (always
 * NUL-terminated when sz > 0, cut at sz - 1 bytes); returns its length, 0 when a has none. The text is
 * the far end's: a quoted-pair may have made a control character or a NUL of it, so the caller cleans
 * those len bytes (text_clean) before showing or passing them on.
 */
size_t sip_addr_dname(const struct sip_addr *a, char *buf, size_t sz);
/* Decodes a Via value. 0 or EBADMSG. */
int sip_via_decode(struct sip_via *v, struct pl value);
/* Decodes "123 INVITE". 0 or EBADMSG. */
int sip_cseq_decode(struct sip_cseq *c, struct pl value);

/*
 * Parameter lists ";a=b;c;d="q v"": name lookup is case-insensitive; a flag
 * gives an empty (present) slice; a quoted value is returned with its quotes.
 * Leading ';' is optional. 0 or ENOENT.
 */
int sip_param_get(struct pl params, const char *name, struct pl *val);
/*
 * Iterates parameters: *it starts as the list; each call yields the next name
 * and value (val absent for a flag) and advances *it. 0, ENOENT at the end,
 * EBADMSG on a malformed list.
 */
int sip_param_next(struct pl *it, struct pl *name, struct pl *val);

struct sip_msg;

/*
 * Decodes one whole message (a datagram). The bytes are copied once into the
 * message, which owns them; all slices point into that copy. The body is
 * Content-Length bytes (EBADMSG if fewer are present; extra bytes are ignored);
 * without Content-Length the rest of the datagram is the body.
 * 0, EBADMSG (malformed), ENOMEM, EINVAL.
 */
int sip_msg_decode(struct sip_msg **mp, const void *buf, size_t len);
/*
 * As sip_msg_decode, but when the message is malformed yet its start line,
 * Via, From, To, Call-ID and CSeq could be read, still gives a message (for
 * building a 400) and stores the strict error in *errp (0 if fully valid).
 * Returns EBADMSG (no message) if even those could not be read.
 */
int sip_msg_decode_lenient(struct sip_msg **mp, const void *buf, size_t len, int *errp);
void sip_msg_free(struct sip_msg *m);

bool sip_msg_is_request(const struct sip_msg *m);
/* Request: method slice and id. */
struct pl sip_msg_method(const struct sip_msg *m);
enum sip_method sip_msg_method_id(const struct sip_msg *m);
/* Request-URI (NULL for responses and for schemes other than sip/sips/tel). */
const struct sip_uri *sip_msg_ruri(const struct sip_msg *m);
/* Request-URI text of any scheme (absent for responses). */
struct pl sip_msg_ruri_raw(const struct sip_msg *m);
/* Response: status code (0 for requests) and reason phrase. */
uint16_t sip_msg_status(const struct sip_msg *m);
struct pl sip_msg_reason(const struct sip_msg *m);

/* All headers in order: index 0..count-1, NULL past the end. */
size_t sip_msg_hdr_count(const struct sip_msg *m);
const struct sip_hdr *sip_msg_hdr_at(const struct sip_msg *m, size_t i);
/* First header value with this id (for SIP_HDR_OTHER use sip_msg_hdr_by_name), or NULL. */
const struct sip_hdr *sip_msg_hdr(const struct sip_msg *m, enum sip_hdr_id id);
/* First header value with this name (full or compact, case-insensitive), or NULL. */
const struct sip_hdr *sip_msg_hdr_by_name(const struct sip_msg *m, const char *name);
/* Next value after prev with the same id (same name if SIP_HDR_OTHER), or NULL. */
const struct sip_hdr *sip_msg_hdr_next(const struct sip_msg *m, const struct sip_hdr *prev);
/* Raw value (whole header line) of the first header with this id, absent pl if none. */
struct pl sip_msg_hdr_raw(const struct sip_msg *m, enum sip_hdr_id id);

/* Parsed well-known headers (NULL / absent when missing). */
const struct sip_via *sip_msg_via(const struct sip_msg *m); /* top Via */
size_t sip_msg_via_count(const struct sip_msg *m);
const struct sip_via *sip_msg_via_at(const struct sip_msg *m, size_t i);
const struct sip_addr *sip_msg_from(const struct sip_msg *m);
const struct sip_addr *sip_msg_to(const struct sip_msg *m);
struct pl sip_msg_callid(const struct sip_msg *m);
const struct sip_cseq *sip_msg_cseq(const struct sip_msg *m);
size_t sip_msg_contact_count(const struct sip_msg *m);
const struct sip_addr *sip_msg_contact_at(const struct sip_msg *m, size_t i);
size_t sip_msg_route_count(const struct sip_msg *m);
const struct sip_addr *sip_msg_route_at(const struct sip_msg *m, size_t i);
size_t sip_msg_rroute_count(const struct sip_msg *m);
const struct sip_addr *sip_msg_rroute_at(const struct sip_msg *m, size_t i);
/* Numeric headers: 0 and *v, ENOENT if missing, EBADMSG if not a number. */
int sip_msg_expires(const struct sip_msg *m, uint32_t *v);
int sip_msg_min_expires(const struct sip_msg *m, uint32_t *v);
int sip_msg_max_forwards(const struct sip_msg *m, uint32_t *v);
/* Content-Type value (with params), absent if none. */
struct pl sip_msg_ctype(const struct sip_msg *m);
/* Content-Length as given (ENOENT if the header is missing). */
int sip_msg_clen(const struct sip_msg *m, uint32_t *v);
/* Message body (empty, present slice when there is none). */
struct pl sip_msg_body(const struct sip_msg *m);
/* The whole message as received (its owned copy). */
struct pl sip_msg_raw(const struct sip_msg *m);

/* Re-serializes a parsed message (canonical header names, one value per line, Content-Length recomputed). */
int sip_msg_print(struct wbuf *w, const struct sip_msg *m);
/*
 * Prints a response to req (RFC 3261 8.2.6): all Vias, From, To (adding
 * ;tag=to_tag unless To already has a tag; to_tag NULL: a fresh random tag,
 * except on 100 Trying, as 8.2.6.2 wants one in every other response to a
 * request without a To tag), Call-ID, CSeq, then
 * extra_hdrs (CRLF-terminated lines, may be NULL), Content-Type if ctype,
 * Content-Length, body. EINVAL if req is not a request or code not 100..699.
 */
int sip_reply_print(struct wbuf *w, const struct sip_msg *req, uint16_t code, const char *reason,
		    const char *to_tag, const char *extra_hdrs, const char *ctype, const void *body,
		    size_t blen);
/* Default reason phrase for a status code ("OK", "Not Found", ...; "Unknown" otherwise). */
const char *sip_reason_phrase(uint16_t code);

/*
 * Finds Content-Length in a header block not parsed yet (the start line, which never matches, may
 * be included; folded values are joined): what the stream framer (sip_stream.c) needs before the
 * body has arrived. 0 and *clen, ENOENT when there is none, EBADMSG for a bad or repeated value.
 */
int sip_msg_scan_clen(const char *hdrs, size_t len, uint32_t *clen);

#endif
