"""The combination of lever effects (:func:`simlib.scenarios.levers.combine`) and the demand, compiled with numba.

Internal module, imported only when used. Each cell (one draw, unit and year)
is computed on its own with the numpy path's operations in the same order
(``np.maximum``/``np.minimum`` as numpy defines them on NaN and signed zeros,
``fastmath`` off), so both paths give bit-identical numbers:
``room = max_feasible - s0``, ``M = max(room, 0)``, the product over the
levers of ``1 - min(max(d, 0), M) / M``, the negative effects added, the
combined effect ``M (1 - prod) + neg`` and the demand ``clip(s0 + combined,
0, 1)``. The numpy path makes about ten passes over memory per lever; this one
reads each effect once.
"""

from __future__ import annotations

from simlib.models._threads import run_split, thread_count

import numba as nb
import numpy as np
from numba import types

A3 = types.Array(types.float64, 3, "A")
F1 = types.Array(types.float64, 1, "A")
F3 = types.Array(types.float64, 3, "C")
#: 1 to 8 levers on one indicator.
_SIGS = [types.void(types.int64, types.int64, types.UniTuple(A3, n), F1, A3, F3, F3) for n in range(1, 9)]


@nb.njit(inline="always")
def _max(a, b):  # pragma: no cover - compiled; numpy's maximum: NaN wins, the first of equal values
    return a if (a >= b or a != a) else b


@nb.njit(inline="always")
def _min(a, b):  # pragma: no cover - compiled; numpy's minimum
    return a if (a <= b or a != a) else b


@nb.njit(_SIGS, cache=True, nogil=True, error_model="numpy")
def _cells(start, stop, effects, max_feasible, s0, combined, demand):  # pragma: no cover - compiled
    """Draws ``start:stop``: the combined effect and the demand of every cell."""
    _, n_u, n_y = s0.shape
    for d in range(start, stop):
        mf = max_feasible[d]
        for u in range(n_u):
            for y in range(n_y):
                s = s0[d, u, y]
                m = _max(mf - s, 0.0)
                safe = m if m > 0 else 1.0
                prod = 1.0
                neg = 0.0
                for e in effects:
                    x = e[d, u, y]
                    pos = _min(_max(x, 0.0), m)
                    prod = prod * (1.0 - pos / safe)
                    neg = neg + _min(x, 0.0)
                c = (m * (1.0 - prod) if m > 0 else 0.0) + neg
                combined[d, u, y] = c
                demand[d, u, y] = _min(_max(s + c, 0.0), 1.0)


def run(effects: tuple[np.ndarray, ...], max_feasible: np.ndarray, s0: np.ndarray,
        threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(combined effect, demand), each of ``s0``'s shape, from effect views of that shape and ``max_feasible`` (draws,)."""
    n_d = s0.shape[0]
    comb, demand = np.empty(s0.shape), np.empty(s0.shape)
    args = (tuple(effects), max_feasible, s0, comb, demand)
    run_split(_cells, n_d, args, thread_count(threads, s0.size, 200_000, n_d))
    return comb, demand
