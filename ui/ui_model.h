/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ui_model.h: the full-screen UI's view state (calls, accounts, verify report, messages) kept from the UA's events. */
#ifndef SPHONE_UI_MODEL_H
#define SPHONE_UI_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ui_devices.h"
#include "ui_history.h"

struct event;

#define UI_MAX_CALLS 8
#define UI_MAX_ACCS 8
#define UI_MSG_LINES 200
#define UI_LOG_LINES 400
#define UI_LINE_LEN 512
#define UI_VERIFY_LINES 64
#define UI_VERIFY_LABEL 14 /* the verify view's label column: the longest label ("Jitter buffer") and a blank */
#define UI_MIN_COLS 40     /* below this size the UI only says the terminal is too small */
#define UI_MIN_ROWS 10
#define UI_ENDED_LINGER_MS 4000 /* an ended call stays in the list this long */

/* The last cap lines of text (cap <= UI_LOG_LINES), oldest first; gone: how many went (for scrolled panes). */
struct ui_ring {
	char line[UI_LOG_LINES][UI_LINE_LEN];
	size_t head, n, cap;
	uint64_t gone;
};

void ui_ring_add(struct ui_ring *r, const char *s);
/* Line i counted from the oldest kept (i < r->n). */
const char *ui_ring_at(const struct ui_ring *r, size_t i);

/* One line of the call list, as the events told it (not src/call.c's call). */
struct ui_call {
	bool used;
	char id[32];
	char remote[256];
	char state[32];
	char codec[16];
	char suite_tx[48], suite_rx[48];
	char reason[128];
	bool incoming, established, encrypted, hold, remote_hold, ended, muted;
	bool sas_pending;  /* ZRTP agreed keys and its SAS awaits the user's V or X (not confirmed, not known) */
	bool xfer_ask;     /* the far end asks to transfer this call: T takes it, R refuses (accept_transfer = ask) */
	uint64_t t_created, t_est, t_ended;
	int mic, spk;      /* 0..100, -1 unknown */
	long jb_ms;        /* -1 unknown */
	long loss_pm;      /* packet loss, per mille; -1 unknown */
};

/* One account in the status bar and the verify view (not src/ua.c's account). */
struct ui_acc {
	char name[64];
	char uri[256];
	char state[32];
	char transport[8];
	char tls_version[16];
	char cipher[64];
	char reason[192];
	bool have_tls, verified, known;
	long expires;
};

/* One line of the verify view: a label and its text, wrapped to the terminal's width when drawn. */
struct ui_vline {
	char label[48];  /* "" under the line before (a continuation) */
	char text[UI_LINE_LEN];
	bool bad;        /* an alarm: something NOT protected, NOT verified, a warning */
	bool para;       /* prose across the whole width, no label column */
};

/* What the banner line says; the front end picks the colour and glyph. */
enum ui_banner { UI_BANNER_CALL, UI_BANNER_WARN, UI_BANNER_BAD };

/* Moments the front end acts on (the model itself only keeps state). */
enum ui_model_note {
	UI_NOTE_RING,        /* a call is coming in: ring the bell if the user wants it */
	UI_NOTE_REGISTERED,  /* an account is registered: a dial given at start may go */
	UI_NOTE_ESTABLISHED, /* a call is established */
};
typedef void(ui_model_note_h)(enum ui_model_note n, void *arg);

struct ui_model {
	struct ui_acc acc[UI_MAX_ACCS];
	size_t nacc;

	struct ui_call calls[UI_MAX_CALLS];
	int sel;                  /* selected call's slot, -1: none */

	struct ui_ring msgs;      /* the message pane, newest last */

	struct ui_vline verify[UI_VERIFY_LINES];
	size_t nverify;
	bool verify_from_call;    /* the lines are a call's security report, not the accounts' */

	struct ui_history hist;   /* the call history pane, the missed and voicemail counts */
	struct ui_devices devs;   /* the sound device pane */

	char banner[256];         /* "" = no banner */
	enum ui_banner banner_kind;
	char note[160];           /* the prompt line's note (an error, "DTMF sent: 1", ...) */
	bool status_asked;        /* the user typed "status": show the answers as messages */
	bool dirty;               /* something changed since the last draw */

	ui_model_note_h *nh;
	void *arg;
};

/* Empty model; nh (may be NULL) hears the moments of enum ui_model_note. */
void ui_model_init(struct ui_model *m, ui_model_note_h *nh, void *arg);
/* An account of the configuration, before any event about it. */
void ui_model_acc_add(struct ui_model *m, const char *name, const char *uri, bool registering);
/* Takes one UA event (ua.h's ua_event_h) into the view. */
void ui_model_event(struct ui_model *m, const struct event *ev);

/* A line in the message pane, time-stamped, secrets masked, control characters made blanks. */
void ui_model_msg(struct ui_model *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct ui_call *ui_model_sel(struct ui_model *m);
/* Calls not yet ended. */
int ui_model_live(const struct ui_model *m);
/* Moves the selection to the next call in dir (+1/-1), only to calls not ended when live_only. */
void ui_model_select_step(struct ui_model *m, int dir, bool live_only);
/* Drops calls ended more than UI_ENDED_LINGER_MS before now; true if one went. */
bool ui_model_expire(struct ui_model *m, uint64_t now);
/*
 * The call list's SRTP column, glyph aside: NULL (nothing known yet), "PLAIN",
 * "mixed" (a different suite each way), or the suite shortened to fit
 * ("AES_CM_128_HMAC_SHA1_80" -> "AES128/80"). c->encrypted tells which colour.
 */
const char *ui_model_srtp_column(const struct ui_call *c);
/* Without a call's report, fills the verify lines from what the registrations told. */
void ui_model_verify_accounts(struct ui_model *m);

/* How the status bar says the signalling is protected (the colour the front end gives it). */
enum ui_sec { UI_SEC_NONE, UI_SEC_OK, UI_SEC_WARN, UI_SEC_BAD };

/* The status bar: left in the bar's colours, then sec in kind's, then more. */
struct ui_status {
	char left[160];
	char sec[256];
	enum ui_sec kind;
	char more[32];
};
/*
 * The status bar for a terminal width columns wide (utf8: glyphs, else ASCII):
 * the fullest form that fits. Details go first (cipher, other accounts, TLS
 * version, the account's name, its state); the word that says how the
 * signalling is protected ("verified", "UNVERIFIED", "PLAINTEXT") stays at
 * every width from UI_MIN_COLS.
 */
void ui_model_status(const struct ui_model *m, int width, bool utf8, struct ui_status *s);

/* The call list's columns at a width: 0 = not shown. Gaps of one column are not counted. */
struct ui_cols {
	int mark, remote, state, time, codec, srtp, flags;
};
/*
 * Column widths for a terminal width columns wide. The SRTP column (lock and
 * suite) is never dropped: it is why sphone exists. The others shrink or go
 * in this order: the HOLD/MUTED flags (then shown in the state column), the
 * codec, the duration, the remote party down to a minimum; the state stays
 * from UI_MIN_COLS on.
 */
void ui_model_columns(int width, struct ui_cols *c);

#endif
