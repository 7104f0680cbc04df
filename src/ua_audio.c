/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ua_audio.c: choosing the sound device at run time: the list, a switch during a call, the choice written to the configuration. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "account.h"
#include "call_audio.h"
#include "event.h"
#include "log.h"
#include "ua.h"
#include "ua_priv.h"

/* Device names come from the system's sound libraries: shown as printable text, never as they came. */
static void dev_str(struct event *ev, const char *key, const char *val)
{
	event_str_untrusted(ev, key, val ? val : "", strlen(val ? val : ""));
	if (!val || !*val)
		event_str(ev, key, "");
}

static void device_h(const struct call_audio_dev *d, void *arg)
{
	struct ua *ua = arg;
	struct event ev;

	event_init(&ev, EVENT_DEVICE);
	event_int(&ev, "index", d->index);
	dev_str(&ev, "name", d->name);
	dev_str(&ev, "api", d->api);
	event_int(&ev, "in", d->max_in);
	event_int(&ev, "out", d->max_out);
	event_int(&ev, "rate", d->rate);
	event_bool(&ev, "default_in", d->default_in);
	event_bool(&ev, "default_out", d->default_out);
	event_bool(&ev, "used_in", d->used_in);
	event_bool(&ev, "used_out", d->used_out);
	ua_emit(ua, &ev);
}

/* The "audio" event's common part: the devices in use. */
void ua_audio_warn(const char *msg, void *arg)
{
	struct event ev;

	event_init(&ev, EVENT_WARNING);
	event_str(&ev, "message", msg);
	ua_emit(arg, &ev);
}

static void audio_ev(struct ua *ua, struct event *ev)
{
	const char *n, *api;

	event_init(ev, EVENT_AUDIO);
	call_audio_used(ua->audio, true, &n, &api);
	dev_str(ev, "capture", n);
	dev_str(ev, "capture_api", api);
	call_audio_used(ua->audio, false, &n, &api);
	dev_str(ev, "playback", n);
	dev_str(ev, "playback_api", api);
}

int ua_devices(struct ua *ua, char *why, size_t whysz)
{
	struct event ev;
	bool fresh = false;
	int e;

	if (!ua)
		return EINVAL;
	why[0] = '\0';
	if ((e = ua_ensure_audio(ua)) != 0) {
		snprintf(why, whysz, "the audio device is unusable: %s", strerror(e));
		return e;
	}
	e = call_audio_devices(ua->audio, device_h, ua, &fresh, why, whysz);
	audio_ev(ua, &ev);
	event_bool(&ev, "fresh", fresh);
	if (e)
		event_str(&ev, "list_error", why);
	ua_emit(ua, &ev);
	return e;
}

int ua_device(struct ua *ua, const char *capture, const char *playback, char *why, size_t whysz)
{
	struct call_audio_switched res;
	char serr[600], where[600];
	struct event ev;
	int e;

	if (!ua || (!capture && !playback))
		return EINVAL;
	why[0] = '\0';
	if ((e = ua_ensure_audio(ua)) != 0) {
		snprintf(why, whysz, "the audio device is unusable: %s", strerror(e));
		return e;
	}
	e = call_audio_switch(ua->audio, capture, playback, &res, why, whysz);
	if (e) {
		log_warn("audio: %s", why);
		if (res.silent) {
			event_init(&ev, EVENT_WARNING);
			event_str(&ev, "message", "no sound device: calls go on silent until another one is chosen");
			ua_emit(ua, &ev);
		}
		return e;
	}
	log_info("audio: capture %s, playback %s (the switch took %.1f ms)", res.capture, res.playback,
		 (double)res.switch_us / 1000.0);
	audio_ev(ua, &ev);
	event_int(&ev, "switch_ms", (long long)((res.switch_us + 500) / 1000));
	/* what the list calls the device, whole: a part of a name or an index would mean another later */
	serr[0] = where[0] = '\0';
	if (account_conf_save_audio(ua->conf, capture ? res.capture : NULL, playback ? res.playback : NULL,
				    where, sizeof(where), serr, sizeof(serr)) == 0) {
		event_str(&ev, "saved", where);
	} else {
		log_warn("audio: the choice is not remembered: %s", serr);
		event_str(&ev, "save_error", serr);
	}
	ua_emit(ua, &ev);
	return 0;
}
