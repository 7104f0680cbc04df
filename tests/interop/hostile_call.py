#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""hostile_call.py: call-level hostile peer against sphone --headless (TLS, SDES-SRTP); prints TAP.

Usage: hostile_call.py SPHONE WORKDIR CADIR

The script is sphone's registrar and proxy over TLS (certificate from the lab CA in CADIR) and the
far end of every call (hostile_peer.py does the SIP, SRTP and tones). A good call G is set up first
and stays up throughout; sphone receives a 440 Hz tone on it and sends the 1000 Hz tone of its
--audio-in file. Then:
  1. hostile offers while G runs: hundreds of m-lines, a=crypto with wrong key lengths, bogus
     parameters, unknown suites only, plain RTP/AVP; each must be refused with 488 (RFC 3264 6,
     RFC 4568 6.1/7.1.2) and reported as an ended call with a reason;
  2. a second call H (sphone auto-answers it, G goes on hold) gets replayed SRTP, forged SRTP (bad
     tag), RTP with a CSRC count or an extension length past the packet, and an RFC 4733 event
     flood; each is dropped (or, for the DTMF flood, each well-formed event reported once) and
     counted exactly in `verify` (auth_failures, replay_failures, rtp_received);
  3. sphone calls out and the answer switches to RTP/AVP, or carries a key of the wrong length:
     sphone must hang up (BYE) with a reason.
After each phase G is resumed and checked: its audio both ways is still the right tone, its own
counters show no failures, sphone still answers `status`.
"""
import os
import random
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile_peer import (Call, body_of, diag, tone_share, hdr, new_key, ok, udp_drops, sdp_info,  # noqa: E402
                          rtp_packet, sdp_offer, status_of)
import hostile_peer  # noqa: E402

SPHONE, WORK, CADIR = sys.argv[1], sys.argv[2], sys.argv[3]
G_TONE, H_TONE, PHONE_TONE = 440, 700, 1000


def check_g(phone, g, gid, label):
    hostile_peer.peer_hears_phone(g, PHONE_TONE, label + ": G")
    sec = phone.verify(gid)
    ok(sec is not None and sec.get("auth_failures") == 0 and sec.get("replay_failures") == 0,
       "%s: G's counters untouched (auth_failures %s, replay_failures %s, rtp_received %s)" %
       (label, sec and sec.get("auth_failures"), sec and sec.get("replay_failures"),
        sec and sec.get("rtp_received")))
    ok(phone.alive_and_answering(), "%s: sphone still answers status" % label)


def refused_offer(px, phone, body, label, reason_has=None):
    c = Call(px, 0)
    n_end = phone.count("ended")
    r = c.invite(body)
    code = status_of(r) if r else 0
    ok(code == 488, "%s: %s" % (label, ("answered %d %s" % (code, hdr(r, "warning") or "")) if r else "no answer"))
    ev = phone.wait("ended", n_end + 1, 20)
    reason = ev.get("reason", "") if ev else ""
    ok(ev is not None and ev.get("status") == 488 and len(reason) > 10 and
       (reason_has is None or reason_has in reason),
       "%s: ended event, status 488, reason '%s'" % (label, reason))
    c.stop_media()
    del px.calls[c.callid]


def main():
    return hostile_peer.answering_phone_main(SPHONE, WORK, CADIR, PHONE_TONE, run, check_heard)


def run(px, phone, heard):
    if not ok(px.wait_registered(15) and phone.wait("registered", 1, 20) is not None,
              "sphone registered over TLS (lab CA) at the scripted proxy"):
        return
    # ---- the good call G
    g = Call(px, G_TONE)
    r = g.invite(g.offer())
    ok(r is not None and status_of(r) == 200, "G: sphone auto-answers 200 OK")
    ev = phone.wait("established", 1, 20)
    gid = ev and ev.get("call")
    ok(ev is not None and ev.get("srtp") not in (None, False, "none", ""),
       "G: established with SRTP (%s)" % (ev and ev.get("srtp")))
    if not g.established or gid is None:
        return
    time.sleep(1)
    check_g(phone, g, gid, "G before anything")

    # ---- 0. a re-INVITE without SDP (RFC 3261 14.2, as some PBXs refresh sessions): sphone offers in
    # its 200, the answer goes in our ACK, and G's media goes on with the keys of that exchange
    n_end = phone.count("ended", call=gid)
    br = px.request("INVITE", px.contact, g.callid, g.cseq, g.from_tag, g.to_hdr, "")
    r = px.wait_resp(br)
    off = body_of(r) if r is not None else ""
    lport, lcrypto, lproto, ldir = sdp_info(off)
    mine = [(t, inl) for t, (suite, inl) in lcrypto.items() if suite == "AES_CM_128_HMAC_SHA1_80"]
    ok(r is not None and status_of(r) == 200 and lproto == "RTP/SAVP" and ldir == "sendrecv" and mine,
       "late offer: a re-INVITE without SDP gets 200 OK with an RTP/SAVP sendrecv offer (%d a=crypto lines)"
       % len(lcrypto))
    if mine:
        g.rx = hostile_peer.Srtp(mine[0][1])
        px.request("ACK", px.contact, g.callid, g.cseq, g.from_tag, g.to_hdr,
                   sdp_offer(g.port, ["%s AES_CM_128_HMAC_SHA1_80 inline:%s" % (mine[0][0], g.key)]))
    g.cseq += 1
    time.sleep(0.5)
    check_g(phone, g, gid, "G after a late-offer re-INVITE")
    ok(phone.count("ended", call=gid) == n_end, "late offer: G is still up (no ended event)")

    # ---- 1. hostile offers (G goes on)
    key20 = __import__("base64").b64encode(os.urandom(20)).decode()
    key40 = __import__("base64").b64encode(os.urandom(40)).decode()
    many = "".join("m=audio %d RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 "
                   "inline:%s\r\n" % (20000 + 2 * i, new_key()) for i in range(299))
    refused_offer(px, phone, sdp_offer(40000, ["1 AES_CM_128_HMAC_SHA1_80 inline:" + new_key()],
                                       extra_m=many), "300 m-lines", reason_has="16 m-lines")
    bad_crypto = [
        ("key of 20 bytes for a 30-byte suite", ["1 AES_CM_128_HMAC_SHA1_80 inline:" + key20]),
        ("key of 40 bytes for a 30-byte suite", ["1 AES_CM_128_HMAC_SHA1_80 inline:" + key40]),
        ("key that is not base64", ["1 AES_CM_128_HMAC_SHA1_80 inline:!!!!notbase64!!!!notbase64!!!!!!!!"]),
        ("unknown session parameter", ["1 AES_CM_128_HMAC_SHA1_80 inline:%s BOGUS_PARAM=1" % new_key()]),
        ("lifetime 2^99", ["1 AES_CM_128_HMAC_SHA1_80 inline:%s|2^99" % new_key()]),
        ("MKI length 200", ["1 AES_CM_128_HMAC_SHA1_80 inline:%s|1:200" % new_key()]),
        ("tag 0 and tag 10^12", ["0 AES_CM_128_HMAC_SHA1_80 inline:" + new_key(),
                                 "1000000000000 AES_CM_128_HMAC_SHA1_80 inline:" + new_key()]),
        ("no key method", ["1 AES_CM_128_HMAC_SHA1_80 " + new_key()]),
        ("unknown suites only", ["1 FOO_CM_999_HMAC_SHA1_80 inline:" + new_key(),
                                 "2 F8_128_HMAC_SHA1_80 inline:" + new_key(),
                                 "3 AES_CM_128_HMAC_SHA1_80_X inline:" + new_key()]),
        ("12 bad lines then nothing usable", ["%d AES_CM_128_HMAC_SHA1_80 inline:%s" % (i + 1, key20)
                                              for i in range(12)]),
    ]
    for label, lines in bad_crypto:
        refused_offer(px, phone, sdp_offer(40000, lines), "a=crypto " + label)
    refused_offer(px, phone, sdp_offer(40000, [], proto="RTP/AVP"), "plain RTP/AVP offer (srtp_required)")
    check_g(phone, g, gid, "G after %d hostile offers" % (len(bad_crypto) + 2))

    # 16 m-lines (the limit): 15 video streams, then the audio. RFC 3264 6: the answer has the same
    # number of m-lines in the same order, the refused ones with port 0; the audio is accepted.
    vids = "".join("m=video %d RTP/AVP 31\r\n" % (30000 + 2 * i) for i in range(15))
    c16 = Call(px, 0)
    key16 = new_key()
    body16 = sdp_offer(c16.port, ["1 AES_CM_128_HMAC_SHA1_80 inline:" + key16])
    head16, audio16 = body16.split("m=audio", 1)
    n_est, n_hold = phone.count("established"), phone.count("hold", call=gid)
    r = c16.invite(head16 + vids + "m=audio" + audio16)
    ms = [ln for ln in body_of(r).split("\r\n") if ln.startswith("m=")] if r else []
    ok(r is not None and status_of(r) == 200 and len(ms) == 16 and
       all(m.split()[1] == "0" for m in ms[:15]) and ms[15].startswith("m=audio ") and ms[15].split()[1] != "0",
       "16 m-lines (15 video, then audio): 200 OK, 16 m-lines in the answer, the 15 video ones refused "
       "with port 0 (%s)" % (ms[:1] + ms[-1:]))
    ev16 = phone.wait("established", n_est + 1, 20)
    c16.bye()
    if ev16:
        phone.wait("ended", 1, 5, call=ev16.get("call"))
    phone.wait("hold", n_hold + 1, 5, call=gid)
    phone.cmd("resume %d" % gid)
    phone.wait("hold", n_hold + 2, 5, call=gid)
    time.sleep(0.5)
    del px.calls[c16.callid]

    # ---- 2. hostile media on a second call H
    h = Call(px, H_TONE)
    n_est, n_hold = phone.count("established"), phone.count("hold", call=gid)
    sent = []
    orig_send = h.send_srtp

    def keep(plain, hlen=None):
        pkt = orig_send(plain, hlen)
        sent.append(pkt)
        return pkt
    h.send_srtp = keep
    r = h.invite(h.offer())
    ok(r is not None and status_of(r) == 200, "H: sphone auto-answers the second call")
    ev = phone.wait("established", n_est + 1, 20)
    hid = ev and ev.get("call")
    if not ok(h.established and hid is not None and hid != gid, "H: established (call %s)" % hid):
        return
    held = phone.wait("hold", n_hold + 1, 5, call=gid)
    ok(held is not None and held.get("on") is True, "G went on hold (one call talks at a time)")
    time.sleep(6.5)
    s0 = phone.verify(hid)
    ok(s0 is not None and s0.get("auth_failures") == 0 and s0.get("replay_failures") == 0 and
       s0.get("rtp_received", 0) > 20, "H: SRTP flows, no failures yet (rtp_received %s)" %
       (s0 and s0.get("rtp_received")))
    h.sending = False     # from here on only the packets sent by hand: every count is exact
    time.sleep(0.3)
    base = phone.verify(hid)

    def drops():
        return udp_drops(h.remote[1]) + udp_drops(h.remote[1] + 1)
    base_drops = [drops()]

    def delta(label, want_auth, want_replay, want_rx, want_bad=0):
        """Exact counts; if the kernel dropped packets at sphone's sockets (a loaded machine; ASan),
        each count may fall short, by no more than the drops in total."""
        time.sleep(0.4)
        s = phone.verify(hid)
        dr = drops() - base_drops[0]
        base_drops[0] += dr
        keys = ("auth_failures", "replay_failures", "rtp_received", "malformed_dropped")
        d = {k: s.get(k, 0) - base.get(k, 0) for k in keys}
        want = dict(zip(keys, (want_auth, want_replay, want_rx, want_bad)))
        good = d == want if dr == 0 else (all(d[k] <= want[k] for k in keys) and
                                          sum(d.values()) >= sum(want.values()) - dr)
        ok(good, "%s: counted exactly (auth_failures +%d, replay_failures +%d, rtp_received +%d, "
           "malformed_dropped +%d; want +%d +%d +%d +%d%s)"
           % (label, d["auth_failures"], d["replay_failures"], d["rtp_received"], d["malformed_dropped"],
              want_auth, want_replay, want_rx, want_bad,
              "; %d dropped by the kernel: sphone too slow to read" % dr if dr else ""))
        base.update(s)
        return dr

    def paced(pkts):
        for i, p in enumerate(pkts):
            h.send_raw(p)
            if i % 20 == 19:
                time.sleep(0.004)

    # replays: 100 packets already accepted (still in the window), then 100 older than the window
    diag("sent so far on H: %d" % len(sent))
    replays = sent[-100:]
    paced(replays)
    delta("replayed SRTP (the last 100 packets, inside the replay window)", 0, 100, 0)
    replays = sent[-300:-200]
    paced(replays)
    delta("replayed SRTP (%d packets older than the 128-packet window)" % len(replays), 0, len(replays), 0)
    # forged: a good packet with its tag flipped, one with a payload bit flipped, one with its header changed
    forged = []
    for i in range(300):
        p = bytearray(h.tx.protect(h.next_packet()))
        if i % 3 == 0:
            p[-1] ^= 0x01
        elif i % 3 == 1:
            p[20] ^= 0x80
        else:
            p[1] = (p[1] & 0x80) | 8          # payload type changed after the tag was made
        forged.append(bytes(p))
    paced(forged)
    delta("forged SRTP (300 packets: bad tag, changed payload, changed header)", 300, 0, 0)
    # forged SRTCP to the RTCP port (RTP port + 1, no rtcp-mux): an SR with an E bit, index and a
    # random tag -- libsrtp must refuse every one as an authentication failure
    srtcp = []
    for i in range(50):
        sr = struct.pack("!BBHII", 0x80, 200, 6, h.ssrc, 0) + os.urandom(20)
        srtcp.append(sr + struct.pack("!I", 0x80000000 | (i + 1)) + os.urandom(10))
    for p in srtcp:
        h.sock.sendto(p, (h.remote[0], h.remote[1] + 1))
    delta("forged SRTCP (50 sender reports with a random tag)", 50, 0, 0)
    # the same sequence numbers, now sent properly, are new to sphone's window: accepted
    # (the forged ones did not advance it)
    ctrl = [h.tx.protect(h.next_packet()) for _ in range(50)]
    paced(ctrl)
    delta("control: 50 good packets after the forgeries", 0, 0, 50)
    # bogus CSRC count / extension length, correctly authenticated
    bogus = []
    for i in range(100):
        p = bytearray(h.next_packet(payload=b"\xff" * 4))
        p[0] = 0x80 | 15                  # CC = 15: 60 bytes of CSRC that are not there
        bogus.append(h.tx.protect(bytes(p), hlen=len(p)))
    for i in range(100):
        p = bytearray(h.next_packet(payload=b"\x00\x00\xff\xff" + b"\xff" * 8))
        p[0] = 0x90                       # X bit; extension of 65535 words
        bogus.append(h.tx.protect(bytes(p), hlen=len(p)))
    paced(bogus)
    delta("RTP with CSRC count 15 or extension length 65535 past the end (200 authenticated packets): "
          "dropped as malformed, not taken for auth or replay failures", 0, 0, 0, 200)
    good_odd = []
    for i in range(10):
        p = h.next_packet(payload=b"\x00" * 60 + hostile_peer.tone_ulaw(H_TONE, 0, 160))
        p = bytes([0x80 | 15]) + p[1:]    # CC = 15 with its 60 bytes present: valid
        good_odd.append(h.tx.protect(p))
        p = h.next_packet(payload=b"\xbe\xde\x00\x01\x10\xaa\x00\x00" + hostile_peer.tone_ulaw(H_TONE, 0, 160))
        p = bytes([0x90]) + p[1:]         # a one-word RFC 8285 extension: valid
        good_odd.append(h.tx.protect(p))
    paced(good_odd)
    delta("control: 20 packets with 15 CSRCs or a valid extension", 0, 0, 20)
    # RFC 4733 flood: 400 well-formed events (3 packets each, end packet sent 3 times) mixed with
    # 1,200 malformed ones (short, event code > 255 range, duration 0 end, huge volume), as fast as paced
    n_dtmf0 = phone.count("dtmf")
    digits = "0123456789*#ABCD"
    want = []       # (digit, duration_ms) in the order RFC 4733 says they must be reported
    pkts = []
    ts = h.ts + 8000
    for i in range(400):
        ev = random.randrange(16)
        want.append((digits[ev], 100))
        for k, (end, dur) in enumerate(((0, 160), (0, 480), (1, 800), (1, 800), (1, 800))):
            pl = struct.pack("!BBH", ev, (0x80 if end else 0) | 10, dur)
            pkts.append(h.tx.protect(h.next_packet(pt=101, payload=pl, marker=(k == 0), ts=ts)))
        # then, each at a timestamp of its own: a 1-byte payload (malformed: dropped), event 200 with
        # 96 bytes of padding (not a DTMF event: ignored), a random event code that is only an end
        # packet of duration 0 (a DTMF code 0..15: an event of 0 ms, reported once; above: ignored)
        code = random.randrange(256)
        if code < 16:
            want.append((digits[code], 0))
        for j, bad in enumerate((b"\x05", struct.pack("!BBHB", 200, 0x3f, 0, 7) + b"\x00" * 96,
                                 struct.pack("!BBH", code, 0xbf, 0))):
            pkts.append(h.tx.protect(h.next_packet(pt=101, payload=bad, ts=ts + 400 + j)))
        ts += 1600
    t0 = time.time()
    dr0 = drops()
    paced(pkts)
    flood_secs = time.time() - t0
    time.sleep(1.0)
    dr = drops() - dr0
    got = [(e.get("digit"), e.get("duration_ms")) for e in phone.find("dtmf")[n_dtmf0:]]
    if dr == 0:
        good = got == want
    else:       # packets lost before sphone read them: what arrived is still reported once, in order
        it = iter(want)
        good = all(any(g == w for w in it) for g in got) and len(got) >= len(want) - dr
    ok(good, "RFC 4733 flood (%d packets in %.2f s): %d dtmf events, exactly the %d expected in order "
       "(400 real events once each, %d end-only events of 0 ms, malformed and non-DTMF codes ignored)%s"
       % (len(pkts), flood_secs, len(got), len(want), len(want) - 400,
          "; %d packets dropped by the kernel" % dr if dr else ""))
    if not good:
        diag("first difference at %s" % next((i for i, (a, b) in enumerate(zip(got, want)) if a != b),
                                              min(len(got), len(want))))
    delta("RFC 4733 flood: every packet authenticated and counted", 0, 0, len(pkts))
    # SSRC churn: authenticated packets, each from a new SSRC. libsrtp would keep a receive stream per
    # SSRC for the whole call; sphone lets 16 SSRCs per key through (H's own is one) and drops the rest
    rss_a = phone.rss_kib()
    churn = [h.tx.protect(rtp_packet(0, h.seq + i, h.ts, random.getrandbits(32) | 1, b"\xff" * 160), roc=0)
             for i in range(5000)]
    paced(churn)
    delta("5,000 packets from 5,000 new SSRCs: 15 more SSRCs accepted (16 per key), the rest dropped",
          0, 0, 15, 4985)
    diag("sphone VmRSS around the SSRC churn: %d -> %d KiB" % (rss_a, phone.rss_kib()))
    ok(phone.alive_and_answering(), "sphone still answers status after the media attacks")
    # H's good audio still plays: sender back on
    h.sending = True
    time.sleep(1.0)
    s = phone.verify(hid)
    ok(s and s.get("rtp_received", 0) > base.get("rtp_received", 0) + 30,
       "H itself still works after the attacks (rtp_received %s)" % (s and s.get("rtp_received")))
    code = h.bye()
    ok(code == 200, "H: BYE answered %d" % code)
    phone.wait("ended", 1, 5, call=hid)
    phone.cmd("resume %d" % gid)
    ev = phone.wait("hold", n_hold + 2, 5, call=gid)
    ok(ev is not None and ev.get("on") is False, "G resumed")
    time.sleep(0.5)
    check_g(phone, g, gid, "G after the media attacks on H")
    time.sleep(2.0)

    # ---- 3. answers that break the rules (sphone calls out; G goes on hold each time)
    def bad_answer(label, make_sdp):
        def on_invite(px_, msg, t):
            c = Call(px_, 0)
            c.callid = hdr(msg, "call-id", "i")
            px_.calls[c.callid] = c
            c.established = True        # re-INVITEs and BYE for it are handled
            px_.send(px_.reply(msg, 200, "OK", body=make_sdp(c), to_tag="ans%x" % random.getrandbits(24),
                               extra="Contact: <sips:mallory@127.0.0.1:%d;transport=tls>\r\n" % px_.port), t)
        px.on_invite = on_invite
        n_end = phone.count("ended")
        n_bye = sum(1 for m, _ in px.received if m == "BYE")
        phone.cmd("call sips:mallory@sip.test")
        ev = phone.wait("ended", n_end + 1, 20)
        reason = ev.get("reason", "") if ev else ""
        time.sleep(0.5)
        n_bye2 = sum(1 for m, _ in px.received if m == "BYE")
        ok(ev is not None and len(reason) > 10 and n_bye2 == n_bye + 1,
           "%s: sphone ACKs, sends BYE and ends the call: reason '%s'" % (label, reason))
        px.on_invite = None
        phone.cmd("resume %d" % gid)
        time.sleep(1.0)

    bad_answer("answer switches to RTP/AVP (no keys)",
               lambda c: sdp_offer(c.port, [], proto="RTP/AVP"))
    bad_answer("answer with a 20-byte key",
               lambda c: sdp_offer(c.port, ["1 AES_CM_128_HMAC_SHA1_80 inline:" + key20]))
    bad_answer("answer picks a tag sphone never offered",
               lambda c: sdp_offer(c.port, ["77 AES_CM_128_HMAC_SHA1_80 inline:" + new_key()]))
    ev = phone.find("hold", call=gid)
    ok(ev and ev[-1].get("on") is False, "G resumed after the bad answers")
    check_g(phone, g, gid, "G at the end")

    # ---- G's audio as sphone played it: the tail of --audio-out is G's 440 Hz, not H's 700 Hz
    code = g.bye()
    ok(code == 200, "G: BYE answered %d" % code)
    phone.wait("ended", 1, 5, call=gid)


def check_heard(heard):
    tail, rate = hostile_peer.recorded_tail(heard)
    s440, s700 = tone_share(tail, G_TONE, rate), tone_share(tail, H_TONE, rate)
    ok(s440 > 0.9 and s700 < 0.05, "what sphone played for G at the end is G's tone: %.0f%% at %d Hz, "
       "%.1f%% at %d Hz (medians over 100 ms windows of %d samples)" % (100 * s440, G_TONE, 100 * s700, H_TONE, len(tail)))


if __name__ == "__main__":
    sys.exit(main())
