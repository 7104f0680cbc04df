#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""auth_realm.py: digest credentials stay in the account's realms, challenges are capped; prints TAP.

Usage: auth_realm.py SPHONE WORKDIR CADIR KAM_TLS_PORT KAM_TCP_PORT SIPDUMP_DIR

Part 1, through the lab's Kamailio (started by auth_realm.sh): sphone registers as alice over TLS
(Kamailio challenges REGISTER with realm "sip.test", which becomes the account's realm; the config
adds `realm = other.test`). A scripted callee registers as bob over plain TCP and answers sphone's
INVITEs (after Kamailio's own 407) as each case says:
  foreign    401 realm="evil.test": sphone must not answer; the call ends 401 with a reason naming
             the realm and a warning; no Authorization for evil.test reaches the callee or appears
             in Kamailio's decrypted sipdump (control: the 401 itself is in the dump);
  alternate  401 for sip.test, then other.test, then sip.test ... (both the account's realms, a new
             nonce each time): sphone must stop after 4 answered challenges (the callee sees at most 4
             INVITEs; it gives up by itself after 12, so an endless loop fails rather than hangs);
  mixed      401 offering evil.test and sip.test at once: only sip.test gets credentials.
Part 2, a scripted registrar (hostile_peer.Proxy over TLS):
  REGISTER challenged with MD5 and SHA-256 for one realm: the answer is SHA-256 (and right);
  challenged with MD5 and a SHA-256 challenge sphone cannot answer (qop="auth-conf"): no MD5 answer
  is sent, registration_failed says MD5 was refused.
"""
import hashlib
import os
import random
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile_peer  # noqa: E402
from hostile_peer import Phone, diag, hdr, hdrs, ok  # noqa: E402

SPHONE, WORK, CADIR = sys.argv[1], sys.argv[2], sys.argv[3]
KAM_TLS, KAM_TCP, SIPDUMP = int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
ALICE_PW = os.environ.get("LAB_PW_alice", "alice-pw-7Qx")
BOB_PW = os.environ.get("LAB_PW_bob", "bob-pw-3Kd")


def dparams(v):
    return dict((k.lower(), a or b) for k, a, b in re.findall(r'(\w+)\s*=\s*(?:"([^"]*)"|([^,\s]+))', v))


def digest(alg, user, realm, pw, method, uri, nonce, nc=None, cnonce=None, qop=None):
    h = (lambda s: hashlib.new(alg, s.encode()).hexdigest())
    ha1, ha2 = h("%s:%s:%s" % (user, realm, pw)), h("%s:%s" % (method, uri))
    return h("%s:%s:%s:%s:%s:%s" % (ha1, nonce, nc, cnonce, qop, ha2)) if qop else h("%s:%s:%s" % (ha1, nonce, ha2))


class Callee:
    """bob over plain TCP at Kamailio: registers with digest, then answers INVITEs with self.answer(msg)."""

    def __init__(self):
        self.s = socket.create_connection(("127.0.0.1", KAM_TCP))
        self.lport = self.s.getsockname()[1]
        self.buf = b""
        self.lock = threading.Lock()
        self.invites = []          # every INVITE received (text)
        self.answer = None
        self.registered = threading.Event()
        self.cseq = 1
        self.callid = "%016x@bob" % random.getrandbits(64)
        threading.Thread(target=self._read, daemon=True).start()

    def send(self, s):
        with self.lock:
            self.s.sendall(s.encode())

    def register(self, auth=""):
        self.send("REGISTER sip:sip.test SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:%d;branch=z9hG4bK%x;rport\r\n"
                  "Max-Forwards: 70\r\nFrom: <sip:bob@sip.test>;tag=b1\r\nTo: <sip:bob@sip.test>\r\n"
                  "Call-ID: %s\r\nCSeq: %d REGISTER\r\nContact: <sip:bob@127.0.0.1:%d;transport=tcp>\r\n"
                  "Expires: 600\r\n%sContent-Length: 0\r\n\r\n"
                  % (self.lport, random.getrandbits(48), self.callid, self.cseq, self.lport, auth))
        self.cseq += 1

    def _read(self):
        while True:
            try:
                d = self.s.recv(65536)
            except OSError:
                return
            if not d:
                return
            self.buf += d
            while True:
                self.buf = self.buf.lstrip(b"\r\n")
                i = self.buf.find(b"\r\n\r\n")
                if i < 0:
                    break
                head = self.buf[:i].decode("utf-8", "replace")
                m = re.search(r"(?im)^(?:content-length|l)\s*:\s*(\d+)", head)
                n = int(m.group(1)) if m else 0
                if len(self.buf) < i + 4 + n:
                    break
                msg = self.buf[:i + 4 + n].decode("utf-8", "replace")
                self.buf = self.buf[i + 4 + n:]
                try:
                    self._dispatch(msg)
                except Exception as e:  # a test bug must not kill the reader silently
                    diag("callee: dispatch error %r" % e)

    def _dispatch(self, msg):
        if msg.startswith("SIP/2.0"):
            code = hostile_peer.status_of(msg)
            if "REGISTER" in (hdr(msg, "cseq") or "") and code == 401:
                p = dparams(hdr(msg, "www-authenticate"))
                resp = digest("md5", "bob", p["realm"], BOB_PW, "REGISTER", "sip:sip.test", p["nonce"],
                              "00000001", "c0ffee", "auth")
                self.register('Authorization: Digest username="bob", realm="%s", nonce="%s", '
                              'uri="sip:sip.test", response="%s", algorithm=MD5, qop=auth, nc=00000001, '
                              'cnonce="c0ffee"\r\n' % (p["realm"], p["nonce"], resp))
            elif "REGISTER" in (hdr(msg, "cseq") or "") and code == 200:
                self.registered.set()
            return
        method = msg.split(" ", 1)[0]
        if method == "INVITE":
            self.invites.append(msg)
            self.answer(msg)
        elif method in ("BYE", "CANCEL", "OPTIONS"):
            self.send(self.reply(msg, 200, "OK"))

    def reply(self, req, code, text, extra=""):
        lines = ["SIP/2.0 %d %s" % (code, text)] + ["Via: " + v for v in hdrs(req, "via", "v")]
        to = hdr(req, "to", "t")
        if code > 100 and ";tag=" not in to:
            to += ";tag=bob%x" % random.getrandbits(24)
        lines += ["From: " + hdr(req, "from", "f"), "To: " + to, "Call-ID: " + hdr(req, "call-id", "i"),
                  "CSeq: " + hdr(req, "cseq")]
        return "\r\n".join(lines) + "\r\n" + extra + "Content-Length: 0\r\n\r\n"

    def challenge(self, req, realms, algs=("MD5",)):
        extra = "".join('WWW-Authenticate: Digest realm="%s", nonce="%x", algorithm=%s, qop="auth"\r\n'
                        % (r, random.getrandbits(64), a) for r in realms for a in algs)
        self.send(self.reply(req, 401, "Unauthorized", extra))

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def creds_for(msgs, realm):
    """The Authorization/Proxy-Authorization values in msgs naming realm."""
    return [v for m in msgs for v in hdrs(m, "authorization") + hdrs(m, "proxy-authorization")
            if 'realm="%s"' % realm in v]


def place_call(phone, label, secs=15):
    """sphone calls bob; returns its ended event (or None)."""
    n = phone.count("ended")
    phone.cmd("call sips:bob@sip.test")
    ev = phone.wait("ended", n + 1, secs)
    ok(ev is not None, "%s: the call ended (%s)" % (label, ev and ev.get("reason")))
    return ev or {}


def part_kamailio():
    bob = Callee()
    bob.register()
    if not ok(bob.registered.wait(10), "the scripted callee registered as bob at Kamailio (TCP)"):
        return
    conf = os.path.join(WORK, "alice.conf")
    with open(conf, "w") as f:
        f.write("[general]\nlog_level = debug\n[account lab]\nuri = sips:alice@sip.test\npassword = \"%s\"\n"
                "proxy = sips:127.0.0.1:%d;transport=tls\nca_file = %s\nrealm = other.test\n"
                % (ALICE_PW, KAM_TLS, os.path.join(CADIR, "ca.pem")))
    os.chmod(conf, 0o600)
    phone = Phone(SPHONE, WORK, "alice", conf, ["--sip-trace"])
    try:
        if not ok(phone.wait("registered", 1, 15) is not None, "sphone registered at Kamailio (realm sip.test)"):
            return
        # ---- foreign realm
        bob.answer = lambda m: bob.challenge(m, ["evil.test"])
        ev = place_call(phone, "foreign")
        time.sleep(0.5)
        reason = ev.get("reason", "")
        ok(ev.get("status") == 401 and '"evil.test"' in reason and "not this account" in reason,
           "foreign: ended 401, the reason names the realm: '%s'" % reason)
        w = [e for e in phone.find("warning") if "evil.test" in e.get("message", "")]
        ok(len(w) == 1, "foreign: one warning says why (%s)" % (w and w[0].get("message")))
        ok(len(bob.invites) == 1, "foreign: the callee got one INVITE, not a second with credentials (%d)"
           % len(bob.invites))
        ok(not creds_for(bob.invites, "evil.test"), "foreign: no Authorization for evil.test reached the callee")
        # ---- two of the account's realms taking turns
        bob.invites = []
        turn = [0]

        def alternate(m):
            turn[0] += 1
            if turn[0] > 12:      # an endless loop (the bug) must end the test, not hang it
                bob.send(bob.reply(m, 486, "Busy Here"))
            else:
                bob.challenge(m, ["sip.test" if turn[0] % 2 else "other.test"])
        bob.answer = alternate
        ev = place_call(phone, "alternate", 30)
        time.sleep(0.5)
        reason = ev.get("reason", "")
        ok(len(bob.invites) <= 4,
           "alternate: the callee got %d INVITEs (Kamailio's 407 and 3 of its 401s answered: at most 4)"
           % len(bob.invites))
        ok("too many authentication challenges" in reason, "alternate: the reason says why: '%s'" % reason)
        ok(any("too many" in e.get("message", "") for e in phone.find("warning")),
           "alternate: and a warning")
        # ---- ours and a foreign realm in one 401
        bob.invites = []
        seen = [0]

        def mixed(m):
            seen[0] += 1
            if seen[0] == 1:
                bob.challenge(m, ["evil.test", "sip.test"])
            else:
                bob.send(bob.reply(m, 603, "Decline"))
        bob.answer = mixed
        ev = place_call(phone, "mixed")
        ok(len(bob.invites) == 2 and creds_for(bob.invites[1:], "sip.test") and
           not creds_for(bob.invites, "evil.test"),
           "mixed: answered for sip.test only (%d INVITEs)" % len(bob.invites))
        ok(ev.get("status") == 603, "mixed: then the callee's 603 ended it (%s)" % ev.get("status"))
    finally:
        rc = phone.quit()
        ok(rc == 0, "sphone exits cleanly (%s)" % rc)
        bob.close()
    dump = ""
    for fn in sorted(os.listdir(SIPDUMP)):
        if fn.endswith(".data"):
            with open(os.path.join(SIPDUMP, fn), "rb") as f:
                dump += f.read().decode("latin-1")
    ok('WWW-Authenticate: Digest realm="evil.test"' in dump,
       "control: the evil.test challenges are in Kamailio's decrypted sipdump")
    bad = re.findall(r'(?im)^(?:proxy-)?authorization:[^\r\n]*realm="evil\.test"', dump)
    ok(not bad, "no Authorization for evil.test anywhere in Kamailio's sipdump (%d)" % len(bad))


def part_registrar():
    """hostile_peer.Proxy as registrar, challenging REGISTER as self.challenge says."""
    px = hostile_peer.Proxy(os.path.join(CADIR, "server.pem"), os.path.join(CADIR, "server.key"))
    got = []
    state = {"chal": None, "nonces": ()}
    orig = px._dispatch

    def dispatch(t, msg):
        if msg.startswith("REGISTER") and state["chal"]:
            got.append(msg)
            a = hdr(msg, "authorization")
            if not a or dparams(a).get("nonce") not in state["nonces"]:
                px.send(px.reply(msg, 401, "Unauthorized", extra=state["chal"]), t)
                return
            p = dparams(a)
            alg = {"MD5": "md5", "SHA-256": "sha256"}.get(p.get("algorithm"), "?")
            want = digest(alg, "victim", p.get("realm"), "victim-pw", "REGISTER", p.get("uri"), p.get("nonce"),
                          p.get("nc"), p.get("cnonce"), p.get("qop")) if alg != "?" else None
            px.send(px.reply(msg, 200 if p.get("response") == want else 403, "X", extra="Expires: 3600\r\n"), t)
            px.conn = t
            return
        orig(t, msg)
    px._dispatch = dispatch
    def challenge(sha_qop):
        nonces = ("m%x" % random.getrandbits(32), "s%x" % random.getrandbits(32))
        state["nonces"] = nonces
        state["chal"] = ('WWW-Authenticate: Digest realm="sip.test", nonce="%s", algorithm=MD5, qop="auth"\r\n'
                         'WWW-Authenticate: Digest realm="sip.test", nonce="%s", algorithm=SHA-256, qop="%s"\r\n'
                         % (nonces[0], nonces[1], sha_qop))
    try:
        challenge("auth")
        conf = hostile_peer.write_conf(WORK, "victim", px.port, os.path.join(CADIR, "ca.pem"),
                                       'password = "victim-pw"\n')
        phone = Phone(SPHONE, WORK, "victim", conf)
        try:
            ev = phone.wait("registered", 1, 20)
            auths = [hdr(m, "authorization") for m in got if hdr(m, "authorization")]
            ok(ev is not None and auths and all("algorithm=SHA-256" in a for a in auths),
               "registrar offers MD5 and SHA-256: sphone answers SHA-256, and the response is right "
               "(registered: %s; %s)" % (ev is not None, auths and auths[0][:90]))
            # the same registrar, now with a SHA-256 challenge sphone cannot answer: no MD5 fallback
            n = phone.count("registration_failed")
            phone.cmd("unregister")
            phone.wait("unregistered", 1, 20)
            del got[:]
            challenge("auth-conf")
            phone.cmd("register")
            ev = phone.wait("registration_failed", n + 1, 20)
            time.sleep(0.3)
            ok(ev is not None and "MD5 refused" in ev.get("reason", ""),
               "MD5 and an unanswerable SHA-256: registration_failed '%s'" % (ev and ev.get("reason")))
            ok(len(got) == 1 and "algorithm=MD5" not in (hdr(got[0], "authorization") or ""),
               "... and no REGISTER answered it: the one REGISTER carried the old SHA-256 credentials, "
               "no MD5 answer followed (%d REGISTERs)" % len(got))
        finally:
            rc = phone.quit()
            ok(rc == 0, "sphone exits cleanly (%s)" % rc)
    finally:
        px.close()


def main():
    part_kamailio()
    part_registrar()
    print("1..%d" % hostile_peer.n_test)
    return 1 if hostile_peer.n_fail else 0


if __name__ == "__main__":
    sys.exit(main())
