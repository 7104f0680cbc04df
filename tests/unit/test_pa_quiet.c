/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_pa_quiet.c: what PortAudio's libraries print reaches the chatter handler and never the real stderr. */
/*
 * The real fd 2 of this program is a file here, so every byte that escapes is seen. ALSA and JACK are
 * made to complain for real (an unknown PCM, a JACK client with no server), inside a window and, after
 * the hooks are set, from another thread outside any window.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audev.h"
#include "pa_quiet.h"
#include "../tap.h"

static char got[64][600];
static int ngot;

static void chatter(const char *line, void *arg)
{
	(void)arg;
	if (ngot < 64)
		snprintf(got[ngot++], sizeof(got[0]), "%s", line);
}

static int has(const char *what)
{
	for (int i = 0; i < ngot; i++)
		if (strstr(got[i], what))
			return 1;
	return 0;
}

/* Bytes in the file that stands for the real stderr. */
static long escaped(const char *path)
{
	struct stat st;

	fflush(stderr);
	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void *alsa_lib, *jack_lib;

/* ALSA: open a PCM that does not exist (ALSA reports it through its error handler). */
static void alsa_complain(void)
{
	int (*pcm_open)(void **, const char *, int, int) =
		(int (*)(void **, const char *, int, int))dlsym(alsa_lib, "snd_pcm_open");
	void *pcm = NULL;

	if (pcm_open && pcm_open(&pcm, "sphone_no_such_pcm", 0, 0) == 0) {
		int (*pcm_close)(void *) = (int (*)(void *))dlsym(alsa_lib, "snd_pcm_close");
		pcm_close(pcm);
	}
}

/* JACK: a client for a server that is not there (JACK reports it through jack_error). */
static void jack_complain(void)
{
	void *(*client_open)(const char *, int, int *, ...) =
		(void *(*)(const char *, int, int *, ...))dlsym(jack_lib, "jack_client_open");
	int status = 0;

	if (client_open)
		(void)client_open("sphone-test", 1 /* JackNoStartServer */, &status);
}

static void *complain_thread(void *arg)
{
	(void)arg;
	alsa_complain();
	jack_complain();
	return NULL;
}

int main(void)
{
	char errfile[] = "/tmp/sphone-test-pa-quiet.XXXXXX", big[4096];
	struct pa_quiet q;
	long before;
	pthread_t th;
	int fd = mkstemp(errfile), i, blocked = 0;

	if (fd < 0 || dup2(fd, 2) < 0)
		tap_skip_all("cannot point stderr at a file");
	close(fd);
	setenv("JACK_NO_START_SERVER", "1", 1);
	setenv("JACK_DEFAULT_SERVER", "sphone-test-no-such-server", 1);

	/* no handler: the lines are gone */
	pa_quiet_begin(&q);
	fprintf(stderr, "ALSA lib confmisc.c:855:(parse_card) cannot find card '0'\n");
	pa_quiet_end(&q);
	is_int(escaped(errfile), 0, "without a handler: nothing reaches stderr");

	audev_pa_set_chatter(chatter, NULL);
	pa_quiet_begin(&q);
	fprintf(stderr, "first line\r\n\nsecond line  \n");
	if (write(2, "unfinished", 10) != 10)
		diag("write to the pipe failed");
	pa_quiet_end(&q);
	is_int(escaped(errfile), 0, "with a handler: nothing reaches stderr");
	is_int(ngot, 3, "three lines handed on (the empty one is not)");
	is_str(got[0], "first line", "CR and the newline taken off");
	is_str(got[1], "second line", "trailing blanks taken off");
	is_str(got[2], "unfinished", "a last line without newline");

	/* more than the pipe holds: writes fail instead of blocking, and stderr works afterwards */
	ngot = 0;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\n';
	pa_quiet_begin(&q);
	for (i = 0; i < 64; i++) /* 256 KiB */
		if (write(2, big, sizeof(big)) < 0 && errno == EAGAIN)
			blocked++;
	pa_quiet_end(&q);
	ok(blocked > 0, "a full pipe refuses writes (%d of 64 refused) instead of blocking", blocked);
	ok(ngot > 0 && strlen(got[0]) == 511, "long lines handed on cut at 511 bytes (%d lines)", ngot);
	ok(!ferror(stderr), "stderr not left in error");
	fprintf(stderr, "after\n");
	is_int(escaped(errfile), 6, "fd 2 is the real stderr again");
	before = escaped(errfile);

	alsa_lib = dlopen("libasound.so.2", RTLD_NOW);
	jack_lib = dlopen("libjack.so.0", RTLD_NOW);
	if (!alsa_lib || !jack_lib) {
		for (i = 0; i < 6; i++)
			ok(1, "# SKIP libasound.so.2 or libjack.so.0 not installed");
		return tap_done();
	}
	/* the first window's end finds both libraries loaded and hooks their error reporting */
	ngot = 0;
	pa_quiet_begin(&q);
	alsa_complain();
	jack_complain();
	pa_quiet_end(&q);
	ok(has("Unknown PCM sphone_no_such_pcm"), "ALSA's complaint handed on");
	ok(has("jack server is not running") || has("Cannot connect to server"), "JACK's complaint handed on");
	ngot = 0;
	pa_quiet_begin(&q);
	alsa_complain();
	jack_complain();
	pa_quiet_end(&q);
	ok(has("ALSA lib pcm.c") && has("Unknown PCM sphone_no_such_pcm"),
	   "through ALSA's hook: the same line, file:line:(function) and all");
	ok(has("jack server is not running") || has("Cannot connect to server"), "through JACK's hook as well");
	/* another thread, no window open: nothing printed, only counted */
	pthread_create(&th, NULL, complain_thread, NULL);
	pthread_join(th, NULL);
	is_int(escaped(errfile) - before, 0, "ALSA and JACK on another thread: nothing reaches stderr");
	ngot = 0;
	pa_quiet_begin(&q);
	pa_quiet_end(&q);
	ok(ngot == 1 && strstr(got[0], " lines from ALSA/JACK threads not shown"),
	   "... and the next window reports how many lines were left out (%s)", ngot ? got[0] : "nothing");
	{
		/* ALSA's configuration cache, so that memcheck sees nothing left behind */
		int (*free_global)(void) = (int (*)(void))dlsym(alsa_lib, "snd_config_update_free_global");

		if (free_global)
			free_global();
	}
	/* libjack stays: unloaded, what it still holds would look leaked */
	dlclose(alsa_lib);
	unlink(errfile);
	return tap_done();
}
