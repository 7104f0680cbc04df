/* test_call.c: two user agents in one process over loopback TCP: SRTP calls with WAV audio, DTMF, hold, CANCEL, refusals. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "call.h"
#include "event.h"
#include "log.h"
#include "loop.h"
#include "sip_ctrans.h"
#include "sip_msg.h"
#include "sip_strans.h"
#include "sip_transp.h"
#include "tap.h"
#include "tone.h"
#include "wav.h"

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
	struct event last_ended, last_security, last_established;
	char digits[32];
	unsigned nev;
	int hold_on; /* -1 unknown */
};

static struct tua A, B;

static void answer_h(void *arg);

/* A struct event's fields point into its own arena: copy field by field. */
static void ev_copy(struct event *dst, const struct event *src)
{
	event_init(dst, src->name);
	for (unsigned i = 0; i < src->n; i++) {
		const struct event_field *f = &src->f[i];
		if (f->type == EVENT_STR)
			event_str(dst, f->key, f->s);
		else if (f->type == EVENT_INT)
			event_int(dst, f->key, f->i);
		else
			event_bool(dst, f->key, f->i != 0);
	}
}

static void ev_h(struct call *c, const struct event *ev, void *arg)
{
	struct tua *u = arg;
	char line[8192];
	size_t n;

	(void)c;
	if (!event_json(ev, line, sizeof(line), &n))
		diag("%s: %s", u->name, line);
	if (u->nev < MAXEV)
		snprintf(u->evname[u->nev++], 32, "%s", ev->name);
	if (!strcmp(ev->name, "ended"))
		ev_copy(&u->last_ended, ev);
	else if (!strcmp(ev->name, "security"))
		ev_copy(&u->last_security, ev);
	else if (!strcmp(ev->name, "established"))
		ev_copy(&u->last_established, ev);
	else if (!strcmp(ev->name, "dtmf") && strlen(u->digits) + 1 < sizeof(u->digits))
		strcat(u->digits, event_get_str(ev, "digit"));
	else if (!strcmp(ev->name, "hold"))
		u->hold_on = event_get_int(ev, "on", -1);
	else if (!strcmp(ev->name, "incoming") && u->auto_answer)
		tmr_start(u->l, &u->answer_tmr, 50, answer_h, u);
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

static void recv_h(struct sip_msg *m, struct sip_flow *flow, const struct sockaddr *src, socklen_t srclen,
		   void *arg)
{
	struct tua *u = arg;
	int i;

	(void)src;
	(void)srclen;
	if (!sip_msg_is_request(m)) {
		if (sip_ctrans_mgr_recv(u->ctm, m) == ENOENT)
			for (i = 0; i < MAXC; i++)
				if (u->calls[i] && !call_recv_stray(u->calls[i], m))
					break;
		goto out;
	}
	if (sip_strans_mgr_recv(u->stm, m) == 0)
		goto out;
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
	(void)flow;
	(void)err;
	(void)why;
	(void)arg;
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
	u->prm.media_addr = "127.0.0.1";
	u->prm.srtp = true;
	u->prm.srtp_required = true;
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
	memset(&u->last_ended, 0, sizeof(u->last_ended));
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

/* Runs the loop until cond() or ms pass. */
static bool run_until(bool (*cond)(void), unsigned ms)
{
	uint64_t end = loop_now_ms() + ms;

	while (loop_now_ms() < end) {
		if (cond && cond())
			return true;
		loop_run_once(L, 10);
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

/* The UA's first call that has not ended (else its first call). */
static struct call *live(struct tua *u)
{
	for (int i = 0; i < MAXC; i++)
		if (u->calls[i] && call_state(u->calls[i]) != CALL_ENDED)
			return u->calls[i];
	return u->calls[0];
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

static int place(void)
{
	struct call *c = NULL;
	int e = call_connect(&c, &A.env, &A.prm, flow_ab, A.contact, "sip:bob@example.test", ev_h, &A);

	if (!e)
		add_call(&A, c);
	return e;
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

	/* DTMF both directions */
	is_int(call_dtmf(A.calls[0], "15#"), 0, "dtmf: queued");
	is_int(call_dtmf(A.calls[0], "x"), EINVAL, "dtmf: bad digit refused");
	ok(run_until(b_digits3, 3000), "dtmf: callee got three digits");
	is_str(B.digits, "15#", "dtmf: digits in order");
	call_dtmf(B.calls[0], "9");
	run_until(NULL, 800);
	is_str(A.digits, "9", "dtmf: caller got the callee's digit");

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
	A.prm.srtp = false;
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
	B.prm.srtp_required = false;
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
	B.prm.srtp_required = true;
	A.prm.srtp = true;
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
			loop_run_once(L, 10);
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

	sip_flow_unref(flow_ab);
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
