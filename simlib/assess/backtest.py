"""How good would a trend method have been on this history? Rolling-origin backtest of a planner file.

``python -m simlib backtest FILE --method M --leads 1-5 --level 0.8`` runs
:func:`backtest_file`: every figure in a planner-format file (columns
``geography, indicator, year, value`` or ``low``/``high``, ``unit``,
``source``; see ``data/template/observations_template.csv``) is read and
checked by the ordinary validator, with geographies and indicators taken as
free labels, and the chosen method is scored by
:func:`simlib.models.trends.backtest`:

* every year in which a series (one indicator in one geography) has a figure
  is an *origin*; the method is fitted on what was known up to and including
  that year (for panel methods, every unit of the indicator up to that year);
* each later point figure 1, 2, ... years ahead (the *lead*) is predicted as
  a reported figure;
* per lead: the share of those figures inside the central ``level``
  interval (``coverage``, a fraction 0-1; 0.8 is right for ``level=0.8``),
  the number of figures scored (``n``), the mean absolute error of the
  median forecast (``mae``, percentage points) and that of the naive forecast
  "same as the last figure" on the same cases (``mae_naive``, percentage
  points).

Ranges are used for fitting, never scored. Figures in count units
(students, places) are ignored: the trend models forecast shares.

``--by level`` adds rows per band of the last figure known at the origin
(:data:`LEVEL_BANDS`, percent) and ``--by history`` per number of figures
known at the origin (:data:`HISTORY_BANDS`), so a method that is right on
average but wrong near 0 % or 100 %, or on a series known by one figure, shows
it. A lead (or a band) with no case is not printed as an empty row: the table's
``note`` says "no case at lead 1".

The file is read like ``python -m simlib validate`` reads it (the same
reader and rules, :func:`simlib.inputs.history.read_history`); geographies and
indicators that are not in the library's lists are then taken as free labels,
and the result says which of the two happened (``.attrs["labels"]``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from simlib.errors import InputError
from simlib.evidence.series import observations_from_frame
from simlib.inputs.history import read_history
from simlib.models import trends

__all__ = ["BacktestInputError", "COLUMNS", "LEVEL_BANDS", "HISTORY_BANDS", "parse_leads", "read_history",
           "backtest_frame", "backtest_file"]

#: Columns of the table :func:`backtest_frame` returns (``group`` is "all", a level band or a history band).
COLUMNS = ("by", "group", "lead", "coverage", "n", "mae", "mae_naive", "note")
#: Bands of the last figure known at the origin, percent: (label, low, high), low inclusive.
LEVEL_BANDS = (("<5 %", 0.0, 5.0), ("5-20 %", 5.0, 20.0), ("20-50 %", 20.0, 50.0), ("50-80 %", 50.0, 80.0),
               ("80-95 %", 80.0, 95.0), ("95-99 %", 95.0, 99.0), (">=99 %", 99.0, 100.1))
#: Bands of the number of figures known at the origin: (label, low, high), both inclusive.
HISTORY_BANDS = (("1 figure", 1, 1), ("2 figures", 2, 2), ("3 figures", 3, 3), ("4-5 figures", 4, 5),
                 ("6-9 figures", 6, 9), ("10+ figures", 10, 10**9))


class BacktestInputError(InputError):
    """The file or the options cannot give a backtest; the message says why."""


def parse_leads(text: str | Sequence[int]) -> tuple[int, ...]:
    """Leads in years from ``"1-5"``, ``"1,2,5"``, ``"3"`` or a sequence of ints.

    Raises
    ------
    BacktestInputError
        Not whole numbers of at least 1.
    """
    if not isinstance(text, str):
        vals = [int(v) for v in text]
    else:
        vals = []
        for part in text.replace(" ", "").split(","):
            m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
            if not m:
                raise BacktestInputError(f"--leads {text!r}: write leads as 1-5, 1,2,3 or 2 (whole years).")
            a, b = int(m.group(1)), int(m.group(2) or m.group(1))
            if b < a:
                raise BacktestInputError(f"--leads {text!r}: the range {part} runs backwards; write e.g. 1-5.")
            vals.extend(range(a, b + 1))
    if not vals or min(vals) < 1:
        raise BacktestInputError(f"--leads {text!r}: leads are whole years of at least 1.")
    return tuple(sorted(set(vals)))


def _band(value: float, bands) -> str | None:
    for label, lo, hi in bands:
        if lo <= value <= hi if isinstance(lo, int) else lo <= value < hi:
            return label
    return None


def _rows(cases: pd.DataFrame, naive: pd.Series, leads, by: str, groups) -> list[dict]:
    key = ["indicator", "geography", "origin", "year"]
    rows = []
    for grp in groups:
        sub = cases if by == "all" else cases[cases["_group"] == grp]
        for h in leads:
            g = sub[sub["lead"] == h]
            if g.empty:
                rows.append(dict(by=by, group=grp, lead=h, coverage=float("nan"), n=0, mae=float("nan"),
                                 mae_naive=float("nan"), note=f"no case at lead {h}"))
                continue
            nv = naive.reindex(pd.MultiIndex.from_frame(g[key]))
            rows.append(dict(by=by, group=grp, lead=h, coverage=float(g["in_level"].mean()), n=int(len(g)),
                             mae=100 * float(g["abs_error"].mean()),
                             mae_naive=100 * float(nv.mean()) if nv.notna().all() else float("nan"), note=""))
    return rows


def backtest_frame(
    frame: pd.DataFrame,
    *,
    method: str = trends.DEFAULT_METHOD,
    leads: Sequence[int] = (1, 2, 3, 4, 5),
    level: float = 0.8,
    min_train: int = 1,
    label: str = "the file",
    by: Sequence[str] = (),
) -> pd.DataFrame:
    """Rolling-origin backtest of one method on a validated observation table.

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`read_history` (or any table :func:`simlib.evidence.series.observations_from_frame` reads).
    method : str
        One of :data:`simlib.models.trends.METHODS`.
    leads : sequence of int
        Leads scored, years after the origin.
    level : float
        Central predictive interval scored, as a fraction (0.8 = 80 %).
    min_train : int
        Minimum number of figures of the series up to the origin.
    label : str
        How messages name the input.
    by : sequence of {"level", "history"}
        Breakdowns added after the overall rows: by band of the last figure
        known at the origin (:data:`LEVEL_BANDS`) and by the number of figures
        known at the origin (:data:`HISTORY_BANDS`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`: ``by`` ("all", "level" or "history"),
        ``group`` (the band), ``lead`` (years), ``coverage`` (fraction 0-1),
        ``n`` (figures scored), ``mae`` and ``mae_naive`` (percentage
        points), ``note``. A lead with no case has ``n = 0``, NaN scores and
        the note "no case at lead h" (printed as that note, not as an empty
        row); bands with no case at all are left out. ``.attrs`` carries
        ``method``, ``level``, ``n_series``.

    Raises
    ------
    BacktestInputError
        Unknown method, bad level, or no series with a share in the table.
    """
    if method not in trends.METHODS:
        raise BacktestInputError(f"--method {method!r} is not a trend method; choose one of "
                                 f"{', '.join(trends.METHODS)} (default {trends.DEFAULT_METHOD}).")
    if not 0 < float(level) < 1:
        raise BacktestInputError(f"--level {level!r}: give the interval as a fraction between 0 and 1 "
                                 "(0.8 for an 80 % interval).")
    leads = parse_leads(leads)
    by = [by] if isinstance(by, str) else list(by)
    bad = [b for b in by if b not in ("level", "history")]
    if bad:
        raise BacktestInputError(f"--by {bad[0]!r}: choose level (bands of the last known figure) or history "
                                 "(number of figures known at the forecast year).")
    obs = observations_from_frame(frame)
    if not obs:
        raise BacktestInputError(f"{label}: no figure in a share unit (percent or share) with a year: "
                                 "nothing to backtest.")
    both = trends.backtest(obs, [method, "naive"], min_train=min_train, leads=leads, level=level, per_case=True)
    cases = both[both["method"] == method]
    key = ["indicator", "geography", "origin", "year"]
    naive = both[both["method"] == "naive"].set_index(key)["abs_error"]
    rows = _rows(cases, naive, leads, "all", ["all"])
    for b in by:
        bands = LEVEL_BANDS if b == "level" else HISTORY_BANDS
        col = 100 * cases["last"] if b == "level" else cases["n_train"]
        c = cases.assign(_group=[_band(float(v), bands) for v in col])
        present = [lab for lab, _, _ in bands if (c["_group"] == lab).any()]
        rows += _rows(c, naive, leads, b, present)
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    out.attrs.update(method=method, level=float(level),
                     n_series=int(cases[["indicator", "geography"]].drop_duplicates().shape[0]))
    return out


def backtest_file(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    method: str = trends.DEFAULT_METHOD,
    leads: Sequence[int] | str = (1, 2, 3, 4, 5),
    level: float = 0.8,
    min_train: int = 1,
    by: Sequence[str] = (),
) -> pd.DataFrame:
    """:func:`backtest_frame` of a planner-format file (CSV or Excel), read by :func:`read_history`."""
    frame = read_history(path, sheet=sheet)
    out = backtest_frame(frame, method=method, leads=parse_leads(leads), level=level, min_train=min_train,
                         label=str(path), by=by)
    out.attrs["labels"] = frame.attrs.get("labels", "")
    out.attrs["rows_read"] = int(len(frame))
    return out
