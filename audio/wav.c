/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wav.c: bounds-checked RIFF/WAVE chunk walker, PCM16 reader with downmix + resampling, and writer. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "resamp.h"
#include "speex_load.h"
#include "wav.h"

#define WAV_BLOCK 1024 /* frames read from the file at a time */
/* WAV's samples are little-endian: on such a host they are read and written without conversion */
#define HOST_LE (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
#define WAV_MAX_DATA 0xffffffffu

struct wav {
	FILE *f;
	int writing;
	struct wav_info info;
	/* reader */
	long data_off;        /* file offset of the first sample */
	uint64_t frames_left; /* sample frames not yet read from the file */
	struct resamp *rs;    /* NULL when the file is already at the rate read */
	int16_t mono[WAV_BLOCK]; /* downmixed samples at the file rate, not yet consumed */
	size_t mono_pos, mono_len;
	uint8_t raw[WAV_BLOCK * 4];
	/* writer */
	uint64_t written; /* samples */
	int werr;
};

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static int fail(char *err, size_t errlen, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* A chunk id as printable text for error messages. */
static const char *fourcc(const uint8_t *id, char out[20])
{
	char *o = out;
	int i;

	*o++ = '"';
	for (i = 0; i < 4; i++) {
		if (id[i] >= 0x20 && id[i] < 0x7f && id[i] != '"' && id[i] != '\\')
			*o++ = (char)id[i];
		else
			o += sprintf(o, "\\x%02x", id[i]);
	}
	*o++ = '"';
	*o = 0;
	return out;
}

static const char *tag_name(unsigned tag)
{
	switch (tag) {
	case 1: return "PCM";
	case 3: return "IEEE float";
	case 6: return "A-law";
	case 7: return "mu-law";
	case 0x11: return "IMA ADPCM";
	case 0x55: return "MP3";
	case 0xfffe: return "extensible";
	default: return "unknown";
	}
}

static const char accepted[] = "accepted: PCM 16-bit, 1 or 2 channels, 8000/16000/44100/48000 Hz";

/* Tail of the KSDATAFORMAT_SUBTYPE_* GUIDs after the 16-bit format tag. */
static const uint8_t guid_tail[14] = { 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
				       0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71 };

static int parse_fmt(struct wav_info *info, const uint8_t *b, uint32_t size, char *err, size_t errlen)
{
	unsigned tag, ch, bits, align;
	uint32_t rate, byterate;

	if (size < 16)
		return fail(err, errlen, EBADMSG, "fmt chunk is %" PRIu32 " bytes, needs at least 16", size);
	tag = le16(b);
	ch = le16(b + 2);
	rate = le32(b + 4);
	byterate = le32(b + 8);
	align = le16(b + 12);
	bits = le16(b + 14);
	if (tag == 0xfffe) {
		if (size < 40 || le16(b + 16) < 22)
			return fail(err, errlen, EBADMSG, "extensible fmt chunk too short (%" PRIu32 " bytes)", size);
		tag = le16(b + 24);
		if (memcmp(b + 26, guid_tail, sizeof(guid_tail)) != 0)
			return fail(err, errlen, ENOTSUP, "extensible fmt with a non-standard sub-format GUID; %s",
				    accepted);
	}
	if (tag != 1)
		return fail(err, errlen, ENOTSUP, "format tag %u (%s); %s", tag, tag_name(tag), accepted);
	if (bits != 16)
		return fail(err, errlen, ENOTSUP, "PCM with %u bits per sample; %s", bits, accepted);
	if (ch != 1 && ch != 2)
		return fail(err, errlen, ENOTSUP, "%u channels; %s", ch, accepted);
	if (!resamp_rate_ok(rate))
		return fail(err, errlen, ENOTSUP, "sample rate %" PRIu32 " Hz; %s", rate, accepted);
	if (align != ch * 2 || byterate != rate * align)
		return fail(err, errlen, EBADMSG,
			    "inconsistent fmt chunk: block align %u and byte rate %" PRIu32
			    " for %u channels at %" PRIu32 " Hz",
			    align, byterate, ch, rate);
	info->rate = rate;
	info->channels = ch;
	info->bits = bits;
	return 0;
}

/* Walk the chunks; leaves the file positioned at the first sample. */
static int parse_header(struct wav *w, char *err, size_t errlen)
{
	uint8_t hdr[12], ch[8], fmt[40];
	char id[20];
	struct stat sb;
	uint64_t fsize, pos;
	int have_fmt = 0, r;

	if (fstat(fileno(w->f), &sb) != 0)
		return fail(err, errlen, errno, "cannot stat file: %s", strerror(errno));
	fsize = (uint64_t)sb.st_size;
	if (fread(hdr, 1, sizeof(hdr), w->f) != sizeof(hdr))
		return fail(err, errlen, EBADMSG, "file is %" PRIu64 " bytes, too short for a WAV header (12)", fsize);
	if (memcmp(hdr, "RIFF", 4) != 0)
		return fail(err, errlen, EBADMSG, "not a RIFF file: starts with %s (RIFX/RF64 not supported); "
			    "accepted: little-endian \"RIFF\" ... \"WAVE\"", fourcc(hdr, id));
	if (memcmp(hdr + 8, "WAVE", 4) != 0)
		return fail(err, errlen, EBADMSG, "RIFF file of type %s, not \"WAVE\"", fourcc(hdr + 8, id));
	pos = 12;
	for (;;) {
		uint32_t size;
		uint64_t next;

		if (pos + 8 > fsize)
			return fail(err, errlen, EBADMSG, have_fmt ? "no data chunk before end of file"
								 : "no fmt chunk before end of file");
		if (fread(ch, 1, 8, w->f) != 8)
			return fail(err, errlen, EBADMSG, "read error in chunk header at offset %" PRIu64, pos);
		size = le32(ch + 4);
		pos += 8;
		next = pos + size + (size & 1);

		if (memcmp(ch, "fmt ", 4) == 0) {
			uint32_t take = size < sizeof(fmt) ? size : (uint32_t)sizeof(fmt);
			if (have_fmt)
				return fail(err, errlen, EBADMSG, "second fmt chunk at offset %" PRIu64, pos - 8);
			if (pos + size > fsize)
				return fail(err, errlen, EBADMSG, "fmt chunk runs past end of file");
			if (fread(fmt, 1, take, w->f) != take)
				return fail(err, errlen, EBADMSG, "read error in fmt chunk");
			if ((r = parse_fmt(&w->info, fmt, size, err, errlen)) != 0)
				return r;
			have_fmt = 1;
		} else if (memcmp(ch, "data", 4) == 0) {
			uint64_t avail = fsize - pos, len = size;
			unsigned align;
			if (!have_fmt)
				return fail(err, errlen, EBADMSG, "data chunk before fmt chunk");
			/* writers that were killed leave 0 or 0xffffffff here: use what the file holds */
			if (len > avail || len == 0)
				len = avail;
			align = w->info.channels * 2;
			w->info.frames = len / align;
			w->frames_left = w->info.frames;
			w->data_off = (long)pos;
			return 0;
		}
		/* unknown chunk (LIST, fact, cue, ...): skip */
		if (next > fsize)
			return fail(err, errlen, EBADMSG, "chunk %s at offset %" PRIu64 " runs past end of file",
				    fourcc(ch, id), pos - 8);
		if (fseek(w->f, (long)next, SEEK_SET) != 0)
			return fail(err, errlen, EBADMSG, "seek error");
		pos = next;
	}
}

int wav_open_read(struct wav **wp, const char *path, char *err, size_t errlen)
{
	return wav_open_read_rate(wp, path, 8000, err, errlen);
}

int wav_open_read_rate(struct wav **wp, const char *path, unsigned rate, char *err, size_t errlen)
{
	struct wav *w;
	int r;

	if (err && errlen)
		err[0] = 0;
	if (!wp || !path || (rate && !resamp_rate_ok(rate)))
		return EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return ENOMEM;
	w->f = fopen(path, "rb");
	if (!w->f) {
		r = fail(err, errlen, errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((r = parse_header(w, err, errlen)) != 0)
		goto out;
	if (rate && w->info.rate != rate && (r = resamp_alloc(&w->rs, w->info.rate, rate, -1)) != 0) {
		fail(err, errlen, r, "resampler: %s",
		     r == ELIBACC ? SPEEXDSP_SONAME " cannot be loaded (install libspeexdsp1)" : strerror(r));
		goto out;
	}
out:
	if (r) {
		wav_close(w);
		return r;
	}
	*wp = w;
	return 0;
}

const struct wav_info *wav_info(const struct wav *w)
{
	return &w->info;
}

/* Refill w->mono with up to WAV_BLOCK downmixed frames; returns the count (0 at end). */
static int fill_mono(struct wav *w, size_t *n)
{
	size_t want = WAV_BLOCK, got, i;
	unsigned chn = w->info.channels;

	if (want > w->frames_left)
		want = (size_t)w->frames_left;
	got = want ? fread(w->raw, chn * 2, want, w->f) : 0;
	if (got < want && ferror(w->f))
		return EIO;
	if (HOST_LE && chn == 1) /* the file's byte order is ours: no per-sample work (a call reads 160 a frame) */
		memcpy(w->mono, w->raw, got * 2);
	for (i = HOST_LE && chn == 1 ? got : 0; i < got; i++) {
		const uint8_t *p = w->raw + i * chn * 2;
		if (chn == 1)
			w->mono[i] = (int16_t)le16(p);
		else /* average, computed in int so it cannot overflow */
			w->mono[i] = (int16_t)(((int)(int16_t)le16(p) + (int)(int16_t)le16(p + 2)) / 2);
	}
	w->frames_left = got < want ? 0 : w->frames_left - got;
	w->mono_pos = 0;
	w->mono_len = got;
	*n = got;
	return 0;
}

int wav_read(struct wav *w, int16_t *out, size_t n, size_t *got)
{
	size_t done = 0;
	int r;

	if (!w || w->writing || (!out && n) || !got)
		return EINVAL;
	while (done < n) {
		size_t il, ol;
		if (w->mono_pos == w->mono_len) {
			size_t k;
			if ((r = fill_mono(w, &k)) != 0)
				return r;
			if (k == 0)
				break;
		}
		il = w->mono_len - w->mono_pos;
		ol = n - done;
		if (!w->rs) {
			if (il > ol)
				il = ol;
			memcpy(out + done, w->mono + w->mono_pos, il * sizeof(*out));
			ol = il;
		} else if ((r = resamp_process(w->rs, w->mono + w->mono_pos, &il, out + done, &ol)) != 0) {
			return r;
		}
		w->mono_pos += il;
		done += ol;
		if (il == 0 && ol == 0)
			break; /* cannot happen with a sane resampler; avoid spinning */
	}
	*got = done;
	return 0;
}

int wav_rewind(struct wav *w)
{
	if (!w || w->writing)
		return EINVAL;
	if (fseek(w->f, w->data_off, SEEK_SET) != 0)
		return errno;
	w->frames_left = w->info.frames;
	w->mono_pos = w->mono_len = 0;
	resamp_reset(w->rs);
	return 0;
}

static void header(uint8_t h[44], uint32_t data_bytes)
{
	memcpy(h, "RIFF", 4);
	put32(h + 4, 36 + data_bytes);
	memcpy(h + 8, "WAVEfmt ", 8);
	put32(h + 16, 16);
	put16(h + 20, 1);     /* PCM */
	put16(h + 22, 1);     /* mono */
	put32(h + 24, 8000);
	put32(h + 28, 16000); /* byte rate */
	put16(h + 32, 2);     /* block align */
	put16(h + 34, 16);
	memcpy(h + 36, "data", 4);
	put32(h + 40, data_bytes);
}

int wav_open_write(struct wav **wp, const char *path)
{
	struct wav *w;
	uint8_t h[44];
	int r = 0;

	if (!wp || !path)
		return EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return ENOMEM;
	w->writing = 1;
	w->info.rate = 8000;
	w->info.channels = 1;
	w->info.bits = 16;
	w->f = fopen(path, "wb");
	if (!w->f) {
		r = errno;
		goto out;
	}
	/* sizes 0 until close: a reader of an unfinished file uses the file length instead */
	header(h, 0);
	if (fwrite(h, 1, sizeof(h), w->f) != sizeof(h))
		r = errno ? errno : EIO;
out:
	if (r) {
		if (w->f)
			fclose(w->f);
		free(w);
		return r;
	}
	*wp = w;
	return 0;
}

int wav_write(struct wav *w, const int16_t *s, size_t n)
{
	uint8_t buf[512];
	size_t i = 0;

	if (!w || !w->writing || (!s && n))
		return EINVAL;
	if (w->werr)
		return w->werr;
	if ((w->written + n) * 2 > WAV_MAX_DATA - 36)
		return (w->werr = EFBIG);
	if (HOST_LE) { /* the file's byte order is ours: the samples as they are */
		if (n && fwrite(s, 2, n, w->f) != n)
			return (w->werr = errno ? errno : EIO);
		i = n;
	}
	while (i < n) {
		size_t k = 0;
		while (i < n && k + 2 <= sizeof(buf)) {
			put16(buf + k, (uint16_t)s[i++]);
			k += 2;
		}
		if (fwrite(buf, 1, k, w->f) != k)
			return (w->werr = errno ? errno : EIO);
	}
	w->written += n;
	return 0;
}

/* Patches the header's sizes for what was written so far; the file position stays at the end. */
static int patch_header(struct wav *w)
{
	uint8_t h[44];
	long end;

	header(h, (uint32_t)(w->written * 2));
	if ((end = ftell(w->f)) < 0 || fseek(w->f, 0, SEEK_SET) != 0 || fwrite(h, 1, sizeof(h), w->f) != sizeof(h) ||
	    fseek(w->f, end, SEEK_SET) != 0)
		return errno ? errno : EIO;
	return 0;
}

int wav_sync(struct wav *w)
{
	int r;

	if (!w || !w->writing || !w->f)
		return EINVAL;
	if (w->werr)
		return w->werr;
	if ((r = patch_header(w)) != 0 || fflush(w->f) != 0)
		return (w->werr = r ? r : errno ? errno : EIO);
	return 0;
}

int wav_close(struct wav *w)
{
	int r = 0;

	if (!w)
		return 0;
	if (w->writing && w->f) {
		r = patch_header(w);
		if (!r)
			r = w->werr;
	}
	if (w->f && fclose(w->f) != 0 && !r)
		r = errno ? errno : EIO;
	resamp_free(w->rs);
	free(w);
	return r;
}
