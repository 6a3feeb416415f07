"""How the report's tables are shown to people: column specs and the one-row-per-target summary.

The verdict table of :func:`simlib.assess.feasibility.feasibility` has 36
columns, one row per target and scenario, ids first. For the workbook, the
HTML page and the Word report it is shown through the specs here
(:class:`simlib.present.export.Column`): human columns first (place,
indicator, year, target, P(met) or met/missed, verdict, evidence), technical
columns after, ids last; codes translated; numbers formatted by kind.

* :func:`split_targets` gives the summary (the targets the plan uses and
  simlib can judge, one row per target, in one scenario) and the other
  targets (their own sheet);
* :func:`summary_columns` and :func:`feasibility_columns` give the specs;
* :func:`compact_columns` leaves out the columns that say nothing on a narrow page (Word).

Indicator names and scenario titles come from the caller (the indicator
registry and the scenario files), so nothing here names a plan, place or
indicator.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from simlib.assess.verdicts import NOT_ASSESSED
from simlib.present.export import Column

__all__ = ["split_targets", "summary_columns", "feasibility_columns", "compact_columns"]


def split_targets(feasibility: pd.DataFrame, *, scenario: str = "baseline") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The summary (one row per used, assessable target) and the other targets, for one scenario.

    Parameters
    ----------
    feasibility : DataFrame
        The verdict table (columns of :data:`simlib.assess.feasibility.COLUMNS`;
        needs ``scenario``, ``verdict`` and, if present, ``used``).
    scenario : str
        The scenario whose rows are kept (default the baseline).

    Returns
    -------
    (summary, others) : tuple of DataFrame
        ``summary``: rows of ``scenario`` whose target is used by the plan
        (``used`` True, or no ``used`` column) and has a verdict other than
        ``not_assessed`` (met and missed included); ``others``: the
        remaining rows of ``scenario`` (the variant the plan does not use,
        or targets simlib cannot judge), so no target is counted twice.
        Both keep the input order and a fresh index.

    Raises
    ------
    ValueError
        If ``scenario`` has no rows.
    """
    rows = feasibility[feasibility["scenario"] == scenario]
    if rows.empty:
        raise ValueError(f"scenario {scenario!r} has no rows in the verdict table "
                         f"(scenarios: {sorted(feasibility['scenario'].unique())})")
    used = rows["used"].astype(bool) if "used" in rows else pd.Series(True, index=rows.index)
    keep = used & (rows["verdict"] != NOT_ASSESSED)
    return rows[keep].reset_index(drop=True), rows[~keep].reset_index(drop=True)


def summary_columns(*, indicator_names: Mapping[str, str] | None = None) -> list[Column]:
    """Spec of the summary sheet: place, indicator, year, target, timing, P(met), verdict, result, evidence; ids last.

    Parameters
    ----------
    indicator_names : mapping indicator id -> short name, optional
        In the report's language (from the indicator registry); ids not in it
        are shown as they are.
    """
    return [
        Column("geography_name"), Column("indicator", "code", values=dict(indicator_names or {})),
        Column("year", "year"), Column("as_written"), Column("timing", "code", codes="timing"),
        Column("p_met", "prob"), Column("verdict", "verdict"), Column("observed_pct", "percent", decimals=2),
        Column("median_pct", "percent"), Column("n_points", "int"), Column("illustrative", "bool"),
        Column("target_id", "id"), Column("plan_id", "id"), Column("geography", "id"), Column("evidence", "id"),
    ]


def feasibility_columns(*, indicator_names: Mapping[str, str] | None = None,
                        scenario_titles: Mapping[str, str] | None = None) -> list[Column]:
    """Spec of the full verdict sheet (every column of the verdict table): human columns first, ids last.

    Parameters
    ----------
    indicator_names : mapping indicator id -> name, optional
    scenario_titles : mapping scenario name -> title in the report's language, optional
        From the scenario files (``title_vi``/``title_en``); names not in it
        are translated through the glossary (``scenario.<name>``) when known.
    """
    return [
        Column("geography_name"), Column("indicator", "code", values=dict(indicator_names or {})),
        Column("year", "year"), Column("as_written"), Column("target_pct", "percent", decimals=2),
        Column("scenario", "code", codes="scenario", values=dict(scenario_titles or {})),
        Column("timing", "code", codes="timing"), Column("p_met", "prob"), Column("verdict", "verdict"),
        Column("observed_pct", "percent", decimals=2), Column("median_pct", "percent"),
        Column("q0.1_pct", "percent"), Column("q0.9_pct", "percent"), Column("n_points", "int"),
        Column("last_year", "year"), Column("last_pct", "percent", decimals=2),
        Column("required_pace_pts", "number", decimals=2), Column("anticipated_pace_pts", "number", decimals=2),
        Column("progress_class", "code", codes="progress"), Column("feasible_progress", "code", codes="feasible"),
        Column("speed_multiple", "number", decimals=1), Column("illustrative", "bool"), Column("used", "bool"),
        Column("variant", "code", codes="variant"), Column("comparator", "code", codes="comparator"),
        Column("note"),
        Column("required_pace_logit", "number", decimals=3), Column("observed_slope_logit", "number", decimals=3),
        Column("pace_ratio", "number", decimals=2), Column("anticipated_gap", "number", decimals=2),
        Column("feasible_tau", "number", decimals=2), Column("feasible_method", "code", codes="method"),
        Column("target_id", "id"), Column("plan_id", "id"), Column("geography", "id"), Column("evidence", "id"),
    ]


def compact_columns(frame: pd.DataFrame, columns: list[Column], *, said_elsewhere: tuple[str, ...] = ()) -> list[Column]:
    """The columns worth their width on a narrow page (a portrait A4 Word table): the rest stay in the workbook.

    Left out: a column whose every value is missing, a yes/no column that is "no" in every row, and the columns
    named in ``said_elsewhere`` when they hold one value (e.g. the place, named by the section's heading). A
    table with no rows keeps every column.

    Parameters
    ----------
    frame : DataFrame
        The rows to show.
    columns : list of Column
        Their full spec (the workbook's).
    said_elsewhere : tuple of str
        Column keys dropped when constant.

    Examples
    --------
    >>> f = pd.DataFrame({"geography_name": ["Tây Ninh"] * 2, "p_met": [0.1, 0.9], "observed_pct": [None, None],
    ...                   "illustrative": [False, False]})
    >>> cols = [Column("geography_name"), Column("p_met", "prob"), Column("observed_pct", "percent"),
    ...         Column("illustrative", "bool")]
    >>> [c.key for c in compact_columns(f, cols, said_elsewhere=("geography_name",))]
    ['p_met']
    >>> [c.key for c in compact_columns(f, cols)]
    ['geography_name', 'p_met']
    """
    if frame.empty:
        return list(columns)
    keep = []
    for col in columns:
        if col.key not in frame:
            keep.append(col)
            continue
        values = frame[col.key]
        if values.isna().all():
            continue
        if col.kind == "bool" and not values.fillna(False).astype(bool).any():
            continue
        if col.key in said_elsewhere and values.nunique(dropna=False) == 1:
            continue
        keep.append(col)
    return keep
