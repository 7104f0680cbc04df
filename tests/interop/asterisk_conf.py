# SPDX-License-Identifier: GPL-3.0-or-later
"""asterisk_conf.py: an Asterisk config file from the reference one in doc/asterisk with a few values changed.

  asterisk_conf.py IN OUT [--set SECTION[:TYPE].KEY=VALUE]... [--add SECTION[:TYPE].KEY=VALUE]...
                   [--append FILE]...

--set replaces the value of KEY in SECTION; the key must be there exactly once, so a test cannot go on
  when the reference file changed under it (the doc and the tests stay the same file).
--add adds KEY=VALUE at the end of SECTION (for settings only the tests use, e.g. debug logging).
--append adds a file's text at the end (test-only sections, which may use the reference templates).
SECTION is the name in brackets; when several sections share it (an endpoint and its AOR named after
the extension), TYPE picks one by its type= (its own or its templates').
"""
import re
import sys


def parse(lines):
    """[(name, templates, first_line, last_line)] for each [section] in lines."""
    secs = []
    for i, line in enumerate(lines):
        m = re.match(r"\s*\[([^\]]+)\]\s*(?:\(([^)]*)\))?", line)
        if m:
            if secs:
                secs[-1][3] = i
            tpl = [t.strip() for t in (m.group(2) or "").split(",") if t.strip() and t.strip() != "!"]
            secs.append([m.group(1).strip(), tpl, i, len(lines)])
    return secs


def keyval(line):
    s = line.split(";", 1)[0].strip()
    m = re.match(r"([A-Za-z0-9_.\-]+)\s*=>?\s*(.*)$", s)
    return (m.group(1), m.group(2).strip()) if m else (None, None)


def sec_type(lines, secs, sec, depth=0):
    for i in range(sec[2] + 1, sec[3]):
        k, v = keyval(lines[i])
        if k == "type":
            return v
    for t in sec[1]:
        for s in secs:
            if s[0] == t and depth < 8:
                r = sec_type(lines, secs, s, depth + 1)
                if r:
                    return r
    return None


def find(lines, secs, spec):
    name, _, typ = spec.partition(":")
    found = [s for s in secs if s[0] == name and (not typ or sec_type(lines, secs, s) == typ)]
    if len(found) != 1:
        sys.exit("asterisk_conf.py: section [%s]%s: %d found, want exactly one" %
                 (name, " of type " + typ if typ else "", len(found)))
    return found[0]


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    src, dst, ops = args[0], args[1], args[2:]
    with open(src) as f:
        lines = f.read().split("\n")
    appends = []
    i = 0
    while i < len(ops):
        op, arg = ops[i], ops[i + 1] if i + 1 < len(ops) else None
        i += 2
        if arg is None:
            sys.exit("asterisk_conf.py: %s needs an argument" % op)
        if op == "--append":
            with open(arg) as f:
                appends.append(f.read())
            continue
        m = re.match(r"([^.=]+)\.([A-Za-z0-9_]+)=(.*)$", arg, re.S)
        if not m or op not in ("--set", "--add"):
            sys.exit("asterisk_conf.py: bad option %s %s" % (op, arg))
        secs = parse(lines)
        sec = find(lines, secs, m.group(1))
        key, val = m.group(2), m.group(3)
        if op == "--set":
            at = [j for j in range(sec[2] + 1, sec[3]) if keyval(lines[j])[0] == key]
            if len(at) != 1:
                sys.exit("asterisk_conf.py: %s in [%s]: found %d times, want exactly once (did %s change?)" %
                         (key, m.group(1), len(at), src))
            lines[at[0]] = "%s=%s" % (key, val)
        else:
            end = sec[3]
            while end > sec[2] + 1 and not lines[end - 1].strip():
                end -= 1
            lines.insert(end, "%s=%s" % (key, val))
    out = "\n".join(lines)
    for a in appends:
        out = out.rstrip("\n") + "\n\n" + a
    with open(dst, "w") as f:
        f.write(out if out.endswith("\n") else out + "\n")


if __name__ == "__main__":
    main()
