"""humsec.events.panel from Python equals `humsec events panel` to the row, and a month no
file covers stays missing (UCDP GED files of the Central African Republic, ending 2022-12,
and Mexico, ending 2023-12)."""

import io
import os
import subprocess

import pandas as pd
import pytest

import humsec

EXE = os.environ.get("HUMSEC_EXE", "build/humsec")
FILES = ["data/ucdp/ged_car_v23_1.csv", "data/ucdp/ged_mexico_1989_2023.csv.gz"]


def test_panel_equals_cli():
    got = humsec.events.panel(FILES)
    out = subprocess.run([EXE, "events", "panel", *FILES, "-q"], check=True,
                         capture_output=True).stdout
    ref = pd.read_csv(io.BytesIO(out), keep_default_na=False, na_values=[""],
                      dtype={"iso3": str})
    assert list(got.columns) == list(ref.columns)
    assert len(got) == len(ref) > 800
    for col in got.columns:
        a, b = got[col], ref[col]
        if col == "iso3":
            assert list(a) == list(b)
        else:
            assert a.isna().tolist() == b.isna().tolist(), col
            assert (a.dropna().astype("int64").to_numpy() == b.dropna().astype("int64").to_numpy()).all(), col


def test_missing_is_not_zero():
    p = humsec.events.panel(FILES)
    car23 = p[(p.iso3 == "CAF") & (p.year == 2023)]
    assert len(car23) == 12 and car23.deaths_sb.isna().all()
    mex23 = p[(p.iso3 == "MEX") & (p.year == 2023)]
    assert mex23.deaths_ns.notna().all() and int(mex23.deaths_ns.sum()) > 0  # cartels: non-state


def test_window_and_errors(tmp_path):
    p = humsec.events.panel(FILES[0], start="2020-01", end="2020-12")
    assert p.month_id.min() == (2020 - 1980) * 12 + 1 and len(p) == 12
    with pytest.raises(ValueError):
        humsec.events.panel(FILES, start="2020/01")
    bad = tmp_path / "bad.csv"
    bad.write_text("id,year\n1,x\n")
    with pytest.raises(humsec.HumsecError) as e:
        humsec.events.panel(str(bad))
    assert "bad.csv" in str(e.value)
