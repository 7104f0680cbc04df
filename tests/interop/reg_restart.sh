#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# reg_restart.sh: Kamailio stopped and started again: sphone notices the lost connection and is
# registered again within 30 s, without being restarted.
# work dirs under the build tree: something on the shared machine removes /tmp/sphone-interop.*
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/reg_lib.sh"
lab_require kamailio python3

lab_make_ca "$WORK/ca" || { echo "Bail out! cannot make the CA"; exit 1; }
lab_start_kamailio || { echo "Bail out! kamailio did not start"; exit 1; }
sp_conf "$WORK/alice.conf" alice "$LAB_PW_alice" expires=600
sp_start alice "$WORK/alice.conf"
sp_wait registered 15; ok $? "registered"
pid=$SP_PID

lab_stop_kamailio
t0=$(date +%s)
sleep 2
lab_start_kamailio "$KAM_CERT" "$KAM_KEY" || echo "Bail out! kamailio did not come back"
WAIT_SECS=30 wait_for sh -c "[ \$(grep -c '^{\"event\":\"registered\"' '$SP_EV') -ge 2 ]"
ok $? "registered again after the restart"
t1=$(date +%s)
diag "re-registered $((t1 - t0)) s after the server went away (2 s of downtime)"
[ $((t1 - t0)) -le 30 ]; ok $? "within 30 s"
lab_pid_alive "$pid"; ok $? "the same sphone process"
lab_kam_replies REGISTER 200 alice | grep -q '^[1-9]'; ok $? "the new Kamailio accepted a REGISTER"
grep -q '"cause":"connection lost"' "$SP_EV"; ok $? "registering again says why (connection lost)"
sp_quit
[ "$SP_RC" = 0 ]; ok $? "clean exit"
[ "$TAP_FAILED" = 0 ] || sp_diag_fail
done_testing
