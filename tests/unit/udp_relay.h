/* SPDX-License-Identifier: GPL-3.0-or-later */
/* udp_relay.h: test helper: a loopback UDP relay between two endpoints that can drop, delay, reorder and tap packets. */
#ifndef SPHONE_UDP_RELAY_H
#define SPHONE_UDP_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Impairments; all zero = a clean wire. Per-mille probabilities, times in ms of the caller's clock. */
struct relay_imp {
	unsigned drop_pm;
	unsigned delay_ms;
	unsigned jitter_ms;  /* extra delay, uniform 0..jitter_ms */
	unsigned reorder_pm; /* packets held back by an extra reorder_ms */
	unsigned reorder_ms;
	uint32_t seed;
};

/* dir 0: from side A towards B, 1: from B towards A. Called for every packet received, before impairment. */
typedef void(relay_tap_h)(int dir, const uint8_t *pkt, size_t len, uint64_t now_ms, void *arg);

/* Return true to drop this packet (after the tap, before the random impairment). */
typedef bool(relay_drop_h)(int dir, const uint8_t *pkt, size_t len, void *arg);

struct relay;

/*
 * Two sockets on 127.0.0.1: A sends to relay_addr(r, 0) and its packets leave the
 * other socket towards b_peer; B sends to relay_addr(r, 1), delivered to a_peer.
 */
int relay_alloc(struct relay **rp, const struct sockaddr_storage *a_peer, const struct sockaddr_storage *b_peer,
		const struct relay_imp *imp, relay_tap_h *tap, void *arg);
void relay_free(struct relay *r);
/* A chosen packet lost (e.g. one handshake message): h gets relay_alloc's arg. */
void relay_set_drop(struct relay *r, relay_drop_h *h);
const struct sockaddr_storage *relay_addr(const struct relay *r, int side);
/* Receive everything waiting, then forward what is due at now_ms. */
void relay_poll(struct relay *r, uint64_t now_ms);
/* Send pkt in direction dir now, bypassing impairment and tap (e.g. a replayed packet). */
int relay_inject(struct relay *r, int dir, const uint8_t *pkt, size_t len);
/* Packets dropped / forwarded so far in direction dir. */
uint64_t relay_dropped(const struct relay *r, int dir);
uint64_t relay_forwarded(const struct relay *r, int dir);

/* A bound non-blocking UDP socket on 127.0.0.1 (port chosen by the kernel); its address in *addr. */
int udp_open_loopback(int *fdp, struct sockaddr_storage *addr);

#endif
