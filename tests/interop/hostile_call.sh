#!/bin/sh
# hostile_call.sh: sphone --headless against a scripted hostile peer over TLS (tests/interop/hostile_call.py):
# hostile SDP offers and answers (hundreds of m-lines, bad a=crypto, RTP/AVP when SRTP is required),
# replayed and forged SRTP, bogus CSRC counts and extension lengths, an RFC 4733 flood -- each refused or
# dropped as the RFCs say and counted in `verify`, while a concurrent good call keeps its audio.
# Needs python3 with the cryptography module and openssl (for the lab CA), no real peer, so it also runs
# in the sanitizer pass (SPHONE_UNIT_ONLY=1).
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
python3 -c 'import cryptography' 2>/dev/null || skip_all "python3 cryptography module not installed"
command -v openssl >/dev/null 2>&1 || skip_all "openssl not installed"
SPHONE=${SPHONE:-$top_builddir/sphone}
[ -x "$SPHONE" ] || skip_all "$SPHONE not built"
lab_make_ca "$WORK/ca" || { echo "Bail out! cannot make the CA"; exit 1; }
python3 "$top_srcdir/tests/interop/hostile_call.py" "$SPHONE" "$WORK" "$LAB_CA"
rc=$?
if [ $rc -ne 0 ]; then
	for f in "$WORK"/*.log; do diag "$f (tail):"; tail -n 25 "$f" | sed 's/^/#   /'; done
	for f in "$WORK"/*.events; do diag "$f (tail):"; tail -n 15 "$f" | sed 's/^/#   /'; done
fi
exit $rc
