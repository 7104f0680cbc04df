/* SPDX-License-Identifier: GPL-3.0-or-later */
/* reg.c: registration client: builds REGISTERs, answers digest challenges, refreshes, backs off, recovers. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include "account.h"
#include "buf.h"
#include "crypto.h"
#include "event.h"
#include "log.h"
#include "loop.h"
#include "pl.h"
#include "reg.h"
#include "sip_auth.h"
#include "sip_caps.h"
#include "sip_msg.h"
#include "sip_uri.h"
#include "tls.h"
#include "version.h"

/* Challenges (and 423s) answered within one attempt before giving up (stale nonces, 401 then 407, ...). */
#define MAX_AUTH_ROUNDS SIP_AUTH_MAX_ROUNDS

struct reg {
	struct loop *l;
	const struct account *acc;
	struct sip_auth *auth;
	struct sip_auth_realms realms; /* the account's `realm` list, then what the registrar challenged with */
	struct reg_sender snd;
	reg_event_h *eh;
	void *arg;

	enum reg_state state;
	bool pending;     /* the sender owes us a response */
	bool unreg;       /* the request out is the un-REGISTER */
	bool bound;       /* a 2xx bound our contact at some point since the last un-REGISTER */
	bool sent_creds;  /* the request out carried credentials */
	uint32_t cseq;
	unsigned req_expires;
	unsigned granted;
	unsigned failures;
	unsigned auth_rounds;
	const char *cause; /* why this attempt started, for the "registering" event */

	struct tmr tmr;      /* refresh or retry */
	struct tmr stop_tmr; /* un-REGISTER timeout, or the deferred done call */
	reg_done_h *done;
	void *done_arg;

	unsigned backoff_min_ms, backoff_max_ms;
	int delay_lost_ms; /* -1: random 0..500 */

	/* fixed for the reg's life */
	char callid[40];
	char ftag[24];
	char instance[64];
	char ruri[300];
	char aor[300];
	char contact_user[128];
	bool sips;

	/* the flow of the last request */
	char transport[8];
	char laddr[80];
	bool secure;
	bool have_tls;
	struct tls_info tls;

	/* from the last 2xx: RFC 5626 outbound granted, its Flow-Timer, where the registrar saw us */
	bool outbound_ok;
	unsigned flow_timer;
	char public_addr[72];
};

static void send_request(struct reg *r);
static void start_attempt(struct reg *r, const char *cause);

const char *reg_state_name(enum reg_state s)
{
	switch (s) {
	case REG_IDLE: return "idle";
	case REG_REGISTERING: return "registering";
	case REG_REGISTERED: return "registered";
	case REG_REFRESHING: return "refreshing";
	case REG_WAITING: return "waiting";
	case REG_FAILED: return "failed";
	case REG_UNREGISTERING: return "unregistering";
	}
	return "?";
}

static void emit(struct reg *r, const struct event *ev)
{
	if (r->eh)
		r->eh(ev, r->arg);
}

/* A UUID (RFC 9562 version 8, name-based on SHA-256) from the account, so restarts keep the instance. */
static int make_instance(struct reg *r)
{
	struct crypto_hash_ctx *h = NULL;
	uint8_t md[CRYPTO_HASH_MAX];
	char host[256] = "";
	char hex[2 * 16 + 1];
	int e;

	gethostname(host, sizeof(host) - 1);
	e = crypto_hash_alloc(&h, CRYPTO_SHA256);
	if (e)
		return e;
	if ((e = crypto_hash_update(h, "sphone-instance", 16)) != 0 ||
	    (e = crypto_hash_update(h, r->acc->name, strlen(r->acc->name) + 1)) != 0 ||
	    (e = crypto_hash_update(h, r->acc->uri, strlen(r->acc->uri) + 1)) != 0 ||
	    (e = crypto_hash_update(h, host, strlen(host))) != 0 ||
	    (e = crypto_hash_final(h, md)) != 0)
		goto out;
	md[6] = (uint8_t)((md[6] & 0x0f) | 0x80);
	md[8] = (uint8_t)((md[8] & 0x3f) | 0x80);
	crypto_hex(hex, md, 16);
	snprintf(r->instance, sizeof(r->instance), "urn:uuid:%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8,
		 hex + 12, hex + 16, hex + 20);
out:
	crypto_hash_free(h);
	return e;
}

static int parse_aor(struct reg *r)
{
	struct sip_uri u;
	struct wbuf w;
	int e;

	e = sip_uri_decode_str(&u, r->acc->uri);
	if (e)
		return e;
	if (u.host_type == SIP_HOST_NONE || !u.user.p || u.user.l >= sizeof(r->contact_user))
		return EINVAL;
	r->sips = u.scheme == SIP_URI_SIPS;
	wbuf_init_static(&w, r->ruri, sizeof(r->ruri));
	wbuf_str(&w, r->sips ? "sips:" : "sip:");
	sip_uri_print_hostport(&w, &u);
	if (w.err)
		return w.err;
	wbuf_init_static(&w, r->aor, sizeof(r->aor));
	wbuf_printf(&w, "%s:%.*s@", r->sips ? "sips" : "sip", (int)u.user.l, u.user.p);
	sip_uri_print_hostport(&w, &u);
	if (w.err)
		return w.err;
	memcpy(r->contact_user, u.user.p, u.user.l);
	r->contact_user[u.user.l] = '\0';
	return 0;
}

int reg_alloc(struct reg **rp, struct loop *l, const struct account *acc, const char *password,
	      const struct reg_sender *snd, reg_event_h *eh, void *arg)
{
	struct reg *r;
	int e;

	if (!rp || !l || !acc || !acc->uri || !acc->name || !snd || !snd->send)
		return EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return ENOMEM;
	r->l = l;
	r->acc = acc;
	r->snd = *snd;
	r->eh = eh;
	r->arg = arg;
	r->req_expires = acc->expires ? acc->expires : 600;
	r->backoff_min_ms = 2000;
	r->backoff_max_ms = 300000;
	r->delay_lost_ms = -1;
	tmr_init(&r->tmr);
	tmr_init(&r->stop_tmr);
	if ((e = parse_aor(r)) != 0 || (e = make_instance(r)) != 0 ||
	    (e = crypto_rand_token(r->callid, 32)) != 0 || (e = crypto_rand_token(r->ftag, 16)) != 0)
		goto out;
	if (password && *password) {
		e = sip_auth_alloc(&r->auth, acc->username ? acc->username : r->contact_user, password);
		if (e)
			goto out;
	}
	for (unsigned i = 0; i < acc->n_realms; i++)
		sip_auth_realms_add(&r->realms, acc->realms[i]);
	{
		uint32_t c;
		crypto_rand(&c, sizeof(c));
		r->cseq = c & 0xffff; /* RFC 3261 8.1.1.5: below 2^31 */
	}
	*rp = r;
	r = NULL;
out:
	if (r) {
		sip_auth_free(r->auth);
		free(r);
	}
	return e;
}

void reg_free(struct reg *r)
{
	if (!r)
		return;
	tmr_cancel(&r->tmr);
	tmr_cancel(&r->stop_tmr);
	if (r->pending && r->snd.cancel)
		r->snd.cancel(r->snd.arg);
	sip_auth_free(r->auth);
	crypto_wipe(r, sizeof(*r));
	free(r);
}

void reg_set_timing(struct reg *r, unsigned backoff_min_ms, unsigned backoff_max_ms,
		    unsigned delay_lost_ms)
{
	if (!r)
		return;
	r->backoff_min_ms = backoff_min_ms ? backoff_min_ms : 1;
	r->backoff_max_ms = backoff_max_ms < r->backoff_min_ms ? r->backoff_min_ms : backoff_max_ms;
	r->delay_lost_ms = (int)delay_lost_ms;
}

enum reg_state reg_state(const struct reg *r)
{
	return r ? r->state : REG_IDLE;
}

unsigned reg_expires(const struct reg *r)
{
	return r && (r->state == REG_REGISTERED || r->state == REG_REFRESHING) ? r->granted : 0;
}

/* "urn:uuid:" and 8-4-4-4-12 lower-case hex digits: what reg_instance_load writes and accepts back. */
static bool instance_valid(const char *s)
{
	static const char pre[] = "urn:uuid:";
	size_t i;

	if (strncmp(s, pre, sizeof(pre) - 1))
		return false;
	s += sizeof(pre) - 1;
	for (i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return s[36] == '\0' || s[36] == '\n';
}

static int instance_read(const char *path, char *urn, size_t sz)
{
	char buf[80] = "";
	FILE *f = fopen(path, "r");
	int e = 0;

	if (!f)
		return errno;
	if (!fgets(buf, sizeof(buf), f) || !instance_valid(buf))
		e = EINVAL;
	fclose(f);
	if (!e) {
		buf[strcspn(buf, "\n")] = '\0';
		if (snprintf(urn, sz, "%s", buf) >= (int)sz)
			e = ENOSPC;
	}
	return e;
}

/* mkdir -p with 0700 for the parts it makes */
static int mkdirs(char *path)
{
	char *s;

	for (s = path + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(path, 0700) && errno != EEXIST) {
			*s = '/';
			return errno;
		}
		*s = '/';
	}
	return mkdir(path, 0700) && errno != EEXIST ? errno : 0;
}

int reg_instance_load(const char *dir, char *urn, size_t sz, char *err, size_t errsz)
{
	char d[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX + 16], hex[33];
	const char *x = getenv("XDG_DATA_HOME"), *h = getenv("HOME");
	uint8_t u[16];
	FILE *f = NULL;
	int e, fd;

	if (dir)
		e = snprintf(d, sizeof(d), "%s", dir) >= (int)sizeof(d);
	else if (x && *x == '/')
		e = snprintf(d, sizeof(d), "%s/sphone", x) >= (int)sizeof(d);
	else if (h && *h == '/')
		e = snprintf(d, sizeof(d), "%s/.local/share/sphone", h) >= (int)sizeof(d);
	else {
		snprintf(err, errsz, "neither XDG_DATA_HOME nor HOME is set");
		return ENOENT;
	}
	if (e || snprintf(path, sizeof(path), "%s/instance", d) >= (int)sizeof(path)) {
		snprintf(err, errsz, "data directory path too long");
		return ENAMETOOLONG;
	}
	e = instance_read(path, urn, sz);
	if (e != ENOENT) {
		if (e)
			snprintf(err, errsz, "%s: %s", path, e == EINVAL ? "not a urn:uuid line" : strerror(e));
		return e;
	}
	/* first start: a random (version 4) UUID, written whole under a temporary name and linked into
	 * place, so a second sphone starting at the same moment reads one complete ID, the same one */
	if ((e = mkdirs(d)) != 0 || (e = crypto_rand(u, sizeof(u))) != 0) {
		snprintf(err, errsz, "%s: %s", d, strerror(e));
		return e;
	}
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	crypto_hex(hex, u, sizeof(u));
	snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		e = errno;
		if (fd >= 0)
			close(fd);
		snprintf(err, errsz, "%s: %s", tmp, strerror(e));
		return e;
	}
	fprintf(f, "urn:uuid:%.8s-%.4s-%.4s-%.4s-%.12s\n", hex, hex + 8, hex + 12, hex + 16, hex + 20);
	e = fflush(f) || fsync(fd) ? errno : 0;
	if (fclose(f) && !e)
		e = errno;
	if (!e && link(tmp, path) && errno != EEXIST)
		e = errno;
	unlink(tmp);
	if (!e)
		e = instance_read(path, urn, sz);
	if (e)
		snprintf(err, errsz, "%s: %s", path, strerror(e));
	return e;
}

int reg_set_instance(struct reg *r, const char *urn)
{
	if (!r || !urn || !instance_valid(urn) || strlen(urn) >= sizeof(r->instance))
		return EINVAL;
	snprintf(r->instance, sizeof(r->instance), "%s", urn);
	return 0;
}

const char *reg_instance(const struct reg *r)
{
	return r ? r->instance : "";
}

const struct sip_auth_realms *reg_realms(const struct reg *r)
{
	return r ? &r->realms : NULL;
}

static uint32_t rand_below(uint32_t n)
{
	uint32_t v = 0;

	if (n <= 1)
		return 0;
	crypto_rand(&v, sizeof(v));
	return v % n;
}

/* n-th consecutive failure: min * 2^(n-1), capped, minus up to 25% jitter so clients spread out. */
static uint64_t backoff_ms(const struct reg *r, unsigned n, uint32_t retry_after_s)
{
	uint64_t d = r->backoff_min_ms;
	unsigned i;

	for (i = 1; i < n && d < r->backoff_max_ms; i++)
		d *= 2;
	if (d > r->backoff_max_ms)
		d = r->backoff_max_ms;
	d -= rand_below((uint32_t)(d / 4 + 1));
	if (retry_after_s && (uint64_t)retry_after_s * 1000 > d)
		d = (uint64_t)retry_after_s * 1000;
	return d;
}

static const char insecure_warning[] =
	"tls_insecure_skip_verify = yes: the server's certificate is NOT checked; anyone on the "
	"path can impersonate the server";

/* The dangerous setting is repeated in every registration event, not only in "registered". */
static void add_insecure_warning(const struct reg *r, struct event *ev)
{
	if (r->acc->tls_insecure_skip_verify)
		event_str(ev, "warning", insecure_warning);
}

/* Adds the TLS and flow details that "registered" and "status" share. */
static void add_flow(const struct reg *r, struct event *ev)
{
	const char *warn = NULL;

	event_str(ev, "transport", r->transport[0] ? r->transport : "");
	if (r->have_tls) {
		event_str(ev, "tls_version", r->tls.version);
		event_str(ev, "cipher", r->tls.cipher);
		event_str(ev, "peer_subject", r->tls.peer_subject);
		event_str(ev, "peer_fingerprint", r->tls.fingerprint_sha256);
		event_bool(ev, "verified", r->tls.verified);
		if (!r->tls.verified)
			warn = r->acc->tls_insecure_skip_verify
				       ? "the server's certificate was NOT verified "
					 "(tls_insecure_skip_verify = yes): anyone on the path can "
					 "impersonate the server"
				       : "the server's certificate was NOT verified";
		else if (r->acc->tls_insecure_skip_verify)
			warn = insecure_warning; /* verified this time, but nothing would stop a forgery */
	} else if (r->transport[0]) {
		event_bool(ev, "verified", false);
		warn = "signalling is NOT encrypted (transport is not TLS)";
	}
	if (warn)
		event_str(ev, "warning", warn);
}

/* RFC 5626 as the registrar answered it, and where it saw us: "registered" and "status" share these. */
static void add_outbound(const struct reg *r, struct event *ev)
{
	event_bool(ev, "outbound", r->outbound_ok);
	if (r->flow_timer)
		event_int(ev, "flow_timer", r->flow_timer);
	if (r->public_addr[0])
		event_str(ev, "public_addr", r->public_addr);
}

static void emit_registering(struct reg *r, const char *cause)
{
	struct event ev;

	event_init(&ev, EVENT_REGISTERING);
	event_str(&ev, "account", r->acc->name);
	event_str(&ev, "uri", r->acc->uri);
	if (cause)
		event_str(&ev, "cause", cause);
	add_insecure_warning(r, &ev);
	emit(r, &ev);
}

static void retry_tmr_h(void *arg)
{
	struct reg *r = arg;

	start_attempt(r, r->state == REG_WAITING ? "retry" : NULL);
}

static void refresh_tmr_h(void *arg)
{
	struct reg *r = arg;

	r->state = REG_REFRESHING;
	r->auth_rounds = 0;
	send_request(r);
}

/* retry: arm the backoff timer; otherwise stay failed until reg_start. */
static void fail(struct reg *r, unsigned status, const char *reason, bool retry, uint32_t retry_after)
{
	struct event ev;
	uint64_t d = 0;

	r->failures++;
	r->granted = 0;
	if (retry) {
		d = backoff_ms(r, r->failures, retry_after);
		r->state = REG_WAITING;
		tmr_start(r->l, &r->tmr, d, retry_tmr_h, r);
	} else {
		r->state = REG_FAILED;
		tmr_cancel(&r->tmr);
	}
	log_warn("account %s: registration failed: %s%s", r->acc->name, reason,
		 retry ? "" : " (not retrying)");
	event_init(&ev, EVENT_REGISTRATION_FAILED);
	event_str(&ev, "account", r->acc->name);
	event_int(&ev, "status", status);
	event_str(&ev, "reason", reason);
	/* seconds, rounded up; 0: no automatic retry (the `register` command tries again) */
	event_int(&ev, "retry_in", (long long)((d + 999) / 1000));
	add_insecure_warning(r, &ev);
	emit(r, &ev);
}

static void start_attempt(struct reg *r, const char *cause)
{
	if (r->pending)
		return;
	tmr_cancel(&r->tmr);
	r->state = REG_REGISTERING;
	r->auth_rounds = 0;
	emit_registering(r, cause);
	send_request(r);
}

int reg_start(struct reg *r)
{
	if (!r)
		return EINVAL;
	if (r->state == REG_UNREGISTERING)
		return EBUSY;
	if (r->pending || r->state == REG_REGISTERED)
		return 0;
	r->failures = 0;
	start_attempt(r, NULL);
	return 0;
}

static int print_quoted(struct wbuf *w, const char *s)
{
	wbuf_u8(w, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			wbuf_u8(w, '\\');
		if ((unsigned char)*s >= 0x20 && *s != 0x7f)
			wbuf_u8(w, (uint8_t)*s);
	}
	return wbuf_u8(w, '"');
}

static int build_h(struct wbuf *w, const struct reg_flow_info *fi, void *arg)
{
	struct reg *r = arg;
	unsigned expires = r->unreg ? 0 : r->req_expires;
	const char *tp;

	if (!fi || !fi->transport || !fi->laddr)
		return EINVAL;
	snprintf(r->transport, sizeof(r->transport), "%s", fi->transport);
	snprintf(r->laddr, sizeof(r->laddr), "%s", fi->laddr);
	r->secure = fi->secure;
	r->have_tls = fi->tls != NULL;
	if (fi->tls)
		r->tls = *fi->tls;
	tp = !strcasecmp(fi->transport, "TLS") ? "tls" : !strcasecmp(fi->transport, "TCP") ? "tcp" : "udp";

	wbuf_printf(w, "REGISTER %s SIP/2.0\r\n", r->ruri);
	if (fi->via)
		wbuf_str(w, fi->via);
	wbuf_str(w, "Max-Forwards: 70\r\nFrom: ");
	if (r->acc->display_name) {
		print_quoted(w, r->acc->display_name);
		wbuf_u8(w, ' ');
	}
	wbuf_printf(w, "<%s>;tag=%s\r\n", r->aor, r->ftag);
	wbuf_printf(w, "To: <%s>\r\n", r->aor);
	wbuf_printf(w, "Call-ID: %s\r\nCSeq: %u REGISTER\r\n", r->callid, r->cseq);
	/*
	 * RFC 5626 4.2.1: with outbound, one flow (reg-id 1) of this instance; ";ob" says the contact
	 * wants requests over the flow it registered on. Supported: outbound lets the registrar answer
	 * Require: outbound (then a missing pong means a dead flow) and a Flow-Timer.
	 */
	wbuf_printf(w, "Contact: <%s:%s@%s;transport=%s%s>;+sip.instance=\"<%s>\"%s\r\n",
		    r->sips ? "sips" : "sip", r->contact_user, fi->laddr, tp, r->acc->outbound ? ";ob" : "",
		    r->instance, r->acc->outbound ? ";reg-id=1" : "");
	if (r->acc->outbound)
		wbuf_str(w, "Supported: outbound, path\r\n");
	wbuf_printf(w, "Expires: %u\r\n", expires);
	/* the same Allow as in our dialogs: a registrar may decide from it how to reach us (UPDATE) */
	wbuf_printf(w, SIP_ALLOW_HDR "User-Agent: sphone/%s\r\n", sphone_version());
	r->sent_creds = false;
	if (r->auth && sip_auth_count(r->auth)) {
		int e = sip_auth_print(r->auth, w, "REGISTER", r->ruri, NULL, 0);
		if (e)
			return e;
		r->sent_creds = true;
	}
	wbuf_str(w, "Content-Length: 0\r\n\r\n");
	return w->err;
}

static void resp_h(int err, const struct sip_msg *m, const char *errmsg, void *arg);

static void send_request(struct reg *r)
{
	int e;

	r->cseq++;
	r->pending = true;
	e = r->snd.send(r->snd.arg, build_h, r, resp_h, r);
	if (!e)
		return;
	r->pending = false;
	if (r->unreg) {
		resp_h(e, NULL, strerror(e), r); /* finishes the stop */
		return;
	}
	{
		char why[160];
		snprintf(why, sizeof(why), "cannot send REGISTER: %s", strerror(e));
		fail(r, 0, why, true, 0);
	}
}

static void finish_stop(struct reg *r)
{
	struct event ev;
	reg_done_h *done = r->done;
	void *darg = r->done_arg;

	tmr_cancel(&r->tmr);
	tmr_cancel(&r->stop_tmr);
	if (r->pending && r->snd.cancel)
		r->snd.cancel(r->snd.arg);
	r->pending = false;
	r->unreg = false;
	r->bound = false;
	r->granted = 0;
	r->state = REG_IDLE;
	r->done = NULL;
	event_init(&ev, EVENT_UNREGISTERED);
	event_str(&ev, "account", r->acc->name);
	add_insecure_warning(r, &ev);
	emit(r, &ev);
	if (done)
		done(darg);
}

/* The expiry the registrar granted our contact (RFC 3261 10.2.4). */
static unsigned granted_expires(const struct reg *r, const struct sip_msg *m)
{
	size_t i, n = sip_msg_contact_count(m);
	uint32_t v;
	struct pl p;

	for (i = 0; i < n; i++) {
		const struct sip_addr *a = sip_msg_contact_at(m, i);
		bool ours = false;

		if (!a || a->star)
			continue;
		if (!sip_param_get(a->params, "+sip.instance", &p) && p.l >= 2 &&
		    pl_eq_str(pl_sub(p, 2, p.l >= 4 ? p.l - 4 : 0), r->instance))
			ours = true;
		if (!ours && pl_eq_str(a->uri.user, r->contact_user) && n == 1)
			ours = true;
		if (!ours) {
			/* match by host:port of our Contact */
			char hp[80];
			struct wbuf w;
			wbuf_init_static(&w, hp, sizeof(hp));
			sip_uri_print_hostport(&w, &a->uri);
			if (!w.err && !strcmp(hp, r->laddr))
				ours = true;
		}
		if (ours && !sip_param_get(a->params, "expires", &p) && !pl_to_u32(p, &v))
			return v;
	}
	if (!sip_msg_expires(m, &v))
		return v;
	return r->req_expires;
}

bool reg_resp_outbound(const struct sip_msg *m, unsigned *flow_timer_s)
{
	const struct sip_hdr *h;
	bool ob = false;
	uint32_t v;

	if (flow_timer_s)
		*flow_timer_s = 0;
	if (!m || sip_msg_status(m) < 200 || sip_msg_status(m) >= 300)
		return false;
	for (h = sip_msg_hdr(m, SIP_HDR_REQUIRE); h && !ob; h = sip_msg_hdr_next(m, h))
		ob = pl_eq_case(pl_trim(h->val), "outbound");
	if (!ob)
		return false;
	h = sip_msg_hdr_by_name(m, "Flow-Timer");
	if (h && flow_timer_s && !pl_to_u32(pl_trim(h->val), &v) && v > 0 && v <= 86400)
		*flow_timer_s = v;
	return true;
}

/* The address:port the registrar saw us at (Via received/rport of its answer), "" if it said nothing. */
static void note_public(struct reg *r, const struct sip_msg *m)
{
	const struct sip_via *v = sip_msg_via(m);
	char host[64] = "";

	r->public_addr[0] = '\0';
	if (!v || !pl_isset(v->received) || pl_strdup(host, sizeof(host), v->received))
		return;
	if (v->rport_val)
		snprintf(r->public_addr, sizeof(r->public_addr), strchr(host, ':') ? "[%s]:%u" : "%s:%u", host,
			 v->rport_val);
	else
		snprintf(r->public_addr, sizeof(r->public_addr), "%s", host);
}

static void registered(struct reg *r, const struct sip_msg *m)
{
	struct event ev;
	unsigned g = granted_expires(r, m);
	uint64_t refresh;

	if (g == 0) {
		fail(r, sip_msg_status(m), "registrar accepted the REGISTER but bound no contact", true, 0);
		return;
	}
	r->state = REG_REGISTERED;
	r->granted = g;
	r->failures = 0;
	r->bound = true;
	r->outbound_ok = reg_resp_outbound(m, &r->flow_timer);
	note_public(r, m);
	/* well before expiry: half for short ones, a minute early for long ones */
	refresh = g > 120 ? (uint64_t)(g - 60) * 1000 : (uint64_t)g * 500;
	tmr_start(r->l, &r->tmr, refresh, refresh_tmr_h, r);
	log_info("account %s: registered for %u s over %s (refresh in %llu s)", r->acc->name, g,
		 r->transport, (unsigned long long)(refresh / 1000));
	event_init(&ev, EVENT_REGISTERED);
	event_str(&ev, "account", r->acc->name);
	event_str(&ev, "uri", r->acc->uri);
	event_int(&ev, "expires", g);
	add_flow(r, &ev);
	add_outbound(r, &ev);
	emit(r, &ev);
}

/*
 * A 401/407 to our REGISTER: sip_auth_challenge's verdict. The registrar (or the outbound proxy
 * in front of it) is the account's own server: whatever realm it challenges with is answered and
 * becomes one of the account's realms, which calls then answer too.
 */
static int take_challenge(struct reg *r, const struct sip_msg *m, char *why, size_t whysz)
{
	struct sip_auth_policy pol = {
		.secure = r->secure,
		.allow_plaintext = r->acc->allow_plaintext_auth,
		.any_realm = true,
		.learn = &r->realms,
	};

	return sip_auth_challenge(r->auth, m, &r->auth_rounds, &pol, why, whysz);
}

static void on_challenge(struct reg *r, const struct sip_msg *m, unsigned status)
{
	char why[320], detail[200];
	int e;

	/*
	 * Credentials re-sent from the cache (refresh, a new attempt after the server
	 * restarted and forgot its nonces) that draw a challenge are not a wrong password:
	 * sip_auth_commit says EACCES only when the first answer to a challenge is refused.
	 */
	e = take_challenge(r, m, detail, sizeof(detail));
	switch (e) {
	case 0:
		send_request(r);
		return;
	case ENOKEY:
		snprintf(why, sizeof(why), "%u %s: the server wants a password and account %s has none",
			 status, status == 407 ? "Proxy Authentication Required" : "Unauthorized",
			 r->acc->name);
		fail(r, status, why, false, 0);
		return;
	case ELOOP:
		fail(r, status, "too many authentication challenges in a row", true, 0);
		return;
	case EACCES:
		snprintf(why, sizeof(why), "%u %s: wrong password or user name", status,
			 status == 407 ? "Proxy Authentication Required" : "Unauthorized");
		fail(r, status, why, false, 0);
		return;
	case EPERM:
		snprintf(why, sizeof(why),
			 "%u: the server asked for the password over an unencrypted connection; refused "
			 "(allow_plaintext_auth = yes permits it)",
			 status);
		fail(r, status, why, false, 0);
		return;
	default:
		snprintf(why, sizeof(why), "%u: cannot answer the server's authentication challenge: %s",
			 status, detail);
		fail(r, status, why, true, 0);
		return;
	}
}

static void resp_h(int err, const struct sip_msg *m, const char *errmsg, void *arg)
{
	struct reg *r = arg;
	unsigned status;
	char why[300];
	struct pl reason;
	uint32_t v;

	r->pending = false;
	if (r->unreg) {
		if (!err && m && (sip_msg_status(m) == 401 || sip_msg_status(m) == 407) &&
		    !take_challenge(r, m, NULL, 0)) {
			send_request(r);
			return;
		}
		finish_stop(r);
		return;
	}
	if (err || !m) {
		snprintf(why, sizeof(why), "%s", errmsg && *errmsg ? errmsg : strerror(err ? err : EIO));
		fail(r, 0, why, true, 0);
		return;
	}
	status = sip_msg_status(m);
	if (status >= 200 && status < 300) {
		if (r->auth && r->sent_creds)
			sip_auth_accepted(r->auth);
		registered(r, m);
		return;
	}
	if (status == 401 || status == 407) {
		on_challenge(r, m, status);
		return;
	}
	if (r->auth && r->sent_creds)
		sip_auth_accepted(r->auth);
	reason = sip_msg_reason(m);
	if (status == 423) {
		if (!sip_msg_min_expires(m, &v) && v > r->req_expires && v <= 86400 &&
		    ++r->auth_rounds <= MAX_AUTH_ROUNDS) {
			log_info("account %s: registrar wants expires >= %u", r->acc->name, v);
			r->req_expires = v;
			send_request(r);
			return;
		}
		fail(r, status, "423 Interval Too Brief without a usable Min-Expires", true, 0);
		return;
	}
	if (status == 403) {
		snprintf(why, sizeof(why), "403 %.*s: %s", (int)(reason.l > 80 ? 80 : reason.l),
			 reason.p ? reason.p : "",
			 r->sent_creds ? "the server refused the credentials (wrong password or user name?)" :
					 "the server refuses this account");
		fail(r, status, why, false, 0);
		return;
	}
	snprintf(why, sizeof(why), "%u %.*s", status, (int)(reason.l > 100 ? 100 : reason.l),
		 reason.p ? reason.p : "");
	v = 0;
	if (status == 503 || status == 500 || status == 480) {
		const struct sip_hdr *ra = sip_msg_hdr(m, SIP_HDR_RETRY_AFTER);
		if (ra) {
			struct pl num = ra->val;
			long sp = pl_chr(num, ' ');
			long sc = pl_chr(num, ';');
			if (sc >= 0)
				num.l = (size_t)sc;
			if (sp >= 0 && (size_t)sp < num.l)
				num.l = (size_t)sp;
			if (pl_to_u32(pl_trim(num), &v) || v > 3600)
				v = 0;
		}
	}
	fail(r, status, why, true, v);
}

static void stop_tmr_h(void *arg)
{
	struct reg *r = arg;

	if (r->unreg)
		log_warn("account %s: no answer to the un-REGISTER in time", r->acc->name);
	finish_stop(r);
}

int reg_stop(struct reg *r, unsigned timeout_ms, reg_done_h *done, void *arg)
{
	bool send;

	if (!r)
		return EINVAL;
	if (r->state == REG_UNREGISTERING)
		return EALREADY;
	tmr_cancel(&r->tmr);
	send = r->bound || r->state == REG_REGISTERING || r->state == REG_REFRESHING;
	if (r->pending && r->snd.cancel)
		r->snd.cancel(r->snd.arg);
	r->pending = false;
	r->done = done;
	r->done_arg = arg;
	r->state = REG_UNREGISTERING;
	if (!send) {
		r->unreg = false;
		return tmr_start(r->l, &r->stop_tmr, 0, stop_tmr_h, r);
	}
	r->unreg = true;
	r->auth_rounds = 0;
	tmr_start(r->l, &r->stop_tmr, timeout_ms, stop_tmr_h, r);
	send_request(r);
	return 0;
}

static void lost_tmr_h(void *arg)
{
	start_attempt(arg, "connection lost");
}

void reg_conn_lost_why(struct reg *r, const char *why)
{
	uint64_t d;
	char reason[300];

	if (!r)
		return;
	switch (r->state) {
	case REG_REGISTERED:
	case REG_REFRESHING:
		break;
	case REG_REGISTERING:
		/* the registrar never answered on this connection: a failed attempt (backoff, reason) */
		if (r->pending && r->snd.cancel)
			r->snd.cancel(r->snd.arg);
		r->pending = false;
		snprintf(reason, sizeof(reason), "%s%s",
			 why && *why ? "connection lost before the registrar answered: " :
				       "connection lost before the registrar answered",
			 why ? why : "");
		fail(r, 0, reason, true, 0);
		return;
	default:
		return; /* idle, failed for good, waiting for a retry anyway, or leaving */
	}
	if (r->pending && r->snd.cancel)
		r->snd.cancel(r->snd.arg);
	r->pending = false;
	r->state = REG_WAITING;
	r->granted = 0;
	d = r->delay_lost_ms >= 0 ? (uint64_t)r->delay_lost_ms : rand_below(500);
	log_info("account %s: connection to the registrar lost; registering again", r->acc->name);
	tmr_start(r->l, &r->tmr, d, lost_tmr_h, r);
}

void reg_conn_lost(struct reg *r)
{
	reg_conn_lost_why(r, NULL);
}

void reg_status(const struct reg *r, struct event *ev)
{
	if (!r)
		return;
	event_str(ev, "account", r->acc->name);
	event_str(ev, "uri", r->acc->uri);
	event_str(ev, "state", reg_state_name(r->state));
	if (r->state == REG_REGISTERED || r->state == REG_REFRESHING) {
		event_int(ev, "expires", r->granted);
		event_int(ev, "refresh_in", (long long)(tmr_left_ms(&r->tmr) / 1000));
		add_flow(r, ev);
		add_outbound(r, ev);
	} else if (r->state == REG_WAITING) {
		event_int(ev, "retry_in", (long long)((tmr_left_ms(&r->tmr) + 999) / 1000));
	}
}
