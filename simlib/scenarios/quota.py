"""The public grade-10 quota (chỉ tiêu tuyển sinh lớp 10 công lập) and private THPT places, with the overflow split.

A scenario sets ``grade10_public_share`` (public grade-10 places as a share
of THCS graduates, from the year given, never in a year up to the case's
``as_of``) and optionally ``thpt_private_share`` (a cap on private THPT).
The students above the public quota go where ``overflow`` says: the
scenario's own split, else the lever file's default split drawn per draw
with its Dirichlet uncertainty (``quota.overflow`` in ``levers.yaml``);
students above the private cap share out over the remaining destinations in
proportion to their shares (the flow engine's rule).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np

from simlib.inputs.levers import lever_error
from simlib.models.flows import THCS_TRACKS
from simlib.scenarios.lever_types import FlowLimits, LeverType, _check_range, register, setting_by_year
from simlib.scenarios.priors import STATUSES, Setting, child_rng, range_from_spec

__all__ = ["Quota", "Overflow", "OVERFLOW_DESTINATIONS", "check_split"]

#: Where students above a quota may go (THCS destinations other than public THPT).
OVERFLOW_DESTINATIONS: tuple[str, ...] = tuple(t for t in THCS_TRACKS if t != "thpt_public")
#: The quota's settings and the THCS destination each caps.
_CAPPED = (("grade10_public_share", "thpt_public"), ("thpt_private_share", "thpt_private"))


def check_split(split: Mapping[str, Any], where: str) -> dict[str, float]:
    """A split of displaced students over THCS destinations: known names, fractions >= 0 summing to 1."""
    if not isinstance(split, Mapping) or not split:
        raise lever_error("scen_split", where=where)
    out = {}
    for t, v in split.items():
        if t not in OVERFLOW_DESTINATIONS:
            raise lever_error("scen_split_dest", where=where, t=t, known=", ".join(OVERFLOW_DESTINATIONS))
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise lever_error("scen_fraction", where=f"{where}.{t}", v=repr(v)) from None
        if not 0.0 <= x <= 1.0:
            raise lever_error("scen_fraction", where=f"{where}.{t}", v=f"{x:g}")
        out[str(t)] = x
    total = sum(out.values())
    if abs(total - 1.0) > 1e-6:
        raise lever_error("scen_split_sum", where=where, total=f"{total:.4f}")
    return {t: x / total for t, x in out.items()}


@dataclass(frozen=True)
class Overflow:
    """Where students above the public grade-10 quota go: a split over THCS destinations and its uncertainty.

    Parameters
    ----------
    split : mapping destination -> fraction
        Central split (fractions 0-1 summing to 1) over
        :data:`OVERFLOW_DESTINATIONS`.
    concentration : float
        Dirichlet concentration of the per-draw split around ``split``
        (larger = more certain; ``inf`` = the split exactly).
    status, source : str
        Provenance (``evidence``, ``judgement`` or ``illustrative``).
    """

    split: Mapping[str, float]
    concentration: float
    status: str
    source: str

    @classmethod
    def from_spec(cls, spec: Any, where: str) -> Overflow:
        """The lever file's default split of students above the quota (``quota.overflow``)."""
        if not isinstance(spec, Mapping):
            raise lever_error("lev_overflow", where=where)
        split = check_split(spec.get("split"), f"{where}.split")
        try:
            conc = float(spec.get("concentration", float("inf")))
        except (TypeError, ValueError):
            raise lever_error("lev_concentration", where=where, v=repr(spec.get("concentration"))) from None
        if not conc > 0:
            raise lever_error("lev_concentration", where=where, v=f"{conc:g}")
        status, source = str(spec.get("status", "")), str(spec.get("source", ""))
        if status not in STATUSES or not source:
            raise lever_error("lev_overflow_status", where=where)
        return cls(MappingProxyType(split), conc, status, source)

    def draw(self, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Per-draw splits (arrays of length ``n`` that sum to 1 across destinations)."""
        keys = list(self.split)
        mean = np.asarray([self.split[k] for k in keys], dtype=float)
        if not math.isfinite(self.concentration):
            return {k: np.full(n, m) for k, m in zip(keys, mean)}
        alpha = np.maximum(mean * self.concentration, 1e-9)
        d = rng.dirichlet(alpha, size=n)
        d = d / d.sum(axis=1, keepdims=True)
        return {k: d[:, i] for i, k in enumerate(keys)}

    def describe(self) -> str:
        parts = ", ".join(f"{k} {v:.2f}" for k, v in self.split.items())
        return f"dirichlet({parts}; concentration {self.concentration:g})"


@register
@dataclass(frozen=True)
class Quota(LeverType):
    """The ``quota:`` section of the lever file: plausible ranges of the quota settings and the overflow split."""

    kind: ClassVar[str] = "quota"
    section: ClassVar[str] = "quota"
    settings: Mapping[str, Setting] = field(default_factory=dict)
    overflow: Overflow | None = None
    key: str = "quota"
    file: str = ""
    indicator: str | None = None

    @classmethod
    def from_spec(cls, key: str, spec: Mapping, where: str) -> Quota:
        settings, overflow = {}, None
        for name, s in spec.items():
            if name == "overflow":
                overflow = Overflow.from_spec(s, f"{where}.overflow")
                continue
            settings[name] = range_from_spec(s, f"{where}.{name}", default=float("nan"))
        return cls(MappingProxyType(settings), overflow, key, where.split(':')[0])

    def draw(self, n: int, seed: int, fixed: Mapping[tuple[str, str], float]) -> Mapping[str, np.ndarray]:
        if self.overflow is None:
            return MappingProxyType({})
        return MappingProxyType(self.overflow.draw(n, child_rng(seed, "lever:quota:overflow")))

    def check(self, values: Mapping[str, Any], where: str) -> None:
        for key, v in values.items():
            if key == "overflow":
                check_split(v, f"{where}: quota.overflow")
                continue
            if key not in self.settings:
                raise lever_error("scen_unknown_quota", where=where, name=key, file=self.file,
                                  known=", ".join(self.settings) or "-")
            _check_range(v, self.settings[key], f"quota.{key}", where)

    def first_year(self, values: Mapping[str, Any], years: Sequence[int]) -> int | None:
        first = [min(int(y) for y in v) if isinstance(v, Mapping) else int(years[0])
                 for k, v in values.items() if k != "overflow"]
        return min(first) if first else None

    def limits(self, values: Mapping[str, Any], params: Mapping[str, np.ndarray], base: Any,
               limits: FlowLimits) -> None:
        """Share caps (1 = none, in years without a quota and every year up to ``as_of``) and the overflow split."""
        active = base.active_years()
        for key, track in _CAPPED:
            q = setting_by_year(values.get(key), base.years, np.nan)
            q = np.where(active, q, np.nan)
            if np.isfinite(q).any():
                limits.share_caps[track] = np.where(np.isfinite(q), q, 1.0)[None, None, :]
        if "thpt_public" not in limits.share_caps:
            return
        given = values.get("overflow")
        if given is not None:
            split = {t: float(v) for t, v in given.items()}
        elif params:
            split = {t: np.asarray(v)[:, None, None] for t, v in params.items()}
        else:
            return
        limits.reroute = {"thpt_public": split}

    def prior_rows(self) -> list[tuple[str, str, str, str, str]]:
        if self.overflow is None:
            return []
        o = self.overflow
        return [("quota", "overflow", o.describe(), o.status, o.source)]
