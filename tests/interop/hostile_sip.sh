#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# hostile_sip.sh: sphone --headless against a hostile SIP peer on loopback (tests/interop/hostile_sip.py):
# malformed and oversized messages, Content-Length mismatches, thousands of Via headers, garbage, and
# 10,000 malformed requests; sphone answers 400/513 or drops as RFC 3261 says, keeps running, and its
# RSS growth over the flood is printed (and bounded below 2 MiB in builds without sanitizers).
# Needs no real peer, so it also runs in the sanitizer pass (SPHONE_UNIT_ONLY=1).
# work dirs under the build tree: something on the shared machine removes /tmp/sphone-interop.*
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lib.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
SPHONE=${SPHONE:-$top_builddir/sphone}
[ -x "$SPHONE" ] || skip_all "$SPHONE not built"
rss=--check-rss
# ASan's quarantine and shadow memory make RSS figures meaningless: print them, bound nothing
grep -q '^SAN_CFLAGS = .*sanitize' "$top_builddir/Makefile" 2>/dev/null && rss=
python3 "$top_srcdir/tests/interop/hostile_sip.py" "$SPHONE" "$WORK" $rss
rc=$?
if [ $rc -ne 0 ]; then
	for f in "$WORK"/*.log; do diag "$f (tail):"; tail -n 15 "$f" | sed 's/^/#   /'; done
fi
exit $rc
