"""Price support (hỗ trợ chi phí học, học phí): money per enrolled student on top of what the baseline pays.

effect = elasticity x (support_vnd / total_cost_vnd) x coverage x s0, where
s0 is the baseline share of that draw, unit and year (no lag: it acts on the
cohort deciding that year). Cost: support x coverage x students enrolled in
the indicator's destinations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from simlib.scenarios.lever_types import ShareLever, register

__all__ = ["PriceSupport"]


@register
@dataclass(frozen=True)
class PriceSupport(ShareLever):
    """Tuition or study support: an own-price elasticity times the support's share of the cost of study."""

    kind: ClassVar[str] = "price"
    PRIORS: ClassVar[tuple[str, ...]] = ("elasticity",)
    SETTINGS: ClassVar[tuple[str, ...]] = ("support_vnd", "coverage")
    COST: ClassVar[tuple[str, ...]] = ("total_cost_vnd",)

    def effect(self, values: Mapping, p: Mapping[str, np.ndarray], base: Any) -> np.ndarray:
        years = np.asarray(base.years, dtype=float)
        support = self.setting(values, "support_vnd", years)
        coverage = self.setting(values, "coverage", years)
        total = self.cost_params["total_cost_vnd"][0]
        rel = np.clip(support / total, 0.0, 1.0) * coverage                              # (y,)
        return p["elasticity"][:, None, None] * rel[None, None, :] * base.shares[self.indicator]

    def cost(self, values: Mapping, base: Any, seats: Mapping[str, np.ndarray]) -> np.ndarray:
        yrs = np.asarray(base.years, dtype=float)
        support = self.setting(values, "support_vnd", yrs) * self.setting(values, "coverage", yrs)
        paid = [t for t in base.registry[self.indicator].destinations if t in seats]
        stock = sum(seats[t] for t in paid)
        return stock * support[None, None, :]
