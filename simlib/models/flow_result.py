"""What a flow run returns: :class:`FlowResult` (arrays, tidy tables, seats), its :class:`FlowWorkspace`, quantiles."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from simlib.models.flow_tracks import (
    _ENTRY,
    _ORIGINS,
    _SINK,
    GRADES,
    OUTPUTS,
    PROGRAMMES,
    SEAT_TRACKS,
    THCS_TRACKS,
    FlowOutputError,
    FlowParameterError,
    StaleResultError,
    _check_known,
)

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


