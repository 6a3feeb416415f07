"""The bundled data: valid, traceable, and the Long An targets verbatim from the plan."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from simlib.inputs.bundle import load_bundle, population_weights
from simlib.inputs.textio import parse_number

from conftest import REPO, SHARED

B = load_bundle()
LONG_AN_PLAN = SHARED / "plans" / "004_f9ddfa278fe470e2.txt"


def test_every_observation_and_target_carries_its_source():
    for name, cols in (("observations", ["source", "url", "locator", "basis"]),
                       ("targets", ["url", "locator", "source_status", "as_written"]),
                       ("context", ["source", "url", "locator", "date"])):
        df = getattr(B, name)
        for c in cols:
            empty = df[df[c].isna() | (df[c].astype(str).str.strip() == "")]
            assert empty.empty, f"{name}.{c} empty in rows {list(empty['row'])}"


def test_targets_value_equals_the_number_as_written():
    """`as_written` keeps the plan's own spelling ("40,12"); `value` must be the same number."""
    numeric = B.targets[B.targets["as_written"].str.fullmatch(r"[0-9.,]+")]
    assert len(numeric) >= 100
    for _, r in numeric.iterrows():
        assert parse_number(r["as_written"], rate=True)[0] == pytest.approx(r["value"]), r["target_id"]


def test_long_an_both_thpt_figures_are_recorded():
    t = B.targets[(B.targets["plan_id"] == "long_an_2025") & (B.targets["geography"] == "vn.long_an")
                  & (B.targets["indicator"] == "thpt_to_cao_dang")]
    assert dict(zip(t["variant"], t["as_written"])) == {"body": "45,84", "appendix": "45,81"}


def test_long_an_has_a_target_for_each_of_its_15_districts_on_both_indicators():
    t = B.targets[(B.targets["plan_id"] == "long_an_2025") & (B.targets["variant"] == "appendix")]
    kids = set(B.children("vn.long_an"))
    assert len(kids) == 15
    for ind in ("thcs_to_gdnn_sc_tc", "thpt_to_cao_dang", "thcs_schools_counseling_teacher", "thpt_schools_career_programme"):
        assert set(t.loc[t["indicator"] == ind, "geography"]) == kids | {"vn.long_an"}, ind


@pytest.mark.skipif(not LONG_AN_PLAN.exists(), reason="shared/plans not beside the repository")
def test_long_an_appendix_rates_match_the_plan_text():
    """Re-read the appendix of the plan's text and compare every district rate with targets.csv."""
    text = LONG_AN_PLAN.read_text(encoding="utf-8")
    split = text.index("BẢNG CHỈ TIÊU ĐĂNG KÝ")
    app = text[split:]
    parts = {"thcs_to_gdnn_sc_tc": app[app.index("I. CẤP TRUNG HỌC CƠ SỞ"):app.index("II. CẤP TRUNG HỌC PHỔ THÔNG")],
             "thpt_to_cao_dang": app[app.index("II. CẤP TRUNG HỌC PHỔ THÔNG"):]}
    names = {v: k for k, v in zip(B.geographies["geo_id"], B.geographies["name_vi"])}
    for ind, block in parts.items():
        toks = [x.strip() for x in block.split("\n") if x.strip()]
        found = {}
        for k, tok in enumerate(toks):
            if re.fullmatch(r"\d\d", tok):
                found[names[toks[k + 1]]] = toks[k + 4]
            if tok == "Tổng cộng":
                found["vn.long_an"] = toks[k + 3]
        t = B.targets[(B.targets["indicator"] == ind) & (B.targets["variant"] == "appendix")]
        assert dict(zip(t["geography"], t["as_written"])) == found
    body = text[:split]
    assert "45,84" in body and "40,12" in body


def test_district_populations_add_up_to_the_census_total():
    w = population_weights(B, "vn.long_an")
    assert len(w) == 15
    total = B.context.loc[(B.context["geography"] == "vn.long_an") & (B.context["item"] == "population_2019_census"), "value"]
    assert w.sum() == pytest.approx(float(total.iloc[0]))


def test_observation_shares_are_fractions_consistent_with_percent():
    o = B.observations[B.observations["unit"] == "percent"]
    for c in ("value", "low", "high"):
        ok = o[c].notna()
        assert ((o.loc[ok, f"{c}_share"] * 100 - o.loc[ok, c]).abs() < 1e-12).all()
        assert o.loc[ok, f"{c}_share"].between(0, 1).all()


def test_key_long_an_observations_and_their_flags():
    o = B.observations.set_index("obs_id")
    assert o.loc["la.2021.thcs_gdnn", "value"] == 13.19 and o.loc["la.2021.thcs_gdnn", "basis"] == "same"
    rng = o.loc["la.2021_2023.thcs_vocational_range"]
    assert (rng["low"], rng["high"], rng["high_open"], rng["year_first"], rng["year"]) == (10, 16, True, 2021, 2023)
    assert "ambiguous_denominator" in o.loc["la.2021.thpt_cd", "flags"]
    alt = o.loc["la.2021.thpt_cd.alt"]
    assert "derived" in alt["flags"] and alt["value"] == pytest.approx(round(14.51 * 64.43 / 100, 2))


def test_derived_observations_say_how_they_were_derived():
    d = B.observations[B.observations["flags"].str.contains("derived")]
    assert len(d) >= 3
    assert d["derivation"].notna().all()


def test_readme_counts_match_the_files():
    """data/README.md's table of files states how many rows each has: the numbers stay true when data changes."""
    import re

    readme = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z_]+)\.csv` \| (\d+) \|", readme, flags=re.M))
    assert {"plans", "targets", "observations", "geographies", "indicators", "glossary"} <= set(rows)
    for name, n in rows.items():
        assert len(pd.read_csv(REPO / "data" / f"{name}.csv")) == int(n), f"data/README.md: {name}.csv"
    n_cases = int(re.search(r"^\| `cases/<id>/` \| (\d+) \|", readme, flags=re.M).group(1))
    assert len(list((REPO / "data" / "cases").glob("*/case.yaml"))) == n_cases
    n_sc = int(re.search(r"^\| `scenarios/\*\.yaml` \| (\d+) \|", readme, flags=re.M).group(1))
    assert len(list((REPO / "data" / "scenarios").glob("*.yaml"))) == n_sc
