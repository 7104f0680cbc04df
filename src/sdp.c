/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sdp.c: bounded SDP parser/printer and RFC 3264 offer/answer for one audio stream with SDES keys. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "crypto.h"
#include "sdp.h"

/* ---------------------------------------------------------------- parsing */

static int num(struct pl s, uint32_t max, uint32_t *v)
{
	uint32_t n;

	if (s.l > 10 || pl_to_u32(s, &n) != 0 || n > max)
		return EBADMSG;
	*v = n;
	return 0;
}

/* RFC 4566 text never holds NUL, CR or LF; other controls (but tab) have no business in SDP either */
static bool has_ctl(struct pl line)
{
	for (size_t i = 0; i < line.l; i++) {
		unsigned char c = (unsigned char)line.p[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return true;
	}
	return false;
}

static bool host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
	       c == '-';
}

/* "IN IP4 <addr>[/ttl...]" (nettype, addrtype, address as in c= and a=rtcp). */
static int parse_conn(struct pl rest, char *addr, int *af)
{
	struct pl nt = pl_token(&rest), at = pl_token(&rest), a = pl_token(&rest);
	char buf[SDP_ADDR_MAX];
	unsigned char bin[16];
	long slash;
	int fam;

	if (!pl_eq_str(nt, "IN") || rest.l != 0 || a.l == 0)
		return EBADMSG;
	if (pl_eq_str(at, "IP4"))
		fam = AF_INET;
	else if (pl_eq_str(at, "IP6"))
		fam = AF_INET6;
	else
		return EBADMSG;
	slash = pl_chr(a, '/');
	if (slash >= 0)
		a.l = (size_t)slash;
	if (a.l == 0 || pl_strdup(buf, sizeof(buf), a) != 0)
		return EBADMSG;
	if (inet_pton(fam, buf, bin) == 1) {
		*af = fam;
	} else {
		for (size_t i = 0; i < a.l; i++)
			if (!host_char(a.p[i]))
				return EBADMSG;
		*af = 0; /* a host name (RFC 4566 allows an FQDN) */
	}
	memcpy(addr, buf, a.l + 1);
	return 0;
}

static int parse_origin(struct sdp_desc *d, struct pl rest)
{
	struct pl user = pl_token(&rest), id = pl_token(&rest), ver = pl_token(&rest);
	char addr[SDP_ADDR_MAX];
	int af;

	if (user.l == 0 || pl_to_u64(id, 19, &d->sess_id) != 0 || pl_to_u64(ver, 19, &d->sess_ver) != 0 ||
	    parse_conn(rest, addr, &af) != 0)
		return EBADMSG;
	if (pl_strdup(d->o_user, sizeof(d->o_user), user) != 0)
		d->o_user[0] = '\0'; /* only informative */
	return 0;
}

static struct sdp_fmt *find_fmt(struct sdp_media *m, uint32_t pt)
{
	for (size_t i = 0; i < m->n_fmt; i++)
		if (m->fmts[i].pt == pt)
			return &m->fmts[i];
	return NULL;
}

static int parse_mline(struct sdp_media *m, struct pl rest)
{
	struct pl type = pl_token(&rest), port = pl_token(&rest), proto = pl_token(&rest), fmts = pl_trim(rest);
	uint32_t v;
	long slash;

	if (type.l == 0 || pl_strdup(m->type, sizeof(m->type), type) != 0)
		return EBADMSG;
	slash = pl_chr(port, '/');
	if (slash >= 0)
		port.l = (size_t)slash; /* port/number-of-ports: we use the first */
	if (num(port, 65535, &v) != 0)
		return EBADMSG;
	m->port = (uint16_t)v;
	if (proto.l == 0 || pl_strdup(m->proto_text, sizeof(m->proto_text), proto) != 0)
		return EBADMSG;
	if (pl_eq_str(proto, "RTP/AVP"))
		m->proto = SDP_PROTO_AVP;
	else if (pl_eq_str(proto, "RTP/SAVP"))
		m->proto = SDP_PROTO_SAVP;
	else
		m->proto = SDP_PROTO_OTHER;
	m->rtp = strstr(m->proto_text, "RTP/") != NULL;
	if (fmts.l == 0)
		return EBADMSG;
	if (pl_strdup(m->fmt_text, sizeof(m->fmt_text), fmts) != 0)
		return E2BIG;
	if (!m->rtp)
		return 0;
	while (fmts.l) {
		struct pl f = pl_token(&fmts);
		if (m->n_fmt == SDP_MAX_FMT)
			return E2BIG;
		if (num(f, 127, &v) != 0 || find_fmt(m, v))
			return EBADMSG; /* a payload type may appear once */
		m->fmts[m->n_fmt++].pt = (uint8_t)v;
	}
	return 0;
}

/* "<pt> <name>/<rate>[/<channels>]" */
static int attr_rtpmap(struct sdp_media *m, struct pl v)
{
	struct pl pt = pl_token(&v), enc = pl_token(&v), name, rate, ch = PL_NULL;
	uint32_t n, r, c = 0;
	struct sdp_fmt *f;
	long s1, s2;

	if (num(pt, 127, &n) != 0 || enc.l == 0 || v.l != 0)
		return EBADMSG;
	s1 = pl_chr(enc, '/');
	if (s1 <= 0)
		return EBADMSG;
	name = pl_sub(enc, 0, (size_t)s1);
	rate = pl_sub(enc, (size_t)s1 + 1, enc.l - (size_t)s1 - 1);
	s2 = pl_chr(rate, '/');
	if (s2 >= 0) {
		ch = pl_sub(rate, (size_t)s2 + 1, rate.l - (size_t)s2 - 1);
		rate.l = (size_t)s2;
		if (num(ch, 255, &c) != 0)
			return EBADMSG;
	}
	if (num(rate, UINT32_MAX, &r) != 0)
		return EBADMSG;
	f = find_fmt(m, n);
	if (!f)
		return 0; /* describes a format not on the m-line: nothing to do */
	if (pl_strdup(f->name, sizeof(f->name), name) != 0)
		return EBADMSG;
	f->rtpmap = true;
	f->rate = r;
	f->channels = c;
	return 0;
}

static int attr_fmtp(struct sdp_media *m, struct pl v)
{
	struct pl pt = pl_token(&v);
	struct sdp_fmt *f;
	uint32_t n;
	size_t l;

	if (num(pt, 127, &n) != 0)
		return EBADMSG;
	f = find_fmt(m, n);
	if (!f)
		return 0;
	v = pl_trim(v);
	l = v.l < sizeof(f->fmtp) - 1 ? v.l : sizeof(f->fmtp) - 1;
	memcpy(f->fmtp, v.p, l);
	f->fmtp[l] = '\0';
	return 0;
}

static int attr_rtcp(struct sdp_media *m, struct pl v)
{
	struct pl port = pl_token(&v);
	uint32_t n;
	int af;

	if (num(port, 65535, &n) != 0 || n == 0)
		return EBADMSG;
	if (v.l && parse_conn(v, m->rtcp_addr, &af) != 0)
		return EBADMSG;
	m->rtcp_port = (uint16_t)n;
	return 0;
}

static int attr_dir(struct pl name, enum sdp_dir *dir)
{
	if (pl_eq_str(name, "sendrecv"))
		*dir = SDP_SENDRECV;
	else if (pl_eq_str(name, "sendonly"))
		*dir = SDP_SENDONLY;
	else if (pl_eq_str(name, "recvonly"))
		*dir = SDP_RECVONLY;
	else if (pl_eq_str(name, "inactive"))
		*dir = SDP_INACTIVE;
	else
		return ENOENT;
	return 0;
}

/*
 * a=zrtp-hash:<version> <hash>: kept as it came for call_media.c to parse strictly. A peer may
 * give one per ZRTP version it speaks (RFC 6189 8.1): 1.10 is the one bzrtp speaks.
 */
static int attr_zrtp_hash(char *dst, bool *too_long, struct pl v)
{
	static const char ours[] = "1.10 ";

	if (v.l >= SDP_ZRTP_HASH_MAX) {
		if (too_long)
			*too_long = true;
		return 0;
	}
	if (dst[0] && (!strncmp(dst, ours, sizeof(ours) - 1) || v.l < sizeof(ours) - 1 ||
		       memcmp(v.p, ours, sizeof(ours) - 1)))
		return 0;
	memcpy(dst, v.p, v.l);
	dst[v.l] = '\0';
	return 0;
}

struct parse_state {
	bool m_dir_set[SDP_MAX_MEDIA];
	bool m_c_set[SDP_MAX_MEDIA];
	size_t n_crypto_lines;
};

static int parse_attr(struct sdp_desc *d, struct sdp_media *m, struct parse_state *ps, struct pl line)
{
	long colon = pl_chr(line, ':');
	struct pl name = colon < 0 ? line : pl_sub(line, 0, (size_t)colon);
	struct pl v = colon < 0 ? PL_NULL : pl_sub(line, (size_t)colon + 1, line.l - (size_t)colon - 1);
	enum sdp_dir dir;
	uint32_t n;

	if (colon < 0 && attr_dir(name, &dir) == 0) {
		if (m) {
			m->dir = dir;
			ps->m_dir_set[d->n_media - 1] = true;
		} else {
			d->dir = dir;
		}
		return 0;
	}
	if (colon >= 0 && pl_eq_str(name, "zrtp-hash"))
		return attr_zrtp_hash(m ? m->zrtp_hash : d->zrtp_hash, m ? &m->zrtp_hash_long : NULL, pl_trim(v));
	if (!m)
		return 0; /* other session-level attributes do not concern us */
	v = pl_trim(v);
	if (colon >= 0 && pl_eq_str(name, "rtpmap"))
		return m->rtp ? attr_rtpmap(m, v) : 0;
	if (colon >= 0 && pl_eq_str(name, "fmtp"))
		return m->rtp ? attr_fmtp(m, v) : 0;
	if (colon >= 0 && (pl_eq_str(name, "ptime") || pl_eq_str(name, "maxptime"))) {
		if (num(v, 100000, &n) != 0)
			return EBADMSG;
		if (name.l == 5)
			m->ptime = n;
		else
			m->maxptime = n;
		return 0;
	}
	if (colon >= 0 && pl_eq_str(name, "rtcp"))
		return attr_rtcp(m, v);
	if (colon < 0 && pl_eq_str(name, "rtcp-mux")) {
		m->rtcp_mux = true;
		return 0;
	}
	if (colon >= 0 && pl_eq_str(name, "crypto")) {
		const char *why;
		int err;

		if (++ps->n_crypto_lines > SDP_MAX_CRYPTO * SDP_MAX_MEDIA || m->n_crypto == SDP_MAX_CRYPTO)
			return E2BIG;
		err = sdp_crypto_decode(&m->crypto[m->n_crypto], v, &why);
		if (err == 0) {
			m->n_crypto++;
		} else {
			if (!m->n_crypto_bad)
				m->crypto_reason = why;
			m->n_crypto_bad++;
		}
		return 0;
	}
	return 0; /* unknown attribute: skipped */
}

int sdp_decode(struct sdp_desc **dp, const char *buf, size_t len)
{
	struct sdp_desc *d = NULL;
	struct parse_state ps;
	struct sdp_media *m = NULL;
	size_t pos = 0, nlines = 0;
	bool seen_v = false, seen_o = false;
	int err = 0;

	if (!dp || (!buf && len))
		return EINVAL;
	if (len > SDP_MAX_SIZE)
		return E2BIG;
	d = calloc(1, sizeof(*d));
	if (!d)
		return ENOMEM;
	memset(&ps, 0, sizeof(ps));
	d->dir = SDP_SENDRECV;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		struct pl line = { buf + pos, end - pos }, v;

		pos = nl ? end + 1 : len;
		if (line.l && line.p[line.l - 1] == '\r')
			line.l--;
		if (line.l == 0)
			continue;
		if (++nlines > SDP_MAX_LINES) {
			err = E2BIG;
			goto out;
		}
		if (line.l < 2 || line.p[1] != '=' || has_ctl(line)) {
			err = EBADMSG;
			goto out;
		}
		v = pl_sub(line, 2, line.l - 2);
		if (!seen_v) {
			if (line.p[0] != 'v' || !pl_eq_str(v, "0")) {
				err = EBADMSG;
				goto out;
			}
			seen_v = true;
			continue;
		}
		switch (line.p[0]) {
		case 'o':
			if (seen_o || m) {
				err = EBADMSG;
				goto out;
			}
			err = parse_origin(d, v);
			seen_o = true;
			break;
		case 'c': {
			int af;
			if (m) {
				err = parse_conn(v, m->addr, &af);
				m->af = af;
				ps.m_c_set[d->n_media - 1] = true;
			} else {
				err = parse_conn(v, d->addr, &af);
			}
			break;
		}
		case 'm':
			if (d->n_media == SDP_MAX_MEDIA) {
				err = E2BIG;
				goto out;
			}
			m = &d->media[d->n_media++];
			err = parse_mline(m, v);
			break;
		case 'a':
			err = parse_attr(d, m, &ps, v);
			break;
		default:
			break; /* s= t= b= i= u= e= p= k= z= r= and unknown lines: not needed */
		}
		if (err)
			goto out;
	}
	if (!seen_v || !seen_o) {
		err = EBADMSG;
		goto out;
	}
	for (size_t i = 0; i < d->n_media; i++) {
		struct sdp_media *mm = &d->media[i];
		if (!ps.m_dir_set[i])
			mm->dir = d->dir;
		if (!mm->zrtp_hash[0] && !mm->zrtp_hash_long)
			memcpy(mm->zrtp_hash, d->zrtp_hash, sizeof(mm->zrtp_hash));
		if (!ps.m_c_set[i] && d->addr[0]) {
			unsigned char bin[16];
			memcpy(mm->addr, d->addr, sizeof(mm->addr));
			mm->af = inet_pton(AF_INET, d->addr, bin) == 1   ? AF_INET
				 : inet_pton(AF_INET6, d->addr, bin) == 1 ? AF_INET6
									   : 0;
		}
	}
	*dp = d;
	d = NULL;
out:
	sdp_desc_free(d);
	return err;
}

void sdp_desc_free(struct sdp_desc *d)
{
	if (!d)
		return;
	crypto_wipe(d, sizeof(*d));
	free(d);
}

bool sdp_has_keys(const char *body, size_t len)
{
	size_t pos = 0;

	if (!body)
		return false;
	while (pos < len) {
		const char *nl = memchr(body + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - body) : len;
		struct pl line = { body + pos, end - pos };

		pos = nl ? end + 1 : len;
		if (line.l >= 9 && memcmp(line.p, "a=crypto:", 9) == 0) {
			for (size_t i = 9; i + 7 <= line.l; i++)
				if (pl_eq_case(pl_sub(line, i, 7), "inline:"))
					return true;
		}
	}
	return false;
}

/* ----------------------------------------------------------- offer/answer */

struct sdp_sess {
	struct sdp_conf conf;
	char addr[SDP_ADDR_MAX];
	enum sdp_dir dir;
	struct sdp_crypto keys[SRTP_SUITE_COUNT]; /* one per conf.suites[i], tag i + 1 */
	int sending; /* keys[] index our last negotiated result sends with, -1 for none (or plain) */
	uint64_t sess_id, sess_ver;
	struct wbuf last; /* body after the o= line of the last SDP we produced */
	bool have_last;
	bool offer_pending;
	enum sdp_proto offered_proto;
	enum sdp_dir offered_dir;
	bool have_remote;
	uint64_t r_id, r_ver;
	bool srtp_locked; /* an exchange negotiated SRTP: from then on every one must (no downgrade) */
	char zrtp_hash[SDP_ZRTP_HASH_MAX]; /* ours, "" for none */
	char rtcp_addr[SDP_ADDR_MAX];       /* a=rtcp (RFC 3605) in our SDP; port 0: none */
	uint16_t rtcp_port;
	char reason[200];
};

static const char downgrade[] = "plain RTP refused: this call's media is encrypted and stays so";

static const enum srtp_suite_id default_suites[] = {
	SRTP_SUITE_AEAD_AES_256_GCM,
	SRTP_SUITE_AES_256_CM_HMAC_SHA1_80,
	SRTP_SUITE_AEAD_AES_128_GCM,
	SRTP_SUITE_AES_CM_128_HMAC_SHA1_80,
	SRTP_SUITE_AES_256_CM_HMAC_SHA1_32,
	SRTP_SUITE_AES_CM_128_HMAC_SHA1_32,
};

static const char *const codec_names[128] = { [0] = "PCMU", [8] = "PCMA" };

static enum sdp_dir dir_swap(enum sdp_dir d)
{
	return (enum sdp_dir)(((d & SDP_SENDONLY) << 1) | ((d & SDP_RECVONLY) >> 1));
}

static const char *dir_name(enum sdp_dir d)
{
	switch (d) {
	case SDP_SENDONLY:
		return "sendonly";
	case SDP_RECVONLY:
		return "recvonly";
	case SDP_INACTIVE:
		return "inactive";
	default:
		return "sendrecv";
	}
}

/* the detail for a description over the limits in sdp.h (E2BIG) */
static const char too_big[] = "more than sphone takes (16 m-lines, 32 formats or 12 a=crypto lines per m-line, "
			      "1024 lines, 64 KiB)";

/* reason = msg, or "msg: detail" */
static void set_reason(struct sdp_sess *s, const char *msg, const char *detail)
{
	snprintf(s->reason, sizeof(s->reason), "%s%s%s", msg, detail ? ": " : "", detail ? detail : "");
}

void sdp_result_wipe(struct sdp_result *r)
{
	if (r)
		crypto_wipe(r, sizeof(*r));
}

static int addr_family(const char *addr)
{
	unsigned char bin[16];

	if (inet_pton(AF_INET, addr, bin) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, addr, bin) == 1)
		return AF_INET6;
	return 0;
}

int sdp_sess_rekey(struct sdp_sess *s)
{
	int err = 0;

	if (!s)
		return EINVAL;
	for (size_t i = 0; i < s->conf.n_suites && !err; i++)
		err = sdp_crypto_generate(&s->keys[i], (uint32_t)i + 1, s->conf.suites[i]);
	s->sending = -1;
	return err;
}

/*
 * A negotiated result sends with keys[k] (k -1: no key, plaintext). A key is
 * sent with for as long as results keep choosing it, its SRTP context going
 * on (same ROC, same SRTCP index). Once a result chooses another key or
 * plaintext, the one sent with before is retired: a fresh random key takes
 * its place for its suite, so that a later switch back to that suite never
 * brings the old key back with a new context whose index starts at 0 again
 * (RFC 3711 9.2). The stream refuses such a key anyway (srtp_sess_rekey).
 */
static int key_in_use(struct sdp_sess *s, int k)
{
	int err = 0;

	if (s->sending >= 0 && s->sending != k)
		err = sdp_crypto_generate(&s->keys[s->sending], (uint32_t)s->sending + 1, s->conf.suites[s->sending]);
	if (err) {
		set_reason(s, "cannot make a new SRTP key (random generator)", NULL);
		return err;
	}
	s->sending = k;
	return 0;
}

int sdp_sess_set_media(struct sdp_sess *s, const char *addr, uint16_t port)
{
	if (!s || !addr || addr_family(addr) == 0 || strlen(addr) >= sizeof(s->addr))
		return EINVAL;
	strcpy(s->addr, addr);
	s->conf.addr = s->addr;
	s->conf.port = port;
	return 0;
}

int sdp_sess_set_rtcp(struct sdp_sess *s, const char *addr, uint16_t port)
{
	if (!s || (port && (!addr || addr_family(addr) == 0 || strlen(addr) >= sizeof(s->rtcp_addr))))
		return EINVAL;
	snprintf(s->rtcp_addr, sizeof(s->rtcp_addr), "%s", port ? addr : "");
	s->rtcp_port = port;
	return 0;
}

int sdp_sess_alloc(struct sdp_sess **sp, const struct sdp_conf *conf)
{
	struct sdp_sess *s;
	uint64_t id;
	int err;

	if (!sp || !conf || !conf->addr || (conf->srtp_required && !conf->srtp && !conf->zrtp) ||
	    conf->n_suites > SRTP_SUITE_COUNT || conf->n_codecs > 2)
		return EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ENOMEM;
	s->conf = *conf;
	wbuf_init(&s->last, 0);
	err = sdp_sess_set_media(s, conf->addr, conf->port);
	if (err)
		goto out;
	if (s->conf.n_codecs == 0) {
		s->conf.codecs[0] = 0;
		s->conf.codecs[1] = 8;
		s->conf.n_codecs = 2;
	}
	for (size_t i = 0; i < s->conf.n_codecs; i++) {
		if (s->conf.codecs[i] != 0 && s->conf.codecs[i] != 8) {
			err = EINVAL;
			goto out;
		}
	}
	if (s->conf.dtmf_pt == 0)
		s->conf.dtmf_pt = 101;
	if (s->conf.dtmf_pt < 96 || s->conf.dtmf_pt > 127) {
		err = EINVAL;
		goto out;
	}
	if (s->conf.ptime == 0)
		s->conf.ptime = 20;
	if (s->conf.n_suites == 0) {
		for (size_t i = 0; i < sizeof(default_suites) / sizeof(default_suites[0]); i++)
			if (srtp_suite_supported(default_suites[i]))
				s->conf.suites[s->conf.n_suites++] = default_suites[i];
	}
	for (size_t i = 0; i < s->conf.n_suites; i++) {
		if (!srtp_suite_name(s->conf.suites[i])) {
			err = EINVAL;
			goto out;
		}
	}
	if (s->conf.srtp && s->conf.n_suites == 0) {
		err = EINVAL;
		goto out;
	}
	s->dir = SDP_SENDRECV;
	err = sdp_sess_rekey(s);
	if (err)
		goto out;
	/* NTP-like positive 63-bit session id, random so sessions can't be linked */
	err = crypto_rand(&id, sizeof(id));
	if (err)
		goto out;
	s->sess_id = (id >> 2) + 1;
	s->sess_ver = 1;
	*sp = s;
	s = NULL;
out:
	sdp_sess_free(s);
	return err;
}

void sdp_sess_free(struct sdp_sess *s)
{
	if (!s)
		return;
	wbuf_free(&s->last);
	crypto_wipe(s, sizeof(*s));
	free(s);
}

void sdp_sess_set_dir(struct sdp_sess *s, enum sdp_dir dir)
{
	if (s)
		s->dir = (enum sdp_dir)(dir & SDP_SENDRECV);
}

int sdp_sess_set_zrtp_hash(struct sdp_sess *s, const char *val)
{
	if (!s)
		return EINVAL;
	if (!val)
		val = "";
	if (strlen(val) >= sizeof(s->zrtp_hash) || strpbrk(val, "\r\n"))
		return EINVAL;
	strcpy(s->zrtp_hash, val);
	return 0;
}

const char *sdp_sess_reason(const struct sdp_sess *s)
{
	return s ? s->reason : "";
}

/* Writes "v=0", "o=" (version bumped if body differs from the last one) and body to w. */
static int emit(struct sdp_sess *s, struct wbuf *w, const struct wbuf *body)
{
	const char *ip = addr_family(s->addr) == AF_INET6 ? "IP6" : "IP4";
	int err;

	if (body->err)
		return body->err;
	if (!s->have_last || s->last.len != body->len || memcmp(s->last.p, body->p, body->len) != 0) {
		if (s->have_last)
			s->sess_ver++;
		wbuf_reset(&s->last);
		if ((err = wbuf_put(&s->last, body->p, body->len)) != 0)
			return err;
		s->have_last = true;
	}
	wbuf_printf(w, "v=0\r\no=sphone %llu %llu IN %s %s\r\n", (unsigned long long)s->sess_id,
		    (unsigned long long)s->sess_ver, ip, s->addr);
	wbuf_put(w, body->p, body->len);
	return w->err;
}

static void put_session_head(struct sdp_sess *s, struct wbuf *b)
{
	const char *ip = addr_family(s->addr) == AF_INET6 ? "IP6" : "IP4";
	wbuf_printf(b, "s=sphone\r\nc=IN %s %s\r\nt=0 0\r\n", ip, s->addr);
}

/*
 * A result without SDES keys: the media goes in clear (warn loudly) unless ZRTP is to give keys
 * and SRTP is required, in which case nothing is sent until it has (stream.h hold).
 */
static bool plain_warns(const struct sdp_sess *s)
{
	return (s->conf.srtp || s->conf.zrtp) && !(s->conf.zrtp && s->conf.srtp_required);
}

/* RFC 3605: where our RTCP is when it is not at the RTP address and the next port (a NAT's mapping). */
static void put_rtcp(const struct sdp_sess *s, struct wbuf *b)
{
	if (s->rtcp_port)
		wbuf_printf(b, "a=rtcp:%u IN %s %s\r\n", (unsigned)s->rtcp_port,
			    addr_family(s->rtcp_addr) == AF_INET6 ? "IP6" : "IP4", s->rtcp_addr);
}

static void put_zrtp_hash(const struct sdp_sess *s, struct wbuf *b)
{
	if (s->conf.zrtp && s->zrtp_hash[0])
		wbuf_printf(b, "a=zrtp-hash:%s\r\n", s->zrtp_hash);
}

int sdp_sess_offer(struct sdp_sess *s, struct wbuf *w)
{
	struct wbuf b;
	enum sdp_proto proto;
	int err;

	if (!s || !w)
		return EINVAL;
	/* with ZRTP alone the keys come on the media path: RTP/AVP (RFC 6189 8.1), also when required */
	proto = s->conf.srtp_required && s->conf.srtp ? SDP_PROTO_SAVP : SDP_PROTO_AVP;
	wbuf_init(&b, SDP_MAX_SIZE);
	put_session_head(s, &b);
	wbuf_printf(&b, "m=audio %u %s", (unsigned)s->conf.port,
		    proto == SDP_PROTO_SAVP ? "RTP/SAVP" : "RTP/AVP");
	for (size_t i = 0; i < s->conf.n_codecs; i++)
		wbuf_printf(&b, " %u", (unsigned)s->conf.codecs[i]);
	wbuf_printf(&b, " %u\r\n", (unsigned)s->conf.dtmf_pt);
	for (size_t i = 0; i < s->conf.n_codecs; i++)
		wbuf_printf(&b, "a=rtpmap:%u %s/8000\r\n", (unsigned)s->conf.codecs[i],
			    codec_names[s->conf.codecs[i]]);
	wbuf_printf(&b, "a=rtpmap:%u telephone-event/8000\r\na=fmtp:%u 0-16\r\n", (unsigned)s->conf.dtmf_pt,
		    (unsigned)s->conf.dtmf_pt);
	wbuf_printf(&b, "a=ptime:%u\r\na=%s\r\n", (unsigned)s->conf.ptime, dir_name(s->dir));
	put_rtcp(s, &b);
	if (s->conf.srtp)
		for (size_t i = 0; i < s->conf.n_suites; i++)
			sdp_crypto_print(&b, &s->keys[i]);
	put_zrtp_hash(s, &b);
	err = emit(s, w, &b);
	wbuf_free(&b);
	if (err)
		return err;
	s->offer_pending = true;
	s->offered_proto = proto;
	s->offered_dir = s->dir;
	s->reason[0] = '\0';
	return 0;
}

/* Which of our codecs (0 PCMU / 8 PCMA) a format of the peer is, or -1. */
static int fmt_codec(const struct sdp_fmt *f)
{
	if (f->rtpmap) {
		if ((f->channels > 1) || f->rate != 8000)
			return -1;
		if (strcasecmp(f->name, "PCMU") == 0)
			return 0;
		if (strcasecmp(f->name, "PCMA") == 0)
			return 8;
		return -1;
	}
	return f->pt == 0 || f->pt == 8 ? f->pt : -1;
}

static bool fmt_is_dtmf(const struct sdp_fmt *f)
{
	return f->rtpmap && strcasecmp(f->name, "telephone-event") == 0 && f->rate == 8000;
}

static bool our_codec(const struct sdp_sess *s, int c)
{
	for (size_t i = 0; i < s->conf.n_codecs; i++)
		if (s->conf.codecs[i] == c)
			return true;
	return false;
}

static int suite_index(const struct sdp_sess *s, enum srtp_suite_id id)
{
	for (size_t i = 0; i < s->conf.n_suites; i++)
		if (s->conf.suites[i] == id)
			return (int)i;
	return -1;
}

/* Packet time to send with: the peer's a=ptime (10..60 ms, multiple of 10) else ours, capped by maxptime. */
static uint32_t pick_ptime(const struct sdp_sess *s, const struct sdp_media *m)
{
	uint32_t p = s->conf.ptime;

	if (m->ptime >= 10 && m->ptime <= 60 && m->ptime % 10 == 0)
		p = m->ptime;
	if (m->maxptime && p > m->maxptime)
		p = m->maxptime >= 10 ? m->maxptime / 10 * 10 : 10;
	if (p > 60)
		p = 60;
	return p;
}

static void fill_addr(struct sdp_result *r, const struct sdp_media *m)
{
	memcpy(r->raddr, m->addr, sizeof(r->raddr));
	r->raf = m->af;
	r->rport = m->port;
	memcpy(r->rtcp_addr, m->rtcp_addr[0] ? m->rtcp_addr : m->addr, sizeof(r->rtcp_addr));
	/* we never accept rtcp-mux (not offered, not answered), so RTCP is separate */
	r->rtcp_port = m->rtcp_port ? m->rtcp_port : (uint16_t)(m->port + 1u);
}

/* The peer's direction as it really is: old-style hold (c=0.0.0.0) means it receives nothing. */
static enum sdp_dir peer_dir(const struct sdp_media *m)
{
	if (strcmp(m->addr, "0.0.0.0") == 0)
		return (enum sdp_dir)(m->dir & SDP_SENDONLY);
	return m->dir;
}

static void note_remote(struct sdp_sess *s, const struct sdp_desc *d, struct sdp_result *r)
{
	r->remote_unchanged = s->have_remote && s->r_id == d->sess_id && s->r_ver == d->sess_ver;
	s->have_remote = true;
	s->r_id = d->sess_id;
	s->r_ver = d->sess_ver;
}

/*
 * Whether we can take offered m-line m. On success fills codec choice into
 * r (pt, codec, dtmf) and the offered crypto line to use (*ci, -1 for plain).
 */
static int eval_offer_media(struct sdp_sess *s, const struct sdp_media *m, struct sdp_result *r, int *ci,
			    uint8_t *pts, uint8_t *cods, size_t *n_pts)
{
	size_t n = 0;

	if (strcasecmp(m->type, "audio") != 0 || m->port == 0) {
		set_reason(s, "not an active audio stream", NULL);
		return EPROTO;
	}
	if (m->proto != SDP_PROTO_AVP && m->proto != SDP_PROTO_SAVP) {
		set_reason(s, "unsupported media profile (RTP/AVP or RTP/SAVP only)", m->proto_text);
		return EPROTO;
	}
	if (!m->addr[0]) {
		set_reason(s, "no connection address for the audio stream", NULL);
		return EPROTO;
	}
	if (s->conf.answer_our_order) {
		for (size_t k = 0; k < s->conf.n_codecs; k++)
			for (size_t i = 0; i < m->n_fmt; i++)
				if (fmt_codec(&m->fmts[i]) == s->conf.codecs[k]) {
					cods[n] = s->conf.codecs[k];
					pts[n++] = m->fmts[i].pt;
					break;
				}
	} else {
		bool taken[9] = { false };

		for (size_t i = 0; i < m->n_fmt && n < 2; i++) {
			int c = fmt_codec(&m->fmts[i]);
			if (c >= 0 && our_codec(s, c) && !taken[c]) {
				taken[c] = true;
				cods[n] = (uint8_t)c;
				pts[n++] = m->fmts[i].pt;
			}
		}
	}
	if (n == 0) {
		set_reason(s, "no common codec (we support PCMU and PCMA)", NULL);
		return EPROTO;
	}
	*n_pts = n;
	r->pt = pts[0];
	strcpy(r->codec, codec_names[cods[0]]);
	r->dtmf_pt = -1;
	for (size_t i = 0; i < m->n_fmt; i++)
		if (fmt_is_dtmf(&m->fmts[i])) {
			r->dtmf_pt = m->fmts[i].pt;
			break;
		}
	*ci = -1;
	if (s->conf.srtp)
		for (size_t i = 0; i < m->n_crypto && *ci < 0; i++)
			if (suite_index(s, m->crypto[i].suite) >= 0)
				*ci = (int)i;
	if (*ci < 0) {
		const char *why = m->n_crypto ? "offered suites are not in our srtp_suites"
				  : m->n_crypto_bad ? m->crypto_reason
						    : "no a=crypto line";
		if (m->proto == SDP_PROTO_SAVP && !s->conf.srtp) {
			set_reason(s, s->conf.zrtp ? "peer requires SRTP with SDES keys (RTP/SAVP) but media_encryption "
						     "is zrtp (keys from ZRTP only)"
						   : "peer requires SRTP but media encryption is off",
				   NULL);
			return EPROTO;
		}
		if (m->proto == SDP_PROTO_SAVP || (s->conf.srtp_required && !s->conf.zrtp)) {
			set_reason(s, "peer offered no SRTP crypto we accept", why);
			return EPROTO;
		}
		if (s->srtp_locked) {
			set_reason(s, downgrade, why);
			return EPERM;
		}
	}
	return 0;
}

int sdp_sess_answer(struct sdp_sess *s, const char *offer, size_t len, struct wbuf *w, struct sdp_result *res)
{
	struct sdp_desc *d = NULL;
	struct sdp_result r;
	struct wbuf b;
	int chosen = -1, ci = -1, err, first_err = EPROTO;
	uint8_t pts[2], cods[2];
	size_t n_pts = 0;
	char first_reason[sizeof(s->reason)] = "";

	if (!s || !w || !res)
		return EINVAL;
	memset(&r, 0, sizeof(r));
	wbuf_init(&b, SDP_MAX_SIZE);
	err = sdp_decode(&d, offer, len);
	if (err) {
		set_reason(s, "malformed SDP offer", err == E2BIG ? too_big : NULL);
		goto out;
	}
	for (size_t i = 0; i < d->n_media && chosen < 0; i++) {
		int e = eval_offer_media(s, &d->media[i], &r, &ci, pts, cods, &n_pts);

		if (e == 0) {
			chosen = (int)i;
		} else if (!first_reason[0] && strcasecmp(d->media[i].type, "audio") == 0) {
			memcpy(first_reason, s->reason, sizeof(first_reason));
			first_err = e;
		}
	}
	if (chosen < 0) {
		if (first_reason[0])
			memcpy(s->reason, first_reason, sizeof(s->reason));
		else
			set_reason(s, "no audio stream offered", NULL);
		err = first_reason[0] ? first_err : EPROTO;
		goto out;
	}
	{
		const struct sdp_media *m = &d->media[chosen];
		enum sdp_dir pdir = peer_dir(m);

		r.proto = m->proto;
		r.dir = (enum sdp_dir)(s->dir & dir_swap(pdir));
		r.remote_hold = !(pdir & SDP_RECVONLY);
		r.ptime = pick_ptime(s, m);
		fill_addr(&r, m);
		if ((err = key_in_use(s, ci >= 0 ? suite_index(s, m->crypto[ci].suite) : -1)) != 0)
			goto out;
		if (ci >= 0) {
			const struct sdp_crypto *pc = &m->crypto[ci];
			const struct sdp_crypto *our = &s->keys[suite_index(s, pc->suite)];

			r.secure = true;
			r.suite = pc->suite;
			r.tag = pc->tag;
			r.key_len = pc->key_len;
			memcpy(r.rx_key, pc->key, pc->key_len);
			memcpy(r.tx_key, our->key, our->key_len);
			r.rx_lifetime = pc->lifetime;
		} else {
			r.plain_warning = plain_warns(s);
		}
		r.zrtp = s->conf.zrtp;
		memcpy(r.zrtp_hash, m->zrtp_hash, sizeof(r.zrtp_hash));
		put_session_head(s, &b);
		for (size_t i = 0; i < d->n_media; i++) {
			const struct sdp_media *mm = &d->media[i];
			if ((int)i != chosen) {
				wbuf_printf(&b, "m=%s 0 %s %s\r\n", mm->type, mm->proto_text, mm->fmt_text);
				continue;
			}
			wbuf_printf(&b, "m=audio %u %s", (unsigned)s->conf.port, mm->proto_text);
			for (size_t k = 0; k < n_pts; k++)
				wbuf_printf(&b, " %u", (unsigned)pts[k]);
			if (r.dtmf_pt >= 0)
				wbuf_printf(&b, " %d", r.dtmf_pt);
			wbuf_str(&b, "\r\n");
			for (size_t k = 0; k < n_pts; k++)
				wbuf_printf(&b, "a=rtpmap:%u %s/8000\r\n", (unsigned)pts[k], codec_names[cods[k]]);
			if (r.dtmf_pt >= 0)
				wbuf_printf(&b, "a=rtpmap:%d telephone-event/8000\r\na=fmtp:%d 0-16\r\n", r.dtmf_pt,
					    r.dtmf_pt);
			wbuf_printf(&b, "a=ptime:%u\r\na=%s\r\n", (unsigned)s->conf.ptime, dir_name(r.dir));
			put_rtcp(s, &b);
			if (ci >= 0) {
				struct sdp_crypto c = s->keys[suite_index(s, r.suite)];
				c.tag = r.tag;
				sdp_crypto_print(&b, &c);
				sdp_crypto_wipe(&c);
			}
			put_zrtp_hash(s, &b);
		}
	}
	err = emit(s, w, &b);
	if (err)
		goto out;
	note_remote(s, d, &r);
	s->offer_pending = false;
	s->srtp_locked |= r.secure;
	s->reason[0] = '\0';
	*res = r;
out:
	sdp_result_wipe(&r);
	wbuf_free(&b);
	sdp_desc_free(d);
	return err;
}

int sdp_sess_apply_answer(struct sdp_sess *s, const char *answer, size_t len, struct sdp_result *res)
{
	struct sdp_desc *d = NULL;
	const struct sdp_media *m;
	struct sdp_result r;
	enum sdp_dir pdir;
	int err;

	if (!s || !res)
		return EINVAL;
	if (!s->offer_pending) {
		set_reason(s, "no offer pending", NULL);
		return EINVAL;
	}
	memset(&r, 0, sizeof(r));
	err = sdp_decode(&d, answer, len);
	if (err) {
		set_reason(s, "malformed SDP answer", err == E2BIG ? too_big : NULL);
		goto out;
	}
	err = EPROTO;
	if (d->n_media != 1) {
		set_reason(s, "answer does not have exactly the one m-line we offered", NULL);
		goto out;
	}
	m = &d->media[0];
	if (strcasecmp(m->type, "audio") != 0 || m->port == 0) {
		set_reason(s, "peer rejected the audio stream", NULL);
		goto out;
	}
	if ((m->proto != SDP_PROTO_AVP && m->proto != SDP_PROTO_SAVP) ||
	    (s->offered_proto == SDP_PROTO_SAVP && m->proto != SDP_PROTO_SAVP)) {
		set_reason(s, "answer uses another media profile than our offer", m->proto_text);
		goto out;
	}
	if (!m->addr[0]) {
		set_reason(s, "no connection address in the answer", NULL);
		goto out;
	}
	r.dtmf_pt = -1;
	for (size_t i = 0; i < m->n_fmt; i++) {
		int c = fmt_codec(&m->fmts[i]);
		/* we offered static types: the answer must use them (RFC 3264 6.1) */
		if (!r.codec[0] && c >= 0 && c == m->fmts[i].pt && our_codec(s, c)) {
			r.pt = m->fmts[i].pt;
			strcpy(r.codec, codec_names[c]);
		}
		if (r.dtmf_pt < 0 && fmt_is_dtmf(&m->fmts[i]))
			r.dtmf_pt = m->fmts[i].pt;
	}
	if (!r.codec[0]) {
		set_reason(s, "answer has no codec we offered", NULL);
		goto out;
	}
	if (s->conf.srtp && m->n_crypto > 0) {
		const struct sdp_crypto *pc = &m->crypto[0];
		int k = (pc->tag >= 1 && pc->tag <= s->conf.n_suites) ? (int)pc->tag - 1 : -1;

		if (k < 0 || s->keys[k].suite != pc->suite) {
			set_reason(s, "answer's a=crypto tag or suite does not match our offer", NULL);
			goto out;
		}
		if ((err = key_in_use(s, k)) != 0)
			goto out;
		r.secure = true;
		r.suite = pc->suite;
		r.tag = pc->tag;
		r.key_len = pc->key_len;
		memcpy(r.rx_key, pc->key, pc->key_len);
		memcpy(r.tx_key, s->keys[k].key, s->keys[k].key_len);
		r.rx_lifetime = pc->lifetime;
	} else if ((s->conf.srtp_required && !s->conf.zrtp) || m->proto == SDP_PROTO_SAVP) {
		set_reason(s, "peer answered without SRTP crypto we accept",
			   m->n_crypto_bad ? m->crypto_reason : "no a=crypto line");
		goto out;
	} else if (s->srtp_locked) {
		set_reason(s, downgrade, m->n_crypto_bad ? m->crypto_reason : "no a=crypto line");
		err = EPERM;
		goto out;
	} else {
		if ((err = key_in_use(s, -1)) != 0)
			goto out;
		r.plain_warning = plain_warns(s);
	}
	r.zrtp = s->conf.zrtp;
	memcpy(r.zrtp_hash, m->zrtp_hash, sizeof(r.zrtp_hash));
	pdir = peer_dir(m);
	r.proto = m->proto;
	r.dir = (enum sdp_dir)(s->offered_dir & dir_swap(pdir));
	r.remote_hold = !(pdir & SDP_RECVONLY);
	r.ptime = pick_ptime(s, m);
	fill_addr(&r, m);
	note_remote(s, d, &r);
	s->offer_pending = false;
	s->srtp_locked |= r.secure;
	s->reason[0] = '\0';
	*res = r;
	err = 0;
out:
	sdp_result_wipe(&r);
	sdp_desc_free(d);
	return err;
}
