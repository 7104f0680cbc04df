/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_dev_file.c: the WAV file device: capture loops the input, playback records, wake fires per tick. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audev.h"
#include "wav.h"
#include "../tap.h"

static int wakes;

static void on_wake(void *arg)
{
	(void)arg;
	wakes++;
}

int main(void)
{
	char dir[64] = "/tmp/test_dev_file.XXXXXX", in[128], out[128], cmd[160], errtext[200] = "";
	struct audev *ad = NULL;
	struct audev_prm prm = { 0 };
	struct audev_stats st;
	struct wav *w = NULL;
	int16_t ramp[300], frame[160], all[2000];
	size_t got = 0, i;
	int k, bad = 0;

	if (!mkdtemp(dir))
		tap_skip_all("mkdtemp failed");
	snprintf(in, sizeof(in), "%s/in.wav", dir);
	snprintf(out, sizeof(out), "%s/out.wav", dir);
	for (i = 0; i < 300; i++)
		ramp[i] = (int16_t)(i * 10);
	if (wav_open_write(&w, in) == 0) {
		wav_write(w, ramp, 300);
		wav_close(w);
	}

	prm.capture = "/nonexistent.wav";
	prm.err = errtext;
	prm.errlen = sizeof(errtext);
	is_int(audev_open(&ad, &audev_file_ops, &prm), ENOENT, "missing capture file: ENOENT");
	is_str(errtext, "/nonexistent.wav: No such file or directory", "error text names the file");
	prm.capture = out; /* not created yet */
	{
		FILE *f = fopen(out, "wb");
		if (f) {
			fwrite("RIFF\4\0\0\0WAVE", 1, 12, f);
			fclose(f);
		}
	}
	is_int(audev_open(&ad, &audev_file_ops, &prm), EBADMSG, "malformed capture WAV: EBADMSG");
	is_str(errtext, "no fmt chunk before end of file", "the WAV reader's reason is passed on");
	prm.err = NULL;
	prm.errlen = 0;
	prm.capture = in;
	prm.playback = out;
	prm.frame = 160;
	prm.ring_frames = 4;
	prm.wake = on_wake;
	is_int(audev_open(&ad, &audev_file_ops, &prm), 0, "open file device");
	if (!ad)
		return tap_done();
	is_int(audev_tick(ad), 0, "tick before start is a no-op");
	is_int(ring_avail(audev_capture_ring(ad)), 0, "nothing captured before start");
	is_int(audev_start(ad), 0, "start");
	/* 300-sample file, 160-sample frames: frame 2 must wrap around to the start */
	for (k = 0; k < 4; k++) {
		is_int(audev_tick(ad), 0, "tick %d", k);
		is_int(ring_read(audev_capture_ring(ad), frame, 160), 160, "captured frame %d", k);
		for (i = 0; i < 160; i++)
			if (frame[i] != ramp[(k * 160 + i) % 300])
				bad++;
		/* play back the negated capture */
		for (i = 0; i < 160; i++)
			frame[i] = (int16_t)-frame[i];
		if (k != 2) /* leave one frame out: must be filled with silence */
			ring_write(audev_playback_ring(ad), frame, 160);
	}
	is_int(bad, 0, "capture loops the file sample-exactly");
	is_int(wakes, 4, "wake called once per captured frame");
	audev_stats(ad, &st);
	is_int(st.callbacks, 4, "4 ticks counted");
	/* a tick plays what was queued before it: tick 0 had nothing, tick 3 missed frame 2 */
	is_int(st.play_underruns, 320, "two frames of playback underrun counted");
	audev_stop(ad);
	is_int(audev_tick(ad), 0, "tick after stop is a no-op");
	audev_close(ad);
	audev_close(NULL);

	w = NULL;
	is_int(wav_open_read(&w, out, NULL, 0), 0, "recorded WAV opens");
	if (w) {
		is_int(wav_read(w, all, 2000, &got), 0, "read recording");
		is_int(got, 640, "4 frames recorded");
		bad = 0;
		for (i = 0; i < 640; i++) {
			int want = (i / 160 == 0 || i / 160 == 3) ? 0 : -ramp[(i - 160) % 300];
			if (all[i] != want)
				bad++;
		}
		is_int(bad, 0, "recording holds the played frames one tick late, silence where none was queued");
		wav_close(w);
	}

	/* no files at all: silence in, playback discarded */
	memset(&prm, 0, sizeof(prm));
	ad = NULL;
	is_int(audev_open(&ad, &audev_file_ops, &prm), 0, "open with no files");
	if (ad) {
		audev_start(ad);
		frame[0] = 1;
		audev_tick(ad);
		is_int(ring_read(audev_capture_ring(ad), frame, 160), 160, "default frame is 160 samples");
		ok(frame[0] == 0 && frame[159] == 0, "silence captured");
		audev_close(ad);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return tap_done();
}
