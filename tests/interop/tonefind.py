#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""tonefind.py: where in a recording a tone sounds (python3 standard library only)

usage: tonefind.py FILE.wav HZ[+HZ...] [HZ[+HZ...] ...] [--win MS] [--min AMP]

For each tone (one frequency, or several joined by '+' counted together: a trill's two pitches),
prints one line with the runs where it sounds, in seconds from the start of the file:

  425 on=0.00-1.00,5.00-6.00 amp=5190

A 'win' ms window (default 50) counts as sounding when the tone's amplitude there (Goertzel, in
sample units; for a '+' tone the sum over its frequencies, which take turns in a trill) is at least --min (default 1000) and at
least half of the window's RMS * sqrt(2), so a louder other sound (a call's audio) with some energy
at that frequency does not count. amp is the median amplitude over the sounding windows.
Exit 0, or 2 on bad input.
"""
import math
import os
import sys
import wave

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wavcmp import read_wav  # noqa: E402


def goertzel(x, rate, hz):
    w = 2.0 * math.pi * hz / rate
    c = 2.0 * math.cos(w)
    s1 = s2 = 0.0
    for v in x:
        s1, s2 = v + c * s1 - s2, s1
    p = s1 * s1 + s2 * s2 - c * s1 * s2
    return 2.0 * math.sqrt(max(p, 0.0)) / len(x)


def main(argv):
    args, win_ms, min_amp = [], 50.0, 1000.0
    i = 1
    while i < len(argv):
        if argv[i] == "--win":
            win_ms = float(argv[i + 1])
            i += 2
        elif argv[i] == "--min":
            min_amp = float(argv[i + 1])
            i += 2
        else:
            args.append(argv[i])
            i += 1
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        rate, x = read_wav(args[0])
        tones = [[float(f) for f in t.split("+")] for t in args[1:]]
    except (OSError, ValueError, wave.Error) as e:
        print("tonefind.py: %s" % e, file=sys.stderr)
        return 2
    win = max(1, int(rate * win_ms / 1000))
    for spec, freqs in zip(args[1:], tones):
        runs, amps, start = [], [], None
        for k in range(0, len(x) - win + 1, win):
            seg = x[k:k + win]
            rms = math.sqrt(sum(v * v for v in seg) / win)
            a = sum(goertzel(seg, rate, f) for f in freqs)
            on = a >= min_amp and a >= 0.5 * rms * math.sqrt(2.0)
            t = k / rate
            if on:
                amps.append(a)
                if start is None:
                    start = t
            elif start is not None:
                runs.append((start, t))
                start = None
        if start is not None:
            runs.append((start, len(x) // win * win / rate))
        amps.sort()
        print("%s on=%s amp=%.0f" % (spec, ",".join("%.2f-%.2f" % r for r in runs) or "-",
                                     amps[len(amps) // 2] if amps else 0))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
