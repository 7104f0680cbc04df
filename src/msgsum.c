/* SPDX-License-Identifier: GPL-3.0-or-later */
/* msgsum.c: RFC 3842 message-summary parser: bounded, no allocation, strict where counts are concerned. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "msgsum.h"
#include "pl.h"

#define LINE_MAX_LEN 1024

static const char *const other_classes[] = {
	"fax-message", "pager-message", "multimedia-message", "text-message", "none", NULL,
};

/* A count: 1-6 digits. */
static int count(struct pl *p, unsigned *v)
{
	unsigned n = 0;
	size_t i = 0;

	while (i < p->l && p->p[i] >= '0' && p->p[i] <= '9') {
		n = n * 10 + (unsigned)(p->p[i] - '0');
		if (++i > 6)
			return EBADMSG;
	}
	if (!i || n > MSGSUM_MAX_COUNT)
		return EBADMSG;
	*v = n;
	p->p += i;
	p->l -= i;
	return 0;
}

static void skip_ws(struct pl *p)
{
	while (p->l && (*p->p == ' ' || *p->p == '\t')) {
		p->p++;
		p->l--;
	}
}

static bool eat(struct pl *p, char c)
{
	skip_ws(p);
	if (!p->l || *p->p != c)
		return false;
	p->p++;
	p->l--;
	skip_ws(p);
	return true;
}

/* "new/old" and optionally " (new-urgent/old-urgent)", nothing after. */
static int counts(struct pl v, struct msgsum_counts *c)
{
	struct msgsum_counts r = { .present = true };

	skip_ws(&v);
	if (count(&v, &r.new_msgs) || !eat(&v, '/') || count(&v, &r.old_msgs))
		return EBADMSG;
	skip_ws(&v);
	if (v.l) {
		if (!eat(&v, '(') || count(&v, &r.new_urgent) || !eat(&v, '/') || count(&v, &r.old_urgent) ||
		    !eat(&v, ')'))
			return EBADMSG;
	}
	if (v.l)
		return EBADMSG;
	*c = r;
	return 0;
}

static void add(struct msgsum_counts *sum, const struct msgsum_counts *c)
{
	/* each at most MSGSUM_MAX_COUNT, at most five classes: no overflow */
	sum->present = true;
	sum->new_msgs += c->new_msgs;
	sum->old_msgs += c->old_msgs;
	sum->new_urgent += c->new_urgent;
	sum->old_urgent += c->old_urgent;
}

/* Splits "name : value"; false when there is no colon or no name. */
static bool header(struct pl line, struct pl *name, struct pl *val)
{
	long c = pl_chr(line, ':');

	if (c <= 0)
		return false;
	*name = pl_trim(pl_sub(line, 0, (size_t)c));
	*val = pl_trim(pl_sub(line, (size_t)c + 1, line.l - (size_t)c - 1));
	return name->l > 0;
}

int msgsum_parse(const char *body, size_t len, struct msgsum *s)
{
	struct pl rest = { body, len }, line, name, val;
	bool first = true, voice_seen = false;
	bool seen_other[sizeof(other_classes) / sizeof(other_classes[0])] = { false };
	struct msgsum r;

	if (!body || !s || len > MSGSUM_MAX_BODY)
		return EBADMSG;
	memset(&r, 0, sizeof(r));
	while (rest.l) {
		long nl = pl_chr(rest, '\n');
		size_t ll = nl < 0 ? rest.l : (size_t)nl;

		line = pl_sub(rest, 0, ll);
		rest = pl_sub(rest, nl < 0 ? rest.l : ll + 1, rest.l);
		if (line.l && line.p[line.l - 1] == '\r')
			line.l--;
		if (first) {
			if (!header(line, &name, &val) || !pl_eq_case(name, "Messages-Waiting"))
				return EBADMSG;
			if (pl_eq_case(val, "yes"))
				r.waiting = true;
			else if (!pl_eq_case(val, "no"))
				return EBADMSG;
			first = false;
			continue;
		}
		/* the empty line: what follows are extension headers (opt-msg-headers), not ours */
		if (!line.l)
			break;
		if (line.l > LINE_MAX_LEN || !header(line, &name, &val))
			continue;
		if (pl_eq_case(name, "Message-Account")) {
			if (!r.account[0] && val.l < sizeof(r.account)) {
				for (size_t i = 0; i < val.l; i++)
					if ((unsigned char)val.p[i] < 0x21 || (unsigned char)val.p[i] > 0x7e)
						goto next;
				pl_strdup(r.account, sizeof(r.account), val);
			}
			continue;
		}
		if (pl_eq_case(name, "Voice-Message")) {
			if (voice_seen)
				continue;
			if (counts(val, &r.voice))
				return EBADMSG;
			voice_seen = true;
			continue;
		}
		for (size_t k = 0; other_classes[k]; k++) {
			struct msgsum_counts c;
			if (!pl_eq_case(name, other_classes[k]) || seen_other[k])
				continue;
			if (counts(val, &c))
				return EBADMSG;
			add(&r.other, &c);
			seen_other[k] = true;
		}
	next:;
	}
	if (first)
		return EBADMSG;
	*s = r;
	return 0;
}
