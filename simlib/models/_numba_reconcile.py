"""The Newton solve of :func:`simlib.models.composition.reconcile`, compiled with numba (imported only when used).

Internal module. Each cell (one draw, unit and year) is solved on its own,
with the same floating-point operations in the same order as the numpy path
of :func:`~simlib.models.composition.reconcile` (sums over components in the
order given, ``expit(x) = 1 / (1 + exp(-x))`` as scipy computes it, no
fused multiply-add: ``fastmath`` is off), so both paths give bit-identical
shares; the numpy path iterates over the cells still off as whole arrays, this
one keeps a cell's few numbers in registers until it is solved. Threads run
ranges of cells without the GIL (:func:`solve`).
"""

from __future__ import annotations

import math
from simlib.models._threads import run_split, thread_count

import numba as nb
import numpy as np
from numba import types

F2 = types.Array(types.float64, 2, "C")
B2 = types.Array(types.bool_, 2, "C")
F1 = types.Array(types.float64, 1, "C")
I1 = types.Array(types.int64, 1, "C")
_SIG = types.void(types.int64, types.int64, F2, F2, F2, B2, F1, I1, F1, types.float64, types.int64, F2)


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _shift(z, v, vmax, tol, max_iter):  # pragma: no cover - compiled
    """The shift ``c`` of one cell by safeguarded Newton: ``sum_k expit(z_k + c v_k) = 1`` (``z``, ``v``: (K,))."""
    lo = -np.inf
    hi = np.inf
    cur = 0.0
    for _ in range(max_iter):
        fv = 0.0
        d = 0.0
        for k in range(z.shape[0]):
            vk = v[k]
            p = 1.0 / (1.0 + math.exp(-(z[k] + cur * vk)))
            fv += p
            d += p * (1.0 - p) * vk
        fv = fv - 1.0
        if not abs(fv) > tol:
            break
        if fv < 0:
            lo = cur
        if fv > 0:
            hi = cur
        if d > 0:
            nxt = cur - fv / d
        elif d <= 0:
            nxt = cur - (10.0 if fv > 0 else -10.0) / vmax
        else:  # NaN slope: the numpy path divides nothing
            nxt = cur - 0.0
        inside = nxt > lo and nxt < hi
        both = math.isfinite(lo) and math.isfinite(hi)
        cur = nxt if (inside or not both) else 0.5 * (lo + hi)
    return cur


@nb.njit(_SIG, cache=True, nogil=True, error_model="numpy")
def _cells(start, stop, z, v, p0, free, fixed, n_free, vmax, tol, max_iter, out):  # pragma: no cover - compiled
    """Cells ``start:stop``: the shift ``c`` by safeguarded Newton (:func:`_shift`), then the shares scaled to fill
    the room."""
    n_k = z.shape[0]
    for m in range(start, stop):
        c = _shift(z[:, m], v[:, m], vmax[m], tol, max_iter) if n_free[m] > 0 else 0.0
        total = 0.0
        for k in range(n_k):
            if free[k, m]:
                p = 1.0 / (1.0 + math.exp(-(z[k, m] + c * v[k, m])))
                out[k, m] = p
                total += p
            else:
                out[k, m] = p0[k, m]
                total += 0.0
        room = 1.0 - fixed[m]
        scale = room / total if total > 0 else 1.0
        for k in range(n_k):
            if free[k, m]:
                out[k, m] = out[k, m] * scale


def solve(z: np.ndarray, v: np.ndarray, p0: np.ndarray, free: np.ndarray, fixed: np.ndarray, n_free: np.ndarray,
          vmax: np.ndarray, tol: float, max_iter: int, threads: int | None = None) -> np.ndarray:
    """The reconciled shares (K, M) of ``reconcile``'s flattened inputs, computed in ``threads`` threads."""
    m = z.shape[1]
    out = np.empty_like(z)
    args = (np.ascontiguousarray(z), np.ascontiguousarray(v), np.ascontiguousarray(p0),
            np.ascontiguousarray(free), np.ascontiguousarray(fixed, dtype=float),
            np.ascontiguousarray(n_free, dtype=np.int64), np.ascontiguousarray(vmax, dtype=float),
            float(tol), int(max_iter), out)
    run_split(_cells, m, args, thread_count(threads, m, 50_000))
    return out


A3 = types.Array(types.float64, 3, "A")
B1 = types.Array(types.bool_, 1, "C")
#: Compositions of 1 to 8 components.
_SIG3 = [types.void(types.int64, types.int64, types.UniTuple(A3, n), types.UniTuple(A3, n), types.float64,
                    types.int64, F2, B1) for n in range(1, 9)]


@nb.njit(_SIG3, cache=True, nogil=True, error_model="numpy")
def _fused(start, stop, zs, ws, tol, max_iter, out, bad):  # pragma: no cover - compiled
    """Draws ``start:stop`` of :func:`reconcile`'s whole computation, from the logits and variances themselves.

    The numpy path's preparation (``p0 = expit(z)``, ``v = w * p0 * (1 - p0)``, the fixed total summed over
    the components in order, the count of free ones, the largest ``v``) is done per cell with the same
    operations, then the cell is solved as in :func:`_cells`. ``bad[m]`` marks a cell that cannot sum to 1.
    """
    n_k = len(zs)
    _, n_u, n_y = zs[0].shape
    z = np.empty(n_k)
    v = np.empty(n_k)
    p0 = np.empty(n_k)
    for d in range(start, stop):
        for u in range(n_u):
            for y in range(n_y):
                m = (d * n_u + u) * n_y + y
                fixed = 0.0
                n_free = 0
                vmax = 0.0
                for k in range(n_k):
                    zk = zs[k][d, u, y]
                    p = 1.0 / (1.0 + math.exp(-zk))
                    vk = ws[k][d, u, y] * p * (1.0 - p)
                    z[k] = zk
                    p0[k] = p
                    v[k] = vk
                    x = 0.0 if vk > 0 else p
                    fixed = x if k == 0 else fixed + x
                    if vk > 0:
                        n_free += 1
                    if k == 0 or vk != vk or vmax != vmax:
                        vmax = vk if (k == 0 or vk != vk) else vmax
                    elif vk > vmax:
                        vmax = vk
                bad[m] = (n_free == 0 and abs(fixed - 1.0) > 1e-9) or (fixed >= 1.0 and n_free > 0)
                c = _shift(z, v, vmax, tol, max_iter) if n_free > 0 else 0.0
                total = 0.0
                for k in range(n_k):
                    if v[k] > 0:
                        p = 1.0 / (1.0 + math.exp(-(z[k] + c * v[k])))
                        out[k, m] = p
                        total += p
                    else:
                        out[k, m] = p0[k]
                        total += 0.0
                room = 1.0 - fixed
                scale = room / total if total > 0 else 1.0
                for k in range(n_k):
                    if v[k] > 0:
                        out[k, m] = out[k, m] * scale


def solve_fused(zs: tuple[np.ndarray, ...], ws: tuple[np.ndarray, ...], tol: float, max_iter: int,
                threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Shares ``(K, M)`` and the cells that cannot sum to 1 ``(M,)``, from K logit and K variance views of one 3-D shape."""
    n_d, n_u, n_y = zs[0].shape
    m = n_d * n_u * n_y
    out = np.empty((len(zs), m))
    bad = np.zeros(m, dtype=np.bool_)
    args = (tuple(zs), tuple(ws), float(tol), int(max_iter), out, bad)
    run_split(_fused, n_d, args, thread_count(threads, m, 50_000, n_d))
    return out, bad
