# SPDX-License-Identifier: GPL-3.0-or-later
# jack_lib.sh: sound devices for tests without a sound card (sourced after lib.sh): PortAudio sees a private
# JACK dummy server (48 kHz, 20 ms periods) and an ALSA "null" device from a private .asoundrc.
# jack_start: sets the environment (private server name, no dbus reservation, HOME=$WORK for ALSA), starts
#   jackd and waits for it (Bail out when it does not come up); JACKD is its PID.   jack_stop: stops it.
# JACK keeps its servers in a registry of 8 slots (/dev/shm/jack-shm-registry) and frees a slot only when its
# server exits cleanly or a server of the same name starts again: a jackd killed (audio_gone.sh kills one on
# purpose, a timeout may kill others) holds its slot until the machine reboots, and after eight of them no
# jackd starts ("Too many servers already active"). So a test that finds no jackd running at all starts from
# a new registry, and the starts are serialised (flock) so that none removes it under another's server.
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
	jack_launch 48000 960 "$WORK/jackd.log" ||
		{ sed 's/^/# /' "$WORK/jackd.log"; echo "Bail out! jackd did not start"; exit 1; }
}

# jack_launch RATE PERIOD LOG: a dummy server under JACK_DEFAULT_SERVER's name (set by the caller), started
# when no other start is under way; JACKD is its PID; returns 1 when it does not come up within 20 s.
jack_launch() {
	local rc=0
	# one lock for every test on the machine, whatever its TMPDIR; opened read-only (flock needs no write)
	(umask 0 && : >>/tmp/sphone-jack-start.lock) 2>/dev/null
	exec 8</tmp/sphone-jack-start.lock
	flock 8
	if ! pgrep -x jackd >/dev/null 2>&1 && [ -e /dev/shm/jack-shm-registry ]; then
		echo "# no jackd is running: JACK's server registry starts afresh (slots of killed servers freed)"
		rm -f /dev/shm/jack-shm-registry
	fi
	jackd --no-realtime -d dummy -r "$1" -p "$2" >"$3" 2>&1 8<&- &
	JACKD=$!
	track_pid $JACKD
	WAIT_SECS=20 wait_for jack_lsp >/dev/null 2>&1 || rc=1
	exec 8<&-
	return $rc
}

jack_stop() {
	kill "$JACKD" 2>/dev/null
	wait "$JACKD" 2>/dev/null
	untrack_pid $JACKD
}
