/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_zrtp.c: ZRTP engines in one process over a simulated wire (loss, reordering, silence, a man in the
 * middle): equal SAS and crosswise keys per algorithm, a=zrtp-hash checks, the retained-secret cache. */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rtp.h"
#include "srtp.h"
#include "zrtp.h"
#include "zrtp_wire.h"
#include "../tap.h"

#define T0 1000     /* the simulated clock (ms) starts here: the engine must not assume 0 */
#define STEP 5      /* ms per simulation step */
#define MAXQ 128

/* ---- the simulated wire: one link between two engines, packets delayed, dropped, reordered ---- */

struct link;

struct peer {
	const char *name;
	struct zrtp *z;
	struct link *link;
	int side;
	bool secure, failed;
	int fail_err;
	uint64_t done_at;
	struct zrtp_result res;
	bool got_rx, rx_before_secure;
	struct zrtp_keys rx;
	unsigned hellos_sent;
	bool free_in_handler; /* the secure/fail handler frees the engine */
};

struct pkt {
	uint64_t at;
	int to;
	size_t len;
	uint8_t b[ZRTP_WIRE_MAX];
};

struct link {
	struct peer *p[2];
	struct pkt q[MAXQ];
	int n;
	unsigned loss_pct;   /* each packet dropped with this probability */
	unsigned max_delay;  /* delay drawn from 1..max_delay ms: above STEP, packets overtake each other */
	bool mute[2];        /* everything this side sends is lost */
	int mute_after[2];   /* side goes silent after this many packets (-1: never) */
	int sent_by[2];
	uint32_t rng;
	uint64_t now;
};

static uint32_t rnd(struct link *l)
{
	/* xorshift32: deterministic per seed, so a failing case replays */
	l->rng ^= l->rng << 13;
	l->rng ^= l->rng >> 17;
	l->rng ^= l->rng << 5;
	return l->rng;
}

static int on_send(const uint8_t *pkt, size_t len, void *arg)
{
	struct peer *p = arg;
	struct link *l = p->link;
	char type[9];
	struct pkt *q;

	if (zrtp_wire_classify(pkt, len) != ZRTP_WIRE_ZRTP) {
		diag("%s sent a packet the demultiplexer does not take for ZRTP", p->name);
		return EINVAL;
	}
	zrtp_wire_type(pkt, len, type);
	if (strcmp(type, "Hello   ") == 0)
		p->hellos_sent++;
	l->sent_by[p->side]++;
	if (l->mute[p->side] || (l->mute_after[p->side] >= 0 && l->sent_by[p->side] > l->mute_after[p->side]))
		return 0;
	if (l->loss_pct && rnd(l) % 100 < l->loss_pct)
		return 0;
	if (l->n == MAXQ)
		return ENOBUFS;
	q = &l->q[l->n++];
	q->at = l->now + 1 + (l->max_delay > 1 ? rnd(l) % l->max_delay : 0);
	q->to = 1 - p->side;
	q->len = len;
	memcpy(q->b, pkt, len);
	return 0;
}

static void on_rx_key(const struct zrtp_keys *k, void *arg)
{
	struct peer *p = arg;

	p->got_rx = true;
	p->rx_before_secure = !p->secure;
	p->rx = *k;
}

static void on_secure(const struct zrtp_result *r, void *arg)
{
	struct peer *p = arg;

	p->secure = true;
	p->res = *r;
	p->done_at = p->link->now;
	if (p->free_in_handler) {
		zrtp_free(p->z);
		p->z = NULL;
	}
}

static void on_fail(int err, void *arg)
{
	struct peer *p = arg;

	p->failed = true;
	p->fail_err = err;
	p->done_at = p->link->now;
	if (p->free_in_handler) {
		zrtp_free(p->z);
		p->z = NULL;
	}
}

static bool peer_done(const struct peer *p)
{
	return !p || p->secure || p->failed;
}

/* Deliver what is due and tick both ends; one step of the clock. */
static void link_step(struct link *l)
{
	l->now += STEP;
	for (int i = 0; i < l->n;) {
		struct pkt *q = &l->q[i];
		struct peer *to = l->p[q->to];

		if (q->at > l->now) {
			i++;
			continue;
		}
		struct pkt copy = *q;
		l->q[i] = l->q[--l->n];
		if (to && to->z)
			(void)zrtp_recv(to->z, copy.b, copy.len, l->now);
	}
	for (int s = 0; s < 2; s++)
		if (l->p[s] && l->p[s]->z)
			zrtp_tick(l->p[s]->z, l->now);
}

static void link_init(struct link *l, struct peer *a, struct peer *b, uint32_t seed)
{
	memset(l, 0, sizeof(*l));
	l->p[0] = a;
	l->p[1] = b;
	l->rng = seed ? seed : 1;
	l->now = T0;
	l->max_delay = 1;
	l->mute_after[0] = l->mute_after[1] = -1;
	if (a) {
		a->link = l;
		a->side = 0;
	}
	if (b) {
		b->link = l;
		b->side = 1;
	}
}

/* Put a (side 0) and b (side 1, may be NULL) on link l. */
static void attach(struct link *l, struct peer *a, struct peer *b)
{
	l->p[0] = a;
	l->p[1] = b;
	a->link = l;
	a->side = 0;
	if (b) {
		b->link = l;
		b->side = 1;
	}
}

/* Run the links (one for a direct call, two for a man in the middle) until every end is done. */
static void run_links(struct link **ls, int n)
{
	uint64_t limit = T0 + ZRTP_HANDSHAKE_MAX_MS + 1000;

	for (;;) {
		bool all = true;
		for (int i = 0; i < n; i++)
			all = all && peer_done(ls[i]->p[0]) && peer_done(ls[i]->p[1]);
		if (all || ls[0]->now > limit)
			break;
		for (int i = 0; i < n; i++)
			link_step(ls[i]);
	}
}

static const struct zrtp_handlers *handlers_for(struct peer *p, struct zrtp_handlers *h)
{
	h->send = on_send;
	h->rx_key = on_rx_key;
	h->secure = on_secure;
	h->fail = on_fail;
	h->arg = p;
	return h;
}

static int peer_alloc(struct peer *p, const char *name, struct zrtp_cache *c, const struct zrtp_conf *conf)
{
	struct zrtp_handlers h;

	memset(p, 0, sizeof(*p));
	p->name = name;
	return zrtp_alloc(&p->z, c, conf, handlers_for(p, &h));
}

/* Each end learns the other's a=zrtp-hash as the SDP would carry it, printed and parsed again. */
static bool swap_hashes(struct peer *a, struct peer *b)
{
	struct zrtp_hello_hash ha, hb, pa, pb;
	char sa[ZRTP_WIRE_HASH_STR_MAX], sb[ZRTP_WIRE_HASH_STR_MAX];

	return zrtp_hello_hash(a->z, &ha) == 0 && zrtp_hello_hash(b->z, &hb) == 0 &&
	       zrtp_wire_hash_print(sa, sizeof(sa), &ha) == 0 && zrtp_wire_hash_print(sb, sizeof(sb), &hb) == 0 &&
	       zrtp_wire_hash_parse(sa, strlen(sa), &pa) == 0 && zrtp_wire_hash_parse(sb, strlen(sb), &pb) == 0 &&
	       zrtp_set_peer_hello_hash(b->z, &pa) == 0 && zrtp_set_peer_hello_hash(a->z, &pb) == 0;
}

static struct zrtp_conf conf_of(uint32_t ssrc, const char *peer_uri)
{
	struct zrtp_conf c = { .ssrc = ssrc, .peer_uri = peer_uri };
	return c;
}

#define ALICE_URI "sip:alice@example.test"
#define BOB_URI "sip:bob@example.test"

/*
 * One ZRTP call between caches ca and cb (NULL: cacheless) over link l, with
 * a=zrtp-hash exchanged; a and b hold the outcome. Returns whether both
 * engines existed and started.
 */
static bool call(struct link *l, struct peer *a, struct peer *b, struct zrtp_cache *ca, struct zrtp_cache *cb,
		 const struct zrtp_conf *conf_a, const struct zrtp_conf *conf_b)
{
	struct zrtp_conf da = conf_of(0x11111111, BOB_URI), db = conf_of(0x22222222, ALICE_URI);
	bool ok;

	ok = peer_alloc(a, "alice", ca, conf_a ? conf_a : &da) == 0 &&
	     peer_alloc(b, "bob", cb, conf_b ? conf_b : &db) == 0;
	if (!ok)
		return false;
	attach(l, a, b);
	ok = swap_hashes(a, b) && zrtp_start(a->z, l->now) == 0 && zrtp_start(b->z, l->now) == 0;
	if (ok)
		run_links(&l, 1);
	return ok;
}

static void peers_free(struct peer *a, struct peer *b)
{
	zrtp_free(a->z);
	zrtp_free(b->z);
	a->z = b->z = NULL;
}

/* Both secure with the same SAS, A's send key is B's receive key and the other way round. */
static bool agreed(const struct peer *a, const struct peer *b)
{
	const struct zrtp_keys *ka = &a->res.keys, *kb = &b->res.keys;

	return a->secure && b->secure && strcmp(a->res.sas, b->res.sas) == 0 && a->res.sas[0] &&
	       ka->suite == kb->suite && ka->tx_len == kb->rx_len && ka->rx_len == kb->tx_len &&
	       ka->tx_len == srtp_suite_key_len(ka->suite) + srtp_suite_salt_len(ka->suite) &&
	       memcmp(ka->tx, kb->rx, ka->tx_len) == 0 && memcmp(ka->rx, kb->tx, ka->rx_len) == 0 &&
	       memcmp(ka->tx, ka->rx, ka->tx_len) != 0;
}

/* A's keys protect an RTP packet that B's keys unprotect, both ways (the keys really are SRTP master keys). */
static bool srtp_round_trip(const struct zrtp_keys *ka, const struct zrtp_keys *kb)
{
	struct srtp_sess *sa = NULL, *sb = NULL;
	uint8_t pkt[12 + 160 + SRTP_SESS_MAX_TRAILER], plain[12 + 160];
	size_t n;
	bool ok;

	memset(plain, 0x55, sizeof(plain));
	plain[0] = 0x80;
	plain[1] = 0;
	ok = srtp_sess_alloc(&sa, ka->suite, ka->tx, ka->tx_len, ka->rx, ka->rx_len) == 0 &&
	     srtp_sess_alloc(&sb, kb->suite, kb->tx, kb->tx_len, kb->rx, kb->rx_len) == 0;
	for (int dir = 0; ok && dir < 2; dir++) {
		memcpy(pkt, plain, sizeof(plain));
		n = sizeof(plain);
		ok = srtp_sess_protect(dir ? sb : sa, pkt, &n, sizeof(pkt)) == 0 && n > sizeof(plain) &&
		     memcmp(pkt + 12, plain + 12, 160) != 0 &&
		     srtp_sess_unprotect(dir ? sa : sb, pkt, &n) == 0 && n == sizeof(plain) &&
		     memcmp(pkt, plain, n) == 0;
	}
	srtp_sess_free(sa);
	srtp_sess_free(sb);
	return ok;
}

static bool b32_sas(const char *s)
{
	static const char alphabet[] = "ybndrfg8ejkmcpqxot1uwisza345h769";

	if (strlen(s) != 4)
		return false;
	for (; *s; s++)
		if (!strchr(alphabet, *s))
			return false;
	return true;
}

static bool b256_sas(const char *s)
{
	const char *sp = strchr(s, ' ');

	if (!sp || sp == s || !sp[1] || strchr(sp + 1, ' '))
		return false;
	for (; *s; s++)
		if (*s != ' ' && !(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z'))
			return false; /* the PGP word list has names: "Apollo", "Vulcan" */
	return true;
}

/* ---- files ---- */

static char tmpdir[256];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void path_in(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", tmpdir, name);
}

static bool copy_file(const char *from, const char *to)
{
	char buf[8192];
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	size_t n;
	bool ok = in && out;

	while (ok && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		ok = fwrite(buf, 1, n, out) == n;
	if (in)
		fclose(in);
	if (out)
		ok = fclose(out) == 0 && ok;
	return ok;
}

static struct zrtp_cache *cache_at(const char *name)
{
	char path[512];
	struct zrtp_cache *c = NULL;
	int err;

	path_in(path, sizeof(path), name);
	if ((err = zrtp_cache_open(&c, path)) != 0)
		diag("zrtp_cache_open %s: %s", path, strerror(err));
	return c;
}

/* A cache whose ZID exists (made by an engine, as the first call would), closed again. */
static bool make_zid(const char *name, uint8_t zid[ZRTP_ZID_LEN])
{
	struct zrtp_cache *c = cache_at(name);
	struct peer p;
	struct zrtp_conf conf = conf_of(1, "sip:nobody@example.test");
	bool ok = c && peer_alloc(&p, "zid", c, &conf) == 0;

	if (ok)
		zrtp_free(p.z);
	ok = ok && zrtp_cache_zid(c, zid) == 0;
	zrtp_cache_close(c);
	return ok;
}

/* ---- tests ---- */

static void test_wire(void)
{
	uint8_t p[64] = { 0x10, 0, 0, 1, 0x5a, 0x52, 0x54, 0x50, 1, 2, 3, 4, 0x50, 0x5a, 0, 3 };
	struct zrtp_hello_hash h;
	char out[ZRTP_WIRE_HASH_STR_MAX], type[9];
	const char *good = "1.10 0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef";

	memcpy(p + 16, "HelloACK", 8);
	is_int(zrtp_wire_classify(p, 28), ZRTP_WIRE_ZRTP, "a HelloACK-sized ZRTP packet is ZRTP");
	zrtp_wire_type(p, 28, type);
	is_str(type, "HelloACK", "its message type is read");
	is_int(zrtp_wire_classify(p, 27), ZRTP_WIRE_OTHER, "one byte short: not ZRTP, and never RTP");
	is_int(zrtp_wire_classify(p, 32), ZRTP_WIRE_OTHER, "a length word that does not account for the bytes");
	p[15] = 4;
	is_int(zrtp_wire_classify(p, 32), ZRTP_WIRE_ZRTP, "length word 4 with 32 bytes");
	p[15] = 3;
	p[7] = 0x51;
	is_int(zrtp_wire_classify(p, 28), ZRTP_WIRE_OTHER, "a wrong magic cookie");
	p[7] = 0x50;
	p[12] = 0x51;
	is_int(zrtp_wire_classify(p, 28), ZRTP_WIRE_OTHER, "a wrong preamble");
	p[12] = 0x50;
	p[0] = 0x50;
	is_int(zrtp_wire_classify(p, 28), ZRTP_WIRE_OTHER, "first bits 01: neither");
	p[0] = 0x80;
	is_int(zrtp_wire_classify(p, 28), ZRTP_WIRE_RTP, "version 2 with the cookie in the timestamp is RTP");
	is_int(zrtp_wire_classify(p, 11), ZRTP_WIRE_OTHER, "version 2 shorter than an RTP header");
	p[0] = 0xc0;
	is_int(zrtp_wire_classify(p, 28), ZRTP_WIRE_OTHER, "version 3: neither");
	is_int(zrtp_wire_classify(NULL, 0), ZRTP_WIRE_OTHER, "nothing: neither");

	{
		/* a Hello from a PBX: client id "PBX-X" padded with blanks, flags |0|S|M|P| = 0 0 1 0 */
		uint8_t hp[ZRTP_WIRE_HDR_LEN + 88 + 8 + 4] = { 0x10, 0, 0, 1, 0x5a, 0x52, 0x54, 0x50, 1, 2, 3, 4, 0x50, 0x5a };
		struct zrtp_wire_hello wh;

		hp[15] = (uint8_t)((sizeof(hp) - ZRTP_WIRE_HDR_LEN - 4) / 4);
		memcpy(hp + 16, "Hello   1.10PBX-X\x01          ", 28);
		hp[76] = 0xab;
		hp[88] = 0x20;
		ok(zrtp_wire_hello(hp, sizeof(hp), &wh) == 0 && strcmp(wh.version, "1.10") == 0 &&
			   strcmp(wh.client, "PBX-X?") == 0 && wh.zid[0] == 0xab && wh.mitm && !wh.sig && !wh.passive,
		   "a Hello read: version, client id (blanks cut, a control byte as '?'), ZID, the M flag");
		hp[88] = 0x50;
		ok(zrtp_wire_hello(hp, sizeof(hp), &wh) == 0 && !wh.mitm && wh.sig && wh.passive, "S and P flags");
		is_int(zrtp_wire_hello(p, 28, &wh), ENOENT, "a HelloACK is not a Hello");
		hp[15] -= 4;
		is_int(zrtp_wire_hello(hp, sizeof(hp) - 16, &wh), EBADMSG, "a Hello too short for its flags");
	}

	ok(zrtp_wire_hash_parse(good, strlen(good), &h) == 0 && strcmp(h.version, "1.10") == 0 &&
		   h.hash[0] == 0x01 && h.hash[8] == 0x01 && h.hash[15] == 0xef && h.hash[31] == 0xef,
	   "a=zrtp-hash value parsed (hex in either case)");
	ok(zrtp_wire_hash_print(out, sizeof(out), &h) == 0 &&
		   strcmp(out, "1.10 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef") == 0,
	   "and printed back in lowercase");
	is_int(zrtp_wire_hash_print(out, 69, &h), ENOBUFS, "print needs 70 bytes for version 1.10");
	static const char *bad[] = {
		"1.10  0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"1.10 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
		"1.10 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0",
		"1.10 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg",
		"1.10 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef ",
		" 1.10 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"1.10\t0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"110 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"1..0 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		".10 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"123456.10 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"1.10 ",
		"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(zrtp_wire_hash_parse(bad[i], strlen(bad[i]), &h), EBADMSG, "a=zrtp-hash refused: '%s'", bad[i]);
}

static void test_basic(void)
{
	static struct link l;
	struct peer a, b;
	struct zrtp_cache *ca = cache_at("basic/a.db"), *cb = cache_at("basic/b.db");
	struct zrtp_stats st;

	link_init(&l, NULL, NULL, 1);
	ok(call(&l, &a, &b, ca, cb, NULL, NULL), "two engines allocated and started");
	ok(agreed(&a, &b), "default offer: both secure, same SAS '%s', A's send key is B's receive key", a.res.sas);
	ok(b32_sas(a.res.sas), "the SAS is four base-32 characters (B32 preferred)");
	is_int(a.res.keys.suite, SRTP_SUITE_AES_256_CM_HMAC_SHA1_80, "AES-256 with an 80-bit tag preferred");
	ok(strcmp(a.res.ka, "X255") == 0 && strcmp(a.res.hash, "S256") == 0 && strcmp(a.res.cipher, "AES3") == 0 &&
		   strcmp(a.res.auth, "HS80") == 0,
	   "negotiated X255 S256 AES3 HS80 (got %s %s %s %s)", a.res.ka, a.res.hash, a.res.cipher, a.res.auth);
	ok(a.res.trust == ZRTP_TRUST_NEW && b.res.trust == ZRTP_TRUST_NEW && !a.res.verified_here,
	   "first call: trust new on both sides");
	ok(srtp_round_trip(&a.res.keys, &b.res.keys), "the keys make SRTP sessions that read each other");
	ok(a.got_rx && b.got_rx && memcmp(a.rx.rx, a.res.keys.rx, a.rx.rx_len) == 0 &&
		   memcmp(b.rx.rx, b.res.keys.rx, b.rx.rx_len) == 0 && a.rx.tx_len == 0,
	   "the early receive key is the final one (and carries no send key)");
	ok(a.rx_before_secure && b.rx_before_secure, "each side had its receive key before it was secure");
	ok(a.res.peer.client[0] && strcmp(a.res.peer.client, b.res.peer.client) == 0 &&
		   strcmp(a.res.peer.version, "1.10") == 0 && !a.res.peer.mitm && !a.res.peer.passive,
	   "the peer's Hello: client '%s', version %s, no MiTM (PBX) flag", a.res.peer.client, a.res.peer.version);
	{
		uint8_t zb[ZRTP_ZID_LEN];
		ok(zrtp_cache_zid(cb, zb) == 0 && memcmp(a.res.peer.zid, zb, ZRTP_ZID_LEN) == 0,
		   "its ZID is Bob's installation's");
	}
	zrtp_stats(a.z, &st);
	ok(st.sent >= 4 && st.received >= 4 && zrtp_state(a.z) == ZRTP_SECURE, "counters: %llu sent, %llu received",
	   (unsigned long long)st.sent, (unsigned long long)st.received);
	ok(a.done_at - T0 < 1000 && b.done_at - T0 < 1000, "a clean wire finishes in under a second (%llu ms)",
	   (unsigned long long)(a.done_at - T0));
	peers_free(&a, &b);
	zrtp_cache_close(ca);
	zrtp_cache_close(cb);
}

static void test_algorithms(void)
{
	static const struct {
		unsigned ka;
		const char *name;
	} kas[] = {
		{ ZRTP_KA_X25519, "X255" },
		{ ZRTP_KA_DH3K, "DH3k" },
		{ ZRTP_KA_X448, "X448" },
		{ ZRTP_KA_DH2K, "DH2k" },
	};
	static const struct {
		unsigned cipher, auth;
		enum srtp_suite_id suite;
	} suites[] = {
		{ ZRTP_CIPHER_AES128, ZRTP_AUTH_HS80, SRTP_SUITE_AES_CM_128_HMAC_SHA1_80 },
		{ ZRTP_CIPHER_AES128, ZRTP_AUTH_HS32, SRTP_SUITE_AES_CM_128_HMAC_SHA1_32 },
		{ ZRTP_CIPHER_AES256, ZRTP_AUTH_HS80, SRTP_SUITE_AES_256_CM_HMAC_SHA1_80 },
		{ ZRTP_CIPHER_AES256, ZRTP_AUTH_HS32, SRTP_SUITE_AES_256_CM_HMAC_SHA1_32 },
	};
	static struct link l;
	struct peer a, b;

	for (size_t i = 0; i < sizeof(kas) / sizeof(kas[0]); i++) {
		struct zrtp_conf ca = conf_of(1, BOB_URI), cb = conf_of(2, ALICE_URI);
		ca.ka = cb.ka = kas[i].ka;
		link_init(&l, NULL, NULL, 7);
		ok(call(&l, &a, &b, NULL, NULL, &ca, &cb) && agreed(&a, &b) && strcmp(a.res.ka, kas[i].name) == 0 &&
			   strcmp(b.res.ka, kas[i].name) == 0,
		   "key agreement %s: same SAS '%s', crosswise keys", kas[i].name, a.res.sas);
		peers_free(&a, &b);
	}
	for (int sas = 0; sas < 2; sas++) {
		struct zrtp_conf ca = conf_of(1, BOB_URI), cb = conf_of(2, ALICE_URI);
		ca.sas = cb.sas = sas ? ZRTP_SAS_BASE256 : ZRTP_SAS_BASE32;
		link_init(&l, NULL, NULL, 9);
		ok(call(&l, &a, &b, NULL, NULL, &ca, &cb) && agreed(&a, &b) &&
			   a.res.sas_type == (sas ? ZRTP_SAS_BASE256 : ZRTP_SAS_BASE32) &&
			   (sas ? b256_sas(a.res.sas) : b32_sas(a.res.sas)),
		   "SAS %s: '%s' on both sides", sas ? "B256 (two PGP words)" : "B32", a.res.sas);
		peers_free(&a, &b);
	}
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		struct zrtp_conf ca = conf_of(1, BOB_URI), cb = conf_of(2, ALICE_URI);
		ca.cipher = cb.cipher = suites[i].cipher;
		ca.auth = cb.auth = suites[i].auth;
		link_init(&l, NULL, NULL, 11);
		ok(call(&l, &a, &b, NULL, NULL, &ca, &cb) && agreed(&a, &b) && a.res.keys.suite == suites[i].suite &&
			   srtp_round_trip(&a.res.keys, &b.res.keys),
		   "%s %s -> %s, keys work", a.res.cipher, a.res.auth, srtp_suite_name(suites[i].suite));
		peers_free(&a, &b);
	}
	/* one side prefers less: the initiator's first choice in the other's list wins, both agree on it */
	{
		struct zrtp_conf ca = conf_of(1, BOB_URI), cb = conf_of(2, ALICE_URI);
		ca.ka = ZRTP_KA_DH3K;
		link_init(&l, NULL, NULL, 13);
		ok(call(&l, &a, &b, NULL, NULL, &ca, &cb) && agreed(&a, &b) && strcmp(a.res.ka, "DH3k") == 0,
		   "one side offers only DH-3k (+ mandatory): both use DH3k");
		peers_free(&a, &b);
	}
	struct zrtp_conf bad = conf_of(1, BOB_URI);
	struct zrtp_handlers h;
	struct zrtp *z = NULL;
	bad.ka = 1u << 10;
	is_int(zrtp_alloc(&z, NULL, &bad, handlers_for(&a, &h)), EINVAL, "an unknown algorithm bit is refused");
}

static void test_loss(void)
{
	static struct link l;
	struct peer a, b;
	int done = 0, n = 12;
	uint64_t worst = 0;

	for (int seed = 1; seed <= n; seed++) {
		link_init(&l, NULL, NULL, (uint32_t)seed * 2654435761u);
		l.loss_pct = 20;
		l.max_delay = 80; /* up to 80 ms in flight at 5 ms steps: packets overtake each other */
		if (call(&l, &a, &b, NULL, NULL, NULL, NULL) && agreed(&a, &b))
			done++;
		else
			diag("seed %d: alice %s %d, bob %s %d", seed, a.secure ? "secure" : "not secure", a.fail_err,
			     b.secure ? "secure" : "not secure", b.fail_err);
		if (a.done_at - T0 > worst)
			worst = a.done_at - T0;
		if (b.done_at - T0 > worst)
			worst = b.done_at - T0;
		peers_free(&a, &b);
	}
	is_int(done, n, "20%% loss and reordering: %d of %d handshakes complete with equal SAS and keys", done, n);
	ok(worst <= ZRTP_HANDSHAKE_MAX_MS, "each within the bound (slowest %llu ms)", (unsigned long long)worst);
}

static void test_hello_hash(void)
{
	static struct link l;
	struct peer a, b;
	struct zrtp_hello_hash ha;
	struct zrtp_conf ca = conf_of(1, BOB_URI), cb = conf_of(2, ALICE_URI);

	/* Bob's SDP says one hash, the Hello that arrives has another (a substituted Hello) */
	link_init(&l, NULL, NULL, 3);
	ok(peer_alloc(&a, "alice", NULL, &ca) == 0 && peer_alloc(&b, "bob", NULL, &cb) == 0, "engines");
	attach(&l, &a, &b);
	ok(zrtp_hello_hash(a.z, &ha) == 0 && strcmp(ha.version, "1.10") == 0, "our a=zrtp-hash is version 1.10");
	ha.hash[5] ^= 0x40;
	is_int(zrtp_set_peer_hello_hash(b.z, &ha), 0, "a hash set before any Hello is taken");
	ok(zrtp_start(a.z, l.now) == 0 && zrtp_start(b.z, l.now) == 0, "started");
	struct link *lp = &l;
	run_links(&lp, 1);
	ok(b.failed && b.fail_err == EKEYREJECTED && !b.secure,
	   "the receiver of a Hello not matching a=zrtp-hash fails: %s",
	   zrtp_strerror(b.fail_err));
	ok(!a.secure && a.failed && a.done_at <= T0 + ZRTP_HANDSHAKE_MAX_MS + STEP,
	   "its peer never becomes secure and gives up at the bound (%s)", zrtp_strerror(a.fail_err));
	peers_free(&a, &b);

	/* the hash arrives late (answer after the media started): checked against the Hello already there */
	for (int wrong = 0; wrong < 2; wrong++) {
		link_init(&l, NULL, NULL, 5);
		peer_alloc(&a, "alice", NULL, &ca);
		peer_alloc(&b, "bob", NULL, &cb);
		attach(&l, &a, &b);
		l.mute[1] = true; /* bob hears alice's Hello but says nothing yet */
		zrtp_start(a.z, l.now);
		zrtp_start(b.z, l.now);
		for (int i = 0; i < 4; i++)
			link_step(&l); /* alice's Hello reached bob */
		zrtp_hello_hash(a.z, &ha);
		if (wrong)
			ha.hash[0] ^= 1;
		int r = zrtp_set_peer_hello_hash(b.z, &ha);
		if (wrong) {
			ok(r == EKEYREJECTED && zrtp_state(b.z) == ZRTP_FAILED,
			   "a late a=zrtp-hash not matching the Hello received: EKEYREJECTED, engine stopped");
		} else {
			l.mute[1] = false;
			run_links(&lp, 1);
			ok(r == 0 && agreed(&a, &b), "a late matching a=zrtp-hash: accepted, handshake completes");
		}
		peers_free(&a, &b);
	}
}

static void test_silence(void)
{
	static struct link l;
	struct peer a = { 0 }, b = { 0 };
	struct link *lp = &l;
	struct zrtp_conf ca = conf_of(1, BOB_URI), cb = conf_of(2, ALICE_URI);

	/* nobody answers: no ZRTP from the peer at all */
	link_init(&l, NULL, NULL, 3);
	peer_alloc(&a, "alice", NULL, &ca);
	attach(&l, &a, NULL);
	zrtp_start(a.z, l.now);
	run_links(&lp, 1);
	ok(a.failed && a.fail_err == EPROTONOSUPPORT, "a silent peer: fails with '%s'", zrtp_strerror(a.fail_err));
	ok(a.done_at >= T0 + ZRTP_HANDSHAKE_MAX_MS && a.done_at <= T0 + ZRTP_HANDSHAKE_MAX_MS + STEP,
	   "exactly at the bound ZRTP_HANDSHAKE_MAX_MS (%llu ms)", (unsigned long long)(a.done_at - T0));
	ok(a.hellos_sent >= 10 && a.hellos_sent <= 21, "Hello retransmitted and capped (RFC 6189 6: %u sent)",
	   a.hellos_sent);
	struct zrtp_stats st;
	zrtp_stats(a.z, &st);
	zrtp_tick(a.z, l.now + 1000);
	struct zrtp_stats st2;
	zrtp_stats(a.z, &st2);
	ok(st2.sent == st.sent && zrtp_state(a.z) == ZRTP_FAILED, "a failed engine sends nothing more");
	peers_free(&a, &b);

	/* the peer answers the discovery, then goes silent: the handshake stalls */
	link_init(&l, NULL, NULL, 3);
	peer_alloc(&a, "alice", NULL, &ca);
	peer_alloc(&b, "bob", NULL, &cb);
	attach(&l, &a, &b);
	l.mute_after[1] = 2; /* Hello and HelloACK get through, nothing after */
	l.mute_after[0] = 2;
	zrtp_start(a.z, l.now);
	zrtp_start(b.z, l.now);
	run_links(&lp, 1);
	ok(a.failed && a.fail_err == ETIMEDOUT && b.failed && b.fail_err == ETIMEDOUT,
	   "a handshake that stalls after discovery fails on both sides: '%s'", zrtp_strerror(a.fail_err));
	ok(a.done_at <= T0 + ZRTP_HANDSHAKE_MAX_MS + STEP, "within the bound (%llu ms)",
	   (unsigned long long)(a.done_at - T0));
	peers_free(&a, &b);

	/* a handler may free its engine */
	link_init(&l, NULL, NULL, 3);
	peer_alloc(&a, "alice", NULL, &ca);
	attach(&l, &a, NULL);
	a.free_in_handler = true;
	zrtp_start(a.z, l.now);
	run_links(&lp, 1);
	ok(a.failed && a.z == NULL, "the fail handler freed the engine (valgrind/ASan check the rest)");
	link_init(&l, NULL, NULL, 3);
	ok(peer_alloc(&a, "alice", NULL, &ca) == 0 && peer_alloc(&b, "bob", NULL, &cb) == 0, "engines");
	a.free_in_handler = b.free_in_handler = true;
	attach(&l, &a, &b);
	zrtp_start(a.z, l.now);
	zrtp_start(b.z, l.now);
	run_links(&lp, 1);
	ok(a.secure && b.secure && !a.z && !b.z && strcmp(a.res.sas, b.res.sas) == 0,
	   "the secure handlers freed their engines");
}

static void test_input(void)
{
	struct peer a;
	struct zrtp_conf ca = conf_of(1, BOB_URI);
	uint8_t p[28] = { 0x10, 0, 0, 1, 0x5a, 0x52, 0x54, 0x50, 1, 2, 3, 4, 0x50, 0x5a, 0, 3,
			  'H', 'e', 'l', 'l', 'o', 'A', 'C', 'K', 0, 0, 0, 0 };
	struct zrtp_stats st;
	static struct link l;

	link_init(&l, NULL, NULL, 1);
	peer_alloc(&a, "alice", NULL, &ca);
	attach(&l, &a, NULL);
	is_int(zrtp_recv(a.z, p, sizeof(p), T0), ECANCELED, "a packet before start is dropped");
	is_int(zrtp_sas_confirm(a.z, true), EAGAIN, "no SAS to confirm before the handshake");
	zrtp_start(a.z, T0);
	is_int(zrtp_start(a.z, T0), EALREADY, "started twice");
	is_int(zrtp_recv(a.z, p, sizeof(p), T0), EBADMSG, "a framed packet with a bad CRC is refused by the engine");
	is_int(zrtp_recv(a.z, p, 27, T0), EBADMSG, "a packet that is not ZRTP is refused");
	p[0] = 0x80;
	is_int(zrtp_recv(a.z, p, sizeof(p), T0), EBADMSG, "RTP handed to the engine is refused");
	zrtp_stats(a.z, &st);
	is_int(st.dropped, 4, "all counted dropped");
	zrtp_free(a.z);
}

static void test_cache_files(void)
{
	char path[512], dir[512], target[512];
	struct zrtp_cache *c = NULL;
	struct stat st;
	int fd;

	path_in(dir, sizeof(dir), "new/deeper");
	path_in(path, sizeof(path), "new/deeper/zrtp.db");
	ok(zrtp_cache_open(&c, path) == 0, "a cache is made with its missing directories");
	memset(&st, 0, sizeof(st));
	stat(path, &st);
	is_int(st.st_mode & 07777, 0600, "the file is mode 0600");
	memset(&st, 0, sizeof(st));
	stat(dir, &st);
	is_int(st.st_mode & 07777, 0700, "its directory is mode 0700");
	path_in(dir, sizeof(dir), "new");
	memset(&st, 0, sizeof(st));
	stat(dir, &st);
	is_int(st.st_mode & 07777, 0700, "and so is the one above it");
	uint8_t zid[ZRTP_ZID_LEN];
	is_int(zrtp_cache_zid(c, zid), ENOENT, "no ZID before the first engine");
	zrtp_cache_close(c);

	path_in(path, sizeof(path), "wide.db");
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	close(fd);
	chmod(path, 0644);
	c = NULL;
	ok(zrtp_cache_open(&c, path) == 0 && stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	   "an existing cache readable by others is narrowed to 0600");
	zrtp_cache_close(c);

	path_in(path, sizeof(path), "notacache.db");
	static const char text[] = "this is somebody's file, not a ZRTP cache\n";
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	c = NULL;
	char back[128] = { 0 };
	int err = zrtp_cache_open(&c, path);
	f = fopen(path, "r");
	fread(back, 1, sizeof(back) - 1, f);
	fclose(f);
	ok(err == EBADMSG && c == NULL && strcmp(back, text) == 0,
	   "a file that is not a cache: EBADMSG, left as it was");

	path_in(target, sizeof(target), "wide.db");
	path_in(path, sizeof(path), "link.db");
	symlink(target, path);
	c = NULL;
	is_int(zrtp_cache_open(&c, path), ELOOP, "a symbolic link is refused");
	is_int(zrtp_cache_open(&c, tmpdir), EISDIR, "a directory is refused");
}

/*
 * Alice and Bob each talk ZRTP with a relay (engines m1 facing Alice, m2
 * facing Bob, with the caches named) that rewrites the SDP as well, so each
 * a=zrtp-hash matches the Hello it faces. The engines are freed, the results
 * stay in the peers. Returns whether all four started.
 */
static bool mitm_call(const char *m1_db, const char *m2_db, uint32_t seed, struct peer *a, struct peer *m1,
		      struct peer *m2, struct peer *b)
{
	static struct link l1, l2;
	struct link *both[2] = { &l1, &l2 };
	struct zrtp_cache *ca = cache_at("alice.db"), *cb = cache_at("bob.db");
	struct zrtp_cache *cm1 = cache_at(m1_db), *cm2 = cache_at(m2_db);
	struct zrtp_conf conf_a = conf_of(0x11111111, BOB_URI), conf_b = conf_of(0x22222222, ALICE_URI);
	struct zrtp_conf conf_m1 = conf_of(0x33333333, ALICE_URI), conf_m2 = conf_of(0x44444444, BOB_URI);
	bool up;

	link_init(&l1, NULL, NULL, seed);
	link_init(&l2, NULL, NULL, seed + 1);
	up = peer_alloc(a, "alice", ca, &conf_a) == 0 && peer_alloc(m1, "mitm1", cm1, &conf_m1) == 0 &&
	     peer_alloc(m2, "mitm2", cm2, &conf_m2) == 0 && peer_alloc(b, "bob", cb, &conf_b) == 0;
	if (up) {
		attach(&l1, a, m1);
		attach(&l2, m2, b);
		up = swap_hashes(a, m1) && swap_hashes(m2, b) && zrtp_start(a->z, T0) == 0 &&
		     zrtp_start(m1->z, T0) == 0 && zrtp_start(m2->z, T0) == 0 && zrtp_start(b->z, T0) == 0;
	}
	if (up)
		run_links(both, 2);
	peers_free(a, m1);
	peers_free(m2, b);
	zrtp_cache_close(cm1);
	zrtp_cache_close(cm2);
	zrtp_cache_close(ca);
	zrtp_cache_close(cb);
	return up;
}

/*
 * The retained secrets across calls, and the man in the middle: a relay that
 * runs its own ZRTP with each side (engines M1 facing Alice, M2 facing Bob).
 */
static void test_cache_and_mitm(void)
{
	uint8_t zid_a[ZRTP_ZID_LEN], zid_b[ZRTP_ZID_LEN], zid_m[ZRTP_ZID_LEN];
	char pa[512], pb[512], pma[512], pmb[512];
	struct zrtp_cache *ca, *cb;
	static struct link l;
	struct peer a, b, m1, m2;

	ok(make_zid("alice.db", zid_a) && make_zid("bob.db", zid_b) && memcmp(zid_a, zid_b, ZRTP_ZID_LEN) != 0,
	   "each installation has its own ZID");
	/* what an attacker knows before the calls: the ZIDs (sent in clear in every Hello), no secret */
	path_in(pa, sizeof(pa), "alice.db");
	path_in(pb, sizeof(pb), "bob.db");
	path_in(pma, sizeof(pma), "mitm-as-bob.db");
	path_in(pmb, sizeof(pmb), "mitm-as-alice.db");
	ok(copy_file(pb, pma) && copy_file(pa, pmb), "attacker caches holding Bob's and Alice's ZIDs");

#define CALL(desc)                                                                                     \
	do {                                                                                           \
		ca = cache_at("alice.db");                                                             \
		cb = cache_at("bob.db");                                                               \
		link_init(&l, NULL, NULL, 17);                                                         \
		ok(call(&l, &a, &b, ca, cb, NULL, NULL) && agreed(&a, &b), desc ": secure, SAS '%s'", a.res.sas); \
	} while (0)
#define HANGUP()                                                                                       \
	do {                                                                                           \
		peers_free(&a, &b);                                                                    \
		zrtp_cache_close(ca);                                                                  \
		zrtp_cache_close(cb);                                                                  \
	} while (0)

	CALL("call 1");
	ok(a.res.trust == ZRTP_TRUST_NEW && b.res.trust == ZRTP_TRUST_NEW, "call 1: new on both sides");
	HANGUP();

	CALL("call 2");
	ok(a.res.trust == ZRTP_TRUST_NEW && b.res.trust == ZRTP_TRUST_NEW && !a.res.verified_here,
	   "call 2: retained secret matched (no mismatch), not verified yet");
	is_int(zrtp_sas_confirm(a.z, true), 0, "Alice confirms the SAS");
	HANGUP();

	CALL("call 3");
	ok(a.res.trust == ZRTP_TRUST_NEW && a.res.verified_here && b.res.trust == ZRTP_TRUST_NEW &&
		   !b.res.verified_here,
	   "call 3: Alice verified before, Bob did not: not yet 'verified' (RFC 6189 7.1 needs both V flags)");
	is_int(zrtp_sas_confirm(b.z, true), 0, "Bob confirms too");
	HANGUP();

	CALL("call 4");
	ok(a.res.trust == ZRTP_TRUST_VERIFIED && b.res.trust == ZRTP_TRUST_VERIFIED,
	   "call 4: 'verified' on both sides, without reading the SAS again (%s / %s)",
	   zrtp_trust_name(a.res.trust), zrtp_trust_name(b.res.trust));
	HANGUP();

	/* the man in the middle with ZIDs of its own */
	ok(mitm_call("mitm1-own.db", "mitm2-own.db", 19, &a, &m1, &m2, &b) && agreed(&a, &m1) && agreed(&m2, &b),
	   "MITM with its own ZIDs: each leg secure");
	ok(strcmp(a.res.sas, b.res.sas) != 0, "Alice and Bob read different SAS ('%s' / '%s')", a.res.sas, b.res.sas);
	ok(a.res.trust == ZRTP_TRUST_OTHER_DEVICE && b.res.trust == ZRTP_TRUST_OTHER_DEVICE,
	   "and both are told their verified peer now shows another device (%s / %s)", zrtp_trust_name(a.res.trust),
	   zrtp_trust_name(b.res.trust));

	CALL("call 5, direct again");
	ok(a.res.trust == ZRTP_TRUST_VERIFIED && b.res.trust == ZRTP_TRUST_VERIFIED,
	   "call 5: the real peers are still 'verified' (the attack stored nothing under their ZIDs)");
	HANGUP();

	/* the man in the middle presenting the real ZIDs (it cannot know the retained secrets) */
	ca = cache_at("mitm-as-bob.db");
	ok(zrtp_cache_zid(ca, zid_m) == 0 && memcmp(zid_m, zid_b, ZRTP_ZID_LEN) == 0,
	   "the relay's leg facing Alice has Bob's ZID");
	zrtp_cache_close(ca);
	ok(mitm_call("mitm-as-bob.db", "mitm-as-alice.db", 29, &a, &m1, &m2, &b) && agreed(&a, &m1) &&
		   agreed(&m2, &b),
	   "MITM with the real ZIDs: each leg secure");
	ok(strcmp(a.res.sas, b.res.sas) != 0, "different SAS ('%s' / '%s')", a.res.sas, b.res.sas);
	ok(a.res.trust == ZRTP_TRUST_MISMATCH && b.res.trust == ZRTP_TRUST_MISMATCH,
	   "both report the retained-secret MISMATCH (%s / %s)", zrtp_trust_name(a.res.trust),
	   zrtp_trust_name(b.res.trust));

	CALL("call 6, direct after the mismatch");
	ok(a.res.trust == ZRTP_TRUST_NEW && b.res.trust == ZRTP_TRUST_NEW,
	   "call 6: no mismatch (the secrets survived the attack), verification to be done again (%s / %s)",
	   zrtp_trust_name(a.res.trust), zrtp_trust_name(b.res.trust));
	ok(zrtp_sas_confirm(a.z, true) == 0 && zrtp_sas_confirm(b.z, true) == 0, "both confirm again");
	HANGUP();

	/* a reinstalled phone (new ZID, no secrets) cannot be told from the attack: the user verifies again */
	path_in(pb, sizeof(pb), "bob.db");
	unlink(pb);
	CALL("call 7, Bob's cache lost");
	ok(a.res.trust == ZRTP_TRUST_OTHER_DEVICE && b.res.trust == ZRTP_TRUST_NEW,
	   "Alice is told Bob's verified device changed, Bob's fresh install sees a new peer (%s / %s)",
	   zrtp_trust_name(a.res.trust), zrtp_trust_name(b.res.trust));
	HANGUP();

	/* cacheless engines */
	link_init(&l, NULL, NULL, 37);
	ok(call(&l, &a, &b, NULL, NULL, NULL, NULL) && agreed(&a, &b) && a.res.trust == ZRTP_TRUST_NEW,
	   "without a cache: secure, trust new");
	is_int(zrtp_sas_confirm(a.z, true), ENOTSUP, "and nothing to store a confirmation in");
	peers_free(&a, &b);
#undef CALL
#undef HANGUP
}

int main(void)
{
	int err = zrtp_lib_load();

	if (err) {
		/* a build dependency (scripts/bootstrap): missing is a failure, not a skip */
		ok(0, "libbzrtp loads: %s", zrtp_lib_error());
		return tap_done();
	}
	snprintf(tmpdir, sizeof(tmpdir), "%s/sphone-zrtp.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir))
		tap_skip_all("mkdtemp failed");
	test_wire();
	test_basic();
	test_algorithms();
	test_loss();
	test_hello_hash();
	test_silence();
	test_input();
	test_cache_files();
	test_cache_and_mitm();
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
