"""The corpus, round 2 (issue 23): case folders, scenario files and output safety.

Case folders and scenario files come from ``tests/corpus/cases.py`` with the words each refusal must contain or the
targets each must read; output safety is checked on the report's folder mechanics (``--out``) and on the one place
charts take planner text.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

from simlib.apps.cli import main
from simlib.apps.report import OutputFolderError, check_out, run_report
from simlib.errors import SimlibError
from simlib.evidence.audit import audit
from simlib.inputs.case import load_case, load_case_inputs

from corpus import cases as C

_TMP = tempfile.TemporaryDirectory(prefix="simlib-cases-")
FOLDERS = C.write_case_corpus(Path(_TMP.name))


def test_the_case_corpus_covers_case_folders_and_scenario_files():
    kinds = {c.kind for c in FOLDERS}
    assert kinds == {"case", "scenario"} and len(FOLDERS) >= 28
    assert sum(bool(c.refuse) for c in FOLDERS) >= 24


@pytest.mark.parametrize("c", FOLDERS, ids=[c.name for c in FOLDERS])
def test_case_corpus(c):
    def load():
        if c.kind == "scenario":
            from simlib.scenarios.levers import load_levers, load_scenario

            return load_scenario(c.path, load_levers())
        return load_case_inputs(load_case(c.path))

    if c.refuse:
        with pytest.raises(SimlibError) as exc:
            load()
        msg = str(exc.value)
        assert "Traceback" not in msg and str(c.path.name) in msg
        for w in c.refuse:
            assert w in msg, (w, msg)
        for w in c.absent:
            assert w not in msg, (w, msg)
        return
    got = load()
    if c.title is not None:
        assert got.case.title_vi == c.title
    if c.targets:
        t = got.bundle.targets
        mine = t[t["plan_id"] == got.case.id]
        read = sorted(zip(mine["geography"], mine["indicator"], mine["year"].astype(int),
                          mine["value_share"].astype(float).round(6)))
        assert read == sorted(c.targets)
        assert mine["target_id"].is_unique and got.plans[0] == got.case.id


def test_refusals_come_before_any_computation_on_the_command_line(capsys):
    """Absurd years stop at once, with the file and the key, exit status 1 (no 18 GB run)."""
    c = next(f for f in FOLDERS if f.name == "years_absurd")
    assert main(["report", "--case", str(c.path), "--draws", "10", "--out", str(Path(_TMP.name) / "never")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("lỗi: ") and "năm 3000 nằm ngoài" in err and "case.yaml, dòng 6" in err and not (Path(_TMP.name) / "never").exists()


def test_validate_targets_csv_without_kind(capsys):
    c = next(f for f in FOLDERS if f.name == "targets_several_rows")
    assert main(["validate", str(c.path / "targets.csv")]) == 0
    out = capsys.readouterr().out
    assert "OK: 3" in out and "case_targets" in out


# --------------------------------------------------------------------------------------------------------------
# the audit weighs sub-unit targets by the planner's graduate counts (a case's own observations.csv)
# --------------------------------------------------------------------------------------------------------------
def test_audit_weighs_district_targets_by_the_case_graduate_counts(tmp_path, capsys):
    d = tmp_path / "la"
    d.mkdir()
    (d / "case.yaml").write_text(C.BASE.replace("vn.tay_ninh", "vn.long_an").replace("id: thu", "id: la_thu"),
                                 encoding="utf-8")
    (d / "targets.csv").write_text(
        C.TARGETS_HEADER
        + "Tỉnh Long An,thcs_to_gdnn_sc_tc,2024,>=,35,percent,KH thử,\n"
        + "Huyện Tân Trụ,thcs_to_gdnn_sc_tc,2024,>=,40,percent,KH thử,\n"
        + "Thành phố Tân An,thcs_to_gdnn_sc_tc,2024,>=,30,percent,KH thử,\n", encoding="utf-8")
    (d / "observations.csv").write_text(
        "Địa bàn,Chỉ số,Năm,Giá trị,Đơn vị,Nguồn\n"
        "Thành phố Tân An,thcs_graduates,2024,1000,students,Phòng GD\n"
        "Huyện Tân Trụ,thcs_graduates,2024,3000,students,Phòng GD\n", encoding="utf-8")
    inputs = load_case_inputs(load_case(d))
    agg = audit(inputs.bundle, plans=["la_thu"]).aggregates
    by = agg.set_index("weight")["implied_pct"]
    planner = [w for w in by.index if w.startswith("thcs_graduates (planner data")]
    assert planner and by[planner[0]] == pytest.approx((30 * 1000 + 40 * 3000) / 4000)  # 37.5, by hand
    assert by["equal (unweighted mean)"] == pytest.approx(35.0)
    assert main(["audit", "--case", str(d)]) == 0
    assert "thcs_graduates (số liệu của địa phương, 2024) cho 37,50" in capsys.readouterr().out


def test_audit_text_speaks_the_case_language(capsys):
    """`simlib audit` and audit.txt in the case's language: Long An's case (Vietnamese) says every check, note and
    label in Vietnamese with decimal commas; the same audit in English for an English reader."""
    import re

    from simlib.inputs.case import load_case

    inputs = load_case_inputs(load_case("long_an_2025"))
    res = audit(inputs.bundle, plans=["long_an_2025"])
    vi = res.to_text(inputs.bundle, "vi")
    en = res.to_text(inputs.bundle, "en")
    for w in ("RÀ SOÁT CHỈ TIÊU", "[MÂU THUẪN]", "phụ lục ghi 45,81 (Phụ lục II, dòng \"Tổng cộng\", cột cuối)",
              "dân số, không tính Tân Thạnh", "chỉ tiêu >= 40,12 % đến năm 2025", "so với 13,19 % năm 2021",
              "định nghĩa không khớp", "trích từ bản dịch máy", "cách 26,93 điểm trong 4 năm"):
        assert w in vi, w
    english = re.compile(r"\b(the|of|and|says|vs|by|gap|pts|note|row|column|population|equal|definition|body|"
                         r"appendix|without|target|over)\b")
    assert not english.findall(vi), english.findall(vi)
    assert "TARGET AUDIT" in en and "appendix says 45,81" in en and "gap 26.93 pts in 4 yr" in en
    assert main(["audit", "--case", "long_an_2025"]) == 0
    assert capsys.readouterr().out.strip() == vi.strip()


# --------------------------------------------------------------------------------------------------------------
# output safety: --out is checked before computing, never written through a link, replaced as a whole
# --------------------------------------------------------------------------------------------------------------
def test_out_is_refused_before_any_computation(tmp_path):
    target = tmp_path / "system_file.txt"
    target.write_text("keep", encoding="utf-8")
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(OutputFolderError, match="symbolic link"):
        check_out(link, ["vi"])
    with pytest.raises(OutputFolderError, match="is a file"):
        check_out(target, ["vi"])
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "thesis.docx").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputFolderError, match="thesis.docx"):
        check_out(mixed, ["vi"])
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "run.json").write_text(json.dumps({"outputs": ["run.json", "feasibility.csv"]}), encoding="utf-8")
    (inner / "feasibility.csv").symlink_to(target)  # a link planted inside a previous report
    with pytest.raises(OutputFolderError, match="feasibility.csv@"):
        check_out(inner, ["vi"])
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            with pytest.raises(OutputFolderError, match="cannot write"):
                check_out(locked / "out", ["vi"])
        finally:
            locked.chmod(0o700)
    assert target.read_text(encoding="utf-8") == "keep" and (mixed / "thesis.docx").exists()
    # and the command line says so before computing (a case that would take minutes at 10,000 draws)
    assert main(["report", "--case", "tay_ninh_2030", "--out", str(target)]) == 1


def _one_page_render(data, lang, folder):
    """A stand-in for `render` writing a single file: a second report whose files differ from the first's."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "page.txt").write_text(f"{data.case.id}:{lang}", encoding="utf-8")
    return sorted(folder.iterdir())


def test_report_replaces_its_own_folder_atomically_and_lists_every_file(tmp_path, monkeypatch):
    """Two runs into one folder: the second replaces the first whole (no file of the first stays behind, though the
    second writes other files); run.json lists exactly the files there. The case's title has a '$' (matplotlib math
    text unless charts take planner text as plain text). The second run computes for real (its seed is recorded)
    but renders one page: the folder mechanics do not depend on what render writes, and one full render is enough."""
    from simlib.apps import report as R

    d = tmp_path / "case"
    d.mkdir()
    text = (Path(__file__).resolve().parents[1] / "data" / "cases" / "long_an_2025" / "case.yaml").read_text(
        encoding="utf-8")
    text = text.replace("title_vi: \"", "title_vi: \"Chi phí A$\\\\x$ ").replace("id: long_an_2025", "id: la_dollar")
    text = text.replace("plans: [long_an_2025]", "plans: [long_an_2025]\nscenarios: [baseline]")
    (d / "case.yaml").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    run_report(out, case=d, n_draws=16)
    first = {p.name for p in out.iterdir()}
    rec = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert set(rec["outputs"]) == first and "summary.html" in first
    monkeypatch.setattr(R, "render", _one_page_render)
    run_report(out, case=d, n_draws=16, seed=7)
    rec2 = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert rec2["seed"] == 7 and set(rec2["outputs"]) == {p.name for p in out.iterdir()} == {"page.txt", "run.json"}
    assert (out / "page.txt").read_text(encoding="utf-8") == "la_dollar:vi"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]  # no temporary folder left


def test_charts_take_planner_text_as_plain_text(tmp_path):
    import numpy as np
    import pandas as pd

    from simlib.present import charts

    q = pd.DataFrame({c: np.linspace(0.1, 0.3, 5) for c in charts.FAN_COLUMNS}, index=range(2026, 2031))
    fig = charts.small_multiples({"Xã A$\\x$": q, "Phường $B": q}, targets={"Xã A$\\x$": 0.2}, lang="vi",
                                 title="Chi phí $\\frac$ đồng")
    p = charts.save_figure(fig, tmp_path / "u.svg")
    assert p.stat().st_size > 0


def test_init_case_readme_says_how_to_run_without_an_active_venv(tmp_path):
    """The case README's commands work as written: it says how to call the venv's Python when the venv is not
    active (Windows and Linux), and that "Chỉ số" is the indicator and "Chỉ tiêu" its target (issue 23)."""
    from simlib.apps.init_case import init_case

    init_case("Quảng Trị", tmp_path / "qt", as_of=2026)
    readme = (tmp_path / "qt" / "README.md").read_text(encoding="utf-8")
    assert ".venv\\Scripts\\python -m simlib" in readme and ".venv/bin/python -m simlib" in readme
    assert "activate" in readme
    assert "\"Chỉ tiêu\" là mức tỉnh đặt ra cho một chỉ số" in readme
