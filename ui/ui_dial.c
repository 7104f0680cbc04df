/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ui_dial.c: dial-line input resolved to SIP URIs against the account's domain; history and completion. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ui_dial.h"

static bool has_scheme(const char *s)
{
	return !strncasecmp(s, "sip:", 4) || !strncasecmp(s, "sips:", 5);
}

/* Scheme ("sip" or "sips") and domain (host[:port]) of an AOR such as "sips:alice@example.com;x=y". */
static int aor_parts(const char *aor, char *scheme, size_t ssz, char *dom, size_t dsz)
{
	const char *p, *at, *end;
	size_t n;

	if (!aor)
		return EINVAL;
	if (!strncasecmp(aor, "sips:", 5)) {
		snprintf(scheme, ssz, "sips");
		p = aor + 5;
	} else if (!strncasecmp(aor, "sip:", 4)) {
		snprintf(scheme, ssz, "sip");
		p = aor + 4;
	} else {
		return EINVAL;
	}
	end = p + strcspn(p, ";?>");
	at = memchr(p, '@', (size_t)(end - p));
	if (at)
		p = at + 1;
	n = (size_t)(end - p);
	if (!n || n >= dsz)
		return EINVAL;
	memcpy(dom, p, n);
	dom[n] = '\0';
	return 0;
}

/* RFC 3261 user part characters that need no escaping. */
static bool user_char(int c)
{
	return isalnum(c) || (c && strchr("-_.!~*'()&=+$,;?/", c));
}

static bool is_number(const char *s)
{
	bool digit = false;

	for (; *s; s++) {
		if (isdigit((unsigned char)*s))
			digit = true;
		else if (!strchr("+*# -.()", *s))
			return false;
	}
	return digit;
}

static int put(char *out, size_t outsz, const char *scheme, const char *user, const char *dom)
{
	int n = snprintf(out, outsz, "%s:%s%s%s", scheme, user, *user && dom ? "@" : "", dom ? dom : "");

	return n < 0 || (size_t)n >= outsz ? ENOSPC : 0;
}

static int resolve(const char *in, const char *aor, const struct ui_contact *c, size_t n, char *out,
		   size_t outsz, unsigned depth)
{
	char scheme[8], dom[256], user[UI_LINE_MAX * 3];
	size_t i, u = 0;
	const char *s;

	while (*in == ' ' || *in == '\t')
		in++;
	if (!*in)
		return EINVAL;
	if (has_scheme(in)) {
		if (strlen(in) >= outsz)
			return ENOSPC;
		snprintf(out, outsz, "%s", in);
		return 0;
	}
	for (i = 0; depth < 4 && i < n; i++)
		if (c[i].name && c[i].uri && !strcasecmp(c[i].name, in))
			return resolve(c[i].uri, aor, c, n, out, outsz, depth + 1);
	if (aor_parts(aor, scheme, sizeof(scheme), dom, sizeof(dom)))
		return EINVAL;
	if (!strncasecmp(in, "tel:", 4)) {
		in += 4;
		if (!is_number(in) || strchr(in, ';'))
			return EINVAL;
	}
	if (strchr(in, '@')) {
		for (s = in; *s; s++)
			if (*s != '@' && *s != '.' && *s != ':' && *s != '[' && *s != ']' && !user_char((unsigned char)*s))
				return EINVAL;
		return put(out, outsz, scheme, in, NULL);
	}
	if (is_number(in)) {
		for (s = in; *s && u + 4 < sizeof(user); s++) {
			if (*s == '#') {
				memcpy(user + u, "%23", 3);
				u += 3;
			} else if (!strchr(" -.()", *s)) {
				user[u++] = *s;
			}
		}
		user[u] = '\0';
		return put(out, outsz, scheme, user, dom);
	}
	for (s = in; *s; s++)
		if (!user_char((unsigned char)*s))
			return EINVAL;
	if (strlen(in) >= sizeof(user))
		return ENOSPC;
	return put(out, outsz, scheme, in, dom);
}

int ui_dial_resolve(const char *input, const char *aor, const struct ui_contact *contacts, size_t n,
		    char *out, size_t outsz)
{
	char tmp[1024];
	size_t len;
	int e;

	if (!input || !out || !outsz)
		return EINVAL;
	len = strlen(input);
	while (len && (input[len - 1] == ' ' || input[len - 1] == '\t'))
		len--;
	if (len >= sizeof(tmp))
		return ENOSPC;
	memcpy(tmp, input, len);
	tmp[len] = '\0';
	{
		char res[1024];

		e = resolve(tmp, aor, contacts, n, res, sizeof(res), 0);
		if (e)
			return e;
		if (strlen(res) >= outsz)
			return ENOSPC;
		memcpy(out, res, strlen(res) + 1);
	}
	return 0;
}

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
