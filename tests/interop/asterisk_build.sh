#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# asterisk_build.sh: build the Asterisk the interop suite uses (tests/interop/asterisk_*.sh), with the shared
# build script ../shared/asterisk/build.sh, into $SPHONE_ASTERISK or ~/.cache/sphone-lab/asterisk. A no-op
# when that prefix holds this build already. Needs root (build.sh apt-gets its build dependencies).
# The shared folder: $SPHONE_SHARED (the folder holding asterisk/build.sh), else a "shared" folder next to
# this checkout or one level up. Fails loudly when there is none: the Asterisk tests would only skip.
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
echo "asterisk_build.sh: Asterisk ready in $prefix ($(($(date +%s) - t0)) s)"
