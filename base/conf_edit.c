/* SPDX-License-Identifier: GPL-3.0-or-later */
/* conf_edit.c: writes keys back into the user's INI file, every other byte kept, atomically (temp file + rename), only if the file is unchanged since it was read. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "crypto.h"
#include "errbuf.h"

#define EDIT_MAX (1024 * 1024) /* as conf_load's limit */

struct text {
	char *p;
	size_t len, cap;
};

static int put(struct text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		size_t cap = (t->len + n + 1) * 2;
		char *p = realloc(t->p, cap);
		if (!p)
			return ENOMEM;
		t->p = p;
		t->cap = cap;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
	return 0;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* s..e without the blanks around it */
static void trim(const char **s, const char **e)
{
	while (*s < *e && blank(**s))
		(*s)++;
	while (*e > *s && (blank((*e)[-1]) || (*e)[-1] == '\r'))
		(*e)--;
}

/* A section header line: is it [section] (no name)? *header: whether it is a header at all. */
static bool is_section(const char *s, const char *e, const char *section, bool *header)
{
	size_t n = strlen(section);

	trim(&s, &e);
	*header = e - s >= 2 && *s == '[' && e[-1] == ']';
	if (!*header)
		return false;
	s++;
	e--;
	trim(&s, &e);
	return (size_t)(e - s) == n && !memcmp(s, section, n);
}

/* A "key = ..." line for key? */
static bool is_key(const char *s, const char *e, const char *key)
{
	const char *eq;

	trim(&s, &e);
	if (s == e || *s == '#' || *s == ';' || *s == '[')
		return false;
	eq = memchr(s, '=', (size_t)(e - s));
	if (!eq)
		return false;
	e = eq;
	trim(&s, &e);
	return (size_t)(e - s) == strlen(key) && !memcmp(s, key, (size_t)(e - s));
}

static bool is_keyline(const char *s, const char *e)
{
	trim(&s, &e);
	return s < e && *s != '#' && *s != ';' && *s != '[' && memchr(s, '=', (size_t)(e - s));
}

/* "key = value" as conf_load reads it back: quoted when blanks at either end or a leading '"', '#', ';' would be lost */
static int put_kv(struct text *t, const char *key, const char *v, const char *eol)
{
	size_t n = strlen(v);
	bool q = !n || blank(v[0]) || blank(v[n - 1]) || v[0] == '"' || v[0] == '#' || v[0] == ';';
	int r = put(t, key, strlen(key));

	if (!r)
		r = put(t, " = ", 3);
	if (!r && !q)
		r = put(t, v, n);
	for (size_t i = 0; !r && q && i <= n + 1; i++) {
		if (i == 0 || i == n + 1)
			r = put(t, "\"", 1);
		else if (v[i - 1] == '"' || v[i - 1] == '\\')
			r = put(t, "\\", 1) ? ENOMEM : put(t, v + i - 1, 1);
		else
			r = put(t, v + i - 1, 1);
	}
	return r ? r : put(t, eol, strlen(eol));
}

/* Inserts what add holds at position at of t. */
static int put_at(struct text *t, size_t at, const struct text *add)
{
	size_t tail = t->len - at;
	int r = put(t, add->p, add->len); /* room (and the right length) */

	if (r)
		return r;
	memmove(t->p + at + add->len, t->p + at, tail);
	memcpy(t->p + at, add->p, add->len);
	return 0;
}

/* The new text: old with the keys set in [section]. */
static int rewrite(const char *old, size_t len, const char *section, const char *const *keys,
		   const char *const *values, size_t n, struct text *out)
{
	const char *eol = memmem(old, len, "\r\n", 2) ? "\r\n" : "\n";
	const char *s = old, *end = old + len;
	bool in = false, found_sec = false, done[16] = { false };
	size_t ins = 0; /* in out: after the section's header or its last key */
	struct text add = { 0 };
	int r = 0;

	if (n > sizeof(done) / sizeof(done[0]))
		return EINVAL;
	while (s < end && !r) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *le = nl ? nl : end, *next = nl ? nl + 1 : end;
		const char *cs = s == old && len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3) ? s + 3 : s;
		const char *cr = le > s && le[-1] == '\r' ? le - 1 : le; /* the line's end, CR included */
		bool header, replaced = false;

		if (is_section(cs, le, section, &header)) {
			in = found_sec = true;
		} else if (header) {
			in = false;
		} else if (in) {
			for (size_t i = 0; i < n && !replaced; i++) {
				const char *ind = cs;
				if (done[i] || !is_key(cs, le, keys[i]))
					continue;
				/* the line's own indentation and line end stay */
				while (ind < le && blank(*ind))
					ind++;
				r = put(out, s, (size_t)(ind - s));
				if (!r)
					r = put_kv(out, keys[i], values[i], "");
				if (!r)
					r = put(out, cr, (size_t)(next - cr));
				done[i] = replaced = true;
			}
		}
		if (!replaced && !r)
			r = put(out, s, (size_t)(next - s));
		if (in && (is_section(cs, le, section, &header) || is_keyline(cs, le)))
			ins = out->len;
		s = next;
	}
	if (r)
		return r;
	if (!found_sec) {
		/* a new section at the end, a blank line before it */
		if (len && old[len - 1] != '\n')
			r = put(out, eol, strlen(eol));
		if (!r && len)
			r = put(out, eol, strlen(eol));
		if (!r)
			r = put(out, "[", 1);
		if (!r)
			r = put(out, section, strlen(section));
		if (!r)
			r = put(out, "]", 1);
		if (!r)
			r = put(out, eol, strlen(eol));
		for (size_t i = 0; i < n && !r; i++)
			r = put_kv(out, keys[i], values[i], eol);
		return r;
	}
	/* keys the section lacks go after its last key: before the comments that open the next section */
	if (ins && out->p[ins - 1] != '\n')
		r = put(&add, eol, strlen(eol));
	for (size_t i = 0; i < n && !r; i++)
		if (!done[i])
			r = put_kv(&add, keys[i], values[i], eol);
	if (!r && add.len)
		r = put_at(out, ins, &add);
	free(add.p);
	return r;
}

/* The whole file, and its stamp as conf_load would make it. */
static int read_all(int fd, struct text *t, struct conf_stamp *sp)
{
	struct stat st;
	char buf[4096];
	ssize_t k;
	int r = 0;

	if (fstat(fd, &st) < 0)
		return errno;
	if (!S_ISREG(st.st_mode))
		return EINVAL;
	if (st.st_size > EDIT_MAX)
		return EFBIG;
	while (!r && (k = read(fd, buf, sizeof(buf))) != 0) {
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return errno;
		r = put(t, buf, (size_t)k);
	}
	explicit_bzero(buf, sizeof(buf));
	if (r)
		return r;
	memset(sp, 0, sizeof(*sp));
	sp->dev = st.st_dev;
	sp->ino = st.st_ino;
	sp->size = (long long)t->len;
	sp->mtime = st.st_mtim;
	sp->valid = crypto_hash(CRYPTO_SHA256, t->p ? t->p : "", t->len, sp->sum) == 0;
	return 0;
}

static void text_wipe(struct text *t)
{
	if (t->p)
		explicit_bzero(t->p, t->cap);
	free(t->p);
	memset(t, 0, sizeof(*t));
}

int conf_set_keys(const char *path, struct conf_stamp *stamp, const char *section, const char *const *keys,
		  const char *const *values, size_t n, char *err, size_t errsz)
{
	char real[PATH_MAX], tmp[PATH_MAX + 16];
	struct text old = { 0 }, nu = { 0 };
	struct conf_stamp now, after;
	struct stat st;
	int fd = -1, tfd = -1, r;

	if (!path || !stamp || !section || (n && (!keys || !values)))
		return EINVAL;
	for (size_t i = 0; i < n; i++)
		for (const char *c = values[i]; *c; c++)
			if ((unsigned char)*c < 0x20 && *c != '\t') {
				errbuf_set(err, errsz, "%s: the value of %s has a control character: not written",
					   path, keys[i]);
				return EINVAL;
			}
	/* a link stays a link: the file it points to is the one replaced */
	if (!realpath(path, real)) {
		r = errno;
		errbuf_set(err, errsz, "%s: %s", path, strerror(r));
		return r;
	}
	fd = open(real, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = errno;
		errbuf_set(err, errsz, "%s: %s", path, strerror(r));
		goto out;
	}
	if ((r = read_all(fd, &old, &now)) != 0) {
		errbuf_set(err, errsz, "%s: %s", path, strerror(r));
		goto out;
	}
	if (!conf_stamp_same(stamp, &now)) {
		r = ESTALE;
		errbuf_set(err, errsz, "%s changed on disk since sphone read it: not written (restart sphone to "
			   "read it again)", path);
		goto out;
	}
	if ((r = rewrite(old.p ? old.p : "", old.len, section, keys, values, n, &nu)) != 0) {
		errbuf_set(err, errsz, "%s: %s", path, strerror(r));
		goto out;
	}
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", real);
	tfd = mkostemp(tmp, O_CLOEXEC);
	if (tfd < 0) {
		r = errno;
		errbuf_set(err, errsz, "%s: cannot make a file beside it: %s", path, strerror(r));
		goto out;
	}
	/* the same mode (0600 for a file with a password) before a byte goes in */
	if (fchmod(tfd, st.st_mode & 07777) < 0) {
		r = errno;
		goto fail;
	}
	for (size_t done = 0; done < nu.len;) {
		ssize_t k = write(tfd, nu.p + done, nu.len - done);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = errno;
			goto fail;
		}
		done += (size_t)k;
	}
	if (fsync(tfd) < 0) {
		r = errno;
		goto fail;
	}
	/* the last look: a change that came while we wrote wins over ours */
	{
		struct text again = { 0 };
		struct conf_stamp last;
		if (lseek(fd, 0, SEEK_SET) < 0 || read_all(fd, &again, &last) || !conf_stamp_same(stamp, &last)) {
			text_wipe(&again);
			r = ESTALE;
			errbuf_set(err, errsz, "%s changed on disk while sphone wrote it: not written", path);
			goto fail_quiet;
		}
		text_wipe(&again);
	}
	if (rename(tmp, real) < 0) {
		r = errno;
		goto fail;
	}
	tmp[0] = '\0';
	if (lseek(tfd, 0, SEEK_SET) == 0) {
		struct text mine = { 0 };
		if (read_all(tfd, &mine, &after) == 0)
			*stamp = after;
		text_wipe(&mine);
	}
	r = 0;
	goto out;
fail:
	errbuf_set(err, errsz, "%s: writing its new version failed: %s", path, strerror(r));
fail_quiet:
	if (tmp[0])
		unlink(tmp);
out:
	if (tfd >= 0)
		close(tfd);
	if (fd >= 0)
		close(fd);
	text_wipe(&old);
	text_wipe(&nu);
	return r;
}
