#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""tls_matrix.py: sphone --headless against TLS servers that must each be refused; prints TAP.

Usage: tls_matrix.py SPHONE WORKDIR CADIR

For each case a python TLS server on 127.0.0.1 (its certificate from lab.sh's lab_make_ca in CADIR)
is sphone's registrar; sphone must fail to register with a `registration_failed` event whose reason
names the cause, no REGISTER may reach the server (nothing is sent before the checks pass), and
every reason must differ from the others. The cases: expired, not yet valid, wrong host, unknown CA,
self-signed, a server that speaks only TLS 1.0/1.1, a public key pin that does not match, a
server that requires a client certificate sphone does not have, and (with SPHONE_DNS_SERVER set:
pbx.sip.test resolves to 127.0.0.1) a certificate whose only name for pbx.sip.test is the wildcard
*.sip.test (RFC 5922 7.2). A control with the good certificate registers, so a broken setup cannot
pass as nine refusals; so does a certificate whose only name is the SAN URI sip:pbx.sip.test.
"""
import base64
import hashlib
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile_peer import Phone, diag, ok  # noqa: E402
import hostile_peer  # noqa: E402

SPHONE, WORK, CADIR = sys.argv[1], sys.argv[2], sys.argv[3]


class Server:
    """Accepts TLS connections; answers REGISTER with 200 OK; counts REGISTERs that arrived."""

    def __init__(self, cert, key, old_tls=False, want_client_cert=False, tls12=False):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(os.path.join(CADIR, cert), os.path.join(CADIR, key))
        if old_tls:
            warnings.simplefilter("ignore", DeprecationWarning)   # that is the point of this server
            self.ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
            self.ctx.minimum_version = ssl.TLSVersion.TLSv1
            self.ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        if tls12:
            self.ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        if want_client_cert:
            self.ctx.verify_mode = ssl.CERT_REQUIRED
            self.ctx.load_verify_locations(os.path.join(CADIR, "ca.pem"))
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(4)
        self.port = self.ls.getsockname()[1]
        self.registers = 0
        self.handshake_errors = []
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                s, _ = self.ls.accept()
            except OSError:
                return
            threading.Thread(target=self._conn, args=(s,), daemon=True).start()

    def _conn(self, s):
        try:
            s.settimeout(10)
            t = self.ctx.wrap_socket(s, server_side=True)
        except (OSError, ssl.SSLError) as e:
            self.handshake_errors.append(str(e))
            s.close()
            return
        buf = b""
        try:
            while True:
                d = t.recv(65536)
                if not d:
                    break
                buf += d
                while b"\r\n\r\n" in buf:
                    head, buf = buf.split(b"\r\n\r\n", 1)
                    if head.startswith(b"REGISTER "):
                        self.registers += 1
                        lines = head.decode().split("\r\n")
                        keep = [x for x in lines[1:] if x.split(":")[0].lower() in ("via", "from", "to",
                                                                                    "call-id", "cseq", "contact")]
                        keep = [x + ";tag=m" if x.lower().startswith("to:") else x for x in keep]
                        t.sendall(("SIP/2.0 200 OK\r\n" + "\r\n".join(keep) +
                                   "\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n").encode())
        except (OSError, ssl.SSLError):
            pass
        t.close()

    def close(self):
        self.ls.close()


def pin_of(certfile):
    der = subprocess.run(["openssl", "x509", "-in", certfile, "-pubkey", "-noout"], capture_output=True,
                         check=True).stdout
    spki = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=der, capture_output=True,
                          check=True).stdout
    return "sha256/" + base64.b64encode(hashlib.sha256(spki).digest()).decode()


def conf(name, port, extra="", host="127.0.0.1"):
    path = os.path.join(WORK, name + ".conf")
    with open(path, "w") as f:
        f.write("[general]\nlog_level = debug\n[account m]\nuri = sips:alice@sip.test\n"
                "proxy = sips:%s:%d;transport=tls\nca_file = %s\nexpires = 600\n%s"
                % (host, port, os.path.join(CADIR, "ca.pem"), extra))
    os.chmod(path, 0o600)
    return path


def case(name, cert, key, pattern, extra="", todo=None, host="127.0.0.1", **srv):
    s = Server(cert, key, **srv)
    fname = "".join(ch if ch.isalnum() else "_" for ch in name)
    p = Phone(SPHONE, WORK, fname, conf(fname, s.port, extra, host))
    ev = p.wait("registration_failed", 1, 15)
    reason = ev.get("reason", "") if ev else ""
    regs = p.count("registered")
    p.quit()
    s.close()
    good = ev is not None and pattern in reason and regs == 0 and s.registers == 0
    ok(good, "%s: refused, no REGISTER sent: '%s'" % (name, reason), todo)
    if not good and not todo:
        diag("want '%s'; registered events %d, REGISTERs at the server %d; server saw: %s" %
             (pattern, regs, s.registers, s.handshake_errors[:2]))
    return reason


def main():
    reasons = {}
    # control: the good certificate registers
    s = Server("server.pem", "server.key")
    p = Phone(SPHONE, WORK, "control", conf("control", s.port))
    ev = p.wait("registered", 1, 15)
    p.quit()
    s.close()
    ok(ev is not None and ev.get("verified") is True and s.registers >= 1,
       "control: the lab CA's server certificate registers (verified)")
    reasons["expired"] = case("expired", "expired.pem", "expired.key", "expired on")
    reasons["notyet"] = case("not yet valid", "notyet.pem", "notyet.key", "is not valid before")
    reasons["wronghost"] = case("wrong host", "wronghost.pem", "wronghost.key",
                                "certificate is for 'wrong.example', not for '127.0.0.1'")
    reasons["unknownca"] = case("unknown CA", "unknownca.pem", "unknownca.key", "issuer is not trusted")
    reasons["selfsigned"] = case("self-signed", "selfsigned.pem", "selfsigned.key", "self-signed")
    reasons["oldtls"] = case("TLS 1.0/1.1-only server", "server.pem", "server.key", "no TLS 1.2 or newer",
                             old_tls=True)
    wrong_pin = pin_of(os.path.join(CADIR, "unknownca.pem"))
    reasons["pin"] = case("pin mismatch", "server.pem", "server.key", "pin mismatch: expected " + wrong_pin,
                          extra="tls_pin = %s\n" % wrong_pin)
    reasons["clientcert"] = case("client certificate required (TLS 1.2 server)", "server.pem", "server.key",
                                 "requires a client certificate: set tls_cert and tls_key",
                                 want_client_cert=True, tls12=True)
    # TLS 1.3: the handshake is complete for the client before the server's certificate_required
    # alert arrives, so sphone has already sent its REGISTER (the server never reads it). sphone
    # must still end in registration_failed with backoff, not reconnect in a tight loop (it did,
    # ~3 connections a second, until reg.c 7a2aab1). The reason should name the client certificate
    # too; that needs ua.c to hand the transport's reason to reg.c (reported), so it is shown, not
    # asserted, here.
    s = Server("server.pem", "server.key", want_client_cert=True)
    p = Phone(SPHONE, WORK, "clientcert13", conf("clientcert13", s.port))
    ev = p.wait("registration_failed", 1, 15)
    time.sleep(4)
    n_try = p.count("registering")
    p.quit()
    s.close()
    reason = ev.get("reason", "") if ev else ""
    ok(ev is not None and ev.get("status") == 0 and n_try <= 4,
       "client certificate required (TLS 1.3 server): registration_failed, then backoff (%d attempts): '%s'"
       % (n_try, reason))
    if "client certificate" not in reason:
        diag("the TLS 1.3 reason does not name the client certificate yet (ua.c -> reg_conn_lost_why)")
    # SIP domain names (RFC 5922) by name, not address: pbx.sip.test through the test's dnsmasq
    if os.environ.get("SPHONE_DNS_SERVER"):
        reasons["wildcard"] = case("wildcard-only certificate", "wildcard.pem", "wildcard.key",
                                   "certificate names 'pbx.sip.test' only by the wildcard '*.sip.test', and "
                                   "SIP accepts no wildcards (RFC 5922 7.2)", host="pbx.sip.test")
        s = Server("sipuri.pem", "sipuri.key")
        p = Phone(SPHONE, WORK, "sipuri", conf("sipuri", s.port, host="pbx.sip.test"))
        ev = p.wait("registered", 1, 15)
        p.quit()
        s.close()
        ok(ev is not None and ev.get("verified") is True and s.registers >= 1,
           "certificate named only by SAN URI sip:pbx.sip.test: registers to pbx.sip.test, verified")
        if ev is None:
            diag("sipuri: %s" % p.find("registration_failed")[:1])
    else:
        ok(True, "# SKIP wildcard-only certificate: no dnsmasq for the name pbx.sip.test")
        ok(True, "# SKIP SAN URI certificate: no dnsmasq for the name pbx.sip.test")
    n = len(reasons)
    ok(len(set(reasons.values())) == n and all(reasons.values()),
       "%d different messages for %d causes" % (n, n))
    print("1..%d" % hostile_peer.n_test)
    return 1 if hostile_peer.n_fail else 0


if __name__ == "__main__":
    sys.exit(main())
