#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# call_sphones.sh: two sphones through Kamailio (TLS, record-route): call, both show the same short
# authentication string (SAS), two calls at once with switching, hang up; the wire shows no readable SIP.
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/call_lib.sh"
lab_require kamailio baresip dumpcap tshark python3

SIG=$WORK/signal.wav
lab_make_wav "$SIG" 30 || { echo "Bail out! no test signal"; exit 1; }
lab_make_ca "$WORK/ca" || { echo "Bail out! cannot make the CA"; exit 1; }
lab_start_kamailio || { echo "Bail out! kamailio did not start"; exit 1; }
lab_capture_start sph "tcp port $KAM_TLS_PORT" || { echo "Bail out! no capture"; exit 1; }

# alice's first account is connected to Kamailio but never registers (no such user): a call goes out
# on the first *registered* account, and what is dialled is resolved as the dial line does ([contacts])
cs_conf "$WORK/alice-lab.conf" alice
{
	echo "[account spare]"
	echo "uri = sips:nobody@sip.test"
	echo "password = \"wrong\""
	echo "proxy = sips:127.0.0.1:$KAM_TLS_PORT;transport=tls"
	echo "ca_file = $LAB_CA/ca.pem"
	sed -n '/^\[account lab\]/,$p' "$WORK/alice-lab.conf"
	echo "[contacts]"
	echo "Robert = bob"
} >"$WORK/alice.conf"
chmod 600 "$WORK/alice.conf"
cs_conf "$WORK/bob.conf" bob
cs_start alice 7 "$WORK/alice.conf" --audio-in "$SIG"
cs_start bob 8 "$WORK/bob.conf" --audio-out "$WORK/bob-heard.wav"
cs_wait alice registered 15 && cs_wait bob registered 15; ok $? "both sphones registered"
cs_wait alice registration_failed 20 '"account":"spare"'; ok $? "alice's first account is refused (connected, not registered)"
cs_cmd alice "call Robert"
cs_wait bob incoming 20 '"peer":"sips:alice@sip.test"'
ok $? "bob: incoming from alice's registered account (a contact's name dials its address, in that account's domain)"
cs_wait alice ringing 20 '"account":"lab"'; ok $? "alice: ringing (180 relayed), on account lab"
cs_cmd bob answer
cs_wait alice established 20 && cs_wait bob established 20; ok $? "established on both"
sa=$(cs_field alice established sas); sb=$(cs_field bob established sas)
echo "$sa" | grep -q '^[0-9][0-9][0-9] [0-9][0-9][0-9]$'; ok $? "SAS shown as six digits ('$sa')"
[ "$sa" = "$sb" ]; ok $? "both ends show the same SAS ('$sa' / '$sb'): Kamailio forwards the keys, no relay re-keys openly"
[ "$(cs_field alice security sas_method)" = "SDES key hash, 6 digits, no commitment" ] &&
	cs_field bob security sas_note | grep -q "controls the signalling can pick keys"
ok $? "the security event says what the SAS is and what it cannot rule out"
[ "$(cs_field alice security tls_verified)" = true ] && [ "$(cs_field bob security tls_verified)" = true ]
ok $? "each hop's TLS verified"
sleep 3
# a second call at once: carol (baresip, auto-answer) -- alice's first call goes on hold
lab_start_baresip carol carol "$LAB_PW_carol" || diag "carol did not register"
cs_cmd alice "call carol"
cs_wait alice established 20 '"peer":"sips:carol@sip.test"'; ok $? "second call established (call waiting)"
cs_wait alice hold 20 '"on":true'; ok $? "the first call was put on hold"
cs_wait bob hold 20 '"on":true'; ok $? "... and bob was told (re-INVITE sendonly)"
cs_cmd alice switch
cs_wait bob hold 20 '"on":false'; ok $? "switch: bob's call resumed"
WAIT_SECS=20 wait_for sh -c "[ \$(grep -c '\"event\":\"hold\",\"call\":2.*\"on\":true' '$WORK/alice.events') -ge 1 ]"
ok $? "switch: the carol call is now on hold"
cs_cmd alice status
cs_wait alice call 20; ok $? "status lists the calls"
cs_cmd alice "hangup 2"
cs_wait alice ended 20 '"call":2'; ok $? "hangup 2 ends the carol call"
sleep 2
cs_cmd bob hangup
cs_wait alice ended 20 '"call":1'; ok $? "bob hangs up; alice's call ends"
[ "$(grep '"event":"ended","call":1' "$WORK/alice.events" | head -n 1 | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["by"])')" = remote ]
ok $? "... reported as the far end's hang-up"
cs_quit alice
cs_quit bob
lab_stop_baresip carol
lab_capture_stop
n=$(wire_tls_records "$LAB_PCAP" "$KAM_TLS_PORT")
[ "$n" -gt 10 ]; ok $? "TLS records on the signalling port ($n)"
! wire_has_plain_sip "$LAB_PCAP" "$KAM_TLS_PORT"; ok $? "no readable SIP on the TLS port"
[ "$TAP_FAILED" = 0 ] || { cs_diag alice; cs_diag bob; }
done_testing
