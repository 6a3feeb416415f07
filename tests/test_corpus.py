"""The corpus: every planner's file either reads right or says exactly why not, and is never modified.

The files are written by the seeded generator ``tests/corpus/generate.py``
(plus three committed .xls fixtures, see ``tests/corpus/make_xls.py``); each
carries the numbers it must read, computed by the generator from its own
truth table, or the words its refusal must contain and how many problems it
lists (one per cause).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simlib.errors import SimlibError
from simlib.inputs.bundle import load_reference, validate_file
from simlib.inputs.textio import ValidationError

from corpus import generate as G

_TMP = tempfile.TemporaryDirectory(prefix="simlib-corpus-")
DIR = Path(_TMP.name)
CASES = G.write_corpus(DIR)
REF = load_reference()


def _state(p: Path):
    return hashlib.sha256(p.read_bytes()).hexdigest(), os.stat(p).st_mtime_ns, os.stat(p).st_size


def _read(df):
    return sorted(zip(df["geography"], df["indicator"], df["year"].astype(int), df["value_share"].astype(float).round(6)))


def test_the_corpus_is_large_and_covers_every_class():
    files = {c.file for c in CASES}
    assert len(files) >= 60, len(files)
    kinds = Counter(Path(f).suffix for f in files)
    assert kinds[".xlsx"] >= 15 and kinds[".csv"] >= 25 and kinds[".ods"] >= 4 and kinds[".xls"] >= 3, kinds
    classes = {c.cls for c in CASES}
    assert {"csv", "unicode", "xlsx", "title_block", "percent_format", "merged_header", "sheets", "ods", "xls",
            "places", "meaning", "one_rule_set", "formulas", "encoding", "language", "refuse", "case"} <= classes
    assert sum(c.rows is None for c in CASES) >= 25 and sum(c.rows is not None for c in CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_file(case):
    path = DIR / case.file
    before = _state(path)
    if case.rows is not None:
        df = validate_file(path, **case.options)
        assert _read(df) == case.rows
        notes = "\n".join(df.attrs["notes"])
        for w in case.words:
            assert w in notes, (w, notes)
    else:
        with pytest.raises(SimlibError) as exc:
            validate_file(path, **case.options)
        msg = str(exc.value)
        assert "Traceback" not in msg
        for w in case.words:
            assert w in msg, (w, msg)
        for w in case.absent:
            assert w not in msg, (w, msg)
        if case.n_problems is not None:
            assert isinstance(exc.value, ValidationError)
            assert len(exc.value.problems) == case.n_problems, [str(p) for p in exc.value.problems]
        if isinstance(exc.value, ValidationError):
            for p in exc.value.problems:  # every problem names the file; cell problems name row and column
                assert p.file.endswith(case.file)
    assert _state(path) == before, "the input file was modified"


def test_suggestions_are_never_repeated():
    for case in CASES:
        if case.rows is not None:
            continue
        try:
            validate_file(DIR / case.file, **case.options)
        except ValidationError as exc:
            for p in exc.problems:
                if "did you mean" in p.message:
                    part = p.message.split("did you mean", 1)[1].split("?")[0]
                    shown = [s.strip() for s in part.split(" or ")]
                    assert len(shown) == len(set(shown)), p.message
        except SimlibError:
            pass


def test_generator_is_deterministic(tmp_path):
    G.write_corpus(tmp_path / "a")
    G.write_corpus(tmp_path / "b")
    for p in sorted((tmp_path / "a").glob("*.csv")):
        assert p.read_bytes() == (tmp_path / "b" / p.name).read_bytes(), p.name


# ----------------------------------------------------------------------------
# Property: one table, any supported format, encoding or layout, the same numbers
# ----------------------------------------------------------------------------

NAMES = G.LONG_AN


@st.composite
def tables(draw):
    k = draw(st.integers(1, 5))
    units = draw(st.permutations(NAMES))[:k]
    years = draw(st.lists(st.integers(2015, 2025), min_size=1, max_size=3, unique=True))
    rows = []
    for name, gid in units:
        for y in years:
            v = draw(st.integers(100, 9999)) / 100  # 1.00 % .. 99.99 %, two decimals (values all below 1 % under
            # unit percent are refused as probable shares: see test_corpus_file[percent_unit_values_look_like_shares])
            rows.append(G.Row(name, gid, y, v, 0, 0))
    return rows


LAYOUTS = ["csv", "csv_bom_semicolon", "csv_utf16_tab", "csv_cp1258", "csv_sep_line", "csv_title", "csv_nfd",
           "xlsx_numbers", "xlsx_text", "xlsx_percent", "xlsx_title_block", "xlsx_title_percent", "ods",
           "ods_percent"]


def write_layout(rows, layout: str, folder: Path) -> Path:
    p = folder / f"t_{layout}"
    if layout.startswith("csv"):
        comma = layout != "csv"
        table = G.plain_table(rows, comma=comma)
        kw = {}
        if layout == "csv_bom_semicolon":
            kw = {"delimiter": ";", "bom": True}
        elif layout == "csv_utf16_tab":
            kw = {"delimiter": "\t", "encoding": "utf-16"}
        elif layout == "csv_cp1258":
            kw = {"delimiter": ";", "encoding": "cp1258"}
        elif layout == "csv_sep_line":
            kw = {"delimiter": ";", "sep_line": True}
        elif layout == "csv_title":
            table = [["UBND TỈNH LONG AN"], ["BIỂU TỔNG HỢP"], []] + table
            kw = {"delimiter": ";"}
        elif layout == "csv_nfd":
            table = [[unicodedata.normalize("NFD", c) if isinstance(c, str) else c for c in r] for r in table]
        return G.write_csv(p.with_suffix(".csv"), table, **kw)
    if layout in ("xlsx_numbers", "xlsx_text", "xlsx_percent", "ods", "ods_percent"):
        sh = G.Sheet("S", G.plain_table(rows, as_text=layout == "xlsx_text", comma=True))
        if layout.endswith("percent"):
            sh.cells = [sh.cells[0]] + [r[:3] + [r[3] / 100] + r[4:] for r in sh.cells[1:]]
            sh.pct = {(i, 4) for i in range(2, len(rows) + 2)}
        if layout.startswith("ods"):
            return G.write_ods(p.with_suffix(".ods"), [sh])
        return G.write_xlsx(p.with_suffix(".xlsx"), [sh])
    return G.write_xlsx(p.with_suffix(".xlsx"), [G.title_block_sheet(rows, pct_cells=layout == "xlsx_title_percent")])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=tables(), layout=st.sampled_from(LAYOUTS))
def test_any_layout_reads_the_same_numbers(tmp_path, rows, layout):
    from simlib.inputs.bundle import load_planner_file

    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    p = write_layout(rows, layout, folder)
    df = load_planner_file(p, ref=REF)
    want = sorted((r.geo_id, G.IND, r.year, round(r.value / 100, 6)) for r in rows)
    assert _read(df) == want
