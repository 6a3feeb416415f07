"""Destination compositions: each group of destinations with its own evidence, reconciled to sum to one.

Where a cohort of graduates goes (THCS graduates: public or private THPT,
GDTX, trung học nghề, sơ cấp, trung cấp, or not continuing; THPT graduates:
đại học, cao đẳng, trung cấp, not continuing) is a composition: shares 0-1
that sum to 1. simlib models it as a few *components* (groups of destinations,
``data/destinations.csv``), each with its own draws on the logit scale: from
the trend fitted to the component's own observed series when there is one,
from a prior (a value with its source and an uncertainty) when there is none.

Independent draws do not sum to 1. :func:`reconcile` makes them: in every
draw it moves each component's logit in proportion to its predictive
variance (times the slope of its share, ``p (1 - p)``), by the one amount
that makes the shares sum to 1. This is the conditional-Gaussian update of
the draws given "the shares sum to one", linearised on the logit scale: a
component resting on many figures (small variance) hardly moves, one resting
on a vague prior absorbs the gap. So a planner's school-leaving figures decide
the not-continuing share, and the share without evidence (usually public
THPT) takes what is left.

:func:`transfer` moves students into or out of some destinations from the
others in proportion to their shares (levers, shocks, the plausibility
bound); :func:`split` turns component shares into destination (track) shares.

All functions are pure and vectorised: arrays broadcast against each other
(typically ``(draws, units, years)``). Shares are fractions 0-1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from simlib.errors import InputError
from simlib.logit import expit

__all__ = ["CompositionError", "Component", "components_for", "reconcile", "transfer", "split", "simplex_gap"]


class CompositionError(InputError):
    """A composition cannot be formed as asked (no component free to move, shares outside 0-1)."""


def simplex_gap(shares: Mapping[str, np.ndarray]) -> float:
    """Largest absolute deviation of the shares' sum from 1 over all cells (0 for an exact composition)."""
    total = sum(np.asarray(v, dtype=float) for v in shares.values())
    return float(np.max(np.abs(np.asarray(total) - 1.0))) if np.size(total) else 0.0


#: From this many component-cells on, :func:`reconcile` solves the cells with the compiled path when numba is
#: installed (:mod:`simlib.models._numba_reconcile`; the same bits as the numpy path, one pass instead of one per
#: Newton step).
COMPILED_FROM = 200_000


def _numba_available() -> bool:
    try:
        import numba  # noqa: F401
    except ImportError:  # pragma: no cover - numba is a dependency; the numpy path is the fallback
        return False
    return True


def reconcile(logits: Mapping[str, np.ndarray], variances: Mapping[str, np.ndarray], *,
              tol: float = 1e-12, max_iter: int = 200) -> dict[str, np.ndarray]:
    """Shares that sum to 1 in every cell, each component moved in proportion to its uncertainty.

    Parameters
    ----------
    logits : mapping component -> array
        Draws of each component's share on the logit scale (``-inf`` for a
        share that is exactly 0, which stays 0). Arrays broadcast together.
    variances : mapping component -> array
        Predictive variance of each component's logit (logit units squared,
        >= 0), broadcasting like ``logits``. 0 keeps a component fixed.

    Returns
    -------
    dict component -> ndarray
        Shares (fractions 0-1) with ``z_k + c * v_k`` on the logit scale,
        ``v_k = variance_k * p_k (1 - p_k)`` and ``c`` (one number per cell)
        solved so that the shares sum to 1 (to ``tol``).

    Raises
    ------
    CompositionError
        If a cell cannot sum to 1: every component fixed, or the fixed ones
        alone exceed 1.

    Examples
    --------
    Equal uncertainty and equal shares: both move by the same amount.

    >>> import numpy as np
    >>> from simlib.logit import logit
    >>> out = reconcile({"a": logit(0.3), "b": logit(0.3)}, {"a": 1.0, "b": 1.0})
    >>> round(float(out["a"]), 12), round(float(out["b"]), 12)
    (0.5, 0.5)

    A component with no uncertainty stays where its evidence puts it:

    >>> out = reconcile({"a": logit(0.2), "b": logit(0.5)}, {"a": 0.0, "b": 1.0})
    >>> round(float(out["a"]), 12), round(float(out["b"]), 12)
    (0.2, 0.8)
    """
    keys = list(logits)
    if not keys:
        raise CompositionError("a composition needs at least one component")
    fast = _reconcile_fused(logits, variances, keys, tol, max_iter)
    if fast is not None:
        return fast
    z = np.broadcast_arrays(*[np.asarray(logits[k], dtype=float) for k in keys],
                            *[np.asarray(variances[k], dtype=float) for k in keys])
    zs, ws = z[:len(keys)], z[len(keys):]
    if any(np.any(w < 0) or np.any(np.isnan(w)) for w in ws):
        raise CompositionError("variances must be zero or more (logit units squared)")
    if any(np.any(np.isnan(x)) for x in zs):
        raise CompositionError("component logits must not be NaN (use -inf for a share of exactly 0)")
    shape = zs[0].shape
    z = np.stack([x.reshape(-1) for x in zs])            # (K, M)
    p0 = expit(z)
    v = np.stack([w.reshape(-1) for w in ws]) * p0 * (1.0 - p0)
    free = v > 0
    fixed = np.where(free, 0.0, p0).sum(axis=0)
    n_free = free.sum(axis=0)
    bad = ((n_free == 0) & (np.abs(fixed - 1.0) > 1e-9)) | ((fixed >= 1.0) & (n_free > 0))
    if np.any(bad):
        raise CompositionError(
            "the destination shares cannot be made to sum to 1: in some draw every component is fixed or the "
            f"fixed ones already sum to {float(np.max(np.where(bad, fixed, 0.0))):.4f}; give at least one "
            "component an uncertainty (prior_sd_logit in destinations.csv)")
    m = z.shape[1]
    if m * len(keys) >= COMPILED_FROM and _numba_available():
        from simlib.models import _numba_reconcile

        out_flat = _numba_reconcile.solve(z, v, p0, free, fixed, n_free, v.max(axis=0), tol, max_iter)
        return {k: out_flat[i].reshape(shape) for i, k in enumerate(keys)}
    c = np.zeros(m)
    idx = np.flatnonzero(n_free > 0)

    def f_at(ids: np.ndarray, cc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        vi = v[:, ids]
        pi = expit(z[:, ids] + cc * vi)
        return pi.sum(axis=0) - 1.0, (pi * (1.0 - pi) * vi).sum(axis=0)

    # Newton's method from c = 0, kept inside the bracket [lo, hi] that the signs of f close (f increases with
    # c); a step that leaves it is replaced by bisection
    vmax = v.max(axis=0)[idx]
    lo, hi = np.full(idx.size, -np.inf), np.full(idx.size, np.inf)
    cur = np.zeros(idx.size)
    act = np.arange(idx.size)
    for it in range(max_iter):
        if act.size == 0:
            break
        fv, d = f_at(idx, cur) if it == 0 else f_at(idx[act], cur[act])
        go = np.abs(fv) > tol
        act, fv, d = act[go], fv[go], d[go]
        if act.size == 0:
            break
        c0, l0, h0 = cur[act], lo[act], hi[act]
        l0 = np.where(fv < 0, c0, l0)
        h0 = np.where(fv > 0, c0, h0)
        nxt = c0 - np.divide(fv, d, out=np.zeros_like(fv), where=d > 0)
        flat = d <= 0  # no slope left (shares saturated): walk toward the root
        nxt = np.where(flat, c0 - np.sign(fv) * 10.0 / vmax[act], nxt)
        inside = (nxt > l0) & (nxt < h0)
        both = np.isfinite(l0) & np.isfinite(h0)
        cur[act] = np.where(inside | ~both, nxt, 0.5 * (l0 + h0))
        lo[act], hi[act] = l0, h0
    c[idx] = cur
    out_flat = np.where(free, expit(z + c * v), p0)
    # the last rounding: the free components are scaled to fill exactly what the fixed ones leave
    free_total = np.where(free, out_flat, 0.0).sum(axis=0)
    room = 1.0 - fixed
    scale = np.divide(room, free_total, out=np.ones_like(room), where=free_total > 0)
    out_flat = np.where(free, out_flat * scale, out_flat)
    return {k: out_flat[i].reshape(shape) for i, k in enumerate(keys)}


def _reconcile_fused(logits, variances, keys, tol, max_iter) -> dict[str, np.ndarray] | None:
    """:func:`reconcile` in one compiled pass per cell (no temporary arrays), or None where it does not apply.

    Used for 3-D problems from :data:`COMPILED_FROM` component-cells with numba; the same numbers bit for bit
    (:func:`simlib.models._numba_reconcile._fused`). A cell that cannot sum to 1 leaves it to the numpy
    preparation, which raises the error.
    """
    zs = [np.asarray(logits[k], dtype=float) for k in keys]
    ws = [np.asarray(variances[k], dtype=float) for k in keys]
    if len(keys) > 8 or any(a.ndim > 3 for a in zs + ws):
        return None
    shape = np.broadcast_shapes(*(a.shape for a in zs + ws))
    if len(shape) != 3 or int(np.prod(shape)) * len(keys) < COMPILED_FROM or not _numba_available():
        return None
    # the checks read the arrays as given (a broadcast array's values once)
    if any(np.any(w < 0) or np.any(np.isnan(w)) for w in ws):
        raise CompositionError("variances must be zero or more (logit units squared)")
    if any(np.any(np.isnan(x)) for x in zs):
        raise CompositionError("component logits must not be NaN (use -inf for a share of exactly 0)")
    from simlib.models import _numba_reconcile

    out, bad = _numba_reconcile.solve_fused(tuple(_view(a, shape) for a in zs), tuple(_view(a, shape) for a in ws),
                                            tol, max_iter)
    if bad.any():
        return None
    return {k: out[i].reshape(shape) for i, k in enumerate(keys)}


def transfer(shares: Mapping[str, np.ndarray], focus: Sequence[str], value: np.ndarray, *,
             years: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Set the ``focus`` destinations to sum to ``value``, taking from (or giving to) the others proportionally.

    Parameters
    ----------
    shares : mapping destination -> array
        A composition (fractions 0-1 summing to 1 in every cell).
    focus : sequence of str
        Destinations whose total becomes ``value``; within them the split is
        kept (equal split where they were all 0).
    value : array
        New total of the focus destinations (fractions 0-1).
    years : boolean array over the last axis, optional
        Where False, every destination keeps its share as given, bit for bit
        (the values there are still checked); default: move in every year.

    Returns
    -------
    dict destination -> ndarray
        The other destinations are scaled by ``(1 - value) / (1 - old focus
        total)``, so they keep their proportions and the shares still sum to 1.
        Large problems (from :data:`COMPILED_FROM` cells x destinations) are
        computed by a compiled loop (:mod:`simlib.models._numba_transfer`)
        giving the numpy path's numbers bit for bit.

    Examples
    --------
    >>> out = transfer({"voc": 0.2, "thpt": 0.6, "leave": 0.2}, ["voc"], 0.3)
    >>> {k: round(float(v), 12) for k, v in out.items()}
    {'voc': 0.3, 'thpt': 0.525, 'leave': 0.175}
    """
    value = np.asarray(value, dtype=float)
    if np.any((value < -1e-12) | (value > 1 + 1e-12)):
        raise CompositionError("a transfer must set a share between 0 and 1")
    value = np.clip(value, 0.0, 1.0)
    focus = [t for t in focus if t in shares]
    if not focus:
        raise CompositionError("transfer: none of the focus destinations is in the composition")
    others = [t for t in shares if t not in focus]
    arrs = [np.asarray(shares[t], dtype=float) for t in shares]
    shape = np.broadcast_shapes(value.shape, *(a.shape for a in arrs))
    if (len(shape) == 3 and np.prod(shape) * len(arrs) >= COMPILED_FROM and len(arrs) <= 8 and _numba_available()
            and (years is None or np.shape(years) == (shape[2],))):
        from simlib.models import _numba_transfer

        full = tuple(_view(a, shape) for a in arrs)
        active = np.ones(shape[2], dtype=bool) if years is None else np.asarray(years, dtype=bool)
        res = _numba_transfer.run(full, np.array([t in focus for t in shares]), _view(value, shape), active,
                                  len(focus), len(others))
        return {t: res[i] for i, t in enumerate(shares)}
    f_total = sum(np.asarray(shares[t], dtype=float) for t in focus)
    rest_total = 1.0 - f_total
    out: dict[str, np.ndarray] = {}
    for t in shares:
        b = np.asarray(shares[t], dtype=float)
        if t in focus:
            out[t] = np.where(f_total > 0, value * np.divide(b, f_total, out=np.zeros(np.broadcast(b, f_total).shape),
                                                            where=f_total > 0), value / len(focus))
        else:
            w = np.where(rest_total > 1e-15,
                         np.divide(b, rest_total, out=np.zeros(np.broadcast(b, rest_total).shape),
                                   where=rest_total > 1e-15),
                         1.0 / max(len(others), 1))
            out[t] = np.clip((1.0 - value) * w, 0.0, 1.0)
    if years is not None:
        keep = np.asarray(years, dtype=bool)
        out = {t: np.where(keep, out[t], shares[t]) for t in shares}
    return out


def _view(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``a`` as a float64 view of ``shape`` (stride 0 on broadcast axes; writeable, as numba's typing wants)."""
    a = np.asarray(a, dtype=float)
    a = a.reshape((1,) * (len(shape) - a.ndim) + a.shape)
    if not a.flags.writeable:  # a broadcast view: copy its compact form (small), then view it again
        a = np.array(a[tuple(slice(0, 1) if st == 0 and n > 1 else slice(None) for st, n in zip(a.strides, a.shape))])
    strides = tuple(0 if a.shape[i] == 1 and shape[i] != 1 else a.strides[i] for i in range(a.ndim))
    return np.lib.stride_tricks.as_strided(a, shape=shape, strides=strides, writeable=True)


def split(components: Mapping[str, np.ndarray], within: Mapping[str, Mapping[str, float]]) -> dict[str, np.ndarray]:
    """Destination shares from component shares and each component's fixed split over its destinations.

    Parameters
    ----------
    components : mapping component -> array
        Component shares (fractions 0-1).
    within : mapping component -> mapping destination -> fraction
        How each component divides over its destinations (fractions summing to 1).

    Returns
    -------
    dict destination -> ndarray
    """
    out: dict[str, np.ndarray] = {}
    for comp, share in components.items():
        parts = within[comp]
        tot = sum(parts.values())
        if abs(tot - 1.0) > 1e-9:
            raise CompositionError(f"component {comp!r}: its split over {', '.join(parts)} sums to {tot:.6f}, not 1")
        for track, frac in parts.items():
            out[track] = out.get(track, 0.0) + np.asarray(share, dtype=float) * float(frac)
    return out


# --------------------------------------------------------------------------
# components of an origin's destinations (from data/destinations.csv)
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Component:
    """A group of destinations whose share has its own evidence (or prior).

    Attributes
    ----------
    origin : {"thcs", "thpt"}
    name : str
    tracks : tuple of str
        Destinations (flow tracks) of the component.
    within : mapping track -> fraction
        Fixed split of the component over its tracks (from the flow assumptions).
    prior_share : float
        The flow assumptions' share of the component (fraction 0-1), used where
        no unit up the tree has a figure of its indicator.
    prior_sd_logit : float
        Uncertainty of that prior (logit units).
    prior_status, prior_source : str
        Provenance of the uncertainty (destinations.csv) and of the value (flow_assumptions.csv statuses).
    indicator : str or None
        Registry indicator measuring the component's share directly (its destinations are the component's).
    complement : str or None
        Registry indicator measuring everything else of the origin (e.g. the
        transition rate for "not continuing"): its figures count as ``1 - value``.
    steered : bool
        True when ``indicator`` is the origin's steered indicator (levers act on it).
    absorbs : bool
        True when the component takes its part (by its uncertainty) of the
        difference when the components' draws do not sum to 1.
    """

    origin: str
    name: str
    tracks: tuple[str, ...]
    within: Mapping[str, float]
    prior_share: float
    prior_sd_logit: float
    prior_status: str
    prior_source: str
    indicator: str | None = None
    complement: str | None = None
    steered: bool = False
    absorbs: bool = True

    @property
    def key(self) -> str:
        """The id a run keys this component's evidence by: its indicator, else ``origin:name``."""
        return self.indicator or f"{self.origin}:{self.name}"


def components_for(table: pd.DataFrame, base_shares: Mapping[str, Mapping[str, float]], registry,
                   track_status: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, tuple[Component, ...]]:
    """The components of each origin, with their priors, splits and evidence indicators.

    Parameters
    ----------
    table : DataFrame
        From :func:`simlib.inputs.destinations.read_destinations`.
    base_shares : mapping origin -> track -> fraction
        The flow assumptions' destination shares (each origin sums to 1).
    registry : simlib.evidence.indicators.Registry
    track_status : mapping origin -> track -> status, optional
        Status of each track's flow assumption (``observed``, ``illustrative``...).

    Returns
    -------
    dict origin -> tuple of Component

    Raises
    ------
    CompositionError
        If a destination with a positive share is in no component, or a
        component names a destination the origin does not have.
    """
    out: dict[str, tuple[Component, ...]] = {}
    rates = [i for i in (registry[k] for k in registry) if i.kind == "rate" and i.destinations]
    for origin, shares in base_shares.items():
        rows = table[table["origin"] == origin]
        comps = []
        covered: set[str] = set()
        for _, r in rows.iterrows():
            tracks = tuple(r["tracks"])
            bad = [t for t in tracks if t not in shares]
            if bad:
                raise CompositionError(f"destinations.csv: component {r['component']!r} of {origin} names "
                                       f"{', '.join(bad)}, not a destination of {origin} graduates "
                                       f"({', '.join(shares)})")
            total = float(sum(float(shares[t]) for t in tracks))
            within = ({t: float(shares[t]) / total for t in tracks} if total > 0
                      else {t: 1.0 / len(tracks) for t in tracks})
            rest = set(shares) - set(tracks)
            direct = [i for i in rates if i.origin == origin and set(i.destinations) == set(tracks)]
            direct.sort(key=lambda i: (i.role != "steered", i.id))
            comp = [i for i in rates if i.origin == origin and set(i.destinations) == rest]
            comp.sort(key=lambda i: i.id)
            statuses = sorted({(track_status or {}).get(origin, {}).get(t, "") for t in tracks} - {""})
            comps.append(Component(origin, str(r["component"]), tracks, MappingProxyType(within), total,
                                   float(r["prior_sd_logit"]), "/".join(statuses) or str(r["status"]),
                                   str(r["source"]), direct[0].id if direct else None,
                                   comp[0].id if comp else None, bool(direct and direct[0].role == "steered"),
                                   bool(r["absorbs"])))
            covered |= set(tracks)
        loose = [t for t, v in shares.items() if t not in covered and np.any(np.asarray(v) > 0)]
        if loose:
            raise CompositionError(f"destinations.csv: destination(s) {', '.join(loose)} of {origin} graduates have "
                                   "a positive share in the flow assumptions but belong to no component; add them "
                                   "to a component")
        out[origin] = tuple(comps)
    return out
