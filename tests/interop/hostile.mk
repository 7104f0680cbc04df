# SPDX-License-Identifier: GPL-3.0-or-later
# tests/interop/hostile.mk: sphone against hostile and scripted peers, and no secret in what it writes: scripted
# peers in python3 (stdlib + cryptography for SRTP) over TLS with the lab CA (hostile_peer.py), and the lab Kamailio.
TESTS += tests/interop/hostile_sip.sh
EXTRA_DIST += tests/interop/hostile_sip.sh tests/interop/hostile_sip.py
TESTS += tests/interop/secrets.sh
EXTRA_DIST += tests/interop/secrets.sh
TESTS += tests/interop/hostile_call.sh
EXTRA_DIST += tests/interop/hostile_call.sh tests/interop/hostile_call.py tests/interop/hostile_peer.py
TESTS += tests/interop/secrets_call.sh
EXTRA_DIST += tests/interop/secrets_call.sh tests/interop/secrets_call.py
TESTS += tests/interop/calls_loop.sh
EXTRA_DIST += tests/interop/calls_loop.sh tests/interop/calls_loop.py
TESTS += tests/interop/tls_matrix.sh
EXTRA_DIST += tests/interop/tls_matrix.sh tests/interop/tls_matrix.py
TESTS += tests/interop/late_offer_call.sh
EXTRA_DIST += tests/interop/late_offer_call.sh tests/interop/late_offer_call.py
# what sphone writes on the wire (Allow/Supported, To tags, sips: Contact, Reason/Warning shown): issue 14
TESTS += tests/interop/sip_rules.sh
EXTRA_DIST += tests/interop/sip_rules.sh tests/interop/sip_rules.py
# a call's requests only over its own connection; once SRTP, always SRTP: issue 12
TESTS += tests/interop/dialog_guard.sh
EXTRA_DIST += tests/interop/dialog_guard.sh tests/interop/dialog_guard.py
# a peer re-keying one call across sequence wraps: no SRTP/SRTCP index twice under one key (issue 12.1)
TESTS += tests/interop/rekey_call.sh
EXTRA_DIST += tests/interop/rekey_call.sh tests/interop/rekey_call.py
