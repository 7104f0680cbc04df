/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dev_file.c: WAV file "device": capture loops a WAV file, playback records to a WAV; clocked by audev_tick. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audev.h"
#include "duplex.h"
#include "wav.h"

#define FILE_MAX_FRAME 1920 /* 240 ms at 8 kHz */

struct file_dev {
	struct audev head; /* must be first */
	struct wav *in;    /* NULL: capture silence */
	struct wav *out;   /* NULL: discard playback */
	struct duplex *dx; /* rings, tones and echo canceller, as for a sound card at 8 kHz */
	int running;
	int in_empty;      /* the input file has no samples: loop would spin */
	int16_t buf[FILE_MAX_FRAME], obuf[FILE_MAX_FRAME];
};

static void file_close(struct audev *ad)
{
	struct file_dev *d = (struct file_dev *)ad;

	if (!d)
		return;
	duplex_free(d->dx);
	wav_close(d->in);
	wav_close(d->out);
	ring_free(d->head.cap);
	ring_free(d->head.play);
	free(d);
}

static int file_open(struct audev **adp, const struct audev_prm *prm)
{
	struct file_dev *d;
	struct duplex_prm xp;
	unsigned frame, depth;
	int r;

	if (!adp || !prm)
		return EINVAL;
	frame = prm->frame ? prm->frame : AUDEV_FRAME;
	depth = prm->ring_frames ? prm->ring_frames : 8;
	if (frame > FILE_MAX_FRAME || depth > 1024)
		return EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return ENOMEM;
	d->head.ops = &audev_file_ops;
	d->head.frame = frame;
	if ((r = ring_alloc(&d->head.cap, (size_t)frame * depth)) != 0 ||
	    (r = ring_alloc(&d->head.play, (size_t)frame * depth)) != 0)
		goto out;
	memset(&xp, 0, sizeof(xp));
	xp.dev_rate = 8000;
	xp.in_ch = xp.out_ch = 1;
	xp.cap = d->head.cap;
	xp.play = d->head.play;
	xp.frame = frame;
	xp.wake = prm->wake;
	xp.arg = prm->arg;
	xp.tones = prm->tones;
	/* no speaker and no microphone: the canceller only when asked for (a test's simulated room) */
	if (prm->echo == AUDEV_ECHO_ON)
		xp.echo_tail_ms = prm->echo_tail_ms ? prm->echo_tail_ms : 200;
	if ((r = duplex_alloc(&d->dx, &xp)) != 0)
		goto out;
	if (prm->capture && prm->capture[0] && (r = wav_open_read(&d->in, prm->capture, prm->err, prm->errlen)) != 0)
		goto out;
	if (d->in && wav_info(d->in)->frames == 0)
		d->in_empty = 1;
	if (prm->playback && prm->playback[0] && (r = wav_open_write(&d->out, prm->playback)) != 0) {
		if (prm->err && prm->errlen)
			snprintf(prm->err, prm->errlen, "%s: %s", prm->playback, strerror(r));
		goto out;
	}
out:
	if (r) {
		file_close(&d->head);
		return r;
	}
	*adp = &d->head;
	return 0;
}

static int file_start(struct audev *ad)
{
	((struct file_dev *)ad)->running = 1;
	return 0;
}

static int file_stop(struct audev *ad)
{
	((struct file_dev *)ad)->running = 0;
	return 0;
}

/* One frame each way: read (looping) -> duplex (playback ring -> tones -> out; capture -> ring -> wake) -> WAV. */
static int file_tick(struct audev *ad)
{
	struct file_dev *d = (struct file_dev *)ad;
	size_t n = d->head.frame, got = 0;
	int r;

	if (!d->running)
		return 0;
	if (d->in && !d->in_empty) {
		while (got < n) {
			size_t k = 0;
			if ((r = wav_read(d->in, d->buf + got, n - got, &k)) != 0)
				return r;
			got += k;
			if (got < n && (r = wav_rewind(d->in)) != 0)
				return r;
		}
	} else {
		memset(d->buf, 0, n * sizeof(*d->buf));
	}
	duplex_run(d->dx, d->buf, d->obuf, n);
	if (d->out && (r = wav_write(d->out, d->obuf, n)) != 0)
		return r;
	return 0;
}

static void file_stats(const struct audev *ad, struct audev_stats *st)
{
	duplex_stats(((const struct file_dev *)ad)->dx, st);
}

static int file_flush(struct audev *ad)
{
	struct file_dev *d = (struct file_dev *)ad;

	return d->out ? wav_sync(d->out) : 0;
}

const struct audev_ops audev_file_ops = {
	.name = "file",
	.open = file_open,
	.start = file_start,
	.stop = file_stop,
	.close = file_close,
	.tick = file_tick,
	.stats = file_stats,
	.flush = file_flush,
};
