#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# reg_dns.sh: no proxy configured: sphone finds the registrar of sip.test through NAPTR and SRV records
# served by a real dnsmasq on 127.0.0.1 (SPHONE_DNS_SERVER points it there), and verifies the
# certificate against the domain (RFC 5922), not the SRV target; the best SRV target is dead, so this
# also proves failover to the next one. The live SRV target's name is known only to /etc/hosts (a
# private mount namespace binds a test hosts file over it; without unshare, dnsmasq serves it), so the
# address step goes through the system resolver. Then `proxy = sips:localhost:PORT` (from /etc/hosts,
# never asked of DNS).
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
# registrar.sip.test in a private /etc/hosts when this machine lets us have one, else in dnsmasq
printf '127.0.0.1 localhost\n127.0.0.1 registrar.sip.test\n' >"$WORK/hosts"
HOSTS_NS=0
if unshare -m sh -c "mount --bind '$WORK/hosts' /etc/hosts && getent hosts registrar.sip.test" >/dev/null 2>&1
then
	HOSTS_NS=1
	cat >"$WORK/sphone-ns" <<EOF
#!/bin/sh
# sphone in a private mount namespace whose /etc/hosts is $WORK/hosts (exec keeps the PID)
exec unshare -m sh -c 'mount --bind "\$0" /etc/hosts && exec "\$@"' '$WORK/hosts' '$SPHONE' "\$@"
EOF
	chmod +x "$WORK/sphone-ns"
	REGISTRAR_RECORD=
else
	diag "no private mount namespace (unshare -m): registrar.sip.test comes from dnsmasq"
	REGISTRAR_RECORD=--host-record=registrar.sip.test,127.0.0.1
fi
"$DNSMASQ" --no-daemon --port="$DNS_PORT" --listen-address=127.0.0.1 --bind-interfaces --no-resolv \
	--no-hosts --conf-file=/dev/null --pid-file= --log-queries --log-facility=- \
	--naptr-record=sip.test,10,50,s,SIPS+D2T,,_sips._tcp.sip.test \
	--naptr-record=sip.test,20,50,s,SIP+D2U,,_sip._udp.sip.test \
	--srv-host=_sips._tcp.sip.test,dead.sip.test,"$DEAD_PORT",5,0 \
	--srv-host=_sips._tcp.sip.test,registrar.sip.test,"$KAM_TLS_PORT",10,0 \
	--host-record=dead.sip.test,127.0.0.1 \
	--srv-host=_sip._udp.sip.test,registrar.sip.test,"$KAM_UDP_PORT",10,0 \
	${REGISTRAR_RECORD:+"$REGISTRAR_RECORD"} \
	--host-record=sip.test,127.0.0.9 \
	>"$WORK/dnsmasq.log" 2>&1 &
DNS_PID=$!
track_pid "$DNS_PID"
WAIT_SECS=20 wait_for lab_port_listening "$DNS_PORT" udp || echo "Bail out! dnsmasq did not start"

{
	echo "[account lab]"
	echo "uri = sips:alice@sip.test"
	echo "password = \"$LAB_PW_alice\""
	echo "ca_file = $LAB_CA/ca.pem"
} >"$WORK/dns.conf"
chmod 600 "$WORK/dns.conf"
SPHONE_DNS_SERVER=127.0.0.1:$DNS_PORT
export SPHONE_DNS_SERVER
SPHONE_PLAIN=$SPHONE
[ "$HOSTS_NS" = 0 ] || SPHONE=$WORK/sphone-ns
sp_start dns "$WORK/dns.conf" --log-level debug
sp_wait registered 15; ok $? "registered with no proxy configured"
[ "$(sp_field registered verified)" = true ]; ok $? "certificate verified against sip.test"
grep -E -q "query\[(NAPTR|type=35)\] sip\.test " "$WORK/dnsmasq.log"; ok $? "sphone asked for the NAPTR of sip.test"
grep -q "_sips._tcp.sip.test" "$WORK/dnsmasq.log"; ok $? "then the SRV of _sips._tcp.sip.test"
grep -E -q "query\[(A|AAAA)\] dead\.sip\.test " "$WORK/dnsmasq.log"
ok $? "an SRV target's address asked of the DNS server (getaddrinfo follows SPHONE_DNS_SERVER)"
if [ "$HOSTS_NS" = 1 ]; then
	! grep -q "registrar.sip.test" "$WORK/dnsmasq.log"
	ok $? "the other SRV target's address came from /etc/hosts (no DNS query for it)"
else
	grep -q "registrar.sip.test" "$WORK/dnsmasq.log"; ok $? "then the SRV target's address"
fi
[ "$(lab_kam_replies REGISTER 200 alice)" -ge 1 ]; ok $? "Kamailio (reached only through SRV's port) said 200"
grep -q "127.0.0.1:$DEAD_PORT (tls) failed" "$SP_LOG"; ok $? "the better SRV target (dead) was tried first"
[ "$(sp_count registration_failed)" = 0 ]; ok $? "failover to the next target without a registration failure"
sp_quit
[ "$SP_RC" = 0 ]; ok $? "clean exit"
[ "$TAP_FAILED" = 0 ] || { sp_diag_fail; diag "dnsmasq:"; tail -n 20 "$WORK/dnsmasq.log" | sed 's/^/#   /'; }

# proxy = sips:localhost:PORT: /etc/hosts answers; the DNS server (which knows no localhost) is not asked
SPHONE=$SPHONE_PLAIN
FAILED_BEFORE=$TAP_FAILED
sed "s|^uri = .*|&\nproxy = sips:localhost:$KAM_TLS_PORT|" "$WORK/dns.conf" >"$WORK/localhost.conf"
chmod 600 "$WORK/localhost.conf"
sp_start localhost "$WORK/localhost.conf" --log-level debug
sp_wait registered 15; ok $? "registered through proxy = sips:localhost:PORT"
[ "$(sp_field registered verified)" = true ]; ok $? "certificate verified against localhost"
! grep -E -q "query\[[A-Z0-9=]+\] localhost" "$WORK/dnsmasq.log"; ok $? "localhost was never asked of DNS"
sp_quit
[ "$SP_RC" = 0 ]; ok $? "clean exit"
[ "$TAP_FAILED" = "$FAILED_BEFORE" ] || sp_diag_fail
done_testing
