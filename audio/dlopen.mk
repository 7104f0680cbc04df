# SPDX-License-Identifier: GPL-3.0-or-later
# audio/dlopen.mk: libraries loaded on first use instead of linked into every program: PortAudio (pa_load.c).
audio_libsphone_audio_a_SOURCES += audio/pa_load.c
# speexdsp (and libm through it) likewise, on the first resampler or echo canceller (speex_load.c)
audio_libsphone_audio_a_SOURCES += audio/speex_load.c audio/speex_load.h
