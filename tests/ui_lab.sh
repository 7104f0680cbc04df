#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# ui_lab.sh: the curses UI in tmux against the real lab (Kamailio TLS registrar/proxy + baresip SRTP peer):
# registered with the TLS indicator, dial baresip by contact name (Tab completion), established with its
# SRTP suite and the lock, the verify view, DTMF reaching baresip, hang up; baresip calling in (banner,
# answer with a, hang up; the key bar offers a only while a call rings, also at 40x12); quit. Twice: 100x30
# UTF-8 and 80x24 under LANG=C.
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/ui_lib.sh"
lab_require kamailio baresip tmux python3
S="$top_builddir/sphone"

SIG=$WORK/signal.wav
lab_make_wav "$SIG" 20 || { echo "Bail out! no test signal"; exit 1; }
lab_make_ca "$WORK/ca" || { echo "Bail out! cannot make the CA"; exit 1; }
lab_start_kamailio || { echo "Bail out! kamailio did not start"; exit 1; }
lab_start_baresip bob bob "$LAB_PW_bob" || { echo "Bail out! baresip did not register"; exit 1; }
cat >"$WORK/alice.conf" <<C
[account lab]
uri = sips:alice@$LAB_DOMAIN
password = "$LAB_PW_alice"
proxy = sips:127.0.0.1:$KAM_TLS_PORT;transport=tls
ca_file = $LAB_CA/ca.pem

[contacts]
Bob Builder = sips:bob@$LAB_DOMAIN
C
chmod 600 "$WORK/alice.conf"

dtmf_is() { [ "$(lab_baresip_dtmf_received bob)" = "$1" ]; }
dtmf_before=""
for mode in utf8 ascii; do
	if [ $mode = utf8 ]; then
		ui_start 100 30 C.UTF-8 "$S" -c "$WORK/alice.conf" --audio-in "$SIG" --log "$WORK/ui-$mode.log" ||
			{ echo "Bail out! tmux"; exit 1; }
		LOCK='🔒 TLSv1\.[23] .* verified' CALLLOCK='🔒 AES' SEL='▶'
	else
		ui_start 80 24 C "$S" -c "$WORK/alice.conf" --audio-in "$SIG" --log "$WORK/ui-$mode.log" ||
			{ echo "Bail out! tmux"; exit 1; }
		LOCK='\[TLS\] TLSv1\.[23] .* verified' CALLLOCK='\[S\] AES' SEL='>'
	fi
	ui_wait "lab . registered +$LOCK" 20; ok $? "$mode: status bar: registered, TLS version, cipher, verified"
	ui_keys d B o Tab
	ui_wait "Dial: Bob Builder" 20; ok $? "$mode: dial line completes the contact name"
	ui_keys Enter
	ui_wait "calling sips:bob@$LAB_DOMAIN" 20; ok $? "$mode: contact resolved to its sips: URI"
	ui_wait "$SEL sips:bob@$LAB_DOMAIN +established" 20; ok $? "$mode: call established (baresip answered)"
	ui_wait "$CALLLOCK" 20; ok $? "$mode: SRTP suite with the lock in the call list"
	ui_wait "[0-9][0-9]:[0-9][0-9] +PCM[AU]" 20; ok $? "$mode: duration timer and codec shown"
	ui_keys v
	ui_wait "Verify report" 20; ok $? "$mode: v opens the verify view"
	ui_wait "Signalling +TLS TLSv1\.[23]" 20; ok $? "$mode: verify: signalling over TLS"
	ui_wait "Certificate +verified" 20; ok $? "$mode: verify: certificate verified"
	ui_wait "Media +SRTP AES" 20; ok $? "$mode: verify: SRTP suite"
	ui_keys End
	ui_wait "Plaintext +RTP sent 0, received 0" 20; ok $? "$mode: verify: no plaintext RTP"
	ui_wait "Packets +protected [1-9][0-9]*, unprotected [1-9]" 20; ok $? "$mode: verify: packets protected and unprotected"
	ui_keys 3 6 9
	WAIT_SECS=20 wait_for dtmf_is "${dtmf_before}369"
	ok $? "$mode: digits typed during the call reach baresip as DTMF ($(lab_baresip_dtmf_received bob))"
	dtmf_before="${dtmf_before}369"
	ui_keys m M
	ui_wait "established .*MUTED" 20; ok $? "$mode: M mutes the microphone (MUTED marker)"
	ui_wait "microphone muted" 20; ok $? "$mode: the message pane says the other side hears silence"
	ui_keys M
	unmuted() { ! ui_screen | grep -q MUTED; }
	WAIT_SECS=20 wait_for unmuted; ok $? "$mode: M again unmutes (marker gone)"
	closed_before=$(grep -c "session closed" "$BS_bob_LOG")
	ui_keys m h
	ui_wait "call sips:bob@$LAB_DOMAIN ended" 20; ok $? "$mode: h hangs up"
	closed_more() { [ "$(grep -c "session closed" "$BS_bob_LOG")" -gt "$closed_before" ]; }
	WAIT_SECS=20 wait_for closed_more; ok $? "$mode: baresip saw the call end (BYE)"
	if [ $mode = utf8 ]; then
		# two calls: bob calls back while our call to him is up; a answers, the first goes on hold;
		# Tab switches (the other one is held); h hangs up each
		ui_keys d
		ui_keys -l "sips:bob@$LAB_DOMAIN"
		ui_keys Enter
		ui_wait "sips:bob@$LAB_DOMAIN +established" 15; ok $? "two calls: first call established"
		baresip_cmd "$BS_bob_CTRL" "dial sip:alice@$LAB_DOMAIN" >/dev/null
		ui_wait "Incoming call from" 15; ok $? "two calls: call waiting shows the banner"
		ui_keys a
		ui_wait "on hold .*HOLD" 20; ok $? "two calls: answering puts the first on hold (HOLD marker)"
		[ "$(ui_screen | grep -c ' established ')" -ge 1 ]; ok $? "two calls: the answered one is established"
		ui_keys Tab
		sleep 2
		[ "$(ui_screen | grep -c 'HOLD')" = 1 ] && ui_screen | grep -q '▶ sips:bob@.* established'
		ok $? "two calls: Tab switches: the selected call is live, the other on hold"
		ui_keys h
		ui_wait "ended" 20
		sleep 1
		ui_keys h
		no_live() { ! ui_screen | grep -Eq ' (established|on hold) '; }
		WAIT_SECS=20 wait_for no_live
		ok $? "two calls: h twice hangs up both (the selection follows to the call still up)"
		sleep 4
	fi
	# baresip calls us: bell + banner with the caller, a answers, h hangs up
	ui_screen | tail -1 | grep -q "answer"; [ $? -ne 0 ]; ok $? "$mode: no call rings: the key bar has no answer"
	baresip_cmd "$BS_bob_CTRL" "dial sip:alice@$LAB_DOMAIN" >/dev/null
	ui_wait "Incoming call from .*bob@$LAB_DOMAIN" 15; ok $? "$mode: incoming call: banner with the caller"
	ui_wait "incoming" 20; ok $? "$mode: incoming call listed"
	[ "$($UI_T display-message -p -t ui '#{window_bell_flag}')" = 1 ]; ok $? "$mode: the terminal bell rang"
	# visiting another window clears the flag; the bell rings again 6 s on while the call still rings
	$UI_T new-window -d -t ui:9 'sleep 60' && $UI_T select-window -t ui:9 && $UI_T select-window -t ui:0
	bell_flag() { [ "$($UI_T display-message -p -t ui:0 '#{window_bell_flag}')" = 1 ]; }
	! bell_flag && WAIT_SECS=20 wait_for bell_flag
	ok $? "$mode: the terminal bell rings again while the call rings"
	ui_screen | tail -1 | grep -q " a answer .* h reject "; ok $? "$mode: key bar: a answer, h reject"
	if [ $mode = ascii ]; then
		# the same at 40x12: the banner, the ringing call with its state, the keys to answer
		ui_resize 40 12
		ui_wait "^ \(\( Incoming call from" 20 && ui_wait "incoming " 20 &&
			ui_screen | tail -1 | grep -q " a answer .* h reject "
		ok $? "$mode: 40x12: banner, the ringing call, a answer and h reject in the key bar"
		ui_resize 80 24
	fi
	ui_keys a
	ui_wait "$SEL [^ ]*bob@$LAB_DOMAIN.* +established" 15; ok $? "$mode: a answers: established"
	ui_wait "$CALLLOCK" 20; ok $? "$mode: the answered call has SRTP and the lock"
	ui_keys h
	ui_wait "ended" 20; ok $? "$mode: h hangs up the incoming call"
	sleep 1
	ui_keys q
	ui_gone 10; ok $? "$mode: q quits (no call up: no question)"
	[ "$(ui_rc)" = 0 ]; ok $? "$mode: exit status 0 ($(ui_rc))"
	grep -q "$LAB_PW_alice" "$WORK/ui-$mode.log"; [ $? -ne 0 ]; ok $? "$mode: password not in the log"
	ui_stop
done
done_testing
