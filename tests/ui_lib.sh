# SPDX-License-Identifier: GPL-3.0-or-later
# ui_lib.sh: drive the curses UI in a private tmux server (send-keys, capture-pane) for tests/ui_*.sh.
# ui_start COLS ROWS LANG CMD...: run CMD in a new detached session of its own tmux server
#   (TERM=$UI_TERM, default xterm-256color; vt100 has no colours: the monochrome fallback).
# ui_screen [-e]: the visible screen as text (-e: with its colours and attributes as escape sequences).   ui_keys KEY...: tmux send-keys.
# ui_wait PATTERN [SECS]: wait until the screen matches the grep -E PATTERN (default 15 s).
# ui_gone [SECS]: wait until the program in the session has exited.   ui_stop: kill that tmux server.
UI_N=0

ui_start() {
	local cols=$1 rows=$2 lang=$3
	shift 3
	# a fresh server (socket) per run: one just killed may still be going away
	UI_N=$((UI_N + 1))
	# tmux itself in a UTF-8 locale, whatever the caller has: it would print UTF-8 glyphs as "_" otherwise
	UI_T="env LC_ALL=C.UTF-8 tmux -u -L sphone-test-$$-$UI_N"
	# the shell records the exit status where the test can read it after the program is gone
	$UI_T new-session -d -s ui -x "$cols" -y "$rows" \
		"env LANG=$lang LC_ALL=$lang TERM=${UI_TERM:-xterm-256color} $* 2>>'$WORK/ui.stderr'; echo \$? >'$WORK/ui.rc'; sleep 30" ||
		return 1
	UI_SERVER_PID=$($UI_T display-message -p '#{pid}')
	track_pid "$UI_SERVER_PID"
	rm -f "$WORK/ui.rc"
}
ui_screen() { $UI_T capture-pane -p "$@" -t ui; }
ui_keys() { $UI_T send-keys -t ui "$@"; }
# ui_resize COLS ROWS: the terminal changes size (the program gets SIGWINCH)
ui_resize() { $UI_T resize-window -t ui -x "$1" -y "$2"; }
ui_wait() {
	local pat=$1 secs=${2:-15} t=0
	while [ $t -lt $((secs * 10)) ]; do
		ui_screen | LC_ALL=C.UTF-8 grep -Eq -- "$pat" && return 0
		sleep 0.1
		t=$((t + 1))
	done
	diag "screen did not show /$pat/ within ${secs}s; it shows:"
	ui_screen | sed 's/^/#   |/'
	return 1
}
ui_gone() {
	local secs=${1:-10} t=0
	while [ $t -lt $((secs * 10)) ]; do
		[ -s "$WORK/ui.rc" ] && return 0
		sleep 0.1
		t=$((t + 1))
	done
	return 1
}
ui_rc() { cat "$WORK/ui.rc" 2>/dev/null; }
ui_stop() {
	$UI_T kill-server 2>/dev/null
	[ -n "${UI_SERVER_PID:-}" ] && untrack_pid "$UI_SERVER_PID"
	UI_SERVER_PID=""
}
