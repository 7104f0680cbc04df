/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pa_quiet.h: keeps what PortAudio, ALSA and JACK print off the terminal (dev_pa.c's helper). */
#ifndef SPHONE_PA_QUIET_H
#define SPHONE_PA_QUIET_H

/* fd 2 while dev_pa calls into PortAudio: the real one saved, and the pipe it points at meanwhile. */
struct pa_quiet {
	int saved, rd;
};

/*
 * From begin to end (on one thread, not nested), what the process writes to fd 2 goes into a pipe;
 * end puts fd 2 back and hands every line to the chatter handler (audev_pa_set_chatter). end also
 * hooks ALSA's and JACK's error reporting once their libraries are loaded, so what their threads say
 * later is not printed either.
 */
void pa_quiet_begin(struct pa_quiet *q);
void pa_quiet_end(struct pa_quiet *q);

#endif
