"""Information campaigns (truyền thông hướng nghiệp): a one-year push whose effect fades unless repeated.

effect = E x intensity, intensity decaying with a half-life (years) unless
the campaign is repeated. Cost: VND per student of the cohort reached.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from simlib.scenarios.lever_types import ShareLever, register

__all__ = ["Information"]


@register
@dataclass(frozen=True)
class Information(ShareLever):
    """A campaign: effect x intensity, the intensity carried over with a half-life."""

    kind: ClassVar[str] = "information"
    PRIORS: ClassVar[tuple[str, ...]] = ("effect",)
    SETTINGS: ClassVar[tuple[str, ...]] = ("intensity",)
    COST: ClassVar[tuple[str, ...]] = ("vnd_per_student",)

    def effect(self, values: Mapping, p: Mapping[str, np.ndarray], base: Any) -> np.ndarray:
        years = np.asarray(base.years, dtype=float)
        u = len(base.units)
        inten = self.setting(values, "intensity", years)
        decay = 0.5 ** (1.0 / max(self.half_life_years, 1e-9))
        eff_int = np.zeros_like(inten)
        carry = 0.0
        # intensity is defined on consecutive years; years before the first are the default (0)
        for i, x in enumerate(inten):
            carry = max(x, carry * decay) if i else x
            eff_int[i] = min(1.0, carry)
        return p["effect"][:, None, None] * eff_int[None, None, :] * np.ones((1, u, 1))

    def cost(self, values: Mapping, base: Any, seats: Mapping[str, np.ndarray]) -> np.ndarray:
        n, u, y = base.n, len(base.units), len(base.years)
        yrs = np.asarray(base.years, dtype=float)
        inten = self.setting(values, "intensity", yrs)
        return np.broadcast_to(base.cohort * inten[None, :] * self.cost_params["vnd_per_student"][0], (n, u, y)).copy()
