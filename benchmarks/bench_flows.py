"""Benchmark: the cohort-flow engine vs a plain per-draw Python loop, in the same run.

Run: .venv/bin/python benchmarks/bench_flows.py   (part of ``make bench``)

Problem size: 16 units x 6 years (2026-2031) x 10,000 Monte Carlo draws
(960,000 cell-draws). Uncertain inputs per draw x unit x year: THCS graduation
rate, THCS destination shares (7 tracks), THPT destination shares (4),
grade-10 promotion rate. Fixed: grade-9 cohort per unit x year, other THPT
rates, caps on: the public grade-10 quota (68 % of grade 9, overflow to private
THPT, which is capped too, then proportional) and trung cấp seats (9 % of
grade 9, proportional), default durations, warm start.

Timed, median of several runs each (one ``simulate_flows`` call: checks, then
every stage):

* ``numba, all outputs``: the fused kernel, every output (70 arrays);
* ``numba, scenario outputs, reused workspace``: what a scenario layer reads
  (graduates of both origins, intake per track of both origins, seats per
  programme, THPT enrolment total: 21 arrays, 168 bytes per cell-draw), into a
  :class:`FlowWorkspace` reused across calls;
* ``numpy, all outputs``: the pure-numpy path.

The plain loop is ``tests/flow_reference.py`` (an independent scalar
implementation: Python floats, loops over draws, units, years and tracks). It
runs on 3 chunks of a few draws; its median time per draw is scaled to 10,000
draws. The speed-up is the loop's median over the engine's median, both from
this run. The script also checks that the engine's numbers equal the loop's
(bit for bit) on the loop's draws, that mass balance holds, and measures the
kernel's first-call compile time and cache-load time in fresh subprocesses
(an empty ``NUMBA_CACHE_DIR``), and the peak memory of streaming over chunks
of 1,000 draws with one workspace.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from flow_reference import simulate_reference  # noqa: E402

from simlib.inputs.assumptions import load_flow_assumptions  # noqa: E402
from simlib.models import assumptions as fa  # noqa: E402
from simlib.models import _kernels  # noqa: E402
from simlib.models.flows import (  # noqa: E402
    THCS_TRACKS,
    THPT_TRACKS,
    Capacity,
    FlowParameters,
    FlowWorkspace,
    simulate_flows,
)

N_UNITS, N_YEARS, N_DRAWS = 16, 6, 10_000
YEARS = list(range(2026, 2026 + N_YEARS))
UNITS = [f"unit{i:02d}" for i in range(N_UNITS)]
N_LOOP_DRAWS = 20  # draws per chunk of the plain loop (3 chunks)
REPEATS = 15
CHUNK = 1_000  # draws per chunk in the streaming measurement (96,000 cell-draws)
SCENARIO_OUTPUTS = {
    "thcs_graduates": None, "thpt_graduates": None, "thcs_intake": None, "thpt_intake": None,
    "programme_enrolment": None, "thpt_enrolment_total": None,
}


def make_inputs(seed: int = 20251122):
    rng = np.random.default_rng(seed)
    D, U, Y = N_DRAWS, N_UNITS, N_YEARS
    grade9 = rng.uniform(800, 2500, (U, Y))
    # contiguous (draws, units, years) arrays, one per track
    sh1 = np.moveaxis(rng.dirichlet([56, 4, 3, 8, 2, 10, 6], size=(D, U, Y)), -1, 0).copy()
    sh2 = np.moveaxis(rng.dirichlet([40, 15, 5, 40], size=(D, U, Y)), -1, 0).copy()
    raw = dict(
        grade9=grade9, sh1=sh1, sh2=sh2,
        grad9=rng.uniform(0.95, 1.0, (D, U, Y)), p10=rng.uniform(0.90, 0.97, (D, U, Y)),
        caps_pub=0.68 * grade9,  # public grade-10 quota per unit x year
        caps_priv=0.05 * grade9,  # private THPT places
        caps_tc=0.09 * grade9,  # trung cấp seats for THCS graduates
    )
    return params_for(raw, slice(None)), raw


_TABLE = load_flow_assumptions()  # durations and first intake years are data


def params_for(raw, draws) -> FlowParameters:
    """Parameters for a subset of draws (a slice or a list of draw indices)."""
    return FlowParameters(
        thcs_shares={t: raw["sh1"][k][draws] for k, t in enumerate(THCS_TRACKS)},
        thpt_shares={t: raw["sh2"][k][draws] for k, t in enumerate(THPT_TRACKS)},
        thcs_graduation=raw["grad9"][draws],
        promotion=(raw["p10"][draws], 0.96),
        repetition=(0.02, 0.015, 0.01),
        thpt_graduation=0.97,
        thcs_capacity=Capacity(
            caps={"thpt_public": raw["caps_pub"], "thpt_private": raw["caps_priv"], "trung_cap": raw["caps_tc"]},
            reroute={"thpt_public": "thpt_private"},
        ),
        durations=fa.durations(_TABLE),
        programme_start=fa.programme_start(_TABLE),
    )


def timed(fn, repeats):
    """Median and best wall time, and median CPU time of the process (all threads), in seconds."""
    times, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(times), min(times), statistics.median(cpu)


def compile_times() -> tuple[float, float]:
    """Seconds to import the kernel with an empty numba cache (compile), then with that cache (load)."""
    code = ("import time; t = time.perf_counter(); import simlib.models._numba_kernel; "
            "print(time.perf_counter() - t)")
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        out = []
        for _ in range(2):
            res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
            out.append(float(res.stdout.strip()))
    return out[0], out[1]


def main() -> int:
    load0 = os.getloadavg()[0]
    params, raw = make_inputs()
    cells = N_UNITS * N_YEARS * N_DRAWS
    g9 = raw["grade9"]
    have_numba = _kernels.numba_available()
    engines = []
    if have_numba:
        ws = FlowWorkspace()
        engines += [
            ("numba, all outputs", dict(engine="numba")),
            ("numba, scenario outputs, reused workspace", dict(engine="numba", outputs=SCENARIO_OUTPUTS, workspace=ws)),
        ]
    engines.append(("numpy, all outputs", dict(engine="numpy")))
    results = {}
    for label, kw in engines:
        simulate_flows(g9, params, units=UNITS, years=YEARS, **kw)  # warm-up (and compile/cache load)
        results[label] = timed(lambda: simulate_flows(g9, params, units=UNITS, years=YEARS, **kw),
                               REPEATS if "numpy" not in label else 5)

    # the plain loop, 3 chunks of draws, time per draw
    loop_times, loop_cpu = [], []
    for chunk in range(3):
        draws = list(range(chunk * N_LOOP_DRAWS, (chunk + 1) * N_LOOP_DRAWS))
        p = params_for(raw, draws)
        t0, c0 = time.perf_counter(), time.process_time()
        ref = simulate_reference(g9, p, YEARS, n_draws=len(draws))
        loop_times.append((time.perf_counter() - t0) / len(draws))
        loop_cpu.append((time.process_time() - c0) / len(draws))
        if chunk == 0:
            ref0, p0 = ref, p
    t_loop = statistics.median(loop_times) * N_DRAWS
    c_loop = statistics.median(loop_cpu) * N_DRAWS

    # same numbers as the loop, on its first chunk of draws; mass balance on all draws
    mismatched = 0
    for label, kw in engines:
        kw = {k: v for k, v in kw.items() if k == "engine"}
        res = simulate_flows(g9, p0, units=UNITS, years=YEARS, **kw)
        mismatched += sum(int((getattr(res, name) != want).sum()) for name, want in ref0.items())
    full = simulate_flows(g9, params, units=UNITS, years=YEARS)
    bal = full.balance()
    bal_err = float((bal["difference"].abs() / bal["entered"]).max())

    # memory: bytes per cell-draw of the scenario outputs, and peak when streaming over chunks
    ws = FlowWorkspace()
    tracemalloc.start()
    total = np.zeros((N_UNITS, N_YEARS))
    for lo in range(0, N_DRAWS, CHUNK):
        res = simulate_flows(g9, params_for(raw, slice(lo, lo + CHUNK)), units=UNITS, years=YEARS,
                             outputs=SCENARIO_OUTPUTS, workspace=ws, engine="numba" if have_numba else "numpy")
        total += res.track("programme_enrolment", "trung_cap").sum(axis=0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    per_cell = ws.nbytes / (N_UNITS * N_YEARS * CHUNK)

    print(f"problem: {N_UNITS} units x {N_YEARS} years x {N_DRAWS:,} draws = {cells:,} cell-draws, caps on "
          f"(public quota -> private THPT, capped; trung cấp; proportional re-routing); "
          f"{_kernels.default_threads()} threads; numba {'installed' if have_numba else 'NOT installed'}")
    print(f"load average (1 min) before the run: {load0:.1f}, after: {os.getloadavg()[0]:.1f} (other work on this machine inflates wall times; "
          "CPU times are the process's, all threads)")
    print(f"plain per-draw Python loop (tests/flow_reference.py): median {statistics.median(loop_times) * 1e3:.2f} ms "
          f"per draw (CPU {statistics.median(loop_cpu) * 1e3:.2f} ms) over 3 chunks of {N_LOOP_DRAWS} draws -> "
          f"{t_loop:.1f} s for {N_DRAWS:,} draws ({cells / t_loop:,.0f} cell-draws/s)")
    for label, (med, best, cpu) in results.items():
        print(f"{label}: median {med * 1e3:.1f} ms (best {best * 1e3:.1f} ms, CPU {cpu * 1e3:.1f} ms) -> "
              f"{cells / med:.3g} cell-draws/s median ({cells / best:.3g} best); speed-up over the loop "
              f"{t_loop / med:,.0f}x median vs median ({c_loop / cpu:,.0f}x in CPU time)")
    if have_numba:
        t_compile, t_load = compile_times()
        print(f"numba kernel: first-call compile {t_compile:.1f} s (empty cache), later imports load it from "
              f"the cache in {t_load:.2f} s")
    print(f"scenario outputs: {per_cell:.0f} bytes per cell-draw; streaming {N_DRAWS:,} draws in chunks of "
          f"{CHUNK:,} through one workspace: peak traced memory {peak / 1e6:.1f} MB "
          f"(workspace {ws.nbytes / 1e6:.1f} MB)")
    print(f"same numbers as the loop (first {N_LOOP_DRAWS} draws, every output, every engine): "
          f"{'yes, bit for bit' if mismatched == 0 else f'NO ({mismatched} values differ)'}")
    print(f"mass balance, max relative error over units x draws: {bal_err:.1e}")
    return 0 if mismatched == 0 and bal_err < 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
