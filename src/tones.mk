# SPDX-License-Identifier: GPL-3.0-or-later
# src/tones.mk: which of the phone's own sounds plays as the calls stand (the sounds are audio/tones.c).
src_libsphone_a_SOURCES += src/tone_policy.c src/tone_policy.h

check_PROGRAMS += tests/unit/test_tone_policy
tests_unit_test_tone_policy_SOURCES = tests/unit/test_tone_policy.c
tests_unit_test_tone_policy_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_tone_policy

# the sounds in a real call: three sphones through Kamailio, what one of them plays recorded and searched
TESTS += tests/interop/tones_call.sh tests/interop/early_media.sh
EXTRA_DIST += tests/interop/tones_call.sh tests/interop/tonefind.py tests/interop/early_media.sh \
	tests/interop/early_media.py
