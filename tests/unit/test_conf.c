/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_conf.c: unit tests for the INI parser, its FILE:LINE errors and the typed value helpers. */
#include <errno.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "conf.h"

static char dir[] = "/tmp/sphone-test-conf-XXXXXX";
static char trace[4096];

static const char *write_file(const char *name, const char *text, size_t len, mode_t mode)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	fwrite(text, 1, len, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

/* Records every call as "line:section/name:key=value|" */
static int record(const struct conf_item *it, void *arg)
{
	size_t n = strlen(trace);

	(void)arg;
	snprintf(trace + n, sizeof(trace) - n, "%u:%s/%s:%s=%s|", it->line, it->section, it->name,
		 it->key ? it->key : "(section)", it->value ? it->value : "(null)");
	return 0;
}

static const char valid[] =
	"# sphone test config\n"
	"; another comment\n"
	"\n"
	"[general]\n"
	"  default_account = work  \n"
	"empty =\n"
	"\n"
	"[account work]\n"
	"uri = sips:alice@example.org\n"
	"password = \"  spaced \\\"pw\\\" \\\\ \"\n"
	"display = \"# not a comment\"\n"
	"note = a # b ; c\n"
	"[ account home ]\n"
	"[contacts]\n"
	"Bob Smith = sips:bob@example.org\n"
	"\t# indented comment\n"
	"[audio]\n"
	"[ui]\n"
	"theme=dark";

static const char valid_trace[] =
	"4:general/:(section)=(null)|"
	"5:general/:default_account=work|"
	"6:general/:empty=|"
	"8:account/work:(section)=(null)|"
	"9:account/work:uri=sips:alice@example.org|"
	"10:account/work:password=  spaced \"pw\" \\ |"
	"11:account/work:display=# not a comment|"
	"12:account/work:note=a # b ; c|"
	"13:account/home:(section)=(null)|"
	"14:contacts/:(section)=(null)|"
	"15:contacts/:Bob Smith=sips:bob@example.org|"
	"17:audio/:(section)=(null)|"
	"18:ui/:(section)=(null)|"
	"19:ui/:theme=dark|";

static void test_valid(void)
{
	char err[256] = "";
	const char *path;
	char crlf[2048], *w = crlf;

	path = write_file("valid.conf", valid, strlen(valid), 0600);
	trace[0] = 0;
	is_int(conf_load(path, record, NULL, err, sizeof(err)), 0, "valid file loads");
	is_str(trace, valid_trace, "every section and key seen, values unquoted and unescaped");
	is_str(err, "", "no error message");

	/* same content with a UTF-8 BOM and CRLF line ends */
	memcpy(w, "\xEF\xBB\xBF", 3);
	w += 3;
	for (const char *r = valid; *r; r++) {
		if (*r == '\n')
			*w++ = '\r';
		*w++ = *r;
	}
	path = write_file("crlf.conf", crlf, (size_t)(w - crlf), 0600);
	trace[0] = 0;
	is_int(conf_load(path, record, NULL, err, sizeof(err)), 0, "BOM + CRLF file loads");
	is_str(trace, valid_trace, "BOM + CRLF gives the same items");

	trace[0] = 0;
	is_int(conf_parse("mem", "", 0, record, NULL, err, sizeof(err)), 0, "empty text is fine");
	is_str(trace, "", "no items");
}

struct bad {
	const char *text;
	const char *msg;
};

static const struct bad bad[] = {
	{ "key = v\n", "t.conf:1: key 'key' outside of a section; put it under [general], [account NAME], ..." },
	{ "[general]\n\njunk line\n", "t.conf:3: expected 'key = value', '[section]' or a comment" },
	{ "[general\n", "t.conf:1: section header must end with ']'" },
	{ "[phonebook]\n", "t.conf:1: unknown section [phonebook]; expected [general], [account NAME], [contacts], [audio] or [ui]" },
	{ "[account]\n", "t.conf:1: section [account] needs a name: [account NAME]" },
	{ "[account a b]\n", "t.conf:1: invalid account name 'a b': use letters, digits and _ . - @ +" },
	{ "[audio x]\n", "t.conf:1: section [audio] takes no name" },
	{ "[ui]\n[ui]\n", "t.conf:2: duplicate section [ui] (first at line 1)" },
	{ "[account a]\n[account b]\n\n[account a]\n", "t.conf:4: duplicate section [account a] (first at line 1)" },
	{ "[ui]\n = x\n", "t.conf:2: missing key before '='" },
	{ "[ui]\nk\"ey = x\n", "t.conf:2: invalid character '\"' in key" },
	{ "[ui]\nk = \"abc\n", "t.conf:2: unterminated quoted value (missing closing \")" },
	{ "[ui]\nk = \"abc\\\"\n", "t.conf:2: unterminated quoted value (missing closing \")" },
	{ "[ui]\nk = \"a\\nb\"\n", "t.conf:2: unknown escape '\\n' in quoted value (only \\\" and \\\\ are allowed)" },
	{ "[ui]\nk = \"a\" b\n", "t.conf:2: unexpected text after the closing quote" },
	{ "[ui]\r\nk = a\rb\r\n", "t.conf:2: control character (byte 0x0d) in line" },
};

static void test_errors(void)
{
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		is_int(conf_parse("t.conf", bad[i].text, strlen(bad[i].text), record, NULL, err, sizeof(err)), EBADMSG,
		       "syntax error %zu -> EBADMSG", i);
		is_str(err, bad[i].msg, "message %zu names file and line", i);
	}
	err[0] = 0;
	is_int(conf_parse("t.conf", "[ui]\nk = a\0b\n", 12, record, NULL, err, sizeof(err)), EBADMSG, "NUL byte");
	is_str(err, "t.conf:2: control character (byte 0x00) in line", "NUL byte message");
	/* truncated error buffer stays a string */
	is_int(conf_parse("t.conf", "[x]\n", 4, NULL, NULL, err, 8), EBADMSG, "small err buffer");
	is_str(err, "t.conf:", "message truncated, NUL-terminated");
	is_int(conf_parse("t.conf", "[x]\n", 4, NULL, NULL, NULL, 0), EBADMSG, "NULL err buffer is fine");
}

static void test_missing(void)
{
	char err[256], path[300];

	snprintf(path, sizeof(path), "%s/nope.conf", dir);
	is_int(conf_load(path, record, NULL, err, sizeof(err)), ENOENT, "missing file -> ENOENT");
	ok(strncmp(err, path, strlen(path)) == 0 && strcmp(err + strlen(path), ": No such file or directory") == 0,
	   "missing file message: %s", err);
	is_int(conf_load(dir, record, NULL, err, sizeof(err)), EINVAL, "directory -> EINVAL");
	ok(strstr(err, "not a regular file") != NULL, "directory message");
}

/* ---- typed helpers through a handler ---- */

struct acct {
	bool srtp_required;
	unsigned expires;
	int media;
};

static int acct_h(const struct conf_item *it, void *arg)
{
	static const char *const media[] = { "sdes", "none", NULL };
	static const char *const keys[] = { "srtp_required", "expires", "media_encryption", NULL };
	struct acct *a = arg;
	int idx;

	if (!it->key)
		return 0;
	if (strcmp(it->key, "srtp_required") == 0)
		return conf_bool(it, &a->srtp_required, it->msg, it->msgsz);
	if (strcmp(it->key, "expires") == 0)
		return conf_uint(it, 60, 86400, &a->expires, it->msg, it->msgsz);
	if (strcmp(it->key, "media_encryption") == 0) {
		int r = conf_enum(it, media, &idx, it->msg, it->msgsz);

		if (!r)
			a->media = idx;
		return r;
	}
	if (strcmp(it->key, "raw") == 0)
		return EPERM; /* no message: strerror is used */
	return conf_unknown_key(it, keys, it->msg, it->msgsz);
}

static void typed_err(const char *text, int want_r, const char *want_msg)
{
	struct acct a = { false, 0, -1 };
	char err[256] = "";

	is_int(conf_parse("p.conf", text, strlen(text), acct_h, &a, err, sizeof(err)), want_r, "handler error: %s",
	       want_msg);
	is_str(err, want_msg, "handler message");
}

static void test_typed(void)
{
	const char *text = "[account a]\nsrtp_required = On\nexpires=3600\nmedia_encryption = SDES\n";
	struct acct a = { false, 0, -1 };
	char err[256] = "";

	is_int(conf_parse("p.conf", text, strlen(text), acct_h, &a, err, sizeof(err)), 0, "typed values parse");
	ok(a.srtp_required && a.expires == 3600 && a.media == 0, "bool/uint/enum values");

	typed_err("[account a]\nsrtp_required = maybe\n", EINVAL,
		  "p.conf:2: srtp_required: expected yes/no, true/false, on/off or 1/0, got 'maybe'");
	typed_err("[account a]\n\nexpires = 59\n", EINVAL, "p.conf:3: expires: expected a whole number from 60 to 86400, got '59'");
	typed_err("[account a]\nexpires = 86401\n", EINVAL,
		  "p.conf:2: expires: expected a whole number from 60 to 86400, got '86401'");
	typed_err("[account a]\nexpires = 99999999999999999999999\n", EINVAL,
		  "p.conf:2: expires: expected a whole number from 60 to 86400, got '99999999999999999999999'");
	typed_err("[account a]\nexpires = -1\n", EINVAL, "p.conf:2: expires: expected a whole number from 60 to 86400, got '-1'");
	typed_err("[account a]\nexpires = \"\"\n", EINVAL, "p.conf:2: expires: expected a whole number from 60 to 86400, got ''");
	typed_err("[account a]\nmedia_encryption = zrtp\n", EINVAL,
		  "p.conf:2: media_encryption: expected one of: sdes, none; got 'zrtp'");
	typed_err("[account a]\nfoo = 1\n", EINVAL,
		  "p.conf:2: unknown key 'foo' in [account a]; valid keys: srtp_required, expires, media_encryption");
	typed_err("[account a]\nraw = 1\n", EPERM, "p.conf:2: Operation not permitted");

	{
		struct conf_item it = { .key = "k", .value = "off" };
		bool b = true;
		unsigned u = 7;

		is_int(conf_bool(&it, &b, NULL, 0), 0, "conf_bool with NULL err");
		ok(!b, "off is false");
		it.value = "0";
		is_int(conf_uint(&it, 0, 0, &u, NULL, 0), 0, "uint 0 in [0,0]");
		is_int(u, 0, "value 0");
		it.value = "4294967295";
		is_int(conf_uint(&it, 0, 4294967295u, &u, NULL, 0), 0, "uint max");
		ok(u == 4294967295u, "UINT_MAX parsed");
		it.value = "4294967296";
		is_int(conf_uint(&it, 0, 4294967295u, &u, NULL, 0), EINVAL, "UINT_MAX+1 rejected");
		it.value = "+5";
		is_int(conf_uint(&it, 0, 10, &u, NULL, 0), EINVAL, "sign rejected");
	}
}

static void test_private(void)
{
	const char *p = write_file("priv.conf", "[ui]\n", 5, 0600);

	ok(conf_file_is_private(p), "0600 is private");
	chmod(p, 0640);
	ok(!conf_file_is_private(p), "0640: group can read");
	chmod(p, 0604);
	ok(!conf_file_is_private(p), "0604: others can read");
	chmod(p, 0620);
	ok(conf_file_is_private(p), "0620: group may write but not read");
	ok(!conf_file_is_private("/nonexistent/x"), "missing file is not private");
}

/* ---- every error in one run ---- */

static void test_every_error(void)
{
	static const char text[] =
		"[ui]\n"
		"junk line\n"                  /* 2: syntax */
		"srtp_required = maybe\n"      /* 3: handler: bad value */
		"[phonebook]\n"                /* 4: unknown section... */
		"expires = 5\n"                /* 5: ...whose keys are not handed on (no cascade) */
		"k = \"abc\n"                  /* 6: syntax even so */
		"[account a]\n"
		"expire = 60\n"                /* 8: unknown key, near miss */
		"media_encryption = sdse\n"    /* 9: enum, near miss */
		"expires = 3600\n"             /* 10: fine */
		"raw = 1\n";                   /* 11: handler error without a message */
	struct acct a = { false, 0, -1 };
	char err[2048] = "", small[150];

	is_int(conf_parse("e.conf", text, strlen(text), acct_h, &a, err, sizeof(err)), EBADMSG,
	       "several errors: the first one's code");
	is_str(err,
	       "e.conf:2: expected 'key = value', '[section]' or a comment\n"
	       "e.conf:3: srtp_required: expected yes/no, true/false, on/off or 1/0, got 'maybe'\n"
	       "e.conf:4: unknown section [phonebook]; expected [general], [account NAME], [contacts], [audio] or [ui]\n"
	       "e.conf:6: unterminated quoted value (missing closing \")\n"
	       "e.conf:8: unknown key 'expire' in [account a]; did you mean 'expires'? valid keys: srtp_required, "
	       "expires, media_encryption\n"
	       "e.conf:9: media_encryption: expected one of: sdes, none; got 'sdse' (did you mean 'sdes'?)\n"
	       "e.conf:11: Operation not permitted",
	       "each error on its own line as FILE:LINE: message, in file order");
	is_int(a.expires, 3600, "the good lines after errors still count");

	trace[0] = 0;
	{
		static const char t2[] = "[acount x]\nuri = 1\n[ui]\nbell = no\n";

		is_int(conf_parse("e.conf", t2, strlen(t2), record, NULL, err, sizeof(err)), EBADMSG, "refused header");
	}
	is_str(err, "e.conf:1: unknown section [acount] (did you mean [account NAME]?); expected [general], "
		    "[account NAME], [contacts], [audio] or [ui]", "a near miss of a section name");
	is_str(trace, "3:ui/:(section)=(null)|4:ui/:bell=no|", "its key is neither handed on nor reported");

	/* a full error buffer: the first message truncated, later ones left out whole */
	is_int(conf_parse("e.conf", text, strlen(text), acct_h, &a, small, sizeof(small)), EBADMSG, "small buffer");
	is_str(small,
	       "e.conf:2: expected 'key = value', '[section]' or a comment\n"
	       "e.conf:3: srtp_required: expected yes/no, true/false, on/off or 1/0, got 'maybe'",
	       "only whole messages after the first");
}

static void test_near_miss(void)
{
	static const char *const keys[] = { "uri", "password", "password_cmd", "tls_cert", "tls_key", "ca_file",
					    "expires", NULL };
	static const char *const many[] = {
		"a_rather_long_key_name_number_one", "a_rather_long_key_name_number_two",
		"a_rather_long_key_name_number_three", "a_rather_long_key_name_number_four",
		"a_rather_long_key_name_number_five", "a_rather_long_key_name_number_six",
		"a_rather_long_key_name_number_seven", "the_last_one", NULL };
	struct conf_item it = { .section = "account", .name = "a", .key = "zzz", .value = "1" };
	char m[CONF_MSG_MAX];

	is_str(conf_nearest("pasword", keys, SIZE_MAX), "password", "one letter missing");
	is_str(conf_nearest("passwrod", keys, SIZE_MAX), "password", "two letters swapped");
	is_str(conf_nearest("PASSWORD_CMD", keys, SIZE_MAX), "password_cmd", "case does not count");
	is_str(conf_nearest("ca-file", keys, SIZE_MAX), "ca_file", "dash for underscore");
	is_str(conf_nearest("tls_crt", keys, SIZE_MAX), "tls_cert", "tls_crt");
	is_str(conf_nearest("url", keys, SIZE_MAX), "uri", "one of three letters");
	ok(conf_nearest("foo", keys, SIZE_MAX) == NULL, "another word: no guess");
	ok(conf_nearest("ur", keys, 0) == NULL, "n = 0: nothing to choose from");
	ok(conf_nearest("xpirs", keys, SIZE_MAX) != NULL, "two edits in five letters: a guess");
	ok(conf_nearest("exp", keys, SIZE_MAX) == NULL, "more than a third changed: no guess");
	conf_unknown_key(&it, many, m, sizeof(m));
	ok(strlen(m) > 300 && strstr(m, "number_seven, the_last_one") != NULL, "a list over 200 bytes comes whole");
}

/* conf_load refuses a file that others could change or swap (it may set password_cmd). */
static bool load_refused(const char *path, const char *want1, const char *want2, const char *what)
{
	char err[1024] = "";
	int r = conf_load(path, record, NULL, err, sizeof(err));

	is_int(r, EPERM, "%s: refused (EPERM)", what);
	return ok(strncmp(err, path, strlen(path)) == 0 && strstr(err, ": refused: ") && strstr(err, want1) &&
		  (!want2 || strstr(err, want2)) && strstr(err, "password_cmd"),
		  "%s: message names the file, what is wrong and the fix: %s", what, err);
}

static void load_ok(const char *path, const char *what)
{
	char err[1024] = "";

	is_int(conf_load(path, record, NULL, err, sizeof(err)), 0, "%s: loads", what);
	if (err[0])
		diag("%s", err);
}

static void test_owner_mode(void)
{
	const char *p = write_file("mode.conf", "[ui]\n", 5, 0600);
	char file[300], sub[300], link[400], want[700], sub_file[400];
	struct group *root_grp = getgrgid(0);
	bool root = geteuid() == 0;

	snprintf(file, sizeof(file), "%s", p);
	load_ok(file, "0600 file");
	chmod(file, 0644);
	load_ok(file, "0644 file (others may read: only a password warning, in account.c)");
	chmod(file, 0602);
	snprintf(want, sizeof(want), "fix: chmod go-w %s", file);
	load_refused(file, "others can write to it (mode 0602)", want, "world-writable file");
	chmod(file, 0666);
	load_refused(file, "others can write to it (mode 0666)", want, "mode 0666");

	/* a group other than the owner's private one */
	if (root && chown(file, 0, 65534) == 0) {
		chmod(file, 0620);
		load_refused(file, "can write to it (mode 0620)", want, "group-writable file, foreign group");
		chown(file, 0, 0);
		/* root's own group with no other members: the user-private-group case (umask 002) */
		if (root_grp && !(root_grp->gr_mem && root_grp->gr_mem[0]))
			load_ok(file, "group-writable file, the owner's private group");
		else
			ok(1, "# SKIP group root has members here");
	} else {
		ok(1, "# SKIP chown needs root");
		ok(1, "# SKIP chown needs root");
		ok(1, "# SKIP chown needs root");
	}
	chmod(file, 0600);
	if (root && chown(file, 65534, 65534) == 0) {
		load_refused(file, "belongs to nobody (uid 65534), not to root, who runs sphone",
			     "copy it to a file of your own", "file owned by another user");
		chown(file, 0, 0);
	} else {
		ok(1, "# SKIP chown needs root");
		ok(1, "# SKIP chown needs root");
	}
	load_ok(file, "back to 0600, own file");

	/* the directories above it: whoever may write there can swap the file */
	snprintf(sub, sizeof(sub), "%s/open", dir);
	mkdir(sub, 0700);
	chmod(sub, 0777);
	snprintf(sub_file, sizeof(sub_file), "%s/in.conf", sub);
	write_file("open/in.conf", "[ui]\n", 5, 0600);
	snprintf(want, sizeof(want), "others can write to the directory %s above it (mode 0777), so the file "
		 "can be swapped for another", sub);
	load_refused(sub_file, want, "fix: chmod go-w", "file in a world-writable directory");
	chmod(sub, 01777);
	load_ok(sub_file, "sticky world-writable directory (like /tmp)");
	chmod(sub, 0777);
	/* a symbolic link in a good directory to a file in a bad one, and the other way round */
	snprintf(link, sizeof(link), "%s/link.conf", dir);
	symlink(sub_file, link);
	load_refused(link, want, NULL, "link to a file in a world-writable directory");
	unlink(link);
	snprintf(link, sizeof(link), "%s/link.conf", sub);
	symlink(file, link);
	load_refused(link, want, NULL, "link in a world-writable directory");
	chmod(sub, 0755);
	load_ok(link, "the same link once the directory is 0755");
	if (root && chown(sub, 65534, 65534) == 0) {
		snprintf(want, sizeof(want), "the directory %s above it belongs to nobody (uid 65534)", sub);
		load_refused(sub_file, want, "keep the configuration in a directory of your own",
			     "directory owned by another user");
		chown(sub, 0, 0);
	} else {
		ok(1, "# SKIP chown needs root");
		ok(1, "# SKIP chown needs root");
	}
	unlink(link);
	unlink(sub_file);
	rmdir(sub);
}

int main(void)
{
	char cmd[300];

	if (!mkdtemp(dir))
		tap_skip_all("mkdtemp failed");
	test_valid();
	test_errors();
	test_missing();
	test_typed();
	test_private();
	test_every_error();
	test_near_miss();
	test_owner_mode();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return tap_done();
}
