/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ua.h: the user agent: accounts with their transports and registrations, commands in, events out. */
#ifndef SPHONE_UA_H
#define SPHONE_UA_H

#include <stdbool.h>
#include <stddef.h>

struct account_conf;
struct event;
struct loop;

/*
 * Every event the UA reports (JSON-able records, see event.h): registering,
 * registered, registration_failed, unregistered, status, error, and the call
 * events of call.h (incoming, ringing, progress, established, security, dtmf,
 * hold, warning, call, ended), each with "call" = the call's id. The event is
 * valid only during the call.
 */
typedef void(ua_event_h)(const struct event *ev, void *arg);
typedef void(ua_done_h)(void *arg);

struct ua;

/*
 * A UA for the accounts of conf (which must outlive it); only_account limits
 * it to one account by name (NULL: all). Sets up TLS contexts and the SIP
 * transport; nothing is sent until ua_register. 0, ENOENT (no such account,
 * or no account at all), EINVAL (an account's TLS settings are unusable: err
 * says why), ENOMEM.
 */
int ua_alloc(struct ua **up, struct loop *l, struct account_conf *conf, const char *only_account,
	     ua_event_h *eh, void *arg, char *err, size_t errsz);
/* Stops everything at once (no un-REGISTER: use ua_shutdown first). NULL-safe. */
void ua_free(struct ua *ua);

/* Registers account (NULL: every account with register = yes). 0 or ENOENT. */
int ua_register(struct ua *ua, const char *account);
/* Un-REGISTERs account (NULL: all); "unregistered" follows. 0 or ENOENT. */
int ua_unregister(struct ua *ua, const char *account);
/* One "status" event per account. */
void ua_status(struct ua *ua);
/*
 * Un-REGISTERs every account (waiting at most timeout_ms), then calls done
 * from the loop (never from inside ua_shutdown). Commands are refused after it.
 */
int ua_shutdown(struct ua *ua, unsigned timeout_ms, ua_done_h *done, void *arg);

/*
 * Runs one command line ("register [ACCOUNT]", "unregister [ACCOUNT]",
 * "status", ...) through the dispatch table. Problems are reported as an
 * "error" event (command, message) as well as returned: 0, ENOENT (unknown
 * command or account), ENOSYS (a command of a later feature), EINVAL (bad
 * arguments), ESHUTDOWN (shutting down). "quit" is the front end's.
 */
int ua_command(struct ua *ua, const char *line);

/* Sound settings: the configuration's [audio] (account.h). */
struct ua_sound_opts {
	int echo_cancel;          /* enum account_auto: echo canceller auto (sound cards unless a headset), off, on */
	unsigned echo_tail_ms;    /* 0: from the sound card's latency */
	int tones;                /* enum account_auto: ringtone, ring-back, waiting beep; auto: sound cards only */
	const char *ringtone;     /* WAV; NULL: the built-in trill */
	unsigned ring_volume;     /* 0..100 */
};

/* Call options (from the command line); strings are copied. */
struct ua_call_opts {
	const char *audio_in;     /* WAV sent in calls; NULL: silence (unless portaudio) */
	const char *audio_out;    /* WAV recording what is heard; NULL: discarded */
	bool portaudio;           /* sound card through PortAudio instead of files */
	const char *audio_device; /* PortAudio device name or index; NULL: default */
	const char *audio_capture;  /* the same for capture alone; NULL: audio_device */
	const char *audio_playback; /* the same for playback alone; NULL: audio_device */
	bool auto_answer;         /* answer incoming calls at once (no ringtone then) */
	unsigned hangup_after;    /* seconds after a call is established; 0: never */
	const struct ua_sound_opts *sound; /* NULL: the defaults */
};
/*
 * Sets the call options and opens the audio device (a bad WAV or device is
 * reported in err). Without it, calls send silence and discard what they
 * hear. 0, EBUSY (a call is up), or the device's error.
 */
int ua_set_call_opts(struct ua *ua, const struct ua_call_opts *o, char *err, size_t errsz);

/* The names ua_command knows (NULL-terminated), for help and completion. */
const char *const *ua_commands(void);

/*
 * Calls, typed (ua_command's call, answer, hangup... run these). A call is named by the id its
 * events carry ("call"); id 0 means the current call: the established one not on hold, else any
 * live one. Each returns 0 or an errno, and emits no "error" event (the command layer words
 * those): ENOENT for no such call, ESHUTDOWN while shutting down, else the call's own (call.h).
 */
/*
 * What a person dialled, resolved once for every front end (the full-screen dial line, the
 * headless and ':' "call" command): the account is the one named, else the first in the
 * configuration file's order that is registered now (a 2xx to its REGISTER, refreshes included)
 * over a live connection; what was dialled is then a sip:/sips: URI as it is, a [contacts] name,
 * user@host in the account's scheme, or a number or name in the account's scheme and domain
 * (dial.h). why (may be NULL) gets a sentence on failure. 0, ENOENT (no such account), ENOTCONN
 * (no account registered, or the one named is not), EINVAL (nothing that can be dialled), ENOSPC.
 */
struct ua_target {
	char uri[512];    /* the sip: or sips: URI to call */
	char account[64]; /* the account the call goes out on */
};
int ua_resolve(struct ua *ua, const char *account, const char *dialled, struct ua_target *t, char *why,
	       size_t whysz);
/*
 * Place a call to uri (a sip: or sips: URI, as ua_resolve gives) over account (NULL: ua_resolve's
 * rule). why (may be NULL) gets a sentence on failure. ENOENT / ENOTCONN (as ua_resolve), EBUSY
 * (too many calls), EPERM (SRTP keys would go over a connection that is not TLS), EINVAL (not a SIP
 * URI), the audio device's error. *idp (may be NULL): the new call's id.
 */
int ua_call(struct ua *ua, const char *account, const char *uri, unsigned *idp, char *why, size_t whysz);
/* Answer call id (0: the one ringing here, else the current one); the others go on hold. EPROTO: not ringing. */
int ua_answer(struct ua *ua, unsigned id);
/* CANCEL, BYE or decline; EALREADY when it has ended. */
int ua_hangup(struct ua *ua, unsigned id);
/* Hold (true) or resume (false, putting the others on hold). EBUSY, ENOTCONN, EPROTO as call_hold. */
int ua_hold(struct ua *ua, unsigned id, bool hold);
/* Microphone off (true) or on. EPROTO: the call has ended. */
int ua_mute(struct ua *ua, unsigned id, bool mute);
/* RFC 4733 digits. EINVAL (not 0-9 * # A-D), ENOTSUP (no telephone-event), EPROTO (no media yet). */
int ua_dtmf(struct ua *ua, unsigned id, const char *digits);
/* Hold the current call and resume id (0: the next other established call). ENOENT: none; EALREADY: id is current. */
int ua_switch(struct ua *ua, unsigned id);
/*
 * Blind transfer of call id (0: the current one) to dialled (as ua_resolve takes it, with the
 * call's account): REFER (call_transfer). why (may be NULL) gets a sentence on failure. ENOENT (no
 * such call), EPROTO (not established), EBUSY (a transfer of it is under way), ua_resolve's errors.
 */
int ua_transfer(struct ua *ua, unsigned id, const char *dialled, char *why, size_t whysz);
/*
 * Attended transfer: call id's far end is asked to call call id2's far end, replacing our call id2
 * (call_transfer_attended). why as ua_transfer. ENOENT (no such call), EPROTO, EBUSY, EINVAL (the same call).
 */
int ua_transfer_attended(struct ua *ua, unsigned id, unsigned id2, char *why, size_t whysz);
/*
 * accept_transfer = ask: the user's answer to the far end's transfer of call id (0: the call whose
 * transfer waits for one): taken (the new call is placed) or refused (603 to the transferor). 0,
 * ENOENT (no such call; with id 0: no transfer waits), ENOMSG (none waits in that call).
 */
int ua_transfer_answer(struct ua *ua, unsigned id, bool accept);
/* The "security" event of call id. */
int ua_verify(struct ua *ua, unsigned id);
/*
 * The user compared call id's ZRTP short authentication string: verified (true) or rejected,
 * stored in the ZRTP cache (later calls with that device show "verified" once both sides
 * confirmed); a "security" event shows it. EAGAIN ZRTP not finished, EPROTO no ZRTP on the call
 * (or it ended), ENOTSUP no cache to store it in.
 */
int ua_sas_confirm(struct ua *ua, unsigned id, bool verified);
/* The current call's id, or the first ringing here (ringing true); 0 when there is none. */
unsigned ua_call_current(struct ua *ua, bool ringing);
/* Whether id names a call that has not ended. */
bool ua_call_exists(struct ua *ua, unsigned id);

/*
 * Dials the voicemail of account (NULL: the first account with a `voicemail` number that is
 * registered now, else the first with one) through ua_resolve and ua_call. ENOENT (no such account,
 * or no voicemail number; why says which), else as ua_resolve and ua_call.
 */
int ua_voicemail(struct ua *ua, const char *account, unsigned *idp, char *why, size_t whysz);

/*
 * The call history (history.h, in $XDG_STATE_HOME/sphone/history): the last n calls as "history"
 * events, oldest first (kind, start, time, duration, answered, account, peer, name, tls,
 * tls_verified, srtp, sas_method, status, reason), read from the file (other sphone processes
 * append to it too), then one "missed" event (count: missed calls not yet seen; file). Each call
 * also gives one "history" event as it ends, and a missed one a "missed" event. 0 or the read's errno.
 */
int ua_history(struct ua *ua, unsigned n);
/* The user has seen the history: the missed count goes to 0 (a "seen" mark in the file) and "missed" says so. */
int ua_history_seen(struct ua *ua);

/*
 * The sound devices: one "device" event each (index, name, api, in, out, rate, default_in,
 * default_out, used_in, used_out), then an "audio" event with the devices in use (capture,
 * capture_api, playback, playback_api) and fresh: whether PortAudio looked for devices anew (only
 * when no call or sound holds the device open). 0, or an errno with the reason in why.
 */
int ua_devices(struct ua *ua, char *why, size_t whysz);
/*
 * Moves capture and/or playback (NULL: stays) to a device of the list (index, whole name or a part of
 * one, "none"), during a call too (call_audio_switch), and writes the choice into the configuration
 * file ([audio] capture_device / playback_device) so that the next start uses it. Then an "audio"
 * event: the devices in use, switch_ms, and saved (the file) or save_error (why it was not written).
 * 0, or an errno with why naming the device and the reason (the device in use stays, or none is left
 * and calls go on silent: a "warning" says so).
 */
int ua_device(struct ua *ua, const char *capture, const char *playback, char *why, size_t whysz);

/* One line per PortAudio device (--list-devices); 0, or an errno with the reason in err (ENODEV: no sound card). */
typedef void(ua_line_h)(const char *line, void *arg);
int ua_list_devices(ua_line_h *h, void *arg, char *err, size_t errsz);

#endif
