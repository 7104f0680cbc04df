/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_conf.c: libFuzzer target for the config file through account.c's loader (conf.c syntax + account validation). */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "account.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The loader takes a path: the input lives in a memory file opened through /proc. */
static int mfd = -1;
static char path[64];

/* Everything the loader logs, to look for secrets in. */
static char logged[1 << 16];
static size_t logged_len;

static void on_log(enum log_level lvl, const char *line, void *arg)
{
	size_t n = strlen(line);

	if (n > sizeof(logged) - logged_len - 2)
		n = sizeof(logged) - logged_len - 2;
	memcpy(logged + logged_len, line, n);
	logged_len += n;
	logged[logged_len++] = '\n';
	logged[logged_len] = '\0';
}

static size_t count_in(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	size_t c = 0;

	for (size_t i = 0; i + nlen <= hlen; i++)
		if (memcmp(hay + i, needle, nlen) == 0)
			c++;
	return c;
}

/*
 * A password that can be looked for: the unquoted value of a "password = "
 * line in an [account ...] section (elsewhere, e.g. in [contacts], the word
 * is just a name), 8 or more letters and digits, that appears nowhere else
 * in the file. Returns its length (0: none), copied to pw.
 */
static size_t find_password(const char *text, size_t len, char *pw, size_t pwsz)
{
	size_t off = 0;
	bool in_account = false;

	while (off < len) {
		const char *line = text + off, *nl = memchr(line, '\n', len - off);
		size_t ll = nl ? (size_t)(nl - line) : len - off, i = 0, v, vl = 0;

		off += ll + 1;
		while (i < ll && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i < ll && line[i] == '[') {
			in_account = ll - i >= 8 && memcmp(line + i, "[account", 8) == 0;
			continue;
		}
		if (!in_account || ll - i < 8 || memcmp(line + i, "password", 8) != 0)
			continue;
		i += 8;
		while (i < ll && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i >= ll || line[i] != '=')
			continue;
		i++;
		while (i < ll && (line[i] == ' ' || line[i] == '\t'))
			i++;
		v = i;
		while (i < ll && isalnum((unsigned char)line[i]))
			i++;
		vl = i - v;
		while (i < ll && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
			i++;
		if (i != ll || vl < 8 || vl >= pwsz || count_in(text, len, line + v, vl) != 1)
			continue;
		memcpy(pw, line + v, vl);
		pw[vl] = '\0';
		return vl;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct account_conf *c = NULL;
	char err[512], pw[128];
	size_t pwl;
	int r;

	if (mfd < 0) {
		mfd = memfd_create("fuzz_conf", 0);
		if (mfd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
		log_set_stderr(false);
		log_set_level(LOGL_DEBUG);
		log_set_handler(on_log, NULL);
	}
	if (ftruncate(mfd, 0) != 0 || (size && pwrite(mfd, data, size, 0) != (ssize_t)size))
		abort();
	logged_len = 0;
	logged[0] = '\0';
	pwl = find_password((const char *)data, size, pw, sizeof(pw));

	memset(err, 'x', sizeof(err));
	r = account_conf_load(&c, path, err, sizeof(err));
	if (r != 0) {
		/* a refusal names the file and says why, in a terminated string, and quotes no password */
		if (!memchr(err, '\0', sizeof(err)) || strncmp(err, path, strlen(path)) != 0 ||
		    !err[strlen(path)])
			abort();
		if (pwl && strstr(err, pw))
			abort();
	} else {
		char *out = NULL;
		size_t outlen = 0, n = account_conf_count(c);
		FILE *f = open_memstream(&out, &outlen);

		if (!f)
			abort();
		account_conf_print(c, f);
		fclose(f);
		if (pwl && memmem(out, outlen, pw, pwl))
			abort(); /* printed settings mask passwords */
		free(out);
		for (size_t i = 0; i < n; i++) {
			const struct account *a = account_conf_at(c, i);
			if (!a || !a->name || !a->uri || account_conf_find(c, a->name) == NULL)
				abort();
		}
		if ((n == 0) != (account_conf_find(c, NULL) == NULL))
			abort();
		for (size_t i = 0; i < account_conf_contact_count(c); i++) {
			const char *name, *addr;
			if (account_conf_contact(c, i, &name, &addr) != 0 || !name || !addr)
				abort();
		}
		(void)account_conf_log_level(c);
		account_conf_free(c);
	}
	if (pwl && strstr(logged, pw))
		abort(); /* nothing logged while loading shows a password */
	log_clear_secrets();
	return 0;
}
