"""Excel and HTML exports: types survive, names are valid, reruns are byte-identical, writes are atomic."""

from __future__ import annotations

import math
import re
import time
import zipfile

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import openpyxl  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import simlib.present.export as export  # noqa: E402
from simlib.present.export import Section, read_workbook, sheet_names, write_html_summary, write_workbook  # noqa: E402
from simlib.present.charts import save_figure  # noqa: E402


def _table() -> pd.DataFrame:
    return pd.DataFrame({
        "district": ["Tân Thạnh", "Đức Huệ", "=1+1"],
        "students": [1200, 950, 30],
        "share_pct": [40.12, np.nan, 0.5],
        "met": [True, False, True],
        "seats": np.array([7, 8, 2**40], dtype=np.int64),
    })


LABELS = {"district": "Huyện", "students": "Số học sinh", "share_pct": "Tỷ lệ (%)", "met": "Đạt"}


@pytest.fixture
def charts(tmp_path):
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([2020, 2025], [10.0, 40.12])
    ax.set_title("Tân Thạnh")
    svg, png = save_figure(fig, tmp_path / "chart.svg"), save_figure(fig, tmp_path / "chart.png", dpi=40)
    plt.close(fig)
    return svg, png


# --------------------------------------------------------------------------- Excel


def test_round_trip_keeps_types_and_values(tmp_path):
    df = _table()
    path = write_workbook({"flows": df}, tmp_path / "out.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["flows"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("district", "students", "share_pct", "met", "seats")
    # the values exactly, with their Python types: numbers are numbers, not text
    assert rows[1] == ("Tân Thạnh", 1200, 40.12, True, 7)
    assert rows[2] == ("Đức Huệ", 950, None, False, 8)  # NaN -> empty cell
    assert rows[3] == ("'=1+1", 30, 0.5, True, 2**40)  # text that looks like a formula is neutralised (OWASP)
    assert [type(v) for v in rows[1]] == [str, int, float, bool, int]
    assert ws["C3"].value is None and ws["C3"].data_type == "n"
    assert ws["A4"].data_type == "s"
    assert ws["E4"].data_type == "n" and not isinstance(ws["E4"].value, str)
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:E4"
    assert ws["A1"].font.b
    wb.close()

    back = read_workbook(path)["flows"]
    assert list(back.columns) == list(df.columns)
    assert back["students"].tolist() == [1200, 950, 30]
    assert back["seats"].tolist() == [7, 8, 2**40]
    assert back["met"].tolist() == [True, False, True]
    assert back["district"].tolist() == ["Tân Thạnh", "Đức Huệ", "'=1+1"]  # neutralised, read back as written
    assert back["share_pct"].iloc[0] == 40.12 and math.isnan(back["share_pct"].iloc[1])


def test_pandas_missing_values_and_numpy_scalars(tmp_path):
    df = pd.DataFrame({
        "n": pd.array([1, None, 3], dtype="Int64"),
        "x": pd.array([0.25, None, 1.5], dtype="Float64"),
        "obj": pd.Series([np.float32(0.5), None, np.int16(4)], dtype=object),
        "flag": pd.Series([np.bool_(True), pd.NA, False], dtype=object),
        "when": pd.to_datetime(["2024-09-05", None, "2025-05-31"]),
    })
    path = write_workbook({"t": df}, tmp_path / "na.xlsx")
    wb = openpyxl.load_workbook(path)
    rows = list(wb["t"].iter_rows(min_row=2, values_only=True))
    wb.close()
    assert rows[1] == (None, None, None, None, None)
    assert rows[0][:4] == (1, 0.25, 0.5, True) and type(rows[0][0]) is int and type(rows[0][3]) is bool
    assert rows[2][:4] == (3, 1.5, 4, False) and type(rows[2][2]) is int
    assert rows[0][4] == pd.Timestamp("2024-09-05").to_pydatetime()


def test_values_excel_cannot_hold_are_refused_with_location(tmp_path):
    bad = pd.DataFrame({"ratio": [1.0, np.inf]})
    with pytest.raises(ValueError, match=r"'ratio', row 3"):
        write_workbook({"t": bad}, tmp_path / "bad.xlsx")
    with pytest.raises(ValueError, match="control character"):
        write_workbook({"t": pd.DataFrame({"s": ["a\x01b"]})}, tmp_path / "bad.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_headers_translated_and_mapped_back(tmp_path):
    df = _table()
    path = write_workbook({"flows": df}, tmp_path / "h.xlsx", column_labels=LABELS)
    wb = openpyxl.load_workbook(path)
    assert [c.value for c in wb["flows"][1]] == ["Huyện", "Số học sinh", "Tỷ lệ (%)", "Đạt", "seats"]
    wb.close()
    raw = read_workbook(path)["flows"]
    assert list(raw.columns) == ["Huyện", "Số học sinh", "Tỷ lệ (%)", "Đạt", "seats"]
    back = read_workbook(path, header_map={v: k for k, v in LABELS.items()})["flows"]
    assert list(back.columns) == list(df.columns)
    assert back["district"].tolist() == [*df["district"].tolist()[:2], "'=1+1"]

    # a callable works too; returning None keeps the key
    path2 = write_workbook({"flows": df}, tmp_path / "h2.xlsx", column_labels=lambda k: LABELS.get(k, None))
    assert list(read_workbook(path2)["flows"].columns) == list(raw.columns)


def test_duplicate_translated_headers_are_refused(tmp_path):
    df = pd.DataFrame({"a": [1], "b": [2]})
    with pytest.raises(ValueError, match="duplicate column headers"):
        write_workbook({"t": df}, tmp_path / "d.xlsx", column_labels={"a": "X", "b": "X"})


def test_number_formats_and_widths(tmp_path):
    df = pd.DataFrame({"students": [1234567, 5], "share_pct": [40.12345, 1.0], "district": ["Tân Thạnh", "x" * 200]})
    path = write_workbook({"t": df}, tmp_path / "f.xlsx", number_formats={"students": "#,##0", "share_pct": "0.00"})
    wb = openpyxl.load_workbook(path)
    ws = wb["t"]
    assert ws["A2"].number_format == "#,##0" and ws["B2"].number_format == "0.00"
    assert ws["B2"].value == 40.12345  # the format changes the display, not the value
    assert ws["C2"].number_format == "General"
    widths = {c: ws.column_dimensions[c].width for c in "ABC"}
    wb.close()
    assert widths["A"] >= len("1,234,567") and widths["B"] >= len("share_pct")
    assert widths["C"] == 60  # capped


def test_sheet_names_are_valid_and_unique(tmp_path):
    long_a = "Kết quả phân luồng theo huyện năm 2025 (kịch bản A)"
    long_b = "Kết quả phân luồng theo huyện năm 2025 (kịch bản B)"
    names = [long_a, long_b, "a/b?c", "A/B?C", "[x]:*\\", "", "History", "README"]
    got = sheet_names(names, reserved=["README"])
    assert len(got) == len(names)
    assert len({g.casefold() for g in got}) == len(got) and "readme" not in {g.casefold() for g in got}
    for g in got:
        assert 1 <= len(g) <= 31
        assert not re.search(r"[\[\]:*?/\\]", g)
        assert not g.startswith("'") and not g.endswith("'")
    assert got[0] == long_a[:31] and got[1].endswith(" (2)") and got[1].startswith(long_a[:27])
    assert got[2] == "a_b_c" and got[3] == "A_B_C (2)"
    assert got[6].casefold() != "history"

    tables = {n: pd.DataFrame({"v": [i]}) for i, n in enumerate(names)}
    path = write_workbook(tables, tmp_path / "names.xlsx", notes={"": "tổng quan"})
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["README"] + got
    wb.close()
    back = read_workbook(path)
    assert list(back) == got
    assert [int(df["v"].iloc[0]) for df in back.values()] == list(range(len(names)))


def test_readme_sheet_lists_tables_and_notes(tmp_path):
    tables = {"flows/2025": _table(), "seats": pd.DataFrame({"n": [1]})}
    notes = {"": "Số liệu minh hoạ (illustrative).\nKhông dùng để ra quyết định.",
             "seed": "20250101", "flows/2025": "Phân luồng sau THCS"}
    path = write_workbook(tables, tmp_path / "r.xlsx", notes=notes,
                          column_labels={"sheet": "Trang", "table": "Bảng", "note": "Ghi chú"})
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "README"
    rows = [r for r in wb["README"].iter_rows(values_only=True)]
    wb.close()
    assert rows[0][0] == "Số liệu minh hoạ (illustrative)." and rows[1][0] == "Không dùng để ra quyết định."
    assert ("seed", "20250101", None) in rows
    assert ("Trang", "Bảng", "Ghi chú") in rows
    assert ("flows_2025", "flows/2025", "Phân luồng sau THCS") in rows
    assert ("seats", "seats", None) in rows
    assert list(read_workbook(path)) == ["flows_2025", "seats"]  # README skipped


def test_workbook_reruns_are_byte_identical(tmp_path):
    tables = {"flows": _table(), "seats": pd.DataFrame({"n": [1, 2]})}
    kw = {"column_labels": LABELS, "notes": {"": "minh hoạ", "seed": "1"}, "number_formats": {"share_pct": "0.00"}}
    a = write_workbook(tables, tmp_path / "a.xlsx", **kw)
    time.sleep(1.1)  # zip entry times have 2-second resolution, core.xml 1 second
    b = write_workbook(tables, tmp_path / "b.xlsx", **kw)
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert "2000-01-01T00:00:00Z" in core and str(time.gmtime().tm_year) not in core


def test_failed_workbook_write_leaves_nothing(tmp_path, monkeypatch):
    path = tmp_path / "out.xlsx"

    def half_written(data, fh):
        fh.write(data[:100])
        raise OSError("disk full")

    monkeypatch.setattr(export, "_normalise_zip", half_written)
    with pytest.raises(OSError, match="disk full"):
        write_workbook({"t": _table()}, path)
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    path = write_workbook({"t": _table()}, tmp_path / "out.xlsx")
    before = path.read_bytes()
    with pytest.raises(ValueError):
        write_workbook({"t": pd.DataFrame({"x": [np.inf]})}, path)

    def no_replace(src, dst):
        raise PermissionError("file is open in Excel")

    monkeypatch.setattr(export.os, "replace", no_replace)
    with pytest.raises(PermissionError):
        write_workbook({"t": pd.DataFrame({"x": [1]})}, path)
    with pytest.raises(PermissionError):
        write_html_summary(tmp_path / "s.html", title="t", lang="vi", sections=[])
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]


# --------------------------------------------------------------------------- HTML


def _summary(tmp_path, charts, name="s.html"):
    svg, png = charts
    table = pd.DataFrame({"Huyện": ["Tân Thạnh", "Đức Huệ", "<i>x</i>"], "Tỷ lệ": [40.123, np.nan, -0.001],
                          "n": pd.array([1, None, 3], dtype="Int64")})
    sections = [
        Section("Tổng quan", text="Mục tiêu 40,12 % <script>alert(1)</script>\n\nĐoạn thứ hai & cuối.",
                callouts=[("P(40.12 % met by 2025)", "0.08"), ("Số kịch bản", "1000")]),
        Section("Bảng", table=table, images=[svg, png]),
    ]
    return write_html_summary(tmp_path / name, title="Phân luồng Long An <2025>", lang="vi", sections=sections,
                              footer="Nguồn: dữ liệu minh hoạ; seed 1")


def test_html_is_self_contained_and_escaped(tmp_path, charts):
    text = _summary(tmp_path, charts).read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>\n<html lang=\"vi\">")
    assert '<meta charset="utf-8">' in text
    assert "<title>Phân luồng Long An &lt;2025&gt;</title>" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script" not in text
    assert "<p>Đoạn thứ hai &amp; cuối.</p>" in text
    assert text.count("<p>") == 3  # two paragraphs and the footer
    # callouts
    assert '<div class="value">0.08</div><div class="label">P(40.12 % met by 2025)</div>' in text
    # table: escaped cells, floats to 2 decimals with the page's decimal comma, missing as a dash
    assert "<td>&lt;i&gt;x&lt;/i&gt;</td>" in text
    assert '<td class="num">40,12</td>' in text and '<td class="num">0,00</td>' in text
    assert "-0.00" not in text and "40.12</td>" not in text
    assert text.count("<td>–</td>") == 2 and "NA&gt;" not in text and "<td>nan</td>" not in text
    # images inlined: SVG markup (no XML declaration / doctype inside the page), PNG as a data URI
    assert "<svg" in text and "<?xml" not in text and text.count("<!DOCTYPE") == 1
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+"', text)
    # nothing fetched from elsewhere
    assert not re.search(r"""(?:src|href)\s*=\s*["']\s*(?:https?:)?//""", text)
    assert "<link" not in text
    for colour in ("#0072B2", "#E69F00", "#D55E00", "#009E73"):
        assert colour in text


def test_html_reruns_are_byte_identical(tmp_path, charts):
    a = _summary(tmp_path, charts, "a.html")
    time.sleep(1.1)
    b = _summary(tmp_path, charts, "b.html")
    assert a.read_bytes() == b.read_bytes()


def test_html_custom_float_format_and_english(tmp_path):
    sec = Section("Gap", table=pd.DataFrame({"gap": [1.5, 2.25]}))
    path = write_html_summary(tmp_path / "en.html", title="Summary", lang="en", sections=[sec],
                              float_format=lambda x: f"{x:.1f}".replace(".", ","))
    text = path.read_text(encoding="utf-8")
    assert '<html lang="en">' in text and '<td class="num">1,5</td>' in text and '<td class="num">2,2</td>' in text
    default = write_html_summary(tmp_path / "en2.html", title="Summary", lang="en", sections=[sec])
    assert '<td class="num">2.25</td>' in default.read_text(encoding="utf-8")  # English default: decimal point
    with pytest.raises(ValueError, match="lang"):
        write_html_summary(tmp_path / "x.html", title="t", lang='vi" onload="x', sections=[])
    assert not (tmp_path / "x.html").exists()


def test_html_refuses_svg_with_external_references(tmp_path):
    svg = tmp_path / "ext.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"><image href="https://example.org/a.png"/></svg>',
                   encoding="utf-8")
    with pytest.raises(ValueError, match="self-contained"):
        write_html_summary(tmp_path / "s.html", title="t", lang="vi", sections=[Section("h", images=[svg])])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ext.svg"]


# --------------------------------------------------------------------------- the planner's workbook

VERDICTS = pd.DataFrame({
    "target_id": ["t1", "t2", "t3"],
    "geography": ["vn.a", "vn.a", "vn.a.b"],
    "geography_name": ["Tỉnh mẫu", "Tỉnh mẫu", "Tân Hưng"],
    "year": [2025, 2030, 2025],
    "target_pct": [40.12, 45.0, 38.0],
    "timing": ["past_observed", "future", "past_estimated"],
    "p_met": [np.nan, 0.2149999999999999, 0.0777777777777],
    "verdict": ["missed", "unlikely", "very_unlikely"],
    "students": [13260.4, 10000.0, np.nan],
    "cost_vnd": [15_000_000.0, 1.5e9, 0.0],
    "used": [True, False, True],
})


def _spec():
    return [export.Column("geography_name"), export.Column("year", "year"),
            export.Column("target_pct", "percent", decimals=2), export.Column("timing", "code", codes="timing"),
            export.Column("p_met", "prob"), export.Column("verdict", "verdict"), export.Column("target_id", "id"),
            export.Column("geography", "id"), export.Column("students", "int"), export.Column("cost_vnd", "money"),
            export.Column("used", "bool")]


def _planner_wb(tmp_path, lang="vi", name="wb.xlsx"):
    sheets = [export.Sheet("Tóm tắt", VERDICTS, _spec(), note="Mỗi dòng một chỉ tiêu", freeze_columns=1),
              export.Sheet("Bảng: đầy đủ [tất cả]", VERDICTS, None, note="mọi cột", freeze_columns=2)]
    return export.write_planner_workbook(tmp_path / name, sheets, lang=lang, title="Tỉnh mẫu",
                                         notes=["simlib 0.1.0; 10.000 lần mô phỏng"])


def test_planner_workbook_summary_first_human_columns_first_ids_last(tmp_path):
    path = _planner_wb(tmp_path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Tóm tắt", "Bảng_ đầy đủ _tất cả_", "Hướng dẫn"]  # README last, in Vietnamese
    ws = wb["Tóm tắt"]
    header = [c.value for c in ws[1]]
    assert header == ["Địa bàn", "Năm", "Chỉ tiêu (%)", "Thời điểm", "Xác suất đạt", "Đánh giá", "Số học sinh",
                      "Kinh phí (đồng)", "Dùng để đánh giá", "Mã chỉ tiêu", "Mã địa bàn"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert rows[0][:6] == ("Tỉnh mẫu", 2025, 40.12, "Đã qua, có số liệu", None, "Chưa đạt")
    assert rows[1][4] == 0.21 and rows[2][4] == 0.08  # stored as shown: no 15-decimal cells
    assert rows[0][6] == 13260 and isinstance(rows[0][6], int)
    assert rows[1][8] == "Không" and rows[0][8] == "Có"
    assert rows[2][9:] == ("t3", "vn.a.b")
    assert ws.freeze_panes == "B2" and ws.auto_filter.ref == "A1:K4"
    assert ws["B2"].number_format == "0" and ws["C2"].number_format == "0.00"
    assert ws["E3"].number_format == "0.00" and ws["G2"].number_format == "#,##0"
    assert ws["H2"].number_format == '#,##0 "đ"'
    assert ws["F2"].fill.fgColor.rgb.endswith(export.VERDICT_FILLS["missed"])
    assert ws["A1"].font.b and ws["A1"].alignment.wrap_text
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1"
    assert all(ws.column_dimensions[c].width >= 8 for c in "ABCDEFGHIJK")
    second = wb["Bảng_ đầy đủ _tất cả_"]
    assert second.freeze_panes == "C2" and [c.value for c in second[1]][0] == "Mã chỉ tiêu"
    readme = [c for row in wb["Hướng dẫn"].iter_rows(values_only=True) for c in row if c]
    assert readme[0] == "Bảng tính kết quả: Tỉnh mẫu"
    assert "simlib 0.1.0; 10.000 lần mô phỏng" in readme and "Mỗi dòng một chỉ tiêu" in readme
    assert "Trang tính" in readme and "README" not in " ".join(map(str, readme))
    wb.close()


def test_planner_workbook_english_and_byte_identical(tmp_path):
    a = _planner_wb(tmp_path, "en", "a.xlsx")
    time.sleep(1.1)
    b = _planner_wb(tmp_path, "en", "b.xlsx")
    assert a.read_bytes() == b.read_bytes()
    wb = openpyxl.load_workbook(a)
    assert wb.sheetnames[-1] == "README"
    ws = wb["Tóm tắt"]
    assert [c.value for c in ws[1]][:6] == ["Place", "Year", "Target (%)", "Timing", "P(target met)", "Verdict"]
    assert ws["F2"].value == "Missed" and ws["H2"].number_format == '"VND "#,##0'
    wb.close()


def test_column_spec_is_checked():
    with pytest.raises(ValueError, match="kind"):
        export.Column("x", "percentage")
    with pytest.raises(TypeError):
        export.Column("x", "percent", 2)  # decimals by name only
    with pytest.raises(ValueError, match=r"\['nope'\] are not in the table"):
        export.ordered_columns(VERDICTS, [export.Column("nope")])
    with pytest.raises(ValueError, match="listed twice"):
        export.ordered_columns(VERDICTS, [export.Column("year"), export.Column("year", "year")])
    with pytest.raises(ValueError, match="no sheets"):
        export.write_planner_workbook("x.xlsx", [], lang="vi", title="t")


def test_display_table_in_both_languages_without_ids():
    vi = export.display_table(VERDICTS, _spec(), "vi")
    assert list(vi.columns)[:3] == ["Địa bàn", "Năm", "Chỉ tiêu (%)"] and "Mã chỉ tiêu" not in vi.columns
    assert vi.iloc[1].tolist()[:6] == ["Tỉnh mẫu", "2030", "45,00", "Dự báo", "0,21", "Khó đạt"]
    assert vi["Số học sinh"].tolist() == ["13.260", "10.000", "–"]
    assert vi["Kinh phí (đồng)"].tolist() == ["15.000.000 đ", "1.500.000.000 đ", "0 đ"]
    en = export.display_table(VERDICTS, _spec(), "en", ids=True)
    assert en["Students"].tolist() == ["13,260", "10,000", "–"] and list(en.columns)[-2:] == ["Target ID", "Geography ID"]
    assert en["P(target met)"].tolist() == ["–", "0.21", "0.08"]


def test_html_table_with_column_spec(tmp_path):
    sec = Section("Đánh giá", table=VERDICTS, columns=_spec(), note="Cách đọc: ...", page_break_before=True)
    text = write_html_summary(tmp_path / "v.html", title="t", lang="vi", sections=[sec], subtitle="năm học 2025-2026"
                              ).read_text(encoding="utf-8")
    assert '<td class="num">40,12</td>' in text and '<td class="num">0,21</td>' in text
    assert '<td class="v-missed">Chưa đạt</td>' in text and '<td class="v-very_unlikely">Rất khó đạt</td>' in text
    assert "vn.a.b" not in text and "Mã chỉ tiêu" not in text  # ids are for the workbook
    assert '<section class="page-break">' in text and '<p class="note">Cách đọc: ...</p>' in text
    assert '<p class="subtitle">năm học 2025-2026</p>' in text
    assert "@page { size: A4" in text and "max-width: 180mm" in text


# --------------------------------------------------------------------------- planner text and CSV (issue 25)

from simlib.present.safety import neutralise  # noqa: E402


@pytest.mark.parametrize("text", ['=HYPERLINK("x","INJ")', "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_text_is_neutralised(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Xã Kim Phú", "", "-3.5", "-3,5", "+4", -3.5, 12, None, "x=1"])
def test_ordinary_values_are_left_alone(value):
    assert neutralise(value) == value


def test_write_csv_has_a_bom_integer_years_and_neutral_text(tmp_path):
    df = pd.DataFrame({"unit_name": ['=HYPERLINK("x","INJ")', "Phường Tân Ninh"], "year": [2030.0, 2025.0],
                       "target_year": [2030.0, np.nan], "p_met": [0.123456, 0.5]})
    p = export.write_csv(df, tmp_path / "t.csv")
    raw = p.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "unit_name,year,target_year,p_met"
    assert lines[1] == "\"'=HYPERLINK(\"\"x\"\",\"\"INJ\"\")\",2030,2030,0.1235"
    assert lines[2] == "Phường Tân Ninh,2025,,0.5000"
    back = pd.read_csv(p)  # pandas skips the mark
    assert list(back.columns) == ["unit_name", "year", "target_year", "p_met"]


def test_xlsx_and_html_neutralise_planner_text(tmp_path):
    df = pd.DataFrame({"unit": ['=HYPERLINK("x","INJ")'], "n": [3]})
    write_workbook({"t": df}, tmp_path / "w.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "w.xlsx")["t"]
    assert ws["A2"].value == "'" + '=HYPERLINK("x","INJ")' and ws["A2"].data_type == "s"
    page = write_html_summary(tmp_path / "p.html", title="t", lang="vi", sections=[Section("h", table=df)])
    text = page.read_text(encoding="utf-8")
    assert "<td>&#x27;=HYPERLINK" in text and "<td>=HYPERLINK" not in text
