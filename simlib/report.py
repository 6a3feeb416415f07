"""The main job: regenerate the audit tables and charts from ``data/``.

``python -m simlib report --out reports`` (what ``make report`` runs) writes:

* ``audit.csv``: every audit check as one long table (``check`` column);
* ``audit_gaps.csv``, ``audit_aggregates.csv``, ``audit_contradictions.csv``,
  ``audit_outliers.csv``: the same checks one file each;
* ``audit.txt``: the plain-language audit, as printed by ``simlib audit``;
* ``targets_vs_evidence.png`` and ``.svg``: the chart of targets against observations;
* ``run.json``: parameters, simlib version and SHA-256 of every input file.

All inputs are validated first; on any problem nothing is written.
Identical inputs give byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

import simlib
from simlib.audit import audit
from simlib.data import FILES, load_bundle, load_planner_file
from simlib.plots import plot_targets_vs_evidence, save_figure

__all__ = ["run_report"]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_report(out: str | Path = "reports", *, data_dir: str | Path | None = None,
               planner_file: str | Path | None = None, plans: list[str] | None = None) -> list[Path]:
    """Validate the inputs, run the audit and write tables and charts to ``out``.

    Files are first written to a temporary folder and moved into ``out`` only
    when everything succeeded, so a failed run leaves no partial results.

    Returns
    -------
    list of Path
        The files written.
    """
    bundle = load_bundle(data_dir)
    planner = load_planner_file(planner_file, ref=bundle.reference) if planner_file else None
    result = audit(bundle, plans=plans, planner_data=planner)
    out = Path(out)
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        result.to_frame().to_csv(t / "audit.csv", index=False, lineterminator="\n", float_format="%.4f")
        for name in ("gaps", "aggregates", "contradictions", "outliers"):
            getattr(result, name).to_csv(t / f"audit_{name}.csv", index=False, lineterminator="\n", float_format="%.4f")
        (t / "audit.txt").write_text(result.to_text(bundle) + "\n", encoding="utf-8")
        fig = plot_targets_vs_evidence(bundle)
        save_figure(fig, t / "targets_vs_evidence.png")
        save_figure(fig, t / "targets_vs_evidence.svg")
        plt.close(fig)
        inputs = {f"data/{fname}": _sha256(bundle.data_dir / fname) for fname in FILES.values()}
        if planner_file:
            inputs[str(planner_file)] = _sha256(Path(planner_file))
        record = {
            "simlib_version": simlib.__version__,
            "command": "report",
            "parameters": {"plans": plans or "all", "data_dir": str(data_dir or "data (bundled)"),
                           "planner_file": str(planner_file) if planner_file else None},
            "seed": None,
            "inputs_sha256": inputs,
            "outputs": sorted(p.name for p in t.iterdir()) + ["run.json"],
        }
        (t / "run.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for p in sorted(t.iterdir()):
            dest = out / p.name
            shutil.copyfile(p, dest)
            written.append(dest)
    return written
