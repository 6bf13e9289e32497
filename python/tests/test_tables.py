"""humsec.trends and humsec.weights from Python equal `humsec trends` and `humsec weights`,
and the trends equal COINr's published CAGR (get_trends) for the panel of its example."""

import io
import os
import subprocess

import numpy as np
import pandas as pd

import humsec

EXE = os.environ.get("HUMSEC_EXE", "build/humsec")
PANEL = "tests/ref/data/coinr2/trends_panel.pipeline"


def cli(*args):
    out = subprocess.run([EXE, *args, "-q"], check=True, capture_output=True).stdout.decode()
    return pd.read_csv(io.StringIO(out), float_precision="round_trip", keep_default_na=False,
                       na_values=["NA"])


def same(a, b):
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    for c in a.columns:
        x, y = a[c].to_numpy(), b[c].to_numpy()
        if x.dtype.kind == "f" or y.dtype.kind == "f":
            x, y = x.astype(float), y.astype(float)
            assert np.array_equal(np.isnan(x), np.isnan(y)), c
            assert np.array_equal(x[~np.isnan(x)], y[~np.isnan(y)]), c
        else:
            assert list(x) == list(y), c


def test_trends_equal_cli_and_coinr():
    got = humsec.trends(PANEL)
    same(got, cli("trends", PANEL))
    ref = pd.read_csv("data/coinr-asem/refs2/trends_CAGR_panel_Raw.csv")
    m = got.merge(ref, on=["uCode", "iCode"], suffixes=("", "_coinr"))
    assert len(m) == len(ref)
    ours, coinr = m["CAGR"].astype(float).to_numpy(), m["CAGR_coinr"].astype(float).to_numpy()
    finite = np.isfinite(coinr)
    assert finite.sum() > 2000
    assert np.allclose(ours[finite], coinr[finite], rtol=0, atol=1e-9)
    # COINr's Inf (a first value of 0) is humsec's Inf
    assert np.array_equal(np.isinf(ours), np.isinf(coinr))


def test_weights_equal_cli():
    got = humsec.weights("examples/asem/p1.pipeline")
    same(got, cli("weights", "examples/asem/p1.pipeline"))
    # the index's effective weight is 1, and the indicators' sum to 1
    assert got.loc[got["iCode"] == "Index", "EffWeight"].item() == 1
    assert abs(got.loc[got["Level"] == 1, "EffWeight"].sum() - 1) < 1e-12


def test_compare_equals_cli(tmp_path):
    a, b = "examples/asem/p1.pipeline", "tests/ref/data/coinr2/compare_variant_gmean_l4.pipeline"
    got = humsec.compare(a, b)
    subprocess.run([EXE, "compare", a, b, "-o", str(tmp_path / "c"), "-q"], check=True)

    def read(name):
        return pd.read_csv(tmp_path / "c" / name, float_precision="round_trip",
                           keep_default_na=False, na_values=["NA"])

    rows = got["rows"]
    for name, col in (("compare_scores.csv", "score"), ("compare_ranks.csv", "rank")):
        ref = read(name)
        assert list(rows["iCode"]) == list(ref["iCode"])
        assert list(rows["uCode"]) == list(ref["uCode"])
        for k, side in (("coin.1", "a"), ("coin.2", "b")):
            x = rows[f"{col}_{side}"].to_numpy(float)
            y = ref[k].to_numpy(float)
            assert np.array_equal(np.isnan(x), np.isnan(y)), (name, k)
            assert np.array_equal(x[~np.isnan(x)], y[~np.isnan(y)]), (name, k)
    same(got["summary"], read("compare_summary.csv"))
    # the variant changes only the index's aggregation: the indicators do not move
    ind = rows[rows["Level"] == 1]
    assert (ind["rank_a"] == ind["rank_b"]).all()
    assert (rows[rows["iCode"] == "Index"]["rank_a"] != rows[rows["iCode"] == "Index"]["rank_b"]).any()
