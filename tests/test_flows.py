"""Tests for simlib.models.flows: hand-computed cases, capacity re-routing, mass balance, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simlib.models.flows import (
    PROGRAMMES,
    SEAT_TRACKS,
    THCS_TRACKS,
    THPT_TRACKS,
    Capacity,
    Durations,
    FlowParameterError,
    FlowParameters,
    indicator_share,
    project_cohort,
    quantiles,
    simulate_flows,
)

THCS_SIMPLE = {"thpt": 0.6, "gdtx": 0.1, "so_cap": 0.05, "trung_cap": 0.15, "not_continuing": 0.1}
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
    params = FlowParameters(
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
        for track, v in zip(THCS_TRACKS, values):
            assert _value(d, "students", unit=unit, year=year, track=track) == pytest.approx(v, rel=1e-12)
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
    p = FlowParameters(
        thcs_shares={"trung_cap": 1.0},
        thpt_shares={"dai_hoc": 1.0},
        durations=Durations(trung_cap=2.5),
        warm_start=False,
    )
    s = simulate_flows(g9, p).seats_needed("trung_cap")
    assert list(s["seats"]) == pytest.approx([100, 200, 250])
    p2 = FlowParameters(
        thcs_shares={"trung_cap": 1.0},
        thpt_shares={"dai_hoc": 1.0},
        durations=Durations(trung_cap=2.5),
        programme_dropout={"trung_cap": 0.2},
        warm_start=False,
    )
    s2 = simulate_flows(g9, p2).seats_needed("trung_cap")
    assert list(s2["seats"]) == pytest.approx([100, 180, 212])
    p3 = FlowParameters(thcs_shares={"thpt": 1.0}, thpt_shares={"dai_hoc": 1.0}, warm_start=False)
    r3 = simulate_flows(g9, p3)
    e = r3.enrolment()
    for state, values in {"grade10": [100, 100, 100], "grade11": [0, 100, 100], "grade12": [0, 0, 100]}.items():
        assert list(e.loc[e.state == state, "students"]) == pytest.approx(values)
    assert r3.thpt_graduates.sum() == 0


# --------------------------------------------------------------------------
# capacity re-routing
# --------------------------------------------------------------------------
def _one_cell(thcs_shares, capacity, n=1000.0):
    g9 = pd.DataFrame({2025: [n]}, index=["X"])
    p = FlowParameters(thcs_shares=thcs_shares, thpt_shares={"dai_hoc": 1.0}, thcs_capacity=capacity)
    d = simulate_flows(g9, p).destinations("thcs")
    return dict(zip(d["track"], d["students"])), dict(zip(d["track"], d["share"]))


def test_reroute_proportional_hand():
    """1000 graduates; shares thpt .6, gdtx .1, so_cap .05, trung_cap .15, not_continuing .1; thpt capped at 500.

    Overflow 600 - 500 = 100 goes to the open tracks in proportion to their shares
    (.1 : .05 : .15 : .1, total .4): gdtx +25, so_cap +12.5, trung_cap +37.5, not_continuing +25.
    Result: thpt 500, gdtx 125, so_cap 62.5, trung_cap 187.5, not_continuing 125 (sum 1000).
    """
    x, share = _one_cell(THCS_SIMPLE, Capacity(caps={"thpt": 500}))
    assert x == pytest.approx({"thpt": 500, "gdtx": 125, "so_cap": 62.5, "trung_cap": 187.5, "not_continuing": 125})
    assert share["thpt"] == pytest.approx(0.5)


def test_reroute_proportional_cascade_hand():
    """As above but trung_cap also capped at 160.

    Pass 1: thpt overflow 100, trung_cap demand 150 is under 160; 100 is spread:
      gdtx 125, so_cap 62.5, trung_cap 187.5, not_continuing 125.
    Pass 2: trung_cap overflow 27.5 is spread over gdtx, so_cap, not_continuing (.1 : .05 : .1, total .25):
      gdtx +11, so_cap +5.5, not_continuing +11 -> gdtx 136, so_cap 68, trung_cap 160, not_continuing 136.
    """
    x, _ = _one_cell(THCS_SIMPLE, Capacity(caps={"thpt": 500, "trung_cap": 160}))
    assert x == pytest.approx({"thpt": 500, "gdtx": 136, "so_cap": 68, "trung_cap": 160, "not_continuing": 136})


def test_reroute_named_fallback_hand():
    """thpt capped at 500 with fallback thpt -> gdtx; gdtx capped at 150 with fallback gdtx -> trung_cap.

    thpt overflow 100 -> gdtx 100 + 100 = 200 > 150 -> 50 more to trung_cap: 150 + 50 = 200.
    Result: thpt 500, gdtx 150, so_cap 50, trung_cap 200, not_continuing 100.
    """
    cap = Capacity(caps={"thpt": 500, "gdtx": 150}, reroute={"thpt": "gdtx", "gdtx": "trung_cap"})
    x, _ = _one_cell(THCS_SIMPLE, cap)
    assert x == pytest.approx({"thpt": 500, "gdtx": 150, "so_cap": 50, "trung_cap": 200, "not_continuing": 100})


def test_reroute_all_capped_goes_to_not_continuing():
    """Every destination except not_continuing capped and full.

    Demand: thpt 600 (cap 300), gdtx 100 (cap 50), so_cap 50 (cap 50), trung_cap 150 (cap 100).
    Proportional rule: overflow 300 + 50 + 50 = 400 can only go to not_continuing (the only open
    track): not_continuing = 100 + 400 = 500. Sum 300 + 50 + 50 + 100 + 500 = 1000.
    """
    caps = {"thpt": 300, "gdtx": 50, "so_cap": 50, "trung_cap": 100}
    x, _ = _one_cell(THCS_SIMPLE, Capacity(caps=caps))
    assert x == pytest.approx({"thpt": 300, "gdtx": 50, "so_cap": 50, "trung_cap": 100, "not_continuing": 500})
    # same with not_continuing share 0 (no open track has weight): remainder still to not_continuing
    shares = {"thpt": 0.7, "gdtx": 0.1, "so_cap": 0.05, "trung_cap": 0.15}
    x2, _ = _one_cell(shares, Capacity(caps=caps))
    assert x2 == pytest.approx({"thpt": 300, "gdtx": 50, "so_cap": 50, "trung_cap": 100, "not_continuing": 500})
    # named fallback into a full destination: the overflow keeps moving, then to not_continuing
    x3, _ = _one_cell(THCS_SIMPLE, Capacity(caps=caps, reroute={"thpt": "gdtx", "gdtx": "so_cap"}))
    assert x3 == pytest.approx(x)


def test_thpt_caps_reroute_hand():
    """THPT destinations: 480 graduates (A, 2024 of the hand example), cao_dang capped at 50 -> fallback trung_cap.

    Demand dai_hoc 240, cao_dang 96, trung_cap 48, not_continuing 96; overflow 46 -> trung_cap 94.
    """
    g9 = pd.DataFrame({2024: [1000.0]}, index=["A"])
    p = FlowParameters(
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
# broadcasting and vectorisation
# --------------------------------------------------------------------------
def test_draws_match_separate_runs():
    """Evaluating D draws in one call equals D separate single-draw calls."""
    rng = np.random.default_rng(7)
    D, U, Y = 5, 3, 4
    g9 = rng.uniform(100, 1000, (U, Y))
    sh = rng.dirichlet(np.ones(5), size=(D, U, Y))
    grad = rng.uniform(0.8, 1.0, (D, 1, 1))
    cap = rng.uniform(50, 400, (U, Y))

    def params(k=None):
        sel = (lambda a: a) if k is None else (lambda a: a[k : k + 1])
        return FlowParameters(
            thcs_shares={t: sel(sh[..., i]) for i, t in enumerate(THCS_TRACKS)},
            thpt_shares=THPT_SIMPLE,
            thcs_graduation=sel(grad),
            promotion=(0.9, 0.9),
            repetition=(0.05, 0.05, 0.05),
            thpt_graduation=0.9,
            thcs_capacity=Capacity(caps={"thpt": cap}, reroute={"thpt": "gdtx"}),
        )

    units, years = ["a", "b", "c"], [2025, 2026, 2027, 2028]
    full = simulate_flows(g9, params(), units=units, years=years)
    for k in range(D):
        one = simulate_flows(g9, params(k), units=units, years=years)
        np.testing.assert_allclose(full.thcs_intake[k], one.thcs_intake[0], rtol=1e-12)
        np.testing.assert_allclose(full.programme_enrolment[k], one.programme_enrolment[0], rtol=1e-12)
        np.testing.assert_allclose(full.thpt_enrolment[k], one.thpt_enrolment[0], rtol=1e-12)


def test_broadcast_per_year_and_per_unit():
    """A per-year array (length years) and a per-unit Series are aligned to the right axes."""
    g9 = pd.DataFrame({2025: [100.0, 200.0], 2026: [100.0, 200.0]}, index=["a", "b"])
    p = FlowParameters(
        thcs_shares={"thpt": np.array([1.0, 0.5]), "not_continuing": np.array([0.0, 0.5])},
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
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    D = draw(st.integers(1, 4))
    U = draw(st.integers(1, 3))
    Y = draw(st.integers(1, 5))
    zeros = draw(st.booleans())

    def shares(k):
        s = rng.dirichlet(np.ones(k) * 0.7, size=(D, U, Y))
        if zeros:  # zero out a random subset of tracks (never all), e.g. not_continuing = 0
            keep = rng.random(k) < 0.5
            keep[rng.integers(k)] = True
            s = s * keep
            s /= s.sum(axis=-1, keepdims=True)
        return s

    sh1, sh2 = shares(5), shares(4)
    p = rng.uniform(0, 1, (2, D, U, Y))
    r = rng.uniform(0, 1, (3, D, U, Y)) * (1 - np.concatenate([p, rng.uniform(0, 1, (1, D, U, Y))]))
    g12 = rng.uniform(0, 1, (D, U, Y)) * (1 - r[2])
    warm = draw(st.booleans())
    if warm:
        r = np.minimum(r, 0.95)

    def caps(tracks, with_caps):
        chosen = [t for t in tracks[:-1] if with_caps and rng.random() < 0.6]
        return {t: rng.uniform(0, 800, (D, U, Y)) for t in chosen}

    def reroute(tracks, caps_):
        if draw(st.booleans()) or not caps_:
            return "proportional"
        # a random acyclic fallback: each capped track may point to a later track
        out = {}
        for i, t in enumerate(tracks[:-1]):
            if t in caps_ and rng.random() < 0.7:
                out[t] = tracks[rng.integers(i + 1, len(tracks))]
        return out

    with_caps = draw(st.booleans())
    c1, c2 = caps(THCS_TRACKS, with_caps), caps(THPT_TRACKS, with_caps)
    params = FlowParameters(
        thcs_shares={t: sh1[..., i] for i, t in enumerate(THCS_TRACKS)},
        thpt_shares={t: sh2[..., i] for i, t in enumerate(THPT_TRACKS)},
        thcs_graduation=rng.uniform(0, 1, (D, U, Y)),
        promotion=(p[0], p[1]),
        repetition=(r[0], r[1], r[2]),
        thpt_graduation=g12,
        thcs_capacity=Capacity(caps=c1, reroute=reroute(THCS_TRACKS, c1)),
        thpt_capacity=Capacity(caps=c2, reroute=reroute(THPT_TRACKS, c2)),
        programme_dropout={"trung_cap": rng.uniform(0, 0.3, (D, U, Y))} if draw(st.booleans()) else {},
        warm_start=warm,
    )
    grade9 = rng.uniform(0, 2000, (D, U, Y)) * (rng.random((D, U, Y)) > 0.1)
    units = [f"u{i}" for i in range(U)]
    years = list(range(2024, 2024 + Y))
    return grade9, params, units, years


@settings(deadline=None, max_examples=150)
@given(flow_case())
def test_mass_balance_property(case):
    """Every student entering is in exactly one exit, destination intake or THPT grade at the end.

    The balance is recomputed here from the tidy tables (not from FlowResult.balance):
    entered = grade 9 + warm-start THPT stock; accounted = THCS non-graduates + THCS intakes
    other than THPT + THPT dropouts + THPT graduates + THPT enrolment in the last year.
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
    last = e[(e.year == years[-1]) & e.state.isin(["grade10", "grade11", "grade12"])]
    entered = grade9.sum() + r.thpt_initial.sum()
    thpt_grads = dt["students"].sum()
    accounted = (
        x.loc[x.exit == "thcs_not_graduated", "students"].sum()
        + d.loc[d.track != "thpt", "students"].sum()
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


@settings(deadline=None, max_examples=150)
@given(flow_case())
def test_shares_and_caps_property(case):
    """After capping, shares are in [0, 1], sum to 1, intakes respect every cap, and not_continuing never shrinks."""
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
        k = tracks.index("not_continuing")
        assert (intake[..., k] >= demand[..., k] - 1e-9 * (1 + demand[..., k])).all()
        share_df = r.destinations(origin)["share"]
        assert share_df.between(-1e-12, 1 + 1e-12).all()


# --------------------------------------------------------------------------
# error messages name the parameter
# --------------------------------------------------------------------------
G9 = pd.DataFrame({2025: [100.0]}, index=["X"])


def _params(**kw):
    base = dict(thcs_shares=THCS_SIMPLE, thpt_shares=THPT_SIMPLE)
    base.update(kw)
    return FlowParameters(**base)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"thcs_shares": {**THCS_SIMPLE, "thpt": 0.61}}, r"thcs_shares: .*sum to 1"),
        ({"thpt_shares": {"dai_hoc": 0.5}}, r"thpt_shares: .*sum to 1"),
        ({"thcs_shares": {**THCS_SIMPLE, "thpt": 1.2}}, r"thcs_shares\['thpt'\].*\[0, 1\]"),
        ({"thcs_shares": {**THCS_SIMPLE, "university": 0.0}}, r"thcs_shares: unknown track.*'university'.*'not_continuing'"),
        ({"thpt_shares": {"gdtx": 1.0}}, r"thpt_shares: unknown track.*known tracks are \['dai_hoc'"),
        ({"thcs_graduation": 1.1}, r"thcs_graduation: rates must be fractions in \[0, 1\]"),
        ({"thpt_graduation": -0.1}, r"thpt_graduation: rates"),
        ({"promotion": (1.5, 0.9)}, r"promotion \(grade 10\)"),
        ({"repetition": (0.0, -0.2, 0.0)}, r"repetition \(grade 11\)"),
        ({"promotion": (0.9,)}, r"promotion: give two rates"),
        ({"repetition": (0.1, 0.1)}, r"repetition: give three rates"),
        ({"programme_dropout": {"so_cap": 2.0}}, r"programme_dropout\['so_cap'\]"),
        ({"programme_dropout": {"bachelor": 0.1}}, r"programme_dropout: unknown track"),
        ({"thcs_shares": {**THCS_SIMPLE, "thpt": np.nan}}, r"thcs_shares\['thpt'\]: contains missing"),
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
        ({"thcs_shares": {"thpt": np.array([0.5, 0.5]), "not_continuing": np.array([0.5, 0.5])}}, r"thcs_shares\['thpt'\]: shape"),
        ({"thcs_shares": {"thpt": pd.Series({"X": 0.7}), "not_continuing": 0.2}}, r"thcs_shares: destination shares must sum to 1"),
    ],
)
def test_parameter_errors_at_simulation(kwargs, pattern):
    p = _params(**kwargs)
    with pytest.raises(FlowParameterError, match=pattern):
        simulate_flows(G9, p)


def test_capacity_errors():
    with pytest.raises(FlowParameterError, match=r"caps\['thpt'\]: caps must be zero or more"):
        Capacity(caps={"thpt": -1})
    with pytest.raises(FlowParameterError, match=r"thcs_capacity.caps: unknown track.*'grade10'.*known tracks"):
        _params(thcs_capacity=Capacity(caps={"grade10": 5}))
    with pytest.raises(FlowParameterError, match=r"thcs_capacity.caps: 'not_continuing' cannot be capped"):
        _params(thcs_capacity=Capacity(caps={"not_continuing": 5}))
    with pytest.raises(FlowParameterError, match=r"thcs_capacity.reroute: fallbacks form a cycle"):
        _params(thcs_capacity=Capacity(caps={"thpt": 5}, reroute={"thpt": "gdtx", "gdtx": "thpt"}))
    with pytest.raises(FlowParameterError, match=r"thcs_capacity.reroute: 'thpt' cannot fall back to itself"):
        _params(thcs_capacity=Capacity(reroute={"thpt": "thpt"}))
    with pytest.raises(FlowParameterError, match=r"thpt_capacity.reroute: unknown track.*'thpt'"):
        _params(thpt_capacity=Capacity(reroute={"cao_dang": "thpt"}))
    with pytest.raises(FlowParameterError, match=r"reroute: must be 'proportional'"):
        Capacity(reroute="fallback")
    with pytest.raises(FlowParameterError, match=r"durations.trung_cap"):
        Durations(trung_cap=0)


def test_input_errors():
    p = _params()
    with pytest.raises(FlowParameterError, match=r"grade9: cohort sizes must be zero or more"):
        simulate_flows(pd.DataFrame({2025: [-1.0]}, index=["X"]), p)
    with pytest.raises(FlowParameterError, match=r"grade9: give units= and years="):
        simulate_flows(np.ones((1, 2)), p)
    with pytest.raises(FlowParameterError, match=r"years: must be consecutive"):
        simulate_flows(pd.DataFrame({2025: [1.0], 2027: [1.0]}, index=["X"]), p)
    with pytest.raises(FlowParameterError, match=r"thcs_graduation: a Series must be indexed"):
        simulate_flows(G9, _params(thcs_graduation=pd.Series({"Y": 0.9})))
    res = simulate_flows(G9, p)
    with pytest.raises(FlowParameterError, match=r"track: unknown track 'vocational'.*known tracks"):
        res.seats_needed("vocational")
    with pytest.raises(FlowParameterError, match=r"numerator: unknown track.*'cao_dang'"):
        indicator_share(res, {"cao_dang"}, origin="thcs")
    with pytest.raises(FlowParameterError, match=r"origin: must be one of"):
        indicator_share(res, {"trung_cap"}, origin="thpt_grade12")


def test_parameters_are_frozen():
    p = _params()
    with pytest.raises(AttributeError):
        p.thcs_graduation = 0.5  # type: ignore[misc]
    with pytest.raises(TypeError):
        p.thcs_shares["thpt"] = 0.1  # type: ignore[index]


def test_public_constants_consistent():
    assert set(SEAT_TRACKS) - {"thpt"} <= set(PROGRAMMES)
    assert THCS_TRACKS[-1] == THPT_TRACKS[-1] == "not_continuing"
