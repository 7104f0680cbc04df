# ui/: front ends (curses, headless) and main().
bin_PROGRAMS += sphone
sphone_SOURCES = ui/main.c ui/ui_headless.c ui/ui_headless.h
sphone_CFLAGS = $(AM_CFLAGS) $(NCURSES_CFLAGS)
sphone_LDADD = src/libsphone.a audio/libsphone_audio.a $(NCURSES_LIBS) $(CORE_LIBS) $(AUDIO_LIBS)
