#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""wavcmp.py: does the audio that arrived match what was sent? (python3 standard library only)

usage: wavcmp.py SENT.wav RECEIVED.wav [--min-corr C] [--min-snr DB] [--min-seconds S]
                  [--max-lag S] [--block S] [--max-jump S] [--quiet]

Both files are 16-bit PCM at the same sample rate (the first channel is used). The part of RECEIVED
that carries sound (leading and trailing silence cut off) is aligned against SENT by FFT
cross-correlation, then compared sample by sample over the overlap:

  corr  Pearson correlation coefficient of the aligned samples (1.0 = same waveform): the larger of
        the whole-overlap value and the mean over blocks (below), so a single frame slip in a long
        recording doesn't fail an otherwise perfect transfer; a wrong or silent signal still does
  snr   10*log10(signal / residual) after the least-squares gain, whole overlap at the global lag,
        in dB (G.711 through baresip measured 38 dB; slips lower it a lot)
  lag   RECEIVED[i] lines up with SENT[i + lag], in seconds; searched in [-1 s, --max-lag] (default
        5 s: the sender starts its file when the call starts; pure-Python FFT cost grows with it)
  blocks  the overlap cut in --block S blocks (default 0.5 s); a block that doesn't match at the
        current lag is re-aligned within +-60 ms: the worst block's corr, and how many lag changes
        there were (a jitter buffer that dropped or inserted frames)
        A block that still matches only partly (corr 0.4 up) is cut in two halves placed on their
        own (a frame dropped or inserted inside it); its corr is their length-weighted mean.
  --max-jump S  (default 0: off) a block that matches nowhere within +-60 ms is also searched up to
        S seconds ahead or 0.5 s back: audio played out in real time by a process the machine starved
        for a second skips ahead (the device clock went on), and an adaptive jitter buffer inserts
        concealment after such a stall and drops it again frame by frame; what is played must still
        be the sent signal, block by block. The alignment only moves to a block that matches there.
        "skipped=" reports the forward jumps taken, in seconds. Use small blocks with it (0.2 s),
        so that one slip spoils little.

Prints one line "corr=... snr=...dB lag=...s seconds=... blocks=N worst_block_corr=... lag_changes=K"
and exits 0 when corr >= --min-corr (default 0.9), snr >= --min-snr (default: not checked) and the
overlap is at least --min-seconds long (default 1.0); 1 when the audio doesn't match, 2 on bad input.
Takes about 1 s for a 10 s recording.
"""
import cmath
import math
import struct
import sys
import wave


def read_wav(path):
    with wave.open(path, "rb") as w:
        if w.getsampwidth() != 2:
            raise ValueError("%s: not 16-bit PCM" % path)
        ch = w.getnchannels()
        rate = w.getframerate()
        raw = w.readframes(w.getnframes())
    n = len(raw) // (2 * ch)
    samples = struct.unpack("<%dh" % (n * ch), raw[:n * ch * 2])
    if ch > 1:
        samples = samples[::ch]
    return rate, [float(s) for s in samples]


def fft(a, invert=False):
    """In-place iterative radix-2 FFT of a list of complex whose length is a power of two."""
    n = len(a)
    j = 0
    for i in range(1, n):
        bit = n >> 1
        while j & bit:
            j ^= bit
            bit >>= 1
        j |= bit
        if i < j:
            a[i], a[j] = a[j], a[i]
    length = 2
    sign = 1 if invert else -1
    while length <= n:
        w = cmath.exp(sign * 2j * math.pi / length)
        half = length >> 1
        # twiddles for this stage, computed once
        tw = [1 + 0j] * half
        for k in range(1, half):
            tw[k] = tw[k - 1] * w
        for start in range(0, n, length):
            for k in range(half):
                u = a[start + k]
                v = a[start + k + half] * tw[k]
                a[start + k] = u + v
                a[start + k + half] = u - v
        length <<= 1
    if invert:
        for i in range(n):
            a[i] /= n
    return a


def xcorr_best_lag(ref, probe, lo, hi):
    """Lag L in [lo, hi] maximising sum(probe[i] * ref[i + L]) (ref indices outside are zero)."""
    span = hi - lo + len(probe)
    n = 1
    while n < span + len(probe):
        n <<= 1
    seg = ref[max(lo, 0):max(lo, 0) + span]
    pad = max(0, -lo)
    a = [0j] * n
    for i, v in enumerate(seg):
        if pad + i < n:
            a[pad + i] = complex(v)
    b = [0j] * n
    for i, v in enumerate(probe):
        b[i] = complex(v)
    fft(a)
    fft(b)
    c = fft([x * y.conjugate() for x, y in zip(a, b)], invert=True)
    best, best_val = lo, -float("inf")
    for lag in range(lo, hi + 1):
        v = c[lag - lo].real
        if v > best_val:
            best, best_val = lag, v
    return best


def stats(ref, rec, start, lag, length):
    """corr and snr of rec[start:start+length] against ref[start+lag:...] (overlap only)."""
    sxx = syy = sxy = sx = sy = 0.0
    m = 0
    for i in range(start, start + length):
        j = i + lag
        if j < 0 or j >= len(ref) or i >= len(rec):
            continue
        x, y = ref[j], rec[i]
        sx += x
        sy += y
        sxx += x * x
        syy += y * y
        sxy += x * y
        m += 1
    if m < 2:
        return 0.0, -99.0, m
    vx = sxx - sx * sx / m
    vy = syy - sy * sy / m
    cov = sxy - sx * sy / m
    corr = cov / math.sqrt(vx * vy) if vx > 0 and vy > 0 else 0.0
    # least-squares gain g minimising |y - g x|^2; residual energy = syy - g*sxy
    g = sxy / sxx if sxx > 0 else 0.0
    resid = max(syy - g * sxy, 1e-9)
    snr = 10.0 * math.log10(syy / resid) if syy > 0 else -99.0
    return corr, snr, m


def main(argv):
    args = list(argv[1:])
    opts = {"--min-corr": 0.9, "--min-snr": None, "--min-seconds": 1.0, "--max-lag": 5.0, "--block": 0.5,
            "--max-jump": 0.0}
    quiet = False
    files = []
    while args:
        a = args.pop(0)
        if a in opts:
            if not args:
                print(__doc__, file=sys.stderr)
                return 2
            opts[a] = float(args.pop(0))
        elif a == "--quiet":
            quiet = True
        elif a.startswith("-"):
            print(__doc__, file=sys.stderr)
            return 2
        else:
            files.append(a)
    if len(files) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        rate_s, sent = read_wav(files[0])
        rate_r, rec = read_wav(files[1])
    except (OSError, ValueError, EOFError, wave.Error) as e:
        print("wavcmp: %s" % e, file=sys.stderr)
        return 2
    if rate_s != rate_r:
        print("wavcmp: sample rates differ (%d vs %d)" % (rate_s, rate_r), file=sys.stderr)
        return 2
    rate = rate_s

    def fail(msg):
        print("corr=0.000 snr=-99.0dB lag=0.000s seconds=0.00 blocks=0 worst_block_corr=0.000 "
              "lag_changes=0 (%s)" % msg)
        return 1

    peak = max((abs(v) for v in rec), default=0.0)
    if peak < 64 or not sent:
        return fail("received audio is silent")
    thr = peak * 0.02
    first = next(i for i, v in enumerate(rec) if abs(v) > thr)
    last = len(rec) - next(i for i, v in enumerate(reversed(rec)) if abs(v) > thr)
    active = last - first
    if active < opts["--min-seconds"] * rate:
        return fail("only %.2f s of sound received" % (active / float(rate)))

    # global alignment from the first second of sound (the test signal never repeats)
    probe = rec[first:first + min(active, rate)]
    hi = min(len(sent) - rate // 10, int(opts["--max-lag"] * rate))
    lag = xcorr_best_lag(sent, probe, -len(probe) + rate // 10, hi) - first
    corr, snr, m = stats(sent, rec, first, lag, active)
    seconds = m / float(rate)

    # block-wise re-alignment: tolerate a jitter buffer that slipped a frame or two
    blk = max(rate // 20, int(rate * opts["--block"]))
    win = int(rate * 0.06)
    jump = int(rate * opts["--max-jump"])
    bcorrs = []
    changes = 0
    skipped = 0
    cur = lag
    pos = first

    def place(pos, n, cur):
        """(lag, corr, samples) of rec[pos:pos+n] against sent, near the alignment cur."""
        b = cur
        c, _, bm = stats(sent, rec, pos, b, n)
        if c < opts["--min-corr"]:
            # only a block that doesn't match where expected pays for a search
            lo = max(cur - win, -pos)
            b = xcorr_best_lag(sent, rec[pos:pos + n], pos + lo, pos + cur + win) - pos
            c, _, bm = stats(sent, rec, pos, b, n)
            if c < opts["--min-corr"] and jump > win:
                lo = max(cur - min(jump, rate // 2), -pos)
                hi = min(cur + jump, len(sent) - pos - n // 2)
                if hi > lo:
                    b2 = xcorr_best_lag(sent, rec[pos:pos + n], pos + lo, pos + hi) - pos
                    c2, _, bm2 = stats(sent, rec, pos, b2, n)
                    if c2 > c:
                        b, c, bm = b2, c2, bm2
        return b, c, bm

    while pos + blk <= last:
        b, c, bm = place(pos, blk, cur)
        if 0.4 <= c < opts["--min-corr"] and blk >= rate // 10:
            # a frame dropped or inserted inside the block (a jitter buffer shrinking or growing
            # under load) leaves two halves at two alignments, and the block matches neither well
            # (0.5-0.8 measured; a wrong signal or silence scores about 0.1 and is not searched
            # again): each half is placed on its own and must match the sent signal there
            h = blk // 2
            b1, c1, bm1 = place(pos, h, cur)
            b2, c2, bm2 = place(pos + h, blk - h, b1 if c1 >= opts["--min-corr"] else cur)
            cs = (c1 * h + c2 * (blk - h)) / float(blk)
            if cs > c:
                b, c, bm = b2, cs, bm1 + bm2
        if bm >= blk // 2:
            # follow a new alignment only where the block does match there (with --max-jump, a
            # block of concealment must not drag the search off the signal)
            if b != cur and (not jump or c >= opts["--min-corr"]):
                changes += 1
                if b > cur + win:
                    skipped += b - cur
                cur = b
            bcorrs.append(c)
        pos += blk
    mean_b = sum(bcorrs) / len(bcorrs) if bcorrs else corr
    worst = min(bcorrs) if bcorrs else corr
    verdict = max(corr, mean_b)

    line = ("corr=%.3f snr=%.1fdB lag=%.3fs seconds=%.2f blocks=%d worst_block_corr=%.3f "
            "lag_changes=%d" % (verdict, snr, lag / float(rate), seconds, len(bcorrs), worst, changes))
    if jump:
        line += " skipped=%.2fs" % (skipped / float(rate))
    print(line)
    ok = verdict >= opts["--min-corr"] and seconds >= opts["--min-seconds"]
    if opts["--min-snr"] is not None and snr < opts["--min-snr"]:
        ok = False
    if not ok and not quiet:
        print("wavcmp: received audio does not match (need corr >= %.3f%s, >= %.1f s)" % (
            opts["--min-corr"],
            "" if opts["--min-snr"] is None else ", snr >= %.1f dB" % opts["--min-snr"],
            opts["--min-seconds"]), file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
