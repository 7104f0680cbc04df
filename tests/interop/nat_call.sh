#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# nat_call.sh: what sphone does behind a NAT today, in the NAT lab (doc/nat.md): a sphone at home behind a
# symmetric NAT calls a sphone on the provider's side through Kamailio: audio both ways (the public side
# latches to the authenticated SRTP), only TLS and SRTP on the router's outside link; then, with the router's
# TCP timeout shorter than the idle time, a keepalive shorter still keeps the home reachable for a call.
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/netns_lab.sh"
nl_sphone_require kamailio dumpcap tshark sox

nl_call_lab symmetric || exit 1

nl_alice_bob keepalive_interval=4
cs_wait alice registered 15; ok $? "alice at home ($NL_HOME_IP) registered through the symmetric NAT"
cs_wait bob registered 15; ok $? "bob on the provider's side registered"

# --- a call from behind the NAT ------------------------------------------------------------------------
cs_cmd alice "call sip:bob@sip.test"
cs_wait alice established 15; ok $? "alice -> bob: established"
[ "$(cs_field alice established srtp)" = true ]; ok $? "with SRTP"
sleep 7
cs_verify bob
cs_field bob security remote_media | grep -q "^$NL_WAN_IP:"
ok $? "bob sends to the NAT's mapping, learnt from alice's authenticated SRTP ($(cs_field bob security remote_media))"
[ "$(cs_field bob security rtp_received)" -gt 250 ] && [ "$(cs_field bob security auth_failures)" = 0 ]
ok $? "bob: $(cs_field bob security rtp_received) packets received, no authentication failure"
cs_cmd alice hangup
cs_wait alice ended 20; ok $? "alice hangs up"
cs_wait bob ended 20; ok $? "bob sees the BYE"
CALLID=$(grep "LAB REQ method=INVITE user=alice " "$KAM_LOG" | head -n 1 | sed 's/.*callid=//')
cs_quit bob
cs_quit alice

# what each played out in real time (jitter buffer, concealment): the question here is whether each
# direction gets through the NAT at all; the signal gives 0.97-0.99 on an idle machine, 0.85-0.9 at load
# average 10 (make -j2 check beside other suites), silence or another signal < 0.3
PLAYED="--block 0.2 --max-jump 2.5"
cs_wavcut "$WORK/alice-heard.wav" "$WORK/a.wav" 0 6
cs_wavcut "$WORK/bob-heard.wav" "$WORK/b.wav" 0 6
res=$("$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG" "$WORK/a.wav" --min-corr 0.7 --min-seconds 4 $PLAYED)
ok $? "audio bob -> alice (into the NAT) is the signal ($res)"
res=$("$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG" "$WORK/b.wav" --min-corr 0.7 --min-seconds 4 $PLAYED)
ok $? "audio alice -> bob (out of the NAT) is the signal ($res)"

lab_capture_stop
nl_outside_checks "$CALLID" "the call"

# --- idle longer than the NAT keeps a TCP connection: the keepalive holds it -------------------------------
nl_timeouts 30 10
SPHONE=$(nl_wrap sphone-home "$NL_HOME" "$BIN")
cs_start alice2 7 "$WORK/alice.conf" --auto-answer
cs_wait alice2 registered 15; ok $? "alice registered again (keepalive every 4 s, the router forgets idle TCP after 10 s)"
sleep 22
SPHONE=$(nl_wrap sphone-provider "$NL_PROVIDER" "$BIN")
cs_start bob2 8 "$WORK/bob.conf"
cs_wait bob2 registered 15
cs_cmd bob2 "call sip:alice@sip.test"
cs_wait alice2 incoming 20; ok $? "after 22 s idle (and bob's registration) a call reaches alice"
cs_wait bob2 established 20; ok $? "... and is answered"
[ "$(cs_count alice2 registering)" = 1 ] && ! grep -q "keep-alive answer" "$WORK/alice2.log"
ok $? "alice's flow never broke (one registration, no missed keepalive answer)"
cs_cmd bob2 hangup
cs_wait alice2 ended 20
cs_quit bob2
cs_quit alice2
[ "$TAP_FAILED" = 0 ] || { cs_diag alice; cs_diag bob; cs_diag alice2; }
done_testing
