# src/auth.mk: crypto helpers, SIP digest authentication, SIP transactions (helper "auth").
src_libsphone_a_SOURCES += src/crypto.c src/crypto.h

check_PROGRAMS += tests/unit/test_crypto
tests_unit_test_crypto_SOURCES = tests/unit/test_crypto.c
tests_unit_test_crypto_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) -I$(top_srcdir)/tests
tests_unit_test_crypto_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_crypto

src_libsphone_a_SOURCES += src/sip_auth.c src/sip_auth.h

check_PROGRAMS += tests/unit/test_sip_auth
tests_unit_test_sip_auth_SOURCES = tests/unit/test_sip_auth.c
tests_unit_test_sip_auth_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) -I$(top_srcdir)/tests
tests_unit_test_sip_auth_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_sip_auth
