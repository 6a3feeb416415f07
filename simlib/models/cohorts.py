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
   before a merger), each with its count or, without one, its cohort projected
   from its own history in the province panel; else its own cohort projected
   from the panel (:func:`project_cohort`: the GSO pupils of the former
   provinces whose area it holds, summed, and the counts the province
   published), with an 80 % interval.
4. Partial counts: when some children report counts and others do not, the
   parent's figure is kept; the reporting children take their counts and the
   rest is shared among the others (population, else equal shares). If the
   reports leave the others less than their share, the parent is raised to
   the sum and ``notes`` says why: never fewer students than the province
   figure.
5. Otherwise the cohort is unknown: the run uses 1,000 graduates per unit
   (so counts read "per 1,000") and says so (``known = False``).

A count reported as a range uses its midpoint; a lower bound only ("over
21,000") uses the bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from simlib.evidence.series import ObservationIndex, count_series
from simlib.vocab import count_for_year

__all__ = ["Cohort", "latest_count", "count_series", "cohort_matrix", "PER_THOUSAND", "CohortProjection",
           "project_cohort", "PROXY_LOG_SD"]

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
    low, high : ndarray (units, years) or None
        80 % interval of ``values`` (students): a unit's own count has none (low = high); a cohort projected
        from the province panel has the projection's; a unit sharing a remainder has its share of the
        remainder's interval (the split itself is an assumption).
    notes : tuple of str
        What the rules did that a reader must know (e.g. a province figure raised to its communes' sum).
    projections : mapping
        geo id -> :class:`CohortProjection` for every unit whose cohort was projected from the panel.
    """

    values: np.ndarray
    known: bool
    weights: np.ndarray
    source: tuple[str, ...]
    illustrative: bool = False
    low: np.ndarray | None = None
    high: np.ndarray | None = None
    notes: tuple[str, ...] = ()
    projections: Mapping[str, CohortProjection] = field(default_factory=dict)


def latest_count(observations: pd.DataFrame, geography: str, indicator: str) -> float:
    """The latest count of ``indicator`` for a geography (NaN when none)."""
    s = count_series(observations, geography, indicator)
    return float(s.iloc[-1]) if len(s) else float("nan")


def _share_remainder(values, low, high, src, notes, units, years, reporting, silent, context,
                     population_item) -> bool:
    """Fill the silent sub-units (in place): they share what the first unit's figure leaves after the reporting
    ones; raise the first unit (with a note) when the reports exceed it. Returns True for an equal split."""
    y = len(years)
    kids = units[1:]
    equal = False
    if np.isfinite(values[0]).all() and silent:
        pop = context[(context["item"] == population_item) & context["geography"].isin(kids)]
        pmap = dict(zip(pop["geography"], pd.to_numeric(pop["value"], errors="coerce")))
        pall = np.array([pmap.get(g, np.nan) for g in kids], dtype=float)
        psil = np.array([pmap.get(units[j], np.nan) for j in silent], dtype=float)
        if np.isfinite(psil).all() and psil.sum() > 0:
            ws, wsrc = psil / psil.sum(), f"shares of {population_item}"
            their_share = psil.sum() / pall[np.isfinite(pall)].sum()
        else:
            ws, equal = np.full(len(silent), 1.0 / len(silent)), True
            wsrc = "equal split: no sub-unit counts or populations (ILLUSTRATIVE)"
            their_share = len(silent) / len(kids)
        rep_sum = values[reporting].sum(axis=0) if reporting else np.zeros(y)
        remainder = values[0] - rep_sum
        short = remainder < 0
        if short.any():  # the reports exceed the figure: the others keep their share of it, the figure is raised
            bad = [str(yy) for yy, s_ in zip(years, short) if s_]
            remainder = np.where(short, values[0] * their_share, remainder)
            values[0] = np.where(short, rep_sum + remainder, values[0])
            low[0], high[0] = np.maximum(low[0], values[0] * short), np.maximum(high[0], values[0])
            notes.append(f"in {', '.join(bad)} the {len(reporting)} reporting sub-units' counts add up to more than "
                         f"{units[0]}'s figure: the {len(silent)} others keep their share of that figure and "
                         f"{units[0]} is raised to the sum (never fewer students than the province figure)")
        for k, j in enumerate(silent):
            values[j] = remainder * ws[k]
            low[j] = np.maximum(low[0] - rep_sum, 0.0) * ws[k]
            high[j] = np.maximum(high[0] - rep_sum, remainder) * ws[k]
            src[j] = (f"{100 * ws[k]:.1f} % of what {units[0]}'s figure leaves after the {len(reporting)} reporting "
                      f"sub-units ({wsrc})" if reporting else f"{100 * ws[k]:.1f} % of {units[0]} ({wsrc})")
    return equal


def _fill_years(series: pd.Series, years: Sequence[int], growth: float) -> np.ndarray:
    out = np.empty(len(years))
    counts = series.to_dict()
    for k, y in enumerate(years):
        value, ref = count_for_year(counts, y)  # the year's own, else the latest before, else the earliest after
        out[k] = value * (1.0 + growth) ** (y - ref)
    return out


def _own_counts_and_panel(counts: pd.Series, panel: pd.DataFrame | None, figures: pd.DataFrame | None, geo: str,
                          years: list[int], indicator: str) -> CohortProjection | None:
    """A projection from a unit's counts and its later panel history, where the panel runs past its last count."""
    if not len(counts) or panel is None or panel.empty:
        return None
    from simlib.evidence.panel import cohort_history
    hist = cohort_history(panel, geo, figures)
    if not (len(hist) and int(hist["year"].max()) > int(counts.index.max())):
        return None
    hist = pd.concat([hist[~hist["year"].isin(counts.index)],
                      pd.DataFrame({"year": counts.index.astype(int), "value": counts.to_numpy(float),
                                    "kind": indicator, "obs_ids": "", "derivation": "count (observations)"})])
    return project_cohort(hist.sort_values("year"), years, geography=geo)


def _panel_projection(panel: pd.DataFrame | None, figures: pd.DataFrame | None, geo: str,
                      years: list[int]) -> CohortProjection | None:
    """A unit's cohort projected from its own panel history (a former province: its own rows), or None."""
    if panel is None or panel.empty:
        return None
    from simlib.evidence.panel import cohort_history
    hist = cohort_history(panel, geo, figures)
    if hist.empty and geo in set(panel["geography"]):  # a former province: its own rows
        hist = cohort_history(panel[panel["geography"] == geo].assign(successor=geo), geo)
    if hist.empty:
        return None
    return project_cohort(hist, years, geography=geo)


def _sum_of_former_units(observations: pd.DataFrame, components: Sequence[str], indicator: str, years: list[int],
                         growth: float, from_panel) -> tuple[np.ndarray, np.ndarray, np.ndarray, str] | None:
    """(graduates, low, high, source) of a merged unit as the sum of its former units, each from its counts or its
    panel projection; None when one of them has neither."""
    parts, lo, hi, words = [], [], [], []
    for g in components:
        c = count_series(observations, g, indicator)
        if len(c):
            v = _fill_years(c, years, growth)
            parts.append(v)
            lo.append(v)
            hi.append(v)
            words.append(f"{g}: {indicator} ({', '.join(map(str, c.index))})")
            continue
        pr = from_panel(g)
        if pr is None:
            return None
        parts.append(pr.predict(years))
        a, b = pr.interval(years)
        lo.append(a)
        hi.append(b)
        words.append(f"{g}: projected from its own figures ({pr.n_points} years; {pr.method})")
    if not parts:
        return None
    return sum(parts), sum(lo), sum(hi), f"sum of the former units ({'; '.join(words)})"


def cohort_matrix(observations: pd.DataFrame, context: pd.DataFrame, units: Sequence[str], years: Sequence[int],
                  *, indicator: str = "thcs_graduates", growth: float = 0.0,
                  population_item: str = "population_2019_census", components: Sequence[str] = (),
                  panel: pd.DataFrame | None = None, figures: pd.DataFrame | None = None) -> Cohort:
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
    panel, figures : DataFrame, optional
        The province panel (``Bundle.panel``, ``Bundle.province_figures``): a
        unit (the run's geography or a former province) without counts takes
        its cohort projected from its own history there
        (:func:`project_cohort`), with an interval.

    Returns
    -------
    Cohort
        Rules in the module docstring. Partial sub-unit counts never lower the
        first unit's figure: reporting sub-units keep their counts, the others
        share what remains; when the reports add up to more than the figure,
        the others keep their share of it, the figure is raised to the sum and
        ``notes`` says so.
    """
    units, years = list(units), [int(y) for y in years]
    u, y = len(units), len(years)
    observations = ObservationIndex(observations)  # each unit's counts a look-up (a country has thousands)
    own = {g: count_series(observations, g, indicator) for g in units}
    values = np.full((u, y), np.nan)
    low = np.full((u, y), np.nan)
    high = np.full((u, y), np.nan)
    src = [""] * u
    notes: list[str] = []
    projections: dict[str, CohortProjection] = {}
    for j, g in enumerate(units):
        if len(own[g]):
            values[j] = low[j] = high[j] = _fill_years(own[g], years, growth)
            src[j] = f"{indicator} of {g} ({', '.join(str(k) for k in own[g].index)})"
    kids = units[1:]
    # the run's geography: counts older than its panel history give way to a projection from both
    pr = _own_counts_and_panel(own[units[0]], panel, figures, units[0], years, indicator)
    if pr is not None:
        projections[units[0]] = pr
        values[0] = pr.predict(years)
        low[0], high[0] = pr.interval(years)
        src[0] = (f"projected from {units[0]}'s own figures: its {indicator} counts "
                  f"({', '.join(map(str, own[units[0]].index))}) and the later province panel ({pr.n_points} "
                  f"years; {pr.method})")
    reporting = [j for j in range(1, u) if np.isfinite(values[j]).all()]
    silent = [j for j in range(1, u) if j not in reporting]

    def from_panel(geo: str) -> CohortProjection | None:
        pr = _panel_projection(panel, figures, geo, years)
        if pr is not None:
            projections[geo] = pr
        return pr

    # the first unit: own counts > its sub-units' sum (all report) > its former units > its own panel history
    if np.isnan(values[0]).any() and kids and not silent:
        values[0] = low[0] = high[0] = values[1:].sum(axis=0)
        src[0] = f"sum of the {len(kids)} sub-units' {indicator}"
    if np.isnan(values[0]).any() and components:
        summed = _sum_of_former_units(observations, components, indicator, years, growth, from_panel)
        if summed is not None:
            values[0], low[0], high[0], src[0] = summed
    if np.isnan(values[0]).any():
        pr = from_panel(units[0])
        if pr is not None:
            values[0] = pr.predict(years)
            low[0], high[0] = pr.interval(years)
            src[0] = (f"projected from {units[0]}'s own figures (province panel: {pr.n_points} years, "
                      f"{pr.n_source_figures} source figures; {pr.method}); the grade-9 cohort stands for "
                      "its graduates")
    # sub-units without counts share what the first unit's figure leaves (population, else equal shares)
    w = np.full(u, np.nan)
    w[0] = 1.0
    equal = _share_remainder(values, low, high, src, notes, units, years, reporting, silent, context,
                             population_item)
    if np.isfinite(values).all() and u > 1 and values[1:, 0].sum() > 0:
        w[1:] = values[1:, 0] / values[1:, 0].sum()
    known = bool(np.isfinite(values).all())
    flagged = observations.rows_of(list(units) + list(components), indicator)
    illustrative = known and (equal or ("flags" in flagged.columns and
                                        flagged["flags"].fillna("").astype(str).str.contains("illustrative").any()))
    if not known:
        values = np.full((u, y), PER_THOUSAND)
        low = high = None
        src = [f"unknown: {PER_THOUSAND:,.0f} graduates assumed (counts are per 1,000)"] * u
    return Cohort(values, known, w, tuple(src), bool(illustrative), low=low, high=high, notes=tuple(notes),
                  projections=MappingProxyType(projections))


# --------------------------------------------------------------------------------------------------------------
# the province's own cohort: projected from its history (the province panel), with uncertainty
# --------------------------------------------------------------------------------------------------------------
#: Log-scale sd added to every projected year for what the proxy does not measure (THCS stock / 4 is the mean
#: grade size, not grade 9; graduates are fewer than grade-9 pupils). A judgement, stated in data/README.md.
PROXY_LOG_SD = 0.05


@dataclass(frozen=True)
class CohortProjection:
    """A province's grade-9 cohort projected from its own history.

    Attributes
    ----------
    geography : str
    history : DataFrame
        The points fitted and the others (``year``, ``value`` students, ``kind``, ``obs_ids``, ``derivation``,
        ``used`` True for the points of the fit).
    table : DataFrame
        ``year``, ``median``, ``low``, ``high`` (students; ``level`` central interval), ``kind``
        (``history`` for a year with a figure, ``projection`` otherwise).
    slope : float
        Fitted yearly growth (log points per year, about a fraction per year).
    level : float
        Coverage of ``low``-``high`` (0-1).
    method : str
        The fit in words (for reports and ``derivation``).
    """

    geography: str
    history: pd.DataFrame
    table: pd.DataFrame
    slope: float
    level: float
    method: str

    @property
    def n_points(self) -> int:
        """Figures of the province the fit rests on (years)."""
        return int(self.history["used"].sum())

    @property
    def n_source_figures(self) -> int:
        """Distinct source rows behind the fitted points (a merged province's year sums several)."""
        ids = set()
        for s in self.history.loc[self.history["used"], "obs_ids"]:
            ids.update(x for x in str(s).split(";") if x)
        return len(ids)

    def predict(self, years: Sequence[int]) -> np.ndarray:
        """Median cohort (students) for ``years``."""
        t = self.table.set_index("year")
        return np.array([float(t.at[int(y), "median"]) for y in years])

    def interval(self, years: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        t = self.table.set_index("year")
        return (np.array([float(t.at[int(y), "low"]) for y in years]),
                np.array([float(t.at[int(y), "high"]) for y in years]))

    def summary(self) -> str:
        last = self.table.iloc[-1]
        return (f"{self.geography}: grade-9 cohort {int(last['year'])} {last['median']:,.0f} "
                f"({100 * self.level:.0f} % interval {last['low']:,.0f}-{last['high']:,.0f}); {self.method}")


def project_cohort(history: pd.DataFrame, years: Sequence[int], *, geography: str = "", n_fit: int = 8,
                   level: float = 0.8, proxy_log_sd: float = PROXY_LOG_SD) -> CohortProjection:
    """Project a cohort from its yearly history: a log-linear trend over the latest points, with a
    prediction interval.

    Parameters
    ----------
    history : DataFrame
        ``year``, ``value`` (students), optionally ``kind``, ``obs_ids``, ``derivation``
        (:func:`simlib.evidence.panel.cohort_history`).
    years : sequence of int
        Years wanted (school years' ends).
    n_fit : int
        Latest points fitted (years).
    level : float
        Central coverage of the interval (0-1).
    proxy_log_sd : float
        Log-scale sd added in quadrature for what the proxy does not measure.

    Returns
    -------
    CohortProjection
        A year with a figure keeps it (interval: the figure times exp(+-z proxy_log_sd)); other years take the
        trend's median and a Student-t prediction interval (ordinary least squares on log counts).
    """
    from scipy import stats

    h = history.sort_values("year").reset_index(drop=True).copy()
    for c in ("kind", "obs_ids", "derivation"):
        if c not in h.columns:
            h[c] = ""
    h = h[np.isfinite(h["value"].astype(float)) & (h["value"].astype(float) > 0)]
    if h.empty:
        raise ValueError("no positive figure to project a cohort from")
    used = h.index >= len(h) - n_fit
    h["used"] = used
    x = h.loc[used, "year"].to_numpy(float)
    ylog = np.log(h.loc[used, "value"].to_numpy(float))
    n = len(x)
    z = stats.norm.ppf(0.5 + level / 2)
    if n >= 3:
        xm = x.mean()
        sxx = float(((x - xm) ** 2).sum())
        slope = float(((x - xm) * (ylog - ylog.mean())).sum() / sxx) if sxx > 0 else 0.0
        icpt = float(ylog.mean() - slope * xm)
        resid = ylog - (icpt + slope * x)
        s2 = float((resid ** 2).sum() / (n - 2))
        tq = stats.t.ppf(0.5 + level / 2, n - 2)
        method = (f"log-linear trend over {n} figures ({int(x[0])}-{int(x[-1])}), {100 * slope:+.1f} % a year; "
                  f"{100 * level:.0f} % Student-t prediction interval, widened by a {proxy_log_sd:.2f} log-sd for the "
                  f"proxy")
    else:  # too few points for a trend: flat from the latest, a wide interval (a 10 % log-sd per year of distance)
        slope, icpt, s2, tq, xm, sxx = 0.0, float(ylog[-1]), 0.0, z, float(x[-1]), float("inf")
        method = f"flat from the latest figure ({int(x[-1])}): too few figures for a trend"
    known = dict(zip(h["year"].astype(int), h["value"].astype(float)))
    rows = []
    for yr in (int(v) for v in years):
        if yr in known:
            v = known[yr]
            rows.append({"year": yr, "median": v, "low": v * np.exp(-z * proxy_log_sd),
                         "high": v * np.exp(z * proxy_log_sd), "kind": "history"})
            continue
        mu = icpt + slope * yr
        if np.isfinite(sxx):
            se = np.sqrt(s2 * (1 + 1 / n + (yr - xm) ** 2 / sxx))
        else:
            se = 0.10 * np.sqrt(abs(yr - xm))
        half = np.sqrt((tq * se) ** 2 + (z * proxy_log_sd) ** 2)
        rows.append({"year": yr, "median": float(np.exp(mu)), "low": float(np.exp(mu - half)),
                     "high": float(np.exp(mu + half)), "kind": "projection"})
    return CohortProjection(geography, h.reset_index(drop=True), pd.DataFrame(rows), slope, level, method)
