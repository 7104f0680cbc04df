/* SPDX-License-Identifier: GPL-3.0-or-later */
/* log.h: leveled logging to stderr/file/handler, SIP trace, and redaction of secrets on every path. */
#ifndef SPHONE_LOG_H
#define SPHONE_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOGL_ERROR, LOGL_WARN, LOGL_INFO, LOGL_DEBUG };

/*
 * Sinks: stderr (on by default), a file (log_open_file), and one handler
 * (log_set_handler, e.g. the UI's log pane). Every line reaching any sink
 * has been through log_redact(); there is no unredacted path. Lines in the
 * file and on stderr carry a timestamp and level; the handler gets the bare
 * redacted text, one call per line. Thread-safe (one internal mutex); a
 * handler must not block, and log calls made from inside the handler are
 * dropped. Never log from the real-time audio callback.
 */
typedef void(log_h)(enum log_level lvl, const char *line, void *arg);

/* Messages less severe than lvl are dropped. Default LOGL_INFO. */
void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
bool log_enabled(enum log_level lvl);
/*
 * Appends to path, created 0600; an existing file is set to 0600. Refused: a symbolic link (ELOOP),
 * anything but a regular file (EINVAL), a file of another user (EPERM). While a file is open, stderr
 * is not written.
 */
int log_open_file(const char *path);
/* log_open_file's error in words, to follow the file name ("is a symbolic link: ..."). */
const char *log_file_error(int err);
void log_close_file(void);
/* Turns the stderr sink on/off (the curses UI turns it off). */
void log_set_stderr(bool on);
void log_set_handler(log_h *h, void *arg);

void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_err(...) log_msg(LOGL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOGL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOGL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOGL_DEBUG, __VA_ARGS__)

/* SIP trace: off by default; when on, traces are written whatever the level (handler sees LOGL_DEBUG). */
void log_set_sip_trace(bool on);
bool log_sip_trace_enabled(void);
/*
 * The handler (the full-screen UI's log pane) gets the SIP trace while on, even when
 * log_set_sip_trace is off (then the file and stderr do not). Same redaction. Off by default.
 */
void log_set_handler_sip_trace(bool on);
/* transport e.g. "TLS", peer e.g. "127.0.0.1:5061"; msg need not be NUL-terminated. */
void log_sip_trace(bool outgoing, const char *transport, const char *peer, const char *msg,
		   size_t len);

/*
 * Writes src[0..len) to dst with secrets replaced by "***":
 *  - the key||salt after "inline:" (up to '|', whitespace, ';' or end), so
 *    "inline:KEY|2^20|1:32" becomes "inline:***|2^20|1:32";
 *  - the values of response= and cnonce= (quoted or token);
 *  - the value of any key ending in "pass", "passwd" or "password" followed by
 *    '=' or ':' (quoted: to the closing quote; else to the end of the line);
 *  - every occurrence of each string given to log_add_secret().
 * Names are matched case-insensitively, secrets exactly. Other control bytes
 * than tab, CR and LF (and NUL) become '?'. Always NUL-terminates when
 * dstsz > 0; truncation never exposes a secret's bytes. Returns the length the
 * full result has (like snprintf), so a return >= dstsz means truncated.
 */
size_t log_redact(char *dst, size_t dstsz, const char *src, size_t len);
/* Registers an exact string (e.g. a password) to be masked everywhere. Empty: EINVAL. */
int log_add_secret(const char *s);
/* Forgets (and wipes) all registered secrets. */
void log_clear_secrets(void);

#endif
