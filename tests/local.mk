# SPDX-License-Identifier: GPL-3.0-or-later
# tests/: unit tests (TAP, one program per module) and interop tests (real peers).
# Unit test programs link the same libraries as the sphone program.
TEST_LIBS = $(SPHONE_LIBS) $(MATH_LIBS)
EXTRA_DIST += tests/tap.h tests/interop/lib.sh

TESTS += tests/cli.sh tests/licence.sh tests/layers.sh
EXTRA_DIST += tests/cli.sh tests/licence.sh tests/timeout.sh tests/layers.sh COPYING tests/data/rfc4475/README
TESTS += tests/interop/lab_selftest.sh
EXTRA_DIST += tests/interop/lab.sh tests/interop/kamailio.cfg tests/interop/labtool.py tests/interop/wavcmp.py tests/interop/lab_selftest.sh
