#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# secrets_call.sh: calls both ways with --sip-trace and debug logs on (once to a --log file, once to stderr),
# with DTMF, verify, status, hold/resume and a re-key; then every SRTP key that went over the wire (read from
# the scripted peer's plain transcript) is looked for, in base64, hex and derived forms, in the events,
# stderr and the log file: none may appear (tests/interop/secrets_call.py).
# Needs python3 with the cryptography module and openssl, no real peer: also runs in the sanitizer pass.
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
lab_scripted_peer
python3 "$top_srcdir/tests/interop/secrets_call.py" "$SPHONE" "$WORK" "$LAB_CA"
rc=$?
if [ $rc -ne 0 ]; then
	for f in "$WORK"/*.events; do diag "$f (tail):"; tail -n 8 "$f" | sed 's/^/#   /'; done
fi
exit $rc
