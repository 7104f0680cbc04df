/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_ui_dial.c: the dial line's history and completion (resolution: test_dial.c). */
#include <errno.h>
#include <string.h>

#include "tap.h"
#include "ui_dial.h"

static const struct ui_contact contacts[] = {
	{ "Bob", "sips:bob@example.org" },
	{ "bobby", "5551234" },
	{ "loop", "loop" }, /* a contact naming itself: resolved as a name, not forever */
	{ "Carol", "carol@other.example" },
};
#define NC (sizeof(contacts) / sizeof(contacts[0]))

int main(void)
{
	struct ui_hist h;

	memset(&h, 0, sizeof(h));
	ui_hist_add(&h, "bob");
	ui_hist_add(&h, "dave");
	ui_hist_add(&h, "");
	ui_hist_add(&h, "bob");
	is_int(h.n, 2, "duplicate not stored twice, empty ignored");
	is_str(ui_hist_back(&h, 0), "bob", "re-used entry moves to the newest");
	is_str(ui_hist_back(&h, 1), "dave", "older entry next");
	ok(ui_hist_back(&h, 2) == NULL, "past the oldest: NULL");
	for (int i = 0; i < UI_HIST_MAX + 5; i++) {
		char l[16];
		snprintf(l, sizeof(l), "n%d", i);
		ui_hist_add(&h, l);
	}
	is_int(h.n, UI_HIST_MAX, "history is capped");
	is_str(ui_hist_back(&h, 0), "n68", "newest kept when capped");

	memset(&h, 0, sizeof(h));
	ui_hist_add(&h, "bogus@example.net");
	is_str(ui_dial_complete("bo", contacts, NC, &h, 0), "Bob", "first completion: contact");
	is_str(ui_dial_complete("bo", contacts, NC, &h, 1), "bobby", "second: next contact");
	is_str(ui_dial_complete("bo", contacts, NC, &h, 2), "bogus@example.net", "then history");
	ok(ui_dial_complete("bo", contacts, NC, &h, 3) == NULL, "then none");
	is_str(ui_dial_complete("C", contacts, NC, &h, 0), "Carol", "case-insensitive prefix");
	ok(ui_dial_complete("zz", contacts, NC, &h, 0) == NULL, "no match");
	return tap_done();
}
