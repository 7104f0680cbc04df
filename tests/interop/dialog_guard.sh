#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# dialog_guard.sh: requests of a call that come over another account's connection are refused (403) and
# leave the call where it was; with srtp_required = no, a far end's switch to plain RTP (re-INVITE, UPDATE,
# answer in the ACK) is refused with a warning and the media stays SRTP both ways
# (tests/interop/dialog_guard.py, scripted TLS proxies from hostile_peer.py; no real peer, so it also runs
# in the sanitizer pass).
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
lab_scripted_peer
python3 "$top_srcdir/tests/interop/dialog_guard.py" "$SPHONE" "$WORK" "$LAB_CA"
rc=$?
if [ $rc -ne 0 ]; then
	for f in "$WORK"/*.events; do diag "$f (tail):"; tail -n 15 "$f" | sed 's/^/#   /'; done
	for f in "$WORK"/*.log; do diag "$f (tail):"; tail -n 15 "$f" | sed 's/^/#   /'; done
fi
exit $rc
