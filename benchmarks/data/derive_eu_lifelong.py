"""Derive the benchmark's independent check panel from Eurostat's trng_lfse_04 (run once; output committed).

Input: ``eurostat_trng_lfse_04_T_rows.tsv`` here: the rows of NUTS 2 regions, both sexes (``PC,T,Y25-64``),
of Austria, Belgium, Bulgaria, Switzerland, Czechia, Germany and Denmark, copied row by row and unchanged
(flags included) from ``trng_lfse_04.tsv`` as stored in https://github.com/datacommonsorg/data, commit
``7ef6ca0ee1d7dbf2a4109cbd12a207df81d2a5c6``, path
``scripts/eurostat/regional_statistics_by_nuts/education_enrollment/trng_lfse_04.tsv`` (Eurostat's bulk
download of table trng_lfse_04, "Participation rate in education and training (last 4 weeks) by NUTS 2
regions", percent of the population aged 25-64). Given that whole file instead (``python derive_eu_lifelong.py
trng_lfse_04.tsv``) the same rows are selected from it, so the copy can be checked.

Output (planner template): ``eu_lifelong_learning_nuts2.csv``: one row per region and year, the value in
percent as published. Cells ``:`` (not available) are missing rows; cells flagged ``u`` (low reliability)
are left out; cells flagged ``b`` (break in series, e.g. the 2004 and 2006 survey changes) are kept: a break
is what a forecaster meets in real data.
"""
import re
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent
SRC = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "eurostat_trng_lfse_04_T_rows.tsv"
KEEP = ("AT", "BE", "BG", "CH", "CZ", "DE", "DK")
URL = ("https://github.com/datacommonsorg/data (commit 7ef6ca0ee1d7dbf2a4109cbd12a207df81d2a5c6, "
       "scripts/eurostat/regional_statistics_by_nuts/education_enrollment/trng_lfse_04.tsv)")

lines = SRC.read_text(encoding="utf-8").splitlines()
years = [int(y) for y in re.findall(r"\d{4}", lines[0])]
rows = []
for line in lines[1:]:
    cells = line.split("\t")
    unit, sex, age, geo = cells[0].split(",")
    if (unit, sex, age) != ("PC", "T", "Y25-64") or len(geo) != 4 or not geo.startswith(KEEP):
        continue
    for y, cell in zip(years, cells[1:]):
        m = re.fullmatch(r"\s*([0-9.]+)?\s*([a-z]*)\s*", cell.replace(":", ""))
        if not m or m.group(1) is None or "u" in m.group(2):
            continue
        rows.append(dict(geography=geo, indicator="lifelong_learning_participation", year=y,
                         value=float(m.group(1)), unit="percent", basis="same",
                         source="Eurostat trng_lfse_04, participation in education and training (last 4 weeks), "
                                "aged 25-64, both sexes, NUTS 2", url=URL))
out = pd.DataFrame(rows).sort_values(["geography", "year"])
out.to_csv(HERE / "eu_lifelong_learning_nuts2.csv", index=False)
print(f"{len(out)} rows, {out['geography'].nunique()} regions, {out['year'].min()}-{out['year'].max()}")
