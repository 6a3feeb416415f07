"""Cohort sizes for a run: how many graduates each unit has each year, from the evidence.

The flow engine needs THCS graduates per unit and year (students). They come
from count observations (``thcs_graduates`` in the bundled data or a
planner's file), by these rules, the same for every province:

1. A unit's own count for a year is used for that year; years without one
   take the unit's latest count before them (or its earliest after them),
   grown at ``growth`` per year from that count's year.
2. A unit without counts takes a share of its parent's cohort: the share of
   its weight among the parent's children (planner-supplied graduate counts
   of any year, else the 2019 census population in ``context.csv``); when
   nothing tells the children apart, an equal split, flagged illustrative.
3. A parent without a count of its own is the sum of its children when every
   child has one, else the sum of the former units it succeeds (the provinces
   before a merger) when every one of them has a count.
4. Otherwise the cohort is unknown: the run uses 1,000 graduates per unit
   (so counts read "per 1,000") and says so (``known = False``).

A count reported as a range uses its midpoint; a lower bound only ("over
21,000") uses the bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simlib.evidence.series import count_value

__all__ = ["Cohort", "latest_count", "count_series", "cohort_matrix", "PER_THOUSAND"]

#: Graduates per unit used when no cohort size is known (outputs read "per 1,000 graduates").
PER_THOUSAND = 1000.0


@dataclass(frozen=True)
class Cohort:
    """Graduates per unit and year.

    Attributes
    ----------
    values : ndarray (units, years)
        Students.
    known : bool
        False when no count exists for the run's geography or its units (values
        are then 1,000 per unit).
    weights : ndarray (units,)
        Each unit's share of the first unit's cohort (1 for the first unit; NaN where unknown).
    source : tuple of str
        One line per unit saying where its numbers come from.
    illustrative : bool
        True when a count used is flagged ``illustrative`` (an assumption, not a figure).
    """

    values: np.ndarray
    known: bool
    weights: np.ndarray
    source: tuple[str, ...]
    illustrative: bool = False


def _point(row) -> float:
    """A count observation as one number: the value, a range's midpoint, or a lower bound."""
    return count_value(row.get("value"), row.get("low"), row.get("high"))


def count_series(observations: pd.DataFrame, geography: str, indicator: str) -> pd.Series:
    """Counts of ``indicator`` for one geography by year (totals only; the latest row wins a tie).

    Returns
    -------
    Series
        Index year (int), values students (float); empty when none.
    """
    o = observations
    sel = o[(o["geography"] == geography) & (o["indicator"] == indicator) & o["year"].notna()]
    if "breakdown" in sel.columns:
        sel = sel[sel["breakdown"].isna() | (sel["breakdown"].astype(str).str.strip() == "")]
    if sel.empty:
        return pd.Series(dtype=float)
    vals = {int(r["year"]): _point(r) for r in sel.to_dict("records")}
    s = pd.Series(vals, dtype=float).dropna().sort_index()
    return s


def latest_count(observations: pd.DataFrame, geography: str, indicator: str) -> float:
    """The latest count of ``indicator`` for a geography (NaN when none)."""
    s = count_series(observations, geography, indicator)
    return float(s.iloc[-1]) if len(s) else float("nan")


def _fill_years(series: pd.Series, years: Sequence[int], growth: float) -> np.ndarray:
    out = np.empty(len(years))
    known_years = series.index.to_numpy()
    for k, y in enumerate(years):
        if y in series.index:
            out[k] = series.loc[y]
            continue
        before = known_years[known_years < y]
        ref = int(before[-1]) if len(before) else int(known_years[0])
        out[k] = series.loc[ref] * (1.0 + growth) ** (y - ref)
    return out


def cohort_matrix(observations: pd.DataFrame, context: pd.DataFrame, units: Sequence[str], years: Sequence[int],
                  *, indicator: str = "thcs_graduates", growth: float = 0.0,
                  population_item: str = "population_2019_census", components: Sequence[str] = ()) -> Cohort:
    """Graduates per unit and year for a run whose first unit contains the others.

    Parameters
    ----------
    observations : DataFrame
        The run's observations (bundled plus planner data), with count rows.
    context : DataFrame
        ``context.csv`` (population weights).
    units : sequence of str
        geo ids; the first is the run's geography, the others its sub-units.
    years : sequence of int
    indicator : str
        Count indicator of the cohort (``thcs_graduates``).
    growth : float
        Yearly growth applied from the nearest earlier count (fraction per year).
    population_item : str
        ``context.item`` giving population weights.
    components : sequence of str
        Former units whose sum stands for the first unit when it has no count
        of its own (a merged province's former provinces).

    Returns
    -------
    Cohort
    """
    units, years = list(units), [int(y) for y in years]
    u, y = len(units), len(years)
    own = {g: count_series(observations, g, indicator) for g in units}
    values = np.full((u, y), np.nan)
    src = [""] * u
    for j, g in enumerate(units):
        if len(own[g]):
            values[j] = _fill_years(own[g], years, growth)
            src[j] = f"{indicator} of {g} ({', '.join(str(k) for k in own[g].index)})"
    kids = units[1:]
    # weights among the sub-units: own counts (any year, the latest) > census population
    w = np.full(u, np.nan)
    w[0] = 1.0
    counts = np.array([float(own[g].iloc[-1]) if len(own[g]) else np.nan for g in kids])
    if kids and np.isfinite(counts).all() and counts.sum() > 0:
        w[1:] = counts / counts.sum()
        wsrc = f"shares of {indicator}"
    else:
        pop = context[(context["item"] == population_item) & context["geography"].isin(kids)]
        pmap = dict(zip(pop["geography"], pd.to_numeric(pop["value"], errors="coerce")))
        pv = np.array([pmap.get(g, np.nan) for g in kids], dtype=float)
        if kids and np.isfinite(pv).all() and pv.sum() > 0:
            w[1:] = pv / pv.sum()
        wsrc = f"shares of {population_item}"
    if np.isnan(values[0]).any() and kids and np.isfinite(values[1:]).all():
        values[0] = values[1:].sum(axis=0)
        src[0] = f"sum of the {len(kids)} sub-units' {indicator}"
    comp = {g: count_series(observations, g, indicator) for g in components}
    if np.isnan(values[0]).any() and comp and all(len(c) for c in comp.values()):
        values[0] = sum(_fill_years(c, years, growth) for c in comp.values())
        src[0] = f"sum of the former units {', '.join(comp)} ({indicator})"
    equal = False
    if np.isfinite(values[0]).all() and kids:
        if not np.isfinite(w[1:]).any() and np.isnan(values[1:]).all():
            # nothing tells the sub-units apart: an equal split keeps the parent's counts (flagged illustrative)
            w[1:] = 1.0 / len(kids)
            wsrc, equal = "equal split: no sub-unit counts or populations (ILLUSTRATIVE)", True
        for j in range(1, u):
            if np.isnan(values[j]).any() and np.isfinite(w[j]):
                values[j] = values[0] * w[j]
                src[j] = f"{100 * w[j]:.1f} % of {units[0]} ({wsrc})"
    known = bool(np.isfinite(values).all())
    flagged = observations[observations["geography"].isin(list(units) + list(components))
                           & (observations["indicator"] == indicator)]
    illustrative = known and (equal or ("flags" in flagged.columns and
                                        flagged["flags"].fillna("").astype(str).str.contains("illustrative").any()))
    if not known:
        values = np.full((u, y), PER_THOUSAND)
        src = [f"unknown: {PER_THOUSAND:,.0f} graduates assumed (counts are per 1,000)"] * u
    return Cohort(values, known, w, tuple(src), bool(illustrative))
