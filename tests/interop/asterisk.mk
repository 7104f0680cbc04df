# SPDX-License-Identifier: GPL-3.0-or-later
# tests/interop/asterisk.mk: sphone against a real Asterisk (PJSIP) configured from doc/asterisk/ (issue 14).
# Included first: automake starts tests in TESTS order, so asterisk_long_start.sh starts the long run
# (asterisk_timers.sh: a call kept 10 minutes) in the background before anything else, where it overlaps the
# whole suite without holding a make job slot; Makefile.am lists asterisk_timers.sh last, to report it.
# They skip (loudly) without an Asterisk install: tests/interop/asterisk_build.sh makes one (.ci/run does).
TESTS += tests/interop/asterisk_long_start.sh tests/interop/asterisk_reg.sh tests/interop/asterisk_call.sh \
	tests/interop/asterisk_b2b.sh tests/interop/asterisk_mwi.sh tests/interop/asterisk_transfer.sh
EXTRA_DIST += tests/interop/asterisk.mk tests/interop/asterisk_lib.sh tests/interop/asterisk_conf.py \
	tests/interop/asterisk_log.py tests/interop/asterisk_build.sh tests/interop/asterisk_timers.sh \
	tests/interop/asterisk_long_start.sh \
	tests/interop/asterisk_reg.sh tests/interop/asterisk_call.sh tests/interop/asterisk_b2b.sh \
	tests/interop/asterisk_mwi.sh tests/interop/asterisk_transfer.sh
