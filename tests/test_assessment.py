"""The assessment chain: one path to the verdicts, its steps, its results object; the message catalogue."""

from __future__ import annotations

import re
import string

import numpy as np
import pandas as pd
import pytest

from simlib.assess import Assessment, AssessmentResult
from simlib.assess.assessment import SUMMARY_COLUMNS, feasibility
from simlib.evidence.targets import p_met, threshold
from simlib.inputs import bundle as data
from simlib.inputs.case import load_case, load_case_inputs
from simlib.inputs.messages import MESSAGES, message
from simlib.scenarios import engine as S
from simlib.scenarios import levers as L
from simlib.vocab import FAN_PROBS, qname

N = 200


@pytest.fixture(scope="module")
def bundle():
    return data.load_bundle()


@pytest.fixture(scope="module")
def lv(bundle):
    return L.load_levers(bundle.data_dir / "levers.yaml")


@pytest.fixture(scope="module")
def long_an(bundle, lv):
    scs = [L.load_scenario("baseline", lv), L.load_scenario("all_levers", lv)]
    chain = Assessment.for_plan(bundle, "long_an_2025", scs, config=S.RunConfig(n_draws=N), levers=lv, as_of=2026)
    return chain, chain.run()


def test_the_steps_widen_the_years_once_and_chunk_the_geography_first(long_an):
    chain, res = long_an
    cfg = chain.run_config()
    assert cfg.years[0] <= 2022 and cfg.years[-1] >= 2030 and res.config == cfg
    chunked = Assessment(**{**chain.__dict__, "chunk_units": 4})
    plan = chunked.plan(cfg)
    parts = chunked.chunks(plan)
    assert parts[0] == [chain.geography] and [u for p in parts for u in p] == list(chain.units)
    assert all(len(p) <= 4 for p in parts)


def test_the_verdicts_are_the_draws_read_against_each_target(long_an):
    """P(met) of every assessed row equals the share of the run's draws meeting its threshold."""
    chain, res = long_an
    run = res.runs["long_an_2025"]
    b = run.baseline
    t = chain.targets().set_index("target_id")
    rows = res.verdicts[res.verdicts["p_met"].notna() & (res.verdicts["timing"] != "past_observed")]
    assert len(rows) >= 4
    for r in rows.to_dict("records"):
        x = run.share(r["indicator"], r["scenario"])[:, b.unit_index(r["geography"]), b.year_index(r["year"])]
        assert r["p_met"] == p_met(x, threshold(t.loc[r["target_id"]]))
        assert r["median_pct"] == pytest.approx(100 * np.median(x))


def test_the_result_object_summarises_itself(long_an):
    _, res = long_an
    assert isinstance(res, AssessmentResult) and res.table is res.verdicts
    frame = res.summary_frame()
    assert list(frame.columns) == SUMMARY_COLUMNS and frame["verdict"].notna().all()
    assert set(res.summary_frame("all_levers")["scenario"]) == {"all_levers"}
    text = res.summary()
    base = res.summary_frame("baseline")
    assert text.splitlines()[0].startswith("Assessment of 1 plan(s)") and f"{N:,} draws" in text
    assert len([line for line in text.splitlines() if line.startswith("- ")]) == len(base)
    # fans: every unit and year, the vocabulary's quantile columns, ordered
    assert [c for c in res.fans.columns if c.startswith("q")] == [qname(p) for p in FAN_PROBS]
    assert (np.diff(res.fans[[qname(p) for p in FAN_PROBS]].to_numpy(), axis=1)[res.fans["q0.5"].notna()] >= 0).all()


def test_feasibility_is_the_chain_plan_by_plan(bundle, lv, long_an):
    chain, res = long_an
    rep = feasibility(bundle, plans=["long_an_2025"], scenarios=list(chain.scenarios), levers=lv,
                      config=S.RunConfig(n_draws=N), as_of=2026)
    pd.testing.assert_frame_equal(rep.verdicts, res.verdicts)
    pd.testing.assert_frame_equal(rep.reach, res.reach)


def test_a_case_assessed_from_its_inputs_sets_as_of_and_its_scenarios():
    inputs = load_case_inputs(load_case("long_an_2025"))
    chain = Assessment.from_case(inputs, config=S.RunConfig(years=inputs.case.years, n_draws=50))
    assert chain.config.as_of == inputs.case.as_of == chain.as_of
    assert chain.run_id == inputs.case.id and chain.units == tuple(inputs.units)
    assert chain.chunk_units == S.chunk_size(50, len(inputs.case.years), n_scenarios=len(chain.scenarios))
    assert [s.name for s in chain.scenarios][:1] == ["baseline"]


# --------------------------------------------------------------------------
# the message catalogue of inputs
# --------------------------------------------------------------------------
@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_has_both_languages_with_the_same_fields(key):
    en, vi = MESSAGES[key]
    # the real fields (escaped braces "{{year: number}}" are text); a pair shape_en / shape_vi is one field
    fields = lambda s: sorted({re.sub(r"_(en|vi)$", "", f.split(".")[0].split("[")[0])  # noqa: E731
                               for _, f, _, _ in string.Formatter().parse(s) if f})
    assert en and vi
    if key == "formula":  # the English text is the reader's own explanation ({why}), the Vietnamese names the formula
        return
    # Vietnamese plural-free: an English-only plural field {s} may be absent from the Vietnamese text
    assert [f for f in fields(en) if f != "s"] == [f for f in fields(vi) if f != "s"], key


def test_a_message_is_filled_in_the_planners_language():
    assert message("range_order", "vi", lo=40, hi=30) == "cận dưới (40) phải nhỏ hơn cận trên (30)"
    assert message("range_order", "en", lo=40, hi=30) == "the low end (40) must be below the high end (30)"
    assert message("range_order", "fr", lo=1, hi=2).startswith("the low end")
