#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# transfer.sh: blind transfer between three sphones through Kamailio (TLS): alice calls bob, bob transfers
# alice to carol (REFER, Referred-By, NOTIFY sipfrag); alice and carol end up in an SRTP call with the
# signal heard both ways, both first calls end as transferred. Before that, a transfer to a sip: target
# out of this sips: call is refused by alice (403) and bob's call resumes. Then attended: alice calls bob and
# carol, and asks bob to replace her call with carol (Refer-To with Replaces): bob's INVITE with Replaces
# reaches carol, who answers it at once and ends her call with alice; SRTP flows between bob and carol.
# Carol has accept_transfer = no: a blind transfer of her consultation call is refused (603) and goes on.
# The wire shows no readable SIP.
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/call_lib.sh"
lab_require kamailio dumpcap tshark python3

SIG=$WORK/signal.wav
lab_make_wav "$SIG" 60 || { echo "Bail out! no test signal"; exit 1; }
lab_make_ca "$WORK/ca" || { echo "Bail out! cannot make the CA"; exit 1; }
lab_start_kamailio || { echo "Bail out! kamailio did not start"; exit 1; }
lab_capture_start xfer "tcp port $KAM_TLS_PORT or udp" || { echo "Bail out! no capture"; exit 1; }

cs_conf "$WORK/alice.conf" alice
cs_conf "$WORK/bob.conf" bob
# carol takes no transfers (accept_transfer = no): alice's try to move her consultation call is refused
cs_conf "$WORK/carol.conf" carol accept_transfer=no
cs_start alice 7 "$WORK/alice.conf" --audio-in "$SIG" --audio-out "$WORK/alice-heard.wav"
# bob sends another stretch of the signal (from its 20th second): what carol hears from him is his
cs_wavcut "$SIG" "$WORK/signal-b.wav" 20 40
cs_start bob 8 "$WORK/bob.conf" --audio-in "$WORK/signal-b.wav" --audio-out "$WORK/bob-heard.wav"
cs_start carol 9 "$WORK/carol.conf" --audio-in "$SIG" --audio-out "$WORK/carol-heard.wav" --auto-answer
cs_wait alice registered 15 && cs_wait bob registered 15 && cs_wait carol registered 15
ok $? "three sphones registered"

cs_cmd alice "call bob"
cs_wait bob incoming 20 && cs_cmd bob answer
cs_wait alice established 20 && cs_wait bob established 20; ok $? "alice -> bob established"

# a target that would take this sips: call out of TLS end to end: alice refuses, bob's call goes on
cs_cmd bob "transfer sip:carol@sip.test"
cs_wait bob transfer 20 '"state":"failed"'; ok $? "transfer to sip: (not sips:) fails"
[ "$(cs_field bob transfer status)" = 403 ]; ok $? "... alice answered the REFER 403 ($(cs_field bob transfer reason))"
cs_wait alice warning 20 'weaken this call'; ok $? "... and warned her user ($(cs_field alice warning message))"
cs_wait bob hold 20 '"on":false'; ok $? "... bob's call was resumed"
[ "$(cs_count carol incoming)" = 0 ]; ok $? "... and carol was never called"

# the transfer: bob sends alice to carol
cs_cmd bob "transfer 1 carol"
cs_wait bob transfer 20 '"state":"accepted"'; ok $? "bob: REFER accepted (202)"
cs_wait alice transfer 20 '"state":"trying"'; ok $? "alice: asked to call carol ($(grep '"event":"transfer"' "$WORK/alice.events" | tail -n 1))"
[ "$(cs_field alice transfer by)" = "sips:bob@sip.test" ] && [ "$(cs_field alice transfer target)" = "sips:carol@sip.test" ]
ok $? "alice's event says by whom (bob) and to whom (carol)"
cs_wait carol incoming 20 '"peer":"sips:alice@sip.test"'; ok $? "carol: incoming from alice"
cs_wait alice established 20 '"call":2' && cs_wait carol established 20; ok $? "alice <-> carol established"
cs_wait bob transfer 20 '"state":"succeeded"'; ok $? "bob: NOTIFY 200 says the transfer succeeded"
cs_wait bob ended 20 'transferred to sips:carol@sip.test'; ok $? "bob's call ended as transferred"
cs_wait alice ended 20 '"call":1'; ok $? "alice's first call ended ($(grep '"event":"ended","call":1' "$WORK/alice.events" | head -n 1))"
grep '"event":"ended","call":1' "$WORK/alice.events" | grep -q "transferred to sips:carol@sip.test"
ok $? "... as transferred"
[ "$(grep '"event":"established","call":2' "$WORK/alice.events" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["srtp"])')" = True ] &&
	[ "$(cs_field carol established srtp)" = true ]
ok $? "the new call is SRTP on both ends"
sleep 5
cs_cmd alice "verify 2"
cs_wait alice security 20 '"call":2,' >/dev/null
[ "$(cs_field alice security plaintext_sent)" = 0 ] && [ "$(cs_field alice security plaintext_received)" = 0 ] &&
	[ "$(cs_field alice security auth_failures)" = 0 ] && [ "$(cs_field alice security packets_unprotected)" -gt 100 ]
ok $? "alice's new call: $(cs_field alice security packets_unprotected) SRTP packets taken, no plaintext, no auth failure"
cs_cmd alice hangup
cs_wait carol ended 20 && cs_wait alice ended 20 '"call":2'; ok $? "alice hangs up, carol's call ends"
cp "$WORK/alice-heard.wav" "$WORK/alice-heard-1.wav" && cp "$WORK/carol-heard.wav" "$WORK/carol-heard-1.wav"

# attended: alice consults carol, then asks bob to replace her call with carol
cs_cmd alice "call bob"
cs_wait bob incoming 20 '"call":2,' && cs_cmd bob answer
cs_wait alice established 20 '"call":3,'; ok $? "attended: alice -> bob (call 3)"
cs_cmd alice "call carol"
cs_wait alice established 20 '"call":4,'; ok $? "attended: alice -> carol (call 4, the consultation)"
resumed4() { [ "$(grep '^{"event":"hold","call":4,' "$WORK/alice.events" | grep -c '"on":false')" -gt "$1" ]; }
n4=$(grep '^{"event":"hold","call":4,' "$WORK/alice.events" | grep -c '"on":false')
cs_cmd alice "transfer 4 sips:bob@sip.test"
cs_wait alice transfer 20 '"status":603'; ok $? "accept_transfer = no: alice's transfer of carol fails, carol answered 603 ($(cs_field alice transfer reason))"
cs_wait carol transfer 20 '"state":"refused"'; ok $? "... and told her user ($(grep '"event":"transfer"' "$WORK/carol.events" | tail -n 1))"
WAIT_SECS=20 wait_for resumed4 "$n4"; ok $? "... alice's call with carol was resumed"
[ "$(cs_count bob incoming)" = 2 ]; ok $? "... and bob was not called by carol"
cs_cmd alice "transfer 3 4"
cs_wait alice transfer 20 '"state":"requested_attended"'; ok $? "attended: REFER with Replaces sent"
cs_wait carol established 20 '"call":3,'; ok $? "attended: carol took bob's INVITE with Replaces"
cs_wait carol ended 20 '"call":2,'; ok $? "attended: carol's call with alice ended: $(grep '^{"event":"ended","call":2,' "$WORK/carol.events" | head -n 1)"
grep '^{"event":"ended","call":2,' "$WORK/carol.events" | grep -q 'replaced by call 3'; ok $? "... as replaced"
cs_wait alice transfer 20 '"state":"succeeded"'; ok $? "attended: bob's NOTIFY 200 told alice"
cs_wait alice ended 20 '"call":3,' && cs_wait alice ended 20 '"call":4,'; ok $? "attended: both of alice's calls ended"
cs_wait bob established 20 '"call":3,' && [ "$(grep '^{"event":"established","call":3,' "$WORK/bob.events" | grep -c '"srtp":true')" = 1 ]
ok $? "attended: bob <-> carol established with SRTP"
sleep 5
# media of the replacement both ways, by the counters here (the waveforms are compared at the end)
cs_cmd bob "verify 3"
cs_cmd carol "verify 3"
cs_wait bob security 20 '"call":3,' >/dev/null && cs_wait carol security 20 '"call":3,' >/dev/null
for who in bob carol; do
	[ "$(cs_field $who security plaintext_sent)" = 0 ] && [ "$(cs_field $who security plaintext_received)" = 0 ] &&
		[ "$(cs_field $who security auth_failures)" = 0 ] && [ "$(cs_field $who security packets_unprotected)" -gt 100 ]
	ok $? "attended: $who took $(cs_field $who security packets_unprotected) SRTP packets of the new call, no plaintext, no auth failure"
done
cs_cmd bob hangup
cs_wait carol ended 20 '"call":3,'; ok $? "attended: bob hangs up, carol's call ends"

# what the proxy saw (sipdump, decrypted): the REFER, the NOTIFYs, the new INVITE's Referred-By
dump=$(cat "$KAM_DIR"/sipdump/*.data 2>/dev/null)
echo "$dump" | grep -q '^Refer-To: <sips:carol@sip.test>' && echo "$dump" | grep -q '^Referred-By: <sips:bob@sip.test>'
ok $? "the REFER carried Refer-To and Referred-By"
echo "$dump" | grep -q '^SIP/2.0 100 Trying' && echo "$dump" | grep -q '^Subscription-State: terminated;reason=noresource'
ok $? "alice's NOTIFYs carried sipfrag 100 then a final one, ending the subscription"
CALLID2=$(echo "$dump" | "$PYTHON" -c '
import sys
for msg in sys.stdin.read().split("===================="):
    if "INVITE sips:carol@" in msg and "Referred-By: <sips:bob@sip.test>" in msg:
        for line in msg.splitlines():
            if line.lower().startswith("call-id:"):
                print(line.split(":", 1)[1].strip()); sys.exit(0)
sys.exit(1)')
ok $? "the INVITE to carol carried Referred-By: <sips:bob@sip.test> (Call-ID $CALLID2)"

cs_quit carol
cs_quit bob
cs_quit alice
[ "$CS_RC" = 0 ]; ok $? "alice exits cleanly"

# audio of the new call, both ways: carol heard alice's signal, alice (at the end) heard carol's
PLAYED="--block 0.2 --max-jump 2.5"
cs_wavcut "$WORK/carol-heard-1.wav" "$WORK/carol-1.wav" 1 5
res=$("$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG" "$WORK/carol-1.wav" --min-corr 0.9 --min-seconds 3 --max-lag 5 $PLAYED)
ok $? "carol heard alice's signal ($res)"
cs_wavcut "$WORK/alice-heard-1.wav" "$WORK/alice-2.wav" -6 5
# where in her file carol's input is by the end of the call depends on how long the steps before took
# (seconds more on a loaded machine): the lag is searched over the whole signal
res=$("$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG" "$WORK/alice-2.wav" --min-corr 0.9 --min-seconds 3 --max-lag 60 $PLAYED)
ok $? "alice heard carol's signal ($res)"
# the attended replacement, both ways, at its end: carol heard bob's stretch, bob heard carol's signal
cs_wavcut "$WORK/carol-heard.wav" "$WORK/carol-3.wav" -6 5
res=$("$PYTHON" "$LAB_SRC/wavcmp.py" "$WORK/signal-b.wav" "$WORK/carol-3.wav" --min-corr 0.9 --min-seconds 3 --max-lag 60 $PLAYED)
ok $? "attended: carol heard bob's signal ($res)"
cs_wavcut "$WORK/bob-heard.wav" "$WORK/bob-3.wav" -6 5
res=$("$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG" "$WORK/bob-3.wav" --min-corr 0.9 --min-seconds 3 --max-lag 60 $PLAYED)
ok $? "attended: bob heard carol's signal ($res)"

lab_capture_stop
n=$(wire_tls_records "$LAB_PCAP" "$KAM_TLS_PORT")
[ "$n" -gt 10 ] && ! wire_has_plain_sip "$LAB_PCAP" "$KAM_TLS_PORT"; ok $? "TLS records ($n) and no readable SIP on the TLS port"
ports=$(lab_kam_media_ports "$CALLID2")
e=$(rtp_payload_entropy "$LAB_PCAP" "$ports" "$WORK/srtp-as-pcmu.wav")
ok $? "RTP of the new call found (ports $ports)"
lab_float_ge "$e" 7.9; ok $? "its payload entropy $e bits/byte >= 7.9 (SRTP)"
! "$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG" "$WORK/srtp-as-pcmu.wav" --quiet >/dev/null
ok $? "the payloads decoded as PCMU are not the test signal"
[ "$TAP_FAILED" = 0 ] || { cs_diag alice; cs_diag bob; cs_diag carol; }
done_testing
