# SPDX-License-Identifier: GPL-3.0-or-later
# tests/tools/local.mk: call-level hostile peer, call loop and secrets-during-calls tests (helper "hostile",
# issue 7). Scripted peers in python3 (stdlib + cryptography for SRTP) over TLS with the lab CA.
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
# ZRTP: the media half of a man in the middle (two engines, SRTP re-keyed leg to leg) for zrtp_mitm.sh (issue 15)
check_PROGRAMS += tests/tools/zrtp_mitm
tests_tools_zrtp_mitm_SOURCES = tests/tools/zrtp_mitm.c
tests_tools_zrtp_mitm_CFLAGS = $(AM_CFLAGS) $(SRTP_CFLAGS)
tests_tools_zrtp_mitm_LDADD = audio/libsphone_audio.a $(AUDIO_LIBS)
