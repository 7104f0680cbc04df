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
# (the probes wait for a file before their last step, so each check is in order whatever the load)
# unprompted PORT TOKEN [flush]: the home's socket on PORT learns its mapping from P1, the router's table
# is flushed (or not), then P1 sends TOKEN to that mapping out of the blue: prints what the home got
unprompted() {
	local go=$WORK/go-$1 out=$WORK/unprompted-$1.out p m
	nl_probe "$NL_HOME" "$NL_HOME_IP:$1" who "$P1" waitfile "$go" expect "$2" 2 >"$out" &
	p=$!
	WAIT_SECS=20 wait_for grep -qs '^seen ' "$out"
	m=$(sed -n 's/^seen //p' "$out")
	[ "${3:-}" = flush ] && nl_flush
	nl_probe_send 0 "$m" "$2"
	touch "$go"
	wait $p
	sed -n 2p "$out"
}
# heldtcp PORT ACTION: a TCP connection through the router answers; ACTION runs (in this shell); does it
# still answer? Sets HELD to the three answers (connected, seen_..., seen_... or none)
heldtcp() {
	local go=$WORK/go-tcp-$1 out=$WORK/tcp-$1.out p
	nl_probe "$NL_HOME" "$NL_HOME_IP:$1" tcp "$P1" tcpwho waitfile "$go" tcpwho >"$out" &
	p=$!
	WAIT_SECS=20 wait_for grep -qs '^seen ' "$out"
	$2
	touch "$go"
	wait $p
	HELD=$(tr ' \n' '_ ' <"$out")
}
nl_set_nat cone && nl_flush
r=$(unprompted 5003 tok1)
[ "$r" = "token from $P1" ]
ok $? "control: the provider's address gets in unprompted while the binding lives ($r)"
r=$(unprompted 5013 tok2 flush)
[ "$r" = none ]
ok $? "after a flush it does not ($r)"
heldtcp 5004 nl_flush
set -- $HELD
[ "${1:-}" = connected ] && [ "${2:-}" != none ] && [ "${3:-}" = none ]
ok $? "a TCP connection answers before a flush and is dead after it ($*)"
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
nl_timeouts 4 4
ok $? "conntrack timeouts in the router: UDP 4 s, TCP established 4 s"
[ "$(sysctl -n net.netfilter.nf_conntrack_udp_timeout)" != 4 ]
ok $? "... inside the router only (the host's is $(sysctl -n net.netfilter.nf_conntrack_udp_timeout) s)"
[ "$(nl_probe "$NL_HOME" "$NL_HOME_IP:5007" later "$P1" 1)" = "token from $P1" ]
ok $? "a reply after 1 s of silence gets in"
[ "$(nl_probe "$NL_HOME" "$NL_HOME_IP:5008" later "$P1" 8)" = none ]
ok $? "a reply after 8 s of silence does not (the binding expired after 4 s)"
[ "$(nl_conntrack_count -p udp --orig-src "$NL_HOME_IP" --orig-port-src 5008)" -eq 0 ]
ok $? "the router has no conntrack entry left for that socket"
set -- $(nl_probe "$NL_HOME" "$NL_HOME_IP:5009" tcp "$P1" tcpwho sleep 8 tcpwho | tr ' ' '_')
[ "${1:-}" = connected ] && [ "${2:-}" != none ] && [ "${3:-}" = none ]
ok $? "a TCP connection silent for 8 s is dead (4 s timeout, no pick-up: $*)"
nl_timeouts 30 432000

# --- the home's address changes -------------------------------------------------------------------------
old=$NL_HOME_IP
heldtcp 5010 nl_home_move
set -- $HELD
[ "${1:-}" = connected ] && [ "${2:-}" != none ] && [ "${3:-}" = none ]
ok $? "nl_home_move ($old -> $NL_HOME_IP): a TCP connection from the old address is dead after it ($*)"
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
WAIT_SECS=20 wait_for grep -qs provider "$WORK/inner.out"
set -- $(cat "$WORK/inner.out") "" "" "" ""
kill -TERM "$inner"
wait "$inner"
left=0
for ns in "$1" "$2" "$3"; do ip netns list | grep -q "^$ns\b" && left=1; done
[ -n "$4" ] && [ $left -eq 0 ] && ! kill -0 "$4" 2>/dev/null
ok $? "a lab killed with SIGTERM removes its namespaces and stops what ran in them ($*)"

diag "selftest took $(($(date +%s) - T0)) s"
done_testing
