#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# pa_jack.sh: PortAudio device (audio/dev_pa.c) against a private JACK dummy server at 48 kHz:
# frames per callback, resampling ratio into and out of the rings, wakes, tone loopback through resampling
# (all per device time, so a late server clock on a loaded machine is no failure); the echo canceller
# against the loopback (speech-like audio played and heard back, attenuation measured), the tone player's
# ring-back cadence through the loopback; plus an ALSA null open.
# Work dir under the build tree: something on the shared test machine removes /tmp/sphone-interop.*
# while tests run; this test's files must not vanish under it.
TMPDIR="$top_builddir/tests"
export TMPDIR
. "$top_srcdir/tests/interop/lib.sh"

PROBE="$top_builddir/tests/unit/pa_probe"
[ "${SPHONE_UNIT_ONLY:-0}" = 1 ] && skip_all "SPHONE_UNIT_ONLY=1"
command -v jackd >/dev/null 2>&1 || skip_all "jackd not installed (Debian package jackd2)"
[ -x "$PROBE" ] || skip_all "pa_probe not built"
. "$top_srcdir/tests/jack_lib.sh" # jack_launch

# private server name so parallel runs and a user's JACK are not touched; no device reservation (dbus)
JACK_DEFAULT_SERVER="sphone-test-$$"
JACK_NO_AUDIO_RESERVATION=1
JACK_NO_START_SERVER=1 # clients (jack_lsp while waiting) must not spawn a server of their own
export JACK_DEFAULT_SERVER JACK_NO_AUDIO_RESERVATION JACK_NO_START_SERVER
# Under --enable-sanitizers: the ALSA and JACK plug-ins PortAudio dlopens leak a few KB at exit
# (stacks end in "<unknown module>", so no suppression can name them); leak checks stay on elsewhere.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
# PortAudio also probes ALSA and OSS: keep it away from any real sound card configuration
HOME="$WORK"
export HOME

val() { awk -v k="$1" '$1 == k { print $2 }' "$WORK/probe.out"; }
# within PCT % of WANT (floating point, via awk)
near() { awk -v g="$1" -v w="$2" -v p="$3" 'BEGIN { exit !(g != "" && g >= w * (1 - p / 100) && g <= w * (1 + p / 100)) }'; }

# run_jack RATE: a private dummy server at RATE with 20 ms periods; the probe plays and captures
# through it for 3 s with its output wired back into its input
run_jack() {
	rate=$1
	period=$((rate / 50))
	JACK_DEFAULT_SERVER="sphone-test-$$-$rate"
	if ! jack_launch "$rate" "$period" "$WORK/jackd-$rate.log"; then
		diag "jackd did not come up:"
		sed 's/^/# /' "$WORK/jackd-$rate.log"
		ok 1 "jackd dummy server starts at $rate Hz"
		return
	fi
	ok 0 "jackd dummy server ($rate Hz, $period-frame periods) started as PID $JACKD"

	"$PROBE" --list >"$WORK/list.out" 2>/dev/null
	grep -q "\"system\" api \"JACK Audio Connection Kit\" in 2 out 2 rate $rate" "$WORK/list.out"
	ok $? "device list shows JACK's system device, 2 in / 2 out at $rate Hz"
	sed 's/^/# /' "$WORK/list.out"

	# 3 s of device time (150 callbacks), and one more second once the loopback is wired (SIGUSR1)
	probe_loop --signal tone

	# Checked per callback and per second of device time: what dev_pa does with each period. How
	# punctual the dummy server's clock is on a loaded machine is its business (it ran at 62% of
	# real time under a load of 15 on 2 cores), so wall-clock rates are only bounded from above.
	[ $PRC = 0 ] && [ "$(val timeout)" = 0 ]
	ok $? "dev_pa opened the JACK device, played and captured for 150 callbacks ($(val seconds) s)"
	[ "$(val dev_rate)" = "$rate" ]
	ok $? "device runs at $rate Hz (8 kHz side through the resampler)"
	near "$(val frames_per_callback)" "$period" 0.5
	ok $? "each callback moved $(val frames_per_callback) frames ($period: 20 ms periods)"
	near "$(val cap_per_dev_second)" 8000 1
	ok $? "capture ring received $(val cap_per_dev_second) samples per device second at 8 kHz"
	near "$(val play_per_dev_second)" 8000 1
	ok $? "playback ring drained $(val play_per_dev_second) samples per device second"
	awk -v g="$(val dev_frames_per_sec)" -v w="$rate" 'BEGIN { exit !(g != "" && g > 0 && g <= w * 1.1) }'
	ok $? "callback moved $(val dev_frames_per_sec) frames per wall-clock second, not more than $rate + 10%"
	# everything captured was read, but for what the ring still held at the end (< 1 s)
	awk -v r="$(val cap_read)" -v c="$(val cap_samples)" 'BEGIN { exit !(r != "" && r >= 20000 && r <= c && r > c - 8000) }'
	ok $? "owner read $(val cap_read) of $(val cap_samples) captured samples out of the ring"
	awk -v w="$(val wakes)" -v c="$(val callbacks)" 'BEGIN { exit !(w != "" && w >= c * 0.9 && w <= c) }'
	ok $? "wake handler called $(val wakes) times in $(val callbacks) callbacks"
	[ "$(val cap_overruns)" = 0 ]
	ok $? "no capture overruns"
	if [ $LOOP -eq 0 ]; then
		near "$(val cap_440hz_amp)" 8000 10
		ok $? "440 Hz tone played at 8 kHz came back through the $rate Hz loopback at amplitude $(val cap_440hz_amp) (sent 8000)"
	else
		diag "could not connect PortAudio ports for loopback; amplitude not checked"
	fi


	# The echo canceller (audio/duplex.c) with the loopback as the room: everything played comes
	# back one JACK period or so later. Speech-like audio, the last 2 s of 6 after wiring measured (the
	# canceller first learnt 3 s of no echo at all, then the path changed: it takes longer than from scratch).
	probe_loop --echo off --signal speech --after 2
	erle_off=$(awk -v f="$(val far_rms)" -v c="$(val cap_rms)" 'BEGIN { if (f > 0 && c > 0) printf "%.1f", 20 * log(f / c) / log(10) }')
	awk -v c="$(val echo_corr)" 'BEGIN { exit !(c != "" && c > 0.9) }' && [ "$(val echo_tail_ms)" = 0 ]
	ok $? "canceller off: the speech comes back whole (correlation $(val echo_corr), $(val echo_lag_ms) ms after it was queued, $erle_off dB)"
	probe_loop --echo on --signal speech --after 6
	erle=$(awk -v f="$(val far_rms)" -v c="$(val cap_rms)" 'BEGIN { if (f > 0 && c > 0) printf "%.1f", 20 * log(f / c) / log(10) }')
	awk -v t="$(val echo_tail_ms)" 'BEGIN { exit !(t >= 200) }'
	ok $? "canceller on: tail $(val echo_tail_ms) ms for the reported latency $(val latency_ms) ms (in, out) + 150 ms"
	[ "$(val echo_slips)" = 0 ]
	ok $? "capture and echo reference stayed in step ($(val echo_slips) slips)"
	awk -v e="$erle" 'BEGIN { exit !(e != "" && e >= 15) }'
	ok $? "canceller on: the echo is $erle dB down 4-6 s after the loopback was wired (at least 15 dB)"

	if [ "$rate" = 48000 ]; then
		# the tone player mixed into the device's output, nothing in the playback ring
		probe_loop --echo off --signal ringback --after 2.5
		diag "425 Hz in the capture: $(grep '^tone_edges' "$WORK/probe.out")"
		grep '^tone_edges' "$WORK/probe.out" | awk '{
			n = 0; for (i = 2; i <= NF; i++) { split($i, p, "@"); k[n] = p[1]; t[n] = p[2]; n++ }
			if (n < 5 || k[0] != "on") exit 1
			for (i = 1; i < n; i++) { d = t[i] - t[i - 1]; w = k[i] == "off" ? 400 : 600
				if (d < w - 60 || d > w + 60) exit 1 }
			exit 0 }'
		ok $? "ring-back from the tone player came back through the loopback: 425 Hz, 400 ms on, 600 ms off"
	fi

	kill "$JACKD" 2>/dev/null
	wait "$JACKD" 2>/dev/null
}

# probe_loop ARGS: pa_probe on JACK's system device, its output wired to its input once it runs
probe_loop() {
	"$PROBE" --loopback "$@" system system 3 >"$WORK/probe.out" 2>"$WORK/probe.err" &
	PROBE_PID=$!
	track_pid $PROBE_PID
	WAIT_SECS=20 wait_for sh -c 'jack_lsp | grep -q "PortAudio:in_0"' &&
		jack_connect PortAudio:out_0 PortAudio:in_0 >/dev/null 2>&1
	LOOP=$?
	kill -USR1 $PROBE_PID 2>/dev/null
	wait $PROBE_PID
	PRC=$?
	untrack_pid $PROBE_PID
	sed 's/^/# /' "$WORK/probe.out"
}

run_jack 48000
run_jack 44100

# ALSA "null" PCM defined in a private .asoundrc: lists and opens (it has no clock, so no rate check)
printf 'pcm.sphonenull {\n\ttype null\n}\n' >"$WORK/.asoundrc"
"$PROBE" --list >"$WORK/list2.out" 2>/dev/null
if grep -q '"sphonenull" api "ALSA"' "$WORK/list2.out"; then
	ok 0 "ALSA null PCM from .asoundrc is listed"
	"$PROBE" sphonenull sphonenull 0.3 >"$WORK/null.out" 2>/dev/null
	ok $? "ALSA null PCM opens and runs through dev_pa ($(awk '$1 == "dev_rate" { print $2 }' "$WORK/null.out") Hz)"
else
	diag "PortAudio lists no ALSA null device here; skipped"
fi
"$PROBE" nosuchdevice nosuchdevice 1 >"$WORK/bad.out" 2>/dev/null
grep -q "^open_error 19 " "$WORK/bad.out"
ok $? "unknown device name: ENODEV with a message ($(cut -d' ' -f3- "$WORK/bad.out"))"

done_testing
