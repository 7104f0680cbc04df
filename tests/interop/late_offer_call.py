#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""late_offer_call.py: sphone --headless answers INVITEs without SDP (a delayed offer, RFC 3261 13.2.1,
RFC 3264 4) from a scripted peer over TLS; prints TAP.

Usage: late_offer_call.py SPHONE WORKDIR CADIR

The script is sphone's registrar and proxy over TLS and the caller (hostile_peer.py does the SIP,
SRTP and tones). sphone runs with --auto-answer and plays a 1000 Hz tone; the caller plays 440 Hz.
  1. INVITE without SDP: 180 and an "incoming" event that says the offer is ours; sphone's 200 carries
     an RTP/SAVP offer with a=crypto lines; the caller answers in its ACK with its own key. Only then
     does sphone report "established" and "security"; SRTP audio flows both ways (each side decrypts
     the other's tone); the caller hangs up.
  2. The ACK carries no answer: sphone sends BYE and ends the call (488) with a reason.
  3. No ACK at all: sphone retransmits the same 200 and, once 64*T1 (32 s) have passed, sends BYE and
     ends the call (408) with a reason.
"""
import os
import queue
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile_peer import (Call, body_of, hdr, ok, sdp_info,  # noqa: E402
                          sdp_offer, status_of, tone_share)
import hostile_peer  # noqa: E402

SPHONE, WORK, CADIR = sys.argv[1], sys.argv[2], sys.argv[3]
PEER_TONE, PHONE_TONE = 440, 1000
SUITE = "AES_CM_128_HMAC_SHA1_80"   # the suite hostile_peer.Srtp does


def invite_without_sdp(px, c):
    """Sends c's INVITE without a body; returns (branch, status codes of the responses up to the
    final one, the final response or None)."""
    br = px.request("INVITE", px.contact, c.callid, c.cseq, c.from_tag, c.to_hdr, "")
    codes, final = [], None
    end = time.time() + 10
    while time.time() < end:
        r = px.wait_resp(br, final=False, secs=end - time.time())
        if r is None:
            break
        codes.append(status_of(r))
        if status_of(r) >= 200:
            final = r
            break
    if final is not None:
        c.to_hdr = hdr(final, "to", "t")
    return br, codes, final


def later_responses(px, br):
    """The responses that came on branch br since the last look (retransmitted 200s)."""
    out = []
    while True:
        try:
            out.append(px.txn[br].get_nowait())
        except queue.Empty:
            return out


def ack(px, c, body=""):
    px.request("ACK", px.contact, c.callid, c.cseq, c.from_tag, c.to_hdr, body)


def main():
    return hostile_peer.answering_phone_main(SPHONE, WORK, CADIR, PHONE_TONE, run, check_heard)


def run(px, phone, heard):
    if not ok(px.wait_registered(15) and phone.wait("registered", 1, 20) is not None,
              "sphone registered over TLS (lab CA) at the scripted proxy"):
        return
    # ---- 1. a delayed offer answered in the ACK: SRTP both ways
    c = Call(px, PEER_TONE)
    br, codes, r = invite_without_sdp(px, c)
    ok(180 in codes and r is not None and status_of(r) == 200,
       "delayed offer: INVITE without SDP rings (180) and is auto-answered 200 (responses %s)" % codes)
    inc = phone.wait("incoming", 1, 20)
    cid = inc and inc.get("call")
    ok(inc is not None and inc.get("offer") == "ours" and inc.get("srtp") is True,
       "delayed offer: the incoming event says the offer is ours and the call SRTP (%s)" %
       ({k: inc.get(k) for k in ("offer", "srtp")} if inc else None))
    if r is None or status_of(r) != 200 or cid is None:
        return
    offer = body_of(r)
    port, crypto, proto, direction = sdp_info(offer)
    mine = [(t, inl) for t, (suite, inl) in crypto.items() if suite == SUITE]
    ok(proto == "RTP/SAVP" and direction == "sendrecv" and port > 0 and mine,
       "delayed offer: the 200 carries an RTP/SAVP sendrecv offer with a=crypto (%d lines, %s among them)"
       % (len(crypto), SUITE))
    time.sleep(0.3)
    ok(phone.count("established", call=cid) == 0 and phone.count("ended", call=cid) == 0,
       "delayed offer: no established event before the answer")
    if not mine:
        return
    c.rx = hostile_peer.Srtp(mine[0][1])
    ack(px, c, sdp_offer(c.port, ["%s %s inline:%s" % (mine[0][0], SUITE, c.key)]))
    c.cseq += 1
    c.remote = ("127.0.0.1", port)
    c.established = True
    c.start_media()
    ev = phone.wait("established", 1, 5, call=cid)
    ok(ev is not None and ev.get("srtp") is True and ev.get("srtp_tx") == SUITE and ev.get("srtp_rx") == SUITE,
       "delayed offer: established after the ACK's answer, SRTP %s both ways (%s)" %
       (SUITE, ev and {k: ev.get(k) for k in ("srtp", "srtp_tx", "srtp_rx", "sas")}))
    sec0 = phone.wait("security", 1, 2, call=cid)
    ok(sec0 is not None and sec0.get("srtp") is True, "delayed offer: a security event follows")
    t = time.time()
    time.sleep(2.0)
    end = t + 5
    while len(c.heard_since(t)) < 8000 * 1.5 and time.time() < end:
        time.sleep(0.1)
    pcm = c.heard_since(t)
    share = tone_share(pcm, PHONE_TONE)
    ok(len(pcm) >= 8000 * 1.5 and share > 0.8 and c.rx_bad == 0,
       "delayed offer: sphone's SRTP arrives and decrypts with the key of its offer: %d samples, %.0f%% of "
       "the energy at %d Hz, %d packets refused" % (len(pcm), 100 * share, PHONE_TONE, c.rx_bad))
    sec = phone.verify(cid)
    ok(sec is not None and sec.get("packets_unprotected", 0) > 50 and sec.get("auth_failures") == 0 and
       sec.get("replay_failures") == 0 and sec.get("plaintext_received") == 0,
       "delayed offer: sphone decrypts the caller's SRTP with the key of the ACK's answer (%s)" %
       (sec and {k: sec.get(k) for k in ("packets_unprotected", "auth_failures", "replay_failures",
                                         "plaintext_received", "rtp_sent")}))
    n_end = phone.count("ended", call=cid)
    ok(c.bye() == 200, "delayed offer: the caller's BYE is answered 200")
    ev = phone.wait("ended", n_end + 1, 5, call=cid)
    ok(ev is not None and ev.get("by") == "remote" and ev.get("status") == 200,
       "delayed offer: ended by the caller (%s)" % (ev and ev.get("reason")))
    del px.calls[c.callid]

    # ---- 2. the ACK brings no answer: BYE and a reason
    c = Call(px, 0)
    br, codes, r = invite_without_sdp(px, c)
    ok(r is not None and status_of(r) == 200, "empty ACK: 200 with the offer")
    inc = phone.wait("incoming", 2, 20)
    cid = inc and inc.get("call")
    ack(px, c)
    c.cseq += 1
    ev = phone.wait("ended", 1, 5, call=cid) if cid is not None else None
    time.sleep(0.3)
    ok(ev is not None and ev.get("status") == 488 and "no answer" in ev.get("reason", "") and c.bye_received,
       "empty ACK: sphone sent BYE and ended the call: %s" % (ev and "%s %s" % (ev.get("status"), ev.get("reason"))))
    ok(cid is not None and phone.count("established", call=cid) == 0, "empty ACK: never established")
    del px.calls[c.callid]

    # ---- 3. no ACK at all: the same 200 again and again, then BYE after 64*T1
    c = Call(px, 0)
    t0 = time.time()
    br, codes, r = invite_without_sdp(px, c)
    ok(r is not None and status_of(r) == 200, "no ACK: 200 with the offer")
    inc = phone.wait("incoming", 3, 20)
    cid = inc and inc.get("call")
    ev = phone.wait("ended", 1, 45, call=cid) if cid is not None else None
    took = time.time() - t0
    time.sleep(0.3)
    again = later_responses(px, br)
    ok(len(again) >= 5 and all(status_of(x) == 200 and body_of(x) == body_of(r) for x in again),
       "no ACK: the 200 was retransmitted with the same offer (%d times)" % len(again))
    ok(ev is not None and ev.get("status") == 408 and "no ACK" in ev.get("reason", "") and c.bye_received and
       31 <= took <= 35,
       "no ACK: after %.0f s sphone sent BYE and ended the call: %s" %
       (took, ev and "%s %s" % (ev.get("status"), ev.get("reason"))))
    ok(cid is not None and phone.count("established", call=cid) == 0, "no ACK: never established")
    del px.calls[c.callid]
    ok(phone.alive_and_answering(), "sphone still answers status")


def check_heard(heard):
    """What sphone played out (call 1 only had audio): the caller's tone, decrypted."""
    part, rate = hostile_peer.heard_part(heard)
    share = tone_share(part, PEER_TONE, rate)
    ok(len(part) > rate and share > 0.8,
       "what sphone played is the caller's %d Hz tone: %.0f%% of the energy over %.1f s" %
       (PEER_TONE, 100 * share, len(part) / float(rate)))


if __name__ == "__main__":
    hostile_peer.script_main(main)
