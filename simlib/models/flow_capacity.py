"""Capacity caps of the flow model: seats per destination, share caps and where the students above them go."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from simlib.models.flow_tracks import (
    _ORIGINS,
    _SINK,
    FlowParameterError,
    _check_known,
    _check_rate,
    _check_shares,
    _freeze,
    _range,
)

# --------------------------------------------------------------------------
# parameter dataclasses
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Capacity:
    """Intake caps for the destinations of one origin, and the re-routing rule.

    Parameters
    ----------
    caps : mapping of str to array-like, optional
        Maximum intake (students per year) for a destination, e.g.
        ``{"thpt_public": 15_000}`` for the public grade-10 quota or
        ``{"trung_cap": 3_000}`` for vocational seats. Broadcast like any
        parameter (scalar, per unit, per year, per draw x unit x year).
        ``not_continuing`` cannot be capped (it is where students go when
        everything else is full). ``np.inf`` means no cap.
    reroute : "proportional" or mapping, default "proportional"
        What happens to students above a cap (the overflow):

        * ``"proportional"``: overflow is shared over the destinations that
          are not full (including ``not_continuing``) in proportion to their
          original shares.
        * a mapping from a capped destination to a **named fallback**, e.g.
          ``{"thpt_public": "thpt_private"}``: all its overflow goes there;
        * or to a **split**, a mapping of destinations to fractions 0-1 that
          sum to 1, e.g. ``{"thpt_public": {"thpt_private": 0.5,
          "trung_hoc_nghe": 0.3, "gdtx": 0.2}}``; the fractions broadcast like
          any parameter (an array of shape ``(draws, 1, 1)`` gives a split
          per draw).

        Destinations without a named fallback or split use the proportional
        rule. Chains are followed (``a -> b -> c``); cycles are rejected. The
        rule is applied repeatedly until no destination exceeds its cap, so
        re-routed students never exceed another cap. If every destination
        that could take them is full (or has a zero share under the
        proportional rule), the remainder goes to ``not_continuing``.
        No student disappears.
    share_caps : mapping of str to array-like, optional
        Caps as fractions 0-1 of the origin's graduates in the same cell,
        e.g. ``{"thpt_public": 0.72}``: the public grade-10 quota as a share
        of THCS graduates. Where a destination has both, the smaller binds.

    Notes
    -----
    A destination whose programme has not started yet
    (``FlowParameters.programme_start``) has a cap of 0 in those years. The
    exact arithmetic of the rule (the order of the sums) is documented in
    :func:`simlib.models._kernels.apply_caps_numpy`; both compute paths and the
    reference loop in the tests follow it bit for bit.
    """

    caps: Mapping[str, Any] = field(default_factory=dict)
    reroute: str | Mapping[str, Any] = "proportional"
    share_caps: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("caps", "share_caps"):
            value = getattr(self, name)
            if not isinstance(value, Mapping):
                raise FlowParameterError(f"{name}: must be a mapping of track name to values")
            object.__setattr__(self, name, _freeze(value))
        if isinstance(self.reroute, Mapping):
            frozen = {}
            for src, dst in self.reroute.items():
                if isinstance(dst, Mapping):
                    if not dst:
                        raise FlowParameterError(f"reroute[{src!r}]: a split needs at least one destination")
                    _check_shares(f"reroute[{src!r}]", dst, "split fractions")
                    frozen[src] = _freeze(dst)
                elif isinstance(dst, str):
                    frozen[src] = dst
                else:
                    raise FlowParameterError(
                        f"reroute[{src!r}]: give a destination name or a mapping of destinations to fractions; "
                        f"got {dst!r}"
                    )
            object.__setattr__(self, "reroute", MappingProxyType(frozen))
        elif self.reroute != "proportional":
            raise FlowParameterError(
                "reroute: must be 'proportional' or a mapping such as {'thpt_public': 'gdtx'}; "
                f"got {self.reroute!r}"
            )
        for key, value in self.caps.items():
            _, lo, _ = _range(f"caps[{key!r}]", value)
            if lo < 0:
                raise FlowParameterError(f"caps[{key!r}]: caps must be zero or more students; got {lo:g}")
        for key, value in self.share_caps.items():
            _check_rate(f"share_caps[{key!r}]", value)

    def destinations(self, source: str) -> dict[str, Any]:
        """Named re-route of ``source``: {destination: fraction}; empty under the proportional rule."""
        if not isinstance(self.reroute, Mapping) or source not in self.reroute:
            return {}
        dst = self.reroute[source]
        return {dst: None} if isinstance(dst, str) else dict(dst)

    def check(self, origin: str) -> None:
        """Check track names against the destinations of ``origin`` ("thcs" or "thpt")."""
        known = _ORIGINS[origin]
        for attr in ("caps", "share_caps"):
            _check_known(f"{origin}_capacity.{attr}", getattr(self, attr), known)
            if _SINK in getattr(self, attr):
                raise FlowParameterError(
                    f"{origin}_capacity.{attr}: 'not_continuing' cannot be capped; it receives "
                    "the students left over when every other destination is full"
                )
        if isinstance(self.reroute, Mapping):
            name = f"{origin}_capacity.reroute"
            _check_known(name, self.reroute.keys(), known)
            graph = {src: list(self.destinations(src)) for src in self.reroute}
            for src, dsts in graph.items():
                _check_known(name, dsts, known)
                if src in dsts:
                    raise FlowParameterError(f"{name}: {src!r} cannot fall back to itself")

            def visit(node: str, path: list[str]) -> None:
                for nxt in graph.get(node, ()):
                    if nxt in path:
                        raise FlowParameterError(
                            f"{name}: fallbacks form a cycle {' -> '.join(path[path.index(nxt):] + [nxt])}"
                        )
                    visit(nxt, path + [nxt])

            for start in graph:
                visit(start, [start])


