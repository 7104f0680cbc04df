#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# tls_matrix.sh: sphone --headless against TLS servers it must refuse, each with its own message: expired,
# not yet valid, wrong host, unknown CA, self-signed, TLS 1.0/1.1 only, pin mismatch, client certificate
# required but absent (tests/interop/tls_matrix.py; certificates from lab_make_ca). No REGISTER may reach
# any of them; the good certificate registers (control). Needs python3 and openssl, no real peer.
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
command -v openssl >/dev/null 2>&1 || skip_all "openssl not installed"
SPHONE=${SPHONE:-$top_builddir/sphone}
[ -x "$SPHONE" ] || skip_all "$SPHONE not built"
lab_make_ca "$WORK/ca" || { echo "Bail out! cannot make the CA"; exit 1; }
python3 "$top_srcdir/tests/interop/tls_matrix.py" "$SPHONE" "$WORK" "$LAB_CA"
rc=$?
if [ $rc -ne 0 ]; then
	for f in "$WORK"/*.log; do diag "$f (tail):"; tail -n 6 "$f" | sed 's/^/#   /'; done
fi
exit $rc
