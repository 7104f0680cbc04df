# SPDX-License-Identifier: GPL-3.0-or-later
# src/: the phone's core: user agent, accounts, registration, calls, SDP, events (no curses, no PortAudio).
# One library, fragments per area. It sees src/, sip/, base/ and audio/ (tests/layers.sh says which
# src/ files may use which).
noinst_LIBRARIES += src/libsphone.a
src_libsphone_a_CPPFLAGS = -D_GNU_SOURCE -I$(top_srcdir)/src -I$(top_srcdir)/sip -I$(top_srcdir)/base \
	-I$(top_srcdir)/audio -I$(top_builddir)
src_libsphone_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
src_libsphone_a_SOURCES = src/version.c src/version.h
# make rebuilds an archive only when a member is newer, so one made before sip/ and base/ had their own
# libraries would keep their old objects (and be linked first): rebuild it whenever the Makefile changes
EXTRA_src_libsphone_a_DEPENDENCIES = Makefile

include src/ua.mk
include src/call.mk
include src/sdp.mk
include src/nat.mk
include src/history.mk
include src/tones.mk
