#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# zrtp_linphone.sh: sphone (media_encryption = zrtp) and linphonec 5.1 (Debian's linphone-cli, ZRTP
# mandatory) through the lab's Kamailio, in both call directions: ZRTP completes with the same SAS on
# both (linphonec logs it), audio both ways is the signal sent, and the capture shows ZRTP, then SRTP
# only from sphone. Everything runs in a network namespace of this test's own with only lo (linphonec
# probes the host's interfaces otherwise, /work/shared/PEERS.md); linphonec registers over UDP (its
# TLS cannot match the lab's names), sphone over TLS.
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/call_lib.sh"
lab_require kamailio dumpcap tshark python3 linphonec ip
[ "$(id -u)" = 0 ] || skip_all "network namespaces need root"

NS=sphz$$
ip netns add "$NS" || { echo "Bail out! cannot make network namespace $NS"; exit 1; }
ip netns exec "$NS" ip link set lo up
ns_cleanup() {
	cleanup
	ip netns del "$NS" 2>/dev/null
}
trap ns_cleanup EXIT
LAB_NETNS=$NS
export LAB_NETNS

SIG=$WORK/signal.wav SIG2=$WORK/signal2.wav
lab_make_wav "$SIG" 60 || { echo "Bail out! no test signal"; exit 1; }
cs_wavcut "$SIG" "$SIG2" 30 30 # linphonec sends the second half: what each side hears tells who sent it
lab_make_ca "$WORK/ca" || { echo "Bail out! cannot make the CA"; exit 1; }
lab_start_kamailio || { echo "Bail out! kamailio did not start"; exit 1; }
lab_capture_start lin "udp" lo "$NS" || { echo "Bail out! no capture"; exit 1; }

# sphone in the namespace
cat >"$WORK/sphone-ns" <<EOF
#!/bin/sh
exec ip netns exec $NS $SPHONE "\$@"
EOF
chmod +x "$WORK/sphone-ns"
SPHONE=$WORK/sphone-ns
cs_conf "$WORK/alice.conf" alice media_encryption=zrtp
# a sip: address of record (over TLS all the same): linphonec files retained secrets under the peer's URI
# as it came, scheme included, so sips: on the calls it gets and sip: on those it makes would be two
# peers to it, and the second call a retained-secret MISMATCH at sphone (seen: linphonec "previously
# verified no", sphone MISMATCH)
sed -i 's/^uri = sips:alice@/uri = sip:alice@/' "$WORK/alice.conf"
cs_start alice 7 "$WORK/alice.conf" --audio-in "$SIG" --audio-out "$WORK/alice-heard.wav"

# linphonec: files for sound, UDP to Kamailio, ZRTP mandatory; it rewrites its config: a copy each run
LPORT=$(free_port)
cat >"$WORK/linphonerc" <<EOF
[sip]
sip_port=$LPORT
sip_tcp_port=-1
sip_tls_port=-1
media_encryption=zrtp
media_encryption_mandatory=1
auto_net_state_mon=0
guess_hostname=0
register_only_when_network_is_up=0
# no GRUU: the lab's Kamailio cannot route to a GRUU contact (the ACK to sips:bob@sip.test;gr=... failed)
supported=replaces
default_proxy=0
[net]
ipv6=0
[rtp]
audio_rtp_port=$(free_port 2)
[sound]
echocancellation=0
[proxy_0]
reg_proxy=<sip:127.0.0.1:$KAM_UDP_PORT;transport=udp>
reg_route=<sip:127.0.0.1:$KAM_UDP_PORT;transport=udp;lr>
reg_identity=sip:bob@sip.test
reg_expires=600
reg_sendregister=1
[auth_info_0]
username=bob
passwd=$LAB_PW_bob
realm=sip.test
domain=sip.test
EOF
rm -f "$WORK/lin.in"
mkfifo "$WORK/lin.in"
mkdir -p "$WORK/lhome/.local/share/linphone" "$WORK/lhome/linphone" # it stalls at start-up when it cannot make its database
HOME=$WORK/lhome XDG_DATA_HOME=$WORK/lhome ip netns exec "$NS" linphonec -c "$WORK/linphonerc" -a -d 6 -l "$WORK/lin.log" <"$WORK/lin.in" >"$WORK/lin.out" 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
LPID=$!
track_pid "$LPID"
exec 6>"$WORK/lin.in"
echo "soundcard use files" >&6
echo "play $SIG2" >&6
echo "record $WORK/lin-heard.wav" >&6

cs_wait alice registered 15; ok $? "sphone registered (TLS)"
lin_registered() { grep -q 'to \[LinphoneRegistrationOk\]' "$WORK/lin.log"; }
WAIT_SECS=15 wait_for lin_registered; ok $? "linphonec registered (UDP)"
# linphonec prints "Call N is fully encrypted and auth token is SAS." once ZRTP is secure
lin_sas() { sed -n "s/^.*Call $1 is fully encrypted and auth token is \([^.]*\)\..*$/\1/p" "$WORK/lin.out" | tail -n 1; }
lin_secure() { [ -n "$(lin_sas "$1")" ]; }

# --- call 1: sphone -> linphonec (it answers at once) ---------------------------------------------
# a sip: target: linphonec answers a sips: INVITE with a sips: Contact over UDP, which Kamailio cannot reach
cs_cmd alice "call sip:bob@sip.test"
cs_wait alice established 15; ok $? "call 1 (sphone -> linphonec): established"
cs_wait alice security 20 '"zrtp":"secure"'; ok $? "call 1: ZRTP secure at sphone"
WAIT_SECS=20 wait_for lin_secure 1; ok $? "call 1: ZRTP secure at linphonec"
sa=$(cs_field alice security sas); sl=$(lin_sas 1)
diag "call 1: sphone $(cs_field alice security zrtp_key_agreement) $(cs_field alice security zrtp_cipher) $(cs_field alice security zrtp_auth), peer $(cs_field alice security zrtp_peer); $(grep -m1 'ZRTP algo used' "$WORK/lin.log" | sed 's/.*negotiation: //')"
[ -n "$sa" ] && [ "$sa" = "$sl" ]; ok $? "call 1: the same SAS on both ('$sa' at sphone, '$sl' at linphonec)"
sleep 6
cs_cmd alice sas-verify
echo "zrtp-set-verified" >&6
cs_wait alice security 20 '"sas_confirmed":"verified"'; ok $? "call 1: sas-verify stored at sphone (linphonec: zrtp-set-verified)"
cs_cmd alice verify
cs_wait alice security 20 '"rtp_received":' >/dev/null
[ "$(cs_field alice security plaintext_sent)" = 0 ] && [ "$(cs_field alice security plaintext_received)" = 0 ] &&
	[ "$(cs_field alice security auth_failures)" = 0 ] && [ "$(cs_field alice security packets_unprotected)" -gt 200 ]
ok $? "call 1: $(cs_field alice security packets_unprotected) SRTP packets from linphonec taken, no plaintext, no auth failure"
cs_cmd alice hangup
cs_wait alice ended 20 && WAIT_SECS=20 wait_for grep -q "^.*Call 1 with .* ended" "$WORK/lin.out"
ok $? "call 1 ended on both sides"
CALLID1=$(grep "LAB REQ method=INVITE user=alice " "$KAM_LOG" | sed "s/.*callid=//" | uniq | head -n 1)
cp "$WORK/lin-heard.wav" "$WORK/lin-1.wav" 2>/dev/null
cp "$WORK/alice-heard.wav" "$WORK/alice-1.wav" 2>/dev/null

# --- call 2: linphonec -> sphone: cache hit, verified before ---------------------------------------
echo "record $WORK/lin-heard2.wav" >&6
echo "call sip:alice@sip.test" >&6
cs_wait alice incoming 20; ok $? "call 2 (linphonec -> sphone): incoming"
cs_cmd alice answer
call2_secure() { grep '^{"event":"security","call":2,' "$WORK/alice.events" | grep -q '"zrtp":"secure"'; }
WAIT_SECS=20 wait_for call2_secure; ok $? "call 2: ZRTP secure at sphone"
WAIT_SECS=20 wait_for lin_secure 2; ok $? "call 2: ZRTP secure at linphonec"
sa=$(cs_field alice security sas); sl=$(lin_sas 2)
[ -n "$sa" ] && [ "$sa" = "$sl" ]; ok $? "call 2: the same SAS on both ('$sa' / '$sl')"
[ "$(cs_field alice security zrtp_cache)" = verified ]
ok $? "call 2: sphone shows 'verified' ($(cs_field alice security zrtp_cache)): both confirmed on call 1, the retained secret matched"
sleep 6
echo "terminate" >&6
cs_wait alice ended 20 '"call":2'; ok $? "call 2: linphonec hung up, sphone's call ended"
echo quit >&6
sleep 1
cs_quit alice
[ "$CS_RC" = 0 ]; ok $? "sphone exits cleanly"

# --- audio: each side's signal differs, so a match is the other side's audio ----------------------
PLAYED="--block 0.2 --max-jump 2.5"
# what linphonec records slips in time when the machine is starved (its adaptive jitter buffer and its
# file "sound card" on a late ticker): idle 1.000 both ways; at load average 19 its copy of sphone's
# signal gave 0.86 in 0.2 s blocks (7 lag changes) and 0.948 in 0.1 s blocks, while sphone's copy stayed
# 1.000. So that direction is compared in 0.1 s blocks against 0.7: a silent, wrong or still encrypted
# signal gives < 0.3
LPLAYED="--block 0.1 --max-jump 1 --min-corr 0.7"
cs_wavcut "$WORK/lin-1.wav" "$WORK/lin-1c.wav" 1 5
res=$("$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG" "$WORK/lin-1c.wav" --min-seconds 4 --max-lag 6 $LPLAYED)
ok $? "call 1: linphonec heard sphone's signal ($res)"
cs_wavcut "$WORK/alice-1.wav" "$WORK/alice-1c.wav" 1 5
res=$("$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG2" "$WORK/alice-1c.wav" --min-corr 0.9 --min-seconds 4 --max-lag 6 $PLAYED)
ok $? "call 1: sphone heard linphonec's signal ($res)"
cs_wavcut "$WORK/lin-heard2.wav" "$WORK/lin-2c.wav" 1 5
# sphone's file goes on where call 1 left it: about 10 s in when idle, later the longer call 1 and the steps
# between took on a loaded machine, so the lag is searched over the whole signal
res=$("$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG" "$WORK/lin-2c.wav" --min-seconds 4 --max-lag 55 $LPLAYED)
ok $? "call 2: linphonec heard sphone's signal ($res)"
t1=$("$PYTHON" -c 'import sys, wave; w = wave.open(sys.argv[1]); print(w.getnframes() / w.getframerate())' "$WORK/alice-1.wav")
cs_wavcut "$WORK/alice-heard.wav" "$WORK/alice-2c.wav" "$(echo "$t1 + 2" | bc)" 5
res=$("$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG2" "$WORK/alice-2c.wav" --min-corr 0.9 --min-seconds 4 --max-lag 6 $PLAYED)
ok $? "call 2: sphone heard linphonec's signal ($res)"

# --- the wire: sphone's side of call 1 ------------------------------------------------------------
lab_capture_stop
ports=$(lab_kam_media_ports "$CALLID1")
z=$("$PYTHON" "$LAB_SRC/labtool.py" zrtp "$LAB_PCAP" "${ports%%,*}")
diag "call 1 on the wire (sphone's port ${ports%%,*}): $(echo "$z" | tr '\n' ' ')"
echo "$z" | grep -q "^port=${ports%%,*} zrtp=[1-9][0-9]* media=[1-9][0-9]* before_secure=0 secure=yes"
ok $? "call 1: sphone sent ZRTP, then media only after its Conf2ACK (not one RTP/RTCP packet before)"
e=$(rtp_payload_entropy "$LAB_PCAP" "$ports" "$WORK/srtp-as-pcmu.wav")
lab_float_ge "$e" 7.9; ok $? "call 1: SRTP payload entropy $e bits/byte >= 7.9"
[ "$TAP_FAILED" = 0 ] || { cs_diag alice; diag "linphonec:"; grep -v '^linphonec> *$' "$WORK/lin.out" | tail -n 20 | sed 's/^/#   /'; }
done_testing
