"""A seeded corpus of planner files, as provincial offices send them, each with what simlib must make of it.

``write_corpus(folder)`` writes every file into ``folder`` and returns the
:class:`Case` list: for a valid file the numbers it must read (geo_id,
indicator, year, value as a fraction), computed here from the generator's own
truth table, never from simlib; for a file that must be refused, the words
the message must contain and the number of problems (one per cause).

Everything is illustrative test data: district names are real (Long An, Trà
Vinh, Tây Ninh), the figures are drawn from a seeded random generator
(``SEED``) and mean nothing.

Formats: CSV (UTF-8, UTF-8 with BOM, UTF-16, Windows-1258; comma, semicolon,
tab; ``sep=;`` line; CRLF), XLSX (openpyxl: title blocks, merged headers,
hidden and active sheets, percent-formatted cells, formulas without saved
results), ODS (odfpy: percentage cells, hidden sheets) and XLS. No maintained
Python library writes .xls, so the three .xls files are committed fixtures in
``tests/corpus/xls/``, written once by ``tests/corpus/make_xls.py`` with the
unmaintained ``xlwt`` (not a dependency) from the same truth table; the test
checks them against the numbers computed here.

Run ``python tests/corpus/generate.py OUT`` to write the corpus to OUT and
print its cases.
"""

from __future__ import annotations

import csv
import io
import random
import shutil
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

SEED = 20261201
HERE = Path(__file__).resolve().parent
XLS_DIR = HERE / "xls"

#: Long An's 15 former districts as planners write them, with simlib's ids (Châu Thành left out: it is ambiguous).
LONG_AN = [("Tân An", "vn.long_an.tan_an"), ("Tân Trụ", "vn.long_an.tan_tru"), ("Thủ Thừa", "vn.long_an.thu_thua"),
           ("Bến Lức", "vn.long_an.ben_luc"), ("Cần Đước", "vn.long_an.can_duoc"),
           ("Cần Giuộc", "vn.long_an.can_giuoc"), ("Đức Hòa", "vn.long_an.duc_hoa"),
           ("Đức Huệ", "vn.long_an.duc_hue"), ("Thạnh Hóa", "vn.long_an.thanh_hoa"),
           ("Tân Thạnh", "vn.long_an.tan_thanh"), ("Mộc Hóa", "vn.long_an.moc_hoa"),
           ("Kiến Tường", "vn.long_an.kien_tuong"), ("Vĩnh Hưng", "vn.long_an.vinh_hung"),
           ("Tân Hưng", "vn.long_an.tan_hung")]
IND = "thcs_to_gdnn_sc_tc"
IND_VI = ("Tỷ lệ học sinh tốt nghiệp THCS tiếp tục học tập tại các cơ sở GDNN đào tạo trình độ sơ cấp, trung cấp")
EN = ["geography", "indicator", "year", "value", "unit", "source"]
VI = ["Địa bàn", "Chỉ tiêu", "Năm", "Giá trị", "Đơn vị", "Nguồn"]
#: Excel error values a failed formula leaves in a cell (the .xls and .ods fixtures hold one per row).
ERRORS = ("#DIV/0!", "#REF!", "#N/A", "#VALUE!")


@dataclass(frozen=True)
class Row:
    name: str
    geo_id: str
    year: int
    value: float  # percent, two decimals
    num: int
    den: int


def truth(seed: int = SEED, n_units: int = 5, years=(2022, 2023, 2024)) -> list[Row]:
    """The figures every valid file encodes (illustrative, seeded)."""
    rng = random.Random(seed)
    units = rng.sample(LONG_AN, n_units)
    rows = []
    for name, gid in units:
        for y in years:
            den = rng.randint(800, 3000)
            num = rng.randint(int(0.08 * den), int(0.35 * den))
            rows.append(Row(name, gid, y, round(100 * num / den, 2), num, den))
    return rows


def expected(rows: list[Row], *, share_from_counts: bool = False, indicator: str = IND) -> list[tuple]:
    out = []
    for r in rows:
        v = r.num / r.den if share_from_counts else r.value / 100
        out.append((r.geo_id, indicator, r.year, round(v, 6)))
    return sorted(out)


@dataclass
class Case:
    """One corpus file and what simlib must make of it.

    ``rows``: for a valid file, sorted (geo_id, indicator, year, value as a fraction); None for a refused file.
    ``words``: substrings of the error message (refused) or of the notes (valid).
    ``n_problems``: how many problems the refusal lists (one per cause).
    """

    name: str
    cls: str
    file: str
    rows: list[tuple] | None = None
    words: tuple[str, ...] = ()
    n_problems: int | None = None
    options: dict = field(default_factory=dict)
    absent: tuple[str, ...] = ()  # substrings that must NOT appear (cascades, repeated suggestions)


# ----------------------------------------------------------------------------
# Writers
# ----------------------------------------------------------------------------


def fmt(x: float, comma: bool = False) -> str:
    s = f"{x:.2f}".rstrip("0").rstrip(".") if isinstance(x, float) else str(x)
    return s.replace(".", ",") if comma else s


def write_csv(path: Path, table: list[list[object]], *, encoding: str = "utf-8", delimiter: str = ",",
              bom: bool = False, newline: str = "\n", sep_line: bool = False) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
    if sep_line:
        buf.write(f"sep={delimiter}{newline}")
    for row in table:
        w.writerow(["" if c is None else c for c in row])
    text = buf.getvalue()
    data = to_cp1258(text) if encoding == "cp1258" else text.encode(encoding)
    if bom and encoding == "utf-8":
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return path


_TONES = "\u0300\u0301\u0303\u0309\u0323"


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: letters with their vowel marks precomposed, tones combining."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            d = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in d if c not in _TONES))
            out.append((base + "".join(c for c in d if c in _TONES)).encode("cp1258"))
    return b"".join(out)


@dataclass
class Sheet:
    name: str
    cells: list[list[object]]
    hidden: bool = False
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # 1-based r1, c1, r2, c2
    pct: set = field(default_factory=set)  # 1-based (row, col) with a percentage number format
    formulas: dict = field(default_factory=dict)  # 1-based (row, col) -> formula text


def write_xlsx(path: Path, sheets: list[Sheet], active: int = 0) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sh in sheets:
        ws = wb.create_sheet(sh.name)
        for r, row in enumerate(sh.cells, start=1):
            for c, v in enumerate(row, start=1):
                if v is not None:
                    ws.cell(r, c, v)
        for (r, c) in sh.pct:
            ws.cell(r, c).number_format = "0.00%"
        for (r, c), f in sh.formulas.items():
            ws.cell(r, c, f)
        for r1, c1, r2, c2 in sh.merges:
            ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
        if sh.hidden:
            ws.sheet_state = "hidden"
    wb.active = active
    for i, ws in enumerate(wb.worksheets):
        ws.sheet_view.tabSelected = i == active
    wb.save(path)
    return path


def write_ods(path: Path, sheets: list[Sheet]) -> Path:
    from odf.number import Number, PercentageStyle, Text as NText
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style, TableProperties
    from odf.table import CoveredTableCell, Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    ps = PercentageStyle(name="pct")
    ps.addElement(Number(decimalplaces=2, minintegerdigits=1))
    ps.addElement(NText(text="%"))
    doc.automaticstyles.addElement(ps)
    cell_pct = Style(name="cpct", family="table-cell", datastylename="pct")
    doc.automaticstyles.addElement(cell_pct)
    hidden = Style(name="hid", family="table")
    hidden.addElement(TableProperties(display=False))
    doc.automaticstyles.addElement(hidden)
    for sh in sheets:
        t = Table(name=sh.name, stylename=hidden) if sh.hidden else Table(name=sh.name)
        covered = {(r, c) for r1, c1, r2, c2 in sh.merges for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)
                   if (r, c) != (r1, c1)}
        spans = {(r1, c1): (r2 - r1 + 1, c2 - c1 + 1) for r1, c1, r2, c2 in sh.merges}
        for r, row in enumerate(sh.cells, start=1):
            tr = TableRow()
            for c, v in enumerate(row, start=1):
                if (r, c) in covered:
                    tr.addElement(CoveredTableCell())
                    continue
                kw = {}
                if (r, c) in spans:
                    kw = {"numberrowsspanned": spans[(r, c)][0], "numbercolumnsspanned": spans[(r, c)][1]}
                if v is None:
                    cell = TableCell(**kw)
                elif (r, c) in sh.pct:
                    cell = TableCell(valuetype="percentage", value=v, stylename=cell_pct, **kw)
                    cell.addElement(P(text=f"{100 * v:.2f}%"))
                elif isinstance(v, (int, float)):
                    cell = TableCell(valuetype="float", value=v, **kw)
                    cell.addElement(P(text=str(v)))
                else:
                    cell = TableCell(valuetype="string", **kw)
                    cell.addElement(P(text=str(v)))
                tr.addElement(cell)
            t.addElement(tr)
        doc.spreadsheet.addElement(t)
    doc.save(str(path))
    return path


# ----------------------------------------------------------------------------
# Table shapes
# ----------------------------------------------------------------------------


def plain_table(rows: list[Row], header=EN, *, comma=False, pct_sign=False, unit="percent", as_text=True,
                name=lambda r: r.name, year=lambda r: r.year, indicator=IND, source="Sở GD&ĐT, báo cáo 2024"):
    out = [list(header)]
    for r in rows:
        v = fmt(r.value, comma) + ("%" if pct_sign else "") if as_text else r.value
        out.append([name(r), indicator, year(r), v, unit, source])
    return out


TITLE_LA = [["UỶ BAN NHÂN DÂN TỈNH LONG AN", None, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
            ["SỞ GIÁO DỤC VÀ ĐÀO TẠO", None, None, None, "Độc lập - Tự do - Hạnh phúc"],
            [],
            ["BIỂU TỔNG HỢP TỶ LỆ HỌC SINH TỐT NGHIỆP THCS VÀO HỌC GDNN"],
            ["(Kèm theo Báo cáo số 123/BC-SGDĐT ngày 15/8/2024)"],
            []]
TITLE_MERGES = [(1, 1, 1, 3), (1, 5, 1, 7), (2, 1, 2, 3), (2, 5, 2, 7), (4, 1, 4, 7), (5, 1, 5, 7)]


def title_block_sheet(rows: list[Row], *, title=TITLE_LA, pct_cells=False, name="Biểu 01") -> Sheet:
    """The classic office export: title block, STT, Vietnamese headers, unit in the header, total row, footnotes."""
    cells = [list(r) for r in title]
    h = len(cells) + 1
    cells.append(["STT", "Đơn vị", "Chỉ tiêu", "Năm học", "Giá trị (%)", "Nguồn"])
    pct = set()
    for i, r in enumerate(rows, start=1):
        v = r.value / 100 if pct_cells else r.value
        cells.append([i, r.name, IND, f"{r.year - 1}-{r.year}", v, "Báo cáo 123/BC-SGDĐT"])
        if pct_cells:
            pct.add((len(cells), 5))
    total = round(sum(r.value for r in rows) / len(rows), 2)
    cells.append([None, "Tổng cộng", None, None, total / 100 if pct_cells else total, None])
    if pct_cells:
        pct.add((len(cells), 5))
    cells.append([])
    cells.append(["Ghi chú: số liệu sơ bộ, chưa kiểm tra."])
    cells.append([None, "Người lập biểu", None, None, "GIÁM ĐỐC"])
    merges = [m for m in TITLE_MERGES if m[0] < h]
    return Sheet(name, cells, merges=merges, pct=pct)


def two_row_header_sheet(rows: list[Row]) -> Sheet:
    cells = [list(r) for r in TITLE_LA]
    h = len(cells) + 1
    cells.append(["STT", "Địa bàn", "Chỉ tiêu", "Năm", "Số liệu", None, None, "Nguồn"])
    cells.append([None, None, None, None, "Tử số", "Mẫu số", "Giá trị (%)", None])
    for i, r in enumerate(rows, start=1):
        cells.append([i, r.name, IND, r.year, r.num, r.den, r.value, "Báo cáo"])
    merges = TITLE_MERGES + [(h, 1, h + 1, 1), (h, 2, h + 1, 2), (h, 3, h + 1, 3), (h, 4, h + 1, 4),
                             (h, 5, h, 7), (h, 8, h + 1, 8)]
    return Sheet("Số liệu", cells, merges=merges)


def instructions_sheet() -> Sheet:
    return Sheet("Hướng dẫn", [["Hướng dẫn điền biểu"], ["1. Mỗi dòng là một đơn vị, một năm."],
                               ["2. Tỷ lệ ghi theo phần trăm."]])


# ----------------------------------------------------------------------------
# The corpus
# ----------------------------------------------------------------------------


def write_corpus(folder: Path) -> list[Case]:  # noqa: C901 - one list of cases, read top to bottom
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    T = truth()
    exp = expected(T)
    cases: list[Case] = []

    def ok(name, cls, path, rows=exp, words=(), options=None):
        cases.append(Case(name, cls, Path(path).name, rows, tuple(words), None, options or {}))

    def bad(name, cls, path, words, n=1, options=None, absent=()):
        cases.append(Case(name, cls, Path(path).name, None, tuple(words), n, options or {}, tuple(absent)))

    f = folder
    # --- CSV encodings, delimiters, number forms --------------------------------------------------------------------
    ok("csv_utf8_comma", "csv", write_csv(f / "csv_utf8_comma.csv", plain_table(T)))
    ok("csv_utf8_bom_semicolon_decimal_comma", "csv",
       write_csv(f / "csv_bom_semicolon.csv", plain_table(T, comma=True), delimiter=";", bom=True))
    ok("csv_utf16_tab", "csv", write_csv(f / "csv_utf16_tab.txt", plain_table(T, comma=True), encoding="utf-16",
                                         delimiter="\t"))
    ok("csv_cp1258_semicolon", "csv", write_csv(f / "csv_cp1258.csv", plain_table(T, VI, comma=True), encoding="cp1258",
                                                delimiter=";"), words=("Windows-1258",))
    ok("csv_excel_sep_line", "csv", write_csv(f / "csv_sep_line.csv", plain_table(T, comma=True), delimiter=";",
                                              sep_line=True), words=("sep=;",))
    ok("csv_crlf_quoted", "csv", write_csv(f / "csv_crlf.csv", plain_table(T, comma=True), newline="\r\n"))
    ok("csv_percent_sign", "csv", write_csv(f / "csv_pct_sign.csv", plain_table(T, comma=True, pct_sign=True),
                                            delimiter=";"))
    ok("csv_share_unit", "csv", write_csv(f / "csv_share.csv", [EN] + [[r.name, IND, r.year, f"{r.value / 100:.4f}",
                                                                         "share", "x"] for r in T]))
    ok("csv_school_year", "csv", write_csv(f / "csv_school_year.csv",
                                           plain_table(T, year=lambda r: f"{r.year - 1}-{r.year}")))
    ok("csv_counts_only", "csv",
       write_csv(f / "csv_counts.csv", [["geography", "indicator", "year", "numerator", "denominator", "unit", "source"]]
                 + [[r.name, IND, r.year, r.num, r.den, "percent", "x"] for r in T]),
       rows=expected(T, share_from_counts=True))
    ok("csv_vietnamese_indicator_name", "csv", write_csv(f / "csv_ind_vi.csv", plain_table(T, indicator=IND_VI)))
    ok("csv_vietnamese_headers_unit_in_header", "csv",
       write_csv(f / "csv_vi_unit_header.csv",
                 [["Địa bàn", "Chỉ tiêu", "Năm", "Giá trị (%)", "Nguồn"]] +
                 [[r.name, IND, r.year, fmt(r.value, True), "Sở GD&ĐT"] for r in T], delimiter=";"))
    ok("csv_stt_total_footnote", "csv",
       write_csv(f / "csv_stt_total.csv",
                 [["STT"] + VI] + [[i + 1, r.name, IND, r.year, fmt(r.value, True), "%", "BC"] for i, r in enumerate(T)]
                 + [["", "Tổng cộng", "", "", "20,00", "%", ""], [], ["Ghi chú: số liệu sơ bộ"]], delimiter=";"),
       words=("dòng tổng",))
    ok("csv_title_block", "csv", write_csv(f / "csv_title.csv", [["UBND TỈNH LONG AN"], ["BIỂU TỔNG HỢP"], []]
                                           + plain_table(T, comma=True), delimiter=";"),
       words=("row 4 was taken as the header",))
    ok("csv_trailing_padding", "csv", write_csv(f / "csv_padding.csv", [row + ["", ""] for row in plain_table(T)]
                                                + [[""] * 8, [""] * 8]))
    # --- Unicode: forms, invisible characters, old tone placement ---------------------------------------------------
    ok("csv_nfd_names", "unicode", write_csv(f / "csv_nfd.csv", plain_table(T, name=lambda r: unicodedata.normalize(
        "NFD", r.name))))
    ok("csv_zero_width_nbsp", "unicode", write_csv(f / "csv_zwsp.csv", plain_table(
        T, name=lambda r: "\u200b" + r.name.replace(" ", "\u00a0") + "\u200b\u2060")))
    old_tone = {"Đức Hòa": "Đức Hoà", "Thạnh Hóa": "Thạnh Hoá", "Mộc Hóa": "Mộc Hoá"}
    ok("csv_old_tone_placement", "unicode", write_csv(f / "csv_old_tone.csv", plain_table(
        T, name=lambda r: old_tone.get(r.name, r.name))))
    ok("csv_upper_case_names", "unicode", write_csv(f / "csv_upper.csv", plain_table(T, name=lambda r: r.name.upper())))
    # --- XLSX shapes --------------------------------------------------------------------------------------------------
    ok("xlsx_plain_numbers", "xlsx", write_xlsx(f / "xlsx_plain.xlsx", [Sheet("Sheet1", plain_table(T, as_text=False))]))
    ok("xlsx_text_decimal_comma", "xlsx", write_xlsx(f / "xlsx_text_comma.xlsx",
                                                     [Sheet("Sheet1", plain_table(T, comma=True))]))
    ok("xlsx_title_block_total_footnote", "title_block",
       write_xlsx(f / "xlsx_title_block.xlsx", [title_block_sheet(T)]),
       words=("dòng 7 được lấy làm dòng tiêu đề", "dòng 23 là dòng tổng", "ghi chú / chữ ký"))
    ok("xlsx_title_block_english_messages", "language",
       write_xlsx(f / "xlsx_title_block_en.xlsx", [title_block_sheet(T)]),
       words=("row 7 was taken as the header", "row 23: a total row", "footnote"), options={"lang": "en"})
    ok("xlsx_title_block_percent_cells", "percent_format",
       write_xlsx(f / "xlsx_title_pct.xlsx", [title_block_sheet(T, pct_cells=True)]))
    pct_plain = Sheet("Sheet1", plain_table(T, as_text=False))
    pct_plain.cells = [pct_plain.cells[0]] + [row[:3] + [row[3] / 100] + row[4:] for row in pct_plain.cells[1:]]
    pct_plain.pct = {(i, 4) for i in range(2, len(T) + 2)}
    ok("xlsx_percent_cells_unit_percent", "percent_format", write_xlsx(f / "xlsx_pct_percent.xlsx", [pct_plain]))
    pct_share = Sheet("Sheet1", [row[:4] + (["share"] if i else [row[4]]) + row[5:]
                                 for i, row in enumerate(pct_plain.cells)], pct=set(pct_plain.pct))
    ok("xlsx_percent_cells_unit_share", "percent_format", write_xlsx(f / "xlsx_pct_share.xlsx", [pct_share]))
    ok("xlsx_two_row_merged_header", "merged_header", write_xlsx(f / "xlsx_two_row.xlsx", [two_row_header_sheet(T)]),
       words=("dòng 7-8",))
    old = truth(seed=SEED + 1)
    ok("xlsx_hidden_first_sheet_old_figures", "sheets",
       write_xlsx(f / "xlsx_hidden_old.xlsx", [Sheet("Số liệu cũ", plain_table(old, as_text=False), hidden=True),
                                               Sheet("Số liệu 2024", plain_table(T, as_text=False))], active=1),
       words=("read sheet 'Số liệu 2024'", "(hidden)"))
    ok("xlsx_hidden_sheet_chosen", "sheets",
       write_xlsx(f / "xlsx_hidden_chosen.xlsx", [Sheet("Số liệu cũ", plain_table(T, as_text=False), hidden=True),
                                                  Sheet("Số liệu mới", plain_table(old, as_text=False))], active=1),
       words=("is hidden",), options={"sheet": "Số liệu cũ"})
    ok("xlsx_instructions_then_data_by_name", "sheets",
       write_xlsx(f / "xlsx_instr_name.xlsx", [instructions_sheet(), Sheet("Số liệu", plain_table(T, as_text=False))]),
       options={"sheet": "Số liệu"})
    ok("xlsx_instructions_then_data_by_number", "sheets",
       write_xlsx(f / "xlsx_instr_number.xlsx", [instructions_sheet(), Sheet("Data", plain_table(T, as_text=False))]),
       options={"sheet": "2"})
    ok("xlsx_data_sheet_active", "sheets",
       write_xlsx(f / "xlsx_active.xlsx", [instructions_sheet(), Sheet("Data", plain_table(T, as_text=False))],
                  active=1), words=("active sheet",))
    merged_geo = Sheet("Sheet1", [EN])
    for i in range(0, len(T), 3):
        for j, r in enumerate(T[i:i + 3]):
            merged_geo.cells.append([r.name if j == 0 else None, IND, r.year, r.value, "percent", "x"])
        merged_geo.merges.append((len(merged_geo.cells) - 2, 1, len(merged_geo.cells), 1))
    ok("xlsx_vertically_merged_names", "merged_header", write_xlsx(f / "xlsx_merged_names.xlsx", [merged_geo]))
    same = [EN[:4] + ["Giá trị"] + EN[4:]] + [[r.name, IND, r.year, r.value, r.value, "percent", "x"] for r in T]
    ok("xlsx_alias_columns_same_content", "meaning", write_xlsx(f / "xlsx_alias_same.xlsx", [Sheet("S", same)]),
       words=("hold the same figures",))
    # --- ODS ----------------------------------------------------------------------------------------------------------
    ok("ods_plain", "ods", write_ods(f / "ods_plain.ods", [Sheet("Sheet1", plain_table(T, as_text=False))]))
    ods_pct = Sheet("Sheet1", [row[:] for row in pct_plain.cells], pct=set(pct_plain.pct))
    ok("ods_percent_cells", "ods", write_ods(f / "ods_pct.ods", [ods_pct]))
    ok("ods_hidden_first_sheet", "ods",
       write_ods(f / "ods_hidden.ods", [Sheet("Cũ", plain_table(old, as_text=False), hidden=True),
                                        Sheet("Mới", plain_table(T, as_text=False))]),
       words=("read sheet 'Mới'",))
    ok("ods_title_block", "ods", write_ods(f / "ods_title.ods", [title_block_sheet(T)]),
       words=("dòng 7 được lấy làm dòng tiêu đề",))
    # --- XLS (committed fixtures, see make_xls.py) --------------------------------------------------------------------
    for name in ("xls_plain.xls", "xls_title_percent_hidden.xls"):
        src = XLS_DIR / name
        if src.exists():
            shutil.copy(src, f / name)
            ok(name.removesuffix(".xls"), "xls", f / name)
    # --- Places: same names in several provinces, old and new map ----------------------------------------------------
    tv_title = [["UỶ BAN NHÂN DÂN TỈNH TRÀ VINH"], ["BIỂU TỔNG HỢP"], []]
    tv_rows = [["Châu Thành", IND, 2023, 21.5, "percent", "x"], ["Càng Long", IND, 2023, 18.25, "percent", "x"]]
    ok("xlsx_chau_thanh_tra_vinh_title", "places",
       write_xlsx(f / "xlsx_tra_vinh.xlsx", [Sheet("S", tv_title + [EN] + tv_rows)]),
       rows=sorted([("vn.tra_vinh.chau_thanh", IND, 2023, 0.215), ("vn.tra_vinh.cang_long", IND, 2023, 0.1825)]),
       words=("Trà Vinh",))
    ok("csv_chau_thanh_qualified", "places",
       write_csv(f / "csv_chau_thanh_q.csv", [EN, ["Châu Thành, Trà Vinh", IND, 2023, "21.5", "percent", "x"],
                                              ["Huyện Châu Thành, Tỉnh Long An", IND, 2023, "19", "percent", "x"]]),
       rows=sorted([("vn.tra_vinh.chau_thanh", IND, 2023, 0.215), ("vn.long_an.chau_thanh", IND, 2023, 0.19)]))
    ok("csv_chau_thanh_by_other_rows", "places",
       write_csv(f / "csv_chau_thanh_rows.csv", [EN, ["Châu Thành", IND, 2023, "19", "percent", "x"],
                                                 ["Tân An", IND, 2023, "25", "percent", "x"]]),
       rows=sorted([("vn.long_an.chau_thanh", IND, 2023, 0.19), ("vn.long_an.tan_an", IND, 2023, 0.25)]),
       words=("other rows",))
    ok("csv_old_district_2026", "places",
       write_csv(f / "csv_old_2026.csv", [EN, ["Huyện Đức Hòa, Tỉnh Long An", IND, 2026, "30", "percent", "x"]]),
       rows=[("vn.long_an.duc_hoa", IND, 2026, 0.3)], words=("now part of Tỉnh Tây Ninh",))
    ok("csv_new_communes_tay_ninh", "places",
       write_csv(f / "csv_new_communes.csv", [EN, ["Xã Đức Hòa", IND, 2026, "30", "percent", "x"],
                                              ["Xã Hậu Nghĩa", IND, 2026, "28,5", "percent", "x"]], delimiter=";"),
       rows=sorted([("vn.tay_ninh.xa_duc_hoa", IND, 2026, 0.3), ("vn.tay_ninh.xa_hau_nghia", IND, 2026, 0.285)]),
       options={"province": "Tây Ninh"})
    ok("csv_new_communes_title_province", "places",
       write_csv(f / "csv_new_title.csv", [["UBND TỈNH TÂY NINH"], [], EN,
                                           ["Xã Hậu Nghĩa", IND, 2026, "28.5", "percent", "x"]]),
       rows=[("vn.tay_ninh.xa_hau_nghia", IND, 2026, 0.285)])

    # --- Refused files: one message per cause, saying where and why ---------------------------------------------------
    bad("unknown_geography_close", "refuse", write_csv(f / "bad_geo_close.csv", [EN, ["Duc Hoa", IND, 2023, "20",
                                                                                   "percent", "x"]]),
        ("unknown geography 'Duc Hoa'", "Đức Hòa", "row 2", "column 'geography' (A)"))
    bad("unknown_geography_far", "refuse", write_csv(f / "bad_geo_far.csv", [EN, ["Atlantis", IND, 2023, "20",
                                                                               "percent", "x"]]),
        ("unknown geography 'Atlantis'",), absent=("did you mean",))
    bad("unknown_geography_zero_width", "refuse",
        write_csv(f / "bad_geo_zw.csv", [EN, ["Tân\u200b Xyz", IND, 2023, "20", "percent", "x"]]),
        ("unknown geography 'Tân Xyz'",), absent=("\u200b",))
    bad("two_unknown_names_no_duplicate_cascade", "refuse",
        write_csv(f / "bad_two_unknown.csv", [EN, ["Atlantis", IND, 2023, "20", "percent", "x"],
                                              ["Lemuria", IND, 2023, "21", "percent", "x"]]),
        ("Atlantis", "Lemuria"), n=2, absent=("duplicate",))
    many = [EN] + [[LONG_AN[i % 14][0], "thcs_to_vocation", 1991 + i // 14, "20", "percent", "x"] for i in range(135)]
    bad("unknown_indicator_135_rows", "refuse", write_csv(f / "bad_indicator_135.csv", many),
        ("unknown indicator 'thcs_to_vocation'", "rows 2-136", "thcs_to_gdnn_sc_tc (Tỷ lệ học sinh",
         "thpt_to_cao_dang"), n=1)
    bad("rate_exactly_zero", "one_rule_set", write_csv(f / "bad_zero.csv", [EN, ["Tân An", IND, 2023, "0", "percent",
                                                                              "x"]]),
        ("exactly 0 %", "logit", "0.5 / cohort size"))
    # 0 % and 100 % are reported facts when the counts are known (issue 19, item 4): read, with their counts.
    ok("rate_exactly_hundred_from_counts", "one_rule_set",
       write_csv(f / "ok_hundred.csv", [["geography", "indicator", "year", "numerator", "denominator", "unit",
                                         "source"], ["Tân An", IND, 2023, "1200", "1200", "percent", "x"],
                                        ["Tân Trụ", IND, 2023, "0", "244", "percent", "x"]]),
       rows=sorted([("vn.long_an.tan_an", IND, 2023, 1.0), ("vn.long_an.tan_tru", IND, 2023, 0.0)]))
    bad("standard_error_zero", "one_rule_set",
        write_csv(f / "bad_se0.csv", [EN + ["se"], ["Tân An", IND, 2023, "20", "percent", "x", "0"]]),
        ("standard error of 0",))
    ok("standard_error_zero_for_counts", "one_rule_set",  # an administrative count is exact
       write_csv(f / "ok_se0_counts.csv", [["geography", "indicator", "year", "numerator", "denominator", "se", "unit",
                                            "source"], ["Tân An", IND, 2023, "300", "1500", "0", "percent", "x"]]),
       rows=[("vn.long_an.tan_an", IND, 2023, 0.2)])
    bad("range_upper_bound_only", "one_rule_set",
        write_csv(f / "bad_upper.csv", [["geography", "indicator", "year", "high", "unit", "source"],
                                        ["Tân An", IND, 2023, "20", "percent", "x"]]),
        ("upper bound alone",))
    diff = [EN[:4] + ["Giá trị"] + EN[4:]] + [[r.name, IND, r.year, r.value, r.value + (1 if i == 2 else 0),
                                                "percent", "x"] for i, r in enumerate(T)]
    bad("alias_columns_differ", "meaning", write_xlsx(f / "bad_alias_differ.xlsx", [Sheet("S", diff)]),
        ("two columns mean 'value'", "D 'value'", "E 'Giá trị'", "row 4"))
    bad("chau_thanh_no_context", "places",
        write_csv(f / "bad_chau_thanh.csv", [EN, ["Châu Thành", IND, 2023, "20", "percent", "x"]]),
        ("'Châu Thành' is ambiguous", "Tỉnh Long An", "Tỉnh Trà Vinh"))
    bad("bare_duc_hoa_2026_tay_ninh", "places",
        write_csv(f / "bad_duc_hoa_2026.csv", [EN, ["Đức Hòa", IND, 2026, "20", "percent", "x"]]),
        ("Xã Đức Hòa", "Huyện Đức Hòa", "vn.tay_ninh.xa_duc_hoa", "vn.long_an.duc_hoa"), options={"province": "Tây Ninh"})
    bad("unknown_province_option", "places", write_csv(f / "bad_province_opt.csv", plain_table(T)),
        ("unknown province 'Tay Ninhh'", "Tây Ninh, "), n=None, options={"province": "Tay Ninhh"})
    form = Sheet("S", [EN] + [[r.name, IND, r.year, None, "percent", "x"] for r in T[:2]],
                 formulas={(2, 4): "=F2*100", (3, 4): "=F3*100"})
    bad("formula_without_saved_result", "formulas", write_xlsx(f / "bad_formula.xlsx", [form]),
        ("formula =F2*100", "no saved result", "rows 2-3"), n=1)
    small = [EN] + [[r.name, IND, r.year, round(r.value / 100, 4), "percent", "x"] for r in T]
    bad("percent_unit_values_look_like_shares", "percent_format", write_xlsx(f / "bad_small.xlsx", [Sheet("S", small)]),
        ("between 0 and 1", "share"))
    mixed = "geography,indicator,year,value,unit,source\nĐức Hòa,thcs_to_gdnn_sc_tc,2023,20,percent,x\n".encode()
    (f / "bad_mixed_encoding.csv").write_bytes(mixed.replace("Đ".encode(), b"\xd0"))
    bad("damaged_utf8", "encoding", f / "bad_mixed_encoding.csv", ("not UTF-8", "row 2"))
    (f / "bad_tcvn3.csv").write_bytes("geography,indicator,year,value,unit,source\n".encode()
                                      + b"\xa7\xf8c H\xdfa,thcs_to_gdnn_sc_tc,2023,20,percent,x\n")
    bad("legacy_tcvn3_encoding", "encoding", f / "bad_tcvn3.csv", ("not UTF-8", "TCVN3"))
    bad("vietnamese_headers_vietnamese_message", "language",
        write_csv(f / "bad_vi.csv", [VI, ["Tân An", IND, 2023, "mười ba", "%", "BC"]]),
        ("không đọc được số", "'mười ba' không phải là số", "dòng 2", "cột 'Giá trị' (D)"))
    bad("lang_option_vietnamese", "language",
        write_csv(f / "bad_lang.csv", [EN, ["Tân An", IND, 2023, "140", "percent", "x"]]),
        ("tỷ lệ phải nằm trong khoảng 0 đến 100",), options={"lang": "vi"})
    bad("missing_indicator_column_under_title", "title_block",
        write_xlsx(f / "bad_missing_col.xlsx", [Sheet("S", [["UBND TỈNH LONG AN"], [],
                                                            ["Địa bàn", "Năm", "Giá trị (%)", "Nguồn"],
                                                            ["Tân An", 2023, 20.5, "BC"]])]),
        ("thiếu cột bắt buộc 'Chỉ tiêu'", "dòng 3", "mã chỉ số trong data/indicators.csv"))
    two_tables = [["I. CẤP THCS"], EN] + [[r.name, IND, f"Năm {r.year}", r.value, "percent", "x"] for r in T[:6]]
    two_tables += [[], ["II. CẤP THPT"], EN] + [[r.name, "thpt_to_cao_dang", r.year, r.value, "percent", "x"]
                                                for r in T[6:9]]
    ok("xlsx_two_tables_repeated_header", "title_block", write_xlsx(f / "xlsx_two_tables.xlsx", [Sheet("S", two_tables)]),
       rows=sorted(expected(T[:6]) + expected(T[6:9], indicator="thpt_to_cao_dang")),
       words=("header repeated", "section heading"), options={"lang": "en"})
    desc = [["STT", "Địa bàn", "Chỉ tiêu", "Năm", "Tỷ lệ học sinh tốt nghiệp THCS vào học nghề (%)", "Nguồn"]]
    desc += [[i + 1, r.name, IND, r.year, r.value, "BC"] for i, r in enumerate(T)]
    ok("xlsx_descriptive_rate_header", "title_block", write_xlsx(f / "xlsx_desc_header.xlsx", [Sheet("S", desc)]),
       words=("được lấy làm cột giá trị",))
    bad("unknown_province_in_name", "places",
        write_csv(f / "bad_province_name.csv", [EN, ["Châu Thành, Tỉnh Trà Vinhh", IND, 2023, "20", "percent", "x"]]),
        ("unknown province 'Tỉnh Trà Vinhh'", "did you mean the former Tỉnh Trà Vinh (since 1/7/2025 part of Tỉnh "
         "Vĩnh Long)", "(closest first): "), n=1)
    total_in_stt = [["STT"] + EN] + [[i + 1, r.name, IND, r.year, r.value, "percent", "x"] for i, r in enumerate(T)]
    total_in_stt.append(["Tổng cộng", None, None, None, 20.0, "percent", None])
    ok("xlsx_total_in_stt_column", "title_block", write_xlsx(f / "xlsx_total_stt.xlsx", [Sheet("S", total_in_stt)]),
       words=("total row",))
    bad("rate_above_hundred", "refuse", write_csv(f / "bad_140.csv", [EN, ["Tân An", IND, 2023, "140", "percent", "x"]]),
        ("between 0 and 100", "140"))
    bad("share_looks_like_percent", "refuse",
        write_csv(f / "bad_share.csv", [EN, ["Tân An", IND, 2023, "13.19", "share", "x"]]), ("looks like a percent",))
    bad("sheet_not_found", "sheets", write_xlsx(f / "bad_sheet.xlsx", [Sheet("Data", plain_table(T, as_text=False))]),
        ("no sheet 'Số liệu'", "1: 'Data'"), options={"sheet": "Số liệu"})
    ok("instructions_sheet_active_one_data_sheet", "sheets",
       write_xlsx(f / "xlsx_instructions_active.xlsx", [instructions_sheet(),
                                                        Sheet("Data", plain_table(T, as_text=False))]),
       words=("holds no table", "read sheet 'Data'"))
    bad("instructions_sheet_active_two_data_sheets", "sheets",
        write_xlsx(f / "bad_instructions.xlsx", [instructions_sheet(), Sheet("Data", plain_table(T, as_text=False)),
                                                 Sheet("Data 2023", plain_table(old, as_text=False))]),
        ("không có dòng tiêu đề", "'Data', 'Data 2023'", "--sheet"), n=1)
    bad("no_table_at_all", "refuse", write_csv(f / "bad_no_table.csv", [["Báo cáo tình hình"], ["Không có số liệu"]]),
        ("no header row with simlib's columns",), n=1, options={"lang": "en"})
    bad("ods_unknown_indicator", "ods", write_ods(f / "bad_ods.ods", [Sheet("S", plain_table(T, indicator="abc",
                                                                                        as_text=False))]),
        ("unknown indicator 'abc'", f"rows 2-{len(T) + 1}"))
    bad("ambiguous_thousands_in_count", "refuse",
        write_csv(f / "bad_thousands.csv", [EN, ["Tân An", "thcs_graduates", 2023, "21.000", "students", "x"]]),
        ("ambiguous", "21000"))
    bad("numerator_above_denominator", "refuse",
        write_csv(f / "bad_num_den.csv", [["geography", "indicator", "year", "numerator", "denominator", "unit",
                                           "source"], ["Tân An", IND, 2023, "2500", "2000", "percent", "x"]]),
        ("larger than the denominator",))
    bad("duplicate_rows", "refuse", write_csv(f / "bad_dup.csv", plain_table(T) + [plain_table(T)[1]]),
        ("duplicate of row 2",))
    if (XLS_DIR / "xls_bad_value.xls").exists():
        shutil.copy(XLS_DIR / "xls_bad_value.xls", f / "xls_bad_value.xls")
        bad("xls_bad_value", "xls", f / "xls_bad_value.xls", ("not a usable number", "'abc'", "row 3"))
    bad("empty_file", "refuse", write_csv(f / "bad_empty.csv", []), ("empty",))
    (f / "bad_not_a_sheet.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    bad("corrupt_xlsx", "refuse", f / "bad_not_a_sheet.xlsx", ("not a readable Excel workbook",))
    _round_two(f, T, ok, bad)
    return cases


def _round_two(f: Path, T: list[Row], ok, bad) -> None:  # noqa: C901 - one list of cases, read top to bottom
    """Issue 23: what real offices send and what careless or hostile files do."""
    exp = expected(T)
    no_unit = [c for c in EN if c != "unit"]
    ok("no_unit_column_registry_unit", "meaning",
       write_csv(f / "r2_no_unit.csv", [no_unit] + [[r.name, IND, r.year, fmt(r.value), "x"] for r in T]),
       words=("no unit column", f"{IND} -> percent"), options={"lang": "en"})
    sh = Sheet("S", [no_unit] + [[r.name, IND, r.year, r.value / 100, "x"] for r in T],
               pct={(i, 4) for i in range(2, len(T) + 2)})
    ok("no_unit_column_percent_cells", "percent_format", write_xlsx(f / "r2_no_unit_pct.xlsx", [sh]),
       words=("percent-formatted cells agree",), options={"lang": "en"})
    abbrev = {"Đức Hòa": "H. Đức Hòa", "Kiến Tường": "TX. Kiến Tường", "Tân An": "TP. Tân An"}
    ok("office_abbreviations_h_tx_tp", "places",
       write_csv(f / "r2_abbrev.csv", plain_table(T, name=lambda r: abbrev.get(r.name, "Huyện " + r.name))))
    ok("hcmc_numbered_districts_before_2025", "places",
       write_csv(f / "r2_hcmc.csv", [EN, ["Quận 1", IND, 2024, "12,5", "percent", "x"],
                                     ["Q. 3", IND, 2024, "14", "percent", "x"],
                                     ["Quận 10", IND, 2023, "11", "percent", "x"]], delimiter=";"),
       rows=sorted([("vn.ho_chi_minh.quan_1", IND, 2024, 0.125), ("vn.ho_chi_minh.quan_3", IND, 2024, 0.14),
                    ("vn.ho_chi_minh.quan_10", IND, 2023, 0.11)]))
    ok("former_province_option_for_2024_data", "places",
       write_csv(f / "r2_province_long_an.csv", [EN, ["Đức Hòa", IND, 2024, "20", "percent", "x"],
                                                  ["Châu Thành", IND, 2024, "19", "percent", "x"]]),
       rows=sorted([("vn.long_an.duc_hoa", IND, 2024, 0.2), ("vn.long_an.chau_thanh", IND, 2024, 0.19)]),
       options={"province": "Long An"})
    bad("unknown_names_containing_in", "refuse",
        write_csv(f / "r2_unknown_in.csv", [EN, ["Xin Hoa", IND, 2023, "20", "percent", "x"],
                                            ["British Virgin Islands", IND, 2023, "21", "percent", "x"]]),
        ("unknown geography 'Xin Hoa'", "unknown geography 'British Virgin Islands'"), n=2)
    bad("vietnamese_message_without_english_words", "language",
        write_csv(f / "r2_ten_la_vi.csv", [VI, ["Xin Hoa", IND, 2026, "20", "%", "BC"]]),
        ("địa bàn 'Xin Hoa' không có ở Tỉnh Tây Ninh", "có phải là"),
        absent=(" in ", "did you mean", "unknown", " or "), options={"province": "Tây Ninh"})
    err = Sheet("S", [EN] + [[r.name, IND, r.year, r.value, "percent", "x"] for r in T[:3]])
    for i, e in enumerate(("#DIV/0!", "#REF!", "#N/A")):
        err.cells[i + 1][3] = e
    bad("excel_error_values_named", "formulas", write_xlsx(f / "r2_excel_errors.xlsx", [err]),
        ("'#DIV/0!' is an Excel error value (division by zero)", "'#REF!' is an Excel error value",
         "'#N/A' is an Excel error value"), n=3, options={"lang": "en"})
    # the same in the other workbook formats (committed fixtures, see make_xls.py): an .xls keeps the error's
    # code, an .ods LibreOffice's calcext:value-type="error" cell (which python-calamine reads as empty)
    for name in ("xls_error_values.xls", "ods_error_values.ods"):
        if (XLS_DIR / name).exists():
            shutil.copy(XLS_DIR / name, f / ("r2_" + name))
            bad(name.replace(".", "_"), name[-3:], f / ("r2_" + name),
                ("'#DIV/0!' is an Excel error value (division by zero)", "'#REF!' is an Excel error value",
                 "'#N/A' is an Excel error value", "'#VALUE!' is an Excel error value", "row 2", "row 5"),
                n=4, options={"lang": "en"}, absent=("no figure: give",))
            bad(name.replace(".", "_") + "_vi", name[-3:], f / ("r2_" + name),
                ("'#DIV/0!' là giá trị lỗi của Excel (chia cho 0)", "'#N/A' là giá trị lỗi của Excel", "dòng 4"),
                n=4, options={"lang": "vi"})
    # An encrypted .xlsx is an OLE compound file holding an EncryptedPackage stream (what Excel writes with a
    # password): the header and the stream's directory name are enough for what simlib reads.
    ole = bytearray(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    ole += "EncryptionInfo".encode("utf-16-le") + bytes(100) + "EncryptedPackage".encode("utf-16-le") + bytes(400)
    (f / "r2_encrypted.xlsx").write_bytes(bytes(ole))
    bad("encrypted_xlsx", "refuse", f / "r2_encrypted.xlsx", ("password-protected",), absent=("BadZipFile",))
    (f / "r2_zero_bytes.xls").write_bytes(b"")
    bad("zero_byte_xls", "refuse", f / "r2_zero_bytes.xls", ("empty (0 bytes)",))
    ok("csv_named_xlsx", "csv", write_csv(f / "r2_csv_named.xlsx", plain_table(T)),
       words=("named .xlsx but is a text (CSV) file",), options={"lang": "en"})
    split = plain_table(T[:3], source="BC 123")
    split[2] = ["Tân An", "Long An"] + split[2][1:]  # written without quotes: "Tân An, Long An" became two cells
    text = "\n".join(",".join(str(c) for c in row) for row in split) + "\n"
    (f / "r2_unquoted_comma.csv").write_text(text, encoding="utf-8")
    bad("unquoted_comma_in_name", "refuse", f / "r2_unquoted_comma.csv",
        ("a ',' inside an unquoted value split it", "'Tân An,Long An'", "row 3"), n=1, options={"lang": "en"})
    big = "x" * 200_000  # far above the csv module's 131,072-character field limit (an office sent 30 MB)
    (f / "r2_huge_cell.csv").write_text("geography,indicator,year,value,unit,source\n"
                                        f"Tân An,{IND},2023,20,percent,x\nTân Trụ,{IND},2023,\"{big}\",percent,x\n",
                                        encoding="utf-8")
    bad("huge_cell", "refuse", f / "r2_huge_cell.csv", ("longer than 131,072 characters", "line 3", "quote"), n=1,
        options={"lang": "en"})
    # The init-case template: unfilled rows (name, indicator, school year, unit printed) are skipped; a past year's
    # row on today's map ("Bản đồ" = mới) is today's commune.
    head = ["Địa bàn", "Chỉ số", "Năm học", "Bản đồ", "Giá trị", "Tử số", "Mẫu số", "Đơn vị", "Nguồn", "Ghi chú"]
    rows = [head]
    for name in ("Xã Đức Hòa", "Xã Hậu Nghĩa"):
        for y in range(2022, 2027):
            rows.append([name, "thcs_graduates", f"{y - 1}-{y}", "mới (từ 1/7/2025)", "", "", "", "students", "", ""])
            rows.append([name, IND, f"{y - 1}-{y}", "mới (từ 1/7/2025)", "", "", "", "percent", "", ""])
    rows[4][4], rows[4][8] = "21,5", "Phòng GD 2023"  # Xã Đức Hòa, 2022-2023
    rows[12][4], rows[12][8] = "18", "Báo cáo xã 2022"  # Xã Hậu Nghĩa, 2021-2022
    ok("template_blank_rows_and_new_map", "places", write_csv(f / "r2_template.csv", rows),
       rows=sorted([("vn.tay_ninh.xa_duc_hoa", IND, 2023, 0.215), ("vn.tay_ninh.xa_hau_nghia", IND, 2022, 0.18)]),
       words=("18 dòng chưa điền",), options={"province": "Tây Ninh"})
    bad("past_row_named_like_todays_commune", "places",
        write_csv(f / "r2_minh_hoa.csv", [EN, ["Xã Minh Hóa", IND, 2024, "20", "percent", "x"],
                                          ["Xã Minh Hóa", IND, 2026, "22", "percent", "x"]]),
        ("names two different areas", "vn.quang_tri.xa_minh_hoa", "Xã Kim Phú", "vn.quang_binh.minh_hoa.xa_minh_hoa"),
        n=1, options={"province": "Quảng Trị", "lang": "en"})
    ok("past_row_on_todays_map_by_column", "places",
       write_csv(f / "r2_minh_hoa_map.csv", [EN[:3] + ["map"] + EN[3:],
                                             ["Xã Minh Hóa", IND, 2024, "new", "20", "percent", "x"],
                                             ["Xã Minh Hóa", IND, 2026, "", "22", "percent", "x"]]),
       rows=sorted([("vn.quang_tri.xa_minh_hoa", IND, 2024, 0.2), ("vn.quang_tri.xa_minh_hoa", IND, 2026, 0.22)]),
       options={"province": "Quảng Trị"})
    # A case's targets.csv, validated without --kind: several rows (an interim and a final target, two indicators).
    tgt = [["Địa bàn", "Chỉ số", "Năm", "So sánh", "Giá trị", "Đơn vị", "Nguồn", "Ghi chú"],
           ["Tỉnh Tây Ninh", IND, 2028, ">=", "25", "percent", "KH 12/KH-UBND", ""],
           ["Tỉnh Tây Ninh", IND, 2030, ">=", "30", "percent", "KH 12/KH-UBND", ""],
           ["Tỉnh Tây Ninh", "thpt_to_cao_dang", 2030, ">=", "20,5", "percent", "KH 12/KH-UBND", ""]]
    ok("case_targets_several_rows", "case", write_csv(f / "targets.csv", tgt),
       rows=sorted([("vn.tay_ninh", IND, 2028, 0.25), ("vn.tay_ninh", IND, 2030, 0.3),
                    ("vn.tay_ninh", "thpt_to_cao_dang", 2030, 0.205)]))
    bad("case_targets_true_duplicate", "case",
        write_csv(f / "targets_dup.csv", tgt + [tgt[2]]),
        ("trùng với dòng 3", "geography + indicator + year"), n=1, absent=("target_id",))


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus_out")
    for c in write_corpus(out):
        print(f"{c.cls:15s} {c.name:45s} {c.file:35s} {'ok' if c.rows is not None else 'refused'}")
