/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rtcp.c: RTCP compound packet build and bounds-checked parse, NTP helpers and RTT. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "be.h"
#include "rtcp.h"

#define NTP_UNIX_OFFSET 2208988800u /* seconds 1900-01-01 .. 1970-01-01 */

/* A small bounded writer: once it overflows it stays failed. */
struct wbuf {
	uint8_t *p;
	size_t cap;
	size_t n;
	bool overflow;
};

static uint8_t *wb_take(struct wbuf *w, size_t n)
{
	uint8_t *p;

	if (w->overflow || w->cap - w->n < n) {
		w->overflow = true;
		return NULL;
	}
	p = w->p + w->n;
	memset(p, 0, n);
	w->n += n;
	return p;
}

static void wb_u8(struct wbuf *w, uint8_t v)
{
	uint8_t *p = wb_take(w, 1);
	if (p)
		*p = v;
}

static void wb_u32(struct wbuf *w, uint32_t v)
{
	uint8_t *p = wb_take(w, 4);
	if (p)
		be32_put(p, v);
}

static void wb_bytes(struct wbuf *w, const void *b, size_t n)
{
	uint8_t *p = wb_take(w, n);
	if (p && n)
		memcpy(p, b, n);
}

/* Pad to a 32-bit boundary with zeros, then fill in the header at start. */
static void wb_close(struct wbuf *w, size_t start, uint8_t count, uint8_t pt)
{
	while (!w->overflow && (w->n - start) % 4)
		wb_u8(w, 0);
	if (w->overflow)
		return;
	w->p[start] = (uint8_t)(2 << 6 | count);
	w->p[start + 1] = pt;
	be16_put(w->p + start + 2, (uint16_t)((w->n - start) / 4 - 1));
}

static void wb_rb(struct wbuf *w, const struct rtcp_rb *rb)
{
	uint32_t lost = (uint32_t)rb->cum_lost & 0xFFFFFF;

	wb_u32(w, rb->ssrc);
	wb_u32(w, (uint32_t)rb->fraction_lost << 24 | lost);
	wb_u32(w, rb->ext_max_seq);
	wb_u32(w, rb->jitter);
	wb_u32(w, rb->lsr);
	wb_u32(w, rb->dlsr);
}

int rtcp_build(uint8_t *buf, size_t cap, const struct rtcp_report *r, size_t *lenp)
{
	struct wbuf w = { buf, cap, 0, false };
	size_t start, cl, bl = 0;

	if (!buf || !r || !lenp || r->rb_count > RTCP_BUILD_MAX_RB || !r->cname)
		return EINVAL;
	cl = strlen(r->cname);
	if (cl == 0 || cl > RTCP_TEXT_MAX)
		return EINVAL;
	if (r->bye && r->bye_reason) {
		bl = strlen(r->bye_reason);
		if (bl > RTCP_TEXT_MAX)
			return EINVAL;
	}
	for (unsigned i = 0; i < r->rb_count; i++)
		if (r->rb[i].cum_lost > 0x7FFFFF || r->rb[i].cum_lost < -0x800000)
			return EINVAL;

	/* SR or RR */
	start = w.n;
	wb_take(&w, 4);
	wb_u32(&w, r->ssrc);
	if (r->sender) {
		wb_u32(&w, r->sr.ntp_sec);
		wb_u32(&w, r->sr.ntp_frac);
		wb_u32(&w, r->sr.rtp_ts);
		wb_u32(&w, r->sr.packets);
		wb_u32(&w, r->sr.octets);
	}
	for (unsigned i = 0; i < r->rb_count; i++)
		wb_rb(&w, &r->rb[i]);
	wb_close(&w, start, (uint8_t)r->rb_count, r->sender ? RTCP_SR : RTCP_RR);

	/* SDES: one chunk, CNAME, END; at least one zero octet ends the item list */
	start = w.n;
	wb_take(&w, 4);
	wb_u32(&w, r->ssrc);
	wb_u8(&w, 1);
	wb_u8(&w, (uint8_t)cl);
	wb_bytes(&w, r->cname, cl);
	wb_u8(&w, 0);
	wb_close(&w, start, 1, RTCP_SDES);

	if (r->bye) {
		start = w.n;
		wb_take(&w, 4);
		wb_u32(&w, r->ssrc);
		if (bl) {
			wb_u8(&w, (uint8_t)bl);
			wb_bytes(&w, r->bye_reason, bl);
		}
		wb_close(&w, start, 1, RTCP_BYE);
	}
	if (w.overflow)
		return ENOBUFS;
	*lenp = w.n;
	return 0;
}

static void copy_text(char *dst, const uint8_t *src, size_t n)
{
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int32_t sign24(uint32_t v)
{
	v &= 0xFFFFFF;
	return (v & 0x800000) ? (int32_t)v - 0x1000000 : (int32_t)v;
}

static int parse_rbs(struct rtcp_info *t, const uint8_t *p, size_t len, unsigned count)
{
	if (len < 24u * count)
		return EBADMSG;
	for (unsigned i = 0; i < count; i++, p += 24) {
		struct rtcp_rb *rb;
		if (t->rb_count >= RTCP_MAX_RB)
			break;
		rb = &t->rb[t->rb_count++];
		rb->ssrc = be32_get(p);
		rb->fraction_lost = p[4];
		rb->cum_lost = sign24(be32_get(p + 4));
		rb->ext_max_seq = be32_get(p + 8);
		rb->jitter = be32_get(p + 12);
		rb->lsr = be32_get(p + 16);
		rb->dlsr = be32_get(p + 20);
	}
	return 0;
}

/* p/len: the body after the 4-byte common header */
static int parse_sdes(struct rtcp_info *t, const uint8_t *p, size_t len, unsigned count)
{
	size_t off = 0;

	for (unsigned c = 0; c < count; c++) {
		uint32_t ssrc;
		if (len - off < 4)
			return EBADMSG;
		ssrc = be32_get(p + off);
		off += 4;
		for (;;) {
			uint8_t type, ilen;
			if (off >= len)
				return EBADMSG;
			type = p[off];
			if (type == 0) {
				/* END: skip the null octets to the next 32-bit boundary */
				off = (off + 4) & ~(size_t)3;
				if (off > len)
					return EBADMSG;
				break;
			}
			if (len - off < 2)
				return EBADMSG;
			ilen = p[off + 1];
			if (len - off - 2 < ilen)
				return EBADMSG;
			if (type == 1 && !t->has_cname) {
				t->has_cname = true;
				t->cname_ssrc = ssrc;
				copy_text(t->cname, p + off + 2, ilen);
			}
			off += 2u + ilen;
		}
	}
	return 0;
}

static int parse_bye(struct rtcp_info *t, const uint8_t *p, size_t len, unsigned count)
{
	size_t off = 4u * count;

	if (len < off)
		return EBADMSG;
	t->bye = true;
	for (unsigned i = 0; i < count && t->bye_count < RTCP_MAX_RB; i++)
		t->bye_ssrc[t->bye_count++] = be32_get(p + 4 * i);
	if (off < len) {
		uint8_t rl = p[off];
		if (len - off - 1 < rl)
			return EBADMSG;
		copy_text(t->bye_reason, p + off + 1, rl);
	}
	return 0;
}

int rtcp_parse(struct rtcp_info *info, const uint8_t *buf, size_t len)
{
	static struct rtcp_info zero;
	struct rtcp_info t = zero;
	size_t off = 0;
	bool first = true;

	if (!info || !buf)
		return EINVAL;
	if (len < 4)
		return EBADMSG;
	while (off < len) {
		const uint8_t *p = buf + off;
		size_t plen, body;
		unsigned count;
		uint8_t pt;
		int err = 0;

		if (len - off < 4 || (p[0] >> 6) != 2)
			return EBADMSG;
		count = p[0] & 0x1F;
		pt = p[1];
		plen = 4 * ((size_t)be16_get(p + 2) + 1);
		if (plen > len - off)
			return EBADMSG;
		body = plen - 4;
		if (p[0] & 0x20) {
			/* padding: only on the last packet, count inside the packet */
			uint8_t pad = p[plen - 1];
			if (off + plen != len || pad == 0 || pad > body)
				return EBADMSG;
			body -= pad;
		}
		if (first && pt != RTCP_SR && pt != RTCP_RR)
			return EBADMSG;
		switch (pt) {
		case RTCP_SR:
			if (body < 24)
				return EBADMSG;
			if (!t.has_sr && !t.has_rr) {
				t.has_sr = true;
				t.sr_ssrc = be32_get(p + 4);
				t.sr.ntp_sec = be32_get(p + 8);
				t.sr.ntp_frac = be32_get(p + 12);
				t.sr.rtp_ts = be32_get(p + 16);
				t.sr.packets = be32_get(p + 20);
				t.sr.octets = be32_get(p + 24);
			}
			err = parse_rbs(&t, p + 28, body - 24, count);
			break;
		case RTCP_RR:
			if (body < 4)
				return EBADMSG;
			if (!t.has_sr && !t.has_rr) {
				t.has_rr = true;
				t.rr_ssrc = be32_get(p + 4);
			}
			err = parse_rbs(&t, p + 8, body - 4, count);
			break;
		case RTCP_SDES:
			err = parse_sdes(&t, p + 4, body, count);
			break;
		case RTCP_BYE:
			err = parse_bye(&t, p + 4, body, count);
			break;
		default:
			t.other++;
			break;
		}
		if (err)
			return err;
		first = false;
		off += plen;
	}
	*info = t;
	return 0;
}

void rtcp_ntp_now(uint32_t *sec, uint32_t *frac)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	*sec = (uint32_t)((uint64_t)ts.tv_sec + NTP_UNIX_OFFSET);
	*frac = (uint32_t)(((uint64_t)ts.tv_nsec << 32) / 1000000000u);
}

uint32_t rtcp_ntp_mid(uint32_t sec, uint32_t frac)
{
	return sec << 16 | frac >> 16;
}

uint32_t rtcp_dlsr_from_us(uint64_t us)
{
	return (uint32_t)((us << 16) / 1000000u);
}

int rtcp_rtt(uint32_t arrival_mid, uint32_t lsr, uint32_t dlsr, uint32_t *rtt)
{
	uint32_t d;

	if (!rtt)
		return EINVAL;
	if (lsr == 0)
		return ENODATA;
	d = arrival_mid - lsr; /* modulo 2^32: fine across the NTP era roll */
	if (d < dlsr || d - dlsr > 0x80000000u)
		return ERANGE;
	*rtt = d - dlsr;
	return 0;
}

int rtcp_cname_random(char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t r[RTCP_CNAME_LEN / 2];
	size_t got = 0;

	if (!buf || size < RTCP_CNAME_LEN + 1)
		return EINVAL;
	while (got < sizeof(r)) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(r); i++) {
		buf[2 * i] = hex[r[i] >> 4];
		buf[2 * i + 1] = hex[r[i] & 15];
	}
	buf[RTCP_CNAME_LEN] = '\0';
	return 0;
}
