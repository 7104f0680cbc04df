#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""labtool.py: small helpers for the interop test lab (python3 standard library only).

  labtool.py ctrl PORT 'COMMAND [PARAMS]'
      Send one baresip ctrl_tcp command (netstring-framed JSON) to 127.0.0.1:PORT, print the
      response's data; exit 0 if baresip answered ok, 1 if it answered not ok, 2 on no answer.
  labtool.py makewav FILE SECONDS
      Write an 8 kHz mono 16-bit WAV test signal that never repeats: phase-continuous segments of
      120-280 ms, each a tone or a short sweep at a pseudo-random frequency in 300-3400 Hz (fixed
      seed, so the file is the same every time), at about -8 dBFS.
  labtool.py rtp PCAP PORT[,PORT...] [--wav OUT.wav]
      Read a pcap (not pcapng; use dumpcap -P) of IPv4 UDP on lo or Ethernet, take every RTP packet
      (version 2, not RTCP) from or to one of the ports, and print
          packets=N payload_bytes=B entropy=E.EEE ssrcs=S
          common_size=Z
      where Z is the most frequent payload size (PCMU 20 ms: 160 bytes, +10 with an HMAC_SHA1_80 tag,
      +4 with _32, +16 with GCM) and entropy is the Shannon entropy of the payload bytes in bits/byte (about 8 for SRTP,
      clearly less for plain G.711). With --wav, the static-type (< 96) payloads of the first SSRC, in
      sequence order, are decoded as PCMU into OUT.wav, for wavcmp.py to show whether the plaintext
      audio is there. ssrcs counts the SSRCs that sent such payloads.
  labtool.py rtcp PCAP PORT[,PORT...]
      Count the RTCP datagrams (second byte 200-204) from or to the ports, and how many of them are
      plaintext: the whole datagram parses as a compound RTCP packet whose lengths add up exactly.
      An SRTCP datagram never does (encrypted body, then E-flag/index and tag). Prints
          rtcp=N plaintext=M
  labtool.py zrtp PCAP PORT[,PORT...]
      ZRTP (RFC 6189 5: first bits 00, magic cookie 'ZRTP') beside RTP/RTCP on the given RTP ports:
      for each port that sent anything, one line
          port=P zrtp=N media=M before_secure=K secure=yes|no
      where media counts the RTP/RTCP sent from P and P+1, and before_secure those sent before the
      first Conf2ACK to or from P (the moment that side has ZRTP's keys); then types=TYPE:N,...
  labtool.py tcp-payload PCAP PORT
      Print the concatenated TCP payload to or from PORT (raw bytes on stdout), to grep for text.
  labtool.py options PORT [udp|tcp]
      Send one plain-text SIP OPTIONS to 127.0.0.1:PORT and print the reply's status line; exit 0 on
      a 200 reply (a negative control for the wire checks, and a liveness probe).
  labtool.py time-until PATTERN TIMEOUT LOG -- COMMAND...
      Start COMMAND (stdout+stderr appended to LOG), print the seconds from its start until a line
      containing PATTERN appears in its output, then stop it (SIGTERM, by PID) and wait for it.
      Exit 0 if PATTERN appeared within TIMEOUT seconds, 1 if not.
  labtool.py sipdump-reg DIR
      From Kamailio sipdump files (*.data in DIR), per REGISTER Call-ID: the time from the first
      REGISTER received to the 200 OK sent, one line "callid user first_rcv ms", in time order.
"""
import json
import math
import os
import socket
import struct
import sys
import wave


def netstring(data):
    return str(len(data)).encode() + b":" + data + b","


def read_netstrings(sock, timeout):
    """Yield decoded netstring payloads from sock until it closes or times out."""
    sock.settimeout(timeout)
    buf = b""
    while True:
        while True:
            colon = buf.find(b":")
            if colon < 0 or not buf[:colon].isdigit():
                break
            n = int(buf[:colon])
            if len(buf) < colon + 1 + n + 1:
                break
            yield buf[colon + 1:colon + 1 + n]
            buf = buf[colon + 1 + n + 1:]
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return
        if not chunk:
            return
        buf += chunk


def cmd_ctrl(port, line):
    command, _, params = line.strip().partition(" ")
    msg = {"command": command, "params": params, "token": "lab"}
    try:
        sock = socket.create_connection(("127.0.0.1", int(port)), timeout=5)
    except OSError as e:
        print("ctrl: cannot connect: %s" % e, file=sys.stderr)
        return 2
    with sock:
        sock.sendall(netstring(json.dumps(msg).encode()))
        for payload in read_netstrings(sock, 5):
            try:
                obj = json.loads(payload.decode("utf-8", "replace"))
            except ValueError:
                continue
            if obj.get("response"):
                data = obj.get("data", "")
                if data:
                    print(data.rstrip("\n"))
                return 0 if obj.get("ok") else 1
    print("ctrl: no response", file=sys.stderr)
    return 2


def cmd_makewav(path, seconds):
    rate = 8000
    total = int(float(seconds) * rate)
    seed = 0x5EED1234
    out = bytearray()
    phase = 0.0
    n = 0
    while n < total:
        # 32-bit LCG: deterministic, no dependence on Python's random module version
        seed = (seed * 1664525 + 1013904223) & 0xFFFFFFFF
        seglen = int(rate * (0.12 + 0.16 * (seed >> 8) / float(1 << 24)))
        seed = (seed * 1664525 + 1013904223) & 0xFFFFFFFF
        f0 = 300.0 + 3100.0 * (seed >> 8) / float(1 << 24)
        seed = (seed * 1664525 + 1013904223) & 0xFFFFFFFF
        sweep = (seed >> 31) & 1
        f1 = 300.0 + 3100.0 * ((seed >> 8) & 0xFFFF) / 65536.0 if sweep else f0
        for i in range(min(seglen, total - n)):
            f = f0 + (f1 - f0) * i / seglen
            phase += 2.0 * math.pi * f / rate
            if phase > 2.0 * math.pi:
                phase -= 2.0 * math.pi
            out += struct.pack("<h", int(13000 * math.sin(phase)))
        n += seglen
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(out[:total * 2]))
    return 0


def pcap_packets(path):
    """Yield (link-layer payload) of each packet in a classic pcap file, plus the link type."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise ValueError("not a classic pcap file (pcapng? use dumpcap -P)")
    linktype = struct.unpack(e + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(pkt) < incl:
            break
        yield linktype, pkt


def ip_packets(path):
    """Yield (proto, sport, dport, l4 payload) for IPv4 TCP/UDP packets."""
    for linktype, pkt in pcap_packets(path):
        if linktype == 1:  # Ethernet (lo on Linux)
            if len(pkt) < 14 or pkt[12:14] != b"\x08\x00":
                continue
            ip = pkt[14:]
        elif linktype == 113:  # Linux cooked
            if len(pkt) < 16 or pkt[14:16] != b"\x08\x00":
                continue
            ip = pkt[16:]
        elif linktype in (101, 228):  # raw IPv4
            ip = pkt
        else:
            continue
        if len(ip) < 20 or ip[0] >> 4 != 4:
            continue
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        proto = ip[9]
        l4 = ip[ihl:total]
        if proto == 17 and len(l4) >= 8:
            sport, dport = struct.unpack(">HH", l4[:4])
            yield "udp", sport, dport, l4[8:]
        elif proto == 6 and len(l4) >= 20:
            sport, dport = struct.unpack(">HH", l4[:4])
            doff = (l4[12] >> 4) * 4
            yield "tcp", sport, dport, l4[doff:]


def rtp_payload(pkt):
    """Return (ssrc, seq, payload) of an RTP packet, or None if it isn't RTP (or is RTCP)."""
    if len(pkt) < 12 or pkt[0] >> 6 != 2:
        return None
    if 72 <= (pkt[1] & 0x7F) <= 76:  # RTCP SR/RR/SDES/BYE/APP
        return None
    cc = pkt[0] & 15
    off = 12 + 4 * cc
    if pkt[0] & 0x10:
        if len(pkt) < off + 4:
            return None
        off += 4 + 4 * struct.unpack(">H", pkt[off + 2:off + 4])[0]
    end = len(pkt)
    if pkt[0] & 0x20:
        end -= pkt[-1]
    if end < off:
        return None
    seq, = struct.unpack(">H", pkt[2:4])
    ssrc, = struct.unpack(">I", pkt[8:12])
    return ssrc, seq, pkt[1] & 0x7F, pkt[off:end]


def ulaw_decode(b):
    b = ~b & 0xFF
    t = (((b & 0x0F) << 3) + 0x84) << ((b & 0x70) >> 4)
    return (0x84 - t) if b & 0x80 else (t - 0x84)


def cmd_rtp(path, ports, wav_out=None):
    ports = set(int(p) for p in ports.split(",") if p)
    counts = [0] * 256
    npkt = 0
    nbytes = 0
    streams = {}
    sizes = {}
    for proto, sport, dport, payload in ip_packets(path):
        if proto != "udp" or (sport not in ports and dport not in ports):
            continue
        r = rtp_payload(payload)
        if r is None:
            continue
        ssrc, seq, pt, body = r
        sizes[len(body)] = sizes.get(len(body), 0) + 1
        npkt += 1
        nbytes += len(body)
        for c in body:
            counts[c] += 1
        if pt < 96:  # audio, not telephone-event (RFC 4733) or other dynamic types
            streams.setdefault(ssrc, []).append((seq, body))
    ent = 0.0
    for c in counts:
        if c:
            p = c / float(nbytes)
            ent -= p * math.log2(p)
    common = max(sizes, key=sizes.get) if sizes else 0
    print("packets=%d payload_bytes=%d entropy=%.3f ssrcs=%d common_size=%d"
          % (npkt, nbytes, ent, len(streams), common))
    if wav_out:
        pcm = bytearray()
        if streams:
            first = next(iter(streams.values()))
            # unwrap 16-bit sequence numbers, sort, drop duplicates
            seen = {}
            base = first[0][0]
            ext = 0
            last = base
            for seq, body in first:
                if seq < last and last - seq > 32768:
                    ext += 65536
                elif seq > last and seq - last > 32768:
                    ext -= 65536
                last = seq
                seen.setdefault(seq + ext, body)
            for k in sorted(seen):
                for c in seen[k]:
                    pcm += struct.pack("<h", ulaw_decode(c))
        with wave.open(wav_out, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(8000)
            w.writeframes(bytes(pcm))
    return 0 if npkt else 1


def rtcp_is_plain(pkt):
    off = 0
    while off + 4 <= len(pkt):
        if pkt[off] >> 6 != 2 or not 200 <= pkt[off + 1] <= 207:
            return False
        off += 4 * (struct.unpack(">H", pkt[off + 2:off + 4])[0] + 1)
    return off == len(pkt)


def cmd_rtcp(path, ports):
    ports = set(int(p) for p in ports.split(",") if p)
    n = plain = 0
    for proto, sport, dport, payload in ip_packets(path):
        if proto != "udp" or (sport not in ports and dport not in ports):
            continue
        if len(payload) < 8 or payload[0] >> 6 != 2 or not 200 <= payload[1] <= 204:
            continue
        n += 1
        if rtcp_is_plain(payload):
            plain += 1
    print("rtcp=%d plaintext=%d" % (n, plain))
    return 0


def cmd_tcp_payload(path, port):
    port = int(port)
    out = sys.stdout.buffer
    for proto, sport, dport, payload in ip_packets(path):
        if proto == "tcp" and port in (sport, dport) and payload:
            out.write(payload)
    return 0


def cmd_options(port, proto="udp"):
    port = int(port)
    if proto == "tcp":
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(5)
        s.bind(("127.0.0.1", 0))
        s.connect(("127.0.0.1", port))
    lport = s.getsockname()[1]
    tp = "TCP" if proto == "tcp" else "UDP"
    req = ("OPTIONS sip:sip.test SIP/2.0\r\n"
           "Via: SIP/2.0/%s 127.0.0.1:%d;branch=z9hG4bK-lab-%d;rport\r\n"
           "Max-Forwards: 70\r\n"
           "From: <sip:lab@sip.test>;tag=lab%d\r\n"
           "To: <sip:sip.test>\r\n"
           "Call-ID: lab-options-%d@127.0.0.1\r\n"
           "CSeq: 1 OPTIONS\r\n"
           "Content-Length: 0\r\n\r\n") % (tp, lport, lport, lport, lport)
    with s:
        s.sendall(req.encode())
        try:
            data = s.recv(65536)
        except socket.timeout:
            print("options: no reply", file=sys.stderr)
            return 2
    status = data.split(b"\r\n", 1)[0].decode("ascii", "replace")
    print(status)
    return 0 if status.startswith("SIP/2.0 200") else 1


def cmd_time_until(pattern, timeout, log, cmd):
    import subprocess
    import time
    logf = open(log, "ab")
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    found = None
    pat = pattern.encode()
    buf = b""
    import select
    deadline = t0 + float(timeout)
    try:
        while found is None and time.monotonic() < deadline:
            r, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
            if not r:
                break
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            logf.write(chunk)
            buf += chunk
            if pat in buf:
                found = time.monotonic() - t0
            buf = buf[-len(pat):] if len(buf) > 4096 else buf
    finally:
        proc.terminate()
        try:
            rest, _ = proc.communicate(timeout=5)
            logf.write(rest or b"")
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        logf.close()
    if found is None:
        print("time-until: %r not seen within %s s" % (pattern, timeout), file=sys.stderr)
        return 1
    print("%.6f" % found)
    return 0


def cmd_sipdump_reg(folder):
    import glob
    text = ""
    for f in sorted(glob.glob(os.path.join(folder, "*.data"))):
        with open(f, "r", errors="replace") as fh:
            text += fh.read()
    first = {}
    done = {}
    user = {}
    for rec in text.split("====================\n"):
        head, sep, msg = rec.partition("~~~~~~~~~~~~~~~~~~~~\n")
        if not sep:
            continue
        meta = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line)
        lines = msg.splitlines()
        if not lines:
            continue
        cid = cseq = to = None
        for line in lines[1:]:
            low = line.lower()
            if low.startswith("call-id:") or low.startswith("i:"):
                cid = line.split(":", 1)[1].strip()
            elif low.startswith("cseq:"):
                cseq = line.split(":", 1)[1].strip()
            elif low.startswith("to:") or low.startswith("t:"):
                to = line.split(":", 1)[1].strip()
        if not cid or not cseq or not cseq.endswith("REGISTER"):
            continue
        t = float(meta.get("time", "0"))
        if meta.get("tag") == "rcv" and lines[0].startswith("REGISTER ") and cid not in first:
            first[cid] = t
            if to and "sip:" in to:
                user[cid] = to.split("sip:", 1)[1].split("@", 1)[0]
        elif meta.get("tag") == "snd" and lines[0].startswith("SIP/2.0 200") and cid in first \
                and cid not in done:
            done[cid] = t
    for cid in sorted(done, key=lambda c: first[c]):
        print("%s %s %.6f %.3f" % (cid, user.get(cid, "?"), first[cid], 1000.0 * (done[cid] - first[cid])))
    return 0 if done else 1


def cmd_zrtp(path, ports):
    """ZRTP on the wire (RFC 6189 5: first two bits 00, cookie 'ZRTP') beside RTP/RTCP on the media
    ports: per sending RTP port, its ZRTP packets, the RTP/RTCP it sent (from that port and the next)
    and how many of those left before it could have keys: a side is secure once a Conf2ACK passed its
    port (it sent one: the responder, on Confirm2; it got one: the initiator)."""
    ports = set(int(p) for p in ports.split(",") if p)
    zrtp = {}
    media = {}
    secure = {}
    early = {}
    types = {}
    for i, (proto, sport, dport, payload) in enumerate(ip_packets(path)):
        if proto != "udp":
            continue
        if len(payload) >= 28 and payload[0] >> 6 == 0 and payload[4:8] == b"ZRTP":
            if sport not in ports and dport not in ports:
                continue
            t = payload[16:24].decode("ascii", "replace").strip()
            types[t] = types.get(t, 0) + 1
            if sport in ports:
                zrtp[sport] = zrtp.get(sport, 0) + 1
            if t == "Conf2ACK":
                for p in (sport, dport):
                    if p in ports and p not in secure:
                        secure[p] = i
        elif len(payload) >= 12 and payload[0] >> 6 == 2:
            base = sport if sport in ports else sport - 1 if sport - 1 in ports else None
            if base is None:
                continue
            media[base] = media.get(base, 0) + 1
            if base not in secure:
                early[base] = early.get(base, 0) + 1
    for p in sorted(set(zrtp) | set(media)):
        print("port=%d zrtp=%d media=%d before_secure=%d secure=%s"
              % (p, zrtp.get(p, 0), media.get(p, 0), early.get(p, 0), "yes" if p in secure else "no"))
    print("types=%s" % ",".join("%s:%d" % (t, n) for t, n in sorted(types.items())))
    return 0


def main(argv):
    if len(argv) >= 3 and argv[1] == "ctrl":
        return cmd_ctrl(argv[2], " ".join(argv[3:]))
    if len(argv) == 4 and argv[1] == "makewav":
        return cmd_makewav(argv[2], argv[3])
    if len(argv) in (4, 6) and argv[1] == "rtp":
        wav_out = argv[5] if len(argv) == 6 and argv[4] == "--wav" else None
        return cmd_rtp(argv[2], argv[3], wav_out)
    if len(argv) == 4 and argv[1] == "zrtp":
        return cmd_zrtp(argv[2], argv[3])
    if len(argv) == 4 and argv[1] == "rtcp":
        return cmd_rtcp(argv[2], argv[3])
    if len(argv) == 4 and argv[1] == "tcp-payload":
        return cmd_tcp_payload(argv[2], argv[3])
    if len(argv) in (3, 4) and argv[1] == "options":
        return cmd_options(*argv[2:])
    if len(argv) >= 7 and argv[1] == "time-until" and argv[5] == "--":
        return cmd_time_until(argv[2], argv[3], argv[4], argv[6:])
    if len(argv) == 3 and argv[1] == "sipdump-reg":
        return cmd_sipdump_reg(argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
