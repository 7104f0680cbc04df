/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_call_media.c: two calls' media negotiated and run without SIP: SRTP both ways, SAS, DTMF, re-key, move, hold, timeout; ZRTP (zrtp, sdes-zrtp). */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "buf.h"
#include "call_media.h"
#include "event.h"
#include "loop.h"
#include "sdp.h"
#include "stun.h"
#include "tap.h"
#include "zrtp.h"

struct side {
	const char *name;
	struct call_media *m;
	char digits[32];
	unsigned timeouts;
	unsigned zrtp_reports;
	int zrtp_err;
	unsigned stun_ready, stun_changed;
};

static struct loop *L;

static void dtmf_h(char digit, unsigned duration_ms, void *arg)
{
	struct side *s = arg;
	size_t n = strlen(s->digits);

	(void)duration_ms;
	if (n + 1 < sizeof(s->digits))
		s->digits[n] = digit;
}

static void timeout_h(unsigned silent_ms, void *arg)
{
	struct side *s = arg;

	(void)silent_ms;
	s->timeouts++;
}

static void zrtp_h(int err, void *arg)
{
	struct side *s = arg;

	s->zrtp_reports++;
	s->zrtp_err = err;
}

static int side_alloc(struct side *s, const char *name, unsigned timeout_ms)
{
	struct call_media_prm p;
	struct call_media_h h = { .dtmfh = dtmf_h, .timeouth = timeout_h, .zrtph = zrtp_h, .arg = s };

	memset(s, 0, sizeof(*s));
	s->name = name;
	memset(&p, 0, sizeof(p));
	p.addr = "127.0.0.1";
	p.srtp = true;
	p.srtp_required = true;
	p.timeout_ms = timeout_ms;
	return call_media_alloc(&s->m, L, NULL, &p, &h);
}

/* Runs the loop until cond holds or 5 s pass (a slow machine waits longer, never fails sooner). */
#define RUN_UNTIL(cond)                                                            \
	do {                                                                       \
		uint64_t end_ = loop_now_ms() + 5000;                              \
		while (!(cond) && loop_now_ms() < end_)                            \
			loop_run_once(L, 20);                                      \
	} while (0)

/* One offer/answer round from o to a, both sides applying what they agreed. 0 or the failing step's errno. */
static int exchange(struct side *o, struct side *a, char *offer_out, size_t osz)
{
	struct sdp_result ro, ra;
	struct wbuf off, ans;
	int e;

	memset(&ro, 0, sizeof(ro));
	memset(&ra, 0, sizeof(ra));
	wbuf_init(&off, 0);
	wbuf_init(&ans, 0);
	if ((e = call_media_offer(o->m, &off)) != 0 || (e = off.err) != 0)
		goto out;
	if (offer_out)
		snprintf(offer_out, osz, "%.*s", (int)off.len, (const char *)off.p);
	if ((e = call_media_answer(a->m, off.p, off.len, &ans, &ra)) != 0 || (e = ans.err) != 0)
		goto out;
	if ((e = call_media_take_answer(o->m, ans.p, ans.len, &ro)) != 0)
		goto out;
	if (call_media_moving(o->m))
		call_media_move_commit(o->m);
	if ((e = call_media_apply(a->m, &ra)) != 0 || (e = call_media_apply(o->m, &ro)) != 0)
		goto out;
out:
	sdp_result_wipe(&ro);
	sdp_result_wipe(&ra);
	wbuf_free(&off);
	wbuf_free(&ans);
	return e;
}

/* The RTP port of s's next offer (0 if none). */
static unsigned offer_port(struct side *s)
{
	struct wbuf w;
	const char *mp;
	unsigned port = 0;

	wbuf_init(&w, 0);
	if (!call_media_offer(s->m, &w) && !w.err && w.p) {
		mp = memmem(w.p, w.len, "m=audio ", 8);
		if (mp)
			port = (unsigned)atoi(mp + 8);
	}
	wbuf_free(&w);
	return port;
}

static long long verify_int(struct side *s, const char *key)
{
	struct event ev;

	event_init(&ev, EVENT_SECURITY);
	call_media_verify_fields(s->m, &ev);
	return event_get_int(&ev, key, -1);
}

static const char *verify_str(struct side *s, const char *key, char *buf, size_t sz)
{
	struct event ev;

	event_init(&ev, EVENT_SECURITY);
	call_media_verify_fields(s->m, &ev);
	snprintf(buf, sz, "%s", event_get_str(&ev, key) ? event_get_str(&ev, key) : "(none)");
	return buf;
}

/* ---- STUN: the public address in the SDP (media_stun.c through call_media) ---- */

enum srv_mode { SRV_NAT, SRV_NO_NAT, SRV_SILENT };

struct stun_srv {
	int fd;
	struct sockaddr_in addr;
	enum srv_mode mode;
	unsigned shift;    /* NAT: the mapped port is the source port + shift (RTCP's + shift + 4) */
	unsigned requests;
};

static void stun_h(enum media_stun_what what, void *arg)
{
	struct side *s = arg;

	if (what == MEDIA_STUN_READY)
		s->stun_ready++;
	else if (what == MEDIA_STUN_CHANGED)
		s->stun_changed++;
}

/* Answers every pending Binding request as the mode says: a NAT's mapping at 192.0.2.7, the source itself, or nothing. */
static void stun_serve(struct stun_srv *v, unsigned rtp_port)
{
	uint8_t buf[1500], out[200];
	struct sockaddr_in from, mapped;
	socklen_t fl = sizeof(from);
	struct stun_msg msg;
	struct stun_enc e;
	struct wbuf w;
	ssize_t n;

	while ((n = recvfrom(v->fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl)) > 0) {
		fl = sizeof(from);
		if (stun_decode(&msg, buf, (size_t)n) != 0 || msg.cls != STUN_CLASS_REQUEST)
			continue;
		v->requests++;
		if (v->mode == SRV_SILENT)
			continue;
		mapped = from;
		if (v->mode == SRV_NAT) {
			inet_pton(AF_INET, "192.0.2.7", &mapped.sin_addr);
			mapped.sin_port = htons((uint16_t)(ntohs(from.sin_port) + v->shift +
							    (ntohs(from.sin_port) == rtp_port ? 0 : 4)));
		}
		wbuf_init_static(&w, out, sizeof(out));
		stun_enc_begin(&e, &w, STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, msg.tid);
		stun_enc_addr(&e, STUN_ATTR_XOR_MAPPED_ADDRESS, (struct sockaddr *)&mapped);
		if (stun_enc_end(&e, true) == 0)
			sendto(v->fd, out, w.len, 0, (struct sockaddr *)&from, sizeof(from));
	}
}

static int stun_side_alloc(struct side *s, const char *name, struct stun_srv *v, unsigned ka_ms)
{
	struct call_media_prm p;
	struct call_media_h h = { .dtmfh = dtmf_h, .timeouth = timeout_h, .stunh = stun_h, .arg = s };

	memset(s, 0, sizeof(*s));
	s->name = name;
	memset(&p, 0, sizeof(p));
	p.addr = "127.0.0.1";
	p.srtp = true;
	p.srtp_required = true;
	p.stun_server = (const struct sockaddr *)&v->addr;
	p.stun_slen = sizeof(v->addr);
	p.stun_keepalive_ms = ka_ms;
	return call_media_alloc(&s->m, L, NULL, &p, &h);
}

/* The loop and the server run until cond holds or 5 s pass. */
#define STUN_RUN_UNTIL(v, port, cond)                                              \
	do {                                                                       \
		uint64_t end_ = loop_now_ms() + 5000;                              \
		while (!(cond) && loop_now_ms() < end_) {                          \
			loop_run_once(L, 10);                                      \
			stun_serve(v, port);                                       \
		}                                                                  \
	} while (0)

static void offer_text(struct side *s, char *out, size_t sz)
{
	struct wbuf w;

	wbuf_init(&w, 0);
	out[0] = '\0';
	if (!call_media_offer(s->m, &w) && !w.err && w.p)
		snprintf(out, sz, "%.*s", (int)w.len, (const char *)w.p);
	wbuf_free(&w);
}

static void test_stun(void)
{
	struct stun_srv v;
	struct side A, B;
	socklen_t al = sizeof(v.addr);
	char offer[2048], want[120], buf[120];
	unsigned lport, t0;
	const struct media_stun_info *in;

	memset(&v, 0, sizeof(v));
	v.fd = socket(AF_INET, SOCK_DGRAM, 0);
	v.addr.sin_family = AF_INET;
	v.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!ok(v.fd >= 0 && bind(v.fd, (struct sockaddr *)&v.addr, sizeof(v.addr)) == 0 &&
			getsockname(v.fd, (struct sockaddr *)&v.addr, &al) == 0,
		"stun: a STUN server on loopback"))
		return;

	/* behind a NAT: c=/m= and a=rtcp give the mapping, from the first offer on */
	v.mode = SRV_NAT;
	v.shift = 20000;
	if (!ok(stun_side_alloc(&A, "A", &v, 300) == 0, "stun: media with a STUN server"))
		return;
	ok(!call_media_ready(A.m), "stun: not ready before the Bindings' answers");
	lport = offer_port(&A);
	STUN_RUN_UNTIL(&v, lport, A.stun_ready > 0);
	in = call_media_stun(A.m);
	ok(call_media_ready(A.m) && A.stun_ready == 1 && in && in->state == MEDIA_STUN_NAT,
	   "stun: ready once, behind a NAT (%u requests)", v.requests);
	is_int(v.requests, 2, "stun: one Binding from the RTP socket, one from the RTCP socket");
	offer_text(&A, offer, sizeof(offer));
	ok(strstr(offer, "c=IN IP4 192.0.2.7\r\n") != NULL, "stun: the offer's c= is the public address");
	snprintf(want, sizeof(want), "m=audio %u ", lport + 20000);
	ok(strstr(offer, want) != NULL, "stun: its m= the public port (%s)", want);
	snprintf(want, sizeof(want), "a=rtcp:%u IN IP4 192.0.2.7\r\n", lport + 1 + 20004);
	ok(strstr(offer, want) != NULL, "stun: a=rtcp (RFC 3605) gives RTCP's mapping, not next to RTP's");
	ok(in && in->ports_changed, "stun: the ports changed: the warning about a symmetric NAT applies");
	/* the keepalive (every 300 ms here) finds a new mapping: reported, and the next offer gives it */
	t0 = v.requests;
	v.shift = 21000;
	STUN_RUN_UNTIL(&v, lport, A.stun_changed > 0);
	ok(A.stun_changed >= 1 && v.requests > t0, "stun: a keepalive Binding found the new mapping");
	offer_text(&A, offer, sizeof(offer));
	snprintf(want, sizeof(want), "m=audio %u ", lport + 21000);
	ok(strstr(offer, want) != NULL, "stun: the next offer gives it (%s)", want);
	/* a move to new sockets: their local address in the move's offer, then their own mapping */
	v.shift = 20000;
	ok(call_media_move(A.m) == 0, "stun: A moves to new sockets");
	lport = offer_port(&A);
	offer_text(&A, offer, sizeof(offer));
	ok(strstr(offer, "c=IN IP4 127.0.0.1\r\n") && !strstr(offer, "a=rtcp"), "stun: the move's offer gives the new local port (%u)",
	   lport);
	call_media_move_commit(A.m);
	STUN_RUN_UNTIL(&v, lport, A.stun_ready >= 2);
	offer_text(&A, offer, sizeof(offer));
	snprintf(want, sizeof(want), "m=audio %u ", lport + 20000);
	ok(A.stun_ready == 2 && strstr(offer, "c=IN IP4 192.0.2.7\r\n") && strstr(offer, want),
	   "stun: after the move the new sockets' mapping (%s)", want);
	call_media_free(A.m);

	/* no NAT: the server sees our own address; the SDP gives it, without a=rtcp */
	v.mode = SRV_NO_NAT;
	v.requests = 0;
	if (!ok(stun_side_alloc(&A, "A", &v, 200) == 0 && side_alloc(&B, "B", 0) == 0, "stun: no NAT: two media"))
		return;
	lport = offer_port(&A);
	STUN_RUN_UNTIL(&v, lport, A.stun_ready > 0);
	in = call_media_stun(A.m);
	ok(in && in->state == MEDIA_STUN_NO_NAT, "stun: no NAT detected (mapped == local)");
	offer_text(&A, offer, sizeof(offer));
	snprintf(want, sizeof(want), "m=audio %u ", lport);
	ok(strstr(offer, "c=IN IP4 127.0.0.1\r\n") && strstr(offer, want) && !strstr(offer, "a=rtcp"),
	   "stun: the offer gives the local address and port, no a=rtcp");
	/* the call runs; keepalives go through the stream and their answers come back through it */
	is_int(exchange(&A, &B, offer, sizeof(offer)), 0, "stun: offer, answer, both applied");
	t0 = v.requests;
	STUN_RUN_UNTIL(&v, lport, v.requests >= t0 + 4 && verify_int(&A, "rtp_received") > 20);
	ok(v.requests >= t0 + 4, "stun: keepalive Bindings from the running stream's sockets (%u)", v.requests - t0);
	ok(verify_int(&A, "auth_failures") == 0 && verify_int(&A, "rtp_received") > 20,
	   "stun: the STUN answers never reached SRTP (no authentication failure), media flows");
	is_str(verify_str(&A, "stun", buf, sizeof(buf)), "no NAT (the STUN server saw the local address)",
	       "stun: the verify report says no NAT");
	/* a NAT appears under the running call (the host moved to another network): a keepalive finds it */
	v.mode = SRV_NAT;
	v.shift = 20000;
	STUN_RUN_UNTIL(&v, lport, A.stun_changed > 0);
	in = call_media_stun(A.m);
	offer_text(&A, offer, sizeof(offer));
	snprintf(want, sizeof(want), "m=audio %u ", lport + 20000);
	ok(A.stun_changed == 1 && in && in->state == MEDIA_STUN_NAT && strstr(offer, "c=IN IP4 192.0.2.7\r\n") &&
		   strstr(offer, want),
	   "stun: a NAT that appears mid-call is found by a keepalive, and the next offer gives its mapping");
	call_media_free(A.m);
	call_media_free(B.m);

	/* no answer: ready after the short bound, with the local address */
	v.mode = SRV_SILENT;
	v.requests = 0;
	if (!ok(stun_side_alloc(&A, "A", &v, 400) == 0, "stun: silent server"))
		return;
	lport = offer_port(&A);
	t0 = (unsigned)loop_now_ms();
	STUN_RUN_UNTIL(&v, lport, A.stun_ready > 0);
	in = call_media_stun(A.m);
	ok(in && in->state == MEDIA_STUN_FAILED && strstr(in->error, "no answer"), "stun: failed: %s",
	   in ? in->error : "");
	ok((unsigned)loop_now_ms() - t0 >= 1400, "stun: gave up after the bound (%u ms)", (unsigned)loop_now_ms() - t0);
	is_int(v.requests, 6, "stun: three requests from each socket");
	offer_text(&A, offer, sizeof(offer));
	snprintf(want, sizeof(want), "m=audio %u ", lport);
	ok(strstr(offer, "c=IN IP4 127.0.0.1\r\n") && strstr(offer, want), "stun: the offer gives the local address");
	/* the server answers a later keepalive: the mapping is reported and the next SDP gives it */
	v.mode = SRV_NAT;
	STUN_RUN_UNTIL(&v, lport, A.stun_changed > 0);
	in = call_media_stun(A.m);
	offer_text(&A, offer, sizeof(offer));
	snprintf(want, sizeof(want), "m=audio %u ", lport + 20000);
	ok(A.stun_changed == 1 && in && in->state == MEDIA_STUN_NAT && strstr(offer, "c=IN IP4 192.0.2.7\r\n") &&
		   strstr(offer, want),
	   "stun: a keepalive answered after the failure: behind a NAT after all (%s)", want);
	call_media_free(A.m);
	close(v.fd);
}

/* ---- ZRTP ---- */

enum menc { SDES, ZRTP, SDES_ZRTP };

static int zside_alloc(struct side *s, const char *name, enum menc mode, bool required, struct zrtp_cache *c,
		       const char *peer)
{
	struct call_media_prm p;
	struct call_media_h h = { .dtmfh = dtmf_h, .timeouth = timeout_h, .zrtph = zrtp_h, .arg = s };
	int e;

	memset(s, 0, sizeof(*s));
	s->name = name;
	s->zrtp_err = -1;
	memset(&p, 0, sizeof(p));
	p.addr = "127.0.0.1";
	p.srtp = mode != ZRTP;
	p.zrtp = mode != SDES;
	p.srtp_required = required;
	p.zrtp_cache = c;
	p.zrtp_cache_error = c ? NULL : "no cache in this test";
	if ((e = call_media_alloc(&s->m, L, NULL, &p, &h)) != 0)
		return e;
	return call_media_set_peer(s->m, peer);
}

static char tmpdir[] = "/tmp/test_call_media.XXXXXX";

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static struct zrtp_cache *cache_at(const char *name)
{
	char path[256];
	struct zrtp_cache *c = NULL;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return zrtp_cache_open(&c, path) == 0 ? c : NULL;
}

/* the DTMF round: digits reach the other side over the keys in force */
static bool dtmf_passes(struct side *from, struct side *to, const char *d)
{
	memset(to->digits, 0, sizeof(to->digits));
	if (call_media_dtmf(from->m, d) != 0)
		return false;
	RUN_UNTIL(strlen(to->digits) >= strlen(d));
	return strcmp(to->digits, d) == 0;
}

/*
 * media_encryption = zrtp (RTP/AVP, a=zrtp-hash, nothing until ZRTP) and sdes-zrtp (SDES first, then
 * ZRTP), two media in one process: ZRTP completes through the call_media seam, both show one SAS,
 * the reports say how the keys came; SDES is never applied again once ZRTP's keys are in use; a move
 * and the far end's following it make a new ZRTP session; confirmations stored in the cache make
 * the next call "verified"; a substituted a=zrtp-hash fails the handshake.
 */
static void test_zrtp(enum menc mode)
{
	const char *nm = mode == ZRTP ? "zrtp" : "sdes-zrtp";
	struct zrtp_cache *ca = cache_at(mode == ZRTP ? "a1.db" : "a2.db"), *cb = cache_at(mode == ZRTP ? "b1.db" : "b2.db");
	struct side A, B;
	char offer[2048], buf[400], sas1[ZRTP_SAS_MAX], sas2[ZRTP_SAS_MAX];

	ok(ca && cb, "%s: two caches", nm);
	if (!ok(zside_alloc(&A, "A", mode, true, ca, "sip:b@example.test") == 0 &&
			zside_alloc(&B, "B", mode, true, cb, "sip:a@example.test") == 0,
		"%s: two media", nm))
		return;
	is_int(exchange(&A, &B, offer, sizeof(offer)), 0, "%s: offer, answer, applied", nm);
	ok(strstr(offer, "a=zrtp-hash:1.10 ") != NULL, "%s: the offer carries a=zrtp-hash", nm);
	if (mode == ZRTP)
		ok(strstr(offer, "RTP/AVP") && !strstr(offer, "a=crypto:"), "zrtp: RTP/AVP without a=crypto");
	else
		ok(strstr(offer, "RTP/SAVP") && strstr(offer, "a=crypto:"), "sdes-zrtp: RTP/SAVP with a=crypto");
	is_str(verify_str(&A, "key_exchange", buf, sizeof(buf)), mode == ZRTP ? "none yet" : "SDES",
	       "%s: before ZRTP: key exchange '%s'", nm, buf);
	if (mode == ZRTP)
		ok(call_media_held(A.m) && verify_int(&A, "rtp_sent") == 0, "zrtp: held, nothing sent");
	RUN_UNTIL(A.zrtp_reports && B.zrtp_reports);
	ok(A.zrtp_err == 0 && B.zrtp_err == 0 && call_media_zrtp_secure(A.m) && call_media_zrtp_secure(B.m),
	   "%s: ZRTP secure on both sides, reported once each (%u, %u)", nm, A.zrtp_reports, B.zrtp_reports);
	snprintf(sas1, sizeof(sas1), "%s", call_media_sas(A.m));
	ok(strlen(sas1) == 4 && !strcmp(sas1, call_media_sas(B.m)), "%s: the same 4-character SAS '%s' / '%s'", nm, sas1,
	   call_media_sas(B.m));
	is_str(verify_str(&A, "key_exchange", buf, sizeof(buf)), mode == ZRTP ? "ZRTP" : "SDES then ZRTP",
	       "%s: key exchange '%s'", nm, buf);
	is_str(verify_str(&A, "zrtp", buf, sizeof(buf)), "secure", "%s: zrtp secure", nm);
	is_str(verify_str(&A, "zrtp_cache", buf, sizeof(buf)), "new", "%s: cache state new", nm);
	is_str(verify_str(&A, "sas_method", buf, sizeof(buf)), "ZRTP, B32: 4 characters, committed", "%s: %s", nm, buf);
	ok(strcmp(verify_str(&A, "zrtp_cipher", buf, sizeof(buf)), "AES-256") == 0 &&
		   strcmp(verify_str(&A, "zrtp_key_agreement", buf, sizeof(buf)), "X25519") == 0 &&
		   strcmp(verify_str(&A, "zrtp_hash", buf, sizeof(buf)), "SHA-256") == 0,
	   "%s: AES-256, X25519, SHA-256", nm);
	is_str(verify_str(&A, "zrtp_peer", buf, sizeof(buf)), "BZRTPv1.1", "%s: the peer's client", nm);
	is_str(verify_str(&A, "srtp_tx", buf, sizeof(buf)), "AES_256_CM_HMAC_SHA1_80", "%s: the suite in use", nm);
	is_str(call_media_zrtp_alarm(A.m), "", "%s: nothing to alarm about", nm);
	ok(dtmf_passes(&A, &B, "12") && dtmf_passes(&B, &A, "3"), "%s: DTMF both ways under ZRTP's keys", nm);
	is_int(verify_int(&A, "plaintext_sent") + verify_int(&B, "plaintext_sent") + verify_int(&A, "auth_failures") +
		       verify_int(&B, "auth_failures"),
	       0, "%s: nothing in clear, no authentication failure", nm);

	/* a re-key by re-INVITE: new SDES keys in the SDP are not applied over ZRTP's */
	is_int(call_media_rekey(A.m), 0, "%s: A draws new SDES keys", nm);
	is_int(exchange(&A, &B, NULL, 0), 0, "%s: the re-INVITE's offer/answer applied", nm);
	ok(!strcmp(call_media_sas(A.m), sas1) && !strcmp(call_media_sas(B.m), sas1),
	   "%s: ZRTP's keys and SAS stay (%s)", nm, call_media_sas(A.m));
	is_str(verify_str(&A, "key_exchange", buf, sizeof(buf)), mode == ZRTP ? "ZRTP" : "SDES then ZRTP",
	       "%s: still %s", nm, buf);
	ok(dtmf_passes(&A, &B, "4"), "%s: DTMF still passes", nm);

	/* the SAS confirmed on both sides, stored */
	is_int(call_media_sas_confirm(A.m, true), 0, "%s: A confirms the SAS", nm);
	is_int(call_media_sas_confirm(B.m, true), 0, "%s: B confirms the SAS", nm);
	is_str(verify_str(&A, "sas_confirmed", buf, sizeof(buf)), "verified", "%s: the report says so", nm);

	/* a move: A's new sockets and ZRTP session; B follows A's new a=zrtp-hash with its own */
	A.zrtp_reports = B.zrtp_reports = 0;
	is_int(call_media_move(A.m), 0, "%s: A moves", nm);
	is_int(exchange(&A, &B, offer, sizeof(offer)), 0, "%s: the move's offer/answer applied", nm);
	RUN_UNTIL(A.zrtp_reports && B.zrtp_reports);
	ok(A.zrtp_err == 0 && B.zrtp_err == 0 && !strcmp(call_media_sas(A.m), call_media_sas(B.m)),
	   "%s: a new ZRTP session on both sides after the move, same SAS '%s'", nm, call_media_sas(A.m));
	is_str(verify_str(&A, "key_exchange", buf, sizeof(buf)), "ZRTP", "%s: the moved stream never ran on SDES", nm);
	is_str(verify_str(&A, "zrtp_cache", buf, sizeof(buf)), "verified",
	       "%s: the new session finds the peer verified (confirmed on both sides before)", nm);
	ok(dtmf_passes(&B, &A, "5"), "%s: DTMF after the move", nm);
	call_media_free(A.m);
	call_media_free(B.m);

	/* the next call between the two installations: verified without reading */
	ok(zside_alloc(&A, "A", mode, true, ca, "sip:b@example.test") == 0 &&
		   zside_alloc(&B, "B", mode, true, cb, "sip:a@example.test") == 0 && exchange(&A, &B, NULL, 0) == 0,
	   "%s: call 2", nm);
	RUN_UNTIL(A.zrtp_reports && B.zrtp_reports);
	ok(call_media_zrtp_secure(A.m) && call_media_zrtp_secure(B.m), "%s: call 2 secure", nm);
	ok(!strcmp(verify_str(&A, "zrtp_cache", buf, sizeof(buf)), "verified") &&
		   !strcmp(verify_str(&B, "zrtp_cache", sas2, sizeof(sas2)), "verified"),
	   "%s: call 2 is 'verified' on both sides (%s / %s)", nm, buf, sas2);
	ok(strstr(verify_str(&A, "sas_note", buf, sizeof(buf)), "verified before") != NULL, "%s: the note says so", nm);
	call_media_free(A.m);
	call_media_free(B.m);
	zrtp_cache_close(ca);
	zrtp_cache_close(cb);
}

/* A substituted a=zrtp-hash (an attacker in the signalling swapping Hellos): the handshake fails. */
static void test_zrtp_hash_mismatch(void)
{
	struct side A, B;
	struct sdp_result ro, ra;
	struct wbuf off, ans;
	char *h;
	char buf[400];

	memset(&ro, 0, sizeof(ro));
	memset(&ra, 0, sizeof(ra));
	wbuf_init(&off, 0);
	wbuf_init(&ans, 0);
	ok(zside_alloc(&A, "A", ZRTP, true, NULL, "sip:b@example.test") == 0 &&
		   zside_alloc(&B, "B", ZRTP, true, NULL, "sip:a@example.test") == 0,
	   "hash mismatch: two zrtp media without caches");
	ok(call_media_offer(A.m, &off) == 0 && call_media_answer(B.m, off.p, off.len, &ans, &ra) == 0 &&
		   (h = memmem(ans.p, ans.len, "a=zrtp-hash:1.10 ", 17)) != NULL,
	   "B's answer carries its hash");
	h[17] = h[17] == 'a' ? 'b' : 'a'; /* one hex digit of B's hash changed on the way */
	ok(call_media_take_answer(A.m, ans.p, ans.len, &ro) == 0 && call_media_apply(B.m, &ra) == 0 &&
		   call_media_apply(A.m, &ro) == 0,
	   "the doctored answer is taken");
	RUN_UNTIL(A.zrtp_reports);
	is_int(A.zrtp_err, EKEYREJECTED, "A's ZRTP fails: the Hello does not match the a=zrtp-hash");
	ok(strstr(call_media_zrtp_reason(A.m), "does not match the a=zrtp-hash") != NULL && call_media_held(A.m) &&
		   verify_int(&A, "rtp_sent") == 0,
	   "its reason says so, and A is still held: nothing sent");
	is_str(verify_str(&A, "key_exchange", buf, sizeof(buf)), "none yet", "no keys");
	sdp_result_wipe(&ro);
	sdp_result_wipe(&ra);
	wbuf_free(&off);
	wbuf_free(&ans);
	call_media_free(A.m);
	call_media_free(B.m);
}

/*
 * sdes-zrtp calling an SDES-only phone (or through a B2BUA that keeps ZRTP from the far phone): SDES
 * from the first packet, no ZRTP ever answers; after ZRTP_HANDSHAKE_MAX_S the failure is reported
 * with words about B2BUAs, and the call goes on under SDES. zrtp against it is refused at once.
 */
static void test_zrtp_sdes_peer(void)
{
	struct side A, B;
	char buf[400];

	ok(zside_alloc(&A, "A", ZRTP, true, NULL, "sip:b@example.test") == 0 &&
		   zside_alloc(&B, "B", SDES, true, NULL, "sip:a@example.test") == 0,
	   "zrtp calls an SDES-only phone");
	is_int(exchange(&A, &B, NULL, 0), EPROTO, "refused: the offer has no keys SDES could use");
	call_media_free(A.m);
	call_media_free(B.m);

	ok(zside_alloc(&A, "A", SDES_ZRTP, true, NULL, "sip:b@example.test") == 0 &&
		   zside_alloc(&B, "B", SDES, true, NULL, "sip:a@example.test") == 0,
	   "sdes-zrtp calls an SDES-only phone");
	is_int(exchange(&A, &B, NULL, 0), 0, "SDES agreed");
	ok(dtmf_passes(&A, &B, "1"), "media at once under SDES");
	{
		uint64_t end = loop_now_ms() + ZRTP_HANDSHAKE_MAX_MS + 3000;
		while (!A.zrtp_reports && loop_now_ms() < end)
			loop_run_once(L, 50);
	}
	is_int(A.zrtp_err, EPROTONOSUPPORT, "A's ZRTP fails: no ZRTP from the peer");
	ok(strstr(call_media_zrtp_reason(A.m), "direct_media=no") != NULL, "the reason names a PBX terminating media: %s",
	   call_media_zrtp_reason(A.m));
	ok(!call_media_held(A.m) && !strcmp(verify_str(&A, "key_exchange", buf, sizeof(buf)), "SDES") &&
		   strlen(call_media_sas(A.m)) == 7,
	   "the call stays on SDES, with its 6-digit SAS");
	is_str(verify_str(&A, "zrtp", buf, sizeof(buf)), "failed", "the report: zrtp failed");
	ok(dtmf_passes(&A, &B, "2"), "media still flows");
	call_media_free(A.m);
	call_media_free(B.m);
}

int main(void)
{
	struct side A, B;
	char sas1[16], sas2[16], offer[2048], ra1[80], ra2[80];
	struct event ev;

	if (loop_alloc(&L))
		tap_skip_all("no loop");
	test_stun();
	if (!ok(side_alloc(&A, "A", 0) == 0 && side_alloc(&B, "B", 600) == 0, "two media on 127.0.0.1"))
		return tap_done();
	ok(!call_media_running(A.m) && !call_media_result(A.m), "nothing runs before an answer was applied");
	is_str(call_media_sas(A.m), "", "... and there is no SAS");
	event_init(&ev, EVENT_SECURITY);
	call_media_verify_fields(A.m, &ev);
	is_str(event_get_str(&ev, "media"), "not started", "... the report says so");
	is_int(call_media_dtmf(A.m, "1"), EPROTO, "... and DTMF has nowhere to go");

	is_int(exchange(&A, &B, offer, sizeof(offer)), 0, "offer, answer, both applied");
	ok(strstr(offer, "RTP/SAVP") != NULL && strstr(offer, "a=crypto:") != NULL, "the offer is SDES-SRTP");
	ok(call_media_running(A.m) && call_media_running(B.m), "both streams run");
	ok(call_media_result(A.m) && call_media_result(A.m)->secure, "A's result is SRTP");
	snprintf(sas1, sizeof(sas1), "%s", call_media_sas(A.m));
	ok(strlen(sas1) == 7, "A shows a SAS (%s)", sas1);
	is_str(call_media_sas(B.m), sas1, "B shows the same");

	is_int(call_media_dtmf(A.m, "4#"), 0, "A sends 4#");
	RUN_UNTIL(strlen(B.digits) >= 2);
	is_str(B.digits, "4#", "B's handler hears 4# (RFC 4733 over SRTP)");
	ok(verify_int(&A, "packets_protected") > 0 && verify_int(&B, "packets_protected") > 0,
	   "both sides sent SRTP (%lld, %lld)", verify_int(&A, "packets_protected"), verify_int(&B, "packets_protected"));
	is_int(verify_int(&A, "plaintext_sent") + verify_int(&B, "plaintext_sent"), 0, "... and nothing in clear");
	is_int(verify_int(&A, "auth_failures") + verify_int(&B, "auth_failures"), 0, "... and every packet authenticated");

	/* re-key: the next exchange carries new keys, applied between two packets */
	is_int(call_media_rekey(A.m), 0, "A draws new keys");
	is_int(exchange(&A, &B, NULL, 0), 0, "the re-key's offer/answer applied");
	snprintf(sas2, sizeof(sas2), "%s", call_media_sas(A.m));
	ok(strcmp(sas1, sas2) != 0, "new keys, a new SAS (%s -> %s)", sas1, sas2);
	is_str(call_media_sas(B.m), sas2, "... the same at B");
	memset(B.digits, 0, sizeof(B.digits));
	call_media_dtmf(A.m, "7");
	RUN_UNTIL(B.digits[0]);
	is_str(B.digits, "7", "DTMF still arrives under the new keys");

	/* a move: new sockets offered, taken only when committed */
	verify_str(&B, "remote_media", ra1, sizeof(ra1));
	{
		char la[80];

		verify_str(&A, "local_media", la, sizeof(la));
		is_str(la, ra1, "A's verify names its end of the media path, where B sends (%s)", la);
	}
	is_int(call_media_move(A.m), 0, "A opens new sockets");
	ok(call_media_moving(A.m), "... a move is pending");
	is_int(call_media_move(A.m), EBUSY, "... one at a time");
	{
		unsigned p1 = offer_port(&A), p2;

		call_media_move_abort(A.m);
		ok(!call_media_moving(A.m), "aborted: nothing pending");
		p2 = offer_port(&A);
		ok(p1 && p2 && p1 != p2 && (unsigned)atoi(strchr(ra1, ':') + 1) == p2,
		   "the offer named the new port (%u), after the abort the old one again (%u)", p1, p2);
		/* that offer is answered, so the next exchange starts from a settled state */
		is_int(exchange(&A, &B, NULL, 0), 0, "an offer/answer on the old sockets");
	}
	is_int(call_media_move(A.m), 0, "A moves again");
	is_int(exchange(&A, &B, offer, sizeof(offer)), 0, "the move's offer/answer applied, the move committed");
	ok(!call_media_moving(A.m), "... nothing pending");
	verify_str(&B, "remote_media", ra2, sizeof(ra2));
	ok(strcmp(ra1, ra2) != 0, "B now sends to A's new port (%s -> %s)", ra1, ra2);
	memset(A.digits, 0, sizeof(A.digits));
	call_media_dtmf(B.m, "9");
	RUN_UNTIL(A.digits[0]);
	is_str(A.digits, "9", "A hears B on its new socket");

	/*
	 * A network change (call_media_readdress): the sockets (bound to the wildcard address), port and
	 * keys stay, the offer names the new address, B sends there; A's stream is not restarted, so its
	 * SRTP send context goes on (B counts no replay), and the SAS is the same.
	 */
	{
		char off2[2048], rm[80], sasb[12], crypto1[200], *k;
		long long sent0 = verify_int(&A, "rtp_sent"), rx0;
		/* the re-key and the move before may have left B a packet it could not take: count from here */
		long long bad0 = verify_int(&B, "replay_failures") + verify_int(&B, "auth_failures");
		unsigned port0 = offer_port(&A);
		struct wbuf w;

		wbuf_init(&w, 0);
		crypto1[0] = '\0';
		if (!call_media_offer(A.m, &w) && !w.err && (k = memmem(w.p, w.len, "a=crypto:", 9)))
			snprintf(crypto1, sizeof(crypto1), "%.*s", (int)strcspn(k, "\r"), k);
		wbuf_free(&w);
		/* that offer is answered, so the next exchange starts from a settled state */
		is_int(exchange(&A, &B, NULL, 0), 0, "an offer/answer before the move");
		snprintf(sasb, sizeof(sasb), "%s", call_media_sas(A.m));
		is_int(call_media_readdress(A.m, "::1"), EAFNOSUPPORT, "readdress to the other family: EAFNOSUPPORT");
		is_int(call_media_readdress(A.m, "not-an-address"), EINVAL, "readdress to a host name: EINVAL");
		is_str(call_media_addr(A.m), "127.0.0.1", "... the address unchanged");
		is_int(call_media_readdress(A.m, "127.0.0.2"), 0, "A's media address becomes 127.0.0.2");
		is_int(exchange(&A, &B, off2, sizeof(off2)), 0, "the move's offer/answer applied");
		ok(strstr(off2, "c=IN IP4 127.0.0.2\r\n") != NULL, "the offer says c=IN IP4 127.0.0.2");
		is_int(offer_port(&A), port0, "... the same port (%u)", port0);
		ok(crypto1[0] && strstr(off2, crypto1) != NULL, "... the same a=crypto line");
		is_str(call_media_sas(A.m), sasb, "... the same keys (SAS %s)", sasb);
		verify_str(&B, "remote_media", rm, sizeof(rm));
		ok(!strncmp(rm, "127.0.0.2:", 10), "B sends to the new address (%s)", rm);
		rx0 = verify_int(&B, "rtp_received");
		RUN_UNTIL(verify_int(&B, "rtp_received") > rx0 + 5 && verify_int(&A, "rtp_sent") > sent0 + 5);
		ok(verify_int(&A, "rtp_sent") > sent0 + 5, "A's stream went on, not restarted (rtp_sent %lld -> %lld)", sent0,
		   verify_int(&A, "rtp_sent"));
		is_int(verify_int(&B, "replay_failures") + verify_int(&B, "auth_failures") - bad0, 0,
		       "B: no replay or authentication failure since (the packet index went on)");
		memset(A.digits, 0, sizeof(A.digits));
		call_media_dtmf(B.m, "8");
		RUN_UNTIL(A.digits[0]);
		is_str(A.digits, "8", "A hears B at the new address on the same socket");
	}

	/* hold: our next offer says sendonly, and the far end's answer says it is held */
	call_media_set_hold(A.m, true);
	is_int(exchange(&A, &B, offer, sizeof(offer)), 0, "hold offer/answer");
	ok(strstr(offer, "a=sendonly") != NULL, "the offer says a=sendonly");
	ok(call_media_result(B.m) && call_media_result(B.m)->remote_hold, "B's result says it is held");
	call_media_set_hold(A.m, false);
	is_int(exchange(&A, &B, offer, sizeof(offer)), 0, "resume offer/answer");
	ok(strstr(offer, "a=sendrecv") != NULL, "the offer says a=sendrecv");

	/* A stops: B's timeout (600 ms) goes up through its handler, once */
	call_media_stop(A.m);
	ok(!call_media_running(A.m), "A stopped");
	RUN_UNTIL(B.timeouts > 0);
	is_int(B.timeouts, 1, "B's timeout handler ran once when A went silent");
	ok(call_media_result(A.m) != NULL && call_media_sas(A.m)[0], "A's last result and SAS stay for the reports");

	call_media_free(A.m);
	call_media_free(B.m);
	call_media_free(NULL);

	if (zrtp_lib_load() != 0) {
		diag("ZRTP cases skipped: %s", zrtp_lib_error());
	} else if (!mkdtemp(tmpdir)) {
		ok(0, "a scratch directory for the ZRTP caches");
	} else {
		test_zrtp(ZRTP);
		test_zrtp(SDES_ZRTP);
		test_zrtp_hash_mismatch();
		test_zrtp_sdes_peer();
		nftw(tmpdir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	}
	loop_free(L);
	return tap_done();
}
