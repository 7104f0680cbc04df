#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# reg_dns.sh: no proxy configured: sphone finds the registrar of sip.test through NAPTR and SRV records
# served by a real dnsmasq on 127.0.0.1 (SPHONE_DNS_SERVER points it there), and verifies the
# certificate against the domain (RFC 5922), not the SRV target; the best SRV target is dead, so this
# also proves failover to the next one.
# work dirs under the build tree: something on the shared machine removes /tmp/sphone-interop.*
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/reg_lib.sh"
lab_require kamailio python3
DNSMASQ=$(command -v dnsmasq || ls /usr/sbin/dnsmasq 2>/dev/null)
[ -n "$DNSMASQ" ] || skip_all "dnsmasq not installed"

lab_make_ca "$WORK/ca" || { echo "Bail out! cannot make the CA"; exit 1; }
lab_start_kamailio || { echo "Bail out! kamailio did not start"; exit 1; }
DNS_PORT=$(free_port)
DEAD_PORT=$(free_port)   # nothing listens there
"$DNSMASQ" --no-daemon --port="$DNS_PORT" --listen-address=127.0.0.1 --bind-interfaces --no-resolv \
	--no-hosts --conf-file=/dev/null --pid-file= --log-queries --log-facility=- \
	--naptr-record=sip.test,10,50,s,SIPS+D2T,,_sips._tcp.sip.test \
	--naptr-record=sip.test,20,50,s,SIP+D2U,,_sip._udp.sip.test \
	--srv-host=_sips._tcp.sip.test,dead.sip.test,"$DEAD_PORT",5,0 \
	--srv-host=_sips._tcp.sip.test,registrar.sip.test,"$KAM_TLS_PORT",10,0 \
	--host-record=dead.sip.test,127.0.0.1 \
	--srv-host=_sip._udp.sip.test,registrar.sip.test,"$KAM_UDP_PORT",10,0 \
	--host-record=registrar.sip.test,127.0.0.1 \
	--host-record=sip.test,127.0.0.9 \
	>"$WORK/dnsmasq.log" 2>&1 &
DNS_PID=$!
track_pid "$DNS_PID"
WAIT_SECS=5 wait_for lab_port_listening "$DNS_PORT" udp || echo "Bail out! dnsmasq did not start"

{
	echo "[account lab]"
	echo "uri = sips:alice@sip.test"
	echo "password = \"$LAB_PW_alice\""
	echo "ca_file = $LAB_CA/ca.pem"
} >"$WORK/dns.conf"
chmod 600 "$WORK/dns.conf"
SPHONE_DNS_SERVER=127.0.0.1:$DNS_PORT
export SPHONE_DNS_SERVER
sp_start dns "$WORK/dns.conf" --log-level debug
sp_wait registered 15; ok $? "registered with no proxy configured"
[ "$(sp_field registered verified)" = true ]; ok $? "certificate verified against sip.test"
grep -E -q "query\[(NAPTR|type=35)\] sip\.test " "$WORK/dnsmasq.log"; ok $? "sphone asked for the NAPTR of sip.test"
grep -q "_sips._tcp.sip.test" "$WORK/dnsmasq.log"; ok $? "then the SRV of _sips._tcp.sip.test"
grep -q "registrar.sip.test" "$WORK/dnsmasq.log"; ok $? "then the SRV target's address"
[ "$(lab_kam_replies REGISTER 200 alice)" -ge 1 ]; ok $? "Kamailio (reached only through SRV's port) said 200"
grep -q "127.0.0.1:$DEAD_PORT (tls) failed" "$SP_LOG"; ok $? "the better SRV target (dead) was tried first"
[ "$(sp_count registration_failed)" = 0 ]; ok $? "failover to the next target without a registration failure"
sp_quit
[ "$SP_RC" = 0 ]; ok $? "clean exit"
[ "$TAP_FAILED" = 0 ] || { sp_diag_fail; diag "dnsmasq:"; tail -n 20 "$WORK/dnsmasq.log" | sed 's/^/#   /'; }
done_testing
