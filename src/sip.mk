# SPDX-License-Identifier: GPL-3.0-or-later
# src/sip.mk: SIP URI and message layer (pl, sip_uri, sip_msg) and its unit tests.
src_libsphone_a_SOURCES += src/pl.c src/pl.h src/sip_uri.c src/sip_uri.h src/sip_msg.c src/sip_msg.h src/sip_caps.h

check_PROGRAMS += tests/unit/test_sip_uri tests/unit/test_sip_msg tests/unit/test_torture
tests_unit_test_sip_uri_SOURCES = tests/unit/test_sip_uri.c
tests_unit_test_sip_uri_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_sip_uri_LDADD = $(TEST_LIBS)
tests_unit_test_sip_msg_SOURCES = tests/unit/test_sip_msg.c
tests_unit_test_sip_msg_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_sip_msg_LDADD = $(TEST_LIBS)
tests_unit_test_torture_SOURCES = tests/unit/test_torture.c
tests_unit_test_torture_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_torture_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_sip_uri tests/unit/test_sip_msg tests/unit/test_torture
EXTRA_DIST += tests/data/rfc4475
