#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# asterisk_b2b.sh: two sphones call each other through a real Asterisk (doc/asterisk/*.conf): audio both ways
# compared, each leg SDES-SRTP with its own keys (a B2BUA re-keys), so the two phones show different SAS
# digits and sphone says the media was re-keyed between them; hold and resume from either side passed on
# (moh_passthrough) with audio after; a call Asterisk originates ("channel originate") to a phone.
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/call_lib.sh"
. "$top_srcdir/tests/interop/asterisk_lib.sh"
ast_require

# two different signals: A sends the first minute of the lab signal, B the second
lab_make_wav "$WORK/signal120.wav" 120 || { echo "Bail out! no test signal"; exit 1; }
cs_wavcut "$WORK/signal120.wav" "$WORK/sig-a.wav" 0 60
cs_wavcut "$WORK/signal120.wav" "$WORK/sig-b.wav" 60 60
ast_start || { echo "Bail out! asterisk did not start"; exit 1; }
PLAYED="--block 0.2 --max-jump 2.5"

ast_sphone_conf "$WORK/a.conf" 1001
ast_sphone_conf "$WORK/b.conf" 1002
cs_start a 7 "$WORK/a.conf" --audio-in "$WORK/sig-a.wav" --audio-out "$WORK/a-heard.wav" --auto-answer
cs_start b 8 "$WORK/b.conf" --audio-in "$WORK/sig-b.wav" --audio-out "$WORK/b-heard.wav" --auto-answer
cs_wait a registered 15 && cs_wait b registered 15; ok $? "sphones 1001 and 1002 registered"

# --- 1001 calls 1002 through Asterisk
cs_cmd a "call 1002"
cs_wait b incoming 15; ok $? "1002 rings ($(cs_field b incoming display_name), srtp $(cs_field b incoming srtp))"
cs_wait a established 15 && cs_wait b established 20; ok $? "established on both legs"
[ "$(cs_field a established srtp)" = true ] && [ "$(cs_field b established srtp)" = true ]
ok $? "both legs SRTP ($(cs_field a established srtp_tx), $(cs_field b established srtp_tx))"
SAS_A=$(cs_field a established sas) SAS_B=$(cs_field b established sas)
[ -n "$SAS_A" ] && [ -n "$SAS_B" ] && [ "$SAS_A" != "$SAS_B" ]
ok $? "the SAS differs between the phones ('$SAS_A' vs '$SAS_B'): Asterisk holds each leg's keys"
sleep 7
cs_verify a
cs_verify b
[ "$(cs_field a security sas)" = "$SAS_A" ] && [ "$(cs_field b security sas)" = "$SAS_B" ] &&
	[ -n "$(cs_field a security sas_note)" ] && [ -n "$(cs_field b security sas_note)" ]
ok $? "verify on each phone shows its SAS with a note on what differing digits mean"
[ "$(cs_field a security tls_verified)" = true ] && [ "$(cs_field b security tls_verified)" = true ] &&
	[ "$(cs_field a security tls_hop)" = "127.0.0.1:$AST_TLS_PORT" ]
ok $? "verify: each phone's signalling hop is Asterisk ($(cs_field a security tls_hop)), TLS verified"
[ "$(cs_field a security auth_failures)" = 0 ] && [ "$(cs_field b security auth_failures)" = 0 ] &&
	[ "$(cs_field a security plaintext_received)" = 0 ] && [ "$(cs_field b security plaintext_received)" = 0 ]
ok $? "verify: no plaintext, no authentication failures on either leg"

# --- hold from 1001: passed to 1002 as a re-INVITE (moh_passthrough), then resume
cs_cmd a hold
cs_wait a hold 20 '"on":true'; ok $? "1001 holds"
cs_wait b hold 20 '"on":true,"by":"remote"'; ok $? "... 1002 sees the hold (moh_passthrough re-INVITE)"
sleep 1
cs_cmd a resume
cs_wait a hold 20 '"on":false'; ok $? "1001 resumes"
cs_wait b hold 20 '"on":false,"by":"remote"'; ok $? "... 1002 sees the resume"
sleep 2
# --- hold from 1002
cs_cmd b hold
WAIT_SECS=20 wait_for sh -c "grep '^{\"event\":\"hold\"' '$WORK/a.events' | grep -q '\"on\":true,\"by\":\"remote\"'"
ok $? "1002 holds: 1001 sees it"
sleep 1
cs_cmd b resume
WAIT_SECS=20 wait_for sh -c "grep '^{\"event\":\"hold\"' '$WORK/a.events' | tail -n 1 | grep -q '\"on\":false,\"by\":\"remote\"'"
ok $? "1002 resumes: 1001 sees it"
sleep 8
cs_cmd a hangup
cs_wait a ended 20 && cs_wait b ended 20; ok $? "1001 hangs up; 1002's call ends: $(cs_field b ended reason)"

# audio before the holds (first 6 s) and after the resumes (5 s before the hang-up), each way
cs_wavcut "$WORK/a-heard.wav" "$WORK/a-first.wav" 0 6
cs_wavcut "$WORK/b-heard.wav" "$WORK/b-first.wav" 0 6
cs_wavcut "$WORK/a-heard.wav" "$WORK/a-last.wav" -5.5 5
cs_wavcut "$WORK/b-heard.wav" "$WORK/b-last.wav" -5.5 5
res=$(python3 "$LAB_SRC/wavcmp.py" "$WORK/sig-b.wav" "$WORK/a-first.wav" --min-corr $AST_MIN_CORR --min-seconds 4 $PLAYED)
ok $? "1002 -> Asterisk -> 1001: audio matches ($res)"
res=$(python3 "$LAB_SRC/wavcmp.py" "$WORK/sig-a.wav" "$WORK/b-first.wav" --min-corr $AST_MIN_CORR --min-seconds 4 $PLAYED)
ok $? "1001 -> Asterisk -> 1002: audio matches ($res)"
# control: the same comparison against the other phone's signal must fail (the threshold discriminates)
res=$(python3 "$LAB_SRC/wavcmp.py" "$WORK/sig-a.wav" "$WORK/a-first.wav" --min-corr $AST_MIN_CORR --min-seconds 4 $PLAYED)
[ $? -ne 0 ]; ok $? "control: 1001 did not hear its own signal ($res)"
res=$(python3 "$LAB_SRC/wavcmp.py" "$WORK/sig-b.wav" "$WORK/a-last.wav" --min-corr $AST_MIN_CORR --min-seconds 4 --max-lag 60 $PLAYED)
ok $? "after the resumes: 1002 -> 1001 flows and matches ($res)"
res=$(python3 "$LAB_SRC/wavcmp.py" "$WORK/sig-a.wav" "$WORK/b-last.wav" --min-corr $AST_MIN_CORR --min-seconds 4 --max-lag 60 $PLAYED)
ok $? "after the resumes: 1001 -> 1002 flows and matches ($res)"

# --- Asterisk originates a call to 1001 (auto-answer) into Echo(): a call sphone did not place
n=$(cs_count a established)
ast_cmd "channel originate PJSIP/1001 extension 600@from-sphone" >/dev/null
WAIT_SECS=15 wait_for sh -c "[ \$(grep -c '^{\"event\":\"established\"' '$WORK/a.events') -gt $n ]"
ok $? "Asterisk's channel originate: 1001 rings and answers"
OCALL=$(cs_field a established call)
[ "$(cs_field a established srtp)" = true ]; ok $? "... SRTP ($(cs_field a established srtp_tx))"
sleep 6
cs_verify a "$OCALL"
[ "$(cs_field a security packets_unprotected)" -gt 150 ] && [ "$(cs_field a security auth_failures)" = 0 ]
ok $? "... media from Asterisk authenticated ($(cs_field a security packets_unprotected) packets)"
ast_cmd "channel request hangup all" >/dev/null
WAIT_SECS=20 wait_for grep -q "^{\"event\":\"ended\",\"call\":$OCALL," "$WORK/a.events"
ok $? "Asterisk hangs up: 1001's call ends ($(grep "^{\"event\":\"ended\",\"call\":$OCALL," "$WORK/a.events" | sed 's/.*"reason":"\([^"]*\)".*/\1/'))"

# --- a phone that declines: 1003 answers 603, Asterisk maps it for the caller
ast_sphone_conf "$WORK/c.conf" 1003
cs_start c 9 "$WORK/c.conf"
cs_wait c registered 15
n=$(cs_count a ended)
cs_cmd a "call 1003"
cs_wait c incoming 15; ok $? "1003 rings"
cs_cmd c hangup
cs_wait c ended 20
WAIT_SECS=20 wait_for sh -c "[ \$(grep -c '^{\"event\":\"ended\"' '$WORK/a.events') -gt $n ]"
[ "$(cs_field c ended status)" = 603 ] && [ "$(cs_field a ended status)" = 403 ]
ok $? "1003 declines (603): the caller's call ends $(cs_field a ended status): $(cs_field a ended reason)"
cs_quit c

# b last started, first to go: it holds a copy of a's command fifo (cs_start)
cs_quit b
[ "$CS_RC" = 0 ]; ok $? "sphone 1002 exits cleanly"
cs_quit a
[ "$CS_RC" = 0 ]; ok $? "sphone 1001 exits cleanly"
[ "$TAP_FAILED" = 0 ] || { cs_diag a; cs_diag b; ast_diag 60; }
ast_stop
done_testing
