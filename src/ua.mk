# src/ua.mk: events, user agent, registration (lead)
src_libsphone_a_SOURCES += src/event.c src/event.h

check_PROGRAMS += tests/unit/test_event
tests_unit_test_event_SOURCES = tests/unit/test_event.c
tests_unit_test_event_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_event
