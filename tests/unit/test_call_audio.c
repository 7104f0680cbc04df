/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_call_audio.c: the shared audio device lent to one stream at a time: its tick, handing over, the recording. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "call_audio.h"
#include "loop.h"
#include "stream.h"
#include "tone.h"
#include "udp_relay.h"
#include "wav.h"
#include "../tap.h"

/* One user of the device: a plain RTP stream sending to its own socket, so what it sends it hears. */
struct user {
	struct stream *s;
	int fd;
	unsigned ticks;
	bool wrong_arg;
	uint64_t last_now;
	bool clock_back;
};

static struct user *expect;

static void tick_h(uint64_t now, void *arg)
{
	struct user *u = arg;

	if (u != expect)
		u->wrong_arg = true;
	if (now < u->last_now)
		u->clock_back = true;
	u->last_now = now;
	u->ticks++;
	stream_process(u->s, now);
}

static void rx_h(int fd, int events, void *arg)
{
	struct user *u = arg;

	(void)events;
	stream_rx(u->s, fd, loop_now_ms());
}

static int user_alloc(struct user *u, struct loop *l)
{
	struct sockaddr_storage addr;
	struct stream_prm p;
	int e;

	memset(u, 0, sizeof(*u));
	if ((e = udp_open_loopback(&u->fd, &addr)) != 0)
		return e;
	memset(&p, 0, sizeof(p));
	p.rtp_fd = u->fd;
	p.rtcp_fd = -1;
	p.remote_rtp = addr;
	p.pt = STREAM_PT_PCMU;
	p.dtmf_pt = -1;
	p.dir = STREAM_SENDRECV;
	p.crypto.plain = true;
	if ((e = stream_alloc(&u->s, &p)) != 0)
		return e;
	return loop_fd_listen(l, u->fd, LOOP_READ, rx_h, u);
}

static void user_free(struct user *u, struct loop *l)
{
	loop_fd_remove(l, u->fd);
	stream_free(u->s);
	close(u->fd);
}

/* Runs the loop until u has had n ticks (or 5 s have passed: a stuck device fails, a slow machine does not). */
static void run_ticks(struct loop *l, struct user *u, unsigned n)
{
	uint64_t end = loop_now_ms() + 5000;
	unsigned want = u->ticks + n;

	while (u->ticks < want && loop_now_ms() < end)
		loop_run_once(l, 50);
}

static void run_ms(struct loop *l, unsigned ms)
{
	uint64_t end = loop_now_ms() + ms;

	while (loop_now_ms() < end)
		loop_run_once(l, 10);
}

int main(void)
{
	char dir[64] = "/tmp/test_call_audio.XXXXXX", in[128], out[128], err[200] = "";
	struct call_audio_prm prm;
	struct call_audio *a = NULL;
	struct user A, B;
	struct loop *l = NULL;
	struct wav *w = NULL;
	struct tone t;
	int16_t buf[8000];
	size_t got = 0, total = 0;
	int peak = 0;

	if (!mkdtemp(dir))
		tap_skip_all("mkdtemp failed");
	snprintf(in, sizeof(in), "%s/in.wav", dir);
	snprintf(out, sizeof(out), "%s/out.wav", dir);
	/* one second of 1 kHz to send */
	tone_sine(&t, 8000, 1000, 12000);
	tone_fill(&t, buf, 8000);
	if (wav_open_write(&w, in) == 0) {
		wav_write(w, buf, 8000);
		wav_close(w);
	}
	if (loop_alloc(&l))
		tap_skip_all("no loop");

	memset(&prm, 0, sizeof(prm));
	prm.audio_in = "/nonexistent/in.wav";
	is_int(call_audio_alloc(&a, l, &prm, err, sizeof(err)), ENOENT, "a missing WAV: ENOENT");
	ok(strstr(err, "/nonexistent/in.wav") != NULL, "... the reason names the file (%s)", err);
	ok(a == NULL, "... and nothing is returned");

	prm.audio_in = in;
	prm.audio_out = out;
	if (!ok(call_audio_alloc(&a, l, &prm, err, sizeof(err)) == 0, "file device opened"))
		return tap_done();
	if (!ok(user_alloc(&A, l) == 0 && user_alloc(&B, l) == 0, "two streams"))
		return tap_done();
	expect = &A;

	ok(!call_audio_ticks(a, &A), "not lent: the device does not tick for anyone");
	call_audio_attach(a, NULL, tick_h, &A);
	run_ms(l, 100);
	is_int(A.ticks, 0, "lent to a user with no stream yet: no tick");
	ok(!call_audio_ticks(a, &A), "... and the user keeps its own clock");

	call_audio_attach(a, A.s, tick_h, &A);
	ok(call_audio_ticks(a, &A), "A's stream attached: the device's tick runs A");
	ok(!call_audio_ticks(a, &B), "... not B");
	run_ticks(l, &A, 25);
	ok(A.ticks >= 25, "A's handler runs on the device's frames (%u)", A.ticks);
	ok(!A.wrong_arg && !A.clock_back, "... with A's arg and a clock that does not go back");

	expect = &B;
	call_audio_attach(a, B.s, tick_h, &B);
	ok(!call_audio_ticks(a, &A) && call_audio_ticks(a, &B), "lent to B: the tick runs B, not A");
	{
		unsigned before = A.ticks;
		run_ticks(l, &B, 10);
		ok(B.ticks >= 10, "B's handler runs (%u)", B.ticks);
		is_int(A.ticks, before, "A's does not any more");
	}
	ok(!call_audio_detach(a, &A), "A, which no longer holds it, cannot take it back");
	ok(call_audio_ticks(a, &B), "... B still holds it");

	expect = &A;
	call_audio_attach(a, A.s, tick_h, &A);
	run_ticks(l, &A, 25);
	ok(call_audio_detach(a, &A), "A gives it back");
	ok(!call_audio_ticks(a, &A) && !call_audio_ticks(a, &B), "... no one holds it");
	{
		unsigned before = A.ticks + B.ticks;
		run_ms(l, 100);
		is_int(A.ticks + B.ticks, before, "detached: no tick runs");
	}

	/* the recording is complete whenever no one plays into it, and it holds what A sent itself */
	w = NULL;
	if (ok(wav_open_read(&w, out, err, sizeof(err)) == 0, "the recording is a readable WAV after detaching")) {
		while (wav_read(w, buf, sizeof(buf) / sizeof(buf[0]), &got) == 0 && got) {
			for (size_t i = 0; i < got; i++)
				if (abs(buf[i]) > peak)
					peak = abs(buf[i]);
			total += got;
		}
		wav_close(w);
	}
	ok(total >= 160 * 50, "... of every frame played (%zu samples)", total);
	ok(peak > 6000, "... with the tone A sent and heard back in it (peak %d)", peak);

	user_free(&A, l);
	user_free(&B, l);
	call_audio_free(a);
	loop_free(l);
	unlink(in);
	unlink(out);
	rmdir(dir);
	return tap_done();
}
