"""Per-commune answers for the ranked commune chart: where each unit is heading and what that rests on.

Data for the report's and notebook 08's ranked chart: per unit of a run
(communes and wards of a province, districts of a former province), the
median and 80 % interval of an indicator in a year, whether the unit has
figures of its own, and how many. Units without figures are the province's
value plus the estimated between-unit spread (the partial-pooling model,
:mod:`simlib.models.hierarchy`): they are marked ``not_commune_information``
and must not be ranked as if they were commune information.

Shares are fractions 0-1.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["INFORMATION", "commune_answers"]

#: What a unit's answer rests on.
INFORMATION = ("own", "former_area", "not_commune_information")


def _information(ev, unit: str, ancestors: Sequence[str]) -> str:
    if ev is None or not ev.assessable:
        return "not_commune_information"
    if ev.hops == 0 and ev.source_geography == unit:
        return "own"
    if ev.source_geography not in ancestors:
        return "former_area"
    return "not_commune_information"


def commune_answers(run, indicator: str, year: int | None = None, scenario: str = "baseline", *,
                    probs: tuple[float, float] = (0.1, 0.9), include_geography: bool = False,
                    names: dict[str, str] | None = None) -> pd.DataFrame:
    """Per unit: median and interval of ``indicator`` in ``year``, and what the answer rests on.

    Parameters
    ----------
    run : simlib.scenarios.engine.ScenarioRun
    indicator : str
        A simulated indicator (registry id).
    year : int, optional
        Default: the run's last year (e.g. 2030).
    scenario : str
    probs : (low, high)
        Interval levels (fractions; default the 80 % interval).
    include_geography : bool
        Keep the run's geography as the first row (information ``province``).
    names : dict geo id -> name, optional

    Returns
    -------
    DataFrame
        Columns unit, unit_name, indicator, year, median, low, high (fractions), information (``own``,
        ``former_area``, ``not_commune_information``; ``province`` for the geography), has_own_data,
        n_figures (figures the unit's own series holds; 0 without), evidence (the geography whose figures
        its trend rests on), rank (1 = highest median among units with figures of their own; NaN for the
        others). Sorted by median, highest first.
    """
    b = run.baseline
    yr = b.years[-1] if year is None else int(year)
    k = b.year_index(yr)
    arr = run.share(indicator, scenario)[:, :, k]
    q = np.quantile(arr, (probs[0], 0.5, probs[1]), axis=0)
    anc = [b.geography] + b.bundle.ancestors(b.geography)
    names = names or {}
    rows = []
    for j, u in enumerate(b.units):
        if u == b.geography and not include_geography:
            continue
        steered = indicator in b.shares
        ev = b.evidence.get((u, indicator)) if steered else None
        if not steered:  # a derived indicator: what its steered origin rests on
            evs = [v for (uu, _), v in b.evidence.items() if uu == u]
            ev = evs[0] if evs else None
        info = "province" if u == b.geography else _information(ev, u, anc)
        own = info in ("own", "province") and ev is not None and ev.hops == 0
        rows.append({"unit": u, "unit_name": names.get(u, b.bundle.geo_name(u)), "indicator": indicator,
                     "year": yr, "median": q[1, j], "low": q[0, j], "high": q[2, j], "information": info,
                     "has_own_data": bool(own), "n_figures": int(ev.n_points) if own else 0,
                     "evidence": ev.source_geography if ev is not None else None})
    out = pd.DataFrame(rows, columns=["unit", "unit_name", "indicator", "year", "median", "low", "high",
                                      "information", "has_own_data", "n_figures", "evidence"])
    out = out.sort_values("median", ascending=False, kind="stable").reset_index(drop=True)
    ranked = out["has_own_data"] & (out["information"] != "province")
    out["rank"] = np.nan
    out.loc[ranked, "rank"] = np.arange(1, int(ranked.sum()) + 1)
    return out
