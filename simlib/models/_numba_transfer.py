"""The cell loop of :func:`simlib.models.composition.transfer`, compiled with numba (imported only when used).

Internal module. Each cell (one draw, unit and year) is computed on its own
with the same floating-point operations in the same order as the numpy path
of :func:`~simlib.models.composition.transfer` (the focus total summed in the
order given starting from 0, ``value * (b / total)`` for a focus
destination, ``(1 - value) * (b / rest)`` clipped to [0, 1] for the others,
``fastmath`` off), so both paths give bit-identical shares. The numpy path
makes about ten passes over memory per destination; this one reads each
input once and writes each output once. Threads run ranges of draws without
the GIL (:func:`run`).
"""

from __future__ import annotations

from simlib.models._threads import run_split, thread_count

import numba as nb
import numpy as np
from numba import types

A3 = types.Array(types.float64, 3, "A")
F4 = types.Array(types.float64, 4, "C")
B1 = types.Array(types.bool_, 1, "C")
#: Compositions of 1 to 8 destinations (the flow model's THCS graduates have 7).
_SIGS = [types.void(types.int64, types.int64, types.UniTuple(A3, n), B1, A3, B1, types.int64, types.int64, F4)
         for n in range(1, 9)]


@nb.njit(_SIGS, cache=True, nogil=True, error_model="numpy")
def _cells(start, stop, shares, focus, value, active, n_focus, n_others, out):  # pragma: no cover - compiled
    """Draws ``start:stop``; ``out[k, d, u, y]``: destination ``k``'s new share (its old one where not active)."""
    n_k = len(shares)
    _, n_u, n_y = value.shape
    even = 1.0 / max(n_others, 1)
    for d in range(start, stop):
        for u in range(n_u):
            for y in range(n_y):
                if not active[y]:
                    for k in range(n_k):
                        out[k, d, u, y] = shares[k][d, u, y]
                    continue
                v = value[d, u, y]
                if v < 0.0:
                    v = 0.0
                elif v > 1.0:
                    v = 1.0
                f_total = 0.0
                for k in range(n_k):
                    if focus[k]:
                        f_total += shares[k][d, u, y]
                rest_total = 1.0 - f_total
                for k in range(n_k):
                    b = shares[k][d, u, y]
                    if focus[k]:
                        if f_total > 0:
                            x = v * (b / f_total)
                        else:
                            x = v / n_focus
                    else:
                        if rest_total > 1e-15:
                            w = b / rest_total
                        else:
                            w = even
                        x = (1.0 - v) * w
                        if x < 0.0:
                            x = 0.0
                        elif x > 1.0:
                            x = 1.0
                    out[k, d, u, y] = x


def run(shares: tuple[np.ndarray, ...], focus: np.ndarray, value: np.ndarray, active: np.ndarray,
        n_focus: int, n_others: int, threads: int | None = None) -> np.ndarray:
    """New shares ``(K, draws, units, years)`` of ``shares`` (K views of one 3-D shape, float64) in ``threads`` threads."""
    n_d = value.shape[0]
    out = np.empty((len(shares), *value.shape))
    args = (tuple(shares), np.ascontiguousarray(focus, dtype=np.bool_), value,
            np.ascontiguousarray(active, dtype=np.bool_), int(n_focus), int(n_others), out)
    cells = value.size
    run_split(_cells, n_d, args, thread_count(threads, cells, 200_000, n_d))
    return out
