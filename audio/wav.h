/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wav.h: WAV file reader (PCM16, mono/stereo, 8/16/44.1/48 kHz -> mono at 8 kHz or another rate) and 8 kHz mono writer. */
#ifndef SPHONE_WAV_H
#define SPHONE_WAV_H

#include <stddef.h>
#include <stdint.h>

struct wav;

/* What the file holds (before downmix/resampling). */
struct wav_info {
	unsigned rate;       /* 8000, 16000, 44100 or 48000 */
	unsigned channels;   /* 1 or 2 */
	unsigned bits;       /* 16 */
	uint64_t frames;     /* sample frames in the data chunk */
};

/*
 * Open a WAV file for reading. Accepted: RIFF/WAVE, a fmt chunk with PCM (tag 1, or
 * WAVE_FORMAT_EXTENSIBLE with the PCM sub-format), 16 bits, 1 or 2 channels, 8000/16000/
 * 44100/48000 Hz; unknown chunks are skipped. On error returns ENOENT/EACCES/... (from
 * fopen), EBADMSG (malformed) or ENOTSUP (well-formed but not accepted), and writes a
 * one-line reason saying what was found and what is accepted into err (if errlen > 0).
 */
int wav_open_read(struct wav **wp, const char *path, char *err, size_t errlen);

/* The same, read at rate (8000/16000/44100/48000) instead of 8 kHz, or at the file's own rate (0). */
int wav_open_read_rate(struct wav **wp, const char *path, unsigned rate, char *err, size_t errlen);

/* Read up to n samples, converted to 8 kHz mono (or the rate it was opened for). *got < n only at end of data. */
int wav_read(struct wav *w, int16_t *out, size_t n, size_t *got);
/* Go back to the first sample (for looping). */
int wav_rewind(struct wav *w);
const struct wav_info *wav_info(const struct wav *w);

/* Create/truncate path and write an 8 kHz mono 16-bit WAV; sizes are patched by wav_close. */
int wav_open_write(struct wav **wp, const char *path);
int wav_write(struct wav *w, const int16_t *s, size_t n);
/*
 * Makes the file on disk a complete WAV of what was written so far (sizes patched, data flushed);
 * later writes go on appending. 0, EINVAL (not a writer), or the write error.
 */
int wav_sync(struct wav *w);

/* Patch the header sizes (writer), close and free. NULL-safe. Returns 0 or the I/O errno. */
int wav_close(struct wav *w);

#endif
