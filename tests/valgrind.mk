# SPDX-License-Identifier: GPL-3.0-or-later
# tests/valgrind.mk: `make check-valgrind`: the unit test programs under valgrind memcheck (doc/hardening.md).
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
