# SPDX-License-Identifier: GPL-3.0-or-later
# base/: foundations the rest builds on (buffers, string slices, base64, logging, the event loop, the INI
# parser, libcrypto behind crypto.c) and their unit tests. Knows nothing of SIP or media: it sees only base/.
noinst_LIBRARIES += base/libsphone_base.a
base_libsphone_base_a_CPPFLAGS = -D_GNU_SOURCE -I$(top_srcdir)/base -I$(top_builddir)
base_libsphone_base_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
base_libsphone_base_a_SOURCES = base/buf.c base/buf.h base/pl.c base/pl.h base/log.c base/log.h \
	base/loop.c base/loop.h base/b64.c base/b64.h base/conf.c base/conf.h base/conf_edit.c base/crypto.c base/crypto.h \
	base/text.c base/text.h base/errbuf.c base/errbuf.h base/sa.c base/sa.h

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

check_PROGRAMS += tests/unit/test_conf_edit
TESTS += tests/unit/test_conf_edit
tests_unit_test_conf_edit_SOURCES = tests/unit/test_conf_edit.c
tests_unit_test_conf_edit_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/unit/test_pl tests/unit/test_errbuf tests/unit/test_sa
TESTS += tests/unit/test_pl tests/unit/test_errbuf tests/unit/test_sa
tests_unit_test_pl_SOURCES = tests/unit/test_pl.c
tests_unit_test_pl_LDADD = $(TEST_LIBS)
tests_unit_test_errbuf_SOURCES = tests/unit/test_errbuf.c
tests_unit_test_errbuf_LDADD = $(TEST_LIBS)
tests_unit_test_sa_SOURCES = tests/unit/test_sa.c
tests_unit_test_sa_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/unit/test_crypto
tests_unit_test_crypto_SOURCES = tests/unit/test_crypto.c
tests_unit_test_crypto_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) -I$(top_srcdir)/tests
tests_unit_test_crypto_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_crypto
