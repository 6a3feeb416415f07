"""The words every stage shares: quantile columns, fan levels, track groups, a unit's count for a year.

This module sits at the bottom of the import order (beside
:mod:`simlib.errors` and :mod:`simlib.logit`): it imports nothing from
simlib, reads no file and holds no state, so every stage can use it.

* **Quantile columns**: a quantile ``p`` of the draws is the column
  :func:`qname` ``(p)`` (``q0.1``, ``q0.5``, ``q0.9``); a percent column adds
  ``_pct`` (:func:`qname_pct`).
* **Intervals**: one central value (the median) with its **80 % interval**
  (:data:`INTERVAL`, the 10th and 90th percentiles) everywhere a single
  interval is shown; fan charts draw the bands of :data:`FAN_BANDS`
  (80 % and 50 %) from the quantiles :data:`FAN_PROBS`.
* **Track groups**: which destination tracks make a group (``vocational``:
  sơ cấp, trung cấp, trung học nghề, cao đẳng) is data: the destinations of
  one indicator of the registry (``data/indicators.csv``), named in
  :data:`TRACK_GROUP_INDICATORS` and read by :func:`track_group`.
* **A unit's count for a year** (graduates, places): :func:`count_for_year`
  is the one rule the evidence (weights of an aggregate), the cohort and the
  audit use: the year's own count, else the latest before it, else the
  earliest after it.

Examples
--------
>>> qname(0.1), qname_pct(0.9)
('q0.1', 'q0.9_pct')
>>> INTERVAL, interval_columns()
((0.1, 0.9), ('q0.1', 'q0.9'))
>>> count_for_year({2019: 20_000.0, 2023: 21_000.0}, 2021)
(20000.0, 2019)
>>> count_for_year({2023: 21_000.0}, 2020)
(21000.0, 2023)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

__all__ = ["qname", "qname_pct", "INTERVAL", "INTERVAL_LEVEL", "MEDIAN", "interval_columns", "FAN_PROBS",
           "FAN_BANDS", "CHART_FAN_PROBS", "TRACK_GROUP_INDICATORS", "track_group", "count_for_year",
           "draw_quantiles"]

#: The median, the one central value of every answer.
MEDIAN = 0.5

#: The one interval shown beside a median: the 10th and 90th percentiles (an 80 % interval).
INTERVAL: tuple[float, float] = (0.1, 0.9)

#: The level of :data:`INTERVAL` (fraction 0-1).
INTERVAL_LEVEL = INTERVAL[1] - INTERVAL[0]

#: Bands of a fan chart, outer first, as (low, high) quantiles: the 80 % and the 50 % interval.
FAN_BANDS: tuple[tuple[float, float], ...] = ((0.1, 0.9), (0.25, 0.75))

#: Quantiles kept for every unit's baseline fan by the assessment (the 90 %, 80 %, 70 %, 50 % and 30 % bands
#: and the median), so that a chart or a table can show any of them without the draws.
FAN_PROBS: tuple[float, ...] = (0.05, 0.1, 0.2, 0.25, 0.35, 0.5, 0.65, 0.75, 0.8, 0.9, 0.95)

#: Quantiles a fan chart draws: the bands of :data:`FAN_BANDS` and the median.
CHART_FAN_PROBS: tuple[float, ...] = (0.1, 0.25, 0.5, 0.75, 0.9)

#: Track groups and the registry indicator (``data/indicators.csv``) whose destinations define each.
TRACK_GROUP_INDICATORS: Mapping[str, str] = {"vocational": "vet_share_pooled"}


def qname(p: float) -> str:
    """The column of the quantile ``p`` (fraction 0-1) of the draws: ``q0.1``, ``q0.5``...

    >>> qname(0.05), qname(0.5)
    ('q0.05', 'q0.5')
    """
    return f"q{float(p):g}"


def qname_pct(p: float) -> str:
    """The column of the quantile ``p`` in percent: ``q0.1_pct``."""
    return qname(p) + "_pct"


def draw_quantiles(draws, probs: Sequence[float]) -> np.ndarray:
    """Quantiles over draws, ``np.quantile(draws, probs, axis=0)`` bit for bit, from one sort per cell.

    ``np.quantile`` partitions the draws of every cell once per order
    statistic it needs (two per quantile); this sorts each cell's draws once
    (contiguous, vectorised) and interpolates exactly as numpy's default
    ("linear") method does, so eleven quantiles cost about what one does.

    Parameters
    ----------
    draws : array_like (n, ...)
        Draws along the first axis (any unit: fractions, students, VND); a cell holding a NaN gives NaN.
    probs : sequence of float
        Quantile levels (fractions 0-1).

    Returns
    -------
    ndarray (len(probs), ...)
        In the units of ``draws``.

    Examples
    --------
    >>> x = np.arange(10.0).reshape(5, 2)
    >>> draw_quantiles(x, (0.1, 0.5)).tolist()
    [[0.8, 1.8], [4.0, 5.0]]
    """
    a = np.asarray(draws, dtype=float)
    q = np.asarray(probs, dtype=float)
    if a.ndim == 0 or a.shape[0] == 0 or q.ndim != 1 or not np.all((q >= 0) & (q <= 1)):
        return np.quantile(a, q, axis=0)  # numpy's errors and edge cases
    n, rest = a.shape[0], a.shape[1:]
    s = np.ascontiguousarray(a.reshape(n, -1).T)  # one row of draws per cell
    s.sort(axis=-1)  # NaN last
    vi = (n - 1) * q  # numpy's "linear" virtual index, then its neighbours and weight
    prev = np.floor(vi)
    nxt = prev + 1
    top = vi >= n - 1
    prev[top], nxt[top] = -1, -1
    prev, nxt = prev.astype(np.intp), nxt.astype(np.intp)
    gamma = np.asarray(vi - prev).reshape(-1, 1)
    lo, hi = s[:, prev].T, s[:, nxt].T
    diff = hi - lo
    out = np.add(lo, diff * gamma)
    np.subtract(hi, diff * (1 - gamma), out=out, where=gamma >= 0.5)
    nan = np.isnan(s[:, -1])
    if nan.any():
        np.copyto(out, s[:, -1], where=nan)
    return out.reshape((len(q),) + rest)


def interval_columns(pct: bool = False) -> tuple[str, str]:
    """The columns of the 80 % interval (:data:`INTERVAL`), fractions or (``pct``) percent."""
    f = qname_pct if pct else qname
    return f(INTERVAL[0]), f(INTERVAL[1])


def track_group(indicators, group: str) -> tuple[str, ...]:
    """The tracks of a group (e.g. ``vocational``), read from the registry table.

    Parameters
    ----------
    indicators : DataFrame or iterable of mappings
        Rows of ``data/indicators.csv`` (columns ``indicator_id`` and
        ``destinations``, tracks separated by ``;``).
    group : str
        A key of :data:`TRACK_GROUP_INDICATORS`.

    Returns
    -------
    tuple of str
        Track ids in the order the registry lists them.

    Examples
    --------
    >>> rows = [{"indicator_id": "vet_share_pooled", "destinations": "so_cap;trung_cap;cao_dang"}]
    >>> track_group(rows, "vocational")
    ('so_cap', 'trung_cap', 'cao_dang')
    """
    if group not in TRACK_GROUP_INDICATORS:
        raise KeyError(f"unknown track group {group!r}; groups: {', '.join(TRACK_GROUP_INDICATORS)}")
    wanted = TRACK_GROUP_INDICATORS[group]
    rows: Iterable = indicators.to_dict("records") if hasattr(indicators, "to_dict") else indicators
    for row in rows:
        if row.get("indicator_id") == wanted:
            return tuple(t.strip() for t in str(row.get("destinations") or "").split(";") if t.strip())
    raise KeyError(f"track group {group!r} is defined by indicator {wanted!r}, which the registry lacks "
                   "(data/indicators.csv)")


def count_for_year(counts: Mapping[int, float], year: int) -> tuple[float, int | None]:
    """A unit's count (students, places) for a year, and the year it comes from.

    The rule: the year's own count; else the latest count before the year;
    else the earliest after it; NaN (and None) when the unit has no count.
    Missing values (NaN) in ``counts`` are ignored.

    Parameters
    ----------
    counts : mapping year -> count
        The unit's counts by calendar year (one number per year).
    year : int

    Examples
    --------
    >>> count_for_year({2020: 900.0, 2022: 1_000.0}, 2022)
    (1000.0, 2022)
    >>> count_for_year({}, 2022)
    (nan, None)
    """
    known = {int(y): float(v) for y, v in counts.items() if v is not None and not math.isnan(float(v))}
    if not known:
        return float("nan"), None
    y = int(year)
    if y in known:
        return known[y], y
    before = [k for k in known if k < y]
    pick = max(before) if before else min(known)
    return known[pick], pick
