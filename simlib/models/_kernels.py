"""Compute paths of the cohort-flow engine: a fused numba kernel and a pure-numpy path.

Internal module. :func:`simlib.models.flows.simulate_flows` checks the inputs,
builds a :class:`Prepared` problem and output buffers, and calls :func:`run`.
Both paths write the same numbers, bit for bit, into the same buffers:

* ``"numba"``: :mod:`simlib.models._numba_kernel`, one pass over blocks of
  (draw, unit) pairs by one thread per core (the GIL released), writing only
  the outputs asked for;
* ``"numpy"``: whole-array operations over all draws, units and years (used
  when numba is not installed, and as the second implementation in the
  differential tests).

The arithmetic both follow (and that a reader can check by hand):

* THCS stage per cell: ``graduates = grade9 * thcs_graduation``;
  ``demand[k] = graduates * share[k]``; capacity re-routing as in
  :func:`apply_caps_numpy`.
* THPT grades: ``pt = E * p``, ``rt = E * r``, ``dropped = (E - pt) - rt``;
  ``E10 = intake + r10 E10``, ``E11 = p10 E10 + r11 E11``,
  ``E12 = p11 E11 + r12 E12``; ``total = (E10 + E11) + E12``; the grade-10
  intake is the sum of the entry tracks in track order.
* Programme seats: ``stock[t] = 0 + c_0 i[t] + c_1 i[t-1] + ...`` added in
  ``k`` order, ``c_k = w_k`` (no dropout) or ``w_k * keep^k`` with ``keep^k``
  built by repeated multiplication (``keep^0 = 1``), ``keep`` of year ``t``.
* Shares: ``intake / graduates``, NaN where there are no graduates.

No BLAS call anywhere (the seat stocks are explicit additions).
"""

from __future__ import annotations

import math
import os
import threading
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided

K_THCS = 7
K_THPT = 4
N_PROG = 7
N_GRADES = 3
#: Output groups in kernel order: (name, number of slots or None for one array).
OUTPUT_GROUPS: tuple[str, ...] = (
    "thcs_graduates", "thcs_demand", "thcs_intake", "thcs_share",
    "thpt_initial", "thpt_enrolment", "thpt_enrolment_total", "thpt_promoted", "thpt_repeated", "thpt_dropped",
    "thpt_graduates", "thpt_demand", "thpt_intake", "thpt_share",
    "programme_enrolment",
)
GROUP_SIZE: dict[str, int] = {
    "thcs_graduates": 1, "thcs_demand": K_THCS, "thcs_intake": K_THCS, "thcs_share": K_THCS,
    "thpt_initial": N_GRADES, "thpt_enrolment": N_GRADES, "thpt_enrolment_total": 1,
    "thpt_promoted": N_GRADES, "thpt_repeated": N_GRADES, "thpt_dropped": N_GRADES,
    "thpt_graduates": 1, "thpt_demand": K_THPT, "thpt_intake": K_THPT, "thpt_share": K_THPT,
    "programme_enrolment": N_PROG,
}
N_OUT = len(OUTPUT_GROUPS)
_NO_START = -(10**9)
#: Below this many cell-draws per thread, fewer threads are started (a thread costs ~0.1 ms).
MIN_VALUES_PER_THREAD = 20_000


@dataclass
class OriginSpec:
    """Destinations of one origin (THCS or THPT graduates), ready for the compute paths.

    Arrays are float64, 3-D, broadcastable to ``(draws, units, years)`` (each
    axis either full or of length 1).
    """

    shares: list[np.ndarray]
    count_caps: list[np.ndarray | None]
    share_caps: list[np.ndarray | None]
    open_from: list[int]            # year index from which the track takes students (0: every year)
    edges: list[tuple[int, int, np.ndarray | None]]  # named re-routes (source, destination, weight; None = 1)
    sink: int

    @property
    def capped(self) -> list[bool]:
        return [c is not None or f is not None or o > 0
                for c, f, o in zip(self.count_caps, self.share_caps, self.open_from)]

    @property
    def prop(self) -> list[int]:
        """Capped tracks whose overflow follows the proportional rule (no named re-route)."""
        sources = {e[0] for e in self.edges}
        return [k for k, c in enumerate(self.capped) if c and k not in sources]


@dataclass
class ProgrammeSpec:
    """How one programme's seats are built from an intake track."""

    origin: int                     # 0: THCS tracks, 1: THPT tracks
    track: int
    weights: list[float]            # w_k = min(1, duration - k), k = 0 .. ceil(duration) - 1
    first: int                      # lowest source year index allowed (negative: warm-start years)
    keep: np.ndarray | None         # 1 - annual in-programme dropout, or None (no dropout)


@dataclass
class Prepared:
    """A checked flow problem: every input as a broadcastable float64 array."""

    shape: tuple[int, int, int]
    grade9: np.ndarray
    thcs_graduation: np.ndarray
    promotion: tuple[np.ndarray, np.ndarray]
    thpt_graduation: np.ndarray
    repetition: tuple[np.ndarray, np.ndarray, np.ndarray]
    thcs: OriginSpec
    thpt: OriginSpec
    entry: tuple[int, ...]          # THCS tracks that enter grade 10
    warm: bool
    programmes: list[ProgrammeSpec]


def max_passes(n_k: int) -> int:
    """Passes of the re-routing rule that always suffice for ``n_k`` destinations."""
    return n_k * n_k + n_k + 2


def programme_weights(duration: float) -> list[float]:
    """``w_k = min(1, duration - k)`` for ``k = 0 .. ceil(duration) - 1`` (seat-years per intake year)."""
    return [min(1.0, duration - k) for k in range(math.ceil(duration))]


# --------------------------------------------------------------------------
# numpy path
# --------------------------------------------------------------------------
def apply_caps_numpy(
    demand: list[np.ndarray],
    shares: list[np.ndarray],
    caps: list[np.ndarray | None],
    edges: list[tuple[int, int, np.ndarray | None]],
    sink: int,
) -> list[np.ndarray]:
    """Cap intakes and re-route the overflow, over all cells at once; one array per track.

    ``demand`` are wanted intakes (students), ``shares`` the original shares
    (weights of the proportional rule), ``caps`` the caps (``None`` = no
    cap), ``edges`` the named re-routes in order (``(source, destination,
    weight)``; a named fallback has weight ``None`` = 1, a split one edge per
    destination with its share), ``sink`` the index of ``not_continuing``
    (never capped). One pass: every capped track above its cap is cut to it;
    the overflow of a track with named re-routes is added to their
    destinations (in edge order); the overflow of the other capped tracks is
    pooled (in track order) and shared over the open destinations (never
    capped, or below their cap) in proportion to their original shares, the
    weights added up never-capped tracks first, then capped ones, in track
    order (a track is "capped" if it has a cap array, even one that is
    infinite in some cells, or is closed in some year before its programme
    starts); with no open weight the pool goes to ``sink``. Passes repeat until
    no track exceeds its cap; each pass fills at least one more track or moves
    overflow one step along the (acyclic) re-route graph, so
    :func:`max_passes` passes always suffice.
    """
    x = [np.array(d, dtype=float) for d in demand]
    n_k = len(x)
    capped_k = [k for k in range(n_k) if caps[k] is not None]
    sources = {e[0] for e in edges}
    prop = [k for k in capped_k if k not in sources]
    free_w = sum((shares[k] for k in range(n_k) if caps[k] is None), np.zeros(()))
    for _ in range(max_passes(n_k)):
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
        for src, dst, w in edges:
            if src in over:
                x[dst] = x[dst] + (over[src] if w is None else over[src] * w)
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
                x[k] = x[k] + scale * (open_w[k] if k in open_w else shares[k])
            x[sink] = x[sink] + np.where(ok, 0.0, pool)
    raise AssertionError("capacity re-routing did not converge")  # pragma: no cover


def _year(a: np.ndarray, t: int) -> np.ndarray:
    return a[:, :, min(t, a.shape[2] - 1)]


def _origin_numpy(spec: OriginSpec, grads: np.ndarray, shape) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Demand and capped intake (lists of full-shape arrays) for one origin."""
    demand = [np.broadcast_to(grads * s, shape) for s in spec.shares]
    capped = spec.capped
    if not any(capped):
        return demand, demand
    yidx = np.arange(shape[2])
    caps: list[np.ndarray | None] = []
    for k in range(len(spec.shares)):
        if not capped[k]:
            caps.append(None)
            continue
        c = spec.count_caps[k]
        if spec.share_caps[k] is not None:
            f = spec.share_caps[k] * grads
            c = f if c is None else np.minimum(c, f)
        if spec.open_from[k] > 0:
            c = np.where(yidx < spec.open_from[k], 0.0, np.inf if c is None else c)
        caps.append(c)
    return demand, apply_caps_numpy(demand, spec.shares, caps, spec.edges, spec.sink)


def _share(intake: np.ndarray, grads: np.ndarray) -> np.ndarray:
    out = np.full(np.broadcast_shapes(intake.shape, grads.shape), np.nan)
    return np.divide(intake, grads, out=out, where=grads > 0.0)


def run_numpy(prep: Prepared, outs: dict[str, tuple[list[int], np.ndarray]]) -> None:
    """Whole-array implementation; writes the selected outputs into ``outs[name][1][slot]``."""
    shape = prep.shape
    n_d, n_u, n_y = shape
    full: dict[str, list[np.ndarray]] = {}
    grads = np.broadcast_to(prep.grade9 * prep.thcs_graduation, shape)
    th_dem, th_in = _origin_numpy(prep.thcs, grads, shape)
    full["thcs_graduates"] = [grads]
    full["thcs_demand"], full["thcs_intake"] = th_dem, th_in
    if "thcs_share" in outs:
        full["thcs_share"] = [_share(a, grads) for a in th_in]

    # THPT grades, in a (years, draws, units) layout so that each year's slice is contiguous
    P = [prep.promotion[0], prep.promotion[1], prep.thpt_graduation]
    R = list(prep.repetition)
    intake = th_in[prep.entry[0]]
    for m in prep.entry[1:]:
        intake = intake + th_in[m]
    init = [np.zeros((n_d, n_u)) for _ in range(3)]
    if prep.warm:
        init[0] = np.broadcast_to(intake[:, :, 0] / (1.0 - _year(R[0], 0)), (n_d, n_u))
        init[1] = np.broadcast_to(_year(P[0], 0) * init[0] / (1.0 - _year(R[1], 0)), (n_d, n_u))
        init[2] = np.broadcast_to(_year(P[1], 0) * init[1] / (1.0 - _year(R[2], 0)), (n_d, n_u))
    yshape = (n_y, n_d, n_u)
    E = [np.empty(yshape) for _ in range(3)]
    prom = [np.empty(yshape) for _ in range(3)]
    rep = [np.empty(yshape) for _ in range(3)]
    drop = [np.empty(yshape) for _ in range(3)]
    prev = init
    for t in range(n_y):
        tr = max(t - 1, 0)  # rates of the year the stock belongs to (first year for the warm start)
        for g in range(3):
            pt, rt, dt = prom[g][t], rep[g][t], drop[g][t]
            np.multiply(prev[g], _year(P[g], tr), out=pt)
            np.multiply(prev[g], _year(R[g], tr), out=rt)
            np.subtract(prev[g], pt, out=dt)
            dt -= rt  # dropout as the residual, so promoted + repeated + dropped == stock
        np.add(intake[:, :, t], rep[0][t], out=E[0][t])
        np.add(prom[0][t], rep[1][t], out=E[1][t])
        np.add(prom[1][t], rep[2][t], out=E[2][t])
        prev = [E[0][t], E[1][t], E[2][t]]
    E, prom, rep, drop = ([np.moveaxis(a, 0, 2) for a in arrs] for arrs in (E, prom, rep, drop))
    full["thpt_initial"] = [i[:, :, None] for i in init]
    full["thpt_enrolment"] = E
    full["thpt_enrolment_total"] = [E[0] + E[1] + E[2]]
    full["thpt_promoted"], full["thpt_repeated"], full["thpt_dropped"] = prom, rep, drop
    tp_grads = np.ascontiguousarray(prom[2])
    tp_dem, tp_in = _origin_numpy(prep.thpt, tp_grads, shape)
    full["thpt_graduates"] = [tp_grads]
    full["thpt_demand"], full["thpt_intake"] = tp_dem, tp_in
    if "thpt_share" in outs:
        full["thpt_share"] = [_share(a, tp_grads) for a in tp_in]

    if "programme_enrolment" in outs:
        slots, buf = outs["programme_enrolment"]
        for j, p in enumerate(slots):
            spec = prep.programmes[p]
            src = (th_in if spec.origin == 0 else tp_in)[spec.track]
            for t in range(n_y):
                s = np.zeros((n_d, n_u))
                kt = None if spec.keep is None else _year(spec.keep, t)
                kp = 1.0
                for k, w in enumerate(spec.weights):
                    j_src = t - k
                    if j_src < 0:
                        if j_src < spec.first:
                            if kt is not None:
                                kp = kp * kt
                            continue
                        j_src = 0
                    c = w if kt is None else w * kp
                    s = s + c * src[:, :, j_src]
                    if kt is not None:
                        kp = kp * kt
                buf[j, :, :, t] = s
    for name, (slots, buf) in outs.items():
        if name == "programme_enrolment":
            continue
        arrs = full[name]
        for j, k in enumerate(slots):
            buf[j] = arrs[k]


# --------------------------------------------------------------------------
# numba path
# --------------------------------------------------------------------------
#: Arrays (broadcast cells) from this size on are checked in one compiled pass when numba is installed.
NUMBA_CHECK_MIN = 100_000
#: ``engine="auto"`` uses the numba kernel from this many cell-draws on (numpy below).
AUTO_NUMBA_MIN = 100_000


def array_stats(arrays: list[np.ndarray], with_sum: bool) -> tuple[list[float], list[float], list[bool], float]:
    """Min, max and NaN presence of each array, and the largest ``|sum - 1|`` over their broadcast cells.

    ``arrays`` are float arrays of at most 3 dimensions that broadcast together
    (when ``with_sum``). Large problems are read once by a compiled pass
    (:mod:`simlib.models._numba_checks`); otherwise numpy reductions. The sum
    deviation is 0.0 when ``with_sum`` is False.
    """
    arrs = [a.reshape((1,) * (3 - a.ndim) + a.shape) for a in arrays]
    shape = np.broadcast_shapes(*(a.shape for a in arrs))
    size = int(np.prod(shape))
    fast = (size >= NUMBA_CHECK_MIN and len(arrs) in (1, 2, 3, 4, 7) and size > 0
            and all(a.flags.writeable and a.dtype == np.float64 for a in arrs) and numba_available())
    if fast and (with_sum or len(arrs) == 1):
        from simlib.models import _numba_checks

        lo, hi, nan, dev = _numba_checks.stats(tuple(_strided(a, shape) for a in arrs))
        return [float(v) for v in lo], [float(v) for v in hi], [bool(v) for v in nan], float(dev) if with_sum else 0.0
    lo, hi, nan = [], [], []
    for a in arrs:
        if a.size:
            mn, mx = float(a.min()), float(a.max())  # min and max propagate NaN
        else:
            mn, mx = np.inf, -np.inf
        nan.append(bool(np.isnan(mn) or np.isnan(mx)))
        lo.append(mn)
        hi.append(mx)
    dev = 0.0
    if with_sum and size and not any(nan):
        total = np.zeros(shape)
        for a in arrs:
            np.add(total, a, out=total)
        np.subtract(total, 1.0, out=total)
        np.abs(total, out=total)
        dev = float(total.max())
    return lo, hi, nan, dev


def numba_available() -> bool:
    """True when numba can be imported (the kernel is compiled on first use)."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def _strided(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A writeable view of a compact array as ``shape``, with stride 0 on its broadcast axes."""
    strides = tuple(0 if a.shape[i] == 1 else a.strides[i] for i in range(a.ndim))
    return as_strided(a, shape=shape, strides=strides, writeable=True)


def _writeable(a: np.ndarray) -> np.ndarray:
    return a if a.flags.writeable and a.dtype == np.float64 else np.array(a, dtype=np.float64)


def _pack_origin(spec: OriginSpec, shape, n_k: int):
    zero = _strided(np.zeros((1, 1, 1)), shape)
    sh = tuple(_strided(_writeable(a), shape) for a in spec.shares)
    cc = tuple(zero if a is None else _strided(_writeable(a), shape) for a in spec.count_caps)
    fc = tuple(zero if a is None else _strided(_writeable(a), shape) for a in spec.share_caps)
    ints = np.zeros((n_k, 4), dtype=np.int64)
    for k in range(n_k):
        ints[k, 0] = spec.count_caps[k] is not None
        ints[k, 1] = spec.share_caps[k] is not None
        ints[k, 2] = spec.open_from[k]
    n_e = len(spec.edges)
    edges = np.zeros((n_e, 2), dtype=np.int64)
    weights = [np.ones((1, 1, 1)) if w is None else w for _, _, w in spec.edges]
    cshape = np.broadcast_shapes(*(w.shape for w in weights)) if weights else (1, 1, 1)
    ew = np.empty((n_e, *cshape))
    for e, (src, dst, _) in enumerate(spec.edges):
        edges[e] = (src, dst)
        ew[e] = weights[e]
    ew = _strided(ew, (n_e, *shape)) if n_e else np.zeros((0, *shape))[:, :, :, :]
    prop = spec.prop
    misc = np.array([spec.sink, len(prop), *prop, *([0] * (n_k - len(prop)))], dtype=np.int64)
    return sh, cc, fc, ints, edges, ew, misc


def pack_numba(prep: Prepared, outs: dict[str, tuple[list[int], np.ndarray]], n_blocks: int):
    """The arguments of :func:`simlib.models._numba_kernel.run` (views, no copies of large inputs)."""
    shape = prep.shape
    n_d, n_u, n_y = shape
    base = tuple(_strided(_writeable(a), shape) for a in (
        prep.grade9, prep.thcs_graduation, prep.promotion[0], prep.promotion[1], prep.thpt_graduation,
        *prep.repetition))
    th = _pack_origin(prep.thcs, shape, K_THCS)
    tp = _pack_origin(prep.thpt, shape, K_THPT)
    one = _strided(np.ones((1, 1, 1)), shape)
    keeps = tuple(one if p.keep is None else _strided(_writeable(p.keep), shape) for p in prep.programmes)
    max_k = max(len(p.weights) for p in prep.programmes)
    pr_int = np.zeros((N_PROG, 5), dtype=np.int64)
    pr_w = np.zeros((N_PROG, max_k))
    for i, p in enumerate(prep.programmes):
        pr_int[i] = (p.origin, p.track, len(p.weights), p.first, p.keep is not None)
        pr_w[i, : len(p.weights)] = p.weights
    empty = np.zeros((0, 0, 0, 0))
    slots = np.full((N_OUT, max(K_THCS, K_THPT, N_PROG)), -1, dtype=np.int64)
    bufs = []
    for g, name in enumerate(OUTPUT_GROUPS):
        if name in outs:
            sel, buf = outs[name]
            for j, k in enumerate(sel):
                slots[g, k] = j
            bufs.append(buf)
        else:
            bufs.append(empty)
    dims = np.array([n_d, n_u, n_y, int(prep.warm), n_blocks, max_passes(K_THCS)], dtype=np.int64)
    err = np.zeros(n_blocks, dtype=np.int64)
    entry = np.array(prep.entry, dtype=np.int64)
    return (dims, base, *th, *tp, entry, keeps, pr_int, pr_w, tuple(bufs), slots, err)


def default_threads() -> int:
    """Cores this process may use (the kernel runs one thread per core)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def run_numba(prep: Prepared, outs: dict[str, tuple[list[int], np.ndarray]], n_blocks: int | None = None,
              threads: int | None = None) -> None:
    """The fused kernel; writes the selected outputs into ``outs[name][1][slot]``.

    ``threads`` (default: the cores available) threads run blocks of (draw, unit) pairs; small
    problems (under ``MIN_VALUES_PER_THREAD`` cell-draws per thread) use fewer threads.
    """
    from simlib.models import _numba_kernel as nk

    n_d, n_u, n_y = prep.shape
    n_cells = n_d * n_u
    threads = default_threads() if threads is None else int(threads)
    threads = max(1, min(threads, n_cells * n_y // MIN_VALUES_PER_THREAD, n_cells))
    if n_blocks is None:
        n_blocks = min(n_cells, 8 * threads)
    args = pack_numba(prep, outs, n_blocks)
    claimed = np.zeros(n_blocks, dtype=np.int64)
    if threads == 1:
        nk.run_blocks(0, 1, claimed, *args)
    else:
        failed: list[BaseException] = []

        def work(start: int) -> None:
            try:
                nk.run_blocks(start, threads, claimed, *args)
            except BaseException as exc:  # pragma: no cover - re-raised below
                failed.append(exc)

        pool = [threading.Thread(target=work, args=(t * n_blocks // threads,)) for t in range(threads)]
        for th in pool:
            th.start()
        for th in pool:
            th.join()
        if failed:  # pragma: no cover
            raise failed[0]
    if args[-1].any() or not claimed.all():  # pragma: no cover - the pass bound is proven sufficient
        raise AssertionError("capacity re-routing did not converge")


def run(prep: Prepared, outs: dict[str, tuple[list[int], np.ndarray]], engine: str,
        threads: int | None = None) -> None:
    """Dispatch to ``"numba"`` or ``"numpy"``."""
    if engine == "numba":
        run_numba(prep, outs, threads=threads)
    else:
        run_numpy(prep, outs)
