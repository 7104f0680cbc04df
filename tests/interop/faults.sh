#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# faults.sh: sphone under faults, against the lab's real Kamailio and baresip (loopback only):
#   1. Kamailio SIGKILLed while a REGISTER is in flight, restarted: the loss is reported, sphone registers again.
#   2, 3 (faults_call.sh): Kamailio SIGKILLed, or sphone's TLS connection reset, during a call.
#   4, 6 (faults_media.sh): the far end vanishes without a BYE; loss, delay and reordering on the media path.
#   5. a TCP peer that never speaks TLS: registration fails naming the handshake timeout.
# Every case: the same sphone process still answers `status`; everything started is stopped by PID.
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/call_lib.sh"
. "$top_srcdir/tests/interop/faults_lib.sh"
lab_require kamailio python3

lab_make_ca "$WORK/ca" || { echo "Bail out! cannot make the CA"; exit 1; }

# --- 5. a peer that accepts TCP and never speaks TLS --------------------------------------------
MUTE_PORT=$(free_port)
"$PYTHON" "$LAB_SRC/faults_relay.py" mute "$MUTE_PORT" >"$WORK/mute.out" 2>&1 &
MUTE_PID=$!
track_pid "$MUTE_PID"
WAIT_SECS=20 wait_for lab_port_listening "$MUTE_PORT"
KAM_TLS_PORT=$MUTE_PORT cs_conf "$WORK/mute.conf" alice
cs_start mute 6 "$WORK/mute.conf"
t0=$(fl_now)
cs_wait mute registration_failed 20; ok $? "5: mute TLS peer: registration_failed"
t1=$(fl_now)
r=$(cs_field mute registration_failed reason)
echo "$r" | grep -qi 'handshake.*timed out'; ok $? "5: the reason names the handshake timeout ($r)"
diag "5: registration_failed $(fl_ms "$t0" "$t1") ms after start; retry_in=$(cs_field mute registration_failed retry_in) s"
grep -q '^accepted' "$WORK/mute.out"; ok $? "5: the peer did accept the TCP connection"
fl_status_ok mute; ok $? "5: sphone still answers status"
cs_quit mute
[ "$CS_RC" = 0 ]; ok $? "5: clean exit"
lab_stop_pid "$MUTE_PID"

# --- 1. Kamailio killed while a REGISTER is in flight ----------------------------------------------
unset KAM_TLS_PORT
lab_start_kamailio || { echo "Bail out! kamailio did not start"; exit 1; }
cs_conf "$WORK/r.conf" alice expires=600
cs_start r 5 "$WORK/r.conf" --sip-trace
cs_wait r registered 15; ok $? "1: registered"
# unregister (answered), freeze Kamailio, register again: that REGISTER goes out and is never answered
cs_cmd r unregister
cs_wait r unregistered 20
fl_kam_freeze
s0=$(grep -c -a '^REGISTER sips\?:' "$WORK/r.log")
cs_cmd r register
WAIT_SECS=20 wait_for sh -c "[ \$(grep -c -a '^REGISTER sips\\?:' '$WORK/r.log') -gt $s0 ]"
sleep 0.5
s1=$(grep -c -a '^REGISTER sips\?:' "$WORK/r.log")
[ "$s1" -gt "$s0" ] && [ "$(cs_count r registered)" = 1 ]
ok $? "1: a REGISTER is in flight (sent to the frozen Kamailio, unanswered; $s0 -> $s1 sent)"
fl_kam_crash
t0=$(fl_now)
# the REGISTER was never answered: a failed attempt (reason, backoff), not an instant reconnect loop
cs_wait r registration_failed 15 "connection lost before the registrar answered"
ok $? "1: the loss is reported: registration_failed '$(grep '^{"event":"registration_failed"' "$WORK/r.events" | head -n 1 | sed 's/.*"reason":"\([^"]*\)".*/\1/')'"
sleep 2
lab_start_kamailio "$KAM_CERT" "$KAM_KEY" || echo "Bail out! kamailio did not come back"
WAIT_SECS=40 wait_for sh -c "[ \$(grep -c '^{\"event\":\"registered\"' '$WORK/r.events') -ge 2 ]"
ok $? "1: registered again after the restart"
t1=$(fl_now)
diag "1: registered again $(fl_ms "$t0" "$t1") ms after the SIGKILL (2 s of downtime)"
[ "$(lab_kam_replies REGISTER 200 alice)" -ge 2 ]; ok $? "1: the new Kamailio answered a REGISTER 200"
fl_status_ok r; ok $? "1: the same sphone still answers status"
cs_quit r
[ "$CS_RC" = 0 ]; ok $? "1: clean exit"
[ "$TAP_FAILED" = 0 ] || { cs_diag mute; cs_diag r; }

done_testing
