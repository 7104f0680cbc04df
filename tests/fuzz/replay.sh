#!/bin/sh
# replay.sh: run every built SIP fuzz target once over its corpus (regression check, usable in CI).
# Usage: tests/fuzz/replay.sh [BUILDDIR]   (default: $top_builddir or .)
# Prints TAP; skips when the targets were not built (configure --enable-fuzzing).
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${1:-${top_builddir:-.}}
n=0
plan=""
for t in sip_msg sip_uri; do
	bin="$builddir/tests/fuzz/fuzz_$t"
	[ -x "$bin" ] || continue
	n=$((n + 1))
	plan="$plan $t"
done
if [ "$n" -eq 0 ]; then
	echo "1..0 # SKIP fuzz targets not built (configure CC=clang --enable-fuzzing)"
	exit 0
fi
echo "1..$n"
i=0
rc=0
for t in $plan; do
	i=$((i + 1))
	bin="$builddir/tests/fuzz/fuzz_$t"
	corpus="$srcdir/tests/fuzz/corpus/$t"
	if "$bin" -runs=0 -rss_limit_mb=2048 "$corpus" >"$builddir/fuzz_$t.replay.log" 2>&1; then
		echo "ok $i - fuzz_$t replays $(ls "$corpus" | wc -l) corpus files"
	else
		echo "not ok $i - fuzz_$t failed on its corpus (see fuzz_$t.replay.log)"
		rc=1
	fi
done
exit $rc
