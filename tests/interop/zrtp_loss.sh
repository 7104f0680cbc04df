#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# zrtp_loss.sh: ZRTP's handshake over a lossy media path. Two sphones with media_encryption = zrtp through
# the lab's Kamailio; alice's signalling goes through faults_relay.py (a TLS proxy that rewrites the SDP),
# so the call's media, ZRTP included, runs through its UDP relay, which drops ZL_LOSS (20%) of the
# packets each way and delays each by 20 + 0..40 ms (packets overtake each other). Each of ZL_CALLS calls
# must either complete ZRTP on both phones with the same SAS, or end within ZRTP's bound (10 s) with a
# reason; either way neither phone ever sends a plaintext RTP packet.
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/call_lib.sh"
. "$top_srcdir/tests/interop/faults_lib.sh"
lab_require kamailio python3

ZL_LOSS=${ZL_LOSS:-0.2}
ZL_CALLS=${ZL_CALLS:-3}

SIG=$WORK/signal.wav
lab_make_wav "$SIG" 60 || { echo "Bail out! no test signal"; exit 1; }
lab_make_ca "$WORK/ca" || { echo "Bail out! cannot make the CA"; exit 1; }
lab_start_kamailio || { echo "Bail out! kamailio did not start"; exit 1; }
fl_relay_start "$ZL_LOSS" 20 40 11 || { echo "Bail out! relay did not start"; exit 1; }

KAM_TLS_PORT=$PROXY_PORT cs_conf "$WORK/alice.conf" alice media_encryption=zrtp
cs_conf "$WORK/bob.conf" bob media_encryption=zrtp
cs_start alice 7 "$WORK/alice.conf" --audio-in "$SIG" --audio-out "$WORK/alice-heard.wav"
cs_start bob 8 "$WORK/bob.conf" --audio-in "$SIG" --audio-out "$WORK/bob-heard.wav" --auto-answer
cs_wait alice registered 15 && cs_wait bob registered 15; ok $? "both registered (alice through the lossy relay)"

# ev WHO EVENT N: the events EVENT of call N
ev() { grep "^{\"event\":\"$2\",\"call\":$3," "$WORK/$1.events"; }
field() { python3 -c 'import json, sys; print(json.loads(sys.stdin.readline()).get(sys.argv[1], ""))' "$1"; }
secure() { ev "$1" security "$2" | grep -q '"zrtp":"secure"'; }
done_call() { { secure alice "$1" && secure bob "$1"; } || ev alice ended "$1" | grep -q .; }

n=0 completed=0 failed=0
while [ $n -lt "$ZL_CALLS" ]; do
	n=$((n + 1))
	cs_cmd alice "call bob"
	cs_wait alice established 15 "\"call\":$n,"; ok $? "call $n: established"
	t0=$(date +%s)
	WAIT_SECS=16 wait_for done_call "$n"
	t=$(($(date +%s) - t0))
	if secure alice "$n" && secure bob "$n"; then
		completed=$((completed + 1))
		sa=$(ev alice security "$n" | grep '"zrtp":"secure"' | head -n 1 | field sas)
		sb=$(ev bob security "$n" | grep '"zrtp":"secure"' | head -n 1 | field sas)
		[ -n "$sa" ] && [ "$sa" = "$sb" ]; ok $? "call $n: ZRTP completed on both in ${t} s, the same SAS ('$sa' / '$sb')"
		sleep 2
		cs_verify alice
		cs_verify bob
		cs_cmd alice hangup
	else
		failed=$((failed + 1))
		r=$(ev alice ended "$n" | head -n 1 | field reason)
		[ -n "$r" ] && [ "$t" -le 14 ] && echo "$r" | grep -q "ZRTP"
		ok $? "call $n: ZRTP did not complete; the call ended after ${t} s with the reason: $r"
	fi
	cs_wait alice ended 20 "\"call\":$n," && cs_wait bob ended 20 "\"call\":$n,"; ok $? "call $n: ended on both"
	for who in alice bob; do
		bad=$(ev "$who" security "$n" | field plaintext_sent | grep -v '^0$' | head -n 1)
		held=$(ev "$who" established "$n" | field media)
		[ -z "$bad" ] && echo "$held" | grep -q "^held"
		ok $? "call $n: $who started held and sent no plaintext RTP (plaintext_sent 0 in every report)"
	done
done
diag "$completed of $ZL_CALLS calls completed ZRTP, $failed ended within the bound"
rm -f "$WORK/relay.json"
kill -USR2 "$RELAY_PID"
WAIT_SECS=20 wait_for test -s "$WORK/relay.json"
diag "relay: $(cat "$WORK/relay.json")"
"$PYTHON" -c '
import json, sys
s = json.load(open(sys.argv[1]))
d = [s.get(k, {}) for k in ("phone_to_far", "far_to_phone")]
sys.exit(0 if all(x.get("dropped", 0) > 0 and x.get("reordered", 0) > 0 for x in d) and
         sum(x.get("zrtp_dropped", 0) for x in d) > 0 else 1)' "$WORK/relay.json"
ok $? "the relay dropped and reordered packets both ways, ZRTP messages among the dropped"
cs_quit alice
[ "$CS_RC" = 0 ]; ok $? "alice exits cleanly"
cs_quit bob
[ "$CS_RC" = 0 ]; ok $? "bob exits cleanly"
lab_stop_pid "$RELAY_PID"
[ "$TAP_FAILED" = 0 ] || { cs_diag alice; cs_diag bob; }
done_testing
