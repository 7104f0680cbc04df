/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_tone_policy.c: ringtone, call-waiting beep, ring-back or silence for every mix of call states. */
#include "tone_policy.h"
#include "../tap.h"

/* one call each: incoming ringing, outgoing trying, outgoing ringing (with or without early media), up */
static const struct tone_policy_call IN_RINGING = { .incoming = true, .alerting = true };
static const struct tone_policy_call OUT_TRYING = { .incoming = false };
static const struct tone_policy_call OUT_RINGING = { .alerting = true };
static const struct tone_policy_call OUT_EARLY = { .alerting = true, .early_media = true };
static const struct tone_policy_call UP_IN = { .incoming = false, .up = true };

int main(void)
{
	struct tone_policy_call c[3];

	is_int(tone_policy_pick(NULL, 0), CALL_AUDIO_TONE_NONE, "no calls: silence");
	c[0] = IN_RINGING;
	is_int(tone_policy_pick(c, 1), CALL_AUDIO_TONE_RING, "a call comes in, nothing else: the ringtone");
	c[1] = IN_RINGING;
	is_int(tone_policy_pick(c, 2), CALL_AUDIO_TONE_RING, "two ring at once, no call in progress: the ringtone");
	c[1] = UP_IN;
	is_int(tone_policy_pick(c, 2), CALL_AUDIO_TONE_WAITING, "a call comes in during a call: the call-waiting beep");
	c[1] = OUT_TRYING;
	is_int(tone_policy_pick(c, 2), CALL_AUDIO_TONE_WAITING, "... also while we are placing a call");
	c[0] = OUT_TRYING;
	is_int(tone_policy_pick(c, 1), CALL_AUDIO_TONE_NONE, "our INVITE is out, no 180 yet: silence");
	c[0] = OUT_RINGING;
	is_int(tone_policy_pick(c, 1), CALL_AUDIO_TONE_RINGBACK, "180 without early media: ring-back");
	c[0] = OUT_EARLY;
	is_int(tone_policy_pick(c, 1), CALL_AUDIO_TONE_NONE, "early media: the far end's own audio, no local ring-back");
	c[0] = OUT_RINGING;
	c[1] = UP_IN;
	c[1].up = true;
	is_int(tone_policy_pick(c, 2), CALL_AUDIO_TONE_RINGBACK, "a second call rings out while the first is held: ring-back");
	c[2] = IN_RINGING;
	is_int(tone_policy_pick(c, 3), CALL_AUDIO_TONE_WAITING, "and a third comes in: the waiting beep wins");
	c[0] = UP_IN;
	is_int(tone_policy_pick(c, 1), CALL_AUDIO_TONE_NONE, "a call in progress alone: silence");
	c[0] = IN_RINGING;
	c[0].up = true;
	is_int(tone_policy_pick(c, 1), CALL_AUDIO_TONE_NONE, "an incoming call once answered: silence");
	return tap_done();
}
