/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sa.h: IPv4/IPv6 socket addresses: equality, length, text. Used by the media (audio/) and by SIP. */
#ifndef SPHONE_SA_H
#define SPHONE_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * Pass a sockaddr_storage (or sockaddr_in/_in6) as (const struct sockaddr *)&ss: only as many bytes as
 * the family needs are read.
 */

/* Same family, address and port; false for NULL and for any family but AF_INET and AF_INET6. */
bool sa_equal(const struct sockaddr *a, const struct sockaddr *b);
/* The length of a's sockaddr for sendto/bind/connect: sockaddr_in6 for AF_INET6, else sockaddr_in. */
socklen_t sa_len(const struct sockaddr *a);
/*
 * "192.0.2.1:5060" or "[2001:db8::1]:5060" into out ("?" for NULL or another family); returns out.
 * If not NULL, host gets the address alone (no brackets; "?" for another family) and port the port
 * (0 for another family).
 */
char *sa_str(const struct sockaddr *sa, char *out, size_t outsz, char *host, size_t hostsz, uint16_t *port);

#endif
