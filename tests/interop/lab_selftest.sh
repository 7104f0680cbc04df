#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# lab_selftest.sh: proves the interop lab itself with real clients (openssl s_client, baresip), the way
# sphone's interop tests will use it: certificates, Kamailio TLS registrar with digest auth, an SRTP call
# through it whose audio arrives intact, and the wire checks (each also shown able to fail).
. "$top_srcdir/tests/interop/lab.sh"
lab_require kamailio baresip openssl dumpcap tshark python3 sox

T0=$(date +%s)
C=$WORK/ca
SIG=$WORK/lab-signal.wav

# --- certificates ------------------------------------------------------------------------------
lab_make_ca "$C"
ok $? "lab_make_ca made the CA and certificates"
verify() { openssl verify -CAfile "$C/ca.pem" "$@" 2>&1; }
verify -verify_hostname sip.test "$C/server.pem" | grep -q ': OK$'
ok $? "server.pem verifies for sip.test"
verify -verify_ip 127.0.0.1 "$C/server.pem" | grep -q ': OK$'
ok $? "server.pem verifies for IP 127.0.0.1"
verify -verify_hostname sip.test "$C/wronghost.pem" | grep -qi 'hostname mismatch'
ok $? "wronghost.pem: chain fine, hostname mismatch"
verify "$C/expired.pem" | grep -q 'certificate has expired'
ok $? "expired.pem: certificate has expired"
verify "$C/notyet.pem" | grep -q 'certificate is not yet valid'
ok $? "notyet.pem: certificate is not yet valid"
verify "$C/unknownca.pem" | grep -q 'unable to get local issuer certificate'
ok $? "unknownca.pem: issuer unknown"
verify "$C/selfsigned.pem" | grep -q 'self-signed certificate'
ok $? "selfsigned.pem: self-signed"
verify -purpose sslclient "$C/client.pem" | grep -q ': OK$'
ok $? "client.pem verifies as a TLS client certificate"

# --- Kamailio -----------------------------------------------------------------------------------
if ! lab_start_kamailio; then
	ok 1 "lab_start_kamailio"
	done_testing
	exit 1
fi
ok 0 "lab_start_kamailio: TLS $KAM_TLS_PORT, TCP $KAM_TCP_PORT, UDP $KAM_UDP_PORT, PID $KAM_PID"
TLS_PORT=$KAM_TLS_PORT

sclient() { # sclient [s_client options]: one TLS handshake against the lab Kamailio (stdin: data)
	openssl s_client -connect "127.0.0.1:$KAM_TLS_PORT" -CAfile "$C/ca.pem" -verify_return_error \
		-brief "$@" 2>&1
}
out=$(sclient -verify_hostname sip.test </dev/null)
echo "$out" | grep -q '^Verification: OK'
ok $? "s_client -verify_hostname sip.test: verification OK"
echo "$out" | grep -q '^Protocol version: TLSv1.3'
ok $? "s_client negotiates TLS 1.3 by default"
sclient -verify_ip 127.0.0.1 -tls1_2 </dev/null | grep -q '^Protocol version: TLSv1.2'
ok $? "TLS 1.2 is accepted too (and verifies for IP 127.0.0.1)"

"$PYTHON" "$LAB_SRC/labtool.py" options "$KAM_UDP_PORT" udp >/dev/null
ok $? "plain OPTIONS over UDP gets 200"

lab_capture_start wire "tcp port $KAM_TLS_PORT or tcp port $KAM_TCP_PORT or udp"
ok $? "dumpcap captures on lo"

# --- registration --------------------------------------------------------------------------------
lab_start_baresip bob bob "$LAB_PW_bob"
ok $? "baresip bob registers over TLS"
[ "$(lab_kam_reply_codes REGISTER bob)" = "401 200" ]
ok $? "Kamailio answered bob's REGISTERs 401 then 200 (got: $(lab_kam_reply_codes REGISTER bob))"
[ "$(lab_kam_count REGISTER bob)" -eq 2 ]
ok $? "two REGISTERs from bob counted in KAM_LOG"
grep -q "LAB REQ method=REGISTER user=bob .*proto=tls" "$KAM_LOG"
ok $? "bob's REGISTER arrived over TLS"
grep -q '^WWW-Authenticate: Digest realm="sip.test", nonce="[^"]*", qop="auth", algorithm=MD5' \
	"$KAM_DIR"/sipdump/*.data
ok $? "sipdump has the decrypted 401 challenge (realm sip.test, qop=auth, MD5)"

lab_start_baresip alice alice "$LAB_PW_alice"
ok $? "baresip alice registers over TLS"

lab_start_baresip mallory carol "wrong-password" wait=no
WAIT_SECS=20 wait_for grep -q "LAB REPLY method=REGISTER user=carol code=403" "$KAM_LOG"
ok $? "a wrong password gets 403"
[ "$(lab_kam_replies REGISTER 200 carol)" -eq 0 ] && ! lab_baresip_registered mallory
ok $? "... and no 200 for carol; baresip says not registered"
lab_stop_baresip mallory

# --- SRTP call through Kamailio ---------------------------------------------------------------
baresip_cmd "$BS_alice_CTRL" "dial sip:bob@sip.test" >/dev/null
ok $? "ctrl_tcp: alice dials bob"
WAIT_SECS=20 wait_for grep -q "Call established" "$BS_alice_LOG"
ok $? "bob auto-answered; alice's call is established"
grep -q "SRTP is Enabled" "$BS_alice_LOG" && grep -q "SRTP is Enabled" "$BS_bob_LOG"
ok $? "both ends run SRTP"
sleep 4
baresip_cmd "$BS_alice_CTRL" "hangup" >/dev/null
WAIT_SECS=15 wait_for grep -q "terminated" "$BS_alice_LOG"
ok $? "alice hangs up"
SRTP_CALLID=$(grep "LAB REQ method=INVITE user=alice " "$KAM_LOG" | head -n 1 | sed 's/.*callid=//')
[ "$(lab_kam_replies INVITE 407 alice)" -ge 1 ] && grep -q "LAB FWD-REPLY method=INVITE code=200" "$KAM_LOG"
ok $? "INVITE challenged with 407, then 200 relayed"
grep -q "LAB FWD-REPLY method=BYE code=200" "$KAM_LOG"
ok $? "BYE reached bob over his registration connection and got 200"

REC=$(ls "$BS_alice_REC"/dump-*-dec.wav 2>/dev/null | head -n 1)
res=$("$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG" "$REC" --min-corr 0.95 --min-seconds 3)
ok $? "wavcmp: what alice received is what bob played ($res)"
sox -n -r 8000 -c 1 -b 16 "$WORK/a440.wav" synth 4 sine 440 gain -8 2>/dev/null
"$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG" "$WORK/a440.wav" --quiet >/dev/null
[ $? -eq 1 ]
ok $? "control: wavcmp rejects a 440 Hz tone as the test signal"

# --- negative controls on the same capture: plain SIP, plain RTP ------------------------------
"$PYTHON" "$LAB_SRC/labtool.py" options "$KAM_TCP_PORT" tcp >/dev/null
ok $? "plain OPTIONS over TCP gets 200"

lab_start_baresip carol carol "$LAB_PW_carol" srtp=off
ok $? "baresip carol (no SRTP) registers"
baresip_cmd "$BS_carol_CTRL" "dial sip:bob@sip.test" >/dev/null
WAIT_SECS=20 wait_for grep -q "LAB FWD-REPLY method=INVITE code=488" "$KAM_LOG"
ok $? "SRTP-mandatory bob refuses carol's plain-RTP call with 488"
lab_stop_baresip alice
lab_start_baresip alice2 alice "$LAB_PW_alice" srtp=off
ok $? "alice re-registers without SRTP (one contact per user replaces the old one)"
baresip_cmd "$BS_carol_CTRL" "dial sip:alice@sip.test" >/dev/null
WAIT_SECS=20 wait_for grep -q "Call established" "$BS_carol_LOG"
ok $? "carol -> alice plain-RTP call established"
sleep 2
lab_capture_stop
PLAIN_CALLID=$(grep "LAB REQ method=INVITE user=carol " "$KAM_LOG" | tail -n 1 | sed 's/.*callid=//')
for d in 4 '#' 7; do baresip_cmd "$BS_carol_CTRL" "sndcode $d" >/dev/null; sleep 0.25; done
WAIT_SECS=15 wait_for [ "$(lab_baresip_dtmf_received alice2)" = "4#7" ]
ok $? "DTMF 4#7 sent with 'sndcode' arrives at alice (got '$(lab_baresip_dtmf_received alice2)')"
# this time the callee hangs up: the BYE goes to carol over the connection her INVITE came on
baresip_cmd "$BS_alice2_CTRL" "hangup" >/dev/null
WAIT_SECS=15 wait_for grep -q "terminated" "$BS_carol_LOG" &&
	grep -q "LAB REQ method=BYE user=alice .*callid=$PLAIN_CALLID" "$KAM_LOG"
ok $? "callee alice hangs up; the BYE reaches carol over her INVITE's connection"

# --- wire checks -----------------------------------------------------------------------------------
n=$(wire_tls_records "$LAB_PCAP" "$TLS_PORT")
[ "$n" -gt 10 ]
ok $? "tshark decodes TLS records on the TLS port ($n)"
! wire_has_plain_sip "$LAB_PCAP" "$TLS_PORT"
ok $? "no readable SIP on the TLS port"
[ "$(wire_tshark_sip "$LAB_PCAP" "$TLS_PORT")" -eq 0 ]
ok $? "tshark, told the TLS port carries SIP, finds none"
wire_has_plain_sip "$LAB_PCAP" "$KAM_TCP_PORT" && [ "$(wire_tshark_sip "$LAB_PCAP" "$KAM_TCP_PORT")" -ge 2 ]
ok $? "control: the plain TCP OPTIONS exchange is seen as SIP by both checks"

ports=$(lab_kam_media_ports "$SRTP_CALLID")
e=$(rtp_payload_entropy "$LAB_PCAP" "$ports" "$WORK/srtp-as-pcmu.wav")
ok $? "RTP of the SRTP call found in the capture (ports $ports)"
lab_float_ge "$e" 7.9
ok $? "SRTP payload entropy $e bits/byte >= 7.9"
! "$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG" "$WORK/srtp-as-pcmu.wav" --quiet >/dev/null
ok $? "SRTP payloads decoded as PCMU are not the test signal"
[ "$(rtp_common_size "$LAB_PCAP" "$ports")" -eq 170 ]
ok $? "SRTP payloads are 160 + 10-byte HMAC_SHA1_80 tag"
diag "SRTP call RTCP (all, plaintext): $(rtcp_plaintext_count "$LAB_PCAP" "$(lab_rtcp_ports "$ports")") (baresip leaks some, PEERS.md)"

ports=$(lab_kam_media_ports "$PLAIN_CALLID")
e=$(rtp_payload_entropy "$LAB_PCAP" "$ports" "$WORK/plain-as-pcmu.wav")
ok $? "RTP of the plain call found in the capture (ports $ports)"
! lab_float_ge "$e" 7.5
ok $? "control: plain PCMU payload entropy $e bits/byte < 7.5"
res=$("$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG" "$WORK/plain-as-pcmu.wav" --min-seconds 1.5)
ok $? "control: plain RTP decoded as PCMU is the test signal ($res)"
[ "$(rtp_common_size "$LAB_PCAP" "$ports")" -eq 160 ]
ok $? "control: plain PCMU payloads are 160 bytes"
set -- $(rtcp_plaintext_count "$LAB_PCAP" "$(lab_rtcp_ports "$ports")")
[ "$2" -ge 1 ] && [ "$2" -eq "$1" ]
ok $? "control: the plain call's RTCP is all plaintext ($2 of $1)"

lab_stop_baresip carol
lab_stop_baresip alice2
lab_stop_baresip bob

# --- server certificate swaps (same ports) ---------------------------------------------------------
lab_stop_kamailio
lab_start_kamailio "$C/wronghost.pem" "$C/wronghost.key" && [ "$KAM_TLS_PORT" = "$TLS_PORT" ]
ok $? "Kamailio restarted on the same port with wronghost.pem"
out=$(sclient -verify_hostname sip.test </dev/null)
[ $? -ne 0 ] && echo "$out" | grep -qi 'hostname mismatch'
ok $? "s_client -verify_hostname sip.test rejects the wrong-host certificate"
lab_stop_kamailio
lab_start_kamailio "$C/expired.pem" "$C/expired.key"
out=$(sclient -verify_hostname sip.test </dev/null)
[ $? -ne 0 ] && echo "$out" | grep -qi 'certificate has expired'
ok $? "s_client rejects the expired certificate"
lab_restart_kamailio
sclient -verify_hostname sip.test </dev/null | grep -q 'certificate has expired'
ok $? "lab_restart_kamailio keeps the certificate it was started with"
lab_stop_kamailio
KAM_TLS_METHOD=TLSv1.2 lab_start_kamailio "$C/server.pem" "$C/server.key"
sclient -tls1_2 </dev/null | grep -q '^Protocol version: TLSv1.2' && ! sclient -tls1_3 </dev/null >/dev/null
ok $? "KAM_TLS_METHOD=TLSv1.2: 1.2 accepted, 1.3 refused"
lab_stop_kamailio
KAM_REQUIRE_CLIENT_CERT=1 lab_start_kamailio "$C/server.pem" "$C/server.key"
# in TLS 1.3 the server's verdict on the client certificate comes after the client's Finished
(sleep 0.5) | sclient | grep -q 'alert certificate required'
ok $? "KAM_REQUIRE_CLIENT_CERT=1: a client without certificate is refused"
(sleep 0.5) | sclient -cert "$C/client.pem" -key "$C/client.key" | grep -q '^Verification: OK' &&
	! (sleep 0.5) | sclient -cert "$C/client.pem" -key "$C/client.key" | grep -q 'alert'
ok $? "... and one with client.pem is let in"
pid=$KAM_PID
lab_stop_kamailio
! lab_pid_alive "$pid" && ! lab_port_listening "$TLS_PORT"
ok $? "lab_stop_kamailio: process gone, port closed"

diag "selftest took $(($(date +%s) - T0)) s"
done_testing
