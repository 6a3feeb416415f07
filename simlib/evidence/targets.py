"""What a target asks for, and when it is met: one home for the rules every stage uses.

* :func:`used_targets`: which row counts when a plan states a target twice
  (body and appendix): the appendix (:data:`PREFERRED_VARIANT`);
* :func:`threshold`: the share a target must reach and in which direction
  (``>=``/``>``: at least the value; ``range``: met at its floor; ``approx``
  "khoảng": at least the value; ``<=``/``<``: at most the value);
* :func:`p_met`: the probability that draws of a share meet a threshold;
* :func:`is_met`: whether an observed share meets it (for past years).

Shares are fractions 0-1 (a 40.12 % target is 0.4012).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["PREFERRED_VARIANT", "SAME_SCOPE_VARIANTS", "Threshold", "threshold", "p_met", "is_met", "used_targets", "TOLERANCE"]

#: When a plan gives the same figure in its body and in its appendix and they
#: differ, simlib uses the appendix: it is the table the district targets add
#: up to. The audit always shows both.
PREFERRED_VARIANT = ("appendix", "body")
SAME_SCOPE_VARIANTS = {"body", "appendix", ""}

#: Draws within this distance of the threshold count as meeting it (floating-point ties), fraction.
TOLERANCE = 1e-12


@dataclass(frozen=True)
class Threshold:
    """The share a target must reach.

    Attributes
    ----------
    value : float
        Fraction 0-1.
    at_least : bool
        True for "reach at least" (``>=``, ``>``, ``range``, ``approx``);
        False for "at most" (``<=``, ``<``).
    note : str
        How the comparator was read, when it is not plain (``range``, ``approx``).
    """

    value: float
    at_least: bool = True
    note: str = ""

    def met(self, x: np.ndarray | float) -> np.ndarray:
        """Boolean array: which shares (fractions) meet the threshold."""
        x = np.asarray(x, dtype=float)
        if self.at_least:
            return x >= self.value - TOLERANCE
        return x <= self.value + TOLERANCE


def threshold(row: Mapping) -> Threshold:
    """The threshold of a target row (``value_share`` / ``low_share`` fractions, ``comparator``).

    ``>=`` and ``>`` read the same for a continuous share; ``range`` is met at
    its floor (``data/README.md``); ``approx`` ("khoảng") is read as at least
    the value.

    Examples
    --------
    >>> threshold({"comparator": "range", "low_share": 0.30, "value_share": None}).value
    0.3
    >>> threshold({"comparator": "<=", "value_share": 0.05}).at_least
    False
    """
    comp = str(row["comparator"])
    if comp == "range":
        return Threshold(float(row["low_share"]), True, "range: met at its floor")
    if comp == "approx":
        return Threshold(float(row["value_share"]), True, "approx ('khoảng') read as at least the value")
    if comp in ("<=", "<"):
        return Threshold(float(row["value_share"]), False, "")
    return Threshold(float(row["value_share"]), True, "")


def p_met(draws: np.ndarray, thr: Threshold | float) -> float:
    """Share of draws meeting the threshold (NaN when every draw is NaN: no evidence).

    Parameters
    ----------
    draws : array of float
        Draws of a share (fractions), one unit and year.
    thr : Threshold or float
        A float is read as "at least" that fraction.
    """
    x = np.asarray(draws, dtype=float)
    if x.size == 0 or np.isnan(x).all():
        return float("nan")
    t = thr if isinstance(thr, Threshold) else Threshold(float(thr))
    return float(np.mean(t.met(x)))


def is_met(observed: float, thr: Threshold | float) -> bool:
    """Whether an observed share (fraction) meets the threshold."""
    t = thr if isinstance(thr, Threshold) else Threshold(float(thr))
    return bool(t.met(float(observed)))


def used_targets(targets: pd.DataFrame) -> pd.DataFrame:
    """Targets simlib uses downstream: one row per (plan, geography, indicator, year, variant family).

    Where a plan states the same target in its body and its appendix, the
    appendix row is kept (:data:`PREFERRED_VARIANT`); the audit reports both.
    """
    t = targets.copy()
    t["_family"] = t["variant"].where(~t["variant"].isin(SAME_SCOPE_VARIANTS), "")
    t["_rank"] = t["variant"].map(lambda v: PREFERRED_VARIANT.index(v) if v in PREFERRED_VARIANT else 0)
    t = t.sort_values(["plan_id", "geography", "indicator", "year", "_family", "_rank"])
    t = t.drop_duplicates(["plan_id", "geography", "indicator", "year", "_family"], keep="first")
    return t.drop(columns=["_family", "_rank"]).sort_index()
