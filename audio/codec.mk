# SPDX-License-Identifier: GPL-3.0-or-later
# audio/codec.mk: G.711, RTP, RTCP, SRTP (the only libsrtp user) and RFC 4733 DTMF, with their unit tests.
audio_libsphone_audio_a_SOURCES += audio/g711.c audio/g711.h

check_PROGRAMS += tests/unit/test_g711
tests_unit_test_g711_SOURCES = tests/unit/test_g711.c
tests_unit_test_g711_CFLAGS = $(AM_CFLAGS)
tests_unit_test_g711_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_g711

audio_libsphone_audio_a_SOURCES += audio/rtp.c audio/rtp.h
check_PROGRAMS += tests/unit/test_rtp
tests_unit_test_rtp_SOURCES = tests/unit/test_rtp.c
tests_unit_test_rtp_CFLAGS = $(AM_CFLAGS)
tests_unit_test_rtp_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_rtp

audio_libsphone_audio_a_SOURCES += audio/srtp.c audio/srtp.h audio/srtp_kernel.c audio/srtp_kernel.h
check_PROGRAMS += tests/unit/test_srtp
tests_unit_test_srtp_SOURCES = tests/unit/test_srtp.c
tests_unit_test_srtp_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(SRTP_CFLAGS)
tests_unit_test_srtp_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_srtp

audio_libsphone_audio_a_SOURCES += audio/rtcp.c audio/rtcp.h
check_PROGRAMS += tests/unit/test_rtcp
tests_unit_test_rtcp_SOURCES = tests/unit/test_rtcp.c
tests_unit_test_rtcp_CFLAGS = $(AM_CFLAGS)
tests_unit_test_rtcp_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_rtcp

audio_libsphone_audio_a_SOURCES += audio/dtmf.c audio/dtmf.h
check_PROGRAMS += tests/unit/test_dtmf
tests_unit_test_dtmf_SOURCES = tests/unit/test_dtmf.c
tests_unit_test_dtmf_CFLAGS = $(AM_CFLAGS)
tests_unit_test_dtmf_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_dtmf
