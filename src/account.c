/* SPDX-License-Identifier: GPL-3.0-or-later */
/* account.c: loads and validates the config file's [general] and [account NAME] sections. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "account.h"
#include "call_audio.h"
#include "conf.h"
#include "crypto.h"
#include "hook.h"
#include "log.h"
#include "pl.h"
#include "sip_uri.h"

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
	int log_level; /* index into log_levels */
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

static const char *const log_levels[] = { "error", "warn", "info", "debug", NULL };
static const char *const transports[] = { "tls", "tcp", "udp", NULL };
static const char *const tls_versions[] = { "1.2", "1.3", NULL };
static const char *const media_encs[] = { "sdes", "none", "zrtp", "sdes-zrtp", NULL }; /* enum account_media */
static const char *const suite_names[] = {
	"AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32", "AES_256_CM_HMAC_SHA1_80",
	"AES_256_CM_HMAC_SHA1_32", "AEAD_AES_128_GCM",        "AEAD_AES_256_GCM",
	NULL,
};
static const char *const codec_names[] = { "pcmu", "pcma", NULL };
static const char *const refreshers[] = { "auto", "local", "remote", NULL };
static const char *const general_keys[] = { "log_level", "sip_trace", "on_incoming", "on_missed", "history", NULL };
static const char *const audio_keys[] = { "device", "capture_device", "playback_device", "echo_cancel", "echo_tail", "tones", "ringtone", "ring_volume",
					   NULL };
static const char *const auto_modes[] = { "auto", "off", "on", NULL };
static const char *const ui_keys[] = { "ascii", "color", "bell", NULL };
static const char *const account_keys[] = {
	"uri", "username", "password", "password_cmd", "display_name", "proxy", "transport",
	"ca_file", "ca_path", "tls_min_version", "tls_cert", "tls_key", "tls_pin",
	"tls_insecure_skip_verify", "register", "expires", "allow_plaintext_auth", "realm",
	"media_encryption", "srtp_required", "srtp_suites", "codecs", "session_expires", "session_refresher",
	"keepalive_interval", "media_timeout", "on_incoming", "on_missed", "mwi", "voicemail", "outbound", "accept_transfer",
	"stun_server", NULL,
};

const char *account_transp_name(enum account_transp t)
{
	switch (t) {
	case ACCOUNT_TLS: return "tls";
	case ACCOUNT_TCP: return "tcp";
	case ACCOUNT_UDP: return "udp";
	}
	return "?";
}

static void wipe_str(char *s)
{
	if (s)
		crypto_wipe(s, strlen(s));
}

static void account_free(struct account *a)
{
	if (!a)
		return;
	free(a->name);
	free(a->uri);
	free(a->username);
	wipe_str(a->password);
	free(a->password);
	free(a->password_cmd);
	free(a->display_name);
	free(a->proxy);
	free(a->ca_file);
	free(a->ca_path);
	free(a->tls_cert);
	free(a->tls_key);
	free(a->tls_pin);
	free(a->on_incoming);
	free(a->on_missed);
	free(a->voicemail);
	free(a->stun_host);
	crypto_wipe(a, sizeof(*a));
	free(a);
}

int account_conf_alloc(struct account_conf **cp)
{
	struct account_conf *c;

	if (!cp)
		return EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return ENOMEM;
	c->log_level = 2;
	c->ui_color = true;
	c->ui_bell = true;
	c->history = true;
	c->ring_volume = ACCOUNT_RING_VOLUME;
	*cp = c;
	return 0;
}

void account_conf_free(struct account_conf *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++)
		account_free(c->acc[i]);
	for (i = 0; i < c->ncontacts; i++) {
		free(c->contacts[i].name);
		free(c->contacts[i].addr);
	}
	for (i = 0; i < c->nwarn; i++)
		free(c->warn[i]);
	free(c->path);
	free(c->on_incoming);
	free(c->on_missed);
	free(c->audio_device);
	free(c->capture_device);
	free(c->playback_device);
	free(c->ringtone);
	free(c);
}

static struct account *account_new(const char *name, unsigned line)
{
	struct account *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->name = strdup(name);
	if (!a->name) {
		free(a);
		return NULL;
	}
	a->transport = ACCOUNT_TLS;
	a->tls_min_version = 12;
	a->reg = true;
	a->expires = 600;
	a->media_encryption = ACCOUNT_MEDIA_SDES;
	a->srtp_required = true;
	a->n_suites = 2;
	snprintf(a->srtp_suites[0], sizeof(a->srtp_suites[0]), "%s", suite_names[0]);
	snprintf(a->srtp_suites[1], sizeof(a->srtp_suites[1]), "%s", suite_names[1]);
	a->n_codecs = 2;
	snprintf(a->codecs[0], sizeof(a->codecs[0]), "pcmu");
	snprintf(a->codecs[1], sizeof(a->codecs[1]), "pcma");
	a->keepalive_interval = 30;
	a->outbound = true;
	a->accept_transfer = true;
	a->media_timeout = 30;
	a->session_expires = 1800;
	a->line = line;
	return a;
}

static int set_str(const struct conf_item *it, char **dst)
{
	char *s;

	if (!*it->value) {
		snprintf(it->msg, it->msgsz, "%s: empty value", it->key);
		return EINVAL;
	}
	s = strdup(it->value);
	if (!s)
		return ENOMEM;
	if (*dst) {
		wipe_str(*dst);
		free(*dst);
	}
	*dst = s;
	return 0;
}

static int set_uri(const struct conf_item *it, char **dst, bool sip_only)
{
	struct sip_uri u;

	if (sip_uri_decode_str(&u, it->value) != 0 || (sip_only && u.scheme == SIP_URI_TEL) ||
	    u.host_type == SIP_HOST_NONE) {
		snprintf(it->msg, it->msgsz,
			 "%s: '%s' is not a SIP URI (expected e.g. sips:alice@example.com)", it->key,
			 it->value);
		return EINVAL;
	}
	if (!pl_isset(u.user) || u.user.l == 0) {
		snprintf(it->msg, it->msgsz, "%s: '%s' has no user part (expected user@domain)",
			 it->key, it->value);
		return EINVAL;
	}
	return set_str(it, dst);
}

/*
 * A file (or, for ca_path, a directory) that must be there and readable now: finding out at the first
 * TLS handshake, with OpenSSL's words, helps nobody.
 */
static int set_path(const struct conf_item *it, char **dst, bool dir)
{
	struct stat st;

	if (!*it->value)
		return set_str(it, dst);
	if (stat(it->value, &st) != 0)
		goto unreadable;
	if (dir && !S_ISDIR(st.st_mode)) {
		snprintf(it->msg, it->msgsz, "%s: '%s' is not a directory (a file goes in ca_file)", it->key,
			 it->value);
		return EINVAL;
	}
	if (!dir && !S_ISREG(st.st_mode)) {
		snprintf(it->msg, it->msgsz, "%s: '%s' is not a regular file%s", it->key, it->value,
			 S_ISDIR(st.st_mode) && !strcmp(it->key, "ca_file") ? " (a directory goes in ca_path)" : "");
		return EINVAL;
	}
	if (access(it->value, dir ? R_OK | X_OK : R_OK) != 0)
		goto unreadable;
	return set_str(it, dst);
unreadable:
	snprintf(it->msg, it->msgsz, "%s: cannot read '%s': %s", it->key, it->value, strerror(errno));
	return EINVAL;
}

/* proxy: a SIP URI, or host[:port] (a name, IPv4 or [IPv6]). */
static int set_proxy(const struct conf_item *it, char **dst)
{
	struct sip_uri u;
	char tmp[300];
	int r;

	if (!strncasecmp(it->value, "sip:", 4) || !strncasecmp(it->value, "sips:", 5)) {
		r = sip_uri_decode_str(&u, it->value);
	} else {
		if (strlen(it->value) + 5 > sizeof(tmp))
			r = EINVAL;
		else {
			snprintf(tmp, sizeof(tmp), "sip:%s", it->value);
			r = sip_uri_decode_str(&u, tmp);
			if (!r && (pl_isset(u.user) || pl_isset(u.params) || pl_isset(u.headers)))
				r = EINVAL;
		}
	}
	if (r || u.host_type == SIP_HOST_NONE) {
		snprintf(it->msg, it->msgsz,
			 "proxy: '%s' is not valid (expected sips:host:port;transport=tls or host:port)",
			 it->value);
		return EINVAL;
	}
	return set_str(it, dst);
}

/*
 * stun_server: host[:port] (a name, IPv4 or [IPv6]; port 3478 when not given), kept as the host and
 * the port: the STUN server the call's media asks for its public address (doc/nat.md).
 */
static int set_stun_server(const struct conf_item *it, struct account *a)
{
	struct sip_uri u;
	char tmp[300];
	int r = EINVAL;

	if (strlen(it->value) + 5 <= sizeof(tmp) && strncasecmp(it->value, "sip:", 4) &&
	    strncasecmp(it->value, "sips:", 5)) {
		snprintf(tmp, sizeof(tmp), "sip:%s", it->value);
		r = sip_uri_decode_str(&u, tmp);
		if (!r && (pl_isset(u.user) || pl_isset(u.params) || pl_isset(u.headers) ||
			   u.host_type == SIP_HOST_NONE || strchr(it->value, ';') || strchr(it->value, '?')))
			r = EINVAL;
	}
	if (r) {
		snprintf(it->msg, it->msgsz,
			 "stun_server: '%s' is not valid (expected host or host:port, e.g. stun.example.net:3478 or "
			 "[2001:db8::1]:3478)",
			 it->value);
		return EINVAL;
	}
	free(a->stun_host);
	if (!(a->stun_host = strndup(u.host.p, u.host.l))) {
		snprintf(it->msg, it->msgsz, "stun_server: out of memory");
		return ENOMEM;
	}
	a->stun_port = u.port ? u.port : 3478;
	return 0;
}

/* Checks one item of a list and writes what is stored for it; else it->msg and EINVAL. */
typedef int(item_h)(const struct conf_item *it, struct pl item, char *out, size_t outsz, void *arg);

/* Comma-separated list (empty items skipped, none twice, at most max): each item through h. */
static int set_items(const struct conf_item *it, item_h *h, void *arg, unsigned max, char *out, size_t itemsz,
		     unsigned *n, const char *hint)
{
	char tmp[ACCOUNT_MAX_REALMS * ACCOUNT_REALM_SIZE], item[ACCOUNT_REALM_SIZE], *save = NULL, *tok;
	unsigned cnt = 0, k;
	int e;

	if (strlen(it->value) >= sizeof(tmp)) {
		snprintf(it->msg, it->msgsz, "%s: value too long", it->key);
		return EINVAL;
	}
	snprintf(tmp, sizeof(tmp), "%s", it->value);
	for (tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct pl p = pl_trim(pl_str(tok));

		if (p.l == 0)
			continue;
		if ((e = h(it, p, item, itemsz < sizeof(item) ? itemsz : sizeof(item), arg)) != 0)
			return e;
		for (k = 0; k < cnt; k++) {
			if (!strcmp(out + k * itemsz, item)) {
				snprintf(it->msg, it->msgsz, "%s: '%s' listed twice", it->key, item);
				return EINVAL;
			}
		}
		if (cnt >= max) {
			snprintf(it->msg, it->msgsz, "%s: more than %u entries", it->key, max);
			return EINVAL;
		}
		snprintf(out + cnt * itemsz, itemsz, "%s", item);
		cnt++;
	}
	if (!cnt) {
		snprintf(it->msg, it->msgsz, "%s: empty list; %s", it->key, hint);
		return EINVAL;
	}
	*n = cnt;
	return 0;
}

struct choices {
	const char *const *names;
	char valid[300];
};

/* One of the choices (case-insensitive), stored canonically. */
static int choice_h(const struct conf_item *it, struct pl p, char *out, size_t outsz, void *arg)
{
	const struct choices *c = arg;

	for (unsigned i = 0; c->names[i]; i++) {
		if (pl_eq_case(p, c->names[i])) {
			snprintf(out, outsz, "%s", c->names[i]);
			return 0;
		}
	}
	snprintf(it->msg, it->msgsz, "%s: unknown name '%.*s'; %s", it->key, (int)p.l, p.p, c->valid);
	return EINVAL;
}

/* Comma-separated list, each item one of choices (case-insensitive), stored canonically. */
static int set_list(const struct conf_item *it, const char *const *choices, unsigned max, char *out,
		    size_t itemsz, unsigned *n)
{
	struct choices c = { choices, "valid: " };
	size_t pos = strlen(c.valid);

	for (unsigned i = 0; choices[i]; i++)
		pos += snprintf(c.valid + pos, pos < sizeof(c.valid) ? sizeof(c.valid) - pos : 0, "%s%s",
				i ? ", " : "", choices[i]);
	return set_items(it, choice_h, &c, max, out, itemsz, n, c.valid);
}

/* A realm is any printable text (compared exactly, as RFC 7616 says) but a comma, which separates them here. */
static int realm_h(const struct conf_item *it, struct pl p, char *out, size_t outsz, void *arg)
{
	(void)arg;
	for (size_t k = 0; k < p.l; k++) {
		if ((unsigned char)p.p[k] < 0x20 || p.p[k] == 0x7f) {
			snprintf(it->msg, it->msgsz, "%s: control character in a realm", it->key);
			return EINVAL;
		}
	}
	if (p.l >= outsz) {
		snprintf(it->msg, it->msgsz, "%s: realm '%.20s...' is longer than %zu characters", it->key, p.p,
			 outsz - 1);
		return EINVAL;
	}
	memcpy(out, p.p, p.l);
	out[p.l] = '\0';
	return 0;
}

static int pin_check(const struct conf_item *it)
{
	const char *v = it->value;
	size_t n, i;

	if (strncmp(v, "sha256/", 7))
		goto bad;
	v += 7;
	n = strlen(v);
	/* base64 of 32 bytes: 43 characters and one '=' */
	if (n != 44 || v[43] != '=')
		goto bad;
	for (i = 0; i < 43; i++) {
		char ch = v[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		      ch == '+' || ch == '/'))
			goto bad;
	}
	return 0;
bad:
	snprintf(it->msg, it->msgsz,
		 "tls_pin: expected sha256/ followed by the base64 SHA-256 of the server's public key "
		 "(44 characters)");
	return EINVAL;
}

/* on_incoming / on_missed: split into words now (hook.h), so a mistake is reported at FILE:LINE */
static int set_hook(const struct conf_item *it, char **dst)
{
	struct hook_cmd *hc = NULL;
	char why[400];
	int r;

	r = hook_cmd_parse(&hc, it->value, why, sizeof(why));
	hook_cmd_free(hc);
	if (r == EINVAL)
		snprintf(it->msg, it->msgsz, "%s: %s", it->key, why);
	return r ? r : set_str(it, dst);
}

/* Something to dial: a sip:, sips: or tel: URI, or a bare user or number for the account's domain. */
static bool dial_addr_ok(const char *v)
{
	struct sip_uri u;
	bool ok = *v != '\0';

	if (!strncasecmp(v, "sip:", 4) || !strncasecmp(v, "sips:", 5) || !strncasecmp(v, "tel:", 4))
		return sip_uri_decode_str(&u, v) == 0;
	for (size_t i = 0; v[i] && ok; i++)
		ok = (v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= '0' && v[i] <= '9') ||
		     strchr("+-_.*#", v[i]);
	return ok;
}

/* [contacts] name = sip:/sips:/tel: URI, or a bare user or number for the account's domain */
static int contact_key(struct account_conf *c, const struct conf_item *it)
{
	const char *v = it->value;
	size_t i;

	if (!dial_addr_ok(v)) {
		snprintf(it->msg, it->msgsz,
			 "contact '%s': '%s' is not a sip:/sips:/tel: URI or a plain user or number",
			 it->key, v);
		return EINVAL;
	}
	for (i = 0; i < c->ncontacts; i++) {
		if (!strcmp(c->contacts[i].name, it->key)) {
			snprintf(it->msg, it->msgsz, "contact '%s' listed twice", it->key);
			return EINVAL;
		}
	}
	if (c->ncontacts >= MAX_CONTACTS) {
		snprintf(it->msg, it->msgsz, "more than %d contacts", MAX_CONTACTS);
		return EINVAL;
	}
	c->contacts[c->ncontacts].name = strdup(it->key);
	c->contacts[c->ncontacts].addr = strdup(v);
	if (!c->contacts[c->ncontacts].name || !c->contacts[c->ncontacts].addr) {
		free(c->contacts[c->ncontacts].name);
		free(c->contacts[c->ncontacts].addr);
		return ENOMEM;
	}
	c->ncontacts++;
	return 0;
}

size_t account_conf_contact_count(const struct account_conf *c)
{
	return c ? c->ncontacts : 0;
}

int account_conf_contact(const struct account_conf *c, size_t i, const char **name, const char **addr)
{
	if (!c || i >= c->ncontacts)
		return ENOENT;
	if (name)
		*name = c->contacts[i].name;
	if (addr)
		*addr = c->contacts[i].addr;
	return 0;
}

static int general_key(struct account_conf *c, const struct conf_item *it)
{
	int idx;
	int r;

	if (!strcmp(it->key, "log_level")) {
		r = conf_enum(it, log_levels, &idx, it->msg, it->msgsz);
		if (!r)
			c->log_level = idx;
		return r;
	}
	if (!strcmp(it->key, "sip_trace"))
		return conf_bool(it, &c->sip_trace, it->msg, it->msgsz);
	if (!strcmp(it->key, "on_incoming"))
		return set_hook(it, &c->on_incoming);
	if (!strcmp(it->key, "on_missed"))
		return set_hook(it, &c->on_missed);
	if (!strcmp(it->key, "history"))
		return conf_bool(it, &c->history, it->msg, it->msgsz);
	return conf_unknown_key(it, general_keys, it->msg, it->msgsz);
}

/* ringtone: a WAV the tone player takes (call_audio_ringtone_check), or "" for the trill. */
static int set_ringtone(struct account_conf *c, const struct conf_item *it)
{
	char why[300];
	int r;

	if (!*it->value) {
		free(c->ringtone);
		c->ringtone = NULL;
		return 0;
	}
	if ((r = set_path(it, &c->ringtone, false)) != 0)
		return r;
	r = call_audio_ringtone_check(c->ringtone, why, sizeof(why));
	if (r) {
		snprintf(it->msg, it->msgsz, "ringtone: %s", why[0] ? why : strerror(r));
		free(c->ringtone);
		c->ringtone = NULL;
		return EINVAL;
	}
	return 0;
}

static int audio_key(struct account_conf *c, const struct conf_item *it)
{
	char *v;
	int idx, r;

	if (!strcmp(it->key, "echo_cancel") || !strcmp(it->key, "tones")) {
		r = conf_enum(it, auto_modes, &idx, it->msg, it->msgsz);
		if (!r)
			*(it->key[0] == 'e' ? &c->echo_cancel : &c->tones) = idx;
		return r;
	}
	if (!strcmp(it->key, "echo_tail")) {
		r = conf_uint(it, 0, 1000, &c->echo_tail, it->msg, it->msgsz);
		if (!r && c->echo_tail && c->echo_tail < 20) {
			snprintf(it->msg, it->msgsz, "echo_tail: %u ms is shorter than a sound card's latency "
				 "(0 for automatic, or 20..1000)", c->echo_tail);
			return EINVAL;
		}
		return r;
	}
	if (!strcmp(it->key, "ringtone"))
		return set_ringtone(c, it);
	if (!strcmp(it->key, "ring_volume"))
		return conf_uint(it, 0, 100, &c->ring_volume, it->msg, it->msgsz);
	if (strcmp(it->key, "device") && strcmp(it->key, "capture_device") && strcmp(it->key, "playback_device"))
		return conf_unknown_key(it, audio_keys, it->msg, it->msgsz);
	if (!*it->value) {
		snprintf(it->msg, it->msgsz, "%s: empty (a PortAudio device name or index; "
			 "sphone --list-devices shows them)", it->key);
		return EINVAL;
	}
	v = strdup(it->value);
	if (!v)
		return ENOMEM;
	{
		char **dst = it->key[0] == 'd' ? &c->audio_device : it->key[0] == 'c' ? &c->capture_device :
						 &c->playback_device;
		free(*dst);
		*dst = v;
	}
	return 0;
}

static int ui_key(struct account_conf *c, const struct conf_item *it)
{
	if (!strcmp(it->key, "ascii"))
		return conf_bool(it, &c->ui_ascii, it->msg, it->msgsz);
	if (!strcmp(it->key, "color"))
		return conf_bool(it, &c->ui_color, it->msg, it->msgsz);
	if (!strcmp(it->key, "bell"))
		return conf_bool(it, &c->ui_bell, it->msg, it->msgsz);
	return conf_unknown_key(it, ui_keys, it->msg, it->msgsz);
}

static int account_key(struct account *a, const struct conf_item *it)
{
	const char *k = it->key;
	int idx, r;

	if (!strcmp(k, "uri"))
		return set_uri(it, &a->uri, true);
	if (!strcmp(k, "username"))
		return set_str(it, &a->username);
	if (!strcmp(k, "password")) {
		r = set_str(it, &a->password);
		if (!r)
			log_add_secret(a->password);
		return r;
	}
	if (!strcmp(k, "password_cmd"))
		return set_str(it, &a->password_cmd);
	if (!strcmp(k, "display_name"))
		return set_str(it, &a->display_name);
	if (!strcmp(k, "proxy"))
		return set_proxy(it, &a->proxy);
	if (!strcmp(k, "transport")) {
		r = conf_enum(it, transports, &idx, it->msg, it->msgsz);
		if (!r)
			a->transport = (enum account_transp)idx;
		return r;
	}
	if (!strcmp(k, "ca_file"))
		return set_path(it, &a->ca_file, false);
	if (!strcmp(k, "ca_path"))
		return set_path(it, &a->ca_path, true);
	if (!strcmp(k, "tls_min_version")) {
		r = conf_enum(it, tls_versions, &idx, it->msg, it->msgsz);
		if (!r)
			a->tls_min_version = idx ? 13 : 12;
		return r;
	}
	if (!strcmp(k, "tls_cert"))
		return set_path(it, &a->tls_cert, false);
	if (!strcmp(k, "tls_key"))
		return set_path(it, &a->tls_key, false);
	if (!strcmp(k, "tls_pin")) {
		r = pin_check(it);
		return r ? r : set_str(it, &a->tls_pin);
	}
	if (!strcmp(k, "tls_insecure_skip_verify"))
		return conf_bool(it, &a->tls_insecure_skip_verify, it->msg, it->msgsz);
	if (!strcmp(k, "register"))
		return conf_bool(it, &a->reg, it->msg, it->msgsz);
	if (!strcmp(k, "expires"))
		return conf_uint(it, 60, 86400, &a->expires, it->msg, it->msgsz);
	if (!strcmp(k, "allow_plaintext_auth"))
		return conf_bool(it, &a->allow_plaintext_auth, it->msg, it->msgsz);
	if (!strcmp(k, "realm"))
		return set_items(it, realm_h, NULL, ACCOUNT_MAX_REALMS, &a->realms[0][0], sizeof(a->realms[0]),
				 &a->n_realms, "e.g. realm = example.com");
	if (!strcmp(k, "media_encryption")) {
		r = conf_enum(it, media_encs, &idx, it->msg, it->msgsz);
		if (!r)
			a->media_encryption = (enum account_media)idx;
		return r;
	}
	if (!strcmp(k, "srtp_required"))
		return conf_bool(it, &a->srtp_required, it->msg, it->msgsz);
	if (!strcmp(k, "srtp_suites"))
		return set_list(it, suite_names, ACCOUNT_MAX_SUITES, &a->srtp_suites[0][0],
				sizeof(a->srtp_suites[0]), &a->n_suites);
	if (!strcmp(k, "codecs"))
		return set_list(it, codec_names, ACCOUNT_MAX_CODECS, &a->codecs[0][0],
				sizeof(a->codecs[0]), &a->n_codecs);
	if (!strcmp(k, "keepalive_interval"))
		return conf_uint(it, 0, 3600, &a->keepalive_interval, it->msg, it->msgsz);
	if (!strcmp(k, "media_timeout"))
		return conf_uint(it, 1, 3600, &a->media_timeout, it->msg, it->msgsz);
	if (!strcmp(k, "outbound"))
		return conf_bool(it, &a->outbound, it->msg, it->msgsz);
	if (!strcmp(k, "stun_server"))
		return set_stun_server(it, a);
	/* RFC 4028: not below its 90 s minimum; a day at most */
	if (!strcmp(k, "session_expires"))
		return conf_uint(it, 90, 86400, &a->session_expires, it->msg, it->msgsz);
	if (!strcmp(k, "session_refresher")) {
		r = conf_enum(it, refreshers, &idx, it->msg, it->msgsz);
		if (!r)
			a->session_refresher = (enum account_refresher)idx;
		return r;
	}
	if (!strcmp(k, "on_incoming"))
		return set_hook(it, &a->on_incoming);
	if (!strcmp(k, "on_missed"))
		return set_hook(it, &a->on_missed);
	if (!strcmp(k, "mwi"))
		return conf_bool(it, &a->mwi, it->msg, it->msgsz);
	if (!strcmp(k, "accept_transfer"))
		return conf_bool(it, &a->accept_transfer, it->msg, it->msgsz);
	if (!strcmp(k, "voicemail")) {
		if (!dial_addr_ok(it->value)) {
			snprintf(it->msg, it->msgsz, "voicemail: '%s' is not a sip:/sips:/tel: URI or a plain number or user",
				 it->value);
			return EINVAL;
		}
		return set_str(it, &a->voicemail);
	}
	return conf_unknown_key(it, account_keys, it->msg, it->msgsz);
}

/* Bit of key k in a key mask (account_keys' order). */
static uint64_t key_bit(const char *k)
{
	for (size_t i = 0; account_keys[i]; i++)
		if (!strcmp(account_keys[i], k))
			return (uint64_t)1 << i;
	return 0;
}

/*
 * Checks that need the whole section, run once the file is read. bad: the keys whose values were
 * refused already, so one mistake is not reported twice. Every problem is added to err.
 */
static int account_finish(struct account *a, uint64_t bad, const char *file, char *err, size_t errsz)
{
	struct sip_uri u;
	char user[128];
	size_t ulen;
	int r = 0;

	if (!a->uri && !(bad & key_bit("uri"))) {
		conf_add_error(err, errsz, "%s:%u: [account %s] has no uri (e.g. uri = sips:alice@example.com)",
			       file, a->line, a->name);
		r = EINVAL;
	}
	if (a->password && a->password_cmd) {
		conf_add_error(err, errsz, "%s:%u: [account %s] has both password and password_cmd; keep one",
			       file, a->line, a->name);
		r = EINVAL;
	}
	if ((a->tls_cert == NULL) != (a->tls_key == NULL) && !(bad & (key_bit("tls_cert") | key_bit("tls_key")))) {
		conf_add_error(err, errsz, "%s:%u: [account %s]: tls_cert and tls_key go together", file,
			       a->line, a->name);
		r = EINVAL;
	}
	if (!a->uri || sip_uri_decode_str(&u, a->uri) != 0)
		return r ? r : EINVAL;
	if (u.scheme == SIP_URI_SIPS && a->transport != ACCOUNT_TLS) {
		conf_add_error(err, errsz,
			       "%s:%u: [account %s]: a sips: uri needs transport = tls (it is never downgraded)",
			       file, a->line, a->name);
		r = EINVAL;
	}
	if (!a->username && !(bad & key_bit("username"))) {
		/* ulen == sizeof(user) fits but leaves no room for the NUL strdup needs */
		if (sip_uri_unescape(user, sizeof(user), u.user, &ulen) != 0 || ulen == 0 ||
		    ulen >= sizeof(user) || memchr(user, '\0', ulen)) {
			conf_add_error(err, errsz, "%s:%u: [account %s]: cannot take username from uri; set username",
				       file, a->line, a->name);
			return EINVAL;
		}
		a->username = strdup(user);
		if (!a->username)
			return ENOMEM;
	}
	return r;
}

struct load_ctx {
	struct account_conf *c;
	struct account *cur;
	uint64_t bad[MAX_ACCOUNTS]; /* per account: keys whose values were refused */
};

static int load_h(const struct conf_item *it, void *arg)
{
	struct load_ctx *x = arg;
	struct account_conf *c = x->c;
	size_t i;
	int r;

	if (!it->key) { /* section header */
		x->cur = NULL;
		if (it->type != CONF_ACCOUNT)
			return 0;
		if (!*it->name) {
			snprintf(it->msg, it->msgsz, "[account] needs a name: [account NAME]");
			return EINVAL;
		}
		for (i = 0; i < c->n; i++) {
			if (!strcmp(c->acc[i]->name, it->name)) {
				snprintf(it->msg, it->msgsz, "[account %s] defined twice (first at line %u)",
					 it->name, c->acc[i]->line);
				return EINVAL;
			}
		}
		if (c->n >= MAX_ACCOUNTS) {
			snprintf(it->msg, it->msgsz, "more than %d accounts", MAX_ACCOUNTS);
			return EINVAL;
		}
		x->cur = account_new(it->name, it->line);
		if (!x->cur)
			return ENOMEM;
		c->acc[c->n++] = x->cur;
		return 0;
	}
	switch (it->type) {
	case CONF_GENERAL:
		return general_key(c, it);
	case CONF_ACCOUNT:
		if (!x->cur) /* conf_load hands on no key of a refused header; be sure */
			return EINVAL;
		r = account_key(x->cur, it);
		if (r)
			x->bad[c->n - 1] |= key_bit(it->key);
		return r;
	case CONF_CONTACTS:
		return contact_key(c, it);
	case CONF_AUDIO:
		return audio_key(c, it);
	case CONF_UI:
		return ui_key(c, it);
	default:
		snprintf(it->msg, it->msgsz, "unknown key '%s': [%s] has no settings yet", it->key,
			 it->section);
		return EINVAL;
	}
}

static void add_warning(struct account_conf *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_warning(struct account_conf *c, const char *fmt, ...)
{
	va_list ap;
	char *w = NULL;

	if (c->nwarn >= MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	if (vasprintf(&w, fmt, ap) < 0)
		w = NULL;
	va_end(ap);
	if (w)
		c->warn[c->nwarn++] = w;
}

int account_conf_load(struct account_conf **cp, const char *path, char *err, size_t errsz)
{
	struct account_conf *c = NULL;
	struct load_ctx *x = NULL;
	bool has_pw = false;
	size_t i;
	int r, e;

	if (!cp || !path)
		return EINVAL;
	r = account_conf_alloc(&c);
	if (r)
		return r;
	c->path = strdup(path);
	x = calloc(1, sizeof(*x));
	if (!c->path || !x) {
		r = ENOMEM;
		goto out;
	}
	x->c = c;
	r = conf_load_stamped(path, load_h, x, err, errsz, &c->stamp);
	if (r == ENOMEM || (r && !c->n))
		goto out;
	for (i = 0; i < c->n; i++) {
		e = account_finish(c->acc[i], x->bad[i], path, err, errsz);
		if (!r)
			r = e;
	}
	if (r)
		goto out;
	for (i = 0; i < c->n; i++) {
		if (c->acc[i]->password)
			has_pw = true;
		if (c->acc[i]->tls_insecure_skip_verify)
			add_warning(c, "%s:%u: [account %s] has tls_insecure_skip_verify = yes: the server's "
				    "certificate is NOT checked; anyone on the path can read and change calls",
				    path, c->acc[i]->line, c->acc[i]->name);
	}
	if (has_pw && !conf_file_is_private(path))
		add_warning(c, "%s holds a password and others can read it: chmod 600 %s", path, path);
	*cp = c;
	c = NULL;
out:
	free(x);
	account_conf_free(c);
	return r;
}

size_t account_conf_warning_count(const struct account_conf *c)
{
	return c ? c->nwarn : 0;
}

const char *account_conf_warning(const struct account_conf *c, size_t i)
{
	return c && i < c->nwarn ? c->warn[i] : NULL;
}

const char *account_conf_path(const struct account_conf *c)
{
	return c && c->path ? c->path : "";
}

size_t account_conf_count(const struct account_conf *c)
{
	return c ? c->n : 0;
}

struct account *account_conf_at(const struct account_conf *c, size_t i)
{
	return c && i < c->n ? c->acc[i] : NULL;
}

struct account *account_conf_find(const struct account_conf *c, const char *name)
{
	size_t i;

	if (!c || !c->n)
		return NULL;
	if (!name)
		return c->acc[0];
	for (i = 0; i < c->n; i++)
		if (!strcmp(c->acc[i]->name, name))
			return c->acc[i];
	return NULL;
}

const char *account_conf_log_level(const struct account_conf *c)
{
	return log_levels[c ? c->log_level : 2];
}

bool account_conf_sip_trace(const struct account_conf *c)
{
	return c ? c->sip_trace : false;
}

const char *account_on_incoming(const struct account_conf *c, const struct account *a)
{
	return a && a->on_incoming ? a->on_incoming : c ? c->on_incoming : NULL;
}

const char *account_on_missed(const struct account_conf *c, const struct account *a)
{
	return a && a->on_missed ? a->on_missed : c ? c->on_missed : NULL;
}

bool account_conf_history(const struct account_conf *c)
{
	return c ? c->history : true;
}

static const char *yesno(bool b)
{
	return b ? "yes" : "no";
}

static void print_opt(FILE *f, const char *k, const char *v)
{
	if (v)
		fprintf(f, "%s = %s\n", k, v);
}

void account_conf_print(const struct account_conf *c, FILE *f)
{
	size_t i;
	unsigned k;

	fprintf(f, "# %s\n[general]\nlog_level = %s\nsip_trace = %s\n", account_conf_path(c),
		account_conf_log_level(c), yesno(account_conf_sip_trace(c)));
	fprintf(f, "history = %s\n", yesno(account_conf_history(c)));
	if (c) {
		print_opt(f, "on_incoming", c->on_incoming);
		print_opt(f, "on_missed", c->on_missed);
	}
	for (i = 0; c && i < c->n; i++) {
		const struct account *a = c->acc[i];

		fprintf(f, "\n[account %s]\n", a->name);
		print_opt(f, "uri", a->uri);
		print_opt(f, "username", a->username);
		if (a->password)
			fprintf(f, "password = ***\n");
		if (a->password_cmd)
			fprintf(f, "password_cmd = ***\n");
		print_opt(f, "display_name", a->display_name);
		print_opt(f, "proxy", a->proxy ? a->proxy : "(none: RFC 3263 lookup of the domain)");
		fprintf(f, "transport = %s\n", account_transp_name(a->transport));
		print_opt(f, "ca_file", a->ca_file);
		print_opt(f, "ca_path", a->ca_path);
		if (!a->ca_file && !a->ca_path)
			fprintf(f, "# trust: the system CA store\n");
		fprintf(f, "tls_min_version = %s\n", a->tls_min_version == 13 ? "1.3" : "1.2");
		print_opt(f, "tls_cert", a->tls_cert);
		print_opt(f, "tls_key", a->tls_key);
		print_opt(f, "tls_pin", a->tls_pin);
		fprintf(f, "tls_insecure_skip_verify = %s%s\n", yesno(a->tls_insecure_skip_verify),
			a->tls_insecure_skip_verify ? "   # WARNING: server certificate NOT checked" : "");
		fprintf(f, "register = %s\nexpires = %u\nallow_plaintext_auth = %s\n", yesno(a->reg),
			a->expires, yesno(a->allow_plaintext_auth));
		if (a->n_realms) {
			fprintf(f, "realm = ");
			for (k = 0; k < a->n_realms; k++)
				fprintf(f, "%s%s", k ? "," : "", a->realms[k]);
			fprintf(f, "\n");
		} else {
			fprintf(f, "# realm: only the registrar's (none set)\n");
		}
		fprintf(f, "media_encryption = %s\nsrtp_required = %s\nsrtp_suites = ", media_encs[a->media_encryption],
			yesno(a->srtp_required));
		for (k = 0; k < a->n_suites; k++)
			fprintf(f, "%s%s", k ? "," : "", a->srtp_suites[k]);
		fprintf(f, "\ncodecs = ");
		for (k = 0; k < a->n_codecs; k++)
			fprintf(f, "%s%s", k ? "," : "", a->codecs[k]);
		fprintf(f, "\nkeepalive_interval = %u\noutbound = %s\n", a->keepalive_interval, yesno(a->outbound));
		if (a->stun_host)
			fprintf(f, strchr(a->stun_host, ':') ? "stun_server = [%s]:%u\n" : "stun_server = %s:%u\n",
				a->stun_host, a->stun_port);
		else
			fprintf(f, "# stun_server: none (SDP gives the local media address)\n");
		fprintf(f, "media_timeout = %u\n", a->media_timeout);
		fprintf(f, "session_expires = %u\nsession_refresher = %s\n", a->session_expires,
			refreshers[a->session_refresher]);
		print_opt(f, "on_incoming", a->on_incoming);
		print_opt(f, "on_missed", a->on_missed);
		fprintf(f, "mwi = %s\n", yesno(a->mwi));
		print_opt(f, "voicemail", a->voicemail);
		fprintf(f, "accept_transfer = %s\n", yesno(a->accept_transfer));
	}
	if (c) {
		fprintf(f, "\n[audio]\n");
		if (c->audio_device)
			fprintf(f, "device = %s\n", c->audio_device);
		print_opt(f, "capture_device", c->capture_device);
		print_opt(f, "playback_device", c->playback_device);
		fprintf(f, "echo_cancel = %s\necho_tail = %u\ntones = %s\nringtone = %s\nring_volume = %u\n",
			auto_modes[c->echo_cancel], c->echo_tail, auto_modes[c->tones], c->ringtone ? c->ringtone : "",
			c->ring_volume);
	}
	if (c)
		fprintf(f, "\n[ui]\nascii = %s\ncolor = %s\nbell = %s\n", yesno(c->ui_ascii), yesno(c->ui_color),
			yesno(c->ui_bell));
	if (c && c->ncontacts) {
		fprintf(f, "\n[contacts]\n");
		for (i = 0; i < c->ncontacts; i++)
			fprintf(f, "%s = %s\n", c->contacts[i].name, c->contacts[i].addr);
	}
}

const char *account_conf_audio_device(const struct account_conf *c)
{
	return c ? c->audio_device : NULL;
}

void account_conf_set_scratch(struct account_conf *c)
{
	if (c)
		c->scratch = true;
}

const char *account_conf_capture_device(const struct account_conf *c)
{
	return !c ? NULL : c->capture_device ? c->capture_device : c->audio_device;
}

const char *account_conf_playback_device(const struct account_conf *c)
{
	return !c ? NULL : c->playback_device ? c->playback_device : c->audio_device;
}

int account_conf_save_audio(struct account_conf *c, const char *capture, const char *playback, char *where,
			    size_t wheresz, char *err, size_t errsz)
{
	const char *keys[2], *vals[2];
	char **dst[2];
	size_t n = 0;
	int r;

	if (!c || (!capture && !playback))
		return EINVAL;
	snprintf(where, wheresz, "%s", account_conf_path(c));
	if (c->scratch || !c->path || !c->stamp.valid) {
		/* where the user's own would be, so that the choice can go there by hand */
		char mine[512];
		if (account_default_path(mine, sizeof(mine)))
			snprintf(mine, sizeof(mine), "a file given with -c");
		snprintf(where, wheresz, "%s", mine);
		snprintf(err, errsz, "%s: not remembered; your own configuration goes in %s ([audio] capture_device, "
			 "playback_device: see sphone.conf(5))", c->scratch ? "this configuration is made for this run only" :
			 "no configuration file was read", mine);
		return ENOENT;
	}
	if (capture) {
		keys[n] = "capture_device";
		vals[n] = capture;
		dst[n++] = &c->capture_device;
	}
	if (playback) {
		keys[n] = "playback_device";
		vals[n] = playback;
		dst[n++] = &c->playback_device;
	}
	r = conf_set_keys(c->path, &c->stamp, "audio", keys, vals, n, err, errsz);
	for (size_t i = 0; !r && i < n; i++) {
		char *v = strdup(vals[i]);
		if (v) {
			free(*dst[i]);
			*dst[i] = v;
		}
	}
	return r;
}

enum account_auto account_conf_echo_cancel(const struct account_conf *c)
{
	return c ? (enum account_auto)c->echo_cancel : ACCOUNT_AUTO;
}

enum account_auto account_conf_tones(const struct account_conf *c)
{
	return c ? (enum account_auto)c->tones : ACCOUNT_AUTO;
}

unsigned account_conf_echo_tail(const struct account_conf *c)
{
	return c ? c->echo_tail : 0;
}

const char *account_conf_ringtone(const struct account_conf *c)
{
	return c ? c->ringtone : NULL;
}

unsigned account_conf_ring_volume(const struct account_conf *c)
{
	return c ? c->ring_volume : ACCOUNT_RING_VOLUME;
}

bool account_conf_ui_ascii(const struct account_conf *c)
{
	return c && c->ui_ascii;
}

bool account_conf_ui_color(const struct account_conf *c)
{
	return !c || c->ui_color;
}

bool account_conf_ui_bell(const struct account_conf *c)
{
	return !c || c->ui_bell;
}

int account_password(struct account *a, const char **pw, char *err, size_t errsz)
{
	char line[1024];
	FILE *p;
	size_t n;
	int st, r = 0;

	if (!a || !pw)
		return EINVAL;
	if (a->password) {
		*pw = a->password;
		return 0;
	}
	if (!a->password_cmd) {
		snprintf(err, errsz, "account %s has no password or password_cmd", a->name);
		return ENOENT;
	}
	fflush(NULL);
	p = popen(a->password_cmd, "r");
	if (!p) {
		snprintf(err, errsz, "account %s: cannot run password_cmd: %s", a->name, strerror(errno));
		return EIO;
	}
	line[0] = '\0';
	if (!fgets(line, sizeof(line), p))
		line[0] = '\0';
	/* drain the rest so the command is not killed by SIGPIPE */
	while (fgetc(p) != EOF)
		;
	st = pclose(p);
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(err, errsz, "account %s: password_cmd failed (exit status %d)", a->name,
			 st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		r = EIO;
		goto out;
	}
	if (!n) {
		snprintf(err, errsz, "account %s: password_cmd printed no password", a->name);
		r = EIO;
		goto out;
	}
	a->password = strdup(line);
	if (!a->password) {
		r = ENOMEM;
		goto out;
	}
	log_add_secret(a->password);
	*pw = a->password;
out:
	crypto_wipe(line, sizeof(line));
	return r;
}

int account_default_path(char *buf, size_t sz)
{
	const char *x = getenv("XDG_CONFIG_HOME");
	const char *h = getenv("HOME");
	int n;

	if (x && *x == '/')
		n = snprintf(buf, sz, "%s/sphone/sphone.conf", x);
	else if (h && *h)
		n = snprintf(buf, sz, "%s/.config/sphone/sphone.conf", h);
	else
		return ENOENT;
	return n < 0 || (size_t)n >= sz ? ENOSPC : 0;
}
