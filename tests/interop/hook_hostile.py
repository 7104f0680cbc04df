#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""hook_hostile.py: sphone's on_incoming/on_missed hooks and its history fed display names a hostile caller writes.

Usage: hook_hostile.py SPHONE WORKDIR CADIR

The script is sphone's registrar over TLS and the caller (hostile_peer.Proxy). It sends INVITEs whose
From display name holds shell code ($(...), backticks, ;, &, quotes), terminal escapes (ESC, BEL as
quoted-pairs), a right-to-left override, a folded line (CRLF SP) and a bare LF, lets each ring and then
CANCELs it (a missed call). sphone runs a hook script that writes what it got: SPHONE_CALLER_NAME must be
the name as printable text, its quoted-pairs resolved once (\" is ", RFC 3261 25.1), controls as '?',
no file the name tries to create may exist, and each missed call must be in the history file and in
`history`'s output as kind "missed", with the same name.
"""
import json
import os
import queue
import random
import socket
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile_peer import Phone, Proxy, diag, hdr, new_key, ok, sdp_offer, status_of, write_conf  # noqa: E402
import hostile_peer  # noqa: E402

SPHONE, WORK, CADIR = (os.path.abspath(a) for a in sys.argv[1:4])  # the script changes directory
HOOK_OUT = os.path.join(WORK, "hooks.out")

# (label, display name as it goes on the wire between the quotes, what the hook must get)
NAMES = [
    ("shell code, escaped quotes, ESC/BEL, RLO",
     'Mal \\"lory\\" $(touch PWNED1) `touch PWNED2`; touch PWNED3 & \\\x1b]0;t\\\x07 \u202eevil',
     'Mal "lory" $(touch PWNED1) `touch PWNED2`; touch PWNED3 & ?]0;t? ?evil'),
    # RFC 3261 25.1: each quoted-pair is one character, resolved once (\\ on the wire is one backslash)
    ("quoted-pairs",
     'A \\"B\\" C:\\\\tmp\\\\',
     'A "B" C:\\tmp\\'),
    ("a folded line (CRLF SP)",
     'Eve\r\n ; touch PWNED4 | id',
     'Eve   ; touch PWNED4 | id'),
    # a raw LF ends the header line: the message is malformed, and on a stream sphone cannot find the
    # next one, so it closes the connection (and registers again): no call, no hook
    ("a bare LF",
     'Bob\n$(touch PWNED6)',
     None),
    ("a line separator and NEL",
     'Trudy\u2028$(touch PWNED5)\u0085x',
     'Trudy?$(touch PWNED5)?x'),
]

CALLS = [w for _, _, w in NAMES if w is not None]


def invite(px, dname, port):
    """INVITE sphone from `"dname" <sips:mallory@sip.test>`; returns (branch, callid, from, to)."""
    br = "z9hG4bK%016x" % random.getrandbits(64)
    callid = "%016x@hook" % random.getrandbits(64)
    frm = '"%s" <sips:mallory@sip.test>;tag=%08x' % (dname, random.getrandbits(32))
    to = "<sips:victim@sip.test>"
    body = sdp_offer(port, ["1 AES_CM_128_HMAC_SHA1_80 inline:%s" % new_key()])
    px.txn.setdefault(br, queue.Queue())
    px.send("INVITE %s SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:%d;branch=%s\r\nMax-Forwards: 70\r\n"
            "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\n"
            "Contact: <sips:mallory@127.0.0.1:%d;transport=tls>\r\nContent-Type: application/sdp\r\n"
            "Content-Length: %d\r\n\r\n%s" % (px.contact, px.port, br, frm, to, callid, px.port,
                                              len(body.encode()), body))
    return br, callid, frm, to


def cancel(px, br, callid, frm, to):
    """CANCEL the INVITE (same branch); returns the INVITE's final status (ACKed)."""
    px.send("CANCEL %s SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:%d;branch=%s\r\nMax-Forwards: 70\r\n"
            "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n"
            % (px.contact, px.port, br, frm, to, callid))
    q = px.txn[br]
    end = time.time() + 5
    inv = None
    while time.time() < end and inv is None:
        try:
            r = q.get(timeout=max(0.01, end - time.time()))
        except queue.Empty:
            break
        if status_of(r) >= 200 and (hdr(r, "cseq") or "").endswith("INVITE"):
            inv = r
    if inv is not None:
        px.send("ACK %s SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:%d;branch=%s\r\nMax-Forwards: 70\r\n"
                "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
                % (px.contact, px.port, br, frm, hdr(inv, "to", "t"), callid))
    return status_of(inv) if inv is not None else 0


def refused(px, phone, label, wire, port, n):
    """An INVITE sphone must refuse as malformed: no answer, the connection closed, no call, no hook."""
    regs = px.registers
    n_inc = phone.count("incoming")
    br, _, _, _ = invite(px, wire, port)
    end = time.time() + 10
    while time.time() < end and px.registers == regs:
        time.sleep(0.05)
    ok(px.registers > regs and px.wait_resp(br, final=False, secs=0.1) is None,
       "%s: malformed: no answer, sphone closed the connection and registered again" % label)
    time.sleep(0.3)
    ok(phone.count("incoming") == n_inc and len(hook_lines("incoming")) == n and len(hook_lines("missed")) == n,
       "%s: no call, no hook run" % label)


def hook_lines(kind):
    try:
        with open(HOOK_OUT, encoding="utf-8", errors="replace") as f:
            return [ln.rstrip("\n").split("\t") for ln in f if ln.startswith(kind + "\t")]
    except OSError:
        return []


def wait_lines(kind, n, secs=20.0):
    end = time.time() + secs
    while time.time() < end and len(hook_lines(kind)) < n:
        time.sleep(0.05)
    return hook_lines(kind)


def main():
    os.chdir(WORK)   # sphone and its hooks run here: a file the name creates would appear here
    hook = os.path.join(WORK, "hook.sh")
    with open(hook, "w") as f:
        f.write("#!/bin/sh\nprintf '%s\\t%s\\t%s\\t%s\\t%s\\n' \"$SPHONE_EVENT\" \"$SPHONE_CALL_ID\" "
                "\"$SPHONE_CALLER_URI\" \"$SPHONE_CALLER_NAME\" \"${SPHONE_REASON-}\" >>'" + HOOK_OUT + "'\n")
    os.chmod(hook, 0o700)
    px = Proxy(os.path.join(CADIR, "server.pem"), os.path.join(CADIR, "server.key"))
    conf = write_conf(WORK, "victim", px.port, os.path.join(CADIR, "ca.pem"),
                      "on_incoming = %s\non_missed = %s\n" % (hook, hook))
    phone = Phone(SPHONE, WORK, "victim", conf, ["--sip-trace"])
    media = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    media.bind(("127.0.0.1", 0))
    try:
        run(px, phone, media.getsockname()[1])
    finally:
        rc = phone.quit()
        ok(rc == 0, "sphone exits cleanly at the end (exit status %s)" % rc)
        px.close()
        media.close()
    print("1..%d" % hostile_peer.n_test)
    return 1 if hostile_peer.n_fail else 0


def run(px, phone, port):
    if not ok(px.wait_registered(15) and phone.wait("registered", 1, 20) is not None,
              "sphone registered over TLS at the scripted proxy"):
        return
    n = 0
    for label, wire, want in NAMES:
        if want is None:
            refused(px, phone, label, wire, port, n)
            continue
        n += 1
        br, callid, frm, to = invite(px, wire, port)
        r = px.wait_resp(br, final=False, secs=20)
        ok(r is not None and status_of(r) == 180, "%s: sphone rings (%s)" % (label, r and r.split("\r\n")[0]))
        ev = phone.wait("incoming", n, 20)
        inc = wait_lines("incoming", n)
        got = inc[n - 1] if len(inc) >= n else None
        ok(got is not None and got[3] == want,
           "%s: on_incoming got SPHONE_CALLER_NAME %r (want %r)" % (label, got and got[3], want))
        ok(got is not None and got[2] == "sips:mallory@sip.test" and ev is not None and got[1] == str(ev.get("call")),
           "%s: ... and the caller's URI and call id" % label)
        code = cancel(px, br, callid, frm, to)
        ok(code == 487, "%s: CANCEL: the INVITE ends 487 (%s)" % (label, code))
        missed = wait_lines("missed", n)
        got = missed[n - 1] if len(missed) >= n else None
        ok(got is not None and got[3] == want and got[4] == "cancelled by the caller",
           "%s: on_missed: the same name, reason %r" % (label, got and got[4]))
        m = phone.wait("missed", n, 20)
        ok(m is not None and m.get("count") == n, "%s: missed count %s" % (label, m and m.get("count")))
    pwned = sorted(f for f in os.listdir(WORK) if f.startswith("PWNED"))
    ok(not pwned, "nothing in the display names was executed (%s)" % (pwned or "no PWNED file"))
    for line in open(HOOK_OUT, "rb"):
        if any((b < 0x20 and b != 9) or b == 0x7f for b in line.rstrip(b"\n")) or b"\xe2\x80\xae" in line or b"\xc2\x85" in line:
            ok(False, "a control character reached a hook: %r" % line)
            break
    else:
        ok(True, "no control character, line separator or bidi override reached a hook (%d lines)"
           % len(open(HOOK_OUT, "rb").readlines()))

    # the history: the file and what `history` says
    path = os.path.join(os.environ["XDG_STATE_HOME"], "sphone", "history")
    try:
        recs = [json.loads(ln) for ln in open(path, encoding="utf-8")]
    except (OSError, ValueError) as e:
        recs = []
        diag("history file %s: %r" % (path, e))
    ok([r.get("kind") for r in recs] == ["missed"] * len(CALLS),
       "history file: %d missed calls (%s)" % (len(CALLS), [r.get("kind") for r in recs]))
    ok([r.get("name") for r in recs] == CALLS and
       all(r.get("peer") == "sips:mallory@sip.test" and r.get("status") == 487 and not r.get("answered")
           for r in recs), "... each with the cleaned name, the peer, 487, not answered")
    st = os.stat(path)
    ok(stat.S_IMODE(st.st_mode) == 0o600, "... mode %o" % stat.S_IMODE(st.st_mode))
    n_hist = phone.count("history")
    n_missed = phone.count("missed")
    phone.cmd("history 10")
    m = phone.wait("missed", n_missed + 1, 20)
    hist = phone.find("history")[n_hist:]
    ok(m is not None and m.get("count") == len(CALLS) and [h.get("kind") for h in hist] == ["missed"] * len(CALLS),
       "history 10: %d history events of kind missed, then count %s" % (len(hist), m and m.get("count")))
    ok([h.get("name") for h in hist] == CALLS, "... the names as the hooks got them")


if __name__ == "__main__":
    hostile_peer.script_main(main)
