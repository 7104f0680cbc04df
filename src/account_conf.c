/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * account_conf.c: the loaded configuration (account.c's): what the UA and the front end read of it,
 * --check-config's print-out (account_conf_print, secrets as ***), the sound device chosen at run
 * time written back into the file (account_conf_save_audio, base/conf_edit.c), an account's
 * password_cmd run, and the default path.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "account.h"
#include "account_priv.h"
#include "conf.h"
#include "crypto.h"
#include "log.h"

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
	return account_log_levels[c ? c->log_level : 2];
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
		fprintf(f, "media_encryption = %s\nsrtp_required = %s\nsrtp_suites = ",
			account_media_encs[a->media_encryption], yesno(a->srtp_required));
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
			account_refreshers[a->session_refresher]);
		print_opt(f, "on_incoming", a->on_incoming);
		print_opt(f, "on_missed", a->on_missed);
		fprintf(f, "mwi = %s\n", yesno(a->mwi));
		print_opt(f, "voicemail", a->voicemail);
		fprintf(f, "accept_transfer = %s\n", account_transfer_modes[a->accept_transfer]);
	}
	if (c) {
		fprintf(f, "\n[audio]\n");
		if (c->audio_device)
			fprintf(f, "device = %s\n", c->audio_device);
		print_opt(f, "capture_device", c->capture_device);
		print_opt(f, "playback_device", c->playback_device);
		fprintf(f, "echo_cancel = %s\necho_tail = %u\ntones = %s\nringtone = %s\nring_volume = %u\n",
			account_auto_modes[c->echo_cancel], c->echo_tail, account_auto_modes[c->tones],
			c->ringtone ? c->ringtone : "", c->ring_volume);
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
