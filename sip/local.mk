# SPDX-License-Identifier: GPL-3.0-or-later
# sip/: the SIP stack (RFC 3261 and friends): URIs, messages and their framing on streams, TLS (tls.c, the only OpenSSL TLS user) and
# RFC 3263 DNS (dns.c), transports, transactions, dialogs, digest authentication; with their tests.
# Knows nothing of accounts, calls or media: it sees only sip/ and base/.
noinst_LIBRARIES += sip/libsphone_sip.a
sip_libsphone_sip_a_CPPFLAGS = -D_GNU_SOURCE -I$(top_srcdir)/sip -I$(top_srcdir)/base -I$(top_builddir)
sip_libsphone_sip_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
sip_libsphone_sip_a_SOURCES = sip/sip_uri.c sip/sip_uri.h sip/sip_msg.c sip/sip_msg.h sip/sip_hdr.c sip/sip_lex.h sip/sip_caps.h \
	sip/sip_stream.c sip/sip_stream.h

check_PROGRAMS += tests/unit/test_sip_uri tests/unit/test_sip_msg tests/unit/test_sip_stream tests/unit/test_sip_msg_torture
tests_unit_test_sip_uri_SOURCES = tests/unit/test_sip_uri.c
tests_unit_test_sip_uri_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_sip_uri_LDADD = $(TEST_LIBS)
tests_unit_test_sip_msg_SOURCES = tests/unit/test_sip_msg.c tests/unit/sip_examples.h
tests_unit_test_sip_msg_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_sip_msg_LDADD = $(TEST_LIBS)
tests_unit_test_sip_stream_SOURCES = tests/unit/test_sip_stream.c tests/unit/sip_examples.h
tests_unit_test_sip_stream_LDADD = $(TEST_LIBS)
tests_unit_test_sip_msg_torture_SOURCES = tests/unit/test_sip_msg_torture.c
tests_unit_test_sip_msg_torture_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_sip_msg_torture_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_sip_uri tests/unit/test_sip_msg tests/unit/test_sip_stream tests/unit/test_sip_msg_torture
EXTRA_DIST += tests/data/rfc4475

sip_libsphone_sip_a_SOURCES += sip/tls.c sip/tls.h

check_PROGRAMS += tests/unit/test_tls
tests_unit_test_tls_SOURCES = tests/unit/test_tls.c
tests_unit_test_tls_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_tls_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_tls
EXTRA_DIST += tests/tls_certs.sh

sip_libsphone_sip_a_SOURCES += sip/dns.c sip/dns.h
check_PROGRAMS += tests/unit/test_dns
tests_unit_test_dns_SOURCES = tests/unit/test_dns.c
tests_unit_test_dns_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_dns

sip_libsphone_sip_a_SOURCES += sip/sip_transp.c sip/sip_transp.h sip/sip_transp_priv.h sip/sip_conn.c
check_PROGRAMS += tests/unit/test_sip_transp
tests_unit_test_sip_transp_SOURCES = tests/unit/test_sip_transp.c
tests_unit_test_sip_transp_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_sip_transp

# fault tests (issue 7): real Kamailio and baresip; they skip under SPHONE_UNIT_ONLY=1
TESTS += tests/interop/faults.sh tests/interop/faults_call.sh tests/interop/faults_media.sh
EXTRA_DIST += tests/interop/faults.sh tests/interop/faults_call.sh tests/interop/faults_media.sh \
	tests/interop/faults_lib.sh tests/interop/faults_relay.py

sip_libsphone_sip_a_SOURCES += sip/sip_auth.c sip/sip_auth.h

check_PROGRAMS += tests/unit/test_sip_auth
tests_unit_test_sip_auth_SOURCES = tests/unit/test_sip_auth.c
tests_unit_test_sip_auth_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) -I$(top_srcdir)/tests
tests_unit_test_sip_auth_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_sip_auth

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_digest
tests_fuzz_fuzz_digest_SOURCES = tests/fuzz/fuzz_digest.c
tests_fuzz_fuzz_digest_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_fuzz_fuzz_digest_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_digest_LDADD = sip/libsphone_sip.a base/libsphone_base.a $(CORE_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/digest tests/fuzz/fuzz_digest.dict

sip_libsphone_sip_a_SOURCES += sip/sip_ctrans.c sip/sip_ctrans.h sip/sip_strans.c sip/sip_strans.h

check_PROGRAMS += tests/unit/test_sip_ctrans tests/unit/test_sip_strans
tests_unit_test_sip_ctrans_SOURCES = tests/unit/test_sip_ctrans.c tests/unit/fake_wire.h
tests_unit_test_sip_ctrans_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) -I$(top_srcdir)/tests
tests_unit_test_sip_ctrans_LDADD = $(TEST_LIBS)
tests_unit_test_sip_strans_SOURCES = tests/unit/test_sip_strans.c tests/unit/fake_wire.h
tests_unit_test_sip_strans_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) -I$(top_srcdir)/tests
tests_unit_test_sip_strans_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_sip_ctrans tests/unit/test_sip_strans

# digest realms and the round cap against Kamailio, a scripted callee and a scripted registrar
TESTS += tests/interop/auth_realm.sh
EXTRA_DIST += tests/interop/auth_realm.sh tests/interop/auth_realm.py

sip_libsphone_sip_a_SOURCES += sip/sip_dialog.c sip/sip_dialog.h

check_PROGRAMS += tests/unit/test_sip_dialog
TESTS += tests/unit/test_sip_dialog
tests_unit_test_sip_dialog_SOURCES = tests/unit/test_sip_dialog.c
tests_unit_test_sip_dialog_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests
tests_unit_test_sip_dialog_LDADD = $(TEST_LIBS)

# call transfer's headers: Refer-To, Replaces, Event, Subscription-State, sipfrag
sip_libsphone_sip_a_SOURCES += sip/sip_refer.c sip/sip_refer.h
check_PROGRAMS += tests/unit/test_sip_refer
TESTS += tests/unit/test_sip_refer
tests_unit_test_sip_refer_SOURCES = tests/unit/test_sip_refer.c
tests_unit_test_sip_refer_LDADD = $(TEST_LIBS)
