#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# asterisk_long_start.sh: first in make check: starts asterisk_timers.sh (a call kept 10 minutes, refreshes)
# in the background and returns at once, so that the long run overlaps the whole suite without holding one
# of make's job slots; asterisk_timers.sh, last in make check, waits for it and reports its results. The
# background run writes only below $top_builddir/tests/interop/asterisk_timers.bg and stops everything it
# started by PID, even when make check is interrupted (it then just runs to its end, about 11 minutes).
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/call_lib.sh"
. "$top_srcdir/tests/interop/asterisk_lib.sh"
# without Asterisk this skips, and asterisk_timers.sh, finding no background run, skips the same way
ast_require
BG=$top_builddir/tests/interop/asterisk_timers.bg
if [ -f "$BG/pid" ] && lab_pid_alive "$(cat "$BG/pid")"; then
	skip_all "a background run of asterisk_timers.sh is still going (pid $(cat "$BG/pid")): not starting another"
fi
rm -rf "$BG"
mkdir -p "$BG" || { echo "Bail out! cannot make $BG"; exit 1; }
# its own session, no descriptor of make's (the test driver waits for EOF on this test's output)
setsid sh -c 'sh "$0" --run >"$1/out" 2>&1; echo $? >"$1/rc"' "$top_srcdir/tests/interop/asterisk_timers.sh" "$BG" \
	</dev/null >/dev/null 2>&1 &
echo $! >"$BG/pid"
ok 0 "asterisk_timers.sh started in the background (pid $!); asterisk_timers.sh reports it at the end of make check"
done_testing
