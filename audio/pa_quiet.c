/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pa_quiet.c: what PortAudio, ALSA and JACK print goes to a chatter handler (the log), not over the terminal. */
/*
 * With no sound card, Pa_Initialize alone makes ALSA and JACK print some 100 lines on stderr, which
 * land over the full-screen UI or around --list-devices' answer. None of the three can be told to
 * keep quiet through PortAudio, so dev_pa.c calls them with fd 2 pointing at a pipe (pa_quiet_begin
 * .. pa_quiet_end) and the lines go to the chatter handler afterwards, on the calling thread.
 *
 * ALSA and JACK also talk from their own threads after those calls (a JACK server that goes away
 * mid-call, say). Their error hooks (snd_lib_error_set_handler; jack_set_error_function and
 * jack_set_info_function), found with dlsym once PortAudio has loaded them, send a line into the
 * pipe when a window is open on the calling thread, and otherwise only count it: such a thread may be
 * the audio one, which must not lock or write, and the count is reported at the next window's end.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audev.h"
#include "pa_quiet.h"

static audev_chatter_h *chatter_h;
static void *chatter_arg;
static _Thread_local int in_window;  /* this thread is between pa_quiet_begin and pa_quiet_end */
static atomic_uint dropped;           /* hook lines from other threads, not yet reported */
static int hooked;                    /* ALSA and JACK hooks set (main thread only) */

void audev_pa_set_chatter(audev_chatter_h *h, void *arg)
{
	chatter_h = h;
	chatter_arg = arg;
}

/* One line from a hook: into the window's pipe, or counted when no window is open on this thread. */
static void hook_line(const char *s)
{
	size_t n = strlen(s);

	if (!in_window) {
		atomic_fetch_add_explicit(&dropped, 1, memory_order_relaxed);
		return;
	}
	if (write(2, s, n) < 0 || write(2, "\n", 1) < 0)
		return; /* a full pipe: the line is lost, as any other */
}

static void alsa_hook(const char *file, int line, const char *func, int err, const char *fmt, ...)
{
	char msg[512];
	int n;
	va_list ap;

	n = snprintf(msg, sizeof(msg), "ALSA lib %s:%d:(%s) ", file ? file : "?", line, func ? func : "?");
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	if (err) {
		size_t l = strlen(msg);

		snprintf(msg + l, sizeof(msg) - l, ": %s", strerror(err < 0 ? -err : err));
	}
	hook_line(msg);
}

static void jack_hook(const char *msg)
{
	hook_line(msg ? msg : "");
}

typedef void(alsa_hook_fn)(const char *, int, const char *, int, const char *, ...);

/* Once PortAudio has loaded libasound and libjack (it links them), point their reports at the hooks. */
static void set_hooks(void)
{
	void *h;

	if (hooked)
		return;
	if ((h = dlopen("libasound.so.2", RTLD_LAZY | RTLD_NOLOAD)) != NULL) {
		int (*set)(alsa_hook_fn *) = (int (*)(alsa_hook_fn *))dlsym(h, "snd_lib_error_set_handler");

		if (set)
			set(alsa_hook);
		dlclose(h); /* PortAudio's reference keeps it loaded */
		hooked = 1;
	}
	if ((h = dlopen("libjack.so.0", RTLD_LAZY | RTLD_NOLOAD)) != NULL) {
		void (*set_err)(void (*)(const char *)) =
			(void (*)(void (*)(const char *)))dlsym(h, "jack_set_error_function");
		void (*set_info)(void (*)(const char *)) =
			(void (*)(void (*)(const char *)))dlsym(h, "jack_set_info_function");

		if (set_err)
			set_err(jack_hook);
		if (set_info)
			set_info(jack_hook);
		dlclose(h);
		hooked = 1;
	}
}

void pa_quiet_begin(struct pa_quiet *q)
{
	int p[2];

	q->saved = q->rd = -1;
	fflush(stderr);
	/* the write end does not block: past the pipe's 64 KiB a line is lost, never the process stuck */
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0)
		return;
	q->saved = fcntl(2, F_DUPFD_CLOEXEC, 3);
	if (q->saved < 0 || dup2(p[1], 2) < 0) {
		if (q->saved >= 0)
			close(q->saved);
		close(p[0]);
		close(p[1]);
		q->saved = -1;
		return;
	}
	close(p[1]);
	q->rd = p[0];
	in_window = 1;
}

static void chatter_line(char *line, size_t n)
{
	while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
		n--;
	line[n] = '\0';
	if (n && chatter_h)
		chatter_h(line, chatter_arg);
}

void pa_quiet_end(struct pa_quiet *q)
{
	char buf[4096], line[512];
	unsigned lost;
	size_t ll = 0;
	ssize_t n, i;

	if (q->rd < 0)
		return;
	set_hooks();
	in_window = 0;
	fflush(stderr);
	dup2(q->saved, 2);
	close(q->saved);
	clearerr(stderr); /* a write that met a full pipe left its mark */
	while ((n = read(q->rd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				chatter_line(line, ll);
				ll = 0;
			} else if (ll < sizeof(line) - 1) {
				line[ll++] = buf[i];
			}
		}
	}
	chatter_line(line, ll);
	close(q->rd);
	q->rd = -1;
	lost = atomic_exchange_explicit(&dropped, 0, memory_order_relaxed);
	if (lost && chatter_h) {
		snprintf(line, sizeof(line), "%u line%s from ALSA/JACK threads not shown", lost, lost == 1 ? "" : "s");
		chatter_h(line, chatter_arg);
	}
}
