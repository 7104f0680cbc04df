#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# call_nosrtp.sh: baresip without SRTP: sphone refuses in the default srtp_required = yes mode (clear
# ended reason, no call) and, with srtp_required = no, calls with a loud warning; plain RTP is then counted.
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/call_lib.sh"
lab_require kamailio baresip python3

lab_make_ca "$WORK/ca" || { echo "Bail out! cannot make the CA"; exit 1; }
lab_start_kamailio || { echo "Bail out! kamailio did not start"; exit 1; }
lab_start_baresip carol carol "$LAB_PW_carol" srtp=off || { echo "Bail out! baresip did not register"; exit 1; }

cs_conf "$WORK/req.conf" alice
cs_start req 7 "$WORK/req.conf"
cs_wait req registered 15; ok $? "sphone (srtp_required = yes) registered"
cs_cmd req "call sip:carol@sip.test"
cs_wait req ended 20; ok $? "the call to a plain-RTP peer ends"
! grep -q '"event":"established"' "$WORK/req.events"; ok $? "... without ever being established"
st=$(cs_field req ended status); why=$(cs_field req ended reason)
[ "$st" = 488 ]; ok $? "status 488 (got $st)"
echo "$why" | grep -qi 'srtp\|crypto'; ok $? "the reason says why: $why"
cs_quit req

# baresip calls a required-mode sphone without SRTP: 488 back to it
cs_start req2 8 "$WORK/req.conf"
cs_wait req2 registered 15
baresip_cmd "$BS_carol_CTRL" "dial sip:alice@sip.test" >/dev/null
cs_wait req2 ended 20; ok $? "incoming plain-RTP call refused"
[ "$(cs_field req2 ended status)" = 488 ]; ok $? "... with 488 ($(cs_field req2 ended reason))"
WAIT_SECS=20 wait_for grep -q "LAB FWD-REPLY method=INVITE code=488" "$KAM_LOG"; ok $? "Kamailio relayed our 488 to baresip"
cs_quit req2

cs_conf "$WORK/opt.conf" alice srtp_required=no
cs_start opt 9 "$WORK/opt.conf"
cs_wait opt registered 15; ok $? "sphone (srtp_required = no) registered"
cs_cmd opt "call sip:carol@sip.test"
cs_wait opt established 20; ok $? "optimistic mode: call established with plain RTP"
[ "$(cs_field opt established srtp)" = false ]; ok $? "... reported as not encrypted"
cs_field opt established warning | grep -q 'NOT encrypted'; ok $? "... with a loud warning in the event"
sleep 3
cs_verify opt
[ "$(cs_field opt security plaintext_sent)" -gt 50 ]; ok $? "verify counts plaintext RTP sent ($(cs_field opt security plaintext_sent))"
cs_field opt security warning | grep -q 'NOT encrypted'; ok $? "verify warns too"
[ -z "$(cs_field opt security sas)" ]; ok $? "no SAS without SRTP keys"
cs_cmd opt hangup
cs_wait opt ended 20; ok $? "hung up"
cs_quit opt
lab_stop_baresip carol
[ "$TAP_FAILED" = 0 ] || { cs_diag req; cs_diag req2; cs_diag opt; }
done_testing
