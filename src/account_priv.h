/* SPDX-License-Identifier: GPL-3.0-or-later */
/* account_priv.h: what account.c (loading) and account_conf.c (reading, printing, saving) share: the configuration's state and the names of its choices. */
#ifndef SPHONE_ACCOUNT_PRIV_H
#define SPHONE_ACCOUNT_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "account.h"
#include "conf.h"

#define MAX_ACCOUNTS 32
#define MAX_CONTACTS 256
#define MAX_WARNINGS (MAX_ACCOUNTS + 1)

struct contact {
	char *name;
	char *addr;
};

struct account_conf {
	char *path;
	size_t n;
	struct account *acc[MAX_ACCOUNTS];
	int log_level; /* index into account_log_levels */
	bool sip_trace;
	bool pw_warned;
	size_t ncontacts;
	struct contact contacts[MAX_CONTACTS];
	char *on_incoming, *on_missed; /* [general] hooks, for accounts without their own */
	bool history;        /* [general] history */
	char *audio_device;  /* [audio] device */
	char *capture_device, *playback_device; /* [audio] capture_device, playback_device: over device */
	struct conf_stamp stamp; /* the file as it was read: written back only when still the same */
	bool scratch;        /* made for this run (the demo's): nothing chosen at run time goes into it */
	int echo_cancel;     /* [audio] echo_cancel: enum account_auto */
	int tones;           /* [audio] tones: enum account_auto */
	unsigned echo_tail;  /* [audio] echo_tail, ms; 0 = from the device's latency */
	char *ringtone;      /* [audio] ringtone: a WAV; NULL = the built-in trill */
	unsigned ring_volume; /* [audio] ring_volume, 0..100 */
	bool ui_ascii, ui_color, ui_bell; /* [ui] */
	size_t nwarn;
	char *warn[MAX_WARNINGS];
};

/* The words a key takes, in the order of its enum or index (NULL-terminated). */
extern const char *const account_log_levels[];  /* [general] log_level */
extern const char *const account_media_encs[];  /* media_encryption: enum account_media */
extern const char *const account_refreshers[];  /* session_refresher: enum account_refresher */
extern const char *const account_transfer_modes[]; /* accept_transfer: enum account_transfer */
extern const char *const account_auto_modes[];  /* [audio] echo_cancel, tones: enum account_auto */

#endif
