# SPDX-License-Identifier: GPL-3.0-or-later
# ui/: the front ends (full-screen, headless) and main().
# ui/ sees the core's public headers only (src/ and base/ are on the path; tests/layers.sh holds the list of
# which of its headers ui/ may include) and nothing of audio/. ncurses is ui_curses.c's alone (ui_curses_run.c
# runs the front end through it), loaded on first use by curses_load.c (sphone does not link it: headless runs
# never map it).
UI_CPPFLAGS = -D_GNU_SOURCE -I$(top_srcdir)/ui -I$(top_srcdir)/src -I$(top_srcdir)/base -I$(top_builddir)

noinst_LIBRARIES += ui/libsphone_ui.a
ui_libsphone_ui_a_CPPFLAGS = $(UI_CPPFLAGS)
ui_libsphone_ui_a_CFLAGS = $(AM_CFLAGS) $(NCURSES_CFLAGS)
ui_libsphone_ui_a_SOURCES = ui/ui_headless.c ui/ui_headless.h \
	ui/ui_curses.c ui/ui_curses.h ui/ui_curses_priv.h ui/ui_curses_run.c ui/ui_model.c ui/ui_model.h ui/ui_keys.c ui/ui_keys.h \
	ui/ui_dial.c ui/ui_dial.h ui/ui_text.c ui/ui_text.h ui/curses_load.c

bin_PROGRAMS += sphone
sphone_SOURCES = ui/main.c
# main.c starts the demo (demo.h)
sphone_CPPFLAGS = $(UI_CPPFLAGS) -I$(top_srcdir)/demo -DSPHONE_DOCDIR='"$(docdir)"'
# libm only if something still calls into it: none at -O1 and above (-fno-math-errno makes sqrt and lrint
# instructions, tone.c has its own sine), but an -O0 build calls lrint; --as-needed leaves it out otherwise
sphone_LDFLAGS = -Wl,--as-needed
sphone_LDADD = ui/libsphone_ui.a demo/libsphone_demo.a $(SPHONE_LIBS) $(MATH_LIBS)

check_PROGRAMS += tests/unit/test_ui_dial
tests_unit_test_ui_dial_SOURCES = tests/unit/test_ui_dial.c
tests_unit_test_ui_dial_CPPFLAGS = $(UI_CPPFLAGS) -I$(top_srcdir)/tests
tests_unit_test_ui_dial_LDADD = ui/libsphone_ui.a $(TEST_LIBS)
TESTS += tests/unit/test_ui_dial

# events -> view state, keys -> commands: no terminal needed
check_PROGRAMS += tests/unit/test_ui_model
tests_unit_test_ui_model_SOURCES = tests/unit/test_ui_model.c
tests_unit_test_ui_model_CPPFLAGS = $(UI_CPPFLAGS) -I$(top_srcdir)/tests
tests_unit_test_ui_model_LDADD = ui/libsphone_ui.a $(TEST_LIBS)
TESTS += tests/unit/test_ui_model
check_PROGRAMS += tests/unit/test_ui_keys
tests_unit_test_ui_keys_SOURCES = tests/unit/test_ui_keys.c
tests_unit_test_ui_keys_CPPFLAGS = $(UI_CPPFLAGS) -I$(top_srcdir)/tests
tests_unit_test_ui_keys_LDADD = ui/libsphone_ui.a $(TEST_LIBS)
TESTS += tests/unit/test_ui_keys

# the curses UI driven through tmux: the demo (no external peer) and the Kamailio + baresip lab
TESTS += tests/ui_demo.sh tests/ui_lab.sh tests/ui_small.sh
EXTRA_DIST += tests/ui_demo.sh tests/ui_lab.sh tests/ui_small.sh tests/ui_lib.sh

# the call history pane and the status bar's missed/voicemail counts (issue 17), from the UA's events
ui_libsphone_ui_a_SOURCES += ui/ui_history.c ui/ui_history.h ui/ui_devices.c ui/ui_devices.h
check_PROGRAMS += tests/unit/test_ui_history
tests_unit_test_ui_history_SOURCES = tests/unit/test_ui_history.c
tests_unit_test_ui_history_CPPFLAGS = $(UI_CPPFLAGS) -I$(top_srcdir)/tests
tests_unit_test_ui_history_LDADD = ui/libsphone_ui.a $(TEST_LIBS)
TESTS += tests/unit/test_ui_history
check_PROGRAMS += tests/unit/test_ui_devices
tests_unit_test_ui_devices_SOURCES = tests/unit/test_ui_devices.c
tests_unit_test_ui_devices_CPPFLAGS = $(UI_CPPFLAGS) -I$(top_srcdir)/tests
tests_unit_test_ui_devices_LDADD = ui/libsphone_ui.a $(TEST_LIBS)
TESTS += tests/unit/test_ui_devices
# the pane and the counts in tmux (no network)
TESTS += tests/ui_history.sh tests/ui_devices.sh
EXTRA_DIST += tests/ui_history.sh tests/ui_devices.sh tests/jack_lib.sh
