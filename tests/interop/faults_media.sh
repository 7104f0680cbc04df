#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# faults_media.sh: faults on the media path of an sphone<->baresip SRTP call through the lab's Kamailio:
#   6. loss, delay and reordering: sphone's signalling goes through faults_relay.py (a TLS proxy in front
#      of Kamailio that rewrites the SDP both ways), so the RTP of the call runs through its UDP relay,
#      which drops FL_LOSS of the packets each way and delays each by FL_DELAY + 0..FL_JITTER ms (so
#      packets overtake each other). Audio must keep flowing and still match; the loss shows in the
#      counters of `verify`/`status`.
#   4. the far end vanishes without a BYE (baresip SIGKILLed mid-call): the RTP/RTCP inactivity timeout
#      ends the call, with a reason in the `ended` event.
# Each: the same sphone still answers `status`; everything started is stopped by PID.
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/call_lib.sh"
. "$top_srcdir/tests/interop/faults_lib.sh"
lab_require kamailio baresip python3 sox

FL_LOSS=${FL_LOSS:-0.05}
FL_DELAY=${FL_DELAY:-20}
FL_JITTER=${FL_JITTER:-40}
# Threshold: without impairment the match is 1.000 (38 dB); with 5% loss, 20-60 ms delay and reordering it
# measured 0.93-0.97 each way on a quiet machine (each lost 20 ms frame is concealed, so about one 0.5 s
# block in two holds a concealed frame) and 0.83-0.85 (baresip -> sphone) with load average 15-20 on the
# 2 cores. 0.7 leaves room for that and still fails a silent, wrong or slipping signal (those give < 0.3).
FL_MIN_CORR=${FL_MIN_CORR:-0.7}

SIG=$WORK/signal60.wav
lab_make_wav "$SIG" 60 || { echo "Bail out! no test signal"; exit 1; }
lab_make_ca "$WORK/ca" || { echo "Bail out! cannot make the CA"; exit 1; }
lab_start_kamailio || { echo "Bail out! kamailio did not start"; exit 1; }
lab_start_baresip bob bob "$LAB_PW_bob" wav="$SIG" || { echo "Bail out! baresip did not register"; exit 1; }

# --- 6. loss, delay and reordering on the media path ---------------------------------------------
fl_relay_start "$FL_LOSS" "$FL_DELAY" "$FL_JITTER" 7 || echo "Bail out! relay did not start"
KAM_TLS_PORT=$PROXY_PORT cs_conf "$WORK/imp.conf" alice
cs_start imp 5 "$WORK/imp.conf" --audio-in "$SIG" --audio-out "$WORK/imp-heard.wav"
cs_wait imp registered 15; ok $? "6: registered through the proxy"
cs_cmd imp "call sip:bob@sip.test"
cs_wait imp established 15; ok $? "6: call to baresip established"
[ "$(cs_field imp established srtp)" = true ]; ok $? "6: with SRTP"
sleep 12
rm -f "$WORK/relay.json"
kill -USR2 "$RELAY_PID"
WAIT_SECS=20 wait_for test -s "$WORK/relay.json"
stats=$(cat "$WORK/relay.json")
diag "6: relay: $stats"
rx=$(fl_ctr imp rtp_received) tx=$(fl_ctr imp rtp_sent)
ra=$(cs_field imp security remote_media)
for k in packets_unprotected auth_failures replay_failures rtp_lost jb_lost jb_late concealed jitter_ms; do
	eval "v_$k=\$(cs_field imp security $k)"
done
diag "6: sphone verify: rtp_sent=$tx rtp_received=$rx remote_media=$ra lost=$v_rtp_lost jb_lost=$v_jb_lost late=$v_jb_late concealed=$v_concealed jitter=$v_jitter_ms ms"
echo "$stats" | "$PYTHON" -c '
import json, sys
s = json.load(sys.stdin)
ok = all(s.get(d, {}).get("seen", 0) > 400 and s[d]["dropped"] > 0 and s[d]["reordered"] > 0
         for d in ("phone_to_far", "far_to_phone"))
sys.exit(0 if ok and s["sdp_rewrites"] >= 2 else 1)'
ok $? "6: the call's RTP went through the relay both ways, with drops and reordering"
[ "$(cs_field imp security auth_failures)" = 0 ] && [ "$(cs_field imp security replay_failures)" = 0 ]
ok $? "6: no SRTP authentication or replay failures (reordered packets are not replays)"
cs_cmd imp status
cs_wait imp call 20; ok $? "6: status reports the call"
diag "6: status: $(grep '^{"event":"call"' "$WORK/imp.events" | tail -n 1)"
[ "${v_concealed:-0}" -gt 0 ]; ok $? "6: verify counts concealed frames ($v_concealed)"
[ "${v_jb_lost:-0}" -gt 0 ] && [ "${v_rtp_lost:-0}" -gt 0 ]; ok $? "6: verify counts lost packets (rtp_lost=$v_rtp_lost jb_lost=$v_jb_lost)"
[ "${v_jb_late:-x}" -ge 0 ] 2>/dev/null && [ "${v_jitter_ms:-x}" -ge 0 ] 2>/dev/null; ok $? "6: verify reports late packets and jitter (late=$v_jb_late jitter=$v_jitter_ms ms)"
fl_status_ok imp; ok $? "6: sphone answers status"
cs_cmd imp hangup
cs_wait imp ended 20; ok $? "6: hung up"
cs_quit imp
[ "$CS_RC" = 0 ]; ok $? "6: clean exit"
lab_stop_pid "$RELAY_PID"
sleep 0.5
rec=$(ls -t "$BS_bob_REC"/dump-*-dec.wav 2>/dev/null | head -n 1)
cs_wavcut "$WORK/imp-heard.wav" "$WORK/imp-a.wav" 1 10
cs_wavcut "$rec" "$WORK/imp-b.wav" 1 10
res=$("$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG" "$WORK/imp-a.wav" --min-corr "$FL_MIN_CORR" --min-seconds 8)
ok $? "6: impaired audio baresip -> sphone still matches, corr >= $FL_MIN_CORR ($res)"
res=$("$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG" "$WORK/imp-b.wav" --min-corr "$FL_MIN_CORR" --min-seconds 8)
ok $? "6: impaired audio sphone -> baresip still matches, corr >= $FL_MIN_CORR ($res)"
[ "$TAP_FAILED" = 0 ] || cs_diag imp

# --- 4. the far end vanishes without a BYE -----------------------------------------------------------
# The inactivity timeout (30 s by default) is shortened with the account's media_timeout.
cs_conf "$WORK/van.conf" alice media_timeout=4
cs_start van 6 "$WORK/van.conf" --audio-in "$SIG"
cs_wait van registered 15; ok $? "4: registered"
cs_cmd van "call sip:bob@sip.test"
cs_wait van established 15; ok $? "4: call to baresip established"
sleep 3
p0=$(fl_ctr van packets_unprotected)
[ "${p0:-0}" -gt 100 ]; ok $? "4: media from baresip before it vanishes ($p0 packets)"
t0=$(fl_now)
kill -KILL "$BS_bob_PID"
wait "$BS_bob_PID" 2>/dev/null
untrack_pid "$BS_bob_PID"
cs_wait van ended 20; ok $? "4: the call ended after baresip vanished"
t1=$(fl_now)
diag "4: ended $(fl_ms "$t0" "$t1") ms after the SIGKILL (media_timeout = 4)"
[ "$(fl_ms "$t0" "$t1")" -ge 3500 ] && [ "$(fl_ms "$t0" "$t1")" -le 10000 ]; ok $? "4: after the timeout, not before (3.5..10 s)"
r=$(cs_field van ended reason)
[ "$(cs_field van ended by)" = timeout ] && echo "$r" | grep -q 'no media from the far end'
ok $? "4: ended by the timeout, with the reason ($r, status $(cs_field van ended status))"
fl_status_ok van; ok $? "4: sphone answers status"
cs_quit van
[ "$CS_RC" = 0 ]; ok $? "4: clean exit"
[ "$TAP_FAILED" = 0 ] || cs_diag van
done_testing
