"""Static checks of the planners' notebooks (fast: nothing is executed; nbval re-executes them in ``make test``).

Every notebook in ``notebooks/`` must:

* be nbformat 4.5 (or later) with an id on every cell (``tools/run_notebooks.py`` writes them so);
* have a code cell tagged ``parameters`` (papermill-style);
* tell its story: an English notebook states its **Question** (a heading or a bold ``**Question.**`` paragraph)
  and has ``Answer`` and ``Caveats`` headings (a notebook is English unless its metadata says
  ``{"simlib": {"lang": "vi"}}``);
* import simlib (logic lives in simlib; a notebook presents it);
* store no error output, and tag with ``nbval-check-output`` only cells whose output is text (never a figure);
* store no absolute path of the machine it ran on (``/work``, ``/tmp``, ``/home``);
* have been executed top to bottom once: execution counts 1, 2, 3, ... in cell order;
* say "illustrative" wherever generated data is shown: a cell (source or printed text) that mentions generated,
  synthetic, invented or placeholder data says "illustrative" too, and every call of a simlib chart that draws
  simulated values (``fan_chart``, ``small_multiples``, ``waterfall``, ``tornado``, ``probability_bars``) sets its
  ``illustrative=`` flag explicitly (the chart then prints the label).

Each check is a function returning a list of problems; the last tests break a small in-memory notebook in one way
at a time and assert that the matching check, and only it, reports it.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))

GENERATED = re.compile(r"\b(generated|synthetic|invented|invents|placeholders?|made[- ]up)\b", re.I)
ILLUSTRATIVE = re.compile(r"illustrative|minh họa|minh hoạ", re.I)
ABSOLUTE = re.compile(r"(?<![\w.~-])/(?:work|tmp|home)/")
SIM_CHARTS = re.compile(r"\bcharts\.(fan_chart|small_multiples|waterfall|tornado|probability_bars)\(")
IMAGE = ("image/png", "image/svg+xml", "image/jpeg")


def _text(output) -> str:
    if output.get("output_type") == "stream":
        return output.get("text", "")
    data = output.get("data", {})
    return data.get("text/plain", "") if isinstance(data.get("text/plain", ""), str) else ""


def _english(nb) -> bool:
    return nb.metadata.get("simlib", {}).get("lang", "en") == "en"


def check_format(nb) -> list[str]:
    out = []
    if (nb.nbformat, nb.nbformat_minor) < (4, 5):
        out.append(f"nbformat {nb.nbformat}.{nb.nbformat_minor}, not 4.5")
    missing = [i for i, c in enumerate(nb.cells) if not c.get("id")]
    if missing:
        out.append(f"cells without an id: {missing}")
    return out


def check_parameters(nb) -> list[str]:
    ok = any(c.cell_type == "code" and "parameters" in c.metadata.get("tags", []) for c in nb.cells)
    return [] if ok else ["no code cell tagged 'parameters'"]


def check_story(nb) -> list[str]:
    if not _english(nb):
        return []
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    heads = [ln for ln in md.splitlines() if re.match(r"#{1,6} ", ln)]
    out = []
    if not (any("Question" in h for h in heads) or re.search(r"^\*\*Question\.?\*\*", md, re.M)):
        out.append("no Question (heading or '**Question.**' paragraph)")
    for word in ("Answer", "Caveats"):
        if not any(re.search(rf"\b{word}\b", h) for h in heads):
            out.append(f"no '{word}' heading")
    return out


def check_imports_simlib(nb) -> list[str]:
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    return [] if re.search(r"^\s*(from simlib\b|import simlib\b)", code, re.M) else ["does not import simlib"]


def check_outputs(nb) -> list[str]:
    out = []
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code":
            continue
        for o in c.get("outputs", []):
            if o.get("output_type") == "error":
                out.append(f"cell {i}: error output {o.get('ename')}")
            elif o.get("name") == "stderr" and "Traceback" in o.get("text", ""):
                out.append(f"cell {i}: a traceback on stderr")
        if "nbval-check-output" in c.metadata.get("tags", []) and any(
                k in o.get("data", {}) for o in c.get("outputs", []) for k in IMAGE):
            out.append(f"cell {i}: tagged nbval-check-output but shows a figure")
    return out


def check_paths(nb) -> list[str]:
    out = []
    for i, c in enumerate(nb.cells):
        texts = [c.source] + [_text(o) for o in c.get("outputs", [])]
        texts += [str(v) for o in c.get("outputs", []) for k, v in o.get("data", {}).items()
                  if k.startswith("text/") and k != "text/plain"]
        hit = next((m.group(0) for t in texts if (m := ABSOLUTE.search(t))), None)
        if hit:
            out.append(f"cell {i}: absolute path {hit!r}")
    return out


def check_execution_order(nb) -> list[str]:
    counts = [c.get("execution_count") for c in nb.cells if c.cell_type == "code"]
    want = list(range(1, len(counts) + 1))
    return [] if counts == want else [f"execution counts {counts}, not {want[:3]}... in order"]


def check_illustrative(nb) -> list[str]:
    out = []
    for i, c in enumerate(nb.cells):
        texts = [c.source] + [_text(o) for o in c.get("outputs", [])]
        for t in texts:
            m = GENERATED.search(t)
            if m and not ILLUSTRATIVE.search(t):
                out.append(f"cell {i}: mentions {m.group(0)!r} data without saying 'illustrative'")
                break
        if c.cell_type == "code":
            for call in SIM_CHARTS.finditer(c.source):
                rest = c.source[call.end():]
                depth, end = 1, 0
                for end, ch in enumerate(rest):
                    depth += (ch == "(") - (ch == ")")
                    if depth == 0:
                        break
                if "illustrative=" not in rest[:end]:
                    out.append(f"cell {i}: charts.{call.group(1)} without an explicit illustrative= flag")
    return out


CHECKS = [check_format, check_parameters, check_story, check_imports_simlib, check_outputs, check_paths,
          check_execution_order, check_illustrative]


def problems(nb) -> dict[str, list[str]]:
    return {f.__name__: p for f in CHECKS if (p := f(nb))}


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 7


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook(path):
    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    assert problems(nb) == {}, f"{path.name}: {problems(nb)}"


# ----------------------------------------------------------------------------------------------------------------
# the checks themselves: a good notebook passes, each deliberately broken copy fails the matching check only
# ----------------------------------------------------------------------------------------------------------------
def _good():
    nb = nbformat.v4.new_notebook()
    nb.nbformat_minor = 5
    md = nbformat.v4.new_markdown_cell
    code = nbformat.v4.new_code_cell
    cells = [
        md("# 99 · A test\n\n**Question.** Does it work?"),
        code("N_DRAWS = 100", metadata={"tags": ["parameters"]}, execution_count=1),
        code("from simlib.present import charts\nprint('P(met) 0.50')", execution_count=2,
             metadata={"tags": ["nbval-check-output"]},
             outputs=[nbformat.v4.new_output("stream", name="stdout", text="P(met) 0.50\n")]),
        code("display(charts.fan_chart(q, lang='en',\n    illustrative=True))", execution_count=3,
             outputs=[nbformat.v4.new_output("display_data",
                                             data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})]),
        md("The cohort is a generated, ILLUSTRATIVE estimate.\n\n## Answer\n\nYes.\n\n## Caveats\n\n* Few points."),
    ]
    for k, c in enumerate(cells):
        c.id = f"cell-{k}"
    nb.cells = cells
    nbformat.validate(nb)
    return nb


def _break_format(nb):
    del nb.cells[2]["id"]


def _break_parameters(nb):
    nb.cells[1].metadata["tags"] = []


def _break_story(nb):
    nb.cells[-1].source = nb.cells[-1].source.replace("## Caveats", "## Notes")


def _break_imports(nb):
    nb.cells[2].source = nb.cells[2].source.replace("from simlib.present import charts", "import numpy")


def _break_outputs(nb):
    nb.cells[2].outputs.append(nbformat.v4.new_output("error", ename="KeyError", evalue="'x'", traceback=[]))


def _break_outputs_tag(nb):
    nb.cells[3].metadata["tags"] = ["nbval-check-output"]


def _break_paths(nb):
    nb.cells[2].outputs[0]["text"] = "wrote /tmp/report/summary.html\n"


def _break_paths_source(nb):
    nb.cells[1].source = "DATA = '/home/planner/data'"


def _break_order(nb):
    nb.cells[2].execution_count, nb.cells[3].execution_count = 3, 2


def _break_unexecuted(nb):
    nb.cells[3].execution_count = None


def _break_illustrative_text(nb):
    nb.cells[-1].source = nb.cells[-1].source.replace(", ILLUSTRATIVE", "")


def _break_illustrative_chart(nb):
    nb.cells[3].source = "display(charts.fan_chart(q, lang='en'))\nillustrative = True"


BREAKS = {
    "check_format": [_break_format],
    "check_parameters": [_break_parameters],
    "check_story": [_break_story],
    "check_imports_simlib": [_break_imports],
    "check_outputs": [_break_outputs, _break_outputs_tag],
    "check_paths": [_break_paths, _break_paths_source],
    "check_execution_order": [_break_order, _break_unexecuted],
    "check_illustrative": [_break_illustrative_text, _break_illustrative_chart],
}


def test_good_notebook_passes():
    assert problems(_good()) == {}


def test_every_check_has_a_broken_copy():
    assert set(BREAKS) == {f.__name__ for f in CHECKS}


@pytest.mark.parametrize("check,brk", [(c, b) for c, bs in BREAKS.items() for b in bs],
                         ids=[b.__name__ for bs in BREAKS.values() for b in bs])
def test_broken_copy_fails_its_check(check, brk):
    nb = copy.deepcopy(_good())
    brk(nb)
    assert list(problems(nb)) == [check], problems(nb)


def test_vietnamese_notebook_needs_no_english_headings():
    nb = copy.deepcopy(_good())
    _break_story(nb)
    nb.metadata["simlib"] = {"lang": "vi"}
    assert problems(nb) == {}
