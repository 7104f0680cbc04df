# audio/dev.mk: rings, jitter buffer + PLC, WAV/tone, resampler, echo canceller, devices (file, PortAudio).
audio_libsphone_audio_a_SOURCES += \
	audio/ring.c audio/ring.h \
	audio/resamp.c audio/resamp.h \
	audio/tone.c audio/tone.h

check_PROGRAMS += tests/unit/test_ring
tests_unit_test_ring_SOURCES = tests/unit/test_ring.c
tests_unit_test_ring_CFLAGS = $(AM_CFLAGS) -pthread
tests_unit_test_ring_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_ring

check_PROGRAMS += tests/unit/test_resamp
tests_unit_test_resamp_SOURCES = tests/unit/test_resamp.c tests/unit/audio_meas.h
tests_unit_test_resamp_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_resamp
