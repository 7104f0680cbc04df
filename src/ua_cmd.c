/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ua_cmd.c: the text commands (headless stdin, the UI's ':' line) parsed and run through ua.h's typed API; problems worded as "error" events. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "ua.h"
#include "ua_priv.h"

struct cmd {
	const char *name;
	int (*run)(struct ua *ua, const char *name, const char *args);
	const char *usage;
};

static void emit_error(struct ua *ua, const char *cmd, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void emit_error(struct ua *ua, const char *cmd, const char *fmt, ...)
{
	struct event ev;
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	event_init(&ev, EVENT_ERROR);
	if (cmd)
		event_str(&ev, "command", cmd);
	event_str(&ev, "message", msg);
	ua_emit(ua, &ev);
}

static int cmd_register(struct ua *ua, const char *name, const char *args)
{
	int e = ua_register(ua, *args ? args : NULL);

	if (e == ENOENT)
		emit_error(ua, name, "no account '%s'", args);
	return e;
}

static int cmd_unregister(struct ua *ua, const char *name, const char *args)
{
	int e = ua_unregister(ua, *args ? args : NULL);

	if (e == ENOENT)
		emit_error(ua, name, "no account '%s'", args);
	return e;
}

static int cmd_status(struct ua *ua, const char *name, const char *args)
{
	if (*args) {
		emit_error(ua, name, "status takes no arguments");
		return EINVAL;
	}
	ua_status(ua);
	return 0;
}

/*
 * "[ID]": the call with that id, or the current one (the one ringing here first, with ringing).
 * 0 after saying there is none.
 */
static unsigned call_arg(struct ua *ua, const char *name, const char *args, bool ringing)
{
	unsigned long id;
	char *end;

	if (*args) {
		id = strtoul(args, &end, 10);
		if (*end || !id || id > 0xffffffffUL) {
			emit_error(ua, name, "no call '%s'", args);
			return 0;
		}
		return (unsigned)id;
	}
	id = ua_call_current(ua, ringing);
	if (!id)
		emit_error(ua, name, "no call");
	return (unsigned)id;
}

/* ENOENT from the typed API for an id the user gave: it names no live call. */
static int no_call(struct ua *ua, const char *name, const char *args)
{
	emit_error(ua, name, "no call '%s'", args);
	return ENOENT;
}

/* call ADDRESS: what the dial line takes too (a URI, a number, a contact, a name), resolved once. */
static int cmd_call(struct ua *ua, const char *name, const char *args)
{
	struct ua_target t;
	char why[400];
	int e;

	if (!*args) {
		emit_error(ua, name, "usage: call ADDRESS");
		return EINVAL;
	}
	e = ua_resolve(ua, NULL, args, &t, why, sizeof(why));
	if (!e)
		e = ua_call(ua, t.account, t.uri, NULL, why, sizeof(why));
	if (e)
		emit_error(ua, name, "%s", why);
	return e;
}

static int cmd_answer(struct ua *ua, const char *name, const char *args)
{
	unsigned id = call_arg(ua, name, args, true);
	int e;

	if (!id)
		return ENOENT;
	e = ua_answer(ua, id);
	if (e == ENOENT)
		return no_call(ua, name, args);
	if (e)
		emit_error(ua, name, "call %u is not ringing here", id);
	return e;
}

static int cmd_hangup(struct ua *ua, const char *name, const char *args)
{
	unsigned id = call_arg(ua, name, args, false);
	int e;

	if (!id)
		return ENOENT;
	e = ua_hangup(ua, id);
	return e == ENOENT ? no_call(ua, name, args) : e;
}

static int cmd_dtmf(struct ua *ua, const char *name, const char *args)
{
	int e;

	if (!*args) {
		emit_error(ua, name, "usage: dtmf DIGITS");
		return EINVAL;
	}
	e = ua_dtmf(ua, 0, args);
	if (e)
		emit_error(ua, name, "%s", e == ENOENT ? "no call" :
					   e == EINVAL ? "digits are 0-9 * # A-D" :
					   e == ENOTSUP ? "the far end did not accept telephone-event" :
							  "the call has no media yet");
	return e;
}

static int hold_cmd(struct ua *ua, const char *name, const char *args, bool hold)
{
	unsigned id = call_arg(ua, name, args, false);
	int e;

	if (!id)
		return ENOENT;
	e = ua_hold(ua, id, hold);
	if (e == ENOENT)
		return no_call(ua, name, args);
	if (e)
		emit_error(ua, name, "%s", e == EBUSY ? "another offer is in progress; try again" :
					   e == ENOTCONN ? "no signalling connection right now (it was lost); try again "
							   "once the account is registered again" :
							   "the call is not established");
	return e;
}

static int cmd_hold(struct ua *ua, const char *name, const char *args)
{
	return hold_cmd(ua, name, args, true);
}

static int cmd_resume(struct ua *ua, const char *name, const char *args)
{
	return hold_cmd(ua, name, args, false);
}

static int mute_cmd(struct ua *ua, const char *name, const char *args, bool mute)
{
	unsigned id = call_arg(ua, name, args, false);
	int e;

	if (!id)
		return ENOENT;
	e = ua_mute(ua, id, mute);
	if (e == ENOENT)
		return no_call(ua, name, args);
	if (e)
		emit_error(ua, name, "the call has ended");
	return e;
}

static int cmd_mute(struct ua *ua, const char *name, const char *args)
{
	return mute_cmd(ua, name, args, true);
}

static int cmd_unmute(struct ua *ua, const char *name, const char *args)
{
	return mute_cmd(ua, name, args, false);
}

/* switch [ID]: hold the current call and resume ID (default: the next other established call). */
static int cmd_switch(struct ua *ua, const char *name, const char *args)
{
	unsigned id = 0;
	int e;

	if (*args && !(id = call_arg(ua, name, args, false)))
		return ENOENT;
	e = ua_switch(ua, id);
	if (e == ENOENT && id)
		return no_call(ua, name, args);
	if (e == ENOENT || e == EALREADY) {
		emit_error(ua, name, "no other call to switch to");
		return ENOENT;
	}
	return e;
}

/*
 * transfer [ID] ADDRESS: blind transfer of call ID (default: the current one) to ADDRESS (as "call" takes
 * it); transfer ID ID2, ID2 a live call: attended transfer (ID's far end replaces our call ID2).
 */
static int cmd_transfer(struct ua *ua, const char *name, const char *args)
{
	const char *addr = args;
	unsigned id = 0;
	char why[400], idbuf[16];
	size_t n = strcspn(args, " \t");
	int e;

	if (!*args) {
		emit_error(ua, name, "usage: transfer [ID] ADDRESS");
		return EINVAL;
	}
	if (args[n]) {
		/* two words: the first is the call */
		snprintf(idbuf, sizeof(idbuf), "%.*s", (int)(n < sizeof(idbuf) - 1 ? n : sizeof(idbuf) - 1), args);
		if (!(id = call_arg(ua, name, idbuf, false)))
			return ENOENT;
		addr = args + n + strspn(args + n, " \t");
	}
	{
		char *end;
		unsigned long id2 = strtoul(addr, &end, 10);
		if (id && *addr && !*end && id2 && id2 <= 0xffffffffUL && ua_call_exists(ua, (unsigned)id2)) {
			e = ua_transfer_attended(ua, id, (unsigned)id2, why, sizeof(why));
			if (e)
				emit_error(ua, name, "%s", why[0] ? why : "cannot transfer");
			return e;
		}
	}
	e = ua_transfer(ua, id, addr, why, sizeof(why));
	if (e == ENOENT && id && !why[0])
		return no_call(ua, name, idbuf);
	if (e)
		emit_error(ua, name, "%s", why[0] ? why : "cannot transfer");
	return e;
}

/* transfer-accept [ID] / transfer-refuse [ID]: the answer to a transfer the far end asks for (accept_transfer = ask) */
static int xfer_answer_cmd(struct ua *ua, const char *name, const char *args, bool accept)
{
	unsigned long id = 0;
	char *end;
	int e;

	if (*args && ((id = strtoul(args, &end, 10)) == 0 || *end || id > 0xffffffffUL))
		return no_call(ua, name, args);
	e = ua_transfer_answer(ua, (unsigned)id, accept);
	if (e == ENOENT && id)
		return no_call(ua, name, args);
	if (e)
		emit_error(ua, name, "%s", e == ENOENT ? "no transfer waits for an answer" :
					   e == ENOMSG ? "no transfer of this call waits for an answer" :
					   e == EPROTO ? "the call has ended: the transfer was declined" : strerror(e));
	return e;
}

static int cmd_transfer_accept(struct ua *ua, const char *name, const char *args)
{
	return xfer_answer_cmd(ua, name, args, true);
}

static int cmd_transfer_refuse(struct ua *ua, const char *name, const char *args)
{
	return xfer_answer_cmd(ua, name, args, false);
}

static int cmd_verify(struct ua *ua, const char *name, const char *args)
{
	unsigned id = call_arg(ua, name, args, false);
	int e;

	if (!id)
		return ENOENT;
	e = ua_verify(ua, id);
	return e == ENOENT ? no_call(ua, name, args) : e;
}

/* sas-verify [ID] / sas-reject [ID]: the user compared the ZRTP SAS with the far end's */
static int sas_cmd(struct ua *ua, const char *name, const char *args, bool verified)
{
	unsigned id = call_arg(ua, name, args, false);
	int e;

	if (!id)
		return ENOENT;
	e = ua_sas_confirm(ua, id, verified);
	if (e == ENOENT)
		return no_call(ua, name, args);
	if (e)
		emit_error(ua, name, "%s",
			   e == EAGAIN  ? "ZRTP has not finished on this call yet: wait for its SAS" :
			   e == ENOTSUP ? "there is no ZRTP cache (see the warning), so the result cannot be stored" :
			   e == EPROTO  ? "this call has no ZRTP SAS (media_encryption is not zrtp or sdes-zrtp, ZRTP "
					  "failed, or the call ended)" :
					  strerror(e));
	return e;
}

static int cmd_sas_verify(struct ua *ua, const char *name, const char *args)
{
	return sas_cmd(ua, name, args, true);
}

static int cmd_sas_reject(struct ua *ua, const char *name, const char *args)
{
	return sas_cmd(ua, name, args, false);
}

/* history [N] | history seen */
static int cmd_history(struct ua *ua, const char *name, const char *args)
{
	unsigned long n = 20;
	char *end;

	if (!strcmp(args, "seen"))
		return ua_history_seen(ua);
	if (*args) {
		n = strtoul(args, &end, 10);
		if (*end || n > 1000) {
			emit_error(ua, name, "usage: history [N] (N up to 1000) or history seen");
			return EINVAL;
		}
	}
	return ua_history(ua, (unsigned)n);
}

/* voicemail [ACCOUNT]: dial the account's voicemail number */
static int cmd_voicemail(struct ua *ua, const char *name, const char *args)
{
	char why[400];
	int e = ua_voicemail(ua, *args ? args : NULL, NULL, why, sizeof(why));

	if (e)
		emit_error(ua, name, "%s", why);
	return e;
}

/* devices: the sound devices, and those in use */
static int cmd_devices(struct ua *ua, const char *name, const char *args)
{
	char why[400];
	int e;

	if (*args) {
		emit_error(ua, name, "devices takes no arguments");
		return EINVAL;
	}
	e = ua_devices(ua, why, sizeof(why));
	if (e)
		emit_error(ua, name, "%s", why[0] ? why : strerror(e));
	return e;
}

/* device in|out|both N|NAME: capture, playback or both to a device of the list (during a call too) */
static int cmd_device(struct ua *ua, const char *name, const char *args)
{
	size_t n = strcspn(args, " \t");
	const char *dev = args + n + strspn(args + n, " \t");
	bool in = n == 2 && !strncmp(args, "in", 2), out = n == 3 && !strncmp(args, "out", 3);
	bool both = n == 4 && !strncmp(args, "both", 4);
	char why[600];
	int e;

	if ((!in && !out && !both) || !*dev) {
		emit_error(ua, name, "usage: device in|out|both N|NAME (N or NAME from 'devices'; 'none': not used)");
		return EINVAL;
	}
	e = ua_device(ua, in || both ? dev : NULL, out || both ? dev : NULL, why, sizeof(why));
	if (e)
		emit_error(ua, name, "%s", why[0] ? why : strerror(e));
	return e;
}

static const struct cmd cmds[] = {
	{ "register", cmd_register, "register [ACCOUNT]" },
	{ "unregister", cmd_unregister, "unregister [ACCOUNT]" },
	{ "status", cmd_status, "status" },
	{ "call", cmd_call, "call ADDRESS" },
	{ "answer", cmd_answer, "answer [ID]" },
	{ "hangup", cmd_hangup, "hangup [ID]" },
	{ "dtmf", cmd_dtmf, "dtmf DIGITS" },
	{ "hold", cmd_hold, "hold [ID]" },
	{ "resume", cmd_resume, "resume [ID]" },
	{ "mute", cmd_mute, "mute [ID]" },
	{ "unmute", cmd_unmute, "unmute [ID]" },
	{ "switch", cmd_switch, "switch [ID]" },
	{ "verify", cmd_verify, "verify [ID]" },
	{ "sas-verify", cmd_sas_verify, "sas-verify [ID]" },
	{ "sas-reject", cmd_sas_reject, "sas-reject [ID]" },
	{ "transfer", cmd_transfer, "transfer [ID] ADDRESS|ID2" },
	{ "transfer-accept", cmd_transfer_accept, "transfer-accept [ID]" },
	{ "transfer-refuse", cmd_transfer_refuse, "transfer-refuse [ID]" },
	{ "history", cmd_history, "history [N] | history seen" },
	{ "voicemail", cmd_voicemail, "voicemail [ACCOUNT]" },
	{ "devices", cmd_devices, "devices" },
	{ "device", cmd_device, "device in|out|both N|NAME" },
};

const char *const *ua_commands(void)
{
	static const char *names[sizeof(cmds) / sizeof(cmds[0]) + 2];
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		names[i] = cmds[i].name;
	names[i++] = "quit";
	names[i] = NULL;
	return names;
}

int ua_command(struct ua *ua, const char *line)
{
	char buf[512], *name, *args, *end;
	size_t i;

	if (!ua || !line)
		return EINVAL;
	if (strlen(line) >= sizeof(buf)) {
		emit_error(ua, NULL, "command line too long");
		return EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", line);
	name = buf + strspn(buf, " \t");
	end = name + strlen(name);
	while (end > name && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
		*--end = '\0';
	if (!*name)
		return 0;
	args = name + strcspn(name, " \t");
	if (*args) {
		*args++ = '\0';
		args += strspn(args, " \t");
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(cmds[i].name, name))
			continue;
		if (ua->shutting_down) {
			emit_error(ua, name, "shutting down");
			return ESHUTDOWN;
		}
		return cmds[i].run(ua, name, args);
	}
	emit_error(ua, name, "unknown command '%s' (commands: register, unregister, status, call, answer, hangup, dtmf, hold, resume, mute, unmute, switch, verify, sas-verify, sas-reject, transfer, transfer-accept, transfer-refuse, history, voicemail, devices, device, quit)", name);
	return ENOENT;
}
