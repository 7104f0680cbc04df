# SPDX-License-Identifier: GPL-3.0-or-later
# src/sdp.mk: SDP offer/answer (RFC 3264/4566) and SDES a=crypto (RFC 4568) (helper "sdp").
src_libsphone_a_SOURCES += src/sdp.c src/sdp.h src/sdp_crypto.c src/sdp_crypto.h

check_PROGRAMS += tests/unit/test_sdp tests/unit/test_sdp_crypto
TESTS += tests/unit/test_sdp tests/unit/test_sdp_crypto
tests_unit_test_sdp_SOURCES = tests/unit/test_sdp.c
tests_unit_test_sdp_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_sdp_LDADD = $(TEST_LIBS)
tests_unit_test_sdp_crypto_SOURCES = tests/unit/test_sdp_crypto.c
tests_unit_test_sdp_crypto_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_sdp_crypto_LDADD = $(TEST_LIBS)

EXTRA_DIST += tests/fuzz/corpus/sdp tests/fuzz/corpus/crypto_attr

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_sdp tests/fuzz/fuzz_crypto_attr
tests_fuzz_fuzz_sdp_SOURCES = tests/fuzz/fuzz_sdp.c
tests_fuzz_fuzz_sdp_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_fuzz_fuzz_sdp_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_sdp_LDADD = $(SPHONE_LIBS)
tests_fuzz_fuzz_crypto_attr_SOURCES = tests/fuzz/fuzz_crypto_attr.c
tests_fuzz_fuzz_crypto_attr_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_fuzz_fuzz_crypto_attr_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_crypto_attr_LDADD = $(SPHONE_LIBS)
endif
