# SPDX-License-Identifier: GPL-3.0-or-later
# netns_lab.sh: the NAT lab: network namespaces (a home behind a NAT router, a provider on the "public" side)
# for the NAT, keepalive and network-change tests. Sourced after lab.sh; POSIX sh (dash) compatible; root.
#
#   home                 router                         provider
#   eth0 -------------- lan0 [nft NAT] wan0 ----------- eth0
#   10.200.1.2          10.200.1.1      198.51.100.1    198.51.100.2  Kamailio, STUN server (KAM_IP)
#   (10.200.2.2 after   (10.200.2.1)                    198.51.100.3  baresip (NL_PEER_IP)
#    nl_home_move)                                      198.51.100.4  a second address (NL_PROV_IP2)
#
# Every run makes its own three namespaces (names "sph<PID>-<random>-home" etc., in NL_HOME NL_ROUTER
# NL_PROVIDER), so runs sharing the machine never meet; the addresses exist only inside them (198.51.100.0/24
# is TEST-NET-2, 10.200.0.0/16 private). The home has no route to the provider but through the router;
# the provider has none back to 10.200.0.0/16 unless the NAT type is "none" (a plain router).
# On exit (lib.sh's cleanup first) every process still inside the namespaces is stopped by PID and the
# namespaces are deleted.
#
# Typical use:
#   . "$top_srcdir/tests/interop/lab.sh"; . "$top_srcdir/tests/interop/netns_lab.sh"
#   nl_require kamailio baresip          # root, ip, nft, conntrack and the tools named, else "1..0 # SKIP"
#   nl_setup cone                        # cone | symmetric | none
#   nl_provider                          # Kamailio and baresip will run in the provider (LAB_NETNS, KAM_IP)
#   lab_start_kamailio; lab_start_baresip bob bob "$LAB_PW_bob" ip=$NL_PEER_IP
#   SPHONE=$(nl_wrap sphone "$NL_HOME" "$top_builddir/sphone")   # then call_lib.sh's cs_start as usual
#
# Functions (each documented where it is defined):
#   set-up      nl_require nl_sphone_require nl_setup nl_provider nl_wrap nl_exec
#   the router  nl_set_nat nl_timeouts nl_flush nl_conntrack_count nl_leaks
#   the home    nl_home_move
#   call tests  nl_call_lab nl_stun_lab nl_alice_bob
#   tools       nl_start_stun nl_probe_server nl_probe nl_probe_send nl_capture_start (lab_capture_stop ends it)
#   the wire    nl_private_free nl_wire_secure nl_outside_checks

NL_HOME_IP=10.200.1.2
NL_LAN_IP=10.200.1.1
NL_WAN_IP=198.51.100.1
NL_PROV_IP=198.51.100.2
NL_PEER_IP=198.51.100.3
NL_PROV_IP2=198.51.100.4
NL_NAMESPACES=""

# nl_sphone_require [TOOL...]: for the tests that run sphone in the lab: call_lib.sh (cs_*; sourced here), then
#   nl_require TOOL..., then a skip unless sphone is built. Sets BIN, the sphone binary (SPHONE is set to
#   nl_wrap's wrappers around it later).
nl_sphone_require() {
	type cs_start >/dev/null 2>&1 || . "$LAB_SRC/call_lib.sh"
	nl_require "$@"
	[ -x "$SPHONE" ] || skip_all "$SPHONE not built"
	BIN=$SPHONE
}

# nl_require [TOOL...]: skip the test (TAP "1..0 # SKIP") unless it runs as root where network namespaces,
# nftables and conntrack work, and each TOOL is there (lab_require's names: kamailio baresip dumpcap ...).
# Under .ci/run (CI=true) the lab must run: a missing privilege or command fails the test instead.
nl_require() {
	local probe
	[ "${SPHONE_UNIT_ONLY:-0}" = 1 ] && skip_all "SPHONE_UNIT_ONLY=1: no real peers"
	[ "$(id -u)" = 0 ] || _nl_cannot "the NAT lab needs root (network namespaces)"
	for _t in ip nft conntrack python3; do
		command -v "$_t" >/dev/null 2>&1 || _nl_cannot "$_t not installed"
	done
	probe=sph$$-probe
	ip netns add "$probe" 2>/dev/null || _nl_cannot "cannot create network namespaces here"
	if ! ip netns exec "$probe" nft add table ip nl_probe 2>/dev/null; then
		ip netns del "$probe"
		_nl_cannot "nftables does not work inside a network namespace here"
	fi
	ip netns del "$probe"
	[ $# -eq 0 ] || lab_require "$@"
}

_nl_cannot() {
	[ "${CI:-}" = true ] || skip_all "$1"
	echo "not ok 1 - the NAT lab cannot run under CI: $1"
	echo "1..1"
	exit 1
}

# nl_exec NS CMD...: run CMD inside namespace NS. Not for background processes whose PID is wanted: a
#   backgrounded function runs in a subshell; "ip netns exec NS CMD &" gives CMD's own PID (ip execs it).
nl_exec() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# nl_setup [cone|symmetric|none]: make this run's namespaces, links, addresses, routes and the router's
#   nftables rule set (see nl_set_nat; default cone), with conntrack's pick-up of TCP connections it has
#   no state for turned off (a flushed table then loses TCP flows, as a router reboot does). Exports
#   NL_HOME NL_ROUTER NL_PROVIDER (namespace names) and the NL_*_IP addresses above. Returns 1 (with a
#   diagnostic) when something cannot be set up.
nl_setup() {
	local tag
	_nl_reap_stale
	tag=sph$$-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
	NL_HOME=$tag-home NL_ROUTER=$tag-router NL_PROVIDER=$tag-provider
	export NL_HOME NL_ROUTER NL_PROVIDER
	trap '_nl_exit' EXIT
	trap 'exit 129' HUP
	trap 'exit 141' PIPE # a write to a sphone that died (its command fifo): still clean up
	trap 'exit 130' INT
	trap 'exit 143' TERM
	for _ns in "$NL_HOME" "$NL_ROUTER" "$NL_PROVIDER"; do
		ip netns add "$_ns" || { diag "nl_setup: cannot add namespace $_ns"; return 1; }
		NL_NAMESPACES="$NL_NAMESPACES $_ns"
		ip -n "$_ns" link set lo up || return 1
	done
	# the veth pairs are made inside the namespaces: no interface ever appears in the host's namespace
	ip -n "$NL_ROUTER" link add lan0 type veth peer name eth0 netns "$NL_HOME" &&
	ip -n "$NL_ROUTER" link add wan0 type veth peer name eth0 netns "$NL_PROVIDER" &&
	ip -n "$NL_HOME" addr add "$NL_HOME_IP/24" dev eth0 &&
	ip -n "$NL_ROUTER" addr add "$NL_LAN_IP/24" dev lan0 &&
	ip -n "$NL_ROUTER" addr add "$NL_WAN_IP/24" dev wan0 &&
	ip -n "$NL_PROVIDER" addr add "$NL_PROV_IP/24" dev eth0 &&
	ip -n "$NL_PROVIDER" addr add "$NL_PEER_IP/24" dev eth0 &&
	ip -n "$NL_PROVIDER" addr add "$NL_PROV_IP2/24" dev eth0 &&
	ip -n "$NL_HOME" link set eth0 up &&
	ip -n "$NL_ROUTER" link set lan0 up &&
	ip -n "$NL_ROUTER" link set wan0 up &&
	ip -n "$NL_PROVIDER" link set eth0 up &&
	ip -n "$NL_HOME" route add default via "$NL_LAN_IP" &&
	nl_exec "$NL_ROUTER" sysctl -qw net.ipv4.ip_forward=1 &&
	nl_exec "$NL_ROUTER" sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0 || {
		diag "nl_setup: cannot configure the namespaces"
		return 1
	}
	# no IPv6 (nor its neighbour discovery and router solicitations) on the lab's links
	for _ns in "$NL_HOME" "$NL_ROUTER" "$NL_PROVIDER"; do
		nl_exec "$_ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null
	done
	nl_set_nat "${1:-cone}"
}

# nl_set_nat cone|symmetric|none: (re)load the router's rule set. cone: masquerade keeping the source
#   port where it can (Linux reuses one mapping per inside address:port for every destination, and lets
#   in only what answers a conntrack entry: a port-restricted cone). symmetric: masquerade with "random"
#   (a new random port per connection, so per destination). none: plain routing both ways (the provider
#   gets a route to 10.200.0.0/16). In the NAT types, the forward chain lets in only established/related
#   traffic, drops conntrack-invalid packets, and a last postrouting check drops (and counts, nl_leaks)
#   anything still leaving with a 10.200.x source. In the NAT types the router itself takes nothing new from
#   outside (a home router's firewall): dropped before conntrack keeps an entry for it, so a far end's
#   media that arrives before ours does not take the port the NAT is about to use for ours (an accepted
#   packet to the router's own address made conntrack keep that tuple, and masquerade then gave sphone's
#   first packet to that far end another port). Existing conntrack entries keep their old mappings:
#   nl_flush after a change. Exports NL_NAT.
nl_set_nat() {
	local masq="" fwd
	case $1 in
	cone) masq="masquerade" ;;
	symmetric) masq="masquerade random" ;;
	none) ;;
	*) diag "nl_set_nat: $1?"; return 1 ;;
	esac
	NL_NAT=$1
	export NL_NAT
	if [ -n "$masq" ]; then
		fwd='ct state established,related accept
		iifname "lan0" oifname "wan0" accept'
		ip -n "$NL_PROVIDER" route del 10.200.0.0/16 2>/dev/null
	else
		fwd='iifname "lan0" oifname "wan0" accept
		iifname "wan0" oifname "lan0" accept'
		ip -n "$NL_PROVIDER" route replace 10.200.0.0/16 via "$NL_WAN_IP"
	fi
	nl_exec "$NL_ROUTER" nft delete table ip nl_lab 2>/dev/null
	nl_exec "$NL_ROUTER" nft -f - <<EOF
table ip nl_lab {
	counter leaks { }
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state invalid drop
		$fwd
	}
	chain input {
		type filter hook input priority filter; policy accept;
		${masq:+iifname "wan0" ct state new drop}
	}
	chain nat {
		type nat hook postrouting priority srcnat; policy accept;
		${masq:+oifname "wan0" $masq}
	}
	chain leak {
		type filter hook postrouting priority srcnat + 10; policy accept;
		${masq:+oifname "wan0" ip saddr 10.200.0.0/16 counter name leaks drop}
	}
}
EOF
}

# nl_timeouts UDP_SECS [TCP_SECS]: conntrack timeouts inside the router: UDP bindings (replied or not)
#   expire after UDP_SECS of silence, established TCP connections after TCP_SECS (default: unchanged,
#   5 days). As on home routers, a flow then needs keepalives to stay reachable from outside.
nl_timeouts() {
	nl_exec "$NL_ROUTER" sysctl -qw net.netfilter.nf_conntrack_udp_timeout="$1" \
		net.netfilter.nf_conntrack_udp_timeout_stream="$1" || return 1
	[ -z "${2:-}" ] || nl_exec "$NL_ROUTER" sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_established="$2"
}

# nl_flush: the router forgets every connection (conntrack -F), as after a reboot: UDP gets new mappings
#   on the next packet out (a new port with the symmetric NAT), TCP flows are dead (no pick-up).
nl_flush() {
	nl_exec "$NL_ROUTER" conntrack -F 2>/dev/null
}

# nl_conntrack_count [FILTER...]: how many conntrack entries the router holds (FILTER: conntrack -L
#   options, e.g. -p udp --orig-src 10.200.1.2 --orig-port-src 5000)
nl_conntrack_count() {
	nl_exec "$NL_ROUTER" conntrack -L "$@" 2>/dev/null | grep -c .
}

# nl_leaks: packets the router dropped because they would have left with a private (10.200.x) source
nl_leaks() {
	nl_exec "$NL_ROUTER" nft list counter ip nl_lab leaks 2>/dev/null | sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

# nl_home_move: the home's address changes: the router gets 10.200.2.1/24 too, the home's eth0 loses
#   10.200.1.2 and gets 10.200.2.2/24 with a new default route (sockets bound to the old address can no
#   longer send; connections through it are gone). Exports NL_HOME_IP (the new address).
nl_home_move() {
	ip -n "$NL_ROUTER" addr add 10.200.2.1/24 dev lan0 &&
	ip -n "$NL_HOME" addr add 10.200.2.2/24 dev eth0 &&
	ip -n "$NL_HOME" addr del "$NL_HOME_IP/24" dev eth0 &&
	ip -n "$NL_HOME" route replace default via 10.200.2.1 || return 1
	NL_HOME_IP=10.200.2.2
	export NL_HOME_IP
}

# nl_wrap NAME NS PROGRAM: print the path of a new script $WORK/nsbin/NAME that runs PROGRAM (with the
#   script's arguments) inside namespace NS. It execs, so the PID a caller gets is PROGRAM's: e.g.
#   SPHONE=$(nl_wrap sphone "$NL_HOME" "$top_builddir/sphone") for call_lib.sh's cs_start.
nl_wrap() {
	mkdir -p "$WORK/nsbin" || return 1
	printf '#!/bin/sh\nexec ip netns exec %s %s "$@"\n' "$2" "$3" >"$WORK/nsbin/$1" &&
		chmod 755 "$WORK/nsbin/$1" && echo "$WORK/nsbin/$1"
}

# nl_provider: the lab's peers live in the provider: sets LAB_NETNS and KAM_IP for lab.sh, makes the lab
#   CA ($WORK/ca, unless LAB_CA is set) and a server certificate for Kamailio's address there
#   (provider.pem: SAN IP:198.51.100.2, DNS:sip.test, DNS:localhost), used by lab_start_kamailio.
nl_provider() {
	LAB_NETNS=$NL_PROVIDER KAM_IP=$NL_PROV_IP
	export LAB_NETNS KAM_IP
	[ -n "${LAB_CA:-}" ] || lab_make_ca "$WORK/ca" || return 1
	lab_issue_server_cert provider "IP:$NL_PROV_IP,DNS:sip.test,DNS:localhost" || return 1
	KAM_CERT=$LAB_CA/provider.pem KAM_KEY=$LAB_CA/provider.key
	export KAM_CERT KAM_KEY
}

# nl_start_stun [PORT]: coturn's turnserver as a plain STUN server (no TURN, no auth, no RFC 5780) in the
#   provider on NL_PROV_IP and NL_PROV_IP2, UDP and TCP port PORT (default 3478; the namespace is ours).
#   Two addresses: a symmetric NAT maps one socket differently towards each. Exports NL_STUN_PID
#   NL_STUN_PORT NL_STUN_LOG. Returns 1 if it does not listen within 5 s.
nl_start_stun() {
	NL_STUN_PORT=${1:-3478}
	NL_STUN_LOG=$WORK/turnserver.log
	ip netns exec "$NL_PROVIDER" turnserver -n --stun-only --no-tls --no-dtls --no-cli --no-rfc5780 \
		--listening-ip "$NL_PROV_IP" --listening-ip "$NL_PROV_IP2" --listening-port "$NL_STUN_PORT" \
		--log-file stdout --simple-log --pidfile "$WORK/turnserver.pid" --db "$WORK/turndb" </dev/null >"$NL_STUN_LOG" 2>&1 &
	NL_STUN_PID=$!
	track_pid "$NL_STUN_PID"
	export NL_STUN_PID NL_STUN_PORT NL_STUN_LOG
	KAM_IP=$NL_PROV_IP2 WAIT_SECS=20 wait_for lab_port_listening "$NL_STUN_PORT" udp "$NL_STUN_PID" || {
		diag "turnserver did not start; last log lines:"
		tail -n 10 "$NL_STUN_LOG" | sed 's/^/#   /'
		return 1
	}
}

# nl_call_lab TYPE [FILTER]: the lab of the call tests: nl_setup TYPE, the peers in the provider (nl_provider),
#   SIG ($WORK/signal60.wav, 60 s), Kamailio there (the caller's KAM_* settings apply) and a capture on the
#   router's outside link (FILTER, default "tcp port $KAM_TLS_PORT or udp"). Prints "Bail out! ..." and
#   returns 1 when a step fails.
nl_call_lab() {
	local why
	SIG=$WORK/signal60.wav
	if ! nl_setup "$1"; then why="nl_setup failed"
	elif ! nl_provider; then why="no certificates"
	elif ! lab_make_wav "$SIG" 60; then why="no test signal"
	elif ! lab_start_kamailio; then why="kamailio did not start"
	elif ! nl_capture_start wan "$NL_ROUTER" wan0 "${2:-tcp port $KAM_TLS_PORT or udp}"; then why="no capture"
	else return 0
	fi
	echo "Bail out! $why"
	return 1
}

# nl_alice_bob [SETTING...]: two sphones from BIN, both playing SIG: "alice" at home (session 7, cs_conf SETTING...,
#   recording $WORK/alice-heard.wav) and "bob" in the provider (session 8, auto-answer, $WORK/bob-heard.wav);
#   the caller waits for them to register
nl_alice_bob() {
	SPHONE=$(nl_wrap sphone-home "$NL_HOME" "$BIN")
	cs_conf "$WORK/alice.conf" alice "$@"
	cs_start alice 7 "$WORK/alice.conf" --audio-in "$SIG" --audio-out "$WORK/alice-heard.wav"
	SPHONE=$(nl_wrap sphone-provider "$NL_PROVIDER" "$BIN")
	cs_conf "$WORK/bob.conf" bob
	cs_start bob 8 "$WORK/bob.conf" --audio-in "$SIG" --audio-out "$WORK/bob-heard.wav" --auto-answer
}

# nl_stun_lab TYPE FILTER WHAT: the lab of the STUN call tests: nl_call_lab TYPE FILTER, coturn in the provider,
#   baresip "bob" sending SIG from NL_PEER_IP, and sphone "alice" at home (session 7, BIN wrapped into the
#   home) with stun_server the lab's coturn, playing SIG and recording $WORK/alice-heard.wav: its
#   registration is the TAP check WHAT. baresip binds its media sockets to the wildcard address: a route
#   makes its packets towards the home leave from NL_PEER_IP, the address its SDP gives (else the provider's
#   first address, Kamailio's, and a port-restricted cone lets in only what comes from where sphone sent;
#   Kamailio and coturn bind theirs). Prints "Bail out! ..." and returns 1 when a step of the lab fails.
nl_stun_lab() {
	local why
	nl_call_lab "$1" "$2" || return 1
	if ! nl_start_stun; then why="no STUN server"
	elif [ "$1" = none ] && ! ip -n "$NL_PROVIDER" route replace 10.200.0.0/16 via "$NL_WAN_IP" src "$NL_PEER_IP"; then
		why="no route"
	elif [ "$1" != none ] && ! ip -n "$NL_PROVIDER" route replace "$NL_WAN_IP" dev eth0 src "$NL_PEER_IP"; then
		why="no route"
	elif ! lab_start_baresip bob bob "$LAB_PW_bob" wav="$SIG" ip="$NL_PEER_IP"; then why="baresip did not register"
	else
		SPHONE=$(nl_wrap sphone-home "$NL_HOME" "$BIN")
		cs_conf "$WORK/alice.conf" alice "stun_server=$NL_PROV_IP:$NL_STUN_PORT"
		cs_start alice 7 "$WORK/alice.conf" --audio-in "$SIG" --audio-out "$WORK/alice-heard.wav"
		cs_wait alice registered 15
		ok $? "$3"
		return 0
	fi
	echo "Bail out! $why"
	return 1
}

# nl_probe_server NS ADDR:PORT...: natprobe.py serve (see there) in namespace NS, until the test ends;
#   waits until it is bound. Exports NL_PROBE_PID and NL_PROBE_NS.
nl_probe_server() {
	local ns=$1 log
	shift
	NL_PROBE_NS=$ns
	log=$WORK/natprobe-serve.$$.$(od -An -N2 -tu2 /dev/urandom | tr -d ' ').log
	ip netns exec "$ns" "$PYTHON" "$LAB_SRC/natprobe.py" serve "$@" </dev/null >"$log" 2>&1 &
	NL_PROBE_PID=$!
	track_pid "$NL_PROBE_PID"
	WAIT_SECS=20 wait_for grep -qs '^ready' "$log" || { diag "natprobe serve: $(cat "$log")"; return 1; }
}

# nl_probe_send IDX ADDR:PORT TOKEN: the probe server's socket IDX sends "TOKEN TOKEN" to ADDR:PORT now
nl_probe_send() {
	nl_exec "$NL_PROBE_NS" "$PYTHON" "$LAB_SRC/natprobe.py" ctl "$@"
}

# nl_probe NS BIND STEP...: natprobe.py client (see there) in namespace NS; prints its lines
nl_probe() {
	local ns=$1
	shift
	nl_exec "$ns" "$PYTHON" "$LAB_SRC/natprobe.py" client "$@"
}

# nl_capture_start NAME NS IFACE [BPF-FILTER]: lab_capture_start on IFACE inside namespace NS (default
#   filter "udp or tcp"); stop it with lab_capture_stop
nl_capture_start() {
	lab_capture_start "$1" "${4:-udp or tcp}" "$3" "$2"
}

# nl_private_free: the capture $LAB_PCAP (the router's outside link) holds no private (10.200.x) address, and
#   the router dropped none leaving (nl_leaks)
nl_private_free() {
	[ "$(tshark -r "$LAB_PCAP" -T fields -e ip.src -e ip.dst 2>/dev/null | grep -c '10\.200\.')" -eq 0 ] &&
		[ "$(nl_leaks)" = 0 ]
}

# _nl_wire CALLID: what the capture $LAB_PCAP shows of a call, for the two below: _nl_tls (TLS records on
#   Kamailio's TLS port), _nl_ports (the ports of its SDP bodies), _nl_e (their RTP payload entropy; the
#   payload decoded as PCMU in $WORK/srtp-as-pcmu.wav). Returns rtp_payload_entropy's status.
_nl_wire() {
	_nl_tls=$(wire_tls_records "$LAB_PCAP" "$KAM_TLS_PORT")
	_nl_ports=$(lab_kam_media_ports "$1")
	_nl_e=$(rtp_payload_entropy "$LAB_PCAP" "$_nl_ports" "$WORK/srtp-as-pcmu.wav")
}
# after _nl_wire: TLS records and no readable SIP
_nl_wire_tls() { [ "$_nl_tls" -gt 10 ] && ! wire_has_plain_sip "$LAB_PCAP" "$KAM_TLS_PORT"; }
# after _nl_wire: SRTP (payload entropy >= 7.9 bits/byte) and, decoded as PCMU, not the signal $1
_nl_wire_srtp() {
	lab_float_ge "$_nl_e" 7.9 && ! "$PYTHON" "$LAB_SRC/wavcmp.py" "$1" "$WORK/srtp-as-pcmu.wav" --quiet >/dev/null
}

# nl_wire_secure CALLID SIG: what the capture $LAB_PCAP (the router's outside link) shows of a call: TLS
#   records and no readable SIP on Kamailio's TLS port; the call's RTP (the ports of its SDP bodies) is SRTP
#   (payload entropy >= 7.9 bits/byte) and, decoded as PCMU, not the signal SIG. Prints the figures; 0 when
#   all hold.
nl_wire_secure() {
	_nl_wire "$1"
	echo "$_nl_tls TLS records, no readable SIP; RTP on ports $_nl_ports: entropy $_nl_e bits/byte"
	_nl_wire_tls && _nl_wire_srtp "$2"
}

# nl_private_free: the capture $LAB_PCAP (the router's outside link) holds no private (10.200.x) address, and
#   the router dropped none on its way out (nl_leaks)
nl_private_free() {
	[ "$(tshark -r "$LAB_PCAP" -T fields -e ip.src -e ip.dst 2>/dev/null | grep -c '10\.200\.')" -eq 0 ] &&
		[ "$(nl_leaks)" = 0 ]
}

# nl_outside_checks CALLID WHAT: four TAP checks of the router's outside link after lab_capture_stop: no private
#   address (nl_private_free); TLS records, no readable SIP; WHAT's RTP (CALLID's SDP ports) found; SRTP and,
#   decoded as PCMU, not the signal SIG (as nl_wire_secure)
nl_outside_checks() {
	local rc
	nl_private_free
	ok $? "outside link: no private address"
	_nl_wire "$1"
	rc=$?
	_nl_wire_tls
	ok $? "outside link: $_nl_tls TLS records, no readable SIP"
	ok $rc "outside link: $2's RTP (ports $_nl_ports)"
	_nl_wire_srtp "$SIG"
	ok $? "outside link: SRTP (entropy $_nl_e bits/byte), not the signal"
}

# _nl_exit: lib.sh's cleanup (tracked PIDs, work dir), then whatever still runs in our namespaces (by
#   PID: only this run's processes can be inside them), then the namespaces themselves
_nl_exit() {
	local rc=$? ns p
	cleanup
	for ns in $NL_NAMESPACES; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
	done
	for ns in $NL_NAMESPACES; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
			kill -9 "$p" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	exit $rc
}

# _nl_reap_stale: delete namespaces left by runs of this lab that were killed (SIGKILL skips _nl_exit):
#   named sph<PID>-..., their PID gone, and nothing running inside
_nl_reap_stale() {
	local ns pid
	for ns in $(ip netns list 2>/dev/null | sed -n 's/^\(sph[0-9][0-9]*-[0-9a-f]*-[a-z]*\).*/\1/p'); do
		pid=${ns#sph}
		pid=${pid%%-*}
		kill -0 "$pid" 2>/dev/null && continue
		[ -z "$(ip netns pids "$ns" 2>/dev/null)" ] || continue
		ip netns del "$ns" 2>/dev/null && diag "removed stale namespace $ns"
	done
}
