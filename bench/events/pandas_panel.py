"""pandas_panel.py - the events benchmark's pandas side: the same aggregation as
`humsec events panel` (non-empty unit-months only), CSV unit,month_id,events_sb,...,deaths_os.
Usage: python3 pandas_panel.py IN.csv OUT.csv country|grid"""
import sys

import numpy as np
import pandas as pd

inp, out, level = sys.argv[1:4]
cols = ["type_of_violence", "country_id", "date_start", "best", "latitude", "longitude",
        "where_prec"]
d = pd.read_csv(inp, usecols=cols, dtype={"date_start": str})
if level == "grid":
    d = d[d.where_prec < 6]
    d["unit"] = (np.floor((d.latitude + 90) / 0.5).astype(np.int64) * 720
                 + np.floor((d.longitude + 180) / 0.5).astype(np.int64) + 1)
else:
    d["unit"] = d.country_id
d["month_id"] = ((d.date_start.str.slice(0, 4).astype(int) - 1980) * 12
                 + d.date_start.str.slice(5, 7).astype(int))
g = d.groupby(["unit", "month_id", "type_of_violence"])["best"].agg(["size", "sum"])
g = g.unstack("type_of_violence", fill_value=0).reindex(
    columns=pd.MultiIndex.from_product([["size", "sum"], [1, 2, 3]]), fill_value=0)
g.columns = ["events_sb", "events_ns", "events_os", "deaths_sb", "deaths_ns", "deaths_os"]
g.reset_index().sort_values(["unit", "month_id"]).to_csv(out, index=False)
