#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# ui_demo.sh: `sphone --demo` in the curses UI (tmux): registered over verified TLS, the echo call established
# with its SRTP suite and lock, the verify view with the SAS, DTMF echoed back, hold, hang up, quit — at
# 100x30 in UTF-8 and at 80x24 under LANG=C (ASCII glyphs). Needs only tmux: no external peer. File audio
# (--audio-out) keeps PortAudio, and its plug-ins' leaks under LSan, out of it. The LANG=C run also has
# TERM=vt100 (no colours: the monochrome fallback); the UTF-8 run is resized (SIGWINCH) midway.
. "$top_srcdir/tests/interop/lib.sh"
. "$top_srcdir/tests/ui_lib.sh"
command -v tmux >/dev/null 2>&1 || skip_all "tmux not installed"
S="$top_builddir/sphone"
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR

for mode in utf8 ascii; do
	if [ $mode = utf8 ]; then
		ui_start 100 30 C.UTF-8 "$S" --demo --audio-out "$WORK/heard.wav" || { echo "Bail out! tmux"; exit 1; }
		LOCK='🔒 TLSv1\.[23] .* verified' CALLLOCK='🔒 AES' SEL='▶'
	else
		UI_TERM=vt100 ui_start 80 24 C "$S" --demo --audio-out "$WORK/heard.wav" || { echo "Bail out! tmux"; exit 1; }
		LOCK='\[TLS\] TLSv1\.[23] .* verified' CALLLOCK='\[S\] AES' SEL='>'
	fi
	ui_wait "demo . registered +$LOCK" 20; ok $? "$mode: status bar: registered, TLS version, cipher, verified"
	ui_wait "$SEL sips:echo@localhost +established" 20; ok $? "$mode: call list: the echo call established, selected"
	ui_wait "$CALLLOCK" 20; ok $? "$mode: call list: SRTP suite with the lock"
	ui_wait "Verify report" 20; ok $? "$mode: --demo opens the verify view"
	ui_wait "SAS +[0-9]{3} [0-9]{3} +\(SDES key hash, 6 digits, no commitment\)" 20
	ok $? "$mode: verify view shows the short authentication string, its digits and method"
	ui_wait "openly" 20; ok $? "$mode: ... and what the same digits cannot rule out"
	ui_wait "Media +SRTP AES" 20; ok $? "$mode: verify view shows the SRTP suite"
	top=$(ui_screen)
	ui_keys End
	ui_wait "Plaintext +RTP sent 0, received 0" 20; ok $? "$mode: verify view (End): no plaintext RTP"
	printf '%s\n%s\n' "$top" "$(ui_screen)" | grep -q "NOT "; [ $? -ne 0 ]; ok $? "$mode: nothing marked NOT in the report"
	ui_wait "mic .* spk .* jbuf [0-9]+ ms +loss" 20; ok $? "$mode: level meters, jitter buffer and loss shown"
	if [ $mode = utf8 ]; then
		ui_resize 120 40
		resized() { ui_screen | sed -n 40p | grep -q "h hang up" && ui_screen | LC_ALL=C.UTF-8 grep -Eq "─{100}"; }
		WAIT_SECS=20 wait_for resized
		ok $? "$mode: resized to 120x40 (SIGWINCH): footer on row 40, rules 120 wide"
		ui_resize 100 30
	else
		ok 0 "$mode: (resize checked in the utf8 run)"
	fi
	ui_keys m
	ui_keys 4
	ui_wait "DTMF received from sips:echo@localhost: 4" 20; ok $? "$mode: digit key sends DTMF (the echo brings it back)"
	ui_keys o
	ui_wait "on hold .*HOLD" 20; ok $? "$mode: o puts the call on hold (marker shown)"
	ui_keys o
	ui_wait "resumed" 20; ok $? "$mode: o again resumes"
	ui_keys q
	ui_wait "A call is up. Hang up and quit\? \(y/n\)" 20; ok $? "$mode: q asks first while a call is up"
	ui_keys n
	ui_keys h
	ui_wait "ended" 20; ok $? "$mode: h hangs up"
	ui_keys '?'
	ui_wait "Help: sphone's keys" 20; ok $? "$mode: ? shows the help"
	ui_keys x
	ui_keys l
	ui_wait "Log \(SIP trace" 20; ok $? "$mode: l opens the log pane"
	ui_screen | grep -q "inline:[A-Za-z0-9+/]\{20\}"; [ $? -ne 0 ]; ok $? "$mode: no SRTP key visible in the log pane"
	ui_keys q
	ui_gone 10; ok $? "$mode: q quits when no call is up"
	[ "$(ui_rc)" = 0 ]; ok $? "$mode: exit status 0 ($(ui_rc))"
	ui_stop
done

# a registration that fails says why in the status bar itself
port=$(free_port)
printf '[account x]\nuri = sips:x@localhost\npassword = pw\nproxy = 127.0.0.1:%s\n' "$port" >"$WORK/refused.conf"
chmod 600 "$WORK/refused.conf"
ui_start 80 24 C.UTF-8 "$S" -c "$WORK/refused.conf" --audio-out "$WORK/heard.wav" || { echo "Bail out! tmux"; exit 1; }
ui_wait "^ x . NOT registered +✘ connection refused by 127\.0\.0\.1:$port" 20
ok $? "failed registration: NOT registered and the reason in the status bar"
ui_keys q
ui_gone 10; ok $? "q quits"
ui_stop
done_testing
