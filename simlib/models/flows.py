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
  school year 2026-27 (intake year 2026 here: ``start_trung_hoc_nghe`` in the
  flow assumptions, passed as ``programme_start``).
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
from typing import Any

import numpy as np
import pandas as pd

from simlib.models import _kernels
from simlib.models.flow_capacity import Capacity
from simlib.models.flow_result import FlowResult, FlowWorkspace, _as_3d, _labels, _tidy, indicator_share, quantiles  # noqa: F401
from simlib.models.flow_tracks import (  # noqa: F401 - the flow model's vocabulary, re-exported
    ENGINES, GRADES, OUTPUTS, PROGRAMMES, SEAT_TRACKS, SINK, THCS_TRACKS, THPT_ENTRY, THPT_TRACKS, FlowOutputError,
    FlowParameterError, StaleResultError, _ENTRY, _ORIGINS, _PROGRAMME_SOURCE, _RENAMED, _SHARE_TOL, _SINK,
    _check_known, _check_rate, _check_shares, _freeze, _range, _raw, _sum_deviation,
)

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

@dataclass(frozen=True)
class Durations:
    """Programme durations in years (may be fractional), used to turn intakes into seats.

    No number lives here: the durations are data, the ``duration_<programme>``
    rows of the flow assumptions (``data/flow_assumptions.csv``, each with its
    source and status), read by :func:`simlib.models.assumptions.durations`.

    Examples
    --------
    >>> Durations(gdtx=3, so_cap=1, trung_cap=2, trung_cap_thpt=1.5, cao_dang=2.5, dai_hoc=4,
    ...           trung_hoc_nghe=3).cao_dang
    2.5
    """

    gdtx: float
    so_cap: float
    trung_cap: float
    trung_cap_thpt: float
    cao_dang: float
    dai_hoc: float
    trung_hoc_nghe: float

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, (int, float, np.integer, np.floating)) or not (0 < float(value) < 50):
                raise FlowParameterError(
                    f"durations.{f.name}: must be a number of years above 0 (and below 50); got {value!r}"
                )


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
    durations : Durations
        Programme durations (years), from the flow assumptions
        (:func:`simlib.models.assumptions.durations`); required.
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
    programme_start : mapping of str to int, default {} (every programme open)
        First intake year (label, = school year ``year``/``year+1``) of a
        programme (:data:`PROGRAMMES`). Before it the programme takes no
        students: a positive share of its destination in an earlier year is
        an error, re-routing never sends students there (its cap is 0), and
        the warm start assumes no intakes before it. Trung học nghề's first
        nationwide intake (2026) is the flow assumptions' ``start_trung_hoc_nghe``
        row (:func:`simlib.models.assumptions.programme_start`).
    """

    thcs_shares: Mapping[str, Any]
    thpt_shares: Mapping[str, Any]
    thcs_graduation: Any = 1.0
    promotion: tuple[Any, Any] = (1.0, 1.0)
    repetition: tuple[Any, Any, Any] = (0.0, 0.0, 0.0)
    thpt_graduation: Any = 1.0
    thcs_capacity: Capacity = field(default_factory=Capacity)
    thpt_capacity: Capacity = field(default_factory=Capacity)
    durations: Durations | None = None
    programme_dropout: Mapping[str, Any] = field(default_factory=dict)
    warm_start: bool = True
    programme_start: Mapping[str, int] = field(default_factory=dict)

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
            raise FlowParameterError("durations: give the programme durations as a Durations object, e.g. "
                                     "simlib.models.assumptions.durations(table) from the flow assumptions")
        self.thcs_capacity.check("thcs")
        self.thpt_capacity.check("thpt")


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

