#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# asterisk_timers.sh: calls stay up through RFC 4028 session refreshes with a real Asterisk (timers_sess_expires
# = 90 s on the reference endpoint, qualify every 30 s), three calls at once:
#   L  Asterisk originates a call to sphone 1001 (Echo()) and keeps it SPHONE_ASTERISK_LONG_SECS (default 600)
#      seconds: Asterisk refreshes with UPDATE every 45 s, qualifies with OPTIONS; the audio at the end is
#      checked, then Asterisk is still the one that hangs up nothing: sphone does
#   R  sphone 1002 calls Echo() asking session_expires = 90, session_refresher = remote: Asterisk refreshes
#   S  sphone 1003 calls Echo() with session_refresher = local: sphone refreshes (re-INVITE)
# R and S each pass at least 5 refreshes (about 4 minutes). Every refresh's 200 from sphone carries its sips:
# Contact (without it pjproject ends the call: "SIPS Required", which ended calls into sphone after 15 min).
# Long: make check starts it in the background first (asterisk_long_start.sh, which runs it with --run) and
# runs this script last, which then waits for that run and reports it; run by hand, it runs inline.
BG=$top_builddir/tests/interop/asterisk_timers.bg
if [ "${1:-}" = --run ]; then
	shift
elif [ -f "$BG/pid" ]; then
	# wait for the background run (at most its length and 5 minutes more), then report what it found
	pid=$(cat "$BG/pid") t=0 max=$((${SPHONE_ASTERISK_LONG_SECS:-600} + 300))
	while [ ! -f "$BG/rc" ] && kill -0 "$pid" 2>/dev/null && [ $t -lt $max ]; do sleep 2; t=$((t + 2)); done
	sleep 1
	cat "$BG/out"
	rc=$(cat "$BG/rc" 2>/dev/null)
	if [ -z "$rc" ]; then
		echo "Bail out! the background run of asterisk_timers.sh (pid $pid) gave no result"
		rc=1
	fi
	rm -rf "$BG"
	exit "$rc"
fi
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/call_lib.sh"
. "$top_srcdir/tests/interop/asterisk_lib.sh"
ast_require

LONG=${SPHONE_ASTERISK_LONG_SECS:-600}
SE=90
diag "the long call lasts $LONG s (SPHONE_ASTERISK_LONG_SECS); session interval $SE s"
SIG=$WORK/signal60.wav
lab_make_wav "$SIG" 60 || { echo "Bail out! no test signal"; exit 1; }
ast_start --set "sphone-endpoint.timers_sess_expires=$SE" --set "sphone-aor.qualify_frequency=30" ||
	{ echo "Bail out! asterisk did not start"; exit 1; }
PLAYED="--block 0.2 --max-jump 2.5"
T0=$(date +%s)

ast_sphone_conf "$WORK/l.conf" 1001
ast_sphone_conf "$WORK/r.conf" 1002 session_expires=$SE session_refresher=remote
ast_sphone_conf "$WORK/s.conf" 1003 session_expires=$SE session_refresher=local
cs_start l 7 "$WORK/l.conf" --audio-in "$SIG" --audio-out "$WORK/l-heard.wav" --auto-answer
cs_start r 8 "$WORK/r.conf" --audio-in "$SIG"
cs_start s 9 "$WORK/s.conf" --audio-in "$SIG"
cs_wait l registered 15 && cs_wait r registered 15 && cs_wait s registered 15; ok $? "sphones 1001, 1002, 1003 registered"

ast_cmd "channel originate PJSIP/1001 extension 600@from-sphone" >/dev/null
cs_wait l established 15; ok $? "L: Asterisk's call to 1001 established"
cs_cmd r "call 600"
cs_cmd s "call 600"
cs_wait r established 15 && cs_wait s established 15; ok $? "R, S: 1002 and 1003 called Echo()"

# refreshes_in USER: 200s sphone USER gave to Asterisk's UPDATEs; each carries its sips: Contact
refreshes_in() {
	ast_sip rx '^SIP/2.0 200 ' --grep '^CSeq: [0-9]+ UPDATE' --grep "^Contact: <sips:$1@" --count
}
updates_to() { ast_sip tx "^UPDATE sips:$1@" --count; }
# refreshes_out USER: sphone USER's re-INVITEs (in-dialog: To has a tag) answered 200 by Asterisk
reinvites_from() { ast_sip rx '^INVITE ' --grep "^From: .*<sips:$1@" --grep '^To: .*;tag=' --count; }

# --- R and S: at least 5 refreshes each (45 s apart: about 4 minutes)
WAIT_SECS=$((6 * SE / 2 + 30)) wait_for sh -c "[ \$(python3 '$LAB_SRC/asterisk_log.py' '$AST_LOG' rx '^SIP/2.0 200 ' --grep '^CSeq: [0-9]+ UPDATE' --grep '^Contact: <sips:1002@' --count) -ge 5 ] && [ \$(python3 '$LAB_SRC/asterisk_log.py' '$AST_LOG' rx '^INVITE ' --grep '^From: .*<sips:1003@' --grep '^To: .*;tag=' --count) -ge 5 ]"
diag "after $(($(date +%s) - T0)) s: R $(refreshes_in 1002) refreshes by Asterisk, S $(reinvites_from 1003) by sphone"
[ "$(refreshes_in 1002)" -ge 5 ] && [ "$(updates_to 1002)" = "$(refreshes_in 1002)" ]
ok $? "R (call from sphone, refresher=uas): Asterisk refreshed $(updates_to 1002) times with UPDATE, every 200 with a sips: Contact"
[ "$(reinvites_from 1003)" -ge 5 ]
ok $? "S (call from sphone, refresher=uac): sphone refreshed $(reinvites_from 1003) times with re-INVITE"
[ "$(ast_sip tx '^SIP/2.0 200 ' --grep '^CSeq: [0-9]+ INVITE' --grep '^Contact: <sips:' --grep '^Session-Expires: 90' --count)" -ge 5 ]
ok $? "... each answered 200 with Session-Expires: $SE"
for x in r s; do
	[ "$(cs_count $x ended)" = 0 ] && [ "$(cs_count $x established)" = 1 ]
	ok $? "$x: the call is still up after $(($(date +%s) - T0)) s"
	cs_verify $x
done
for x in r s; do
	[ "$(cs_field $x security auth_failures)" = 0 ] && [ "$(cs_field $x security packets_unprotected)" -gt $((40 * 50)) ]
	ok $? "$x: media flowing throughout ($(cs_field $x security packets_unprotected) SRTP packets in, no failure)"
	cs_cmd $x hangup
	cs_wait $x ended 20
	[ "$(cs_field $x ended by)" = local ]; ok $? "$x: hung up by sphone: $(cs_field $x ended reason)"
done

# --- L: until LONG seconds, then audio, refreshes and qualify checked
left=$((T0 + LONG - $(date +%s)))
[ $left -gt 0 ] && sleep $left
[ "$(cs_count l ended)" = 0 ]; ok $? "L: the call Asterisk placed is still up after $(($(date +%s) - T0)) s"
n=$(refreshes_in 1001)
[ "$n" -ge $((LONG * 2 / SE - 2)) ] && [ "$(updates_to 1001)" = "$n" ]
ok $? "L: $n session refreshes (UPDATE) from Asterisk, each answered 200 with a sips: Contact"
! grep -q "SIPS Required" "$AST_LOG"; ok $? "no 'SIPS Required' in Asterisk's log"
q=$(ast_sip tx '^OPTIONS sips:1001@' --count)
[ "$q" -ge $((LONG / 30 - 2)) ] && ! grep -q "Contact 1001/.* is now Unreachable" "$AST_LOG"
ok $? "L: qualified $q times during the call, never Unreachable"
cs_verify l
[ "$(cs_field l security auth_failures)" = 0 ] && [ "$(cs_field l security plaintext_received)" = 0 ] &&
	[ "$(cs_field l security packets_unprotected)" -gt $((LONG * 40)) ]
ok $? "L: $(cs_field l security packets_unprotected) SRTP packets in, no failure, no plaintext"
cs_cmd l hangup
cs_wait l ended 20; ok $? "L: sphone hangs up: $(cs_field l ended reason)"
# the last seconds before the hang-up (the recording is a complete WAV once the call ended): sphone's
# own signal (it loops), echoed
cs_wavcut "$WORK/l-heard.wav" "$WORK/l-last.wav" -10.5 10
res=$(python3 "$LAB_SRC/wavcmp.py" "$SIG" "$WORK/l-last.wav" --min-corr $AST_MIN_CORR --min-seconds 6 --max-lag 60 $PLAYED)
ok $? "L: after $LONG s the echo still matches what sphone sends ($res)"

cs_quit s
cs_quit r
cs_quit l
[ "$CS_RC" = 0 ]; ok $? "sphone 1001 exits cleanly"
diag "took $(($(date +%s) - T0)) s"
[ "$TAP_FAILED" = 0 ] || { cs_diag l; cs_diag r; cs_diag s; ast_diag 60; }
ast_stop
done_testing
