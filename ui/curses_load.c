/* SPDX-License-Identifier: GPL-3.0-or-later */
/* curses_load.c: the ncurses calls ui_curses.c makes, forwarded to libncursesw loaded with dlopen on first use. */
/*
 * Linking libncursesw made every sphone process map and relocate it and
 * libtinfo at start-up, headless ones too: 252 KB resident for the whole run
 * and 0.4M instructions before main. These definitions take the place of the
 * library's at link time (sphone no longer links it): the first call loads
 * NCURSES_SONAME and every call goes to the real function. ncurses' own
 * initscr writes a message and exits when the terminal cannot be used; this
 * one does the same when the library cannot be loaded. The other calls come
 * after initscr, except curses_version (for --version), which then says the
 * library is missing.
 *
 * stdscr and curscr are the library's variables; ui_curses.c reads the
 * copies here, taken when initscr or resizeterm return (neither pointer
 * changes after initscr). Only the calls ui_curses.c uses are here; a new one
 * is added with one CURSES_FN line (the link fails until it is).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

#include <curses.h>

#ifndef NCURSES_SONAME
#define NCURSES_SONAME "libncursesw.so.6"
#endif

#define CURSES_FNS(FN)                                                                                 \
	FN(beep, int, (void), ())                                                                      \
	FN(cbreak, int, (void), ())                                                                    \
	FN(clearok, int, (WINDOW * w, bool b), (w, b))                                                 \
	FN(curs_set, int, (int v), (v))                                                                \
	FN(define_key, int, (const char *d, int k), (d, k))                                            \
	FN(endwin, int, (void), ())                                                                    \
	FN(init_pair, int, (NCURSES_PAIRS_T p, NCURSES_COLOR_T f, NCURSES_COLOR_T b), (p, f, b))       \
	FN(key_defined, int, (const char *d), (d))                                                     \
	FN(keypad, int, (WINDOW * w, bool b), (w, b))                                                  \
	FN(nodelay, int, (WINDOW * w, bool b), (w, b))                                                 \
	FN(noecho, int, (void), ())                                                                    \
	FN(nonl, int, (void), ())                                                                      \
	FN(set_escdelay, int, (int ms), (ms))                                                          \
	FN(start_color, int, (void), ())                                                               \
	FN(use_default_colors, int, (void), ())                                                        \
	FN(waddch, int, (WINDOW * w, const chtype c), (w, c))                                          \
	FN(waddnstr, int, (WINDOW * w, const char *s, int n), (w, s, n))                               \
	FN(wattr_off, int, (WINDOW * w, attr_t a, void *o), (w, a, o))                                 \
	FN(wattr_on, int, (WINDOW * w, attr_t a, void *o), (w, a, o))                                  \
	FN(werase, int, (WINDOW * w), (w))                                                             \
	FN(wget_wch, int, (WINDOW * w, wint_t * c), (w, c))                                            \
	FN(wmove, int, (WINDOW * w, int y, int x), (w, y, x))                                          \
	FN(wrefresh, int, (WINDOW * w), (w))

#define CURSES_PTR(name, ret, params, args) static ret(*p_##name) params;
CURSES_FNS(CURSES_PTR)
static WINDOW *(*p_initscr)(void);
static int (*p_resizeterm)(int, int);
static const char *(*p_curses_version)(void);
static bool (*p_has_colors)(void);
static WINDOW **p_stdscr, **p_curscr;

WINDOW *stdscr;
WINDOW *curscr;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;
static char why[256];

static void load(void)
{
	void *h = dlopen(NCURSES_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		snprintf(why, sizeof(why), "%s", dlerror());
		return;
	}
#define CURSES_SYM(name, ret, params, args)                                                            \
	if (!(p_##name = (ret(*) params)dlsym(h, #name)))                                              \
		goto fail;
	CURSES_FNS(CURSES_SYM)
	CURSES_SYM(initscr, WINDOW *, (void), ())
	CURSES_SYM(resizeterm, int, (int, int), ())
	CURSES_SYM(curses_version, const char *, (void), ())
	CURSES_SYM(has_colors, bool, (void), ())
	if (!(p_stdscr = dlsym(h, "stdscr")) || !(p_curscr = dlsym(h, "curscr")))
		goto fail;
	loaded = 1;
	return;
fail:
	snprintf(why, sizeof(why), "%s: %s", NCURSES_SONAME, dlerror());
	dlclose(h);
}

static int ready(void)
{
	pthread_once(&once, load);
	return loaded;
}

static void sync_windows(void)
{
	stdscr = *p_stdscr;
	curscr = *p_curscr;
}

WINDOW *initscr(void)
{
	WINDOW *w;

	if (!ready()) {
		fprintf(stderr, "sphone: the full-screen interface needs %s, which cannot be loaded (%s); "
				"install the Debian package libncursesw6, or run sphone --headless\n",
			NCURSES_SONAME, why);
		exit(1);
	}
	w = p_initscr(); /* exits with ncurses' own message if the terminal cannot be used */
	sync_windows();
	return w;
}

int resizeterm(int lines, int cols)
{
	int r;

	if (!ready())
		return ERR;
	r = p_resizeterm(lines, cols);
	sync_windows();
	return r;
}

bool has_colors(void)
{
	return ready() && p_has_colors();
}

const char *curses_version(void)
{
	return ready() ? p_curses_version() : "ncurses library " NCURSES_SONAME " could not be loaded";
}

#define CURSES_DEF(name, ret, params, args)                                                            \
	ret name params                                                                                \
	{                                                                                              \
		return ready() ? p_##name args : (ret)ERR;                                             \
	}
CURSES_FNS(CURSES_DEF)
