# SPDX-License-Identifier: GPL-3.0-or-later
# src/call.mk: INVITE sessions with SDES-SRTP (call.c), their unit test and the calls against real peers.
src_libsphone_a_SOURCES += src/call.c src/call.h src/call_priv.h src/call_uac.c src/call_uas.c src/call_xfer.c src/call_audio.c src/call_audio.h src/call_media.c src/call_media.h \
	src/call_media_priv.h src/call_media_net.c

check_PROGRAMS += tests/unit/test_call
TESTS += tests/unit/test_call
tests_unit_test_call_SOURCES = tests/unit/test_call.c tests/unit/ev_copy.h
tests_unit_test_call_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests
tests_unit_test_call_LDADD = $(TEST_LIBS)

# calls against real Kamailio + baresip (skip themselves with SPHONE_UNIT_ONLY=1)
TESTS += tests/interop/call_baresip.sh tests/interop/call_sphones.sh tests/interop/call_nosrtp.sh
EXTRA_DIST += tests/interop/call_lib.sh tests/interop/call_baresip.sh tests/interop/call_sphones.sh \
	tests/interop/call_nosrtp.sh
# blind transfer between three sphones (REFER, NOTIFY, Referred-By; SRTP audio both ways after it)
TESTS += tests/interop/transfer.sh
EXTRA_DIST += tests/interop/transfer.sh
# ZRTP between two sphones through Kamailio (SAS, cache, nothing in clear), a man in the middle, linphonec, 20% loss (issue 15)
TESTS += tests/interop/zrtp_sphones.sh tests/interop/zrtp_mitm.sh tests/interop/zrtp_linphone.sh tests/interop/zrtp_loss.sh
EXTRA_DIST += tests/interop/zrtp_sphones.sh tests/interop/zrtp_mitm.sh tests/interop/zrtp_mitm.py tests/interop/zrtp_linphone.sh \
	tests/interop/zrtp_loss.sh
# on demand, from the build directory: top_builddir=$PWD sh ../bench/call_bench.sh [SECONDS]
EXTRA_DIST += bench/call_bench.sh

# the sound device disappears mid-call (its JACK server killed): a warning, the call goes on with silence
TESTS += tests/interop/audio_gone.sh
EXTRA_DIST += tests/interop/audio_gone.sh

# the shared audio device: lent to one stream at a time, its tick, the recording complete after each
check_PROGRAMS += tests/unit/test_call_audio
TESTS += tests/unit/test_call_audio
tests_unit_test_call_audio_SOURCES = tests/unit/test_call_audio.c tests/unit/udp_relay.c tests/unit/udp_relay.h
tests_unit_test_call_audio_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests
tests_unit_test_call_audio_LDADD = $(TEST_LIBS)

# one call's media without SIP: offer/answer between two, SRTP both ways, SAS, DTMF, re-key, move, hold, timeout
check_PROGRAMS += tests/unit/test_call_media
TESTS += tests/unit/test_call_media
tests_unit_test_call_media_SOURCES = tests/unit/test_call_media.c
tests_unit_test_call_media_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests
tests_unit_test_call_media_LDADD = $(TEST_LIBS)
