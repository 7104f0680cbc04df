/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pl.c: helpers for pointer+length slices. */
#include <errno.h>
#include <string.h>

#include "pl.h"

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

void pl_set_str(struct pl *pl, const char *s)
{
	if (!pl)
		return;
	pl->p = s;
	pl->l = s ? strlen(s) : 0;
}

struct pl pl_str(const char *s)
{
	struct pl pl;
	pl_set_str(&pl, s);
	return pl;
}

bool pl_isset(struct pl pl)
{
	return pl.p != NULL;
}

bool pl_eq(struct pl a, struct pl b)
{
	if (!a.p || !b.p)
		return !a.p && !b.p;
	return a.l == b.l && (a.l == 0 || memcmp(a.p, b.p, a.l) == 0);
}

bool pl_eq_ci(struct pl a, struct pl b)
{
	if (!a.p || !b.p)
		return !a.p && !b.p;
	if (a.l != b.l)
		return false;
	for (size_t i = 0; i < a.l; i++)
		if (lower((unsigned char)a.p[i]) != lower((unsigned char)b.p[i]))
			return false;
	return true;
}

bool pl_eq_str(struct pl a, const char *s)
{
	if (!a.p || !s)
		return false;
	return pl_eq(a, pl_str(s));
}

bool pl_eq_case(struct pl a, const char *s)
{
	if (!a.p || !s)
		return false;
	return pl_eq_ci(a, pl_str(s));
}

int pl_to_u32(struct pl pl, uint32_t *v)
{
	uint64_t n = 0;

	if (!pl.p || pl.l == 0)
		return EINVAL;
	for (size_t i = 0; i < pl.l; i++) {
		char c = pl.p[i];
		if (c < '0' || c > '9')
			return EINVAL;
		n = n * 10 + (uint64_t)(c - '0');
		if (n > UINT32_MAX)
			return ERANGE;
	}
	if (v)
		*v = (uint32_t)n;
	return 0;
}

int pl_to_u64(struct pl pl, size_t maxdigits, uint64_t *v)
{
	uint64_t n = 0;

	if (!pl.p || pl.l == 0 || pl.l > maxdigits || (v && pl.l > 19))
		return EINVAL;
	for (size_t i = 0; i < pl.l; i++) {
		if (pl.p[i] < '0' || pl.p[i] > '9')
			return EINVAL;
		n = n * 10 + (uint64_t)(pl.p[i] - '0');
	}
	if (v)
		*v = n;
	return 0;
}

int pl_strdup(char *buf, size_t sz, struct pl pl)
{
	if (!buf)
		return EINVAL;
	if (pl.l >= sz)
		return ENOSPC;
	if (pl.l)
		memcpy(buf, pl.p, pl.l);
	buf[pl.l] = '\0';
	return 0;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct pl pl_trim(struct pl pl)
{
	if (!pl.p)
		return pl;
	while (pl.l && is_ws(pl.p[0])) {
		pl.p++;
		pl.l--;
	}
	while (pl.l && is_ws(pl.p[pl.l - 1]))
		pl.l--;
	return pl;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

struct pl pl_token(struct pl *rest)
{
	size_t i = 0, j;
	struct pl t;

	if (!rest || !rest->p)
		return PL_NULL;
	while (i < rest->l && is_blank(rest->p[i]))
		i++;
	j = i;
	while (j < rest->l && !is_blank(rest->p[j]))
		j++;
	t.p = rest->p + i;
	t.l = j - i;
	while (j < rest->l && is_blank(rest->p[j]))
		j++;
	rest->p += j;
	rest->l -= j;
	return t;
}

long pl_chr(struct pl pl, char c)
{
	if (!pl.p || pl.l == 0)
		return -1;
	const char *q = memchr(pl.p, c, pl.l);
	return q ? (long)(q - pl.p) : -1;
}

struct pl pl_sub(struct pl pl, size_t off, size_t len)
{
	struct pl r;

	if (!pl.p)
		return pl;
	if (off > pl.l)
		off = pl.l;
	if (len > pl.l - off)
		len = pl.l - off;
	r.p = pl.p + off;
	r.l = len;
	return r;
}
