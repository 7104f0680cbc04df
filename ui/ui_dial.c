/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ui_dial.c: the dial line's history and completion (what was dialled is resolved by the core: src/dial.c, ua_resolve). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ui_dial.h"

void ui_hist_add(struct ui_hist *h, const char *line)
{
	size_t i;

	if (!line || !*line)
		return;
	for (i = 0; i < h->n; i++) {
		if (!strcmp(h->line[i], line)) {
			memmove(h->line[i], h->line[i + 1], (h->n - i - 1) * UI_LINE_MAX);
			h->n--;
			break;
		}
	}
	if (h->n == UI_HIST_MAX) {
		memmove(h->line[0], h->line[1], (UI_HIST_MAX - 1) * UI_LINE_MAX);
		h->n--;
	}
	snprintf(h->line[h->n++], UI_LINE_MAX, "%s", line);
}

const char *ui_hist_back(const struct ui_hist *h, size_t i)
{
	return i < h->n ? h->line[h->n - 1 - i] : NULL;
}

const char *ui_dial_complete(const char *prefix, const struct ui_contact *contacts, size_t n,
			     const struct ui_hist *h, size_t skip)
{
	size_t plen = strlen(prefix), i;

	for (i = 0; i < n; i++) {
		if (contacts[i].name && !strncasecmp(contacts[i].name, prefix, plen)) {
			if (!skip)
				return contacts[i].name;
			skip--;
		}
	}
	for (i = 0; h && i < h->n; i++) {
		const char *l = ui_hist_back(h, i);

		if (!strncasecmp(l, prefix, plen)) {
			if (!skip)
				return l;
			skip--;
		}
	}
	return NULL;
}
