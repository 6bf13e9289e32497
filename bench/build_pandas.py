"""ASEM P1 in pandas against humsec.build, side by side in one Python process.

The same pipeline as examples/asem/p1.pipeline (COINr's build_example_coin): denominate by
the structure's denominators, impute by the EurAsia group's mean, screen units below 90 %
data availability, JRC winsorisation (up to 5 points, else a log transform), min-max to
0-100 and weighted arithmetic means up the tree, written here with pandas and numpy the way
a Python analyst would (docs/methods.md section 3 gives the rules). Both read the same CSV
files. Prints the median time of each over REPS runs, the ratio, and the largest difference
between the two Aggregated tables (the pandas version is checked, not assumed, equal).

Usage: python3 bench/build_pandas.py [REPS [pandas|humsec]]   (humsec importable; run from the
project folder). With pandas or humsec, only that one runs, so that /usr/bin/time -v gives
its peak memory.
"""

import statistics
import sys
import time

import numpy as np
import pandas as pd

import humsec

META = "data/coinr-asem/input_iMeta.csv"
DATA = "data/coinr-asem/input_iData.csv"


def skew_kurt(x):
    # bias-adjusted sample skewness and excess kurtosis (Excel's SKEW and KURT)
    x = x[~np.isnan(x)]
    n = len(x)
    d = x - x.mean()
    s2, s3, s4 = (d ** 2).sum(), (d ** 3).sum(), (d ** 4).sum()
    g1 = np.sqrt(n) * s3 / s2 ** 1.5 * np.sqrt(n * (n - 1)) / (n - 2)
    r = n * s4 / s2 ** 2
    g2 = ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    return g1, g2


def fails(x):
    g1, g2 = skew_kurt(x)
    return abs(g1) >= 2 and g2 >= 3.5


def treat(x, winmax=5):
    y = x.copy()
    nwin = 0
    high = np.zeros(len(x), bool)
    low = np.zeros(len(x), bool)
    while fails(y) and nwin < winmax:
        g1, _ = skew_kurt(y)
        ok = ~np.isnan(y)
        if g1 >= 0:
            high = ok & (y == np.nanmax(y))
            y[high] = np.nanmax(y[ok & ~high])
        else:
            low = ok & (y == np.nanmin(y))
            y[low] = np.nanmin(y[ok & ~low])
        nwin = int(high.sum() + low.sum())
    if not fails(y):
        return y
    lo, hi = np.nanmin(x), np.nanmax(x)
    return np.log(x - lo + 0.01 * (hi - lo))


def p1_pandas():
    meta = pd.read_csv(META)
    data = pd.read_csv(DATA)
    ind = meta[meta.Type == "Indicator"]
    codes = list(ind.iCode)
    # denominate: an indicator with a denominator is divided by that column of the data
    x = data[["uCode", "EurAsia_group"] + codes].copy()
    for code, den in zip(ind.iCode, ind.Denominator):
        if isinstance(den, str):
            x[code] = x[code] / data[den]
    # impute: a missing value takes the mean of its group's values present
    x[codes] = x.groupby("EurAsia_group")[codes].transform(lambda c: c.fillna(c.mean()))
    # screen: drop units with less than 90 % of the indicators present
    x = x[x[codes].notna().mean(axis=1) >= 0.9].reset_index(drop=True)
    # treat, then min-max to 0-100 on the direction-flipped column
    for code, dirn in zip(ind.iCode, ind.Direction):
        v = treat(x[code].to_numpy(dtype=float)) * dirn
        x[code] = (v - np.nanmin(v)) / (np.nanmax(v) - np.nanmin(v)) * 100
    # aggregate: weighted mean over the children present, level by level
    for level in sorted(meta.Level.dropna().unique())[1:]:
        for _, node in meta[meta.Level == level].iterrows():
            kids = meta[meta.Parent == node.iCode]
            v = x[list(kids.iCode)].to_numpy(dtype=float)
            w = np.where(np.isnan(v), 0.0, kids.Weight.to_numpy(dtype=float))
            x[node.iCode] = np.nansum(v * w, axis=1) / w.sum(axis=1)
    return x.drop(columns="EurAsia_group")


def median_time(f, reps):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), out


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    only = sys.argv[2] if len(sys.argv) > 2 else None
    if only == "pandas":
        print(f"pandas P1 {median_time(p1_pandas, reps)[0] * 1000:.2f} ms")
        return
    if only == "humsec":
        t = median_time(lambda: humsec.build("examples/asem/p1.pipeline"), reps)[0]
        print(f"humsec.build P1 {t * 1000:.2f} ms")
        return
    t_pd, pdx = median_time(p1_pandas, reps)
    t_hs, hs = median_time(lambda: humsec.build("examples/asem/p1.pipeline"), reps)
    agg = hs["Aggregated"].set_index("uCode")
    pdx = pdx.set_index("uCode").loc[agg.index, agg.columns.drop("Time", errors="ignore")]
    diff = np.nanmax(np.abs(pdx.to_numpy(float) - agg[pdx.columns].to_numpy(float)))
    print(f"pandas {pd.__version__} P1      {t_pd * 1000:8.2f} ms (median of {reps})")
    print(f"humsec.build P1        {t_hs * 1000:8.2f} ms (every dataset as a DataFrame)")
    print(f"ratio                  pandas / humsec = {t_pd / t_hs:.1f}x")
    print(f"max |pandas - humsec|  {diff:.3g} over {pdx.size} values of Aggregated")


if __name__ == "__main__":
    main()
