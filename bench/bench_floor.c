/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench_floor.c: the least CPU and memory any TLS + SRTP G.711 phone needs on this machine, to judge call_bench's figures. */
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA1_*: the cheapest HMAC-SHA1, its key pads hashed once */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
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
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

/*
 * Two floors, each measured the way call_bench.sh measures the callers:
 *
 * "udp SECS": two endpoints in two processes on loopback, each doing only
 * what no RTP endpoint with 20 ms packets can avoid: wake every 20 ms
 * (absolute clock_nanosleep, one wake-up per frame), drain its socket,
 * send one 182-byte packet (12 RTP + 160 PCMU + 10 SRTP tag, the size of
 * the benchmark's packets). No crypto, no codec, no audio: whatever this
 * costs is kernel and scheduler work every phone pays. Prints each
 * endpoint's CPU time (user+sys) and their mean.
 *
 * "srtp SECS": the same two endpoints, each also doing the media work no
 * SDES-SRTP G.711 endpoint can avoid, in the cheapest form OpenSSL offers:
 * every packet received is authenticated (HMAC-SHA1, 80-bit tag, its key
 * pads hashed once), decrypted (AES-128 counter mode, the IV re-set per packet) and
 * its 160 mu-law samples decoded; every frame sent is 160 samples encoded
 * to mu-law, an RTP header, encrypted and tagged. No jitter buffer, no
 * audio device or file, no RTCP, no SIP: less than any phone does, so a
 * phone's CPU over this floor is what its own design costs.
 *
 * "tls ADDR PORT CAFILE": a TLS client that verifies the server (chain and
 * IP address) and completes a handshake, then runs one AES-128-CTR and one
 * HMAC-SHA1 over a packet (what SDES-SRTP needs from libcrypto), and
 * prints its peak RSS (VmHWM). That is the memory any phone built on the
 * system's shared OpenSSL and glibc pays before it has any SIP or audio.
 */

#define FRAME_NS 20000000L
#define PKT_LEN 182 /* 12 RTP + 160 PCMU + 10 SRTP tag */

static double cpu_self(void)
{
	struct rusage u;

	if (getrusage(RUSAGE_SELF, &u) != 0)
		return -1;
	return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
	       (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

#define SAMPLES 160
#define TAG_LEN 10

/* The srtp floor's state: one key for both directions (both endpoints hold it), set up once. */
struct media {
	EVP_CIPHER_CTX *aes;
	SHA_CTX inner, outer; /* SHA-1 after the key's ipad and opad blocks */
	unsigned char salt[14];
	uint32_t ssrc, ts;
	uint16_t seq;
	int16_t tone[SAMPLES];
	int16_t play[SAMPLES];
	int16_t dec[256]; /* mu-law byte -> sample */
	unsigned long bad; /* packets that failed authentication */
	long level;	   /* decoded samples summed, so the decoder's work cannot be dropped */
};

/* mu-law (G.711): bias, segment (the top bit's place, found in one instruction), four mantissa bits, inverted */
static unsigned char ulaw_enc(int16_t pcm)
{
	int v = pcm, sign = 0, seg;

	if (v < 0) {
		v = -v;
		sign = 0x80;
	}
	if (v > 32635)
		v = 32635;
	v += 0x84; /* 0x84..0x7fff: the top bit is bit 7..14 */
	seg = 31 - __builtin_clz((unsigned)v) - 7;
	return (unsigned char)~(sign | seg << 4 | ((v >> (seg + 3)) & 0x0f));
}

static int16_t ulaw_dec(unsigned char u)
{
	int t;

	u = (unsigned char)~u;
	t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
	return (int16_t)((u & 0x80) ? 0x84 - t : t - 0x84);
}

/* The AES-CM IV (RFC 3711 4.1.1): salt XOR SSRC at bytes 4-7 XOR the packet index at bytes 8-13. */
static void media_iv(const struct media *m, uint32_t ssrc, uint16_t seq, unsigned char iv[16])
{
	memcpy(iv, m->salt, 14);
	iv[14] = iv[15] = 0;
	for (int i = 0; i < 4; i++)
		iv[4 + i] ^= (unsigned char)(ssrc >> (24 - 8 * i));
	iv[12] ^= (unsigned char)(seq >> 8);
	iv[13] ^= (unsigned char)seq;
}

/* tag = HMAC-SHA1(header + payload + ROC) truncated to 80 bits (the ROC stays 0 in a 30 s run) */
static int media_tag(struct media *m, const unsigned char *p, size_t n, unsigned char tag[TAG_LEN])
{
	static const unsigned char roc[4];
	unsigned char md[SHA_DIGEST_LENGTH];
	SHA_CTX c = m->inner;

	if (SHA1_Update(&c, p, n) != 1 || SHA1_Update(&c, roc, sizeof(roc)) != 1 || SHA1_Final(md, &c) != 1)
		return -1;
	c = m->outer;
	if (SHA1_Update(&c, md, sizeof(md)) != 1 || SHA1_Final(md, &c) != 1)
		return -1;
	memcpy(tag, md, TAG_LEN);
	return 0;
}

static int media_ctr(struct media *m, uint32_t ssrc, uint16_t seq, unsigned char *p, int n)
{
	unsigned char iv[16];
	int out = 0;

	media_iv(m, ssrc, seq, iv);
	return EVP_EncryptInit_ex(m->aes, NULL, NULL, NULL, iv) == 1 && EVP_EncryptUpdate(m->aes, p, &out, p, n) == 1
		       ? 0
		       : -1;
}

/* one packet received: authenticate, decrypt, decode */
static void media_rx(struct media *m, unsigned char *p, ssize_t n)
{
	unsigned char tag[TAG_LEN];

	if (n != PKT_LEN || media_tag(m, p, PKT_LEN - TAG_LEN, tag) != 0 ||
	    CRYPTO_memcmp(tag, p + PKT_LEN - TAG_LEN, TAG_LEN) != 0 ||
	    media_ctr(m, (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11],
		      (uint16_t)(p[2] << 8 | p[3]), p + 12, SAMPLES) != 0) {
		m->bad++;
		return;
	}
	for (int i = 0; i < SAMPLES; i++) {
		m->play[i] = m->dec[p[12 + i]];
		m->level += m->play[i];
	}
}

/* one frame to send: encode, RTP header, encrypt, tag */
static int media_tx(struct media *m, unsigned char *p)
{
	p[0] = 0x80;
	p[1] = 0; /* PCMU */
	p[2] = (unsigned char)(m->seq >> 8);
	p[3] = (unsigned char)m->seq;
	for (int i = 0; i < 4; i++) {
		p[4 + i] = (unsigned char)(m->ts >> (24 - 8 * i));
		p[8 + i] = (unsigned char)(m->ssrc >> (24 - 8 * i));
	}
	for (int i = 0; i < SAMPLES; i++)
		p[12 + i] = ulaw_enc(m->tone[i]);
	if (media_ctr(m, m->ssrc, m->seq, p + 12, SAMPLES) != 0 || media_tag(m, p, 12 + SAMPLES, p + 12 + SAMPLES) != 0)
		return -1;
	m->seq++;
	m->ts += SAMPLES;
	return 0;
}

static int media_init(struct media *m, uint32_t ssrc)
{
	static const unsigned char key[16] = { 0x4a, 0x11, 0x9c }, auth[20] = { 0x21, 0x7e };
	unsigned char ipad[SHA_CBLOCK], opad[SHA_CBLOCK];

	memset(m, 0, sizeof(*m));
	memset(m->salt, 0x5c, sizeof(m->salt));
	m->ssrc = ssrc;
	for (int i = 0; i < 256; i++)
		m->dec[i] = ulaw_dec((unsigned char)i);
	for (int i = 0; i < SAMPLES; i++) /* 1 kHz at 8 kHz: eight samples a cycle */
		m->tone[i] = (int16_t)(i % 8 < 4 ? 8000 : -8000);
	memset(ipad, 0x36, sizeof(ipad));
	memset(opad, 0x5c, sizeof(opad));
	for (size_t i = 0; i < sizeof(auth); i++) {
		ipad[i] ^= auth[i];
		opad[i] ^= auth[i];
	}
	m->aes = EVP_CIPHER_CTX_new();
	return m->aes && EVP_EncryptInit_ex(m->aes, EVP_aes_128_ctr(), NULL, key, NULL) == 1 &&
		       SHA1_Init(&m->inner) == 1 && SHA1_Update(&m->inner, ipad, sizeof(ipad)) == 1 &&
		       SHA1_Init(&m->outer) == 1 && SHA1_Update(&m->outer, opad, sizeof(opad)) == 1
		       ? 0
		       : -1;
}

static void media_free(struct media *m)
{
	EVP_CIPHER_CTX_free(m->aes);
}

/* One endpoint: runs SECS seconds of 20 ms frames (with the media work when m is set), writes "cpu_s rx" to out_fd. */
static int endpoint(int s, int secs, long phase_ns, int out_fd, struct media *m)
{
	unsigned char pkt[PKT_LEN], buf[2048];
	unsigned long rx = 0;
	ssize_t got;
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
		while ((got = recv(s, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
			rx++;
			if (m)
				media_rx(m, buf, got);
		}
		if (m && media_tx(m, pkt) != 0)
			return EIO;
		if (send(s, pkt, sizeof(pkt), 0) != (ssize_t)sizeof(pkt))
			return errno;
	}
	/* a packet that failed authentication counts as not received: the run then reports packets lost */
	n = snprintf(line, sizeof(line), "%.3f %lu\n", cpu_self() - c0, rx - (m ? m->bad : 0));
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

static int floor_udp(int secs, long phase_ns, int with_media)
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
		if (pid[i] == 0) {
			struct media m;
			int rc = 1;

			if (!with_media)
				rc = endpoint(s[i], secs, i * phase_ns, p[i][1], NULL);
			else if (media_init(&m, 0x1000u + (uint32_t)i) == 0) {
				rc = endpoint(s[i], secs, i * phase_ns, p[i][1], &m);
				media_free(&m);
			}
			_exit(rc ? 1 : 0);
		}
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
	printf("floor_%s seconds=%d cpu_s a=%.3f b=%.3f mean=%.3f rx a=%lu b=%lu\n", with_media ? "srtp" : "udp", secs, cpu[0], cpu[1],
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
		return floor_udp(atoi(argv[2]), argc == 4 ? atol(argv[3]) * 1000 : 10000000L, 0);
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "srtp") && atoi(argv[2]) > 0)
		return floor_udp(atoi(argv[2]), argc == 4 ? atol(argv[3]) * 1000 : 10000000L, 1);
	if (argc == 5 && !strcmp(argv[1], "tls") && atoi(argv[3]) > 0)
		return floor_tls(argv[2], atoi(argv[3]), argv[4]);
	fprintf(stderr, "usage: bench_floor udp SECONDS [PHASE_US]\n"
			"       bench_floor srtp SECONDS [PHASE_US]\n"
			"       bench_floor tls IPV4ADDR PORT CAFILE\n");
	return 2;
}
