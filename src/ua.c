/* ua.c: the user agent: per-account TLS context, target lookup, flows and registration; command dispatch. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "account.h"
#include "buf.h"
#include "dns.h"
#include "event.h"
#include "log.h"
#include "loop.h"
#include "reg.h"
#include "sip_ctrans.h"
#include "sip_msg.h"
#include "sip_transp.h"
#include "sip_uri.h"
#include "tls.h"
#include "ua.h"

#define UA_MAX_ACCOUNTS 32
#define UNREG_TIMEOUT_MS 2000

struct ua;

/* One account at run time: where its registrar is, the flow to it, its registration. */
struct uacc {
	struct ua *ua;
	struct account *acc;
	struct tls_ctx *tls;
	struct reg *reg;
	struct dns_req dreq;
	char dhost[256];

	struct dns_target targets[DNS_MAX_TARGETS];
	size_t ntargets, tidx;
	struct dns_query *dq;
	struct sip_flow_wait *fw;
	struct sip_flow *flow;

	/* the one request reg has out (reg sends one at a time) */
	bool busy;
	reg_build_h *build;
	void *barg;
	reg_resp_h *resp;
	void *rarg;
	struct sip_ctrans *ct;
	struct tmr step;      /* defers work out of send() */
	int fail_err;
	char fail_why[320];

	bool stopping;
};

struct ua {
	struct loop *l;
	struct account_conf *conf;
	ua_event_h *eh;
	void *arg;
	struct sip_transp *tp;
	struct sip_ctrans_mgr *ctm;
	bool udp_listening;
	size_t n;
	struct uacc *a[UA_MAX_ACCOUNTS];

	bool shutting_down;
	unsigned stops_pending;
	ua_done_h *done;
	void *done_arg;
	struct tmr done_tmr;
};

static void emit(struct ua *ua, const struct event *ev)
{
	if (ua->eh)
		ua->eh(ev, ua->arg);
}

static void emit_error(struct ua *ua, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void emit_error(struct ua *ua, const char *cmd, const char *fmt, ...)
{
	struct event ev;
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	event_init(&ev, "error");
	if (cmd)
		event_str(&ev, "command", cmd);
	event_str(&ev, "message", msg);
	emit(ua, &ev);
}

static enum sip_tp tp_of(enum dns_transp t)
{
	return t == DNS_TLS ? SIP_TP_TLS : t == DNS_TCP ? SIP_TP_TCP : SIP_TP_UDP;
}

/* ---------------- the sender reg uses ---------------- */

static void finish(struct uacc *x, int err, const struct sip_msg *m, const char *why)
{
	reg_resp_h *h = x->resp;
	void *harg = x->rarg;

	x->busy = false;
	x->resp = NULL;
	x->build = NULL;
	if (h)
		h(err, m, why, harg);
}

static void ctrans_h(int err, const struct sip_msg *resp, void *arg)
{
	struct uacc *x = arg;
	char why[200];

	if (!err && resp && sip_msg_status(resp) < 200)
		return;
	sip_ctrans_free(x->ct);
	x->ct = NULL;
	if (err == ETIMEDOUT)
		snprintf(why, sizeof(why), "no answer from the registrar (timeout)");
	else if (err)
		snprintf(why, sizeof(why), "sending the REGISTER failed: %s", strerror(err));
	finish(x, err, err ? NULL : resp, err ? why : NULL);
}

static int tsend_h(const void *data, size_t len, void *arg)
{
	struct uacc *x = arg;

	if (!x->flow || !sip_flow_alive(x->flow))
		return EPIPE;
	return sip_flow_send(x->flow, data, len);
}

/* The flow is up: build the request for it and start the transaction. */
static void send_on_flow(struct uacc *x)
{
	struct sip_tsend ts = { tsend_h, x, sip_flow_tp(x->flow) != SIP_TP_UDP };
	struct reg_flow_info fi;
	char branch[SIP_BRANCH_SIZE], via[300];
	struct wbuf vw, w;
	int e;

	wbuf_init(&w, 0);
	wbuf_init_static(&vw, via, sizeof(via));
	if ((e = sip_ctrans_branch_new(branch, sizeof(branch))) != 0 ||
	    (e = sip_ctrans_via_print(&vw, sip_flow_tp_name(x->flow), sip_flow_lhost(x->flow),
				      sip_flow_lport(x->flow), branch)) != 0)
		goto out;
	memset(&fi, 0, sizeof(fi));
	fi.transport = sip_flow_tp_name(x->flow);
	fi.laddr = sip_flow_laddr(x->flow);
	fi.secure = sip_flow_is_tls(x->flow);
	fi.tls = sip_flow_tls_info(x->flow);
	fi.via = via;
	e = x->build(&w, &fi, x->barg);
	if (e)
		goto out;
	e = sip_ctrans_send(&x->ct, x->ua->ctm, &ts, w.p, w.len, ctrans_h, x);
out:
	wbuf_free(&w);
	if (e) {
		char why[160];
		snprintf(why, sizeof(why), "cannot send the REGISTER: %s", strerror(e));
		finish(x, e, NULL, why);
	}
}

static void connect_next(struct uacc *x);

static void flow_ready_h(int err, const char *why, struct sip_flow *flow, void *arg)
{
	struct uacc *x = arg;
	const struct dns_target *t = &x->targets[x->tidx];

	sip_flow_wait_cancel(x->fw);
	x->fw = NULL;
	if (err) {
		if (t->transp == DNS_TLS && err == EPROTO)
			snprintf(x->fail_why, sizeof(x->fail_why), "TLS: %s", why ? why : "handshake failed");
		else
			snprintf(x->fail_why, sizeof(x->fail_why), "%s", why ? why : strerror(err));
		x->fail_err = err;
		log_info("account %s: %s:%u (%s) failed: %s", x->acc->name, t->addr_str, t->port,
			 dns_transp_name(t->transp), x->fail_why);
		/* a certificate problem will be the same on the next address: report it */
		if (err == EPROTO) {
			finish(x, err, NULL, x->fail_why);
			return;
		}
		x->tidx++;
		connect_next(x);
		return;
	}
	if (x->flow != flow) {
		if (x->flow)
			sip_flow_unref(x->flow);
		sip_flow_ref(flow);
		x->flow = flow;
	}
	send_on_flow(x);
}

static void connect_next(struct uacc *x)
{
	struct sip_dest d;
	const struct dns_target *t;
	int e;

	if (x->tidx >= x->ntargets) {
		finish(x, x->fail_err ? x->fail_err : ECONNREFUSED, NULL,
		       x->fail_why[0] ? x->fail_why : "no registrar address to try");
		return;
	}
	t = &x->targets[x->tidx];
	memset(&d, 0, sizeof(d));
	d.tp = tp_of(t->transp);
	memcpy(&d.addr, &t->addr, sizeof(d.addr));
	d.addrlen = t->addrlen;
	d.tls_name = t->tls_name;
	d.tls = x->tls;
	if (d.tp == SIP_TP_TLS && !x->tls) {
		finish(x, EPROTO, NULL, "TLS is needed but the account's TLS settings are unusable");
		return;
	}
	if (d.tp == SIP_TP_UDP && !x->ua->udp_listening) {
		struct sockaddr_storage any;
		memset(&any, 0, sizeof(any));
		any.ss_family = t->addr.ss_family;
		e = sip_transp_listen(x->ua->tp, SIP_TP_UDP, (struct sockaddr *)&any,
				      any.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
								   sizeof(struct sockaddr_in),
				      NULL, NULL);
		if (!e)
			x->ua->udp_listening = true;
	}
	e = sip_transp_flow_get(x->ua->tp, &d, flow_ready_h, x, &x->fw);
	if (e) {
		snprintf(x->fail_why, sizeof(x->fail_why), "cannot reach %s:%u: %s", t->addr_str, t->port,
			 strerror(e));
		x->fail_err = e;
		x->tidx++;
		connect_next(x);
	}
}

static void dns_done_h(int err, const struct dns_target *targets, size_t n, const char *errmsg, void *arg)
{
	struct uacc *x = arg;
	char why[320];

	/* targets and errmsg belong to the query: copy before freeing it */
	if (err || !n) {
		snprintf(why, sizeof(why), "cannot find the registrar for %s: %s", x->dhost,
			 errmsg && *errmsg ? errmsg : strerror(err ? err : ENOENT));
		dns_query_free(x->dq);
		x->dq = NULL;
		finish(x, err ? err : ENOENT, NULL, why);
		return;
	}
	if (n > DNS_MAX_TARGETS)
		n = DNS_MAX_TARGETS;
	memcpy(x->targets, targets, n * sizeof(*targets));
	dns_query_free(x->dq);
	x->dq = NULL;
	x->ntargets = n;
	x->tidx = 0;
	x->fail_err = 0;
	x->fail_why[0] = '\0';
	connect_next(x);
}

static void step_h(void *arg)
{
	struct uacc *x = arg;
	int e;

	if (!x->busy)
		return;
	if (x->flow && sip_flow_alive(x->flow)) {
		send_on_flow(x);
		return;
	}
	if (x->flow) {
		sip_flow_unref(x->flow);
		x->flow = NULL;
	}
	/* look the registrar up again each time we connect: addresses may have changed */
	e = dns_query_alloc(&x->dq, x->ua->l, &x->dreq, dns_done_h, x);
	if (e) {
		finish(x, e, NULL, "cannot start the DNS lookup");
		return;
	}
}

static int snd_send(void *arg, reg_build_h *build, void *barg, reg_resp_h *resp, void *rarg)
{
	struct uacc *x = arg;

	if (x->busy)
		return EBUSY;
	x->busy = true;
	x->build = build;
	x->barg = barg;
	x->resp = resp;
	x->rarg = rarg;
	return tmr_start(x->ua->l, &x->step, 0, step_h, x);
}

static void snd_cancel(void *arg)
{
	struct uacc *x = arg;

	tmr_cancel(&x->step);
	dns_query_free(x->dq);
	x->dq = NULL;
	sip_flow_wait_cancel(x->fw);
	x->fw = NULL;
	sip_ctrans_free(x->ct);
	x->ct = NULL;
	x->busy = false;
	x->resp = NULL;
	x->build = NULL;
}

/* ---------------- accounts ---------------- */

static void reg_ev_h(const struct event *ev, void *arg)
{
	struct uacc *x = arg;

	emit(x->ua, ev);
}

/* Where to send: the proxy if given, else the AOR's domain (RFC 3263). */
static int dest_of(struct uacc *x, char *err, size_t errsz)
{
	const struct account *a = x->acc;
	struct sip_uri u;
	char tmp[320];
	struct pl tpv;
	int e;

	if (a->proxy && (!strncasecmp(a->proxy, "sip:", 4) || !strncasecmp(a->proxy, "sips:", 5)))
		snprintf(tmp, sizeof(tmp), "%s", a->proxy);
	else if (a->proxy)
		snprintf(tmp, sizeof(tmp), "sip:%s", a->proxy);
	else
		snprintf(tmp, sizeof(tmp), "%s", a->uri);
	e = sip_uri_decode_str(&u, tmp);
	if (e || pl_strdup(x->dhost, sizeof(x->dhost), u.host)) {
		snprintf(err, errsz, "account %s: cannot use '%s' as the registrar", a->name, tmp);
		return EINVAL;
	}
	memset(&x->dreq, 0, sizeof(x->dreq));
	x->dreq.host = x->dhost;
	x->dreq.port = u.port;
	x->dreq.sips = u.scheme == SIP_URI_SIPS || a->transport == ACCOUNT_TLS;
	switch (a->transport) {
	case ACCOUNT_TLS: x->dreq.transp = DNS_TLS; break;
	case ACCOUNT_TCP: x->dreq.transp = DNS_TCP; break;
	case ACCOUNT_UDP: x->dreq.transp = DNS_UDP; break;
	}
	if (!sip_uri_param(&u, "transport", &tpv)) {
		enum dns_transp want = pl_eq_case(tpv, "tls") ? DNS_TLS :
				       pl_eq_case(tpv, "tcp") ? DNS_TCP :
				       pl_eq_case(tpv, "udp") ? DNS_UDP : DNS_ANY;
		if (want != x->dreq.transp) {
			snprintf(err, errsz,
				 "account %s: proxy says transport=%.*s but the account's transport is %s",
				 a->name, (int)tpv.l, tpv.p, account_transp_name(a->transport));
			return EINVAL;
		}
	} else if (u.scheme == SIP_URI_SIPS) {
		/* RFC 3263 4.1: no transport in the URI: let NAPTR choose (sips keeps it to TLS) */
		x->dreq.transp = DNS_ANY;
	}
	return 0;
}

static void uacc_free(struct uacc *x)
{
	if (!x)
		return;
	reg_free(x->reg);
	snd_cancel(x);
	if (x->flow)
		sip_flow_unref(x->flow);
	tls_ctx_free(x->tls);
	free(x);
}

static int uacc_alloc(struct uacc **xp, struct ua *ua, struct account *a, char *err, size_t errsz)
{
	struct reg_sender snd = { snd_send, snd_cancel, NULL };
	struct tls_conf tc;
	struct uacc *x;
	const char *pw = NULL;
	char perr[256];
	int e;

	x = calloc(1, sizeof(*x));
	if (!x)
		return ENOMEM;
	x->ua = ua;
	x->acc = a;
	tmr_init(&x->step);
	e = dest_of(x, err, errsz);
	if (e)
		goto out;
	if (x->dreq.transp == DNS_TLS || x->dreq.transp == DNS_ANY || x->dreq.sips) {
		memset(&tc, 0, sizeof(tc));
		tc.ca_file = a->ca_file;
		tc.ca_path = a->ca_path;
		tc.min_version = a->tls_min_version;
		tc.cert_file = a->tls_cert;
		tc.key_file = a->tls_key;
		tc.pin = a->tls_pin;
		tc.insecure_skip_verify = a->tls_insecure_skip_verify;
		e = tls_ctx_alloc(&x->tls, &tc, perr, sizeof(perr));
		if (e) {
			snprintf(err, errsz, "account %s: TLS settings: %s", a->name, perr);
			goto out;
		}
	}
	perr[0] = '\0';
	e = account_password(a, &pw, perr, sizeof(perr));
	if (e == ENOENT) {
		pw = NULL;
	} else if (e) {
		snprintf(err, errsz, "%s", perr);
		goto out;
	}
	snd.arg = x;
	e = reg_alloc(&x->reg, ua->l, a, pw, &snd, reg_ev_h, x);
	if (e) {
		snprintf(err, errsz, "account %s: cannot set up registration: %s", a->name, strerror(e));
		goto out;
	}
	*xp = x;
	x = NULL;
out:
	uacc_free(x);
	return e;
}

static struct uacc *find(struct ua *ua, const char *name)
{
	size_t i;

	for (i = 0; i < ua->n; i++)
		if (!strcmp(ua->a[i]->acc->name, name))
			return ua->a[i];
	return NULL;
}

/* ---------------- transport handlers ---------------- */

static void recv_h(struct sip_msg *m, struct sip_flow *flow, const struct sockaddr *src, socklen_t srclen,
		   void *arg)
{
	struct ua *ua = arg;

	if (!sip_msg_is_request(m)) {
		if (sip_ctrans_mgr_recv(ua->ctm, m) == ENOENT)
			log_debug("stray response %u dropped", sip_msg_status(m));
	} else if (sip_msg_method_id(m) != SIP_METHOD_ACK) {
		/* calls come with a later feature: answer what we can so peers don't wait */
		struct wbuf w;
		bool options = sip_msg_method_id(m) == SIP_METHOD_OPTIONS;

		wbuf_init(&w, 0);
		if (!sip_reply_print(&w, m, options ? 200 : 501, NULL, options ? NULL : "sphone-na",
				     options ? "Allow: OPTIONS\r\nAccept: application/sdp\r\n" : NULL,
				     NULL, NULL, 0))
			sip_flow_send(flow, w.p, w.len);
		wbuf_free(&w);
	}
	sip_msg_free(m);
}

static void lost_h(struct sip_flow *flow, int err, const char *why, void *arg)
{
	struct ua *ua = arg;
	size_t i;

	for (i = 0; i < ua->n; i++) {
		struct uacc *x = ua->a[i];

		if (x->flow != flow)
			continue;
		sip_flow_unref(x->flow);
		x->flow = NULL;
		log_info("account %s: %s", x->acc->name, why ? why : "connection lost");
		if (!ua->shutting_down)
			reg_conn_lost(x->reg);
	}
}

/* ---------------- API ---------------- */

int ua_alloc(struct ua **up, struct loop *l, struct account_conf *conf, const char *only_account,
	     ua_event_h *eh, void *arg, char *err, size_t errsz)
{
	struct sip_transp_conf tpc;
	struct ua *ua;
	unsigned ka = 0;
	size_t i;
	int e;

	if (!up || !l || !conf)
		return EINVAL;
	if (only_account && !account_conf_find(conf, only_account)) {
		snprintf(err, errsz, "no [account %s] in %s", only_account, account_conf_path(conf));
		return ENOENT;
	}
	if (!account_conf_count(conf)) {
		snprintf(err, errsz, "no [account NAME] section in %s", account_conf_path(conf));
		return ENOENT;
	}
	ua = calloc(1, sizeof(*ua));
	if (!ua)
		return ENOMEM;
	ua->l = l;
	ua->conf = conf;
	ua->eh = eh;
	ua->arg = arg;
	tmr_init(&ua->done_tmr);
	for (i = 0; i < account_conf_count(conf); i++) {
		struct account *a = account_conf_at(conf, i);
		if (only_account && strcmp(a->name, only_account))
			continue;
		if (a->keepalive_interval && (!ka || a->keepalive_interval < ka))
			ka = a->keepalive_interval;
	}
	memset(&tpc, 0, sizeof(tpc));
	tpc.ka_interval_ms = ka * 1000;
	tpc.ka_off = ka == 0;
	if ((e = sip_transp_alloc(&ua->tp, l, &tpc, recv_h, lost_h, ua)) != 0 ||
	    (e = sip_ctrans_mgr_alloc(&ua->ctm, l, NULL)) != 0) {
		snprintf(err, errsz, "cannot start the SIP transport: %s", strerror(e));
		goto out;
	}
	for (i = 0; i < account_conf_count(conf); i++) {
		struct account *a = account_conf_at(conf, i);

		if (only_account && strcmp(a->name, only_account))
			continue;
		if (ua->n >= UA_MAX_ACCOUNTS)
			break;
		e = uacc_alloc(&ua->a[ua->n], ua, a, err, errsz);
		if (e)
			goto out;
		ua->n++;
	}
	*up = ua;
	ua = NULL;
out:
	ua_free(ua);
	return e;
}

void ua_free(struct ua *ua)
{
	size_t i;

	if (!ua)
		return;
	tmr_cancel(&ua->done_tmr);
	for (i = 0; i < ua->n; i++)
		uacc_free(ua->a[i]);
	sip_ctrans_mgr_free(ua->ctm);
	sip_transp_free(ua->tp);
	free(ua);
}

int ua_register(struct ua *ua, const char *account)
{
	size_t i;

	if (!ua)
		return EINVAL;
	if (ua->shutting_down)
		return ESHUTDOWN;
	if (account) {
		struct uacc *x = find(ua, account);
		if (!x)
			return ENOENT;
		return reg_start(x->reg);
	}
	for (i = 0; i < ua->n; i++)
		if (ua->a[i]->acc->reg)
			reg_start(ua->a[i]->reg);
	return 0;
}

static void acct_stopped(void *arg)
{
	struct uacc *x = arg;
	struct ua *ua = x->ua;

	x->stopping = false;
	if (ua->shutting_down && ua->stops_pending && --ua->stops_pending == 0 && ua->done) {
		ua_done_h *done = ua->done;
		ua->done = NULL;
		done(ua->done_arg);
	}
}

static int stop_one(struct uacc *x, unsigned timeout_ms)
{
	int e;

	if (x->stopping)
		return EALREADY;
	e = reg_stop(x->reg, timeout_ms, acct_stopped, x);
	if (!e)
		x->stopping = true;
	return e;
}

int ua_unregister(struct ua *ua, const char *account)
{
	size_t i;

	if (!ua)
		return EINVAL;
	if (ua->shutting_down)
		return ESHUTDOWN;
	if (account) {
		struct uacc *x = find(ua, account);
		if (!x)
			return ENOENT;
		stop_one(x, UNREG_TIMEOUT_MS);
		return 0;
	}
	for (i = 0; i < ua->n; i++)
		stop_one(ua->a[i], UNREG_TIMEOUT_MS);
	return 0;
}

void ua_status(struct ua *ua)
{
	size_t i;

	for (i = 0; ua && i < ua->n; i++) {
		struct event ev;

		event_init(&ev, "status");
		reg_status(ua->a[i]->reg, &ev);
		emit(ua, &ev);
	}
}

static void done_tmr_h(void *arg)
{
	struct ua *ua = arg;
	ua_done_h *done = ua->done;

	ua->done = NULL;
	if (done)
		done(ua->done_arg);
}

int ua_shutdown(struct ua *ua, unsigned timeout_ms, ua_done_h *done, void *arg)
{
	size_t i;

	if (!ua)
		return EINVAL;
	if (ua->shutting_down)
		return EALREADY;
	ua->shutting_down = true;
	ua->done = done;
	ua->done_arg = arg;
	ua->stops_pending = 0;
	for (i = 0; i < ua->n; i++) {
		struct uacc *x = ua->a[i];
		/* one already leaving (the unregister command) still reports to acct_stopped */
		if (x->stopping || !stop_one(x, timeout_ms))
			ua->stops_pending++;
	}
	if (!ua->stops_pending)
		return tmr_start(ua->l, &ua->done_tmr, 0, done_tmr_h, ua);
	return 0;
}

/* ---------------- commands ---------------- */

struct cmd {
	const char *name;
	int (*run)(struct ua *ua, const char *name, const char *args);
	const char *usage;
};

static int cmd_register(struct ua *ua, const char *name, const char *args)
{
	int e = ua_register(ua, *args ? args : NULL);

	if (e == ENOENT)
		emit_error(ua, name, "no account '%s'", args);
	return e;
}

static int cmd_unregister(struct ua *ua, const char *name, const char *args)
{
	int e = ua_unregister(ua, *args ? args : NULL);

	if (e == ENOENT)
		emit_error(ua, name, "no account '%s'", args);
	return e;
}

static int cmd_status(struct ua *ua, const char *name, const char *args)
{
	if (*args) {
		emit_error(ua, name, "status takes no arguments");
		return EINVAL;
	}
	ua_status(ua);
	return 0;
}

/* Commands of features still to come: accepted by name, answered honestly. */
static int cmd_later(struct ua *ua, const char *name, const char *args)
{
	emit_error(ua, name, "'%s' is not implemented yet", name);
	return ENOSYS;
}

static const struct cmd cmds[] = {
	{ "register", cmd_register, "register [ACCOUNT]" },
	{ "unregister", cmd_unregister, "unregister [ACCOUNT]" },
	{ "status", cmd_status, "status" },
	{ "call", cmd_later, "call URI" },
	{ "answer", cmd_later, "answer" },
	{ "hangup", cmd_later, "hangup" },
	{ "dtmf", cmd_later, "dtmf DIGITS" },
	{ "hold", cmd_later, "hold" },
	{ "resume", cmd_later, "resume" },
	{ "verify", cmd_later, "verify" },
};

const char *const *ua_commands(void)
{
	static const char *names[sizeof(cmds) / sizeof(cmds[0]) + 2];
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		names[i] = cmds[i].name;
	names[i++] = "quit";
	names[i] = NULL;
	return names;
}

int ua_command(struct ua *ua, const char *line)
{
	char buf[512], *name, *args, *end;
	size_t i;

	if (!ua || !line)
		return EINVAL;
	if (strlen(line) >= sizeof(buf)) {
		emit_error(ua, NULL, "command line too long");
		return EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", line);
	name = buf + strspn(buf, " \t");
	end = name + strlen(name);
	while (end > name && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
		*--end = '\0';
	if (!*name)
		return 0;
	args = name + strcspn(name, " \t");
	if (*args) {
		*args++ = '\0';
		args += strspn(args, " \t");
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(cmds[i].name, name))
			continue;
		if (ua->shutting_down) {
			emit_error(ua, name, "shutting down");
			return ESHUTDOWN;
		}
		return cmds[i].run(ua, name, args);
	}
	emit_error(ua, name, "unknown command '%s' (commands: register, unregister, status, quit)", name);
	return ENOENT;
}
