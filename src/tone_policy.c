/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tone_policy.c: ringtone, call-waiting beep or ring-back, from the calls' states (no audio, no SIP here). */
#include "tone_policy.h"

enum call_audio_tone_id tone_policy_pick(const struct tone_policy_call *calls, size_t n)
{
	size_t i;
	bool ringing_in = false, ringback = false;

	if (!calls)
		return CALL_AUDIO_TONE_NONE;
	for (i = 0; i < n; i++) {
		if (calls[i].incoming && calls[i].alerting && !calls[i].up)
			ringing_in = true;
		else if (!calls[i].incoming && calls[i].alerting && !calls[i].up && !calls[i].early_media)
			ringback = true;
	}
	if (ringing_in) {
		/* any other call, up or on its way, means the user is on the phone: a beep, not a ring */
		for (i = 0; i < n; i++)
			if (!(calls[i].incoming && calls[i].alerting && !calls[i].up))
				return CALL_AUDIO_TONE_WAITING;
		return CALL_AUDIO_TONE_RING;
	}
	return ringback ? CALL_AUDIO_TONE_RINGBACK : CALL_AUDIO_TONE_NONE;
}
