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
import threading

import numba as nb
import numpy as np
from numba import types

F2 = types.Array(types.float64, 2, "C")
B2 = types.Array(types.bool_, 2, "C")
F1 = types.Array(types.float64, 1, "C")
I1 = types.Array(types.int64, 1, "C")
_SIG = types.void(types.int64, types.int64, F2, F2, F2, B2, F1, I1, F1, types.float64, types.int64, F2)


@nb.njit(_SIG, cache=True, nogil=True, error_model="numpy")
def _cells(start, stop, z, v, p0, free, fixed, n_free, vmax, tol, max_iter, out):  # pragma: no cover - compiled
    """Cells ``start:stop``: the shift ``c`` by safeguarded Newton, then the shares scaled to fill the room."""
    n_k = z.shape[0]
    for m in range(start, stop):
        c = 0.0
        if n_free[m] > 0:
            lo = -np.inf
            hi = np.inf
            cur = 0.0
            for _ in range(max_iter):
                fv = 0.0
                d = 0.0
                for k in range(n_k):
                    vk = v[k, m]
                    p = 1.0 / (1.0 + math.exp(-(z[k, m] + cur * vk)))
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
                    nxt = cur - (10.0 if fv > 0 else -10.0) / vmax[m]
                else:  # NaN slope: the numpy path divides nothing
                    nxt = cur - 0.0
                inside = nxt > lo and nxt < hi
                both = math.isfinite(lo) and math.isfinite(hi)
                cur = nxt if (inside or not both) else 0.5 * (lo + hi)
            c = cur
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
    import os

    m = z.shape[1]
    out = np.empty_like(z)
    args = (np.ascontiguousarray(z), np.ascontiguousarray(v), np.ascontiguousarray(p0),
            np.ascontiguousarray(free), np.ascontiguousarray(fixed, dtype=float),
            np.ascontiguousarray(n_free, dtype=np.int64), np.ascontiguousarray(vmax, dtype=float),
            float(tol), int(max_iter), out)
    threads = max(1, min(int(threads or os.cpu_count() or 1), m // 50_000 or 1))
    if threads == 1:
        _cells(0, m, *args)
        return out
    edges = [t * m // threads for t in range(threads + 1)]
    pool = [threading.Thread(target=_cells, args=(edges[t], edges[t + 1], *args)) for t in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    return out
