# SPDX-License-Identifier: GPL-3.0-or-later
# jack_lib.sh: sound devices for tests without a sound card (sourced after lib.sh): PortAudio sees a private
# JACK dummy server (48 kHz, 20 ms periods) and an ALSA "null" device from a private .asoundrc.
# jack_start: sets the environment (private server name, no dbus reservation, HOME=$WORK for ALSA), starts
#   jackd and waits for it (Bail out when it does not come up); JACKD is its PID.   jack_stop: stops it.
command -v jackd >/dev/null 2>&1 || skip_all "jackd not installed (Debian package jackd2)"

jack_start() {
	JACK_DEFAULT_SERVER="sphone-test-$$"
	JACK_NO_AUDIO_RESERVATION=1
	JACK_NO_START_SERVER=1
	export JACK_DEFAULT_SERVER JACK_NO_AUDIO_RESERVATION JACK_NO_START_SERVER
	# the ALSA and JACK plug-ins PortAudio dlopens leak a few KB at exit (see pa_jack.sh)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	export ASAN_OPTIONS
	# ALSA reads $HOME/.asoundrc: a null device of our own, and no real sound card configuration
	HOME="$WORK"
	export HOME
	printf 'pcm.sphonenull {\n\ttype null\n}\n' >"$WORK/.asoundrc"
	jackd --no-realtime -d dummy -r 48000 -p 960 >"$WORK/jackd.log" 2>&1 &
	JACKD=$!
	track_pid $JACKD
	WAIT_SECS=20 wait_for jack_lsp >/dev/null 2>&1 ||
		{ sed 's/^/# /' "$WORK/jackd.log"; echo "Bail out! jackd did not start"; exit 1; }
}

jack_stop() {
	kill "$JACKD" 2>/dev/null
	wait "$JACKD" 2>/dev/null
	untrack_pid $JACKD
}
