/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_call.c: two UAs in one process over loopback TCP: SRTP calls with WAV audio, DTMF, hold, CANCEL, refusals, INVITEs without SDP, ZRTP. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "buf.h"
#include "call.h"
#include "call_audio.h"
#include "call_media.h"
#include "event.h"
#include "ev_copy.h"
#include "log.h"
#include "loop.h"
#include "sdp.h"
#include "sip_auth.h"
#include "sip_ctrans.h"
#include "sip_msg.h"
#include "sip_refer.h"
#include "sip_strans.h"
#include "sip_transp.h"
#include "srtp.h"
#include "tap.h"
#include "tone.h"
#include "stream.h"
#include "wav.h"
#include "zrtp.h"

#define MAXC 4
#define MAXEV 256

struct tua {
	const char *name;
	struct loop *l;
	struct sip_transp *tp;
	struct sip_ctrans_mgr *ctm;
	struct sip_strans_mgr *stm;
	struct call_audio *audio;
	struct call *calls[MAXC];
	struct call_prm prm;
	struct call_env env;
	uint16_t port;
	char contact[128];
	bool auto_answer;
	bool no_answer;
	struct tmr answer_tmr;
	/* events seen */
	char evname[MAXEV][32];
	struct event last_ended, last_security, last_established, last_incoming, last_network;
	char digits[32];
	unsigned nev;
	int hold_on; /* -1 unknown */
	uint64_t hold_at; /* when the last hold event came */
	char warning[400]; /* the last warning's message */
	/* a proxy in front of this UA that authenticates in-dialog INVITE/BYE (407) */
	int early;      /* the last progress event's early_media: -1 none yet */
	int challenge;  /* 0 no; 1 unless credentials carry nonce; 2 always; 3 always, a new nonce each time */
	bool challenge_new; /* out-of-dialog INVITEs too (else only in-dialog INVITE and BYE) */
	const char *chal_realm[2]; /* the challenges' realm ("test" when unset); with two, they take turns */
	char nonce[32];
	unsigned challenged, authed;
	unsigned evil_creds; /* requests that came with credentials for realm "evil.test" */
	unsigned reinvites; /* in-dialog INVITEs that reached the calls */
};

static struct tua A, B;
static struct sip_auth_realms a_realms; /* the realms of A's "account" */

static void answer_h(void *arg);
static void b_note(const struct sip_msg *m, struct sip_flow *flow);
static void xfer_note(struct tua *u, const struct sip_msg *m);
static void xfer_ev(struct tua *u, struct call *c, const struct event *ev);

static void ev_h(struct call *c, const struct event *ev, void *arg)
{
	struct tua *u = arg;
	char line[8192];
	size_t n;

	if (!event_json(ev, line, sizeof(line), &n))
		diag("%s: %s", u->name, line);
	if (u->nev < MAXEV)
		snprintf(u->evname[u->nev++], 32, "%s", ev->name);
	if (ev->kind == EVENT_ENDED)
		ev_copy(&u->last_ended, ev);
	else if (ev->kind == EVENT_SECURITY)
		ev_copy(&u->last_security, ev);
	else if (ev->kind == EVENT_ESTABLISHED)
		ev_copy(&u->last_established, ev);
	else if (ev->kind == EVENT_INCOMING)
		ev_copy(&u->last_incoming, ev);
	else if (ev->kind == EVENT_NETWORK)
		ev_copy(&u->last_network, ev);
	else if (ev->kind == EVENT_DTMF && strlen(u->digits) + 1 < sizeof(u->digits))
		strcat(u->digits, event_get_str(ev, "digit"));
	else if (ev->kind == EVENT_HOLD) {
		u->hold_on = event_get_int(ev, "on", -1);
		u->hold_at = loop_now_ms();
	} else if (ev->kind == EVENT_PROGRESS)
		u->early = (int)event_get_int(ev, "early_media", 0);
	else if (ev->kind == EVENT_WARNING)
		snprintf(u->warning, sizeof(u->warning), "%s", event_get_str(ev, "message"));
	if (ev->kind == EVENT_INCOMING && u->auto_answer)
		tmr_start(u->l, &u->answer_tmr, 50, answer_h, u);
	xfer_ev(u, c, ev);
}

static bool pl_has(struct pl p, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i + n <= p.l; i++)
		if (!memcmp(p.p + i, s, n))
			return true;
	return false;
}

static bool seen(const struct tua *u, const char *name)
{
	for (unsigned i = 0; i < u->nev; i++)
		if (!strcmp(u->evname[i], name))
			return true;
	return false;
}

static struct call *add_call(struct tua *u, struct call *c)
{
	for (int i = 0; i < MAXC; i++)
		if (!u->calls[i]) {
			u->calls[i] = c;
			return c;
		}
	return NULL;
}

static void answer_h(void *arg)
{
	struct tua *u = arg;

	for (int i = 0; i < MAXC; i++)
		if (u->calls[i] && call_state(u->calls[i]) == CALL_INCOMING)
			call_answer(u->calls[i]);
}

/*
 * Cases 14-16: A is a scripted caller that sends an INVITE without SDP (a delayed offer) and
 * answers in its ACK; what B sends it is kept here instead of going to A's call code.
 */
static struct {
	bool on;
	unsigned n180, n200, nbye;
	uint16_t last;        /* status of the last response */
	char ok200[8192];     /* the first 200 OK, whole */
	size_t ok200_len;
	bool same200;         /* every retransmitted 200 was the first byte for byte */
} raw;

static void raw_recv(const struct sip_msg *m, struct sip_flow *flow)
{
	struct pl r = sip_msg_raw(m);
	struct wbuf w;

	if (!sip_msg_is_request(m)) {
		raw.last = sip_msg_status(m);
		if (raw.last == 180)
			raw.n180++;
		if (raw.last != 200)
			return;
		if (!raw.n200++) {
			raw.same200 = r.l < sizeof(raw.ok200);
			raw.ok200_len = raw.same200 ? r.l : 0;
			memcpy(raw.ok200, r.p, raw.ok200_len);
		} else if (r.l != raw.ok200_len || memcmp(r.p, raw.ok200, r.l)) {
			raw.same200 = false;
		}
		return;
	}
	if (sip_msg_method_id(m) != SIP_METHOD_BYE)
		return;
	raw.nbye++;
	wbuf_init(&w, 0);
	if (!sip_reply_print(&w, m, 200, NULL, NULL, NULL, NULL, NULL, 0))
		sip_flow_send(flow, w.p, w.len);
	wbuf_free(&w);
}

static void recv_h(struct sip_msg *m, struct sip_flow *flow, const struct sockaddr *src, socklen_t srclen,
		   void *arg)
{
	struct tua *u = arg;
	int i;

	(void)src;
	(void)srclen;
	if (u == &A && raw.on) {
		raw_recv(m, flow);
		goto out;
	}
	if (u == &B)
		b_note(m, flow);
	xfer_note(u, m);
	if (!sip_msg_is_request(m)) {
		if (sip_ctrans_mgr_recv(u->ctm, m) == ENOENT)
			for (i = 0; i < MAXC; i++)
				if (u->calls[i] && !call_recv_stray(u->calls[i], m))
					break;
		goto out;
	}
	if (sip_strans_mgr_recv(u->stm, m) == 0)
		goto out;
	if (u->challenge && ((sip_msg_to(m) && pl_isset(sip_msg_to(m)->tag)) || u->challenge_new) &&
	    (sip_msg_method_id(m) == SIP_METHOD_INVITE || sip_msg_method_id(m) == SIP_METHOD_BYE)) {
		const struct sip_hdr *h;
		char want[64];
		struct wbuf w;

		for (h = sip_msg_hdr(m, SIP_HDR_PROXY_AUTHORIZATION); h; h = sip_msg_hdr_next(m, h))
			if (pl_has(h->line, "realm=\"evil.test\""))
				u->evil_creds++;
		h = sip_msg_hdr(m, SIP_HDR_PROXY_AUTHORIZATION);
		snprintf(want, sizeof(want), "nonce=\"%s\"", u->nonce);
		if (u->challenge >= 2 || !h || !pl_has(h->line, want)) {
			const char *realm = u->chal_realm[1] && u->challenged % 2 ? u->chal_realm[1] :
					    u->chal_realm[0] ? u->chal_realm[0] : "test";
			char extra[200];

			if (u->challenge == 3)
				snprintf(u->nonce, sizeof(u->nonce), "n%u", u->challenged);
			u->challenged++;
			snprintf(extra, sizeof(extra),
				 "Proxy-Authenticate: Digest realm=\"%s\", nonce=\"%s\", algorithm=MD5, qop=\"auth\"\r\n",
				 realm, u->nonce);
			wbuf_init(&w, 0);
			if (!sip_reply_print(&w, m, 407, NULL, "proxy", extra, NULL, NULL, 0))
				sip_flow_send(flow, w.p, w.len);
			wbuf_free(&w);
			goto out;
		}
		u->authed++;
	}
	if (sip_msg_to(m) && pl_isset(sip_msg_to(m)->tag) && sip_msg_method_id(m) == SIP_METHOD_INVITE)
		u->reinvites++;
	for (i = 0; i < MAXC; i++)
		if (u->calls[i] && !call_recv_request(u->calls[i], m, flow))
			goto out;
	if (sip_msg_method_id(m) == SIP_METHOD_INVITE) {
		struct call *c = NULL;
		if (!call_incoming(&c, &u->env, &u->prm, flow, u->contact, m, ev_h, u))
			add_call(u, c);
	}
out:
	sip_msg_free(m);
}

static void lost_h(struct sip_flow *flow, int err, const char *why, void *arg)
{
	struct tua *u = arg;

	(void)err;
	(void)why;
	for (int i = 0; i < MAXC; i++)
		if (u->calls[i])
			call_flow_lost(u->calls[i], flow);
}

/*
 * B's side of things the flow guard tests need: the dialog of the last ACK B got (Call-ID,
 * From, To as A sent them), and B's "account" connection: B's end of A's current connection.
 */
static struct sip_flow *cur_ab; /* the flow A places its calls on */
static struct sip_flow *b_acct;
static char dlg_callid[128], dlg_from[256], dlg_to[256];

static void b_note(const struct sip_msg *m, struct sip_flow *flow)
{
	const struct sip_hdr *h;

	if (cur_ab && !strcmp(sip_flow_raddr(flow), sip_flow_laddr(cur_ab)) && b_acct != flow) {
		if (b_acct)
			sip_flow_unref(b_acct);
		sip_flow_ref(flow);
		b_acct = flow;
	}
	if (!sip_msg_is_request(m) || sip_msg_method_id(m) != SIP_METHOD_ACK)
		return;
	if ((h = sip_msg_hdr(m, SIP_HDR_CALL_ID)) != NULL)
		pl_strdup(dlg_callid, sizeof(dlg_callid), h->line);
	if ((h = sip_msg_hdr(m, SIP_HDR_FROM)) != NULL)
		pl_strdup(dlg_from, sizeof(dlg_from), h->line);
	if ((h = sip_msg_hdr(m, SIP_HDR_TO)) != NULL)
		pl_strdup(dlg_to, sizeof(dlg_to), h->line);
}

static struct sip_flow *b_flow_h(char *contact, size_t csz, void *arg)
{
	(void)arg;
	if (csz)
		contact[0] = '\0';
	return b_acct && sip_flow_alive(b_acct) ? b_acct : NULL;
}

/* Mallory: a third party with a connection of its own to A, who knows the dialog (Call-ID and tags). */
static struct sip_transp *m_tp;
static struct sip_flow *m_flow;
static uint16_t m_status; /* of the last response mallory got */

static void m_recv_h(struct sip_msg *m, struct sip_flow *flow, const struct sockaddr *src, socklen_t srclen,
		     void *arg)
{
	(void)flow;
	(void)src;
	(void)srclen;
	(void)arg;
	if (!sip_msg_is_request(m) && sip_msg_status(m) >= 200)
		m_status = sip_msg_status(m);
	sip_msg_free(m);
}

static void m_flow_h(int err, const char *why, struct sip_flow *flow, void *arg)
{
	(void)why;
	(void)arg;
	if (!err) {
		sip_flow_ref(flow);
		m_flow = flow;
	}
}

/* Mallory sends an in-dialog request of A's call, as if from B, over its own connection. */
static int m_send(const char *method, unsigned n)
{
	char buf[1500];

	snprintf(buf, sizeof(buf),
		 "%s %s SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKmallory%u\r\nMax-Forwards: 70\r\n"
		 "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %u %s\r\nContent-Length: 0\r\n\r\n",
		 method, A.contact, n, dlg_to, dlg_from, dlg_callid, 900 + n, method);
	return m_flow ? sip_flow_send(m_flow, buf, strlen(buf)) : ENOTCONN;
}

/* What A's "account" has as its connection now (for a call whose own flow was lost). */
static struct sip_flow *hook_flow;

static struct sip_flow *test_flow_h(char *contact, size_t csz, void *arg)
{
	(void)arg;
	if (csz)
		contact[0] = '\0';
	return hook_flow;
}

static int tua_init(struct tua *u, const char *name, struct loop *l, const char *in, const char *out)
{
	struct sockaddr_in sin;
	struct call_audio_prm ap;
	char err[200];
	int e;

	memset(u, 0, sizeof(*u));
	u->name = name;
	u->l = l;
	u->hold_on = -1;
	tmr_init(&u->answer_tmr);
	if ((e = sip_transp_alloc(&u->tp, l, NULL, recv_h, lost_h, u)) != 0 ||
	    (e = sip_ctrans_mgr_alloc(&u->ctm, l, NULL)) != 0 || (e = sip_strans_mgr_alloc(&u->stm, l, NULL)) != 0)
		return e;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((e = sip_transp_listen(u->tp, SIP_TP_TCP, (struct sockaddr *)&sin, sizeof(sin), NULL, &u->port)) != 0)
		return e;
	snprintf(u->contact, sizeof(u->contact), "sip:%s@127.0.0.1:%u;transport=tcp", name, u->port);
	memset(&ap, 0, sizeof(ap));
	ap.audio_in = in;
	ap.audio_out = out;
	/* TEST_CALL_PA_DEVICE: B on a PortAudio device instead (smoke test under a JACK dummy server) */
	if (!strcmp(name, "bob") && getenv("TEST_CALL_PA_DEVICE")) {
		ap.portaudio = true;
		ap.device = getenv("TEST_CALL_PA_DEVICE");
		ap.audio_in = ap.audio_out = NULL;
	}
	if ((e = call_audio_alloc(&u->audio, l, &ap, err, sizeof(err))) != 0) {
		diag("audio: %s", err);
		return e;
	}
	u->env.l = l;
	u->env.ctm = u->ctm;
	u->env.stm = u->stm;
	u->env.audio = u->audio;
	u->prm.account = name;
	u->prm.local_uri = !strcmp(name, "alice") ? "sip:alice@example.test" : "sip:bob@example.test";
	u->prm.media.addr = "127.0.0.1";
	u->prm.media.srtp = true;
	u->prm.media.srtp_required = true;
	u->prm.keys_on_insecure = true; /* TCP in this test: keys allowed on purpose */
	return 0;
}

static void tua_reap(struct tua *u)
{
	for (int i = 0; i < MAXC; i++) {
		call_free(u->calls[i]);
		u->calls[i] = NULL;
	}
	u->nev = 0;
	u->digits[0] = '\0';
	u->hold_on = -1;
	u->warning[0] = '\0';
	u->early = -1;
	memset(&u->last_ended, 0, sizeof(u->last_ended));
	memset(&u->last_incoming, 0, sizeof(u->last_incoming));
}

static void tua_fini(struct tua *u)
{
	tua_reap(u);
	tmr_cancel(&u->answer_tmr);
	sip_strans_mgr_free(u->stm);
	sip_ctrans_mgr_free(u->ctm);
	sip_transp_free(u->tp);
	call_audio_free(u->audio);
}

static struct loop *L;

/*
 * One step of ms: on the virtual clock (main; the default) time moves by exactly ms, every timer
 * due by then firing at its own time, so the durations checked below hold whatever the machine's
 * load; on the real clock (TEST_CALL_PA_DEVICE: a sound card keeps real time) one loop round.
 */
static bool real_clock;

static void step(unsigned ms)
{
	if (real_clock)
		loop_run_once(L, (int)ms);
	else
		loop_advance(L, ms);
}

/* Runs the loop until cond() or ms pass. */
static bool run_until(bool (*cond)(void), unsigned ms)
{
	uint64_t end = loop_now_ms() + ms;

	while (loop_now_ms() < end) {
		if (cond && cond())
			return true;
		step(10);
	}
	return cond ? cond() : true;
}

static struct sip_flow *flow_ab;
static int flow_err = -1;

static void flow_h(int err, const char *why, struct sip_flow *flow, void *arg)
{
	(void)why;
	(void)arg;
	flow_err = err;
	if (!err) {
		sip_flow_ref(flow);
		flow_ab = flow;
	}
}

static bool flow_ready(void)
{
	return flow_err >= 0;
}

/* Another connection A->B (referenced), or NULL. */
static struct sip_flow *new_flow(const struct sip_dest *d)
{
	flow_ab = NULL;
	flow_err = -1;
	sip_transp_flow_get(A.tp, d, flow_h, NULL, NULL);
	run_until(flow_ready, 3000);
	return flow_ab;
}

/* The UA's first call that has not ended (else its first call). */
static struct call *live(struct tua *u)
{
	for (int i = 0; i < MAXC; i++)
		if (u->calls[i] && call_state(u->calls[i]) != CALL_ENDED)
			return u->calls[i];
	return u->calls[0];
}

static bool m_ready(void)
{
	return m_flow != NULL;
}

static bool m_answered(void)
{
	return m_status != 0;
}

static bool both_established(void)
{
	return live(&A) && live(&B) && call_state(live(&A)) == CALL_ESTABLISHED &&
	       call_state(live(&B)) == CALL_ESTABLISHED;
}

static bool a_ended(void)
{
	return A.calls[0] && call_state(A.calls[0]) == CALL_ENDED;
}

static bool both_ended(void)
{
	return a_ended() && B.calls[0] && call_state(B.calls[0]) == CALL_ENDED;
}

static bool a_warned(void)
{
	return A.warning[0] != '\0';
}

static bool b_warned(void)
{
	return B.warning[0] != '\0';
}

static bool a_early(void)
{
	return A.early == 1;
}

static bool b_ended(void)
{
	return B.calls[0] && call_state(B.calls[0]) == CALL_ENDED;
}

static bool a_closed(void)
{
	return !call_closing(A.calls[0]);
}

static bool b_ringing(void)
{
	return B.calls[0] && call_state(B.calls[0]) == CALL_INCOMING && A.calls[0] &&
	       call_state(A.calls[0]) == CALL_RINGING;
}

static bool b_digits3(void)
{
	return strlen(B.digits) >= 3;
}

static bool hold_seen(void)
{
	return A.hold_on == 1 && B.hold_on == 1;
}

static bool resume_seen(void)
{
	return A.hold_on == 0 && B.hold_on == 0;
}

static struct sip_flow *orig_ab;

static int place(void)
{
	struct call *c = NULL;
	int e = call_connect(&c, &A.env, &A.prm, cur_ab, A.contact, "sip:bob@example.test", ev_h, &A);

	if (!e)
		add_call(&A, c);
	return e;
}

/* A's scripted INVITE number n, without a body (a delayed offer). */
static int raw_invite(unsigned n)
{
	char msg[1024];

	raw.n180 = raw.n200 = raw.nbye = 0;
	raw.last = 0;
	raw.ok200_len = 0;
	snprintf(msg, sizeof(msg),
		 "INVITE sip:bob@127.0.0.1:%u;transport=tcp SIP/2.0\r\n"
		 "Via: SIP/2.0/TCP 127.0.0.1:%u;branch=z9hG4bKlate%u\r\n"
		 "Max-Forwards: 70\r\n"
		 "From: <sip:carol@example.test>;tag=late%u\r\n"
		 "To: <sip:bob@example.test>\r\n"
		 "Call-ID: late-%u@test\r\n"
		 "CSeq: 1 INVITE\r\n"
		 "Contact: <sip:carol@127.0.0.1:%u;transport=tcp>\r\n"
		 "Supported: timer\r\n"
		 "Content-Length: 0\r\n\r\n",
		 B.port, A.port, n, n, n, A.port);
	return sip_flow_send(cur_ab, msg, strlen(msg));
}

/* The ACK of invite n's 200 (kept in raw), carrying body (NULL: none); to the 200's Contact. */
static int raw_ack(unsigned n, const char *body)
{
	struct sip_msg *m = NULL;
	const struct sip_addr *to, *ct;
	struct wbuf w;
	size_t blen = body ? strlen(body) : 0;
	int e;

	if ((e = sip_msg_decode(&m, raw.ok200, raw.ok200_len)) != 0)
		return e;
	to = sip_msg_to(m);
	ct = sip_msg_contact_count(m) ? sip_msg_contact_at(m, 0) : NULL;
	if (!to || !ct) {
		sip_msg_free(m);
		return EBADMSG;
	}
	wbuf_init(&w, 0);
	wbuf_printf(&w,
		    "ACK %.*s SIP/2.0\r\n"
		    "Via: SIP/2.0/TCP 127.0.0.1:%u;branch=z9hG4bKlateack%u\r\n"
		    "Max-Forwards: 70\r\n"
		    "From: <sip:carol@example.test>;tag=late%u\r\n"
		    "To: %.*s\r\n"
		    "Call-ID: late-%u@test\r\n"
		    "CSeq: 1 ACK\r\n"
		    "%s"
		    "Content-Length: %zu\r\n\r\n%s",
		    (int)ct->uri_raw.l, ct->uri_raw.p, A.port, n, n, (int)to->val.l, to->val.p, n,
		    blen ? "Content-Type: application/sdp\r\n" : "", blen, blen ? body : "");
	e = w.err ? w.err : sip_flow_send(cur_ab, w.p, w.len);
	wbuf_free(&w);
	sip_msg_free(m);
	return e;
}

/* The body of the kept 200 (B's offer). */
static struct pl raw_offer(void)
{
	const char *p = raw.ok200_len ? memmem(raw.ok200, raw.ok200_len, "\r\n\r\n", 4) : NULL;
	struct pl b = { NULL, 0 };

	if (p) {
		b.p = p + 4;
		b.l = raw.ok200_len - (size_t)(b.p - raw.ok200);
	}
	return b;
}

static size_t count_str(struct pl p, const char *s)
{
	size_t n = 0, k = strlen(s);

	for (size_t i = 0; i + k <= p.l; i++)
		if (!memcmp(p.p + i, s, k))
			n++;
	return n;
}

/* A UDP socket on 127.0.0.1 (any port): the scripted caller's media. */
static int raw_udp(uint16_t *port)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || getsockname(fd, (struct sockaddr *)&sin, &sl)) {
		close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

/*
 * For ms, runs the loop while the scripted caller sends B a PCMU packet (SRTP with ss) every
 * 20 ms to the address of B's offer, and counts what B sends it: packets that authenticate with
 * B's key (good) and those that do not (bad).
 */
static void raw_media(int fd, struct srtp_sess *ss, const struct sdp_result *r, unsigned ms, unsigned *sent,
		      unsigned *good, unsigned *bad)
{
	struct sockaddr_in to;
	uint64_t end = loop_now_ms() + ms, next = 0;
	uint16_t seq = 100;
	uint32_t ts = 1000;
	uint8_t pkt[12 + 160 + SRTP_SESS_MAX_TRAILER];

	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons(r->rport);
	inet_pton(AF_INET, r->raddr, &to.sin_addr);
	while (loop_now_ms() < end) {
		uint64_t now = loop_now_ms();
		ssize_t n;

		if (now >= next) {
			size_t len = 12 + 160;
			memset(pkt, 0, sizeof(pkt));
			pkt[0] = 0x80;
			pkt[1] = 0;
			pkt[2] = (uint8_t)(seq >> 8);
			pkt[3] = (uint8_t)seq;
			pkt[4] = (uint8_t)(ts >> 24);
			pkt[5] = (uint8_t)(ts >> 16);
			pkt[6] = (uint8_t)(ts >> 8);
			pkt[7] = (uint8_t)ts;
			pkt[8] = 0x12;
			pkt[9] = 0x34;
			pkt[10] = 0x56;
			pkt[11] = 0x78;
			memset(pkt + 12, 0xff, 160);
			if (!srtp_sess_protect(ss, pkt, &len, sizeof(pkt)) &&
			    sendto(fd, pkt, len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)len)
				(*sent)++;
			seq++;
			ts += 160;
			next = (next ? next : now) + 20;
		}
		while ((n = recv(fd, pkt, sizeof(pkt), 0)) > 0) {
			size_t len = (size_t)n;
			if (srtp_sess_unprotect(ss, pkt, &len) == 0)
				(*good)++;
			else
				(*bad)++;
		}
		step(5);
	}
}

static bool raw_got_200(void)
{
	return raw.n200 > 0;
}

static bool raw_got_final(void)
{
	return raw.last >= 200;
}

static bool b_established(void)
{
	return B.calls[0] && seen(&B, "established");
}

static bool b_ended_and_bye(void)
{
	return b_ended() && raw.nbye > 0;
}

/* Index of the first event called name that B reported, or -1. */
static int b_ev_index(const char *name)
{
	for (unsigned i = 0; i < B.nev; i++)
		if (!strcmp(B.evname[i], name))
			return (int)i;
	return -1;
}

/* Zero crossings per second and RMS of the last `secs` seconds of a WAV. */
static int analyse(const char *path, double secs, double *zc, double *rms)
{
	struct wav *w = NULL;
	static int16_t s[8000 * 30];
	size_t got = 0, n, i, from, cross = 0;
	double acc = 0;
	char err[100];

	if (wav_open_read(&w, path, err, sizeof(err)))
		return -1;
	wav_read(w, s, sizeof(s) / sizeof(s[0]), &got);
	wav_close(w);
	n = (size_t)(secs * 8000);
	if (got < n)
		return -1;
	diag("%s: %zu samples", path, got);
	from = got - n;
	for (i = from; i < got; i++) {
		acc += (double)s[i] * s[i];
		if (i > from && ((s[i - 1] < 0) != (s[i] < 0)))
			cross++;
	}
	*zc = (double)cross / secs;
	*rms = sqrt(acc / (double)n);
	return 0;
}

/* ---- ZRTP (media_encryption zrtp / sdes-zrtp) through SIP ---- */

static bool zrtp_secure_both(void)
{
	const char *a = event_get_str(&A.last_security, "zrtp"), *b = event_get_str(&B.last_security, "zrtp");
	return a && b && !strcmp(a, "secure") && !strcmp(b, "secure");
}

static void media_mode(struct tua *u, bool srtp, bool zrtp, bool required, struct zrtp_cache *c)
{
	u->prm.media.srtp = srtp;
	u->prm.media.zrtp = zrtp;
	u->prm.media.srtp_required = required;
	u->prm.media.zrtp_cache = c;
	u->prm.media.zrtp_cache_error = c ? NULL : "none in this test";
}

static void zrtp_cases(const char *dir)
{
	char pa[300], pb[300], sas[ZRTP_SAS_MAX];
	struct zrtp_cache *ca = NULL, *cb = NULL;
	struct call *x = NULL, *y = NULL;

	snprintf(pa, sizeof(pa), "%s/a-zrtp.db", dir);
	snprintf(pb, sizeof(pb), "%s/b-zrtp.db", dir);
	ok(zrtp_cache_open(&ca, pa) == 0 && zrtp_cache_open(&cb, pb) == 0, "zrtp: a cache each");
	media_mode(&A, false, true, true, ca);
	media_mode(&B, false, true, true, cb);
	/* 19. zrtp: no keys in the SDP, so TCP may carry it without keys_on_insecure */
	A.prm.keys_on_insecure = B.prm.keys_on_insecure = false;
	memset(&A.last_security, 0, sizeof(A.last_security));
	memset(&B.last_security, 0, sizeof(B.last_security));
	is_int(place(), 0, "zrtp: INVITE sent over TCP (no keys in an RTP/AVP + a=zrtp-hash offer)");
	ok(run_until(both_established, 5000), "zrtp: established");
	ok(!event_get_str(&A.last_established, "warning") &&
		   strstr(event_get_str(&A.last_established, "media") ? event_get_str(&A.last_established, "media") : "",
			  "nothing is sent until ZRTP"),
	   "zrtp: 'established' says the media waits for ZRTP, not that it is unencrypted");
	ok(run_until(zrtp_secure_both, 5000), "zrtp: a 'security' event with ZRTP secure on both sides");
	snprintf(sas, sizeof(sas), "%s", event_get_str(&A.last_security, "sas") ? event_get_str(&A.last_security, "sas") : "");
	ok(strlen(sas) == 4 && !strcmp(sas, call_sas(live(&B))), "zrtp: the same SAS at both ends (%s / %s)", sas,
	   call_sas(live(&B)));
	is_str(event_get_str(&A.last_security, "key_exchange"), "ZRTP", "zrtp: key_exchange ZRTP");
	is_str(event_get_str(&A.last_security, "zrtp_cache"), "new", "zrtp: first call: cache state new");
	is_int(call_sas_confirm(live(&A), true), 0, "zrtp: A confirms the SAS");
	is_str(event_get_str(&A.last_security, "sas_confirmed"), "verified", "zrtp: the security event shows it");
	is_int(call_sas_confirm(live(&B), true), 0, "zrtp: B confirms");
	is_int(call_hangup(live(&A)), 0, "zrtp: hang up");
	run_until(both_ended, 3000);
	tua_reap(&A);
	tua_reap(&B);

	/* 20. the next call: verified before, no reading needed */
	memset(&A.last_security, 0, sizeof(A.last_security));
	memset(&B.last_security, 0, sizeof(B.last_security));
	is_int(place(), 0, "zrtp: call 2");
	ok(run_until(both_established, 5000) && run_until(zrtp_secure_both, 5000), "zrtp: call 2 secure");
	ok(!strcmp(event_get_str(&A.last_security, "zrtp_cache"), "verified") &&
		   !strcmp(event_get_str(&B.last_security, "zrtp_cache"), "verified"),
	   "zrtp: call 2 shows 'verified' on both sides");
	call_hangup(live(&A));
	run_until(both_ended, 3000);
	tua_reap(&A);
	tua_reap(&B);

	/*
	 * 21. a far end without ZRTP that takes plain RTP (srtp_required = no): zrtp with srtp_required
	 * sends nothing, and ends the call when ZRTP cannot finish; sdes-zrtp stays on SDES and warns.
	 */
	media_mode(&B, true, false, false, NULL);
	B.prm.keys_on_insecure = A.prm.keys_on_insecure = true;
	media_mode(&A, false, true, true, NULL);
	is_int(call_connect(&x, &A.env, &A.prm, cur_ab, A.contact, "sip:bob@example.test", ev_h, &A), 0,
	       "zrtp: a call to a phone without ZRTP");
	add_call(&A, x);
	call_set_active(x, false); /* the device goes to the second call; this one runs on its own clock */
	media_mode(&A, true, true, true, NULL);
	is_int(call_connect(&y, &A.env, &A.prm, cur_ab, A.contact, "sip:bob@example.test", ev_h, &A), 0,
	       "sdes-zrtp: a call to it");
	add_call(&A, y);
	{
		uint64_t end = loop_now_ms() + ZRTP_HANDSHAKE_MAX_MS + 4000;
		while (loop_now_ms() < end && (call_state(x) != CALL_ENDED || !strstr(A.warning, "ZRTP failed")))
			step(20);
	}
	ok(call_state(x) == CALL_ENDED && event_get_int(&A.last_ended, "status", 0) == 488 &&
		   strstr(event_get_str(&A.last_ended, "reason"), "ZRTP failed, so the media has no keys") &&
		   strstr(event_get_str(&A.last_ended, "reason"), "no ZRTP from the far end"),
	   "zrtp: the call ends with the reason (%s)", event_get_str(&A.last_ended, "reason"));
	ok(call_state(y) == CALL_ESTABLISHED && strstr(A.warning, "ZRTP failed: no ZRTP from the far end") &&
		   strstr(A.warning, "stays on the SDES keys"),
	   "sdes-zrtp: the call goes on under SDES, with a warning (%s)", A.warning);
	ok(strlen(call_sas(y)) == 7, "sdes-zrtp: the SAS shown is SDES's six digits (%s)", call_sas(y));
	call_hangup(y);
	run_until(both_ended, 3000);
	tua_reap(&A);
	tua_reap(&B);
	media_mode(&A, true, false, true, NULL);
	media_mode(&B, true, false, true, NULL);
	zrtp_cache_close(ca);
	zrtp_cache_close(cb);
	unlink(pa);
	unlink(pb);
}

/* ---------------- transfer (call_xfer.c) ---------------- */

static const char *S0(const char *s);

/* What the wire showed: the new INVITE's Referred-By at A, A's NOTIFY status lines, B's last answer to its raw requests. */
static struct {
	char referred_by[300];
	char replaces[300]; /* the Replaces of the INVITE A got */
	char frags[200];   /* "100 200 " : the sipfrag codes A was told, in order */
	char refer_to[600]; /* the Refer-To of the REFER B got */
	uint16_t b_resp;   /* the status of A's answer to B's raw request */
	bool b_refer_sub_false; /* that answer said Refer-Sub: false */
	unsigned b_notifies; /* NOTIFYs B got */
	char b_warning[300];
	bool fail;         /* B's refer handler refuses */
	bool srtp_asked;   /* what B's handler was told: the new call must have SRTP */
	char target[300];
	struct call *old_c, *new_c;
	unsigned ntransfer[2]; /* A's and B's "transfer" events */
	char last_state[2][32];
	char last_reason[2][300];
	long long last_status[2];
	char a_substate[100];  /* the Subscription-State of the last NOTIFY A got */
	char ask_target[300];  /* B's "ask" event (accept_transfer = ask): the target shown, the time given */
	long long ask_timeout;
	unsigned new_invites;    /* INVITEs B got after the transfer was asked (none: it placed no call) */
} xf;

static void xfer_note(struct tua *u, const struct sip_msg *m)
{
	const struct sip_hdr *h;
	const struct sip_cseq *cs = sip_msg_cseq(m);

	if (u == &A && sip_msg_is_request(m) && sip_msg_method_id(m) == SIP_METHOD_INVITE &&
	    (h = sip_msg_hdr(m, SIP_HDR_REFERRED_BY)) != NULL)
		pl_strdup(xf.referred_by, sizeof(xf.referred_by), h->line);
	if (u == &A && sip_msg_is_request(m) && sip_msg_method_id(m) == SIP_METHOD_INVITE &&
	    (h = sip_msg_hdr_by_name(m, "Replaces")) != NULL)
		pl_strdup(xf.replaces, sizeof(xf.replaces), h->line);
	if (u == &A && sip_msg_is_request(m) && sip_msg_method_id(m) == SIP_METHOD_NOTIFY) {
		struct pl b = sip_msg_body(m);
		if (b.l > 11 && strlen(xf.frags) + 5 < sizeof(xf.frags)) {
			strncat(xf.frags, b.p + 8, 3);
			strcat(xf.frags, " ");
		}
		if ((h = sip_msg_hdr(m, SIP_HDR_SUBSCRIPTION_STATE)) != NULL)
			pl_strdup(xf.a_substate, sizeof(xf.a_substate), h->val);
	}
	if (u == &A && sip_msg_is_request(m) && sip_msg_method_id(m) == SIP_METHOD_INVITE)
		xf.new_invites++;
	if (u == &B && sip_msg_is_request(m) && sip_msg_method_id(m) == SIP_METHOD_NOTIFY)
		xf.b_notifies++;
	if (u == &B && sip_msg_is_request(m) && sip_msg_method_id(m) == SIP_METHOD_REFER &&
	    (h = sip_msg_hdr(m, SIP_HDR_REFER_TO)) != NULL)
		pl_strdup(xf.refer_to, sizeof(xf.refer_to), h->line);
	if (u == &B && !sip_msg_is_request(m) && cs && cs->num >= 100000) {
		xf.b_resp = sip_msg_status(m);
		xf.b_refer_sub_false = (h = sip_msg_hdr_by_name(m, "Refer-Sub")) != NULL && pl_has(h->line, "false");
		xf.b_warning[0] = '\0';
		if ((h = sip_msg_hdr(m, SIP_HDR_WARNING)) != NULL)
			pl_strdup(xf.b_warning, sizeof(xf.b_warning), h->line);
	}
}

/* B's owner: places the call its far end asks for, over B's connection to A */
static int b_refer_h(struct call *c, const struct call_refer *r, unsigned *idp, char *why, size_t whysz, void *arg)
{
	struct call_prm p = B.prm;
	struct call *nc = NULL;
	int e;

	(void)arg;
	xf.srtp_asked = r->srtp_required;
	snprintf(xf.target, sizeof(xf.target), "%s", r->target);
	if (xf.fail) {
		snprintf(why, whysz, "test: refused");
		return EPERM;
	}
	p.media.srtp_required = r->srtp_required;
	e = call_connect_referred(&nc, &B.env, &p, b_acct, B.contact, r, ev_h, &B);
	if (e)
		return e;
	add_call(&B, nc);
	xf.old_c = c;
	xf.new_c = nc;
	*idp = call_id(nc);
	return 0;
}

static void xfer_ev(struct tua *u, struct call *c, const struct event *ev)
{
	int i = u == &A ? 0 : 1;

	if (ev->kind == EVENT_TRANSFER) {
		const char *r = event_get_str(ev, "reason");
		xf.ntransfer[i]++;
		snprintf(xf.last_state[i], sizeof(xf.last_state[i]), "%s", event_get_str(ev, "state"));
		snprintf(xf.last_reason[i], sizeof(xf.last_reason[i]), "%s", r ? r : "");
		xf.last_status[i] = event_get_int(ev, "status", 0);
		if (!strcmp(xf.last_state[i], "ask")) {
			snprintf(xf.ask_target, sizeof(xf.ask_target), "%s", S0(event_get_str(ev, "target")));
			xf.ask_timeout = event_get_int(ev, "timeout", 0);
		}
	}
	/* what ua.c does for a call placed for a transfer */
	if (u == &B && c && c == xf.new_c && xf.old_c) {
		if (ev->kind == EVENT_ESTABLISHED)
			call_refer_progress(xf.old_c, 200, NULL);
		else if (ev->kind == EVENT_ENDED)
			call_refer_progress(xf.old_c, (uint16_t)event_get_int(ev, "status", 487), NULL);
	}
}

/*
 * B sends a raw in-dialog request of the call (as the far end of A's call, over the call's own connection),
 * CSeq 100000 + n: above any B's dialog used (they start below 2^16).
 */
static int b_send(const char *method, const char *extra, const char *ctype, const char *body, unsigned n)
{
	char buf[2000];

	xf.b_resp = 0;
	snprintf(buf, sizeof(buf),
		 "%s %s SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:%u;branch=z9hG4bKxfer%u\r\nMax-Forwards: 70\r\n"
		 "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %u %s\r\n%s%s%s%sContent-Length: %zu\r\n\r\n%s",
		 method, A.contact, B.port, n, dlg_to, dlg_from, dlg_callid, 100000 + n, method, extra,
		 ctype ? "Content-Type: " : "", ctype ? ctype : "", ctype ? "\r\n" : "", body ? strlen(body) : 0,
		 body ? body : "");
	return b_acct ? sip_flow_send(b_acct, buf, strlen(buf)) : ENOTCONN;
}

static char xf_prev_callid[128];

static const char *S0(const char *s)
{
	return s ? s : "";
}

/* B got the ACK of the newest call (b_note took its dialog) */
static bool dlg_new(void)
{
	return strcmp(dlg_callid, xf_prev_callid) != 0;
}

static bool b_resp_got(void)
{
	return xf.b_resp != 0;
}

static bool a_xfer_done(void)
{
	return !strcmp(xf.last_state[0], "succeeded") || !strcmp(xf.last_state[0], "failed");
}

static bool xfer_settled(void)
{
	/* A's first call ended, B's first call ended, B's new call and A's new call established */
	return A.calls[0] && call_state(A.calls[0]) == CALL_ENDED && B.calls[0] &&
	       call_state(B.calls[0]) == CALL_ENDED && xf.new_c && call_state(xf.new_c) == CALL_ESTABLISHED &&
	       A.calls[1] && call_state(A.calls[1]) == CALL_ESTABLISHED;
}

static bool a_two_established(void)
{
	return A.calls[0] && A.calls[1] && call_state(A.calls[0]) == CALL_ESTABLISHED &&
	       call_state(A.calls[1]) == CALL_ESTABLISHED;
}

static bool a_first_ended(void)
{
	return A.calls[0] && call_state(A.calls[0]) == CALL_ENDED;
}

static bool a_resumed(void)
{
	return a_xfer_done() && A.hold_on == 0;
}

static void test_transfer(void)
{
	char target[200];

	memset(&xf, 0, sizeof(xf));
	B.env.referh = b_refer_h;
	A.auto_answer = true;
	B.auto_answer = true;
	snprintf(target, sizeof(target), "sip:alice@127.0.0.1:%u;transport=tcp", A.port);

	/* T1. A transfers B to A's own address: B calls A anew, both first calls end */
	snprintf(xf_prev_callid, sizeof(xf_prev_callid), "%s", dlg_callid);
	is_int(place(), 0, "transfer: call A -> B");
	ok(run_until(both_established, 5000) && run_until(dlg_new, 3000), "transfer: established");
	is_int(call_transfer(A.calls[0], "tel:+15550100"), EINVAL, "transfer: a tel: target is refused");
	is_int(call_transfer(A.calls[0], "sip:x@y?Route=%3Csip:evil%3E"), EINVAL, "transfer: a target with headers is refused");
	is_int(call_transfer(A.calls[0], target), 0, "transfer: REFER sent");
	is_int(call_transfer(A.calls[0], target), EBUSY, "transfer: a second one while the first is under way: EBUSY");
	ok(run_until(xfer_settled, 8000), "transfer: A's and B's first calls ended, B's new call to A established");
	ok(run_until(a_xfer_done, 3000), "transfer: A was told the outcome");
	is_str(xf.last_state[0], "succeeded", "transfer: A's transfer succeeded");
	ok(strstr(xf.refer_to, target) != NULL, "transfer: the REFER's Refer-To is the target (%s)", xf.refer_to);
	is_str(xf.target, target, "transfer: B's owner was asked to call it");
	ok(xf.srtp_asked, "transfer: and told the new call must have SRTP, as the old one had");
	is_str(xf.referred_by, "<sip:alice@example.test>", "transfer: the new INVITE says who referred (RFC 3892)");
	ok(!strncmp(xf.frags, "100 ", 4) && strstr(xf.frags, "200 "), "transfer: A was told 100 then 200 by NOTIFY (%s)",
	   xf.frags);
	ok(strstr(S0(event_get_str(&A.last_ended, "reason")), "transferred to ") != NULL &&
		   strstr(S0(event_get_str(&B.last_ended, "reason")), "transferred to ") != NULL,
	   "transfer: the first call ended as transferred (A: %s; B: %s)", event_get_str(&A.last_ended, "reason"),
	   event_get_str(&B.last_ended, "reason"));
	is_str(xf.last_state[1], "succeeded", "transfer: B's side reported success");
	for (int i = 0; i < MAXC; i++)
		if (A.calls[i])
			call_hangup(A.calls[i]);
	run_until(NULL, 500);
	tua_reap(&A);
	tua_reap(&B);

	/* T2. B cannot place the new call: 503 by NOTIFY, A's transfer fails and its call is resumed */
	memset(&xf, 0, sizeof(xf));
	xf.fail = true;
	A.env.referh = b_refer_h; /* for T3: A's call takes REFERs (its handler refuses, like B's) */
	snprintf(xf_prev_callid, sizeof(xf_prev_callid), "%s", dlg_callid);
	is_int(place(), 0, "transfer fails: call A -> B");
	ok(run_until(both_established, 5000) && run_until(dlg_new, 3000), "transfer fails: established");
	is_int(call_transfer(A.calls[0], target), 0, "transfer fails: REFER sent");
	ok(run_until(a_resumed, 5000), "transfer fails: A learned the failure and resumed the call");
	is_str(xf.last_state[0], "failed", "transfer fails: A's event says failed");
	is_int((int)xf.last_status[0], 503, "transfer fails: with the 503 B reported");
	is_str(xf.frags, "503 ", "transfer fails: the one NOTIFY carried 503");
	ok(call_state(A.calls[0]) == CALL_ESTABLISHED && call_state(B.calls[0]) == CALL_ESTABLISHED,
	   "transfer fails: the call goes on");
	is_str(xf.last_reason[1], "test: refused", "transfer fails: B's event says why");

	/* T3. hostile REFERs and NOTIFYs from the far end, in the dialog, over its connection */
	xf.target[0] = '\0';
	{
		static const struct {
			const char *extra;
			uint16_t want;
			const char *what;
		} bad[] = {
			{ "", 400, "no Refer-To" },
			{ "Refer-To: <sip:>\r\n", 400, "a malformed Refer-To" },
			{ "Refer-To: sip:a@b\r\nRefer-To: sip:c@d\r\n", 400, "two Refer-To" },
			{ "Refer-To: <http://evil.example/x>\r\n", 403, "an http: target" },
			{ "Refer-To: <tel:+15550100>\r\n", 403, "a tel: target" },
			{ "Refer-To: <sip:a@b;maddr=10.0.0.1>\r\n", 403, "a target with maddr" },
			{ "Refer-To: <sip:a@b?Replaces=broken>\r\n", 400, "a malformed Replaces" },
		};
		for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			is_int(b_send("REFER", bad[i].extra, NULL, NULL, i), 0, "hostile REFER sent: %s", bad[i].what);
			ok(run_until(b_resp_got, 3000), "hostile REFER: answered");
			is_int(xf.b_resp, bad[i].want, "hostile REFER, %s: %u (%s)", bad[i].what, bad[i].want, xf.b_warning);
		}
		is_int(b_send("NOTIFY", "Event: refer\r\nSubscription-State: active\r\n", "message/sipfrag",
			      "SIP/2.0 200 OK\r\n", 20),
		       0, "stray NOTIFY sent");
		run_until(b_resp_got, 3000);
		is_int(xf.b_resp, 481, "a NOTIFY of no transfer of ours under way: 481");
		is_int(b_send("NOTIFY", "Event: presence\r\nSubscription-State: active\r\n", NULL, NULL, 21), 0,
		       "NOTIFY of another package sent");
		run_until(b_resp_got, 3000);
		is_int(xf.b_resp, 489, "a NOTIFY of another package: 489");
		ok(call_state(A.calls[0]) == CALL_ESTABLISHED && !xf.target[0],
		   "hostile REFERs: the call goes on and the owner was never asked to call");
		/* RFC 4488: Refer-Sub: false asks for no NOTIFYs (B's raw REFER; A's owner refuses the new call) */
		xf.b_notifies = 0;
		is_int(b_send("REFER", "Refer-To: <sip:carol@example.test>\r\nRefer-Sub: false\r\nSupported: norefersub\r\n",
			      NULL, NULL, 25), 0, "norefersub: REFER with Refer-Sub: false sent");
		run_until(b_resp_got, 3000);
		is_int(xf.b_resp, 202, "norefersub: 202");
		ok(xf.b_refer_sub_false, "norefersub: the 202 says Refer-Sub: false");
		run_until(NULL, 500);
		is_int((int)xf.b_notifies, 0, "norefersub: and no NOTIFY follows (the owner's failure is not reported)");
		is_str(xf.target, "sip:carol@example.test", "norefersub: the owner was asked to call");
	}
	B.env.referh = NULL;
	A.env.referh = NULL;
	call_hangup(A.calls[0]);
	run_until(both_ended, 3000);
	tua_reap(&A);
	tua_reap(&B);

	/* T4. an owner that takes no transfers (call_env.referh NULL): 603 */
	snprintf(xf_prev_callid, sizeof(xf_prev_callid), "%s", dlg_callid);
	is_int(place(), 0, "no transfers: call A -> B");
	ok(run_until(both_established, 5000) && run_until(dlg_new, 3000), "no transfers: established");
	is_int(b_send("REFER", "Refer-To: <sip:a@b>\r\n", NULL, NULL, 30), 0, "no transfers: REFER sent");
	run_until(b_resp_got, 3000);
	is_int(xf.b_resp, 603, "no transfers: 603");
	call_hangup(A.calls[0]);
	run_until(both_ended, 3000);
	tua_reap(&A);
	tua_reap(&B);

	/* T4b. accept_transfer = no (call_prm.refuse_transfers): 603 although the owner takes transfers, the owner is
	 * never asked, the user is told by a "transfer" event (state refused) and the call goes on */
	memset(&xf, 0, sizeof(xf));
	A.env.referh = b_refer_h;
	A.prm.refuse_transfers = true;
	snprintf(xf_prev_callid, sizeof(xf_prev_callid), "%s", dlg_callid);
	is_int(place(), 0, "accept_transfer = no: call A -> B");
	ok(run_until(both_established, 5000) && run_until(dlg_new, 3000), "accept_transfer = no: established");
	is_int(b_send("REFER", "Refer-To: <sip:carol@example.test>\r\n", NULL, NULL, 31), 0,
	       "accept_transfer = no: REFER sent");
	run_until(b_resp_got, 3000);
	is_int(xf.b_resp, 603, "accept_transfer = no: 603 Decline (%s)", xf.b_warning);
	ok(strstr(xf.b_warning, "does not take transfers") != NULL, "accept_transfer = no: the Warning says why");
	ok(!xf.target[0], "accept_transfer = no: the owner was never asked to call");
	is_str(xf.last_state[0], "refused", "accept_transfer = no: a transfer event, state refused");
	is_int((int)xf.last_status[0], 603, "accept_transfer = no: with status 603");
	ok(strstr(xf.last_reason[0], "accept_transfer = no") != NULL, "accept_transfer = no: the reason names the setting (%s)",
	   xf.last_reason[0]);
	ok(call_state(A.calls[0]) == CALL_ESTABLISHED && call_state(B.calls[0]) == CALL_ESTABLISHED,
	   "accept_transfer = no: the call goes on");
	A.prm.refuse_transfers = false;
	A.env.referh = NULL;
	call_hangup(A.calls[0]);
	run_until(both_ended, 3000);
	tua_reap(&A);
	tua_reap(&B);

	/* T6. attended: A has two calls with B and asks B (call 1) to replace call 2 with a call of its own */
	memset(&xf, 0, sizeof(xf));
	B.env.referh = b_refer_h;
	is_int(place(), 0, "attended: first call A -> B");
	ok(run_until(both_established, 5000), "attended: established");
	snprintf(xf_prev_callid, sizeof(xf_prev_callid), "%s", dlg_callid);
	is_int(place(), 0, "attended: second call A -> B (the consultation)");
	ok(run_until(a_two_established, 5000) && run_until(dlg_new, 3000), "attended: established");
	{
		char want[600];
		const char *tt = strstr(dlg_to, ";tag="), *ft = strstr(dlg_from, ";tag=");

		snprintf(want, sizeof(want), "%s;to-tag=%s;from-tag=%s", dlg_callid, tt ? tt + 5 : "?", ft ? ft + 5 : "?");
		is_int(call_transfer_attended(A.calls[0], A.calls[0]), EINVAL, "attended: a call to itself is refused");
		is_int(call_transfer_attended(A.calls[0], A.calls[1]), 0, "attended: REFER with Replaces sent");
		ok(run_until(a_xfer_done, 8000), "attended: A was told the outcome");
		is_str(xf.last_state[0], "succeeded", "attended: succeeded");
		ok(strstr(xf.refer_to, "?Replaces=") && strstr(xf.refer_to, "%3Bto-tag%3D"),
		   "attended: the Refer-To carries the escaped Replaces (%s)", xf.refer_to);
		is_str(xf.replaces, want, "attended: B's INVITE carried Replaces naming call 2 as the target knows it");
		ok(strstr(xf.referred_by, "sip:alice@example.test") != NULL, "attended: and Referred-By");
		ok(run_until(a_first_ended, 3000), "attended: A's call 1 ended (transferred)");

		/* B, call 2's far end, is the target the Replaces is meant for (call_replaces_check) */
		{
			struct sip_replaces r;
			struct call *t = NULL;
			char early[400], other[400];
			uint16_t code = 1;
			const char *why = NULL;
			int found = 0;

			is_int(sip_replaces_decode(&r, pl_str(xf.replaces)), 0, "replaces: the INVITE's Replaces decodes");
			for (int i = 0; i < MAXC; i++)
				if (B.calls[i] && call_replaces_check(B.calls[i], &r, NULL, &code, &why) == 0) {
					found++;
					t = B.calls[i];
				}
			is_int(found, 1, "replaces: it names exactly one of B's calls (B's end of call 2)");
			is_int(code, 0, "replaces: an established call: it may be replaced");
			ok(t && t != B.calls[0], "replaces: not B's end of call 1");
			if (t) {
				is_int(call_replaces_check(t, &r, m_flow, &code, &why), 0, "replaces: over a stranger's connection ...");
				is_int(code, 403, "replaces: ... 403 (%s)", why ? why : "");
				snprintf(early, sizeof(early), "%s;early-only", xf.replaces);
				sip_replaces_decode(&r, pl_str(early));
				call_replaces_check(t, &r, NULL, &code, &why);
				is_int(code, 486, "replaces: early-only on an established call: 486");
				snprintf(other, sizeof(other), "%s", xf.replaces);
				if (strstr(other, "from-tag=")) {
					/* another from-tag, still a token: the tag is random, and flipping a bit of
					 * it gave '@' or '^' now and then, which the decoder rightly refuses */
					char *ft = strstr(other, "from-tag=") + 9;
					*ft = *ft == 'x' ? 'y' : 'x';
				}
				is_int(sip_replaces_decode(&r, pl_str(other)), 0, "replaces: another from-tag decodes");
				is_int(call_replaces_check(t, &r, NULL, &code, &why), ENOENT, "replaces: another from-tag: not this call");
				call_hangup(t);
				sip_replaces_decode(&r, pl_str(xf.replaces));
				call_replaces_check(t, &r, NULL, &code, &why);
				is_int(code, 603, "replaces: an ended call: 603");
			}
		}
	}
	for (int i = 0; i < MAXC; i++)
		if (A.calls[i])
			call_hangup(A.calls[i]);
	run_until(NULL, 500);
	B.env.referh = NULL;
	tua_reap(&A);
	tua_reap(&B);

	/* T5. a sips: call (A's URI is sips:) is transferred only to a sips: target */
	memset(&xf, 0, sizeof(xf));
	xf.fail = true;
	A.env.referh = b_refer_h;
	A.prm.local_uri = "sips:alice@example.test";
	snprintf(xf_prev_callid, sizeof(xf_prev_callid), "%s", dlg_callid);
	is_int(place(), 0, "sips call: call A -> B");
	ok(run_until(both_established, 5000) && run_until(dlg_new, 3000), "sips call: established");
	A.warning[0] = '\0';
	is_int(b_send("REFER", "Refer-To: <sip:carol@example.test>\r\n", NULL, NULL, 40), 0, "sips call: REFER to sip: sent");
	run_until(b_resp_got, 3000);
	is_int(xf.b_resp, 403, "sips call: a sip: target refused, 403 (%s)", xf.b_warning);
	ok(strstr(A.warning, "weaken this call's protection") != NULL, "sips call: a warning says so (%s)", A.warning);
	ok(!xf.target[0], "sips call: the owner was never asked to call");
	is_int(b_send("REFER", "Refer-To: <sips:carol@example.test>\r\n", NULL, NULL, 41), 0, "sips call: REFER to sips: sent");
	run_until(b_resp_got, 3000);
	is_int(xf.b_resp, 202, "sips call: a sips: target accepted (202)");
	is_str(xf.target, "sips:carol@example.test", "sips call: and the owner asked to call it");
	A.prm.local_uri = "sip:alice@example.test";
	A.env.referh = NULL;
	call_hangup(A.calls[0]);
	run_until(both_ended, 3000);
	tua_reap(&A);
	tua_reap(&B);
	A.auto_answer = false;
}

static bool b_asked(void)
{
	return B.calls[0] && call_transfer_asked(B.calls[0]);
}

static bool a_two_frags(void)
{
	return strlen(xf.frags) >= 8;
}

/* A call A -> B whose far end B takes transfers only once its user says so (accept_transfer = ask). */
static void ask_setup(const char *what, const char *target)
{
	memset(&xf, 0, sizeof(xf));
	B.env.referh = b_refer_h;
	B.prm.ask_transfers = true;
	snprintf(xf_prev_callid, sizeof(xf_prev_callid), "%s", dlg_callid);
	is_int(place(), 0, "%s: call A -> B", what);
	ok(run_until(both_established, 5000) && run_until(dlg_new, 3000), "%s: established", what);
	is_int(call_transfer(A.calls[0], target), 0, "%s: A's REFER sent", what);
	ok(run_until(b_asked, 3000), "%s: B's user is asked", what);
	ok(run_until(a_xfer_done, 1000) == false && !strcmp(xf.last_state[0], "trying") && !strcmp(xf.frags, "100 "),
	   "%s: A got 202 and one NOTIFY, 100 Trying, while B's user thinks (A: %s; %s)", what, xf.last_state[0],
	   xf.frags);
	ok(!strncmp(xf.a_substate, "active", 6), "%s: ... the subscription active (%s)", what, xf.a_substate);
	is_str(xf.last_state[1], "ask", "%s: B's transfer event: ask", what);
	is_int((int)xf.ask_timeout, 30, "%s: ... saying 30 s", what);
	ok(!xf.target[0] && !xf.new_invites, "%s: B placed no call yet", what);
}

static void ask_teardown(void)
{
	for (int i = 0; i < MAXC; i++) {
		if (A.calls[i])
			call_hangup(A.calls[i]);
		if (B.calls[i])
			call_hangup(B.calls[i]);
	}
	run_until(NULL, 500);
	B.env.referh = NULL;
	B.prm.ask_transfers = false;
	tua_reap(&A);
	tua_reap(&B);
}

/* Final NOTIFY of a declined transfer at A: 603, the subscription over, A's call resumed. */
static void ask_declined(const char *what, const char *why)
{
	ok(run_until(a_two_frags, 3000), "%s: A got a second NOTIFY", what);
	is_str(xf.frags, "100 603 ", "%s: NOTIFYs 100 then 603 (%s)", what, xf.frags);
	ok(!strncmp(xf.a_substate, "terminated", 10), "%s: the 603 ends the subscription (%s)", what, xf.a_substate);
	is_str(xf.last_state[1], "declined", "%s: B's transfer event: declined", what);
	is_int((int)xf.last_status[1], 603, "%s: ... status 603", what);
	ok(strstr(xf.last_reason[1], why) != NULL, "%s: ... why (%s)", what, xf.last_reason[1]);
	ok(!xf.target[0] && !xf.new_invites, "%s: B never placed the call", what);
	ok(!b_asked(), "%s: nothing waits for an answer any more", what);
}

/* accept_transfer = ask (call_prm.ask_transfers): 202 and NOTIFY 100, the user asked, then per answer */
static void test_transfer_ask(void)
{
	char target[200], pw_target[200];

	A.auto_answer = true;
	B.auto_answer = true;
	snprintf(target, sizeof(target), "sip:alice@127.0.0.1:%u;transport=tcp", A.port);
	snprintf(pw_target, sizeof(pw_target), "sip:carol:hunter2@127.0.0.1:%u;transport=tcp", A.port);

	/* A1. the user takes it: the new call is placed as with accept_transfer = yes */
	ask_setup("ask, taken", target);
	is_str(xf.ask_target, target, "ask, taken: the event shows the target");
	is_int(call_transfer_answer(A.calls[0], true), ENOENT, "ask, taken: A's own call has nothing to answer");
	is_int(call_transfer_answer(B.calls[0], true), 0, "ask, taken: B's user takes it");
	ok(run_until(xfer_settled, 8000), "ask, taken: A's and B's first calls ended, B's new call to A established");
	ok(run_until(a_xfer_done, 3000), "ask, taken: A was told the outcome");
	is_str(xf.last_state[0], "succeeded", "ask, taken: A's transfer succeeded");
	is_str(xf.target, target, "ask, taken: B's owner was asked to call the target");
	is_str(xf.referred_by, "<sip:alice@example.test>", "ask, taken: the new INVITE says who referred");
	ok(!strncmp(xf.frags, "100 ", 4) && !strstr(xf.frags + 4, "100 ") && strstr(xf.frags, "200 "),
	   "ask, taken: A was told 100 once, then 200 (%s)", xf.frags);
	ok(!strncmp(xf.a_substate, "terminated", 10), "ask, taken: the last NOTIFY ends the subscription");
	is_str(xf.last_state[1], "succeeded", "ask, taken: B's side reported success");
	is_int(call_transfer_answer(B.calls[0], false), ENOENT, "ask, taken: a second answer finds nothing to answer");
	ask_teardown();

	/* A2. the user refuses: 603, the call goes on; a password in the Refer-To is never shown */
	ask_setup("ask, refused", pw_target);
	ok(!strstr(xf.ask_target, "hunter2") && strstr(xf.ask_target, "sip:carol@127.0.0.1:"),
	   "ask, refused: the target shown has no password (%s)", xf.ask_target);
	is_int(call_transfer_answer(B.calls[0], false), 0, "ask, refused: B's user refuses");
	ask_declined("ask, refused", "refused by the user");
	ok(run_until(a_resumed, 3000), "ask, refused: A learned the failure and resumed the call");
	is_int((int)xf.last_status[0], 603, "ask, refused: A's transfer failed with 603");
	ok(call_state(A.calls[0]) == CALL_ESTABLISHED && call_state(B.calls[0]) == CALL_ESTABLISHED,
	   "ask, refused: the call goes on");
	ask_teardown();

	/* A3. no answer: declined at 30 s, not before */
	ask_setup("ask, no answer", target);
	/* ask_setup ran 1 s after the REFER came */
	ok(!run_until(a_two_frags, 28000), "ask, no answer: nothing more for 29 s");
	ask_declined("ask, no answer", "not answered within 30 s");
	ok(call_state(A.calls[0]) == CALL_ESTABLISHED && call_state(B.calls[0]) == CALL_ESTABLISHED,
	   "ask, no answer: the call goes on");
	ask_teardown();

	/* A4. B hangs up meanwhile: the 603 goes out before the BYE */
	ask_setup("ask, B hangs up", target);
	call_hangup(B.calls[0]);
	ask_declined("ask, B hangs up", "the call ended");
	ok(run_until(both_ended, 3000), "ask, B hangs up: the call ended on both sides");
	ask_teardown();

	/* A5. A (the transferor) hangs up meanwhile: B's 603 all the same */
	ask_setup("ask, A hangs up", target);
	call_hangup(A.calls[0]);
	ask_declined("ask, A hangs up", "the call ended");
	ok(run_until(both_ended, 3000), "ask, A hangs up: the call ended on both sides");
	ask_teardown();
	A.auto_answer = false;
	B.auto_answer = false;
}

int main(void)
{
	char dir[] = "/tmp/test_call.XXXXXX", in[256], outb[256];
	struct wav *w = NULL;
	struct tone t;
	int16_t buf[8000];
	struct sockaddr_in *sin;
	struct sip_dest d;
	double zc = 0, rms = 0;
	const char *sas_a, *sas_b;
	char sas_b_copy[16];
	int e;

	log_set_level(LOGL_WARN);
	if (!mkdtemp(dir))
		return 1;
	snprintf(in, sizeof(in), "%s/tone.wav", dir);
	snprintf(outb, sizeof(outb), "%s/b_heard.wav", dir);
	/* A sends 5 s of a 600 Hz tone */
	tone_sine(&t, 8000, 600.0, 16000.0);
	wav_open_write(&w, in);
	for (int i = 0; i < 5; i++) {
		tone_fill(&t, buf, 8000);
		wav_write(w, buf, 8000);
	}
	wav_close(w);

	real_clock = getenv("TEST_CALL_PA_DEVICE") != NULL;
	if (!real_clock) {
		loop_clock_virtual(1000);
		stream_kernel_time(false); /* a packet's real age is not time on this clock */
	}
	loop_alloc(&L);
	/* TEST_CALL_IN: send another WAV (e.g. the lab's signal, to compare with wavcmp.py by hand) */
	is_int(tua_init(&A, "alice", L, getenv("TEST_CALL_IN") ? getenv("TEST_CALL_IN") : in, NULL), 0,
	       "setup: UA A");
	is_int(tua_init(&B, "bob", L, NULL, outb), 0, "setup: UA B");
	B.auto_answer = true;
	tmr_init(&B.answer_tmr);

	memset(&d, 0, sizeof(d));
	d.tp = SIP_TP_TCP;
	sin = (struct sockaddr_in *)&d.addr;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin->sin_port = htons(B.port);
	d.addrlen = sizeof(*sin);
	sip_transp_flow_get(A.tp, &d, flow_h, NULL, NULL);
	ok(run_until(flow_ready, 3000) && flow_ab, "setup: TCP flow A->B");
	if (!flow_ab)
		return tap_done();
	cur_ab = flow_ab;
	A.env.flowh = test_flow_h;
	B.env.flowh = b_flow_h;
	is_int(sip_transp_alloc(&m_tp, L, NULL, m_recv_h, NULL, NULL), 0, "setup: mallory's transport");

	/* keys never go over a non-TLS flow unless allowed */
	{
		struct call_prm p = A.prm;
		struct call *c = NULL;
		p.keys_on_insecure = false;
		is_int(call_connect(&c, &A.env, &p, flow_ab, A.contact, "sip:bob@example.test", ev_h, &A), EPERM,
		       "keys: SDES refused on a TCP flow without keys_on_insecure");
		ok(c == NULL, "keys: no call made");
	}

	/* 1. SRTP call A -> B, auto-answered */
	is_int(place(), 0, "call: INVITE sent");
	ok(run_until(both_established, 5000), "call: established on both sides");
	ok(seen(&A, "ringing"), "call: caller saw ringing (180)");
	ok(seen(&B, "incoming"), "call: callee saw incoming");
	is_str(event_get_str(&A.last_established, "srtp_tx"), "AEAD_AES_256_GCM",
	       "call: strongest default suite (first offered) chosen");
	sas_a = call_sas(A.calls[0]);
	sas_b = call_sas(B.calls[0]);
	snprintf(sas_b_copy, sizeof(sas_b_copy), "%s", sas_b ? sas_b : "");
	ok(sas_a && strlen(sas_a) == 7, "sas: six digits shown as 'ddd ddd' (%s)", sas_a ? sas_a : "");
	is_str(sas_a, sas_b_copy, "sas: both ends compute the same string");
	run_until(NULL, 2500);
	call_verify(B.calls[0]);
	ok(event_get(&B.last_security, "srtp") && event_get(&B.last_security, "srtp")->i == 1, "verify: srtp on");
	ok(event_get_int(&B.last_security, "packets_unprotected", 0) > 80,
	   "verify: callee unprotected >80 packets in 2.5 s (%lld)",
	   event_get_int(&B.last_security, "packets_unprotected", 0));
	is_int((int)event_get_int(&B.last_security, "auth_failures", -1), 0, "verify: no auth failures");
	is_int((int)event_get_int(&B.last_security, "plaintext_received", -1), 0, "verify: no plaintext received");
	call_verify(A.calls[0]);
	is_int((int)event_get_int(&A.last_security, "plaintext_sent", -1), 0, "verify: no plaintext sent");
	is_str(event_get_str(&A.last_security, "codec"), "PCMU", "verify: codec");
	is_int((int)event_get_int(&A.last_security, "ptime", 0), 20, "verify: ptime");
	/* the SAS says what it is worth: SDES has no commitment, so equal digits do not rule out a relay
	   that controls the signalling (it can pick its last key to match) */
	is_str(event_get_str(&A.last_security, "sas"), sas_b_copy, "verify: the SAS");
	is_str(event_get_str(&A.last_security, "sas_method"), "SDES key hash, 6 digits, no commitment",
	       "verify: sas_method names the method, the digits and the missing commitment");
	is_int((int)event_get_int(&A.last_security, "sas_digits", 0), 6, "verify: sas_digits");
	{
		const char *note = event_get_str(&A.last_security, "sas_note");

		ok(note && strstr(note, "B2BUA or media relay re-encrypts") && strstr(note, "controls the signalling") &&
			   strstr(note, "same digits") && !strstr(note, "no one re-keyed"),
		   "verify: sas_note promises no more than the SAS gives (%s)", note ? note : "(none)");
	}
	is_str(event_get_str(&A.last_established, "sas_method"), "SDES key hash, 6 digits, no commitment",
	       "established: sas_method beside the sas");

	/* DTMF both directions */
	is_int(call_dtmf(A.calls[0], "15#"), 0, "dtmf: queued");
	is_int(call_dtmf(A.calls[0], "x"), EINVAL, "dtmf: bad digit refused");
	ok(run_until(b_digits3, 3000), "dtmf: callee got three digits");
	is_str(B.digits, "15#", "dtmf: digits in order");
	call_dtmf(B.calls[0], "9");
	run_until(NULL, 800);
	is_str(A.digits, "9", "dtmf: caller got the callee's digit");

	/* mute: an event and the status say so; RTP keeps flowing to B (silence) */
	{
		long long before, after;

		call_verify(B.calls[0]);
		before = event_get_int(&B.last_security, "packets_unprotected", 0);
		is_int(call_mute(A.calls[0], true), 0, "mute: on");
		ok(seen(&A, "mute") && call_muted(A.calls[0]) && !call_muted(B.calls[0]), "mute: event, caller muted only");
		run_until(NULL, 1000);
		call_verify(B.calls[0]);
		after = event_get_int(&B.last_security, "packets_unprotected", 0);
		ok(after - before >= 40, "mute: callee still receives RTP from the muted caller (%lld in 1 s)", after - before);
		is_int(call_mute(A.calls[0], false), 0, "mute: off");
		ok(!call_muted(A.calls[0]), "mute: caller unmuted");
		is_int(call_mute(NULL, true), EINVAL, "mute: NULL call refused");
	}

	/* hold and resume by re-INVITE */
	is_int(call_hold(A.calls[0], true), 0, "hold: re-INVITE sent");
	is_int(call_hold(A.calls[0], true), EBUSY, "hold: second offer while one is out refused");
	ok(run_until(hold_seen, 3000), "hold: both sides report hold");
	ok(call_on_hold(A.calls[0]), "hold: caller on hold");
	is_int(call_hold(A.calls[0], false), 0, "resume: re-INVITE sent");
	ok(run_until(resume_seen, 3000), "resume: both sides report resume");
	run_until(NULL, 1500);

	/* callee hangs up */
	is_int(call_hangup(B.calls[0]), 0, "bye: callee hangs up");
	ok(run_until(both_ended, 3000), "bye: both ended");
	is_int((int)event_get_int(&A.last_ended, "status", 0), 200, "bye: caller's ended status 200");
	is_str(event_get_str(&A.last_ended, "by"), "remote", "bye: caller reports remote hang-up");
	tua_reap(&A);
	tua_reap(&B);
	call_audio_free(B.audio);
	B.audio = NULL;
	B.env.audio = NULL;

	/* what B heard: the 600 Hz tone (about 1200 zero crossings a second), loud, after the resume */
	e = analyse(outb, 1.0, &zc, &rms);
	is_int(e, 0, "audio: callee's recording readable");
	ok(zc > 1100 && zc < 1300, "audio: callee heard the 600 Hz tone after resume (%.0f crossings/s)", zc);
	ok(rms > 8000, "audio: at full level (rms %.0f)", rms);

	/* 2. CANCEL after ringing */
	B.auto_answer = false;
	is_int(place(), 0, "cancel: INVITE sent");
	ok(run_until(b_ringing, 3000), "cancel: ringing");
	is_int(call_hangup(A.calls[0]), 0, "cancel: caller gives up");
	ok(run_until(both_ended, 3000), "cancel: both ended");
	is_int((int)event_get_int(&A.last_ended, "status", 0), 487, "cancel: caller status 487");
	is_int((int)event_get_int(&B.last_ended, "status", 0), 487, "cancel: callee status 487");
	is_str(event_get_str(&B.last_ended, "reason"), "cancelled by the caller", "cancel: callee reason");
	tua_reap(&A);
	tua_reap(&B);

	/* 3. decline */
	is_int(place(), 0, "decline: INVITE sent");
	ok(run_until(b_ringing, 3000), "decline: ringing");
	call_hangup(B.calls[0]);
	ok(run_until(a_ended, 3000), "decline: caller ended");
	is_int((int)event_get_int(&A.last_ended, "status", 0), 603, "decline: status 603");
	tua_reap(&A);
	tua_reap(&B);

	/* 4. SRTP required at B, plain RTP offered by A: 488 with a reason */
	A.prm.media.srtp = false;
	B.auto_answer = true;
	is_int(place(), 0, "required: plain offer sent");
	ok(run_until(a_ended, 3000), "required: caller ended");
	is_int((int)event_get_int(&A.last_ended, "status", 0), 488, "required: status 488");
	ok(strstr(event_get_str(&A.last_ended, "reason") ? event_get_str(&A.last_ended, "reason") : "", "SRTP") !=
		   NULL,
	   "required: reason names SRTP (%s)", event_get_str(&A.last_ended, "reason"));
	tua_reap(&A);
	tua_reap(&B);

	/* 5. optimistic B (srtp_required = no) accepts plain RTP with a loud warning */
	B.prm.media.srtp_required = false;
	is_int(place(), 0, "optimistic: plain offer sent");
	ok(run_until(both_established, 3000), "optimistic: established");
	ok(event_get_str(&B.last_established, "warning") != NULL, "optimistic: callee warned that media is plain");
	is_str(event_get_str(&B.last_established, "srtp_tx"), "none", "optimistic: no SRTP");
	call_hangup(A.calls[0]);
	ok(run_until(both_ended, 3000), "optimistic: hung up");
	is_str(event_get_str(&B.last_ended, "reason"), "the other party hung up", "optimistic: callee reason");
	tua_reap(&A);
	tua_reap(&B);

	/* 6. CANCEL/200 race: the callee answers while the caller's CANCEL is on its way */
	B.prm.media.srtp_required = true;
	A.prm.media.srtp = true;
	B.auto_answer = false;
	is_int(place(), 0, "race: INVITE sent");
	ok(run_until(b_ringing, 3000), "race: ringing");
	is_int(call_answer(B.calls[0]), 0, "race: callee answers ...");
	is_int(call_hangup(A.calls[0]), 0, "race: ... as the caller cancels");
	ok(run_until(both_ended, 3000), "race: both ended");
	is_int((int)event_get_int(&A.last_ended, "status", 0), 487, "race: caller ended as cancelled (487)");
	ok(strstr(event_get_str(&A.last_ended, "reason"), "answered") != NULL,
	   "race: caller's reason says the far end had answered (%s)", event_get_str(&A.last_ended, "reason"));
	is_str(event_get_str(&B.last_ended, "by"), "remote", "race: callee got the caller's BYE");
	tua_reap(&A);
	tua_reap(&B);

	/* 7. a far-end re-INVITE with new keys is applied in place; 422 when the session interval is too small */
	B.auto_answer = true;
	A.prm.session_expires = 60;
	is_int(place(), 0, "rekey: INVITE with Session-Expires 60 sent");
	ok(run_until(both_established, 5000), "422: retried with the callee's Min-SE and established");
	ok(seen(&B, "ended") && event_get_int(&B.last_ended, "status", 0) == 422,
	   "422: the callee refused the first INVITE with 422");
	A.prm.session_expires = 0;
	if (both_established()) {
		char before[16];
		uint64_t tend;
		long long rx0;

		run_until(NULL, 600);
		snprintf(before, sizeof(before), "%s", call_sas(live(&A)));
		call_verify(live(&A));
		rx0 = event_get_int(&A.last_security, "packets_unprotected", 0);
		is_int(call_rekey(live(&B)), 0, "rekey: callee sends a re-INVITE with fresh keys");
		is_int(call_rekey(live(&B)), EBUSY, "rekey: only one offer at a time");
		tend = loop_now_ms() + 1500;
		while (loop_now_ms() < tend)
			step(10);
		ok(strcmp(before, call_sas(live(&A))) != 0, "rekey: the SAS changed with the keys");
		is_str(call_sas(live(&A)), call_sas(live(&B)), "rekey: both ends agree on the new SAS");
		call_verify(live(&A));
		ok(event_get_int(&A.last_security, "packets_unprotected", 0) > rx0 + 60,
		   "rekey: media kept flowing under the new keys (%lld -> %lld packets)", rx0,
		   event_get_int(&A.last_security, "packets_unprotected", 0));
		is_int((int)event_get_int(&A.last_security, "auth_failures", -1), 0, "rekey: no authentication failures");
		call_verify(live(&B));
		is_int((int)event_get_int(&B.last_security, "auth_failures", -1), 0, "rekey: none at the callee either");
		call_hangup(live(&A));
		run_until(both_ended, 3000);
	}
	tua_reap(&A);
	tua_reap(&B);

	/* 8. the signalling connection is lost during a call: media goes on, later requests use a new one */
	orig_ab = flow_ab;
	B.auto_answer = true;
	is_int(place(), 0, "flow loss: INVITE sent");
	ok(run_until(both_established, 5000), "flow loss: established");
	if (both_established()) {
		struct call *ca = live(&A), *cb = live(&B);
		long long rx0;

		run_until(NULL, 500);
		sip_flow_close(cur_ab);
		ok(run_until(a_warned, 2000), "flow loss: the caller is told the connection was lost");
		ok(strstr(A.warning, "the call goes on") != NULL, "flow loss: ... and that the call goes on (%s)",
		   A.warning);
		run_until(b_warned, 2000);
		ok(strstr(B.warning, "the call goes on") != NULL, "flow loss: the callee too (%s)", B.warning);
		call_verify(cb);
		rx0 = event_get_int(&B.last_security, "packets_unprotected", 0);
		run_until(NULL, 1500);
		ok(call_state(ca) == CALL_ESTABLISHED && call_state(cb) == CALL_ESTABLISHED,
		   "flow loss: neither side ended the call");
		ok(!seen(&A, "ended") && !seen(&B, "ended"), "flow loss: no ended event");
		call_verify(cb);
		ok(event_get_int(&B.last_security, "packets_unprotected", 0) > rx0 + 20,
		   "flow loss: media kept flowing (%lld -> %lld packets in 1.5 s)", rx0,
		   event_get_int(&B.last_security, "packets_unprotected", 0));
		is_str(event_get_str(&B.last_security, "signalling"), "none (connection lost)",
		       "flow loss: verify says the signalling connection is gone");
		hook_flow = NULL;
		is_int(call_hold(ca, true), ENOTCONN, "flow loss: hold with no connection at all: ENOTCONN");
		ok(call_state(ca) == CALL_ESTABLISHED && !call_on_hold(ca), "flow loss: ... and the call stays up");
		/* the account connects again (the UA does it for the registration) */
		cur_ab = new_flow(&d);
		ok(cur_ab != NULL, "flow loss: a new connection A->B");
		hook_flow = cur_ab;
		is_int(call_hold(ca, true), 0, "flow loss: hold re-INVITE goes on the account's new connection");
		ok(run_until(hold_seen, 3000), "flow loss: both sides report hold (answered on the new connection)");
		is_int(call_hold(ca, false), 0, "flow loss: resume");
		ok(run_until(resume_seen, 3000), "flow loss: both sides report resume");
		is_int(call_hangup(cb), 0, "flow loss: callee hangs up");
		ok(run_until(both_ended, 3000), "flow loss: the callee's BYE reached the caller over the new connection");
		is_str(event_get_str(&A.last_ended, "by"), "remote", "flow loss: caller saw the remote hang-up");
		is_int((int)event_get_int(&B.last_ended, "status", 0), 200, "flow loss: callee ended with 200");
	}
	tua_reap(&A);
	tua_reap(&B);

	/* 8b. lost, and no connection to be had: hanging up still ends the call, and says the BYE did not go */
	is_int(place(), 0, "no flow: INVITE sent");
	ok(run_until(both_established, 5000), "no flow: established");
	if (both_established()) {
		run_until(NULL, 300);
		hook_flow = NULL;
		sip_flow_close(cur_ab);
		ok(run_until(a_warned, 2000), "no flow: connection lost");
		is_int(call_hangup(live(&A)), 0, "no flow: hang up");
		ok(a_ended(), "no flow: the call ended at once");
		is_int((int)event_get_int(&A.last_ended, "status", 0), 503, "no flow: status 503");
		ok(strstr(event_get_str(&A.last_ended, "reason"), "BYE could not be sent") != NULL,
		   "no flow: the reason says the BYE could not be sent (%s)", event_get_str(&A.last_ended, "reason"));
		ok(!call_closing(live(&A)), "no flow: nothing left to wait for");
		call_hangup(live(&B));
	}
	tua_reap(&A);
	tua_reap(&B);
	sip_flow_unref(cur_ab);
	cur_ab = new_flow(&d);
	hook_flow = cur_ab;

	/*
	 * 8c. A request of the call over a connection that is neither the call's nor its account's
	 * (mallory's, who learnt the dialog): 403 there and a warning; the call stays where it was.
	 * Before, any such request moved the call to that connection (and a BYE ended it).
	 */
	is_int(place(), 0, "guard: INVITE sent");
	ok(run_until(both_established, 5000), "guard: established");
	if (both_established()) {
		struct call *ca = live(&A);
		struct sip_dest dm = d;

		((struct sockaddr_in *)&dm.addr)->sin_port = htons(A.port);
		run_until(NULL, 200);
		sip_transp_flow_get(m_tp, &dm, m_flow_h, NULL, NULL);
		ok(run_until(m_ready, 3000), "guard: a third party connects to A");
		A.warning[0] = '\0';
		m_status = 0;
		is_int(m_send("BYE", 1), 0, "guard: it sends A a BYE of the call (right Call-ID and tags)");
		ok(run_until(m_answered, 2000), "guard: it gets an answer");
		is_int(m_status, 403, "guard: 403 Forbidden");
		ok(strstr(A.warning, "refused a request of this call (BYE)") && strstr(A.warning, "not the call's connection"),
		   "guard: a warning says so (%s)", A.warning);
		ok(call_state(ca) == CALL_ESTABLISHED && !seen(&A, "ended"), "guard: the call goes on");
		m_status = 0;
		A.warning[0] = '\0';
		m_send("INVITE", 2);
		ok(run_until(m_answered, 2000), "guard: a re-INVITE from there is answered");
		is_int(m_status, 403, "guard: 403 too");
		is_int(call_hold(ca, true), 0, "guard: A holds");
		ok(run_until(hold_seen, 3000), "guard: the re-INVITE reached B over the call's own connection");
		is_int(call_hangup(ca), 0, "guard: A hangs up");
		ok(run_until(both_ended, 3000), "guard: the BYE reached B, not the third party");
	}
	tua_reap(&A);
	tua_reap(&B);

	/* 9. in-dialog requests challenged by a proxy (407): answered once with credentials */
	A.prm.username = "alice";
	A.prm.password = "secret";
	sip_auth_realms_add(&a_realms, "test");
	sip_auth_realms_add(&a_realms, "test2");
	A.prm.realms = &a_realms;
	A.prm.allow_plaintext_auth = true; /* TCP here */
	is_int(place(), 0, "auth: INVITE sent");
	ok(run_until(both_established, 5000), "auth: established");
	if (both_established()) {
		struct call *ca = live(&A);

		B.challenge = 1;
		snprintf(B.nonce, sizeof(B.nonce), "n1");
		is_int(call_hold(ca, true), 0, "auth: hold re-INVITE sent");
		ok(run_until(hold_seen, 3000), "auth: the re-INVITE answered the 407 and went through");
		is_int((int)B.challenged, 1, "auth: challenged once");
		is_int((int)B.authed, 1, "auth: one request came with credentials");
		/* the BYE meets a fresh nonce: answered after "ended", the call is kept until then */
		snprintf(B.nonce, sizeof(B.nonce), "n2");
		B.challenged = B.authed = 0;
		is_int(call_hangup(ca), 0, "auth: caller hangs up");
		ok(a_ended(), "auth: ended at once");
		ok(call_closing(ca), "auth: its BYE is still out (call_closing)");
		ok(run_until(both_ended, 3000), "auth: the callee got the BYE with credentials");
		is_int((int)B.challenged, 1, "auth: BYE challenged once");
		is_int((int)B.authed, 1, "auth: BYE re-sent with credentials");
		ok(run_until(a_closed, 2000), "auth: BYE done, call_closing false");
	}
	tua_reap(&A);
	tua_reap(&B);
	B.challenge = 0;
	is_int(place(), 0, "auth twice: INVITE sent");
	ok(run_until(both_established, 5000), "auth twice: established");
	if (both_established()) {
		struct call *ca = live(&A);

		B.challenge = 2; /* refuses every credential */
		B.challenged = 0;
		is_int(call_hold(ca, true), 0, "auth twice: hold re-INVITE sent");
		ok(run_until(a_warned, 3000), "auth twice: a warning");
		ok(strstr(A.warning, "407") && strstr(A.warning, "wrong user name or password"),
		   "auth twice: it says the credentials were refused (%s)", A.warning);
		run_until(NULL, 500);
		is_int((int)B.challenged, 2, "auth twice: exactly two challenges (answered once, no loop)");
		ok(call_state(ca) == CALL_ESTABLISHED && !call_on_hold(ca), "auth twice: the call stays up, not held");
		/* the BYE meets the same: the call is over here, and a warning says the far end may not know */
		A.warning[0] = '\0';
		B.challenged = 0;
		call_hangup(ca);
		ok(run_until(a_warned, 3000) && a_closed(), "auth twice: BYE given up after the second challenge");
		ok(strstr(A.warning, "BYE was refused") && strstr(A.warning, "may not know"),
		   "auth twice: warning after ended (%s)", A.warning);
		is_int((int)B.challenged, 2, "auth twice: the BYE was challenged twice, no more");
		B.challenge = 0;
		call_hangup(live(&B));
		run_until(both_ended, 3000);
		is_int((int)event_get_int(&B.last_ended, "status", 0), 200, "auth twice: the callee hung up too");
	}
	tua_reap(&A);
	tua_reap(&B);
	A.prm.allow_plaintext_auth = false;
	is_int(place(), 0, "auth plain: INVITE sent");
	ok(run_until(both_established, 5000), "auth plain: established");
	if (both_established()) {
		struct call *ca = live(&A);

		B.challenge = 1;
		B.challenged = B.authed = 0;
		call_hold(ca, true);
		ok(run_until(a_warned, 3000), "auth plain: a warning");
		ok(strstr(A.warning, "plaintext") != NULL, "auth plain: challenge over TCP refused (%s)", A.warning);
		is_int((int)B.authed, 0, "auth plain: no credentials sent over TCP");
		B.challenge = 0;
		call_hangup(ca);
		run_until(both_ended, 3000);
	}
	tua_reap(&A);
	tua_reap(&B);

	/*
	 * 9b. The password answers only the account's realms ("test", "test2" here): a callee (or
	 * anything on the path) that challenges the INVITE for its own realm gets no response to
	 * attack offline; the call ends naming the realm, with a warning.
	 */
	A.prm.allow_plaintext_auth = true;
	B.challenge = 1;
	B.challenge_new = true;
	B.chal_realm[0] = "evil.test";
	B.challenged = B.authed = B.evil_creds = 0;
	snprintf(B.nonce, sizeof(B.nonce), "e1");
	is_int(place(), 0, "realm: INVITE sent");
	ok(run_until(a_ended, 3000), "realm: a challenge for another realm ends the call");
	is_int((int)event_get_int(&A.last_ended, "status", 0), 407, "realm: status 407");
	ok(event_get_str(&A.last_ended, "reason") && strstr(event_get_str(&A.last_ended, "reason"), "\"evil.test\""),
	   "realm: the reason names the realm (%s)", event_get_str(&A.last_ended, "reason"));
	ok(strstr(A.warning, "evil.test") != NULL, "realm: a warning says why (%s)", A.warning);
	run_until(NULL, 300);
	is_int((int)B.evil_creds, 0, "realm: no credentials for evil.test were sent");
	is_int((int)B.challenged, 1, "realm: one INVITE, one challenge");
	ok(!seen(&B, "incoming"), "realm: the callee never got a call");
	tua_reap(&A);
	tua_reap(&B);
	B.challenge = 0;
	B.challenge_new = false;
	is_int(place(), 0, "realm in dialog: INVITE sent");
	ok(run_until(both_established, 5000), "realm in dialog: established");
	if (both_established()) {
		struct call *ca = live(&A);

		B.challenge = 1;
		B.challenged = B.evil_creds = 0;
		is_int(call_hold(ca, true), 0, "realm in dialog: hold re-INVITE sent");
		ok(run_until(a_warned, 3000) && strstr(A.warning, "\"evil.test\"") && strstr(A.warning, "not this account"),
		   "realm in dialog: a warning names the realm (%s)", A.warning);
		run_until(NULL, 300);
		is_int((int)B.evil_creds, 0, "realm in dialog: no credentials for evil.test were sent");
		is_int((int)B.challenged, 1, "realm in dialog: challenged once, not answered");
		ok(call_state(ca) == CALL_ESTABLISHED && !call_on_hold(ca), "realm in dialog: the call stays up, not held");
		B.challenge = 0;
		call_hangup(ca);
		run_until(both_ended, 3000);
	}
	tua_reap(&A);
	tua_reap(&B);

	/* 9c. two of the account's realms taking turns, each time a fresh nonce: the INVITE stops at the cap */
	B.challenge = 3;
	B.challenge_new = true;
	B.chal_realm[0] = "test";
	B.chal_realm[1] = "test2";
	B.challenged = B.evil_creds = 0;
	is_int(place(), 0, "realm loop: INVITE sent");
	ok(run_until(a_ended, 5000), "realm loop: the call ends");
	is_int((int)B.challenged, SIP_AUTH_MAX_ROUNDS + 1, "realm loop: %d challenges answered, the next one not",
	       SIP_AUTH_MAX_ROUNDS);
	ok(event_get_str(&A.last_ended, "reason") && strstr(event_get_str(&A.last_ended, "reason"), "too many"),
	   "realm loop: the reason says so (%s)", event_get_str(&A.last_ended, "reason"));
	ok(strstr(A.warning, "too many") != NULL, "realm loop: and a warning (%s)", A.warning);
	run_until(NULL, 300);
	is_int((int)B.challenged, SIP_AUTH_MAX_ROUNDS + 1, "realm loop: nothing more was sent");
	tua_reap(&A);
	tua_reap(&B);
	B.challenge = 0;
	B.challenge_new = false;
	B.chal_realm[0] = B.chal_realm[1] = NULL;
	A.prm.allow_plaintext_auth = false;
	A.prm.username = A.prm.password = NULL;

	/* 10. glare: both re-INVITE at once, both get 491, each retries after its RFC 3261 14.1 delay */
	is_int(place(), 0, "glare: INVITE sent");
	ok(run_until(both_established, 5000), "glare: established");
	if (both_established()) {
		struct call *ca = live(&A), *cb = live(&B);
		char before[16];
		uint64_t t0, t_rekey = 0, tend;

		run_until(NULL, 300);
		snprintf(before, sizeof(before), "%s", call_sas(ca));
		A.hold_on = B.hold_on = -1;
		t0 = loop_now_ms();
		is_int(call_hold(ca, true), 0, "glare: caller holds ...");
		is_int(call_rekey(cb), 0, "glare: ... while the callee re-keys");
		tend = t0 + 7000;
		while (loop_now_ms() < tend && !(t_rekey && A.hold_on == 1)) {
			step(5);
			if (!t_rekey && strcmp(before, call_sas(ca)))
				t_rekey = loop_now_ms();
		}
		ok(t_rekey != 0, "glare: the callee's re-key went through");
		ok(A.hold_on == 1 && B.hold_on == 1, "glare: the caller's hold went through");
		diag("glare: re-key after %llu ms, hold after %llu ms", (unsigned long long)(t_rekey - t0),
		     (unsigned long long)(A.hold_at - t0));
		/*
		 * on the virtual clock a round trip takes no time: the retries come at the chosen delays (t_rekey
		 * is seen at the next 5 ms step); the real clock (a sound card) gets the old slack
		 */
		ok(t_rekey && t_rekey - t0 <= 2000 + (real_clock ? 500 : 5),
		   "glare: the callee (not the Call-ID's owner) retried within 0-2 s (%llu ms)",
		   (unsigned long long)(t_rekey - t0));
		ok(A.hold_at - t0 >= 2100 && A.hold_at - t0 <= 4000 + (real_clock ? 600 : 0),
		   "glare: the caller (Call-ID's owner) retried after 2.1-4 s (%llu ms)",
		   (unsigned long long)(A.hold_at - t0));
		is_str(call_sas(ca), call_sas(cb), "glare: both ends agree on the new keys");
		ok(call_state(ca) == CALL_ESTABLISHED && call_state(cb) == CALL_ESTABLISHED && call_on_hold(ca),
		   "glare: still established, caller on hold");
		call_hangup(ca);
		run_until(both_ended, 3000);
	}
	tua_reap(&A);
	tua_reap(&B);
	/* 11. early media: 183 with SDP starts the media before the answer; the 200 goes on with the same stream */
	B.auto_answer = false;
	is_int(place(), 0, "early: INVITE sent");
	ok(run_until(b_ringing, 3000), "early: ringing");
	if (b_ringing()) {
		struct call *ca = live(&A), *cb = live(&B);
		long long rx0, rx1, tx0;

		is_int(call_progress(cb), 0, "early: callee sends 183 with its answer");
		ok(run_until(a_early, 2000), "early: caller's progress event says early_media");
		run_until(NULL, 1000);
		is_int(call_state(ca), CALL_RINGING, "early: not answered yet");
		call_verify(ca);
		rx0 = event_get_int(&A.last_security, "packets_unprotected", 0);
		tx0 = event_get_int(&A.last_security, "rtp_sent", 0);
		ok(rx0 > 10, "early: SRTP audio from the callee arrived before the answer (%lld packets)", rx0);
		is_int((int)event_get_int(&A.last_security, "auth_failures", -1), 0, "early: all of it authenticated");
		is_int(call_answer(cb), 0, "early: callee answers");
		ok(run_until(both_established, 3000), "early: established");
		/* a new stream would count from zero: the counters right after the 200 show it is the same one */
		call_verify(ca);
		rx1 = event_get_int(&A.last_security, "packets_unprotected", 0);
		ok(rx1 >= rx0 && event_get_int(&A.last_security, "rtp_sent", 0) >= tx0,
		   "early: the 200 goes on with the same stream (received %lld -> %lld, sent %lld -> %lld)", rx0, rx1,
		   tx0, event_get_int(&A.last_security, "rtp_sent", 0));
		run_until(NULL, 1000);
		call_verify(ca);
		ok(event_get_int(&A.last_security, "packets_unprotected", 0) > rx1 + 10, "early: audio goes on (%lld)",
		   event_get_int(&A.last_security, "packets_unprotected", 0));
		is_int((int)event_get_int(&A.last_security, "auth_failures", -1), 0, "early: no auth failures");
		call_hangup(ca);
		run_until(both_ended, 3000);
	}
	tua_reap(&A);
	tua_reap(&B);

	/*
	 * 12. the far end re-keys, then moves its media to a new port: each applied in place. Every
	 * sender starts 10 packets before its sequence numbers wrap (the SPHONE_TEST_RTP_SEQ hook), so
	 * the caller's send context has counted a rollover when the callee's new stream starts its
	 * receive context afresh (with a random start, 1 run in about 800 lost every packet there).
	 */
	B.auto_answer = true;
	setenv("SPHONE_TEST_RTP_SEQ", "65526", 1);
	is_int(place(), 0, "move: INVITE sent");
	ok(run_until(both_established, 5000), "move: established");
	unsetenv("SPHONE_TEST_RTP_SEQ"); /* the streams exist: the callee's new one starts anywhere */
	if (both_established()) {
		struct call *ca = live(&A), *cb = live(&B);
		char ra0[80], sas0[16];
		long long rx0, tx0, brx;
		uint64_t tend;
		bool moved = false;

		run_until(NULL, 800);
		call_verify(ca);
		snprintf(ra0, sizeof(ra0), "%s", event_get_str(&A.last_security, "remote_media"));
		snprintf(sas0, sizeof(sas0), "%s", call_sas(ca));
		is_int(call_rekey(cb), 0, "move: callee re-keys ...");
		ok(call_move_media(cb) == EBUSY, "move: ... one offer at a time");
		run_until(NULL, 800);
		ok(strcmp(sas0, call_sas(ca)) != 0 && !strcmp(call_sas(ca), call_sas(cb)), "move: new keys agreed");
		call_verify(ca);
		rx0 = event_get_int(&A.last_security, "packets_unprotected", 0);
		tx0 = event_get_int(&A.last_security, "rtp_sent", 0);
		is_int(call_move_media(cb), 0, "move: callee offers a new media port");
		tend = loop_now_ms() + 3000;
		while (loop_now_ms() < tend && !moved) {
			step(20);
			call_verify(ca);
			moved = strcmp(ra0, event_get_str(&A.last_security, "remote_media")) != 0;
		}
		ok(moved, "move: the caller now sends to the new address (%s -> %s)", ra0,
		   event_get_str(&A.last_security, "remote_media"));
		ok(event_get_int(&A.last_security, "rtp_sent", 0) >= tx0 &&
			   event_get_int(&A.last_security, "packets_unprotected", 0) >= rx0,
		   "move: the caller's stream was updated in place: its counters go on (sent %lld -> %lld)", tx0,
		   event_get_int(&A.last_security, "rtp_sent", 0));
		run_until(NULL, 1000);
		call_verify(ca);
		ok(event_get_int(&A.last_security, "packets_unprotected", 0) > rx0 + 10,
		   "move: ... and it still hears the callee (%lld -> %lld)", rx0,
		   event_get_int(&A.last_security, "packets_unprotected", 0));
		is_int((int)event_get_int(&A.last_security, "auth_failures", -1), 0, "move: no auth failures at the caller");
		call_verify(cb);
		brx = event_get_int(&B.last_security, "packets_unprotected", 0);
		ok(brx > 10, "move: audio to the new address arrives at the callee's new stream (%lld packets)", brx);
		is_int((int)event_get_int(&B.last_security, "auth_failures", -1), 0, "move: none at the callee");
		call_hangup(ca);
		run_until(both_ended, 3000);
	}
	tua_reap(&A);
	tua_reap(&B);

	/*
	 * 12a. a network change (ua_net.c's step 4): the caller's media is offered from another address by
	 * re-INVITE, the same port and keys; the stream goes on; "network" call_moved comes with the gap
	 */
	is_int(place(), 0, "netmove: INVITE sent");
	ok(run_until(both_established, 5000), "netmove: established");
	if (both_established()) {
		struct call *ca = live(&A), *cb = live(&B);
		char sas0[16], lm[80];
		long long tx0;
		unsigned rb = B.reinvites;

		run_until(NULL, 800);
		snprintf(sas0, sizeof(sas0), "%s", call_sas(ca));
		call_verify(ca);
		tx0 = event_get_int(&A.last_security, "rtp_sent", 0);
		memset(&A.last_network, 0, sizeof(A.last_network));
		is_int(call_move_addr(ca, "::1", loop_now_ms()), EAFNOSUPPORT, "netmove: the other family refused");
		is_int(call_move_addr(ca, "127.0.0.2", loop_now_ms()), 0, "netmove: re-INVITE from 127.0.0.2");
		is_int(call_move_addr(ca, "127.0.0.2", loop_now_ms()), EBUSY, "netmove: ... one offer at a time");
		{
			uint64_t tend = loop_now_ms() + 5000;
			while (loop_now_ms() < tend && !event_get_str(&A.last_network, "change"))
				step(20);
		}
		is_str(event_get_str(&A.last_network, "change") ? event_get_str(&A.last_network, "change") : "(none)",
		       "call_moved", "netmove: network event call_moved");
		is_int((int)event_get_int(&A.last_network, "call", 0), (int)call_id(ca), "netmove: ... for the call");
		is_str(event_get_str(&A.last_network, "local_media") ? event_get_str(&A.last_network, "local_media") : "",
		       "127.0.0.2", "netmove: ... from 127.0.0.2");
		ok(event_get_int(&A.last_network, "gap_ms", -2) >= 0, "netmove: ... the far end's audio came again (gap_ms %lld)",
		   event_get_int(&A.last_network, "gap_ms", -2));
		ok(B.reinvites > rb, "netmove: the callee got the re-INVITE");
		is_str(call_sas(ca), sas0, "netmove: the same keys (SAS %s)", sas0);
		ok(!strcmp(call_sas(cb), sas0), "netmove: ... at the callee too");
		call_verify(ca);
		snprintf(lm, sizeof(lm), "%s", event_get_str(&A.last_security, "local_media"));
		ok(!strncmp(lm, "127.0.0.2:", 10), "netmove: the caller's verify says local media %s", lm);
		ok(event_get_int(&A.last_security, "rtp_sent", 0) > tx0, "netmove: the caller's stream went on (sent %lld -> %lld)",
		   tx0, event_get_int(&A.last_security, "rtp_sent", 0));
		call_verify(cb);
		ok(event_get_int(&B.last_security, "auth_failures", -1) == 0 && event_get_int(&B.last_security, "replay_failures", -1) == 0,
		   "netmove: no authentication or replay failure at the callee");
		call_hangup(ca);
		run_until(both_ended, 3000);
	}
	tua_reap(&A);
	tua_reap(&B);

	/* 12a'. both ends move at once (a network change on each side): glare, 491 both, RFC 3261 14.1 retries */
	is_int(place(), 0, "netmove glare: INVITE sent");
	ok(run_until(both_established, 5000), "netmove glare: established");
	if (both_established()) {
		struct call *ca = live(&A), *cb = live(&B);
		uint64_t tend;
		unsigned ra = A.reinvites, rb = B.reinvites;

		run_until(NULL, 500);
		memset(&A.last_network, 0, sizeof(A.last_network));
		memset(&B.last_network, 0, sizeof(B.last_network));
		is_int(call_move_addr(ca, "127.0.0.2", loop_now_ms()), 0, "netmove glare: the caller moves ...");
		is_int(call_move_addr(cb, "127.0.0.3", loop_now_ms()), 0, "netmove glare: ... and so does the callee");
		tend = loop_now_ms() + 8000;
		while (loop_now_ms() < tend && !(event_get_str(&A.last_network, "change") && event_get_str(&B.last_network, "change")))
			step(20);
		ok(event_get_str(&A.last_network, "change") && !strcmp(event_get_str(&A.last_network, "change"), "call_moved") &&
			   event_get_str(&B.last_network, "change") && !strcmp(event_get_str(&B.last_network, "change"), "call_moved"),
		   "netmove glare: both moves went through after the 491s (caller %s, callee %s)",
		   event_get_str(&A.last_network, "change") ? event_get_str(&A.last_network, "change") : "nothing",
		   event_get_str(&B.last_network, "change") ? event_get_str(&B.last_network, "change") : "nothing");
		ok(A.reinvites - ra >= 2 && B.reinvites - rb >= 2,
		   "netmove glare: each end saw the other's re-INVITE twice (refused with 491, then the retry: %u, %u)",
		   A.reinvites - ra, B.reinvites - rb);
		ok(call_state(ca) == CALL_ESTABLISHED && call_state(cb) == CALL_ESTABLISHED && !strcmp(call_sas(ca), call_sas(cb)),
		   "netmove glare: still established, the same keys at both ends");
		call_hangup(ca);
		run_until(both_ended, 3000);
	}
	tua_reap(&A);
	tua_reap(&B);

	/* 12b. the far end vanishes without a BYE: the media timeout ends the call */
	B.prm.media.timeout_ms = 1500;
	is_int(place(), 0, "vanish: INVITE sent");
	ok(run_until(both_established, 5000), "vanish: established");
	if (both_established()) {
		run_until(NULL, 500);
		/* the caller's process "dies": its call is gone without a word */
		call_free(A.calls[0]);
		A.calls[0] = NULL;
		ok(run_until(b_ended, 5000), "vanish: the callee ended the call");
		is_str(event_get_str(&B.last_ended, "by"), "timeout", "vanish: by timeout");
		is_int((int)event_get_int(&B.last_ended, "status", 0), 408, "vanish: status 408");
		ok(strstr(event_get_str(&B.last_ended, "reason"), "no media from the far end for") != NULL,
		   "vanish: reason (%s)", event_get_str(&B.last_ended, "reason"));
	}
	tua_reap(&A);
	tua_reap(&B);
	B.prm.media.timeout_ms = 0;

	/* 13. session timers (RFC 4028): a 4 s interval (Min-SE lowered for the test); the caller refreshes */
	A.prm.session_expires = 4;
	A.prm.min_se = 2;
	B.prm.min_se = 2;
	is_int(place(), 0, "timer: INVITE with Session-Expires 4 sent");
	ok(run_until(both_established, 5000), "timer: established (no 422: 4 s >= Min-SE 2)");
	if (both_established()) {
		struct call *ca = live(&A), *cb = live(&B);

		B.reinvites = 0;
		run_until(NULL, 5000);
		ok(B.reinvites >= 2, "timer: the caller (refresher=uac) sent %u refresh re-INVITEs in 5 s (>= 2)",
		   B.reinvites);
		ok(call_state(ca) == CALL_ESTABLISHED && call_state(cb) == CALL_ESTABLISHED,
		   "timer: the session did not expire at the callee");
		/* refreshes now refused (a proxy challenging with credentials we lack): the callee ends it */
		B.challenge = 2;
		ok(run_until(both_ended, 6000), "timer: without refreshes the session expired");
		is_int((int)event_get_int(&B.last_ended, "status", 0), 408, "timer: callee ended with 408");
		ok(strstr(event_get_str(&B.last_ended, "reason"), "session timer expired") != NULL,
		   "timer: reason (%s)", event_get_str(&B.last_ended, "reason"));
		is_str(event_get_str(&A.last_ended, "by"), "remote", "timer: the caller got the callee's BYE");
		B.challenge = 0;
	}
	tua_reap(&A);
	tua_reap(&B);
	A.prm.session_expires = 0;
	A.prm.min_se = B.prm.min_se = 0;

	/*
	 * 14. an INVITE without SDP (delayed offer, RFC 3261 13.2.1, RFC 3264 4): B's 200 carries its
	 * offer, the ACK of A (a scripted caller here) the answer; only then is the call established
	 */
	B.auto_answer = true;
	B.prm.media.suites[0] = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80;
	B.prm.media.suites[1] = SRTP_SUITE_AES_CM_128_HMAC_SHA1_32;
	B.prm.media.n_suites = 2;
	raw.on = true;
	{
		struct sdp_conf sc;
		struct sdp_sess *ss = NULL;
		struct srtp_sess *sr = NULL;
		struct sdp_result r;
		struct wbuf ans;
		struct pl off;
		uint16_t mport = 0;
		int mfd = raw_udp(&mport);
		unsigned sent = 0, good = 0, bad = 0;
		char body[4096], sas[16] = "";

		ok(mfd >= 0, "delayed: a media socket for the scripted caller");
		is_int(raw_invite(1), 0, "delayed: INVITE without SDP sent");
		ok(run_until(raw_got_200, 3000), "delayed: answered 200 OK (auto-answer)");
		is_int((int)raw.n180, 1, "delayed: after 180 Ringing");
		is_str(event_get_str(&B.last_incoming, "offer"), "ours",
		       "delayed: the incoming event says the offer will be ours");
		ok(event_get(&B.last_incoming, "srtp") && event_get(&B.last_incoming, "srtp")->i == 1,
		   "delayed: ... and that the call will be SRTP (srtp_required: the offer is RTP/SAVP)");
		off = raw_offer();
		ok(count_str(off, "m=audio ") == 1 && count_str(off, " RTP/SAVP ") == 1,
		   "delayed: the 200 carries an RTP/SAVP offer");
		is_int((int)count_str(off, "a=crypto:"), 2, "delayed: one a=crypto line per configured suite");
		ok(count_str(off, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:") == 1 &&
			   count_str(off, "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:") == 1,
		   "delayed: ... in the configured order");
		ok(!seen(&B, "established"), "delayed: no established event before the answer");
		/* the ACK is held back: the 200 is retransmitted (after T1, then 2*T1), the same bytes */
		run_until(NULL, 1700);
		ok(raw.n200 >= 3 && raw.same200, "delayed: the 200 was retransmitted unchanged while no ACK came (%u)",
		   raw.n200);
		ok(!seen(&B, "established") && !seen(&B, "ended"), "delayed: still waiting for the ACK");

		memset(&sc, 0, sizeof(sc));
		sc.addr = "127.0.0.1";
		sc.port = mport;
		sc.srtp = sc.srtp_required = true;
		memset(&r, 0, sizeof(r));
		wbuf_init(&ans, 0);
		e = sdp_sess_alloc(&ss, &sc);
		if (!e)
			e = sdp_sess_answer(ss, off.p, off.l, &ans, &r);
		is_int(e, 0, "delayed: the scripted caller answers the offer");
		snprintf(body, sizeof(body), "%.*s", (int)ans.len, ans.p ? (const char *)ans.p : "");
		is_int(raw_ack(1, body), 0, "delayed: ACK with the answer sent");
		ok(run_until(b_established, 3000), "delayed: established once the ACK's answer was applied");
		is_str(event_get_str(&B.last_established, "srtp_tx"), "AES_CM_128_HMAC_SHA1_80",
		       "delayed: SRTP with the suite of the answer");
		if (!e && r.secure)
			call_media_sas_compute(sas, sizeof(sas), r.suite, r.tx_key, r.rx_key, r.key_len);
		is_str(event_get_str(&B.last_established, "sas"), sas, "delayed: B's SAS is made of both keys");
		ok(b_ev_index("security") > b_ev_index("established") && b_ev_index("established") >= 0,
		   "delayed: a security event follows established");
		ok(!e && r.secure && !srtp_sess_alloc(&sr, r.suite, r.tx_key, r.key_len, r.rx_key, r.key_len),
		   "delayed: the scripted caller's SRTP session");
		if (sr && mfd >= 0) {
			raw_media(mfd, sr, &r, 1500, &sent, &good, &bad);
			ok(good > 40 && bad == 0,
			   "delayed: B's SRTP comes to the answer's address and authenticates with B's offered key "
			   "(%u good, %u bad)", good, bad);
			call_verify(B.calls[0]);
			ok(event_get_int(&B.last_security, "packets_unprotected", 0) > 40,
			   "delayed: B decrypts the caller's SRTP with the answer's key (%lld of %u)",
			   event_get_int(&B.last_security, "packets_unprotected", 0), sent);
			is_int((int)event_get_int(&B.last_security, "auth_failures", -1), 0,
			       "delayed: no auth failures");
		}
		is_int(call_hangup(B.calls[0]), 0, "delayed: B hangs up");
		ok(run_until(b_ended_and_bye, 3000), "delayed: its BYE reached the caller");
		is_int((int)event_get_int(&B.last_ended, "status", 0), 200, "delayed: ended 200");
		srtp_sess_free(sr);
		sr = NULL;
		sdp_result_wipe(&r);
		sdp_sess_free(ss);
		ss = NULL;
		wbuf_free(&ans);
		tua_reap(&A);
		tua_reap(&B);

		/* 15. the ACK brings no answer: B ends the call with a BYE and says why */
		is_int(raw_invite(2), 0, "delayed, empty ACK: INVITE without SDP sent");
		ok(run_until(raw_got_200, 3000), "delayed, empty ACK: 200 with the offer");
		is_int(raw_ack(2, NULL), 0, "delayed, empty ACK: ACK without a body sent");
		ok(run_until(b_ended_and_bye, 3000), "delayed, empty ACK: B sent BYE and ended the call");
		is_int((int)event_get_int(&B.last_ended, "status", 0), 488, "delayed, empty ACK: status 488");
		ok(strstr(event_get_str(&B.last_ended, "reason"), "carried no answer") != NULL,
		   "delayed, empty ACK: the reason says so (%s)", event_get_str(&B.last_ended, "reason"));
		ok(!seen(&B, "established"), "delayed, empty ACK: never established");
		tua_reap(&A);
		tua_reap(&B);

		/* 16. answers SRTP-required B cannot take: RTP/SAVP without a=crypto, and plain RTP/AVP */
		for (int k = 0; k < 2; k++) {
			const char *what = k ? "plain RTP/AVP answer" : "answer without a=crypto";
			snprintf(body, sizeof(body),
				 "v=0\r\no=- 7 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
				 "m=audio %u %s 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n",
				 mport, k ? "RTP/AVP" : "RTP/SAVP");
			is_int(raw_invite(3 + (unsigned)k), 0, "delayed, %s: INVITE without SDP sent", what);
			ok(run_until(raw_got_200, 3000), "delayed, %s: 200 with the offer", what);
			is_int(raw_ack(3 + (unsigned)k, body), 0, "delayed, %s: ACK sent", what);
			ok(run_until(b_ended_and_bye, 3000), "delayed, %s: B sent BYE and ended the call", what);
			is_int((int)event_get_int(&B.last_ended, "status", 0), 488, "delayed, %s: status 488", what);
			ok(strstr(event_get_str(&B.last_ended, "reason"), k ? "profile" : "crypto") != NULL,
			   "delayed, %s: the reason says why (%s)", what, event_get_str(&B.last_ended, "reason"));
			ok(!seen(&B, "established"), "delayed, %s: never established", what);
			tua_reap(&A);
			tua_reap(&B);
		}

		/* 17. optimistic B (srtp_required = no): a plain RTP/AVP answer is taken, with the loud warning */
		B.prm.media.srtp_required = false;
		is_int(raw_invite(5), 0, "delayed, optimistic: INVITE without SDP sent");
		ok(run_until(raw_got_200, 3000), "delayed, optimistic: 200 with the offer");
		off = raw_offer();
		ok(count_str(off, " RTP/AVP ") == 1 && count_str(off, "a=crypto:") == 2,
		   "delayed, optimistic: the offer is RTP/AVP with a=crypto (SRTP if the caller takes it)");
		ok(event_get(&B.last_incoming, "srtp") && event_get(&B.last_incoming, "srtp")->i == 0,
		   "delayed, optimistic: the incoming event does not promise SRTP");
		snprintf(body, sizeof(body),
			 "v=0\r\no=- 8 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
			 "m=audio %u RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n",
			 mport);
		is_int(raw_ack(5, body), 0, "delayed, optimistic: ACK with a plain answer sent");
		ok(run_until(b_established, 3000), "delayed, optimistic: established");
		is_str(event_get_str(&B.last_established, "srtp_tx"), "none", "delayed, optimistic: no SRTP");
		ok(event_get_str(&B.last_established, "warning") &&
			   strstr(event_get_str(&B.last_established, "warning"), "NOT encrypted"),
		   "delayed, optimistic: the established event warns (%s)",
		   event_get_str(&B.last_established, "warning"));
		if (mfd >= 0 && !srtp_sess_alloc_plain(&sr)) {
			struct sdp_result pr;
			const char *m = memmem(off.p, off.l, "m=audio ", 8);

			memset(&pr, 0, sizeof(pr));
			snprintf(pr.raddr, sizeof(pr.raddr), "127.0.0.1");
			pr.rport = m ? (uint16_t)atoi(m + 8) : 0; /* B's port, from its offer */
			sent = good = bad = 0;
			while (recv(mfd, body, sizeof(body), 0) > 0)
				;
			raw_media(mfd, sr, &pr, 1000, &sent, &good, &bad);
			ok(good > 20, "delayed, optimistic: plain RTP flows from B (%u packets)", good);
			call_verify(B.calls[0]);
			ok(event_get_int(&B.last_security, "rtp_received", 0) > 20,
			   "delayed, optimistic: and to B (%lld packets)",
			   event_get_int(&B.last_security, "rtp_received", 0));
			srtp_sess_free(sr);
			sr = NULL;
		}
		call_hangup(B.calls[0]);
		run_until(b_ended_and_bye, 3000);
		tua_reap(&A);
		tua_reap(&B);
		B.prm.media.srtp_required = true;

		/* 17b. B hangs up between its 200 and the ACK: the answer that comes then starts nothing */
		memset(&sc, 0, sizeof(sc));
		sc.addr = "127.0.0.1";
		sc.port = mport;
		sc.srtp = sc.srtp_required = true;
		memset(&r, 0, sizeof(r));
		wbuf_init(&ans, 0);
		B.auto_answer = true;
		is_int(raw_invite(7), 0, "delayed, hang-up before the ACK: INVITE without SDP sent");
		ok(run_until(raw_got_200, 3000), "delayed, hang-up before the ACK: 200 with the offer");
		off = raw_offer();
		e = sdp_sess_alloc(&ss, &sc);
		if (!e)
			e = sdp_sess_answer(ss, off.p, off.l, &ans, &r);
		snprintf(body, sizeof(body), "%.*s", (int)ans.len, ans.p ? (const char *)ans.p : "");
		is_int(call_hangup(B.calls[0]), 0, "delayed, hang-up before the ACK: B hangs up");
		ok(run_until(b_ended_and_bye, 3000), "delayed, hang-up before the ACK: BYE sent, ended");
		is_int(raw_ack(7, body), 0, "delayed, hang-up before the ACK: the ACK with a good answer comes late");
		run_until(NULL, 500);
		ok(!seen(&B, "established") && call_state(B.calls[0]) == CALL_ENDED,
		   "delayed, hang-up before the ACK: not established afterwards");
		is_int((int)raw.nbye, 1, "delayed, hang-up before the ACK: and no second BYE");
		call_verify(B.calls[0]);
		is_str(event_get_str(&B.last_security, "media"), "not started",
		       "delayed, hang-up before the ACK: no media started");
		sdp_result_wipe(&r);
		sdp_sess_free(ss);
		ss = NULL;
		wbuf_free(&ans);
		tua_reap(&A);
		tua_reap(&B);

		/* 18. keys may not go over this flow (TCP, keys_on_insecure off): 488 at once, no ringing */
		B.prm.keys_on_insecure = false;
		is_int(raw_invite(6), 0, "delayed, no TLS: INVITE without SDP sent");
		ok(run_until(raw_got_final, 3000), "delayed, no TLS: a final response");
		is_int((int)raw.last, 488, "delayed, no TLS: 488");
		ok(!seen(&B, "incoming") && raw.n180 == 0, "delayed, no TLS: it never rang");
		is_int((int)event_get_int(&B.last_ended, "status", 0), 488, "delayed, no TLS: ended 488");
		ok(strstr(event_get_str(&B.last_ended, "reason"), "not TLS") != NULL, "delayed, no TLS: reason (%s)",
		   event_get_str(&B.last_ended, "reason"));
		tua_reap(&A);
		tua_reap(&B);
		B.prm.keys_on_insecure = true;
		if (mfd >= 0)
			close(mfd);
	}
	raw.on = false;
	B.prm.media.n_suites = 0;
	if (zrtp_lib_load() == 0)
		zrtp_cases(dir);
	else
		diag("ZRTP cases skipped: %s", zrtp_lib_error());
	test_transfer();
	test_transfer_ask();
	sip_flow_unref(cur_ab);

	sip_flow_unref(orig_ab);
	sip_flow_unref(m_flow);
	sip_flow_unref(b_acct);
	sip_transp_free(m_tp);
	tua_fini(&A);
	tua_fini(&B);
	loop_free(L);
	if (!getenv("KEEP")) {
		unlink(in);
		unlink(outb);
		rmdir(dir);
	}
	return tap_done();
}
