# SPDX-License-Identifier: GPL-3.0-or-later
# tests/fuzz/harden.mk: fuzz targets for media and config parsers, corpus replay as a test,
# `make check-valgrind`, hostile-peer and secrets interop tests (helper "harden", issue 7).
EXTRA_DIST += tests/fuzz/corpus/rtp tests/fuzz/corpus/rtcp tests/fuzz/corpus/dtmf \
	tests/fuzz/corpus/wav tests/fuzz/corpus/conf

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_rtp tests/fuzz/fuzz_rtcp tests/fuzz/fuzz_dtmf tests/fuzz/fuzz_wav \
	tests/fuzz/fuzz_conf
FUZZ_HARDEN_LDADD = $(SPHONE_LIBS)
tests_fuzz_fuzz_rtp_SOURCES = tests/fuzz/fuzz_rtp.c
tests_fuzz_fuzz_rtp_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_rtp_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_rtp_LDADD = $(FUZZ_HARDEN_LDADD)
tests_fuzz_fuzz_rtcp_SOURCES = tests/fuzz/fuzz_rtcp.c
tests_fuzz_fuzz_rtcp_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_rtcp_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_rtcp_LDADD = $(FUZZ_HARDEN_LDADD)
tests_fuzz_fuzz_dtmf_SOURCES = tests/fuzz/fuzz_dtmf.c
tests_fuzz_fuzz_dtmf_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_dtmf_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_dtmf_LDADD = $(FUZZ_HARDEN_LDADD)
tests_fuzz_fuzz_wav_SOURCES = tests/fuzz/fuzz_wav.c
tests_fuzz_fuzz_wav_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_wav_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_wav_LDADD = $(FUZZ_HARDEN_LDADD)
tests_fuzz_fuzz_conf_SOURCES = tests/fuzz/fuzz_conf.c
tests_fuzz_fuzz_conf_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_fuzz_fuzz_conf_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_conf_LDADD = $(FUZZ_HARDEN_LDADD)
# in a fuzzing build, `make check` replays every corpus against its target
TESTS += tests/fuzz/replay.sh
endif

# Every unit test program under valgrind memcheck; any memcheck error or definite leak fails, and
# so does a failing test, except that tests in VALGRIND_TIMED_TESTS (whose checks measure speed,
# which valgrind's serialised threads and ~30x slowdown change) count only their memcheck errors.
# Needs a build without sanitizers (valgrind and ASan do not mix).
VALGRIND = valgrind
VALGRIND_FLAGS = --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=1 --num-callers=30
VALGRIND_TIMED_TESTS = tests/unit/test_ring
check-valgrind: $(check_PROGRAMS)
	@if test -n "$(SAN_CFLAGS)"; then \
	  echo "check-valgrind: this build uses sanitizers; run it in a build configured without them" >&2; exit 2; fi
	@top_srcdir='$(abs_top_srcdir)'; top_builddir='$(abs_top_builddir)'; export top_srcdir top_builddir; \
	fail=0; pass=0; \
	for t in $(TESTS); do \
	  case $$t in tests/unit/test_*) ;; *) continue ;; esac; \
	  $(VALGRIND) $(VALGRIND_FLAGS) --log-file=$$t.valgrind.log ./$$t >$$t.valgrind.out 2>&1; rc=$$?; \
	  timed=no; for x in $(VALGRIND_TIMED_TESTS); do test "$$x" = "$$t" && timed=yes; done; \
	  if ! grep -q 'ERROR SUMMARY: 0 errors' $$t.valgrind.log; then \
	    echo "FAIL: $$t: memcheck errors (see $$t.valgrind.log)"; fail=$$((fail + 1)); \
	    grep -E 'ERROR SUMMARY|definitely lost' $$t.valgrind.log | sed 's/^/  /'; \
	  elif test $$rc -ne 0 && test $$timed = no; then \
	    echo "FAIL: $$t: the test itself failed under valgrind (see $$t.valgrind.out)"; fail=$$((fail + 1)); \
	    grep '^not ok' $$t.valgrind.out | sed 's/^/  /'; \
	  else \
	    echo "PASS: $$t$$(test $$rc -ne 0 && echo ' (memcheck clean; its timing checks failed under valgrind)')"; \
	    pass=$$((pass + 1)); \
	  fi; \
	done; \
	echo "check-valgrind: $$pass passed, $$fail failed"; test $$fail -eq 0
.PHONY: check-valgrind
CLEANFILES += tests/unit/*.valgrind.log tests/unit/*.valgrind.out

EXTRA_DIST += tests/fuzz/harden.mk

TESTS += tests/interop/hostile_sip.sh
EXTRA_DIST += tests/interop/hostile_sip.sh tests/interop/hostile_sip.py
TESTS += tests/interop/secrets.sh
EXTRA_DIST += tests/interop/secrets.sh
EXTRA_DIST += doc/hardening.md
