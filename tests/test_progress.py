"""Tests for simlib.assess.progress (shares are fractions 0-1; changes are fractions per year).

Expected values are computed by hand or from the known data-generating process,
never copied from the code's own output.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simlib.assess import progress as P


def logit(p):
    return math.log(p / (1 - p))


def expit(z):
    return 1 / (1 + math.exp(-z))


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def uniform_panel():
    """80 units x 11 years; every annual change ~ Uniform(0, 0.02), independent of the level.

    So the true conditional quantile is Q_tau(change | start) = 0.02 * tau everywhere.
    """
    rng = np.random.default_rng(20240611)
    rows = []
    for u in range(80):
        y = rng.uniform(0.05, 0.6)
        for yr in range(2000, 2011):
            rows.append((f"u{u:02d}", yr, y))
            y += rng.uniform(0.0, 0.02)
    return pd.DataFrame(rows, columns=["unit", "year", "value"])


@pytest.fixture(scope="module")
def uniform_frontier(uniform_panel):
    return P.fit_frontier(P.episodes(uniform_panel))


def linear_frontier(taus, coef):
    """Hand-built degree-1 frontier on [0, 1]: Q_tau(x) = c0 (1 - x) + c1 x (before sorting)."""
    coef = np.asarray(coef, float)
    return P.Frontier(taus=tuple(taus), coef=coef, knots=np.array([0.0, 0.0, 1.0, 1.0]),
                      degree=1, support=(0.0, 1.0), n_units=10, n_episodes=100)


@pytest.fixture
def flat_frontier():
    """Start-independent quantiles: Q_0.1 = 0.01, Q_0.9 = 0.03, linear in tau in between.

    So Q_tau = 0.01 + 0.025 (tau - 0.1); Q_0.5 = 0.02.
    """
    return linear_frontier((0.1, 0.9), [[0.01, 0.01], [0.03, 0.03]])


# --------------------------------------------------------------------------- F1 required pace


def test_required_pace_long_an_thcs():
    pace = P.required_pace(0.1319, 2021, 0.4012, 2025)
    # (40.12 - 13.19) / 4 = 26.93 / 4
    assert pace.points_per_year == pytest.approx(6.7325, abs=1e-9)
    expected_logit = (math.log(0.4012 / 0.5988) - math.log(0.1319 / 0.8681)) / 4
    assert pace.logit_per_year == pytest.approx(expected_logit, rel=1e-12)
    assert pace.years == 4


def test_required_pace_negative_when_target_below_start():
    pace = P.required_pace(0.5, 2020, 0.4, 2025)
    assert pace.points_per_year == pytest.approx(-2.0)
    assert pace.logit_per_year < 0


@pytest.mark.parametrize("target_year", [2021, 2020])
def test_bad_years_raise_clear_error(target_year):
    with pytest.raises(ValueError, match="must be after the latest evidence"):
        P.required_pace(0.13, 2021, 0.40, target_year)
    with pytest.raises(ValueError, match="must be after the latest evidence"):
        P.feasible_progress(0.13, 2021, 0.40, target_year, slope_mean=0.07, slope_sd=0.2)
    with pytest.raises(ValueError, match="must be after the latest evidence"):
        P.logistic_benchmark(0.13, 2021, 0.40, target_year, 0.07, 0.2)


@pytest.mark.parametrize("start,target", [(13.19, 0.4), (0.13, 40.12), (0.0, 0.4), (0.13, 1.0)])
def test_shares_outside_open_unit_interval_raise(start, target):
    with pytest.raises(ValueError, match="between 0 and 1"):
        P.required_pace(start, 2021, target, 2025)


@pytest.mark.parametrize(
    "observed,label",
    [
        (0.95, "on track"),
        (2.0, "on track"),
        (0.9499, "fair progress, acceleration needed"),
        (0.5, "fair progress, acceleration needed"),
        (0.4999, "limited or no progress"),
        (0.0, "limited or no progress"),
        (-0.1, "limited or no progress"),
        (-0.1001, "deterioration"),
    ],
)
def test_progress_class_boundaries(observed, label):
    cr, got = P.progress_class(observed, 1.0)
    assert cr == pytest.approx(observed)
    assert got == label


def test_progress_class_ratio_and_special_cases():
    cr, label = P.progress_class(2.53, 6.7325)
    assert cr == pytest.approx(2.53 / 6.7325)
    assert label == "limited or no progress"
    for req in (0.0, -1.0):
        cr, label = P.progress_class(1.0, req)
        assert math.isnan(cr) and label == "target already reached"
    custom = ((1.0, "fast"), (-math.inf, "slow"))
    assert P.progress_class(0.96, 1.0, custom)[1] == "slow"


def test_anticipated_gap_signs():
    # target 40 %, baseline 10 %: 30 points required
    assert P.anticipated_gap(0.40, 0.45, 0.10) == pytest.approx(-0.05 / 0.30)  # on track
    assert P.anticipated_gap(0.40, 0.40, 0.10) == pytest.approx(0.0)
    assert P.anticipated_gap(0.40, 0.25, 0.10) == pytest.approx(0.5)  # acceleration needed
    assert P.anticipated_gap(0.40, 0.10, 0.10) == pytest.approx(1.0)  # no progress
    assert P.anticipated_gap(0.40, 0.05, 0.10) == pytest.approx(0.35 / 0.30)  # backwards
    assert math.isnan(P.anticipated_gap(0.40, 0.30, 0.40))
    # a reduction target (below the baseline) keeps the same reading
    assert P.anticipated_gap(0.10, 0.20, 0.30) == pytest.approx(0.5)


# --------------------------------------------------------------------------- episodes


def test_episodes_gaps_and_windows():
    panel = pd.DataFrame({
        "unit": ["A", "A", "A", "B", "B"],
        "year": [2010, 2011, 2014, 2012, 2013],
        "value": [0.10, 0.12, 0.21, 0.50, np.nan],
    })
    ep = P.episodes(panel)
    assert list(ep.columns[:5]) == ["unit", "start_year", "start", "change", "change_logit"]
    assert len(ep) == 2  # B has one usable value only
    assert ep["start_year"].tolist() == [2010, 2011]
    assert ep["change"].tolist() == pytest.approx([0.02, 0.09 / 3])
    assert ep["change_logit"].tolist() == pytest.approx(
        [logit(0.12) - logit(0.10), (logit(0.21) - logit(0.12)) / 3])

    ep2 = P.episodes(panel, window=2)  # 2010 -> 2014 (2011 is too close), 2011 -> 2014
    assert ep2["start_year"].tolist() == [2010, 2011]
    assert ep2["end_year"].tolist() == [2014, 2014]
    assert ep2["change"].tolist() == pytest.approx([0.11 / 4, 0.09 / 3])


def test_episodes_custom_columns_and_bad_input():
    panel = pd.DataFrame({"geo": ["x", "x"], "yr": [2020, 2021], "share": [0.2, 0.25]})
    ep = P.episodes(panel, unit="geo", year="yr", value="share")
    assert ep["change"].tolist() == pytest.approx([0.05])
    with pytest.raises(ValueError, match="between 0 and 1"):
        P.episodes(panel.assign(share=[20.0, 25.0]), unit="geo", year="yr", value="share")
    with pytest.raises(ValueError, match="more than one value"):
        P.episodes(pd.DataFrame({"unit": ["a", "a"], "year": [1, 1], "value": [0.1, 0.2]}))
    with pytest.raises(ValueError, match="column"):
        P.episodes(panel)


# --------------------------------------------------------------------------- hand-built frontiers


def test_rearrangement_fixes_crossing_curves():
    # raw curves: tau 0.25 rises 0 -> 0.02, tau 0.75 falls 0.01 -> 0: they cross at x = 1/3
    fr = linear_frontier((0.25, 0.75), [[0.0, 0.02], [0.01, 0.0]])
    raw = fr.curves([1.0], rearrange=False)[0]
    assert raw[0] > raw[1]  # crossed before rearrangement
    assert fr.quantile_change(1.0, 0.25) == pytest.approx(0.0)
    assert fr.quantile_change(1.0, 0.75) == pytest.approx(0.02)
    assert fr.quantile_change(1.0, 0.5) == pytest.approx(0.01)
    # x = 0.5: raw values 0.01 and 0.005, sorted 0.005 <= 0.01; midway tau -> 0.0075
    assert fr.quantile_change(0.5, 0.5) == pytest.approx(0.0075)
    # outside the fitted taus: nearest curve; outside the support: clamped
    assert fr.quantile_change(0.0, 0.01) == pytest.approx(0.0)
    assert fr.quantile_change(0.0, 0.99) == pytest.approx(0.01)
    assert fr.quantile_change(-0.5, 0.99) == pytest.approx(0.01)


def test_percentile_path_by_hand(flat_frontier):
    path = P.percentile_path(flat_frontier, 0.2, 2021, 2025, 0.5)
    assert path.index.tolist() == [2021, 2022, 2023, 2024, 2025]
    assert path.to_numpy() == pytest.approx([0.20, 0.22, 0.24, 0.26, 0.28])
    # clipped at 1: Q_0.9 = 0.03 per year from 0.95
    top = P.percentile_path(flat_frontier, 0.95, 2021, 2025, 0.9)
    assert top.iloc[-1] == 1.0 and top.iloc[1] == pytest.approx(0.98)
    # a half-year last step: 2 years at tau 0.1 (0.01/yr) over 2021 -> 2023.5 = 0.025
    half = P.percentile_path(flat_frontier, 0.2, 2021, 2023.5, 0.1)
    assert half.iloc[-1] == pytest.approx(0.225)


def test_required_percentile_and_speed_by_hand(flat_frontier):
    # 0.2 -> 0.28 in 4 years needs 0.02/yr = Q_0.5
    assert P.required_percentile(flat_frontier, 0.2, 2021, 0.28, 2025) == pytest.approx(0.5, abs=2e-4)
    # 0.025/yr: 0.01 + 0.025 (tau - 0.1) = 0.025 -> tau = 0.7
    assert P.required_percentile(flat_frontier, 0.2, 2021, 0.30, 2025) == pytest.approx(0.7, abs=2e-4)
    # 0.0253/yr lies between grid points: tau = 0.1 + 0.0153 / 0.025 = 0.712 (needs the bisection)
    assert P.required_percentile(flat_frontier, 0.2, 2021, 0.3012, 2025) == pytest.approx(0.712, abs=2e-4)
    # 0.035/yr is above Q_0.9 = 0.03: unreachable
    assert P.required_percentile(flat_frontier, 0.2, 2021, 0.34, 2025) is None
    # speed: 0.025/yr needed, median 0.02/yr -> 1.25x; 0.08 / 0.02 = 4 years at median speed
    sp = P.speed_multiple(flat_frontier, 0.2, 2021, 0.30, 2025)
    assert sp.multiple == pytest.approx(1.25, rel=1e-9)
    assert sp.years_at_median == pytest.approx(5.0, rel=1e-9)
    assert sp.reason == ""
    assert P.speed_multiple(flat_frontier, 0.3, 2021, 0.2, 2025).multiple == 0.0


def test_speed_cannot_be_computed_without_median_progress():
    # Q_0.1 = -0.02, Q_0.9 = 0.01 -> median -0.005 < 0
    fr = linear_frontier((0.1, 0.9), [[-0.02, -0.02], [0.01, 0.01]])
    sp = P.speed_multiple(fr, 0.2, 2021, 0.3, 2025)
    assert math.isnan(sp.multiple)
    assert "cannot be computed" in sp.reason


# --------------------------------------------------------------------------- fitted frontier, known answer


def test_frontier_recovers_known_quantiles(uniform_frontier):
    fr = uniform_frontier
    assert fr.n_units == 80 and fr.n_episodes == 800
    assert fr.support[0] >= 0.05 and fr.support[1] <= 0.6 + 0.2
    assert fr.notes == ()
    x = np.linspace(0.15, 0.6, 10)
    for tau in (0.2, 0.5, 0.8):
        assert np.max(np.abs(fr.quantile_change(x, tau) - 0.02 * tau)) < 0.003, tau
    # between fitted taus: true value at 0.75 is 0.015
    assert fr.quantile_change(0.33, 0.75) == pytest.approx(0.015, abs=0.002)


def test_frontier_non_crossing(uniform_panel):
    # a small, noisy panel makes raw quantile curves prone to crossing
    small = uniform_panel[uniform_panel["unit"].isin([f"u{i:02d}" for i in range(8)])]
    fr = P.fit_frontier(P.episodes(small), taus=np.arange(0.05, 0.96, 0.05), df=5)
    xs = np.linspace(fr.support[0] - 0.05, fr.support[1] + 0.05, 101)
    taus = np.linspace(0.0, 1.0, 101)
    q = np.column_stack([fr.quantile_change(xs, t) for t in taus])
    assert np.all(np.diff(q, axis=1) >= -1e-15)


def test_required_percentile_known_answer(uniform_frontier):
    # 0.30 -> 0.36 in 4 years needs 0.015/yr, the true 75th percentile of Uniform(0, 0.02)
    tau = P.required_percentile(uniform_frontier, 0.30, 2021, 0.36, 2025)
    assert tau == pytest.approx(0.75, abs=0.05)
    # 0.03/yr is above every possible change (max 0.02/yr)
    assert P.required_percentile(uniform_frontier, 0.30, 2021, 0.42, 2025) is None


def test_speed_multiple_known_answer(uniform_frontier):
    sp = P.speed_multiple(uniform_frontier, 0.30, 2021, 0.36, 2025)
    assert sp.multiple == pytest.approx(0.015 / 0.010, abs=0.15)  # required / true median
    median_mid = uniform_frontier.quantile_change(0.33, 0.5)
    assert sp.multiple == pytest.approx(0.015 / median_mid, rel=0.05)


def test_feasible_progress_peer_panel(uniform_panel, uniform_frontier):
    # the 1-year variant, unbalanced, is the consecutive-episode frontier
    res = P.feasible_progress(0.30, 2021, 0.36, 2025, panel=uniform_panel, spell_years=None, balance=False)
    assert res.method == "peer_panel"
    assert (res.n_units, res.n_episodes) == (80, 800)
    assert res.tau_star == pytest.approx(
        P.required_percentile(uniform_frontier, 0.30, 2021, 0.36, 2025), abs=1e-9)
    assert res.verdict == P.feasibility_verdict(res.tau_star)
    assert set(res.reachable) == {0.5, 0.75, 0.9}
    # the target is reached at tau iff tau >= tau*
    for t, v in res.reachable.items():
        assert (v >= 0.36) == (t >= res.tau_star)
    assert "80 units" in res.note and "weighted equally" not in res.note

    # a fitted frontier can be reused for other targets
    again = P.feasible_progress(0.30, 2021, 0.36, 2025, frontier=uniform_frontier)
    assert again.tau_star == res.tau_star and again.note == res.note

    out = P.feasible_progress(0.30, 2021, 0.42, 2025, frontier=uniform_frontier)
    assert math.isnan(out.tau_star)
    assert out.verdict == "historically unprecedented"

    done = P.feasible_progress(0.40, 2021, 0.36, 2025, frontier=uniform_frontier)
    assert done.verdict == "already reached" and math.isnan(done.tau_star)

    with pytest.raises(ValueError, match="not both"):
        P.feasible_progress(0.30, 2021, 0.36, 2025, panel=uniform_panel, frontier=uniform_frontier)


def test_higher_target_never_lowers_tau_star(uniform_panel, uniform_frontier):
    targets = np.linspace(0.31, 0.40, 10)
    taus = [P.required_percentile(uniform_frontier, 0.30, 2021, y, 2025) for y in targets]
    taus = [math.inf if t is None else t for t in taus]
    assert all(b >= a for a, b in zip(taus, taus[1:]))
    assert taus[0] < 0.5 and taus[-1] == math.inf  # the range spans easy to impossible

    lg = [P.logistic_benchmark(0.1319, 2021, y, 2025, 0.07, 0.2).tau_star
          for y in np.linspace(0.14, 0.5, 15)]
    assert all(b > a for a, b in zip(lg, lg[1:]))


def test_fit_frontier_records_solver_warnings_instead_of_raising(uniform_panel):
    fr = P.fit_frontier(P.episodes(uniform_panel), taus=(0.5,), max_iter=1)
    assert any("stopped at 1 iterations" in n for n in fr.notes)


def test_fit_frontier_bad_input():
    ep = pd.DataFrame({"unit": list("abcdefgh"), "start": [0.2] * 8, "change": [0.01] * 8})
    with pytest.raises(ValueError, match="different start levels"):
        P.fit_frontier(ep)
    with pytest.raises(ValueError, match="too few"):
        P.fit_frontier(ep.assign(start=np.linspace(0.1, 0.5, 8)).head(5))
    with pytest.raises(ValueError, match="taus"):
        P.fit_frontier(ep, taus=(0.0, 0.5))


# --------------------------------------------------------------------------- spells and balancing


def test_spells_by_hand_stay_inside_each_unit():
    """Shortest spell of 5-10 years from each start, within the unit.

    a: 2000 -> 2006 (the first figure at least 5 years on; gap 6), 2003 -> 2012 (gap 9),
       2006 -> 2012 (gap 6); 2012 and 2013 have no end 5-10 years on; 2000 -> 2013 would
       be 13 years. b: 2001 -> 2011 (gap 10); 2011 has none. No spell runs from a into b
       (sdgtrackr's ungrouped leads would pair a's last years with b's first ones).
    Balancing: 4 spells, 2 units, a has 3, b has 1 -> weights 4/(2*3) and 4/(2*1).
    """
    panel = pd.DataFrame({
        "unit": ["a"] * 5 + ["b"] * 2,
        "year": [2000, 2003, 2006, 2012, 2013, 2001, 2011],
        "value": [0.10, 0.12, 0.16, 0.22, 0.25, 0.30, 0.20],
    })
    sp = P.spells(panel)
    got = list(zip(sp["unit"], sp["start_year"], sp["end_year"], sp["gap"]))
    assert got == [("a", 2000, 2006, 6), ("a", 2003, 2012, 9), ("a", 2006, 2012, 6), ("b", 2001, 2011, 10)]
    assert sp["change"].tolist() == pytest.approx([0.06 / 6, 0.10 / 9, 0.06 / 6, -0.10 / 10])
    assert sp["change_logit"].iloc[1] == pytest.approx((logit(0.22) - logit(0.12)) / 9)
    assert sp["weight"].tolist() == pytest.approx([2 / 3, 2 / 3, 2 / 3, 2.0])
    assert sp.groupby("unit")["weight"].sum().tolist() == pytest.approx([2.0, 2.0])
    assert P.spells(panel, balance=False)["weight"].tolist() == [1.0] * 4
    # 3-4 year spells: a 2000 -> 2003, 2003 -> 2006; none from 2006 (6 years to 2012)
    short = P.spells(panel, years=(3, 4))
    assert list(zip(short["start_year"], short["end_year"])) == [(2000, 2003), (2003, 2006)]
    with pytest.raises(ValueError, match="shortest"):
        P.spells(panel, years=(6, 5))


def test_weighted_frontier_equals_duplicated_rows():
    """Weights w on rows = the same rows repeated w times (integer weights), for every tau."""
    rng = np.random.default_rng(3)
    n = 60
    ep = pd.DataFrame({"unit": [f"u{i % 12}" for i in range(n)], "start": rng.uniform(0.05, 0.6, n),
                       "change": rng.normal(0.01, 0.01, n), "weight": rng.integers(1, 4, n).astype(float)})
    rep = ep.loc[ep.index.repeat(ep["weight"].astype(int))].drop(columns="weight")
    fw = P.fit_frontier(ep, df=2)
    fr = P.fit_frontier(rep, df=2)
    xs = np.linspace(0.1, 0.55, 7)
    assert fw.weighted and not fr.weighted
    assert np.allclose(fw.curves(xs), fr.curves(xs), atol=2e-5)
    # and the weights do change the fit (the test would pass trivially otherwise)
    assert not np.allclose(P.fit_frontier(ep, df=2, weights=None).curves(xs), fw.curves(xs), atol=2e-5)
    with pytest.raises(ValueError, match="positive"):
        P.fit_frontier(ep.assign(weight=0.0))


def test_balancing_stops_one_busy_unit_dominating():
    """One unit with many fast spells and nine units with one slow spell each.

    Unbalanced, the fast unit's 40 spells are 82 % of the rows, so the median change is fast;
    balanced, it is one unit in ten and the median is the slow one.
    """
    rows = [("busy", y, 0.10 + 0.02 * (y - 1980)) for y in range(1980, 2025)]  # +2 points a year
    for u in range(9):
        rows += [(f"slow{u}", 2000, 0.10 + 0.02 * u), (f"slow{u}", 2005, 0.10 + 0.02 * u + 0.005 * 5)]
    panel = pd.DataFrame(rows, columns=["unit", "year", "value"])
    sp = P.spells(panel)
    assert (sp["unit"] == "busy").sum() == 40 and len(sp) == 49
    bal = P.fit_frontier(sp, taus=(0.5,), df=1)
    unbal = P.fit_frontier(sp, taus=(0.5,), df=1, weights=None)
    x = 0.2
    assert unbal.quantile_change(x, 0.5) == pytest.approx(0.02, abs=1e-6)
    assert bal.quantile_change(x, 0.5) == pytest.approx(0.005, abs=1e-6)


def test_spell_frontier_matches_independent_reference(uniform_panel):
    """Annual changes ~ U(0, 0.02) iid: a 5-year spell's annualised change is the mean of
    five of them. Its quantiles are computed here by simulation, independently of the fit."""
    ref_rng = np.random.default_rng(99)
    means = ref_rng.uniform(0, 0.02, (400_000, 5)).mean(axis=1)
    fr = P.fit_frontier(P.spells(uniform_panel), taus=(0.25, 0.5, 0.75), df=1)
    for tau in (0.25, 0.5, 0.75):
        assert fr.quantile_change(0.35, tau) == pytest.approx(np.quantile(means, tau), abs=0.0012)


def test_feasible_progress_defaults_to_balanced_spells(uniform_panel):
    # 0.30 -> 0.345 in 4 years needs 0.01125 a year: above the median pace (0.01)
    res = P.feasible_progress(0.30, 2021, 0.345, 2025, panel=uniform_panel)
    sp = P.spells(uniform_panel)
    assert len(sp) == 80 * 6  # starts 2000-2005 reach an end 5 years on
    assert (res.n_units, res.n_episodes) == (80, 480)
    ref = P.fit_frontier(sp)
    assert res.tau_star == pytest.approx(P.required_percentile(ref, 0.30, 2021, 0.345, 2025), abs=1e-9)
    assert "every unit weighted equally" in res.note
    one_year = P.feasible_progress(0.30, 2021, 0.345, 2025, panel=uniform_panel, spell_years=None)
    # 1-year changes are U(0, 0.02): 0.01125 is their 56th percentile. 5-year paces (means of five)
    # are less spread, so the same pace is a higher percentile of them.
    assert one_year.tau_star == pytest.approx(0.5625, abs=0.03)
    assert res.tau_star > one_year.tau_star + 0.05


# --------------------------------------------------------------------------- logistic fallback


def test_logistic_benchmark_by_hand():
    lb = P.logistic_benchmark(0.1319, 2021, 0.4012, 2025, 0.07, 0.20)
    b_req = (logit(0.4012) - logit(0.1319)) / 4
    assert lb.b_req == pytest.approx(b_req)
    assert lb.tau_star == pytest.approx(stats.norm.cdf((b_req - 0.07) / 0.20))
    assert lb.speed_multiple == pytest.approx(b_req / 0.07)
    b90 = 0.07 + 0.20 * stats.norm.ppf(0.9)
    assert lb.reachable[0.9] == pytest.approx(expit(logit(0.1319) + 4 * b90))
    assert lb.value_at(0.5) == pytest.approx(expit(logit(0.1319) + 4 * 0.07))
    # reaching exactly the value at tau gives back tau
    back = P.logistic_benchmark(0.1319, 2021, lb.value_at(0.6), 2025, 0.07, 0.20)
    assert back.tau_star == pytest.approx(0.6)
    assert math.isnan(P.logistic_benchmark(0.1319, 2021, 0.4, 2025, -0.01, 0.2).speed_multiple)
    with pytest.raises(ValueError, match="slope_sd"):
        P.logistic_benchmark(0.1319, 2021, 0.4012, 2025, 0.07, 0.0)


def test_thin_panel_falls_back_to_logistic():
    thin = pd.DataFrame({"unit": ["long_an"] * 5, "year": range(2017, 2022),
                         "value": [0.10, 0.11, 0.115, 0.125, 0.1319]})
    # five consecutive years hold no spell of 5-10 years
    spelled = P.feasible_progress(0.1319, 2021, 0.4012, 2025, panel=thin, slope_mean=0.07, slope_sd=0.20)
    assert spelled.method == "logistic_fallback" and (spelled.n_units, spelled.n_episodes) == (0, 0)
    assert "0 units, 0 spells of 5-10 years; 5 units and 20 spells needed" in spelled.note
    res = P.feasible_progress(0.1319, 2021, 0.4012, 2025, panel=thin, slope_mean=0.07, slope_sd=0.20,
                              spell_years=None)
    assert res.method == "logistic_fallback"
    assert (res.n_units, res.n_episodes) == (1, 4)
    b_req = (logit(0.4012) - logit(0.1319)) / 4
    tau = stats.norm.cdf((b_req - 0.07) / 0.20)
    assert res.tau_star == pytest.approx(tau)
    assert 0.9 < tau < 1 and res.verdict == "historically unprecedented"
    assert res.speed_multiple == pytest.approx(b_req / 0.07)
    assert "1 unit, 4 episodes" in res.note
    assert "5 units and 20 episodes needed" in res.note
    assert "N(0.07, 0.20²)" in res.note
    assert res.pace.points_per_year == pytest.approx(6.7325)


def test_start_outside_peer_support_falls_back(uniform_frontier):
    res = P.feasible_progress(0.01, 2021, 0.03, 2025, frontier=uniform_frontier,
                              slope_mean=0.07, slope_sd=0.20)
    assert res.method == "logistic_fallback"
    assert "outside the peers' range" in res.note


def test_no_panel_no_prior_is_not_assessed():
    res = P.feasible_progress(0.1319, 2021, 0.4012, 2025)
    assert res.method == "none" and res.verdict == "not assessed"
    assert math.isnan(res.tau_star)
    thin = pd.DataFrame({"unit": ["a", "a"], "year": [2020, 2021], "value": [0.1, 0.12]})
    res2 = P.feasible_progress(0.1319, 2021, 0.4012, 2025, panel=thin)
    assert res2.method == "none" and "too thin" in res2.note


@pytest.mark.parametrize(
    "tau,verdict",
    [
        (0.2, "realistic"),
        (0.5, "realistic"),
        (0.5001, "ambitious but feasible"),
        (0.75, "ambitious but feasible"),
        (0.8, "very ambitious"),
        (0.9, "very ambitious"),
        (0.95, "historically unprecedented"),
        (None, "historically unprecedented"),
        (math.nan, "historically unprecedented"),
    ],
)
def test_verdict_bands(tau, verdict):
    assert P.feasibility_verdict(tau) == verdict


def test_all_lists_public_names():
    for name in P.__all__:
        assert hasattr(P, name), name
