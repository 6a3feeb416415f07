"""Priors of the trend fits, derived from the national THCS -> vocational history (logit units).

:class:`NationalPrior` (slope mean and sd, level sd) and :func:`derive_national_prior`; :func:`walk_prior`,
the prior of the random walk with drift. Re-exported by :mod:`simlib.models.trends`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simlib.evidence.series import NATIONAL_INDICATOR, Observation, SeriesError, national_history
from simlib.logit import logit as _logit
from simlib.models.drift_walk import WalkPrior


class TrendError(SeriesError):
    """Plain-language error raised when the evidence cannot support a fit."""


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
