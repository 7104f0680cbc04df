#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# tls_matrix.sh: sphone --headless against TLS servers it must refuse, each with its own message: expired,
# not yet valid, wrong host, unknown CA, self-signed, TLS 1.0/1.1 only, pin mismatch, client certificate
# required but absent, a wildcard-only certificate for a SIP domain (tests/interop/tls_matrix.py;
# certificates from lab_make_ca). No REGISTER may reach any of them; the good certificate registers
# (control), and so does a certificate whose only name is a SAN URI sip:pbx.sip.test (RFC 5922). The two
# name cases reach the server as pbx.sip.test through a dnsmasq on 127.0.0.1 (skipped without dnsmasq).
# Needs python3 and openssl, no real peer.
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
command -v openssl >/dev/null 2>&1 || skip_all "openssl not installed"
SPHONE=${SPHONE:-$top_builddir/sphone}
[ -x "$SPHONE" ] || skip_all "$SPHONE not built"
lab_make_ca "$WORK/ca" || { echo "Bail out! cannot make the CA"; exit 1; }
DNSMASQ=$(command -v dnsmasq || ls /usr/sbin/dnsmasq 2>/dev/null)
if [ -n "$DNSMASQ" ]; then
	DNS_PORT=$(free_port)
	"$DNSMASQ" --no-daemon --port="$DNS_PORT" --listen-address=127.0.0.1 --bind-interfaces --no-resolv \
		--no-hosts --conf-file=/dev/null --pid-file= --log-queries --log-facility=- \
		--host-record=pbx.sip.test,127.0.0.1 >"$WORK/dnsmasq.log" 2>&1 &
	track_pid $!
	WAIT_SECS=20 wait_for lab_port_listening "$DNS_PORT" udp && SPHONE_DNS_SERVER=127.0.0.1:$DNS_PORT &&
		export SPHONE_DNS_SERVER
fi
python3 "$top_srcdir/tests/interop/tls_matrix.py" "$SPHONE" "$WORK" "$LAB_CA"
rc=$?
if [ $rc -ne 0 ]; then
	for f in "$WORK"/*.log; do diag "$f (tail):"; tail -n 6 "$f" | sed 's/^/#   /'; done
fi
exit $rc
