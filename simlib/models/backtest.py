"""Rolling-origin backtest of the trend methods, and a seeded illustrative panel to test them on.

:func:`backtest` scores every method on every origin of every series (interval coverage, width, error);
:func:`simulate_panel` draws an illustrative panel. Re-exported by :mod:`simlib.models.trends`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from simlib.evidence.series import Observation, observations_from_frame
from simlib.logit import expit as _expit
from simlib.models.predictive import _WalkDist
from simlib.models.priors import TrendError, derive_national_prior
from simlib.models.trends import (
    _DEFAULT_BASIS_SD,
    _DEFAULT_FLAG_SD,
    DEFAULT_METHOD,
    METHODS,
    TrendResult,
    _encode,
    _fit_level_units,
    _fit_pooled_units,
    _fit_walk_units,
    _qname,
    fit,
)


# ----------------------------------------------------------------------------
# Backtest
# ----------------------------------------------------------------------------


def simulate_panel(
    rng: np.random.Generator,
    *,
    n_units: int = 8,
    years: Sequence[int] = tuple(range(2016, 2024)),
    intercept: tuple[float, float] = (-1.8, 0.4),
    slope: tuple[float, float] = (0.08, 0.08),
    noise_sd: float = 0.15,
    indicator: str = "illustrative_share",
) -> list[Observation]:
    """ILLUSTRATIVE district panel drawn from logit-linear trends (not real data).

    For testing and demonstrating methods (e.g. the backtest) when no real
    panel exists. Unit ``u`` has logit intercept ``a_u ~ N(*intercept)`` at the
    first year, slope ``b_u ~ N(*slope)`` logit units per year, and yearly
    noise ``N(0, noise_sd^2)``. Geographies are named ``illustrative_district_<u>``
    and every observation carries the flag ``illustrative``.

    Parameters
    ----------
    rng : numpy.random.Generator
        Seeded generator (SPEC 7); the same seed gives the same panel.
    """
    out: list[Observation] = []
    t = np.asarray(years, dtype=float) - float(years[0])
    for u in range(n_units):
        a, b = rng.normal(*intercept), rng.normal(*slope)
        z = a + b * t + rng.normal(0.0, noise_sd, len(t))
        for year, zz in zip(years, z):
            out.append(Observation(f"illustrative_d{u}_{year}", f"illustrative_district_{u}", indicator, int(year),
                                   value_share=float(1.0 / (1.0 + np.exp(-zz))), flags="illustrative"))
    return out


def _as_panel(series_or_panel) -> dict[tuple[str, str], list[Observation]]:
    if isinstance(series_or_panel, pd.DataFrame):
        obs = observations_from_frame(series_or_panel)
    elif isinstance(series_or_panel, Mapping):
        obs = [o for v in series_or_panel.values() for o in v]
    else:
        obs = list(series_or_panel)
    panel: dict[tuple[str, str], list[Observation]] = {}
    for o in obs:
        panel.setdefault((o.indicator, o.geography), []).append(o)
    return panel


_PANEL_METHODS = ("pooled", "rw_drift", "rw_drift_bayes")


def _panel_fits(method, obs, fit_kwargs) -> dict[str, TrendResult]:
    """One panel fit (pooled or rw_drift) for every unit of one indicator."""
    kw = dict(fit_kwargs)
    prior = kw.pop("prior", None) or derive_national_prior()
    walk = kw.pop("walk", None)
    enc = dict(
        other_basis=kw.get("other_basis", "inflate"),
        open_width=kw.get("open_width", 0.4),
        basis_sd={**_DEFAULT_BASIS_SD, **(kw.get("basis_sd") or {})},
        flag_sd={**_DEFAULT_FLAG_SD, **(kw.get("flag_sd") or {})},
    )
    if method == "pooled":
        return _fit_pooled_units(obs, prior=prior, **enc)
    if method == "rw_drift":
        return _fit_level_units(obs, prior=prior, **enc)
    return _fit_walk_units(obs, prior=prior, walk=walk, **enc)


def _encode_kw(fit_kwargs):
    return dict(
        other_basis=fit_kwargs.get("other_basis", "inflate"),
        open_width=fit_kwargs.get("open_width", 0.4),
        basis_sd={**_DEFAULT_BASIS_SD, **(fit_kwargs.get("basis_sd") or {})},
        flag_sd={**_DEFAULT_FLAG_SD, **(fit_kwargs.get("flag_sd") or {})},
    )


def _naive_train(train, enc):
    """The training set for the naive reference: at the latest time keep only the most precise figure."""
    uses = [(o, _encode(o, **enc)) for o in train]
    uses = [(o, u) for o, u in uses if u.used]
    if not uses:
        return train
    t_last = max(u.t for _, u in uses)
    last = [(o, u) for o, u in uses if u.t == t_last]
    if len(last) == 1:
        return train
    keep = min(last, key=lambda ou: ou[1].sd)[0]
    return [o for o in train if o is keep or o.t_mid != t_last]


def backtest(
    series_or_panel,
    methods: Sequence[str] = ("naive", DEFAULT_METHOD),
    min_train: int = 3,
    leads: Sequence[int] | None = (1, 2, 3),
    *,
    level: float = 0.8,
    per_case: bool = False,
    **fit_kwargs,
) -> pd.DataFrame:
    """Rolling-origin backtest: MAE and interval coverage by lead time.

    For every series (indicator x geography) and every year in which it has
    an observation (the *origin*), with at least ``min_train`` observations
    (distinct times) up to and including that year, each method is fitted on
    what was known then and scored on every later *point* observation of the
    series whose lead (its year minus the origin) is in ``leads`` (``None`` =
    all leads). Ranges are used for training but not scored.

    Panel methods (``pooled``, ``rw_drift``) are fitted once per indicator and
    origin on every unit's observations up to the origin year (the panel as
    it was known then); ``pooled`` needs two or more units.

    Each scored figure is predicted as a *reported* figure: with what is known
    about it (``approximate`` flag, stated standard error, other definition;
    see the module docstring) added to the predictive spread, since that is
    the figure the interval must cover.

    The naive reference (last value) is always computed, so ``mae_naive``
    and ``relative_mae`` compare every method with it on the same cases.

    Parameters
    ----------
    series_or_panel : sequence of Observation, mapping of them, or DataFrame
    methods : sequence of str
    min_train : int
        Minimum number of distinct observation times up to the origin.
    leads : sequence of int or None
    level : float
        Central interval scored in ``coverage`` (0.8: the 10 %-90 % interval).
    per_case : bool
        Return the case-level table instead of the summary.
    **fit_kwargs
        Passed to :func:`fit`.

    Returns
    -------
    pandas.DataFrame
        Tidy: one row per (method, lead) with ``n_cases``, ``n_series``,
        ``mae`` (fraction), ``mae_pp`` (percentage points), ``coverage_50``,
        ``coverage_80``, ``coverage`` (at ``level``), ``mae_naive``
        (fraction) and ``mae_naive_pp``, ``relative_mae`` (method MAE /
        naive MAE on the same cases; < 1 beats naive). ``n_skipped`` counts
        fits that could not be made (e.g. too few points for
        ``local_linear_trend``); ``.attrs["skipped"]`` has the same counts
        for every method, including methods that produced no rows;
        ``.attrs["level"]`` is ``level``.
    """
    if not 0 < level < 1:
        raise TrendError(f"level must be between 0 and 1 (0.8 for an 80 % interval); got {level!r}.")
    if int(min_train) < 1:
        raise TrendError(f"min_train must be at least 1; got {min_train!r}.")
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise TrendError(f"Unknown method(s) {unknown}; choose from {', '.join(METHODS)}.")
    panel = _as_panel(series_or_panel)
    methods = list(dict.fromkeys(methods))
    run = list(dict.fromkeys(list(methods) + ["naive"]))
    enc = _encode_kw(fit_kwargs)
    lo_p, hi_p = (1 - level) / 2, 1 - (1 - level) / 2
    probs = (0.1, 0.25, 0.75, 0.9, lo_p, hi_p)
    rows = []
    skipped: dict[str, int] = {m: 0 for m in run}
    cache: dict = {}
    by_ind: dict[str, list[Observation]] = {}
    for (ind, _), lst in panel.items():
        by_ind.setdefault(ind, []).extend(lst)
    lead_set = None if leads is None else {int(h) for h in leads}
    for (ind, geo), lst in sorted(panel.items()):
        lst = sorted(lst, key=lambda o: o.t_mid)
        for origin in sorted({o.year for o in lst}):
            train = [o for o in lst if o.year <= origin]
            test = [o for o in lst if o.year > origin and o.t_mid > origin and o.value_share is not None
                    and (lead_set is None or (o.year - origin) in lead_set)]
            if len({o.t_mid for o in train}) < min_train or not test:
                continue
            yrs = [o.year for o in test]
            t_prev = max(o.t_mid for o in train)
            prev = [o for o in train if o.t_mid == t_prev]
            last_v = next((o.value_share for o in prev if o.value_share is not None), None)
            if last_v is None:
                last_v = float(_expit(_encode(prev[0], **enc).z))
            encs = [_encode(o, **enc) for o in test]
            sds = [u.sd for u in encs]
            base_sds = [math.sqrt(max(u.sd**2 - u.approx_sd**2, 0.0)) for u in encs]
            approx = [u.approx_sd > 0 for u in encs]
            for m in run:
                try:
                    if m in _PANEL_METHODS:
                        key = (m, ind, origin)
                        if key not in cache:
                            panel_train = [o for o in by_ind[ind] if o.year <= origin]
                            try:
                                cache[key] = _panel_fits(m, panel_train, fit_kwargs)
                            except TrendError:
                                cache[key] = {}
                        if geo not in cache[key]:
                            raise TrendError("unit not in the panel fit")
                        res = cache[key][geo]
                    elif m == "naive":
                        res = fit(_naive_train(train, enc), m, **fit_kwargs)
                    else:
                        res = fit(train, m, **fit_kwargs)
                    if isinstance(res.dist, _WalkDist):
                        pr = res.predict(yrs, probs=probs, obs_sd=base_sds, approx=approx)
                    else:
                        pr = res.predict(yrs, probs=probs, obs_sd=sds)
                except TrendError:
                    skipped[m] += 1
                    continue
                for o, (_, r) in zip(test, pr.iterrows()):
                    v = o.value_share
                    lo, hi = r[_qname(lo_p)], r[_qname(hi_p)]
                    rows.append(dict(
                        method=m, indicator=ind, geography=geo, origin=origin, year=o.year,
                        lead=o.year - origin, n_train=len(train), last=last_v, actual=v, median=r["median"],
                        lower=lo, upper=hi, abs_error=abs(r["median"] - v),
                        in_50=bool(r["q0.25"] <= v <= r["q0.75"]),
                        in_80=bool(r["q0.1"] <= v <= r["q0.9"]),
                        in_level=bool(lo <= v <= hi),
                    ))
    case_cols = ["method", "indicator", "geography", "origin", "year", "lead", "n_train", "last", "actual", "median",
                 "lower", "upper", "abs_error", "in_50", "in_80", "in_level"]
    cases = pd.DataFrame(rows, columns=case_cols)
    if per_case:
        out_cases = cases[cases["method"].isin(methods)].reset_index(drop=True)
        out_cases.attrs["level"] = level
        return out_cases
    return _backtest_summary(cases, methods, skipped, level)


def _backtest_summary(cases: pd.DataFrame, methods: Sequence[str], skipped: Mapping[str, int],
                      level: float) -> pd.DataFrame:
    """One row per (method, lead) from :func:`backtest`'s case table, each method's MAE next to naive's on the same cases."""
    cols = ["method", "lead", "n_cases", "n_series", "mae", "mae_pp", "coverage_50", "coverage_80",
            "coverage", "mae_naive", "mae_naive_pp", "relative_mae", "n_skipped"]
    key = ["indicator", "geography", "origin", "year"]
    naive = cases[cases["method"] == "naive"].set_index(key)["abs_error"]
    out = []
    for (m, lead), g in cases[cases["method"].isin(methods)].groupby(["method", "lead"], sort=True):
        idx = pd.MultiIndex.from_frame(g[key])
        nv = naive.reindex(idx)
        ok = nv.notna().to_numpy()
        mae_n = float(nv[ok].mean()) if ok.any() else float("nan")
        mae_m = float(g["abs_error"].to_numpy()[ok].mean()) if ok.any() else float("nan")
        out.append(dict(
            method=m, lead=int(lead), n_cases=len(g),
            n_series=g[["indicator", "geography"]].drop_duplicates().shape[0],
            mae=float(g["abs_error"].mean()), mae_pp=100 * float(g["abs_error"].mean()),
            coverage_50=float(g["in_50"].mean()), coverage_80=float(g["in_80"].mean()),
            coverage=float(g["in_level"].mean()),
            mae_naive=mae_n, mae_naive_pp=100 * mae_n,
            relative_mae=mae_m / mae_n if mae_n > 0 else float("nan"),
            n_skipped=skipped[m],
        ))
    result = pd.DataFrame(out, columns=cols)
    result.attrs["skipped"] = {m: skipped[m] for m in methods}
    result.attrs["level"] = level
    return result
