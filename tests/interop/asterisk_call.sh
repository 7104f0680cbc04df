#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# asterisk_call.sh: sphone calls the test numbers of doc/asterisk/extensions.conf on a real Asterisk (TLS 1.2,
# SDES-SRTP required): Echo() gives back what sphone sent (audio compared), DTMF reaches Read(), Playback()
# of a known signal arrives intact, a hang-up's Reason shows on 'ended'; srtp_tag_32=yes works (4-byte tags
# on the wire), AES-256/GCM where this Asterisk offers them (else sphone's refusal is clear), and a
# media_encryption=no endpoint gets no call at all, either way, with a reason. The wire: no readable SIP on
# the TLS port, RTP payloads at SRTP entropy.
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/call_lib.sh"
. "$top_srcdir/tests/interop/asterisk_lib.sh"
ast_require
lab_require dumpcap tshark

SIG=$WORK/signal60.wav
lab_make_wav "$SIG" 60 || { echo "Bail out! no test signal"; exit 1; }
ast_start || { echo "Bail out! asterisk did not start"; exit 1; }
# 602 plays sphone-check: 8 s of the lab signal, from its 20th second (not what sphone sends)
cs_wavcut "$SIG" "$AST_DIR/lib/sounds/en/sphone-check.wav" 20 8
lab_capture_start ast "tcp port $AST_TLS_PORT or udp portrange 20000-40000" || { echo "Bail out! no capture"; exit 1; }
PLAYED="--block 0.2 --max-jump 2.5"

# call_to NAME EXT: call EXT from sphone NAME and wait until established; CALL is the call's id
call_to() {
	local n
	n=$(cs_count "$1" established)
	cs_cmd "$1" "call $2"
	WAIT_SECS=15 wait_for sh -c "[ \$(grep -c '^{\"event\":\"established\"' '$WORK/$1.events') -gt $n ]" || return 1
	CALL=$(cs_field "$1" established call)
}
# ended_of NAME ID: wait up to 15 s for call ID's "ended"; its line in ENDED
ended_of() {
	WAIT_SECS=${3:-15} wait_for grep -q "^{\"event\":\"ended\",\"call\":$2," "$WORK/$1.events" || return 1
	ENDED=$(grep "^{\"event\":\"ended\",\"call\":$2," "$WORK/$1.events" | tail -n 1)
}
jfield() { # jfield JSON KEY
	printf '%s' "$1" | python3 -c 'import json,sys; v=json.load(sys.stdin).get(sys.argv[1]); print("" if v is None else v)' "$2"
}

ast_sphone_conf "$WORK/a.conf" 1001
cs_start a 7 "$WORK/a.conf" --audio-in "$SIG" --audio-out "$WORK/a-heard.wav"
cs_wait a registered 15; ok $? "sphone 1001 registered"

# --- 600 Echo(): what comes back is what sphone sent
call_to a 600; ok $? "600 (Echo): established"
[ "$(cs_field a established srtp)" = true ] && [ "$(cs_field a established srtp_tx)" = AES_CM_128_HMAC_SHA1_80 ]
ok $? "... SDES-SRTP $(cs_field a established srtp_tx)/$(cs_field a established srtp_rx), $(cs_field a established codec)"
ECHO=$CALL
sleep 8
cs_verify a "$ECHO"
[ "$(cs_field a security tls_verified)" = true ] && [ "$(cs_field a security tls_version)" = TLSv1.2 ]
ok $? "verify: signalling hop $(cs_field a security tls_hop) TLS 1.2, verified"
[ "$(cs_field a security plaintext_sent)" = 0 ] && [ "$(cs_field a security plaintext_received)" = 0 ] &&
	[ "$(cs_field a security auth_failures)" = 0 ] && [ "$(cs_field a security packets_unprotected)" -gt 200 ]
ok $? "verify: $(cs_field a security packets_unprotected) SRTP packets in, no plaintext, no authentication failure"
ECHO_MEDIA=$(cs_field a security remote_media)
cs_cmd a hangup
ended_of a "$ECHO"; ok $? "hung up: $(jfield "$ENDED" reason)"

# --- 601 Read(): DTMF digits
call_to a 601; ok $? "601 (Read): established"
READ=$CALL
sleep 1.5
cs_cmd a "dtmf 4711"
ast_wait_log 15 "SPHONE-DTMF call=PJSIP/1001-[0-9a-f]+ digits=4711"
ok $? "Asterisk's Read() got the digits: $(grep -o 'SPHONE-DTMF.*' "$AST_LOG" | tail -n 1)"
ended_of a "$READ"; ok $? "... and hung up after Read(): $(jfield "$ENDED" reason), by $(jfield "$ENDED" by)"

# --- 602 Playback(): the known signal arrives
cs_wavcut "$SIG" "$WORK/check-sent.wav" 20 8
n0=$(stat -c %s "$WORK/a-heard.wav")
call_to a 602; ok $? "602 (Playback): established"
PLAY=$CALL
ended_of a "$PLAY" 20; ok $? "Asterisk hung up after the file: $(jfield "$ENDED" reason)"
[ "$(jfield "$ENDED" by)" = remote ]; ok $? "... ended by remote"
# what sphone played during this call: the recording from its size before the call (a complete WAV now)
python3 - "$WORK/a-heard.wav" "$WORK/play-heard.wav" "$n0" <<'PY'
import sys, wave
src, dst, skip = sys.argv[1], sys.argv[2], (int(sys.argv[3]) - 44) // 2
with wave.open(src, "rb") as w:
    p = w.getparams()
    w.setpos(min(skip, w.getnframes()))
    data = w.readframes(w.getnframes())
with wave.open(dst, "wb") as o:
    o.setparams(p)
    o.writeframes(data)
PY
res=$(python3 "$LAB_SRC/wavcmp.py" "$WORK/check-sent.wav" "$WORK/play-heard.wav" --min-corr $AST_MIN_CORR --min-seconds 5 $PLAYED)
ok $? "the played file arrived through SRTP ($res)"

# --- echo audio (the first call): sphone heard its own signal back
cs_wavcut "$WORK/a-heard.wav" "$WORK/echo-heard.wav" 0 7
res=$(python3 "$LAB_SRC/wavcmp.py" "$SIG" "$WORK/echo-heard.wav" --min-corr $AST_MIN_CORR --min-seconds 4 $PLAYED)
ok $? "Echo(): what came back is what sphone sent ($res)"

# --- 603: Asterisk hangs up with cause 16: the BYE's Reason on 'ended'
call_to a 603; ok $? "603: established"
HUP=$CALL
ended_of a "$HUP"; ok $? "Asterisk hung up: $(jfield "$ENDED" reason)"
[ "$(jfield "$ENDED" remote_reason)" = "Q.850;cause=16" ] && [ "$(jfield "$ENDED" by)" = remote ]
ok $? "ended shows the far end's Reason: '$(jfield "$ENDED" remote_reason)'"

# --- a number the dial plan lacks
n=$(cs_count a ended)
cs_cmd a "call 699"
WAIT_SECS=20 wait_for sh -c "[ \$(grep -c '^{\"event\":\"ended\"' '$WORK/a.events') -gt $n ]"
[ "$(cs_field a ended status)" = 404 ]; ok $? "699 (no such extension): ended $(cs_field a ended status), $(cs_field a ended reason)"

# --- srtp_tag_32=yes (endpoint 1004): Asterisk offers the 32-bit tag first; 4-byte tags on the wire
ast_sphone_conf "$WORK/t.conf" 1004
cs_start t 8 "$WORK/t.conf" --audio-in "$SIG" --auto-answer
cs_wait t registered 15; ok $? "sphone 1004 (srtp_tag_32=yes) registered"
ast_cmd "rtcp set debug on" >/dev/null
ast_cmd "channel originate PJSIP/1004 extension 600@from-sphone" >/dev/null
cs_wait t established 15; ok $? "Asterisk calls 1004: established"
[ "$(cs_field t established srtp_tx)" = AES_CM_128_HMAC_SHA1_32 ] && [ "$(cs_field t established srtp_rx)" = AES_CM_128_HMAC_SHA1_32 ]
ok $? "... with AES_CM_128_HMAC_SHA1_32 both ways ($(cs_field t established srtp_tx))"
OFFER=$(ast_sip tx '^INVITE sips:1004@')
diag "Asterisk's offer to 1004: $(printf '%s\n' "$OFFER" | grep '^a=crypto' | sed 's/inline:.*/inline:.../' | tr '\n' ' ')"
# long enough for a few RTCP reports each way (every 5 s)
sleep 14
cs_verify t
TAG32_MEDIA=$(cs_field t security remote_media)

# Asterisk's res_srtp tags SRTCP of a _32 suite with 32 bits (one libsrtp policy for RTP and RTCP) where
# RFC 4568 keeps 80: sphone takes either, learns the peer's from its first report that authenticates, and
# from then on tags its own the same way, its SRTCP index going on (audio/srtp.c, enum rtcp_tag)
sr=$(grep -c "res_rtp_asterisk.c: \* Sent RTCP SR to" "$AST_LOG")
af=$(cs_field t security auth_failures)
[ "$(cs_field t security packets_unprotected)" -gt 600 ] && [ "$(cs_field t security replay_failures)" = 0 ]
ok $? "... $(cs_field t security packets_unprotected) packets authenticated with the 32-bit tag, none replayed"
[ "$sr" -ge 1 ] && [ "$af" = 0 ]
ok $? "sphone takes Asterisk's 32-bit-tagged SRTCP ($sr reports sent by Asterisk, $af refused)"
# "rtcp set debug" logs each RTCP packet Asterisk took, after unprotecting it; sphone's reports before
# Asterisk's first carry the RFC's 80-bit tag and are refused, at most the first two (one every ~5 s)
n=$(grep -c "res_rtp_asterisk.c: RTCP from 127.0.0.1:" "$AST_LOG")
nf=$(grep -c 'SRTCP unprotect failed' "$AST_LOG")
[ "$n" -ge 1 ] && [ "$nf" -le 2 ]
ok $? "Asterisk takes sphone's SRTCP once sphone has seen its tag ($n taken, $nf refused before that)"
cs_cmd t hangup
cs_wait t ended 20

# --- AES-256 and GCM: exercised where this Asterisk offers them (menuselect ENABLE_SRTP_AES_256 /
# ENABLE_SRTP_AES_GCM, off by default); an offer of only those is refused with a clear reason otherwise
BIG=$(printf '%s\n' "$OFFER" | grep -o -E 'AES_256_CM_HMAC_SHA1_80|AEAD_AES_256_GCM|AEAD_AES_128_GCM' | sort -u | tr '\n' ' ')
for suite in AES_256_CM_HMAC_SHA1_80 AEAD_AES_256_GCM; do
	ast_sphone_conf "$WORK/s.conf" 1003 srtp_suites=$suite
	cs_start s 9 "$WORK/s.conf" --audio-in "$SIG"
	cs_wait s registered 15
	n=$(cs_count s ended)
	cs_cmd s "call 600"
	WAIT_SECS=20 wait_for sh -c "grep -q '^{\"event\":\"established\"' '$WORK/s.events' || [ \$(grep -c '^{\"event\":\"ended\"' '$WORK/s.events') -gt $n ]"
	case " $BIG " in
	*" $suite "*)
		[ "$(cs_field s established srtp_tx)" = "$suite" ]; ok $? "$suite offered alone: Asterisk takes it ($(cs_field s established srtp_tx))"
		;;
	*)
		[ "$(cs_field s ended status)" = 488 ] && cs_field s ended reason | grep -q "accepts none of our media"
		ok $? "$suite offered alone: this Asterisk lacks it and refuses, sphone says why: $(cs_field s ended status) $(cs_field s ended reason)"
		ast_skip_one "a call with $suite" "this Asterisk build does not offer it (menuselect ENABLE_SRTP_AES_256/ENABLE_SRTP_AES_GCM are off in build.sh)"
		;;
	esac
	cs_cmd s hangup
	cs_quit s
	rm -f "$WORK/s.events"
done

# --- media_encryption=no on the PBX (endpoint 1009): no call either way, and sphone says why
ast_sphone_conf "$WORK/p.conf" 1009
cs_start p 6 "$WORK/p.conf" --audio-in "$SIG" --auto-answer
cs_wait p registered 15; ok $? "sphone 1009 (media_encryption=no on Asterisk) registered"
cs_cmd p "call 600"
cs_wait p ended 20; ok $? "its call to 600 ends: $(cs_field p ended status), $(cs_field p ended reason)"
[ "$(cs_count p established)" = 0 ] && cs_field p ended status | grep -q -E '^(488|415|606)$'
ok $? "... never established, refused for its media"
n=$(cs_count p ended)
ast_cmd "channel originate PJSIP/1009 extension 600@from-sphone" >/dev/null
WAIT_SECS=20 wait_for sh -c "[ \$(grep -c '^{\"event\":\"ended\"' '$WORK/p.events') -gt $n ]"
ok $? "Asterisk calls 1009 with plain RTP: sphone refuses: $(cs_field p ended status), $(cs_field p ended reason)"
[ "$(cs_field p ended status)" = 488 ] && [ "$(cs_count p established)" = 0 ] && cs_field p ended reason | grep -q -i "srtp\|crypto\|plain"
ok $? "... 488 before ringing, the reason names the missing encryption"
ast_sip rx '^SIP/2.0 488 ' --grep '^Warning: 399 ' | grep -q '^Warning: '
ok $? "... and Asterisk got the reason too: $(ast_sip rx '^SIP/2.0 488 ' | grep '^Warning:' | tail -n 1)"
cs_quit p

# --- the wire
cs_quit t
cs_quit a
[ "$CS_RC" = 0 ]; ok $? "sphone 1001 exits cleanly"
lab_capture_stop
n=$(wire_tls_records "$LAB_PCAP" "$AST_TLS_PORT")
[ "$n" -gt 20 ]; ok $? "TLS records on Asterisk's TLS port ($n)"
! wire_has_plain_sip "$LAB_PCAP" "$AST_TLS_PORT"; ok $? "no readable SIP on the TLS port"
p=${ECHO_MEDIA##*:}
e=$(rtp_payload_entropy "$LAB_PCAP" "$p")
ok $? "RTP of the echo call found (Asterisk port $p)"
lab_float_ge "$e" 7.9; ok $? "SRTP payload entropy $e bits/byte >= 7.9"
p=${TAG32_MEDIA##*:}
[ "$(rtp_common_size "$LAB_PCAP" "$p")" = 164 ]; ok $? "srtp_tag_32 call: 164-byte payloads (160 + 4-byte tag): $(rtp_common_size "$LAB_PCAP" "$p")"
[ "$TAP_FAILED" = 0 ] || { cs_diag a; cs_diag t; cs_diag p; ast_diag 60; }
ast_stop
done_testing
