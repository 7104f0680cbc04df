# SPDX-License-Identifier: GPL-3.0-or-later
# tests/tools/local.mk: programs the interop tests run (not tests themselves).
# ZRTP: the media half of a man in the middle (two engines, SRTP re-keyed leg to leg) for zrtp_mitm.sh (issue 15)
check_PROGRAMS += tests/tools/zrtp_mitm
tests_tools_zrtp_mitm_SOURCES = tests/tools/zrtp_mitm.c
tests_tools_zrtp_mitm_CFLAGS = $(AM_CFLAGS) $(SRTP_CFLAGS)
tests_tools_zrtp_mitm_LDADD = audio/libsphone_audio.a $(AUDIO_LIBS)
