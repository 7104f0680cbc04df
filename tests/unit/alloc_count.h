/* SPDX-License-Identifier: GPL-3.0-or-later */
/* alloc_count.h: counts calls to the C allocator made by this thread between alloc_count_begin and _end. */
#ifndef SPHONE_ALLOC_COUNT_H
#define SPHONE_ALLOC_COUNT_H

/*
 * For proving that code meant for an audio callback never allocates or frees, including inside the
 * shared libraries it calls (speexdsp): the test program defines malloc, calloc, realloc, free,
 * aligned_alloc and posix_memalign, so every caller in the process reaches these first, and each
 * forwards to the next definition (libc's, or ASan's or valgrind's when the test runs under them).
 * Include it in exactly one file of a test program (built with -D_GNU_SOURCE, as all are), after
 * tap.h for alloc_count_ok.
 * Under valgrind, which puts its own allocator in place of every definition, nothing is counted:
 * alloc_count_live() says whether counting works here, so a test can skip rather than pass blindly.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* volatile: the compiler takes malloc and free for library calls that touch no program variable */
static _Thread_local volatile int alloc_counting;
static _Thread_local volatile unsigned long alloc_calls;

static void *(*alloc_next_malloc)(size_t);
static void *(*alloc_next_calloc)(size_t, size_t);
static void *(*alloc_next_realloc)(void *, size_t);
static void (*alloc_next_free)(void *);
static void *(*alloc_next_aligned)(size_t, size_t);
static int (*alloc_next_memalign)(void **, size_t, size_t);

/* dlsym itself may allocate while the pointers above are being found: from here, never freed */
static _Alignas(16) unsigned char alloc_boot[4096];
static size_t alloc_boot_used;
static int alloc_resolving;

static void *alloc_boot_take(size_t n)
{
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (alloc_boot_used + n > sizeof(alloc_boot))
		return NULL;
	p = alloc_boot + alloc_boot_used;
	alloc_boot_used += n;
	return p;
}

static int alloc_is_boot(const void *p)
{
	return (const unsigned char *)p >= alloc_boot && (const unsigned char *)p < alloc_boot + sizeof(alloc_boot);
}

static void alloc_resolve(void)
{
	if (alloc_next_free || alloc_resolving)
		return;
	alloc_resolving = 1;
	alloc_next_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
	alloc_next_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
	alloc_next_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
	alloc_next_aligned = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "aligned_alloc");
	alloc_next_memalign = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
	alloc_next_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
	alloc_resolving = 0;
}

static void alloc_note(void)
{
	if (alloc_counting)
		alloc_calls++;
}

void *malloc(size_t n)
{
	alloc_resolve();
	if (!alloc_next_malloc)
		return alloc_boot_take(n);
	alloc_note();
	return alloc_next_malloc(n);
}

void *calloc(size_t n, size_t m)
{
	alloc_resolve();
	if (!alloc_next_calloc)
		return m && n > SIZE_MAX / m ? NULL : alloc_boot_take(n * m); /* static: already zero */
	alloc_note();
	return alloc_next_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
	alloc_resolve();
	alloc_note();
	if (alloc_is_boot(p)) {
		void *q = malloc(n);
		if (q)
			memcpy(q, p, n < (size_t)(alloc_boot + sizeof(alloc_boot) - (unsigned char *)p) ? n :
				     (size_t)(alloc_boot + sizeof(alloc_boot) - (unsigned char *)p));
		return q;
	}
	return alloc_next_realloc(p, n);
}

void free(void *p)
{
	if (!p || alloc_is_boot(p))
		return;
	alloc_resolve();
	alloc_note();
	alloc_next_free(p);
}

void *aligned_alloc(size_t a, size_t n)
{
	alloc_resolve();
	alloc_note();
	return alloc_next_aligned(a, n);
}

int posix_memalign(void **pp, size_t a, size_t n)
{
	alloc_resolve();
	alloc_note();
	return alloc_next_memalign(pp, a, n);
}

static inline void alloc_count_begin(void)
{
	alloc_calls = 0;
	alloc_counting = 1;
}

/* Allocator calls (malloc, calloc, realloc, free, aligned ones) since alloc_count_begin. */
static inline unsigned long alloc_count_end(void)
{
	alloc_counting = 0;
	return alloc_calls;
}

/* 1 when this process's allocations reach the counter (a malloc and a free count 2). */
static inline int alloc_count_live(void)
{
	void *p;

	alloc_count_begin();
	p = malloc(16);
	*(volatile char *)p = 1;
	free(p);
	return alloc_count_end() == 2;
}

#ifdef SPHONE_TAP_H
/* A TAP check that n allocator calls were seen in what fmt names: none; skipped where none can be seen. */
static void alloc_count_ok(unsigned long n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void alloc_count_ok(unsigned long n, const char *fmt, ...)
{
	static int live = -1;
	char what[200];
	va_list ap;

	if (live < 0)
		live = alloc_count_live();
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (live)
		ok(n == 0, "%s: no allocation (%lu allocator calls)", what, n);
	else
		ok(1, "%s: no allocation # SKIP the allocator is not visible here (valgrind)", what);
}
#endif

#endif
