"""humsec.forecast from Python equals `humsec forecast --table` (summary.csv, and the draws
of samples.csv) on the shipped global UCDP country-month table, from 2022-12."""

import os
import subprocess

import numpy as np
import pandas as pd
import pytest

import humsec

EXE = os.environ.get("HUMSEC_EXE", "build/humsec")
TABLE = "data/ucdp_cm/ucdp_ged251_country_month_1989_2023.csv"


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    out = tmp_path_factory.mktemp("fc") / "out"
    subprocess.run([EXE, "forecast", "--table", TABLE, "--origin", "2022-12", "--leads", "3",
                    "-o", str(out), "-q"], check=True)
    return out


def test_summary_and_draws_equal_cli(cli):
    got, draws = humsec.forecast(TABLE, origin="2022-12", leads=3, draws=True)
    ref = pd.read_csv(cli / "summary.csv", float_precision="round_trip", keep_default_na=False,
                      na_values=["NA"])
    assert len(got) == len(ref) > 500
    assert list(got.unit) == list(ref.unit)
    assert list(got.lead) == list(ref.lead)
    for col in ["month_id", "q05", "q50", "q95", "p_ge1", "p_ge25", "p_ge1000", "mean_ln1p"]:
        assert np.array_equal(got[col].to_numpy(float), ref[col].to_numpy(float)), col
    samples = pd.read_csv(cli / "samples.csv")
    assert len(draws) == len(samples)
    assert np.array_equal(draws.outcome.to_numpy(), samples.outcome.to_numpy())
    ukr = got[(got.unit == "UKR") & (got.lead == 3)].iloc[0]
    assert ukr.p_ge1000 > 0.5  # at war at the origin


def test_bad_table(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("iso3,period,conflict_fatalities_best\nAFG,2020-01,5\nAFG,2020-01,7\n")
    with pytest.raises(humsec.HumsecError) as e:
        humsec.forecast(str(bad))
    assert "bad.csv:3" in str(e.value)
