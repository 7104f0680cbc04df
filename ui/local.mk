# SPDX-License-Identifier: GPL-3.0-or-later
# ui/: front ends (curses, headless) and main().
bin_PROGRAMS += sphone
sphone_SOURCES = ui/main.c ui/ui_headless.c ui/ui_headless.h
sphone_CFLAGS = $(AM_CFLAGS) $(NCURSES_CFLAGS)
sphone_LDADD = src/libsphone.a audio/libsphone_audio.a $(NCURSES_LIBS) $(CORE_LIBS) $(AUDIO_LIBS)

# curses front end and dial-line logic (ui helper)
sphone_SOURCES += ui/ui_curses.c ui/ui_curses.h ui/ui_dial.c ui/ui_dial.h

check_PROGRAMS += tests/unit/test_ui_dial
tests_unit_test_ui_dial_SOURCES = tests/unit/test_ui_dial.c ui/ui_dial.c ui/ui_dial.h
tests_unit_test_ui_dial_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/ui -I$(top_srcdir)/tests
tests_unit_test_ui_dial_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_ui_dial

# throwaway certificates for --demo (crypto.c) verified through tls.c
check_PROGRAMS += tests/unit/test_crypto_certs
tests_unit_test_crypto_certs_SOURCES = tests/unit/test_crypto_certs.c
tests_unit_test_crypto_certs_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests
tests_unit_test_crypto_certs_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test_crypto_certs

# sphone --demo: throwaway CA, local TLS/SRTP echo peer, one call (demo/ is separate from the phone)
sphone_SOURCES += demo/demo.c demo/demo.h demo/demo_peer.c demo/demo_peer.h
sphone_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/demo -DSPHONE_DOCDIR='"$(docdir)"'
sphone_LDADD += -lm
TESTS += tests/demo.sh
EXTRA_DIST += tests/demo.sh
# the curses UI driven through tmux: the demo (no external peer) and the Kamailio + baresip lab
TESTS += tests/ui_demo.sh tests/ui_lab.sh
EXTRA_DIST += tests/ui_demo.sh tests/ui_lab.sh tests/ui_lib.sh
# README's two Quick start commands in a fresh clone: on demand (tests/readme_quickstart.sh), not in make check
EXTRA_DIST += tests/readme_quickstart.sh scripts/demo
dist_doc_DATA = doc/sphone.conf.example
