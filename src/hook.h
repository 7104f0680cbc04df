/* SPDX-License-Identifier: GPL-3.0-or-later */
/* hook.h: on_incoming / on_missed: a configured program run with the caller in its environment, never a shell. */
#ifndef SPHONE_HOOK_H
#define SPHONE_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct loop;

#define HOOK_MAX_ARGS 32
/* Bytes of one SPHONE_* value handed to a hook (text_clean'ed: printable UTF-8, cut with "..."). */
#define HOOK_VAL_MAX 256
/* Hooks running at once; one more is not started (a flood of calls must not become a flood of processes). */
#define HOOK_MAX_RUNNING 4
/* A hook still running after this long gets SIGTERM (its process group), 2 s later SIGKILL. */
#define HOOK_TIMEOUT_MS 30000

/*
 * A configured command split into words once, when the configuration is read: words are separated by
 * blanks; 'single quotes' keep everything literally, "double quotes" too except \" and \\, and a
 * backslash outside quotes keeps the next character. Nothing is expanded and there is no shell: the
 * characters a shell would act on (| & ; < > ( ) ` and $) are refused outside single quotes, with a
 * message saying so, because a user writing them expects a shell. A first word starting with "~/" is
 * under $HOME. The program is found through PATH when it has no '/'.
 * 0, EINVAL (err says why: empty, unterminated quote, shell syntax, more than HOOK_MAX_ARGS words), ENOMEM.
 */
struct hook_cmd;
int hook_cmd_parse(struct hook_cmd **cp, const char *line, char *err, size_t errsz);
void hook_cmd_free(struct hook_cmd *c);
/* The words (NULL-terminated). */
char *const *hook_cmd_argv(const struct hook_cmd *c);

/* The running hooks of one user agent: reaped on a timer, killed when late, their output logged. */
struct hook_mgr;
int hook_mgr_alloc(struct hook_mgr **mp, struct loop *l);
/* Hooks still running get SIGTERM (their process group) and are reaped, SIGKILL if they linger. NULL-safe. */
void hook_mgr_free(struct hook_mgr *m);
/* Timeout before SIGTERM, for tests (default HOOK_TIMEOUT_MS). */
void hook_mgr_set_timeout(struct hook_mgr *m, unsigned ms);
/* How many hooks are running now. */
size_t hook_mgr_running(const struct hook_mgr *m);

/* One environment variable for a hook: name (SPHONE_...) and a value a stranger may have written. */
struct hook_var {
	const char *name;
	const char *value;
};

/*
 * Starts c (what: "on_incoming", "on_missed", for the log) without waiting: posix_spawn, in a session
 * of its own (so a timeout kills what it started, and the terminal's Ctrl-C does not reach it), stdin
 * /dev/null, stdout and stderr into a pipe whose lines go to the log, signals at their defaults, no
 * descriptor of sphone's open. Its environment is sphone's without any SPHONE_* variable, plus vars,
 * each value text_clean'ed to HOOK_VAL_MAX bytes. Never blocks the loop; the process is reaped later.
 * 0 (and *pidp, may be NULL), EAGAIN (HOOK_MAX_RUNNING are running), or the spawn's errno (ENOENT: no
 * such program). Failures are logged too.
 */
int hook_run(struct hook_mgr *m, const char *what, const struct hook_cmd *c, const struct hook_var *vars,
	     size_t nvars, pid_t *pidp);

#endif
