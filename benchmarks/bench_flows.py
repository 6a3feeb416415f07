"""Benchmark: vectorised cohort-flow engine vs a plain per-draw Python loop.

Run: .venv/bin/python benchmarks/bench_flows.py

Problem size: 16 units x 6 years x 10,000 Monte Carlo draws (960,000 cell-draws).
Uncertain inputs per draw x unit x year: THCS graduation rate, THCS destination
shares (5), THPT destination shares (4), grade-10 promotion rate. Fixed: grade-9
cohort per unit x year, other THPT rates, caps on grade-10 places (overflow ->
gdtx) and trung cấp seats (proportional), default durations, warm start.

The loop version is an independent scalar implementation (pure Python floats,
loops over draws, units, years and tracks). It is run on fewer draws and its
time is scaled per draw; the script says how many. Both are run in this
process, and the loop's numbers are compared with the vectorised ones on the
same draws.

Timed: one ``simulate_flows`` call (validation, THCS stage with caps, THPT
grades, THPT destinations, programme seats; every number computed). Not
timed: building labelled pandas tables or stacked arrays, which happens on
request afterwards.
"""

from __future__ import annotations

import math
import statistics
import sys
import time

import numpy as np

from simlib.models.flows import (
    PROGRAMMES,
    THCS_TRACKS,
    THPT_TRACKS,
    Capacity,
    Durations,
    FlowParameters,
    simulate_flows,
)

N_UNITS, N_YEARS, N_DRAWS = 16, 6, 10_000
N_LOOP_DRAWS = 100  # draws run by the plain loop (3 chunks of this size; best chunk used)
REPEATS = 15


def make_inputs(seed: int = 20251122):
    rng = np.random.default_rng(seed)
    D, U, Y = N_DRAWS, N_UNITS, N_YEARS
    grade9 = rng.uniform(800, 2500, (U, Y))
    # contiguous (draws, units, years) arrays, one per track
    sh1 = np.moveaxis(rng.dirichlet([60, 8, 2, 10, 6], size=(D, U, Y)), -1, 0).copy()
    sh2 = np.moveaxis(rng.dirichlet([40, 15, 5, 40], size=(D, U, Y)), -1, 0).copy()
    grad9 = rng.uniform(0.95, 1.0, (D, U, Y))
    p10 = rng.uniform(0.90, 0.97, (D, U, Y))
    caps_thpt = 0.68 * grade9  # public grade-10 places per unit x year
    caps_tc = 0.09 * grade9  # trung cấp seats for THCS graduates
    params = FlowParameters(
        thcs_shares={t: sh1[k] for k, t in enumerate(THCS_TRACKS)},
        thpt_shares={t: sh2[k] for k, t in enumerate(THPT_TRACKS)},
        thcs_graduation=grad9,
        promotion=(p10, 0.96),
        repetition=(0.02, 0.015, 0.01),
        thpt_graduation=0.97,
        thcs_capacity=Capacity(caps={"thpt": caps_thpt, "trung_cap": caps_tc}, reroute={"thpt": "gdtx"}),
        durations=Durations(),
        warm_start=True,
    )
    raw = dict(grade9=grade9, sh1=sh1, sh2=sh2, grad9=grad9, p10=p10, caps_thpt=caps_thpt, caps_tc=caps_tc)
    return params, raw


# ---------------------------------------------------------------------------
# plain per-draw Python loop (independent scalar implementation)
# ---------------------------------------------------------------------------
def _route(demand, shares, caps, fallback, sink):
    x = list(demand)
    n = len(x)
    for _ in range(n * n + n + 2):
        over = {}
        for k in range(n):
            if caps[k] is not None and x[k] > caps[k]:
                over[k] = x[k] - caps[k]
                x[k] = caps[k]
        if not over:
            return x
        pool = 0.0
        for k, o in over.items():
            if k in fallback:
                x[fallback[k]] += o
            else:
                pool += o
        if pool:
            w = [shares[k] if (caps[k] is None or x[k] < caps[k]) else 0.0 for k in range(n)]
            tot = sum(w)
            if tot > 0:
                for k in range(n):
                    x[k] += pool / tot * w[k]
            else:
                x[sink] += pool
    raise RuntimeError("no convergence")


def loop_model(raw, draws):
    """Return {name: nested lists [draw][unit][year]} for seats by programme and THPT enrolment."""
    dur = Durations()
    r10, r11, r12 = 0.02, 0.015, 0.01
    p11, g12 = 0.96, 0.97
    out_prog = []
    out_e = []
    for d in draws:
        prog_d, e_d = [], []
        for u in range(N_UNITS):
            intake_th, intake_tp = [], []
            for y in range(N_YEARS):
                grads = raw["grade9"][u, y] * raw["grad9"][d, u, y]
                shares = [float(raw["sh1"][k, d, u, y]) for k in range(5)]
                demand = [grads * s for s in shares]
                caps = [raw["caps_thpt"][u, y], None, None, raw["caps_tc"][u, y], None]
                intake_th.append(_route(demand, shares, caps, {0: 1}, 4))
            # THPT with warm start from the first year
            p10 = [float(raw["p10"][d, u, y]) for y in range(N_YEARS)]
            e10 = intake_th[0][0] / (1 - r10)
            e11 = p10[0] * e10 / (1 - r11)
            e12 = p11 * e11 / (1 - r12)
            es = []
            for y in range(N_YEARS):
                ry = max(y - 1, 0)
                grads12 = g12 * e12
                n10 = intake_th[y][0] + r10 * e10
                n11 = p10[ry] * e10 + r11 * e11
                n12 = p11 * e11 + r12 * e12
                e10, e11, e12 = n10, n11, n12
                es.append((e10, e11, e12))
                sh = [float(raw["sh2"][k, d, u, y]) for k in range(4)]
                intake_tp.append([grads12 * s for s in sh])
            sources = {
                "gdtx": [i[1] for i in intake_th],
                "so_cap": [i[2] for i in intake_th],
                "trung_cap": [i[3] for i in intake_th],
                "trung_cap_thpt": [i[2] for i in intake_tp],
                "cao_dang": [i[1] for i in intake_tp],
                "dai_hoc": [i[0] for i in intake_tp],
            }
            prog_u = []
            for name in PROGRAMMES:
                D = getattr(dur, name)
                src = sources[name]
                stock = []
                for y in range(N_YEARS):
                    s = 0.0
                    for k in range(math.ceil(D)):
                        w = min(1.0, D - k)
                        s += w * src[max(y - k, 0)]  # warm start: before the first year = first year
                    stock.append(s)
                prog_u.append(stock)
            prog_d.append(prog_u)
            e_d.append(es)
        out_prog.append(prog_d)
        out_e.append(e_d)
    return np.array(out_prog), np.array(out_e)


def main() -> int:
    params, raw = make_inputs()
    units = [f"unit{i:02d}" for i in range(N_UNITS)]
    years = list(range(2025, 2025 + N_YEARS))
    cells = N_UNITS * N_YEARS * N_DRAWS

    simulate_flows(raw["grade9"], params, units=units, years=years)  # warm-up
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        res = simulate_flows(raw["grade9"], params, units=units, years=years)
        times.append(time.perf_counter() - t0)
    t_vec = statistics.median(times)

    draws = list(range(N_LOOP_DRAWS))
    loop_times = []
    for chunk in range(3):
        t0 = time.perf_counter()
        out = loop_model(raw, [d + chunk * N_LOOP_DRAWS for d in draws])
        loop_times.append((time.perf_counter() - t0) / N_LOOP_DRAWS)
        if chunk == 0:
            prog_loop, e_loop = out
    t_loop_per_draw = min(loop_times)
    t_loop_full = t_loop_per_draw * N_DRAWS
    t_best = min(times)

    # per-draw calls of the vectorised engine (draws = 1 each), also scaled per draw
    def one_draw_params(k):
        def pick(a):
            return a[k : k + 1]
        return FlowParameters(
            thcs_shares={t: pick(raw["sh1"][i]) for i, t in enumerate(THCS_TRACKS)},
            thpt_shares={t: pick(raw["sh2"][i]) for i, t in enumerate(THPT_TRACKS)},
            thcs_graduation=pick(raw["grad9"]),
            promotion=(pick(raw["p10"]), 0.96),
            repetition=(0.02, 0.015, 0.01),
            thpt_graduation=0.97,
            thcs_capacity=params.thcs_capacity,
        )

    call_times = []
    for _ in range(3):
        t0 = time.perf_counter()
        for k in draws:
            simulate_flows(raw["grade9"], one_draw_params(k), units=units, years=years)
        call_times.append((time.perf_counter() - t0) / N_LOOP_DRAWS * N_DRAWS)
    t_calls_full = min(call_times)

    # same numbers?
    vec_prog = np.moveaxis(res.programme_enrolment[:N_LOOP_DRAWS], -1, 1)  # (draw, prog, unit, year)
    vec_prog = np.moveaxis(vec_prog, 1, 2)  # (draw, unit, prog, year)
    vec_e = res.thpt_enrolment[:N_LOOP_DRAWS]  # (draw, unit, year, grade)
    err_prog = float(np.max(np.abs(vec_prog - prog_loop) / np.maximum(1.0, np.abs(prog_loop))))
    err_e = float(np.max(np.abs(vec_e - e_loop) / np.maximum(1.0, np.abs(e_loop))))
    same = err_prog < 1e-9 and err_e < 1e-9
    bal = res.balance()
    bal_err = float((bal["difference"].abs() / bal["entered"]).max())

    print(f"problem: {N_UNITS} units x {N_YEARS} years x {N_DRAWS:,} draws = {cells:,} cell-draws")
    print(f"vectorised engine, one call for all draws: best {t_best * 1e3:.1f} ms, median {t_vec * 1e3:.1f} ms "
          f"over {REPEATS} runs -> {cells / t_best:,.0f} cell-draws/s (best), {cells / t_vec:,.0f} (median)")
    print(f"plain Python loop: {t_loop_per_draw * 1e3:.2f} ms per draw (best of 3 chunks of {N_LOOP_DRAWS} draws), "
          f"scaled to {N_DRAWS:,} draws = {t_loop_full:.1f} s -> {cells / t_loop_full:,.0f} cell-draws/s")
    print(f"speed-up vs plain loop: {t_loop_full / t_best:,.0f}x (best vs best), {t_loop_full / t_vec:,.0f}x (median)")
    print(f"engine called once per draw (best of 3 x {N_LOOP_DRAWS} draws, scaled): {t_calls_full:.1f} s "
          f"-> speed-up {t_calls_full / t_best:,.0f}x")
    print(f"same numbers (first {N_LOOP_DRAWS} draws, seats by programme and THPT enrolment): "
          f"{'yes' if same else 'NO'} (max relative difference {max(err_prog, err_e):.1e})")
    print(f"mass balance, max relative error over units x draws: {bal_err:.1e}")
    return 0 if same and bal_err < 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
