/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_tls.c: tls.c against in-process OpenSSL servers on loopback, one case per failure a user can meet. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tls.h"
#include "../tap.h"

static char dir[256];
static char path_buf[16][300];
static int path_n;

static const char *P(const char *name)
{
	char *p = path_buf[path_n++ % 16];
	snprintf(p, 300, "%s/%s", dir, name);
	return p;
}

enum srv_mode { SRV_TLS, SRV_SILENT, SRV_RESET, SRV_PLAIN, SRV_SPHONE };

struct srv {
	enum srv_mode mode;
	int family;
	const char *cert, *key;
	int min_v, max_v;            /* OpenSSL version constants, 0 = default */
	bool legacy;                 /* allow TLS 1.0/1.1 (security level 0) */
	const char *client_ca;       /* require a client certificate chaining to this */
	bool reneg;                  /* TLS 1.2: ask the client to renegotiate after the handshake */
	/* set by srv_start */
	int lfd, port;
	pthread_t th;
	/* results */
	bool hs_ok;
	char client_subject[256];
	char sni[256];               /* server name the client sent, "" for none */
	int client_hellos;           /* ClientHello messages received (a renegotiation sends another) */
	bool no_reneg_alert;         /* the client answered with a no_renegotiation alert */
	char got[64];
	char sphone_err[512];
};

static int listen_on(int family, int *port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd = socket(family, SOCK_STREAM, 0), one = 1;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		sl = sizeof(*a);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 4)) {
		close(fd);
		return -1;
	}
	sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
				       : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static int accept_timeout(int lfd)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	struct timeval tv = { .tv_sec = 5 };
	int fd;

	if (poll(&p, 1, 5000) != 1)
		return -1;
	fd = accept(lfd, NULL, NULL);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	return fd;
}

static void wait_close(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char b[512];

	while (poll(&p, 1, 5000) == 1 && read(fd, b, sizeof(b)) > 0)
		;
}

static void srv_info_cb(const SSL *ssl, int where, int ret)
{
	struct srv *s = SSL_get_app_data(ssl);

	if ((where & SSL_CB_READ_ALERT) && (ret & 0xff) == SSL_AD_NO_RENEGOTIATION)
		s->no_reneg_alert = true;
}

static void srv_msg_cb(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl,
		       void *arg)
{
	struct srv *s = SSL_get_app_data(ssl);

	if (!write_p && content_type == SSL3_RT_HANDSHAKE && len > 0 &&
	    ((const unsigned char *)buf)[0] == SSL3_MT_CLIENT_HELLO)
		s->client_hellos++;
}

static void srv_openssl(struct srv *s, int fd)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	SSL *ssl = NULL;
	char line[64];
	size_t n = 0;

	if (s->legacy) {
		SSL_CTX_set_security_level(ctx, 0);
		SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
	}
	if (s->min_v)
		SSL_CTX_set_min_proto_version(ctx, s->min_v);
	if (s->max_v)
		SSL_CTX_set_max_proto_version(ctx, s->max_v);
	SSL_CTX_use_certificate_chain_file(ctx, s->cert);
	SSL_CTX_use_PrivateKey_file(ctx, s->key, SSL_FILETYPE_PEM);
	if (s->client_ca) {
		SSL_CTX_load_verify_locations(ctx, s->client_ca, NULL);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	SSL_set_app_data(ssl, s);
	SSL_set_info_callback(ssl, srv_info_cb);
	SSL_set_msg_callback(ssl, srv_msg_cb);
	if (SSL_accept(ssl) == 1) {
		X509 *peer = SSL_get1_peer_certificate(ssl);
		const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);

		s->hs_ok = true;
		snprintf(s->sni, sizeof(s->sni), "%s", sni ? sni : "");
		if (s->reneg) {
			/* HelloRequest; the client's answer (ClientHello or an alert) is read below */
			SSL_renegotiate(ssl);
			SSL_do_handshake(ssl);
		}
		if (peer) {
			X509_NAME_oneline(X509_get_subject_name(peer), s->client_subject,
					  sizeof(s->client_subject));
			X509_free(peer);
		}
		if (SSL_read_ex(ssl, line, sizeof(line) - 1, &n) == 1) {
			line[n] = '\0';
			snprintf(s->got, sizeof(s->got), "%s", line);
			SSL_write(ssl, "pong\n", 5);
		}
		/* read on until the client closes: its answer to the HelloRequest comes in here */
		while (s->reneg && SSL_read_ex(ssl, line, sizeof(line), &n) == 1)
			;
		SSL_shutdown(ssl);
	}
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	ERR_clear_error();
}

/* The server side implemented by tls.c itself, driven non-blocking like the transport will. */
static void srv_sphone(struct srv *s, int fd)
{
	struct tls_conf conf = { .server = true, .cert_file = s->cert, .key_file = s->key,
				 .ca_file = s->client_ca, .require_client_cert = s->client_ca != NULL };
	struct tls_ctx *ctx = NULL;
	struct tls_conn *c = NULL;
	char err[200], line[64];
	size_t n = 0, put;
	int r, i;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	if (tls_ctx_alloc(&ctx, &conf, err, sizeof(err)) || tls_conn_alloc(&c, ctx, fd, NULL)) {
		snprintf(s->sphone_err, sizeof(s->sphone_err), "setup: %s", err);
		goto out;
	}
	for (i = 0; i < 500 && (r = tls_conn_handshake(c)) == EAGAIN; i++) {
		struct pollfd p = { .fd = fd, .events = tls_conn_wants(c) & TLS_WANT_WRITE ? POLLOUT : POLLIN };
		poll(&p, 1, 10);
	}
	if (r) {
		snprintf(s->sphone_err, sizeof(s->sphone_err), "%s", tls_conn_error(c));
		goto out;
	}
	s->hs_ok = true;
	{
		struct tls_info info;
		if (tls_conn_info(c, &info) == 0)
			snprintf(s->client_subject, sizeof(s->client_subject), "%s", info.peer_subject);
	}
	for (i = 0; i < 500 && (r = tls_conn_read(c, line, sizeof(line) - 1, &n)) == EAGAIN; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		poll(&p, 1, 10);
	}
	if (r == 0) {
		line[n] = '\0';
		snprintf(s->got, sizeof(s->got), "%s", line);
		for (i = 0; i < 500 && tls_conn_write(c, "pong\n", 5, &put) == EAGAIN; i++)
			poll(NULL, 0, 10);
	}
	tls_conn_shutdown(c);
 out:
	tls_conn_free(c);
	tls_ctx_free(ctx);
}

static void *srv_main(void *arg)
{
	struct srv *s = arg;
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	char b[512];
	int fd = accept_timeout(s->lfd);

	if (fd < 0)
		return NULL;
	switch (s->mode) {
	case SRV_TLS:
		srv_openssl(s, fd);
		break;
	case SRV_SPHONE:
		srv_sphone(s, fd);
		break;
	case SRV_SILENT:
		wait_close(fd);
		break;
	case SRV_RESET:
		(void)read(fd, b, sizeof(b));
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		break;
	case SRV_PLAIN:
		(void)read(fd, b, sizeof(b));
		(void)write(fd, "SIP/2.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n", 46);
		wait_close(fd);
		break;
	}
	close(fd);
	return NULL;
}

static int srv_start(struct srv *s)
{
	if (!s->family)
		s->family = AF_INET;
	s->lfd = listen_on(s->family, &s->port);
	if (s->lfd < 0)
		return -1;
	if (s->mode == SRV_SILENT) /* never accept: the kernel completes TCP, nobody speaks TLS */
		return 0;
	return pthread_create(&s->th, NULL, srv_main, s);
}

static void srv_stop(struct srv *s)
{
	if (s->mode != SRV_SILENT)
		pthread_join(s->th, NULL);
	close(s->lfd);
}

struct result {
	int err;                 /* 0: handshake + ping/pong worked */
	enum tls_fail fail;
	char msg[512];
	struct tls_info info;
	bool have_info;
};

static int connect_to(int family, int port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd = socket(family, SOCK_STREAM, 0);

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a->sin_port = htons((unsigned short)port);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		a->sin6_port = htons((unsigned short)port);
		sl = sizeof(*a);
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	(void)connect(fd, (struct sockaddr *)&ss, sl); /* EINPROGRESS or an error the handshake will meet */
	return fd;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for the connection's wish; false on timeout. */
static bool wait_io(struct tls_conn *c, int fd, long deadline)
{
	struct pollfd p = { .fd = fd };
	long left = deadline - now_ms();

	p.events = (tls_conn_wants(c) & TLS_WANT_READ ? POLLIN : 0) |
		   (tls_conn_wants(c) & TLS_WANT_WRITE ? POLLOUT : 0);
	if (left <= 0)
		return false;
	return poll(&p, 1, (int)left) == 1;
}

static void run_client(struct result *res, const struct tls_conf *conf, const char *peer, int family, int port,
		       unsigned timeout_ms)
{
	struct tls_ctx *ctx = NULL;
	struct tls_conn *c = NULL;
	char err[256] = "", buf[64];
	size_t n = 0, put = 0, have = 0;
	long deadline;
	int fd = -1, r;

	memset(res, 0, sizeof(*res));
	r = tls_ctx_alloc(&ctx, conf, err, sizeof(err));
	if (r) {
		res->err = r;
		res->fail = TLS_FAIL_OTHER;
		snprintf(res->msg, sizeof(res->msg), "ctx: %s", err);
		return;
	}
	fd = connect_to(family, port);
	r = tls_conn_alloc(&c, ctx, fd, peer);
	if (r)
		goto out;
	deadline = now_ms() + timeout_ms;
	while ((r = tls_conn_handshake(c)) == EAGAIN) {
		if (!wait_io(c, fd, deadline)) {
			tls_conn_set_timeout(c, timeout_ms);
			r = ETIMEDOUT;
			break;
		}
	}
	if (r)
		goto out;
	res->have_info = tls_conn_info(c, &res->info) == 0;
	while ((r = tls_conn_write(c, "ping\n", 5, &put)) == EAGAIN)
		if (!wait_io(c, fd, deadline + 2000))
			break;
	if (r)
		goto out;
	while (have < 5) {
		r = tls_conn_read(c, buf + have, sizeof(buf) - 1 - have, &n);
		if (r == EAGAIN) {
			if (!wait_io(c, fd, deadline + 2000)) {
				r = ETIMEDOUT;
				break;
			}
			continue;
		}
		if (r)
			break;
		have += n;
	}
	if (r == 0) {
		buf[have] = '\0';
		if (strcmp(buf, "pong\n") != 0)
			r = EBADMSG;
	}
 out:
	res->err = r;
	res->fail = tls_conn_fail(c);
	snprintf(res->msg, sizeof(res->msg), "%s", tls_conn_error(c));
	if (r)
		diag("client: err %d, fail %d: %s", r, res->fail, res->msg);
	tls_conn_free(c);
	tls_ctx_free(ctx);
	if (fd >= 0)
		close(fd);
}

/* Run one case: server as described, client with conf/peer. */
static void run_case(struct result *res, struct srv *s, const struct tls_conf *conf, const char *peer)
{
	if (srv_start(s)) {
		memset(res, 0, sizeof(*res));
		res->err = EIO;
		snprintf(res->msg, sizeof(res->msg), "server did not start");
		return;
	}
	run_client(res, conf, peer, s->family, s->port, s->mode == SRV_SILENT ? 300 : 5000);
	srv_stop(s);
}

static bool contains(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

/* Read the SPKI pin the openssl command line computes: an independent reference. */
static void cli_pin(const char *cert, char *out, size_t outsz)
{
	char cmd[700];
	FILE *f;
	size_t n;

	snprintf(cmd, sizeof(cmd),
		 "openssl x509 -in '%s' -pubkey -noout | openssl pkey -pubin -outform der | "
		 "openssl dgst -sha256 -binary | openssl base64 -A", cert);
	out[0] = '\0';
	f = popen(cmd, "r");
	if (!f)
		return;
	n = fread(out, 1, outsz - 1, f);
	out[n] = '\0';
	pclose(f);
}

static void cli_fingerprint(const char *cert, char *out, size_t outsz)
{
	char cmd[600], line[300] = "", *eq;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "openssl x509 -in '%s' -noout -fingerprint -sha256", cert);
	out[0] = '\0';
	f = popen(cmd, "r");
	if (!f)
		return;
	if (fgets(line, sizeof(line), f) && (eq = strchr(line, '='))) {
		eq[strcspn(eq, "\n")] = '\0';
		snprintf(out, outsz, "%s", eq + 1);
	}
	pclose(f);
}

int main(void)
{
	const char *top = getenv("top_srcdir");
	char cmd[700], want[600], pin_good[80], pin_wrong[80], ref[80];
	struct tls_conf conf;
	struct result res;
	int r;

	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "%s/sphone-tls.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		tap_skip_all("cannot make a temporary directory");
	snprintf(cmd, sizeof(cmd), "sh '%s/tests/tls_certs.sh' '%s' >/dev/null 2>&1", top ? top : "..", dir);
	if (system(cmd) != 0)
		tap_skip_all("cannot make test certificates (openssl CLI missing?)");

	/* --- configuration errors */
	{
		struct tls_ctx *ctx = NULL;
		char err[200] = "";

		conf = (struct tls_conf){ .ca_file = P("missing.crt") };
		r = tls_ctx_alloc(&ctx, &conf, err, sizeof(err));
		is_int(r, EINVAL, "missing ca_file: EINVAL");
		ok(contains(err, "cannot load CA certificates from") && contains(err, "missing.crt"),
		   "missing ca_file: message names the file (%s)", err);
		ok(ctx == NULL, "missing ca_file: out-parameter untouched");

		conf = (struct tls_conf){ .ca_file = P("ca.crt"), .pin = "sha256/short" };
		r = tls_ctx_alloc(&ctx, &conf, err, sizeof(err));
		is_int(r, EINVAL, "malformed pin: EINVAL");
		ok(contains(err, "sha256/BASE64"), "malformed pin: message shows the form (%s)", err);

		conf = (struct tls_conf){ .ca_file = P("ca.crt"), .min_version = 11 };
		is_int(tls_ctx_alloc(&ctx, &conf, err, sizeof(err)), EINVAL, "tls_min_version 1.1 refused");

		conf = (struct tls_conf){ .cert_file = P("client.crt"), .key_file = P("good.key"),
					  .ca_file = P("ca.crt") };
		is_int(tls_ctx_alloc(&ctx, &conf, err, sizeof(err)), EINVAL, "key not matching certificate");
		ok(contains(err, "does not match"), "... message says so (%s)", err);
		ok(ctx == NULL, "no context after errors");
	}

	/* --- pins: ours against the openssl CLI */
	is_int(tls_pin_of_file(P("good.crt"), pin_good, sizeof(pin_good)), 0, "pin of good.crt");
	is_int(tls_pin_of_file(P("wrong.crt"), pin_wrong, sizeof(pin_wrong)), 0, "pin of wrong.crt");
	cli_pin(P("good.crt"), ref, sizeof(ref));
	snprintf(want, sizeof(want), "sha256/%s", ref);
	is_str(pin_good, want, "SPKI pin equals the openssl CLI's");

	/* --- success with TLS 1.3 by name, TLS 1.3 by IP, TLS 1.2 */
	{
		struct srv s = { .mode = SRV_TLS, .cert = P("good.crt"), .key = P("good.key") };
		char fp[120];

		conf = (struct tls_conf){ .ca_file = P("ca.crt") };
		run_case(&res, &s, &conf, "localhost");
		is_int(res.err, 0, "TLS 1.3 to 'localhost' works");
		is_str(s.got, "ping\n", "server got the client's bytes");
		is_str(res.info.version, "TLSv1.3", "version TLSv1.3");
		is_str(res.info.cipher, "TLS_AES_256_GCM_SHA384", "TLS 1.3 cipher");
		ok(res.info.verified, "verified");
		is_str(res.info.verify_note, "chain and host name verified", "verify note");
		is_str(res.info.peer_subject, "CN=localhost", "peer subject");
		is_str(res.info.peer_issuer, "CN=sphone test CA", "peer issuer");
		cli_fingerprint(P("good.crt"), fp, sizeof(fp));
		is_str(res.info.fingerprint_sha256, fp, "fingerprint equals the openssl CLI's");
		is_str(res.info.spki_pin, pin_good, "info carries the SPKI pin");
		is_str(s.sni, "localhost", "SNI sent for a name");
	}
	{
		struct srv s = { .mode = SRV_TLS, .cert = P("good.crt"), .key = P("good.key") };

		run_case(&res, &s, &conf, "127.0.0.1");
		is_int(res.err, 0, "TLS to IP literal 127.0.0.1 matches the IP SAN");
		ok(s.hs_ok && s.sni[0] == '\0', "no SNI for an IP address (got '%s')", s.sni);
	}
	{
		/* ca_path: a directory of CA certificates named by subject hash (openssl rehash) */
		struct srv s = { .mode = SRV_TLS, .cert = P("good.crt"), .key = P("good.key") };
		struct srv s2 = { .mode = SRV_TLS, .cert = P("good.crt"), .key = P("good.key") };
		char capath[300], empty[300], sh[1600];
		struct tls_conf cp = { .ca_path = capath };

		/* own buffers: P()'s ring would recycle the slot conf.ca_file points to */
		snprintf(capath, sizeof(capath), "%s/capath", dir);
		snprintf(empty, sizeof(empty), "%s/capath-empty", dir);
		snprintf(sh, sizeof(sh), "mkdir -p '%s' '%s' && cp '%s/ca.crt' '%s/' && openssl rehash '%s' >/dev/null 2>&1",
			 capath, empty, dir, capath, capath);
		if (system(sh) == 0) {
			run_case(&res, &s, &cp, "localhost");
			is_int(res.err, 0, "ca_path (hashed directory) verifies the chain");
			ok(res.info.verified, "... verified");
			cp.ca_path = empty;
			run_case(&res, &s2, &cp, "localhost");
			is_int(res.fail, TLS_FAIL_UNTRUSTED, "ca_path without our CA: untrusted");
		} else {
			ok(0, "make a hashed CA directory with openssl rehash");
		}
	}
	{
		struct srv s = { .mode = SRV_TLS, .family = AF_INET6, .cert = P("good.crt"), .key = P("good.key") };

		if (srv_start(&s) == 0) {
			run_client(&res, &conf, "[::1]", AF_INET6, s.port, 5000);
			srv_stop(&s);
			is_int(res.err, 0, "TLS to [::1] matches the IPv6 SAN");
		} else {
			ok(1, "# SKIP no IPv6 loopback");
		}
	}
	{
		struct srv s = { .mode = SRV_TLS, .cert = P("good.crt"), .key = P("good.key"),
				 .max_v = TLS1_2_VERSION };

		run_case(&res, &s, &conf, "localhost");
		is_int(res.err, 0, "TLS 1.2 server works");
		is_str(res.info.version, "TLSv1.2", "version TLSv1.2");
		is_str(res.info.cipher, "ECDHE-ECDSA-AES128-GCM-SHA256", "TLS 1.2 AEAD suite");
	}
	{
		/* a TLS 1.2 server asking to renegotiate is refused; the connection itself goes on */
		struct srv s = { .mode = SRV_TLS, .cert = P("good.crt"), .key = P("good.key"),
				 .max_v = TLS1_2_VERSION, .reneg = true };

		run_case(&res, &s, &conf, "localhost");
		is_int(res.err, 0, "renegotiation requested: the connection still works");
		ok(s.no_reneg_alert, "renegotiation: the client answered no_renegotiation");
		is_int(s.client_hellos, 1, "renegotiation: no second ClientHello");
	}

	/* --- version policy */
	{
		struct srv s = { .mode = SRV_TLS, .cert = P("good.crt"), .key = P("good.key"),
				 .max_v = TLS1_2_VERSION };

		conf = (struct tls_conf){ .ca_file = P("ca.crt"), .min_version = 13 };
		run_case(&res, &s, &conf, "localhost");
		ok(res.err != 0, "min_version 1.3 refuses a TLS 1.2-only server");
		is_int(res.fail, TLS_FAIL_VERSION, "... category: version");
		ok(contains(res.msg, "does not offer TLS 1.3") && contains(res.msg, "tls_min_version = 1.3"),
		   "... message: %s", res.msg);
	}
	{
		struct srv s = { .mode = SRV_TLS, .cert = P("good.crt"), .key = P("good.key"),
				 .min_v = TLS1_VERSION, .max_v = TLS1_1_VERSION, .legacy = true };

		conf = (struct tls_conf){ .ca_file = P("ca.crt") };
		run_case(&res, &s, &conf, "localhost");
		ok(res.err != 0, "TLS 1.0/1.1-only server refused");
		is_int(res.fail, TLS_FAIL_VERSION, "... category: version");
		ok(contains(res.msg, "no TLS 1.2 or newer") && contains(res.msg, "TLS 1.0/1.1"),
		   "... message: %s", res.msg);
		ok(!s.hs_ok, "... server saw no completed handshake");
	}

	/* --- certificate failures */
	{
		struct srv s = { .mode = SRV_TLS, .cert = P("wrong.crt"), .key = P("wrong.key") };

		run_case(&res, &s, &conf, "localhost");
		is_int(res.fail, TLS_FAIL_NAME, "wrong host: category name");
		is_str(res.msg, "certificate is for 'wrong.example', not for 'localhost'", "wrong host: message");
		ok(!s.hs_ok, "wrong host: server saw no completed handshake");
	}
	{
		struct srv s = { .mode = SRV_TLS, .cert = P("good.crt"), .key = P("good.key") };

		run_case(&res, &s, &conf, "127.0.0.2");
		is_int(res.fail, TLS_FAIL_NAME, "IP mismatch: category name");
		is_str(res.msg, "certificate is for 'localhost', '127.0.0.1', '::1', not for '127.0.0.2'",
		       "IP mismatch: message lists the certificate's names");
	}
	/* --- SIP domain names (RFC 5922): sip: URIs count, wildcards do not, the CN only without a SAN */
	{
		static const struct {
			const char *cert, *peer;
			bool good;
			const char *msg, *what;
		} names[] = {
			{ "wild", "pbx.sip.test", false,
			  "certificate names 'pbx.sip.test' only by the wildcard '*.sip.test', and SIP accepts no "
			  "wildcards (RFC 5922 7.2): the server needs a certificate that names pbx.sip.test itself",
			  "wildcard-only certificate: refused, with its own reason naming the wildcard" },
			{ "wild", "a.b.sip.test", false, "certificate is for '*.sip.test', not for 'a.b.sip.test'",
			  "wildcard that would not match anyway: the plain mismatch reason" },
			{ "wildplus", "pbx.sip.test", true, NULL, "wildcard plus the exact name: accepted" },
			{ "sanuri", "pbx.sip.test", true, NULL, "SAN URI sip:pbx.sip.test only: accepted" },
			{ "sanuri", "PBX.Sip.Test.", true, NULL, "SAN URI: case and a trailing dot do not matter" },
			{ "sanuri", "sip.test", false, "certificate is for 'sip:pbx.sip.test', not for 'sip.test'",
			  "SAN URI for another name: refused, the URI listed" },
			{ "sanuriport", "pbx.sip.test", true, NULL, "SAN URI with port and parameters: its host counts" },
			{ "sanuriuser", "pbx.sip.test", false,
			  "certificate is for 'sip:alice@pbx.sip.test', not for 'pbx.sip.test'",
			  "SAN URI with a user part names a user, not the domain: refused" },
			{ "sanurisips", "pbx.sip.test", false,
			  "certificate is for 'sips:pbx.sip.test', not for 'pbx.sip.test'",
			  "SAN URI with the sips scheme: not a SIP domain identity (RFC 5922 7.1)" },
			{ "cnonly", "pbx.sip.test", true, NULL, "no subjectAltName: the CN counts" },
			{ "cnip", "pbx.sip.test", false, "certificate is for '127.0.0.1', not for 'pbx.sip.test'",
			  "a subjectAltName without the name: the CN does not count" },
		};

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			char crt[40], key[40];
			struct srv s = { .mode = SRV_TLS };

			conf = (struct tls_conf){ .ca_file = P("ca.crt") }; /* P()'s ring recycles slots */
			snprintf(crt, sizeof(crt), "%s.crt", names[i].cert);
			snprintf(key, sizeof(key), "%s.key", names[i].cert);
			s.cert = P(crt);
			s.key = P(key);
			run_case(&res, &s, &conf, names[i].peer);
			if (names[i].good) {
				ok(res.err == 0 && res.info.verified &&
					   !strcmp(res.info.verify_note, "chain and host name verified"),
				   "%s (%s, '%s')", names[i].what, names[i].cert, names[i].peer);
			} else {
				ok(res.fail == TLS_FAIL_NAME && !strcmp(res.msg, names[i].msg) && !s.hs_ok,
				   "%s (%s, '%s'): %s", names[i].what, names[i].cert, names[i].peer, res.msg);
			}
		}
	}
	{
		struct srv s = { .mode = SRV_TLS, .cert = P("wild.crt"), .key = P("wild.key") };

		conf = (struct tls_conf){ .ca_file = P("ca.crt"), .insecure_skip_verify = true };
		run_case(&res, &s, &conf, "pbx.sip.test");
		ok(res.err == 0 && !res.info.verified && contains(res.info.verify_note, "NOT VERIFIED") &&
			   contains(res.info.verify_note, "wildcard '*.sip.test'"),
		   "insecure: a wildcard-only certificate connects, reported NOT verified and why (%s)",
		   res.info.verify_note);
		conf = (struct tls_conf){ .ca_file = P("ca.crt") };
	}
	{
		struct srv s = { .mode = SRV_TLS, .cert = P("expired.crt"), .key = P("expired.key") };

		run_case(&res, &s, &conf, "localhost");
		is_int(res.fail, TLS_FAIL_EXPIRED, "expired: category");
		is_str(res.msg, "certificate 'CN=localhost' expired on 2021-01-01 00:00:00 UTC (notAfter)",
		       "expired: message with the date");
	}
	{
		struct srv s = { .mode = SRV_TLS, .cert = P("future.crt"), .key = P("future.key") };

		run_case(&res, &s, &conf, "localhost");
		is_int(res.fail, TLS_FAIL_NOT_YET_VALID, "not yet valid: category");
		ok(contains(res.msg, "not valid before 2090-01-01 00:00:00 UTC (notBefore)"),
		   "not yet valid: message with the date (%s)", res.msg);
	}
	{
		struct srv s = { .mode = SRV_TLS, .cert = P("otherca.crt"), .key = P("otherca.key") };

		run_case(&res, &s, &conf, "localhost");
		is_int(res.fail, TLS_FAIL_UNTRUSTED, "unknown CA: category");
		is_str(res.msg,
		       "certificate issuer is not trusted ('CN=localhost' issued by 'CN=sphone untrusted CA'): "
		       "add the CA with ca_file", "unknown CA: message");
	}
	{
		struct srv s = { .mode = SRV_TLS, .cert = P("self.crt"), .key = P("self.key") };

		run_case(&res, &s, &conf, "localhost");
		is_int(res.fail, TLS_FAIL_UNTRUSTED, "self-signed: category");
		ok(contains(res.msg, "self-signed ('CN=localhost')") && contains(res.msg, "ca_file"),
		   "self-signed: message (%s)", res.msg);
	}
	{
		struct srv s = { .mode = SRV_TLS, .cert = P("good.crt"), .key = P("good.key") };
		struct tls_conf sys = { 0 };

		run_case(&res, &s, &sys, "localhost");
		is_int(res.fail, TLS_FAIL_UNTRUSTED, "system store does not trust the test CA");
	}

	/* --- insecure_skip_verify */
	{
		struct srv s = { .mode = SRV_TLS, .cert = P("expired.crt"), .key = P("expired.key") };

		conf = (struct tls_conf){ .ca_file = P("ca.crt"), .insecure_skip_verify = true };
		run_case(&res, &s, &conf, "localhost");
		is_int(res.err, 0, "insecure: expired certificate accepted");
		ok(res.have_info && !res.info.verified, "insecure: info says not verified");
		ok(contains(res.info.verify_note, "NOT VERIFIED") && contains(res.info.verify_note, "expired"),
		   "insecure: note says so and why (%s)", res.info.verify_note);
	}
	{
		struct srv s = { .mode = SRV_TLS, .cert = P("good.crt"), .key = P("good.key") };

		run_case(&res, &s, &conf, "localhost");
		is_int(res.err, 0, "insecure with a good certificate");
		ok(!res.info.verified, "... still reported as not verified");
		is_str(res.info.verify_note, "NOT VERIFIED: tls_insecure_skip_verify is set", "... note");
	}

	/* --- pins */
	{
		struct srv s = { .mode = SRV_TLS, .cert = P("good.crt"), .key = P("good.key") };

		conf = (struct tls_conf){ .ca_file = P("ca.crt"), .pin = pin_good };
		run_case(&res, &s, &conf, "localhost");
		is_int(res.err, 0, "pin match");
		ok(res.info.verified && contains(res.info.verify_note, "pin matches"), "pin match: note (%s)",
		   res.info.verify_note);
	}
	{
		struct srv s = { .mode = SRV_TLS, .cert = P("good.crt"), .key = P("good.key") };

		conf = (struct tls_conf){ .ca_file = P("ca.crt"), .pin = pin_wrong };
		run_case(&res, &s, &conf, "localhost");
		is_int(res.fail, TLS_FAIL_PIN, "pin mismatch: category");
		snprintf(want, sizeof(want), "certificate pin mismatch: expected %s, got %s", pin_wrong, pin_good);
		is_str(res.msg, want, "pin mismatch: message shows both pins");
	}
	{
		struct srv s = { .mode = SRV_TLS, .cert = P("self.crt"), .key = P("self.key") };
		char pin_self[80];

		tls_pin_of_file(P("self.crt"), pin_self, sizeof(pin_self));
		conf = (struct tls_conf){ .ca_file = P("ca.crt"), .pin = pin_self };
		run_case(&res, &s, &conf, "localhost");
		is_int(res.fail, TLS_FAIL_UNTRUSTED, "pin is checked in addition to the chain");
	}
	{
		struct srv s = { .mode = SRV_TLS, .cert = P("self.crt"), .key = P("self.key") };
		char pin_self[80];

		tls_pin_of_file(P("self.crt"), pin_self, sizeof(pin_self));
		conf = (struct tls_conf){ .ca_file = P("ca.crt"), .pin = pin_self, .insecure_skip_verify = true };
		run_case(&res, &s, &conf, "localhost");
		is_int(res.err, 0, "insecure + matching pin: self-signed server accepted");
		ok(!res.info.verified && strstr(res.info.verify_note, "NOT VERIFIED") &&
		   strstr(res.info.verify_note, "self-signed"), "... still not verified, and says why (%s)",
		   res.info.verify_note);
	}
	{
		struct srv s = { .mode = SRV_TLS, .cert = P("good.crt"), .key = P("good.key") };

		conf = (struct tls_conf){ .ca_file = P("ca.crt"), .pin = pin_good, .insecure_skip_verify = true };
		run_case(&res, &s, &conf, "localhost");
		is_str(res.info.verify_note, "NOT VERIFIED: tls_insecure_skip_verify is set (the public key pin matches)",
		       "insecure + matching pin on a good chain: note mentions the pin");
	}
	{
		struct srv s = { .mode = SRV_TLS, .cert = P("good.crt"), .key = P("good.key") };

		conf = (struct tls_conf){ .ca_file = P("ca.crt"), .pin = pin_wrong, .insecure_skip_verify = true };
		run_case(&res, &s, &conf, "localhost");
		is_int(res.fail, TLS_FAIL_PIN, "pin enforced even with insecure_skip_verify");
	}

	/* --- client certificates */
	{
		struct srv s = { .mode = SRV_TLS, .cert = P("good.crt"), .key = P("good.key"),
				 .client_ca = P("ca.crt") };

		conf = (struct tls_conf){ .ca_file = P("ca.crt") };
		run_case(&res, &s, &conf, "localhost");
		is_int(res.fail, TLS_FAIL_CLIENT_CERT, "TLS 1.3 server wants a client certificate: category");
		ok(contains(res.msg, "requires a client certificate: set tls_cert and tls_key in the account"),
		   "... message (%s)", res.msg);
	}
	{
		struct srv s = { .mode = SRV_TLS, .cert = P("good.crt"), .key = P("good.key"),
				 .client_ca = P("ca.crt"), .max_v = TLS1_2_VERSION };

		run_case(&res, &s, &conf, "localhost");
		is_int(res.fail, TLS_FAIL_CLIENT_CERT, "TLS 1.2 server wants a client certificate: category");
	}
	{
		struct srv s = { .mode = SRV_TLS, .cert = P("good.crt"), .key = P("good.key"),
				 .client_ca = P("ca.crt") };

		conf = (struct tls_conf){ .ca_file = P("ca.crt"), .cert_file = P("client.crt"),
					  .key_file = P("client.key") };
		run_case(&res, &s, &conf, "localhost");
		is_int(res.err, 0, "mutual TLS with an OpenSSL server");
		is_str(s.client_subject, "/CN=sphone test client", "server saw our client certificate");
	}
	{
		struct srv s = { .mode = SRV_SPHONE, .cert = P("good.crt"), .key = P("good.key"),
				 .client_ca = P("ca.crt") };

		run_case(&res, &s, &conf, "localhost");
		is_int(res.err, 0, "mutual TLS, both sides tls.c");
		is_str(s.client_subject, "CN=sphone test client", "tls.c server reports the client subject");
		is_str(s.got, "ping\n", "tls.c server read the client's bytes");
	}
	{
		struct srv s = { .mode = SRV_SPHONE, .cert = P("good.crt"), .key = P("good.key"),
				 .client_ca = P("ca.crt") };

		conf = (struct tls_conf){ .ca_file = P("ca.crt"), .cert_file = P("self.crt"),
					  .key_file = P("self.key") };
		run_case(&res, &s, &conf, "localhost");
		ok(res.err != 0, "untrusted client certificate refused by the tls.c server");
		ok(contains(s.sphone_err, "issuer is not trusted"), "... server says why (%s)", s.sphone_err);
	}

	/* --- transport-level failures */
	{
		struct srv s = { .mode = SRV_SILENT };

		conf = (struct tls_conf){ .ca_file = P("ca.crt") };
		run_case(&res, &s, &conf, "localhost");
		is_int(res.fail, TLS_FAIL_TIMEOUT, "silent server: timeout");
		is_str(res.msg, "TLS handshake with localhost timed out after 300 ms", "timeout message");
	}
	{
		struct srv s = { .mode = SRV_RESET };

		run_case(&res, &s, &conf, "localhost");
		is_int(res.fail, TLS_FAIL_RESET, "reset during handshake: category");
		is_str(res.msg, "connection reset by localhost during the TLS handshake", "reset: message");
	}
	{
		struct srv s = { .mode = SRV_PLAIN };

		run_case(&res, &s, &conf, "localhost");
		ok(res.err != 0 && contains(res.msg, "does not speak TLS"), "plain-text server: message (%s)",
		   res.msg);
	}
	{
		int port = 0, lfd = listen_on(AF_INET, &port);

		close(lfd); /* nothing listens there now */
		run_client(&res, &conf, "localhost", AF_INET, port, 2000);
		is_int(res.fail, TLS_FAIL_REFUSED, "closed port: refused");
		is_str(res.msg, "connection refused by localhost (nothing listens on that port?)", "refused: message");
	}

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return tap_done();
}
