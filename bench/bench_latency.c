/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench_latency.c: capture-to-wire latency of one SRTP stream: frame complete in the capture ring -> packet on loopback. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ring.h"
#include "srtp.h"
#include "stream.h"

/*
 * A capture thread plays the device: it writes one 20 ms frame into the
 * capture ring, notes the time, and wakes the main loop through an eventfd,
 * as dev_pa's callback does. The main loop polls, runs stream_process, and
 * the packet goes out to a sink socket on 127.0.0.1 whose kernel receive
 * timestamp (SO_TIMESTAMPNS) marks "on the wire". Latency = that timestamp
 * minus the moment the frame was complete in the ring. Frames come faster
 * than real time (every FRAME_GAP_US) to gather many samples quickly.
 * A second figure starts the clock when the loop thread is awake and about
 * to call stream_process: what the pipeline itself costs, without the
 * scheduler's wake-up delay (which dominates on a loaded machine).
 */
#define FRAMES 5000
#define WARMUP 50
#define FRAME_GAP_US 1000
#define SPF 160

static uint64_t t_avail[FRAMES];
static atomic_int produced;

struct prod {
	struct ring *cap;
	int efd;
};

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *producer(void *arg)
{
	struct prod *p = arg;
	int16_t frame[SPF];
	uint64_t one = 1;
	int i, k;

	for (i = 0; i < FRAMES; i++) {
		for (k = 0; k < SPF; k++)
			frame[k] = (int16_t)((i * 37 + k * 101) % 8000 - 4000);
		while (ring_space(p->cap) < SPF)
			usleep(100);
		ring_write(p->cap, frame, SPF);
		t_avail[i] = now_ns(CLOCK_REALTIME);
		atomic_store(&produced, i + 1);
		if (write(p->efd, &one, sizeof(one)) < 0)
			break;
		usleep(FRAME_GAP_US);
	}
	return NULL;
}

static int open_udp(int *fdp, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	socklen_t len = sizeof(*in);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return errno;
	memset(ss, 0, sizeof(*ss));
	in->sin_family = AF_INET;
	in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)in, sizeof(*in)) || getsockname(fd, (struct sockaddr *)in, &len)) {
		close(fd);
		return errno;
	}
	*fdp = fd;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Read every waiting packet; pair it with its frame by RTP sequence number. */
static void drain_sink(int fd, int *first_seq, uint64_t t_call, uint64_t *lat, uint64_t *llat, size_t *nlat)
{
	for (;;) {
		uint8_t buf[2048], cbuf[256];
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *c;
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
		uint64_t rx = 0;
		int seq, idx;

		if (n < 0)
			return;
		if (n < 12 || (buf[1] >= 192 && buf[1] <= 223))
			continue; /* RTCP */
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
				struct timespec ts;
				memcpy(&ts, CMSG_DATA(c), sizeof(ts));
				rx = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
			}
		}
		seq = buf[2] << 8 | buf[3];
		if (*first_seq < 0)
			*first_seq = seq;
		idx = (uint16_t)(seq - *first_seq);
		if (rx && idx < FRAMES && t_avail[idx] && idx >= WARMUP) {
			uint64_t from = t_call > t_avail[idx] ? t_call : t_avail[idx];
			lat[*nlat] = rx - t_avail[idx];
			llat[(*nlat)++] = rx > from ? rx - from : 0;
		}
	}
}

int main(void)
{
	static uint64_t lat[FRAMES], llat[FRAMES];
	struct sockaddr_storage a_addr, sink_addr;
	struct stream_prm prm;
	struct stream *s = NULL;
	struct audev dev;
	struct prod pr;
	pthread_t th;
	uint8_t tx[30], rx[30];
	size_t nlat = 0;
	int a_fd = -1, sink_fd = -1, efd, on = 1, first_seq = -1, err;
	uint64_t t0;

	memset(&dev, 0, sizeof(dev));
	if (ring_alloc(&dev.cap, 4096) || ring_alloc(&dev.play, 4096) || open_udp(&a_fd, &a_addr) ||
	    open_udp(&sink_fd, &sink_addr)) {
		fprintf(stderr, "bench_latency: setup failed\n");
		return 1;
	}
	setsockopt(sink_fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	memset(tx, 0x11, sizeof(tx));
	memset(rx, 0x22, sizeof(rx));
	memset(&prm, 0, sizeof(prm));
	prm.rtp_fd = a_fd;
	prm.rtcp_fd = -1;
	prm.remote_rtp = sink_addr;
	prm.pt = STREAM_PT_PCMU;
	prm.dir = STREAM_SENDRECV;
	prm.crypto.suite = SRTP_SUITE_AES_CM_128_HMAC_SHA1_80;
	prm.crypto.tx_key = tx;
	prm.crypto.tx_len = sizeof(tx);
	prm.crypto.rx_key = rx;
	prm.crypto.rx_len = sizeof(rx);
	prm.dev = &dev;
	if ((err = stream_alloc(&s, &prm)) != 0) {
		fprintf(stderr, "bench_latency: stream_alloc: %s\n", strerror(err));
		return 1;
	}
	pr.cap = dev.cap;
	pr.efd = efd;
	t0 = now_ns(CLOCK_MONOTONIC);
	if (pthread_create(&th, NULL, producer, &pr)) {
		fprintf(stderr, "bench_latency: thread\n");
		return 1;
	}
	while (atomic_load(&produced) < FRAMES || ring_avail(dev.cap) >= SPF) {
		struct pollfd pfd = { .fd = efd, .events = POLLIN };
		uint64_t v, now_ms, t_call;
		int16_t junk[512];

		if (poll(&pfd, 1, 50) > 0 && read(efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			break;
		t_call = now_ns(CLOCK_REALTIME);
		now_ms = (now_ns(CLOCK_MONOTONIC) - t0) / 1000000u;
		stream_process(s, now_ms);
		while (ring_read(dev.play, junk, 512) > 0)
			;
		drain_sink(sink_fd, &first_seq, t_call, lat, llat, &nlat);
	}
	pthread_join(th, NULL);
	usleep(10000);
	drain_sink(sink_fd, &first_seq, 0, lat, llat, &nlat);

	if (nlat < FRAMES / 2) {
		fprintf(stderr, "bench_latency: only %zu samples\n", nlat);
		return 1;
	}
	qsort(lat, nlat, sizeof(lat[0]), cmp_u64);
	qsort(llat, nlat, sizeof(llat[0]), cmp_u64);
	printf("capture-to-wire latency, %s, %zu frames (target p99 < 1000 us)\n", srtp_suite_name(prm.crypto.suite),
	       nlat);
	printf("  frame in ring -> on the wire (incl. thread wake-up): p50 %.1f us  p99 %.1f us  max %.1f us  %s\n",
	       lat[nlat / 2] / 1000.0, lat[nlat * 99 / 100] / 1000.0, lat[nlat - 1] / 1000.0,
	       lat[nlat * 99 / 100] < 1000000u ? "met" : "MISSED");
	printf("  loop awake -> on the wire (stream_process + kernel): p50 %.1f us  p99 %.1f us  max %.1f us  %s\n",
	       llat[nlat / 2] / 1000.0, llat[nlat * 99 / 100] / 1000.0, llat[nlat - 1] / 1000.0,
	       llat[nlat * 99 / 100] < 1000000u ? "met" : "MISSED");
	stream_free(s);
	close(a_fd);
	close(sink_fd);
	close(efd);
	ring_free(dev.cap);
	ring_free(dev.play);
	return 0; /* figures, not a gate: a loaded machine delays the wake-up, not the pipeline */
}
