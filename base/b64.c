/* SPDX-License-Identifier: GPL-3.0-or-later */
/* b64.c: base64 with strict decoding: anything but the one canonical encoding is rejected. */
#include <errno.h>
#include <string.h>

#include "b64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_encode(const uint8_t *in, size_t n, char *out, size_t outsz)
{
	size_t need, o = 0, i = 0;

	if ((!in && n) || !out)
		return EINVAL;
	if (n > (SIZE_MAX - 1) / 4 * 3 - 2)
		return ENOSPC;
	need = B64_ENC_LEN(n) + 1;
	if (outsz < need)
		return ENOSPC;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = alphabet[v >> 6 & 63];
		out[o++] = alphabet[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;

		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = alphabet[v >> 6 & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
	return 0;
}

/* 0..63, or -1 for anything outside the alphabet (including '='). */
static int val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int b64_decode(const char *in, size_t n, uint8_t *out, size_t outsz, size_t *outlen)
{
	size_t i, o = 0, pad = 0, need;
	int err = 0;

	if ((!in && n) || (!out && outsz) || !outlen)
		return EINVAL;
	if (n % 4)
		return EBADMSG;
	if (n && in[n - 1] == '=')
		pad = (n >= 2 && in[n - 2] == '=') ? 2 : 1;
	need = n / 4 * 3 - pad;
	if (outsz < need)
		return ENOSPC;
	for (i = 0; i < n; i += 4) {
		int a = val((unsigned char)in[i]), b = val((unsigned char)in[i + 1]);
		int c = val((unsigned char)in[i + 2]), d = val((unsigned char)in[i + 3]);
		int last = i + 4 == n;

		if (a < 0 || b < 0) {
			err = EBADMSG;
			goto out;
		}
		out[o++] = (uint8_t)(a << 2 | b >> 4);
		if (last && pad == 2) {
			/* "xx==": the 4 low bits of b are unused and must be 0 */
			if (in[i + 2] != '=' || (b & 15)) {
				err = EBADMSG;
				goto out;
			}
			break;
		}
		if (c < 0) {
			err = EBADMSG;
			goto out;
		}
		out[o++] = (uint8_t)((b & 15) << 4 | c >> 2);
		if (last && pad == 1) {
			/* "xxx=": the 2 low bits of c are unused and must be 0 */
			if (c & 3) {
				err = EBADMSG;
				goto out;
			}
			break;
		}
		if (d < 0) {
			err = EBADMSG;
			goto out;
		}
		out[o++] = (uint8_t)((c & 3) << 6 | d);
	}
out:
	if (err) {
		if (o)
			explicit_bzero(out, o);
		return err;
	}
	*outlen = o;
	return 0;
}
