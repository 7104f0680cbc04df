#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# cli.sh: the command line: --version/--help, options, --check-config, and headless mode without a network.
. "$top_srcdir/tests/interop/lib.sh"
S="$top_builddir/sphone"

out=$("$S" --version); ok $? "--version exits 0"
echo "$out" | grep -q '^sphone [0-9]'; ok $? "--version prints 'sphone X.Y.Z'"
echo "$out" | grep -q 'GPL-3.0-or-later'; ok $? "--version names the licence"
# the libraries it runs with, as each says at run time
echo "$out" | grep -q '^OpenSSL 3\.[0-9]*\.[0-9]* '; ok $? "--version: the OpenSSL it runs with"
if command -v openssl >/dev/null 2>&1; then
	lib=$(openssl version | sed -n 's/.*(Library: \(.*\))$/\1/p')
	[ -z "$lib" ] && lib=$(openssl version)
	echo "$out" | grep -qxF "$lib"; ok $? "... the same libcrypto the openssl command runs with ($lib)"
else
	ok 0 "# SKIP no openssl command to compare with"
fi
echo "$out" | grep -qx "libsrtp2 $(pkg-config --modversion libsrtp2 2>/dev/null || echo '[0-9.]*')"
ok $? "--version: libsrtp2 and its version"
echo "$out" | grep -q '^PortAudio V19' || echo "$out" | grep -q '^PortAudio library libportaudio.so.2 could not be loaded$'
ok $? "--version: PortAudio's own version text (or that it cannot be loaded)"
echo "$out" | grep -qx "ncurses $(ncursesw6-config --version 2>/dev/null || echo '[0-9.]*')"
ok $? "--version: ncurses and its version"
# with libportaudio.so.2 unloadable (a private mount namespace puts an empty file over it)
pa=$(ldconfig -p 2>/dev/null | awk '/libportaudio\.so\.2 / { print $NF; exit }')
pa=$(readlink -f "$pa" 2>/dev/null)
if [ -n "$pa" ] && unshare -m true 2>/dev/null; then
	out2=$(unshare -m sh -c 'mount --bind /dev/null "$1" && exec "$2" --version' sh "$pa" "$S"); rc=$?
	[ $rc -eq 0 ]; ok $? "--version without a loadable PortAudio exits 0"
	echo "$out2" | grep -qx 'PortAudio library libportaudio.so.2 could not be loaded'
	ok $? "... and says PortAudio could not be loaded"
	echo "$out2" | grep -q '^ncurses ' && echo "$out2" | grep -q '^OpenSSL '; ok $? "... the other libraries still listed"
else
	for i in 1 2 3; do ok 0 "# SKIP no private mount namespace to hide libportaudio.so.2"; done
fi
# the man pages carry the version and date configure found (doc/local.mk makes them from .in files)
v=$(echo "$out" | sed -n '1s/^sphone //p')
for m in doc/sphone.1 doc/sphone.conf.5; do
	grep -Eq "^\.TH [A-Z.]+ [15] \"[0-9]{4}-[0-9]{2}-[0-9]{2}\" \"sphone $v\" " "$top_builddir/$m"
	ok $? "$m: .TH carries version $v and a YYYY-MM-DD date"
	! grep -q '@[A-Za-z_]*@' "$top_builddir/$m"; ok $? "$m: no placeholder left"
done
grep -qx "\.I ${docdir:-/usr/local/share/doc/sphone}/sphone.conf.example" "$top_builddir/doc/sphone.1"
ok $? "sphone(1) names the example where make install puts it"
"$S" --help | grep -q -- '--version'; ok $? "--help lists the options"
for o in --config --account --headless --check-config --log --log-level --sip-trace --audio-in --audio-out \
	--audio-device --list-devices --auto-answer --hangup-after; do
	"$S" --help | grep -q -- "$o"; ok $? "--help lists $o"
done
"$S" --no-such-option >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "an unknown option exits 2"
"$S" >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "no mode given exits 2"
"$S" --headless --log-level loud >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "a bad --log-level exits 2"
"$S" --headless sip:bob@x >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "a URI argument with --headless exits 2 (use 'call URI')"
"$S" --headless --hangup-after 0 >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "--hangup-after 0 exits 2"
"$S" --headless --hangup-after 3x >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "--hangup-after 3x exits 2"
"$S" --headless --audio-device x --audio-in y.wav >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "--audio-device with --audio-in exits 2"

cat >"$WORK/good.conf" <<'C'
[general]
log_level = warn
[account lab]
uri = sips:alice@sip.test
password = "Sekr1t pass"
proxy = 127.0.0.1:5061
register = no
C
chmod 600 "$WORK/good.conf"
out=$("$S" --check-config -c "$WORK/good.conf" 2>"$WORK/err"); rc=$?
[ $rc -eq 0 ]; ok $? "--check-config on a valid file exits 0"
echo "$out" | grep -q '^uri = sips:alice@sip.test$'; ok $? "--check-config prints the settings"
echo "$out" | grep -q '^expires = 600$'; ok $? "... with defaults filled in"
echo "$out" | grep -q '^password = \*\*\*$'; ok $? "... the password masked"
echo "$out$(cat "$WORK/err")" | grep -q 'Sekr1t'; [ $? -ne 0 ]; ok $? "... and the password nowhere"

printf '[account lab]\nuri = sips:alice@sip.test\nexpires = 5\n' >"$WORK/bad.conf"
chmod 600 "$WORK/bad.conf"
"$S" --check-config -c "$WORK/bad.conf" >/dev/null 2>"$WORK/err"; rc=$?
[ $rc -eq 1 ]; ok $? "--check-config on a bad value exits 1"
grep -q "bad.conf:3: .*expires" "$WORK/err"; ok $? "the error names FILE:LINE and the key"
"$S" --check-config -c "$WORK/nope.conf" >/dev/null 2>"$WORK/err"; rc=$?
[ $rc -eq 1 ]; ok $? "a missing config file exits 1"
grep -q "nope.conf" "$WORK/err"; ok $? "and names the file"
grep -q "(${docdir:-/usr/local/share/doc/sphone}/sphone.conf.example is a start)" "$WORK/err"
ok $? "and the installed example (docdir from configure)"

# every error in the file, each as sphone: FILE:LINE: message; a near miss gets "did you mean"
cat >"$WORK/many.conf" <<C
[general]
log_leve = debug
[account lab]
uri = sips:alice@sip.test
pasword = x
ca_file = $WORK/missing-ca.pem
expires = 5
[acount other]
uri = sips:bob@sip.test
[ui]
colour = no
C
chmod 600 "$WORK/many.conf"
"$S" --check-config -c "$WORK/many.conf" >"$WORK/out" 2>"$WORK/err"; rc=$?
[ $rc -eq 1 ]; ok $? "--check-config with six errors exits 1"
[ ! -s "$WORK/out" ]; ok $? "... and prints no settings"
[ "$(wc -l <"$WORK/err")" -eq 6 ]; ok $? "... one line per error ($(wc -l <"$WORK/err") lines)"
for want in "2: unknown key 'log_leve' in \[general\]; did you mean 'log_level'?" \
	"5: unknown key 'pasword' in \[account lab\]; did you mean 'password'?" \
	"6: ca_file: cannot read '$WORK/missing-ca.pem': No such file or directory" \
	"7: expires: expected a whole number from 60 to 86400, got '5'" \
	"8: unknown section \[acount\] (did you mean \[account NAME\]?)" \
	"11: unknown key 'colour' in \[ui\]; did you mean 'color'?"; do
	grep -q "^sphone: $WORK/many.conf:$want" "$WORK/err"; ok $? "reported: ${want%%;*}"
done
grep "pasword" "$WORK/err" | grep -q "keepalive_interval, media_timeout, on_incoming, on_missed, mwi, voicemail, outbound, accept_transfer, stun_server$"
ok $? "the unknown key's message lists every valid key (not the first 200 bytes)"
"$S" --check-config -c "$WORK/good.conf" -a nobody >/dev/null 2>"$WORK/err"; rc=$?
[ $rc -eq 1 ] && grep -q "no \[account nobody\]" "$WORK/err"; ok $? "an unknown --account exits 1 and says so"
chmod 644 "$WORK/good.conf"
"$S" --check-config -c "$WORK/good.conf" >/dev/null 2>"$WORK/err"; rc=$?
grep -q "chmod 600" "$WORK/err"; ok $? "a password in a world-readable file draws a warning"
[ "$(cat "$WORK/err")" = "sphone: warning: $WORK/good.conf holds a password and others can read it: chmod 600 $WORK/good.conf" ]
ok $? "... one line, as 'sphone: warning: ...' like the other messages"
[ $rc -eq 0 ]; ok $? "... and the file is still valid (exit 0)"
chmod 600 "$WORK/good.conf"
# a file others may change could run their command (password_cmd) as us: refused, and --check-config says so
cp "$WORK/good.conf" "$WORK/open.conf" && chmod 666 "$WORK/open.conf"
"$S" --check-config -c "$WORK/open.conf" >"$WORK/out" 2>"$WORK/err"; rc=$?
[ $rc -eq 1 ] && [ ! -s "$WORK/out" ]; ok $? "--check-config on a world-writable file exits 1 (rc $rc), prints no settings"
grep -q "$WORK/open.conf: refused: others can write to it (mode 0666).*password_cmd.*fix: chmod go-w $WORK/open.conf" \
	"$WORK/err"; ok $? "... and names the file, the problem and the fix: $(cat "$WORK/err")"
echo status | timeout 10 "$S" --headless -c "$WORK/open.conf" >"$WORK/out" 2>"$WORK/err"; rc=$?
[ $rc -eq 1 ] && grep -q "open.conf: refused: others can write to it" "$WORK/err"; ok $? "headless start refuses it too (rc $rc)"
mkdir -m 777 "$WORK/shared" && cp "$WORK/good.conf" "$WORK/shared/in.conf"
"$S" --check-config -c "$WORK/shared/in.conf" >/dev/null 2>"$WORK/err"; rc=$?
[ $rc -eq 1 ] && grep -q "others can write to the directory $WORK/shared above it (mode 0777), so the file can be swapped" \
	"$WORK/err"; ok $? "a file in a world-writable directory is refused, naming the directory (rc $rc)"
XDG_CONFIG_HOME=$WORK/xdg "$S" --check-config >/dev/null 2>"$WORK/err"
grep -q "$WORK/xdg/sphone/sphone.conf" "$WORK/err"; ok $? "default config path is \$XDG_CONFIG_HOME/sphone/sphone.conf"

# --list-devices: PortAudio, ALSA and JACK never print on the terminal (their lines go to the log at
# debug level); with no sound card, one line and exit 1. HOME without .asoundrc, a JACK server that is
# not there; the plug-ins PortAudio loads leak a few KB at exit under ASan (as in pa_jack.sh).
out=$(HOME=$WORK JACK_NO_START_SERVER=1 JACK_DEFAULT_SERVER=sphone-cli-$$ \
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	"$S" --list-devices --log "$WORK/ld.log" --log-level debug 2>"$WORK/err"); rc=$?
if grep -q "could not be loaded" "$WORK/err"; then
	for i in 1 2 3; do ok 0 "# SKIP libportaudio.so.2 is not installed"; done
elif [ -z "$out" ]; then
	[ $rc -eq 1 ]; ok $? "--list-devices with no sound card exits 1"
	[ "$(cat "$WORK/err")" = "sphone: no sound card: PortAudio finds no capture or playback device (ALSA, JACK, OSS)" ]
	ok $? "... and says so in one line ($(wc -l <"$WORK/err") on stderr)"
	grep -q " DEBUG audio: .*jack server is not running" "$WORK/ld.log"
	ok $? "... what JACK said went to the log at debug level ($(grep -c ' DEBUG audio: ' "$WORK/ld.log") lines)"
else
	[ $rc -eq 0 ] && [ ! -s "$WORK/err" ]; ok $? "--list-devices lists the cards, nothing else on stderr"
	echo "$out" | grep -q '^[0-9]*: '; ok $? "... one 'INDEX: NAME' line each"
	grep -q " DEBUG audio: .*jack server is not running" "$WORK/ld.log"
	ok $? "... what JACK said went to the log at debug level"
fi

# headless, no registration: commands in, JSON lines out, EOF quits
printf 'status\nfrobnicate\ncall sip:bob@sip.test\nregister nobody\n' |
	timeout 10 "$S" --headless -c "$WORK/good.conf" --log "$WORK/log" --log-level info >"$WORK/out"; rc=$?
[ $rc -eq 0 ]; ok $? "headless: EOF on stdin quits with 0 (rc $rc)"
head -n 1 "$WORK/out" | grep -q '^{"event":"status","account":"lab","uri":"sips:alice@sip.test","state":"idle"}$'
ok $? "status event as a JSON line"
grep -q '^{"event":"error","command":"frobnicate","message":"unknown command' "$WORK/out"; ok $? "unknown command: error event"
grep -q '^{"event":"error","command":"call","message":"no account is connected yet.*"}$' "$WORK/out"; ok $? "call before registering: clear error"
grep -q '^{"event":"error","command":"register","message":"no account .nobody."}$' "$WORK/out"; ok $? "register with an unknown account: error"
tail -n 1 "$WORK/out" | grep -q '^{"event":"unregistered","account":"lab"}$'; ok $? "quit ends with unregistered"
python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$WORK/out"; ok $? "every stdout line is JSON"
[ -s "$WORK/log" ] && ! grep -q '^{' "$WORK/log"; ok $? "--log FILE gets the log, not the events"
# ncurses is loaded by the full-screen interface only (ui/curses_load.c): never mapped by a headless run
printf 'quit\n' | LD_DEBUG=files timeout 10 "$S" --headless -c "$WORK/good.conf" >/dev/null 2>"$WORK/ld_files"; rc=$?
[ $rc -eq 0 ] && grep -q 'file=libssl\.so\.3' "$WORK/ld_files" && ! grep -q 'libncurses\|libtinfo' "$WORK/ld_files"
ok $? "headless: libssl loaded, libncursesw and libtinfo never (rc $rc)"
# with libncursesw.so.6 unloadable (a private mount namespace puts an empty file over it)
nc=$(ldconfig -p 2>/dev/null | awk '/libncursesw\.so\.6 / { print $NF; exit }')
nc=$(readlink -f "$nc" 2>/dev/null)
if [ -n "$nc" ] && unshare -m true 2>/dev/null; then
	hide() { unshare -m sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' sh "$nc" "$@"; }
	printf 'status\n' | hide timeout 10 "$S" --headless -c "$WORK/good.conf" >"$WORK/out_nc" 2>/dev/null; rc=$?
	[ $rc -eq 0 ] && grep -q '^{"event":"status","account":"lab"' "$WORK/out_nc"
	ok $? "headless without a loadable libncursesw: runs as before (rc $rc)"
	# the full-screen interface needs a terminal: a pty from python's pty module. File audio, not the sound
	# card: PortAudio's ALSA plug-ins, unloaded at exit, leave a few KB that ASan's leak check reports
	# (as in pa_jack.sh), and this check is about ncurses
	python3 -c 'import sys, wave
w = wave.open(sys.argv[1], "wb"); w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
w.writeframes(bytes(3200)); w.close()' "$WORK/nc.wav"
	TERM=xterm hide timeout 10 python3 -c 'import os, pty, sys; sys.exit(os.waitstatus_to_exitcode(pty.spawn(sys.argv[1:])))' \
		"$S" -c "$WORK/good.conf" --audio-in "$WORK/nc.wav" --audio-out "$WORK/nc-out.wav" </dev/null >"$WORK/pty_nc" 2>&1; rc=$?
	[ $rc -eq 1 ] && grep -q 'the full-screen interface needs libncursesw.so.6, which cannot be loaded (.*); install the Debian package libncursesw6, or run sphone --headless' "$WORK/pty_nc"
	ok $? "full-screen without a loadable libncursesw: exits 1 saying which library and what to do (rc $rc): $(tr -d '\r' <"$WORK/pty_nc")"
	hide "$S" --version | grep -qx 'ncurses library libncursesw.so.6 could not be loaded'
	ok $? "--version without a loadable libncursesw says so"
else
	for i in 1 2 3; do ok 0 "# SKIP no private mount namespace to hide libncursesw.so.6"; done
fi
# the log file: mode 0600 even when it was there before with another mode; never through a symbolic link
: >"$WORK/old.log" && chmod 644 "$WORK/old.log"
printf 'quit\n' | timeout 10 "$S" --headless -c "$WORK/good.conf" --log "$WORK/old.log" --log-level info >/dev/null 2>&1
[ "$(stat -c %a "$WORK/old.log")" = 600 ] && [ -s "$WORK/old.log" ]; ok $? "--log on an existing 0644 file: written, now 0600"
: >"$WORK/elsewhere" && ln -s "$WORK/elsewhere" "$WORK/link.log"
printf 'quit\n' | timeout 10 "$S" --headless -c "$WORK/good.conf" --log "$WORK/link.log" >/dev/null 2>"$WORK/err"; rc=$?
[ $rc -eq 1 ] && grep -q -- "--log $WORK/link.log: is a symbolic link" "$WORK/err" && [ ! -s "$WORK/elsewhere" ]
ok $? "--log through a symbolic link: refused (rc $rc), the link's target untouched: $(cat "$WORK/err")"

# speexdsp, and libm with it, is loaded for a rate converter or an echo canceller only (audio/speex_load.c)
python3 -c 'import sys, wave
for r in (8000, 16000):
    w = wave.open("%s/tone%d.wav" % (sys.argv[1], r), "wb"); w.setnchannels(1); w.setsampwidth(2); w.setframerate(r)
    w.writeframes(bytes(r // 5 * 2)); w.close()' "$WORK"
printf 'quit\n' | LD_DEBUG=files timeout 10 "$S" --headless -c "$WORK/good.conf" --audio-in "$WORK/tone8000.wav" \
	--audio-out "$WORK/o.wav" >/dev/null 2>"$WORK/ld_files"; rc=$?
# (a sanitizer build's runtime, libasan/libubsan, needs libm itself: that load is not sphone's)
libm_ours=$(grep 'file=libm\.' "$WORK/ld_files" | grep -E 'needed by|dynamically loaded' | grep -Ev 'needed by [^ ]*/lib(a|ub)san\.so')
[ $rc -eq 0 ] && grep -q 'file=libssl\.so\.3' "$WORK/ld_files" && ! grep -q 'file=libspeexdsp' "$WORK/ld_files" && [ -z "$libm_ours" ]
ok $? "8 kHz WAV files: neither libspeexdsp nor libm loaded (rc $rc)"
printf 'quit\n' | LD_DEBUG=files timeout 10 "$S" --headless -c "$WORK/good.conf" --audio-in "$WORK/tone16000.wav" \
	--audio-out "$WORK/o.wav" >/dev/null 2>"$WORK/ld_files"; rc=$?
[ $rc -eq 0 ] && grep -q 'file=libspeexdsp\.so\.1 .*dynamically loaded' "$WORK/ld_files"
ok $? "a 16 kHz WAV: libspeexdsp loaded for its converter (rc $rc)"
sp=$(ldconfig -p 2>/dev/null | awk '/libspeexdsp\.so\.1 / { print $NF; exit }')
sp=$(readlink -f "$sp" 2>/dev/null)
if [ -n "$sp" ] && unshare -m true 2>/dev/null; then
	printf 'quit\n' | unshare -m sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' sh "$sp" \
		timeout 10 "$S" --headless -c "$WORK/good.conf" --audio-in "$WORK/tone16000.wav" >"$WORK/out_sp" 2>/dev/null; rc=$?
	[ $rc -eq 1 ] && grep -q '"resampler: libspeexdsp.so.1 cannot be loaded (install libspeexdsp1)"' "$WORK/out_sp"
	ok $? "a 16 kHz WAV without a loadable libspeexdsp: refused at start, saying why (rc $rc): $(cat "$WORK/out_sp")"
else
	ok 0 "# SKIP no private mount namespace to hide libspeexdsp.so.1"
fi

# a WAV that can't be read is refused at start with the reason
echo "not a wav" >"$WORK/bad.wav"
printf 'quit\n' | timeout 10 "$S" --headless -c "$WORK/good.conf" --audio-in "$WORK/bad.wav" >"$WORK/out3" 2>/dev/null
rc=$?
[ $rc -eq 1 ]; ok $? "--audio-in with a bad WAV exits 1 (rc $rc)"
grep -q '^{"event":"error","message":".*' "$WORK/out3"; ok $? "... with an error event"

# SIGTERM quits cleanly
mkfifo "$WORK/in"
"$S" --headless -c "$WORK/good.conf" <"$WORK/in" >"$WORK/out2" 2>/dev/null &
pid=$!
exec 7>"$WORK/in"
echo status >&7
WAIT_SECS=20 wait_for grep -q status "$WORK/out2"
kill -TERM "$pid"
WAIT_SECS=20 wait_for sh -c "! kill -0 $pid 2>/dev/null"
wait "$pid"; rc=$?
exec 7>&-
[ $rc -eq 0 ]; ok $? "SIGTERM: clean exit 0 (rc $rc)"
grep -q '"unregistered"' "$WORK/out2"; ok $? "SIGTERM: un-REGISTER path taken"
done_testing
