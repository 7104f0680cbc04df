/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_wav.c: WAV reader accepts the listed formats, rejects others with clear text; writer round trip. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tone.h"
#include "wav.h"
#include "../tap.h"
#include "audio_meas.h"

static char dir[64];
static char path[128];

/* A little byte builder for hand-made files. */
struct bb {
	uint8_t b[400000];
	size_t n;
};

static void b_raw(struct bb *b, const void *p, size_t n)
{
	memcpy(b->b + b->n, p, n);
	b->n += n;
}
static void b16(struct bb *b, unsigned v)
{
	uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	b_raw(b, x, 2);
}
static void b32(struct bb *b, uint32_t v)
{
	b16(b, v & 0xffff);
	b16(b, v >> 16);
}
static void b_fmt(struct bb *b, unsigned tag, unsigned ch, uint32_t rate, unsigned bits)
{
	b_raw(b, "fmt ", 4);
	b32(b, 16);
	b16(b, tag);
	b16(b, ch);
	b32(b, rate);
	b32(b, rate * ch * bits / 8);
	b16(b, ch * bits / 8);
	b16(b, bits);
}
static void b_start(struct bb *b)
{
	b->n = 0;
	b_raw(b, "RIFF\0\0\0\0WAVE", 12);
}
static void b_save(struct bb *b)
{
	FILE *f = fopen(path, "wb");
	uint32_t sz = (uint32_t)(b->n - 8);
	b->b[4] = (uint8_t)sz;
	b->b[5] = (uint8_t)(sz >> 8);
	b->b[6] = (uint8_t)(sz >> 16);
	b->b[7] = (uint8_t)(sz >> 24);
	fwrite(b->b, 1, b->n, f);
	fclose(f);
}

/* Open path, expect error code and a message containing needle. */
static void expect_err(int code, const char *needle, const char *what)
{
	struct wav *w = NULL;
	char err[256];
	int r = wav_open_read(&w, path, err, sizeof(err));

	is_int(r, code, "%s: error code", what);
	ok(strstr(err, needle) != NULL, "%s: message \"%s\" mentions \"%s\"", what, err, needle);
	ok(w == NULL, "%s: no object", what);
	wav_close(w);
}

static struct bb bb;

static void test_errors(void)
{
	snprintf(path, sizeof(path), "%s/nope.wav", dir);
	expect_err(ENOENT, "No such file", "missing file");
	snprintf(path, sizeof(path), "%s/bad.wav", dir);

	bb.n = 0;
	b_raw(&bb, "RIFF", 4);
	b_save(&bb);
	expect_err(EBADMSG, "too short", "4-byte file");

	b_start(&bb);
	memcpy(bb.b, "RIFX", 4);
	b_save(&bb);
	expect_err(EBADMSG, "\"RIFX\"", "big-endian RIFX");

	b_start(&bb);
	memcpy(bb.b + 8, "AVI ", 4);
	b_save(&bb);
	expect_err(EBADMSG, "not \"WAVE\"", "RIFF AVI");

	b_start(&bb);
	b_fmt(&bb, 3, 1, 8000, 32);
	b_raw(&bb, "data\0\0\0\0", 8);
	b_save(&bb);
	expect_err(ENOTSUP, "format tag 3 (IEEE float)", "float WAV");

	b_start(&bb);
	b_fmt(&bb, 1, 1, 8000, 24);
	b_save(&bb);
	expect_err(ENOTSUP, "24 bits", "24-bit PCM");

	b_start(&bb);
	b_fmt(&bb, 1, 6, 48000, 16);
	b_save(&bb);
	expect_err(ENOTSUP, "6 channels; accepted: PCM 16-bit, 1 or 2 channels", "5.1 PCM");

	b_start(&bb);
	b_fmt(&bb, 1, 1, 22050, 16);
	b_save(&bb);
	expect_err(ENOTSUP, "sample rate 22050 Hz", "22.05 kHz");

	b_start(&bb);
	b_raw(&bb, "data\4\0\0\0abcd", 12);
	b_fmt(&bb, 1, 1, 8000, 16);
	b_save(&bb);
	expect_err(EBADMSG, "data chunk before fmt", "data before fmt");

	b_start(&bb);
	b_fmt(&bb, 1, 1, 8000, 16);
	b_save(&bb);
	expect_err(EBADMSG, "no data chunk", "fmt but no data");

	b_start(&bb);
	b_raw(&bb, "fmt \x0c\0\0\0", 8);
	b_raw(&bb, "\1\0\1\0\x40\x1f\0\0\x80\x3e\0\0", 12);
	b_save(&bb);
	expect_err(EBADMSG, "needs at least 16", "12-byte fmt");

	b_start(&bb);
	b_raw(&bb, "LIST\xff\xff\0\0", 8);
	b_save(&bb);
	expect_err(EBADMSG, "\"LIST\" at offset 12 runs past end", "oversized unknown chunk");

	b_start(&bb);
	b_fmt(&bb, 1, 2, 8000, 16);
	bb.b[bb.n - 4] = 2; /* block align 2 for stereo */
	b_save(&bb);
	expect_err(EBADMSG, "inconsistent fmt", "bad block align");
}

/* Hand-made 16 kHz stereo file with LIST and odd-sized chunks; left 1 kHz, right silent. */
static void test_stereo16k(void)
{
	struct wav *w = NULL;
	struct tone t;
	int16_t s[16000], out[9000];
	char err[256];
	size_t got = 0, i;
	double amp;

	snprintf(path, sizeof(path), "%s/st.wav", dir);
	b_start(&bb);
	b_raw(&bb, "LIST\x05\0\0\0hello\0", 14); /* odd size: pad byte follows */
	b_fmt(&bb, 1, 2, 16000, 16);
	b_raw(&bb, "fact\4\0\0\0\0\0\0\0", 12);
	b_raw(&bb, "data", 4);
	b32(&bb, 16000 * 4);
	tone_sine(&t, 16000, 1000, 16000);
	tone_fill(&t, s, 16000);
	for (i = 0; i < 16000; i++) {
		b16(&bb, (uint16_t)s[i]);
		b16(&bb, 0);
	}
	b_raw(&bb, "LIST\4\0\0\0abcd", 12); /* trailing chunk must not be read as audio */
	b_save(&bb);

	is_int(wav_open_read(&w, path, err, sizeof(err)), 0, "16 kHz stereo with extra chunks opens (%s)", err);
	if (!w)
		return;
	is_int(wav_info(w)->rate, 16000, "rate 16000");
	is_int(wav_info(w)->channels, 2, "2 channels");
	is_int(wav_info(w)->frames, 16000, "16000 frames (trailing chunk excluded)");
	is_int(wav_read(w, out, 9000, &got), 0, "read");
	ok(got >= 8000 - 48 && got <= 8000, "1 s of 16 kHz gives ~8000 samples at 8 kHz (%zu)", got);
	amp = meas_goertzel_amp(out + 1000, 6000, 8000, 1000);
	diag("stereo downmix: 1 kHz amplitude %.0f (left 16000, right 0 -> 8000)", amp);
	ok(amp > 7800 && amp < 8200, "downmix is the average of both channels");
	is_int(wav_rewind(w), 0, "rewind");
	is_int(wav_read(w, out, 100, &got), 0, "read after rewind");
	is_int(got, 100, "100 samples after rewind");
	wav_close(w);
}

static void test_extensible48k(void)
{
	struct wav *w = NULL;
	struct tone t;
	int16_t s[4800], out[1000];
	char err[256];
	size_t got = 0, i;
	static const uint8_t guid[16] = { 1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71 };

	snprintf(path, sizeof(path), "%s/ext.wav", dir);
	b_start(&bb);
	b_raw(&bb, "fmt ", 4);
	b32(&bb, 40);
	b16(&bb, 0xfffe);
	b16(&bb, 1);
	b32(&bb, 48000);
	b32(&bb, 96000);
	b16(&bb, 2);
	b16(&bb, 16);
	b16(&bb, 22);
	b16(&bb, 16);
	b32(&bb, 4);
	b_raw(&bb, guid, 16);
	b_raw(&bb, "data", 4);
	b32(&bb, 0xffffffff); /* unfinished writer: length taken from the file */
	tone_sine(&t, 48000, 440, 8000);
	tone_fill(&t, s, 4800);
	for (i = 0; i < 4800; i++)
		b16(&bb, (uint16_t)s[i]);
	b_save(&bb);
	is_int(wav_open_read(&w, path, err, sizeof(err)), 0, "48 kHz WAVE_FORMAT_EXTENSIBLE PCM opens (%s)", err);
	if (!w)
		return;
	is_int(wav_info(w)->frames, 4800, "unpatched data size: 4800 frames from file length");
	is_int(wav_read(w, out, 1000, &got), 0, "read");
	ok(got >= 800 - 48 && got <= 800, "0.1 s at 48 kHz gives ~800 samples at 8 kHz (%zu)", got);
	wav_close(w);

	bb.b[12 + 8 + 24 + 2] = 3; /* sub-format GUID tail wrong */
	b_save(&bb);
	expect_err(ENOTSUP, "sub-format GUID", "extensible with foreign GUID");
	bb.b[12 + 8 + 24 + 2] = 0;
	bb.b[12 + 8 + 24] = 3; /* float sub-format */
	b_save(&bb);
	expect_err(ENOTSUP, "format tag 3", "extensible float");
}

static void test_writer(void)
{
	struct wav *w = NULL;
	int16_t s[1000], back[1100];
	uint8_t h[44];
	size_t got = 0, i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/out.wav", dir);
	for (i = 0; i < 1000; i++)
		s[i] = (int16_t)(i * 65 - 32000);
	is_int(wav_open_write(&w, path), 0, "open for writing");
	is_int(wav_write(w, s, 600), 0, "write 600");
	is_int(wav_write(w, s + 600, 400), 0, "write 400");
	is_int(wav_close(w), 0, "close patches sizes");
	f = fopen(path, "rb");
	ok(f && fread(h, 1, 44, f) == 44, "header readable");
	if (f)
		fclose(f);
	ok(memcmp(h, "RIFF", 4) == 0 && memcmp(h + 8, "WAVEfmt ", 8) == 0 && memcmp(h + 36, "data", 4) == 0,
	   "canonical 44-byte header");
	is_int(h[4] | h[5] << 8 | h[6] << 16 | h[7] << 24, 36 + 2000, "RIFF size patched");
	is_int(h[40] | h[41] << 8 | h[42] << 16 | h[43] << 24, 2000, "data size patched");
	is_int(h[24] | h[25] << 8, 8000, "8000 Hz");
	is_int(h[22], 1, "mono");
	w = NULL;
	is_int(wav_open_read(&w, path, NULL, 0), 0, "written file reads back");
	if (!w)
		return;
	is_int(wav_read(w, back, 1100, &got), 0, "read all");
	is_int(got, 1000, "1000 samples back");
	ok(memcmp(back, s, sizeof(s)) == 0, "samples identical");
	is_int(wav_read(w, back, 10, &got), 0, "read at end");
	is_int(got, 0, "0 at end");
	wav_close(w);
	is_int(wav_open_write(&w, "/nonexistent-dir/x.wav"), ENOENT, "write to missing dir: ENOENT");
}

/* A recording that goes on after wav_sync is a complete WAV at each sync (sphone --audio-out after a call). */
static void data_size(const char *p, long *data, long *filelen)
{
	uint8_t h[44];
	FILE *f = fopen(p, "rb");

	*data = *filelen = -1;
	if (!f)
		return;
	if (fread(h, 1, 44, f) == 44)
		*data = h[40] | h[41] << 8 | h[42] << 16 | (long)h[43] << 24;
	if (!fseek(f, 0, SEEK_END))
		*filelen = ftell(f);
	fclose(f);
}

static void test_sync(void)
{
	struct wav *w = NULL, *r = NULL;
	int16_t s[800];
	long data, len;

	snprintf(path, sizeof(path), "%s/sync.wav", dir);
	memset(s, 0x11, sizeof(s));
	is_int(wav_open_write(&w, path), 0, "sync: open for writing");
	is_int(wav_write(w, s, 800), 0, "sync: write 800 samples (one call)");
	is_int(wav_sync(w), 0, "sync: wav_sync");
	data_size(path, &data, &len);
	ok(data == 1600 && len == 44 + 1600, "sync: the file on disk is complete now (data %ld, file %ld)", data, len);
	is_int(wav_open_read(&r, path, NULL, 0), 0, "sync: it opens as a WAV while still being written");
	ok(r && wav_info(r)->frames == 800, "sync: with the 800 samples written so far");
	wav_close(r);
	is_int(wav_write(w, s, 400), 0, "sync: writing goes on (the next call)");
	is_int(wav_sync(w), 0, "sync: again");
	data_size(path, &data, &len);
	ok(data == 2400 && len == 44 + 2400, "sync: appended, not overwritten (data %ld, file %ld)", data, len);
	is_int(wav_close(w), 0, "sync: close");
	is_int(wav_sync(NULL), EINVAL, "sync: NULL is EINVAL");
}

/*
 * Every prefix of a valid file (with chunks before and after data) either fails cleanly or
 * opens and reads only what is there: the reader never trusts sizes past the end of the file.
 * Run under the sanitizers this also proves there is no over-read.
 */
static void test_truncations(void)
{
	struct bb full;
	size_t len, i, bad = 0, opened = 0;
	int16_t out[400];

	snprintf(path, sizeof(path), "%s/trunc.wav", dir);
	b_start(&bb);
	b_raw(&bb, "LIST\x03\0\0\0abc\0", 12);
	b_fmt(&bb, 1, 2, 16000, 16);
	b_raw(&bb, "data", 4);
	b32(&bb, 400);
	for (i = 0; i < 200; i++)
		b16(&bb, (unsigned)(i * 300));
	b_raw(&bb, "cue \4\0\0\0abcd", 12);
	memcpy(&full, &bb, sizeof(bb));
	for (len = 0; len <= full.n; len++) {
		struct wav *w = NULL;
		char err[200];
		FILE *f = fopen(path, "wb");
		int r;
		fwrite(full.b, 1, len, f); /* no size patch: sizes say more than the file holds */
		fclose(f);
		r = wav_open_read(&w, path, err, sizeof(err));
		if (r == 0) {
			size_t got = 0, data_end = 12 + 12 + 24 + 8;
			opened++;
			/* frames are bounded by what the prefix holds of the data chunk */
			if (wav_read(w, out, 400, &got) != 0 || wav_info(w)->frames * 4 > (len > data_end ? len - data_end : 0))
				bad++;
			wav_close(w);
		} else if ((r != EBADMSG && r != ENOTSUP) || !err[0] || w) {
			bad++;
		}
	}
	is_int(bad, 0, "all %zu prefixes of a file fail cleanly or read only what is there", full.n + 1);
	ok(opened > 0 && opened < full.n, "prefixes past the data header open (%zu of them)", opened);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_wav.XXXXXX");
	if (!mkdtemp(dir))
		tap_skip_all("mkdtemp failed");
	test_errors();
	test_stereo16k();
	test_extensible48k();
	test_writer();
	test_sync();
	test_truncations();
	{
		char cmd[100];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			diag("could not remove %s", dir);
	}
	return tap_done();
}
