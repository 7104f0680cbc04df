/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * account.c: loads and validates the config file's [general], [account NAME], [audio], [ui] and
 * [contacts] sections (every error as FILE:LINE, "did you mean", warnings for the front end). What
 * the loaded configuration answers, prints and writes back is account_conf.c's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account.h"
#include "account_priv.h"
#include "call_audio.h"
#include "conf.h"
#include "crypto.h"
#include "hook.h"
#include "log.h"
#include "pl.h"
#include "sip_uri.h"

const char *const account_log_levels[] = { "error", "warn", "info", "debug", NULL };
static const char *const transports[] = { "tls", "tcp", "udp", NULL };
static const char *const tls_versions[] = { "1.2", "1.3", NULL };
const char *const account_media_encs[] = { "sdes", "none", "zrtp", "sdes-zrtp", NULL }; /* enum account_media */
static const char *const suite_names[] = {
	"AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32", "AES_256_CM_HMAC_SHA1_80",
	"AES_256_CM_HMAC_SHA1_32", "AEAD_AES_128_GCM",        "AEAD_AES_256_GCM",
	NULL,
};
static const char *const codec_names[] = { "pcmu", "pcma", NULL };
const char *const account_refreshers[] = { "auto", "local", "remote", NULL };
const char *const account_transfer_modes[] = { "no", "yes", "ask", NULL };
static const char *const general_keys[] = { "log_level", "sip_trace", "on_incoming", "on_missed", "history", NULL };
static const char *const audio_keys[] = { "device", "capture_device", "playback_device", "echo_cancel", "echo_tail", "tones", "ringtone", "ring_volume",
					   NULL };
const char *const account_auto_modes[] = { "auto", "off", "on", NULL };
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
	a->accept_transfer = ACCOUNT_TRANSFER_YES;
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

/* accept_transfer: a yes/no as every switch takes it (files written for the bool parse as before), or ask */
static int set_transfer(const struct conf_item *it, struct account *a)
{
	bool on;

	if (it->value && !strcasecmp(it->value, "ask")) {
		a->accept_transfer = ACCOUNT_TRANSFER_ASK;
		return 0;
	}
	if (conf_bool(it, &on, it->msg, it->msgsz)) {
		snprintf(it->msg, it->msgsz, "accept_transfer: expected yes, no or ask (yes/no also as true/false, "
			 "on/off, 1/0), got '%.40s'", it->value ? it->value : "");
		return EINVAL;
	}
	a->accept_transfer = on ? ACCOUNT_TRANSFER_YES : ACCOUNT_TRANSFER_NO;
	return 0;
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

static int general_key(struct account_conf *c, const struct conf_item *it)
{
	int idx;
	int r;

	if (!strcmp(it->key, "log_level")) {
		r = conf_enum(it, account_log_levels, &idx, it->msg, it->msgsz);
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
		r = conf_enum(it, account_auto_modes, &idx, it->msg, it->msgsz);
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
		r = conf_enum(it, account_media_encs, &idx, it->msg, it->msgsz);
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
		r = conf_enum(it, account_refreshers, &idx, it->msg, it->msgsz);
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
		return set_transfer(it, a);
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
