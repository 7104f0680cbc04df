/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tone_policy.h: which of the phone's own sounds should play, decided from the state of its calls. */
#ifndef SPHONE_TONE_POLICY_H
#define SPHONE_TONE_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "call_audio.h"

/* One call as the policy sees it. */
struct tone_policy_call {
	bool incoming;    /* the far end called us */
	bool alerting;    /* incoming: ringing here, not answered; outgoing: the far end rings (180/183) */
	bool early_media; /* outgoing: the far end sends audio of its own before answering */
	bool up;          /* answered (held or not) */
};

/*
 * What plays: an incoming call that rings while another call exists gets the call-waiting beep
 * (CALL_AUDIO_TONE_WAITING), alone the ringtone (CALL_AUDIO_TONE_RING); otherwise an outgoing call
 * whose far end rings without early media gets ring-back (CALL_AUDIO_TONE_RINGBACK; early media is
 * the far end's own tone or announcement, heard through the call instead); otherwise nothing
 * (CALL_AUDIO_TONE_NONE).
 */
enum call_audio_tone_id tone_policy_pick(const struct tone_policy_call *calls, size_t n);

#endif
