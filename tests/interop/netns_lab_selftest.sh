#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# netns_lab_selftest.sh: proves the NAT lab (netns_lab.sh) behaves as it claims, with UDP/TCP probes
# (natprobe.py) and a capture on the router's outside interface: the NAT rewrites, cone and symmetric
# mappings differ, filtering, binding timeouts, a table flush, an address change, and the clean-up.
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/netns_lab.sh"
nl_require dumpcap tshark

T0=$(date +%s)
host_before=$(ip -o link show | awk -F': ' '{ print $2 }'; ip -o -4 addr show | awk '{ print $2, $4 }')
nl_setup cone || { echo "Bail out! nl_setup failed"; exit 1; }
ok 0 "nl_setup: namespaces $NL_HOME $NL_ROUTER $NL_PROVIDER"
[ "$(ip netns list | grep -c "^sph$$-")" -eq 3 ]
ok $? "three namespaces named after this run (sph$$-...)"
[ "$(ip -o link show | awk -F': ' '{ print $2 }'; ip -o -4 addr show | awk '{ print $2, $4 }')" = "$host_before" ]
ok $? "the host's namespace has the same interfaces and addresses as before"
[ "$(ip -n "$NL_HOME" -4 route show | tr -s ' ')" = "default via $NL_LAN_IP dev eth0 
10.200.1.0/24 dev eth0 proto kernel scope link src $NL_HOME_IP " ]
ok $? "the home reaches the world only through the router"
! ip -n "$NL_PROVIDER" route get "$NL_HOME_IP" >/dev/null 2>&1
ok $? "the provider has no route to the home's private address"

P1=$NL_PROV_IP:4000 P2=$NL_PROV_IP2:4000 P3=$NL_PROV_IP:4001
nl_probe_server "$NL_PROVIDER" "$P1" "$P2" "$P3"
ok $? "probe server in the provider on $P1 $P2 $P3"
nl_capture_start wan "$NL_ROUTER" wan0 "udp or tcp"
ok $? "capture on the router's outside interface"

# --- cone ------------------------------------------------------------------------------------------
set -- $(nl_probe "$NL_HOME" "$NL_HOME_IP:5000" who "$P1" who "$P2" poke "$P1" 2 poke "$P1" 0 | tr ' ' '_')
[ "${1:-}" = "seen_$NL_WAN_IP:5000" ]
ok $? "cone: the provider sees the router's address, not the home's (${1:-})"
[ "${2:-}" = "${1:-}" ]
ok $? "cone: the same mapping towards another address (endpoint-independent: ${2:-})"
[ "${3:-}" = none ]
ok $? "cone: a port the home never sent to cannot get in (port-restricted: ${3:-})"
[ "${4:-}" = "token_from_$P1" ]
ok $? "control: the address the home sent to gets in (${4:-})"

# --- symmetric -------------------------------------------------------------------------------------
nl_set_nat symmetric && nl_flush
set -- $(nl_probe "$NL_HOME" "$NL_HOME_IP:5001" who "$P1" who "$P2" who "$P3" poke "$P1" 2 | tr ' ' '_' | sed 's/^seen_//')
echo "${1:-} ${2:-} ${3:-}" | grep -q "^$NL_WAN_IP:[0-9]* $NL_WAN_IP:[0-9]* $NL_WAN_IP:[0-9]*$" &&
	[ "$1" != "$2" ] && [ "$1" != "$3" ] && [ "$2" != "$3" ]
ok $? "symmetric: a new mapping per destination (${1:-} ${2:-} ${3:-})"
[ "${4:-}" = none ]
ok $? "symmetric: filtered too (${4:-})"
lab_capture_stop
n=$(tshark -r "$LAB_PCAP" -T fields -e ip.src -e ip.dst 2>/dev/null | grep -c .)
priv=$(tshark -r "$LAB_PCAP" -T fields -e ip.src -e ip.dst 2>/dev/null | grep -c '10\.200\.')
[ "$n" -ge 10 ] && [ "$priv" -eq 0 ]
ok $? "capture on wan0: $n packets, none with a 10.200.x address ($priv)"
[ "$(nl_leaks)" = 0 ]
ok $? "the router's leak counter is 0"

# --- no NAT: the controls ----------------------------------------------------------------------------
nl_set_nat none && nl_flush
set -- $(nl_probe "$NL_HOME" "$NL_HOME_IP:5002" who "$P1" poke "$P1" 2 | tr ' ' '_')
[ "${1:-}" = "seen_$NL_HOME_IP:5002" ]
ok $? "none: the provider sees the home's own address (${1:-})"
[ "${2:-}" = "token_from_$P3" ]
ok $? "none: nothing filtered (${2:-})"

# --- a flushed table ------------------------------------------------------------------------------
nl_set_nat cone && nl_flush
[ "$(nl_probe "$NL_HOME" "$NL_HOME_IP:5003" later "$P1" 2)" = "token from $P1" ]
ok $? "control: a reply 2 s later gets in"
nl_probe "$NL_HOME" "$NL_HOME_IP:5003" later "$P1" 2 >"$WORK/flush-udp.out" &
p=$!
sleep 1
nl_flush
wait $p
[ "$(cat "$WORK/flush-udp.out")" = none ]
ok $? "a flush 1 s into the wait: the reply 2 s later does not get in ($(cat "$WORK/flush-udp.out"))"
nl_probe "$NL_HOME" "$NL_HOME_IP:5004" tcp "$P1" tcpwho sleep 2 tcpwho >"$WORK/flush-tcp.out" &
p=$!
sleep 1
nl_flush
wait $p
set -- $(tr ' ' '_' <"$WORK/flush-tcp.out")
[ "${1:-}" = connected ] && [ "${2:-}" != none ] && [ "${3:-}" = none ]
ok $? "a TCP connection answers before the flush and is dead after it ($*)"
a=$(nl_probe "$NL_HOME" "$NL_HOME_IP:5005" who "$P1")
nl_flush
b=$(nl_probe "$NL_HOME" "$NL_HOME_IP:5005" who "$P1")
[ "$a" = "seen $NL_WAN_IP:5005" ] && [ "$b" = "$a" ]
ok $? "cone: after a flush the next packet gets the same mapping back (port kept: $a, $b)"
nl_set_nat symmetric && nl_flush
a=$(nl_probe "$NL_HOME" "$NL_HOME_IP:5006" who "$P1")
nl_flush
b=$(nl_probe "$NL_HOME" "$NL_HOME_IP:5006" who "$P1")
[ "${a#seen }" != "$a" ] && [ "${b#seen }" != "$b" ] && [ "$a" != "$b" ]
ok $? "symmetric: after a flush a new mapping ($a, $b)"

# --- short binding timeouts -----------------------------------------------------------------------------
nl_set_nat cone && nl_flush
nl_timeouts 3 5
ok $? "conntrack timeouts in the router: UDP 3 s, TCP established 5 s"
[ "$(sysctl -n net.netfilter.nf_conntrack_udp_timeout)" != 3 ]
ok $? "... inside the router only (the host's is $(sysctl -n net.netfilter.nf_conntrack_udp_timeout) s)"
[ "$(nl_probe "$NL_HOME" "$NL_HOME_IP:5007" later "$P1" 1)" = "token from $P1" ]
ok $? "a reply after 1 s of silence gets in"
[ "$(nl_probe "$NL_HOME" "$NL_HOME_IP:5008" later "$P1" 6)" = none ]
ok $? "a reply after 6 s of silence does not (the binding expired after 3 s)"
[ "$(nl_conntrack_count -p udp --orig-src "$NL_HOME_IP" --orig-port-src 5008)" -eq 0 ]
ok $? "the router has no conntrack entry left for that socket"
set -- $(nl_probe "$NL_HOME" "$NL_HOME_IP:5009" tcp "$P1" tcpwho sleep 7 tcpwho | tr ' ' '_')
[ "${1:-}" = connected ] && [ "${2:-}" != none ] && [ "${3:-}" = none ]
ok $? "a TCP connection silent for 7 s is dead (5 s timeout, no pick-up: $*)"
nl_timeouts 30 432000

# --- the home's address changes -------------------------------------------------------------------------
nl_probe "$NL_HOME" "$NL_HOME_IP:5010" tcp "$P1" tcpwho sleep 2 tcpwho >"$WORK/move-tcp.out" &
p=$!
sleep 1
old=$NL_HOME_IP
nl_home_move
ok $? "nl_home_move: $old -> $NL_HOME_IP"
wait $p
set -- $(tr ' ' '_' <"$WORK/move-tcp.out")
[ "${1:-}" = connected ] && [ "${2:-}" != none ] && [ "${3:-}" = none ]
ok $? "a TCP connection from the old address is dead after the move ($*)"
! ip -n "$NL_HOME" -4 addr show | grep -q "$old" && ip -n "$NL_HOME" -4 addr show | grep -q "$NL_HOME_IP/24"
ok $? "the home has only the new address"
[ "$(nl_probe "$NL_HOME" "0.0.0.0:5011" who "$P1")" = "seen $NL_WAN_IP:5011" ]
ok $? "from the new address the provider is reached through the NAT again"

# --- clean-up, also when killed ---------------------------------------------------------------------------
cat >"$WORK/inner.sh" <<EOF
top_srcdir=$top_srcdir
. "\$top_srcdir/tests/interop/lab.sh"
. "\$top_srcdir/tests/interop/netns_lab.sh"
nl_setup cone || exit 1
nl_probe_server "\$NL_PROVIDER" "$P1" || exit 1
echo "\$NL_HOME \$NL_ROUTER \$NL_PROVIDER \$NL_PROBE_PID"
# (a shell handles a trapped signal only once its foreground child is done; wait returns at once)
sleep 60 &
track_pid \$!
wait \$!
EOF
sh "$WORK/inner.sh" >"$WORK/inner.out" 2>&1 &
inner=$!
WAIT_SECS=10 wait_for grep -qs provider "$WORK/inner.out"
set -- $(cat "$WORK/inner.out") "" "" "" ""
kill -TERM "$inner"
wait "$inner"
left=0
for ns in "$1" "$2" "$3"; do ip netns list | grep -q "^$ns\b" && left=1; done
[ -n "$4" ] && [ $left -eq 0 ] && ! kill -0 "$4" 2>/dev/null
ok $? "a lab killed with SIGTERM removes its namespaces and stops what ran in them ($*)"

diag "selftest took $(($(date +%s) - T0)) s"
done_testing
