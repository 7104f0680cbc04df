# SPDX-License-Identifier: GPL-3.0-or-later
# src/ua.mk: events, user agent, registration (lead)
src_libsphone_a_SOURCES += src/event.c src/event.h

check_PROGRAMS += tests/unit/test_event
tests_unit_test_event_SOURCES = tests/unit/test_event.c
tests_unit_test_event_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_event

src_libsphone_a_SOURCES += src/account.c src/account_conf.c src/account_priv.h src/account.h src/reg.c src/reg.h src/ua.c src/ua_call.c src/ua.h src/ua_priv.h src/ua_account.c src/ua_stun.c src/ua_net.c src/ua_cmd.c src/ua_audio.c src/dial.c src/dial.h

check_PROGRAMS += tests/unit/test_account
tests_unit_test_account_SOURCES = tests/unit/test_account.c
tests_unit_test_account_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests
tests_unit_test_account_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_account

check_PROGRAMS += tests/unit/test_reg
tests_unit_test_reg_SOURCES = tests/unit/test_reg.c tests/unit/fake_sender.h tests/unit/ev_copy.h
tests_unit_test_reg_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests
tests_unit_test_reg_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_reg

# registration against a real Kamailio (skip themselves with SPHONE_UNIT_ONLY=1)
TESTS += tests/interop/reg_tls.sh tests/interop/reg_auth.sh tests/interop/reg_certs.sh \
	tests/interop/reg_restart.sh tests/interop/reg_dns.sh tests/interop/reg_plain.sh
EXTRA_DIST += tests/interop/reg_lib.sh tests/interop/reg_tls.sh tests/interop/reg_auth.sh \
	tests/interop/reg_certs.sh tests/interop/reg_restart.sh tests/interop/reg_dns.sh tests/interop/reg_plain.sh
# on demand, from the build directory: sh ../bench/reg_bench.sh [RUNS]
EXTRA_DIST += bench/reg_bench.sh bench/reg_baresip.sh

# what a person dialled resolved to a URI (ua_resolve's rules)
check_PROGRAMS += tests/unit/test_dial
tests_unit_test_dial_SOURCES = tests/unit/test_dial.c
tests_unit_test_dial_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests
tests_unit_test_dial_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_dial
