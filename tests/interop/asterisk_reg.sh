#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# asterisk_reg.sh: sphone registers to a real Asterisk (PJSIP) configured from doc/asterisk/pjsip.conf: TLS 1.2
# with digest, the contact Asterisk keeps and qualifies over the same TLS connection (OPTIONS answered with a
# To tag), keep-alive pings Asterisk never answers do not drop the connection, a wrong password and a
# TLS-1.3-only phone are refused with a clear reason, and quitting removes the contact.
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/call_lib.sh"
. "$top_srcdir/tests/interop/asterisk_lib.sh"
ast_require

# 1001's contact is qualified every 4 s, so that a few rounds fit in the test; 1003 keeps the reference 60 s
ast_start --add "1001:aor.qualify_frequency=4" || { echo "Bail out! asterisk did not start"; exit 1; }
diag "$(ast_cmd 'core show version' | head -n 1) on 127.0.0.1:$AST_TLS_PORT"

# --- the account a README reader writes
ast_sphone_conf "$WORK/a.conf" 1001
cs_start a 7 "$WORK/a.conf" --sip-trace
cs_wait a registered 15; ok $? "sphone 1001 registered to Asterisk"
[ "$(cs_field a registered tls_version)" = TLSv1.2 ] && [ "$(cs_field a registered verified)" = true ]
ok $? "over TLS 1.2 (Asterisk's method=tlsv1_2), server certificate verified ($(cs_field a registered tls_version), $(cs_field a registered cipher))"
grep -q 'WWW-Authenticate: Digest realm="sip.test"' "$AST_LOG" && grep -q '^Authorization: Digest username="1001"' "$AST_LOG"
ok $? "digest: Asterisk challenged (401, realm sip.test) and sphone answered with its credentials"
ast_contact_ok 1001; ok $? "Asterisk lists the contact: $(ast_cmd 'pjsip show contacts' | grep -E 'Contact: +1001/' | tr -s ' ')"
# ";ob": sphone asks for RFC 5626 outbound; Asterisk has none and keeps the parameter in the contact
grep -Eq "Added contact 'sips:1001@127.0.0.1:[0-9]*;transport=TLS(;ob)?' to AOR '1001'" "$AST_LOG"
ok $? "a sips: contact on the TLS connection sphone opened (rewrite_contact)"
[ "$(ast_sip rx '^REGISTER ' --count)" -ge 2 ] &&
	[ "$(ast_sip rx '^REGISTER ' --grep '^Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, NOTIFY\r?$' --count)" = "$(ast_sip rx '^REGISTER ' --count)" ]
ok $? "REGISTER's Allow lists UPDATE and INFO as sphone's dialogs do ($(ast_sip rx '^REGISTER ' | grep '^Allow:' | head -n 1))"

# qualify: Asterisk's out-of-dialog OPTIONS over the registration's TLS connection, answered 200 with a tag
WAIT_SECS=20 wait_for sh -c "[ \$(grep -c -a '^OPTIONS sips:1001@' '$AST_LOG') -ge 3 ]"
ok $? "Asterisk qualified the contact $(grep -c -a '^OPTIONS sips:1001@' "$AST_LOG") times (qualify_frequency 4 s)"
# one read of the log for both counts: Asterisk qualifies every 4 s, and a second read could see one more
ast_sip rx '^SIP/2.0 ' --grep '^CSeq: [0-9]+ OPTIONS' >"$WORK/options.txt"
n=$(grep -c '^----$' "$WORK/options.txt")
good=$(awk '/^----$/ { if (ok && tag) g++; first = 1; ok = 0; tag = 0; next }
	first { ok = /^SIP\/2.0 200 /; first = 0 } /^To: .*;tag=/ { tag = 1 } END { print g + 0 }' first=1 "$WORK/options.txt")
[ "$n" -ge 3 ] && [ "$good" = "$n" ]
ok $? "every qualify OPTIONS ($n) answered 200 with a To tag (RFC 3261 8.2.6.2)"
! grep -q "Contact 1001/.* is now Unreachable" "$AST_LOG"; ok $? "the contact never became Unreachable"

# keep-alive: a phone (1003, qualified only every 60 s) pings its idle connection every 5 s; pjproject
# answers no pong, and the connection (the way Asterisk reaches the phone) must stay
ast_sphone_conf "$WORK/k.conf" 1003 keepalive_interval=5
cs_start k 6 "$WORK/k.conf"
cs_wait k registered 15; ok $? "sphone 1003 registered (keepalive_interval 5)"
sleep 22
[ "$(cs_count k registered)" = 1 ] && ! grep -q "connection lost" "$WORK/k.log"
ok $? "22 s of unanswered CRLF pings later: still the first registration, no 'connection lost' ($(cs_count k registered) registered events)"
grep -q "does not answer keep-alive pings" "$WORK/k.log"; ok $? "sphone did ping and noticed no pong comes (log)"
ast_contact_ok 1003; ok $? "Asterisk still has 1003's contact"
cs_quit k

# --- a wrong password: refused, with a reason a user understands
ast_sphone_conf "$WORK/bad.conf" 1002 'password="not-the-password"'
cs_start bad 8 "$WORK/bad.conf"
cs_wait bad registration_failed 15; ok $? "wrong password: registration_failed"
cs_field bad registration_failed reason | grep -q -i "password"; ok $? "... reason: $(cs_field bad registration_failed reason)"
! ast_contact_ok 1002; ok $? "... and Asterisk has no contact for 1002"
cs_quit bad

# --- a phone that insists on TLS 1.3: Asterisk's tlsv1_2 transport cannot serve it
ast_sphone_conf "$WORK/t13.conf" 1002 tls_min_version=1.3
cs_start t13 9 "$WORK/t13.conf"
cs_wait t13 registration_failed 15; ok $? "tls_min_version 1.3 against method=tlsv1_2: registration_failed"
cs_field t13 registration_failed reason | grep -q -i -E "tls|protocol|version"
ok $? "... reason: $(cs_field t13 registration_failed reason)"
cs_quit t13

# --- quitting unregisters
cs_quit a
[ "$CS_RC" = 0 ]; ok $? "sphone exits cleanly"
WAIT_SECS=20 wait_for grep -q "Removed contact 'sips:1001@.*' from AOR '1001' due to request" "$AST_LOG"
ok $? "Asterisk removed the contact at sphone's unregistration"
[ "$TAP_FAILED" = 0 ] || { cs_diag a; ast_diag; }
ast_stop
done_testing
