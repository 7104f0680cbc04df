#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""secrets_call.py: no SRTP key of a call appears in anything sphone writes; prints TAP.

Usage: secrets_call.py SPHONE WORKDIR CADIR

sphone --headless runs with --sip-trace and --log-level debug, once with --log FILE and once with
the log on stderr, against the scripted TLS peer of hostile_peer.py (which sees every SIP message
in plain text). Each run makes calls both ways, with DTMF, verify, status, hold and resume (sphone's
re-INVITEs) and a re-key by the peer (a re-INVITE with a new key), so keys of both ends, old and
new, went through sphone. Every `inline:` key seen on the wire is then looked for in the events
(stdout), stderr and the log file, in the forms a leak could take: the base64 text (with and
without padding, and its first 16 characters), the 30 bytes in hex (lower and upper case), the
16-byte master key and the 14-byte salt in hex and base64, and the RFC 3711 session keys derived
from it (encryption, authentication, salt) in hex. None may appear.
Controls: the same search finds every key in the peer's plain transcript; the trace in each
output shows the SDP bodies with their a=crypto lines (masked), so the search looked at real data.
"""
import base64
import os
import random
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile_peer import Call, Phone, Proxy, _prf, hdr, ok, write_conf  # noqa: E402
import hostile_peer  # noqa: E402

SPHONE, WORK, CADIR = sys.argv[1], sys.argv[2], sys.argv[3]


def needles_of(inline):
    km = base64.b64decode(inline)
    mk, ms = km[:16], km[16:]
    out = {inline, inline.rstrip("="), inline[:16], km.hex(), km.hex().upper(), mk.hex(), mk.hex().upper(),
           ms.hex(), ms.hex().upper(), base64.b64encode(mk).decode().rstrip("="),
           base64.b64encode(ms).decode().rstrip("=")}
    for label, n in ((0, 16), (1, 20), (2, 14)):
        out.add(_prf(mk, ms, label, n).hex())
    return out


def scenario(px, phone, tag):
    if not ok(px.wait_registered(15) and phone.wait("registered", 1, 20) is not None, "%s: registered" % tag):
        return
    # 1. the peer calls; DTMF, verify, status, hold/resume by sphone, re-key by the peer; sphone hangs up
    c = Call(px, 440)
    n_est = phone.count("established")
    c.invite(c.offer())
    ev = phone.wait("established", n_est + 1, 20)
    ok(ev is not None and c.established, "%s: incoming call established" % tag)
    if ev is None:
        return
    cid = ev["call"]
    time.sleep(0.5)
    phone.cmd("dtmf 159#")
    phone.verify(cid)
    phone.cmd("status")
    phone.cmd("hold")
    phone.wait("hold", 1, 5, call=cid)
    time.sleep(0.3)
    phone.cmd("resume")
    phone.wait("hold", 2, 5, call=cid)
    c.rekey()
    r = c.reinvite(c.offer())
    ok(r is not None and r.startswith("SIP/2.0 200"), "%s: the peer's re-INVITE with a new key is accepted" % tag)
    time.sleep(0.5)
    phone.verify(cid)
    n_end = phone.count("ended")
    phone.cmd("hangup")
    ok(phone.wait("ended", n_end + 1, 20) is not None, "%s: sphone hung up the incoming call" % tag)
    c.stop_media()

    # 2. sphone calls the peer; the peer answers with a key and hangs up
    got = {}

    def on_invite(px_, msg, t):
        oc = Call(px_, 700)
        oc.callid = hdr(msg, "call-id", "i")
        px_.calls[oc.callid] = oc
        oc.established = True
        got["c"] = oc
        px_.send(px_.reply(msg, 200, "OK", body=oc.offer(), to_tag="s%x" % random.getrandbits(24),
                           extra="Contact: <sips:peer@127.0.0.1:%d;transport=tls>\r\n" % px_.port), t)
    px.on_invite = on_invite
    n_est = phone.count("established")
    phone.cmd("call sips:peer@sip.test")
    ev = phone.wait("established", n_est + 1, 20)
    ok(ev is not None, "%s: outgoing call established" % tag)
    time.sleep(0.5)
    if ev is not None:
        phone.verify(ev["call"])
    n_end = phone.count("ended")
    phone.cmd("hangup")
    ok(phone.wait("ended", n_end + 1, 20) is not None, "%s: outgoing call ended" % tag)
    px.on_invite = None


def search(path, needles):
    data = open(path, "rb").read().decode("latin-1") if os.path.exists(path) else ""
    return sorted(n for n in needles if n in data), data


def run_once(tag, use_file):
    px = Proxy(os.path.join(CADIR, "server.pem"), os.path.join(CADIR, "server.key"))
    px.transcript = []
    conf = write_conf(WORK, tag, px.port, os.path.join(CADIR, "ca.pem"))
    logf = os.path.join(WORK, tag + ".file.log")
    args = ["--auto-answer", "--sip-trace", "--log-level", "debug"] + (["--log", logf] if use_file else [])
    phone = Phone(SPHONE, WORK, tag, conf, args)
    try:
        scenario(px, phone, tag)
    finally:
        rc = phone.quit()
        ok(rc == 0, "%s: clean exit (%s)" % (tag, rc))
        px.close()
    transcript = "\n".join(px.transcript)
    inlines = sorted(set(m.split("|")[0] for m in re.findall(r"inline:([A-Za-z0-9+/=|:^]+)", transcript)))
    inlines = [i for i in inlines if len(base64.b64decode(i + "=" * (-len(i) % 4))) == 30]
    ok(len(inlines) >= 5, "%s: %d distinct SRTP keys went over the wire (both ends, both calls, the re-key)"
       % (tag, len(inlines)))
    needles = set()
    for i in inlines:
        needles |= needles_of(i)
    tpath = os.path.join(WORK, tag + ".transcript")
    with open(tpath, "w") as f:
        f.write(transcript)
    hits, _ = search(tpath, {i for i in inlines})
    ok(len(hits) == len(inlines), "%s: control: the search finds all %d keys in the peer's plain transcript"
       % (tag, len(inlines)))
    outs = [(os.path.join(WORK, tag + ".events"), "events (stdout)"), (os.path.join(WORK, tag + ".log"), "stderr")]
    if use_file:
        outs.append((logf, "--log file"))
    trace_out = logf if use_file else os.path.join(WORK, tag + ".log")
    _, trace = search(trace_out, set())
    n_sdp = len(re.findall(r"(?m)^a=crypto:\d+ AES_CM_128_HMAC_SHA1_80 inline:\*\*\*", trace))
    ok(n_sdp >= 6 and "m=audio" in trace and "DEBUG" in trace,
       "%s: control: the trace holds the SDP bodies: %d a=crypto lines, each shown as inline:***" % (tag, n_sdp))
    for path, what in outs:
        hits, data = search(path, needles)
        ok(not hits and (len(data) > 0 or what == "stderr"), "%s: %s (%d bytes): none of the %d key forms of %d keys%s" %
           (tag, what, len(data), len(needles), len(inlines), (": FOUND " + ", ".join(hits[:3])) if hits else ""))


def main():
    run_once("logfile", True)
    run_once("stderr", False)
    print("1..%d" % hostile_peer.n_test)
    return 1 if hostile_peer.n_fail else 0


if __name__ == "__main__":
    sys.exit(main())
