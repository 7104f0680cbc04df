/* SPDX-License-Identifier: GPL-3.0-or-later */
/* zrtp_mitm.c: the media half of a man in the middle for tests: two ZRTP engines, one per leg, and SRTP re-keyed from one leg to the other. */
/*
 * What an attacker who controls the signalling and the media path does to a ZRTP call: it answers
 * each phone's ZRTP itself (engine 1 faces the caller on leg 1, engine 2 the callee on leg 2), puts
 * its own Hello's a=zrtp-hash in the SDP it relays, and, once both legs are secure, decrypts what
 * one phone sends and re-encrypts it for the other, so the call works and the attacker hears it.
 * What gives it away is what ZRTP is for: the two phones show different SAS, and a phone whose
 * cache holds a retained secret for the other reports a mismatch (or another device).
 *
 * Usage: zrtp_mitm CACHE1 URI1 CACHE2 URI2
 *   CACHEn  the ZRTP cache of leg n's engine ("-": none); a cache whose self ZID was set to a
 *           victim's beforehand makes that engine claim the victim's ZID (ZIDs are sent in clear)
 *   URIn    the address of record of the phone on leg n (the cache files secrets under it)
 *   Made with "--init CACHE": creates an empty cache file and exits (its ZID is made on first use).
 * Lines out: "ports P1 P2", "hash1 H", "hash2 H", then "secureN TRUST SAS" or "failN REASON" per
 *   leg, and at the end "relayed N12 N21" (packets re-encrypted each way).
 * Lines in:  "peerN IP PORT [HASH]" (the phone's RTP address and its a=zrtp-hash, from its SDP),
 *   "start" (both engines start), "quit" (or end of input).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "srtp.h"
#include "zrtp.h"
#include "zrtp_wire.h"

struct leg {
	int n; /* 1 or 2 */
	int fd;
	struct sockaddr_in remote;
	bool have_remote;
	struct zrtp_cache *cache;
	struct zrtp *z;
	struct srtp_sess *sess;
	uint64_t relayed; /* packets from this leg re-encrypted onto the other */
};

static struct leg legs[2];

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int send_h(const uint8_t *pkt, size_t len, void *arg)
{
	struct leg *l = arg;

	if (!l->have_remote)
		return ENOTCONN;
	if (sendto(l->fd, pkt, len, 0, (const struct sockaddr *)&l->remote, sizeof(l->remote)) < 0)
		return errno;
	return 0;
}

static void secure_h(const struct zrtp_result *r, void *arg)
{
	struct leg *l = arg;
	int e = srtp_sess_alloc(&l->sess, r->keys.suite, r->keys.tx, r->keys.tx_len, r->keys.rx, r->keys.rx_len);

	printf("secure%d %s %s\n", l->n, e ? "no-srtp" : zrtp_trust_name(r->trust), r->sas);
	fflush(stdout);
}

static void fail_h(int err, void *arg)
{
	struct leg *l = arg;

	printf("fail%d %s\n", l->n, zrtp_strerror(err));
	fflush(stdout);
}

static int leg_init(struct leg *l, int n, const char *cache, const char *uri)
{
	struct zrtp_handlers h = { .send = send_h, .secure = secure_h, .fail = fail_h, .arg = l };
	struct zrtp_conf c = { .ssrc = 0x4d49544du + (uint32_t)n, .peer_uri = uri };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	struct zrtp_hello_hash hh;
	char hs[ZRTP_WIRE_HASH_STR_MAX];
	int e;

	l->n = n;
	l->fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (l->fd < 0 || bind(l->fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(l->fd, (struct sockaddr *)&a, &al) != 0)
		return errno;
	if (strcmp(cache, "-") && (e = zrtp_cache_open(&l->cache, cache)) != 0)
		return e;
	if ((e = zrtp_alloc(&l->z, l->cache, &c, &h)) != 0 || (e = zrtp_hello_hash(l->z, &hh)) != 0 ||
	    (e = zrtp_wire_hash_print(hs, sizeof(hs), &hh)) != 0)
		return e;
	printf("hash%d %s\n", n, hs);
	return 0;
}

static void peer_cmd(char *args)
{
	char ip[64], hash[128] = "";
	unsigned port, n;
	struct leg *l;
	int k;

	k = sscanf(args, "peer%u %63s %u %127[^\n]", &n, ip, &port, hash);
	if (k < 3 || n < 1 || n > 2 || port > 65535) {
		printf("error bad peer line\n");
		return;
	}
	l = &legs[n - 1];
	memset(&l->remote, 0, sizeof(l->remote));
	l->remote.sin_family = AF_INET;
	l->remote.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, ip, &l->remote.sin_addr) != 1) {
		printf("error bad address\n");
		return;
	}
	l->have_remote = true;
	if (k == 4 && strcmp(hash, "-")) {
		struct zrtp_hello_hash hh;
		if (zrtp_wire_hash_parse(hash, strlen(hash), &hh) != 0 || zrtp_set_peer_hello_hash(l->z, &hh) != 0)
			printf("error bad hash\n");
	}
}

/* A packet from leg l: ZRTP to its engine; SRTP/SRTCP re-keyed onto the other leg once both are secure. */
static void leg_rx(struct leg *l, struct leg *o)
{
	uint8_t b[2048];
	ssize_t r = recv(l->fd, b, sizeof(b) - 64, 0);
	size_t len;
	bool rtcp;

	if (r <= 0)
		return;
	len = (size_t)r;
	switch (zrtp_wire_classify(b, len)) {
	case ZRTP_WIRE_ZRTP:
		zrtp_recv(l->z, b, len, now_ms());
		return;
	case ZRTP_WIRE_RTP:
		break;
	default:
		return;
	}
	if (!l->sess || !o->sess || !o->have_remote)
		return; /* SDES before ZRTP on this leg, or the other leg not ready: dropped */
	rtcp = b[1] >= 200 && b[1] <= 204;
	if ((rtcp ? srtp_sess_unprotect_rtcp : srtp_sess_unprotect)(l->sess, b, &len) != 0)
		return;
	if ((rtcp ? srtp_sess_protect_rtcp : srtp_sess_protect)(o->sess, b, &len, sizeof(b)) != 0)
		return;
	if (sendto(o->fd, b, len, 0, (const struct sockaddr *)&o->remote, sizeof(o->remote)) >= 0)
		l->relayed++;
}

int main(int argc, char **argv)
{
	struct pollfd pf[3];
	char line[512];
	size_t have = 0;
	bool started = false, in_open = true;
	int e;

	if (argc == 3 && !strcmp(argv[1], "--init")) {
		struct zrtp_cache *c = NULL;
		e = zrtp_cache_open(&c, argv[2]);
		zrtp_cache_close(c);
		return e ? 1 : 0;
	}
	if (argc != 5) {
		fprintf(stderr, "usage: zrtp_mitm CACHE1 URI1 CACHE2 URI2 | --init CACHE\n");
		return 2;
	}
	if ((e = leg_init(&legs[0], 1, argv[1], argv[2])) != 0 || (e = leg_init(&legs[1], 2, argv[3], argv[4])) != 0) {
		fprintf(stderr, "zrtp_mitm: %s\n", e == ELIBACC ? zrtp_lib_error() : strerror(e));
		return 1;
	}
	{
		struct sockaddr_in a;
		socklen_t al = sizeof(a);
		unsigned p[2];
		for (int i = 0; i < 2; i++) {
			al = sizeof(a);
			getsockname(legs[i].fd, (struct sockaddr *)&a, &al);
			p[i] = ntohs(a.sin_port);
		}
		printf("ports %u %u\n", p[0], p[1]);
		fflush(stdout);
	}
	while (in_open) {
		uint64_t t = now_ms();

		pf[0] = (struct pollfd){ .fd = 0, .events = POLLIN };
		pf[1] = (struct pollfd){ .fd = legs[0].fd, .events = POLLIN };
		pf[2] = (struct pollfd){ .fd = legs[1].fd, .events = POLLIN };
		if (poll(pf, 3, ZRTP_TICK_MS) < 0 && errno != EINTR)
			break;
		if (pf[1].revents & POLLIN)
			leg_rx(&legs[0], &legs[1]);
		if (pf[2].revents & POLLIN)
			leg_rx(&legs[1], &legs[0]);
		if (pf[0].revents & (POLLIN | POLLHUP)) {
			/* raw reads: several lines may come at once, and stdio would hide the rest from poll */
			ssize_t r = read(0, line + have, sizeof(line) - 1 - have);
			char *nl;

			if (r <= 0)
				in_open = false;
			else
				have += (size_t)r;
			line[have] = '\0';
			while (in_open && (nl = strchr(line, '\n')) != NULL) {
				*nl = '\0';
				if (!strncmp(line, "quit", 4)) {
					in_open = false;
				} else if (!strncmp(line, "peer", 4)) {
					peer_cmd(line);
				} else if (!strncmp(line, "start", 5) && !started) {
					started = true;
					zrtp_start(legs[0].z, t);
					zrtp_start(legs[1].z, t);
				}
				have -= (size_t)(nl + 1 - line);
				memmove(line, nl + 1, have + 1);
			}
			if (have == sizeof(line) - 1)
				have = 0; /* a line too long for anything here */
			fflush(stdout);
		}
		if (started) {
			zrtp_tick(legs[0].z, now_ms());
			zrtp_tick(legs[1].z, now_ms());
		}
	}
	printf("relayed %llu %llu\n", (unsigned long long)legs[0].relayed, (unsigned long long)legs[1].relayed);
	for (int i = 0; i < 2; i++) {
		zrtp_free(legs[i].z);
		srtp_sess_free(legs[i].sess);
		zrtp_cache_close(legs[i].cache);
		close(legs[i].fd);
	}
	return 0;
}
