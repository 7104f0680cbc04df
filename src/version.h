/* SPDX-License-Identifier: GPL-3.0-or-later */
/* version.h: the program's version string, and the versions of the libraries it runs with. */
#ifndef SPHONE_VERSION_H
#define SPHONE_VERSION_H

const char *sphone_version(void);

/*
 * One line per library below the user interface, as the library itself reports its version at run
 * time (not the headers sphone was built with): OpenSSL, libsrtp2, and PortAudio or why it cannot be
 * loaded. Each comes from the one file that uses that library.
 */
typedef void(version_line_h)(const char *line, void *arg);
void sphone_lib_versions(version_line_h *h, void *arg);

#endif
