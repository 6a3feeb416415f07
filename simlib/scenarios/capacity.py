"""Capacity caps: seats per year a destination can take in a unit, times the usable share (utilisation prior).

A scenario writes ``capacity: {geo_id: {thcs|thpt: {track: seats or {year: seats}}}}``;
the cap in a draw is seats x utilisation (``capacity.utilisation`` in the
lever file, Beta(8, 2) by default). Students above a cap are re-routed by
the flow engine (:class:`simlib.models.flows.Capacity`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np

from simlib.inputs.levers import lever_error
from simlib.models.flows import SINK, THCS_TRACKS, THPT_TRACKS
from simlib.scenarios.lever_types import FlowLimits, LeverType, register
from simlib.scenarios.priors import Prior, child_rng, prior_from_spec

__all__ = ["SeatCaps", "CAPPABLE"]

#: tracks a scenario may cap, by origin: every destination but not_continuing (where overflow goes last)
CAPPABLE = {"thcs": tuple(t for t in THCS_TRACKS if t != SINK), "thpt": tuple(t for t in THPT_TRACKS if t != SINK)}


@register
@dataclass(frozen=True)
class SeatCaps(LeverType):
    """The ``capacity:`` section: the utilisation prior that turns seats into usable places."""

    kind: ClassVar[str] = "capacity"
    section: ClassVar[str] = "capacity"
    utilisation: Prior
    key: str = "capacity"
    indicator: str | None = None

    @classmethod
    def from_spec(cls, key: str, spec: Mapping, where: str) -> SeatCaps:
        cap = (spec or {}).get("utilisation")
        if cap is None:
            raise lever_error("lev_utilisation", where=where.split(":")[0])
        return cls(prior_from_spec(cap, f"{where}.utilisation"), key)

    def draw(self, n: int, seed: int, fixed: Mapping[tuple[str, str], float]) -> Mapping[str, np.ndarray]:
        if (self.key, "utilisation") in fixed:
            u = np.full(n, float(fixed[(self.key, "utilisation")]))
        else:
            u = self.utilisation.draw(n, child_rng(seed, f"lever:{self.key}:utilisation"))
        return MappingProxyType({"utilisation": u})

    def check(self, values: Mapping[str, Any], where: str) -> None:
        for geo, origins in values.items():
            for origin, tracks in origins.items():
                if origin not in CAPPABLE:
                    raise lever_error("scen_cap_origin", where=f"{where}: capacity.{geo}.{origin}")
                for t, v in tracks.items():
                    w = f"{where}: capacity.{geo}.{origin}.{t}"
                    if t not in CAPPABLE[origin]:
                        raise lever_error("scen_cap_track", where=w, origin=origin, known=", ".join(CAPPABLE[origin]))
                    if any(x < 0 for x in (v.values() if isinstance(v, Mapping) else [v])):
                        raise lever_error("scen_cap_negative", where=w)

    def first_year(self, values: Any, years) -> int | None:
        return None  # caps are limits, not a setting that acts from a year

    def limits(self, values: Mapping[str, Any], params: Mapping[str, np.ndarray], base: Any,
               limits: FlowLimits) -> None:
        n, u, y = base.n, len(base.units), len(base.years)
        known_geos = set(base.bundle.geographies["geo_id"])
        for geo in values:
            if geo not in known_geos:
                raise lever_error("scen_cap_geo", where=limits.where, geo=geo, example=base.geography)
        yrs = np.asarray(base.years, dtype=float)
        for j, unit in enumerate(base.units):
            for origin, tracks in values.get(unit, {}).items():
                for track, val in tracks.items():
                    arr = limits.seats[origin].setdefault(track, np.full((n, u, y), np.inf))
                    if isinstance(val, Mapping):
                        ys = np.asarray(list(val.keys()), dtype=float)
                        v = np.interp(yrs, ys, np.asarray(list(val.values()), dtype=float))
                        v[yrs < ys[0]] = np.inf
                    else:
                        v = np.full(y, float(val))
                    arr[:, j, :] = v[None, :] * params["utilisation"][:, None]

    def prior_rows(self) -> list[tuple[str, str, str, str, str]]:
        p = self.utilisation
        return [("capacity", "utilisation", p.describe(), p.status, p.source)]

