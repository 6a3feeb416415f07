"""Write the four .xls fixtures of the corpus and one .ods (run once; the files are committed in tests/corpus/xls/).

No maintained Python library writes the old Excel 97-2003 format, so these
fixtures were produced with ``xlwt`` 1.3.0 (unmaintained, not a dependency of
simlib) in a throwaway environment::

    python -m venv /tmp/xlwtenv && /tmp/xlwtenv/bin/pip install xlwt==1.3.0
    /tmp/xlwtenv/bin/python tests/corpus/make_xls.py

The figures come from the corpus's seeded truth table (``generate.truth``), so
the test compares what simlib reads with numbers computed independently.
Illustrative data.
"""

from __future__ import annotations

import sys
from pathlib import Path

import xlwt

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import EN, ERRORS, IND, SEED, XLS_DIR, truth  # noqa: E402


#: BIFF error codes (the .xls file stores the code; xlwt's own name table lacks '#N/A').
_CODE = {"#DIV/0!": 0x07, "#REF!": 0x17, "#N/A": 0x2A, "#VALUE!": 0x0F}


def main() -> None:
    XLS_DIR.mkdir(exist_ok=True)
    T = truth()
    # 1. A plain table, numbers as numbers.
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    for c, h in enumerate(EN):
        ws.write(0, c, h)
    for r, row in enumerate(T, start=1):
        for c, v in enumerate([row.name, IND, row.year, row.value, "percent", "Sở GD&ĐT"]):
            ws.write(r, c, v)
    wb.save(str(XLS_DIR / "xls_plain.xls"))
    # 2. A hidden first sheet of old figures, the active sheet with a title block, merged title cells,
    #    an STT column, percent-formatted cells holding fractions, a total row and a footnote.
    wb = xlwt.Workbook(encoding="utf-8")
    old = wb.add_sheet("Số liệu cũ")
    old.visibility = 1
    for c, h in enumerate(EN):
        old.write(0, c, h)
    for r, row in enumerate(truth(seed=SEED + 1), start=1):
        for c, v in enumerate([row.name, IND, row.year, row.value, "percent", "cũ"]):
            old.write(r, c, v)
    ws = wb.add_sheet("Biểu 01")
    pct = xlwt.easyxf(num_format_str="0.00%")
    ws.write_merge(0, 0, 0, 2, "UỶ BAN NHÂN DÂN TỈNH LONG AN")
    ws.write_merge(0, 0, 4, 6, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    ws.write_merge(2, 2, 0, 6, "BIỂU TỔNG HỢP TỶ LỆ HỌC SINH TỐT NGHIỆP THCS VÀO HỌC GDNN")
    for c, h in enumerate(["STT", "Đơn vị", "Chỉ tiêu", "Năm học", "Giá trị", "Đơn vị tính", "Nguồn"]):
        ws.write(4, c, h)
    for i, row in enumerate(T, start=1):
        r = 4 + i
        ws.write(r, 0, i)
        ws.write(r, 1, row.name)
        ws.write(r, 2, IND)
        ws.write(r, 3, f"{row.year - 1}-{row.year}")
        ws.write(r, 4, row.value / 100, pct)
        ws.write(r, 5, "%")
        ws.write(r, 6, "Báo cáo")
    r = 5 + len(T)
    ws.write(r, 1, "Tổng cộng")
    ws.write(r, 4, sum(x.value for x in T) / len(T) / 100, pct)
    ws.write(r + 2, 0, "Ghi chú: số liệu sơ bộ")
    wb.set_active_sheet(1)
    wb.save(str(XLS_DIR / "xls_title_percent_hidden.xls"))
    # 3. A table with one value that is not a number (row 3).
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    for c, h in enumerate(EN):
        ws.write(0, c, h)
    for r, row in enumerate(T[:3], start=1):
        for c, v in enumerate([row.name, IND, row.year, "abc" if r == 2 else row.value, "percent", "x"]):
            ws.write(r, c, v)
    wb.save(str(XLS_DIR / "xls_bad_value.xls"))
    # 4. Cells whose saved formula result is an Excel error value (#DIV/0!, #REF!, #N/A, #VALUE!), as Excel
    #    stores them (BOOLERR records) after a failed formula; row 5 holds a plain number.
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    for c, h in enumerate(EN):
        ws.write(0, c, h)
    for r, row in enumerate(T[:5], start=1):
        for c, v in enumerate([row.name, IND, row.year, row.value, "percent", "x"]):
            if c == 3 and r <= len(ERRORS):
                ws.row(r).set_cell_error(c, _CODE[ERRORS[r - 1]])
            else:
                ws.write(r, c, v)
    wb.save(str(XLS_DIR / "xls_error_values.xls"))


_ODS_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""
_ODS_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content '
             'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
             'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
             'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
             'xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2" '
             'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" '
             'office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Sheet1">')
#: The formula LibreOffice keeps beside each error value (what a planner's sheet would hold).
_ODS_FORMULA = {"#DIV/0!": "of:=[.F2]/0", "#REF!": "of:=[.#REF!]", "#N/A": "of:=NA()", "#VALUE!": "of:=[.A2]+1"}


def write_ods_errors(path: Path) -> None:
    """An .ods whose value cells hold Excel error values the way LibreOffice Calc saves a failed formula
    (``office:value-type="string" office:string-value="" calcext:value-type="error"``, the error in the text),
    written with the standard library (deterministic: fixed zip dates)."""
    import zipfile
    from xml.sax.saxutils import escape, quoteattr

    def cell(v) -> str:
        if isinstance(v, (int, float)):
            return f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p></table:table-cell>'

    rows = ["<table:table-row>" + "".join(cell(h) for h in EN) + "</table:table-row>"]
    for r, row in enumerate(truth()[:5], start=1):
        out = [cell(row.name), cell(IND), cell(row.year)]
        if r <= len(ERRORS):
            e = ERRORS[r - 1]
            out.append(f'<table:table-cell table:formula={quoteattr(_ODS_FORMULA[e])} office:value-type="string" '
                       f'office:string-value="" calcext:value-type="error"><text:p>{escape(e)}</text:p>'
                       "</table:table-cell>")
        else:
            out.append(cell(row.value))
        out += [cell("percent"), cell("x")]
        rows.append("<table:table-row>" + "".join(out) + "</table:table-row>")
    content = _ODS_HEAD + "".join(rows) + "</table:table></office:spreadsheet></office:body></office:document-content>"
    with zipfile.ZipFile(path, "w") as z:
        def add(name, data, method):
            info = zipfile.ZipInfo(name, date_time=(2026, 12, 1, 0, 0, 0))
            info.compress_type = method
            z.writestr(info, data)
        add("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        add("META-INF/manifest.xml", _ODS_MANIFEST, zipfile.ZIP_DEFLATED)
        add("content.xml", content, zipfile.ZIP_DEFLATED)


if __name__ == "__main__":
    main()
    write_ods_errors(XLS_DIR / "ods_error_values.ods")
