/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sas_relay.c: what SDES's missing commitment costs: a relay picks its last key so both phones show one SAS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "call_media.h"
#include "crypto.h"
#include "srtp.h"

/*
 * A relay sits in the signalling and the media between phone A and phone B and re-keys: it tells B
 * the key rA (for what it relays from A) and A the key rB. A's SAS hashes (kA, rB), B's hashes
 * (kB, rA). SDES has no commitment, so the relay sees kA (A's offer), sends rA, sees kB (B's answer),
 * and only then chooses rB: it tries keys until A's six digits equal B's, about 10^6 tries. It then
 * hears the call in clear while both people read out the same digits.
 */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const enum srtp_suite_id suite = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80;
	const size_t klen = srtp_suite_key_len(suite) + srtp_suite_salt_len(suite);
	int runs = argc > 1 ? atoi(argv[1]) : 5;
	unsigned long long total = 0;
	double t_all = 0;

	if (runs < 1 || runs > 1000) {
		fprintf(stderr, "usage: sas_relay [RUNS (1-1000, default 5)]\n");
		return 2;
	}
	printf("relay re-keying both legs of an SDES call (%s), choosing its last key after seeing the others\n",
	       srtp_suite_name(suite));
	for (int r = 0; r < runs; r++) {
		uint8_t ka[SRTP_MAX_MASTER_LEN], kb[SRTP_MAX_MASTER_LEN], ra[SRTP_MAX_MASTER_LEN],
			rb[SRTP_MAX_MASTER_LEN];
		char sas_a[16] = "", sas_b[16] = "";
		unsigned long long tries = 0;
		double t0;

		if (crypto_rand(ka, klen) || crypto_rand(kb, klen) || crypto_rand(ra, klen) || crypto_rand(rb, klen))
			return 1;
		if (call_media_sas_compute(sas_b, sizeof(sas_b), suite, kb, ra, klen))
			return 1;
		t0 = now_s();
		do {
			/* the next candidate: the first 8 bytes as a counter (any change gives a new hash) */
			for (int i = 0; i < 8 && ++rb[i] == 0; i++)
				;
			tries++;
			if (call_media_sas_compute(sas_a, sizeof(sas_a), suite, ka, rb, klen))
				return 1;
		} while (strcmp(sas_a, sas_b) != 0 && tries < 100000000ULL);
		t0 = now_s() - t0;
		total += tries;
		t_all += t0;
		printf("run %d: phone A shows %s, phone B shows %s after %llu tries (%.2f s)%s\n", r + 1, sas_a, sas_b,
		       tries, t0, strcmp(sas_a, sas_b) ? "  NOT FOUND" : "");
	}
	printf("mean %.0f tries, %.2f s a call (%.0f SAS computations/s on one core)\n", (double)total / runs,
	       t_all / runs, t_all > 0 ? (double)total / t_all : 0.0);
	return 0;
}
