#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# reg_auth.sh: a wrong password ends in ONE registration_failed (401/403) and no retry storm at Kamailio;
# the register command tries again on request; a right password after that works.
# work dirs under the build tree: something on the shared machine removes /tmp/sphone-interop.*
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/reg_lib.sh"
lab_require kamailio python3

lab_make_ca "$WORK/ca" || { echo "Bail out! cannot make the CA"; exit 1; }
lab_start_kamailio || { echo "Bail out! kamailio did not start"; exit 1; }

sp_conf "$WORK/bad.conf" bob "not-bobs-password"
sp_start bad "$WORK/bad.conf"
sp_wait registration_failed 15; ok $? "registration_failed event"
st=$(sp_field registration_failed status)
[ "$st" = 401 ] || [ "$st" = 403 ]; ok $? "status 401 or 403 (got $st)"
r=$(sp_field registration_failed reason)
echo "$r" | grep -q "wrong password or user name"; ok $? "reason: '$r'"
[ "$(sp_field registration_failed retry_in)" = 0 ]; ok $? "retry_in 0: no automatic retry"
sleep 10
[ "$(sp_count registration_failed)" = 1 ]; ok $? "exactly one registration_failed in 10 s"
[ "$(sp_count registered)" = 0 ]; ok $? "never registered"
n=$(lab_kam_count REGISTER bob)
[ "$n" -le 3 ]; ok $? "no retry storm: $n REGISTERs reached Kamailio in 10 s (<= 3)"
diag "Kamailio replies: $(lab_kam_reply_codes REGISTER bob)"

sp_cmd register
WAIT_SECS=20 wait_for sh -c "[ \$(grep -c '^{\"event\":\"registration_failed\"' '$SP_EV') -ge 2 ]"
ok $? "the register command tries again (and fails again, once)"
sp_quit
[ "$SP_RC" = 0 ]; ok $? "clean exit"
[ "$(sp_count unregistered)" = 1 ]; ok $? "unregistered on quit even when never registered"
n2=$(lab_kam_count REGISTER bob)
[ "$n2" -le $((n + 2)) ]; ok $? "no un-REGISTER sent for a binding that never existed ($n2 REGISTERs)"

sp_conf "$WORK/good.conf" bob "$LAB_PW_bob"
sp_start good "$WORK/good.conf"
sp_wait registered 15; ok $? "the right password registers"
sp_quit
[ "$TAP_FAILED" = 0 ] || sp_diag_fail
done_testing
