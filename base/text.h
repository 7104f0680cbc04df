/* SPDX-License-Identifier: GPL-3.0-or-later */
/* text.h: text a stranger wrote (a caller's display name), made safe to store, show or hand to a program. */
#ifndef SPHONE_TEXT_H
#define SPHONE_TEXT_H

#include <stddef.h>

/*
 * Copies len bytes of in to out (outsz bytes, always NUL-terminated when outsz > 0) keeping printable
 * ASCII and well-formed UTF-8 characters; a control character (C0, DEL, C1), a character that reorders
 * or breaks lines on screen (the bidirectional controls, U+2028/U+2029), a malformed, overlong or
 * surrogate sequence, and NUL each become one '?'. So the result cannot move a terminal's cursor,
 * change its colours, split a log line, or disguise itself as other text by reversing it. When it
 * does not fit, it is cut on a character boundary and ends in "...". Returns the bytes written (without
 * the NUL).
 */
size_t text_clean(char *out, size_t outsz, const char *in, size_t len);

#endif
