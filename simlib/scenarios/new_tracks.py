"""New tracks a scenario opens (trung học nghề, Laws 123/2025/QH15 and 124/2025/QH15).

A scenario sets the share (0-1) of THCS graduates entering the track by
year (0 before the first year given, and in every year up to ``as_of``). Its
students are taken from the destinations the lever file names
(``tracks.<name>.taken_from``) **in proportion to their shares** in that
draw, unit and year: each source keeps ``(1 - take / pool)`` of its
students, where ``pool`` is the sources' total share and ``take`` the
track's share (at most the pool). The first intake year is data
(``start_<track>`` in the flow assumptions); the flow engine refuses a
positive share before it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from simlib.inputs.levers import lever_error
from simlib.models.flows import SINK, THCS_TRACKS
from simlib.scenarios.lever_types import LeverType, _check_range, register, setting_by_year
from simlib.scenarios.priors import Setting, range_from_spec

__all__ = ["NewTrack", "take_proportionally"]


def take_proportionally(shares: Mapping[str, Any], sources: tuple[str, ...], share: np.ndarray,
                        shape: tuple[int, int, int]) -> tuple[dict, np.ndarray]:
    """Move ``share`` of THCS graduates out of ``sources``, each in proportion to its own share.

    Parameters
    ----------
    shares : mapping destination -> fraction (scalar or array broadcasting to ``shape``)
    sources : tuple of str
    share : ndarray (years,)
        Share (0-1) of THCS graduates to move, per year.

    Returns
    -------
    (new source shares, moved) where ``moved`` (n, units, years) is the share taken (at most the sources' pool).

    Examples
    --------
    >>> new, take = take_proportionally({"a": 0.3, "b": 0.1}, ("a", "b"), np.array([0.08]), (1, 1, 1))
    >>> round(float(new["a"][0, 0, 0]), 6), round(float(new["b"][0, 0, 0]), 6), float(take[0, 0, 0])
    (0.24, 0.08, 0.08)
    """
    pool = sum(np.broadcast_to(np.asarray(shares.get(t, 0.0), dtype=float), shape) for t in sources)
    take = np.minimum(share[None, None, :], pool)
    frac = np.divide(take, pool, out=np.zeros(shape), where=pool > 0)
    return {t: np.broadcast_to(np.asarray(shares.get(t, 0.0), dtype=float), shape) * (1.0 - frac)
            for t in sources}, take


@register
@dataclass(frozen=True)
class NewTrack(LeverType):
    """A destination of THCS graduates a scenario opens, filled from the destinations it names."""

    kind: ClassVar[str] = "new_track"
    section: ClassVar[str] = "tracks"
    key: str
    setting: Setting
    taken_from: tuple[str, ...]
    indicator: str | None = None

    @classmethod
    def from_spec(cls, key: str, spec: Mapping, where: str) -> NewTrack:
        if key not in THCS_TRACKS:
            raise lever_error("lev_track_dest", where=where, known=", ".join(THCS_TRACKS))
        st = range_from_spec(spec, where, default=0.0)
        src = tuple((spec or {}).get("taken_from") or ())
        bad = [t for t in src if t not in THCS_TRACKS or t in (key, SINK)]
        if not src or bad:
            raise lever_error("lev_taken_from", where=where, v=bad or "[]")
        return cls(key, st, src)

    def check(self, values: Any, where: str) -> None:
        _check_range(values, self.setting, f"tracks.{self.key}", where)

    def first_year(self, values: Any, years) -> int | None:
        return min(int(y) for y in values) if isinstance(values, Mapping) else int(years[0])

    def reshape(self, values: Any, base: Any, shares: dict) -> tuple[dict, np.ndarray | None]:
        n, u, y = base.n, len(base.units), len(base.years)
        share = setting_by_year(values, base.years, 0.0) * base.active_years()
        if not np.any(share > 0):
            return shares, None
        shares = dict(shares)
        moved, take = take_proportionally(shares, self.taken_from, share, (n, u, y))
        shares.update(moved)
        shares[self.key] = np.broadcast_to(np.asarray(shares.get(self.key, 0.0), dtype=float), (n, u, y)) + take
        return shares, take > 0
