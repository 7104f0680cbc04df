/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_stream.c: two RTP/SRTP streams on real 127.0.0.1 sockets, through a tapping/impairing relay, on a virtual clock. */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "g711.h"
#include "ring.h"
#include "rtp.h"
#include "srtp.h"
#include "stream.h"
#include "../tap.h"
#include "audio_meas.h"
#include "udp_relay.h"
#include "wav.h"
#include "zrtp.h"
#include "zrtp_wire.h"

/*
 * Measure: the received playback is aligned to the sent signal by the lag
 * that maximises their cross-correlation (searched over 0..MAX_LAG_MS), then
 * the normalised correlation sum(x*y)/sqrt(sum(x^2)*sum(y^2)) is taken over
 * the aligned overlap. The first SETTLE_MS are left out: while the jitter
 * buffer starts it may drop a frame to reach its target delay, which moves
 * the alignment once. So are the last 200 ms. A clean SRTP path must reach
 * CORR_MIN (G.711 alone gives about 0.999).
 */
#define CORR_MIN 0.95
#define SETTLE_MS 1000
#define MAX_LAG_MS 600
#define RATE 8000

/* ---- a test audio device: the test fills capture and drains playback ---- */

static int tdev_nop(struct audev *ad)
{
	(void)ad;
	return 0;
}

static void tdev_close(struct audev *ad)
{
	(void)ad;
}

/* samples of silence the simulated device played (paced_run's clocked device); the stream reads them as
 * the device's play_underruns */
static uint64_t tdev_underruns;

static void tdev_stats(const struct audev *ad, struct audev_stats *st)
{
	(void)ad;
	memset(st, 0, sizeof(*st));
	st->play_underruns = tdev_underruns;
}

static const struct audev_ops tdev_ops = {
	.name = "test",
	.start = tdev_nop,
	.stop = tdev_nop,
	.close = tdev_close,
	.stats = tdev_stats,
};

/* ---- one endpoint ---- */

#define MAX_DIGITS 32
struct side {
	int fd, rtcp_fd;
	struct sockaddr_storage addr, rtcp_addr;
	struct stream *s;
	struct audev dev;
	bool feed; /* capture ring gets a frame every ptime */
	const int16_t *sig;
	size_t sig_len, sig_pos;
	bool sig_loop; /* the signal starts again when it ends */
	uint64_t fed_ms;
	int16_t *out;
	size_t out_len, out_cap;
	char digits[MAX_DIGITS + 1];
	unsigned durations[MAX_DIGITS];
	unsigned ndigits;
	unsigned timeouts;
	uint8_t tx_key[SRTP_MAX_MASTER_LEN];
	/* ZRTP: the engine (owned here, as call.c will) and what the stream reported */
	struct zrtp *z;
	bool zrtp_secure;
	int zrtp_err;
	uint64_t zrtp_at;
	char sas[ZRTP_SAS_MAX];
	enum srtp_suite_id zrtp_suite;
	uint8_t zrtp_tx[SRTP_MAX_MASTER_LEN]; /* for the wire oracle: the send key ZRTP gave */
	bool zrtp_tx_known;
	uint64_t now; /* the clock of the last step, for the handler */
};

/*
 * A wire oracle for keystream reuse: every SRTP/SRTCP packet seen is
 * attributed to the send key that authenticates it and to its packet index
 * (RTP: ROC * 65536 + SEQ, the ROC followed as a receiver would; SRTCP: the
 * index in the trailer), with nothing of the streams' own state. No (key,
 * SSRC, index) may occur twice, and per (key, SSRC) the index only goes up.
 */
#define ORACLE_KEYS 16
#define ORACLE_FOLLOW 32
struct oracle_key {
	enum srtp_suite_id suite;
	uint8_t key[SRTP_MAX_MASTER_LEN];
	size_t len;
};
struct oracle_follow { /* one (key, SSRC) of RTP, followed from its first packet */
	unsigned key;
	uint32_t ssrc;
	struct srtp_sess *sess;
	uint32_t roc;
	uint16_t s_l;
	bool any;
	uint64_t last;
	uint32_t rtcp_last;
	bool rtcp_seen;
};
struct oracle_use {
	uint64_t index; /* bit 63: SRTCP */
	uint32_t ssrc;
	unsigned key;
};
struct oracle {
	struct oracle_key keys[ORACLE_KEYS];
	unsigned nkeys;
	struct oracle_follow fol[ORACLE_FOLLOW];
	unsigned nfol;
	struct oracle_use *use;
	size_t nuse, capuse;
	uint64_t rtp, rtcp, unknown, backwards, overflow;
};

/* packet headers seen on the wire (for hold/replay/wire checks) */
#define WIRE_MAX 4096
struct wire_rec {
	uint64_t t;
	uint16_t seq;
	uint32_t ts;
	bool marker;
	uint8_t pt;
	size_t len;
};

struct pair {
	struct side a, b;
	struct relay *rtp, *rtcp;
	unsigned ptime;
	bool mux;
	/* drive the streams as an owner's loop would: only at their deadline or on a capture wake-up */
	bool by_deadline;
	uint64_t calls;
	struct stream_prm prm[2]; /* as allocated, to build a stream again */
	uint8_t wrong[SRTP_MAX_MASTER_LEN];
	/* wire verification: sessions holding the receivers' keys */
	struct srtp_sess *verify[2];
	uint64_t wire_ok[2], wire_bad[2], wire_rtcp_ok[2];
	struct wire_rec rec[2][WIRE_MAX];
	size_t nrec[2];
	uint8_t last_pkt[2][1600];
	size_t last_len[2];
	struct oracle *oracle;
	/* ZRTP on the wire: its packets, and RTP/RTCP a side sent before its ZRTP was secure */
	uint64_t zrtp_pkts[2], media_before_secure[2];
	unsigned oracle_sdes_keys; /* oracle keys below this index are the SDES keys */
	bool lose_conf2ack, conf2ack_lost; /* the first Conf2ACK never arrives */
	uint64_t zrtp_dropped[2];
	uint64_t sdes_after_switch[2]; /* packets under an SDES key once ZRTP's were in use */
	uint32_t zrtp_ssrc[2], rtp_ssrc[2]; /* the last ZRTP and RTP packet's SSRC each way */
};

struct cfg {
	bool plain;
	enum srtp_suite_id suite;
	uint8_t pt;
	unsigned ptime;
	bool mux;
	struct relay_imp imp;
	bool wrong_key_b; /* B's receive key is not A's send key */
	bool verify;
	unsigned timeout_ms;
	uint32_t seed;
	/* ZRTP on both streams: from hold (media_encryption=zrtp) or on top of the SDES keys (sdes-zrtp) */
	enum { ZRTP_OFF, ZRTP_FROM_HOLD, ZRTP_OVER_SDES } zrtp;
	bool no_zrtp_b; /* B has no ZRTP at all: A's handshake cannot complete */
};

static void on_dtmf(char digit, unsigned duration_ms, void *arg)
{
	struct side *sd = arg;

	if (sd->ndigits < MAX_DIGITS) {
		sd->durations[sd->ndigits] = duration_ms;
		sd->digits[sd->ndigits++] = digit;
		sd->digits[sd->ndigits] = '\0';
	}
}

static void on_timeout(unsigned silent_ms, void *arg)
{
	struct side *sd = arg;

	(void)silent_ms;
	sd->timeouts++;
}

static void on_zrtp(const struct zrtp_result *r, int err, void *arg)
{
	struct side *sd = arg;

	sd->zrtp_err = err;
	sd->zrtp_at = sd->now;
	if (!r)
		return;
	sd->zrtp_secure = true;
	snprintf(sd->sas, sizeof(sd->sas), "%s", r->sas);
	sd->zrtp_suite = r->keys.suite;
	memcpy(sd->zrtp_tx, r->keys.tx, r->keys.tx_len);
	sd->zrtp_tx_known = true;
}

static void oracle_key(struct oracle *o, enum srtp_suite_id suite, const uint8_t *key)
{
	struct oracle_key *k = &o->keys[o->nkeys++];

	k->suite = suite;
	k->len = srtp_suite_key_len(suite) + srtp_suite_salt_len(suite);
	memcpy(k->key, key, k->len);
}

/* Does key k authenticate pkt (a copy is worked on: AES-GCM decrypts in place first)? */
static bool oracle_auth(struct srtp_sess *sess, const uint8_t *pkt, size_t len, bool rtcp)
{
	uint8_t b[1600];
	size_t n = len;

	memcpy(b, pkt, len);
	return (rtcp ? srtp_sess_unprotect_rtcp(sess, b, &n) : srtp_sess_unprotect(sess, b, &n)) == 0;
}

static struct srtp_sess *oracle_sess(const struct oracle_key *k)
{
	struct srtp_sess *sess = NULL;

	srtp_sess_alloc(&sess, k->suite, k->key, k->len, k->key, k->len);
	return sess;
}

static void oracle_note(struct oracle *o, unsigned key, uint32_t ssrc, uint64_t index)
{
	if (o->nuse == o->capuse) {
		size_t cap = o->capuse ? 2 * o->capuse : 4096;
		struct oracle_use *u = realloc(o->use, cap * sizeof(*u));
		if (!u) {
			o->overflow++;
			return;
		}
		o->use = u;
		o->capuse = cap;
	}
	o->use[o->nuse++] = (struct oracle_use){ .index = index, .ssrc = ssrc, .key = key };
}

/* RFC 3711 3.3.1: v in {ROC-1, ROC, ROC+1}, the index closest to ROC * 65536 + s_l; then s_l and ROC follow. */
static uint64_t oracle_index(struct oracle_follow *f, uint16_t seq)
{
	uint32_t v = f->roc;

	if (f->s_l < 32768 && seq - f->s_l > 32768)
		v = f->roc - 1;
	else if (f->s_l >= 32768 && f->s_l - 32768 > seq)
		v = f->roc + 1;
	if (v == f->roc + 1 || (v == f->roc && seq > f->s_l)) {
		f->roc = v;
		f->s_l = seq;
	}
	return (uint64_t)v << 16 | seq;
}

static void oracle_rtp(struct oracle *o, const uint8_t *pkt, size_t len)
{
	uint32_t ssrc = (uint32_t)pkt[8] << 24 | (uint32_t)pkt[9] << 16 | (uint32_t)pkt[10] << 8 | pkt[11];
	uint16_t seq = (uint16_t)(pkt[2] << 8 | pkt[3]);
	struct oracle_follow *f = NULL;
	bool fresh = false;
	uint64_t index;

	o->rtp++;
	for (unsigned i = 0; i < o->nfol && !f; i++)
		if (o->fol[i].ssrc == ssrc && oracle_auth(o->fol[i].sess, pkt, len, false))
			f = &o->fol[i];
	/* no context that follows this SSRC takes it: a key's context from index 0 (SEQ with ROC 0) */
	for (unsigned k = 0; !f && k < o->nkeys && o->nfol < ORACLE_FOLLOW; k++) {
		struct oracle_follow *nf = &o->fol[o->nfol];
		memset(nf, 0, sizeof(*nf));
		nf->sess = oracle_sess(&o->keys[k]);
		if (nf->sess && oracle_auth(nf->sess, pkt, len, false)) {
			nf->key = k;
			nf->ssrc = ssrc;
			nf->s_l = seq;
			o->nfol++;
			f = nf;
			fresh = true;
		} else {
			srtp_sess_free(nf->sess);
		}
	}
	if (!f) {
		o->unknown++;
		return;
	}
	index = fresh ? seq : oracle_index(f, seq);
	if (f->any && index <= f->last)
		o->backwards++;
	/* a second context for one key and SSRC: its sender started over under that key */
	for (unsigned i = 0; fresh && i + 1 < o->nfol; i++)
		if (o->fol[i].key == f->key && o->fol[i].ssrc == ssrc && o->fol[i].last >= index)
			o->backwards++;
	if (!f->any || index > f->last)
		f->last = index;
	f->any = true;
	oracle_note(o, f->key, ssrc, index);
}

static void oracle_rtcp(struct oracle *o, const uint8_t *pkt, size_t len)
{
	uint32_t ssrc = (uint32_t)pkt[4] << 24 | (uint32_t)pkt[5] << 16 | (uint32_t)pkt[6] << 8 | pkt[7];

	o->rtcp++;
	for (unsigned k = 0; k < o->nkeys; k++) {
		const struct oracle_key *key = &o->keys[k];
		struct srtp_sess *sess = oracle_sess(key);
		size_t tag = srtp_sess_rtcp_overhead(sess) - 4, at;
		uint32_t idx;
		bool hit = sess && len > 12 + tag + 4 && oracle_auth(sess, pkt, len, true);

		srtp_sess_free(sess);
		if (!hit)
			continue;
		/* E flag and 31-bit index: before the tag, or last with AEAD (RFC 7714 9.1) */
		at = key->suite >= SRTP_SUITE_AEAD_AES_128_GCM ? len - 4 : len - tag - 4;
		idx = ((uint32_t)pkt[at] & 0x7f) << 24 | (uint32_t)pkt[at + 1] << 16 | (uint32_t)pkt[at + 2] << 8 | pkt[at + 3];
		for (unsigned i = 0; i < o->nfol; i++) {
			struct oracle_follow *f = &o->fol[i];
			if (f->key != k || f->ssrc != ssrc)
				continue;
			if (f->rtcp_seen && idx <= f->rtcp_last)
				o->backwards++;
			f->rtcp_seen = true;
			f->rtcp_last = idx;
		}
		oracle_note(o, k, ssrc, (uint64_t)1 << 63 | idx);
		return;
	}
	o->unknown++;
}

static int use_cmp(const void *a, const void *b)
{
	const struct oracle_use *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->ssrc != y->ssrc)
		return x->ssrc < y->ssrc ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* The SSRC of the RTP packets under key k (the first seen), 0 if none. */
static uint32_t oracle_ssrc(const struct oracle *o, unsigned k)
{
	for (unsigned i = 0; i < o->nfol; i++)
		if (o->fol[i].key == k)
			return o->fol[i].ssrc;
	return 0;
}

/* (key, SSRC, index) triples used more than once. */
static size_t oracle_repeats(struct oracle *o)
{
	size_t rep = 0;

	qsort(o->use, o->nuse, sizeof(*o->use), use_cmp);
	for (size_t i = 1; i < o->nuse; i++)
		if (use_cmp(&o->use[i - 1], &o->use[i]) == 0 && rep++ < 5)
			diag("oracle: key %u SSRC %08x %s index %llu used again", o->use[i].key, o->use[i].ssrc,
			     o->use[i].index >> 63 ? "SRTCP" : "RTP",
			     (unsigned long long)(o->use[i].index & ~((uint64_t)1 << 63)));
	return rep;
}

static void oracle_free(struct oracle *o)
{
	for (unsigned i = 0; i < o->nfol; i++)
		srtp_sess_free(o->fol[i].sess);
	free(o->use);
	explicit_bzero(o, sizeof(*o));
}

static void tap(int dir, const uint8_t *pkt, size_t len, uint64_t now_ms, void *arg)
{
	struct pair *p = arg;
	uint8_t buf[1600];
	size_t n = len;
	bool rtcp = len >= 2 && pkt[1] >= 192 && pkt[1] <= 223;
	struct rtp_hdr h;

	struct side *from = dir ? &p->b : &p->a;

	if (len > sizeof(buf))
		return;
	if (zrtp_wire_classify(pkt, len) == ZRTP_WIRE_ZRTP) {
		p->zrtp_pkts[dir]++;
		p->zrtp_ssrc[dir] = (uint32_t)pkt[8] << 24 | (uint32_t)pkt[9] << 16 | (uint32_t)pkt[10] << 8 | pkt[11];
		return;
	}
	if (!rtcp && len >= 12)
		p->rtp_ssrc[dir] = (uint32_t)pkt[8] << 24 | (uint32_t)pkt[9] << 16 | (uint32_t)pkt[10] << 8 | pkt[11];
	if (from->z && !from->zrtp_secure)
		p->media_before_secure[dir]++;
	if (p->oracle) {
		/* a key ZRTP gave is known to the oracle before the first packet under it reaches the wire */
		for (int i = 0; i < 2; i++) {
			struct side *sd = i ? &p->b : &p->a;
			if (sd->zrtp_tx_known) {
				oracle_key(p->oracle, sd->zrtp_suite, sd->zrtp_tx);
				sd->zrtp_tx_known = false;
			}
		}
	}
	if (p->oracle && len >= 12) {
		size_t before = p->oracle->nuse;
		(rtcp ? oracle_rtcp : oracle_rtp)(p->oracle, pkt, len);
		if (p->oracle->nuse > before && p->oracle->use[before].key < p->oracle_sdes_keys && from->zrtp_secure)
			p->sdes_after_switch[dir]++;
	}
	if (!rtcp) {
		/* the last RTP packet, for replay and forgery */
		memcpy(p->last_pkt[dir], pkt, len);
		p->last_len[dir] = len;
	}
	if (!rtcp && rtp_hdr_decode(&h, pkt, len) == 0 && p->nrec[dir] < WIRE_MAX) {
		struct wire_rec *r = &p->rec[dir][p->nrec[dir]++];
		r->t = now_ms;
		r->seq = h.seq;
		r->ts = h.ts;
		r->marker = h.marker;
		r->pt = h.pt;
		r->len = len;
	}
	if (!p->verify[dir])
		return;
	memcpy(buf, pkt, len);
	if (rtcp) {
		if (srtp_sess_unprotect_rtcp(p->verify[dir], buf, &n) == 0)
			p->wire_rtcp_ok[dir]++;
		else
			p->wire_bad[dir]++;
		return;
	}
	if (srtp_sess_unprotect(p->verify[dir], buf, &n) != 0) {
		p->wire_bad[dir]++;
		return;
	}
	/* authenticated; and the payload on the wire must not be the plaintext */
	if (rtp_hdr_decode(&h, buf, n) == 0 && h.payload_len >= 4) {
		size_t i, same = 0;
		for (i = 0; i < h.payload_len; i++)
			same += pkt[h.payload_off + i] == buf[h.payload_off + i];
		if (same * 4 > h.payload_len) {
			p->wire_bad[dir]++;
			return;
		}
	}
	p->wire_ok[dir]++;
}

static void fill_key(uint8_t *k, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		k[i] = (uint8_t)(seed >> 16);
	}
}

static int side_sockets(struct side *sd, bool mux)
{
	int err = udp_open_loopback(&sd->fd, &sd->addr);

	sd->rtcp_fd = -1;
	if (!err && !mux)
		err = udp_open_loopback(&sd->rtcp_fd, &sd->rtcp_addr);
	return err;
}

static int side_dev(struct side *sd)
{
	int err;

	memset(&sd->dev, 0, sizeof(sd->dev));
	sd->dev.ops = &tdev_ops;
	sd->dev.frame = 160;
	if ((err = ring_alloc(&sd->dev.cap, 4096)) != 0 || (err = ring_alloc(&sd->dev.play, 8192)) != 0)
		return err;
	sd->out_cap = 30 * RATE;
	sd->out = calloc(sd->out_cap, sizeof(int16_t));
	sd->feed = true;
	return sd->out ? 0 : ENOMEM;
}

static void side_free(struct side *sd)
{
	stream_free(sd->s);
	zrtp_free(sd->z); /* after the stream, which took over its handlers */
	if (sd->fd >= 0)
		close(sd->fd);
	if (sd->rtcp_fd >= 0)
		close(sd->rtcp_fd);
	ring_free(sd->dev.cap);
	ring_free(sd->dev.play);
	free(sd->out);
	memset(sd, 0, sizeof(*sd));
	sd->fd = sd->rtcp_fd = -1;
}

static void pair_free(struct pair *p)
{
	side_free(&p->a);
	side_free(&p->b);
	relay_free(p->rtp);
	relay_free(p->rtcp);
	srtp_sess_free(p->verify[0]);
	srtp_sess_free(p->verify[1]);
	free(p);
}

static void crypto_of(struct stream_crypto *c, const struct cfg *cf, const uint8_t *tx, const uint8_t *rx)
{
	size_t n = srtp_suite_key_len(cf->suite) + srtp_suite_salt_len(cf->suite);

	memset(c, 0, sizeof(*c));
	c->plain = cf->plain;
	c->suite = cf->suite;
	c->tx_key = tx;
	c->tx_len = n;
	c->rx_key = rx;
	c->rx_len = n;
}

static bool drop_conf2ack(int dir, const uint8_t *pkt, size_t len, void *arg)
{
	struct pair *p = arg;
	char type[9];

	zrtp_wire_type(pkt, len, type);
	if (!p->lose_conf2ack || p->conf2ack_lost || strcmp(type, "Conf2ACK") != 0)
		return false;
	p->conf2ack_lost = true;
	p->zrtp_dropped[dir]++;
	return true;
}

/* ZRTP engines for both sides (cacheless), each knowing the other's a=zrtp-hash as the SDP would carry it. */
static int pair_zrtp(struct pair *p, const struct cfg *cf, struct stream_prm *pa, struct stream_prm *pb)
{
	struct zrtp_handlers none = { 0 };
	struct zrtp_conf ca = { .ssrc = 0x5a5a0001, .peer_uri = "sip:b@example.test" };
	struct zrtp_conf cb = { .ssrc = 0x5a5a0002, .peer_uri = "sip:a@example.test" };
	struct zrtp_hello_hash ha, hb;
	int err;

	if ((err = zrtp_alloc(&p->a.z, NULL, &ca, &none)) != 0)
		return err;
	pa->crypto.hold = cf->zrtp == ZRTP_FROM_HOLD;
	pa->ssrc = ca.ssrc;
	pa->zrtp = p->a.z;
	pa->zrtph = on_zrtp;
	if (cf->no_zrtp_b)
		return 0;
	if ((err = zrtp_alloc(&p->b.z, NULL, &cb, &none)) != 0 || (err = zrtp_hello_hash(p->a.z, &ha)) != 0 ||
	    (err = zrtp_hello_hash(p->b.z, &hb)) != 0 || (err = zrtp_set_peer_hello_hash(p->a.z, &hb)) != 0 ||
	    (err = zrtp_set_peer_hello_hash(p->b.z, &ha)) != 0)
		return err;
	pb->crypto.hold = cf->zrtp == ZRTP_FROM_HOLD;
	pb->ssrc = cb.ssrc;
	pb->zrtp = p->b.z;
	pb->zrtph = on_zrtp;
	return 0;
}

static struct pair *pair_new(const struct cfg *cf)
{
	struct pair *p = calloc(1, sizeof(*p));
	struct stream_prm pa, pb;
	struct relay_imp rimp;
	uint8_t *wrong;
	size_t n = srtp_suite_key_len(cf->suite) + srtp_suite_salt_len(cf->suite);
	int err;

	if (!p)
		return NULL;
	p->a.fd = p->a.rtcp_fd = p->b.fd = p->b.rtcp_fd = -1;
	wrong = p->wrong;
	p->ptime = cf->ptime ? cf->ptime : 20;
	p->mux = cf->mux;
	fill_key(p->a.tx_key, sizeof(p->a.tx_key), cf->seed * 2 + 1);
	fill_key(p->b.tx_key, sizeof(p->b.tx_key), cf->seed * 2 + 2);
	fill_key(wrong, sizeof(p->wrong), cf->seed * 2 + 3);
	if (side_sockets(&p->a, cf->mux) || side_sockets(&p->b, cf->mux) || side_dev(&p->a) || side_dev(&p->b))
		goto fail;
	if (relay_alloc(&p->rtp, &p->a.addr, &p->b.addr, &cf->imp, tap, p))
		goto fail;
	/* the RTCP port gets the delays but not the loss: reports are few, and RTT needs an SR/RR exchange */
	rimp = cf->imp;
	rimp.drop_pm = 0;
	if (!cf->mux && relay_alloc(&p->rtcp, &p->a.rtcp_addr, &p->b.rtcp_addr, &rimp, tap, p))
		goto fail;
	if (cf->verify && !cf->plain) {
		if (srtp_sess_alloc(&p->verify[0], cf->suite, wrong, n, p->a.tx_key, n) ||
		    srtp_sess_alloc(&p->verify[1], cf->suite, wrong, n, p->b.tx_key, n))
			goto fail;
	}

	memset(&pa, 0, sizeof(pa));
	pa.rtp_fd = p->a.fd;
	pa.rtcp_fd = p->a.rtcp_fd;
	pa.remote_rtp = *relay_addr(p->rtp, 0);
	if (!cf->mux)
		pa.remote_rtcp = *relay_addr(p->rtcp, 0);
	pa.pt = cf->pt;
	pa.ptime = cf->ptime;
	pa.dir = STREAM_SENDRECV;
	pa.timeout_ms = cf->timeout_ms;
	pa.dtmfh = on_dtmf;
	pa.timeouth = on_timeout;
	pb = pa;
	pa.dev = &p->a.dev;
	pa.arg = &p->a;
	pb.dev = &p->b.dev;
	pb.arg = &p->b;
	pb.rtp_fd = p->b.fd;
	pb.rtcp_fd = p->b.rtcp_fd;
	pb.remote_rtp = *relay_addr(p->rtp, 1);
	if (!cf->mux)
		pb.remote_rtcp = *relay_addr(p->rtcp, 1);
	crypto_of(&pa.crypto, cf, p->a.tx_key, p->b.tx_key);
	crypto_of(&pb.crypto, cf, p->b.tx_key, cf->wrong_key_b ? wrong : p->a.tx_key);
	if (cf->zrtp != ZRTP_OFF && pair_zrtp(p, cf, &pa, &pb) != 0)
		goto fail;
	p->prm[0] = pa;
	p->prm[1] = pb;
	err = stream_alloc(&p->a.s, &pa);
	if (!err)
		err = stream_alloc(&p->b.s, &pb);
	if (err) {
		diag("stream_alloc: %s", strerror(err));
		goto fail;
	}
	return p;
fail:
	pair_free(p);
	return NULL;
}

static void side_feed(struct side *sd, unsigned ptime, uint64_t now)
{
	int16_t frame[480];
	unsigned spf = ptime * 8, i;

	while (sd->fed_ms + ptime <= now) {
		sd->fed_ms += ptime;
		if (!sd->feed)
			continue;
		for (i = 0; i < spf; i++) {
			if (sd->sig_loop && sd->sig_pos == sd->sig_len)
				sd->sig_pos = 0;
			frame[i] = sd->sig && sd->sig_pos < sd->sig_len ? sd->sig[sd->sig_pos++] : 0;
		}
		ring_write(sd->dev.cap, frame, spf);
	}
}

static void side_drain(struct side *sd)
{
	int16_t buf[1024];
	size_t n;

	while ((n = ring_read(sd->dev.play, buf, 1024)) > 0) {
		size_t room = sd->out_cap - sd->out_len;
		if (n > room)
			n = room;
		memcpy(sd->out + sd->out_len, buf, n * sizeof(int16_t));
		sd->out_len += n;
	}
}

static void side_rx(struct side *sd, uint64_t now)
{
	stream_rx(sd->s, sd->fd, now);
	if (sd->rtcp_fd >= 0)
		stream_rx(sd->s, sd->rtcp_fd, now);
}

/* One millisecond of virtual time for any number of pairs. */
static void step(struct pair **ps, size_t np, uint64_t now)
{
	size_t i;

	for (i = 0; i < np; i++) {
		struct side *sd[2] = { &ps[i]->a, &ps[i]->b };
		int k;
		for (k = 0; k < 2; k++) {
			sd[k]->now = now;
			size_t before = ring_avail(sd[k]->dev.cap);
			side_feed(sd[k], ps[i]->ptime, now);
			if (ps[i]->by_deadline && ring_avail(sd[k]->dev.cap) == before &&
			    now < stream_next_deadline(sd[k]->s))
				continue;
			stream_process(sd[k]->s, now);
			ps[i]->calls++;
		}
	}
	for (i = 0; i < np; i++) {
		relay_poll(ps[i]->rtp, now);
		if (ps[i]->rtcp)
			relay_poll(ps[i]->rtcp, now);
	}
	for (i = 0; i < np; i++) {
		side_rx(&ps[i]->a, now);
		side_rx(&ps[i]->b, now);
		side_drain(&ps[i]->a);
		side_drain(&ps[i]->b);
	}
}

static void run(struct pair **ps, size_t np, uint64_t *now, uint64_t ms)
{
	uint64_t end = *now + ms;

	for (; *now < end; (*now)++)
		step(ps, np, *now);
}

/* ---- signals and measures ---- */

/* Linear chirp f0 -> f1 over n samples with a slow amplitude wobble: nothing repeats. */
static int16_t *chirp(size_t n, double f0, double f1, double amp)
{
	int16_t *x = malloc(n * sizeof(*x));
	double ph = 0;
	size_t i;

	if (!x)
		return NULL;
	for (i = 0; i < n; i++) {
		double f = f0 + (f1 - f0) * (double)i / (double)n;
		double a = amp * (0.75 + 0.25 * sin(2 * M_PI * 1.3 * i / RATE));
		ph += 2 * M_PI * f / RATE;
		x[i] = (int16_t)lrint(a * sin(ph));
	}
	return x;
}

/* Best lag of y against x[from..from+n) and the normalised correlation there. */
static double best_corr(const int16_t *x, size_t from, size_t n, const int16_t *y, size_t ylen,
			size_t lag_lo, size_t lag_hi, size_t *lagp)
{
	double best = -2;
	size_t lag, bl = 0;

	for (lag = lag_lo; lag <= lag_hi; lag++) {
		double c;
		if (from + lag + n > ylen)
			break;
		c = meas_corr(x + from, y + from + lag, n);
		if (c > best) {
			best = c;
			bl = lag;
		}
	}
	if (lagp)
		*lagp = bl;
	return best;
}

/* The test's measure (see CORR_MIN): one alignment, then correlation over the whole aligned overlap. */
static double measure(const int16_t *x, size_t xlen, const int16_t *y, size_t ylen, size_t *lagp)
{
	size_t head = SETTLE_MS * 8, tail = RATE / 5, lag, n;
	size_t probe = RATE; /* align on one second of the signal */

	if (xlen < head + tail + probe)
		return -1;
	best_corr(x, head, probe, y, ylen, 0, MAX_LAG_MS * 8, &lag);
	n = xlen - head - tail;
	if (head + lag + n > ylen)
		n = ylen > head + lag ? ylen - head - lag : 0;
	if (n < probe)
		return -1;
	if (lagp)
		*lagp = lag;
	return meas_corr(x + head, y + head + lag, n);
}

static bool all_zero(const int16_t *y, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (y[i])
			return false;
	return true;
}

static void get(const struct side *sd, struct stream_stats *st)
{
	stream_stats(sd->s, st);
}

static void jdiag(const char *what, const struct side *sd)
{
	struct stream_stats st;

	stream_stats(sd->s, &st);
	diag("%s: jbuf delay %u ms target %u, put %llu played %llu lost %llu late %llu concealed %llu "
	     "inserted %llu dropped %llu rebuffers %llu",
	     what, st.jb.delay_ms, st.jb.target_ms, (unsigned long long)st.jb.put, (unsigned long long)st.jb.played,
	     (unsigned long long)st.jb.lost, (unsigned long long)st.jb.late, (unsigned long long)st.concealed,
	     (unsigned long long)st.jb.inserted, (unsigned long long)st.jb.dropped,
	     (unsigned long long)st.jb.rebuffers);
}

/* ---- tests ---- */

static void test_suite(enum srtp_suite_id suite)
{
	struct cfg cf = { .suite = suite, .pt = STREAM_PT_PCMU, .mux = true, .verify = true, .seed = 10 + suite };
	const char *name = srtp_suite_name(suite);
	size_t n = 3 * RATE, lag;
	int16_t *xa = chirp(n, 300, 3300, 9000), *xb = chirp(n, 3000, 200, 8000);
	struct pair *p = pair_new(&cf);
	struct stream_stats sa, sb;
	uint64_t now = 0;
	double c;

	if (!ok(p && xa && xb, "%s: pair set up", name))
		goto out;
	p->a.sig = xa;
	p->a.sig_len = n;
	p->b.sig = xb;
	p->b.sig_len = n;
	run(&p, 1, &now, 1500);
	get(&p->a, &sa);
	get(&p->b, &sb);
	ok(sa.mic_peak > 0.15 && sb.spk_peak > 0.1 && sb.mic_peak > 0.15 && sa.spk_peak > 0.1,
	   "%s: levels mic %.2f speaker %.2f", name, sa.mic_peak, sb.spk_peak);
	run(&p, 1, &now, 2500);

	c = measure(xa, n, p->b.out, p->b.out_len, &lag);
	ok(c >= CORR_MIN, "%s: A->B correlation %.4f >= %.2f (lag %zu samples)", name, c, CORR_MIN, lag);
	c = measure(xb, n, p->a.out, p->a.out_len, &lag);
	ok(c >= CORR_MIN, "%s: B->A correlation %.4f >= %.2f (lag %zu samples)", name, c, CORR_MIN, lag);
	get(&p->a, &sa);
	get(&p->b, &sb);
	ok(sa.secure && sb.secure, "%s: both secure", name);
	is_str(sa.tx_suite, name, "%s: suite reported", name);
	ok(sa.rtp_sent > 150 && sb.rtp_received + 2 >= sa.rtp_sent, "%s: A sent %llu, B received %llu", name,
	   (unsigned long long)sa.rtp_sent, (unsigned long long)sb.rtp_received);
	is_int(sa.srtp.plaintext_sent + sb.srtp.plaintext_sent + sa.srtp.plaintext_received +
		       sb.srtp.plaintext_received,
	       0, "%s: no plaintext either way", name);
	is_int(sa.srtp.auth_fail + sb.srtp.auth_fail + sa.srtp.replay_fail + sb.srtp.replay_fail, 0,
	       "%s: no auth/replay failures", name);
	/* every packet on the wire authenticated with the sender's key and was not plaintext */
	ok(p->wire_ok[0] >= sa.rtp_sent && p->wire_ok[1] >= sb.rtp_sent,
	   "%s: wire: %llu + %llu RTP packets verified", name, (unsigned long long)p->wire_ok[0],
	   (unsigned long long)p->wire_ok[1]);
	is_int(p->wire_bad[0] + p->wire_bad[1], 0, "%s: wire: no packet unauthenticated or plaintext", name);
	ok(p->wire_rtcp_ok[0] >= 1 && p->wire_rtcp_ok[0] == sa.rtcp_sent, "%s: wire: %llu SRTCP packets verified",
	   name, (unsigned long long)p->wire_rtcp_ok[0]);
out:
	if (p)
		pair_free(p);
	free(xa);
	free(xb);
}

static void test_plain(void)
{
	struct cfg cf = { .plain = true, .pt = STREAM_PT_PCMA, .ptime = 60, .mux = true, .seed = 3 };
	size_t n = 3 * RATE;
	int16_t *xa = chirp(n, 500, 2500, 8000);
	struct pair *p = pair_new(&cf);
	struct stream_stats sa, sb;
	uint64_t now = 0;
	double c;

	if (!ok(p && xa, "plain: pair set up"))
		goto out;
	p->a.sig = xa;
	p->a.sig_len = n;
	run(&p, 1, &now, 3500);
	c = measure(xa, n, p->b.out, p->b.out_len, NULL);
	ok(c >= CORR_MIN, "plain PCMA 60 ms: correlation %.4f", c);
	get(&p->a, &sa);
	get(&p->b, &sb);
	ok(!sa.secure && strcmp(sa.tx_suite, "plain") == 0, "plain: reported as plain");
	ok(sa.srtp.plaintext_sent > 0 && sb.srtp.plaintext_received > 0, "plain: plaintext counted (%llu)",
	   (unsigned long long)sa.srtp.plaintext_sent);
	is_str(sb.codec, "PCMA", "plain: codec");
out:
	if (p)
		pair_free(p);
	free(xa);
}

static void test_wrong_key(void)
{
	struct cfg cf = { .suite = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, .pt = STREAM_PT_PCMU, .mux = true,
			  .wrong_key_b = true, .seed = 4 };
	size_t n = 2 * RATE;
	int16_t *xa = chirp(n, 300, 3000, 9000);
	struct pair *p = pair_new(&cf);
	struct stream_stats sa, sb;
	uint64_t now = 0;

	if (!ok(p && xa, "wrong key: pair set up"))
		goto out;
	p->a.sig = xa;
	p->a.sig_len = n;
	run(&p, 1, &now, 6000);
	get(&p->a, &sa);
	get(&p->b, &sb);
	ok(sa.rtp_sent > 250, "wrong key: A sent %llu", (unsigned long long)sa.rtp_sent);
	is_int(sb.srtp.auth_fail, sa.rtp_sent + sa.rtcp_sent, "wrong key: every RTP and RTCP packet rejected");
	is_int(sb.rx_rejected, sa.rtp_sent + sa.rtcp_sent, "wrong key: all counted as rejected");
	is_int(sb.rtp_received, 0, "wrong key: nothing accepted");
	is_int(sb.jb.put, 0, "wrong key: jitter buffer never fed");
	ok(p->b.out_len > 8000, "wrong key: playback ran (%zu samples)", p->b.out_len);
	ok(all_zero(p->b.out, p->b.out_len), "wrong key: playback is pure silence");
	is_int(sb.latches, 0, "wrong key: no latching on unauthenticated packets");
	/* the other direction is unaffected */
	ok(sa.rtp_received > 250, "wrong key: B->A still fine (%llu)", (unsigned long long)sa.rtp_received);
out:
	if (p)
		pair_free(p);
	free(xa);
}

static void test_replay(void)
{
	struct cfg cf = { .suite = SRTP_SUITE_AEAD_AES_128_GCM, .pt = STREAM_PT_PCMU, .mux = true, .seed = 5 };
	struct pair *p;
	struct stream_stats before, after;
	uint8_t pkt[1600];
	size_t len;
	uint64_t now = 0;

	if (!srtp_suite_supported(cf.suite))
		cf.suite = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80;
	p = pair_new(&cf);
	if (!ok(p, "replay: pair set up"))
		return;
	run(&p, 1, &now, 500);
	len = p->last_len[0];
	memcpy(pkt, p->last_pkt[0], len);
	get(&p->b, &before);
	ok(len > 12, "replay: captured a packet of %zu bytes", len);
	relay_inject(p->rtp, 0, pkt, len);
	side_rx(&p->b, now);
	get(&p->b, &after);
	is_int(after.srtp.replay_fail - before.srtp.replay_fail, 1, "replay: replayed packet counted");
	is_int(after.rtp_received, before.rtp_received, "replay: not accepted");
	is_int(after.jb.put, before.jb.put, "replay: not given to the jitter buffer");
	/* a packet with one flipped payload bit fails authentication */
	pkt[len - 15] ^= 1;
	relay_inject(p->rtp, 0, pkt, len);
	side_rx(&p->b, now);
	get(&p->b, &before);
	ok(before.srtp.auth_fail == 1 || before.srtp.replay_fail == 2, "replay: tampered copy rejected");
	is_int(before.rtp_received, after.rtp_received, "replay: tampered copy not accepted");
	pair_free(p);
}

/*
 * Segment-wise: each 200 ms of the signal aligned on its own within 100 ms
 * of the global lag (the jitter buffer moves the delay under jitter). Gives
 * the median and the share of segments correlating >= 0.9.
 */
static double seg_corr(const int16_t *x, size_t xlen, const int16_t *y, size_t ylen, size_t lag, unsigned *nseg,
		       double *good_share)
{
	double c[256], t;
	size_t seg = RATE / 5, from, win = 100 * 8, k = 0, i, j, good = 0;

	for (from = SETTLE_MS * 8; from + seg < xlen && k < 256; from += seg) {
		size_t lo = lag > win ? lag - win : 0;
		c[k] = best_corr(x, from, seg, y, ylen, lo, lag + win, NULL);
		good += c[k] >= 0.9;
		k++;
	}
	for (i = 1; i < k; i++)
		for (j = i; j > 0 && c[j - 1] > c[j]; j--) {
			t = c[j];
			c[j] = c[j - 1];
			c[j - 1] = t;
		}
	*nseg = (unsigned)k;
	*good_share = k ? (double)good / k : 0;
	return k ? c[k / 2] : -1;
}

static void test_impaired(void)
{
	struct cfg cf = { .suite = SRTP_SUITE_AES_CM_128_HMAC_SHA1_32, .pt = STREAM_PT_PCMU, .mux = false,
			  .verify = true, .seed = 6,
			  .imp = { .drop_pm = 50, .delay_ms = 20, .jitter_ms = 40, .reorder_pm = 30,
				   .reorder_ms = 45, .seed = 777 } };
	size_t n = 10 * RATE, lag = 0;
	int16_t *xa = chirp(n, 250, 3200, 9000), *xb = chirp(n, 3300, 300, 9000);
	struct pair *p = pair_new(&cf);
	struct stream_stats sa, sb;
	uint64_t now = 0;
	unsigned nseg = 0;
	double c, cm, share = 0;

	if (!ok(p && xa && xb, "impaired: pair set up"))
		goto out;
	p->a.sig = xa;
	p->a.sig_len = n;
	p->b.sig = xb;
	p->b.sig_len = n;
	run(&p, 1, &now, 12000);
	get(&p->a, &sa);
	get(&p->b, &sb);
	c = measure(xa, n, p->b.out, p->b.out_len, &lag);
	cm = seg_corr(xa, n, p->b.out, p->b.out_len, lag, &nseg, &share);
	diag("impaired: dropped %llu/%llu, whole-signal correlation %.3f, median of %u segments %.3f, "
	     "%.0f%% of segments >= 0.9",
	     (unsigned long long)relay_dropped(p->rtp, 0),
	     (unsigned long long)(relay_dropped(p->rtp, 0) + relay_forwarded(p->rtp, 0)), c, nseg, cm,
	     share * 100);
	jdiag("impaired B", &p->b);
	/* 5% loss concealed by PLC: each 200 ms piece still closely follows the sent audio */
	ok(cm >= 0.9, "impaired: median segment correlation %.3f >= 0.9", cm);
	ok(share >= 0.6, "impaired: %.0f%% of 200 ms segments correlate >= 0.9 (>= 60%%)", share * 100);
	ok(relay_dropped(p->rtp, 0) > 10, "impaired: relay dropped packets");
	ok(sb.concealed >= relay_dropped(p->rtp, 0) / 2, "impaired: concealed frames %llu rose",
	   (unsigned long long)sb.concealed);
	ok(sb.lost > 0, "impaired: RTCP loss counted (%u)", sb.lost);
	ok(sb.jitter_ms > 2, "impaired: jitter measured (%u ms)", sb.jitter_ms);
	ok(sa.rtt_valid && sa.rtt_ms >= 40 && sa.rtt_ms <= 200, "impaired: RTT %u ms (delay 20..105 ms each way)",
	   sa.rtt_ms);
	ok(sa.rtcp_received >= 1 && sb.rtcp_received >= 1, "impaired: SRTCP on its own port both ways");
	is_int(p->wire_bad[0] + p->wire_bad[1], 0, "impaired: every packet on the wire authenticated");
	is_int(sb.srtp.auth_fail + sa.srtp.auth_fail, 0, "impaired: no auth failures");
out:
	if (p)
		pair_free(p);
	free(xa);
	free(xb);
}

static void test_dtmf(void)
{
	struct cfg cf = { .suite = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, .pt = STREAM_PT_PCMU, .mux = true,
			  .verify = true, .seed = 7, .imp = { .delay_ms = 5, .jitter_ms = 10, .seed = 3 } };
	struct pair *p = pair_new(&cf);
	struct stream_stats sa, sb;
	uint64_t now = 0;
	unsigned i;
	bool durs = true;

	if (!ok(p, "dtmf: pair set up"))
		return;
	run(&p, 1, &now, 300);
	is_int(stream_dtmf(p->a.s, "123#"), 0, "dtmf: queued");
	is_int(stream_dtmf(p->a.s, "x"), EINVAL, "dtmf: bad digit refused");
	is_int(stream_dtmf(p->b.s, "*9"), 0, "dtmf: queued the other way");
	run(&p, 1, &now, 2000);
	is_str(p->b.digits, "123#", "dtmf: B got each digit once, in order");
	is_str(p->a.digits, "*9", "dtmf: A got each digit once");
	for (i = 0; i < p->b.ndigits; i++)
		durs = durs && p->b.durations[i] == 100;
	ok(durs && p->b.ndigits == 4, "dtmf: durations 100 ms (first %u)", p->b.durations[0]);
	get(&p->a, &sa);
	get(&p->b, &sb);
	is_int(sb.dtmf_received, 4, "dtmf: counted");
	ok(sa.dtmf_sent == 4 * 7, "dtmf: %llu event packets sent (5 + 2 end repeats each)", (unsigned long long)sa.dtmf_sent);
	is_int(p->wire_bad[0], 0, "dtmf: event packets protected too");
	pair_free(p);
}

static void test_two_pairs(void)
{
	struct cfg c1 = { .suite = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, .pt = STREAM_PT_PCMU, .mux = true, .seed = 8 };
	struct cfg c2 = { .suite = SRTP_SUITE_AES_256_CM_HMAC_SHA1_32, .pt = STREAM_PT_PCMA, .ptime = 30,
			  .mux = false, .seed = 9 };
	size_t n = 3 * RATE;
	int16_t *x1 = chirp(n, 300, 3300, 9000), *x2 = chirp(n, 3100, 400, 9000);
	struct pair *ps[2];
	struct stream_stats s2;
	uint64_t now = 0;
	double c11, c22, c12;

	if (!srtp_suite_supported(c2.suite))
		c2.suite = SRTP_SUITE_AES_CM_128_HMAC_SHA1_32;
	ps[0] = pair_new(&c1);
	ps[1] = pair_new(&c2);
	if (!ok(ps[0] && ps[1] && x1 && x2, "two pairs: set up"))
		goto out;
	ps[0]->a.sig = x1;
	ps[0]->a.sig_len = n;
	ps[1]->a.sig = x2;
	ps[1]->a.sig_len = n;
	is_int(stream_dtmf(ps[1]->a.s, "7"), 0, "two pairs: digit on pair 2 only");
	ps[1]->by_deadline = true;
	run(ps, 2, &now, 4000);
	jdiag("pair1 B", &ps[0]->b);
	jdiag("pair2 B", &ps[1]->b);
	c11 = measure(x1, n, ps[0]->b.out, ps[0]->b.out_len, NULL);
	c22 = measure(x2, n, ps[1]->b.out, ps[1]->b.out_len, NULL);
	c12 = measure(x2, n, ps[0]->b.out, ps[0]->b.out_len, NULL);
	ok(c11 >= CORR_MIN && c22 >= 0.9, "two pairs: each carries its own audio (%.4f, %.4f)", c11, c22);
	ok(c12 < 0.3, "two pairs: no crosstalk (%.3f)", c12);
	is_str(ps[1]->b.digits, "7", "two pairs: pair 2 got its digit");
	is_str(ps[0]->b.digits, "", "two pairs: pair 1 got none");
	get(&ps[1]->b, &s2);
	ok(s2.ptime == 30 && strcmp(s2.codec, "PCMA") == 0, "two pairs: pair 2 PCMA, 30 ms");
	ok(s2.rtcp_received >= 1, "two pairs: pair 2 RTCP on its own port");
	ok(ps[1]->calls < ps[0]->calls / 10, "two pairs: pair 2 driven only at its deadlines and wake-ups (%llu calls vs %llu)",
	   (unsigned long long)ps[1]->calls, (unsigned long long)ps[0]->calls);
out:
	if (ps[0])
		pair_free(ps[0]);
	if (ps[1])
		pair_free(ps[1]);
	free(x1);
	free(x2);
}

static const struct wire_rec *last_audio_before(const struct pair *p, int dir, uint64_t t)
{
	const struct wire_rec *r = NULL;
	size_t i;

	for (i = 0; i < p->nrec[dir]; i++)
		if (p->rec[dir][i].t < t && p->rec[dir][i].pt == STREAM_PT_PCMU)
			r = &p->rec[dir][i];
	return r;
}

static const struct wire_rec *first_audio_after(const struct pair *p, int dir, uint64_t t)
{
	size_t i;

	for (i = 0; i < p->nrec[dir]; i++)
		if (p->rec[dir][i].t >= t && p->rec[dir][i].pt == STREAM_PT_PCMU)
			return &p->rec[dir][i];
	return NULL;
}

static void test_hold(void)
{
	struct cfg cf = { .suite = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, .pt = STREAM_PT_PCMU, .mux = true,
			  .verify = true, .seed = 11 };
	size_t n = 4 * RATE;
	int16_t *xa = chirp(n, 300, 3300, 9000);
	struct pair *p = pair_new(&cf);
	const struct wire_rec *r0, *r1;
	struct stream_stats sa0, sa1, sb0, sb1;
	uint64_t now = 0, t_hold, t_resume;
	size_t out_at_resume, i;
	bool audible = false;

	if (!ok(p && xa, "hold: pair set up"))
		goto out;
	p->a.sig = xa;
	p->a.sig_len = n;
	run(&p, 1, &now, 1000);
	t_hold = now;
	/* A puts B on hold: A sendonly, B recvonly; then both inactive */
	stream_set_direction(p->a.s, STREAM_SENDONLY);
	stream_set_direction(p->b.s, STREAM_RECVONLY);
	run(&p, 1, &now, 500);
	get(&p->a, &sa0);
	get(&p->b, &sb0);
	stream_set_direction(p->a.s, STREAM_INACTIVE);
	stream_set_direction(p->b.s, STREAM_INACTIVE);
	stream_set_device(p->b.s, NULL);
	run(&p, 1, &now, 700);
	get(&p->a, &sa1);
	get(&p->b, &sb1);
	is_int(sa1.rtp_sent, sa0.rtp_sent, "hold: inactive sends no RTP");
	is_int(sb1.rtp_sent, sb0.rtp_sent, "hold: inactive peer sends no RTP either");
	ok(sb0.rtp_sent == sb1.rtp_sent && sb0.dir == STREAM_RECVONLY && sb1.dir == STREAM_INACTIVE,
	   "hold: directions reported");
	t_resume = now;
	stream_set_device(p->b.s, &p->b.dev);
	stream_set_direction(p->a.s, STREAM_SENDRECV);
	stream_set_direction(p->b.s, STREAM_SENDRECV);
	out_at_resume = p->b.out_len;
	run(&p, 1, &now, 1000);
	r0 = last_audio_before(p, 0, t_resume);
	r1 = first_audio_after(p, 0, t_resume);
	if (ok(r0 && r1, "hold: packets around the pause seen on the wire")) {
		ok(r1->marker, "hold: first packet after resume has the marker");
		is_int((uint16_t)(r1->seq - r0->seq), 1, "hold: sequence numbers continue");
		is_int(r1->ts - r0->ts, (r1->t - r0->t) * 8, "hold: timestamp advanced by the %llu ms paused",
		       (unsigned long long)(r1->t - r0->t));
	}
	r0 = last_audio_before(p, 1, t_hold + 1);
	r1 = first_audio_after(p, 1, t_resume);
	if (r0 && r1)
		is_int(r1->ts - r0->ts, (r1->t - r0->t) * 8, "hold: B's timestamps continuous across its pause");
	for (i = out_at_resume; i < p->b.out_len; i++)
		audible = audible || abs(p->b.out[i]) > 3000;
	ok(audible, "hold: audio flows again after resume");
	is_int(p->wire_bad[0] + p->wire_bad[1], 0, "hold: all packets protected");
out:
	if (p)
		pair_free(p);
	free(xa);
}

/* Mute: the captured audio is replaced by silence, but RTP keeps its pace and DTMF still goes out. */
static void test_mute(void)
{
	struct cfg cf = { .suite = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, .pt = STREAM_PT_PCMU, .mux = true,
			  .verify = true, .seed = 13 };
	size_t n = 5 * RATE, i, at_mute, at_unmute, margin;
	int16_t *xa = chirp(n, 300, 3300, 9000);
	struct pair *p = pair_new(&cf);
	struct stream_stats sa0, sa1, sb0, sb1;
	uint64_t now = 0;
	bool audible_before = false, silent = true, audible_after = false;

	if (!ok(p && xa, "mute: pair set up"))
		goto out;
	p->a.sig = xa;
	p->a.sig_len = n;
	run(&p, 1, &now, 1000);
	for (i = 0; i < p->b.out_len; i++)
		audible_before = audible_before || abs(p->b.out[i]) > 3000;
	ok(audible_before, "mute: audio heard before muting");
	is_int(stream_set_mute(p->a.s, true), 0, "mute: on");
	is_int(stream_set_mute(NULL, true), EINVAL, "mute: NULL stream refused");
	get(&p->a, &sa0);
	get(&p->b, &sb0);
	ok(sa0.muted && !sb0.muted, "mute: reported by the muted side only");
	at_mute = p->b.out_len;
	run(&p, 1, &now, 300);
	is_int(stream_dtmf(p->a.s, "5"), 0, "mute: DTMF queued while muted");
	run(&p, 1, &now, 1200);
	get(&p->a, &sa1);
	get(&p->b, &sb1);
	at_unmute = p->b.out_len;
	/* what was in flight and in B's jitter buffer at the moment of muting still plays */
	margin = (size_t)(sb1.jb.delay_ms + 60) * RATE / 1000;
	for (i = at_mute + margin; i < at_unmute; i++)
		silent = silent && p->b.out[i] == 0;
	ok(at_unmute > at_mute + margin && silent, "mute: B hears silence (%zu samples checked)",
	   at_unmute > at_mute + margin ? at_unmute - at_mute - margin : 0);
	ok(sa1.rtp_sent - sa0.rtp_sent >= 70 && sb1.rtp_received - sb0.rtp_received >= 70,
	   "mute: RTP keeps flowing (%llu sent, %llu received in 1.5 s)",
	   (unsigned long long)(sa1.rtp_sent - sa0.rtp_sent), (unsigned long long)(sb1.rtp_received - sb0.rtp_received));
	is_str(p->b.digits, "5", "mute: DTMF sent while muted arrives");
	ok(sa1.mic_peak > 0.1, "mute: the microphone level is still measured (%.2f)", sa1.mic_peak);
	is_int(stream_set_mute(p->a.s, false), 0, "mute: off");
	run(&p, 1, &now, 1000);
	for (i = at_unmute + margin; i < p->b.out_len; i++)
		audible_after = audible_after || abs(p->b.out[i]) > 3000;
	ok(audible_after, "mute: audio heard again after unmuting");
	is_int(p->wire_bad[0] + p->wire_bad[1], 0, "mute: all packets protected");
out:
	if (p)
		pair_free(p);
	free(xa);
}

static void test_rekey(void)
{
	struct cfg cf = { .suite = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, .pt = STREAM_PT_PCMU, .mux = true, .seed = 12 };
	size_t n = 4 * RATE;
	int16_t *xa = chirp(n, 300, 3300, 9000), *xb = chirp(n, 3000, 300, 9000);
	struct pair *p = pair_new(&cf);
	struct stream_stats sa, sb, a0, a1;
	struct stream_crypto ca, cb;
	uint8_t ka[SRTP_MAX_MASTER_LEN], kb[SRTP_MAX_MASTER_LEN];
	struct cfg nc = cf;
	uint64_t now = 0, window;
	double c;

	if (!ok(p && xa && xb, "rekey: pair set up"))
		goto out;
	p->a.sig = xa;
	p->a.sig_len = n;
	p->b.sig = xb;
	p->b.sig_len = n;
	run(&p, 1, &now, 1500);
	/* to a new suite and new keys: A (offerer) applies the answer first, B one packet time later */
	nc.suite = SRTP_SUITE_AEAD_AES_256_GCM;
	if (!srtp_suite_supported(nc.suite))
		nc.suite = SRTP_SUITE_AES_CM_128_HMAC_SHA1_32;
	fill_key(ka, sizeof(ka), 991);
	fill_key(kb, sizeof(kb), 992);
	crypto_of(&ca, &nc, ka, kb);
	crypto_of(&cb, &nc, kb, ka);
	is_int(stream_rekey(p->a.s, &ca), 0, "rekey: A");
	get(&p->a, &a0);
	run(&p, 1, &now, 10);
	{
		/* a forged packet while A holds both key sets is one auth failure, not two */
		uint8_t f[1600];
		size_t fl = p->last_len[1];
		struct stream_stats x0, x1;
		memcpy(f, p->last_pkt[1], fl);
		/* a sequence number a little ahead, so not a replay: authentication decides */
		f[2] = (uint8_t)(((f[2] << 8 | f[3]) + 5) >> 8);
		f[3] = (uint8_t)(f[3] + 5);
		get(&p->a, &x0);
		relay_inject(p->rtp, 1, f, fl);
		side_rx(&p->a, now);
		get(&p->a, &x1);
		is_int(x1.srtp.auth_fail - x0.srtp.auth_fail, 1, "rekey: forged packet in the grace period counted once");
		is_int(x1.rtp_received, x0.rtp_received, "rekey: forged packet not accepted");
	}
	run(&p, 1, &now, 10);
	get(&p->a, &a1);
	is_int(stream_rekey(p->b.s, &cb), 0, "rekey: B, 20 ms later");
	/* what A sent under its new keys before B had them: an RTP packet, and an RTCP report if one fell due */
	window = (a1.rtp_sent - a0.rtp_sent) + (a1.rtcp_sent - a0.rtcp_sent);
	run(&p, 1, &now, 2900);
	get(&p->a, &sa);
	get(&p->b, &sb);
	ok(sa.rtp_sent - sb.rtp_received <= 1, "rekey: A->B lost %lld packet(s) (<= 1)",
	   (long long)(sa.rtp_sent - sb.rtp_received));
	ok(sb.rtp_sent - sa.rtp_received == 0, "rekey: B->A lost none (old keys honoured in flight)");
	is_int(sa.srtp.auth_fail, 1, "rekey: A counted only the forged packet as an auth failure");
	ok(sb.srtp.auth_fail <= window,
	   "rekey: B counted %llu auth failure(s), no more than the %llu packets A sent before B had the keys",
	   (unsigned long long)sb.srtp.auth_fail, (unsigned long long)window);
	is_str(sa.tx_suite, srtp_suite_name(nc.suite), "rekey: new suite in use");
	c = measure(xa, n, p->b.out, p->b.out_len, NULL);
	ok(c >= 0.9, "rekey: A->B correlation across the rekey %.4f", c);
	c = measure(xb, n, p->a.out, p->a.out_len, NULL);
	ok(c >= CORR_MIN, "rekey: B->A correlation across the rekey %.4f", c);
	/* plain is never accepted again once SRTP is on: a rekey from SRTP back to SRTP only */
	is_int(stream_rekey(p->a.s, &(struct stream_crypto){ .suite = SRTP_SUITE_COUNT }), EINVAL,
	       "rekey: bad suite refused, keys unchanged");
	get(&p->a, &sa);
	is_str(sa.tx_suite, srtp_suite_name(nc.suite), "rekey: still the new suite");
out:
	if (p)
		pair_free(p);
	free(xa);
	free(xb);
}

/* Share of the signal's energy at freq (Goertzel): about 1 for a clean tone. */
static double tone_share(const int16_t *x, size_t n, double freq)
{
	double k = 2 * cos(2 * M_PI * freq / RATE), s1 = 0, s2 = 0, e = 0, pw;
	size_t i;

	for (i = 0; i < n; i++) {
		double s0 = x[i] + k * s1 - s2;
		s2 = s1;
		s1 = s0;
		e += (double)x[i] * x[i];
	}
	pw = s1 * s1 + s2 * s2 - k * s1 * s2;
	return e > 0 ? 2 * pw / (double)n / e : 0;
}

static int16_t *tone(size_t n, double freq)
{
	int16_t *x = malloc(n * sizeof(*x));

	for (size_t i = 0; x && i < n; i++)
		x[i] = (int16_t)(8000 * sin(2 * M_PI * freq * (double)i / RATE));
	return x;
}

/* Virtual time in steps of one packet time: ~66,000 packets (past a 16-bit wrap) in a second or two. */
static void run_fast(struct pair *p, uint64_t *now, uint64_t ms)
{
	uint64_t end = *now + ms;

	for (; *now < end; *now += p->ptime)
		step(&p, 1, *now);
}

/* 2 s of the call from now: each side hears the other's tone, decrypted under the keys of the moment. */
static void heard_both(struct pair *p, uint64_t *now, const char *what)
{
	struct stream_stats sa0, sb0, sa, sb;
	double ha, hb;

	get(&p->a, &sa0);
	get(&p->b, &sb0);
	run_fast(p, now, 500);
	p->a.out_len = p->b.out_len = 0;
	run_fast(p, now, 1500);
	get(&p->a, &sa);
	get(&p->b, &sb);
	ha = tone_share(p->a.out, p->a.out_len, 600);
	hb = tone_share(p->b.out, p->b.out_len, 1000);
	ok(ha > 0.95 && hb > 0.95 && sa.rtp_received - sa0.rtp_received >= 95 && sb.rtp_received - sb0.rtp_received >= 95,
	   "%s: A hears B's 600 Hz (%.3f), B hears A's 1000 Hz (%.3f); %llu and %llu packets authenticated", what, ha,
	   hb, (unsigned long long)(sa.rtp_received - sa0.rtp_received),
	   (unsigned long long)(sb.rtp_received - sb0.rtp_received));
}

/* Both ends apply an offer/answer: A first (it answers), B one packet time later. */
static void rekey_both(struct pair *p, uint64_t *now, const struct stream_crypto *ca, const struct stream_crypto *cb,
		       const char *what)
{
	int ea = stream_rekey(p->a.s, ca), eb;

	run_fast(p, now, p->ptime);
	eb = stream_rekey(p->b.s, cb);
	ok(ea == 0 && eb == 0, "%s: applied (A %d, B %d)", what, ea, eb);
}

/*
 * RFC 3711 9.2: a keystream is never used twice. A call past a 16-bit
 * sequence wrap with re-keys by the far end (before and after the wrap), a
 * suite change and back; the oracle checks every packet on the wire. Both
 * senders start at sequence number first_seq (the SPHONE_TEST_RTP_SEQ test
 * hook): from 0 the call runs 22 virtual minutes, one whole cycle of the
 * sequence number, so that an index started over is an index used before.
 */
static void test_rekey_wrap(enum srtp_suite_id suite, unsigned first_seq)
{
	struct cfg cf = { .suite = suite, .pt = STREAM_PT_PCMU, .mux = true, .seed = 40 + suite };
	enum srtp_suite_id other = suite >= SRTP_SUITE_AEAD_AES_128_GCM ? SRTP_SUITE_AES_CM_128_HMAC_SHA1_80
									 : SRTP_SUITE_AEAD_AES_128_GCM;
	const char *name = srtp_suite_name(suite);
	struct cfg co = cf;
	struct oracle *o = calloc(1, sizeof(*o));
	char seq0[8];
	uint8_t k[8][SRTP_MAX_MASTER_LEN];
	int16_t *ta = tone(RATE, 1000), *tb = tone(RATE, 600);
	struct stream_crypto ca, cb;
	struct stream_stats st;
	struct pair *p;
	uint32_t ssrc_a;
	uint64_t now = 0;
	char what[96];

	co.suite = other;
	for (int i = 0; i < 8; i++)
		fill_key(k[i], sizeof(k[i]), 4000u + 10u * suite + (uint32_t)i);
	snprintf(seq0, sizeof(seq0), "%u", first_seq);
	setenv("SPHONE_TEST_RTP_SEQ", seq0, 1);
	p = pair_new(&cf);
	unsetenv("SPHONE_TEST_RTP_SEQ");
	if (!ok(p && o && ta && tb, "%s wrap: pair set up", name))
		goto out;
	p->oracle = o;
	oracle_key(o, suite, p->a.tx_key);
	oracle_key(o, suite, p->b.tx_key);
	p->a.sig = ta;
	p->b.sig = tb;
	p->a.sig_len = p->b.sig_len = RATE;
	p->a.sig_loop = p->b.sig_loop = true;
	snprintf(what, sizeof(what), "%s wrap: start", name);
	heard_both(p, &now, what);

	/* the far end re-keys (a PBX's session refresh): B's send key changes, A's does not */
	oracle_key(o, suite, k[0]);
	crypto_of(&ca, &cf, p->a.tx_key, k[0]);
	crypto_of(&cb, &cf, k[0], p->a.tx_key);
	snprintf(what, sizeof(what), "%s wrap: far end re-keys before the wrap", name);
	rekey_both(p, &now, &ca, &cb, what);
	heard_both(p, &now, what);

	run_fast(p, &now, (65536u - first_seq) * 20 - now + 10000);
	get(&p->a, &st);
	ok(st.rtp_sent > 65536 - first_seq, "%s wrap: %llu packets sent by A from sequence number %u: it wrapped", name,
	   (unsigned long long)st.rtp_sent, first_seq);

	oracle_key(o, suite, k[1]);
	crypto_of(&ca, &cf, p->a.tx_key, k[1]);
	crypto_of(&cb, &cf, k[1], p->a.tx_key);
	snprintf(what, sizeof(what), "%s wrap: far end re-keys after the wrap", name);
	rekey_both(p, &now, &ca, &cb, what);
	heard_both(p, &now, what);

	/* a new suite: new keys both ways (after the wrap: new SSRCs too) */
	oracle_key(o, other, k[2]);
	oracle_key(o, other, k[3]);
	crypto_of(&ca, &co, k[2], k[3]);
	crypto_of(&cb, &co, k[3], k[2]);
	snprintf(what, sizeof(what), "%s wrap: to %s", name, srtp_suite_name(other));
	rekey_both(p, &now, &ca, &cb, what);
	heard_both(p, &now, what);
	ssrc_a = oracle_ssrc(o, 0);
	ok(ssrc_a && oracle_ssrc(o, 4) && oracle_ssrc(o, 4) != ssrc_a,
	   "%s wrap: A's send key changed after its ROC had moved: a new SSRC (%08x -> %08x)", name, ssrc_a,
	   oracle_ssrc(o, 4));

	/* and back, with fresh keys; the first keys were retired and stay so */
	crypto_of(&ca, &cf, p->a.tx_key, k[1]);
	is_int(stream_rekey(p->a.s, &ca), EKEYREJECTED, "%s wrap: A's first send key again: refused", name);
	oracle_key(o, suite, k[4]);
	oracle_key(o, suite, k[5]);
	crypto_of(&ca, &cf, k[4], k[5]);
	crypto_of(&cb, &cf, k[5], k[4]);
	snprintf(what, sizeof(what), "%s wrap: back to %s with new keys", name, name);
	rekey_both(p, &now, &ca, &cb, what);
	heard_both(p, &now, what);

	ok(o->unknown == 0 && o->overflow == 0 && o->rtp > 2 * (65536 - first_seq) && o->rtcp > 2 * (65536 - first_seq) / 300,
	   "%s wrap: the oracle placed every packet: %llu RTP, %llu SRTCP, %llu under no known key", name,
	   (unsigned long long)o->rtp, (unsigned long long)o->rtcp, (unsigned long long)o->unknown);
	is_int(oracle_repeats(o), 0, "%s wrap: no (key, SSRC, index) protected twice, RTP or SRTCP", name);
	is_int(o->backwards, 0, "%s wrap: per key and SSRC the packet index only went up", name);
out:
	if (p)
		pair_free(p);
	if (o)
		oracle_free(o);
	free(o);
	free(ta);
	free(tb);
}

static void test_latch(void)
{
	struct cfg cf = { .suite = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, .pt = STREAM_PT_PCMU, .mux = true, .seed = 13 };
	struct pair *p = pair_new(&cf);
	struct stream_stats sb;
	struct sockaddr_storage dead;
	int dead_fd = -1, evil_fd = -1;
	struct sockaddr_storage evil_addr;
	uint8_t junk[172], buf[1600];
	uint64_t now = 0;
	ssize_t got;

	if (!ok(p && udp_open_loopback(&dead_fd, &dead) == 0 && udp_open_loopback(&evil_fd, &evil_addr) == 0,
		"latch: set up"))
		goto out;
	/* B was told a wrong address (NAT): it must follow A's authenticated packets */
	is_int(stream_set_remote(p->b.s, &dead, NULL), 0, "latch: B's remote set to a dead port");
	/* first, an unauthenticated packet from elsewhere must not move B */
	memset(junk, 0x80, sizeof(junk));
	junk[1] = 0;
	sendto(evil_fd, junk, sizeof(junk), 0, (struct sockaddr *)&p->b.addr, sizeof(struct sockaddr_in));
	side_rx(&p->b, now);
	get(&p->b, &sb);
	is_int(sb.latches, 0, "latch: forged packet does not move the target");
	ok(memcmp(&sb.remote_rtp, &dead, sizeof(struct sockaddr_in)) == 0, "latch: still the configured address");
	run(&p, 1, &now, 1000);
	get(&p->b, &sb);
	ok(sb.latches >= 1 && memcmp(&sb.remote_rtp, relay_addr(p->rtp, 1), sizeof(struct sockaddr_in)) == 0,
	   "latch: B now sends where A's packets come from");
	got = recv(dead_fd, buf, sizeof(buf), MSG_DONTWAIT);
	ok(got > 0, "latch: the dead port saw B's first packet(s) only before latching");
	while (recv(dead_fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	run(&p, 1, &now, 500);
	ok(recv(dead_fd, buf, sizeof(buf), MSG_DONTWAIT) < 0, "latch: nothing more to the dead port");
	get(&p->b, &sb);
	ok(sb.rtp_received > 60, "latch: media flowing");
out:
	if (dead_fd >= 0)
		close(dead_fd);
	if (evil_fd >= 0)
		close(evil_fd);
	if (p)
		pair_free(p);
}

/* The real WAV file device on both ends: A captures a WAV file, B records what it plays to another. */
/*
 * The receiver's process is not scheduled for stall_ms (a loaded machine): B neither reads its
 * socket nor runs its clock, while A goes on sending and B's device, a real-time one (its own
 * thread, as PortAudio's), takes a frame every 20 ms from the playback ring, silence when it is
 * empty. Then B reads everything at once (the virtual clock gives all packets one arrival
 * time: no kernel receive times here) and runs, as the owner's loop does: socket first.
 * What the device played is compared with what A sent.
 */
struct stall_out {
	long lat_before, lat_after; /* ms from sending to playing, before and 0.5 s after the stall */
	double mean_block;          /* mean correlation of 200 ms blocks over the 3 s after the stall */
	double worst_block;
	struct stream_stats st;
};

static void stall_run(unsigned stall_ms, struct stall_out *o)
{
	struct cfg cf = { .suite = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, .pt = STREAM_PT_PCMU, .mux = true, .seed = 41 };
	const uint64_t t_stall = 4000, t_end = 9000;
	size_t n = 10 * RATE, blk = RATE / 5, win = 60 * 8, lag, pos, nb = 0;
	int16_t *x = chirp(n, 300, 3400, 9000);
	struct pair *p = pair_new(&cf);
	uint64_t now;
	double sum = 0;

	memset(o, 0, sizeof(*o));
	o->worst_block = 2;
	if (!p || !x)
		goto out;
	p->a.sig = x;
	p->a.sig_len = n;
	p->b.feed = false;
	for (now = 0; now < t_end; now++) {
		bool stalled = now >= t_stall && now < t_stall + stall_ms;

		side_feed(&p->a, p->ptime, now);
		stream_process(p->a.s, now);
		relay_poll(p->rtp, now);
		side_rx(&p->a, now);
		if (!stalled) {
			side_rx(&p->b, now);
			stream_process(p->b.s, now);
		}
		if (now % 20 == 10 && p->b.out_len + 160 <= p->b.out_cap) {
			/* the device's clock: one frame per 20 ms, whatever the ring holds */
			size_t got = ring_read(p->b.dev.play, p->b.out + p->b.out_len, 160);
			memset(p->b.out + p->b.out_len + got, 0, (160 - got) * sizeof(int16_t));
			p->b.out_len += 160;
		}
	}
	stream_stats(p->b.s, &o->st);
	/* out[i + lag] plays x[i]: latency before (2-3 s) and after (from 0.5 s after the stall) */
	best_corr(x, 2000 * 8, RATE, p->b.out, p->b.out_len, 0, 1900 * 8, &lag);
	o->lat_before = (long)lag / 8;
	pos = (t_stall + stall_ms + 500) * 8; /* sent then: played then + latency */
	best_corr(x, pos, RATE, p->b.out, p->b.out_len, 0, 1900 * 8, &lag);
	o->lat_after = (long)lag / 8;
	/* 200 ms blocks of the played audio from the end of the stall, each re-aligned within 60 ms */
	for (pos = (t_stall + stall_ms + 100) * 8; pos + blk <= (t_stall + stall_ms + 3100) * 8; pos += blk) {
		size_t bl = 0, xi = pos > lag ? pos - lag : 0, lo = lag > win ? lag - win : 0;
		double c;

		/* meas_corr of x[xi..] against out[xi + l..]; the lag may move by 60 ms per block */
		c = best_corr(x, xi, blk, p->b.out, p->b.out_len, lo, lag + win, &bl);
		if (c > 0.9)
			lag = bl;
		sum += c;
		nb++;
		if (c < o->worst_block)
			o->worst_block = c;
	}
	o->mean_block = nb ? sum / nb : 0;
out:
	if (p)
		pair_free(p);
	free(x);
}

static void test_stall(void)
{
	static const unsigned lens[] = { 300, 600, 1500 };
	size_t i;

	diag("receiver stalls: before the stall handling (doc/jitter.md) latency went 40 -> 300/520/162 ms and "
	     "block corr mean/worst 0.949/0.650, 0.995/0.920, 0.332/0.036 for 300/600/1500 ms");

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct stall_out o;

		stall_run(lens[i], &o);
		diag("receiver stalled %u ms: latency %ld ms before, %ld ms after; 200 ms blocks after: mean corr "
		     "%.3f, worst %.3f; jbuf stalls %llu, dropped at once %llu, dropped %llu, unmeasured %llu, "
		     "target %u ms, concealed %llu, play overflow %llu, trimmed %llu",
		     lens[i], o.lat_before, o.lat_after, o.mean_block, o.worst_block,
		     (unsigned long long)o.st.jb.stalls, (unsigned long long)o.st.jb.stall_dropped,
		     (unsigned long long)o.st.jb.dropped, (unsigned long long)o.st.jb.unmeasured, o.st.jb.target_ms,
		     (unsigned long long)o.st.concealed, (unsigned long long)o.st.play_overflow,
		     (unsigned long long)o.st.play_trimmed);
		ok(o.lat_before > 0 && o.lat_after <= o.lat_before + 25,
		   "stall %u ms: latency back to before (%ld ms, was %ld)", lens[i], o.lat_after, o.lat_before);
		ok(o.mean_block >= 0.95 && o.worst_block >= 0.9,
		   "stall %u ms: played audio after it is the sent audio (block corr mean %.3f, worst %.3f)", lens[i],
		   o.mean_block, o.worst_block);
		ok(o.st.jb.target_ms <= 40, "stall %u ms: not taken for network jitter (target %u ms)", lens[i],
		   o.st.jb.target_ms);
	}
}

/*
 * A device that drains on its own clock (one frame per 20 ms, phase 10 ms)
 * and whose ring held PREFILL frames when the call started (a device that
 * started late, or a slow start): the spare frames are mouth-to-ear delay.
 * They go, one a second, in the pauses of the speech-like signal (a chirp
 * silent 100 ms in every 500), while the ring stays a frame deep
 * (play_trimmed); with none spare, nothing is skipped. Latency from the lag
 * of the best correlation at 1 s and at 5.5 s.
 */
static void trim_run(unsigned prefill, long *lat_early, long *lat_late, double *corr_late, struct stream_stats *st)
{
	struct cfg cf = { .suite = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, .pt = STREAM_PT_PCMU, .mux = true, .seed = 43 };
	size_t n = 8 * RATE, lag = 0;
	int16_t *x = chirp(n, 300, 3400, 9000), zero[160] = { 0 };
	struct pair *p = pair_new(&cf);
	uint64_t now;

	*lat_early = *lat_late = -1;
	*corr_late = 0;
	memset(st, 0, sizeof(*st));
	if (!p || !x)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (i % (RATE / 2) >= RATE / 2 - RATE / 10)
			x[i] = 0;
	p->a.sig = x;
	p->a.sig_len = n;
	p->b.feed = false;
	for (unsigned i = 0; i < prefill; i++)
		ring_write(p->b.dev.play, zero, 160);
	for (now = 0; now < 7000; now++) {
		side_feed(&p->a, p->ptime, now);
		stream_process(p->a.s, now);
		relay_poll(p->rtp, now);
		side_rx(&p->a, now);
		side_rx(&p->b, now);
		stream_process(p->b.s, now);
		if (now % 20 == 10 && p->b.out_len + 160 <= p->b.out_cap) {
			size_t got = ring_read(p->b.dev.play, p->b.out + p->b.out_len, 160);
			memset(p->b.out + p->b.out_len + got, 0, (160 - got) * sizeof(int16_t));
			p->b.out_len += 160;
		}
	}
	stream_stats(p->b.s, st);
	best_corr(x, 1000 * 8, RATE * 3 / 10, p->b.out, p->b.out_len, 0, 400 * 8, &lag);
	*lat_early = (long)lag / 8;
	/* two windows, the better one: a window with a frame concealed on a loaded machine is no trimming fault */
	*corr_late = best_corr(x, 5500 * 8, RATE * 3 / 10, p->b.out, p->b.out_len, 0, 400 * 8, &lag);
	*lat_late = (long)lag / 8;
	{
		size_t lag2 = 0;
		double c2 = best_corr(x, 6000 * 8, RATE * 3 / 10, p->b.out, p->b.out_len, 0, 400 * 8, &lag2);

		if (c2 > *corr_late) {
			*corr_late = c2;
			*lat_late = (long)lag2 / 8;
		}
	}
out:
	if (p)
		pair_free(p);
	free(x);
}

static void test_play_trim(void)
{
	struct stream_stats st;
	long e0, l0, e4, l4;
	double c0, c4;

	trim_run(0, &e0, &l0, &c0, &st);
	diag("device ring empty at the start: latency %ld ms at 1 s, %ld ms at 5.5 s; trimmed %llu, overflow %llu",
	     e0, l0, (unsigned long long)st.play_trimmed, (unsigned long long)st.play_overflow);
	is_int(st.play_trimmed, 0, "playback ring never a spare frame deep: nothing skipped");
	ok(e0 > 0 && l0 <= e0 + 20 && c0 >= 0.95, "... latency %ld ms at 5.5 s (%ld at 1 s), audio plays (corr %.3f)",
	   l0, e0, c0);
	trim_run(4, &e4, &l4, &c4, &st);
	diag("device ring 4 frames deep at the start: latency %ld ms at 1 s, %ld ms at 5.5 s; trimmed %llu, "
	     "overflow %llu", e4, l4, (unsigned long long)st.play_trimmed, (unsigned long long)st.play_overflow);
	ok(e4 >= 60, "4 spare frames: latency %ld ms at first (%ld without)", e4, e0);
	/* 4 (a wake-up late under load may add or take one) */
	ok(st.play_trimmed >= 3 && st.play_trimmed <= 5, "... %llu skipped, one a second, in pauses, while the ring "
	   "stayed a frame deep", (unsigned long long)st.play_trimmed);
	ok(l4 + 40 <= e4 && c4 >= 0.95, "... %ld ms by 5.5 s (%ld at 1 s), audio plays (corr %.3f)", l4, e4, c4);
}

/*
 * A paired device (audev.paired: a sound card with one clock both ways) paces B's playout. Its
 * clock runs 2% slow against the loop's (JACK's dummy driver under load does) and, at 4 s, skips
 * 100 ms: a server that missed cycles; A's device, on the same server, loses the same 100 ms, so
 * A's timestamps go on as if nothing happened while our clock moved 100 ms (every later packet's
 * transit steps up by 100 ms on our clock). Each device period takes a frame from the playback ring
 * (silence, counted, when it holds less) and gives a capture frame; the owner runs B at once.
 * paired: the stream plays out on the device's beat and times the jitter buffer by its clock.
 * Not paired: the stream's own 20 ms timer, as for a device of unknown clock.
 */
struct paced_out {
	long lat_early, lat_late;   /* ms from A's device to B's, at 2-3.5 s and at 7-8.5 s */
	double corr_late;
	size_t ring_max;            /* most samples queued in B's playback ring after a playout, from 1 s on */
	unsigned target_late;       /* B's jitter buffer target at the end */
	struct stream_stats st;
};

static void paced_run(bool paired, struct paced_out *o)
{
	struct cfg cf = { .suite = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, .pt = STREAM_PT_PCMU, .mux = true, .seed = 47 };
	const uint64_t t_end = 9000, t_skip = 4000, skip = 100;
	size_t n = 12 * RATE, lag = 0, dev_pos = 0;
	int16_t *x = chirp(n, 300, 3400, 9000), *a_cap = calloc(n, sizeof(int16_t)), zero[160] = { 0 };
	struct pair *p = pair_new(&cf);
	/* the device's first period takes 161 samples, as duplex.c's staging does: 159 are left of the cushion */
	double next_period = 10, period = 20 * 1.02;
	bool first = true;
	uint64_t now;

	memset(o, 0, sizeof(*o));
	tdev_underruns = 0;
	if (!p || !x || !a_cap)
		goto out;
	p->b.dev.paired = paired;
	p->a.feed = false;
	p->b.feed = false;
	/* call_audio_attach's cushion: two frames of silence before the stream's first playout */
	ring_write(p->b.dev.play, zero, 160);
	ring_write(p->b.dev.play, zero, 160);
	for (now = 0; now < t_end; now++) {
		bool period_now = false;

		if (now == t_skip)
			next_period += skip; /* the server's clock loses 100 ms: no periods, on both phones */
		while (now >= (uint64_t)next_period) {
			size_t got;

			/* one server period: A's device captures the next 20 ms of x, B's plays a frame */
			if (dev_pos + 160 <= n) {
				ring_write(p->a.dev.cap, x + dev_pos, 160);
				dev_pos += 160;
			}
			got = ring_read(p->b.dev.play, p->b.out + p->b.out_len, first ? 161 : 160);
			if (got < 160)
				tdev_underruns += 160 - got;
			if (got < 160)
				memset(p->b.out + p->b.out_len + got, 0, (160 - got) * sizeof(int16_t));
			p->b.out_len += got > 160 ? got : 160;
			first = false;
			ring_write(p->b.dev.cap, zero, 160);
			next_period += period;
			period_now = true;
		}
		stream_process(p->a.s, now);
		relay_poll(p->rtp, now);
		side_rx(&p->a, now);
		side_rx(&p->b, now);
		stream_process(p->b.s, now);
		if (period_now && now >= 1000 && ring_avail(p->b.dev.play) > o->ring_max)
			o->ring_max = ring_avail(p->b.dev.play);
		if (p->b.out_len + 160 > p->b.out_cap)
			break;
	}
	stream_stats(p->b.s, &o->st);
	o->target_late = o->st.jb.target_ms;
	/* x and B's recording are both in device samples: the lag is the delay on the device's clock */
	best_corr(x, 2000 * 8, RATE * 3 / 2, p->b.out, p->b.out_len, 0, 400 * 8, &lag);
	o->lat_early = (long)lag / 8;
	o->corr_late = best_corr(x, 7000 * 8, RATE * 3 / 2, p->b.out, p->b.out_len, 0, 400 * 8, &lag);
	o->lat_late = (long)lag / 8;
out:
	if (p)
		pair_free(p);
	free(x);
	free(a_cap);
	tdev_underruns = 0;
}

static void test_paced(void)
{
	struct paced_out o, t;

	paced_run(false, &t);
	diag("timer playout, device 2%% slow, skips 100 ms at 4 s: latency %ld ms at 2 s, %ld at 7 s (corr %.3f); "
	     "ring at most %zu samples; overflow %llu, concealed %llu, underruns %llu, jb target %u ms",
	     t.lat_early, t.lat_late, t.corr_late, t.ring_max, (unsigned long long)t.st.play_overflow,
	     (unsigned long long)t.st.concealed, (unsigned long long)tdev_underruns, t.target_late);
	paced_run(true, &o);
	diag("paced playout, the same device: latency %ld ms at 2 s, %ld at 7 s (corr %.3f); ring at most %zu "
	     "samples; overflow %llu, concealed %llu, dry %llu, depth %u, jb target %u ms, dropped %llu",
	     o.lat_early, o.lat_late, o.corr_late, o.ring_max, (unsigned long long)o.st.play_overflow,
	     (unsigned long long)o.st.concealed, (unsigned long long)o.st.play_dry, o.st.play_depth, o.target_late,
	     (unsigned long long)o.st.jb.dropped);
	ok(t.st.play_overflow > 0 || t.lat_late >= 100, "timer playout: the slow device's ring fills (overflow %llu, "
	   "latency %ld ms)", (unsigned long long)t.st.play_overflow, t.lat_late);
	ok(o.ring_max <= 160 && o.st.play_overflow == 0, "paced: at most one frame queued for the device (%zu "
	   "samples), none dropped", o.ring_max);
	ok(o.lat_early > 0 && o.lat_early <= 45 && o.lat_late <= o.lat_early + 20 && o.corr_late >= 0.95,
	   "paced: latency %ld ms, %ld ms after the skip, audio plays (corr %.3f)", o.lat_early, o.lat_late,
	   o.corr_late);
	ok(o.target_late <= 20, "paced: the skipped 100 ms are no jitter on the device's clock (target %u ms)",
	   o.target_late);
	ok(o.st.concealed <= 2 && o.st.play_dry == 0, "paced: %llu frames concealed, device never ran dry",
	   (unsigned long long)o.st.concealed);
}

static void test_file_device(void)
{
	struct cfg cf = { .suite = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, .pt = STREAM_PT_PCMU, .mux = true,
			  .verify = true, .seed = 15 };
	char dir[] = "/tmp/test_stream.XXXXXX", in[64], out[64];
	size_t n = 3 * RATE, got = 0;
	int16_t *x = chirp(n, 350, 3350, 9000), *y = calloc(5 * RATE, sizeof(int16_t));
	struct pair *p = NULL;
	struct audev *fa = NULL, *fb = NULL;
	struct audev_prm prm;
	struct wav *w = NULL;
	uint64_t now = 0;
	double c = -1;
	bool made;

	made = x && y && mkdtemp(dir) != NULL;
	if (!ok(made, "file device: temp dir"))
		goto out;
	snprintf(in, sizeof(in), "%s/in.wav", dir);
	snprintf(out, sizeof(out), "%s/out.wav", dir);
	if (!ok(wav_open_write(&w, in) == 0 && wav_write(w, x, n) == 0 && wav_close(w) == 0, "file device: input WAV"))
		goto out;
	w = NULL;
	p = pair_new(&cf);
	memset(&prm, 0, sizeof(prm));
	prm.capture = in;
	if (!ok(p && audev_open(&fa, &audev_file_ops, &prm) == 0, "file device: A opened on %s", in))
		goto out;
	memset(&prm, 0, sizeof(prm));
	prm.playback = out;
	if (!ok(audev_open(&fb, &audev_file_ops, &prm) == 0, "file device: B opened on %s", out))
		goto out;
	audev_start(fa);
	audev_start(fb);
	stream_set_device(p->a.s, fa);
	stream_set_device(p->b.s, fb);
	p->a.feed = p->b.feed = false;
	for (; now < 3000; now++) {
		if (now % 20 == 0) {
			audev_tick(fa);
			audev_tick(fb);
		}
		step(&p, 1, now);
	}
	stream_set_device(p->a.s, NULL);
	stream_set_device(p->b.s, NULL);
	audev_close(fa);
	audev_close(fb);
	fa = fb = NULL;
	if (ok(wav_open_read(&w, out, NULL, 0) == 0 && wav_read(w, y, 5 * RATE, &got) == 0, "file device: output WAV read"))
		c = measure(x, n, y, got, NULL);
	ok(c >= CORR_MIN, "file device: WAV in -> SRTP -> WAV out correlation %.4f (%zu samples recorded)", c, got);
	is_int(p->wire_bad[0], 0, "file device: every packet authenticated on the wire");
out:
	wav_close(w);
	audev_close(fa);
	audev_close(fb);
	if (p)
		pair_free(p);
	if (made) {
		unlink(in);
		unlink(out);
		rmdir(dir);
	}
	free(x);
	free(y);
}

/* The far end restarts its stream (new SSRC, sequence and timestamp): the receiver follows. */
static void test_ssrc_change(void)
{
	struct cfg cf = { .suite = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, .pt = STREAM_PT_PCMU, .mux = true, .seed = 16 };
	size_t n = 4 * RATE;
	int16_t *xb = chirp(n, 3200, 300, 9000);
	struct pair *p = pair_new(&cf);
	struct stream_stats sa;
	uint64_t now = 0;
	size_t at, i;
	bool audible = false;

	if (!ok(p && xb, "ssrc change: pair set up"))
		goto out;
	p->b.sig = xb;
	p->b.sig_len = n;
	run(&p, 1, &now, 1500);
	stream_free(p->b.s);
	p->b.s = NULL;
	if (!ok(stream_alloc(&p->b.s, &p->prm[1]) == 0, "ssrc change: B's stream made again"))
		goto out;
	at = p->a.out_len;
	run(&p, 1, &now, 1500);
	get(&p->a, &sa);
	ok(sa.jb.ssrc_changes >= 1, "ssrc change: A's jitter buffer saw the new sender (%llu)",
	   (unsigned long long)sa.jb.ssrc_changes);
	for (i = at + RATE / 2; i < p->a.out_len; i++)
		audible = audible || abs(p->a.out[i]) > 3000;
	ok(audible, "ssrc change: audio from the new SSRC is played");
	is_int(sa.srtp.auth_fail + sa.srtp.replay_fail, 0, "ssrc change: accepted under the same keys");
out:
	if (p)
		pair_free(p);
	free(xb);
}

static void test_timeout(void)
{
	struct cfg cf = { .suite = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, .pt = STREAM_PT_PCMU, .mux = true,
			  .timeout_ms = 2000, .seed = 14 };
	struct pair *p = pair_new(&cf);
	uint64_t now = 0, t;

	if (!ok(p, "timeout: set up"))
		return;
	run(&p, 1, &now, 3000);
	is_int(p->b.timeouts, 0, "timeout: not while media flows");
	/* A's owner stops driving it: B hears nothing */
	for (t = now + 2500; now < t; now++) {
		stream_process(p->b.s, now);
		relay_poll(p->rtp, now);
		side_rx(&p->b, now);
		side_drain(&p->b);
	}
	is_int(p->b.timeouts, 1, "timeout: reported once after 2 s of silence");
	{
		struct stream_stats sb0, sb1;
		get(&p->b, &sb0);
		is_int(stream_bye(p->a.s, now), 0, "bye: sent");
		relay_poll(p->rtp, now);
		side_rx(&p->b, now);
		get(&p->b, &sb1);
		is_int(sb1.bye_received - sb0.bye_received, 1, "bye: received once, through SRTCP");
		is_int(sb1.srtp.rtcp_unprotected - sb0.srtp.rtcp_unprotected, 1, "bye: it was SRTCP");
	}
	ok(stream_next_deadline(p->b.s) >= now && stream_next_deadline(p->b.s) <= now + 20,
	   "timeout: next deadline is the next frame");
	pair_free(p);
}

/* What the STUN handler saw. */
struct stun_seen {
	unsigned n, timeouts;
	bool rtcp;
	size_t len;
	struct sockaddr_storage from;
};

static void on_stun(bool rtcp, const uint8_t *pkt, size_t len, const struct sockaddr_storage *from, void *arg)
{
	struct stun_seen *sn = arg;

	(void)pkt;
	sn->n++;
	sn->rtcp = rtcp;
	sn->len = len;
	sn->from = *from;
}

static void on_stun_timeout(unsigned silent_ms, void *arg)
{
	(void)silent_ms;
	((struct stun_seen *)arg)->timeouts++;
}

/*
 * STUN on the media socket (RFC 7983): a Binding response from a STUN server is the owner's, not a
 * failed SRTP packet; a datagram that only looks like STUN is not; STUN keeps no call alive; and
 * stream_send_stun sends STUN and nothing else from the media socket.
 */
static void test_stun(void)
{
	/* Binding success response: type 0x0101, length 12, cookie, transaction ID, XOR-MAPPED-ADDRESS */
	static const uint8_t resp[32] = { 0x01, 0x01, 0x00, 0x0c, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8,
					  9, 10, 11, 12, 0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12,
					  0xa6, 0x43 };
	static const uint8_t req[20] = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8,
					 9, 10, 11, 12 };
	uint8_t bad[32], rtp[32], got[64];
	struct stun_seen sn = { 0 };
	struct stream_prm prm;
	struct stream_stats st;
	struct stream *s = NULL;
	struct sockaddr_storage a, srv_addr;
	uint8_t k[30] = { 7 };
	int fd = -1, srv = -1;
	uint64_t now;
	ssize_t r;

	if (!ok(udp_open_loopback(&fd, &a) == 0 && udp_open_loopback(&srv, &srv_addr) == 0, "stun: sockets"))
		goto out;
	memset(&prm, 0, sizeof(prm));
	prm.rtp_fd = fd;
	prm.rtcp_fd = -1;
	prm.remote_rtp = srv_addr;
	prm.crypto.suite = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80;
	prm.crypto.tx_key = prm.crypto.rx_key = k;
	prm.crypto.tx_len = prm.crypto.rx_len = 30;
	prm.dir = STREAM_SENDRECV;
	prm.timeout_ms = 1000;
	prm.timeouth = on_stun_timeout;
	prm.stunh = on_stun;
	prm.arg = &sn;
	if (!ok(stream_alloc(&s, &prm) == 0, "stun: stream"))
		goto out;
	ok(stream_is_stun(resp, sizeof(resp)) && stream_is_stun(req, sizeof(req)), "stun: the messages are STUN");

	sendto(srv, resp, sizeof(resp), 0, (struct sockaddr *)&a, sizeof(struct sockaddr_in));
	usleep(20000);
	stream_rx(s, fd, 0);
	stream_stats(s, &st);
	is_int(sn.n, 1, "stun: the Binding response went to the STUN handler");
	ok(!sn.rtcp && sn.len == sizeof(resp) && ((struct sockaddr_in *)&sn.from)->sin_port == ((struct sockaddr_in *)&srv_addr)->sin_port,
	   "stun: ... whole, from the RTP socket, with the server's address");
	ok(st.stun_received == 1 && st.rx_rejected == 0 && st.rtp_received == 0 && st.srtp.auth_fail == 0,
	   "stun: counted as STUN, not as a rejected SRTP packet (rx_rejected %llu)",
	   (unsigned long long)st.rx_rejected);

	/* a length that does not account for the datagram: not STUN, so the SRTP path refuses it */
	memcpy(bad, resp, sizeof(bad));
	bad[3] = 0x10;
	sendto(srv, bad, sizeof(bad), 0, (struct sockaddr *)&a, sizeof(struct sockaddr_in));
	usleep(20000);
	stream_rx(s, fd, 0);
	stream_stats(s, &st);
	ok(sn.n == 1 && st.stun_received == 1 && st.rx_rejected == 1, "stun: a look-alike with a wrong length is not STUN");

	/* STUN every 100 ms does not keep a silent call alive */
	for (now = 0; now <= 1500; now += 100) {
		sendto(srv, resp, sizeof(resp), 0, (struct sockaddr *)&a, sizeof(struct sockaddr_in));
		usleep(2000);
		stream_rx(s, fd, now);
		stream_process(s, now);
	}
	is_int(sn.timeouts, 1, "stun: STUN alone does not count as media (timeout after 1 s)");

	/* out: STUN, and nothing else, through stream_send_stun */
	while (recv(srv, got, sizeof(got), MSG_DONTWAIT) > 0)
		;
	is_int(stream_send_stun(s, false, req, sizeof(req), &srv_addr), 0, "stun: a Binding request sent");
	usleep(20000);
	r = recv(srv, got, sizeof(got), MSG_DONTWAIT);
	ok(r == (ssize_t)sizeof(req) && !memcmp(got, req, sizeof(req)), "stun: ... from the media socket, as given");
	memset(rtp, 0, sizeof(rtp));
	rtp[0] = 0x80;
	is_int(stream_send_stun(s, false, rtp, sizeof(rtp), &srv_addr), EINVAL, "stun: an RTP packet is refused");
	is_int(stream_send_stun(s, false, bad, sizeof(bad), &srv_addr), EINVAL, "stun: so is a STUN look-alike");
	usleep(20000);
	r = recv(srv, got, sizeof(got), MSG_DONTWAIT);
	ok(r < 0, "stun: ... and nothing went out");
	stream_stats(s, &st);
	is_int(st.stun_sent, 1, "stun: stun_sent 1");
out:
	stream_free(s);
	if (fd >= 0)
		close(fd);
	if (srv >= 0)
		close(srv);
}

static void test_params(void)
{
	struct stream_prm prm;
	struct stream *s = NULL;
	struct sockaddr_storage a;
	uint8_t k[30] = { 1 };
	int fd = -1;

	if (!ok(udp_open_loopback(&fd, &a) == 0, "params: socket"))
		return;
	memset(&prm, 0, sizeof(prm));
	prm.rtp_fd = fd;
	prm.rtcp_fd = -1;
	prm.remote_rtp = a;
	prm.crypto.suite = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80;
	is_int(stream_alloc(&s, &prm), EINVAL, "params: SRTP without keys refused (no silent plaintext)");
	prm.crypto.tx_key = k;
	prm.crypto.rx_key = k;
	prm.crypto.tx_len = 30;
	prm.crypto.rx_len = 29;
	is_int(stream_alloc(&s, &prm), EINVAL, "params: short key refused");
	prm.crypto.rx_len = 30;
	prm.pt = 9;
	is_int(stream_alloc(&s, &prm), EINVAL, "params: unknown payload type refused");
	prm.pt = 0;
	prm.ptime = 70;
	is_int(stream_alloc(&s, &prm), EINVAL, "params: ptime 70 refused");
	prm.ptime = 0;
	prm.dtmf_pt = 50;
	is_int(stream_alloc(&s, &prm), EINVAL, "params: telephone-event pt 50 refused");
	prm.dtmf_pt = -1;
	ok(s == NULL, "params: out-parameter untouched on errors");
	is_int(stream_alloc(&s, &prm), 0, "params: good parameters accepted");
	is_int(stream_dtmf(s, "1"), ENOTSUP, "params: no telephone-event negotiated");
	is_int(stream_rx(s, fd + 100, 0), EINVAL, "params: foreign fd refused");
	stream_free(s);
	stream_free(NULL);
	close(fd);
}

/* Packets the oracle placed under keys [from, to). */
static size_t oracle_count(const struct oracle *o, unsigned from, unsigned to)
{
	size_t n = 0;

	for (size_t i = 0; i < o->nuse; i++)
		n += o->use[i].key >= from && o->use[i].key < to;
	return n;
}

/* The largest gap (ms) between two RTP packets a side put on the wire, and whether their sequence numbers ran on. */
static uint64_t wire_gap(const struct pair *p, int dir, bool *consecutive)
{
	uint64_t gap = 0;

	*consecutive = true;
	for (size_t i = 1; i < p->nrec[dir]; i++) {
		const struct wire_rec *a = &p->rec[dir][i - 1], *b = &p->rec[dir][i];
		if (b->t - a->t > gap)
			gap = b->t - a->t;
		if ((uint16_t)(a->seq + 1) != b->seq)
			*consecutive = false;
	}
	return gap;
}

/*
 * ZRTP on the stream (issue 15): mode FROM_HOLD (media_encryption=zrtp) sends
 * nothing but ZRTP until the handshake is done; OVER_SDES (sdes-zrtp) runs
 * on SDES keys and switches to ZRTP's between two packets. The wire oracle
 * places every SRTP/SRTCP packet under the key that authenticates it.
 */
static void test_zrtp_stream(int mode, bool lose_conf2ack)
{
	const char *name = mode == ZRTP_FROM_HOLD ? (lose_conf2ack ? "zrtp, Conf2ACK lost" : "zrtp")
						  : (lose_conf2ack ? "sdes-zrtp, Conf2ACK lost" : "sdes-zrtp");
	/* 40 ms each way: the handshake's round trips take a few hundred ms, so audio waits, or starts on SDES */
	struct cfg cf = { .suite = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, .pt = STREAM_PT_PCMU, .mux = true,
			  .seed = 70 + (uint32_t)mode, .zrtp = mode, .imp = { .delay_ms = 40 } };
	size_t n = 4 * RATE;
	int16_t *xa = chirp(n, 300, 3300, 9000), *xb = chirp(n, 3000, 200, 8000);
	struct oracle *o = calloc(1, sizeof(*o));
	struct pair *p = pair_new(&cf);
	struct stream_stats sa, sb;
	uint64_t now = 0, gap_a, gap_b;
	bool seq_a, seq_b;
	double c;

	if (!ok(p && o && xa && xb, "%s: pair with ZRTP set up", name))
		goto out;
	p->oracle = o;
	/*
	 * The responder is secure and sends with ZRTP's keys; the initiator, whose
	 * Conf2ACK is lost, is not, until its Confirm2 goes again 150 ms later.
	 * It reads those packets with the receive key ZRTP gave it early.
	 */
	p->lose_conf2ack = lose_conf2ack;
	relay_set_drop(p->rtp, drop_conf2ack);
	if (mode == ZRTP_OVER_SDES) {
		oracle_key(o, cf.suite, p->a.tx_key);
		oracle_key(o, cf.suite, p->b.tx_key);
	}
	p->oracle_sdes_keys = o->nkeys;
	p->a.sig = xa;
	p->a.sig_len = n;
	p->b.sig = xb;
	p->b.sig_len = n;
	run(&p, 1, &now, 4000);
	/* the capture stops and what is in flight lands: every packet sent can be accounted for */
	p->a.feed = p->b.feed = false;
	run(&p, 1, &now, 200);
	get(&p->a, &sa);
	get(&p->b, &sb);
	ok(p->a.zrtp_secure && p->b.zrtp_secure && p->a.zrtp_err == 0 && strcmp(p->a.sas, p->b.sas) == 0,
	   "%s: ZRTP secure on both streams, same SAS '%s' (%llu and %llu ms)", name, p->a.sas,
	   (unsigned long long)p->a.zrtp_at, (unsigned long long)p->b.zrtp_at);
	ok(sa.zrtp_keys && sb.zrtp_keys && sa.secure && !sa.held &&
		   strcmp(sa.tx_suite, "AES_256_CM_HMAC_SHA1_80") == 0,
	   "%s: the streams run on ZRTP's keys (%s)", name, sa.tx_suite);
	/* a retransmission that crossed the Conf2ACK is refused by the engine: it is still not RTP */
	ok(p->zrtp_pkts[0] >= 3 && p->zrtp_pkts[1] >= 3 && sa.zrtp_sent == p->zrtp_pkts[0] &&
		   sb.zrtp_received + sb.zrtp_rejected == p->zrtp_pkts[0] - p->zrtp_dropped[0] &&
		   sa.zrtp_received + sa.zrtp_rejected == p->zrtp_pkts[1] - p->zrtp_dropped[1] && sa.rx_rejected == 0 &&
		   sb.rx_rejected == 0,
	   "%s: ZRTP went over the RTP socket and was taken apart from RTP (%llu / %llu packets)", name,
	   (unsigned long long)p->zrtp_pkts[0], (unsigned long long)p->zrtp_pkts[1]);
	ok(p->zrtp_ssrc[0] == 0x5a5a0001 && p->rtp_ssrc[0] == p->zrtp_ssrc[0] && p->zrtp_ssrc[1] == 0x5a5a0002 &&
		   p->rtp_ssrc[1] == p->zrtp_ssrc[1],
	   "%s: each side's RTP carries the SSRC of its ZRTP packets (stream_prm.ssrc: %08x, %08x)", name,
	   (unsigned)p->rtp_ssrc[0], (unsigned)p->rtp_ssrc[1]);
	if (mode == ZRTP_FROM_HOLD) {
		is_int(p->media_before_secure[0] + p->media_before_secure[1], 0,
		       "%s: not one RTP or RTCP packet, audio or silence, left a side before its ZRTP was secure", name);
		ok(sa.held_frames > 0 && sb.held_frames > 0, "%s: %llu and %llu packet times held back meanwhile", name,
		   (unsigned long long)sa.held_frames, (unsigned long long)sb.held_frames);
		is_int(o->unknown, 0, "%s: every RTP/RTCP packet on the wire is SRTP under a ZRTP key (%llu RTP, %llu SRTCP)",
		       name, (unsigned long long)o->rtp, (unsigned long long)o->rtcp);
	} else {
		ok(p->media_before_secure[0] > 0 && oracle_count(o, 0, p->oracle_sdes_keys) > 0 &&
			   oracle_count(o, p->oracle_sdes_keys, o->nkeys) > 0,
		   "%s: audio under the SDES keys first (%zu packets), then under ZRTP's (%zu)", name,
		   oracle_count(o, 0, p->oracle_sdes_keys), oracle_count(o, p->oracle_sdes_keys, o->nkeys));
		is_int(p->sdes_after_switch[0] + p->sdes_after_switch[1], 0,
		       "%s: no packet under an SDES key once a side had ZRTP's", name);
		is_int(o->unknown, 0, "%s: every packet on the wire under a known key", name);
		gap_a = wire_gap(p, 0, &seq_a);
		gap_b = wire_gap(p, 1, &seq_b);
		ok(seq_a && seq_b && gap_a <= p->ptime + 1 && gap_b <= p->ptime + 1,
		   "%s: no gap on the wire across the switch: sequence numbers run on, largest gap %llu / %llu ms", name,
		   (unsigned long long)gap_a, (unsigned long long)gap_b);
	}
	if (lose_conf2ack)
		ok(p->conf2ack_lost && sa.srtp.auth_fail == 0 && sb.srtp.auth_fail == 0,
		   "%s: the first Conf2ACK was lost, and no packet failed authentication meanwhile", name);
	ok(sa.rtp_sent - sb.rtp_received <= 1 && sb.rtp_sent - sa.rtp_received <= 1,
	   "%s: every packet but at most one authenticated at the far end (%llu/%llu, %llu/%llu)", name,
	   (unsigned long long)sb.rtp_received, (unsigned long long)sa.rtp_sent, (unsigned long long)sa.rtp_received,
	   (unsigned long long)sb.rtp_sent);
	is_int(oracle_repeats(o), 0, "%s: no (key, SSRC, index) protected twice", name);
	is_int(o->backwards, 0, "%s: per key and SSRC the index only went up", name);
	c = measure(xa, n, p->b.out, p->b.out_len, NULL);
	ok(c >= 0.9, "%s: A->B audio correlation %.4f", name, c);
	c = measure(xb, n, p->a.out, p->a.out_len, NULL);
	ok(c >= 0.9, "%s: B->A audio correlation %.4f", name, c);
out:
	if (p)
		pair_free(p);
	if (o)
		oracle_free(o);
	free(o);
	free(xa);
	free(xb);
}

/*
 * The peer has no ZRTP (it answers with SDES keys only). From hold nothing
 * ever leaves A but ZRTP, and the handshake fails at the bound; over SDES the
 * call goes on with the SDES keys.
 */
static void test_zrtp_no_peer(int mode)
{
	const char *name = mode == ZRTP_FROM_HOLD ? "zrtp, peer without ZRTP" : "sdes-zrtp, peer without ZRTP";
	struct cfg cf = { .suite = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, .pt = STREAM_PT_PCMU, .mux = true,
			  .seed = 80 + (uint32_t)mode, .zrtp = mode, .no_zrtp_b = true };
	size_t n = 12 * RATE;
	int16_t *xa = chirp(n, 300, 3300, 9000);
	struct pair *p = pair_new(&cf);
	struct stream_stats sa, sb;
	uint64_t now = 0;

	if (!ok(p && xa, "%s: pair set up", name))
		goto out;
	p->a.sig = xa;
	p->a.sig_len = n;
	run(&p, 1, &now, ZRTP_HANDSHAKE_MAX_MS + 500);
	get(&p->a, &sa);
	get(&p->b, &sb);
	ok(!p->a.zrtp_secure && p->a.zrtp_err == EPROTONOSUPPORT && p->a.zrtp_at >= ZRTP_HANDSHAKE_MAX_MS &&
		   p->a.zrtp_at <= ZRTP_HANDSHAKE_MAX_MS + ZRTP_TICK_MS + 1,
	   "%s: A's ZRTP fails at the bound (%llu ms): %s", name, (unsigned long long)p->a.zrtp_at,
	   zrtp_strerror(p->a.zrtp_err));
	ok(sb.zrtp_rejected == sa.zrtp_sent && sa.zrtp_sent > 0 && sb.rx_rejected == (mode == ZRTP_FROM_HOLD ? 0 : sb.rx_rejected),
	   "%s: B refused A's %llu Hellos as ZRTP it does not run, not as bad SRTP", name,
	   (unsigned long long)sa.zrtp_sent);
	if (mode == ZRTP_FROM_HOLD) {
		ok(sa.rtp_sent == 0 && sa.rtcp_sent == 0 && p->media_before_secure[0] == 0 && sa.held && !sa.zrtp_keys,
		   "%s: A sent nothing but ZRTP in %llu ms (%llu packet times held)", name, (unsigned long long)now,
		   (unsigned long long)sa.held_frames);
		ok(sa.rx_rejected > 400 && sa.rtp_received == 0, "%s: B's SDES packets are not read by A (%llu refused)",
		   name, (unsigned long long)sa.rx_rejected);
	} else {
		ok(sb.rtp_received + 1 >= sa.rtp_sent && sa.rtp_sent > 400 && !sa.zrtp_keys && sa.secure,
		   "%s: the call goes on with the SDES keys (%llu of %llu packets read)", name,
		   (unsigned long long)sb.rtp_received, (unsigned long long)sa.rtp_sent);
	}
out:
	if (p)
		pair_free(p);
	free(xa);
}

int main(void)
{
	int i;

	/* the streams run on this test's virtual clock: a packet arrives when it is read, not its real age before */
	stream_kernel_time(false);
	for (i = 0; i < SRTP_SUITE_COUNT; i++) {
		if (!srtp_suite_supported((enum srtp_suite_id)i)) {
			diag("suite %s not supported by this libsrtp", srtp_suite_name((enum srtp_suite_id)i));
			continue;
		}
		test_suite((enum srtp_suite_id)i);
	}
	test_plain();
	test_wrong_key();
	test_replay();
	test_impaired();
	test_dtmf();
	test_two_pairs();
	test_hold();
	test_mute();
	test_rekey();
	/* a whole cycle of the sequence number for each kind of transform (~2 s each), the others from near the wrap */
	for (i = 0; i < SRTP_SUITE_COUNT; i++)
		if (srtp_suite_supported((enum srtp_suite_id)i))
			test_rekey_wrap((enum srtp_suite_id)i, i == SRTP_SUITE_AES_CM_128_HMAC_SHA1_80 ||
								       i == SRTP_SUITE_AEAD_AES_128_GCM
								   ? 0
								   : 64000);
	test_latch();
	test_timeout();
	test_ssrc_change();
	test_file_device();
	test_stall();
	test_play_trim();
	test_paced();
	test_params();
	test_stun();
	test_zrtp_stream(ZRTP_FROM_HOLD, false);
	test_zrtp_stream(ZRTP_OVER_SDES, false);
	test_zrtp_stream(ZRTP_FROM_HOLD, true);
	test_zrtp_stream(ZRTP_OVER_SDES, true);
	test_zrtp_no_peer(ZRTP_FROM_HOLD);
	test_zrtp_no_peer(ZRTP_OVER_SDES);
	return tap_done();
}
