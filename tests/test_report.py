"""`simlib report`: computed once, rendered per language; every file, byte-identical reruns, Excel round trip,
a library folder with one district target edited, planner evidence, nothing partial on bad input.

One full report (both languages, through the command line, by the wheel installed outside the checkout) is written
per test session; the other tests check the computed tables without drawing, or re-render one language from the
same computation.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from simlib.apps.report import compute, render, run_report
from simlib.inputs.textio import ValidationError

from conftest import PLANNER_HEADER, REPO

DRAWS = 200  # small Monte Carlo in tests; make report uses 10,000
CASE = "long_an_2025"
HEAD = ("thcs_to_gdnn_sc_tc", "thpt_to_cao_dang")
CHARTS = (["targets_vs_evidence", "p_met"] + [f"fan_{i}" for i in HEAD] + [f"units_{i}" for i in HEAD]
          + [f"communes_{i}" for i in HEAD] + ["waterfall_thcs_to_gdnn_sc_tc", "tornado_thcs_to_gdnn_sc_tc"])
TABLES = ["feasibility", "targets_reachable", "contributions", "sensitivity", "costs", "capacity", "seats", "priors",
          "quota", "monitoring"]
EXPECTED = ({"audit.csv", "audit.txt", "audit_gaps.csv", "audit_aggregates.csv", "audit_contradictions.csv",
             "audit_outliers.csv", "run.json", "simlib_report.xlsx", "summary.html", "report.docx"}
            | {f"{c}.{ext}" for c in CHARTS for ext in ("png", "svg")} | {f"{t}.csv" for t in TABLES})


@pytest.fixture(scope="module")
def data():
    return compute(CASE, n_draws=DRAWS)


WHEEL = os.environ.get("SIMLIB_SKIP_WHEEL") != "1"  # SIMLIB_SKIP_WHEEL=1: no `pip wheel` (offline); run from here


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """`pip wheel .`, installed with `pip install --target` into a folder outside the checkout: (the folder, a folder
    to run from, the environment that imports simlib from there); None with SIMLIB_SKIP_WHEEL=1."""
    if not WHEEL:
        return None
    tmp = tmp_path_factory.mktemp("wheel")
    wheels, target, work = tmp / "wheels", tmp / "site", tmp / "elsewhere"
    work.mkdir()
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels),
                            str(REPO)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-3000:]
    (whl,) = wheels.glob("simlib-*.whl")
    inst = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(target),
                           str(whl)], capture_output=True, text=True)
    assert inst.returncode == 0, inst.stderr[-3000:]
    _copy_compiled_kernels(REPO / "simlib", target / "simlib")
    return target, work, {**os.environ, "PYTHONPATH": str(target), "MPLBACKEND": "Agg"}


def _copy_compiled_kernels(src: Path, dst: Path) -> int:
    """Put the numba cache the checkout's `make venv` built (`__pycache__/*.nbi`, `*.nbc` of the compiled modules)
    beside the installed modules: numba stamps a cache with the SHA-256 of its module's source and loads it only when
    the installed source is the same bytes, else it compiles as a fresh install does. Without it the installed
    report compiled every kernel again (about 40 of its 70 CPU-seconds). Returns the files copied."""
    n = 0
    for f in sorted(src.glob("*/__pycache__/_numba_*.nb[ic]")):
        module = f.parent.parent / (f.name.split(".", 1)[0] + ".py")
        there = dst / module.relative_to(src)
        if there.is_file() and there.read_bytes() == module.read_bytes():
            (there.parent / "__pycache__").mkdir(exist_ok=True)
            shutil.copy2(f, there.parent / "__pycache__" / f.name)
            n += 1
    return n


@pytest.fixture(scope="module")
def full(tmp_path_factory, installed):
    """The one full report of the suite: both languages from one computation, through the command line, written by
    the wheel installed outside the checkout (from the checkout with SIMLIB_SKIP_WHEEL=1): the report tests below
    check what an installed simlib writes, and `test_rerender_is_byte_identical` that it is what the checkout
    writes."""
    out = tmp_path_factory.mktemp("report")
    cwd, env = (REPO, None) if installed is None else (installed[1], installed[2])
    r = subprocess.run([sys.executable, "-m", "simlib", "report", "--case", CASE, "--out", str(out), "--lang",
                        "vi,en", "--draws", str(DRAWS)], capture_output=True, text=True, cwd=cwd, env=env)
    assert r.returncode == 0, r.stderr
    return out


@pytest.mark.skipif(not WHEEL, reason="SIMLIB_SKIP_WHEEL=1")
def test_wheel_installed_elsewhere_runs_the_report(installed, full):
    """`pip wheel .` then an install into another folder: simlib is imported from there (not from the checkout), its
    bundled data is there, and `python -m simlib report` ran from outside the checkout (the fixture `full`; the
    other tests check every file it wrote)."""
    target, work, env = installed
    assert (target / "simlib" / "bundled" / "observations.csv").is_file()
    assert (target / "simlib" / "bundled" / "cases" / "long_an_2025" / "case.yaml").is_file()
    where = subprocess.run([sys.executable, "-c", "import simlib; print(simlib.__file__)"], cwd=work, env=env,
                           capture_output=True, text=True)
    assert where.stdout.strip().startswith(str(target)), where.stdout + where.stderr
    assert (full / "vi" / "summary.html").stat().st_size > 0 and (full / "en" / "feasibility.csv").stat().st_size > 0


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_report_writes_every_file_non_empty(full, lang):
    a = full / lang
    assert {p.name for p in a.iterdir()} == EXPECTED
    assert all(p.stat().st_size > 0 for p in a.iterdir())
    audit_csv = pd.read_csv(a / "audit.csv")
    assert set(audit_csv["check"]) == {"contradictions", "aggregates", "gaps", "outliers"}
    for c in CHARTS:
        assert (a / f"{c}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (a / f"{c}.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_rerender_is_byte_identical(full, data, tmp_path):
    """Same inputs and seed: an independent computation and rendering give the same bytes."""
    files = render(data, "en", tmp_path)
    for p in files:
        assert p.read_bytes() == (full / "en" / p.name).read_bytes(), p.name


def test_languages_differ_only_in_words(full):
    vi, en = full / "vi", full / "en"
    for t in TABLES:  # the numbers are the same in both languages (the quota table's row label is in words)
        if t == "quota":
            a, b = (pd.read_csv(x / "quota.csv") for x in (vi, en))
            assert a.columns[0] == "quota_label" and a["quota_label"].iloc[0] == "Không đặt chỉ tiêu"
            assert b["quota_label"].iloc[0] == "No quota"
            pd.testing.assert_frame_equal(a.drop(columns="quota_label"), b.drop(columns="quota_label"))
            continue
        assert (vi / f"{t}.csv").read_bytes() == (en / f"{t}.csv").read_bytes(), t
        assert (vi / f"{t}.csv").read_bytes().startswith(b"\xef\xbb\xbf"), t  # Excel reads the diacritics
    html_vi = (vi / "summary.html").read_text(encoding="utf-8")
    html_en = (en / "summary.html").read_text(encoding="utf-8")
    assert '<html lang="vi"' in html_vi and '<html lang="en"' in html_en
    assert "Kết luận chính" in html_vi and "Key findings" in html_en
    for c in CHARTS:
        assert (vi / f"{c}.png").read_bytes() != (en / f"{c}.png").read_bytes(), c
    wb_vi = openpyxl.load_workbook(vi / "simlib_report.xlsx", read_only=True)
    wb_en = openpyxl.load_workbook(en / "simlib_report.xlsx", read_only=True)
    assert wb_vi.sheetnames[0] == "Tóm tắt" and wb_en.sheetnames[0] == "Summary"
    assert wb_vi.sheetnames[-1] == "Hướng dẫn" and wb_en.sheetnames[-1] == "README"
    h_vi = [c.value for c in next(wb_vi["Đánh giá chỉ tiêu"].iter_rows(max_row=1))]
    h_en = [c.value for c in next(wb_en["Verdicts"].iter_rows(max_row=1))]
    assert "Xác suất đạt" in h_vi and "P(target met)" in h_en
    # no code names or English verdicts in the Vietnamese workbook's summary
    rows = list(wb_vi["Tóm tắt"].iter_rows(values_only=True))
    human = [i for i, h in enumerate(rows[0]) if not str(h).startswith("Mã") and h != "Căn cứ số liệu"]
    cells = [str(r[i]) for r in rows for i in human if r[i] is not None]
    assert len(rows) > 1 and cells
    for code in ("very_unlikely", "very unlikely", "unlikely", "past_estimated", "thcs_to_gdnn_sc_tc", "True"):
        assert not any(code in c for c in cells), code


def test_excel_reopens_with_the_same_numbers(full):
    a = full / "en"
    wb = openpyxl.load_workbook(a / "simlib_report.xlsx")
    assert wb.sheetnames[0] == "Summary"
    csv = pd.read_csv(a / "feasibility.csv")
    ws = wb["Verdicts"]
    rows = list(ws.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(body) == len(csv)
    col, tid = header.index("P(target met)"), header.index("Target ID")
    sc = header.index("Scenario")
    got = {(r[tid], r[sc]): r[col] for r in body}
    titles = {"baseline": "Baseline"}
    for r in csv[csv["scenario"] == "baseline"].itertuples():
        v = got[(r.target_id, titles[r.scenario])]
        assert (v is None and pd.isna(r.p_met)) or abs(v - r.p_met) < 0.005 + 1e-12  # shown to two decimals
    assert all(isinstance(r[col], (int, float)) and not isinstance(r[col], bool)  # numbers are numbers, not text
               for r in body if r[col] is not None)
    assert ws.freeze_panes is not None and ws.auto_filter.ref is not None


def test_run_record_hashes_inputs(full):
    rec = json.loads((full / "vi" / "run.json").read_text(encoding="utf-8"))
    assert rec["simlib_version"] and rec["seed"] == 20251122 and rec["case"] == CASE
    assert rec["parameters"]["langs"] == ["vi"] and rec["parameters"]["n_draws"] == DRAWS
    assert set(rec["inputs_sha256"]) >= {"data/targets.csv", "data/observations.csv", "levers",
                                          "scenarios/baseline.yaml", "case/case.yaml"}
    assert all(len(h) == 64 for h in rec["inputs_sha256"].values())


def test_headline_numbers_in_tables(data):
    f = data.tables["feasibility"]
    row = f[(f["target_id"] == "la25.thcs.rate.app.total") & (f["scenario"] == "baseline")].iloc[0]
    assert row["verdict"] in {"very_unlikely", "unlikely"} and row["p_met"] < 0.25
    assert row["n_points"] == 2
    # the case's "today" is 2026: the 2025 target is past, and no 2025 outcome was published
    assert row["timing"] == "past_estimated" and row["note"].startswith("past_estimated(year=2025)")
    assert data.lever_indicator == "thcs_to_gdnn_sc_tc" and data.lever_scenario.name == "all_levers"


def test_library_folder_with_one_district_edited(data_copy, data):
    """Editing one district's target changes that target's rows, and nothing else."""
    targets = data_copy / "targets.csv"
    lines = targets.read_text(encoding="utf-8").splitlines(keepends=True)
    hit = [i for i, line in enumerate(lines) if line.startswith("la25.thcs.rate.app.tan_an,")]
    assert len(hit) == 1
    old = ',2025,>=,40.21,,,percent,"40,21",appendix,'
    assert old in lines[hit[0]]
    lines[hit[0]] = lines[hit[0]].replace(old, ',2025,>=,20.21,,,percent,"20,21",appendix,')
    targets.write_text("".join(lines), encoding="utf-8")
    edited = compute(CASE, data_dir=data_copy, n_draws=DRAWS)
    a, b = data.tables["feasibility"], edited.tables["feasibility"]
    changed = a.compare(b).index
    assert set(a.loc[changed, "target_id"]) == {"la25.thcs.rate.app.tan_an"}
    new = b[(b["target_id"] == "la25.thcs.rate.app.tan_an") & (b["scenario"] == "baseline")].iloc[0]
    was = a[(a["target_id"] == "la25.thcs.rate.app.tan_an") & (a["scenario"] == "baseline")].iloc[0]
    assert new["target_pct"] == pytest.approx(20.21) and new["p_met"] > was["p_met"]
    for name in ("targets_reachable", "seats", "contributions", "sensitivity", "costs"):
        pd.testing.assert_frame_equal(data.tables[name], edited.tables[name])


def test_bad_planner_file_writes_nothing(tmp_path, write):
    bad = write("bad.csv", PLANNER_HEADER + "Atlantis,thcs_graduates,2024,12,,,,,students,x\n")
    out = tmp_path / "out"
    with pytest.raises(ValidationError, match="unknown geography 'Atlantis'"):
        run_report(out, case=CASE, planner_file=bad, n_draws=50)
    assert not out.exists()


def test_corrupted_planner_file_stops_cli_with_message(tmp_path, write):
    bad = write("bad.csv", PLANNER_HEADER + "Tân An,thcs_to_gdnn_sc_tc,2024,abc,,,,,percent,x\n")
    out = tmp_path / "r"
    r = subprocess.run([sys.executable, "-m", "simlib", "report", "--out", str(out), "--planner", str(bad),
                        "--draws", "50"], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 1
    assert "bad.csv" in r.stderr and "row 2" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()


def test_planner_district_evidence_is_used(write):
    ok = write("mine.csv", PLANNER_HEADER + "Tân An,thcs_to_gdnn_sc_tc,2024,30,,,,,percent,Phòng GD Tân An 2024\n")
    d = compute(CASE, planner_file=ok, n_draws=DRAWS)
    f = d.tables["feasibility"]
    row = f[(f["target_id"] == "la25.thcs.rate.app.tan_an") & (f["scenario"] == "baseline")].iloc[0]
    assert row["evidence"] == "vn.long_an.tan_an" and row["last_year"] == 2024
    assert "planner/mine.csv" in d.inputs.files


def test_word_report_carries_what_a_department_signs(full):
    """The defensible targets, the communes (districts here) and the monitoring table, every chart with a caption,
    "Nơi nhận" and the signature block."""
    import zipfile

    xml = zipfile.ZipFile(full / "vi" / "report.docx").read("word/document.xml").decode("utf-8")
    for words in ("Chỉ tiêu có thể đăng ký", "Theo dõi tiến độ", "Nơi nhận", "GIÁM ĐỐC", "Các huyện"):
        assert words.upper() in xml.upper(), words
    n_png = sum(1 for p in (full / "vi").glob("*.png"))
    assert xml.count("<pic:pic") == n_png  # every chart is in the document
    assert xml.count("Hình ") >= n_png
    # the verdict table fits a portrait page: the province is named by the heading and all-"no" or empty columns
    # stay in the workbook (which keeps every one)
    import docx

    head = [[c.text for c in t.rows[0].cells] for t in docx.Document(full / "vi" / "report.docx").tables]
    verdicts = next(h for h in head if "Đánh giá" in h and "Xác suất đạt" in h)
    assert "Địa bàn" not in verdicts and "Minh họa" not in verdicts and len(verdicts) <= 9, verdicts
    sheet = openpyxl.load_workbook(full / "vi" / "simlib_report.xlsx", read_only=True).worksheets[0]
    assert {"Địa bàn", "Minh họa"} <= {c.value for c in next(sheet.iter_rows(max_row=1))}


def test_vietnamese_workbook_holds_no_english_phrases(full):
    """Every string cell of every sheet of the Vietnamese workbook, the HTML page and the Word report: no English
    word (tests/vi_words.py; machine-id columns and the lever file's quoted sources aside). And the English report
    of the same run does hold English there (the detector sees it)."""
    from vi_words import english_in_report, id_headers

    found = english_in_report(full / "vi", id_headers("vi"))
    assert not found, found[:10]
    assert len(english_in_report(full / "en", id_headers("en"))) > 20


@pytest.mark.parametrize("skewed", [False, True])
def test_tornado_and_waterfall_use_the_report_central_value(data, tmp_path, monkeypatch, skewed):
    """One central value per answer (issue 25): the waterfall starts at the baseline's median and ends at the
    lever scenario's median, its bars add up, and the tornado's centre line is that same median; the tornado's
    ends hold each input at its 10th and 90th percentile (the report's 80 % interval). ``skewed``: the levers'
    mean contributions cannot split the medians' difference (forced here): a last bar holds the rest."""
    import numpy as np

    from simlib.apps import render as R
    from simlib.apps import report_charts as RC

    sc, ind = data.lever_scenario, data.lever_indicator
    b = data.run.baseline
    j, k = b.unit_index(b.geography), b.year_index(b.years[-1])
    median_with = 100 * float(np.median(data.run.share(ind, sc.name)[:, j, k]))
    median_trend = 100 * float(np.median(b.trend[ind][:, j, k]))
    seen = {}

    def record(name):
        def fake(*args, **kw):
            seen[name] = (args, kw)
            from matplotlib.figure import Figure

            return Figure()
        return fake

    monkeypatch.setattr(R.charts, "waterfall", record("waterfall"))
    monkeypatch.setattr(R.charts, "tornado", record("tornado"))
    monkeypatch.setattr(R.charts, "save_figure", lambda fig, path, **kw: path)
    if skewed:
        monkeypatch.setattr(RC, "_scalable", lambda gap, parts: False)
    RC._lever_charts(R._Ctx(data, "vi", tmp_path))
    (parts,), kw = seen["waterfall"]
    assert kw["baseline"] == pytest.approx(median_trend) and kw["total"] == pytest.approx(median_with)
    assert kw["baseline"] + float(parts.sum()) == pytest.approx(kw["total"])  # the bars add up
    assert any("Phần còn lại" in str(p) for p in parts.index) == skewed
    (sens,), kw = seen["tornado"]
    assert kw["base"] == pytest.approx(median_with, abs=1e-9)  # the sensitivity's centre is the same median
    assert (sens["base"] == kw["base"]).all()
    trend = sens[sens["parameter"] == R.t("param.trend", "vi")].iloc[0]
    assert trend["low"] < median_with < trend["high"]  # the trend held at its 10th and 90th percentiles
