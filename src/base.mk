# SPDX-License-Identifier: GPL-3.0-or-later
# src/base.mk: foundations (buffers, logging, event loop, base64, config) and their unit tests.
src_libsphone_a_SOURCES += src/buf.c src/buf.h src/log.c src/log.h src/loop.c src/loop.h \
	src/b64.c src/b64.h src/conf.c src/conf.h

check_PROGRAMS += tests/unit/test_buf tests/unit/test_log tests/unit/test_loop tests/unit/test_b64 tests/unit/test_conf
TESTS += tests/unit/test_buf tests/unit/test_log tests/unit/test_loop tests/unit/test_b64 tests/unit/test_conf

tests_unit_test_buf_SOURCES = tests/unit/test_buf.c
tests_unit_test_buf_LDADD = $(TEST_LIBS)

tests_unit_test_log_SOURCES = tests/unit/test_log.c
tests_unit_test_log_LDADD = $(TEST_LIBS)

tests_unit_test_loop_SOURCES = tests/unit/test_loop.c
tests_unit_test_loop_LDADD = $(TEST_LIBS)

tests_unit_test_b64_SOURCES = tests/unit/test_b64.c
tests_unit_test_b64_LDADD = $(TEST_LIBS)

tests_unit_test_conf_SOURCES = tests/unit/test_conf.c
tests_unit_test_conf_LDADD = $(TEST_LIBS)
