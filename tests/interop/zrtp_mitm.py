# SPDX-License-Identifier: GPL-3.0-or-later
"""zrtp_mitm.py: a man in the middle who controls the signalling and the media path between two sphones.

Alice and Bob each register at a scripted TLS registrar (hostile_peer.Proxy) that the attacker runs: a
B2BUA relaying Alice's INVITE to Bob. The first call it relays honestly (the SDP as it came, the media
straight between the phones), and both people confirm the ZRTP SAS (sas-verify). Then it attacks: it
rewrites each SDP (its own media address, its own SDES key, the a=zrtp-hash of its own ZRTP engine,
as an attacker in the signalling can), and tests/tools/zrtp_mitm answers each phone's ZRTP and
re-encrypts the audio from one leg to the other, so the call works and the attacker hears it. Once
with ZIDs of its own, once claiming the phones' real ZIDs (sent in clear in every Hello). What must
happen each time: the two phones show different SAS, and, since they confirmed each other before,
each says loudly that something is wrong (other-device; with the cloned ZIDs a retained-secret
MISMATCH, a possible attack). A last honest call shows the real peers' secrets survived.

Usage: zrtp_mitm.py SPHONE WORK CADIR MITM_TOOL
"""
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile_peer import (Phone, Proxy, body_of, diag, hdr, new_key, ok, script_main, status_of,  # noqa: E402
                          write_tone_wav)
import hostile_peer  # noqa: E402

SPHONE, WORK, CADIR, TOOL = sys.argv[1:5]
CERT, KEY, CA = (os.path.join(CADIR, f) for f in ("server.pem", "server.key", "ca.pem"))


def conf_for(name, port):
    path = os.path.join(WORK, name + ".conf")
    with open(path, "w") as f:
        # sdes-zrtp: SDES keys from the first packet, ZRTP on top (the attacker rewrites both)
        f.write("[general]\nlog_level = debug\n[account %s]\nuri = sips:%s@sip.test\n"
                "proxy = sips:127.0.0.1:%d;transport=tls\nca_file = %s\nexpires = 3600\n"
                "media_encryption = sdes-zrtp\n" % (name, name, port, CA))
    os.chmod(path, 0o600)
    return path


def start_phone(name, px, tone):
    wav_in = os.path.join(WORK, "%s-tone.wav" % name)
    write_tone_wav(wav_in, tone, 600)
    os.environ["XDG_DATA_HOME"] = os.path.join(WORK, name + ".data")  # a ZRTP cache (a ZID) each
    args = ["--audio-in", wav_in, "--audio-out", os.path.join(WORK, "%s-heard.wav" % name)]
    if name == "bob":
        args.append("--auto-answer")
    return Phone(SPHONE, WORK, name, conf_for(name, px.port), args)


def sdp_audio(sdp):
    """(port, a=zrtp-hash value or None, [(tag, suite)]) of the first m=audio."""
    port, zh, crypto, inm = 0, None, [], False
    for line in sdp.replace("\r\n", "\n").split("\n"):
        if line.startswith("m="):
            if inm:
                break
            f = line[2:].split()
            inm = f[0] == "audio"
            port = int(f[1]) if inm else port
        elif inm and line.startswith("a=zrtp-hash:"):
            zh = zh or line[12:].strip()
        elif inm and line.startswith("a=crypto:"):
            f = line[9:].split()
            crypto.append((f[0], f[1]))
    return port, zh, crypto


def sdp_of(port, crypto_line, zrtp_hash):
    return ("v=0\r\no=- %d 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            "m=audio %d RTP/SAVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
            "a=fmtp:101 0-16\r\na=sendrecv\r\na=crypto:%s\r\na=zrtp-hash:%s\r\n"
            % (random.getrandbits(31), port, crypto_line, zrtp_hash))


def request(px, method, ruri, callid, cseq, from_tag, to_hdr, body="", branch=None):
    """A request to the phone registered at px, from Alice (the B2BUA's leg towards Bob)."""
    branch = branch or "z9hG4bK%016x" % random.getrandbits(64)
    px.txn.setdefault(branch, hostile_peer.queue.Queue())
    s = ("%s %s SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:%d;branch=%s\r\nMax-Forwards: 70\r\n"
         "From: <sips:alice@sip.test>;tag=%s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d %s\r\n"
         "Contact: <sips:b2b@127.0.0.1:%d;transport=tls>\r\n" %
         (method, ruri, px.port, branch, from_tag, to_hdr, callid, cseq, method, px.port))
    if body:
        s += "Content-Type: application/sdp\r\n"
    s += "Content-Length: %d\r\n\r\n%s" % (len(body.encode()), body)
    px.send(s)
    return branch


class Mitm:
    """tests/tools/zrtp_mitm: two ZRTP engines and the SRTP relay between them."""

    def __init__(self, cache1, cache2):
        self.p = subprocess.Popen([TOOL, cache1, "sip:alice@sip.test", cache2, "sip:bob@sip.test"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.lines = []
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()
        self.ports = [int(x) for x in self.wait("ports").split()[1:]]
        self.hash = [self.wait("hash1")[6:], self.wait("hash2")[6:]]

    def _read(self):
        for line in self.p.stdout:
            with self.lock:
                self.lines.append(line.rstrip("\n"))

    def wait(self, prefix, secs=15.0):
        end = time.time() + secs
        while time.time() < end:
            with self.lock:
                for line in self.lines:
                    if line.startswith(prefix):
                        return line
            time.sleep(0.02)
        return None

    def cmd(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def stop(self):
        try:
            self.cmd("quit")
        except OSError:
            pass
        try:
            self.p.wait(10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        return self.wait("relayed", 20.0)


class B2bua:
    """Alice's registrar relays her INVITE to Bob's: honestly, or through the MITM tool."""

    def __init__(self, pa, pb):
        self.pa, self.pb = pa, pb
        self.mitm = None    # a Mitm for the next call, None: relay honestly
        self.done = threading.Event()
        self.error = None
        pa.on_invite = self.on_invite

    def on_invite(self, px, msg, t):
        threading.Thread(target=self.relay, args=(msg, t), daemon=True).start()

    def relay(self, msg, t):
        try:
            self._relay(msg, t)
        except Exception as e:  # reported by the test, not lost in a thread
            self.error = repr(e)
        self.done.set()

    def _relay(self, msg, t):
        sdp_a = body_of(msg)
        port_a, hash_a, crypto_a = sdp_audio(sdp_a)
        m = self.mitm
        if m:
            to_bob = sdp_of(m.ports[1], "1 AES_CM_128_HMAC_SHA1_80 inline:%s" % new_key(), m.hash[1])
        else:
            to_bob = sdp_a
        callid = "%016x@b2b" % random.getrandbits(64)
        ftag = "%08x" % random.getrandbits(32)
        br = request(self.pb, "INVITE", self.pb.contact, callid, 1, ftag, "<sips:bob@sip.test>", to_bob)
        r = self.pb.wait_resp(br, secs=15.0)
        if r is None or status_of(r) != 200:
            self.pa.send(self.pa.reply(msg, 480, "Temporarily Unavailable"), t)
            raise RuntimeError("bob did not answer: %s" % (r.split("\r\n")[0] if r else "nothing"))
        request(self.pb, "ACK", self.pb.contact, callid, 1, ftag, hdr(r, "to", "t"))
        sdp_b = body_of(r)
        if m:
            port_b, hash_b, _ = sdp_audio(sdp_b)
            m.cmd("peer2 127.0.0.1 %d %s" % (port_b, hash_b or "-"))
            m.cmd("peer1 127.0.0.1 %d %s" % (port_a, hash_a or "-"))
            m.cmd("start")
            tag = ([tg for tg, suite in crypto_a if suite == "AES_CM_128_HMAC_SHA1_80"] or ["1"])[0]
            to_alice = sdp_of(m.ports[0], "%s AES_CM_128_HMAC_SHA1_80 inline:%s" % (tag, new_key()), m.hash[0])
        else:
            to_alice = sdp_b
        self.pa.send(self.pa.reply(msg, 200, "OK", body=to_alice,
                                   extra="Contact: <sips:b2b@127.0.0.1:%d;transport=tls>\r\n" % self.pa.port), t)


def self_zid(name):
    """A phone's ZID as its ZRTP cache holds it (what anyone on the media path reads from its Hello)."""
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(WORK, name + ".data", "sphone", "zrtp.db"), uri=True)
    try:
        row = db.execute("SELECT zid FROM ziduri WHERE peeruri = 'self'").fetchone()
    finally:
        db.close()
    return row[0] if row else None


def cloned_cache(path, zid):
    """A fresh ZRTP cache whose own ZID is zid: the attacker claiming a victim's identity."""
    if subprocess.call([TOOL, "--init", path]) != 0:
        return False
    db = sqlite3.connect(path)
    try:
        db.execute("INSERT INTO ziduri (zid, selfuri, peeruri, active) VALUES (?, 'sphone:local', 'self', 0)",
                   (zid,))
        db.commit()
    finally:
        db.close()
    return True


def last(ph, name, call, key):
    got = ph.find(name, call=call)
    return got[-1].get(key) if got else None


def zrtp_done(ph, call, secs=20.0):
    """The security event that reports ZRTP's outcome on call (secure or failed), or None."""
    end = time.time() + secs
    while time.time() < end:
        for e in ph.find("security", call=call):
            if e.get("zrtp") in ("secure", "failed"):
                return e
        time.sleep(0.05)
    return None


def one_call(label, alice, bob, b2b, n):
    """Alice calls Bob through the B2BUA; returns the two ZRTP security events (or None)."""
    b2b.done.clear()
    alice.cmd("call sips:bob@sip.test")
    ea = alice.wait("established", n, 20.0)
    eb = bob.wait("established", n, 20.0)
    ok(b2b.done.wait(20.0) and b2b.error is None and ea is not None and eb is not None,
       "%s: established on both phones%s" % (label, "" if b2b.error is None else " (B2BUA: %s)" % b2b.error))
    if ea is None or eb is None:
        return None, None, None, None
    ca, cb = ea["call"], eb["call"]
    return ca, cb, zrtp_done(alice, ca), zrtp_done(bob, cb)


def hang_up(alice, bob, ca, cb, n):
    alice.cmd("hangup %d" % ca)
    bob.cmd("hangup %d" % cb)
    alice.wait("ended", n, 20)
    bob.wait("ended", n, 20)


def attacked(label, alice, bob, b2b, n, want_trust, mitm):
    ca, cb, sa, sb = one_call(label, alice, bob, b2b, n)
    ok(sa is not None and sb is not None and sa.get("zrtp") == "secure" and sb.get("zrtp") == "secure",
       "%s: ZRTP completes on each leg (with the attacker)" % label)
    if sa is None or sb is None:
        return
    s1, s2 = mitm.wait("secure1"), mitm.wait("secure2")
    diag("%s: Alice shows '%s', Bob '%s'; the attacker: leg 1 %s, leg 2 %s" % (label, sa.get("sas"), sb.get("sas"),
                                                                         s1, s2))
    ok(sa.get("sas") and sb.get("sas") and sa.get("sas") != sb.get("sas"),
       "%s: the two phones show different SAS ('%s' / '%s'): reading them aloud exposes the attack"
       % (label, sa.get("sas"), sb.get("sas")))
    ok(s1 and s2 and s1.endswith(" " + sa.get("sas")) and s2.endswith(" " + sb.get("sas")),
       "%s: each phone's SAS is the one it shares with the attacker's engine facing it" % label)
    ok(sa.get("zrtp_cache") == want_trust and sb.get("zrtp_cache") == want_trust,
       "%s: both phones report the cache state '%s' (Alice %s, Bob %s)"
       % (label, want_trust, sa.get("zrtp_cache"), sb.get("zrtp_cache")))
    word = "POSSIBLE ATTACK" if want_trust == "MISMATCH" else "verified with another device"
    wa = [w for w in alice.find("warning", call=ca) if word in w.get("message", "")]
    wb = [w for w in bob.find("warning", call=cb) if word in w.get("message", "")]
    ok(wa and wb, "%s: a 'warning' event on both phones says so ('%s')" % (label, wa[0]["message"] if wa else "none"))
    ok(word.split()[0] in (sa.get("sas_note") or "") or want_trust in (sa.get("sas_note") or "") or
       "another ZRTP device" in (sa.get("sas_note") or ""),
       "%s: the SAS note in the verify report says it too" % label)
    # the attack works otherwise: the audio passes through the attacker both ways
    time.sleep(3.0)
    hang_up(alice, bob, ca, cb, n)
    rel = mitm.stop()
    nums = [int(x) for x in rel.split()[1:]] if rel else [0, 0]
    ok(nums[0] > 50 and nums[1] > 50, "%s: the attacker relayed (decrypted and re-encrypted) %d and %d packets: "
       "the call itself gave nothing away" % (label, nums[0], nums[1]))


def main():
    pa, pb = Proxy(CERT, KEY), Proxy(CERT, KEY)
    b2b = B2bua(pa, pb)
    alice = start_phone("alice", pa, 440)
    bob = start_phone("bob", pb, 1000)
    try:
        ok(pa.wait_registered() and pb.wait_registered(), "both phones registered at the attacker's registrars")
        # 1. honest: the phones' own ZRTP, and both people confirm the SAS
        ca, cb, sa, sb = one_call("call 1 (relayed honestly)", alice, bob, b2b, 1)
        ok(sa and sb and sa.get("zrtp") == "secure" and sa.get("sas") == sb.get("sas") and
           sa.get("zrtp_cache") == "new",
           "call 1: ZRTP between the phones, the same SAS '%s' / '%s', cache new"
           % (sa and sa.get("sas"), sb and sb.get("sas")))
        if ca and cb:
            alice.cmd("sas-verify %d" % ca)
            bob.cmd("sas-verify %d" % cb)
            ok(alice.wait("security", 1, 5.0, call=ca, sas_confirmed="verified") and
               bob.wait("security", 1, 5.0, call=cb, sas_confirmed="verified"),
               "call 1: both confirm the SAS (sas-verify), stored")
            hang_up(alice, bob, ca, cb, 1)

        # 2. the attack, with ZIDs of the attacker's own
        b2b.mitm = Mitm(os.path.join(WORK, "mitm-own-1.db"), os.path.join(WORK, "mitm-own-2.db"))
        attacked("call 2 (MITM, own ZIDs)", alice, bob, b2b, 2, "other-device", b2b.mitm)

        # 3. the attack claiming the phones' real ZIDs: it cannot prove the retained secret
        za, zb = self_zid("alice"), self_zid("bob")
        c1, c2 = os.path.join(WORK, "mitm-as-bob.db"), os.path.join(WORK, "mitm-as-alice.db")
        ok(za and zb and cloned_cache(c1, zb) and cloned_cache(c2, za),
           "the attacker's caches claim Bob's ZID (facing Alice) and Alice's (facing Bob)")
        b2b.mitm = Mitm(c1, c2)
        attacked("call 3 (MITM, cloned ZIDs)", alice, bob, b2b, 3, "MISMATCH", b2b.mitm)

        # 4. honest again: the phones' own secrets survived both attacks
        b2b.mitm = None
        ca, cb, sa, sb = one_call("call 4 (relayed honestly)", alice, bob, b2b, 4)
        ok(sa and sb and sa.get("sas") == sb.get("sas") and sa.get("zrtp_cache") in ("new", "verified") and
           sb.get("zrtp_cache") in ("new", "verified"),
           "call 4: the same SAS again and no mismatch (Alice %s, Bob %s)"
           % (sa and sa.get("zrtp_cache"), sb and sb.get("zrtp_cache")))
        if ca and cb:
            hang_up(alice, bob, ca, cb, 4)
    finally:
        ra, rb = alice.quit(), bob.quit()
        ok(ra == 0 and rb == 0, "both phones exit cleanly (%s, %s)" % (ra, rb))
        pa.close()
        pb.close()
    print("1..%d" % hostile_peer.n_test)
    return 1 if hostile_peer.n_fail else 0


script_main(main)
