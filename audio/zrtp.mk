# SPDX-License-Identifier: GPL-3.0-or-later
# audio/zrtp.mk: ZRTP key agreement (the only libbzrtp user, loaded with dlopen) and its wire parsing, with the unit test.
audio_libsphone_audio_a_SOURCES += audio/zrtp.c audio/zrtp.h audio/zrtp_wire.c audio/zrtp_wire.h
audio_libsphone_audio_a_CFLAGS += $(BZRTP_CFLAGS) $(SQLITE_CFLAGS)

check_PROGRAMS += tests/unit/test_zrtp
tests_unit_test_zrtp_SOURCES = tests/unit/test_zrtp.c
tests_unit_test_zrtp_CFLAGS = $(AM_CFLAGS) $(SRTP_CFLAGS)
tests_unit_test_zrtp_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_zrtp

EXTRA_DIST += tests/fuzz/corpus/zrtp
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_zrtp
tests_fuzz_fuzz_zrtp_SOURCES = tests/fuzz/fuzz_zrtp.c
tests_fuzz_fuzz_zrtp_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_zrtp_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_zrtp_LDADD = $(AUDIO_LDADD)
endif
