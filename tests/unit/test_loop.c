/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_loop.c: unit tests for the poll loop, the timer heap, wake-ups from another thread, signals. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "loop.h"
#include "../tap.h"

#define NT 10000

struct tctx {
	struct loop *l;
	struct tmr t[NT];
	uint64_t delay[NT];
	int order[NT];
	int nfired;
	int bad_order;
	uint64_t last_when;
};

static struct tctx *gctx;

static void fire(void *arg)
{
	int i = (int)(intptr_t)arg;
	struct tctx *c = gctx;

	/* deadlines (start time + delay) must come out non-decreasing */
	if (c->t[i].when < c->last_when)
		c->bad_order++;
	c->last_when = c->t[i].when;
	c->order[c->nfired++] = i;
	/* every 7th timer cancels a later one from inside its handler */
	if (i % 7 == 0 && i + 1 < NT)
		tmr_cancel(&c->t[i + 1]);
}

static void test_many_timers(struct loop *l)
{
	struct tctx *c = calloc(1, sizeof(*c));
	int expected = 0;
	uint64_t t0;

	gctx = c;
	c->l = l;
	srand(1234);
	for (int i = 0; i < NT; i++) {
		tmr_init(&c->t[i]);
		c->delay[i] = (uint64_t)(rand() % 50);
	}
	/* start in random order; also restart some (re-arm must not duplicate) */
	for (int i = 0; i < NT; i++)
		tmr_start(l, &c->t[i], c->delay[i], fire, (void *)(intptr_t)i);
	for (int i = 0; i < NT; i += 10)
		tmr_start(l, &c->t[i], c->delay[i], fire, (void *)(intptr_t)i);
	ok(tmr_running(&c->t[5]), "timer running after start");
	t0 = loop_now_ms();
	is_int(loop_run(l), 0, "loop_run returns when no timers are left");
	for (int i = 0; i < NT; i++)
		expected++;
	/* count the ones that were cancelled: i+1 for i%7==0, unless it had already fired */
	ok(c->nfired > NT * 8 / 10 && c->nfired < NT, "most timers fired, cancelled ones did not (%d)", c->nfired);
	is_int(c->bad_order, 0, "10,000 timers fired in deadline order");
	{
		int dup = 0, *seen = calloc(NT, sizeof(int)), fired_cancelled = 0;

		for (int k = 0; k < c->nfired; k++)
			if (seen[c->order[k]]++)
				dup++;
		/* a timer cancelled by i (i%7==0) must not fire after i fired */
		for (int k = 0; k < c->nfired; k++) {
			int i = c->order[k];

			if (i % 7 == 0 && i + 1 < NT)
				for (int m = k + 1; m < c->nfired; m++)
					if (c->order[m] == i + 1)
						fired_cancelled++;
		}
		is_int(dup, 0, "no timer fired twice");
		is_int(fired_cancelled, 0, "no timer fired after being cancelled");
		free(seen);
	}
	ok(loop_now_ms() - t0 >= 49 - 1, "run took at least the longest delay");
	ok(!tmr_running(&c->t[5]), "not running after firing");
	free(c);
	(void)expected;
}

struct rearm {
	struct loop *l;
	struct tmr t;
	int n;
	uint64_t start;
};

static void rearm_h(void *arg)
{
	struct rearm *r = arg;

	if (++r->n < 5)
		tmr_start(r->l, &r->t, 0, rearm_h, r); /* zero delay: must not spin in one round */
}

static void test_rearm(struct loop *l)
{
	struct rearm r = { .l = l };
	struct tmr never;

	tmr_init(&r.t);
	tmr_init(&never);
	tmr_start(l, &r.t, 0, rearm_h, &r);
	is_int(loop_run_once(l, 0), 0, "run_once");
	is_int(r.n, 1, "re-armed zero-delay timer waits for the next round");
	loop_run(l);
	is_int(r.n, 5, "re-armed from inside its handler 4 times");

	tmr_start(l, &never, 1000, rearm_h, &r);
	ok(tmr_left_ms(&never) > 990 && tmr_left_ms(&never) <= 1000, "tmr_left_ms about 1000");
	tmr_cancel(&never);
	ok(!tmr_running(&never) && tmr_left_ms(&never) == 0, "cancel");
	tmr_cancel(&never);
	tmr_cancel(NULL);
	ok(1, "double cancel and NULL are safe");
}

/* ---- fds ---- */

struct fdctx {
	struct loop *l;
	int a[2], b[2];
	int na, nb;
	struct tmr stop;
};

static void on_b(int fd, int ev, void *arg)
{
	struct fdctx *c = arg;

	c->nb++;
}

static void on_a(int fd, int ev, void *arg)
{
	struct fdctx *c = arg;
	char ch;

	c->na++;
	if (read(fd, &ch, 1) != 1)
		return;
	/* remove the other fd (already reported ready in this round) and ourselves */
	loop_fd_remove(c->l, c->b[0]);
	loop_fd_remove(c->l, fd);
}

static void stop_h(void *arg)
{
	loop_stop(arg);
}

static void test_fds(struct loop *l)
{
	struct fdctx c = { .l = l };
	int rc;

	rc = pipe(c.a) | pipe(c.b);
	is_int(rc, 0, "pipes");
	is_int(loop_fd_listen(l, c.a[0], LOOP_READ, on_a, &c), 0, "listen a");
	is_int(loop_fd_listen(l, c.b[0], LOOP_READ, on_b, &c), 0, "listen b");
	is_int(loop_fd_listen(l, -1, LOOP_READ, on_b, &c), EINVAL, "bad fd -> EINVAL");
	rc = (int)write(c.a[1], "x", 1) + (int)write(c.b[1], "y", 1);
	is_int(rc, 2, "both readable");
	is_int(loop_run_once(l, 1000), 0, "run_once");
	is_int(c.na, 1, "a handled");
	is_int(c.nb, 0, "b removed by a's handler before its turn: not called");
	is_int(loop_run_once(l, 0), 0, "run again");
	ok(c.na == 1 && c.nb == 0, "removed fds not polled");

	/* write readiness and change of events */
	c.nb = 0;
	is_int(loop_fd_listen(l, c.b[1], LOOP_WRITE, on_b, &c), 0, "listen write end");
	loop_run_once(l, 1000);
	is_int(c.nb, 1, "writable pipe reported");
	loop_fd_listen(l, c.b[1], 0, on_b, &c);
	loop_run_once(l, 0);
	is_int(c.nb, 1, "events 0: not reported");
	loop_fd_remove(l, c.b[1]);

	/* loop_stop from a timer while an fd stays registered */
	is_int(loop_fd_listen(l, c.a[0], LOOP_READ, on_a, &c), 0, "listen a again");
	tmr_init(&c.stop);
	tmr_start(l, &c.stop, 10, stop_h, l);
	is_int(loop_run(l), 0, "loop_run stopped by loop_stop");
	loop_fd_remove(l, c.a[0]);
	loop_fd_remove(l, 12345); /* never added: no-op */
	close(c.a[0]);
	close(c.a[1]);
	close(c.b[0]);
	close(c.b[1]);
}

struct nvctx {
	struct loop *l;
	int calls, events, nested;
};

static void on_nval(int fd, int ev, void *arg)
{
	struct nvctx *c = arg;

	c->calls++;
	c->events = ev;
	c->nested = loop_run_once(c->l, 0);
}

static void test_invalid_fd(struct loop *l)
{
	struct nvctx c = { .l = l };
	int p[2];

	if (pipe(p) != 0)
		return;
	loop_fd_listen(l, p[0], LOOP_READ, on_nval, &c);
	close(p[0]); /* closed without removing: poll reports POLLNVAL */
	loop_run_once(l, 100);
	is_int(c.calls, 1, "handler called for an invalid fd");
	is_int(c.events, LOOP_ERROR, "with LOOP_ERROR");
	is_int(c.nested, EDEADLK, "nested loop_run_once -> EDEADLK");
	loop_run_once(l, 0);
	is_int(c.calls, 1, "invalid fd removed by the loop, not reported again");
	close(p[1]);
}

/* ---- wake from another thread ---- */

struct wctx {
	struct loop *l;
	struct loop_wake *w;
	int calls;
	int done; /* written by the thread, read after join */
	struct tmr guard;
};

/* the guard timer of test_wake: fired means the thread's wake-up did not come first */
static int guard_fired;

static void guard_h(void *arg)
{
	guard_fired = 1;
	loop_stop(arg);
}

static void on_wake(void *arg)
{
	struct wctx *c = arg;

	c->calls++;
	loop_stop(c->l);
}

static void *thread_main(void *arg)
{
	struct wctx *c = arg;

	usleep(20000);
	loop_wake_signal(c->w);
	return NULL;
}

static void *thread_burst(void *arg)
{
	struct wctx *c = arg;

	for (int i = 0; i < 100; i++)
		loop_wake_signal(c->w);
	return NULL;
}

static void test_wake(struct loop *l)
{
	struct wctx c = { .l = l };
	pthread_t th;

	is_int(loop_wake_alloc(&c.w, l, on_wake, &c), 0, "wake alloc");
	tmr_init(&c.guard);
	tmr_start(l, &c.guard, 5000, guard_h, l); /* fail rather than hang */
	pthread_create(&th, NULL, thread_main, &c);
	loop_run(l);
	pthread_join(th, NULL);
	ok(!guard_fired && c.calls == 1, "woken by the thread, not by the guard timer");
	is_int(c.calls, 1, "one call for one signal");
	pthread_create(&th, NULL, thread_burst, &c);
	pthread_join(th, NULL);
	loop_run_once(l, 1000);
	loop_run_once(l, 20);
	is_int(c.calls, 2, "100 signals from a thread coalesced into one call");
	tmr_cancel(&c.guard);
	loop_wake_free(c.w);
	loop_wake_free(NULL);
}

/* ---- signals ---- */

static int got_signo;

static void on_sig(int signo, void *arg)
{
	got_signo = signo;
	loop_stop(arg);
}

static void test_signals(struct loop *l)
{
	struct loop *l2;
	struct tmr guard;

	is_int(loop_on_signal(l, on_sig, l), 0, "loop_on_signal");
	loop_alloc(&l2);
	is_int(loop_on_signal(l2, on_sig, l2), EBUSY, "second loop -> EBUSY");
	loop_free(l2);
	tmr_init(&guard);
	tmr_start(l, &guard, 5000, stop_h, l);
	kill(getpid(), SIGTERM);
	loop_run(l);
	is_int(got_signo, SIGTERM, "SIGTERM delivered to the loop handler");
	got_signo = 0;
	raise(SIGINT);
	loop_run(l);
	is_int(got_signo, SIGINT, "SIGINT delivered");
	tmr_cancel(&guard);
	is_int(loop_on_signal(l, NULL, NULL), 0, "release signals");
	{
		struct sigaction sa;

		sigaction(SIGTERM, NULL, &sa);
		ok(sa.sa_handler == SIG_DFL, "SIGTERM disposition restored");
	}
}

struct lazyctx {
	struct loop *l;
	int fd;
	int reads;      /* lazy fd handler calls */
	int reads_at_tick; /* what the timer saw: the lazy fd is handled first in the round */
	int ticks;
	uint64_t read_ms;
	struct tmr t;
};

static void lazy_read(int fd, int ev, void *arg)
{
	struct lazyctx *c = arg;
	char b[16];

	(void)ev;
	if (read(fd, b, sizeof(b)) > 0) {
		c->reads++;
		c->read_ms = loop_now_ms();
	}
}

static void lazy_tick(void *arg)
{
	struct lazyctx *c = arg;

	c->ticks++;
	c->reads_at_tick = c->reads;
}

static void test_lazy(struct loop *l)
{
	struct lazyctx c = { .l = l };
	int p[2];
	uint64_t t0;

	is_int(pipe(p), 0, "lazy: pipe");
	c.fd = p[0];
	is_int(loop_fd_lazy(l, p[0], 200), ENOENT, "lazy: fd not added -> ENOENT");
	is_int(loop_fd_listen(l, p[0], LOOP_READ, lazy_read, &c), 0, "lazy: listen");
	is_int(loop_fd_lazy(l, p[0], 200), 0, "lazy: 200 ms");
	tmr_init(&c.t);
	tmr_start(l, &c.t, 60, lazy_tick, &c);
	is_int((int)write(p[1], "x", 1), 1, "lazy: readable");
	/* readable, but the round waits for the timer (60 ms), then handles the fd before the timer */
	t0 = loop_now_ms();
	is_int(loop_run_once(l, -1), 0, "lazy: run_once");
	ok(loop_now_ms() - t0 >= 50, "lazy: a readable lazy fd did not wake the loop (%llu ms)",
	   (unsigned long long)(loop_now_ms() - t0));
	is_int(c.reads, 1, "lazy: handled when the timer woke the loop");
	is_int(c.ticks, 1, "lazy: timer ran in the same round");
	is_int(c.reads_at_tick, 1, "lazy: fd handled before the round's timers");

	/*
	 * no timer: the loop still wakes within max_delay_ms. One round with nothing else to wait for
	 * would wait forever; that it returns having read the fd is the proof, and not before about
	 * max_delay_ms (a lower bound: a loaded machine only makes it later)
	 */
	ok(!tmr_running(&c.t), "lazy: no timer armed");
	is_int((int)write(p[1], "y", 1), 1, "lazy: readable again");
	t0 = loop_now_ms();
	loop_run_once(l, -1);
	is_int(c.reads, 2, "lazy: handled without any other wake-up");
	ok(c.read_ms - t0 >= 150, "lazy: after about max_delay_ms, not at once (%llu ms)",
	   (unsigned long long)(c.read_ms - t0));

	/*
	 * back to eager: readiness wakes the loop at once. The only timer is 10 s away: had the fd not
	 * woken the loop, the round would have ended with that timer (ticks + 1).
	 */
	is_int(loop_fd_lazy(l, p[0], 0), 0, "lazy: eager again");
	tmr_start(l, &c.t, 10000, lazy_tick, &c);
	is_int((int)write(p[1], "z", 1), 1, "lazy: readable a third time");
	loop_run_once(l, -1);
	ok(c.reads == 3 && c.ticks == 1, "eager: woke at once, not by the timer");
	tmr_cancel(&c.t);
	loop_fd_remove(l, p[0]);
	close(p[0]);
	close(p[1]);
}

/* ---- the virtual clock (last: it cannot be switched back) ---- */

struct vctx {
	uint64_t at[8];
	int n;
	struct loop *l;
	struct tmr t[4], chained;
};

static void vfire(void *arg)
{
	struct vctx *c = arg;

	if (c->n < 8)
		c->at[c->n++] = loop_now_ms();
}

static void vchain(void *arg)
{
	struct vctx *c = arg;

	vfire(c);
	if (c->n < 3)
		tmr_start(c->l, &c->chained, 0, vchain, c); /* due now: fires in the next round */
}

/* one end of a socketpair answering each byte with one to the other end, n times in all */
struct pingpong {
	int fd[2];
	int n, left;
	uint64_t last_ms;
};

static void pp_read(int fd, int ev, void *arg)
{
	struct pingpong *pp = arg;
	char b;

	(void)ev;
	if (read(fd, &b, 1) != 1)
		return;
	pp->n++;
	pp->last_ms = loop_now_ms();
	if (pp->left > 0) {
		pp->left--;
		if (write(fd, &b, 1) != 1)
			pp->left = -1;
	}
}

/* readable, never read: an fd that stays ready */
static void never_read(int fd, int ev, void *arg)
{
	(void)fd;
	(void)ev;
	(*(int *)arg)++;
}

static void test_virtual_clock(void)
{
	struct loop *l = NULL;
	struct vctx c = { .n = 0 };
	struct lazyctx rd = { .reads = 0 };
	int p[2];

	loop_clock_virtual(5000);
	is_int(loop_alloc(&l), 0, "virtual: loop");
	c.l = l;
	is_int((int)loop_now_ms(), 5000, "virtual: starts where asked");
	for (int i = 0; i < 4; i++)
		tmr_init(&c.t[i]);
	tmr_init(&c.chained);
	tmr_start(l, &c.t[0], 30, vfire, &c);
	tmr_start(l, &c.t[1], 10, vfire, &c);
	tmr_start(l, &c.t[2], 20, vfire, &c);
	tmr_start(l, &c.t[3], 100, vfire, &c);
	is_int(loop_run_once(l, 1000), 0, "virtual: a round");
	is_int((int)loop_now_ms(), 5000, "virtual: a round does not wait and the clock stands still");
	is_int(c.n, 0, "virtual: nothing due yet");
	is_int(loop_advance(l, 30), 0, "virtual: advance 30 ms");
	is_int(c.n, 3, "virtual: the three timers due by then fired");
	ok(c.n == 3 && c.at[0] == 5010 && c.at[1] == 5020 && c.at[2] == 5030,
	   "virtual: each at its own time, in order (%llu %llu %llu)", (unsigned long long)c.at[0],
	   (unsigned long long)c.at[1], (unsigned long long)c.at[2]);
	is_int((int)loop_now_ms(), 5030, "virtual: the clock is at the end of the step");
	is_int((int)tmr_left_ms(&c.t[3]), 70, "virtual: the last timer is 70 ms away");
	tmr_cancel(&c.t[3]);

	c.n = 0;
	tmr_start(l, &c.chained, 5, vchain, &c);
	is_int(loop_advance(l, 5), 0, "virtual: a timer that re-arms itself for now");
	ok(c.n == 3 && c.at[0] == 5035 && c.at[2] == 5035, "virtual: its chain ran within the step, at 5035 (%d)",
	   c.n);

	is_int(pipe(p), 0, "virtual: pipe");
	c.n = 0;
	tmr_start(l, &c.t[0], 1, vfire, &c);
	ok(loop_fd_listen(l, p[0], LOOP_READ, lazy_read, &rd) == 0 && write(p[1], "x", 1) == 1,
	   "virtual: a readable fd");
	is_int(loop_advance(l, 1), 0, "virtual: advance 1 ms");
	ok(c.n == 1 && rd.reads == 1, "virtual: the fd and the timer both handled");
	loop_fd_remove(l, p[0]);
	close(p[0]);
	close(p[1]);

	/*
	 * a message between two objects of this process and its answers: on a real clock all within a
	 * millisecond, so on the virtual one at the same instant, even with no timer to stop at
	 */
	{
		struct pingpong pp = { .left = 99 };
		uint64_t t = loop_now_ms();

		ok(socketpair(AF_UNIX, SOCK_STREAM, 0, pp.fd) == 0 &&
		   loop_fd_listen(l, pp.fd[0], LOOP_READ, pp_read, &pp) == 0 &&
		   loop_fd_listen(l, pp.fd[1], LOOP_READ, pp_read, &pp) == 0 && write(pp.fd[0], "p", 1) == 1,
		   "virtual: a socketpair, one byte sent");
		is_int(loop_advance(l, 0), 0, "virtual: advance 0 ms");
		ok(pp.n == 100 && pp.last_ms == t && loop_now_ms() == t,
		   "virtual: 100 hops handled at the same instant (%d, at +%llu ms)", pp.n,
		   (unsigned long long)(pp.last_ms - t));
		loop_fd_remove(l, pp.fd[0]);
		loop_fd_remove(l, pp.fd[1]);
		close(pp.fd[0]);
		close(pp.fd[1]);
	}
	{
		int q[2], calls = 0;

		ok(pipe(q) == 0 && write(q[1], "x", 1) == 1 && loop_fd_listen(l, q[0], LOOP_READ, never_read, &calls) == 0,
		   "virtual: an fd whose handler never reads it");
		is_int(loop_advance(l, 5), EBUSY, "virtual: it stays ready: EBUSY, not a hang");
		ok(calls >= 1000, "virtual: ... after many rounds (%d)", calls);
		loop_fd_remove(l, q[0]);
		close(q[0]);
		close(q[1]);
	}
	{
		/* waiting for time with loop_run_once would hang: it is stopped, with a message */
		pid_t pid;
		int st = 0;

		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			uint64_t end = loop_now_ms() + 10;

			if (!freopen("/dev/null", "w", stderr))
				_exit(3);
			tmr_start(l, &c.t[0], 10, vfire, &c);
			while (loop_now_ms() < end)
				loop_run_once(l, 5);
			_exit(0);
		}
		ok(pid > 0 && waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT,
		   "virtual: a loop_run_once loop waiting for time aborts instead of hanging");
	}
	is_int(loop_advance(NULL, 1), EINVAL, "virtual: no loop -> EINVAL");
	loop_free(l);
}

int main(void)
{
	struct loop *l = NULL;
	struct tmr orphan;

	is_int(loop_alloc(&l), 0, "loop_alloc");
	test_many_timers(l);
	test_rearm(l);
	test_fds(l);
	test_lazy(l);
	test_invalid_fd(l);
	test_wake(l);
	test_signals(l);

	tmr_init(&orphan);
	tmr_start(l, &orphan, 100000, stop_h, l);
	loop_free(l);
	ok(!tmr_running(&orphan), "loop_free disarms pending timers");
	tmr_cancel(&orphan);
	loop_free(NULL);
	{
		struct loop *r = NULL;

		loop_alloc(&r);
		is_int(loop_advance(r, 1), EINVAL, "advance on the real clock -> EINVAL");
		loop_free(r);
	}
	test_virtual_clock();
	return tap_done();
}
