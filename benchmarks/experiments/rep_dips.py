#!/usr/bin/env python3
"""How often single repetitions of `reparam bench` dip, per group of runs.

For each group (LABEL=GLOB of bench.json files) and each kernel-timed pass: the median and the
least of the runs' medians, the median over every repetition of every run, and how many
repetitions ran below 0.7 of that median (a dip: on the 2-vCPU machine a call that ran on one
core takes about twice as long). Used for docs/PERFORMANCE.md, "PoCL's worker threads":

    python3 benchmarks/experiments/rep_dips.py \\
        unpinned='docs/perf/2026-12-06/affinity/unpinned/*/bench.json' \\
        pinned='docs/perf/2026-12-06/affinity/pinned/*/bench.json'
"""
import glob
import json
import statistics
import sys

DIP = 0.7


def main(argv):
    if not argv or any('=' not in a for a in argv):
        sys.exit('usage: rep_dips.py LABEL=GLOB [LABEL=GLOB ...]')
    print('| pass | n | runs | run medians: median | least | repetitions: median | below %.1f of it |' % DIP)
    print('|---|---:|---|---:|---:|---:|---:|')
    rows = {}
    order = {}
    for arg in argv:
        label, pattern = arg.split('=', 1)
        order[label] = len(order)
        files = sorted(glob.glob(pattern))
        if not files:
            sys.exit('rep_dips.py: no files match %s' % pattern)
        for f in files:
            with open(f) as fh:
                data = json.load(fh)
            for m in data['measurements']:
                if m['timing'] != 'kernel':
                    continue
                name = m['pass'] + (' roof' if m['roof'] else '')
                key = (name, m['n'], label)
                entry = rows.setdefault(key, {'runs': [], 'reps': []})
                entry['runs'].append(m['elements_per_s'])
                entry['reps'].extend(m['n'] * 1e9 / ns for ns in m['ns_per_call'])
    for (name, n, label), e in sorted(rows.items(), key=lambda kv: (kv[0][0], kv[0][1], order[kv[0][2]])):
        med = statistics.median(e['reps'])
        dips = sum(r < DIP * med for r in e['reps'])
        size = '2^%d' % (n.bit_length() - 1) if n & (n - 1) == 0 else str(n)
        print('| %s | %s | %d %s | %.3g | %.3g | %.3g | %d of %d |'
              % (name, size, len(e['runs']), label, statistics.median(e['runs']), min(e['runs']), med, dips,
                 len(e['reps'])))


if __name__ == '__main__':
    main(sys.argv[1:])
