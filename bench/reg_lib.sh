# SPDX-License-Identifier: GPL-3.0-or-later
# reg_lib.sh: what the start-up benchmarks (reg_bench, startup_breakdown, startup_instr) share; sourced after lab.sh.
SPHONE=${SPHONE:-$top_builddir/sphone}

# reg_lab_start: the lab CA, Kamailio, and $WORK/sphone.conf: alice over TLS to it, checked against the lab CA
reg_lab_start() {
	[ -x "$SPHONE" ] || { echo "no sphone binary at $SPHONE (run from the build directory)"; return 1; }
	lab_make_ca "$WORK/ca" || return 1
	lab_start_kamailio || return 1
	cat >"$WORK/sphone.conf" <<C
[general]
log_level = warn
[account bench]
uri = sips:alice@sip.test
password = "$LAB_PW_alice"
proxy = sips:127.0.0.1:$KAM_TLS_PORT;transport=tls
ca_file = $LAB_CA/ca.pem
C
	chmod 600 "$WORK/sphone.conf"
}
