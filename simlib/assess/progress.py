"""Is a target's pace realistic? Required pace, progress classes and feasibility frontiers.

This module answers the planner's question "how hard is this target?" for one
share (e.g. the vocational share of THCS graduates, *phân luồng sau THCS*)
in one unit (province, district), given its latest value.

Units
-----
Every share in the public API is a **fraction in [0, 1]** (0.1319 means
13.19 %). Changes of a share are **fractions per year** (0.01 = one
percentage point per year) unless the name says otherwise: ``points`` are
percentage points (``Pace.points_per_year``) and ``logit`` quantities are
logit units, ``logit(p) = ln(p / (1 - p))``. Years are calendar years
(floats are accepted). Text meant for people (``FeasibleProgress.note``)
uses percent.

Methods
-------
Required vs observed pace (:func:`required_pace`, :func:`progress_class`)
    Required pace ``r_req = (y* - y_t1) / (T - t1)`` (points per year) and
    its logit analogue. The ratio ``CR = observed / required`` is classified
    as in the UNSD SDG Progress Chart: on track, fair progress, limited or no
    progress, deterioration. The cut-offs (0.95, 0.5, -0.1) are from
    background knowledge of the UNSD Progress Chart technical note (2022)
    and are **[to verify]**; they are configurable.

Anticipated gap (:func:`anticipated_gap`)
    UNESCAP Anticipated Progress Index (Asia-Pacific SDG Progress Report):
    ``G = (y* - yhat_T) / (y* - y_base)``, the part of the required progress
    (from the baseline) that the projected trend will still be missing at
    the target year.

Feasibility frontier from a peer panel (:func:`episodes`, :func:`fit_frontier`, ...)
    The UIS/GEM SDG 4 benchmark and Scorecard judge targets against "the
    historic rate of the fastest improving 25 % of countries", conditional
    on the starting point. The World Bank R package ``sdgtrackr``
    (github.com/RossanaTat/sdgtrackr, MIT) implements this as quantile
    regression of annual change on the starting level, then *percentile
    paths* and *speed paths*. Here:

    1. :func:`spells` (default): for every observation of a peer unit, the
       shortest later observation of the *same* unit 5 to 10 years on gives a
       spell ``(start level, annualised change)``; each spell is weighted so
       that every unit counts equally (balancing). :func:`episodes` gives the
       1-year variant (consecutive observations), an option.
    2. :func:`fit_frontier`: ``Q_tau(change | start)`` by linear quantile
       regression (statsmodels ``QuantReg``, weighted by the balancing
       weights) on a cubic B-spline basis of
       the start level, one fit per ``tau``; the curves are made
       non-crossing by sorting the fitted values across ``tau`` at each
       start level (monotone rearrangement, Chernozhukov, Fernandez-Val &
       Galichon 2010, Econometrica 78(3)). ``sdgtrackr`` uses
       ``quantregGrowth::gcrq`` (P-splines with cross-validated smoothing)
       instead; the fixed small ``df`` here is our simpler choice.
    3. :func:`percentile_path`: ``y_{t+1} = clip(y_t + Q_tau(change | y_t), 0, 1)``.
    4. :func:`required_percentile`: the smallest ``tau`` whose path reaches
       the target by the target year ("the target needs progress faster than
       tau* x 100 % of peer episodes that started from a similar level";
       ``tau = 0.75`` is the UIS "fastest 25 %").
    5. :func:`speed_multiple`: how many times the median speed the target
       needs (``sdgtrackr`` speed paths).

What differs from sdgtrackr, and why
    * **Spells stay inside one unit.** ``sdgtrackr``'s ``prep_data`` (as
      published) computes the 5-10 year leads with ``shift`` over the whole
      table sorted by country and year, without grouping by country, so the
      last spells of one country end in the next country's first years. Here
      a spell's two ends are always the same unit.
    * **Years, not rows.** ``sdgtrackr`` leads by 5-10 *rows*, assuming one
      row per year; here the gap is counted in years, so panels with missing
      years (the rule in Vietnamese provincial data) give spells of the right
      length, and the change is annualised by the actual gap.
    * **The shortest available spell.** ``sdgtrackr`` documents "the
      shortest available spell" but keeps the 5-row lead before dropping
      missing values, so a start whose 5-year end is missing is lost rather
      than lengthened; here the shortest spell of 5 to 10 years that the
      data have is used.
    * **Exact balancing weights.** ``sdgtrackr`` balances countries by
      replicating each country's rows ``round(max_n / n)`` times; here each
      spell weighs ``1 / n_u`` (scaled so the weights average 1), which is
      the same target without rounding, applied through the quantile
      regression (scaling a row by ``w > 0`` scales its check loss by ``w``).
    * **No cross-validated smoothing** (see step 2) and no rounding of
      levels to a grid.
    Why spells and balancing matter: 1-year changes between consecutive,
    often noisy, observations are dominated by year-to-year noise, which
    fattens both tails of the change distribution (fast "progress" that is
    really noise), and a unit with many observations would otherwise weigh
    more than one with few. On identical spells the two implementations agree
    to within a few tenths of a point a year.

Logistic fallback (:func:`logistic_benchmark`)
    When the peer panel is too thin: constant slopes on the logit scale
    (S-curve; slows progress near 0 and 1), with the unit's slope uncertain,
    ``b ~ Normal(slope_mean, slope_sd)`` (e.g. the national prior from
    :func:`simlib.models.trends.derive_national_prior`, N(0.07, 0.20^2) logit per
    year). ``tau* = Phi((b_req - slope_mean) / slope_sd)``.

:func:`feasible_progress` chooses between the two and returns a verdict with
a plain-language note. Verdict bands on ``tau*`` (0.5 / 0.75 / 0.9) are
**our choice**, not an official standard; they are configurable.

References
----------
* UIS & GEM Report, SDG 4 Scorecard progress reports (2023-), "feasible
  progress" benchmarks; UIS, SDG 4 national benchmarks.
* World Bank, ``sdgtrackr`` R package, R. Tatulli et al.
  (``R/predict_changes.R``, ``R/future_paths.R``).
* UN Statistics Division, SDG Progress Chart technical note (2022).
* UNESCAP, Asia and the Pacific SDG Progress Report, Anticipated Progress
  Index; ESCAP Statistics Division working paper SD/WP/04 (2017).
* See also /work/shared/research/anchors_models.md, sections A6, A7, A9, §3 F1-F3.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from simlib.logit import expit as _expit
from simlib.logit import logit as _logit
from simlib.models.trends import SPELL_YEARS


#: Spell lengths (years) of the default peer-panel method: shortest available of 5 to 10.
DEFAULT_SPELL_YEARS: tuple[int, int] = SPELL_YEARS

__all__ = [
    "DEFAULT_CR_THRESHOLDS",
    "DEFAULT_REACH_TAUS",
    "DEFAULT_TAUS",
    "DEFAULT_VERDICT_BANDS",
    "FeasibleProgress",
    "Frontier",
    "LogisticBenchmark",
    "Pace",
    "SpeedMultiple",
    "anticipated_gap",
    "episodes",
    "feasibility_verdict",
    "feasible_progress",
    "fit_frontier",
    "logistic_benchmark",
    "percentile_path",
    "progress_class",
    "required_pace",
    "required_percentile",
    "speed_multiple",
    "spells",
    "DEFAULT_SPELL_YEARS",
]

#: Progress classes for ``CR = observed pace / required pace``:
#: ``(lower bound, label)``, checked from the top; the first bound that CR
#: reaches gives the class. Values as recalled from the UNSD SDG Progress
#: Chart technical note (2022) -- **[to verify]** against the note.
DEFAULT_CR_THRESHOLDS: tuple[tuple[float, str], ...] = (
    (0.95, "on track"),
    (0.5, "fair progress, acceleration needed"),
    (-0.1, "limited or no progress"),
    (-math.inf, "deterioration"),
)

#: Verdict bands on the required percentile ``tau*``: ``(upper bound, label)``;
#: ``tau* <= bound`` gives the label, checked in order. Above the last bound,
#: or when no percentile reaches the target: :data:`UNPRECEDENTED`.
#: Our own choice (anchors_models.md §3 F3 point 4), not an official standard.
DEFAULT_VERDICT_BANDS: tuple[tuple[float, str], ...] = (
    (0.5, "realistic"),
    (0.75, "ambitious but feasible"),
    (0.9, "very ambitious"),
)
UNPRECEDENTED = "historically unprecedented"
ALREADY_REACHED = "already reached"
NOT_ASSESSED = "not assessed"

#: Quantile levels fitted by :func:`fit_frontier` by default.
DEFAULT_TAUS: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
#: Percentiles whose reachable value :func:`feasible_progress` reports.
DEFAULT_REACH_TAUS: tuple[float, ...] = (0.5, 0.75, 0.9)

# Response scale used inside the quantile regressions: fractions -> points,
# so that statsmodels' fixed tolerances (p_tol 1e-6, residual floor 1e-6)
# are small relative to the data.
_FIT_SCALE = 100.0


# ----------------------------------------------------------------------------
# Small helpers
# ----------------------------------------------------------------------------


def _check_open_share(name: str, value: float) -> float:
    v = float(value)
    if not (0.0 < v < 1.0):
        raise ValueError(
            f"{name} must be a share strictly between 0 and 1 (a fraction, 0.1319 for 13.19 %); "
            f"got {value!r}."
        )
    return v


def _check_years(start_year: float, target_year: float) -> float:
    t1, T = float(start_year), float(target_year)
    if not (math.isfinite(t1) and math.isfinite(T)):
        raise ValueError(f"Years must be finite numbers; got {start_year!r} and {target_year!r}.")
    if T <= t1:
        raise ValueError(
            f"The target year ({target_year:g}) must be after the latest evidence "
            f"({start_year:g}): there is no time left to assess a pace."
        )
    return T - t1


def _pct(x: float, digits: int = 1) -> str:
    return f"{100 * x:.{digits}f} %"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _year_label(y: float):
    return int(y) if float(y).is_integer() else float(y)


# ----------------------------------------------------------------------------
# F1: required pace and progress classes
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Pace:
    """Pace needed to go from the latest value to the target.

    Attributes
    ----------
    points_per_year : float
        ``100 * (target - start) / (T - t1)``, percentage points per year.
    logit_per_year : float
        ``(logit target - logit start) / (T - t1)``, logit units per year.
    years : float
        ``T - t1``, years left.
    """

    points_per_year: float
    logit_per_year: float
    years: float


def required_pace(start: float, start_year: float, target: float, target_year: float) -> Pace:
    """Required absolute and logit pace (anchors_models.md §3 F1 points 1-2).

    Parameters
    ----------
    start : float
        Latest value, a share in (0, 1).
    start_year : float
        Year of the latest value ``t1``.
    target : float
        Target share ``y*`` in (0, 1).
    target_year : float
        Target year ``T``; must be after ``start_year``.

    Returns
    -------
    Pace
        Points per year, logit units per year, years left.

    Raises
    ------
    ValueError
        If ``target_year <= start_year`` or a share is outside (0, 1).

    Examples
    --------
    Long An, THCS graduates into vocational training: 13.19 % in 2021,
    target 40.12 % in 2025 gives 6.7325 points per year.

    >>> round(required_pace(0.1319, 2021, 0.4012, 2025).points_per_year, 4)
    6.7325
    """
    years = _check_years(start_year, target_year)
    y0 = _check_open_share("start", start)
    ys = _check_open_share("target", target)
    return Pace(
        points_per_year=100.0 * (ys - y0) / years,
        logit_per_year=float(_logit(ys) - _logit(y0)) / years,
        years=years,
    )


def progress_class(
    observed_pace: float,
    required_pace: float,
    thresholds: Sequence[tuple[float, str]] = DEFAULT_CR_THRESHOLDS,
) -> tuple[float, str]:
    """Ratio of observed to required pace, and its UNSD-style progress class.

    Parameters
    ----------
    observed_pace, required_pace : float
        Paces in the same unit (e.g. both points per year, or both logit per
        year). ``required_pace`` comes from :func:`required_pace`; the observed
        pace from a trend (e.g. an OLS or time-weighted slope).
    thresholds : sequence of (lower bound, label)
        Checked in order; the first with ``CR >= bound`` gives the class.
        Default :data:`DEFAULT_CR_THRESHOLDS`: CR >= 0.95 "on track";
        0.5 <= CR < 0.95 "fair progress, acceleration needed";
        -0.1 <= CR < 0.5 "limited or no progress"; CR < -0.1 "deterioration".
        These cut-offs are recalled UNSD Progress Chart values **[to verify]**.

    Returns
    -------
    (float, str)
        ``CR = observed / required`` and the class label. If the required pace
        is <= 0 (the target is already reached), ``(nan, "target already
        reached")``; if the observed pace is NaN, ``(nan, "not assessed")``.
    """
    req, obs = float(required_pace), float(observed_pace)
    if math.isnan(req):
        return math.nan, NOT_ASSESSED
    if req <= 0:
        return math.nan, "target already reached"
    if math.isnan(obs):
        return math.nan, NOT_ASSESSED
    cr = obs / req
    for bound, label in thresholds:
        if cr >= bound:
            return cr, label
    # Below every bound (only possible if the caller's thresholds stop above -inf).
    return cr, thresholds[-1][1]


# ----------------------------------------------------------------------------
# F2: anticipated gap
# ----------------------------------------------------------------------------


def anticipated_gap(target: float, predicted: float, baseline: float) -> float:
    """UNESCAP anticipated-progress gap ``G = (y* - yhat_T) / (y* - y_base)``.

    Parameters
    ----------
    target : float
        Target value ``y*`` (share, 0-1; any unit works if all three agree).
    predicted : float
        Value projected for the target year by the trend, ``yhat_T``.
    baseline : float
        Baseline value ``y_base`` (the value the required progress is counted
        from).

    Returns
    -------
    float
        ``G <= 0``: on track (the trend reaches or passes the target);
        ``0 < G < 1``: progress, but acceleration is needed (G is the share
        of the required progress still missing); ``G >= 1``: no progress or
        moving backwards relative to the baseline. NaN if
        ``target == baseline`` (no progress required) or an input is NaN.
        Works for targets below the baseline too (reductions).
    """
    ys, yh, yb = float(target), float(predicted), float(baseline)
    denom = ys - yb
    if denom == 0 or math.isnan(denom) or math.isnan(yh):
        return math.nan
    return (ys - yh) / denom


# ----------------------------------------------------------------------------
# Logistic fallback (F3 point 6)
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LogisticBenchmark:
    """Feasibility under constant logit slopes ``b ~ Normal(slope_mean, slope_sd)``.

    Attributes
    ----------
    b_req : float
        Required logit slope, logit units per year.
    tau_star : float
        ``Phi((b_req - slope_mean) / slope_sd)``: share of plausible slopes
        slower than the one needed (0-1).
    speed_multiple : float
        ``b_req / slope_mean`` (NaN if ``slope_mean <= 0``).
    slope_mean, slope_sd : float
        The slope distribution used, logit per year.
    start, years : float
        Starting share and years to the target.
    reachable : dict
        ``{tau: value_at(tau)}`` for the requested percentiles.
    """

    b_req: float
    tau_star: float
    speed_multiple: float
    slope_mean: float
    slope_sd: float
    start: float
    years: float
    reachable: dict = field(default_factory=dict)

    def slope_at(self, tau: float) -> float:
        """Slope at percentile ``tau``, ``slope_mean + slope_sd * Phi^-1(tau)`` (logit per year)."""
        return float(self.slope_mean + self.slope_sd * stats.norm.ppf(tau))

    def value_at(self, tau: float) -> float:
        """Share reached at the target year at percentile ``tau``:
        ``expit(logit start + b_tau (T - t1))``."""
        return float(_expit(_logit(self.start) + self.slope_at(tau) * self.years))


def logistic_benchmark(
    start: float,
    start_year: float,
    target: float,
    target_year: float,
    slope_mean: float,
    slope_sd: float,
    *,
    reach_taus: Sequence[float] = DEFAULT_REACH_TAUS,
) -> LogisticBenchmark:
    """Logistic (S-curve) benchmark for thin peer panels.

    Parameters
    ----------
    start, target : float
        Shares in (0, 1).
    start_year, target_year : float
        ``target_year`` after ``start_year``.
    slope_mean, slope_sd : float
        Distribution of plausible unit slopes on the logit scale (logit per
        year), e.g. ``simlib.models.trends.derive_national_prior()`` gives 0.07 and
        0.20. ``slope_sd`` must be > 0.
    reach_taus : sequence of float
        Percentiles for :attr:`LogisticBenchmark.reachable`.

    Returns
    -------
    LogisticBenchmark
    """
    pace = required_pace(start, start_year, target, target_year)
    m, s = float(slope_mean), float(slope_sd)
    if not (math.isfinite(m) and math.isfinite(s)) or s <= 0:
        raise ValueError(f"slope_sd must be a positive number and slope_mean finite; "
                         f"got N({slope_mean!r}, {slope_sd!r}^2).")
    b = pace.logit_per_year
    z0 = float(_logit(float(start)))
    reach = {float(t): float(_expit(z0 + (m + s * stats.norm.ppf(t)) * pace.years))
             for t in reach_taus}
    return LogisticBenchmark(
        b_req=b,
        tau_star=float(stats.norm.cdf((b - m) / s)),
        speed_multiple=b / m if m > 0 else math.nan,
        slope_mean=m,
        slope_sd=s,
        start=float(start),
        years=pace.years,
        reachable=reach,
    )


# ----------------------------------------------------------------------------
# Putting it together
# ----------------------------------------------------------------------------


def feasibility_verdict(
    tau_star: float | None,
    bands: Sequence[tuple[float, str]] = DEFAULT_VERDICT_BANDS,
) -> str:
    """Verdict for a required percentile (bands are our choice).

    Parameters
    ----------
    tau_star : float or None
        Required percentile (0-1); ``None`` or NaN means no percentile
        reaches the target.
    bands : sequence of (upper bound, label)
        Default: tau* <= 0.5 "realistic"; <= 0.75 "ambitious but feasible";
        <= 0.9 "very ambitious"; above, or unreachable, "historically
        unprecedented".

    Returns
    -------
    str
    """
    if tau_star is None or math.isnan(float(tau_star)):
        return UNPRECEDENTED
    for bound, label in bands:
        if tau_star <= bound:
            return label
    return UNPRECEDENTED


@dataclass(frozen=True)
class FeasibleProgress:
    """Feasibility verdict for one target.

    Attributes
    ----------
    method : str
        ``"peer_panel"``, ``"logistic_fallback"`` or ``"none"``.
    tau_star : float
        Required percentile (0-1); NaN if unreachable, already reached or
        not assessed.
    speed_multiple : float
        Multiple of the typical (median / mean-slope) speed needed; NaN if
        it cannot be computed; 0 if already reached.
    verdict : str
        "realistic", "ambitious but feasible", "very ambitious",
        "historically unprecedented", "already reached" or "not assessed".
    n_units, n_episodes : int
        Size of the peer panel offered: units with at least one episode, and
        episodes (0 if no panel).
    note : str
        Plain-language explanation for planners.
    reachable : dict
        ``{tau: share reached at the target year}`` at the reported
        percentiles (NaN when not assessed).
    pace : Pace or None
        Required pace.
    """

    method: str
    tau_star: float
    speed_multiple: float
    verdict: str
    n_units: int
    n_episodes: int
    note: str
    reachable: dict
    pace: Pace | None = None


def _fmt_tau(tau: float) -> str:
    if 0.99 < tau < 1:
        return "over 99 %"
    if 0 < tau < 0.01:
        return "under 1 %"
    return f"{100 * tau:.0f} %"


def _peer_changes(panel: pd.DataFrame, panel_columns: Mapping[str, str] | None,
                  spell_years: tuple[int, int] | None, window: int, balance: bool) -> pd.DataFrame:
    """The peers' changes: :func:`spells` of ``spell_years``, or 1-year :func:`episodes` when it is None."""
    cols = dict(unit="unit", year="year", value="value", **dict(panel_columns or {}))
    if spell_years is not None:
        return spells(panel, years=spell_years, balance=balance, **cols)
    ep = episodes(panel, window=window, **cols)
    if balance and len(ep):
        n_u = ep.groupby("unit")["unit"].transform("size").to_numpy(float)
        ep["weight"] = len(ep) / (ep["unit"].nunique() * n_u)
    return ep


def feasible_progress(
    start: float,
    start_year: float,
    target: float,
    target_year: float,
    *,
    panel: pd.DataFrame | None = None,
    slope_mean: float | None = None,
    slope_sd: float | None = None,
    min_units: int = 5,
    min_episodes: int = 20,
    window: int = 1,
    taus: Sequence[float] = DEFAULT_TAUS,
    df: int = 4,
    reach_taus: Sequence[float] = DEFAULT_REACH_TAUS,
    verdict_bands: Sequence[tuple[float, str]] = DEFAULT_VERDICT_BANDS,
    panel_columns: Mapping[str, str] | None = None,
    slope_label: str = "national logit slopes",
    frontier: Frontier | None = None,
    spell_years: tuple[int, int] | None = DEFAULT_SPELL_YEARS,
    balance: bool = True,
) -> FeasibleProgress:
    """Is the target feasible given how fast peers have progressed?

    Uses the peer-panel frontier when the panel has at least ``min_units``
    units and ``min_episodes`` episodes (spells) and ``start`` lies within
    the range of peer start levels; otherwise the logistic benchmark if a
    slope distribution is given; otherwise nothing ("not assessed"). The
    note says which and why.

    By default the peer changes are :func:`spells` of 5-10 years within each
    unit, balanced so that every unit counts equally (the published
    ``sdgtrackr`` method, without its cross-country leads; see the module
    docstring). ``spell_years=None`` uses the 1-year variant
    (:func:`episodes` with ``window``), an option.

    Parameters
    ----------
    start, target : float
        Latest value and target, shares in (0, 1).
    start_year, target_year : float
        ``target_year`` must be after ``start_year``.
    panel : pandas.DataFrame, optional
        Peer panel for :func:`spells` / :func:`episodes` (columns ``unit``,
        ``year``, ``value`` -- rename with ``panel_columns``, e.g.
        ``{"unit": "geography"}``), shares 0-1.
    slope_mean, slope_sd : float, optional
        Logit slope distribution for the fallback (logit per year), e.g.
        ``trends.derive_national_prior()`` (derived from the national
        history: +0.071 and 0.18).
    min_units, min_episodes : int
        Minimum panel size for the peer method (units with a spell or
        episode; spells or episodes).
    window : int
        Episode window in years for the 1-year variant (``spell_years=None``;
        see :func:`episodes`).
    taus, df : see :func:`fit_frontier`.
    reach_taus : sequence of float
        Percentiles whose reachable value is reported.
    verdict_bands : see :func:`feasibility_verdict` (our choice).
    panel_columns : mapping, optional
        Column names ``unit``, ``year``, ``value`` in ``panel``.
    slope_label : str
        How the note names the slope distribution (default "national logit
        slopes", for the prior from ``trends.derive_national_prior``).
    frontier : Frontier, optional
        An already fitted frontier (from :func:`fit_frontier`), used instead
        of ``panel`` -- fit once, assess many targets. The same size and
        support checks apply (its ``n_units``, ``n_episodes``, ``support``).
    spell_years : (int, int) or None
        Shortest and longest spell, years (default 5 and 10); ``None`` for
        the 1-year variant.
    balance : bool
        Weight every peer unit equally (default).

    Returns
    -------
    FeasibleProgress

    Raises
    ------
    ValueError
        ``target_year <= start_year`` or shares outside (0, 1).
    """
    pace = required_pace(start, start_year, target, target_year)
    already = target <= start
    nan_reach = {float(t): math.nan for t in reach_taus}
    goal = f"Reaching {_pct(target, 2)} by {_year_label(float(target_year))} from {_pct(start, 2)} in " \
           f"{_year_label(float(start_year))}"
    reasons = []
    n_units = n_eps = 0
    use_spells = spell_years is not None and frontier is None
    what = "spell" if use_spells else "episode"
    span = f" of {spell_years[0]}-{spell_years[1]} years" if use_spells else ""
    if panel is not None and frontier is not None:
        raise ValueError("Give either a peer panel or a fitted frontier, not both.")
    if panel is None and frontier is None:
        reasons.append("No peer panel given")
    else:
        if frontier is not None:
            ep = None
            n_units, n_eps = frontier.n_units, frontier.n_episodes
            lo, hi = frontier.support
        else:
            ep = _peer_changes(panel, panel_columns, spell_years, window, balance)
            n_units, n_eps = int(ep["unit"].nunique()), int(len(ep))
            lo, hi = (float(ep["start"].min()), float(ep["start"].max())) if n_eps else (math.nan, math.nan)
        if n_units < min_units or n_eps < min_episodes:
            reasons.append(
                f"Peer panel too thin ({_plural(n_units, 'unit')}, {_plural(n_eps, what)}{span}; "
                f"{_plural(min_units, 'unit')} and {_plural(min_episodes, what)} needed)"
            )
        elif not lo <= start <= hi:
            reasons.append(
                f"The starting level {_pct(start)} is outside the peers' range of starting levels "
                f"({_pct(lo)} to {_pct(hi)})"
            )
        else:
            try:
                fr = frontier if frontier is not None else fit_frontier(ep, taus=taus, df=df)
            except (ValueError, np.linalg.LinAlgError) as exc:
                reasons.append(f"The peer frontier could not be fitted ({exc})")
            else:
                return _from_frontier(fr, start, start_year, target, target_year, pace, already,
                                      goal, reach_taus, verdict_bands)

    reason = "; ".join(reasons)
    if slope_mean is not None and slope_sd is not None:
        lb = logistic_benchmark(start, start_year, target, target_year, slope_mean, slope_sd,
                                reach_taus=reach_taus)
        return _from_logistic(lb, reason, slope_label, goal, already, verdict_bands, n_units, n_eps, pace)

    verdict = ALREADY_REACHED if already else NOT_ASSESSED
    note = (f"{reason}, and no slope prior (slope_mean, slope_sd) given: feasibility "
            f"{'not needed, the target is already reached' if already else 'not assessed'}.")
    return FeasibleProgress("none", math.nan, 0.0 if already else math.nan, verdict, n_units,
                            n_eps, note, nan_reach, pace)


def _from_logistic(lb, reason: str, slope_label: str, goal: str, already: bool,
                   verdict_bands: Sequence[tuple[float, str]], n_units: int, n_eps: int, pace) -> FeasibleProgress:
    """The verdict of the logistic benchmark ``lb``, used because the peer method could not be (``reason``)."""
    used = (f"{reason}: logistic benchmark with {slope_label} "
            f"N({lb.slope_mean:.2f}, {lb.slope_sd:.2f}²) used.")
    if already:
        verdict, tau, result = ALREADY_REACHED, math.nan, f"{goal}: the target is already reached."
        speed = 0.0
    else:
        verdict = feasibility_verdict(lb.tau_star, verdict_bands)
        tau, speed = lb.tau_star, lb.speed_multiple
        sp = (f"{speed:.1f} times the typical slope of {lb.slope_mean:.2f} logit/yr"
              if math.isfinite(speed) else "a typical slope that is not positive")
        result = (f"{goal} needs a logit slope of {lb.b_req:.2f} per year, faster than "
                  f"{_fmt_tau(tau)} of plausible slopes ({sp}): {verdict}.")
    return FeasibleProgress("logistic_fallback", tau, speed, verdict, n_units, n_eps,
                            f"{used} {result}", dict(lb.reachable), pace)


def _from_frontier(fr, start, start_year, target, target_year, pace, already, goal,
                   reach_taus, verdict_bands) -> FeasibleProgress:
    reach = {float(t): float(percentile_path(fr, start, start_year, target_year, t).iloc[-1])
             for t in reach_taus}
    head = (f"Peer panel of {_plural(fr.n_units, 'unit')} and {_plural(fr.n_episodes, 'episode')} "
            f"(starting levels {_pct(fr.support[0])} to {_pct(fr.support[1])}"
            f"{'; every unit weighted equally' if fr.weighted else ''}) used.")
    if target > fr.support[1]:
        head += (f" The target lies above the highest peer starting level; changes beyond it are "
                 f"held at their value there.")
    if fr.notes:
        head += " Fit notes: " + " ".join(fr.notes)
    if already:
        return FeasibleProgress("peer_panel", math.nan, 0.0, ALREADY_REACHED, fr.n_units,
                                fr.n_episodes, f"{head} {goal}: the target is already reached.",
                                reach, pace)
    tau = required_percentile(fr, start, start_year, target, target_year)
    sp = speed_multiple(fr, start, start_year, target, target_year)
    verdict = feasibility_verdict(tau, verdict_bands)
    speed_txt = (f"{sp.multiple:.1f} times the median peer speed" if not sp.reason
                 else f"speed multiple {sp.reason}")
    if tau is None:
        result = (f"{goal} needs progress faster than every fitted peer percentile (up to "
                  f"{_fmt_tau(fr.taus[-1])}); {speed_txt}: {verdict}.")
        tau = math.nan
    elif tau <= fr.taus[0]:
        result = (f"{goal} needs no more than the progress of the slowest fitted peer percentile "
                  f"({_fmt_tau(fr.taus[0])}) of episodes that started from a similar level; "
                  f"{speed_txt}: {verdict}.")
    else:
        result = (f"{goal} needs progress faster than {_fmt_tau(tau)} of peer episodes that started "
                  f"from a similar level; {speed_txt}: {verdict}.")
    return FeasibleProgress("peer_panel", float(tau), float(sp.multiple), verdict, fr.n_units,
                            fr.n_episodes, f"{head} {result}", reach, pace)


# the peer-panel frontier builds on the helpers above (imported last: it imports this module)
from simlib.assess.frontier import (  # noqa: E402
    Frontier,
    SpeedMultiple,
    episodes,
    fit_frontier,
    percentile_path,
    required_percentile,
    speed_multiple,
    spells,
)
