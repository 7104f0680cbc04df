/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sip_lex.h: RFC 3261 25.1's character classes and the whitespace and quoted-string rules, for the files
 * of sip/ that parse messages (sip_msg.c: the message, sip_hdr.c: parameters and structured values). */
#ifndef SPHONE_SIP_LEX_H
#define SPHONE_SIP_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "sip_msg.h"

/* ---- character classes (RFC 3261 25.1) ---- */

static inline bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_token(char c)
{
	return is_alnum(c) || (c && strchr("-.!%*_+`'~", c));
}

static inline bool is_word(char c)
{
	return is_token(c) || (c && strchr("()<>:\\\"/[]?{}", c));
}

static inline bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static inline bool all_token(struct pl s)
{
	if (!s.p || s.l == 0)
		return false;
	for (size_t i = 0; i < s.l; i++)
		if (!is_token(s.p[i]))
			return false;
	return true;
}

static inline struct pl skip_ws(struct pl s)
{
	while (s.l && is_ws(s.p[0])) {
		s.p++;
		s.l--;
	}
	return s;
}

static inline struct pl trim_ws(struct pl s)
{
	s = skip_ws(s);
	while (s.l && is_ws(s.p[s.l - 1]))
		s.l--;
	return s;
}

/*
 * Length of the quoted string starting at s.p[0] == '"', including both
 * quotes, or 0 if it is unterminated or holds a forbidden byte.
 * quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F); qdtext excludes CTLs but
 * allows UTF-8 bytes >= 0x80.
 */
static inline size_t quoted_len(struct pl s)
{
	for (size_t i = 1; i < s.l; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c == '"')
			return i + 1;
		if (c == '\\') {
			if (i + 1 >= s.l)
				return 0;
			unsigned char n = (unsigned char)s.p[i + 1];
			if (n == '\r' || n == '\n' || n > 0x7f)
				return 0;
			i++;
			continue;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 0;
	}
	return 0;
}

/* A Request-URI or name-addr's URI: sip:/sips:/tel: decoded into u (*known true), any other absoluteURI
 * checked and kept raw (*known false). sip_hdr.c. */
int sip_any_uri_decode(struct sip_uri *u, bool *known, struct pl s);

#endif
