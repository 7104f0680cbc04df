#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# secrets.sh: register, re-register and unregister against the lab Kamailio with the SIP trace and
# debug logs on, then look for the test password, its digest HA1 and every digest response and cnonce
# that went over the wire (read back from Kamailio's decrypted sipdump) in everything sphone wrote:
# the events (stdout), stderr, and the --log file. None may appear. The same values are found in
# the sipdump, and the trace shows the masked Authorization header, so the search cannot pass vacuously.
# work dirs under the build tree: something on the shared machine removes /tmp/sphone-interop.*
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/reg_lib.sh"
lab_require kamailio python3

lab_make_ca "$WORK/ca" || { echo "Bail out! cannot make the CA"; exit 1; }
lab_start_kamailio || { echo "Bail out! kamailio did not start"; exit 1; }

PW=$LAB_PW_alice
FILELOG=$WORK/alice.file.log
sp_conf "$WORK/alice.conf" alice "$PW" "expires=60"
# the trace and debug logs go to the --log file; a second run (below) sends them to stderr
sp_start alice "$WORK/alice.conf" --sip-trace --log-level debug --log "$FILELOG"
sp_wait registered 15; ok $? "registered with trace and debug logs on (log file)"
sp_cmd status
sp_cmd unregister
sp_wait unregistered 20; ok $? "unregistered on request"
sp_cmd register
WAIT_SECS=15 wait_for sh -c "[ \$(grep -c '^{\"event\":\"registered\"' '$SP_EV') -ge 2 ]"
ok $? "registered again on request (more digest responses)"
sp_quit
[ "$SP_RC" = 0 ]; ok $? "clean exit"
EV1=$SP_EV ERR1=$SP_LOG

sp_start alice2 "$WORK/alice.conf" --sip-trace --log-level debug
sp_wait registered 15; ok $? "registered with trace and debug logs on (stderr)"
sp_cmd status
sp_quit
EV2=$SP_EV ERR2=$SP_LOG

cat "$KAM_DIR"/sipdump/*.data >"$WORK/sipdump" 2>/dev/null
# every digest response and cnonce sphone sent, and HA1 = MD5(user:realm:password)
"$PYTHON" - "$WORK/sipdump" "$PW" "$LAB_DOMAIN" >"$WORK/secrets" <<'PY'
import hashlib, re, sys
dump = open(sys.argv[1], "rb").read().decode("latin-1")
seen = set()
for hdr in re.findall(r"(?im)^(?:authorization|proxy-authorization)\s*:.*$", dump):
    for key in ("response", "cnonce"):
        for v in re.findall(r'(?i)\b' + key + r'\s*=\s*"?([^",\s]+)', hdr):
            seen.add(v)
print("\n".join(sorted(seen)))
print(hashlib.md5(("alice:%s:%s" % (sys.argv[3], sys.argv[2])).encode()).hexdigest())
PY
nresp=$(grep -ci '^authorization:.*response=' "$WORK/sipdump")
[ "$nresp" -ge 3 ]; ok $? "Kamailio's sipdump holds $nresp Authorization headers from sphone (>= 3)"
nsec=$(($(wc -l <"$WORK/secrets") + 1))
diag "looking for $nsec secrets: the password, HA1, $((nsec - 2)) digest response/cnonce values"
found_in_dump=0
while read -r s; do grep -qF -- "$s" "$WORK/sipdump" && found_in_dump=$((found_in_dump + 1)); done <"$WORK/secrets"
[ "$found_in_dump" = $((nsec - 2)) ]; ok $? "control: every response/cnonce value is found in the sipdump itself"

grep -qi '^Authorization:.*response=' "$FILELOG"; ok $? "the trace in the log file shows the Authorization header"
grep -qi '^Authorization:.*response=' "$ERR2"; ok $? "the trace on stderr shows the Authorization header"
grep -q "DEBUG\|debug" "$FILELOG"; ok $? "debug lines are in the log file"

for f in "$EV1" "$ERR1" "$FILELOG" "$EV2" "$ERR2"; do
	hits=0
	{ echo "$PW"; cat "$WORK/secrets"; } >"$WORK/needles"
	while read -r s; do
		if grep -qF -- "$s" "$f"; then
			hits=$((hits + 1))
			diag "$(basename "$f") contains a secret on: $(grep -nF -- "$s" "$f" | head -n 1 | cut -d: -f1 | sed 's/^/line /')"
		fi
	done <"$WORK/needles"
	[ "$hits" = 0 ]; ok $? "$(basename "$f") ($(wc -l <"$f") lines): none of the $nsec secrets"
done
[ "$TAP_FAILED" = 0 ] || sp_diag_fail
done_testing
