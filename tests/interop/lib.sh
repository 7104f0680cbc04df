# SPDX-License-Identifier: GPL-3.0-or-later
# lib.sh: shared helpers for the interop tests (TAP output, process cleanup, throwaway CA).
# Sourced by tests/interop/*.sh. Everything runs on loopback and is stopped by PID.
set -u
TAP_N=0
TAP_FAILED=0
PIDS=""
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sphone-interop.XXXXXX")
# every sphone a test starts keeps its ZRTP cache (zrtp.db) below $WORK, never in the user's home;
# two sphones that call each other need one each (call_lib.sh's cs_start gives it)
XDG_DATA_HOME=$WORK/data
export XDG_DATA_HOME
# every sphone a test starts keeps its call history here, not in the home of whoever runs the tests
# (absolute: sphone ignores a relative XDG_STATE_HOME, as the spec says, and would use $HOME)
XDG_STATE_HOME=$(cd "$WORK" && pwd)/state
export XDG_STATE_HOME

ok() { # ok COND_EXIT_STATUS "description"
	TAP_N=$((TAP_N + 1))
	if [ "$1" -eq 0 ]; then echo "ok $TAP_N - $2"; else echo "not ok $TAP_N - $2"; TAP_FAILED=$((TAP_FAILED + 1)); fi
}
diag() { echo "# $*"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
track_pid() { PIDS="$PIDS $1"; }
# untrack_pid PID: forget a PID that was stopped already (so cleanup can't hit a reused PID)
untrack_pid() {
	local p rest=""
	for p in $PIDS; do [ "$p" = "$1" ] || rest="$rest $p"; done
	PIDS=$rest
}
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
		kill -9 "$p" 2>/dev/null
	done
	if [ "${KEEP_WORK:-0}" = 1 ]; then diag "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
done_testing() { echo "1..$TAP_N"; [ "$TAP_FAILED" -eq 0 ]; }

# wait_for CMD...: retry a command for up to $WAIT_SECS (default 20) seconds
wait_for() {
	local t=0 max=$((${WAIT_SECS:-20} * 10))
	while [ $t -lt $max ]; do "$@" && return 0; sleep 0.1; t=$((t + 1)); done
	return 1
}

# free_port [N]: a port P on 127.0.0.1 such that P..P+N-1 (N default 1) are all free for both TCP
# and UDP right now (the kernel picks P at random from the ephemeral range, so parallel tests rarely meet)
free_port() {
	python3 - "${1:-1}" <<'PY'
import socket, sys
n = int(sys.argv[1])
for _ in range(200):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close()
    if p + n > 65535:
        continue
    try:
        socks = []
        for q in range(p, p + n):
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                t = socket.socket(socket.AF_INET, kind); socks.append(t); t.bind(("127.0.0.1", q))
    except OSError:
        continue
    finally:
        for t in socks: t.close()
    print(p); sys.exit(0)
sys.exit(1)
PY
}
