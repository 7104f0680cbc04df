#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# timeout.sh TEST [ARGS]: how make check runs every test (LOG_COMPILER): with a time limit, so that a peer,
# a sound server or a device that hangs fails that one test instead of stalling the whole suite (and CI).
# SPHONE_TEST_TIMEOUT sets the limit in seconds (default 1800: the longest test, asterisk_timers.sh's
# ten-minute call, takes ~11 min). On expiry the test gets SIGTERM (its traps stop what it started), then
# SIGKILL 20 s later, and the TAP stream ends with a "Bail out!" naming the limit.
limit=${SPHONE_TEST_TIMEOUT:-1800}
timeout -k 20 "$limit" "$@"
rc=$?
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	echo "Bail out! $1 did not finish within $limit s (SPHONE_TEST_TIMEOUT); stopped"
fi
exit "$rc"
