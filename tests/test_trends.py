"""Tests for simlib.models.trends (shares are fractions 0-1 throughout)."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from simlib.models import trends as T
from simlib.evidence.series import SeriesError
from simlib.models.trends import Observation, TrendError


# --------------------------------------------------------------------------- helpers


def make_series(geo, years, a, b, sigma, rng, indicator="x", y0=None):
    years = np.asarray(years)
    y0 = years[0] if y0 is None else y0
    z = a + b * (years - y0) + rng.normal(0.0, sigma, len(years))
    return [
        Observation(f"{geo}-{int(y)}", geo, indicator, int(y), value_share=float(special.expit(v)))
        for y, v in zip(years, z)
    ]


def long_an_thcs():
    return [
        Observation("LA-2021", "long_an", "thcs_gdnn", 2021, value_share=0.1319),
        Observation(
            "LA-2021-23", "long_an", "thcs_gdnn", 2023, year_first=2021, low_share=0.10,
            high_share=0.16, high_open=True, basis="unclear", flags="machine_translation",
        ),
    ]


def national():
    rows = [(2007, 0.045, "same", ""), (2008, 0.043, "same", ""), (2012, 0.02, "narrower", ""),
            (2014, 0.06, "unclear", "approximate"), (2019, 0.10, "narrower", "approximate")]
    return [Observation(f"VN-{y}", "vn", "thcs_gdnn", y, value_share=v, basis=b, flags=f)
            for y, v, b, f in rows]


# --------------------------------------------------------------------------- known answer / coverage


def test_known_answer_slope_recovered():
    rng = np.random.default_rng(20240601)
    truth = 0.15
    obs = make_series("A", range(2014, 2024), -2.0, truth, 0.1, rng)
    res = T.fit(obs, "logit_linear")
    lo, hi = res.slope_interval(0.05)
    assert lo < truth < hi
    assert hi - lo < 0.2  # 10 points pin the slope far better than the prior (sd 0.2)
    # and the next year is inside its 95 % interval
    true_2024 = special.expit(-2.0 + truth * 10)
    ci = res.conf_int(0.05, [2024])
    assert ci.loc[2024, "lower"] < true_2024 < ci.loc[2024, "upper"]


def test_coverage_80_on_simulated_series():
    rng = np.random.default_rng(7)
    hits = []
    for _ in range(200):
        b = rng.normal(0.07, 0.2)
        a = rng.normal(-1.8, 0.5)
        sigma = abs(rng.normal(0, 0.3))
        years = np.arange(2015, 2024)  # 6 train + 3 test
        z = a + b * (years - 2015) + rng.normal(0, sigma, len(years))
        obs = [Observation(f"s{y}", "u", "x", int(y), value_share=float(special.expit(v)))
               for y, v in zip(years[:6], z[:6])]
        res = T.fit(obs, "logit_linear")
        ci = res.conf_int(0.2, years[6:])
        truth = special.expit(z[6:])
        hits.extend((ci["lower"].to_numpy() <= truth) & (truth <= ci["upper"].to_numpy()))
    cov = float(np.mean(hits))
    assert 0.70 <= cov <= 0.90, cov


def test_naive_random_walk_interval_widens_and_centres_on_last():
    obs = [Observation("a", "u", "x", 2020, value_share=0.2), Observation("b", "u", "x", 2021, value_share=0.25)]
    res = T.fit(obs, "naive")
    fr = res.predict([2022, 2025, 2030])
    assert np.allclose(fr["median"], 0.25)
    width = (fr["q0.9"] - fr["q0.1"]).to_numpy()
    assert np.all(np.diff(width) > 0)
    # random-walk step sd (derived: 0.3295, see the prior test): 80 % logit half-width at lead h
    # is 1.2816 * step * sqrt(h)
    z = special.logit(fr.loc[2025, "q0.9"]) - special.logit(0.25)
    assert z == pytest.approx(1.2816 * T.derive_national_prior().rw_step_sd * 2, rel=1e-3)


def test_predict_quantiles_ordered_and_in_unit_interval():
    res = T.fit(long_an_thcs(), "logit_linear")
    fr = res.predict(range(2022, 2031))
    qcols = [c for c in fr.columns if c.startswith("q")]
    vals = fr[qcols].to_numpy()
    assert np.all(np.diff(vals, axis=1) >= 0)
    assert np.all((vals > 0) & (vals < 1))
    assert np.all((fr["median"] > fr["q0.35"]) & (fr["median"] < fr["q0.65"]))


# --------------------------------------------------------------------------- ranges


def test_range_pulls_fit_toward_its_interval():
    base = [Observation("a", "u", "x", 2019, value_share=0.10), Observation("b", "u", "x", 2020, value_share=0.10)]
    rng_obs = Observation("r", "u", "x", 2021, low_share=0.20, high_share=0.30)
    without = T.fit(base, "logit_linear").predict([2021])["median"].iloc[0]
    with_r = T.fit(base + [rng_obs], "logit_linear").predict([2021])["median"].iloc[0]
    assert with_r > without + 0.03
    # a wider range pulls less than a narrow one
    wide = Observation("r", "u", "x", 2021, low_share=0.12, high_share=0.60)
    narrow = Observation("r", "u", "x", 2021, low_share=0.33, high_share=0.37)
    m_wide = T.fit(base + [wide], "logit_linear").predict([2021])["median"].iloc[0]
    m_narrow = T.fit(base + [narrow], "logit_linear").predict([2021])["median"].iloc[0]
    assert m_narrow > m_wide


def test_range_rule_midpoint_and_sd():
    o = Observation("r", "u", "x", 2021, low_share=0.10, high_share=0.20)
    res = T.fit([o], "naive")
    p = res.points[0]
    lo, hi = special.logit(0.10), special.logit(0.20)
    assert p.z == pytest.approx((lo + hi) / 2)
    assert p.sd == pytest.approx((hi - lo) / 4)
    assert p.kind == "range"
    assert res.n_ranges == 1


def test_open_upper_end_and_lower_bound_only():
    closed = Observation("c", "u", "x", 2023, year_first=2021, low_share=0.10, high_share=0.16)
    opened = replace_obs(closed, high_open=True)
    lower_only = Observation("l", "u", "x", 2022, low_share=0.06)
    pc = T.fit([closed], "naive").points[0]
    po = T.fit([opened], "naive").points[0]
    pl = T.fit([lower_only], "naive").points[0]
    assert po.z > pc.z and po.sd > pc.sd
    assert po.z == pytest.approx((special.logit(0.10) + special.logit(0.16) + 0.4) / 2)
    assert po.kind == "open range" and pl.kind == "open range"
    assert pl.z > special.logit(0.06)
    assert pc.t == 2022.0  # multi-year statement placed at its middle year
    assert "open-ended" in T.fit([opened], "naive").summary()


def replace_obs(o, **kw):
    from dataclasses import replace

    return replace(o, **kw)


def test_point_with_stated_se_uses_delta_method():
    o = Observation("p", "u", "x", 2021, value_share=0.2, se_share=0.02)
    p = T.fit([o], "naive").points[0]
    assert p.sd == pytest.approx(0.02 / (0.2 * 0.8))


# --------------------------------------------------------------------------- basis


def test_other_basis_points_down_weighted_and_reported():
    base = [Observation(f"s{y}", "u", "x", y, value_share=0.10) for y in (2018, 2019, 2020)]
    same = Observation("o", "u", "x", 2021, value_share=0.30, basis="same")
    broader = replace_obs(same, basis="broader")
    m0 = T.fit(base, "logit_linear").predict([2021])["median"].iloc[0]
    m_same = T.fit(base + [same], "logit_linear").predict([2021])["median"].iloc[0]
    res_b = T.fit(base + [broader], "logit_linear")
    m_b = res_b.predict([2021])["median"].iloc[0]
    assert m0 < m_b < m_same
    assert res_b.n_other_basis == 1 and res_b.n_excluded == 0
    assert "down-weighted" in res_b.summary()
    assert res_b.points[-1].sd == pytest.approx(0.5)


def test_other_basis_excluded_when_asked():
    base = [Observation(f"s{y}", "u", "x", y, value_share=0.10) for y in (2018, 2019, 2020)]
    narrower = Observation("o", "u", "x", 2021, value_share=0.30, basis="narrower")
    res = T.fit(base + [narrower], "logit_linear", other_basis="exclude")
    ref = T.fit(base, "logit_linear")
    assert res.n_excluded == 1 and res.n_used == 3
    assert "EXCLUDED" in res.summary()
    assert res.predict([2022])["median"].iloc[0] == pytest.approx(ref.predict([2022])["median"].iloc[0])


def test_flags_inflate_variance():
    o = Observation("t", "u", "x", 2021, value_share=0.1451, flags="ambiguous_denominator;machine_translation")
    p = T.fit([o], "naive").points[0]
    assert p.sd == pytest.approx(0.5)
    assert "machine_translation: noted only" in p.treatment


# --------------------------------------------------------------------------- methods


def test_local_linear_trend_runs_without_leaking_warnings():
    rng = np.random.default_rng(3)
    obs = make_series("A", range(2014, 2022), -2.0, 0.1, 0.05, rng)
    res = T.fit(obs, "local_linear_trend")  # filterwarnings=error would fail on a leak
    fr = res.predict([2022, 2024])
    assert fr["median"].between(0, 1).all()
    assert isinstance(res.converged, bool)
    if not res.converged:
        assert "did NOT converge" in res.summary()
    d = res.sample(50, [2022, 2024], np.random.default_rng(1))
    assert d.shape == (50, 2)
    with pytest.raises(TrendError, match="only forecasts whole years after"):
        res.predict([2020])


def test_local_linear_trend_too_few_points_error_and_fallback():
    obs = long_an_thcs()
    with pytest.raises(TrendError, match="needs at least 6 years"):
        T.fit(obs, "local_linear_trend")
    res = T.fit(obs, "local_linear_trend", fallback="logit_linear")
    assert res.method == "logit_linear"
    assert "fell back to 'logit_linear'" in res.summary()


def test_pooled_shrinks_short_unit_toward_panel():
    rng = np.random.default_rng(11)
    panel = []
    for i in range(8):
        panel += make_series(f"D{i}", range(2015, 2022), -1.5 + 0.2 * i, 0.15, 0.15, rng)
    # a unit with two noisy points that, alone, would suggest a fall
    short = [Observation("S1", "short", "x", 2020, value_share=0.30),
             Observation("S2", "short", "x", 2021, value_share=0.26)]
    alone = T.fit(short, "logit_linear").slope_interval(0.5)
    pooled = T.fit(panel + short, "pooled", unit="short")
    lo, hi = pooled.slope_interval(0.5)
    assert (lo + hi) / 2 > sum(alone) / 2
    assert "empirical Bayes" in pooled.summary()
    assert pooled.geography == "short" and pooled.n_used == 2


def test_backtest_tidy_frame_and_naive_reference():
    rng = np.random.default_rng(5)
    panel = []
    for i in range(4):
        panel += make_series(f"D{i}", range(2015, 2022), -1.8, 0.12, 0.1, rng)
    bt = T.backtest(panel, ["naive", "logit_linear", "pooled"], min_train=3, leads=(1, 2, 3))
    assert list(bt.columns) == ["method", "lead", "n_cases", "n_series", "mae", "mae_pp", "coverage_50",
                                "coverage_80", "coverage", "mae_naive", "mae_naive_pp", "relative_mae",
                                "n_skipped"]
    assert np.allclose(bt["coverage"], bt["coverage_80"]) and bt.attrs["level"] == 0.8
    assert set(bt["method"]) == {"naive", "logit_linear", "pooled"}
    assert set(bt["lead"]) == {1, 2, 3}
    assert bt["coverage_80"].between(0, 1).all()
    assert np.allclose(bt.loc[bt["method"] == "naive", "relative_mae"], 1.0)
    nat = T.backtest(national(), ["naive", "logit_linear", "local_linear_trend"], leads=None)
    # 5 national points: never enough for local_linear_trend, which is skipped and counted
    assert set(nat["method"]) == {"naive", "logit_linear"}
    assert nat.attrs["skipped"]["local_linear_trend"] > 0


def test_backtest_accepts_contract_frame():
    df = pd.DataFrame({
        "obs_id": [f"o{y}" for y in range(2015, 2021)], "geography": "g", "indicator": "x",
        "year": list(range(2015, 2021)), "year_first": pd.NA,
        "value_share": [0.1, 0.11, 0.12, 0.12, 0.14, 0.15], "low_share": np.nan, "high_share": np.nan,
        "high_open": False, "se_share": np.nan, "basis": "same", "flags": "",
    })
    cases = T.backtest(df, ["naive"], per_case=True)
    assert len(cases) > 0 and {"lead", "abs_error", "in_80"} <= set(cases.columns)


# --------------------------------------------------------------------------- compositions


def test_composition_draws_sum_to_one_and_stay_inside():
    df = pd.DataFrame({"thpt": [0.70, 0.69, 0.68, 0.66], "gdnn": [0.10, 0.11, 0.12, 0.13],
                       "gdtx": [0.12, 0.12, 0.12, 0.13], "exit": [0.08, 0.08, 0.08, 0.08]},
                      index=[2019, 2020, 2021, 2022])
    for method in ("logit_linear", "naive"):
        comp = T.fit_composition(df, method=method)
        d = comp.sample(2000, [2023, 2025, 2030], np.random.default_rng(2))
        assert d.shape == (2000, 3, 4)
        assert np.allclose(d.sum(axis=-1), 1.0)
        assert np.all((d > 0) & (d < 1))
    med = T.fit_composition(df).predict_median([2025])
    assert med.sum(axis=1).iloc[0] == pytest.approx(1.0)
    assert "sums to 1" in comp.summary()


def test_composition_errors():
    good = pd.DataFrame({"a": [0.4, 0.5], "b": [0.6, 0.5]}, index=[2020, 2021])
    with pytest.raises(TrendError, match="out of order or duplicated"):
        T.fit_composition(good.iloc[::-1])
    with pytest.raises(TrendError, match="out of order or duplicated"):
        T.fit_composition(pd.DataFrame({"a": [0.4, 0.5], "b": [0.6, 0.5]}, index=[2020, 2020]))
    with pytest.raises(TrendError, match="sum to 1"):
        T.fit_composition(pd.DataFrame({"a": [0.4, 0.5], "b": [0.5, 0.4]}, index=[2020, 2021]))
    with pytest.raises(TrendError, match="strictly between 0 and 1"):
        T.fit_composition(pd.DataFrame({"a": [0.0, 0.5], "b": [1.0, 0.5]}, index=[2020, 2021]))
    with pytest.raises(TrendError, match="empty"):
        T.fit_composition(pd.DataFrame())


# --------------------------------------------------------------------------- reproducibility


@pytest.mark.parametrize("method", ["naive", "logit_linear"])
def test_sampling_reproducible_with_seed(method):
    res = T.fit(long_an_thcs(), method)
    a = res.sample(300, [2024, 2025, 2030], np.random.default_rng(42))
    b = res.sample(300, [2024, 2025, 2030], np.random.default_rng(42))
    c = res.sample(300, [2024, 2025, 2030], np.random.default_rng(43))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.shape == (300, 3) and np.all((a > 0) & (a < 1))


def test_sample_matches_predict():
    res = T.fit(long_an_thcs(), "logit_linear")
    d = res.sample(40000, [2025], np.random.default_rng(0))[:, 0]
    fr = res.predict([2025])
    assert np.quantile(d, 0.5) == pytest.approx(fr["median"].iloc[0], abs=0.01)
    assert np.quantile(d, 0.9) == pytest.approx(fr["q0.9"].iloc[0], abs=0.015)
    assert res.prob_at_least(0.4012, 2025) == pytest.approx(np.mean(d >= 0.4012), abs=0.01)


@settings(max_examples=25, deadline=None)
@given(p=st.floats(0.001, 0.999), lo=st.floats(0.001, 0.5), w=st.floats(0.0, 0.49),
       open_=st.booleans(), method=st.sampled_from(["naive", "logit_linear"]))
def test_property_draws_inside_unit_interval(p, lo, w, open_, method):
    obs = [Observation("p", "u", "x", 2020, value_share=p),
           Observation("r", "u", "x", 2021, low_share=lo, high_share=lo + w, high_open=open_)]
    d = T.fit(obs, method).sample(200, [2022, 2030], np.random.default_rng(0))
    assert np.all((d > 0) & (d < 1))


# --------------------------------------------------------------------------- errors


def test_error_no_points():
    with pytest.raises(TrendError, match="No observations at all"):
        T.fit([], "logit_linear")
    with pytest.raises(TrendError, match="No observations at all"):
        T.fit([], "pooled", unit="x")


def test_error_all_incompatible_definitions():
    obs = [Observation("a", "u", "x", 2020, value_share=0.1, basis="broader"),
           Observation("b", "u", "x", 2021, value_share=0.1, basis="unclear")]
    with pytest.raises(TrendError, match="All 2 observation\\(s\\) are on a definition"):
        T.fit(obs, "logit_linear", other_basis="exclude")


def test_error_range_low_above_high():
    with pytest.raises(SeriesError, match="low end .* exceeds its high end"):
        Observation("r", "u", "x", 2021, low_share=0.3, high_share=0.2)


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.1, 13.19, float("nan")])
def test_error_share_outside_unit_interval(bad):
    with pytest.raises(SeriesError, match="outside \\(0, 1\\)|must be a number"):
        Observation("v", "u", "x", 2021, value_share=bad)


def test_error_years_out_of_order_or_duplicated():
    with pytest.raises(SeriesError, match="out of order"):
        Observation("v", "u", "x", 2021, year_first=2023, low_share=0.1, high_share=0.2)
    dup = [Observation("a", "u", "x", 2021, value_share=0.1), Observation("b", "u", "x", 2021, value_share=0.2)]
    with pytest.raises(TrendError, match="share the latest year"):
        T.fit(dup, "naive")
    rng = np.random.default_rng(0)
    obs = make_series("A", range(2014, 2022), -2.0, 0.1, 0.05, rng) + dup[:1]
    obs = [replace_obs(o, geography="A") for o in obs]
    with pytest.raises(TrendError, match="appear more than once"):
        T.fit(obs, "local_linear_trend")
    # logit_linear accepts two readings of one year as separate evidence
    assert T.fit(dup, "logit_linear").n_used == 2


def test_other_errors():
    with pytest.raises(SeriesError, match="neither a value nor a range"):
        Observation("v", "u", "x", 2021)
    with pytest.raises(SeriesError, match="basis"):
        Observation("v", "u", "x", 2021, value_share=0.1, basis="similar")
    with pytest.raises(TrendError, match="Unknown method"):
        T.fit(long_an_thcs(), "prophet")
    mixed = long_an_thcs() + [Observation("z", "other", "thcs_gdnn", 2021, value_share=0.2)]
    with pytest.raises(TrendError, match="several geographies"):
        T.fit(mixed, "logit_linear")
    with pytest.raises(TrendError, match="at least two geographies"):
        T.fit(long_an_thcs(), "pooled", unit="long_an")
    with pytest.raises(TrendError, match="no slope"):
        T.fit(long_an_thcs(), "naive").slope_interval()
    with pytest.raises(TrendError, match="alpha"):
        T.fit(long_an_thcs(), "naive").conf_int(1.5, [2025])
    assert issubclass(TrendError, ValueError) and issubclass(TrendError, SeriesError)


# --------------------------------------------------------------------------- adaptor, prior, plot


def test_observations_from_frame_handles_na_and_filters():
    df = pd.DataFrame({
        "obs_id": ["a", "b", "c"], "geography": ["long_an", "long_an", "vn"],
        "indicator": ["thcs", "thcs", "thcs"], "year": [2021, 2023, 2019],
        "year_first": [pd.NA, 2021, pd.NA], "value_share": [0.1319, np.nan, 0.10],
        "low_share": [np.nan, 0.10, np.nan], "high_share": [np.nan, 0.16, np.nan],
        "high_open": [False, True, pd.NA], "se_share": [np.nan, np.nan, np.nan],
        "basis": ["same", "unclear", "narrower"], "flags": ["", "machine_translation", pd.NA],
    })
    obs = T.observations_from_frame(df, indicator="thcs", geography="long_an")
    assert len(obs) == 2
    assert obs[0].value_share == 0.1319 and obs[0].year_first is None
    assert obs[1].is_range and obs[1].high_open and obs[1].year_first == 2021
    assert obs[1].flag_set == {"machine_translation"}
    allobs = T.observations_from_frame(df)
    assert allobs[2].flags == "" and allobs[2].high_open is False
    with pytest.raises(SeriesError, match="lacks the column"):
        T.observations_from_frame(df.drop(columns=["year"]))


def test_derive_national_prior_matches_documented_numbers():
    """Every number by hand from the five national points (4.5, 4.3, 2, 6, 10 % in 2007-2019)."""
    p = T.derive_national_prior()
    z = [math.log(v / (1 - v)) for v in (0.045, 0.043, 0.02, 0.06, 0.10)]
    yrs = [2007, 2008, 2012, 2014, 2019]
    assert p.raw_slope == pytest.approx((z[-1] - z[0]) / 12) and p.raw_slope == pytest.approx(0.0715, abs=5e-4)
    q = sorted((z[k + 1] - z[k]) ** 2 / (yrs[k + 1] - yrs[k]) for k in range(4))
    med = math.sqrt((q[1] + q[2]) / 2)  # median of four
    assert p.median_rms_step == pytest.approx(med) and med == pytest.approx(0.33, abs=0.005)
    assert p.rms_step == pytest.approx(math.sqrt(sum(q) / 4)) and p.rms_step == pytest.approx(0.47, abs=0.01)
    assert p.slope_mean == p.raw_slope and p.rw_step_sd == p.median_rms_step == p.sigma_scale
    assert p.drift_sd == pytest.approx(med / math.sqrt(12))
    assert p.slope_sd == pytest.approx(math.sqrt(med**2 / 12 + med**2 / 5))
    assert p.slope_sd == pytest.approx(0.175, abs=0.001)
    assert (p.n_points, p.first_year, p.last_year, p.span) == (5, 2007, 2019, 12.0)
    assert p.indicator == T.NATIONAL_INDICATOR


def test_derive_national_prior_derives_from_its_data():
    """A different history gives different priors (the old code returned 0.07 / 0.20 whatever it got)."""
    flat = T.derive_national_prior([(2010, 0.20, ""), (2012, 0.20, ""), (2014, 0.20, "")])
    assert flat.slope_mean == 0.0 and flat.rw_step_sd == 0.0 and flat.slope_sd == 0.0
    steep = T.derive_national_prior([(2010, 0.10, ""), (2011, 0.20, ""), (2012, 0.40, "")])
    z = [math.log(v / (1 - v)) for v in (0.10, 0.20, 0.40)]
    assert steep.slope_mean == pytest.approx((z[2] - z[0]) / 2)
    assert steep.rw_step_sd == pytest.approx(math.sqrt(((z[1] - z[0]) ** 2 + (z[2] - z[1]) ** 2) / 2))
    with pytest.raises(TrendError, match="at least three"):
        T.derive_national_prior([(2010, 0.1, ""), (2012, 0.2, "")])
    with pytest.raises(TrendError, match="one national point per year"):
        T.derive_national_prior([(2010, 0.1, ""), (2010, 0.2, ""), (2012, 0.2, "")])


def test_plot_fan_returns_figure_without_touching_rcparams():
    import matplotlib.pyplot as plt

    before = dict(matplotlib.rcParams)
    obs = long_an_thcs()
    res = T.fit(obs, "logit_linear")
    from simlib.present.trend_fan import plot_fan

    fig = plot_fan(res, obs, targets={"2025 target": 0.4012}, source="Source: test")
    assert isinstance(fig, matplotlib.figure.Figure)
    ax = fig.axes[0]
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "Based on 2 real observation(s)" in texts and "40.12 %" in texts
    assert dict(matplotlib.rcParams) == before
    plt.close(fig)


def test_long_an_summary_says_how_little_evidence():
    res = T.fit(long_an_thcs(), "logit_linear")
    s = res.summary()
    assert "Rests on 2 real observation(s): 1 range(s), 1 on a different definition" in s
    assert "very little evidence" in s
    assert math.isfinite(res.prob_at_least(0.4012, 2025))


# --------------------------------------------------------------------------- bundled data adaptor


def _frame(**cols):
    base = dict(obs_id=["tot", "comp", "noyear", "alt", "count"],
                geography=["g"] * 5, indicator=["ind"] * 5,
                breakdown=["", "route A", "", "", ""],
                year=pd.array([2021, 2021, pd.NA, 2021, 2021], dtype="Int64"),
                value_share=[0.1451, 0.05, 0.2, 0.0935, np.nan],
                unit=["percent", "percent", "percent", "percent", "students"],
                flags=["ambiguous_denominator", "component", "year_unknown",
                       "derived;alternative_reading;ambiguous_denominator", ""],
                derivation=[None, None, None, "14.51 % x 64.43 % (tot x other)", None])
    base.update(cols)
    return pd.DataFrame(base)


def test_observations_from_frame_default_keeps_totals_with_a_year_and_primary_reading():
    obs = T.observations_from_frame(_frame(), indicator="ind", geography="g")
    assert [o.obs_id for o in obs] == ["tot"]  # no component, no NA year, no alt reading, no count


def test_observations_from_frame_breakdown_and_flag_selection():
    df = _frame()
    assert [o.obs_id for o in T.observations_from_frame(df, breakdown="route A")] == ["comp"]
    everything = T.observations_from_frame(df, breakdown=None, readings="all")
    assert [o.obs_id for o in everything] == ["tot", "comp", "alt"]  # NA year and counts still skipped
    no_comp = T.observations_from_frame(df, breakdown=None, drop_flags=("component",))
    assert [o.obs_id for o in no_comp] == ["tot"]
    with pytest.raises(SeriesError, match="readings must be"):
        T.observations_from_frame(df, readings="both")


def test_alternative_reading_replaces_the_figure_it_rereads():
    df = _frame()
    alt = T.observations_from_frame(df, readings="alternative")
    assert [o.obs_id for o in alt] == ["alt"]
    # replacement also works through the obs_id prefix when the derivation names nothing
    df2 = _frame(obs_id=["x", "comp", "noyear", "x.alt", "count"], derivation=[None] * 5)
    assert [o.obs_id for o in T.observations_from_frame(df2, readings="alternative")] == ["x.alt"]


def test_fit_refuses_two_readings_of_one_figure():
    both = T.observations_from_frame(_frame(), readings="all")
    with pytest.raises(TrendError, match="two readings of one figure"):
        T.fit(both, "logit_linear")
    # each reading alone fits
    for r in ("primary", "alternative"):
        assert T.fit(T.observations_from_frame(_frame(), readings=r), "logit_linear").n_used == 1


def test_bundled_long_an_series_via_adaptor():
    from simlib.inputs import bundle as data

    df = data.load_observations()
    thcs = T.observations_from_frame(df, "thcs_to_gdnn_sc_tc", "vn.long_an")
    assert [o.obs_id for o in thcs] == ["la.2021.thcs_gdnn", "la.2021_2023.thcs_vocational_range"]
    thpt = T.observations_from_frame(df, "thpt_to_cao_dang", "vn.long_an")
    assert [(o.obs_id, o.value_share) for o in thpt] == [("la.2021.thpt_cd", 0.1451)]
    alt = T.observations_from_frame(df, "thpt_to_cao_dang", "vn.long_an", readings="alternative")
    assert [(o.obs_id, o.value_share) for o in alt] == [("la.2021.thpt_cd.alt", 0.0935)]
    # national totals only: the component routes of 2007/2008 and the year-unknown rows are out
    nat = T.observations_from_frame(df, "thcs_to_gdnn_sc_tc", "vn")
    assert all(o.year is not None for o in nat)
    assert not any("component" in o.flag_set for o in nat)
    ids = {o.obs_id for o in nat}
    assert {"vn.2007.thcs_gdnn_sum", "vn.2008.thcs_gdnn_sum"} <= ids
    assert not ids & {"vn.2007.thcs_voc_centres", "vn.2007.thcs_intermediate"}


def test_data_derived_national_prior_equals_documented():
    from simlib.inputs import bundle as data

    df = data.load_observations()
    hist = T.national_history(df)
    assert [(o.year, o.value_share) for o in hist] == [(y, v) for y, v, _ in T.NATIONAL_THCS_VOCATIONAL]
    p_data, p_doc = T.derive_national_prior(df), T.derive_national_prior()
    for name in ("raw_slope", "rms_step", "median_rms_step"):
        assert getattr(p_data, name) == pytest.approx(getattr(p_doc, name), abs=5e-3)
    assert p_data.slope_mean == p_data.raw_slope
    assert T.derive_national_prior(hist).raw_slope == pytest.approx(p_doc.raw_slope)


def test_simulate_panel_is_seeded_and_labelled_illustrative():
    from simlib.models.trends import simulate_panel

    a = simulate_panel(np.random.default_rng(4), n_units=3, years=range(2018, 2022))
    b = simulate_panel(np.random.default_rng(4), n_units=3, years=range(2018, 2022))
    assert len(a) == 12
    assert [o.value_share for o in a] == [o.value_share for o in b]
    assert all("illustrative" in o.flags and o.geography.startswith("illustrative_") for o in a)
    assert all(0 < o.value_share < 1 for o in a)


# --------------------------------------------------------------------------- rw_drift (the default)


def _ibm_num(a, b, n=1601):
    """Cov(int_0^a V, int_0^b V) = int_0^a int_0^b min(u, v) du dv, by the trapezoid rule (a, b >= 0)."""
    if a <= 0 or b <= 0:
        return 0.0
    u = np.linspace(0, a, n)
    v = np.linspace(0, b, n)
    inner = np.trapezoid(np.minimum(u[:, None], v[None, :]), v, axis=1)
    return float(np.trapezoid(inner, u))


def _brute_force_unit_panel(units, q, r, tau, w, m0, s0, drift_at=None, big=1e6):
    """Joint Gaussian of every observation and target by direct construction (independent reference).

    units: list of (times, values, known sds, target times). Levels get a N(0, big) prior (the
    flat prior in the limit), the common drift N(m0, s0^2), each unit's drift deviation
    N(0, tau^2), a Brownian path (sd q) and an integrated Brownian path (sd w) per unit from its
    first time (two-sided: independent copies before it), white noise r^2 + s^2 on observations
    and r^2 on targets. ``drift_at`` = (unit index, year): also the drift b_u(year) as a last target.
    """
    from scipy.linalg import block_diag

    n_u = len(units)
    n_theta = 1 + 2 * n_u  # mu, levels, drift deviations
    H, paths, noise, is_obs, y = [], [], [], [], []
    for j, (t, v, s, tt) in enumerate(units):
        allt = np.concatenate([np.asarray(t, float), np.asarray(tt, float)])
        x = allt - t[0]
        h = np.zeros((len(allt), n_theta))
        h[:, 0] = x
        h[:, 1 + j] = 1.0
        h[:, 1 + n_u + j] = x
        H.append(h)
        K = np.zeros((len(x), len(x)))
        for i1, a in enumerate(x):
            for i2, b in enumerate(x):
                if a * b > 0:
                    K[i1, i2] = q**2 * min(abs(a), abs(b)) + w**2 * _ibm_num(abs(a), abs(b))
        paths.append(K)
        noise += list(r**2 + np.asarray(s, float) ** 2) + [r**2] * len(tt)
        is_obs += [True] * len(t) + [False] * len(tt)
        y += list(v)
    H = np.vstack(H)
    P = np.diag([s0**2] + [big] * n_u + [tau**2] * n_u)
    m = np.zeros(n_theta)
    m[0] = m0
    S = H @ P @ H.T + block_diag(*paths) + np.diag(noise)
    mean = H @ m
    if drift_at is not None:  # b_u(at) = mu + d_u + w V(at - t0)
        j, at = drift_at
        t0 = units[j][0][0]
        sd = at - t0
        hv = np.zeros(n_theta)
        hv[0], hv[1 + n_u + j] = 1.0, 1.0
        cross = H @ P @ hv
        offset = sum(len(u[0]) + len(u[3]) for u in units[:j])
        allt = np.concatenate([np.asarray(units[j][0], float), np.asarray(units[j][3], float)])
        for i, tt in enumerate(allt):
            xx = tt - t0
            if xx > 0:  # Cov(V(sd), int_0^xx V) = int_0^xx min(sd, u) du
                uu = np.linspace(0, xx, 2001)
                cross[offset + i] += w**2 * float(np.trapezoid(np.minimum(sd, uu), uu))
        var = hv @ P @ hv + w**2 * sd
        S = np.block([[S, cross[:, None]], [cross[None, :], np.array([[var]])]])
        mean = np.r_[mean, m0]
        is_obs = is_obs + [False]
    return S, mean, np.array(is_obs), np.array(y), H, P, m


def test_rw_drift_predictive_equals_direct_gaussian_conditioning():
    """At one point of the hyper-parameters the predictive and the drift posterior are exact Gaussian
    conditionals, checked against a joint covariance built here (integrated-Brownian terms by
    numerical integration)."""
    from simlib.models import drift_walk as dw

    q, r, tau, w, m0, s0 = 0.3, 0.15, 0.1, 0.05, 0.05, 0.2
    prior = dw.WalkPrior(drift_mean=m0, drift_sd=s0, change_scale=w / 0.6745, coarse=(1, 1, 1),
                         bounds=((q, q), (r, r), (tau, tau), (0.001, 0.3), (0.004, 0.8)))
    u1 = ([2010, 2012, 2013, 2016], [-2.0, -1.7, -1.8, -1.2], [0.0, 0.2, 0.0, 0.1])
    u2 = ([2011, 2015], [-1.0, -0.6], [0.0, 0.0])
    fit = dw.fit_walk({"a": dw.UnitData.make(*u1), "b": dw.UnitData.make(*u2)}, prior, passes=1)
    assert fit.theta.shape == (1, 5) and fit.change[0] == pytest.approx(w)
    targets = [2017.0, 2019.0, 2008.0]  # two ahead, one before the first figure
    wts, mean, cov = fit.predictive("a", targets)
    S, mu, o, y, *_ = _brute_force_unit_panel([(*u1, targets), (*u2, [])], q, r, tau, w, m0, s0,
                                              drift_at=(0, 2016.0))
    t_idx = np.nonzero(~o)[0]
    So = S[np.ix_(o, o)]
    cm = mu[t_idx] + S[np.ix_(t_idx, o)] @ np.linalg.solve(So, y - mu[o])
    cc = S[np.ix_(t_idx, t_idx)] - S[np.ix_(t_idx, o)] @ np.linalg.solve(So, S[np.ix_(o, t_idx)])
    assert wts.shape == (1,)
    assert np.allclose(mean[0], cm[:3], atol=1e-4) and np.allclose(cov[0], cc[:3, :3], atol=1e-4)
    # the unit's drift now (at its last figure, 2016): mu + d_a + w V(6)
    wd, md, sd = fit.drift("a")
    assert md[0] == pytest.approx(cm[3], abs=1e-4)
    assert sd[0] == pytest.approx(math.sqrt(cc[3, 3]), abs=1e-4)


def test_rw_drift_grid_weights_are_prior_times_marginal_likelihood():
    """Two points (q = 0.2 and 0.3): weight ratio = likelihood ratio x half-normal prior ratio."""
    from scipy import stats as st

    from simlib.models import drift_walk as dw

    r, tau, m0, s0, scale = 0.1, 0.05, 0.05, 0.2, 0.3
    prior = dw.WalkPrior(drift_mean=m0, drift_sd=s0, step_scale=scale, coarse=(2, 1, 1),
                         bounds=((0.2, 0.3), (r, r), (tau, tau), (0.001, 0.3), (0.004, 0.8)))
    w = 0.6745 * prior.change_scale  # the drift change sits at its prior median on the coarse grid
    units = [([2010, 2012, 2013, 2016], [-2.0, -1.7, -1.8, -1.2], [0.0, 0.2, 0.0, 0.1]),
             ([2011, 2015], [-1.0, -0.6], [0.0, 0.0]), ([2014], [-0.3], [0.1])]
    fit = dw.fit_walk({str(i): dw.UnitData.make(*u) for i, u in enumerate(units)}, prior, passes=1)
    lls = []
    for q in (0.2, 0.3):
        S, mu, o, y, *_ = _brute_force_unit_panel([(*u, []) for u in units], q, r, tau, w, m0, s0, big=1e5)
        lls.append(st.multivariate_normal.logpdf(y, mu, S))
    prior_ratio = (0.2 / 0.3) * math.exp(-(0.2**2 - 0.3**2) / (2 * scale**2))  # half-normal in log q
    assert list(fit.step) == pytest.approx([0.2, 0.3])
    assert fit.weights[0] / fit.weights[1] == pytest.approx(math.exp(lls[0] - lls[1]) * prior_ratio, rel=1e-3)


def _rw_panel(rng, n_units, years, mu, tau, q, r, indicator="share_x"):
    """An independent random walk with drift on the logit scale, observed with noise r in every year."""
    obs = []
    for u in range(n_units):
        b = rng.normal(mu, tau)
        z = rng.normal(-1.5, 0.5) + np.cumsum(np.r_[0.0, b + rng.normal(0, q, len(years) - 1)])
        for yr, zz in zip(years, z + rng.normal(0, r, len(years))):
            obs.append(Observation(f"u{u}-{yr}", f"u{u}", indicator, int(yr), value_share=float(special.expit(zz))))
    return obs


def test_rw_drift_learns_hyper_parameters_from_the_panel():
    rng = np.random.default_rng(11)
    obs = _rw_panel(rng, 40, range(2010, 2020), mu=0.12, tau=0.05, q=0.15, r=0.05)
    res = T.fit(obs, "rw_drift_bayes", unit="u0")
    hq = res.dist.fit.hyper_quantiles((0.1, 0.5, 0.9))
    assert hq["drift"][0] < 0.12 < hq["drift"][2] and hq["drift"][2] - hq["drift"][0] < 0.06
    assert hq["step"][0] < 0.15 < hq["step"][2]
    assert hq["step"][1] == pytest.approx(0.15, rel=0.3)
    assert "Panel: 40 unit(s), 400 usable observation(s)" in res.summary()


@pytest.mark.parametrize("method", ["rw_drift", "rw_drift_bayes"])
def test_rw_drift_calibrated_on_an_independent_random_walk_panel(method):
    """Rolling-origin 80 % coverage near 0.8 and error below naive's on a panel the model did not make."""
    rng = np.random.default_rng(2024)
    obs = _rw_panel(rng, 20, range(2015, 2023), mu=0.1, tau=0.06, q=0.2, r=0.05)
    bt = T.backtest(obs, [method], min_train=1, leads=(1, 2, 3))
    assert bt["n_cases"].tolist() == [140, 120, 100]
    if method == "rw_drift_bayes":  # the model's own kind of panel
        assert bt["coverage_80"].between(0.72, 0.88).all(), bt
        assert (bt["relative_mae"] < 1.0).all()
    else:  # the level walk takes the common pace as unknown (real paces revert): wider, no better than naive here
        assert bt["coverage_80"].between(0.75, 0.93).all(), bt
        assert (bt["relative_mae"] < 1.02).all()


def test_rw_drift_single_unit_borrows_the_panel_drift():
    rng = np.random.default_rng(5)
    panel = _rw_panel(rng, 30, range(2012, 2020), mu=0.2, tau=0.02, q=0.05, r=0.03)
    lone = [Observation("lone", "lone", "share_x", 2019, value_share=0.2)]
    res = T.fit(lone, "rw_drift_bayes", panel=panel)
    lo, hi = res.slope_interval(0.2)
    assert lo < 0.2 < hi and hi - lo < 0.15  # the panel's drift, not the national prior's
    alone = T.fit(lone, "rw_drift_bayes")
    assert alone.slope_interval(0.2)[1] - alone.slope_interval(0.2)[0] > hi - lo
    fr = res.predict([2020, 2024], probs=(0.5,))
    assert special.logit(fr.loc[2024, "median"]) - special.logit(0.2) == pytest.approx(5 * 0.2, abs=0.15)
    assert res.n_used == 1 and res.geography == "lone"


def test_rw_drift_bayes_api_sampling_and_prior_rules():
    res = T.fit(long_an_thcs(), "rw_drift_bayes")
    assert res.method == "rw_drift_bayes"
    a = res.sample(300, [2024, 2025, 2030], np.random.default_rng(42))
    b = res.sample(300, [2024, 2025, 2030], np.random.default_rng(42))
    assert np.array_equal(a, b) and a.shape == (300, 3) and np.all((a > 0) & (a < 1))
    d = res.sample(40000, [2025, 2030], np.random.default_rng(0))
    fr = res.predict([2025, 2030])
    assert np.quantile(d[:, 0], 0.5) == pytest.approx(fr.loc[2025, "median"], abs=0.01)
    assert np.quantile(d[:, 1], 0.9) == pytest.approx(fr.loc[2030, "q0.9"], abs=0.02)
    assert res.prob_at_least(0.4012, 2025) == pytest.approx(np.mean(d[:, 0] >= 0.4012), abs=0.01)
    # the fan widens with the horizon and the drift interval is the engine's "slope"
    assert (fr["q0.9"] - fr["q0.1"]).is_monotonic_increasing
    lo, hi = res.slope_interval(0.5)
    assert lo < T.derive_national_prior().slope_mean < hi
    s = res.summary()
    assert "random walk with drift" in s and "too few to learn the hyper-parameters" in s
    assert "national THCS->vocational history 2007-2019" in s
    # drift prior: the national pace for the national indicator only
    p = T.derive_national_prior()
    assert T.walk_prior(p, T.NATIONAL_INDICATOR).drift_mean == p.slope_mean
    assert T.walk_prior(p, T.NATIONAL_INDICATOR).drift_sd == p.drift_sd
    other = T.walk_prior(p, "thpt_to_cao_dang")
    assert other.drift_mean == 0.0 and other.drift_sd == p.drift_sd
    assert (other.step_scale, other.noise_scale, other.spread_scale) == (p.rw_step_sd / 2, p.rw_step_sd / 4,
                                                                         p.drift_sd)
    assert other.change_scale == pytest.approx(p.drift_sd / math.sqrt(12))
    # errors
    mixed = long_an_thcs() + [Observation("z", "other", "thcs_gdnn", 2021, value_share=0.2)]
    with pytest.raises(TrendError, match="pass unit="):
        T.fit(mixed, "rw_drift")
    assert T.fit(mixed, "rw_drift", unit="other").n_used == 1
    with pytest.raises(TrendError, match="several indicators"):
        T.fit(long_an_thcs() + [Observation("y", "other", "y", 2021, value_share=0.2)], "rw_drift", unit="other")
    with pytest.raises(TrendError, match="'rw_drift' and 'rw_drift_bayes' only"):
        T.fit(long_an_thcs(), "logit_linear", panel=mixed)


def test_predict_obs_sd_widens_the_interval_of_a_reported_figure():
    obs = [Observation("a", "u", "x", 2020, value_share=0.2), Observation("b", "u", "x", 2021, value_share=0.25)]
    res = T.fit(obs, "naive")
    step = T.derive_national_prior().rw_step_sd
    plain = res.predict([2023], probs=(0.9,))
    extra = res.predict([2023], probs=(0.9,), obs_sd=0.15)
    half = lambda fr: special.logit(fr["q0.9"].iloc[0]) - special.logit(0.25)  # noqa: E731
    assert half(plain) == pytest.approx(1.28155 * step * math.sqrt(2), rel=1e-3)
    assert half(extra) == pytest.approx(1.28155 * math.sqrt(2 * step**2 + 0.15**2), rel=1e-3)


def test_backtest_scores_reported_figures_with_their_own_uncertainty():
    """An approximate figure is scored against an interval widened by its flag's sd."""
    base = [Observation(f"s{y}", "u", "x", y, value_share=0.10 + 0.01 * (y - 2015)) for y in range(2015, 2019)]
    approx = Observation("a2019", "u", "x", 2019, value_share=0.16, flags="approximate")
    cases = T.backtest(base + [approx], ["naive"], min_train=1, leads=(1,), per_case=True)
    last = cases[cases["year"] == 2019].iloc[0]
    step = T.derive_national_prior().rw_step_sd
    width = special.logit(last["upper"]) - special.logit(last["lower"])
    assert width == pytest.approx(2 * 1.28155 * math.sqrt(step**2 + 0.15**2), rel=1e-3)
    assert list(cases.columns)[:6] == ["method", "indicator", "geography", "origin", "year", "lead"]
    with pytest.raises(TrendError, match="level"):
        T.backtest(base, ["naive"], level=80)
    with pytest.raises(TrendError, match="Unknown method"):
        T.backtest(base, ["prophet"])


# --------------------------------------------------------------------------- rw_drift (level walk, the default)


def test_level_walk_changes_and_carry_over_by_hand():
    """Two units, figures at 2010-2012 (logit 0, 0.2, 0.4 and 1, 1, 1.3): pairs, paces and k by hand.

    Lag 1 pairs: (0 -> 0.2), (0.2 -> 0.4), (1 -> 1), (1 -> 1.3); paces at the start (window 6 years):
    NaN, 0.2, NaN, 0.0; so k_1 = (0.2 * 0.2 + 0 * 0.3) / (0.2^2 + 0) = 1, shrunk by n / (n + 30) = 2 / 32.
    """
    from simlib.models import level_walk as LW

    st = LW.WalkSettings(carry=True, earn=False)
    units = {"a": (np.array([2010.0, 2011, 2012]), np.array([0.0, 0.2, 0.4])),
             "b": (np.array([2010.0, 2011, 2012]), np.array([1.0, 1.0, 1.3]))}
    pc = LW.panel_changes(units, st)
    assert sorted(pc.lag.tolist()) == [1, 1, 1, 1, 2, 2]
    assert pc.carry[1] == (pytest.approx(1.0 * 2 / 32), 2)
    lag2 = np.sort(pc.change[pc.lag == 2])
    assert lag2 == pytest.approx([0.3, 0.4])
    assert LW.unit_pace(units["a"][0], units["a"][1], 2012.0, 6.0) == pytest.approx(0.2)
    assert math.isnan(LW.unit_pace(np.array([2012.0]), np.array([0.1]), 2012.0, 6.0))


def test_carry_over_must_earn_its_place_out_of_sample_by_hand():
    """Replayed in time order; lag 1; pairs (start, x, y):

    2010: (1, 1), 2011: (1, 1), 2012: (1, -1), (1, -1). At 2010 and 2011 nothing had ended by the start
    (2011's pair ends 2012): not scored... 2011: the 2010 pair ended 2011 -> k = 1: |1 - 1| = 0 vs |1| = 1.
    2012: pairs ended by 2012: 2010, 2011 -> k = 1: |-1 - 1| * 2 = 4 vs 2. Total 4 vs 3: not earned.
    Without the 2012 pairs: 0 vs 1: earned.
    """
    from simlib.models.level_walk import WalkSettings, carry_earned, panel_changes

    x = np.array([1.0, 1.0, 1.0, 1.0])
    y = np.array([1.0, 1.0, -1.0, -1.0])
    start = np.array([2010, 2011, 2012, 2012])
    assert not carry_earned(x, y, start, 1)
    assert carry_earned(x[:2], y[:2], start[:2], 1)
    assert not carry_earned(x[:1], y[:1], start[:1], 1)  # nothing to replay: the last figure stays
    # in panel_changes: a pace that reversed gets k = 0 when it must earn its place, k > 0 otherwise
    # (three units rising 0.2 a year for four years, then wandering: in sample the pace carried on a little,
    # replayed in time order it lost to "no change")
    z = {"u0": [0.0, 0.2, 0.4, 0.6, 0.8, 1.01, 0.71, 0.24, -0.63, -0.74],
         "u1": [0.0, 0.2, 0.4, 0.6, 0.8, 1.17, 1.18, 1.34, 1.64, 1.38],
         "u2": [0.0, 0.2, 0.4, 0.6, 0.8, 1.6, 1.33, 1.44, 2.27, 2.23]}
    units = {u: (np.arange(2000.0, 2010), np.array(v)) for u, v in z.items()}
    assert panel_changes(units, WalkSettings(carry=True, earn=True, pace_window=1)).carry[1][0] == 0.0
    assert panel_changes(units, WalkSettings(carry=True, earn=False, pace_window=1)).carry[1][0] > 0.1
    assert panel_changes(units, WalkSettings(pace_window=1)).carry[1][0] == 0.0  # the default carries nothing


def test_rw_drift_median_is_the_last_figure_and_skew_only_widens_one_side():
    """Default: paces are not carried and the median stays at the last figure, even when the panel's
    changes all lean upward (they widen the upper side instead)."""
    rng = np.random.default_rng(5)
    obs = []
    for u in range(25):
        z = -1.0 + np.cumsum(np.abs(rng.normal(0.15, 0.1, 7)))  # every unit rises every year
        obs += [Observation(f"{u}-{y}", f"u{u}", "x", 2010 + y, value_share=float(special.expit(v)))
                for y, v in enumerate(z)]
    res = T.fit(obs, "rw_drift", unit="u3")
    last = [o.value_share for o in obs if o.geography == "u3"][-1]
    fr = res.predict([2017, 2019], probs=(0.1, 0.9))
    assert fr["median"].tolist() == pytest.approx([last, last], abs=1e-7)
    up = special.logit(fr["q0.9"]) - special.logit(last)
    down = special.logit(last) - special.logit(fr["q0.1"])
    assert np.all(up > down)


def test_rw_drift_without_any_past_change_is_the_prior_walk():
    """One figure and no panel: the predictive is N(z, step^2 h), the step from the national history."""
    res = T.fit([Observation("a", "u", "x", 2020, value_share=0.3)], "rw_drift")
    assert res.method == "rw_drift" == T.DEFAULT_METHOD
    step = T.derive_national_prior().rw_step_sd
    fr = res.predict([2021, 2024], probs=(0.1, 0.9))
    half = special.logit(fr["q0.9"]) - special.logit(0.3)
    assert half.tolist() == pytest.approx([1.28155 * step, 1.28155 * step * 2], rel=1e-4)
    assert fr["median"].tolist() == pytest.approx([0.3, 0.3], abs=1e-6)


def test_rw_drift_spread_follows_the_level_of_the_last_figure():
    """Panel whose changes are 4x larger near 95 % than near 30 % (logit): intervals follow the level."""
    rng = np.random.default_rng(3)
    obs = []
    for u in range(30):
        base, sd = (-0.85, 0.05) if u < 15 else (2.95, 0.2)
        z = base + np.cumsum(rng.normal(0, sd, 8))
        obs += [Observation(f"{u}-{y}", f"u{u}", "x", 2010 + y, value_share=float(special.expit(v)))
                for y, v in enumerate(z)]
    fits = {u: T.fit(obs, "rw_drift", unit=u).predict([2019], probs=(0.1, 0.9)) for u in ("u0", "u20")}
    width = {u: float(special.logit(f["q0.9"].iloc[0]) - special.logit(f["q0.1"].iloc[0])) for u, f in fits.items()}
    assert width["u20"] > 2.5 * width["u0"]


def test_rw_drift_sample_matches_its_quantiles_and_is_seeded():
    res = T.fit(long_an_thcs(), "rw_drift")
    a = res.sample(300, [2024, 2025, 2030], np.random.default_rng(42))
    assert np.array_equal(a, res.sample(300, [2024, 2025, 2030], np.random.default_rng(42)))
    assert a.shape == (300, 3) and np.all((a > 0) & (a < 1))
    d = res.sample(20000, [2025, 2030], np.random.default_rng(0))
    fr = res.predict([2025, 2030])
    assert np.quantile(d[:, 0], 0.5) == pytest.approx(fr.loc[2025, "median"], abs=0.01)
    assert np.quantile(d[:, 1], 0.9) == pytest.approx(fr.loc[2030, "q0.9"], abs=0.02)
    assert res.prob_at_least(0.4012, 2025) == pytest.approx(np.mean(d[:, 0] >= 0.4012), abs=0.01)
    assert (fr["q0.9"] - fr["q0.1"]).is_monotonic_increasing
    lo, hi = res.slope_interval(0.5)
    assert lo <= hi


def _parallel_panel():
    """Three units moving exactly together (no own change): common path 0, 0.3, 0, 0.3, 0 over 2000-2004."""
    c = np.array([0.0, 0.3, 0.0, 0.3, 0.0])
    t = np.arange(2000.0, 2005)
    return {u: (t, a + c) for u, a in (("a", -1.0), ("b", 0.0), ("c", 0.5))}


def test_common_path_ties_units_seen_in_different_years_by_hand():
    """Median polish: unit levels a_u and year effects c_t; pairs carry the path's change over their years."""
    from simlib.models import level_walk as LW

    years, c = LW.common_path(_parallel_panel())
    assert years.tolist() == list(range(2000, 2005))
    assert c == pytest.approx([0.0, 0.3, 0.0, 0.3, 0.0], abs=1e-12)
    # no year has all three units: each pair of years is tied by the one unit seen in both
    sparse = {"a": (np.array([2000.0, 2001]), np.array([0.0, 0.5])),
              "b": (np.array([2001.0, 2002]), np.array([1.0, 0.7])),
              "c": (np.array([2000.0, 2002]), np.array([-1.0, -0.8]))}
    years, c = LW.common_path(sparse)
    assert c == pytest.approx([0.0, 0.5, 0.2], abs=1e-6)  # a: +0.5, b: -0.3, c: +0.2 over both years
    pc = LW.panel_changes(_parallel_panel(), LW.WalkSettings())
    at = dict(zip(pc.path_years.tolist(), pc.path.tolist()))
    ends = pc.year + pc.lag
    assert pc.common == pytest.approx([at[e] - at[s] for s, e in zip(pc.year, ends)])
    assert pc.change == pytest.approx(pc.common)  # nothing is the units' own


def test_common_shock_variance_pools_every_past_lag_by_hand():
    """Path increments over 1 year: +-0.3 four times (sum of squares 0.36, 4 year-lengths); over 2 years:
    0 three times (0 and 6 year-lengths). prior_years = 1 at the units' own scale (0 here):
    lead 1: s^2 = 1 * 0.36 / (4 + 1); lead 2: s^2 = 2 * 0.36 / (10 + 1). nu = 1 + 4 years seen.
    The predictive of a panel with no own change is N(0, s^2) (prior walk weight 0)."""
    from simlib.models import level_walk as LW

    st = LW.WalkSettings(prior_n=0.0)
    pc = LW.panel_changes(_parallel_panel(), st)
    s1, nu = LW.common_shock(pc.path_years, pc.path, 1, 0.0, st)
    s2, _ = LW.common_shock(pc.path_years, pc.path, 2, 0.0, st)
    assert (s1, nu) == (pytest.approx(math.sqrt(0.36 / 5)), 5.0)
    assert s2 == pytest.approx(math.sqrt(2 * 0.36 / 11))
    walk = LW.LevelWalk(pc, st, 2004.0, 0.5, 0.0, float("nan"), float("nan"))
    q = walk.quantiles([2005, 2006], [0.5, 0.9])
    assert q[0] == pytest.approx([0.5, 0.5], abs=1e-7)
    assert (q[1] - 0.5).tolist() == pytest.approx([1.28155 * s1, 1.28155 * s2], rel=1e-4)
    # a biennial panel has no 1-year change of its path: its 2-year changes (+-0.6, sum of squares 0.72 over
    # 2 changes of 2 years) stand in: s^2 = 1 * 0.72 / (4 + 1) at lead 1
    biennial = {u: (t[::2], z[::2]) for u, (t, z) in _parallel_panel().items()}
    two = {u: (t, z + np.array([0.0, 0.6, 0.0])) for u, (t, z) in biennial.items()}
    pb = LW.panel_changes(two, st)
    assert LW.common_shock(pb.path_years, pb.path, 1, 0.0, st)[0] == pytest.approx(math.sqrt(0.72 / 5))
    # the heavier tail (option): a Student t of nu = 5 degrees of freedom with the same scale
    heavy = LW.LevelWalk(pc, LW.WalkSettings(prior_n=0.0, tail_points=400), 2004.0, 0.5, 0.0, float("nan"),
                         float("nan"))
    from scipy import stats

    assert float(heavy.quantiles([2005], [0.9])[0, 0]) - 0.5 == pytest.approx(stats.t.ppf(0.9, 5) * s1, rel=0.01)
    # the rule before (pairs' start-year medians) stays available and differs
    old = LW.LevelWalk(pc, LW.WalkSettings(prior_n=0.0, common="pairs"), 2004.0, 0.5, 0.0, float("nan"),
                       float("nan"))
    assert float(old.quantiles([2006], [0.9])[0, 0]) - 0.5 != pytest.approx(1.28155 * s2, rel=0.05)


def test_prior_walk_is_weighed_against_every_pair_of_the_lag_read():
    """40 units with two figures a year apart: 40 pairs of lag 1, of which the 16 nearest (0.4 x 40) give the
    spread; the prior walk's weight is prior_n / (prior_n + 40), not prior_n / (prior_n + 16)."""
    from simlib.models import level_walk as LW

    rng = np.random.default_rng(2)
    units = {f"u{i}": (np.array([2010.0, 2011.0]), np.array([z, z + d]))
             for i, (z, d) in enumerate(zip(rng.normal(0, 1, 40), rng.normal(0, 0.1, 40)))}
    st = LW.WalkSettings()
    pc = LW.panel_changes(units, st)
    w, m, s = LW.forecast_unit(pc, 0.0, float("nan"), 1.0, st)
    assert len(w) == 1 + 16
    assert w[0] == pytest.approx(st.prior_n / (st.prior_n + 40))
    assert w.sum() == pytest.approx(1.0)


# --------------------------------------------------------------------------- level power and reversion (issue 21)


def test_level_power_by_hand():
    """Slope of log|own change| on -log(p (1 - p)), centred within each lag, shrunk by b^2 / (b^2 + se^2)."""
    from simlib.models import level_walk as LW

    # changes of 0.02 on the share scale at 50 % and 90 % (logit 0.08 and 0.2222): power 1, no noise
    z = np.log(np.array([1.0, 1.0, 9.0, 9.0] * 3))
    assert LW.level_power(z, np.array([0.08, -0.08, 0.2222, -0.2222] * 3), np.ones(12, int)) == pytest.approx(
        1.0, abs=1e-3)
    # the same logit size at every level: power 0; fewer than 10 pairs: 0
    assert LW.level_power(z, np.full(12, 0.1), np.ones(12, int)) == pytest.approx(0.0, abs=1e-12)
    assert LW.level_power(z[:9], np.r_[0.08, -0.08, 0.2222, -0.2222] .repeat(3)[:9], np.ones(9, int)) == 0.0
    # a noisy case, two lags: x = stretch centred within lag, y = log|own| centred within lag
    start = np.array([0.0, 0.0, 0.0, 2.0, 2.0, 2.0, 0.0, 0.0, 2.0, 2.0, 0.0, 2.0])
    own = np.array([0.1, 0.2, 0.15, 0.3, 0.12, 0.4, 0.2, 0.1, 0.5, 0.2, 0.3, 0.25])
    lag = np.array([1] * 6 + [2] * 6)
    x = np.abs(start) + 2 * np.log1p(np.exp(-np.abs(start)))
    assert x[0] == pytest.approx(math.log(4.0))  # -log(0.5 * 0.5)
    y = np.log(own)
    for h in (1, 2):
        x[lag == h] -= x[lag == h].mean()
        y[lag == h] -= y[lag == h].mean()
    b = (x @ y) / (x @ x)
    se2 = ((y - b * x) ** 2).sum() / (12 - 2 - 1) / (x @ x)
    assert 0 < b < 1
    assert LW.level_power(start, own, lag) == pytest.approx(b * b * b / (b * b + se2), rel=1e-12)


def test_rw_drift_intervals_follow_a_share_scale_walk_at_every_level():
    """A panel that walks on the share scale (sd 1 point a year; 30 units near 50 %, 6 near 95 %): the level
    power learned from it widens the logit interval near 95 % and both bands are covered 0.72-0.9; read on the
    logit scale (power 0) the few high units borrow the middle's logit spread and are covered much less."""
    from simlib.models import level_walk as LW

    rng = np.random.default_rng(8)
    obs = []
    for u in range(36):
        p = (0.5 if u % 6 else 0.95) + np.cumsum(np.r_[0.0, rng.normal(0, 0.01, 8)])
        p = np.clip(p, 0.005, 0.995)
        obs += [Observation(f"{u}-{y}", f"u{u}", "x", 2010 + y, value_share=float(v)) for y, v in enumerate(p)]
    pc = LW.panel_changes({f"u{u}": (np.arange(9.0), special.logit([o.value_share for o in obs[9 * u:9 * u + 9]]))
                           for u in range(36)}, LW.WalkSettings())
    assert pc.power > 0.5

    def coverage(**kw):
        orig = T.WalkSettings
        T.WalkSettings = lambda **k: orig(**{**k, **kw})
        try:
            cases = T.backtest(obs, ["rw_drift"], min_train=3, leads=(1, 2), per_case=True)
        finally:
            T.WalkSettings = orig
        high = cases["last"] > 0.8
        return cases["in_level"][high].mean(), cases["in_level"][~high].mean()

    hi, mid = coverage()
    assert 0.72 <= hi <= 0.9 and 0.72 <= mid <= 0.9, (hi, mid)
    assert coverage(level_power=0.0)[0] < hi - 0.1


def test_reversion_to_the_units_own_mean_by_hand():
    """Five units that swing 0, 0.2, 0, 0.2, ... (logit) around their own levels, 2000-2007. Lag 1, window 6 years:
    the gaps (own mean so far minus the figure) at 2001-2006 are -0.1, 0.0667, -0.1, 0.08, -0.1, 0.0857 and the
    next changes -0.2, 0.2, ...: least squares 2.2 clipped to 1; replayed in time order it beats "no change", so
    it is kept, shrunk by n / (n + 30) with n = 6 x 5 = 30 pairs: r_1 = 0.5. From 2007 (gap 0.1143 - 0.2) the
    median moves by 0.5 x -0.0857; the ratio panel's kind (a steady rise) does not earn it."""
    from simlib.models import level_walk as LW

    swing = np.array([0.0, 0.2] * 4)
    t = np.arange(2000.0, 2008)
    assert LW.unit_gap(t, swing, 2002.0, 6.0) == pytest.approx(0.2 / 3)
    assert LW.unit_gap(t, swing, 2007.0, 6.0) == pytest.approx(0.8 / 7 - 0.2)
    assert math.isnan(LW.unit_gap(t, swing, 2000.0, 6.0))
    units = {f"u{a}": (t, a + swing) for a in (-1.0, -0.5, 0.0, 0.5, 1.0)}
    st = LW.WalkSettings(revert=True)
    pc = LW.panel_changes(units, st)
    assert pc.revert[1] == (pytest.approx(0.5), 30)
    gap = LW.unit_gap(t, swing + 1.0, 2007.0, 6.0)
    walk = LW.LevelWalk(pc, st, 2007.0, 1.2, 0.0, float("nan"), float("nan"), gap)
    assert walk.quantiles([2008], [0.5])[0, 0] == pytest.approx(1.2 + 0.5 * (0.8 / 7 - 0.2), abs=1e-7)
    assert LW.LevelWalk(pc, LW.WalkSettings(), 2007.0, 1.2, 0.0, float("nan"), float("nan"), gap).quantiles(
        [2008], [0.5])[0, 0] == pytest.approx(1.2 + 0.5 * (0.8 / 7 - 0.2), abs=1e-7)  # pc decides, not the walk
    rise = {u: (t, z - swing + 0.1 * (t - 2000)) for u, (t, z) in units.items()}
    assert all(r == 0.0 for r, _ in LW.panel_changes(rise, st).revert.values())
    assert all(r == 0.0 for r, _ in LW.panel_changes(units, LW.WalkSettings()).revert.values())  # off


# --------------------------------------------------------------------------- recalibration of the common change (issue 21)


def test_coverage_recalibration_by_hand_on_a_panel_that_moves_together():
    """Twelve units that move exactly together (no own change): every past pair of lag 1 from start year o is
    inside its band iff |c_{o+1} - c_o| <= z_0.9 f s_o, with s_o the common scale from the path up to o ONLY.
    With no shrinkage the factor is the smallest f reaching 80 %: the 8th of the 10 sorted |D| / (z s_o)
    (start years 2002-2011: two yearly changes behind them)."""
    from simlib.models import level_walk as LW

    steps = np.array([0.1, -0.1, 0.05, 0.6, -0.05, 0.1, -0.9, 0.05, 0.2, -0.1, 1.2, 0.1])
    c = np.r_[0.0, np.cumsum(steps)]
    t = np.arange(2000.0, 2013)
    units = {f"u{i}": (t, i * 0.1 - 0.6 + c) for i in range(12)}
    st = LW.WalkSettings(recal_prior=0.0)
    pc = LW.panel_changes(units, st)
    assert pc.path == pytest.approx(c, abs=1e-9)
    years = t.astype(int)
    z = 1.2815515655446004
    r = sorted(abs(c[k + 1] - c[k]) / (z * LW.common_shock(years[:k + 1], c[:k + 1], 1, 0.0, st)[0])
               for k in range(2, 12))
    f, n = pc.recal[1]
    assert n == 10
    assert f == pytest.approx(r[7], rel=1e-6)
    # shrunk in logs towards 1 by n / (n + recal_prior)
    f4, _ = LW.panel_changes(units, LW.WalkSettings(recal_prior=4.0)).recal[1]
    assert f4 == pytest.approx(math.exp(10 / 14 * math.log(r[7])), rel=1e-6)
    # the forecast's common scale is multiplied by it (no own part, no prior walk: N(0, (f s)^2))
    st0 = LW.WalkSettings(recal_prior=0.0, prior_n=0.0)
    pc0 = LW.panel_changes(units, st0)
    s1 = LW.common_shock(years, c, 1, 0.0, st0)[0]
    walk = LW.LevelWalk(pc0, st0, 2012.0, 0.0, 0.0, float("nan"), float("nan"))
    assert float(walk.quantiles([2013], [0.9])[0, 0]) == pytest.approx(z * f * s1, rel=1e-4)
    off = LW.LevelWalk(LW.panel_changes(units, LW.WalkSettings(prior_n=0.0, recalibrate="off")),
                       LW.WalkSettings(prior_n=0.0, recalibrate="off"), 2012.0, 0.0, 0.0, float("nan"), float("nan"))
    assert float(off.quantiles([2013], [0.9])[0, 0]) == pytest.approx(z * s1, rel=1e-4)


def test_recalibrated_interval_covers_a_recurring_common_shock_the_plain_one_misses():
    """24 units share a path that moves +-0.03 a year and jumps 0.9 logit every third year, with own walks of
    0.06 a year. Fitted on 2000-2014, the next jump (2015) and the one after (2018) are outside every unit's
    interval from the plain common variance; the rolling-origin factor (learned on 2000-2014 only) covers
    most of them, and the factor says so in the fit (above 1.3 at lead 1)."""
    from simlib.models import level_walk as LW

    rng = np.random.default_rng(1)
    steps = np.where((np.arange(1, 19) % 3) == 0, 0.9, rng.choice([-0.03, 0.03], 18))
    rng = np.random.default_rng(3)
    a = rng.normal(-0.5, 0.4, 24)
    z = a[:, None] + np.r_[0, np.cumsum(steps)][None, :] + np.cumsum(rng.normal(0, 0.06, (24, 19)), axis=1)
    t = np.arange(2000.0, 2019)
    units = {f"u{i}": (t[:15], z[i, :15]) for i in range(24)}

    def coverage(mode):
        st = LW.WalkSettings(recalibrate=mode)
        pc = LW.panel_changes(units, st)
        cov = []
        for i in range(24):
            q = LW.LevelWalk(pc, st, 2014.0, z[i, 14], 0.0, float("nan"), float("nan")).quantiles(
                [2015, 2018], (0.1, 0.9))
            cov.append([q[0, j] <= z[i, 14 + h] <= q[1, j] for j, h in enumerate((1, 4))])
        return np.mean(cov, axis=0), pc.recal

    new, recal = coverage("coverage")
    old, none = coverage("off")
    assert none == {} and recal[1][0] > 1.3
    assert old.tolist() == [0.0, 0.0]
    assert new[0] >= 0.5 and new[1] >= 0.5, new


def test_fit_summary_says_what_the_recalibration_learned_and_from_which_years():
    """The rw_drift summary names the factor per lead and the years of the panel it was learned from; a panel of
    one figure per unit has no past to learn from and says so."""
    from simlib.models import level_walk as LW

    rng = np.random.default_rng(1)
    steps = np.where((np.arange(1, 15) % 3) == 0, 0.9, rng.choice([-0.03, 0.03], 14))
    z = rng.normal(-0.5, 0.4, 24)[:, None] + np.r_[0, np.cumsum(steps)][None, :] + np.cumsum(
        rng.normal(0, 0.06, (24, 15)), axis=1)
    obs = [Observation(f"u{i}-{y}", f"u{i}", "x", 2000 + y, value_share=float(special.expit(z[i, y])))
           for i in range(24) for y in range(15)]
    text = T.fit(obs, "rw_drift", unit="u0").summary()
    pc = LW.panel_changes({f"u{i}": (np.arange(2000.0, 2015), special.logit(special.expit(z[i]))) for i in range(24)},
                          LW.WalkSettings())
    assert "recalibrated on this panel's own past, 2000-2014" in text
    assert f"1 yr x{pc.recal[1][0]:.2f} ({pc.recal[1][1]} start years)" in text
    lone = T.fit([Observation(f"a{i}", f"u{i}", "x", 2020, value_share=0.3) for i in range(3)], "rw_drift",
                 unit="u0").summary()
    assert "is not recalibrated" in lone
