/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_wav.c: libFuzzer target for the WAV reader (chunk walk, fmt checks, downmix, resampling, rewind). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wav.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The reader takes a path: the input lives in a memory file opened through /proc. */
static int mfd = -1;
static char path[64];

/* Read everything in 160-sample blocks; returns the sample count, stores up to cap samples. */
static size_t read_all(struct wav *w, int16_t *keep, size_t cap)
{
	int16_t blk[160];
	size_t total = 0, got;

	for (;;) {
		if (wav_read(w, blk, 160, &got) != 0)
			abort(); /* the file does not change under us: no I/O error */
		if (got > 160)
			abort();
		for (size_t i = 0; i < got && total + i < cap; i++)
			keep[total + i] = blk[i];
		total += got;
		if (got < 160)
			break;
	}
	return total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int16_t first[1 << 16], second[1 << 16];
	struct wav *w = NULL;
	char err[256];
	int r;

	if (mfd < 0) {
		mfd = memfd_create("fuzz_wav", 0);
		if (mfd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	}
	if (ftruncate(mfd, 0) != 0 || (size && pwrite(mfd, data, size, 0) != (ssize_t)size))
		abort();
	memset(err, 'x', sizeof(err));
	r = wav_open_read(&w, path, err, sizeof(err));
	if (r != 0) {
		/* a refusal always says why, in a terminated string */
		if (!memchr(err, '\0', sizeof(err)) || !err[0])
			abort();
		if (w)
			abort();
		return 0;
	}
	{
		const struct wav_info *in = wav_info(w);
		size_t n1, n2, cap = sizeof(first) / sizeof(first[0]);
		uint64_t want;

		if ((in->rate != 8000 && in->rate != 16000 && in->rate != 44100 && in->rate != 48000) ||
		    (in->channels != 1 && in->channels != 2) || in->bits != 16)
			abort();
		if (in->frames * in->channels * 2 > size)
			abort(); /* never more frames than the file holds */
		n1 = read_all(w, first, cap);
		/* 8 kHz mono out: about frames * 8000 / rate samples (the resampler may hold a few back) */
		want = in->frames * 8000 / in->rate;
		if (n1 > want + 8)
			abort();
		if (wav_rewind(w) != 0)
			abort();
		n2 = read_all(w, second, cap);
		if (n1 != n2 || memcmp(first, second, (n1 < cap ? n1 : cap) * sizeof(first[0])) != 0)
			abort(); /* rewind gives the same samples again */
	}
	if (wav_close(w) != 0)
		abort();
	return 0;
}
