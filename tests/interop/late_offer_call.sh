#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# late_offer_call.sh: sphone --headless answers INVITEs without SDP (delayed offer) from a scripted caller
# over TLS (tests/interop/late_offer_call.py): its 200 carries the offer, the ACK the answer; SRTP audio both
# ways; an ACK without an answer, and no ACK at all, end the call with a BYE and a reason.
# Needs python3 with the cryptography module and openssl (for the lab CA), no real peer, so it also runs
# in the sanitizer pass (SPHONE_UNIT_ONLY=1).
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
lab_scripted_peer
python3 "$top_srcdir/tests/interop/late_offer_call.py" "$SPHONE" "$WORK" "$LAB_CA"
rc=$?
if [ $rc -ne 0 ]; then
	for f in "$WORK"/*.log; do diag "$f (tail):"; tail -n 25 "$f" | sed 's/^/#   /'; done
	for f in "$WORK"/*.events; do diag "$f (tail):"; tail -n 15 "$f" | sed 's/^/#   /'; done
fi
exit $rc
