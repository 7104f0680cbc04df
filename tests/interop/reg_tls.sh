#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# reg_tls.sh: sphone registers to a real Kamailio over verified TLS with digest auth, the wire shows no
# readable SIP, and quitting un-REGISTERs.
# work dirs under the build tree: something on the shared machine removes /tmp/sphone-interop.*
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/reg_lib.sh"
lab_require kamailio dumpcap tshark python3

lab_make_ca "$WORK/ca" || { echo "Bail out! cannot make the CA"; exit 1; }
lab_start_kamailio || { echo "Bail out! kamailio did not start"; exit 1; }
lab_capture_start reg "tcp port $KAM_TLS_PORT" || { echo "Bail out! no capture"; exit 1; }

sp_conf "$WORK/alice.conf" alice "$LAB_PW_alice" expires=60
sp_start alice "$WORK/alice.conf" --sip-trace
sp_wait registered 15; ok $? "registered event"
v=$(sp_field registered tls_version)
[ "$v" = TLSv1.3 ] || [ "$v" = TLSv1.2 ]; ok $? "over TLSv1.2 or TLSv1.3 (got '$v')"
[ "$(sp_field registered verified)" = true ]; ok $? "server certificate verified"
[ "$(sp_field registered transport)" = TLS ]; ok $? "transport TLS"
[ -n "$(sp_field registered cipher)" ]; ok $? "cipher named ($(sp_field registered cipher))"
sp_field registered peer_subject | grep -q 'CN=sip.test'; ok $? "peer certificate subject reported"
[ "$(sp_field registered expires)" = 60 ]; ok $? "expires 60 granted"
[ -z "$(sp_field registered warning)" ]; ok $? "no warning on a verified TLS registration"
[ "$(lab_kam_reply_codes REGISTER alice)" = "401 200" ]; ok $? "Kamailio: 401 then 200 ($(lab_kam_reply_codes REGISTER alice))"
head -n 1 "$SP_EV" | grep -q '^{"event":"registering","account":"lab","uri":"sips:alice@sip.test"}$'
ok $? "first event: registering with account and uri"
grep -q 'REGISTER sips:sip.test SIP/2.0' "$SP_LOG"; ok $? "--sip-trace writes the SIP messages to the log"
grep -q "$LAB_PW_alice" "$SP_LOG"; [ $? -ne 0 ]; ok $? "the password is not in the log"
grep -q 'response="\*\*\*"' "$SP_LOG"; ok $? "the digest response is masked in the SIP trace"

sp_cmd status
sp_wait status 20; ok $? "status answered"
[ "$(sp_field status state)" = registered ]; ok $? "status says registered"
sp_cmd frobnicate
sp_wait error 20; ok $? "unknown command: error event"

sp_quit
[ "$SP_RC" = 0 ]; ok $? "EOF on stdin: clean exit (rc $SP_RC)"
[ "$(sp_count unregistered)" = 1 ]; ok $? "unregistered event on quit"
[ "$(lab_kam_reply_codes REGISTER alice)" = "401 200 200" ]; ok $? "un-REGISTER reached Kamailio and got 200"
cat "$KAM_DIR"/sipdump/*.data 2>/dev/null | tr -d '\r' | grep -q '^Expires: 0$'
ok $? "Kamailio saw a REGISTER with Expires: 0"

lab_capture_stop
n=$(wire_tls_records "$LAB_PCAP" "$KAM_TLS_PORT")
[ "$n" -gt 0 ]; ok $? "TLS records on the wire ($n)"
wire_has_plain_sip "$LAB_PCAP" "$KAM_TLS_PORT"; [ $? -ne 0 ]; ok $? "no readable SIP on the TLS port"
[ "$(wire_tshark_sip "$LAB_PCAP" "$KAM_TLS_PORT")" = 0 ]; ok $? "tshark finds no SIP request/status line either"
[ "$TAP_FAILED" = 0 ] || sp_diag_fail
done_testing
