#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# layers.sh: no #include "..." crosses a layer the wrong way (base/ <- sip/ <- src/, audio/ <- src/ <- demo/ <- ui/); ui/ sees the core's public headers only.
top=${top_srcdir:-$(dirname "$0")/..}
cd "$top" || exit 1

# Who may include what. A row: the files it is about (a folder "DIR/" or one file), then what those
# files may include: "DIR/" = any header in that folder (and below), "DIR/x.h" = that header only.
# A file gets the rows of its folder and its own. A header of one of the LAYERS that no row
# allows fails; names found in none of them (config.h, made by configure) pass.
RULES='
base/       base/
audio/      audio/ base/sa.h
sip/        sip/ base/
src/        src/ sip/ base/
src/call_audio.c   audio/audev.h audio/stream.h audio/tones.h
src/call_media.c   audio/stream.h audio/zrtp.h audio/zrtp_wire.h
src/call_media.h   audio/srtp.h
src/call_media_net.c  audio/stream.h
src/call_media_priv.h  audio/zrtp.h
src/sdp.h          audio/srtp.h
src/sdp_crypto.h   audio/srtp.h
src/ua.c           audio/zrtp.h
src/ua_call.c      audio/srtp.h audio/zrtp.h
src/version.c      audio/audev.h audio/srtp.h
demo/       demo/ src/ sip/ base/ audio/
ui/         ui/ src/ua.h src/event.h base/loop.h base/log.h src/account.h
ui/main.c   demo/demo.h src/version.h
'
# src/'s window on the media engine: only the files below reach audio/, each for what it names:
#   call_audio.c  the shared device (audev.h), the stream it is lent to (stream.h), the phone's own
#                 sounds it mixes (tones.h; src/ names them by call_audio.h's call_audio_tone_id)
#   call_media.c  one call's SRTP stream (stream.h) and its ZRTP engine and a=zrtp-hash (zrtp.h, zrtp_wire.h);
#                 call_media.h: the suites a call may use (srtp.h)
#   call_media_net.c  the stream its sockets feed and STUN goes through once it runs (stream.h)
#   call_media_priv.h  the state call_media.c and call_media_net.c share, which holds ZRTP's result (zrtp.h)
#   sdp.h, sdp_crypto.h  a=crypto suites and key lengths (srtp.h)
#   ua.c          the ZRTP cache its calls shared, closed with the UA (zrtp.h)
#   ua_call.c     which configured suites the linked libsrtp2 supports (srtp.h); the ZRTP cache it opens
#                 once and lends every call (zrtp.h)
#   version.c     the run-time versions of PortAudio (audev.h) and libsrtp2 (srtp.h) for --version
# ui/'s window on the core, and why each header is in it:
#   ua.h       the user agent: accounts, calls, commands in, events out
#   event.h    the events' records
#   loop.h     ua_alloc runs on a loop the front end makes and runs (timers, stdin, signals)
#   account.h  the configuration the front end loads (and its [ui], [contacts]) and hands to ua_alloc
#   log.h      the front end routes the log (log pane, --log, levels, SIP trace) and masks peer text
#   version.h  --version
LAYERS='base audio sip src demo ui'

allowed_for() { # FILE: the allowances of the rows that apply to it
	echo "$RULES" | awk -v f="$1" 'NF { w = $1; if (w == f || (w ~ /\/$/ && index(f, w) == 1)) { $1 = ""; print } }'
}

is_allowed() { # HEADER ALLOWANCES...
	h=$1
	shift
	for a in "$@"; do
		case $a in
		*/) case $h in "$a"*) return 0 ;; esac ;;
		*) [ "$h" = "$a" ] && return 0 ;;
		esac
	done
	return 1
}

# The project headers an include name can mean: the including file's folder first (as the compiler
# looks there first), else every header of the layers whose path ends in the name.
resolve() { # FILE NAME
	d=$(dirname "$1")
	if [ -f "$d/$2" ]; then
		echo "$d/$2"
	else
		echo "$HEADERS" | grep -E "(^|/)$(printf '%s' "$2" | sed 's/[.[\*^$]/\\&/g')\$"
	fi
}

# shellcheck disable=SC2086
HEADERS=$(find $LAYERS -name '*.h' | sort)
# shellcheck disable=SC2086
FILES=$(find $LAYERS -name '*.[ch]' | sort)
nrows=$(echo "$RULES" | awk 'NF' | wc -l)
echo "1..$nrows"
i=0
echo "$RULES" | awk 'NF { print $1 }' | while read -r row; do
	i=$((i + 1))
	bad=""
	for f in $FILES; do
		# the row that is most about f decides whether f is reported here: its own, else its folder's
		own=$(echo "$RULES" | awk -v f="$f" 'NF && $1 == f { print $1 }')
		case $row in
		*/) case $f in "$row"*) [ -n "$own" ] && continue ;; *) continue ;; esac ;;
		*) [ "$f" = "$row" ] || continue ;;
		esac
		# shellcheck disable=SC2046
		set -- $(allowed_for "$f")
		# shellcheck disable=SC2013 # include names have no blanks
		for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
			hs=$(resolve "$f" "$inc")
			[ -z "$hs" ] && continue
			ok=""
			for h in $hs; do
				is_allowed "$h" "$@" && ok=1
			done
			if [ -z "$ok" ]; then
				line=$(grep -n "#[[:space:]]*include[[:space:]]*\"$inc\"" "$f" | head -1 | cut -d: -f1)
				bad="$bad $f:$line:$(echo "$hs" | paste -sd, -)"
			fi
		done
	done
	what=$(allowed_for "$row" | tr -s ' \n' '  ' | sed 's/^ //; s/ $//')
	if [ -z "$bad" ]; then
		echo "ok $i - $row includes only: $what"
	else
		echo "not ok $i - $row includes only: $what"
		for b in $bad; do
			echo "#   ${b%%:*}:$(echo "$b" | cut -d: -f2) includes $(echo "$b" | cut -d: -f3), which that layer may not"
		done
	fi
done
