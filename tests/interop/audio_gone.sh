#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# audio_gone.sh: the sound device disappears mid-call. alice (sphone on PortAudio, a private JACK dummy
# server) talks to bob (sphone on WAV files, media_timeout = 5) through Kamailio; mid-call the test kills
# jackd by its PID. alice warns that the device stopped, the call stays up on both ends (bob would end
# it after 5 s without authenticated media), alice's SRTP keeps reaching bob (silence, on the stream's own
# clock), and the call ends cleanly when alice hangs up; alice exits cleanly.
mkdir -p "$top_builddir/tests/work" && TMPDIR="$top_builddir/tests/work" && export TMPDIR
. "$top_srcdir/tests/interop/lab.sh"
. "$top_srcdir/tests/interop/call_lib.sh"
lab_require kamailio python3
. "$top_srcdir/tests/jack_lib.sh"

jack_start

SIG=$WORK/signal.wav
lab_make_wav "$SIG" 30 || { echo "Bail out! no test signal"; exit 1; }
lab_make_ca "$WORK/ca" || { echo "Bail out! cannot make the CA"; exit 1; }
lab_start_kamailio || { echo "Bail out! kamailio did not start"; exit 1; }

cs_conf "$WORK/alice.conf" alice
printf '[audio]\ntones = off\n' >>"$WORK/alice.conf"
# bob ends a call that brings him no authenticated media for 5 s: the proof that alice's SRTP never paused
cs_conf "$WORK/bob.conf" bob media_timeout=5
cs_start alice 7 "$WORK/alice.conf" --audio-device system
cs_start bob 8 "$WORK/bob.conf" --audio-in "$SIG" --audio-out "$WORK/bob-heard.wav"
cs_wait alice registered 15 && cs_wait bob registered 15; ok $? "both sphones registered"
cs_cmd alice "call bob"
cs_wait bob incoming 20; ok $? "bob: incoming call from alice"
cs_cmd bob answer
cs_wait alice established 20 && cs_wait bob established 20; ok $? "established on both"
[ "$(cs_field bob established srtp)" = true ]; ok $? "with SRTP"
sleep 2
cs_verify bob
p0=$(cs_field bob security packets_unprotected)
[ "${p0:-0}" -gt 20 ]; ok $? "bob takes alice's SRTP while her device runs ($p0 packets)"

# the device goes: JACK's server killed under the call (as a USB headset pulled out)
kill -KILL "$JACKD"
wait "$JACKD" 2>/dev/null
untrack_pid "$JACKD"
T_GONE=$(date +%s)
cs_wait alice warning 20 'sound device'; ok $? "alice warns: $(cs_field alice warning message)"
grep -q 'audio: the sound device .* has stopped' "$WORK/alice.log"; ok $? "... and logs it"
# longer than bob's media_timeout after the device went
while [ $(($(date +%s) - T_GONE)) -lt 8 ]; do sleep 1; done
[ "$(cs_count alice ended)" = 0 ] && [ "$(cs_count bob ended)" = 0 ]
ok $? "the call stays up on both ends 8 s after the device went (bob's media_timeout is 5 s)"
cs_verify bob
p1=$(cs_field bob security packets_unprotected)
[ "$(cs_field bob security plaintext_received)" = 0 ] && [ "$(cs_field bob security auth_failures)" = 0 ] &&
	[ "${p1:-0}" -ge $((p0 + 250)) ]
ok $? "alice's SRTP still reaches bob: $p0 -> $p1 packets, none in clear, no auth failure"
sleep 2
cs_verify bob
p2=$(cs_field bob security packets_unprotected)
[ "${p2:-0}" -ge $((p1 + 50)) ]; ok $? "... and goes on ($p1 -> $p2 packets in 2 s)"

cs_cmd alice hangup
cs_wait alice ended 20 && cs_wait bob ended 20; ok $? "alice hangs up; the call ends on both"
[ "$(cs_field alice ended by)" = local ] && [ "$(cs_field bob ended by)" = remote ]
ok $? "... by alice's BYE ($(cs_field bob ended reason))"
cs_quit bob
cs_quit alice
[ "$CS_RC" = 0 ]; ok $? "alice exits cleanly"
# the killed server still holds its slot in JACK's registry (tests/jack_lib.sh): a server of the same name
# takes it back and, stopped cleanly, frees it
jack_start
jack_stop
[ "$TAP_FAILED" = 0 ] || { cs_diag alice; cs_diag bob; }
done_testing
