"""The fast paths of issue 24 give the numbers of the plain ones: bit for bit where promised, to tolerance where not.

* :func:`simlib.models.composition.reconcile`: the compiled per-cell solve (numba) and the numpy path;
* :func:`simlib.vocab.draw_quantiles` and ``np.quantile(..., axis=0)``;
* :func:`simlib.models.hierarchy.weighted_location`, which iterates only the cells still off: every cell solved;
* the report's languages rendered in forked workers (:func:`simlib.apps.report._render_all`): the same files
  as one after the other, and a worker's error raised in the caller.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize

from simlib.logit import expit, logit
from simlib.models import composition as C
from simlib.models.hierarchy import weighted_location
from simlib.vocab import FAN_PROBS, draw_quantiles


# --------------------------------------------------------------------------------------------------
# reconcile: compiled == numpy, bit for bit
# --------------------------------------------------------------------------------------------------
def _composition_problem(rng, n=4000, units=7, years=3):
    """Four components with draws, one fixed (variance 0), one with exact zeros, one far off in a few draws."""
    shape = (n, units, years)
    z = {"a": rng.normal(-0.5, 1.0, shape), "b": rng.normal(-1.5, 0.8, shape),
         "fixed": np.broadcast_to(rng.normal(-2.5, 0.3, (n, 1, years)), shape),
         "zeros": np.where(rng.random(shape) < 0.2, -np.inf, rng.normal(-2.0, 0.5, shape))}
    z["a"][:5] = 6.0  # a component far above the others in a few draws
    w = {"a": rng.uniform(0.1, 2.0, (1, units, years)), "b": np.full((1, units, years), 0.5),
         "fixed": 0.0, "zeros": rng.uniform(0.0, 1.0, shape)}
    return z, w


def test_reconcile_compiled_path_is_the_numpy_path_bit_for_bit(monkeypatch):
    pytest.importorskip("numba")
    z, w = _composition_problem(np.random.default_rng(24))
    monkeypatch.setattr(C, "COMPILED_FROM", 10**15)
    plain = C.reconcile(z, w)
    monkeypatch.setattr(C, "COMPILED_FROM", 0)
    fast = C.reconcile(z, w)
    assert set(fast) == set(plain)
    for k in plain:
        assert fast[k].shape == plain[k].shape
        assert np.array_equal(fast[k], plain[k]), k
    assert C.simplex_gap(fast) < 1e-12
    assert np.array_equal(fast["fixed"], expit(z["fixed"]))  # a fixed component keeps its draws
    assert np.all(fast["zeros"][np.isneginf(z["zeros"])] == 0.0)  # an exact zero stays zero


def test_reconcile_compiled_path_refuses_what_the_numpy_path_refuses(monkeypatch):
    pytest.importorskip("numba")
    monkeypatch.setattr(C, "COMPILED_FROM", 0)
    z = {"a": np.full((300_000,), logit(0.7)), "b": np.full((300_000,), logit(0.6))}
    with pytest.raises(C.CompositionError):
        C.reconcile(z, {"a": 0.0, "b": 0.0})


# --------------------------------------------------------------------------------------------------
# quantiles over draws: one sort per cell == np.quantile
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(1000, 6, 4), (1, 3), (2, 5), (7,), (500, 2)])
def test_draw_quantiles_equal_numpy_bit_for_bit(shape):
    rng = np.random.default_rng(7)
    x = rng.normal(size=shape)
    if len(shape) > 1 and shape[0] > 2:
        x[:, 0] = np.nan  # a cell without evidence
        x[3, -1] = np.nan  # one NaN draw makes the cell NaN, as in numpy
        x[:, 1] = np.round(x[:, 1])  # ties
    for probs in (FAN_PROBS, (0.0, 0.5, 1.0), (0.1, 0.9), [0.2]):
        want = np.quantile(x, probs, axis=0)
        got = draw_quantiles(x, probs)
        assert got.shape == want.shape
        assert np.array_equal(got, want, equal_nan=True)


def test_draw_quantiles_by_hand():
    x = np.array([[3.0, 10.0], [1.0, 30.0], [2.0, 20.0], [4.0, 40.0], [0.0, 0.0]])  # sorted: 0..4 and 0..40
    q = draw_quantiles(x, (0.1, 0.5, 1.0))
    assert q.tolist() == [[0.4, 4.0], [2.0, 20.0], [4.0, 40.0]]


# --------------------------------------------------------------------------------------------------
# weighted_location: every cell solved, slow cells included
# --------------------------------------------------------------------------------------------------
def test_weighted_location_solves_every_cell_to_tolerance():
    rng = np.random.default_rng(3)
    n, units, years = 400, 12, 3
    d = rng.normal(0.0, 1.2, (n, units, years))
    d[:4] *= 8.0  # far-apart units: the cells that need the most steps
    province = expit(rng.normal(-1.0, 1.5, (n, years)))
    province[0, 0], province[1, 1] = 0.999, 0.001
    w = rng.uniform(1.0, 50.0, (units, years))
    z = weighted_location(province, d, w)
    ww = w / w.sum(axis=0)
    resid = np.einsum("nuy,uy->ny", expit(z[:, None, :] + d), ww) - province
    assert np.max(np.abs(resid)) < 1e-11
    for i, k in [(0, 0), (1, 1), (5, 2)]:  # an independent root finder
        ref = optimize.brentq(lambda t: float(np.sum(ww[:, k] * expit(t + d[i, :, k])) - province[i, k]), -60, 60,
                              xtol=1e-14)
        assert z[i, k] == pytest.approx(ref, abs=1e-8)


# --------------------------------------------------------------------------------------------------
# the report's languages in forked workers
# --------------------------------------------------------------------------------------------------
def _fake_render(data, lang, folder):
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if lang == "en" and data == "fail":
        raise ValueError("no English today")
    (folder / f"page_{lang}.txt").write_text(f"{data}:{lang}", encoding="utf-8")
    return sorted(folder.iterdir())


@pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(), reason="needs fork")
def test_languages_in_workers_write_what_one_after_the_other_writes(tmp_path, monkeypatch):
    from simlib.apps import report as R

    monkeypatch.setattr(R, "render", _fake_render)
    subs = {lang: tmp_path / "par" / lang for lang in ("vi", "en")}
    par = R._render_all("data", subs, parallel=True)
    seq = R._render_all("data", {lang: tmp_path / "seq" / lang for lang in ("vi", "en")}, parallel=False)
    assert {k: [p.name for p in v] for k, v in par.items()} == {k: [p.name for p in v] for k, v in seq.items()}
    assert (subs["en"] / "page_en.txt").read_text(encoding="utf-8") == "data:en"
    with pytest.raises(ValueError, match="no English today"):
        R._render_all("fail", {lang: tmp_path / "bad" / lang for lang in ("vi", "en")}, parallel=True)
