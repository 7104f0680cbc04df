/* SPDX-License-Identifier: GPL-3.0-or-later */
/* reg.h: registration client for one account: REGISTER, digest, refresh, backoff, re-register after faults. */
#ifndef SPHONE_REG_H
#define SPHONE_REG_H

#include <stdbool.h>
#include <stddef.h>

struct account;
struct event;
struct loop;
struct sip_msg;
struct tls_info;
struct wbuf;

/*
 * The flow a request is about to go out on, handed to the request builder so
 * that Contact and Via name the real local address and transport.
 */
struct reg_flow_info {
	const char *transport;      /* "TLS", "TCP" or "UDP" */
	const char *laddr;          /* local "host:port" ("[v6]:port") of the flow */
	bool secure;                /* TLS: digest answers allowed without allow_plaintext_auth */
	const struct tls_info *tls; /* TLS details (NULL for TCP/UDP) */
	const char *via;            /* complete "Via: ...\r\n" line to put first, or NULL */
};

/* Writes the whole request (request line, headers, empty body) for fi. 0 or an errno. */
typedef int(reg_build_h)(struct wbuf *w, const struct reg_flow_info *fi, void *arg);
/*
 * The outcome of one request: err 0 and the final response (valid during the
 * call), or err != 0 (ETIMEDOUT, ECONNREFUSED, EPROTO for TLS, ...) with a
 * sentence in errmsg (e.g. tls_conn_error's text).
 */
typedef void(reg_resp_h)(int err, const struct sip_msg *resp, const char *errmsg, void *arg);

/*
 * How requests leave: ua.c binds this to the SIP transport and client
 * transactions; tests bind a fake. send() finds or opens the flow to the
 * registrar, calls build once with the flow's details, sends the bytes as a
 * non-INVITE client transaction and later calls resp exactly once (never from
 * inside send) -- unless cancel() is called first. send returns 0, or an
 * errno when nothing was started (resp is then not called).
 */
struct reg_sender {
	int (*send)(void *arg, reg_build_h *build, void *barg, reg_resp_h *resp, void *rarg);
	void (*cancel)(void *arg);
	void *arg;
};

enum reg_state {
	REG_IDLE = 0,     /* not registered, nothing planned */
	REG_REGISTERING,  /* a REGISTER is out (first one, after a failure, or after connection loss) */
	REG_REGISTERED,   /* bound; a refresh is scheduled */
	REG_REFRESHING,   /* bound, refresh REGISTER out */
	REG_WAITING,      /* failed; retry timer running */
	REG_FAILED,       /* failed for good (wrong password, refused auth): needs reg_start */
	REG_UNREGISTERING,
};

/* Events: "registering", "registered", "registration_failed", "unregistered". */
typedef void(reg_event_h)(const struct event *ev, void *arg);
typedef void(reg_done_h)(void *arg);

struct reg;

/*
 * acc must outlive the reg. password may be NULL (no credentials: a challenge
 * then fails). Call-ID, From tag and +sip.instance are fixed here for the
 * reg's lifetime (the instance id is derived from the account's name, uri and
 * the host name, so it is the same across restarts; ua.c replaces it with the
 * installation's stored one, reg_set_instance).
 */
int reg_alloc(struct reg **rp, struct loop *l, const struct account *acc, const char *password,
	      const struct reg_sender *snd, reg_event_h *eh, void *arg);
/* Cancels everything silently (no un-REGISTER). NULL-safe. */
void reg_free(struct reg *r);

/* Registers now (also after REG_FAILED, and restarting the backoff). No-op while registering. */
int reg_start(struct reg *r);
/*
 * Un-REGISTERs (Expires: 0, waiting at most timeout_ms for the answer) when
 * bound or registering, then emits "unregistered" and calls done (also when
 * nothing was registered; never from inside reg_stop).
 */
int reg_stop(struct reg *r, unsigned timeout_ms, reg_done_h *done, void *arg);
/*
 * The flow to the registrar broke: register again promptly when it broke while we were bound
 * (registered or refreshing). When it broke before the registrar ever answered this attempt
 * (registering), that is a failed attempt: "registration_failed" (status 0, reason why) and the
 * retry backoff, so a server that drops every new connection (e.g. a TLS 1.3 server refusing the
 * missing client certificate after the handshake) is not reconnected to in a tight loop.
 * why: the transport's sentence, NULL for a generic one.
 */
void reg_conn_lost_why(struct reg *r, const char *why);
/* reg_conn_lost_why(r, NULL). */
void reg_conn_lost(struct reg *r);

enum reg_state reg_state(const struct reg *r);
const char *reg_state_name(enum reg_state s);
/* Seconds the server granted in the last 2xx (0 if not registered). */
unsigned reg_expires(const struct reg *r);
/* Fills a "status"-style description: account, state, expires, transport, tls details. */
void reg_status(const struct reg *r, struct event *ev);
/*
 * Whether a response to REGISTER grants RFC 5626 outbound: a 2xx with Require: outbound (RFC 5626
 * 6). *flow_timer_s (may be NULL) gets its Flow-Timer in seconds, 0 when absent. The flow it came
 * on then awaits a pong after every keep-alive ping (sip_flow_set_outbound).
 */
struct sip_msg;
bool reg_resp_outbound(const struct sip_msg *m, unsigned *flow_timer_s);
/*
 * The installation's RFC 5626 instance ID: the "urn:uuid:..." line of DIR/instance (DIR: dir, else
 * $XDG_DATA_HOME/sphone, else ~/.local/share/sphone), made on first use (a random UUID, the
 * directory 0700, the file 0600; two sphones starting at once agree on one). 0, or an errno with a
 * sentence in err (no home, unwritable, a file that is not a urn:uuid line: it is left as it is).
 */
int reg_instance_load(const char *dir, char *urn, size_t sz, char *err, size_t errsz);
/*
 * Use urn (as reg_instance_load gives it) as +sip.instance instead of the one reg_alloc derived from
 * the account; before reg_start. EINVAL for anything but a urn:uuid.
 */
int reg_set_instance(struct reg *r, const char *urn);
/* The "+sip.instance" URN ("urn:uuid:..."). */
const char *reg_instance(const struct reg *r);
/*
 * The realms the account's password answers: its `realm` list, then every realm its registrar
 * (or outbound proxy) challenged REGISTER with. Lives as long as the reg; calls check against it.
 */
struct sip_auth_realms;
const struct sip_auth_realms *reg_realms(const struct reg *r);

/*
 * Timing, for tests: retry backoff starts at min_ms, doubles to max_ms
 * (defaults 2 s and 300 s, jitter -25%..0); delay_lost_ms before re-registering
 * after a lost connection (default 0..500 ms random).
 */
void reg_set_timing(struct reg *r, unsigned backoff_min_ms, unsigned backoff_max_ms,
		    unsigned delay_lost_ms);

#endif
