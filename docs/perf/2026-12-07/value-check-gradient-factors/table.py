#!/usr/bin/env python3
"""Prints, per parameterization and jar, wall-clock elements/s with value checks on and off and their ratio, per round."""
import glob, json, os, sys
here = os.path.dirname(os.path.abspath(__file__))
for sub in ('a', 'b'):
    rows = {}
    for f in sorted(glob.glob(os.path.join(here, sub, '*.json'))):
        v, r = os.path.basename(f)[:-5].split('-')
        for b in json.load(open(f)):
            p = b['params']
            rows.setdefault((p['param'], v), {}).setdefault(int(r), {})[p['checkValues']] = b['secondaryMetrics']['elements']['score']
    print(f'| {sub}: param | jar | per round: checks on / off = ratio |')
    print('|---|---|---|')
    for key in sorted(rows):
        cells = '; '.join(f"{d['true']:.2e} / {d['false']:.2e} = {d['true'] / d['false']:.2f}" for _, d in sorted(rows[key].items()))
        print(f'| {key[0]} | {key[1]} | {cells} |')
    print()
