"""Cohort-flow engine: grade 9 -> destinations -> THPT grades 10-12 -> destinations.

Vietnamese terms used once with their English meaning:

* THCS (trung học cơ sở): lower secondary school, grades 6-9.
* THPT (trung học phổ thông): general upper secondary school, grades 10-12.
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
For every Monte Carlo draw ``d``, unit ``u`` (province, district, commune
group; any string label) and year ``t``:

1. ``grade9[d, u, t]`` students (grade-9 enrolment of the cohort that finishes
   THCS in the summer of year ``t``) graduate with ``thcs_graduation``;
   non-graduates leave the model (exit ``thcs_not_graduated``).
2. THCS graduates are split by ``thcs_shares`` over the destinations
   :data:`THCS_TRACKS`; intake caps are applied (see :class:`Capacity`).
   Intakes are labelled with year ``t`` = the school year ``t``/``t+1`` they
   start.
3. General THPT: ``E10[t] = intake_thpt[t] + r10 E10[t-1]``,
   ``E11[t] = p10 E10[t-1] + r11 E11[t-1]``,
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

Mass balance: every student entering (grade-9 enrolment plus the warm-start
THPT stock) is, at the end of the horizon, either in one exit
(THCS non-graduate, THPT dropout by grade), in one destination intake
(absorbing, for head counts), or still enrolled in THPT grade 10-12 in the
last year. :meth:`FlowResult.balance` reports both sides.

Arrays inside are float64 with shape ``(draws, units, years[, tracks])``; one
call evaluates all draws at once. Labelled pandas tables are produced only
at the edge, on request.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from simlib.errors import InputError

__all__ = [
    "THCS_TRACKS",
    "THPT_TRACKS",
    "PROGRAMMES",
    "SEAT_TRACKS",
    "FlowParameterError",
    "Capacity",
    "Durations",
    "FlowParameters",
    "FlowResult",
    "simulate_flows",
    "indicator_share",
    "project_cohort",
    "quantiles",
]

#: Destinations of THCS graduates (order used in arrays).
THCS_TRACKS: tuple[str, ...] = ("thpt", "gdtx", "so_cap", "trung_cap", "not_continuing")
#: Destinations of THPT graduates (order used in arrays).
THPT_TRACKS: tuple[str, ...] = ("dai_hoc", "cao_dang", "trung_cap", "not_continuing")
#: Programmes whose enrolment (seats) is tracked; ``trung_cap_thpt`` is
#: trung cấp taken by THPT graduates (shorter, no cultural subjects).
PROGRAMMES: tuple[str, ...] = ("gdtx", "so_cap", "trung_cap", "trung_cap_thpt", "cao_dang", "dai_hoc")
#: Tracks accepted by :meth:`FlowResult.seats_needed`.
SEAT_TRACKS: tuple[str, ...] = ("thpt", "gdtx", "so_cap", "trung_cap", "cao_dang", "dai_hoc")
_SINK = "not_continuing"
_ORIGINS = {"thcs": THCS_TRACKS, "thpt": THPT_TRACKS}
_SHARE_TOL = 1e-9


class FlowParameterError(InputError):
    """A flow parameter or input is invalid; the message names it and the problem."""


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
    if np.isnan(arr).any():
        raise FlowParameterError(f"{name}: contains missing values (NaN)")
    return arr


def _check_rate(name: str, value: Any) -> None:
    arr = _raw(name, value)
    if arr.size and (arr.min() < 0.0 or arr.max() > 1.0):
        raise FlowParameterError(
            f"{name}: rates must be fractions in [0, 1]; got values from {arr.min():g} to {arr.max():g}"
        )


def _check_sum_early(name: str, shares: Mapping[str, Any]) -> None:
    """Check that shares sum to 1 when they are plain numbers/arrays that broadcast together.

    Labelled (pandas) shares are checked after alignment, in :func:`simulate_flows`.
    """
    values = list(shares.values())
    if any(isinstance(v, (pd.Series, pd.DataFrame)) for v in values):
        return
    arrs = [np.asarray(v, dtype=float) for v in values]
    try:
        total = sum(np.broadcast_arrays(*arrs))
    except ValueError:
        return  # shapes are checked against units/years in simulate_flows
    dev = float(np.max(np.abs(total - 1.0)))
    if dev > _SHARE_TOL:
        raise FlowParameterError(
            f"{name}: destination shares must sum to 1 within 1e-9 in every cell; "
            f"the largest deviation is {dev:.3g}"
        )


def _check_known(name: str, keys: Iterable[str], known: tuple[str, ...]) -> None:
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise FlowParameterError(
            f"{name}: unknown track(s) {unknown}; known tracks are {list(known)}"
        )


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
        ``{"thpt": 15_000}`` for public grade-10 places or
        ``{"trung_cap": 3_000}`` for vocational seats. Broadcast like any
        parameter (scalar, per unit, per year, per draw x unit x year).
        ``not_continuing`` cannot be capped (it is where students go when
        everything else is full). ``np.inf`` means no cap.
    reroute : "proportional" or mapping of str to str, default "proportional"
        What happens to students above a cap (the overflow):

        * ``"proportional"``: overflow is shared over the destinations that
          are not full (including ``not_continuing``) in proportion to their
          original shares.
        * a mapping such as ``{"thpt": "gdtx"}``: overflow from ``thpt`` goes
          to the named fallback ``gdtx``; destinations without a named
          fallback use the proportional rule. Chains are followed
          (``a -> b -> c``); cycles are rejected.

        The rule is applied repeatedly until no destination exceeds its cap,
        so re-routed students never exceed another cap. If every destination
        that could take them is full (or has a zero share under the
        proportional rule), the remainder goes to ``not_continuing``.
        No student disappears.
    """

    caps: Mapping[str, Any] = field(default_factory=dict)
    reroute: str | Mapping[str, str] = "proportional"

    def __post_init__(self) -> None:
        object.__setattr__(self, "caps", _freeze(self.caps))
        if not isinstance(self.reroute, str):
            object.__setattr__(self, "reroute", _freeze(self.reroute))
        elif self.reroute != "proportional":
            raise FlowParameterError(
                f"reroute: must be 'proportional' or a mapping such as {{'thpt': 'gdtx'}}; got {self.reroute!r}"
            )
        for key, value in self.caps.items():
            arr = _raw(f"caps[{key!r}]", value)
            if arr.size and arr.min() < 0:
                raise FlowParameterError(
                    f"caps[{key!r}]: caps must be zero or more students; got {arr.min():g}"
                )

    def check(self, origin: str) -> None:
        """Check track names against the destinations of ``origin`` ("thcs" or "thpt")."""
        known = _ORIGINS[origin]
        _check_known(f"{origin}_capacity.caps", self.caps, known)
        if _SINK in self.caps:
            raise FlowParameterError(
                f"{origin}_capacity.caps: 'not_continuing' cannot be capped; it receives "
                "the students left over when every other destination is full"
            )
        if isinstance(self.reroute, Mapping):
            name = f"{origin}_capacity.reroute"
            _check_known(name, self.reroute.keys(), known)
            _check_known(name, self.reroute.values(), known)
            for src, dst in self.reroute.items():
                if src == dst:
                    raise FlowParameterError(f"{name}: {src!r} cannot fall back to itself")
            for start in self.reroute:
                seen, node = [start], start
                while node in self.reroute:
                    node = self.reroute[node]
                    if node in seen:
                        raise FlowParameterError(
                            f"{name}: fallbacks form a cycle {' -> '.join(seen + [node])}"
                        )
                    seen.append(node)


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
    """

    gdtx: float = 3.0
    so_cap: float = 1.0
    trung_cap: float = 2.0
    trung_cap_thpt: float = 1.5
    cao_dang: float = 2.5
    dai_hoc: float = 4.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, (int, float, np.integer, np.floating)) or not (
                0 < float(value) < 50
            ):
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
        intakes before the first year equal the first year's. If False, the
        system starts empty (seat needs in the first years are too low).
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

    def __post_init__(self) -> None:
        for name in ("thcs_shares", "thpt_shares", "programme_dropout"):
            value = getattr(self, name)
            if not isinstance(value, Mapping):
                raise FlowParameterError(f"{name}: must be a mapping of track name to values")
            object.__setattr__(self, name, _freeze(value))
        _check_known("thcs_shares", self.thcs_shares, THCS_TRACKS)
        _check_known("thpt_shares", self.thpt_shares, THPT_TRACKS)
        _check_known("programme_dropout", self.programme_dropout, PROGRAMMES)
        if not self.thcs_shares:
            raise FlowParameterError("thcs_shares: at least one destination share is needed")
        if not self.thpt_shares:
            raise FlowParameterError("thpt_shares: at least one destination share is needed")
        for key, value in self.thcs_shares.items():
            _check_rate(f"thcs_shares[{key!r}]", value)
        for key, value in self.thpt_shares.items():
            _check_rate(f"thpt_shares[{key!r}]", value)
        for key, value in self.programme_dropout.items():
            _check_rate(f"programme_dropout[{key!r}]", value)
        for name in ("thcs_shares", "thpt_shares"):
            _check_sum_early(name, getattr(self, name))
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
    """Return ``value`` as an array broadcastable to ``(draws, units, years)``."""
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
    return arr


def _labels(values: Any, name: str) -> pd.Index:
    idx = pd.Index(values)
    if idx.has_duplicates:
        raise FlowParameterError(f"{name}: labels must be unique; duplicates {list(idx[idx.duplicated()])}")
    return idx


# --------------------------------------------------------------------------
# capacity re-routing (vectorised over all cells)
# --------------------------------------------------------------------------
def _apply_caps(
    demand: list[np.ndarray],
    shares: list[np.ndarray],
    caps: list[np.ndarray | None],
    fallback: Mapping[int, int],
    sink: int,
) -> list[np.ndarray]:
    """Cap intakes and re-route the overflow; one array per track, same shape.

    ``demand`` are wanted intakes (students), ``shares`` the original shares
    (weights for the proportional rule), ``caps`` the caps (``None`` = no
    cap), ``fallback`` maps a track index to its fallback index, ``sink`` is
    the index of ``not_continuing`` (never capped). Repeats until no track
    exceeds its cap; each pass fills at least one more track or moves the
    overflow one step along a fallback chain, so ``K*K + K + 2`` passes are
    always enough.
    """
    x = [np.array(d, dtype=float) for d in demand]
    n_k = len(x)
    capped_k = [k for k in range(n_k) if caps[k] is not None]
    prop = [k for k in capped_k if k not in fallback]
    # weight of the never-capped tracks (always open) for the proportional rule
    free_w = sum((shares[k] for k in range(n_k) if caps[k] is None), np.zeros(()))
    for _ in range(n_k * n_k + n_k + 2):
        over = {}
        for k in capped_k:
            # np.minimum returns the cap itself where it binds, so "full" tests are exact
            capped = np.minimum(x[k], caps[k])
            o = x[k] - capped
            if o.any():
                x[k] = capped
                over[k] = o
        if not over:
            return x
        for src, dst in fallback.items():
            if src in over:
                x[dst] += over[src]
        pool = None
        for k in prop:
            if k in over:
                pool = over[k] if pool is None else pool + over[k]
        if pool is not None:
            open_w = {k: np.where(x[k] < caps[k], shares[k], 0.0) for k in capped_k}
            wsum = free_w
            for w in open_w.values():
                wsum = wsum + w
            ok = wsum > 0.0
            scale = np.divide(pool, wsum, out=np.zeros(np.broadcast_shapes(pool.shape, wsum.shape)), where=ok)
            for k in range(n_k):
                x[k] += scale * (open_w[k] if k in open_w else shares[k])
            x[sink] += np.where(ok, 0.0, pool)
    raise AssertionError("capacity re-routing did not converge")  # pragma: no cover


def _stock_weights(duration: float, n_y: int, warm: bool) -> np.ndarray:
    """Matrix ``W`` (years x years) with ``stock = intake @ W`` (no in-programme dropout).

    ``W[s, t] = w_(t-s)`` for ``0 <= t - s < ceil(duration)``, with
    ``w_k = min(1, duration - k)``; with a warm start, first-year intakes
    also stand in for the intakes before the first year: ``W[0, t] +=
    sum(w_k for k > t)``.
    """
    n_k = math.ceil(duration)
    w = [min(1.0, duration - k) for k in range(n_k)]
    W = np.zeros((n_y, n_y))
    for t in range(n_y):
        for k in range(min(n_k, t + 1)):
            W[t - k, t] += w[k]
        if warm:
            W[0, t] += sum(w[t + 1 :])
    return W


def _stock(intake: np.ndarray, duration: float, keep: np.ndarray | None, warm: bool) -> np.ndarray:
    """Seats (student-years) in each year from intakes; the year axis is axis 2.

    ``stock[t] = sum_k w_k keep[t]^k intake[t-k]``, ``w_k = min(1, duration - k)``
    for ``k = 0 .. ceil(duration) - 1``; intakes before the first year equal
    the first year's if ``warm``, else 0. ``keep`` = 1 - annual dropout.
    """
    n_y = intake.shape[2]
    if keep is None:
        flat = np.ascontiguousarray(intake).reshape(-1, n_y)
        return (flat @ _stock_weights(duration, n_y, warm)).reshape(intake.shape)
    keep = np.broadcast_to(keep, intake.shape)
    out = np.zeros(intake.shape)
    for k in range(math.ceil(duration)):
        wk = min(1.0, duration - k) * keep**k
        for t in range(n_y):
            src = t - k
            if src >= 0:
                out[:, :, t] += wk[:, :, t] * intake[:, :, src]
            elif warm:
                out[:, :, t] += wk[:, :, t] * intake[:, :, 0]
    return out


# --------------------------------------------------------------------------
# result object
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


class FlowResult:
    """Arrays from :func:`simulate_flows` (students) with labelled views.

    Array attributes have shape ``(draws, units, years[, k])``:
    ``grade9``, ``thcs_graduates``, ``thcs_demand`` and ``thcs_intake``
    (k = :data:`THCS_TRACKS`), ``thpt_enrolment`` (k = grades 10, 11, 12),
    ``thpt_promoted``, ``thpt_repeated``, ``thpt_dropped`` (k = grades,
    flows out of the stock of year ``t-1`` labelled ``t``; "promoted" from
    grade 12 means graduated), ``thpt_graduates``, ``thpt_demand`` and
    ``thpt_intake`` (k = :data:`THPT_TRACKS`), ``programme_enrolment``
    (k = :data:`PROGRAMMES`, seat-years). ``thpt_initial`` has shape
    ``(draws, units, 3)``: the warm-start stock of the year before the first.

    The engine keeps one array per track; the stacked arrays above are
    built on first access.
    """

    _STACKED = {
        "thcs_demand", "thcs_intake", "thpt_enrolment", "thpt_promoted", "thpt_repeated",
        "thpt_dropped", "thpt_demand", "thpt_intake", "programme_enrolment",
    }

    def __init__(self, units: pd.Index, years: pd.Index, parts: Mapping[str, Any]) -> None:
        self.units = units
        self.years = years
        self._parts = dict(parts)
        self._cache: dict[str, np.ndarray] = {}

    def __getattr__(self, name: str) -> np.ndarray:
        parts = self.__dict__.get("_parts")
        if parts is None or name not in parts:
            raise AttributeError(name)
        cache = self.__dict__["_cache"]
        if name not in cache:
            value = parts[name]
            if name == "thpt_initial" or name in self._STACKED:
                arr = np.stack(value, axis=-1)
            else:
                arr = np.asarray(value)
            arr.flags.writeable = False
            cache[name] = arr
        return cache[name]

    def track(self, name: str, index: int) -> np.ndarray:
        """One slice of a stacked array without building the stack.

        ``result.track("thcs_intake", THCS_TRACKS.index("trung_cap"))`` equals
        ``result.thcs_intake[..., THCS_TRACKS.index("trung_cap")]``.
        """
        if name not in self._STACKED:
            raise AttributeError(f"{name} is not a stacked array; stacked: {sorted(self._STACKED)}")
        return np.asarray(self._parts[name][index])

    @property
    def n_draws(self) -> int:
        return self.grade9.shape[0]

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
        share = np.divide(intake, grads[..., None], out=np.zeros_like(intake), where=grads[..., None] > 0)
        df["share"] = share.ravel()
        return df

    def enrolment(self) -> pd.DataFrame:
        """Enrolment (students, seat-years for programmes): unit, year, state, draw, students.

        States: ``grade10``, ``grade11``, ``grade12`` (general THPT) and :data:`PROGRAMMES`.
        """
        arr = np.concatenate([self.thpt_enrolment, self.programme_enrolment], axis=-1)
        states = ("grade10", "grade11", "grade12") + PROGRAMMES
        return _tidy(arr, self.units, self.years, states, "state", "students")

    def exits(self) -> pd.DataFrame:
        """Students leaving the system: unit, year, exit, draw, students.

        Exits: ``thcs_not_graduated``, ``thcs_not_continuing``,
        ``thpt_dropout_grade10`` .. ``grade12`` (labelled with the year they
        would have been enrolled next), ``thpt_not_continuing``.
        """
        arr = np.stack(
            [
                self.grade9 - self.thcs_graduates,
                self.thcs_intake[..., THCS_TRACKS.index(_SINK)],
                self.thpt_dropped[..., 0],
                self.thpt_dropped[..., 1],
                self.thpt_dropped[..., 2],
                self.thpt_intake[..., THPT_TRACKS.index(_SINK)],
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

        ``thpt`` = grades 10-12 of general THPT; ``trung_cap`` = trung cấp
        students from THCS plus from THPT (``by_origin=True`` gives only
        the THCS-graduate part); other tracks are their programme enrolment.
        """
        if track not in SEAT_TRACKS:
            raise FlowParameterError(f"track: unknown track {track!r}; known tracks are {list(SEAT_TRACKS)}")
        if track == "thpt":
            e = self._parts["thpt_enrolment"]
            arr = e[0] + e[1] + e[2]
        else:
            progs = self._parts["programme_enrolment"]
            arr = progs[PROGRAMMES.index(track)]
            if track == "trung_cap" and not by_origin:
                arr = arr + progs[PROGRAMMES.index("trung_cap_thpt")]
        return _tidy(arr, self.units, self.years, None, None, "seats")

    def balance(self) -> pd.DataFrame:
        """Mass balance per unit and draw over the horizon: entered, accounted, difference.

        ``entered`` = grade-9 enrolment + warm-start THPT stock;
        ``accounted`` = THCS non-graduates + THCS intakes other than THPT +
        THPT dropouts + THPT graduates + THPT enrolment in the last year.
        """
        entered = self.grade9.sum(axis=2) + self.thpt_initial.sum(axis=-1)
        accounted = (
            (self.grade9 - self.thcs_graduates).sum(axis=2)
            + self.thcs_intake[..., 1:].sum(axis=(2, 3))
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
    intake = result.thcs_intake if origin == "thcs" else result.thpt_intake
    num = intake[..., [tracks.index(t) for t in numerator]].sum(axis=-1)
    if denominator is None:
        den = result.thcs_graduates if origin == "thcs" else result.thpt_graduates
    else:
        denominator = [denominator] if isinstance(denominator, str) else list(denominator)
        _check_known("denominator", denominator, tracks)
        den = intake[..., [tracks.index(t) for t in denominator]].sum(axis=-1)
    share = np.divide(num, den, out=np.full(num.shape, np.nan), where=den > 0)
    return _tidy(share, result.units, result.years, None, None, "share")


# --------------------------------------------------------------------------
# the engine
# --------------------------------------------------------------------------
def _shares_array(name: str, shares: Mapping[str, Any], tracks: tuple[str, ...], units, years) -> list[np.ndarray]:
    arrs = [_as_3d(f"{name}[{t!r}]", shares.get(t, 0.0), units, years) for t in tracks]
    if not any(isinstance(v, (pd.Series, pd.DataFrame)) for v in shares.values()):
        return arrs  # already checked when FlowParameters was built (_check_sum_early)
    total = arrs[0]
    for a in arrs[1:]:
        total = total + a
    dev = np.abs(total - 1.0).max()
    if dev > _SHARE_TOL:
        raise FlowParameterError(
            f"{name}: destination shares must sum to 1 within 1e-9 in every cell; "
            f"the largest deviation is {dev:.3g}"
        )
    return arrs


def _caps_array(name: str, cap: Capacity, tracks, units, years) -> tuple[list[np.ndarray | None], dict[int, int]]:
    arrs = [
        None if t not in cap.caps else _as_3d(f"{name}.caps[{t!r}]", cap.caps[t], units, years) for t in tracks
    ]
    fb = {}
    if isinstance(cap.reroute, Mapping):
        fb = {tracks.index(s): tracks.index(d) for s, d in cap.reroute.items()}
    return arrs, fb


def simulate_flows(
    grade9: Any,
    params: FlowParameters,
    *,
    units: Iterable[str] | None = None,
    years: Iterable[int] | None = None,
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
    if np.isnan(g9).any():
        raise FlowParameterError("grade9: contains missing values (NaN)")
    if g9.min() < 0:
        raise FlowParameterError(f"grade9: cohort sizes must be zero or more students; got {g9.min():g}")
    n_u, n_y = len(units), len(years)

    th_sh = _shares_array("thcs_shares", params.thcs_shares, THCS_TRACKS, units, years)
    tp_sh = _shares_array("thpt_shares", params.thpt_shares, THPT_TRACKS, units, years)
    grad9 = _as_3d("thcs_graduation", params.thcs_graduation, units, years)
    p10, p11 = (_as_3d(f"promotion (grade {g})", v, units, years) for g, v in zip((10, 11), params.promotion))
    r10, r11, r12 = (_as_3d(f"repetition (grade {g})", v, units, years) for g, v in zip((10, 11, 12), params.repetition))
    g12 = _as_3d("thpt_graduation", params.thpt_graduation, units, years)
    for g, p, r in ((10, p10, r10), (11, p11, r11), (12, g12, r12)):
        what = "thpt_graduation" if g == 12 else f"promotion (grade {g})"
        if (p + r).max() > 1.0 + 1e-12:
            raise FlowParameterError(
                f"{what} + repetition (grade {g}): must not exceed 1 (dropout = 1 - p - r would be negative); "
                f"largest sum {(p + r).max():.6g}"
            )
    th_caps, th_fb = _caps_array("thcs_capacity", params.thcs_capacity, THCS_TRACKS, units, years)
    tp_caps, tp_fb = _caps_array("thpt_capacity", params.thpt_capacity, THPT_TRACKS, units, years)
    drop = {k: _as_3d(f"programme_dropout[{k!r}]", v, units, years) for k, v in params.programme_dropout.items()}

    every = [g9, grad9, p10, p11, r10, r11, r12, g12, *th_sh, *tp_sh, *drop.values()]
    every += [c for c in th_caps + tp_caps if c is not None]
    n_d = np.broadcast_shapes(*(a.shape for a in every))[0]

    # Internal layout (draws, units, years), one array per track.
    def yr(a: np.ndarray, t: int) -> np.ndarray:
        return a[:, :, min(t, a.shape[2] - 1)]

    shape = (n_d, n_u, n_y)

    # --- THCS stage (all years at once) ---------------------------------
    grads = np.broadcast_to(g9 * grad9, shape)
    share_th = [a for a in th_sh]
    demand_th = [np.broadcast_to(grads * a, shape) for a in share_th]
    if any(c is not None for c in th_caps):
        intake_th = _apply_caps(
            demand_th, share_th, [None if c is None else c for c in th_caps], th_fb, THCS_TRACKS.index(_SINK)
        )
    else:
        intake_th = demand_th

    # --- THPT grades (loop over years) ------------------------------------
    P = [p10, p11, g12]
    R = [r10, r11, r12]
    intake_thpt = intake_th[0]
    init = [np.zeros((n_d, n_u)) for _ in range(3)]
    if params.warm_start:
        if any((yr(r, 0) >= 1.0).any() for r in R):
            raise FlowParameterError(
                "repetition: a rate of 1 in the first year makes the warm-start steady state infinite; "
                "use warm_start=False or a rate below 1"
            )
        init[0] = init[0] + intake_thpt[:, :, 0] / (1.0 - yr(R[0], 0))
        init[1] = init[1] + yr(P[0], 0) * init[0] / (1.0 - yr(R[1], 0))
        init[2] = init[2] + yr(P[1], 0) * init[1] / (1.0 - yr(R[2], 0))
    # THPT stocks and flows are built in a (years, draws, units) layout so that
    # each year's slice is contiguous; they are exposed as (draws, units, years) views.
    yshape = (n_y, n_d, n_u)
    E = [np.empty(yshape) for _ in range(3)]
    prom = [np.empty(yshape) for _ in range(3)]
    rep = [np.empty(yshape) for _ in range(3)]
    dropped = [np.empty(yshape) for _ in range(3)]
    prev = init
    for t in range(n_y):
        tr = max(t - 1, 0)  # rates of the year the stock belongs to (first year for the warm start)
        for g in range(3):
            pt, rt, dt = prom[g][t], rep[g][t], dropped[g][t]
            np.multiply(prev[g], yr(P[g], tr), out=pt)
            np.multiply(prev[g], yr(R[g], tr), out=rt)
            np.subtract(prev[g], pt, out=dt)
            dt -= rt  # dropout as the residual, so promoted + repeated + dropped == stock
        np.add(intake_thpt[:, :, t], rep[0][t], out=E[0][t])
        np.add(prom[0][t], rep[1][t], out=E[1][t])
        np.add(prom[1][t], rep[2][t], out=E[2][t])
        prev = [E[0][t], E[1][t], E[2][t]]
    E, prom, rep, dropped = ([np.moveaxis(a, 0, 2) for a in arrs] for arrs in (E, prom, rep, dropped))
    thpt_grads = np.ascontiguousarray(prom[2])
    share_tp = [a for a in tp_sh]
    demand_tp = [np.broadcast_to(thpt_grads * a, shape) for a in share_tp]
    if any(c is not None for c in tp_caps):
        intake_tp = _apply_caps(
            demand_tp, share_tp, [None if c is None else c for c in tp_caps], tp_fb, THPT_TRACKS.index(_SINK)
        )
    else:
        intake_tp = demand_tp

    # --- programme stocks -------------------------------------------------
    sources = {
        "gdtx": intake_th[1],
        "so_cap": intake_th[2],
        "trung_cap": intake_th[3],
        "trung_cap_thpt": intake_tp[2],
        "cao_dang": intake_tp[1],
        "dai_hoc": intake_tp[0],
    }
    progs = []
    for name in PROGRAMMES:
        keep = None if name not in drop else 1.0 - drop[name]
        progs.append(_stock(sources[name], getattr(params.durations, name), keep, params.warm_start))

    parts = {
        "grade9": np.broadcast_to(g9, shape),
        "thcs_graduates": grads,
        "thcs_demand": demand_th,
        "thcs_intake": intake_th,
        "thpt_initial": [np.broadcast_to(i, (n_d, n_u)) for i in init],
        "thpt_enrolment": E,
        "thpt_promoted": prom,
        "thpt_repeated": rep,
        "thpt_dropped": dropped,
        "thpt_graduates": thpt_grads,
        "thpt_demand": demand_tp,
        "thpt_intake": intake_tp,
        "programme_enrolment": progs,
    }
    return FlowResult(units, years, parts)


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
