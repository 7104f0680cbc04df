#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# run_all.sh: every issue-18 benchmark with its runs, then one table of medians (the ratios each run measured
# against its own floor or peer in the same minute). Run from the build directory, on a quiet machine:
#   sh ../bench/run_all.sh [RUNS] [CALL_SECONDS] [M2E_SECONDS]      (default 5 30 20: about 35 minutes)
# Targets: call CPU <= 1.2x the CPU floor (PCMU with AES_CM_128_HMAC_SHA1_80 and with AEAD_AES_128_GCM),
# peak RSS <= 1.25x the RSS floor, start -> registered <= 0.5x baresip's, mouth-to-ear p50 <= 60 ms and no more
# than baresip's (no jitter; with 30 ms of jitter: the delay its jitter buffer settles at, concealment),
# bench_pipeline >= 0.9. Every run's own output goes to OUT (default ./run_all.out) for the record.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
RUNS=${1:-5}
CALL_SECS=${2:-30}
M2E_SECS=${3:-20}
OUT=${OUT:-$(pwd)/run_all.out}
[ -x ./sphone ] || { echo "run from the build directory (no ./sphone here)"; exit 1; }
: >"$OUT"

# med VALUES...: the median ("-" for none); rng VALUES...: "min-max"
med() {
	printf '%s\n' "$@" | grep -E '^[0-9.]+$' | sort -n | awk '{ v[NR] = $1 } END {
		if (!NR) { print "-"; exit } m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		if (m == int(m)) printf "%d", m; else printf "%.3f", m }'
}
rng() {
	printf '%s\n' "$@" | grep -E '^[0-9.]+$' | sort -n | awk 'NR == 1 { a = $1 } { b = $1 } END { if (NR) printf "%s-%s", a, b; else print "-" }'
}
# key=value out of a line
kv() { echo "$1" | sed -n "s/.*[ ]$2=\([^ ]*\).*/\1/p"; }

log() { echo "$*"; echo "$*" >>"$OUT"; }
log "run_all $(date -u +%Y-%m-%dT%H:%M:%SZ) runs=$RUNS call_seconds=$CALL_SECS m2e_seconds=$M2E_SECS load: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- call CPU and peak RSS against the floors, per suite ---
for suite in AES_CM_128_HMAC_SHA1_80 AEAD_AES_128_GCM; do
	cpu="" fcpu="" cr="" rss="" frss="" rr="" got="" scpu="" sor="" ssr=""
	i=1
	while [ "$i" -le "$RUNS" ]; do
		r=$(SUITE=$suite sh "$top_srcdir/bench/call_bench.sh" "$CALL_SECS" 2>&1)
		echo "$r" >>"$OUT"
		got="$got $(kv "$(echo "$r" | grep '^call_bench')" suite)"
		l=$(echo "$r" | grep '^cpu_s')
		cpu="$cpu $(kv "$l" sphone)"
		l=$(echo "$r" | grep '^floor_cpu_s')
		fcpu="$fcpu $(kv "$l" bare_udp_endpoint)"
		cr="$cr $(kv "$l" sphone_over_floor)"
		l=$(echo "$r" | grep '^floor_srtp_cpu_s')
		scpu="$scpu $(kv "$l" bare_srtp_endpoint)"
		sor="$sor $(kv "$l" srtp_over_udp)"
		ssr="$ssr $(kv "$l" sphone_over_srtp_floor)"
		l=$(echo "$r" | grep '^peak_rss_kb')
		rss="$rss $(kv "$l" sphone)"
		l=$(echo "$r" | grep '^floor_rss_kb')
		frss="$frss $(kv "$l" bare_tls_client)"
		rr="$rr $(kv "$l" sphone_over_floor)"
		i=$((i + 1))
	done
	# shellcheck disable=SC2086
	{
		eval "CPU_$suite=\"$(med $cpu) $(med $fcpu) $(med $cr) $(rng $cr)\""
		eval "SRTPF_$suite=\"$(med $scpu) $(med $sor) $(rng $sor) $(med $ssr) $(rng $ssr)\""
		eval "RSS_$suite=\"$(med $rss) $(med $frss) $(med $rr) $(rng $rr)\""
		log "call $suite (suites negotiated:$got): cpu_s$cpu floor$fcpu ratio$cr | srtp floor$scpu over udp floor$sor sphone over it$ssr | rss_kb$rss floor$frss ratio$rr"
	}
done

# --- start -> registered, sphone vs baresip (interleaved runs, medians), and sphone's breakdown ---
r=$(sh "$top_srcdir/bench/reg_bench.sh" $((RUNS * 2)) 2>&1)
echo "$r" >>"$OUT"
l=$(echo "$r" | grep '^reg_bench')
REG="$(kv "$l" sphone_ms) $(kv "$l" baresip_ms) $(kv "$l" ratio)"
log "$l"
r=$(sh "$top_srcdir/bench/startup_instr.sh" 3 2>&1)
echo "$r" >>"$OUT"
l=$(echo "$r" | grep '^startup_instr')
INSTR="$(kv "$l" sphone_ir) $(kv "$l" baresip_ir) $(kv "$l" ratio)"
l=$(echo "$r" | grep '^startup_floor')
SFLOOR="$(kv "$l" tls_client_ir) $(kv "$l" over_baresip) $(kv "$l" sphone_over_floor)"
log "$l"
r=$(sh "$top_srcdir/bench/startup_breakdown.sh" "$RUNS" 2>&1)
echo "$r" >>"$OUT"
echo "$r" | grep '^startup'

# --- mouth-to-ear ---
r=$(sh "$top_srcdir/bench/m2e_bench.sh" "$RUNS" "$M2E_SECS" 30 2>&1)
echo "$r" >>"$OUT"
echo "$r" | grep '^m2e_bench'
# m2e PHONE DIRECTION JITTER: the line of that phone's calls in that direction (a->b caller to callee)
m2e() { echo "$r" | grep "^m2e_bench $1->$1 $2 jitter_ms=$3 "; }

# --- bench_pipeline ---
p80="" pgcm=""
i=1
while [ "$i" -le "$RUNS" ]; do
	b=$(./bench/bench_pipeline 2>&1)
	echo "$b" >>"$OUT"
	p80="$p80 $(echo "$b" | sed -n 's/^AES_CM_128_HMAC_SHA1_80 *ratio \([0-9.]*\).*/\1/p')"
	pgcm="$pgcm $(echo "$b" | sed -n 's/^AEAD_AES_128_GCM *ratio \([0-9.]*\).*/\1/p')"
	i=$((i + 1))
done
log "bench_pipeline ratios AES_CM_128_HMAC_SHA1_80:$p80 AEAD_AES_128_GCM:$pgcm"

# --- the table ---
row() { log "| $1 | $2 | $3 | $4 | $5 | $6 |"; }
log ""
log "| target | sphone (median) | floor or peer (median) | ratio: median (range) | wanted | runs |"
log "|---|---|---|---|---|---|"
for suite in AES_CM_128_HMAC_SHA1_80 AEAD_AES_128_GCM; do
	eval "set -- \$CPU_$suite"
	row "call CPU, PCMU + $suite, ${CALL_SECS} s" "$1 s" "$2 s (bare UDP endpoint)" "$3 ($4)" "<= 1.2" "$RUNS"
	eval "set -- \$SRTPF_$suite"
	row "the same endpoint doing SRTP (AES-CM, HMAC-SHA1) + G.711 both ways, over the UDP floor" "-" "$1 s (bare SRTP endpoint)" "$2 ($3)" "(the least any SRTP phone shows)" "$RUNS"
	row "call CPU, PCMU + $suite, over the bare SRTP endpoint" "-" "$1 s" "$4 ($5)" "-" "$RUNS"
done
for suite in AES_CM_128_HMAC_SHA1_80 AEAD_AES_128_GCM; do
	eval "set -- \$RSS_$suite"
	row "peak RSS in a call, $suite" "$1 KB" "$2 KB (bare TLS client)" "$3 ($4)" "<= 1.25" "$RUNS"
done
# shellcheck disable=SC2086
set -- $REG
row "start -> registered (TLS, 401, 200)" "$1 ms" "$2 ms (baresip)" "$3" "<= 0.5" "$((RUNS * 2)) interleaved"
# shellcheck disable=SC2086
set -- $INSTR
row "start -> registered -> exit, user-space instructions (callgrind; the same on a loaded machine)" "$1" "$2 (baresip)" "$3" "-" "3"
# shellcheck disable=SC2086
set -- $SFLOOR
row "the floor: a bare verifying TLS client, exec -> handshake -> exit, instructions, over baresip's start-up" "-" "$1" "$2" "(the least any phone that verifies TLS shows)" "1"
row "start -> registered -> exit, instructions, over that floor" "-" "$1" "$3" "-" "1"
for j in 0 30; do
	for d in 'a->b' 'b->a'; do
		s=$(m2e sphone "$d" $j) b=$(m2e baresip "$d" $j)
		row "mouth-to-ear $d p50 / p99, jitter $j ms" "$(kv "$s" p50_ms) / $(kv "$s" p99_ms) ms, lost $(kv "$s" markers_lost), concealed $(kv "$s" concealed)" \
			"$(kv "$b" p50_ms) / $(kv "$b" p99_ms) ms, lost $(kv "$b" markers_lost) (baresip)" \
			"$(echo "$r" | grep "^m2e_bench $d jitter_ms=$j " | sed -n 's/.*ratio_p50=\([^ ]*\).*/\1/p') (p50)" \
			"$([ $j = 0 ] && echo '<= 60 ms and <= 1' || echo '<= 1, no more concealed')" "$RUNS"
	done
done
# shellcheck disable=SC2086
row "bench_pipeline AES_CM_128_HMAC_SHA1_80" "-" "bare libsrtp" "$(med $p80) ($(rng $p80))" ">= 0.9" "$RUNS x best of 5"
# shellcheck disable=SC2086
row "bench_pipeline AEAD_AES_128_GCM" "-" "bare libsrtp" "$(med $pgcm) ($(rng $pgcm))" ">= 0.9" "$RUNS x best of 5"
log "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
