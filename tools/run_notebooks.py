"""Execute notebooks in place, top to bottom, so that their stored outputs are clean (``make notebooks``).

``python tools/run_notebooks.py notebooks/01_targets_and_evidence.ipynb [...]``

Why not plain ``jupyter nbconvert --execute --inplace``: it records cell timings (metadata that changes
on every run), stores the widget state of the scenario explorer (notebook 07: about 150 KB that
JupyterLab rewrites when the notebook is opened) and keeps a widget's output, which refers to a model
that exists only in the running kernel. This script executes each notebook with nbclient in its own
folder (kernel ``python3``, figures inline), without timings or widget state; it replaces a widget's
output by a short text for readers without a kernel (the notebook's static views are what they see)
and writes nbformat 4.5 with a cell id on every cell, so that opening a notebook in JupyterLab does not
change the file. It prints each notebook's run time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_TEXT = ("[interactive widget: it runs only in a live kernel. Open the notebook in JupyterLab and run it "
               "(Run > Run All Cells) to use it; the static views above show the same results.]")


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what changes from run to run or needs a kernel: timings, widget state, widget outputs."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        for out in cell.outputs:
            data = out.get("data")
            if data and WIDGET_VIEW in data:
                out["data"] = {"text/plain": WIDGET_TEXT}
                out["metadata"] = {}
    return nb


def run(path: Path, timeout: int) -> float:
    nb = nbformat.read(path, as_version=4)
    if nb.nbformat_minor < 5:
        raise SystemExit(f"{path}: nbformat 4.{nb.nbformat_minor}; notebooks must be 4.5 with cell ids")
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            store_widget_state=False, resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    elapsed = time.perf_counter() - start
    nbformat.validate(nb)
    nbformat.write(clean(nb), path)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="+", type=Path)
    ap.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    args = ap.parse_args(argv)
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"  # figures stored as PNG
    for path in args.notebooks:
        elapsed = run(path, args.timeout)
        print(f"{path}: executed in {elapsed:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
