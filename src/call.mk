# src/call.mk: dialogs and INVITE sessions with SDES-SRTP (helper "call").
src_libsphone_a_SOURCES += src/sip_dialog.c src/sip_dialog.h

check_PROGRAMS += tests/unit/test_dialog
TESTS += tests/unit/test_dialog
tests_unit_test_dialog_SOURCES = tests/unit/test_dialog.c
tests_unit_test_dialog_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests
tests_unit_test_dialog_LDADD = $(TEST_LIBS)
src_libsphone_a_SOURCES += src/call.c src/call.h

check_PROGRAMS += tests/unit/test_call
TESTS += tests/unit/test_call
tests_unit_test_call_SOURCES = tests/unit/test_call.c
tests_unit_test_call_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests
tests_unit_test_call_LDADD = $(TEST_LIBS)
