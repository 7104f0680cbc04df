/* SPDX-License-Identifier: GPL-3.0-or-later */
/* conf.h: INI config file parser (sections, key = value, quoting) with FILE:LINE error messages. */
#ifndef SPHONE_CONF_H
#define SPHONE_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define CONF_MSG_MAX 1024

enum conf_section { CONF_GENERAL, CONF_ACCOUNT, CONF_CONTACTS, CONF_AUDIO, CONF_UI };

struct conf_item {
	enum conf_section type;
	const char *section; /* "general", "account", ... */
	const char *name;    /* the NAME of [account NAME]; "" for other sections */
	const char *key;     /* NULL for the call made at a section header */
	const char *value;   /* unquoted and unescaped; NULL at a section header */
	const char *file;
	unsigned line;
	/* Where a handler writes its error message (no FILE:LINE prefix: conf_load adds it); CONF_MSG_MAX bytes. */
	char *msg;
	size_t msgsz;
};

/*
 * Called once at each section header (key and value NULL, so empty sections
 * are seen) and once per key. All strings are valid only during the call:
 * copy what you keep. Return 0, or an errno after writing a message to
 * it->msg (the conf_* helpers below do that when passed it->msg, it->msgsz).
 */
typedef int(conf_h)(const struct conf_item *it, void *arg);

/*
 * Parses path: sections [general] [account NAME] [contacts] [audio] [ui]
 * (each at most once); "key = value" lines; lines starting with '#' or ';'
 * are comments; a value may be double-quoted (escapes \" and \\) to keep
 * leading/trailing spaces or a leading '#'. A UTF-8 BOM and CRLF line ends
 * are accepted. Reads on after an error, so that every error in the file is
 * reported: each as "FILE:LINE: message" (or "FILE: message"), one per line
 * of err (a later one that does not fit is left out). The keys of a section
 * whose header was refused are not handed to h. Returns 0; the first error's
 * code: EBADMSG for syntax, the handler's error; or an errno for I/O (ENOENT,
 * EACCES, EFBIG > 1 MiB). EPERM, before anything is parsed, when another
 * user could change the file or swap it: the file, or a directory above it
 * (the link's and the file's when path is a symbolic link), belongs to
 * someone other than the user or root, or others (or a group that is not the
 * owner's own private group) can write to it; a sticky directory such as
 * /tmp is fine. The message names the file, what is wrong and the fix
 * ("chmod go-w FILE"). The file's text is wiped from memory afterwards (it
 * may hold passwords).
 */
int conf_load(const char *path, conf_h *h, void *arg, char *err, size_t errsz);

/*
 * What a loaded file was: to write it back only if nobody changed it since (conf_set_keys). The
 * digest is of the whole text; the text itself is not kept (it may hold passwords).
 */
struct conf_stamp {
	bool valid;
	unsigned long long dev, ino;
	long long size;
	struct timespec mtime;
	unsigned char sum[32]; /* SHA-256 */
};
/* conf_load, and stamp (may be NULL) describes the file as it was read. */
int conf_load_stamped(const char *path, conf_h *h, void *arg, char *err, size_t errsz, struct conf_stamp *stamp);
bool conf_stamp_same(const struct conf_stamp *a, const struct conf_stamp *b);
/*
 * Sets n keys of [section] in the file path, which must still be what stamp describes (else
 * ESTALE, and nothing is written): a key's first line in that section becomes "key = value" (quoted
 * when the value needs it), a key not there goes after the section's last key, a section not there
 * is added at the end. Every other byte of the file stays as it was (comments, blank lines, order,
 * other keys, CRLF line ends). Written to a new file in the same directory with the same mode, synced,
 * then renamed over the old one (a symbolic link: over the file it points to), so that a crash leaves
 * the old file or the new one, never half of one. stamp is updated to the new file. 0, or an errno with
 * the reason in err (a value with a line break: EINVAL).
 */
int conf_set_keys(const char *path, struct conf_stamp *stamp, const char *section, const char *const *keys,
		  const char *const *values, size_t n, char *err, size_t errsz);

/* Same, for text already in memory (file is used in messages only). */
int conf_parse(const char *file, const char *text, size_t len, conf_h *h, void *arg, char *err,
	       size_t errsz);

/* Typed values. On a bad value: EINVAL, *v untouched, and err gets e.g.
 * "srtp_required: expected yes/no, true/false, on/off or 1/0, got 'maybe'". */
int conf_bool(const struct conf_item *it, bool *v, char *err, size_t errsz);
int conf_uint(const struct conf_item *it, unsigned min, unsigned max, unsigned *v, char *err,
	      size_t errsz);
/* choices: NULL-terminated, matched case-insensitively; "expected one of: a, b, c". */
int conf_enum(const struct conf_item *it, const char *const *choices, int *idx, char *err,
	      size_t errsz);
/*
 * For handlers: message "unknown key 'k' in [account x]; valid keys: a, b, c" (every one of them), with
 * "did you mean 'key'?" before the list when k is a near miss of one. Returns EINVAL.
 */
int conf_unknown_key(const struct conf_item *it, const char *const *valid, char *err, size_t errsz);
/* The choice s is a typo of (case-insensitive, at most two edits), or NULL; choices end at n or NULL. */
const char *conf_nearest(const char *s, const char *const *choices, size_t n);
/* Appends "message" to an error list as conf_load writes it (a newline before it unless err is empty). */
void conf_add_error(char *err, size_t errsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* false if the file's group or others may read it (or it cannot be stat'ed): warn about passwords. */
bool conf_file_is_private(const char *path);

#endif
