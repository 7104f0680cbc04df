/* SPDX-License-Identifier: GPL-3.0-or-later */
/* event.h: user-agent events as ordered key/value records, rendered as JSON lines for scripts. */
#ifndef SPHONE_EVENT_H
#define SPHONE_EVENT_H

#include <stdbool.h>
#include <stddef.h>

#define EVENT_MAX_FIELDS 64
#define EVENT_ARENA 8192

/*
 * What an event is. Producers and consumers use the kind; the name is what the JSON lines say in
 * "event", which scripts read: it never changes (event_kind_name, pinned by test_event). New kinds
 * go at the end, before EVENT_KIND_COUNT: the tables indexed by kind (event.c's names, ui_model.c's
 * handlers) are sized by it and fail to compile until they have an entry for the new one.
 */
enum event_kind {
	EVENT_REGISTERING,         /* reg.c: an account's registration */
	EVENT_REGISTERED,
	EVENT_REGISTRATION_FAILED,
	EVENT_UNREGISTERED,
	EVENT_STATUS,              /* ua.c: one account's state, on request */
	EVENT_ERROR,               /* ua_cmd.c and the front ends: a command that could not run */
	EVENT_INCOMING,            /* call.c and its files: every one carries "call" (the id) */
	EVENT_RINGING,
	EVENT_PROGRESS,
	EVENT_ESTABLISHED,
	EVENT_SECURITY,
	EVENT_DTMF,
	EVENT_HOLD,
	EVENT_MUTE,
	EVENT_WARNING,
	EVENT_CALL,
	EVENT_ENDED,
	EVENT_HELP,                /* ui_headless.c: the commands */
	EVENT_DEMO,                /* demo.c: the demo call's verdict */
	EVENT_HISTORY,             /* ua_history.c: one call of the history (on request, and as each call ends) */
	EVENT_MISSED,              /* ua_history.c: how many missed calls are new (not yet seen) */
	EVENT_MWI,                 /* mwi.c: an account's voicemail indicator */
	EVENT_TRANSFER,            /* call_xfer.c: a transfer's steps (REFER, its NOTIFYs, Replaces) */
	EVENT_NETWORK,             /* event_network: the network under an account or a call changed (ua_net.c, STUN) */
	EVENT_DEVICE,              /* ua_audio.c: one sound device of the list (the "devices" command) */
	EVENT_AUDIO,               /* ua_audio.c: the devices in use (after the list, a switch, on request) */
	EVENT_KIND_COUNT
};

/* The kind's name in the JSON lines ("?" for a value that is no kind). */
const char *event_kind_name(enum event_kind kind);

enum event_ftype { EVENT_STR, EVENT_INT, EVENT_BOOL };

struct event_field {
	const char *key;        /* points into the arena */
	enum event_ftype type;
	const char *s;          /* EVENT_STR: points into the arena */
	long long i;            /* EVENT_INT, EVENT_BOOL */
};

/*
 * One event: its kind (and name) and fields in the order added.
 * Fixed storage, no allocation; a field that doesn't fit sets `truncated`
 * (rendered as "truncated": true) rather than failing the event.
 */
struct event {
	enum event_kind kind;
	const char *name; /* event_kind_name(kind) */
	unsigned n;
	bool truncated;
	struct event_field f[EVENT_MAX_FIELDS];
	size_t used;
	char arena[EVENT_ARENA];
};

void event_init(struct event *ev, enum event_kind kind);
void event_str(struct event *ev, const char *key, const char *val);
void event_int(struct event *ev, const char *key, long long val);
void event_bool(struct event *ev, const char *key, bool val);
/*
 * A "network" event: what changed under the phone, in "change" (address_lost, address_changed,
 * flow_recovered, call_moved, and STUN's kinds); the emitter adds account, call and addresses. Every
 * producer builds it here, so that the kind and its first field are one thing, documented once
 * (README, Events).
 */
void event_network(struct event *ev, const char *change);
/*
 * A string the far end wrote (a Reason or Warning header): len bytes kept only as printable ASCII,
 * anything else (control characters, escape sequences, DEL, bytes of 0x80 and up) shown as '?', cut
 * to EVENT_UNTRUSTED_MAX characters (the last three "..." when cut), so that no peer can paint a terminal or
 * flood a log through a front end. Nothing is added for len 0.
 */
#define EVENT_UNTRUSTED_MAX 200
void event_str_untrusted(struct event *ev, const char *key, const char *val, size_t len);
/* The same cleaning into out (outsz bytes, always NUL-terminated), for text built around it. */
void event_clean_text(char *out, size_t outsz, const char *val, size_t len);

/* Lookup for front ends; NULL / false when absent. */
const struct event_field *event_get(const struct event *ev, const char *key);
const char *event_get_str(const struct event *ev, const char *key);
long long event_get_int(const struct event *ev, const char *key, long long dflt);

/* One JSON object on one line, "event" first, no trailing newline. 0 or ENOSPC. */
int event_json(const struct event *ev, char *buf, size_t sz, size_t *len);

/* JSON string escaping of len bytes (invalid UTF-8 becomes U+FFFD). 0 or ENOSPC. */
int json_escape(char *dst, size_t dstsz, size_t *pos, const char *s, size_t len);

#endif
