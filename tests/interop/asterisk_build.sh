#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# asterisk_build.sh: build the Asterisk the interop suite uses (tests/interop/asterisk_*.sh), with the shared
# build script ../shared/asterisk/build.sh, into $SPHONE_ASTERISK or ~/.cache/sphone-lab/asterisk. A no-op
# when that prefix holds this build already. Needs root (build.sh apt-gets its build dependencies).
# The shared folder: $SPHONE_SHARED (the folder holding asterisk/build.sh), else a "shared" folder next to
# this checkout or one level up. Fails loudly when there is none: the Asterisk tests would only skip.
# Then app_transfer.so, which build.sh leaves out (below); when it cannot be built, CI=true fails, else
# it says so and asterisk_transfer.sh skips that part.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
prefix=${SPHONE_ASTERISK:-${HOME:-/root}/.cache/sphone-lab/asterisk}
shared=""
for d in "${SPHONE_SHARED:-}" "$root/../shared" "$root/../../shared" "$root/shared"; do
	if [ -n "$d" ] && [ -x "$d/asterisk/build.sh" ]; then
		shared=$(cd "$d" && pwd)
		break
	fi
done
if [ -z "$shared" ]; then
	echo "asterisk_build.sh: NO Asterisk sources: no asterisk/build.sh in \$SPHONE_SHARED (${SPHONE_SHARED:-unset})," >&2
	echo "  $root/../shared, $root/../../shared or $root/shared. Set SPHONE_SHARED=DIR; without it the" >&2
	echo "  Asterisk interop tests skip." >&2
	exit 1
fi
t0=$(date +%s)
echo "asterisk_build.sh: $shared/asterisk/build.sh $prefix"
"$shared/asterisk/build.sh" "$prefix"
[ -x "$prefix/sbin/asterisk" ] || { echo "asterisk_build.sh: no $prefix/sbin/asterisk after the build" >&2; exit 1; }

# app_transfer.so: Transfer(), the one dialplan application that makes chan_pjsip send a REFER in a call
# (asterisk_transfer.sh part 1, Asterisk transferring sphone). build.sh's module list is fixed and leaves it
# out, and make install puts no headers in the prefix, so it is built here from the same tarball as a
# module on its own: configure (for include/asterisk/autoconfig.h; pjproject is not needed by it) and
# menuselect as build.sh runs it (for include/asterisk/buildopts.h, whose AST_BUILDOPT_SUM the loader
# compares with the installed asterisk's: a module built with other options is refused), then Asterisk's
# own module rule (-fPIC, AST_MODULE, AST_MODULE_SELF_SYM, the linker version script) for that one file.
# About 45 s on one core. Done again when the tarball or the asterisk binary is newer than the module.
moddir=$prefix/lib/asterisk/modules
mod=$moddir/app_transfer.so
tarball=$(ls "$shared"/asterisk/asterisk-*.tar.xz | head -n 1)
build_app_transfer() {
	bw=$(mktemp -d) || return 1
	# every step checked by hand: set -e does not act in a function called as an if condition
	(
		tar -xJf "$tarball" -C "$bw" || exit 1
		src=$(ls -d "$bw"/asterisk-*) && cd "$src" || exit 1
		nice ./configure --prefix="$prefix" --without-pjproject-bundled >"$bw/configure.out" 2>&1 ||
			{ tail -n 30 "$bw/configure.out"; exit 1; }
		nice make menuselect.makeopts >"$bw/make.out" 2>&1 || { tail -n 30 "$bw/make.out"; exit 1; }
		set --
		for c in ADDONS APPS BRIDGES CDR CEL CHANNELS CODECS FORMATS FUNCS PBX RES TESTS UTILS AGIS \
			CORE_SOUNDS MOH EXTRA_SOUNDS; do
			set -- "$@" --disable-category "MENUSELECT_$c"
		done
		menuselect/menuselect "$@" --enable app_transfer --disable BUILD_NATIVE menuselect.makeopts >/dev/null ||
			exit 1
		nice make -j1 apps >>"$bw/make.out" 2>&1 || { tail -n 30 "$bw/make.out"; exit 1; }
		sum=$(sed -n 's/^#define AST_BUILDOPT_SUM "\([0-9a-f]*\)"$/\1/p' include/asterisk/buildopts.h)
		if [ -z "$sum" ] || ! grep -aqF "$sum" "$prefix/sbin/asterisk"; then
			echo "asterisk_build.sh: app_transfer's build options (AST_BUILDOPT_SUM ${sum:-none}) are not" \
				"those of $prefix/sbin/asterisk: its loader would refuse the module" >&2
			exit 1
		fi
		[ -s apps/app_transfer.so ] || { echo "asterisk_build.sh: make apps built no app_transfer.so" >&2; exit 1; }
		install -m 755 apps/app_transfer.so "$mod.tmp" && mv -f "$mod.tmp" "$mod"
	)
	brc=$?
	rm -rf "$bw"
	return $brc
}
if [ -f "$mod" ] && [ -n "$(find "$mod" -newer "$tarball" -newer "$prefix/sbin/asterisk")" ]; then
	echo "asterisk_build.sh: app_transfer.so already built in $moddir"
elif t1=$(date +%s) && build_app_transfer; then
	echo "asterisk_build.sh: app_transfer.so built into $moddir ($(($(date +%s) - t1)) s)"
else
	rm -f "$mod.tmp"
	echo "### asterisk_build.sh: FAILED to build app_transfer.so from $tarball: Asterisk transferring sphone" >&2
	if [ "${CI:-}" = true ]; then
		echo "    (asterisk_transfer.sh part 1) would be skipped, and CI=true must not skip ###" >&2
		exit 1
	fi
	echo "    (asterisk_transfer.sh part 1) will be skipped ###" >&2
fi
echo "asterisk_build.sh: Asterisk ready in $prefix ($(($(date +%s) - t0)) s)"
