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
  ``on_track`` (gap >= -tolerance), ``behind`` (gap < -tolerance) or, for a
  year the unit did not report, ``no_report``;
* a unit's target is its own where the plan sets one, else the plan's target
  for the run's geography (the province's target applied to every commune).

Shares are fractions 0-1 in the API; the table carries percent columns
(``*_pct``) and gaps in percentage points (``gap_pts``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from simlib.evidence.series import series_for
from simlib.evidence.targets import threshold, used_targets

__all__ = ["STATUSES", "path_value", "monitoring_table"]

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
                     names: dict[str, str] | None = None) -> pd.DataFrame:
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
        A unit is ``behind`` when its actual is more than this many percentage points below its path.
    names : dict geo id -> name, optional

    Returns
    -------
    DataFrame
        Columns unit, unit_name, indicator, year, target_year, target_pct, baseline_year, baseline_pct,
        path_pct, actual_pct, gap_pts, status, target_of, source. Empty when the plan has no target for
        the indicator.
    """
    t = used_targets(targets[targets["indicator"] == indicator])
    own = {r["geography"]: r for r in t.to_dict("records")}
    top = own.get(geography)
    cols = ["unit", "unit_name", "indicator", "year", "target_year", "target_pct", "baseline_year", "baseline_pct",
            "path_pct", "actual_pct", "gap_pts", "status", "target_of", "source"]
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
            if o is None:
                gap, status, act, src = np.nan, "no_report", np.nan, ""
            else:
                act = float(o.value_share)
                gap = 100.0 * (act - path) if thr.at_least else 100.0 * (path - act)
                status = "behind" if gap < -tolerance_pts else "on_track"
                src = o.obs_id
            rows.append({"unit": unit, "unit_name": names.get(unit, unit), "indicator": indicator, "year": year,
                         "target_year": ty, "target_pct": 100.0 * thr.value, "baseline_year": y0,
                         "baseline_pct": 100.0 * v0, "path_pct": 100.0 * path, "actual_pct": 100.0 * act,
                         "gap_pts": gap, "status": status,
                         "target_of": "own" if unit in own else geography, "source": src})
    return pd.DataFrame(rows, columns=cols)
