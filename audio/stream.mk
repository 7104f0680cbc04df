# SPDX-License-Identifier: GPL-3.0-or-later
# audio/stream.mk: one RTP/SRTP media session (audio/stream.c), its test and the capture-to-wire latency bench.
audio_libsphone_audio_a_SOURCES += audio/stream.c audio/stream.h

check_PROGRAMS += tests/unit/test_stream
tests_unit_test_stream_SOURCES = tests/unit/test_stream.c tests/unit/udp_relay.c tests/unit/udp_relay.h
tests_unit_test_stream_CFLAGS = $(AM_CFLAGS) $(SRTP_CFLAGS)
tests_unit_test_stream_LDADD = $(TEST_LIBS) -lm
TESTS += tests/unit/test_stream

noinst_PROGRAMS += bench/bench_latency
bench_bench_latency_SOURCES = bench/bench_latency.c
bench_bench_latency_CFLAGS = $(AM_CFLAGS) $(SRTP_CFLAGS) -pthread
bench_bench_latency_LDADD = $(AUDIO_LDADD) -lpthread
EXTRA_DIST += doc/media.md
