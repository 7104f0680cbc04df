#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# early_media.sh: sphone's own ring-back gives way to the far end's early media (183 with SDP: its audio is
# played, no local 425 Hz), and plays on a 180 without SDP; a scripted TLS callee
# (tests/interop/early_media.py), sphone's --audio-out searched with tonefind.py.
# Needs python3 with the cryptography module and openssl, no real peer: also runs in the sanitizer pass.
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
lab_scripted_peer
python3 "$top_srcdir/tests/interop/early_media.py" "$SPHONE" "$WORK" "$LAB_CA"
rc=$?
if [ $rc -ne 0 ]; then
	for f in "$WORK"/*.log; do diag "$f (tail):"; tail -n 25 "$f" | sed 's/^/#   /'; done
	for f in "$WORK"/*.events; do diag "$f (tail):"; tail -n 15 "$f" | sed 's/^/#   /'; done
fi
exit $rc
