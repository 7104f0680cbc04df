/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_crypto_certs.c: the --demo throwaway CA and server certificate are usable and verified by tls.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "tap.h"
#include "tls.h"

/* Drives both handshakes over a socketpair until both are done or one fails. */
static int handshake(struct tls_conn *a, struct tls_conn *b)
{
	int ra = EAGAIN, rb = EAGAIN, i;

	for (i = 0; i < 1000 && (ra == EAGAIN || rb == EAGAIN); i++) {
		if (ra == EAGAIN)
			ra = tls_conn_handshake(a);
		if (rb == EAGAIN)
			rb = tls_conn_handshake(b);
		usleep(1000);
	}
	return ra ? ra : rb;
}

static int try_connect(const char *dir, const char *peer_name, struct tls_info *info)
{
	char ca[512], cert[512], key[512], err[256];
	struct tls_conf sc = { 0 }, cc = { 0 };
	struct tls_ctx *sctx = NULL, *cctx = NULL;
	struct tls_conn *s = NULL, *c = NULL;
	int sv[2], e;

	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	snprintf(cert, sizeof(cert), "%s/server.pem", dir);
	snprintf(key, sizeof(key), "%s/server.key", dir);
	sc.server = true;
	sc.cert_file = cert;
	sc.key_file = key;
	cc.ca_file = ca;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return errno;
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	e = tls_ctx_alloc(&sctx, &sc, err, sizeof(err));
	if (!e)
		e = tls_ctx_alloc(&cctx, &cc, err, sizeof(err));
	if (e) {
		diag("tls_ctx_alloc: %s", err);
		goto out;
	}
	if ((e = tls_conn_alloc(&s, sctx, sv[0], NULL)) || (e = tls_conn_alloc(&c, cctx, sv[1], peer_name)))
		goto out;
	e = handshake(c, s);
	if (e)
		diag("handshake: %s", tls_conn_error(c));
	else
		e = tls_conn_info(c, info);
out:
	tls_conn_free(s);
	tls_conn_free(c);
	tls_ctx_free(sctx);
	tls_ctx_free(cctx);
	close(sv[0]);
	close(sv[1]);
	return e;
}

int main(void)
{
	char dir[] = "/tmp/sphone-certs-XXXXXX", p[512], dir2[] = "/tmp/sphone-certs-XXXXXX";
	struct tls_info info;
	struct stat st;

	if (!mkdtemp(dir) || !mkdtemp(dir2))
		return 1;
	is_int(crypto_make_demo_certs(dir, "IP:127.0.0.1,DNS:localhost"), 0, "certificates made");
	snprintf(p, sizeof(p), "%s/server.key", dir);
	memset(&st, 0, sizeof(st));
	is_int(stat(p, &st), 0, "server key written");
	ok((st.st_mode & 077) == 0, "server key is private (mode %o)", (unsigned)(st.st_mode & 0777));
	memset(&info, 0, sizeof(info));
	is_int(try_connect(dir, "127.0.0.1", &info), 0, "TLS to 127.0.0.1 with the demo CA");
	ok(info.verified, "certificate verified (%s)", info.verify_note);
	ok(strstr(info.peer_subject, "sphone demo peer") != NULL, "subject names the demo peer (%s)",
	   info.peer_subject);
	memset(&info, 0, sizeof(info));
	is_int(try_connect(dir, "localhost", &info), 0, "DNS:localhost in the SAN too");
	ok(info.verified, "verified by name");
	ok(try_connect(dir, "example.com", &info) != 0, "another name is refused");
	/* a second CA does not vouch for the first one's server */
	is_int(crypto_make_demo_certs(dir2, "IP:127.0.0.1"), 0, "second set made");
	snprintf(p, sizeof(p), "cp %s/ca.pem %s/ca.pem", dir2, dir);
	ok(system(p) == 0, "mixed: server of set 1, CA of set 2");
	ok(try_connect(dir, "127.0.0.1", &info) != 0, "unknown CA refused");
	is_int(crypto_make_demo_certs("/nonexistent/dir", "IP:127.0.0.1"), ENOENT, "missing dir: ENOENT");
	is_int(crypto_make_demo_certs(dir, NULL), EINVAL, "no SAN: EINVAL");
	snprintf(p, sizeof(p), "rm -rf %s %s", dir, dir2);
	if (system(p))
		diag("cleanup failed");
	return tap_done();
}
