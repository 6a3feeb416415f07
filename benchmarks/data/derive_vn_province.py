"""Derive the benchmark's real Vietnamese province panels from the research panel (run once; output committed).

Input: /work/shared/research/vn_province_panel_2026.csv (see README.md here for its provenance).
Output (planner template, read by ``python -m simlib backtest``):

* ``vn_thpt_thcs_ratio.csv``: THPT pupils / THCS pupils (30 September of each year), per province, 2002-2016,
  as a percent rounded to 0.01 (derived: the ratio of two GSO counts, nothing else);
* ``vn_thpt_pass_rate.csv``: THPT graduation pass rate per province (percent of candidates, as published).

Regions and the national aggregate are left out (provinces only; Hà Tây, until 2007, is kept).
A rate published as 100 % is kept as published: it is not a share strictly inside (0, 1), so the validator
and ``observations_from_frame`` decide what happens to it (the backtest says so).
"""
import sys
from pathlib import Path

import pandas as pd

SRC = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/research/vn_province_panel_2026.csv")
OUT = Path(__file__).parent
d = pd.read_csv(SRC, dtype=str)
d = d[d["source_url"].str.contains("choisy/gso", na=False)]
d = d[~d["geography"].str.contains("region|WHOLE COUNTRY|aggregate", case=False, na=False)]
d["year"] = pd.to_numeric(d["year_end"]).astype(int)
d["v"] = pd.to_numeric(d["value"].str.replace(",", ""), errors="coerce")
url = "https://github.com/choisy/gso (commit 50040d2c4b4f8b8a92f6e236c3a7ebd15fc6a058, data-raw/gso_21092018.zip)"

up = d[d.indicator == "pupils_upper_secondary"].set_index(["geography", "year"])["v"]
lo = d[d.indicator == "pupils_lower_secondary"].set_index(["geography", "year"])["v"]
r = (up / lo).dropna()
r = r[(r > 0) & (r < 1)]
ratio = pd.DataFrame({"geography": r.index.get_level_values(0), "indicator": "thpt_thcs_enrolment_ratio",
                      "year": r.index.get_level_values(1), "value": (100 * r.to_numpy()).round(2),
                      "unit": "percent", "basis": "same",
                      "source": "GSO, Number of pupils of general education as of 30 September by province "
                                "(upper secondary / lower secondary; derived ratio)", "url": url})
ratio.sort_values(["geography", "year"]).to_csv(OUT / "vn_thpt_thcs_ratio.csv", index=False)

p = d[d.indicator == "thpt_graduation_pass_rate"].dropna(subset=["v"])
p = p[p["geography"].isin(set(r.index.get_level_values(0)))]
rate = pd.DataFrame({"geography": p["geography"], "indicator": "thpt_graduation_pass_rate", "year": p["year"],
                     "value": p["v"], "unit": "percent", "basis": "same",
                     "source": "GSO, Percentage of graduates compared with total candidates upper secondary",
                     "url": url})
rate.sort_values(["geography", "year"]).to_csv(OUT / "vn_thpt_pass_rate.csv", index=False)
print(len(ratio), "ratio rows,", ratio.geography.nunique(), "provinces;", len(rate), "pass-rate rows,",
      rate.geography.nunique(), "provinces;", int((rate.value >= 100).sum()), "at 100 %")
