"""The flow model's vocabulary: its tracks, programmes, outputs and errors, and the checks of its parameters.

Shared by :mod:`simlib.models.flows` (the engine), :mod:`simlib.models.flow_capacity`
(capacity caps) and :mod:`simlib.models.flow_result` (what a run returns).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from simlib.errors import InputError
from simlib.models import _kernels

#: Destinations of THCS graduates (order used in arrays). ``thpt_public`` and
#: ``thpt_private`` both enter general THPT grade 10.
THCS_TRACKS: tuple[str, ...] = (
    "thpt_public", "thpt_private", "trung_hoc_nghe", "gdtx", "so_cap", "trung_cap", "not_continuing",
)
#: Destinations of THPT graduates (order used in arrays).
THPT_TRACKS: tuple[str, ...] = ("dai_hoc", "cao_dang", "trung_cap", "not_continuing")
#: Programmes whose enrolment (seats) is tracked; ``trung_cap_thpt`` is
#: trung cấp taken by THPT graduates (shorter, no cultural subjects).
PROGRAMMES: tuple[str, ...] = (
    "trung_hoc_nghe", "gdtx", "so_cap", "trung_cap", "trung_cap_thpt", "cao_dang", "dai_hoc",
)
#: Tracks accepted by :meth:`FlowResult.seats_needed`; ``thpt`` is general THPT
#: grades 10-12 (public and private together).
SEAT_TRACKS: tuple[str, ...] = ("thpt", "trung_hoc_nghe", "gdtx", "so_cap", "trung_cap", "cao_dang", "dai_hoc")
#: The grades of general THPT, labels of the ``thpt_*`` stock and flow outputs.
GRADES: tuple[str, ...] = ("grade10", "grade11", "grade12")
#: Compute paths of :func:`simulate_flows`.
ENGINES: tuple[str, ...] = ("auto", "numba", "numpy")

#: Where students go when every other destination is full (never capped).
SINK = "not_continuing"
_SINK = SINK
_ORIGINS = {"thcs": THCS_TRACKS, "thpt": THPT_TRACKS}
#: THCS destinations that enter general THPT grade 10.
#: THCS destinations that enter general THPT grade 10 (public and private).
THPT_ENTRY: tuple[str, ...] = tuple(t for t in THCS_TRACKS if t.startswith("thpt_"))
_ENTRY = THPT_ENTRY
#: Where each programme's students come from: (origin, destination track).
_PROGRAMME_SOURCE = MappingProxyType({
    "trung_hoc_nghe": ("thcs", "trung_hoc_nghe"),
    "gdtx": ("thcs", "gdtx"),
    "so_cap": ("thcs", "so_cap"),
    "trung_cap": ("thcs", "trung_cap"),
    "trung_cap_thpt": ("thpt", "trung_cap"),
    "cao_dang": ("thpt", "cao_dang"),
    "dai_hoc": ("thpt", "dai_hoc"),
})
_SHARE_TOL = 1e-9
#: Former track names and what to use now.
_RENAMED = {
    "thpt": "'thpt' is now split into 'thpt_public' and 'thpt_private' (public and private general THPT, "
            "both entering grade 10); give a share for each (0 for 'thpt_private' if no split is known)",
}

#: Outputs :func:`simulate_flows` can compute, with the labels of their last axis
#: (``None``: one array of shape ``(draws, units, years)``). Units: students,
#: except the ``*_share`` outputs (fractions 0-1 of the origin's graduates, NaN
#: where there are none) and ``programme_enrolment`` (seat-years).
OUTPUTS: Mapping[str, tuple[str, ...] | None] = MappingProxyType({
    "thcs_graduates": None,
    "thcs_demand": THCS_TRACKS,
    "thcs_intake": THCS_TRACKS,
    "thcs_share": THCS_TRACKS,
    "thpt_initial": GRADES,
    "thpt_enrolment": GRADES,
    "thpt_enrolment_total": None,
    "thpt_promoted": GRADES,
    "thpt_repeated": GRADES,
    "thpt_dropped": GRADES,
    "thpt_graduates": None,
    "thpt_demand": THPT_TRACKS,
    "thpt_intake": THPT_TRACKS,
    "thpt_share": THPT_TRACKS,
    "programme_enrolment": PROGRAMMES,
})
assert tuple(OUTPUTS) == _kernels.OUTPUT_GROUPS
assert all(_kernels.GROUP_SIZE[k] == (1 if v is None else len(v)) for k, v in OUTPUTS.items())


class FlowParameterError(InputError):
    """A flow parameter or input is invalid; the message names it and the problem."""


class FlowOutputError(FlowParameterError, AttributeError):
    """An output of a :class:`FlowResult` was not computed (not in ``outputs=``)."""


class StaleResultError(InputError):
    """A :class:`FlowResult` was read after its :class:`FlowWorkspace` was reused by a later call."""



# --------------------------------------------------------------------------
# parameter checking helpers
# --------------------------------------------------------------------------
def _raw(name: str, value: Any) -> np.ndarray:
    """Values of a parameter as a float array (labels dropped), for range checks."""
    if isinstance(value, (pd.Series, pd.DataFrame)):
        value = value.to_numpy()
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise FlowParameterError(f"{name}: could not be read as numbers ({exc})") from None
    return arr


def _range(name: str, value: Any) -> tuple[np.ndarray, float, float]:
    """(array, min, max) in one pass where possible; NaN values are rejected."""
    arr = _raw(name, value)
    if not arr.size:
        return arr, 0.0, 0.0
    if arr.ndim > 3:
        raise FlowParameterError(f"{name}: at most 3 dimensions (draws, units, years); got {arr.ndim}")
    lo, hi, nan, _ = _kernels.array_stats([arr], with_sum=False)
    if nan[0]:
        raise FlowParameterError(f"{name}: contains missing values (NaN)")
    return arr, lo[0], hi[0]


def _check_rate(name: str, value: Any) -> None:
    _, lo, hi = _range(name, value)
    if lo < 0.0 or hi > 1.0:
        raise FlowParameterError(f"{name}: rates must be fractions in [0, 1]; got values from {lo:g} to {hi:g}")


def _sum_deviation(arrs: list[np.ndarray]) -> float:
    """Largest ``|sum - 1|`` over the broadcast cells (no temporary array when numba is used)."""
    return _kernels.array_stats([np.asarray(a, dtype=float) for a in arrs], with_sum=True)[3]


def _check_shares(name: str, shares: Mapping[str, Any], what: str = "destination shares") -> None:
    """Every share a fraction in [0, 1] without NaN (checked in key order); their sum 1 in every cell.

    The sum is checked here when the shares are plain numbers/arrays that
    broadcast together; labelled (pandas) shares are checked after
    alignment, in :func:`simulate_flows`. Large arrays are read once.
    """
    names = [f"{name}[{k!r}]" for k in shares]
    arrs = [_raw(n, v) for n, v in zip(names, shares.values())]
    for n, a in zip(names, arrs):
        if a.ndim > 3:
            raise FlowParameterError(f"{n}: at most 3 dimensions (draws, units, years); got {a.ndim}")
    labelled = any(isinstance(v, (pd.Series, pd.DataFrame)) for v in shares.values())
    try:
        np.broadcast_shapes(*(a.reshape((1,) * (3 - a.ndim) + a.shape).shape for a in arrs))
        together = not labelled
    except ValueError:
        together = False  # shapes are checked against units/years in simulate_flows
    if together:
        lo, hi, nan, dev = _kernels.array_stats(arrs, with_sum=True)
    else:
        stats = [_kernels.array_stats([a], with_sum=False) for a in arrs]
        lo, hi, nan, dev = [s[0][0] for s in stats], [s[1][0] for s in stats], [s[2][0] for s in stats], 0.0
    for n, mn, mx, bad in zip(names, lo, hi, nan):
        if bad:
            raise FlowParameterError(f"{n}: contains missing values (NaN)")
        if mn < 0.0 or mx > 1.0:
            raise FlowParameterError(f"{n}: rates must be fractions in [0, 1]; got values from {mn:g} to {mx:g}")
    if dev > _SHARE_TOL:
        raise FlowParameterError(f"{name}: {what} must sum to 1 within 1e-9 in every cell; the largest deviation "
                                 f"is {dev:.3g}")


def _check_known(name: str, keys: Iterable[str], known: tuple[str, ...]) -> None:
    unknown = [k for k in keys if k not in known]
    if unknown:
        hints = "".join(f"; {_RENAMED[k]}" for k in unknown if k in _RENAMED) if known is THCS_TRACKS else ""
        raise FlowParameterError(f"{name}: unknown track(s) {unknown}; known tracks are {list(known)}{hints}")


def _freeze(mapping: Mapping | None) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


