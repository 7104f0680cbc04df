#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# reg_baresip.sh: how long baresip 1.0 takes from process start to "registered" over TLS (digest auth,
# 401 + 200) against the lab Kamailio on 127.0.0.1: the reference figure sphone's registration
# benchmark compares against. Run on demand: sh bench/reg_baresip.sh [RUNS] (default 10).
# Prints per-run times, then one summary line:
#   reg_baresip runs=N start_to_registered_ms median=.. min=.. max=.. server_register_to_200_ms median=..
# start_to_registered: process exec, module loading, TLS handshake, REGISTER/401/REGISTER/200, until
# baresip prints its "200 OK ... binding" line (read from its stdout as it happens).
# server_register_to_200: from Kamailio's sipdump, first REGISTER received -> 200 OK sent (two round
# trips plus baresip's digest computation).
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
export top_srcdir
. "$top_srcdir/tests/interop/lab.sh"
lab_require kamailio baresip openssl python3
RUNS=${1:-10}

lab_make_ca "$WORK/ca" || exit 1
lab_start_kamailio || exit 1
lab_baresip_config bench alice "$LAB_PW_alice" wait=no || exit 1

times=""
i=1
while [ "$i" -le "$RUNS" ]; do
	# labtool starts baresip, times it, and stops it by its PID (SIGTERM: it unregisters)
	t=$("$PYTHON" "$LAB_SRC/labtool.py" time-until "200 OK" 10 "$BS_bench_LOG" -- \
		baresip -4 -f "$BS_bench_DIR") || { echo "run $i: baresip did not register"; exit 1; }
	ms=$(awk -v t="$t" 'BEGIN { printf "%.2f", t * 1000 }')
	echo "run $i: start -> registered ${ms} ms"
	times="$times $ms"
	i=$((i + 1))
done

server=$("$PYTHON" "$LAB_SRC/labtool.py" sipdump-reg "$KAM_DIR/sipdump" | awk '$2 == "alice" { print $4 }')
echo "server first REGISTER -> 200 OK (ms):" $server
summary() { # summary VALUES...: median min max
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "median=- min=- max=-"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "median=%.2f min=%.2f max=%.2f", m, v[1], v[NR] }'
}
# shellcheck disable=SC2086
c=$(summary $times)
# shellcheck disable=SC2086
s=$(summary $server)
echo "reg_baresip runs=$RUNS start_to_registered_ms $c server_register_to_200_ms $(echo "$s" | cut -d' ' -f1)"
lab_stop_kamailio
