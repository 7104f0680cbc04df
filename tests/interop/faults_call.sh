#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# faults_call.sh: a call that loses its signalling connection, against the lab's Kamailio and baresip:
#   2. Kamailio SIGKILLed and restarted during an sphone<->baresip SRTP call: the media goes on (counters grow,
#      audio still matches both ways), registration comes back, hanging up afterwards works.
#   3. sphone's TLS connection to Kamailio reset mid-call (ss -K on sphone's socket): the same.
# Each: the same sphone still answers `status`; everything started is stopped by PID.
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/call_lib.sh"
. "$top_srcdir/tests/interop/faults_lib.sh"
lab_require kamailio baresip python3 sox ss

SIG=$WORK/signal90.wav
lab_make_wav "$SIG" 90 || { echo "Bail out! no test signal"; exit 1; }
lab_make_ca "$WORK/ca" || { echo "Bail out! cannot make the CA"; exit 1; }
lab_start_kamailio || { echo "Bail out! kamailio did not start"; exit 1; }
# --- 2 and 3: a call that loses its signalling connection ------------------------------------------
# fl_call_fault N NAME FD HOW: an sphone<->baresip SRTP call, then the fault HOW (kam_crash: Kamailio
# SIGKILLed, 2 s down, restarted; tls_reset: sphone's own TLS connection to Kamailio destroyed with
# ss -K, which sends the peer a RST); then: media keeps flowing both ways and the audio still matches,
# sphone registers again, and a hangup ends the call (BYE through the new flow, or locally with a reason).
fl_call_fault() {
	local n=$1 name=$2 fd=$3 how=$4 bs0 ended0 p0 p1 p2 u0 u1 u2 nreg lport rec before_bye res reason by t0 t1 t2
	cs_conf "$WORK/$name.conf" alice
	cs_start "$name" "$fd" "$WORK/$name.conf" --audio-in "$SIG" --audio-out "$WORK/$name-heard.wav"
	cs_wait "$name" registered 15; ok $? "$n: registered"
	cs_cmd "$name" "call sip:bob@sip.test"
	cs_wait "$name" established 15; ok $? "$n: call to baresip established"
	[ "$(cs_field "$name" established srtp)" = true ]; ok $? "$n: with SRTP"
	sleep 4
	p0=$(fl_ctr "$name" packets_protected) u0=$(cs_field "$name" security packets_unprotected)
	nreg=$(cs_count "$name" registered)
	t0=$(fl_now)
	case $how in
	kam_crash)
		fl_kam_crash
		sleep 2
		lab_start_kamailio "$KAM_CERT" "$KAM_KEY" || echo "Bail out! kamailio did not come back"
		;;
	tls_reset)
		lport=$(fl_sphone_conn "$name" "$KAM_TLS_PORT")
		[ -n "$lport" ]; ok $? "$n: sphone's TLS connection found (local port $lport)"
		ss -K -t state established "( sport = :$lport and dport = :$KAM_TLS_PORT )" >/dev/null 2>&1
		WAIT_SECS=20 wait_for sh -c "[ -z \"\$(ss -tnH state established '( sport = :$lport and dport = :$KAM_TLS_PORT )')\" ]"
		ok $? "$n: ss -K destroyed it"
		WAIT_SECS=20 wait_for grep -q "flow .* lost: connection to .* lost: " "$WORK/$name.log"
		ok $? "$n: the log says the connection was lost ($(grep -o 'lost: connection to .*' "$WORK/$name.log" | tail -n 1))"
		;;
	esac
	WAIT_SECS=40 wait_for sh -c "[ \$(grep -c '^{\"event\":\"registered\"' '$WORK/$name.events') -gt $nreg ]"
	ok $? "$n: registered again ($(grep '^{"event":"registering"' "$WORK/$name.events" | tail -n 1 | grep -o '"cause":"[^"]*"'))"
	t1=$(fl_now)
	diag "$n: registered again $(fl_ms "$t0" "$t1") ms after the fault"
	if [ "$FL_SURVIVES" = 1 ]; then
		cs_wait "$name" warning 20 "the call goes on"; ok $? "$n: the loss is reported, the call goes on"
		# one verify gives both counters (fl_ctr asks for a fresh report, cs_field reads it again)
		p1=$(fl_ctr "$name" packets_protected) u1=$(cs_field "$name" security packets_unprotected)
		t1=$(fl_now)
		sleep 3
		p2=$(fl_ctr "$name" packets_protected) u2=$(cs_field "$name" security packets_unprotected)
		t2=$(fl_now)
		diag "$n: SRTP packets sent $p0 -> $p1 -> $p2, received $u0 -> $u1 -> $u2; the last step in $(fl_ms "$t1" "$t2") ms"
		[ "$(cs_count "$name" ended)" = 0 ]; ok $? "$n: the call is still up after the fault"
		# 50 packets/s each way at 20 ms; at least 20/s over the interval (media stopped: 0; a loaded
		# machine, load average 20 on 2 cores, measured 33/s)
		[ $(((${p2:-0} - ${p1:-0}) * 1000)) -ge $(($(fl_ms "$t1" "$t2") * 20)) ] &&
			[ $(((${u2:-0} - ${u1:-0}) * 1000)) -ge $(($(fl_ms "$t1" "$t2") * 20)) ]
		ok $? "$n: media keeps flowing both ways after the fault (+$((${p2:-0} - ${p1:-0})) sent, +$((${u2:-0} - ${u1:-0})) received in $(fl_ms "$t1" "$t2") ms)"
	else
		for w in "the loss is reported, the call goes on" "the call is still up after the fault" \
			"media keeps flowing both ways after the fault"; do
			ok 0 "# SKIP $n: $w: waiting for call2 (calls surviving a lost signalling connection)"
		done
	fi
	fl_status_ok "$name"; ok $? "$n: sphone answers status"
	before_bye=$(lab_kam_count BYE alice)
	bs0=$(grep -c -a "session closed\|terminated" "$BS_bob_LOG")
	ended0=$(cs_count "$name" ended)
	cs_cmd "$name" hangup
	if [ "$FL_SURVIVES" = 1 ]; then
		WAIT_SECS=40 wait_for sh -c "[ \$(grep -c '^{\"event\":\"ended\"' '$WORK/$name.events') -gt $ended0 ]"
		ok $? "$n: hangup ends the call"
		reason=$(cs_field "$name" ended reason) by=$(cs_field "$name" ended by)
		if WAIT_SECS=20 wait_for sh -c "[ \$(grep -c -a 'session closed\|terminated' '$BS_bob_LOG') -gt $bs0 ]"; then
			ok 0 "$n: BYE reached baresip (ended by=$by status=$(cs_field "$name" ended status) reason='$reason'; BYEs at Kamailio: $(($(lab_kam_count BYE alice) - before_bye)))"
		else
			[ "$by" = local ] && [ -n "$reason" ]
			ok $? "$n: BYE did not reach baresip; the call ended locally with a reason (by=$by status=$(cs_field "$name" ended status) reason='$reason'; BYEs at Kamailio: $(($(lab_kam_count BYE alice) - before_bye)))"
			# and sphone says so: the far end may still think the call is up
			cs_wait "$name" warning 35 "may not know the call is over"
			ok $? "$n: the failed BYE is reported ($(grep '^{"event":"warning"' "$WORK/$name.events" | grep -o '"message":"the BYE[^"]*"' | tail -n 1))"
			baresip_cmd "$BS_bob_CTRL" "hangup" >/dev/null
		fi
	else
		ok 0 "# SKIP $n: hangup after the fault: waiting for call2 (the call ended with the connection)"
		ok 0 "# SKIP $n: BYE after the fault: waiting for call2"
		baresip_cmd "$BS_bob_CTRL" "hangup" >/dev/null
	fi
	sleep 0.5
	cs_quit "$name"
	[ "$CS_RC" = 0 ]; ok $? "$n: clean exit"
	if [ "$FL_SURVIVES" = 1 ]; then
		# the last seconds of the call, after the fault, each way
		rec=$(ls -t "$BS_bob_REC"/dump-*-dec.wav 2>/dev/null | head -n 1)
		fl_audio_after "$n" "baresip -> sphone" "$WORK/$name-heard.wav" "$WORK/$name-a"
		fl_audio_after "$n" "sphone -> baresip" "$rec" "$WORK/$name-b"
	else
		ok 0 "# SKIP $n: audio after the fault, baresip -> sphone: waiting for call2"
		ok 0 "# SKIP $n: audio after the fault, sphone -> baresip: waiting for call2"
	fi
	[ "$TAP_FAILED" = 0 ] || cs_diag "$name"
}

# fl_audio_after N WHAT HEARD PREFIX: the last 3 s of HEARD (after the fault) must match the signal,
# corr >= 0.9. On a machine so loaded that even the first 3 s of the call (before the fault) fall short,
# the fault is not to blame: then the part after it must do no worse than 0.2 below the part before, and
# at least 0.4 (load average 20: 0.65 before, 0.54 after, in one run; silence or a wrong signal: < 0.3).
fl_audio_after() {
	local n=$1 what=$2 heard=$3 pre=$4 res0 res1 c0 c1
	cs_wavcut "$heard" "$pre-after.wav" -3.5 3
	res1=$("$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG" "$pre-after.wav" --min-corr 0.9 --min-seconds 2 --max-lag 60)
	if [ $? = 0 ]; then
		ok 0 "$n: after the fault, audio $what matches ($res1)"
		return
	fi
	cs_wavcut "$heard" "$pre-before.wav" 0.5 3
	res0=$("$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG" "$pre-before.wav" --min-corr 0.9 --min-seconds 2 --max-lag 5)
	c0=$(echo "$res0" | sed -n 's/^corr=\([0-9.]*\).*/\1/p')
	c1=$(echo "$res1" | sed -n 's/^corr=\([0-9.]*\).*/\1/p')
	diag "$n: $what before the fault: $res0"
	awk -v a="${c0:-0}" -v b="${c1:-0}" 'BEGIN { exit !(a < 0.9 && b >= a - 0.2 && b >= 0.4) }'
	ok $? "$n: after the fault, audio $what matches: $c1 (< 0.9, but the call's start before the fault got only $c0 on this loaded machine; silence or a wrong signal give < 0.3) ($res1)"
}

# Calls survive a lost signalling connection (call.c since b0088ed). FL_SURVIVES=0 runs only the other
# assertions, for bisecting older builds.
FL_SURVIVES=${FL_SURVIVES:-1}

lab_start_baresip bob bob "$LAB_PW_bob" wav="$SIG" || { echo "Bail out! baresip did not register"; exit 1; }
fl_call_fault 2 crash 4 kam_crash
# baresip lost its connection too: start it again so case 3 starts from a clean state
lab_stop_baresip bob
lab_start_baresip bob bob "$LAB_PW_bob" wav="$SIG" || { echo "Bail out! baresip did not register"; exit 1; }
if fl_ss_kill_works; then
	fl_call_fault 3 reset 4 tls_reset
else
	ok 0 "# SKIP 3: ss -K cannot destroy sockets here (kernel without INET_DIAG_DESTROY, or no CAP_NET_ADMIN)"
fi
lab_stop_baresip bob
done_testing
