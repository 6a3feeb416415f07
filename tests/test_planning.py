"""simlib.assess.planning.defendable_targets: the share each unit can defend, with P(met) of a target."""

import numpy as np
import pytest

from simlib.assess.planning import defendable_targets
from simlib.inputs import bundle as data
from simlib.scenarios import engine as S
from simlib.scenarios import levers as L

N = 300


@pytest.fixture(scope="module")
def bundle():
    return data.load_bundle()


@pytest.fixture(scope="module")
def run(bundle):
    lv = L.load_levers()
    base = S.simulate_baseline(bundle, "vn.long_an", S.RunConfig(n_draws=N, years=tuple(range(2022, 2031))),
                               levers=lv)
    return S.run_scenarios(bundle, [L.load_scenario("all_levers", lv)], baseline=base)


def test_reach_is_met_in_the_stated_share_of_draws(run):
    t = defendable_targets(run, 2030, indicators=["thcs_to_gdnn_sc_tc"])
    b = run.baseline
    assert len(t) == len(b.units) * len(run.scenarios)
    for r in t.to_dict("records"):
        x = run.share("thcs_to_gdnn_sc_tc", r["scenario"])[:, b.unit_index(r["unit"]), b.year_index(2030)]
        # a share defended with probability p is met or exceeded in (about) a fraction p of the draws
        assert np.mean(x >= r["reach_p80_pct"] / 100 - 1e-12) == pytest.approx(0.8, abs=1.5 / N)
        assert np.mean(x >= r["reach_p50_pct"] / 100 - 1e-12) == pytest.approx(0.5, abs=1.5 / N)
        assert r["reach_p80_pct"] <= r["reach_p50_pct"]
    prov = t[(t["unit"] == "vn.long_an") & (t["scenario"] == "baseline")].iloc[0]
    assert prov["evidence"] == "vn.long_an" and prov["n_points"] == 2 and not prov["illustrative"]


def test_derived_indicator_and_benchmark_applied_to_every_unit(run, bundle):
    tg = bundle.targets
    bench = tg[tg["target_id"] == "qd2239.2030.vet_pooled"].assign(geography="vn.long_an")  # range 50-55 %
    t = defendable_targets(run, 2030, indicators=["vet_share_pooled"], targets=bench)
    b = run.baseline
    assert set(t["evidence"]) == {"flow_model"} and t["illustrative"].all()
    assert np.allclose(t["target_pct"], 50.0)
    assert set(t.loc[t["unit"] != "vn.long_an", "target_of"]) == {"vn.long_an"}   # the province's, for each unit
    assert set(t.loc[t["unit"] == "vn.long_an", "target_of"]) == {"own"}
    for r in t.to_dict("records"):
        x = run.share("vet_share_pooled", r["scenario"])[:, b.unit_index(r["unit"]), b.year_index(2030)]
        assert r["p_met"] == pytest.approx(np.mean(x >= 0.50))   # a range is met at its floor


def test_own_target_wins_and_other_years_are_ignored(run, bundle):
    tg = bundle.targets
    la = tg[(tg["plan_id"] == "long_an_2025") & (tg["indicator"] == "thpt_to_cao_dang")]
    t = defendable_targets(run, 2025, indicators=["thpt_to_cao_dang"], targets=la)
    b = run.baseline
    tt = t[t["unit"] == "vn.long_an.tan_thanh"].iloc[0]
    assert tt["target_of"] == "own" and tt["target_pct"] == pytest.approx(65.22)
    x = run.share("thpt_to_cao_dang", tt["scenario"])[:, b.unit_index("vn.long_an.tan_thanh"), b.year_index(2025)]
    assert tt["p_met"] == pytest.approx(np.mean(x >= 0.6522))
    prov = t[t["unit"] == "vn.long_an"].iloc[0]
    assert prov["target_pct"] == pytest.approx(45.81)         # the appendix (used), not the body's 45,84
    assert "target_pct" not in defendable_targets(run, 2030, indicators=["thpt_to_cao_dang"], targets=la)
