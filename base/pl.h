/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pl.h: pointer+length string slices ("pointer-length") into buffers owned elsewhere. */
#ifndef SPHONE_PL_H
#define SPHONE_PL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A slice of bytes owned by someone else (usually a parsed SIP message).
 * Not NUL-terminated. p == NULL means "absent"; p != NULL with l == 0 means
 * "present but empty" (e.g. a flag parameter without a value).
 */
struct pl {
	const char *p;
	size_t l;
};

/* Slice of a string literal: PL("INVITE"). */
#define PL(s) ((struct pl){ (s), sizeof(s) - 1 })
#define PL_NULL ((struct pl){ NULL, 0 })

/* Sets pl to the whole of NUL-terminated s (NULL s gives an absent pl). */
void pl_set_str(struct pl *pl, const char *s);
/* A slice of NUL-terminated s (absent if s is NULL). */
struct pl pl_str(const char *s);
/* True when the slice is present (it may still be empty). */
bool pl_isset(struct pl pl);
/* Byte-exact comparison; two absent slices are equal, absent != empty. */
bool pl_eq(struct pl a, struct pl b);
/* ASCII case-insensitive comparison of two slices. */
bool pl_eq_ci(struct pl a, struct pl b);
/* Byte-exact comparison with a C string (false if a is absent or s NULL). */
bool pl_eq_str(struct pl a, const char *s);
/* ASCII case-insensitive comparison with a C string (false if a is absent or s NULL). */
bool pl_eq_case(struct pl a, const char *s);
/*
 * Decimal digits only (no sign, no spaces, at least one digit) into *v.
 * EINVAL if not a number, ERANGE if above UINT32_MAX. *v written only on success.
 */
int pl_to_u32(struct pl pl, uint32_t *v);
/*
 * 1 to maxdigits decimal digits and nothing else into *v; EINVAL otherwise. *v written only on
 * success. v NULL only checks the form: then maxdigits may be above 19 (the value would not fit).
 */
int pl_to_u64(struct pl pl, size_t maxdigits, uint64_t *v);
/* Copies pl into buf as a C string; ENOSPC (and nothing written) if it does not fit with its NUL. */
int pl_strdup(char *buf, size_t sz, struct pl pl);
/* Same slice without leading/trailing SP, HT, CR, LF. */
struct pl pl_trim(struct pl pl);
/*
 * The next run of bytes other than SP and HT from *rest (empty when only blanks are left); *rest
 * moves past it and the blanks after it. For the space-separated fields of SDP lines.
 */
struct pl pl_token(struct pl *rest);
/* Index of the first byte c in pl, or -1 if there is none. */
long pl_chr(struct pl pl, char c);
/* Sub-slice [off, off+len) clipped to pl's bounds. */
struct pl pl_sub(struct pl pl, size_t off, size_t len);

#endif
