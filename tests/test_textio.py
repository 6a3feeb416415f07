"""Reading planners' files: numbers, encodings, delimiters, Unicode forms, Excel."""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest

from simlib.inputs.textio import NumberError, ValidationError, fold_key, parse_number, read_table


@pytest.mark.parametrize(
    "text, kwargs, expected",
    [
        ("40,12", {"rate": True}, 40.12),
        ("40.12", {"rate": True}, 40.12),
        ("40,12%", {"rate": True}, 40.12),
        ("1.688.547", {"integer": True}, 1688547),
        ("1,688,547", {"integer": True}, 1688547),
        ("1 688 547", {"integer": True}, 1688547),
        ("1.234,5", {}, 1234.5),
        ("1,234.5", {}, 1234.5),
        ("-3,5", {}, -3.5),
        ("0,5", {}, 0.5),
        ("21000", {"integer": True}, 21000),
        (21000.0, {"integer": True}, 21000),
        (40.12, {"rate": True}, 40.12),
    ],
)
def test_parse_number_reads_vietnamese_and_english_forms(text, kwargs, expected):
    value, _ = parse_number(text, **kwargs)
    assert value == pytest.approx(expected)


def test_parse_number_reports_percent_sign():
    assert parse_number("45,81 %", rate=True) == (pytest.approx(45.81), True)
    assert parse_number("45,81", rate=True)[1] is False


@pytest.mark.parametrize(
    "text, kwargs, fragment",
    [
        ("abc", {}, "not a number"),
        ("21.000", {"integer": True}, "ambiguous"),
        ("21,000", {"integer": True}, "ambiguous"),
        ("12,5", {"integer": True}, "whole number"),
        ("1.23.4", {}, "misplaced thousands"),
        ("40,12,3", {}, "misplaced thousands"),
        ("", {}, "not a number"),
    ],
)
def test_parse_number_refuses_unusable_or_ambiguous_values(text, kwargs, fragment):
    with pytest.raises(NumberError, match=fragment):
        parse_number(text, **kwargs)


def test_rate_with_three_decimals_is_not_ambiguous():
    assert parse_number("40,125", rate=True)[0] == pytest.approx(40.125)


def test_nfd_and_nfc_names_match():
    nfc = "Đức Huệ"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfc != nfd
    assert fold_key(nfd) == fold_key(nfc) == fold_key("  ĐỨC   HUỆ ")


@pytest.mark.parametrize("encoding, bom", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16", b"")])
def test_read_csv_encodings(tmp_path, encoding, bom):
    text = "geography;value\nĐức Hòa;40,39\n"
    p = tmp_path / "f.csv"
    p.write_bytes(bom + text.encode(encoding))
    t = read_table(p)
    assert list(t.frame.columns) == ["geography", "value"]
    assert t.frame.iloc[0, 0] == "Đức Hòa"
    assert t.frame.iloc[0, 1] == "40,39"
    assert t.rows == (2,)


def test_read_csv_not_utf8_gives_plain_message(tmp_path):
    p = tmp_path / "legacy.csv"
    p.write_bytes("geography,value\nĐức Hòa,1\n".encode("utf-8").replace("Đ".encode(), b"\xd0"))
    with pytest.raises(ValidationError) as exc:
        read_table(p)
    msg = str(exc.value)
    assert "legacy.csv" in msg and "not UTF-8" in msg and "row 2" in msg


def test_read_csv_tab_and_comma_delimiters(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("a\tb\n1\t2\n", encoding="utf-8")
    assert list(read_table(p).frame.columns) == ["a", "b"]
    p.write_text('a,b\n"x, y",2\n', encoding="utf-8")
    assert read_table(p).frame.iloc[0, 0] == "x, y"


def test_blank_rows_are_skipped_but_row_numbers_kept(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("a,b\n1,2\n,,\n3,4\n", encoding="utf-8")
    t = read_table(p)
    assert t.rows == (2, 4)


def test_read_excel_keeps_numbers_and_text(tmp_path):
    p = tmp_path / "book.xlsx"
    pd.DataFrame({"geography": ["Tân An", "Bến Lức"], "value": [40.21, 40.26], "count": [21000, 3]}).to_excel(p, index=False)
    t = read_table(p)
    assert t.frame["geography"].tolist() == ["Tân An", "Bến Lức"]
    assert t.frame["value"].tolist() == [40.21, 40.26]
    assert t.frame["count"].tolist() == [21000, 3]
    assert t.rows == (2, 3)


@pytest.mark.parametrize("name, content, fragment", [
    ("missing.csv", None, "file not found"),
    ("empty.csv", b"", "empty"),
    ("old.xls", b"\xd0\xcf\x11\xe0", ".xls"),
    ("broken.xlsx", b"not a zip", "not a readable Excel workbook"),
])
def test_unreadable_files(tmp_path, name, content, fragment):
    p = tmp_path / name
    if content is not None:
        p.write_bytes(content)
    with pytest.raises(ValidationError, match=fragment):
        read_table(p)


# --- what real exports contain ------------------------------------------------------------------------------


def test_invisible_characters_and_spaces_are_removed():
    from simlib.inputs.textio import normalize_text

    assert normalize_text("\u200bTân\u00a0An\u2060\ufeff ") == "Tân An"
    assert normalize_text("Tân\u200b An") == "Tân An"


def test_old_and_new_tone_placement_fold_alike():
    assert fold_key("Đức Hoà") == fold_key("Đức Hòa") and fold_key("Thuỷ") == fold_key("Thủy")
    assert fold_key("Hòa") != fold_key("Hoa")


@pytest.mark.parametrize("header, name, unit", [
    ("Giá trị (%)", "Giá trị", "percent"), ("Tỷ lệ (%)", "Tỷ lệ", "percent"), ("value (share)", "value", "share"),
    ("Số HS (học sinh)", "Số HS", "students"), ("Ghi chú (nếu có)", "Ghi chú (nếu có)", None), ("Giá trị", "Giá trị", None),
])
def test_unit_written_in_a_header(header, name, unit):
    from simlib.inputs.textio import header_unit

    assert header_unit(header) == (name, unit)


def test_percent_cell_is_read_as_its_percentage():
    from simlib.inputs.textio import PercentCell

    assert parse_number(PercentCell(0.1521)) == (pytest.approx(15.21), True)
    with pytest.raises(NumberError, match="percentage"):
        parse_number(PercentCell(0.5), integer=True)


def test_excel_sep_line_and_title_rows(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("sep=;\nUBND TỈNH LONG AN\n\ngeography;value\nTân An;40,39\n", encoding="utf-8")
    t = read_table(p, header_names={"geography", "value"})
    assert list(t.frame.columns) == ["geography", "value"] and t.rows == (5,) and t.header_row == 4
    assert any("sep=;" in n for n in t.notes) and any("row 4 was taken as the header" in n for n in t.notes)


def test_hidden_sheet_is_never_read_silently(tmp_path):
    from corpus import generate as G

    p = G.write_xlsx(tmp_path / "h.xlsx", [G.Sheet("old", [["geography", "value"], ["Tân An", 1]], hidden=True),
                                           G.Sheet("new", [["geography", "value"], ["Tân An", 2]])], active=1)
    t = read_table(p)
    assert t.sheet == "new" and t.frame["value"].tolist() == [2]
    assert any("'old' (hidden)" in n for n in t.notes)
    t = read_table(p, sheet="old")
    assert t.frame["value"].tolist() == [1] and any("hidden" in n for n in t.notes)
