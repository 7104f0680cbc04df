#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# readme_quickstart.sh (on demand, not in make check): README's Quick start, verbatim, in a fresh clone.
# Takes the two commands between the quickstart markers in README.md, clones the committed tree (HEAD of
# the repository this file is in) into a new directory, and runs each command there with sh -c, exactly
# as written. Without a terminal the first one runs `sphone --demo --headless`, so its exit status is the
# demo's verdict. The second one runs the whole test suite in the clone (several minutes with the
# interop tests; QUICKSTART_UNIT_ONLY=1 exports SPHONE_UNIT_ONLY=1 to skip those).
# Usage: tests/readme_quickstart.sh [REPO]        (prints TAP)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
repo=${1:-$here}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sphone-quickstart.XXXXXX")
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
cleanup() { [ "${KEEP_WORK:-0}" = 1 ] && echo "# kept $WORK" || rm -rf "$WORK"; }
trap cleanup EXIT

sed -n '/<!-- quickstart/,/<!-- \/quickstart -->/p' "$repo/README.md" | grep '^    ' | sed 's/^    //' >"$WORK/cmds"
[ "$(wc -l <"$WORK/cmds")" -eq 2 ]; ok $? "README's Quick start has exactly two commands"
git clone -q "$repo" "$WORK/sphone"; ok $? "fresh clone of $repo"
[ "${QUICKSTART_UNIT_ONLY:-0}" = 1 ] && export SPHONE_UNIT_ONLY=1
i=0
while IFS= read -r cmd; do
	i=$((i + 1))
	echo "# running: $cmd"
	(cd "$WORK/sphone" && sh -c "$cmd") </dev/null >"$WORK/out$i" 2>&1; rc=$?
	ok $rc "command $i exits 0: $cmd (rc $rc)"
	[ $rc -eq 0 ] || tail -n 30 "$WORK/out$i" | sed 's/^/#   /'
done <"$WORK/cmds"
grep -q '^{"event":"demo","result":"pass"' "$WORK/out1"; ok $? "the demo's verdict is pass"
grep -q '^# FAIL: *0$' "$WORK/sphone/build/test-suite.log"; ok $? "the test suite reports no failure"
echo "1..$n"
[ $failed -eq 0 ]
