/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dial.c: what a person dialled (a URI, a number, a contact's name, a user) turned into the SIP URI to call, in an account's domain. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dial.h"

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

static int resolve(const char *in, const char *aor, const struct dial_contact *c, size_t n, char *out,
		   size_t outsz, unsigned depth)
{
	char scheme[8], dom[256], user[DIAL_MAX * 3];
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

int dial_resolve(const char *input, const char *aor, const struct dial_contact *contacts, size_t n, char *out,
		 size_t outsz)
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
