/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_history.c: the call history file: round trip, corrupt and cut lines, rotation, modes, concurrent writers. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "callrec.h"
#include "event.h"
#include "history.h"
#include "log.h"
#include "tap.h"

static char dir[64];
static char logged[16384];

static void capture_h(enum log_level lvl, const char *line, void *arg)
{
	size_t n = strlen(logged);

	(void)lvl;
	(void)arg;
	snprintf(logged + n, sizeof(logged) - n, "%s\n", line);
}

static void rec_init(struct history_rec *r, enum history_kind k, int64_t start, const char *peer)
{
	memset(r, 0, sizeof(*r));
	r->kind = k;
	r->start = start;
	snprintf(r->peer, sizeof(r->peer), "%s", peer);
	snprintf(r->account, sizeof(r->account), "work");
}

struct got {
	size_t n;
	struct history_rec r[64];
};

static void got_h(const struct history_rec *r, void *arg)
{
	struct got *g = arg;

	if (g->n < 64)
		g->r[g->n] = *r;
	g->n++;
}

static void test_line(void)
{
	struct history_rec r, b;
	char line[HISTORY_LINE_MAX], prefix[HISTORY_LINE_MAX];
	size_t len;
	bool all_fail = true;

	rec_init(&r, HISTORY_RECEIVED, 1760000000, "sips:bob@example.com");
	r.duration = 75;
	r.answered = true;
	snprintf(r.name, sizeof(r.name), "Bob \"the \\ builder\"\n\x1b[31mJ\xc3\xbcrgen");
	snprintf(r.tls, sizeof(r.tls), "TLSv1.3");
	r.tls_verified = true;
	snprintf(r.srtp, sizeof(r.srtp), "AES_CM_128_HMAC_SHA1_80");
	snprintf(r.sas_method, sizeof(r.sas_method), "SDES key hash, 6 digits, no commitment");
	r.status = 200;
	snprintf(r.reason, sizeof(r.reason), "hung up");
	ok(history_rec_format(&r, line, sizeof(line), &len) == 0, "format");
	ok(len == strlen(line) && line[len - 1] == '\n' && !strchr(line, '\n') == 0 && strchr(line, '\n') == line + len - 1,
	   "one line, ending in its newline");
	ok(!strncmp(line, "{\"v\":1,\"kind\":\"received\",\"start\":1760000000,\"duration\":75,\"answered\":true,", 74),
	   "JSON, version first: %.80s", line);
	ok(strstr(line, "\"name\":\"Bob \\\"the \\\\ builder\\\"??[31mJ\xc3\xbcrgen\"") != NULL,
	   "the name escaped, its controls stored as '?'");
	ok(history_rec_parse(line, len - 1, &b) == 0, "parse back");
	is_int(b.kind, HISTORY_RECEIVED, "kind");
	is_int(b.start, 1760000000, "start");
	is_int(b.duration, 75, "duration");
	ok(b.answered && b.tls_verified, "booleans");
	is_str(b.peer, "sips:bob@example.com", "peer");
	is_str(b.name, "Bob \"the \\ builder\"??[31mJ\xc3\xbcrgen", "name");
	is_str(b.tls, "TLSv1.3", "tls");
	is_str(b.srtp, "AES_CM_128_HMAC_SHA1_80", "srtp");
	is_str(b.sas_method, "SDES key hash, 6 digits, no commitment", "sas_method");
	is_int(b.status, 200, "status");
	is_str(b.reason, "hung up", "reason");

	/* every line a crash could leave behind parses as nothing */
	for (size_t i = 0; i + 1 < len; i++) {
		memcpy(prefix, line, i);
		if (history_rec_parse(prefix, i, &b) == 0)
			all_fail = false;
	}
	ok(all_fail, "none of the %zu shorter prefixes of the line is taken for a record", len - 1);

	{
		static const char *const bad[] = {
			"", "garbage", "{}", "[1,2]", "{\"v\":2,\"kind\":\"missed\",\"start\":1}",
			"{\"kind\":\"missed\",\"start\":1}", "{\"v\":1,\"start\":1}", "{\"v\":1,\"kind\":\"missed\"}",
			"{\"v\":1,\"kind\":\"exploded\",\"start\":1}", "{\"v\":1,\"kind\":\"missed\",\"start\":1} x",
			"{\"v\":1,\"kind\":\"missed\",\"start\":1,\"name\":{\"a\":1}}",
			"{\"v\":1,\"kind\":\"missed\",\"start\":1,\"status\":\"200\"}",
			"{\"v\":1,\"kind\":\"missed\",\"start\":1,\"status\":70000}",
			"{\"v\":1,\"kind\":\"missed\",\"start\":-5}",
			"{\"v\":1,\"kind\":\"missed\",\"start\":99999999999999999999}",
			"{\"v\":1,\"kind\":\"missed\",\"start\":1,\"name\":\"a\\qb\"}",
			"{\"v\":1,\"kind\":\"missed\",\"start\":1,\"name\":\"a\tb\"}",
			"{\"v\":1,\"kind\":\"missed\",\"start\":1,,}",
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			ok(history_rec_parse(bad[i], strlen(bad[i]), &b) == EBADMSG, "refused: %s", bad[i]);
	}
	{
		const char *l = "{ \"v\" : 1 , \"kind\":\"missed\",\"start\":5,\"future\":\"x\",\"more\":[] }";
		ok(history_rec_parse(l, strlen(l), &b) == EBADMSG, "an array is not ours");
		l = "{ \"v\" : 1 , \"kind\":\"missed\",\"start\":5,\"future\":\"x\",\"flag\":true,\"n\":-3 }";
		ok(history_rec_parse(l, strlen(l), &b) == 0 && b.kind == HISTORY_MISSED && b.start == 5,
		   "fields of a later version are ignored");
		l = "{\"v\":1,\"kind\":\"missed\",\"start\":5,\"name\":\"\\u00fc\\ud83d\\udcde\\ud800x\\u001b\\/\"}";
		ok(history_rec_parse(l, strlen(l), &b) == 0, "\\u escapes");
		is_str(b.name, "\xc3\xbc\xf0\x9f\x93\x9e?x?/", "decoded: a pair, a lone surrogate and ESC as '?'");
	}
}

static mode_t mode_of(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static void test_file(void)
{
	struct history *h = NULL;
	struct history_rec r;
	struct got g;
	char path[256], sdir[256], state[256];
	unsigned missed = 99;
	FILE *f;

	snprintf(state, sizeof(state), "%s/state", dir);
	setenv("XDG_STATE_HOME", state, 1);
	ok(history_default_path(path, sizeof(path)) == 0, "default path");
	snprintf(sdir, sizeof(sdir), "%s/state/sphone/history", dir);
	is_str(path, sdir, "under $XDG_STATE_HOME");
	setenv("XDG_STATE_HOME", "relative/dir", 1);
	setenv("HOME", "/home/u", 1);
	history_default_path(path, sizeof(path));
	is_str(path, "/home/u/.local/state/sphone/history", "a relative XDG_STATE_HOME is ignored (the spec)");
	setenv("XDG_STATE_HOME", state, 1);

	ok(history_alloc(&h, NULL, 0) == 0, "alloc");
	ok(access(state, F_OK) != 0, "nothing made before the first write");
	ok(history_read(h, 10, got_h, &g, &missed) == 0 && missed == 0, "reading no file: nothing, no error");
	rec_init(&r, HISTORY_PLACED, 100, "sips:a@x");
	ok(history_append(h, &r) == 0, "append");
	snprintf(sdir, sizeof(sdir), "%s/state/sphone", dir);
	is_int(mode_of(sdir), 0700, "directory 0700");
	is_int(mode_of(state), 0700, "the state directory made 0700 too");
	is_int(mode_of(history_path(h)), 0600, "file 0600");
	chmod(sdir, 0755);
	chmod(history_path(h), 0644);
	rec_init(&r, HISTORY_MISSED, 200, "sips:b@x");
	ok(history_append(h, &r) == 0, "append again");
	is_int(mode_of(sdir), 0700, "a wider directory is set back to 0700");
	is_int(mode_of(history_path(h)), 0600, "a wider file back to 0600");

	/* what a crash or a disk error leaves: garbage, and a record cut short at the end */
	f = fopen(history_path(h), "a");
	fputs("this is not json\n{\"v\":1,\"kind\":\"mis\n", f);
	for (int i = 0; i < 10000; i++)
		fputc('x', f);
	fputs("\n{\"v\":1,\"kind\":\"received\",\"start\":300,\"peer\":\"sips:c@x\",\"ans", f);
	fclose(f);
	rec_init(&r, HISTORY_MISSED, 400, "sips:d@x");
	ok(history_append(h, &r) == 0, "append after a cut line");
	logged[0] = '\0';
	memset(&g, 0, sizeof(g));
	ok(history_read(h, 10, got_h, &g, &missed) == 0, "read");
	is_int(g.n, 3, "the three good records, nothing else");
	ok(g.n == 3 && g.r[0].start == 100 && g.r[1].start == 200 && g.r[2].start == 400, "oldest first, none lost");
	is_int(missed, 2, "two missed");
	ok(strstr(logged, "history:3: not a history record (corrupt or cut short)") != NULL, "line 3 reported");
	ok(strstr(logged, "history:4: not a history record (corrupt or cut short)") != NULL, "line 4 reported");
	ok(strstr(logged, "history:5: not a history record (line too long)") != NULL, "line 5 reported");
	ok(strstr(logged, "history:6: not a history record (corrupt or cut short)") != NULL, "the cut line reported");

	memset(&g, 0, sizeof(g));
	history_read(h, 2, got_h, &g, NULL);
	ok(g.n == 2 && g.r[0].start == 200 && g.r[1].start == 400, "the last 2");

	rec_init(&r, HISTORY_SEEN, 500, "");
	ok(history_append(h, &r) == 0, "seen mark");
	history_read(h, 0, NULL, NULL, &missed);
	is_int(missed, 0, "no missed call after it");
	rec_init(&r, HISTORY_MISSED, 600, "sips:e@x");
	history_append(h, &r);
	memset(&g, 0, sizeof(g));
	history_read(h, 10, got_h, &g, &missed);
	is_int(missed, 1, "one after a new missed call");
	is_int(g.n, 4, "the seen mark is not a call");
	history_free(h);

	/* a link planted where the history goes */
	{
		char target[256], link[256];
		snprintf(target, sizeof(target), "%s/elsewhere", dir);
		snprintf(link, sizeof(link), "%s/linked/history", dir);
		snprintf(sdir, sizeof(sdir), "%s/linked", dir);
		mkdir(sdir, 0700);
		f = fopen(target, "w");
		fclose(f);
		if (symlink(target, link) != 0)
			diag("symlink: %s", strerror(errno));
		history_alloc(&h, link, 0);
		is_int(history_append(h, &r), ELOOP, "a symbolic link is refused");
		{
			struct stat st;
			ok(stat(target, &st) == 0 && st.st_size == 0, "and nothing written through it");
		}
		history_free(h);
	}
}

static void test_rotation(void)
{
	struct history *h = NULL;
	struct history_rec r;
	struct got g;
	char path[256], old[300];
	struct stat a, b;

	snprintf(path, sizeof(path), "%s/rot/history", dir);
	snprintf(old, sizeof(old), "%s.1", path);
	history_alloc(&h, path, 1000);
	for (int i = 0; i < 42; i++) {
		rec_init(&r, HISTORY_PLACED, 1000 + i, "sips:rotate@example.com");
		history_append(h, &r);
	}
	/* 42 records of 330 bytes: rotated after every 4th, so 2 are in the new file */
	ok(stat(path, &a) == 0 && stat(old, &b) == 0, "history and history.1");
	ok(a.st_size <= 1000 + 400 && b.st_size <= 1000 + 400, "each about the limit (%lld, %lld)", (long long)a.st_size,
	   (long long)b.st_size);
	is_int(mode_of(old), 0600, "history.1 0600");
	memset(&g, 0, sizeof(g));
	history_read(h, 64, got_h, &g, NULL);
	ok(g.n > 3 && g.n < 42, "older records dropped (%zu kept)", g.n);
	{
		bool inorder = g.n > 0 && g.r[g.n - 1].start == 1041;
		for (size_t i = 1; i < g.n && i < 64; i++)
			if (g.r[i].start != g.r[i - 1].start + 1)
				inorder = false;
		ok(inorder, "the newest kept, in order across the two files");
	}
	history_free(h);
}

static void test_concurrent(void)
{
	char path[256];
	struct got g;
	struct history *h = NULL;
	unsigned missed;
	int st, okc = 0;
	pid_t kids[4];

	snprintf(path, sizeof(path), "%s/conc/history", dir);
	for (int k = 0; k < 4; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			struct history *hh = NULL;
			struct history_rec r;
			history_alloc(&hh, path, 0);
			for (int i = 0; i < 150; i++) {
				rec_init(&r, HISTORY_MISSED, k * 1000 + i, "sips:concurrent-writer-with-a-long-name@example.com");
				snprintf(r.reason, sizeof(r.reason), "%0100d", i);
				if (history_append(hh, &r) != 0)
					_exit(1);
			}
			history_free(hh);
			_exit(0);
		}
	}
	for (int k = 0; k < 4; k++)
		if (kids[k] > 0 && waitpid(kids[k], &st, 0) == kids[k] && WIFEXITED(st) && WEXITSTATUS(st) == 0)
			okc++;
	is_int(okc, 4, "four processes appended 150 records each");
	history_alloc(&h, path, 0);
	logged[0] = '\0';
	memset(&g, 0, sizeof(g));
	history_read(h, HISTORY_READ_MAX, got_h, &g, &missed);
	is_int(g.n, 600, "600 whole records");
	is_int(missed, 600, "all counted");
	ok(strstr(logged, "not a history record") == NULL, "no line mixed with another");
	history_free(h);
}

/* one event of call id: kind, then key/value pairs (a value starting with '#' is a number, "?t"/"?f" a bool) */
static bool feed(struct callrec *t, struct history_rec *out, int64_t now, uint64_t ms, enum event_kind kind, unsigned id, ...)
{
	struct event ev;
	va_list ap;
	const char *k, *v;

	event_init(&ev, kind);
	event_int(&ev, "call", id);
	va_start(ap, id);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		if (v[0] == '#')
			event_int(&ev, k, atoll(v + 1));
		else if (v[0] == '?')
			event_bool(&ev, k, v[1] == 't');
		else
			event_str(&ev, k, v);
	}
	va_end(ap);
	return callrec_event(t, &ev, now, ms, out);
}

static void test_callrec(void)
{
	struct callrec t;
	struct history_rec r;

	memset(&t, 0, sizeof(t));
	/* placed, answered, 42 s */
	callrec_placed(&t, 1, "work", "sips:bob@example.com", 1000);
	ok(!feed(&t, &r, 1001, 5000, EVENT_RINGING, 1, "account", "work", "status", "#180", NULL), "ringing: not over");
	feed(&t, &r, 1003, 7000, EVENT_ESTABLISHED, 1, "srtp", "?t", "srtp_tx", "AES_CM_128_HMAC_SHA1_80", "sas_method",
	     "SDES key hash", NULL);
	feed(&t, &r, 1003, 7001, EVENT_SECURITY, 1, "tls_version", "TLSv1.3", "tls_verified", "?t", "srtp", "?t", "srtp_tx",
	     "AES_CM_128_HMAC_SHA1_80", NULL);
	feed(&t, &r, 1020, 20000, EVENT_SECURITY, 1, "tls_verified", "?f", "tls_note", "connection lost", NULL);
	ok(feed(&t, &r, 1045, 49000, EVENT_ENDED, 1, "reason", "hung up", "status", "#200", "by", "local", NULL), "ended");
	is_int(r.kind, HISTORY_PLACED, "placed");
	ok(r.answered && r.duration == 42 && r.start == 1000, "answered, 42 s, started when placed");
	ok(!strcmp(r.tls, "TLSv1.3") && r.tls_verified, "TLS 1.3, verified (a later report after the loss does not undo it)");
	is_str(r.srtp, "AES_CM_128_HMAC_SHA1_80", "suite");
	is_str(r.sas_method, "SDES key hash", "SAS method");
	ok(r.status == 200 && !strcmp(r.reason, "hung up"), "status and reason");
	is_str(r.peer, "sips:bob@example.com", "peer");

	/* received with a hostile display name, plain RTP */
	feed(&t, &r, 2000, 100, EVENT_INCOMING, 2, "account", "home", "peer", "sip:eve@x", "display_name",
	     "Eve\x1b[2J\n; rm", NULL);
	callrec_tls(&t, 2, "TLSv1.2", false);
	feed(&t, &r, 2005, 5100, EVENT_ESTABLISHED, 2, "srtp", "?f", NULL);
	feed(&t, &r, 2010, 10100, EVENT_ENDED, 2, "reason", "hung up by the far end", "status", "#200", "by", "remote", NULL);
	is_int(r.kind, HISTORY_RECEIVED, "received");
	ok(r.duration == 5 && !strcmp(r.srtp, "plain") && !strcmp(r.tls, "TLSv1.2") && !r.tls_verified,
	   "5 s, plain RTP, TLS 1.2 unverified");
	is_str(r.account, "home", "account from the event");

	/* missed: the caller gave up */
	feed(&t, &r, 3000, 0, EVENT_INCOMING, 3, "peer", "sips:carol@x", "display_name", "Carol\n\x07", NULL);
	ok(feed(&t, &r, 3020, 0, EVENT_ENDED, 3, "reason", "cancelled by the caller", "status", "#487", "by", "remote", NULL),
	   "ended");
	is_int(r.kind, HISTORY_MISSED, "missed");
	ok(!r.answered && r.duration == 0 && !r.srtp[0], "not answered, no media");
	is_str(r.name, "Carol??", "the display name's controls stored as '?'");

	/* declined here, answered elsewhere */
	feed(&t, &r, 4000, 0, EVENT_INCOMING, 4, "peer", "sips:dave@x", NULL);
	feed(&t, &r, 4002, 0, EVENT_ENDED, 4, "reason", "declined", "status", "#603", "by", "local", NULL);
	is_int(r.kind, HISTORY_REJECTED, "declined: rejected, not missed");
	feed(&t, &r, 5000, 0, EVENT_INCOMING, 5, "peer", "sips:erin@x", NULL);
	feed(&t, &r, 5002, 0, EVENT_ENDED, 5, "reason", "cancelled by the caller", "status", "#487", "by", "remote",
	     "remote_reason", "SIP;cause=200;text=\"Call completed elsewhere\"", NULL);
	is_int(r.kind, HISTORY_REJECTED, "answered on another phone: not missed");

	/* a placed call that failed at once: the first event is its end */
	ok(feed(&t, &r, 6000, 0, EVENT_ENDED, 6, "account", "work", "peer", "sips:nobody@x", "reason", "not found", "status",
		"#404", "by", "remote", NULL),
	   "a call seen only at its end");
	ok(r.kind == HISTORY_PLACED && !r.answered && r.status == 404 && !strcmp(r.peer, "sips:nobody@x"),
	   "placed, 404, peer from the event");
	ok(!feed(&t, &r, 6000, 0, EVENT_REGISTERED, 0, NULL), "events without a call are not calls");
	{
		int n = 0;
		for (unsigned i = 100; i < 100 + CALLREC_MAX + 4; i++)
			feed(&t, &r, 7000, 0, EVENT_INCOMING, i, NULL);
		for (unsigned i = 100; i < 100 + CALLREC_MAX + 4; i++)
			n += feed(&t, &r, 7000, 0, EVENT_ENDED, i, "by", "remote", NULL);
		is_int(n, CALLREC_MAX + 4, "more calls than slots: each still gives a record");
	}
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_history.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	log_set_stderr(false);
	log_set_handler(capture_h, NULL);
	test_line();
	test_callrec();
	test_file();
	test_rotation();
	test_concurrent();
	log_set_handler(NULL, NULL);
	{
		char rm[128];
		snprintf(rm, sizeof(rm), "rm -rf '%s'", dir);
		if (system(rm) != 0)
			diag("could not remove %s", dir);
	}
	return tap_done();
}
