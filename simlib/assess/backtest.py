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
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from simlib.errors import InputError
from simlib.evidence.series import observations_from_frame
from simlib.inputs.textio import read_table
from simlib.inputs.validation import validate_table
from simlib.models import trends

__all__ = ["BacktestInputError", "COLUMNS", "parse_leads", "read_history", "backtest_frame", "backtest_file"]

#: Columns of the table :func:`backtest_frame` returns.
COLUMNS = ("lead", "coverage", "n", "mae", "mae_naive")


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


def read_history(path: str | Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    """Read and validate a planner-format observation file; geographies and indicators are free labels.

    Returns
    -------
    pandas.DataFrame
        The validator's typed table (shares in ``*_share`` columns, fractions 0-1).

    Raises
    ------
    simlib.inputs.textio.ValidationError
        Every problem in the file, with row and column.
    """
    return validate_table(read_table(path, sheet=sheet), "observations", ref=None)


def backtest_frame(
    frame: pd.DataFrame,
    *,
    method: str = trends.DEFAULT_METHOD,
    leads: Sequence[int] = (1, 2, 3, 4, 5),
    level: float = 0.8,
    min_train: int = 1,
    label: str = "the file",
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

    Returns
    -------
    pandas.DataFrame
        One row per lead, columns :data:`COLUMNS`: ``lead`` (years),
        ``coverage`` (fraction 0-1), ``n`` (figures scored), ``mae`` and
        ``mae_naive`` (percentage points). A lead with no case has ``n = 0``
        and NaN elsewhere. ``.attrs`` carries ``method``, ``level``,
        ``n_series`` and ``skipped`` (fits that could not be made).

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
    obs = observations_from_frame(frame)
    if not obs:
        raise BacktestInputError(f"{label}: no figure in a share unit (percent or share) with a year: "
                                 "nothing to backtest.")
    both = trends.backtest(obs, [method, "naive"], min_train=min_train, leads=leads, level=level, per_case=True)
    cases = both[both["method"] == method]
    key = ["indicator", "geography", "origin", "year"]
    naive = both[both["method"] == "naive"].set_index(key)["abs_error"]
    rows = []
    for h in leads:
        g = cases[cases["lead"] == h]
        if g.empty:
            rows.append(dict(lead=h, coverage=float("nan"), n=0, mae=float("nan"), mae_naive=float("nan")))
            continue
        nv = naive.reindex(pd.MultiIndex.from_frame(g[key]))
        rows.append(dict(lead=h, coverage=float(g["in_level"].mean()), n=int(len(g)),
                         mae=100 * float(g["abs_error"].mean()),
                         mae_naive=100 * float(nv.mean()) if nv.notna().all() else float("nan")))
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
) -> pd.DataFrame:
    """:func:`backtest_frame` of a planner-format file (CSV or Excel), read by :func:`read_history`."""
    frame = read_history(path, sheet=sheet)
    return backtest_frame(frame, method=method, leads=parse_leads(leads), level=level, min_train=min_train,
                          label=str(path))
