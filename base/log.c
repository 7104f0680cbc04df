/* SPDX-License-Identifier: GPL-3.0-or-later */
/* log.c: logging sinks and the redaction every logged line passes through. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define MASK "***"
#define MAX_SECRETS 64

static pthread_mutex_t log_mtx = PTHREAD_MUTEX_INITIALIZER;
static _Atomic int cur_level = LOGL_INFO; /* read without the mutex on every call */
static FILE *log_file;
static bool use_stderr = true;
static log_h *handler;
static void *handler_arg;
static atomic_bool sip_trace;
static atomic_bool handler_trace; /* the handler gets the trace even while it is off for file and stderr */
static char *secrets[MAX_SECRETS];
static size_t nsecrets;
static _Thread_local int in_log; /* drops log calls made while this thread is logging */

static const char *const level_names[] = { "ERROR", "WARN", "INFO", "DEBUG" };

/* ---- redaction ---- */

static int lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Case-insensitive match of word at src[i..]; returns its length or 0. */
static size_t match_ci(const char *src, size_t len, size_t i, const char *word)
{
	size_t n = strlen(word);

	if (n > len - i)
		return 0;
	for (size_t k = 0; k < n; k++)
		if (lc((unsigned char)src[i + k]) != word[k])
			return 0;
	return n;
}

static void mark(uint8_t *m, size_t from, size_t to)
{
	for (size_t k = from; k < to; k++)
		m[k] = 1;
}

static size_t skip_blank(const char *src, size_t len, size_t j)
{
	while (j < len && (src[j] == ' ' || src[j] == '\t'))
		j++;
	return j;
}

/* Marks a quoted string's inside (from just after the opening quote), or to end of line if unclosed. */
static size_t mark_quoted(uint8_t *m, const char *src, size_t len, size_t j)
{
	size_t k = j;

	while (k < len && src[k] != '"' && src[k] != '\r' && src[k] != '\n') {
		if (src[k] == '\\' && k + 1 < len && src[k + 1] != '\r' && src[k + 1] != '\n')
			k++;
		k++;
	}
	if (k > len)
		k = len;
	mark(m, j, k);
	return k;
}

/* response=, cnonce=, rspauth=: quoted string or token. */
static void rule_digest(uint8_t *m, const char *src, size_t len, size_t i)
{
	static const char *const names[] = { "response", "cnonce", "rspauth" };
	size_t n = 0, j, k;

	if (i > 0 && is_alnum((unsigned char)src[i - 1]))
		return;
	for (size_t q = 0; q < sizeof(names) / sizeof(names[0]) && !n; q++)
		n = match_ci(src, len, i, names[q]);
	if (!n)
		return;
	j = skip_blank(src, len, i + n);
	if (j >= len || src[j] != '=')
		return;
	j = skip_blank(src, len, j + 1);
	if (j < len && src[j] == '"') {
		mark_quoted(m, src, len, j + 1);
		return;
	}
	for (k = j; k < len && !is_ws((unsigned char)src[k]) && src[k] != ',' && src[k] != ';'; k++)
		;
	mark(m, j, k);
}

/* inline:KEY||SALT up to '|', whitespace or ';' */
static void rule_inline(uint8_t *m, const char *src, size_t len, size_t i)
{
	size_t j, k;

	if (!match_ci(src, len, i, "inline:"))
		return;
	j = i + 7;
	for (k = j; k < len && !is_ws((unsigned char)src[k]) && src[k] != '|' && src[k] != ';'; k++)
		;
	mark(m, j, k);
}

/* ...pass / ...passwd / ...password followed by = or : (a config or JSON dump) */
static void rule_pass(uint8_t *m, const char *src, size_t len, size_t i)
{
	size_t j, k;

	if (!match_ci(src, len, i, "pass"))
		return;
	j = i + 4;
	if (match_ci(src, len, j, "word"))
		j += 4;
	else if (match_ci(src, len, j, "wd"))
		j += 2;
	if (j < len && (src[j] == '"' || src[j] == '\''))
		j++;
	j = skip_blank(src, len, j);
	if (j >= len || (src[j] != '=' && src[j] != ':'))
		return;
	j = skip_blank(src, len, j + 1);
	if (j < len && src[j] == '"') {
		mark_quoted(m, src, len, j + 1);
		return;
	}
	for (k = j; k < len && src[k] != '\r' && src[k] != '\n'; k++)
		;
	mark(m, j, k);
}

static void rule_secrets(uint8_t *m, const char *src, size_t len)
{
	for (size_t s = 0; s < nsecrets; s++) {
		size_t n = strlen(secrets[s]);
		const char *p = src, *end = src + len;

		while (n && (size_t)(end - p) >= n) {
			const char *hit = memmem(p, (size_t)(end - p), secrets[s], n);

			if (!hit)
				break;
			mark(m, (size_t)(hit - src), (size_t)(hit - src) + n);
			p = hit + 1;
		}
	}
}

struct out {
	char *dst;
	size_t sz;
	size_t n; /* length of the full result */
};

static void out_c(struct out *o, char c)
{
	if (o->n + 1 < o->sz)
		o->dst[o->n] = c;
	o->n++;
}

static size_t redact_locked(char *dst, size_t dstsz, const char *src, size_t len)
{
	uint8_t stackmask[1024], *m;
	struct out o = { dst, dstsz, 0 };

	if (!src)
		len = 0;
	m = len <= sizeof(stackmask) ? stackmask : malloc(len);
	if (!m) {
		/* fail closed: better no text than unredacted text */
		static const char msg[] = "[log line withheld: out of memory]";

		for (size_t k = 0; k < sizeof(msg) - 1; k++)
			out_c(&o, msg[k]);
		goto out;
	}
	memset(m, 0, len);
	rule_secrets(m, src, len);
	for (size_t i = 0; i < len; i++) {
		switch (lc((unsigned char)src[i])) {
		case 'i':
			rule_inline(m, src, len, i);
			break;
		case 'r':
		case 'c':
			rule_digest(m, src, len, i);
			break;
		case 'p':
			rule_pass(m, src, len, i);
			break;
		default:
			break;
		}
	}
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)src[i];

		if (m[i]) {
			for (size_t k = 0; k < sizeof(MASK) - 1; k++)
				out_c(&o, MASK[k]);
			while (i < len && m[i])
				i++;
			continue;
		}
		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
			c = '?';
		out_c(&o, (char)c);
		i++;
	}
	if (m != stackmask)
		free(m);
out:
	if (dstsz)
		dst[o.n < dstsz ? o.n : dstsz - 1] = '\0';
	return o.n;
}

size_t log_redact(char *dst, size_t dstsz, const char *src, size_t len)
{
	size_t n;

	pthread_mutex_lock(&log_mtx);
	n = redact_locked(dst, dstsz, src, len);
	pthread_mutex_unlock(&log_mtx);
	return n;
}

int log_add_secret(const char *s)
{
	int err = 0;
	char *c;

	if (!s || !*s)
		return EINVAL;
	pthread_mutex_lock(&log_mtx);
	for (size_t i = 0; i < nsecrets; i++)
		if (strcmp(secrets[i], s) == 0)
			goto out;
	if (nsecrets == MAX_SECRETS) {
		err = ENOSPC;
		goto out;
	}
	c = strdup(s);
	if (!c) {
		err = ENOMEM;
		goto out;
	}
	secrets[nsecrets++] = c;
out:
	pthread_mutex_unlock(&log_mtx);
	return err;
}

void log_clear_secrets(void)
{
	pthread_mutex_lock(&log_mtx);
	for (size_t i = 0; i < nsecrets; i++) {
		explicit_bzero(secrets[i], strlen(secrets[i]));
		free(secrets[i]);
		secrets[i] = NULL;
	}
	nsecrets = 0;
	pthread_mutex_unlock(&log_mtx);
}

/* ---- sinks ---- */

void log_set_level(enum log_level lvl)
{
	if (lvl > LOGL_DEBUG)
		lvl = LOGL_DEBUG;
	atomic_store_explicit(&cur_level, (int)lvl, memory_order_relaxed);
}

enum log_level log_get_level(void)
{
	return (enum log_level)atomic_load_explicit(&cur_level, memory_order_relaxed);
}

bool log_enabled(enum log_level lvl)
{
	return (int)lvl <= atomic_load_explicit(&cur_level, memory_order_relaxed);
}

int log_open_file(const char *path)
{
	struct stat st;
	int fd, err = 0;
	FILE *f;

	if (!path)
		return EINVAL;
	/* not through a symbolic link: one planted where the log goes would send it (and its contents) elsewhere */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0)
		return errno;
	if (fstat(fd, &st) < 0) {
		err = errno;
		goto out;
	}
	/* never fchmod a device or FIFO (e.g. /dev/null), and never write into a file another user can read back */
	if (!S_ISREG(st.st_mode)) {
		err = EINVAL;
		goto out;
	}
	if (st.st_uid != geteuid()) {
		err = EPERM;
		goto out;
	}
	if ((st.st_mode & 07777) != 0600 && fchmod(fd, 0600) < 0) {
		err = errno;
		goto out;
	}
	f = fdopen(fd, "a");
	if (!f) {
		err = errno;
		goto out;
	}
	pthread_mutex_lock(&log_mtx);
	if (log_file)
		fclose(log_file);
	log_file = f;
	pthread_mutex_unlock(&log_mtx);
	return 0;
out:
	close(fd);
	return err;
}

const char *log_file_error(int err)
{
	switch (err) {
	case ELOOP:
		return "is a symbolic link: give the file itself (the log is never written through a link, which "
		       "could send it elsewhere)";
	case EPERM:
		return "belongs to another user, who could read the log: remove it or choose another file";
	case EINVAL:
		return "is not a regular file";
	default:
		return strerror(err);
	}
}

void log_close_file(void)
{
	pthread_mutex_lock(&log_mtx);
	if (log_file)
		fclose(log_file);
	log_file = NULL;
	pthread_mutex_unlock(&log_mtx);
}

void log_set_stderr(bool on)
{
	pthread_mutex_lock(&log_mtx);
	use_stderr = on;
	pthread_mutex_unlock(&log_mtx);
}

void log_set_handler(log_h *h, void *arg)
{
	pthread_mutex_lock(&log_mtx);
	handler = h;
	handler_arg = arg;
	pthread_mutex_unlock(&log_mtx);
}

void log_set_sip_trace(bool on)
{
	atomic_store(&sip_trace, on);
}

bool log_sip_trace_enabled(void)
{
	return atomic_load(&sip_trace);
}

void log_set_handler_sip_trace(bool on)
{
	atomic_store(&handler_trace, on);
}

static void write_stream(FILE *f, enum log_level lvl, const char *text, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char stamp[32] = "";

	clock_gettime(CLOCK_REALTIME, &ts);
	if (localtime_r(&ts.tv_sec, &tm))
		strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "%s.%03ld %-5s ", stamp, ts.tv_nsec / 1000000L, level_names[lvl]);
	fwrite(text, 1, len, f);
	fputc('\n', f);
	fflush(f);
}

/*
 * Called with log_mtx held and in_log set. text is unredacted; it is redacted here, once, for every
 * sink. streams: to the file or stderr as well as to the handler.
 */
static void emit(enum log_level lvl, const char *text, size_t len, bool streams)
{
	char stackbuf[1024], *red = stackbuf;
	size_t n;

	n = redact_locked(stackbuf, sizeof(stackbuf), text, len);
	if (n >= sizeof(stackbuf)) {
		red = malloc(n + 1);
		if (!red) {
			red = stackbuf; /* truncated but still redacted */
			n = sizeof(stackbuf) - 1;
		} else {
			redact_locked(red, n + 1, text, len);
		}
	}
	if (streams && log_file)
		write_stream(log_file, lvl, red, n);
	else if (streams && use_stderr)
		write_stream(stderr, lvl, red, n);
	if (handler) {
		char *line = red, *end = red + n;

		while (line < end) {
			char *nl = memchr(line, '\n', (size_t)(end - line));
			char *stop = nl ? nl : end;

			if (stop > line && stop[-1] == '\r')
				stop[-1] = '\0';
			*stop = '\0';
			handler(lvl, line, handler_arg);
			line = nl ? nl + 1 : end;
		}
		if (n == 0)
			handler(lvl, "", handler_arg);
	}
	if (red != stackbuf)
		free(red);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char stackbuf[512], *text = stackbuf;
	va_list ap;
	int n;

	if (!log_enabled(lvl) || in_log || !fmt)
		return;
	va_start(ap, fmt);
	n = vsnprintf(stackbuf, sizeof(stackbuf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(stackbuf)) {
		/* Format it whole: cutting before redaction could leave half a secret unmatched. */
		text = malloc((size_t)n + 1);
		if (!text) {
			text = stackbuf;
			n = 0;
		} else {
			va_start(ap, fmt);
			vsnprintf(text, (size_t)n + 1, fmt, ap);
			va_end(ap);
		}
	}
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		n--;
	pthread_mutex_lock(&log_mtx);
	in_log = 1;
	emit(lvl, text, (size_t)n, true);
	in_log = 0;
	pthread_mutex_unlock(&log_mtx);
	explicit_bzero(text, text == stackbuf ? sizeof(stackbuf) : (size_t)n + 1);
	if (text != stackbuf)
		free(text);
}

void log_sip_trace(bool outgoing, const char *transport, const char *peer, const char *msg,
		   size_t len)
{
	char head[256];
	bool streams = log_sip_trace_enabled();
	char *text;
	size_t hn, n = 0;
	int r;

	if ((!streams && !atomic_load(&handler_trace)) || in_log)
		return;
	if (!msg)
		len = 0;
	r = snprintf(head, sizeof(head), "SIP %s %s %s (%zu bytes)\n", outgoing ? "-->" : "<--",
		     transport ? transport : "?", peer ? peer : "?", len);
	if (r < 0)
		return;
	hn = (size_t)r < sizeof(head) ? (size_t)r : sizeof(head) - 1;
	text = malloc(hn + len + 1);
	if (!text)
		return;
	memcpy(text, head, hn);
	n = hn;
	for (size_t i = 0; i < len; i++) {
		if (msg[i] == '\r' && i + 1 < len && msg[i + 1] == '\n')
			continue; /* CRLF -> LF for readable logs */
		text[n++] = msg[i];
	}
	while (n > hn && text[n - 1] == '\n')
		n--;
	pthread_mutex_lock(&log_mtx);
	in_log = 1;
	emit(LOGL_DEBUG, text, n, streams);
	in_log = 0;
	pthread_mutex_unlock(&log_mtx);
	explicit_bzero(text, hn + len + 1);
	free(text);
}
