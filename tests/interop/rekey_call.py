#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""rekey_call.py: a scripted TLS peer re-keys one call with sphone again and again, across 16-bit sequence
wraps on both sides; on the wire no SRTP/SRTCP packet index is used twice under one key (issue 12.1); prints TAP.

Usage: rekey_call.py SPHONE WORKDIR CADIR

The script is sphone's registrar and proxy over TLS and the caller (hostile_peer.py: SIP, AES-CM SRTP,
tones). sphone runs with --auto-answer playing a 1000 Hz tone and with SPHONE_TEST_RTP_SEQ=65250 (a test
hook: its RTP starts 286 packets before the wrap, so its rollover counter moves after ~6 s instead of up to
22 minutes); the peer plays 440 Hz and starts its own sequence numbers at 65300. One call, re-INVITEs from
the peer, each with a new key for the peer's sending:
  R1 (2 s)  AES_CM_128_HMAC_SHA1_80, before any wrap;
  R2 (8 s)  after both wraps; the peer carries its ROC over to the new key (RFC 3711 3.3.1);
  R3 (12 s) the peer starts its new context at ROC 0 (what most SDES peers do);
  R4 (16 s) the peer switches to AES_CM_128_HMAC_SHA1_32: sphone's send key changes too;
  R5 (20 s) back to AES_CM_128_HMAC_SHA1_80: sphone must send under a new key, not its first one.
The peer's own receive path records every packet sphone sends. Afterwards each one is put under the sphone
send key that authenticates it, with its packet index (RTP: ROC * 65536 + SEQ, the ROC followed as a
receiver does and tried when a context starts; SRTCP: the index in its trailer): no (key, SSRC, index) may
come twice, per (key, SSRC) the index only rises, every packet belongs to a key sphone announced. Audio must
flow both ways in every stretch between re-keys: the peer decodes sphone's tone with a receive context kept
while sphone's key stays, sphone's `verify` counts the peer's packets without authentication failures, and
sphone's recording holds the peer's tone (at most one 200 ms window in ten without it; before the fix, audio
stopped at the first re-key past the wrap).
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile_peer import Call, Srtp, body_of, diag, ok, sdp_info, sdp_offer, status_of  # noqa: E402
from hostile_peer import goertzel_share, tag_len_of, tone_share  # noqa: E402
import hostile_peer  # noqa: E402

SPHONE, WORK, CADIR = sys.argv[1], sys.argv[2], sys.argv[3]
PEER_TONE, PHONE_TONE = 440, 1000
PHONE_SEQ0, PEER_SEQ0 = 65250, 65300
S80, S32 = "AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32"
# (label, seconds after the call starts, suite of the peer's offer, the peer's new context carries its ROC)
REKEYS = [("R1 before the wraps", 2, S80, False), ("R2 ROC carried", 8, S80, True),
          ("R3 ROC from 0", 12, S80, False), ("R4 to _32", 16, S32, False), ("R5 back to _80", 20, S80, False)]
END = 24


def main():
    os.environ["SPHONE_TEST_RTP_SEQ"] = str(PHONE_SEQ0)
    return hostile_peer.answering_phone_main(SPHONE, WORK, CADIR, PHONE_TONE, run, check_heard)


def answer_line(r):
    port, crypto, proto, direction = sdp_info(body_of(r))
    return list(crypto.values())[0] if crypto else None


def reinvite_new_key(c, suite, carry):
    """Re-INVITE with a new key for our sending; we switch to it once the answer is in (sphone has it by
    then), its context from ROC 0 or going on from the old one's. Returns (response, sphone's answer line)."""
    key = hostile_peer.new_key()
    r = c.reinvite(sdp_offer(c.port, ["1 %s inline:%s" % (suite, key)]))
    if r is None or status_of(r) != 200:
        return r, None
    with c.tx_lock:
        old = c.tx
        c.key, c.suite = key, suite
        c.tx = Srtp(key, tag_len_of(suite), *((old.roc, old.last_seq) if carry else ()))
    return r, answer_line(r)


def sleep_until(t):
    d = t - time.time()
    if d > 0:
        time.sleep(d)


def run(px, phone, heard):
    if not ok(px.wait_registered(15) and phone.wait("registered", 1, 20) is not None,
              "sphone registered over TLS (lab CA) at the scripted proxy"):
        return
    c = Call(px, PEER_TONE)
    c.seq = PEER_SEQ0
    c.wire = []
    r = c.invite(c.offer())
    line = answer_line(r) if r is not None and status_of(r) == 200 else None
    ev = phone.wait("established", 1, 20)
    cid = ev and ev.get("call")
    if not ok(line is not None and line[0] == S80 and cid is not None,
              "the call is up, SRTP %s both ways (%s)" % (S80, line and line[0])):
        return
    t0 = time.time()
    keys = [line]                # sphone's send keys as announced, in order
    marks = [("start", t0)]      # (label, when the stretch starts)
    verifies = []                # sphone's security event at the end of each stretch
    rx_bad = []                  # the peer's refused packets at the end of each stretch
    for label, at, suite, carry in REKEYS:
        sleep_until(t0 + at)
        verifies.append(phone.verify(cid))
        rx_bad.append(c.rx_bad)
        r, line = reinvite_new_key(c, suite, carry)
        ok(line is not None and line[0] == suite, "%s: the peer's re-INVITE is answered 200, %s (%s)" %
           (label, suite, r and r.split("\r\n", 1)[0]))
        if line is None:
            return
        if suite == keys[-1][0]:
            ok(line == keys[-1], "%s: sphone keeps its send key (only the far end re-keyed)" % label)
        else:
            ok(line not in keys, "%s: sphone sends under a key it never used before" % label)
        if line not in keys:
            keys.append(line)
        marks.append((label, time.time()))
    sleep_until(t0 + END)
    verifies.append(phone.verify(cid))
    rx_bad.append(c.rx_bad)
    t_end = time.time()
    n_end = phone.count("ended", call=cid)
    ok(c.bye() == 200, "the peer's BYE is answered 200")
    phone.wait("ended", n_end + 1, 5, call=cid)
    ok(len(keys) == 3 and keys[2][0] == S80 and keys[2] != keys[0],
       "sphone announced 3 send keys: _80, _32, then a new _80 (not its first one back)")
    marks.append(("end", t_end))
    check_stretches(c, marks, verifies, rx_bad)
    check_wire(c.wire, keys, marks)


def check_stretches(c, marks, verifies, rx_bad):
    """Audio both ways in every stretch between re-keys (after 0.4 s for the switch): at least a second of
    it each way (the stretches are 2 to 6 s; a loaded machine may start or pace the audio late)."""
    for i in range(len(marks) - 1):
        label, t_a = marks[i]
        t_b = marks[i + 1][1]
        pcm = [x for ts, p in list(c.rx_pcm) if t_a + 0.4 <= ts < t_b for x in p]
        share = tone_share(pcm, PHONE_TONE)
        ok(len(pcm) >= 8000 and share > 0.8,
           "after %s: the peer decrypts sphone's %d Hz tone: %d samples in %.1f s, %.0f%% of the energy" %
           (label, PHONE_TONE, len(pcm), t_b - t_a - 0.4, 100 * share))
        v0, v1 = verifies[i - 1] if i else None, verifies[i]
        got = (v1 or {}).get("packets_unprotected", 0) - ((v0 or {}).get("packets_unprotected", 0) if i else 0)
        ok(v1 is not None and got >= 50 and v1.get("auth_failures") == 0 and v1.get("replay_failures") == 0,
           "after %s: sphone decrypts the peer's packets: %d in %.1f s, %s auth / %s replay failures" %
           (label, got, t_b - t_a, v1 and v1.get("auth_failures"), v1 and v1.get("replay_failures")))
    bad = [rx_bad[i + 1] - rx_bad[i] for i in range(len(rx_bad) - 1)]
    ok(max(bad) <= 25, "the peer refused %s of sphone's packets per stretch (at most 0.5 s worth: at a switch "
       "of sphone's key, packets under the new key that came before the 200)" % bad)


def rtp_fields(pkt):
    return (int.from_bytes(pkt[8:12], "big"), int.from_bytes(pkt[2:4], "big"))


def check_wire(wire, keys, marks):
    """Every packet sphone sent, under its key and index: none twice, always rising."""
    ctx = [Srtp(inl, tag_len_of(suite)) for suite, inl in keys]
    follow = []            # [key, ssrc, roc, s_l, last index]
    uses = set()
    repeats, backwards, unknown, n_rtp, n_rtcp = 0, 0, 0, 0, 0
    rtcp_last = {}
    ssrc_of = {}
    max_roc = 0
    for ts, is_rtcp, pkt in wire:
        if is_rtcp:
            n_rtcp += 1
            ssrc = int.from_bytes(pkt[4:8], "big")
            hit = [(k, x.rtcp_index(pkt)) for k, x in enumerate(ctx)]
            hit = [(k, i) for k, i in hit if i is not None]
            if not hit:
                unknown += 1
                continue
            k, idx = hit[0]
            use = ("rtcp", k, ssrc, idx)
            repeats += use in uses
            uses.add(use)
            backwards += (k, ssrc) in rtcp_last and idx <= rtcp_last[(k, ssrc)]
            rtcp_last[(k, ssrc)] = idx
            continue
        n_rtp += 1
        ssrc, seq = rtp_fields(pkt)
        f, index = None, None
        for cand in reversed(follow):
            k, fs, roc, s_l, last = cand
            if fs != ssrc:
                continue
            v = roc
            if s_l < 32768 and seq - s_l > 32768:
                v = roc - 1
            elif s_l >= 32768 and s_l - 32768 > seq:
                v = roc + 1
            if v >= 0 and ctx[k].authentic(pkt, v):
                f, index = cand, (v << 16) | seq
                if v == roc + 1 or (v == roc and seq > s_l):
                    cand[2], cand[3] = v, seq
                break
        if f is None:
            # a context starting here: any key, the rollover counter it would start from
            for k in range(len(ctx)):
                for r in range(3):
                    if ctx[k].authentic(pkt, r):
                        f, index = [k, ssrc, r, seq, -1], (r << 16) | seq
                        break
                if f:
                    break
            if f is None:
                unknown += 1
                continue
            # a second context for one key and SSRC: the index it starts from must be new and higher
            backwards += any(g[0] == f[0] and g[1] == ssrc and g[4] >= index for g in follow)
            follow.append(f)
            ssrc_of.setdefault(f[0], ssrc)
        max_roc = max(max_roc, f[2]) if f[0] == 0 else max_roc
        use = ("rtp", f[0], ssrc, index)
        repeats += use in uses
        uses.add(use)
        backwards += f[4] >= index
        f[4] = max(f[4], index)
    diag("wire: %d SRTP and %d SRTCP packets from sphone; contexts (key, SSRC, ROC): %s" %
         (n_rtp, n_rtcp, [(f[0], "%08x" % f[1], f[2]) for f in follow]))
    ok(n_rtp > 50 * (END - 2) and n_rtcp >= 2 and unknown == 0,
       "wire: every packet sphone sent (%d SRTP, %d SRTCP) authenticates under a key it announced (%d do not)"
       % (n_rtp, n_rtcp, unknown))
    ok(max_roc >= 1, "wire: sphone's sequence number wrapped under its first key (ROC reached %d)" % max_roc)
    ok(repeats == 0, "wire: no (key, SSRC, index) protected twice, SRTP or SRTCP (%d repeated)" % repeats)
    ok(backwards == 0, "wire: per key and SSRC the index only rose (%d went back)" % backwards)
    ok(len(ssrc_of) == 3 and ssrc_of.get(1) != ssrc_of.get(0),
       "wire: sphone's new send key after its wrap came with a new SSRC (%s)" %
       {k: "%08x" % v for k, v in ssrc_of.items()})


def check_heard(heard):
    """What sphone played: the peer's tone through every re-key, hardly a gap."""
    part, rate = hostile_peer.heard_part(heard)
    w = rate // 5
    weak = [i for i in range(0, len(part) - w + 1, w) if goertzel_share(part[i:i + w], PEER_TONE) < 0.5]
    ok(len(part) > rate * (END - 3) and tone_share(part, PEER_TONE, rate) > 0.8 and len(weak) * 10 <= len(part) // w,
       "what sphone played is the peer's %d Hz tone for %.1f s, %d of %d 200 ms windows without it" %
       (PEER_TONE, len(part) / float(rate), len(weak), len(part) // w))


if __name__ == "__main__":
    hostile_peer.script_main(main)
