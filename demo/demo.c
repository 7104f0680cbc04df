/* SPDX-License-Identifier: GPL-3.0-or-later */
/* demo.c: `sphone --demo`: throwaway CA + local SRTP echo peer + one call, in the UI or headless with a verdict. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account.h"
#include "crypto.h"
#include "demo.h"
#include "demo_peer.h"
#include "event.h"
#include "log.h"
#include "loop.h"
#include "tone.h"
#include "ua.h"
#include "wav.h"

#define DEMO_URI "sips:echo@localhost"
#define SIG_SECONDS 2
#define RATE 8000
#define SIG_LEN (SIG_SECONDS * RATE)
#define MATCH_WIN 2000      /* 250 ms windows compared */
#define MATCH_MIN 0.80      /* normalized correlation a window must reach */
#define OVERALL_TIMEOUT_MS 30000

struct demo {
	const struct demo_opts *o;
	struct loop *l;
	struct ua *ua;
	struct demo_peer *peer;
	struct tmr tmr, deadline;
	char dir[256];
	char conf_path[300], sent[300], heard[300];
	/* what the events said */
	bool registered, verified, established, security_seen, ended, failed, quitting;
	char fail_why[256];
	char tls_version[16];
	long long call_id;
	/* from the security event */
	bool srtp;
	char srtp_tx[48], srtp_rx[48], sas[32];
	long long plain_sent, plain_recv, auth_fail, replay_fail, pkts_unprot, pkts_prot;
};

static void print_event(const struct event *ev)
{
	char buf[EVENT_ARENA * 2 + 512];
	size_t n;

	if (event_json(ev, buf, sizeof(buf) - 1, &n))
		return;
	buf[n++] = '\n';
	fwrite(buf, 1, n, stdout);
	fflush(stdout);
}

/* A signal with no period shorter than the file: 40 ms bursts of tones picked by an LCG. */
static int write_signal(const char *path)
{
	static int16_t s[SIG_LEN];
	struct wav *w = NULL;
	uint32_t x = 12345;
	double f = 440, ph = 0;
	int i, e;

	for (i = 0; i < SIG_LEN; i++) {
		if (i % 320 == 0) {
			x = x * 1103515245u + 12345u;
			f = 300 + (double)((x >> 8) % 2700);
		}
		ph += 2 * M_PI * f / RATE;
		s[i] = (int16_t)(9000 * tone_sin(ph)); /* tone.c: sphone links no libm */
	}
	e = wav_open_write(&w, path);
	if (e)
		return e;
	e = wav_write(w, s, SIG_LEN);
	if (wav_close(w) && !e)
		e = EIO;
	return e;
}

static int read_all(const char *path, int16_t **out, size_t *n)
{
	struct wav *w = NULL;
	size_t cap = 0, len = 0, got;
	int16_t *buf = NULL;
	char err[128];
	int e = wav_open_read(&w, path, err, sizeof(err));

	if (e)
		return e;
	for (;;) {
		if (len + 1024 > cap) {
			int16_t *nb = realloc(buf, (cap + 65536) * sizeof(*buf));

			if (!nb) {
				e = ENOMEM;
				break;
			}
			buf = nb;
			cap += 65536;
		}
		e = wav_read(w, buf + len, 1024, &got);
		if (e)
			break;
		len += got;
		if (got < 1024)
			break;
	}
	wav_close(w);
	if (e) {
		free(buf);
		return e;
	}
	*out = buf;
	*n = len;
	return 0;
}

/*
 * Best normalized correlation of heard[at..at+MATCH_WIN) against the looping
 * sent signal at any lag: the echo comes back delayed by an unknown amount,
 * through G.711 twice (encode once; the peer echoes the same payload bytes).
 */
static double window_match(const int16_t *sent, const int16_t *heard, size_t at)
{
	double best = 0, eh = 0;
	size_t lag, i;

	for (i = 0; i < MATCH_WIN; i++)
		eh += (double)heard[at + i] * heard[at + i];
	if (eh < 1e3 * MATCH_WIN)
		return 0; /* silence */
	for (lag = 0; lag < SIG_LEN; lag++) {
		double c = 0, es = 0, r;

		for (i = 0; i < MATCH_WIN; i++) {
			double a = sent[(lag + i) % SIG_LEN];

			c += a * heard[at + i];
			es += a * a;
		}
		r = c / sqrt(es * eh);
		if (r > best)
			best = r;
	}
	return best;
}

/* Fraction of compared windows that match, and the mean correlation. */
static int audio_verdict(struct demo *d, double *frac, double *mean, size_t *windows)
{
	int16_t *sent = NULL, *heard = NULL;
	size_t ns, nh, at, tried = 0, good = 0;
	double sum = 0;
	int e;

	if ((e = read_all(d->sent, &sent, &ns)) || (e = read_all(d->heard, &heard, &nh)))
		goto out;
	if (ns < SIG_LEN) {
		e = EBADMSG;
		goto out;
	}
	/* skip the first second (jitter buffer filling, echo not back yet); at most 8 windows */
	for (at = RATE; at + MATCH_WIN <= nh && tried < 8; at += RATE / 2) {
		double m = window_match(sent, heard, at);

		tried++;
		sum += m;
		if (m >= MATCH_MIN)
			good++;
	}
	*windows = tried;
	*frac = tried ? (double)good / (double)tried : 0;
	*mean = tried ? sum / (double)tried : 0;
out:
	free(sent);
	free(heard);
	return e;
}

static void fail(struct demo *d, const char *why)
{
	if (!d->failed)
		snprintf(d->fail_why, sizeof(d->fail_why), "%s", why);
	d->failed = true;
}

static void stop_done(void *arg)
{
	struct demo *d = arg;

	loop_stop(d->l);
}

static void finish(struct demo *d)
{
	if (d->quitting)
		return;
	d->quitting = true;
	tmr_cancel(&d->tmr);
	tmr_cancel(&d->deadline);
	if (ua_shutdown(d->ua, 2000, stop_done, d))
		loop_stop(d->l);
}

static void hangup_tmr_h(void *arg)
{
	struct demo *d = arg;

	ua_command(d->ua, "verify");
	ua_command(d->ua, "hangup");
}

static void deadline_h(void *arg)
{
	struct demo *d = arg;

	fail(d, d->registered ? (d->established ? "the call did not end" : "the call was not established")
			      : "not registered to the demo peer");
	finish(d);
}

static void copy_str(char *dst, size_t sz, const char *s)
{
	snprintf(dst, sz, "%s", s ? s : "");
}

static void on_event(const struct event *ev, void *arg)
{
	struct demo *d = arg;
	const struct event_field *f;

	print_event(ev);
	if (ev->kind == EVENT_REGISTERED && !d->registered) {
		d->registered = true;
		f = event_get(ev, "verified");
		d->verified = f && f->i;
		copy_str(d->tls_version, sizeof(d->tls_version), event_get_str(ev, "tls_version"));
		if (ua_command(d->ua, "call " DEMO_URI)) {
			fail(d, "the call could not be placed");
			finish(d);
		}
	} else if (ev->kind == EVENT_REGISTRATION_FAILED) {
		fail(d, "registration to the demo peer failed");
		finish(d);
	} else if (ev->kind == EVENT_ESTABLISHED) {
		d->established = true;
		d->call_id = event_get_int(ev, "call", 0);
		tmr_start(d->l, &d->tmr, (uint64_t)(d->o->seconds ? d->o->seconds : 5) * 1000, hangup_tmr_h, d);
	} else if (ev->kind == EVENT_SECURITY && d->established) {
		d->security_seen = true;
		f = event_get(ev, "srtp");
		d->srtp = f && f->i;
		copy_str(d->srtp_tx, sizeof(d->srtp_tx), event_get_str(ev, "srtp_tx"));
		copy_str(d->srtp_rx, sizeof(d->srtp_rx), event_get_str(ev, "srtp_rx"));
		copy_str(d->sas, sizeof(d->sas), event_get_str(ev, "sas"));
		d->plain_sent = event_get_int(ev, "plaintext_sent", -1);
		d->plain_recv = event_get_int(ev, "plaintext_received", -1);
		d->auth_fail = event_get_int(ev, "auth_failures", -1);
		d->replay_fail = event_get_int(ev, "replay_failures", -1);
		d->pkts_prot = event_get_int(ev, "packets_protected", -1);
		d->pkts_unprot = event_get_int(ev, "packets_unprotected", -1);
	} else if (ev->kind == EVENT_ENDED) {
		d->ended = true;
		if (!d->established)
			fail(d, "the call ended before it was established");
		finish(d);
	}
}

static void signal_h(int signo, void *arg)
{
	struct demo *d = arg;

	(void)signo;
	fail(d, "interrupted");
	finish(d);
}

static int make_dir(struct demo *d)
{
	const char *t = getenv("TMPDIR");

	snprintf(d->dir, sizeof(d->dir), "%s/sphone-demo.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(d->dir))
		return errno;
	snprintf(d->conf_path, sizeof(d->conf_path), "%s/sphone.conf", d->dir);
	snprintf(d->sent, sizeof(d->sent), "%s/sent.wav", d->dir);
	snprintf(d->heard, sizeof(d->heard), "%s/heard.wav", d->dir);
	return 0;
}

static void remove_dir(struct demo *d)
{
	static const char *const files[] = { "sphone.conf", "sent.wav", "heard.wav", "ca.pem", "server.pem",
					     "server.key", NULL };
	const char *const *f;
	char p[512];

	if (!d->dir[0])
		return;
	if (d->o->keep) {
		fprintf(stderr, "sphone --demo: files kept in %s\n", d->dir);
		return;
	}
	for (f = files; *f; f++) {
		snprintf(p, sizeof(p), "%s/%s", d->dir, *f);
		unlink(p);
	}
	rmdir(d->dir);
}

static int write_conf(struct demo *d, const char *password)
{
	FILE *f;
	int fd = open(d->conf_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		return errno;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return ENOMEM;
	}
	fprintf(f,
		"# written by sphone --demo; removed when the demo ends\n"
		"[general]\nhistory = no\n"
		"[account demo]\n"
		"uri = sips:you@localhost\n"
		"username = you\n"
		"password = %s\n"
		"proxy = 127.0.0.1:%u\n"
		"transport = tls\n"
		"ca_file = %s/ca.pem\n"
		"media_encryption = sdes\n"
		"srtp_required = yes\n"
		"\n[contacts]\n"
		"echo = " DEMO_URI "\n",
		password, (unsigned)demo_peer_port(d->peer), d->dir);
	return fclose(f) ? EIO : 0;
}

static int verdict(struct demo *d)
{
	struct demo_peer_stats ps;
	struct event ev;
	double frac = 0, mean = 0;
	size_t windows = 0;
	int e;
	bool enc;

	demo_peer_stats(d->peer, &ps);
	enc = d->srtp && d->srtp_tx[0] && strcmp(d->srtp_tx, "none") && d->srtp_rx[0] &&
	      strcmp(d->srtp_rx, "none") && d->plain_sent == 0 && d->plain_recv == 0 && d->auth_fail == 0 &&
	      d->pkts_unprot > 0 && ps.rx_ok > 0 && ps.rx_bad == 0 && ps.echoed > 0;
	e = d->established ? audio_verdict(d, &frac, &mean, &windows) : ENODATA;
	if (!d->failed && !d->security_seen)
		fail(d, "no verify report");
	if (!d->failed && !d->verified)
		fail(d, "the demo peer's certificate was not verified");
	if (!d->failed && !enc)
		fail(d, "the call was not encrypted both ways");
	if (!d->failed && (e || frac < 0.5))
		fail(d, e ? "the recorded audio could not be read" : "the audio that came back does not match");

	event_init(&ev, EVENT_DEMO);
	event_str(&ev, "result", d->failed ? "fail" : "pass");
	if (d->failed)
		event_str(&ev, "reason", d->fail_why);
	event_str(&ev, "tls_version", d->tls_version);
	event_bool(&ev, "tls_verified", d->verified);
	event_str(&ev, "srtp_tx", d->srtp_tx);
	event_str(&ev, "srtp_rx", d->srtp_rx);
	event_int(&ev, "plaintext_sent", d->plain_sent);
	event_int(&ev, "plaintext_received", d->plain_recv);
	event_int(&ev, "auth_failures", d->auth_fail);
	event_int(&ev, "peer_srtp_ok", (long long)ps.rx_ok);
	event_int(&ev, "peer_srtp_rejected", (long long)ps.rx_bad);
	event_int(&ev, "peer_echoed", (long long)ps.echoed);
	event_int(&ev, "audio_windows", (long long)windows);
	event_int(&ev, "audio_windows_matching_pct", (long long)(frac * 100 + 0.5));
	event_int(&ev, "audio_mean_correlation_pct", (long long)(mean * 100 + 0.5));
	if (d->sas[0])
		event_str(&ev, "sas", d->sas);
	print_event(&ev);

	fprintf(stderr,
		"\nsphone demo: %s\n"
		"  signalling   %s to 127.0.0.1:%u, certificate %s (throwaway CA)\n"
		"  media        SRTP sent %s, received %s; plaintext packets sent %lld, received %lld;\n"
		"               authentication failures %lld; the peer authenticated %llu and echoed %llu\n"
		"  audio        %zu windows compared, %.0f%% matched (mean correlation %.2f)\n"
		"  SAS          %s\n%s%s%s",
		d->failed ? "FAIL" : "PASS - the call was encrypted both ways and the echo matched",
		d->tls_version[0] ? d->tls_version : "no TLS", (unsigned)demo_peer_port(d->peer),
		d->verified ? "verified" : "NOT verified", d->srtp_tx[0] ? d->srtp_tx : "-",
		d->srtp_rx[0] ? d->srtp_rx : "-", d->plain_sent, d->plain_recv, d->auth_fail,
		(unsigned long long)ps.rx_ok, (unsigned long long)ps.echoed, windows, frac * 100, mean,
		d->sas[0] ? d->sas : "-", d->failed ? "  reason       " : "", d->failed ? d->fail_why : "",
		d->failed ? "\n" : "");
	return d->failed ? 1 : 0;
}

int demo_run(const struct demo_opts *o)
{
	static const struct demo_opts dflt;
	struct account_conf *conf = NULL;
	struct demo d;
	char pw[24], err[512] = "";
	int e, rc = 1;

	memset(&d, 0, sizeof(d));
	d.o = o ? o : &dflt;
	tmr_init(&d.tmr);
	tmr_init(&d.deadline);
	if ((e = make_dir(&d)) != 0) {
		fprintf(stderr, "sphone --demo: cannot make a temporary directory: %s\n", strerror(e));
		return 1;
	}
	if ((e = loop_alloc(&d.l)) != 0) {
		fprintf(stderr, "sphone --demo: event loop: %s\n", strerror(e));
		goto out;
	}
	if ((e = crypto_rand_token(pw, 20)) != 0) {
		fprintf(stderr, "sphone --demo: no random numbers\n");
		goto out;
	}
	log_add_secret(pw);
	e = demo_peer_alloc(&d.peer, d.l, d.dir, "you", pw, err, sizeof(err));
	if (e) {
		fprintf(stderr, "sphone --demo: %s\n", err);
		goto out;
	}
	if ((e = write_conf(&d, pw)) != 0 || (e = write_signal(d.sent)) != 0) {
		fprintf(stderr, "sphone --demo: cannot write to %s: %s\n", d.dir, strerror(e));
		goto out;
	}
	e = account_conf_load(&conf, d.conf_path, err, sizeof(err));
	if (e) {
		fprintf(stderr, "sphone --demo: %s\n", err);
		goto out;
	}
	account_conf_set_scratch(conf); /* a device chosen in the demo is not remembered in its throwaway file */

	if (!d.o->headless) {
		struct ua_call_opts files = { .audio_in = d.o->audio_in ? d.o->audio_in : d.sent,
					      .audio_out = d.o->audio_out ? d.o->audio_out : d.heard };
		struct ua_call_opts card = { .portaudio = true, .audio_device = d.o->audio_device };
		struct demo_ui du = {
			.conf = conf,
			.dial = "echo",
			.loop = d.l,
			.call_opts = d.o->portaudio ? &card : &files,
			.call_opts_fallback = d.o->portaudio ? &files : NULL,
			.note = "demo: a throwaway CA and an SRTP echo peer on 127.0.0.1; calling it. "
				"h hangs up, q quits.",
		};

		if (!d.o->ui) {
			fprintf(stderr, "sphone --demo: no front end to run it in\n");
			goto out;
		}
		rc = d.o->ui(&du, d.o->ui_arg);
		goto out;
	}

	{
		struct ua_call_opts co = { .audio_in = d.sent, .audio_out = d.heard };

		e = ua_alloc(&d.ua, d.l, conf, NULL, on_event, &d, err, sizeof(err));
		if (e) {
			fprintf(stderr, "sphone --demo: %s\n", err);
			goto out;
		}
		e = ua_set_call_opts(d.ua, &co, err, sizeof(err));
		if (e) {
			fprintf(stderr, "sphone --demo: %s\n", err);
			goto out;
		}
	}
	loop_on_signal(d.l, signal_h, &d);
	tmr_start(d.l, &d.deadline, OVERALL_TIMEOUT_MS + (uint64_t)d.o->seconds * 1000, deadline_h, &d);
	ua_register(d.ua, NULL);
	e = loop_run(d.l);
	loop_on_signal(d.l, NULL, NULL);
	tmr_cancel(&d.tmr);
	tmr_cancel(&d.deadline);
	/* the recording is complete once the UA (and its audio device) is gone */
	ua_free(d.ua);
	d.ua = NULL;
	if (e)
		fail(&d, "event loop error");
	rc = verdict(&d);
out:
	ua_free(d.ua);
	demo_peer_free(d.peer);
	account_conf_free(conf);
	loop_free(d.l);
	crypto_wipe(pw, sizeof(pw));
	remove_dir(&d);
	return rc;
}
