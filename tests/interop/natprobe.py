#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""natprobe.py: UDP and TCP probes that show what a NAT does (mapping, filtering, binding lifetime).

  natprobe.py serve ADDR:PORT [ADDR:PORT...]
      One UDP socket and one TCP listener per address (socket 0, 1, ...). Prints "ready" once all are
      bound, then serves until killed. Each UDP datagram:
        WHO               -> "SEEN ip:port" (the source as this socket saw it) back to the sender
        POKE IDX TOKEN    -> "ACK" back, then socket IDX sends "TOKEN TOKEN" to the sender's address
                             (IDX a socket the client never sent to: does the NAT let it in?)
        LATER SECS TOKEN  -> "ACK" back, and SECS later this socket sends "TOKEN TOKEN" to the sender's
                             address (has the NAT's binding outlived SECS of silence?)
      On a TCP connection each line "WHO" gets "SEEN ip:port" back. A control socket on 127.0.0.1:4999
      (of the server's namespace) takes "SENDTO IDX IP:PORT TOKEN": socket IDX sends "TOKEN TOKEN" to
      IP:PORT at once, unprompted (is a binding still there after something the test did?), and "OK" back.
  natprobe.py ctl IDX IP:PORT TOKEN
      Send that SENDTO to the server's control socket; exit 0 when it answered OK.
  natprobe.py client BIND STEP...
      From one UDP socket bound to BIND (ADDR:PORT; port 0: any), run the steps in order and print one
      line for each step that has an answer:
        who SERVER          "seen IP:PORT" or "none" (no answer within 2 s)
        poke SERVER IDX     "token from IP:PORT" if the poke arrived within 2 s, else "none"
        later SERVER SECS   "token from IP:PORT" if the delayed datagram arrived within SECS + 2 s, else "none"
        tcp SERVER          open a TCP connection (bound to BIND's address) and keep it: "connected" or "none"
        tcpwho              "seen IP:PORT" over that connection, or "none" (no answer within 2 s)
        expect TOKEN SECS   "token from IP:PORT" if "TOKEN TOKEN" arrived (also before this step) within
                            SECS, else "none"
        waitfile PATH       wait (at most 60 s) until PATH exists: the test's signal to go on
        sleep SECS          wait
      SERVER is ADDR:PORT. Exit status 0 (the lines carry the verdicts).
"""
import os
import select
import socket
import sys
import threading
import time


def hostport(s):
    host, port = s.rsplit(":", 1)
    return host, int(port)


def serve(addrs):
    udp = []
    for a in addrs:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        u.bind(hostport(a))
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind(hostport(a))
        t.listen(8)
        udp.append(u)
        threading.Thread(target=tcp_accept, args=(t,), daemon=True).start()
    ctl = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ctl.bind(("127.0.0.1", 4999))
    print("ready", flush=True)
    while True:
        ready, _, _ = select.select(udp + [ctl], [], [])
        for u in ready:
            data, src = u.recvfrom(2048)
            words = data.decode("ascii", "replace").split()
            if u is ctl:
                if len(words) == 4 and words[0] == "SENDTO" and words[1].isdigit() and int(words[1]) < len(udp):
                    udp[int(words[1])].sendto(("TOKEN " + words[3]).encode(), hostport(words[2]))
                    ctl.sendto(b"OK", src)
            elif words == ["WHO"]:
                u.sendto(("SEEN %s:%d" % src).encode(), src)
            elif len(words) == 3 and words[0] == "POKE" and words[1].isdigit() and int(words[1]) < len(udp):
                u.sendto(b"ACK", src)
                udp[int(words[1])].sendto(("TOKEN " + words[2]).encode(), src)
            elif len(words) == 3 and words[0] == "LATER":
                u.sendto(b"ACK", src)
                threading.Timer(float(words[1]), u.sendto, (("TOKEN " + words[2]).encode(), src)).start()


def tcp_accept(listener):
    while True:
        c, src = listener.accept()
        threading.Thread(target=tcp_serve, args=(c, src), daemon=True).start()


def tcp_serve(c, src):
    f = c.makefile("rb")
    try:
        for line in f:
            if line.strip() == b"WHO":
                c.sendall(("SEEN %s:%d\n" % src).encode())
    except OSError:
        pass
    c.close()


def recv_match(sock, secs, match):
    """The first datagram (data, src) within secs for which match(data) is true, or None."""
    end = time.monotonic() + secs
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return None
        r, _, _ = select.select([sock], [], [], left)
        if not r:
            return None
        data, src = sock.recvfrom(2048)
        if match(data):
            return data, src


def wait_token(sock, token, secs):
    """The source of a datagram "TOKEN token" arriving within secs, or None (other datagrams skipped)."""
    got = recv_match(sock, secs, lambda d: d == ("TOKEN " + token).encode())
    return got[1] if got else None


def ask(sock, server, msg, want_prefix, secs=2.0):
    """Send msg to server, return the first reply starting with want_prefix within secs, or None."""
    sock.sendto(msg.encode(), hostport(server))
    got = recv_match(sock, secs, lambda d: d.startswith(want_prefix.encode()))
    return got[0].decode() if got else None


def client(bind, steps):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(hostport(bind))
    tcp = None
    i = 0
    while i < len(steps):
        op = steps[i]
        if op == "who":
            r = ask(s, steps[i + 1], "WHO", "SEEN ")
            print("seen " + r[5:] if r else "none", flush=True)
            i += 2
        elif op in ("poke", "later"):
            token = os.urandom(6).hex()
            if op == "poke":
                msg, wait = "POKE %s %s" % (steps[i + 2], token), 2.0
            else:
                msg, wait = "LATER %s %s" % (steps[i + 2], token), float(steps[i + 2]) + 2.0
            src = wait_token(s, token, wait) if ask(s, steps[i + 1], msg, "ACK") else None
            print("token from %s:%d" % src if src else "none", flush=True)
            i += 3
        elif op == "tcp":
            try:
                tcp = socket.create_connection(hostport(steps[i + 1]), timeout=2.0,
                                               source_address=(hostport(bind)[0], 0))
                print("connected", flush=True)
            except OSError:
                tcp = None
                print("none", flush=True)
            i += 2
        elif op == "tcpwho":
            line = b""
            if tcp:
                try:
                    tcp.sendall(b"WHO\n")
                    tcp.settimeout(2.0)
                    while not line.endswith(b"\n"):
                        chunk = tcp.recv(256)
                        if not chunk:
                            break
                        line += chunk
                except OSError:
                    line = b""
            print("seen " + line.decode().strip()[5:] if line.startswith(b"SEEN ") else "none", flush=True)
            i += 1
        elif op == "expect":
            src = wait_token(s, steps[i + 1], float(steps[i + 2]))
            print("token from %s:%d" % src if src else "none", flush=True)
            i += 3
        elif op == "waitfile":
            end = time.monotonic() + 60
            while not os.path.exists(steps[i + 1]) and time.monotonic() < end:
                time.sleep(0.05)
            i += 2
        elif op == "sleep":
            time.sleep(float(steps[i + 1]))
            i += 2
        else:
            sys.exit("natprobe: unknown step " + op)


def main(argv):
    if len(argv) >= 2 and argv[0] == "serve":
        serve(argv[1:])
    elif len(argv) >= 2 and argv[0] == "client":
        client(argv[1], argv[2:])
    elif len(argv) == 4 and argv[0] == "ctl":
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sys.exit(0 if ask(c, "127.0.0.1:4999", "SENDTO " + " ".join(argv[1:]), "OK") else 1)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
