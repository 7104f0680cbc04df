#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# ui_devices.sh: the full-screen UI's sound device pane (tmux; PortAudio sees a private JACK dummy server and
# an ALSA null device; no network: the registrar port is closed) at 80x24 in UTF-8 and 40x12 under LANG=C:
# A opens the pane (both devices with their host API, the one in use marked C/P), j selects, Enter takes the
# device both ways: the pane and the messages say so, and the choice is in the configuration file, every
# other line kept; A goes back.
. "$top_srcdir/tests/interop/lib.sh"
. "$top_srcdir/tests/ui_lib.sh"
command -v tmux >/dev/null 2>&1 || skip_all "tmux not installed"
. "$top_srcdir/tests/jack_lib.sh"
[ "${SPHONE_UNIT_ONLY:-0}" = 1 ] && skip_all "SPHONE_UNIT_ONLY=1"
S="$top_builddir/sphone"
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR

jack_start

port=$(free_port)
for run in 80x24:utf8 40x12:ascii; do
	size=${run%:*} mode=${run#*:}
	COLS=${size%x*} ROWS=${size#*x}
	t="$size $mode"
	C=$WORK/a-$mode.conf
	cat >"$C" <<EOC
# my phone
[account lab]
uri = sips:alice@sip.test
proxy = sips:127.0.0.1:$port;transport=tls

[audio]
# no ringing in the test
tones = off
EOC
	chmod 600 "$C"
	cp "$C" "$C.orig"
	export XDG_STATE_HOME="$WORK/state-$mode"
	if [ "$mode" = utf8 ]; then
		ui_start "$COLS" "$ROWS" C.UTF-8 "$S" -c "$C" --log "$WORK/ui-$mode.log" || { echo "Bail out! tmux"; exit 1; }
		SEL='▶'
	else
		UI_TERM=vt100 ui_start "$COLS" "$ROWS" C "$S" -c "$C" --log "$WORK/ui-$mode.log" ||
			{ echo "Bail out! tmux"; exit 1; }
		SEL='>'
	fi
	ui_wait 'q quit' 15; ok $? "$t: the UI is up"
	ui_keys A
	ui_wait "$SEL +CP\\* +0 sphonenull" 20; ok $? "$t: A: the pane, ALSA's null device (the default) in use both ways, selected"
	ui_wait ' +1 system' 20; ok $? "$t: ... and JACK's system device"
	if [ "$COLS" -ge 80 ]; then
		ui_screen | grep -q '1 system  (JACK Audio Connection Kit)  in 2 out 2, 48000 Hz'
		ok $? "$t: its host API, channels and rate"
		ui_screen | grep -q 'In use: capture sphonenull, playback sphonenull'; ok $? "$t: what is in use, above the list"
		ui_screen | grep -q 'Sound devices'; ok $? "$t: the pane's title"
		ui_screen | grep -q 'Enter use .*c/p capture/playback'; ok $? "$t: the key bar: Enter use, c/p"
	fi
	ui_keys j
	ui_wait "$SEL +1 system" 20; ok $? "$t: j selects the next device"
	ui_keys Enter
	ui_wait "$SEL +CP +1 system" 20; ok $? "$t: Enter: JACK's device in use both ways (marked C and P)"
	if [ "$COLS" -ge 80 ]; then
		ui_wait 'In use: capture system, playback system' 20; ok $? "$t: the pane says what is in use"
		ui_wait "switched in [0-9]+ ms; remembered in $C" 20; ok $? "$t: ... the switch and where it was remembered"
	fi
	diff "$C.orig" "$C" | grep '^[<>]' >"$WORK/diff-$mode"
	printf '> capture_device = system\n> playback_device = system\n' | cmp -s - "$WORK/diff-$mode"
	ok $? "$t: the configuration gains capture_device and playback_device, nothing else changes"
	[ "$(stat -c %a "$C")" = 600 ]; ok $? "$t: ... and stays 0600"
	ui_keys A
	if [ "$COLS" -ge 80 ]; then
		ui_wait "audio: capture system, playback system" 20; ok $? "$t: A: back to the messages, which say it too"
	else
		# twelve rows: the registration's retries soon push that line up out of sight
		ui_wait "Messages" 20; ok $? "$t: A: back to the messages"
	fi
	ui_keys q
	ui_wait 'y hang up|quit' 20 >/dev/null 2>&1 && ui_keys y
	ui_gone 15; ok $? "$t: quits"
	[ "$(ui_rc)" = 0 ]; ok $? "$t: exit status 0"
	ui_stop
done
jack_stop
done_testing
