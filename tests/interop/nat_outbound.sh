#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# nat_outbound.sh: a TLS flow whose NAT binding dies before its first keepalive ping is found dead and replaced
# (RFC 5626 outbound, and a REGISTER that times out on a stream flow), then an incoming call reaches the phone.
#
# Kamailio in the provider runs its outbound support (KAM_OUTBOUND=1: Require: outbound, Flow-Timer 4). Two
# sphones at home behind the cone NAT: alice with outbound (the default), carol with outbound = no (what a
# registrar without outbound, such as Asterisk, gives: pings never answered are never awaited). Right after
# both registered the router's conntrack table is flushed: their TLS connections are dead (no pick-up of
# unknown TCP), and nothing says so. alice's first ping goes unanswered: flow lost, new flow, registered
# again. carol's refresh REGISTER times out (Timer F) on the dead connection: that flow is given up, a new
# one opened, registered again. Then bob, in the provider, calls each of them.
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/call_lib.sh"
. "$top_srcdir/tests/interop/netns_lab.sh"
nl_require kamailio
[ -x "$SPHONE" ] || skip_all "$SPHONE not built"
BIN=$SPHONE

nl_setup cone || { echo "Bail out! nl_setup failed"; exit 1; }
nl_provider || { echo "Bail out! no certificates"; exit 1; }
KAM_OUTBOUND=1 KAM_FLOW_TIMER=4 KAM_MIN_EXPIRES=4 KAM_MAX_EXPIRES=10 lab_start_kamailio || { echo "Bail out! kamailio did not start"; exit 1; }

SPHONE=$(nl_wrap sphone-home "$NL_HOME" "$BIN")
cs_conf "$WORK/alice.conf" alice
cs_start alice 7 "$WORK/alice.conf" --auto-answer
# Kamailio grants 10 s at most (KAM_MAX_EXPIRES): the first refresh after 5 s
cs_conf "$WORK/carol.conf" carol outbound=no
cs_start carol 8 "$WORK/carol.conf" --auto-answer
SPHONE=$(nl_wrap sphone-provider "$NL_PROVIDER" "$BIN")
cs_conf "$WORK/bob.conf" bob
cs_start bob 9 "$WORK/bob.conf"
cs_wait alice registered 15; ok $? "alice at home registered through the cone NAT"
cs_wait carol registered 15; ok $? "carol at home registered"
nl_flush
T0=$(date +%s)
NA=$(cs_count alice registered) NC=$(cs_count carol registered)
diag "router's conntrack flushed: both TLS connections are dead"
cs_wait bob registered 15; ok $? "bob on the provider's side registered"

[ "$(cs_field alice registered outbound)" = true ] && [ "$(cs_field alice registered flow_timer)" = 4 ]
ok $? "alice: the registrar granted outbound, Flow-Timer 4 (registered: outbound $(cs_field alice registered outbound))"
cs_field alice registered public_addr | grep -q "^$NL_WAN_IP:"
ok $? "alice: the registrar saw her at the NAT's address ($(cs_field alice registered public_addr))"
[ "$(cs_field carol registered outbound)" = false ]; ok $? "carol: no outbound asked, none granted"
# each phone of call_lib.sh is an installation of its own (XDG_DATA_HOME=$WORK/NAME.data)
inst=$(cat "$WORK/alice.data/sphone/instance" 2>/dev/null)
[ -n "$inst" ] && grep -q "+sip.instance=\"<$inst>\";reg-id=1" "$KAM_DIR"/sipdump/* &&
	grep -q "Contact: <sips:alice@$NL_HOME_IP:[0-9]*;transport=tls;ob>" "$KAM_DIR"/sipdump/*
ok $? "alice's Contact: ;ob, the stored +sip.instance ($inst), reg-id=1"

# alice: the ping after 3.2-4 s (Flow-Timer 4) gets no pong within 10 s: the flow is lost, a new one made
WAIT_SECS=25 wait_for sh -c "[ \$(grep -c '^{\"event\":\"registered\"' '$WORK/alice.events') -gt $NA ]"
ok $? "alice registered again on a new flow $(($(date +%s) - T0)) s after the flush"
grep -q "no keep-alive answer" "$WORK/alice.log"; ok $? "... because her ping went unanswered"
cs_cmd bob "call sip:alice@sip.test"
cs_wait alice incoming 20; ok $? "bob's call reaches alice"
cs_wait bob established 20; ok $? "... and is answered"
cs_cmd bob hangup
cs_wait alice ended 20; ok $? "... and ended by bob"

# carol: her refresh after 5 s is lost in the dead connection; after Timer F (32 s) the flow is given up
WAIT_SECS=45 wait_for sh -c "[ \$(grep -c '^{\"event\":\"registered\"' '$WORK/carol.events') -gt $NC ]"
ok $? "carol registered again on a new flow $(($(date +%s) - T0)) s after the flush"
grep -q "no answer to the REGISTER on this connection" "$WORK/carol.log"
ok $? "... because her refresh went unanswered on the old one"
! grep -q "no keep-alive answer" "$WORK/carol.log"; ok $? "... not because of a ping (none awaited without outbound)"
cs_wait bob ended 20
cs_cmd bob "call sip:carol@sip.test"
cs_wait carol incoming 20; ok $? "bob's call reaches carol"
cs_cmd bob hangup
cs_quit bob
cs_quit alice
cs_quit carol
[ "$(nl_leaks)" = 0 ]; ok $? "no private address left the router"
[ "$TAP_FAILED" = 0 ] || { cs_diag alice; cs_diag carol; cs_diag bob; }
done_testing
