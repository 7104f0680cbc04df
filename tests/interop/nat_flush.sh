#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# nat_flush.sh: the home router forgets every connection in the middle of a call (conntrack -F, cone NAT), and
# the call recovers (issue 16, doc/nat.md "Network changes").
#
# alice (sphone at home, behind the cone NAT) calls bob (sphone in the provider, which latches to authenticated
# SRTP) through Kamailio with RFC 5626 outbound (Flow-Timer 4). Mid-call the router's table is flushed: the
# TLS connection is dead (no pick-up of unknown TCP), UDP gets the same mapping again on alice's next packet.
# alice's next ping gets no pong: the flow is given up, a new one opened, alice registers again on it and
# re-INVITEs the call over it (same address, same keys: bob and Kamailio learn the new flow). Measured: the
# time from the flush to the new registration and to the call moved; checked: the audio afterwards both
# ways, the media still flowing to the NAT's mapping, no private address and only TLS/SRTP outside.
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/netns_lab.sh"
nl_sphone_require kamailio dumpcap tshark

KAM_OUTBOUND=1 KAM_FLOW_TIMER=4 nl_call_lab cone || exit 1

nl_alice_bob
cs_wait alice registered 15; ok $? "alice at home registered through the cone NAT"
cs_wait bob registered 15; ok $? "bob on the provider's side registered"
[ "$(cs_field alice registered outbound)" = true ]; ok $? "outbound granted (pongs awaited from the first ping)"
cs_cmd alice "call sip:bob@sip.test"
cs_wait alice established 15; ok $? "alice -> bob: established"
sleep 2

nl_flush
T_FLUSH=$(date +%s.%N)
diag "router's conntrack flushed mid-call"
WAIT_SECS=40 wait_for _cs_has alice network '"change":"flow_recovered"'
ok $? "alice's flow was found dead and replaced: network flow_recovered"
cs_wait alice network 20 '"change":"call_moved"'; ok $? "the call moved to the new flow: network call_moved"
! grep -q '^{"event":"ended"' "$WORK/alice.events" && ! grep -q '^{"event":"ended"' "$WORK/bob.events"
ok $? "the call did not end"
# the times from alice's log (UTC, ms) against the flush
t_of() { grep -m 1 "$1" "$WORK/alice.log" | cut -c1-23; }
ms_since() { [ -n "$1" ] && echo "$(date -d "$1" +%s.%N) $T_FLUSH" | awk '{ printf "%d", ($1 - $2) * 1000 }'; }
REC_MS=$(ms_since "$(t_of 'registered again over a new connection')")
REINV_MS=$(ms_since "$(t_of 'signalling now over')")
diag "MEASURED flush recovery: registered again $REC_MS ms after the flush, the call's re-INVITE on the new flow $REINV_MS ms after it (sphone's gap_ms=$(cs_field alice network gap_ms))"
RA=$(cs_count alice security) RB=$(cs_count bob security)
sleep 4
cs_cmd alice verify
cs_cmd bob verify
WAIT_SECS=20 wait_for sh -c "[ \$(grep -c '^{\"event\":\"security\"' '$WORK/alice.events') -gt $RA ] && [ \$(grep -c '^{\"event\":\"security\"' '$WORK/bob.events') -gt $RB ]"
cs_field bob security remote_media | grep -q "^$NL_WAN_IP:"
ok $? "bob sends to the NAT's mapping, latched on alice's authenticated SRTP ($(cs_field bob security remote_media))"
[ "$(cs_field alice security auth_failures)" = 0 ] && [ "$(cs_field bob security auth_failures)" = 0 ] &&
	[ "$(cs_field alice security replay_failures)" = 0 ] && [ "$(cs_field bob security replay_failures)" = 0 ]
ok $? "no SRTP authentication or replay failure on either side"
[ "$(cs_field alice security signalling)" = TLS ]; ok $? "alice's call has signalling again (TLS)"
cs_cmd alice hangup
cs_wait alice ended 20; ok $? "alice hangs up over the new flow"
cs_wait bob ended 20; ok $? "bob sees the BYE"
CALLID=$(grep "LAB REQ method=INVITE user=alice " "$KAM_LOG" | head -n 1 | sed 's/.*callid=//')
[ "$(grep -c "LAB REQ method=INVITE user=alice .*callid=$CALLID" "$KAM_LOG")" -ge 2 ]
ok $? "Kamailio relayed alice's re-INVITE of the call"
cs_quit bob
cs_quit alice
lab_capture_stop

# what each played out in real time: on a loaded machine (load 16) the playout's stalls bring the signal
# to 0.6-0.7 in 0.2 s blocks; silence or another signal gives < 0.3
PLAYED="--block 0.2 --max-jump 2.5"
cs_wavcut "$WORK/alice-heard.wav" "$WORK/a-after.wav" -5 4
cs_wavcut "$WORK/bob-heard.wav" "$WORK/b-after.wav" -5 4
res=$("$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG" "$WORK/a-after.wav" --min-corr 0.5 --min-seconds 2 --max-lag 60 $PLAYED)
ok $? "after the recovery: audio bob -> alice (into the NAT) is the signal ($res)"
res=$("$PYTHON" "$LAB_SRC/wavcmp.py" "$SIG" "$WORK/b-after.wav" --min-corr 0.5 --min-seconds 2 --max-lag 60 $PLAYED)
ok $? "after the recovery: audio alice -> bob (out of the NAT) is the signal ($res)"

nl_private_free
ok $? "outside link: no private address"
res=$(nl_wire_secure "$CALLID" "$SIG")
ok $? "outside link: only TLS and SRTP ($res)"
[ "$TAP_FAILED" = 0 ] || { cs_diag alice; cs_diag bob; }
done_testing
