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
include tests/fuzz/harden.mk
