#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# demo.sh: `sphone --demo --headless` (what CI runs): registration over verified TLS to the built-in peer, an
# SRTP echo call, exit 0 only when encrypted both ways with the echo matching; and it fails when it should.
. "$top_srcdir/tests/interop/lib.sh"
S="$top_builddir/sphone"
# a TMPDIR of its own: other tests running sphone --demo at the same time (ui_demo.sh) make
# sphone-demo.* directories too, which would upset the "temporary directory removed" count
TMPDIR="$WORK/tmp" && mkdir -p "$TMPDIR" && export TMPDIR

before=$(ls -d "$TMPDIR"/sphone-demo.* 2>/dev/null | wc -l)
timeout 60 "$S" --demo --headless >"$WORK/out" 2>"$WORK/err"; rc=$?
[ $rc -eq 0 ]; ok $? "sphone --demo --headless exits 0 (rc $rc)"
[ $rc -eq 0 ] || sed 's/^/#   /' "$WORK/err" | tail -20
last=$(tail -n 1 "$WORK/out")
echo "$last" | grep -q '^{"event":"demo","result":"pass"'; ok $? "last line is the demo verdict: pass"
grep -q '^{"event":"registered".*"tls_version":"TLSv1\.[23]".*"verified":true' "$WORK/out"
ok $? "registered to the demo peer over verified TLS"
grep -q '^{"event":"established".*"srtp":true' "$WORK/out"; ok $? "call established with SRTP"
sec=$(grep '^{"event":"security"' "$WORK/out" | tail -n 1)
[ -n "$sec" ]; ok $? "verify report printed (security event)"
echo "$sec" | grep -q '"plaintext_sent":0,"plaintext_received":0'; ok $? "no plaintext RTP either way"
echo "$sec" | grep -q '"auth_failures":0'; ok $? "no SRTP authentication failures"
echo "$sec" | grep -Eq '"packets_unprotected":[1-9]'; ok $? "SRTP packets came back and authenticated"
echo "$sec" | grep -Eq '"sas":"[0-9]{3} [0-9]{3}"'; ok $? "short authentication string shown"
w=$(echo "$last" | sed -n 's/.*"audio_windows":\([0-9]*\).*/\1/p')
[ "${w:-0}" -ge 3 ]; ok $? "at least 3 audio windows compared (${w:-none})"
grep -q 'PASS' "$WORK/err"; ok $? "human summary on stderr says PASS"
cat "$WORK/out" | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' 2>/dev/null
ok $? "every stdout line is JSON"
after=$(ls -d "$TMPDIR"/sphone-demo.* 2>/dev/null | wc -l)
[ "$after" -eq "$before" ]; ok $? "temporary directory removed"

# negative controls: the verdict must fail when the echo is altered or comes back unencrypted
SPHONE_DEMO_FAULT=scramble timeout 60 "$S" --demo --headless >"$WORK/out2" 2>/dev/null; rc=$?
[ $rc -eq 1 ]; ok $? "echo scrambled by the peer: exit 1 (rc $rc)"
tail -n 1 "$WORK/out2" | grep -q '"result":"fail","reason":"the audio that came back does not match"'
ok $? "... and the verdict says the audio does not match"
SPHONE_DEMO_FAULT=plain timeout 60 "$S" --demo --headless >"$WORK/out3" 2>/dev/null; rc=$?
[ $rc -eq 1 ]; ok $? "echo sent back without SRTP: exit 1 (rc $rc)"
tail -n 1 "$WORK/out3" | grep -q '"result":"fail","reason":"the call was not encrypted both ways"'
ok $? "... and the verdict says not encrypted both ways"

"$S" --demo -c /dev/null >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "--demo with --config is a usage error"
# the commented example config in doc/ is valid as shipped
"$S" --check-config -c "$top_srcdir/doc/sphone.conf.example" >"$WORK/ex" 2>&1; ok $? "doc/sphone.conf.example passes --check-config"
grep -q '^media_encryption = sdes$' "$WORK/ex"; ok $? "... with media_encryption = sdes"
done_testing
