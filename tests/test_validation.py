"""Every rejection rule has a file that triggers it; good files pass; inputs are never written."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import unicodedata

import pandas as pd
import pytest

from simlib.inputs.bundle import load_planner_file, load_reference, validate_file
from simlib.inputs.textio import ValidationError

from conftest import PLANNER_HEADER, REPO

REF = load_reference()


def problems_of(path, **kw):
    with pytest.raises(ValidationError) as exc:
        load_planner_file(path, ref=REF, **kw)
    return exc.value.problems


def only(problems, column=None):
    assert len(problems) == 1, [str(p) for p in problems]
    if column:
        assert problems[0].column == column
    return problems[0]


GOOD = PLANNER_HEADER + "Long An,thcs_to_gdnn_sc_tc,2021,\"13,19\",,,,,percent,report\n"


def test_good_planner_file_passes_with_decimal_comma(write):
    df = load_planner_file(write("good.csv", GOOD), ref=REF)
    assert len(df) == 1
    r = df.iloc[0]
    assert r["geography"] == "vn.long_an"
    assert r["value"] == pytest.approx(13.19)
    assert r["value_share"] == pytest.approx(0.1319)


def test_nfd_geography_names_and_semicolons_are_accepted(write):
    text = GOOD.replace(",", ";").replace('"13;19"', "13,19").replace("Long An", unicodedata.normalize("NFD", "Đức Hòa"))
    df = load_planner_file(write("nfd.csv", text), ref=REF)
    assert df.iloc[0]["geography"] == "vn.long_an.duc_hoa"


def test_school_year_is_read_as_its_end_year(write):
    df = load_planner_file(write("sy.csv", GOOD.replace(",2021,", ",2020-2021,")), ref=REF)
    assert df.iloc[0]["year"] == 2021


def test_share_unit_converts(write):
    df = load_planner_file(write("s.csv", GOOD.replace('"13,19"', "0.1319").replace("percent", "share")), ref=REF)
    assert df.iloc[0]["value_share"] == pytest.approx(0.1319)


def test_numerator_and_denominator_give_the_rate(write):
    text = PLANNER_HEADER + "Tân An,thcs_to_gdnn_sc_tc,2024,,,,300,2000,percent,school statistics\n"
    df = load_planner_file(write("nd.csv", text), ref=REF)
    assert df.iloc[0]["value"] == pytest.approx(15.0)


# --- one file per rejection rule -------------------------------------------------


def test_rejects_missing_columns(write):
    p = write("m.csv", "geography,year,value\nLong An,2021,13\n")
    probs = problems_of(p)
    missing = {pr.column for pr in probs}
    assert {"indicator", "unit", "source"} <= missing
    assert all(pr.row == 1 and "missing" in pr.message for pr in probs)


def test_rejects_non_numeric_value(write):
    p = write("n.csv", PLANNER_HEADER + "Long An,thcs_to_gdnn_sc_tc,2021,mười ba,,,,,percent,report\n")
    pr = only(problems_of(p), "value")
    assert pr.row == 2 and "not a usable number" in pr.message


@pytest.mark.parametrize("value, unit, fragment", [
    ("140", "percent", "between 0 and 100"),
    ("-1", "percent", "between 0 and 100"),
    ("13.19", "share", "looks like a percent"),
])
def test_rejects_rates_outside_range(write, value, unit, fragment):
    p = write("r.csv", PLANNER_HEADER + f"Long An,thcs_to_gdnn_sc_tc,2021,{value},,,,,{unit},report\n")
    pr = only(problems_of(p), "value")
    assert fragment in pr.message


def test_rejects_percent_sign_with_share_unit(write):
    p = write("ps.csv", PLANNER_HEADER + "Long An,thcs_to_gdnn_sc_tc,2021,13%,,,,,share,report\n")
    assert any("% sign" in pr.message for pr in problems_of(p))


@pytest.mark.parametrize("row, column", [
    ("Long An,thcs_graduates,2021,-5,,,,,students,report\n", "value"),
    ("Long An,thcs_to_gdnn_sc_tc,2021,,,,-3,100,percent,report\n", "numerator"),
])
def test_rejects_counts_below_zero(write, row, column):
    probs = problems_of(write("neg.csv", PLANNER_HEADER + row))
    assert any(pr.column == column and "below zero" in pr.message for pr in probs)


def test_rejects_numerator_above_denominator(write):
    p = write("nd.csv", PLANNER_HEADER + "Long An,thcs_to_gdnn_sc_tc,2021,,,,2500,2000,percent,report\n")
    pr = only(problems_of(p), "numerator")
    assert "larger than the denominator" in pr.message and pr.row == 2


def test_rejects_duplicate_keys(write):
    p = write("d.csv", GOOD + "long an,thcs_to_gdnn_sc_tc,2021,14,,,,,percent,other report\n")
    pr = only(problems_of(p), "geography")
    assert pr.row == 3 and "duplicate of row 2" in pr.message


def test_rejects_unknown_geography_with_suggestion(write):
    p = write("g.csv", GOOD.replace("Long An", "Duc Hoa"))
    pr = only(problems_of(p), "geography")
    assert "unknown geography 'Duc Hoa'" in pr.message and "Đức Hòa" in pr.message


def test_rejects_unknown_indicator(write):
    p = write("i.csv", GOOD.replace("thcs_to_gdnn_sc_tc", "thcs_to_vocation"))
    pr = only(problems_of(p), "indicator")
    assert "unknown indicator 'thcs_to_vocation'" in pr.message


def test_rejects_range_with_low_above_high(write):
    p = write("lh.csv", PLANNER_HEADER + "Long An,thcs_to_gdnn_sc_tc,2021,,16,10,,,percent,report\n")
    assert "above the high end" in only(problems_of(p), "low").message


def test_rejects_unit_that_does_not_fit_indicator(write):
    p = write("u.csv", PLANNER_HEADER + "Long An,thcs_graduates,2021,21000,,,,,percent,report\n")
    assert "count" in only(problems_of(p), "unit").message


def test_rejects_empty_source(write):
    p = write("src.csv", GOOD.replace(",report", ","))
    assert "'source' is empty" in only(problems_of(p), "source").message


def test_several_faults_are_all_listed_with_row_and_column(write):
    text = PLANNER_HEADER + (
        "Long An,thcs_to_gdnn_sc_tc,2021,\"13,19\",,,,,percent,report\n"     # row 2 ok
        "Atlantis,thcs_to_gdnn_sc_tc,2021,10,,,,,percent,report\n"            # row 3 unknown geography
        "Long An,thpt_to_cao_dang,2021,abc,,,,,percent,report\n"              # row 4 non-numeric
        "Tân An,thcs_to_gdnn_sc_tc,2022,120,,,,,percent,report\n"             # row 5 rate > 100
        "Bến Lức,thcs_to_gdnn_sc_tc,2022,,,,900,800,percent,report\n"         # row 6 numerator > denominator
        "Long An,thcs_to_gdnn_sc_tc,2021,13,,,,,percent,report\n"             # row 7 duplicate of row 2
        "Tân An,nonsense,2022,5,,,,,percent,report\n"                         # row 8 unknown indicator
    )
    p = write("many.csv", text)
    probs = problems_of(p)
    found = {(pr.row, pr.column) for pr in probs}
    assert {(3, "geography"), (4, "value"), (5, "value"), (6, "numerator"), (7, "geography"), (8, "indicator")} <= found
    assert all(pr.file.endswith("many.csv") for pr in probs)


def test_excel_file_is_validated_like_csv(tmp_path):
    p = tmp_path / "planner.xlsx"
    pd.DataFrame({
        "geography": ["Tân An", "Nowhere"], "indicator": ["thcs_to_gdnn_sc_tc"] * 2, "year": [2024, 2024],
        "value": [15.5, 12.0], "unit": ["percent", "percent"], "source": ["Sở GD&ĐT", "Sở GD&ĐT"],
    }).to_excel(p, index=False)
    with pytest.raises(ValidationError) as exc:
        load_planner_file(p, ref=REF)
    (pr,) = exc.value.problems
    assert pr.row == 3 and pr.column == "geography"


def test_vietnamese_header_aliases(write):
    text = "Địa bàn,Chỉ tiêu,Năm,Giá trị,Đơn vị,Nguồn\nLong An,thcs_to_gdnn_sc_tc,2021,\"13,19\",%,báo cáo\n"
    df = load_planner_file(write("vi.csv", text), ref=REF)
    assert df.iloc[0]["value"] == pytest.approx(13.19) and df.iloc[0]["unit"] == "percent"


def test_bundled_targets_file_faults_are_caught(data_copy):
    t = (data_copy / "targets.csv").read_text(encoding="utf-8")
    t = t.replace("la25.thcs.rate.body,long_an_2025,vn.long_an,thcs_to_gdnn_sc_tc,2025,>=,40.12",
                  "la25.thcs.rate.body,long_an_2026,vn.long_an,thcs_to_gdnn_sc_tc,2025,=>,140.12")
    (data_copy / "targets.csv").write_text(t, encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        validate_file(data_copy / "targets.csv", data_dir=data_copy)
    msgs = [str(p) for p in exc.value.problems]
    assert any("unknown plan 'long_an_2026'" in m for m in msgs)
    assert any("between 0 and 100" in m for m in msgs)
    assert all("row 2" in m for m in msgs)


def test_validation_never_writes_to_the_input(write):
    p = write("bad.csv", PLANNER_HEADER + "Atlantis,nonsense,20x1,abc,,,,,percent,\n")
    before = (hashlib.sha256(p.read_bytes()).hexdigest(), os.stat(p).st_mtime_ns)
    with pytest.raises(ValidationError):
        load_planner_file(p, ref=REF)
    assert (hashlib.sha256(p.read_bytes()).hexdigest(), os.stat(p).st_mtime_ns) == before


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "simlib", *args], capture_output=True, text=True, cwd=REPO)


def test_cli_validate_ok_and_errors(write):
    ok = _cli("validate", str(write("good.csv", GOOD)))
    assert ok.returncode == 0 and ok.stdout.startswith("OK: 1 rows")
    bad = _cli("validate", str(write("bad.csv", GOOD + "Atlantis,nonsense,2021,abc,,,,,percent,x\n")))
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr
    assert "3 problems found" in bad.stderr
    assert "row 3, column 'geography' (A)" in bad.stderr and "row 3, column 'value' (D)" in bad.stderr


def test_cli_validate_bundled_files(capsys, monkeypatch):
    # in this process (the command line's entry point runs in a subprocess in the other CLI tests): six
    # interpreter starts cost more than the checks
    from simlib.apps.cli import main

    monkeypatch.chdir(REPO)
    for name in ("targets", "observations", "context", "plans", "geographies", "indicators"):
        code = main(["validate", f"data/{name}.csv"])
        out = capsys.readouterr()
        assert code == 0, out.err
        assert f"({name})" in out.out


def test_ambiguous_thousands_separator_in_a_count_is_refused(write):
    p = write("amb.csv", PLANNER_HEADER + "Long An,thcs_graduates,2023,\"21.000\",,,,,students,report\n")
    pr = only(problems_of(p), "value")
    assert "ambiguous" in pr.message and "21000" in pr.message


def test_thousands_separators_in_a_count_are_read(write):
    p = write("ok.csv", PLANNER_HEADER + "Long An,thcs_graduates,2023,\"1.688.547\",,,,,students,census\n")
    assert load_planner_file(p, ref=REF).iloc[0]["value"] == 1688547


# --- one rule set with the models, the same strictness whatever the name --------------------------------------


@pytest.mark.parametrize("row, fragment, same_figure", [
    ("Long An,thcs_to_gdnn_sc_tc,2021,0,,,,,percent,report\n", "exactly 0 %", {"value_share": 0.0}),
    ("Long An,thcs_to_gdnn_sc_tc,2021,100,,,,,percent,report\n", "exactly 100 %", {"value_share": 1.0}),
    ("Long An,thcs_to_gdnn_sc_tc,2021,,0,20,,,percent,report\n", "upper bound alone",
     {"low_share": 0.0, "high_share": 0.2}),
    ("Long An,thcs_to_gdnn_sc_tc,2021,,,20,,,percent,report\n", "upper bound alone", {"high_share": 0.2}),
    ("Long An,thcs_to_gdnn_sc_tc,2021,13,,,,,percent,report\n".replace(",report", ",report,0"), "standard error of 0",
     {"value_share": 0.13, "se_share": 0.0}),
])
def test_validate_refuses_what_the_models_refuse(write, row, fragment, same_figure):
    """validate refuses, with its own words, every figure the models' Observation refuses."""
    from simlib.evidence.series import Observation, SeriesError

    header = PLANNER_HEADER if "standard" not in fragment else PLANNER_HEADER.replace("source\n", "source,se\n")
    probs = problems_of(write("edge.csv", header + row))
    assert len(probs) == 1 and fragment in probs[0].message
    with pytest.raises(SeriesError):
        Observation("x", "vn.long_an", "thcs_to_gdnn_sc_tc", 2021, **same_figure)


def test_zero_and_hundred_percent_are_read_when_the_counts_are_known(write):
    """Issue 19 item 4: 0 of 800 is a fact when numerator and denominator (or the unit's cohort) are given."""
    p = write("edge_ok.csv", PLANNER_HEADER
              + "Tân An,thcs_to_gdnn_sc_tc,2021,,,,0,800,percent,report\n"
              + "Tân Trụ,thcs_to_gdnn_sc_tc,2021,,,,244,244,percent,report\n"
              + "Bến Lức,thcs_to_gdnn_sc_tc,2021,0,,,,,percent,report\n"
              + "Bến Lức,thcs_graduates,2021,1234,,,,,students,report\n")
    df = load_planner_file(p, ref=REF).set_index(["geography", "indicator"])
    rate = "thcs_to_gdnn_sc_tc"
    assert df.loc[("vn.long_an.tan_an", rate), "value_share"] == 0.0
    assert df.loc[("vn.long_an.tan_tru", rate), "value_share"] == 1.0
    ben = df.loc[("vn.long_an.ben_luc", rate)]
    assert (ben["value_share"], ben["numerator"], ben["denominator"]) == (0.0, 0.0, 1234.0)  # the cohort's count
    assert any("cohort" in n for n in df.attrs["notes"])
    # without its cohort the same 0 % is refused with the present message
    p2 = write("edge_bad.csv", PLANNER_HEADER + "Bến Lức,thcs_to_gdnn_sc_tc,2021,0,,,,,percent,report\n"
               + "Tân An,thcs_graduates,2021,1234,,,,,students,report\n")
    assert "exactly 0 %" in only(problems_of(p2), "value").message


def test_a_standard_error_of_zero_is_read_for_administrative_counts(write):
    header = PLANNER_HEADER.replace("source\n", "source,se\n")
    p = write("se0.csv", header + "Tân An,thcs_to_gdnn_sc_tc,2021,,,,120,800,percent,report,0\n"
              + "Tân An,thcs_graduates,2021,800,,,,,students,report,0\n")
    df = load_planner_file(p, ref=REF)
    assert sorted(df["se"]) == [0.0, 0.0] and df["value_share"].iloc[0] == pytest.approx(0.15)


def test_files_validate_accepts_feed_the_models(write):
    from simlib.evidence.series import observations_from_frame

    p = write("ok.csv", PLANNER_HEADER + "Long An,thcs_to_gdnn_sc_tc,2021,13.19,,,,,percent,r\n"
              "Tân An,thcs_to_gdnn_sc_tc,2022,,,,300,2000,percent,r\nBến Lức,thcs_to_gdnn_sc_tc,2022,,10,16,,,percent,r\n")
    obs = observations_from_frame(load_planner_file(p, ref=REF))
    assert [round(o.value_share or o.low_share, 4) for o in obs] == [0.1319, 0.15, 0.10]


def test_strictness_does_not_depend_on_the_file_name(tmp_path):
    text = GOOD
    for name in ("observations.csv", "planner.csv", "observations_2024.csv"):
        d = tmp_path / name.replace(".", "_")
        d.mkdir()
        p = d / name
        p.write_text(text, encoding="utf-8")
        df = validate_file(p)
        assert len(df) == 1 and df.iloc[0]["value"] == pytest.approx(13.19)


def test_free_labels_without_a_reference(write):
    """ref=None: geography and indicator are labels (used by backtests on made-up panels)."""
    from simlib.inputs.textio import read_table
    from simlib.inputs.validation import validate_table

    p = write("panel.csv", PLANNER_HEADER + "Unit A,made_up,2021,13,,,,,percent,r\nUnit B,made_up,2021,14,,,,,percent,r\n")
    df = validate_table(read_table(p), "observations", ref=None)
    assert list(df["geography"]) == ["Unit A", "Unit B"] and list(df["value_share"]) == [0.13, 0.14]


def test_one_problem_per_cause_and_no_duplicate_cascade(write):
    rows = "".join(f"Atlantis,thcs_to_gdnn_sc_tc,{2000 + i},13,,,,,percent,r\n" for i in range(20))
    rows += "Lemuria,thcs_to_gdnn_sc_tc,2000,13,,,,,percent,r\n"
    probs = problems_of(write("u.csv", PLANNER_HEADER + rows))
    assert len(probs) == 2
    assert probs[0].rows == tuple(range(2, 22)) and "rows 2-21" in str(probs[0])
    assert not any("duplicate" in pr.message for pr in probs)


def test_vietnamese_indicator_name_is_accepted(write):
    name_vi = REF.indicators.set_index("indicator_id").loc["thcs_to_gdnn_sc_tc", "name_vi"]
    p = write("vi.csv", PLANNER_HEADER + f'Long An,"{name_vi}",2021,13,,,,,percent,r\n')
    assert load_planner_file(p, ref=REF).iloc[0]["indicator"] == "thcs_to_gdnn_sc_tc"


def test_messages_are_vietnamese_for_vietnamese_headers_or_lang_vi(write):
    p = write("vi.csv", "Địa bàn,Chỉ tiêu,Năm,Giá trị,Đơn vị,Nguồn\nLong An,thcs_to_gdnn_sc_tc,2021,140,%,báo cáo\n")
    pr = only(problems_of(p), "Giá trị")
    assert "tỷ lệ phải nằm trong khoảng 0 đến 100" in pr.message and "dòng 2" in str(pr)
    pe = only(problems_of(write("en.csv", GOOD.replace('"13,19"', "140")), lang="vi"), "value")
    assert "tỷ lệ phải nằm" in pe.message


def test_cli_validate_sheet_and_lang(tmp_path):
    from corpus import generate as G

    T = G.truth()
    p = G.write_xlsx(tmp_path / "two.xlsx", [G.instructions_sheet(), G.Sheet("Số liệu", G.plain_table(T, as_text=False))])
    r = _cli("validate", str(p), "--sheet", "Số liệu", "--lang", "vi")
    assert r.returncode == 0 and r.stdout.startswith(f"OK: {len(T)} dòng") and "trang tính 'Số liệu'" in r.stdout
    r = _cli("validate", str(p), "--sheet", "3")
    assert r.returncode == 1 and "no sheet '3'" in r.stderr and "Traceback" not in r.stderr


def test_cli_output_into_a_closed_pipe_ends_quietly_and_csv_is_written_first(tmp_path):
    out = tmp_path / "verdicts.csv"
    proc = subprocess.Popen([sys.executable, "-m", "simlib", "feasibility", "--draws", "50", "--plan", "long_an_2025",
                             "--scenario", "baseline", "--csv", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=REPO)
    proc.stdout.readline()
    proc.stdout.close()  # what `| head -1` does
    err = proc.stderr.read().decode()
    proc.stderr.close()
    proc.wait(timeout=300)
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert proc.returncode == 0
    assert out.exists() and out.read_text(encoding="utf-8").startswith("target_id")


# --- the planner's language in messages about columns and indicators (bad-input review, 2026-12-08) -------------


@pytest.mark.parametrize("kind", ["observations", "case_targets"])
def test_vietnamese_missing_and_empty_column_messages_have_no_english(kind):
    """Every column a planner's file must have is named by its Vietnamese header and described in Vietnamese."""
    from simlib.inputs.messages import message
    from simlib.inputs.schemas import SCHEMAS
    from vi_words import english_words

    checked = 0
    for col in SCHEMAS[kind].columns:
        if not (col.required or col.nonempty) or not any(not a.isascii() for a in col.aliases):
            continue
        for key in ("missing_col", "empty"):
            text = message(key, "vi", col=col.shown("vi"), doc=col.described("vi"))
            assert col.shown("vi") != col.name and col.shown("vi")[0].isupper(), text
            # unit codes are what the planner types in the cell: quoted as they are
            assert english_words(text, allow=frozenset({"percent", "share"})) == [], (col.name, text)
        checked += 1
    assert checked >= 4


def test_missing_source_column_in_a_vietnamese_file_names_the_vietnamese_header(write):
    p = write("vi_missing.csv", "Địa bàn,Chỉ tiêu,Năm,Giá trị (%)\nTân An,thcs_to_gdnn_sc_tc,2023,\"20,5\"\n")
    pr = only(problems_of(p, lang="vi"))
    assert pr.column == "Nguồn"
    assert "thiếu cột bắt buộc 'Nguồn' (văn bản hoặc cơ quan công bố số liệu)" in pr.message


def test_unknown_indicators_list_the_valid_ones_once_in_the_notes(write):
    rows = "".join(f"Long An,{name},2021,13,,,,,percent,report\n" for name in ("tỷ lệ gì đó", "tỷ lệ khác"))
    p = write("two_bad.csv", PLANNER_HEADER + rows)
    with pytest.raises(ValidationError) as exc:
        load_planner_file(p, ref=REF, lang="vi")
    probs = exc.value.problems
    assert len(probs) == 2 and all("phần Ghi chú" in pr.message for pr in probs)
    assert all("thcs_to_gdnn_sc_tc" not in pr.message for pr in probs)
    listed = [n for n in exc.value.notes if "thcs_to_gdnn_sc_tc" in n]
    assert len(listed) == 1 and "thpt_to_cao_dang" in listed[0]
    assert str(exc.value).count("thcs_to_gdnn_sc_tc (") == 1


def test_ambiguous_old_commune_message_is_all_vietnamese(write):
    p = write("amb.csv", "Địa bàn;Chỉ tiêu;Năm;Giá trị (%);Nguồn\nXã Tân Lập;thcs_to_gdnn_sc_tc;2024;12;Sở\n")
    msg = " ".join(pr.message for pr in problems_of(p, lang="vi"))
    assert "chưa rõ là đơn vị nào" in msg and "đến 30/6/2025" in msg and "until" not in msg


def test_target_for_a_merged_province_notes_its_successor_in_vietnamese(write):
    p = write("t.csv", "Địa bàn,Chỉ số,Năm,So sánh,Giá trị,Đơn vị,Nguồn\n"
                       "Tỉnh Quảng Bình,thcs_transition,2030,>=,95,%,KH 1\n"
                       "Tỉnh Quảng Trị,thcs_transition,2029,>=,200,%,KH 1\n")
    with pytest.raises(ValidationError) as exc:
        validate_file(p, kind="case_targets", lang="vi")
    note = next(n for n in exc.value.notes if "Quảng Bình" in n)
    assert "nay thuộc Tỉnh Quảng Trị (từ 1/7/2025)" in note and "since" not in note
