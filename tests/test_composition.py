"""Destinations as a composition (issue 18): every destination group with its own evidence, the quota that
displaces, the past left alone, one plausibility bound."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from simlib.inputs import bundle as data
from simlib.inputs.destinations import DestinationsError, read_destinations
from simlib.logit import expit, logit
from simlib.models import composition as C
from simlib.scenarios import engine as S
from simlib.scenarios import levers as L
from conftest import DATA

N = 300


# --------------------------------------------------------------------------
# the arithmetic: reconcile, transfer, split
# --------------------------------------------------------------------------
def _reference_reconcile(z, w):
    """Independent scalar reference: solve sum expit(z_k + c w_k p_k(1-p_k)) = 1 with brentq."""
    p0 = [expit(x) for x in z]
    v = [wk * pk * (1 - pk) for wk, pk in zip(w, p0)]
    c = brentq(lambda c: sum(expit(x + c * vk) for x, vk in zip(z, v)) - 1.0, -1e12, 1e12, xtol=1e-15, maxiter=2000)
    return [expit(x + c * vk) for x, vk in zip(z, v)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0.01, 0.95), st.just(0.0) | st.floats(0.01, 3.0)), min_size=2, max_size=6))
def test_reconcile_matches_an_independent_root_finder_and_sums_to_one(comps):
    comps[0] = (comps[0][0], max(comps[0][1], 0.05))  # at least one component free to move
    z = [float(logit(p)) for p, _ in comps]
    w = [wk for _, wk in comps]
    fixed = sum(p for p, wk in comps if wk == 0)
    if fixed >= 0.999:
        return
    out = C.reconcile({str(i): z[i] for i in range(len(z))}, {str(i): w[i] for i in range(len(w))})
    ref = _reference_reconcile(z, w)
    assert abs(sum(float(v) for v in out.values()) - 1.0) < 1e-12
    np.testing.assert_allclose([float(out[str(i)]) for i in range(len(z))], ref, atol=1e-10)
    for i, (p, wk) in enumerate(comps):
        if wk == 0:
            assert float(out[str(i)]) == pytest.approx(p, abs=1e-12)  # a fixed component never moves


def test_reconcile_moves_the_uncertain_component_most():
    # shares 0.2 + 0.6 + 0.4 = 1.2; the vague component (variance 4) gives up most of the 0.2 excess
    out = C.reconcile({"precise": logit(0.2), "vague": logit(0.6), "mid": logit(0.4)},
                      {"precise": 0.01, "vague": 4.0, "mid": 0.25})
    drop = {k: s - float(out[k]) for k, s in (("precise", 0.2), ("vague", 0.6), ("mid", 0.4))}
    assert drop["vague"] > drop["mid"] > drop["precise"] > 0
    assert drop["precise"] < 0.005
    assert sum(drop.values()) == pytest.approx(0.2, abs=1e-12)


def test_reconcile_vectorised_over_draws_and_refuses_an_impossible_composition():
    rng = np.random.default_rng(1)
    z = {k: rng.normal(m, 1.0, (500, 3, 4)) for k, m in (("a", -1.0), ("b", 0.5), ("c", -2.0))}
    w = {"a": np.full((1, 3, 4), 1.0), "b": np.full((1, 3, 4), 2.0), "c": 0.0}
    out = C.reconcile(z, w)
    assert C.simplex_gap(out) < 1e-12
    np.testing.assert_array_equal(out["c"], expit(z["c"]))
    with pytest.raises(C.CompositionError, match="cannot be made to sum to 1"):
        C.reconcile({"a": logit(0.7), "b": logit(0.6)}, {"a": 0.0, "b": 0.0})


def test_transfer_hand_computed_and_split_exact():
    out = C.transfer({"voc": 0.2, "thpt": 0.6, "gdtx": 0.1, "leave": 0.1}, ["voc"], np.array(0.36))
    # the others keep their proportions 6:1:1 of the remaining 0.64
    assert float(out["voc"]) == pytest.approx(0.36)
    assert float(out["thpt"]) == pytest.approx(0.48) and float(out["gdtx"]) == pytest.approx(0.08)
    assert float(out["leave"]) == pytest.approx(0.08)
    two = C.transfer({"so_cap": 0.05, "trung_cap": 0.15, "rest": 0.8}, ["so_cap", "trung_cap"], np.array(0.3))
    assert float(two["so_cap"]) == pytest.approx(0.075) and float(two["trung_cap"]) == pytest.approx(0.225)
    s = C.split({"voc": np.array([0.2, 0.4])}, {"voc": {"so_cap": 0.25, "trung_cap": 0.75}})
    np.testing.assert_allclose(s["trung_cap"], [0.15, 0.3], rtol=0, atol=1e-15)
    with pytest.raises(C.CompositionError, match="sums to"):
        C.split({"voc": 0.2}, {"voc": {"so_cap": 0.5, "trung_cap": 0.6}})


# --------------------------------------------------------------------------
# the destinations file
# --------------------------------------------------------------------------
def test_bundled_destinations_cover_every_destination_with_a_source():
    t = read_destinations(DATA / "destinations.csv")
    assert (t["source"].str.len() > 20).all()
    assert set(t["origin"]) == {"thcs", "thpt"}
    reg = S.registry(data.load_bundle().indicators, tracks=S.TRACKS)
    comps = C.components_for(t, S.base_destination_shares(S.fa.load_flow_assumptions(DATA / "flow_assumptions.csv")),
                             reg)
    by = {(c.origin, c.name): c for cs in comps.values() for c in cs}
    assert by[("thcs", "vocational")].indicator == "thcs_to_gdnn_sc_tc" and by[("thcs", "vocational")].steered
    assert by[("thcs", "not_continuing")].indicator == "thcs_not_continuing"
    assert by[("thcs", "not_continuing")].complement == "thcs_transition_broad"
    assert by[("thcs", "general_thpt")].indicator == "thcs_to_thpt"
    assert not by[("thcs", "vocational")].absorbs and by[("thcs", "general_thpt")].absorbs
    w = by[("thcs", "vocational")].within
    assert w["trung_cap"] == pytest.approx(0.75) and w["so_cap"] == pytest.approx(0.25)


@pytest.mark.parametrize("column,value,words", [
    ("origin", "thcss", "column 'origin'"),
    ("prior_sd_logit", "-1", "column 'prior_sd_logit'"),
    ("absorbs", "maybe", "column 'absorbs'"),
    ("tracks", "so_cap;so_cap", "already in the component"),
])
def test_destinations_file_errors_name_row_and_column(tmp_path, column, value, words):
    df = pd.read_csv(DATA / "destinations.csv", dtype=str, keep_default_na=False)
    df.loc[1, column] = value
    p = tmp_path / "destinations.csv"
    df.to_csv(p, index=False)
    with pytest.raises(DestinationsError) as e:
        read_destinations(p)
    assert "row 3" in str(e.value) and words in str(e.value)


# --------------------------------------------------------------------------
# the engine: evidence per component, quota displacement, past, bound
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bundle():
    return data.load_bundle()


@pytest.fixture(scope="module")
def lv():
    return L.load_levers()


def _cfg(**kw):
    return S.RunConfig(**{"n_draws": N, "years": tuple(range(2022, 2031)), "as_of": 2026, **kw})


@pytest.fixture(scope="module")
def base(bundle, lv):
    return S.simulate_baseline(bundle, "vn.long_an", _cfg(), levers=lv)


def _with_figures(bundle, geo, indicator, values: dict[int, float]):
    tmpl = bundle.observations.iloc[[0]].copy()
    rows = []
    for y, v in values.items():
        r = tmpl.copy()
        r["obs_id"], r["geography"], r["indicator"] = f"t.{indicator}.{y}", geo, indicator
        r["year"], r["value"], r["value_share"] = y, 100 * v, v
        r["flags"], r["basis"] = "planner_data", "same"
        rows.append(r)
    obs = pd.concat([bundle.observations, *rows], ignore_index=True)
    return dataclasses.replace(bundle, observations=obs)


def _all_on(lv):
    sc = L.Scenario("all_on")
    for key, lever in lv.levers.items():
        vals = {name: {2027: st_.max if name != "counsellors_per_school" else 2.0} for name, st_ in lever.settings.items()}
        sc = sc.with_settings(key, **vals)
    return sc.with_quota(grade10_public_share={2027: 0.5}).with_tracks(trung_hoc_nghe={2027: 0.05})


def test_shares_sum_to_one_everywhere_with_every_lever_quota_and_track_on(base, lv):
    res = S.apply_scenario(base, _all_on(lv))
    for origin, tracks in S.TRACKS.items():
        total = sum(res.intake[(origin, t)] for t in tracks)
        np.testing.assert_allclose(total, res.graduates[origin], rtol=1e-12)
    for origin, dest in base.composition.items():
        assert C.simplex_gap(dest) < 1e-12
        assert all((np.asarray(v) >= 0).all() for v in dest.values())


_CACHE: dict = {}


def _shared():
    if not _CACHE:
        _CACHE["bundle"], _CACHE["lv"] = data.load_bundle(), L.load_levers()
    return _CACHE["bundle"], _CACHE["lv"]


@settings(max_examples=4, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(level=st.floats(0.02, 0.25))
def test_a_planners_school_leaving_figures_drive_the_transition(level):
    bundle, lv = _shared()
    b = _with_figures(bundle, "vn.long_an", "thcs_not_continuing", {y: level for y in range(2022, 2027)})
    base = S.simulate_baseline(b, "vn.long_an", _cfg(n_draws=400), levers=lv, units=["vn.long_an"])
    run = S.run_scenarios(b, [], baseline=base)
    k = base.year_index(2030)
    nc = float(np.median(run.share("thcs_not_continuing")[:, 0, k]))
    assert nc == pytest.approx(level, rel=0.25)  # its own figures pull its component
    broad = float(np.median(run.share("thcs_transition_broad")[:, 0, k]))
    assert broad == pytest.approx(1 - level, abs=0.25 * level + 1e-3)
    ro = base.rests_on(base.registry["thcs_transition_broad"], "vn.long_an")
    # the planner's five figures (and the former Long An's "over 6 %") decide it
    assert ro.assessable and ro.n_points >= 5 and "thcs_not_continuing" in ro.describe()


def test_each_destinations_figures_pull_its_own_component(bundle, lv):
    low = _with_figures(bundle, "vn.long_an", "thcs_to_thpt", {y: 0.55 for y in range(2022, 2027)})
    high = _with_figures(bundle, "vn.long_an", "thcs_to_thpt", {y: 0.80 for y in range(2022, 2027)})
    med = {}
    for name, b in (("low", low), ("high", high)):
        base = S.simulate_baseline(b, "vn.long_an", _cfg(), levers=lv, units=["vn.long_an"])
        thpt = sum(np.asarray(base.composition["thcs"][t]) for t in ("thpt_public", "thpt_private"))
        med[name] = float(np.median(np.broadcast_to(thpt, (N, 1, len(base.years)))[:, 0, -1]))
        # the steered share keeps its own draws: THPT figures never bend the vocational fan
        np.testing.assert_array_equal(base.trend["thcs_to_gdnn_sc_tc"], base_trend_ref(bundle, lv))
    assert med["low"] < 0.62 < med["high"]


_REF: dict = {}


def base_trend_ref(bundle, lv):
    if "t" not in _REF:
        _REF["t"] = S.simulate_baseline(bundle, "vn.long_an", _cfg(), levers=lv, units=["vn.long_an"]).trend[
            "thcs_to_gdnn_sc_tc"]
    return _REF["t"]


def test_quota_overflow_split_is_honoured_exactly(base, lv):
    split = {"thpt_private": 0.4, "gdtx": 0.3, "trung_cap": 0.2, "not_continuing": 0.1}
    q = 0.5
    sc = L.Scenario("q").with_quota(grade10_public_share={2027: q}, overflow=split)
    res = S.apply_scenario(base, sc)
    ref = S.apply_scenario(base, L.Scenario("baseline"))
    k = base.year_index(2028)
    g = res.graduates["thcs"][:, :, k]
    demand_pub = ref.intake[("thcs", "thpt_public")][:, :, k]
    displaced = np.maximum(demand_pub - q * g, 0.0)
    assert (displaced > 0).any()
    np.testing.assert_allclose(res.intake[("thcs", "thpt_public")][:, :, k], np.minimum(demand_pub, q * g),
                               rtol=1e-10)
    for track, frac in split.items():
        gain = res.intake[("thcs", track)][:, :, k] - ref.intake[("thcs", track)][:, :, k]
        np.testing.assert_allclose(gain, frac * displaced, rtol=1e-9, atol=1e-6)
    # destinations outside the split are untouched
    np.testing.assert_allclose(res.intake[("thcs", "so_cap")][:, :, k], ref.intake[("thcs", "so_cap")][:, :, k],
                               rtol=1e-12)


def test_default_overflow_is_drawn_and_moves_the_transition_where_the_quota_binds(base, lv):
    assert lv.overflow is not None and lv.overflow.status in ("evidence", "judgement")
    d = base.draws.overflow
    np.testing.assert_allclose(sum(d.values()), 1.0, rtol=1e-12)
    assert np.std(d["thpt_private"]) > 0.02
    run = S.run_scenarios(base.bundle, [L.Scenario("q50").with_quota(grade10_public_share={2027: 0.5}),
                                        L.Scenario("q90").with_quota(grade10_public_share={2027: 0.9})],
                          baseline=base)
    k = base.year_index(2030)
    p = {sc: run.prob_at_least("thcs_transition", sc, "vn.long_an", 2030, 0.90) for sc in run.scenarios}
    assert p["q50"] < p["baseline"]
    tr = run.share("thcs_transition", "q50")[:, 0, k]
    assert np.median(tr) < np.median(run.share("thcs_transition", "baseline")[:, 0, k])


def test_the_past_is_the_same_under_every_scenario(bundle, lv):
    base = S.simulate_baseline(bundle, "vn.long_an", _cfg(as_of=2026), levers=lv, units=["vn.long_an"])
    scs = [L.load_scenario(n, lv) for n in ("all_levers", "waiver_plus")]
    scs.append(L.Scenario("q").with_quota(grade10_public_share={2025: 0.5}))
    run = S.run_scenarios(bundle, scs, baseline=base)
    for y in (2024, 2025, 2026):
        k = base.year_index(y)
        ref = run.share("thcs_transition", "baseline")[:, 0, k]
        for sc in run.scenarios:
            for ind in ("thcs_to_gdnn_sc_tc", "thcs_transition", "thpt_to_cao_dang"):
                np.testing.assert_array_equal(run.share(ind, sc)[:, 0, k], run.share(ind, "baseline")[:, 0, k])
        assert run.p_met("thcs_transition", "all_levers", "vn.long_an", y, 0.9) == \
            run.p_met("thcs_transition", "baseline", "vn.long_an", y, 0.9)
        del ref
    k = base.year_index(2029)
    assert not np.array_equal(run.share("thcs_to_gdnn_sc_tc", "all_levers")[:, 0, k],
                              run.share("thcs_to_gdnn_sc_tc", "baseline")[:, 0, k])
    notes = run.results["all_levers"].notes
    assert notes and "2025" in notes[0] and "2027" in notes[0]


def test_one_bound_for_trend_and_levers(base, lv):
    bound = base.draws.max_feasible["thcs_to_gdnn_sc_tc"][:, None, None]
    assert (base.shares["thcs_to_gdnn_sc_tc"] <= bound + 1e-12).all()
    run = S.run_scenarios(base.bundle, [L.load_scenario("all_levers", lv)], baseline=base)
    sh = run.share("thcs_to_gdnn_sc_tc", "all_levers")
    assert (sh <= bound + 1e-12).all()
    # room to move is never negative, so no lever is cancelled by a bound the baseline ignores
    c = run.contributions("thcs_to_gdnn_sc_tc", "all_levers", "vn.long_an", 2030)
    lever_sum = sum(v for k_, v in c.items() if k_ in lv.levers)
    assert c["ceiling"] >= -0.5 * lever_sum


def test_rests_on_names_figures_and_priors(base):
    ro = base.rests_on(base.registry["thcs_transition"], "vn.long_an")
    names = {comp.name for comp, _ in ro.parts}
    assert names == {"vocational", "not_continuing"}  # strict reading: sơ cấp (vocational) and leaving decide it
    text = ro.describe()
    assert "2 figure(s) of thcs_to_gdnn_sc_tc (vn.long_an)" in text and "1 figure(s) of thcs_not_continuing" in text
    gd = base.rests_on(base.registry["thcs_to_gdnn_incl_gdtx_centre"], "vn.long_an")
    assert "the prior for gdtx (12.0%" in gd.describe()
    broad = base.rests_on(base.registry["thcs_transition_broad"], "vn.long_an")
    assert {c.name for c, _ in broad.parts} == {"not_continuing"}
