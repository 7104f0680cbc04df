/* SPDX-License-Identifier: GPL-3.0-or-later */
/* call_media.c: one call's media: RTP/RTCP sockets, SDP offer/answer state, the SRTP stream and its clock, moves, re-keys, SAS. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "buf.h"
#include "call_audio.h"
#include "call_media.h"
#include "crypto.h"
#include "event.h"
#include "loop.h"
#include "sdp.h"
#include "stream.h"

#define RTP_PORT_MIN 16384
#define RTP_PORT_SPAN 16000

struct call_media {
	struct loop *l;
	struct call_audio *audio;
	struct call_media_h h;
	unsigned timeout_ms;
	struct sdp_sess *sdp;
	int rtp_fd, rtcp_fd;
	uint16_t port;
	char *addr;
	/* call_media_move: the new sockets, in our next offer, taken when the call commits the move */
	bool moving;
	int mv_rtp_fd, mv_rtcp_fd;
	uint16_t mv_port;
	struct stream *s;
	struct tmr tmr;         /* the stream's clock while the device's tick does not run it */
	bool stopped;           /* call_media_stop: the call is over, nothing restarts the clock */
	bool active;            /* the call wants the shared device (its stream gets it once it runs) */
	struct sdp_result res;  /* the result in force (keys: wiped on free) */
	bool have_res;
	bool muted; /* microphone off: silence sent (kept across stream restarts) */
	char sas[12];
};

static void media_process(struct call_media *m, uint64_t now);

static void audio_tick_h(uint64_t now, void *arg)
{
	media_process(arg, now);
}

static void audio_attach(struct call_media *m)
{
	call_audio_attach(m->audio, m->s, audio_tick_h, m);
}

static void audio_detach(struct call_media *m)
{
	if (!call_audio_detach(m->audio, m))
		return;
	/* the call runs on its own timer again */
	if (m->s && !m->stopped)
		media_process(m, loop_now_ms());
}

static void move_abort(struct call_media *m)
{
	if (!m->moving)
		return;
	m->moving = false;
	if (m->mv_rtp_fd >= 0)
		close(m->mv_rtp_fd);
	if (m->mv_rtcp_fd >= 0)
		close(m->mv_rtcp_fd);
	m->mv_rtp_fd = m->mv_rtcp_fd = -1;
	if (m->sdp && m->addr)
		sdp_sess_set_media(m->sdp, m->addr, m->port);
}

void call_media_stop(struct call_media *m)
{
	if (!m)
		return;
	m->stopped = true;
	move_abort(m);
	audio_detach(m);
	tmr_cancel(&m->tmr);
	stream_free(m->s);
	m->s = NULL;
	if (m->rtp_fd >= 0) {
		loop_fd_remove(m->l, m->rtp_fd);
		close(m->rtp_fd);
	}
	if (m->rtcp_fd >= 0) {
		loop_fd_remove(m->l, m->rtcp_fd);
		close(m->rtcp_fd);
	}
	m->rtp_fd = m->rtcp_fd = -1;
}

static int udp_bind(const char *addr, uint16_t port, int *fdp)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, af;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		af = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		af = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		sl = sizeof(struct sockaddr_in6);
	} else {
		return EINVAL;
	}
	ss.ss_family = (sa_family_t)af;
	fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		int e = errno;
		close(fd);
		return e;
	}
	*fdp = fd;
	return 0;
}

/* An even RTP port and RTCP on the next one. */
static int media_sockets(struct call_media *m, const char *addr)
{
	uint32_t r;
	int i, e = EADDRINUSE;

	for (i = 0; i < 64; i++) {
		uint16_t p;
		int a = -1, b = -1;

		if ((e = crypto_rand(&r, sizeof(r))) != 0)
			return e;
		p = (uint16_t)(RTP_PORT_MIN + (r % RTP_PORT_SPAN) * 2 % RTP_PORT_SPAN);
		p &= (uint16_t)~1u;
		e = udp_bind(addr, p, &a);
		if (e == EINVAL)
			return e;
		if (e)
			continue;
		e = udp_bind(addr, (uint16_t)(p + 1), &b);
		if (e) {
			close(a);
			continue;
		}
		m->rtp_fd = a;
		m->rtcp_fd = b;
		m->port = p;
		return 0;
	}
	return e;
}

static void media_tmr_h(void *arg)
{
	media_process(arg, loop_now_ms());
}

static void media_process(struct call_media *m, uint64_t now)
{
	uint64_t dl, wait;

	if (!m->s)
		return;
	stream_process(m->s, now);
	/* the file device's 20 ms tick runs the active call: one wake-up per frame, not two */
	if (call_audio_ticks(m->audio, m)) {
		tmr_cancel(&m->tmr);
		return;
	}
	dl = stream_next_deadline(m->s);
	/* 0: the stream's clocks start with the first packet; until then one frame time will do */
	wait = !dl ? AUDEV_FRAME_MS : dl > now ? dl - now : 1;
	if (wait > 1000)
		wait = 1000;
	tmr_start(m->l, &m->tmr, wait, media_tmr_h, m);
}

static void media_fd_h(int fd, int events, void *arg)
{
	struct call_media *m = arg;

	(void)events;
	if (m->s)
		stream_rx(m->s, fd, loop_now_ms());
}

static void dtmf_h(char digit, unsigned duration_ms, void *arg)
{
	struct call_media *m = arg;

	if (m->h.dtmfh)
		m->h.dtmfh(digit, duration_ms, m->h.arg);
}

static enum stream_dir sdir(enum sdp_dir d)
{
	return (enum stream_dir)(d & 3);
}

static void timeout_h(unsigned silent_ms, void *arg)
{
	struct call_media *m = arg;

	if (m->h.timeouth)
		m->h.timeouth(silent_ms, m->h.arg);
}

static int sockaddr_of(const char *addr, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		ss->ss_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons(port);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		ss->ss_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
		return 0;
	}
	return EINVAL;
}

static bool same_keys(const struct sdp_result *a, const struct sdp_result *b)
{
	if (a->secure != b->secure)
		return false;
	if (!a->secure)
		return true;
	return a->suite == b->suite && a->key_len == b->key_len && !memcmp(a->tx_key, b->tx_key, a->key_len) &&
	       !memcmp(a->rx_key, b->rx_key, a->key_len);
}

int call_media_apply(struct call_media *m, const struct sdp_result *r)
{
	struct sockaddr_storage rtp, rtcp;
	struct stream_crypto cr;
	int e;

	if (r->raf == 0)
		return EPROTO; /* a host name in c=: we don't resolve media addresses */
	if ((e = sockaddr_of(r->raddr, r->rport, &rtp)) != 0 ||
	    (e = sockaddr_of(r->rtcp_addr[0] ? r->rtcp_addr : r->raddr,
			     r->rtcp_port ? r->rtcp_port : (uint16_t)(r->rport + 1), &rtcp)) != 0)
		return e;
	memset(&cr, 0, sizeof(cr));
	if (r->secure) {
		cr.suite = r->suite;
		cr.tx_key = r->tx_key;
		cr.tx_len = r->key_len;
		cr.rx_key = r->rx_key;
		cr.rx_len = r->key_len;
	} else {
		cr.plain = true;
	}
	if (!m->s) {
		struct stream_prm p;

		memset(&p, 0, sizeof(p));
		p.rtp_fd = m->rtp_fd;
		p.rtcp_fd = m->rtcp_fd;
		p.remote_rtp = rtp;
		p.remote_rtcp = rtcp;
		p.pt = r->pt;
		p.dtmf_pt = r->dtmf_pt < 0 ? -1 : r->dtmf_pt;
		p.ptime = r->ptime;
		p.dir = sdir(r->dir);
		p.crypto = cr;
		p.dtmfh = dtmf_h;
		p.timeouth = timeout_h;
		p.timeout_ms = m->timeout_ms;
		p.arg = m;
		e = stream_alloc(&m->s, &p);
		if (e)
			return e;
		stream_set_mute(m->s, m->muted);
		if ((e = loop_fd_listen(m->l, m->rtp_fd, LOOP_READ, media_fd_h, m)) != 0 ||
		    (e = loop_fd_listen(m->l, m->rtcp_fd, LOOP_READ, media_fd_h, m)) != 0)
			return e;
		/* packets are read on the next wake-up (the device tick plays them out): one wake-up a frame */
		loop_fd_lazy(m->l, m->rtp_fd, AUDEV_FRAME_MS);
		loop_fd_lazy(m->l, m->rtcp_fd, AUDEV_FRAME_MS);
		if (m->active)
			audio_attach(m);
		media_process(m, loop_now_ms());
	} else {
		if (!m->have_res || strcmp(m->res.raddr, r->raddr) || m->res.rport != r->rport ||
		    m->res.rtcp_port != r->rtcp_port)
			if ((e = stream_set_remote(m->s, &rtp, &rtcp)) != 0)
				return e;
		if (!m->have_res || !same_keys(&m->res, r))
			if ((e = stream_rekey(m->s, &cr)) != 0)
				return e;
		if ((e = stream_set_direction(m->s, sdir(r->dir))) != 0)
			return e;
	}
	if (m->have_res)
		sdp_result_wipe(&m->res);
	m->res = *r;
	m->have_res = true;
	if (r->secure)
		call_media_sas_compute(m->sas, sizeof(m->sas), r->suite, r->tx_key, r->rx_key, r->key_len);
	else
		m->sas[0] = '\0';
	return 0;
}

/* ---------------- SAS ---------------- */

int call_media_sas_compute(char *out, size_t outsz, enum srtp_suite_id suite, const uint8_t *k1,
			   const uint8_t *k2, size_t klen)
{
	static const char label[] = "sphone SAS v1";
	struct crypto_hash_ctx *h = NULL;
	const uint8_t *lo = k1, *hi = k2;
	const char *sn = srtp_suite_name(suite);
	uint8_t md[CRYPTO_HASH_MAX];
	uint32_t v;
	int e;

	if (!out || outsz < 8 || !k1 || !k2 || !klen || !sn)
		return EINVAL;
	if (memcmp(k1, k2, klen) > 0) {
		lo = k2;
		hi = k1;
	}
	if ((e = crypto_hash_alloc(&h, CRYPTO_SHA256)) != 0)
		return e;
	if ((e = crypto_hash_update(h, label, sizeof(label))) != 0 ||
	    (e = crypto_hash_update(h, sn, strlen(sn) + 1)) != 0 || (e = crypto_hash_update(h, lo, klen)) != 0 ||
	    (e = crypto_hash_update(h, hi, klen)) != 0 || (e = crypto_hash_final(h, md)) != 0)
		goto out;
	/* 32 bits reduced to six digits: the bias (4295 ways for most values, 4294 for some) is negligible */
	v = (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 | (uint32_t)md[2] << 8 | md[3];
	v %= 1000000u;
	snprintf(out, outsz, "%03u %03u", (unsigned)(v / 1000), (unsigned)(v % 1000));
out:
	crypto_wipe(md, sizeof(md));
	crypto_hash_free(h);
	return e;
}

/*
 * What the string is worth, said wherever it is shown. SDES has no commitment: nothing binds a phone
 * to its key before it sees the other's, so a relay that controls the signalling sees the other three
 * keys before it picks its last one, and finds one that gives both phones the same six digits in about
 * 10^6 hashes (bench/sas_relay). Different digits still expose a B2BUA or media relay that re-keys
 * openly; only a key agreement with a commitment (ZRTP) stops one that hides.
 */
#define SAS_METHOD "SDES key hash, 6 digits, no commitment"
#define SAS_DIGITS 6
#define SAS_NOTE                                                                                         \
	"read it aloud: different digits mean a B2BUA or media relay re-encrypts the media with keys of its " \
	"own; the same digits only show that none does so openly: one that controls the signalling can "     \
	"pick keys that give both phones the same digits"

void call_media_sas_fields(const struct call_media *m, struct event *ev, bool note)
{
	if (!m->sas[0])
		return;
	event_str(ev, "sas", m->sas);
	event_str(ev, "sas_method", SAS_METHOD);
	event_int(ev, "sas_digits", SAS_DIGITS);
	if (note)
		event_str(ev, "sas_note", SAS_NOTE);
}

void call_media_move_commit(struct call_media *m)
{
	if (!m || !m->moving)
		return;
	audio_detach(m);
	tmr_cancel(&m->tmr);
	stream_free(m->s);
	m->s = NULL;
	loop_fd_remove(m->l, m->rtp_fd);
	close(m->rtp_fd);
	loop_fd_remove(m->l, m->rtcp_fd);
	close(m->rtcp_fd);
	m->rtp_fd = m->mv_rtp_fd;
	m->rtcp_fd = m->mv_rtcp_fd;
	m->port = m->mv_port;
	m->mv_rtp_fd = m->mv_rtcp_fd = -1;
	m->moving = false;
}

int call_media_move(struct call_media *m)
{
	int ofd, ofd2, e;
	uint16_t oport;

	if (!m)
		return EINVAL;
	if (m->moving)
		return EBUSY;
	ofd = m->rtp_fd;
	ofd2 = m->rtcp_fd;
	oport = m->port;
	e = media_sockets(m, m->addr);
	m->mv_rtp_fd = e ? -1 : m->rtp_fd;
	m->mv_rtcp_fd = e ? -1 : m->rtcp_fd;
	m->mv_port = m->port;
	m->rtp_fd = ofd;
	m->rtcp_fd = ofd2;
	m->port = oport;
	if (e)
		return e;
	m->moving = true;
	/* the new sockets get a new stream: it sends under new keys, never the old key from index 0 again */
	e = sdp_sess_set_media(m->sdp, m->addr, m->mv_port);
	if (!e)
		e = sdp_sess_rekey(m->sdp);
	if (e)
		move_abort(m);
	return e;
}

void call_media_move_abort(struct call_media *m)
{
	if (m)
		move_abort(m);
}

bool call_media_moving(const struct call_media *m)
{
	return m && m->moving;
}

/* ---------------- reports ---------------- */

static void addr_str(const struct sockaddr_storage *ss, char *buf, size_t sz)
{
	char h[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &a->sin_addr, h, sizeof(h));
		snprintf(buf, sz, "%s:%u", h, ntohs(a->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, h, sizeof(h));
		snprintf(buf, sz, "[%s]:%u", h, ntohs(a->sin6_port));
	} else {
		snprintf(buf, sz, "none");
	}
}

void call_media_verify_fields(const struct call_media *m, struct event *ev)
{
	struct stream_stats st;
	char ra[80];

	if (!m || !m->s) {
		event_bool(ev, "srtp", false);
		event_str(ev, "media", "not started");
		return;
	}
	stream_stats(m->s, &st);
	event_bool(ev, "srtp", st.secure);
	event_str(ev, "srtp_tx", st.tx_suite ? st.tx_suite : "none");
	event_str(ev, "srtp_rx", st.rx_suite ? st.rx_suite : "none");
	event_int(ev, "packets_protected", (long long)st.srtp.protected_pkts);
	event_int(ev, "packets_unprotected", (long long)st.srtp.unprotected_pkts);
	event_int(ev, "auth_failures", (long long)st.srtp.auth_fail);
	event_int(ev, "replay_failures", (long long)st.srtp.replay_fail);
	/* malformed SRTP libsrtp refused, and authenticated packets that are not valid RTP/RTCP */
	event_int(ev, "malformed_dropped", (long long)(st.srtp.other_fail + st.rx_malformed));
	event_int(ev, "plaintext_sent", (long long)(st.secure ? st.srtp.plaintext_sent : st.rtp_sent));
	event_int(ev, "plaintext_received", (long long)(st.secure ? st.srtp.plaintext_received : st.rtp_received));
	event_str(ev, "codec", st.codec ? st.codec : "");
	event_int(ev, "ptime", st.ptime);
	addr_str(&st.remote_rtp, ra, sizeof(ra));
	event_str(ev, "remote_media", ra);
	event_int(ev, "rtp_sent", (long long)st.rtp_sent);
	event_int(ev, "rtp_received", (long long)st.rtp_received);
	/* how the path treats the audio: loss (RFC 3550, as of our last RTCP), jitter buffer, concealment */
	event_int(ev, "rtp_lost", (long long)st.lost);
	event_int(ev, "jb_lost", (long long)st.jb.lost);
	event_int(ev, "jb_late", (long long)st.jb.late);
	event_int(ev, "concealed", (long long)st.concealed);
	event_int(ev, "jitter_ms", st.jitter_ms);
	event_int(ev, "jb_delay_ms", st.jb.delay_ms);
	call_media_sas_fields(m, ev, true);
	if (!st.secure)
		event_str(ev, "warning", "media is NOT encrypted (plain RTP)");
}

void call_media_status_fields(const struct call_media *m, struct event *ev)
{
	struct stream_stats st;

	if (!m || !m->s)
		return;
	stream_stats(m->s, &st);
	event_int(ev, "mic_level", (long long)(st.mic_peak * 100 + 0.5));
	event_int(ev, "spk_level", (long long)(st.spk_peak * 100 + 0.5));
	event_int(ev, "jb_delay_ms", st.jb.delay_ms);
	event_int(ev, "loss_pct", st.fraction_lost * 100 / 256);
	event_int(ev, "rtp_sent", (long long)st.rtp_sent);
	event_int(ev, "rtp_received", (long long)st.rtp_received);
}

/* ---------------- the call's side ---------------- */

int call_media_alloc(struct call_media **mp, struct loop *l, struct call_audio *audio,
		     const struct call_media_prm *prm, const struct call_media_h *h)
{
	struct call_media *m;
	struct sdp_conf sc;
	int e;

	if (!mp || !l || !prm || !prm->addr)
		return EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return ENOMEM;
	m->l = l;
	m->audio = audio;
	if (h)
		m->h = *h;
	m->timeout_ms = prm->timeout_ms;
	m->rtp_fd = m->rtcp_fd = -1;
	m->mv_rtp_fd = m->mv_rtcp_fd = -1;
	tmr_init(&m->tmr);
	if (!(m->addr = strdup(prm->addr))) {
		e = ENOMEM;
		goto out;
	}
	if ((e = media_sockets(m, prm->addr)) != 0)
		goto out;
	memset(&sc, 0, sizeof(sc));
	sc.addr = prm->addr;
	sc.port = m->port;
	sc.srtp = prm->srtp;
	sc.srtp_required = prm->srtp && prm->srtp_required;
	memcpy(sc.suites, prm->suites, sizeof(sc.suites));
	sc.n_suites = prm->n_suites;
	memcpy(sc.codecs, prm->codecs, sizeof(sc.codecs));
	sc.n_codecs = prm->n_codecs;
	if ((e = sdp_sess_alloc(&m->sdp, &sc)) != 0)
		goto out;
	*mp = m;
	return 0;
out:
	call_media_free(m);
	return e;
}

void call_media_free(struct call_media *m)
{
	if (!m)
		return;
	call_media_stop(m);
	sdp_sess_free(m->sdp);
	if (m->have_res)
		sdp_result_wipe(&m->res);
	free(m->addr);
	crypto_wipe(m->sas, sizeof(m->sas));
	free(m);
}

int call_media_offer(struct call_media *m, struct wbuf *w)
{
	return sdp_sess_offer(m->sdp, w);
}

int call_media_answer(struct call_media *m, const void *offer, size_t len, struct wbuf *w, struct sdp_result *r)
{
	return sdp_sess_answer(m->sdp, offer, len, w, r);
}

int call_media_take_answer(struct call_media *m, const void *answer, size_t len, struct sdp_result *r)
{
	return sdp_sess_apply_answer(m->sdp, answer, len, r);
}

const char *call_media_reason(const struct call_media *m)
{
	return sdp_sess_reason(m->sdp);
}

void call_media_set_hold(struct call_media *m, bool hold)
{
	sdp_sess_set_dir(m->sdp, hold ? SDP_SENDONLY : SDP_SENDRECV);
}

int call_media_rekey(struct call_media *m)
{
	return sdp_sess_rekey(m->sdp);
}

void call_media_set_active(struct call_media *m, bool active)
{
	if (!m)
		return;
	m->active = active;
	if (active) {
		/* the device follows the stream: media_apply attaches one that starts later */
		if (m->s)
			audio_attach(m);
	} else {
		audio_detach(m);
	}
}

bool call_media_active(const struct call_media *m)
{
	return m && m->active;
}

void call_media_mute(struct call_media *m, bool mute)
{
	m->muted = mute;
	if (m->s)
		stream_set_mute(m->s, mute);
}

bool call_media_muted(const struct call_media *m)
{
	return m && m->muted;
}

int call_media_dtmf(struct call_media *m, const char *digits)
{
	if (!m->s)
		return EPROTO;
	if (m->have_res && m->res.dtmf_pt < 0)
		return ENOTSUP;
	return stream_dtmf(m->s, digits);
}

bool call_media_running(const struct call_media *m)
{
	return m && m->s;
}

const struct sdp_result *call_media_result(const struct call_media *m)
{
	return m && m->have_res ? &m->res : NULL;
}

const char *call_media_sas(const struct call_media *m)
{
	return m ? m->sas : "";
}
