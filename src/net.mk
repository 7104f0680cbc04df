# SPDX-License-Identifier: GPL-3.0-or-later
# src/net.mk: TLS (tls.c, the only OpenSSL TLS user), RFC 3263 DNS (dns.c), SIP transports.
src_libsphone_a_SOURCES += src/tls.c src/tls.h

check_PROGRAMS += tests/unit/test_tls
tests_unit_test_tls_SOURCES = tests/unit/test_tls.c
tests_unit_test_tls_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_tls_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_tls
EXTRA_DIST += tests/tls_certs.sh

src_libsphone_a_SOURCES += src/dns.c src/dns.h
check_PROGRAMS += tests/unit/test_dns
tests_unit_test_dns_SOURCES = tests/unit/test_dns.c
tests_unit_test_dns_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_dns

src_libsphone_a_SOURCES += src/sip_transp.c src/sip_transp.h
check_PROGRAMS += tests/unit/test_transp
tests_unit_test_transp_SOURCES = tests/unit/test_transp.c
tests_unit_test_transp_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_transp

# fault tests (issue 7): real Kamailio and baresip; they skip under SPHONE_UNIT_ONLY=1
TESTS += tests/interop/faults.sh tests/interop/faults_call.sh tests/interop/faults_media.sh
EXTRA_DIST += tests/interop/faults.sh tests/interop/faults_call.sh tests/interop/faults_media.sh \
	tests/interop/faults_lib.sh tests/interop/faults_relay.py
