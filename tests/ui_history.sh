#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# ui_history.sh: the full-screen UI's call history (tmux, no network: the account's registrar port is closed)
# at 80x24 in UTF-8 and 40x12 under LANG=C on a terminal without colours: the status bar counts the missed
# call of the history file, H opens the pane (newest first, the missed call in the alarm colours), opening
# it marks the calls seen (the count goes, a seen mark in the file), j/k move, Enter calls the row back.
. "$top_srcdir/tests/interop/lib.sh"
. "$top_srcdir/tests/ui_lib.sh"
command -v tmux >/dev/null 2>&1 || skip_all "tmux not installed"
S="$top_builddir/sphone"
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR

port=$(free_port)
cat >"$WORK/a.conf" <<EOC
[account lab]
uri = sips:alice@sip.test
proxy = sips:127.0.0.1:$port;transport=tls
EOC
chmod 600 "$WORK/a.conf"
now=$(date +%s)

for run in 80x24:utf8 40x12:ascii; do
	size=${run%:*} mode=${run#*:}
	COLS=${size%x*} ROWS=${size#*x}
	t="$size $mode"
	# a history another sphone left: a call placed yesterday, one received, one missed an hour ago
	export XDG_STATE_HOME="$WORK/state-$mode"
	mkdir -p "$XDG_STATE_HOME/sphone" && chmod 700 "$XDG_STATE_HOME" "$XDG_STATE_HOME/sphone"
	H=$XDG_STATE_HOME/sphone/history
	{
		printf '{"v":1,"kind":"placed","start":%d,"duration":75,"answered":true,"account":"lab","peer":"sips:bob@sip.test","name":"","tls":"TLSv1.3","tls_verified":true,"srtp":"AES_CM_128_HMAC_SHA1_80","sas_method":"","status":200,"reason":""}\n' $((now - 90000))
		printf '{"v":1,"kind":"received","start":%d,"duration":5,"answered":true,"account":"lab","peer":"sips:carol@sip.test","name":"Carol","tls":"TLSv1.3","tls_verified":true,"srtp":"plain","sas_method":"","status":200,"reason":""}\n' $((now - 7200))
		printf '{"v":1,"kind":"missed","start":%d,"duration":0,"answered":false,"account":"lab","peer":"sips:mallory@sip.test","name":"Mallory","tls":"TLSv1.3","tls_verified":true,"srtp":"","sas_method":"","status":487,"reason":"cancelled by the caller"}\n' $((now - 3600))
	} >"$H"
	chmod 600 "$H"
	if [ "$mode" = utf8 ]; then
		ui_start "$COLS" "$ROWS" C.UTF-8 "$S" -c "$WORK/a.conf" --log "$WORK/ui-$mode.log" || { echo "Bail out! tmux"; exit 1; }
		SEL='▶'
	else
		UI_TERM=vt100 ui_start "$COLS" "$ROWS" C "$S" -c "$WORK/a.conf" --log "$WORK/ui-$mode.log" ||
			{ echo "Bail out! tmux"; exit 1; }
		SEL='>'
	fi
	if [ "$COLS" -ge 80 ]; then
		# the status bar has room for it beside "registering"; once the registration failed, its reason
		# takes the room and the key bar says it
		ui_wait '1 missed *$|H history \(1 missed\)' 15; ok $? "$t: the status bar or the key bar counts the missed call of the history file"
		ui_wait 'H history \(1 missed\)' 20; ok $? "$t: the key bar: H history (1 missed)"
	fi
	ui_keys H
	ui_wait "$SEL +[0-9:]+ +missed .*Mallory <sips:mallory@" 20
	ok $? "$t: H: the pane, the newest (the missed call) first and selected"
	if [ "$COLS" -ge 80 ]; then
		ui_wait "Call history" 20; ok $? "$t: its title"
		ui_screen | grep -A1 'missed .*Mallory' | grep -q 'received .*0:05 *PLAIN *Carol <sips:carol@sip.test>'
		ok $? "$t: then the received call: duration, PLAIN"
		ui_screen | grep -q '[0-9][0-9]-[0-9][0-9] [0-9:]* placed .*1:15 *SRTP *sips:bob@sip.test'
		ok $? "$t: yesterday's placed call with its date, duration, SRTP"
		ui_screen -e | grep 'Mallory' | grep -q '41m'; ok $? "$t: the missed call in the alarm colours (red)"
		! ui_screen | grep -q '[0-9] missed'; ok $? "$t: seen: no count any more"
	fi
	tail -n 1 "$H" | grep -q '"kind":"seen"'; ok $? "$t: a seen mark in the file"
	ui_keys j
	ui_wait "$SEL +[0-9:]+ +received" 20; ok $? "$t: j: the next row"
	ui_keys Enter
	ui_wait "carol@sip.test" 20; ok $? "$t: Enter calls Carol back (the pane closes; the call list or the messages show it)"
	ui_keys q
	ui_wait 'y hang up|quit' 20 >/dev/null 2>&1 && ui_keys y
	ui_gone 15; ok $? "$t: quits"
	ui_stop
done
done_testing
