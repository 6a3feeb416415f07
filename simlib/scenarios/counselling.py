"""Career counselling (tư vấn hướng nghiệp): teachers holding a counselling role in THCS or THPT schools.

effect = E x fidelity x c^theta, with coverage relative to the ASCA ratio
c = coverage x min(1, counsellors_per_school x 250 / students_per_school),
applied ``lag`` school years after the coverage is reached (the whole dose
of year t - lag acts in year t). Cost: designated teachers x periods per
week x teaching weeks x VND per period.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from simlib.models import assumptions as fa
from simlib.models.flows import THPT_ENTRY
from simlib.scenarios.lever_types import ShareLever, register

__all__ = ["Counselling", "ASCA_RATIO", "students_per_school"]

ASCA_RATIO = 250.0  # students per counsellor recommended by ASCA (policy_levers.md S1)
#: School years whose students a school teaches (THCS grades 6-9, THPT grades 10-12), for the counselling dose.
_GRADES = {"thcs": 4.0, "thpt": 3.0}


def students_per_school(base: Any, indicator: str) -> np.ndarray | None:
    """Students per school of the indicator's origin, per unit, or None where unknown.

    THCS: 4 school years x THCS graduates / schools; THPT: 3 x THCS graduates x
    the THPT share of THCS graduates (flow assumptions) / schools. Where school
    counts or the cohort are unknown the counselling dose assumes 250 students
    per teacher (full intensity), and verdict notes say so.
    """
    sch = base.schools.get(indicator)
    if sch is None or not np.isfinite(sch).all() or not base.cohort_known:
        return None
    origin = base.registry[indicator].origin
    if origin == "thcs":
        return _GRADES["thcs"] * base.cohort[:, 0] / sch
    dest = fa.thcs_destination_shares(base.flow_table)
    thpt_share = sum(dest.get(t, 0.0) for t in THPT_ENTRY)
    return _GRADES["thpt"] * base.cohort[:, 0] * thpt_share / sch


def _lagged(years: np.ndarray, lag: np.ndarray, setting_fn) -> np.ndarray:
    """The setting at (year - lag) for each draw's lag: shape (n, len(years))."""
    # lags are small integers: evaluate the setting on shifted years once per distinct lag
    out = np.empty((len(lag), len(years)))
    for L in np.unique(lag):
        rows = lag == L
        out[rows] = setting_fn(years - int(L))[None, :]
    return out


@register
@dataclass(frozen=True)
class Counselling(ShareLever):
    """Counselling teachers: a concave, lagged dose of school coverage and teachers per school."""

    kind: ClassVar[str] = "counselling"
    PRIORS: ClassVar[tuple[str, ...]] = ("effect_full", "fidelity", "dose_exponent", "lag_years")
    SETTINGS: ClassVar[tuple[str, ...]] = ("coverage", "counsellors_per_school")
    COST: ClassVar[tuple[str, ...]] = ("periods_per_week", "teaching_weeks", "vnd_per_period")

    def effect(self, values: Mapping, p: Mapping[str, np.ndarray], base: Any) -> np.ndarray:
        years = np.asarray(base.years, dtype=float)
        sps_given = students_per_school(base, self.indicator)
        u = len(base.units)
        sps = np.full(u, ASCA_RATIO) if sps_given is None else np.asarray(sps_given, dtype=float)   # (u,)
        lagged_cov = _lagged(years, p["lag_years"], lambda ys: self.setting(values, "coverage", ys))      # (n, y)
        lagged_cps = _lagged(years, p["lag_years"],
                             lambda ys: self.setting(values, "counsellors_per_school", ys))               # (n, y)
        intensity = np.minimum(1.0, lagged_cps[:, None, :] * ASCA_RATIO / sps[None, :, None])        # (n, u, y)
        c = np.clip(lagged_cov[:, None, :] * intensity, 0.0, 1.0)                                    # (n, u, y)
        dose = c ** p["dose_exponent"][:, None, None]
        return (p["effect_full"] * p["fidelity"])[:, None, None] * dose

    def caveats(self, base: Any) -> list[tuple[str, dict]]:
        if students_per_school(base, self.indicator) is not None:
            return []
        ratio = int(ASCA_RATIO) if float(ASCA_RATIO).is_integer() else ASCA_RATIO
        return [("dose_optimistic", {"students_per_teacher": ratio})]

    def cost(self, values: Mapping, base: Any, seats: Mapping[str, np.ndarray]) -> np.ndarray:
        n, u, y = base.n, len(base.units), len(base.years)
        yrs = np.asarray(base.years, dtype=float)
        c = self.cost_params
        cov = self.setting(values, "coverage", yrs)
        cps = self.setting(values, "counsellors_per_school", yrs)
        teachers = base.schools[self.indicator][:, None] * (cov * cps)[None, :]
        per = c["periods_per_week"][0] * c["teaching_weeks"][0] * c["vnd_per_period"][0]
        return np.broadcast_to(teachers * per, (n, u, y)).copy()
