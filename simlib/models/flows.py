"""Cohort-flow engine: grade 9 -> destinations -> THPT grades 10-12 -> destinations.

Vietnamese terms used once with their English meaning:

* THCS (trung học cơ sở): lower secondary school, grades 6-9.
* THPT (trung học phổ thông): general upper secondary school, grades 10-12,
  public (``thpt_public``, công lập) or private (``thpt_private``, tư thục /
  ngoài công lập). The public grade-10 quota (chỉ tiêu lớp 10 công lập) caps
  ``thpt_public``; both feed the same grades 10-12 and THPT graduates.
* trung học nghề (``trung_hoc_nghe``): the vocational upper-secondary track
  "on par with THPT" for those who completed THCS, created by Laws
  123/2025/QH15 (Education Law amendments) and 124/2025/QH15 (Vocational
  Education Law), both in force 1 January 2026; first nationwide intake in
  school year 2026-27 (intake year 2026 here, see ``programme_start``).
* GDTX (giáo dục thường xuyên): continuing education (the upper-secondary
  programme taught at GDTX or GDNN-GDTX centres).
* GDNN (giáo dục nghề nghiệp): vocational education; its levels are
  sơ cấp (``so_cap``, elementary, three months to under a year),
  trung cấp (``trung_cap``, intermediate; for THCS graduates often taken as
  "9+" together with cultural subjects) and cao đẳng (``cao_dang``, college).
* đại học (``dai_hoc``): university.
* phân luồng: streaming of students after grade 9 and grade 12.

Model
-----
For every Monte Carlo draw ``d``, unit ``u`` (province, district, commune;
any string label) and year ``t``:

1. ``grade9[d, u, t]`` students (grade-9 enrolment of the cohort that finishes
   THCS in the summer of year ``t``) graduate with ``thcs_graduation``;
   non-graduates leave the model (exit ``thcs_not_graduated``).
2. THCS graduates are split by ``thcs_shares`` over the destinations
   :data:`THCS_TRACKS`; intake caps are applied (see :class:`Capacity`).
   Intakes are labelled with year ``t`` = the school year ``t``/``t+1`` they
   start.
3. General THPT: the grade-10 intake is ``thpt_public + thpt_private``;
   ``E10[t] = intake[t] + r10 E10[t-1]``, ``E11[t] = p10 E10[t-1] + r11 E11[t-1]``,
   ``E12[t] = p11 E11[t-1] + r12 E12[t-1]``; dropout is the residual
   ``d = 1 - p - r`` (UIS definitions). Grade-12 students graduate with
   ``thpt_graduation`` (g), repeat with ``r12`` or leave (``1 - g - r12``).
   Rates applied to the stock of year ``t-1`` are those of year ``t-1``
   (for the warm-start stock of the year before the first, those of the
   first year). Graduates from grade 12 of school year ``t-1`` are labelled
   ``t`` (graduation summer) and are split by ``thpt_shares`` over
   :data:`THPT_TRACKS`, with caps.
4. Programme enrolment (seats): each programme intake stays for its duration
   (:class:`Durations`, years, may be fractional); the stock in year ``t`` is
   ``sum_k w_k (1 - q)^k intake[t-k]`` with ``w_k = min(1, D - k)`` for
   ``k = 0 .. ceil(D) - 1`` and ``q`` the annual in-programme dropout
   (default 0). A fractional last year counts as a fraction of a seat-year.
   A programme takes no students before its first intake year
   (``FlowParameters.programme_start``).

Mass balance: every student entering (grade-9 enrolment plus the warm-start
THPT stock) is, at the end of the horizon, either in one exit
(THCS non-graduate, THPT dropout by grade), in one destination intake
(absorbing, for head counts), or still enrolled in THPT grade 10-12 in the
last year. :meth:`FlowResult.balance` reports both sides.

Computation
-----------
One call evaluates all draws at once. With numba installed the whole model
runs as one fused, compiled kernel over (draw, unit) pairs on every core
(compiled once, then cached on disk); otherwise, or with ``engine="numpy"``,
as whole-array numpy operations. The two give bit-identical numbers. Only
the outputs asked for (``outputs=``) are computed and stored, into buffers a
:class:`FlowWorkspace` can keep across calls, so that a caller can stream
over chunks of draws in bounded memory:

>>> ws = FlowWorkspace()
>>> for chunk in chunks:                                   # doctest: +SKIP
...     res = simulate_flows(g9, params_for(chunk), units=units, years=years,
...                          outputs={"thcs_intake": ["so_cap", "trung_cap"],
...                                   "thcs_graduates": None},
...                          workspace=ws)
...     reduce(res.track("thcs_intake", THCS_TRACKS.index("trung_cap")))

Arrays are float64 with shape ``(draws, units, years[, tracks])``. Labelled
pandas tables are produced only at the edge, on request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from simlib.errors import InputError
from simlib.models import _kernels

__all__ = [
    "THCS_TRACKS",
    "THPT_TRACKS",
    "PROGRAMMES",
    "SEAT_TRACKS",
    "SINK",
    "THPT_ENTRY",
    "GRADES",
    "OUTPUTS",
    "ENGINES",
    "FlowParameterError",
    "FlowOutputError",
    "StaleResultError",
    "Capacity",
    "Durations",
    "FlowParameters",
    "FlowWorkspace",
    "FlowResult",
    "simulate_flows",
    "indicator_share",
    "project_cohort",
    "quantiles",
]

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


@dataclass(frozen=True)
class Durations:
    """Programme durations in years (may be fractional), used to turn intakes into seats.

    Defaults are planning assumptions, not observed Long An figures:

    * ``gdtx`` = 3.0: the GDTX upper-secondary programme mirrors THPT grades 10-12.
    * ``so_cap`` = 1.0: sơ cấp courses last from three months to under a year
      (Law on Vocational Education 2014; article not verified in the project's
      stored sources); 1.0 is the upper end, so seat needs are not
      under-stated. Set lower for short courses.
    * ``trung_cap`` = 2.0 (THCS graduates): the trung cấp phase for THCS
      graduates is commonly 2-3 years including cultural subjects; one
      documented case pays tuition support for "4 semesters (during the
      intermediate level)" (vrviet.vn, see ``policy_levers.md`` V8). 2.0 is
      the lower end; use 3.0 for full 9+ programmes.
    * ``trung_cap_thpt`` = 1.5: trung cấp for THPT graduates (1-2 years, no
      cultural subjects).
    * ``cao_dang`` = 2.5: cao đẳng for THPT graduates is 2-3 years.
    * ``dai_hoc`` = 4.0: typical bachelor's programme.
    * ``trung_hoc_nghe`` = 3.0: trung học nghề is "on par with THPT" (Law
      123/2025/QH15, Articles 6 and 35), so the length of THPT grades 10-12 is
      assumed; the programme's length is not in the project's stored sources.
    """

    gdtx: float = 3.0
    so_cap: float = 1.0
    trung_cap: float = 2.0
    trung_cap_thpt: float = 1.5
    cao_dang: float = 2.5
    dai_hoc: float = 4.0
    trung_hoc_nghe: float = 3.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, (int, float, np.integer, np.floating)) or not (0 < float(value) < 50):
                raise FlowParameterError(
                    f"durations.{f.name}: must be a number of years above 0 (and below 50); got {value!r}"
                )


def _default_start() -> dict[str, int]:
    return {"trung_hoc_nghe": 2026}


@dataclass(frozen=True)
class FlowParameters:
    """All flow parameters. Shares and rates are fractions in [0, 1]; counts are students.

    Every numeric parameter broadcasts against ``(draws, units, years)``:
    a scalar; a 1-D array of length ``years`` (per year); an array of shape
    ``(units, 1)`` (per unit) or ``(units, years)``; a full
    ``(draws, units, years)`` array (or ``(draws, 1, 1)`` per draw); a
    :class:`pandas.Series` indexed by unit labels or by years; or a
    :class:`pandas.DataFrame` with units as index and years as columns.

    Parameters
    ----------
    thcs_shares : mapping of str to array-like
        Destination shares of THCS graduates; keys from :data:`THCS_TRACKS`
        (missing keys mean 0); they must sum to 1 within 1e-9 in every cell.
    thpt_shares : mapping of str to array-like
        Destination shares of THPT graduates; keys from :data:`THPT_TRACKS`.
    thcs_graduation : array-like, default 1.0
        THCS graduates as a fraction of grade-9 enrolment.
    promotion : pair of array-like, default (1.0, 1.0)
        Promotion rates p10 (grade 10 -> 11) and p11 (grade 11 -> 12).
    repetition : triple of array-like, default (0.0, 0.0, 0.0)
        Repetition rates r10, r11, r12. Dropout is ``1 - p - r`` and must
        not be negative.
    thpt_graduation : array-like, default 1.0
        Graduates as a fraction of grade-12 enrolment; ``thpt_graduation +
        r12 <= 1``, the rest leave.
    thcs_capacity, thpt_capacity : Capacity, optional
        Intake caps and re-routing rule for each origin. No caps by default.
    durations : Durations, optional
        Programme durations (years); see :class:`Durations` for defaults.
    programme_dropout : mapping of str to array-like, optional
        Annual in-programme dropout (fraction) by programme
        (:data:`PROGRAMMES`); 0 if not given.
    warm_start : bool, default True
        If True, the years before the first are assumed to be in steady
        state with the first year: THPT grades start from
        ``E10 = I/(1-r10)``, ``E11 = p10 E10/(1-r11)``, ``E12 = p11 E11/(1-r12)``
        (``I`` the first year's THPT intake, first-year rates) and programme
        intakes before the first year equal the first year's (from the
        programme's start, see ``programme_start``). If False, the system
        starts empty (seat needs in the first years are too low).
    programme_start : mapping of str to int, default {"trung_hoc_nghe": 2026}
        First intake year (label, = school year ``year``/``year+1``) of a
        programme (:data:`PROGRAMMES`). Before it the programme takes no
        students: a positive share of its destination in an earlier year is
        an error, re-routing never sends students there (its cap is 0), and
        the warm start assumes no intakes before it. The default is
        trung học nghề's first nationwide intake, school year 2026-27.
    """

    thcs_shares: Mapping[str, Any]
    thpt_shares: Mapping[str, Any]
    thcs_graduation: Any = 1.0
    promotion: tuple[Any, Any] = (1.0, 1.0)
    repetition: tuple[Any, Any, Any] = (0.0, 0.0, 0.0)
    thpt_graduation: Any = 1.0
    thcs_capacity: Capacity = field(default_factory=Capacity)
    thpt_capacity: Capacity = field(default_factory=Capacity)
    durations: Durations = field(default_factory=Durations)
    programme_dropout: Mapping[str, Any] = field(default_factory=dict)
    warm_start: bool = True
    programme_start: Mapping[str, int] = field(default_factory=_default_start)

    def __post_init__(self) -> None:
        for name in ("thcs_shares", "thpt_shares", "programme_dropout", "programme_start"):
            value = getattr(self, name)
            if not isinstance(value, Mapping):
                raise FlowParameterError(f"{name}: must be a mapping of track name to values")
            object.__setattr__(self, name, _freeze(value))
        _check_known("thcs_shares", self.thcs_shares, THCS_TRACKS)
        _check_known("thpt_shares", self.thpt_shares, THPT_TRACKS)
        _check_known("programme_dropout", self.programme_dropout, PROGRAMMES)
        _check_known("programme_start", self.programme_start, PROGRAMMES)
        for key, value in self.programme_start.items():
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise FlowParameterError(f"programme_start[{key!r}]: must be a year (integer); got {value!r}")
        if not self.thcs_shares:
            raise FlowParameterError("thcs_shares: at least one destination share is needed")
        if not self.thpt_shares:
            raise FlowParameterError("thpt_shares: at least one destination share is needed")
        for name in ("thcs_shares", "thpt_shares"):
            _check_shares(name, getattr(self, name))
        for key, value in self.programme_dropout.items():
            _check_rate(f"programme_dropout[{key!r}]", value)
        if len(self.promotion) != 2:
            raise FlowParameterError("promotion: give two rates, (p10, p11)")
        if len(self.repetition) != 3:
            raise FlowParameterError("repetition: give three rates, (r10, r11, r12)")
        object.__setattr__(self, "promotion", tuple(self.promotion))
        object.__setattr__(self, "repetition", tuple(self.repetition))
        _check_rate("thcs_graduation", self.thcs_graduation)
        _check_rate("thpt_graduation", self.thpt_graduation)
        for g, value in zip((10, 11), self.promotion):
            _check_rate(f"promotion (grade {g})", value)
        for g, value in zip((10, 11, 12), self.repetition):
            _check_rate(f"repetition (grade {g})", value)
        for name in ("thcs_capacity", "thpt_capacity"):
            if not isinstance(getattr(self, name), Capacity):
                raise FlowParameterError(f"{name}: must be a Capacity object")
        if not isinstance(self.durations, Durations):
            raise FlowParameterError("durations: must be a Durations object")
        self.thcs_capacity.check("thcs")
        self.thpt_capacity.check("thpt")


# --------------------------------------------------------------------------
# broadcasting against (draws, units, years)
# --------------------------------------------------------------------------
def _as_3d(name: str, value: Any, units: pd.Index, years: pd.Index) -> np.ndarray:
    """Return ``value`` as a float array broadcastable to ``(draws, units, years)`` (no copy if possible).

    A broadcast view (stride 0 on an axis) is reduced to its compact form, so
    that the compute paths never read or copy the repeated values.
    """
    n_u, n_y = len(units), len(years)
    if isinstance(value, pd.DataFrame):
        missing_u = units.difference(value.index)
        missing_y = years.difference(value.columns)
        if len(missing_u) or len(missing_y):
            raise FlowParameterError(
                f"{name}: table lacks units {list(missing_u)} / years {list(missing_y)}"
            )
        arr = value.reindex(index=units, columns=years).to_numpy(dtype=float)[None]
    elif isinstance(value, pd.Series):
        idx = value.index
        if idx.isin(units).all() and units.isin(idx).all() and len(idx) == n_u:
            arr = value.reindex(units).to_numpy(dtype=float)[None, :, None]
        elif idx.isin(years).all() and years.isin(idx).all() and len(idx) == n_y:
            arr = value.reindex(years).to_numpy(dtype=float)[None, None, :]
        else:
            raise FlowParameterError(
                f"{name}: a Series must be indexed by exactly the unit labels {list(units)} "
                f"or the years {list(years)}"
            )
    else:
        arr = np.asarray(value, dtype=float)
        if arr.ndim > 3:
            raise FlowParameterError(f"{name}: at most 3 dimensions (draws, units, years); got {arr.ndim}")
        arr = arr.reshape((1,) * (3 - arr.ndim) + arr.shape)
    if (arr.shape[1] not in (1, n_u)) or (arr.shape[2] not in (1, n_y)):
        raise FlowParameterError(
            f"{name}: shape {arr.shape} does not broadcast to (draws, {n_u} units, {n_y} years); "
            "use a scalar, (years,), (units, 1), (units, years) or (draws, units, years)"
        )
    if 0 in arr.strides:
        arr = arr[tuple(slice(0, 1) if (s == 0 and n > 1) else slice(None) for s, n in zip(arr.strides, arr.shape))]
    return arr


def _labels(values: Any, name: str) -> pd.Index:
    idx = pd.Index(values)
    if idx.has_duplicates:
        raise FlowParameterError(f"{name}: labels must be unique; duplicates {list(idx[idx.duplicated()])}")
    return idx


# --------------------------------------------------------------------------
# result object and workspace
# --------------------------------------------------------------------------
def _tidy(arr: np.ndarray, units: pd.Index, years: pd.Index, labels: Iterable[str] | None, label_name: str | None, value: str) -> pd.DataFrame:
    """Array (draws, units, years[, k]) -> tidy DataFrame unit, year[, label], draw, value."""
    n_d = arr.shape[0]
    levels = [np.arange(n_d), units, years]
    names = ["draw", "unit", "year"]
    if labels is not None:
        levels.append(pd.Index(list(labels)))
        names.append(label_name)
    idx = pd.MultiIndex.from_product(levels, names=names)
    df = pd.DataFrame({value: np.ascontiguousarray(arr).ravel()}, index=idx).reset_index()
    cols = ["unit", "year"] + ([label_name] if labels is not None else []) + ["draw", value]
    return df[cols]


def quantiles(frame: pd.DataFrame, probs: Iterable[float] = (0.05, 0.5, 0.95), value: str | None = None) -> pd.DataFrame:
    """Summarise a tidy table over draws.

    Parameters
    ----------
    frame : DataFrame
        A tidy table with a ``draw`` column and one value column.
    probs : iterable of float
        Probabilities in [0, 1].
    value : str, optional
        The value column; by default the last column.

    Returns
    -------
    DataFrame
        One row per combination of the other columns; columns ``q0.05`` etc.
    """
    probs = [float(p) for p in probs]
    if any(not 0 <= p <= 1 for p in probs):
        raise FlowParameterError(f"probs: must be in [0, 1]; got {probs}")
    value = value or frame.columns[-1]
    keys = [c for c in frame.columns if c not in ("draw", value)]
    grouped = frame.groupby(keys, sort=False)[value]
    out = pd.concat({f"q{p:g}": grouped.quantile(p) for p in probs}, axis=1)
    return out.reset_index()


class FlowWorkspace:
    """Output buffers that :func:`simulate_flows` reuses from one call to the next.

    Pass the same workspace to successive calls (e.g. one per chunk of draws)
    and the engine writes each call's outputs into the same memory instead of
    allocating (and page-faulting) new arrays: memory is set by the largest
    chunk and the outputs asked for, not by the number of calls.

    The arrays of a result live in the workspace: the next call with the same
    workspace overwrites them. Reading a :class:`FlowResult` after that raises
    :class:`StaleResultError`; arrays taken out of it earlier (e.g. by
    :meth:`FlowResult.track`) silently change, so reduce or copy what you keep
    before the next call. A workspace is not shared between threads: give
    each thread its own.

    Examples
    --------
    >>> ws = FlowWorkspace()
    >>> ws.nbytes
    0
    """

    def __init__(self) -> None:
        self._flat: dict[str, np.ndarray] = {}
        self._generation = 0

    def _take(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        n = int(np.prod(shape))
        buf = self._flat.get(name)
        if buf is None or buf.size < n:
            buf = np.empty(n)
            self._flat[name] = buf
        return buf[:n].reshape(shape)

    @property
    def nbytes(self) -> int:
        """Bytes held by the buffers."""
        return sum(b.nbytes for b in self._flat.values())

    def clear(self) -> None:
        """Release the buffers (results that use them become stale)."""
        self._flat.clear()
        self._generation += 1


class FlowResult:
    """Arrays from :func:`simulate_flows` (students) with labelled views.

    Array attributes have shape ``(draws, units, years[, k])``, with ``k``
    labelled as in :data:`OUTPUTS`: ``grade9``, ``thcs_graduates``,
    ``thcs_demand``, ``thcs_intake`` and ``thcs_share`` (k =
    :data:`THCS_TRACKS`), ``thpt_enrolment`` (k = :data:`GRADES`) and
    ``thpt_enrolment_total``, ``thpt_promoted``, ``thpt_repeated``,
    ``thpt_dropped`` (k = grades, flows out of the stock of year ``t-1``
    labelled ``t``; "promoted" from grade 12 means graduated),
    ``thpt_graduates``, ``thpt_demand``, ``thpt_intake`` and ``thpt_share``
    (k = :data:`THPT_TRACKS`), ``programme_enrolment`` (k =
    :data:`PROGRAMMES`, seat-years). ``thpt_initial`` has shape
    ``(draws, units, 3)``: the warm-start stock of the year before the first.

    Arrays are read-only views of the engine's buffers (one contiguous
    ``(draws, units, years)`` block per track): :meth:`track` returns one
    track without copying; the stacked ``(..., k)`` attributes are views too.
    Only the outputs asked for exist; reading another raises
    :class:`FlowOutputError` (an ``AttributeError``).
    """

    def __init__(self, units: pd.Index, years: pd.Index, grade9: np.ndarray,
                 arrays: Mapping[str, tuple[list[int], np.ndarray]],
                 workspace: FlowWorkspace | None = None) -> None:
        self.units = units
        self.years = years
        self._grade9 = grade9
        self._arrays = dict(arrays)
        self._workspace = workspace
        self._generation = None if workspace is None else workspace._generation

    # ---- raw access -------------------------------------------------------
    def _check_fresh(self) -> None:
        ws = self.__dict__.get("_workspace")
        if ws is not None and ws._generation != self._generation:
            raise StaleResultError(
                "this FlowResult's arrays were overwritten: its FlowWorkspace was used by a later "
                "simulate_flows call (or cleared); read what you need before the next call"
            )

    def _group(self, name: str) -> tuple[list[int], np.ndarray]:
        arrays = self.__dict__.get("_arrays")
        if arrays is None or name not in OUTPUTS:
            raise AttributeError(name)
        if name not in arrays:
            raise FlowOutputError(
                f"{name} was not computed: add it to simulate_flows(..., outputs=...); computed: {sorted(arrays)}"
            )
        self._check_fresh()
        return arrays[name]

    @property
    def outputs(self) -> dict[str, tuple[str, ...] | None]:
        """The outputs computed, with the labels of the tracks kept."""
        out = {}
        for name, (sel, _) in self._arrays.items():
            labels = OUTPUTS[name]
            out[name] = None if labels is None else tuple(labels[k] for k in sel)
        return out

    def __getattr__(self, name: str) -> np.ndarray:
        if name == "grade9" and "_grade9" in self.__dict__:
            return self.__dict__["_grade9"]
        sel, buf = self._group(name)
        labels = OUTPUTS[name]
        if labels is None:
            arr = buf[0]
        elif len(sel) != len(labels):
            missing = [labels[k] for k in range(len(labels)) if k not in sel]
            raise FlowOutputError(
                f"{name} has only tracks {[labels[k] for k in sel]} (missing {missing}); use "
                f"track() for one of them, or ask for all in simulate_flows(..., outputs=...)"
            )
        elif name == "thpt_initial":
            arr = np.moveaxis(buf[:, :, :, 0], 0, -1)
        else:
            arr = np.moveaxis(buf, 0, -1)
        arr = arr.view()
        arr.flags.writeable = False
        return arr

    def track(self, name: str, index: int | str) -> np.ndarray:
        """One track of a stacked output, shape ``(draws, units, years)``, without copying.

        ``result.track("thcs_intake", THCS_TRACKS.index("trung_cap"))`` (or
        ``result.track("thcs_intake", "trung_cap")``) equals
        ``result.thcs_intake[..., THCS_TRACKS.index("trung_cap")]``.
        """
        if name not in OUTPUTS or OUTPUTS[name] is None:
            stacked = sorted(k for k, v in OUTPUTS.items() if v is not None)
            raise AttributeError(f"{name} is not a stacked array; stacked: {stacked}")
        labels = OUTPUTS[name]
        k = labels.index(index) if isinstance(index, str) and index in labels else index
        if not isinstance(k, (int, np.integer)) or not -len(labels) <= k < len(labels):
            raise FlowParameterError(f"track: {index!r} is not one of {list(labels)} (or their index)")
        k = int(k) % len(labels)
        sel, buf = self._group(name)
        if k not in sel:
            raise FlowOutputError(
                f"{name}[{labels[k]!r}] was not computed: add it to simulate_flows(..., outputs=...); "
                f"computed: {[labels[j] for j in sel]}"
            )
        arr = buf[sel.index(k)]
        if name == "thpt_initial":
            arr = arr[:, :, 0]
        arr = arr.view()
        arr.flags.writeable = False
        return arr

    @property
    def n_draws(self) -> int:
        return self._grade9.shape[0]

    @property
    def nbytes(self) -> int:
        """Bytes of the computed outputs (the inputs are not copied)."""
        return sum(buf.nbytes for _, buf in self._arrays.values())

    # ---- tidy views -------------------------------------------------------
    def destinations(self, origin: str = "thcs") -> pd.DataFrame:
        """Intakes by destination: columns unit, year, track, draw, demand, students, share.

        ``demand`` is before caps, ``students`` after caps and re-routing,
        ``share`` = students / graduates of the origin (0 where there are no graduates).
        """
        if origin not in _ORIGINS:
            raise FlowParameterError(f"origin: must be one of {list(_ORIGINS)}; got {origin!r}")
        tracks = _ORIGINS[origin]
        demand = self.thcs_demand if origin == "thcs" else self.thpt_demand
        intake = self.thcs_intake if origin == "thcs" else self.thpt_intake
        grads = self.thcs_graduates if origin == "thcs" else self.thpt_graduates
        df = _tidy(intake, self.units, self.years, tracks, "track", "students")
        df.insert(4, "demand", np.ascontiguousarray(demand).ravel())
        share = np.divide(intake, grads[..., None], out=np.zeros(intake.shape), where=grads[..., None] > 0)
        df["share"] = share.ravel()
        return df

    def enrolment(self) -> pd.DataFrame:
        """Enrolment (students, seat-years for programmes): unit, year, state, draw, students.

        States: :data:`GRADES` (general THPT, public and private) and :data:`PROGRAMMES`.
        """
        arr = np.concatenate([self.thpt_enrolment, self.programme_enrolment], axis=-1)
        return _tidy(arr, self.units, self.years, GRADES + PROGRAMMES, "state", "students")

    def exits(self) -> pd.DataFrame:
        """Students leaving the system: unit, year, exit, draw, students.

        Exits: ``thcs_not_graduated``, ``thcs_not_continuing``,
        ``thpt_dropout_grade10`` .. ``grade12`` (labelled with the year they
        would have been enrolled next), ``thpt_not_continuing``.
        """
        dropped = self.thpt_dropped
        arr = np.stack(
            [
                self.grade9 - self.thcs_graduates,
                self.track("thcs_intake", _SINK),
                dropped[..., 0],
                dropped[..., 1],
                dropped[..., 2],
                self.track("thpt_intake", _SINK),
            ],
            axis=-1,
        )
        names = (
            "thcs_not_graduated",
            "thcs_not_continuing",
            "thpt_dropout_grade10",
            "thpt_dropout_grade11",
            "thpt_dropout_grade12",
            "thpt_not_continuing",
        )
        return _tidy(arr, self.units, self.years, names, "exit", "students")

    def seats_needed(self, track: str, by_origin: bool = False) -> pd.DataFrame:
        """Seats (enrolled students, seat-years) needed for ``track``: unit, year, draw, seats.

        ``thpt`` = grades 10-12 of general THPT (public and private);
        ``trung_cap`` = trung cấp students from THCS plus from THPT
        (``by_origin=True`` gives only the THCS-graduate part); other tracks
        are their programme enrolment.
        """
        if track not in SEAT_TRACKS:
            raise FlowParameterError(f"track: unknown track {track!r}; known tracks are {list(SEAT_TRACKS)}")
        if track == "thpt":
            if "thpt_enrolment_total" in self._arrays:
                arr = self.thpt_enrolment_total
            else:
                arr = self.track("thpt_enrolment", 0) + self.track("thpt_enrolment", 1) + self.track("thpt_enrolment", 2)
        else:
            arr = self.track("programme_enrolment", track)
            if track == "trung_cap" and not by_origin:
                arr = arr + self.track("programme_enrolment", "trung_cap_thpt")
        return _tidy(arr, self.units, self.years, None, None, "seats")

    def balance(self) -> pd.DataFrame:
        """Mass balance per unit and draw over the horizon: entered, accounted, difference.

        ``entered`` = grade-9 enrolment + warm-start THPT stock;
        ``accounted`` = THCS non-graduates + THCS intakes other than THPT +
        THPT dropouts + THPT graduates + THPT enrolment in the last year.
        """
        entered = self.grade9.sum(axis=2) + self.thpt_initial.sum(axis=-1)
        other = [k for k, t in enumerate(THCS_TRACKS) if t not in _ENTRY]
        accounted = (
            (self.grade9 - self.thcs_graduates).sum(axis=2)
            + self.thcs_intake[..., other].sum(axis=(2, 3))
            + self.thpt_dropped.sum(axis=(2, 3))
            + self.thpt_graduates.sum(axis=2)
            + self.thpt_enrolment[:, :, -1, :].sum(axis=-1)
        )
        idx = pd.MultiIndex.from_product([self.units, np.arange(self.n_draws)], names=["unit", "draw"])
        df = pd.DataFrame(
            {
                "entered": entered.T.ravel(),
                "accounted": accounted.T.ravel(),
            },
            index=idx,
        ).reset_index()
        df["difference"] = df["accounted"] - df["entered"]
        return df

    def quantiles(self, frame: pd.DataFrame, probs: Iterable[float] = (0.05, 0.5, 0.95)) -> pd.DataFrame:
        """Quantiles over draws of a tidy table from this result (see :func:`quantiles`)."""
        return quantiles(frame, probs)


def indicator_share(
    result: FlowResult,
    numerator: Iterable[str] = ("so_cap", "trung_cap"),
    origin: str = "thcs",
    denominator: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Share of an origin's graduates entering a chosen set of destinations.

    Parameters
    ----------
    result : FlowResult
    numerator : iterable of str, default {"so_cap", "trung_cap"}
        Destination codes counted (e.g. the Decision 522 THCS indicator
        counts ``{"so_cap", "trung_cap"}``; a target that also counts GDTX
        at GDNN-GDTX centres adds ``"gdtx"``).
    origin : {"thcs", "thpt"}
        Whose graduates.
    denominator : iterable of str, optional
        Destinations in the denominator; default all graduates of the origin.

    Returns
    -------
    DataFrame
        unit, year, draw, share (fraction 0-1; NaN where the denominator is 0).
    """
    if origin not in _ORIGINS:
        raise FlowParameterError(f"origin: must be one of {list(_ORIGINS)}; got {origin!r}")
    tracks = _ORIGINS[origin]
    if isinstance(numerator, str):
        numerator = [numerator]
    numerator = list(numerator)
    _check_known("numerator", numerator, tracks)
    if not numerator:
        raise FlowParameterError("numerator: give at least one destination code")
    name = f"{origin}_intake"
    num = sum(result.track(name, t) for t in sorted(numerator, key=tracks.index))
    if denominator is None:
        den = result.thcs_graduates if origin == "thcs" else result.thpt_graduates
    else:
        denominator = [denominator] if isinstance(denominator, str) else list(denominator)
        _check_known("denominator", denominator, tracks)
        den = sum(result.track(name, t) for t in sorted(denominator, key=tracks.index))
    share = np.divide(num, den, out=np.full(num.shape, np.nan), where=den > 0)
    return _tidy(share, result.units, result.years, None, None, "share")


# --------------------------------------------------------------------------
# the engine
# --------------------------------------------------------------------------
def _shares_array(name: str, shares: Mapping[str, Any], tracks: tuple[str, ...], units, years) -> list[np.ndarray]:
    arrs = [_as_3d(f"{name}[{t!r}]", shares.get(t, 0.0), units, years) for t in tracks]
    if not any(isinstance(v, (pd.Series, pd.DataFrame)) for v in shares.values()):
        return arrs  # already checked when FlowParameters was built (_check_shares)
    dev = _sum_deviation(arrs)
    if dev > _SHARE_TOL:
        raise FlowParameterError(
            f"{name}: destination shares must sum to 1 within 1e-9 in every cell; "
            f"the largest deviation is {dev:.3g}"
        )
    return arrs


def _origin_spec(origin: str, shares: list[np.ndarray], cap: Capacity, open_from: list[int],
                 units, years) -> _kernels.OriginSpec:
    tracks = _ORIGINS[origin]
    name = f"{origin}_capacity"
    count = [None if t not in cap.caps else _as_3d(f"{name}.caps[{t!r}]", cap.caps[t], units, years) for t in tracks]
    frac = [None if t not in cap.share_caps else _as_3d(f"{name}.share_caps[{t!r}]", cap.share_caps[t], units, years)
            for t in tracks]
    edges = []
    for src in (cap.reroute if isinstance(cap.reroute, Mapping) else {}):
        dsts = cap.destinations(src)
        arrs = {}
        for dst, w in dsts.items():
            arrs[dst] = None if w is None else _as_3d(f"{name}.reroute[{src!r}][{dst!r}]", w, units, years)
        if any(isinstance(w, (pd.Series, pd.DataFrame)) for w in dsts.values()):
            dev = _sum_deviation([a for a in arrs.values()])
            if dev > _SHARE_TOL:
                raise FlowParameterError(
                    f"{name}.reroute[{src!r}]: split fractions must sum to 1 within 1e-9 in every cell; "
                    f"the largest deviation is {dev:.3g}"
                )
        for dst, a in arrs.items():
            edges.append((tracks.index(src), tracks.index(dst), a))
    return _kernels.OriginSpec(shares=shares, count_caps=count, share_caps=frac, open_from=open_from,
                               edges=edges, sink=tracks.index(_SINK))


def _select(outputs: Any) -> dict[str, list[int]]:
    """``outputs=`` -> {output name: indices of the tracks to compute, in track order}."""
    if outputs is None:
        return {name: list(range(1 if labels is None else len(labels))) for name, labels in OUTPUTS.items()}
    if isinstance(outputs, str):
        outputs = [outputs]
    items = outputs.items() if isinstance(outputs, Mapping) else ((name, None) for name in outputs)
    out: dict[str, list[int]] = {}
    for name, tracks in items:
        if name not in OUTPUTS:
            raise FlowParameterError(f"outputs: unknown output {name!r}; known outputs are {list(OUTPUTS)}")
        labels = OUTPUTS[name]
        if tracks is None:
            out[name] = list(range(1 if labels is None else len(labels)))
            continue
        if labels is None:
            raise FlowParameterError(f"outputs[{name!r}]: this output has no tracks; give None")
        tracks = [tracks] if isinstance(tracks, str) else list(tracks)
        _check_known(f"outputs[{name!r}]", tracks, labels)
        out[name] = sorted({labels.index(t) for t in tracks})
    return out


def _check_rate_sums(params: "FlowParameters", passing: tuple[np.ndarray, ...],
                     repeating: tuple[np.ndarray, ...]) -> None:
    """Promotion (graduation) plus repetition at most 1 in grades 10-12; no repetition of 1 under a warm start."""
    p10, p11, g12 = passing
    r10, r11, r12 = repeating
    for g, p, r in ((10, p10, r10), (11, p11, r11), (12, g12, r12)):
        what = "thpt_graduation" if g == 12 else f"promotion (grade {g})"
        if float(p.max()) + float(r.max()) <= 1.0:  # enough, and no temporary array
            continue
        top = float((p + r).max())
        if top > 1.0 + 1e-12:
            raise FlowParameterError(
                f"{what} + repetition (grade {g}): must not exceed 1 (dropout = 1 - p - r would be negative); "
                f"largest sum {top:.6g}"
            )
    if params.warm_start and any(float(r[:, :, 0].max()) >= 1.0 for r in (r10, r11, r12)):
        raise FlowParameterError(
            "repetition: a rate of 1 in the first year makes the warm-start steady state infinite; "
            "use warm_start=False or a rate below 1"
        )


def _programmes(params: "FlowParameters", th_sh: list[np.ndarray], tp_sh: list[np.ndarray], units: pd.Index,
                years: pd.Index) -> tuple[dict[str, list[int]], list]:
    """Programmes' first intake years: the destination years still closed per origin, and the kernel's specs."""
    yv = np.asarray(years)
    y0, n_y = int(yv[0]), len(yv)
    open_from = {"thcs": [0] * len(THCS_TRACKS), "thpt": [0] * len(THPT_TRACKS)}
    progs = []
    for name in PROGRAMMES:
        origin, track = _PROGRAMME_SOURCE[name]
        k = _ORIGINS[origin].index(track)
        start = params.programme_start.get(name)
        first = 0 if not params.warm_start else (_kernels._NO_START if start is None else int(start) - y0)
        if start is not None and int(start) > y0:
            closed = min(int(start) - y0, n_y)
            open_from[origin][k] = closed
            share = (th_sh if origin == "thcs" else tp_sh)[k]
            early = share[:, :, :closed]
            if early.size and float(early.max()) > 0.0:
                bad = int(yv[int(np.argmax((early > 0).any(axis=(0, 1))))]) if share.shape[2] > 1 else y0
                raise FlowParameterError(
                    f"{origin}_shares[{track!r}]: positive in {bad}, before the programme's first intake in "
                    f"{int(start)} (programme_start[{name!r}]); set the share to 0 before {int(start)} "
                    "or change programme_start"
                )
        keep = None
        if name in params.programme_dropout:
            keep = 1.0 - _as_3d(f"programme_dropout[{name!r}]", params.programme_dropout[name], units, years)
        progs.append(_kernels.ProgrammeSpec(origin=0 if origin == "thcs" else 1, track=k,
                                            weights=_kernels.programme_weights(getattr(params.durations, name)),
                                            first=first, keep=keep))
    return open_from, progs


def simulate_flows(
    grade9: Any,
    params: FlowParameters,
    *,
    units: Iterable[str] | None = None,
    years: Iterable[int] | None = None,
    outputs: Iterable[str] | Mapping[str, Iterable[str] | None] | None = None,
    workspace: FlowWorkspace | None = None,
    engine: str = "auto",
    threads: int | None = None,
) -> FlowResult:
    """Run the cohort-flow model for all draws, units and years at once.

    Parameters
    ----------
    grade9 : DataFrame or array-like
        Grade-9 enrolment (students) of the cohort finishing THCS in each
        year: a DataFrame with units as index and years as columns (e.g. from
        :func:`project_cohort`), or an array of shape ``(units, years)`` or
        ``(draws, units, years)`` with ``units`` and ``years`` given.
        Use ``thcs_graduation=1`` if you have THCS graduate counts instead.
    params : FlowParameters
    units, years : iterable, optional
        Labels; required when ``grade9`` is an array, taken from the
        DataFrame otherwise. Years must be consecutive integers.
    outputs : iterable of str, or mapping of str to track labels, optional
        What to compute and keep (names from :data:`OUTPUTS`): a list of
        names (every track), or a mapping from a name to the track labels
        wanted (``None``: every track), e.g. ``{"thcs_intake": ["so_cap",
        "trung_cap"], "thcs_graduates": None}``. Default: everything (about
        70 float64 arrays of ``draws x units x years``, 560 bytes per
        cell-draw). The model itself is always computed in full.
    workspace : FlowWorkspace, optional
        Buffers reused across calls (see :class:`FlowWorkspace`): the
        result's arrays live there until the next call with it.
    engine : {"auto", "numba", "numpy"}, default "auto"
        ``"numba"``: the fused compiled kernel on all cores (numba must be
        installed; the first call in a fresh environment compiles it, later
        ones load it from numba's cache); ``"numpy"``: whole-array numpy;
        ``"auto"``: numba when installed and the problem has at least
        100,000 cell-draws (draws x units x years), numpy otherwise (small
        problems gain little and skip loading numba). Both give identical
        numbers.
    threads : int, optional
        Threads of the numba kernel (default: the cores this process may use;
        small problems use fewer). The numbers do not depend on it.

    Returns
    -------
    FlowResult

    Raises
    ------
    FlowParameterError
        If an input or parameter is invalid (the message names it).
    """
    if not isinstance(params, FlowParameters):
        raise FlowParameterError("params: must be a FlowParameters object")
    if engine not in ENGINES:
        raise FlowParameterError(f"engine: must be one of {list(ENGINES)}; got {engine!r}")
    if engine == "numba" and not _kernels.numba_available():
        raise FlowParameterError("engine: 'numba' was asked for but numba is not installed; "
                                 "install numba or use engine='numpy'")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1):
        raise FlowParameterError(f"threads: must be a whole number of threads, 1 or more; got {threads!r}")
    if workspace is not None and not isinstance(workspace, FlowWorkspace):
        raise FlowParameterError("workspace: must be a FlowWorkspace (or None)")
    selected = _select(outputs)
    if isinstance(grade9, pd.DataFrame):
        units = _labels(grade9.index if units is None else units, "units")
        years = _labels(grade9.columns if years is None else years, "years")
    else:
        if units is None or years is None:
            raise FlowParameterError("grade9: give units= and years= labels when grade9 is an array")
        units, years = _labels(units, "units"), _labels(years, "years")
    if len(units) == 0 or len(years) == 0:
        raise FlowParameterError("grade9: needs at least one unit and one year")
    yv = np.asarray(years)
    if not np.issubdtype(yv.dtype, np.integer) or (len(yv) > 1 and np.any(np.diff(yv) != 1)):
        raise FlowParameterError(f"years: must be consecutive integers; got {list(yv)}")
    g9 = _as_3d("grade9", grade9, units, years)
    _, lo, _ = _range("grade9", g9)
    if lo < 0:
        raise FlowParameterError(f"grade9: cohort sizes must be zero or more students; got {lo:g}")
    n_u, n_y = len(units), len(years)
    y0 = int(yv[0])

    th_sh = _shares_array("thcs_shares", params.thcs_shares, THCS_TRACKS, units, years)
    tp_sh = _shares_array("thpt_shares", params.thpt_shares, THPT_TRACKS, units, years)
    grad9 = _as_3d("thcs_graduation", params.thcs_graduation, units, years)
    p10, p11 = (_as_3d(f"promotion (grade {g})", v, units, years) for g, v in zip((10, 11), params.promotion))
    r10, r11, r12 = (_as_3d(f"repetition (grade {g})", v, units, years) for g, v in zip((10, 11, 12), params.repetition))
    g12 = _as_3d("thpt_graduation", params.thpt_graduation, units, years)
    _check_rate_sums(params, (p10, p11, g12), (r10, r11, r12))

    open_from, progs = _programmes(params, th_sh, tp_sh, units, years)
    thcs = _origin_spec("thcs", th_sh, params.thcs_capacity, open_from["thcs"], units, years)
    thpt = _origin_spec("thpt", tp_sh, params.thpt_capacity, open_from["thpt"], units, years)

    every = [g9, grad9, p10, p11, r10, r11, r12, g12, *th_sh, *tp_sh, *(p.keep for p in progs if p.keep is not None)]
    for spec in (thcs, thpt):
        every += [c for c in spec.count_caps + spec.share_caps if c is not None]
        every += [w for _, _, w in spec.edges if w is not None]
    draws = sorted({a.shape[0] for a in every if a.shape[0] != 1})
    if len(draws) > 1:
        raise FlowParameterError(
            f"parameters: arrays with a draws axis must all have the same number of draws; got {draws}"
        )
    n_d = draws[0] if draws else 1
    shape = (n_d, n_u, n_y)
    if engine == "auto":
        big = n_d * n_u * n_y >= _kernels.AUTO_NUMBA_MIN
        engine = "numba" if big and _kernels.numba_available() else "numpy"
    prep = _kernels.Prepared(
        shape=shape, grade9=g9, thcs_graduation=grad9, promotion=(p10, p11), thpt_graduation=g12,
        repetition=(r10, r11, r12), thcs=thcs, thpt=thpt,
        entry=tuple(THCS_TRACKS.index(t) for t in _ENTRY), warm=bool(params.warm_start), programmes=progs,
    )

    if workspace is not None:
        workspace._generation += 1
    bufs: dict[str, tuple[list[int], np.ndarray]] = {}
    for name, sel in selected.items():
        bshape = (len(sel), n_d, n_u, 1 if name == "thpt_initial" else n_y)
        buf = np.empty(bshape) if workspace is None else workspace._take(name, bshape)
        bufs[name] = (sel, buf)
    _kernels.run(prep, bufs, engine, threads)
    return FlowResult(units, years, np.broadcast_to(g9, shape), bufs, workspace)


def project_cohort(
    base: Any,
    base_year: int,
    years: Iterable[int],
    growth: Any = 0.0,
    unit: str = "all",
) -> pd.DataFrame:
    """Project cohort sizes from one observed year with constant compound growth.

    ``size[u, y] = base[u] * (1 + growth[u]) ** (y - base_year)``.

    Parameters
    ----------
    base : float or mapping/Series of unit -> float
        Cohort size (students) in ``base_year``, e.g. 21,000 THCS graduates a
        year in Long An (~2021-23, Báo Long An 08/08/2023).
    base_year : int
    years : iterable of int
        Years to return (may include or precede ``base_year``).
    growth : float or mapping/Series of unit -> float, default 0.0
        Growth per year as a fraction (0.01 = +1 % a year); must be > -1.
    unit : str, default "all"
        Unit label when ``base`` is a scalar.

    Returns
    -------
    DataFrame
        Units as index (``unit``), years as columns (``year``); feeds
        :func:`simulate_flows` directly.
    """
    if isinstance(base, Mapping):
        base = pd.Series(dict(base), dtype=float)
    if not isinstance(base, pd.Series):
        base = pd.Series([float(base)], index=[unit], dtype=float)
    if base.isna().any() or (base < 0).any():
        raise FlowParameterError(f"base: cohort sizes must be zero or more students; got {base.to_dict()}")
    if isinstance(growth, Mapping):
        growth = pd.Series(dict(growth), dtype=float)
    if isinstance(growth, pd.Series):
        missing = base.index.difference(growth.index)
        if len(missing):
            raise FlowParameterError(f"growth: no value for units {list(missing)}")
        growth = growth.reindex(base.index)
    g = np.broadcast_to(np.asarray(growth, dtype=float), base.shape)
    if np.isnan(g).any() or (g <= -1).any():
        raise FlowParameterError(f"growth: must be a fraction per year above -1; got {np.unique(g)}")
    yrs = np.asarray(list(years), dtype=int)
    values = base.to_numpy()[:, None] * (1.0 + g[:, None]) ** (yrs[None, :] - int(base_year))
    return pd.DataFrame(values, index=pd.Index(base.index, name="unit"), columns=pd.Index(yrs, name="year"))
