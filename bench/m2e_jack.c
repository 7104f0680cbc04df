/* SPDX-License-Identifier: GPL-3.0-or-later */
/* m2e_jack.c: mouth-to-ear delay of a call between two phones on one JACK server: markers into A's capture, found in B's playback. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jack/jack.h>

/*
 * Two JACK clients: "m2e_gen", whose output port is wired to phone A's
 * capture input, and "m2e_rec", whose input port is wired from phone B's
 * playback output. The server's frame clock times both: a marker written at
 * frame F and found at frame G took G - F frames from A's microphone to B's
 * speaker, device buffering, packetisation, network, jitter buffer and
 * playout included, with no wall clock involved.
 *
 * Why two clients: one client holding both ports closes a loop whenever
 * JACK itself carries A's signal to B (a pass-through client, or one phone
 * measured against itself), and the server breaks a loop with a period of
 * delay: jack_thru measured 20.0 ms with one client, 0.0 ms with these two.
 * A generator with no input and a recorder with no output leave it nothing
 * to break. (Two phones joined by the network are no loop for JACK: both
 * rigs give them the same figures.)
 *
 * Markers are 30 ms linear chirps (300 -> 3000 Hz up, then down, in turn)
 * every PERIOD ms; each is looked for in the recording from F to F + 2 *
 * PERIOD - 30 ms (its neighbours are the other chirp, the next of its kind
 * is out of reach), first at 8 kHz, then to the frame at the server rate,
 * by normalised cross-correlation. A marker whose best correlation is below
 * 0.5 counts as lost (dropped, concealed or damaged on the way).
 *
 * Phones are found by JACK client name (PortAudio names its clients
 * "PortAudio", "PortAudio-01", ...; baresip takes jack_client_name for its
 * source and the same with "-01" for its player: "NAME*" matches both); the
 * first port of the right direction is taken, its other connections removed.
 */

#define CHIRP_MS 30
#define MIN_CORR 0.5
#define MAX_MARKERS 4096

struct peer {
	const char *name;  /* JACK client name */
	unsigned long flags; /* JackPortIsInput for A, JackPortIsOutput for B */
	char port[256];
};

static jack_client_t *gen_cl, *rec_cl;
static jack_port_t *out_port, *in_port;
static float *rec, *chirp_up, *chirp_down;
static volatile size_t rec_n, rec_cap;
static volatile int armed, done;
static size_t chirp_len, period;
static atomic_int started;         /* frame0 is set */
static jack_nframes_t frame0;      /* the server's frame time of the generator's first marker */

/* the generator: markers from the first cycle after arming, at frame frame0 + k * period */
static int gen_process(jack_nframes_t n, void *arg)
{
	float *out = jack_port_get_buffer(out_port, n);
	jack_nframes_t now = jack_last_frame_time(gen_cl);

	(void)arg;
	if (!armed || done) {
		memset(out, 0, n * sizeof(*out));
		return 0;
	}
	if (!atomic_load(&started)) {
		frame0 = now;
		atomic_store(&started, 1);
	}
	for (jack_nframes_t i = 0; i < n; i++) {
		size_t pos = (jack_nframes_t)(now - frame0) + i, k = pos / period, off = pos % period;
		const float *c = (k & 1) ? chirp_down : chirp_up;

		out[i] = off < chirp_len ? c[off] : 0.0f;
	}
	return 0;
}

/* the recorder: B's playback at frame frame0 + pos goes to rec[pos] */
static int rec_process(jack_nframes_t n, void *arg)
{
	const float *in = jack_port_get_buffer(in_port, n);
	jack_nframes_t now = jack_last_frame_time(rec_cl);
	size_t pos;

	(void)arg;
	if (!atomic_load(&started) || done)
		return 0;
	pos = (jack_nframes_t)(now - frame0);
	for (jack_nframes_t i = 0; i < n && pos + i < rec_cap; i++)
		rec[pos + i] = in[i];
	if (pos + n >= rec_cap)
		done = 1;
	rec_n = pos + n < rec_cap ? pos + n : rec_cap;
	return 0;
}

static void make_chirp(float *c, size_t len, double rate, bool up)
{
	double f0 = up ? 300 : 3000, f1 = up ? 3000 : 300, t1 = (double)len / rate, edge = 0.003 * rate;

	for (size_t i = 0; i < len; i++) {
		double t = (double)i / rate, ph = 2 * M_PI * (f0 * t + (f1 - f0) * t * t / (2 * t1));
		double w = 1.0;

		if (i < edge)
			w = 0.5 - 0.5 * cos(M_PI * (double)i / edge);
		else if (len - 1 - i < edge)
			w = 0.5 - 0.5 * cos(M_PI * (double)(len - 1 - i) / edge);
		c[i] = (float)(0.25 * w * sin(ph));
	}
}

/* normalised correlation of x[0..n) with t[0..n) */
static double ncorr(const float *x, const float *t, size_t n, size_t step)
{
	double xy = 0, xx = 0, tt = 0;

	for (size_t i = 0; i < n; i += step) {
		xy += (double)x[i] * t[i];
		xx += (double)x[i] * x[i];
		tt += (double)t[i] * t[i];
	}
	return xx > 0 && tt > 0 ? xy / sqrt(xx * tt) : 0;
}

/* best lag of marker k (frames after its output frame), -1 if below MIN_CORR */
static long find_marker(size_t k, size_t window, double *corr)
{
	const float *t = (k & 1) ? chirp_down : chirp_up;
	size_t start = k * period, best = 0;
	double bc = -1;

	/* coarse: every 6th frame and lag (8 kHz at 48 kHz), then the frame around it */
	for (size_t lag = 0; lag + chirp_len <= window && start + lag + chirp_len <= rec_n; lag += 6) {
		double c = ncorr(rec + start + lag, t, chirp_len, 6);
		if (c > bc) {
			bc = c;
			best = lag;
		}
	}
	if (bc < 0)
		return -1;
	for (size_t lag = best > 6 ? best - 6 : 0; lag <= best + 6 && start + lag + chirp_len <= rec_n; lag++) {
		double c = ncorr(rec + start + lag, t, chirp_len, 1);
		if (c >= bc) {
			bc = c;
			best = lag;
		}
	}
	*corr = bc;
	return bc >= MIN_CORR ? (long)best : -1;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* nearest-rank percentile of sorted v[0..n) */
static double pct(const double *v, size_t n, double p)
{
	size_t r = (size_t)ceil(p / 100.0 * (double)n);
	return n ? v[r ? r - 1 : 0] : NAN;
}

static bool client_matches(const char *port, const struct peer *p)
{
	char name[256];
	const char *colon = strchr(port, ':');
	size_t len = colon ? (size_t)(colon - port) : 0;

	if (!len || len >= sizeof(name))
		return false;
	memcpy(name, port, len);
	name[len] = 0;
	/* NAME* matches every client whose name starts with NAME (baresip's jack module opens one per direction) */
	len = strlen(p->name);
	if (len && p->name[len - 1] == '*')
		return strncmp(name, p->name, len - 1) == 0;
	return strcmp(name, p->name) == 0;
}

/* the first audio port of the peer's client with the given direction */
static bool find_port(jack_client_t *cl, struct peer *p)
{
	const char **ports = jack_get_ports(cl, NULL, JACK_DEFAULT_AUDIO_TYPE, p->flags);
	bool found = false;

	for (size_t i = 0; ports && ports[i] && !found; i++) {
		if (strncmp(ports[i], "m2e_", 4) != 0 && client_matches(ports[i], p)) {
			snprintf(p->port, sizeof(p->port), "%s", ports[i]);
			found = true;
		}
	}
	jack_free(ports);
	return found;
}

static void wire(jack_client_t *cl, const char *peer_port, const char *mine, bool from_peer)
{
	jack_port_t *pp = jack_port_by_name(cl, peer_port);
	const char **conns = pp ? jack_port_get_all_connections(cl, pp) : NULL;

	for (size_t i = 0; conns && conns[i]; i++) {
		if (from_peer)
			jack_disconnect(cl, peer_port, conns[i]);
		else
			jack_disconnect(cl, conns[i], peer_port);
	}
	jack_free(conns);
	if (from_peer)
		jack_connect(cl, peer_port, mine);
	else
		jack_connect(cl, mine, peer_port);
}

static void on_signal(int sig)
{
	(void)sig;
	done = 1;
}

int main(int argc, char **argv)
{
	struct peer a = { .flags = JackPortIsInput }, b = { .flags = JackPortIsOutput };
	double secs = 20, skip = 3, period_ms = 250, wait_s = 30, rate;
	static double delays[MAX_MARKERS], corrs[MAX_MARKERS];
	size_t nd = 0, lost = 0, nmark, window;
	jack_status_t st;
	unsigned bufsize;
	bool verbose = false;
	int opt;

	while ((opt = getopt(argc, argv, "a:b:s:k:p:w:v")) != -1) {
		switch (opt) {
		case 'a': a.name = optarg; break;
		case 'b': b.name = optarg; break;
		case 's': secs = atof(optarg); break;
		case 'k': skip = atof(optarg); break;
		case 'p': period_ms = atof(optarg); break;
		case 'w': wait_s = atof(optarg); break;
		case 'v': verbose = true; break;
		default: goto usage;
		}
	}
	if (!a.name || !b.name || secs <= skip || period_ms < 2 * CHIRP_MS + 10)
		goto usage;
	gen_cl = jack_client_open("m2e_gen", JackNoStartServer | JackUseExactName, &st);
	rec_cl = gen_cl ? jack_client_open("m2e_rec", JackNoStartServer | JackUseExactName, &st) : NULL;
	if (!gen_cl || !rec_cl) {
		fprintf(stderr, "m2e_jack: no JACK server (status 0x%x)\n", (unsigned)st);
		return 1;
	}
	rate = jack_get_sample_rate(gen_cl);
	chirp_len = (size_t)(rate * CHIRP_MS / 1000);
	period = (size_t)(rate * period_ms / 1000);
	rec_cap = (size_t)(rate * secs);
	rec = calloc(rec_cap, sizeof(*rec));
	chirp_up = calloc(chirp_len, sizeof(float));
	chirp_down = calloc(chirp_len, sizeof(float));
	out_port = jack_port_register(gen_cl, "out", JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
	in_port = jack_port_register(rec_cl, "in", JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
	if (!rec || !chirp_up || !chirp_down || !out_port || !in_port) {
		fprintf(stderr, "m2e_jack: out of memory or ports\n");
		return 1;
	}
	make_chirp(chirp_up, chirp_len, rate, true);
	make_chirp(chirp_down, chirp_len, rate, false);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (jack_set_process_callback(gen_cl, gen_process, NULL) || jack_set_process_callback(rec_cl, rec_process, NULL) ||
	    jack_activate(gen_cl) || jack_activate(rec_cl)) {
		fprintf(stderr, "m2e_jack: cannot activate\n");
		return 1;
	}
	/* the phones open their devices when their call starts */
	for (double w = 0; !(find_port(gen_cl, &a) && find_port(gen_cl, &b)); w += 0.05) {
		struct timespec ts = { 0, 50000000 };
		if (w > wait_s || done) {
			fprintf(stderr, "m2e_jack: phone ports not found (A %s, B %s)\n", a.port[0] ? a.port : "-",
				b.port[0] ? b.port : "-");
			jack_client_close(rec_cl);
			jack_client_close(gen_cl);
			return 1;
		}
		nanosleep(&ts, NULL);
	}
	wire(gen_cl, a.port, "m2e_gen:out", false);
	wire(gen_cl, b.port, "m2e_rec:in", true);
	bufsize = (unsigned)jack_get_buffer_size(gen_cl);
	fprintf(stderr, "m2e_jack: m2e_gen:out -> %s, %s -> m2e_rec:in, %.0f Hz, %u-frame periods\n", a.port, b.port,
		rate, bufsize);
	armed = 1;
	while (!done) {
		struct timespec ts = { 0, 20000000 };
		nanosleep(&ts, NULL);
	}
	jack_deactivate(rec_cl);
	jack_deactivate(gen_cl);
	jack_client_close(rec_cl);
	jack_client_close(gen_cl);

	window = 2 * period - chirp_len;
	nmark = rec_n > window ? (rec_n - window) / period : 0;
	for (size_t k = (size_t)(skip * 1000 / period_ms); k < nmark && nd < MAX_MARKERS; k++) {
		double c = 0;
		long lag = find_marker(k, window, &c);

		if (verbose)
			printf("marker %zu lag_ms %.2f corr %.3f\n", k, lag < 0 ? -1.0 : 1000.0 * (double)lag / rate, c);
		if (lag < 0) {
			lost++;
			continue;
		}
		corrs[nd] = c;
		delays[nd++] = 1000.0 * (double)lag / rate;
	}
	qsort(delays, nd, sizeof(double), cmp_d);
	qsort(corrs, nd, sizeof(double), cmp_d);
	printf("m2e markers=%zu found=%zu lost=%zu p50_ms=%.1f p99_ms=%.1f min_ms=%.1f max_ms=%.1f corr_p50=%.3f "
	       "rate=%.0f period_frames=%u\n",
	       nd + lost, nd, lost, pct(delays, nd, 50), pct(delays, nd, 99), nd ? delays[0] : NAN,
	       nd ? delays[nd - 1] : NAN, pct(corrs, nd, 50), rate, bufsize);
	return nd ? 0 : 1;
usage:
	fprintf(stderr, "usage: m2e_jack -a CLIENT -b CLIENT [-s SECONDS] [-k SKIP_SECONDS] [-p PERIOD_MS] "
			"[-w WAIT_SECONDS] [-v]\n"
			"  plays markers into A's capture port, finds them in B's playback port, prints the delays\n");
	return 2;
}
