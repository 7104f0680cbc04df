# SPDX-License-Identifier: GPL-3.0-or-later
"""asterisk_log.py: the SIP messages in an Asterisk log written with pjsip.conf [global] debug=yes.

  asterisk_log.py LOG rx|tx|any REGEX [--count] [--grep REGEX2]... [--call CALLID]

Prints each SIP message Asterisk received (rx), transmitted (tx) or both (any) whose first line matches
REGEX (Python re, anchored at the start), separated by lines of "----"; with --grep only those that also
contain a line matching REGEX2 (each --grep must match); with --call only those of that Call-ID; with
--count just how many.
"""
import re
import sys

MARK = re.compile(r"<--- (Received|Transmitting) SIP (request|response) \(([0-9]+) bytes\) (?:from|to) [^\n]*--->\n")


def messages(text):
    """[(direction, message text)] in log order."""
    out = []
    parts = MARK.split(text)
    # parts: [before, dir, kind, bytes, body, dir, kind, bytes, body, ...]
    for i in range(1, len(parts) - 3, 4):
        body = parts[i + 3]
        # the message ends at the next log line ("[YYYY-MM-DD ...") or at the end
        m = re.search(r"\n\[\d{4}-\d\d-\d\d [0-9:.]+\] ", body)
        msg = pick(split_read(body[:m.start()] if m else body), parts[i + 1] == "response", int(parts[i + 2]))
        # the messages' own CRLFs were kept for the sizes above; callers grep lines
        msg = msg.replace("\r\n", "\n")
        out.append(("rx" if parts[i] == "Received" else "tx", msg.strip("\r\n") + "\n"))
    return out


def split_read(buf):
    """The messages in one logged buffer, each ending after its Content-Length."""
    out = []
    buf = buf.strip("\n")
    while buf.strip():
        h = re.search(r"\r?\n\r?\n", buf)
        if not h:
            out.append(buf)
            break
        m = re.search(r"(?mi)^(?:content-length|l)[ \t]*:[ \t]*(\d+)", buf[:h.start()])
        end = h.end() + (int(m.group(1)) if m else 0)
        out.append(buf[:end])
        buf = buf[end:].lstrip("\r\n")
    return out or [buf]


def pick(msgs, response, size):
    """The logger prints the whole buffer pjsip read (seen from its start, or from where a message starts),
    so two messages that came in one TLS read (sphone's 200 to a NOTIFY, then its next SUBSCRIBE) show up as
    one entry, and the later one gets an entry of its own as well. The entry's message is the one of its kind (request or response)
    whose size is nearest the size the entry states."""
    same = [x for x in msgs if x.startswith("SIP/2.0 ") == response] or msgs
    return min(same, key=lambda x: abs(len(x.encode()) - size))


def main():
    a = sys.argv[1:]
    if len(a) < 3 or a[1] not in ("rx", "tx", "any"):
        sys.exit(__doc__)
    path, want, first = a[0], a[1], re.compile(a[2])
    count = "--count" in a
    greps = [re.compile(a[i + 1], re.M) for i in range(3, len(a) - 1) if a[i] == "--grep"]
    call = a[a.index("--call") + 1] if "--call" in a else None
    # newline="": the messages' CRLFs stay, so that Content-Length (bytes on the wire) finds the end of a
    # message whose body is followed by another message in the same logged buffer (a 202, sphone's INVITE
    # with SDP and its NOTIFY in one TLS read: read with \r\n -> \n, the SDP ends 15 characters early
    # and the NOTIFY was taken for the INVITE's body)
    with open(path, errors="replace", newline="") as f:
        text = f.read()
    n = 0
    for d, msg in messages(text):
        if want != "any" and d != want:
            continue
        if not first.match(msg):
            continue
        if not all(g.search(msg) for g in greps):
            continue
        if call and not re.search(r"(?mi)^(?:call-id|i)\s*:\s*" + re.escape(call) + r"\s*$", msg):
            continue
        n += 1
        if not count:
            sys.stdout.write(msg + "----\n")
    if count:
        print(n)


if __name__ == "__main__":
    main()
