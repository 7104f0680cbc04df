/* SPDX-License-Identifier: GPL-3.0-or-later */
/* text.c: untrusted text kept as printable UTF-8 without controls, capped at a character boundary. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "text.h"

/* Length of the well-formed UTF-8 sequence at s (at most n bytes) and its code point; 0 when malformed. */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2, c = s[0] & 0x1f, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3, c = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Characters that are text, not terminal or layout control. */
static bool printable(uint32_t c)
{
	if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
		return false;
	/* bidirectional controls (a name shown reversed can pose as another) and the Unicode line breaks */
	if (c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069) || c == 0x2028 || c == 0x2029)
		return false;
	return true;
}

size_t text_clean(char *out, size_t outsz, const char *in, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0, i = 0, k;
	uint32_t cp;

	if (!out || !outsz)
		return 0;
	while (in && i < len) {
		k = utf8_seq(s + i, len - i, &cp);
		bool keep = k && printable(cp);
		size_t w = keep ? k : 1;

		if (o + w > outsz - 1) {
			/* cut: back off to leave room for "..." on a character boundary */
			if (outsz - 1 >= 3) {
				while (o > 0 && o + 3 > outsz - 1) {
					o--;
					while (o > 0 && ((unsigned char)out[o] & 0xc0) == 0x80)
						o--;
				}
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (keep)
			memcpy(out + o, s + i, k);
		else
			out[o] = '?';
		o += w;
		i += k ? k : 1;
	}
	out[o] = '\0';
	return o;
}
