#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# asterisk_mwi.sh: the voicemail indicator against a real Asterisk with app_voicemail, configured from
# doc/asterisk/ (voicemail.conf; 1001's endpoint mailboxes=). 1001 is told unasked (unsolicited NOTIFY);
# 1005 (test-only: its AOR offers the mailbox) has mwi = yes and SUBSCRIBEs. 1002 leaves a message for
# each through VoiceMail() (*1001, *1005) and both counts change; a message file copied into the spool and
# then the mailbox emptied change 1005's count again (pollmailboxes). The subscription is refreshed in its
# dialog, made anew after Asterisk restarts (the connection is lost), and ended with Expires: 0 on quit.
# 1002 with mwi = yes, whose AOR offers no mailbox, is refused and not asked again, and still shows what
# Asterisk sends unasked. 1001's voicemail command dials 700 (VoiceMailMain).
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/call_lib.sh"
. "$top_srcdir/tests/interop/asterisk_lib.sh"
ast_require

SIG=$WORK/signal.wav
lab_make_wav "$SIG" 30 || { echo "Bail out! no test signal"; exit 1; }
AST_PW_1005="sphone-1005-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
{
	echo "[1005](sphone-endpoint)"
	echo "auth=1005-auth"
	echo "aors=1005"
	echo "[1005-auth](sphone-auth)"
	echo "username=1005"
	echo "password=$AST_PW_1005"
	echo "[1005](sphone-aor)"
	echo "mailboxes=1005@default"
} >"$WORK/user-1005.conf"
AST_MWI=1
AST_VM_EXTRA="1005 => 1005,Eve"
export AST_MWI AST_VM_EXTRA
ast_start --append "$WORK/user-1005.conf" || { echo "Bail out! asterisk did not start"; exit 1; }

# mwi_of NAME N KEY=VALUE...: wait until NAME's N-th "mwi" event, or one after it, has these fields (a
# refresh brings a NOTIFY of its own, so counting events alone would depend on when it comes)
mwi_of() {
	local name=$1 n=$2
	shift 2
	WAIT_SECS=${MWI_WAIT:-15} wait_for python3 -c '
import json, sys
name, n, kvs = sys.argv[1], int(sys.argv[2]), [a.split("=", 1) for a in sys.argv[3:]]
evs = [json.loads(l) for l in open(name) if l.startswith("{\"event\":\"mwi\"")]
def val(v):
    return str(v).lower() if isinstance(v, bool) else str(v)
sys.exit(0 if any(all(val(e.get(k)) == v for k, v in kvs) for e in evs[n - 1:]) else 1)' "$WORK/$name.events" "$n" "$@"
}
# leave EXT: 1002 calls EXT (VoiceMail()), talks 4 s, hangs up
leave() {
	local n
	n=$(cs_count b established)
	cs_cmd b "call $1"
	WAIT_SECS=15 wait_for sh -c "[ \$(grep -c '^{\"event\":\"established\"' '$WORK/b.events') -gt $n ]" || return 1
	sleep 4
	cs_cmd b hangup
}

ast_sphone_conf "$WORK/a.conf" 1001 voicemail=700
ast_sphone_conf "$WORK/b.conf" 1002 mwi=yes
ast_sphone_conf "$WORK/c.conf" 1005 mwi=yes
SPHONE_TEST_MWI_EXPIRES=70 cs_start c 9 "$WORK/c.conf"
cs_start a 7 "$WORK/a.conf"
cs_start b 8 "$WORK/b.conf" --audio-in "$SIG"
cs_wait a registered 15 && cs_wait b registered 15 && cs_wait c registered 15; ok $? "1001, 1002, 1005 registered"

# --- what each is told at the start
mwi_of a 1 via=unsolicited waiting=false new=0; ok $? "1001: told unasked (endpoint mailboxes=): none waiting"
mwi_of c 1 via=subscription waiting=false new=0 old=0; ok $? "1005: its SUBSCRIBE answered with a NOTIFY: 0/0"
[ "$(ast_sip rx '^SUBSCRIBE sips:1005@sip.test ' --grep '^Event: message-summary\r?$' --count)" -ge 1 ]
ok $? "Asterisk got 1005's SUBSCRIBE (Event: message-summary)"
ast_sip tx '^NOTIFY ' --grep '^Subscription-State: active' | grep -q '^To: <sips:1005@sip.test>;tag='
ok $? "... and NOTIFYs in its dialog (Subscription-State: active)"
cs_cmd c status
cs_wait c status 20 '"mwi":"active"'; ok $? "1005's status: mwi active"
WAIT_SECS=20 wait_for grep -q 'offers no voicemail subscription' "$WORK/b.log"
ok $? "1002 (mwi = yes, no mailbox on its AOR) is refused: $(grep -o 'offers no voicemail subscription ([^)]*)' "$WORK/b.log" | head -n 1)"
n=$(ast_sip rx '^SUBSCRIBE sips:1002@' --count)

# --- messages left through VoiceMail()
leave '*1001'; ok $? "1002 leaves a message for 1001 (VoiceMail)"
mwi_of a 2 via=unsolicited waiting=true new=1 old=0; ok $? "1001: 1 new message (unsolicited NOTIFY)"
leave '*1005'; ok $? "1002 leaves a message for 1005"
mwi_of c 2 via=subscription waiting=true new=1 old=0; ok $? "1005: 1 new message (in its subscription)"
[ "$(ast_sip rx '^SUBSCRIBE sips:1002@' --count)" = "$n" ]; ok $? "1002 was not asked again ($n SUBSCRIBE)"
mwi_of b 1 via=unsolicited waiting=false; ok $? "1002 still shows what Asterisk tells it unasked"

# --- the spool: a message file more, then none (app_voicemail polls the mailboxes)
INBOX=$AST_DIR/spool/voicemail/default/1005/INBOX
ls "$INBOX"/msg0000.* >/dev/null 2>&1; ok $? "the message is in 1005's spool"
for f in "$INBOX"/msg0000.*; do cp "$f" "$INBOX/msg0001.${f##*.}"; done
MWI_WAIT=30 mwi_of c 3 waiting=true new=2; ok $? "a message file dropped into the spool: 2 new"
rm -f "$INBOX"/msg*
MWI_WAIT=30 mwi_of c 4 waiting=false new=0; ok $? "the mailbox emptied: none waiting"

# --- the subscription is refreshed in its dialog before its 70 s run out
WAIT_SECS=60 wait_for sh -c "python3 '$LAB_SRC/asterisk_log.py' '$AST_LOG' rx '^SUBSCRIBE sips:' --grep '^To: .*;tag=' --count | grep -q '^[1-9]'"
ok $? "refreshed in the dialog (To with Asterisk's tag)"
ast_sip rx '^SUBSCRIBE sips:' --grep '^To: .*;tag=' | grep -q '^Expires: 70'; ok $? "... asking for 70 s again"

# --- 1001 dials its voicemail
cs_cmd a voicemail
cs_wait a established 15; ok $? "voicemail: 1001's call established"
ast_wait_log 20 'Executing \[700@from-sphone:1\] VoiceMailMain'; ok $? "... to 700, VoiceMailMain"
cs_cmd a hangup
cs_wait a ended 20

# --- Asterisk restarts: the connection is lost, 1005 registers again and subscribes anew
nc=$(cs_count c mwi)
ast_stop
ast_start --append "$WORK/user-1005.conf" || { echo "Bail out! asterisk did not restart"; exit 1; }
WAIT_SECS=40 wait_for sh -c "[ \$(grep -c '^{\"event\":\"registered\"' '$WORK/c.events') -ge 2 ]"
ok $? "1005 registered again after the restart"
MWI_WAIT=20 mwi_of c $((nc + 1)) via=subscription waiting=false; ok $? "... subscribed anew: told again"
ast_sip rx '^SUBSCRIBE sips:1005@' | grep -q '^To: <sips:1005@sip.test>.\?$'; ok $? "... with a new SUBSCRIBE outside any dialog"

# --- quitting ends the subscription
cs_quit c
[ "$CS_RC" = 0 ]; ok $? "1005 exits cleanly"
ast_sip rx '^SUBSCRIBE sips:' --grep '^Expires: 0\r?$' --count | grep -q '^[1-9]'; ok $? "... with an un-SUBSCRIBE (Expires: 0)"
cs_quit a
cs_quit b
[ "$TAP_FAILED" = 0 ] || { cs_diag a; cs_diag b; cs_diag c; ast_diag 60; }
ast_stop
done_testing
