"""The rules a one-line change would break: ties, "at most" targets, weighted aggregates, a count for a year.

Each test is hand-computed and was checked against the mutation named in its
docstring (the test fails with it).
"""

from __future__ import annotations

import types

import numpy as np
import pandas as pd
import pytest

from simlib.evidence.indicators import registry
from simlib.evidence.series import aggregate_children
from simlib.evidence.targets import TOLERANCE, Threshold, is_met, p_met, threshold
from simlib.inputs.bundle import load_bundle
from simlib.scenarios.engine import ScenarioResult
from simlib.vocab import count_for_year, track_group


# --------------------------------------------------------------------------
# P(met) at a tie  (mutation: ``x >= value - TOLERANCE`` -> ``x > value - TOLERANCE``)
# --------------------------------------------------------------------------
def test_a_draw_at_the_threshold_meets_it():
    v = 0.4012
    edge = v - TOLERANCE  # the last value counted as a tie
    draws = np.array([edge, v, 0.39, 0.41])
    assert p_met(draws, Threshold(v)) == pytest.approx(3 / 4)
    assert is_met(edge, Threshold(v)) and is_met(v, v)
    assert not is_met(v - 1e-9, Threshold(v))  # beyond the floating-point tolerance: missed


def test_an_at_most_target_is_met_at_its_tie_too():
    v = 0.05
    thr = threshold({"comparator": "<=", "value_share": v})
    assert p_met(np.array([v + TOLERANCE, v, 0.06]), thr) == pytest.approx(2 / 3)


# --------------------------------------------------------------------------
# the direction of "at most"  (mutations: ``at_least`` False -> True in ``threshold``; ``<=`` -> ``>=`` in met)
# --------------------------------------------------------------------------
@pytest.mark.parametrize("comparator", ["<=", "<"])
def test_an_at_most_target_counts_the_draws_below_it(comparator):
    thr = threshold({"comparator": comparator, "value_share": 0.05})
    assert not thr.at_least
    draws = np.array([0.02, 0.03, 0.049, 0.07, 0.09])
    assert p_met(draws, thr) == pytest.approx(3 / 5)
    # the same draws against an "at least" target: the complement (no draw sits on the threshold)
    assert p_met(draws, threshold({"comparator": ">=", "value_share": 0.05})) == pytest.approx(2 / 5)
    assert is_met(0.04, thr) and not is_met(0.06, thr)


def test_range_and_approx_targets_are_read_as_at_least():
    assert threshold({"comparator": "range", "low_share": 0.3, "value_share": None}).at_least
    assert threshold({"comparator": "approx", "value_share": 0.3}).at_least


# --------------------------------------------------------------------------
# graduate-weighted aggregation to the province  (mutation: the weighted mean -> ``np.mean``)
# --------------------------------------------------------------------------
_GEOS = pd.DataFrame([
    {"geo_id": "vn", "name_vi": "Việt Nam", "level": "country", "parent": None, "successor": None, "valid_to": None},
    {"geo_id": "vn.p", "name_vi": "Tỉnh P", "level": "province", "parent": "vn", "successor": None, "valid_to": None},
    {"geo_id": "vn.p.a", "name_vi": "Xã A", "level": "commune", "parent": "vn.p", "successor": None, "valid_to": None},
    {"geo_id": "vn.p.b", "name_vi": "Xã B", "level": "commune", "parent": "vn.p", "successor": None, "valid_to": None},
])


def _row(i, geo, ind, year, value, unit, den=None):
    share = unit == "share"
    return {"obs_id": f"o{i}", "geography": geo, "indicator": ind, "year": year, "year_first": None, "value": value,
            "low": None, "high": None, "unit": unit, "breakdown": "", "basis": "same", "flags": "",
            "value_share": value if share else None, "low_share": None, "high_share": None, "high_open": False,
            "se_share": None, "numerator": None, "denominator": den}


def test_communes_combine_into_the_province_by_their_graduates():
    """A: 10 % of 300 graduates, B: 40 % of 100: (30 + 40) / 400 = 17.5 % (a plain mean would say 25 %)."""
    x = "thcs_to_gdnn_sc_tc"
    obs = pd.DataFrame([_row(0, "vn.p.a", x, 2024, 0.10, "share", 300), _row(1, "vn.p.b", x, 2024, 0.40, "share", 100)])
    (agg,) = aggregate_children(obs, _GEOS, "vn.p", x)
    assert agg.value_share == pytest.approx(70 / 400)
    assert agg.se_share is None  # every commune reported


def test_without_denominators_the_weights_are_the_graduate_counts():
    """Counts of thcs_graduates 2024: A 900, B 100 -> (0.9 * 0.2 + 0.1 * 0.6) = 24 %; B's count is of 2022 (the
    latest before 2024, the one rule of :func:`simlib.vocab.count_for_year`)."""
    x = "thcs_to_gdnn_sc_tc"
    obs = pd.DataFrame([_row(0, "vn.p.a", x, 2024, 0.20, "share"), _row(1, "vn.p.b", x, 2024, 0.60, "share"),
                        _row(2, "vn.p.a", "thcs_graduates", 2024, 900, "students"),
                        _row(3, "vn.p.b", "thcs_graduates", 2022, 100, "students"),
                        _row(4, "vn.p.b", "thcs_graduates", 2026, 5000, "students")])
    (agg,) = aggregate_children(obs, _GEOS, "vn.p", x, weight_indicator="thcs_graduates")
    assert agg.value_share == pytest.approx(0.9 * 0.2 + 0.1 * 0.6)


def test_a_pooled_share_weights_each_origin_by_its_graduates():
    """vet_share_pooled: THCS 1,000 graduates of whom 100 go vocational, THPT 250 of whom 100:
    200 / 1,250 = 16 % (the mean of 10 % and 40 % would be 25 %)."""
    reg = registry(load_bundle().indicators)
    ind = reg["vet_share_pooled"]
    assert ind.origins == ("thcs", "thpt")
    arr = lambda v: np.full((1, 1, 1), float(v))  # noqa: E731
    intake = {("thcs", "trung_cap"): arr(60), ("thcs", "so_cap"): arr(40), ("thcs", "thpt_public"): arr(900),
              ("thpt", "cao_dang"): arr(100), ("thpt", "dai_hoc"): arr(150)}
    res = types.SimpleNamespace(intake=intake, graduates={"thcs": arr(1000), "thpt": arr(250)})
    assert ScenarioResult.flow_share(res, ind)[0, 0, 0] == pytest.approx(200 / 1250)


# --------------------------------------------------------------------------
# the vocabulary
# --------------------------------------------------------------------------
def test_a_units_count_for_a_year_is_its_own_else_the_latest_before_else_the_earliest_after():
    counts = {2019: 800.0, 2022: 1000.0, 2026: 1500.0}
    assert count_for_year(counts, 2022) == (1000.0, 2022)
    assert count_for_year(counts, 2024) == (1000.0, 2022)  # not the later 2026
    assert count_for_year(counts, 2030) == (1500.0, 2026)
    assert count_for_year(counts, 2010) == (800.0, 2019)
    assert count_for_year({2020: float("nan"), 2023: 7.0}, 2021) == (7.0, 2023)


def test_the_vocational_tracks_come_from_the_registry():
    tracks = track_group(load_bundle().indicators, "vocational")
    assert set(tracks) == {"so_cap", "trung_cap", "trung_hoc_nghe", "cao_dang"}
    from simlib.scenarios.engine import VOCATIONAL_TRACKS  # the engine's copy (scenario stage) must not drift

    assert set(VOCATIONAL_TRACKS) == set(tracks)
    with pytest.raises(KeyError, match="unknown track group"):
        track_group([], "academic")
