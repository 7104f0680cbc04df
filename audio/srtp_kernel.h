/* SPDX-License-Identifier: GPL-3.0-or-later */
/* srtp_kernel.h: between srtp.c and srtp_kernel.c, the OpenSSL types libsrtp2's crypto kernel runs (no one else). */
#ifndef SPHONE_SRTP_KERNEL_H
#define SPHONE_SRTP_KERNEL_H

#include <srtp2/auth.h>
#include <srtp2/cipher.h>

/*
 * The types carry the names of libsrtp's built-in ones and are exported from the executable, so that
 * libsrtp2's own references reach them (ELF symbol interposition; see srtp_kernel.c).
 */
#define SRTP_KERNEL_TYPE __attribute__((visibility("default")))
extern SRTP_KERNEL_TYPE const srtp_cipher_type_t srtp_aes_icm_128, srtp_aes_icm_192, srtp_aes_icm_256;
extern SRTP_KERNEL_TYPE const srtp_cipher_type_t srtp_aes_gcm_128, srtp_aes_gcm_256;
extern SRTP_KERNEL_TYPE const srtp_auth_type_t srtp_hmac;

/* srtp_kernel_end's bit per cipher type id, and this one for the HMAC */
#define KERNEL_AUTH_BIT (1u << 31)

/*
 * Around srtp_init, once (under srtp.c's pthread_once): begin fetches the OpenSSL ciphers (a type whose
 * cipher could not be fetched fails its self-test) and starts noting which of our types the kernel
 * allocated while it self-tested them; end returns those bits.
 */
void srtp_kernel_begin(void);
unsigned srtp_kernel_end(void);

#endif
