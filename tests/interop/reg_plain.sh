#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# reg_plain.sh: over UDP and TCP (no TLS) sphone does not answer Kamailio's digest challenge unless the
# account says allow_plaintext_auth = yes; when allowed it registers, with a warning in the event.
# work dirs under the build tree: something on the shared machine removes /tmp/sphone-interop.*
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/reg_lib.sh"
lab_require kamailio python3

lab_make_ca "$WORK/ca" || { echo "Bail out! cannot make the CA"; exit 1; }
lab_start_kamailio || { echo "Bail out! kamailio did not start"; exit 1; }

# plain_conf FILE TRANSPORT PORT [KEY=VALUE...]
plain_conf() {
	local f=$1 t=$2 p=$3 kv
	shift 3
	{
		echo "[account lab]"
		echo "uri = sip:carol@sip.test"
		echo "password = \"$LAB_PW_carol\""
		echo "proxy = 127.0.0.1:$p"
		echo "transport = $t"
		for kv in "$@"; do echo "${kv%%=*} = ${kv#*=}"; done
	} >"$f"
	chmod 600 "$f"
}

n0=$(lab_kam_count REGISTER carol)
plain_conf "$WORK/udp.conf" udp "$KAM_UDP_PORT"
sp_start udp "$WORK/udp.conf"
sp_wait registration_failed 20; ok $? "UDP: registration_failed"
sp_field registration_failed reason | grep -q "allow_plaintext_auth"; ok $? "UDP: reason: $(sp_field registration_failed reason)"
[ "$(sp_field registration_failed retry_in)" = 0 ]; ok $? "UDP: not retried by itself"
sleep 1
[ $(($(lab_kam_count REGISTER carol) - n0)) = 1 ]; ok $? "UDP: one REGISTER reached Kamailio (no credentials sent)"
cat "$KAM_DIR"/sipdump/*.data >"$WORK/dump" 2>/dev/null
grep -q "^REGISTER sip:sip.test" "$WORK/dump" && ! grep -qi "^Authorization:" "$WORK/dump"
ok $? "UDP: Kamailio saw the REGISTER, and no Authorization header"
sp_quit

n0=$(lab_kam_count REGISTER carol)
plain_conf "$WORK/tcp.conf" tcp "$KAM_TCP_PORT"
sp_start tcp "$WORK/tcp.conf"
sp_wait registration_failed 20; ok $? "TCP: registration_failed"
sp_field registration_failed reason | grep -q "allow_plaintext_auth"; ok $? "TCP: the reason names allow_plaintext_auth"
[ $(($(lab_kam_count REGISTER carol) - n0)) = 1 ]; ok $? "TCP: one REGISTER, no credentials"
sp_quit

plain_conf "$WORK/allow.conf" udp "$KAM_UDP_PORT" allow_plaintext_auth=yes
sp_start allow "$WORK/allow.conf"
sp_wait registered 20; ok $? "UDP with allow_plaintext_auth = yes: registered"
[ "$(sp_field registered transport)" = UDP ]; ok $? "transport UDP"
sp_field registered warning | grep -q "NOT encrypted"; ok $? "warning: signalling not encrypted"
sp_quit
[ "$SP_RC" = 0 ]; ok $? "clean exit"
[ "$(sp_count unregistered)" = 1 ]; ok $? "un-REGISTERed over UDP"
[ "$TAP_FAILED" = 0 ] || sp_diag_fail
done_testing
