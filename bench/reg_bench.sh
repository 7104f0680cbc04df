#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# reg_bench.sh: time from process start to "registered" for sphone and for baresip 1.0, against the same
# lab Kamailio (TLS, digest: REGISTER/401/REGISTER/200) in one run, runs interleaved; prints both medians
# and the ratio sphone/baresip (below 1: sphone is faster). Run on demand from the build directory:
#   sh ../bench/reg_bench.sh [RUNS]        (default 10; needs kamailio and baresip-core)
# sphone: exec until its stdout shows the "registered" event (it verifies the server certificate;
# baresip 1.0 does not). baresip: exec until it prints "200 OK" for the binding. Each process is then
# stopped (sphone: stdin closed, which un-REGISTERs; baresip: SIGTERM) before the next run starts.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
export top_srcdir top_builddir
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
lab_require kamailio baresip openssl python3
RUNS=${1:-10}

. "$top_srcdir/bench/reg_lib.sh"
reg_lab_start || exit 1
lab_baresip_config bench alice "$LAB_PW_alice" wait=no || exit 1

# time_sphone: seconds from exec to the "registered" event; stdin stays open until then
time_sphone() {
	"$PYTHON" - "$SPHONE" "$WORK/sphone.conf" "$WORK/sphone-bench.log" <<'PY'
import os, select, subprocess, sys, time
sphone, conf, log = sys.argv[1:4]
with open(log, "ab") as lf:
    t0 = time.monotonic()
    p = subprocess.Popen([sphone, "--headless", "-c", conf], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=lf)
    found, buf, deadline = None, b"", t0 + 10
    while found is None and time.monotonic() < deadline:
        r, _, _ = select.select([p.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if not r:
            break
        chunk = os.read(p.stdout.fileno(), 65536)
        if not chunk:
            break
        buf += chunk
        if b'{"event":"registered"' in buf:
            found = time.monotonic() - t0
        elif b'{"event":"registration_failed"' in buf:
            break
    p.stdin.close()  # EOF: un-REGISTER and exit
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    lf.write(buf)
if found is None:
    sys.exit(1)
print("%.6f" % found)
PY
}

s_times="" b_times=""
i=1
while [ "$i" -le "$RUNS" ]; do
	t=$(time_sphone) || { echo "run $i: sphone did not register (log: $WORK/sphone-bench.log)"; KEEP_WORK=1; exit 1; }
	s_ms=$(awk -v t="$t" 'BEGIN { printf "%.2f", t * 1000 }')
	t=$("$PYTHON" "$LAB_SRC/labtool.py" time-until "200 OK" 10 "$BS_bench_LOG" -- \
		baresip -4 -f "$BS_bench_DIR") || { echo "run $i: baresip did not register"; exit 1; }
	b_ms=$(awk -v t="$t" 'BEGIN { printf "%.2f", t * 1000 }')
	echo "run $i: sphone ${s_ms} ms   baresip ${b_ms} ms"
	s_times="$s_times $s_ms"
	b_times="$b_times $b_ms"
	i=$((i + 1))
done

median() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f", m }'
}
minmax() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { printf "min=%.2f max=%.2f", v[1], v[NR] }'
}
# shellcheck disable=SC2086
sm=$(median $s_times)
# shellcheck disable=SC2086
bm=$(median $b_times)
# shellcheck disable=SC2086
echo "sphone  start_to_registered_ms median=$sm $(minmax $s_times)"
# shellcheck disable=SC2086
echo "baresip start_to_registered_ms median=$bm $(minmax $b_times)"
echo "reg_bench runs=$RUNS sphone_ms=$sm baresip_ms=$bm ratio=$(awk -v a="$sm" -v b="$bm" 'BEGIN { printf "%.3f", a / b }') (sphone/baresip; target <= 0.5)"
lab_stop_kamailio
