/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_event.c: event records and their JSON rendering. */
#include <errno.h>
#include <string.h>

#include "event.h"
#include "../tap.h"

int main(void)
{
	static struct event ev;
	char buf[512];
	size_t len = 0;

	event_init(&ev, EVENT_REGISTERED);
	event_str(&ev, "account", "alice");
	event_int(&ev, "expires", 3600);
	event_bool(&ev, "verified", true);
	event_str(&ev, "subject", "CN=\"q\\t\"\n\x01");
	is_int(event_json(&ev, buf, sizeof(buf), &len), 0, "renders");
	is_str(buf, "{\"event\":\"registered\",\"account\":\"alice\",\"expires\":3600,\"verified\":true,"
		    "\"subject\":\"CN=\\\"q\\\\t\\\"\\n\\u0001\"}",
	       "event first, fields in order, strings escaped");
	is_int(len, strlen(buf), "length reported");
	is_str(event_get_str(&ev, "account"), "alice", "lookup by key");
	is_int(event_get_int(&ev, "expires", -1), 3600, "int lookup");
	is_int(event_get_int(&ev, "nope", -1), -1, "missing key gives default");

	event_init(&ev, EVENT_WARNING);
	event_str(&ev, "u", "caf\xc3\xa9 \xff\xfe \xe2\x82");
	event_json(&ev, buf, sizeof(buf), NULL);
	is_str(buf, "{\"event\":\"warning\",\"u\":\"caf\xc3\xa9 \\ufffd\\ufffd \\ufffd\\ufffd\"}",
	       "valid UTF-8 kept, invalid bytes become U+FFFD");

	is_int(event_json(&ev, buf, 10, NULL), ENOSPC, "too small a buffer is ENOSPC, not an overflow");

	event_init(&ev, EVENT_STATUS);
	for (int i = 0; i < EVENT_MAX_FIELDS + 5; i++)
		event_int(&ev, "k", i);
	ok(ev.truncated && ev.n == EVENT_MAX_FIELDS, "field overflow marks the event truncated");
	{
		static char huge[EVENT_ARENA * 2];
		memset(huge, 'a', sizeof(huge) - 1);
		event_init(&ev, EVENT_STATUS);
		event_str(&ev, "a", "1");
		event_str(&ev, "h", huge);
		ok(ev.truncated && ev.n == 1, "oversized string dropped, earlier fields kept");
	}
	{
		/* a far end's Reason/Warning: printable ASCII kept, the rest shown as '?', length capped */
		static const char hostile[] = "SIP;cause=480;text=\"a\x1b[2J\r\nb\x7f\xc2\x9b\"";
		static char longer[EVENT_UNTRUSTED_MAX * 3];
		char out[16];

		event_init(&ev, EVENT_ENDED);
		event_str_untrusted(&ev, "remote_reason", hostile, sizeof(hostile) - 1);
		is_str(event_get_str(&ev, "remote_reason"), "SIP;cause=480;text=\"a?[2J??b???\"",
		       "untrusted text: escape, CR, LF, DEL and non-ASCII bytes become '?'");
		memset(longer, 'x', sizeof(longer) - 1);
		event_str_untrusted(&ev, "remote_warning", longer, sizeof(longer) - 1);
		is_int((long long)strlen(event_get_str(&ev, "remote_warning")), EVENT_UNTRUSTED_MAX,
		       "untrusted text: cut to EVENT_UNTRUSTED_MAX");
		ok(strstr(event_get_str(&ev, "remote_warning"), "xxx...") != NULL, "... and the cut is marked");
		event_str_untrusted(&ev, "empty", "", 0);
		ok(event_get(&ev, "empty") == NULL, "untrusted text: nothing added for an empty value");
		event_clean_text(out, sizeof(out), "0123456789abcdefghij", 20);
		is_str(out, "0123456789ab...", "clean into a small buffer: cut and marked, NUL-terminated");
	}
	{
		/*
		 * The names scripts read in "event", pinned: a kind renamed in the code keeps its name
		 * here, and a name changed in event.c fails this. Every kind has one, none twice.
		 */
		static const char *const want[EVENT_KIND_COUNT] = {
			"registering", "registered", "registration_failed", "unregistered", "status", "error",
			"incoming", "ringing", "progress", "established", "security", "dtmf", "hold", "mute",
			"warning", "call", "ended", "help", "demo", "history", "missed", "mwi", "transfer",
			"network", "device", "audio",
		};
		int bad = 0, dup = 0;

		for (int k = 0; k < EVENT_KIND_COUNT; k++) {
			if (!want[k] || strcmp(event_kind_name((enum event_kind)k), want[k])) {
				diag("kind %d: \"%s\", want \"%s\"", k, event_kind_name((enum event_kind)k),
				     want[k] ? want[k] : "(none)");
				bad++;
			}
			for (int j = 0; j < k; j++)
				if (!strcmp(event_kind_name((enum event_kind)j), event_kind_name((enum event_kind)k)))
					dup++;
		}
		is_int(bad, 0, "every event kind has its fixed JSON name (%d kinds)", EVENT_KIND_COUNT);
		is_int(dup, 0, "... and no two kinds share one");
		is_str(event_kind_name(EVENT_KIND_COUNT), "?", "a value that is no kind: '?'");
		event_init(&ev, EVENT_ENDED);
		ok(ev.kind == EVENT_ENDED && !strcmp(ev.name, "ended"), "event_init sets the kind and its name");
		event_json(&ev, buf, sizeof(buf), NULL);
		is_str(buf, "{\"event\":\"ended\"}", "the JSON line says the name");
	}
	return tap_done();
}
