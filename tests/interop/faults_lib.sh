# SPDX-License-Identifier: GPL-3.0-or-later
# faults_lib.sh: helpers for faults*.sh (sourced after lab.sh and call_lib.sh).
# fl_now: monotonic-ish milliseconds.   fl_ms T0 T1: T1 - T0.
# fl_status_ok NAME: send `status` to sphone NAME and wait (5 s) for a new status event.
# fl_kam_freeze: SIGSTOP the lab's Kamailio (all its processes): connections stay open, nothing answers.
# fl_kam_crash: SIGKILL the lab's Kamailio and all its processes (no shutdown, as in a crash); KAM_PID="".
# fl_sphone_conn NAME PORT: local port of sphone NAME's established TCP connection to 127.0.0.1:PORT.
# fl_ctr NAME KEY: KEY of a fresh `verify` report (security event) of sphone NAME.
# fl_relay_start LOSS DELAY JITTER SEED: faults_relay.py's SIP proxy in front of the lab's Kamailio (TLS,
#   the lab's server certificate), the call's RTP (and ZRTP) through its impaired UDP relay; sets
#   PROXY_PORT (a phone's proxy port: KAM_TLS_PORT=$PROXY_PORT cs_conf ...) and RELAY_PID; stats
#   in $WORK/relay.json on SIGUSR2. Returns 1 when it does not listen within 5 s.
fl_now() { date +%s%3N; }
fl_ms() { echo $(($2 - $1)); }

fl_status_ok() {
	local n
	n=$(cs_count "$1" status)
	cs_cmd "$1" status
	WAIT_SECS=20 wait_for sh -c "[ \$(grep -c '^{\"event\":\"status\"' '$WORK/$1.events') -gt $n ]"
}

# Every process running this test's Kamailio config ($KAM_DIR is under this test's $WORK, so only ours):
# the main process and all it forked. Not lab.sh's _lab_children: its awk (mawk) gives up when a process
# listed by the glob exits before it is read, which on a busy machine let SIGKILLed Kamailio children live on
# (frozen, still holding the TLS port and connections).
_fl_kam_pids() {
	local f
	for f in $(grep -l -a -F "$KAM_DIR/kamailio.cfg" /proc/[0-9]*/cmdline 2>/dev/null); do
		f=${f#/proc/}
		f=${f%/cmdline}
		# only kamailio itself (not this grep, whose own arguments hold the path)
		case $(readlink "/proc/$f/exe" 2>/dev/null) in
		*/kamailio) echo "$f" ;;
		esac
	done
}

# fl_kam_sweep: SIGKILL whatever still runs this test's Kamailio config (also from the EXIT trap)
fl_kam_sweep() {
	local p
	[ -n "${KAM_DIR:-}" ] || return 0
	for p in $(_fl_kam_pids); do kill -KILL "$p" 2>/dev/null; done
}
_fl_exit() {
	fl_kam_sweep
	cleanup
}
trap _fl_exit EXIT

fl_kam_freeze() {
	local p
	for p in $(_fl_kam_pids); do kill -STOP "$p" 2>/dev/null; done
}

fl_kam_crash() {
	local p i=0
	[ -n "${KAM_PID:-}" ] || return 0
	for p in $(_fl_kam_pids); do kill -KILL "$p" 2>/dev/null; done
	wait "$KAM_PID" 2>/dev/null
	# none may survive (a frozen one would keep the port and sphone's connection)
	while [ -n "$(_fl_kam_pids)" ] && [ $i -lt 50 ]; do fl_kam_sweep; sleep 0.1; i=$((i + 1)); done
	untrack_pid "$KAM_PID"
	echo "=== fl_kam_crash (SIGKILL) $(date -u +%H:%M:%S.%N)" >>"$KAM_LOG"
	KAM_PID=""
	# the listening sockets go with the last process
	WAIT_SECS=20 wait_for sh -c "! awk -v port=\"\$(printf '%04X' $KAM_TLS_PORT)\" 'NR > 1 && \$4 == \"0A\" && \$2 ~ (\":\" port \"\$\") { f = 1 } END { exit !f }' /proc/net/tcp"
}

fl_relay_start() {
	PROXY_PORT=$(free_port)
	"$PYTHON" "$LAB_SRC/faults_relay.py" proxy --listen "$PROXY_PORT" --upstream "$KAM_TLS_PORT" \
		--cert "$LAB_CA/server.pem" --key "$LAB_CA/server.key" --stats "$WORK/relay.json" \
		--loss "$1" --delay "$2" --jitter "$3" --seed "$4" >"$WORK/relay.out" 2>&1 &
	RELAY_PID=$!
	track_pid "$RELAY_PID"
	WAIT_SECS=20 wait_for grep -q '^listening' "$WORK/relay.out"
}

fl_sphone_conn() {
	local pid
	eval "pid=\$CS_${1}_PID"
	ss -tnpH state established "( dport = :$2 )" 2>/dev/null | grep "pid=$pid," | awk '{ n = split($3, a, ":"); print a[n] }' | head -n 1
}

fl_ctr() {
	cs_verify "$1" || return 1
	cs_field "$1" security "$2"
}

# fl_ss_kill_works: true when `ss -K` can destroy a TCP socket here (needs CONFIG_INET_DIAG_DESTROY and
# CAP_NET_ADMIN): a throwaway loopback connection is killed and its client must see the abort.
fl_ss_kill_works() {
	python3 - <<'PY'
import socket, subprocess, sys
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1); p = l.getsockname()[1]
c = socket.create_connection(("127.0.0.1", p)); s, _ = l.accept()
subprocess.run(["ss", "-K", "-t", "dst", "127.0.0.1", "dport", "=", str(p)], capture_output=True)
c.settimeout(1)
try:
    c.recv(1)
    sys.exit(1)
except (ConnectionError, OSError) as e:
    sys.exit(0 if getattr(e, "errno", None) in (103, 104) else 1)
PY
}
