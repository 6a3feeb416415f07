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
    to all units in a year. A national-step random walk decides when the
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
import re
import textwrap
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from simlib.errors import InputError
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
from simlib.models.drift_walk import UnitData, WalkFit, WalkPrior, fit_walk
from simlib.models.level_walk import LevelWalk, WalkSettings, column_quantiles, panel_changes, unit_pace

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
    "plot_fan",
]

METHODS = ("naive", "logit_linear", "local_linear_trend", "pooled", "rw_drift", "rw_drift_bayes")
#: The method the engine, the reports and the backtest command use by default,
#: chosen by the calibration benchmark (benchmarks/bench_calibration.py).
DEFAULT_METHOD = "rw_drift"
BOE_PROBS = (0.05, 0.20, 0.35, 0.65, 0.80, 0.95)
DEFAULT_PROBS = (0.05, 0.10, 0.20, 0.25, 0.35, 0.50, 0.65, 0.75, 0.80, 0.90, 0.95)

#: National THCS -> vocational history used to derive the default priors:
#: (reference year, share as a fraction, what it counts). Sources: VietNamNet
#: via MOET (2006-07, 2007-08), Hanoi Times (2011-12, ~2014), VietNamNet
#: (~2018-19); see /work/shared/research/policy_levers.md section 1b.
NATIONAL_THCS_VOCATIONAL = (
    (2007, 0.045, "3.1 % vocational training centres + 1.4 % intermediate schools"),
    (2008, 0.043, "2.5 % + 1.8 %, both routes"),
    (2012, 0.020, "intermediate schools only"),
    (2014, 0.060, "about 6 % to vocational schools"),
    (2019, 0.100, "about 10 % to intermediate (trung cấp) schools only"),
)


class TrendError(SeriesError):
    """Plain-language error raised when the evidence cannot support a fit."""


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
# Priors
# ----------------------------------------------------------------------------


#: Spell lengths (years) over which medium-term paces are read (as in the
#: feasible-progress method, :func:`simlib.assess.progress.spells`): the
#: slope prior's sd is the sd of a unit's mean pace over the shortest spell.
SPELL_YEARS = (5, 10)


@dataclass(frozen=True)
class NationalPrior:
    """Priors derived from a national history (logit units); see :func:`derive_national_prior`.

    Attributes
    ----------
    slope_mean : float
        Prior mean of a unit's slope / drift, logit units per year: the
        national first-to-last pace (``raw_slope``).
    slope_sd : float
        Prior sd of a unit's mean pace over a spell of ``SPELL_YEARS[0]``
        years, logit units per year: ``sqrt(drift_sd^2 + rw_step_sd^2 / 5)``.
        Used as the slope prior of ``logit_linear`` and by the logistic
        feasible-progress fallback.
    rw_step_sd : float
        Random-walk step sd, logit units per sqrt(year): ``median_rms_step``.
    sigma_scale : float
        Scale of the half-normal prior on ``logit_linear``'s year-to-year
        scatter: ``rw_step_sd``.
    drift_sd : float
        Uncertainty of the national drift itself, ``rw_step_sd / sqrt(span)``
        (the sd of a first-to-last slope of a random walk with that step).
    raw_slope, rms_step, median_rms_step : float
        The raw numbers (see :func:`derive_national_prior`).
    span : float
        Years between the first and the last national point.
    n_points : int
        National points used.
    first_year, last_year : int
        Years of the first and last national point.
    indicator : str
        Indicator of the national history (its pace centres the drift prior
        of that indicator's units only; see :func:`walk_prior`).
    """

    slope_mean: float
    slope_sd: float
    rw_step_sd: float
    sigma_scale: float
    drift_sd: float
    raw_slope: float
    rms_step: float
    median_rms_step: float
    span: float
    n_points: int
    first_year: int
    last_year: int
    indicator: str = NATIONAL_INDICATOR

    def describe(self) -> str:
        """One line for source notes: what the prior is and where it comes from."""
        return (f"national THCS->vocational history {self.first_year}-{self.last_year} "
                f"({self.n_points} points): drift {self.slope_mean:+.3f} +/- {self.drift_sd:.3f} logit/yr, "
                f"random-walk step {self.rw_step_sd:.2f} logit/sqrt(yr)")


def derive_national_prior(
    history: Sequence[tuple[int, float, str]] | pd.DataFrame | Sequence[Observation] = NATIONAL_THCS_VOCATIONAL,
) -> NationalPrior:
    """Derive the trend priors from a national history (every number is computed here).

    Parameters
    ----------
    history : sequence of (year, share, note), DataFrame, or sequence of Observation
        Shares as fractions. The default is the documented
        :data:`NATIONAL_THCS_VOCATIONAL`. A DataFrame (the data layer's
        observation table, :func:`simlib.inputs.bundle.load_observations`) is reduced
        to the national series by :func:`national_history`; Observations are
        used at their ``year`` (point values only). With the bundled
        ``data/observations.csv`` the result equals the documented one: the
        same five points (2007 and 2008 are the derived sums of two routes,
        4.5 % and 4.3 %; 2012 2 %; 2014 6 %; 2019 10 %).

    Returns
    -------
    NationalPrior

    Notes
    -----
    The derivation, with ``z = logit(share)`` at years ``t_1 < ... < t_K``
    taken at face value (their mixed definitions make the series rougher,
    which errs on the side of wider intervals):

    1. ``raw_slope = (z_K - z_1) / (t_K - t_1)``: the national pace
       (+0.0715 logit per year, 2007-2019). It is ``slope_mean``.
    2. For each pair of successive points, ``(z_{k+1} - z_k)^2 / (t_{k+1} - t_k)``
       estimates the squared random-walk step per year. ``rms_step`` is the
       root of their mean (0.47), ``median_rms_step`` the root of their
       median (0.33); the median resists the definitional breaks of 2011-12
       and ~2014. ``rw_step_sd = median_rms_step``.
    3. ``drift_sd = rw_step_sd / sqrt(t_K - t_1)`` (0.095): how uncertain a
       first-to-last slope is when the series wanders like that random walk.
    4. ``slope_sd = sqrt(drift_sd^2 + rw_step_sd^2 / 5)`` (0.18): the sd of a
       unit's mean pace over a 5-year spell -- the uncertain drift plus the
       walk's own wandering over the spell (5 years = the shortest spell of
       the feasible-progress method, :data:`SPELL_YEARS`).
    5. ``sigma_scale = rw_step_sd`` (the year-to-year scatter of the series).

    At least three points are needed (two steps).
    """
    if isinstance(history, pd.DataFrame):
        history = national_history(history)
    history = list(history)
    indicator = NATIONAL_INDICATOR
    if history and isinstance(history[0], Observation):
        pts = [o for o in history if o.value_share is not None]
        if len(pts) < len(history):
            raise TrendError("derive_national_prior uses point values only; the history has ranges.")
        indicator = pts[0].indicator
        history = [(o.year, o.value_share, o.obs_id) for o in pts]
    h = sorted(history)
    if len(h) < 3:
        raise TrendError(f"derive_national_prior needs at least three national points; got {len(h)}.")
    yrs = np.array([x[0] for x in h], float)
    if np.any(np.diff(yrs) <= 0):
        raise TrendError("derive_national_prior needs one national point per year.")
    z = _logit(np.array([x[1] for x in h], float))
    span = float(yrs[-1] - yrs[0])
    raw = float((z[-1] - z[0]) / span)
    q = np.diff(z) ** 2 / np.diff(yrs)
    rms, med = float(np.sqrt(q.mean())), float(np.sqrt(np.median(q)))
    drift_sd = med / math.sqrt(span)
    slope_sd = math.sqrt(drift_sd**2 + med**2 / SPELL_YEARS[0])
    return NationalPrior(slope_mean=raw, slope_sd=slope_sd, rw_step_sd=med, sigma_scale=med,
                         drift_sd=drift_sd, raw_slope=raw, rms_step=rms, median_rms_step=med, span=span,
                         n_points=len(h), first_year=int(yrs[0]), last_year=int(yrs[-1]), indicator=indicator)


def walk_prior(prior: NationalPrior | None = None, indicator: str | None = None, **overrides) -> WalkPrior:
    """Hyper-prior of ``rw_drift`` (:class:`simlib.models.drift_walk.WalkPrior`) from a national prior.

    Rules (logit units; each prior is wide enough that a panel of a few
    dozen observations outweighs it, and it decides only for thin evidence):

    * common drift ``mu ~ N(m, drift_sd^2)``: for the national history's
      own indicator (``indicator`` None or equal to ``prior.indicator``) the
      units' common drift is the national drift, ``m = slope_mean``; for any
      other indicator ``m = 0``: no direction assumed (the THCS->vocational
      pace says nothing about the direction of another share), with the
      same uncertainty (the benchmark prefers it to the wider ``slope_sd``:
      with ``slope_sd`` forecasts from thin panels covered 0.9-1.0 and had a
      larger error than naive at leads 3-5 on sparse panels);
    * random-walk step ``q``: half-normal with scale ``rw_step_sd / 2``
      (0.165 logit per sqrt(year)). The national series' year-to-year
      roughness (0.33) is an upper reference: it mixes definitions (the
      breaks of 2011-12 and ~2014 are in it). The factor 1/2 was set by the
      calibration benchmark: with the full national value, forecasts made
      from thin panels (where the prior decides) covered 0.9-1.0 instead of
      0.8 on every family of generated panels, rough ones included;
    * irregular noise ``r``: half-normal with scale ``rw_step_sd / 4`` (the
      national series cannot separate scatter from steps; for a steady share
      the year-to-year variance is ``q^2 + 2 r^2``, so these scales split it
      evenly between steps and scatter);
    * spread of unit drifts ``tau``: half-normal with scale ``drift_sd``
      (units' drifts are assumed to differ by about as much as the national
      drift is uncertain -- our choice; a panel updates it);
    * change of a unit's drift ``w``: half-normal with scale
      ``drift_sd / sqrt(span)`` (0.027 logit per year per sqrt(year): the
      national drift's uncertainty accrued evenly over the national span --
      our choice; a panel updates it);
    * extra sd of ``approximate`` figures ``a``: half-normal with scale the
      flag's fixed sd (0.15), learned when the panel has such figures.

    ``overrides`` replace any :class:`WalkPrior` field.
    """
    p = prior or derive_national_prior()
    same = indicator is None or indicator == p.indicator
    base = dict(drift_mean=p.slope_mean if same else 0.0, drift_sd=p.drift_sd,
                step_scale=p.rw_step_sd / 2, noise_scale=p.rw_step_sd / 4, spread_scale=p.drift_sd,
                change_scale=p.drift_sd / math.sqrt(p.span))
    base.update(overrides)
    return WalkPrior(**base)


# ----------------------------------------------------------------------------
# Predictive distributions (logit scale): Gaussian mixtures with joint samplers
# ----------------------------------------------------------------------------


def _mixture_quantiles(w, m, s, probs):
    """Quantiles of sum_g w_g N(m_g, s_g^2) for each column; shapes (G,), (G,T).

    Components are kept, heaviest first, up to 1 - 1e-7 of the weight (the
    rest moves a CDF by less than 1e-7). Each quantile is then found by
    Newton's method from the moment-matched normal's quantile, kept inside a
    bracket that every step narrows (bisection when a step leaves it), to
    1e-9 logit units.
    """
    w = np.asarray(w, float)
    order = np.argsort(-w, kind="stable")
    n_keep = int(np.searchsorted(np.cumsum(w[order]), 1.0 - 1e-7)) + 1
    idx = np.sort(order[:n_keep])
    w, m, s = w[idx] / w[idx].sum(), m[idx], s[idx]
    probs = np.asarray(probs, float)
    P = len(probs)
    lo = np.repeat((m - 9 * s).min(axis=0)[None, :], P, axis=0)
    hi = np.repeat((m + 9 * s).max(axis=0)[None, :], P, axis=0)
    mean = w @ m
    sd = np.sqrt(np.maximum(w @ (s**2 + m**2) - mean**2, 1e-18))
    x = np.clip(mean[None, :] + sd[None, :] * special.ndtri(probs)[:, None], lo, hi)
    inv_s = 1.0 / s
    for _ in range(60):
        u = (x[:, None, :] - m[None]) * inv_s[None]
        F = np.einsum("g,pgt->pt", w, special.ndtr(u)) - probs[:, None]
        f = np.einsum("g,pgt->pt", w, np.exp(-0.5 * u * u) * inv_s[None]) / math.sqrt(2 * math.pi)
        lo = np.where(F < 0, x, lo)
        hi = np.where(F >= 0, x, hi)
        step = np.where(f > 0, F / np.where(f > 0, f, 1.0), np.inf)
        nx = x - step
        bad = ~np.isfinite(nx) | (nx <= lo) | (nx >= hi)
        nx = np.where(bad, (lo + hi) / 2, nx)
        if np.max(np.abs(nx - x)) < 1e-9:
            return nx
        x = nx
    return x


_GH_X, _GH_W = np.polynomial.hermite_e.hermegauss(40)


def _mixture_mean_expit(w, m, s):
    vals = _expit(m[..., None] + s[..., None] * _GH_X) @ (_GH_W / _GH_W.sum())
    if np.ndim(w) == 2:
        return (w * vals).sum(axis=0)
    return w @ vals


@dataclass(frozen=True, eq=False)
class _LinearPosterior:
    """Posterior of z_t = a + b (t - t_ref) + e_t as a mixture over sigma values."""

    t_ref: float
    weights: np.ndarray  # (G,)
    sigmas: np.ndarray  # (G,)
    mus: np.ndarray  # (G, 2)
    covs: np.ndarray  # (G, 2, 2)

    def marginal(self, years):
        x = np.asarray(years, float) - self.t_ref
        X = np.stack([np.ones_like(x), x], axis=1)  # (T,2)
        m = self.mus @ X.T  # (G,T)
        v = np.einsum("ti,gij,tj->gt", X, self.covs, X) + self.sigmas[:, None] ** 2
        return self.weights, m, np.sqrt(v)

    def draw(self, n, years, rng):
        x = np.asarray(years, float) - self.t_ref
        g = rng.choice(len(self.weights), size=n, p=self.weights)
        L = np.linalg.cholesky(self.covs + 1e-12 * np.eye(2))
        ab = self.mus[g] + np.einsum("nij,nj->ni", L[g], rng.standard_normal((n, 2)))
        e = rng.standard_normal((n, len(x))) * self.sigmas[g][:, None]
        return ab[:, :1] + ab[:, 1:] * x[None, :] + e

    def slope_marginal(self):
        return self.weights, self.mus[:, 1:2], np.sqrt(self.covs[:, 1, 1])[:, None]


def _linear_posterior(t, z, sd, *, t_ref, slope_mean, slope_sd, sigma_scale,
                      intercept_mean=0.0, intercept_sd=5.0, n_grid=80):
    """Exact grid posterior of the logit-linear model (see module docstring)."""
    t = np.asarray(t, float)
    z = np.asarray(z, float)
    sd = np.asarray(sd, float)
    X = np.stack([np.ones_like(t), t - t_ref], axis=1)
    m0 = np.array([intercept_mean, slope_mean])
    P0 = np.diag([1 / intercept_sd**2, 1 / slope_sd**2])
    S0 = np.diag([intercept_sd**2, slope_sd**2])
    sigmas = np.geomspace(0.005, max(3.0, 6 * sigma_scale), n_grid)
    logw = np.empty(n_grid)
    mus = np.empty((n_grid, 2))
    covs = np.empty((n_grid, 2, 2))
    prior_mean = X @ m0
    for k, sg in enumerate(sigmas):
        V = sg**2 + sd**2
        P = P0 + X.T @ (X / V[:, None])
        C = np.linalg.inv(P)
        mus[k] = C @ (P0 @ m0 + X.T @ (z / V))
        covs[k] = C
        K = X @ S0 @ X.T + np.diag(V)
        ll = stats.multivariate_normal.logpdf(z, prior_mean, K)
        # half-normal prior on sigma; log-spaced grid -> Jacobian sigma
        logw[k] = ll + stats.halfnorm.logpdf(sg, scale=sigma_scale) + math.log(sg)
    w = np.exp(logw - logw.max())
    w /= w.sum()
    return _LinearPosterior(float(t_ref), w, sigmas, mus, covs)


@dataclass(frozen=True, eq=False)
class _RandomWalk:
    """Naive: z_t = z_last + sum of N(0, step_sd^2) steps; plus measurement sd."""

    t_last: float
    z_last: float
    sd_last: float
    step_sd: float

    def marginal(self, years):
        h = np.abs(np.asarray(years, float) - self.t_last)
        s = np.sqrt(self.sd_last**2 + h * self.step_sd**2)
        return np.ones(1), np.full((1, len(h)), self.z_last), s[None, :]

    def draw(self, n, years, rng):
        years = np.asarray(years, float)
        grid_t = np.unique(np.concatenate([[self.t_last], years]))
        i0 = int(np.searchsorted(grid_t, self.t_last))
        path = np.empty((n, len(grid_t)))
        # walk forwards and backwards from the last observation
        path[:, i0] = 0.0
        for i in range(i0 + 1, len(grid_t)):
            path[:, i] = path[:, i - 1] + rng.standard_normal(n) * self.step_sd * math.sqrt(grid_t[i] - grid_t[i - 1])
        for i in range(i0 - 1, -1, -1):
            path[:, i] = path[:, i + 1] + rng.standard_normal(n) * self.step_sd * math.sqrt(grid_t[i + 1] - grid_t[i])
        base = self.z_last + rng.standard_normal((n, 1)) * self.sd_last
        idx = np.searchsorted(grid_t, years)
        return base + path[:, idx]


@dataclass(frozen=True, eq=False)
class _StateSpace:
    """Local linear trend forecasts from a fitted UnobservedComponents model."""

    res: object
    t_last: int

    def _steps(self, years):
        years = np.asarray(years)
        h = years - self.t_last
        if np.any(h < 1) or np.any(h != np.round(h)):
            raise TrendError(
                "local_linear_trend only forecasts whole years after the last observation "
                f"({self.t_last}); asked for {sorted(set(years.tolist()))}."
            )
        return h.astype(int)

    def marginal(self, years):
        h = self._steps(years)
        fc = self.res.get_forecast(steps=int(h.max()))
        m = np.asarray(fc.predicted_mean)[h - 1]
        v = np.asarray(fc.var_pred_mean)[h - 1]
        return np.ones(1), m[None, :], np.sqrt(np.maximum(v, 1e-12))[None, :]

    def draw(self, n, years, rng):
        h = self._steps(years)
        sim = np.asarray(self.res.simulate(nsimulations=int(h.max()), repetitions=n,
                                           anchor="end", rng=rng))
        sim = sim.reshape(int(h.max()), n)
        return sim[h - 1].T


@dataclass(frozen=True, eq=False)
class _WalkDist:
    """Predictive of one unit of a pooled random walk with drift (``rw_drift``)."""

    fit: WalkFit
    unit: str
    reported = True  # marginal() takes the predicted figures' own sds and approximate flags

    def marginal(self, years, obs_sd=None, approx=None):
        w, m, c = self.fit.predictive(self.unit, years, obs_sd, approx)
        return w, m, np.sqrt(np.maximum(np.diagonal(c, axis1=1, axis2=2), 1e-18))

    def draw(self, n, years, rng):
        w, m, c = self.fit.predictive(self.unit, years)
        k = m.shape[1]
        L = np.linalg.cholesky(c + 1e-10 * np.eye(k)[None])
        g = rng.choice(len(w), size=n, p=w)
        eps = rng.standard_normal((n, k))
        return m[g] + np.einsum("nij,nj->ni", L[g], eps)

    def slope_marginal(self):
        w, m, s = self.fit.drift(self.unit)
        return w, m[:, None], s[:, None]


# ----------------------------------------------------------------------------
# Result object
# ----------------------------------------------------------------------------


def _qname(p: float) -> str:
    return f"q{p:g}"


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
        f"Share of a unit's pace carried on (by lead, learned from the panel and shrunk to 0): {carry}.",
    )
    assumptions = _common_assumptions(kw["open_width"]) + (
        "The best guess is the last figure moved by the unit's recent pace times the share of a pace that "
        "carried on in the panel's own history (0 when paces did not carry on: then the last figure).",
        "The spread is that of the panel's own past changes over the same number of years, from levels close "
        "to the unit's last figure (so it is right near 0 % and 100 % as well as in the middle).",
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
        dist = LevelWalk(pc, st, t_last, z_now, sd_now, b, se)
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


# ----------------------------------------------------------------------------
# Compositions
# ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CompositionResult:
    """Joint forecast of shares that sum to 1 (additive log-ratios).

    ``log(p_k / p_ref)`` for every non-reference category ``k`` is given its
    own trend (``logit_linear``-type model with a neutral slope prior, or a
    random walk for ``naive``); draws are mapped back with the softmax, so
    every draw is a valid composition. Correlation between the log-ratios'
    forecast errors is not modelled.
    """

    categories: tuple[str, ...]
    reference: str
    method: str
    dists: tuple[object, ...]  # one per non-reference category
    n_years: int

    def sample(self, n: int, years: Iterable[int], rng: np.random.Generator) -> np.ndarray:
        """Draws of shape ``(n, len(years), n_categories)``; each row sums to 1.

        Shares are fractions strictly inside (0, 1); the last axis follows
        :attr:`categories`.
        """
        rng = np.random.default_rng(rng)
        years = np.asarray(list(years), dtype=float)
        others = [c for c in self.categories if c != self.reference]
        alr = {c: d.draw(int(n), years, rng) for c, d in zip(others, self.dists)}
        stack = np.stack(
            [alr[c] if c != self.reference else np.zeros((int(n), len(years))) for c in self.categories],
            axis=-1,
        )
        stack = np.clip(stack, -30, 30)
        return special.softmax(stack, axis=-1)

    def predict_median(self, years: Iterable[int], n: int = 4000, rng=0) -> pd.DataFrame:
        """Monte Carlo median composition per year (renormalised to sum to 1)."""
        years = list(years)
        d = np.median(self.sample(n, years, rng), axis=0)
        d = d / d.sum(axis=1, keepdims=True)
        return pd.DataFrame(d, index=pd.Index(years, name="year"), columns=list(self.categories))

    def summary(self) -> str:
        return (
            f"Composition of {len(self.categories)} shares ({', '.join(self.categories)}) "
            f"forecast jointly with additive log-ratios against '{self.reference}', method "
            f"'{self.method}', from {self.n_years} year(s) of data. Every draw sums to 1. "
            "Correlation between categories' errors is not modelled."
        )


def fit_composition(
    shares: pd.DataFrame,
    *,
    reference: str | None = None,
    method: str = "logit_linear",
    slope_sd: float = 0.2,
    step_sd: float = 0.35,
    sigma_scale: float = 0.3,
    tol: float = 1e-3,
) -> CompositionResult:
    """Fit shares of one origin that must sum to 1 (e.g. grade-9 destinations).

    Parameters
    ----------
    shares : pandas.DataFrame
        Index: years (strictly increasing integers); columns: categories;
        values: fractions in (0, 1) summing to 1 per row (within ``tol``).
    reference : str, optional
        Denominator category of the log-ratios (default: the largest on
        average).
    method : {"logit_linear", "naive"}
        Trend model for each log-ratio: straight line with slope prior
        N(0, slope_sd^2) (log-ratio units per year), or a random walk with
        step sd ``step_sd``.

    Returns
    -------
    CompositionResult
    """
    if shares is None or len(shares) == 0 or shares.shape[1] == 0:
        raise TrendError("No observations at all: the composition table is empty.")
    if shares.shape[1] < 2:
        raise TrendError("A composition needs at least two categories.")
    years = np.asarray(shares.index, dtype=float)
    if np.any(np.diff(years) <= 0):
        raise TrendError(
            "Years in the composition table are out of order or duplicated "
            f"({shares.index.tolist()}); give one row per year, in increasing order."
        )
    vals = shares.to_numpy(dtype=float)
    if np.any(~np.isfinite(vals)) or np.any(vals <= 0) or np.any(vals >= 1):
        raise TrendError("Every share in a composition must be a fraction strictly between 0 and 1.")
    if np.any(np.abs(vals.sum(axis=1) - 1) > tol):
        raise TrendError("Each year's shares must sum to 1 (they are fractions of one cohort).")
    if method not in ("logit_linear", "naive"):
        raise TrendError("fit_composition supports method='logit_linear' or 'naive'.")
    cats = tuple(str(c) for c in shares.columns)
    ref = reference if reference is not None else cats[int(np.argmax(vals.mean(axis=0)))]
    if ref not in cats:
        raise TrendError(f"Reference category {ref!r} is not a column ({cats}).")
    iref = cats.index(ref)
    dists = []
    for j, c in enumerate(cats):
        if c == ref:
            continue
        y = np.log(vals[:, j] / vals[:, iref])
        if method == "naive":
            dists.append(_RandomWalk(float(years[-1]), float(y[-1]), 0.0, step_sd))
        else:
            dists.append(_linear_posterior(years, y, np.zeros_like(y), t_ref=float(years[-1]),
                                           slope_mean=0.0, slope_sd=slope_sd,
                                           sigma_scale=sigma_scale, intercept_mean=float(y.mean())))
    return CompositionResult(cats, ref, method, tuple(dists), len(years))


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


# ----------------------------------------------------------------------------
# Fan chart
# ----------------------------------------------------------------------------

_BLUE = "#0072B2"  # Okabe-Ito blue
_VERMILLION = "#D55E00"


def plot_fan(
    result: TrendResult,
    observations: Sequence[Observation] = (),
    *,
    targets: Sequence[tuple[str, float]] | Mapping[str, float] = (),
    end_year: int = 2030,
    ax=None,
    title: str | None = None,
    source: str | None = None,
    ylim: tuple[float, float] | None = None,
):
    """Bank-of-England-style fan chart of a trend forecast (y axis in percent).

    Bands are the central 30, 60 and 90 % of the predictive distribution
    (quantiles 5/20/35/65/80/95) in one colour-blind-safe hue, darkest in the
    centre, anchored at the last observation. Points are dots (hollow when on
    a different definition); ranges are vertical bars with an arrow for an
    open upper end. Targets are dashed, labelled horizontal lines.

    Parameters
    ----------
    result : TrendResult
    observations : sequence of Observation
        Shown on the chart (fractions are converted to percent).
    targets : mapping or sequence of (label, share)
        Shares as fractions.
    end_year : int
    ax : matplotlib Axes, optional
    title, source : str, optional
        ``source`` is written as a note under the axes.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 4.8), layout="constrained")
    else:
        fig = ax.figure
    used = [p for p in result.points if p.used]
    last = max(used, key=lambda p: p.t)
    t0 = last.t
    start = int(math.floor(t0)) + 1
    years = np.arange(start, end_year + 1)
    fr = result.predict(years, probs=BOE_PROBS)
    xs = np.concatenate([[t0], years])
    anchor = float(_expit(last.z))
    q = {p: 100 * np.concatenate([[anchor], fr[_qname(p)].to_numpy()]) for p in BOE_PROBS}
    med = 100 * np.concatenate([[anchor], fr["median"].to_numpy()])
    ax.axvspan(t0, end_year + 0.5, color="0.94", zorder=0, lw=0)
    # opaque shades of one hue (no alpha stacking), lighter away from the centre
    rgb = np.array(matplotlib.colors.to_rgb(_BLUE))
    bands = [(0.05, 0.95, 0.25, "90 %"), (0.20, 0.80, 0.5, "60 %"), (0.35, 0.65, 0.8, "30 %")]
    for lo, hi, strength, _ in bands:
        shade = tuple(1 - strength * (1 - rgb))
        ax.fill_between(xs, q[lo], q[hi], color=shade, lw=0, zorder=1)
    ax.plot(xs, med, color=_BLUE, lw=1.6, zorder=3)
    # observations
    for o in observations:
        hollow = o.basis != "same"
        face = "white" if hollow else "black"
        if o.value_share is not None:
            ax.plot([o.t_mid], [100 * o.value_share], "o", mfc=face, mec="black", ms=6, zorder=5)
        else:
            lo = 100 * o.low_share
            hi = 100 * (o.high_share if o.high_share is not None else o.low_share)
            ax.vlines(o.t_mid, lo, hi, color="black", lw=2.2, zorder=5)
            ax.plot([o.t_mid, o.t_mid], [lo, hi], "_", color="black", ms=10, zorder=5)
            if o.high_open or o.high_share is None:
                ax.plot([o.t_mid], [hi], "^", color="black", ms=7, zorder=5)
            if o.year_first is not None and o.year_first != o.year:
                ax.hlines([lo, hi], o.year_first, o.year, color="black", lw=0.8, ls=":", zorder=4)
    # targets
    items = list(targets.items()) if isinstance(targets, Mapping) else list(targets)
    for k, (label, val) in enumerate(items):
        ax.axhline(100 * val, color=_VERMILLION, ls="--", lw=1.2, zorder=2)
        ax.annotate(f"{label}: {100 * val:.2f} %", xy=(0.01, 100 * val), xycoords=("axes fraction", "data"),
                    xytext=(0, 3 + 11 * k), textcoords="offset points", color=_VERMILLION, fontsize=8)
    n_txt = (f"Based on {result.n_used} real observation(s): {result.n_ranges} range(s), "
             f"{result.n_other_basis} on another definition; method: {result.method}")
    ax.text(0.99, 0.98, n_txt, transform=ax.transAxes, ha="right", va="top", fontsize=8,
            bbox=dict(fc="white", ec="0.7", lw=0.5))
    ax.text(t0 + 0.1, 0.02, "Projection", transform=ax.get_xaxis_transform(), fontsize=8, color="0.4")
    handles = [Patch(color=tuple(1 - a * (1 - rgb)), label=f"central {lab}") for _, _, a, lab in bands[::-1]]
    handles += [Line2D([], [], color=_BLUE, lw=1.6, label="median"),
                Line2D([], [], marker="o", ls="", color="black", label="reported value"),
                Line2D([], [], marker="|", ls="", color="black", ms=12, mew=2, label="reported range")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, 0.9), fontsize=8, frameon=False)
    ax.set_ylabel("share of graduates (%)")
    ax.set_xlabel("year (graduating school year ending)")
    if ylim is not None:
        ax.set_ylim(*ylim)
    else:
        ax.set_ylim(bottom=0)
    ax.set_xlim(min([t0] + [o.t_mid - 1 for o in observations]), end_year + 0.5)
    ax.grid(True, color="0.85", lw=0.5)
    if title:
        ax.set_title(title, fontsize=11)
    if source:
        ax.annotate("\n".join(textwrap.wrap(source, 110)), xy=(0, 0), xycoords="axes fraction",
                    xytext=(0, -34), textcoords="offset points", fontsize=7, color="0.35",
                    ha="left", va="top", annotation_clip=False)
    return fig
