# SPDX-License-Identifier: GPL-3.0-or-later
# src/nat.mk: NAT traversal (issue 16): the STUN Binding client, its unit test and fuzz target, and the NAT lab
# (network namespaces with a real nftables NAT: tests/interop/netns_lab.sh) with its selftest, STUN and call tests.
src_libsphone_a_SOURCES += src/stun.c src/stun.h src/media_stun.c src/media_stun.h

check_PROGRAMS += tests/unit/test_stun tests/unit/stun_probe
TESTS += tests/unit/test_stun
tests_unit_test_stun_SOURCES = tests/unit/test_stun.c
tests_unit_test_stun_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_stun_LDADD = $(TEST_LIBS)
# the lab's STUN client (not a test by itself)
tests_unit_stun_probe_SOURCES = tests/unit/stun_probe.c
tests_unit_stun_probe_LDADD = $(TEST_LIBS)

TESTS += tests/interop/netns_lab_selftest.sh tests/interop/nat_stun.sh tests/interop/nat_call.sh \
	tests/interop/nat_outbound.sh tests/interop/nat_stun_call.sh tests/interop/nat_stun_none.sh \
	tests/interop/nat_move.sh tests/interop/nat_flush.sh
EXTRA_DIST += tests/interop/netns_lab.sh tests/interop/natprobe.py tests/interop/netns_lab_selftest.sh \
	tests/interop/nat_stun.sh tests/interop/nat_call.sh tests/interop/nat_outbound.sh tests/interop/nat_stun_call.sh \
	tests/interop/nat_stun_none.sh tests/fuzz/corpus/stun doc/nat.md \
	tests/interop/nat_move.sh tests/interop/nat_gap.py tests/interop/nat_flush.sh

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_stun
tests_fuzz_fuzz_stun_SOURCES = tests/fuzz/fuzz_stun.c
tests_fuzz_fuzz_stun_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_stun_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_stun_LDADD = $(SPHONE_LIBS)
endif

# network changes (issue 16): the kernel's address and route changes, and what the UA does about them
src_libsphone_a_SOURCES += src/netmon.c src/netmon.h
check_PROGRAMS += tests/unit/test_netmon
TESTS += tests/unit/test_netmon
tests_unit_test_netmon_SOURCES = tests/unit/test_netmon.c
tests_unit_test_netmon_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests
tests_unit_test_netmon_LDADD = $(TEST_LIBS)
