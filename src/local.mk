# SPDX-License-Identifier: GPL-3.0-or-later
# src/: the SIP user-agent core (no curses, no PortAudio). One library, fragments per area.
noinst_LIBRARIES += src/libsphone.a
src_libsphone_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
src_libsphone_a_SOURCES = src/version.c src/version.h

include src/base.mk
include src/sip.mk
include src/net.mk
include src/auth.mk
include src/ua.mk
include src/call.mk
include src/sdp.mk
