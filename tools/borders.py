#!/usr/bin/env python3
"""borders.py - derive data/geo/borders.csv (iso3,neighbour_iso3) from world-countries.json.

Usage: python3 tools/borders.py WORLD_COUNTRIES_JSON > data/geo/borders.csv

The input is npm world-countries@5.1.0's dist/countries.json (ODbL 1.0). A row is written for
every ordered pair of land neighbours, sorted, so the output is the same byte for byte on
every run. A border is kept only when both countries list it: the source has one one-sided
entry (Sri Lanka lists India, which has no land border with it), and the analogue covariate
that reads this table treats a border as shared by both sides.
"""
import json
import sys


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    with open(argv[1], encoding="utf-8") as fp:
        countries = json.load(fp)
    listed = {c["cca3"]: set(c.get("borders") or []) for c in countries}
    pairs, dropped = [], []
    for a in sorted(listed):
        for b in sorted(listed[a]):
            if b not in listed:
                raise SystemExit(f"borders.py: {a} lists {b}, which is not a cca3 code")
            if a in listed[b]:
                pairs.append((a, b))
            else:
                dropped.append((a, b))
    out = sys.stdout
    out.write("iso3,neighbour_iso3\n")
    for a, b in pairs:
        out.write(f"{a},{b}\n")
    for a, b in dropped:
        sys.stderr.write(f"borders.py: dropped {a}->{b}: {b} does not list {a}\n")
    sys.stderr.write(f"borders.py: {len(pairs)} ordered pairs\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
