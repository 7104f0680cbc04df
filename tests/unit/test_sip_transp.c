/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_sip_transp.c: two SIP transports in one process over loopback UDP/TCP/TLS, framing, errors, keep-alive. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "loop.h"
#include "sip_msg.h"
#include "sip_transp.h"
#include "tls.h"
#include "../tap.h"

static struct loop *L;
static char dir[256];

/*
 * The loop runs on the virtual clock (main): a step moves it by exactly ms, every timer firing at its
 * own time, and what one side writes on loopback is handled at the same instant, so the durations
 * checked below hold to the step (10 ms) whatever the machine's load.
 */
static void step(unsigned ms)
{
	loop_advance(L, ms);
}

#define RUN_UNTIL(cond, ms)                                                                   \
	do {                                                                                  \
		uint64_t dl_ = loop_now_ms() + (ms);                                          \
		while (!(cond) && loop_now_ms() < dl_)                                        \
			step(10);                                                             \
	} while (0)

static void run_for(unsigned ms)
{
	uint64_t dl = loop_now_ms() + ms;

	while (loop_now_ms() < dl)
		step(10);
}

/* What one side saw */
struct side {
	const char *name;
	int msgs, lost, lost_err;
	char last_method[32];
	uint16_t last_status;
	struct sip_flow *last_flow;
	char last_src[64];
	char lost_why[300];
	bool autoreply;
};

static void on_recv(struct sip_msg *msg, struct sip_flow *flow, const struct sockaddr *src, socklen_t sl, void *arg)
{
	struct side *s = arg;
	struct pl m;
	char host[64] = "";

	s->msgs++;
	s->last_flow = flow;
	s->last_status = sip_msg_status(msg);
	m = sip_msg_method(msg);
	snprintf(s->last_method, sizeof(s->last_method), "%.*s", sip_msg_is_request(msg) ? (int)m.l : 0,
		 sip_msg_is_request(msg) ? m.p : "");
	if (src->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)src)->sin_addr, host, sizeof(host));
	snprintf(s->last_src, sizeof(s->last_src), "%s", host);
	if (s->autoreply && sip_msg_is_request(msg)) {
		struct wbuf w;

		wbuf_init(&w, 0);
		if (sip_reply_print(&w, msg, 200, "OK", "srv", NULL, NULL, NULL, 0) == 0)
			sip_flow_send(flow, w.p, w.len);
		wbuf_free(&w);
	}
	sip_msg_free(msg);
}

static void on_lost(struct sip_flow *flow, int err, const char *why, void *arg)
{
	struct side *s = arg;

	s->lost++;
	s->lost_err = err;
	snprintf(s->lost_why, sizeof(s->lost_why), "%s", why);
}

struct ready {
	int calls, err;
	char why[300];
	struct sip_flow *flow;
};

static void on_ready(int err, const char *why, struct sip_flow *flow, void *arg)
{
	struct ready *r = arg;

	r->calls++;
	r->err = err;
	snprintf(r->why, sizeof(r->why), "%s", why ? why : "");
	r->flow = flow;
	sip_flow_ref(flow); /* kept past the handler: the test unrefs it */
}

static const char reg_fmt[] =
	"REGISTER sip:127.0.0.1 SIP/2.0\r\n"
	"Via: SIP/2.0/%s 127.0.0.1:5999;branch=z9hG4bK%d\r\n"
	"From: <sip:alice@127.0.0.1>;tag=a1\r\n"
	"To: <sip:alice@127.0.0.1>\r\n"
	"Call-ID: c%d@test\r\n"
	"CSeq: %d REGISTER\r\n"
	"Max-Forwards: 70\r\n"
	"Content-Length: 0\r\n\r\n";

static int reg_msg(char *buf, size_t sz, const char *tp, int n)
{
	return snprintf(buf, sz, reg_fmt, tp, n, n, n);
}

static struct sockaddr_storage loop4(uint16_t port, socklen_t *len)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *a = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a->sin_port = htons(port);
	*len = sizeof(*a);
	return ss;
}

static struct sip_dest dest(enum sip_tp tp, uint16_t port, const char *name, struct tls_ctx *ctx)
{
	struct sip_dest d = { .tp = tp, .tls_name = name, .tls = ctx };

	d.addr = loop4(port, &d.addrlen);
	return d;
}

static int raw_connect(uint16_t port)
{
	socklen_t sl;
	struct sockaddr_storage ss = loop4(port, &sl);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct timeval tv = { .tv_sec = 3 };

	if (connect(fd, (struct sockaddr *)&ss, sl) != 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Read from a raw socket while running the loop (the transport lives in this thread). */
static ssize_t raw_read(int fd, char *buf, size_t sz, unsigned ms)
{
	uint64_t dl = loop_now_ms() + ms;
	ssize_t n;

	while (loop_now_ms() < dl) {
		step(10);
		n = recv(fd, buf, sz, MSG_DONTWAIT);
		if (n >= 0)
			return n;
		if (errno != EAGAIN)
			return -1;
	}
	return -2;
}

static int raw_listen(uint16_t *port)
{
	socklen_t sl;
	struct sockaddr_storage ss = loop4(0, &sl);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	bind(fd, (struct sockaddr *)&ss, sl);
	listen(fd, 4);
	sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

/* A raw keep-alive peer in the loop: counts pings, answers them with a pong when asked to. */
struct ka_peer {
	int lfd, cfd, pings;
	bool answer;
};

static void ka_peer_io(int fd, int events, void *arg)
{
	struct ka_peer *p = arg;
	char b[256];
	ssize_t n = recv(fd, b, sizeof(b), 0);

	if (n <= 0) {
		loop_fd_remove(L, fd);
		return;
	}
	for (ssize_t i = 0; i + 3 < n; i++)
		if (!memcmp(b + i, "\r\n\r\n", 4)) {
			p->pings++;
			if (p->answer && send(fd, "\r\n", 2, MSG_NOSIGNAL) != 2)
				diag("pong not sent");
			i += 3;
		}
}

static void ka_peer_accept(int fd, int events, void *arg)
{
	struct ka_peer *p = arg;

	p->cfd = accept(fd, NULL, NULL);
	if (p->cfd >= 0)
		loop_fd_listen(L, p->cfd, LOOP_READ, ka_peer_io, p);
}

static const char *P(const char *f)
{
	static char b[8][300];
	static int i;
	char *p = b[i++ % 8];

	snprintf(p, 300, "%s/%s", dir, f);
	return p;
}

int main(void)
{
	const char *top = getenv("top_srcdir");
	struct sip_transp_conf aconf = { .max_msg_size = 4096 }, bconf = { 0 };
	struct sip_transp *A = NULL, *B = NULL;
	struct side sa = { .name = "A", .autoreply = true }, sb = { .name = "B" };
	struct tls_ctx *srv_tls = NULL, *cli_tls = NULL;
	uint16_t p_udp = 0, p_tcp = 0, p_tls = 0;
	char cmd[600], err[200], msg[1024], buf[2048];
	struct sockaddr_storage any;
	socklen_t anyl;
	int n;

	snprintf(dir, sizeof(dir), "%s/sphone-transp.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		tap_skip_all("no temporary directory");
	snprintf(cmd, sizeof(cmd), "sh '%s/tests/tls_certs.sh' '%s' >/dev/null 2>&1", top ? top : "..", dir);
	if (system(cmd) != 0)
		tap_skip_all("cannot make test certificates");

	{
		struct tls_conf sc = { .server = true, .cert_file = P("good.crt"), .key_file = P("good.key") };
		struct tls_conf cc = { .ca_file = P("ca.crt") };

		is_int(tls_ctx_alloc(&srv_tls, &sc, err, sizeof(err)), 0, "server TLS context");
		is_int(tls_ctx_alloc(&cli_tls, &cc, err, sizeof(err)), 0, "client TLS context");
	}
	loop_clock_virtual(1000);
	is_int(loop_alloc(&L), 0, "loop");
	is_int(sip_transp_alloc(&A, L, &aconf, on_recv, on_lost, &sa), 0, "transport A");
	is_int(sip_transp_alloc(&B, L, &bconf, on_recv, on_lost, &sb), 0, "transport B");
	any = loop4(0, &anyl);
	is_int(sip_transp_listen(A, SIP_TP_UDP, (struct sockaddr *)&any, anyl, NULL, &p_udp), 0, "A listens UDP");
	is_int(sip_transp_listen(A, SIP_TP_TCP, (struct sockaddr *)&any, anyl, NULL, &p_tcp), 0, "A listens TCP");
	is_int(sip_transp_listen(A, SIP_TP_TLS, (struct sockaddr *)&any, anyl, srv_tls, &p_tls), 0, "A listens TLS");
	is_int(sip_transp_listen(A, SIP_TP_TLS, (struct sockaddr *)&any, anyl, NULL, NULL), EINVAL,
	       "TLS listener needs a context");

	/* --- TCP round trip */
	{
		struct sip_dest d = dest(SIP_TP_TCP, p_tcp, NULL, NULL);
		struct ready r = { 0 }, r2 = { 0 };
		struct sip_flow *f;

		is_int(sip_transp_flow_get(B, &d, on_ready, &r, NULL), 0, "B: get TCP flow");
		is_int(r.calls, 0, "ready handler not called from inside flow_get");
		RUN_UNTIL(r.calls, 3000);
		ok(r.calls == 1 && r.err == 0 && r.flow, "TCP flow ready");
		f = r.flow;
		ok(!sip_flow_is_tls(f) && sip_flow_tls_info(f) == NULL, "TCP flow is not TLS");
		is_str(sip_flow_tp_name(f), "TCP", "tp name");
		ok(strncmp(sip_flow_laddr(f), "127.0.0.1:", 10) == 0 && sip_flow_lport(f) > 0, "laddr %s",
		   sip_flow_laddr(f));
		snprintf(buf, sizeof(buf), "127.0.0.1:%u", p_tcp);
		is_str(sip_flow_raddr(f), buf, "raddr");
		n = reg_msg(msg, sizeof(msg), "TCP", 1);
		is_int(sip_flow_send(f, msg, (size_t)n), 0, "send REGISTER");
		RUN_UNTIL(sb.msgs == 1, 3000);
		is_int(sa.msgs, 1, "A got one message");
		is_str(sa.last_method, "REGISTER", "A got the REGISTER");
		is_str(sa.last_src, "127.0.0.1", "A knows the source address");
		ok(sip_flow_inbound(sa.last_flow) && sip_flow_tp(sa.last_flow) == SIP_TP_TCP, "A's flow is inbound TCP");
		is_int(sb.msgs, 1, "B got the reply");
		is_int(sb.last_status, 200, "200 OK");
		ok(sb.last_flow == f, "reply came on the same flow");

		is_int(sip_transp_flow_get(B, &d, on_ready, &r2, NULL), 0, "B: get TCP flow again");
		RUN_UNTIL(r2.calls, 1000);
		ok(r2.err == 0 && r2.flow == f, "existing flow reused");
		sip_flow_unref(r.flow);
		sip_flow_unref(r2.flow);
	}

	/* --- TLS round trip */
	{
		struct sip_dest d = dest(SIP_TP_TLS, p_tls, "localhost", cli_tls);
		struct ready r = { 0 };
		const struct tls_info *ti;

		uint64_t t0 = loop_now_ms();

		sa.msgs = sb.msgs = 0;
		is_int(sip_transp_flow_get(B, &d, on_ready, &r, NULL), 0, "B: get TLS flow");
		RUN_UNTIL(r.calls, 3000);
		diag("TCP connect + TLS 1.3 handshake + verification on loopback: %llu ms",
		     (unsigned long long)(loop_now_ms() - t0));
		ok(r.calls == 1 && r.err == 0 && r.flow, "TLS flow ready (%s)", r.why);
		ok(sip_flow_is_tls(r.flow), "flow is TLS");
		ti = sip_flow_tls_info(r.flow);
		ok(ti && ti->verified && strcmp(ti->version, "TLSv1.3") == 0, "tls_info: verified TLSv1.3");
		is_str(sip_flow_tp_name(r.flow), "TLS", "tp name TLS");
		n = reg_msg(msg, sizeof(msg), "TLS", 2);
		is_int(sip_flow_send(r.flow, msg, (size_t)n), 0, "send over TLS");
		RUN_UNTIL(sb.msgs == 1, 3000);
		ok(sa.msgs == 1 && sip_flow_is_tls(sa.last_flow), "A got it on a TLS flow");
		is_int(sb.last_status, 200, "B got 200 over TLS");
		ok(sb.last_flow == r.flow, "on the same flow");

		/* A closes: B hears the flow is lost */
		sb.lost = 0;
		sip_flow_close(sa.last_flow);
		RUN_UNTIL(sb.lost, 3000);
		is_int(sb.lost, 1, "B: lost handler after A closed");
		ok(strstr(sb.lost_why, "closed the connection") != NULL, "... why: %s", sb.lost_why);
		ok(!sip_flow_alive(r.flow), "flow not alive");
		is_int(sip_flow_send(r.flow, "x", 1), EPIPE, "sending on it: EPIPE");
		sip_flow_unref(r.flow);
	}

	/* --- UDP round trip */
	{
		struct sip_dest d = dest(SIP_TP_UDP, p_udp, NULL, NULL);
		struct ready r = { 0 };

		sa.msgs = sb.msgs = 0;
		is_int(sip_transp_flow_get(B, &d, on_ready, &r, NULL), 0, "B: get UDP flow");
		RUN_UNTIL(r.calls, 1000);
		ok(r.err == 0 && r.flow && sip_flow_tp(r.flow) == SIP_TP_UDP, "UDP flow ready");
		ok(strncmp(sip_flow_laddr(r.flow), "127.0.0.1:", 10) == 0, "UDP laddr is a real address (%s)",
		   sip_flow_laddr(r.flow));
		n = reg_msg(msg, sizeof(msg), "UDP", 3);
		is_int(sip_flow_send(r.flow, msg, (size_t)n), 0, "send over UDP");
		RUN_UNTIL(sb.msgs == 1, 3000);
		ok(sa.msgs == 1 && sip_flow_tp(sa.last_flow) == SIP_TP_UDP, "A got it over UDP");
		is_int(sb.last_status, 200, "B got 200 over UDP");
		sip_flow_unref(r.flow);
	}

	/* --- IPv6 loopback: TLS verified against the ::1 SAN, laddr in brackets */
	{
		struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
		struct sip_dest d = { .tp = SIP_TP_TLS, .tls_name = "::1", .tls = cli_tls };
		struct ready r = { 0 };
		uint16_t p6 = 0;

		if (sip_transp_listen(A, SIP_TP_TLS, (struct sockaddr *)&a6, sizeof(a6), srv_tls, &p6) == 0) {
			a6.sin6_port = htons(p6);
			memcpy(&d.addr, &a6, sizeof(a6));
			d.addrlen = sizeof(a6);
			sa.msgs = sb.msgs = 0;
			is_int(sip_transp_flow_get(B, &d, on_ready, &r, NULL), 0, "B: TLS flow to [::1]");
			RUN_UNTIL(r.calls, 3000);
			ok(r.err == 0 && r.flow, "TLS over IPv6 ready (%s)", r.why);
			ok(r.flow && !strncmp(sip_flow_laddr(r.flow), "[::1]:", 6) && !strcmp(sip_flow_lhost(r.flow), "::1"),
			   "laddr %s", r.flow ? sip_flow_laddr(r.flow) : "-");
			n = reg_msg(msg, sizeof(msg), "TLS", 11);
			if (r.flow)
				sip_flow_send(r.flow, msg, (size_t)n);
			RUN_UNTIL(sb.msgs == 1, 3000);
			is_int(sb.last_status, 200, "200 over IPv6 TLS");
			sip_flow_unref(r.flow);
		} else {
			ok(1, "# SKIP no IPv6 loopback");
		}
	}

	/* --- a malformed datagram: 400 back to its source, nothing delivered */
	{
		static const char bad[] = "OPTIONS sip:127.0.0.1 SIP/2.0\r\n"
					  "Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKudpbad\r\n"
					  "From: <sip:alice@127.0.0.1>;tag=a1\r\n"
					  "To: <sip:alice@127.0.0.1>\r\n"
					  "Call-ID: udpbad@test\r\n"
					  "CSeq: 9 OPTIONS\r\n"
					  "Content-Length: 50\r\n\r\n"; /* promises a body that is not there */
		socklen_t sl;
		struct sockaddr_storage to = loop4(p_udp, &sl);
		int fd = socket(AF_INET, SOCK_DGRAM, 0);

		sa.msgs = 0;
		ok(sendto(fd, bad, sizeof(bad) - 1, 0, (struct sockaddr *)&to, sl) > 0, "malformed datagram sent");
		n = (int)raw_read(fd, buf, sizeof(buf) - 1, 2000);
		if (n > 0)
			buf[n] = '\0';
		ok(n > 11 && !strncmp(buf, "SIP/2.0 400", 11) && strstr(buf, "CSeq: 9 OPTIONS"), "400 to the datagram");
		is_int(sa.msgs, 0, "not delivered");
		close(fd);
	}

	/* --- stream framing: byte-by-byte, two in one write */
	{
		int fd = raw_connect(p_tcp), i;

		sa.msgs = 0;
		n = reg_msg(msg, sizeof(msg), "TCP", 4);
		for (i = 0; i < n; i++) {
			if (send(fd, msg + i, 1, 0) != 1)
				break;
			step(0);
		}
		RUN_UNTIL(sa.msgs == 1, 2000);
		is_int(sa.msgs, 1, "one message fed one byte at a time");
		n = raw_read(fd, buf, sizeof(buf) - 1, 2000);
		ok(n > 12 && !strncmp(buf, "SIP/2.0 200", 11), "raw client got the 200");
		n = reg_msg(msg, sizeof(msg), "TCP", 5);
		n += reg_msg(msg + n, sizeof(msg) - (size_t)n, "TCP", 6);
		ok(send(fd, msg, (size_t)n, 0) == n, "two messages in one write");
		RUN_UNTIL(sa.msgs == 3, 2000);
		is_int(sa.msgs, 3, "both delivered");
		close(fd);
	}

	/* --- malformed stream input: 400, then the connection is closed */
	{
		static const char bad[] = "REGISTER sip:127.0.0.1 SIP/2.0\r\n"
					  "Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKbad\r\n"
					  "From: <sip:alice@127.0.0.1>;tag=a1\r\n"
					  "To: <sip:alice@127.0.0.1>\r\n"
					  "Call-ID: bad@test\r\n"
					  "CSeq: 7 REGISTER\r\n\r\n"; /* no Content-Length on a stream */
		int fd = raw_connect(p_tcp);
		size_t got = 0;

		sa.msgs = sa.lost = 0;
		ok(send(fd, bad, sizeof(bad) - 1, 0) == (ssize_t)sizeof(bad) - 1, "sent a message without Content-Length");
		while ((n = (int)raw_read(fd, buf + got, sizeof(buf) - 1 - got, 2000)) > 0)
			got += (size_t)n;
		buf[got] = '\0';
		ok(!strncmp(buf, "SIP/2.0 400", 11), "400 reply (%.20s)", buf);
		ok(strstr(buf, "CSeq: 7 REGISTER") != NULL, "... to that request");
		is_int(n, 0, "then the connection was closed");
		is_int(sa.msgs, 0, "nothing delivered");
		RUN_UNTIL(sa.lost, 1000);
		ok(sa.lost >= 1 && strstr(sa.lost_why, "malformed") != NULL, "A's lost handler: %s", sa.lost_why);
		close(fd);
	}

	/* --- oversized: 513 and close */
	{
		static const char big[] = "REGISTER sip:127.0.0.1 SIP/2.0\r\n"
					  "Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKbig\r\n"
					  "From: <sip:alice@127.0.0.1>;tag=a1\r\n"
					  "To: <sip:alice@127.0.0.1>\r\n"
					  "Call-ID: big@test\r\n"
					  "CSeq: 8 REGISTER\r\n"
					  "Content-Length: 100000\r\n\r\n";
		int fd = raw_connect(p_tcp);
		size_t got = 0;

		ok(send(fd, big, sizeof(big) - 1, 0) > 0, "sent headers announcing 100000 bytes (limit 4096)");
		while ((n = (int)raw_read(fd, buf + got, sizeof(buf) - 1 - got, 2000)) > 0)
			got += (size_t)n;
		buf[got] = '\0';
		ok(!strncmp(buf, "SIP/2.0 513", 11), "513 Message Too Large (%.24s)", buf);
		is_int(n, 0, "then closed");
		close(fd);
	}

	/* --- failures to get a flow */
	{
		uint16_t dead = 0;
		int lfd = raw_listen(&dead);
		struct ready r = { 0 };
		struct sip_dest d;

		close(lfd);
		d = dest(SIP_TP_TCP, dead, NULL, NULL);
		is_int(sip_transp_flow_get(B, &d, on_ready, &r, NULL), 0, "flow_get to a closed port");
		RUN_UNTIL(r.calls, 2000);
		is_int(r.err, ECONNREFUSED, "refused");
		ok(strstr(r.why, "connection refused by 127.0.0.1:") != NULL, "... why: %s", r.why);
	}
	{
		struct sip_transp_conf c = { .connect_timeout_ms = 500 };
		struct sip_transp *D = NULL;
		struct side sd = { .name = "D" };
		struct sip_dest d = dest(SIP_TP_TLS, p_tcp, "localhost", cli_tls);
		struct ready r = { 0 }, r2 = { 0 };

		sa.msgs = 0;
		sip_transp_alloc(&D, L, &c, on_recv, on_lost, &sd);
		is_int(sip_transp_flow_get(D, &d, on_ready, &r, NULL), 0, "TLS dest pointed at a plain TCP port");
		RUN_UNTIL(r.calls, 3000);
		ok(r.calls == 1 && r.err != 0 && r.flow == NULL, "no flow: TLS never falls back (%s)", r.why);
		is_int(sa.msgs, 0, "the TCP side got no SIP");
		/* a TCP flow to the same address exists only when asked for as TCP */
		d = dest(SIP_TP_TCP, p_tcp, NULL, NULL);
		sip_transp_flow_get(D, &d, on_ready, &r2, NULL);
		RUN_UNTIL(r2.calls, 3000);
		ok(r2.err == 0 && r2.flow && !sip_flow_is_tls(r2.flow), "TCP asked for as TCP works");
		sip_flow_unref(r2.flow);
		sip_transp_free(D);
	}
	{
		struct sip_dest d = dest(SIP_TP_TLS, p_tls, "wrong.example", cli_tls);
		struct ready r = { 0 };

		is_int(sip_transp_flow_get(B, &d, on_ready, &r, NULL), 0, "TLS with the wrong name");
		RUN_UNTIL(r.calls, 3000);
		is_int(r.err, EPROTO, "EPROTO");
		is_str(r.why, "certificate is for 'localhost', '127.0.0.1', '::1', not for 'wrong.example'",
		       "why is tls.c's sentence");
	}
	{
		struct sip_transp_conf c = { .connect_timeout_ms = 300 };
		struct sip_transp *D = NULL;
		struct side sd = { .name = "D" };
		uint16_t port = 0;
		int lfd = raw_listen(&port); /* never accepts: TCP completes, TLS never starts */
		struct sip_dest d = dest(SIP_TP_TLS, port, "localhost", cli_tls);
		struct ready r = { 0 };
		uint64_t t0 = loop_now_ms(), dt;

		sip_transp_alloc(&D, L, &c, on_recv, on_lost, &sd);
		is_int(sip_transp_flow_get(D, &d, on_ready, &r, NULL), 0, "TLS to a silent server");
		RUN_UNTIL(r.calls, 3000);
		dt = loop_now_ms() - t0;
		is_int(r.err, ETIMEDOUT, "handshake timeout");
		is_str(r.why, "TLS handshake with localhost timed out after 300 ms", "... why");
		ok(dt >= 300 && dt < 300 + 10, "after 300 ms (%llu)", (unsigned long long)dt);
		sip_transp_free(D);
		close(lfd);
	}
	{
		struct sip_dest d = dest(SIP_TP_TCP, p_tcp, NULL, NULL);
		struct ready r = { 0 };
		struct sip_flow_wait *w = NULL;
		struct sip_transp *E = NULL;

		sip_transp_alloc(&E, L, NULL, on_recv, on_lost, &sb);
		is_int(sip_transp_flow_get(E, &d, on_ready, &r, &w), 0, "flow_get with a handle");
		sip_flow_wait_cancel(w);
		run_for(200);
		is_int(r.calls, 0, "cancelled wait: handler never called");
		sip_transp_free(E);
	}

	/*
	 * --- keep-alive: answered pings keep the flow; once a peer has answered, an unanswered ping loses
	 * it; a peer that never answers pings (Asterisk's pjproject) keeps its flow and still gets them
	 */
	{
		struct sip_transp_conf c = { .ka_interval_ms = 150, .ka_timeout_ms = 200 };
		struct sip_transp *K = NULL;
		struct side sk = { .name = "K" };
		struct ka_peer good = { .answer = true }, mute = { .answer = false };
		uint16_t pg = 0, pm = 0;
		struct ready r1 = { 0 }, r2 = { 0 };
		struct sip_dest d;
		uint64_t t0, dt;

		good.lfd = raw_listen(&pg);
		mute.lfd = raw_listen(&pm);
		loop_fd_listen(L, good.lfd, LOOP_READ, ka_peer_accept, &good);
		loop_fd_listen(L, mute.lfd, LOOP_READ, ka_peer_accept, &mute);
		sip_transp_alloc(&K, L, &c, on_recv, on_lost, &sk);
		d = dest(SIP_TP_TCP, pg, NULL, NULL);
		sip_transp_flow_get(K, &d, on_ready, &r1, NULL);
		RUN_UNTIL(r1.calls, 2000);
		ok(r1.err == 0, "flow to a pong-answering peer");
		run_for(1000);
		/* one every 120-150 ms: 1000 / 150 = 6 at least, 9 at most (the first right at the start) */
		ok(good.pings >= 6 && good.pings <= 9, "CRLFCRLF pings sent every 120-150 ms (%d in 1 s)", good.pings);
		ok(sip_flow_alive(r1.flow) && sk.lost == 0, "answered: flow still alive");

		d = dest(SIP_TP_TCP, pm, NULL, NULL);
		sip_transp_flow_get(K, &d, on_ready, &r2, NULL);
		RUN_UNTIL(r2.calls, 2000);
		run_for(1000);
		ok(sip_flow_alive(r2.flow) && sk.lost == 0,
		   "a peer that never answers pings: its flow is kept (%d pings unanswered)", mute.pings);
		ok(mute.pings >= 6 && mute.pings <= 9, "... and the pings go on (%d in 1 s)", mute.pings);

		/* the peer that answered falls silent: now a missing pong means a dead flow */
		good.answer = false;
		t0 = loop_now_ms();
		RUN_UNTIL(sk.lost, 3000);
		dt = loop_now_ms() - t0;
		is_int(sk.lost, 1, "a peer that answered before stops: flow declared lost");
		is_int(sk.lost_err, ETIMEDOUT, "... ETIMEDOUT");
		ok(strstr(sk.lost_why, "no keep-alive answer") != NULL, "... why: %s", sk.lost_why);
		/* it fell silent somewhere in an interval: the next ping (at most 150 ms), then the pong timeout */
		ok(dt >= 200 && dt <= 150 + 200 + 10, "lost within ping interval + pong timeout (%llu ms)",
		   (unsigned long long)dt);
		is_int(sip_flow_send(r1.flow, "x", 1), EPIPE, "sending on a lost flow: EPIPE");
		ok(sip_flow_alive(r2.flow), "the other flow is unaffected");

		/* a peer's ping is answered with a single CRLF */
		{
			int fd = raw_connect(p_tcp);

			ok(send(fd, "\r\n\r\n", 4, 0) == 4, "raw client pings A");
			n = (int)raw_read(fd, buf, sizeof(buf), 1000);
			ok(n == 2 && !memcmp(buf, "\r\n", 2), "A answered with one CRLF");
			close(fd);
		}
		sip_transp_free(K);
		ok(!sip_flow_alive(r2.flow), "transport freed: flows dead");
		sip_flow_unref(r1.flow);
		sip_flow_unref(r2.flow);
		loop_fd_remove(L, good.lfd);
		loop_fd_remove(L, mute.lfd);
		if (good.cfd > 0) {
			loop_fd_remove(L, good.cfd);
			close(good.cfd);
		}
		if (mute.cfd > 0) {
			loop_fd_remove(L, mute.cfd);
			close(mute.cfd);
		}
		close(good.lfd);
		close(mute.lfd);
	}

	/*
	 * --- the far end's own keep-alives and stray newlines (RFC 5626 4.4.1, RFC 3261 7.5). A peer that
	 * pings us (pjsip does, over TCP and TLS) but never answers our pings: the first CRLF of its ping is
	 * no answer to ours, so its flow is kept as a non-answering peer's. Then lone CRLFs and bare LFs
	 * between messages: ignored, the flow kept, the message after them delivered.
	 */
	{
		struct sip_transp_conf c = { .ka_interval_ms = 150, .ka_timeout_ms = 200 };
		/* no lone CRLF: one right after a ping of ours is its pong (RFC 5626), and here one always is out */
		static const char *const junk[] = { "\n", "\n\n", "\r\n\n", "\r\n\r\n\r\n", "\n\r\n\r\n", "\n\r\n" };
		struct sip_transp *K = NULL;
		struct side sk = { .name = "K" };
		struct ka_peer pinger = { .answer = false };
		uint16_t pp = 0;
		struct ready r = { 0 };
		struct sip_dest d;
		int i, sent = 0;

		pinger.lfd = raw_listen(&pp);
		loop_fd_listen(L, pinger.lfd, LOOP_READ, ka_peer_accept, &pinger);
		sip_transp_alloc(&K, L, &c, on_recv, on_lost, &sk);
		d = dest(SIP_TP_TCP, pp, NULL, NULL);
		sip_transp_flow_get(K, &d, on_ready, &r, NULL);
		RUN_UNTIL(r.calls && pinger.cfd > 0, 2000);
		ok(r.err == 0 && pinger.cfd > 0, "flow to a peer that pings but never answers pings");
		/*
		 * a ping of its own, then silence for several of our periods, twice (a ping is one write, so one
		 * read: a pair split over two reads right after a ping of ours would be taken for two pongs)
		 */
		sent = send(pinger.cfd, "\r\n\r\n", 4, MSG_NOSIGNAL) == 4;
		run_for(1000);
		sent += send(pinger.cfd, "\r\n\r\n", 4, MSG_NOSIGNAL) == 4;
		run_for(1000);
		ok(sent == 2 && sip_flow_alive(r.flow) && sk.lost == 0,
		   "its own pings are no answers to ours: the flow is kept (%d of ours unanswered%s%s)", pinger.pings,
		   sk.lost ? "; lost: " : "", sk.lost ? sk.lost_why : "");
		for (i = 0, sent = 0; i < 12; i++) {
			sent += send(pinger.cfd, junk[i % 6], strlen(junk[i % 6]), MSG_NOSIGNAL) == (ssize_t)strlen(junk[i % 6]);
			run_for(100);
		}
		ok(sent == 12 && sip_flow_alive(r.flow) && sk.lost == 0,
		   "bare LFs, CRLF LF, three CRLFs, LF CRLF between messages: the flow is kept%s%s",
		   sk.lost ? ": lost: " : "", sk.lost ? sk.lost_why : "");
		n = reg_msg(msg, sizeof(msg), "TCP", 990);
		ok(send(pinger.cfd, "\n\r\n\n", 4, MSG_NOSIGNAL) == 4 && send(pinger.cfd, msg, (size_t)n, MSG_NOSIGNAL) == n,
		   "newlines, then a REGISTER");
		RUN_UNTIL(sk.msgs == 1, 1000);
		ok(sk.msgs == 1 && !strcmp(sk.last_method, "REGISTER") && sip_flow_alive(r.flow),
		   "... the REGISTER after them is delivered, the flow alive");
		sip_transp_free(K);
		sip_flow_unref(r.flow);
		loop_fd_remove(L, pinger.lfd);
		if (pinger.cfd > 0) {
			loop_fd_remove(L, pinger.cfd);
			close(pinger.cfd);
		}
		close(pinger.lfd);
	}

	/*
	 * --- RFC 5626 outbound: a registrar that granted it is awaited from the FIRST ping (a peer
	 * that never answers loses its flow: a NAT that dropped the connection after the REGISTER
	 * swallows exactly that ping), at the flow's own period (Flow-Timer); sip_flow_abort gives a
	 * flow up at once, the lost handler running before it returns
	 */
	{
		struct sip_transp_conf c = { .ka_interval_ms = 5000, .ka_timeout_ms = 200 };
		struct sip_transp *K = NULL;
		struct side sk = { .name = "K" };
		struct ka_peer mute = { .answer = false }, other = { .answer = false };
		uint16_t pm = 0, po = 0;
		struct ready r1 = { 0 }, r2 = { 0 };
		struct sip_dest d;
		uint64_t t0, dt;

		mute.lfd = raw_listen(&pm);
		other.lfd = raw_listen(&po);
		loop_fd_listen(L, mute.lfd, LOOP_READ, ka_peer_accept, &mute);
		loop_fd_listen(L, other.lfd, LOOP_READ, ka_peer_accept, &other);
		sip_transp_alloc(&K, L, &c, on_recv, on_lost, &sk);
		d = dest(SIP_TP_TCP, pm, NULL, NULL);
		sip_transp_flow_get(K, &d, on_ready, &r1, NULL);
		d = dest(SIP_TP_TCP, po, NULL, NULL);
		sip_transp_flow_get(K, &d, on_ready, &r2, NULL);
		RUN_UNTIL(r1.calls && r2.calls, 2000);
		ok(r1.err == 0 && r2.err == 0, "two flows to peers that never answer pings");
		t0 = loop_now_ms();
		sip_flow_set_outbound(r1.flow, 150); /* its registrar said Flow-Timer; the other said nothing */
		RUN_UNTIL(sk.lost, 3000);
		dt = loop_now_ms() - t0;
		is_int(sk.lost, 1, "outbound flow: the first unanswered ping loses it");
		is_int(sk.lost_err, ETIMEDOUT, "... ETIMEDOUT");
		ok(dt >= 120 + 200 && dt <= 1000, "... after the flow's period (120-150 ms) + the pong timeout (%llu ms)",
		   (unsigned long long)dt);
		is_int(mute.pings, 1, "... one ping went out");
		ok(!sip_flow_alive(r1.flow) && sip_flow_alive(r2.flow), "the flow without outbound is kept");
		is_int(other.pings, 0, "... its pings at the transport's 5 s period: none yet");

		sip_flow_abort(r2.flow, ETIMEDOUT, "no answer to the REGISTER");
		is_int(sk.lost, 2, "sip_flow_abort: the lost handler ran before it returned");
		is_str(sk.lost_why, "no answer to the REGISTER", "... with the owner's reason");
		is_int(sip_flow_send(r2.flow, "x", 1), EPIPE, "... and the flow sends no more (EPIPE)");
		sip_flow_abort(r2.flow, ETIMEDOUT, "again");
		is_int(sk.lost, 2, "aborting a lost flow again: nothing");
		sip_flow_set_outbound(r2.flow, 100);
		sip_transp_free(K);
		sip_flow_unref(r1.flow);
		sip_flow_unref(r2.flow);
		loop_fd_remove(L, mute.lfd);
		loop_fd_remove(L, other.lfd);
		if (mute.cfd > 0) {
			loop_fd_remove(L, mute.cfd);
			close(mute.cfd);
		}
		if (other.cfd > 0) {
			loop_fd_remove(L, other.cfd);
			close(other.cfd);
		}
		close(mute.lfd);
		close(other.lfd);
	}

	sip_transp_free(B);
	sip_transp_free(A);
	tls_ctx_free(srv_tls);
	tls_ctx_free(cli_tls);
	loop_free(L);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("cannot remove %s", dir);
	return tap_done();
}
