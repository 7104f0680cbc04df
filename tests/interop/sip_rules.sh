#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# sip_rules.sh: what sphone writes on the wire follows RFC 3261/3311/4028/5630 where PBXes check it
# (Allow/Supported everywhere alike, To tags, sips: Contact in every 1xx/2xx that sets or refreshes a dialog,
# the far end's Reason/Warning on "ended", --audio-out complete after each call): tests/interop/sip_rules.py.
# Needs python3 with the cryptography module and openssl (for the lab CA), no real peer, so it also runs
# in the sanitizer pass (SPHONE_UNIT_ONLY=1).
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
lab_scripted_peer
python3 "$top_srcdir/tests/interop/sip_rules.py" "$SPHONE" "$WORK" "$LAB_CA"
rc=$?
if [ $rc -ne 0 ]; then
	for f in "$WORK"/*.log; do diag "$f (tail):"; tail -n 25 "$f" | sed 's/^/#   /'; done
	for f in "$WORK"/*.events; do diag "$f (tail):"; tail -n 15 "$f" | sed 's/^/#   /'; done
fi
exit $rc
