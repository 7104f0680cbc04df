#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# nat_gap.py: the audio gap of a network change, read from a capture: per direction, the time between the
# last RTP packet of the old path and the first of the new one (tshark's fields on stdin).
#
# stdin: lines "epoch ip.src ip.dst" (tshark -T fields) of the call's RTP only (the far end's media port).
# usage: nat_gap.py OLD NEW T_MOVE
#   to the phone:   the first packet to NEW minus the last to OLD sent at or before T_MOVE (packets to OLD
#                   after it are lost: the address is gone)
#   from the phone: the first packet from NEW minus the last from OLD
# prints "in_ms=N out_ms=M" (-1 where a side has no packets); exit 1 if either is missing.
import sys


def main():
    old, new, t_move = sys.argv[1], sys.argv[2], float(sys.argv[3])
    last_in_old = first_in_new = last_out_old = first_out_new = None
    for line in sys.stdin:
        f = line.split()
        if len(f) < 3:
            continue
        t, src, dst = float(f[0]), f[1], f[2]
        if dst == old and t <= t_move:
            last_in_old = t if last_in_old is None else max(last_in_old, t)
        elif dst == new:
            first_in_new = t if first_in_new is None else min(first_in_new, t)
        elif src == old:
            last_out_old = t if last_out_old is None else max(last_out_old, t)
        elif src == new:
            first_out_new = t if first_out_new is None else min(first_out_new, t)

    def gap(a, b):
        return -1 if a is None or b is None else int(round((b - a) * 1000))

    gi, go = gap(last_in_old, first_in_new), gap(last_out_old, first_out_new)
    print("in_ms=%d out_ms=%d" % (gi, go))
    return 0 if gi >= 0 and go >= 0 else 1


if __name__ == "__main__":
    sys.exit(main())
