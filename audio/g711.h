/* SPDX-License-Identifier: GPL-3.0-or-later */
/* g711.h: ITU-T G.711 A-law and mu-law sample coding, bit-exact to the ITU reference. */
#ifndef SPHONE_G711_H
#define SPHONE_G711_H

#include <stddef.h>
#include <stdint.h>

/*
 * Input is 16-bit linear PCM; mu-law uses its top 14 bits and A-law its
 * top 13 bits, as the ITU reference software (G.191 STL) does. Negative
 * inputs are taken in one's complement, so within the coder's resolution
 * -1 is the smallest negative magnitude (mu-law code 0x7F, "negative zero").
 */
uint8_t g711_ulaw_enc(int16_t x);
int16_t g711_ulaw_dec(uint8_t c);
uint8_t g711_alaw_enc(int16_t x);
int16_t g711_alaw_dec(uint8_t c);

/* Buffer versions: n samples / n code bytes; dst and src must not overlap. */
void g711_ulaw_enc_buf(uint8_t *dst, const int16_t *src, size_t n);
void g711_ulaw_dec_buf(int16_t *dst, const uint8_t *src, size_t n);
void g711_alaw_enc_buf(uint8_t *dst, const int16_t *src, size_t n);
void g711_alaw_dec_buf(int16_t *dst, const uint8_t *src, size_t n);

#endif
