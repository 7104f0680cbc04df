/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_dial.c: what a person dialled resolved against the account's domain and the contacts (ua_resolve's rules). */
#include <errno.h>
#include <string.h>

#include "dial.h"
#include "tap.h"

static const struct dial_contact contacts[] = {
	{ "Bob", "sips:bob@example.org" },
	{ "bobby", "5551234" },
	{ "loop", "loop" }, /* a contact naming itself: resolved as a name, not forever */
	{ "Carol", "carol@other.example" },
};
#define NC (sizeof(contacts) / sizeof(contacts[0]))

static const char *res(const char *in, const char *aor)
{
	static char out[256];

	strcpy(out, "(untouched)");
	if (dial_resolve(in, aor, contacts, NC, out, sizeof(out)))
		return "(error)";
	return out;
}

int main(void)
{
	const char *aor = "sips:alice@example.com";
	char small[12] = "keep";

	is_str(res("sips:x@y.z", aor), "sips:x@y.z", "sips: URI taken as is");
	is_str(res("sip:x@y.z;transport=tls", aor), "sip:x@y.z;transport=tls", "sip: URI taken as is");
	is_str(res("SIPS:x@y.z", aor), "SIPS:x@y.z", "scheme is case-insensitive");
	is_str(res("bob", aor), "sips:bob@example.org", "contact name, case-insensitive");
	is_str(res("BOB  ", aor), "sips:bob@example.org", "trailing blanks ignored");
	is_str(res("bobby", aor), "sips:5551234@example.com", "contact holding a number is resolved in turn");
	is_str(res("loop", aor), "sips:loop@example.com", "self-referencing contact ends as a name");
	is_str(res("carol", aor), "sips:carol@other.example", "contact user@host gets the account's scheme");
	is_str(res("dave", aor), "sips:dave@example.com", "bare name gets scheme and domain");
	is_str(res("dave", "sip:alice@example.com"), "sip:dave@example.com", "sip: account gives sip:");
	is_str(res("+1 (555) 010-99", aor), "sips:+155501099@example.com", "number loses separators");
	is_str(res("tel:+1-555-0100", aor), "sips:+15550100@example.com", "tel: number");
	is_str(res("tel:+1555;phone-context=x", aor), "(error)", "tel: with parameters refused");
	is_str(res("*97", aor), "sips:*97@example.com", "star code");
	is_str(res("#1", aor), "sips:%231@example.com", "# is escaped in the user part");
	is_str(res("dave@host.example:5061", aor), "sips:dave@host.example:5061", "user@host:port");
	is_str(res("x", "sips:alice@example.com:5061;transport=tls"), "sips:x@example.com:5061",
	       "domain keeps the port, drops parameters");
	is_str(res("x", "<sips:alice@example.com>"), "(error)", "AOR must be a bare URI");
	is_str(res("x", "sips:example.com"), "sips:x@example.com", "AOR without user part");
	is_str(res("", aor), "(error)", "empty input refused");
	is_str(res("   ", aor), "(error)", "blank input refused");
	is_str(res("two words", aor), "(error)", "space inside a name refused");
	is_str(res("a<b", aor), "(error)", "'<' refused");
	is_str(res("bob", NULL), "sips:bob@example.org", "contact needs no account");
	is_str(res("dave", NULL), "(error)", "name without an account domain refused");
	is_int(dial_resolve("dave", aor, NULL, 0, small, sizeof(small)), ENOSPC, "small buffer: ENOSPC");
	is_str(small, "keep", "out untouched on failure");

	return tap_done();
}
