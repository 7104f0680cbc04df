/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench_pipeline.c: packets per second through sphone's RTP send+receive path vs a bare libsrtp loop. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * The reference loop below calls libsrtp directly. This benchmark is the one
 * place outside audio/srtp.c allowed to include libsrtp: it is the yardstick
 * sphone's wrapper is measured against.
 */
#include <srtp2/srtp.h>

#include "g711.h"
#include "rtp.h"
#include "srtp.h"

#define FRAME 160 /* 20 ms at 8 kHz */
#define NFRAMES 500
#define PKT_CAP (RTP_HDR_LEN + FRAME + SRTP_SESS_MAX_TRAILER)
#define ROUNDS 5

static int16_t pcm[NFRAMES][FRAME];
static uint8_t plain[NFRAMES][RTP_HDR_LEN + FRAME];
static volatile uint32_t sink;

/*
 * The thread's CPU time, not the wall clock: on a shared machine the time the loop spends descheduled
 * is not its own, and it fell unevenly on the two loops of a round.
 */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* sphone: encode, header, protect, unprotect, parse, decode (noinline, both: callgrind --toggle-collect=run_*) */
__attribute__((noinline)) static double run_sphone(enum srtp_suite_id id, const uint8_t *key, size_t klen, long npkt)
{
	struct srtp_sess *a = NULL, *b = NULL;
	struct rtp_send *snd = NULL;
	uint8_t buf[PKT_CAP];
	int16_t out[FRAME];
	double t0, t;
	int err;

	if ((err = srtp_sess_alloc(&a, id, key, klen, key, klen)) ||
	    (err = srtp_sess_alloc(&b, id, key, klen, key, klen)) || (err = rtp_send_alloc(&snd, 0))) {
		fprintf(stderr, "setup: %s\n", strerror(err));
		exit(1);
	}
	t0 = now_s();
	for (long i = 0; i < npkt; i++) {
		struct rtp_hdr h;
		size_t hl, len;
		rtp_send_audio(snd, buf, sizeof(buf), FRAME, FRAME, &hl);
		g711_ulaw_enc_buf(buf + hl, pcm[i % NFRAMES], FRAME);
		len = hl + FRAME;
		if (srtp_sess_protect(a, buf, &len, sizeof(buf)) || srtp_sess_unprotect(b, buf, &len) ||
		    rtp_hdr_decode(&h, buf, len)) {
			fprintf(stderr, "sphone path failed at %ld\n", i);
			exit(1);
		}
		g711_ulaw_dec_buf(out, buf + h.payload_off, h.payload_len);
		sink += (uint32_t)out[i % FRAME];
	}
	t = now_s() - t0;
	srtp_sess_free(a);
	srtp_sess_free(b);
	rtp_send_free(snd);
	return npkt / t;
}

static void set_policy(srtp_policy_t *p, enum srtp_suite_id id, uint8_t *key, int out)
{
	memset(p, 0, sizeof(*p));
	if (id == SRTP_SUITE_AEAD_AES_128_GCM) {
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
	} else {
		srtp_crypto_policy_set_rtp_default(&p->rtp);
		srtp_crypto_policy_set_rtp_default(&p->rtcp);
	}
	p->ssrc.type = out ? ssrc_any_outbound : ssrc_any_inbound;
	p->key = key;
	p->window_size = 128;
}

/* bare libsrtp on the same (pre-encoded) packets: copy, protect, unprotect */
__attribute__((noinline)) static double run_bare(enum srtp_suite_id id, uint8_t *key, long npkt)
{
	srtp_policy_t pt, pr;
	srtp_t tx, rx;
	uint8_t buf[PKT_CAP];
	double t0, t;

	set_policy(&pt, id, key, 1);
	set_policy(&pr, id, key, 0);
	if (srtp_create(&tx, &pt) || srtp_create(&rx, &pr)) {
		fprintf(stderr, "bare setup failed\n");
		exit(1);
	}
	t0 = now_s();
	for (long i = 0; i < npkt; i++) {
		int len = RTP_HDR_LEN + FRAME;
		memcpy(buf, plain[i % NFRAMES], (size_t)len);
		buf[2] = (uint8_t)(i >> 8); /* fresh sequence number for the replay window */
		buf[3] = (uint8_t)i;
		if (srtp_protect(tx, buf, &len) || srtp_unprotect(rx, buf, &len)) {
			fprintf(stderr, "bare path failed at %ld\n", i);
			exit(1);
		}
		sink += buf[12 + i % FRAME];
	}
	t = now_s() - t0;
	srtp_dealloc(tx);
	srtp_dealloc(rx);
	return npkt / t;
}

int main(int argc, char **argv)
{
	static const enum srtp_suite_id ids[] = { SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, SRTP_SUITE_AEAD_AES_128_GCM };
	long npkt = argc > 1 ? atol(argv[1]) : 100000;
	uint8_t key[64];

	for (int f = 0; f < NFRAMES; f++) {
		struct rtp_hdr h;
		size_t hl;
		for (int i = 0; i < FRAME; i++)
			pcm[f][i] = (int16_t)(12000 * sin(2 * M_PI * 440 * (f * FRAME + i) / 8000.0));
		memset(&h, 0, sizeof(h));
		h.seq = (uint16_t)f;
		h.ts = (uint32_t)f * FRAME;
		h.ssrc = 0x5eed1234;
		rtp_hdr_encode(plain[f], RTP_HDR_LEN, &h, &hl);
		g711_ulaw_enc_buf(plain[f] + hl, pcm[f], FRAME);
	}
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 31 + 7);

	printf("bench_pipeline: %ld packets of 20 ms G.711 (172 B RTP) per run, best of %d, by thread CPU time\n", npkt,
	       ROUNDS);
	for (size_t k = 0; k < sizeof(ids) / sizeof(ids[0]); k++) {
		enum srtp_suite_id id = ids[k];
		size_t klen = srtp_suite_key_len(id) + srtp_suite_salt_len(id);
		double best_s = 0, best_b = 0, ratio;

		/* bench_pipeline [PACKETS [SUITE]]: one suite only, e.g. for callgrind */
		if (!srtp_suite_supported(id) || (argc > 2 && strcmp(argv[2], srtp_suite_name(id)) != 0))
			continue;
		/* interleaved, so frequency changes hit both alike */
		for (int r = 0; r < ROUNDS; r++) {
			double s = run_sphone(id, key, klen, npkt);
			double b = run_bare(id, key, npkt);
			if (s > best_s)
				best_s = s;
			if (b > best_b)
				best_b = b;
		}
		ratio = best_s / best_b;
		printf("%-24s sphone send+recv (encode+rtp+protect+unprotect+parse+decode): %9.0f pkt/s\n",
		       srtp_suite_name(id), best_s);
		printf("%-24s bare libsrtp protect+unprotect:                             %9.0f pkt/s\n",
		       srtp_suite_name(id), best_b);
		printf("%-24s ratio %.3f (target >= 0.9)%s\n", srtp_suite_name(id), ratio,
		       ratio >= 0.9 ? "" : "  BELOW TARGET");
	}
	return 0;
}
