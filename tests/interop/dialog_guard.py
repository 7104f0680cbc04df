#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""dialog_guard.py: a call stays on its own connection and its media stays encrypted; prints TAP.

Usage: dialog_guard.py SPHONE WORKDIR CADIR

sphone --headless --auto-answer runs two accounts with srtp_required = no: victim, registered at the
scripted TLS proxy P1, and other1, registered at a second one, P2 (both verified with the lab CA).
P1 calls victim (G, SDES-SRTP; P1 plays 440 Hz, sphone 1000 Hz). Then:
  1. P2 sends a re-INVITE and a BYE of G's dialog over other1's connection (the right Call-ID and
     tags): each is answered 403 and draws a warning; G goes on, still signalled over P1's
     connection (verify's tls_hop), audio both ways;
  2. P1 re-INVITEs G offering plain RTP/AVP: 488 and a warning, G still SRTP both ways;
     P1 sends an UPDATE offering plain RTP: 488 and a warning;
     P1 re-INVITEs without SDP and answers sphone's offer in the ACK with plain RTP: a warning,
     the answer is not used, G still SRTP both ways, no BYE.
At the end the audio sphone recorded for G is P1's tone.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile_peer  # noqa: E402
from hostile_peer import Call, body_of, ok, sdp_info, sdp_offer, status_of, tone_share  # noqa: E402

SPHONE, WORK, CADIR = sys.argv[1], sys.argv[2], sys.argv[3]
G_TONE, PHONE_TONE = 440, 1000


def phone_hears(phone, gid, label):
    """sphone goes on receiving G's SRTP: rtp_received grows, nothing fails, nothing is plaintext."""
    a = phone.verify(gid)
    time.sleep(1.0)
    b = phone.verify(gid)
    ok(a is not None and b is not None and b.get("srtp") is True and
       b.get("rtp_received", 0) - a.get("rtp_received", 0) > 30 and b.get("auth_failures") == 0 and
       b.get("plaintext_received") == 0 and b.get("plaintext_sent") == 0,
       "%s: sphone still receives G's SRTP (srtp %s, rtp_received +%s in 1 s, auth_failures %s, "
       "plaintext sent/received %s/%s)" % (label, b and b.get("srtp"),
                                            b and a and b.get("rtp_received", 0) - a.get("rtp_received", 0),
                                            b and b.get("auth_failures"), b and b.get("plaintext_sent"),
                                            b and b.get("plaintext_received")))
    return b


def both_ways(phone, g, gid, label):
    hostile_peer.peer_hears_phone(g, PHONE_TONE, label)
    return phone_hears(phone, gid, label)


def warned(phone, n, has, label):
    ev = phone.wait("warning", n + 1, 20)
    msg = ev.get("message", "") if ev else ""
    ok(has in msg, "%s: a warning says so: '%s'" % (label, msg))


def request(px, g, method, body, ack_body=None):
    """An in-dialog request of G from px over its own connection; the final response (ACKed if an INVITE)."""
    br = px.request(method, px.contact or g.px.contact, g.callid, g.cseq, g.from_tag, g.to_hdr, body)
    r = px.wait_resp(br)
    if method == "INVITE" and r is not None:
        if status_of(r) >= 300:
            px.request("ACK", g.px.contact, g.callid, g.cseq, g.from_tag, g.to_hdr, branch=br)
        else:
            px.request("ACK", g.px.contact, g.callid, g.cseq, g.from_tag, g.to_hdr, ack_body or "")
    g.cseq += 1
    return r


def run(px, phone, heard):
    p2 = px.others[0]
    if not ok(px.wait_registered(15) and p2.wait_registered(15) and phone.wait("registered", 2, 20) is not None,
              "sphone registered both accounts over TLS, at P1 and at P2"):
        return
    g = Call(px, G_TONE)
    r = g.invite(g.offer())
    ev = phone.wait("established", 1, 20)
    gid = ev and ev.get("call")
    if not ok(r is not None and status_of(r) == 200 and ev is not None and ev.get("srtp") is True,
              "G: P1 calls, sphone answers, SRTP (%s)" % (ev and ev.get("srtp_tx"))):
        return
    time.sleep(1.0)
    s = both_ways(phone, g, gid, "G at the start")
    hop = s and s.get("tls_hop")
    ok(hop == "127.0.0.1:%d" % px.port, "G is signalled over P1's connection (tls_hop %s)" % hop)

    # ---- 1. the dialog's requests over another account's connection (P2's)
    n = phone.count("warning")
    p2.contact = px.contact                      # the Request-URI P2 uses: sphone's Contact at P1
    r = request(p2, g, "INVITE", g.offer())
    ok(r is not None and status_of(r) == 403,
       "P2 re-INVITEs G over other1's connection: %s" % (r and r.split("\r\n", 1)[0]))
    warned(phone, n, "refused a request of this call (INVITE)", "P2's re-INVITE")
    n = phone.count("warning")
    r = request(p2, g, "BYE", "")
    ok(r is not None and status_of(r) == 403, "P2 sends G's BYE over other1's connection: %s"
       % (r and r.split("\r\n", 1)[0]))
    warned(phone, n, "refused a request of this call (BYE)", "P2's BYE")
    ok(phone.count("ended", call=gid) == 0, "G was not ended by it")
    s = both_ways(phone, g, gid, "G after P2's requests")
    hop = s and s.get("tls_hop")
    ok(hop == "127.0.0.1:%d" % px.port, "G is still signalled over P1's connection (tls_hop %s)" % hop)

    # ---- 2. downgrades to plain RTP from the far end itself
    n = phone.count("warning")
    r = request(px, g, "INVITE", sdp_offer(g.port, [], proto="RTP/AVP"))
    ok(r is not None and status_of(r) == 488, "P1 re-INVITEs G offering plain RTP/AVP: %s"
       % (r and r.split("\r\n", 1)[0]))
    warned(phone, n, "plain RTP", "plain re-INVITE")
    both_ways(phone, g, gid, "G after the plain re-INVITE")

    n = phone.count("warning")
    r = request(px, g, "UPDATE", sdp_offer(g.port, [], proto="RTP/AVP"))
    ok(r is not None and status_of(r) == 488, "P1 sends an UPDATE offering plain RTP: %s"
       % (r and r.split("\r\n", 1)[0]))
    warned(phone, n, "plain RTP", "plain UPDATE")

    n = phone.count("warning")
    n_bye = sum(1 for m, _ in px.received if m == "BYE")
    r = request(px, g, "INVITE", "", ack_body=sdp_offer(g.port, [], proto="RTP/AVP"))
    port, crypto, proto, direction = sdp_info(body_of(r)) if r is not None else (0, {}, "", "")
    ok(r is not None and status_of(r) == 200 and crypto,
       "P1 re-INVITEs without SDP: 200 with sphone's offer (%s, %d a=crypto lines); the ACK answers plain RTP"
       % (proto, len(crypto)))
    warned(phone, n, "plain RTP", "plain answer in the ACK")
    both_ways(phone, g, gid, "G after the plain answer in the ACK")
    ok(phone.count("ended", call=gid) == 0 and sum(1 for m, _ in px.received if m == "BYE") == n_bye,
       "G goes on: no ended event, no BYE")
    code = g.bye()
    ok(code == 200, "G: P1 hangs up, BYE answered %d" % code)
    phone.wait("ended", 1, 5, call=gid)


def check_heard(heard):
    tail, rate = hostile_peer.recorded_tail(heard)
    share = tone_share(tail, G_TONE, rate)
    ok(share > 0.9, "what sphone played at the end of G is P1's tone: %.0f%% at %d Hz" % (100 * share, G_TONE))


if __name__ == "__main__":
    sys.exit(hostile_peer.answering_phone_main(SPHONE, WORK, CADIR, PHONE_TONE, run, check_heard,
                                               srtp_required=False, others=1))
