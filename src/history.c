/* SPDX-License-Identifier: GPL-3.0-or-later */
/* history.c: the call history file: JSON lines appended in one write each, rotation, a tolerant bounded reader. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event.h"
#include "history.h"
#include "log.h"
#include "text.h"

struct history {
	char *path;
	size_t max_bytes;
};

static const char *const kind_names[] = { "placed", "received", "missed", "rejected", "seen" };

const char *history_kind_name(enum history_kind k)
{
	return (unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "?";
}

/* ---------------- one line ---------------- */

static int put(char *buf, size_t sz, size_t *pos, const char *s)
{
	size_t n = strlen(s);

	if (*pos + n >= sz)
		return ENOSPC;
	memcpy(buf + *pos, s, n + 1);
	*pos += n;
	return 0;
}

static int put_str(char *buf, size_t sz, size_t *pos, const char *key, const char *val)
{
	char clean[HISTORY_LINE_MAX / 4];
	size_t n = text_clean(clean, sizeof(clean), val, strlen(val));
	int e;

	if ((e = put(buf, sz, pos, ",\"")) || (e = put(buf, sz, pos, key)) || (e = put(buf, sz, pos, "\":\"")) ||
	    (e = json_escape(buf, sz, pos, clean, n)))
		return e;
	if (*pos >= sz)
		return ENOSPC;
	buf[*pos] = '\0';
	return put(buf, sz, pos, "\"");
}

static int put_int(char *buf, size_t sz, size_t *pos, const char *key, long long v)
{
	char tmp[96];

	snprintf(tmp, sizeof(tmp), ",\"%s\":%lld", key, v);
	return put(buf, sz, pos, tmp);
}

static int put_bool(char *buf, size_t sz, size_t *pos, const char *key, bool v)
{
	char tmp[96];

	snprintf(tmp, sizeof(tmp), ",\"%s\":%s", key, v ? "true" : "false");
	return put(buf, sz, pos, tmp);
}

int history_rec_format(const struct history_rec *r, char *buf, size_t sz, size_t *len)
{
	size_t pos = 0;
	int e;

	if (!r || !buf || !sz)
		return EINVAL;
	buf[0] = '\0';
	if ((e = put(buf, sz, &pos, "{\"v\":1")) || (e = put_str(buf, sz, &pos, "kind", history_kind_name(r->kind))) ||
	    (e = put_int(buf, sz, &pos, "start", (long long)r->start)))
		return e;
	if (r->kind != HISTORY_SEEN &&
	    ((e = put_int(buf, sz, &pos, "duration", r->duration)) || (e = put_bool(buf, sz, &pos, "answered", r->answered)) ||
	     (e = put_str(buf, sz, &pos, "account", r->account)) || (e = put_str(buf, sz, &pos, "peer", r->peer)) ||
	     (e = put_str(buf, sz, &pos, "name", r->name)) || (e = put_str(buf, sz, &pos, "tls", r->tls)) ||
	     (e = put_bool(buf, sz, &pos, "tls_verified", r->tls_verified)) ||
	     (e = put_str(buf, sz, &pos, "srtp", r->srtp)) || (e = put_str(buf, sz, &pos, "sas_method", r->sas_method)) ||
	     (e = put_int(buf, sz, &pos, "status", r->status)) || (e = put_str(buf, sz, &pos, "reason", r->reason))))
		return e;
	if ((e = put(buf, sz, &pos, "}\n")))
		return e;
	if (len)
		*len = pos;
	return 0;
}

/* A bounded reader of one flat JSON object. */
struct jp {
	const char *p, *end;
};

static void ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r'))
		j->p++;
}

static bool eat(struct jp *j, char c)
{
	ws(j);
	if (j->p < j->end && *j->p == c) {
		j->p++;
		return true;
	}
	return false;
}

static int hexval(const char *s, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (unsigned)(c - 'A' + 10);
		else
			return EBADMSG;
	}
	return 0;
}

static size_t utf8_put(char *o, uint32_t c)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xc0 | c >> 6);
		o[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xe0 | c >> 12);
		o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		o[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | c >> 18);
	o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	o[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* A string into out (outsz >= 4 bytes, NUL-terminated, *n its length); longer ones are cut. */
static int jstring(struct jp *j, char *out, size_t outsz, size_t *n)
{
	size_t o = 0;

	if (!eat(j, '"'))
		return EBADMSG;
	while (j->p < j->end && *j->p != '"') {
		char tmp[4];
		size_t k = 1;
		unsigned char c = (unsigned char)*j->p++;

		if (c < 0x20)
			return EBADMSG;
		tmp[0] = (char)c;
		if (c == '\\') {
			if (j->p >= j->end)
				return EBADMSG;
			c = (unsigned char)*j->p++;
			switch (c) {
			case '"': case '\\': case '/': tmp[0] = (char)c; break;
			case 'b': tmp[0] = '\b'; break;
			case 'f': tmp[0] = '\f'; break;
			case 'n': tmp[0] = '\n'; break;
			case 'r': tmp[0] = '\r'; break;
			case 't': tmp[0] = '\t'; break;
			case 'u': {
				unsigned u, lo;
				if (j->end - j->p < 4 || hexval(j->p, &u))
					return EBADMSG;
				j->p += 4;
				if (u >= 0xd800 && u <= 0xdbff && j->end - j->p >= 6 && j->p[0] == '\\' && j->p[1] == 'u' &&
				    !hexval(j->p + 2, &lo) && lo >= 0xdc00 && lo <= 0xdfff) {
					j->p += 6;
					u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
				} else if (u >= 0xd800 && u <= 0xdfff) {
					u = '?';
				}
				k = utf8_put(tmp, u);
				break;
			}
			default: return EBADMSG;
			}
		}
		if (o + k < outsz) {
			memcpy(out + o, tmp, k);
			o += k;
		}
	}
	if (j->p >= j->end)
		return EBADMSG;
	j->p++;
	out[o] = '\0';
	*n = o;
	return 0;
}

enum jtype { J_STR, J_INT, J_BOOL };

static int jvalue(struct jp *j, enum jtype *t, char *s, size_t ssz, size_t *sn, long long *iv)
{
	ws(j);
	if (j->p >= j->end)
		return EBADMSG;
	if (*j->p == '"') {
		*t = J_STR;
		return jstring(j, s, ssz, sn);
	}
	if (j->end - j->p >= 4 && !memcmp(j->p, "true", 4)) {
		j->p += 4;
		*t = J_BOOL;
		*iv = 1;
		return 0;
	}
	if (j->end - j->p >= 5 && !memcmp(j->p, "false", 5)) {
		j->p += 5;
		*t = J_BOOL;
		*iv = 0;
		return 0;
	}
	{
		bool neg = false;
		long long v = 0;
		int digits = 0;

		if (*j->p == '-') {
			neg = true;
			j->p++;
		}
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
			if (++digits > 18)
				return EBADMSG;
			v = v * 10 + (*j->p++ - '0');
		}
		if (!digits)
			return EBADMSG;
		*t = J_INT;
		*iv = neg ? -v : v;
		return 0;
	}
}

static void set_text(char *dst, size_t dsz, const char *s, size_t n)
{
	text_clean(dst, dsz, s, n);
}

int history_rec_parse(const char *line, size_t len, struct history_rec *r)
{
	struct jp j = { line, line + len };
	char key[32], s[HISTORY_LINE_MAX];
	size_t kn, sn = 0;
	long long iv = 0;
	bool have_v = false, have_kind = false, have_start = false;
	enum jtype t;
	int e;

	if (!line || !r)
		return EINVAL;
	memset(r, 0, sizeof(*r));
	if (!eat(&j, '{'))
		return EBADMSG;
	if (eat(&j, '}'))
		return EBADMSG;
	do {
		if ((e = jstring(&j, key, sizeof(key), &kn)) != 0 || !eat(&j, ':') ||
		    (e = jvalue(&j, &t, s, sizeof(s), &sn, &iv)) != 0)
			return EBADMSG;
#define STR(name, field)                                                   \
	else if (!strcmp(key, name))                                       \
	{                                                                  \
		if (t != J_STR)                                            \
			return EBADMSG;                                    \
		set_text(r->field, sizeof(r->field), s, sn);               \
	}
#define NUM(name, field, type, lo, hi)                                     \
	else if (!strcmp(key, name))                                       \
	{                                                                  \
		if (t != J_INT || iv < (lo) || iv > (hi))                  \
			return EBADMSG;                                    \
		r->field = (type)iv;                                       \
	}
#define BOOL(name, field)                                                  \
	else if (!strcmp(key, name))                                       \
	{                                                                  \
		if (t != J_BOOL)                                           \
			return EBADMSG;                                    \
		r->field = iv != 0;                                        \
	}
		if (!strcmp(key, "v")) {
			if (t != J_INT || iv != 1)
				return EBADMSG;
			have_v = true;
		} else if (!strcmp(key, "kind")) {
			size_t k;
			if (t != J_STR)
				return EBADMSG;
			for (k = 0; k < sizeof(kind_names) / sizeof(kind_names[0]); k++)
				if (!strcmp(s, kind_names[k]))
					break;
			if (k == sizeof(kind_names) / sizeof(kind_names[0]))
				return EBADMSG;
			r->kind = (enum history_kind)k;
			have_kind = true;
		} else if (!strcmp(key, "start")) {
			if (t != J_INT || iv < 0)
				return EBADMSG;
			r->start = iv;
			have_start = true;
		}
		NUM("duration", duration, unsigned, 0, 100LL * 365 * 86400)
		BOOL("answered", answered)
		STR("account", account)
		STR("peer", peer)
		STR("name", name)
		STR("tls", tls)
		BOOL("tls_verified", tls_verified)
		STR("srtp", srtp)
		STR("sas_method", sas_method)
		NUM("status", status, unsigned, 0, 699)
		STR("reason", reason)
#undef STR
#undef NUM
#undef BOOL
	} while (eat(&j, ','));
	if (!eat(&j, '}'))
		return EBADMSG;
	ws(&j);
	if (j.p != j.end || !have_v || !have_kind || !have_start)
		return EBADMSG;
	return 0;
}

/* ---------------- the file ---------------- */

int history_default_path(char *buf, size_t sz)
{
	const char *x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	int n;

	/* the XDG spec: a relative XDG_STATE_HOME is invalid and ignored */
	if (x && x[0] == '/')
		n = snprintf(buf, sz, "%s/sphone/history", x);
	else if (home && *home)
		n = snprintf(buf, sz, "%s/.local/state/sphone/history", home);
	else
		return ENOENT;
	return n < 0 || (size_t)n >= sz ? ENAMETOOLONG : 0;
}

int history_alloc(struct history **hp, const char *path, size_t max_bytes)
{
	char def[4096];
	struct history *h;
	int e;

	if (!hp)
		return EINVAL;
	if (!path) {
		if ((e = history_default_path(def, sizeof(def))) != 0)
			return e;
		path = def;
	}
	if (!*path)
		return EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h || !(h->path = strdup(path))) {
		free(h);
		return ENOMEM;
	}
	h->max_bytes = max_bytes ? max_bytes : HISTORY_MAX_BYTES;
	*hp = h;
	return 0;
}

void history_free(struct history *h)
{
	if (!h)
		return;
	free(h->path);
	free(h);
}

const char *history_path(const struct history *h)
{
	return h ? h->path : NULL;
}

/* mkdir -p of path's directory, new ones 0700; the last one ours and 0700. */
static int ensure_dir(const char *path)
{
	char d[4096];
	char *slash;
	struct stat st;

	if (snprintf(d, sizeof(d), "%s", path) >= (int)sizeof(d))
		return ENAMETOOLONG;
	slash = strrchr(d, '/');
	if (!slash || slash == d)
		return 0;
	*slash = '\0';
	for (char *p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(d, 0700) != 0 && errno != EEXIST)
			return errno;
		*p = '/';
	}
	if (mkdir(d, 0700) != 0 && errno != EEXIST)
		return errno;
	if (stat(d, &st) != 0)
		return errno;
	if (!S_ISDIR(st.st_mode))
		return ENOTDIR;
	if (st.st_uid != geteuid())
		return EPERM;
	if ((st.st_mode & 077) && chmod(d, st.st_mode & 0700) != 0)
		return errno;
	return 0;
}

static int open_file(const char *path, int *fdp, struct stat *st)
{
	int fd, e;

	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return errno;
	if (fstat(fd, st) != 0) {
		e = errno;
		goto out;
	}
	if (!S_ISREG(st->st_mode)) {
		e = EINVAL;
		goto out;
	}
	if (st->st_uid != geteuid()) {
		e = EPERM;
		goto out;
	}
	if ((st->st_mode & 07777) != 0600 && fchmod(fd, 0600) != 0) {
		e = errno;
		goto out;
	}
	*fdp = fd;
	return 0;
out:
	close(fd);
	return e;
}

/* Past max_bytes: history -> history.1, once (whoever holds the lock and still has the current file). */
static void rotate(struct history *h, int fd)
{
	char old[4096 + 4];
	struct stat mine, now;

	if (fstat(fd, &mine) != 0 || (size_t)mine.st_size <= h->max_bytes)
		return;
	if (flock(fd, LOCK_EX) != 0)
		return;
	if (stat(h->path, &now) == 0 && now.st_ino == mine.st_ino && now.st_dev == mine.st_dev) {
		snprintf(old, sizeof(old), "%s.1", h->path);
		if (rename(h->path, old) != 0)
			log_warn("history: cannot rotate %s: %s", h->path, strerror(errno));
	}
	flock(fd, LOCK_UN);
}

int history_append(struct history *h, const struct history_rec *r)
{
	char line[HISTORY_LINE_MAX + 1];
	struct stat st;
	size_t len;
	int fd = -1, e;
	ssize_t w;
	char last = '\n';

	if (!h || !r)
		return EINVAL;
	if ((e = history_rec_format(r, line + 1, sizeof(line) - 1, &len)) != 0)
		return e;
	if ((e = ensure_dir(h->path)) != 0 || (e = open_file(h->path, &fd, &st)) != 0)
		goto out;
	/* a line cut short by a crash must not swallow this record */
	if (st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) != 1)
		last = '\n';
	line[0] = '\n';
	w = write(fd, last == '\n' ? line + 1 : line, last == '\n' ? len : len + 1);
	if (w < 0) {
		e = errno;
		goto out;
	}
	if ((size_t)w != (last == '\n' ? len : len + 1)) {
		e = EIO;
		goto out;
	}
	rotate(h, fd);
out:
	if (fd >= 0)
		close(fd);
	if (e)
		log_warn("history: cannot write %s: %s", h->path, strerror(e));
	return e;
}

/* ---------------- reading ---------------- */

struct scan {
	size_t total;     /* call records seen */
	size_t from, to;  /* pass 2: hand out records [from, to) */
	unsigned missed;
	bool warn;
	history_rec_h *rh;
	void *arg;
};

static void take(struct scan *s, const char *file, unsigned lineno, const char *line, size_t len, bool toolong)
{
	struct history_rec r;

	if (toolong || history_rec_parse(line, len, &r) != 0) {
		/* an empty line (after a record cut short) is nothing to report */
		if (s->warn && (toolong || len))
			log_warn("history: %s:%u: not a history record (%s): skipped", file, lineno,
				 toolong ? "line too long" : "corrupt or cut short");
		return;
	}
	if (r.kind == HISTORY_SEEN) {
		s->missed = 0;
		return;
	}
	if (r.kind == HISTORY_MISSED)
		s->missed++;
	if (s->rh && s->total >= s->from && s->total < s->to)
		s->rh(&r, s->arg);
	s->total++;
}

static int scan_file(struct scan *s, const char *path)
{
	char *line = NULL, buf[8192];
	size_t len = 0, n;
	unsigned lineno = 0;
	bool toolong = false;
	FILE *f;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT ? 0 : errno;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return ENOMEM;
	}
	line = malloc(HISTORY_LINE_MAX);
	if (!line) {
		fclose(f);
		return ENOMEM;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		for (size_t i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				take(s, path, ++lineno, line, len, toolong);
				len = 0;
				toolong = false;
			} else if (len < HISTORY_LINE_MAX) {
				line[len++] = buf[i];
			} else {
				toolong = true;
			}
		}
	}
	if (len || toolong)
		take(s, path, ++lineno, line, len, toolong);
	free(line);
	fclose(f);
	return 0;
}

static int scan_all(struct history *h, struct scan *s)
{
	char old[4096 + 4];
	int e;

	snprintf(old, sizeof(old), "%s.1", h->path);
	if ((e = scan_file(s, old)) != 0 || (e = scan_file(s, h->path)) != 0)
		return e;
	return 0;
}

int history_read(struct history *h, size_t n, history_rec_h *rh, void *arg, unsigned *missed)
{
	struct scan s;
	size_t total;
	int e;

	if (!h)
		return EINVAL;
	if (n > HISTORY_READ_MAX)
		n = HISTORY_READ_MAX;
	memset(&s, 0, sizeof(s));
	s.warn = true;
	if ((e = scan_all(h, &s)) != 0)
		return e;
	total = s.total;
	if (missed)
		*missed = s.missed;
	if (!rh || !n)
		return 0;
	/* again, handing out the last n of what the first pass counted (lines appended since come later) */
	memset(&s, 0, sizeof(s));
	s.from = total > n ? total - n : 0;
	s.to = total;
	s.rh = rh;
	s.arg = arg;
	return scan_all(h, &s);
}
