# SPDX-License-Identifier: GPL-3.0-or-later
# call_lib.sh: helpers for sphone call interop tests (sourced after lab.sh): several named sphones at once.
# cs_conf FILE USER [KEY=VALUE...]: an sphone config for USER@sip.test through the lab's Kamailio over
#   verified TLS (lab CA); extra keys are added to the account section.
# cs_start NAME FD CONF [ARGS...]: sphone --headless in the background, commands through a fifo held open
#   on file descriptor FD (3..9, one per instance); events in $WORK/NAME.events, log in $WORK/NAME.log,
#   its ZRTP cache in $WORK/NAME.data/sphone/zrtp.db.
# cs_cmd NAME LINE: send a command.   cs_wait NAME EVENT [SECS] [GREP]: wait for an event (whose line
#   also matches GREP).   cs_count NAME EVENT.   cs_field NAME EVENT KEY: KEY of the last EVENT line.
# cs_quit NAME: EOF on its stdin, wait up to 10 s; CS_RC holds the exit status.
SPHONE=${SPHONE:-$top_builddir/sphone}

cs_conf() {
	local f=$1 u=$2 kv pw
	shift 2
	eval "pw=\${LAB_PW_${u}:-}"
	{
		echo "[general]"
		echo "log_level = debug"
		echo "[account lab]"
		echo "uri = sips:$u@sip.test"
		echo "password = \"$pw\""
		echo "proxy = sips:${KAM_IP:-127.0.0.1}:$KAM_TLS_PORT;transport=tls"
		echo "ca_file = $LAB_CA/ca.pem"
		for kv in "$@"; do echo "${kv%%=*} = ${kv#*=}"; done
	} >"$f"
	chmod 600 "$f"
}

cs_start() {
	local name=$1 fd=$2 conf=$3 pid
	shift 3
	rm -f "$WORK/$name.in"
	mkfifo "$WORK/$name.in"
	# its own ZRTP cache (one installation, one ZID): $WORK/NAME.data/sphone/zrtp.db
	# the command fifos of the instances started before are closed in this one: holding their write ends
	# open, it would keep them from seeing end of input (cs_quit) until it exits itself
	XDG_DATA_HOME=$WORK/$name.data "$SPHONE" --headless -c "$conf" "$@" <"$WORK/$name.in" >"$WORK/$name.events" \
		2>"$WORK/$name.log" 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
	pid=$!
	track_pid "$pid"
	eval "exec $fd>\"\$WORK/\$name.in\""
	eval "CS_${name}_PID=$pid CS_${name}_FD=$fd"
}

cs_cmd() {
	local fd
	eval "fd=\$CS_${1}_FD"
	eval "echo \"\$2\" >&$fd"
}

cs_count() { grep -c "^{\"event\":\"$2\"" "$WORK/$1.events"; }

_cs_has() { grep "^{\"event\":\"$2\"" "$WORK/$1.events" | grep -q -F -- "$3"; }

cs_wait() {
	WAIT_SECS=${3:-20} wait_for _cs_has "$1" "$2" "${4:-}"
}

# cs_verify NAME [CALL]: send verify and wait (up to 20 s) for the security event it brings, so
# cs_field reads the answer and not an older event, however long a loaded machine takes
cs_verify() {
	local n
	n=$(cs_count "$1" security)
	cs_cmd "$1" "verify${2:+ $2}"
	WAIT_SECS=20 wait_for sh -c "[ \$(grep -c '^{\"event\":\"security\"' '$WORK/$1.events') -gt $n ]"
}

cs_field() {
	grep "^{\"event\":\"$2\"" "$WORK/$1.events" | tail -n 1 | python3 -c '
import json, sys
line = sys.stdin.read()
v = json.loads(line).get(sys.argv[1]) if line.strip() else None
print("" if v is None else (str(v).lower() if isinstance(v, bool) else v))' "$3"
}

cs_quit() {
	local i=0 pid fd
	eval "pid=\$CS_${1}_PID fd=\$CS_${1}_FD"
	eval "exec $fd>&-"
	while [ $i -lt 100 ] && lab_pid_alive "$pid"; do sleep 0.1; i=$((i + 1)); done
	if lab_pid_alive "$pid"; then
		CS_RC=124
		lab_stop_pid "$pid"
	else
		wait "$pid"
		CS_RC=$?
		untrack_pid "$pid"
	fi
}

cs_diag() {
	diag "$1 events:"; sed 's/^/#   /' "$WORK/$1.events"
	diag "$1 log tail:"; tail -n 30 "$WORK/$1.log" | sed 's/^/#   /'
}

# cs_wavcut IN OUT START LEN: LEN seconds of IN from START (seconds; negative: from the end) into OUT
cs_wavcut() {
	python3 - "$@" <<'PY'
import sys, wave
src, dst, start, length = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
with wave.open(src, "rb") as w:
    p = w.getparams()
    n = w.getnframes()
    a = int((n / p.framerate + start if start < 0 else start) * p.framerate)
    a = max(0, min(n, a))
    w.setpos(a)
    data = w.readframes(int(length * p.framerate))
with wave.open(dst, "wb") as o:
    o.setparams(p)
    o.writeframes(data)
PY
}
