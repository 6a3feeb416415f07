"""The cohort-flow engine as one fused numba kernel (imported only when numba is used).

Internal module: :func:`simlib.models.flows.simulate_flows` prepares the inputs
(:class:`simlib.models._kernels.Prepared`), :func:`simlib.models._kernels.pack_numba`
turns them into the arguments of :func:`run`. Importing this module compiles
the kernel, or loads it from numba's on-disk cache (``cache=True``:
``__pycache__`` next to this file, or ``NUMBA_CACHE_DIR``).

Every number is computed with the same floating-point operations, in the same
order, as the numpy path (:func:`simlib.models._kernels.run_numpy`), so the two
give bit-identical results: no fused multiply-add (``fastmath`` is off), sums in
the documented order, and capacity re-routing that repeats per cell exactly
what the vectorised rule does to that cell (see :func:`_route`).

Layout: the (draw, unit) pairs are cut into blocks; threads (started by
:func:`simlib.models._kernels.run_numba`, one per core) run blocks through
:func:`run_blocks` without the GIL. A block is processed in chunks of cells:
each phase (THCS stage, THPT grades, THPT destinations, programme stocks)
streams over the chunk's inputs and outputs with scratch arrays that stay in
cache, and writes only the outputs that were asked for. Inputs are
float64 arrays of shape ``(draws, units, years)`` whose broadcast axes have
stride 0 (no copies).
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numba import types

from simlib.models._kernels import K_THCS, K_THPT, N_OUT, N_PROG

A3 = types.Array(types.float64, 3, "A")
A4 = types.Array(types.float64, 4, "A")
C4 = types.Array(types.float64, 4, "C")
I1 = types.Array(types.int64, 1, "C")
I2 = types.Array(types.int64, 2, "C")
F2 = types.Array(types.float64, 2, "C")

F1 = types.Array(types.float64, 1, "C")
F3 = types.Array(types.float64, 3, "C")
B1 = types.Array(types.bool_, 1, "C")
i64 = types.int64
ROUTE_SIG = types.boolean(i64, F2, F2, F2, F2, F2, F2, F2, B1, I1, i64, I1, i64, I1, I1, i64, i64, i64)
READ_SIG = types.void(A3, I1, I1, i64, F2)
WRITE_SIG = types.void(C4, i64, F2, i64, i64)


def _destinations_sig(n_k):
    tup = types.UniTuple(A3, n_k)
    return types.boolean(i64, I1, I1, F2, tup, tup, tup, I2, B1, A4, I1, I1, i64, I1, i64, i64, i64,
                         F3, F3, F3, F3, F2, F2, F2, I1)


SIGNATURE = types.void(
    I1,                         # dims: n_d, n_u, n_y, warm, n_blocks, max_pass
    types.UniTuple(A3, 8),      # g9, grad9, p10, p11, g12, r10, r11, r12
    types.UniTuple(A3, K_THCS), types.UniTuple(A3, K_THCS), types.UniTuple(A3, K_THCS),  # shares, count, share caps
    I2, I2, A4, I1,             # THCS: per-track ints, edges (src, dst), edge weights, [sink, n_prop, prop...]
    types.UniTuple(A3, K_THPT), types.UniTuple(A3, K_THPT), types.UniTuple(A3, K_THPT),
    I2, I2, A4, I1,             # THPT: the same
    I1,                         # indices of the grade-10 entry tracks among the THCS tracks
    types.UniTuple(A3, N_PROG), I2, F2,  # programmes: keep (1 - dropout), ints, duration weights
    types.UniTuple(C4, N_OUT), I2,       # outputs and their slot maps
    I1,                         # error flag per block
)


@nb.njit(ROUTE_SIG, cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True, error_model="numpy")
def _route(nv, x, cap, sh, ew, o, ow, vec, capped, capk, n_cap, prop, n_prop, esrc, edst, n_e, sink,
           max_pass):  # pragma: no cover - compiled
    """Cap the intakes ``x[k, :nv]`` of a chunk's cells and re-route the overflow; True when it converged.

    The operations of :func:`simlib.models._kernels.apply_caps_numpy`, pass
    by pass, on the chunk's cells (flat index ``c * years + y``) with loops
    over cells innermost, so they run as vector instructions. Passes repeat
    until no cell of the chunk overflows: a pass leaves a cell without
    overflow unchanged (it adds exact zeros), so the result of every cell is
    the same bits as in the numpy path. ``capk`` lists the capped tracks in
    track order; ``vec`` holds per-cell scratch (pool, weight sum, never-capped
    weight, scale, remainder to ``sink``).
    """
    n_k = x.shape[0]
    pool = vec[0]
    wsum = vec[1]
    free = vec[2]
    scale = vec[3]
    rest = vec[4]
    for i in range(nv):
        free[i] = 0.0
    for k in range(n_k):
        if not capped[k]:
            for i in range(nv):
                free[i] += sh[k, i]
    for _ in range(max_pass):
        n_over = 0
        for m in range(n_cap):
            k = capk[m]
            for i in range(nv):
                xv = x[k, i]
                cv = cap[k, i]
                over = xv > cv
                low = cv if over else xv
                o[k, i] = xv - low
                x[k, i] = low
                n_over += over
        if n_over == 0:
            return True
        for e in range(n_e):
            src = esrc[e]
            dst = edst[e]
            for i in range(nv):
                x[dst, i] += o[src, i] * ew[e, i]
        if n_prop == 0:
            continue
        for i in range(nv):
            pool[i] = 0.0
            wsum[i] = free[i]
        for j in range(n_prop):
            k = prop[j]
            for i in range(nv):
                pool[i] += o[k, i]
        for m in range(n_cap):
            k = capk[m]
            for i in range(nv):
                w = sh[k, i] if x[k, i] < cap[k, i] else 0.0
                ow[k, i] = w
                wsum[i] += w
        for i in range(nv):
            ok = wsum[i] > 0.0
            scale[i] = pool[i] / wsum[i] if ok else 0.0
            rest[i] = 0.0 if ok else pool[i]
        for k in range(n_k):
            if capped[k]:
                for i in range(nv):
                    x[k, i] += scale[i] * ow[k, i]
            else:
                for i in range(nv):
                    x[k, i] += scale[i] * sh[k, i]
        for i in range(nv):
            x[sink, i] += rest[i]
    return False


@nb.njit(READ_SIG, cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True, error_model="numpy")
def _read(a, dd, uu, nc, dst):  # pragma: no cover - compiled
    """``dst[c, y] = a[dd[c], uu[c], y]`` for the ``nc`` cells of a chunk (a streaming read)."""
    n_y = dst.shape[1]
    if a.strides[2] == 0:  # constant over years
        for c in range(nc):
            v = a[dd[c], uu[c], 0]
            for y in range(n_y):
                dst[c, y] = v
        return
    for c in range(nc):
        d = dd[c]
        u = uu[c]
        for y in range(n_y):
            dst[c, y] = a[d, u, y]


@nb.njit(WRITE_SIG, cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True, error_model="numpy")
def _write(out, j, src, c0, nc):  # pragma: no cover - compiled
    """``out[j]`` (flat) from ``src`` for the ``nc`` consecutive cells from cell ``c0``: one contiguous copy."""
    n_y = out.shape[3]
    dst = out[j].ravel()
    flat = src.ravel()
    off = c0 * n_y
    for i in range(nc * n_y):
        dst[off + i] = flat[i]


@nb.njit([_destinations_sig(K_THCS), _destinations_sig(K_THPT)], cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True, error_model="numpy")
def _destinations(nc, dd, uu, grads, shares, ccap, fcap, tint, capped, ew, esrc, edst, n_e, prop,
                  n_prop, sink, max_pass, sh, x, cap, eww, o, ow, vec, capk):  # pragma: no cover - compiled
    """Demand and capped intake of one origin for the cells of a chunk; False if re-routing failed."""
    n_k = x.shape[0]
    n_y = x.shape[2]
    any_capped = False
    for k in range(n_k):
        any_capped = any_capped or capped[k]
    for k in range(n_k):
        _read(shares[k], dd, uu, nc, sh[k])
        for c in range(nc):
            for y in range(n_y):
                x[k, c, y] = grads[c, y] * sh[k, c, y]
    if not any_capped:
        return True
    for k in range(n_k):
        if not capped[k]:
            continue
        has_count = tint[k, 0] != 0
        has_frac = tint[k, 1] != 0
        closed = tint[k, 2]
        if has_count:
            _read(ccap[k], dd, uu, nc, cap[k])
        af = fcap[k]
        for c in range(nc):
            for y in range(n_y):
                cv = cap[k, c, y] if has_count else np.inf
                if has_frac:
                    f = af[dd[c], uu[c], y] * grads[c, y]
                    cv = min(cv, f) if has_count else f
                if y < closed:
                    cv = 0.0
                cap[k, c, y] = cv
    for e in range(n_e):
        for c in range(nc):
            for y in range(n_y):
                eww[e, c, y] = ew[e, dd[c], uu[c], y]
    n_cap = 0
    for k in range(n_k):
        if capped[k]:
            capk[n_cap] = k
            n_cap += 1
    m = x.shape[1] * n_y
    return _route(nc * n_y, x.reshape((n_k, m)), cap.reshape((n_k, m)), sh.reshape((n_k, m)),
                  eww.reshape((eww.shape[0], m)), o, ow, vec, capped, capk, n_cap, prop, n_prop, esrc, edst, n_e,
                  sink, max_pass)


CHUNK_VALUES = 384  # cells x years per chunk: the chunk's scratch (~60 arrays) stays in the L2 cache


@nb.njit(types.void(types.int64, *SIGNATURE.args), cache=True, nogil=True, no_cpython_wrapper=True, no_cfunc_wrapper=True, error_model="numpy")
def _block(b, dims, base, th_sh, th_cc, th_fc, th_int, th_edges, th_ew, th_misc,
           tp_sh, tp_cc, tp_fc, tp_int, tp_edges, tp_ew, tp_misc, entry,
           pr_keep, pr_int, pr_w, outs, slots, err):  # pragma: no cover - compiled
    """Cells (draw, unit) of block ``b``, chunk by chunk, each phase streaming over the chunk.

    Sets ``err[b]`` if capacity re-routing did not converge.
    """
    n_d, n_u, n_y = dims[0], dims[1], dims[2]
    warm = dims[3] != 0
    n_blocks = dims[4]
    max_pass = dims[5]
    g9, grad9, p10, p11, g12, r10, r11, r12 = base
    (o_thg, o_thd, o_thi, o_ths, o_ini, o_enr, o_tot, o_pro, o_rep, o_drp,
     o_tpg, o_tpd, o_tpi, o_tps, o_prg) = outs
    n_cells = n_d * n_u
    lo = b * n_cells // n_blocks
    hi = (b + 1) * n_cells // n_blocks
    th_sink, th_nprop = th_misc[0], th_misc[1]
    tp_sink, tp_nprop = tp_misc[0], tp_misc[1]
    th_prop = th_misc[2:].copy()
    tp_prop = tp_misc[2:].copy()
    th_ne = th_edges.shape[0]
    tp_ne = tp_edges.shape[0]
    th_src = th_edges[:, 0].copy()
    th_dst = th_edges[:, 1].copy()
    tp_src = tp_edges[:, 0].copy()
    tp_dst = tp_edges[:, 1].copy()
    n_entry = entry.shape[0]
    n_prog = pr_int.shape[0]
    th_capped = np.zeros(K_THCS, dtype=np.bool_)
    tp_capped = np.zeros(K_THPT, dtype=np.bool_)
    for k in range(K_THCS):
        th_capped[k] = th_int[k, 0] != 0 or th_int[k, 1] != 0 or th_int[k, 2] > 0
    for k in range(K_THPT):
        tp_capped[k] = tp_int[k, 0] != 0 or tp_int[k, 1] != 0 or tp_int[k, 2] > 0
    # scratch for one chunk of cells: (track, cell, year)
    ch = max(1, CHUNK_VALUES // n_y)
    dd = np.empty(ch, dtype=np.int64)
    uu = np.empty(ch, dtype=np.int64)
    g1 = np.empty((ch, n_y))
    tmp = np.empty((ch, n_y))
    sh1 = np.empty((K_THCS, ch, n_y))
    x1 = np.empty((K_THCS, ch, n_y))
    cap1 = np.empty((K_THCS, ch, n_y))
    ew1 = np.empty((max(th_ne, 1), ch, n_y))
    g2 = np.empty((ch, n_y))
    sh2 = np.empty((K_THPT, ch, n_y))
    x2 = np.empty((K_THPT, ch, n_y))
    cap2 = np.empty((K_THPT, ch, n_y))
    ew2 = np.empty((max(tp_ne, 1), ch, n_y))
    rates = np.empty((6, ch, n_y))
    flows = np.empty((4, 3, ch, n_y))  # enrolment, promoted, repeated, dropped by grade
    init = np.empty((3, ch, 1))
    kt = np.empty((ch, n_y))
    kt_t = np.empty((n_y, ch))
    src_t = np.empty((n_y, ch))
    acc = np.empty((n_y, ch))
    kp = np.empty(ch)
    o1 = np.empty((K_THCS, ch * n_y))
    w1 = np.empty((K_THCS, ch * n_y))
    o2 = np.empty((K_THPT, ch * n_y))
    w2 = np.empty((K_THPT, ch * n_y))
    vec = np.empty((5, ch * n_y))
    ck1 = np.empty(K_THCS, dtype=np.int64)
    ck2 = np.empty(K_THPT, dtype=np.int64)
    for c0 in range(lo, hi, ch):
        nc = min(ch, hi - c0)
        for c in range(nc):
            dd[c] = (c0 + c) // n_u
            uu[c] = c0 + c - dd[c] * n_u
        # ---- THCS graduates -> destinations ----------------------------------
        _read(g9, dd, uu, nc, g1)
        _read(grad9, dd, uu, nc, tmp)
        for c in range(nc):
            for y in range(n_y):
                g1[c, y] = g1[c, y] * tmp[c, y]
        if not _destinations(nc, dd, uu, g1, th_sh, th_cc, th_fc, th_int, th_capped, th_ew, th_src,
                             th_dst, th_ne, th_prop, th_nprop, th_sink, max_pass, sh1, x1, cap1, ew1, o1, w1,
                             vec, ck1):
            err[b] = 1
        if slots[0, 0] >= 0:
            _write(o_thg, slots[0, 0], g1, c0, nc)
        for k in range(K_THCS):
            if slots[1, k] >= 0:
                for c in range(nc):
                    for y in range(n_y):
                        tmp[c, y] = g1[c, y] * sh1[k, c, y]
                _write(o_thd, slots[1, k], tmp, c0, nc)
            if slots[2, k] >= 0:
                _write(o_thi, slots[2, k], x1[k], c0, nc)
            if slots[3, k] >= 0:
                for c in range(nc):
                    for y in range(n_y):
                        tmp[c, y] = x1[k, c, y] / g1[c, y] if g1[c, y] > 0.0 else np.nan
                _write(o_ths, slots[3, k], tmp, c0, nc)
        # ---- THPT grades 10-12 -------------------------------------------------
        for r, a in enumerate((p10, p11, g12, r10, r11, r12)):
            _read(a, dd, uu, nc, rates[r])
        for c in range(nc):
            e10 = 0.0
            e11 = 0.0
            e12 = 0.0
            if warm:
                i0 = x1[entry[0], c, 0]
                for m in range(1, n_entry):
                    i0 += x1[entry[m], c, 0]
                e10 = i0 / (1.0 - rates[3, c, 0])
                e11 = rates[0, c, 0] * e10 / (1.0 - rates[4, c, 0])
                e12 = rates[1, c, 0] * e11 / (1.0 - rates[5, c, 0])
            init[0, c, 0] = e10
            init[1, c, 0] = e11
            init[2, c, 0] = e12
            for t in range(n_y):
                tr = t - 1 if t > 0 else 0
                pa = e10 * rates[0, c, tr]
                ra = e10 * rates[3, c, tr]
                pb = e11 * rates[1, c, tr]
                rb = e11 * rates[4, c, tr]
                pc = e12 * rates[2, c, tr]
                rc = e12 * rates[5, c, tr]
                flows[3, 0, c, t] = e10 - pa - ra
                flows[3, 1, c, t] = e11 - pb - rb
                flows[3, 2, c, t] = e12 - pc - rc
                it = x1[entry[0], c, t]
                for m in range(1, n_entry):
                    it += x1[entry[m], c, t]
                e10 = it + ra
                e11 = pa + rb
                e12 = pb + rc
                flows[0, 0, c, t] = e10
                flows[0, 1, c, t] = e11
                flows[0, 2, c, t] = e12
                flows[1, 0, c, t] = pa
                flows[1, 1, c, t] = pb
                flows[1, 2, c, t] = pc
                flows[2, 0, c, t] = ra
                flows[2, 1, c, t] = rb
                flows[2, 2, c, t] = rc
                g2[c, t] = pc
        for g in range(3):
            if slots[4, g] >= 0:
                _write(o_ini, slots[4, g], init[g], c0, nc)
            if slots[5, g] >= 0:
                _write(o_enr, slots[5, g], flows[0, g], c0, nc)
            if slots[7, g] >= 0:
                _write(o_pro, slots[7, g], flows[1, g], c0, nc)
            if slots[8, g] >= 0:
                _write(o_rep, slots[8, g], flows[2, g], c0, nc)
            if slots[9, g] >= 0:
                _write(o_drp, slots[9, g], flows[3, g], c0, nc)
        if slots[6, 0] >= 0:
            for c in range(nc):
                for y in range(n_y):
                    tmp[c, y] = flows[0, 0, c, y] + flows[0, 1, c, y] + flows[0, 2, c, y]
            _write(o_tot, slots[6, 0], tmp, c0, nc)
        # ---- THPT graduates -> destinations ----------------------------------
        if not _destinations(nc, dd, uu, g2, tp_sh, tp_cc, tp_fc, tp_int, tp_capped, tp_ew, tp_src,
                             tp_dst, tp_ne, tp_prop, tp_nprop, tp_sink, max_pass, sh2, x2, cap2, ew2, o2, w2,
                             vec, ck2):
            err[b] = 1
        if slots[10, 0] >= 0:
            _write(o_tpg, slots[10, 0], g2, c0, nc)
        for k in range(K_THPT):
            if slots[11, k] >= 0:
                for c in range(nc):
                    for y in range(n_y):
                        tmp[c, y] = g2[c, y] * sh2[k, c, y]
                _write(o_tpd, slots[11, k], tmp, c0, nc)
            if slots[12, k] >= 0:
                _write(o_tpi, slots[12, k], x2[k], c0, nc)
            if slots[13, k] >= 0:
                for c in range(nc):
                    for y in range(n_y):
                        tmp[c, y] = x2[k, c, y] / g2[c, y] if g2[c, y] > 0.0 else np.nan
                _write(o_tps, slots[13, k], tmp, c0, nc)
        # ---- programme stocks (seats) ----------------------------------------
        # sums over cells innermost (vector instructions), each cell's terms added in k order
        for p in range(n_prog):
            j = slots[14, p]
            if j < 0:
                continue
            origin = pr_int[p, 0]
            track = pr_int[p, 1]
            n_k = pr_int[p, 2]
            first = pr_int[p, 3]
            has_keep = pr_int[p, 4] != 0
            src_arr = x1[track] if origin == 0 else x2[track]
            for c in range(nc):
                for y in range(n_y):
                    src_t[y, c] = src_arr[c, y]
            if has_keep:
                _read(pr_keep[p], dd, uu, nc, kt)
                for c in range(nc):
                    for y in range(n_y):
                        kt_t[y, c] = kt[c, y]
            for t in range(n_y):
                for c in range(nc):
                    acc[t, c] = 0.0
                    kp[c] = 1.0
                for k in range(n_k):
                    src = t - k
                    use = True
                    if src < 0:
                        if src < first:
                            use = False
                        src = 0
                    w = pr_w[p, k]
                    if use and has_keep:
                        for c in range(nc):
                            acc[t, c] += (w * kp[c]) * src_t[src, c]
                    elif use:
                        for c in range(nc):
                            acc[t, c] += w * src_t[src, c]
                    if has_keep:
                        for c in range(nc):
                            kp[c] *= kt_t[t, c]
            for c in range(nc):
                for y in range(n_y):
                    tmp[c, y] = acc[y, c]
            _write(o_prg, j, tmp, c0, nc)


@nb.njit(types.void(types.int64, types.int64, I1, *SIGNATURE.args), cache=True, nogil=True, error_model="numpy")
def run_blocks(start, n_threads, claimed, dims, base, th_sh, th_cc, th_fc, th_int, th_edges, th_ew, th_misc,
               tp_sh, tp_cc, tp_fc, tp_int, tp_edges, tp_ew, tp_misc, entry,
               pr_keep, pr_int, pr_w, outs, slots, err):  # pragma: no cover - compiled
    """The blocks one thread runs, without the GIL: from block ``start`` on, every block not yet claimed.

    Each of ``n_threads`` threads starts at its own share of the blocks and goes on (wrapping around)
    through the blocks no other thread has claimed (``claimed[b] = 1``), so a thread on a busy core
    takes fewer blocks. Two threads can claim the same block only at the same instant; both then
    write the same numbers, so the result does not depend on the schedule.
    """
    n_blocks = dims[4]
    for i in range(n_blocks):
        b = (start + i) % n_blocks
        if claimed[b] != 0:
            continue
        claimed[b] = 1
        _block(b, dims, base, th_sh, th_cc, th_fc, th_int, th_edges, th_ew, th_misc,
               tp_sh, tp_cc, tp_fc, tp_int, tp_edges, tp_ew, tp_misc, entry,
               pr_keep, pr_int, pr_w, outs, slots, err)
