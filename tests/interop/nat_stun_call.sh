#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# nat_stun_call.sh: sphone behind the lab's cone NAT with stun_server (coturn in the provider) and baresip 1.0,
# which does not latch, in the provider: sphone -> baresip and baresip -> sphone have audio both ways because
# the SDP gives the NAT's mapping (baresip's RTP on the router's outside link goes to it), only TLS and SRTP
# there. Without stun_server the audio baresip -> sphone is silence (doc/nat.md).
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/netns_lab.sh"
nl_sphone_require kamailio baresip turnserver dumpcap tshark sox

nl_stun_lab cone "tcp or udp" "alice at home ($NL_HOME_IP) registered through the cone NAT" || exit 1

# --- sphone calls baresip --------------------------------------------------------------------------
cs_cmd alice "call sip:bob@sip.test"
cs_wait alice network 20 '"change":"public_address"'; ok $? "network event: the public address STUN found"
PUB=$(cs_field alice network public_media)
echo "$PUB" | grep -q "^$NL_WAN_IP:[0-9]*$"; ok $? "... the router's outside address ($PUB)"
[ "$(cs_field alice network local_media)" != "$PUB" ] && cs_field alice network local_media | grep -q "^$NL_HOME_IP:"
ok $? "... not the local one ($(cs_field alice network local_media))"
cs_wait alice established 15; ok $? "alice -> baresip: established"
[ "$(cs_field alice established srtp)" = true ]; ok $? "with SRTP"
sleep 5
cs_verify alice
[ "$(cs_field alice security public_media)" = "$PUB" ] && cs_field alice security remote_media | grep -q "^$NL_PEER_IP:"
ok $? "verify: media path $(cs_field alice security local_media) -> $(cs_field alice security public_media) -> $(cs_field alice security remote_media)"
[ "$(cs_field alice security rtp_received)" -gt 150 ] && [ "$(cs_field alice security plaintext_sent)" = 0 ] &&
	[ "$(cs_field alice security plaintext_received)" = 0 ] && [ "$(cs_field alice security auth_failures)" = 0 ]
ok $? "verify: $(cs_field alice security rtp_received) packets from baresip, nothing in clear, no authentication failure"
cs_cmd alice hangup
cs_wait alice ended 20; ok $? "alice hangs up"
CALLID1=$(grep "LAB REQ method=INVITE user=alice " "$KAM_LOG" | head -n 1 | sed 's/.*callid=//')
cs_quit alice

# --- baresip calls sphone (auto-answer: the answer waits for STUN) -----------------------------------
SPHONE=$(nl_wrap sphone-home "$NL_HOME" "$BIN")
cs_start alice2 8 "$WORK/alice.conf" --audio-in "$SIG" --audio-out "$WORK/alice2-heard.wav" --auto-answer \
	--hangup-after 7
cs_wait alice2 registered 15; ok $? "alice registered again (auto-answer)"
baresip_cmd "$BS_bob_CTRL" "dial sip:alice@sip.test" >/dev/null
cs_wait alice2 established 15; ok $? "baresip -> alice: auto-answered, established"
cs_field alice2 network public_media | grep -q "^$NL_WAN_IP:"; ok $? "... with the public address ($(cs_field alice2 network public_media))"
PUB2=$(cs_field alice2 network public_media)
cs_wait alice2 ended 20; ok $? "--hangup-after ended the call"
cs_quit alice2

# what each side heard: baresip's recording is what it decoded; sphone's what it played in real time
PLAYED="--block 0.2 --max-jump 2.5"
REC1=$(ls -tr "$BS_bob_REC"/dump-*-dec.wav 2>/dev/null | head -n 1)
REC2=$(ls -t "$BS_bob_REC"/dump-*-dec.wav 2>/dev/null | head -n 1)
cs_wavcut "$WORK/alice-heard.wav" "$WORK/a1.wav" 0 4.5
cs_wavcut "$WORK/alice2-heard.wav" "$WORK/a2.wav" 0 4
cs_wavcut "$REC1" "$WORK/b1.wav" 0 4.5
cs_wavcut "$REC2" "$WORK/b2.wav" 0 4
res=$("$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG" "$WORK/a1.wav" --min-corr 0.8 --min-seconds 3.5 --max-lag 2 $PLAYED)
ok $? "call 1: audio baresip -> alice (into the NAT, to the STUN address) is the signal ($res)"
res=$("$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG" "$WORK/b1.wav" --min-corr 0.8 --min-seconds 3.5 --max-lag 2)
ok $? "call 1: audio alice -> baresip is the signal ($res)"
res=$("$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG" "$WORK/a2.wav" --min-corr 0.8 --min-seconds 3 --max-lag 2 $PLAYED)
ok $? "call 2: audio baresip -> alice is the signal ($res)"
res=$("$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG" "$WORK/b2.wav" --min-corr 0.8 --min-seconds 3 --max-lag 2)
ok $? "call 2: audio alice -> baresip is the signal ($res)"

# --- the router's outside link ------------------------------------------------------------------------
lab_capture_stop
# baresip does not latch: its RTP goes where the SDP said, and that was the NAT's mapping
for p in "$PUB" "$PUB2"; do
	n=$(tshark -r "$LAB_PCAP" -Y "ip.src==$NL_PEER_IP && ip.dst==${p%:*} && udp.dstport==${p##*:}" 2>/dev/null | wc -l)
	[ "$n" -gt 100 ]; ok $? "outside link: $n packets from baresip to the STUN address $p"
done
n=$(tshark -r "$LAB_PCAP" -Y "stun && ip.dst==$NL_PROV_IP" 2>/dev/null | wc -l)
[ "$n" -ge 4 ]; ok $? "outside link: $n STUN requests to the server (RTP and RTCP sockets, both calls)"
nl_outside_checks "$CALLID1" "call 1"
[ "$TAP_FAILED" = 0 ] || { cs_diag alice; cs_diag alice2; tail -n 30 "$BS_bob_LOG" | sed 's/^/#   /'; }
lab_stop_baresip bob
done_testing
