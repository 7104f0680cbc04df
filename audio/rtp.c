/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rtp.c: RTP header coding with bounds checks, sender state and RFC 3550 receiver statistics. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "be.h"
#include "rtp.h"

#define RTP_SEQ_MOD (1u << 16)

int rtp_hdr_decode(struct rtp_hdr *h, const uint8_t *pkt, size_t len)
{
	size_t off, end = len, ext_off = 0, ext_len = 0, pad = 0;
	uint16_t profile = 0;
	unsigned cc;

	if (!h || !pkt)
		return EINVAL;
	if (len < RTP_HDR_LEN || (pkt[0] >> 6) != RTP_VERSION)
		return EBADMSG;
	/* checked first and written field by field: this runs per packet, h is not touched on failure */
	cc = pkt[0] & 0x0F;
	off = RTP_HDR_LEN + 4u * cc;
	if (off > len)
		return EBADMSG;
	if (pkt[0] & 0x10) {
		if (len - off < 4)
			return EBADMSG;
		profile = be16_get(pkt + off);
		ext_len = 4u * be16_get(pkt + off + 2);
		off += 4;
		if (len - off < ext_len)
			return EBADMSG;
		ext_off = off;
		off += ext_len;
	}
	if (pkt[0] & 0x20) {
		/* the count includes itself and must fit in the payload area */
		pad = pkt[len - 1];
		if (pad == 0 || pad > len - off)
			return EBADMSG;
		end = len - pad;
	}
	h->padding = pkt[0] & 0x20;
	h->ext = pkt[0] & 0x10;
	h->cc = (uint8_t)cc;
	h->marker = pkt[1] & 0x80;
	h->pt = pkt[1] & 0x7F;
	h->seq = be16_get(pkt + 2);
	h->ts = be32_get(pkt + 4);
	h->ssrc = be32_get(pkt + 8);
	for (unsigned i = 0; i < cc; i++)
		h->csrc[i] = be32_get(pkt + RTP_HDR_LEN + 4 * i);
	h->ext_profile = profile;
	h->ext_off = ext_off;
	h->ext_len = ext_len;
	h->payload_off = off;
	h->payload_len = end - off;
	h->pad_len = pad;
	return 0;
}

/* The fixed 12 bytes of a header */
static void put_fixed(uint8_t *buf, bool marker, uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc, unsigned cc)
{
	buf[0] = (uint8_t)(RTP_VERSION << 6 | cc);
	buf[1] = (uint8_t)((marker ? 0x80 : 0) | pt);
	be16_put(buf + 2, seq);
	be32_put(buf + 4, ts);
	be32_put(buf + 8, ssrc);
}

int rtp_hdr_encode(uint8_t *buf, size_t cap, const struct rtp_hdr *h, size_t *hdr_len)
{
	size_t n;

	if (!buf || !h || h->cc > RTP_MAX_CSRC || h->pt > 127)
		return EINVAL;
	n = RTP_HDR_LEN + 4u * h->cc;
	if (cap < n)
		return ENOBUFS;
	put_fixed(buf, h->marker, h->pt, h->seq, h->ts, h->ssrc, h->cc);
	for (unsigned i = 0; i < h->cc; i++)
		be32_put(buf + RTP_HDR_LEN + 4 * i, h->csrc[i]);
	if (hdr_len)
		*hdr_len = n;
	return 0;
}

static int random_bytes(void *p, size_t n)
{
	uint8_t *b = p;

	while (n) {
		ssize_t r = getrandom(b, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

struct rtp_send {
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts;
	uint8_t pt;
	bool talkspurt; /* next audio packet gets the marker */
	struct rtp_send_stats st;
};

/*
 * Test hook, for tests only (tests/interop/rekey_call.sh): SPHONE_TEST_RTP_SEQ=N
 * (0..65535) in the environment starts every sender at sequence number N
 * instead of a random one, so that a test reaches a 16-bit wrap, and the SRTP
 * rollover counter moves, within seconds instead of up to 22 minutes.
 */
static uint16_t test_first_seq(uint16_t random_seq)
{
	const char *v = getenv("SPHONE_TEST_RTP_SEQ");
	char *end;
	unsigned long n;

	if (!v || !*v)
		return random_seq;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n > 65535 || *v == '-' || *v == '+')
		return random_seq;
	return (uint16_t)n;
}

int rtp_send_alloc(struct rtp_send **sp, uint8_t pt)
{
	struct rtp_send *s;
	uint8_t r[10];
	int err;

	if (!sp || pt > 127)
		return EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ENOMEM;
	err = random_bytes(r, sizeof(r));
	if (err)
		goto out;
	s->ssrc = be32_get(r);
	s->seq = test_first_seq(be16_get(r + 4));
	s->ts = be32_get(r + 6);
	s->pt = pt;
	s->talkspurt = true;
	*sp = s;
	s = NULL;
out:
	free(s);
	return err;
}

void rtp_send_free(struct rtp_send *s)
{
	free(s);
}

uint32_t rtp_send_ssrc(const struct rtp_send *s)
{
	return s->ssrc;
}

uint32_t rtp_send_ts(const struct rtp_send *s)
{
	return s->ts;
}

uint16_t rtp_send_seq(const struct rtp_send *s)
{
	return s->seq;
}

void rtp_send_stats(const struct rtp_send *s, struct rtp_send_stats *st)
{
	*st = s->st;
}

int rtp_send_new_ssrc(struct rtp_send *s, uint32_t avoid)
{
	uint8_t r[4];
	uint32_t ssrc;
	int err;

	do {
		if ((err = random_bytes(r, sizeof(r))) != 0)
			return err;
		ssrc = be32_get(r);
	} while (ssrc == s->ssrc || ssrc == avoid);
	s->ssrc = ssrc;
	memset(&s->st, 0, sizeof(s->st));
	s->talkspurt = true;
	return 0;
}

void rtp_send_set(struct rtp_send *s, uint32_t ssrc, uint16_t seq, uint32_t ts)
{
	s->ssrc = ssrc;
	s->seq = seq;
	s->ts = ts;
}

static int send_hdr(struct rtp_send *s, uint8_t *buf, size_t cap, uint8_t pt, uint32_t ts,
		    bool marker, size_t payload_len, size_t *hdr_len)
{
	/* rtp_hdr_encode's checks for a header without CSRCs (pt was checked by the callers) */
	if (!buf)
		return EINVAL;
	if (cap < RTP_HDR_LEN)
		return ENOBUFS;
	put_fixed(buf, marker, pt, s->seq, ts, s->ssrc, 0);
	if (hdr_len)
		*hdr_len = RTP_HDR_LEN;
	s->seq++; /* wraps modulo 2^16 */
	s->st.packets++;
	s->st.octets += (uint32_t)payload_len;
	return 0;
}

int rtp_send_audio(struct rtp_send *s, uint8_t *buf, size_t cap, uint32_t samples,
		   size_t payload_len, size_t *hdr_len)
{
	int err;

	if (!s)
		return EINVAL;
	err = send_hdr(s, buf, cap, s->pt, s->ts, s->talkspurt, payload_len, hdr_len);
	if (err)
		return err;
	s->talkspurt = false;
	s->ts += samples;
	return 0;
}

int rtp_send_other(struct rtp_send *s, uint8_t *buf, size_t cap, uint8_t pt, uint32_t ts,
		   bool marker, size_t payload_len, size_t *hdr_len)
{
	if (!s || pt > 127)
		return EINVAL;
	return send_hdr(s, buf, cap, pt, ts, marker, payload_len, hdr_len);
}

void rtp_send_skip(struct rtp_send *s, uint32_t samples)
{
	s->ts += samples;
	s->talkspurt = true;
}

struct rtp_recv {
	bool active; /* a source is being tracked */
	uint32_t ssrc;
	uint16_t max_seq;
	uint32_t cycles; /* count of wraps, shifted left 16 */
	uint32_t base_seq;
	uint32_t bad_seq;
	uint32_t probation;
	uint32_t received;
	uint32_t expected_prior;
	uint32_t received_prior;
	bool have_transit;
	uint32_t transit;
	uint32_t jitter; /* scaled by 16 */
};

int rtp_recv_alloc(struct rtp_recv **rp)
{
	struct rtp_recv *r;

	if (!rp)
		return EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return ENOMEM;
	*rp = r;
	return 0;
}

void rtp_recv_free(struct rtp_recv *r)
{
	free(r);
}

bool rtp_recv_active(const struct rtp_recv *r)
{
	return r->active;
}

uint32_t rtp_recv_ssrc(const struct rtp_recv *r)
{
	return r->active ? r->ssrc : 0;
}

static void init_seq(struct rtp_recv *r, uint16_t seq)
{
	r->base_seq = seq;
	r->max_seq = seq;
	r->bad_seq = RTP_SEQ_MOD + 1; /* so seq == bad_seq is false */
	r->cycles = 0;
	r->received = 0;
	r->received_prior = 0;
	r->expected_prior = 0;
	r->have_transit = false;
	r->jitter = 0;
}

/* RFC 3550 A.1: returns 0 valid, EINPROGRESS probation, ERANGE bad jump */
static int update_seq(struct rtp_recv *r, uint16_t seq)
{
	uint16_t udelta = (uint16_t)(seq - r->max_seq);

	if (r->probation) {
		if (seq == (uint16_t)(r->max_seq + 1)) {
			r->probation--;
			r->max_seq = seq;
			if (r->probation == 0) {
				init_seq(r, seq);
				r->received++;
				return 0;
			}
		} else {
			r->probation = RTP_MIN_SEQUENTIAL - 1;
			r->max_seq = seq;
		}
		return EINPROGRESS;
	}
	if (udelta < RTP_MAX_DROPOUT) {
		if (seq < r->max_seq)
			r->cycles += RTP_SEQ_MOD;
		r->max_seq = seq;
	} else if (udelta <= RTP_SEQ_MOD - RTP_MAX_MISORDER) {
		if (seq == r->bad_seq) {
			/* two sequential packets after a jump: the source restarted */
			init_seq(r, seq);
		} else {
			r->bad_seq = (seq + 1) & (RTP_SEQ_MOD - 1);
			return ERANGE;
		}
	}
	/* else: duplicate or reordered packet, counted */
	r->received++;
	return 0;
}

int rtp_recv_packet(struct rtp_recv *r, const struct rtp_hdr *h, uint32_t arrival,
		    uint32_t *ext_seq)
{
	int err;

	if (!r || !h)
		return EINVAL;
	if (!r->active) {
		r->active = true;
		r->ssrc = h->ssrc;
		init_seq(r, h->seq);
		r->max_seq = (uint16_t)(h->seq - 1);
		r->probation = RTP_MIN_SEQUENTIAL;
	} else if (h->ssrc != r->ssrc) {
		return ESRCH;
	}
	err = update_seq(r, h->seq);
	if (err)
		return err;

	/* A.8 interarrival jitter, in timestamp units, kept scaled by 16 */
	{
		uint32_t transit = arrival - h->ts;
		if (r->have_transit) {
			int32_t d = (int32_t)(transit - r->transit);
			uint32_t ad = d < 0 ? (uint32_t)(-(int64_t)d) : (uint32_t)d;
			r->jitter += ad - ((r->jitter + 8) >> 4);
		}
		r->transit = transit;
		r->have_transit = true;
	}
	if (ext_seq) {
		/* a late packet from before the last wrap belongs to the previous cycle */
		uint32_t cyc = r->cycles;
		if (h->seq > r->max_seq && (uint16_t)(h->seq - r->max_seq) > RTP_SEQ_MOD / 2 && cyc)
			cyc -= RTP_SEQ_MOD;
		*ext_seq = cyc + h->seq;
	}
	return 0;
}

void rtp_recv_report(struct rtp_recv *r, struct rtp_recv_report *rep)
{
	uint32_t ext_max, expected, exp_int, rec_int;
	int64_t lost, lost_int;

	memset(rep, 0, sizeof(*rep));
	if (!r->active || r->probation)
		return;
	ext_max = r->cycles + r->max_seq;
	expected = ext_max - r->base_seq + 1;
	lost = (int64_t)expected - r->received;
	if (lost > 0x7FFFFF)
		lost = 0x7FFFFF;
	else if (lost < -0x800000)
		lost = -0x800000;

	exp_int = expected - r->expected_prior;
	r->expected_prior = expected;
	rec_int = r->received - r->received_prior;
	r->received_prior = r->received;
	lost_int = (int64_t)exp_int - rec_int;

	rep->ssrc = r->ssrc;
	rep->cum_lost = (int32_t)lost;
	rep->ext_max_seq = ext_max;
	if (exp_int == 0 || lost_int <= 0)
		rep->fraction_lost = 0;
	else if (lost_int >= exp_int)
		rep->fraction_lost = 255; /* everything lost: 256/256 does not fit */
	else
		rep->fraction_lost = (uint8_t)((lost_int << 8) / exp_int);
	rep->jitter = r->jitter >> 4;
	rep->expected = expected;
	rep->received = r->received;
}
