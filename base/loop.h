/* SPDX-License-Identifier: GPL-3.0-or-later */
/* loop.h: single-threaded poll() event loop with monotonic timers, thread-safe wake-ups, signals. */
#ifndef SPHONE_LOOP_H
#define SPHONE_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;

int loop_alloc(struct loop **lp);
/* Free wakes first. Timers still armed are disarmed (tmr_cancel stays safe). */
void loop_free(struct loop *l);

enum { LOOP_READ = 1, LOOP_WRITE = 2, LOOP_ERROR = 4 };

/* events: LOOP_* that happened; LOOP_ERROR (error/hang-up) is reported even if not asked for. */
typedef void(loop_fd_h)(int fd, int events, void *arg);

/* Adds fd, or changes its events/handler if already added. events 0 = only LOOP_ERROR. */
int loop_fd_listen(struct loop *l, int fd, int events, loop_fd_h *h, void *arg);
/*
 * Stops watching fd (does not close it). Safe from inside any handler, for
 * any fd: a removed fd's handler is not called again, not even for events
 * already collected in the current round. An fd that poll reports as invalid
 * is removed by the loop after its handler ran.
 */
void loop_fd_remove(struct loop *l, int fd);

/*
 * Makes fd (added with loop_fd_listen) lazy: its readiness does not wake the
 * loop by itself. Whenever the loop wakes for another fd or a timer it also
 * checks the lazy fds (a poll that does not wait) and calls their handlers
 * before the round's due timers; and it wakes at the latest max_delay_ms
 * after the last check. Meant for media sockets drained on the clock that
 * plays the audio out: one wake-up per packet time instead of two. max_delay_ms
 * 0 makes fd eager again. Returns 0, or ENOENT when fd was not added.
 */
int loop_fd_lazy(struct loop *l, int fd, unsigned max_delay_ms);

/* Milliseconds from CLOCK_MONOTONIC (or the virtual clock, below). */
uint64_t loop_now_ms(void);

/*
 * For tests: the whole process runs on a virtual clock from start_ms. loop_now_ms() returns it and
 * only loop_advance() moves it, so a timer fires at its exact time however loaded the machine is.
 * loop_run_once() then never waits: fds that are ready are handled, and time does not pass while
 * waiting for others. Meant for tests whose events are timers, in-process calls (fake transports)
 * and fds this process writes itself (loopback sockets between its own objects, pipes): what a
 * thread or another process sends comes at no defined virtual time, so tests with those keep the
 * real clock. Call before anything starts a timer; there is no way back. loop_run() would spin
 * with the clock standing still: drive the loop with loop_advance(). A million loop_run_once()
 * rounds in a row with nothing to do (a test waiting for time the real way) abort with a message
 * instead of hanging.
 */
void loop_clock_virtual(uint64_t start_ms);
/*
 * Virtual clock only: moves it ms forward. Every timer due by then fires at its own time and in
 * deadline order (the clock stops at each); at each stop, and at the end, rounds go on until no fd
 * is ready and no timer is due, so a message to another fd of this process (loopback, a pipe) and
 * its answers are handled at the same instant: what a real clock gives with no scheduling delay.
 * 0, EINVAL (no loop, or the clock is real), EDEADLK (from a handler), EBUSY (an fd stayed ready
 * for 10,000 rounds), or poll()'s errno.
 */
int loop_advance(struct loop *l, uint64_t ms);

typedef void(tmr_h)(void *arg);

/* Embed in your object; fields are private. tmr_init before first use. */
struct tmr {
	struct loop *l;
	tmr_h *h;
	void *arg;
	uint64_t when;
	uint64_t seq;
	size_t idx; /* place in the loop's heap; SIZE_MAX when not armed */
};

void tmr_init(struct tmr *t);
/*
 * (Re)arms t to call h(arg) once, delay_ms from now. Safe from inside any
 * handler, including t's own. Timers due at the same time fire in the order
 * they were started. A timer armed from a timer handler does not fire in the
 * same round. Returns 0, or ENOMEM (t is then disarmed).
 */
int tmr_start(struct loop *l, struct tmr *t, uint64_t delay_ms, tmr_h *h, void *arg);
/* Disarms t; NULL-safe and safe when not armed. Call it in your destructor. */
void tmr_cancel(struct tmr *t);
bool tmr_running(const struct tmr *t);
/* Milliseconds until t fires; 0 when not armed or due. */
uint64_t tmr_left_ms(const struct tmr *t);

/*
 * Runs rounds until loop_stop(), or until nothing is left to wait for (no
 * fds, no timers). Returns 0 or an errno from poll().
 */
int loop_run(struct loop *l);
/* Makes loop_run return after the current round. Call from a loop handler. */
void loop_stop(struct loop *l);
/*
 * One round: waits at most max_wait_ms (-1: until an fd or timer is due),
 * dispatches fd events, then due timers. Returns 0 (also on EINTR) or errno;
 * EDEADLK when called from inside a handler (rounds do not nest).
 */
int loop_run_once(struct loop *l, int max_wait_ms);

/*
 * Wake-up from any thread or signal handler (an eventfd). Signals coalesce:
 * several loop_wake_signal() before the loop runs give one h(arg) call.
 * Free the wake before its loop, and after the threads that signal it stop.
 */
struct loop_wake;
int loop_wake_alloc(struct loop_wake **wp, struct loop *l, void (*h)(void *arg), void *arg);
void loop_wake_signal(struct loop_wake *w); /* async-signal-safe, thread-safe */
void loop_wake_free(struct loop_wake *w);

/*
 * SIGINT and SIGTERM delivered to the loop: installs handlers (self-pipe, so it
 * works whichever thread receives the signal) that make the loop call
 * h(signo, arg) from loop_run. Also sets SIGPIPE to ignored (sockets report
 * EPIPE instead). One loop at a time; h = NULL restores the previous
 * dispositions, as does loop_free. Returns 0, EBUSY (another loop has them),
 * or an errno.
 */
typedef void(loop_signal_h)(int signo, void *arg);
int loop_on_signal(struct loop *l, loop_signal_h *h, void *arg);

#endif
