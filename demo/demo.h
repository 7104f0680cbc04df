/* SPDX-License-Identifier: GPL-3.0-or-later */
/* demo.h: `sphone --demo`: a throwaway CA, a local answering peer, and one echo call through it. */
#ifndef SPHONE_DEMO_H
#define SPHONE_DEMO_H

#include <stdbool.h>

struct account_conf;
struct loop;
struct ua_call_opts;

/*
 * What the demo asks a full-screen front end to run (demo/ does not know the
 * UI: the caller passes it in, so the layers point one way, ui/ -> demo/).
 */
struct demo_ui {
	struct account_conf *conf;                      /* the demo's account */
	struct loop *loop;                              /* the demo peer runs on it too */
	const char *dial;                               /* dial this once registered */
	const char *note;                               /* one line for the message pane */
	const struct ua_call_opts *call_opts;
	const struct ua_call_opts *call_opts_fallback;  /* when call_opts fails (no sound card); may be NULL */
};
/* Runs the front end until the user quits; returns the process exit status. */
typedef int(demo_ui_h)(const struct demo_ui *du, void *arg);

struct demo_opts {
	bool headless;          /* no UI: JSON lines on stdout, verdict as the exit status */
	bool portaudio;         /* UI mode: use the sound card (else file audio) */
	const char *audio_device;
	const char *audio_in;   /* UI mode without portaudio: WAV to send (default: a test signal) */
	const char *audio_out;  /* UI mode without portaudio: WAV to record (default: in the temp dir) */
	unsigned seconds;       /* headless: how long the echo call lasts; 0 = 5 */
	bool keep;              /* keep the temporary directory (its path is printed) */
	demo_ui_h *ui;          /* UI mode: the front end (needed unless headless) */
	void *ui_arg;
};

/*
 * Runs the demo. Makes a private temporary directory (certificates, config,
 * WAV files), starts the demo peer on 127.0.0.1, registers to it and calls
 * sips:echo@localhost. Headless: exits 0 only if registration was over
 * verified TLS, the call was SRTP both ways with no plaintext packets and no
 * authentication failures, and the audio that came back matches what was
 * sent; the verify report and a "demo" verdict event are printed. Returns
 * the process exit status. Not headless, it runs o->ui on the demo's account
 * and loop instead, and returns what that returns.
 */
int demo_run(const struct demo_opts *o);

#endif
