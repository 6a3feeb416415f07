"""An independent, plain-Python implementation of the cohort-flow model, one draw at a time.

Used by ``tests/test_flows.py`` (differential test against both compute paths
of :func:`simlib.models.flows.simulate_flows`) and by
``benchmarks/bench_flows.py`` (the speed-up over a plain per-draw loop).

It follows the model as documented in :mod:`simlib.models.flows` and
:class:`simlib.models.flows.Capacity`, with Python floats and explicit loops
over draws, units, years and tracks; numpy is used only to turn each
parameter into nested Python lists for one draw (broadcasting, ``tolist``),
never for arithmetic. Sums
are taken in the documented order (shares of the never-capped destinations
first, then the open capped ones, in track order; seat-years ``k = 0, 1,
...``), so that the engine can be held to the same bits, not just to a
tolerance.

Only array inputs are supported (no pandas labels); ``grade9`` has shape
``(units, years)`` or ``(draws, units, years)``.
"""

from __future__ import annotations

import math

import numpy as np

from simlib.models.flows import PROGRAMMES, THCS_TRACKS, THPT_TRACKS, FlowParameters

SOURCE = {  # programme -> (origin, destination)
    "trung_hoc_nghe": ("thcs", "trung_hoc_nghe"),
    "gdtx": ("thcs", "gdtx"),
    "so_cap": ("thcs", "so_cap"),
    "trung_cap": ("thcs", "trung_cap"),
    "trung_cap_thpt": ("thpt", "trung_cap"),
    "cao_dang": ("thpt", "cao_dang"),
    "dai_hoc": ("thpt", "dai_hoc"),
}


class _Draw:
    """Values of array-like parameters for one draw, as nested Python lists ``[unit][year]``.

    Each parameter is broadcast to ``(draws, units, years)`` once per draw and converted with
    ``tolist()``; the model then reads plain Python floats.
    """

    def __init__(self, shape, d):
        self.shape = shape
        self.d = d
        self._memo = {}

    def __call__(self, value):
        key = id(value)
        if key not in self._memo:
            a = np.asarray(value, dtype=float)
            a = a.reshape((1,) * (3 - a.ndim) + a.shape)
            self._memo[key] = (value, np.broadcast_to(a, self.shape)[self.d].tolist())
        return self._memo[key][1]


def route(demand, shares, caps, named, sink):
    """Cap one cell's intakes and re-route the overflow (the rule of ``Capacity``).

    ``caps[k]`` is ``None`` (no cap) or a number; ``named`` maps a capped
    track to a list of ``(destination, fraction)`` (a named fallback is one
    destination with fraction ``None``, i.e. all of it). Returns the intakes.
    """
    x = list(demand)
    n = len(x)
    for _ in range(n * n + n + 2):
        over = [0.0] * n
        any_over = False
        for k in range(n):
            if caps[k] is not None and x[k] > caps[k]:
                over[k] = x[k] - caps[k]
                x[k] = caps[k]
                any_over = True
        if not any_over:
            return x
        for src, dsts in named.items():
            for dst, frac in dsts:
                x[dst] += over[src] if frac is None else over[src] * frac
        pool = 0.0
        for k in range(n):
            if caps[k] is not None and k not in named:
                pool += over[k]
        if pool > 0.0:
            total = 0.0
            for k in range(n):  # never-capped destinations first ...
                if caps[k] is None:
                    total += shares[k]
            weight = [shares[k] if caps[k] is None else 0.0 for k in range(n)]
            for k in range(n):  # ... then the capped ones that are still open
                if caps[k] is not None:
                    weight[k] = shares[k] if x[k] < caps[k] else 0.0
                    total += weight[k]
            if total > 0.0:
                for k in range(n):
                    x[k] += (pool / total) * weight[k]
            else:
                x[sink] += pool
    raise RuntimeError("re-routing did not converge")


def _caps(cap, tracks, vals, u, y, grads, closed, ever_closed):
    """Caps of one cell (``None``: the track is never capped). A track with a cap in any cell, or
    closed in any year of the horizon, counts as capped everywhere (with an infinite cap where
    nothing binds): the proportional rule adds up the weights of never-capped tracks first."""
    out = []
    for k, t in enumerate(tracks):
        c = math.inf if ever_closed[k] else None
        if t in cap.caps:
            c = vals(cap.caps[t])[u][y]
        if t in cap.share_caps:
            f = vals(cap.share_caps[t])[u][y] * grads
            c = f if c is None or t not in cap.caps else min(c, f)
        if closed[k]:
            c = 0.0
        out.append(c)
    named = {}
    if not isinstance(cap.reroute, str):
        for src, dst in cap.reroute.items():
            k = tracks.index(src)
            if isinstance(dst, str):
                named[k] = [(tracks.index(dst), None)]
            else:
                named[k] = [(tracks.index(t), vals(f)[u][y]) for t, f in dst.items()]
    return out, named


def simulate_reference(grade9, params: FlowParameters, years, n_draws: int | None = None) -> dict[str, np.ndarray]:
    """All outputs of the model for every draw, unit and year, computed cell by cell.

    Returns a dict of arrays shaped like :class:`simlib.models.flows.FlowResult`
    attributes: ``thcs_graduates``, ``thcs_demand``, ``thcs_intake``,
    ``thpt_initial``, ``thpt_enrolment``, ``thpt_promoted``, ``thpt_repeated``,
    ``thpt_dropped``, ``thpt_graduates``, ``thpt_demand``, ``thpt_intake``,
    ``programme_enrolment``.
    """
    g9 = np.asarray(grade9, dtype=float)
    years = list(years)
    n_u, n_y = g9.shape[-2], g9.shape[-1]
    if n_draws is None:
        n_draws = g9.shape[0] if g9.ndim == 3 else 1
    shape = (n_draws, n_u, n_y)
    k1, k2, n_p = len(THCS_TRACKS), len(THPT_TRACKS), len(PROGRAMMES)
    out = {
        "thcs_graduates": np.zeros((n_draws, n_u, n_y)),
        "thcs_demand": np.zeros((n_draws, n_u, n_y, k1)),
        "thcs_intake": np.zeros((n_draws, n_u, n_y, k1)),
        "thpt_initial": np.zeros((n_draws, n_u, 3)),
        "thpt_enrolment": np.zeros((n_draws, n_u, n_y, 3)),
        "thpt_promoted": np.zeros((n_draws, n_u, n_y, 3)),
        "thpt_repeated": np.zeros((n_draws, n_u, n_y, 3)),
        "thpt_dropped": np.zeros((n_draws, n_u, n_y, 3)),
        "thpt_graduates": np.zeros((n_draws, n_u, n_y)),
        "thpt_demand": np.zeros((n_draws, n_u, n_y, k2)),
        "thpt_intake": np.zeros((n_draws, n_u, n_y, k2)),
        "programme_enrolment": np.zeros((n_draws, n_u, n_y, n_p)),
    }
    start = dict(params.programme_start)
    closed = {"thcs": [[False] * n_y for _ in THCS_TRACKS], "thpt": [[False] * n_y for _ in THPT_TRACKS]}
    for prog, (origin, track) in SOURCE.items():
        if prog in start:
            tracks = THCS_TRACKS if origin == "thcs" else THPT_TRACKS
            for y in range(n_y):
                closed[origin][tracks.index(track)][y] = years[y] < start[prog]
    p10, p11 = params.promotion
    r10, r11, r12 = params.repetition
    for d in range(n_draws):
        vals = _Draw(shape, d)
        for u in range(n_u):
            # THCS graduates -> destinations
            th_in = []
            for y in range(n_y):
                grads = vals(g9)[u][y] * vals(params.thcs_graduation)[u][y]
                shares = [vals(params.thcs_shares.get(t, 0.0))[u][y] for t in THCS_TRACKS]
                demand = [grads * s for s in shares]
                caps, named = _caps(params.thcs_capacity, THCS_TRACKS, vals, u, y, grads,
                                    [closed["thcs"][k][y] for k in range(k1)], [any(c) for c in closed["thcs"]])
                intake = route(demand, shares, caps, named, k1 - 1)
                th_in.append(intake)
                out["thcs_graduates"][d, u, y] = grads
                out["thcs_demand"][d, u, y] = demand
                out["thcs_intake"][d, u, y] = intake
            # general THPT grades 10-12
            rate = {name: vals(v)[u]
                    for name, v in (("p10", p10), ("p11", p11), ("g12", params.thpt_graduation),
                                    ("r10", r10), ("r11", r11), ("r12", r12))}
            grade10 = [th_in[y][THCS_TRACKS.index("thpt_public")] + th_in[y][THCS_TRACKS.index("thpt_private")]
                       for y in range(n_y)]
            if params.warm_start:
                e10 = grade10[0] / (1.0 - rate["r10"][0])
                e11 = rate["p10"][0] * e10 / (1.0 - rate["r11"][0])
                e12 = rate["p11"][0] * e11 / (1.0 - rate["r12"][0])
            else:
                e10 = e11 = e12 = 0.0
            out["thpt_initial"][d, u] = (e10, e11, e12)
            tp_in = []
            for y in range(n_y):
                ry = max(y - 1, 0)  # the stock of the year before, with that year's rates
                moved = []
                for e, p, r in ((e10, "p10", "r10"), (e11, "p11", "r11"), (e12, "g12", "r12")):
                    promoted = e * rate[p][ry]
                    repeated = e * rate[r][ry]
                    moved.append((promoted, repeated, e - promoted - repeated))
                e10 = grade10[y] + moved[0][1]
                e11 = moved[0][0] + moved[1][1]
                e12 = moved[1][0] + moved[2][1]
                out["thpt_enrolment"][d, u, y] = (e10, e11, e12)
                for g in range(3):
                    out["thpt_promoted"][d, u, y, g], out["thpt_repeated"][d, u, y, g], \
                        out["thpt_dropped"][d, u, y, g] = moved[g]
                grads = moved[2][0]
                shares = [vals(params.thpt_shares.get(t, 0.0))[u][y] for t in THPT_TRACKS]
                demand = [grads * s for s in shares]
                caps, named = _caps(params.thpt_capacity, THPT_TRACKS, vals, u, y, grads,
                                    [closed["thpt"][k][y] for k in range(k2)], [any(c) for c in closed["thpt"]])
                intake = route(demand, shares, caps, named, k2 - 1)
                tp_in.append(intake)
                out["thpt_graduates"][d, u, y] = grads
                out["thpt_demand"][d, u, y] = demand
                out["thpt_intake"][d, u, y] = intake
            # programme seats
            for j, prog in enumerate(PROGRAMMES):
                origin, track = SOURCE[prog]
                hist = th_in if origin == "thcs" else tp_in
                k = (THCS_TRACKS if origin == "thcs" else THPT_TRACKS).index(track)
                duration = getattr(params.durations, prog)
                for y in range(n_y):
                    keep = 1.0 - vals(params.programme_dropout[prog])[u][y] \
                        if prog in params.programme_dropout else None
                    seats = 0.0
                    survive = 1.0
                    for a in range(math.ceil(duration)):
                        w = min(1.0, duration - a)
                        src = y - a
                        use = src >= 0 or (params.warm_start and years[0] + src >= start.get(prog, -10**9))
                        if use:
                            value = hist[max(src, 0)][k]
                            seats += (w if keep is None else w * survive) * value
                        if keep is not None:
                            survive = survive * keep
                    out["programme_enrolment"][d, u, y, j] = seats
    return out

