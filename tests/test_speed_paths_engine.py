"""The engine's fast paths (issue 24, compute side) give the plain paths' numbers bit for bit.

* :func:`simlib.models.composition.transfer`: the compiled cell loop (numba) and the numpy path, with and
  without a year mask (``years=``: the years where nothing moves keep their shares bit for bit);
* :func:`simlib.models.assumptions.flow_parameters` with the table's fields passed in once
  (:func:`~simlib.models.assumptions.table_parameters`) and read from the table each time;
* a scenario run (:func:`simlib.scenarios.engine.run_scenarios`) with every fast path and with every plain one.
"""

from __future__ import annotations

import numpy as np
import pytest

from simlib.models import composition as C


def _shares(rng, shape=(600, 9, 5)):
    """A composition of five destinations: one a broadcast view over draws, exact zeros, one all zero."""
    gdtx = np.broadcast_to(rng.uniform(0.0, 0.2, (1,) + shape[1:]), shape)  # read-only, stride 0 over draws
    raw = {"voc": rng.uniform(0.0, 0.4, shape), "thpt": rng.uniform(0.2, 0.8, shape),
           "leave": np.where(rng.random(shape) < 0.2, 0.0, rng.uniform(0.0, 0.3, shape)), "new": np.zeros(shape)}
    total = sum(raw.values())
    out = {k: v / total * (1.0 - gdtx) for k, v in raw.items()}
    out["voc"][:3] = 0.0  # focus total 0 in some draws: equal split of the value
    out["thpt"][:3] += raw["voc"][:3] / total[:3] * (1.0 - gdtx[:3])
    out["thpt"][3:5] = 1.0 - gdtx[3:5] - out["voc"][3:5]  # nothing left but the focus in others
    out["leave"][3:5] = 0.0
    return {"voc": out["voc"], "thpt": out["thpt"], "gdtx": gdtx, "leave": out["leave"], "new": out["new"]}


def _value(rng, shape):
    v = rng.uniform(0.0, 1.0, shape)
    v[5, 0, :] = 0.0
    v[6, 0, :] = 1.0
    v[7, 0, :] = -1e-13  # just below 0: clipped, not refused
    return v


@pytest.mark.parametrize("focus", [["voc"], ["voc", "new"], ["leave", "gdtx"]])
@pytest.mark.parametrize("years", [None, np.array([False, False, True, True, True])])
def test_transfer_compiled_path_is_the_numpy_path_bit_for_bit(monkeypatch, focus, years):
    pytest.importorskip("numba")
    rng = np.random.default_rng(2024)
    shares = _shares(rng)
    value = _value(rng, shares["voc"].shape)
    monkeypatch.setattr(C, "COMPILED_FROM", 10**15)
    plain = C.transfer(shares, focus, value, years=years)
    monkeypatch.setattr(C, "COMPILED_FROM", 0)
    fast = C.transfer(shares, focus, value, years=years)
    assert list(fast) == list(plain)
    for k in plain:
        assert fast[k].shape == plain[k].shape, k
        assert fast[k].tobytes() == plain[k].tobytes(), k  # bit for bit, signs of zeros included
    if years is not None:
        for k in shares:  # the years that do not move keep their shares bit for bit
            assert fast[k][:, :, ~years].tobytes() == np.ascontiguousarray(shares[k][:, :, ~years]).tobytes()
    assert C.simplex_gap(fast) < 1e-12


def test_transfer_compiled_path_refuses_what_the_numpy_path_refuses(monkeypatch):
    pytest.importorskip("numba")
    monkeypatch.setattr(C, "COMPILED_FROM", 0)
    shares = _shares(np.random.default_rng(1))
    with pytest.raises(C.CompositionError):
        C.transfer(shares, ["voc"], np.full(shares["voc"].shape, 1.5))
    with pytest.raises(C.CompositionError):
        C.transfer(shares, ["nowhere"], np.full(shares["voc"].shape, 0.5))


def test_transfer_with_a_year_mask_is_the_transfer_then_the_mask():
    rng = np.random.default_rng(7)
    shares = _shares(rng)
    value = _value(rng, shares["voc"].shape)
    years = np.array([True, False, True, False, True])
    moved = C.transfer(shares, ["voc"], value)
    masked = C.transfer(shares, ["voc"], value, years=years)
    for k in shares:
        assert np.array_equal(masked[k], np.where(years, moved[k], shares[k]))


@pytest.mark.parametrize("n_levers", [1, 3])
def test_combine_compiled_path_is_the_numpy_path_bit_for_bit(n_levers):
    """Levers' effects combined within the room and the demand: NaN shares, signed zeros, negative room."""
    pytest.importorskip("numba")
    from simlib.scenarios import _numba_combine
    from simlib.scenarios.levers import combine

    rng = np.random.default_rng(22)
    shape = (700, 6, 5)
    s0 = rng.uniform(0.0, 0.6, shape)
    s0[:, 0, :2] = np.nan  # a unit without evidence in some years
    s0[1, 1, :] = 0.9  # above the bound: negative room
    mf = rng.uniform(0.3, 0.8, shape[0])
    active = np.array([0.0, 0.0, 1.0, 1.0, 1.0])
    effects = []
    for i in range(n_levers):
        e = rng.normal(0.02, 0.05, shape) * active  # negative effects times 0 give -0.0 in the past years
        e[2, 2, 3] = 0.0
        e[3, 3, 3] = -0.0
        effects.append(e)
    comb_plain = combine(effects, mf[:, None, None] - s0)
    demand_plain = np.clip(s0 + comb_plain, 0.0, 1.0)
    comb, demand = _numba_combine.run(tuple(effects), mf, s0)
    assert comb.tobytes() == comb_plain.tobytes()
    assert demand.tobytes() == demand_plain.tobytes()
    assert np.signbit(comb).any() and np.isnan(demand).any()  # the cases above were exercised


def test_flow_parameters_from_table_fields_read_once_equal_those_read_each_time():
    from simlib.inputs.assumptions import load_flow_assumptions
    from simlib.models import assumptions as fa

    table = load_flow_assumptions()
    fields = fa.table_parameters(table)
    shares = fa.thcs_destination_shares(table, 0.2)
    once = fa.flow_parameters(table, thcs_shares=shares, **fields)
    each = fa.flow_parameters(table, thcs_shares=shares)
    for name in (*fa.TABLE_FIELDS, "thpt_shares", "thcs_shares"):
        assert getattr(once, name) == getattr(each, name), name
    assert dict(fa.flow_parameters(table, gdnn_share=0.2).thcs_shares) == dict(each.thcs_shares)


def _run(bundle_and_case, n_draws=400):
    from simlib.inputs.case import load_case, load_case_inputs
    from simlib.scenarios import engine as S
    from simlib.scenarios.levers import list_scenarios, load_levers, load_scenario

    case = load_case("tay_ninh_2030")
    inputs = load_case_inputs(case)
    levers = load_levers(inputs.levers_path)
    scs = [load_scenario(n, levers, directory=inputs.scenarios_dir) for n in list_scenarios(inputs.scenarios_dir)]
    config = S.RunConfig(years=case.years, n_draws=n_draws, as_of=case.as_of, progress=False)
    plan = S.plan_run(inputs.bundle, inputs.geography, config, levers=levers, units=inputs.units)
    return S.run_scenarios(inputs.bundle, scs, baseline=plan.baseline(list(plan.units)[:12]))


def test_a_scenario_run_with_the_fast_paths_is_the_plain_run_bit_for_bit(monkeypatch):
    """Every array a scenario keeps, with every compiled path on and with every one off."""
    pytest.importorskip("numba")
    from simlib.models import _kernels

    from simlib.scenarios import engine as E

    for mod, name in ((C, "COMPILED_FROM"), (_kernels, "AUTO_NUMBA_MIN"), (E, "COMPILED_FROM")):
        monkeypatch.setattr(mod, name, 10**15)
    plain = _run(None)
    for mod, name in ((C, "COMPILED_FROM"), (_kernels, "AUTO_NUMBA_MIN"), (E, "COMPILED_FROM")):
        monkeypatch.setattr(mod, name, 0)
    fast = _run(None)
    assert list(fast.results) == list(plain.results)
    for sc, a in plain.results.items():
        b = fast.results[sc]
        for part in ("shares", "demand", "combined", "intake", "graduates", "seats", "costs"):
            pa, pb = getattr(a, part), getattr(b, part)
            assert list(pa) == list(pb), (sc, part)
            for k in pa:
                assert np.array_equal(pa[k], pb[k], equal_nan=True), (sc, part, k)
