"""Partial pooling of a province's units: hand-computed cases, a library reference, the weighted aggregate."""

from __future__ import annotations

import inspect
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from simlib.logit import expit, logit
from simlib.models.hierarchy import binomial_rows, fit_units, weighted_location


def _figs(rows):
    return pd.DataFrame([{"unit": u, "year": y, "k": k, "n": n, "group": False} for u, y, k, n in rows])


def _panel(U=40, Y=1, tau=0.3, seed=0, zero_first=False):
    rng = np.random.default_rng(seed)
    b = rng.normal(0, tau, U)
    rows = []
    for u in range(U):
        n = int(rng.integers(40, 300))
        for t in range(Y):
            k = 0 if (zero_first and u == 0) else int(rng.binomial(n, expit(-1.4 + 0.05 * t + b[u])))
            rows.append((f"u{u}", 2020 + t, k, n))
    return _figs(rows), [f"u{u}" for u in range(U)], b


# --------------------------------------------------------------------------------------------------
# hand-computed: two communes
# --------------------------------------------------------------------------------------------------
def test_two_communes_known_weights_combine_to_the_province():
    # w = (0.25, 0.75), effects +0.5 and -0.5, province 30 %: z solves 0.25 expit(z+.5) + 0.75 expit(z-.5) = 0.3
    z_ref = optimize.brentq(lambda z: 0.25 * expit(z + 0.5) + 0.75 * expit(z - 0.5) - 0.3, -10, 10)
    d = np.array([0.5, -0.5])[None, :, None]
    z = weighted_location(np.array([[0.3]]), d, np.array([0.25, 0.75]))
    assert z[0, 0] == pytest.approx(z_ref, abs=1e-10)
    pa, pb = expit(z_ref + 0.5), expit(z_ref - 0.5)
    assert 0.25 * pa + 0.75 * pb == pytest.approx(0.3, abs=1e-12)
    assert pa > 0.3 > pb  # the commune above its province stays above it


def test_known_shrinkage_under_a_fixed_spread():
    # Two communes, one year, large counts: the binomial likelihood is nearly Gaussian on the logit scale with
    # variance v = 1 / (n p (1 - p)); with a flat location the difference of the effects is shrunk by
    # 2 tau^2 / (2 tau^2 + v_A + v_B).
    n, ka, kb, tau = 4000, 760, 840, 0.04
    res = fit_units(_figs([("A", 2025, ka, n), ("B", 2025, kb, n)]), ["A", "B"], spread=tau)
    beta = res.modes[0].beta[:, 0]
    pa, pb = ka / n, kb / n
    va, vb = 1 / (n * pa * (1 - pa)), 1 / (n * pb * (1 - pb))
    raw = math.log(pa / (1 - pa)) - math.log(pb / (1 - pb))
    factor = 2 * tau ** 2 / (2 * tau ** 2 + va + vb)
    assert 0.3 < factor < 0.7  # a case where shrinkage is large enough to see
    assert beta[0] - beta[1] == pytest.approx(raw * factor, rel=0.02)
    # symmetric around the location: the effects are +/- half the difference
    assert beta[0] + beta[1] == pytest.approx(0.0, abs=1e-3)


def test_laplace_mode_is_the_exact_posterior_mode():
    figs, units, _ = _panel(U=6, Y=2, seed=3)
    res = fit_units(figs, units, spread=0.4)
    ti = figs["year"].map({2020: 0, 2021: 1}).to_numpy()
    ui = figs["unit"].map({u: i for i, u in enumerate(units)}).to_numpy()
    k, n = figs["k"].to_numpy(float), figs["n"].to_numpy(float)

    def neg(th):
        e = th[ti] + th[2 + ui]
        return -(np.sum(k * e - n * np.logaddexp(0, e)) - 0.5 * np.sum(th[:2] ** 2) / 100
                 - 0.5 * np.sum(th[2:] ** 2) / 0.16)

    ref = optimize.minimize(neg, np.zeros(8), method="BFGS", options={"gtol": 1e-9}).x
    md = res.modes[0]
    np.testing.assert_allclose(np.r_[md.alpha, md.beta[:, 0]], ref, atol=1e-4)


def test_same_modes_as_statsmodels_binomial_bayes_mixed_glm():
    from statsmodels.genmod.bayes_mixed_glm import BinomialBayesMixedGLM

    figs, units, _ = _panel(U=12, Y=2, seed=5)
    y, X, Z = [], [], []
    for r in figs.itertuples():
        for outcome, count in ((1, int(r.k)), (0, int(r.n - r.k))):
            y += [outcome] * count
            X += [[r.year == 2020, r.year == 2021]] * count
            Z += [[r.unit == u for u in units]] * count
    model = BinomialBayesMixedGLM(np.array(y, float), np.array(X, float), np.array(Z, float),
                                  np.zeros(len(units), dtype=int), vcp_p=1.0, fe_p=10.0)
    # statsmodels draws the random effects' starting values (unseeded unless told; the argument exists
    # from 0.15) and BFGS may stop short and warn. Seed it, ask for a tight optimum, and check the
    # optimum ourselves: the posterior's gradient there is what makes it a reference.
    kwargs = {"rng": np.random.default_rng(0)} if "rng" in inspect.signature(model.fit_map).parameters else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sm = model.fit_map(minim_opts={"gtol": 1e-8, "maxiter": 5000}, **kwargs)
    assert np.linalg.norm(model.logposterior_grad(sm.params)) < 1e-3
    tau = float(np.exp(sm.params[2]))
    ours = fit_units(figs, units, spread=tau).modes[0]
    # the same objective given the spread: location and effects agree
    np.testing.assert_allclose(ours.alpha, sm.params[:2], atol=2e-3)
    np.testing.assert_allclose(ours.beta[:, 0], sm.params[3:], atol=2e-3)


# --------------------------------------------------------------------------------------------------
# shrinkage, 0-of-n, units without figures
# --------------------------------------------------------------------------------------------------
def test_every_commune_reporting_is_shrunk_toward_the_province_and_zero_of_n_is_read():
    figs, units, _ = _panel(U=60, Y=1, tau=0.3, seed=11, zero_first=True)
    res = fit_units(figs, units)
    rng = np.random.default_rng(0)
    prov = np.full((2000, 1), 0.2)
    w = figs.set_index("unit").loc[units, "n"].to_numpy(float)
    draws = res.sample(2000, [2020], rng, province=prov, weights=w)[:, :, 0]
    med = np.median(draws, axis=0)
    observed = (figs["k"] / figs["n"]).to_numpy()
    assert np.std(med) < np.std(observed)                # spread smaller than the observed rates'
    assert np.std(logit(med)) < np.std(logit(np.clip(observed, 1e-3, 1)))
    # the commune that reported 0 of n: read, pulled up toward its province, still the lowest
    assert 0.0 < med[0] < 0.2 and med[0] == med.min()
    assert res.information[0] == "own" and res.n_figures[0] == 1
    # the weighted aggregate holds in every draw
    np.testing.assert_allclose((draws * (w / w.sum())).sum(axis=1), 0.2, atol=1e-10)


def test_units_without_figures_get_the_estimated_spread_and_are_not_commune_information():
    figs, units, _ = _panel(U=50, Y=2, tau=0.5, seed=2)
    res = fit_units(figs, units + ["x1", "x2"])
    assert res.information[-2:] == ("not_commune_information",) * 2
    b, _, _ = res.effects(4000, 1)
    med, lo, hi = res.spread_interval()
    assert 0.3 < med < 0.75  # learned from 50 units (true 0.5), not the prior's scale 0.35
    assert np.std(b[:, -1]) == pytest.approx(np.sqrt(np.mean(res.tau_grid[np.random.default_rng(1).choice(
        len(res.post), 4000, p=res.post)] ** 2)), rel=0.1)
    assert "NOT commune information" in res.summary()
    sf = res.summary_frame()
    assert list(sf.columns[:4]) == ["unit", "information", "n_figures", "n_former"]


def test_few_units_lean_on_the_prior_spread():
    figs = _figs([("A", 2025, 30, 100)])
    res = fit_units(figs, ["A", "B"], spread_scale=0.35)
    med, _, _ = res.spread_interval()
    # one unit says nothing about the spread: the half-normal prior's median (0.674 x 0.35 = 0.236) decides
    assert med == pytest.approx(0.674 * 0.35, rel=0.2)


def test_unit_paces_are_recovered():
    rng = np.random.default_rng(4)
    rows = []
    for u in range(30):
        c = 0.15 if u < 15 else -0.15
        for t in range(6):
            rows.append((f"u{u}", 2020 + t, int(rng.binomial(500, expit(-1 + c * (t - 2.5)))), 500))
    res = fit_units(_figs(rows), [f"u{u}" for u in range(30)], slopes=True, n_grid=24)
    _, c, _ = res.effects(2000, 0)
    pace = np.median(c, axis=0)
    assert pace[:15].mean() > 0.1 and pace[15:].mean() < -0.1


def test_binomial_rows_rules():
    rows = pd.DataFrame([
        {"year": 2025, "numerator": 0, "denominator": 40, "value_share": 0.0},
        {"year": 2025, "value_share": 0.2, "denominator": 250},
        {"year": 2025, "value_share": 0.2, "se_share": 0.02},
        {"year": 2025, "value_share": 0.2},
        {"year": 2024, "value_share": 0.2},
        {"year": 2025, "value_share": 0.2, "denominator": 250, "flags": "approximate"},
    ])
    out = binomial_rows(rows, unit="A", size={2024: 300})
    assert out.loc[0, ["k", "n"]].tolist() == [0, 40]
    assert out.loc[1, ["k", "n"]].tolist() == pytest.approx([50, 250])
    assert out.loc[2, "n"] == pytest.approx(0.16 / 0.0004)
    assert out.loc[3, "n"] == 100 and "without a size" in out.loc[3, "how"]
    assert out.loc[4, "n"] == 300
    assert out.loc[5, "n"] < 250 and out.loc[5, "share"] == pytest.approx(0.2)
    grp = binomial_rows(rows.iloc[[1]], unit="A", group=True, group_weight=0.5, spread_scale=0.35)
    assert grp.loc[0, "n"] < 0.5 * 250 and bool(grp.loc[0, "group"])


# --------------------------------------------------------------------------------------------------
# property: the weighted aggregate holds in every draw
# --------------------------------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0.01, 10.0), min_size=1, max_size=6),
       st.lists(st.floats(-3.0, 3.0), min_size=6, max_size=6),
       st.floats(1e-4, 1 - 1e-4), st.integers(0, 2 ** 31 - 1))
def test_weighted_aggregate_holds_in_every_draw(weights, effects, province, seed):
    U = len(weights)
    rng = np.random.default_rng(seed)
    figs = _figs([(f"u{i}", 2025, int(rng.integers(0, 51)), 50) for i in range(U) if effects[i] > 0])
    res = fit_units(figs if len(figs) else None, [f"u{i}" for i in range(U)], n_grid=12)
    prov = np.clip(province + 0.02 * rng.standard_normal((50, 2)), 1e-4, 1 - 1e-4)
    w = np.asarray(weights)
    draws = res.sample(50, [2025, 2026], seed, province=prov, weights=w)
    agg = np.einsum("nuy,u->ny", draws, w / w.sum())
    np.testing.assert_allclose(agg, prov, atol=1e-9)


# --------------------------------------------------------------------------------------------------
# in the engine: a province whose every commune reports
# --------------------------------------------------------------------------------------------------
def test_engine_province_equals_its_communes_and_communes_are_shrunk():
    import dataclasses

    from simlib.inputs.case import load_case, load_case_inputs
    from simlib.models.cohorts import cohort_matrix
    from simlib.scenarios import engine

    ind = "thcs_to_gdnn_sc_tc"
    b = load_case_inputs(load_case("tay_ninh_2030")).bundle
    g = b.geographies
    kids = list(g.loc[(g["parent"] == "vn.tay_ninh") & g["valid_to"].isna(), "geo_id"])
    rng = np.random.default_rng(0)
    rows = []
    for i, k in enumerate(kids):
        n = int(rng.integers(40, 400))
        kk = 0 if i == 0 else int(rng.binomial(n, expit(-1.6 + rng.normal(0, 0.3))))
        rows.append({"obs_id": f"c{i}", "geography": k, "indicator": ind, "year": 2026, "value": 100 * kk / n,
                     "unit": "percent", "value_share": kk / n, "numerator": kk, "denominator": n,
                     "basis": "same", "flags": "planner_data", "breakdown": ""})
    b2 = dataclasses.replace(b, observations=pd.concat([b.observations, pd.DataFrame(rows)], ignore_index=True))
    cfg = engine.RunConfig(years=(2026, 2027, 2028, 2029, 2030), n_draws=400, seed=3, indicators=(ind,))
    plan = engine.plan_run(b2, "vn.tay_ninh", cfg, units=["vn.tay_ninh", kids[0], kids[1]])
    base = plan.baseline()
    fit = engine.unit_hierarchy(plan, ind)
    assert fit.information == ("own",) * len(kids) and int(fit.n_figures.sum()) == len(kids)
    every = engine._unit_draws(plan, ind, kids)                       # (n, 96, years)
    co = cohort_matrix(b2.observations, b2.context, ["vn.tay_ninh"] + kids, cfg.years,
                       indicator="thcs_graduates", components=["vn.long_an", "vn.tay_ninh_pre2025"])
    w = co.values[1:] / co.values[1:].sum(axis=0)
    prov = engine._unit_draws(plan, ind, ["vn.tay_ninh"])[:, 0, :]  # the province's trend, before the bound
    combined = np.einsum("nuy,uy->ny", every, w)
    np.testing.assert_allclose(combined, prov, atol=1e-9)             # in every draw
    assert np.median(combined[:, -1]) == pytest.approx(np.median(prov[:, -1]), abs=1e-9)
    # the baseline holds every unit's draws under the one plausibility bound (levers.yaml max_feasible_share)
    bound = plan.draws.max_feasible[ind][:, None]
    np.testing.assert_array_equal(base.trend[ind][:, 0, :], np.minimum(prov, bound))
    # the chunk's communes are the same draws as in the full set (chunks give the same numbers)
    np.testing.assert_array_equal(base.trend[ind][:, 1:, :], np.minimum(every[:, :2, :], bound[:, :, None]))
    # shrinkage: 2026 medians spread less than the observed rates (logit scale, level-free)
    med = np.median(every[:, :, 0], axis=0)
    observed = np.array([r["value_share"] for r in rows])
    assert np.std(logit(med[1:])) < np.std(logit(observed[1:]))
    assert 0.0 < med[0] < np.median(med)                                # 0 of n: read, low, not 0


def test_commune_answers_rank_only_communes_with_their_own_figures():
    from types import SimpleNamespace

    from simlib.assess.communes import commune_answers
    from simlib.scenarios.engine import Evidence

    units = ["P", "P.a", "P.b", "P.c"]
    arr = np.zeros((101, 4, 2))
    for j, level in enumerate([0.20, 0.10, 0.30, 0.25]):
        arr[:, j, 1] = level + np.linspace(-0.05, 0.05, 101)   # median = level, q0.1 = level - 0.04
    ev = {("P", "x"): Evidence("P", "x", "P", 0, 4, 2025, 0.2, None),
          ("P.a", "x"): Evidence("P.a", "x", "P.a", 0, 3, 2026, 0.1, None),
          ("P.b", "x"): Evidence("P.b", "x", "P.old_district", 1, 4, 2024, 0.3, None),
          ("P.c", "x"): Evidence("P.c", "x", "P", 1, 4, 2025, 0.2, None)}
    bundle = SimpleNamespace(ancestors=lambda g: ["vn"], geo_name=lambda g: g.upper())
    base = SimpleNamespace(units=units, years=(2029, 2030), geography="P", bundle=bundle, shares={"x": arr},
                           evidence=ev, year_index=lambda y: (2029, 2030).index(y))
    run = SimpleNamespace(baseline=base, share=lambda ind, sc: arr)
    t = commune_answers(run, "x")
    assert list(t["unit"]) == ["P.b", "P.c", "P.a"]                       # by median, highest first
    assert t.set_index("unit").loc["P.a", ["median", "low", "high"]].tolist() == pytest.approx([0.10, 0.06, 0.14])
    info = dict(zip(t["unit"], t["information"]))
    assert info == {"P.a": "own", "P.b": "former_area", "P.c": "not_commune_information"}
    assert t.set_index("unit").loc["P.a", "n_figures"] == 3 and t["has_own_data"].sum() == 1
    assert t.set_index("unit")["rank"].tolist()[2] == 1 and t["rank"].isna().sum() == 2
    assert commune_answers(run, "x", include_geography=True)["information"].tolist().count("province") == 1
