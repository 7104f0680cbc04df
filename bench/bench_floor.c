/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench_floor.c: the least CPU and memory any TLS + SRTP G.711 phone needs on this machine, to judge call_bench's figures. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

/*
 * Two floors, each measured the way call_bench.sh measures the callers:
 *
 * "udp SECS": two endpoints in two processes on loopback, each doing only
 * what no RTP endpoint with 20 ms packets can avoid: wake every 20 ms
 * (absolute clock_nanosleep, one wake-up per frame), drain its socket,
 * send one 172-byte packet (12 RTP + 160 PCMU + 10 SRTP tag, the size of
 * the benchmark's packets). No crypto, no codec, no audio: whatever this
 * costs is kernel and scheduler work every phone pays. Prints each
 * endpoint's CPU time (user+sys) and their mean.
 *
 * "tls ADDR PORT CAFILE": a TLS client that verifies the server (chain and
 * IP address) and completes a handshake, then runs one AES-128-CTR and one
 * HMAC-SHA1 over a packet (what SDES-SRTP needs from libcrypto), and
 * prints its peak RSS (VmHWM). That is the memory any phone built on the
 * system's shared OpenSSL and glibc pays before it has any SIP or audio.
 */

#define FRAME_NS 20000000L
#define PKT_LEN 172

static double cpu_self(void)
{
	struct rusage u;

	if (getrusage(RUSAGE_SELF, &u) != 0)
		return -1;
	return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
	       (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/* One endpoint: runs SECS seconds of 20 ms frames, writes "cpu_s rx" to out_fd. */
static int endpoint(int s, int secs, long phase_ns, int out_fd)
{
	unsigned char pkt[PKT_LEN], buf[2048];
	unsigned long rx = 0;
	struct timespec t;
	char line[64];
	double c0;
	int n;

	memset(pkt, 0x80, sizeof(pkt));
	if (clock_gettime(CLOCK_MONOTONIC, &t) != 0)
		return errno;
	t.tv_nsec += phase_ns - FRAME_NS; /* the first frame comes phase_ns from now */
	if (t.tv_nsec < 0) {
		t.tv_nsec += 1000000000L;
		t.tv_sec--;
	}
	c0 = cpu_self();
	for (long i = 0; i < (long)secs * 50; i++) {
		t.tv_nsec += FRAME_NS;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_nsec -= 1000000000L;
			t.tv_sec++;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
			;
		while (recv(s, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			rx++;
		if (send(s, pkt, sizeof(pkt), 0) != (ssize_t)sizeof(pkt))
			return errno;
	}
	n = snprintf(line, sizeof(line), "%.3f %lu\n", cpu_self() - c0, rx);
	if (write(out_fd, line, (size_t)n) != n)
		return EIO;
	return 0;
}

static int udp_socket(struct sockaddr_in *a)
{
	socklen_t alen = sizeof(*a);
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)a, sizeof(*a)) != 0 ||
	    getsockname(s, (struct sockaddr *)a, &alen) != 0)
		return -1;
	return s;
}

static int floor_udp(int secs, long phase_ns)
{
	struct sockaddr_in a[2];
	int s[2], p[2][2], err = 1;
	double cpu[2] = { -1, -1 };
	unsigned long rx[2] = { 0, 0 };
	pid_t pid[2] = { -1, -1 };

	for (int i = 0; i < 2; i++) {
		if ((s[i] = udp_socket(&a[i])) < 0 || pipe(p[i]) != 0) {
			perror("bench_floor: socket");
			return 1;
		}
	}
	for (int i = 0; i < 2; i++) {
		if (connect(s[i], (struct sockaddr *)&a[1 - i], sizeof(a[1 - i])) != 0) {
			perror("bench_floor: connect");
			return 1;
		}
	}
	for (int i = 0; i < 2; i++) {
		pid[i] = fork();
		if (pid[i] < 0) {
			perror("bench_floor: fork");
			if (i == 1) { /* do not leave the first endpoint sending for SECS seconds */
				kill(pid[0], SIGTERM);
				waitpid(pid[0], NULL, 0);
			}
			goto out;
		}
		if (pid[i] == 0)
			_exit(endpoint(s[i], secs, i * phase_ns, p[i][1]) ? 1 : 0);
		close(p[i][1]);
	}
	for (int i = 0; i < 2; i++) {
		char line[64] = "";
		ssize_t n = read(p[i][0], line, sizeof(line) - 1);
		int st;

		if (waitpid(pid[i], &st, 0) != pid[i] || !WIFEXITED(st) || WEXITSTATUS(st) != 0 || n <= 0 ||
		    sscanf(line, "%lf %lu", &cpu[i], &rx[i]) != 2) {
			fprintf(stderr, "bench_floor: endpoint %d failed\n", i);
			goto out;
		}
	}
	/* both must have heard (nearly) every frame, or this measured something else */
	if (rx[0] + 5 < (unsigned long)secs * 50 || rx[1] + 5 < (unsigned long)secs * 50) {
		fprintf(stderr, "bench_floor: packets lost (%lu, %lu of %d)\n", rx[0], rx[1], secs * 50);
		goto out;
	}
	printf("floor_udp seconds=%d cpu_s a=%.3f b=%.3f mean=%.3f rx a=%lu b=%lu\n", secs, cpu[0], cpu[1],
	       (cpu[0] + cpu[1]) / 2, rx[0], rx[1]);
	err = 0;
out:
	return err;
}

static long vm_hwm_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* What SDES-SRTP needs from libcrypto, once: AES-128 counter mode and HMAC-SHA1 over one packet. */
static int srtp_like(void)
{
	unsigned char key[16] = { 1 }, iv[16] = { 2 }, pkt[PKT_LEN] = { 3 }, tag[EVP_MAX_MD_SIZE];
	unsigned int tlen = 0;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, ok;

	ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, key, iv) == 1 &&
	     EVP_EncryptUpdate(c, pkt + 12, &n, pkt + 12, PKT_LEN - 12 - 10) == 1 &&
	     HMAC(EVP_sha1(), key, sizeof(key), pkt, PKT_LEN - 10, tag, &tlen) != NULL;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : 1;
}

static int floor_tls(const char *addr, int port, const char *cafile)
{
	struct sockaddr_in sa;
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	int s = -1, err = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "bench_floor: %s is not an IPv4 address\n", addr);
		return 1;
	}
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_load_verify_locations(ctx, cafile, NULL) != 1)
		goto tls_err;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (!(ssl = SSL_new(ctx)) || X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), addr) != 1)
		goto tls_err;
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		perror("bench_floor: connect");
		goto out;
	}
	if (SSL_set_fd(ssl, s) != 1 || SSL_connect(ssl) != 1)
		goto tls_err;
	if (srtp_like() != 0)
		goto tls_err;
	printf("floor_tls peak_rss_kb=%ld protocol=%s cipher=%s verified=%s\n", vm_hwm_kb(), SSL_get_version(ssl),
	       SSL_get_cipher_name(ssl), SSL_get_verify_result(ssl) == X509_V_OK ? "yes" : "no");
	SSL_shutdown(ssl);
	err = 0;
	goto out;
tls_err:
	fprintf(stderr, "bench_floor: TLS to %s:%d failed: ", addr, port);
	ERR_print_errors_fp(stderr);
	fputc('\n', stderr);
out:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	if (s >= 0)
		close(s);
	return err;
}

int main(int argc, char **argv)
{
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "udp") && atoi(argv[2]) > 0)
		return floor_udp(atoi(argv[2]), argc == 4 ? atol(argv[3]) * 1000 : 10000000L);
	if (argc == 5 && !strcmp(argv[1], "tls") && atoi(argv[3]) > 0)
		return floor_tls(argv[2], atoi(argv[3]), argv[4]);
	fprintf(stderr, "usage: bench_floor udp SECONDS [PHASE_US]\n"
			"       bench_floor tls IPV4ADDR PORT CAFILE\n");
	return 2;
}
