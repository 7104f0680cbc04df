/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ui_headless.h: line-mode front end: commands on stdin, events as JSON lines on stdout. */
#ifndef SPHONE_UI_HEADLESS_H
#define SPHONE_UI_HEADLESS_H

struct account_conf;
struct ua_call_opts;

/*
 * Runs until "quit", EOF on stdin, SIGINT or SIGTERM; each of these
 * un-REGISTERs first. Registers the accounts with register = yes at start.
 * account limits it to one account (NULL: all). Returns the process exit
 * status: 0 after a clean quit, 1 when the user agent could not start.
 * co: call options (audio files or device, auto-answer, hang-up timer); NULL: defaults.
 */
int ui_headless_run(struct account_conf *conf, const char *account, const struct ua_call_opts *co);

#endif
