#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# zrtp_sphones.sh: two sphones with media_encryption = zrtp through Kamailio (TLS): ZRTP completes on the
# media path, both show the same SAS, audio both ways matches, and not one RTP/RTCP packet leaves a phone
# before it has ZRTP's keys (capture); both confirm the SAS (sas-verify), and the next call, the other way
# round, shows "verified" on both without reading it again. A call from the zrtp phone to one without ZRTP
# (plain RTP allowed there) ends within ZRTP's bound with the reason, and the zrtp phone sent no RTP at all.
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/call_lib.sh"
lab_require kamailio dumpcap tshark python3

SIG=$WORK/signal.wav
lab_make_wav "$SIG" 60 || { echo "Bail out! no test signal"; exit 1; }
lab_make_ca "$WORK/ca" || { echo "Bail out! cannot make the CA"; exit 1; }
lab_start_kamailio || { echo "Bail out! kamailio did not start"; exit 1; }
lab_capture_start zrtp "tcp port $KAM_TLS_PORT or udp" || { echo "Bail out! no capture"; exit 1; }

cs_conf "$WORK/alice.conf" alice media_encryption=zrtp
cs_conf "$WORK/bob.conf" bob media_encryption=zrtp
cs_start alice 7 "$WORK/alice.conf" --audio-in "$SIG" --audio-out "$WORK/alice-heard.wav"
cs_start bob 8 "$WORK/bob.conf" --audio-in "$SIG" --audio-out "$WORK/bob-heard.wav"
cs_conf "$WORK/carol.conf" carol media_encryption=none srtp_required=no
cs_start carol 9 "$WORK/carol.conf" --audio-in "$SIG" --audio-out "$WORK/carol-heard.wav"
cs_wait alice registered 15 && cs_wait bob registered 15; ok $? "both sphones registered"

# --- call 1: alice -> bob --------------------------------------------------------------------------
cs_cmd alice "call bob"
cs_wait bob incoming 20; ok $? "bob: incoming"
cs_cmd bob answer
cs_wait alice established 20 && cs_wait bob established 20; ok $? "established on both"
[ -z "$(cs_field alice established warning)" ] && cs_field alice established media | grep -q "nothing is sent until ZRTP"
ok $? "established: the media waits for ZRTP (no 'NOT encrypted' warning)"
cs_wait alice security 15 '"zrtp":"secure"' && cs_wait bob security 15 '"zrtp":"secure"'
ok $? "ZRTP secure on both sides (a security event each)"
sa=$(cs_field alice security sas); sb=$(cs_field bob security sas)
echo "$sa" | grep -q '^[a-z0-9]\{4\}$'; ok $? "the SAS is four base-32 characters ('$sa')"
[ "$sa" = "$sb" ]; ok $? "both phones show the same SAS ('$sa' / '$sb')"
[ "$(cs_field alice security sas_method)" = "ZRTP, B32: 4 characters, committed" ] &&
	[ "$(cs_field alice security key_exchange)" = ZRTP ] && [ "$(cs_field bob security key_exchange)" = ZRTP ]
ok $? "key exchange ZRTP, SAS method B32 with commitment"
[ "$(cs_field alice security zrtp_cache)" = new ] && [ "$(cs_field bob security zrtp_cache)" = new ]
ok $? "first call between these phones: cache state new"
[ "$(cs_field alice security zrtp_cipher)" = AES-256 ] && [ "$(cs_field alice security zrtp_key_agreement)" = X25519 ] &&
	[ "$(cs_field alice security zrtp_hash)" = SHA-256 ] && [ "$(cs_field alice security zrtp_peer)" = BZRTPv1.1 ]
ok $? "AES-256, X25519, SHA-256; the peer's ZRTP client named"
sleep 8
cs_cmd alice sas-verify
cs_cmd bob sas-verify
cs_wait alice security 20 '"sas_confirmed":"verified"' && cs_wait bob security 20 '"sas_confirmed":"verified"'
ok $? "sas-verify on both: stored, the security event says so"
cs_cmd alice verify
cs_wait alice security 20 '"rtp_received":' >/dev/null
[ "$(cs_field alice security plaintext_sent)" = 0 ] && [ "$(cs_field alice security plaintext_received)" = 0 ] &&
	[ "$(cs_field alice security auth_failures)" = 0 ] && [ "$(cs_field alice security packets_protected)" -gt 200 ]
ok $? "verify: $(cs_field alice security packets_protected) packets protected, no plaintext, no auth failure"
[ "$(grep -c '"event":"warning"' "$WORK/alice.events")" = 0 ] && [ "$(grep -c '"event":"warning"' "$WORK/bob.events")" = 0 ]
ok $? "no warning on either phone"
cs_cmd alice hangup
cs_wait bob ended 20 && cs_wait alice ended 20; ok $? "hung up"
CALLID1=$(grep "LAB REQ method=INVITE user=alice " "$KAM_LOG" | head -n 1 | sed 's/.*callid=//')

# --- call 2: bob -> alice: the retained secret, verified before -----------------------------------
cs_cmd bob "call alice"
cs_wait alice incoming 20; ok $? "call 2 (bob -> alice): incoming"
cs_cmd alice answer
call2_secure() { grep '^{"event":"security","call":2,' "$WORK/$1.events" | grep -q '"zrtp":"secure"'; }
WAIT_SECS=15 wait_for call2_secure alice && WAIT_SECS=20 wait_for call2_secure bob
ok $? "call 2: ZRTP secure on both"
[ "$(cs_field alice security zrtp_cache)" = verified ] && [ "$(cs_field bob security zrtp_cache)" = verified ]
ok $? "call 2: 'verified' on both (the SAS confirmed on both sides before, the retained secret matched)"
cs_field alice security sas_note | grep -q "verified before"; ok $? "call 2: the note says it was verified before"
[ "$(cs_field alice security sas)" = "$(cs_field bob security sas)" ]; ok $? "call 2: the same SAS"
sleep 1
cs_cmd bob hangup
cs_wait alice ended 20 '"call":2'; ok $? "call 2 hung up"

# --- call 3: alice (zrtp) -> carol, a phone without ZRTP that takes plain RTP -------------------------
cs_wait carol registered 20; ok $? "carol (media_encryption = none, srtp_required = no) registered"
cs_cmd alice "call carol"
cs_wait carol incoming 20 && cs_cmd carol answer
cs_wait alice ended 20 '"call":3'; ok $? "call 3: alice ended the call by itself"
r3=$(grep '^{"event":"ended","call":3,' "$WORK/alice.events" | head -n 1)
diag "call 3: $r3"
echo "$r3" | grep -q '"status":488' && echo "$r3" | grep -q 'ZRTP failed, so the media has no keys and nothing was sent: no ZRTP from the far end within 10 s'
ok $? "call 3: 488 with the reason: no ZRTP from the far end within the bound, nothing sent"
cs_wait carol ended 20 '"call":1'; ok $? "call 3: carol got alice's BYE"
CALLID3=$(grep "LAB REQ method=INVITE user=alice " "$KAM_LOG" | sed "s/.*callid=//" | uniq | tail -n 1)
cs_quit carol
cs_quit alice
[ "$CS_RC" = 0 ]; ok $? "alice exits cleanly"
cs_quit bob
[ "$CS_RC" = 0 ]; ok $? "bob exits cleanly"
[ "$(stat -c %a "$WORK/alice.data/sphone/zrtp.db")" = 600 ] && [ "$(stat -c %a "$WORK/alice.data/sphone")" = 700 ]
ok $? "the ZRTP cache is $WORK/alice.data/sphone/zrtp.db, mode 0600 in a 0700 directory"

# --- audio: what each side heard of the other's signal (call 1, then call 2) ------------------------
PLAYED="--block 0.2 --max-jump 2.5"
for who in alice bob; do
	cs_wavcut "$WORK/$who-heard.wav" "$WORK/$who-1.wav" 1 6
	res=$("$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG" "$WORK/$who-1.wav" --min-corr 0.9 --min-seconds 4 --max-lag 20 $PLAYED)
	ok $? "audio to $who matches the signal sent ($res)"
done

# --- the wire -------------------------------------------------------------------------------------
lab_capture_stop
! wire_has_plain_sip "$LAB_PCAP" "$KAM_TLS_PORT"; ok $? "no readable SIP on the TLS port"
ports=$(lab_kam_media_ports "$CALLID1")
z=$("$PYTHON" "$LAB_SRC/labtool.py" zrtp "$LAB_PCAP" "$ports")
diag "call 1 on the wire: $(echo "$z" | tr '\n' ' ')"
[ "$(echo "$z" | grep -c 'zrtp=[1-9].*before_secure=0 secure=yes')" = 2 ]
ok $? "call 1: each phone sent ZRTP, and not one RTP/RTCP packet before it had ZRTP's keys"
echo "$z" | grep -q 'Commit:.*Conf2ACK:.*Confirm1:.*Confirm2:.*DHPart1:.*DHPart2:.*Hello:.*HelloACK:'
ok $? "the whole handshake on the wire: Hello, HelloACK, Commit, DHPart1/2, Confirm1/2, Conf2ACK"
ports3=$(lab_kam_media_ports "$CALLID3")
z3=$("$PYTHON" "$LAB_SRC/labtool.py" zrtp "$LAB_PCAP" "$ports3")
diag "call 3 on the wire (alice's port ${ports3%%,*} first): $(echo "$z3" | tr '\n' ' ')"
echo "$z3" | grep -q "^port=${ports3%%,*} zrtp=[1-9][0-9]* media=0 " && echo "$z3" | grep -q "^port=${ports3#*,} zrtp=0 media=[1-9]"
ok $? "call 3: alice sent ZRTP Hellos and not one RTP/RTCP packet; carol (no ZRTP) sent plain RTP"
e=$(rtp_payload_entropy "$LAB_PCAP" "$ports" "$WORK/srtp-as-pcmu.wav")
ok $? "RTP of call 1 found (ports $ports)"
lab_float_ge "$e" 7.9; ok $? "SRTP payload entropy $e bits/byte >= 7.9"
! "$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG" "$WORK/srtp-as-pcmu.wav" --quiet >/dev/null
ok $? "the payloads decoded as PCMU are not the test signal"
[ "$TAP_FAILED" = 0 ] || { cs_diag alice; cs_diag bob; }
done_testing
