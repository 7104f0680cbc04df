# SPDX-License-Identifier: GPL-3.0-or-later
# audio/perf.mk: PortAudio loaded on first use (pa_load.c) instead of linked into every program.
audio_libsphone_audio_a_SOURCES += audio/pa_load.c
