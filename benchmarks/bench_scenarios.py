"""Scenario engine, end to end on the bundled Tây Ninh case: cost per cell-draw, and the composition's share of it.

A cell-draw is one unit x year x Monte Carlo draw x scenario. Prints the engine's speed (baseline draws +
every scenario of the case through the flow kernel) and, in the same run, the time spent drawing and reconciling
the destination composition (issue 18) as a share of the whole. Not a test: numbers depend on the machine.

    python benchmarks/bench_scenarios.py [n_draws]
"""

from __future__ import annotations

import sys
import time

import numpy as np


def main(n_draws: int = 2000) -> None:
    from simlib.inputs.case import load_case, load_case_inputs
    from simlib.scenarios import engine as S
    from simlib.scenarios.levers import list_scenarios, load_levers, load_scenario

    case = load_case("tay_ninh_2030")
    inputs = load_case_inputs(case)
    levers = load_levers(inputs.levers_path)
    scenarios = [load_scenario(n, levers, directory=inputs.scenarios_dir) for n in list_scenarios(inputs.scenarios_dir)]
    config = S.RunConfig(years=case.years, n_draws=n_draws, as_of=case.as_of, progress=False)
    plan = S.plan_run(inputs.bundle, inputs.geography, config, levers=levers, units=inputs.units)
    units = list(plan.units)[:33]
    t0 = time.perf_counter()
    base = plan.baseline(units)
    t1 = time.perf_counter()
    run = S.run_scenarios(inputs.bundle, scenarios, baseline=base)
    t2 = time.perf_counter()
    comp = np.nan
    if hasattr(plan, "_composition"):
        t3 = time.perf_counter()
        plan._composition(units)
        comp = time.perf_counter() - t3
    cells = n_draws * len(units) * len(case.years)
    n_sc = len(run.scenarios)
    print(f"{len(units)} units x {len(case.years)} years x {n_draws:,} draws x {n_sc} scenarios")
    print(f"baseline draws: {t1 - t0:.2f} s ({cells / (t1 - t0):.3g} cell-draws/s)")
    print(f"scenarios:      {t2 - t1:.2f} s ({cells * n_sc / (t2 - t1):.3g} cell-draws/s)")
    total = t2 - t0
    print(f"end to end:     {total:.2f} s = {1e9 * total / (cells * n_sc):.0f} ns per cell-draw")
    if np.isfinite(comp):
        print(f"composition (draw + reconcile + bound): {comp:.2f} s, {100 * comp / total:.0f} % of end to end")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
