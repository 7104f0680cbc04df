/* SPDX-License-Identifier: GPL-3.0-or-later */
/* hook.c: runs on_incoming / on_missed programs: argv split at load, caller data only in the environment. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hook.h"
#include "log.h"
#include "loop.h"
#include "text.h"

extern char **environ;

#define REAP_MS 100
#define KILL_GRACE_MS 2000
#define LINE_MAX_LOG 200
#define LINES_MAX_LOG 50
#define MAX_ENV 1024

struct hook_cmd {
	size_t argc;
	char *argv[HOOK_MAX_ARGS + 1];
};

struct child {
	pid_t pid;
	int fd;            /* read end of its stdout/stderr; -1 once closed */
	char what[24];
	uint64_t started;
	bool termed, killed;
	char line[LINE_MAX_LOG + 1];
	size_t llen;
	unsigned lines, dropped;
};

struct hook_mgr {
	struct loop *l;
	struct tmr reap;
	unsigned timeout_ms;
	struct child kids[HOOK_MAX_RUNNING];
	size_t n;
};

/* ---------------- the command line ---------------- */

void hook_cmd_free(struct hook_cmd *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->argc; i++)
		free(c->argv[i]);
	free(c);
}

char *const *hook_cmd_argv(const struct hook_cmd *c)
{
	return c ? c->argv : NULL;
}

static int add_word(struct hook_cmd *c, const char *w, size_t n)
{
	char *s;

	if (c->argc >= HOOK_MAX_ARGS)
		return E2BIG;
	s = malloc(n + 1);
	if (!s)
		return ENOMEM;
	memcpy(s, w, n);
	s[n] = '\0';
	c->argv[c->argc++] = s;
	return 0;
}

int hook_cmd_parse(struct hook_cmd **cp, const char *line, char *err, size_t errsz)
{
	struct hook_cmd *c;
	size_t len = line ? strlen(line) : 0, n = 0, i;
	char *w = NULL, q = 0;
	bool inword = false;
	int e = EINVAL, r;

	if (!cp)
		return EINVAL;
	c = calloc(1, sizeof(*c));
	w = malloc(len + 1);
	if (!c || !w) {
		e = ENOMEM;
		goto out;
	}
	for (i = 0; i < len; i++) {
		char ch = line[i];

		if ((unsigned char)ch < 0x20 && ch != '\t') {
			snprintf(err, errsz, "control character in the command");
			goto out;
		}
		if (q == '\'') {
			if (ch == '\'')
				q = 0;
			else
				w[n++] = ch;
			continue;
		}
		if (ch == '$' || ch == '`') {
			snprintf(err, errsz, "'%c' outside single quotes: nothing is expanded and no shell runs the command; "
				 "the caller's details are in the environment (SPHONE_CALLER_NAME, ...): read them in a "
				 "script, or use sh -c '...' with the variables inside single quotes", ch);
			goto out;
		}
		if (q == '"') {
			if (ch == '"')
				q = 0;
			else if (ch == '\\' && i + 1 < len && (line[i + 1] == '"' || line[i + 1] == '\\'))
				w[n++] = line[++i];
			else
				w[n++] = ch;
			continue;
		}
		if (ch == ' ' || ch == '\t') {
			if (inword && (r = add_word(c, w, n)) != 0)
				goto toomany;
			inword = false;
			n = 0;
			continue;
		}
		if (strchr("|&;<>()", ch)) {
			snprintf(err, errsz, "'%c': the command is one program and its arguments, not shell syntax "
				 "(for a pipeline or redirection, write a script, or quote the character)", ch);
			goto out;
		}
		inword = true;
		if (ch == '\'' || ch == '"') {
			q = ch;
		} else if (ch == '\\') {
			if (i + 1 >= len) {
				snprintf(err, errsz, "a backslash at the end of the command");
				goto out;
			}
			w[n++] = line[++i];
		} else {
			w[n++] = ch;
		}
	}
	if (q) {
		snprintf(err, errsz, "unterminated %s quote", q == '"' ? "double" : "single");
		goto out;
	}
	if (inword && (r = add_word(c, w, n)) != 0)
		goto toomany;
	if (!c->argc || !c->argv[0][0]) {
		snprintf(err, errsz, "empty command");
		goto out;
	}
	if (strchr(c->argv[0], '=') && (!strchr(c->argv[0], '/') || strchr(c->argv[0], '=') < strchr(c->argv[0], '/'))) {
		snprintf(err, errsz, "'%s': a variable assignment is not a program (use env NAME=value program ...)",
			 c->argv[0]);
		goto out;
	}
	if (!strncmp(c->argv[0], "~/", 2)) {
		const char *home = getenv("HOME");
		char *p;

		if (!home || !*home) {
			snprintf(err, errsz, "'%s': HOME is not set", c->argv[0]);
			goto out;
		}
		if (asprintf(&p, "%s/%s", home, c->argv[0] + 2) < 0) {
			e = ENOMEM;
			goto out;
		}
		free(c->argv[0]);
		c->argv[0] = p;
	}
	*cp = c;
	c = NULL;
	e = 0;
	goto out;
toomany:
	e = r;
	if (r == E2BIG) {
		snprintf(err, errsz, "more than %d words", HOOK_MAX_ARGS);
		e = EINVAL;
	}
out:
	free(w);
	hook_cmd_free(c);
	return e;
}

/* ---------------- running ---------------- */

static void flush_line(struct child *k)
{
	char clean[LINE_MAX_LOG + 4];

	if (!k->llen)
		return;
	if (k->lines < LINES_MAX_LOG) {
		text_clean(clean, sizeof(clean), k->line, k->llen);
		log_info("hook %s [%d]: %s", k->what, (int)k->pid, clean);
		k->lines++;
	} else {
		k->dropped++;
	}
	k->llen = 0;
}

static void close_output(struct hook_mgr *m, struct child *k)
{
	if (k->fd < 0)
		return;
	loop_fd_remove(m->l, k->fd);
	close(k->fd);
	k->fd = -1;
	flush_line(k);
	if (k->dropped)
		log_info("hook %s [%d]: %u more lines not logged", k->what, (int)k->pid, k->dropped);
}

static void read_output(struct hook_mgr *m, struct child *k)
{
	char buf[512];
	ssize_t r;

	while ((r = read(k->fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < r; i++) {
			if (buf[i] == '\n') {
				flush_line(k);
				continue;
			}
			if (k->llen == LINE_MAX_LOG)
				flush_line(k);
			k->line[k->llen++] = buf[i];
		}
	}
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
		close_output(m, k);
}

static struct child *child_of_fd(struct hook_mgr *m, int fd)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->kids[i].fd == fd)
			return &m->kids[i];
	return NULL;
}

static void output_h(int fd, int events, void *arg)
{
	struct hook_mgr *m = arg;
	struct child *k = child_of_fd(m, fd);

	(void)events;
	if (k)
		read_output(m, k);
}

static void report_exit(const struct child *k, int st)
{
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		log_debug("hook %s [%d]: done", k->what, (int)k->pid);
	else if (WIFEXITED(st))
		log_warn("hook %s [%d]: exited with status %d", k->what, (int)k->pid, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		log_warn("hook %s [%d]: ended by signal %d%s", k->what, (int)k->pid, WTERMSIG(st),
			 k->termed ? " (it ran too long)" : "");
}

static void drop_child(struct hook_mgr *m, size_t i)
{
	struct child *k = &m->kids[i];

	/* what it wrote before exiting is in the pipe: log it; a background process it left keeps the pipe
	 * open, and is not waited for */
	if (k->fd >= 0)
		read_output(m, k);
	close_output(m, k);
	m->kids[i] = m->kids[m->n - 1];
	m->n--;
}

/* Hooks that have exited are reported and forgotten. */
static void reap_exited(struct hook_mgr *m)
{
	size_t i = 0;
	int st;

	while (i < m->n) {
		struct child *k = &m->kids[i];
		pid_t r = waitpid(k->pid, &st, WNOHANG);

		if (r == k->pid || (r < 0 && errno == ECHILD)) {
			if (r == k->pid)
				report_exit(k, st);
			drop_child(m, i);
			continue;
		}
		i++;
	}
}

static void reap_h(void *arg)
{
	struct hook_mgr *m = arg;
	uint64_t now = loop_now_ms();
	size_t i = 0;

	reap_exited(m);
	while (i < m->n) {
		struct child *k = &m->kids[i];

		if (!k->termed && now - k->started >= m->timeout_ms) {
			log_warn("hook %s [%d]: still running after %u ms: stopping it", k->what, (int)k->pid,
				 m->timeout_ms);
			kill(-k->pid, SIGTERM);
			k->termed = true;
		} else if (k->termed && !k->killed && now - k->started >= (uint64_t)m->timeout_ms + KILL_GRACE_MS) {
			kill(-k->pid, SIGKILL);
			k->killed = true;
		}
		i++;
	}
	if (m->n)
		tmr_start(m->l, &m->reap, REAP_MS, reap_h, m);
}

int hook_mgr_alloc(struct hook_mgr **mp, struct loop *l)
{
	struct hook_mgr *m;

	if (!mp || !l)
		return EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return ENOMEM;
	m->l = l;
	m->timeout_ms = HOOK_TIMEOUT_MS;
	tmr_init(&m->reap);
	*mp = m;
	return 0;
}

void hook_mgr_free(struct hook_mgr *m)
{
	int st;

	if (!m)
		return;
	tmr_cancel(&m->reap);
	for (size_t i = 0; i < m->n; i++)
		kill(-m->kids[i].pid, SIGTERM);
	/* a well-behaved program ends within moments of SIGTERM; then it is SIGKILL */
	for (int round = 0; m->n && round < 50; round++) {
		size_t i = 0;
		while (i < m->n) {
			pid_t r = waitpid(m->kids[i].pid, &st, WNOHANG);
			if (r == m->kids[i].pid || (r < 0 && errno == ECHILD))
				drop_child(m, i);
			else
				i++;
		}
		if (m->n)
			usleep(10000);
	}
	while (m->n) {
		kill(-m->kids[0].pid, SIGKILL);
		waitpid(m->kids[0].pid, &st, 0);
		drop_child(m, 0);
	}
	free(m);
}

void hook_mgr_set_timeout(struct hook_mgr *m, unsigned ms)
{
	if (m)
		m->timeout_ms = ms;
}

size_t hook_mgr_running(const struct hook_mgr *m)
{
	return m ? m->n : 0;
}

static bool var_name_ok(const char *s)
{
	if (strncmp(s, "SPHONE_", 7) || !s[7])
		return false;
	for (s += 7; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* sphone's environment without SPHONE_* (a stale or forged one must not pass for the caller's), then vars. */
static int make_env(char ***envp, const struct hook_var *vars, size_t nvars)
{
	size_t n = 0, k = 0, i;
	char **env;
	char clean[HOOK_VAL_MAX + 1];

	while (environ && environ[n])
		n++;
	if (n > MAX_ENV)
		n = MAX_ENV;
	env = calloc(n + nvars + 1, sizeof(*env));
	if (!env)
		return ENOMEM;
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "SPHONE_", 7))
			env[k++] = environ[i];
	for (i = 0; i < nvars; i++) {
		const char *v = vars[i].value ? vars[i].value : "";
		if (!var_name_ok(vars[i].name))
			continue;
		text_clean(clean, sizeof(clean), v, strlen(v));
		if (asprintf(&env[k], "%s=%s", vars[i].name, clean) < 0) {
			env[k] = NULL;
			goto nomem;
		}
		k++;
	}
	env[k] = NULL;
	*envp = env;
	return 0;
nomem:
	for (i = 0; i < k; i++)
		if (!strncmp(env[i], "SPHONE_", 7))
			free(env[i]);
	free(env);
	return ENOMEM;
}

static void free_env(char **env)
{
	for (size_t i = 0; env && env[i]; i++)
		if (!strncmp(env[i], "SPHONE_", 7))
			free(env[i]);
	free(env);
}

/*
 * The program's path, searched in PATH here rather than by posix_spawnp: where the spawn cannot
 * report a failed exec (valgrind, some libcs) a missing program would look like a started hook.
 */
static int find_program(const char *name, char *out, size_t outsz)
{
	const char *path = getenv("PATH"), *p, *end;
	struct stat st;
	int e = ENOENT;

	if (strchr(name, '/')) {
		if (snprintf(out, outsz, "%s", name) >= (int)outsz)
			return ENAMETOOLONG;
		if (stat(out, &st) != 0)
			return errno;
		if (!S_ISREG(st.st_mode))
			return EACCES;
		return access(out, X_OK) == 0 ? 0 : errno;
	}
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p; p = *end ? end + 1 : end) {
		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		if (end == p)
			continue;
		if (snprintf(out, outsz, "%.*s/%s", (int)(end - p), p, name) >= (int)outsz)
			continue;
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(out, X_OK) == 0)
				return 0;
			e = EACCES;
		}
	}
	return e;
}

int hook_run(struct hook_mgr *m, const char *what, const struct hook_cmd *c, const struct hook_var *vars,
	     size_t nvars, pid_t *pidp)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	bool fa_ok = false, at_ok = false;
	char **env = NULL;
	int p[2] = { -1, -1 }, e;
	sigset_t none, all;
	short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
	struct child *k;
	char prog[4096];
	pid_t pid;

	if (!m || !c || !what)
		return EINVAL;
	/* the reaper runs every REAP_MS: hooks that ended since then do not count as running */
	if (m->n >= HOOK_MAX_RUNNING)
		reap_exited(m);
	if (m->n >= HOOK_MAX_RUNNING) {
		log_warn("hook %s not started: %d hooks are still running", what, HOOK_MAX_RUNNING);
		return EAGAIN;
	}
	if ((e = find_program(c->argv[0], prog, sizeof(prog))) != 0) {
		log_warn("hook %s: cannot run '%s': %s", what, c->argv[0], strerror(e));
		return e;
	}
	if ((e = make_env(&env, vars, nvars)) != 0)
		goto out;
	if (pipe2(p, O_CLOEXEC) != 0) {
		e = errno;
		goto out;
	}
	if (fcntl(p[0], F_SETFL, O_NONBLOCK) != 0) {
		e = errno;
		goto out;
	}
	if ((e = posix_spawn_file_actions_init(&fa)) != 0)
		goto out;
	fa_ok = true;
	if ((e = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) != 0 ||
	    (e = posix_spawn_file_actions_adddup2(&fa, p[1], 1)) != 0 ||
	    (e = posix_spawn_file_actions_adddup2(&fa, p[1], 2)) != 0)
		goto out;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
	/* a library's descriptor opened without O_CLOEXEC (the sound system's) stays with sphone */
	if ((e = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) != 0)
		goto out;
#endif
	if ((e = posix_spawnattr_init(&at)) != 0)
		goto out;
	at_ok = true;
	sigemptyset(&none);
	sigfillset(&all);
#ifdef POSIX_SPAWN_SETSID
	flags |= POSIX_SPAWN_SETSID;
#else
	flags |= POSIX_SPAWN_SETPGROUP;
#endif
	if ((e = posix_spawnattr_setsigmask(&at, &none)) != 0 || (e = posix_spawnattr_setsigdefault(&at, &all)) != 0 ||
	    (e = posix_spawnattr_setflags(&at, flags)) != 0)
		goto out;
	e = posix_spawn(&pid, prog, &fa, &at, c->argv, env);
	if (e) {
		log_warn("hook %s: cannot run '%s': %s", what, c->argv[0], strerror(e));
		goto out;
	}
	close(p[1]);
	p[1] = -1;
	k = &m->kids[m->n];
	memset(k, 0, sizeof(*k));
	k->pid = pid;
	k->fd = p[0];
	p[0] = -1;
	snprintf(k->what, sizeof(k->what), "%s", what);
	k->started = loop_now_ms();
	m->n++;
	if (loop_fd_listen(m->l, k->fd, LOOP_READ, output_h, m) != 0) {
		/* the output goes unread (the pipe fills and the hook blocks until the timeout): still reaped */
		close(k->fd);
		k->fd = -1;
	}
	if (!tmr_running(&m->reap))
		tmr_start(m->l, &m->reap, REAP_MS, reap_h, m);
	log_info("hook %s [%d]: started %s", what, (int)pid, c->argv[0]);
	if (pidp)
		*pidp = pid;
out:
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	if (at_ok)
		posix_spawnattr_destroy(&at);
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	free_env(env);
	return e;
}
