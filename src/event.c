/* SPDX-License-Identifier: GPL-3.0-or-later */
/* event.c: fixed-storage event records and their JSON-lines rendering. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "event.h"

/* What scripts read in "event": fixed (test_event pins every one). */
static const char *const kind_names[] = {
	[EVENT_REGISTERING] = "registering",
	[EVENT_REGISTERED] = "registered",
	[EVENT_REGISTRATION_FAILED] = "registration_failed",
	[EVENT_UNREGISTERED] = "unregistered",
	[EVENT_STATUS] = "status",
	[EVENT_ERROR] = "error",
	[EVENT_INCOMING] = "incoming",
	[EVENT_RINGING] = "ringing",
	[EVENT_PROGRESS] = "progress",
	[EVENT_ESTABLISHED] = "established",
	[EVENT_SECURITY] = "security",
	[EVENT_DTMF] = "dtmf",
	[EVENT_HOLD] = "hold",
	[EVENT_MUTE] = "mute",
	[EVENT_WARNING] = "warning",
	[EVENT_CALL] = "call",
	[EVENT_ENDED] = "ended",
	[EVENT_HELP] = "help",
	[EVENT_DEMO] = "demo",
	[EVENT_HISTORY] = "history",
	[EVENT_MISSED] = "missed",
	[EVENT_MWI] = "mwi",
	[EVENT_TRANSFER] = "transfer",
	[EVENT_NETWORK] = "network",
	[EVENT_DEVICE] = "device",
	[EVENT_AUDIO] = "audio",
};
_Static_assert(sizeof(kind_names) / sizeof(kind_names[0]) == EVENT_KIND_COUNT,
	       "event.c: every event kind needs its name in kind_names");

const char *event_kind_name(enum event_kind kind)
{
	return (unsigned)kind < EVENT_KIND_COUNT && kind_names[kind] ? kind_names[kind] : "?";
}

void event_init(struct event *ev, enum event_kind kind)
{
	ev->n = 0;
	ev->used = 0;
	ev->truncated = false;
	ev->kind = kind;
	ev->name = event_kind_name(kind);
}

static const char *arena_dup(struct event *ev, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p;

	if (n > sizeof(ev->arena) - ev->used)
		return NULL;
	p = ev->arena + ev->used;
	memcpy(p, s, n);
	ev->used += n;
	return p;
}

static struct event_field *add(struct event *ev, const char *key, enum event_ftype t)
{
	struct event_field *f;

	if (ev->n >= EVENT_MAX_FIELDS) {
		ev->truncated = true;
		return NULL;
	}
	f = &ev->f[ev->n];
	f->key = arena_dup(ev, key);
	if (!f->key) {
		ev->truncated = true;
		return NULL;
	}
	f->type = t;
	f->s = NULL;
	f->i = 0;
	return f;
}

void event_str(struct event *ev, const char *key, const char *val)
{
	size_t mark = ev->used;
	struct event_field *f = add(ev, key, EVENT_STR);

	if (!f)
		return;
	f->s = arena_dup(ev, val ? val : "");
	if (!f->s) {
		ev->used = mark;
		ev->truncated = true;
		return;
	}
	ev->n++;
}

void event_clean_text(char *out, size_t outsz, const char *val, size_t len)
{
	size_t i, n;

	if (!out || !outsz)
		return;
	n = len < outsz - 1 ? len : outsz - 1;
	if (n > EVENT_UNTRUSTED_MAX)
		n = EVENT_UNTRUSTED_MAX;
	for (i = 0; val && i < n; i++)
		out[i] = (unsigned char)val[i] >= 0x20 && (unsigned char)val[i] < 0x7f ? val[i] : '?';
	if (val && len > n && n >= 3)
		memcpy(out + n - 3, "...", 3);
	out[val ? n : 0] = '\0';
}

void event_str_untrusted(struct event *ev, const char *key, const char *val, size_t len)
{
	char clean[EVENT_UNTRUSTED_MAX + 1];

	if (!val || !len)
		return;
	event_clean_text(clean, sizeof(clean), val, len);
	event_str(ev, key, clean);
}

void event_int(struct event *ev, const char *key, long long val)
{
	struct event_field *f = add(ev, key, EVENT_INT);

	if (!f)
		return;
	f->i = val;
	ev->n++;
}

void event_bool(struct event *ev, const char *key, bool val)
{
	struct event_field *f = add(ev, key, EVENT_BOOL);

	if (!f)
		return;
	f->i = val;
	ev->n++;
}

void event_network(struct event *ev, const char *change)
{
	event_init(ev, EVENT_NETWORK);
	event_str(ev, "change", change);
}

const struct event_field *event_get(const struct event *ev, const char *key)
{
	for (unsigned i = 0; i < ev->n; i++)
		if (strcmp(ev->f[i].key, key) == 0)
			return &ev->f[i];
	return NULL;
}

const char *event_get_str(const struct event *ev, const char *key)
{
	const struct event_field *f = event_get(ev, key);

	return f && f->type == EVENT_STR ? f->s : NULL;
}

long long event_get_int(const struct event *ev, const char *key, long long dflt)
{
	const struct event_field *f = event_get(ev, key);

	return f && f->type != EVENT_STR ? f->i : dflt;
}

static int put(char *dst, size_t dstsz, size_t *pos, const char *s, size_t n)
{
	if (n >= dstsz - *pos)
		return ENOSPC;
	memcpy(dst + *pos, s, n);
	*pos += n;
	dst[*pos] = '\0';
	return 0;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not valid. */
static size_t utf8_len(const unsigned char *s, size_t left)
{
	unsigned c = s[0];
	size_t n;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

int json_escape(char *dst, size_t dstsz, size_t *pos, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	char tmp[8];
	int err = 0;

	for (size_t i = 0; i < len && !err;) {
		unsigned c = u[i];
		size_t n;

		switch (c) {
		case '"': err = put(dst, dstsz, pos, "\\\"", 2); i++; continue;
		case '\\': err = put(dst, dstsz, pos, "\\\\", 2); i++; continue;
		case '\n': err = put(dst, dstsz, pos, "\\n", 2); i++; continue;
		case '\r': err = put(dst, dstsz, pos, "\\r", 2); i++; continue;
		case '\t': err = put(dst, dstsz, pos, "\\t", 2); i++; continue;
		default: break;
		}
		if (c < 0x20 || c == 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\u%04x", c);
			err = put(dst, dstsz, pos, tmp, 6);
			i++;
			continue;
		}
		n = utf8_len(u + i, len - i);
		if (n == 0) {
			err = put(dst, dstsz, pos, "\\ufffd", 6);
			i++;
			continue;
		}
		err = put(dst, dstsz, pos, s + i, n);
		i += n;
	}
	return err;
}

int event_json(const struct event *ev, char *buf, size_t sz, size_t *len)
{
	size_t pos = 0;
	char num[32];
	int err;

	if (sz == 0)
		return ENOSPC;
	buf[0] = '\0';
	err = put(buf, sz, &pos, "{\"event\":\"", 10);
	if (!err)
		err = json_escape(buf, sz, &pos, ev->name, strlen(ev->name));
	if (!err)
		err = put(buf, sz, &pos, "\"", 1);
	for (unsigned i = 0; i < ev->n && !err; i++) {
		const struct event_field *f = &ev->f[i];

		err = put(buf, sz, &pos, ",\"", 2);
		if (!err)
			err = json_escape(buf, sz, &pos, f->key, strlen(f->key));
		if (!err)
			err = put(buf, sz, &pos, "\":", 2);
		if (err)
			break;
		switch (f->type) {
		case EVENT_STR:
			err = put(buf, sz, &pos, "\"", 1);
			if (!err)
				err = json_escape(buf, sz, &pos, f->s, strlen(f->s));
			if (!err)
				err = put(buf, sz, &pos, "\"", 1);
			break;
		case EVENT_INT:
			snprintf(num, sizeof(num), "%lld", f->i);
			err = put(buf, sz, &pos, num, strlen(num));
			break;
		case EVENT_BOOL:
			err = f->i ? put(buf, sz, &pos, "true", 4) : put(buf, sz, &pos, "false", 5);
			break;
		}
	}
	if (!err && ev->truncated)
		err = put(buf, sz, &pos, ",\"truncated\":true", 17);
	if (!err)
		err = put(buf, sz, &pos, "}", 1);
	if (err)
		return err;
	if (len)
		*len = pos;
	return 0;
}
