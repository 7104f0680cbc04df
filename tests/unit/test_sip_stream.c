/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_sip_stream.c: SIP message framing on streams: every byte split, keep-alives, bounds, bad input. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "sip_msg.h"
#include "sip_stream.h"
#include "sip_examples.h"
#include "../tap.h"

struct coll {
	struct sip_msg *m[8];
	int n;
	char ev[64]; /* 'P' ping, 'o' pong, 'M' message, in order */
	int nev;
};

static void on_msg(struct sip_msg *msg, void *arg)
{
	struct coll *c = arg;
	if (c->n < 8)
		c->m[c->n++] = msg;
	else
		sip_msg_free(msg);
	if (c->nev < 63)
		c->ev[c->nev++] = 'M';
}

static void on_ka(enum sip_ka kind, void *arg)
{
	struct coll *c = arg;
	if (c->nev < 63)
		c->ev[c->nev++] = kind == SIP_KA_PING ? 'P' : 'o';
}

static void coll_free(struct coll *c)
{
	for (int i = 0; i < c->n; i++)
		sip_msg_free(c->m[i]);
	memset(c, 0, sizeof(*c));
}

static bool raw_is(const struct sip_msg *m, const char *s)
{
	struct pl r = sip_msg_raw(m);
	return m && r.l == strlen(s) && memcmp(r.p, s, r.l) == 0;
}

/*
 * pre + REGISTER + mid + INVITE fed in two pieces, split at every point: the splits that do not give
 * both messages, nothing pending and exactly the events ev (the first one is told).
 */
static int every_split(const char *pre, const char *mid, const char *ev)
{
	char seq[2048];
	size_t sl = 0, pl = strlen(pre), ml = strlen(mid), l1 = strlen(reg), l2 = strlen(inv);
	struct sip_stream *s = NULL;
	struct coll c;
	int bad = 0;

	memcpy(seq + sl, pre, pl), sl += pl;
	memcpy(seq + sl, reg, l1), sl += l1;
	memcpy(seq + sl, mid, ml), sl += ml;
	memcpy(seq + sl, inv, l2), sl += l2;
	memset(&c, 0, sizeof(c));
	for (size_t k = 0; k <= sl; k++) {
		int e1, e2;

		if (sip_stream_alloc(&s, 4096)) {
			bad++;
			continue;
		}
		sip_stream_set_ka_handler(s, on_ka, &c);
		e1 = sip_stream_feed(s, seq, k, on_msg, &c);
		e2 = sip_stream_feed(s, seq + k, sl - k, on_msg, &c);
		if (e1 || e2 || c.n != 2 || !raw_is(c.m[0], reg) || !raw_is(c.m[1], inv) || c.nev != (int)strlen(ev) ||
		    memcmp(c.ev, ev, (size_t)c.nev) != 0 || sip_stream_pending(s) != 0) {
			if (!bad)
				diag("split at %zu: e=%d/%d n=%d ev=%.*s", k, e1, e2, c.n, c.nev, c.ev);
			bad++;
		}
		coll_free(&c);
		sip_stream_free(s);
	}
	return bad;
}

static void test_stream(void)
{
	char all[2048];
	size_t l1 = strlen(reg), l2 = strlen(inv);
	size_t len = 0;
	struct sip_stream *s = NULL;
	struct coll c;
	int bad = 0;

	/* keep-alive ping, REGISTER, a pong, INVITE */
	memcpy(all + len, "\r\n\r\n", 4), len += 4;
	memcpy(all + len, reg, l1), len += l1;
	memcpy(all + len, "\r\n", 2), len += 2;
	memcpy(all + len, inv, l2), len += l2;

	memset(&c, 0, sizeof(c));
	bad = every_split("\r\n\r\n", "\r\n", "oPMoM");
	ok(bad == 0, "every split point of ping+REGISTER+pong+INVITE yields the same 2 messages and events");

	ok(sip_stream_alloc(&s, 4096) == 0, "alloc");
	sip_stream_set_ka_handler(s, on_ka, &c);
	int err = 0;
	for (size_t i = 0; i < len && !err; i++)
		err = sip_stream_feed(s, all + i, 1, on_msg, &c);
	ok(err == 0 && c.n == 2 && raw_is(c.m[0], reg) && raw_is(c.m[1], inv) && memcmp(c.ev, "oPMoM", 5) == 0,
	   "one byte at a time");
	coll_free(&c);
	sip_stream_free(s);

	/* three messages in one feed, plus a partial fourth */
	ok(sip_stream_alloc(&s, 4096) == 0, "alloc");
	char three[4096];
	size_t tl = 0;
	memcpy(three + tl, reg, l1), tl += l1;
	memcpy(three + tl, inv, l2), tl += l2;
	memcpy(three + tl, reg, l1), tl += l1;
	memcpy(three + tl, inv, 20), tl += 20;
	ok(sip_stream_feed(s, three, tl, on_msg, &c) == 0 && c.n == 3, "3 whole messages from one feed");
	is_int(sip_stream_pending(s), 20, "20 bytes of the 4th pending");
	coll_free(&c);
	sip_stream_free(s);

	/* no Content-Length: malformed for streams, but the 400 can be built */
	static const char nocl[] =
		"OPTIONS sip:a@b.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bKnocl\r\nFrom: <sip:a@b.com>;tag=1\r\n"
		"To: <sip:c@d.com>\r\nCall-ID: nocl\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n\r\n";
	ok(sip_stream_alloc(&s, 4096) == 0, "alloc");
	is_int(sip_stream_feed(s, nocl, strlen(nocl), on_msg, &c), EBADMSG, "no Content-Length: EBADMSG");
	is_int(c.n, 0, "no message delivered");
	struct sip_msg *b = sip_stream_take_bad(s);
	ok(b && pl_eq_str(sip_msg_callid(b), "nocl"), "bad message available for a 400");
	ok(sip_stream_take_bad(s) == NULL, "taken once");
	sip_msg_free(b);
	is_int(sip_stream_feed(s, reg, l1, on_msg, &c), EBADMSG, "stream stays dead");
	sip_stream_free(s);

	/* Content-Length above the bound */
	static const char bigcl[] =
		"OPTIONS sip:a@b.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bKbig\r\nFrom: <sip:a@b.com>;tag=1\r\n"
		"To: <sip:c@d.com>\r\nCall-ID: big\r\nCSeq: 1 OPTIONS\r\nContent-Length: 100000\r\n\r\n";
	ok(sip_stream_alloc(&s, 4096) == 0, "alloc");
	is_int(sip_stream_feed(s, bigcl, strlen(bigcl), on_msg, &c), EMSGSIZE, "Content-Length > bound: EMSGSIZE");
	sip_stream_free(s);

	/* headers never end */
	ok(sip_stream_alloc(&s, 512) == 0, "alloc 512");
	char junk[600];
	memset(junk, 'a', sizeof(junk));
	memcpy(junk, "OPTIONS sip:a@b SIP/2.0\r\nX: ", 29);
	int e = 0;
	size_t fed = 0;
	while (!e && fed < sizeof(junk)) {
		e = sip_stream_feed(s, junk + fed, 7, on_msg, &c);
		fed += 7;
	}
	is_int(e, EMSGSIZE, "endless header block: EMSGSIZE");
	ok(fed <= 518, "error no later than the bound");
	sip_stream_free(s);

	/* a malformed message with a valid Content-Length */
	static const char mal[] = "GARBAGE\r\nContent-Length: 0\r\n\r\n";
	ok(sip_stream_alloc(&s, 4096) == 0, "alloc");
	is_int(sip_stream_feed(s, mal, strlen(mal), on_msg, &c), EBADMSG, "malformed: EBADMSG");
	ok(sip_stream_take_bad(s) == NULL, "nothing readable to answer");
	sip_stream_free(s);

	/*
	 * newlines between messages (RFC 3261 7.5: ignored before a start line; RFC 5626 4.4.1: a CRLF pair is
	 * a ping, a lone CRLF a pong): bare LFs are skipped without an event and break a pair, at every split
	 */
	{
		static const struct {
			const char *pre, *mid, *ev;
		} nl[] = {
			{ "\n", "\n\n", "MM" },
			{ "\r\n\n", "\n\r\n", "oMoM" },
			{ "\r\n\r\n\r\n", "\r\n\n\r\n", "oPoMooM" },
			{ "\n\r\n\r\n", "\r\n\r\n\n\n", "oPMoPM" },
		};
		for (size_t t = 0; t < sizeof(nl) / sizeof(nl[0]); t++)
			ok(every_split(nl[t].pre, nl[t].mid, nl[t].ev) == 0,
			   "newlines case %zu: both messages and the events %s at every split", t, nl[t].ev);
	}

	/* a bare CR between messages */
	ok(sip_stream_alloc(&s, 4096) == 0, "alloc");
	is_int(sip_stream_feed(s, "\rX", 2, on_msg, &c), EBADMSG, "CR without LF: EBADMSG");
	sip_stream_free(s);
	ok(sip_stream_alloc(&s, 8) == EINVAL, "tiny bound refused");
	sip_stream_free(NULL);
	coll_free(&c);
}

int main(void)
{
	test_stream();
	return tap_done();
}
