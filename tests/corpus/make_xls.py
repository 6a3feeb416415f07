"""Write the three .xls fixtures of the corpus (run once; the files are committed in tests/corpus/xls/).

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
from generate import EN, IND, SEED, XLS_DIR, truth  # noqa: E402


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


if __name__ == "__main__":
    main()
