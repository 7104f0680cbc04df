#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# replay.sh: run every fuzz target over every file of its corpus once (regression check, for CI),
# and optionally fuzz each target briefly.
# Usage: tests/fuzz/replay.sh [BUILDDIR]   (default: $top_builddir or .)
#   FUZZ_SECONDS=N   after the replay, fuzz each target for N seconds (new inputs go to a scratch
#                    directory, never into the tree; a crash fails the test and its input is kept)
# Each directory tests/fuzz/corpus/NAME is replayed against BUILDDIR/tests/fuzz/fuzz_NAME. Prints TAP.
# When no target was built at all (configure CC=clang --enable-fuzzing) it skips; when some were
# built, a corpus without its target is a failure (a target was renamed or dropped from the build).
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${1:-${top_builddir:-.}}
secs=${FUZZ_SECONDS:-0}
logdir=$builddir/tests/fuzz/replay-logs

targets=""
built=0
for d in "$srcdir"/tests/fuzz/corpus/*/; do
	t=$(basename "$d")
	targets="$targets $t"
	[ -x "$builddir/tests/fuzz/fuzz_$t" ] && built=$((built + 1))
done
if [ "$built" -eq 0 ]; then
	echo "1..0 # SKIP fuzz targets not built (configure CC=clang --enable-fuzzing)"
	exit 0
fi
n=0
for t in $targets; do
	n=$((n + 1))
	[ "$secs" -gt 0 ] && n=$((n + 1))
done
echo "1..$n"
mkdir -p "$logdir"
i=0
rc=0
for t in $targets; do
	bin="$builddir/tests/fuzz/fuzz_$t"
	corpus="$srcdir/tests/fuzz/corpus/$t"
	files=$(find "$corpus" -type f | wc -l)
	i=$((i + 1))
	if [ ! -x "$bin" ]; then
		echo "not ok $i - fuzz_$t: corpus $corpus has no built target $bin"
		rc=1
		[ "$secs" -gt 0 ] && { i=$((i + 1)); echo "not ok $i - fuzz_$t: not built, not fuzzed"; }
		continue
	fi
	# files given one by one: each runs exactly once, nothing is written to the corpus
	if find "$corpus" -type f -print0 | xargs -0 "$bin" -rss_limit_mb=2048 -timeout=25 \
		>"$logdir/$t.replay.log" 2>&1; then
		echo "ok $i - fuzz_$t replays its $files corpus files"
	else
		echo "not ok $i - fuzz_$t failed on its corpus (see $logdir/$t.replay.log)"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|Running: )' "$logdir/$t.replay.log" | tail -n 5 | sed 's/^/# /'
		rc=1
	fi
	if [ "$secs" -gt 0 ]; then
		i=$((i + 1))
		scratch=$(mktemp -d "${TMPDIR:-/tmp}/fuzz_$t.XXXXXX")
		art="$logdir/$t-"
		if "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=25 -artifact_prefix="$art" \
			"$scratch" "$corpus" >"$logdir/$t.fuzz.log" 2>&1; then
			echo "ok $i - fuzz_$t: $secs s of fuzzing, $(sed -n 's/^stat::number_of_executed_units: *//p;s/^#\([0-9]*\).*DONE.*/\1/p' "$logdir/$t.fuzz.log" | tail -n 1) executions, no finding"
		else
			echo "not ok $i - fuzz_$t: finding while fuzzing (input kept as $art*, log $logdir/$t.fuzz.log)"
			grep -E '^(==[0-9]+==ERROR|SUMMARY)' "$logdir/$t.fuzz.log" | tail -n 3 | sed 's/^/# /'
			rc=1
		fi
		rm -rf "$scratch"
	fi
done
exit $rc
