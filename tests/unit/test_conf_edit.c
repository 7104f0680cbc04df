/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_conf_edit.c: conf_set_keys writes keys back into the user's file: every other byte kept, mode kept, atomic, and never over a file changed since it was read. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "conf.h"

static char dir[] = "/tmp/sphone-test-conf-edit-XXXXXX";
static char got[64][2][200]; /* key, value of what conf_load reads in [audio] */
static size_t ngot;

static const char *path_of(const char *name)
{
	static char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static void write_file(const char *name, const char *text, mode_t mode)
{
	FILE *f = fopen(path_of(name), "wb");

	fputs(text, f);
	fclose(f);
	chmod(path_of(name), mode);
}

static char *read_file(const char *name)
{
	static char buf[8192];
	FILE *f = fopen(path_of(name), "rb");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return buf;
}

static int audio_h(const struct conf_item *it, void *arg)
{
	(void)arg;
	if (it->key && it->type == CONF_AUDIO && ngot < 64) {
		snprintf(got[ngot][0], sizeof(got[0][0]), "%s", it->key);
		snprintf(got[ngot][1], sizeof(got[0][1]), "%s", it->value);
		ngot++;
	}
	return 0;
}

/* loads name (stamping it), sets the two device keys, returns conf_set_keys' result */
static int set2(const char *name, const char *cap, const char *play, char *err, size_t errsz, struct conf_stamp *st)
{
	const char *keys[] = { "capture_device", "playback_device" }, *vals[] = { cap, play };

	ngot = 0;
	if (conf_load_stamped(path_of(name), audio_h, NULL, err, errsz, st))
		return -1;
	return conf_set_keys(path_of(name), st, "audio", keys, vals, 2, err, errsz);
}

static const char *value_of(const char *key)
{
	for (size_t i = 0; i < ngot; i++)
		if (!strcmp(got[i][0], key))
			return got[i][1];
	return NULL;
}

int main(void)
{
	struct conf_stamp st;
	struct stat sb;
	char err[1024];
	int r;

	if (!mkdtemp(dir))
		return 1;

	/* a key there is replaced in place, a key not there goes after the section's last key */
	write_file("a.conf",
		   "# my phone\n[general]\nlog_level = info\n\n[audio]\n# which card\n  capture_device = old card   \n"
		   "echo_cancel = on\n\n# the next section\n[ui]\nascii = no\n",
		   0600);
	r = set2("a.conf", "USB Headset", "HDA Intel PCH: ALC3246 Analog (hw:0,0)", err, sizeof(err), &st);
	ok(r == 0, "keys set (%d %s)", r, r ? err : "");
	is_str(read_file("a.conf"),
	       "# my phone\n[general]\nlog_level = info\n\n[audio]\n# which card\n  capture_device = USB Headset\n"
	       "echo_cancel = on\nplayback_device = HDA Intel PCH: ALC3246 Analog (hw:0,0)\n\n# the next section\n[ui]\n"
	       "ascii = no\n",
	       "the existing key rewritten where it was (its indentation kept), the new one after [audio]'s last key; "
	       "comments, blank lines, order and other sections untouched");
	stat(path_of("a.conf"), &sb);
	ok((sb.st_mode & 07777) == 0600, "mode 0600 kept (%o)", (unsigned)(sb.st_mode & 07777));
	ngot = 0;
	conf_load(path_of("a.conf"), audio_h, NULL, err, sizeof(err));
	is_str(value_of("capture_device"), "USB Headset", "read back: capture_device");
	is_str(value_of("playback_device"), "HDA Intel PCH: ALC3246 Analog (hw:0,0)", "read back: playback_device");

	/* the stamp follows our own write: a second choice in the same run is written too */
	{
		const char *k[] = { "capture_device" }, *v[] = { "second" };
		r = conf_set_keys(path_of("a.conf"), &st, "audio", k, v, 1, err, sizeof(err));
		ok(r == 0 && strstr(read_file("a.conf"), "  capture_device = second\n"),
		   "a second write in the same run: the stamp is the file we wrote (%d)", r);
	}

	/* no [audio]: added at the end, CRLF kept, a last line without its line end finished */
	write_file("b.conf", "[general]\r\nlog_level = info", 0640);
	r = set2("b.conf", "# odd ", "plain", err, sizeof(err), &st);
	ok(r == 0, "no [audio] section: written (%d %s)", r, r ? err : "");
	is_str(read_file("b.conf"),
	       "[general]\r\nlog_level = info\r\n\r\n[audio]\r\ncapture_device = \"# odd \"\r\nplayback_device = plain\r\n",
	       "the section added at the end with the file's CRLF; a value with a leading '#' and a trailing blank quoted");
	stat(path_of("b.conf"), &sb);
	ok((sb.st_mode & 07777) == 0640, "mode 0640 kept (%o)", (unsigned)(sb.st_mode & 07777));
	ngot = 0;
	conf_load(path_of("b.conf"), audio_h, NULL, err, sizeof(err));
	is_str(value_of("capture_device"), "# odd ", "read back: the quoted value as it was");

	/* an empty [audio] at the end of a file without a final line end */
	write_file("c.conf", "[audio]", 0600);
	r = set2("c.conf", "x\"y\\z", "b", err, sizeof(err), &st);
	is_str(read_file("c.conf"), "[audio]\ncapture_device = x\"y\\z\nplayback_device = b\n",
	       "keys after the header of an empty section (%d); quotes inside a value need no quoting", r);
	ngot = 0;
	conf_load(path_of("c.conf"), audio_h, NULL, err, sizeof(err));
	is_str(value_of("capture_device"), "x\"y\\z", "read back as written");

	/* changed on disk since it was read: nothing written */
	write_file("d.conf", "[audio]\ntones = on\n", 0600);
	ngot = 0;
	conf_load_stamped(path_of("d.conf"), audio_h, NULL, err, sizeof(err), &st);
	write_file("d.conf", "[audio]\ntones = off\n", 0600);
	{
		const char *k[] = { "capture_device" }, *v[] = { "new" };
		r = conf_set_keys(path_of("d.conf"), &st, "audio", k, v, 1, err, sizeof(err));
	}
	ok(r == ESTALE, "a file changed since it was read: ESTALE (%d)", r);
	ok(strstr(err, "changed on disk") != NULL, "... saying so: %s", err);
	is_str(read_file("d.conf"), "[audio]\ntones = off\n", "... and the file as the other writer left it");
	/* the same size and bytes but another file (an editor's rename) is a change too */
	write_file("e.conf", "[audio]\ntones = on\n", 0600);
	conf_load_stamped(path_of("e.conf"), audio_h, NULL, err, sizeof(err), &st);
	rename(path_of("e.conf"), path_of("e.old"));
	write_file("e.conf", "[audio]\ntones = on\n", 0600);
	{
		const char *k[] = { "capture_device" }, *v[] = { "new" };
		r = conf_set_keys(path_of("e.conf"), &st, "audio", k, v, 1, err, sizeof(err));
	}
	ok(r == ESTALE && !strcmp(read_file("e.conf"), "[audio]\ntones = on\n"),
	   "the same text in a new file (another inode): not written either (%d)", r);

	/* a value with a line break would break the file: refused, nothing written */
	write_file("f.conf", "[audio]\n", 0600);
	{
		const char *k[] = { "capture_device" }, *v[] = { "a\nb = c" };
		conf_load_stamped(path_of("f.conf"), audio_h, NULL, err, sizeof(err), &st);
		r = conf_set_keys(path_of("f.conf"), &st, "audio", k, v, 1, err, sizeof(err));
	}
	ok(r == EINVAL && !strcmp(read_file("f.conf"), "[audio]\n"), "a value with a line break: EINVAL, file untouched (%d)", r);

	/* a symbolic link stays one: the file it points to gets the change */
	write_file("g.real", "[audio]\n", 0600);
	{
		char target[256];
		snprintf(target, sizeof(target), "%s", path_of("g.real"));
		if (symlink(target, path_of("g.conf")))
			diag("symlink: %s", strerror(errno));
	}
	r = set2("g.conf", "c", "p", err, sizeof(err), &st);
	lstat(path_of("g.conf"), &sb);
	if (r)
		diag("%s", err);
	ok(r == 0 && S_ISLNK(sb.st_mode) && strstr(read_file("g.real"), "capture_device = c\n"),
	   "through a symbolic link: the link kept, its target rewritten (%d)", r);

	/* no temporary file left behind by any of it */
	{
		char cmd[400];
		snprintf(cmd, sizeof(cmd), "ls -a %s | grep -q '\\.conf\\.'", dir);
		ok(system(cmd) != 0, "no temporary files left in the directory");
	}

	{
		char cmd[400];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			diag("cannot remove %s", dir);
	}
	return tap_done();
}
