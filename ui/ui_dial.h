/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ui_dial.h: the dial line's history and its completion from contacts and history. */
#ifndef SPHONE_UI_DIAL_H
#define SPHONE_UI_DIAL_H

#include <stdbool.h>
#include <stddef.h>

/* One [contacts] entry, for completion: "name = address". */
struct ui_contact {
	const char *name;
	const char *uri;
};

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
