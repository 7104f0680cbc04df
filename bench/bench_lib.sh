# SPDX-License-Identifier: GPL-3.0-or-later
# bench_lib.sh: the lab call the call benchmarks measure (sourced by call_bench.sh and call_work.sh after
# lab.sh and call_lib.sh): Kamailio, an auto-answering baresip bob playing a WAV, and sphone (alice, log
# level warn, file audio) calling bob with SDES-SRTP; SUITE= makes sphone offer only that suite.
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
