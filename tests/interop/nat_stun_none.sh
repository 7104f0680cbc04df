#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# nat_stun_none.sh: stun_server where it cannot or need not help, in the NAT lab with baresip in the provider.
# No NAT: the STUN server sees the local address, sphone says so and its SDP gives the local address; SRTP
# with a bad authentication tag from a third address (under baresip's SSRC) never moves where sphone sends.
# Symmetric NAT: the mapping STUN learns is the server's only; sphone warns (the NAT changed the ports)
# and the far end, which does not latch, cannot reach it: the audio into the NAT is silence.
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/netns_lab.sh"
nl_sphone_require kamailio baresip turnserver dumpcap tshark sox

nl_stun_lab none "udp" "alice registered (no NAT: the router only routes)" || exit 1

# --- no NAT -------------------------------------------------------------------------------------------
cs_cmd alice "call sip:bob@sip.test"
cs_wait alice network 20 '"change":"no_nat"'; ok $? "network event: no NAT"
[ "$(cs_field alice network public_media)" = "$(cs_field alice network local_media)" ] &&
	cs_field alice network local_media | grep -q "^$NL_HOME_IP:"
ok $? "... the server saw the local address $(cs_field alice network local_media)"
LOCAL=$(cs_field alice network local_media)
cs_wait alice established 15; ok $? "alice -> baresip: established"
sleep 3
# a third address sends SRTP-shaped packets under baresip's SSRC, with sequence numbers ahead of its own
# (what the capture shows lags behind), to sphone's media port: their authentication tags are wrong
SSRC=$(tshark -r "$LAB_PCAP" -d "udp.port==${LOCAL##*:},rtp" -Y "rtp && ip.dst==$NL_HOME_IP && udp.dstport==${LOCAL##*:}" \
	-T fields -e rtp.ssrc -e rtp.seq -e rtp.timestamp 2>/dev/null | tail -n 1)
[ -n "$SSRC" ]; ok $? "baresip's SSRC, last sequence number and timestamp from the capture ($SSRC)"
nl_exec "$NL_PROVIDER" "$PYTHON" - "$NL_PROV_IP2" "${LOCAL%:*}" "${LOCAL##*:}" $SSRC <<'PY'
import os, socket, struct, sys, time
src, dst, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
ssrc = int(sys.argv[4], 16) if sys.argv[4:] else 0x12345678
seq = int(sys.argv[5]) if sys.argv[5:] else 0
ts = int(sys.argv[6]) if sys.argv[6:] else 0
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, 0))
for i in range(1, 101):
    hdr = struct.pack("!BBHII", 0x80, 0, (seq + 500 + i) & 0xFFFF, (ts + 160 * (500 + i)) & 0xFFFFFFFF, ssrc)
    s.sendto(hdr + os.urandom(160 + 10), (dst, port))
    time.sleep(0.01)
PY
sleep 2
cs_verify alice
cs_field alice security remote_media | grep -q "^$NL_PEER_IP:"
ok $? "the media destination did not move to the third address ($(cs_field alice security remote_media))"
[ $(($(cs_field alice security auth_failures) + $(cs_field alice security replay_failures))) -ge 90 ]
ok $? "the forged packets were dropped ($(cs_field alice security auth_failures) authentication failures, $(cs_field alice security replay_failures) replays)"
[ -z "$(cs_field alice security public_media)" ] && [ "$(cs_field alice security stun)" = "no NAT (the STUN server saw the local address)" ]
ok $? "verify: no public address between the ends ($(cs_field alice security stun))"
[ "$(cs_field alice security rtp_received)" -gt 150 ] && [ "$(cs_field alice security plaintext_received)" = 0 ]
ok $? "verify: $(cs_field alice security rtp_received) authenticated packets from baresip, nothing in clear"
R1=$(cs_field alice security rtp_received)
sleep 2
cs_cmd alice hangup
cs_wait alice ended 20; ok $? "alice hangs up"
cs_quit alice
n=$(tshark -r "$LAB_PCAP" -Y "ip.src==$NL_HOME_IP && ip.dst==$NL_PROV_IP2 && !stun" 2>/dev/null | wc -l)
[ "$n" = 0 ]; ok $? "nothing was sent to the third address ($n packets)"
REC=$(ls -t "$BS_bob_REC"/dump-*-dec.wav 2>/dev/null | head -n 1)
cs_wavcut "$WORK/alice-heard.wav" "$WORK/a.wav" 0 6
cs_wavcut "$REC" "$WORK/b.wav" 0 6
res=$("$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG" "$WORK/a.wav" --min-corr 0.8 --min-seconds 4 --max-lag 2 --block 0.2 --max-jump 2.5)
ok $? "audio baresip -> alice through the attack is the signal ($res)"
res=$("$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG" "$WORK/b.wav" --min-corr 0.8 --min-seconds 4 --max-lag 2)
ok $? "audio alice -> baresip is the signal ($res)"

# --- symmetric NAT ------------------------------------------------------------------------------------
nl_set_nat symmetric && nl_flush
SPHONE=$(nl_wrap sphone-home "$NL_HOME" "$BIN")
cs_start alice2 8 "$WORK/alice.conf" --audio-in "$SIG"
cs_wait alice2 registered 15; ok $? "alice registered through the symmetric NAT"
cs_cmd alice2 "call sip:bob@sip.test"
cs_wait alice2 network 20 '"change":"public_address"'; ok $? "network event: a public address ($(cs_field alice2 network public_media))"
cs_wait alice2 warning 20 'changed the media ports'; ok $? "warning: the NAT changed the ports (perhaps symmetric): $(cs_field alice2 warning message | cut -c1-60)..."
cs_wait alice2 established 15; ok $? "established"
sleep 4
cs_verify alice2
cs_field alice2 security stun | grep -q "perhaps symmetric"; ok $? "verify says so ($(cs_field alice2 security stun))"
[ "$(cs_field alice2 security rtp_received)" = 0 ] && [ "$(cs_field alice2 security rtp_sent)" -gt 100 ]
ok $? "STUN cannot help here: baresip's media to that address does not get in (received $(cs_field alice2 security rtp_received), sent $(cs_field alice2 security rtp_sent))"
cs_cmd alice2 hangup
cs_wait alice2 ended 20
cs_quit alice2
lab_capture_stop
[ "$TAP_FAILED" = 0 ] || { cs_diag alice; cs_diag alice2; }
lab_stop_baresip bob
done_testing
