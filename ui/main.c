/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main.c: command-line entry point; parses options, loads the config and starts a front end. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account.h"
#include "demo.h"
#include "log.h"
#include "ua.h"
#include "ui_curses.h"
#include "ui_headless.h"
#include "version.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: sphone [OPTIONS] [URI|NUMBER|NAME]\n"
		"A terminal softphone for encrypted SIP: TLS signalling, SDES-SRTP media.\n"
		"Without --headless it runs full-screen (press ? there for the keys) and dials\n"
		"URI, NUMBER or NAME once registered.\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE     configuration file (default: $XDG_CONFIG_HOME/sphone/sphone.conf)\n"
		"  -a, --account NAME    use only the account [account NAME]\n"
		"      --headless        line mode: commands on stdin, events as JSON lines on stdout\n"
		"      --check-config    print the effective settings (secrets masked); exit 0 if valid, 1 if not\n"
		"      --log FILE        write the log to FILE instead of stderr\n"
		"      --log-level LEVEL error, warn, info or debug (default: the config's, else info)\n"
		"      --sip-trace       log every SIP message sent and received (secrets masked)\n"
		"      --audio-in FILE   send this WAV in calls, looped (16-bit PCM, mono or stereo,\n"
		"                        8/16/44.1/48 kHz)\n"
		"      --audio-out FILE  record what the far end sends to this WAV\n"
		"      --audio-device NAME  sound card (PortAudio name or index) for calls\n"
		"      --list-devices    list the sound cards PortAudio sees and exit\n"
		"      --auto-answer     answer incoming calls at once (headless)\n"
		"      --hangup-after SECONDS  hang up a call that long after it is established\n"
		"      --demo            try it with nothing to configure: a throwaway CA and a local\n"
		"                        TLS/SRTP echo peer, one call (with --headless: exit 0 only if\n"
		"                        the call was encrypted both ways and the echo matched)\n"
		"  -h, --help            show this help and exit\n"
		"  -V, --version         show the version and exit\n"
		"\n"
		"Headless commands: register [ACCOUNT], unregister [ACCOUNT], status, call URI,\n"
		"answer [ID], hangup [ID], dtmf DIGITS, hold [ID], resume [ID], mute [ID], unmute [ID],\n"
		"switch [ID], verify [ID], sas-verify [ID], sas-reject [ID], help, quit.\n"
		"See sphone(1) and sphone.conf(5).\n"
		"Report bugs with the output of 'sphone --version'.\n");
}

static int parse_level(const char *s, enum log_level *lvl)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	unsigned i;

	for (i = 0; i < 4; i++) {
		if (!strcmp(s, names[i])) {
			*lvl = (enum log_level)i;
			return 0;
		}
	}
	return EINVAL;
}

enum {
	OPT_HEADLESS = 256,
	OPT_CHECK,
	OPT_LOG,
	OPT_LOG_LEVEL,
	OPT_SIP_TRACE,
	OPT_AUDIO_IN,
	OPT_AUDIO_OUT,
	OPT_AUDIO_DEV,
	OPT_LIST_DEV,
	OPT_AUTO_ANSWER,
	OPT_HANGUP_AFTER,
	OPT_DEMO,
};

/* Each line of text on stderr as "sphone: PREFIXline", like every other message. */
static void print_lines(const char *text, const char *prefix)
{
	const char *nl;

	for (; *text; text = *nl ? nl + 1 : nl) {
		nl = strchrnul(text, '\n');
		fprintf(stderr, "sphone: %s%.*s\n", prefix, (int)(nl - text), text);
	}
}

/* The demo's full-screen mode: the demo sets up account, peer and loop, the UI runs on them. */
static int run_demo_ui(const struct demo_ui *du, void *arg)
{
	struct ui_curses_opts uo = {
		.dial = du->dial,
		.open_verify = true,
		.note = du->note,
		.loop = du->loop,
		.call_opts = du->call_opts,
		.call_opts_fallback = du->call_opts_fallback,
	};

	(void)arg;
	return ui_curses_run(du->conf, &uo);
}

static void print_line(const char *line, void *arg)
{
	(void)arg;
	printf("%s\n", line);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "config", required_argument, NULL, 'c' },
		{ "account", required_argument, NULL, 'a' },
		{ "headless", no_argument, NULL, OPT_HEADLESS },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
		{ "sip-trace", no_argument, NULL, OPT_SIP_TRACE },
		{ "audio-in", required_argument, NULL, OPT_AUDIO_IN },
		{ "audio-out", required_argument, NULL, OPT_AUDIO_OUT },
		{ "audio-device", required_argument, NULL, OPT_AUDIO_DEV },
		{ "list-devices", no_argument, NULL, OPT_LIST_DEV },
		{ "auto-answer", no_argument, NULL, OPT_AUTO_ANSWER },
		{ "hangup-after", required_argument, NULL, OPT_HANGUP_AFTER },
		{ "demo", no_argument, NULL, OPT_DEMO },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *account = NULL, *logfile = NULL, *level = NULL, *dial = NULL;
	bool headless = false, check = false, trace = false, demo = false, list_devices = false;
	struct ua_call_opts co = { 0 };
	struct ua_sound_opts snd;
	char *end;
	unsigned long ul;
	struct account_conf *conf = NULL;
	char path[4096], err[16384];
	enum log_level lvl = LOGL_INFO;
	int c, e, rc;

	while ((c = getopt_long(argc, argv, "hVc:a:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("sphone %s\n", sphone_version());
			/* what it runs with, as each library says at run time: what a bug report needs */
			sphone_lib_versions(print_line, NULL);
			printf("%s\n"
			       "Copyright (C) 2026 the sphone authors.\n"
			       "License GPL-3.0-or-later <https://www.gnu.org/licenses/gpl-3.0.html>.\n"
			       "This is free software: you are free to change and redistribute it.\n"
			       "There is NO WARRANTY, to the extent permitted by law.\n",
			       ui_curses_lib_version());
			return 0;
		case 'c':
			config = optarg;
			break;
		case 'a':
			account = optarg;
			break;
		case OPT_HEADLESS:
			headless = true;
			break;
		case OPT_CHECK:
			check = true;
			break;
		case OPT_LOG:
			logfile = optarg;
			break;
		case OPT_LOG_LEVEL:
			if (parse_level(optarg, &lvl)) {
				fprintf(stderr, "sphone: --log-level: '%s' is not one of error, warn, info, debug\n",
					optarg);
				return 2;
			}
			level = optarg;
			break;
		case OPT_SIP_TRACE:
			trace = true;
			break;
		case OPT_AUDIO_IN:
			co.audio_in = optarg;
			break;
		case OPT_AUDIO_OUT:
			co.audio_out = optarg;
			break;
		case OPT_AUDIO_DEV:
			co.audio_device = optarg;
			co.portaudio = true;
			break;
		case OPT_LIST_DEV:
			list_devices = true;
			break;
		case OPT_AUTO_ANSWER:
			co.auto_answer = true;
			break;
		case OPT_HANGUP_AFTER:
			errno = 0;
			ul = strtoul(optarg, &end, 10);
			if (errno || !*optarg || *end || ul == 0 || ul > 86400) {
				fprintf(stderr, "sphone: --hangup-after: '%s' is not a number of seconds (1..86400)\n",
					optarg);
				return 2;
			}
			co.hangup_after = (unsigned)ul;
			break;
		case OPT_DEMO:
			demo = true;
			break;
		default:
			fprintf(stderr, "Try 'sphone --help' for more information.\n");
			return 2;
		}
	}
	if (optind < argc && (headless || check || demo || list_devices || optind + 1 < argc)) {
		fprintf(stderr, "sphone: unexpected argument '%s'%s\n", argv[optind],
			headless ? " (with --headless, send 'call URI' on stdin)" : "");
		return 2;
	}
	if (optind < argc)
		dial = argv[optind];
	if (!headless && !check && !list_devices && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fprintf(stderr, "sphone: the full-screen interface needs a terminal: use --headless for "
				"scripts\nTry 'sphone --help' for more information.\n");
		return 2;
	}
	if (co.portaudio && (co.audio_in || co.audio_out)) {
		fprintf(stderr, "sphone: --audio-device excludes --audio-in/--audio-out\n");
		return 2;
	}
	if (headless && check) {
		fprintf(stderr, "sphone: --headless and --check-config exclude each other\n");
		return 2;
	}
	if (logfile && (e = log_open_file(logfile)) != 0) {
		fprintf(stderr, "sphone: --log %s: %s\n", logfile, log_file_error(e));
		return 1;
	}
	if (level)
		log_set_level(lvl);
	if (trace)
		log_set_sip_trace(true);
	if (list_devices) {
		/* after --log and --log-level: what ALSA and JACK say on the way goes to that log (debug) */
		err[0] = '\0';
		rc = ua_list_devices(print_line, NULL, err, sizeof(err));
		if (rc == ENODEV)
			fprintf(stderr, "sphone: %s\n", err);
		else if (rc)
			fprintf(stderr, "sphone: cannot list sound cards: %s\n", err[0] ? err : strerror(rc));
		log_close_file();
		return rc ? 1 : 0;
	}
	if (demo) {
		struct demo_opts dopt = { .headless = headless, .portaudio = !co.audio_in && !co.audio_out,
					  .audio_device = co.audio_device, .audio_in = co.audio_in,
					  .audio_out = co.audio_out, .ui = run_demo_ui };

		if (check || config || account) {
			fprintf(stderr, "sphone: --demo makes its own configuration: it excludes "
					"--check-config, --config and --account\n");
			return 2;
		}
		rc = demo_run(&dopt);
		log_close_file();
		log_clear_secrets();
		return rc;
	}
	if (!config) {
		if (account_default_path(path, sizeof(path))) {
			fprintf(stderr, "sphone: no config file given and neither XDG_CONFIG_HOME nor HOME "
					"is set: use -c FILE\n");
			return 1;
		}
		config = path;
	}
	err[0] = '\0';
	e = account_conf_load(&conf, config, err, sizeof(err));
	if (e) {
		print_lines(err[0] ? err : strerror(e), "");
		if (e == ENOENT)
			fprintf(stderr, "sphone: see sphone.conf(5) for how to write one (%s/sphone.conf.example "
					"is a start), or try it first with: sphone --demo\n",
				SPHONE_DOCDIR);
		return 1;
	}
	for (size_t i = 0; i < account_conf_warning_count(conf); i++)
		print_lines(account_conf_warning(conf, i), "warning: ");
	if (!level && !parse_level(account_conf_log_level(conf), &lvl))
		log_set_level(lvl);
	if (trace || account_conf_sip_trace(conf))
		log_set_sip_trace(true);
	if (account && !account_conf_find(conf, account)) {
		fprintf(stderr, "sphone: no [account %s] in %s\n", account, config);
		account_conf_free(conf);
		return 1;
	}

	snd.echo_cancel = account_conf_echo_cancel(conf);
	snd.echo_tail_ms = account_conf_echo_tail(conf);
	snd.tones = account_conf_tones(conf);
	snd.ringtone = account_conf_ringtone(conf);
	snd.ring_volume = account_conf_ring_volume(conf);
	co.sound = &snd;
	if (check) {
		if (!account_conf_count(conf)) {
			fprintf(stderr, "sphone: %s has no [account NAME] section\n", config);
			rc = 1;
		} else {
			account_conf_print(conf, stdout);
			rc = 0;
		}
	} else if (headless) {
		rc = ui_headless_run(conf, account, &co);
	} else {
		/* a phone on a terminal talks through the sound card unless files were asked for;
		   without one, calls still work (silence sent, nothing played) */
		static const struct ua_call_opts silent;
		struct ua_call_opts card = co;
		struct ui_curses_opts uo = { .account = account, .dial = dial, .call_opts = &co };

		if (!co.audio_in && !co.audio_out && !co.portaudio) {
			card.portaudio = true;
			card.audio_device = account_conf_audio_device(conf);
			card.audio_capture = account_conf_capture_device(conf);
			card.audio_playback = account_conf_playback_device(conf);
			uo.call_opts = &card;
			uo.call_opts_fallback = &silent;
		}

		rc = ui_curses_run(conf, &uo);
	}
	account_conf_free(conf);
	log_close_file();
	log_clear_secrets();
	return rc;
}
