"""Trends in streaming shares from sparse, mixed evidence.

This module turns a handful of reported shares (exact points, ranges,
figures on a different definition, planner data with a stated standard
error) into honest forecasts with uncertainty, for one unit (province,
district) or for a panel of units.

Units
-----
Every share in this module's public API is a **fraction in (0, 1)**
(0.1319 means 13.19 %). Slopes are in **logit units per year**. Nothing is
in percent except text produced for people (``summary()``, chart labels).

Observation model (documented rules)
------------------------------------
All modelling happens on the logit scale, ``z = log(p / (1 - p))``, so
forecasts can never leave (0, 1). Each observation becomes a centre ``z_i``
at a time ``t_i`` plus a *measurement* standard deviation ``s_i`` (logit
units) that adds to the model's own year-to-year noise:

* **Exact point** (``value_share``): ``z_i = logit(value)``, ``s_i = 0``.
* **Point with a stated standard error** (``se_share``): delta method,
  ``s_i = se / (p (1 - p))``.
* **Range** (``low_share`` to ``high_share``): a point at the logit
  midpoint with ``s_i = (logit(high) - logit(low)) / 4``, so the stated range
  spans +/- 2 sd (about 95 %). This is the Gaussian approximation of an
  interval-censored observation.
* **Open upper end** (``high_open``, "over 16 %"), or a lower bound only
  (low with no high): the upper end is pushed up by ``open_width`` logit
  units (default 0.4, i.e. odds x 1.5; "over 16 %" becomes "up to about
  22 %") and the range rule above is applied.
* **Several years** (``year_first`` < ``year``): the statement is placed at
  the middle of the years it covers.
* **Flags** add variance in quadrature: ``approximate`` ("about 6 %")
  +0.15 logit sd; ``ambiguous_denominator`` +0.5 (the two readings of
  Long An's 14.51 % vs 9.35 % differ by 0.50 logit). Other flags
  (e.g. ``machine_translation``) are listed but change nothing.
* **Definition basis** (``basis``): ``same`` is used as is. ``broader``,
  ``narrower`` and ``unclear`` are, by default (``other_basis="inflate"``),
  kept with extra sd 0.5, 0.5 and 0.75 logit units respectively (0.5 logit
  is odds x/÷ 1.65 at 1 sd) -- i.e. they are down-weighted, never mixed in
  silently. With ``other_basis="exclude"`` they are dropped. Either way
  ``summary()`` lists what happened to every point. If nothing usable is
  left, :class:`TrendError` is raised.

Rows from the data layer (:func:`observations_from_frame`)
--------------------------------------------------------
From ``simlib.inputs.bundle.load_observations()`` a series takes only rows with a
known ``year``, in a share unit, with an empty ``breakdown`` (totals: a
component route must not count as a further observation of its total), and
only the published reading of an ambiguous figure: rows flagged
``alternative_reading`` are dropped unless ``readings="alternative"`` (which
uses them *instead of* the figure they re-read). :func:`fit` refuses two
readings of one figure in one fit.

Priors (derivation in :func:`derive_national_prior`)
----------------------------------------------------
Every prior is computed from the national THCS->vocational history (the
five points of :data:`NATIONAL_THCS_VOCATIONAL`, equal to the bundled data's
national series): 2006-07 4.5 % (3.1 % vocational training centres + 1.4 %
intermediate schools), 2007-08 4.3 %, 2011-12 2 %, ~2014 6 %, 2018-19
about 10 % (trung cấp only), at face value.

* National pace ``(logit 0.10 - logit 0.045) / 12 = +0.0715`` logit per year
  (``slope_mean``).
* Random-walk step: the root of the median of ``(dz)^2 / dt`` over
  successive points, 0.33 logit per sqrt(year) (``rw_step_sd``; the plain
  root-mean-square, 0.47, is inflated by the definitional breaks of 2011-12
  and ~2014).
* Uncertainty of the national drift: ``0.33 / sqrt(12) = 0.095`` (``drift_sd``).
* A unit's mean pace over a 5-year spell: sd ``sqrt(0.095^2 + 0.33^2 / 5) =
  0.175`` (``slope_sd``; the slope prior of ``logit_linear`` and of the
  logistic feasible-progress fallback). The old typed-in N(0.07, 0.20^2) is
  gone.

Methods
-------
``rw_drift`` (default, :data:`DEFAULT_METHOD`; since issue 21)
    Random walk whose drift is shrunk by the data, with intervals from the
    panel's own past changes at the unit's level
    (:mod:`simlib.models.level_walk`): the median is the level now moved by
    the unit's recent pace times the share of a pace that carried on in the
    panel's history (0 when it did not); the spread is that of past changes
    over the same number of years from nearby levels, plus the changes common
    to all units in a year, whose size is recalibrated per lead on the
    panel's own past (rolling origin; the summary prints the factors and the
    years they were learned from). A national-step random walk decides when the
    panel has no past change. Chosen because, on the real GSO province panels
    (``benchmarks/data``), a plain drift was worse than naive at leads 2-5
    and its intervals covered 0.5-0.65; see the benchmark for what it reaches.
``rw_drift_bayes``
    The former default: random walk with drift on the logit scale, pooled
    over a panel (:mod:`simlib.models.drift_walk`): each unit moves at its own
    drift around a common drift and wanders (step ``q``); reported figures
    scatter (``r``); drifts differ between units (``tau``); figures flagged
    ``approximate`` scatter more (``a``), all learned by exact grid Bayes with
    the hyper-prior :func:`walk_prior`. Calibrated on generated panels of its
    own kind; too confident on the real panels.
``naive``
    Last value; interval from a random walk with step sd ``rw_step_sd``.
``logit_linear``
    ``z_t = a + b (t - t_last) + e_t``, ``e_t ~ N(0, sigma^2 + s_i^2)``;
    Normal prior N(``slope_mean``, ``slope_sd^2``) on ``b``, vague prior on
    ``a`` (sd 5), half-normal prior (scale ``sigma_scale``) on ``sigma``.
    Exact Bayesian posterior on a grid of ``sigma`` values (conjugate for
    ``a, b`` given ``sigma``). No process noise: a series that wanders is
    forecast as if only its slope were uncertain, so its intervals are too
    narrow at long leads (see the benchmark).
``local_linear_trend``
    statsmodels ``UnobservedComponents(level="local linear trend")`` on
    the yearly logit series (gaps as missing). Needs ``min_points_llt``
    (default 6) distinct years; fewer raises :class:`TrendError` unless a
    ``fallback`` method is named, in which case the summary says so.
    Parameter uncertainty is not included (maximum likelihood plug-in), so
    its intervals are too narrow on short series; kept for comparison.
``pooled``
    Partial pooling of straight lines across units by *empirical Bayes*
    shrinkage (MAP-II); hyper-parameter uncertainty is not propagated and
    there is no process noise. Kept for comparison; ``rw_drift`` is the
    pooled method whose intervals hold.

Compositions (shares of one origin that must sum to 1) are forecast with
additive log-ratios: see :func:`fit_composition`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import optimize, stats

from simlib.evidence.series import (
    BASES,
    NATIONAL_GEOGRAPHY,
    NATIONAL_INDICATOR,
    Observation,
    SeriesError,
    check_share,
    national_history,
    observations_from_frame,
)
from simlib.logit import expit as _expit
from simlib.logit import logit as _logit
from simlib.models.drift_walk import UnitData, WalkPrior, fit_walk
from simlib.models.level_walk import (LevelWalk, WalkSettings, column_quantiles, panel_changes, recalibration_note,
                                     unit_gap, unit_pace)
from simlib.models.predictive import (
    _LinearPosterior,
    _linear_posterior,
    _mixture_mean_expit,
    _mixture_quantiles,
    _RandomWalk,
    _StateSpace,
    _WalkDist,
)
from simlib.vocab import qname as _qname
from simlib.models.priors import (
    NATIONAL_THCS_VOCATIONAL,
    SPELL_YEARS,
    NationalPrior,
    TrendError,
    derive_national_prior,
    walk_prior,
)


__all__ = [
    "BASES",
    "METHODS",
    "DEFAULT_METHOD",
    "SPELL_YEARS",
    "CompositionResult",
    "NationalPrior",
    "Observation",
    "TrendError",
    "TrendResult",
    "backtest",
    "derive_national_prior",
    "walk_prior",
    "national_history",
    "fit",
    "fit_composition",
    "simulate_panel",
    "observations_from_frame",
    "TrendError",
    "NATIONAL_THCS_VOCATIONAL",
    "NATIONAL_GEOGRAPHY",
    "NATIONAL_INDICATOR",
    "SeriesError",
]

METHODS = ("naive", "logit_linear", "local_linear_trend", "pooled", "rw_drift", "rw_drift_bayes")
#: The method the engine, the reports and the backtest command use by default,
#: chosen by the calibration benchmark (benchmarks/bench_calibration.py).
DEFAULT_METHOD = "rw_drift"
BOE_PROBS = (0.05, 0.20, 0.35, 0.65, 0.80, 0.95)
DEFAULT_PROBS = (0.05, 0.10, 0.20, 0.25, 0.35, 0.50, 0.65, 0.75, 0.80, 0.90, 0.95)


# ----------------------------------------------------------------------------
# Observations
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PointUse:
    """What the fit did with one observation (logit units for ``z`` and ``sd``)."""

    obs_id: str
    geography: str
    t: float
    z: float
    sd: float
    used: bool
    kind: str  # "point", "point+se", "range", "open range"
    basis: str
    treatment: str
    approx_sd: float = 0.0  # the share of ``sd`` that comes from an ``approximate`` flag

    @property
    def is_range(self) -> bool:
        return self.kind in ("range", "open range")


def _encode(
    obs: Observation,
    *,
    other_basis: str,
    open_width: float,
    basis_sd: Mapping[str, float],
    flag_sd: Mapping[str, float],
) -> PointUse:
    parts: list[str] = []
    if obs.value_share is not None:
        z = float(_logit(obs.value_share))
        if obs.se_share is not None:
            p = obs.value_share
            s = obs.se_share / (p * (1 - p))
            kind = "point+se"
            parts.append(f"point with stated se (logit sd {s:.2f})")
        elif obs.low_share is not None and obs.high_share is not None:
            s = (float(_logit(obs.high_share)) - float(_logit(obs.low_share))) / 4
            kind = "point+se"
            parts.append(f"point; its stated range gives logit sd {s:.2f}")
        else:
            s = 0.0
            kind = "point"
            parts.append("exact point")
    else:
        lo = float(_logit(obs.low_share))
        if obs.high_share is None:
            hi = lo + open_width
            kind = "open range"
            parts.append(f"lower bound only: read as {100 * obs.low_share:.1f}-{100 * float(_expit(hi)):.1f} %")
        elif obs.high_open:
            hi = float(_logit(obs.high_share)) + open_width
            kind = "open range"
            parts.append(
                f"open-ended range: read as {100 * obs.low_share:.1f}-{100 * float(_expit(hi)):.1f} %"
            )
        else:
            hi = float(_logit(obs.high_share))
            kind = "range"
            parts.append("range")
        z = (lo + hi) / 2
        s = (hi - lo) / 4
        parts[-1] += f", midpoint {100 * float(_expit(z)):.1f} %, range = +/-2 sd (sd {s:.2f})"
    if obs.year_first is not None and obs.year_first != obs.year:
        parts.append(f"covers {obs.year_first}-{obs.year}, placed at {obs.t_mid:g}")
    var = s**2
    approx_sd = 0.0
    for fl in sorted(obs.flag_set):
        extra = flag_sd.get(fl, 0.0)
        if extra > 0:
            var += extra**2
            parts.append(f"flag {fl}: +{extra:.2f} sd")
            if fl == "approximate":
                approx_sd = extra
        else:
            parts.append(f"flag {fl}: noted only")
    used = True
    if obs.basis != "same":
        if other_basis == "exclude":
            used = False
            parts.append(f"EXCLUDED: definition basis '{obs.basis}' differs from the indicator")
        else:
            extra = basis_sd[obs.basis]
            var += extra**2
            parts.append(f"basis '{obs.basis}': down-weighted, +{extra:.2f} sd")
    return PointUse(
        obs_id=obs.obs_id,
        geography=obs.geography,
        t=obs.t_mid,
        z=z,
        sd=math.sqrt(var),
        used=used,
        kind=kind,
        basis=obs.basis,
        treatment="; ".join(parts),
        approx_sd=approx_sd,
    )


# ----------------------------------------------------------------------------
# Result object
# ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TrendResult:
    """Fitted trend for one indicator in one geography (statsmodels-like shape).

    Use :meth:`predict`, :meth:`conf_int`, :meth:`sample` and
    :meth:`summary`. All shares returned are fractions in (0, 1).
    """

    method: str
    geography: str
    indicator: str
    points: tuple[PointUse, ...]
    assumptions: tuple[str, ...]
    notes: tuple[str, ...]
    dist: object = field(repr=False)
    last_year: float = float("nan")
    converged: bool = True

    # -- counts ---------------------------------------------------------------
    @property
    def n_used(self) -> int:
        """Number of real observations the fit rests on."""
        return sum(p.used for p in self.points)

    @property
    def n_ranges(self) -> int:
        return sum(p.used and p.is_range for p in self.points)

    @property
    def n_other_basis(self) -> int:
        return sum(p.used and p.basis != "same" for p in self.points)

    @property
    def n_excluded(self) -> int:
        return sum(not p.used for p in self.points)

    # -- predictions ----------------------------------------------------------
    def predict(self, years: Iterable[int], probs: Sequence[float] = DEFAULT_PROBS, *,
                obs_sd=None, approx=None) -> pd.DataFrame:
        """Predictive mean, median and quantiles (fractions) for each year.

        Parameters
        ----------
        years : iterable of int
            Reference years.
        probs : sequence of float
            Quantile levels in (0, 1); columns are named ``q0.05`` etc.
        obs_sd : float or array_like, optional
            Known extra sd (logit units) of the reported figures being
            predicted, one per year or one for all (e.g. an ``approximate``
            figure, +0.15); added in quadrature. Used by :func:`backtest`.
        approx : bool or array_like of bool, optional
            ``rw_drift`` only: the predicted figures flagged ``approximate``
            get the extra sd learned from the panel (then leave the flag's
            share out of ``obs_sd``). Other methods ignore it.

        Returns
        -------
        pandas.DataFrame
            Index ``year``; columns ``mean``, ``median``, ``q...`` and
            ``logit_median``. Shares are fractions in (0, 1).
        """
        years = np.atleast_1d(np.asarray(list(years), dtype=float))
        if getattr(self.dist, "reported", False):
            w, m, s = self.dist.marginal(years, obs_sd, approx)
        else:
            w, m, s = self.dist.marginal(years)
            if obs_sd is not None:
                s = np.sqrt(s**2 + np.broadcast_to(np.asarray(obs_sd, float), (len(years),))[None, :] ** 2)
        probs = tuple(float(p) for p in probs)
        if np.ndim(w) == 2:  # weights per year (rw_drift: lags differ in their number of past changes)
            qz = column_quantiles(w, m, s, (0.5,) + probs)
        else:
            qz = _mixture_quantiles(w, m, s, (0.5,) + probs)
        out = pd.DataFrame(index=pd.Index(years.astype(int), name="year"))
        out["mean"] = _mixture_mean_expit(w, m, s)
        out["median"] = _expit(qz[0])
        for p, row in zip(probs, qz[1:]):
            out[_qname(p)] = _expit(row)
        out["logit_median"] = qz[0]
        return out

    def conf_int(self, alpha: float = 0.2, years: Iterable[int] = ()) -> pd.DataFrame:
        """Central ``1 - alpha`` predictive interval (fractions) per year.

        Returns
        -------
        pandas.DataFrame
            Index ``year``; columns ``lower`` and ``upper``.
        """
        if not 0 < alpha < 1:
            raise TrendError("alpha must be between 0 and 1 (0.2 gives an 80 % interval).")
        fr = self.predict(years, probs=(alpha / 2, 1 - alpha / 2))
        return fr[[_qname(alpha / 2), _qname(1 - alpha / 2)]].set_axis(["lower", "upper"], axis=1)

    def prob_at_least(self, target: float, year: int) -> float:
        """P(share in ``year`` >= ``target``), target as a fraction."""
        check_share("target", target, "target")
        w, m, s = self.dist.marginal(np.array([float(year)]))
        zt = float(_logit(target))
        w = w[:, 0] if np.ndim(w) == 2 else w
        return float(w @ stats.norm.sf((zt - m[:, 0]) / s[:, 0]))

    def sample(self, n: int, years: Iterable[int], rng: np.random.Generator) -> np.ndarray:
        """Joint draws of the share path, for Monte Carlo.

        Parameters
        ----------
        n : int
            Number of draws.
        years : iterable of int
        rng : numpy.random.Generator
            Source of randomness (SPEC 7); an int seed is also accepted.

        Returns
        -------
        numpy.ndarray
            Shape ``(n, len(years))``; fractions strictly inside (0, 1).
        """
        rng = np.random.default_rng(rng)
        years = np.asarray(list(years), dtype=float)
        z = self.dist.draw(int(n), years, rng)
        eps = 1e-12
        return np.clip(_expit(z), eps, 1 - eps)

    def slope_interval(self, alpha: float = 0.05) -> tuple[float, float]:
        """Central ``1 - alpha`` posterior interval of the slope (logit units per year).

        For ``logit_linear`` and ``pooled`` the straight line's slope; for
        ``rw_drift`` the unit's drift ``b_u`` (the pace its random walk
        moves at on average). ``naive`` and ``local_linear_trend`` have none.
        """
        if not hasattr(self.dist, "slope_marginal"):
            raise TrendError(f"Method {self.method!r} has no slope parameter.")
        w, m, s = self.dist.slope_marginal()
        q = _mixture_quantiles(w, m, s, (alpha / 2, 1 - alpha / 2))
        return float(q[0, 0]), float(q[1, 0])

    def summary(self) -> str:
        """Plain-language account of the method, the evidence and the assumptions."""
        lines = [
            f"Trend for '{self.indicator}' in '{self.geography}' -- method: {self.method}",
            f"Rests on {self.n_used} real observation(s): {self.n_ranges} range(s), "
            f"{self.n_other_basis} on a different definition (down-weighted); "
            f"{self.n_excluded} excluded.",
        ]
        if self.n_used <= 3:
            lines.append(
                "WARNING: this is very little evidence; the forecast is mostly the prior "
                "(the national pace), and the interval is wide for that reason."
            )
        lines.append("What was done with each observation:")
        for p in self.points:
            lines.append(f"  - {p.obs_id} [{p.geography}] at {p.t:g}: {p.treatment}")
        lines.append("Assumptions:")
        lines += [f"  - {a}" for a in self.assumptions]
        if self.notes:
            lines.append("Notes:")
            lines += [f"  - {n}" for n in self.notes]
        lines.append("Shares are fractions 0-1 in the API; percentages here are for reading.")
        return "\n".join(lines)


# ----------------------------------------------------------------------------
# Fitting
# ----------------------------------------------------------------------------


def _prepare(observations, *, other_basis, open_width, basis_sd, flag_sd):
    obs = list(observations)
    if not obs:
        raise TrendError("No observations at all: a trend needs at least one reported value.")
    for o in obs:
        if not isinstance(o, Observation):
            raise TrendError(f"Expected Observation objects, got {type(o).__name__}.")
    if other_basis not in ("inflate", "exclude"):
        raise TrendError("other_basis must be 'inflate' or 'exclude'.")
    if len({o.indicator for o in obs}) > 1:
        raise TrendError(
            "The observations mix several indicators "
            f"({sorted({o.indicator for o in obs})}); fit one indicator at a time."
        )
    _check_single_reading(obs)
    uses = [
        _encode(o, other_basis=other_basis, open_width=open_width, basis_sd=basis_sd, flag_sd=flag_sd)
        for o in obs
    ]
    order = np.argsort([u.t for u in uses], kind="stable")
    uses = [uses[i] for i in order]
    if not any(u.used for u in uses):
        raise TrendError(
            f"All {len(uses)} observation(s) are on a definition that differs from the "
            f"indicator (basis: {sorted({u.basis for u in uses})}) and were excluded; nothing "
            "is left to fit. Use other_basis='inflate' to keep them with wider uncertainty, "
            "or supply figures on the indicator's own definition."
        )
    return uses


def _check_single_reading(obs):
    """Refuse two readings of one figure in one fit (see observations_from_frame(readings=))."""
    for a in obs:
        if "alternative_reading" not in a.flag_set:
            continue
        twins = [o.obs_id for o in obs if o is not a and o.geography == a.geography
                 and o.year == a.year and o.year_first == a.year_first]
        if twins:
            raise TrendError(
                f"{a.obs_id!r} is an alternative reading of a figure, and {twins} report the same "
                f"year in {a.geography!r}: two readings of one figure are not two observations. "
                "Fit each reading separately (observations_from_frame(readings='primary' or "
                "'alternative'))."
            )


_DEFAULT_BASIS_SD = {"broader": 0.5, "narrower": 0.5, "unclear": 0.75}
_DEFAULT_FLAG_SD = {"approximate": 0.15, "ambiguous_denominator": 0.5}


def fit(
    observations: Iterable[Observation],
    method: str = DEFAULT_METHOD,
    *,
    unit: str | None = None,
    panel: Iterable[Observation] | None = None,
    prior: NationalPrior | None = None,
    walk: WalkPrior | None = None,
    other_basis: str = "inflate",
    open_width: float = 0.4,
    basis_sd: Mapping[str, float] | None = None,
    flag_sd: Mapping[str, float] | None = None,
    min_points_llt: int = 6,
    fallback: str | None = None,
) -> TrendResult:
    """Fit a trend to reported shares of one indicator.

    Parameters
    ----------
    observations : iterable of Observation
        One geography (or, for ``method="pooled"`` and ``"rw_drift"``, a
        panel of several, with ``unit`` naming the one to report on).
    method : {"rw_drift", "naive", "logit_linear", "local_linear_trend", "pooled"}
        Default :data:`DEFAULT_METHOD` (``"rw_drift"``).
    unit : str, optional
        Geography to report on. Required for ``pooled`` and for ``rw_drift``
        on a panel; for the other methods it filters the observations.
    panel : iterable of Observation, optional
        ``rw_drift`` only: observations of other units of the same indicator
        (provinces, districts, the national series) pooled with
        ``observations`` to learn the drift spread and the noise.
    prior : NationalPrior, optional
        Priors in logit units; default :func:`derive_national_prior` of the
        documented national history.
    walk : WalkPrior, optional
        ``rw_drift`` hyper-prior; default :func:`walk_prior` of ``prior``.
    other_basis : {"inflate", "exclude"}
        What to do with figures on a broader/narrower/unclear definition.
    open_width : float
        Logit units added to an open upper end.
    basis_sd, flag_sd : mapping, optional
        Extra logit sd per basis / per flag (defaults in the module docstring).
    min_points_llt : int
        Minimum number of distinct years for ``local_linear_trend``.
    fallback : str, optional
        Method used when ``local_linear_trend`` lacks points (stated in the
        summary). Without it, a :class:`TrendError` is raised.

    Returns
    -------
    TrendResult
    """
    if method not in METHODS:
        raise TrendError(f"Unknown method {method!r}; choose one of {', '.join(METHODS)}.")
    prior = prior or derive_national_prior()
    kw = dict(
        other_basis=other_basis,
        open_width=open_width,
        basis_sd={**_DEFAULT_BASIS_SD, **(basis_sd or {})},
        flag_sd={**_DEFAULT_FLAG_SD, **(flag_sd or {})},
    )
    obs = list(observations)
    if method == "pooled":
        return _fit_pooled(obs, unit=unit, prior=prior, **kw)
    if method in ("rw_drift", "rw_drift_bayes"):
        return _fit_walk(obs, list(panel or ()), unit=unit, prior=prior, walk=walk, method=method, **kw)
    if panel is not None:
        raise TrendError("panel=... is used by methods 'rw_drift' and 'rw_drift_bayes' only.")
    if unit is not None:
        obs = [o for o in obs if o.geography == unit]
        if not obs:
            raise TrendError(f"No observations at all for unit {unit!r}.")
    geos = sorted({o.geography for o in obs})
    if len(geos) > 1:
        raise TrendError(
            f"The observations cover several geographies ({geos}); pass unit=... or use "
            "method='pooled' or 'rw_drift'."
        )
    uses = _prepare(obs, **kw)
    geo, ind = obs[0].geography, obs[0].indicator
    used = [u for u in uses if u.used]
    common = _common_assumptions(open_width)
    if method == "naive":
        return _fit_naive(used, uses, geo, ind, prior, common)
    if method == "logit_linear":
        return _fit_logit_linear(used, uses, geo, ind, prior, common)
    # local linear trend
    years = [u.t for u in used]
    n_distinct = len(set(int(round(y)) for y in years))
    if n_distinct < min_points_llt:
        msg = (
            f"local_linear_trend needs at least {min_points_llt} years of data; only "
            f"{n_distinct} available"
        )
        if fallback is None:
            raise TrendError(msg + ". Use method='logit_linear' or pass fallback='logit_linear'.")
        res = fit(obs, fallback, prior=prior, **kw)
        return replace(res, notes=res.notes + (msg + f"; fell back to '{fallback}'.",))
    return _fit_llt(used, uses, geo, ind, common)


def _common_assumptions(open_width):
    return (
        "Shares are modelled on the logit scale, so forecasts stay between 0 % and 100 %.",
        "Ranges count as a point at their logit midpoint with the range spanning +/-2 sd; "
        f"an open upper end is extended by {open_width} logit units.",
    )


def _fit_naive(used, uses, geo, ind, prior, common):
    last_t = max(u.t for u in used)
    lasts = [u for u in used if u.t == last_t]
    if len(lasts) > 1:
        raise TrendError(
            f"Two or more observations share the latest year {last_t:g} "
            f"({[u.obs_id for u in lasts]}); 'naive' needs a single last value. "
            "Remove the duplicate or use 'logit_linear'."
        )
    u = lasts[0]
    dist = _RandomWalk(float(u.t), u.z, u.sd, prior.rw_step_sd)
    assumptions = common + (
        f"No trend: the best guess for every year is the last value ({u.obs_id}, "
        f"{100 * float(_expit(u.z)):.1f} %).",
        f"Uncertainty grows like a random walk with a step sd of {prior.rw_step_sd} logit units "
        "per year, taken from the year-to-year changes in the national THCS->vocational history.",
    )
    return TrendResult("naive", geo, ind, tuple(uses), assumptions, (), dist, float(u.t))


def _fit_logit_linear(used, uses, geo, ind, prior, common):
    t = np.array([u.t for u in used])
    z = np.array([u.z for u in used])
    sd = np.array([u.sd for u in used])
    t_ref = float(t.max())
    dist = _linear_posterior(t, z, sd, t_ref=t_ref, slope_mean=prior.slope_mean,
                             slope_sd=prior.slope_sd, sigma_scale=prior.sigma_scale)
    assumptions = common + (
        "A straight-line trend on the logit scale (growth slows near 0 % and 100 %).",
        f"Before seeing this unit's data, its slope is believed to be {prior.slope_mean:+.2f} "
        f"logit units per year (the national pace 2007-2019) give or take {prior.slope_sd:.2f}; "
        "with few points the forecast leans heavily on this.",
        f"Years scatter around the line with an unknown sd (prior half-normal, scale "
        f"{prior.sigma_scale} logit units), averaged over in the intervals.",
    )
    res = TrendResult("logit_linear", geo, ind, tuple(uses), assumptions, (), dist, t_ref)
    lo, hi = res.slope_interval(0.2)
    note = (f"80 % interval of the slope: {lo:+.2f} to {hi:+.2f} logit units per year "
            f"(prior: {prior.slope_mean - 1.2816 * prior.slope_sd:+.2f} to "
            f"{prior.slope_mean + 1.2816 * prior.slope_sd:+.2f}).")
    return replace(res, notes=(note,))


def _fit_llt(used, uses, geo, ind, common):
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    from statsmodels.tsa.statespace.structural import UnobservedComponents

    yrs = [int(round(u.t)) for u in used]
    if len(set(yrs)) != len(yrs):
        dup = sorted({y for y in yrs if yrs.count(y) > 1})
        raise TrendError(
            f"local_linear_trend needs one value per year; year(s) {dup} appear more than once."
        )
    y0, y1 = min(yrs), max(yrs)
    series = np.full(y1 - y0 + 1, np.nan)
    for yr, u in zip(yrs, used):
        series[yr - y0] = u.z
    notes = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = UnobservedComponents(series, level="local linear trend").fit(disp=False, maxiter=1000)
    converged = bool(res.mle_retvals.get("converged", True)) if res.mle_retvals else True
    conv_w = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    if conv_w or not converged:
        converged = False
        notes.append("The maximum-likelihood fit did NOT converge (expected with short series); "
                     "treat the interval with extra caution.")
    others = {str(w.message) for w in caught if not issubclass(w.category, ConvergenceWarning)}
    notes += [f"statsmodels warning (silenced): {m}" for m in sorted(others)]
    if any(u.sd > 0 for u in used):
        notes.append("Per-observation uncertainty (ranges, flags, other definitions) is not used "
                     "by this method: every value counts equally.")
    assumptions = common + (
        "Local linear trend (statsmodels UnobservedComponents): level and slope drift over time.",
        "Variances are estimated by maximum likelihood and treated as known, so intervals "
        "from short series are usually too narrow.",
    )
    return TrendResult("local_linear_trend", geo, ind, tuple(uses), assumptions, tuple(notes),
                       _StateSpace(res, y1), float(y1), converged)


# -- pooled ---------------------------------------------------------------------


def _pooled_hyper(units, t_ref, prior):
    """MAP-II estimate of (mu_a, mu_b, tau_a, tau_b, sigma). units: list of (t, z, sd)."""
    def negpost(theta):
        mu_a, mu_b, ltau_a, ltau_b, lsig = theta
        ta, tb, sg = np.exp([ltau_a, ltau_b, lsig])
        T = np.diag([ta**2, tb**2])
        ll = 0.0
        for t, z, sd in units:
            X = np.stack([np.ones_like(t), t - t_ref], axis=1)
            K = X @ T @ X.T + np.diag(sg**2 + sd**2)
            ll += stats.multivariate_normal.logpdf(z, X @ np.array([mu_a, mu_b]), K)
        lp = stats.norm.logpdf(mu_b, prior.slope_mean, prior.slope_sd)
        lp += stats.halfnorm.logpdf(ta, scale=1.0) + ltau_a
        lp += stats.halfnorm.logpdf(tb, scale=prior.slope_sd) + ltau_b
        lp += stats.halfnorm.logpdf(sg, scale=prior.sigma_scale) + lsig
        return -(ll + lp)

    zbar = float(np.mean(np.concatenate([u[1] for u in units])))
    x0 = np.array([zbar, prior.slope_mean, math.log(0.5), math.log(0.1), math.log(0.2)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        opt = optimize.minimize(negpost, x0, method="Nelder-Mead",
                                options={"maxiter": 4000, "xatol": 1e-5, "fatol": 1e-7})
    return opt


def _fit_pooled(obs, *, unit, prior, **kw):
    if not obs:
        raise TrendError("No observations at all: a trend needs at least one reported value.")
    geos = sorted({o.geography for o in obs})
    if unit is None:
        raise TrendError(f"method='pooled' needs unit=... (one of {geos}).")
    if unit not in geos:
        raise TrendError(f"No observations at all for unit {unit!r} in the panel {geos}.")
    return _fit_pooled_units(obs, prior=prior, require=unit, **kw)[unit]


def _prepare_units(by_geo: Mapping[str, list[Observation]], require: str | None, kw: Mapping) -> dict:
    """:func:`_prepare` for each unit of a panel; a unit whose figures cannot be used is left out, unless it is ``require``."""
    prepared = {}
    for g, lst in by_geo.items():
        try:
            prepared[g] = _prepare(lst, **kw)
        except TrendError:
            if g == require:
                raise
    return prepared


def _fit_pooled_units(obs, *, prior, require=None, **kw) -> dict[str, TrendResult]:
    """Fit the pooled model once and return a result for every usable unit."""
    by_geo: dict[str, list[Observation]] = {}
    for o in obs:
        by_geo.setdefault(o.geography, []).append(o)
    if len(by_geo) < 2:
        raise TrendError(
            "Partial pooling needs a panel of at least two geographies; only "
            f"{sorted(by_geo)} given. Use method='logit_linear' for a single unit."
        )
    prepared = _prepare_units(by_geo, require, kw)
    if len(prepared) < 2:
        raise TrendError("Partial pooling needs at least two geographies with usable observations.")
    dists, opt, t_ref = _pooled_all(prepared, prior)
    mu_a, mu_b, lta, ltb, lsg = opt.x
    n_total = sum(sum(u.used for u in v) for v in prepared.values())
    notes = [
        f"Panel: {len(prepared)} units, {n_total} usable observations in all.",
        f"Common slope {mu_b:+.3f} logit/yr; spread of unit slopes (sd) {math.exp(ltb):.3f}; "
        f"spread of unit levels (sd) {math.exp(lta):.3f}; year-to-year noise sd {math.exp(lsg):.3f}.",
    ]
    if not opt.success:
        notes.append("The hyper-parameter optimiser did not report convergence; "
                     "treat the interval with extra caution.")
    assumptions = (
        "Shares are modelled on the logit scale, so forecasts stay between 0 % and 100 %.",
        "Each unit has its own straight-line trend on the logit scale; units' levels and slopes "
        "are drawn from a common distribution, so a unit with few points borrows strength from "
        "the others (empirical Bayes shrinkage, MAP-II).",
        f"The common slope has the national prior {prior.slope_mean:+.2f} +/- {prior.slope_sd:.2f} "
        "logit units per year.",
        "The panel-level parameters are treated as known: intervals ignore their uncertainty.",
    )
    ind = obs[0].indicator
    return {
        g: TrendResult("pooled", g, ind, tuple(prepared[g]), assumptions, tuple(notes),
                       dists[g], float(t_ref), bool(opt.success))
        for g in dists
    }


def _pooled_all(prepared, prior):
    """Fit the pooled model; return per-unit posteriors, the optimiser result and t_ref."""
    units = {}
    for g, uses in prepared.items():
        used = [u for u in uses if u.used]
        if used:
            units[g] = (np.array([u.t for u in used]), np.array([u.z for u in used]),
                        np.array([u.sd for u in used]))
    t_ref = float(max(t.max() for t, _, _ in units.values()))
    opt = _pooled_hyper(list(units.values()), t_ref, prior)
    mu_a, mu_b, lta, ltb, lsg = opt.x
    ta, tb, sg = math.exp(lta), math.exp(ltb), math.exp(lsg)
    m0 = np.array([mu_a, mu_b])
    P0 = np.diag([1 / ta**2, 1 / tb**2])
    dists = {}
    for g, (t, z, sd) in units.items():
        X = np.stack([np.ones_like(t), t - t_ref], axis=1)
        V = sg**2 + sd**2
        C = np.linalg.inv(P0 + X.T @ (X / V[:, None]))
        mu = C @ (P0 @ m0 + X.T @ (z / V))
        dists[g] = _LinearPosterior(t_ref, np.ones(1), np.array([sg]), mu[None], C[None])
    return dists, opt, t_ref


# -- rw_drift -------------------------------------------------------------------


def _fit_walk(obs, panel, *, unit, prior, walk, method="rw_drift", **kw) -> TrendResult:
    if not obs:
        raise TrendError("No observations at all: a trend needs at least one reported value.")
    geos = sorted({o.geography for o in obs})
    if unit is None:
        if len(geos) > 1:
            raise TrendError(f"The observations cover several geographies ({geos}); pass unit=... "
                             "to say which one to report on (the others are pooled with it).")
        unit = geos[0]
    allobs = obs + [o for o in panel if o not in obs]
    if unit not in {o.geography for o in allobs}:
        raise TrendError(f"No observations at all for unit {unit!r}.")
    if method == "rw_drift":
        return _fit_level_units(allobs, prior=prior, require=unit, **kw)[unit]
    return _fit_walk_units(allobs, prior=prior, walk=walk, require=unit, **kw)[unit]


def _panel_units(obs, require, kw):
    """One indicator's observations, prepared per unit: (indicator, {unit: uses})."""
    inds = sorted({o.indicator for o in obs})
    if len(inds) > 1:
        raise TrendError(f"The observations mix several indicators ({inds}); fit one indicator at a time.")
    by_geo: dict[str, list[Observation]] = {}
    for o in obs:
        by_geo.setdefault(o.geography, []).append(o)
    return inds[0], _prepare_units(by_geo, require, kw)


def _fit_level_units(obs, *, prior, require=None, settings: WalkSettings | None = None,
                     **kw) -> dict[str, TrendResult]:
    """Fit rw_drift (:mod:`simlib.models.level_walk`) once on a panel and return a result for every usable unit."""
    ind, prepared = _panel_units(obs, require, kw)
    st = settings or WalkSettings(prior_step=prior.rw_step_sd)
    data = {}
    for g, uses in prepared.items():
        used = [u for u in uses if u.used]
        if used:
            data[g] = (np.array([u.t for u in used]), np.array([u.z for u in used]), np.array([u.sd for u in used]))
    if not data:
        raise TrendError("No unit has usable observations.")
    pc = panel_changes({g: (t, z) for g, (t, z, _) in data.items()}, st)
    n_pairs = len(pc.lag)
    carry = ", ".join(f"{h} yr {k:.2f}" for h, (k, _) in sorted(pc.carry.items()) if h <= 5) or "none"
    notes = (
        f"Panel: {len(data)} unit(s), {sum(len(v[0]) for v in data.values())} usable figure(s), {n_pairs} past "
        f"change(s) of 1-{st.max_lag} years between figures of one unit.",
        f"Scale of a change by level: power {pc.power:.2f} of 1 / (p (1 - p)) (learned from the panel's "
        "consecutive figures; 0: the same logit spread at every level, 1: the same spread of the share).",
        (f"Share of a unit's pace carried on (by lead; learned from the panel, shrunk to 0, and kept only where "
         f"it beat the last figure in the panel's own past): {carry}." if st.carry else
         "A unit's recent pace is not carried on (on the real GSO province panels it did worse than the last "
         "figure); the best guess is the last figure."),
        recalibration_note(pc, st),
    )
    assumptions = _common_assumptions(kw["open_width"]) + (
        ("The best guess is the last figure moved by the unit's recent pace times the share of a pace that "
         "carried on in the panel's own history, where that beat the last figure out of sample (else the last "
         "figure)." if st.carry else
         "The best guess is the last figure: past changes that lean one way widen that side of the interval "
         "and do not move the best guess."),
        "The spread is that of the panel's own past changes over the same number of years, from levels close "
        "to the unit's last figure, each read at the level now by how the spread grew towards 0 % and 100 % in "
        "the panel (so it is right near the bounds as well as in the middle), plus the change common to all "
        "units, whose size is learned from every past year of the panel's common path.",
        f"A random walk with step {st.prior_step:.2f} logit per sqrt(year) ({prior.describe()}) counts as "
        f"{st.prior_n:g} past changes: it decides when the panel has none.",
    )
    out = {}
    for g, (t, z, sd) in data.items():
        t_last = float(t.max())
        # the level now: every figure is a reading of it, blurred by its own sd and by the walk since
        # (step prior_step); precision-weighted (an exact latest figure is the level itself)
        v = sd**2 + st.prior_step**2 * (t_last - t)
        if np.any(v <= 1e-12):
            i = int(np.flatnonzero(v <= 1e-12)[-1])
            z_now, sd_now = float(z[i]), 0.0
        else:
            wv = 1.0 / v
            z_now, sd_now = float(wv @ z / wv.sum()), float(1.0 / math.sqrt(wv.sum()))
        b = unit_pace(t, z, t_last, st.pace_window)
        m = (t >= t_last - st.pace_window - 1e-9)
        se = float("nan")
        if np.isfinite(b) and m.sum() >= 3:
            tc = t[m] - t[m].mean()
            r = z[m] - z[m].mean() - b * tc
            se = float(np.sqrt((r @ r) / (m.sum() - 2) / (tc @ tc)))
        dist = LevelWalk(pc, st, t_last, z_now, sd_now, b, se, unit_gap(t, z, t_last, st.pace_window))
        out[g] = TrendResult("rw_drift", g, ind, tuple(prepared[g]), assumptions, notes, dist, t_last)
    return out


def _fit_walk_units(obs, *, prior, walk=None, require=None, **kw) -> dict[str, TrendResult]:
    """Fit rw_drift_bayes once on a panel (one indicator) and return a result for every usable unit."""
    ind, prepared = _panel_units(obs, require, kw)
    units = {}
    for g, uses in prepared.items():
        used = [u for u in uses if u.used]
        # an approximate figure's extra sd is learned from the panel: keep the rest of its sd
        base_sd = [math.sqrt(max(u.sd**2 - u.approx_sd**2, 0.0)) for u in used]
        units[g] = UnitData.make([u.t for u in used], [u.z for u in used], base_sd,
                                 [u.approx_sd > 0 for u in used])
    if not units:
        raise TrendError("No unit has usable observations.")
    wp = walk or walk_prior(prior, ind, approx_scale=kw["flag_sd"].get("approximate", 0.15) or 0.15)
    wf = fit_walk(units, wp)
    hq = wf.hyper_quantiles((0.1, 0.5, 0.9))
    n_total = wf.n_obs
    thin = n_total - len(units) < 8
    notes = [
        f"Panel: {len(units)} unit(s), {n_total} usable observation(s) in all"
        + (" -- too few to learn the hyper-parameters: they are mostly the prior's." if thin else "."),
        "Posterior medians (80 % intervals): common drift {:+.3f} ({:+.3f} to {:+.3f}) logit/yr; "
        "spread of unit drifts {:.3f} ({:.3f}-{:.3f}); change of drifts {:.3f} ({:.3f}-{:.3f}) "
        "logit/yr per sqrt(yr); random-walk step {:.3f} ({:.3f}-{:.3f}) logit/sqrt(yr); irregular "
        "noise {:.3f} ({:.3f}-{:.3f}).".format(
            hq["drift"][1], hq["drift"][0], hq["drift"][2], hq["spread"][1], hq["spread"][0], hq["spread"][2],
            hq["change"][1], hq["change"][0], hq["change"][2],
            hq["step"][1], hq["step"][0], hq["step"][2], hq["noise"][1], hq["noise"][0], hq["noise"][2]),
    ]
    if wf.learned_approx:
        notes.append("Figures flagged 'approximate' scatter with an extra sd learned from the panel: "
                     "{:.3f} ({:.3f}-{:.3f}) logit (prior scale {:.2f}); this replaces the flag's fixed "
                     "+{:.2f} listed above.".format(hq["approx"][1], hq["approx"][0], hq["approx"][2],
                                                    wp.approx_scale, wp.approx_scale))
    assumptions = _common_assumptions(kw["open_width"]) + (
        "Each unit's logit share is a random walk with drift: it moves at its own pace (drift), which "
        "may change slowly, and wanders around it; reported figures scatter around the path.",
        "Units' drifts are drawn around a common drift; the common drift, the spread of drifts, the "
        "step of the walk and the scatter are learned from the whole panel, and their uncertainty is "
        "carried into every interval (exact Bayesian posterior on a grid).",
        f"Hyper-prior (decides when the panel is thin): common drift N({wp.drift_mean:+.3f}, "
        f"{wp.drift_sd:.3f}^2); half-normal priors on the step (scale {wp.step_scale:.2f}), the scatter "
        f"(scale {wp.noise_scale:.2f}), the drift spread (scale {wp.spread_scale:.3f}) and the change of "
        f"drifts (scale {wp.change_scale:.3f}); derived from the {prior.describe()}.",
    )
    out = {}
    for g in units:
        t_last = float(units[g].t.max())
        out[g] = TrendResult("rw_drift_bayes", g, ind, tuple(prepared[g]), assumptions, tuple(notes),
                             _WalkDist(wf, g), t_last)
    return out


# the backtest and the compositions build on the fits above (imported last: they import this module)
from simlib.models.backtest import backtest, simulate_panel  # noqa: E402
from simlib.models.logratio import CompositionResult, fit_composition  # noqa: E402
