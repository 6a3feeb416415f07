"""Run a compiled loop over ranges of its first axis in a few threads (the compiled loops release the GIL).

One rule for every compiled pass (``_numba_reconcile``, ``_numba_transfer``, ``scenarios._numba_combine``): as
many threads as asked (default: the machine's cores), at most one per ``per_thread`` cells and one per index, and
the index range ``[0, n)`` cut into equal consecutive parts, so the result is the same whatever the count.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

__all__ = ["thread_count", "run_split"]


def thread_count(threads: int | None, cells: int, per_thread: int, n: int | None = None) -> int:
    """Threads to use: ``threads`` (default the cores), at most ``cells // per_thread`` and ``n``; at least 1.

    Examples
    --------
    >>> thread_count(4, cells=1_000_000, per_thread=200_000, n=3)
    3
    >>> thread_count(8, cells=10, per_thread=200_000)
    1
    """
    t = min(int(threads or os.cpu_count() or 1), cells // per_thread or 1)
    return max(1, min(t, n) if n is not None else t)


def run_split(loop: Callable, n: int, args: tuple, threads: int) -> None:
    """``loop(start, stop, *args)`` over ``[0, n)``: in this thread when ``threads`` is 1, else in ``threads``
    threads over equal consecutive parts."""
    if threads <= 1:
        loop(0, n, *args)
        return
    edges = [t * n // threads for t in range(threads + 1)]
    pool = [threading.Thread(target=loop, args=(edges[t], edges[t + 1], *args)) for t in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
