#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# ui_small.sh: the full-screen UI (sphone --demo in tmux) at 80x24 and 40x12, each in UTF-8 and under LANG=C:
# the status bar's security word, the call list's columns by priority with the SRTP column kept, the verify
# view scrolling with its "more" marker, labels in words and the fingerprint wrapped at whole bytes, the
# log pane with the SIP trace from start-up, time stamps, / search with n/N and highlighting, secrets
# masked, the dial line editing as readline does, the key bar by state (at 80 columns the call's keys with
# the scroll hint), F1 help, F10 quit, and the
# "terminal too small" screen that goes when the terminal grows again.
. "$top_srcdir/tests/interop/lib.sh"
. "$top_srcdir/tests/ui_lib.sh"
command -v tmux >/dev/null 2>&1 || skip_all "tmux not installed"
S="$top_builddir/sphone"
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR

# rows of the screen (1-based) FROM..TO
rows() { ui_screen | sed -n "$1,$2p"; }
# press KEY until the screen matches PATTERN, at most N times
press_until() {
	local pat=$1 key=$2 n=$3
	while [ "$n" -gt 0 ]; do
		ui_screen | LC_ALL=C.UTF-8 grep -Eq -- "$pat" && return 0
		ui_keys "$key"
		sleep 0.3
		n=$((n - 1))
	done
	ui_screen | LC_ALL=C.UTF-8 grep -Eq -- "$pat"
}
# the prompt line (one above the key bar) and the key bar
prompt_row() { ui_screen | sed -n "$((ROWS - 1))p"; }
bar_row() { ui_screen | sed -n "${ROWS}p"; }

for run in 80x24:utf8 80x24:ascii 40x12:utf8 40x12:ascii; do
	size=${run%:*} mode=${run#*:}
	COLS=${size%x*} ROWS=${size#*x}
	t="$size $mode"
	if [ "$mode" = utf8 ]; then
		ui_start "$COLS" "$ROWS" C.UTF-8 "$S" --demo --audio-out "$WORK/heard.wav" || { echo "Bail out! tmux"; exit 1; }
		LOCK='🔒' CALLLOCK='🔒 AES' SEL='▶'
	else
		# LANG=C with a terminal without colours: ASCII glyphs, reverse video and bold
		UI_TERM=vt100 ui_start "$COLS" "$ROWS" C "$S" --demo --audio-out "$WORK/heard.wav" ||
			{ echo "Bail out! tmux"; exit 1; }
		LOCK='\[TLS\]' CALLLOCK='\[S\] AES' SEL='>'
	fi

	# status bar and call list
	ui_wait "^ demo . registered +$LOCK .*verified" 20; ok $? "$t: status bar: registered, the lock, 'verified'"
	ui_wait "$SEL sips:echo@l.* +established .*$CALLLOCK" 20
	ok $? "$t: call list: the echo call established, the SRTP column with the lock"
	if [ "$COLS" -ge 80 ]; then
		rows 2 2 | grep -q "Remote .*State .*Time .*Codec .*SRTP"; ok $? "$t: all columns at $COLS"
		ui_screen | LC_ALL=C.UTF-8 grep -q "TLS_AES_256_GCM_SHA384 verified"; ok $? "$t: status bar: cipher at $COLS"
	else
		rows 2 2 | grep -q "Remote .*State .*SRTP" && ! rows 2 2 | grep -Eq "Time|Codec"
		ok $? "$t: narrow: duration and codec columns gone, remote, state and SRTP kept"
		! ui_screen | grep -q "TLS_AES_256_GCM_SHA384"; ok $? "$t: status bar: the cipher gives way first"
	fi

	# verify view: scrolls, says there is more, labels in words, the fingerprint at whole bytes
	ui_wait "Verify" 20; ok $? "$t: --demo opens the verify view"
	ui_wait "more below" 20; ok $? "$t: verify: 'more below' marker"
	ui_keys j
	ui_wait "more above" 20; ok $? "$t: j scrolls: 'more above'"
	press_until "SHA-256" j 30 && press_until "Next hop" j 10
	ok $? "$t: j brings the fingerprint and the line after it into sight"
	fp=$(ui_screen | awk '/ SHA-256 /{on=1} / Next hop /{on=0} on' | cut -c16- | sed 's/ *$//')
	good=0
	echo "$fp" | grep -Eqx '([0-9A-F]{2}:)+|([0-9A-F]{2}:)*[0-9A-F]{2}' || good=1
	[ "$(echo "$fp" | grep -Evxc '([0-9A-F]{2}:)+')" = 1 ] || good=1
	echo "$fp" | tr -d '\n' | grep -Eqx '([0-9A-F]{2}:){31}[0-9A-F]{2}' || good=1
	ok $good "$t: SHA-256 fingerprint: $(echo "$fp" | wc -l) rows of whole bytes, 32 in all"
	[ $good = 0 ] || diag "fingerprint rows: $fp"
	ui_keys End
	ui_wait "Concealed +[0-9]+ frames" 20; ok $? "$t: End: the report's last line"
	ui_screen | grep -q "more below"; [ $? -ne 0 ]; ok $? "$t: ... nothing more below"
	ui_screen | grep -Eq "^ Jitter buffer +delay [0-9]+ ms"
	ok $? "$t: 'Jitter buffer' spelt out"
	all=$(ui_screen)
	press_until "^ RTP lost +[0-9]+ packets" k 10; ok $? "$t: k: 'RTP lost' spelt out"
	all="$all$(ui_screen)"
	press_until "SAS +[0-9]{3} [0-9]{3}" PageUp 10; ok $? "$t: PgUp back to the SAS"
	all="$all$(ui_screen)"
	echo "$all" | grep -Eq "Rtp |Jb |Srtp |_ms|jitter_ms|jb_"; [ $? -ne 0 ]; ok $? "$t: no label like 'Rtp lost' or 'Jb late'"
	ui_keys Home
	ui_wait "Verify.* more below" 20 && ui_wait "^ SAS " 20; ok $? "$t: Home: the top, more below"

	# key bar: what works now
	bar_row | grep -q "h hang up"; ok $? "$t: key bar: h hang up"
	bar_row | grep -q "answer"; [ $? -ne 0 ]; ok $? "$t: key bar: no 'a answer' (nothing rings)"
	if [ "$COLS" -ge 80 ]; then
		# the verify view has more below: the scroll hint shows, and the call's keys stay
		b="$(bar_row) " good=0
		for want in "t transfer" "o hold" "M mute" "j/k scroll" "v back" "? help" "q quit"; do
			echo "$b" | grep -qF " $want " || good=1
		done
		ok $good "$t: key bar with the scroll hint keeps t transfer, hold, mute, v back ($b)"
	fi

	# log pane: the SIP trace from start-up, time-stamped, searchable, secrets masked
	ui_keys l
	ui_wait "Log" 20; ok $? "$t: l opens the log pane"
	ui_wait "^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} " 20; ok $? "$t: log lines have time stamps"
	ui_keys Home
	ui_wait "^[0-9:.]{12} SIP --> TLS 127\.0\.0\.1:[0-9]+" 20
	ok $? "$t: Home: the first line is the first SIP message sent at start-up"
	ui_keys End /
	ui_wait "^/" 20 && bar_row | grep -q "Enter search" && bar_row | grep -q "Esc cancel"
	ok $? "$t: / opens the search line, the key bar says Enter, Esc"
	ui_keys -l "REGISTER sips"
	ui_keys Enter
	ui_wait "search went on from the top" 20; ok $? "$t: the first match, found from the top"
	ui_screen -e | grep -q "$(printf '\033')\[\(7\|30\|43\)[0-9;]*m\($(printf '\033')\[[0-9;]*m\)*REGISTER sips"
	ok $? "$t: the match is highlighted"
	ui_keys n
	sleep 0.5
	prompt_row | grep -q "search went on"; [ $? -ne 0 ]; ok $? "$t: n: the next match, further on"
	ui_keys N N
	ui_wait "search went on from the bottom" 20; ok $? "$t: N twice: back, then round from the bottom"
	ui_keys / C-u
	ui_keys -l "inline:"
	ui_keys Enter
	ui_wait "inline:\*\*\*" 20; ok $? "$t: the SDP's SRTP key in the trace: masked"
	ui_screen | grep -q "inline:[A-Za-z0-9+/]\{20\}"; [ $? -ne 0 ]; ok $? "$t: no SRTP key on the screen"
	ui_keys / C-u
	ui_keys -l "response="
	ui_keys Enter
	press_until 'response="\*\*\*"' j 8; ok $? "$t: the digest response in the trace (j through its rows): masked"
	ui_keys m

	# F1 help, scrolled; F10 asks while a call is up
	ui_keys F1
	ui_wait "Help" 20 && ui_wait "more below" 20; ok $? "$t: F1: the help, with more below"
	press_until "F10 +quit" PageDown 20; ok $? "$t: PgDn through the help to F10"
	ui_keys x
	ui_wait "^── Messages|^-- Messages" 20; ok $? "$t: another key closes the help"
	ui_keys F10
	ui_wait "Hang up and quit\? \(y/n\)" 20; ok $? "$t: F10 with a call up asks first"
	ui_keys n
	ui_keys h
	ui_wait "ended" 20; ok $? "$t: h hangs up"
	sleep 1

	# the dial line edits as readline does
	ui_keys d
	ui_wait "^Dial:" 20; ok $? "$t: d opens the dial line"
	bar_row | grep -q "Enter call" && bar_row | grep -q "Esc cancel" && ! bar_row | grep -q "quit"
	ok $? "$t: key bar: the dial line's keys only"
	ui_keys -l "sips:echoXYZ@localhost"
	ui_keys Left Left Left Left Left Left Left Left Left Left BSpace BSpace BSpace
	ui_wait "^Dial: sips:echo@localhost" 20; ok $? "$t: Left and Backspace edit inside the line"
	ui_keys C-a C-k
	ui_wait "^Dial: *$" 20; ok $? "$t: Ctrl-A, Ctrl-K: empty"
	ui_keys C-y C-a Right Right Right Right Right DC
	ui_wait "^Dial: sips:cho@localhost" 20; ok $? "$t: Ctrl-Y puts it back, Right, Delete"
	ui_keys -l "e"
	ui_keys End
	ui_keys -l " x"
	ui_keys C-w BSpace
	ui_wait "^Dial: sips:echo@localhost *$" 20; ok $? "$t: End, Ctrl-W takes the word before the cursor"
	if [ "$mode" = utf8 ]; then
		ui_keys -l "é"
		ui_wait "^Dial: sips:echo@localhost ?é" 20 && ui_keys BSpace && ui_wait "^Dial: sips:echo@localhost *$" 20
		ok $? "$t: UTF-8: é typed and taken away by one Backspace"
	else
		ok 0 "$t: (UTF-8 typing checked in the UTF-8 runs)"
	fi
	ui_keys Enter
	ui_wait "$SEL sips:echo@l.* +established" 15; ok $? "$t: Enter dials the edited line"
	ui_keys h
	ui_wait "ended" 20
	sleep 5 # the ended call leaves the list

	# below the minimum size: said; back when the terminal grows
	ui_resize 36 8
	ui_wait "^terminal too small \(need 40x10\)$" 20 && ui_wait "^it is 36x8" 20
	ok $? "$t: 36x8: 'terminal too small (need 40x10)'"
	ui_resize 39 12
	ui_wait "^it is 39x12" 20; ok $? "$t: 39x12: still too small, and it follows the size"
	ui_resize 20 4
	ui_wait "^terminal too small" 20; ok $? "$t: 20x4: said on what there is"
	ui_resize "$COLS" "$ROWS"
	ui_wait "^ demo . registered" 20 && ! ui_screen | grep -q "too small"
	ok $? "$t: back to ${COLS}x$ROWS: the UI again"
	bar_row | grep -q "d dial" && ! bar_row | grep -Eq "answer|hang up|DTMF"
	ok $? "$t: key bar without a call: d dial, no answer, hang up or DTMF"
	ui_keys F10
	ui_gone 10; ok $? "$t: F10 quits when no call is up"
	[ "$(ui_rc)" = 0 ]; ok $? "$t: exit status 0 ($(ui_rc))"
	ui_stop
done
done_testing
