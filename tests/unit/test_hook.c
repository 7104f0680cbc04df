/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_hook.c: on_incoming/on_missed hooks: argv splitting, a hostile caller name, stdin, fds, timeouts, caps. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hook.h"
#include "log.h"
#include "loop.h"
#include "tap.h"
#include "text.h"

static char dir[64];
static char logged[16384];

static void capture_h(enum log_level lvl, const char *line, void *arg)
{
	size_t n = strlen(logged);

	(void)lvl;
	(void)arg;
	snprintf(logged + n, sizeof(logged) - n, "%s\n", line);
}

static int parse(const char *line, struct hook_cmd **c, char *err, size_t errsz)
{
	err[0] = '\0';
	return hook_cmd_parse(c, line, err, errsz);
}

static void test_parse(void)
{
	struct hook_cmd *c = NULL;
	char err[400], *const *av;
	static const struct {
		const char *line, *why;
	} bad[] = {
		{ "notify-send $SPHONE_CALLER_NAME", "nothing is expanded" },
		{ "notify-send \"$SPHONE_CALLER_NAME\"", "nothing is expanded" },
		{ "notify-send `id`", "nothing is expanded" },
		{ "notify-send \"`id`\"", "nothing is expanded" },
		{ "notify-send hi | tee x", "not shell syntax" },
		{ "notify-send hi; rm x", "not shell syntax" },
		{ "notify-send hi > x", "not shell syntax" },
		{ "notify-send hi &", "not shell syntax" },
		{ "(notify-send hi)", "not shell syntax" },
		{ "notify-send 'hi", "unterminated single quote" },
		{ "notify-send \"hi", "unterminated double quote" },
		{ "", "empty command" },
		{ "   ", "empty command" },
		{ "''", "empty command" },
		{ "DISPLAY=:0 notify-send hi", "variable assignment" },
		{ "notify-send hi\\", "backslash at the end" },
		{ "notify-send 'a\nb'", "control character" },
	};

	ok(parse("notify-send 'Incoming call' -u critical", &c, err, sizeof(err)) == 0, "plain words and a quoted one");
	av = hook_cmd_argv(c);
	ok(av && !strcmp(av[0], "notify-send") && !strcmp(av[1], "Incoming call") && !strcmp(av[2], "-u") &&
		   !strcmp(av[3], "critical") && !av[4],
	   "split into 4 words");
	hook_cmd_free(c);
	c = NULL;

	ok(parse("prog \"a \\\"b\\\" \\\\ c\" a\\ b '' \"x\\y\"", &c, err, sizeof(err)) == 0, "double quotes, escapes");
	av = hook_cmd_argv(c);
	ok(av && !strcmp(av[1], "a \"b\" \\ c") && !strcmp(av[2], "a b") && !strcmp(av[3], "") &&
		   !strcmp(av[4], "x\\y") && !av[5],
	   "\\\" and \\\\ in double quotes, backslash-space outside, an empty word, other backslashes literal");
	hook_cmd_free(c);
	c = NULL;

	ok(parse("sh -c 'notify-send \"$SPHONE_CALLER_NAME\" | tee -a log' sh", &c, err, sizeof(err)) == 0,
	   "shell text inside single quotes is one word for a shell the user asked for");
	av = hook_cmd_argv(c);
	ok(av && !strcmp(av[2], "notify-send \"$SPHONE_CALLER_NAME\" | tee -a log") && !strcmp(av[3], "sh"),
	   "kept literally");
	hook_cmd_free(c);
	c = NULL;

	setenv("HOME", "/home/tester", 1);
	ok(parse("~/bin/ring --loud", &c, err, sizeof(err)) == 0 && !strcmp(hook_cmd_argv(c)[0], "/home/tester/bin/ring"),
	   "~/ in the program is under $HOME");
	hook_cmd_free(c);
	c = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int e = parse(bad[i].line, &c, err, sizeof(err));
		ok(e == EINVAL && !c && strstr(err, bad[i].why), "refused: '%s' (%s)", bad[i].line, err);
	}
	{
		char many[200] = "p";
		for (int i = 0; i < HOOK_MAX_ARGS; i++)
			strcat(many, " a");
		ok(parse(many, &c, err, sizeof(err)) == EINVAL && strstr(err, "more than"), "too many words: %s", err);
		many[strlen(many) - 2] = '\0';
		ok(parse(many, &c, err, sizeof(err)) == 0, "HOOK_MAX_ARGS words are fine");
		hook_cmd_free(c);
		c = NULL;
	}
}

static void run_until_idle(struct loop *l, struct hook_mgr *m, unsigned max_ms)
{
	uint64_t end = loop_now_ms() + max_ms;

	while (hook_mgr_running(m) && loop_now_ms() < end)
		loop_run_once(l, 50);
}

static char *slurp(const char *name)
{
	static char buf[4096];
	char path[128];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static bool exists(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static void write_script(const char *name, const char *body)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	fprintf(f, "#!/bin/sh\n%s", body);
	fclose(f);
	chmod(path, 0700);
}

/* gone, or a zombie of someone else's (its parent died; init reaps it) */
static bool pid_gone(pid_t pid)
{
	char path[64], st[256] = "";
	FILE *f;

	if (kill(pid, 0) != 0 && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	if (!fgets(st, sizeof(st), f))
		st[0] = '\0';
	fclose(f);
	return strstr(st, ") Z ") != NULL;
}

static void test_hostile(struct loop *l)
{
	/* what a caller can put in a display name: quotes, $(...), backticks, ;, a newline, terminal escapes
	 * (colour, window title), a right-to-left override */
	static const char hostile[] = "\"; touch PWNED1; $(touch PWNED2) `touch PWNED3` ' || touch PWNED4\n"
				      "touch PWNED5 \x1b[31mRED\x1b]0;title\x07 \xe2\x80\xae evil J\xc3\xbcrgen";
	static const char want[] = "\"; touch PWNED1; $(touch PWNED2) `touch PWNED3` ' || touch PWNED4?"
				   "touch PWNED5 ?[31mRED?]0;title? ? evil J\xc3\xbcrgen";
	struct hook_var vars[] = {
		{ "SPHONE_CALLER_NAME", hostile },
		{ "SPHONE_CALLER_URI", "sips:mallory@evil.example;x=$(reboot)" },
		{ "SPHONE_ACCOUNT", "work" },
		{ "NOT_SPHONE", "x" },
	};
	struct hook_mgr *m = NULL;
	struct hook_cmd *c1 = NULL, *c2 = NULL;
	char cmd[256], err[300];
	pid_t pid = 0;
	int leak;
	const char *s;

	write_script("dump.sh", "printf '%s' \"$SPHONE_CALLER_NAME\" > name\n"
				"printf '%s' \"$SPHONE_CALLER_URI\" > uri\n"
				"printf '%s' \"${NOT_SPHONE-unset}\" > notsphone\n"
				"readlink /proc/self/fd/0 > stdin\n"
				"ls /proc/$$/fd > fds\n"
				"echo 'hello from the hook'\n"
				"echo 'to stderr' >&2\n"
				"printf '\\033[2J wiped?'\n");
	snprintf(cmd, sizeof(cmd), "'%s/dump.sh' --flag", dir);
	ok(hook_cmd_parse(&c1, cmd, err, sizeof(err)) == 0, "the hook command parses");
	/* the pattern the manual gives for notify-send: the variable inside the user's own single quotes */
	ok(hook_cmd_parse(&c2, "sh -c 'printf \"%s\" \"$SPHONE_CALLER_NAME\" > name2'", err, sizeof(err)) == 0,
	   "sh -c '...\"$SPHONE_CALLER_NAME\"...' parses");
	ok(hook_mgr_alloc(&m, l) == 0, "manager");

	/* a descriptor of ours without O_CLOEXEC must not reach the hook */
	leak = open("/dev/null", O_RDONLY);
	setenv("SPHONE_CALLER_NAME", "forged by the environment", 1);
	logged[0] = '\0';
	ok(hook_run(m, "on_incoming", c1, vars, 4, &pid) == 0 && pid > 0, "hook started");
	ok(hook_run(m, "on_incoming", c2, vars, 1, NULL) == 0, "second hook started");
	run_until_idle(l, m, 10000);
	is_int(hook_mgr_running(m), 0, "both reaped");
	unsetenv("SPHONE_CALLER_NAME");

	s = slurp("name");
	is_str(s, want, "the hook got the display name as text: controls and the RTL override as '?', UTF-8 kept");
	s = slurp("name2");
	is_str(s, want, "and so did the sh -c form");
	s = slurp("uri");
	is_str(s, "sips:mallory@evil.example;x=$(reboot)", "the URI as it was");
	is_str(slurp("notsphone"), "unset", "only SPHONE_ names are passed as variables");
	for (int i = 1; i <= 5; i++) {
		char f[16];
		snprintf(f, sizeof(f), "PWNED%d", i);
		ok(!exists(f), "nothing in the name ran: no %s", f);
	}
	s = slurp("stdin");
	is_str(s, "/dev/null\n", "stdin is /dev/null");
	s = slurp("fds");
	{
		char fdname[16];
		snprintf(fdname, sizeof(fdname), "\n%d\n", leak);
		ok(s && !strstr(s, fdname), "our descriptor %d is not open in the hook", leak);
	}
	close(leak);
	ok(strstr(logged, "hook on_incoming [") && strstr(logged, "]: hello from the hook\n"), "stdout in the log");
	ok(strstr(logged, "]: to stderr\n") != NULL, "stderr in the log");
	ok(strstr(logged, "]: ?[2J wiped?\n") != NULL, "an escape sequence in its output is logged as text");
	hook_cmd_free(c1);
	hook_cmd_free(c2);
	hook_mgr_free(m);
}

static void test_forged_env(struct loop *l)
{
	struct hook_mgr *m = NULL;
	struct hook_cmd *c = NULL;
	struct hook_var v = { "SPHONE_ACCOUNT", "work" };
	char cmd[256], err[200];

	write_script("env.sh", "printf '%s|%s' \"${SPHONE_CALLER_NAME-unset}\" \"$SPHONE_ACCOUNT\" > env\n");
	snprintf(cmd, sizeof(cmd), "%s/env.sh", dir);
	hook_cmd_parse(&c, cmd, err, sizeof(err));
	hook_mgr_alloc(&m, l);
	setenv("SPHONE_CALLER_NAME", "forged", 1);
	ok(hook_run(m, "on_missed", c, &v, 1, NULL) == 0, "started");
	run_until_idle(l, m, 10000);
	unsetenv("SPHONE_CALLER_NAME");
	is_str(slurp("env"), "unset|work", "a SPHONE_ variable of sphone's own environment is not passed on");
	hook_cmd_free(c);
	hook_mgr_free(m);
}

static void test_timeout(struct loop *l)
{
	struct hook_mgr *m = NULL;
	struct hook_cmd *c = NULL;
	char cmd[256], err[200], *s;
	pid_t pid = 0, bg;

	write_script("hang.sh", "sleep 30 &\necho $! > bgpid\nwait\n");
	snprintf(cmd, sizeof(cmd), "%s/hang.sh", dir);
	hook_cmd_parse(&c, cmd, err, sizeof(err));
	hook_mgr_alloc(&m, l);
	hook_mgr_set_timeout(m, 300);
	logged[0] = '\0';
	ok(hook_run(m, "on_incoming", c, NULL, 0, &pid) == 0, "a hook that hangs");
	run_until_idle(l, m, 5000);
	is_int(hook_mgr_running(m), 0, "stopped and reaped after the timeout");
	ok(strstr(logged, "still running after 300 ms") != NULL, "the log says why");
	ok(strstr(logged, "ended by signal 15 (it ran too long)") != NULL, "and how it ended");
	ok(pid_gone(pid), "the hook is gone");
	s = slurp("bgpid");
	bg = s ? (pid_t)atoi(s) : 0;
	for (int i = 0; i < 200 && bg > 0 && !pid_gone(bg); i++)
		usleep(10000);
	ok(bg > 0 && pid_gone(bg), "what it started went with it (its process group)");

	/* a hook that ignores SIGTERM gets SIGKILL */
	write_script("stubborn.sh", "trap '' TERM\nwhile :; do sleep 0.05; done\n");
	snprintf(cmd, sizeof(cmd), "%s/stubborn.sh", dir);
	hook_cmd_free(c);
	c = NULL;
	hook_cmd_parse(&c, cmd, err, sizeof(err));
	hook_mgr_set_timeout(m, 100);
	logged[0] = '\0';
	ok(hook_run(m, "on_incoming", c, NULL, 0, &pid) == 0, "a hook that ignores SIGTERM");
	run_until_idle(l, m, 8000);
	is_int(hook_mgr_running(m), 0, "reaped");
	ok(strstr(logged, "ended by signal 9") != NULL, "killed");
	hook_cmd_free(c);
	hook_mgr_free(m);
}

static void test_limits(struct loop *l)
{
	struct hook_mgr *m = NULL;
	struct hook_cmd *c = NULL, *bad = NULL;
	char err[200];
	pid_t pids[HOOK_MAX_RUNNING];
	int i;

	hook_cmd_parse(&c, "sleep 30", err, sizeof(err));
	hook_cmd_parse(&bad, "/nonexistent/sphone-hook", err, sizeof(err));
	hook_mgr_alloc(&m, l);
	ok(hook_run(m, "on_missed", bad, NULL, 0, NULL) == ENOENT, "a missing program: ENOENT");
	is_int(hook_mgr_running(m), 0, "nothing running");
	for (i = 0; i < HOOK_MAX_RUNNING; i++)
		if (hook_run(m, "on_incoming", c, NULL, 0, &pids[i]) != 0)
			break;
	is_int(i, HOOK_MAX_RUNNING, "%d hooks at once", HOOK_MAX_RUNNING);
	is_int(hook_run(m, "on_incoming", c, NULL, 0, NULL), EAGAIN, "one more is not started");
	hook_mgr_free(m);
	for (i = 0; i < HOOK_MAX_RUNNING; i++)
		ok(pid_gone(pids[i]), "hook %d stopped when the manager went", i);
	hook_cmd_free(c);
	hook_cmd_free(bad);

	/* hooks that have ended are not "running" even before the reaper's timer comes round: calls
	 * arriving in quick succession (on_incoming and on_missed of each) must not be refused a hook */
	hook_cmd_parse(&c, "true", err, sizeof(err));
	hook_mgr_alloc(&m, l);
	for (i = 0; i < HOOK_MAX_RUNNING; i++)
		if (hook_run(m, "on_incoming", c, NULL, 0, &pids[i]) != 0)
			break;
	is_int(i, HOOK_MAX_RUNNING, "%d quick hooks started", HOOK_MAX_RUNNING);
	for (i = 0; i < HOOK_MAX_RUNNING; i++) {
		siginfo_t si;
		/* wait until it has exited, without reaping it (the manager's to do) */
		waitid(P_PID, (id_t)pids[i], &si, WEXITED | WNOWAIT);
	}
	is_int(hook_run(m, "on_incoming", c, NULL, 0, NULL), 0, "they have ended: the next one starts at once");
	run_until_idle(l, m, 5000);
	hook_mgr_free(m);
	hook_cmd_free(c);
}

static void test_text_clean(void)
{
	char out[16];

	text_clean(out, sizeof(out), "abc", 3);
	is_str(out, "abc", "ASCII");
	text_clean(out, sizeof(out), "\xc3\xbc\xe2\x82\xac\xf0\x9f\x93\x9e", 9);
	is_str(out, "\xc3\xbc\xe2\x82\xac\xf0\x9f\x93\x9e", "two-, three- and four-byte characters kept");
	text_clean(out, sizeof(out), "\xc0\xaf\xed\xa0\x80\xff", 6);
	is_str(out, "??????", "overlong, surrogate and 0xff each byte '?'");
	text_clean(out, sizeof(out), "a\xc2\x9b" "b\xe2\x80\x8f", 7);
	is_str(out, "a?b?", "C1 CSI and a bidi mark one '?' each");
	text_clean(out, sizeof(out), "0123456789abcdefghij", 20);
	is_str(out, "0123456789ab...", "cut with ...");
	text_clean(out, sizeof(out), "0123456789a\xe2\x82\xac\xe2\x82\xac", 17);
	is_str(out, "0123456789a...", "cut on a character boundary");
	text_clean(out, sizeof(out), "ab\0cd", 5);
	is_str(out, "ab?cd", "NUL");
}

int main(void)
{
	struct loop *l = NULL;
	char cwd[512];

	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "/tmp/test_hook.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	if (!getcwd(cwd, sizeof(cwd)) || chdir(dir) != 0)
		return 1;
	log_set_stderr(false);
	log_set_level(LOGL_DEBUG);
	log_set_handler(capture_h, NULL);
	loop_alloc(&l);
	test_text_clean();
	test_parse();
	test_hostile(l);
	test_forged_env(l);
	test_timeout(l);
	test_limits(l);
	loop_free(l);
	log_set_handler(NULL, NULL);
	if (chdir(cwd) != 0)
		return 1;
	{
		char rm[128];
		snprintf(rm, sizeof(rm), "rm -rf '%s'", dir);
		if (system(rm) != 0)
			diag("could not remove %s", dir);
	}
	return tap_done();
}
