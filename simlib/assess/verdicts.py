"""Verdict words, in one place: probability bands for future targets, met / missed for past ones.

Codes are machine-readable (CSV columns keep them); :mod:`simlib.present.i18n`
gives the words in Vietnamese and English (``verdict.<code>``).

* A future target (or a past year without an observation) gets P(met) and a
  band: >= 0.8 ``likely``, 0.5-0.8 ``possible``, 0.2-0.5 ``unlikely``, < 0.2
  ``very_unlikely`` (our choice, stated in every report);
* a past target with an observation for its year is ``met`` or ``missed``;
* a target the evidence cannot speak to is ``not_assessed``, with the reason.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["VERDICT_BANDS", "NOT_ASSESSED", "MET", "MISSED", "VERDICTS", "verdict"]

#: P(met) bands, highest first: (lower bound, code).
VERDICT_BANDS: tuple[tuple[float, str], ...] = ((0.8, "likely"), (0.5, "possible"), (0.2, "unlikely"),
                                                (0.0, "very_unlikely"))
NOT_ASSESSED = "not_assessed"
MET = "met"
MISSED = "missed"
#: Every verdict code, in the order tables sort them.
VERDICTS: tuple[str, ...] = (MET, MISSED) + tuple(code for _, code in VERDICT_BANDS) + (NOT_ASSESSED,)


def verdict(p: float | None, bands: Sequence[tuple[float, str]] = VERDICT_BANDS) -> str:
    """Band code of a probability of meeting a target (``not_assessed`` for None or NaN).

    Examples
    --------
    >>> verdict(0.8), verdict(0.79), verdict(0.05), verdict(float("nan"))
    ('likely', 'possible', 'very_unlikely', 'not_assessed')
    """
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return NOT_ASSESSED
    for lower, code in bands:
        if p >= lower:
            return code
    return bands[-1][1]
