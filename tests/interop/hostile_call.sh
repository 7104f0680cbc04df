#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# hostile_call.sh: sphone --headless against a scripted hostile peer over TLS (tests/interop/hostile_call.py):
# hostile SDP offers and answers (hundreds of m-lines, bad a=crypto, RTP/AVP when SRTP is required),
# replayed and forged SRTP, bogus CSRC counts and extension lengths, an RFC 4733 flood -- each refused or
# dropped as the RFCs say and counted in `verify`, while a concurrent good call keeps its audio.
# Needs python3 with the cryptography module and openssl (for the lab CA), no real peer, so it also runs
# in the sanitizer pass (SPHONE_UNIT_ONLY=1).
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
lab_scripted_peer
python3 "$top_srcdir/tests/interop/hostile_call.py" "$SPHONE" "$WORK" "$LAB_CA"
rc=$?
if [ $rc -ne 0 ]; then
	for f in "$WORK"/*.log; do diag "$f (tail):"; tail -n 25 "$f" | sed 's/^/#   /'; done
	for f in "$WORK"/*.events; do diag "$f (tail):"; tail -n 15 "$f" | sed 's/^/#   /'; done
fi
exit $rc
