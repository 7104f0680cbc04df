/* SPDX-License-Identifier: GPL-3.0-or-later */
/* conf.c: the INI config parser and typed value helpers with messages that say what would be valid. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "crypto.h"
#include "errbuf.h"

#define CONF_MAX_SIZE (1024 * 1024)

static const char *const section_names[] = { "general", "account", "contacts", "audio", "ui" };
#define NSECTIONS (sizeof(section_names) / sizeof(section_names[0]))

struct seen_account {
	const char *name;
	unsigned line;
};

struct parser {
	const char *file;
	char *err;
	size_t errsz;
	int first_err;       /* the first error's code: what conf_parse returns */
	bool skip;           /* the section header was refused: its keys are not handed on */
	unsigned line;
	int have_section;
	enum conf_section type;
	const char *name;
	unsigned single_line[NSECTIONS]; /* line of [general] etc., 0 = not seen */
	struct seen_account *acc;
	size_t nacc, capacc;
};

static void vadd_error(char *err, size_t errsz, const char *fmt, va_list ap)
{
	size_t used;
	int n;

	if (!err || !errsz)
		return;
	used = strnlen(err, errsz - 1);
	if (used == 0) { /* the first message, truncated if need be */
		vsnprintf(err, errsz, fmt, ap);
		return;
	}
	if (used + 1 >= errsz - 1)
		return;
	err[used] = '\n';
	n = vsnprintf(err + used + 1, errsz - used - 1, fmt, ap);
	if (n < 0 || (size_t)n >= errsz - used - 1)
		err[used] = '\0'; /* a later message that does not fit is left out whole */
}

void conf_add_error(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vadd_error(err, errsz, fmt, ap);
	va_end(ap);
}

/* Records an error with code r (the first one is returned in the end). */
static int note(struct parser *p, int r)
{
	if (!p->first_err)
		p->first_err = r;
	return r;
}

/* A syntax error at the current line. */
static int perr(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(struct parser *p, const char *fmt, ...)
{
	char m[CONF_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	conf_add_error(p->err, p->errsz, "%s:%u: %s", p->file, p->line, m);
	return note(p, EBADMSG);
}

/* Calls the handler; its error goes to the list as FILE:LINE: message. */
static int handle(struct parser *p, conf_h *h, void *arg, struct conf_item *it)
{
	char m[CONF_MSG_MAX] = "";
	int r;

	it->msg = m;
	it->msgsz = sizeof(m);
	r = h(it, arg);
	if (r) {
		conf_add_error(p->err, p->errsz, "%s:%u: %s", p->file, p->line, m[0] ? m : strerror(r));
		note(p, r);
	}
	return r;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static char *trim(char *s, char **end)
{
	char *e = *end;

	while (s < e && is_blank(*s))
		s++;
	while (e > s && is_blank(e[-1]))
		e--;
	*end = e;
	return s;
}

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '.' || c == '-' || c == '@' || c == '+';
}

static int section(struct parser *p, char *s, char *e, conf_h *h, void *arg)
{
	char *type, *tend, *name;
	size_t t;

	/* s points after '[', e at the end of the trimmed line */
	if (e <= s || e[-1] != ']')
		return perr(p, "section header must end with ']'");
	e--;
	s = trim(s, &e);
	for (tend = s; tend < e && !is_blank(*tend); tend++)
		;
	type = s;
	name = tend;
	name = trim(name, &e);
	*tend = '\0';
	*e = '\0';
	for (t = 0; t < NSECTIONS; t++)
		if (strcmp(type, section_names[t]) == 0)
			break;
	if (t == NSECTIONS) {
		const char *near = conf_nearest(type, section_names, NSECTIONS);

		return perr(p, "unknown section [%.40s]%s%s%s; expected [general], [account NAME], [contacts], "
			       "[audio] or [ui]",
			    type, near ? " (did you mean [" : "", near ? near : "",
			    near ? (strcmp(near, "account") == 0 ? " NAME]?)" : "]?)") : "");
	}
	if (t == CONF_ACCOUNT) {
		if (!*name)
			return perr(p, "section [account] needs a name: [account NAME]");
		for (const char *c = name; *c; c++)
			if (!name_char(*c))
				return perr(p, "invalid account name '%.40s': use letters, digits and _ . - @ +",
					    name);
		for (size_t i = 0; i < p->nacc; i++)
			if (strcmp(p->acc[i].name, name) == 0)
				return perr(p, "duplicate section [account %s] (first at line %u)", name,
					    p->acc[i].line);
		if (p->nacc == p->capacc) {
			size_t ncap = p->capacc ? p->capacc * 2 : 8;
			struct seen_account *na = realloc(p->acc, ncap * sizeof(*na));

			if (!na)
				return note(p, ENOMEM);
			p->acc = na;
			p->capacc = ncap;
		}
		p->acc[p->nacc].name = name;
		p->acc[p->nacc++].line = p->line;
	} else {
		if (*name)
			return perr(p, "section [%s] takes no name", section_names[t]);
		if (p->single_line[t])
			return perr(p, "duplicate section [%s] (first at line %u)", section_names[t],
				    p->single_line[t]);
		p->single_line[t] = p->line;
	}
	p->have_section = 1;
	p->type = (enum conf_section)t;
	p->name = name;
	if (h) {
		struct conf_item it = { p->type, section_names[t], name, NULL, NULL, p->file, p->line, NULL, 0 };

		return handle(p, h, arg, &it);
	}
	return 0;
}

/* Unquotes in place: s points at the opening quote, e at the end of the trimmed line. */
static int unquote(struct parser *p, char *s, char *e, char **out)
{
	char *r = s + 1, *w = s;

	while (r < e && *r != '"') {
		if (*r == '\\') {
			if (r + 1 >= e)
				break;
			if (r[1] != '"' && r[1] != '\\')
				return perr(p, "unknown escape '\\%c' in quoted value (only \\\" and \\\\ are allowed)",
					    r[1]);
			r++;
		}
		*w++ = *r++;
	}
	if (r >= e)
		return perr(p, "unterminated quoted value (missing closing \")");
	r++;
	while (r < e && is_blank(*r))
		r++;
	if (r < e)
		return perr(p, "unexpected text after the closing quote");
	*w = '\0';
	*out = s;
	return 0;
}

static int keyvalue(struct parser *p, char *s, char *e, conf_h *h, void *arg)
{
	char *eq = memchr(s, '=', (size_t)(e - s));
	char *key, *kend, *val, *vend = e;
	int err;

	if (!eq)
		return perr(p, "expected 'key = value', '[section]' or a comment");
	kend = eq;
	key = trim(s, &kend);
	if (key == kend)
		return perr(p, "missing key before '='");
	for (char *c = key; c < kend; c++)
		if (*c == '"' || *c == '[' || *c == ']')
			return perr(p, "invalid character '%c' in key", *c);
	if (!p->have_section && !p->skip)
		return perr(p, "key '%.*s' outside of a section; put it under [general], [account NAME], ...",
			    (int)(kend - key > 40 ? 40 : kend - key), key);
	*kend = '\0';
	val = trim(eq + 1, &vend);
	if (val < vend && *val == '"') {
		err = unquote(p, val, vend, &val);
		if (err)
			return err;
	} else {
		*vend = '\0';
	}
	if (h && !p->skip) {
		struct conf_item it = { p->type, section_names[p->type], p->name, key, val, p->file, p->line, NULL,
					0 };

		err = handle(p, h, arg, &it);
		explicit_bzero(val, strlen(val));
		return err;
	}
	explicit_bzero(val, strlen(val));
	return 0;
}

/* A line with a control character in it: nothing else on it is looked at. */
static bool control_char(struct parser *p, const char *s, const char *e)
{
	for (const char *c = s; c < e; c++)
		if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f) {
			perr(p, "control character (byte 0x%02x) in line", (unsigned char)*c);
			return true;
		}
	return false;
}

/*
 * Parses buf[0..len) in place; buf[len] must be writable. Every line is read whatever went wrong
 * before it, so one run reports all the errors; only running out of memory stops it early.
 */
static int parse(const char *file, char *buf, size_t len, conf_h *h, void *arg, char *err, size_t errsz)
{
	struct parser p = { .file = file ? file : "(config)", .err = err, .errsz = errsz };
	char *s = buf, *end = buf + len;
	int r;

	if (err && errsz)
		err[0] = '\0';
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	while (s < end) {
		char *nl = memchr(s, '\n', (size_t)(end - s));
		char *e = nl ? nl : end, *next = nl ? nl + 1 : end;

		p.line++;
		if (e > s && e[-1] == '\r')
			e--;
		if (control_char(&p, s, e)) {
			s = next;
			continue;
		}
		s = trim(s, &e);
		r = 0;
		if (s == e || *s == '#' || *s == ';')
			;
		else if (*s == '[') {
			r = section(&p, s + 1, e, h, arg);
			p.skip = r != 0;
		} else
			r = keyvalue(&p, s, e, h, arg);
		if (r == ENOMEM)
			break;
		s = next;
	}
	free(p.acc);
	return p.first_err;
}

int conf_parse(const char *file, const char *text, size_t len, conf_h *h, void *arg, char *err, size_t errsz)
{
	char *buf;
	int r;

	if (!text && len)
		return EINVAL;
	buf = malloc(len + 1);
	if (!buf)
		return ENOMEM;
	if (len)
		memcpy(buf, text, len);
	buf[len] = '\0';
	r = parse(file, buf, len, h, arg, err, errsz);
	explicit_bzero(buf, len + 1);
	free(buf);
	return r;
}

/* ---- who may change the file ---- */

/*
 * A configuration can run a command (password_cmd) and turn certificate checks off, so whoever can
 * change the file, or put another file in its place, runs code as this user and can listen to the
 * calls. The file and every directory above it must belong to the user or to root (root can replace
 * sphone itself anyway) and must not be writable by other users.
 */
#define CONF_WHY "a configuration can run a command (password_cmd) and turn certificate checks off"

static void user_name(uid_t uid, char *out, size_t outsz)
{
	struct passwd pw, *pwp = NULL;
	char buf[4096];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &pwp) == 0 && pwp)
		snprintf(out, outsz, "%s (uid %u)", pwp->pw_name, (unsigned)uid);
	else
		snprintf(out, outsz, "uid %u", (unsigned)uid);
}

/*
 * Group write is harmless when the group is the owner's own private group (the user-private-group
 * scheme with umask 002: group "bob", gid = bob's primary gid, no other members), as Debian's OpenSSH
 * also accepts.
 */
static bool private_group(gid_t gid, uid_t owner, char *gname, size_t gnamesz)
{
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	char pbuf[4096], gbuf[8192];

	snprintf(gname, gnamesz, "gid %u", (unsigned)gid);
	if (getgrgid_r(gid, &gr, gbuf, sizeof(gbuf), &grp) != 0 || !grp)
		return false;
	snprintf(gname, gnamesz, "%s", grp->gr_name);
	if (getpwuid_r(owner, &pw, pbuf, sizeof(pbuf), &pwp) != 0 || !pwp)
		return false;
	if (pwp->pw_gid != gid || strcmp(grp->gr_name, pwp->pw_name) != 0)
		return false;
	for (char **m = grp->gr_mem; m && *m; m++)
		if (strcmp(*m, pwp->pw_name) != 0)
			return false;
	return true;
}

/* dir is NULL for the file itself, else a directory above it; st is what was found there. */
static int check_owner_mode(const char *file, const char *dir, const struct stat *st, char *err, size_t errsz)
{
	bool sticky = dir && (st->st_mode & S_ISVTX); /* others cannot rename or remove our entries there */
	char who[300], me[300], grp[300], place[PATH_MAX + 40] = "it";
	const char *fix = dir ? dir : file, *swap = dir ? ", so the file can be swapped for another," : ",";
	uid_t euid = geteuid();

	if (dir)
		snprintf(place, sizeof(place), "the directory %s above it", dir);
	if (st->st_uid != euid && st->st_uid != 0) {
		user_name(st->st_uid, who, sizeof(who));
		user_name(euid, me, sizeof(me));
		if (euid != 0)
			strncat(me, ", who runs sphone, or to root", sizeof(me) - strlen(me) - 1);
		else
			snprintf(me, sizeof(me), "root, who runs sphone");
		errbuf_set(err, errsz,
		     "%s: refused: %s belongs to %s, not to %s%s and " CONF_WHY
		     "; fix: %s", file, place, who, me, swap,
		     dir ? "keep the configuration in a directory of your own" :
			   "copy it to a file of your own (or chown it)");
		return EPERM;
	}
	if ((st->st_mode & S_IWOTH) && !sticky) {
		errbuf_set(err, errsz, "%s: refused: others can write to %s (mode %04o)%s and " CONF_WHY "; fix: chmod go-w %s",
		     file, place, (unsigned)(st->st_mode & 07777), swap, fix);
		return EPERM;
	}
	if ((st->st_mode & S_IWGRP) && !sticky && !private_group(st->st_gid, st->st_uid, grp, sizeof(grp))) {
		errbuf_set(err, errsz,
		     "%s: refused: group '%s' can write to %s (mode %04o)%s and " CONF_WHY "; fix: chmod go-w %s", file,
		     grp, place, (unsigned)(st->st_mode & 07777), swap, fix);
		return EPERM;
	}
	return 0;
}

/* Every directory from real (absolute, resolved; cut in place) up to "/". */
static int check_dirs(const char *file, char *real, char *err, size_t errsz)
{
	struct stat st;
	int r;

	for (;;) {
		char *slash;

		if (stat(real, &st) < 0) {
			r = errno;
			errbuf_set(err, errsz, "%s: %s", real, strerror(r));
			return r;
		}
		if ((r = check_owner_mode(file, real, &st, err, errsz)) != 0)
			return r;
		slash = strrchr(real, '/');
		if (!slash || slash == real) {
			if (!slash || !real[1])
				return 0;
			real[1] = '\0'; /* "/x" -> "/" */
			continue;
		}
		*slash = '\0';
	}
}

/*
 * The directories that hold the file the name leads to and, when the name is a symbolic link, the
 * directories that hold the link (whoever may write there can point it elsewhere).
 */
static int check_path(const char *path, char *err, size_t errsz)
{
	char *real = NULL, *named = NULL, *slash;
	int r = 0;

	real = realpath(path, NULL);
	named = strdup(path);
	if (!real || !named) {
		r = real ? ENOMEM : errno;
		errbuf_set(err, errsz, "%s: %s", path, strerror(r));
		goto out;
	}
	slash = strrchr(real, '/');
	if (slash)
		*(slash == real ? slash + 1 : slash) = '\0';
	if ((r = check_dirs(path, real, err, errsz)) != 0)
		goto out;
	free(real);
	slash = strrchr(named, '/');
	if (slash)
		*(slash == named ? slash + 1 : slash) = '\0';
	real = realpath(slash ? named : ".", NULL);
	if (!real) {
		r = errno;
		errbuf_set(err, errsz, "%s: %s", path, strerror(r));
		goto out;
	}
	r = check_dirs(path, real, err, errsz);
out:
	free(real);
	free(named);
	return r;
}

static void stamp_of(struct conf_stamp *sp, const struct stat *st, const char *buf, size_t len)
{
	memset(sp, 0, sizeof(*sp));
	sp->dev = st->st_dev;
	sp->ino = st->st_ino;
	sp->size = (long long)len;
	sp->mtime = st->st_mtim;
	sp->valid = crypto_hash(CRYPTO_SHA256, buf, len, sp->sum) == 0;
}

bool conf_stamp_same(const struct conf_stamp *a, const struct conf_stamp *b)
{
	return a->valid && b->valid && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       !memcmp(a->sum, b->sum, sizeof(a->sum));
}

int conf_load(const char *path, conf_h *h, void *arg, char *err, size_t errsz)
{
	return conf_load_stamped(path, h, arg, err, errsz, NULL);
}

int conf_load_stamped(const char *path, conf_h *h, void *arg, char *err, size_t errsz, struct conf_stamp *stamp)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, r = 0;

	if (!path)
		return EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = errno;
		errbuf_set(err, errsz, "%s: %s", path, strerror(r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = errno;
		errbuf_set(err, errsz, "%s: %s", path, strerror(r));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = EINVAL;
		errbuf_set(err, errsz, "%s: not a regular file", path);
		goto out;
	}
	if ((r = check_owner_mode(path, NULL, &st, err, errsz)) != 0 || (r = check_path(path, err, errsz)) != 0)
		goto out;
	if (st.st_size > CONF_MAX_SIZE) {
		r = EFBIG;
		errbuf_set(err, errsz, "%s: file larger than %d bytes", path, CONF_MAX_SIZE);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		r = ENOMEM;
		errbuf_set(err, errsz, "%s: %s", path, strerror(r));
		goto out;
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = errno;
			errbuf_set(err, errsz, "%s: %s", path, strerror(r));
			goto out;
		}
		if (n == 0)
			break; /* shrank while reading: parse what is there */
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (stamp)
		stamp_of(stamp, &st, buf, len);
	r = parse(path, buf, len, h, arg, err, errsz);
out:
	if (buf) {
		explicit_bzero(buf, (size_t)st.st_size + 1);
		free(buf);
	}
	close(fd);
	return r;
}

/* ---- typed values ---- */

static const char *keyname(const struct conf_item *it)
{
	return it->key ? it->key : "value";
}

int conf_bool(const struct conf_item *it, bool *v, char *err, size_t errsz)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	const char *s = it && it->value ? it->value : "";

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*v = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*v = false;
			return 0;
		}
	}
	errbuf_set(err, errsz, "%s: expected yes/no, true/false, on/off or 1/0, got '%.40s'", keyname(it), s);
	return EINVAL;
}

int conf_uint(const struct conf_item *it, unsigned min, unsigned max, unsigned *v, char *err, size_t errsz)
{
	const char *s = it && it->value ? it->value : "";
	unsigned long long x = 0;
	const char *c = s;

	if (!*c)
		goto bad;
	for (; *c; c++) {
		if (*c < '0' || *c > '9')
			goto bad;
		x = x * 10 + (unsigned)(*c - '0');
		if (x > UINT32_MAX * 10ULL)
			goto bad; /* keeps x from overflowing; certainly out of range */
	}
	if (x < min || x > max)
		goto bad;
	*v = (unsigned)x;
	return 0;
bad:
	errbuf_set(err, errsz, "%s: expected a whole number from %u to %u, got '%.40s'", keyname(it), min, max, s);
	return EINVAL;
}

static void list(char *dst, size_t dstsz, const char *const *items)
{
	size_t n = 0;

	dst[0] = '\0';
	for (size_t i = 0; items && items[i]; i++) {
		int r = snprintf(dst + n, dstsz - n, "%s%s", i ? ", " : "", items[i]);

		if (r < 0 || (size_t)r >= dstsz - n)
			break;
		n += (size_t)r;
	}
}

/* Optimal string alignment distance, case-insensitive; anything over 63 characters counts as far. */
static unsigned distance(const char *a, const char *b)
{
	unsigned d[64][64];
	size_t la = strlen(a), lb = strlen(b), i, j;

	if (la >= 64 || lb >= 64)
		return UINT32_MAX;
	for (i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			unsigned cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			unsigned v = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]) && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1; /* two letters swapped */
			d[i][j] = v;
		}
	return d[la][lb];
}

const char *conf_nearest(const char *s, const char *const *choices, size_t n)
{
	const char *best = NULL;
	unsigned bd = UINT32_MAX;

	for (size_t i = 0; s && choices && i < n && choices[i]; i++) {
		unsigned d = distance(s, choices[i]);
		size_t longer = strlen(s) > strlen(choices[i]) ? strlen(s) : strlen(choices[i]);

		/* a typo, not another word: at most two edits, and at most a third of the word */
		if (d < bd && d <= 2 && 3 * d <= longer) {
			bd = d;
			best = choices[i];
		}
	}
	return best;
}

int conf_enum(const struct conf_item *it, const char *const *choices, int *idx, char *err, size_t errsz)
{
	const char *s = it && it->value ? it->value : "";
	const char *near;
	char l[CONF_MSG_MAX / 2];

	for (int i = 0; choices && choices[i]; i++) {
		if (strcasecmp(s, choices[i]) == 0) {
			*idx = i;
			return 0;
		}
	}
	list(l, sizeof(l), choices);
	near = conf_nearest(s, choices, SIZE_MAX);
	errbuf_set(err, errsz, "%s: expected one of: %s; got '%.40s'%s%s%s", keyname(it), l, s,
	     near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
	return EINVAL;
}

int conf_unknown_key(const struct conf_item *it, const char *const *valid, char *err, size_t errsz)
{
	const char *near = conf_nearest(keyname(it), valid, SIZE_MAX);
	char l[CONF_MSG_MAX / 2], dym[80] = "";

	list(l, sizeof(l), valid);
	if (near)
		snprintf(dym, sizeof(dym), "; did you mean '%s'?", near);
	if (it && it->name && *it->name)
		errbuf_set(err, errsz, "unknown key '%.40s' in [%s %s]%s valid keys: %s", keyname(it), it->section,
		     it->name, near ? dym : ";", l);
	else
		errbuf_set(err, errsz, "unknown key '%.40s' in [%s]%s valid keys: %s", keyname(it),
		     it ? it->section : "?", near ? dym : ";", l);
	return EINVAL;
}

bool conf_file_is_private(const char *path)
{
	struct stat st;

	if (!path || stat(path, &st) < 0)
		return false;
	return !(st.st_mode & (S_IRGRP | S_IROTH));
}
