"""Random walk with a data-shrunk drift and intervals from the panel's own changes, by level.

The model behind ``trends.fit(..., method="rw_drift")`` (simlib's default
trend since issue 21; the former Bayesian pooled walk is ``rw_drift_bayes``,
:mod:`simlib.models.drift_walk`). Everything is on the logit scale,
``z = log(p / (1 - p))`` of a share ``p`` (fraction 0-1); times in years.

Why not a plain drift
---------------------
On real panels of education shares (the GSO province panels 2002-2016 in
``benchmarks/data``) paces change sign and revert: a unit's recent pace,
extrapolated, is worse than "same as the last figure" at every lead, and a
Gaussian walk fitted to the whole panel gives intervals too narrow near 0 and 1
(the logit scale stretches the scatter there) and too wide in the middle.

The forecast (one unit, ``h`` years after its last figure ``z_T``)
------------------------------------------------------------------
* **Pairs.** Every pair of figures of one unit (of any unit of the panel
  given) ``h`` years apart (``h`` = 1 ... ``max_lag``) is a past
  *h-year change* ``d = z_j - z_i`` from start level ``z_i``; when the unit had
  a figure before ``z_i`` within ``pace_window`` years, the pace it had then
  ``b_i`` (least-squares slope of its figures in the window up to ``t_i``) is
  recorded too.
* **Drift shrunk by the data.** The median is ``z_T + k_h h b_T``, with ``b_T``
  the unit's pace now (same rule) and ``k_h`` the panel's own answer to "how
  much of a pace carries on over ``h`` years": the least-squares coefficient of
  ``d`` on ``h b_i`` over the pairs of lag ``h`` (through the origin), clipped
  to ``[0, 1]`` and shrunk towards 0 by ``n / (n + shrink_n)`` (``n`` pairs with
  a pace). With no pair with a pace, ``k_h = 0``: the median is the last figure.
  **The carry-over must earn its place**: replayed in time order over the
  panel's own past (each year's pairs predicted with the ``k_h`` known then),
  carrying paces on must have had a smaller absolute error than "no change",
  else ``k_h = 0`` (:func:`carry_earned`). On the real GSO panels the paces
  did not earn it: there the median is the last figure, which is the naive
  forecast, and the model's value is its interval.
* **The median stays put.** The mixture below is shifted so that its median
  is exactly ``z_T + k_h h b_T``: past changes that lean one way (units at a
  level tended to rise) widen that side of the interval, they do not move the
  best guess (on the real panels such a level-conditional shift did worse
  than the last figure).
* **Intervals by level.** The spread comes from the residuals
  ``e = d - k_h h b_i`` of the ``n_near`` pairs of lag ``h`` whose start level
  ``z_i`` is closest to the level now (``n_near = max(min_near, near_frac x
  pairs)``), so it is the scatter of units *at that level* (near 0 % and 100 %
  the logit scale stretches it; the neighbours carry that). Those residuals
  are split into the change common to the panel and each unit's own. The
  common part is the change of the panel's **common path** over the pair's
  years: year effects ``c_t`` of ``z_ut = a_u + c_t + own`` fitted by median
  polish on every figure of every unit (:func:`common_path`; units of a sparse
  panel seen in different years still tie the years together). The own parts
  are Gaussian kernels (Silverman's bandwidth), each read at the level now:
  multiplied by ``((p_i (1 - p_i)) / (p (1 - p)))^power`` (start level
  ``p_i``, level now ``p``), where ``power`` (0-1) says how the scale of a
  unit's own change grows towards 0 % and 100 % on the logit scale and is
  learned from the panel's consecutive figures (:func:`level_power`; 0 is a
  walk on the logit scale, 1 one on the share itself). The common change to come is
  taken as 0, with the path read as a random walk whose yearly variance is
  learned from all its past changes of 1 to ``h`` years, shrunk by
  ``prior_years`` towards the own parts' scale (:func:`common_shock`), and
  added to every kernel, read at the level now in the same way (the path moves
  the panel's typical unit, the median start level). (A Student-t tail for it, whose degrees of freedom
  are the years seen, is an option: ``tail_points``.) That scale is then
  **recalibrated per lead on the panel's own past** (:func:`coverage_recalibration`,
  rolling origin, split-conformal in spirit): every past pair of figures is
  scored against the interval its start year would have given (the common
  scale from the common path up to that year only), and the scale is
  multiplied by the factor at which ``recal_level`` of those past changes
  fall inside, shrunk towards 1 by the number of start years scored. Rare
  large panel-wide shocks that the past variance under-states raise it; a
  steady shared drift counted as variance lowers it at short leads. Lags
  with fewer than ``min_near`` pairs borrow the nearest lag's residuals scaled
  by ``sqrt(h / h')``.
* **Level now.** Every figure of the unit is a reading of its level now,
  blurred by its own sd and by the prior walk since; they are averaged with
  precision weights (an exact latest figure is the level itself).
* **Prior.** ``prior_n`` pseudo-pairs of a Gaussian random walk with step
  ``prior_step`` logit per sqrt(year) (the national THCS->vocational history's
  median step, :func:`simlib.models.trends.derive_national_prior`) are mixed in
  with weight ``prior_n / (prior_n + pairs of the lag read)`` (all of them, not
  only the ``n_near`` nearest: those localise the spread, they are not all the
  panel knows): with no pair (a single unit with one figure) the forecast is
  that walk; with a rich panel the data decide.
* What is known about a figure (a range's width, a stated se, a flag) adds its
  sd in quadrature to every component.

Joint draws (:meth:`LevelWalk.draw`) put a Gaussian copula with the correlation
of a Brownian motion (``sqrt(h_1 / h_2)``) across years on these marginals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import special

__all__ = ["WalkSettings", "PanelChanges", "LevelWalk", "panel_changes", "unit_pace", "forecast_unit",
           "column_quantiles", "coverage_recalibration", "common_recalibration", "recalibration_note"]


@dataclass(frozen=True)
class WalkSettings:
    """Settings of the level-conditional walk (logit units; times in years).

    Parameters
    ----------
    max_lag : int
        Longest lag (years) of the past changes collected.
    pace_window : float
        Years over which a unit's pace is read (least-squares slope of its
        figures in ``[t - pace_window, t]``; two figures at least).
    shrink_n : float
        Pairs with a pace needed to trust half of the estimated carry-over.
    near_frac, min_near : float, int
        Share of a lag's pairs (nearest start level first) and their minimum
        number used for the spread.
    prior_n : float
        Weight of the prior walk, in pairs.
    prior_step : float
        Step sd of the prior walk, logit per sqrt(year).
    prior_years : float
        Weight, in years, of the units' own scale in the scale of the change common to the panel
        (the prior's degrees of freedom: see :func:`common_shock`).
    common : str
        How the change common to the panel is read: ``"path"`` (default) from the panel's common
        path (year effects of the two-way median polish, :func:`common_path`), its variance
        learned from every past year (:func:`common_shock`); ``"pairs"`` (the rule before issue
        21's second round): the median of the near pairs' residuals in their start year.
    tail_points : int
        Points of the scale mixture that stands for the Student t of the common change (``1``, the
        default: Gaussian with the same scale; the heavier tail was tried on the benchmark and
        widened the enrolment-ratio and smooth panels past 0.88 for a gain of 0.01-0.03 on the
        pass rate, so it is kept as an option).
    carry : bool
        Allow a unit's pace to be carried on (``False``: the median is the last figure).
    centre : bool
        Put the predictive median at the last figure plus the carried pace (skewed past changes widen
        one side of the interval; they do not move the best guess).
    earn : bool
        Carry paces on (and revert) only where doing so beat the last figure in the panel's own past,
        out of sample (:func:`carry_earned`).
    level_power : float or None
        How the scale of a change grows towards 0 % and 100 %: ``None`` (default) learns it from the
        panel (:func:`level_power`); ``0`` reads every pair on the logit scale as it was (the rule
        before issue 21's third round); ``1`` as a walk on the share itself.
    level_common : bool
        Read the common change at the level now too (default), not only the units' own changes.
    revert : bool
        Move the median towards the unit's own mean of its figures in the pace window by the share
        of such a gap the panel closed over ``h`` years (least squares, clipped to [0, 1], shrunk by
        ``shrink_n`` and kept only where it earned its place). Off by default: on the GSO pass rate
        it lowered the error 3-7 % at leads 1-3 but also the coverage; on the enrolment ratio it
        never earned its place.
    recalibrate : str
        Rolling-origin recalibration of the common change's scale, per lead, on the panel's own past:
        ``"coverage"`` (default, :func:`coverage_recalibration`) scales it so that ``recal_level`` of
        the panel's past changes (pairs of figures of a unit) would have fallen inside the interval
        their start year gave; ``"quantile"`` (:func:`common_recalibration`) so that the common path's
        own past changes fall inside their own band as often as it says (on the benchmark: the pass
        rate +0.04-0.06 at lead 1 only, the thinned ratio past 0.88); ``"variance"`` matches the common
        path's standardised mean square instead (not benchmarked); ``"off"``: the scale as
        :func:`common_shock` learns it (the rule before issue 21's fourth round).
    recal_level : float
        Central probability (fraction 0-1) of the band the recalibration matches.
    recal_prior : float
        Weight, in past origins, of "no recalibration" (factor 1): the log factor is shrunk by
        ``n / (n + recal_prior)`` with ``n`` past origins scored at the lead.
    recal_min_seen : int
        Years of the common path's changes an origin must have behind it to be scored.
    """

    max_lag: int = 10
    pace_window: float = 6.0
    shrink_n: float = 30.0
    near_frac: float = 0.4
    min_near: int = 12
    prior_n: float = 3.0
    prior_step: float = 0.33
    prior_years: float = 1.0
    common: str = "path"
    tail_points: int = 1
    carry: bool = False
    centre: bool = True
    earn: bool = True
    level_power: float | None = None
    level_common: bool = True
    revert: bool = False
    recalibrate: str = "coverage"
    recal_level: float = 0.8
    recal_prior: float = 4.0
    recal_min_seen: int = 2


@dataclass(eq=False)
class PanelChanges:
    """Past changes of a panel: one row per pair of figures of a unit ``lag`` years apart."""

    lag: np.ndarray     # (P,) years, integers
    start: np.ndarray   # (P,) logit level at the start
    change: np.ndarray  # (P,) logit change
    pace: np.ndarray    # (P,) the unit's pace at the start (NaN when unknown)
    year: np.ndarray    # (P,) start year (rounded)
    common: np.ndarray = None  # (P,) change of the panel's common path over the pair's years
    path_years: np.ndarray = None  # years of the common path
    path: np.ndarray = None  # the common path (logit), 0 at its first year
    carry: dict = field(default_factory=dict)  # lag -> (k_h, n with a pace)
    idio: dict = field(default_factory=dict)  # lag -> change minus the carried pace
    gap: np.ndarray = None  # (P,) the unit's mean of its figures in the pace window minus its level at the start
    revert: dict = field(default_factory=dict)  # lag -> (r_h, n with a gap): share of the gap closed
    power: float = 0.0  # how the scale of a change grows towards 0 % and 100 % (:func:`level_power`)
    recal: dict = field(default_factory=dict)  # lead -> (factor, origins scored) (:func:`common_recalibration`)
    typical: float = 0.0  # the median start level of the pairs (logit): the common path's own level


def unit_pace(t: np.ndarray, z: np.ndarray, at: float, window: float) -> float:
    """Least-squares slope (logit per year) of the figures in ``[at - window, at]``; NaN with fewer than two times."""
    m = (t <= at + 1e-9) & (t >= at - window - 1e-9)
    tt, zz = t[m], z[m]
    if len(np.unique(tt)) < 2:
        return float("nan")
    tc = tt - tt.mean()
    return float((tc * (zz - zz.mean())).sum() / (tc * tc).sum())


def unit_gap(t: np.ndarray, z: np.ndarray, at: float, window: float) -> float:
    """Mean of the figures in ``[at - window, at]`` minus the figure at ``at`` (logit); NaN with fewer than two
    times in the window or no figure at ``at``. Positive: the unit is below its own recent mean."""
    m = (t <= at + 1e-9) & (t >= at - window - 1e-9)
    now = np.abs(t - at) <= 1e-9
    if len(np.unique(t[m])) < 2 or not now.any():
        return float("nan")
    return float(np.mean(z[m]) - z[now][-1])


def panel_changes(units: dict[str, tuple[np.ndarray, np.ndarray]], settings: WalkSettings) -> PanelChanges:
    """Collect every unit's past changes (see the module docstring) and the carry-over of paces per lag.

    ``units`` maps a name to ``(t, z)``: times (years) and logit centres.
    Pairs are taken at whole-year lags (the lag rounded) from 1 to ``max_lag``.
    """
    lag, start, change, pace, year, end, nxt, gap = [], [], [], [], [], [], [], []
    for t, z in units.values():
        o = np.argsort(t, kind="stable")
        t, z = np.asarray(t, float)[o], np.asarray(z, float)[o]
        paces = [unit_pace(t, z, ti, settings.pace_window) for ti in t]
        gaps = [unit_gap(t, z, ti, settings.pace_window) for ti in t]
        for i in range(len(t)):
            for j in range(i + 1, len(t)):
                h = int(round(t[j] - t[i]))
                if h < 1 or h > settings.max_lag:
                    continue
                lag.append(h)
                start.append(z[i])
                change.append(z[j] - z[i])
                pace.append(paces[i])
                gap.append(gaps[i])
                year.append(int(round(t[i])))
                end.append(int(round(t[j])))
                nxt.append(j == i + 1)
    pc = PanelChanges(np.array(lag, int), np.array(start, float), np.array(change, float), np.array(pace, float),
                      np.array(year, int))
    pc.gap = np.array(gap, float)
    pc.path_years, pc.path = common_path(units)
    at = dict(zip(pc.path_years.tolist(), pc.path.tolist()))
    pc.common = np.array([at[b] - at[a] for a, b in zip(year, end)], float)
    for h in np.unique(pc.lag):
        m = (pc.lag == h) & np.isfinite(pc.pace)
        x, y = h * pc.pace[m], pc.change[m]
        n = int(m.sum())
        sxx = float((x * x).sum())
        k = float(np.clip((x * y).sum() / sxx, 0.0, 1.0)) if n and sxx > 0 and settings.carry else 0.0
        if k > 0 and settings.earn:
            k = k if carry_earned(x, y, pc.year[m], int(h)) else 0.0
        pc.carry[int(h)] = (k * n / (n + settings.shrink_n), n)
        mh = pc.lag == h
        pc.idio[int(h)] = pc.change[mh] - pc.carry[int(h)][0] * h * np.where(np.isfinite(pc.pace[mh]),
                                                                             pc.pace[mh], 0.0)
        # reversion: the share of a unit's gap to its own recent mean closed over h years, learned from what is
        # left after the carried pace, shrunk like the carry-over, and kept only where it earned its place
        gh = pc.gap[mh]
        m2 = np.isfinite(gh)
        x, y = gh[m2], pc.idio[int(h)][m2]
        n = int(m2.sum())
        sxx = float(x @ x)
        r = float(np.clip(float(x @ y) / sxx, 0.0, 1.0)) if n and sxx > 0 and settings.revert else 0.0
        if r > 0 and settings.earn:
            r = r if carry_earned(x, y, pc.year[mh][m2], int(h)) else 0.0
        pc.revert[int(h)] = (r * n / (n + settings.shrink_n), n)
        pc.idio[int(h)] = pc.idio[int(h)] - pc.revert[int(h)][0] * np.where(m2, gh, 0.0)
    if len(pc.lag):
        own = np.empty(len(pc.lag))
        for h in pc.idio:
            own[pc.lag == h] = pc.idio[h] - pc.common[pc.lag == h]
        # consecutive figures only (the other pairs repeat their changes), and not two equal figures (a figure
        # rounded or stuck at a bound: its log size says nothing about the scale)
        nx = np.array(nxt, bool) & (pc.change != 0)
        pc.power = (level_power(pc.start[nx], own[nx], pc.lag[nx]) if settings.level_power is None
                    else float(settings.level_power))
        pc.typical = float(np.median(pc.start))
        if settings.common == "path" and settings.recalibrate != "off":
            one = nx & np.isfinite(own)
            own_ms = float(np.mean(own[one] ** 2 / pc.lag[one])) if one.any() else settings.prior_step**2
            if settings.recalibrate == "coverage":
                pc.recal = coverage_recalibration(pc, own, own_ms, settings)
            else:
                pc.recal = common_recalibration(pc.path_years, pc.path, own_ms, settings)
    return pc


def coverage_recalibration(pc: PanelChanges, own: np.ndarray, own_ms: float, settings: WalkSettings
                           ) -> dict[int, tuple[float, int]]:
    """Factor on the common change's scale, per lead, that would have covered the panel's own past changes.

    Rolling-origin (split-conformal) recalibration scored on the past only.
    Every past pair of figures of a unit ``h`` years apart, from a start year
    ``o`` with at least ``settings.recal_min_seen`` yearly changes of the
    common path behind it, is a past forecast: from its start level, the
    median was the start (no change) and the central ``recal_level`` band
    had half-width ``z sqrt(v_own + (f s_o)^2)``, where ``s_o`` is the common
    change's scale :func:`common_shock` gives from the common path **up to
    ``o``** (read at the pair's level, as in :func:`forecast_unit`), and
    ``v_own`` the mean square of the own changes of the lag's pairs nearest
    in start level (``n_near`` of them). The factor ``f`` (0.25-5) is the
    smallest at which the share of past changes inside their band reaches
    ``recal_level``; it is shrunk in logs towards 1 by ``n / (n +
    recal_prior)``, ``n`` the start years scored. Above 1: the panel moved
    together more than its past common changes said (rare large shocks,
    regimes that ran one way); below 1: less (a steady shared drift counted
    as variance, at short leads). Leads with no start year scored take the
    nearest scored lead's factor. Nothing after the origin of the fit is
    used; within the past, ``v_own`` is the own spread known at the origin
    (not at each start year) and the band is Gaussian (not the model's
    kernel mixture): a simplification, and a mild in-sample element.

    Parameters
    ----------
    pc : PanelChanges
        The panel's changes (with ``common``, ``path``, ``power`` and ``typical`` set).
    own : numpy.ndarray
        Each pair's own change (logit): its change minus the carried pace and the common path's change.
    own_ms : float
        Units' own mean square change per year (logit^2 per year): the prior of :func:`common_shock`.
    settings : WalkSettings

    Returns
    -------
    dict
        Lead (years) -> ``(factor, start years scored)``.
    """
    years = np.asarray(pc.path_years, int)
    c = np.asarray(pc.path, float)
    zq = float(special.ndtri(0.5 + settings.recal_level / 2.0))
    seen_by = {}
    ylist = years.tolist()
    yset = set(ylist)
    for o in ylist:
        seen_by[o] = sum(1 for y in ylist if y + 1 in yset and y + 1 <= o)
    stretch = _stretch(pc.start)
    ratio = (np.exp(pc.power * (stretch - float(_stretch(pc.typical)))) if settings.level_common
             else np.ones(len(pc.start)))
    out = {}
    for h in np.unique(pc.lag).tolist():
        m = np.flatnonzero(pc.lag == h)
        ok = np.array([seen_by.get(int(y), 0) >= settings.recal_min_seen for y in pc.year[m]], bool)
        m = m[ok & np.isfinite(own[m])]
        if len(m) < settings.min_near:
            continue
        s_o = {}
        for y in np.unique(pc.year[m]).tolist():
            past = years <= y
            s_o[y] = common_shock(years[past], c[past], h, own_ms, settings)[0]
        s = np.array([s_o[int(y)] for y in pc.year[m]]) * ratio[m]
        # the own part of each past forecast: the mean square of the own changes nearest in start level
        o_sorted = np.argsort(pc.start[m], kind="stable")
        sq = (own[m] ** 2)[o_sorted]
        n_near = min(len(m), max(settings.min_near, int(math.ceil(settings.near_frac * len(m)))))
        cs = np.r_[0.0, np.cumsum(sq)]
        rank = np.arange(len(m))
        lo = np.clip(rank - n_near // 2, 0, len(m) - n_near)
        v_sorted = (cs[lo + n_near] - cs[lo]) / n_near
        v_own = np.empty(len(m))
        v_own[o_sorted] = v_sorted
        d = np.abs(pc.change[m] - pc.carry[h][0] * h * np.where(np.isfinite(pc.pace[m]), pc.pace[m], 0.0))

        def covered(f):
            return float(np.mean(d <= zq * np.sqrt(v_own + (f * s) ** 2)))

        lo_f, hi_f = 0.25, 5.0
        if covered(lo_f) >= settings.recal_level:
            f = lo_f
        elif covered(hi_f) < settings.recal_level:
            f = hi_f
        else:
            for _ in range(40):
                mid = math.sqrt(lo_f * hi_f)
                if covered(mid) >= settings.recal_level:
                    hi_f = mid
                else:
                    lo_f = mid
            f = hi_f
        n = len(s_o)
        out[int(h)] = (math.exp(n / (n + settings.recal_prior) * math.log(f)), n)
    return out


def recalibration_note(pc: PanelChanges, st: WalkSettings) -> str:
    """What the rolling-origin recalibration of the common change learned, and from which data (a line of the
    fit's summary, :meth:`simlib.models.trends.TrendResult.summary`)."""
    if st.common != "path" or st.recalibrate == "off":
        return "The common change's scale is not recalibrated on the panel's past (switched off)."
    leads = {h: v for h, v in sorted(pc.recal.items()) if h <= 5}
    if not leads:
        return ("The common change's scale is not recalibrated: the panel's common path has too few past years "
                f"(at least {st.recal_min_seen} yearly changes before a start year, and {st.min_near} pairs of "
                "a lag, are needed); it is used as learned.")
    yrs = pc.path_years
    cells = ", ".join(f"{h} yr x{f:.2f} ({n} start year{'s' if n != 1 else ''})" for h, (f, n) in leads.items())
    return (f"The common change's scale was recalibrated on this panel's own past, {int(yrs.min())}-"
            f"{int(yrs.max())} (rolling origin: every past pair of figures scored against the "
            f"{100 * st.recal_level:g} % interval its start year's common path would have given, "
            f"'{st.recalibrate}' rule, shrunk towards 1 by {st.recal_prior:g} start years); factor by lead: "
            f"{cells}. Above 1: the panel moved together more than its past said; below 1: less.")


def common_recalibration(path_years: np.ndarray, path: np.ndarray, own_ms: float, settings: WalkSettings
                         ) -> dict[int, tuple[float, int]]:
    """Factor on the common change's scale, per lead, learned by replaying the panel's own common path.

    Rolling-origin (split-conformal) recalibration, on the past only: from
    every past year ``o`` of the common path with at least
    ``settings.recal_min_seen`` yearly changes behind it, the scale
    :func:`common_shock` would have given for the next ``h`` years (from the
    path up to ``o`` only) is set against the change the path then made
    (``c_{o+h} - c_o``, known by the origin of the fit). With ``n`` such
    standardised changes ``|D| / s`` at lead ``h``, the factor is their
    conformal ``recal_level`` quantile (the ``ceil((n + 1) q)``-th smallest,
    the largest when ``n`` is small) over the Gaussian's ``z_{(1 + q) / 2}``
    (``"quantile"``), or the root of their mean square (``"variance"``),
    shrunk in logs by ``n / (n + recal_prior)`` towards 1. A factor above 1
    says the common path jumped more than its past changes suggested (rare
    large shocks, regimes that ran one way); below 1, that it moved less (a
    steady shared drift the scale counted as variance, at lead 1). Leads with
    no origin scored take the nearest scored lead's factor (:func:`forecast_unit`).

    Parameters
    ----------
    path_years, path : numpy.ndarray
        The common path (:func:`common_path`): whole years and logit levels.
    own_ms : float
        Units' own mean square change per year (logit^2 per year): the prior of :func:`common_shock`.
    settings : WalkSettings

    Returns
    -------
    dict
        Lead (years, 1 to ``max_lag``) -> ``(factor, origins scored)``.

    Examples
    --------
    A path that was flat (+-0.05) and then jumped by 1 logit every third year: its past bands were too
    narrow, so the factor is well above 1 at lead 1:

    >>> import numpy as np
    >>> steps = np.array([0.05, -0.05, 1.0] * 5)
    >>> yrs = np.arange(2000, 2016); path = np.r_[0, np.cumsum(steps)]
    >>> f, n = common_recalibration(yrs, path, 0.0025, WalkSettings())[1]
    >>> n, f > 1.5
    (13, True)
    """
    years = np.asarray(path_years, int)
    c = np.asarray(path, float)
    at = dict(zip(years.tolist(), c.tolist()))
    q = settings.recal_level
    zq = float(special.ndtri(0.5 + q / 2.0))
    scores: dict[int, list[float]] = {}
    for k, o in enumerate(years.tolist()):
        past = years <= o
        seen = sum(1 for y in years[past].tolist() if y + 1 in at and y + 1 <= o)
        if seen < settings.recal_min_seen:
            continue
        for h in range(1, settings.max_lag + 1):
            if o + h not in at:
                continue
            s, _ = common_shock(years[past], c[past], h, own_ms, settings)
            if s > 1e-12:
                scores.setdefault(h, []).append(abs(at[o + h] - at[o]) / s)
    out = {}
    for h, zs in sorted(scores.items()):
        zs = np.sort(np.asarray(zs))
        n = len(zs)
        if settings.recalibrate == "variance":
            f = math.sqrt(float(np.mean(zs**2)))
        else:
            f = float(zs[min(n, int(math.ceil((n + 1) * q))) - 1]) / zq
        f = max(f, 1e-3)
        out[h] = (math.exp(n / (n + settings.recal_prior) * math.log(f)), n)
    return out


def _stretch(z: np.ndarray) -> np.ndarray:
    """``-log(p (1 - p))`` of the share ``p = expit(z)`` (logit ``z`` clipped to +-9): the log of the logit's
    stretch ``dz / dp`` at that level (1.39 at 50 %, 4.6 at 1 % and 99 %)."""
    z = np.clip(np.asarray(z, float), -9.0, 9.0)
    return np.abs(z) + 2.0 * np.log1p(np.exp(-np.abs(z)))


def level_power(start: np.ndarray, own: np.ndarray, lag: np.ndarray) -> float:
    """How the scale of a unit's own change grows with the logit's stretch, learned from the panel's pairs.

    The scale of a change from level ``p`` is taken as ``(p (1 - p))^-power``
    times a constant per lag: ``power = 0`` is a walk on the logit scale (the
    same logit spread at every level), ``power = 1`` one on the share itself
    (the logit spread grows as ``1 / (p (1 - p))`` towards 0 % and 100 %). The
    estimate is the least-squares slope of ``log |own change|`` on
    ``-log(p (1 - p))`` at the start, both centred within each lag, over the
    pairs with a non-zero change, clipped to [0, 1]; with fewer than 10 such
    pairs or no spread of levels it is 0.

    Parameters
    ----------
    start : numpy.ndarray
        Start levels of the pairs (logit).
    own : numpy.ndarray
        Each pair's own change (logit): its change minus the carried pace and the common path's change.
    lag : numpy.ndarray
        The pairs' lags (years).

    Returns
    -------
    float
        ``power``, 0-1.

    Examples
    --------
    Changes whose size is 0.02 on the share scale, at 50 % and at 90 %: their logit sizes are 0.08 and
    0.222, a ratio of 1 / (0.9 x 0.1 x 4) = 2.78 in stretch as well, so the power is 1:

    >>> import numpy as np
    >>> z = np.log(np.array([1.0, 1.0, 9.0, 9.0] * 3))
    >>> own = np.array([0.08, -0.08, 0.2222, -0.2222] * 3)
    >>> round(level_power(z, own, np.ones(12, int)), 3)
    1.0
    """
    start, own, lag = (np.asarray(a) for a in (start, own, lag))
    ok = np.isfinite(own) & (np.abs(own) > 1e-9) & np.isfinite(start)
    if ok.sum() < 10:
        return 0.0
    x, y, g = _stretch(start[ok]), np.log(np.abs(own[ok])), lag[ok]
    for h in np.unique(g):
        m = g == h
        x[m] -= x[m].mean()
        y[m] -= y[m].mean()
    sxx = float(x @ x)
    n_groups = len(np.unique(g))
    if sxx <= 1e-12 or len(x) - n_groups - 1 < 1:
        return 0.0
    b = float(x @ y) / sxx
    se2 = float(np.sum((y - b * x) ** 2)) / (len(x) - n_groups - 1) / sxx
    # shrunk by its own noise (positive-part James-Stein): a slope within its standard error of 0 counts little
    return float(np.clip(b, 0.0, 1.0) * b * b / (b * b + se2)) if b > 0 else 0.0


def carry_earned(x: np.ndarray, y: np.ndarray, start: np.ndarray, h: int) -> bool:
    """Would carrying paces on have beaten the last figure in the panel's own past, out of sample?

    Pairs of lag ``h`` (carried pace ``x = h b_i``, change ``y``, start year
    ``start``) are replayed in time order: the pairs starting in year ``Y`` are
    predicted with the carry-over estimated (least squares through the origin,
    clipped to [0, 1]) from the pairs that had *ended* by ``Y`` (``start + h <=
    Y``), and scored by absolute error against "no change". The carry-over
    earns its place only when its total absolute error is smaller; with no
    pair to replay it does not (the last figure is the default).

    Parameters
    ----------
    x, y : numpy.ndarray
        Carried pace over the lag and change (logit).
    start : numpy.ndarray
        Start years of the pairs.
    h : int
        The lag, years.

    Returns
    -------
    bool

    Examples
    --------
    Paces that carried on every year earn it; paces that reversed do not:

    >>> import numpy as np
    >>> yrs = np.repeat(np.arange(2000, 2010), 3)
    >>> x = np.tile([0.1, 0.2, -0.1], 10)
    >>> carry_earned(x, 0.9 * x, yrs, 1), carry_earned(x, -0.5 * x, yrs, 1)
    (True, False)
    """
    ends = start + h
    err_c = err_0 = 0.0
    for yv in np.unique(start):
        known = ends <= yv
        sxx = float(x[known] @ x[known])
        if sxx <= 0:
            continue
        k = float(np.clip(float(x[known] @ y[known]) / sxx, 0.0, 1.0))
        now = start == yv
        err_c += float(np.abs(y[now] - k * x[now]).sum())
        err_0 += float(np.abs(y[now]).sum())
    return err_0 > 0 and err_c < err_0


def common_path(units: dict[str, tuple[np.ndarray, np.ndarray]], iterations: int = 20
                ) -> tuple[np.ndarray, np.ndarray]:
    """The panel's common path: year effects ``c_t`` of ``z_ut = a_u + c_t + own`` by median polish.

    Every figure of every unit counts (a sparse panel's units seen in different
    years still tie the years together through their own levels ``a_u``); the
    path is 0 at its first year. Years are the figures' years rounded. With
    one unit the path is that unit's own (everything is common).

    Parameters
    ----------
    units : dict
        Name -> ``(t, z)``: times (years) and logit centres.
    iterations : int
        Sweeps of the polish (rows, then columns).

    Returns
    -------
    years, path : numpy.ndarray
        Sorted whole years, and ``c`` (logit) at each.

    Examples
    --------
    Two units that move together by +1 then -0.5 logit, one of them missing a year:

    >>> import numpy as np
    >>> u = {"a": (np.array([2000., 2001, 2002]), np.array([0., 1, 0.5])),
    ...      "b": (np.array([2000., 2002]), np.array([-2., -1.5]))}
    >>> years, c = common_path(u)
    >>> years.tolist(), np.round(c, 6).tolist()
    ([2000, 2001, 2002], [0.0, 1.0, 0.5])
    """
    years = np.unique(np.concatenate([np.round(np.asarray(t, float)).astype(int) for t, _ in units.values()]
                                     or [np.zeros(0, int)]))
    if len(years) == 0:
        return years, np.zeros(0)
    col = {y: k for k, y in enumerate(years.tolist())}
    Z = np.full((len(units), len(years)), np.nan)
    for r, (t, z) in enumerate(units.values()):
        for ti, zi in zip(np.round(np.asarray(t, float)).astype(int), np.asarray(z, float)):
            Z[r, col[int(ti)]] = zi  # two figures in one year: the later one
    c = np.zeros(len(years))
    for _ in range(iterations):
        a = np.nanmedian(Z - c[None, :], axis=1)
        c = np.nanmedian(Z - a[:, None], axis=0)
    return years, c - c[0]


def common_shock(path_years: np.ndarray, path: np.ndarray, h: float, own_ms: float, settings: WalkSettings
                 ) -> tuple[float, float]:
    """Scale (logit) and degrees of freedom of the common change over the next ``h`` years.

    The common path is read as a random walk whose yearly variance is learned
    from every change of the path seen so far over 1 to ``ceil(h)`` years (or
    its shortest lag, if longer: a biennial panel) with ``sigma^2 = sum D^2 /
    sum lag``: a run of changes one way raises the longer lags' share, so
    persistence widens the longer leads. The conjugate prior counts
    ``prior_years`` years at the units' own yearly scale ``own_ms`` (mean
    square per year). The change to come has scale ``sqrt(h sigma^2)``; the
    default takes it Gaussian. Its posterior predictive is a Student t with
    ``nu = prior_years + years seen`` degrees of freedom (with few years the
    variance itself is uncertain), used when ``settings.tail_points > 1``.

    Parameters
    ----------
    path_years, path : numpy.ndarray
        The common path (:func:`common_path`): whole years and logit levels.
    h : float
        Lead, years.
    own_ms : float
        Units' own mean square change per year (logit^2 per year).
    settings : WalkSettings

    Returns
    -------
    scale, nu : float
        Scale (logit) of the common change and the degrees of freedom of its Student t.

    Examples
    --------
    A path that moved +-0.3 a year for nine years: scale near ``0.3 sqrt(h)``, nu = 1 + 9:

    >>> import numpy as np
    >>> yrs = np.arange(2000, 2010); path = np.cumsum(np.r_[0, 0.3 * (-1) ** np.arange(9)])
    >>> s, nu = common_shock(yrs, path, 1, 0.09, WalkSettings())
    >>> round(s, 3), nu
    (0.3, 10.0)
    """
    at = dict(zip(np.asarray(path_years).tolist(), np.asarray(path, float).tolist()))
    ss = n = 0.0
    top = max(1, int(math.ceil(h - 1e-9)))
    # a path seen every other year (a biennial survey) has no 1-year change: its shortest lag stands in
    shortest = next((g for g in range(1, settings.max_lag + 1) if any(y + g in at for y in at)), top)
    for g in range(1, max(top, shortest) + 1):
        d = [at[y + g] - at[y] for y in at if y + g in at]
        ss += float(np.sum(np.square(d)))
        n += g * len(d)
    seen = float(sum(1 for y in at if y + 1 in at))
    py = settings.prior_years
    var1 = (ss + py * own_ms) / (n + py) if n + py > 0 else own_ms
    return math.sqrt(max(h, 0.0) * var1), py + seen


def _t_scales(nu: float, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Weights and sd multipliers of a ``k``-point scale mixture of normals that stands for a Student t of ``nu`` df.

    The t is ``N(0, s^2 / g)`` with ``g ~ Gamma(nu / 2, rate nu / 2)``: ``g`` is
    taken at the midpoints of ``k`` equal-probability bins (``k = 1``: Gaussian).
    """
    if k <= 1 or not np.isfinite(nu) or nu > 1e6:
        return np.ones(1), np.ones(1)
    from scipy import stats

    g = stats.gamma.ppf((np.arange(k) + 0.5) / k, a=nu / 2.0, scale=2.0 / nu)
    return np.full(k, 1.0 / k), 1.0 / np.sqrt(g)


def _residuals(pc: PanelChanges, h: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Residuals of lag ``h`` (changes minus the carried pace), their start levels, start years and common changes."""
    m = pc.lag == h
    return pc.idio[int(h)], pc.start[m], pc.year[m], pc.common[m]


def _split_common(e: np.ndarray, years: np.ndarray, h: float, settings: WalkSettings) -> tuple[np.ndarray, float]:
    """Residuals minus their start year's median (what is each unit's own), and the common change's sd.

    The common change to come is taken as 0 (past panel-wide paces did not carry on in the real panels):
    its sd is the root mean square of the past years' medians, shrunk by ``prior_years`` years towards
    the root mean square of the units' own residuals (common shocks as large as a unit's own: the
    level's own scale, not a fixed number).
    """
    uy, inv = np.unique(years, return_inverse=True)
    c = np.array([np.median(e[inv == k]) for k in range(len(uy))])
    own = e - c[inv] if len(uy) > 1 else e - c[0]
    var = (float(np.sum(c**2)) + settings.prior_years * float(np.mean(own**2))) / (len(uy) + settings.prior_years)
    return own, math.sqrt(var)


def _recal_factor(pc: PanelChanges, h: int) -> float:
    """The recalibration factor at lead ``h`` (the nearest scored lead's, the longer one on a tie; 1 with none)."""
    if not pc.recal:
        return 1.0
    if h in pc.recal:
        return pc.recal[h][0]
    g = min(pc.recal, key=lambda g: (abs(g - h), -g))
    return pc.recal[g][0]


def _silverman(x: np.ndarray) -> float:
    if len(x) < 2:
        return 0.0
    sd = float(np.std(x, ddof=1))
    iqr = float(np.subtract(*np.percentile(x, [75, 25]))) / 1.349
    s = min(sd, iqr) if iqr > 0 else sd
    return 0.9 * s * len(x) ** -0.2


def forecast_unit(pc: PanelChanges, z_last: float, pace_now: float, h: float, settings: WalkSettings,
                  gap_now: float = float("nan")):
    """Mixture ``(weights, means, sds)`` of the logit change ``h`` years after a figure at ``z_last``.

    Returns the change's components (add ``z_last`` for the level). ``h <= 0``
    gives a point at 0.
    """
    if h <= 1e-9:
        return np.ones(1), np.zeros(1), np.zeros(1)
    hi = max(1, int(round(h)))
    lags = np.unique(pc.lag)
    k = 0.0
    if hi in pc.carry:
        k = pc.carry[hi][0]
    elif pc.carry:  # beyond the longest lag seen: the carry-over of the longest lag
        k = pc.carry[int(lags.max())][0]
    drift = k * h * (pace_now if np.isfinite(pace_now) else 0.0)
    if pc.revert and np.isfinite(gap_now):
        r = pc.revert.get(hi, pc.revert[int(max(pc.revert))])[0]
        drift += r * gap_now
    res = np.empty(0)
    common_sd, nu = 0.0, math.inf
    if len(lags):
        counts = {int(g): int((pc.lag == g).sum()) for g in lags}
        if counts.get(hi, 0) >= settings.min_near:
            e, s0, yr, cc = _residuals(pc, hi)
            scale = 1.0
        else:  # the nearest lag with enough pairs (else the richest), scaled like a random walk
            ok = [g for g, c in counts.items() if c >= settings.min_near] or [max(counts, key=counts.get)]
            g = min(ok, key=lambda g: (abs(g - hi), -g))
            e, s0, yr, cc = _residuals(pc, g)
            scale = math.sqrt(h / g)
        n_near = min(len(e), max(settings.min_near, int(math.ceil(settings.near_frac * len(e)))))
        near = np.argsort(np.abs(s0 - z_last), kind="stable")[:n_near]
        # a pair from another level is read at the level now: its size times the ratio of the stretches
        # (p (1 - p))^-power (power 0: as it was on the logit scale)
        stretch_now = _stretch(z_last)
        at_level = np.exp(pc.power * (stretch_now - _stretch(s0[near])))
        if settings.common == "pairs":
            res, common_sd = _split_common(e[near] * scale * at_level, yr[near], h, settings)
        else:
            res = (e[near] - cc[near]) * scale * at_level
            # the common path moves the panel's typical unit: its size is read at the level now (and the units'
            # own scale that its prior stands on, at the typical level)
            ratio = math.exp(pc.power * (stretch_now - float(_stretch(pc.typical)))) if settings.level_common else 1.0
            common_sd, nu = common_shock(pc.path_years, pc.path, h, float(np.mean(res**2)) / h / ratio**2, settings)
            common_sd *= ratio * _recal_factor(pc, hi)
    n = len(res)
    bw = _silverman(res) if n >= 2 else 0.0
    # the prior stands in for pairs the panel lacks: it is weighed against every pair of the lag read (the
    # nearest ones localise the spread, they are not all the panel knows about it)
    n_read = len(e) if n else 0
    w_prior = settings.prior_n / (settings.prior_n + n_read)
    tw, tk = _t_scales(nu, settings.tail_points) if n and common_sd > 0 else (np.ones(1), np.ones(1))
    K = len(tw)
    w = np.concatenate([[w_prior], np.repeat(np.full(n, (1 - w_prior) / n if n else 0.0), K) * np.tile(tw, n)])
    m = np.concatenate([[drift], np.repeat(drift + res, K)])
    s = np.concatenate([[settings.prior_step * math.sqrt(h)],
                        np.sqrt(bw**2 + np.tile((common_sd * tk) ** 2, n))])
    if settings.centre and n:
        # the mixture's median is the carried drift: skewed past changes widen one side, they do not move
        # the best guess (on the real panels, a level-conditional shift did worse than the last figure)
        med = float(column_quantiles(w[:, None], m[:, None], np.maximum(s, 1e-12)[:, None], [0.5])[0, 0])
        m = m - (med - drift)
    return w, m, s


def column_quantiles(w, m, s, probs):
    """Quantiles of each column's mixture ``sum_g w[g, j] N(m[g, j], s[g, j]^2)`` by bisection (1e-9 logit)."""
    probs = np.asarray(probs, float)
    lo = np.min(m - 9 * s, axis=0)[None, :] + np.zeros((len(probs), 1))
    hi = np.max(m + 9 * s, axis=0)[None, :] + np.zeros((len(probs), 1))
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        F = np.einsum("gt,pgt->pt", w, special.ndtr((mid[:, None, :] - m[None]) / s[None]))
        below = F < probs[:, None]
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return 0.5 * (lo + hi)


@dataclass(eq=False)
class LevelWalk:
    """Predictive of one unit: its last figure, its pace now and the panel's changes (see the module docstring)."""

    changes: PanelChanges
    settings: WalkSettings
    t_last: float
    z_last: float
    sd_last: float
    pace_now: float
    pace_se: float
    gap_now: float = float("nan")
    reported = True  # marginal() takes the predicted figures' own sds

    def marginal(self, years, obs_sd=None, approx=None):
        """Gaussian mixture of the reported logit share in each year: ``(w (G, T), m (G, T), s (G, T))``.

        Weights are per year (column): lags differ in the number of past changes.

        ``approx`` is accepted for the interface of reported-figure
        predictions and ignored (an ``approximate`` flag's sd is in ``obs_sd``).
        """
        years = np.atleast_1d(np.asarray(years, float))
        T = len(years)
        extra = np.zeros(T) if obs_sd is None else np.broadcast_to(np.asarray(obs_sd, float), (T,))
        comps = [forecast_unit(self.changes, self.z_last, self.pace_now, abs(y - self.t_last), self.settings,
                               self.gap_now if y >= self.t_last else float("nan")) for y in years]
        G = max(len(c[0]) for c in comps)
        w = np.zeros((G, T))
        m = np.zeros((G, T))
        s = np.ones((G, T))
        for j, (wj, mj, sj) in enumerate(comps):
            k = len(wj)
            sign = 1.0 if years[j] >= self.t_last else -1.0
            w[:k, j], m[:k, j] = wj, self.z_last + sign * mj
            s[:k, j] = np.sqrt(sj**2 + self.sd_last**2 + extra[j] ** 2 + 1e-12)
            m[k:, j], s[k:, j] = self.z_last, 1.0
        return w, m, s

    def quantiles(self, years, probs):
        """Quantiles (logit) of each year's marginal; ``(len(probs), len(years))``."""
        w, m, s = self.marginal(years)
        return column_quantiles(w, m, s, probs)

    def draw(self, n, years, rng):
        """Joint draws ``(n, len(years))`` of the logit path: each year's marginal, Brownian-correlated ranks."""
        years = np.asarray(years, float)
        h = np.abs(years - self.t_last)
        fwd = years >= self.t_last
        hh = np.maximum(h, 1e-6)
        same = fwd[:, None] == fwd[None, :]
        C = np.where(same, np.sqrt(np.minimum.outer(hh, hh) / np.maximum.outer(hh, hh)), 0.0)
        L = np.linalg.cholesky(C + 1e-9 * np.eye(len(years)))
        u = special.ndtr(rng.standard_normal((int(n), len(years))) @ L.T)
        grid = np.linspace(0.0005, 0.9995, 400)
        q = self.quantiles(years, grid)
        out = np.empty((int(n), len(years)))
        for j in range(len(years)):
            out[:, j] = np.interp(u[:, j], grid, q[:, j])
        return out

    def slope_marginal(self):
        """The carried pace now (logit per year) over one year: ``k_1 b_T`` with sd ``k_1 se(b_T)``."""
        k = self.changes.carry.get(1, (0.0, 0))[0]
        b = self.pace_now if np.isfinite(self.pace_now) else 0.0
        se = self.pace_se if np.isfinite(self.pace_se) else self.settings.prior_step
        return np.ones(1), np.array([[k * b]]), np.array([[max(k * se, 1e-6)]])
