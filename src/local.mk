# SPDX-License-Identifier: GPL-3.0-or-later
# src/: the phone's core: user agent, accounts, registration, calls, SDP, events (no curses, no PortAudio).
# One library, fragments per area; it also holds sip/ and base/ (sip/local.mk, base/local.mk).
noinst_LIBRARIES += src/libsphone.a
src_libsphone_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
src_libsphone_a_SOURCES = src/version.c src/version.h

include src/ua.mk
include src/call.mk
include src/sdp.mk
