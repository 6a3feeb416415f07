"""The peer-panel feasibility frontier (UIS/GEM, World Bank ``sdgtrackr`` style; F3 of :mod:`simlib.assess.progress`).

From a panel of units' observed paces: :func:`episodes` and :func:`spells` (changes over 5 and 10 years),
:func:`fit_frontier` (quantile regressions of the pace on the starting level -> :class:`Frontier`),
:func:`percentile_path`, :func:`required_percentile` and :func:`speed_multiple` (how fast, against the peers, a
target asks a unit to move). Re-exported by :mod:`simlib.assess.progress`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.interpolate import BSpline

from simlib.logit import logit as _logit
from simlib.assess.progress import (
    _FIT_SCALE,
    DEFAULT_SPELL_YEARS,
    DEFAULT_TAUS,
    _check_years,
    _pct,
    _plural,
    _year_label,
)


# ----------------------------------------------------------------------------
# F3: peer-panel feasibility frontier
# ----------------------------------------------------------------------------


def episodes(
    panel: pd.DataFrame,
    *,
    window: int = 1,
    unit: str = "unit",
    year: str = "year",
    value: str = "value",
) -> pd.DataFrame:
    """Change episodes ``(start level, annualised change)`` from a peer panel.

    For each observation of a unit, the episode ends at the first later
    observation of the same unit at least ``window`` years later (with
    ``window=1``: the next available observation). Gaps between observations
    are allowed; the change is annualised by the actual gap. Episodes
    therefore overlap when ``window > 1`` (as in ``sdgtrackr``).

    Parameters
    ----------
    panel : pandas.DataFrame
        Long table with one row per unit and year; ``value`` is a share in
        [0, 1]. Rows with a missing value are ignored.
    window : int, default 1
        Minimum gap in years between the two ends of an episode.
    unit, year, value : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        Columns ``unit``, ``start_year``, ``start`` (share), ``change``
        (annualised change, fraction per year), ``change_logit`` (logit units
        per year; NaN when an end is exactly 0 or 1), ``end_year``, ``gap``
        (years). One row per episode, sorted by unit and start year.

    Raises
    ------
    ValueError
        Missing columns, values outside [0, 1] (percent passed by mistake?),
        a unit with two values in one year, or ``window < 1``.
    """
    if window < 1:
        raise ValueError(f"window must be at least 1 year; got {window!r}.")
    missing = [c for c in (unit, year, value) if c not in panel.columns]
    if missing:
        raise ValueError(f"The peer panel lacks column(s) {missing}; it has {list(panel.columns)}.")
    df = panel[[unit, year, value]].dropna()
    vals = df[value].to_numpy(float)
    if np.any((vals < 0) | (vals > 1)):
        bad = vals[(vals < 0) | (vals > 1)][:3]
        raise ValueError(
            f"Peer-panel values must be shares between 0 and 1 (fractions); found e.g. {bad.tolist()}. "
            "Divide percentages by 100."
        )
    dup = df.duplicated([unit, year])
    if dup.any():
        first = df.loc[dup].iloc[0]
        raise ValueError(
            f"Unit {first[unit]!r} has more than one value for year {first[year]!r}; keep one per year."
        )
    rows = []
    for u, g in df.sort_values([unit, year]).groupby(unit, sort=True):
        yrs = g[year].to_numpy(float)
        v = g[value].to_numpy(float)
        for i in range(len(yrs) - 1):
            later = np.nonzero(yrs[i + 1:] - yrs[i] >= window)[0]
            if later.size == 0:
                continue
            j = i + 1 + later[0]
            gap = yrs[j] - yrs[i]
            inside = 0 < v[i] < 1 and 0 < v[j] < 1
            rows.append((
                u,
                _year_label(yrs[i]),
                v[i],
                (v[j] - v[i]) / gap,
                float(_logit(v[j]) - _logit(v[i])) / gap if inside else math.nan,
                _year_label(yrs[j]),
                gap,
            ))
    cols = ["unit", "start_year", "start", "change", "change_logit", "end_year", "gap"]
    return pd.DataFrame(rows, columns=cols)


def spells(
    panel: pd.DataFrame,
    *,
    years: tuple[int, int] = DEFAULT_SPELL_YEARS,
    balance: bool = True,
    unit: str = "unit",
    year: str = "year",
    value: str = "value",
) -> pd.DataFrame:
    """Spells of 5-10 years ``(start level, annualised change)`` within each unit, balanced.

    For each observation of a unit (the start), the spell ends at the first
    later observation of the **same unit** whose gap is between
    ``years[0]`` and ``years[1]`` years (the shortest available spell); a
    start with no such end gives no spell. The change is annualised by the
    actual gap. With ``balance`` every spell of unit ``u`` weighs
    ``N / (U n_u)`` (``N`` spells, ``U`` units, ``n_u`` spells of ``u``), so
    every unit weighs the same in total and the weights average 1. See the
    module docstring for how this differs from ``sdgtrackr``.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long table with one row per unit and year; ``value`` is a share in
        [0, 1]. Rows with a missing value are ignored.
    years : (int, int)
        Shortest and longest spell in years (default 5 and 10).
    balance : bool
        Weight units equally (default) or every spell equally (weight 1).
    unit, year, value : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        Columns of :func:`episodes` (``unit``, ``start_year``, ``start``,
        ``change`` in fraction per year, ``change_logit``, ``end_year``,
        ``gap`` in years) plus ``weight``.

    Raises
    ------
    ValueError
        As :func:`episodes`; or ``years`` not ``1 <= min <= max``.
    """
    lo, hi = (int(years[0]), int(years[1]))
    if not 1 <= lo <= hi:
        raise ValueError(f"years must be (shortest, longest) with 1 <= shortest <= longest; got {years!r}.")
    ep = episodes(panel, window=lo, unit=unit, year=year, value=value)
    ep = ep[ep["gap"] <= hi].reset_index(drop=True)
    if balance and len(ep):
        n_u = ep.groupby("unit")["unit"].transform("size").to_numpy(float)
        ep["weight"] = len(ep) / (ep["unit"].nunique() * n_u)
    else:
        ep["weight"] = 1.0
    return ep


def _design(x: np.ndarray, knots: np.ndarray, degree: int) -> np.ndarray:
    """B-spline design matrix at ``x`` (already clamped to the knot range)."""
    return BSpline.design_matrix(np.asarray(x, float), knots, degree).toarray()


@dataclass(frozen=True, eq=False)
class Frontier:
    """Non-crossing quantile curves of annual change given the start level.

    Attributes
    ----------
    taus : tuple of float
        Fitted quantile levels (increasing, in (0, 1)).
    coef : numpy.ndarray
        Spline coefficients, shape ``(len(taus), n_basis)``, in fraction per
        year (read-only).
    knots : numpy.ndarray
        Full B-spline knot vector (shares).
    degree : int
        Spline degree.
    support : (float, float)
        Lowest and highest start level in the training episodes (shares).
        Outside it, curves are held at their value at the nearest end.
    n_units, n_episodes : int
        Peer units and episodes (or spells) used.
    notes : tuple of str
        Fit notes (e.g. non-convergence of a quantile regression).
    weighted : bool
        True when the fit used balancing weights (every unit counts equally).
    """

    taus: tuple[float, ...]
    coef: np.ndarray
    knots: np.ndarray
    degree: int
    support: tuple[float, float]
    n_units: int
    n_episodes: int
    notes: tuple[str, ...] = ()
    weighted: bool = False

    def curves(self, x, *, rearrange: bool = True) -> np.ndarray:
        """Fitted change quantiles at start levels ``x``.

        Parameters
        ----------
        x : float or array_like
            Start levels (shares). Values outside :attr:`support` are clamped.
        rearrange : bool, default True
            Sort across ``taus`` at each ``x`` (non-crossing). ``False``
            returns the raw quantile-regression fits (diagnostics only).

        Returns
        -------
        numpy.ndarray
            Shape ``(len(x), len(taus))``, fraction per year.
        """
        xs = np.clip(np.atleast_1d(np.asarray(x, float)), *self.support)
        q = _design(xs, self.knots, self.degree) @ self.coef.T
        return np.sort(q, axis=1) if rearrange else q

    def quantile_change(self, x, tau: float):
        """Quantile ``tau`` of the annual change for a unit starting at ``x``.

        Parameters
        ----------
        x : float or array_like
            Start level(s), shares; clamped to :attr:`support`.
        tau : float
            Quantile level in [0, 1]. Between fitted levels the rearranged
            curves are interpolated linearly in ``tau``; below the lowest /
            above the highest fitted level the nearest fitted curve is used
            (no extrapolation into the tails).

        Returns
        -------
        float or numpy.ndarray
            Change in fraction per year (0.01 = one point per year); a float
            for scalar ``x``.
        """
        tau = float(tau)
        if not 0.0 <= tau <= 1.0:
            raise ValueError(f"tau must be in [0, 1]; got {tau!r}.")
        xs = np.atleast_1d(np.asarray(x, float))
        out = self._rows(xs, np.full(xs.shape, tau))
        return float(out[0]) if np.ndim(x) == 0 else out

    def _rows(self, xs: np.ndarray, taus: np.ndarray) -> np.ndarray:
        """Q_{taus[i]}(change | xs[i]) for paired 1-d arrays (vectorised helper)."""
        t = np.asarray(self.taus, float)
        c = self.curves(xs)
        if len(t) == 1:
            return c[:, 0]
        tc = np.clip(taus, t[0], t[-1])
        j = np.clip(np.searchsorted(t, tc, side="right") - 1, 0, len(t) - 2)
        w = (tc - t[j]) / (t[j + 1] - t[j])
        rows = np.arange(len(xs))
        return c[rows, j] * (1.0 - w) + c[rows, j + 1] * w

    def quantile_table(self, x) -> pd.DataFrame:
        """Rearranged curves as a table: index start level, one column per ``tau``."""
        xs = np.atleast_1d(np.asarray(x, float))
        return pd.DataFrame(self.curves(xs), index=pd.Index(xs, name="start"),
                            columns=pd.Index(self.taus, name="tau"))


def fit_frontier(
    episodes_df: pd.DataFrame,
    taus: Sequence[float] = DEFAULT_TAUS,
    df: int = 4,
    *,
    degree: int = 3,
    max_iter: int = 5000,
    weights: str | None = "weight",
) -> Frontier:
    """Fit non-crossing quantile curves ``Q_tau(change | start)``.

    Linear quantile regression (statsmodels ``QuantReg``) of ``change`` on a
    B-spline basis of ``start``, one fit per ``tau``, followed by monotone
    rearrangement across ``tau`` at prediction time. With weights ``w_i``
    the weighted check loss ``sum w_i rho_tau(y_i - x_i b)`` is minimised, by
    fitting the rows scaled by ``w_i`` (``rho_tau(w u) = w rho_tau(u)`` for
    ``w > 0``).

    Parameters
    ----------
    episodes_df : pandas.DataFrame
        Output of :func:`spells` or :func:`episodes` (columns ``unit``,
        ``start``, ``change``; shares and fraction per year; optionally
        ``weight``).
    taus : sequence of float
        Quantile levels in (0, 1), default 0.1, 0.2, ..., 0.9.
    df : int, default 4
        Spline degrees of freedom excluding the intercept (as R's
        ``splines::bs(df=)``): ``df - degree`` interior knots at quantiles
        of ``start``; ``df + 1`` coefficients per curve. ``df = 1`` is a
        straight line.
    degree : int, default 3
        Spline degree (cubic); lowered to ``df`` when ``df < degree``.
    max_iter : int, default 5000
        Iteration limit of statsmodels' IRLS solver. Non-convergence and any
        other solver warning are recorded in :attr:`Frontier.notes`, never
        raised.
    weights : str or None, default "weight"
        Column of positive weights (the balancing weights of :func:`spells`);
        used when present, ignored when the column is absent; ``None``
        ignores it.

    Returns
    -------
    Frontier

    Raises
    ------
    ValueError
        Bad ``taus`` / ``df``, missing columns, no spread in start levels,
        or fewer episodes than coefficients + 2.
    """
    from statsmodels.regression.quantile_regression import QuantReg

    t = tuple(sorted({float(x) for x in taus}))
    if not t or t[0] <= 0 or t[-1] >= 1:
        raise ValueError(f"taus must be quantile levels strictly between 0 and 1; got {taus!r}.")
    if int(df) != df or df < 1:
        raise ValueError(f"df must be a positive integer; got {df!r}.")
    need = [c for c in ("unit", "start", "change") if c not in episodes_df.columns]
    if need:
        raise ValueError(f"episodes_df lacks column(s) {need}; build it with progress.episodes().")
    use_w = weights is not None and weights in episodes_df.columns
    ep = episodes_df[["unit", "start", "change"] + ([weights] if use_w else [])].dropna()
    x = ep["start"].to_numpy(float)
    y = ep["change"].to_numpy(float)
    w = ep[weights].to_numpy(float) if use_w else np.ones(len(ep))
    if np.any(w <= 0) or not np.all(np.isfinite(w)):
        raise ValueError(f"Weights in column {weights!r} must be positive numbers.")
    lo, hi = (float(x.min()), float(x.max())) if len(x) else (math.nan, math.nan)
    if not len(x) or not hi > lo:
        raise ValueError("The peer episodes need at least two different start levels to fit a frontier.")
    k = min(int(degree), int(df))
    n_int = int(df) - k
    interior = np.quantile(x, np.linspace(0, 1, n_int + 2)[1:-1]) if n_int else np.array([])
    interior = np.unique(interior[(interior > lo) & (interior < hi)])
    notes = []
    if len(interior) < n_int:
        notes.append(f"Tied start levels: {len(interior)} interior knot(s) used instead of {n_int}.")
    knots = np.r_[[lo] * (k + 1), interior, [hi] * (k + 1)]
    X = _design(x, knots, k)
    n_basis = X.shape[1]
    if len(y) < n_basis + 2:
        raise ValueError(
            f"{_plural(len(y), 'episode')} is too few for a frontier with {n_basis} coefficients; "
            f"need at least {n_basis + 2} (or lower df)."
        )
    from statsmodels.tools.sm_exceptions import IterationLimitWarning

    coefs = []
    for tau in t:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = QuantReg(w * y * _FIT_SCALE, w[:, None] * X).fit(q=tau, max_iter=max_iter)
        if any(issubclass(w.category, IterationLimitWarning) for w in caught):
            notes.append(f"Quantile regression at tau={tau:g} stopped at {max_iter} iterations "
                         "(not fully converged).")
        others = sorted({str(w.message) for w in caught
                         if not issubclass(w.category, IterationLimitWarning)})
        notes += [f"statsmodels warning at tau={tau:g} (silenced): {m}" for m in others]
        coefs.append(np.asarray(res.params, float) / _FIT_SCALE)
    coef = np.vstack(coefs)
    coef.setflags(write=False)
    knots.setflags(write=False)
    return Frontier(
        taus=t,
        coef=coef,
        knots=knots,
        degree=k,
        support=(lo, hi),
        n_units=int(ep["unit"].nunique()),
        n_episodes=int(len(ep)),
        notes=tuple(notes),
        weighted=bool(use_w),
    )


def percentile_path(
    frontier: Frontier,
    start: float,
    start_year: float,
    end_year: float,
    tau: float,
    step: float = 1,
) -> pd.Series:
    """Path of a unit that progresses at percentile ``tau`` of its peers every year.

    Iterates ``y <- clip(y + h * Q_tau(change | y), 0, 1)`` with step
    ``h = step`` years (a shorter last step if the span is not a multiple
    of ``step``), as ``sdgtrackr``'s percentile paths (without their
    rounding to a grid).

    Parameters
    ----------
    frontier : Frontier
    start : float
        Starting share in [0, 1].
    start_year, end_year : float
        First and last year of the path (``end_year >= start_year``).
    tau : float
        Percentile of peer progress, in [0, 1].
    step : float, default 1
        Years per step.

    Returns
    -------
    pandas.Series
        Shares indexed by year (``start_year`` ... ``end_year``).
    """
    if not 0.0 <= float(tau) <= 1.0:
        raise ValueError(f"tau must be in [0, 1]; got {tau!r}.")
    years, vals = _paths(frontier, start, start_year, end_year, np.array([float(tau)]), step)
    idx = [_year_label(round(v, 9)) for v in years]
    return pd.Series(vals[:, 0], index=pd.Index(idx, name="year"), name=f"tau={tau:g}")


def _paths(frontier, start, start_year, end_year, taus, step):
    """Percentile paths for several taus at once: (years list, array (n_years, n_taus))."""
    if not 0.0 <= float(start) <= 1.0:
        raise ValueError(f"start must be a share between 0 and 1; got {start!r}.")
    if step <= 0:
        raise ValueError(f"step must be positive; got {step!r}.")
    t0, t_end = float(start_year), float(end_year)
    if t_end < t0:
        raise ValueError(f"end_year ({end_year:g}) is before start_year ({start_year:g}).")
    taus = np.asarray(taus, float)
    y = np.full(taus.shape, float(start))
    years, vals = [t0], [y]
    t = t0
    while t < t_end - 1e-9:
        h = min(float(step), t_end - t)
        y = np.clip(y + h * frontier._rows(y, taus), 0.0, 1.0)
        t = t + h
        years.append(t)
        vals.append(y)
    return years, np.vstack(vals)


def required_percentile(
    frontier: Frontier,
    start: float,
    start_year: float,
    target: float,
    target_year: float,
    *,
    tau_lo: float = 0.01,
    tau_hi: float = 0.99,
    step: float = 1,
    tol: float = 1e-4,
) -> float | None:
    """Smallest peer percentile ``tau*`` whose path reaches the target in time.

    ``tau* = min{tau in [tau_lo, tau_hi] : percentile_path(tau)[T] >= target}``,
    found by a scan over a 0.01 grid followed by bisection (to ``tol``).

    Parameters
    ----------
    frontier : Frontier
    start, target : float
        Shares in [0, 1].
    start_year, target_year : float
        ``target_year`` must be after ``start_year``.
    tau_lo, tau_hi : float
        Search range. Percentiles outside the fitted ``frontier.taus`` use
        the nearest fitted curve, so a result equal to ``tau_lo`` means
        "at or below the lowest fitted percentile".
    step : float
        Step of the path in years.
    tol : float
        Precision of ``tau*``.

    Returns
    -------
    float or None
        ``tau*``; ``None`` if even ``tau_hi`` does not reach the target
        (historically unprecedented).
    """
    _check_years(start_year, target_year)

    def reaches(tau):
        return _paths(frontier, start, start_year, target_year, np.array([tau]), step)[1][-1, 0] >= target

    grid = np.unique(np.r_[np.arange(tau_lo, tau_hi, 0.01), tau_hi])
    hits = list(_paths(frontier, start, start_year, target_year, grid, step)[1][-1] >= target)
    if not any(hits):
        return None
    i = hits.index(True)
    if i == 0:
        return float(grid[0])
    lo, hi = float(grid[i - 1]), float(grid[i])
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if reaches(mid):
            hi = mid
        else:
            lo = mid
    return hi


@dataclass(frozen=True)
class SpeedMultiple:
    """Required speed as a multiple of the median peer speed (``sdgtrackr`` speed path).

    Attributes
    ----------
    multiple : float
        ``s* = (t(y*) - t(y_start)) / (T - t1)``; 2 means twice the typical
        speed. NaN when it cannot be computed (see ``reason``); 0 when the
        target is already reached.
    years_at_median : float
        ``t(y*) - t(y_start)``: years a unit moving at the median speed
        needs, NaN if it never gets there.
    reason : str
        Empty when computed; otherwise why not (plain language).
    """

    multiple: float
    years_at_median: float
    reason: str = ""

    def __float__(self) -> float:
        return float(self.multiple)


def speed_multiple(
    frontier: Frontier,
    start: float,
    start_year: float,
    target: float,
    target_year: float,
    grid: float = 0.001,
) -> SpeedMultiple:
    """How many times the median peer speed the target needs.

    Time at median speed from ``start`` to ``target``:
    ``t = sum_k g_k / Q_0.5(change | y_k)``, over steps ``g_k = grid`` (the
    last one shorter) with ``y_k`` the midpoint of each step; then
    ``s* = t / (T - t1)``. If the median change is <= 0 anywhere between
    the start and the target, a unit at median speed never arrives: the
    speed method "cannot be computed" (as in ``sdgtrackr``) and the result
    is NaN with a reason.

    Parameters
    ----------
    frontier : Frontier
    start, target : float
        Shares in [0, 1].
    start_year, target_year : float
    grid : float, default 0.001
        Level step (share; 0.001 = 0.1 point).

    Returns
    -------
    SpeedMultiple
    """
    years = _check_years(start_year, target_year)
    if grid <= 0:
        raise ValueError(f"grid must be positive; got {grid!r}.")
    y0, ys = float(start), float(target)
    if ys <= y0:
        return SpeedMultiple(0.0, 0.0, "target already reached")
    edges = np.r_[np.arange(y0, ys, grid), ys]
    edges = edges[np.r_[True, np.diff(edges) > 0]]
    widths = np.diff(edges)
    mids = edges[:-1] + widths / 2
    q = np.asarray(frontier.quantile_change(mids, 0.5), float)
    if np.any(q <= 0):
        where = mids[q <= 0][0]
        return SpeedMultiple(math.nan, math.nan,
                             f"cannot be computed: the median peer change is not positive at "
                             f"{_pct(where)}, so a unit at median speed never reaches the target")
    t = float(np.sum(widths / q))
    return SpeedMultiple(t / years, t)
