/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tap.h: a tiny TAP producer for sphone's unit tests (automake's tap-driver reads it). */
#ifndef SPHONE_TAP_H
#define SPHONE_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n;
static int tap_failed;

static inline void tap_vok(int cond, const char *file, int line, const char *fmt, va_list ap)
{
	tap_n++;
	printf("%s %d - ", cond ? "ok" : "not ok", tap_n);
	vprintf(fmt, ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
}

static inline int tap_ok_at(int cond, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static inline int tap_ok_at(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tap_vok(cond, file, line, fmt, ap);
	va_end(ap);
	return cond;
}

/* ok(cond, "what"), is_int(got, want, "what"), is_str(got, want, "what") */
#define ok(cond, ...) tap_ok_at(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...)                                                             \
	do {                                                                               \
		long long tap_g_ = (long long)(got), tap_w_ = (long long)(want);           \
		if (!tap_ok_at(tap_g_ == tap_w_, __FILE__, __LINE__, __VA_ARGS__))         \
			printf("#   got %lld, want %lld\n", tap_g_, tap_w_);                   \
	} while (0)
#define is_str(got, want, ...)                                                             \
	do {                                                                               \
		const char *tap_g_ = (got), *tap_w_ = (want);                              \
		int tap_c_ = tap_g_ && tap_w_ && strcmp(tap_g_, tap_w_) == 0;              \
		if (!tap_ok_at(tap_c_, __FILE__, __LINE__, __VA_ARGS__))                   \
			printf("#   got \"%s\", want \"%s\"\n", tap_g_ ? tap_g_ : "(null)",   \
			       tap_w_ ? tap_w_ : "(null)");                                      \
	} while (0)
#define diag(...) (printf("# "), printf(__VA_ARGS__), printf("\n"))

/* Call at the end of main: prints the plan and returns the exit status. */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

static inline void tap_skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	exit(0);
}

#endif
