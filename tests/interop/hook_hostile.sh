#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# hook_hostile.sh: on_incoming/on_missed hooks and the call history against a scripted caller whose display
# names hold shell code, terminal escapes, a bidi override, a folded line and line separators
# (tests/interop/hook_hostile.py): the hooks get the names as printable text, nothing in them runs, and
# each cancelled call is a "missed" record in the history file and in `history`.
# Needs python3 with the cryptography module and openssl, no real peer.
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
lab_scripted_peer
python3 "$top_srcdir/tests/interop/hook_hostile.py" "$SPHONE" "$WORK" "$LAB_CA"
rc=$?
if [ $rc -ne 0 ]; then
	for f in "$WORK"/*.log; do diag "$f (tail):"; tail -n 25 "$f" | sed 's/^/#   /'; done
	for f in "$WORK"/*.events "$WORK"/hooks.out; do diag "$f (tail):"; tail -n 15 "$f" | sed 's/^/#   /'; done
fi
exit $rc
