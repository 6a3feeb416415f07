"""Observation series: which reported figures make up one unit's series of one indicator.

One home for the selection rules every model, chart and verdict uses:
totals only (a component route is not a further observation of its total),
the published reading of an ambiguous figure unless asked otherwise, shares
only (counts are skipped), years known. :class:`Observation` is one reported
share (a point, a range, a point with a standard error) with its provenance
flags; :func:`observations_from_frame` builds them from the data layer's
observation table and :func:`national_history` builds the national series
the trend priors are derived from.

Shares are fractions in (0, 1) throughout (0.1319 means 13.19 %).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simlib.errors import InputError
from simlib.vocab import count_for_year

__all__ = [
    "BASES", "SHARE_UNITS", "READINGS", "NATIONAL_GEOGRAPHY", "NATIONAL_INDICATOR", "SeriesError", "Observation", "check_share",
    "observations_from_frame", "national_history", "series_for", "aggregate_children", "sub_units", "unit_tree",
    "count_value", "count_series", "unit_count", "lineage_view", "unit_rows", "former_area_rows",
    "ObservationIndex",
]

BASES = ("same", "broader", "narrower", "unclear")


class SeriesError(InputError):
    """An observation or a series cannot be used as evidence; the message says which and why."""


def check_share(name: str, value: float | None, obs_id: str) -> None:
    """Raise :class:`SeriesError` unless ``value`` (fraction) is None or strictly inside (0, 1)."""
    if value is None:
        return
    if not (isinstance(value, (int, float, np.floating, np.integer)) and math.isfinite(value)):
        raise SeriesError(f"Observation {obs_id!r}: {name} must be a number, got {value!r}.")
    if not 0.0 < float(value) < 1.0:
        raise SeriesError(
            f"Observation {obs_id!r}: {name} = {value!r} is outside (0, 1). Shares are "
            "fractions (0.1319 for 13.19 %), strictly between 0 and 1; a reported 0 % or "
            "100 % cannot go on the logit scale -- replace it by, e.g., 0.5 / cohort size."
        )


@dataclass(frozen=True)
class Observation:
    """One reported share for one geography, indicator and year.

    Parameters
    ----------
    obs_id : str
        Identifier of the observation (shown in summaries).
    geography : str
        Geography id (province or district).
    indicator : str
        Indicator id.
    year : int
        Reference year: the calendar year in which the graduating school
        year ends (2021 for 2020-21). For a statement covering several
        years, the last year covered.
    year_first : int or None
        First year covered when the statement spans several years.
    value_share : float or None
        Exact / point value, fraction in (0, 1).
    low_share, high_share : float or None
        Range ends, fractions in (0, 1). A lower bound only has ``low_share``
        and no ``high_share``.
    high_open : bool
        True when the upper end is open ("over 16 %").
    se_share : float or None
        Stated standard error, as a fraction (planner data).
    basis : {"same", "broader", "narrower", "unclear"}
        How the figure's definition relates to the indicator's.
    flags : str
        Semicolon-separated flags, e.g. ``"ambiguous_denominator;approximate"``.
    """

    obs_id: str
    geography: str
    indicator: str
    year: int
    year_first: int | None = None
    value_share: float | None = None
    low_share: float | None = None
    high_share: float | None = None
    high_open: bool = False
    se_share: float | None = None
    basis: str = "same"
    flags: str = ""

    def __post_init__(self) -> None:
        oid = self.obs_id
        if not isinstance(self.year, (int, np.integer)) or isinstance(self.year, bool):
            raise SeriesError(f"Observation {oid!r}: year must be an integer, got {self.year!r}.")
        if self.year_first is not None and self.year_first > self.year:
            raise SeriesError(
                f"Observation {oid!r}: first year {self.year_first} is after the reference "
                f"year {self.year}; years are out of order."
            )
        for name in ("value_share", "low_share", "high_share"):
            check_share(name, getattr(self, name), oid)
        if self.se_share is not None and not (math.isfinite(self.se_share) and self.se_share > 0):
            raise SeriesError(f"Observation {oid!r}: se_share must be a positive fraction.")
        if self.value_share is None and self.low_share is None:
            if self.high_share is not None:
                raise SeriesError(
                    f"Observation {oid!r}: an upper bound alone ('under x %') says too little "
                    "to use; give a low end or a value."
                )
            raise SeriesError(f"Observation {oid!r} has neither a value nor a range.")
        if (
            self.low_share is not None
            and self.high_share is not None
            and self.low_share > self.high_share
        ):
            raise SeriesError(
                f"Observation {oid!r}: the range's low end ({self.low_share:.4g}) exceeds its "
                f"high end ({self.high_share:.4g})."
            )
        if self.basis not in BASES:
            raise SeriesError(
                f"Observation {oid!r}: basis {self.basis!r} is not one of {', '.join(BASES)}."
            )

    @property
    def flag_set(self) -> frozenset[str]:
        """Flags as a set of strings."""
        return frozenset(f.strip() for f in (self.flags or "").split(";") if f.strip())

    @property
    def is_range(self) -> bool:
        """True when the observation is a range rather than a point."""
        return self.value_share is None

    @property
    def t_mid(self) -> float:
        """Year at which the observation is placed (middle of the years covered)."""
        if self.year_first is None:
            return float(self.year)
        return (self.year_first + self.year) / 2.0

    def describe(self) -> str:
        """Short plain-language description (percent) of the reported figure."""
        yrs = f"{self.year}" if self.year_first in (None, self.year) else f"{self.year_first}-{self.year}"
        if self.value_share is not None:
            txt = f"{100 * self.value_share:.2f} %"
            if self.se_share is not None:
                txt += f" (se {100 * self.se_share:.2f} pp)"
        elif self.high_share is None:
            txt = f"over {100 * self.low_share:.1f} %"
        else:
            txt = f"{100 * self.low_share:.1f} % to {'over ' if self.high_open else ''}{100 * self.high_share:.1f} %"
        return f"{self.obs_id} ({yrs}): {txt}"


class ObservationIndex:
    """An observation table grouped once by (geography, indicator): one unit's rows are a look-up, not a scan.

    Every function of this module that takes an observation table also takes
    an index of it, and then returns exactly what it returns for the table
    (the same rows, in the same order, with the same row labels) without
    scanning the whole table for each unit. Build one per run (a country has
    thousands of units, each looked up for several indicators). It keeps a
    copy of the table as it is when built (one copy, its columns stored
    together so that taking a few rows is quick).

    Parameters
    ----------
    observations : DataFrame
        The data layer's observation table (columns ``geography`` and
        ``indicator`` at least); rows whose geography or indicator is
        missing are never returned by :meth:`rows`, as no comparison
        selects them.

    Examples
    --------
    >>> obs = pd.DataFrame({"geography": ["a", "b", "a"], "indicator": ["x", "x", "x"], "year": [2020, 2021, 2022]})
    >>> ObservationIndex(obs).rows("a", "x")["year"].tolist()
    [2020, 2022]
    """

    __slots__ = ("frame", "_pos", "_geos", "_empty", "__weakref__")

    def __init__(self, observations: pd.DataFrame) -> None:
        if isinstance(observations, ObservationIndex):
            observations = observations.frame
        missing = {"geography", "indicator"} - set(observations.columns)
        if missing:
            raise SeriesError(f"The observation table lacks the column(s) {sorted(missing)}.")
        observations = observations.copy()  # a snapshot, its columns in as few blocks as their types allow
        self.frame = observations
        self._empty = observations.take(np.empty(0, dtype=np.intp))  # shared by the look-ups that find nothing
        pos: dict[tuple, list[int]] = {}
        geos: dict[object, dict] = {}
        for k, (g, i) in enumerate(zip(observations["geography"].tolist(), observations["indicator"].tolist())):
            if _na(g) is None or _na(i) is None:
                continue
            pos.setdefault((g, i), []).append(k)
            geos.setdefault(i, {})[g] = None
        self._pos = {key: np.asarray(v, dtype=np.intp) for key, v in pos.items()}
        self._geos = {i: frozenset(d) for i, d in geos.items()}

    def __len__(self) -> int:
        return len(self.frame)

    def positions(self, geography, indicator) -> np.ndarray:
        """Row positions (ascending) of ``geography``'s rows of ``indicator``; empty when none."""
        p = self._pos.get((geography, indicator))
        return p if p is not None else np.empty(0, dtype=np.intp)

    def rows(self, geography: str, indicator: str) -> pd.DataFrame:
        """The rows of ``geography`` and ``indicator``: ``frame[(geography == g) & (indicator == i)]``."""
        return self.frame.take(self.positions(geography, indicator))

    def rows_of(self, geographies: Iterable[str], indicator: str) -> pd.DataFrame:
        """The rows of ``indicator`` whose geography is one of ``geographies``, in the table's order."""
        parts = [self.positions(g, indicator) for g in dict.fromkeys(geographies)]
        parts = [p for p in parts if len(p)]
        if not parts:
            return self.frame.take(np.empty(0, dtype=np.intp))
        return self.frame.take(np.sort(np.concatenate(parts)) if len(parts) > 1 else parts[0])

    def has(self, geography: str, indicator: str) -> bool:
        """True when ``geography`` has at least one row of ``indicator``."""
        return len(self.positions(geography, indicator)) > 0

    def geographies_of(self, indicator: str) -> frozenset:
        """The geographies with at least one row of ``indicator``."""
        return self._geos.get(indicator, frozenset())


def _frame(observations) -> pd.DataFrame:
    """The table itself, whether given as a table or as its :class:`ObservationIndex`."""
    return observations.frame if isinstance(observations, ObservationIndex) else observations


def _select(observations, geography: str, indicator: str) -> pd.DataFrame:
    """``observations[(geography == g) & (indicator == i)]``, by the index when one is given."""
    if isinstance(observations, ObservationIndex):
        pos = observations.positions(geography, indicator)
        # no row: the one empty table (read only, as every caller here does)
        return observations.frame.take(pos) if len(pos) else observations._empty
    o = observations
    return o[(o["geography"] == geography) & (o["indicator"] == indicator)]


def _na(x):
    if x is None:
        return None
    try:
        if pd.isna(x):
            return None
    except (TypeError, ValueError):
        return x
    return x


#: Units under which ``observations_from_frame`` treats a row as a share; rows
#: in any other unit (counts: ``students``, ``places``...) are skipped.
SHARE_UNITS = ("percent", "share")
READINGS = ("primary", "alternative", "all")


def _flagset(x) -> frozenset[str]:
    x = _na(x)
    return frozenset(f.strip() for f in str(x or "").split(";") if f.strip())


def _replaced_by_alternative(alt: Mapping, frame: pd.DataFrame) -> set[str]:
    """obs_ids of the rows an ``alternative_reading`` row is an alternative to.

    A row is replaced when it has the same geography, indicator and year and
    either its obs_id is named in the alternative row's ``derivation`` or the
    alternative's obs_id is that obs_id plus a suffix (``x`` -> ``x.alt``).
    """
    deriv = str(_na(alt.get("derivation")) or "")
    aid = str(alt["obs_id"])
    out = set()
    for row in frame.to_dict("records"):
        oid = str(row["obs_id"])
        if oid == aid or "alternative_reading" in _flagset(row.get("flags")):
            continue
        same = all(_na(row.get(k)) == _na(alt.get(k)) for k in ("geography", "indicator", "year"))
        named = bool(re.search(rf"(?<![\w.]){re.escape(oid)}(?![\w])", deriv))
        if same and (named or aid.startswith(oid + ".")):
            out.add(oid)
    return out


def observations_from_frame(
    df: pd.DataFrame,
    indicator: str | None = None,
    geography: str | None = None,
    *,
    breakdown: str | Iterable[str] | None = "",
    readings: str = "primary",
    drop_flags: Iterable[str] = (),
) -> list[Observation]:
    """Convert a data-layer observation table into :class:`Observation` objects.

    Works on :func:`simlib.inputs.bundle.load_observations` as it comes (all units,
    all breakdowns, both readings of ambiguous figures); the selection rules
    below decide which rows become observations of one series.

    Parameters
    ----------
    df : pandas.DataFrame
        Columns ``obs_id, geography, indicator, year, year_first, value_share,
        low_share, high_share, high_open, se_share, basis, flags`` (shares as
        fractions 0-1; missing optional columns take their defaults).
        Optional ``breakdown``, ``unit`` and ``derivation`` are used by the
        selection rules.
    indicator, geography : str, optional
        Keep only rows with this indicator / geography.
    breakdown : str, iterable of str or None
        ``""`` (default) keeps **totals only**: rows whose ``breakdown`` is
        empty. Component rows (e.g. 'vocational training centres', one route
        of a total) must not enter a total's series as if they were further
        observations of it. A string or a collection keeps those breakdown
        values; ``None`` keeps every row whatever its breakdown.
    readings : {"primary", "alternative", "all"}
        What to do with rows flagged ``alternative_reading`` (a second,
        derived reading of an ambiguous figure, e.g. Long An's 14.51 % read
        as a share of those who continued: 9.35 %). ``"primary"`` (default)
        drops them, so each reported figure enters once, as published.
        ``"alternative"`` uses each alternative reading *instead of* the
        row(s) it re-reads (same geography, indicator and year, named in its
        ``derivation`` or its obs_id prefix). ``"all"`` keeps both -- for
        display only: fitting two readings of one figure as two observations
        double-counts it, and :func:`fit` refuses to.
    drop_flags : iterable of str
        Rows carrying any of these flags are dropped (e.g. ``("component",)``
        with ``breakdown=None``).

    Returns
    -------
    list of Observation
        In the order of the (filtered) frame.

    Notes
    -----
    Always skipped: rows with no ``year`` (year unknown: they cannot be placed
    in time) and rows whose ``unit`` (if the column exists) is not a share
    unit (:data:`SHARE_UNITS`), i.e. counts.
    """
    required = {"obs_id", "geography", "indicator", "year"}
    missing = required - set(df.columns)
    if missing:
        raise SeriesError(f"The observation table lacks the column(s) {sorted(missing)}.")
    if readings not in READINGS:
        raise SeriesError(f"readings must be one of {', '.join(READINGS)}; got {readings!r}.")
    sub = df
    if indicator is not None:
        sub = sub[sub["indicator"] == indicator]
    if geography is not None:
        sub = sub[sub["geography"] == geography]
    sub = sub[sub["year"].notna()]
    if "unit" in sub.columns:
        sub = sub[sub["unit"].isna() | sub["unit"].isin(SHARE_UNITS)]
    if breakdown is not None and "breakdown" in sub.columns:
        keep = {breakdown} if isinstance(breakdown, str) else set(breakdown)
        bd = sub["breakdown"].map(lambda x: "" if _na(x) is None else str(x).strip())
        sub = sub[bd.isin(keep)]
    flagsets = sub["flags"].map(_flagset) if "flags" in sub.columns else pd.Series(
        [frozenset()] * len(sub), index=sub.index)
    drop = frozenset(drop_flags)
    if drop:
        sub, flagsets = sub[~flagsets.map(drop.intersection).astype(bool)], flagsets[
            ~flagsets.map(drop.intersection).astype(bool)]
    is_alt = flagsets.map(lambda f: "alternative_reading" in f).astype(bool)
    if readings == "primary":
        sub = sub[~is_alt]
    elif readings == "alternative":
        replaced: set[str] = set()
        for row in sub[is_alt].to_dict("records"):
            replaced |= _replaced_by_alternative(row, sub)
        sub = sub[~sub["obs_id"].astype(str).isin(replaced)]
    out = []
    for row in sub.to_dict("records"):
        def g(name, default=None):
            return _na(row.get(name, default))

        yf = g("year_first")
        ho = g("high_open")
        basis = g("basis")
        out.append(
            Observation(
                obs_id=str(row["obs_id"]),
                geography=str(row["geography"]),
                indicator=str(row["indicator"]),
                year=int(row["year"]),
                year_first=None if yf is None else int(yf),
                value_share=None if g("value_share") is None else float(g("value_share")),
                low_share=None if g("low_share") is None else float(g("low_share")),
                high_share=None if g("high_share") is None else float(g("high_share")),
                high_open=bool(ho) if ho is not None else False,
                se_share=None if g("se_share") is None else float(g("se_share")),
                basis="same" if basis is None else str(basis),
                flags="" if g("flags") is None else str(g("flags")),
            )
        )
    return out


NATIONAL_GEOGRAPHY = "vn"
NATIONAL_INDICATOR = "thcs_to_gdnn_sc_tc"


def national_history(
    observations: pd.DataFrame,
    *,
    geography: str = NATIONAL_GEOGRAPHY,
    indicator: str = NATIONAL_INDICATOR,
) -> list[Observation]:
    """The national THCS->vocational series behind the slope prior, from the data layer.

    Rule: one figure per year -- every row of ``indicator`` in ``geography``
    with a known year that is **not** flagged ``component`` (a route that is
    already inside a derived total of the same year) nor
    ``alternative_reading``. Unlike :func:`observations_from_frame`'s default,
    rows with a non-empty ``breakdown`` are kept when they are the only
    national figure of their year: the bundled 2011-12 figure is reported for
    intermediate schools only (``breakdown`` 'intermediate schools', ``basis``
    narrower) and is the same point as ``NATIONAL_THCS_VOCATIONAL``'s 2012
    entry. Two figures left for one year raise :class:`SeriesError`.

    Parameters
    ----------
    observations : pandas.DataFrame
        E.g. :func:`simlib.inputs.bundle.load_observations`.

    Returns
    -------
    list of Observation
        Sorted by year.
    """
    obs = observations_from_frame(observations, indicator, geography, breakdown=None,
                                  readings="primary", drop_flags=("component",))
    yrs = [o.year for o in obs]
    dup = sorted({y for y in yrs if yrs.count(y) > 1})
    if dup:
        raise SeriesError(f"The national series has several figures for year(s) {dup}; "
                         "keep one per year (totals, not their components).")
    if len(obs) < 2:
        raise SeriesError("The national series needs at least two years to give a slope.")
    return sorted(obs, key=lambda o: o.year)


def _exact_rows(observations, geography: str, indicator: str) -> pd.DataFrame:
    sel = _select(observations, geography, indicator)
    sel = sel[sel["year"].notna()]
    if "value_share" not in sel.columns:
        return sel.iloc[0:0]
    v = pd.to_numeric(sel["value_share"], errors="coerce")
    den = pd.to_numeric(sel["denominator"], errors="coerce") if "denominator" in sel.columns else v * np.nan
    # 0 % and 100 % are figures when their size is known (0 of 40 graduates): they enter weighted means
    sel = sel[((v > 0) & (v < 1)) | (((v == 0) | (v == 1)) & (den > 0))]
    if "breakdown" in sel.columns:
        sel = sel[sel["breakdown"].isna() | (sel["breakdown"].astype(str).str.strip() == "")]
    if "flags" in sel.columns:
        sel = sel[~sel["flags"].fillna("").astype(str).str.contains("alternative_reading")]
    if "year_first" in sel.columns:
        sel = sel[sel["year_first"].isna() | (sel["year_first"] == sel["year"])]
    return sel


def count_value(value, low, high) -> float:
    """A count reported as a value, a range (its midpoint) or a lower bound only ("over 21,000": the bound)."""
    def ok(x):
        return x is not None and pd.notna(x)

    if ok(value):
        return float(value)
    if ok(low) and ok(high):
        return 0.5 * (float(low) + float(high))
    if ok(low):
        return float(low)
    return float("nan")


def count_series(observations: pd.DataFrame | ObservationIndex, geography: str, indicator: str) -> pd.Series:
    """Counts of ``indicator`` for one geography by year (totals only; the latest row wins a tie).

    Each row is read by :func:`count_value` (a value, a range's midpoint, a lower bound).

    ``observations``: the table or its :class:`ObservationIndex` (the same result, without a scan).

    Returns
    -------
    Series
        Index year (int), values the counts (float, e.g. students); empty when none.
    """
    sel = _select(observations, geography, indicator)
    if sel.empty:
        return pd.Series(dtype=float)
    sel = sel[sel["year"].notna()]
    if "breakdown" in sel.columns:
        sel = sel[sel["breakdown"].isna() | (sel["breakdown"].astype(str).str.strip() == "")]
    if sel.empty:
        return pd.Series(dtype=float)
    vals = {int(r["year"]): count_value(r.get("value"), r.get("low"), r.get("high")) for r in sel.to_dict("records")}
    return pd.Series(vals, dtype=float).dropna().sort_index()


def unit_count(observations: pd.DataFrame | ObservationIndex, geography: str, indicator: str, year: int) -> float:
    """A unit's count of ``indicator`` for a year, by the one rule of :func:`simlib.vocab.count_for_year`.

    The year's own count, else the latest before it, else the earliest after
    it (totals only, :func:`count_series`); NaN when the unit has none.
    """
    return count_for_year(count_series(observations, geography, indicator).to_dict(), year)[0]


_count = unit_count


def unit_tree(geographies: pd.DataFrame) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Children and former units of every geography, by parent, in one pass (see :func:`sub_units`).

    Build it once for a run and pass it to :func:`sub_units`, :func:`aggregate_children`
    and :func:`series_for` (a country has thousands of communes).
    """
    kids: dict[str, list[str]] = {}
    for gid, par in zip(geographies["geo_id"], geographies["parent"]):
        if isinstance(par, str):
            kids.setdefault(par, []).append(gid)
    former: dict[str, list[str]] = {}
    if "successor" in geographies.columns:
        succ = dict(zip(geographies["geo_id"], geographies["successor"].where(geographies["successor"].notna(),
                                                                              None)))
        for gid, par in zip(geographies["geo_id"], geographies["parent"]):
            target = succ.get(gid)
            if target is not None and succ.get(par) != target and gid not in kids.get(target, ()):
                former.setdefault(target, []).append(gid)
    return kids, former


def sub_units(geographies: pd.DataFrame, parent: str, *, tree: tuple | None = None) -> tuple[list[str], list[str]]:
    """The units that make up ``parent``: (its current children, the former units it succeeds).

    Former units are those whose ``successor`` is ``parent`` and whose own
    parent is not also succeeded by it (so the former Long An counts for the
    merged Tây Ninh, its districts do not count twice). ``tree``: from
    :func:`unit_tree` (built here when not given).
    """
    kids, former = tree if tree is not None else unit_tree(geographies)
    return list(kids.get(parent, ())), list(former.get(parent, ()))


def aggregate_children(observations: pd.DataFrame, geographies: pd.DataFrame, parent: str, indicator: str, *,
                       weight_indicator: str = "", spread: float = 0.35, min_coverage: float = 0.5,
                       tree: tuple | None = None, readings: str = "primary") -> list[Observation]:
    """Year-by-year aggregates of the sub-units' own exact rates, as observations of the parent.

    The rule (the same for districts of a former province, communes of a
    province and the former provinces of a merged one): in a year where some
    sub-units report an exact share of the indicator, their graduate-weighted
    mean is an observation of the parent. Sub-units are the current children
    (:func:`sub_units`); for a year in which none of them reports, the former
    units the parent succeeds (the provinces before a merger) are used.
    Weights are, in order: the row's own ``denominator`` (graduates), the
    child's count of ``weight_indicator`` for that year (else its latest
    count), else equal weights. The children that did not report make the
    aggregate uncertain: with coverage ``c`` (reporting children's share of
    the parent's graduates, or of its children when counts are missing) the
    stated standard error is ``(1 - c) * sd``, where ``sd`` is the spread of
    the reporting children's shares around their mean (at least ``spread``
    logit units converted at the mean, the assumed between-unit spread), and
    none when every child reported. A year whose reporting children cover
    less than ``min_coverage`` of the parent is left out: one district of
    fifteen, or one province of a country, does not stand for the whole.

    Parameters
    ----------
    observations, geographies : DataFrame
        The data layer's tables (bundled plus planner rows).
    parent, indicator : str
    weight_indicator : str
        Count indicator giving each child's graduates (``thcs_graduates``).
    spread : float
        Minimum between-unit spread, logit units (``districts.spread_logit`` in the lever file).
    min_coverage : float
        Smallest share (0-1) of the parent's graduates (or of its children) the reports must cover.

    Returns
    -------
    list of Observation
        One per year with reports, obs_id ``agg:<parent>:<indicator>:<year>``,
        flagged ``aggregated_from_units`` (and ``planner_data`` when any row came
        from a planner's file); ``basis`` "same" only if every row was.
    """
    current, former = sub_units(geographies, parent, tree=tree)
    if not current and not former:
        return []
    index = observations if isinstance(observations, ObservationIndex) else ObservationIndex(observations)
    observations = index.frame
    mine = index.rows_of(current + former, indicator)
    if mine.empty and not former:
        return []
    out = []
    for kids in (current, former):
        if not kids:
            continue
        if kids is former:
            # a former unit (a province before a merger) counts with its own series, its districts' included
            rows = _former_rows(index, geographies, kids, indicator, weight_indicator, spread, readings)
        else:
            present = [k for k in kids if index.has(k, indicator)]
            if not present:
                continue
            rows = pd.concat([_exact_rows(index, k, indicator) for k in present], ignore_index=True)
        if rows.empty:
            continue
        done = {o.year for o in out}
        for year, grp in rows.groupby("year", sort=True):
            if int(year) in done:
                continue
            agg = _aggregate_year(index, parent, indicator, kids, int(year), grp, weight_indicator, spread,
                                  min_coverage)
            if agg is not None:
                out.append(agg)
    return sorted(out, key=lambda o: o.year)


def _former_rows(observations, geographies, former, indicator, weight_indicator, spread, readings) -> pd.DataFrame:
    """Exact one-year points of each former unit's series (its own figures, else its sub-units' aggregate)."""
    recs = []
    for k in former:
        for ob in series_for(observations, k, indicator, readings=readings, geographies=geographies,
                             weight_indicator=weight_indicator, spread=spread):
            if ob.value_share is not None and ob.year_first in (None, ob.year):
                recs.append({"geography": k, "year": ob.year, "value_share": ob.value_share,
                             "denominator": np.nan, "flags": ob.flags, "basis": ob.basis})
    return pd.DataFrame(recs, columns=["geography", "year", "value_share", "denominator", "flags", "basis"])


def _aggregate_year(observations, parent, indicator, kids, year, grp, weight_indicator, spread, min_coverage):
    """One year's aggregate of the sub-units' exact shares (None when they cover too little of the parent)."""
    grp = grp.drop_duplicates("geography", keep="last")
    p = grp["value_share"].astype(float).to_numpy()
    w = pd.to_numeric(grp.get("denominator"), errors="coerce").to_numpy(dtype=float, copy=True) \
        if "denominator" in grp.columns else np.full(len(grp), np.nan)
    if weight_indicator:
        for i, g in enumerate(grp["geography"]):
            if not np.isfinite(w[i]):
                w[i] = _count(observations, g, weight_indicator, year)
    all_w = np.array([_count(observations, k, weight_indicator, year) if weight_indicator else np.nan
                      for k in kids])
    if np.isfinite(w).all() and w.sum() > 0:
        mean = float(np.sum(w * p) / np.sum(w))
        total = _count(observations, parent, weight_indicator, year) if weight_indicator else float("nan")
        if not np.isfinite(total) and np.isfinite(all_w).all():
            total = float(all_w.sum())
        cover = float(min(1.0, w.sum() / total)) if np.isfinite(total) and total > 0 else len(grp) / len(kids)
    else:
        mean = float(np.mean(p))
        cover = len(grp) / len(kids)
    if cover < min_coverage or not 0.0 < mean < 1.0:
        return None
    floor = spread * mean * (1.0 - mean)
    sd = max(float(np.std(p, ddof=1)) if len(p) > 1 else 0.0, floor)
    se = (1.0 - cover) * sd if cover < 1.0 - 1e-9 else None
    flags = {"aggregated_from_units"}
    if "flags" in grp.columns:  # the caveats of any reported figure stay with the aggregate
        for f in grp["flags"].fillna("").astype(str):
            flags |= {x.strip() for x in f.split(";") if x.strip() and x.strip() not in ("derived", "component")}
    basis = "same" if ("basis" not in grp.columns or (grp["basis"].fillna("same") == "same").all()) else "unclear"
    return Observation(obs_id=f"agg:{parent}:{indicator}:{year}", geography=parent, indicator=indicator,
                       year=year, value_share=mean, se_share=se, basis=basis, flags=";".join(sorted(flags)))


def series_for(observations: pd.DataFrame, geography: str, indicator: str, *, readings: str = "primary",
               geographies: pd.DataFrame | None = None, weight_indicator: str = "",
               spread: float = 0.35, tree: tuple | None = None) -> list[Observation]:
    """The series one unit's trend rests on, for one indicator: the one rule every stage uses.

    The unit's own rows by :func:`observations_from_frame`'s defaults (totals,
    the published reading unless ``readings="alternative"``, shares only,
    years known). Rows whose share is exactly 0 or 1 cannot go on the logit
    scale and are left out here (``validate`` refuses them in a planner's
    file for the same reason). With ``geographies``, the sub-units' own
    exact rates are aggregated to the unit (:func:`aggregate_children`) for
    every year in which the unit has no exact figure of its own: planner data
    for communes or districts counts upward.

    Parameters
    ----------
    observations : DataFrame or ObservationIndex
        The data layer's observation table (bundled plus planner rows), or its
        :class:`ObservationIndex` (the same series, each unit's rows looked up
        instead of scanned: build it once for a run over many units).
    geography, indicator : str
    readings : {"primary", "alternative"}
    geographies : DataFrame, optional
        The geography tree; None: no aggregation from sub-units.
    weight_indicator : str
        Count indicator weighting sub-units (``thcs_graduates``).
    spread : float
        Minimum between-unit spread for the aggregate's uncertainty, logit units.
    tree : tuple, optional
        :func:`unit_tree` of ``geographies`` (built once per run by callers that look up many units).

    Returns
    -------
    list of Observation
        Sorted by year.
    """
    if geographies is not None:
        view = lineage_view(observations, geographies, geography)
        if view is not None:
            observations, geographies = view
            tree = None
    o = observations
    sel = _select(o, geography, indicator)
    own: list[Observation] = []
    if not sel.empty:
        shares = [c for c in ("value_share", "low_share", "high_share") if c in sel.columns]
        if shares:
            edge = np.zeros(len(sel), dtype=bool)
            for c in shares:
                v = pd.to_numeric(sel[c], errors="coerce")
                edge |= ((v <= 0) | (v >= 1)).fillna(False).to_numpy()
            kept = _edge_with_size(sel[edge])
            sel = pd.concat([sel[~edge], kept], ignore_index=True) if len(kept) else sel[~edge]
        own = observations_from_frame(sel, indicator, geography, readings=readings)
    if geographies is not None:
        exact_years = {ob.year for ob in own if ob.value_share is not None and ob.year_first in (None, ob.year)}
        agg = aggregate_children(o, geographies, geography, indicator, weight_indicator=weight_indicator,
                                 spread=spread, tree=tree, readings=readings)
        own = own + [a for a in agg if a.year not in exact_years]
    return sorted(own, key=lambda ob: ob.year)


def _edge_with_size(rows: pd.DataFrame) -> pd.DataFrame:
    """0 % / 100 % rows whose size is known, as a point off the edge for the logit scale.

    ``k`` of ``n`` becomes ``(k + 0.5) / (n + 1)`` with the binomial standard
    error ``sqrt(p (1 - p) / n)``, flagged ``edge_adjusted`` (the half-count
    rule; the partial-pooling model of :mod:`simlib.models.hierarchy` reads
    the count itself). Rows without a ``denominator`` are dropped.
    """
    if rows.empty or "denominator" not in rows.columns:
        return rows.iloc[0:0]
    den = pd.to_numeric(rows["denominator"], errors="coerce")
    rows = rows[den > 0].copy()
    if rows.empty:
        return rows
    n = pd.to_numeric(rows["denominator"], errors="coerce").to_numpy(dtype=float)
    v = pd.to_numeric(rows["value_share"], errors="coerce").to_numpy(dtype=float)
    p = (v * n + 0.5) / (n + 1.0)
    rows["value_share"] = p
    rows["se_share"] = np.sqrt(p * (1 - p) / n)
    for c in ("low_share", "high_share"):
        if c in rows.columns:
            rows[c] = np.nan
    fl = rows["flags"].fillna("").astype(str) if "flags" in rows.columns else pd.Series("", index=rows.index)
    rows["flags"] = (fl + ";edge_adjusted").str.lstrip(";")
    return rows


def lineage_view(observations: pd.DataFrame | ObservationIndex, geographies: pd.DataFrame, geography: str):
    """Observations and geographies in which a name-keeping merged province's past is its own unit.

    For a province formed on 1/7/2025 from several former provinces and
    keeping one's id (Thái Nguyên + Bắc Kạn -> ``vn.thai_nguyen``), rows of
    that id for years up to :data:`simlib.inputs.lineage.LAST_OLD_YEAR` are the
    former province's (a smaller area): they move to
    :func:`simlib.inputs.lineage.pre_merger_id` (``vn.thai_nguyen_pre2025``),
    which becomes a former unit of the merged province next to the other former
    provinces, and the former districts listed under the merged id move under
    it. The merged province's early years are then the cohort-weighted
    combination of all its former provinces (:func:`aggregate_children`).

    Returns
    -------
    (observations, geographies) or None
        None when ``geography`` is not such a province (or its pre-merger id).
    """
    from simlib.inputs import lineage

    base = geography[: -len(lineage.PRE_MERGER_SUFFIX)] if geography.endswith(lineage.PRE_MERGER_SUFFIX) \
        else geography
    if not base.startswith("vn.") or base.count(".") != 1:  # a province's id only (a commune never is one)
        return None
    ids = set(geographies["geo_id"])
    if base not in ids or not lineage.kept_name(base):
        return None
    pre = lineage.pre_merger_id(base)
    o = _frame(observations)
    move = (o["geography"] == base) & (pd.to_numeric(o["year"], errors="coerce") <= lineage.LAST_OLD_YEAR)
    obs = o.copy()
    obs.loc[move, "geography"] = pre
    geos = geographies.copy()
    if "valid_to" in geos.columns:
        old = geos["valid_to"].notna() & (geos["parent"] == base)
        geos.loc[old, "parent"] = pre
    if pre not in ids:
        row = {c: None for c in geos.columns}
        row.update({"geo_id": pre, "name_vi": f"{base} (trước 1/7/2025)", "level": "province", "parent": "vn",
                    "successor": base})
        if "valid_to" in geos.columns:
            row["valid_to"] = "2025-06-30"
        geos = pd.concat([geos, pd.DataFrame([row])], ignore_index=True)
    for former in lineage.former_provinces(base):
        if former != base and former in ids and "successor" in geos.columns:
            geos.loc[geos["geo_id"] == former, "successor"] = base
    return obs, geos


def unit_rows(observations: pd.DataFrame | ObservationIndex, geography: str, indicator: str,
              readings: str = "primary", years: tuple[int, int] | None = None) -> pd.DataFrame:
    """A unit's own share rows of one indicator, as counts allow: 0 % and 100 % kept when their size is known.

    The selection rules of :func:`observations_from_frame` (totals, one reading,
    share units, years known); the rows keep ``numerator`` and ``denominator``
    for a binomial model (:func:`simlib.models.hierarchy.binomial_rows`).
    ``years``: (first, last) inclusive, optional. ``observations``: the table or its :class:`ObservationIndex`.
    """
    sel = _select(observations, geography, indicator)
    sel = sel[sel["year"].notna()]
    if sel.empty:
        return sel
    if "unit" in sel.columns:
        sel = sel[sel["unit"].isna() | sel["unit"].isin(SHARE_UNITS)]
    if "breakdown" in sel.columns:
        sel = sel[sel["breakdown"].isna() | (sel["breakdown"].astype(str).str.strip() == "")]
    alt = sel["flags"].fillna("").astype(str).str.contains("alternative_reading") if "flags" in sel.columns \
        else pd.Series(False, index=sel.index)
    if readings == "primary":
        sel = sel[~alt]
    elif alt.any():
        keep = {o_.obs_id for o_ in observations_from_frame(sel, indicator, geography, readings=readings)}
        sel = sel[sel["obs_id"].astype(str).isin(keep)]
    if years is not None:
        y = pd.to_numeric(sel["year"], errors="coerce")
        sel = sel[(y >= years[0]) & (y <= years[1])]
    if "value_share" in sel.columns:
        v = pd.to_numeric(sel["value_share"], errors="coerce")
        den = pd.to_numeric(sel["denominator"], errors="coerce") if "denominator" in sel.columns else v * np.nan
        edge = ((v <= 0) | (v >= 1)).fillna(False)
        sel = sel[~edge | (den > 0)]
    return sel


def former_area_rows(observations: pd.DataFrame | ObservationIndex, geography: str, indicator: str, readings: str = "primary"
                     ) -> list[tuple[str, float, pd.DataFrame]]:
    """The figures of the former areas a new commune or ward was formed from (official conversion tables).

    Former districts (each with its share of the unit's former communes) and
    former communes (each an equal part), rows up to the last year of the old
    map only, so that a former area's series speaks for the new unit inside
    it and never mixes with the new unit's own figures.

    Returns
    -------
    list of (former geo id, weight 0-1, rows)
        Only areas with rows; empty for a unit the tables do not know.
    """
    from simlib.inputs import lineage

    out = []
    if not isinstance(geography, str) or geography.count(".") < 2:
        return out
    if isinstance(observations, ObservationIndex):
        have = observations.geographies_of(indicator)
    else:
        have = set(observations.loc[observations["indicator"] == indicator, "geography"])
    districts = lineage.former_districts(geography) if have else {}
    communes = lineage.former_communes(geography) if have else []
    for area, w in list(districts.items()) + [(c, 1.0 / len(communes)) for c in communes]:
        if area not in have:
            continue
        rows = unit_rows(observations, area, indicator, readings, years=(0, lineage.LAST_OLD_YEAR))
        if len(rows):
            out.append((area, float(w), rows))
    return out
