"""Monitoring (Circular 16): actual vs the straight-line path to the target, hand-computed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simlib.assess.monitoring import monitoring_table, path_value


def _obs(rows):
    return pd.DataFrame([{"obs_id": f"o{i}", "geography": g, "indicator": "x", "year": y, "year_first": None,
                          "value_share": v, "low_share": None, "high_share": None, "high_open": False,
                          "se_share": None, "basis": "same", "flags": "", "unit": "share", "breakdown": None}
                         for i, (g, y, v) in enumerate(rows)])


def _targets(rows):
    return pd.DataFrame([{"target_id": f"t{i}", "plan_id": "p", "geography": g, "indicator": "x", "year": y,
                          "comparator": c, "value_share": v, "low_share": None, "variant": ""}
                         for i, (g, y, v, c) in enumerate(rows)])


def test_path_is_a_straight_line_clipped_to_the_target_year():
    assert path_value(0.10, 2026, 0.30, 2030, 2026) == pytest.approx(0.10)
    assert path_value(0.10, 2026, 0.30, 2030, 2027) == pytest.approx(0.15)
    assert path_value(0.10, 2026, 0.30, 2030, 2032) == pytest.approx(0.30)
    np.testing.assert_allclose(path_value(0.10, 2026, 0.30, 2030, np.array([2028, 2029])), [0.20, 0.25])


def test_units_behind_on_track_and_missing_reports():
    obs = _obs([("P", 2026, 0.10), ("A", 2026, 0.20), ("A", 2027, 0.24), ("A", 2028, 0.25),
                ("B", 2027, 0.12), ("B", 2028, 0.30)])
    tg = _targets([("P", 2030, 0.30, ">=")])
    t = monitoring_table(obs, tg, geography="P", units=["A", "B", "C"], indicator="x", start_year=2026, as_of=2028)
    t = t.set_index(["unit", "year"])
    # A: baseline 20 % (2026), path to 30 % in 2030: 22.5 % in 2027, 25 % in 2028
    assert t.loc[("A", 2027), "path_pct"] == pytest.approx(22.5)
    assert t.loc[("A", 2027), "gap_pts"] == pytest.approx(1.5) and t.loc[("A", 2027), "status"] == "on_track"
    assert t.loc[("A", 2028), "gap_pts"] == pytest.approx(0.0) and t.loc[("A", 2028), "status"] == "on_track"
    # B has no 2026 figure: it starts from the province's baseline (10 % in 2026); 2027 path 15 %, actual 12 %
    assert t.loc[("B", 2027), "baseline_pct"] == pytest.approx(10.0)
    assert t.loc[("B", 2027), "gap_pts"] == pytest.approx(-3.0) and t.loc[("B", 2027), "status"] == "behind"
    assert t.loc[("B", 2028), "status"] == "on_track"
    # C never reported: every year says so (and is not silently on track)
    assert (t.loc["C", "status"] == "no_report").all() and t.loc["C", "actual_pct"].isna().all()
    assert set(t["target_of"]) == {"P"}


def test_own_target_wins_and_at_most_targets_flip_the_gap():
    obs = _obs([("P", 2026, 0.10), ("A", 2026, 0.08), ("A", 2027, 0.09)])
    tg = _targets([("P", 2030, 0.30, ">="), ("A", 2030, 0.04, "<=")])
    t = monitoring_table(obs, tg, geography="P", units=["A"], indicator="x", start_year=2026, as_of=2027,
                         tolerance_pts=0.5)
    r = t.iloc[0]
    assert r["target_of"] == "own" and r["target_pct"] == pytest.approx(4.0)
    # path from 8 % (2026) down to 4 % (2030): 7 % in 2027; an "at most" target is behind when above the path
    assert r["path_pct"] == pytest.approx(7.0) and r["gap_pts"] == pytest.approx(-2.0) and r["status"] == "behind"


def test_no_target_gives_an_empty_table():
    empty = _targets([("P", 2030, 0.3, ">=")]).iloc[0:0]
    t = monitoring_table(_obs([("P", 2026, 0.1)]), empty, geography="P",
                         units=["P"], indicator="x", start_year=2026, as_of=2027)
    assert t.empty and "status" in t.columns


def _obs_sized(rows):
    df = _obs([(g, y, v) for g, y, v, _ in rows])
    df["denominator"] = [n for *_, n in rows]
    return df


def test_behind_only_when_the_shortfall_exceeds_what_the_size_explains():
    from simlib.assess.monitoring import share_interval

    # path from 20 % (2026) to 30 % (2030): 22.5 % in 2027; both communes report 18 % (4.5 points short)
    obs = _obs_sized([("P", 2026, 0.20, None), ("S", 2027, 0.18, 40), ("L", 2027, 0.18, 4000)])
    tg = _targets([("P", 2030, 0.30, ">=")])
    t = monitoring_table(obs, tg, geography="P", units=["S", "L"], indicator="x", start_year=2026, as_of=2027)
    t = t.set_index("unit")
    lo, hi = share_interval(0.18, 40)
    assert lo < 0.225 < hi                                  # 40 graduates: 22.5 % is within the noise
    assert t.loc["S", "status"] == "on_track" and t.loc["S", "gap_pts"] == pytest.approx(-4.5)
    assert t.loc["S", "interval_low_pct"] == pytest.approx(100 * lo)
    assert t.loc["S", "interval_high_pct"] == pytest.approx(100 * hi) and t.loc["S", "n_students"] == 40
    assert t.loc["L", "status"] == "behind"                 # 4,000 graduates: the same shortfall is real
    assert t.loc["L", "interval_high_pct"] < 22.5


def test_jeffreys_interval_by_hand_and_unknown_size():
    from scipy import stats

    from simlib.assess.monitoring import share_interval

    lo, hi = share_interval(0.25, 20, level=0.9)
    assert lo == pytest.approx(stats.beta.ppf(0.05, 5.5, 15.5))
    assert hi == pytest.approx(stats.beta.ppf(0.95, 5.5, 15.5))
    assert all(np.isnan(share_interval(0.25, float("nan"))))
    # a 0-of-40 commune has an interval from about 0 to the share 40 graduates cannot rule out
    lo0, hi0 = share_interval(0.0, 40)
    assert lo0 < 1e-3 and hi0 == pytest.approx(stats.beta.ppf(0.95, 0.5, 40.5))
