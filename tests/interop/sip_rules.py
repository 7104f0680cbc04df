#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""sip_rules.py: what sphone writes on the wire follows RFC 3261/3311/4028/5630 where PBXes check it; prints TAP.

Usage: sip_rules.py SPHONE WORKDIR CADIR

A scripted TLS registrar/proxy (hostile_peer.py) talks to sphone --headless and reads every message:
  1. REGISTER, INVITE, re-INVITE and the answers to INVITE and OPTIONS list the same Allow (with UPDATE
     and INFO, which sphone takes) and Supported: timer.
  2. An out-of-dialog OPTIONS (a PBX's qualify) is answered 200 with a To tag (RFC 3261 8.2.6.2), a
     fresh one each time, and with Allow, Supported and Accept (11.2).
  3. In a call on a sips: Request-URI: 180, 200, the 200 to an UPDATE session refresh (RFC 3311 5.2,
     RFC 4028) and the 200 to a re-INVITE all carry a sips: Contact (pjproject/Asterisk end a sips
     dialog whose refresh answer lacks one: "SIPS Required").
  4. The far end's Reason (RFC 3326) on a BYE and Warning/Reason on a failure response reach the
     "ended" event, cleaned of control characters (hostile input).
  5. --audio-out is a complete WAV once the call has ended, while sphone still runs.
  6. session_expires / session_refresher: the INVITE asks for 90 s with refresher=uas.
  7. An account with a sip: AOR: a sips: Request-URI (an AOR with contact=sips:) still gets a sips:
     Contact in 200 and in the UPDATE's 200 (RFC 3261 12.1.1), and a call to a sips: URI carries a
     sips: Contact (8.1.1.8); a sip: target keeps sip:.
"""
import os
import re
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile_peer import (Call, Phone, Proxy, body_of, diag, hdr, hdrs, ok, status_of, tag_of,  # noqa: E402
                          write_conf, write_tone_wav)
import hostile_peer  # noqa: E402

SPHONE, WORK, CADIR = sys.argv[1], sys.argv[2], sys.argv[3]
ALLOW = {"INVITE", "ACK", "CANCEL", "BYE", "OPTIONS", "INFO", "UPDATE", "REFER", "NOTIFY"}


def allow_set(msg):
    return {m.strip().upper() for v in hdrs(msg, "allow") for m in v.split(",") if m.strip()}


def supported(msg):
    return {t.strip().lower() for v in hdrs(msg, "supported", "k") for t in v.split(",") if t.strip()}


def contact_uri(msg):
    v = hdr(msg, "contact", "m") or ""
    m = re.search(r"<([^>]+)>", v)
    return m.group(1) if m else v.split(";")[0]


def invite_with_provisional(px, c, body, ruri=None):
    """c's INVITE to ruri (default: sphone's registered contact); returns (provisionals, final), ACKs a 2xx
    and starts the media."""
    ruri = ruri or px.contact
    br = px.request("INVITE", ruri, c.callid, c.cseq, c.from_tag, c.to_hdr, body)
    prov, final = [], None
    end = time.time() + 10
    while time.time() < end:
        r = px.wait_resp(br, final=False, secs=end - time.time())
        if r is None:
            break
        if status_of(r) >= 200:
            final = r
            break
        prov.append(r)
    if final is not None:
        c.to_hdr = hdr(final, "to", "t")
        if status_of(final) < 300:
            px.request("ACK", contact_uri(final), c.callid, c.cseq, c.from_tag, c.to_hdr)
            c.start_from_answer(body_of(final))
    c.cseq += 1
    return prov, final


def in_dialog(px, c, method, extra="", body="", ruri=None):
    br = px.request(method, ruri or px.contact, c.callid, c.cseq, c.from_tag, c.to_hdr, body, extra=extra)
    c.cseq += 1
    return px.wait_resp(br)


def refuse_invite(code, text, extra):
    """A Proxy.on_invite that records sphone's INVITE and refuses it with code and extra headers."""
    got = []

    def h(px, msg, t):
        got.append(msg)
        px.send(px.reply(msg, 100, "Trying"), t)
        px.send(px.reply(msg, code, text, extra=extra), t)
    return got, h


def wav_complete(path):
    """(data bytes in the header, bytes after the 44-byte header) of a WAV file."""
    with open(path, "rb") as f:
        h = f.read(44)
        f.seek(0, 2)
        size = f.tell()
    if len(h) < 44 or h[:4] != b"RIFF" or h[36:40] != b"data":
        return -1, size - 44
    return struct.unpack("<I", h[40:44])[0], size - 44


def part_registrar_and_sips_call(px, phone, heard):
    reg = [m for (k, m) in px.received if k == "REGISTER"]
    ok(reg and allow_set(reg[-1]) == ALLOW, "REGISTER lists every method sphone takes: Allow %s"
       % (sorted(allow_set(reg[-1])) if reg else None))

    # ---- 2. out-of-dialog OPTIONS (qualify)
    tags = []
    for i in range(2):
        br = px.request("OPTIONS", px.contact, "opt%d-%x@qualify" % (i, os.getpid()), 1, "q%d" % i,
                        "<%s>" % px.contact, extra="Accept: application/sdp\r\n")
        r = px.wait_resp(br)
        tags.append(tag_of(hdr(r, "to", "t")) if r else None)
        if i == 0:
            ok(r is not None and status_of(r) == 200 and tags[0],
               "out-of-dialog OPTIONS: 200 with a To tag (RFC 3261 8.2.6.2): %s" % (r and hdr(r, "to", "t")))
            ok(r is not None and allow_set(r) == ALLOW and "timer" in supported(r) and
               (hdr(r, "accept") or "").startswith("application/sdp"),
               "out-of-dialog OPTIONS: Allow, Supported: timer and Accept as everywhere (11.2)")
    ok(tags[0] and tags[1] and tags[0] != tags[1], "out-of-dialog OPTIONS: a fresh tag each time (%s, %s)" %
       tuple(tags))

    # ---- 3. a call on a sips: Request-URI: Contact in 180, 200, UPDATE's 200, re-INVITE's 200
    c = Call(px, 440)
    prov, r = invite_with_provisional(px, c, c.offer())
    ringing = [p for p in prov if status_of(p) == 180]
    ok(ringing and contact_uri(ringing[0]).startswith("sips:"), "180 Ringing carries a sips: Contact (%s)" %
       (ringing and contact_uri(ringing[0])))
    ok(r is not None and status_of(r) == 200 and contact_uri(r).startswith("sips:"),
       "200 to the INVITE carries a sips: Contact (%s)" % (r and contact_uri(r)))
    ok(r is not None and allow_set(r) == ALLOW and "timer" in supported(r), "200 to the INVITE: the same Allow, "
       "Supported: timer")
    ev = phone.wait("established", 1, 20)
    cid = ev and ev.get("call")
    if r is None or status_of(r) != 200 or cid is None:
        return
    time.sleep(1.0)
    u = in_dialog(px, c, "UPDATE", extra="Supported: timer\r\nSession-Expires: 90;refresher=uac\r\nMin-SE: 90\r\n")
    ok(u is not None and status_of(u) == 200, "UPDATE session refresh answered 200")
    ok(u is not None and hdr(u, "contact", "m") is not None and contact_uri(u).startswith("sips:"),
       "200 to the UPDATE carries a sips: Contact (RFC 3311 5.2; was missing: Asterisk ended such calls with "
       "'SIPS Required'): %s" % (u and hdr(u, "contact", "m")))
    se = (hdr(u, "session-expires", "x") or "") if u else ""
    ok(u is not None and se.replace(" ", "").startswith("90;refresher=uac") and
       "timer" in (hdr(u, "require") or ""),
       "200 to the UPDATE: Session-Expires: %s, Require: %s (RFC 4028)" % (se, u and hdr(u, "require")))
    r2 = c.reinvite(c.offer())
    ok(r2 is not None and status_of(r2) == 200 and contact_uri(r2).startswith("sips:"),
       "200 to a re-INVITE carries a sips: Contact (%s)" % (r2 and contact_uri(r2)))
    o = in_dialog(px, c, "OPTIONS")
    ok(o is not None and status_of(o) == 200 and allow_set(o) == ALLOW and "timer" in supported(o),
       "in-dialog OPTIONS: 200 with the same Allow and Supported")
    time.sleep(1.5)

    # ---- 4. the far end's Reason on a BYE, hostile bytes included
    n = phone.count("ended", call=cid)
    c.stop_media()
    b = in_dialog(px, c, "BYE", extra='Reason: Q.850;cause=16;text="Normal Clearing"\r\n'
                  'Reason: SIP;cause=200;text="done\x1b[31m\x07"\r\n')
    ok(b is not None and status_of(b) == 200, "BYE with two Reason headers answered 200")
    ev = phone.wait("ended", n + 1, 5, call=cid)
    rr = ev.get("remote_reason", "") if ev else ""
    ok(rr.startswith('Q.850;cause=16;text="Normal Clearing", SIP;cause=200;text="done'),
       "ended shows the far end's Reason headers: %r" % rr)
    ok(ev is not None and not re.search(r"[\x00-\x1f\x7f]", rr) and "?[31m?" in rr,
       "... cleaned: ESC and BEL shown as '?'")
    del px.calls[c.callid]

    # ---- 5. --audio-out complete now, not only at exit
    time.sleep(0.3)
    data, after = wav_complete(heard)
    ok(data > 8000 and data == after, "--audio-out is a complete WAV after the call, sphone still running "
       "(header says %d bytes of samples, the file holds %d)" % (data, after))

    # ---- 6. our INVITE: session_expires / session_refresher, Allow, Supported; a refusal's words
    # (a raw ESC makes the response malformed; an escape in UTF-8, C1 CSI U+009B, is valid SIP text)
    got, px.on_invite = refuse_invite(486, "Busy Here", 'Warning: 399 pbx.test "all lines\u009b2J busy"\r\n'
                                      'Reason: Q.850;cause=17\r\n')
    n = phone.count("ended")
    phone.cmd("call sips:bob@sip.test")
    ev = phone.wait("ended", n + 1, 20)
    inv = got[0] if got else ""
    ok(inv and (hdr(inv, "session-expires", "x") or "").replace(" ", "") == "90;refresher=uas",
       "INVITE asks session_expires = 90 with session_refresher = remote: Session-Expires: %s" %
       (inv and hdr(inv, "session-expires", "x")))
    ok(inv and allow_set(inv) == ALLOW and "timer" in supported(inv) and contact_uri(inv).startswith("sips:"),
       "INVITE: the same Allow, Supported: timer, a sips: Contact")
    ok(ev is not None and ev.get("status") == 486 and ev.get("remote_reason") == "Q.850;cause=17" and
       ev.get("remote_warning") == '399 pbx.test "all lines??2J busy"',
       "ended of a refused call: the far end's Reason and Warning, cleaned (%s)" %
       (ev and {k: ev.get(k) for k in ("status", "reason", "remote_reason", "remote_warning")}))
    ok(ev is not None and "\u009b" not in ev.get("reason", "") and "all lines??2J busy" in ev.get("reason", ""),
       "... and the reason text quotes the Warning cleaned too")


def part_sip_aor(cadir):
    """7. an account whose AOR is sip: (most providers' guides)."""
    px = Proxy(os.path.join(cadir, "server.pem"), os.path.join(cadir, "server.key"))
    path = os.path.join(WORK, "sipaor.conf")
    with open(path, "w") as f:
        f.write("[general]\nlog_level = debug\n[account sipaor]\nuri = sip:victim2@sip.test\n"
                "proxy = sips:127.0.0.1:%d;transport=tls\nca_file = %s\n" % (px.port, os.path.join(cadir, "ca.pem")))
    os.chmod(path, 0o600)
    tone = os.path.join(WORK, "tone500.wav")
    write_tone_wav(tone, 500, 60)
    phone = Phone(SPHONE, WORK, "sipaor", path, ["--auto-answer", "--audio-in", tone, "--sip-trace"])
    try:
        if not ok(px.wait_registered(15) and px.contact and px.contact.startswith("sip:"),
                  "sip: account registered with a sip: Contact (%s)" % px.contact):
            return
        c = Call(px, 440)
        sips_ruri = "sips:" + px.contact[4:]
        prov, r = invite_with_provisional(px, c, c.offer(), ruri=sips_ruri)
        ok(r is not None and status_of(r) == 200 and contact_uri(r).startswith("sips:"),
           "sip: account, INVITE to %s: the 200's Contact is sips: (RFC 3261 12.1.1): %s" %
           (sips_ruri, r and contact_uri(r)))
        if r is not None and status_of(r) == 200:
            u = in_dialog(px, c, "UPDATE", extra="Supported: timer\r\nSession-Expires: 1800;refresher=uac\r\n",
                          ruri=sips_ruri)
            ok(u is not None and status_of(u) == 200 and contact_uri(u).startswith("sips:"),
               "... and so is the UPDATE's 200 Contact: %s" % (u and contact_uri(u)))
            c.stop_media()
            in_dialog(px, c, "BYE", ruri=sips_ruri)
        got, px.on_invite = refuse_invite(480, "Temporarily Unavailable", "")
        phone.cmd("call sips:bob@sip.test")
        end = time.time() + 10
        while not got and time.time() < end:
            time.sleep(0.05)
        ok(got and contact_uri(got[0]).startswith("sips:"),
           "sip: account calling a sips: URI: the INVITE's Contact is sips: (8.1.1.8): %s" %
           (got and contact_uri(got[0])))
        phone.wait("ended", 1, 20)
        del got[:]
        phone.cmd("call bob")
        end = time.time() + 10
        while not got and time.time() < end:
            time.sleep(0.05)
        ok(got and got[0].startswith("INVITE sip:") and contact_uri(got[0]).startswith("sip:"),
           "... calling a bare user (sip:): the Contact stays sip: (%s)" % (got and contact_uri(got[0])))
        phone.wait("ended", 2, 20)
    finally:
        rc = phone.quit()
        ok(rc == 0, "sip: account: sphone exits cleanly (%s)" % rc)
        px.close()


def main():
    tone_in = os.path.join(WORK, "tone1000.wav")
    heard = os.path.join(WORK, "heard.wav")
    write_tone_wav(tone_in, 1000, 60)
    px = Proxy(os.path.join(CADIR, "server.pem"), os.path.join(CADIR, "server.key"))
    conf = write_conf(WORK, "victim", px.port, os.path.join(CADIR, "ca.pem"),
                      "session_expires = 90\nsession_refresher = remote\n")
    phone = Phone(SPHONE, WORK, "victim", conf, ["--auto-answer", "--audio-in", tone_in, "--audio-out", heard,
                                                  "--sip-trace"])
    try:
        if ok(px.wait_registered(15) and phone.wait("registered", 1, 20) is not None,
              "sphone registered over TLS at the scripted registrar"):
            part_registrar_and_sips_call(px, phone, heard)
    finally:
        rc = phone.quit()
        ok(rc == 0, "sphone exits cleanly (exit status %s)" % rc)
        px.close()
    part_sip_aor(CADIR)
    print("1..%d" % hostile_peer.n_test)
    return 1 if hostile_peer.n_fail else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # a test bug must fail the test, not pass it
        import traceback
        diag("exception: %r\n%s" % (e, traceback.format_exc()))
        print("1..%d" % (hostile_peer.n_test + 1))
        print("not ok %d - the test script failed" % (hostile_peer.n_test + 1))
        sys.exit(1)
