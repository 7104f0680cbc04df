#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# startup_instr.sh: user-space instructions (valgrind callgrind, Ir) from exec to "registered" and out again
# (TLS + 401 + 200 against the lab Kamailio on loopback, then un-REGISTER and exit), sphone and baresip 1.0 in
# the same run; a count, not a time, so it means the same on a loaded machine. Run from the build directory:
#   sh ../bench/startup_instr.sh [RUNS]       (default 3; needs kamailio, baresip-core, valgrind, python3)
# sphone: "registered" on stdout, then stdin closed (it un-REGISTERs and exits). baresip: "200 OK" in its
# output, then SIGTERM (it un-REGISTERs and exits). Then each once natively: its minor page faults at that moment
# (/proc/PID/stat; the kernel's side of start-up, which callgrind does not count). TOP=N also prints sphone's N heaviest functions (inclusive)
# of the last run. Leaves the callgrind files in the lab's work directory when KEEP_WORK=1. Then the floor: a bare
# verifying TLS client (bench_floor tls) against the same Kamailio, its instructions and their ratio to baresip's.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
export top_srcdir top_builddir
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
lab_require kamailio baresip openssl python3 valgrind
RUNS=${1:-3}

. "$top_srcdir/bench/reg_lib.sh"
reg_lab_start || exit 1
lab_baresip_config bench alice "$LAB_PW_alice" wait=no || exit 1

# ir FILE: the total instruction count callgrind wrote
ir() { sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$1"; }

# cg_run STOP PATTERN OUT CMD...: CMD under callgrind (counts to OUT; OUT=-: natively, and its minor page
# faults when PATTERN came are printed) until PATTERN is in its stdout, then stopped as it is in use (STOP eof:
# stdin closed; term: SIGTERM), both un-REGISTER first; waits for its exit
cg_run() {
	"$PYTHON" - "$@" <<'PY'
import subprocess, sys, time
stop, pattern, out, cmd = sys.argv[1], sys.argv[2].encode(), sys.argv[3], sys.argv[4:]
if out != "-":
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out] + cmd
p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
deadline, buf = time.monotonic() + 60, b""
while time.monotonic() < deadline and pattern not in buf:
    line = p.stdout.readline()
    if not line:
        break
    buf += line
if out == "-" and pattern in buf:
    with open("/proc/%d/stat" % p.pid) as f:
        print(f.read().rsplit(")", 1)[1].split()[7])  # minflt
if stop == "eof":
    p.stdin.close()
else:
    p.terminate()
p.stdout.read()  # until it exits (labtool.py time-until kills after 5 s: callgrind may not have written yet)
p.wait(timeout=60)
sys.exit(0 if pattern in buf else 1)
PY
}

s_ir="" b_ir="" s_f="" b_f=""
i=1
while [ "$i" -le "$RUNS" ]; do
	cg_run eof '"event":"registered"' "$WORK/cg.sphone.$i" "$SPHONE" --headless -c "$WORK/sphone.conf" ||
		{ echo "run $i: sphone did not register"; exit 1; }
	cg_run term "200 OK" "$WORK/cg.baresip.$i" baresip -4 -f "$BS_bench_DIR" ||
		{ echo "run $i: baresip did not register"; exit 1; }
	s=$(ir "$WORK/cg.sphone.$i") b=$(ir "$WORK/cg.baresip.$i")
	[ -n "$s" ] && [ -n "$b" ] || { echo "run $i: no callgrind totals"; exit 1; }
	sf=$(cg_run eof '"event":"registered"' - "$SPHONE" --headless -c "$WORK/sphone.conf") &&
		bf=$(cg_run term "200 OK" - baresip -4 -f "$BS_bench_DIR") || { echo "run $i: no registration"; exit 1; }
	echo "run $i: sphone ${s} baresip ${b} instructions; minor faults at registered: sphone $sf baresip $bf"
	s_ir="$s_ir $s" b_ir="$b_ir $b" s_f="$s_f $sf" b_f="$b_f $bf"
	i=$((i + 1))
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { printf "%d", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# shellcheck disable=SC2086
sm=$(median $s_ir) bm=$(median $b_ir)
# shellcheck disable=SC2086
sfm=$(median $s_f) bfm=$(median $b_f)
echo "startup_instr runs=$RUNS sphone_ir=$sm baresip_ir=$bm ratio=$(awk -v a="$sm" -v b="$bm" 'BEGIN { printf "%.3f", a / b }') (exec -> registered -> exit, user-space instructions)"
echo "startup_faults runs=$RUNS sphone=$sfm baresip=$bfm ratio=$(awk -v a="$sfm" -v b="$bfm" 'BEGIN { printf "%.3f", a / b }') (minor page faults, exec -> registered)"
# the floor: a bare TLS client (bench_floor tls) from exec through a verified handshake with the same Kamailio
# to its exit, under callgrind too: what any phone that verifies its server pays before any SIP, so its ratio
# to baresip is the least any such phone can show here
FLOOR=$top_builddir/bench/bench_floor
if [ -x "$FLOOR" ]; then
	valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.floor" "$FLOOR" tls 127.0.0.1 "$KAM_TLS_PORT" "$LAB_CA/ca.pem" \
		>/dev/null 2>&1 && f=$(ir "$WORK/cg.floor")
	echo "startup_floor tls_client_ir=${f:--} over_baresip=$(awk -v a="${f:-0}" -v b="$bm" 'BEGIN { if (a > 0) printf "%.3f", a / b; else print "-" }') sphone_over_floor=$(awk -v a="$sm" -v b="${f:-0}" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }') (exec -> verified TLS handshake -> exit)"
fi
if [ -n "${TOP:-}" ]; then
	callgrind_annotate --inclusive=yes "$WORK/cg.sphone.$RUNS" 2>/dev/null | grep -E '^ *[0-9,]+ ' | head -n "$TOP"
fi
lab_stop_kamailio
