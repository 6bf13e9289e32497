"""humsec.audit, humsec.whatif and humsec.corr from Python equal the files of `humsec build`,
`humsec whatif` and `humsec corr` to the last bit, for ASEM P1 and (audit) the HDI panel;
and the audit's correlations equal COINr's get_corr for P1 (data/coinr-asem)."""

import os
import subprocess

import numpy as np
import pandas as pd
import pytest

import humsec
from test_tables import EXE, same

P1 = "examples/asem/p1.pipeline"


def read(path):
    return pd.read_csv(path, float_precision="round_trip", keep_default_na=False,
                       na_values=["NA"])


def run(*args):
    subprocess.run([EXE, *args, "-q"], check=True)


@pytest.mark.parametrize("pipeline", [P1, "examples/hdi/hdi.pipeline"])
def test_audit_equals_build_files(tmp_path, pipeline):
    got = humsec.audit(pipeline)
    run("build", pipeline, "-o", str(tmp_path / "b"))
    files = sorted(f[:-4] for f in os.listdir(tmp_path / "b") if f.startswith("audit_"))
    assert sorted(got) == files and len(files) == 6
    for name, df in got.items():
        same(df, read(tmp_path / "b" / f"{name}.csv"))
    flags = got["audit_stats_Raw"]["Flag.SkewKurt"]
    assert set(flags) <= {"ok", "OUT"}


def test_audit_corr_equals_coinr():
    m = humsec.audit(P1)["audit_corr_Normalised"].set_index("iCode")
    ref = pd.read_csv("data/coinr-asem/p1_audit_corr_Normalised_L1_pearson.csv").set_index("iCode")
    ours = m.loc[ref.index, ref.columns].to_numpy(float)
    assert ref.size > 1000
    assert np.allclose(ours, ref.to_numpy(float), rtol=0, atol=1e-9)


@pytest.mark.parametrize("level,target", [(2, None), (1, "Conn")])
def test_whatif_equals_cli(tmp_path, level, target):
    got = humsec.whatif(P1, level, target=target)
    args = ["whatif", P1, "--remove", f"level={level}", "-o", str(tmp_path / "w")]
    run(*(args + (["--target", target] if target else [])))
    for key in ("scores", "ranks", "rankdiffs", "mean_abs_diff"):
        same(got[key], read(tmp_path / "w" / f"whatif_{key}.csv"))
    assert len(got["mean_abs_diff"]) == got["scores"].shape[1] - 2  # uCode, Time


@pytest.mark.parametrize("opts,args", [
    ({}, []),
    ({"threshold": 0.7}, ["--threshold", "0.7"]),
    ({"threshold": -0.4, "low": True}, ["--threshold", "-0.4", "--low"]),
    ({"dset": "Aggregated", "level": 2, "threshold": 0.3, "denom_threshold": 0.5},
     ["--dset", "Aggregated", "--level", "2", "--threshold", "0.3", "--denom-threshold", "0.5"]),
])
def test_corr_equals_cli(tmp_path, opts, args):
    got = humsec.corr(P1, **opts)
    run("corr", P1, *args, "-o", str(tmp_path / "c"))
    same(got["flags"], read(tmp_path / "c" / "corr_flags.csv"))
    same(got["denominators"], read(tmp_path / "c" / "denom_corr.csv"))


def test_corr_counts_and_errors():
    # docs/analysis.md: 6 pairs above 0.7 and 12 indicator-denominator pairs above 0.6
    got = humsec.corr(P1, threshold=0.7)
    assert len(got["flags"]) == 6 and len(got["denominators"]) == 12
    with pytest.raises(humsec.HumsecError, match="NoSuch"):
        humsec.corr(P1, dset="NoSuch")
    with pytest.raises(humsec.HumsecError):
        humsec.whatif(P1, 9)
