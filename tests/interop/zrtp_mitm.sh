#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# zrtp_mitm.sh: a man in the middle who runs both phones' registrars (a B2BUA rewriting the SDP) and
# answers each phone's ZRTP itself, re-encrypting the audio between them (tests/interop/zrtp_mitm.py with
# tests/tools/zrtp_mitm): after an honest first call both people confirmed, every attack shows different
# SAS on the two phones and a loud cache warning (other-device; MISMATCH when it claims their ZIDs).
# Needs python3 (cryptography, sqlite3) and openssl for the lab CA; no real peer, so it runs everywhere.
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
lab_scripted_peer
TOOL=$top_builddir/tests/tools/zrtp_mitm
[ -x "$TOOL" ] || { echo "Bail out! $TOOL not built (make check builds it)"; exit 1; }
python3 "$top_srcdir/tests/interop/zrtp_mitm.py" "$SPHONE" "$WORK" "$LAB_CA" "$TOOL"
rc=$?
if [ $rc -ne 0 ]; then
	for f in "$WORK"/*.log; do diag "$f (tail):"; tail -n 25 "$f" | sed 's/^/#   /'; done
	for f in "$WORK"/*.events; do diag "$f (tail):"; tail -n 15 "$f" | sed 's/^/#   /'; done
fi
exit $rc
