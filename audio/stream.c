/* SPDX-License-Identifier: GPL-3.0-or-later */
/* stream.c: one RTP/SRTP audio session joining device rings, G.711, RTP/RTCP, SRTP, RFC 4733 and the jitter buffer. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>

#include "dtmf.h"
#include "g711.h"
#include "plc.h"
#include "ring.h"
#include "rtcp.h"
#include "rtp.h"
#include "sa.h"
#include "stream.h"

#define CLOCK_RATE 8000
#define SPMS (CLOCK_RATE / 1000)
#define MAX_SPF (STREAM_PTIME_MAX * SPMS)
#define PKT_CAP 1600
#define RX_BURST 256          /* packets per stream_rx call, so one socket cannot starve the loop */
#define RX_BATCH 4            /* datagrams per recvmmsg */
#define RTCP_INTERVAL_MS 5000
#define REKEY_GRACE_MS 5000   /* old receive keys kept this long for packets in flight */
#define PLAY_AHEAD_FRAMES 6   /* more than this queued for the device: it runs slow, skip */
#define PLAY_TRIM_FRAMES 50   /* playouts (1 s at 20 ms) the ring must stay a frame deep before one is skipped */
#define PLAY_TRIM_QUIET 0.01  /* ... and the one skipped is quiet (peak below -40 dBFS) */
#define PLAY_TRIM_WAIT 500    /* ... unless none came for this many playouts (10 s) */
#define STALL_MS 1000         /* owner stalled longer than this: restart the send clock */
#define PLAY_CATCHUP_MS AUDEV_LATE_MS /* playout periods missed up to this are all played (device ring absorbs them) */
#define PLAY_RESUME_FRAMES 1  /* after a longer stall: only this many frames, the latest due */
#define PLAY_DEPTH_MAX 4      /* paired device: most frames kept queued for it after a playout */
#define PLAY_DEPTH_CALM 500   /* ... playouts (10 s) without its ring running dry before one frame less */
#define DEV_OFF_WIN 8         /* wake-ups whose earliest gives the device clock's offset from ours (160 ms) */

struct stream {
	stream_stun_h *stunh;
	int rtp_fd;
	int rtcp_fd;
	bool mux;
	struct sockaddr_storage remote_rtp;
	struct sockaddr_storage remote_rtcp;
	uint8_t pt;
	int dtmf_pt;
	unsigned ptime;
	unsigned spf;
	enum stream_dir dir;
	bool muted; /* captured audio replaced by silence; RTP, DTMF and playback go on */
	unsigned timeout_ms;
	struct audev *dev;
	stream_dtmf_h *dtmfh;
	stream_timeout_h *timeouth;
	struct zrtp *zrtp;
	stream_zrtp_h *zrtph;
	bool zrtp_keys;
	uint64_t next_zrtp_ms;
	void *arg;

	struct srtp_sess *sess;     /* current keys: the only way out to the socket; NULL: hold, nothing goes out */
	struct srtp_sess *old_rx;   /* previous keys after a rekey, receive only */
	struct srtp_sess *early_rx; /* ZRTP's receive key before its send key, receive only */
	uint64_t old_until;
	struct srtp_sess_stats retired; /* counters of sessions already freed */
	uint64_t auth_fail_adjust;  /* packets the new keys refused and the old keys then judged */

	struct rtp_send *tx;
	struct rtp_recv *rx;
	struct dtmf_send *dtx;
	struct dtmf_recv *drx;
	struct jbuf *jb;
	struct plc *plc;
	char cname[RTCP_CNAME_LEN + 1];

	bool started;
	uint64_t next_tx_ms;   /* without a device: when the next silence frame is due */
	uint64_t next_play_ms;
	uint64_t next_rtcp_ms;
	uint64_t last_rx_ms;
	uint64_t last_rtp_ms;   /* the last authenticated RTP packet (0: none yet): for rtp_gap_ms */
	bool timed_out;
	uint64_t base_ms;      /* now_ms at start, and the wall NTP time then (64-bit fixed point) */
	uint64_t base_ntp;
	uint32_t rng;

	/* RTCP state */
	uint32_t last_sr_mid;
	uint64_t last_sr_rx_ms;
	uint32_t sr_packets_at_last_report;
	uint32_t dtmf_ts;  /* start of the last telephone-event received */
	bool dtmf_open;

	struct stream_stats st; /* counters kept here; stream_stats fills in the rest */
	const struct ring *play_ring; /* the playback ring the two fields below are about */
	size_t play_min;        /* fewest samples queued for the device at a playout in this window */
	unsigned play_n;        /* playouts in this window */
	unsigned trim_wait;     /* 0, or 1 + playouts waited for a quiet frame to skip */

	/* playout paced by a paired device (audev.paired): paced_playout */
	bool dev_clock;         /* dev_ms runs (a paired device's capture has been seen) */
	uint64_t dev_ms;        /* the device's clock: a frame time per capture frame, from the first wake-up's now */
	int64_t off_ring[DEV_OFF_WIN]; /* now - dev_ms at the last wake-ups */
	unsigned off_n, off_pos;
	int64_t dev_off;        /* our clock - the device's: the least of off_ring (wake-ups come late, never early) */
	uint64_t dev_under;     /* the device's underrun count when last looked at */
	unsigned play_depth;    /* frames the playback ring holds after a playout */
	unsigned calm;          /* playouts since the device last found the ring short */
	unsigned cut_wait;      /* 0, or 1 + playouts waited for a quiet frame to leave out (one frame less) */
};

static bool dir_send(enum stream_dir d)
{
	return (d & STREAM_SENDONLY) != 0;
}

static bool dir_recv(enum stream_dir d)
{
	return (d & STREAM_RECVONLY) != 0;
}

static uint32_t rng_next(struct stream *s)
{
	/* xorshift32: only for spreading RTCP times, nothing secret */
	uint32_t x = s->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	s->rng = x ? x : 0x9e3779b9u;
	return s->rng;
}

/* RFC 3550 6.2 randomises the interval to 0.5..1.5 of its value. */
static uint64_t rtcp_interval(struct stream *s, unsigned base)
{
	return base / 2 + rng_next(s) % (base + 1);
}

static bool addr_valid(const struct sockaddr_storage *a)
{
	return a->ss_family == AF_INET || a->ss_family == AF_INET6;
}

static void addr_rtcp_default(struct sockaddr_storage *rtcp, const struct sockaddr_storage *rtp, bool mux)
{
	*rtcp = *rtp;
	if (mux)
		return;
	if (rtp->ss_family == AF_INET) {
		struct sockaddr_in *a = (void *)rtcp;
		a->sin_port = htons((uint16_t)(ntohs(a->sin_port) + 1));
	} else if (rtp->ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (void *)rtcp;
		a->sin6_port = htons((uint16_t)(ntohs(a->sin6_port) + 1));
	}
}

static int crypto_check(const struct stream_crypto *c)
{
	size_t need;

	if (c->plain || c->hold)
		return 0;
	if ((unsigned)c->suite >= SRTP_SUITE_COUNT || !srtp_suite_supported(c->suite))
		return EINVAL;
	need = srtp_suite_key_len(c->suite) + srtp_suite_salt_len(c->suite);
	if (!c->tx_key || !c->rx_key || c->tx_len != need || c->rx_len != need)
		return EINVAL;
	return 0;
}

static int sess_from_crypto(struct srtp_sess **sp, const struct stream_crypto *c)
{
	int err = crypto_check(c);

	if (err)
		return err;
	if (c->hold) {
		*sp = NULL;
		return 0;
	}
	if (c->plain)
		return srtp_sess_alloc_plain(sp);
	return srtp_sess_alloc(sp, c->suite, c->tx_key, c->tx_len, c->rx_key, c->rx_len);
}

static void stats_add(struct srtp_sess_stats *acc, const struct srtp_sess *sess)
{
	struct srtp_sess_stats x;

	if (!sess)
		return;
	srtp_sess_stats(sess, &x);
	acc->protected_pkts += x.protected_pkts;
	acc->protected_bytes += x.protected_bytes;
	acc->unprotected_pkts += x.unprotected_pkts;
	acc->unprotected_bytes += x.unprotected_bytes;
	acc->rtcp_protected += x.rtcp_protected;
	acc->rtcp_unprotected += x.rtcp_unprotected;
	acc->auth_fail += x.auth_fail;
	acc->replay_fail += x.replay_fail;
	acc->other_fail += x.other_fail;
	acc->plaintext_sent += x.plaintext_sent;
	acc->plaintext_received += x.plaintext_received;
}

static void retire_old(struct stream *s)
{
	if (!s->old_rx)
		return;
	stats_add(&s->retired, s->old_rx);
	srtp_sess_free(s->old_rx);
	s->old_rx = NULL;
}

static void retire_early(struct stream *s)
{
	stats_add(&s->retired, s->early_rx);
	srtp_sess_free(s->early_rx);
	s->early_rx = NULL;
}

static void old_rx_expire(struct stream *s, uint64_t now_ms)
{
	if (!s->old_rx)
		return;
	if (!s->old_until)
		s->old_until = now_ms + REKEY_GRACE_MS;
	else if (now_ms >= s->old_until)
		retire_old(s);
}

/* NTP time (64-bit fixed point) on the owner's clock, anchored to the wall clock at start. */
static uint64_t ntp_at(const struct stream *s, uint64_t now_ms)
{
	uint64_t d = now_ms - s->base_ms;

	return s->base_ntp + ((d / 1000) << 32) + (((d % 1000) << 32) / 1000);
}

static uint32_t ntp_mid(uint64_t ntp)
{
	return (uint32_t)(ntp >> 16);
}

/*
 * The frame's peak, for the level meters: the largest and the smallest sample in eight lanes, a loop
 * of fixed length that the compiler turns into SSE2's pmaxsw/pminsw at -O2 (the plain loop over |x|
 * took ~1,400 instructions a frame, twice a frame).
 */
static double peak_of(const int16_t *x, unsigned n)
{
	int16_t hi[8] = { 0 }, lo[8] = { 0 };
	int m = 0;
	unsigned i = 0;

	for (; i + 8 <= n; i += 8) {
		const int16_t *b = x + i;

		for (unsigned j = 0; j < 8; j++) {
			hi[j] = b[j] > hi[j] ? b[j] : hi[j];
			lo[j] = b[j] < lo[j] ? b[j] : lo[j];
		}
	}
	for (; i < n; i++) {
		hi[0] = x[i] > hi[0] ? x[i] : hi[0];
		lo[0] = x[i] < lo[0] ? x[i] : lo[0];
	}
	for (unsigned j = 0; j < 8; j++) {
		m = hi[j] > m ? hi[j] : m;
		m = -(int)lo[j] > m ? -(int)lo[j] : m;
	}
	return m / 32768.0;
}

/*
 * The one way out to the network: protect (SRTP/SRTCP, or the plaintext
 * session's pass-through that counts plaintext), then sendto. A packet whose
 * protection failed is never sent.
 */
static int send_pkt(struct stream *s, uint8_t *buf, size_t len, bool rtcp)
{
	const struct sockaddr_storage *dst = rtcp ? &s->remote_rtcp : &s->remote_rtp;
	int fd = rtcp && !s->mux ? s->rtcp_fd : s->rtp_fd;
	int err;

	if (!s->sess)
		return EAGAIN; /* hold: no keys, so nothing at all */
	err = rtcp ? srtp_sess_protect_rtcp(s->sess, buf, &len, PKT_CAP)
		   : srtp_sess_protect(s->sess, buf, &len, PKT_CAP);
	if (err) {
		s->st.send_errors++;
		return err;
	}
	if (sendto(fd, buf, len, 0, (const struct sockaddr *)dst, sa_len((const struct sockaddr *)dst)) < 0) {
		s->st.send_errors++;
		return errno;
	}
	if (rtcp)
		s->st.rtcp_sent++;
	else
		s->st.rtp_sent++;
	return 0;
}

/* One packet time of outgoing audio (frame may be NULL for silence). */
static void send_frame(struct stream *s, const int16_t *frame)
{
	uint8_t buf[PKT_CAP];
	struct dtmf_pkt dp;
	size_t hl;

	if (!dir_send(s->dir) || !s->sess) {
		/* hold, or no keys yet: the timestamp keeps running so resuming is continuous */
		if (!s->sess)
			s->st.held_frames++;
		rtp_send_skip(s->tx, s->spf);
		return;
	}
	if (s->dtx && dtmf_send_tick(s->dtx, rtp_send_ts(s->tx), &dp) == 0) {
		if (rtp_send_other(s->tx, buf, sizeof(buf), dp.pt, dp.ts, dp.marker, DTMF_PAYLOAD_LEN,
				   &hl) == 0) {
			memcpy(buf + hl, dp.payload, DTMF_PAYLOAD_LEN);
			if (send_pkt(s, buf, hl + DTMF_PAYLOAD_LEN, false) == 0)
				s->st.dtmf_sent++;
		}
		rtp_send_skip(s->tx, s->spf);
		return;
	}
	if (rtp_send_audio(s->tx, buf, sizeof(buf), s->spf, s->spf, &hl)) {
		s->st.send_errors++;
		return;
	}
	if (!frame)
		memset(buf + hl, s->pt == STREAM_PT_PCMU ? 0xff : 0xd5, s->spf);
	else if (s->pt == STREAM_PT_PCMU)
		g711_ulaw_enc_buf(buf + hl, frame, s->spf);
	else
		g711_alaw_enc_buf(buf + hl, frame, s->spf);
	send_pkt(s, buf, hl + s->spf, false);
}

static bool paced(const struct stream *s);
static void paced_playout(struct stream *s, uint64_t now_ms, size_t m);

static void do_capture(struct stream *s, uint64_t now_ms)
{
	int16_t frame[MAX_SPF];

	if (s->dev) {
		struct ring *cap = audev_capture_ring(s->dev);
		size_t m = ring_avail(cap) / s->spf;
		while (ring_avail(cap) >= s->spf) {
			ring_read(cap, frame, s->spf);
			s->st.mic_peak = peak_of(frame, s->spf);
			/* consumed even when muted: the ring must not fill, nor old speech leak out on unmute */
			send_frame(s, s->muted ? NULL : frame);
		}
		s->next_tx_ms = now_ms + s->ptime;
		if (m && paced(s)) {
			/*
			 * What the socket holds first: the owner may serve the device's wake-up before the
			 * socket, and a packet that came before this period would be taken for missing.
			 */
			stream_rx(s, s->rtp_fd, now_ms);
			paced_playout(s, now_ms, m);
		}
		return;
	}
	while (now_ms >= s->next_tx_ms) {
		s->st.mic_peak = 0;
		send_frame(s, NULL);
		s->next_tx_ms += s->ptime;
	}
}

/*
 * The device drains the playback ring on its clock, we fill it on ours: the
 * ring keeps whatever depth the start of the call, a late wake-up or a slow
 * device left (up to PLAY_AHEAD_FRAMES, 120 ms of mouth-to-ear delay). When
 * at every playout for a second it still held a whole frame before we wrote,
 * that frame is delay neither clock needs: the next quiet frame (a pause:
 * peak below PLAY_TRIM_QUIET) is not written, or after PLAY_TRIM_WAIT
 * playouts without a pause the next frame at all, until the ring runs nearly
 * empty between the two clocks' ticks. A spare frame that drains by itself
 * meanwhile cancels the skip.
 */
static bool play_trim(struct stream *s, const struct ring *play, double peak)
{
	size_t level = ring_avail(play);

	if (play != s->play_ring) {
		s->play_ring = play;
		s->play_min = SIZE_MAX;
		s->play_n = 0;
		s->trim_wait = 0;
	}
	if (s->trim_wait) {
		if (level < s->spf)
			s->trim_wait = 0;
		else if (peak < PLAY_TRIM_QUIET || ++s->trim_wait > PLAY_TRIM_WAIT) {
			s->trim_wait = 0;
			return true;
		}
		return false;
	}
	if (level < s->play_min)
		s->play_min = level;
	if (++s->play_n < PLAY_TRIM_FRAMES)
		return false;
	if (s->play_min >= s->spf)
		s->trim_wait = 1;
	s->play_min = SIZE_MAX;
	s->play_n = 0;
	return false;
}

/* The frame due at t from the jitter buffer: decoded, concealed or silence. */
static void play_take(struct stream *s, uint64_t t, int16_t *frame)
{
	struct jbuf_frame f;

	if (jbuf_get(s->jb, t, &f))
		f.kind = JBUF_WAIT;
	switch (f.kind) {
	case JBUF_FRAME: {
		size_t n = f.len < s->spf ? f.len : s->spf;
		if (s->pt == STREAM_PT_PCMU)
			g711_ulaw_dec_buf(frame, f.data, n);
		else
			g711_alaw_dec_buf(frame, f.data, n);
		if (n < s->spf)
			memset(frame + n, 0, (s->spf - n) * sizeof(frame[0]));
		plc_good(s->plc, frame);
		break;
	}
	case JBUF_CONCEAL:
		plc_conceal(s->plc, frame);
		s->st.concealed++;
		break;
	default:
		memset(frame, 0, s->spf * sizeof(frame[0]));
		break;
	}
	s->st.spk_peak = peak_of(frame, s->spf);
}

static void do_playout(struct stream *s)
{
	int16_t frame[MAX_SPF];
	struct ring *play = s->dev ? audev_playback_ring(s->dev) : NULL;

	play_take(s, s->next_play_ms, frame);
	if (!play)
		return;
	/* a device clock slower than ours would fill its ring without bound: drop instead */
	if (ring_avail(play) >= PLAY_AHEAD_FRAMES * s->spf || ring_space(play) < s->spf) {
		s->st.play_overflow++;
		return;
	}
	if (play_trim(s, play, s->st.spk_peak)) {
		s->st.play_trimmed++;
		return;
	}
	ring_write(play, frame, s->spf);
}

static bool paced(const struct stream *s)
{
	return s->dev && s->dev->paired;
}

/*
 * A paired device (one clock takes a playback frame for every capture frame it gives) paces the
 * playout, instead of our own 20 ms timer: at each wake-up that finds its capture, the playback
 * ring is topped up to play_depth frames (one, normally), so a frame written now plays in the
 * device's next period and nothing else waits in the ring. Two clocks never meet in the ring: a
 * device slower or faster than the loop's clock (JACK's dummy driver under load runs slow, and
 * skips time) would otherwise fill it to PLAY_AHEAD_FRAMES (120 ms) and drop frames, or run it dry.
 *
 * The jitter buffer runs on the device's clock too (dev_ms: a frame time per capture frame): its
 * frames are asked for at the device's periods, and packets are stamped with their arrival on our
 * clock less the offset between the two (dev_off, the least of the last DEV_OFF_WIN wake-ups':
 * a wake-up comes late, never early). Time the device lost (an overrun, a server that skipped
 * cycles) is then no step in every packet's transit, which the buffer would hold as 10 s of jitter.
 *
 * A period in which the device found the ring short (it played silence: our wake-up came after
 * its next period) raises play_depth by a frame, up to PLAY_DEPTH_MAX; PLAY_DEPTH_CALM playouts
 * without one lower it again, by leaving out the next quiet frame (or any, after PLAY_TRIM_WAIT).
 */
static void paced_playout(struct stream *s, uint64_t now_ms, size_t m)
{
	struct ring *play = audev_playback_ring(s->dev);
	struct audev_stats ds;
	int16_t frame[MAX_SPF];
	size_t level, n, k, excess;
	unsigned i;

	audev_stats(s->dev, &ds);
	if (!s->dev_clock) {
		/*
		 * A device's clock starts where the jitter buffer's left off: ours at first (dev_off 0), the
		 * last device's after a switch, so the buffer's timing goes on without a step.
		 */
		s->dev_clock = true;
		s->dev_ms = (uint64_t)((int64_t)now_ms - s->dev_off);
		s->off_n = s->off_pos = 0;
		s->play_depth = 1;
		s->calm = 0;
		s->cut_wait = 0;
	} else {
		s->dev_ms += (uint64_t)m * s->ptime;
		if (ds.play_underruns != s->dev_under) {
			s->st.play_dry++;
			if (s->play_depth < PLAY_DEPTH_MAX)
				s->play_depth++;
			s->calm = 0;
			s->cut_wait = 0;
		}
	}
	s->dev_under = ds.play_underruns;
	s->off_ring[s->off_pos] = (int64_t)(now_ms - s->dev_ms);
	s->off_pos = (s->off_pos + 1) % DEV_OFF_WIN;
	if (s->off_n < DEV_OFF_WIN)
		s->off_n++;
	s->dev_off = s->off_ring[0];
	for (i = 1; i < s->off_n; i++)
		if (s->off_ring[i] < s->dev_off)
			s->dev_off = s->off_ring[i];

	level = ring_avail(play);
	n = level / s->spf < s->play_depth ? s->play_depth - level / s->spf : 0;
	/*
	 * Part of a frame left over when the ring is topped up (the owner's two-frame cushion less what
	 * the device took at its first period, say) is delay no clock needs: a quiet frame goes in
	 * that much shorter. A few samples either way are the resampler's.
	 */
	excess = n ? level % s->spf : 0;
	for (k = 0; k < n; k++) {
		size_t cut = 0;

		play_take(s, s->dev_ms - (uint64_t)(n - 1 - k) * s->ptime, frame);
		if (s->cut_wait && (s->st.spk_peak < PLAY_TRIM_QUIET || ++s->cut_wait > PLAY_TRIM_WAIT)) {
			s->cut_wait = 0;
			s->play_depth--;
			s->st.play_trimmed++;
			continue;
		}
		if (excess >= s->spf / 8 && s->st.spk_peak < PLAY_TRIM_QUIET) {
			cut = excess;
			excess = 0;
			s->st.play_trimmed++;
		}
		if (ring_space(play) < s->spf) {
			s->st.play_overflow++;
			continue;
		}
		ring_write(play, frame + cut, s->spf - cut);
	}
	if (s->play_depth > 1 && !s->cut_wait && ++s->calm >= PLAY_DEPTH_CALM) {
		s->calm = 0;
		s->cut_wait = 1;
	}
	s->st.play_depth = s->play_depth;
	/* where the loop's own clock goes on, should the device be taken away */
	s->next_play_ms = now_ms + s->ptime;
}

/* A packet's arrival on the jitter buffer's clock: the device's when it paces the playout. */
static uint64_t jb_time(const struct stream *s, uint64_t at)
{
	if (!paced(s) || !s->dev_clock)
		return at;
	return (uint64_t)((int64_t)at - s->dev_off);
}

static void send_rtcp(struct stream *s, uint64_t now_ms, bool bye)
{
	uint8_t buf[PKT_CAP];
	struct rtcp_report rep;
	struct rtp_send_stats ss;
	size_t len;

	if (!s->sess)
		return; /* no keys: no report either, it would go out in clear */
	memset(&rep, 0, sizeof(rep));
	rep.ssrc = rtp_send_ssrc(s->tx);
	rep.cname = s->cname;
	rep.bye = bye;
	rtp_send_stats(s->tx, &ss);
	if (ss.packets != s->sr_packets_at_last_report) {
		uint64_t ntp = ntp_at(s, now_ms);
		rep.sender = true;
		rep.sr.ntp_sec = (uint32_t)(ntp >> 32);
		rep.sr.ntp_frac = (uint32_t)ntp;
		rep.sr.rtp_ts = rtp_send_ts(s->tx);
		rep.sr.packets = ss.packets;
		rep.sr.octets = ss.octets;
		s->sr_packets_at_last_report = ss.packets;
	}
	if (rtp_recv_active(s->rx)) {
		struct rtp_recv_report rr;
		struct rtcp_rb *rb = &rep.rb[0];

		rtp_recv_report(s->rx, &rr);
		rep.rb_count = 1;
		rb->ssrc = rr.ssrc;
		rb->fraction_lost = rr.fraction_lost;
		rb->cum_lost = rr.cum_lost;
		rb->ext_max_seq = rr.ext_max_seq;
		rb->jitter = rr.jitter;
		/* reading the receiver statistics starts a new interval, so they are sampled here */
		s->st.fraction_lost = rr.fraction_lost;
		s->st.lost = rr.cum_lost > 0 ? (uint32_t)rr.cum_lost : 0;
		if (s->last_sr_mid) {
			rb->lsr = s->last_sr_mid;
			rb->dlsr = rtcp_dlsr_from_us((now_ms - s->last_sr_rx_ms) * 1000);
		}
	}
	if (rtcp_build(buf, sizeof(buf) - SRTP_SESS_MAX_TRAILER, &rep, &len) == 0)
		send_pkt(s, buf, len, true);
	else
		s->st.send_errors++;
}

static void media_seen(struct stream *s, uint64_t now_ms)
{
	s->last_rx_ms = now_ms;
	s->timed_out = false;
}

/*
 * Unprotect with the current keys, then with the previous receive keys
 * (packets still in flight after a rekey), then with ZRTP's receive key
 * known before its send key. Only an authentication failure moves on to the
 * next keys, and only the last keys tried count it. GCM decrypts in place
 * before checking the tag, so each further try works on a copy.
 */
static int unprotect(struct stream *s, uint8_t *pkt, size_t *len, bool rtcp, uint64_t now_ms)
{
	struct srtp_sess *keys[3];
	uint8_t copy[PKT_CAP];
	size_t clen = *len;
	int err = EACCES, tried = 0, n = 0, i;

	old_rx_expire(s, now_ms);
	if (!s->sess && !s->early_rx)
		return EACCES; /* hold: nothing can be read yet */
	if (s->sess)
		keys[n++] = s->sess;
	if (s->old_rx)
		keys[n++] = s->old_rx;
	if (s->early_rx)
		keys[n++] = s->early_rx;
	if (n > 1)
		memcpy(copy, pkt, clen);
	for (i = 0; i < n; i++) {
		if (tried) {
			memcpy(pkt, copy, clen);
			*len = clen;
		}
		err = rtcp ? srtp_sess_unprotect_rtcp(keys[i], pkt, len) : srtp_sess_unprotect(keys[i], pkt, len);
		if (err != EBADMSG)
			break;
		tried++;
	}
	/* the keys that gave the verdict count it; the ones that failed before do not */
	s->auth_fail_adjust += (uint64_t)(tried - (i == n));
	if (!err && keys[i] == s->sess)
		retire_old(s); /* the far end uses the new keys now */
	return err;
}

static void latch(struct stream *s, struct sockaddr_storage *cur, const struct sockaddr_storage *from)
{
	if (sa_equal((const struct sockaddr *)cur, (const struct sockaddr *)from))
		return;
	*cur = *from;
	s->st.latches++;
}

static void dtmf_cb(char digit, uint32_t duration, void *arg)
{
	struct stream *s = arg;

	s->st.dtmf_received++;
	if (s->dtmfh)
		s->dtmfh(digit, duration / SPMS, s->arg);
}

static void rx_rtp(struct stream *s, uint8_t *pkt, size_t len, const struct sockaddr_storage *from,
		   uint64_t now_ms)
{
	struct rtp_hdr h;
	int err;

	if (unprotect(s, pkt, &len, false, now_ms)) {
		s->st.rx_rejected++;
		return;
	}
	if (rtp_hdr_decode(&h, pkt, len)) {
		s->st.rx_malformed++;
		return;
	}
	if (h.pt != s->pt && (s->dtmf_pt < 0 || h.pt != (unsigned)s->dtmf_pt)) {
		s->st.rx_other_pt++;
		return;
	}
	/* symmetric RTP: only a packet that authenticated (or, plain, parsed) moves the target */
	latch(s, &s->remote_rtp, from);
	if (s->mux)
		latch(s, &s->remote_rtcp, from);
	media_seen(s, now_ms);
	if (s->last_rtp_ms && now_ms >= s->last_rtp_ms + STREAM_GAP_MIN_MS) {
		s->st.rtp_gap_ms = now_ms - s->last_rtp_ms;
		s->st.rtp_gap_end_ms = now_ms;
	}
	s->last_rtp_ms = now_ms;
	s->st.rtp_received++;
	if (!dir_recv(s->dir))
		return;

	err = rtp_recv_packet(s->rx, &h, (uint32_t)(now_ms * SPMS), NULL);
	if (err == ESRCH) {
		/* a new sender (SSRC change): start its statistics afresh */
		struct rtp_recv *r;
		if (rtp_recv_alloc(&r) == 0) {
			rtp_recv_free(s->rx);
			s->rx = r;
			rtp_recv_packet(s->rx, &h, (uint32_t)(now_ms * SPMS), NULL);
		}
	}
	if (s->dtmf_pt >= 0 && h.pt == (unsigned)s->dtmf_pt) {
		if (s->drx && dtmf_recv_packet(s->drx, h.ts, pkt + h.payload_off, h.payload_len) == 0) {
			s->dtmf_ts = h.ts;
			s->dtmf_open = true;
		}
		return;
	}
	if (s->dtmf_open && (int32_t)(h.ts - s->dtmf_ts) > 0) {
		/* audio after an event whose end packets were all lost: report it now */
		dtmf_recv_flush(s->drx);
		s->dtmf_open = false;
	}
	jbuf_put(s->jb, h.seq, h.ts, h.ssrc, pkt + h.payload_off, h.payload_len, jb_time(s, now_ms));
}

static void rx_rtcp(struct stream *s, uint8_t *pkt, size_t len, const struct sockaddr_storage *from,
		    uint64_t now_ms)
{
	struct rtcp_info info;
	uint32_t me = rtp_send_ssrc(s->tx);
	unsigned i;

	if (unprotect(s, pkt, &len, true, now_ms)) {
		s->st.rx_rejected++;
		return;
	}
	if (rtcp_parse(&info, pkt, len)) {
		s->st.rx_malformed++;
		return;
	}
	latch(s, &s->remote_rtcp, from);
	media_seen(s, now_ms);
	s->st.rtcp_received++;
	if (info.bye)
		s->st.bye_received++;
	if (info.has_sr) {
		s->last_sr_mid = rtcp_ntp_mid(info.sr.ntp_sec, info.sr.ntp_frac);
		s->last_sr_rx_ms = now_ms;
	}
	for (i = 0; i < info.rb_count; i++) {
		uint32_t rtt;
		if (info.rb[i].ssrc != me)
			continue;
		s->st.remote_fraction_lost = info.rb[i].fraction_lost;
		if (rtcp_rtt(ntp_mid(ntp_at(s, now_ms)), info.rb[i].lsr, info.rb[i].dlsr, &rtt) == 0) {
			s->st.rtt_valid = true;
			s->st.rtt_ms = (unsigned)(((uint64_t)rtt * 1000 + 32768) >> 16);
		}
	}
}

static void start_clocks(struct stream *s, uint64_t now_ms);

/*
 * A ZRTP packet (RFC 6189 5: first bits 00, the cookie at offset 4) on the
 * RTP socket goes to the engine, from wherever it came: ZRTP authenticates
 * its own messages, and only authenticated SRTP moves where we send.
 */
static void rx_zrtp(struct stream *s, const uint8_t *pkt, size_t len, uint64_t now_ms)
{
	if (s->zrtp && zrtp_recv(s->zrtp, pkt, len, now_ms) == 0)
		s->st.zrtp_received++;
	else
		s->st.zrtp_rejected++;
}

bool stream_is_stun(const uint8_t *pkt, size_t len)
{
	/* first two bits 0 (RFC 7983: RTP/RTCP start with 2 = version), the magic cookie, and a length
	 * that accounts for exactly the datagram, in 32-bit words */
	return pkt && len >= 20 && (pkt[0] & 0xC0) == 0 && pkt[4] == 0x21 && pkt[5] == 0x12 && pkt[6] == 0xA4 &&
	       pkt[7] == 0x42 && ((size_t)pkt[2] << 8 | pkt[3]) == len - 20 && (len & 3) == 0;
}

int stream_send_stun(struct stream *s, bool rtcp, const void *pkt, size_t len, const struct sockaddr_storage *dst)
{
	int fd;

	if (!s || !dst || !addr_valid(dst) || !stream_is_stun(pkt, len))
		return EINVAL;
	fd = rtcp && !s->mux && s->rtcp_fd >= 0 ? s->rtcp_fd : s->rtp_fd;
	if (sendto(fd, pkt, len, 0, (const struct sockaddr *)dst, sa_len((const struct sockaddr *)dst)) < 0)
		return errno;
	s->st.stun_sent++;
	return 0;
}

/* RFC 5761 4: with mux, RTCP packet types 192..223 sit where RTP has marker + PT 64..95. */
static bool looks_rtcp(const uint8_t *pkt, size_t len)
{
	return len >= 2 && pkt[1] >= 192 && pkt[1] <= 223;
}

/*
 * When the kernel received the packet (SO_TIMESTAMP, set in stream_alloc),
 * on the owner's clock: the owner may read the socket up to a packet time
 * late (one wake-up per frame), but jitter and the jitter buffer's delay
 * must see the network's timing. now_ms when there is no usable stamp.
 */
static uint64_t arrival_ms(struct msghdr *mh, uint64_t now_ms, uint64_t real_now_us)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		struct timeval tv;
		uint64_t us, age_ms;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMP ||
		    c->cmsg_len < CMSG_LEN(sizeof(tv)))
			continue;
		memcpy(&tv, CMSG_DATA(c), sizeof(tv));
		us = (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
		if (us > real_now_us)
			return now_ms;
		age_ms = (real_now_us - us) / 1000;
		return age_ms <= 1000 && age_ms <= now_ms ? now_ms - age_ms : now_ms;
	}
	return now_ms;
}

/* one received datagram as recvmmsg fills it */
struct rx_slot {
	uint8_t pkt[PKT_CAP];
	struct sockaddr_storage from;
	union {
		char buf[CMSG_SPACE(sizeof(struct timeval))];
		struct cmsghdr align;
	} cb;
	struct iovec iov;
};

static void rx_one(struct stream *s, int fd, uint8_t *pkt, size_t r, const struct sockaddr_storage *from,
		   uint64_t at)
{
	if (r < 2 || !addr_valid(from)) {
		s->st.rx_rejected++;
		return;
	}
	/* STUN first (RFC 7983): it is neither SRTP that failed nor media that keeps the call alive */
	if (stream_is_stun(pkt, r)) {
		s->st.stun_received++;
		if (s->stunh)
			s->stunh(fd != s->rtp_fd, pkt, r, from, s->arg);
		return;
	}
	if (fd == s->rtp_fd && zrtp_wire_classify(pkt, r) == ZRTP_WIRE_ZRTP)
		rx_zrtp(s, pkt, r, at);
	else if (fd == s->rtcp_fd || (s->mux && looks_rtcp(pkt, r)))
		rx_rtcp(s, pkt, r, from, at);
	else
		rx_rtp(s, pkt, r, from, at);
}

int stream_rx_count(struct stream *s, int fd, uint64_t now_ms, unsigned *count)
{
	/*
	 * Up to RX_BATCH datagrams per recvmmsg: a call reads its one packet per frame, and learns that
	 * the socket is empty, in one system call instead of a recvmsg per packet and one more that
	 * fails with EAGAIN. A batch that comes back short leaves nothing behind (or what arrived since,
	 * which the next poll reports: it is level-triggered).
	 */
	struct rx_slot slot[RX_BATCH];
	struct mmsghdr mm[RX_BATCH];
	struct timespec rt;
	uint64_t real_now_us;
	unsigned n = 0;

	if (count)
		*count = 0;
	if (!s || fd < 0 || (fd != s->rtp_fd && fd != s->rtcp_fd))
		return EINVAL;
	if (!s->started)
		start_clocks(s, now_ms);
	clock_gettime(CLOCK_REALTIME, &rt);
	real_now_us = (uint64_t)rt.tv_sec * 1000000u + (uint64_t)rt.tv_nsec / 1000u;
	while (n < RX_BURST) {
		int r;

		for (unsigned i = 0; i < RX_BATCH; i++) {
			slot[i].iov.iov_base = slot[i].pkt;
			slot[i].iov.iov_len = sizeof(slot[i].pkt);
			mm[i].msg_hdr = (struct msghdr){ .msg_name = &slot[i].from, .msg_namelen = sizeof(slot[i].from),
							  .msg_iov = &slot[i].iov, .msg_iovlen = 1,
							  .msg_control = slot[i].cb.buf,
							  .msg_controllen = sizeof(slot[i].cb.buf) };
			mm[i].msg_len = 0;
		}
		r = recvmmsg(fd, mm, RX_BATCH, MSG_DONTWAIT, NULL);
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR || errno == ECONNREFUSED) {
				n++; /* counts against the burst: an error that never clears cannot spin here */
				continue; /* ICMP from an earlier send; keep draining */
			}
			return errno;
		}
		for (int i = 0; i < r; i++) {
			struct rx_slot *sl = &slot[i];

			rx_one(s, fd, sl->pkt, mm[i].msg_len, &sl->from, arrival_ms(&mm[i].msg_hdr, now_ms, real_now_us));
		}
		n += (unsigned)r;
		if (count)
			*count += (unsigned)r;
		if (r < RX_BATCH)
			break;
	}
	return 0;
}

int stream_rx(struct stream *s, int fd, uint64_t now_ms)
{
	return stream_rx_count(s, fd, now_ms, NULL);
}

static void start_clocks(struct stream *s, uint64_t now_ms)
{
	uint32_t sec, frac;

	rtcp_ntp_now(&sec, &frac);
	s->base_ntp = ((uint64_t)sec << 32) | frac;
	s->base_ms = now_ms;
	s->next_tx_ms = now_ms;
	s->next_play_ms = now_ms;
	/* RFC 3550 6.2: the first report may come after half the interval */
	s->next_rtcp_ms = now_ms + rtcp_interval(s, RTCP_INTERVAL_MS / 2);
	s->last_rx_ms = now_ms;
	s->started = true;
	if (s->zrtp && zrtp_state(s->zrtp) == ZRTP_IDLE) {
		s->next_zrtp_ms = now_ms + ZRTP_TICK_MS;
		(void)zrtp_start(s->zrtp, now_ms);
	}
}

int stream_process(struct stream *s, uint64_t now_ms)
{
	if (!s)
		return EINVAL;
	if (!s->started)
		start_clocks(s, now_ms);
	if (now_ms > s->next_tx_ms + STALL_MS)
		s->next_tx_ms = now_ms; /* the owner did not run us for a long time: no burst of silence */
	if (now_ms >= s->next_play_ms + PLAY_CATCHUP_MS) {
		/*
		 * The owner was not scheduled (a loaded machine): the device played or skipped that
		 * time without us, so frames due in it can no longer be heard in time. Writing them
		 * now would only queue them behind the device's clock (latency, or dropped as the
		 * newest at PLAY_AHEAD_FRAMES). Ask for the latest ones only: the jitter buffer sees
		 * the gap and drops the backlog, oldest first, keeping its delay of before the stall.
		 */
		s->next_play_ms = now_ms - (uint64_t)(PLAY_RESUME_FRAMES - 1) * s->ptime;
	}
	old_rx_expire(s, now_ms);
	if (s->zrtp && zrtp_state(s->zrtp) == ZRTP_RUNNING && now_ms >= s->next_zrtp_ms) {
		s->next_zrtp_ms = now_ms + ZRTP_TICK_MS;
		zrtp_tick(s->zrtp, now_ms); /* may switch the keys: before this round's frames */
	}
	do_capture(s, now_ms);
	while (!paced(s) && now_ms >= s->next_play_ms) {
		do_playout(s);
		s->next_play_ms += s->ptime;
	}
	if (now_ms >= s->next_rtcp_ms) {
		send_rtcp(s, now_ms, false);
		s->next_rtcp_ms = now_ms + rtcp_interval(s, RTCP_INTERVAL_MS);
	}
	if (!s->timed_out && now_ms >= s->last_rx_ms && now_ms - s->last_rx_ms >= s->timeout_ms) {
		s->timed_out = true;
		if (s->drx)
			dtmf_recv_flush(s->drx);
		if (s->timeouth)
			s->timeouth((unsigned)(now_ms - s->last_rx_ms), s->arg);
	}
	return 0;
}

uint64_t stream_next_deadline(const struct stream *s)
{
	uint64_t t;

	if (!s || !s->started)
		return 0;
	/* a paired device's capture wakes the owner for the playout (paced_playout) */
	t = !paced(s) && s->next_play_ms < s->next_rtcp_ms ? s->next_play_ms : s->next_rtcp_ms;
	if (!s->dev && s->next_tx_ms < t)
		t = s->next_tx_ms;
	if (!s->timed_out && s->last_rx_ms + s->timeout_ms < t)
		t = s->last_rx_ms + s->timeout_ms;
	if (s->zrtp && zrtp_state(s->zrtp) == ZRTP_RUNNING && s->next_zrtp_ms < t)
		t = s->next_zrtp_ms;
	return t;
}

int stream_set_direction(struct stream *s, enum stream_dir dir)
{
	if (!s || (unsigned)dir > STREAM_SENDRECV)
		return EINVAL;
	if (dir_recv(s->dir) && !dir_recv(dir))
		jbuf_reset(s->jb);
	s->dir = dir;
	return 0;
}

int stream_set_mute(struct stream *s, bool mute)
{
	if (!s)
		return EINVAL;
	s->muted = mute;
	return 0;
}

int stream_set_remote(struct stream *s, const struct sockaddr_storage *rtp, const struct sockaddr_storage *rtcp)
{
	if (!s || !rtp || !addr_valid(rtp) || (rtcp && !s->mux && !addr_valid(rtcp)))
		return EINVAL;
	s->remote_rtp = *rtp;
	if (rtcp && !s->mux)
		s->remote_rtcp = *rtcp;
	else
		addr_rtcp_default(&s->remote_rtcp, rtp, s->mux);
	/*
	 * A new address may be a new stream at the far end (a move to new sockets), whose receive
	 * context starts our SSRC at ROC 0 while our send context, its key unchanged, goes on: past a
	 * wrap every packet would fail its authentication there. A new SSRC starts at ROC 0 everywhere.
	 */
	if (srtp_sess_tx_wrapped(s->sess) && rtp_send_new_ssrc(s->tx, rtp_recv_ssrc(s->rx)) == 0)
		s->sr_packets_at_last_report = 0;
	return 0;
}

int stream_rekey(struct stream *s, const struct stream_crypto *c)
{
	struct srtp_rekey_info info;
	struct srtp_sess *old = NULL;
	int err;

	if (!s || !c)
		return EINVAL;
	if ((err = crypto_check(c)) != 0)
		return err;
	if (c->hold)
		return s->sess ? EINVAL : 0; /* keys once given are never taken back */
	if (!s->sess)
		return sess_from_crypto(&s->sess, c); /* the end of the hold: the first keys */
	/* only the direction whose key changed gets a new context (srtp.c); plaintext is never kept for in-flight packets */
	err = c->plain ? srtp_sess_rekey_plain(s->sess, &old, &info)
		       : srtp_sess_rekey(s->sess, c->suite, c->tx_key, c->tx_len, c->rx_key, c->rx_len, &old, &info);
	if (err)
		return err;
	if (old) {
		retire_old(s);
		s->old_rx = old;
		s->old_until = 0; /* the grace period starts at the next now_ms seen */
	}
	if (info.tx_wrapped) {
		/*
		 * The new send context starts at ROC 0. Peers differ on a re-key: most start their
		 * receive context afresh at ROC 0, some carry the ROC on as RFC 3711 3.3.1 says. For
		 * a new SSRC both start at 0, so after a wrap we become a new source.
		 */
		if (rtp_send_new_ssrc(s->tx, rtp_recv_ssrc(s->rx)) == 0)
			s->sr_packets_at_last_report = 0;
	}
	return 0;
}

int stream_bye(struct stream *s, uint64_t now_ms)
{
	if (!s)
		return EINVAL;
	if (!s->started)
		start_clocks(s, now_ms);
	send_rtcp(s, now_ms, true);
	return 0;
}

int stream_dtmf(struct stream *s, const char *digits)
{
	if (!s || !digits)
		return EINVAL;
	if (!s->dtx)
		return ENOTSUP;
	return dtmf_send_queue(s->dtx, digits);
}

int stream_set_device(struct stream *s, struct audev *dev)
{
	if (!s)
		return EINVAL;
	/* frames captured while the device was not ours are stale: do not burst them out */
	if (dev && dev != s->dev)
		ring_skip(audev_capture_ring(dev), ring_avail(audev_capture_ring(dev)));
	if (dev != s->dev && s->dev_clock) {
		/*
		 * Another clock, or ours: what the jitter buffer measured on this one (its transits and
		 * their window, the baseline) means nothing on the next, and one that ran apart from ours
		 * (ALSA's null device has no clock) would leave it holding seconds; it starts again.
		 */
		s->dev_clock = false;
		s->dev_off = 0;
		jbuf_reset(s->jb);
	}
	s->dev = dev;
	return 0;
}

void stream_stats(const struct stream *s, struct stream_stats *st)
{
	struct srtp_sess_stats acc;

	if (!s || !st)
		return;
	*st = s->st;
	acc = s->retired;
	stats_add(&acc, s->sess);
	stats_add(&acc, s->old_rx);
	stats_add(&acc, s->early_rx);
	acc.auth_fail -= s->auth_fail_adjust < acc.auth_fail ? s->auth_fail_adjust : acc.auth_fail;
	st->srtp = acc;
	st->secure = srtp_sess_secure(s->sess);
	st->held = !s->sess;
	st->zrtp_keys = s->zrtp_keys;
	st->tx_suite = st->secure ? srtp_suite_name(srtp_sess_suite(s->sess)) : s->sess ? "plain" : "none";
	st->rx_suite = st->tx_suite;
	jbuf_stats(s->jb, &st->jb);
	st->jitter_ms = st->jb.jitter_ms;
	st->pt = s->pt;
	st->codec = s->pt == STREAM_PT_PCMU ? "PCMU" : "PCMA";
	st->ptime = s->ptime;
	st->dir = s->dir;
	st->muted = s->muted;
	st->remote_rtp = s->remote_rtp;
	st->remote_rtcp = s->remote_rtcp;
}

void stream_free(struct stream *s)
{
	if (!s)
		return;
	srtp_sess_free(s->sess); /* libsrtp contexts wipe their keys on dealloc; srtp.c keeps no copy */
	srtp_sess_free(s->old_rx);
	srtp_sess_free(s->early_rx);
	if (s->zrtp)
		zrtp_set_handlers(s->zrtp, NULL); /* the engine outlives us: it must not call back into freed memory */
	rtp_send_free(s->tx);
	rtp_recv_free(s->rx);
	dtmf_send_free(s->dtx);
	dtmf_recv_free(s->drx);
	jbuf_free(s->jb);
	plc_free(s->plc);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

/* ---- the stream's ZRTP (stream_prm.zrtp) ---- */

static int zrtp_send_cb(const uint8_t *pkt, size_t len, void *arg)
{
	struct stream *s = arg;

	if (sendto(s->rtp_fd, pkt, len, 0, (const struct sockaddr *)&s->remote_rtp,
		   sa_len((const struct sockaddr *)&s->remote_rtp)) < 0) {
		s->st.send_errors++;
		return errno;
	}
	s->st.zrtp_sent++;
	return 0;
}

/*
 * The peer's key, one round trip before ours: the responder's peer starts
 * sending with it as soon as it is secure, before our Confirm2 is answered.
 * Kept beside the current keys until ZRTP is secure here too.
 */
static void zrtp_rx_key_cb(const struct zrtp_keys *k, void *arg)
{
	struct stream *s = arg;
	struct srtp_sess *e = NULL;

	if (srtp_sess_alloc_rx(&e, k->suite, k->rx, k->rx_len) != 0)
		return; /* the switch at secure still works; only early packets are lost */
	retire_early(s);
	s->early_rx = e;
}

/*
 * Secure: ZRTP's keys replace the SDES keys or end the hold, between two
 * packets. The SDES receive keys stay for packets in flight (stream_rekey);
 * a packet that the early receive key took can authenticate once more under
 * the new receive context, which starts its own replay window: the jitter
 * buffer drops it as a duplicate.
 */
static void zrtp_secure_cb(const struct zrtp_result *r, void *arg)
{
	struct stream *s = arg;
	struct stream_crypto c = { .suite = r->keys.suite, .tx_key = r->keys.tx, .tx_len = r->keys.tx_len,
				   .rx_key = r->keys.rx, .rx_len = r->keys.rx_len };
	int err = stream_rekey(s, &c);

	explicit_bzero(&c, sizeof(c));
	if (!err) {
		retire_early(s);
		s->zrtp_keys = true;
	}
	if (s->zrtph)
		s->zrtph(err ? NULL : r, err, s->arg);
}

static void zrtp_fail_cb(int err, void *arg)
{
	struct stream *s = arg;

	retire_early(s);
	if (s->zrtph)
		s->zrtph(NULL, err, s->arg);
}

/* stream_kernel_time: process-wide, as the owner's clock is */
static bool kernel_time = true;

void stream_kernel_time(bool on)
{
	kernel_time = on;
}

int stream_alloc(struct stream **sp, const struct stream_prm *prm)
{
	struct stream *s;
	struct jbuf_prm jp;
	int err;

	if (!sp || !prm || prm->rtp_fd < 0 || !addr_valid(&prm->remote_rtp))
		return EINVAL;
	if (prm->pt != STREAM_PT_PCMU && prm->pt != STREAM_PT_PCMA)
		return EINVAL;
	if (prm->ptime && (prm->ptime < STREAM_PTIME_MIN || prm->ptime > STREAM_PTIME_MAX))
		return EINVAL;
	if (prm->dtmf_pt > 127 || (prm->dtmf_pt > 0 && prm->dtmf_pt < 96) || prm->dtmf_pt < -1)
		return EINVAL;
	if ((unsigned)prm->dir > STREAM_SENDRECV)
		return EINVAL;
	if (prm->rtcp_fd >= 0 && prm->rtcp_fd != prm->rtp_fd && !addr_valid(&prm->remote_rtcp))
		return EINVAL;

	s = calloc(1, sizeof(*s));
	if (!s)
		return ENOMEM;
	s->rtp_fd = prm->rtp_fd;
	s->mux = prm->rtcp_fd < 0 || prm->rtcp_fd == prm->rtp_fd;
	if (kernel_time) {
		/* kernel receive times (arrival_ms); without them stream_rx uses the owner's now */
		int on = 1;
		(void)setsockopt(prm->rtp_fd, SOL_SOCKET, SO_TIMESTAMP, &on, sizeof(on));
		if (!s->mux)
			(void)setsockopt(prm->rtcp_fd, SOL_SOCKET, SO_TIMESTAMP, &on, sizeof(on));
	}
	s->rtcp_fd = s->mux ? -1 : prm->rtcp_fd;
	s->remote_rtp = prm->remote_rtp;
	if (s->mux)
		s->remote_rtcp = prm->remote_rtp;
	else
		s->remote_rtcp = prm->remote_rtcp;
	s->pt = prm->pt;
	s->dtmf_pt = prm->dtmf_pt == 0 ? DTMF_PT_DEFAULT : prm->dtmf_pt;
	s->ptime = prm->ptime ? prm->ptime : 20;
	s->spf = s->ptime * SPMS;
	s->dir = prm->dir;
	s->timeout_ms = prm->timeout_ms ? prm->timeout_ms : STREAM_TIMEOUT_DEFAULT_MS;
	s->dev = prm->dev;
	s->dtmfh = prm->dtmfh;
	s->timeouth = prm->timeouth;
	s->zrtph = prm->zrtph;
	s->stunh = prm->stunh;
	s->arg = prm->arg;

	memset(&jp, 0, sizeof(jp));
	jp.clock_rate = CLOCK_RATE;
	jp.frame_ms = s->ptime;
	jp.max_payload = MAX_SPF;

	if ((err = sess_from_crypto(&s->sess, &prm->crypto)) != 0 ||
	    (err = rtp_send_alloc(&s->tx, s->pt)) != 0 || (err = rtp_recv_alloc(&s->rx)) != 0 ||
	    (err = jbuf_alloc(&s->jb, &jp)) != 0 || (err = plc_alloc(&s->plc, s->spf)) != 0 ||
	    (err = rtcp_cname_random(s->cname, sizeof(s->cname))) != 0)
		goto out;
	if (s->dtmf_pt >= 0) {
		if ((err = dtmf_send_alloc(&s->dtx, (uint8_t)s->dtmf_pt, CLOCK_RATE, s->ptime)) != 0 ||
		    (err = dtmf_recv_alloc(&s->drx, dtmf_cb, s)) != 0)
			goto out;
	}
	if (prm->ssrc)
		rtp_send_set(s->tx, prm->ssrc, rtp_send_seq(s->tx), rtp_send_ts(s->tx));
	s->rng = rtp_send_ssrc(s->tx) | 1;
	if (prm->zrtp) {
		struct zrtp_handlers zh = { .send = zrtp_send_cb, .rx_key = zrtp_rx_key_cb, .secure = zrtp_secure_cb,
					    .fail = zrtp_fail_cb, .arg = s };
		s->zrtp = prm->zrtp;
		zrtp_set_handlers(s->zrtp, &zh);
	}
	*sp = s;
	s = NULL;
out:
	stream_free(s);
	return err;
}
