"""A planner's history file for a backtest: read and checked as ``python -m simlib validate`` reads it.

The backtest (:mod:`simlib.assess.backtest`) scores trend methods on any
panel of shares, including panels of places and indicators the library does
not know. This module is where such a file is opened: the same reader, headers
(Vietnamese or English) and rules as the validator, with one difference made
explicit: names outside the library's lists are taken as free labels.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from simlib.inputs.bundle import validate_file
from simlib.inputs.textio import ValidationError, read_table
from simlib.inputs.validation import header_words, validate_table

__all__ = ["read_history"]


def read_history(path: str | Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    """Read and check a planner-format observation file as ``python -m simlib validate`` does.

    The file is read by :func:`simlib.inputs.bundle.validate_file` (kind
    ``observations``): the same reader, headers (Vietnamese or English) and
    rules. If it is refused only because geographies or indicators are not in
    the library's lists, it is read again with them as free labels (a
    backtest needs no reference data). ``.attrs["labels"]`` says which.

    Parameters
    ----------
    path : str or Path
        A CSV, Excel (.xlsx, .xls) or OpenDocument (.ods) file in the planner
        template (geography, indicator, year, value or low/high, unit, source;
        values in percent or students as the ``unit`` column says).
    sheet : str or int, optional
        Worksheet name or position counting from 1 (default: the active,
        visible sheet).

    Returns
    -------
    pandas.DataFrame
        The validator's typed table (shares in ``*_share`` columns, fractions 0-1).

    Raises
    ------
    simlib.inputs.textio.ValidationError
        Every problem in the file, with row and column (the free-label reading's).
    """
    try:
        df = validate_file(path, kind="observations", sheet=sheet)
        df.attrs["labels"] = "matched to the library's geographies and indicators"
        return df
    except ValidationError:
        pass
    df = validate_table(read_table(path, sheet=sheet, header_names=header_words("observations")), "observations",
                        ref=None)
    df.attrs["labels"] = ("taken as free labels (geographies and/or indicators are not in the library's lists; "
                          "each geography x indicator is one series)")
    return df
