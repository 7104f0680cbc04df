/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_log.c: unit tests for log levels, sinks and the redaction rules. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "../tap.h"

static char got[8][512];
static enum log_level got_lvl[8];
static int ngot;

static void capture(enum log_level lvl, const char *line, void *arg)
{
	(void)arg;
	if (ngot < 8) {
		snprintf(got[ngot], sizeof(got[0]), "%s", line);
		got_lvl[ngot] = lvl;
	}
	ngot++;
	log_err("from inside the handler: must be dropped");
}

static void red_is(const char *in, const char *want, const char *what)
{
	char out[1024];
	size_t n = log_redact(out, sizeof(out), in, strlen(in));

	is_str(out, want, "%s", what);
	is_int(n, strlen(want), "%s: length", what);
}

static void test_rules(void)
{
	red_is("hello world", "hello world", "plain text unchanged");
	red_is("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4",
	       "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:***|2^20|1:4", "a=crypto key masked, lifetime/MKI kept");
	red_is("a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj\r\n",
	       "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:***\r\n", "key up to CRLF");
	red_is("inline:KEYONE|2^20;inline:KEYTWO|2^20 FEC_ORDER=FEC_SRTP",
	       "inline:***|2^20;inline:***|2^20 FEC_ORDER=FEC_SRTP", "two keys in one attribute");
	red_is("INLINE:abc def", "INLINE:*** def", "case-insensitive inline");
	red_is("Authorization: Digest username=\"bob\", realm=\"x\", nonce=\"n1\", uri=\"sip:x\", "
	       "response=\"6629fae49393a05397450978507c4ef1\", cnonce=\"0a4f113b\", nc=00000001, qop=auth",
	       "Authorization: Digest username=\"bob\", realm=\"x\", nonce=\"n1\", uri=\"sip:x\", "
	       "response=\"***\", cnonce=\"***\", nc=00000001, qop=auth",
	       "digest response and cnonce masked, nonce kept");
	red_is("Proxy-Authorization: Digest RESPONSE = \"ab\\\"cd\" ,CNonce=tok123,qop=auth",
	       "Proxy-Authorization: Digest RESPONSE = \"***\" ,CNonce=***,qop=auth",
	       "spaces, case, escaped quote, token cnonce");
	red_is("response=\"unterminated\r\nnext: line", "response=\"***\r\nnext: line",
	       "unterminated quote masked to end of line only");
	red_is("password = correct horse battery\nuser = bob", "password = ***\nuser = bob",
	       "config password to end of line");
	red_is("pass=x1 other", "pass=***", "pass= masks rest of line");
	red_is("{\"sip_password\": \"s3cr3t\", \"user\": \"bob\"}", "{\"sip_password\": \"***\", \"user\": \"bob\"}",
	       "JSON key ending in password, quoted value");
	red_is("passwd:abc", "passwd:***", "passwd:");
	red_is("passage = ok; bypass mode", "passage = ok; bypass mode", "words containing pass left alone");
	red_is("nonce=\"abc\" responses are fine", "nonce=\"abc\" responses are fine", "no false positive");
	red_is("ctl\x01\x1b[2Jx", "ctl??[2Jx", "control bytes neutralised");
}

static void test_secrets(void)
{
	char out[64];
	size_t n;

	is_int(log_add_secret(""), EINVAL, "empty secret rejected");
	is_int(log_add_secret(NULL), EINVAL, "NULL secret rejected");
	is_int(log_add_secret("hunter2"), 0, "add secret");
	is_int(log_add_secret("hunter2"), 0, "duplicate is fine");
	red_is("hunter2", "***", "secret alone");
	red_is("xhunter2y hunter2hunter2 hunte", "x***y *** hunte", "secret at odd positions, adjacent repeats merge");
	is_int(log_add_secret("aba"), 0, "add overlapping-prone secret");
	red_is("ababa-ab", "***-ab", "overlapping occurrences masked together");
	red_is("user=bob sip:bob@ex hunter2@", "user=bob sip:bob@ex ***@", "secret in URI masked");

	/* truncation falling inside a secret must not leak a prefix of it */
	n = log_redact(out, 8, "abcdehunter2", 12);
	is_str(out, "abcde**", "truncated inside the mask");
	is_int(n, 8, "full length reported");
	n = log_redact(out, 1, "hunter2", 7);
	is_str(out, "", "dstsz 1: empty string");
	n = log_redact(out, 0, "hunter2", 7);
	is_int(n, 3, "dstsz 0: only the length");

	/* a secret containing a NUL-free binary-ish prefix inside a not NUL-terminated src */
	n = log_redact(out, sizeof(out), "hunter2XYZ", 6);
	is_str(out, "hunter", "src length respected: partial secret at end is plain text");
	(void)n;

	log_clear_secrets();
	red_is("hunter2", "hunter2", "cleared secrets no longer masked");
}

static void test_long_line(void)
{
	size_t len = 100000;
	char *in = malloc(len + 1), *out = malloc(len + 1);
	size_t n;

	memset(in, 'a', len);
	memcpy(in + 70000, "inline:SECRETKEY|2^31", 21);
	in[len] = 0;
	n = log_redact(out, len + 1, in, len);
	is_int(n, len - 9 + 3, "long line: one key masked");
	ok(strstr(out, "SECRETKEY") == NULL && strstr(out, "inline:***|2^31") != NULL, "long line masked");
	free(in);
	free(out);
}

static void test_sinks(void)
{
	char path[] = "/tmp/sphone-test-log-XXXXXX";
	char buf[4096];
	int fd;
	ssize_t n;
	char big[3000];

	log_set_stderr(false);
	log_set_handler(capture, NULL);
	log_set_level(LOGL_WARN);
	ngot = 0;
	log_info("dropped at WARN level");
	is_int(ngot, 0, "below level dropped");
	log_warn("value %d", 5);
	is_int(ngot, 1, "handler called once (inner log dropped)");
	is_str(got[0], "value 5", "handler gets the bare line");
	is_int(got_lvl[0], LOGL_WARN, "handler gets the level");
	ok(!log_enabled(LOGL_DEBUG) && log_enabled(LOGL_ERROR), "log_enabled");

	log_add_secret("pa55");
	ngot = 0;
	log_err("login with pa55 and response=\"ff\"");
	is_str(got[0], "login with *** and response=\"***\"", "handler line redacted");

	ngot = 0;
	memset(big, 'b', sizeof(big));
	memcpy(big + 2990, "pa55", 4);
	log_err("%.*s", (int)sizeof(big), big);
	ok(ngot == 1 && strlen(got[0]) == 511, "long message delivered (capture truncates)");

	fd = mkstemp(path);
	close(fd);
	is_int(log_open_file(path), 0, "open log file");
	is_int(log_open_file("/nonexistent-dir/x.log"), ENOENT, "bad path -> ENOENT");
	log_err("password=topsecret1 sent pa55");
	log_set_sip_trace(false);
	log_sip_trace(true, "TLS", "127.0.0.1:5061", "X", 1);
	log_set_sip_trace(true);
	ngot = 0;
	{
		const char *msg = "INVITE sip:bob@127.0.0.1 SIP/2.0\r\n"
				  "Authorization: Digest username=\"a\", response=\"0123abcd\"\r\n"
				  "Content-Length: 57\r\n\r\n"
				  "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:QUJDREVGR0g=|2^20\r\n";

		char head[64];

		log_sip_trace(true, "TLS", "127.0.0.1:5061", msg, strlen(msg));
		snprintf(head, sizeof(head), "SIP --> TLS 127.0.0.1:5061 (%zu bytes)", strlen(msg));
		is_str(got[0], head, "trace header");
	}
	is_int(ngot, 6, "trace: handler gets one call per line");
	is_str(got[2], "Authorization: Digest username=\"a\", response=\"***\"", "trace auth line redacted, no CR");
	is_str(got[5], "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:***|2^20", "trace crypto line redacted");
	log_close_file();

	fd = open(path, O_RDONLY);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	unlink(path);
	ok(n > 0, "file written");
	buf[n > 0 ? n : 0] = 0;
	ok(strstr(buf, "topsecret1") == NULL && strstr(buf, "pa55") == NULL && strstr(buf, "0123abcd") == NULL &&
		   strstr(buf, "QUJDREVGR0g") == NULL,
	   "no secret in the file");
	ok(strstr(buf, "ERROR password=***") != NULL, "file line has level and masked value");
	ok(strstr(buf, "(1 bytes)") == NULL, "trace off: nothing written");
	ok(strstr(buf, "inline:***|2^20") != NULL, "trace in file redacted");

	log_set_handler(NULL, NULL);
	log_clear_secrets();
	log_set_sip_trace(false);
	log_set_level(LOGL_INFO);
}

/* The log file: never through a symbolic link, always 0600, never someone else's file or a device. */
static void test_file_policy(void)
{
	char dir[] = "/tmp/sphone-test-logf-XXXXXX";
	char path[300], link[300], target[300], cmd[400];
	struct stat st, null_before, null_after;
	mode_t old;
	int fd;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	log_set_stderr(false);
	snprintf(path, sizeof(path), "%s/new.log", dir);
	old = umask(0);
	is_int(log_open_file(path), 0, "new log file with umask 0");
	umask(old);
	memset(&st, 0, sizeof(st));
	stat(path, &st);
	ok((st.st_mode & 07777) == 0600, "... created 0600 (mode %04o)", (unsigned)(st.st_mode & 07777));
	log_close_file();

	snprintf(path, sizeof(path), "%s/old.log", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	close(fd);
	chmod(path, 0644);
	is_int(log_open_file(path), 0, "existing 0644 log file");
	memset(&st, 0, sizeof(st));
	stat(path, &st);
	ok((st.st_mode & 07777) == 0600, "... set to 0600 (mode %04o)", (unsigned)(st.st_mode & 07777));
	log_close_file();

	/* a link planted where the log goes, to an existing file and to a file not there yet */
	snprintf(target, sizeof(target), "%s/victim", dir);
	fd = open(target, O_WRONLY | O_CREAT, 0644);
	close(fd);
	snprintf(link, sizeof(link), "%s/link.log", dir);
	symlink(target, link);
	is_int(log_open_file(link), ELOOP, "symbolic link to a file: refused (ELOOP)");
	log_err("must not reach the link's target");
	ok(stat(target, &st) == 0 && st.st_size == 0 && (st.st_mode & 07777) == 0644,
	   "... its target neither written nor chmod'ed");
	unlink(link);
	unlink(target);
	symlink(target, link);
	is_int(log_open_file(link), ELOOP, "dangling symbolic link: refused");
	ok(stat(target, &st) < 0 && errno == ENOENT, "... its target not created");
	unlink(link);
	ok(strstr(log_file_error(ELOOP), "symbolic link") != NULL, "ELOOP in words: %s", log_file_error(ELOOP));

	/* a device: refused, and its mode untouched (fchmod of /dev/null would break every program) */
	stat("/dev/null", &null_before);
	is_int(log_open_file("/dev/null"), EINVAL, "/dev/null: not a regular file (EINVAL)");
	stat("/dev/null", &null_after);
	ok(null_after.st_mode == null_before.st_mode, "... /dev/null's mode unchanged");

	snprintf(path, sizeof(path), "%s/theirs.log", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	close(fd);
	if (geteuid() == 0 && chown(path, 65534, 65534) == 0) {
		is_int(log_open_file(path), EPERM, "another user's file: refused (EPERM)");
		ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0644 && st.st_size == 0, "... left as it was");
		ok(strstr(log_file_error(EPERM), "another user") != NULL, "EPERM in words: %s", log_file_error(EPERM));
	} else {
		ok(1, "# SKIP chown needs root");
		ok(1, "# SKIP chown needs root");
		ok(1, "# SKIP chown needs root");
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
}

static atomic_int tlines, tleaks;

static void count_h(enum log_level lvl, const char *line, void *arg)
{
	atomic_fetch_add(&tlines, 1);
	if (strstr(line, "sekrit"))
		atomic_fetch_add(&tleaks, 1);
}

static void *log_thread(void *arg)
{
	for (int i = 0; i < 2000; i++)
		log_err("thread %d line %d sekrit", (int)(intptr_t)arg, i);
	return NULL;
}

static void test_threads(void)
{
	pthread_t th[4];

	log_set_stderr(false);
	log_add_secret("sekrit");
	log_set_handler(count_h, NULL);
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, log_thread, (void *)(intptr_t)i);
	for (int i = 0; i < 2000; i++)
		log_add_secret(i % 2 ? "other1" : "other2"); /* secrets list touched concurrently */
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	is_int(atomic_load(&tlines), 8000, "4 threads x 2000 lines all delivered");
	is_int(atomic_load(&tleaks), 0, "secret masked in every line");
	log_set_handler(NULL, NULL);
	log_clear_secrets();
}

/* The UI's log pane takes the SIP trace from the start; the file gets it only with the trace on. */
static void test_handler_trace(void)
{
	char path[] = "/tmp/sphone-test-log-XXXXXX";
	const char *msg = "OPTIONS sip:x SIP/2.0\r\nProxy-Authorization: Digest response=\"0123abcd\"\r\n\r\n";
	char buf[4096];
	ssize_t n;
	int fd;

	fd = mkstemp(path);
	close(fd);
	is_int(log_open_file(path), 0, "open log file");
	log_set_handler(capture, NULL);
	log_set_sip_trace(false);
	ngot = 0;
	log_sip_trace(false, "TLS", "192.0.2.1:5061", msg, strlen(msg));
	is_int(ngot, 0, "trace off, handler trace off: the handler gets nothing");
	log_set_handler_sip_trace(true);
	log_sip_trace(false, "TLS", "192.0.2.1:5061", msg, strlen(msg));
	is_int(ngot, 3, "handler trace on: the handler gets the trace with the trace off");
	is_str(got[2], "Proxy-Authorization: Digest response=\"***\"", "... redacted as every line");
	log_info("a line for the file");
	log_close_file();
	log_set_handler_sip_trace(false);
	log_set_handler(NULL, NULL);
	fd = open(path, O_RDONLY);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	unlink(path);
	buf[n > 0 ? n : 0] = '\0';
	ok(strstr(buf, "a line for the file") && !strstr(buf, "OPTIONS"), "... and the file does not (no --sip-trace)");
}

int main(void)
{
	test_rules();
	test_secrets();
	test_long_line();
	test_sinks();
	test_handler_trace();
	test_file_policy();
	test_threads();
	return tap_done();
}
