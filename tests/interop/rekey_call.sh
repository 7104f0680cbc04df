#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# rekey_call.sh: a scripted TLS peer (tests/interop/rekey_call.py) re-keys one call with sphone --headless five
# times by re-INVITE, across 16-bit sequence wraps on both sides (sphone's through the SPHONE_TEST_RTP_SEQ test
# hook) and a suite switch and back; its capture of sphone's SRTP/SRTCP shows no packet index used twice under
# one key, and audio flows both ways after every re-key (issue 12.1).
# Needs python3 with the cryptography module and openssl (for the lab CA), no real peer, so it also runs
# in the sanitizer pass (SPHONE_UNIT_ONLY=1).
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
lab_scripted_peer
python3 "$top_srcdir/tests/interop/rekey_call.py" "$SPHONE" "$WORK" "$LAB_CA"
rc=$?
if [ $rc -ne 0 ]; then
	for f in "$WORK"/*.log; do diag "$f (tail):"; tail -n 25 "$f" | sed 's/^/#   /'; done
	for f in "$WORK"/*.events; do diag "$f (tail):"; tail -n 15 "$f" | sed 's/^/#   /'; done
fi
exit $rc
