"""Monitoring (Circular 16/2026/TT-BGDĐT reporting): each unit's actual share against its path to the target.

Circular 16 asks provinces to plan and report every year, and communes to
follow young people after THCS and THPT. This module answers the yearly
question "which communes are behind this year?" from the observations a
province collects:

* the **path** to a target is the straight line (in percentage points) from
  the unit's baseline, its latest exact observation at or before the plan's
  start year (or, without one, its parent's), to the target value in the
  target year;
* each year with an observation up to ``as_of`` gets the **actual** share,
  the path's value, the **gap** (actual - path, points) and a status:
  ``behind`` only when the shortfall exceeds both ``tolerance_pts`` and what
  the unit's size explains: the path lies outside the binomial interval of
  the reported share (Jeffreys, ``level`` 0.9 by default, from
  ``statsmodels.stats.proportion.proportion_confint``; the size is the row's
  denominator, else the unit's graduate count of that year from
  ``size_indicator``). A commune of 40 graduates 5 points below its path is
  within noise (``on_track``); one of 4,000 is behind. Without any size the
  fixed tolerance alone decides and ``interval_*`` are empty. A year the
  unit did not report is ``no_report``;
* a unit's target is its own where the plan sets one, else the plan's target
  for the run's geography (the province's target applied to every commune).

Shares are fractions 0-1 in the API; the table carries percent columns
(``*_pct``) and gaps in percentage points (``gap_pts``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from simlib.evidence.series import series_for
from simlib.evidence.targets import threshold, used_targets

__all__ = ["STATUSES", "path_value", "monitoring_table", "share_interval"]

#: Status codes of a unit-year (labels in the glossary: ``monitor.<code>``).
STATUSES = ("on_track", "behind", "no_report")


def path_value(start: float, start_year: int, target: float, target_year: int, year: int | np.ndarray):
    """The straight-line path from ``start`` (``start_year``) to ``target`` (``target_year``), fractions.

    Examples
    --------
    >>> round(path_value(0.10, 2026, 0.30, 2030, 2028), 4)
    0.2
    """
    if target_year <= start_year:
        return np.full(np.shape(year), float(target)) if np.ndim(year) else float(target)
    frac = (np.asarray(year, dtype=float) - start_year) / (target_year - start_year)
    out = start + (target - start) * np.clip(frac, 0.0, 1.0)
    return float(out) if np.ndim(out) == 0 else out


def share_interval(share: float, n: float, level: float = 0.9, method: str = "jeffreys") -> tuple[float, float]:
    """Binomial interval (fractions) of a share reported for ``n`` students; (NaN, NaN) when ``n`` is unknown.

    Examples
    --------
    >>> lo, hi = share_interval(0.5, 40)
    >>> round(lo, 3), round(hi, 3)
    (0.373, 0.627)
    """
    if not (np.isfinite(n) and n > 0 and np.isfinite(share)):
        return float("nan"), float("nan")
    k = float(np.clip(share, 0.0, 1.0)) * float(n)
    lo, hi = proportion_confint(k, float(n), alpha=1.0 - level, method=method)
    return float(lo), float(hi)


def _size(observations: pd.DataFrame, unit: str, obs_id: str, year: int, size_indicator: str) -> float:
    o = observations
    if "denominator" in o.columns:
        d = pd.to_numeric(o.loc[o["obs_id"].astype(str) == obs_id, "denominator"], errors="coerce").dropna()
        if len(d) and d.iloc[0] > 0:
            return float(d.iloc[0])
    if size_indicator:
        sel = o[(o["geography"] == unit) & (o["indicator"] == size_indicator) & (o["year"] == year)]
        if len(sel) and "value" in sel.columns:
            v = pd.to_numeric(sel["value"], errors="coerce").dropna()
            if len(v) and v.iloc[-1] > 0:
                return float(v.iloc[-1])
    return float("nan")


def _baseline(observations: pd.DataFrame, unit: str, indicator: str, start_year: int):
    """(year, share, obs_id) of a unit's latest exact observation at or before ``start_year``, or None."""
    pts = [o for o in series_for(observations, unit, indicator)
           if o.value_share is not None and o.year_first in (None, o.year) and o.year <= start_year]
    if not pts:
        return None
    o = max(pts, key=lambda x: x.year)
    return o.year, float(o.value_share), o.obs_id


def monitoring_table(observations: pd.DataFrame, targets: pd.DataFrame, *, geography: str, units: Sequence[str],
                     indicator: str, start_year: int, as_of: int, tolerance_pts: float = 1.0,
                     names: dict[str, str] | None = None, level: float = 0.9,
                     size_indicator: str = "thcs_graduates") -> pd.DataFrame:
    """One row per unit and year (``start_year``+1 .. ``as_of``): actual vs path, gap and status.

    Parameters
    ----------
    observations : DataFrame
        Bundled plus planner observations (:meth:`simlib.inputs.bundle.Bundle.with_planner_data`).
    targets : DataFrame
        The plan's target rows (library format); the used variant is taken.
    geography : str
        The run's geography (its target applies to units without their own).
    units : sequence of str
        Units to monitor (the geography may be among them).
    indicator : str
    start_year : int
        The plan's start: baselines are the latest observations at or before it.
    as_of : int
        "Today": the last year reported on.
    tolerance_pts : float
        A unit is ``behind`` only when its actual is more than this many percentage points below its path
        (and, when its size is known, the path is outside its binomial interval).
    names : dict geo id -> name, optional
    level : float
        Coverage (0-1) of the binomial interval of a reported share.
    size_indicator : str
        Count indicator giving a unit's graduates in a year, for figures reported without a denominator.

    Returns
    -------
    DataFrame
        Columns unit, unit_name, indicator, year, target_year, target_pct, baseline_year, baseline_pct,
        path_pct, actual_pct, gap_pts, n_students (the size the interval rests on; NaN when unknown),
        interval_low_pct, interval_high_pct (the binomial interval of the actual), status, target_of, source.
        Empty when the plan has no target for the indicator.
    """
    t = used_targets(targets[targets["indicator"] == indicator])
    own = {r["geography"]: r for r in t.to_dict("records")}
    top = own.get(geography)
    cols = ["unit", "unit_name", "indicator", "year", "target_year", "target_pct", "baseline_year", "baseline_pct",
            "path_pct", "actual_pct", "gap_pts", "n_students", "interval_low_pct", "interval_high_pct", "status",
            "target_of", "source"]
    if top is None and not own:
        return pd.DataFrame(columns=cols)
    names = names or {}
    top_base = _baseline(observations, geography, indicator, start_year)
    rows = []
    for unit in units:
        trow = own.get(unit, top)
        if trow is None:
            continue
        thr = threshold(trow)
        base = _baseline(observations, unit, indicator, start_year) or top_base
        if base is None:
            continue
        y0, v0, _ = base
        ty = int(trow["year"])
        actual = {o.year: o for o in series_for(observations, unit, indicator)
                  if o.value_share is not None and o.year_first in (None, o.year)}
        for year in range(start_year + 1, min(as_of, ty) + 1):
            path = path_value(v0, y0, thr.value, ty, year)
            o = actual.get(year)
            size, lo, hi = np.nan, np.nan, np.nan
            if o is None:
                gap, status, act, src = np.nan, "no_report", np.nan, ""
            else:
                act = float(o.value_share)
                gap = 100.0 * (act - path) if thr.at_least else 100.0 * (path - act)
                size = _size(observations, unit, o.obs_id, year, size_indicator)
                lo, hi = share_interval(act, size, level)
                explained = np.isfinite(lo) and lo <= path <= hi
                status = "behind" if gap < -tolerance_pts and not explained else "on_track"
                src = o.obs_id
            rows.append({"unit": unit, "unit_name": names.get(unit, unit), "indicator": indicator, "year": year,
                         "target_year": ty, "target_pct": 100.0 * thr.value, "baseline_year": y0,
                         "baseline_pct": 100.0 * v0, "path_pct": 100.0 * path, "actual_pct": 100.0 * act,
                         "gap_pts": gap, "n_students": size, "interval_low_pct": 100.0 * lo,
                         "interval_high_pct": 100.0 * hi, "status": status,
                         "target_of": "own" if unit in own else geography, "source": src})
    return pd.DataFrame(rows, columns=cols)
