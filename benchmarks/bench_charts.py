"""Benchmark: building and saving the report's charts (a fixed layout, no tight-bbox pass).

Run: .venv/bin/python benchmarks/bench_charts.py [REPEAT]

For each chart of the sample report (tools/sample_report.py, synthetic inputs):
seconds to build it, to save the PNG (200 dpi) and the SVG, each the best of
REPEAT runs (default 3). Prints the ratio PNG save / one full draw at 200 dpi:
with the layout fixed once, a save is one draw (ratio about 1); a tight
bounding box would add a second draw (ratio about 2).
Speed is measured here, never in the test suite.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

import sample_report  # noqa: E402

from simlib.present import charts  # noqa: E402


def best_of(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> int:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    # build each chart through the sample report's own code, then time each part
    made: dict = {}
    real_save = charts.save_figure

    def keep(fig, path, **kw):
        made[Path(path).stem] = fig
        return Path(path)

    charts.save_figure = keep
    try:
        with tempfile.TemporaryDirectory() as tmp:
            t_all = best_of(lambda: sample_report.build(Path(tmp), "vi"), repeat)
    finally:
        charts.save_figure = real_save
    print(f"build all six charts (vi): {t_all:.2f} s (best of {repeat})")
    print(f"{'chart':22s} {'draw':>7s} {'png':>7s} {'svg':>7s} {'png/draw':>9s} {'mpl png':>8s} {'mpl svg':>8s}")
    total = [0.0, 0.0, 0.0, 0.0]
    with tempfile.TemporaryDirectory() as tmp:
        for name, fig in made.items():
            fig.set_dpi(200)
            t_draw = best_of(lambda: fig.canvas.draw(), repeat)
            t_png = best_of(lambda: real_save(fig, Path(tmp) / f"{name}.png"), repeat)
            t_svg = best_of(lambda: real_save(fig, Path(tmp) / f"{name}.svg"), repeat)
            # matplotlib's own savefig of the same figure (its plain Agg and SVG backends: no shared text
            # sizes, glyph layouts or glyph images), the files tests/test_chart_files.py compares with
            t_mpng = best_of(lambda: _matplotlib_save(fig, Path(tmp) / f"m_{name}.png"), repeat)
            t_msvg = best_of(lambda: _matplotlib_save(fig, Path(tmp) / f"m_{name}.svg"), repeat)
            print(f"{name:22s} {t_draw:7.2f} {t_png:7.2f} {t_svg:7.2f} {t_png / t_draw:9.2f} {t_mpng:8.2f} "
                  f"{t_msvg:8.2f}")
            for k, v in enumerate((t_png, t_svg, t_mpng, t_msvg)):
                total[k] += v
    print(f"matplotlib's savefig / ours, all charts: PNG {total[2] / total[0]:.2f}x, SVG {total[3] / total[1]:.2f}x")
    return 0


def _matplotlib_save(fig, path: Path) -> None:
    backend = "svg" if path.suffix == ".svg" else "agg"
    with matplotlib.rc_context({"svg.hashsalt": "simlib", "svg.fonttype": "path"}):
        fig.savefig(path, dpi=200, metadata={"Software": None} if backend == "agg" else {"Date": None, "Creator": None},
                    facecolor="white", backend=backend)


if __name__ == "__main__":
    raise SystemExit(main())
