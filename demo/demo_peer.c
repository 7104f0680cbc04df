/* SPDX-License-Identifier: GPL-3.0-or-later */
/* demo_peer.c: `sphone --demo`'s answering peer: TLS listener, digest-checked REGISTER, INVITE answered with SDES-SRTP, media echoed. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "crypto.h"
#include "demo_peer.h"
#include "log.h"
#include "loop.h"
#include "pl.h"
#include "sdp.h"
#include "sip_auth.h"
#include "sip_msg.h"
#include "sip_transp.h"
#include "srtp.h"
#include "tls.h"

#define REALM "sphone-demo"
#define PKT_MAX 1500
#define ECHO_SSRC 0x5e4d0001u /* our own SSRC: an echo with the caller's SSRC would look like a loop */

struct demo_peer {
	struct loop *l;
	struct tls_ctx *tls;
	struct sip_transp *tp;
	uint16_t port;
	char user[64];
	char password[128];
	char nonce[40];
	char to_tag[24];
	char callid[256];
	/* media of the one call */
	int rtp_fd, rtcp_fd;
	uint16_t media_port;
	struct sdp_sess *sdp;
	struct srtp_sess *srtp;
	struct sockaddr_storage remote;
	socklen_t remote_len;
	struct demo_peer_stats st;
	enum { FAULT_NONE, FAULT_SCRAMBLE, FAULT_PLAIN } fault;
};

/* ---- digest ---- */

/* Value of one parameter in a Digest credentials list (quoted or token), NUL-terminated in out. */
static bool auth_param(struct pl v, const char *name, char *out, size_t outsz)
{
	size_t i = 0, nl = strlen(name);

	while (i < v.l) {
		size_t k = 0;

		while (i < v.l && (v.p[i] == ' ' || v.p[i] == ',' || v.p[i] == '\t'))
			i++;
		if (i + nl < v.l && !strncasecmp(v.p + i, name, nl) && v.p[i + nl] == '=') {
			i += nl + 1;
			if (i < v.l && v.p[i] == '"') {
				for (i++; i < v.l && v.p[i] != '"'; i++) {
					if (v.p[i] == '\\' && i + 1 < v.l)
						i++;
					if (k + 1 >= outsz)
						return false;
					out[k++] = v.p[i];
				}
			} else {
				for (; i < v.l && v.p[i] != ',' && v.p[i] != ' '; i++) {
					if (k + 1 >= outsz)
						return false;
					out[k++] = v.p[i];
				}
			}
			out[k] = '\0';
			return true;
		}
		/* skip this parameter */
		while (i < v.l && v.p[i] != '=')
			i++;
		i++;
		if (i < v.l && v.p[i] == '"') {
			for (i++; i < v.l && v.p[i] != '"'; i++)
				if (v.p[i] == '\\')
					i++;
			i++;
		} else {
			while (i < v.l && v.p[i] != ',')
				i++;
		}
	}
	return false;
}

/* Checks the request's Authorization against our nonce and the password. */
static bool auth_ok(struct demo_peer *p, const struct sip_msg *m)
{
	const struct sip_hdr *h = sip_msg_hdr(m, SIP_HDR_AUTHORIZATION);
	char user[64], realm[64], nonce[64], uri[512], resp[SIP_AUTH_HEX_SIZE], cnonce[128], nc[16], qop[16];
	char want[SIP_AUTH_HEX_SIZE];
	struct sip_auth_chal ch;
	struct sip_auth_req rq;
	struct pl v;
	char method[16];

	if (!h)
		return false;
	v = h->val;
	if (v.l < 7 || strncasecmp(v.p, "Digest ", 7))
		return false;
	v.p += 7;
	v.l -= 7;
	if (!auth_param(v, "username", user, sizeof(user)) || !auth_param(v, "realm", realm, sizeof(realm)) ||
	    !auth_param(v, "nonce", nonce, sizeof(nonce)) || !auth_param(v, "uri", uri, sizeof(uri)) ||
	    !auth_param(v, "response", resp, sizeof(resp)) || !auth_param(v, "cnonce", cnonce, sizeof(cnonce)) ||
	    !auth_param(v, "nc", nc, sizeof(nc)) || !auth_param(v, "qop", qop, sizeof(qop)))
		return false;
	if (strcmp(user, p->user) || strcmp(realm, REALM) || strcmp(nonce, p->nonce) || strcmp(qop, "auth"))
		return false;
	memset(&ch, 0, sizeof(ch));
	ch.alg = CRYPTO_SHA256;
	ch.qop = SIP_AUTH_QOP_AUTH;
	snprintf(ch.realm, sizeof(ch.realm), "%s", REALM);
	snprintf(ch.nonce, sizeof(ch.nonce), "%s", p->nonce);
	if (pl_strdup(method, sizeof(method), sip_msg_method(m)))
		return false;
	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.uri = uri;
	rq.cnonce = cnonce;
	rq.nc = (uint32_t)strtoul(nc, NULL, 16);
	if (sip_auth_response(want, &ch, p->user, p->password, &rq))
		return false;
	return strlen(want) == strlen(resp) && !strcasecmp(want, resp);
}

/* ---- replies ---- */

static void reply(struct demo_peer *p, struct sip_flow *f, const struct sip_msg *req, uint16_t code,
		  const char *extra, const char *ctype, const void *body, size_t blen)
{
	struct wbuf w;

	wbuf_init(&w, 0);
	if (!sip_reply_print(&w, req, code, NULL, code > 100 ? p->to_tag : NULL, extra, ctype, body, blen) &&
	    !w.err)
		sip_flow_send(f, w.p, w.len);
	wbuf_free(&w);
}

static void on_register(struct demo_peer *p, struct sip_flow *f, const struct sip_msg *m)
{
	char extra[256];

	if (!auth_ok(p, m)) {
		if (sip_msg_hdr(m, SIP_HDR_AUTHORIZATION))
			p->st.auth_failures++;
		snprintf(extra, sizeof(extra),
			 "WWW-Authenticate: Digest realm=\"" REALM "\", nonce=\"%s\", algorithm=SHA-256, "
			 "qop=\"auth\"\r\n",
			 p->nonce);
		reply(p, f, m, 401, extra, NULL, NULL, 0);
		return;
	}
	p->st.registers_ok++;
	{
		const struct sip_addr *c = sip_msg_contact_count(m) ? sip_msg_contact_at(m, 0) : NULL;
		uint32_t exp = 600;

		sip_msg_expires(m, &exp);
		if (c && c->val.l < 400)
			snprintf(extra, sizeof(extra), "Contact: %.*s;expires=%u\r\n", (int)c->val.l, c->val.p,
				 (unsigned)exp);
		else
			extra[0] = '\0';
		reply(p, f, m, 200, extra, NULL, NULL, 0);
	}
}

/* ---- media ---- */

static void media_stop(struct demo_peer *p)
{
	if (p->rtp_fd >= 0) {
		loop_fd_remove(p->l, p->rtp_fd);
		close(p->rtp_fd);
	}
	if (p->rtcp_fd >= 0) {
		loop_fd_remove(p->l, p->rtcp_fd);
		close(p->rtcp_fd);
	}
	p->rtp_fd = p->rtcp_fd = -1;
	srtp_sess_free(p->srtp);
	p->srtp = NULL;
	sdp_sess_free(p->sdp);
	p->sdp = NULL;
	p->st.call_up = false;
}

static void rtp_h(int fd, int events, void *arg)
{
	struct demo_peer *p = arg;
	uint8_t pkt[PKT_MAX + 64];
	int guard;

	(void)events;
	for (guard = 0; guard < 64; guard++) {
		struct sockaddr_storage src;
		socklen_t sl = sizeof(src);
		ssize_t n = recvfrom(fd, pkt, PKT_MAX, 0, (struct sockaddr *)&src, &sl);
		size_t len;

		if (n < 0)
			return;
		/* RTCP (also multiplexed on the RTP port, RFC 5761) is read and dropped */
		if (fd == p->rtcp_fd || (n >= 2 && pkt[1] >= 192 && pkt[1] <= 223))
			continue;
		len = (size_t)n;
		if (!p->srtp || n < 12 || srtp_sess_unprotect(p->srtp, pkt, &len)) {
			p->st.rx_bad++;
			continue;
		}
		p->st.rx_ok++;
		if (p->fault == FAULT_SCRAMBLE && len > 12) {
			/* test control: the payload comes back reversed (same length, same energy) */
			size_t a = 12, b = len - 1;

			for (; a < b; a++, b--) {
				uint8_t t = pkt[a];
				pkt[a] = pkt[b];
				pkt[b] = t;
			}
		}
		pkt[8] = (uint8_t)(ECHO_SSRC >> 24);
		pkt[9] = (uint8_t)(ECHO_SSRC >> 16);
		pkt[10] = (uint8_t)(ECHO_SSRC >> 8);
		pkt[11] = (uint8_t)ECHO_SSRC;
		if (p->fault != FAULT_PLAIN && srtp_sess_protect(p->srtp, pkt, &len, sizeof(pkt)))
			continue;
		/* send back where authenticated packets come from (symmetric RTP) */
		p->remote = src;
		p->remote_len = sl;
		if (sendto(fd, pkt, len, 0, (struct sockaddr *)&p->remote, p->remote_len) == (ssize_t)len)
			p->st.echoed++;
	}
}

static int udp_bind(uint16_t port, uint16_t *got)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || getsockname(fd, (struct sockaddr *)&a, &al)) {
		close(fd);
		return -1;
	}
	if (got)
		*got = ntohs(a.sin_port);
	return fd;
}

/* An RTP port with a free RTCP port above it. */
static int media_open(struct demo_peer *p)
{
	int i;

	for (i = 0; i < 20; i++) {
		uint16_t port;
		int fd = udp_bind(0, &port), fd2;

		if (fd < 0)
			return errno ? errno : EIO;
		if (port % 2 == 0 && port < 65535 && (fd2 = udp_bind((uint16_t)(port + 1), NULL)) >= 0) {
			p->rtp_fd = fd;
			p->rtcp_fd = fd2;
			p->media_port = port;
			loop_fd_listen(p->l, fd, LOOP_READ, rtp_h, p);
			loop_fd_listen(p->l, fd2, LOOP_READ, rtp_h, p);
			return 0;
		}
		close(fd);
	}
	return EADDRINUSE;
}

static void on_invite(struct demo_peer *p, struct sip_flow *f, const struct sip_msg *m)
{
	struct sdp_conf sc;
	struct sdp_result res;
	struct wbuf ans;
	struct pl body = sip_msg_body(m);
	char extra[256];
	int e;

	p->st.invites++;
	if (p->st.call_up) {
		reply(p, f, m, 486, NULL, NULL, NULL, 0);
		return;
	}
	if (!sip_flow_is_tls(f) || !body.l) {
		reply(p, f, m, 488, NULL, NULL, NULL, 0);
		return;
	}
	reply(p, f, m, 100, NULL, NULL, NULL, 0);
	memset(&sc, 0, sizeof(sc));
	sc.addr = "127.0.0.1";
	sc.srtp = true;
	sc.srtp_required = true;
	memset(&res, 0, sizeof(res));
	wbuf_init(&ans, 0);
	if ((e = media_open(p)) != 0)
		goto fail;
	sc.port = p->media_port;
	if ((e = sdp_sess_alloc(&p->sdp, &sc)) != 0)
		goto fail;
	e = sdp_sess_answer(p->sdp, body.p, body.l, &ans, &res);
	if (e || !res.secure || ans.err) {
		log_warn("demo peer: offer refused: %s", e ? sdp_sess_reason(p->sdp) : "no SRTP");
		e = EPROTO;
		goto fail;
	}
	e = srtp_sess_alloc(&p->srtp, res.suite, res.tx_key, res.key_len, res.rx_key, res.key_len);
	if (e)
		goto fail;
	p->st.call_up = true;
	p->st.srtp = true;
	snprintf(p->st.suite, sizeof(p->st.suite), "%s", srtp_suite_name(res.suite));
	pl_strdup(p->callid, sizeof(p->callid), sip_msg_callid(m));
	snprintf(extra, sizeof(extra), "Contact: <sips:echo@127.0.0.1:%u;transport=tls>\r\n", (unsigned)p->port);
	reply(p, f, m, 180, extra, NULL, NULL, 0);
	reply(p, f, m, 200, extra, "application/sdp", ans.p, ans.len);
	sdp_result_wipe(&res);
	wbuf_free(&ans);
	return;
fail:
	sdp_result_wipe(&res);
	wbuf_free(&ans);
	media_stop(p);
	reply(p, f, m, e == EPROTO ? 488 : 500, NULL, NULL, NULL, 0);
}

static void recv_h(struct sip_msg *m, struct sip_flow *f, const struct sockaddr *src, socklen_t srclen,
		   void *arg)
{
	struct demo_peer *p = arg;

	(void)src;
	(void)srclen;
	if (!sip_msg_is_request(m))
		goto out;
	switch (sip_msg_method_id(m)) {
	case SIP_METHOD_REGISTER:
		on_register(p, f, m);
		break;
	case SIP_METHOD_INVITE:
		/* a re-INVITE (hold) in our one dialog: answer it the same way, keys unchanged */
		if (p->st.call_up && pl_eq_str(sip_msg_callid(m), p->callid)) {
			struct wbuf ans;
			struct sdp_result res;
			struct pl body = sip_msg_body(m);

			wbuf_init(&ans, 0);
			memset(&res, 0, sizeof(res));
			if (!sdp_sess_answer(p->sdp, body.p, body.l, &ans, &res) && !ans.err)
				reply(p, f, m, 200, NULL, "application/sdp", ans.p, ans.len);
			else
				reply(p, f, m, 488, NULL, NULL, NULL, 0);
			sdp_result_wipe(&res);
			wbuf_free(&ans);
			break;
		}
		on_invite(p, f, m);
		break;
	case SIP_METHOD_ACK:
		break;
	case SIP_METHOD_BYE:
		reply(p, f, m, 200, NULL, NULL, NULL, 0);
		if (pl_eq_str(sip_msg_callid(m), p->callid))
			media_stop(p);
		break;
	case SIP_METHOD_CANCEL:
		reply(p, f, m, 200, NULL, NULL, NULL, 0);
		break;
	case SIP_METHOD_OPTIONS:
	case SIP_METHOD_INFO:
	case SIP_METHOD_UPDATE:
		reply(p, f, m, 200, NULL, NULL, NULL, 0);
		break;
	default:
		reply(p, f, m, 501, NULL, NULL, NULL, 0);
		break;
	}
out:
	sip_msg_free(m);
}

static void lost_h(struct sip_flow *f, int err, const char *why, void *arg)
{
	(void)f;
	(void)err;
	(void)why;
	(void)arg;
}

int demo_peer_alloc(struct demo_peer **pp, struct loop *l, const char *dir, const char *user,
		    const char *password, char *err, size_t errsz)
{
	struct demo_peer *p;
	struct tls_conf tc;
	struct sip_transp_conf sc;
	struct sockaddr_in a;
	char cert[4096], key[4096];
	int e;

	if (!pp || !l || !dir || !user || !password)
		return EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return ENOMEM;
	p->l = l;
	p->rtp_fd = p->rtcp_fd = -1;
	{
		/* test controls for tests/demo.sh: prove the demo's verdict can fail */
		const char *f = getenv("SPHONE_DEMO_FAULT");

		if (f && !strcmp(f, "scramble"))
			p->fault = FAULT_SCRAMBLE;
		else if (f && !strcmp(f, "plain"))
			p->fault = FAULT_PLAIN;
	}
	snprintf(p->user, sizeof(p->user), "%s", user);
	snprintf(p->password, sizeof(p->password), "%s", password);
	if ((e = crypto_rand_token(p->nonce, 32)) || (e = crypto_rand_token(p->to_tag, 16))) {
		snprintf(err, errsz, "demo peer: no random numbers");
		goto out;
	}
	e = crypto_make_demo_certs(dir, "IP:127.0.0.1,DNS:localhost");
	if (e) {
		snprintf(err, errsz, "demo peer: cannot make certificates in %s: %s", dir, strerror(e));
		goto out;
	}
	snprintf(cert, sizeof(cert), "%s/server.pem", dir);
	snprintf(key, sizeof(key), "%s/server.key", dir);
	memset(&tc, 0, sizeof(tc));
	tc.server = true;
	tc.cert_file = cert;
	tc.key_file = key;
	e = tls_ctx_alloc(&p->tls, &tc, err, errsz);
	if (e)
		goto out;
	memset(&sc, 0, sizeof(sc));
	sc.ka_off = true;
	e = sip_transp_alloc(&p->tp, l, &sc, recv_h, lost_h, p);
	if (e) {
		snprintf(err, errsz, "demo peer: transport: %s", strerror(e));
		goto out;
	}
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	e = sip_transp_listen(p->tp, SIP_TP_TLS, (struct sockaddr *)&a, sizeof(a), p->tls, &p->port);
	if (e) {
		snprintf(err, errsz, "demo peer: cannot listen on 127.0.0.1: %s", strerror(e));
		goto out;
	}
	*pp = p;
	return 0;
out:
	demo_peer_free(p);
	return e;
}

void demo_peer_free(struct demo_peer *p)
{
	if (!p)
		return;
	media_stop(p);
	sip_transp_free(p->tp);
	tls_ctx_free(p->tls);
	crypto_wipe(p->password, sizeof(p->password));
	free(p);
}

uint16_t demo_peer_port(const struct demo_peer *p)
{
	return p ? p->port : 0;
}

void demo_peer_stats(const struct demo_peer *p, struct demo_peer_stats *st)
{
	if (p && st)
		*st = p->st;
}
