/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dial.h: what a person dialled turned into the SIP URI to call, in an account's domain (ua_resolve's rules). */
#ifndef SPHONE_DIAL_H
#define SPHONE_DIAL_H

#include <stddef.h>

#define DIAL_MAX 256 /* the longest input (and user part) taken */

/* One [contacts] entry: "name = address". */
struct dial_contact {
	const char *name;
	const char *uri;
};

/*
 * Resolves input against the account's address of record (e.g.
 * "sips:alice@example.com"):
 *  - "sip:..." / "sips:..." is taken as it is; "tel:NUMBER" is dialled as NUMBER;
 *  - a contact's name (case-insensitive) gives the contact's address (resolved in turn);
 *  - "user@host" gets the account's scheme;
 *  - a number ("+1 (555) 010-99", "*97", "#1") loses its separators and gets
 *    the account's scheme and domain: "sips:+155501099@example.com";
 *  - any other name ("bob") gets the account's scheme and domain.
 * 0; EINVAL (empty input, a character not allowed in a user part, or an
 * account URI without a domain); ENOSPC (out too small). out is written only on success.
 */
int dial_resolve(const char *input, const char *aor, const struct dial_contact *contacts, size_t n, char *out,
		 size_t outsz);

#endif
