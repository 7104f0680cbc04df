#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""faults_relay.py: fault-injection helpers for tests/interop/faults*.sh (python3 stdlib only, loopback).

Modes:
  mute PORT
      Accept TCP on 127.0.0.1:PORT, read and discard, never answer (a peer that never speaks TLS).
      Prints "accepted N" lines to stdout as connections arrive.

  proxy --listen PORT --upstream PORT --cert PEM --key KEY [--stats FILE] [impairment options]
      A SIP-over-TLS proxy between a phone and the registrar: TLS is terminated with CERT/KEY
      (the phone verifies it as it would the registrar), and each accepted connection gets its own
      TLS connection to 127.0.0.1:UPSTREAM (not verified: it is the lab's Kamailio). SIP messages are
      forwarded unchanged except their SDP: every c=/m=audio (and a=rtcp) address in either direction
      is replaced by a port pair of a UDP relay this process runs, so the call's RTP and RTCP go
      through it, where they can be impaired:
        --loss P        drop each RTP packet with probability P (0..1)
        --delay MS      delay every RTP packet by MS
        --jitter MS     plus a uniform random 0..MS more, so packets are reordered
        --seed N        random seed (default 1): runs are reproducible
      ZRTP packets (RFC 6189 5: on the RTP port, cookie "ZRTP") are impaired like RTP and also counted
      apart in the stats ("zrtp", "zrtp_dropped").
      RTCP is relayed unimpaired. SIGUSR1 resets every phone-side TCP connection (RST, via
      SO_LINGER 0) and closes its upstream. SIGTERM writes --stats (JSON: packets seen, dropped,
      delayed past a later one, per direction) and exits.
"""
import asyncio
import heapq
import json
import random
import re
import signal
import socket
import ssl
import sys
import time


def mute(port):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(16)
    conns = []
    n = 0
    import select
    while True:
        r, _, _ = select.select([ls] + conns, [], [])
        for s in r:
            if s is ls:
                c, _ = ls.accept()
                conns.append(c)
                n += 1
                print("accepted", n, flush=True)
            else:
                try:
                    d = s.recv(4096)
                except OSError:
                    d = b""
                if not d:
                    conns.remove(s)
                    s.close()


class Impair:
    def __init__(self, a):
        self.loss = a.loss
        self.delay = a.delay / 1000.0
        self.jitter = a.jitter / 1000.0
        self.rnd = random.Random(a.seed)
        self.stats = {}

    def count(self, d, k):
        s = self.stats.setdefault(d, {"seen": 0, "dropped": 0, "reordered": 0, "last_due": 0.0})
        s[k] += 1
        return s


class Leg(asyncio.DatagramProtocol):
    """One relay socket: what arrives is sent out of its partner to the partner's target."""

    def __init__(self, relay, name, rtp):
        self.relay, self.name, self.rtp = relay, name, rtp
        self.tr = None
        self.partner = None
        self.target = None  # where the partner's packets go (set from the SDP)

    def connection_made(self, tr):
        self.tr = tr

    def datagram_received(self, data, addr):
        p = self.partner
        if p is None or p.target is None or p.tr is None:
            return
        if not self.rtp:
            p.tr.sendto(data, p.target)
            return
        im = self.relay.imp
        d = self.name
        s = im.count(d, "seen")
        zrtp = len(data) >= 8 and data[0] >> 6 == 0 and data[4:8] == b"ZRTP"
        if zrtp:
            s["zrtp"] = s.get("zrtp", 0) + 1
        if im.loss and im.rnd.random() < im.loss:
            s["dropped"] += 1
            if zrtp:
                s["zrtp_dropped"] = s.get("zrtp_dropped", 0) + 1
            return
        wait = im.delay + (im.rnd.random() * im.jitter if im.jitter else 0.0)
        if not wait:
            p.tr.sendto(data, p.target)
            return
        now = time.monotonic()
        due = now + wait
        if due < s["last_due"]:
            s["reordered"] += 1
        s["last_due"] = max(s["last_due"], due)
        asyncio.get_running_loop().call_later(wait, self.send_late, p, data)

    @staticmethod
    def send_late(p, data):
        if p.tr is not None and not p.tr.is_closing():
            p.tr.sendto(data, p.target)


class Session:
    """Relay sockets of one call: 'down' faces the phone behind the proxy, 'up' faces the far end."""

    def __init__(self, relay):
        self.relay = relay
        self.legs = {}

    async def open(self):
        loop = asyncio.get_running_loop()
        for side in ("down", "up"):
            for _ in range(100):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind(("127.0.0.1", 0))
                p = s.getsockname()[1]
                if p % 2 or p == 65535:
                    s.close()
                    continue
                s2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                try:
                    s2.bind(("127.0.0.1", p + 1))
                except OSError:
                    s.close()
                    s2.close()
                    continue
                break
            else:
                raise OSError("no relay port pair")
            # packets arriving on the phone-facing leg travel phone -> far end ("tx" of the phone)
            name = "phone_to_far" if side == "down" else "far_to_phone"
            rtp = Leg(self.relay, name, True)
            rtcp = Leg(self.relay, name + "_rtcp", False)
            await loop.create_datagram_endpoint(lambda l=rtp: l, sock=s)
            await loop.create_datagram_endpoint(lambda l=rtcp: l, sock=s2)
            self.legs[side] = (p, rtp, rtcp)
        self.legs["down"][1].partner = self.legs["up"][1]
        self.legs["up"][1].partner = self.legs["down"][1]
        self.legs["down"][2].partner = self.legs["up"][2]
        self.legs["up"][2].partner = self.legs["down"][2]


class Relay:
    def __init__(self, a):
        self.a = a
        self.imp = Impair(a)
        self.sessions = {}
        self.conns = []
        self.sdp_rewrites = 0

    async def session(self, callid):
        s = self.sessions.get(callid)
        if s is None:
            s = Session(self)
            await s.open()
            self.sessions[callid] = s
        return s

    async def rewrite(self, head, body, from_phone):
        """The SDP body with its media address replaced by ours; remembers the real one."""
        m = re.search(rb"(?im)^(?:call-id|i)[ \t]*:[ \t]*(\S+)", head)
        if not m or b"m=audio " not in body:
            return body
        s = await self.session(m.group(1))
        text = body.decode("latin-1")
        cm = re.search(r"(?m)^c=IN IP4 (\S+)\r?$", text)
        mm = re.search(r"(?m)^m=audio (\d+) ", text)
        if not cm or not mm:
            return body
        addr, port = cm.group(1), int(mm.group(1))
        rm = re.search(r"(?m)^a=rtcp:(\d+)", text)
        rtcp_port = int(rm.group(1)) if rm else port + 1
        # what this side sends to the other comes in on the other side's advertised leg
        mine = s.legs["down" if from_phone else "up"]
        # packets for this endpoint leave through the leg it sees as its peer: the opposite one
        if port:
            mine[1].target = (addr, port)
            mine[2].target = (addr, rtcp_port)
        # advertise the leg facing the other side
        other = s.legs["up" if from_phone else "down"]
        text = re.sub(r"(?m)^c=IN IP4 \S+", "c=IN IP4 127.0.0.1", text)
        if port:
            text = re.sub(r"(?m)^m=audio \d+ ", "m=audio %d " % other[0], text, count=1)
            text = re.sub(r"(?m)^a=rtcp:\d+.*$", "a=rtcp:%d" % (other[0] + 1), text)
        text = re.sub(r"(?m)^(o=\S+ \S+ \S+ IN IP4) \S+", r"\1 127.0.0.1", text)
        self.sdp_rewrites += 1
        return text.encode("latin-1")

    async def pump(self, reader, writer, from_phone):
        buf = b""
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                buf += data
                while True:
                    # keep-alives (CRLF CRLF ping, CRLF pong) pass through as they are
                    i = 0
                    while buf[i:i + 2] == b"\r\n":
                        i += 2
                    if i:
                        writer.write(buf[:i])
                        buf = buf[i:]
                    end = buf.find(b"\r\n\r\n")
                    if end < 0:
                        break
                    head = buf[:end + 2]
                    lm = re.search(rb"(?im)^(?:content-length|l)[ \t]*:[ \t]*(\d+)", head)
                    n = int(lm.group(1)) if lm else 0
                    if len(buf) < end + 4 + n:
                        break
                    body = buf[end + 4:end + 4 + n]
                    buf = buf[end + 4 + n:]
                    if n and b"application/sdp" in head.lower():
                        nb = await self.rewrite(head, body, from_phone)
                        if nb is not body:
                            head = re.sub(rb"(?im)^((?:content-length|l)[ \t]*:[ \t]*)\d+",
                                          lambda mo: mo.group(1) + str(len(nb)).encode(), head)
                            body = nb
                    writer.write(head + b"\r\n" + body)
                await writer.drain()
        except (ConnectionError, ssl.SSLError, OSError):
            pass
        finally:
            try:
                writer.close()
            except Exception:
                pass

    async def handle(self, reader, writer):
        a = self.a
        cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        cctx.check_hostname = False
        cctx.verify_mode = ssl.CERT_NONE
        try:
            ur, uw = await asyncio.open_connection("127.0.0.1", a.upstream, ssl=cctx)
        except OSError:
            writer.close()
            return
        ent = (writer, uw)
        self.conns.append(ent)
        await asyncio.gather(self.pump(reader, uw, True), self.pump(ur, writer, False))
        if ent in self.conns:
            self.conns.remove(ent)

    def reset_all(self):
        for w, uw in list(self.conns):
            sock = w.get_extra_info("socket")
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            except OSError:
                pass
            w.transport.abort()
            uw.transport.abort()
        print("reset", len(self.conns), flush=True)
        self.conns.clear()

    def write_stats(self):
        st = {k: {kk: vv for kk, vv in v.items() if kk != "last_due"} for k, v in self.imp.stats.items()}
        st["sdp_rewrites"] = self.sdp_rewrites
        st["sessions"] = len(self.sessions)
        if self.a.stats:
            with open(self.a.stats, "w") as f:
                json.dump(st, f)
        return st


async def proxy_main(a):
    r = Relay(a)
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(a.cert, a.key)
    srv = await asyncio.start_server(r.handle, "127.0.0.1", a.listen, ssl=sctx, reuse_address=True)
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    loop.add_signal_handler(signal.SIGUSR1, r.reset_all)
    loop.add_signal_handler(signal.SIGUSR2, r.write_stats)
    loop.add_signal_handler(signal.SIGTERM, lambda: done.done() or done.set_result(1))
    print("listening", a.listen, flush=True)
    await done
    r.write_stats()
    srv.close()


def main():
    import argparse
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="mode", required=True)
    m = sub.add_parser("mute")
    m.add_argument("port", type=int)
    p = sub.add_parser("proxy")
    p.add_argument("--listen", type=int, required=True)
    p.add_argument("--upstream", type=int, required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--stats")
    p.add_argument("--loss", type=float, default=0.0)
    p.add_argument("--delay", type=float, default=0.0)
    p.add_argument("--jitter", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if a.mode == "mute":
        mute(a.port)
    else:
        asyncio.run(proxy_main(a))


if __name__ == "__main__":
    main()
