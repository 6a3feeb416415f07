"""One-pass range and sum checks of large parameter arrays, compiled with numba (imported only when used).

Internal module, used by :func:`simlib.models._kernels.array_stats` for
arrays large enough that reading them once instead of three or four times
(and without temporary arrays) matters: the checks of a
:class:`simlib.models.flows.FlowParameters` built for 10,000 draws read as
much memory as the model itself.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numba import types

A3 = types.Array(types.float64, 3, "A")
F1 = types.Array(types.float64, 1, "C")
_SIGS = [types.Tuple((F1, F1, F1, types.float64))(types.UniTuple(A3, n)) for n in (1, 2, 3, 4, 7)]


@nb.njit(_SIGS, cache=True, nogil=True, error_model="numpy")
def stats(arrays):  # pragma: no cover - compiled
    """Per array: min, max, 1.0 if it holds a NaN; and the largest ``|sum - 1|`` over the cells.

    The arrays are views of one common shape (broadcast axes with stride 0);
    the sum of a cell adds them in the order given.
    """
    n = len(arrays)
    lo = np.full(n, np.inf)
    hi = np.full(n, -np.inf)
    nan = np.zeros(n)
    n_d, n_u, n_y = arrays[0].shape
    total = np.empty(n_y)
    dev = 0.0
    for d in range(n_d):
        for u in range(n_u):
            for y in range(n_y):
                total[y] = 0.0
            for k in range(n):
                a = arrays[k]
                mn = lo[k]
                mx = hi[k]
                bad = 0.0
                for y in range(n_y):
                    v = a[d, u, y]
                    if v != v:
                        bad = 1.0
                    mn = min(mn, v)
                    mx = max(mx, v)
                    total[y] += v
                lo[k] = mn
                hi[k] = mx
                if bad > nan[k]:
                    nan[k] = bad
            for y in range(n_y):
                e = abs(total[y] - 1.0)
                if e > dev:
                    dev = e
    return lo, hi, nan, dev
