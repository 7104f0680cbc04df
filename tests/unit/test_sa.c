/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_sa.c: socket address equality, length and text. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "sa.h"
#include "../tap.h"

static struct sockaddr_storage v4(const char *a, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	s->sin_family = AF_INET;
	s->sin_port = htons(port);
	inet_pton(AF_INET, a, &s->sin_addr);
	return ss;
}

static struct sockaddr_storage v6(const char *a, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	s->sin6_family = AF_INET6;
	s->sin6_port = htons(port);
	inet_pton(AF_INET6, a, &s->sin6_addr);
	return ss;
}

int main(void)
{
	struct sockaddr_storage a = v4("192.0.2.1", 5060), b = v4("192.0.2.1", 5060);
	struct sockaddr_storage c = v6("2001:db8::1", 5060), d = v6("2001:db8::1", 5060), u;
	char out[64], host[64];
	uint16_t port = 0;

	ok(sa_equal((struct sockaddr *)&a, (struct sockaddr *)&b), "IPv4: same address and port");
	b = v4("192.0.2.1", 5061);
	ok(!sa_equal((struct sockaddr *)&a, (struct sockaddr *)&b), "IPv4: another port");
	b = v4("192.0.2.2", 5060);
	ok(!sa_equal((struct sockaddr *)&a, (struct sockaddr *)&b), "IPv4: another address");
	ok(sa_equal((struct sockaddr *)&c, (struct sockaddr *)&d), "IPv6: same address and port");
	d = v6("2001:db8::2", 5060);
	ok(!sa_equal((struct sockaddr *)&c, (struct sockaddr *)&d), "IPv6: another address");
	d = v6("2001:db8::1", 1);
	ok(!sa_equal((struct sockaddr *)&c, (struct sockaddr *)&d), "IPv6: another port");
	b = v6("::ffff:192.0.2.1", 5060);
	ok(!sa_equal((struct sockaddr *)&a, (struct sockaddr *)&b), "IPv4 and its IPv4-mapped IPv6 form are different addresses");
	memset(&u, 0, sizeof(u));
	u.ss_family = AF_UNIX;
	ok(!sa_equal((struct sockaddr *)&u, (struct sockaddr *)&u), "another family is never equal");
	ok(!sa_equal(NULL, (struct sockaddr *)&a) && !sa_equal((struct sockaddr *)&a, NULL), "NULL is never equal");

	is_int(sa_len((struct sockaddr *)&a), sizeof(struct sockaddr_in), "IPv4 length");
	is_int(sa_len((struct sockaddr *)&c), sizeof(struct sockaddr_in6), "IPv6 length");

	sa_str((struct sockaddr *)&a, out, sizeof(out), host, sizeof(host), &port);
	is_str(out, "192.0.2.1:5060", "IPv4 text");
	is_str(host, "192.0.2.1", "IPv4 host");
	is_int(port, 5060, "port");
	sa_str((struct sockaddr *)&c, out, sizeof(out), host, sizeof(host), NULL);
	is_str(out, "[2001:db8::1]:5060", "IPv6 text in brackets");
	is_str(host, "2001:db8::1", "IPv6 host without brackets");
	port = 9;
	sa_str((struct sockaddr *)&u, out, sizeof(out), host, sizeof(host), &port);
	ok(!strcmp(out, "?") && !strcmp(host, "?") && port == 0, "another family: ?, ? and port 0");
	is_str(sa_str((struct sockaddr *)&c, out, 8, NULL, 0, NULL), "[2001:d", "cut to the buffer, NUL-terminated");
	is_str(sa_str(NULL, out, sizeof(out), NULL, 0, NULL), "?", "NULL: ?");
	return tap_done();
}
