#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# call_work.sh: the work of an established call per second by measures the machine's load does not move,
# for sphone, baresip and the CPU floor (bench_floor udp) doing the same packet rate: system calls (strace -c -f),
# context switches (the wake-ups: voluntary + involuntary, all threads, /proc/PID/task/*/status) and, with
# INSTR=1, sphone's user-space instructions (callgrind, dumped at the window's start and end: the second dump is the window).
# Run from the build directory: sh ../bench/call_work.sh [SECONDS] (default 10). SUITE= as in call_bench.sh;
# PROFILE=1 adds perf's cpu-clock profile (kernel included), SEQ=1 a tenth of a second of sphone's calls in
# order, SPHONE_ONLY=1 skips baresip and the floor. Prints "call_work WHO syscalls_s=... wakeups_s=..." (and
# "instr_s="), strace's table per process, and the ticks' user/system split (coarse: 10 ms ticks). A
# strace'd process runs slower, but it makes the same calls.
. "${top_srcdir:-$(dirname "$0")/..}/bench/bench_lib.sh"
lab_require kamailio baresip python3 strace
SECS=${1:-10}

# voluntary + involuntary context switches of all the process's threads
ctx() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^(non)?voluntary_ctxt_switches:/ { s += $2 } END { print s + 0 }'; }
# strace -c -f over SECS seconds of PID: prints the total number of calls, keeps the table in $2
sys_count() {
	timeout -s INT "$SECS" strace -c -f -p "$1" -o "$2" 2>/dev/null
	awk '/ total$/ { print $4 }' "$2"
}
# user and system ticks and minor page faults of the whole process: "utime stime minflt"
ust() { awk '{ sub(/^.*\) /, ""); print $12, $13, $8 }' /proc/"$1"/stat; }
# the split of CPU time between user and kernel (load moves the sum, less the split) and page faults
split() { # BEFORE AFTER
	echo "$1 $2" | awk -v hz="$(getconf CLK_TCK)" -v s="$SECS" '{ u = $4 - $1; k = $5 - $2
		printf "user_ms_s=%.2f sys_ms_s=%.2f sys_share=%.2f minflt_s=%.1f", 1000 * u / hz / s, 1000 * k / hz / s,
			(u + k) ? k / (u + k) : 0, ($6 - $3) / s }'
}
# PROFILE=1: where the CPU time goes, kernel included (perf's cpu-clock sampling; no hardware counters needed)
profile() { # WHO PID
	perf record -q -e cpu-clock -F 20000 -o "$WORK/$1.perf" -p "$2" -- sleep "$SECS" >/dev/null 2>&1
	perf report -q -i "$WORK/$1.perf" --stdio --sort dso,sym 2>/dev/null | head -n 40 | sed "s/^/# perf $1 /"
}
per_s() { awk -v n="$1" -v s="$2" 'BEGIN { if (n ~ /^[0-9]+$/) printf "%.1f", n / s; else print "-" }'; }
# the window: switches counted around it (without strace), then the syscalls (a second window)
measure() { # WHO PID
	local c0 c1 n u0 u1
	c0=$(ctx "$2")
	u0=$(ust "$2")
	sleep "$SECS"
	c1=$(ctx "$2")
	u1=$(ust "$2")
	n=$(sys_count "$2" "$WORK/$1.strace")
	[ -n "${PROFILE:-}" ] && profile "$1" "$2"
	# SEQ=1: one tenth of a second of its calls as they are made (what one frame does)
	[ -n "${SEQ:-}" ] && timeout -s INT 0.1 strace -f -tt -p "$2" 2>&1 | sed "s/^/# seq $1 /"
	echo "call_work $1 syscalls_s=$(per_s "$n" "$SECS") wakeups_s=$(per_s $((c1 - c0)) "$SECS") $(split "$u0" "$u1")"
	sed -n '3,14p' "$WORK/$1.strace" | sed "s/^/# $1 /"
}

# --- sphone calls bob ---
bench_call_start $((3 * SECS + 40)) || exit 1
echo "call_work suite=$(cs_field alice established srtp_tx) seconds=$SECS"
sleep 1
measure sphone "$SPID"
cs_cmd alice hangup
cs_wait alice ended 5
cs_quit alice

# --- the same call with sphone under callgrind: user-space instructions per second ---
if [ -n "${INSTR:-}" ] && command -v valgrind >/dev/null; then
	REAL=$SPHONE
	SPHONE=$WORK/sphone-cg
	printf '#!/bin/sh\nexec valgrind -q --tool=callgrind --compress-strings=no --callgrind-out-file=%s/cg.%%p "%s" "$@"\n' \
		"$WORK" "$REAL" >"$SPHONE"
	chmod +x "$SPHONE"
	bench_call_sphone 8 "$WORK/alice-heard2.wav" 60 || exit 1
	sleep 2
	callgrind_control -d "$SPID" >/dev/null # what came before goes to the first dump
	sleep "$SECS"
	callgrind_control -d "$SPID" >/dev/null
	f=$(ls -t "$WORK"/cg."$SPID"* | head -n 1)
	ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$f")
	echo "call_work sphone_callgrind instr_s=$(per_s "$ir" "$SECS") (dump $f)"
	# each function's own instructions in the window (callgrind_annotate attributes a dump taken
	# mid-run to main): cost lines after fn=, less the inclusive cost line after each calls=
	awk '/^fn=/ { fn = substr($0, 4); ac = 0; next } /^calls=/ { ac = 1; next }
		/^[0-9+*-]/ { if (ac) { ac = 0; next } self[fn] += $2 }
		END { for (f in self) printf "%12d %s\n", self[f], f }' "$f" | sort -rn | head -n 25 | sed 's/^/# cg /'
	cs_cmd alice hangup
	cs_wait alice ended 20
	cs_quit alice
fi

# --- baresip carol calls bob (SPHONE_ONLY=1: not, nor the floor) ---
if [ -n "${SPHONE_ONLY:-}" ]; then
	lab_stop_baresip bob
	lab_stop_kamailio
	exit 0
fi
lab_start_baresip carol carol "$LAB_PW_carol" wav="$SIG" || exit 1
eval "BPID=\$BS_carol_PID"
baresip_cmd "$BS_carol_CTRL" "dial sip:bob@sip.test" >/dev/null
WAIT_SECS=15 wait_for grep -q "Call established" "$BS_carol_LOG" || { echo "baresip call not established"; exit 1; }
sleep 1
measure baresip "$BPID"
baresip_cmd "$BS_carol_CTRL" "hangup" >/dev/null
sleep 1
lab_stop_baresip carol

# --- the floor: two bare endpoints, figures per endpoint; switches first (no strace), then syscalls ---
FLOOR=$top_builddir/bench/bench_floor
"$FLOOR" udp $((3 * SECS + 3)) >/dev/null &
FPID=$!
track_pid "$FPID"
sleep 1
kid=$(cat /proc/"$FPID"/task/*/children 2>/dev/null | awk '{ print $1 }')
measure floor "$kid"
wait "$FPID"
untrack_pid "$FPID"
lab_stop_baresip bob
lab_stop_kamailio
