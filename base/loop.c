/* SPDX-License-Identifier: GPL-3.0-or-later */
/* loop.c: the poll() event loop, the timer min-heap, eventfd wake-ups and self-pipe signals. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

struct fdent {
	int fd; /* -1: removed, compacted away after the round */
	int events;
	loop_fd_h *h;
	void *arg;
	uint64_t gen; /* tells a re-added fd apart from the one poll() reported on */
	unsigned lazy_ms; /* 0: eager; else checked when the loop wakes anyway, at least this often */
};

struct loop {
	struct fdent *ents;
	size_t nents, capents;
	struct pollfd *pfds;
	size_t *pfd_ent; /* pfds[i] belongs to ents[pfd_ent[i]] ... */
	uint64_t *pfd_gen; /* ... if its gen still matches */
	size_t cappfds;
	int dispatching;
	int in_round; /* loop_run_once is not re-entrant */
	uint64_t gen;

	struct tmr **heap;
	size_t nheap, capheap;
	uint64_t seq;

	int stop;
	unsigned fds_handled; /* in the last round: loop_advance runs another at the same time */
	unsigned timers_run;  /* in the last round */

	int sig_rfd;
	loop_signal_h *sig_h;
	void *sig_arg;
};

struct loop_wake {
	struct loop *l;
	int fd;
	void (*h)(void *arg);
	void *arg;
};

/* the virtual clock (loop_clock_virtual): process-wide, like CLOCK_MONOTONIC */
static bool vclock_on;
static uint64_t vclock_ms;
/*
 * Rounds in a row that found nothing to do while the virtual clock stood still: a test waiting for
 * time with loop_run_once would spin forever; at VCLOCK_IDLE_MAX it is stopped with a message.
 */
#define VCLOCK_IDLE_MAX 1000000
static unsigned long vclock_idle;

uint64_t loop_now_ms(void)
{
	struct timespec ts;

	if (vclock_on)
		return vclock_ms;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int loop_alloc(struct loop **lp)
{
	struct loop *l;

	if (!lp)
		return EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return ENOMEM;
	l->sig_rfd = -1;
	*lp = l;
	return 0;
}

/* ---- fds ---- */

static struct fdent *find_ent(struct loop *l, int fd)
{
	for (size_t i = 0; i < l->nents; i++)
		if (l->ents[i].fd == fd)
			return &l->ents[i];
	return NULL;
}

int loop_fd_listen(struct loop *l, int fd, int events, loop_fd_h *h, void *arg)
{
	struct fdent *e;

	if (!l || fd < 0 || !h || (events & ~(LOOP_READ | LOOP_WRITE | LOOP_ERROR)))
		return EINVAL;
	e = find_ent(l, fd);
	if (!e) {
		if (l->nents == l->capents) {
			size_t ncap = l->capents ? l->capents * 2 : 8;
			struct fdent *ne = realloc(l->ents, ncap * sizeof(*ne));

			if (!ne)
				return ENOMEM;
			l->ents = ne;
			l->capents = ncap;
		}
		e = &l->ents[l->nents++];
		e->fd = fd;
		e->gen = ++l->gen;
		e->lazy_ms = 0;
	}
	e->events = events;
	e->h = h;
	e->arg = arg;
	return 0;
}

int loop_fd_lazy(struct loop *l, int fd, unsigned max_delay_ms)
{
	struct fdent *e;

	if (!l || fd < 0)
		return EINVAL;
	e = find_ent(l, fd);
	if (!e)
		return ENOENT;
	e->lazy_ms = max_delay_ms;
	return 0;
}

static void compact(struct loop *l)
{
	size_t j = 0;

	for (size_t i = 0; i < l->nents; i++)
		if (l->ents[i].fd >= 0)
			l->ents[j++] = l->ents[i];
	l->nents = j;
}

void loop_fd_remove(struct loop *l, int fd)
{
	struct fdent *e;

	if (!l || fd < 0)
		return;
	e = find_ent(l, fd);
	if (!e)
		return;
	e->fd = -1;
	e->h = NULL;
	if (!l->dispatching)
		compact(l);
}

/* ---- timers: binary min-heap on (when, seq), index kept in the tmr ---- */

static int tmr_before(const struct tmr *a, const struct tmr *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void heap_set(struct loop *l, size_t i, struct tmr *t)
{
	l->heap[i] = t;
	t->idx = i;
}

static void sift_up(struct loop *l, size_t i)
{
	struct tmr *t = l->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!tmr_before(t, l->heap[parent]))
			break;
		heap_set(l, i, l->heap[parent]);
		i = parent;
	}
	heap_set(l, i, t);
}

static void sift_down(struct loop *l, size_t i)
{
	struct tmr *t = l->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap && tmr_before(l->heap[c + 1], l->heap[c]))
			c++;
		if (!tmr_before(l->heap[c], t))
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, t);
}

static void heap_remove(struct loop *l, struct tmr *t)
{
	size_t i = t->idx;
	struct tmr *last;

	last = l->heap[--l->nheap];
	t->idx = SIZE_MAX;
	if (i == l->nheap)
		return;
	heap_set(l, i, last);
	if (i > 0 && tmr_before(last, l->heap[(i - 1) / 2]))
		sift_up(l, i);
	else
		sift_down(l, i);
}

void tmr_init(struct tmr *t)
{
	if (!t)
		return;
	memset(t, 0, sizeof(*t));
	t->idx = SIZE_MAX;
}

void tmr_cancel(struct tmr *t)
{
	if (!t || t->idx == SIZE_MAX || !t->l)
		return;
	heap_remove(t->l, t);
}

int tmr_start(struct loop *l, struct tmr *t, uint64_t delay_ms, tmr_h *h, void *arg)
{
	uint64_t now;

	if (!l || !t || !h)
		return EINVAL;
	tmr_cancel(t);
	if (l->nheap == l->capheap) {
		size_t ncap = l->capheap ? l->capheap * 2 : 64;
		struct tmr **nh = realloc(l->heap, ncap * sizeof(*nh));

		if (!nh)
			return ENOMEM;
		l->heap = nh;
		l->capheap = ncap;
	}
	now = loop_now_ms();
	t->l = l;
	t->h = h;
	t->arg = arg;
	t->when = delay_ms > UINT64_MAX - now ? UINT64_MAX : now + delay_ms;
	t->seq = ++l->seq;
	l->heap[l->nheap] = t;
	t->idx = l->nheap++;
	sift_up(l, t->idx);
	return 0;
}

bool tmr_running(const struct tmr *t)
{
	return t && t->idx != SIZE_MAX;
}

uint64_t tmr_left_ms(const struct tmr *t)
{
	uint64_t now;

	if (!tmr_running(t))
		return 0;
	now = loop_now_ms();
	return t->when > now ? t->when - now : 0;
}

/* ---- running ---- */

static int poll_timeout(struct loop *l, int max_wait_ms)
{
	uint64_t now, left;

	if (!l->nheap)
		return max_wait_ms < 0 ? -1 : max_wait_ms;
	now = loop_now_ms();
	left = l->heap[0]->when > now ? l->heap[0]->when - now : 0;
	if (max_wait_ms >= 0 && left > (uint64_t)max_wait_ms)
		left = (uint64_t)max_wait_ms;
	return left > INT_MAX ? INT_MAX : (int)left;
}

/*
 * Eager fds first (pfds[0..*neager)), lazy ones after them (up to *np_out);
 * *lazy_ms is the shortest lazy delay (0: none).
 */
static int prepare_pfds(struct loop *l, size_t *np_out, size_t *neager, unsigned *lazy_ms)
{
	size_t n = 0;

	if (l->nents > l->cappfds) {
		size_t ncap = l->nents * 2;
		struct pollfd *np = realloc(l->pfds, ncap * sizeof(*np));
		size_t *ne;
		uint64_t *ng;

		if (!np)
			return ENOMEM;
		l->pfds = np;
		ne = realloc(l->pfd_ent, ncap * sizeof(*ne));
		if (!ne)
			return ENOMEM;
		l->pfd_ent = ne;
		ng = realloc(l->pfd_gen, ncap * sizeof(*ng));
		if (!ng)
			return ENOMEM;
		l->pfd_gen = ng;
		l->cappfds = ncap;
	}
	*lazy_ms = 0;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			*neager = n;
		for (size_t i = 0; i < l->nents; i++) {
			struct fdent *e = &l->ents[i];

			if (e->fd < 0 || (e->lazy_ms != 0) != (pass == 1))
				continue;
			if (e->lazy_ms && (!*lazy_ms || e->lazy_ms < *lazy_ms))
				*lazy_ms = e->lazy_ms;
			l->pfds[n].fd = e->fd;
			l->pfds[n].events = (short)((e->events & LOOP_READ ? POLLIN : 0) |
						    (e->events & LOOP_WRITE ? POLLOUT : 0));
			l->pfds[n].revents = 0;
			l->pfd_ent[n] = i;
			l->pfd_gen[n] = e->gen;
			n++;
		}
	}
	*np_out = n;
	return 0;
}

static void run_timers(struct loop *l)
{
	uint64_t now = loop_now_ms();
	uint64_t seq_limit = l->seq; /* timers armed by handlers wait for the next round */

	l->timers_run = 0;

	while (l->nheap) {
		struct tmr *t = l->heap[0];

		if (t->when > now || t->seq > seq_limit)
			break;
		heap_remove(l, t);
		l->timers_run++;
		t->h(t->arg);
	}
}

int loop_run_once(struct loop *l, int max_wait_ms)
{
	size_t n, neager;
	unsigned lazy_ms;
	int r, err, wait;

	if (!l)
		return EINVAL;
	if (l->in_round)
		return EDEADLK;
	err = prepare_pfds(l, &n, &neager, &lazy_ms);
	if (err)
		return err;
	wait = poll_timeout(l, max_wait_ms);
	if (lazy_ms && (wait < 0 || (unsigned)wait > lazy_ms))
		wait = (int)lazy_ms;
	if (vclock_on)
		wait = 0; /* waiting would not move the clock: only loop_advance does */
	r = poll(l->pfds, (nfds_t)neager, wait);
	if (r < 0)
		return errno == EINTR ? 0 : errno;
	if (n > neager) {
		/* awake anyway: look at the lazy fds without waiting */
		int rl = poll(l->pfds + neager, (nfds_t)(n - neager), 0);

		if (rl > 0)
			r += rl;
	}
	l->in_round = 1;

	l->dispatching = 1;
	l->fds_handled = 0;
	for (size_t i = 0; r > 0 && i < n; i++) {
		struct pollfd *p = &l->pfds[i];
		struct fdent *e;
		int ev = 0;

		if (!p->revents)
			continue;
		r--;
		e = &l->ents[l->pfd_ent[i]];
		/* ents may have grown (realloc) but existing indices stay valid until compact() */
		if (e->fd < 0 || e->gen != l->pfd_gen[i])
			continue;
		if (p->revents & POLLIN)
			ev |= LOOP_READ;
		if (p->revents & POLLOUT)
			ev |= LOOP_WRITE;
		if (p->revents & (POLLERR | POLLHUP | POLLNVAL))
			ev |= LOOP_ERROR;
		e->h(e->fd, ev, e->arg);
		l->fds_handled++;
		if (p->revents & POLLNVAL) {
			e = &l->ents[l->pfd_ent[i]];
			if (e->fd >= 0 && e->gen == l->pfd_gen[i]) {
				e->fd = -1;
				e->h = NULL;
			}
		}
	}
	l->dispatching = 0;
	compact(l);

	run_timers(l);
	l->in_round = 0;
	if (vclock_on && !l->fds_handled && !l->timers_run && ++vclock_idle >= VCLOCK_IDLE_MAX) {
		fprintf(stderr, "loop: %d rounds on the virtual clock with nothing to do and the clock standing "
				"still: wait for time with loop_advance, not loop_run_once\n", VCLOCK_IDLE_MAX);
		abort();
	}
	if (l->fds_handled || l->timers_run)
		vclock_idle = 0;
	return 0;
}

int loop_run(struct loop *l)
{
	if (!l)
		return EINVAL;
	l->stop = 0;
	while (!l->stop) {
		int err;

		if (!l->nents && !l->nheap)
			break;
		err = loop_run_once(l, -1);
		if (err)
			return err;
	}
	l->stop = 0;
	return 0;
}

void loop_clock_virtual(uint64_t start_ms)
{
	vclock_ms = start_ms;
	vclock_on = true;
}

/*
 * Rounds at the clock's present time until nothing is left to do now: no timer due and no fd that
 * was ready (a handler's write to another fd of this process, over a pipe or loopback, is readable
 * at once; a real clock would handle it well within a millisecond). VCLOCK_ROUNDS bounds it against
 * an fd that stays ready whatever its handler does.
 */
#define VCLOCK_ROUNDS 10000

static int settle(struct loop *l)
{
	for (unsigned i = 0; i < VCLOCK_ROUNDS; i++) {
		int err = loop_run_once(l, 0);

		if (err)
			return err;
		if (!l->fds_handled && !(l->nheap && l->heap[0]->when <= vclock_ms))
			return 0;
	}
	return EBUSY;
}

int loop_advance(struct loop *l, uint64_t ms)
{
	uint64_t end;
	int err;

	if (!l || !vclock_on)
		return EINVAL;
	if (l->in_round)
		return EDEADLK;
	end = ms > UINT64_MAX - vclock_ms ? UINT64_MAX : vclock_ms + ms;
	for (;;) {
		err = settle(l);
		if (err)
			return err;
		if (!l->nheap || l->heap[0]->when > end)
			break;
		vclock_ms = l->heap[0]->when;
	}
	vclock_ms = end;
	vclock_idle = 0;
	return settle(l);
}

void loop_stop(struct loop *l)
{
	if (l)
		l->stop = 1;
}

/* ---- wake-ups ---- */

static void wake_read(int fd, int events, void *arg)
{
	struct loop_wake *w = arg;
	uint64_t v;

	if (read(fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
		return; /* EAGAIN: someone else drained it */
	w->h(w->arg);
}

int loop_wake_alloc(struct loop_wake **wp, struct loop *l, void (*h)(void *arg), void *arg)
{
	struct loop_wake *w;
	int err;

	if (!wp || !l || !h)
		return EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return ENOMEM;
	w->l = l;
	w->h = h;
	w->arg = arg;
	w->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->fd < 0) {
		err = errno;
		goto out;
	}
	err = loop_fd_listen(l, w->fd, LOOP_READ, wake_read, w);
	if (err)
		goto out;
	*wp = w;
	return 0;
out:
	if (w->fd >= 0)
		close(w->fd);
	free(w);
	return err;
}

void loop_wake_signal(struct loop_wake *w)
{
	uint64_t one = 1;
	int saved = errno;

	if (!w)
		return;
	/* EAGAIN means the counter is already huge: a wake-up is pending anyway. */
	if (write(w->fd, &one, sizeof(one)) < 0) {
		/* nothing useful to do */
	}
	errno = saved;
}

void loop_wake_free(struct loop_wake *w)
{
	if (!w)
		return;
	loop_fd_remove(w->l, w->fd);
	close(w->fd);
	free(w);
}

/* ---- signals (self-pipe) ---- */

static volatile sig_atomic_t sig_wfd = -1;
static struct loop *sig_owner;
static struct sigaction old_int, old_term, old_pipe;

static void sig_catch(int signo)
{
	int saved = errno;
	unsigned char b = (unsigned char)signo;

	if (sig_wfd >= 0 && write(sig_wfd, &b, 1) < 0) {
		/* pipe full: enough signals are pending already */
	}
	errno = saved;
}

static void sig_read(int fd, int events, void *arg)
{
	struct loop *l = arg;
	unsigned char b[16];
	ssize_t n = read(fd, b, sizeof(b));

	for (ssize_t i = 0; i < n; i++)
		if (l->sig_h)
			l->sig_h(b[i], l->sig_arg);
}

static void sig_release(struct loop *l)
{
	int wfd;

	if (sig_owner != l)
		return;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	wfd = sig_wfd;
	sig_wfd = -1;
	close(wfd);
	loop_fd_remove(l, l->sig_rfd);
	close(l->sig_rfd);
	l->sig_rfd = -1;
	l->sig_h = NULL;
	sig_owner = NULL;
}

int loop_on_signal(struct loop *l, loop_signal_h *h, void *arg)
{
	struct sigaction sa;
	int fds[2], err;

	if (!l)
		return EINVAL;
	if (!h) {
		sig_release(l);
		return 0;
	}
	if (sig_owner == l) {
		l->sig_h = h;
		l->sig_arg = arg;
		return 0;
	}
	if (sig_owner)
		return EBUSY;
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0)
		return errno;
	err = loop_fd_listen(l, fds[0], LOOP_READ, sig_read, l);
	if (err) {
		close(fds[0]);
		close(fds[1]);
		return err;
	}
	l->sig_rfd = fds[0];
	l->sig_h = h;
	l->sig_arg = arg;
	sig_wfd = fds[1];
	sig_owner = l;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sig_catch;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &old_pipe);
	return 0;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	sig_release(l);
	for (size_t i = 0; i < l->nheap; i++) {
		l->heap[i]->idx = SIZE_MAX;
		l->heap[i]->l = NULL;
	}
	free(l->heap);
	free(l->ents);
	free(l->pfds);
	free(l->pfd_ent);
	free(l->pfd_gen);
	free(l);
}
