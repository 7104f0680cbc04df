/* SPDX-License-Identifier: GPL-3.0-or-later */
/* history.h: the call history: one JSON line per call in $XDG_STATE_HOME/sphone/history, rotated, read back bounded. */
#ifndef SPHONE_HISTORY_H
#define SPHONE_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Size at which the file is rotated (renamed to history.1, replacing the one before): at most twice this on disk. */
#define HISTORY_MAX_BYTES (256 * 1024)
/* A line longer than this is not a record of ours: skipped. */
#define HISTORY_LINE_MAX 4096
/* Most records one read hands back. */
#define HISTORY_READ_MAX 1000

enum history_kind {
	HISTORY_PLACED,   /* we called (answered or not: see answered, status) */
	HISTORY_RECEIVED, /* they called and we answered */
	HISTORY_MISSED,   /* they called, it rang, nobody answered here (they gave up, or it timed out) */
	HISTORY_REJECTED, /* they called and we declined, or it could not be taken (e.g. no acceptable media) */
	HISTORY_SEEN,     /* not a call: the user looked at the history; missed calls before it are not new */
};

/*
 * One call. Strings are NUL-terminated; text a stranger wrote (name, reason, and the peer URI) is
 * text_clean'ed before it is stored and again when it is read back (the file may have been edited).
 */
struct history_rec {
	enum history_kind kind;
	int64_t start;          /* Unix time the call began (INVITE sent or received) */
	unsigned duration;      /* seconds from the answer to the end; 0 if never answered */
	bool answered;
	char account[64];
	char peer[256];         /* the far end's URI */
	char name[128];         /* its display name, "" if none */
	char tls[16];           /* the signalling's TLS version ("TLSv1.3"), "" when not TLS (or not known) */
	bool tls_verified;      /* the certificate of the TLS hop was verified */
	char srtp[40];          /* the SRTP suite that protected the media, "plain" (RTP), "" (no media) */
	char sas_method[80];    /* how the short authentication string was made, "" if none */
	unsigned status;        /* the SIP status that ended it (200: hung up after an answer) */
	char reason[128];       /* why it ended, in words */
};

const char *history_kind_name(enum history_kind k);

/*
 * One record as one line of JSON, with its '\n' (every field, "v":1 first, strings escaped).
 * 0 or ENOSPC; *len (may be NULL) the length.
 */
int history_rec_format(const struct history_rec *r, char *buf, size_t sz, size_t *len);
/*
 * One line (without its '\n') back into r: a JSON object of strings, integers and booleans with
 * "v":1 and a known "kind"; fields it does not know are ignored (a later version's). EBADMSG for
 * anything else (r is then unspecified).
 */
int history_rec_parse(const char *line, size_t len, struct history_rec *r);

/* $XDG_STATE_HOME/sphone/history, else $HOME/.local/state/sphone/history. ENOENT without HOME, ENAMETOOLONG. */
int history_default_path(char *buf, size_t sz);

struct history;
/*
 * The history kept at path (NULL: history_default_path). Nothing is touched until the first write.
 * max_bytes 0: HISTORY_MAX_BYTES. 0, EINVAL, ENOMEM, or history_default_path's error.
 */
int history_alloc(struct history **hp, const char *path, size_t max_bytes);
void history_free(struct history *h);
const char *history_path(const struct history *h);

/*
 * Appends r as one write() on a descriptor opened O_APPEND, so several sphone processes may append at
 * once without mixing lines. Creates the directories (0700) and the file (0600); the file's directory
 * is set to 0700 and the file to 0600 if they were wider. Refused: a symbolic link (ELOOP), anything
 * but a regular file, or a file or directory of another user (EPERM). After a line that a crash cut
 * short, the record starts on a line of its own. Past max_bytes the file becomes history.1 (the one
 * before is dropped), under flock so that two processes do not both rotate. 0 or an errno.
 */
int history_append(struct history *h, const struct history_rec *r);

typedef void(history_rec_h)(const struct history_rec *r, void *arg);
/*
 * The last n call records (at most HISTORY_READ_MAX; seen marks are not handed out) of history.1 and
 * history, oldest first, each through h. A line that is not a record (corrupt, cut short, too long)
 * is skipped with a warning in the log naming FILE:LINE; the rest is read. *missed (may be NULL): the
 * missed calls since the last seen mark. 0 (also when there is no file yet) or an errno.
 */
int history_read(struct history *h, size_t n, history_rec_h *rh, void *arg, unsigned *missed);

#endif
