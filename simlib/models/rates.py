"""UIS flow rates from an enrolment-by-grade table with repeaters.

Definitions (UNESCO Institute for Statistics), for grade ``g`` of a level,
school year ``t``, enrolment ``E`` and repeaters ``R`` (students):

* promotion rate ``p[g,t] = (E[g+1,t+1] - R[g+1,t+1]) / E[g,t]``
* repetition rate ``r[g,t] = R[g,t+1] / E[g,t]``
* dropout rate ``d[g,t] = 1 - p[g,t] - r[g,t]`` (the residual)
* transition rate from the last grade ``n`` of level ``h`` to the first
  grade of level ``h+1``:
  ``TR[t] = NewEntrants[h+1,1,t+1] / E[h,n,t]``
* effective transition rate:
  ``ETR[t] = NewEntrants[h+1,1,t+1] / (E[h,n,t] - R[h,n,t+1])``.

New entrants are taken from a ``new_entrants`` column when the table has one
(UIS uses new entrants when they are available; the column needs filling on
the first-grade rows only), otherwise they are estimated by the non-repeaters
of the first grade, ``E[h+1,1,t+1] - R[h+1,1,t+1]`` (then
``TR = (E - R) / E[h,n,t]``, the UIS formula without new-entrant data).

All rates are fractions. For Vietnam, grade 9 is the last grade of THCS
(lower secondary) and grade 10 the first grade of THPT (upper secondary).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simlib.errors import InputError

__all__ = ["FlowRateDataError", "flow_rates", "transition_rates"]

_REQUIRED = ("unit", "year", "grade", "enrolment", "repeaters")


class FlowRateDataError(InputError):
    """The enrolment table cannot give flow rates; the message says which rows or column."""


def _prepare(table: pd.DataFrame, extra: tuple[str, ...] = (), optional: tuple[str, ...] = ()) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise FlowRateDataError("table: must be a pandas DataFrame with columns " + ", ".join(_REQUIRED))
    missing = [c for c in _REQUIRED + extra if c not in table.columns]
    if missing:
        raise FlowRateDataError(f"table: missing column(s) {missing}; need {list(_REQUIRED + extra)}")
    optional = tuple(c for c in optional if c in table.columns)
    df = table[list(_REQUIRED + extra + optional)].copy()
    for col in optional:  # may be empty; what is filled must be a count
        raw = df[col]
        values = pd.to_numeric(raw, errors="coerce")
        bad = values.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
        if bad.any():
            rows = df.loc[bad, ["unit", "year", "grade"]].head(3).to_dict("records")
            raise FlowRateDataError(f"{col}: non-numeric values, e.g. {rows}")
        if (values < 0).any():
            rows = df.loc[values < 0, ["unit", "year", "grade"]].head(3).to_dict("records")
            raise FlowRateDataError(f"{col}: negative student counts, e.g. {rows}")
        df[col] = values.astype(float)
    for col in ("enrolment", "repeaters") + extra:
        values = pd.to_numeric(df[col], errors="coerce")
        if values.isna().any():
            rows = df.loc[values.isna(), ["unit", "year", "grade"]].head(3).to_dict("records")
            raise FlowRateDataError(f"{col}: missing or non-numeric values, e.g. {rows}")
        if (values < 0).any():
            rows = df.loc[values < 0, ["unit", "year", "grade"]].head(3).to_dict("records")
            raise FlowRateDataError(f"{col}: negative student counts, e.g. {rows}")
        df[col] = values.astype(float)
    bad = df["repeaters"] > df["enrolment"]
    if bad.any():
        rows = df.loc[bad, ["unit", "year", "grade"]].head(3).to_dict("records")
        raise FlowRateDataError(f"repeaters: more repeaters than enrolment, e.g. {rows}")
    dup = df.duplicated(["unit", "year", "grade"])
    if dup.any():
        rows = df.loc[dup, ["unit", "year", "grade"]].head(3).to_dict("records")
        raise FlowRateDataError(f"table: duplicate unit/year/grade rows, e.g. {rows}")
    for col in ("year", "grade"):
        if not pd.api.types.is_integer_dtype(df[col]):
            raise FlowRateDataError(f"{col}: must be integers")
    # every unit needs every grade in every year from its first to its last year
    grades = sorted(int(g) for g in df["grade"].unique())
    gaps = []
    for unit, sub in df.groupby("unit", sort=False):
        years = range(int(sub["year"].min()), int(sub["year"].max()) + 1)
        have = set(zip(sub["year"].astype(int).tolist(), sub["grade"].astype(int).tolist()))
        gaps += [(unit, y, g) for y in years for g in grades if (y, g) not in have]
        if sub["year"].nunique() < 2:
            raise FlowRateDataError(f"year: unit {unit!r} has only one year; rates need two consecutive years")
    if gaps:
        raise FlowRateDataError(
            f"table: missing years/grades (unit, year, grade), e.g. {gaps[:5]}; "
            f"every unit needs grades {grades} in every year between its first and last year"
        )
    return df.set_index(["unit", "year", "grade"]).sort_index()


def flow_rates(table: pd.DataFrame) -> pd.DataFrame:
    """Promotion, repetition and dropout rates by unit, year and grade.

    Parameters
    ----------
    table : DataFrame
        Tidy table with columns ``unit``, ``year`` (int, school year),
        ``grade`` (int), ``enrolment`` and ``repeaters`` (students).

    Returns
    -------
    DataFrame
        Columns ``unit, year, grade, promotion, repetition, dropout``
        (fractions) for every year that has a following year. Promotion and
        dropout are NaN for the highest grade in the table (no next grade).

    Raises
    ------
    FlowRateDataError
        Missing columns, years or grades; negative or missing counts;
        repeaters above enrolment; duplicate rows.
    """
    df = _prepare(table)
    E, R = df["enrolment"], df["repeaters"]
    key = df.index.to_frame(index=False)
    nxt_same = pd.MultiIndex.from_arrays([key["unit"], key["year"] + 1, key["grade"]])
    nxt_up = pd.MultiIndex.from_arrays([key["unit"], key["year"] + 1, key["grade"] + 1])
    e = E.to_numpy()
    rep_next = R.reindex(nxt_same).to_numpy()
    up_e = E.reindex(nxt_up).to_numpy()
    up_r = R.reindex(nxt_up).to_numpy()
    has_next_year = ~np.isnan(rep_next)
    with np.errstate(divide="ignore", invalid="ignore"):
        promotion = np.where(e > 0, (up_e - up_r) / np.where(e > 0, e, 1.0), np.nan)
        repetition = np.where(e > 0, rep_next / np.where(e > 0, e, 1.0), np.nan)
    out = key.assign(promotion=promotion, repetition=repetition)
    out["dropout"] = 1.0 - out["promotion"] - out["repetition"]
    return out.loc[has_next_year].reset_index(drop=True)


def transition_rates(table: pd.DataFrame, from_grade: int = 9, to_grade: int = 10) -> pd.DataFrame:
    """Transition rate (TR) and effective transition rate (ETR) between levels.

    Parameters
    ----------
    table : DataFrame
        As for :func:`flow_rates`, holding at least ``from_grade`` (last grade
        of level h) and ``to_grade`` (first grade of level h+1). An optional
        ``new_entrants`` column (students) gives NewEntrants for both TR and
        ETR; it needs values only on the ``to_grade`` rows of the years that
        follow another year (other rows may be empty and are ignored).
        Without the column, non-repeaters ``E - R`` of ``to_grade`` are used.
    from_grade, to_grade : int
        Default 9 (last THCS grade) and 10 (first THPT grade).

    Returns
    -------
    DataFrame
        Columns ``unit, year, transition_rate, effective_transition_rate``
        (fractions) for each year ``t`` with a following year ``t+1``.

    Raises
    ------
    FlowRateDataError
        As :func:`flow_rates`; also a ``new_entrants`` column with a missing
        value on a ``to_grade`` row that a rate needs, a non-numeric or
        negative value, or more new entrants than enrolment.
    """
    has_ne = "new_entrants" in getattr(table, "columns", ())
    df = _prepare(table, optional=("new_entrants",) if has_ne else ())
    grades = {int(g) for g in df.index.get_level_values("grade")}
    for name, g in (("from_grade", from_grade), ("to_grade", to_grade)):
        if g not in grades:
            raise FlowRateDataError(f"{name}: grade {g} is not in the table (grades {sorted(grades)})")
    last = df.xs(from_grade, level="grade")
    first = df.xs(to_grade, level="grade")
    key = last.index.to_frame(index=False)
    nxt = pd.MultiIndex.from_arrays([key["unit"], key["year"] + 1])
    e_last = last["enrolment"].to_numpy()
    r_last_next = last["repeaters"].reindex(nxt).to_numpy()
    e_first = first["enrolment"].reindex(nxt).to_numpy()
    r_first = first["repeaters"].reindex(nxt).to_numpy()
    ok = ~np.isnan(e_first)
    if has_ne:
        entrants = first["new_entrants"].reindex(nxt).to_numpy()
        need = ok & np.isnan(entrants)
        if need.any():
            rows = [(u, int(y) + 1, to_grade) for u, y in key.loc[need, ["unit", "year"]].head(3).itertuples(index=False)]
            raise FlowRateDataError(
                f"new_entrants: missing on grade-{to_grade} rows the transition rates need (unit, year, grade), "
                f"e.g. {rows}; fill new entrants on every grade-{to_grade} row after a unit's first year, "
                "or drop the column to use non-repeaters instead")
        over = ok & (entrants > e_first)
        if over.any():
            rows = [(u, int(y) + 1, to_grade) for u, y in key.loc[over, ["unit", "year"]].head(3).itertuples(index=False)]
            raise FlowRateDataError(f"new_entrants: more new entrants than enrolment (unit, year, grade), e.g. {rows}")
    else:
        entrants = e_first - r_first
    with np.errstate(divide="ignore", invalid="ignore"):
        tr = np.where(e_last > 0, entrants / np.where(e_last > 0, e_last, 1.0), np.nan)
        den = e_last - r_last_next
        etr = np.where(den > 0, entrants / np.where(den > 0, den, 1.0), np.nan)
    out = key.assign(transition_rate=tr, effective_transition_rate=etr)
    return out.loc[ok].reset_index(drop=True)
