"""humsec.build from Python equals the command line's outputs to the last bit.

The command line (HUMSEC_EXE, default build/humsec) writes each dataset as CSV with the
shortest decimal that reads back to the same double; read with round-trip parsing, every
value must equal the library's through Python. Run from the project folder.
"""

import os
import subprocess

import numpy as np
import pandas as pd
import pytest

import humsec

EXE = os.environ.get("HUMSEC_EXE", "build/humsec")


def cli_build(pipeline, out):
    subprocess.run([EXE, "build", pipeline, "-o", str(out), "-q"], check=True)
    return out


@pytest.mark.parametrize("pipeline", ["examples/asem/p1.pipeline", "examples/hdi/hdi.pipeline"])
def test_build_equals_cli(pipeline, tmp_path):
    got = humsec.build(pipeline, ranks=True)
    out = cli_build(pipeline, tmp_path / "cli")
    assert list(got)[0] == "Raw"
    assert list(got)[-1] == "ranks"  # compared with ranks.csv below, as the datasets are
    compared = 0
    for name, df in got.items():
        ref = pd.read_csv(out / f"{name}.csv", float_precision="round_trip", keep_default_na=False,
                          na_values=["NA"])
        assert list(df["uCode"]) == list(ref["uCode"]), name
        if "Time" in df:
            assert list(df["Time"]) == list(ref["Time"]), name
        for col in df.columns:
            if col in ("uCode", "Time"):
                continue
            a = df[col].to_numpy(dtype=float)
            b = ref[col].to_numpy(dtype=float)
            assert np.array_equal(a, b, equal_nan=True), f"{name}.{col}"
            compared += int(np.isfinite(a).sum())
    assert compared > 1000


def test_version():
    assert humsec.version() == humsec.__version__


def test_bad_pipeline(tmp_path):
    p = tmp_path / "bad.pipeline"
    p.write_text("title = x\nstructure = nowhere.csv\n[data]\nfile = nowhere.csv\n")
    with pytest.raises(humsec.HumsecError) as e:
        humsec.build(str(p))
    assert "nowhere.csv" in str(e.value)


def test_build_from_dataframes_equals_file_build():
    """ASEM P1 from DataFrames and the pipeline's steps, in memory, equals the file build."""
    meta = pd.read_csv("data/coinr-asem/input_iMeta.csv", float_precision="round_trip",
                       keep_default_na=False, na_values=["NA", ""])
    idata = pd.read_csv("data/coinr-asem/input_iData.csv", float_precision="round_trip",
                        keep_default_na=False, na_values=["NA", ""])
    steps = [
        "[denominate]",
        "[impute]\nmethod = mean_group\ngroup = EurAsia_group",
        "[screen]\nby = na\ndat_thresh = 0.9",
        "[treat]\nwinmax = 5",
        "[normalise]\nmethod = minmax(0, 100)",
        "[aggregate]\nmethod = arithmetic",
    ]
    mem = humsec.build(structure=meta, data=idata, steps=steps)
    ref = humsec.build("examples/asem/p1.pipeline")
    assert list(mem) == list(ref)
    for name in ref:
        pd.testing.assert_frame_equal(mem[name], ref[name], check_exact=True)


def test_build_from_dataframes_bad_step():
    meta = pd.read_csv("data/coinr-asem/input_iMeta.csv")
    idata = pd.read_csv("data/coinr-asem/input_iData.csv")
    with pytest.raises(humsec.HumsecError) as e:
        humsec.build(structure=meta, data=idata, steps=["[normalise]\nmethod = nosuch"])
    assert "pipeline:" in str(e.value) and "nosuch" in str(e.value)


@pytest.mark.parametrize("kind,n", [("ua", 200), ("sa", 64)])
def test_sensitivity_equals_cli(kind, n, tmp_path):
    """Rank intervals (and Sobol' indices) from Python equal `humsec sensitivity`'s CSVs."""
    pl, spec = "examples/asem/sa.pipeline", "examples/asem/sa.spec"
    got = humsec.sensitivity(pl, spec, type=kind, n=n, seed=3, threads=2)
    out = tmp_path / "sa"
    subprocess.run([EXE, "sensitivity", pl, spec, "-o", str(out), "--type", kind, "--n", str(n),
                    "--seed", "3", "--threads", "1", "-q"], check=True)
    ref = pd.read_csv(out / "ua_ranks.csv", float_precision="round_trip", keep_default_na=False,
                      na_values=["NA"])
    r = got["ranks"].set_index("uCode").loc[ref["uCode"]]
    for col in ("nominal_rank", "q05_rank", "median_rank", "q95_rank"):
        assert np.array_equal(r[col].to_numpy(float), ref[col].to_numpy(float), equal_nan=True), col
    if kind == "sa":
        si = pd.read_csv(out / "sa_indices.csv", float_precision="round_trip")
        g = got["sobol"].set_index("factor").loc[si["factor"]]
        for col in ("Si", "STi", "Si_q025", "STi_q975"):
            assert np.array_equal(g[col].to_numpy(float), si[col].to_numpy(float)), col
    else:
        assert "sobol" not in got
