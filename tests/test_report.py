"""`simlib report`: every file in both languages, byte-identical reruns, Excel round trip,
a planner folder with one district edited, nothing partial on bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

from simlib.apps.report import run_report
from simlib.inputs.textio import ValidationError

from conftest import PLANNER_HEADER, REPO

DRAWS = 200  # small Monte Carlo in tests; make report uses 10,000
CHARTS = ["targets_vs_evidence", "fan_thcs", "fan_thpt", "districts_thcs", "districts_thpt", "p_met",
          "waterfall_thcs", "tornado_thcs"]
TABLES = ["feasibility", "targets_2030", "contributions", "sensitivity", "costs", "capacity", "seats", "priors"]
EXPECTED = ({"audit.csv", "audit.txt", "audit_gaps.csv", "audit_aggregates.csv", "audit_contradictions.csv",
             "audit_outliers.csv", "run.json", "simlib_report.xlsx", "summary.html"}
            | {f"{c}.{ext}" for c in CHARTS for ext in ("png", "svg")} | {f"{t}.csv" for t in TABLES})


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = {}
    for lang in ("vi", "en"):
        a, b = tmp_path_factory.mktemp(f"{lang}a"), tmp_path_factory.mktemp(f"{lang}b")
        run_report(a, lang=lang, n_draws=DRAWS)
        run_report(b, lang=lang, n_draws=DRAWS)
        out[lang] = (a, b)
    return out


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_report_writes_every_file_non_empty(runs, lang):
    a, _ = runs[lang]
    assert {p.name for p in a.iterdir()} == EXPECTED
    assert all(p.stat().st_size > 0 for p in a.iterdir())
    audit_csv = pd.read_csv(a / "audit.csv")
    assert set(audit_csv["check"]) == {"contradictions", "aggregates", "gaps", "outliers"}
    for c in CHARTS:
        assert (a / f"{c}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_reruns_are_byte_identical(runs, lang):
    a, b = runs[lang]
    for name in EXPECTED:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_languages_differ_only_in_words(runs):
    vi, en = runs["vi"][0], runs["en"][0]
    # the numbers are the same in both languages
    for t in TABLES:
        pd.testing.assert_frame_equal(pd.read_csv(vi / f"{t}.csv"), pd.read_csv(en / f"{t}.csv"))
    html_vi = (vi / "summary.html").read_text(encoding="utf-8")
    html_en = (en / "summary.html").read_text(encoding="utf-8")
    assert '<html lang="vi"' in html_vi and '<html lang="en"' in html_en
    assert "Kết luận chính" in html_vi and "Headline" in html_en
    assert "Xác suất đạt mục tiêu" in (vi / "p_met.svg").read_text(encoding="utf-8") or \
        "Xác suất" in html_vi
    wb_vi = openpyxl.load_workbook(vi / "simlib_report.xlsx", read_only=True)
    wb_en = openpyxl.load_workbook(en / "simlib_report.xlsx", read_only=True)
    h_vi = [c.value for c in next(wb_vi["feasibility"].iter_rows(max_row=1))]
    h_en = [c.value for c in next(wb_en["feasibility"].iter_rows(max_row=1))]
    assert "Xác suất đạt" in h_vi and "P(target met)" in h_en


def test_excel_reopens_with_the_same_numbers(runs):
    a = runs["en"][0]
    wb = openpyxl.load_workbook(a / "simlib_report.xlsx")
    assert wb.sheetnames[0] == "README"
    csv = pd.read_csv(a / "feasibility.csv")
    ws = wb["feasibility"]
    rows = list(ws.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(body) == len(csv)
    col = header.index("P(target met)")
    got = pd.Series([r[col] for r in body], dtype="float64")
    pd.testing.assert_series_equal(got.round(4), csv["p_met"].round(4), check_names=False)
    # numbers are numbers, not text
    assert all(isinstance(r[col], float) for r in body if r[col] is not None)
    t2030 = pd.read_csv(a / "targets_2030.csv")
    ws = wb["targets_2030"]
    vals = [r for r in ws.iter_rows(min_row=2, values_only=True)]
    assert len(vals) == len(t2030)


def test_run_record_hashes_inputs(runs):
    rec = json.loads((runs["vi"][0] / "run.json").read_text(encoding="utf-8"))
    assert rec["simlib_version"] and rec["seed"] == 20251122
    assert rec["parameters"]["lang"] == "vi" and rec["parameters"]["n_draws"] == DRAWS
    assert set(rec["inputs_sha256"]) >= {"data/targets.csv", "data/observations.csv", "data/levers.yaml",
                                          "data/scenarios/baseline.yaml"}
    assert all(len(h) == 64 for h in rec["inputs_sha256"].values())


def test_headline_numbers_in_tables(runs):
    f = pd.read_csv(runs["en"][0] / "feasibility.csv")
    row = f[(f["target_id"] == "la25.thcs.rate.app.total") & (f["scenario"] == "baseline")].iloc[0]
    assert row["verdict"] in {"very unlikely", "unlikely"} and row["p_met"] < 0.25
    assert row["n_points"] == 2


def test_planner_folder_with_one_district_edited(tmp_path, data_copy, runs):
    """Editing one district's target changes that target's rows and the district chart, nothing else."""
    targets = data_copy / "targets.csv"
    text = targets.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    hit = [i for i, line in enumerate(lines) if line.startswith("la25.thcs.rate.app.tan_an,")]
    assert len(hit) == 1
    old = ',2025,>=,40.21,,,percent,"40,21",appendix,'
    assert old in lines[hit[0]]
    lines[hit[0]] = lines[hit[0]].replace(old, ',2025,>=,20.21,,,percent,"20,21",appendix,')
    targets.write_text("".join(lines), encoding="utf-8")
    out = tmp_path / "out"
    run_report(out, data_dir=data_copy, lang="en", n_draws=DRAWS)
    ref = runs["en"][0]
    a = pd.read_csv(ref / "feasibility.csv")
    b = pd.read_csv(out / "feasibility.csv")
    changed = a.compare(b).index
    assert set(a.loc[changed, "target_id"]) == {"la25.thcs.rate.app.tan_an"}
    tan_an = b[(b["target_id"] == "la25.thcs.rate.app.tan_an") & (b["scenario"] == "baseline")].iloc[0]
    old = a[(a["target_id"] == "la25.thcs.rate.app.tan_an") & (a["scenario"] == "baseline")].iloc[0]
    assert tan_an["target_pct"] == pytest.approx(20.21) and tan_an["p_met"] > old["p_met"]
    # the province's charts and the other tables are untouched; the district chart changes
    for name in ["fan_thcs.png", "fan_thpt.png", "districts_thpt.png", "targets_2030.csv", "seats.csv"]:
        assert (out / name).read_bytes() == (ref / name).read_bytes(), name
    assert (out / "districts_thcs.png").read_bytes() != (ref / "districts_thcs.png").read_bytes()


def test_bad_planner_file_writes_nothing(tmp_path, write):
    bad = write("bad.csv", PLANNER_HEADER + "Atlantis,thcs_graduates,2024,12,,,,,students,x\n")
    out = tmp_path / "out"
    with pytest.raises(ValidationError, match="unknown geography 'Atlantis'"):
        run_report(out, planner_file=bad, n_draws=50)
    assert not out.exists()


def test_corrupted_planner_file_stops_cli_with_message(tmp_path, write):
    bad = write("bad.csv", PLANNER_HEADER + "Tân An,thcs_to_gdnn_sc_tc,2024,abc,,,,,percent,x\n")
    out = tmp_path / "r"
    r = subprocess.run([sys.executable, "-m", "simlib", "report", "--out", str(out), "--planner", str(bad),
                        "--draws", "50"], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 1
    assert "bad.csv" in r.stderr and "row 2" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()


def test_planner_district_evidence_is_used(tmp_path, write):
    ok = write("mine.csv", PLANNER_HEADER + "Tân An,thcs_to_gdnn_sc_tc,2024,30,,,,,percent,Phòng GD Tân An 2024\n")
    out = tmp_path / "r"
    run_report(out, planner_file=ok, lang="en", n_draws=DRAWS)
    f = pd.read_csv(out / "feasibility.csv")
    row = f[(f["target_id"] == "la25.thcs.rate.app.tan_an") & (f["scenario"] == "baseline")].iloc[0]
    assert row["evidence"] == "vn.long_an.tan_an" and row["last_year"] == 2024
    rec = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert "mine.csv" in rec["inputs_sha256"]


def test_cli_report(tmp_path):
    r = subprocess.run([sys.executable, "-m", "simlib", "report", "--out", str(tmp_path / "r"), "--lang", "en",
                        "--draws", "100"], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stderr
    assert {p.name for p in (tmp_path / "r").iterdir()} == EXPECTED
