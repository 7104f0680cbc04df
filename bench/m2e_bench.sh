#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# m2e_bench.sh: mouth-to-ear delay, sphone -> sphone and baresip -> baresip, through the lab Kamailio on
# loopback, both phones on one private JACK dummy server (the clock of both devices): bench/m2e_jack plays
# 30 ms chirps into the caller's capture port every 500 ms, up and down in turn (a delay up to 970 ms is told
# apart from the next marker), and finds them in the callee's playback port.
# Then the same again with the calls' RTP through faults_relay.py (a TLS proxy in front of Kamailio that
# rewrites the SDP and relays the media) adding 0..JITTER ms of uniform random delay to every RTP packet.
# Run from the build directory:   sh ../bench/m2e_bench.sh [RUNS] [SECONDS] [JITTER_MS]   (default 5 20 30)
# Each call is measured both ways, SECONDS each: caller -> callee (a->b), then callee -> caller (b->a).
# Prints two lines per run and case, then the medians over the runs of each case's p50 and p99 (markers after
# the first 3 s, when the jitter buffers have settled), markers lost (not found with correlation >= 0.5:
# dropped, concealed or garbled), and the receiving sphone's own counters ('verify' -> 'security' event:
# concealed frames, late packets, jitter buffer target and delay, frames queued for the device, periods
# the device found its playback ring short).
# Per-marker delays: $WORK/m2e.WHO-JITTER-RUN.out (KEEP_WORK=1 keeps $WORK).
# Environment: M2E_CASES (default "sphone:0 baresip:0 sphone:J baresip:J"), M2E_RATE (48000), M2E_PERIOD (frames per JACK period, 960 = 20 ms as tests/pa_jack.sh uses).
# baresip runs with the lab's settings (tests/interop/lab.sh: jitter_buffer_delay 5-10 frames, its default;
# no echo canceller module) and its jack module at the server's rate.
# M2E_ECHO: sphone's [audio] echo_cancel (default: sphone's own default, auto, which turns the canceller on for
# a duplex device). "off" measures it as baresip runs here: speexdsp's residual echo suppressor delays the
# microphone by one canceller frame, 10 ms (bench/README.md, "Where the delay goes").
. "${top_srcdir:-$(dirname "$0")/..}/bench/bench_lib.sh"
lab_require kamailio baresip python3 jackd
RUNS=${1:-5}
SECS=${2:-20}
JITTER=${3:-30}
M2E=$top_builddir/bench/m2e_jack
[ -x "$M2E" ] || { echo "no $M2E (configure found no JACK development files?)"; exit 1; }
RATE=${M2E_RATE:-48000}
PERIOD=${M2E_PERIOD:-960}

# a private JACK server: nothing of a user's JACK is touched, and PortAudio finds it as "system"
JACK_DEFAULT_SERVER="sphone-m2e-$$"
JACK_NO_AUDIO_RESERVATION=1
JACK_NO_START_SERVER=1
HOME=$WORK # PortAudio probes ALSA too: keep it away from any real sound card configuration
export JACK_DEFAULT_SERVER JACK_NO_AUDIO_RESERVATION JACK_NO_START_SERVER HOME
. "$top_srcdir/tests/jack_lib.sh" # jack_launch: JACK's registry kept usable (slots of killed servers)
jack_launch "$RATE" "$PERIOD" "$WORK/jackd.log" || { echo "jackd did not start"; cat "$WORK/jackd.log"; exit 1; }

lab_make_ca "$WORK/ca" || exit 1
lab_start_kamailio || exit 1
PROXY_PORT=$(free_port)
"$PYTHON" "$LAB_SRC/faults_relay.py" proxy --listen "$PROXY_PORT" --upstream "$KAM_TLS_PORT" \
	--cert "$LAB_CA/server.pem" --key "$LAB_CA/server.key" --jitter "$JITTER" --seed 7 \
	>"$WORK/relay.out" 2>&1 &
RELAY=$!
track_pid $RELAY
WAIT_SECS=5 wait_for grep -q '^listening' "$WORK/relay.out" || { echo "relay did not start"; exit 1; }

# m2e A B: run the marker client from phone A's capture to phone B's playback (JACK client names)
# (per-marker lines in $WORK/m2e.$CASE.out)
m2e() {
	"$M2E" -a "$1" -b "$2" -s "$SECS" -k 3 -p 500 -w 20 -v 2>>"$WORK/m2e.err" >"$WORK/m2e.$CASE.out"
	tail -n 1 "$WORK/m2e.$CASE.out"
}

# sec_field WHO KEY: KEY of sphone WHO's last security event (its call's counters when 'verify' was sent)
sec_field() {
	grep '^{"event":"security"' "$WORK/$1.events" | tail -n 1 | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"
}

# sphone_case PORT: sphone alice (through the TLS server on PORT: Kamailio, or the relay's proxy, which then
# carries the call's media both ways) calls sphone bob (auto-answer, on Kamailio); measured alice -> bob,
# then bob -> alice
sphone_case() {
	local port=$1 ab ba w
	cs_conf "$WORK/a.conf" alice && cs_conf "$WORK/b.conf" bob || return 1
	sed -i 's/^log_level = debug/log_level = warn/' "$WORK/a.conf" "$WORK/b.conf"
	if [ -n "${M2E_ECHO:-}" ]; then
		printf '[audio]\necho_cancel = %s\n' "$M2E_ECHO" >>"$WORK/a.conf"
		printf '[audio]\necho_cancel = %s\n' "$M2E_ECHO" >>"$WORK/b.conf"
	fi
	sed -i "s/:$KAM_TLS_PORT;/:$port;/" "$WORK/a.conf"
	: >"$WORK/a.events"
	: >"$WORK/b.events"
	# PortAudio names its JACK clients PortAudio, PortAudio-01 in the order they open the device (at
	# start): bob's is there before alice starts, so bob is PortAudio and alice PortAudio-01
	cs_start b 8 "$WORK/b.conf" --auto-answer --audio-device system
	WAIT_SECS=15 wait_for sh -c 'jack_lsp 2>/dev/null | grep -q "^PortAudio:"' || { echo "sphone: bob's device not open"; return 1; }
	cs_start a 7 "$WORK/a.conf" --audio-device system
	cs_wait a registered 15 && cs_wait b registered 15 || { echo "sphone: no registration"; return 1; }
	WAIT_SECS=15 wait_for sh -c 'jack_lsp 2>/dev/null | grep -q "^PortAudio-01:"' || { echo "sphone: alice's device not open"; return 1; }
	cs_cmd a "call sip:bob@sip.test"
	cs_wait a established 15 && cs_wait b established 15 || { echo "sphone: no call"; return 1; }
	ab=$(m2e PortAudio-01 PortAudio)
	ba=$(CASE=$CASE-back m2e PortAudio PortAudio-01)
	cs_cmd a verify # the security events: the call's counters now
	cs_cmd b verify
	sleep 0.5
	for w in a b; do
		eval "SEC_$w=\"concealed=$(sec_field $w concealed) jb_late=$(sec_field $w jb_late) \
jb_target_ms=$(sec_field $w jb_target_ms) jb_delay_ms=$(sec_field $w jb_delay_ms) \
play_depth=$(sec_field $w play_depth) play_dry=$(sec_field $w play_dry)\""
	done
	cs_cmd a hangup
	cs_wait a ended 5
	cs_quit a
	cs_quit b
	# the receiver's counters with each direction
	echo "$ab $SEC_b"
	echo "back: $ba $SEC_a"
}

# baresip_case PORT: the same with baresip alice and bob, both on the JACK server
baresip_case() {
	local port=$1 out back n
	for n in alice bob; do
		lab_baresip_config "$n" "$n" "$(eval echo \$LAB_PW_$n)" wait=no || return 1
		eval "d=\$BS_${n}_DIR"
		# shellcheck disable=SC2154
		sed -i -e '/^audio_player/d' -e '/^audio_source/d' -e '/^audio_alert/d' "$d/config"
		{
			echo "audio_player		jack,default"
			echo "audio_source		jack,default"
			echo "audio_alert		jack,default"
			echo "ausrc_srate		$RATE"
			echo "auplay_srate		$RATE"
			echo "ausrc_channels		1"
			echo "auplay_channels		1"
			echo "ausrc_format		float"
			echo "auplay_format		float"
			echo "module			jack.so"
			echo "jack_client_name	bs_$n"
			echo "jack_connect_ports	no"
		} >>"$d/config"
		[ "$n" = bob ] || sed -i "s/:$KAM_TLS_PORT;/:$port;/" "$d/accounts"
		: >"$d/baresip.log"
		baresip -4 -f "$d" </dev/null >>"$d/baresip.log" 2>&1 &
		eval "BS_${n}_PID=$!"
		track_pid $!
	done
	WAIT_SECS=15 wait_for lab_baresip_registered alice && WAIT_SECS=15 wait_for lab_baresip_registered bob ||
		{ echo "baresip: no registration"; return 1; }
	baresip_cmd "$BS_alice_CTRL" "dial sip:bob@sip.test" >/dev/null
	WAIT_SECS=15 wait_for grep -q "Call established" "$BS_bob_LOG" ||
		{ echo "baresip: no call"; tail -n 20 "$BS_alice_LOG" "$BS_bob_LOG"; return 1; }
	out=$(m2e 'bs_alice*' 'bs_bob*')
	back=$(CASE=$CASE-back m2e 'bs_bob*' 'bs_alice*')
	baresip_cmd "$BS_alice_CTRL" "hangup" >/dev/null
	sleep 0.5
	lab_stop_baresip alice
	lab_stop_baresip bob
	echo "$out"
	echo "back: $back"
}

field() { echo "$1" | sed -n "s/.* $2=\([^ ]*\).*/\1/p"; }
median() {
	printf '%s\n' "$@" | grep -v '^-*$' | sort -n | awk '{ v[NR] = $1 } END {
		if (!NR) { print "-"; exit } printf "%.1f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

i=1
while [ "$i" -le "$RUNS" ]; do
	for c in ${M2E_CASES:-sphone:0 baresip:0 sphone:$JITTER baresip:$JITTER}; do
		who=${c%%:*} j=${c#*:}
		port=$KAM_TLS_PORT
		[ "$j" = 0 ] || port=$PROXY_PORT
		CASE=$who-$j-$i
		r=$("${who}_case" "$port") || { echo "run $i $who jitter=$j failed: $r"; tail -n 5 "$WORK/m2e.err"; exit 1; }
		fw=$(echo "$r" | grep -v '^back: ' | tail -n 1)
		bw=$(echo "$r" | sed -n 's/^back: //p' | tail -n 1)
		echo "run $i $who jitter_ms=$j a->b $fw"
		echo "run $i $who jitter_ms=$j b->a $bw"
		for d in fw bw; do
			eval "r=\$$d"
			eval "P50_${who}_${j}_$d=\"\${P50_${who}_${j}_$d:-} $(field "$r" p50_ms)\""
			eval "P99_${who}_${j}_$d=\"\${P99_${who}_${j}_$d:-} $(field "$r" p99_ms)\""
			eval "LOST_${who}_${j}_$d=\"\${LOST_${who}_${j}_$d:-} $(field "$r" lost)\""
			eval "CONC_${who}_${j}_$d=\"\${CONC_${who}_${j}_$d:-} $(field "$r" concealed)\""
		done
	done
	i=$((i + 1))
done

for j in 0 "$JITTER"; do
	for d in fw bw; do
		dir="a->b"
		[ "$d" = fw ] || dir="b->a"
		for who in sphone baresip; do
			eval "p50=\$(median \${P50_${who}_${j}_$d:-}) p99=\$(median \${P99_${who}_${j}_$d:-})"
			eval "lost=\$(median \${LOST_${who}_${j}_$d:-}) conc=\$(median \${CONC_${who}_${j}_$d:-})"
			eval "m2e_${who}=\$p50"
			echo "m2e_bench $who->$who $dir jitter_ms=$j runs=$RUNS p50_ms=$p50 p99_ms=$p99 markers_lost=$lost concealed=$conc"
		done
		echo "m2e_bench $dir jitter_ms=$j ratio_p50=$(awk -v a="$m2e_sphone" -v b="$m2e_baresip" 'BEGIN { if (b + 0 > 0) printf "%.3f", a / b; else print "-" }') (sphone/baresip; target: <= 1, and p50 <= 60 ms without jitter)"
	done
done
lab_stop_pid "$RELAY"
lab_stop_kamailio
lab_stop_pid "$JACKD"
