# SPDX-License-Identifier: GPL-3.0-or-later
# audio/: the media engine. Knows nothing of SIP and includes nothing from src/: it sees audio/ and base/
# (tests/layers.sh allows it base/sa.h only: socket addresses, nothing of base/'s services).
noinst_LIBRARIES += audio/libsphone_audio.a
audio_libsphone_audio_a_CPPFLAGS = -D_GNU_SOURCE -I$(top_srcdir)/audio -I$(top_srcdir)/base -I$(top_builddir)
audio_libsphone_audio_a_CFLAGS = $(AM_CFLAGS) $(SRTP_CFLAGS) $(PORTAUDIO_CFLAGS) $(SPEEXDSP_CFLAGS)
audio_libsphone_audio_a_SOURCES =

include audio/codec.mk
include audio/dev.mk
include audio/stream.mk
include audio/dlopen.mk
include audio/zrtp.mk
