#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# calls_loop.sh: 1,000 SRTP calls set up and torn down between sphone --headless and a scripted TLS peer
# (tests/interop/calls_loop.py); sphone's RSS after a warm-up and at the end is printed, and its growth
# bounded below 1 MiB in builds without sanitizers. CALLS=N runs another number of calls.
# Needs python3 with the cryptography module and openssl, no real peer: also runs in the sanitizer pass.
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
lab_scripted_peer
rss=--check-rss
# ASan's quarantine and shadow memory make RSS figures meaningless: print them, bound nothing
grep -q '^SAN_CFLAGS = .*sanitize' "$top_builddir/Makefile" 2>/dev/null && rss=
python3 "$top_srcdir/tests/interop/calls_loop.py" "$SPHONE" "$WORK" "$LAB_CA" $rss
rc=$?
if [ $rc -ne 0 ]; then
	diag "sphone log (tail):"; tail -n 30 "$WORK/loop.log" | sed 's/^/#   /'
	diag "events (tail):"; tail -n 10 "$WORK/loop.events" | sed 's/^/#   /'
fi
exit $rc
