/* SPDX-License-Identifier: GPL-3.0-or-later */
/* account.h: the configuration file's accounts and [general] settings, validated, with secrets kept apart. */
#ifndef SPHONE_ACCOUNT_H
#define SPHONE_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum account_transp { ACCOUNT_TLS = 0, ACCOUNT_TCP, ACCOUNT_UDP };
/* media_encryption: SDES-SRTP (default), plain RTP, ZRTP alone, SDES-SRTP from the first packet then ZRTP */
enum account_media { ACCOUNT_MEDIA_SDES = 0, ACCOUNT_MEDIA_NONE, ACCOUNT_MEDIA_ZRTP, ACCOUNT_MEDIA_SDES_ZRTP };
/* session_refresher: who refreshes the session (RFC 4028) when sphone may choose */
enum account_refresher { ACCOUNT_REFRESHER_AUTO = 0, ACCOUNT_REFRESHER_LOCAL, ACCOUNT_REFRESHER_REMOTE };
/* accept_transfer: the far end's REFER declined (603), taken, or taken once the user says so */
enum account_transfer { ACCOUNT_TRANSFER_NO = 0, ACCOUNT_TRANSFER_YES, ACCOUNT_TRANSFER_ASK };

#define ACCOUNT_MAX_SUITES 6
#define ACCOUNT_MAX_CODECS 4
#define ACCOUNT_MAX_REALMS 4
#define ACCOUNT_REALM_SIZE 128

/*
 * One [account NAME] section. Strings are NUL-terminated copies owned by the
 * account_conf (NULL when not set). The password is never printed; when it
 * comes from password_cmd it is fetched by account_password().
 */
struct account {
	char *name;
	char *uri;            /* AOR, e.g. sips:alice@example.com */
	char *username;       /* digest user; default: the user part of uri */
	char *password;
	char *password_cmd;
	char *display_name;
	char *proxy;          /* sips:host:port;transport=tls or host:port; NULL: RFC 3263 on the domain */
	enum account_transp transport;
	char *ca_file, *ca_path;
	int tls_min_version;  /* 12 or 13 */
	char *tls_cert, *tls_key, *tls_pin;
	bool tls_insecure_skip_verify;
	bool reg;             /* register = yes */
	unsigned expires;     /* 60..86400, default 600 */
	bool allow_plaintext_auth;
	unsigned n_realms;    /* realm = a, b: digest realms the password may answer besides the registrar's */
	char realms[ACCOUNT_MAX_REALMS][ACCOUNT_REALM_SIZE];
	enum account_media media_encryption;
	bool srtp_required;
	unsigned n_suites;
	char srtp_suites[ACCOUNT_MAX_SUITES][32];
	unsigned n_codecs;
	char codecs[ACCOUNT_MAX_CODECS][8];
	unsigned keepalive_interval; /* seconds, 0 = off */
	bool outbound;               /* RFC 5626 outbound in REGISTER (reg-id, ;ob, Supported: outbound); default yes */
	char *stun_host;             /* stun_server's host (name or IP, IPv6 without []); NULL: no STUN */
	uint16_t stun_port;          /* stun_server's port, 3478 by default */
	unsigned media_timeout;      /* seconds without authenticated media that end a call */
	unsigned session_expires;    /* RFC 4028 interval asked for in our INVITEs, 90..86400, default 1800 */
	enum account_refresher session_refresher;
	char *on_incoming;    /* hook commands (hook.h); NULL: the [general] one */
	char *on_missed;
	bool mwi;             /* SUBSCRIBE to the voicemail indicator (message-summary) */
	char *voicemail;      /* what the voicemail key dials: a number or URI; NULL: none */
	enum account_transfer accept_transfer; /* the far end's REFER (being transferred); default yes */
	unsigned line;        /* where the section starts, for messages */
};

struct account_conf;

/*
 * Loads path. Every unknown key, bad value or missing required key is an
 * error, and all of them are reported: err gets one "FILE:LINE: what, and
 * what would be valid" per line (size it for many: 16 KiB), the return value
 * is the first one's code (EINVAL, EBADMSG). ca_file, ca_path, tls_cert and
 * tls_key must exist and be readable. ENOENT when the file does not exist
 * (err says so). Passwords are registered with log_add_secret.
 */
int account_conf_load(struct account_conf **cp, const char *path, char *err, size_t errsz);
/*
 * Warnings found while loading, one sentence each (a password in a file others can read,
 * tls_insecure_skip_verify): for the front end to show. NULL past the end.
 */
size_t account_conf_warning_count(const struct account_conf *c);
const char *account_conf_warning(const struct account_conf *c, size_t i);
/* An empty configuration (no accounts), e.g. when no file exists. */
int account_conf_alloc(struct account_conf **cp);
/* Wipes passwords. NULL-safe. */
void account_conf_free(struct account_conf *c);

const char *account_conf_path(const struct account_conf *c);
size_t account_conf_count(const struct account_conf *c);
struct account *account_conf_at(const struct account_conf *c, size_t i);
/* By name, or the first account when name is NULL; NULL if none. */
struct account *account_conf_find(const struct account_conf *c, const char *name);
/* [general] log_level: "error", "warn", "info" or "debug" (default "info"). */
const char *account_conf_log_level(const struct account_conf *c);
bool account_conf_sip_trace(const struct account_conf *c);
/* The hook commands of account a (its own, else [general]'s), NULL when none. */
const char *account_on_incoming(const struct account_conf *c, const struct account *a);
const char *account_on_missed(const struct account_conf *c, const struct account *a);
/* [general] history: keep the call history (default yes). */
bool account_conf_history(const struct account_conf *c);

/*
 * [contacts]: "name = address" lines, in file order. The address is a sip:,
 * sips: or tel: URI, or a bare user/number for the account's domain.
 * 0 and *name, *addr (owned by c), or ENOENT past the end.
 */
size_t account_conf_contact_count(const struct account_conf *c);
int account_conf_contact(const struct account_conf *c, size_t i, const char **name, const char **addr);

/* [audio] device: the PortAudio device for calls (name or index), NULL for the default. */
const char *account_conf_audio_device(const struct account_conf *c);
/* c was made for this run only (sphone --demo's): account_conf_save_audio says where the user's own file goes instead. */
void account_conf_set_scratch(struct account_conf *c);
/* [audio] capture_device / playback_device, else device; NULL: the default device. */
const char *account_conf_capture_device(const struct account_conf *c);
const char *account_conf_playback_device(const struct account_conf *c);
/*
 * Remembers the devices chosen at run time: [audio] capture_device and/or playback_device (NULL: left
 * alone) set in the file read at load, every other line kept, only if the file is still what was read
 * (conf_set_keys). where: the file. 0, or an errno with the reason in err (ESTALE: changed on disk).
 */
int account_conf_save_audio(struct account_conf *c, const char *capture, const char *playback, char *where,
			    size_t wheresz, char *err, size_t errsz);
/* A setting that is auto, off or on. */
enum account_auto { ACCOUNT_AUTO, ACCOUNT_OFF, ACCOUNT_ON };
/* [audio] echo_cancel: auto (default: on unless the sound card's name suggests a headset), off, on. */
enum account_auto account_conf_echo_cancel(const struct account_conf *c);
/* [audio] echo_tail: the canceller's tail in ms; 0 (default): the device's latency + 150 ms, at least 200. */
unsigned account_conf_echo_tail(const struct account_conf *c);
/* [audio] ringtone: a WAV file for incoming calls (checked when loaded), NULL: the built-in trill. */
const char *account_conf_ringtone(const struct account_conf *c);
/* [audio] tones: ringtone, ring-back, call-waiting beep; auto (default): on a sound card, not into WAV files. */
enum account_auto account_conf_tones(const struct account_conf *c);
/* [audio] ring_volume: 0..100, default ACCOUNT_RING_VOLUME. */
#define ACCOUNT_RING_VOLUME 80
unsigned account_conf_ring_volume(const struct account_conf *c);
/* [ui] ascii (default no: follow the locale), color (default yes), bell (default yes). */
bool account_conf_ui_ascii(const struct account_conf *c);
bool account_conf_ui_color(const struct account_conf *c);
bool account_conf_ui_bell(const struct account_conf *c);

/* Effective settings, one "key = value" per line, passwords masked. */
void account_conf_print(const struct account_conf *c, FILE *f);

/*
 * The password: the configured one, or the first line of password_cmd's
 * output (run by /bin/sh; fetched once, then remembered and registered with
 * log_add_secret). 0, ENOENT (neither is set), EIO (the command failed, err
 * says how).
 */
int account_password(struct account *a, const char **pw, char *err, size_t errsz);

/* Default config path: $XDG_CONFIG_HOME/sphone/sphone.conf or ~/.config/sphone/sphone.conf. */
int account_default_path(char *buf, size_t sz);

const char *account_transp_name(enum account_transp t);

#endif
