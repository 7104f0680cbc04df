# SPDX-License-Identifier: GPL-3.0-or-later
# demo/: sphone --demo: a throwaway CA, a local TLS/SRTP echo peer, one call. Built from the core's
# parts (src/, sip/, base/, audio/); it knows nothing of ui/: main.c hands it the front end to run.
noinst_LIBRARIES += demo/libsphone_demo.a
demo_libsphone_demo_a_CPPFLAGS = -D_GNU_SOURCE -I$(top_srcdir)/demo -I$(top_srcdir)/src -I$(top_srcdir)/sip \
	-I$(top_srcdir)/base -I$(top_srcdir)/audio -I$(top_builddir)
demo_libsphone_demo_a_SOURCES = demo/demo.c demo/demo.h demo/demo_peer.c demo/demo_peer.h

# throwaway certificates for --demo (crypto.c) verified through tls.c
check_PROGRAMS += tests/unit/test_crypto_certs
tests_unit_test_crypto_certs_SOURCES = tests/unit/test_crypto_certs.c
tests_unit_test_crypto_certs_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests
tests_unit_test_crypto_certs_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_crypto_certs

TESTS += tests/demo.sh
EXTRA_DIST += tests/demo.sh
# README's two Quick start commands in a fresh clone: on demand (tests/readme_quickstart.sh), not in make check
EXTRA_DIST += tests/readme_quickstart.sh scripts/demo
