#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# auth_realm.sh: digest credentials answer only the account's realms and every request's challenges are
# capped: a scripted callee behind the lab's Kamailio challenges sphone's INVITE for a foreign realm, for
# two realms in turn, for a foreign realm and ours at once; a scripted registrar offers MD5 and SHA-256
# (tests/interop/auth_realm.py). Kamailio's decrypted sipdump is searched for credentials that must not be.
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
lab_require kamailio
lab_scripted_peer
lab_start_kamailio || { echo "Bail out! kamailio did not start"; exit 1; }
python3 "$top_srcdir/tests/interop/auth_realm.py" "$SPHONE" "$WORK" "$LAB_CA" "$KAM_TLS_PORT" "$KAM_TCP_PORT" \
	"$KAM_DIR/sipdump"
rc=$?
if [ $rc -ne 0 ]; then
	for f in "$WORK"/*.events; do diag "$f (tail):"; tail -n 12 "$f" | sed 's/^/#   /'; done
	diag "kamailio log (tail):"; tail -n 15 "$KAM_LOG" | sed 's/^/#   /'
fi
exit $rc
