/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ui_dial.h: what the user typed on the dial line turned into a SIP URI; dial history and completion. */
#ifndef SPHONE_UI_DIAL_H
#define SPHONE_UI_DIAL_H

#include <stdbool.h>
#include <stddef.h>

/* One [contacts] entry: "name = uri". */
struct ui_contact {
	const char *name;
	const char *uri;
};

/*
 * Resolves input against the account's address of record (e.g.
 * "sips:alice@example.com"):
 *  - "sip:..." / "sips:..." is taken as it is; "tel:NUMBER" is dialled as NUMBER;
 *  - a contact's name (case-insensitive) gives the contact's URI (resolved in turn);
 *  - "user@host" gets the account's scheme;
 *  - a number ("+1 (555) 010-99", "*97", "#1") loses its separators and gets
 *    the account's scheme and domain: "sips:+155501099@example.com";
 *  - any other name ("bob") gets the account's scheme and domain.
 * 0; EINVAL (empty input, a character not allowed in a user part, or an
 * account URI without a domain); ENOSPC (out too small). out is written only on success.
 */
int ui_dial_resolve(const char *input, const char *aor, const struct ui_contact *contacts, size_t n,
		    char *out, size_t outsz);

#define UI_HIST_MAX 64
#define UI_LINE_MAX 256

/* Most recent last; duplicates move to the end. */
struct ui_hist {
	char line[UI_HIST_MAX][UI_LINE_MAX];
	size_t n;
};

void ui_hist_add(struct ui_hist *h, const char *line);
/* Entry i counted back from the most recent (0 = newest); NULL when out of range. */
const char *ui_hist_back(const struct ui_hist *h, size_t i);

/*
 * Completes prefix (case-insensitive) from contact names, then from history,
 * skipping the first `skip` matches (press Tab again for the next). Returns
 * the completion or NULL when there are no more.
 */
const char *ui_dial_complete(const char *prefix, const struct ui_contact *contacts, size_t n,
			     const struct ui_hist *h, size_t skip);

#endif
