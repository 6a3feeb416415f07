"""Tests for simlib.models.flows: hand-computed cases, capacity re-routing, mass balance, errors,
the new tracks (trung học nghề, public/private THPT), output selection and workspaces, and a
differential test of both compute paths against an independent plain-Python implementation
(tests/flow_reference.py)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flow_reference import simulate_reference
from simlib.models import _kernels
from simlib.models.flows import (
    GRADES,
    OUTPUTS,
    PROGRAMMES,
    SEAT_TRACKS,
    THCS_TRACKS,
    THPT_TRACKS,
    Capacity,
    Durations,
    FlowOutputError,
    FlowParameterError,
    FlowParameters,
    FlowWorkspace,
    StaleResultError,
    indicator_share,
    project_cohort,
    quantiles,
    simulate_flows,
)
from simlib.inputs.assumptions import load_flow_assumptions
from simlib.models import assumptions as fa

#: Programme durations and first intake years are data (flow_assumptions.csv), not numbers in flows.py.
_TABLE = load_flow_assumptions()
DUR = fa.durations(_TABLE)
START = fa.programme_start(_TABLE)


def _fp(**kw) -> FlowParameters:
    """FlowParameters with the bundled durations and first intake years unless the test gives its own."""
    kw.setdefault("durations", DUR)
    kw.setdefault("programme_start", START)
    return FlowParameters(**kw)


def _dur(**kw) -> Durations:
    """The bundled durations with some replaced."""
    return dataclasses.replace(DUR, **kw)

ENGINES = ["numpy"] + (["numba"] if _kernels.numba_available() else [])
THCS_SIMPLE = {"thpt_public": 0.6, "gdtx": 0.1, "so_cap": 0.05, "trung_cap": 0.15, "not_continuing": 0.1}
THPT_SIMPLE = {"dai_hoc": 0.5, "cao_dang": 0.2, "trung_cap": 0.1, "not_continuing": 0.2}


def _value(df: pd.DataFrame, col: str, **where) -> float:
    sel = df
    for k, v in where.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, (where, len(sel))
    return float(sel[col].iloc[0])


# --------------------------------------------------------------------------
# hand-computed two-unit, two-year example
# --------------------------------------------------------------------------
@pytest.fixture
def hand_result():
    grade9 = pd.DataFrame({2024: [1000.0, 600.0], 2025: [1200.0, 400.0]}, index=["A", "B"])
    params = _fp(
        thcs_shares=THCS_SIMPLE,
        thpt_shares=THPT_SIMPLE,
        thcs_graduation=pd.Series({"A": 0.9, "B": 0.75}),
        promotion=(0.85, 0.8),
        repetition=(0.1, 0.15, 0.04),
        thpt_graduation=0.96,
        warm_start=True,
    )
    return simulate_flows(grade9, params)


def test_hand_two_units_two_years_thcs(hand_result):
    """THCS stage, by hand.

    Unit A: grade 9 = 1000 (2024), 1200 (2025); graduation 0.9 -> 900, 1080.
      2024 intakes: thpt 0.6*900 = 540, gdtx 90, so_cap 45, trung_cap 135, not_continuing 90.
      2025 intakes: thpt 648, gdtx 108, so_cap 54, trung_cap 162, not_continuing 108.
    Unit B: grade 9 = 600, 400; graduation 0.75 -> 450, 300.
      2024: thpt 270, gdtx 45, so_cap 22.5, trung_cap 67.5, not_continuing 45.
      2025: thpt 180, gdtx 30, so_cap 15, trung_cap 45, not_continuing 30.
    Decision 522 indicator (so_cap + trung_cap) / graduates = 0.05 + 0.15 = 0.2 everywhere;
    counting gdtx as well gives 0.3.
    """
    d = hand_result.destinations("thcs")
    expected = {
        ("A", 2024): [540, 90, 45, 135, 90],
        ("A", 2025): [648, 108, 54, 162, 108],
        ("B", 2024): [270, 45, 22.5, 67.5, 45],
        ("B", 2025): [180, 30, 15, 45, 30],
    }
    for (unit, year), values in expected.items():
        for track, v in zip(("thpt_public", "gdtx", "so_cap", "trung_cap", "not_continuing"), values):
            assert _value(d, "students", unit=unit, year=year, track=track) == pytest.approx(v, rel=1e-12)
        for track in ("thpt_private", "trung_hoc_nghe"):
            assert _value(d, "students", unit=unit, year=year, track=track) == 0
    ind = indicator_share(hand_result, {"so_cap", "trung_cap"})
    assert np.allclose(ind["share"], 0.2, rtol=1e-12)
    ind3 = indicator_share(hand_result, {"so_cap", "trung_cap", "gdtx"}, origin="thcs")
    assert np.allclose(ind3["share"], 0.3, rtol=1e-12)


def test_hand_two_units_two_years_thpt(hand_result):
    """THPT stage with warm start, by hand (p10 .85, p11 .8, g .96; r .1, .15, .04).

    Unit A, steady state before 2024 from the 2024 intake 540:
      E10 = 540/(1-0.1) = 600; E11 = 0.85*600/(1-0.15) = 600; E12 = 0.8*600/(1-0.04) = 500.
    Flows into 2024 (2024 rates): promoted 10->11 = 510, repeat 10 = 60, drop 10 = 600-510-60 = 30;
      11->12 = 480, repeat 11 = 90, drop 11 = 30; graduates = 0.96*500 = 480, repeat 12 = 20, drop 12 = 0.
    E 2024: E10 = 540+60 = 600, E11 = 510+90 = 600, E12 = 480+20 = 500 (steady state holds).
    E 2025: E10 = 648+60 = 708, E11 = 600, E12 = 500. Graduates 480 in both years:
      dai_hoc 240, cao_dang 96, trung_cap 48, not_continuing 96.
    Unit B (intake 270, then 180): E10 = 300, E11 = 0.85*300/0.85 = 300, E12 = 0.8*300/0.96 = 250;
      2024: E = 270+30, 255+45, 240+10 = 300, 300, 250; 2025: E10 = 180+30 = 210, 300, 250.
      Graduates 0.96*250 = 240: dai_hoc 120, cao_dang 48, trung_cap 24, not_continuing 48.
    """
    e = hand_result.enrolment()
    expected_e = {
        ("A", 2024): (600, 600, 500),
        ("A", 2025): (708, 600, 500),
        ("B", 2024): (300, 300, 250),
        ("B", 2025): (210, 300, 250),
    }
    for (unit, year), values in expected_e.items():
        for state, v in zip(("grade10", "grade11", "grade12"), values):
            assert _value(e, "students", unit=unit, year=year, state=state) == pytest.approx(v, rel=1e-12)
    d = hand_result.destinations("thpt")
    for unit, values in {"A": [240, 96, 48, 96], "B": [120, 48, 24, 48]}.items():
        for year in (2024, 2025):
            for track, v in zip(THPT_TRACKS, values):
                assert _value(d, "students", unit=unit, year=year, track=track) == pytest.approx(v, rel=1e-12)
    x = hand_result.exits()
    assert _value(x, "students", unit="A", year=2025, exit="thpt_dropout_grade10") == pytest.approx(30)
    assert _value(x, "students", unit="A", year=2025, exit="thpt_dropout_grade11") == pytest.approx(30)
    assert _value(x, "students", unit="B", year=2024, exit="thpt_dropout_grade10") == pytest.approx(15)
    assert abs(_value(x, "students", unit="B", year=2024, exit="thpt_dropout_grade12")) < 1e-9


def test_hand_two_units_two_years_seats_and_balance(hand_result):
    """Seats with default durations (trung_cap 2, trung_cap_thpt 1.5, cao_dang 2.5) and warm start.

    A trung_cap (THCS): 2024 = 135 + 135 (warm start) = 270; 2025 = 162 + 135 = 297.
      trung_cap_thpt: 48 + 0.5*48 = 72 both years -> seats_needed('trung_cap') = 342, 369.
    B: THCS part 67.5*2 = 135, then 45 + 67.5 = 112.5; THPT part 24*1.5 = 36 -> 171, 148.5.
    A cao_dang: 96 * 2.5 = 240. A thpt seats: 600+600+500 = 1700; 708+600+500 = 1808.
    Mass balance A: entered = 1000 + 1200 + (600+600+500) = 3900; accounted =
      non-graduates 100+120 + THCS non-THPT intakes (360 + 432) + THPT dropouts (60+60)
      + THPT graduates (480+480) + THPT enrolment 2025 (1808) = 3900.
    """
    tc = hand_result.seats_needed("trung_cap")
    assert _value(tc, "seats", unit="A", year=2024) == pytest.approx(342)
    assert _value(tc, "seats", unit="A", year=2025) == pytest.approx(369)
    assert _value(tc, "seats", unit="B", year=2024) == pytest.approx(171)
    assert _value(tc, "seats", unit="B", year=2025) == pytest.approx(148.5)
    tc_thcs = hand_result.seats_needed("trung_cap", by_origin=True)
    assert _value(tc_thcs, "seats", unit="A", year=2025) == pytest.approx(297)
    cd = hand_result.seats_needed("cao_dang")
    assert _value(cd, "seats", unit="A", year=2025) == pytest.approx(240)
    th = hand_result.seats_needed("thpt")
    assert _value(th, "seats", unit="A", year=2024) == pytest.approx(1700)
    assert _value(th, "seats", unit="A", year=2025) == pytest.approx(1808)
    b = hand_result.balance()
    assert _value(b, "entered", unit="A") == pytest.approx(3900)
    assert _value(b, "accounted", unit="A") == pytest.approx(3900)


def test_cold_start_and_fractional_duration():
    """No warm start: the system starts empty.

    One unit, 3 years, 100 THCS graduates a year, all to trung_cap with duration 2.5:
      seats 2024 = 100; 2025 = 100 + 100 = 200; 2026 = 100 + 100 + 0.5*100 = 250.
    With annual in-programme dropout 0.2: 2026 = 100 + 0.8*100 + 0.5*0.64*100 = 212.
    All to thpt with p = 1, r = 0, g = 1: E10 = 100 each year; E11 = 0, 100, 100; E12 = 0, 0, 100;
    no THPT graduates until 2027 (outside the horizon).
    """
    g9 = pd.DataFrame({2024: [100.0], 2025: [100.0], 2026: [100.0]}, index=["X"])
    p = _fp(
        thcs_shares={"trung_cap": 1.0},
        thpt_shares={"dai_hoc": 1.0},
        durations=_dur(trung_cap=2.5),
        warm_start=False,
    )
    s = simulate_flows(g9, p).seats_needed("trung_cap")
    assert list(s["seats"]) == pytest.approx([100, 200, 250])
    p2 = _fp(
        thcs_shares={"trung_cap": 1.0},
        thpt_shares={"dai_hoc": 1.0},
        durations=_dur(trung_cap=2.5),
        programme_dropout={"trung_cap": 0.2},
        warm_start=False,
    )
    s2 = simulate_flows(g9, p2).seats_needed("trung_cap")
    assert list(s2["seats"]) == pytest.approx([100, 180, 212])
    p3 = _fp(thcs_shares={"thpt_public": 1.0}, thpt_shares={"dai_hoc": 1.0}, warm_start=False)
    r3 = simulate_flows(g9, p3)
    e = r3.enrolment()
    for state, values in {"grade10": [100, 100, 100], "grade11": [0, 100, 100], "grade12": [0, 0, 100]}.items():
        assert list(e.loc[e.state == state, "students"]) == pytest.approx(values)
    assert r3.thpt_graduates.sum() == 0


# --------------------------------------------------------------------------
# capacity re-routing
# --------------------------------------------------------------------------
def _one_cell(thcs_shares, capacity, n=1000.0, year=2025, engine="numpy"):
    """Intakes and shares of one cell, for the tracks named in the shares or the capacity (others must be 0)."""
    g9 = pd.DataFrame({year: [n]}, index=["X"])
    p = _fp(thcs_shares=thcs_shares, thpt_shares={"dai_hoc": 1.0}, thcs_capacity=capacity)
    d = simulate_flows(g9, p, engine=engine).destinations("thcs")
    named = set(thcs_shares) | set(capacity.caps) | set(capacity.share_caps) | {"not_continuing"}
    for dsts in (capacity.reroute.values() if not isinstance(capacity.reroute, str) else ()):
        named |= {dsts} if isinstance(dsts, str) else set(dsts)
    assert (d.loc[~d["track"].isin(named), "students"] == 0).all()
    keep = d["track"].isin(named)
    return dict(zip(d.loc[keep, "track"], d.loc[keep, "students"])), dict(zip(d.loc[keep, "track"], d.loc[keep, "share"]))


def test_reroute_proportional_hand():
    """1000 graduates; shares thpt .6, gdtx .1, so_cap .05, trung_cap .15, not_continuing .1; thpt capped at 500.

    Overflow 600 - 500 = 100 goes to the open tracks in proportion to their shares
    (.1 : .05 : .15 : .1, total .4): gdtx +25, so_cap +12.5, trung_cap +37.5, not_continuing +25.
    Result: thpt 500, gdtx 125, so_cap 62.5, trung_cap 187.5, not_continuing 125 (sum 1000).
    """
    for engine in ENGINES:
        x, share = _one_cell(THCS_SIMPLE, Capacity(caps={"thpt_public": 500}), engine=engine)
        assert x == pytest.approx({"thpt_public": 500, "gdtx": 125, "so_cap": 62.5, "trung_cap": 187.5,
                                   "not_continuing": 125})
        assert share["thpt_public"] == pytest.approx(0.5)


def test_reroute_proportional_cascade_hand():
    """As above but trung_cap also capped at 160.

    Pass 1: thpt overflow 100, trung_cap demand 150 is under 160; 100 is spread:
      gdtx 125, so_cap 62.5, trung_cap 187.5, not_continuing 125.
    Pass 2: trung_cap overflow 27.5 is spread over gdtx, so_cap, not_continuing (.1 : .05 : .1, total .25):
      gdtx +11, so_cap +5.5, not_continuing +11 -> gdtx 136, so_cap 68, trung_cap 160, not_continuing 136.
    """
    for engine in ENGINES:
        x, _ = _one_cell(THCS_SIMPLE, Capacity(caps={"thpt_public": 500, "trung_cap": 160}), engine=engine)
        assert x == pytest.approx({"thpt_public": 500, "gdtx": 136, "so_cap": 68, "trung_cap": 160,
                                   "not_continuing": 136})


def test_reroute_named_fallback_hand():
    """thpt capped at 500 with fallback thpt -> gdtx; gdtx capped at 150 with fallback gdtx -> trung_cap.

    thpt overflow 100 -> gdtx 100 + 100 = 200 > 150 -> 50 more to trung_cap: 150 + 50 = 200.
    Result: thpt 500, gdtx 150, so_cap 50, trung_cap 200, not_continuing 100.
    """
    cap = Capacity(caps={"thpt_public": 500, "gdtx": 150}, reroute={"thpt_public": "gdtx", "gdtx": "trung_cap"})
    for engine in ENGINES:
        x, _ = _one_cell(THCS_SIMPLE, cap, engine=engine)
        assert x == pytest.approx({"thpt_public": 500, "gdtx": 150, "so_cap": 50, "trung_cap": 200,
                                   "not_continuing": 100})


def test_reroute_all_capped_goes_to_not_continuing():
    """Every destination except not_continuing capped and full.

    Demand: thpt 600 (cap 300), gdtx 100 (cap 50), so_cap 50 (cap 50), trung_cap 150 (cap 100).
    Proportional rule: overflow 300 + 50 + 50 = 400 can only go to not_continuing (the only open
    track): not_continuing = 100 + 400 = 500. Sum 300 + 50 + 50 + 100 + 500 = 1000.
    """
    caps = {"thpt_public": 300, "gdtx": 50, "so_cap": 50, "trung_cap": 100}
    full = {"thpt_public": 300, "gdtx": 50, "so_cap": 50, "trung_cap": 100, "not_continuing": 500}
    x, _ = _one_cell(THCS_SIMPLE, Capacity(caps=caps))
    assert x == pytest.approx(full)
    # same with not_continuing share 0 (no open track has weight): remainder still to not_continuing
    shares = {"thpt_public": 0.7, "gdtx": 0.1, "so_cap": 0.05, "trung_cap": 0.15}
    x2, _ = _one_cell(shares, Capacity(caps=caps))
    assert x2 == pytest.approx(full)
    # named fallback into a full destination: the overflow keeps moving, then to not_continuing
    x3, _ = _one_cell(THCS_SIMPLE, Capacity(caps=caps, reroute={"thpt_public": "gdtx", "gdtx": "so_cap"}))
    assert x3 == pytest.approx(x)


def test_thpt_caps_reroute_hand():
    """THPT destinations: 480 graduates (A, 2024 of the hand example), cao_dang capped at 50 -> fallback trung_cap.

    Demand dai_hoc 240, cao_dang 96, trung_cap 48, not_continuing 96; overflow 46 -> trung_cap 94.
    """
    g9 = pd.DataFrame({2024: [1000.0]}, index=["A"])
    p = _fp(
        thcs_shares=THCS_SIMPLE,
        thpt_shares=THPT_SIMPLE,
        thcs_graduation=0.9,
        promotion=(0.85, 0.8),
        repetition=(0.1, 0.15, 0.04),
        thpt_graduation=0.96,
        thpt_capacity=Capacity(caps={"cao_dang": 50}, reroute={"cao_dang": "trung_cap"}),
    )
    d = simulate_flows(g9, p).destinations("thpt")
    assert list(d["students"]) == pytest.approx([240, 50, 94, 96])
    assert list(d["demand"]) == pytest.approx([240, 96, 48, 96])


# --------------------------------------------------------------------------
# the new tracks: public/private THPT, trung học nghề, the public grade-10 quota
# --------------------------------------------------------------------------
NEW_SHARES = {"thpt_public": 0.6, "thpt_private": 0.05, "trung_hoc_nghe": 0.05, "gdtx": 0.1, "so_cap": 0.05,
              "trung_cap": 0.1, "not_continuing": 0.05}


def test_public_quota_as_share_with_split_hand():
    """2026, 1000 graduates; public quota 50 % of graduates -> thpt_public capped at 500.

    Overflow 600 - 500 = 100 split: thpt_private 0.5, trung_hoc_nghe 0.3, gdtx 0.2:
      thpt_private 50 + 50 = 100, trung_hoc_nghe 50 + 30 = 80, gdtx 100 + 20 = 120;
      so_cap 50, trung_cap 100, not_continuing 50 unchanged; total 1000.
    With a count cap of 450 as well, the smaller binds: overflow 150 -> +75, +45, +30.
    """
    split = {"thpt_private": 0.5, "trung_hoc_nghe": 0.3, "gdtx": 0.2}
    want = {**NEW_SHARES, "thpt_public": 500, "thpt_private": 100, "trung_hoc_nghe": 80, "gdtx": 120}
    want = {k: (v * 1000 if v < 1 else v) for k, v in want.items()}
    for engine in ENGINES:
        x, share = _one_cell(NEW_SHARES, Capacity(share_caps={"thpt_public": 0.5}, reroute={"thpt_public": split}),
                             year=2026, engine=engine)
        assert x == pytest.approx(want)
        assert share["thpt_public"] == pytest.approx(0.5)
        x2, _ = _one_cell(NEW_SHARES, Capacity(caps={"thpt_public": 450}, share_caps={"thpt_public": 0.5},
                                               reroute={"thpt_public": split}), year=2026, engine=engine)
        assert x2 == pytest.approx({**want, "thpt_public": 450, "thpt_private": 125, "trung_hoc_nghe": 95,
                                    "gdtx": 130})


def test_split_per_draw_and_grade10_from_public_and_private():
    """A split given per draw: draw 0 sends the overflow to private THPT, draw 1 to trung học nghề.

    1000 graduates in 2026-2027, quota 500 public: draw 0 private 50 + 100 = 150, draw 1 trung_hoc_nghe
    50 + 100 = 150. Grade 10 (p = 1, r = 0, cold start) = public + private = 650 (draw 0), 550 (draw 1).
    Trung học nghề seats (3 years, opened in 2026): draw 1: 150, 300.
    """
    g9 = pd.DataFrame({2026: [1000.0], 2027: [1000.0]}, index=["X"])
    to_private = np.array([1.0, 0.0]).reshape(2, 1, 1)
    p = _fp(
        thcs_shares=NEW_SHARES, thpt_shares={"dai_hoc": 1.0}, warm_start=False,
        thcs_capacity=Capacity(caps={"thpt_public": 500},
                               reroute={"thpt_public": {"thpt_private": to_private, "trung_hoc_nghe": 1.0 - to_private}}),
    )
    for engine in ENGINES:
        r = simulate_flows(g9, p, engine=engine)
        np.testing.assert_allclose(r.track("thcs_intake", "thpt_private")[:, 0, 0], [150, 50])
        np.testing.assert_allclose(r.track("thcs_intake", "trung_hoc_nghe")[:, 0, 0], [50, 150])
        np.testing.assert_allclose(r.thpt_enrolment[:, 0, :, 0], [[650, 650], [550, 550]])
        seats = r.seats_needed("trung_hoc_nghe")
        assert list(seats.loc[seats.draw == 1, "seats"]) == pytest.approx([150, 300])


def test_trung_hoc_nghe_start_and_warm_start_hand():
    """Trung học nghề opens in 2026 (programme_start): no intake and no warm-start seats before.

    1000 graduates a year, trung_hoc_nghe share 0 in 2025 and 0.1 from 2026, duration 3, warm start:
      horizon 2025-2028: intakes 0, 100, 100, 100 -> seats 0, 100, 200, 300;
      horizon 2026-2028: the warm start assumes no intake before 2026 -> seats 100, 200, 300;
      the same with programme_start={} (always open): the warm start fills 2024-2025 -> 300, 300, 300.
    GDTX (0.1, 3 years) keeps its warm start: 300 every year.
    """
    shares = {"thpt_public": np.array([0.8, 0.7, 0.7, 0.7]), "trung_hoc_nghe": np.array([0.0, 0.1, 0.1, 0.1]),
              "gdtx": 0.1, "not_continuing": 0.1}
    g9 = pd.DataFrame({y: [1000.0] for y in range(2025, 2029)}, index=["X"])
    later = {"thpt_public": 0.7, "trung_hoc_nghe": 0.1, "gdtx": 0.1, "not_continuing": 0.1}
    for engine in ENGINES:
        r = simulate_flows(g9, _fp(thcs_shares=shares, thpt_shares={"dai_hoc": 1.0}), engine=engine)
        assert list(r.seats_needed("trung_hoc_nghe")["seats"]) == pytest.approx([0, 100, 200, 300])
        assert list(r.seats_needed("gdtx")["seats"]) == pytest.approx([300] * 4)
        r2 = simulate_flows(g9[[2026, 2027, 2028]], _fp(thcs_shares=later, thpt_shares={"dai_hoc": 1.0}),
                            engine=engine)
        assert list(r2.seats_needed("trung_hoc_nghe")["seats"]) == pytest.approx([100, 200, 300])
        r3 = simulate_flows(g9[[2026, 2027, 2028]], _fp(thcs_shares=later, thpt_shares={"dai_hoc": 1.0},
                                                                   programme_start={}), engine=engine)
        assert list(r3.seats_needed("trung_hoc_nghe")["seats"]) == pytest.approx([300, 300, 300])


def test_closed_programme_receives_no_reroute():
    """Before 2026 trung học nghề has no places: a split that names it sends nothing there; its part of
    the overflow is then re-routed like any overflow, proportionally over the open destinations.

    2025, 1000 graduates, shares public .65, private .05, gdtx .1, so_cap .05, trung_cap .1,
    not_continuing .05; public quota 500: overflow 150 -> private +75, trung_hoc_nghe +75 (closed: cap 0).
    Next pass: those 75 go to the open tracks by .05 : .1 : .05 : .1 : .05 (total .35), i.e. 75/7 per .05:
    private 125 + 75/7, gdtx 100 + 150/7, so_cap 50 + 75/7, trung_cap 100 + 150/7, not_continuing 50 + 75/7.
    """
    shares = {**NEW_SHARES, "trung_hoc_nghe": 0.0, "thpt_public": 0.65}
    cap = Capacity(caps={"thpt_public": 500}, reroute={"thpt_public": {"thpt_private": 0.5, "trung_hoc_nghe": 0.5}})
    for engine in ENGINES:
        x, _ = _one_cell(shares, cap, year=2025, engine=engine)
        assert x == pytest.approx({"thpt_public": 500, "thpt_private": 125 + 75 / 7, "trung_hoc_nghe": 0,
                                   "gdtx": 100 + 150 / 7, "so_cap": 50 + 75 / 7, "trung_cap": 100 + 150 / 7,
                                   "not_continuing": 50 + 75 / 7})


# --------------------------------------------------------------------------
# outputs, workspaces, engines
# --------------------------------------------------------------------------
SCENARIO_OUTPUTS = {
    "thcs_graduates": None, "thpt_graduates": None, "thpt_enrolment_total": None,
    "thcs_intake": ["so_cap", "trung_cap", "trung_hoc_nghe"], "thpt_intake": ["cao_dang"],
    "programme_enrolment": ["trung_cap", "cao_dang"], "thcs_share": ["trung_cap"],
}


@pytest.mark.parametrize("engine", ENGINES)
def test_selected_outputs_equal_full_run(engine):
    """Asking for a few outputs computes exactly those, with the same bits as a full run."""
    g9, params, units, years = _big_case(seed=11, D=9, U=3, Y=6)
    full = simulate_flows(g9, params, units=units, years=years, engine=engine)
    part = simulate_flows(g9, params, units=units, years=years, engine=engine, outputs=SCENARIO_OUTPUTS)
    assert part.outputs == {k: (None if v is None else tuple(t for t in OUTPUTS[k] if t in v))
                            for k, v in SCENARIO_OUTPUTS.items()}
    for name, tracks in SCENARIO_OUTPUTS.items():
        if tracks is None:
            np.testing.assert_array_equal(getattr(part, name), getattr(full, name))
            continue
        for t in tracks:
            np.testing.assert_array_equal(part.track(name, t), full.track(name, t))
    n_cells = 9 * 3 * 6
    assert part.nbytes == 8 * n_cells * (3 + 3 + 1 + 2 + 1)
    assert full.nbytes == 8 * n_cells * sum(1 if v is None else len(v) for k, v in OUTPUTS.items()
                                            if k != "thpt_initial") + 8 * 9 * 3 * 3
    with pytest.raises(FlowOutputError, match=r"thcs_demand was not computed"):
        part.thcs_demand
    assert not hasattr(part, "thpt_dropped")
    with pytest.raises(FlowOutputError, match=r"thcs_intake has only tracks \['trung_hoc_nghe', 'so_cap', 'trung_cap'\]"):
        part.thcs_intake
    with pytest.raises(FlowOutputError, match=r"thcs_intake\['gdtx'\] was not computed"):
        part.track("thcs_intake", "gdtx")
    s = part.seats_needed("thpt")
    np.testing.assert_array_equal(s["seats"], full.seats_needed("thpt")["seats"])
    ind = indicator_share(part, ["trung_cap", "so_cap"])
    np.testing.assert_array_equal(ind["share"], indicator_share(full, ["so_cap", "trung_cap"])["share"])


@pytest.mark.parametrize("engine", ENGINES)
def test_workspace_streaming_over_chunks(engine):
    """Chunks of draws through one workspace: buffers are reused, old results refuse to be read, and
    per-chunk reductions equal the same reductions of one call on all draws."""
    g9, params, units, years = _big_case(seed=12, D=30, U=4, Y=5)
    full = simulate_flows(g9, params, units=units, years=years, engine=engine, outputs=SCENARIO_OUTPUTS)
    want = full.track("programme_enrolment", "trung_cap").sum(axis=0)

    def chunk(lo, hi):
        def cut(v):
            a = np.asarray(v, dtype=float)
            return a[lo:hi] if a.ndim == 3 and a.shape[0] > 1 else v

        th = {t: cut(v) for t, v in params.thcs_shares.items()}
        tp = {t: cut(v) for t, v in params.thpt_shares.items()}
        cap = params.thcs_capacity
        split = {t: cut(v) for t, v in cap.reroute["thpt_public"].items()}
        return _fp(
            thcs_shares=th, thpt_shares=tp, thcs_graduation=cut(params.thcs_graduation),
            promotion=(cut(params.promotion[0]), params.promotion[1]), repetition=params.repetition,
            thpt_graduation=params.thpt_graduation, programme_dropout=params.programme_dropout,
            thcs_capacity=Capacity(caps=cap.caps, share_caps={"thpt_public": cut(cap.share_caps["thpt_public"])},
                                   reroute={"thpt_public": split}),
            thpt_capacity=params.thpt_capacity,
        )

    ws = FlowWorkspace()
    total = np.zeros_like(want)
    first = None
    for lo in range(0, 30, 8):
        res = simulate_flows(g9, chunk(lo, lo + 8), units=units, years=years, engine=engine,
                             outputs=SCENARIO_OUTPUTS, workspace=ws)
        arr = res.track("programme_enrolment", "trung_cap")
        np.testing.assert_array_equal(arr, full.track("programme_enrolment", "trung_cap")[lo:lo + 8])
        total += arr.sum(axis=0)
        if first is None:
            first, first_arr = res, arr
        else:
            assert np.shares_memory(arr, first_arr)  # the same buffer, reused
    np.testing.assert_allclose(total, want, rtol=1e-12)
    assert ws.nbytes == 8 * 8 * 4 * 5 * 10  # the largest chunk, ten arrays
    with pytest.raises(StaleResultError, match=r"FlowWorkspace was used by a later simulate_flows call"):
        first.track("thcs_intake", "so_cap")
    with pytest.raises(StaleResultError):
        res.thcs_graduates if ws.clear() is None else None


def test_engine_choice(monkeypatch):
    """"auto" uses numba when it is installed and the problem is large (else numpy, same numbers);
    asking for numba without it is an error."""
    g9, params, units, years = _big_case(seed=1, D=3, U=2, Y=4)
    want = simulate_flows(g9, params, units=units, years=years, engine="numpy").thcs_intake
    used = []
    real_numpy, real_numba = _kernels.run_numpy, _kernels.run_numba
    monkeypatch.setattr(_kernels, "run_numpy", lambda prep, outs: used.append("numpy") or real_numpy(prep, outs))
    monkeypatch.setattr(_kernels, "run_numba", lambda prep, outs, threads=None: used.append("numba")
                        or real_numba(prep, outs, threads=threads))
    np.testing.assert_array_equal(simulate_flows(g9, params, units=units, years=years).thcs_intake, want)
    assert used == ["numpy"]  # 24 cell-draws: below AUTO_NUMBA_MIN
    monkeypatch.setattr(_kernels, "AUTO_NUMBA_MIN", 1)
    np.testing.assert_array_equal(simulate_flows(g9, params, units=units, years=years).thcs_intake, want)
    assert used[-1] == ("numba" if "numba" in ENGINES else "numpy")
    monkeypatch.setattr(_kernels, "numba_available", lambda: False)
    np.testing.assert_array_equal(simulate_flows(g9, params, units=units, years=years).thcs_intake, want)
    assert used[-1] == "numpy"
    with pytest.raises(FlowParameterError, match=r"engine: 'numba' was asked for but numba is not installed"):
        simulate_flows(g9, params, units=units, years=years, engine="numba")


def test_result_arrays_are_read_only():
    r = simulate_flows(G9, _params())
    with pytest.raises(ValueError):
        r.thcs_intake[..., 0] = 1.0
    with pytest.raises(ValueError):
        r.track("programme_enrolment", "gdtx")[:] = 1.0


# --------------------------------------------------------------------------
# broadcasting and vectorisation
# --------------------------------------------------------------------------
def test_draws_match_separate_runs():
    """Evaluating D draws in one call equals D separate single-draw calls."""
    rng = np.random.default_rng(7)
    D, U, Y = 5, 3, 4
    g9 = rng.uniform(100, 1000, (U, Y))
    sh = rng.dirichlet(np.ones(len(THCS_TRACKS)), size=(D, U, Y))
    grad = rng.uniform(0.8, 1.0, (D, 1, 1))
    cap = rng.uniform(50, 400, (U, Y))

    def params(k=None):
        sel = (lambda a: a) if k is None else (lambda a: a[k : k + 1])
        return _fp(
            thcs_shares={t: sel(sh[..., i]) for i, t in enumerate(THCS_TRACKS)},
            thpt_shares=THPT_SIMPLE,
            thcs_graduation=sel(grad),
            promotion=(0.9, 0.9),
            repetition=(0.05, 0.05, 0.05),
            thpt_graduation=0.9,
            thcs_capacity=Capacity(caps={"thpt_public": cap}, reroute={"thpt_public": "gdtx"}),
            programme_start={},
        )

    units, years = ["a", "b", "c"], [2025, 2026, 2027, 2028]
    for engine in ENGINES:
        full = simulate_flows(g9, params(), units=units, years=years, engine=engine)
        for k in range(D):
            one = simulate_flows(g9, params(k), units=units, years=years, engine=engine)
            for name in ("thcs_intake", "programme_enrolment", "thpt_enrolment", "thpt_intake"):
                np.testing.assert_array_equal(getattr(full, name)[k], getattr(one, name)[0])


def test_broadcast_per_year_and_per_unit():
    """A per-year array (length years) and a per-unit Series are aligned to the right axes."""
    g9 = pd.DataFrame({2025: [100.0, 200.0], 2026: [100.0, 200.0]}, index=["a", "b"])
    p = _fp(
        thcs_shares={"thpt_public": np.array([1.0, 0.5]), "not_continuing": np.array([0.0, 0.5])},
        thpt_shares={"dai_hoc": 1.0},
        thcs_graduation=pd.Series({"b": 0.5, "a": 1.0}),
    )
    r = simulate_flows(g9, p)
    np.testing.assert_allclose(r.thcs_intake[0, :, :, 0], [[100, 50], [100, 50]])


def test_project_cohort():
    """21,000 in 2023 growing 2 %/yr: 2025 -> 21000 * 1.02**2 = 21848.4; growth 0 keeps 21000."""
    c = project_cohort(21000, 2023, range(2024, 2027), growth=0.02, unit="Long An")
    assert c.loc["Long An", 2025] == pytest.approx(21848.4)
    flat = project_cohort({"a": 100, "b": 50}, 2023, [2023, 2030])
    assert flat.to_numpy().tolist() == [[100, 100], [50, 50]]
    with pytest.raises(FlowParameterError, match="base"):
        project_cohort(-5, 2023, [2024])
    with pytest.raises(FlowParameterError, match="growth"):
        project_cohort(100, 2023, [2024], growth=-1.5)


def test_quantiles_and_indicator_options(hand_result):
    q = quantiles(hand_result.seats_needed("thpt"), (0.1, 0.9))
    assert list(q.columns) == ["unit", "year", "q0.1", "q0.9"]
    assert _value(q, "q0.9", unit="A", year=2024) == pytest.approx(1700)
    ind = indicator_share(hand_result, {"cao_dang"}, origin="thpt", denominator={"dai_hoc", "cao_dang"})
    assert np.allclose(ind["share"], 96 / 336)


# --------------------------------------------------------------------------
# mass balance and share properties (hypothesis)
# --------------------------------------------------------------------------
@st.composite
def flow_case(draw):
    """Random small problems: shares with zeros, caps (counts and shares of graduates), named
    fallbacks and splits, programme dropout, warm or cold start, horizons before and after the
    first intake of trung học nghề (2026)."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    D = draw(st.integers(1, 4))
    U = draw(st.integers(1, 3))
    Y = draw(st.integers(1, 5))
    first_year = draw(st.sampled_from([2023, 2024, 2026]))
    years = list(range(first_year, first_year + Y))
    start = draw(st.sampled_from([None, 2026, 2025]))  # programme_start of trung_hoc_nghe (None: always open)
    zeros = draw(st.booleans())

    def shares(k):
        s = rng.dirichlet(np.ones(k) * 0.7, size=(D, U, Y))
        if zeros:  # zero out a random subset of tracks (never all), e.g. not_continuing = 0
            keep = rng.random(k) < 0.5
            keep[rng.integers(k)] = True
            s = s * keep
            s /= s.sum(axis=-1, keepdims=True)
        return s

    sh1, sh2 = shares(len(THCS_TRACKS)), shares(len(THPT_TRACKS))
    thn = THCS_TRACKS.index("trung_hoc_nghe")
    if start is not None:  # no trung học nghề intake before its first year: move that share to thpt_public
        before = np.asarray(years) < start
        sh1[:, :, before, 0] += sh1[:, :, before, thn]
        sh1[:, :, before, thn] = 0.0
    p = rng.uniform(0, 1, (2, D, U, Y))
    r = rng.uniform(0, 1, (3, D, U, Y)) * (1 - np.concatenate([p, rng.uniform(0, 1, (1, D, U, Y))]))
    g12 = rng.uniform(0, 1, (D, U, Y)) * (1 - r[2])
    warm = draw(st.booleans())
    if warm:
        r = np.minimum(r, 0.95)

    def caps(tracks, with_caps):
        chosen = [t for t in tracks[:-1] if with_caps and rng.random() < 0.6]
        return {t: rng.uniform(0, 800, (D, U, Y)) for t in chosen}

    def share_caps(tracks, with_caps):
        chosen = [t for t in tracks[:-1] if with_caps and rng.random() < 0.3]
        return {t: rng.uniform(0, 1, (D, 1, 1)) for t in chosen}

    def reroute(tracks, capped):
        if draw(st.booleans()) or not capped:
            return "proportional"
        # a random acyclic re-route: each capped track may send its overflow to later tracks,
        # to one (named fallback) or to several by fractions, scalar or per draw (split)
        out = {}
        for i, t in enumerate(tracks[:-1]):
            if t in capped and rng.random() < 0.7:
                later = list(tracks[i + 1:])
                if rng.random() < 0.5 or len(later) < 2:
                    out[t] = later[rng.integers(len(later))]
                else:
                    dsts = list(rng.choice(later, size=2, replace=False))
                    f = rng.uniform(0, 1, (D, 1, 1)) if rng.random() < 0.5 else float(rng.uniform())
                    out[t] = {str(dsts[0]): f, str(dsts[1]): 1.0 - f}
        return out

    with_caps = draw(st.booleans())
    c1, c2 = caps(THCS_TRACKS, with_caps), caps(THPT_TRACKS, with_caps)
    f1, f2 = share_caps(THCS_TRACKS, with_caps), share_caps(THPT_TRACKS, with_caps)
    dropout = {}
    if draw(st.booleans()):
        dropout = {"trung_cap": rng.uniform(0, 0.3, (D, U, Y)), "dai_hoc": 0.05, "trung_hoc_nghe": 0.1}
    params = _fp(
        thcs_shares={t: sh1[..., i] for i, t in enumerate(THCS_TRACKS)},
        thpt_shares={t: sh2[..., i] for i, t in enumerate(THPT_TRACKS)},
        thcs_graduation=rng.uniform(0, 1, (D, U, Y)),
        promotion=(p[0], p[1]),
        repetition=(r[0], r[1], r[2]),
        thpt_graduation=g12,
        thcs_capacity=Capacity(caps=c1, share_caps=f1, reroute=reroute(THCS_TRACKS, {**c1, **f1})),
        thpt_capacity=Capacity(caps=c2, share_caps=f2, reroute=reroute(THPT_TRACKS, {**c2, **f2})),
        durations=_dur(trung_hoc_nghe=draw(st.sampled_from([3.0, 2.5]))),
        programme_dropout=dropout,
        warm_start=warm,
        programme_start={} if start is None else {"trung_hoc_nghe": start},
    )
    grade9 = rng.uniform(0, 2000, (D, U, Y)) * (rng.random((D, U, Y)) > 0.1)
    units = [f"u{i}" for i in range(U)]
    return grade9, params, units, years


@settings(deadline=None, max_examples=100)
@given(flow_case())
def test_mass_balance_property(case):
    """Every student entering is in exactly one exit, destination intake or THPT grade at the end.

    The balance is recomputed here from the tidy tables (not from FlowResult.balance):
    entered = grade 9 + warm-start THPT stock; accounted = THCS non-graduates + THCS intakes
    other than THPT (public and private) + THPT dropouts + THPT graduates + THPT enrolment in
    the last year.
    """
    grade9, params, units, years = case
    r = simulate_flows(grade9, params, units=units, years=years)
    d = r.destinations("thcs")
    grads = d.groupby(["unit", "year", "draw"])["students"].sum()
    # stage 1: graduates split over destinations, nothing lost in capping
    demand = d.groupby(["unit", "year", "draw"])["demand"].sum()
    np.testing.assert_allclose(grads.to_numpy(), demand.to_numpy(), rtol=1e-9, atol=1e-9)
    x = r.exits()
    e = r.enrolment()
    dt = r.destinations("thpt")
    last = e[(e.year == years[-1]) & e.state.isin(GRADES)]
    entered = grade9.sum() + r.thpt_initial.sum()
    thpt_grads = dt["students"].sum()
    accounted = (
        x.loc[x.exit == "thcs_not_graduated", "students"].sum()
        + d.loc[~d.track.isin(["thpt_public", "thpt_private"]), "students"].sum()
        + x.loc[x.exit.str.startswith("thpt_dropout"), "students"].sum()
        + thpt_grads
        + last["students"].sum()
    )
    assert accounted == pytest.approx(entered, rel=1e-9, abs=1e-9)
    # THPT graduates equal the grade-12 "promoted" flow, and are fully allocated
    assert thpt_grads == pytest.approx(r.thpt_promoted[..., 2].sum(), rel=1e-9, abs=1e-9)
    # every stock flow out of a grade is split into promoted + repeated + dropped
    assert (r.thpt_dropped > -1e-9 * (1 + r.thpt_enrolment.max())).all()
    bal = r.balance()
    np.testing.assert_allclose(bal["accounted"], bal["entered"], rtol=1e-9, atol=1e-9)


@settings(deadline=None, max_examples=100)
@given(flow_case())
def test_shares_and_caps_property(case):
    """After capping, shares are in [0, 1], sum to 1, intakes respect every cap (counts, shares of
    graduates, 0 before a programme's first intake), and not_continuing never shrinks."""
    grade9, params, units, years = case
    r = simulate_flows(grade9, params, units=units, years=years)
    for origin, tracks, cap in (
        ("thcs", THCS_TRACKS, params.thcs_capacity),
        ("thpt", THPT_TRACKS, params.thpt_capacity),
    ):
        intake = r.thcs_intake if origin == "thcs" else r.thpt_intake
        demand = r.thcs_demand if origin == "thcs" else r.thpt_demand
        grads = r.thcs_graduates if origin == "thcs" else r.thpt_graduates
        assert (intake >= -1e-12).all()
        np.testing.assert_allclose(intake.sum(axis=-1), grads, rtol=1e-9, atol=1e-9)
        pos = grads > 1e-9
        shares = intake[pos] / grads[pos][:, None]
        assert ((shares >= -1e-12) & (shares <= 1 + 1e-12)).all()
        np.testing.assert_allclose(shares.sum(axis=-1), 1.0, rtol=0, atol=1e-9)
        for t, c in cap.caps.items():
            k = tracks.index(t)
            assert (intake[..., k] <= np.broadcast_to(c, intake[..., k].shape) * (1 + 1e-12) + 1e-9).all()
        for t, f in cap.share_caps.items():
            k = tracks.index(t)
            assert (intake[..., k] <= f * grads * (1 + 1e-12) + 1e-9).all()
        k = tracks.index("not_continuing")
        assert (intake[..., k] >= demand[..., k] - 1e-9 * (1 + demand[..., k])).all()
        share_df = r.destinations(origin)["share"]
        assert share_df.between(-1e-12, 1 + 1e-12).all()
    start = params.programme_start.get("trung_hoc_nghe")
    if start is not None:
        before = np.asarray(years) < start
        assert (r.track("thcs_intake", "trung_hoc_nghe")[:, :, before] == 0).all()
        if params.warm_start and years[0] < start:  # no warm-start seats for a track not yet open
            assert (r.track("programme_enrolment", "trung_hoc_nghe")[:, :, before] == 0).all()


# --------------------------------------------------------------------------
# differential tests: numba vs numpy vs an independent plain-Python loop
# --------------------------------------------------------------------------
@settings(deadline=None, max_examples=60)
@given(flow_case())
def test_engines_identical_to_plain_loop(case):
    """Both compute paths give the same bits as each other and as the plain per-draw loop
    (tests/flow_reference.py), for every output, on random problems with caps and re-routing."""
    grade9, params, units, years = case
    ref = simulate_reference(grade9, params, years)
    for engine in ENGINES:
        r = simulate_flows(grade9, params, units=units, years=years, engine=engine)
        for name, want in ref.items():
            np.testing.assert_array_equal(getattr(r, name), want, err_msg=f"{engine}: {name}")
        # derived outputs
        tot = r.thpt_enrolment[..., 0] + r.thpt_enrolment[..., 1] + r.thpt_enrolment[..., 2]
        np.testing.assert_array_equal(r.thpt_enrolment_total, tot)
        for origin in ("thcs", "thpt"):
            intake, grads = ref[f"{origin}_intake"], ref[f"{origin}_graduates"][..., None]
            want = np.divide(intake, grads, out=np.full(intake.shape, np.nan), where=grads > 0)
            np.testing.assert_array_equal(getattr(r, f"{origin}_share"), want)


def _big_case(seed=3, D=40, U=5, Y=7):
    """Many cells with caps that bind (public quota as a share of graduates, trung cấp seats) and a split."""
    rng = np.random.default_rng(seed)
    sh = rng.dirichlet([50, 8, 6, 8, 2, 10, 6], size=(D, U, Y))
    sh[:, :, :2, 0] += sh[:, :, :2, 2]
    sh[:, :, :2, 2] = 0.0  # trung học nghề opens in 2026
    tp = rng.dirichlet([40, 15, 5, 40], size=(D, U, Y))
    g9 = rng.uniform(200, 3000, (U, Y))
    private = rng.uniform(0.2, 0.6, (D, 1, 1))
    params = _fp(
        thcs_shares={t: sh[..., i] for i, t in enumerate(THCS_TRACKS)},
        thpt_shares={t: tp[..., i] for i, t in enumerate(THPT_TRACKS)},
        thcs_graduation=rng.uniform(0.95, 1.0, (D, U, Y)),
        promotion=(rng.uniform(0.9, 0.97, (D, U, Y)), 0.96),
        repetition=(0.02, 0.015, 0.01),
        thpt_graduation=0.97,
        thcs_capacity=Capacity(
            caps={"trung_cap": 0.09 * g9, "gdtx": 0.12 * g9},
            share_caps={"thpt_public": rng.uniform(0.55, 0.7, (D, 1, 1))},
            reroute={"thpt_public": {"thpt_private": private, "trung_hoc_nghe": 0.3, "gdtx": 0.7 - private}},
        ),
        thpt_capacity=Capacity(caps={"cao_dang": rng.uniform(50, 300, (U, Y))}, reroute={"cao_dang": "trung_cap"}),
        programme_dropout={"trung_hoc_nghe": 0.08},
    )
    return g9, params, [f"u{i}" for i in range(U)], list(range(2024, 2024 + Y))


def test_engines_identical_on_binding_caps():
    """A larger case where the quota binds in most cells: both engines = the plain loop, bit for bit,
    and the re-routing really happened (the public quota is full, the split destinations grew)."""
    g9, params, units, years = _big_case()
    ref = simulate_reference(g9, params, years, n_draws=40)
    k_pub = THCS_TRACKS.index("thpt_public")
    full = np.isclose(ref["thcs_intake"][..., k_pub], ref["thcs_demand"][..., k_pub]) == False  # noqa: E712
    assert full.mean() > 0.5
    for engine in ENGINES:
        r = simulate_flows(g9, params, units=units, years=years, engine=engine)
        for name, want in ref.items():
            np.testing.assert_array_equal(getattr(r, name), want, err_msg=f"{engine}: {name}")


def test_numba_blocks_do_not_change_numbers(monkeypatch):
    """The kernel's split of (draw, unit) pairs into blocks, chunks and threads does not change a bit."""
    if "numba" not in ENGINES:
        pytest.skip("numba is not installed")
    monkeypatch.setattr(_kernels, "MIN_VALUES_PER_THREAD", 1)
    g9, params, units, years = _big_case(seed=5, D=23, U=3, Y=9)
    want = simulate_flows(g9, params, units=units, years=years, engine="numpy")
    cap = {}

    def grab(prep, outs, engine, threads=None):
        cap["prep"], cap["outs"] = prep, outs

    orig = _kernels.run
    try:
        _kernels.run = grab
        simulate_flows(g9, params, units=units, years=years, engine="numba")
    finally:
        _kernels.run = orig
    for n_blocks, threads in ((1, 1), (7, 2), (69, 3)):
        _kernels.run_numba(cap["prep"], cap["outs"], n_blocks=n_blocks, threads=threads)
        sel, buf = cap["outs"]["programme_enrolment"]
        np.testing.assert_array_equal(np.moveaxis(buf, 0, -1), want.programme_enrolment)
        sel, buf = cap["outs"]["thcs_intake"]
        np.testing.assert_array_equal(np.moveaxis(buf, 0, -1), want.thcs_intake)


# --------------------------------------------------------------------------
# error messages name the parameter
# --------------------------------------------------------------------------
G9 = pd.DataFrame({2025: [100.0]}, index=["X"])


def _params(**kw):
    base = dict(thcs_shares=THCS_SIMPLE, thpt_shares=THPT_SIMPLE)
    base.update(kw)
    return _fp(**base)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"thcs_shares": {**THCS_SIMPLE, "thpt_public": 0.61}}, r"thcs_shares: .*sum to 1"),
        ({"thpt_shares": {"dai_hoc": 0.5}}, r"thpt_shares: .*sum to 1"),
        ({"thcs_shares": {**THCS_SIMPLE, "thpt_public": 1.2}}, r"thcs_shares\['thpt_public'\].*\[0, 1\]"),
        ({"thcs_shares": {**THCS_SIMPLE, "university": 0.0}}, r"thcs_shares: unknown track.*'university'.*'not_continuing'"),
        ({"thcs_shares": {"thpt": 0.9, "not_continuing": 0.1}},
         r"thcs_shares: unknown track.*'thpt'.*split into 'thpt_public' and 'thpt_private'"),
        ({"thpt_shares": {"gdtx": 1.0}}, r"thpt_shares: unknown track.*known tracks are \['dai_hoc'"),
        ({"thcs_graduation": 1.1}, r"thcs_graduation: rates must be fractions in \[0, 1\]"),
        ({"thpt_graduation": -0.1}, r"thpt_graduation: rates"),
        ({"promotion": (1.5, 0.9)}, r"promotion \(grade 10\)"),
        ({"repetition": (0.0, -0.2, 0.0)}, r"repetition \(grade 11\)"),
        ({"promotion": (0.9,)}, r"promotion: give two rates"),
        ({"repetition": (0.1, 0.1)}, r"repetition: give three rates"),
        ({"programme_dropout": {"so_cap": 2.0}}, r"programme_dropout\['so_cap'\]"),
        ({"programme_dropout": {"bachelor": 0.1}}, r"programme_dropout: unknown track"),
        ({"programme_start": {"trung_hoc_nghe": 2026.5}}, r"programme_start\['trung_hoc_nghe'\]: must be a year"),
        ({"programme_start": {"thpt_public": 2026}}, r"programme_start: unknown track.*'thpt_public'"),
        ({"thcs_shares": {**THCS_SIMPLE, "thpt_public": np.nan}}, r"thcs_shares\['thpt_public'\]: contains missing"),
    ],
)
def test_parameter_errors_at_construction(kwargs, pattern):
    with pytest.raises(FlowParameterError, match=pattern):
        _params(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"promotion": (0.9, 0.9), "repetition": (0.2, 0.0, 0.0)}, r"promotion \(grade 10\) \+ repetition \(grade 10\): must not exceed 1"),
        ({"thpt_graduation": 0.9, "repetition": (0.0, 0.0, 0.2)}, r"thpt_graduation \+ repetition \(grade 12\)"),
        ({"repetition": (1.0, 0.0, 0.0), "promotion": (0.0, 1.0)}, r"repetition: a rate of 1 .*warm_start"),
        ({"thcs_shares": {"thpt_public": np.array([0.5, 0.5]), "not_continuing": np.array([0.5, 0.5])}},
         r"thcs_shares\['thpt_public'\]: shape"),
        ({"thcs_shares": {"thpt_public": pd.Series({"X": 0.7}), "not_continuing": 0.2}},
         r"thcs_shares: destination shares must sum to 1"),
        ({"thcs_shares": {**THCS_SIMPLE, "not_continuing": 0.0, "trung_hoc_nghe": 0.1}},
         r"thcs_shares\['trung_hoc_nghe'\]: positive in 2025, before the programme's first intake in 2026"),
        ({"thcs_capacity": Capacity(caps={"thpt_public": 50},
                                    reroute={"thpt_public": {"gdtx": pd.Series({"X": 0.5}), "so_cap": 0.4}})},
         r"thcs_capacity.reroute\['thpt_public'\]: split fractions must sum to 1"),
    ],
)
def test_parameter_errors_at_simulation(kwargs, pattern):
    p = _params(**kwargs)
    with pytest.raises(FlowParameterError, match=pattern):
        simulate_flows(G9, p)


def test_capacity_errors():
    with pytest.raises(FlowParameterError, match=r"caps\['thpt_public'\]: caps must be zero or more"):
        Capacity(caps={"thpt_public": -1})
    with pytest.raises(FlowParameterError, match=r"share_caps\['thpt_public'\]: rates must be fractions"):
        Capacity(share_caps={"thpt_public": 1.2})
    with pytest.raises(FlowParameterError, match=r"thcs_capacity.caps: unknown track.*'grade10'.*known tracks"):
        _params(thcs_capacity=Capacity(caps={"grade10": 5}))
    with pytest.raises(FlowParameterError, match=r"thcs_capacity.caps: unknown track.*'thpt'.*split into"):
        _params(thcs_capacity=Capacity(caps={"thpt": 5}))
    with pytest.raises(FlowParameterError, match=r"thcs_capacity.caps: 'not_continuing' cannot be capped"):
        _params(thcs_capacity=Capacity(caps={"not_continuing": 5}))
    with pytest.raises(FlowParameterError, match=r"thcs_capacity.share_caps: 'not_continuing' cannot be capped"):
        _params(thcs_capacity=Capacity(share_caps={"not_continuing": 0.5}))
    with pytest.raises(FlowParameterError, match=r"thcs_capacity.reroute: fallbacks form a cycle thpt_public -> gdtx"):
        _params(thcs_capacity=Capacity(caps={"thpt_public": 5},
                                       reroute={"thpt_public": "gdtx", "gdtx": "thpt_public"}))
    with pytest.raises(FlowParameterError, match=r"fallbacks form a cycle gdtx -> so_cap -> gdtx"):
        _params(thcs_capacity=Capacity(reroute={"thpt_public": {"gdtx": 0.5, "thpt_private": 0.5},
                                                "gdtx": "so_cap", "so_cap": {"gdtx": 1.0}}))
    with pytest.raises(FlowParameterError, match=r"thcs_capacity.reroute: 'thpt_public' cannot fall back to itself"):
        _params(thcs_capacity=Capacity(reroute={"thpt_public": "thpt_public"}))
    with pytest.raises(FlowParameterError, match=r"thcs_capacity.reroute: 'gdtx' cannot fall back to itself"):
        _params(thcs_capacity=Capacity(reroute={"gdtx": {"gdtx": 0.5, "so_cap": 0.5}}))
    with pytest.raises(FlowParameterError, match=r"thpt_capacity.reroute: unknown track.*'thpt'"):
        _params(thpt_capacity=Capacity(reroute={"cao_dang": "thpt"}))
    with pytest.raises(FlowParameterError, match=r"reroute: must be 'proportional'"):
        Capacity(reroute="fallback")
    with pytest.raises(FlowParameterError, match=r"reroute\['thpt_public'\]: split fractions must sum to 1"):
        Capacity(reroute={"thpt_public": {"gdtx": 0.5, "so_cap": 0.4}})
    with pytest.raises(FlowParameterError, match=r"reroute\['thpt_public'\]\['gdtx'\]: rates must be fractions"):
        Capacity(reroute={"thpt_public": {"gdtx": 1.5, "so_cap": -0.5}})
    with pytest.raises(FlowParameterError, match=r"reroute\['thpt_public'\]: give a destination name"):
        Capacity(reroute={"thpt_public": 3})
    with pytest.raises(FlowParameterError, match=r"durations.trung_cap"):
        _dur(trung_cap=0)
    with pytest.raises(FlowParameterError, match=r"durations.trung_hoc_nghe"):
        _dur(trung_hoc_nghe=-1)


def test_input_errors():
    p = _params()
    with pytest.raises(FlowParameterError, match=r"grade9: cohort sizes must be zero or more"):
        simulate_flows(pd.DataFrame({2025: [-1.0]}, index=["X"]), p)
    with pytest.raises(FlowParameterError, match=r"grade9: contains missing values"):
        simulate_flows(pd.DataFrame({2025: [np.nan]}, index=["X"]), p)
    with pytest.raises(FlowParameterError, match=r"grade9: give units= and years="):
        simulate_flows(np.ones((1, 2)), p)
    with pytest.raises(FlowParameterError, match=r"years: must be consecutive"):
        simulate_flows(pd.DataFrame({2025: [1.0], 2027: [1.0]}, index=["X"]), p)
    with pytest.raises(FlowParameterError, match=r"thcs_graduation: a Series must be indexed"):
        simulate_flows(G9, _params(thcs_graduation=pd.Series({"Y": 0.9})))
    with pytest.raises(FlowParameterError, match=r"engine: must be one of \['auto', 'numba', 'numpy'\]"):
        simulate_flows(G9, p, engine="fortran")
    with pytest.raises(FlowParameterError, match=r"outputs: unknown output 'seats'.*known outputs"):
        simulate_flows(G9, p, outputs=["seats"])
    with pytest.raises(FlowParameterError, match=r"outputs\['thcs_intake'\]: unknown track.*'thpt'.*split into"):
        simulate_flows(G9, p, outputs={"thcs_intake": ["thpt"]})
    with pytest.raises(FlowParameterError, match=r"outputs\['thcs_graduates'\]: this output has no tracks"):
        simulate_flows(G9, p, outputs={"thcs_graduates": ["thpt_public"]})
    with pytest.raises(FlowParameterError, match=r"same number of draws; got \[2, 3\]"):
        simulate_flows(G9, _params(thcs_graduation=np.full((2, 1, 1), 0.9), thpt_graduation=np.full((3, 1, 1), 0.9)))
    with pytest.raises(FlowParameterError, match=r"threads: must be a whole number of threads"):
        simulate_flows(G9, p, threads=0)
    with pytest.raises(FlowParameterError, match=r"workspace: must be a FlowWorkspace"):
        simulate_flows(G9, p, workspace={})
    res = simulate_flows(G9, p)
    with pytest.raises(FlowParameterError, match=r"track: unknown track 'vocational'.*known tracks"):
        res.seats_needed("vocational")
    with pytest.raises(FlowParameterError, match=r"numerator: unknown track.*'cao_dang'"):
        indicator_share(res, {"cao_dang"}, origin="thcs")
    with pytest.raises(FlowParameterError, match=r"origin: must be one of"):
        indicator_share(res, {"trung_cap"}, origin="thpt_grade12")
    with pytest.raises(FlowParameterError, match=r"track: 'grade13' is not one of"):
        res.track("thpt_enrolment", "grade13")


def test_parameters_are_frozen():
    p = _params(thcs_capacity=Capacity(reroute={"thpt_public": {"gdtx": 0.5, "thpt_private": 0.5}}))
    with pytest.raises(AttributeError):
        p.thcs_graduation = 0.5  # type: ignore[misc]
    with pytest.raises(TypeError):
        p.thcs_shares["thpt_public"] = 0.1  # type: ignore[index]
    with pytest.raises(TypeError):
        p.thcs_capacity.reroute["thpt_public"]["gdtx"] = 1.0  # type: ignore[index]
    with pytest.raises(TypeError):
        p.programme_start["trung_hoc_nghe"] = 2020  # type: ignore[index]


def test_public_constants_consistent():
    """One source of track names: every programme has an intake track, the seat tracks are programmes
    (plus general THPT), the sink is last, the kernel sizes match."""
    assert set(SEAT_TRACKS) - {"thpt"} <= set(PROGRAMMES)
    assert THCS_TRACKS[-1] == THPT_TRACKS[-1] == "not_continuing"
    assert {"thpt_public", "thpt_private", "trung_hoc_nghe"} <= set(THCS_TRACKS)
    assert len(THCS_TRACKS) == _kernels.K_THCS and len(THPT_TRACKS) == _kernels.K_THPT
    assert len(PROGRAMMES) == _kernels.N_PROG and tuple(OUTPUTS) == _kernels.OUTPUT_GROUPS
    assert {f for f in Durations.__dataclass_fields__} == set(PROGRAMMES)
