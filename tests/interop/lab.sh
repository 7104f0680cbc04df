# SPDX-License-Identifier: GPL-3.0-or-later
# lab.sh: the real-peer test lab (throwaway CA, Kamailio TLS registrar, baresip SRTP peers, wire capture).
# Sourced by tests/interop/*.sh and bench/*.sh after (or instead of) lib.sh; POSIX sh (dash) compatible.
# Everything listens on 127.0.0.1 on ports chosen free at run time, writes only below $WORK, and every
# process it starts is tracked by PID and stopped by cleanup (lib.sh) or by the matching lab_stop_*.
# In the NAT lab (netns_lab.sh) the peers run in a network namespace instead: LAB_NETNS names it
# (Kamailio, baresip and their control commands run there) and KAM_IP is Kamailio's address in it.
#
# Typical use:
#   . "$top_srcdir/tests/interop/lab.sh"
#   lab_require kamailio baresip            # prints "1..0 # SKIP" and exits when a peer is missing
#   lab_make_ca "$WORK/ca"                   # LAB_CA=$WORK/ca: ca.pem server.pem wronghost.pem ...
#   lab_start_kamailio                       # KAM_PID KAM_TLS_PORT KAM_TCP_PORT KAM_UDP_PORT KAM_LOG
#   lab_start_baresip bob bob "$LAB_PW_bob"  # BS_bob_PID BS_bob_CTRL BS_bob_LOG BS_bob_REC ...
#   baresip_cmd "$BS_bob_CTRL" "dial sip:alice@sip.test"
#
# Functions (each documented where it is defined):
#   setup       lab_require lab_make_ca lab_issue_server_cert lab_make_wav lab_sphone_conf lab_scripted_peer
#   Kamailio    lab_start_kamailio lab_stop_kamailio lab_restart_kamailio
#               lab_kam_count lab_kam_replies lab_kam_reply_codes lab_kam_media_ports
#   baresip     lab_start_baresip lab_baresip_config lab_stop_baresip baresip_cmd
#               lab_baresip_registered lab_baresip_dtmf_received
#   wire        lab_capture_start lab_capture_stop wire_has_plain_sip wire_tls_records wire_tshark_sip
#               rtp_payload_entropy rtp_common_size rtcp_plaintext_count lab_rtcp_ports
#   processes   lab_stop_pid lab_pid_alive lab_port_listening lab_float_ge
#   Python      labtool.py (ctrl_tcp, test signal, pcap reading, timing), wavcmp.py (audio match)

if [ -z "${LAB_LIB_LOADED:-}" ]; then
	LAB_SRC=${LAB_SRC:-${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/interop}
	# sourced from an interactive or "sh -c" shell ($0 says nothing): try the current directory
	[ -f "$LAB_SRC/lib.sh" ] || LAB_SRC=$PWD/tests/interop
	# lib.sh gives ok/diag/skip_all/track_pid/cleanup/wait_for/free_port and $WORK
	type track_pid >/dev/null 2>&1 || . "$LAB_SRC/lib.sh"
	LAB_LIB_LOADED=1
fi
PYTHON=${PYTHON:-python3}

# Test users of the lab's Kamailio: "user:password" words. Override before lab_start_kamailio.
# Each password is also exported as LAB_PW_<user> so tests need not repeat it.
LAB_USERS=${LAB_USERS:-"alice:alice-pw-7Qx bob:bob-pw-3Kd carol:carol-pw-9Zt"}
# SIP domain (and digest realm) the lab serves (Kamailio also accepts "localhost"; not "127.0.0.1",
# which would make every phone contact look like the proxy itself). Fixed: kamailio.cfg aliases it.
LAB_DOMAIN=${LAB_DOMAIN:-sip.test}
# Kamailio's listening address (the phones' outbound proxy); another one only inside a namespace.
KAM_IP=${KAM_IP:-127.0.0.1}

for _u in $LAB_USERS; do
	export "LAB_PW_${_u%%:*}=${_u#*:}"
done
unset _u

# lab_require TOOL...: skip the whole test (TAP "1..0 # SKIP") when SPHONE_UNIT_ONLY=1 or a tool is
# missing. Tool names: kamailio baresip tshark dumpcap openssl sox python3 (any command name works).
lab_require() {
	if [ "${SPHONE_UNIT_ONLY:-0}" = 1 ]; then
		skip_all "SPHONE_UNIT_ONLY=1: no real peers"
	fi
	for _t in "$@"; do
		command -v "$_t" >/dev/null 2>&1 || skip_all "$_t not installed"
		if [ "$_t" = kamailio ]; then
			[ -n "$(_lab_kam_mpath)" ] || skip_all "kamailio modules (tls.so) not installed"
		fi
		if [ "$_t" = dumpcap ]; then
			dumpcap -D 2>/dev/null | grep -q '\blo\b' || skip_all "dumpcap may not capture on lo here"
		fi
		if [ "$_t" = baresip ]; then
			[ -f /usr/lib/baresip/modules/srtp.so ] || skip_all "baresip srtp module not installed"
		fi
	done
}

# lab_port_listening PORT [tcp|udp] [PID]: true when a socket is bound to PORT on 127.0.0.1, KAM_IP or
# any address and listening (TCP) / unconnected (UDP). Reads /proc/net (no connection made, so
# Kamailio's TLS log stays free of half-open handshakes; no iproute2 needed); with PID, that process's
# view of it (/proc/PID/net: the sockets of its network namespace).
lab_port_listening() {
	local f=/proc/${3:-self}/net/tcp st=0A
	[ "${2:-tcp}" = udp ] && f=/proc/${3:-self}/net/udp st=07
	awk -v port="$(printf '%04X' "$1")" -v st="$st" -v ip="$(_lab_ip_hex "$KAM_IP")" '
		NR > 1 && $4 == st && ($2 == "0100007F:" port || $2 == "00000000:" port || $2 == ip ":" port) {
			found = 1
		}
		END { exit !found }' "$f"
}

# _lab_ip_hex A.B.C.D: the address as /proc/net/{tcp,udp} print it on a little-endian host (DCBA in hex)
_lab_ip_hex() {
	echo "$1" | awk -F. '{ printf "%02X%02X%02X%02X", $4, $3, $2, $1 }'
}

# _lab_nsexec: the command prefix that runs a peer in LAB_NETNS ("ip netns exec NS"; nothing when unset).
# ip netns exec execs the command, so a backgrounded peer's $! is the peer's own PID.
_lab_nsexec() {
	[ -z "${LAB_NETNS:-}" ] || echo "ip netns exec $LAB_NETNS"
}

# lab_pid_alive PID: true while the process runs (and is not a zombie)
lab_pid_alive() {
	kill -0 "$1" 2>/dev/null || return 1
	! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# lab_stop_pid PID: SIGTERM, wait up to 5 s, then SIGKILL (its direct children too, found by PID
# beforehand, since Kamailio's children outlive a SIGKILLed parent); forgets the PID.
lab_stop_pid() {
	local p=$1 kids i k
	[ -n "$p" ] || return 0
	kids=$(_lab_children "$p")
	kill "$p" 2>/dev/null
	i=0
	while [ $i -lt 50 ] && lab_pid_alive "$p"; do sleep 0.1; i=$((i + 1)); done
	if lab_pid_alive "$p"; then
		kill -9 "$p" 2>/dev/null
		for k in $kids; do kill -9 "$k" 2>/dev/null; done
	fi
	wait "$p" 2>/dev/null
	untrack_pid "$p"
	return 0
}

# _lab_children PID: PIDs of PID's direct children, from /proc (no procps needed)
# Each file is read with getline, which fails softly: a process that exits while awk runs must not stop
# the scan (mawk treats a main-input file it cannot open as fatal, and missed children leaked).
_lab_children() {
	awk -v pp="$1" 'BEGIN {
		for (i = 1; i < ARGC; i++) {
			f = ARGV[i]
			if ((getline l < f) > 0) {
				sub(/^.*\) /, "", l)
				split(l, a, " ")
				if (a[2] == pp) { gsub(/[^0-9]/, "", f); print f }
			}
			close(f)
		}
	}' /proc/[0-9]*/stat 2>/dev/null
}

# lab_scripted_peer: what the tests driving sphone against tests/interop/hostile_peer.py need (python3
# with the cryptography module, openssl, a built sphone); skips the test when one is missing. Exports
# SPHONE and makes the lab CA in $WORK/ca (LAB_CA).
lab_scripted_peer() {
	command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
	python3 -c 'import cryptography' 2>/dev/null || skip_all "python3 cryptography module not installed"
	command -v openssl >/dev/null 2>&1 || skip_all "openssl not installed"
	SPHONE=${SPHONE:-$top_builddir/sphone}
	[ -x "$SPHONE" ] || skip_all "$SPHONE not built"
	export SPHONE
	lab_make_ca "$WORK/ca" || { echo "Bail out! cannot make the CA"; exit 1; }
}

# ---------------------------------------------------------------------------------------------
# Certificates
#
# lab_make_ca DIR: a throwaway CA and certificates, all EC P-256 / SHA-256, made with the openssl CLI.
#   ca.pem ca.key                the lab CA (give ca.pem to clients as their trust anchor)
#   server.pem server.key        good server cert: SAN IP:127.0.0.1, DNS:localhost, DNS:sip.test
#   wronghost.pem wronghost.key  valid, same CA, but SAN DNS:wrong.example only
#   expired.pem expired.key      same SANs as server.pem, validity entirely in the past
#   notyet.pem notyet.key        same SANs, validity starting in the future
#   unknownca.pem unknownca.key  same SANs, signed by another CA (other-ca.pem) that clients don't trust
#   selfsigned.pem selfsigned.key  same SANs, self-signed
#   client.pem client.key        client cert (CN=alice, SAN URI:sip:alice@sip.test), clientAuth
#   wildcard.pem wildcard.key    SAN DNS:*.sip.test only (SIP accepts no wildcards, RFC 5922 7.2)
#   sipuri.pem sipuri.key        SAN URI:sip:pbx.sip.test only (a SIP domain identity, RFC 5922 7.1)
# OpenSSL 3.0's "x509 -req" has no -not_before/-not_after (those came in 3.4), so the leaf certs are
# issued with "openssl ca", whose -startdate/-enddate set any validity window, past or future.
# Exports LAB_CA=DIR. Takes about 0.3 s.
lab_make_ca() {
	local d=$1 now past1 past2 fut1 fut2 san
	mkdir -p "$d" || return 1
	d=$(cd "$d" && pwd)
	now=$(date -u +%Y%m%d%H%M%SZ)
	past1=$(date -u -d '-400 days' +%Y%m%d%H%M%SZ)
	past2=$(date -u -d '-30 days' +%Y%m%d%H%M%SZ)
	fut1=$(date -u -d '+30 days' +%Y%m%d%H%M%SZ)
	fut2=$(date -u -d '+400 days' +%Y%m%d%H%M%SZ)
	san="IP:127.0.0.1,DNS:localhost,DNS:sip.test"
	_lab_ca_init "$d" ca "sphone lab CA" || return 1
	_lab_ca_init "$d" other-ca "sphone lab untrusted CA" || return 1
	# good certs start an hour back so small clock differences don't matter
	_lab_ca_issue "$d" ca server "$san" server "$(date -u -d '-1 hour' +%Y%m%d%H%M%SZ)" "$fut2" &&
	_lab_ca_issue "$d" ca wronghost "DNS:wrong.example" server "$now" "$fut2" &&
	_lab_ca_issue "$d" ca expired "$san" server "$past1" "$past2" &&
	_lab_ca_issue "$d" ca notyet "$san" server "$fut1" "$fut2" &&
	_lab_ca_issue "$d" other-ca unknownca "$san" server "$now" "$fut2" &&
	_lab_ca_issue "$d" ca client "URI:sip:alice@sip.test" client "$now" "$fut2" &&
	_lab_ca_issue "$d" ca wildcard "DNS:*.sip.test" server "$now" "$fut2" &&
	_lab_ca_issue "$d" ca sipuri "URI:sip:pbx.sip.test" server "$now" "$fut2" || return 1
	_lab_key "$d/selfsigned.key" &&
	openssl req -new -x509 -key "$d/selfsigned.key" -out "$d/selfsigned.pem" -days 400 -subj "/CN=sip.test" \
		-addext "subjectAltName=$san" -addext "basicConstraints=critical,CA:FALSE" \
		-addext "extendedKeyUsage=serverAuth" 2>>"$d/openssl.log" || return 1
	LAB_CA=$d
	export LAB_CA
}

# lab_issue_server_cert NAME SAN: one more good server certificate from the lab CA made by lab_make_ca
#   ($LAB_CA/NAME.pem and NAME.key, valid from an hour back), e.g. for a server on another address:
#   lab_issue_server_cert provider "IP:198.51.100.2,DNS:sip.test"
lab_issue_server_cert() {
	[ -n "${LAB_CA:-}" ] || { diag "lab_issue_server_cert: lab_make_ca first"; return 1; }
	_lab_ca_issue "$LAB_CA" ca "$1" "$2" server "$(date -u -d '-1 hour' +%Y%m%d%H%M%SZ)" \
		"$(date -u -d '+400 days' +%Y%m%d%H%M%SZ)"
}

_lab_key() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null && chmod 600 "$1"
}

# _lab_ca_init DIR NAME CN: self-signed CA NAME.pem/NAME.key and an "openssl ca" database for it.
# The CA's validity starts 500 days back, so that expired.pem is a cert the CA did issue in its time.
_lab_ca_init() {
	local d=$1 n=$2
	mkdir -p "$d/$n.db/certs" && : >"$d/$n.db/index.txt" && echo 1000 >"$d/$n.db/serial" || return 1
	cat >"$d/$n.cnf" <<EOF
[ca]
default_ca = lab
[lab]
dir = $d/$n.db
database = \$dir/index.txt
new_certs_dir = \$dir/certs
serial = \$dir/serial
certificate = $d/$n.pem
private_key = $d/$n.key
default_md = sha256
policy = lab_policy
unique_subject = no
copy_extensions = none
email_in_dn = no
[lab_policy]
commonName = supplied
[ext_server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = \$ENV::LAB_SAN
[ext_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ext_client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = \$ENV::LAB_SAN
EOF
	_lab_key "$d/$n.key" &&
	openssl req -new -key "$d/$n.key" -out "$d/$n.csr" -subj "/CN=$3" 2>>"$d/openssl.log" &&
	LAB_SAN=DNS:unused openssl ca -batch -notext -selfsign -config "$d/$n.cnf" -keyfile "$d/$n.key" \
		-extensions ext_ca -startdate "$(date -u -d '-500 days' +%Y%m%d%H%M%SZ)" \
		-enddate "$(date -u -d '+800 days' +%Y%m%d%H%M%SZ)" -in "$d/$n.csr" -out "$d/$n.pem" \
		>>"$d/openssl.log" 2>&1
}

# _lab_ca_issue DIR CA NAME SAN server|client NOTBEFORE NOTAFTER: NAME.pem/NAME.key signed by CA
_lab_ca_issue() {
	local d=$1 ca=$2 n=$3 cn
	cn=sip.test
	[ "$5" = client ] && cn=alice
	_lab_key "$d/$n.key" &&
	openssl req -new -key "$d/$n.key" -out "$d/$n.csr" -subj "/CN=$cn" 2>>"$d/openssl.log" &&
	LAB_SAN=$4 openssl ca -batch -notext -config "$d/$ca.cnf" -extensions "ext_$5" \
		-startdate "$6" -enddate "$7" -in "$d/$n.csr" -out "$d/$n.pem" >>"$d/openssl.log" 2>&1
}

# ---------------------------------------------------------------------------------------------
# Kamailio
#
# lab_start_kamailio [CERT KEY]: Kamailio as TLS registrar + record-routing proxy on KAM_IP (127.0.0.1;
#   in LAB_NETNS when that is set).
#   TLS (1.2+, no client cert requested) on KAM_TLS_PORT, plain TCP on KAM_TCP_PORT and UDP on
#   KAM_UDP_PORT (for negative tests and tools like sipp). Default cert: $LAB_CA/server.pem (makes the
#   CA in $WORK/ca first if LAB_CA is unset). Users from LAB_USERS, digest realm LAB_DOMAIN; REGISTER
#   gets 401, INVITE etc. 407, a wrong password 403. One contact per user; a phone is reached over the
#   connection it registered on. Runs in the foreground (-DD -E), backgrounded here, log in KAM_LOG
#   (see lab_kam_count), decrypted SIP (sipdump) in KAM_DIR/sipdump. Waits until all ports listen.
#   Settings read at start: KAM_MIN_EXPIRES (default 10), KAM_MAX_EXPIRES (default 3600: a longer Expires
#   is granted only this long), KAM_NONCE_EXPIRE (seconds, default 300),
#   KAM_QOP (auth (default), auth-int, or empty for an RFC 2069-style challenge without qop),
#   KAM_AUTH_ALGORITHM (MD5 (default) or SHA-256; Kamailio 5.6 has no SHA-512-256, baresip 1.0 only
#   does MD5), KAM_TLS_METHOD (TLSv1.2+ (default) or TLSv1.2 for 1.2 only; Kamailio 5.6 has no
#   1.3-only method),
#   KAM_REQUIRE_CLIENT_CERT=1 (the server demands a client certificate from $LAB_CA: client.pem).
#   KAM_OUTBOUND=1 (RFC 5626: the outbound and path modules, the registrar's outbound_mode 1: a REGISTER
#   with "Supported: outbound" gets "Require: outbound"; KAM_FLOW_TIMER > 0 adds that Flow-Timer).
#   Exports KAM_PID KAM_TLS_PORT KAM_TCP_PORT KAM_UDP_PORT KAM_LOG KAM_DIR KAM_CERT KAM_KEY.
#   Returns 1 (with the log's tail as TAP diagnostics) if Kamailio does not come up within 10 s.
lab_start_kamailio() {
	local mpath users u i flags verify
	if [ $# -ge 2 ]; then
		KAM_CERT=$1 KAM_KEY=$2
	elif [ -z "${KAM_CERT:-}" ]; then
		[ -n "${LAB_CA:-}" ] || lab_make_ca "$WORK/ca" || return 1
		KAM_CERT=$LAB_CA/server.pem KAM_KEY=$LAB_CA/server.key
	fi
	mpath=$(_lab_kam_mpath)
	KAM_DIR=$WORK/kamailio
	mkdir -p "$KAM_DIR/run" "$KAM_DIR/sipdump" || return 1
	KAM_LOG=$KAM_DIR/kamailio.log
	# ports are kept across lab_restart_kamailio
	[ -n "${KAM_TLS_PORT:-}" ] || KAM_TLS_PORT=$(free_port)
	[ -n "${KAM_TCP_PORT:-}" ] || KAM_TCP_PORT=$(free_port)
	[ -n "${KAM_UDP_PORT:-}" ] || KAM_UDP_PORT=$(free_port)
	if [ "${KAM_REQUIRE_CLIENT_CERT:-0}" = 1 ]; then
		verify="verify_certificate = yes
require_certificate = yes
ca_list = ${LAB_CA:-$(dirname "$KAM_CERT")}/ca.pem"
	else
		verify="verify_certificate = no
require_certificate = no"
	fi
	cat >"$KAM_DIR/tls.cfg" <<EOF
[server:default]
method = ${KAM_TLS_METHOD:-TLSv1.2+}
$verify
certificate = $KAM_CERT
private_key = $KAM_KEY

[client:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
EOF
	# challenge flags of the auth module: 1 = offer qop=auth, 2 = qop=auth-int
	case ${KAM_QOP-auth} in
	auth) flags=1 ;;
	auth-int) flags=2 ;;
	"") flags=0 ;;
	*) diag "lab_start_kamailio: KAM_QOP=$KAM_QOP?"; return 1 ;;
	esac
	users=""
	for u in $LAB_USERS; do
		users="$users	\$sht(users=>${u%%:*}) = \"${u#*:}\";\\n"
	done
	sed -e "s|@TLS_PORT@|$KAM_TLS_PORT|g" -e "s|@TCP_PORT@|$KAM_TCP_PORT|g" \
		-e "s|@UDP_PORT@|$KAM_UDP_PORT|g" -e "s|@MPATH@|$mpath|g" \
		-e "s|@TLS_CFG@|$KAM_DIR/tls.cfg|g" -e "s|@IP@|$KAM_IP|g" -e "s|@SIPDUMP_DIR@|$KAM_DIR/sipdump|g" \
		-e "s|@REALM@|$LAB_DOMAIN|g" -e "s|@AUTH_FLAGS@|$flags|g" \
		-e "s|@MIN_EXPIRES@|${KAM_MIN_EXPIRES:-10}|g" -e "s|@NONCE_EXPIRE@|${KAM_NONCE_EXPIRE:-300}|g" \
		-e "s|@ALGORITHM@|${KAM_AUTH_ALGORITHM:-MD5}|g" -e "s|@FLOW_TIMER@|${KAM_FLOW_TIMER:-0}|g" \
		-e "s|@MAX_EXPIRES@|${KAM_MAX_EXPIRES:-3600}|g" \
		-e "s|^@USERS@\$|$users|" \
		"$LAB_SRC/kamailio.cfg" >"$KAM_DIR/kamailio.cfg" || return 1
	echo "=== lab_start_kamailio $(date -u +%H:%M:%S.%N)" >>"$KAM_LOG"
	$(_lab_nsexec) kamailio -f "$KAM_DIR/kamailio.cfg" $([ "${KAM_OUTBOUND:-0}" = 1 ] && echo -A WITH_OUTBOUND) -DD -E -m 32 -M 8 -Y "$KAM_DIR/run" -w "$KAM_DIR" \
		</dev/null >>"$KAM_LOG" 2>&1 &
	KAM_PID=$!
	track_pid "$KAM_PID"
	export KAM_PID KAM_TLS_PORT KAM_TCP_PORT KAM_UDP_PORT KAM_LOG KAM_DIR KAM_CERT KAM_KEY
	i=0
	while [ $i -lt 100 ]; do
		if ! lab_pid_alive "$KAM_PID"; then
			break
		fi
		if lab_port_listening "$KAM_TLS_PORT" tcp "$KAM_PID" && lab_port_listening "$KAM_TCP_PORT" tcp "$KAM_PID" &&
			lab_port_listening "$KAM_UDP_PORT" udp "$KAM_PID"; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	diag "kamailio did not start; last log lines:"
	tail -n 15 "$KAM_LOG" | sed 's/^/#   /'
	lab_stop_kamailio
	return 1
}

# lab_stop_kamailio: stop the lab's Kamailio (by PID) and wait for it; the log stays.
lab_stop_kamailio() {
	[ -n "${KAM_PID:-}" ] || return 0
	lab_stop_pid "$KAM_PID"
	echo "=== lab_stop_kamailio $(date -u +%H:%M:%S.%N)" >>"$KAM_LOG"
	KAM_PID=""
}

# lab_restart_kamailio: stop and start again with the same ports and certificate. Registrations are
# lost (memory only) and every TLS connection drops, as after a real server restart.
lab_restart_kamailio() {
	lab_stop_kamailio
	lab_start_kamailio "$KAM_CERT" "$KAM_KEY"
}

# lab_kam_count METHOD [USER]: how many METHOD requests (from USER, or To-user for REGISTER) reached
# Kamailio so far, retransmissions included.
lab_kam_count() {
	if [ -n "${2:-}" ]; then
		grep -c "LAB REQ method=$1 user=$2 " "$KAM_LOG"
	else
		grep -c "LAB REQ method=$1 " "$KAM_LOG"
	fi
}

# lab_kam_replies METHOD CODE [USER]: how many CODE replies Kamailio itself sent to METHOD requests
# (401/407 challenges, 403 wrong password, 200 for REGISTER, 404 unknown callee).
lab_kam_replies() {
	if [ -n "${3:-}" ]; then
		grep -c "LAB REPLY method=$1 user=$3 code=$2\\b" "$KAM_LOG"
	else
		grep -c "LAB REPLY method=$1 user=[^ ]* code=$2\\b" "$KAM_LOG"
	fi
}

# lab_kam_reply_codes METHOD [USER]: the reply codes Kamailio sent to METHOD, in order, one line
lab_kam_reply_codes() {
	echo $(grep "LAB REPLY method=$1 user=${2:-[^ ]*} code=" "$KAM_LOG" | sed 's/.* code=\([0-9]*\).*/\1/')
}

_lab_kam_mpath() {
	for _d in /usr/lib/*/kamailio/modules /usr/lib/kamailio/modules /usr/lib64/kamailio/modules; do
		[ -f "$_d/tls.so" ] && { echo "$_d"; return 0; }
	done
	return 1
}

# ---------------------------------------------------------------------------------------------
# baresip peers
#
# lab_start_baresip NAME USER PASS [key=value...]: a baresip 1.0 phone registered to the lab's Kamailio
# over TLS (it does not verify the server certificate). Options:
#   srtp=mand|off     mediaenc=srtp-mand (default) or no media encryption at all (negative tests)
#   answer=auto|manual  answermode (default auto: incoming calls are answered at once)
#   wav=FILE          8 kHz mono S16 WAV sent as the microphone (aufile; default: lab_make_wav's
#                     signal, $WORK/lab-signal.wav, 30 s); should be longer than the call
#   domain=D          the AOR's domain (default $LAB_DOMAIN); the REGISTER always goes to
#                     $KAM_IP:$KAM_TLS_PORT over TLS (outbound proxy)
#   ip=A.B.C.D        the address baresip listens and sends media on (default 127.0.0.1; in the
#                     NAT lab an address of LAB_NETNS, where baresip then runs)
#   regint=S          registration interval asked for (default 600)
#   wait=yes|no       wait (up to 10 s) for the registration to succeed (default yes); with wait=no the
#                     caller checks lab_baresip_registered / the Kamailio log itself
# Received audio is recorded by sndfile as $BS_<NAME>_REC/dump-*-dec.wav (what was sent: *-enc.wav);
# the speaker is an aubridge device nobody reads (a quiet sink that doesn't spin a core).
# Exports BS_<NAME>_PID, BS_<NAME>_CTRL (ctrl_tcp port), BS_<NAME>_SIP (UDP/TCP port; TLS is +1),
# BS_<NAME>_REC (record dir), BS_<NAME>_LOG (stdout+stderr), BS_<NAME>_AOR, BS_<NAME>_DIR (config dir).
# NAME: letters, digits, _.
# Returns 1 when baresip exits early or (with wait=yes) does not register.
lab_start_baresip() {
	local name=$1 dir log wait pid
	lab_baresip_config "$@" || return 1
	eval "dir=\$BS_${name}_DIR log=\$BS_${name}_LOG wait=\$BS_${name}_WAIT"
	echo "=== lab_start_baresip $(date -u +%H:%M:%S.%N)" >>"$log"
	$(_lab_nsexec) baresip -4 -f "$dir" </dev/null >>"$log" 2>&1 &
	pid=$!
	track_pid "$pid"
	eval "BS_${name}_PID=$pid"
	export "BS_${name}_PID"
	[ "$wait" = yes ] || return 0
	WAIT_SECS=20 wait_for _lab_bs_up "$pid" "$log"
	if ! lab_pid_alive "$pid" || ! lab_baresip_registered_log "$log"; then
		diag "baresip $name did not register; last log lines:"
		tail -n 12 "$log" | sed 's/^/#   /'
		return 1
	fi
	return 0
}

# lab_baresip_config NAME USER PASS [key=value...]: only write baresip NAME's config directory
# ($BS_<NAME>_DIR; start it with "baresip -4 -f $BS_<NAME>_DIR") and export the BS_<NAME>_* variables
# except _PID. Same options as lab_start_baresip. For callers that run baresip themselves (benchmarks).
lab_baresip_config() {
	local name=$1 user=$2 pass=$3 srtp=mand answer=auto wav="" domain=$LAB_DOMAIN regint=600 wait=yes
	local ip=127.0.0.1
	local dir sip ctrl mediaenc aor opt
	shift 3
	for opt in "$@"; do
		case $opt in
		srtp=*) srtp=${opt#srtp=} ;;
		answer=*) answer=${opt#answer=} ;;
		wav=*) wav=${opt#wav=} ;;
		domain=*) domain=${opt#domain=} ;;
		regint=*) regint=${opt#regint=} ;;
		wait=*) wait=${opt#wait=} ;;
		ip=*) ip=${opt#ip=} ;;
		*) diag "lab_baresip_config: unknown option $opt"; return 1 ;;
		esac
	done
	[ -n "${KAM_TLS_PORT:-}" ] || { diag "lab_baresip_config: start Kamailio first"; return 1; }
	if [ -z "$wav" ]; then
		wav=$WORK/lab-signal.wav
		[ -f "$wav" ] || lab_make_wav "$wav" 30 || return 1
	fi
	case $srtp in
	mand) mediaenc=";mediaenc=srtp-mand" ;;
	off) mediaenc="" ;;
	*) diag "lab_baresip_config: srtp=$srtp?"; return 1 ;;
	esac
	dir=$WORK/baresip-$name
	mkdir -p "$dir/rec" || return 1
	# baresip listens on sip and sip+1 (TLS); ctrl_tcp on ctrl
	sip=$(free_port 2) && ctrl=$(free_port) || return 1
	aor="sip:$user@$domain"
	{
		echo "# generated by lab_start_baresip ($name)"
		echo "poll_method		epoll"
		echo "sip_listen		$ip:$sip"
		echo "call_local_timeout	120"
		echo "call_max_calls		4"
		echo "audio_player		aubridge,lab-sink-$name"
		echo "audio_source		aufile,$wav"
		echo "audio_alert		aubridge,lab-sink-$name"
		echo "audio_level		no"
		echo "audio_buffer		20-160"
		echo "rtcp_mux		no"
		echo "jitter_buffer_delay	5-10"
		echo "rtp_stats		no"
		echo "net_interface		$ip"
		echo "module_path		/usr/lib/baresip/modules"
		echo "module			g711.so"
		echo "module			aufile.so"
		echo "module			aubridge.so"
		echo "module			sndfile.so"
		echo "module			srtp.so"
		echo "module_tmp		uuid.so"
		echo "module_tmp		account.so"
		echo "module_app		menu.so"
		echo "module_app		ctrl_tcp.so"
		echo "ctrl_tcp_listen		127.0.0.1:$ctrl"
		echo "snd_path		$dir/rec"
	} >"$dir/config"
	printf '<%s;transport=tls>;auth_pass=%s;outbound="sip:%s:%s;transport=tls";answermode=%s;regint=%s;audio_codecs=pcmu%s\n' \
		"$aor" "$pass" "$KAM_IP" "$KAM_TLS_PORT" "$answer" "$regint" "$mediaenc" >"$dir/accounts"
	: >"$dir/contacts"
	eval "BS_${name}_DIR=\$dir BS_${name}_CTRL=$ctrl BS_${name}_SIP=$sip BS_${name}_REC=\$dir/rec"
	eval "BS_${name}_LOG=\$dir/baresip.log BS_${name}_AOR=\$aor BS_${name}_WAIT=$wait"
	export "BS_${name}_DIR" "BS_${name}_CTRL" "BS_${name}_SIP" "BS_${name}_REC" "BS_${name}_LOG" "BS_${name}_AOR"
}

_lab_bs_up() {
	lab_pid_alive "$1" || return 0 # let the caller see the dead process
	lab_baresip_registered_log "$2"
}

# lab_baresip_registered NAME: true once baresip NAME logged a successful (200 OK) registration
lab_baresip_registered() {
	eval "lab_baresip_registered_log \"\$BS_${1}_LOG\""
}
lab_baresip_registered_log() {
	grep -q '200 OK.*binding' "$1"
}

# lab_stop_baresip NAME: stop baresip NAME by PID (SIGTERM: it unregisters and closes recordings)
lab_stop_baresip() {
	local pid
	eval "pid=\${BS_${1}_PID:-}"
	[ -n "$pid" ] || return 0
	lab_stop_pid "$pid"
	eval "BS_${1}_PID="
}

# baresip_cmd PORT 'COMMAND [PARAMS]': send one ctrl_tcp command (netstring JSON) to the baresip
# listening on 127.0.0.1:PORT (of LAB_NETNS, when set) and print its response's data text; exit status 0 when baresip answered
# ok. Examples: 'dial sip:bob@sip.test', 'hangup', 'accept', 'sndcode 5' (sends DTMF digit 5 as an
# RFC 4733 event; one digit per command), 'reginfo', 'callstat', 'help'.
baresip_cmd() {
	$(_lab_nsexec) "$PYTHON" "$LAB_SRC/labtool.py" ctrl "$1" "$2"
}

# lab_baresip_dtmf_received NAME: the DTMF digits baresip NAME has received (RFC 4733 events, one per
# completed digit) in order, e.g. "4#"
lab_baresip_dtmf_received() {
	local log
	eval "log=\$BS_${1}_LOG"
	grep -a -o "received event: '.' (end=1)" "$log" | sed "s/.*'\(.\)'.*/\1/" | tr -d '\n'
	echo
}

# lab_make_wav FILE [SECONDS]: 8 kHz mono S16 test signal (default 10 s) that never repeats, so
# cross-correlation finds one unambiguous alignment: pseudo-random tones and sweeps of 120-280 ms in
# 300-3400 Hz, about -8 dBFS, the same bytes every time (labtool.py makewav).
lab_make_wav() {
	"$PYTHON" "$LAB_SRC/labtool.py" makewav "$1" "${2:-10}" && [ -s "$1" ]
}

# ---------------------------------------------------------------------------------------------
# Wire capture and checks (dumpcap/tshark on lo)
#
# lab_capture_start NAME [BPF-FILTER [IFACE [NETNS]]]: capture on lo (or IFACE, inside network namespace
#   NETNS when given) into $WORK/NAME.pcap (classic pcap, -P) with the filter (default: "tcp port
#   $KAM_TLS_PORT or udp"); waits until dumpcap captures. Exports LAB_PCAP (the file) and LAB_CAP_PID.
#   One capture at a time per test.
lab_capture_start() {
	local filter=${2:-"tcp port ${KAM_TLS_PORT:-5061} or udp"}
	LAB_PCAP=$WORK/$1.pcap
	${4:+ip netns exec "$4"} dumpcap -q -i "${3:-lo}" -P -f "$filter" -w "$LAB_PCAP" </dev/null >/dev/null \
		2>"$WORK/$1.dumpcap.log" &
	LAB_CAP_PID=$!
	track_pid "$LAB_CAP_PID"
	export LAB_PCAP LAB_CAP_PID
	WAIT_SECS=20 wait_for grep -qs "Capturing on" "$WORK/$1.dumpcap.log" || {
		diag "dumpcap did not start: $(cat "$WORK/$1.dumpcap.log")"
		lab_capture_stop
		return 1
	}
}

# lab_capture_stop: let the last packets in (0.3 s), stop dumpcap (it flushes on SIGTERM)
lab_capture_stop() {
	[ -n "${LAB_CAP_PID:-}" ] || return 0
	sleep 0.3
	lab_stop_pid "$LAB_CAP_PID"
	LAB_CAP_PID=""
}

# wire_has_plain_sip FILE PORT: true (0) when any readable SIP text (a request line, a status line,
#   Via/Call-ID/CSeq headers) crossed TCP port PORT in capture FILE. On a TLS port this must be false.
wire_has_plain_sip() {
	"$PYTHON" "$LAB_SRC/labtool.py" tcp-payload "$1" "$2" |
		LC_ALL=C grep -a -E '(SIP/2\.0|^(REGISTER|INVITE|ACK|BYE|OPTIONS|CANCEL) sip:|^(Via|Call-ID|CSeq):)' >/dev/null
}

# wire_tls_records FILE PORT: number of TLS records tshark decodes on TCP port PORT (0 = no TLS seen;
#   a check for "no plain SIP" should also check this is > 0, so an empty capture can't pass)
wire_tls_records() {
	# TLS 1.3 records after the handshake carry an opaque type instead of a content type
	tshark -r "$1" -d "tcp.port==$2,tls" -Y "tcp.port==$2 && tls.record" -T fields -e tls.record.content_type \
		-e tls.record.opaque_type 2>/dev/null | tr ',\t' '\n\n' | grep -c .
}

# wire_tshark_sip FILE PORT: number of packets tshark dissects as SIP when told that TCP port PORT
#   carries SIP in the clear (0 for an encrypted port: the same question as wire_has_plain_sip, asked of
#   an independent dissector)
wire_tshark_sip() {
	# (raw TLS bytes dissected as SIP only give "Continuation" lines: count request/status lines)
	tshark -r "$1" -d "tcp.port==$2,sip" -Y "tcp.port==$2 && (sip.Request-Line || sip.Status-Line)" \
		2>/dev/null | grep -c .
}

# rtp_payload_entropy FILE PORTS [OUT.wav]: Shannon entropy (bits/byte) of the RTP payloads to or from
#   the UDP PORTS (comma-separated) in capture FILE; about 8.0 for SRTP, well below 7.5 for plain G.711.
#   With OUT.wav, the first stream's payloads decoded as PCMU (compare with wavcmp.py: for SRTP
#   it must NOT match what was sent). Prints the number only; returns 1 if no RTP was found.
rtp_payload_entropy() {
	local out
	if [ -n "${3:-}" ]; then
		out=$("$PYTHON" "$LAB_SRC/labtool.py" rtp "$1" "$2" --wav "$3") || return 1
	else
		out=$("$PYTHON" "$LAB_SRC/labtool.py" rtp "$1" "$2") || return 1
	fi
	echo "$out" | sed 's/.*entropy=\([0-9.]*\).*/\1/'
}

# rtp_common_size FILE PORTS: the most frequent RTP payload size (bytes after the RTP header) to or
#   from PORTS; for 20 ms PCMU: 160 plain, 170 with SRTP AES_CM_128_HMAC_SHA1_80, 164 with _32.
rtp_common_size() {
	"$PYTHON" "$LAB_SRC/labtool.py" rtp "$1" "$2" | sed 's/.*common_size=\([0-9]*\).*/\1/'
}

# rtcp_plaintext_count FILE PORTS: how many RTCP datagrams to or from PORTS (comma-separated; RTCP is
#   usually on the RTP port + 1: include both) are plaintext RTCP. On an SRTP session it must be 0.
#   (baresip 1.0 leaks some: see PEERS.md.) Prints "N M": all RTCP datagrams, plaintext ones.
rtcp_plaintext_count() {
	"$PYTHON" "$LAB_SRC/labtool.py" rtcp "$1" "$2" | sed 's/rtcp=\([0-9]*\) plaintext=\([0-9]*\)/\1 \2/'
}

# lab_rtcp_ports PORTS: PORTS plus each port + 1 (comma-separated), for RTCP without rtcp-mux
lab_rtcp_ports() {
	echo "$1" | tr ',' '\n' | awk 'NF { printf "%s%d,%d", (n++ ? "," : ""), $1, $1 + 1 } END { print "" }'
}

# lab_kam_media_ports [CALLID]: the m=audio ports of the SDP bodies Kamailio saw (decrypted, from
#   sipdump), comma-separated; with CALLID only that call's. The RTP to look at in a capture.
lab_kam_media_ports() {
	cat "$KAM_DIR"/sipdump/*.data 2>/dev/null | "$PYTHON" -c '
import sys
want = sys.argv[1] if len(sys.argv) > 1 else ""
ports = []
for msg in sys.stdin.read().split("===================="):
    if want and ("Call-ID: " + want) not in msg and ("i: " + want) not in msg:
        continue
    for line in msg.splitlines():
        if line.startswith("m=audio "):
            p = line.split()[1]
            if p not in ports:
                ports.append(p)
print(",".join(ports))
' ${1:+"$1"}
}

# lab_float_ge A B: true when decimal A >= B
lab_float_ge() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'
}

# ---------------------------------------------------------------------------------------------
# sphone against the lab
#
# lab_sphone_conf FILE NAME USER [key=value...]: append an "[account NAME]" section for lab user USER
#   to sphone config FILE (key names as src/account.c reads them):
#     uri = sip:USER@$LAB_DOMAIN, username = USER, password = $LAB_PW_<USER>,
#     proxy = $KAM_IP:$KAM_TLS_PORT, transport = tls, ca_file = $LAB_CA/ca.pem
#   Each key=value word replaces the default of that key or adds a key, e.g. password=wrong,
#   ca_file=$WORK/other.pem, media_encryption=none, tls_min_version=1.3; key= (empty) drops the key.
lab_sphone_conf() {
	local file=$1 name=$2 user=$3 pw kv k v line
	shift 3
	eval "pw=\${LAB_PW_${user}:-}"
	{
		echo ""
		echo "[account $name]"
		for line in "uri=sip:$user@$LAB_DOMAIN" "username=$user" "password=$pw" \
			"proxy=$KAM_IP:${KAM_TLS_PORT:-5061}" "transport=tls" "ca_file=${LAB_CA:-$WORK/ca}/ca.pem"; do
			k=${line%%=*} v=${line#*=}
			for kv in "$@"; do
				[ "${kv%%=*}" = "$k" ] && v=${kv#*=}
			done
			[ -n "$v" ] && echo "$k = $v"
		done
		for kv in "$@"; do
			case ${kv%%=*} in
			uri | username | password | proxy | transport | ca_file) ;;
			*) [ -n "${kv#*=}" ] && echo "${kv%%=*} = ${kv#*=}" ;;
			esac
		done
	} >>"$file"
	chmod 600 "$file" # sphone refuses a config others may write to, whatever the umask
}
