# SPDX-License-Identifier: GPL-3.0-or-later
# reg_lib.sh: helpers for sphone's registration interop tests (sourced after lab.sh).
# sp_conf FILE USER PASS [KEY=VALUE...]: an sphone config for USER@sip.test through the lab's Kamailio
#   over TLS on 127.0.0.1, trusting the lab CA; extra keys are added to the account section.
# sp_start NAME CONF [ARGS...]: sphone --headless in the background; its stdin is a fifo held open on
#   fd 7 (sp_cmd writes commands to it), events go to $WORK/NAME.events, the log to $WORK/NAME.log.
#   Exports SP_PID, SP_EV (events file), SP_LOG. One sphone at a time.
# sp_wait EVENT [SECS]: wait until an event of that name was printed.
# sp_count EVENT: how many events of that name were printed.
# sp_quit: close stdin (EOF = quit), wait up to 10 s for the exit; SP_RC holds the exit status.
SPHONE=${SPHONE:-$top_builddir/sphone}

sp_conf() {
	local f=$1 u=$2 p=$3 kv
	shift 3
	{
		echo "[general]"
		echo "log_level = debug"
		echo "[account lab]"
		echo "uri = sips:$u@sip.test"
		echo "password = \"$p\""
		echo "proxy = sips:127.0.0.1:$KAM_TLS_PORT;transport=tls"
		echo "ca_file = $LAB_CA/ca.pem"
		for kv in "$@"; do echo "${kv%%=*} = ${kv#*=}"; done
	} >"$f"
	chmod 600 "$f"
}

sp_start() {
	local name=$1 conf=$2
	shift 2
	SP_EV=$WORK/$name.events
	SP_LOG=$WORK/$name.log
	rm -f "$WORK/$name.in"
	mkfifo "$WORK/$name.in"
	"$SPHONE" --headless -c "$conf" "$@" <"$WORK/$name.in" >"$SP_EV" 2>"$SP_LOG" &
	SP_PID=$!
	track_pid "$SP_PID"
	exec 7>"$WORK/$name.in"
	export SP_PID SP_EV SP_LOG
}

sp_cmd() { echo "$*" >&7; }

sp_count() { grep -c "^{\"event\":\"$1\"" "$SP_EV"; }

sp_wait() {
	WAIT_SECS=${2:-20} wait_for grep -q "^{\"event\":\"$1\"" "$SP_EV"
}

sp_quit() {
	local i=0
	exec 7>&-
	while [ $i -lt 100 ] && lab_pid_alive "$SP_PID"; do sleep 0.1; i=$((i + 1)); done
	if lab_pid_alive "$SP_PID"; then
		SP_RC=124
		lab_stop_pid "$SP_PID"
	else
		wait "$SP_PID"
		SP_RC=$?
		untrack_pid "$SP_PID"
	fi
}

# sp_field EVENT KEY: the value of KEY in the last EVENT line (strings without quotes)
sp_field() {
	grep "^{\"event\":\"$1\"" "$SP_EV" | tail -n 1 | python3 -c '
import json, sys
v = json.loads(sys.stdin.read()).get(sys.argv[1])
print("" if v is None else (str(v).lower() if isinstance(v, bool) else v))' "$2"
}

sp_diag_fail() {
	diag "events:"; sed 's/^/#   /' "$SP_EV"
	diag "log tail:"; tail -n 20 "$SP_LOG" | sed 's/^/#   /'
}
