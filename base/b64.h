/* SPDX-License-Identifier: GPL-3.0-or-later */
/* b64.h: strict base64 (RFC 4648 section 4) encode and decode, for SDES keys and TLS pins. */
#ifndef SPHONE_B64_H
#define SPHONE_B64_H

#include <stddef.h>
#include <stdint.h>

/* Characters b64_encode writes for n bytes, without the NUL. */
#define B64_ENC_LEN(n) ((((n) + 2) / 3) * 4)
/* Upper bound of bytes decoded from n characters. */
#define B64_DEC_MAX(n) (((n) / 4) * 3)

/*
 * Writes the padded encoding of in[0..n) and a NUL to out.
 * Returns 0, EINVAL (NULL pointer) or ENOSPC (outsz < B64_ENC_LEN(n) + 1;
 * out is then left untouched).
 */
int b64_encode(const uint8_t *in, size_t n, char *out, size_t outsz);

/*
 * Decodes in[0..n) (not necessarily NUL-terminated) into out. Strict: only the
 * standard alphabet, length a multiple of 4, '=' only as 1 or 2 final pad
 * characters, unused bits zero (one encoding per value), no whitespace.
 * Returns 0 and sets *outlen; EBADMSG on malformed input; ENOSPC when outsz is
 * too small; EINVAL on NULL pointers. On error *outlen is untouched and
 * whatever was written to out is wiped (it may be key material).
 */
int b64_decode(const char *in, size_t n, uint8_t *out, size_t outsz, size_t *outlen);

#endif
