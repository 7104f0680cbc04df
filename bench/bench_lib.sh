# SPDX-License-Identifier: GPL-3.0-or-later
# bench_lib.sh: the lab call the call benchmarks measure (sourced first by call_bench.sh, call_work.sh and,
# for its first lines only, m2e_bench.sh):
# Kamailio, an auto-answering baresip bob playing a WAV, and sphone (alice, log level warn, file audio)
# calling bob with SDES-SRTP; SUITE= makes sphone offer only that suite.
# Sourcing it sets top_srcdir (the tree the script is in) and top_builddir (the build directory the script
# is run from, as README says, else $top_srcdir/build), both exported, and sources lab.sh and call_lib.sh.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
if [ -z "${top_builddir:-}" ]; then
	if [ -x ./sphone ]; then top_builddir=$(pwd); else top_builddir=$top_srcdir/build; fi
fi
export top_srcdir top_builddir
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/call_lib.sh"

# bench_call_start SIGNAL_SECONDS: sets SIG (the WAV both play) and SPID (sphone's PID) once established.
bench_call_start() {
	SIG=$WORK/signal.wav
	lab_make_wav "$SIG" "$1" || return 1
	lab_make_ca "$WORK/ca" || return 1
	lab_start_kamailio || return 1
	lab_start_baresip bob bob "$LAB_PW_bob" wav="$SIG" || return 1
	cs_conf "$WORK/alice.conf" alice ${SUITE:+srtp_suites=$SUITE}
	sed -i 's/^log_level = debug/log_level = warn/' "$WORK/alice.conf"
	bench_call_sphone 7 "$WORK/alice-heard.wav" 15
}

# bench_call_sphone FD OUT_WAV WAIT_SECS: start sphone (alice) and call bob; sets SPID
bench_call_sphone() {
	cs_start alice "$1" "$WORK/alice.conf" --audio-in "$SIG" --audio-out "$2"
	cs_wait alice registered "$3" || { echo "sphone did not register"; return 1; }
	eval "SPID=\$CS_alice_PID"
	cs_cmd alice "call sip:bob@sip.test"
	cs_wait alice established "$3" || { echo "sphone call not established"; return 1; }
}
