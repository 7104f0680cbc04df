#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# history_calls.sh: two sphones through Kamailio: a call to alice missed, one answered, one she places:
# her history file (JSON lines, 0600 in a 0700 directory), the history/missed events, the seen mark
# across a restart, and her on_incoming/on_missed hooks fed a caller whose display name is shell code.
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/call_lib.sh"
lab_require kamailio python3

lab_make_ca "$WORK/ca" || { echo "Bail out! cannot make the CA"; exit 1; }
lab_start_kamailio || { echo "Bail out! kamailio did not start"; exit 1; }

# the hook writes what it was given, one line per run, and nothing else
cat >"$WORK/hook.sh" <<'EOF'
#!/bin/sh
printf '%s|%s|%s|%s|%s|%s|%s\n' "$SPHONE_EVENT" "$SPHONE_ACCOUNT" "$SPHONE_CALL_ID" "$SPHONE_CALLER_URI" \
	"$SPHONE_CALLER_NAME" "${SPHONE_SRTP-}" "${SPHONE_REASON-}" >>"$HOOK_OUT"
echo "hook ran for $SPHONE_EVENT"
EOF
chmod 700 "$WORK/hook.sh"
HOOK_OUT=$WORK/hooks.out
export HOOK_OUT
# bob's display name is shell code: whatever runs it leaves a file behind (the sphones run in $WORK)
cd "$WORK" || exit 1
evil="Bob \$(touch PWNED1) \`touch PWNED2\`; touch PWNED3 || 'x' & echo \$HOME"
cs_conf "$WORK/alice.conf" alice "on_incoming=$WORK/hook.sh" "on_missed=$WORK/hook.sh --missed"
cs_conf "$WORK/bob.conf" bob "display_name=$evil"
AST=$WORK/alice-state
XDG_STATE_HOME=$AST cs_start alice 7 "$WORK/alice.conf"
XDG_STATE_HOME=$WORK/bob-state cs_start bob 8 "$WORK/bob.conf"
cs_wait alice registered 15 && cs_wait bob registered 15; ok $? "both sphones registered"

# 1: missed -- bob calls, alice does not answer, bob gives up
cs_cmd bob "call alice"
cs_wait alice incoming 20; ok $? "alice: incoming from bob"
WAIT_SECS=20 wait_for grep -q '^incoming|' "$HOOK_OUT"; ok $? "on_incoming ran"
sleep 1
cs_cmd bob hangup
cs_wait alice ended 20 '"call":1'; ok $? "bob gave up: alice's call ended"
cs_wait alice history 20 '"kind":"missed"'; ok $? "a history event: missed"
cs_wait alice missed 20 '"count":1'; ok $? "missed count 1"
WAIT_SECS=20 wait_for grep -q '^missed|' "$HOOK_OUT"; ok $? "on_missed ran"
name=$(cs_field alice incoming display_name)
line=$(grep '^incoming|' "$HOOK_OUT" | head -n 1)
[ "$line" = "incoming|lab|1|sips:bob@sip.test|$name|yes|" ]
ok $? "the hook got the caller in its environment, the name as text: '$line'"
echo "$name" | grep -q -F '$(touch PWNED1) `touch PWNED2`; touch PWNED3'; ok $? "... the name as bob set it (shell code and all): $name"
[ "$(grep '^missed|' "$HOOK_OUT" | head -n 1)" = "missed|lab|1|sips:bob@sip.test|$name||cancelled by the caller" ]
ok $? "on_missed: the same caller and why it ended"
ls "$WORK"/PWNED* >/dev/null 2>&1; [ $? -ne 0 ]; ok $? "nothing in the display name was executed (no PWNED file)"
grep -q 'hook on_incoming \[[0-9]*\]: hook ran for incoming' "$WORK/alice.log"; ok $? "the hook's output is in the log"

# 2: received -- bob calls, alice answers, she hangs up after 2 s
cs_cmd bob "call alice"
cs_wait alice incoming 20 '"call":2'
cs_cmd alice answer
cs_wait alice established 20 '"call":2'; ok $? "second call answered"
sleep 2
cs_cmd alice hangup
cs_wait alice history 20 '"kind":"received"'; ok $? "history: received"

# 3: placed -- alice calls bob, bob answers and hangs up
cs_cmd alice "call bob"
cs_wait bob incoming 20 '"call":3'
cs_cmd bob answer
cs_wait alice established 20 '"call":3'; ok $? "alice's call answered"
sleep 2
cs_cmd bob hangup
cs_wait alice history 20 '"kind":"placed"'; ok $? "history: placed"
[ "$(cs_field alice history answered)" = true ] && [ "$(cs_field alice history duration)" -ge 1 ]
ok $? "... answered, $(cs_field alice history duration) s"

H=$AST/sphone/history
[ "$(stat -c %a "$H")" = 600 ] && [ "$(stat -c %a "$AST/sphone")" = 700 ]
ok $? "history file 0600 ($(stat -c %a "$H")) in a 0700 directory ($(stat -c %a "$AST/sphone"))"
python3 - "$H" "$name" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
kinds = [r["kind"] for r in recs]
assert kinds == ["missed", "received", "placed"], kinds
m, r, p = recs
assert all(x["v"] == 1 and x["tls"].startswith("TLSv1.") and x["tls_verified"] is True for x in recs), recs
assert m["peer"] == "sips:bob@sip.test" and m["name"] == sys.argv[2] and not m["answered"] and m["srtp"] == "", m
assert m["status"] == 487 and m["duration"] == 0, m
assert r["answered"] and r["duration"] >= 1 and r["srtp"] == "AES_CM_128_HMAC_SHA1_80" and r["status"] == 200, r
assert p["peer"] == "sips:bob@sip.test" and p["answered"] and p["srtp"] == "AES_CM_128_HMAC_SHA1_80", p
assert p["sas_method"].startswith("SDES key hash"), p
assert p["start"] >= r["start"] >= m["start"] > 1700000000, recs
PY
ok $? "the file: missed, received, placed, each with peer, TLS version verified, SRTP suite, status"
grep -c . "$H" | grep -q '^3$'; ok $? "one line per call"

# what a front end asks for: the list, then the count; seeing it clears the count
n0=$(cs_count alice history)
cs_cmd alice "history 10"
cs_wait alice missed 20 '"count":1,"file":"'"$H"'"'; ok $? "history 10: then the missed count and the file"
[ $(($(cs_count alice history) - n0)) -eq 3 ]; ok $? "three history events"
grep '^{"event":"history"' "$WORK/alice.events" | tail -n 3 | python3 -c '
import json, sys
k = [json.loads(l)["kind"] for l in sys.stdin]
sys.exit(0 if k == ["missed", "received", "placed"] else 1)'
ok $? "oldest first"
cs_cmd alice "history seen"
cs_wait alice missed 20 '"count":0'; ok $? "history seen: count 0"
tail -n 1 "$H" | grep -q '^{"v":1,"kind":"seen","start":[0-9]*}$'; ok $? "a seen mark in the file"
cs_quit alice
[ "$CS_RC" = 0 ]; ok $? "alice quits cleanly (rc $CS_RC)"

# a new alice: the same history, nothing new missed
XDG_STATE_HOME=$AST cs_start alice2 7 "$WORK/alice.conf"
cs_wait alice2 registered 15
cs_cmd alice2 "history 2"
cs_wait alice2 missed 20 '"count":0'; ok $? "after a restart: nothing new missed"
[ "$(cs_count alice2 history)" -eq 2 ] && [ "$(cs_field alice2 history kind)" = placed ]
ok $? "history 2: the last two calls"
cs_quit alice2
cs_quit bob
[ "$TAP_FAILED" = 0 ] || { cs_diag alice; cs_diag bob; diag "hooks:"; sed 's/^/#   /' "$HOOK_OUT"; }
done_testing
