"""Benchmark: the bundled Tây Ninh report (compute / render split, vi+en vs one language) and the Long An run.

Run: .venv/bin/python benchmarks/bench_report.py [N_DRAWS] [--no-report]

Part 1, the report planners wait for (issue 24): ``python -m simlib report --case tay_ninh_2030`` at N_DRAWS
(default 10,000), in one process: the import of the report modules, ``compute`` (once, whatever the languages),
``render`` of Vietnamese, then of English, one after the other, each in wall and CPU seconds (CPU: this process, all
threads); then ``run_report(..., langs=("vi", "en"))`` with the languages rendered in parallel worker processes
(the command line's default) and with ``langs=("vi",)``, wall seconds, and the ratio vi+en / one language (aim
1.35) from the same run. Prints the load average: on a shared machine wall times are upper bounds, compare the
CPU seconds and the ratios.

then a third render of Vietnamese, its CPU seconds split: building and laying out the charts, writing their PNG and
SVG files, the workbook, the Word report, the page and the rest.

Part 2, the Long An feasibility run, timed against the 5-second aim:

Problem (issue 5): 2 indicators (THCS -> sơ cấp/trung cấp, THPT -> cao đẳng) x 16 units
(Long An and its 15 districts) x 10,000 draws x 2025-2030 x 4 scenarios (baseline, plan as
written, waiver+, all levers). Timed stages, each the best of 3 runs:

1. baseline: trend fits and draws, shocks, lever-parameter draws (``simulate_baseline``);
2. scenarios: lever effects + flow engine + costs for the 4 scenarios (``run_scenarios``);
3. verdicts: P(met), pace and feasible progress for the plan's 132 targets x 4 scenarios
   (``assess_run``).

Prints seconds per stage, the total, and the ratio total / aim (below 1 meets the aim).
Speed is measured here, never in the test suite.
"""

from __future__ import annotations

import sys
import time

from simlib.inputs import bundle as data
from simlib.assess import feasibility as F
from simlib.scenarios import levers as L
from simlib.scenarios import engine as S

AIM_SECONDS = 5.0


def best_of(fn, repeat=3):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def _clock():
    return time.perf_counter(), time.process_time()


def _since(t):
    w, c = _clock()
    return w - t[0], c - t[1]


def render_parts(data, lang: str, folder: str) -> dict[str, float]:
    """CPU seconds of the parts of one render: building the charts, writing their PNG and SVG files, the
    workbook, the Word report, the page (the stage functions of :mod:`simlib.apps.render` timed in place)."""
    from simlib.apps import render as RD
    from simlib.apps import report as R
    from simlib.present import charts

    parts: dict[str, float] = {}
    saved = {}

    def timed(owner, name, key):
        f = getattr(owner, name)
        saved[(owner, name)] = f

        def g(*a, **k):
            t0 = time.process_time()
            try:
                return f(*a, **k)
            finally:
                parts[key(a) if callable(key) else key] = parts.get(key(a) if callable(key) else key, 0.0) \
                    + time.process_time() - t0
        setattr(owner, name, g)

    timed(charts, "save_figure", lambda a: "chart files " + str(a[1]).rsplit(".", 1)[-1].upper())
    for name in ("_evidence_chart", "_fan_charts", "_p_met_chart", "_lever_charts"):
        timed(RD, name, "charts (with their files)")
    timed(RD, "_workbook", "workbook")
    timed(RD, "_word", "Word report")
    timed(RD, "_html", "page")
    t0 = time.process_time()
    try:
        R.render(data, lang, folder)
    finally:
        for (owner, name), f in saved.items():
            setattr(owner, name, f)
    parts["total"] = time.process_time() - t0
    files = sum(v for k, v in parts.items() if k.startswith("chart files"))
    parts["charts (with their files)"] -= files
    parts["charts: building and layout"] = parts.pop("charts (with their files)")
    parts["rest (tables, words, run record)"] = parts["total"] - sum(v for k, v in parts.items() if k != "total")
    return parts


def report_split(n: int) -> None:
    """Part 1: the Tây Ninh report, stage by stage (see the module docstring)."""
    import os
    import tempfile

    import matplotlib

    matplotlib.use("Agg")
    load0 = os.getloadavg()[0]
    t = _clock()
    from simlib.apps import report as R

    imp = _since(t)
    t = _clock()
    data = R.compute("tay_ninh_2030", n_draws=n, progress=False)
    comp = _since(t)
    with tempfile.TemporaryDirectory() as tmp:
        t = _clock()
        R.render(data, "vi", os.path.join(tmp, "vi"))
        vi = _since(t)
        t = _clock()
        R.render(data, "en", os.path.join(tmp, "en"))
        en = _since(t)
        t = _clock()
        R.run_report(os.path.join(tmp, "one"), case="tay_ninh_2030", langs=("vi",), n_draws=n, progress=False)
        one = _since(t)
        t = _clock()
        R.run_report(os.path.join(tmp, "two"), case="tay_ninh_2030", langs=("vi", "en"), n_draws=n, progress=False)
        two = _since(t)
    print(f"Tây Ninh report, {n:,} draws (load average {load0:.1f} before, {os.getloadavg()[0]:.1f} after; "
          f"{os.cpu_count()} cores); wall / CPU seconds:")
    print(f"  import of the report modules: {imp[0]:6.1f} / {imp[1]:6.1f}")
    print(f"  compute (once):               {comp[0]:6.1f} / {comp[1]:6.1f}")
    print(f"  render vi:                    {vi[0]:6.1f} / {vi[1]:6.1f}")
    print(f"  render en:                    {en[0]:6.1f} / {en[1]:6.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        parts = render_parts(data, "vi", tmp)
    print("  render vi once more, CPU seconds by part:")
    for k, v in sorted(parts.items(), key=lambda kv: kv[0] == "total"):
        print(f"    {k:34s} {v:6.2f}")
    seq = comp[0] + vi[0] + en[0]
    print(f"  compute share of vi+en rendered one after the other: {comp[0] / seq:.0%} of wall, "
          f"{comp[1] / (comp[1] + vi[1] + en[1]):.0%} of CPU")
    print(f"  run_report vi:    {one[0]:6.1f} s wall")
    print(f"  run_report vi,en: {two[0]:6.1f} s wall (languages in parallel workers) -> ratio vi+en / vi = "
          f"{two[0] / one[0]:.2f} (aim 1.35); one after the other it would be "
          f"{(comp[0] + vi[0] + en[0]) / (comp[0] + vi[0]):.2f}")
    print(f"  aim: vi,en in <= 10 s wall: {'met' if two[0] <= 10 else 'NOT met'}")


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 10_000
    if "--no-report" not in sys.argv:
        report_split(n)
    bundle = data.load_bundle()
    lv = L.load_levers()
    scs = [L.load_scenario(name, lv) for name in ("baseline", "plan_as_written", "waiver_plus", "all_levers")]
    geo, units = F.plan_units(bundle, "long_an_2025")
    cfg = S.RunConfig(n_draws=n, years=tuple(range(2025, 2031)), progress=False)
    targets = bundle.targets[bundle.targets["plan_id"] == "long_an_2025"].assign(used=True)

    t_base, base = best_of(lambda: S.simulate_baseline(bundle, geo, cfg, levers=lv, units=units))
    t_scen, run = best_of(lambda: S.run_scenarios(bundle, scs, baseline=base))
    t_verd, table = best_of(lambda: F.assess_run(run, targets))
    total = t_base + t_scen + t_verd
    cells = len(base.shares) * len(base.units) * n * len(cfg.years) * len(scs)
    print(f"Long An feasibility run: {len(base.shares)} indicators x {len(base.units)} units x {n:,} draws x "
          f"{len(cfg.years)} years x {len(scs)} scenarios = {cells:,} indicator-cell-draws")
    print(f"  baseline (trends, shocks, lever draws): {t_base:6.2f} s")
    print(f"  scenarios (levers, flows, costs):       {t_scen:6.2f} s")
    print(f"  verdicts ({len(table)} rows):              {t_verd:6.2f} s")
    print(f"  total:                                  {total:6.2f} s   aim {AIM_SECONDS:.0f} s   "
          f"ratio total/aim = {total / AIM_SECONDS:.2f} ({'meets' if total <= AIM_SECONDS else 'MISSES'} the aim)")
    print(f"  throughput: {cells / total:,.0f} indicator-cell-draws per second")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
