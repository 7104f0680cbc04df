#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""early_media.py: sphone's local ring-back gives way to the far end's early media; prints TAP.

Usage: early_media.py SPHONE WORKDIR CADIR

The script is sphone's registrar and proxy over TLS and the callee (hostile_peer.py does the SIP, SRTP
and tones). sphone runs headless with [audio] tones = on and records what it plays (--audio-out).
  1. sphone calls; the callee answers 183 Session Progress with SDP and sends SRTP of its own 700 Hz
     tone (its ring-back or an announcement), then after 4 s 486 Busy Here: sphone plays that audio
     and no 425 Hz ring-back of its own.
  2. sphone calls again; the callee answers 180 Ringing without SDP, then after 3 s 486: sphone plays
     its own ring-back, 425 Hz.
The recording is searched with tonefind.py.
"""
import os
import random
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile_peer import Call, Phone, Proxy, body_of, hdr, ok, write_conf  # noqa: E402
from hostile_peer import script_main  # noqa: E402
import hostile_peer  # noqa: E402

SPHONE, WORK, CADIR = sys.argv[1], sys.argv[2], sys.argv[3]
HEARD = os.path.join(WORK, "heard.wav")
TONEFIND = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tonefind.py")
PEER_TONE = 700


def callee(early, secs):
    """An on_invite that answers 183 with SDP and media (early) or 180 without, then 486 after secs."""
    def on_invite(px, msg, t):
        tag = "cal%x" % random.getrandbits(24)
        if early:
            c = Call(px, PEER_TONE)
            c.callid = hdr(msg, "call-id", "i")
            px.calls[c.callid] = c
            px.send(px.reply(msg, 183, "Session Progress", body=c.offer(), to_tag=tag,
                             extra="Contact: <sips:callee@127.0.0.1:%d;transport=tls>\r\n" % px.port), t)
            c.start_from_answer(body_of(msg))   # sphone's offer: where to send, its key
        else:
            c = None
            px.send(px.reply(msg, 180, "Ringing", to_tag=tag), t)

        def busy():
            if c:
                c.stop_media()
            px.send(px.reply(msg, 486, "Busy Here", to_tag=tag), t)
        threading.Timer(secs, busy).start()
    return on_invite


def tones():
    out = subprocess.run([sys.executable, TONEFIND, HEARD, str(PEER_TONE), "425"], capture_output=True,
                         text=True).stdout
    runs = {}
    for line in out.splitlines():
        hostile_peer.diag("heard: " + line)
        f = line.split()
        spans = f[1][3:]
        runs[f[0]] = [] if spans == "-" else [tuple(float(v) for v in s.split("-")) for s in spans.split(",")]
    return runs


def run(px, phone):
    if not ok(px.wait_registered(15) and phone.wait("registered", 1, 20) is not None,
              "sphone registered over TLS at the scripted peer"):
        return
    px.on_invite = callee(True, 4.0)
    phone.cmd("call sips:callee@sip.test")
    ev = phone.wait("progress", 1, 20)
    ok(ev is not None and ev.get("early_media") is True, "183 with SDP: a 'progress' event with early media")
    ok(phone.wait("ended", 1, 20) is not None, "486 after 4 s: the call ended")
    time.sleep(1.0)
    px.on_invite = callee(False, 3.0)
    phone.cmd("call sips:callee@sip.test")
    ev = phone.wait("ringing", 1, 20)
    ok(ev is not None and ev.get("early_media") is False, "180 without SDP: 'ringing' without early media")
    ok(phone.wait("ended", 2, 20) is not None, "486 after 3 s: the second call ended")
    time.sleep(1.0)


def main():
    px = Proxy(os.path.join(CADIR, "server.pem"), os.path.join(CADIR, "server.key"))
    conf = write_conf(WORK, "caller", px.port, os.path.join(CADIR, "ca.pem"), extra="[audio]\ntones = on\n")
    phone = Phone(SPHONE, WORK, "caller", conf, ["--audio-out", HEARD])
    try:
        run(px, phone)
    finally:
        rc = phone.quit()
        ok(rc == 0, "sphone exits cleanly at the end (exit status %s)" % rc)
        px.close()
    r = tones()
    peer = r.get(str(PEER_TONE), [])
    ring = r.get("425", [])
    early_end = max((e for _, e in peer), default=0.0)
    # 4 s of it sent; on a loaded machine the device drops the time sphone was not scheduled for
    ok(sum(e - s for s, e in peer) >= 0.5,
       "the far end's early media was played: %.1f s of its %d Hz" % (sum(e - s for s, e in peer), PEER_TONE))
    # (a 50 ms window may hold the end of one and the start of the other)
    ok(not any(s < early_end - 0.1 for s, _ in ring),
       "no local ring-back while early media played (425 Hz runs %s, early media until %.2f s)" % (ring, early_end))
    ok(any(s >= early_end - 0.1 and 0.85 < e - s < 1.15 for s, e in ring),
       "without early media, sphone's own ring-back: a 1 s burst of 425 Hz (%s)" % ring)
    print("1..%d" % hostile_peer.n_test)
    return 1 if hostile_peer.n_fail else 0


if __name__ == "__main__":
    script_main(main)
