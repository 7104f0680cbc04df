/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_account.c: config file accounts: defaults, every key, errors naming FILE:LINE, secrets masked. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account.h"
#include "wav.h"
#include "log.h"
#include "tap.h"

static char dir[] = "/tmp/sphone-test-account.XXXXXX";
static char path[256];

static void write_file(const char *text, mode_t mode)
{
	FILE *f;

	snprintf(path, sizeof(path), "%s/sphone.conf", dir);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(99);
	}
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

/* Loads text; returns the error and leaves the message in err. */
static int load(const char *text, struct account_conf **cp, char *err, size_t errsz)
{
	write_file(text, 0600);
	err[0] = '\0';
	return account_conf_load(cp, path, err, errsz);
}

/* Expects a load error whose message contains want (and "FILE:LINE:" when line > 0). */
static void bad(const char *text, unsigned line, const char *want, const char *what)
{
	struct account_conf *c = NULL;
	char err[512], prefix[300];
	int r = load(text, &c, err, sizeof(err));

	ok(r != 0 && c == NULL, "%s: rejected", what);
	if (line)
		snprintf(prefix, sizeof(prefix), "%s:%u: ", path, line);
	else
		snprintf(prefix, sizeof(prefix), "%s", path);
	ok(strncmp(err, prefix, strlen(prefix)) == 0 && strstr(err, want) != NULL,
	   "%s: message names %s and says '%s'", what, line ? "FILE:LINE" : "FILE", want);
	if (strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err, want))
		diag("got: %s", err);
	account_conf_free(c);
}

static void test_defaults(void)
{
	struct account_conf *c = NULL;
	struct account *a;
	char err[512];
	int r;

	r = load("[account alice]\nuri = sips:alice@example.com\npassword = s3cret\n", &c, err,
		 sizeof(err));
	is_int(r, 0, "minimal account loads");
	if (r) {
		diag("%s", err);
		return;
	}
	is_int(account_conf_count(c), 1, "one account");
	a = account_conf_find(c, NULL);
	ok(a != NULL && a == account_conf_find(c, "alice"), "found by name and as first");
	ok(account_conf_find(c, "bob") == NULL, "unknown name: NULL");
	is_str(a->username, "alice", "username defaults to the uri's user part");
	is_int(a->transport, ACCOUNT_TLS, "transport defaults to tls");
	is_int(a->tls_min_version, 12, "tls_min_version defaults to 1.2");
	is_int(a->expires, 600, "expires defaults to 600");
	ok(a->reg && a->srtp_required && !a->allow_plaintext_auth && !a->tls_insecure_skip_verify,
	   "register=yes srtp_required=yes allow_plaintext_auth=no insecure=no by default");
	is_int(a->media_encryption, ACCOUNT_MEDIA_SDES, "media_encryption defaults to sdes");
	is_int(a->n_codecs, 2, "two default codecs");
	is_str(a->codecs[0], "pcmu", "pcmu first");
	is_int(a->keepalive_interval, 30, "keepalive_interval 30");
	is_int(a->media_timeout, 30, "media_timeout 30");
	ok(a->session_expires == 1800 && a->session_refresher == ACCOUNT_REFRESHER_AUTO,
	   "session_expires 1800, session_refresher auto");
	ok(a->proxy == NULL && a->ca_file == NULL, "no proxy, system CA store");
	ok(a->stun_host == NULL, "no stun_server by default");
	is_str(account_conf_log_level(c), "info", "log_level info by default");
	ok(!account_conf_sip_trace(c), "sip_trace off by default");
	account_conf_free(c);
}

/* An empty file dir/name (mode given), its path in out. */
static const char *touch(const char *name, mode_t mode, char *out, size_t outsz)
{
	FILE *f;

	snprintf(out, outsz, "%s/%s", dir, name);
	f = fopen(out, "w");
	if (!f) {
		perror(out);
		exit(99);
	}
	fclose(f);
	chmod(out, mode);
	return out;
}

static void test_all_keys(void)
{
	struct account_conf *c = NULL;
	struct account *a;
	char err[512], text[2048], ca[300], cert[300], key[300];
	char *buf = NULL;
	size_t blen = 0;
	FILE *mem;
	int r;

	snprintf(text, sizeof(text), "# comment\n[general]\nlog_level = debug\nsip_trace = yes\n\n"
		 "[account work]\nuri = sip:bob@sip.test\nusername = bob-auth\npassword = \"p w#1\"\n"
		 "display_name = Bob B\nproxy = sips:127.0.0.1:5061;transport=tls\ntransport = tcp\n"
		 "ca_file = %s\nca_path = %s\ntls_min_version = 1.3\n"
		 "tls_cert = %s\ntls_key = %s\n"
		 "tls_pin = sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
		 "tls_insecure_skip_verify = no\nregister = no\nexpires = 3600\n"
		 "allow_plaintext_auth = yes\nrealm = pbx.example , Asterisk Realm\n"
		 "media_encryption = none\nsrtp_required = no\n"
		 "srtp_suites = aead_aes_256_gcm, AES_CM_128_HMAC_SHA1_80\ncodecs = pcma\n"
		 "keepalive_interval = 0\nmedia_timeout = 5\nsession_expires = 90\nsession_refresher = remote\n"
		 "stun_server = stun.example.net\n"
		 "[account home]\nuri = sips:carol@example.org\npassword_cmd = echo hunter2\n"
		 "media_encryption = zrtp\nstun_server = [2001:db8::1]:3479\n"
		 "[account z2]\nuri = sips:dave@example.org\nmedia_encryption = SDES-ZRTP\n"
		 "stun_server = 198.51.100.2:19302\n"
		 "[account s]\nuri = sips:erin@example.org\nmedia_encryption = sdes\n",
		 touch("ca.pem", 0644, ca, sizeof(ca)), dir, touch("c.pem", 0644, cert, sizeof(cert)),
		 touch("c.key", 0600, key, sizeof(key)));
	r = load(text, &c, err, sizeof(err));
	is_int(r, 0, "every key accepted");
	if (r) {
		diag("%s", err);
		return;
	}
	is_int(account_conf_count(c), 4, "four accounts");
	is_int(account_conf_find(c, "home")->media_encryption, ACCOUNT_MEDIA_ZRTP, "media_encryption zrtp");
	ok(!strcmp(account_conf_find(c, "work")->stun_host, "stun.example.net") &&
		   account_conf_find(c, "work")->stun_port == 3478,
	   "stun_server: a name, port 3478 by default");
	ok(!strcmp(account_conf_find(c, "home")->stun_host, "2001:db8::1") &&
		   account_conf_find(c, "home")->stun_port == 3479,
	   "stun_server: [IPv6]:port");
	ok(!strcmp(account_conf_find(c, "z2")->stun_host, "198.51.100.2") &&
		   account_conf_find(c, "z2")->stun_port == 19302,
	   "stun_server: IPv4:port");
	ok(account_conf_find(c, "s")->stun_host == NULL, "stun_server: none where not set");
	is_int(account_conf_find(c, "z2")->media_encryption, ACCOUNT_MEDIA_SDES_ZRTP, "media_encryption sdes-zrtp");
	is_int(account_conf_find(c, "s")->media_encryption, ACCOUNT_MEDIA_SDES, "media_encryption sdes");
	a = account_conf_find(c, "work");
	is_str(a->username, "bob-auth", "username");
	is_str(a->password, "p w#1", "quoted password keeps space and #");
	is_str(a->display_name, "Bob B", "display_name");
	is_str(a->proxy, "sips:127.0.0.1:5061;transport=tls", "proxy");
	is_int(a->transport, ACCOUNT_TCP, "transport tcp");
	is_int(a->tls_min_version, 13, "tls_min_version 1.3");
	ok(!a->reg && a->allow_plaintext_auth && !a->srtp_required, "booleans");
	is_int(a->expires, 3600, "expires");
	is_int(a->n_realms, 2, "two realms");
	is_str(a->realms[0], "pbx.example", "realm trimmed");
	is_str(a->realms[1], "Asterisk Realm", "realm with a space, case kept");
	is_int(a->media_encryption, ACCOUNT_MEDIA_NONE, "media_encryption none");
	is_int(a->n_suites, 2, "two suites");
	is_str(a->srtp_suites[0], "AEAD_AES_256_GCM", "suite names canonical, order kept");
	is_int(a->n_codecs, 1, "one codec");
	is_str(a->codecs[0], "pcma", "pcma");
	is_int(a->keepalive_interval, 0, "keepalive off");
	is_int(a->media_timeout, 5, "media_timeout 5");
	is_str(a->ca_file, ca, "ca_file");
	is_str(a->ca_path, dir, "ca_path");
	ok(!strcmp(a->tls_cert, cert) && !strcmp(a->tls_key, key), "tls_cert and tls_key");
	is_int(a->session_expires, 90, "session_expires 90");
	is_int(a->session_refresher, ACCOUNT_REFRESHER_REMOTE, "session_refresher remote");
	is_str(account_conf_log_level(c), "debug", "log_level");
	ok(account_conf_sip_trace(c), "sip_trace");

	/* the password is masked in logs once loaded */
	{
		char red[128];
		log_redact(red, sizeof(red), "pw is p w#1 here", 16);
		ok(strstr(red, "p w#1") == NULL, "loaded password registered as a log secret");
	}

	/* password_cmd: run once, first line */
	{
		struct account *h = account_conf_find(c, "home");
		const char *pw = NULL;
		char e2[200];
		ok(h->password == NULL, "password_cmd not run at load");
		r = account_password(h, &pw, e2, sizeof(e2));
		is_int(r, 0, "password_cmd runs");
		is_str(pw, "hunter2", "first line of its output, newline removed");
	}

	/* --check-config output masks secrets */
	mem = open_memstream(&buf, &blen);
	account_conf_print(c, mem);
	fclose(mem);
	ok(buf && strstr(buf, "p w#1") == NULL && strstr(buf, "hunter2") == NULL &&
		   strstr(buf, "echo hunter") == NULL && strstr(buf, "= echo") == NULL,
	   "printed settings contain neither password nor password_cmd");
	ok(buf && strstr(buf, "realm = pbx.example,Asterisk Realm"), "printed settings show the realms");
	ok(buf && strstr(buf, "stun_server = stun.example.net:3478\n") &&
		   strstr(buf, "stun_server = [2001:db8::1]:3479\n") && strstr(buf, "# stun_server: none"),
	   "printed settings show stun_server with its port");
	ok(buf && strstr(buf, "password = ***") && strstr(buf, "expires = 3600") &&
		   strstr(buf, "[account home]"),
	   "printed settings show the effective values");
	free(buf);
	account_conf_free(c);
}

static void test_password_cmd_fails(void)
{
	struct account_conf *c = NULL;
	const char *pw = NULL;
	char err[512];
	int r;

	r = load("[account a]\nuri = sips:a@x.test\npassword_cmd = exit 3\n", &c, err, sizeof(err));
	is_int(r, 0, "config with a failing password_cmd loads");
	if (r)
		return;
	r = account_password(account_conf_find(c, "a"), &pw, err, sizeof(err));
	is_int(r, EIO, "failing password_cmd: EIO");
	ok(strstr(err, "exit status 3") != NULL, "message gives the exit status");
	ok(pw == NULL, "no password written");
	account_conf_free(c);
}

static void test_errors(void)
{
	bad("[account a]\nuri = sips:a@x.test\nfoo = 1\n", 3, "unknown key 'foo'", "unknown key");
	bad("[account a]\nuri = sips:a@x.test\nfoo = 1\n", 3, "uri", "unknown key lists valid keys");
	bad("[account a]\nuri = sips:a@x.test\nexpires = 30\n", 3, "expires", "expires below 60");
	bad("[account a]\nuri = sips:a@x.test\nexpires = 86401\n", 3, "86400", "expires above 86400");
	bad("[account a]\nuri = sips:a@x.test\nmedia_timeout = 0\n", 3, "media_timeout", "media_timeout below 1");
	bad("[account a]\nuri = sips:a@x.test\ntransport = sctp\n", 3, "tls", "bad transport");
	bad("[account a]\nuri = sips:a@x.test\ntls_min_version = 1.1\n", 3, "1.2",
	    "tls_min_version 1.1");
	bad("[account a]\nuri = sips:a@x.test\nregister = maybe\n", 3, "yes", "bad boolean");
	bad("[account a]\nuri = sips:a@x.test\nsession_expires = 89\n", 3, "90", "session_expires below RFC 4028's 90");
	bad("[account a]\nuri = sips:a@x.test\nsession_refresher = uac\n", 3, "remote", "bad session_refresher");
	bad("[account a]\nuri = sips:a@x.test\nsrtp_suites = AES_CM_128_HMAC_SHA1_80, NULL_CIPHER\n",
	    3, "NULL_CIPHER", "unknown SRTP suite");
	bad("[account a]\nuri = sips:a@x.test\nsrtp_suites = AES_CM_128_HMAC_SHA1_80, NULL_CIPHER\n",
	    3, "AEAD_AES_128_GCM", "unknown SRTP suite lists the valid ones");
	bad("[account a]\nuri = sips:a@x.test\ncodecs = opus\n", 3, "pcmu", "unknown codec");
	bad("[account a]\nuri = sips:a@x.test\ntls_pin = md5/abc\n", 3, "sha256/", "bad pin");
	bad("[account a]\nuri = sips:a@x.test\nrealm = a, b, a\n", 3, "'a' listed twice", "realm twice");
	bad("[account a]\nuri = sips:a@x.test\nrealm = a,b,c,d,e\n", 3, "more than 4 entries", "five realms");
	bad("[account a]\nuri = sips:a@x.test\nrealm = ,\n", 3, "empty list", "realm list empty");
	bad("[account a]\nuri = mailto:a@x.test\n", 2, "not a SIP URI", "bad uri");
	bad("[account a]\nuri = sips:x.test\n", 2, "no user part", "uri without user");
	bad("[account a]\nuri = sips:a@x.test\nproxy = sips:a b\n", 3, "proxy", "bad proxy");
	bad("[account a]\nuri = sips:a@x.test\nstun_server = stun.test:99999\n", 3, "stun_server: 'stun.test:99999'",
	    "stun_server: port out of range");
	bad("[account a]\nuri = sips:a@x.test\nstun_server = sip:stun.test\n", 3, "host:port", "stun_server: a URI");
	bad("[account a]\nuri = sips:a@x.test\nstun_server = u@stun.test\n", 3, "stun_server", "stun_server: a user");
	bad("[account a]\nuri = sips:a@x.test\nstun_server = stun.test;x=1\n", 3, "stun_server",
	    "stun_server: parameters");
	bad("[account a]\nuri = sips:a@x.test\nstun_server = [::1\n", 3, "stun_server", "stun_server: open bracket");
	bad("[account a]\nuri = sips:a@x.test\nmedia_encryption = zrtp-sdes\n", 3,
	    "expected one of: sdes, none, zrtp, sdes-zrtp", "bad media_encryption");
	bad("[general]\nlog_level = loud\n", 2, "debug", "bad log_level");
	bad("[general]\nverbose = 1\n", 2, "unknown key 'verbose'", "unknown general key");
	bad("\n[account a]\npassword = x\n", 2, "has no uri", "account without uri names its line");
	bad("[account a]\npassword = x\n[account b]\nuri = sips:b@x.test\n", 1, "has no uri",
	    "account without uri followed by another section");
	bad("[account a]\nuri = sips:a@x.test\ntransport = udp\n", 1, "never downgraded",
	    "sips uri over udp");
	bad("[account a]\nuri = sips:a@x.test\npassword = x\npassword_cmd = echo y\n", 1,
	    "both password and password_cmd", "password and password_cmd");
	{
		char text[600], cert[300];

		snprintf(text, sizeof(text), "[account a]\nuri = sips:a@x.test\ntls_cert = %s\n",
			 touch("c.pem", 0644, cert, sizeof(cert)));
		bad(text, 1, "tls_key", "cert without key");
	}
	bad("[account a]\nuri = sips:a@x.test\n[account a]\nuri = sips:b@x.test\n", 3, "first at line 1",
	    "duplicate account");
	bad("[account]\nuri = sips:a@x.test\n", 1, "name", "account without name");
	/* regression (found by fuzz_conf): a user part of exactly 128 bytes once filled the buffer
	 * without a NUL, and strdup read past it */
	{
		char text[400], user[200];
		struct account_conf *c = NULL;
		char err[512];

		memset(user, 'u', 128);
		user[128] = '\0';
		snprintf(text, sizeof(text), "[account a]\nuri = sips:%s@x.test\n", user);
		bad(text, 1, "cannot take username from uri", "128-byte user part without username");
		user[127] = '\0';
		snprintf(text, sizeof(text), "[account a]\nuri = sips:%s@x.test\n", user);
		is_int(load(text, &c, err, sizeof(err)), 0, "127-byte user part: accepted");
		ok(c && account_conf_at(c, 0)->username && strlen(account_conf_at(c, 0)->username) == 127,
		   "... and it is the username");
		account_conf_free(c);
	}
}

static void test_contacts(void)
{
	struct account_conf *c = NULL;
	const char *name = NULL, *addr = NULL;
	char err[512];
	int r;

	r = load("[account a]\nuri = sips:a@x.test\n[contacts]\nbob = sips:bob@x.test\n"
		 "pizza = +15551234\nmum = tel:+4412345\n",
		 &c, err, sizeof(err));
	is_int(r, 0, "[contacts] accepted");
	if (r) {
		diag("%s", err);
		return;
	}
	is_int(account_conf_contact_count(c), 3, "three contacts");
	account_conf_contact(c, 1, &name, &addr);
	is_str(name, "pizza", "second contact's name, file order");
	is_str(addr, "+15551234", "a bare number is kept for the account's domain");
	is_int(account_conf_contact(c, 3, &name, &addr), ENOENT, "past the end: ENOENT");
	account_conf_free(c);
	bad("[contacts]\nbob = mailto:bob@x\n", 2, "not a sip:/sips:/tel: URI", "bad contact address");
	bad("[contacts]\nbob = 1\nbob = 2\n", 3, "twice", "duplicate contact");
	bad("[audio]\nvolume = 3\n", 2, "device", "an unknown [audio] key names the valid one");
}

/* A WAV of secs seconds of silence at 8 kHz mono (through wav.c's writer). */
static void make_wav(const char *file, unsigned secs)
{
	static const int16_t zero[8000];
	struct wav *w = NULL;
	unsigned i;

	if (wav_open_write(&w, file))
		return;
	for (i = 0; i < secs; i++)
		wav_write(w, zero, 8000);
	wav_close(w);
}

static void test_audio_keys(void)
{
	struct account_conf *c = NULL;
	char err[512], text[1200], wav[300], longwav[300], notwav[300], emptywav[300];
	FILE *f;
	int r;

	r = load("[account a]\nuri = sips:a@x.test\n", &c, err, sizeof(err));
	ok(!r && account_conf_echo_cancel(c) == ACCOUNT_AUTO && account_conf_echo_tail(c) == 0 &&
	       account_conf_tones(c) == ACCOUNT_AUTO && account_conf_ringtone(c) == NULL &&
	       account_conf_ring_volume(c) == 80,
	   "[audio] defaults: echo_cancel auto, echo_tail 0 (automatic), tones auto, the built-in ringtone, "
	   "ring_volume 80");
	account_conf_free(c);
	c = NULL;
	snprintf(wav, sizeof(wav), "%s.ring.wav", path);
	snprintf(longwav, sizeof(longwav), "%s.long.wav", path);
	snprintf(notwav, sizeof(notwav), "%s.txt", path);
	snprintf(emptywav, sizeof(emptywav), "%s.empty.wav", path);
	make_wav(wav, 1);
	make_wav(longwav, 31);
	make_wav(emptywav, 0);
	f = fopen(notwav, "w");
	if (f) {
		fputs("not a WAV file\n", f);
		fclose(f);
	}
	snprintf(text, sizeof(text),
		 "[account a]\nuri = sips:a@x.test\n[audio]\necho_cancel = off\necho_tail = 300\n"
		 "tones = on\nringtone = %s\nring_volume = 35\n", wav);
	r = load(text, &c, err, sizeof(err));
	is_int(r, 0, "[audio] echo_cancel, echo_tail, tones, ringtone, ring_volume accepted");
	if (!r) {
		ok(account_conf_echo_cancel(c) == ACCOUNT_OFF && account_conf_echo_tail(c) == 300 &&
		       account_conf_tones(c) == ACCOUNT_ON && account_conf_ring_volume(c) == 35,
		   "[audio] values");
		is_str(account_conf_ringtone(c), wav, "[audio] ringtone path");
	}
	account_conf_free(c);
	bad("[audio]\necho_cancel = maybe\n", 2, "auto", "echo_cancel must be auto/on/off");
	bad("[audio]\necho_tail = 5\n", 2, "latency", "echo_tail below 20 ms refused");
	bad("[audio]\ntones = yes\n", 2, "auto", "tones must be auto/on/off");
	bad("[audio]\necho_tail = 2000\n", 2, "echo_tail", "echo_tail above 1000 ms refused");
	bad("[audio]\nring_volume = 150\n", 2, "ring_volume", "ring_volume above 100 refused");
	bad("[audio]\nringtone = /nonexistent/ring.wav\n", 2, "cannot read", "a missing ringtone named");
	snprintf(text, sizeof(text), "[audio]\nringtone = %s\n", notwav);
	bad(text, 2, "ringtone: ", "a ringtone that is no WAV: why");
	snprintf(text, sizeof(text), "[audio]\nringtone = %s\n", longwav);
	bad(text, 2, "at most 30 s", "a 31 s ringtone refused");
	/* checked by the player itself: what loads here also plays */
	snprintf(text, sizeof(text), "[audio]\nringtone = %s\n", emptywav);
	bad(text, 2, "no samples", "a WAV with no samples refused");
	unlink(wav);
	unlink(longwav);
	unlink(notwav);
	unlink(emptywav);
}

static void test_audio_ui(void)
{
	struct account_conf *c = NULL;
	char err[512];
	int r;

	r = load("[account a]\nuri = sips:a@x.test\n", &c, err, sizeof(err));
	is_int(r, 0, "no [audio]/[ui]: loads");
	ok(account_conf_audio_device(c) == NULL, "default audio device: none named");
	ok(!account_conf_ui_ascii(c) && account_conf_ui_color(c) && account_conf_ui_bell(c),
	   "[ui] defaults: ascii no, color yes, bell yes");
	account_conf_free(c);
	c = NULL;
	r = load("[account a]\nuri = sips:a@x.test\n[audio]\ndevice = USB Headset\n"
		 "[ui]\nascii = yes\ncolor = no\nbell = no\n",
		 &c, err, sizeof(err));
	is_int(r, 0, "[audio] and [ui] accepted");
	if (r) {
		diag("%s", err);
		return;
	}
	is_str(account_conf_audio_device(c), "USB Headset", "[audio] device");
	ok(account_conf_ui_ascii(c) && !account_conf_ui_color(c) && !account_conf_ui_bell(c), "[ui] values");
	account_conf_free(c);
	bad("[ui]\ncolour = no\n", 2, "color", "unknown [ui] key names the valid ones");
	test_audio_keys();
	bad("[ui]\nbell = loud\n", 2, "bell", "[ui] bell must be yes/no");
	bad("[audio]\ndevice =\n", 2, "list-devices", "empty [audio] device");
}

/* The device chosen at run time: read from capture_device/playback_device, written back into the file. */
static void test_save_audio(void)
{
	struct account_conf *c = NULL;
	char err[512], where[512], want[600];
	FILE *f;
	char text[1024];
	size_t n;
	int r;

	r = load("# mine\n[account a]\nuri = sips:a@x.test\n[audio]\ndevice = USB\n# end\n", &c, err, sizeof(err));
	is_int(r, 0, "a file with [audio] device loads");
	is_str(account_conf_capture_device(c), "USB", "no capture_device: device");
	r = account_conf_save_audio(c, "Jabra Link 380", NULL, where, sizeof(where), err, sizeof(err));
	is_int(r, 0, "capture saved (%s)", r ? err : "");
	is_str(where, path, "... into the file read");
	is_str(account_conf_capture_device(c), "Jabra Link 380", "... and in effect for this run");
	is_str(account_conf_playback_device(c), "USB", "playback still from device");
	f = fopen(path, "r");
	n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
	if (f)
		fclose(f);
	text[n] = '\0';
	is_str(text, "# mine\n[account a]\nuri = sips:a@x.test\n[audio]\ndevice = USB\ncapture_device = Jabra Link 380\n# end\n",
	       "the file: one line added after [audio]'s last key");
	account_conf_free(c);
	c = NULL;
	r = load(text, &c, err, sizeof(err));
	ok(r == 0 && !strcmp(account_conf_capture_device(c), "Jabra Link 380"), "the next start reads it back");
	/* the demo's throwaway configuration: nothing written, the user's own path named */
	account_conf_set_scratch(c);
	setenv("XDG_CONFIG_HOME", "/home/me/.config", 1);
	r = account_conf_save_audio(c, "x", "y", where, sizeof(where), err, sizeof(err));
	is_int(r, ENOENT, "a configuration made for this run: not written");
	is_str(where, "/home/me/.config/sphone/sphone.conf", "... where the user's own goes is named");
	snprintf(want, sizeof(want), "made for this run only: not remembered; your own configuration goes in %s", where);
	ok(strstr(err, want) != NULL, "... and said: %s", err);
	unsetenv("XDG_CONFIG_HOME");
	account_conf_free(c);
}

static void test_hooks_mwi(void)
{
	struct account_conf *c = NULL;
	const struct account *a, *b;
	char err[1024];
	int r;

	r = load("[general]\non_incoming = notify-send 'Incoming call'\nhistory = no\n"
		 "[account a]\nuri = sips:a@x.test\n"
		 "[account b]\nuri = sips:b@x.test\non_incoming = ~/bin/ring --loud\n"
		 "on_missed = sh -c 'echo \"$SPHONE_CALLER_URI\" >> ~/missed'\nmwi = yes\nvoicemail = *97\naccept_transfer = no\n"
		 "[account c]\nuri = sips:c@x.test\naccept_transfer = Ask\n[account d]\nuri = sips:d@x.test\naccept_transfer = off\n",
		 &c, err, sizeof(err));
	is_int(r, 0, "hooks, mwi, voicemail and history accepted");
	if (r) {
		diag("%s", err);
		return;
	}
	a = account_conf_find(c, "a");
	b = account_conf_find(c, "b");
	is_str(account_on_incoming(c, a), "notify-send 'Incoming call'", "[general] on_incoming for an account without one");
	ok(account_on_missed(c, a) == NULL, "no on_missed");
	is_str(account_on_incoming(c, b), "~/bin/ring --loud", "the account's own");
	ok(account_on_missed(c, b) && strstr(account_on_missed(c, b), "SPHONE_CALLER_URI"), "on_missed");
	ok(!a->mwi && b->mwi, "mwi: default no, yes when set");
	ok(a->accept_transfer == ACCOUNT_TRANSFER_YES && b->accept_transfer == ACCOUNT_TRANSFER_NO,
	   "accept_transfer: default yes, no when set");
	is_int(account_conf_find(c, "c")->accept_transfer, ACCOUNT_TRANSFER_ASK, "accept_transfer = ask (any case)");
	is_int(account_conf_find(c, "d")->accept_transfer, ACCOUNT_TRANSFER_NO, "accept_transfer = off: as no, as before");
	ok(!a->voicemail && b->voicemail && !strcmp(b->voicemail, "*97"), "voicemail");
	ok(!account_conf_history(c), "history = no");
	account_conf_free(c);
	c = NULL;
	r = load("[account a]\nuri = sips:a@x.test\n", &c, err, sizeof(err));
	ok(r == 0 && account_conf_history(c), "history: default yes");
	account_conf_free(c);
	bad("[general]\non_incoming = notify-send $SPHONE_CALLER_NAME\n", 2, "on_incoming: '$' outside single quotes",
	    "a hook expecting a shell");
	bad("[account a]\nuri = sips:a@x.test\non_missed = logger 'missed\n", 3, "on_missed: unterminated single quote",
	    "a hook with an open quote");
	bad("[account a]\nuri = sips:a@x.test\non_missed = a | b\n", 3, "not shell syntax", "a pipeline");
	bad("[account a]\nuri = sips:a@x.test\nvoicemail = call me\n", 3, "voicemail: 'call me' is not", "voicemail");
	bad("[account a]\nuri = sips:a@x.test\nmwi = sometimes\n", 3, "mwi: expected", "mwi yes/no");
	bad("[account a]\nuri = sips:a@x.test\naccept_transfer = sometimes\n", 3,
	    "accept_transfer: expected yes, no or ask", "accept_transfer yes/no/ask");
	bad("[general]\nhistory = forever\n", 2, "history: expected", "history yes/no");
}

static void test_missing_file(void)
{
	struct account_conf *c = NULL;
	char err[512];
	int r;

	snprintf(path, sizeof(path), "%s/nope.conf", dir);
	r = account_conf_load(&c, path, err, sizeof(err));
	is_int(r, ENOENT, "missing file: ENOENT");
	ok(strstr(err, "nope.conf") != NULL, "message names the file");
}

static void test_permissions(void)
{
	struct account_conf *c = NULL;
	char err[512], want[600];
	int r;

	write_file("[account a]\nuri = sips:a@x.test\npassword = pw-perm-test\n", 0644);
	r = account_conf_load(&c, path, err, sizeof(err));
	is_int(r, 0, "world-readable file with a password loads");
	is_int(account_conf_warning_count(c), 1, "and gives one warning");
	snprintf(want, sizeof(want), "%s holds a password and others can read it: chmod 600 %s", path, path);
	is_str(account_conf_warning(c, 0), want, "... to chmod 600, for the front end to print");
	ok(account_conf_warning(c, 1) == NULL, "no second warning");
	account_conf_free(c);
	c = NULL;
	write_file("[account a]\nuri = sips:a@x.test\npassword = pw-perm-test\n", 0600);
	r = account_conf_load(&c, path, err, sizeof(err));
	is_int(r + (int)account_conf_warning_count(c), 0, "private file: no warning");
	account_conf_free(c);
	c = NULL;
	write_file("[account a]\nuri = sips:a@x.test\ntls_insecure_skip_verify = yes\n", 0600);
	r = account_conf_load(&c, path, err, sizeof(err));
	ok(r == 0 && account_conf_warning_count(c) == 1 && strstr(account_conf_warning(c, 0), ":1: [account a] has "
	   "tls_insecure_skip_verify = yes: the server's certificate is NOT checked"), "tls_insecure_skip_verify warns");
	account_conf_free(c);
}

/* Each line of err, in order, must start with "path:LINE: " and hold the text given. */
static void lines_are(const char *err, const char *what, size_t n, const unsigned *line, const char *const *text)
{
	char prefix[300];
	const char *p = err;
	size_t i;

	for (i = 0; i < n && p; i++) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		char one[2048];

		snprintf(one, sizeof(one), "%.*s", (int)l, p);
		snprintf(prefix, sizeof(prefix), "%s:%u: ", path, line[i]);
		ok(strncmp(one, prefix, strlen(prefix)) == 0 && strstr(one, text[i]) != NULL,
		   "%s: error %zu at line %u says '%s'", what, i + 1, line[i], text[i]);
		if (strncmp(one, prefix, strlen(prefix)) != 0 || !strstr(one, text[i]))
			diag("got: %s", one);
		p = nl ? nl + 1 : NULL;
	}
	ok(i == n && p == NULL, "%s: exactly %zu errors", what, n);
	if (i != n || p)
		diag("all: %s", err);
}

static void test_every_error(void)
{
	static const unsigned line[] = { 3, 4, 8, 9, 10, 11, 14, 15, 1 };
	static const char *const text[] = {
		"unknown key 'log_leve' in [general]; did you mean 'log_level'? valid keys: log_level, sip_trace",
		"unknown section [acount] (did you mean [account NAME]?)",
		"unknown key 'pasword' in [account lab]; did you mean 'password'?",
		"expires: expected a whole number from 60 to 86400, got '5'",
		"tls_key: cannot read '/nonexistent/sphone-test/c.key': No such file or directory",
		"transport: expected one of: tls, tcp, udp; got 'tsl' (did you mean 'tls'?)",
		"control character (byte 0x01) in line",
		"unknown key 'colour' in [ui]; did you mean 'color'?",
		"[account first] has no uri",
	};
	struct account_conf *c = NULL;
	char err[16384];
	int r;

	r = load("[account first]\n"         /* 1: no uri: reported after the lines */
		 "[general]\nlog_leve = debug\n" /* 2-3 */
		 "[acount x]\nfoo = 1\n"      /* 4-5: its keys are not reported */
		 "[account lab]\nuri = sips:alice@sip.test\npasword = x\nexpires = 5\n" /* 6-9 */
		 "tls_key = /nonexistent/sphone-test/c.key\n" /* 10: no "tls_cert and tls_key go together" */
		 "transport = tsl\n"
		 "codecs = pcmu\n"
		 "[ui]\nx = \1\ncolour = no\n", /* 13-15 */
		 &c, err, sizeof(err));
	ok(r != 0 && c == NULL, "a file with nine errors is refused");
	lines_are(err, "every error", sizeof(line) / sizeof(line[0]), line, text);
	/* the whole list of keys, not the first 200 bytes of it */
	r = load("[account a]\nuri = sips:a@x.test\nfoo = 1\n", &c, err, sizeof(err));
	ok(r != 0 && strstr(err, "keepalive_interval, media_timeout, on_incoming, on_missed, mwi, voicemail") != NULL,
	   "unknown key: every valid key listed");
	ok(strstr(err, "did you mean") == NULL, "... and no guess for a word that is not a typo");
}

static void test_paths(void)
{
	struct account_conf *c = NULL;
	char text[1200], err[4096], f[300], want[700];
	int r;

	touch("plain.pem", 0644, f, sizeof(f));
	snprintf(text, sizeof(text), "[account a]\nuri = sips:a@x.test\nca_file = %s/nope.pem\n", dir);
	snprintf(want, sizeof(want), "ca_file: cannot read '%s/nope.pem': No such file or directory", dir);
	bad(text, 3, want, "missing ca_file");
	snprintf(text, sizeof(text), "[account a]\nuri = sips:a@x.test\nca_file = %s\n", dir);
	bad(text, 3, "is not a regular file (a directory goes in ca_path)", "a directory as ca_file");
	snprintf(text, sizeof(text), "[account a]\nuri = sips:a@x.test\nca_path = %s\n", f);
	bad(text, 3, "ca_path: '", "a file as ca_path");
	bad(text, 3, "' is not a directory (a file goes in ca_file)", "... says so");
	snprintf(text, sizeof(text), "[account a]\nuri = sips:a@x.test\nca_path = %s/none\n", dir);
	bad(text, 3, "ca_path: cannot read", "missing ca_path");
	snprintf(text, sizeof(text), "[account a]\nuri = sips:a@x.test\ntls_cert = %s\ntls_key = %s/k.pem\n", f, dir);
	snprintf(want, sizeof(want), "tls_key: cannot read '%s/k.pem'", dir);
	bad(text, 4, want, "missing tls_key");
	if (geteuid() == 0) {
		ok(1, "# SKIP root reads every file: no unreadable tls_key to test");
		ok(1, "# SKIP root reads every file");
	} else {
		touch("secret.key", 0, f, sizeof(f));
		snprintf(text, sizeof(text), "[account a]\nuri = sips:a@x.test\ntls_cert = %s/plain.pem\ntls_key = %s\n",
			 dir, f);
		snprintf(want, sizeof(want), "tls_key: cannot read '%s': Permission denied", f);
		bad(text, 4, want, "unreadable tls_key");
		unlink(f);
	}
	snprintf(f, sizeof(f), "%s/plain.pem", dir);
	unlink(f);
	(void)c;
	(void)r;
	(void)err;
}

static void test_default_path(void)
{
	char buf[256];

	setenv("XDG_CONFIG_HOME", "/x/cfg", 1);
	is_int(account_default_path(buf, sizeof(buf)), 0, "default path with XDG_CONFIG_HOME");
	is_str(buf, "/x/cfg/sphone/sphone.conf", "$XDG_CONFIG_HOME/sphone/sphone.conf");
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", "/home/u", 1);
	is_int(account_default_path(buf, sizeof(buf)), 0, "default path with HOME");
	is_str(buf, "/home/u/.config/sphone/sphone.conf", "~/.config/sphone/sphone.conf");
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 99;
	}
	test_defaults();
	test_all_keys();
	test_password_cmd_fails();
	test_errors();
	test_contacts();
	test_audio_ui();
	test_save_audio();
	test_hooks_mwi();
	test_missing_file();
	test_permissions();
	test_every_error();
	test_paths();
	test_default_path();
	unlink(path);
	snprintf(path, sizeof(path), "%s/sphone.conf", dir);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
