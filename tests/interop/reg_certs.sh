#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# reg_certs.sh: a server certificate for the wrong host, an expired one, one from an unknown CA and a
# self-signed one are each refused with their own message; tls_insecure_skip_verify connects but warns.
# work dirs under the build tree: something on the shared machine removes /tmp/sphone-interop.*
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/reg_lib.sh"
lab_require kamailio python3

lab_make_ca "$WORK/ca" || { echo "Bail out! cannot make the CA"; exit 1; }

# refused CERT PATTERN WHAT: Kamailio with CERT; sphone must fail with a reason matching PATTERN
refused() {
	lab_start_kamailio "$LAB_CA/$1.pem" "$LAB_CA/$1.key" || { ok 1 "$3: kamailio started"; return; }
	sp_conf "$WORK/$1.conf" alice "$LAB_PW_alice"
	sp_start "$1" "$WORK/$1.conf"
	sp_wait registration_failed 15; ok $? "$3: registration_failed"
	r=$(sp_field registration_failed reason)
	echo "$r" | grep -q -- "$2"; ok $? "$3: reason '$r'"
	[ "$(sp_field registration_failed status)" = 0 ]; ok $? "$3: status 0 (no SIP answer)"
	[ "$(sp_count registered)" = 0 ]; ok $? "$3: not registered"
	[ "$(lab_kam_count REGISTER alice)" = 0 ]; ok $? "$3: no REGISTER reached the server"
	echo "$r" >>"$WORK/reasons"
	sp_quit
	lab_stop_kamailio
	rm -f "$KAM_LOG"
}

refused wronghost "certificate is for 'wrong.example', not for '127.0.0.1'" "wrong host"
refused expired "expired on" "expired certificate"
refused unknownca "issuer is not trusted" "unknown CA"
refused selfsigned "self-signed" "self-signed certificate"
[ "$(sort -u "$WORK/reasons" | wc -l)" = 4 ]; ok $? "four different messages"

# insecure: the same wrong-host server is accepted, loudly
lab_start_kamailio "$LAB_CA/wronghost.pem" "$LAB_CA/wronghost.key" || echo "Bail out! kamailio"
sp_conf "$WORK/insecure.conf" alice "$LAB_PW_alice" tls_insecure_skip_verify=yes
sp_start insecure "$WORK/insecure.conf"
sp_wait registered 15; ok $? "tls_insecure_skip_verify = yes: registered"
[ "$(sp_field registered verified)" = false ]; ok $? "verified false"
sp_field registered warning | grep -q "NOT verified"; ok $? "warning in the registered event"
grep -q "tls_insecure_skip_verify" "$SP_LOG"; ok $? "warning in the log at start"
sp_quit
# the dangerous setting is shown in every registration event, not only in "registered"
for e in registering unregistered; do
	sp_field $e warning | grep -q "tls_insecure_skip_verify"; ok $? "warning in the $e event"
done
[ "$TAP_FAILED" = 0 ] || sp_diag_fail
done_testing
