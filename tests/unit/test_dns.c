/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_dns.c: RFC 3263 resolution against a real dnsmasq on 127.0.0.1 (started and stopped by PID here) and /etc/hosts. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dns.h"
#include "loop.h"
#include "../tap.h"

static pid_t dm_pid = -1;

static int free_udp_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t sl = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), port;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || getsockname(fd, (struct sockaddr *)&a, &sl)) {
		close(fd);
		return -1;
	}
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static const char *dnsmasq_path(void)
{
	static const char *cands[] = { "/usr/sbin/dnsmasq", "/sbin/dnsmasq", "/usr/bin/dnsmasq" };
	size_t i;

	for (i = 0; i < sizeof(cands) / sizeof(cands[0]); i++)
		if (access(cands[i], X_OK) == 0)
			return cands[i];
	return NULL;
}

static int start_dnsmasq(const char *bin, int port)
{
	char portarg[32];
	const char *argv[] = {
		bin, "--no-daemon", portarg, "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv",
		"--no-hosts", "--conf-file=/dev/null", "--pid-file=", "--local=/test/",
		/* RFC 3263 chain: NAPTR -> SRV -> A/AAAA; UDP has the best order, TLS next */
		"--naptr-record=sphone.test,10,50,s,SIPS+D2T,,_sips._tcp.sphone.test",
		"--naptr-record=sphone.test,20,50,s,SIP+D2T,,_sip._tcp.sphone.test",
		"--naptr-record=sphone.test,5,50,s,SIP+D2U,,_sip._udp.sphone.test",
		"--naptr-record=sphone.test,1,50,u,E2U+sip,!^.*$!sip:x@y!,",
		"--srv-host=_sips._tcp.sphone.test,sip1.sphone.test,5061,10,0",
		"--srv-host=_sips._tcp.sphone.test,sip2.sphone.test,5062,20,0",
		"--srv-host=_sip._tcp.sphone.test,sip2.sphone.test,5064,10,0",
		"--srv-host=_sip._udp.sphone.test,sip2.sphone.test,5063,10,0",
		"--host-record=sip1.sphone.test,127.0.0.11,::1",
		"--host-record=sip2.sphone.test,127.0.0.12",
		"--host-record=sphone.test,127.0.0.30",
		/* SRV without NAPTR: priority first, then weights */
		"--srv-host=_sips._tcp.weights.test,w1.weights.test,5071,10,90",
		"--srv-host=_sips._tcp.weights.test,w2.weights.test,5072,10,10",
		"--srv-host=_sips._tcp.weights.test,w0.weights.test,5070,5,0",
		"--host-record=w1.weights.test,127.0.1.1",
		"--host-record=w2.weights.test,127.0.1.2",
		"--host-record=w0.weights.test,127.0.1.0",
		/* nothing but an address */
		"--host-record=plain.test,127.0.0.20",
		/* SRV whose target only /etc/hosts knows (the private hosts file below) */
		"--srv-host=_sips._tcp.srvhosts.test,target.hosts.test,5090,10,0",
		/* a name that exists without any address */
		"--txt-record=empty.test,nothing here",
		NULL };

	snprintf(portarg, sizeof(portarg), "--port=%d", port);
	dm_pid = fork();
	if (dm_pid < 0)
		return -1;
	if (dm_pid == 0) {
		int nul = open("/dev/null", O_RDWR);
		dup2(nul, 1);
		dup2(nul, 2);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	return 0;
}

static void stop_dnsmasq(void)
{
	int st;

	if (dm_pid > 0) {
		kill(dm_pid, SIGTERM);
		waitpid(dm_pid, &st, 0);
		dm_pid = -1;
	}
}

/*
 * A hostile DNS server: answers every query with one record of the asked type whose rdata is broken in
 * the way the query name says. The resolver must report EBADMSG and read nothing out of bounds.
 */
struct evil {
	int fd;
	volatile int stop;
	volatile int queries;
	pthread_t th;
};

static size_t evil_answer(const unsigned char *q, size_t qn, unsigned char *r, size_t rsz)
{
	size_t qend = 12, n, i;
	uint16_t qtype;
	char name[256] = "";
	size_t nl = 0;

	/* walk the question name (labels only; queries are not compressed) */
	while (qend < qn && q[qend] != 0 && q[qend] < 64) {
		for (i = 1; i <= q[qend] && qend + i < qn && nl + 2 < sizeof(name); i++)
			name[nl++] = (char)q[qend + i];
		name[nl++] = '.';
		qend += q[qend] + 1u;
	}
	name[nl] = '\0';
	if (qend + 5 > qn || qend + 5 + 64 > rsz)
		return 0;
	qtype = (uint16_t)(q[qend + 1] << 8 | q[qend + 2]);
	qend += 5; /* root label, type, class */
	memcpy(r, q, qend);
	r[2] = 0x81; /* QR, RD */
	r[3] = 0x80; /* RA, NOERROR */
	r[6] = 0;
	r[7] = 1; /* one answer */
	r[8] = r[9] = r[10] = r[11] = 0;
	n = qend;
	r[n++] = 0xc0; /* owner: pointer to the question name */
	r[n++] = 12;
	r[n++] = (unsigned char)(qtype >> 8);
	r[n++] = (unsigned char)qtype;
	r[n++] = 0;
	r[n++] = 1;  /* IN */
	r[n++] = 0;
	r[n++] = 0;
	r[n++] = 0;
	r[n++] = 60; /* TTL */
	if (strstr(name, "trunc.")) {
		/* rdlength 200, 4 bytes present */
		r[n++] = 0;
		r[n++] = 200;
		memcpy(r + n, "\1\2\3\4", 4);
		return n + 4;
	}
	if (strstr(name, "loop.") && (qtype == 33 || qtype == 35)) {
		/* SRV / NAPTR whose name is a compression pointer to itself */
		size_t rd = n + 2, at;
		if (qtype == 33) {
			memcpy(r + rd, "\0\1\0\1\x13\xc4", 6);
			at = rd + 6;
		} else {
			memcpy(r + rd, "\0\1\0\1\1s\x08SIPS+D2T\0", 17);
			at = rd + 17;
		}
		r[at] = (unsigned char)(0xc0 | (at >> 8));
		r[at + 1] = (unsigned char)at;
		r[n] = 0;
		r[n + 1] = (unsigned char)(at + 2 - rd);
		return at + 2;
	}
	if (strstr(name, "cstr.") && qtype == 35) {
		/* NAPTR whose services string claims 50 bytes inside an 8-byte rdata */
		r[n++] = 0;
		r[n++] = 8;
		memcpy(r + n, "\0\1\0\1\1s\x32S", 8);
		return n + 8;
	}
	/* A with 3 bytes, AAAA with 5, anything else with an empty rdata */
	r[n++] = 0;
	r[n++] = qtype == 1 ? 3 : qtype == 28 ? 5 : 0;
	memset(r + n, 0x7f, 5);
	return n + r[n - 1];
}

static void *evil_main(void *arg)
{
	struct evil *e = arg;
	unsigned char q[512], r[700];
	struct sockaddr_storage from;
	socklen_t fl;
	ssize_t n;
	size_t rn;

	while (!e->stop) {
		struct pollfd p = { .fd = e->fd, .events = POLLIN };

		if (poll(&p, 1, 100) != 1)
			continue;
		fl = sizeof(from);
		n = recvfrom(e->fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
		if (n < 12)
			continue;
		e->queries++;
		rn = evil_answer(q, (size_t)n, r, sizeof(r));
		if (rn)
			(void)sendto(e->fd, r, rn, 0, (struct sockaddr *)&from, fl);
	}
	return NULL;
}

/*
 * This process gets a private mount namespace with its own /etc/hosts (the names below and localhost),
 * so the resolver is tested with names only that file knows. Needs CAP_SYS_ADMIN; NULL when it worked,
 * otherwise why not.
 */
static const char *private_hosts(void)
{
	static const char text[] = "127.0.0.1 localhost\n"
				   "127.0.0.66 only.hosts.test\n"
				   "127.0.0.67 target.hosts.test\n";
	char path[] = "/tmp/sphone-test-hosts.XXXXXX";
	const char *why = NULL;
	int fd = mkstemp(path);

	if (fd < 0)
		return "cannot create a hosts file";
	if (write(fd, text, sizeof(text) - 1) != (ssize_t)sizeof(text) - 1)
		why = "cannot write the hosts file";
	else if (fchmod(fd, 0644) != 0)
		why = "cannot chmod the hosts file";
	else if (unshare(CLONE_NEWNS) != 0)
		why = "unshare(CLONE_NEWNS) refused (needs CAP_SYS_ADMIN)";
	else if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0)
		why = "cannot make the mount namespace private";
	else if (mount(path, "/etc/hosts", "none", MS_BIND, NULL) != 0)
		why = "cannot bind-mount a hosts file over /etc/hosts";
	close(fd);
	unlink(path); /* the bind mount keeps the file */
	return why;
}

static int resolve(const char *host, uint16_t port, enum dns_transp tp, bool sips, struct dns_target *t, size_t *n,
		   char *err, size_t errsz)
{
	struct dns_req req = { .host = host, .port = port, .transp = tp, .sips = sips };

	*n = 0;
	err[0] = '\0';
	return dns_resolve(&req, t, DNS_MAX_TARGETS, n, err, errsz);
}

static void show(const struct dns_target *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		diag("  %zu: %s %s:%u srv=%s name=%s", i, dns_transp_name(t[i].transp), t[i].addr_str, t[i].port,
		     t[i].srv_host, t[i].tls_name);
}

struct async_res {
	int calls, err;
	size_t n;
	struct dns_target first;
	struct loop *l;
};

static void on_done(int err, const struct dns_target *t, size_t n, const char *msg, void *arg)
{
	struct async_res *a = arg;

	a->calls++;
	a->err = err;
	a->n = n;
	if (n)
		a->first = t[0];
	loop_stop(a->l);
}

static void on_timeout(void *arg)
{
	loop_stop(arg);
}

int main(void)
{
	const char *bin = dnsmasq_path(), *hosts_why;
	struct dns_target t[DNS_MAX_TARGETS];
	char err[256], server[64];
	size_t n = 0;
	int port, r, i;

	signal(SIGPIPE, SIG_IGN);
	if (getenv("SPHONE_UNIT_ONLY") && strcmp(getenv("SPHONE_UNIT_ONLY"), "1") == 0)
		tap_skip_all("SPHONE_UNIT_ONLY=1: needs a dnsmasq peer");
	if (!bin)
		tap_skip_all("dnsmasq not installed (Debian package dnsmasq-base)");
	hosts_why = private_hosts(); /* before any thread: unshare wants a single-threaded process */
	port = free_udp_port();
	if (port < 0 || start_dnsmasq(bin, port) != 0)
		tap_skip_all("cannot start dnsmasq");
	snprintf(server, sizeof(server), "127.0.0.1:%d", port);
	setenv("SPHONE_DNS_SERVER", server, 1); /* the first lookup must pick this up */

	/* wait for dnsmasq to answer */
	for (i = 0; i < 50; i++) {
		if (resolve("plain.test", 0, DNS_ANY, true, t, &n, err, sizeof(err)) == 0)
			break;
		usleep(100 * 1000);
	}
	if (i == 50) {
		stop_dnsmasq();
		tap_skip_all("dnsmasq did not answer");
	}
	ok(1, "SPHONE_DNS_SERVER points the resolver at dnsmasq on %s", server);

	/* sips: NAPTR (SIPS+D2T only) -> SRV by priority -> A then AAAA */
	r = resolve("sphone.test", 0, DNS_ANY, true, t, &n, err, sizeof(err));
	is_int(r, 0, "sips:sphone.test resolves (%s)", err);
	show(t, n);
	is_int(n, 3, "three targets: sip1 v4 + v6 (in the system's RFC 6724 order), then sip2");
	if (n == 3) {
		int v6 = t[0].addr.ss_family == AF_INET6 ? 0 : 1;

		is_str(t[1 - v6].addr_str, "127.0.0.11", "sip1's A among the first two");
		is_str(t[v6].addr_str, "::1", "sip1's AAAA among the first two");
		is_int(t[v6].addr.ss_family, AF_INET6, "... in an IPv6 sockaddr");
		is_int(t[0].port, 5061, "first: SRV port");
		is_int(t[1].port, 5061, "second: SRV port");
		is_int(t[0].transp, DNS_TLS, "first: TLS");
		is_str(t[0].srv_host, "sip1.sphone.test", "first: from SRV target sip1");
		is_str(t[1].srv_host, "sip1.sphone.test", "second: from SRV target sip1");
		is_str(t[0].tls_name, "sphone.test", "certificate name is the URI's domain (RFC 5922)");
		is_str(t[2].addr_str, "127.0.0.12", "third: priority 20 SRV");
		is_int(t[2].port, 5062, "third: its port");
		is_int(ntohs(((struct sockaddr_in *)&t[2].addr)->sin_port), 5062, "sockaddr carries the port");
	}

	/* sip: without transport: NAPTR order picks UDP, then TLS, then TCP */
	r = resolve("sphone.test", 0, DNS_ANY, false, t, &n, err, sizeof(err));
	is_int(r, 0, "sip:sphone.test resolves");
	show(t, n);
	ok(n >= 3 && t[0].transp == DNS_UDP && t[0].port == 5063 && t[1].transp == DNS_TLS &&
	   t[n - 1].transp == DNS_TCP && t[n - 1].port == 5064, "NAPTR order: udp(5), tls(10), tcp(20)");

	/* transport given: no NAPTR, SRV of that transport */
	r = resolve("sphone.test", 0, DNS_TCP, false, t, &n, err, sizeof(err));
	ok(r == 0 && n == 1 && t[0].transp == DNS_TCP && t[0].port == 5064 && strcmp(t[0].addr_str, "127.0.0.12") == 0,
	   "transport=tcp: _sip._tcp SRV only");

	/* explicit port: A/AAAA of the host itself, no NAPTR/SRV (RFC 3263 4.2) */
	r = resolve("sphone.test", 5070, DNS_ANY, true, t, &n, err, sizeof(err));
	ok(r == 0 && n == 1 && strcmp(t[0].addr_str, "127.0.0.30") == 0 && t[0].port == 5070 &&
	   t[0].srv_host[0] == '\0', "explicit port: host's own A record, that port");

	/* no NAPTR/SRV: fall back to A with 5061 */
	r = resolve("plain.test", 0, DNS_ANY, true, t, &n, err, sizeof(err));
	ok(r == 0 && n == 1 && strcmp(t[0].addr_str, "127.0.0.20") == 0 && t[0].port == 5061 &&
	   t[0].transp == DNS_TLS && strcmp(t[0].tls_name, "plain.test") == 0, "no NAPTR/SRV: A record, port 5061");

	/* names only /etc/hosts knows: the address step goes through the system resolver (NSS) */
	if (hosts_why) {
		for (i = 0; i < 3; i++)
			ok(1, "# SKIP no private /etc/hosts: %s", hosts_why);
	} else {
		r = resolve("only.hosts.test", 0, DNS_ANY, true, t, &n, err, sizeof(err));
		ok(r == 0 && n == 1 && strcmp(t[0].addr_str, "127.0.0.66") == 0 && t[0].port == 5061 &&
		   t[0].transp == DNS_TLS && strcmp(t[0].tls_name, "only.hosts.test") == 0,
		   "a name only /etc/hosts knows: its address, 5061 (%s)", err);
		r = resolve("only.hosts.test", 5088, DNS_ANY, false, t, &n, err, sizeof(err));
		ok(r == 0 && n == 1 && strcmp(t[0].addr_str, "127.0.0.66") == 0 && t[0].port == 5088,
		   "... with an explicit port (%s)", err);
		r = resolve("srvhosts.test", 0, DNS_ANY, true, t, &n, err, sizeof(err));
		show(t, n);
		ok(r == 0 && n == 1 && strcmp(t[0].addr_str, "127.0.0.67") == 0 && t[0].port == 5090 &&
		   strcmp(t[0].srv_host, "target.hosts.test") == 0 && strcmp(t[0].tls_name, "srvhosts.test") == 0,
		   "SRV from DNS, its target's address from /etc/hosts (%s)", err);
	}
	r = resolve("plain.test", 0, DNS_ANY, false, t, &n, err, sizeof(err));
	ok(r == 0 && n == 1 && t[0].port == 5060 && t[0].transp == DNS_UDP, "sip: without anything: UDP 5060");

	/* SRV weights: priority 5 always first; among priority 10, weight 90 wins ~90% */
	{
		int w1_second = 0, w0_first = 0, runs = 300;

		for (i = 0; i < runs; i++) {
			if (resolve("weights.test", 0, DNS_ANY, true, t, &n, err, sizeof(err)) != 0 || n != 3)
				break;
			w0_first += strcmp(t[0].addr_str, "127.0.1.0") == 0;
			w1_second += strcmp(t[1].addr_str, "127.0.1.1") == 0;
		}
		is_int(i, runs, "weights.test resolved %d times", runs);
		is_int(w0_first, runs, "priority 5 always first");
		diag("weight 90 came before weight 10 in %d of %d runs", w1_second, runs);
		ok(w1_second >= 240 && w1_second <= 297, "weighted order ~90/10 (%d/%d)", w1_second, runs);
	}

	/* numeric hosts: no DNS at all */
	r = resolve("127.0.0.5", 0, DNS_ANY, true, t, &n, err, sizeof(err));
	ok(r == 0 && n == 1 && strcmp(t[0].addr_str, "127.0.0.5") == 0 && t[0].port == 5061 &&
	   strcmp(t[0].tls_name, "127.0.0.5") == 0, "IPv4 literal: itself, 5061");
	r = resolve("[::1]", 5080, DNS_ANY, true, t, &n, err, sizeof(err));
	ok(r == 0 && n == 1 && strcmp(t[0].addr_str, "::1") == 0 && t[0].port == 5080 &&
	   strcmp(t[0].tls_name, "::1") == 0, "[::1]:5080: itself");

	/* errors */
	r = resolve("nosuch.test", 0, DNS_ANY, true, t, &n, err, sizeof(err));
	is_int(r, ENOENT, "NXDOMAIN: ENOENT");
	is_str(err, "cannot resolve 'nosuch.test': no such host (NXDOMAIN, not in /etc/hosts)", "NXDOMAIN message");
	r = resolve("empty.test", 0, DNS_ANY, true, t, &n, err, sizeof(err));
	is_int(r, ENOENT, "name without records: ENOENT");
	is_str(err, "cannot resolve 'empty.test': no NAPTR, SRV, A or AAAA records", "no-records message");
	r = resolve("sphone.test", 0, DNS_UDP, true, t, &n, err, sizeof(err));
	is_int(r, EINVAL, "sips: with transport=udp refused");
	ok(strstr(err, "needs TLS") != NULL, "... message (%s)", err);
	r = resolve("", 0, DNS_ANY, true, t, &n, err, sizeof(err));
	is_int(r, EINVAL, "empty host: EINVAL");
	is_int(dns_set_server("127.0.0.1:99999"), EINVAL, "dns_set_server: bad port refused");
	is_int(dns_set_server("::1"), EINVAL, "dns_set_server: IPv6 server not supported");

	/* async wrapper on the loop, and cancellation */
	{
		struct loop *l = NULL;
		struct dns_query *q = NULL, *q2 = NULL;
		struct async_res a = { 0 }, b = { 0 };
		struct dns_req req = { .host = "sphone.test", .sips = true };
		struct tmr guard;

		tmr_init(&guard);
		is_int(loop_alloc(&l), 0, "loop");
		a.l = l;
		b.l = l;
		is_int(dns_query_alloc(&q, l, &req, on_done, &a), 0, "async query started");
		is_int(dns_query_alloc(&q2, l, &req, on_done, &b), 0, "second query started");
		dns_query_free(q2); /* cancelled at once: its handler must never run */
		tmr_start(l, &guard, 5000, on_timeout, l);
		loop_run(l);
		is_int(a.calls, 1, "handler called once");
		ok(a.err == 0 && a.n == 3 && strcmp(a.first.srv_host, "sip1.sphone.test") == 0 && a.first.port == 5061,
		   "async result as blocking");
		dns_query_free(q);
		tmr_start(l, &guard, 300, on_timeout, l);
		loop_run(l);
		is_int(b.calls, 0, "cancelled query's handler never ran");
		tmr_cancel(&guard);
		loop_free(l);
	}

	/* an IP literal through the async wrapper: answered without a worker thread, still after the call returns */
	{
		static const char *hosts[] = { "127.0.0.1", "[::1]" };
		struct loop *l = NULL;
		struct tmr guard;

		tmr_init(&guard);
		is_int(loop_alloc(&l), 0, "loop for literals");
		for (size_t k = 0; k < sizeof(hosts) / sizeof(hosts[0]); k++) {
			struct dns_query *q = NULL, *q2 = NULL;
			struct async_res a = { .l = l }, b = { .l = l };
			struct dns_req req = { .host = hosts[k], .port = 5061, .sips = true };

			is_int(dns_query_alloc(&q, l, &req, on_done, &a), 0, "%s: query started", hosts[k]);
			is_int(a.calls, 0, "%s: handler not called from inside dns_query_alloc", hosts[k]);
			is_int(dns_query_alloc(&q2, l, &req, on_done, &b), 0, "%s: second query started", hosts[k]);
			dns_query_free(q2);
			tmr_start(l, &guard, 5000, on_timeout, l);
			loop_run(l);
			ok(a.calls == 1 && a.err == 0 && a.n == 1 && a.first.port == 5061 && a.first.transp == DNS_TLS,
			   "%s: one TLS target, port 5061, delivered by the loop", hosts[k]);
			dns_query_free(q);
			tmr_start(l, &guard, 100, on_timeout, l);
			loop_run(l);
			is_int(b.calls, 0, "%s: cancelled query's handler never ran", hosts[k]);
		}
		tmr_cancel(&guard);
		loop_free(l);
	}

	stop_dnsmasq();

	/* malformed answers: EBADMSG, nothing read out of bounds (run under ASan/valgrind) */
	{
		struct evil e = { .fd = socket(AF_INET, SOCK_DGRAM, 0) };
		struct sockaddr_in a = { .sin_family = AF_INET };
		socklen_t al = sizeof(a);
		char evil_srv[64];
		static const char *names[] = { "trunc.test", "loop.test", "cstr.test", "short.test" };
		size_t k;

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		bind(e.fd, (struct sockaddr *)&a, sizeof(a));
		getsockname(e.fd, (struct sockaddr *)&a, &al);
		snprintf(evil_srv, sizeof(evil_srv), "127.0.0.1:%u", ntohs(a.sin_port));
		dns_set_server(evil_srv);
		pthread_create(&e.th, NULL, evil_main, &e);
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			r = resolve(names[k], 0, DNS_ANY, true, t, &n, err, sizeof(err));
			is_int(r, EBADMSG, "hostile answers for %s: EBADMSG", names[k]);
			ok(strstr(err, "malformed DNS answer") != NULL, "... %s", err);
		}
		/* RFC 6761 6.3: localhost is never asked of the DNS server (here, one that answers garbage) */
		k = (size_t)e.queries;
		r = resolve("localhost", 0, DNS_ANY, true, t, &n, err, sizeof(err));
		ok(r == 0 && n >= 1 && t[0].port == 5061 && t[0].transp == DNS_TLS &&
		   strcmp(t[0].tls_name, "localhost") == 0 &&
		   (strcmp(t[0].addr_str, "127.0.0.1") == 0 || strcmp(t[0].addr_str, "::1") == 0),
		   "sips:localhost: loopback, 5061 (%s)", err);
		is_int(e.queries - (int)k, 0, "... without a single DNS query");
		e.stop = 1;
		pthread_join(e.th, NULL);
		close(e.fd);
	}

	/* the server is gone: lookups report that nobody answers */
	is_int(dns_set_server(server), 0, "dns_set_server with the dead server");
	r = resolve("sphone.test", 0, DNS_ANY, true, t, &n, err, sizeof(err));
	is_int(r, ETIMEDOUT, "no DNS server: ETIMEDOUT");
	ok(strstr(err, "did not answer") != NULL, "... message (%s)", err);
	return tap_done();
}
