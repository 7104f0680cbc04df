# SPDX-License-Identifier: GPL-3.0-or-later
# src/auth.mk: crypto helpers, SIP digest authentication, SIP transactions (helper "auth").
src_libsphone_a_SOURCES += src/crypto.c src/crypto.h

check_PROGRAMS += tests/unit/test_crypto
tests_unit_test_crypto_SOURCES = tests/unit/test_crypto.c
tests_unit_test_crypto_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) -I$(top_srcdir)/tests
tests_unit_test_crypto_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_crypto

src_libsphone_a_SOURCES += src/sip_auth.c src/sip_auth.h

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
tests_fuzz_fuzz_digest_LDADD = src/libsphone.a $(CORE_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/digest tests/fuzz/fuzz_digest.dict

src_libsphone_a_SOURCES += src/sip_ctrans.c src/sip_ctrans.h src/sip_strans.c src/sip_strans.h

check_PROGRAMS += tests/unit/test_ctrans tests/unit/test_strans
tests_unit_test_ctrans_SOURCES = tests/unit/test_ctrans.c
tests_unit_test_ctrans_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) -I$(top_srcdir)/tests
tests_unit_test_ctrans_LDADD = $(TEST_LIBS)
tests_unit_test_strans_SOURCES = tests/unit/test_strans.c
tests_unit_test_strans_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) -I$(top_srcdir)/tests
tests_unit_test_strans_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_ctrans tests/unit/test_strans

# digest realms and the round cap against Kamailio, a scripted callee and a scripted registrar
TESTS += tests/interop/auth_realm.sh
EXTRA_DIST += tests/interop/auth_realm.sh tests/interop/auth_realm.py
