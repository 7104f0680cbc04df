# SPDX-License-Identifier: GPL-3.0-or-later
# asterisk_lib.sh: a real Asterisk (PJSIP) for the interop tests, configured from doc/asterisk/*.conf.
# Sourced after lab.sh and call_lib.sh. Asterisk runs on 127.0.0.1 (its TLS port picked free), from a
# private directory under $WORK (config, database, logs, control socket), and is stopped by PID.
#
#   ast_require                    skip the test (loudly) when no Asterisk is installed; exports AST_PREFIX
#   ast_start [asterisk_conf.py options...]   generate the config, start, wait until the TLS port listens
#                                   exports AST_PID AST_TLS_PORT AST_DIR AST_LOG (full log) AST_CONSOLE
#   ast_cmd 'CLI COMMAND'          run one console command in the running Asterisk, print its output
#   ast_stop                       "core stop now", then by PID
#   ast_sphone_conf FILE USER [k=v...]   an sphone config for extension USER (sips:USER@sip.test)
#   ast_wait_log SECS GREP         wait until the full log has a line matching GREP (grep -E)
#   ast_contact_ok USER            true while "pjsip show contacts" lists USER's contact as reachable
#   ast_sip rx|tx|any REGEX [...]  the SIP messages Asterisk received / sent (asterisk_log.py)
#
# Which Asterisk: $SPHONE_ASTERISK (an install prefix), else ~/.cache/sphone-lab/asterisk (where
# tests/interop/asterisk_build.sh, run by .ci/run, builds ../shared/asterisk). make check never builds
# it (6-10 minutes on 2 cores): without it these tests skip, and say how to get it.
#
# The users of the generated config: 1001 and 1002 as in doc/asterisk/pjsip.conf, and test-only
# endpoints from the reference templates: 1003 (like 1001), 1004 (srtp_tag_32=yes), 1009
# (media_encryption=no: a misconfigured PBX). Passwords: AST_PW_<user>.

# Audio that crossed Asterisk is compared with wavcmp.py at this correlation (mean over 0.2 s blocks):
# Asterisk relays every frame (a B2BUA), and under a loaded make -j2 check its frame timing wanders, so
# sphone's adaptive jitter buffer drops or conceals a frame now and then (each spoils one block; measured
# 0.76-0.88 at worst under the full suite, 0.98-1.0 alone); a wrong or missing signal gives about 0.
AST_MIN_CORR=0.7
AST_USERS="1001 1002 1003 1004 1009"
for _u in $AST_USERS; do
	eval "AST_PW_$_u=\"sphone-$_u-\$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')\""
done
unset _u

# _ast_default_prefix: the cache directory the build script installs into
_ast_default_prefix() {
	echo "${HOME:-/root}/.cache/sphone-lab/asterisk"
}

ast_require() {
	if [ "${SPHONE_UNIT_ONLY:-0}" = 1 ]; then
		skip_all "SPHONE_UNIT_ONLY=1: no real peers"
	fi
	AST_PREFIX=${SPHONE_ASTERISK:-$(_ast_default_prefix)}
	if [ ! -x "$AST_PREFIX/sbin/asterisk" ]; then
		# make check shows this line as the SKIP reason; say it loudly on stderr too
		echo "### SKIPPED: no Asterisk in $AST_PREFIX: run tests/interop/asterisk_build.sh (or set SPHONE_ASTERISK=PREFIX) ###" >&2
		skip_all "NO ASTERISK in $AST_PREFIX: build it with tests/interop/asterisk_build.sh (6-10 min, .ci/run does) or set SPHONE_ASTERISK=PREFIX"
	fi
	[ -d "$AST_PREFIX/lib/asterisk/modules" ] || skip_all "$AST_PREFIX has no lib/asterisk/modules"
	command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
	command -v openssl >/dev/null 2>&1 || skip_all "openssl not installed"
	SPHONE=${SPHONE:-$top_builddir/sphone}
	[ -x "$SPHONE" ] || skip_all "$SPHONE not built"
	export AST_PREFIX SPHONE
}

# ast_start [--set S.K=V | --add S.K=V | --append FILE]...: the reference config with the site values of
# this run (port, lab CA certificates, passwords) and the caller's changes; waits up to 30 s for the
# TLS port. Makes the lab CA ($WORK/ca) first if LAB_CA is unset.
ast_start() {
	local d i extra
	[ -n "${LAB_CA:-}" ] || lab_make_ca "$WORK/ca" || return 1
	d=$WORK/asterisk
	AST_DIR=$d
	mkdir -p "$d/etc" "$d/lib/sounds/en" "$d/run" "$d/log" "$d/spool" || return 1
	ln -sfn "$AST_PREFIX/var/lib/asterisk/documentation" "$d/lib/documentation"
	[ -n "${AST_TLS_PORT:-}" ] || AST_TLS_PORT=$(free_port)
	cat >"$d/etc/asterisk.conf" <<EOF
[directories]
astetcdir => $d/etc
astmoddir => $AST_PREFIX/lib/asterisk/modules
astvarlibdir => $d/lib
astdbdir => $d/lib
astkeydir => $d/lib
astdatadir => $d/lib
astagidir => $d/lib/agi-bin
astspooldir => $d/spool
astrundir => $d/run
astlogdir => $d/log
astsbindir => $AST_PREFIX/sbin
[options]
verbose = 3
debug = 0
maxload = 0
transmit_silence = no
EOF
	{
		echo "[modules]"
		echo "autoload = yes"
		# voicemail and its indicator only for the tests that ask (AST_MWI=1, asterisk_mwi.sh)
		[ "${AST_MWI:-0}" = 1 ] || printf 'noload = %s\n' app_voicemail.so res_pjsip_mwi.so \
			res_pjsip_mwi_body_generator.so
	} >"$d/etc/modules.conf"
	cat >>"$d/etc/modules.conf" <<EOF
noload = res_pjsip_outbound_publish.so
noload = res_pjsip_outbound_registration.so
noload = res_pjsip_endpoint_identifier_ip.so
noload = res_musiconhold.so
EOF
	# one file with DTMF, Verbose() lines and (with [global] debug=yes) every SIP message
	cat >"$d/etc/logger.conf" <<EOF
[general]
dateformat = %F %T.%3q
[logfiles]
full => notice,warning,error,verbose,dtmf
EOF
	cat >"$d/etc/rtp.conf" <<EOF
[general]
rtpstart = 20000
rtpend = 40000
EOF
	: >"$d/etc/cdr.conf"
	: >"$d/etc/cel.conf"
	{
		echo "; test-only endpoints, from the reference templates"
		echo "[1003](sphone-endpoint)"
		echo "auth=1003-auth"
		echo "aors=1003"
		echo "[1003-auth](sphone-auth)"
		echo "username=1003"
		echo "password=$AST_PW_1003"
		echo "[1003](sphone-aor)"
		echo ""
		echo "[1004](sphone-endpoint)"
		echo "auth=1004-auth"
		echo "aors=1004"
		echo "srtp_tag_32=yes"
		echo "[1004-auth](sphone-auth)"
		echo "username=1004"
		echo "password=$AST_PW_1004"
		echo "[1004](sphone-aor)"
		echo ""
		echo "; a PBX left at plain RTP for this user"
		echo "[1009](sphone-endpoint)"
		echo "auth=1009-auth"
		echo "aors=1009"
		echo "media_encryption=no"
		echo "[1009-auth](sphone-auth)"
		echo "username=1009"
		echo "password=$AST_PW_1009"
		echo "[1009](sphone-aor)"
	} >"$d/extra-users.conf"
	python3 "$LAB_SRC/asterisk_conf.py" "$top_srcdir/doc/asterisk/pjsip.conf" "$d/etc/pjsip.conf" \
		--set "global.default_realm=sip.test" --add "global.debug=yes" \
		--set "transport-tls.bind=127.0.0.1:$AST_TLS_PORT" \
		--set "transport-tls.cert_file=$LAB_CA/server.pem" \
		--set "transport-tls.priv_key_file=$LAB_CA/server.key" \
		--set "transport-tls.ca_list_file=$LAB_CA/ca.pem" \
		--set "1001-auth.password=$AST_PW_1001" --set "1002-auth.password=$AST_PW_1002" \
		--append "$d/extra-users.conf" "$@" || return 1
	cp "$top_srcdir/doc/asterisk/extensions.conf" "$d/etc/extensions.conf" || return 1
	cp "$top_srcdir/doc/asterisk/voicemail.conf" "$d/etc/voicemail.conf" || return 1
	# a test's own mailboxes (the file ends in [default])
	[ -z "${AST_VM_EXTRA:-}" ] || printf '%s\n' "$AST_VM_EXTRA" >>"$d/etc/voicemail.conf"
	AST_LOG=$d/log/full
	AST_CONSOLE=$d/console.log
	# without the test's sphone fifo ends (call_lib.sh): a restarted Asterisk would keep their EOF away
	"$AST_PREFIX/sbin/asterisk" -C "$d/etc/asterisk.conf" -f -n -g </dev/null >"$AST_CONSOLE" 2>&1 \
		3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
	AST_PID=$!
	track_pid "$AST_PID"
	export AST_PID AST_TLS_PORT AST_DIR AST_LOG AST_CONSOLE
	i=0
	while [ $i -lt 300 ]; do
		lab_pid_alive "$AST_PID" || break
		if lab_port_listening "$AST_TLS_PORT" && ast_cmd "core show version" 2>/dev/null | grep -q Asterisk &&
			ast_cmd "core waitfullybooted" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	diag "asterisk did not start; last console lines:"
	tail -n 20 "$AST_CONSOLE" | sed 's/^/#   /'
	ast_stop
	return 1
}

ast_cmd() {
	"$AST_PREFIX/sbin/asterisk" -C "$AST_DIR/etc/asterisk.conf" -rx "$1" 2>/dev/null
}

ast_stop() {
	[ -n "${AST_PID:-}" ] || return 0
	if lab_pid_alive "$AST_PID"; then
		ast_cmd "core stop now" >/dev/null 2>&1
		WAIT_SECS=20 wait_for sh -c "! kill -0 $AST_PID 2>/dev/null || grep -q '^State:.*Z' /proc/$AST_PID/status"
	fi
	lab_stop_pid "$AST_PID"
	AST_PID=""
}

# ast_sphone_conf FILE USER [key=value...]: [general] + [account pbx] for extension USER: the account a
# README reader writes for doc/asterisk/pjsip.conf (sips: AOR at the PBX's domain, the PBX as proxy over
# TLS, its CA), with this run's port and password. key=value replaces uri/password/proxy/ca_file or adds
# a key to the account section.
ast_sphone_conf() {
	local f=$1 u=$2 kv pw line k v
	shift 2
	eval "pw=\${AST_PW_$u:-}"
	{
		echo "[general]"
		echo "log_level = debug"
		echo "[account pbx]"
		for line in "uri=sips:$u@sip.test" "password=\"$pw\"" "proxy=sips:127.0.0.1:$AST_TLS_PORT;transport=tls" \
			"ca_file=$LAB_CA/ca.pem"; do
			k=${line%%=*} v=${line#*=}
			for kv in "$@"; do
				[ "${kv%%=*}" = "$k" ] && v=${kv#*=}
			done
			echo "$k = $v"
		done
		for kv in "$@"; do
			case ${kv%%=*} in
			uri | password | proxy | ca_file) ;;
			*) echo "${kv%%=*} = ${kv#*=}" ;;
			esac
		done
	} >"$f"
	chmod 600 "$f"
}

# ast_sip rx|tx|any FIRSTLINE-REGEX [--count] [--grep REGEX] [--call CALLID]: the SIP messages in Asterisk's
# log (tests/interop/asterisk_log.py), e.g. ast_sip rx '^REGISTER ' --grep '^Allow:'
ast_sip() {
	python3 "$LAB_SRC/asterisk_log.py" "$AST_LOG" "$@"
}

ast_wait_log() {
	WAIT_SECS=$1 wait_for grep -q -E "$2" "$AST_LOG"
}

ast_contact_ok() {
	ast_cmd "pjsip show contacts" | grep -E "^ *Contact: +$1/" | grep -q -E "Avail|NonQual"
}

# ast_diag: the end of Asterisk's log as TAP diagnostics (on failure)
# ast_skip_one DESCRIPTION REASON: one TAP test point reported as skipped (a case this Asterisk build
# cannot exercise), with the reason
ast_skip_one() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP $2"
}

ast_diag() {
	diag "asterisk log tail:"
	tail -n "${1:-40}" "$AST_LOG" 2>/dev/null | sed 's/^/#   /'
}
