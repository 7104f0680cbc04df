/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_conf.c: unit tests for the INI parser, its FILE:LINE errors and the typed value helpers. */
#include <errno.h>
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
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return tap_done();
}
