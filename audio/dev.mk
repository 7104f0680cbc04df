# SPDX-License-Identifier: GPL-3.0-or-later
# audio/dev.mk: rings, jitter buffer + PLC, WAV/tone, resampler, echo canceller, devices (file, PortAudio
# and what its libraries print).
audio_libsphone_audio_a_SOURCES += \
	audio/ring.c audio/ring.h \
	audio/resamp.c audio/resamp.h \
	audio/tone.c audio/tone.h \
	audio/wav.c audio/wav.h \
	audio/audev.h audio/dev_file.c \
	audio/plc.c audio/plc.h \
	audio/jbuf.c audio/jbuf.h \
	audio/dev_pa.c audio/pa_quiet.c audio/pa_quiet.h \
	audio/duplex.c audio/duplex.h \
	audio/tones.c audio/tones.h \
	audio/aec.c audio/aec.h

check_PROGRAMS += tests/unit/test_ring
tests_unit_test_ring_SOURCES = tests/unit/test_ring.c
tests_unit_test_ring_CFLAGS = $(AM_CFLAGS) -pthread
tests_unit_test_ring_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_ring

check_PROGRAMS += tests/unit/test_resamp
tests_unit_test_resamp_SOURCES = tests/unit/test_resamp.c tests/unit/audio_meas.h
tests_unit_test_resamp_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_resamp

check_PROGRAMS += tests/unit/test_wav
tests_unit_test_wav_SOURCES = tests/unit/test_wav.c
tests_unit_test_wav_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_wav

check_PROGRAMS += tests/unit/test_dev_file
tests_unit_test_dev_file_SOURCES = tests/unit/test_dev_file.c
tests_unit_test_dev_file_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_dev_file

check_PROGRAMS += tests/unit/test_plc
tests_unit_test_plc_SOURCES = tests/unit/test_plc.c
tests_unit_test_plc_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_plc

check_PROGRAMS += tests/unit/test_jbuf
tests_unit_test_jbuf_SOURCES = tests/unit/test_jbuf.c
tests_unit_test_jbuf_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_jbuf

check_PROGRAMS += tests/unit/test_aec
tests_unit_test_aec_SOURCES = tests/unit/test_aec.c tests/unit/room_sim.h tests/unit/speechlike.h
tests_unit_test_aec_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_aec

# PortAudio through a real (JACK dummy) server; pa_probe is its helper, not a test by itself
check_PROGRAMS += tests/unit/pa_probe
tests_unit_pa_probe_SOURCES = tests/unit/pa_probe.c
tests_unit_pa_probe_LDADD = $(TEST_LIBS)
TESTS += tests/pa_jack.sh tests/interop/audio_switch.sh
EXTRA_DIST += tests/pa_jack.sh tests/interop/audio_switch.sh doc/jitter.md

check_PROGRAMS += tests/unit/test_pa_quiet
tests_unit_test_pa_quiet_SOURCES = tests/unit/test_pa_quiet.c
tests_unit_test_pa_quiet_CFLAGS = $(AM_CFLAGS) -pthread
tests_unit_test_pa_quiet_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_pa_quiet

check_PROGRAMS += tests/unit/test_duplex
tests_unit_test_duplex_SOURCES = tests/unit/test_duplex.c tests/unit/alloc_count.h tests/unit/room_sim.h \
	tests/unit/speechlike.h tests/unit/audio_meas.h
tests_unit_test_duplex_LDADD = $(TEST_LIBS) -ldl
TESTS += tests/unit/test_duplex

check_PROGRAMS += tests/unit/test_tones
tests_unit_test_tones_SOURCES = tests/unit/test_tones.c tests/unit/alloc_count.h tests/unit/audio_meas.h
tests_unit_test_tones_LDADD = $(TEST_LIBS) -ldl
TESTS += tests/unit/test_tones
