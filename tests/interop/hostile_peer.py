# SPDX-License-Identifier: GPL-3.0-or-later
"""hostile_peer.py: pieces for call-level hostile peer tests (imported by hostile_call.py, calls_loop.py).

A scripted SIP peer over TLS that is sphone's registrar and proxy at once, SDES-SRTP done here
(AES_CM_128_HMAC_SHA1_80/32 from RFC 3711, with python3-cryptography's AES), G.711 u-law, tone
detection (Goertzel), and a Phone wrapper for `sphone --headless`. Python stdlib + cryptography.
"""
import base64
import hashlib
import hmac
import math
import os
import queue
import random
import re
import select
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

n_test = 0
n_fail = 0


def ok(cond, desc, todo=None):
    """TAP ok; with todo (a reason), a failure is a known bug (TAP TODO: reported, not failing)."""
    global n_test, n_fail
    n_test += 1
    if not cond and not todo:
        n_fail += 1
    print("%s %d - %s%s" % ("ok" if cond else "not ok", n_test, desc, (" # TODO " + todo) if todo else ""),
          flush=True)
    return cond


def diag(msg):
    for line in str(msg).splitlines():
        print("# " + line, flush=True)


# ---------------------------------------------------------------- SRTP (RFC 3711), AES-CM + HMAC-SHA1

def _aes_ctr(key, iv, data):
    return Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor().update(data)


def _prf(mkey, msalt, label, n):
    """RFC 3711 4.3.1 with key_derivation_rate 0: x = label<<48 XOR salt, keystream from x*2^16."""
    x = int.from_bytes(msalt, "big") ^ (label << 48)
    return _aes_ctr(mkey, (x << 16).to_bytes(16, "big"), bytes(n))


def tag_len_of(suite):
    """The SRTP tag length of an AES_CM_128 suite name (the SRTCP tag is always 10)."""
    return 4 if suite.endswith("_32") else 10


class Srtp:
    """One direction of SRTP for one SSRC, 128-bit AES-CM, 80- or 32-bit RTP tag (SRTCP: checked only).

    roc/last_seq start a sending context from a given rollover counter (a context that carries the ROC
    over a re-key, RFC 3711 3.3.1) instead of from 0."""

    def __init__(self, inline_b64, tag_len=10, roc=0, last_seq=None):
        km = base64.b64decode(inline_b64)
        assert len(km) == 30
        mk, ms = km[:16], km[16:]
        self.ke = _prf(mk, ms, 0, 16)
        self.ka = _prf(mk, ms, 1, 20)
        self.ks = _prf(mk, ms, 2, 14)
        self.kca = _prf(mk, ms, 4, 20)
        self.tag_len = tag_len
        self.roc = roc
        self.last_seq = last_seq

    def authentic(self, pkt, roc):
        """Whether the RTP packet pkt authenticates with rollover counter roc."""
        if len(pkt) < 12 + self.tag_len:
            return False
        return hmac.compare_digest(self._tag(pkt[:-self.tag_len], roc), pkt[-self.tag_len:])

    def decrypt(self, pkt, roc):
        """The plain RTP packet of an authentic pkt at rollover counter roc."""
        body = pkt[:-self.tag_len]
        seq, ssrc = struct.unpack("!H", body[2:4])[0], struct.unpack("!I", body[8:12])[0]
        return self._crypt(body, rtp_hlen(body), ssrc, (roc << 16) | seq)

    def rtcp_index(self, pkt):
        """The 31-bit SRTCP index of pkt when it authenticates under this key (80-bit tag), else None."""
        if len(pkt) < 8 + 4 + 10:
            return None
        body, tag = pkt[:-10], pkt[-10:]
        if not hmac.compare_digest(hmac.new(self.kca, body, hashlib.sha1).digest()[:10], tag):
            return None
        return struct.unpack("!I", body[-4:])[0] & 0x7fffffff

    def _crypt(self, pkt, hlen, ssrc, index):
        iv = (int.from_bytes(self.ks, "big") << 16) ^ (ssrc << 64) ^ (index << 16)
        return pkt[:hlen] + _aes_ctr(self.ke, iv.to_bytes(16, "big"), pkt[hlen:])

    def _tag(self, data, roc):
        return hmac.new(self.ka, data + struct.pack("!I", roc), hashlib.sha1).digest()[:self.tag_len]

    def protect(self, pkt, hlen=None, roc=None):
        """pkt: a plain RTP packet; hlen: where encryption starts (default: parsed from the header)."""
        seq, ssrc = struct.unpack("!H", pkt[2:4])[0], struct.unpack("!I", pkt[8:12])[0]
        if hlen is None:
            hlen = rtp_hlen(pkt)
        if roc is None:
            if self.last_seq is not None and seq < self.last_seq and self.last_seq - seq > 32768:
                self.roc += 1
            self.last_seq = seq
            roc = self.roc
        enc = self._crypt(pkt, hlen, ssrc, (roc << 16) | seq)
        return enc + self._tag(enc, roc)

    def unprotect(self, pkt):
        """The plain packet, or None when the tag is wrong (the ROC is guessed as RFC 3711 3.3.1 says)."""
        if len(pkt) < 12 + self.tag_len:
            return None
        body, tag = pkt[:-self.tag_len], pkt[-self.tag_len:]
        seq, ssrc = struct.unpack("!H", body[2:4])[0], struct.unpack("!I", body[8:12])[0]
        roc = self.roc
        if self.last_seq is not None:
            if self.last_seq < 32768 and seq - self.last_seq > 32768:
                roc = (self.roc - 1) & 0xffffffff
            elif self.last_seq >= 32768 and self.last_seq - 32768 > seq:
                roc = self.roc + 1
        if not hmac.compare_digest(self._tag(body, roc), tag):
            return None
        if self.last_seq is None or roc > self.roc or (roc == self.roc and seq > self.last_seq):
            self.roc, self.last_seq = roc, seq
        try:
            hlen = rtp_hlen(body)
        except ValueError:
            return None
        return self._crypt(body, hlen, ssrc, (roc << 16) | seq)


def udp_drops(port):
    """The kernel's drop count (full receive buffer) of the 127.0.0.1 UDP socket bound to port."""
    n = 0
    for f in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            lines = open(f).read().splitlines()[1:]
        except OSError:
            continue
        for ln in lines:
            col = ln.split()
            if len(col) >= 13 and int(col[1].split(":")[1], 16) == port:
                n += int(col[-1])
    return n


def rtp_hlen(pkt):
    cc = pkt[0] & 15
    hlen = 12 + 4 * cc
    if pkt[0] & 0x10:
        if len(pkt) < hlen + 4:
            raise ValueError("short extension")
        hlen += 4 + 4 * struct.unpack("!H", pkt[hlen + 2:hlen + 4])[0]
    if hlen > len(pkt):
        raise ValueError("short")
    return hlen


def rtp_packet(pt, seq, ts, ssrc, payload, marker=False):
    return struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | pt, seq & 0xffff, ts & 0xffffffff,
                       ssrc) + payload


def new_key():
    return base64.b64encode(os.urandom(30)).decode()


# ---------------------------------------------------------------- G.711 u-law, tones

def _ulaw_enc(s):
    BIAS = 0x84
    sign = 0x80 if s < 0 else 0
    if s < 0:
        s = -s
    s = min(s, 32635) + BIAS
    exp = 7
    mask = 0x4000
    while exp > 0 and not (s & mask):
        exp -= 1
        mask >>= 1
    mant = (s >> (exp + 3)) & 0x0f
    return (~(sign | (exp << 4) | mant)) & 0xff


def _ulaw_dec(u):
    u = ~u & 0xff
    sign, exp, mant = u & 0x80, (u >> 4) & 7, u & 0x0f
    s = ((mant << 3) + 0x84) << exp
    s -= 0x84
    return -s if sign else s


ULAW_DEC = [_ulaw_dec(u) for u in range(256)]


def tone_ulaw(freq, start, n, amp=8000):
    """n u-law samples of a sine at freq Hz starting at sample index start (8 kHz)."""
    return bytes(_ulaw_enc(int(amp * math.sin(2 * math.pi * freq * (start + i) / 8000.0))) for i in range(n))


def ulaw_to_pcm(b):
    return [ULAW_DEC[x] for x in b]


def goertzel_share(samples, freq, rate=8000):
    """Fraction of the signal's energy at freq (0..1): ~1 for a pure tone at freq."""
    if not samples:
        return 0.0
    n = len(samples)
    k = 2 * math.cos(2 * math.pi * freq / rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + k * s1 - s2, s1
    p = s1 * s1 + s2 * s2 - k * s1 * s2
    e = sum(x * x for x in samples)
    return (2 * p / n) / e if e else 0.0


def tone_share(samples, freq, rate=8000, win_ms=100):
    """Median over 100 ms windows of goertzel_share: a few glitches (a concealed frame, a phase jump
    where the sender's clock slipped) do not decide it."""
    w = rate * win_ms // 1000
    v = sorted(goertzel_share(samples[i:i + w], freq, rate) for i in range(0, len(samples) - w + 1, w))
    return v[len(v) // 2] if v else 0.0


def recorded_tail(path, secs=2.0, skip=0.3):
    """(samples, rate): the last secs of a WAV sphone recorded, without its final skip seconds."""
    pcm, rate = read_wav(path)
    return pcm[-int(rate * secs):-int(rate * skip)], rate


def write_tone_wav(path, freq, secs, rate=8000):
    import wave
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * freq * i / rate)))
                               for i in range(int(secs * rate))))


def read_wav(path):
    import wave
    with wave.open(path, "rb") as w:
        n, rate, ch = w.getnframes(), w.getframerate(), w.getnchannels()
        data = w.readframes(n)
    s = struct.unpack("<%dh" % (len(data) // 2), data)
    return list(s[::ch]), rate


def heard_part(path, margin_s=0.3):
    """What a recording holds between its first and last loud sample, margin_s in from each: (samples, rate)."""
    pcm, rate = read_wav(path)
    loud = [i for i, x in enumerate(pcm) if abs(x) > 2000]
    return (pcm[loud[0] + int(rate * margin_s):loud[-1] - int(rate * margin_s)] if loud else []), rate


def script_main(main):
    """Runs a test script's main; an exception (a test bug) fails the test instead of passing it."""
    try:
        sys.exit(main())
    except Exception as e:
        diag("exception: %r" % e)
        print("1..%d" % (n_test + 1))
        print("not ok %d - the test script failed" % (n_test + 1))
        sys.exit(1)


# ---------------------------------------------------------------- sphone --headless

def peer_hears_phone(call, tone_hz, label, secs=1.5):
    """sphone's audio on `call` (decrypted here) is its tone_hz --audio-in tone: at least `secs` of it
    arrives within 2*secs (a loaded machine may delay the start after a resume)."""
    t = time.time()
    end = t + 2 * secs
    time.sleep(secs)
    while len(call.heard_since(t)) < 8000 * secs and time.time() < end:
        time.sleep(0.1)
    pcm = call.heard_since(t)
    share = tone_share(pcm, tone_hz)
    return ok(len(pcm) >= 8000 * secs and share > 0.8,
              "%s: sphone's audio arrives and decrypts: %d samples, %.0f%% of the energy at %d Hz (median)"
              % (label, len(pcm), 100 * share, tone_hz))


def answering_phone_main(sphone, work, cadir, tone_hz, run, check_heard, srtp_required=True, others=0):
    """The whole main of a test against sphone --headless --auto-answer registered at the scripted TLS
    proxy, playing a tone_hz tone and recording what it hears: run(px, phone, heard), sphone's clean
    exit checked, check_heard(heard) on its recording. Prints the TAP plan; returns the exit status.
    others: more accounts (other1, ...), each registered at a scripted proxy of its own (px.others)."""
    tone_in = os.path.join(work, "tone%d.wav" % tone_hz)
    heard = os.path.join(work, "heard.wav")
    write_tone_wav(tone_in, tone_hz, 120)
    px = Proxy(os.path.join(cadir, "server.pem"), os.path.join(cadir, "server.key"))
    px.others = [Proxy(os.path.join(cadir, "server.pem"), os.path.join(cadir, "server.key")) for _ in range(others)]
    extra = "".join("[account other%d]\nuri = sips:other%d@sip.test\nproxy = sips:127.0.0.1:%d;transport=tls\n"
                    "ca_file = %s\n" % (i + 1, i + 1, o.port, os.path.join(cadir, "ca.pem"))
                    for i, o in enumerate(px.others))
    conf = write_conf(work, "victim", px.port, os.path.join(cadir, "ca.pem"), extra, srtp_required)
    phone = Phone(sphone, work, "victim", conf, ["--auto-answer", "--audio-in", tone_in,
                                                  "--audio-out", heard, "--sip-trace"])
    try:
        run(px, phone, heard)
    finally:
        rc = phone.quit()
        ok(rc == 0, "sphone exits cleanly at the end (exit status %s)" % rc)
        px.close()
        for o in px.others:
            o.close()
    if os.path.exists(heard):
        check_heard(heard)
    else:
        ok(False, "sphone wrote what it played (%s)" % heard)
    print("1..%d" % n_test)
    return 1 if n_fail else 0


class Phone:
    """One sphone --headless process: commands on stdin, JSON events collected from stdout."""

    def __init__(self, sphone, work, name, conf, args=()):
        import json
        self.json = json
        self.events = []
        self.lock = threading.Lock()
        self.log = open(os.path.join(work, name + ".log"), "wb")
        self.evlog = open(os.path.join(work, name + ".events"), "w")
        self.p = subprocess.Popen([sphone, "--headless", "-c", conf] + list(args), stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=self.log)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.p.stdout:
            s = line.decode("utf-8", "replace").strip()
            try:
                ev = self.json.loads(s)
            except ValueError:
                ev = {"event": "?", "raw": s}
            with self.lock:
                self.events.append(ev)
                if not self.evlog.closed:
                    self.evlog.write(s + "\n")
                    self.evlog.flush()

    def find(self, name, **kw):
        with self.lock:
            return [e for e in self.events if e.get("event") == name and
                    all(e.get(k) == v for k, v in kw.items())]

    def count(self, name, **kw):
        return len(self.find(name, **kw))

    def wait(self, name, n=1, secs=20.0, **kw):
        end = time.time() + secs
        while time.time() < end:
            got = self.find(name, **kw)
            if len(got) >= n:
                return got[n - 1]
            if self.p.poll() is not None:
                return None
            time.sleep(0.02)
        return None

    def cmd(self, line):
        try:
            self.p.stdin.write((line + "\n").encode())
            self.p.stdin.flush()
            return True
        except OSError:
            return False

    def verify(self, call):
        n = self.count("security", call=call)
        self.cmd("verify %d" % call)
        return self.wait("security", n + 1, 5.0, call=call)

    def alive_and_answering(self):
        if self.p.poll() is not None:
            return False
        n = self.count("status")
        return self.cmd("status") and self.wait("status", n + 1, 20) is not None

    def rss_kib(self):
        with open("/proc/%d/status" % self.p.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return -1

    def quit(self):
        if self.p.poll() is None:
            try:
                self.p.stdin.close()
            except OSError:
                pass
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.reader.join(5)
        self.log.close()
        with self.lock:
            self.evlog.close()
        return self.p.returncode


def write_conf(work, name, port, ca_file, extra="", srtp_required=True):
    path = os.path.join(work, name + ".conf")
    with open(path, "w") as f:
        f.write("[general]\nlog_level = debug\n[account victim]\nuri = sips:victim@sip.test\n"
                "proxy = sips:127.0.0.1:%d;transport=tls\nca_file = %s\nexpires = 3600\n"
                "media_encryption = sdes\nsrtp_required = %s\n%s"
                % (port, ca_file, "yes" if srtp_required else "no", extra))
    os.chmod(path, 0o600)
    return path


# ---------------------------------------------------------------- SIP over TLS

def hdr(msg, name, compact=None):
    """First value of header name (case-insensitive, compact form too) in msg (str), or None."""
    names = [name.lower()] + ([compact] if compact else [])
    head = msg.split("\r\n\r\n", 1)[0]
    for line in head.split("\r\n")[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() in names:
            return v.strip()
    return None


def hdrs(msg, name, compact=None):
    names = [name.lower()] + ([compact] if compact else [])
    head = msg.split("\r\n\r\n", 1)[0]
    return [line.partition(":")[2].strip() for line in head.split("\r\n")[1:]
            if line.partition(":")[0].strip().lower() in names]


def body_of(msg):
    return msg.split("\r\n\r\n", 1)[1] if "\r\n\r\n" in msg else ""


def status_of(msg):
    m = re.match(r"SIP/2\.0 (\d{3}) ", msg)
    return int(m.group(1)) if m else 0


def tag_of(v):
    m = re.search(r";\s*tag=([^;>\s]+)", v or "")
    return m.group(1) if m else None


def sdp_info(sdp):
    """(rtp port, {tag: (suite, inline)} of the first m=audio, proto, direction) of an SDP body."""
    port, proto, crypto, direction = 0, "", {}, "sendrecv"
    in_audio = False
    for line in sdp.replace("\r\n", "\n").split("\n"):
        if line.startswith("m="):
            if in_audio:
                break
            f = line[2:].split()
            if f and f[0] == "audio":
                in_audio = True
                port, proto = int(f[1]), f[2]
        elif in_audio and line.startswith("a=crypto:"):
            f = line[9:].split()
            if len(f) >= 3 and f[2].startswith("inline:"):
                crypto[f[0]] = (f[1], f[2][7:].split("|")[0])
        elif in_audio and line[2:] in ("sendrecv", "sendonly", "recvonly", "inactive"):
            direction = line[2:]
    return port, crypto, proto, direction


def sdp_offer(port, crypto_lines, proto="RTP/SAVP", direction="sendrecv", extra_m=""):
    s = ("v=0\r\no=- %d 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
         "m=audio %d %s 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
         "a=fmtp:101 0-16\r\n" % (random.getrandbits(31), port, proto))
    for c in crypto_lines:
        s += "a=crypto:%s\r\n" % c
    s += "a=%s\r\n" % direction
    return s + extra_m


class Proxy:
    """TLS server on 127.0.0.1: sphone's registrar and proxy, and the far end of its calls.

    Requests from sphone: REGISTER/OPTIONS 200; BYE 200 (call ends); ACK noted; INVITE: a new call
    is handed to on_invite (default 486), a re-INVITE is answered from the call's SDP. Responses are
    matched to our client transactions by Via branch."""

    def __init__(self, cert, key):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        self.ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(8)
        self.port = self.ls.getsockname()[1]
        self.conns = []
        self.conn = None           # the connection sphone registered on
        self.contact = None        # sphone's Contact URI
        self.registers = 0
        self.lock = threading.Lock()
        self.txn = {}              # branch -> queue of responses
        self.calls = {}            # Call-ID -> Call
        self.on_invite = None
        self.received = []         # every request from sphone: (method, msg)
        self.transcript = None     # a list: every message both ways is appended (plain text)
        self.stopping = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopping:
            try:
                s, _ = self.ls.accept()
            except OSError:
                return
            try:
                s.settimeout(10)
                t = self.ctx.wrap_socket(s, server_side=True)
                t.settimeout(None)
            except (OSError, ssl.SSLError):
                s.close()
                continue
            self.conns.append(t)
            threading.Thread(target=self._read, args=(t,), daemon=True).start()

    def _read(self, t):
        buf = b""
        while True:
            try:
                d = t.recv(65536)
            except (OSError, ssl.SSLError):
                return
            if not d:
                return
            buf += d
            while True:
                buf = buf.lstrip(b"\r\n")
                i = buf.find(b"\r\n\r\n")
                if i < 0:
                    break
                head = buf[:i].decode("utf-8", "replace")
                m = re.search(r"(?im)^(?:content-length|l)\s*:\s*(\d+)", head)
                n = int(m.group(1)) if m else 0
                if len(buf) < i + 4 + n:
                    break
                msg = buf[:i + 4 + n].decode("utf-8", "replace")
                buf = buf[i + 4 + n:]
                try:
                    self._dispatch(t, msg)
                except Exception as e:  # a test bug must not kill the reader silently
                    diag("proxy: dispatch error %r" % e)

    def send(self, data, conn=None):
        c = conn or self.conn
        if isinstance(data, str):
            data = data.encode()
        with self.lock:
            if self.transcript is not None:
                self.transcript.append(data.decode("utf-8", "replace"))
            c.sendall(data)

    def _dispatch(self, t, msg):
        if self.transcript is not None:
            self.transcript.append(msg)
        if msg.startswith("SIP/2.0"):
            via = hdr(msg, "via", "v") or ""
            m = re.search(r"branch=([^;\s,]+)", via)
            q = self.txn.get(m.group(1)) if m else None
            if q:
                q.put(msg)
            return
        method = msg.split(" ", 1)[0]
        self.received.append((method, msg))
        cid = hdr(msg, "call-id", "i")
        if method == "REGISTER":
            self.conn = t
            ct = hdr(msg, "contact", "m") or ""
            m = re.search(r"<([^>]+)>", ct)
            self.contact = m.group(1) if m else ct.split(";")[0]
            self.registers += 1
            self.send(self.reply(msg, 200, "OK", extra="Expires: 3600\r\n"), t)
        elif method == "OPTIONS":
            self.send(self.reply(msg, 200, "OK"), t)
        elif method == "ACK":
            c = self.calls.get(cid)
            if c:
                c.acks += 1
        elif method == "BYE":
            c = self.calls.get(cid)
            self.send(self.reply(msg, 200 if c else 481, "OK" if c else "No Such Call"), t)
            if c:
                c.bye_received = True
                c.stop_media()
        elif method == "INVITE":
            c = self.calls.get(cid)
            if c and c.established:
                c.on_reinvite(msg, t)
            elif self.on_invite:
                self.on_invite(self, msg, t)
            else:
                self.send(self.reply(msg, 486, "Busy Here"), t)
        elif method == "CANCEL":
            self.send(self.reply(msg, 200, "OK"), t)
        else:
            self.send(self.reply(msg, 405, "Method Not Allowed"), t)

    def reply(self, req, code, text, extra="", body="", to_tag=None):
        lines = ["SIP/2.0 %d %s" % (code, text)]
        for v in hdrs(req, "via", "v"):
            lines.append("Via: " + v)
        lines.append("From: " + hdr(req, "from", "f"))
        to = hdr(req, "to", "t")
        if code > 100 and not tag_of(to):
            to += ";tag=" + (to_tag or "px%x" % random.getrandbits(32))
        lines.append("To: " + to)
        lines.append("Call-ID: " + hdr(req, "call-id", "i"))
        lines.append("CSeq: " + hdr(req, "cseq"))
        if body:
            lines.append("Content-Type: application/sdp")
        s = "\r\n".join(lines) + "\r\n" + extra + "Content-Length: %d\r\n\r\n" % len(body.encode()) + body
        return s

    def request(self, method, ruri, callid, cseq, from_tag, to_hdr, body="", extra="", branch=None,
                ctype="application/sdp"):
        """Sends a request on sphone's connection; returns the branch (responses: self.wait_resp)."""
        branch = branch or "z9hG4bK%016x" % random.getrandbits(64)
        self.txn.setdefault(branch, queue.Queue())
        s = ("%s %s SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:%d;branch=%s\r\nMax-Forwards: 70\r\n"
             "From: <sips:mallory@sip.test>;tag=%s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d %s\r\n"
             "Contact: <sips:mallory@127.0.0.1:%d;transport=tls>\r\n%s" %
             (method, ruri, self.port, branch, from_tag, to_hdr, callid, cseq, method, self.port, extra))
        if body:
            s += "Content-Type: %s\r\n" % ctype
        s += "Content-Length: %d\r\n\r\n%s" % (len(body.encode()), body)
        self.send(s)
        return branch

    def wait_resp(self, branch, final=True, secs=20.0):
        q = self.txn[branch]
        end = time.time() + secs
        while time.time() < end:
            try:
                r = q.get(timeout=max(0.01, end - time.time()))
            except queue.Empty:
                return None
            if not final or status_of(r) >= 200:
                return r
        return None

    def wait_registered(self, secs=20.0):
        end = time.time() + secs
        while time.time() < end and not self.registers:
            time.sleep(0.05)
        return self.registers > 0

    def close(self):
        self.stopping = True
        for c in self.calls.values():
            c.stop_media()
        for t in self.conns:
            try:
                t.close()
            except OSError:
                pass
        self.ls.close()


class Call:
    """One call between the proxy and sphone, with SRTP media from a socket of our own.

    Sends u-law frames of a tone at `freq` (20 ms) while running, and decrypts what sphone sends
    (kept in self.rx_pcm, with counts of good and bad packets)."""

    def __init__(self, px, freq):
        self.px = px
        self.callid = "%016x@hostile" % random.getrandbits(64)
        self.from_tag = "%08x" % random.getrandbits(32)
        self.to_hdr = "<%s>" % (px.contact or "sips:victim@sip.test")
        self.cseq = 1
        self.freq = freq
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.port = self.sock.getsockname()[1]
        self.rtcp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self.rtcp.bind(("127.0.0.1", self.port + 1))  # best effort: RTCP is read and dropped
        except OSError:
            self.rtcp.bind(("127.0.0.1", 0))
        self.suite = "AES_CM_128_HMAC_SHA1_80"
        self.key = new_key()
        self.tx = Srtp(self.key)
        self.rx = None
        self.remote = None
        self.established = False
        self.acks = 0
        self.bye_received = False
        self.ssrc = random.getrandbits(32)
        self.seq = random.randrange(1000, 20000)
        self.ts = random.getrandbits(31)
        self.samples = 0
        self.sending = False
        self.running = False
        self.rx_pcm = []
        self.rx_good = 0
        self.rx_bad = 0
        self.wire = None           # a list: every packet sphone sends, (time, is_rtcp, bytes)
        self.tx_lock = threading.Lock()
        self.threads = []
        self.remote_dir = "sendrecv"
        px.calls[self.callid] = self

    def offer(self, crypto=None, proto="RTP/SAVP", extra_m=""):
        crypto = ["1 %s inline:%s" % (self.suite, self.key)] if crypto is None else crypto
        return sdp_offer(self.port, crypto, proto, extra_m=extra_m)

    def invite(self, body, secs=20.0):
        """INVITE sphone with body; returns the final response (ACKed), or None."""
        to = self.to_hdr
        br = self.px.request("INVITE", self.px.contact, self.callid, self.cseq, self.from_tag, to, body)
        r = self.px.wait_resp(br, secs=secs)
        if r is None:
            return None
        code = status_of(r)
        self.to_hdr = hdr(r, "to", "t")
        if code >= 300:   # non-2xx ACK: same branch, same CSeq number
            self.px.request("ACK", self.px.contact, self.callid, self.cseq, self.from_tag, self.to_hdr,
                            branch=br)
        else:
            self.ack()
            self.start_from_answer(body_of(r))
        self.cseq += 1
        return r

    def reinvite(self, body):
        """A re-INVITE from our side (e.g. new keys); a new key in the answer replaces the receive context
        (an unchanged one keeps it: its ROC goes on)."""
        br = self.px.request("INVITE", self.px.contact, self.callid, self.cseq, self.from_tag, self.to_hdr, body)
        r = self.px.wait_resp(br)
        if r is not None and status_of(r) == 200:
            self.ack()
            port, crypto, proto, direction = sdp_info(body_of(r))
            if crypto:
                suite, inl = list(crypto.values())[0]
                if (suite, inl) != getattr(self, "_rx_line", None):
                    self.rx = Srtp(inl, tag_len_of(suite))
                    self._rx_line = (suite, inl)
        self.cseq += 1
        return r

    def rekey(self, carry_roc=False, suite=None):
        """New key (and suite) for what we send, used from the next packet; the caller re-INVITEs with it.
        The new context starts at ROC 0, or goes on from the old one's ROC with carry_roc."""
        with self.tx_lock:
            old = self.tx
            self.suite = suite or self.suite
            self.key = new_key()
            self.tx = Srtp(self.key, tag_len_of(self.suite), *((old.roc, old.last_seq) if carry_roc else ()))

    def ack(self):
        self.px.request("ACK", self.px.contact, self.callid, self.cseq, self.from_tag, self.to_hdr)

    def start_from_answer(self, sdp):
        port, crypto, proto, direction = sdp_info(sdp)
        self.remote = ("127.0.0.1", port)
        if crypto:
            suite, inl = list(crypto.values())[0]
            self.rx = Srtp(inl, tag_len_of(suite))
            self._rx_line = (suite, inl)
        self.remote_dir = direction
        self.established = True
        self.start_media()

    def on_reinvite(self, msg, t):
        port, crypto, proto, direction = sdp_info(body_of(msg))
        if crypto:
            inl = ([i for (suite, i) in crypto.values() if suite == "AES_CM_128_HMAC_SHA1_80"] or
                   [list(crypto.values())[0][1]])[0]
            if self.rx is None or base64.b64decode(inl) != getattr(self, "_rx_key", None):
                self.rx = Srtp(inl)
                self._rx_key = base64.b64decode(inl)
        self.remote_dir = direction
        mine = {"sendonly": "recvonly", "recvonly": "sendonly"}.get(direction, direction)
        tag = [t for t, (suite, _) in crypto.items() if suite == "AES_CM_128_HMAC_SHA1_80"] or ["1"]
        body = sdp_offer(self.port, ["%s AES_CM_128_HMAC_SHA1_80 inline:%s" % (tag[0], self.key)],
                         direction=mine)
        self.px.send(self.px.reply(msg, 200, "OK", body=body, extra="Contact: <sips:mallory@127.0.0.1:%d;"
                                   "transport=tls>\r\n" % self.px.port), t)

    def bye(self):
        self.stop_media()
        br = self.px.request("BYE", self.px.contact, self.callid, self.cseq, self.from_tag, self.to_hdr)
        self.cseq += 1
        r = self.px.wait_resp(br)
        return status_of(r) if r else 0

    def start_media(self):
        self.running = True
        self.sending = True
        for f in (self._send_loop, self._recv_loop):
            th = threading.Thread(target=f, daemon=True)
            th.start()
            self.threads.append(th)

    def stop_media(self):
        self.running = False

    def next_packet(self, pt=0, payload=None, marker=False, ts=None):
        """The next plain RTP packet of our stream (a tone frame by default); advances seq."""
        with self.tx_lock:
            if payload is None:
                payload = tone_ulaw(self.freq, self.samples, 160)
                self.samples += 160
            p = rtp_packet(pt, self.seq, self.ts if ts is None else ts, self.ssrc, payload, marker)
            self.seq = (self.seq + 1) & 0xffff
            if ts is None and pt == 0:
                self.ts += 160
            return p

    def send_srtp(self, plain, hlen=None):
        with self.tx_lock:
            pkt = self.tx.protect(plain, hlen)
        self.sock.sendto(pkt, self.remote)
        return pkt

    def send_raw(self, pkt):
        self.sock.sendto(pkt, self.remote)

    def _send_loop(self):
        t0 = time.time()
        n = 0
        while self.running:
            n += 1
            if self.sending:
                try:
                    self.send_srtp(self.next_packet())
                except OSError:
                    pass
            d = t0 + n * 0.02 - time.time()
            if d > 0:
                time.sleep(d)

    def _recv_loop(self):
        while self.running:
            r, _, _ = select.select([self.sock, self.rtcp], [], [], 0.2)
            for s in r:
                try:
                    pkt = s.recv(2048)
                except OSError:
                    continue
                if self.wire is not None:
                    self.wire.append((time.time(), s is self.rtcp, pkt))
                if s is self.rtcp or self.rx is None:
                    continue
                p = self.rx.unprotect(pkt)
                if p is None:
                    self.rx_bad += 1
                    continue
                self.rx_good += 1
                if p[1] & 0x7f == 0:
                    self.rx_pcm.append((time.time(), ulaw_to_pcm(p[rtp_hlen(p):])))

    def heard_since(self, t):
        out = []
        for ts, pcm in list(self.rx_pcm):
            if ts >= t:
                out.extend(pcm)
        return out
