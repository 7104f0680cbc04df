/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sip_uri.h: SIP/SIPS/tel URI parsing, printing and RFC 3261 19.1.4 comparison. */
#ifndef SPHONE_SIP_URI_H
#define SPHONE_SIP_URI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pl.h"

struct wbuf;

enum sip_uri_scheme {
	SIP_URI_SIP = 0,
	SIP_URI_SIPS,
	SIP_URI_TEL,
};

enum sip_uri_host_type {
	SIP_HOST_NONE = 0, /* tel: URIs */
	SIP_HOST_NAME,
	SIP_HOST_IPV4,
	SIP_HOST_IPV6, /* host slice is WITHOUT the brackets */
};

/*
 * A decoded URI. All slices point into the text given to sip_uri_decode and
 * are as written (still %-escaped); use sip_uri_unescape to get the bytes.
 * Absent parts have p == NULL.
 */
struct sip_uri {
	enum sip_uri_scheme scheme;
	struct pl user;     /* userinfo user part; tel: the telephone-subscriber number */
	struct pl password; /* after ':' in userinfo */
	struct pl host;     /* hostname, IPv4, or IPv6 without [] */
	enum sip_uri_host_type host_type;
	uint16_t port;      /* 0 = not given */
	struct pl params;   /* ";a=b;c" including the leading ';', or absent */
	struct pl headers;  /* "a=b&c=d" without the leading '?', or absent */
	struct pl raw;      /* the whole URI as decoded */
};

/* Parses the whole of in (no surrounding spaces or <>). 0 or EBADMSG/EINVAL. */
int sip_uri_decode(struct sip_uri *u, struct pl in);
/* Convenience for C strings (the string must outlive u). */
int sip_uri_decode_str(struct sip_uri *u, const char *s);
/*
 * Looks up URI parameter name (case-insensitive). 0 and *val set (empty slice for
 * a flag parameter such as ";lr"), or ENOENT. val may be NULL to test presence.
 */
int sip_uri_param(const struct sip_uri *u, const char *name, struct pl *val);
/* Looks up a URI header (after '?') by name (case-insensitive). 0 or ENOENT. */
int sip_uri_header(const struct sip_uri *u, const char *name, struct pl *val);
/* Prints the URI in canonical form (scheme lower case, user/host/params as written). */
int sip_uri_print(struct wbuf *w, const struct sip_uri *u);
/* Prints "host" or "[v6]" followed by ":port" if a port is set. */
int sip_uri_print_hostport(struct wbuf *w, const struct sip_uri *u);
/* RFC 3261 19.1.4 equality (tel: URIs: number and params compared after unescaping). */
bool sip_uri_equal(const struct sip_uri *a, const struct sip_uri *b);
/*
 * Decodes %XX escapes of in into out (not NUL-terminated unless room: always
 * NUL-terminates when outsz > *outlen). EBADMSG on a bad escape, ENOSPC if too small.
 */
int sip_uri_unescape(char *out, size_t outsz, struct pl in, size_t *outlen);
/* Port to use when the URI has none: 5061 for sips: or transport=tls, else 5060. */
uint16_t sip_uri_default_port(const struct sip_uri *u);

#endif
