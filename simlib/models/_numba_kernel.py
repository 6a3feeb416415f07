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

Layout: a parallel loop (``prange``) over blocks of (draw, unit) pairs; each
pair gathers its inputs for all years into small per-block scratch arrays,
runs its whole history (THCS stage, THPT grades, THPT destinations, programme
stocks) there, and writes only the outputs that were asked for. Inputs are
float64 arrays of shape ``(draws, units, years)`` whose broadcast axes have
stride 0 (no copies).
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numba import prange, types

from simlib.models._kernels import K_THCS, K_THPT, N_OUT, N_PROG

A3 = types.Array(types.float64, 3, "A")
A4 = types.Array(types.float64, 4, "A")
C4 = types.Array(types.float64, 4, "C")
I1 = types.Array(types.int64, 1, "C")
I2 = types.Array(types.int64, 2, "C")
F2 = types.Array(types.float64, 2, "C")

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


@nb.njit(cache=True)
def _route(x, cap, sh, ew, o, ow, capped, capk, n_cap, prop, n_prop, esrc, edst, n_e, sink, max_pass):  # pragma: no cover
    """Cap the intakes ``x`` (one cell, one value per track) and re-route the overflow; True when it converged.

    The same operations as :func:`simlib.models._kernels.apply_caps_numpy`
    applied to one cell: a pass in which this cell has no overflow leaves it
    unchanged there (it only adds exact zeros), so iterating per cell until
    this cell settles gives the same bits as iterating all cells together.
    ``capk`` lists the capped tracks in track order.
    """
    n_k = x.shape[0]
    for _ in range(max_pass):
        over = False
        for m in range(n_cap):
            k = capk[m]
            o[k] = 0.0
            if x[k] > cap[k]:
                o[k] = x[k] - cap[k]
                x[k] = cap[k]
                over = True
        if not over:
            return True
        for e in range(n_e):
            x[edst[e]] += o[esrc[e]] * ew[e]
        pool = 0.0
        for j in range(n_prop):
            pool += o[prop[j]]
        if pool != 0.0:
            wsum = 0.0
            for k in range(n_k):
                if not capped[k]:
                    wsum += sh[k]
                    ow[k] = sh[k]
            for m in range(n_cap):
                k = capk[m]
                ow[k] = sh[k] if x[k] < cap[k] else 0.0
                wsum += ow[k]
            if wsum > 0.0:
                scale = pool / wsum
                for k in range(n_k):
                    x[k] += scale * ow[k]
            else:
                x[sink] += pool
    return False


@nb.njit(cache=True)
def _read(a, dd, uu, nc, dst):  # pragma: no cover - compiled
    """``dst[c, y] = a[dd[c], uu[c], y]`` for the ``nc`` cells of a chunk (a streaming read)."""
    n_y = dst.shape[1]
    for c in range(nc):
        d = dd[c]
        u = uu[c]
        for y in range(n_y):
            dst[c, y] = a[d, u, y]


@nb.njit(cache=True)
def _write(out, j, src, dd, uu, nc):  # pragma: no cover - compiled
    """``out[j, dd[c], uu[c], y] = src[c, y]`` for the ``nc`` cells of a chunk (a streaming write)."""
    n_y = out.shape[3]
    for c in range(nc):
        d = dd[c]
        u = uu[c]
        for y in range(n_y):
            out[j, d, u, y] = src[c, y]


@nb.njit(cache=True)
def _destinations(nc, dd, uu, grads, shares, ccap, fcap, tint, capped, any_capped, ew, esrc, edst, n_e, prop,
                  n_prop, sink, max_pass, sh, x, cap, eww, o, ow, xs, cs, ss, es, capk):  # pragma: no cover - compiled
    """Demand and capped intake of one origin for the cells of a chunk; False if re-routing failed."""
    n_k = x.shape[0]
    n_y = x.shape[2]
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
    ok = True
    for c in range(nc):
        for y in range(n_y):
            over = False
            for m in range(n_cap):
                k = capk[m]
                if x[k, c, y] > cap[k, c, y]:
                    over = True
            if not over:
                continue
            for k in range(n_k):
                xs[k] = x[k, c, y]
                cs[k] = cap[k, c, y]
                ss[k] = sh[k, c, y]
            for e in range(n_e):
                es[e] = eww[e, c, y]
            if not _route(xs, cs, ss, es, o, ow, capped, capk, n_cap, prop, n_prop, esrc, edst, n_e, sink, max_pass):
                ok = False
            for k in range(n_k):
                x[k, c, y] = xs[k]
    return ok


CHUNK_VALUES = 384  # cells x years per chunk: the chunk's scratch (~60 arrays) stays in the L2 cache


@nb.njit(types.void(types.int64, *SIGNATURE.args), cache=True, nogil=True)
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
    th_any = False
    tp_any = False
    for k in range(K_THCS):
        th_capped[k] = th_int[k, 0] != 0 or th_int[k, 1] != 0 or th_int[k, 2] > 0
        th_any = th_any or th_capped[k]
    for k in range(K_THPT):
        tp_capped[k] = tp_int[k, 0] != 0 or tp_int[k, 1] != 0 or tp_int[k, 2] > 0
        tp_any = tp_any or tp_capped[k]
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
    o1 = np.empty(K_THCS)
    w1 = np.empty(K_THCS)
    o2 = np.empty(K_THPT)
    w2 = np.empty(K_THPT)
    xs1 = np.empty(K_THCS)
    cs1 = np.empty(K_THCS)
    ss1 = np.empty(K_THCS)
    es1 = np.empty(max(th_ne, 1))
    ck1 = np.empty(K_THCS, dtype=np.int64)
    xs2 = np.empty(K_THPT)
    cs2 = np.empty(K_THPT)
    ss2 = np.empty(K_THPT)
    es2 = np.empty(max(tp_ne, 1))
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
        if not _destinations(nc, dd, uu, g1, th_sh, th_cc, th_fc, th_int, th_capped, th_any, th_ew, th_src,
                             th_dst, th_ne, th_prop, th_nprop, th_sink, max_pass, sh1, x1, cap1, ew1, o1, w1,
                             xs1, cs1, ss1, es1, ck1):
            err[b] = 1
        if slots[0, 0] >= 0:
            _write(o_thg, slots[0, 0], g1, dd, uu, nc)
        for k in range(K_THCS):
            if slots[1, k] >= 0:
                for c in range(nc):
                    for y in range(n_y):
                        tmp[c, y] = g1[c, y] * sh1[k, c, y]
                _write(o_thd, slots[1, k], tmp, dd, uu, nc)
            if slots[2, k] >= 0:
                _write(o_thi, slots[2, k], x1[k], dd, uu, nc)
            if slots[3, k] >= 0:
                for c in range(nc):
                    for y in range(n_y):
                        tmp[c, y] = x1[k, c, y] / g1[c, y] if g1[c, y] > 0.0 else np.nan
                _write(o_ths, slots[3, k], tmp, dd, uu, nc)
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
                _write(o_ini, slots[4, g], init[g], dd, uu, nc)
            if slots[5, g] >= 0:
                _write(o_enr, slots[5, g], flows[0, g], dd, uu, nc)
            if slots[7, g] >= 0:
                _write(o_pro, slots[7, g], flows[1, g], dd, uu, nc)
            if slots[8, g] >= 0:
                _write(o_rep, slots[8, g], flows[2, g], dd, uu, nc)
            if slots[9, g] >= 0:
                _write(o_drp, slots[9, g], flows[3, g], dd, uu, nc)
        if slots[6, 0] >= 0:
            for c in range(nc):
                for y in range(n_y):
                    tmp[c, y] = flows[0, 0, c, y] + flows[0, 1, c, y] + flows[0, 2, c, y]
            _write(o_tot, slots[6, 0], tmp, dd, uu, nc)
        # ---- THPT graduates -> destinations ----------------------------------
        if not _destinations(nc, dd, uu, g2, tp_sh, tp_cc, tp_fc, tp_int, tp_capped, tp_any, tp_ew, tp_src,
                             tp_dst, tp_ne, tp_prop, tp_nprop, tp_sink, max_pass, sh2, x2, cap2, ew2, o2, w2,
                             xs2, cs2, ss2, es2, ck2):
            err[b] = 1
        if slots[10, 0] >= 0:
            _write(o_tpg, slots[10, 0], g2, dd, uu, nc)
        for k in range(K_THPT):
            if slots[11, k] >= 0:
                for c in range(nc):
                    for y in range(n_y):
                        tmp[c, y] = g2[c, y] * sh2[k, c, y]
                _write(o_tpd, slots[11, k], tmp, dd, uu, nc)
            if slots[12, k] >= 0:
                _write(o_tpi, slots[12, k], x2[k], dd, uu, nc)
            if slots[13, k] >= 0:
                for c in range(nc):
                    for y in range(n_y):
                        tmp[c, y] = x2[k, c, y] / g2[c, y] if g2[c, y] > 0.0 else np.nan
                _write(o_tps, slots[13, k], tmp, dd, uu, nc)
        # ---- programme stocks (seats) ----------------------------------------
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
            if has_keep:
                _read(pr_keep[p], dd, uu, nc, kt)
            for c in range(nc):
                for t in range(n_y):
                    s = 0.0
                    kp = 1.0
                    for k in range(n_k):
                        src = t - k
                        if src < 0:
                            if src < first:
                                if has_keep:
                                    kp *= kt[c, t]
                                continue
                            src = 0
                        if has_keep:
                            s += (pr_w[p, k] * kp) * src_arr[c, src]
                            kp *= kt[c, t]
                        else:
                            s += pr_w[p, k] * src_arr[c, src]
                    tmp[c, t] = s
            _write(o_prg, j, tmp, dd, uu, nc)


@nb.njit(SIGNATURE, cache=True, parallel=True, nogil=True)
def run(dims, base, th_sh, th_cc, th_fc, th_int, th_edges, th_ew, th_misc,
        tp_sh, tp_cc, tp_fc, tp_int, tp_edges, tp_ew, tp_misc, entry,
        pr_keep, pr_int, pr_w, outs, slots, err):  # pragma: no cover - compiled
    """All blocks of (draw, unit) pairs, in parallel over blocks (see ``_block``)."""
    for b in prange(dims[4]):
        _block(b, dims, base, th_sh, th_cc, th_fc, th_int, th_edges, th_ew, th_misc,
               tp_sh, tp_cc, tp_fc, tp_int, tp_edges, tp_ew, tp_misc, entry,
               pr_keep, pr_int, pr_w, outs, slots, err)
