"""Text from planners made safe for every file simlib writes (CSV, Excel, HTML, Word, SVG).

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is read as a formula by Excel and LibreOffice when a CSV is opened or a value
is pasted (OWASP, "CSV Injection"): a unit name such as
``=HYPERLINK("http://x","INJ")`` typed into ``units.csv`` would become a link
in the planner's spreadsheet. :func:`neutralise` prefixes such text with a
single quote, as OWASP advises, so it is shown as typed and never evaluated.
Every writer of :mod:`simlib.present` passes planner text through it (one
rule, one place). Numbers are left alone: ``-3,5`` stored as a number is a
number, not a formula.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["FORMULA_TRIGGERS", "neutralise", "neutralise_frame"]

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """``value`` with a leading ``'`` when it is text starting with a formula trigger, else unchanged.

    Parameters
    ----------
    value : object
        Any cell value; only ``str`` is changed.

    Returns
    -------
    object

    Examples
    --------
    >>> neutralise('=HYPERLINK("x","INJ")')
    '\\'=HYPERLINK("x","INJ")'
    >>> neutralise("Xã Kim Phú"), neutralise(-3.5)
    ('Xã Kim Phú', -3.5)
    """
    if isinstance(value, str) and value and value[0] in FORMULA_TRIGGERS:
        # a number written as text ("-3.5") is a number, not a formula: leave it
        try:
            float(value.replace(",", "."))
            return value
        except ValueError:
            return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text cell (object/string columns) passed through :func:`neutralise`."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(neutralise)
    return out
