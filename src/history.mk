# SPDX-License-Identifier: GPL-3.0-or-later
# src/history.mk: around calls (issue 17): the on_incoming/on_missed hooks, the call history, the voicemail
# indicator (RFC 3842 message-summary)
src_libsphone_a_SOURCES += src/hook.c src/hook.h src/history.c src/history.h src/callrec.c src/callrec.h \
	src/msgsum.c src/msgsum.h src/mwi.c src/mwi.h

check_PROGRAMS += tests/unit/test_hook tests/unit/test_history tests/unit/test_mwi
TESTS += tests/unit/test_hook tests/unit/test_history tests/unit/test_mwi
tests_unit_test_hook_SOURCES = tests/unit/test_hook.c
tests_unit_test_hook_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests
tests_unit_test_hook_LDADD = $(TEST_LIBS)
tests_unit_test_history_SOURCES = tests/unit/test_history.c
tests_unit_test_history_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests
tests_unit_test_history_LDADD = $(TEST_LIBS)
tests_unit_test_mwi_SOURCES = tests/unit/test_mwi.c tests/unit/fake_sender.h
tests_unit_test_mwi_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests
tests_unit_test_mwi_LDADD = $(TEST_LIBS)

EXTRA_DIST += tests/fuzz/corpus/msgsum
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_msgsum
tests_fuzz_fuzz_msgsum_SOURCES = tests/fuzz/fuzz_msgsum.c
tests_fuzz_fuzz_msgsum_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_msgsum_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_msgsum_LDADD = $(SPHONE_LIBS)
endif

# in the user agent: the hooks and the history fed its call events, an indicator per account
src_libsphone_a_SOURCES += src/ua_history.c src/ua_mwi.c
# real calls through Kamailio (history, missed count, hooks); Asterisk's app_voicemail is asterisk_mwi.sh
TESTS += tests/interop/history_calls.sh
EXTRA_DIST += tests/interop/history_calls.sh
# a scripted caller with hostile display names (shell code, escapes, folded and bare line ends): hooks, history
TESTS += tests/interop/hook_hostile.sh
EXTRA_DIST += tests/interop/hook_hostile.sh tests/interop/hook_hostile.py
