/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * call_media.c: one call's media: SDP offer/answer state, the SRTP stream and its clock, the shared
 * device lent to it, re-keys, ZRTP, the SAS, the verify and status reports. Its sockets, the address
 * our SDP gives (STUN) and moves to new sockets or a new address are call_media_net.c's.
 */
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
#include "call_media_priv.h"
#include "crypto.h"
#include "event.h"
#include "loop.h"
#include "media_stun.h"
#include "sdp.h"
#include "stream.h"
#include "zrtp.h"
#include "zrtp_wire.h"

static void media_process(struct call_media *m, uint64_t now);

static void audio_tick_h(uint64_t now, void *arg)
{
	media_process(arg, now);
}

static void audio_attach(struct call_media *m)
{
	call_audio_attach(m->audio, m->s, audio_tick_h, m);
}

void call_media_detach(struct call_media *m)
{
	if (!call_audio_detach(m->audio, m))
		return;
	/* the call runs on its own timer again */
	if (m->s && !m->stopped)
		media_process(m, loop_now_ms());
}

void call_media_stop(struct call_media *m)
{
	if (!m)
		return;
	m->stopped = true;
	call_media_move_abort(m);
	media_stun_free(m->stun);
	m->stun = NULL;
	call_media_detach(m);
	tmr_cancel(&m->tmr);
	tmr_cancel(&m->ztmr);
	stream_free(m->s);
	m->s = NULL;
	/* after the stream, which held their handlers */
	zrtp_free(m->z);
	zrtp_free(m->z_next);
	m->z = m->z_next = NULL;
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

/* ---------------- ZRTP ---------------- */

static void zrtp_report_h(void *arg)
{
	struct call_media *m = arg;

	if (m->h.zrtph)
		m->h.zrtph(m->zsecure ? 0 : m->zerr, m->h.arg);
}

/* The reason for the user: zrtp.h's words, and what a silent far end means here. */
static void zrtp_failed(struct call_media *m, int err)
{
	m->zfailed = true;
	m->zerr = err ? err : EPROTO;
	if (m->zerr == EPROTONOSUPPORT)
		snprintf(m->zreason, sizeof(m->zreason),
			 "no ZRTP from the far end within %d s: it has no ZRTP, or something between you keeps ZRTP "
			 "from the far phone, such as a PBX that terminates the media (Asterisk with direct_media=no)",
			 ZRTP_HANDSHAKE_MAX_S);
	else
		snprintf(m->zreason, sizeof(m->zreason), "%s", zrtp_strerror(m->zerr));
	if (m->z && zrtp_peer_hello(m->z, &m->zres.peer) == 0)
		m->zhello = true;
	tmr_start(m->l, &m->ztmr, 0, zrtp_report_h, m);
}

/* The stream's ZRTP finished (from inside the stream: the call hears of it from the loop). */
static void on_stream_zrtp(const struct zrtp_result *r, int err, void *arg)
{
	struct call_media *m = arg;

	if (err || !r) {
		zrtp_failed(m, err);
		return;
	}
	m->zres = *r;
	crypto_wipe(&m->zres.keys, sizeof(m->zres.keys));
	m->zhello = true;
	m->zsecure = true;
	m->zkeys_once = true;
	tmr_start(m->l, &m->ztmr, 0, zrtp_report_h, m);
}

/* A new engine with a random SSRC, which the stream it goes with sends its RTP under. */
static int zrtp_make(struct call_media *m, struct zrtp **zp, uint32_t *ssrcp)
{
	struct zrtp_handlers none = { 0 };
	struct zrtp_conf zc;
	uint32_t ssrc = 0;
	int e;

	while (!ssrc)
		if ((e = crypto_rand(&ssrc, sizeof(ssrc))) != 0)
			return e;
	memset(&zc, 0, sizeof(zc));
	zc.ssrc = ssrc;
	zc.peer_uri = m->peer_uri;
	if ((e = zrtp_alloc(zp, m->zcache, &zc, &none)) != 0)
		return e;
	*ssrcp = ssrc;
	return 0;
}

/* Our a=zrtp-hash in the next offers and answers: z's Hello, or none. */
static int zrtp_advertise(struct call_media *m, const struct zrtp *z)
{
	struct zrtp_hello_hash h;
	char buf[ZRTP_WIRE_HASH_STR_MAX];
	int e;

	if (!z)
		return sdp_sess_set_zrtp_hash(m->sdp, NULL);
	if ((e = zrtp_hello_hash(z, &h)) != 0 || (e = zrtp_wire_hash_print(buf, sizeof(buf), &h)) != 0)
		return e;
	return sdp_sess_set_zrtp_hash(m->sdp, buf);
}

/*
 * The engine our first offer or answer announces. When ZRTP cannot run at all (libbzrtp missing),
 * a call that would have no other keys fails (the reason says why); with SDES keys, or with plain
 * RTP allowed, it goes on without ZRTP and the call is told.
 */
static int zrtp_prepare(struct call_media *m)
{
	int e;

	if (!m->zrtp_on || m->z || m->zfailed || m->s)
		return 0;
	if ((e = zrtp_make(m, &m->z, &m->z_ssrc)) == 0 && (e = zrtp_advertise(m, m->z)) == 0)
		return 0;
	zrtp_free(m->z);
	m->z = NULL;
	zrtp_failed(m, e);
	if (!m->srtp && m->srtp_required)
		return e;
	return 0;
}

/*
 * The far end's a=zrtp-hash for z (RFC 6189 8.1): a Hello that does not match it ends the
 * handshake. One that does not parse is left out (stripping it is open to any attacker on the
 * signalling anyway; the SAS is what catches a substituted Hello).
 */
static void zrtp_peer_hash(struct call_media *m, const struct sdp_result *r)
{
	struct zrtp_hello_hash h;

	if (!m->z || !r->zrtp_hash[0] || !strcmp(m->peer_hash, r->zrtp_hash) ||
	    zrtp_wire_hash_parse(r->zrtp_hash, strlen(r->zrtp_hash), &h) != 0)
		return;
	snprintf(m->peer_hash, sizeof(m->peer_hash), "%s", r->zrtp_hash);
	if (zrtp_set_peer_hello_hash(m->z, &h) == EKEYREJECTED && !m->zfailed)
		zrtp_failed(m, EKEYREJECTED); /* its Hello came first, and does not match */
}

/* A new ZRTP session replaces the old one: its outcome and what the user confirmed start afresh. */
void call_media_zrtp_next_takes_over(struct call_media *m)
{
	zrtp_free(m->z);
	m->z = m->z_next;
	m->z_ssrc = m->z_next_ssrc;
	m->z_next = NULL;
	m->z_restart = false;
	m->peer_hash[0] = '\0';
	m->zsecure = m->zfailed = m->zhello = false;
	m->zerr = 0;
	m->zreason[0] = '\0';
	memset(&m->zres, 0, sizeof(m->zres));
	m->sas_confirmed = -1;
	m->had_sdes = false;
}

void call_media_zrtp_next_drop(struct call_media *m)
{
	if (!m->z_next)
		return;
	zrtp_free(m->z_next);
	m->z_next = NULL;
	m->z_restart = false;
	(void)zrtp_advertise(m, m->z);
}

int call_media_zrtp_next(struct call_media *m)
{
	int e;

	if ((e = zrtp_make(m, &m->z_next, &m->z_next_ssrc)) != 0)
		return e;
	return zrtp_advertise(m, m->z_next);
}

/*
 * The far end offers a new a=zrtp-hash while our session runs: it started a new ZRTP session
 * (its media moved, RFC 6189 needs one per stream). Ours follows: a new engine, announced in the
 * answer being built, replaces the old with the stream when the answer is applied.
 */
static int zrtp_follow_peer(struct call_media *m, const void *offer, size_t len)
{
	struct sdp_desc *d = NULL;
	const char *h = "";
	int e;

	if (!m->zrtp_on || !m->s || !m->z || m->z_next || !m->peer_hash[0])
		return 0;
	if (sdp_decode(&d, offer, len) != 0)
		return 0; /* the answer step reports it */
	for (size_t i = 0; i < d->n_media; i++)
		if (!strcasecmp(d->media[i].type, "audio") && d->media[i].port) {
			h = d->media[i].zrtp_hash;
			break;
		}
	if (!h[0] || !strcmp(h, m->peer_hash)) {
		sdp_desc_free(d);
		return 0;
	}
	sdp_desc_free(d);
	if ((e = call_media_zrtp_next(m)) != 0) {
		call_media_zrtp_next_drop(m);
		return e;
	}
	m->z_restart = true;
	return 0;
}

/* ---------------- applying a result ---------------- */

static int stream_start(struct call_media *m, const struct sdp_result *r, const struct sockaddr_storage *rtp,
			const struct sockaddr_storage *rtcp, const struct stream_crypto *cr)
{
	struct stream_prm p;
	int e;

	memset(&p, 0, sizeof(p));
	p.rtp_fd = m->rtp_fd;
	p.rtcp_fd = m->rtcp_fd;
	p.remote_rtp = *rtp;
	p.remote_rtcp = *rtcp;
	p.pt = r->pt;
	p.dtmf_pt = r->dtmf_pt < 0 ? -1 : r->dtmf_pt;
	p.ptime = r->ptime;
	p.dir = sdir(r->dir);
	p.crypto = *cr;
	p.dtmfh = dtmf_h;
	p.timeouth = timeout_h;
	p.timeout_ms = m->timeout_ms;
	if (m->stun)
		p.stunh = call_media_net_stun_rx;
	p.arg = m;
	if (m->z && !m->zfailed) {
		/*
		 * Once ZRTP's keys were in use, a new session starts held (never on the SDES keys again);
		 * without SDES keys and with SRTP required nothing is sent until ZRTP has keys.
		 */
		if (m->zkeys_once || (!r->secure && m->srtp_required)) {
			memset(&p.crypto, 0, sizeof(p.crypto));
			p.crypto.hold = true;
		}
		p.zrtp = m->z;
		p.zrtph = on_stream_zrtp;
		p.ssrc = m->z_ssrc;
		zrtp_peer_hash(m, r);
	}
	m->had_sdes = !p.crypto.hold && !p.crypto.plain;
	if ((e = stream_alloc(&m->s, &p)) != 0)
		return e;
	stream_set_mute(m->s, m->muted);
	if ((e = loop_fd_listen(m->l, m->rtp_fd, LOOP_READ, call_media_net_fd_h, m)) != 0 ||
	    (e = loop_fd_listen(m->l, m->rtcp_fd, LOOP_READ, call_media_net_fd_h, m)) != 0)
		return e;
	/* packets are read on the next wake-up (the device tick plays them out): one wake-up a frame */
	loop_fd_lazy(m->l, m->rtp_fd, AUDEV_FRAME_MS);
	loop_fd_lazy(m->l, m->rtcp_fd, AUDEV_FRAME_MS);
	if (m->active)
		audio_attach(m);
	media_process(m, loop_now_ms());
	return 0;
}

/* The far end's new ZRTP session: a new stream with our new engine, on the same sockets. */
static void stream_restart(struct call_media *m)
{
	call_media_detach(m);
	tmr_cancel(&m->tmr);
	tmr_cancel(&m->ztmr);
	stream_free(m->s);
	m->s = NULL;
	loop_fd_remove(m->l, m->rtp_fd);
	loop_fd_remove(m->l, m->rtcp_fd);
	call_media_zrtp_next_takes_over(m);
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
	if (m->s && m->z_restart)
		stream_restart(m);
	if (!m->s) {
		if ((e = stream_start(m, r, &rtp, &rtcp, &cr)) != 0)
			return e;
	} else {
		struct stream_stats st;

		stream_stats(m->s, &st);
		if (!m->have_res || strcmp(m->res.raddr, r->raddr) || m->res.rport != r->rport ||
		    m->res.rtcp_port != r->rtcp_port)
			if ((e = stream_set_remote(m->s, &rtp, &rtcp)) != 0)
				return e;
		/*
		 * Keys from the SDP change the stream only while it runs on keys from the SDP: once
		 * ZRTP's are in use SDES keys are never applied again, and a held stream waits for ZRTP.
		 */
		if ((!m->have_res || !same_keys(&m->res, r)) && !st.zrtp_keys && !st.held)
			if ((e = stream_rekey(m->s, &cr)) != 0)
				return e;
		if ((e = stream_set_direction(m->s, sdir(r->dir))) != 0)
			return e;
		if (!m->zfailed && !m->zsecure)
			zrtp_peer_hash(m, r); /* one that came only now still binds the Hello */
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

/*
 * ZRTP's SAS: each side committed to its Diffie-Hellman share (the hash in its Commit) before it
 * saw the other's, so a man in the middle gets one try per call at matching strings: 1 in 2^20
 * for B32, 2^16 for B256 (RFC 6189 4.5.2, 15.2). What the string is worth then depends on the
 * cache: a verified peer whose retained secret matched needs no reading.
 */
static const char *zrtp_sas_method(const struct call_media *m)
{
	return m->zres.sas_type == ZRTP_SAS_BASE256 ? "ZRTP, B256: two PGP words, committed"
						    : "ZRTP, B32: 4 characters, committed";
}

static const char *zrtp_sas_note(const struct call_media *m)
{
	if (m->zres.peer.mitm)
		return "the far end's ZRTP is a PBX (MiTM flag in its Hello): this string is shared with the PBX, "
		       "not with the far phone; the PBX decrypts the call";
	switch (m->zres.trust) {
	case ZRTP_TRUST_VERIFIED:
		return "verified before: both sides confirmed this device's string on an earlier call and the "
		       "retained secret matched, so no one is in the middle who was not there then; no need to "
		       "read it again";
	case ZRTP_TRUST_MISMATCH:
		return "POSSIBLE ATTACK: the retained secret from earlier calls did not match (RFC 6189 4.3.2): "
		       "someone in the middle, or the far end lost its ZRTP cache. Read the string aloud: if the "
		       "far end reads another, hang up";
	case ZRTP_TRUST_OTHER_DEVICE:
		return "this address was verified with another ZRTP device: a new phone or a reinstall, or "
		       "someone in the middle. Read the string aloud and compare";
	case ZRTP_TRUST_NEW:
		break;
	}
	return "read it aloud and compare: ZRTP commits each side to its key before it sees the other's, so "
	       "someone in the middle cannot make both phones show the same string (one try per call). The "
	       "same string: the keys are shared with the far phone only; confirm with sas-verify (or the "
	       "key), so later calls need no reading. Different strings: someone is in the middle";
}

void call_media_sas_fields(const struct call_media *m, struct event *ev, bool note)
{
	if (m->zsecure) {
		event_str(ev, "sas", m->zres.sas);
		event_str(ev, "sas_method", zrtp_sas_method(m));
		if (note)
			event_str(ev, "sas_note", zrtp_sas_note(m));
		return;
	}
	if (!m->sas[0])
		return;
	/* the SDES digits, while their keys are the ones in use (ZRTP's string replaces them) */
	event_str(ev, "sas", m->sas);
	event_str(ev, "sas_method", SAS_METHOD);
	event_int(ev, "sas_digits", SAS_DIGITS);
	if (note)
		event_str(ev, "sas_note", SAS_NOTE);
}

/* How the keys in use were agreed. */
static const char *key_exchange(const struct call_media *m)
{
	struct stream_stats st;

	if (!m->s)
		return m->have_res && m->res.secure ? "SDES" : "none";
	stream_stats(m->s, &st);
	if (st.zrtp_keys)
		return m->had_sdes ? "SDES then ZRTP" : "ZRTP";
	if (st.held)
		return "none yet";
	return st.secure ? "SDES" : "none";
}

static const char *zrtp_state_name(const struct call_media *m)
{
	if (!m->zrtp_on)
		return "off";
	if (m->zsecure)
		return "secure";
	if (m->zfailed)
		return "failed";
	if (!m->z || zrtp_state(m->z) == ZRTP_IDLE)
		return "waiting";
	return "running";
}

/* RFC 6189 5.1 names as people read them */
static const char *algo_name(const char *rfc)
{
	static const char *const names[][2] = {
		{ "AES3", "AES-256" }, { "AES1", "AES-128" },    { "S256", "SHA-256" },  { "HS80", "HMAC-SHA1-80" },
		{ "HS32", "HMAC-SHA1-32" }, { "X255", "X25519" }, { "X448", "X448" },     { "DH3k", "DH-3072" },
		{ "DH2k", "DH-2048" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(rfc, names[i][0]))
			return names[i][1];
	return rfc;
}

void call_media_zrtp_fields(const struct call_media *m, struct event *ev)
{
	event_str(ev, "key_exchange", key_exchange(m));
	if (!m->zrtp_on)
		return;
	event_str(ev, "zrtp", zrtp_state_name(m));
	if (m->zfailed)
		event_str(ev, "zrtp_error", m->zreason);
	if (!m->zcache)
		event_str(ev, "zrtp_cache_error", m->zcache_err ? m->zcache_err : "no ZRTP cache");
	if (m->zsecure) {
		event_str(ev, "zrtp_cache", m->zcache ? zrtp_trust_name(m->zres.trust) : "none");
		event_bool(ev, "zrtp_verified_here", m->zres.verified_here);
		event_str(ev, "zrtp_cipher", algo_name(m->zres.cipher));
		event_str(ev, "zrtp_hash", algo_name(m->zres.hash));
		event_str(ev, "zrtp_auth", algo_name(m->zres.auth));
		event_str(ev, "zrtp_key_agreement", algo_name(m->zres.ka));
		if (m->sas_confirmed >= 0)
			event_str(ev, "sas_confirmed", m->sas_confirmed ? "verified" : "rejected");
	}
	if (m->zhello) {
		event_str(ev, "zrtp_peer", m->zres.peer.client);
		event_bool(ev, "zrtp_peer_pbx", m->zres.peer.mitm);
	}
}

bool call_media_zrtp_on(const struct call_media *m)
{
	return m && m->zrtp_on && (m->z || !m->zfailed);
}

bool call_media_zrtp_secure(const struct call_media *m)
{
	return m && m->zsecure;
}

bool call_media_held(const struct call_media *m)
{
	struct stream_stats st;

	if (!m || !m->s)
		return false;
	stream_stats(m->s, &st);
	return st.held;
}

const char *call_media_zrtp_reason(const struct call_media *m)
{
	return m && m->zfailed ? m->zreason : "";
}

const char *call_media_zrtp_alarm(const struct call_media *m)
{
	struct call_media *w = (struct call_media *)m; /* the text is built on demand */

	if (!m || !m->zsecure)
		return "";
	w->zalarm[0] = '\0';
	if (m->zres.trust == ZRTP_TRUST_MISMATCH)
		snprintf(w->zalarm, sizeof(w->zalarm),
			 "POSSIBLE ATTACK: ZRTP cache MISMATCH for %s: the retained secret from earlier calls did not "
			 "match (RFC 6189 4.3.2); someone may be in the middle, or the far end lost its ZRTP cache. "
			 "Read the SAS aloud; if it differs, hang up",
			 m->peer_uri ? m->peer_uri : "the far end");
	else if (m->zres.trust == ZRTP_TRUST_OTHER_DEVICE)
		snprintf(w->zalarm, sizeof(w->zalarm),
			 "ZRTP: %s was verified with another device: a new phone or a reinstall, or someone in the "
			 "middle; read the SAS aloud and compare",
			 m->peer_uri ? m->peer_uri : "the far end");
	if (m->zres.peer.mitm) {
		size_t l = strlen(w->zalarm);
		snprintf(w->zalarm + l, sizeof(w->zalarm) - l,
			 "%sZRTP ends at a PBX (its Hello has the MiTM flag, client '%s'), not at the far phone: the "
			 "PBX decrypts the call",
			 l ? "; " : "", m->zres.peer.client);
	}
	return w->zalarm;
}

int call_media_sas_confirm(struct call_media *m, bool verified)
{
	int e;

	if (!m || !m->zrtp_on || !m->z)
		return EPROTO;
	if (!m->zsecure)
		return EAGAIN;
	if ((e = zrtp_sas_confirm(m->z, verified)) != 0)
		return e;
	m->sas_confirmed = verified;
	return 0;
}

/* ---------------- reports ---------------- */

bool call_media_rx_gap(const struct call_media *m, uint64_t *rtp_received, uint64_t *gap_ms, uint64_t *gap_end_ms)
{
	struct stream_stats st;

	if (!m || !m->s)
		return false;
	stream_stats(m->s, &st);
	*rtp_received = st.rtp_received;
	*gap_ms = st.rtp_gap_ms;
	*gap_end_ms = st.rtp_gap_end_ms;
	return true;
}

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
	/* our end of the media path: the address and port our SDP gives (doc/nat.md: a NAT's public one
	 * learnt by STUN will sit between the two) */
	snprintf(ra, sizeof(ra), strchr(m->addr, ':') ? "[%s]:%u" : "%s:%u", m->addr, m->port);
	event_str(ev, "local_media", ra);
	call_media_net_path_fields(m, ev);
	event_int(ev, "rtp_sent", (long long)st.rtp_sent);
	event_int(ev, "rtp_received", (long long)st.rtp_received);
	/* how the path treats the audio: loss (RFC 3550, as of our last RTCP), jitter buffer, concealment */
	event_int(ev, "rtp_lost", (long long)st.lost);
	event_int(ev, "jb_lost", (long long)st.jb.lost);
	event_int(ev, "jb_late", (long long)st.jb.late);
	event_int(ev, "concealed", (long long)st.concealed);
	event_int(ev, "jitter_ms", st.jitter_ms);
	event_int(ev, "jb_delay_ms", st.jb.delay_ms);
	event_int(ev, "jb_target_ms", st.jb.target_ms);
	/* a sound card's playout (audio/stream.c paced_playout): frames queued, and periods it ran dry */
	event_int(ev, "play_depth", st.play_depth);
	event_int(ev, "play_dry", (long long)st.play_dry);
	event_int(ev, "play_overflow", (long long)st.play_overflow);
	call_media_sas_fields(m, ev, true);
	call_media_zrtp_fields(m, ev);
	if (st.held)
		event_str(ev, "media", m->zfailed ? "held: ZRTP failed, so there are no keys and nothing is sent"
						  : "held: nothing is sent until ZRTP has agreed keys");
	else if (!st.secure)
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
	m->srtp = prm->srtp;
	m->srtp_required = prm->srtp_required;
	m->zrtp_on = prm->zrtp;
	m->zcache = prm->zrtp_cache;
	m->sas_confirmed = -1;
	tmr_init(&m->ztmr);
	if (prm->zrtp && !prm->zrtp_cache && prm->zrtp_cache_error && !(m->zcache_err = strdup(prm->zrtp_cache_error))) {
		e = ENOMEM;
		goto out;
	}
	m->rtp_fd = m->rtcp_fd = -1;
	m->mv_rtp_fd = m->mv_rtcp_fd = -1;
	tmr_init(&m->tmr);
	if (!(m->addr = strdup(prm->addr))) {
		e = ENOMEM;
		goto out;
	}
	if ((e = call_media_net_sockets(m, prm->addr)) != 0)
		goto out;
	memset(&sc, 0, sizeof(sc));
	sc.addr = prm->addr;
	sc.port = m->port;
	sc.srtp = prm->srtp;
	sc.zrtp = prm->zrtp;
	sc.srtp_required = (prm->srtp || prm->zrtp) && prm->srtp_required;
	memcpy(sc.suites, prm->suites, sizeof(sc.suites));
	sc.n_suites = prm->n_suites;
	memcpy(sc.codecs, prm->codecs, sizeof(sc.codecs));
	sc.n_codecs = prm->n_codecs;
	if ((e = sdp_sess_alloc(&m->sdp, &sc)) != 0)
		goto out;
	if (prm->stun_server) {
		if (prm->stun_slen > sizeof(m->stun_server)) {
			e = EINVAL;
			goto out;
		}
		memcpy(&m->stun_server, prm->stun_server, prm->stun_slen);
		m->stun_slen = prm->stun_slen;
		m->stun_ka_ms = prm->stun_keepalive_ms;
		if ((e = call_media_net_stun_start(m)) != 0)
			goto out;
	}
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
	free(m->peer_uri);
	free(m->zcache_err);
	crypto_wipe(m->sas, sizeof(m->sas));
	crypto_wipe(&m->zres, sizeof(m->zres));
	free(m);
}

int call_media_offer(struct call_media *m, struct wbuf *w)
{
	int e;

	m->reason[0] = '\0';
	if ((e = zrtp_prepare(m)) != 0) {
		snprintf(m->reason, sizeof(m->reason), "ZRTP cannot run: %s", m->zreason);
		return e;
	}
	return sdp_sess_offer(m->sdp, w);
}

int call_media_answer(struct call_media *m, const void *offer, size_t len, struct wbuf *w, struct sdp_result *r)
{
	int e;

	m->reason[0] = '\0';
	if ((e = zrtp_prepare(m)) != 0) {
		snprintf(m->reason, sizeof(m->reason), "ZRTP cannot run: %s", m->zreason);
		return e;
	}
	if ((e = zrtp_follow_peer(m, offer, len)) != 0)
		return e;
	e = sdp_sess_answer(m->sdp, offer, len, w, r);
	if (e && m->z_restart)
		call_media_zrtp_next_drop(m);
	return e;
}

int call_media_take_answer(struct call_media *m, const void *answer, size_t len, struct sdp_result *r)
{
	return sdp_sess_apply_answer(m->sdp, answer, len, r);
}

const char *call_media_reason(const struct call_media *m)
{
	return m->reason[0] ? m->reason : sdp_sess_reason(m->sdp);
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
		call_media_detach(m);
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
	if (!m)
		return "";
	return m->zsecure ? m->zres.sas : m->sas;
}

int call_media_set_peer(struct call_media *m, const char *aor)
{
	char *p;

	if (!m || !aor)
		return EINVAL;
	if (!(p = strdup(aor)))
		return ENOMEM;
	free(m->peer_uri);
	m->peer_uri = p;
	return 0;
}
