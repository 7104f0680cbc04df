# SPDX-License-Identifier: GPL-3.0-or-later
# fuzz targets: built only with --enable-fuzzing
# tests/fuzz/replay.sh runs every built target over its corpus (usable in CI).
EXTRA_DIST += tests/fuzz/replay.sh tests/fuzz/corpus/sip_msg tests/fuzz/corpus/sip_uri tests/fuzz/corpus/refer

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_sip_msg tests/fuzz/fuzz_sip_uri tests/fuzz/fuzz_refer
tests_fuzz_fuzz_sip_msg_SOURCES = tests/fuzz/fuzz_sip_msg.c
tests_fuzz_fuzz_sip_msg_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_fuzz_fuzz_sip_msg_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_sip_msg_LDADD = sip/libsphone_sip.a base/libsphone_base.a $(CORE_LIBS)
tests_fuzz_fuzz_sip_uri_SOURCES = tests/fuzz/fuzz_sip_uri.c
tests_fuzz_fuzz_sip_uri_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_fuzz_fuzz_sip_uri_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_sip_uri_LDADD = sip/libsphone_sip.a base/libsphone_base.a $(CORE_LIBS)
tests_fuzz_fuzz_refer_SOURCES = tests/fuzz/fuzz_refer.c
tests_fuzz_fuzz_refer_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_fuzz_fuzz_refer_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_refer_LDADD = sip/libsphone_sip.a base/libsphone_base.a $(CORE_LIBS)
endif
# media and config parsers
EXTRA_DIST += tests/fuzz/corpus/rtp tests/fuzz/corpus/rtcp tests/fuzz/corpus/dtmf \
	tests/fuzz/corpus/wav tests/fuzz/corpus/conf

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_rtp tests/fuzz/fuzz_rtcp tests/fuzz/fuzz_dtmf tests/fuzz/fuzz_wav \
	tests/fuzz/fuzz_conf
FUZZ_HARDEN_LDADD = $(SPHONE_LIBS)
tests_fuzz_fuzz_rtp_SOURCES = tests/fuzz/fuzz_rtp.c
tests_fuzz_fuzz_rtp_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_rtp_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_rtp_LDADD = $(FUZZ_HARDEN_LDADD)
tests_fuzz_fuzz_rtcp_SOURCES = tests/fuzz/fuzz_rtcp.c
tests_fuzz_fuzz_rtcp_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_rtcp_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_rtcp_LDADD = $(FUZZ_HARDEN_LDADD)
tests_fuzz_fuzz_dtmf_SOURCES = tests/fuzz/fuzz_dtmf.c
tests_fuzz_fuzz_dtmf_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_dtmf_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_dtmf_LDADD = $(FUZZ_HARDEN_LDADD)
tests_fuzz_fuzz_wav_SOURCES = tests/fuzz/fuzz_wav.c
tests_fuzz_fuzz_wav_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_wav_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_wav_LDADD = $(FUZZ_HARDEN_LDADD)
tests_fuzz_fuzz_conf_SOURCES = tests/fuzz/fuzz_conf.c
tests_fuzz_fuzz_conf_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_fuzz_fuzz_conf_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_conf_LDADD = $(FUZZ_HARDEN_LDADD)
# in a fuzzing build, `make check` replays every corpus against its target
TESTS += tests/fuzz/replay.sh
endif
