/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ui_headless.c: line-mode front end: reads commands from stdin, writes each event as one flushed JSON line. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "loop.h"
#include "ua.h"
#include "ui_headless.h"

#define LINE_MAX_LEN 1024
#define QUIT_TIMEOUT_MS 2000

struct headless {
	struct loop *l;
	struct ua *ua;
	char line[LINE_MAX_LEN + 1];
	size_t len;
	bool overlong;
	bool quitting;
	bool stdin_open;
};

static void print_event(const struct event *ev, void *arg)
{
	char buf[EVENT_ARENA * 2 + 512];
	size_t n;

	if (event_json(ev, buf, sizeof(buf) - 1, &n))
		return;
	buf[n++] = '\n';
	fwrite(buf, 1, n, stdout);
	fflush(stdout);
}

static void quit_done(void *arg)
{
	struct headless *h = arg;

	loop_stop(h->l);
}

static void quit(struct headless *h, const char *why)
{
	if (h->quitting)
		return;
	h->quitting = true;
	log_info("quitting (%s)", why);
	if (h->stdin_open) {
		loop_fd_remove(h->l, STDIN_FILENO);
		h->stdin_open = false;
	}
	if (ua_shutdown(h->ua, QUIT_TIMEOUT_MS, quit_done, h))
		loop_stop(h->l);
}

static void run_line(struct headless *h, char *s)
{
	struct event ev;
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	s += strspn(s, " \t");
	if (!*s || *s == '#')
		return;
	if (!strcmp(s, "quit") || !strcmp(s, "exit")) {
		quit(h, "quit command");
		return;
	}
	if (!strcmp(s, "help")) {
		const char *const *c = ua_commands();
		char list[256] = "";
		size_t pos = 0;

		for (; *c; c++)
			pos += (size_t)snprintf(list + pos, pos < sizeof(list) ? sizeof(list) - pos : 0,
						"%s%s", pos ? " " : "", *c);
		event_init(&ev, EVENT_HELP);
		event_str(&ev, "commands", list);
		print_event(&ev, h);
		return;
	}
	if (h->quitting) {
		event_init(&ev, EVENT_ERROR);
		event_str(&ev, "message", "shutting down");
		print_event(&ev, h);
		return;
	}
	ua_command(h->ua, s);
}

static void stdin_h(int fd, int events, void *arg)
{
	struct headless *h = arg;
	char buf[512];
	ssize_t r;
	ssize_t i;

	r = read(fd, buf, sizeof(buf));
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		if (h->len && !h->overlong) {
			h->line[h->len] = '\0';
			h->len = 0;
			run_line(h, h->line);
		}
		quit(h, r < 0 ? "stdin error" : "end of input");
		return;
	}
	for (i = 0; i < r && !h->quitting; i++) {
		if (buf[i] == '\n') {
			if (h->overlong) {
				struct event ev;
				event_init(&ev, EVENT_ERROR);
				event_str(&ev, "message", "command line too long");
				print_event(&ev, h);
			} else {
				h->line[h->len] = '\0';
				run_line(h, h->line);
			}
			h->len = 0;
			h->overlong = false;
			continue;
		}
		if (h->len >= LINE_MAX_LEN) {
			h->overlong = true;
			continue;
		}
		h->line[h->len++] = buf[i];
	}
}

static void signal_h(int signo, void *arg)
{
	quit(arg, signo == SIGINT ? "SIGINT" : "SIGTERM");
}

int ui_headless_run(struct account_conf *conf, const char *account, const struct ua_call_opts *co)
{
	struct headless h;
	char err[512] = "";
	int e, rc = 1;

	memset(&h, 0, sizeof(h));
	e = loop_alloc(&h.l);
	if (e) {
		fprintf(stderr, "sphone: cannot start the event loop: %s\n", strerror(e));
		return 1;
	}
	e = ua_alloc(&h.ua, h.l, conf, account, print_event, &h, err, sizeof(err));
	if (e) {
		struct event ev;

		log_err("%s", err);
		event_init(&ev, EVENT_ERROR);
		event_str(&ev, "message", err);
		print_event(&ev, &h);
		goto out;
	}
	if (co && (e = ua_set_call_opts(h.ua, co, err, sizeof(err))) != 0) {
		struct event ev;

		log_err("audio: %s", err);
		event_init(&ev, EVENT_ERROR);
		event_str(&ev, "message", err[0] ? err : "audio device unusable");
		print_event(&ev, &h);
		goto out;
	}
	loop_on_signal(h.l, signal_h, &h);
	if (loop_fd_listen(h.l, STDIN_FILENO, LOOP_READ, stdin_h, &h) == 0)
		h.stdin_open = true;
	ua_register(h.ua, NULL);
	e = loop_run(h.l);
	rc = e ? 1 : 0;
	loop_on_signal(h.l, NULL, NULL);
out:
	ua_free(h.ua);
	loop_free(h.l);
	return rc;
}
